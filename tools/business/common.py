"""What the unit-economics operations share: time buckets, filter matching on already-aggregated groups, the
`filters` / `cost_filters` fields, and money rounding for display."""

from __future__ import annotations

import datetime as dt
import difflib
from decimal import Decimal
from typing import Literal

from pydantic import Field
from spendscope.data.currency import period_label
from spendscope.data.errors import InvalidArgument
from spendscope.tools.costs.breakdown import Filter
from spendscope.tools.periods import add_months

Grain = Literal["total", "month", "week", "day"]
GRAINS = ("day", "week", "month")  # finest first
NONE = "(none)"
_NONE_WORDS = {"(none)", "none", "null", "(untagged)", "untagged"}

FILTERS_FIELD = Field(
    default_factory=list,
    description="limit the figures to these rows, on both sides: business metric rows must carry the dimension "
    "(customer, feature, team, plan or a tag of the metric) with a matching value, and the cost is limited the "
    "same way",
)
COST_FILTERS_FIELD = Field(
    default_factory=list,
    description="limit the cost side only (e.g. provider=OpenAI, env=prod): the metric's units or revenue stay "
    "whole",
)


def accepts(f: Filter, value: str | None) -> bool:
    """Whether `value` of an aggregated group passes filter `f` (case-insensitive; '(none)' is a missing value),
    the same rule tools.costs.breakdown.filter_clause applies in SQL."""
    v = None if value is None or value.strip().lower() in _NONE_WORDS else value.strip().lower()
    wants_none = any(x.strip().lower() in _NONE_WORDS for x in f.values)
    real = [x.strip().lower() for x in f.values if x.strip().lower() not in ("(none)", "null", "(untagged)")]
    if f.op in ("eq", "in"):
        return (v is not None and v in real) or (v is None and wants_none)
    if f.op in ("not", "not_in"):
        return (v is None or v not in real) and not (v is None and wants_none)
    if v is None:
        return False
    if f.op == "prefix":
        return any(v.startswith(x.lower()) for x in f.values)
    return any(x.lower() in v for x in f.values)


def bucket_start(day: dt.date, grain: Grain, period_start: dt.date) -> dt.date:
    """The first day of the bucket holding `day` ('total': the period's start)."""
    if grain == "month":
        return day.replace(day=1)
    if grain == "week":
        return day - dt.timedelta(days=day.weekday())
    if grain == "day":
        return day
    return period_start


def bucket_end(start: dt.date, grain: Grain, period_end: dt.date) -> dt.date:
    if grain == "month":
        return add_months(start, 1)
    if grain == "week":
        return start + dt.timedelta(days=7)
    if grain == "day":
        return start + dt.timedelta(days=1)
    return period_end


def buckets(start: dt.date, end: dt.date, grain: Grain) -> list[tuple[dt.date, dt.date]]:
    """The buckets of [start, end): whole months, ISO weeks or days, the first and last clipped to the period."""
    if grain == "total":
        return [(start, end)]
    out = []
    b = bucket_start(start, grain, start)
    while b < end:
        e = bucket_end(b, grain, end)
        out.append((max(b, start), min(e, end)))
        b = e
    return out


def bucket_sql(column: str, grain: Grain, period_start: dt.date) -> str:
    """SQL for the bucket start of DATE `column`."""
    if grain == "total":
        return f"DATE '{period_start.isoformat()}'"
    if grain == "day":
        return f"CAST({column} AS DATE)"
    return f"CAST(date_trunc('{grain}', {column}) AS DATE)"


def label(start: dt.date, end: dt.date) -> str:
    return period_label(start, end)


def ratio(num: Decimal | None, den: Decimal | None, scale: Decimal | int = 1) -> Decimal | None:
    if num is None or den is None or den == 0:
        return None
    return num / den * scale


def pct(num: Decimal | None, den: Decimal | None) -> float | None:
    r = ratio(num, den, 100)
    return float(r) if r is not None else None


def money(x: Decimal | None) -> float | None:
    """A Decimal amount as the float the output models carry (rounded to 1e-6: display precision)."""
    return None if x is None else round(float(x), 6)


def suggest(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
    return f"; did you mean {', '.join(close)}?" if close else ""


def check_grain(grain: str) -> Grain:
    g = grain.strip().lower()
    if g not in ("total", *GRAINS):
        raise InvalidArgument(
            f"grain {grain!r}: use total, month, week or day", argument="grain", value=grain
        )
    return g  # type: ignore[return-value]
