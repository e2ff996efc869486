"""The command modules: each registers its area's commands on the typer app (spendscope.cli)."""
