"""`spendscope export focus`: the cost store as a conformant FOCUS 1.2 or 1.3 dataset (tools/costs/focus_export.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from spendscope.options import DbOption, JsonOption, open_store


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    export_app = typer.Typer(help="Export the cost store in standard formats.", no_args_is_help=True)
    app.add_typer(export_app, name="export")

    @export_app.command("focus")
    def export_focus_cmd(
        output: Annotated[Path, typer.Option("--output", "-o", help="File to write: .csv or .parquet")],
        version: Annotated[str, typer.Option("--version", help="FOCUS version: 1.2 or 1.3")] = "1.3",
        period: Annotated[
            str | None,
            typer.Option("--period", "-p", help="e.g. 2026-10, 'last month', Q3 2026 (default: all data)"),
        ] = None,
        filters: Annotated[
            list[str] | None,
            typer.Option(
                "--filter", "-f", help="Repeatable: provider=AWS, team=search,research, model^=claude ..."
            ),
        ] = None,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Write the store's cost rows as a FOCUS dataset another FinOps tool can read, checked for conformance."""
        from spendscope.data.errors import InvalidArgument
        from spendscope.options import parse_filters
        from spendscope.render import console, print_json
        from spendscope.tools.costs.focus_export import ExportFocusInput, export_focus

        if version not in ("1.2", "1.3"):
            raise InvalidArgument(f"--version {version}: FOCUS 1.2 or 1.3", argument="version", value=version)
        result = export_focus(
            open_store(db),
            ExportFocusInput(output=output, version=version, period=period, filters=parse_filters(filters)),
        )
        if as_json:
            print_json(result)
            return
        kw = {"soft_wrap": True, "markup": False, "highlight": False}
        console.print(
            f"{result.output}: {result.rows:,} rows, FOCUS {result.version}, {result.columns} columns "
            f"({result.period_label}); billed {float(result.billed_cost):,.2f}, "
            f"effective {float(result.effective_cost):,.2f}",
            **kw,
        )
        if not result.violations:
            console.print(f"  conformant with the FOCUS {result.version} column requirements", **kw)
        for v in result.violations:
            console.print(f"  not conformant: {v.column}: {v.rule} ({v.rows:,} rows)", **kw)
