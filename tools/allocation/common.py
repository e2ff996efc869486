"""Small pieces the allocation reports share: money measures, the value of a tag key on a cost row (with
`unallocated` for none), and periods as UTC timestamps."""

from __future__ import annotations

import datetime as dt

import duckdb
from spendscope.data.errors import InvalidArgument
from spendscope.tools.allocation.rules import UNALLOCATED
from spendscope.tools.costs.dimensions import BUILTIN_DIMENSIONS, Source, dimension_sql

MONEY_MEASURES = {
    "cost": "EffectiveCost",
    "effective_cost": "EffectiveCost",
    "billed_cost": "BilledCost",
    "list_cost": "ListCost",
    "contracted_cost": "ContractedCost",
}


def money_column(measure: str) -> str:
    key = measure.strip().lower()
    if key not in MONEY_MEASURES:
        raise InvalidArgument(
            f"unknown cost measure {measure!r}; accepted: {', '.join(MONEY_MEASURES)}",
            argument="measure",
            value=measure,
        )
    return MONEY_MEASURES[key]


def value_sql(key: str, con: duckdb.DuckDBPyConnection, source: Source) -> str:
    """The value of a tag key (virtual tag, provider tag or built-in dimension) as text, `unallocated` if none."""
    return value_text(dimension_sql(key, con, source))


def value_text(expr: str) -> str:
    """A dimension expression as the allocation's value text, `unallocated` if none."""
    return f"coalesce(nullif(trim(CAST({expr} AS VARCHAR)), ''), '{UNALLOCATED}')"


def key_kind(key: str, source: Source) -> str:
    low = key.strip().lower()
    if low in BUILTIN_DIMENSIONS:
        return "builtin"
    if low in source.virtual_tags:
        return "virtual_tag"
    return "provider_tag"


def ts(d: dt.date) -> dt.datetime:
    return dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC)


UNIT = 10_000_000_000  # 10^10: the store's DECIMAL(38,10) in integer units
WEIGHT_UNIT = 1_000_000  # weights are kept to 6 decimals


def apportion_sql(weights: str, amounts: str, keys: list[str], members: list[str]) -> str:
    """Split each amount among its members in proportion to integer weights, exactly.

    `weights` has columns keys + members + `wu` (HUGEINT weight); `amounts` has keys + `amount` (DECIMAL(38,10)).
    With a = amount * 10^10 and cumulative weights C_i (members ordered), member i receives
    trunc(a * C_i / W) - trunc(a * C_(i-1) / W): the parts telescope to a, so they sum to the amount exactly.
    Amounts without any positive weight are not returned (callers add fallback weights first).
    """
    k = ", ".join(keys)
    order = ", ".join(members)
    return f"""
        WITH w AS (
            SELECT {k}, {order}, wu,
                   sum(wu) OVER (PARTITION BY {k} ORDER BY {order}
                                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum,
                   sum(wu) OVER (PARTITION BY {k}) AS tot
            FROM {weights} WHERE wu > 0
        ),
        p AS (SELECT {k}, CAST(amount * {UNIT} AS HUGEINT) AS au FROM {amounts})
        SELECT {", ".join("w." + c for c in keys)}, {", ".join("w." + c for c in members)},
               CAST((p.au * w.cum) // w.tot - (p.au * (w.cum - w.wu)) // w.tot AS DECIMAL(38,0))
                   * CAST(0.0000000001 AS DECIMAL(11,10)) AS amount
        FROM w JOIN p USING ({k})"""
