"""Options shared by every command, and the one place the CLI turns settings into a Store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from spendscope.data.settings import Settings, load_settings
from spendscope.data.store import Store

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Cost store: a DuckDB file, clickhouse://user:password@host:8123/db or chdb:PATH "
        "(default: $SPENDSCOPE_DB or ~/.spendscope/spendscope.duckdb).",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
CsvOption = Annotated[bool, typer.Option("--csv", help="Print CSV instead of a table.")]
ChartOption = Annotated[Path | None, typer.Option("--chart", help="Also write a PNG chart to this path.")]


def settings(db: str | Path | None = None) -> Settings:
    return load_settings(db=str(db) if db is not None else None)


def open_store(db: str | Path | None) -> Store:
    s = settings(db)
    return Store(s.db, lock_timeout=s.lock_timeout)
