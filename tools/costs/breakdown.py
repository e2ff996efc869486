"""Cost query and discovery: the measure of a period grouped by any dimensions, with filters and top-N;
the dimensions there are and their values (with fuzzy lookup)."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Literal

import duckdb
from pydantic import BaseModel, Field
from spendscope.data.errors import InvalidArgument, InvalidPeriod
from spendscope.data.newest_day import newest_day_note
from spendscope.data.sql import ident, literal
from spendscope.data.store import Store
from spendscope.tools.costs.dimensions import (
    BUILTIN_DIMENSIONS,
    CALENDAR_DIMENSIONS,
    MEASURES,
    MONEY_COLUMNS,
    TIME_GRAINS,
    TOKEN_MEASURES,
    Source,
    dimension_sql,
    expression_reads,
    measure_sql,
    query_source,
    tag_keys,
)
from spendscope.tools.money_text import InBillCurrency, mixed_note
from spendscope.tools.periods import Period, parse_period
from spendscope.tools.registry import operation

FilterOp = Literal["eq", "in", "not", "not_in", "prefix", "contains"]
NONE_VALUES = frozenset(
    {"(none)", "none", "null", "untagged", "(untagged)"}
)  # filter spellings of "no value"


class Filter(BaseModel):
    dimension: str = Field(
        description="a dimension name (see list_dimensions), e.g. provider, team, model, weekday, day_type"
    )
    op: FilterOp = Field("eq", description="eq, in, not, not_in, prefix or contains (case-insensitive)")
    values: list[str] = Field(description="value(s) to compare with; use ['(none)'] for rows without a value")

    def accepts(self, value: str) -> bool:
        """Whether a row whose dimension is `value` passes (case-insensitive, as filter_sql compares)."""
        v, wanted = value.lower(), [w.lower() for w in self.values]
        if self.op in ("eq", "in"):
            return v in wanted
        if self.op in ("not", "not_in"):
            return v not in wanted
        if self.op == "prefix":
            return any(v.startswith(w) for w in wanted)
        return any(w in v for w in wanted)

    def text(self) -> str:
        """The filter as people write it on the command line: `team=search`, `model!=gpt-4o,o3`."""
        sign = {"eq": "=", "in": "=", "not": "!=", "not_in": "!=", "prefix": "^=", "contains": "~="}[self.op]
        return f"{self.dimension}{sign}{','.join(self.values)}"


class TimeRange(BaseModel):
    period: str | None = Field(None, description="e.g. '2026-10', 'last month', 'last 30 days', 'Q3 2026'")
    start: dt.date | None = Field(None, description="first day (inclusive); overrides period")
    end: dt.date | None = Field(None, description="last day (inclusive)")
    as_of: dt.date | None = Field(None, description="'today' for relative periods; default the real today")


class CostQueryInput(TimeRange):
    measure: str = Field(
        "cost",
        description="cost (EffectiveCost, default), billed_cost, list_cost, tokens, "
        "input_tokens, output_tokens, cached_input_tokens, requests, gpu_hours, ...",
    )
    group_by: list[str] = Field(
        default_factory=list,
        description="dimensions to group by, incl. day/week/month, weekday (Monday..Sunday) and day_type "
        "(weekday/weekend; rows charged over more than a day read (multi-day))",
    )
    filters: list[Filter] = Field(default_factory=list, description="filters, all of which must hold")
    top: int | None = Field(
        None, ge=1, le=10_000, description="keep the N largest groups, sum the rest as other"
    )


class CostRow(BaseModel):
    group: dict[str, str | None] = Field(description="dimension -> value (None: no value)")
    value: float
    share_pct: float | None = Field(None, description="share of the total, in percent")


class CostQueryResult(InBillCurrency):
    measure: str
    measure_column: str
    start: dt.date
    end: dt.date = Field(description="exclusive end")
    period_label: str
    group_by: list[str]
    filters: list[Filter]
    rows: list[CostRow]
    other: float | None = Field(None, description="sum of the groups beyond top-N")
    other_groups: int = 0
    total: float
    groups: int = Field(description="number of groups before top-N")
    assumptions: list[str] = Field(default_factory=list)


def resolve_range(params: TimeRange, con: duckdb.DuckDBPyConnection | None = None) -> Period:
    """The period a query covers: explicit start/end, a named period, or (neither) all the data."""
    if params.start or params.end:
        if not (params.start and params.end):
            raise InvalidPeriod("give both start and end (inclusive), or a period")
        if params.end < params.start:
            raise InvalidPeriod(f"end {params.end} is before start {params.start}")
        return Period(
            start=params.start, end=params.end + dt.timedelta(days=1), label=f"{params.start} to {params.end}"
        )
    if params.period:
        return parse_period(params.period, params.as_of)
    if con is not None:
        lo, hi = con.execute(
            "SELECT CAST(min(ChargePeriodStart) AS DATE), CAST(max(ChargePeriodStart) AS DATE) FROM costs"
        ).fetchall()[0]
        if lo is not None:
            return Period(start=lo, end=hi + dt.timedelta(days=1), label=f"{lo} to {hi} (all data)")
    raise InvalidPeriod("the store holds no cost data yet; import some first")


def _ts(d: dt.date) -> dt.datetime:
    return dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC)


def period_bounds(period: Period) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a period as UTC timestamps, for binding against ChargePeriodStart and event times."""
    return _ts(period.start), _ts(period.end)


def data_coverage(con: duckdb.DuckDBPyConnection) -> tuple[dt.date, dt.date] | None:
    """First and last charge day in the store, or None when it holds no cost rows."""
    lo, hi = con.execute(
        "SELECT CAST(min(ChargePeriodStart) AS DATE), CAST(max(ChargePeriodStart) AS DATE) FROM costs"
    ).fetchall()[0]
    return (lo, hi) if lo is not None else None


def check_coverage(con: duckdb.DuckDBPyConnection, period: Period, argument: str = "period") -> list[str]:
    """Refuse a period that holds no cost data at all (InvalidPeriod); note one that holds only part, and one that
    holds the newest day when that day looks still accruing (data.newest_day: its figure is as the export stands)."""
    cover = data_coverage(con)
    if cover is None:
        raise InvalidPeriod(
            "the store holds no cost data yet; import some first (spendscope import focus FILE)"
        )
    lo, hi = cover
    last = period.end - dt.timedelta(days=1)
    if period.start > hi or last < lo:
        raise InvalidPeriod(
            f"{argument} {period.label} ({period.start} to {last}) holds no cost data; the store covers {lo} to {hi}",
            argument=argument,
            value=period.label,
        )
    notes = []
    if period.start < lo or last > hi:
        notes.append(f"the store covers {lo} to {hi}, so {period.label} is only partly covered")
    if period.start <= hi <= last and (partial := newest_day_note(con, hi)):
        notes.append(partial_day_note(partial))
    return notes


def partial_day_note(why: str) -> str:
    """The note for figures over a period holding a newest day that looks still accruing (`why`)."""
    return f"{why}: figures that include it count it as it stands"


LAG_DAYS = (
    31  # bills arrive late and feeds pause: within a month of the data's last day, "as of" stands with a note
)


def check_day_covered(con: duckdb.DuckDBPyConnection, day: dt.date, argument: str = "as_of") -> None:
    """Refuse a day the caller named as "today" (`as_of`) that lies before the cost data or more than
    LAG_DAYS after it (InvalidPeriod naming the coverage): figures "as of" it would read $0 spent, or be about
    other days than the ones asked for. Within LAG_DAYS of the last day the answer stands (late bills)."""
    cover = data_coverage(con)
    if cover is None:
        raise InvalidPeriod(
            "the store holds no cost data yet; import some first (spendscope import focus FILE)"
        )
    lo, hi = cover
    if day < lo or day > hi + dt.timedelta(days=LAG_DAYS):
        side = "before the cost data starts" if day < lo else "after the cost data ends"
        raise InvalidPeriod(
            f"{argument} {day} is {side}; the store covers {lo} to {hi}, so nothing can be said as of that day",
            argument=argument,
            value=str(day),
        )


def resolve_covered_range(params: TimeRange, con: duckdb.DuckDBPyConnection) -> tuple[Period, list[str]]:
    """`resolve_range`, with a period the caller named refused when it holds no cost data (`check_coverage`:
    never $0 for months the store has no bill for) and noted when only partly covered. No period: all data."""
    period = resolve_range(params, con)
    named = bool(params.period or params.start or params.end)
    return period, (check_coverage(con, period) if named else [])


def filter_clause(f: Filter, expr: str, *, inline: bool = False) -> tuple[str, list[str]]:
    """The WHERE clause (and its bound parameters) of one filter over the SQL expression `expr` (`inline`:
    values written into the SQL as quoted literals; no parameters then)."""
    params: list[str] = []

    def bind(values: list[str], before: str = "", after: str = "") -> list[str]:
        """`before + placeholder + after` for each value (lower-cased), or the value as a literal if `inline`."""
        if not inline:
            params.extend(v.lower() for v in values)
        return [before + (literal(v.lower()) if inline else "?") + after for v in values]

    values = list(f.values)
    if not values:
        raise InvalidArgument(f"filter on {f.dimension!r} has no values", argument="filters")
    wants_none = any(v.lower() in NONE_VALUES for v in values)
    real = [v for v in values if v.lower() not in ("(none)", "null", "(untagged)")]
    low = f"lower(CAST({expr} AS VARCHAR))"
    if f.op in ("eq", "in"):
        parts = [f"{low} IN ({', '.join(bind(real))})"] if real else []
        if wants_none:
            parts.append(f"{expr} IS NULL")
        return "(" + " OR ".join(parts) + ")", params
    if f.op in ("not", "not_in"):
        parts = [f"({low} NOT IN ({', '.join(bind(real))}) OR {expr} IS NULL)"] if real else []
        if wants_none:
            parts.append(f"{expr} IS NOT NULL")
        return "(" + " AND ".join(parts) + ")", params
    if f.op == "prefix":
        return "(" + " OR ".join(bind(values, f"starts_with({low}, ", ")")) + ")", params
    return "(" + " OR ".join(bind(values, f"contains({low}, ", ")")) + ")", params


def filter_sql(
    filters: list[Filter], con: duckdb.DuckDBPyConnection, source: Source, *, inline: bool = False
) -> tuple[list[str], list]:
    """WHERE clauses and their bound parameters for a list of filters (`inline`: values written into the SQL as
    quoted literals, for a relation that is itself embedded in other queries; no parameters then)."""
    clauses: list[str] = []
    params: list = []
    for f in filters:
        clause, bound = filter_clause(f, dimension_sql(f.dimension, con, source), inline=inline)
        clauses.append(clause)
        params += bound
    return clauses, params


def within(scope: list[Filter], filters: list[Filter]) -> bool:
    """Whether every row `scope` covers passes `filters`: each filter's dimension is pinned by an equality filter
    of `scope` to values the filter accepts (a budget for team=search and provider=OpenAI lies within
    team=search; one for provider=OpenAI does not)."""
    return all(
        any(
            s.dimension.strip().lower() == f.dimension.strip().lower()
            and s.op in ("eq", "in")
            and all(f.accepts(v) for v in s.values)
            for s in scope
        )
        for f in filters
    )


def filtered_source(filters: list[Filter], con: duckdb.DuckDBPyConnection, source: Source) -> Source:
    """`source` limited to the rows matching `filters`, as a relation other queries can read like `costs`
    (virtual tag columns included), for operations made of many queries (savings)."""
    if not filters:
        return source
    clauses, _ = filter_sql(filters, con, source, inline=True)
    return Source(f"(SELECT * FROM {source.relation} WHERE {' AND '.join(clauses)})", source.virtual_tags)


def pre_aggregation_columns(dims: list[str]) -> list[str] | None:
    """The columns the dimension expressions read, when summing by them first pays off: some dimension is an
    expression (a time grain, a tag lookup) that costs far more per row than a sum (TIMESTAMPTZ and JSON
    functions), and bills repeat few distinct timestamps and tag sets. None: group the rows directly."""
    names: set[str] = set()
    costly = False
    for d in dims:
        known = expression_reads(d)
        if known is None:  # SQL not built by tools.costs.dimensions: ask the parser
            import sqlglot
            from sqlglot import exp

            try:
                tree = sqlglot.parse_one(d, read="duckdb")
            except sqlglot.errors.ParseError:
                return None
            known = tuple(c.name for c in tree.find_all(exp.Column)), isinstance(tree, exp.Column)
        costly = costly or not known[1]
        names.update(known[0])
    return sorted(names) if costly and names else None


def push_down(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    dims: list[str],
    filters: list[Filter],
    column: str,
    period: Period,
) -> tuple[str, str, list] | None:
    """(relation, where, parameters) for a query that groups or filters by virtual tags: the cost rows of the
    period and of the other filters summed by the columns the rules and the other dimensions read, then the
    rules evaluated once per sum (as the provider-tag path sums by Tags first). None: query the rows directly
    (no virtual tag used; rules that cannot run on sums; a dimension whose columns are not known)."""
    if source.over is None or not source.reads:
        return None
    tag_columns = set(source.virtual_tags.values())
    tagged = [f for f in filters if f.dimension.strip().lower() in source.virtual_tags]
    if not tagged and not tag_columns & set(dims):
        return None
    reads = set(source.reads)
    for d in dims:
        if d not in tag_columns:
            known = expression_reads(d)
            if known is None:
                return None
            reads.update(known[0])
    inner, inner_params = filter_sql([f for f in filters if f not in tagged], con, source)
    where = " AND ".join(["ChargePeriodStart >= ?", "ChargePeriodStart < ?", *inner])
    relation = summed_relation(con, source, reads, column, where)
    if relation is None:
        return None
    outer, outer_params = filter_sql(tagged, con, source)
    params = [*period_bounds(period), *inner_params, *outer_params]
    return relation, " AND ".join(outer) or "true", params


def summed_relation(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    reads: set[str],
    column: str | Sequence[str],
    where: str = "true",
) -> str | None:
    """The query source over the cost rows matching `where` summed (`column`, or each of several) by `reads`
    (which must hold the columns the virtual tags read), so the rules run once per sum; None when the source
    cannot or the rows do not repeat those columns enough for it to pay."""
    summed = [column] if isinstance(column, str) else list(dict.fromkeys(column))
    if source.over is None or not source.reads or not source.reads <= reads:
        return None
    return summed_rows(
        con, source, [], sorted(reads), {c: f"SUM({ident(c)})" for c in summed}, where, rules=True
    )


def dimension_reads(exprs: list[str], source: Source) -> set[str] | None:
    """The costs columns the dimension expressions read (a virtual tag's column is the rules' output); None
    when some expression's columns are not known."""
    tag_columns = set(source.virtual_tags.values())
    out: set[str] = set()
    for expr in exprs:
        if expr in tag_columns:
            continue
        known = expression_reads(expr)
        if known is None:
            return None
        out.update(known[0])
    return out


def summed_rows(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    dims: Sequence[str],
    keep: Sequence[str],
    sums: dict[str, str],
    where: str,
    keys: dict[str, str] | None = None,
    *,
    rules: bool = False,
) -> str | None:
    """The cost rows matching `where` summed by the columns `keep`, the columns the dimension expressions `dims`
    (as dimension_sql builds them over `source`) read, and `keys` (alias -> SQL over a row), as a relation the
    same expressions can be read from in place of `source.relation`: `sums` (alias -> aggregate over the rows,
    e.g. `SUM("EffectiveCost")` under the column's own name) per group, and the virtual tags' rules run once per
    group. A tag value read from JSON or a rule costs far more per row than a sum, and a bill repeats its tag sets,
    resources and days (breakdowns sum first the same way: `push_down`). None: read the rows (a dimension whose
    columns are not known, rules that cannot run on sums or that read a summed column, rows that do not repeat the
    grouping columns: `rows_repeat`). `where`'s parameters stay the caller's, in its place. `rules`: run the rules
    over the sums even when no dimension is a virtual tag (the caller reads the tag columns itself)."""
    # not the cost rows as they are (filtered, or rules joined to telemetry): that relation is read
    if source.relation != "costs" and source.over is None:
        return None
    found = dimension_reads(list(dims), source)
    if found is None:
        return None
    reads = found | set(keep)
    tag_columns = set(source.virtual_tags.values())
    virtual = rules or any(d in tag_columns for d in dims)
    if virtual:
        if source.over is None or not source.reads:
            return None
        reads |= source.reads
    if reads & set(sums):
        return None
    keys = keys or {}
    columns = [ident(c) for c in sorted(reads)]
    if not rows_repeat(con, [*keys.values(), *columns]):
        return None
    by = ", ".join([*(ident(a) for a in keys), *columns])
    select = ", ".join(
        [
            *(f"{sql} AS {ident(a)}" for a, sql in keys.items()),
            *columns,
            *(f"{sql} AS {ident(a)}" for a, sql in sums.items()),
        ]
    )
    rows = f"(SELECT {select} FROM costs WHERE {where} GROUP BY {by})"
    return source.over(rows) if virtual and source.over is not None else rows


def rows_repeat(con: duckdb.DuckDBPyConnection, exprs: Sequence[str]) -> bool:
    """Whether cost rows repeat the combinations of `exprs` (columns, or expressions of them such as a row's day)
    enough that summing by them first pays (at most one distinct combination per four rows in a 1% sample of the
    rows: a bill has a row per resource, day and SKU, and a sample shows fewer repeats than the whole, so the test
    errs towards the rows). Breakdowns (`summed_relation`) and the anomaly scan (tools.governance.scan_rows) ask."""
    total = con.execute("SELECT count(*) FROM costs").fetchall()[0][0]
    sample = " USING SAMPLE 1% (system)" if total >= 1_000_000 else ""
    keys = ", ".join(f"{e} AS k{i}" for i, e in enumerate(exprs))
    n, distinct = con.execute(
        f"SELECT count(*), count(DISTINCT hash({', '.join(f'k{i}' for i in range(len(exprs)))})) "
        f"FROM (SELECT {keys} FROM costs{sample})"
    ).fetchall()[0]
    return n > 0 and distinct * 4 <= n


def _currency_split(
    con: duckdb.DuckDBPyConnection, column: str, relation: str, where: str, params: list
) -> list[tuple[str | None, Decimal]]:
    """The query's total per billing currency (asked only of a store that mixes currencies)."""
    return con.execute(
        f"SELECT BillingCurrency, SUM({column}) FROM {relation} WHERE {where} GROUP BY 1 ORDER BY 1", params
    ).fetchall()


def run_cost_query(con: duckdb.DuckDBPyConnection, p: CostQueryInput) -> CostQueryResult:
    """cost_query on an open connection (used by other tools that already hold one)."""
    column, token_type = measure_sql(p.measure)
    source = query_source(con)
    period = resolve_range(p, con)
    coverage_notes = check_coverage(con, period)
    dims = [dimension_sql(d, con, source) for d in p.group_by]
    filters = list(p.filters)
    if token_type:
        filters.append(Filter(dimension="token_type", op="eq", values=[token_type]))
    clauses, params = filter_sql(filters, con, source)
    where = ["ChargePeriodStart >= ?", "ChargePeriodStart < ?", *clauses]
    params = [*period_bounds(period), *params]
    dim_select = ", ".join(f"CAST({d} AS VARCHAR) AS d{i}" for i, d in enumerate(dims))
    group_cols = ", ".join(f"d{i}" for i in range(len(dims)))
    order_tiebreak = (", " + group_cols) if dims else ""
    relation, where_sql = source.relation, " AND ".join(where)
    base = (relation, where_sql, list(params))  # the rows before any push-down (for the currency split)
    pushed = push_down(con, source, dims, filters, column, period)
    if pushed is not None:
        relation, where_sql, params = pushed
    read = pre_aggregation_columns(dims)
    if read:  # sum by the raw columns first; the dimension expressions then run once per group, not per row
        cols = ", ".join(ident(c) for c in read)
        relation = (
            f"(SELECT {cols}, SUM({column}) AS {column} FROM {relation} WHERE {where_sql} GROUP BY {cols})"
        )
        where_sql = "true"
    sql = f"""
        WITH g AS (
            SELECT {dim_select + "," if dims else ""} SUM({column}) AS v
            FROM {relation}
            WHERE {where_sql}
            {"GROUP BY " + group_cols if dims else ""}
        )
        SELECT *, SUM(v) OVER () AS total, COUNT(*) OVER () AS n,
               row_number() OVER (ORDER BY v DESC NULLS LAST{order_tiebreak}) AS rn
        FROM g
        QUALIFY rn <= ?
        ORDER BY rn
    """
    limit = p.top if p.top else 1_000_000
    rows = con.execute(sql, [*params, limit]).fetchall()
    total = Decimal(0)
    groups = 0
    out: list[CostRow] = []
    kept = Decimal(0)
    for r in rows:
        values = r[: len(dims)]
        v = r[len(dims)] or Decimal(0)
        total = r[len(dims) + 1] or Decimal(0)
        groups = r[len(dims) + 2]
        kept += v
        out.append(
            CostRow(
                group=dict(zip(p.group_by, values, strict=True)),
                value=float(v),
                share_pct=float(v / total * 100) if total else None,
            )
        )
    if not dims and rows and rows[0][0] is None:
        out = [CostRow(group={}, value=0.0, share_pct=None)]
    other = float(total - kept) if p.top and groups > p.top else None
    assumptions = list(coverage_notes)
    if column == "EffectiveCost":
        assumptions.append("cost = effective cost (amortised, after discounts), in the billing currency")
    if column in MONEY_COLUMNS and mixed_note():
        assumptions.append(mixed_note(_currency_split(con, column, *base)))
    return CostQueryResult(
        measure=p.measure,
        measure_column=column,
        start=period.start,
        end=period.end,
        period_label=period.label,
        group_by=p.group_by,
        filters=filters,
        rows=out,
        other=other,
        other_groups=max(groups - len(out), 0) if other is not None else 0,
        total=float(total),
        groups=groups,
        assumptions=assumptions,
    )


@operation("query_costs", input_model=CostQueryInput, output_model=CostQueryResult, chart=True)
def cost_query(store: Store, params: CostQueryInput) -> CostQueryResult:
    """Cost (or tokens, requests, GPU hours) for a period, grouped by any dimensions, with filters and top-N."""
    with store.reader() as con:
        return run_cost_query(con, params)


class DimensionInfo(BaseModel):
    name: str
    kind: Literal["builtin", "time", "virtual_tag", "provider_tag"]
    description: str


class DimensionList(BaseModel):
    dimensions: list[DimensionInfo]
    measures: list[DimensionInfo]


class ListDimensionsInput(BaseModel):
    pass


@operation("list_dimensions", input_model=ListDimensionsInput, output_model=DimensionList)
def list_dimensions(store: Store, params: ListDimensionsInput | None = None) -> DimensionList:
    """The dimensions (and measures) cost queries can group and filter by."""
    with store.reader() as con:
        source = query_source(con)
        keys = tag_keys(con)
    dims = [DimensionInfo(name=k, kind="builtin", description=d) for k, (_, d) in BUILTIN_DIMENSIONS.items()]
    dims += [DimensionInfo(name=g, kind="time", description=f"calendar {g}") for g in sorted(TIME_GRAINS)]
    dims += [DimensionInfo(name=k, kind="time", description=d) for k, d in CALENDAR_DIMENSIONS.items()]
    dims += [
        DimensionInfo(name=k, kind="virtual_tag", description="virtual tag from allocation rules")
        for k in sorted(source.virtual_tags)
    ]
    dims += [
        DimensionInfo(name=k, kind="provider_tag", description="provider tag key in FOCUS Tags")
        for k in keys
        if k.lower() not in source.virtual_tags
    ]
    measures = [DimensionInfo(name=k, kind="builtin", description=d) for k, (_, d) in MEASURES.items()]
    measures += [
        DimensionInfo(name=k, kind="builtin", description=f"{v} tokens") for k, v in TOKEN_MEASURES.items()
    ]
    return DimensionList(dimensions=dims, measures=measures)


class DimensionValuesInput(BaseModel):
    dimension: str = Field(description="dimension name, e.g. provider, model, team")
    search: str | None = Field(None, description="fuzzy text to look up, e.g. 'anthropic' or 'Claude Sonnet'")
    limit: int = Field(50, ge=1, le=1000, description="maximum number of values returned")


class DimensionValue(BaseModel):
    value: str | None
    cost: float = Field(description="effective cost of the value over all data")
    score: float | None = Field(None, description="match score 0-1 when searching")


class DimensionValues(BaseModel):
    dimension: str
    values: list[DimensionValue]


def normalized(text: str) -> str:
    """A name without case, spaces or punctuation: `Claude Sonnet 4.5` and `claude-sonnet-4-5` read the same."""
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def match_score(query: str, value: str) -> float:
    """How well `query` names `value`: 1 for equal ignoring case and punctuation, high for containment."""
    q, v = normalized(query), normalized(value)
    if not q or not v:
        return 0.0
    if q == v:
        return 1.0
    if q in v:
        return 0.75 + 0.2 * len(q) / len(v)
    if v in q:
        return 0.7 + 0.2 * len(v) / len(q)
    words = [w for w in re.split(r"[^a-z0-9.]+", query.lower()) if w]
    if words and all(normalized(w) in v for w in words):
        return 0.7
    return difflib.SequenceMatcher(None, q, v).ratio() * 0.8


def run_dimension_values(con: duckdb.DuckDBPyConnection, p: DimensionValuesInput) -> DimensionValues:
    source = query_source(con)
    expr = dimension_sql(p.dimension, con, source)
    rows = con.execute(
        f"SELECT CAST({expr} AS VARCHAR) AS v, SUM(EffectiveCost) AS c FROM {source.relation} "
        "GROUP BY 1 ORDER BY c DESC NULLS LAST"
    ).fetchall()
    values = [DimensionValue(value=v, cost=float(c or 0)) for v, c in rows]
    if p.search:
        scored = [(match_score(p.search, v.value), v) for v in values if v.value is not None]
        scored = [(s, v) for s, v in scored if s >= 0.5]
        scored.sort(key=lambda t: (-t[0], -t[1].cost))
        values = [v.model_copy(update={"score": round(s, 3)}) for s, v in scored]
    return DimensionValues(dimension=p.dimension, values=values[: p.limit])


@operation("list_dimension_values", input_model=DimensionValuesInput, output_model=DimensionValues)
def dimension_values(store: Store, params: DimensionValuesInput) -> DimensionValues:
    """The values a dimension takes (largest cost first); with `search`, the closest matches to that text."""
    with store.reader() as con:
        return run_dimension_values(con, params)


class TokenUsageInput(TimeRange):
    group_by: list[str] = Field(
        default_factory=lambda: ["model", "token_type"],
        description="dimensions to group by (default model and token type; also feature, team, provider, day, ...)",
    )
    filters: list[Filter] = Field(default_factory=list, description="filters, all of which must hold")
    top: int | None = Field(
        None, ge=1, le=10_000, description="keep the N largest groups, sum the rest as other"
    )


@operation("get_token_usage", input_model=TokenUsageInput, output_model=CostQueryResult, chart=True)
def token_usage(store: Store, params: TokenUsageInput) -> CostQueryResult:
    """Tokens used (input, output, cached input, cache write, reasoning) by model and token type, or by any
    other dimensions, for a period."""
    query = CostQueryInput(measure="tokens", **params.model_dump())
    with store.reader() as con:
        return run_cost_query(con, query)
