"""The business-metric side of unit economics: which metrics the store holds (the vocabulary), and a metric's values
per time bucket and dimension, money converted into the billing currency (docs/unit-economics.md).

Within one bucket a metric's rows are combined per series (its customer, feature, team, plan, tags and source):
summed for additive metrics, averaged for levels (`aggregation = average`: MAU, seats); series then add up. Rows
must lie wholly inside the period and inside one bucket: a monthly value is never split into weeks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import duckdb
from spendscope.data.currency import (
    billing_currency,
    converted_sql,
    missing_rate_error,
    missing_rates,
    rate_on,
)
from spendscope.data.errors import InvalidArgument, MissingMetric
from spendscope.data.sql import json_text
from spendscope.tools.business.common import GRAINS, Grain, bucket_sql, suggest
from spendscope.tools.costs.breakdown import Filter, filter_clause

METRIC_COLUMNS = ("customer", "feature", "team", "plan")


@dataclass
class MetricInfo:
    """One metric as the store holds it."""

    name: str
    money: bool
    unit: str | None
    aggregation: str
    grains: list[str]
    currencies: list[str]
    first: dt.date
    last_end: dt.date
    rows: int
    columns: list[str]  # of METRIC_COLUMNS, those some row fills
    tag_keys: list[str]
    sources: list[str]
    key_columns: list[str] = field(default_factory=list)  # of `columns`, those every row fills

    def carries(self, dim: str) -> bool:
        return dim_sql(dim, self) is not None


def catalog(con: duckdb.DuckDBPyConnection, filters: list[Filter] | None = None) -> dict[str, MetricInfo]:
    """Every metric in the store by name (with `filters`: counted over the rows within them; metrics with none left
    out)."""
    clauses, params = rows_filter_sql(filters or [])
    where = " AND ".join(clauses) or "true"
    present = ", ".join(f"count({c}) AS n_{c}" for c in METRIC_COLUMNS)
    rows = con.execute(
        f"""SELECT metric, bool_or(currency IS NOT NULL), min(unit), min(aggregation),
                   list(DISTINCT grain), list(DISTINCT currency),
                   min(period_start), max(period_end), count(*), {present},
                   list(DISTINCT source)
            FROM business_metrics m WHERE {where} GROUP BY metric ORDER BY metric""",
        params,
    ).fetchall()
    keys = dict(
        con.execute(
            f"""SELECT metric, list(DISTINCT k) FROM (
                   SELECT metric, unnest(json_keys(tags)) AS k FROM business_metrics m
                   WHERE tags IS NOT NULL AND {where})
               GROUP BY metric""",
            params,
        ).fetchall()
    )
    out: dict[str, MetricInfo] = {}
    for r in rows:
        name, n = r[0], r[8]
        counts = dict(zip(METRIC_COLUMNS, r[9 : 9 + len(METRIC_COLUMNS)], strict=True))
        out[name] = MetricInfo(
            name=name,
            money=bool(r[1]),
            unit=r[2],
            aggregation=r[3] or "sum",
            grains=sorted(r[4], key=GRAINS.index),
            currencies=sorted(c for c in r[5] or [] if c is not None),
            first=r[6],
            last_end=r[7],
            rows=n,
            columns=[c for c in METRIC_COLUMNS if counts[c]],
            tag_keys=sorted(keys.get(name, [])),
            sources=sorted(s for s in r[-1] if s is not None),
            key_columns=[c for c in METRIC_COLUMNS if counts[c] == n],
        )
    return out


def rows_filter_sql(filters: list[Filter], alias: str = "m") -> tuple[list[str], list]:
    """WHERE clauses over business_metrics rows: a column dimension, else the tag of that name (NULL when a row
    has none, so `team=search` keeps no row without a team: a row-scoped caller never sees rows outside it)."""
    clauses: list[str] = []
    params: list = []
    for f in filters:
        d = f.dimension.strip()
        low = d.lower()
        expr = (
            f"{alias}.{low}"
            if low in METRIC_COLUMNS
            else json_text(f"{alias}.tags", d[4:] if low.startswith("tag:") else d)
        )
        clause, values = filter_clause(f, expr)
        clauses.append(clause)
        params += values
    return clauses, params


def normalise(name: str) -> str:
    """'Tickets Resolved' -> tickets_resolved (the importer's rule)."""
    out = "".join(ch if ch.isalnum() else "_" for ch in name.strip().lower())
    return "_".join(p for p in out.split("_") if p)


def require(cat: dict[str, MetricInfo], name: str, argument: str = "metric") -> MetricInfo:
    """The metric called `name`; MissingMetric names it and the metrics there are."""
    key = normalise(name)
    if key in cat:
        return cat[key]
    known = sorted(cat)
    raise MissingMetric(
        f"no business metric named {name!r} in the store"
        + (suggest(key, known) + f" (metrics: {', '.join(known)})" if known else "")
        + ("" if known else "; import some with `spendscope import metrics FILE`"),
        argument=argument,
        metric=key,
        known=known,
    )


def dim_sql(dim: str, info: MetricInfo, alias: str = "m") -> str | None:
    """SQL for a dimension on a metric's rows: a column, or a tag the metric's rows carry; None when they carry
    neither."""
    d = dim.strip()
    low = d.lower()
    if low in METRIC_COLUMNS:
        return f"{alias}.{low}"
    key = d[4:] if low.startswith("tag:") else d
    for k in info.tag_keys:
        if k.lower() == key.lower():
            return json_text(f"{alias}.tags", k)
    return None


def filter_sql(
    filters: list[Filter], info: MetricInfo, alias: str = "m"
) -> tuple[list[str], list, list[str]]:
    """`rows_filter_sql` for one metric, with a note for each dimension the metric is not recorded by."""
    clauses, params = rows_filter_sql(filters, alias)
    notes = [
        f"{info.name} is not recorded per {f.dimension}, so the filter on {f.dimension} keeps none of its rows "
        "(use cost_filters to limit only the cost)"
        for f in filters
        if not info.carries(f.dimension) and f.op in ("eq", "in", "prefix", "contains")
    ]
    return clauses, params, notes


def target_currency(con: duckdb.DuckDBPyConnection, infos: list[MetricInfo]) -> str | None:
    """The currency money figures are given in: the bill's; without costs, the one currency the metrics use."""
    billing = billing_currency(con)
    if billing is not None:
        return billing
    found = sorted({c for i in infos for c in i.currencies})
    if len(found) > 1:
        raise InvalidArgument(
            f"the metrics are in several currencies ({', '.join(found)}) and the store holds no bill to convert "
            "them into; import the bill first",
            argument="metric",
        )
    return found[0] if found else None


@dataclass
class MetricValues:
    rows: list[tuple[dt.date, tuple[str | None, ...], Decimal]]  # bucket start, key values, value
    currency: str | None
    notes: list[str]


def metric_values(
    con: duckdb.DuckDBPyConnection,
    info: MetricInfo,
    start: dt.date,
    end: dt.date,
    grain: Grain,
    keys: list[str],
    filters: list[Filter],
    currency: str | None = None,
) -> MetricValues:
    """The metric per bucket and `keys` (dimensions it carries) over [start, end), in `currency` when money."""
    clauses, fparams, notes = filter_sql(filters, info)
    where = " AND ".join(["m.metric = ?", *clauses])
    params = [info.name, *fparams]
    _check_buckets(con, info, start, end, grain, where, params, notes)
    inside = "m.period_start >= ? AND m.period_end <= ?"
    if info.money and currency is not None:
        missing = missing_rates(
            con,
            f"(SELECT * FROM business_metrics m WHERE {where} AND {inside})",
            currency,
            params=[*params, start, end],
        )
        if missing:
            raise missing_rate_error(missing, currency)
    value = converted_sql(currency, "m", "r") if info.money and currency else "m.value"
    join = f"LEFT JOIN currency_rates r ON {rate_on(currency)}" if info.money and currency else ""
    key_sql = [dim_sql(k, info) or "CAST(NULL AS VARCHAR)" for k in keys]
    k_sel = "".join(f", CAST({e} AS VARCHAR) AS k{i}" for i, e in enumerate(key_sql))
    k_cols = "".join(f", k{i}" for i in range(len(keys)))
    rows = con.execute(
        f"""WITH m AS (
                SELECT {bucket_sql("m.period_start", grain, start)} AS b{k_sel}, m.customer, m.feature, m.team,
                       m.plan, CAST(m.tags AS VARCHAR) AS t, m.source, m.aggregation,
                       CAST({value} AS DECIMAL(38,10)) AS v
                FROM business_metrics m {join} WHERE {where} AND {inside}),
            s AS (
                SELECT b{k_cols}, CASE WHEN any_value(aggregation) = 'average'
                    THEN CAST(avg(v) AS DECIMAL(38,10)) ELSE sum(v) END AS v
                FROM m GROUP BY b{k_cols}, customer, feature, team, plan, t, source)
            SELECT b{k_cols}, sum(v) FROM s GROUP BY ALL ORDER BY ALL""",
        [*params, start, end],
    ).fetchall()
    n = len(keys)
    out = [(r[0], tuple(r[1 : 1 + n]), Decimal(r[1 + n])) for r in rows]
    return MetricValues(out, currency if info.money else None, notes)


def _check_buckets(
    con: duckdb.DuckDBPyConnection,
    info: MetricInfo,
    start: dt.date,
    end: dt.date,
    grain: Grain,
    where: str,
    params: list,
    notes: list[str],
) -> None:
    """Refuse buckets finer than the metric's rows; note rows only partly inside the period."""
    straddle = (
        "false"
        if grain == "total"
        else f"{bucket_sql('m.period_start', grain, start)} <> {bucket_sql('m.period_end - 1', grain, start)}"
    )
    partial, across, first = con.execute(
        f"""SELECT count(*) FILTER (WHERE m.period_start < ? OR m.period_end > ?),
                   count(*) FILTER (WHERE m.period_start >= ? AND m.period_end <= ? AND {straddle}),
                   min(m.grain) FILTER (WHERE m.period_start >= ? AND m.period_end <= ? AND {straddle})
            FROM business_metrics m WHERE {where} AND m.period_start < ? AND m.period_end > ?""",
        [start, end, start, end, start, end, *params, end, start],
    ).fetchall()[0]
    if across:
        raise InvalidArgument(
            f"{info.name} has {first} values that do not fit in one {grain} ({across} rows); ask for figures by "
            f"{_coarser(first)} or in total",
            argument="grain",
            value=grain,
        )
    if partial:
        notes.append(
            f"{partial} {info.name} row{'s' if partial != 1 else ''} lie only partly in the period "
            f"({'/'.join(info.grains)} values) and are left out"
        )


def _coarser(grain: str) -> str:
    return {"day": "day", "week": "week", "month": "month"}.get(grain, "month")
