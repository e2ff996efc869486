"""Change and drivers: how a measure moved between two periods and which dimension values moved it.

For each dimension asked for (provider, model, team, feature, ... or their combination) every value's change
is current - previous, its contribution is change / total change x 100 (the contributions of one dimension add
up to 100%), and the top movers are the largest changes across all dimensions. One pass over the data answers
every dimension (GROUPING SETS).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
from pydantic import BaseModel, Field
from spendscope.data.errors import InvalidPeriod, UnknownDimension
from spendscope.data.sql import ident
from spendscope.data.store import Store
from spendscope.tools import money_text
from spendscope.tools.costs.breakdown import (
    Filter,
    TimeRange,
    check_coverage,
    data_coverage,
    filter_sql,
    period_bounds,
    pre_aggregation_columns,
    resolve_range,
)
from spendscope.tools.costs.dimensions import dimension_sql, measure_sql, query_source
from spendscope.tools.money_text import InBillCurrency
from spendscope.tools.periods import Period, month_period, parse_period
from spendscope.tools.registry import operation

DEFAULT_DIMENSIONS = ("provider", "model")
OPTIONAL_DEFAULTS = ("team", "feature")  # added to the defaults when the store knows them
MAX_DIMENSIONS = 8


class DriversInput(TimeRange):
    compare_period: str | None = Field(
        None,
        description="the period to compare with; default the one before "
        "(with no period at all: the last whole month of data vs the month before)",
    )
    compare_start: dt.date | None = Field(None, description="first day of the comparison period")
    compare_end: dt.date | None = Field(None, description="last day (inclusive) of the comparison period")
    dimensions: list[str] = Field(
        default_factory=list,
        description="dimensions to attribute the change to; "
        "default provider, model, and team/feature when tagged",
    )
    combine: bool = Field(False, description="attribute to combinations of the dimensions (team x model)")
    measure: str = Field("cost", description="cost (EffectiveCost), billed_cost, tokens, requests, ...")
    filters: list[Filter] = Field(default_factory=list, description="scope, e.g. provider = OpenAI")
    top: int = Field(10, ge=1, le=1000, description="values kept per dimension; the rest are summed as other")


class PeriodInfo(BaseModel):
    start: dt.date
    end: dt.date = Field(description="exclusive end")
    label: str
    days: int


class Driver(BaseModel):
    dimension: str
    value: str | None = Field(description="the dimension value (None: rows without one, e.g. untagged)")
    current: float
    previous: float
    change: float = Field(description="current - previous")
    change_pct: float | None = Field(None, description="change / previous x 100 (None when previous is 0)")
    contribution_pct: float | None = Field(None, description="change / total change x 100")
    status: str = Field("changed", description="changed, new (nothing before) or gone (nothing now)")


class DimensionDrivers(BaseModel):
    dimension: str
    drivers: list[Driver] = Field(description="largest absolute change first")
    other: Driver | None = Field(None, description="the values beyond `top`, summed")
    values: int = Field(description="number of values before top-N")


class DriversResult(InBillCurrency):
    measure: str
    measure_column: str
    current: PeriodInfo
    previous: PeriodInfo
    current_total: float
    previous_total: float
    change: float
    change_pct: float | None
    dimensions: list[DimensionDrivers]
    top_movers: list[Driver] = Field(description="largest absolute changes across every dimension")
    summary: str
    filters: list[Filter]
    assumptions: list[str] = Field(default_factory=list)


def _info(p: Period) -> PeriodInfo:
    return PeriodInfo(start=p.start, end=p.end, label=p.label, days=p.days)


def _compare_period(p: DriversInput, current: Period) -> Period:
    if p.compare_start or p.compare_end:
        if not (p.compare_start and p.compare_end):
            raise InvalidPeriod(
                "give both compare_start and compare_end (inclusive), or compare_period",
                argument="compare_period",
            )
        if p.compare_end < p.compare_start:
            raise InvalidPeriod(
                f"compare_end {p.compare_end} is before compare_start {p.compare_start}",
                argument="compare_period",
            )
        return Period(
            start=p.compare_start,
            end=p.compare_end + dt.timedelta(days=1),
            label=f"{p.compare_start} to {p.compare_end}",
        )
    if p.compare_period:
        return parse_period(p.compare_period, p.as_of)
    return current.previous()


def _current_period(con: duckdb.DuckDBPyConnection, p: DriversInput) -> Period:
    """The period asked for; by default the last whole calendar month of data (the month before `as_of`)."""
    if p.period or p.start or p.end:
        return resolve_range(p, con)
    if p.as_of:
        return parse_period("last month", p.as_of)
    cover = data_coverage(con)
    if cover is None:
        raise InvalidPeriod(
            "the store holds no cost data yet; import some first (spendscope import focus FILE)"
        )
    last = cover[1]
    if (last + dt.timedelta(days=1)).day != 1:  # the last month is not complete: take the one before
        last = last.replace(day=1) - dt.timedelta(days=1)
    return month_period(last.year, last.month)


def _default_dimensions(con: duckdb.DuckDBPyConnection, source: object) -> list[str]:
    dims = list(DEFAULT_DIMENSIONS)
    for name in OPTIONAL_DEFAULTS:
        try:
            dimension_sql(name, con, source)  # type: ignore[arg-type]
        except UnknownDimension:
            continue
        dims.append(name)
    return dims


def _pct(part: Decimal, whole: Decimal) -> float | None:
    return float(part / whole * 100) if whole else None


def _driver(dimension: str, value: str | None, cur: Decimal, prev: Decimal, total_change: Decimal) -> Driver:
    change = cur - prev
    status = "new" if prev == 0 and cur != 0 else "gone" if cur == 0 and prev != 0 else "changed"
    return Driver(
        dimension=dimension,
        value=value,
        current=float(cur),
        previous=float(prev),
        change=float(change),
        change_pct=_pct(change, prev) if prev else None,
        contribution_pct=_pct(change, total_change),
        status=status,
    )


def _signed(v: float, money: bool) -> str:
    sign = "+" if v >= 0 else "-"
    return sign + money_text.money(abs(v), digits=2) if money else f"{sign}{abs(v):,.0f}"


def run_drivers(con: duckdb.DuckDBPyConnection, p: DriversInput) -> DriversResult:
    column, token_type = measure_sql(p.measure)
    source = query_source(con)
    current = _current_period(con, p)
    previous = _compare_period(p, current)
    if (previous.start, previous.end) == (current.start, current.end):
        raise InvalidPeriod(
            f"the comparison period is {current.label} itself: a change of 0 says nothing; compare with another "
            "period (default: the one before)",
            argument="compare_period",
        )
    notes = check_coverage(con, current)
    try:
        notes += check_coverage(con, previous, argument="compare period")
    except InvalidPeriod as exc:
        if p.compare_period or p.compare_start or p.compare_end:
            raise  # the caller named it: a change from $0 the store never saw would be a wrong figure
        notes.append(f"{exc.message}: everything in {current.label} counts as new")
    names = [d.strip() for d in p.dimensions if d.strip()] or _default_dimensions(con, source)
    if len(names) > MAX_DIMENSIONS:
        raise UnknownDimension(
            f"at most {MAX_DIMENSIONS} dimensions at once; got {len(names)}", argument="dimensions"
        )
    exprs = [dimension_sql(d, con, source) for d in names]
    filters = list(p.filters)
    if token_type:
        filters.append(Filter(dimension="token_type", op="eq", values=[token_type]))
    clauses, fparams = filter_sql(filters, con, source)
    cs, ce = period_bounds(current)
    ps, pe = period_bounds(previous)

    if p.combine:
        keys = [
            "concat_ws(' / ', " + ", ".join(f"coalesce(CAST({e} AS VARCHAR), '(none)')" for e in exprs) + ")"
        ]
        labels = [" x ".join(names)]
    else:
        keys = [f"CAST({e} AS VARCHAR)" for e in exprs]
        labels = names
    cols = [f"k{i}" for i in range(len(keys))]
    sets = ", ".join(f"({c})" for c in cols) + ", ()"
    where = " AND ".join(
        [
            "((ChargePeriodStart >= ? AND ChargePeriodStart < ?) OR "
            "(ChargePeriodStart >= ? AND ChargePeriodStart < ?))",
            *clauses,
        ]
    )
    relation = source.relation
    read = pre_aggregation_columns(exprs)
    if read:  # sum by the raw columns (and time) first; tag and time expressions then run once per group
        raw = ", ".join(ident(c) for c in sorted({*read, "ChargePeriodStart"}))
        relation = (
            f"(SELECT {raw}, SUM({column}) AS {column} FROM {source.relation} WHERE {where} GROUP BY {raw})"
        )
        where = "true"
    sql = f"""
        WITH base AS (
            SELECT {", ".join(f"{k} AS {c}" for k, c in zip(keys, cols, strict=True))},
                   CASE WHEN ChargePeriodStart >= ? AND ChargePeriodStart < ? THEN {column} END AS cur,
                   CASE WHEN ChargePeriodStart >= ? AND ChargePeriodStart < ? THEN {column} END AS prev
            FROM {relation}
            WHERE {where}
        )
        SELECT {", ".join(f"GROUPING({c})" for c in cols)}, {", ".join(cols)},
               coalesce(SUM(cur), 0) AS cur, coalesce(SUM(prev), 0) AS prev
        FROM base
        GROUP BY GROUPING SETS ({sets})
    """
    rows = con.execute(sql, [cs, ce, ps, pe, cs, ce, ps, pe, *fparams]).fetchall()  # SELECT's, then WHERE's
    n = len(cols)
    cur_total = prev_total = Decimal(0)
    per_dim: dict[int, list[tuple[str | None, Decimal, Decimal]]] = {i: [] for i in range(n)}
    for r in rows:
        flags, values, cur, prev = r[:n], r[n : 2 * n], r[2 * n], r[2 * n + 1]
        if all(flags):
            cur_total, prev_total = cur, prev
            continue
        i = flags.index(0)
        per_dim[i].append((values[i], cur, prev))
    total_change = cur_total - prev_total

    dimensions: list[DimensionDrivers] = []
    movers: list[Driver] = []
    for i, label in enumerate(labels):
        ranked = sorted(per_dim[i], key=lambda t: (-abs(t[1] - t[2]), -(t[1] + t[2]), str(t[0])))
        kept = [_driver(label, v, c, pr, total_change) for v, c, pr in ranked[: p.top] if c or pr]
        rest = ranked[p.top :]
        other = None
        if rest:
            oc = sum((c for _, c, _ in rest), Decimal(0))
            op = sum((pr for _, _, pr in rest), Decimal(0))
            other = _driver(label, f"other ({len(rest)})", oc, op, total_change)
        dimensions.append(DimensionDrivers(dimension=label, drivers=kept, other=other, values=len(ranked)))
        movers += [d for d in kept if d.change != 0]
    movers.sort(key=lambda d: (-abs(d.change), d.dimension, str(d.value)))

    money = column in ("EffectiveCost", "BilledCost", "ListCost", "ContractedCost")
    measure_word = "spend" if column == "EffectiveCost" else p.measure.replace("_", " ")
    direction = "rose" if total_change > 0 else "fell" if total_change < 0 else "did not change"
    pct = _pct(total_change, prev_total)
    summary = f"{measure_word.capitalize()} {direction}"
    if total_change:
        summary += f" by {_signed(float(total_change), money).lstrip('+-')}" + (
            f" ({pct:+.2f}%)" if pct is not None else ""
        )
    summary += f" from {previous.label} to {current.label}"
    if movers:
        top = "; ".join(
            f"{d.dimension}={d.value if d.value is not None else '(none)'} {_signed(d.change, money)}"
            for d in movers[:3]
        )
        summary += f". Biggest movers: {top}."
    else:
        summary += "."
    if current.days != previous.days:
        notes.append(
            f"the periods differ in length ({current.days} vs {previous.days} days); totals are not "
            "normalised per day"
        )
    if column == "EffectiveCost":
        notes.append("cost = effective cost (amortised, after discounts)")
    return DriversResult(
        measure=p.measure,
        measure_column=column,
        current=_info(current),
        previous=_info(previous),
        current_total=float(cur_total),
        previous_total=float(prev_total),
        change=float(total_change),
        change_pct=pct,
        dimensions=dimensions,
        top_movers=movers[: max(p.top, 10)],
        summary=summary,
        filters=filters,
        assumptions=notes,
    )


@operation("explain_change", input_model=DriversInput, output_model=DriversResult, chart=True)
def drivers(store: Store, params: DriversInput) -> DriversResult:
    """Compare two periods (default: a period vs the one before) and attribute the change to the dimension
    values that drove it, with each one's contribution in dollars and percent."""
    with store.reader() as con:
        return run_drivers(con, params)
