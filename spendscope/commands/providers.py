"""Provider export imports (`import aws-cur`, `import azure`, `import gcp`) now live in commands/imports.py
with `import focus`: one command shape for every cost export (modes, --strict, the delivery rules)."""

from __future__ import annotations

import typer


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    """Nothing left to register here (kept so COMMAND_MODULES stays as it is)."""
