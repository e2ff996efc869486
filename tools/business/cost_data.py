"""The AI-cost side of unit economics: effective (amortised) cost per time bucket and dimension, from the bill
when every dimension asked for is on it (tags, virtual tags, provider, model, ...), else from the telemetry
attribution (tools.allocation.attribution: each provider/model/day's bill split among that day's events, so
customers and features add up to the invoice).

The attribution runs once per bucket; its results are kept per store state (file size and modification time) so a
page or a thread of questions that asks for the same months again does not recompute them.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

import duckdb
from spendscope.data.errors import InvalidArgument, UnknownDimension
from spendscope.data.store import Store, store_stamp
from spendscope.tools.allocation.attribution import (
    NONE_VALUE,
    AttributionInput,
    AttributionResult,
    attribute_costs,
)
from spendscope.tools.business.common import Grain, accepts, bucket_sql, buckets
from spendscope.tools.costs.breakdown import Filter, filter_sql
from spendscope.tools.costs.dimensions import dimension_sql, query_source

Basis = Literal["bill", "telemetry"]
TELEMETRY_DIMS = ("customer", "feature", "team", "env")
MAX_ATTRIBUTION_BUCKETS = 62  # the attribution runs once per bucket (about 0.3 s each)


@dataclass
class CostRows:
    basis: Basis
    rows: list[tuple[dt.date, tuple[str | None, ...], Decimal]]  # bucket start, dimension values, cost
    unattributed: dict[dt.date, Decimal] | None  # telemetry basis without filters: cost no event carries
    notes: list[str]


def on_bill(con: duckdb.DuckDBPyConnection, dim: str) -> bool:
    try:
        dimension_sql(dim, con, query_source(con))
    except UnknownDimension:
        return False
    return True


def choose_basis(con: duckdb.DuckDBPyConnection, dims: list[str], requested: str = "auto") -> Basis:
    """The bill when every dimension is on it, else telemetry when every one is a telemetry attribute."""
    dims = list(dict.fromkeys(d.strip().lower() for d in dims))
    bill_ok = [d for d in dims if d not in ("customer",) and on_bill(con, d)]
    tel_ok = [d for d in dims if d in TELEMETRY_DIMS]
    if requested == "bill" or (requested == "auto" and len(bill_ok) == len(dims)):
        missing = [d for d in dims if d not in bill_ok]
        if missing:
            raise InvalidArgument(
                f"{', '.join(missing)} is not on the bill; use basis telemetry (customer, feature, team, env) "
                "or leave it out",
                argument="basis",
            )
        return "bill"
    missing = [d for d in dims if d not in tel_ok]
    if missing:
        raise UnknownDimension(
            f"{', '.join(missing)} is neither on the bill nor a telemetry attribute; the cost can be split by bill "
            f"dimensions (provider, model, service, tags, virtual tags, ...) or by {', '.join(TELEMETRY_DIMS)} "
            "(telemetry attribution), not by a mix of telemetry-only and bill-only dimensions",
            argument="dimension",
            value=missing[0],
        )
    return "telemetry"


def bill_costs(
    con: duckdb.DuckDBPyConnection,
    start: dt.date,
    end: dt.date,
    grain: Grain,
    dims: list[str],
    filters: list[Filter],
) -> CostRows:
    source = query_source(con)
    exprs = [dimension_sql(d, con, source) for d in dims]
    clauses, params = filter_sql(filters, con, source)
    where = " AND ".join(["ChargePeriodStart >= ?", "ChargePeriodStart < ?", *clauses])
    sel = "".join(f", CAST({e} AS VARCHAR) AS d{i}" for i, e in enumerate(exprs))
    rows = con.execute(
        f"""SELECT {bucket_sql("ChargePeriodStart", grain, start)} AS b{sel}, sum(EffectiveCost)
            FROM {source.relation} WHERE {where} GROUP BY ALL ORDER BY ALL""",
        [_ts(start), _ts(end), *params],
    ).fetchall()
    n = len(dims)
    out = [(r[0], tuple(r[1 : 1 + n]), Decimal(r[1 + n] or 0)) for r in rows]
    return CostRows(
        "bill", out, None, ["cost: effective (amortised) cost on the bill, in the billing currency"]
    )


def telemetry_costs(
    store: Store, start: dt.date, end: dt.date, grain: Grain, dims: list[str], filters: list[Filter]
) -> CostRows:
    """Attributed cost per bucket and `dims` (telemetry attributes), over the groups that pass `filters`."""
    spans = buckets(start, end, grain)
    if len(spans) > MAX_ATTRIBUTION_BUCKETS:
        raise InvalidArgument(
            f"{len(spans)} {grain} buckets: cost by customer, feature or team comes from the telemetry attribution, "
            f"which runs per bucket (at most {MAX_ATTRIBUTION_BUCKETS}); use a coarser grain or a shorter period",
            argument="grain",
            value=grain,
        )
    for f in filters:
        if f.dimension.strip().lower() not in TELEMETRY_DIMS:
            raise UnknownDimension(
                f"the telemetry attribution can be limited by {', '.join(TELEMETRY_DIMS)}, not by {f.dimension}",
                argument="filters",
                value=f.dimension,
            )
    by = sorted({*(d.strip().lower() for d in dims), *(f.dimension.strip().lower() for f in filters)})
    by = by or ["customer"]
    out: dict[tuple[dt.date, tuple[str | None, ...]], Decimal] = {}
    unattributed: dict[dt.date, Decimal] = {}
    for lo, hi in spans:
        att = attribution(store, lo, hi, tuple(by))
        for r in att.rows:
            if all(accepts(f, r.values[f.dimension.strip().lower()]) for f in filters):
                key = (lo, tuple(_none(r.values[d.strip().lower()]) for d in dims))
                out[key] = out.get(key, Decimal(0)) + r.cost
        unattributed[lo] = att.unmatched_cost + att.no_model_cost
    notes = [
        "cost: each provider/model/day's effective cost split among that day's telemetry events in proportion to "
        "their estimated cost (the customer attribution), so the groups add up to the bill"
    ]
    rows = [
        (b, k, v) for (b, k), v in sorted(out.items(), key=lambda kv: (kv[0][0], [x or "" for x in kv[0][1]]))
    ]
    return CostRows("telemetry", rows, None if filters else unattributed, notes)


def _none(v: str | None) -> str | None:
    return None if v is None or v == NONE_VALUE else v


def _ts(d: dt.date) -> dt.datetime:
    return dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC)


# ------------------------------------------------------------------------------------- attribution cache

_CACHE: OrderedDict[tuple, AttributionResult] = OrderedDict()
_CACHE_LOCK = threading.Lock()
CACHE_SIZE = 64


def _stamp(store: Store) -> tuple:
    return (str(store.path.resolve()), *store_stamp(store.path))


def attribution(store: Store, start: dt.date, end: dt.date, by: tuple[str, ...]) -> AttributionResult:
    """attribute_costs of [start, end) by `by` (effective cost), kept per store state."""
    key = (_stamp(store), start, end, by)
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    result = attribute_costs(
        store,
        AttributionInput(start=start, end=end - dt.timedelta(days=1), by=list(by), measure="cost", top=1),
        refuse_uncovered=False,
    )
    with _CACHE_LOCK:
        _CACHE[key] = result
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return result
