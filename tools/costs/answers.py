"""Operations that answer questions whole: the value catalog a question is resolved against, a measure
compared across two periods (overall and per group), and the ratio of two measures (shares, unit costs,
utilisation). General building blocks for Billy, the MCP server and Slack; all arithmetic runs in DuckDB.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import duckdb
from pydantic import BaseModel, Field
from spendscope.data.errors import InvalidPeriod
from spendscope.data.newest_day import newest_day_note
from spendscope.data.store import Store
from spendscope.data.value_summary import has_summary, summary_values
from spendscope.tools.costs.breakdown import (
    CostQueryInput,
    Filter,
    TimeRange,
    check_coverage,
    data_coverage,
    filter_sql,
    resolve_range,
    run_cost_query,
    summed_relation,
)
from spendscope.tools.costs.dimensions import (
    BUILTIN_DIMENSIONS,
    WEEKDAYS,
    Source,
    dimension_sql,
    measure_sql,
    query_source,
    tag_keys,
)
from spendscope.tools.money_text import InBillCurrency
from spendscope.tools.periods import Period, add_months
from spendscope.tools.registry import operation

# Dimensions whose values name things a person may mention; ids and SKUs are left out of the catalog.
CATALOG_DIMENSIONS = (
    "provider",
    "service",
    "model",
    "sub_account",
    "invoice_issuer",
    "publisher",
    "billing_account",
    "service_category",
    "service_subcategory",
    "region",
    "token_type",
    "charge_category",
    "pricing_category",
    "resource",
    "resource_type",
    "sku_meter",
    "instance_type",
    "commitment",
    "commitment_status",
    "currency",
)


# --------------------------------------------------------------------------------------------- catalog


class CatalogInput(BaseModel):
    dimensions: list[str] | None = Field(
        None,
        description="dimensions to list; default every named dimension, virtual tag and provider tag key",
    )
    limit_per_dimension: int = Field(500, ge=1, le=10_000, description="largest values kept per dimension")


class CatalogValue(BaseModel):
    value: str
    cost: float = Field(description="effective cost of the value over all data")


class CatalogDimension(BaseModel):
    name: str
    kind: Literal["builtin", "virtual_tag", "provider_tag", "telemetry"] = Field(
        description="telemetry: an attribute of usage_events (customers, operations) the bill does not carry; "
        "its cost comes from attribute_costs_to_customers, and `cost` is the events' estimated cost"
    )
    distinct: int = Field(description="number of distinct non-empty values")
    values: list[CatalogValue] = Field(description="values, largest cost first")


class Catalog(BaseModel):
    dimensions: list[CatalogDimension]
    first_day: dt.date | None = Field(None, description="first day with cost data")
    last_day: dt.date | None = Field(None, description="last day with cost data")
    last_day_partial: str | None = Field(
        None,
        description="why the last day looks incomplete (an export taken while it ran); None when it looks whole",
    )


def run_catalog(con: duckdb.DuckDBPyConnection, p: CatalogInput, *, summary: bool = False) -> Catalog:
    """The catalog on an open connection. With `summary` (a DuckDB store: data.value_summary), the columns and
    provider tags come from the value summary the imports keep, and only virtual tags are read from the rows;
    otherwise one scan with GROUPING SETS, whatever the number of dimensions."""
    source = query_source(con)
    lo, hi = con.execute(
        f"SELECT CAST(min(ChargePeriodStart) AS DATE), CAST(max(ChargePeriodStart) AS DATE) FROM {source.relation}"
    ).fetchall()[0]
    if p.dimensions is None and summary and has_summary(con):
        builtin, tags = _summary_dimensions(con, source, p.limit_per_dimension)
        vtags = [(k, "virtual_tag") for k in sorted(source.virtual_tags)]
        if vtags and source.reads:  # the rules once per distinct combination of what they read
            summed = summed_relation(con, source, set(source.reads), "EffectiveCost")
            source = Source(summed, source.virtual_tags) if summed else source
        dims = builtin + _scan_dimensions(con, source, vtags, p) + tags
        telemetry = _telemetry_dimensions(con, [d.name for d in dims])
        return Catalog(
            dimensions=dims + telemetry, first_day=lo, last_day=hi, last_day_partial=_partial(con, hi)
        )
    keys = tag_keys(con)
    if p.dimensions is None:
        names: list[tuple[str, str]] = [(d, "builtin") for d in CATALOG_DIMENSIONS if d in BUILTIN_DIMENSIONS]
        names += [(k, "virtual_tag") for k in sorted(source.virtual_tags)]
        names += [(k, "provider_tag") for k in keys if k.lower() not in source.virtual_tags]
    else:
        names = []
        for d in p.dimensions:
            low = d.strip().lower()
            kind = (
                "builtin"
                if low in BUILTIN_DIMENSIONS
                else "virtual_tag"
                if low in source.virtual_tags
                else ("provider_tag")
            )
            names.append((d.strip(), kind))
    telemetry = _telemetry_dimensions(con, [n for n, _ in names]) if p.dimensions is None else []
    return Catalog(
        dimensions=_scan_dimensions(con, source, names, p) + telemetry,
        first_day=lo,
        last_day=hi,
        last_day_partial=_partial(con, hi),
    )


def _partial(con: duckdb.DuckDBPyConnection, last: dt.date | None) -> str | None:
    return newest_day_note(con, last) if last is not None else None


def _summary_dimensions(
    con: duckdb.DuckDBPyConnection, source: Source, limit: int
) -> tuple[list[CatalogDimension], list[CatalogDimension]]:
    """(the builtin dimensions, the provider tag keys) of the catalog, from the value summary."""
    values: dict[tuple[str, str], list[CatalogValue]] = {}
    counts: dict[tuple[str, str], int] = {}
    for kind, name, value, cost, n in summary_values(con, limit):
        counts[(kind, name)] = n
        listed = values.setdefault((kind, name), [])
        if value != "":
            listed.append(CatalogValue(value=value, cost=float(cost or 0)))
    builtin = [
        CatalogDimension(
            name=d,
            kind="builtin",
            distinct=counts.get(("column", BUILTIN_DIMENSIONS[d][0]), 0),
            values=values.get(("column", BUILTIN_DIMENSIONS[d][0]), []),
        )
        for d in CATALOG_DIMENSIONS
    ]
    tags = [
        CatalogDimension(
            name=name, kind="provider_tag", distinct=counts[(kind, name)], values=values[(kind, name)]
        )
        for kind, name in sorted(k for k in values if k[0] == "tag")
        if name.lower() not in source.virtual_tags
    ]
    return builtin, tags


def _scan_dimensions(
    con: duckdb.DuckDBPyConnection, source: Source, names: list[tuple[str, str]], p: CatalogInput
) -> list[CatalogDimension]:
    """The values of `names` (dimension, kind) read from the cost rows in one scan with GROUPING SETS."""
    if not names:
        return []
    exprs = [dimension_sql(n, con, source) for n, _ in names]
    cols = ", ".join(f"CAST({e} AS VARCHAR) AS d{i}" for i, e in enumerate(exprs))
    which = " ".join(f"WHEN GROUPING(d{i}) = 0 THEN {i}" for i in range(len(exprs)))
    value = " ".join(f"WHEN GROUPING(d{i}) = 0 THEN d{i}" for i in range(len(exprs)))
    sets = ", ".join(f"(d{i})" for i in range(len(exprs)))
    rows = con.execute(
        f"""
        WITH base AS (SELECT {cols}, EffectiveCost FROM {source.relation}),
        g AS (
            SELECT CASE {which} END AS dim, CASE {value} END AS v, SUM(EffectiveCost) AS c
            FROM base GROUP BY GROUPING SETS ({sets})
        )
        SELECT dim, v, c, COUNT(*) OVER (PARTITION BY dim) AS n
        FROM g WHERE v IS NOT NULL AND v <> ''
        QUALIFY row_number() OVER (PARTITION BY dim ORDER BY c DESC NULLS LAST, v) <= ?
        ORDER BY dim, c DESC NULLS LAST, v
        """,
        [p.limit_per_dimension],
    ).fetchall()
    by_dim: dict[int, list[CatalogValue]] = {i: [] for i in range(len(names))}
    counts: dict[int, int] = {}
    for dim, v, c, n in rows:
        by_dim[dim].append(CatalogValue(value=v, cost=float(c or 0)))
        counts[dim] = n
    return [
        CatalogDimension(name=n, kind=kind, distinct=counts.get(i, 0), values=by_dim[i])  # type: ignore[arg-type]
        for i, (n, kind) in enumerate(names)
    ]


# Telemetry attributes listed when the bill has no dimension of that name (customers never are on a bill).
TELEMETRY_DIMENSIONS = ("customer", "operation", "feature", "team", "env")
_SAME_AS = {
    "env": ("env", "environment"),
    "team": ("team", "owner", "squad"),
    "feature": ("feature", "product"),
}


def _telemetry_dimensions(con: duckdb.DuckDBPyConnection, taken: list[str]) -> list[CatalogDimension]:
    """usage_events attributes the bill does not carry, with their values (largest estimated cost first)."""
    lower = {t.lower().replace("-", "_").replace(" ", "_") for t in taken}
    attrs = [a for a in TELEMETRY_DIMENSIONS if not lower & set(_SAME_AS.get(a, (a,)))]
    if not attrs or not con.execute("SELECT count(*) FROM usage_events").fetchall()[0][0]:
        return []
    cols = ", ".join(f"nullif(trim(CAST({a} AS VARCHAR)), '') AS d{i}" for i, a in enumerate(attrs))
    which = " ".join(f"WHEN GROUPING(d{i}) = 0 THEN {i}" for i in range(len(attrs)))
    value = " ".join(f"WHEN GROUPING(d{i}) = 0 THEN d{i}" for i in range(len(attrs)))
    sets = ", ".join(f"(d{i})" for i in range(len(attrs)))
    rows = con.execute(
        f"""
        WITH base AS (SELECT {cols}, coalesce(estimated_cost, 0) AS c FROM usage_events),
        g AS (SELECT CASE {which} END AS dim, CASE {value} END AS v, SUM(c) AS c
              FROM base GROUP BY GROUPING SETS ({sets}))
        SELECT dim, v, c FROM g WHERE v IS NOT NULL
        QUALIFY row_number() OVER (PARTITION BY dim ORDER BY c DESC, v) <= 500
        ORDER BY dim, c DESC, v
        """
    ).fetchall()
    by_dim: dict[int, list[CatalogValue]] = {i: [] for i in range(len(attrs))}
    for dim, v, c in rows:
        by_dim[dim].append(CatalogValue(value=v, cost=float(c or 0)))
    return [
        CatalogDimension(name=a, kind="telemetry", distinct=len(by_dim[i]), values=by_dim[i])
        for i, a in enumerate(attrs)
        if by_dim[i]
    ]


@operation("dimension_catalog", input_model=CatalogInput, output_model=Catalog)
def dimension_catalog(store: Store, params: CatalogInput) -> Catalog:
    """Every dimension with the values it takes (largest cost first) and the days the data covers, in one scan.
    Use it to learn the exact names of providers, services, models, teams, features, customers, envs."""
    with store.reader() as con:
        return run_catalog(con, params, summary=store.backend == "duckdb")


# --------------------------------------------------------------------------------------------- compare


class CompareInput(BaseModel):
    measure: str = Field("cost", description="cost (EffectiveCost), billed_cost, tokens, input_tokens, ...")
    filters: list[Filter] = Field(default_factory=list, description="filters, all of which must hold")
    group_by: list[str] = Field(default_factory=list, description="dimensions to break the change down by")
    base: TimeRange = Field(description="the earlier period (what the change is measured from)")
    current: TimeRange = Field(description="the later period (what the change is measured to)")
    as_of: dt.date | None = Field(None, description="'today' for relative periods in base and current")
    top: int | None = Field(None, ge=1, le=10_000, description="keep the N groups with the largest change")


class CompareRow(BaseModel):
    group: dict[str, str | None]
    base: float
    current: float
    change: float
    change_pct: float | None = Field(None, description="change in percent of base; None when base is 0")


class CompareResult(InBillCurrency):
    measure: str
    measure_column: str
    base_label: str
    base_start: dt.date
    base_end: dt.date = Field(description="exclusive end")
    current_label: str
    current_start: dt.date
    current_end: dt.date = Field(description="exclusive end")
    base_total: float
    current_total: float
    change: float = Field(description="current_total - base_total")
    change_pct: float | None = Field(None, description="change in percent of base_total; None when it is 0")
    group_by: list[str]
    filters: list[Filter]
    rows: list[CompareRow] = Field(description="per group, largest absolute change first")
    groups: int
    assumptions: list[str] = Field(default_factory=list)


def _ts(d: dt.date) -> dt.datetime:
    return dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC)


def _period(tr: TimeRange, as_of: dt.date | None, con: duckdb.DuckDBPyConnection) -> Period:
    if as_of is not None and tr.as_of is None:
        tr = tr.model_copy(update={"as_of": as_of})
    return resolve_range(tr, con)


def run_compare(con: duckdb.DuckDBPyConnection, p: CompareInput) -> CompareResult:
    column, token_type = measure_sql(p.measure)
    source = query_source(con)
    a, b = _period(p.base, p.as_of, con), _period(p.current, p.as_of, con)
    if (a.start, a.end) == (b.start, b.end):
        raise InvalidPeriod(
            f"base and current are both {a.label}: a change of 0 says nothing; compare two different periods",
            argument="base",
        )
    # a side with no cost data at all would read as $0 and the change as everything: refused, never guessed
    coverage = check_coverage(con, a, argument="base") + check_coverage(con, b, argument="current")
    dims = [dimension_sql(d, con, source) for d in p.group_by]
    filters = list(p.filters)
    if token_type:
        filters.append(Filter(dimension="token_type", op="eq", values=[token_type]))
    clauses, fparams = filter_sql(filters, con, source)
    ts = "ChargePeriodStart"
    in_a, in_b = f"({ts} >= ? AND {ts} < ?)", f"({ts} >= ? AND {ts} < ?)"
    pa, pb = [_ts(a.start), _ts(a.end)], [_ts(b.start), _ts(b.end)]
    dim_select = "".join(f"CAST({d} AS VARCHAR) AS d{i}, " for i, d in enumerate(dims))
    group_cols = ", ".join(f"d{i}" for i in range(len(dims)))
    where = " AND ".join([f"({in_a} OR {in_b})", *clauses])
    sql = f"""
        WITH g AS (
            SELECT {dim_select}
                   coalesce(SUM(CASE WHEN {in_a} THEN {column} END), 0) AS a,
                   coalesce(SUM(CASE WHEN {in_b} THEN {column} END), 0) AS b
            FROM {source.relation}
            WHERE {where}
            {"GROUP BY " + group_cols if dims else ""}
        )
        SELECT *, b - a AS change,
               CASE WHEN a <> 0 THEN (b - a) / abs(a) * 100 END AS pct,
               SUM(a) OVER () AS ta, SUM(b) OVER () AS tb, COUNT(*) OVER () AS n,
               CASE WHEN SUM(a) OVER () <> 0
                    THEN (SUM(b) OVER () - SUM(a) OVER ()) / abs(SUM(a) OVER ()) * 100 END AS tpct
        FROM g
        QUALIFY row_number() OVER (ORDER BY abs(b - a) DESC{", " + group_cols if dims else ""}) <= ?
        ORDER BY abs(b - a) DESC{", " + group_cols if dims else ""}
    """
    params = [*pa, *pb, *pa, *pb, *fparams, p.top or 1_000_000]
    rows = con.execute(sql, params).fetchall()
    k = len(dims)
    out = [
        CompareRow(
            group=dict(zip(p.group_by, r[:k], strict=True)),
            base=float(r[k]),
            current=float(r[k + 1]),
            change=float(r[k + 2]),
            change_pct=None if r[k + 3] is None else float(r[k + 3]),
        )
        for r in rows
    ]
    ta = float(rows[0][k + 4]) if rows else 0.0
    tb = float(rows[0][k + 5]) if rows else 0.0
    change = float(rows[0][k + 5] - rows[0][k + 4]) if rows else 0.0
    n = int(rows[0][k + 6]) if rows else 0
    if not dims:
        out = out or [CompareRow(group={}, base=0.0, current=0.0, change=0.0, change_pct=None)]
    total_pct = rows[0][k + 7] if rows else None
    assumptions = list(dict.fromkeys(coverage))
    if column == "EffectiveCost":
        assumptions.append("cost = effective cost (amortised, after discounts), in the billing currency")
    return CompareResult(
        measure=p.measure,
        measure_column=column,
        base_label=a.label,
        base_start=a.start,
        base_end=a.end,
        current_label=b.label,
        current_start=b.start,
        current_end=b.end,
        base_total=ta,
        current_total=tb,
        change=change,
        change_pct=None if total_pct is None else float(total_pct),
        group_by=p.group_by,
        filters=filters,
        rows=out,
        groups=n,
        assumptions=assumptions,
    )


@operation("compare_costs", input_model=CompareInput, output_model=CompareResult, chart=True)
def compare_costs(store: Store, params: CompareInput) -> CompareResult:
    """A measure in two periods (base -> current): both totals, the change in dollars and percent, and per
    group (any dimensions) which values moved most. Answers 'how did X change', 'why did it go up'."""
    with store.reader() as con:
        return run_compare(con, params)


# --------------------------------------------------------------------------------------------- ratio


class CostPart(BaseModel):
    measure: str = Field(
        "cost", description="cost, billed_cost, tokens, input_tokens, requests, gpu_hours, ..."
    )
    filters: list[Filter] = Field(default_factory=list, description="filters, all of which must hold")


class RatioInput(TimeRange):
    numerator: CostPart = Field(description="the part on top of the ratio (a measure with its filters)")
    denominator: CostPart = Field(description="the part below (a measure with its filters)")
    scale: float = Field(
        1.0, gt=0, description="multiply the ratio: 100 for percent, 1000000 per million units"
    )


class RatioResult(BaseModel):
    numerator: float
    denominator: float
    ratio: float | None = Field(description="numerator / denominator x scale; None when the denominator is 0")
    scale: float
    numerator_measure: str
    denominator_measure: str
    start: dt.date
    end: dt.date = Field(description="exclusive end")
    period_label: str
    assumptions: list[str] = Field(default_factory=list)


def run_ratio(con: duckdb.DuckDBPyConnection, p: RatioInput) -> RatioResult:
    rng = TimeRange(period=p.period, start=p.start, end=p.end, as_of=p.as_of)
    num = run_cost_query(
        con, CostQueryInput(**rng.model_dump(), measure=p.numerator.measure, filters=p.numerator.filters)
    )
    den = run_cost_query(
        con, CostQueryInput(**rng.model_dump(), measure=p.denominator.measure, filters=p.denominator.filters)
    )
    ratio = num.total / den.total * p.scale if den.total else None
    assumptions = sorted(set(num.assumptions + den.assumptions))
    return RatioResult(
        numerator=num.total,
        denominator=den.total,
        ratio=ratio,
        scale=p.scale,
        numerator_measure=p.numerator.measure,
        denominator_measure=p.denominator.measure,
        start=num.start,
        end=num.end,
        period_label=num.period_label,
        assumptions=assumptions,
    )


@operation("cost_ratio", input_model=RatioInput, output_model=RatioResult)
def cost_ratio(store: Store, params: RatioInput) -> RatioResult:
    """One measure divided by another over the same period, times `scale`. Shares (a filtered subset over
    its base, scale 100), unit costs (cost over tokens, scale 1000000 = per 1M tokens; cost over requests),
    commitment utilisation (Used over Used+Unused commitment cost, scale 100)."""
    with store.reader() as con:
        return run_ratio(con, params)


# --------------------------------------------------------------------------------------------- average


class AverageInput(TimeRange):
    measure: str = Field("cost", description="cost (EffectiveCost), billed_cost, tokens, requests, ...")
    filters: list[Filter] = Field(default_factory=list, description="filters, all of which must hold")
    grain: Literal["day", "week", "month"] = Field(
        "day", description="average per calendar day, week or month"
    )


class AverageResult(InBillCurrency):
    measure: str
    grain: str
    total: float
    buckets: int = Field(description="calendar days (weeks, months) in the period, with or without spend")
    units: float = Field(
        description="the period in days, weeks or months, a week or month it covers only in part counted by its "
        "days (October is 4.43 weeks, not the 5 calendar weeks it touches): the average's divisor"
    )
    average: float | None = Field(description="total / units")
    highest_bucket: str | None = Field(None, description="the day (week start, month) with the most")
    highest: float | None = None
    start: dt.date
    end: dt.date = Field(description="exclusive end")
    period_label: str
    assumptions: list[str] = Field(default_factory=list)


def _bucket_count(start: dt.date, end: dt.date, grain: str) -> int:
    if grain == "day":
        return max((end - start).days, 0)
    last = end - dt.timedelta(days=1)
    if grain == "week":
        first_monday = start - dt.timedelta(days=start.weekday())
        return max((last - first_monday).days // 7 + 1, 0)
    return max((last.year - start.year) * 12 + last.month - start.month + 1, 0)


def _units(start: dt.date, end: dt.date, grain: str) -> float:
    """The period's length in `grain`s, a partial week or month by its share of days (whole ones count 1)."""
    if grain == "day":
        return float(max((end - start).days, 0))
    if grain == "week":
        return max((end - start).days, 0) / 7
    units, day = 0.0, start
    while day < end:
        month_end = add_months(day.replace(day=1), 1)
        stop = min(month_end, end)
        units += (stop - day).days / (month_end - day.replace(day=1)).days
        day = stop
    return units


def _calendar_days(start: dt.date, end: dt.date, filters: list[Filter]) -> int | None:
    """How many days of [start, end) the day-of-week filters keep ("weekend": its Saturdays and Sundays), or
    None when no filter names days of the week."""
    days = [f for f in filters if f.dimension in ("weekday", "day_type")]
    if not days:
        return None
    n, day = 0, start
    while day < end:
        name = WEEKDAYS[day.weekday()]
        kind = "weekend" if day.weekday() >= 5 else "weekday"
        n += all(f.accepts(name if f.dimension == "weekday" else kind) for f in days)
        day += dt.timedelta(days=1)
    return n


def run_average(con: duckdb.DuckDBPyConnection, p: AverageInput) -> AverageResult:
    rng = TimeRange(period=p.period, start=p.start, end=p.end, as_of=p.as_of)
    by = run_cost_query(
        con,
        CostQueryInput(**rng.model_dump(), measure=p.measure, filters=p.filters, group_by=[p.grain], top=1),
    )
    # the days before the store's first day (after its last) hold no data, not zero spend: never averaged in
    start, end, notes = by.start, by.end, []
    cover = data_coverage(con)
    if cover is not None:
        lo, hi = cover
        start, end = max(start, lo), min(end, hi + dt.timedelta(days=1))
        if end <= start:
            start, end = by.start, by.end
        elif (start, end) != (by.start, by.end):
            notes.append(
                f"the store's data covers {lo} to {hi}: the average is over the {(end - start).days} days of "
                f"{start} to {end - dt.timedelta(days=1)} only"
            )
    n = _bucket_count(start, end, p.grain)
    units = _units(start, end, p.grain)
    chosen = _calendar_days(start, end, p.filters) if p.grain == "day" else None
    if chosen is not None:  # "avg weekend day": the weekend's spend over its weekend days, not every day
        n, units = chosen, float(chosen)
    top = by.rows[0] if by.rows and by.rows[0].group else None
    return AverageResult(
        measure=p.measure,
        grain=p.grain,
        total=by.total,
        buckets=n,
        units=round(units, 4),
        average=by.total / units if units else None,
        highest_bucket=top.group.get(p.grain) if top else None,
        highest=top.value if top else None,
        start=by.start,
        end=by.end,
        period_label=by.period_label,
        assumptions=[
            *by.assumptions,
            (
                f"average over the {chosen} days of the period its day-of-week filter keeps"
                if chosen is not None
                else f"average over every calendar {p.grain} of the period"
            )
            + ", including any without spend"
            + (
                f"; a {p.grain} the period covers only in part counts by its days ({units:.2f} {p.grain}s)"
                if p.grain != "day" and abs(units - n) > 1e-9
                else ""
            )
            + "".join(f"; {note}" for note in notes),
        ],
    )


@operation("average_cost", input_model=AverageInput, output_model=AverageResult)
def average_cost(store: Store, params: AverageInput) -> AverageResult:
    """Average of a measure per calendar day, week or month of a period (total / number of days), with the
    highest one. Answers 'average daily spend', 'what do we burn per day'."""
    with store.reader() as con:
        return run_average(con, params)
