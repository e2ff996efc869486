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
    "focus": ("focus", "FOCUS 1.0-1.2 exports: .csv, .csv.gz or .parquet"),
    "aws-cur": ("aws_cur", "AWS Cost and Usage Reports (CUR 2.0 or legacy): .csv, .csv.gz, .parquet"),
    "azure": (
        "azure",
        "Azure Cost Management exports (EA/MCA, actual or amortised): .csv, .csv.gz, .parquet",
    ),
    "gcp": ("gcp", "GCP BigQuery billing export rows: .csv, .json/.jsonl (newline-delimited), .parquet"),
}
_DOC = (
    "The files given together are one export (all or nothing), or, when they re-send each other's line items, "
    "successive versions of it, imported in the order given. A newer export of the same provider, billing "
    "account and days replaces what earlier imports stored (docs/importers.md); re-importing the same file adds "
    "nothing."
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
        files: list[Path],
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
        list[Path], typer.Argument(help=help_text, metavar="FILE...")
    ]
    import_app.command(command)(import_cmd)


def run_imports(
    files: list[Path],
    db: Path | None,
    as_json: bool,
    kind: str,
    *,
    replace_period: bool = False,
    append: bool = False,
    strict: bool = False,
) -> None:
    """Import `files` of `kind` (one delivery, or versions in order) with a progress bar and a line per import."""
    from spendscope.data.errors import InvalidArgument
    from spendscope.data.importing import import_files
    from spendscope.progress import run_with_progress
    from spendscope.render import console, print_json

    if replace_period and append:
        raise InvalidArgument("--replace-period and --append exclude each other: choose one")
    mode = "replace-period" if replace_period else "append" if append else "auto"
    store = open_store(db)
    label = files[0].name if len(files) == 1 else f"{len(files)} files"
    results = run_with_progress(
        f"importing {label}",
        lambda cb: import_files(store, kind, files, mode=mode, strict=strict, progress=cb),  # type: ignore[arg-type]
        quiet=as_json,
    )
    if as_json:
        print_json(results)
        return
    for r in results:
        print_import(console, r)


def print_import(console: Any, r: Any) -> None:
    if r.status == "duplicate":
        console.print(f"{r.source_file}: already imported ({r.import_id}); nothing added", soft_wrap=True)
        for w in r.warnings[1:]:
            console.print(f"  warning: {w}", markup=False, highlight=False, soft_wrap=True)
        return
    if r.rows_inserted == 0:
        line = f"{r.source_file}: nothing added (import {r.import_id})"
    else:
        line = f"{r.source_file}: {r.rows_inserted:,} rows imported"
        if r.rows_skipped:
            line += f", {r.rows_skipped:,} already present"
        line += f" (import {r.import_id})"
        if r.kind not in ("events", "gpu"):
            line += f"; effective cost {float(r.effective_cost):,.2f}"
    console.print(line, markup=False, highlight=False, soft_wrap=True)
    for w in r.warnings:
        console.print(f"  {_prefix(w)}{w}", markup=False, highlight=False, soft_wrap=True)


def _prefix(warning: str) -> str:
    return "" if warning.startswith("replaced ") else "warning: "


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
