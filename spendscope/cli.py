"""`spendscope`: the command-line entry point.

Each area registers its commands from its own module in spendscope/commands/. Command modules import heavy
libraries (duckdb, statsmodels, anthropic, mcp, slack) inside the command bodies, so that `spendscope ask`
starts fast.
"""

from __future__ import annotations

import importlib
import sys
from typing import Annotated

import typer

from spendscope.data.errors import SpendscopeError
from spendscope.opcommands import LazyGroup
from spendscope.options import json_errors, reset_output, set_view_as
from spendscope.tools.money_text import currency_scope

COMMAND_MODULES = (
    "store",
    "imports",
    "sources",
    "allocation",
    "analytics",
    "governance",
    "ask",
    "agents",
    "mcp",
    "slack",
    "operations",
    "export",
    "web",
    "prices",
    "metrics",
    "metrics_targets",
    "assistants",
    "notify",
)

app = typer.Typer(
    cls=LazyGroup,
    name="spendscope",
    help="spendscope: AI FinOps for every AI bill. One FOCUS-shaped cost store; allocation, analytics and answers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
import_app = typer.Typer(
    help="Import cost, usage and telemetry files into the store.", no_args_is_help=True, cls=LazyGroup
)
app.add_typer(import_app, name="import")


@app.callback()
def root(
    ctx: typer.Context,
    view_as: Annotated[
        list[str] | None,
        typer.Option(
            "--view-as",
            metavar="DIM=VALUE",
            help="Run as a read-only caller limited to these rows (repeatable DIM=VALUE[,VALUE], e.g. "
            "team=search): see what that team's MCP token or Slack channel sees.",
        ),
    ] = None,
) -> None:
    """spendscope: AI FinOps for every AI bill. One FOCUS-shaped cost store; allocation, analytics and answers."""
    reset_output()
    set_view_as(view_as)
    ctx.with_resource(currency_scope())  # money in the billing currency of the store a command opens


def _register() -> None:
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"spendscope.commands.{name}")
        module.register(app, import_app)


_register()


def main() -> None:
    try:
        app()
    except SpendscopeError as exc:
        from spendscope.render import err_console

        err_console.print(f"error: {exc.message}", markup=False, highlight=False, soft_wrap=True)
        if json_errors():  # --json: the error as JSON on stdout too (code, message, argument, ...)
            import json

            print(json.dumps({"error": exc.to_dict()}, default=str, ensure_ascii=False))
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
