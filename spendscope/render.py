"""Rendering results for the terminal: rich tables, JSON and CSV. No FinOps logic here."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
import sys
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

console = Console()
err_console = Console(stderr=True)
if not console.is_terminal:  # piped or captured: rich would assume 80 columns and squeeze wide tables
    console.width = max(console.width, 160)


def jsonable(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() and abs(value) < 2**53 else float(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if hasattr(value, "model_dump"):
        return jsonable(value.model_dump(mode="python"))
    return value


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(jsonable(value), indent=2, ensure_ascii=False) + "\n")


def print_csv(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow(["" if v is None else jsonable(v) for v in r])
    sys.stdout.write(buf.getvalue())


def fmt(value: Any, column: str = "") -> str:
    if value is None:
        return ""
    if isinstance(value, decimal.Decimal | float):
        low = column.lower()
        if any(k in low for k in ("cost", "spend", "amount", "usd", "$", "saving", "budget", "impact")):
            return f"${value:,.2f}"
        if "pct" in low or "percent" in low or "share" in low:
            return f"{value:,.2f}%"
        if isinstance(value, decimal.Decimal) and value == value.to_integral_value():
            return f"{int(value):,}"
        return f"{value:,.4f}".rstrip("0").rstrip(".")
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def raw(value: Any) -> str:
    """A value as SQL tools show it: full precision, no currency or grouping."""
    if value is None:
        return "NULL"
    if isinstance(value, decimal.Decimal):
        text = format(value, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value)


def print_table(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], title: str | None = None, *, as_is: bool = False
) -> None:
    """A rich table; `as_is` shows values at full precision (SQL results) instead of formatting money."""
    table = Table(title=title, show_lines=False, header_style="bold")
    numeric = [
        bool(rows) and all(isinstance(r[i], int | float | decimal.Decimal) or r[i] is None for r in rows)
        for i in range(len(columns))
    ]
    for c, is_num in zip(columns, numeric, strict=True):
        table.add_column(str(c), justify="right" if is_num else "left")
    for r in rows:
        # Text(): cell values are data, never rich markup (a regex `[a-z]+` or a value `[bold]x` stays as is).
        table.add_row(*[Text(raw(v) if as_is else fmt(v, str(c))) for v, c in zip(r, columns, strict=True)])
    console.print(table, soft_wrap=True)


def output(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    as_json: bool = False,
    as_csv: bool = False,
    title: str | None = None,
    as_is: bool = False,
) -> None:
    """Print rows in the format the user asked for."""
    if as_json:
        print_json([dict(zip(columns, r, strict=True)) for r in rows])
    elif as_csv:
        print_csv(columns, rows)
    else:
        print_table(columns, rows, title=title, as_is=as_is)
