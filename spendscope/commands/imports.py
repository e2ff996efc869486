"""Cost export imports and their history: `import focus | aws-cur | azure | gcp`, `imports`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from spendscope.options import DbOption, JsonOption, open_store

ReplaceOption = Annotated[
    bool,
    typer.Option(
        "--replace-period",
        help="The files are the whole billing period: replace everything earlier imports stored for each "
        "(provider, billing account, billing period) they cover.",
    ),
]
AppendOption = Annotated[
    bool,
    typer.Option(
        "--append",
        help="Add to what the store holds (an incremental export); rows it already holds are skipped.",
    ),
]
StrictOption = Annotated[
    bool,
    typer.Option(
        "--strict",
        help="Refuse rows that break FOCUS's rules (end before start, unknown ChargeCategory, currency not "
        "ISO 4217) instead of warning.",
    ),
]
_KINDS = {
    "focus": (
        "focus",
        "FOCUS 1.0-1.4 exports: .csv, .csv.gz or .parquet files, export folders, or s3:// gs:// az:// URLs",
    ),
    "aws-cur": (
        "aws_cur",
        "AWS Cost and Usage Reports (CUR 2.0 or legacy): .csv, .csv.gz, .parquet files, export folders, or s3:// "
        "URLs",
    ),
    "azure": (
        "azure",
        "Azure Cost Management exports (EA/MCA, actual or amortised): .csv, .csv.gz, .parquet files, export "
        "folders, or az:// / abfs:// URLs",
    ),
    "gcp": (
        "gcp",
        "GCP BigQuery billing export rows: .csv, .json/.jsonl (newline-delimited), .parquet files, folders, or "
        "gs:// URLs",
    ),
}
_DOC = (
    "The files given together are one export (all or nothing), or, when they re-send each other's line items, "
    "successive versions of it, imported in the order given. A folder or bucket is walked for the provider's "
    "export layout and each period's latest delivery imported, oldest period first. A newer export of the same "
    "provider, billing account and days replaces what earlier imports stored (docs/importers.md); re-importing "
    "the same file adds nothing."
)


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    for command, (kind, help_text) in _KINDS.items():
        _register_kind(import_app, command, kind, help_text)

    @app.command("imports")
    def imports_cmd(
        db: DbOption = None,
        as_json: JsonOption = False,
        limit: Annotated[int, typer.Option(help="Most recent imports shown.")] = 50,
    ) -> None:
        """List past imports: rows and cost added, what each replaced (rows and cost before/after) and which
        later import superseded it."""
        from spendscope.data.import_history import list_imports
        from spendscope.render import console, print_json

        history = list_imports(open_store(db), limit=limit)
        if as_json:
            print_json(history)
            return
        _print_history(console, history)


def _register_kind(import_app: typer.Typer, command: str, kind: str, help_text: str) -> None:
    def import_cmd(
        files: list[str],
        db: DbOption = None,
        as_json: JsonOption = False,
        replace_period: ReplaceOption = False,
        append: AppendOption = False,
        strict: StrictOption = False,
    ) -> None:
        run_imports(files, db, as_json, kind, replace_period=replace_period, append=append, strict=strict)

    import_cmd.__doc__ = f"Import {help_text.split(':')[0]}. {_DOC}"
    # a concrete annotation (not a string: this module's annotations are postponed) carrying the help text
    import_cmd.__annotations__["files"] = Annotated[
        list[str], typer.Argument(help=help_text, metavar="FILE|FOLDER|URL...")
    ]
    import_app.command(command)(import_cmd)


def run_imports(
    files: list[str],
    db: str | Path | None,
    as_json: bool,
    kind: str,
    *,
    replace_period: bool = False,
    append: bool = False,
    strict: bool = False,
) -> None:
    """Import files, export folders and bucket URLs of `kind` (spendscope/import_runner.py)."""
    from spendscope.data.errors import InvalidArgument
    from spendscope.import_runner import run_imports as run

    if replace_period and append:
        raise InvalidArgument("--replace-period and --append exclude each other: choose one")
    mode = "replace-period" if replace_period else "append" if append else "auto"
    run(files, db, as_json, kind, mode=mode, strict=strict)


def _print_history(console: Any, history: list[Any]) -> None:
    from rich.table import Table

    table = Table(title="Imports", show_lines=False)
    for col in (
        "import",
        "kind",
        "finished",
        "mode",
        "rows",
        "effective cost",
        "in store now",
        "replaced",
        "status",
    ):
        table.add_column(col, overflow="fold")
    for h in history:
        replaced = "; ".join(
            f"{', '.join(s.replaced_imports)} {s.label}: {s.rows_before:,} rows {float(s.effective_cost_before):,.2f}"
            f" -> {s.rows:,} rows {float(s.effective_cost):,.2f} ({s.delta_rows:+,} rows, "
            f"{float(s.delta_cost):+,.2f})"
            for s in h.scopes
            if s.action == "replaced"
        )
        table.add_row(
            h.import_id,
            h.kind,
            h.finished_at[:19].replace("T", " ") if h.finished_at else "",
            h.mode or "",
            f"{h.rows_inserted:,}",
            f"{float(h.effective_cost):,.2f}" if h.effective_cost is not None else "",
            f"{h.rows_now:,}",
            replaced or "-",
            h.state + (f" by {h.superseded_by}" if h.superseded_by else ""),
        )
    console.print(table)
