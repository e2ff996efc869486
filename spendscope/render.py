"""Rendering results for the terminal: one table renderer, one formatter for money, percentages and counts,
JSON and CSV. No FinOps logic here.

Every command prints its tables through `table(title, columns, rows)`, where each `Col` says what kind of value
it holds (`money`, `unit` price: in the billing currency; `usd`, `usd_unit`: list prices, always USD; `estimate`:
telemetry's USD cost estimates, `USD 1.23` beside a bill in another currency; `pct`,
`signed_pct`, `count`, `number`, `text`), and `cell(value, kind)` is the one place that turns a value into text.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from rich.console import Console
from rich.table import Table
from rich.text import Text

from spendscope.tools import money_text

console = Console()
err_console = Console(stderr=True)
if not console.is_terminal:  # piped or captured: rich would assume 80 columns and squeeze wide tables
    console.width = max(console.width, 160)

Kind = Literal[
    "text",
    "money",
    "unit",
    "usd",
    "usd_unit",
    "estimate",
    "pct",
    "signed_pct",
    "count",
    "number",
    "raw",
    "raw_text",
]
NUMERIC: frozenset[str] = frozenset(
    {"money", "unit", "usd", "usd_unit", "estimate", "pct", "signed_pct", "count", "number", "raw"}
)
NONE_LABEL = "(none)"  # a group without a value (untagged)


# ---------------------------------------------------------------------------------------------- values


def money(value: Any) -> str:
    """$1,234.56 (negative: -$1,234.56) in the billing currency (€1,234.56, CHF 1,234.56: tools.money_text);
    empty for no value."""
    return "" if value is None else money_text.money(value, digits=2)


def unit_price(value: Any) -> str:
    """A per-unit price, with enough decimals to read a fraction of a cent."""
    return "" if value is None else money_text.unit_price(value)


def pct(value: Any, signed: bool = False) -> str:
    if value is None:
        return ""
    return f"{float(value):+.1f}%" if signed else f"{float(value):.1f}%"


def count(value: Any) -> str:
    return "" if value is None else f"{float(value):,.0f}"


def number(value: Any) -> str:
    """A quantity at the precision it has (no currency): 1,234 or 0.1826."""
    if value is None:
        return ""
    if isinstance(value, int | decimal.Decimal) and value == int(value):
        return f"{int(value):,}"
    return f"{float(value):,.4f}".rstrip("0").rstrip(".")


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


def cell(value: Any, kind: Kind = "text") -> str:
    """The one formatter: a value as a table cell of the given kind."""
    if kind in ("raw", "raw_text"):
        return raw(value)
    if isinstance(value, str):
        return value
    if kind == "money":
        return money(value)
    if kind == "unit":
        return unit_price(value)
    if kind == "estimate":  # telemetry's cost estimates: USD, with the code beside a bill in another currency
        return money_text.usd(value, code=True)
    if kind in ("usd", "usd_unit"):  # list prices and estimates from them: USD whatever the bill's currency
        with money_text.billing_currency(money_text.DEFAULT):
            return money(value) if kind == "usd" else unit_price(value)
    if kind in ("pct", "signed_pct"):
        return pct(value, signed=kind == "signed_pct")
    if kind == "count":
        return count(value)
    if kind == "number":
        return number(value)
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, float | decimal.Decimal | int) and not isinstance(value, bool):
        return number(value)
    return str(value)


def kind_of(column: str, value: Any) -> Kind:
    """The kind of a column named like spendscope's fields (`*_cost`, `*_pct`, ...) holding `value`."""
    if not isinstance(value, float | decimal.Decimal | int) or isinstance(value, bool):
        return "text"
    low = column.lower()
    if any(k in low for k in ("pct", "percent", "share")):
        return "pct"
    if any(k in low for k in ("cost", "spend", "amount", "usd", "$", "saving", "budget", "impact")):
        return "money"
    return "number"


# ---------------------------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class Col:
    """A table column: its header and the kind of value it holds (numbers are right-aligned, never cut)."""

    name: str
    kind: Kind = "text"


def table(title: str | None, columns: Sequence[Col | str], rows: Sequence[Sequence[Any]]) -> None:
    """The one table renderer. Cells are formatted by `cell` for their column's kind; a cell that is already
    text is shown as is. Numeric columns are right-aligned and never cut; the table is never squeezed below
    the width its cells need, even in a pipe."""
    cols = [c if isinstance(c, Col) else Col(c) for c in columns]
    text_rows = [[cell(v, c.kind) for v, c in zip(r, cols, strict=True)] for r in rows]
    out = Table(title=title, header_style="bold", min_width=min(len(title or ""), 160))
    for c in cols:
        out.add_column(c.name, justify="right" if c.kind in NUMERIC else "left", no_wrap=c.kind in NUMERIC)
    for r in text_rows:
        out.add_row(*[Text(v) for v in r])  # Text(): data, never rich markup
    widths = [
        max([len(line) for r in text_rows for line in r[i].splitlines()] + [len(c.name)])
        for i, c in enumerate(cols)
    ]
    narrow = console.width
    console.width = max(narrow, sum(widths) + 3 * len(cols) + 1, min(len(title or ""), 160))
    try:
        console.print(out)
    finally:
        console.width = narrow


def say(*lines: str, style: str | None = None) -> None:
    """Message lines: no markup, no highlighting, never wrapped (scripts parse these)."""
    for line in lines:
        console.print(line, style=style, markup=False, highlight=False, soft_wrap=True)


def label(value: Any) -> str:
    """A group's value as a label: `(none)` for rows without one."""
    return NONE_LABEL if value is None else str(value)


# ---------------------------------------------------------------------------------------------- formats


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


def output(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    as_json: bool = False,
    as_csv: bool = False,
    title: str | None = None,
    as_is: bool = False,
) -> None:
    """Rows in the format the user asked for; in a table, each column's kind is read from its name (or, with
    `as_is`, values are shown at full precision, as SQL results)."""
    if as_json:
        print_json([dict(zip(columns, r, strict=True)) for r in rows])
    elif as_csv:
        print_csv(columns, rows)
    else:
        cols = []
        for i, c in enumerate(columns):
            values = [r[i] for r in rows if r[i] is not None]
            numeric = bool(values) and all(
                isinstance(v, int | float | decimal.Decimal) and not isinstance(v, bool) for v in values
            )
            if as_is:
                cols.append(Col(str(c), "raw" if numeric else "raw_text"))
            else:
                cols.append(Col(str(c), kind_of(str(c), values[0]) if numeric else "text"))
        table(title, cols, rows)


def print_table(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], title: str | None = None, *, as_is: bool = False
) -> None:
    output(columns, rows, title=title, as_is=as_is)
