"""Coverage: per tag key and month, the share of spend allocated and the largest unallocated line items, so a
team can drive allocation to 100%."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, Field
from spendscope.data.sql import ident
from spendscope.data.store import Store
from spendscope.tools.allocation.common import key_kind, money_column, ts, value_text
from spendscope.tools.allocation.rules import UNALLOCATED
from spendscope.tools.costs.breakdown import TimeRange, resolve_covered_range, summed_rows
from spendscope.tools.costs.dimensions import dimension_sql, query_source, tag_keys
from spendscope.tools.registry import operation


class CoverageInput(TimeRange):
    keys: list[str] = Field(
        default_factory=list,
        description="tag keys; default every virtual tag, or the "
        "provider tag keys when no virtual tags are defined",
    )
    measure: str = Field(
        "cost", description="cost (EffectiveCost), billed_cost, list_cost or contracted_cost"
    )
    top: int = Field(5, ge=0, le=100, description="largest unallocated line items to list per key and month")


class CoverageRow(BaseModel):
    key: str
    kind: str = Field(description="virtual_tag, provider_tag or builtin")
    month: str
    total: float
    allocated: float
    unallocated: float
    allocated_pct: float | None
    values: int = Field(description="distinct allocated values")


class UnallocatedItem(BaseModel):
    key: str
    month: str
    cost: float
    provider: str | None
    service: str | None
    sub_account: str | None
    resource: str | None
    charge_description: str | None
    line_items: int


class CoverageResult(BaseModel):
    measure: str
    start: dt.date
    end: dt.date = Field(description="exclusive end")
    period_label: str
    rows: list[CoverageRow]
    unallocated_items: list[UnallocatedItem]


@operation("get_allocation_coverage", input_model=CoverageInput, output_model=CoverageResult)
def allocation_coverage(store: Store, params: CoverageInput | None = None) -> CoverageResult:
    """Per tag key and month: the share of spend allocated (not `unallocated`) and the largest unallocated line
    items (provider, sub-account, resource, charge description) to write rules for next."""
    params = params or CoverageInput()
    column = money_column(params.measure)
    with store.reader() as con:
        source = query_source(con)
        keys = (
            [k.strip().lower() for k in params.keys]
            or sorted(source.virtual_tags)
            or [k.lower() for k in tag_keys(con)]
        )
        period, _ = resolve_covered_range(params, con)
        keys = list(dict.fromkeys(keys))
        rows: list[CoverageRow] = []
        items: list[UnallocatedItem] = []
        if not keys:
            return CoverageResult(
                measure=params.measure,
                start=period.start,
                end=period.end,
                period_label=period.label,
                rows=[],
                unallocated_items=[],
            )
        month = dimension_sql("month", con, source)
        dims = [dimension_sql(k, con, source) for k in keys]
        where = "ChargePeriodStart >= ? AND ChargePeriodStart < ?"
        bounds: list[object] = [ts(period.start), ts(period.end)]
        relation, lines = source.relation, "1"
        summed = summed_rows(
            con,
            source,
            dims,
            DETAIL,
            {column: f"SUM({ident(column)})", _LINES: "count(*)"},
            where,
            {_MONTH: _month_label("ChargePeriodStart", period.start, period.end)},
        )
        if summed is not None:  # its bounds are the same parameters
            relation, where, lines, month = summed, "true", _LINES, _MONTH
        cols = ", ".join(f"{value_text(d)} AS v{i}" for i, d in enumerate(dims))
        base = (
            f"SELECT {month} AS month, {cols}, {column} AS m, {lines} AS lines, {', '.join(DETAIL)} "
            f"FROM {relation} WHERE {where}"
        )
        # One pass over the cost rows (the rules are evaluated once, or once per sum); the rest reads the grouped
        # table.
        grouped = ident(f"_spendscope_cov_{uuid.uuid4().hex[:8]}")
        vcols = ", ".join(f"v{i}" for i in range(len(keys)))
        con.execute(
            f"""CREATE TEMP TABLE {grouped} AS
                SELECT month, {vcols}, {", ".join(DETAIL)}, sum(m) AS m, sum(lines) AS n
                FROM ({base}) GROUP BY ALL""",
            bounds,
        )
        try:
            aggs = ", ".join(
                f"sum(m) FILTER (WHERE v{i} <> '{UNALLOCATED}'), count(DISTINCT v{i}) FILTER (WHERE v{i} <> "
                f"'{UNALLOCATED}')"
                for i in range(len(keys))
            )
            summary = con.execute(
                f"SELECT month, sum(m), {aggs} FROM {grouped} GROUP BY month ORDER BY month"
            ).fetchall()
            for r in summary:
                total = r[1] or 0
                for i, key in enumerate(keys):
                    allocated = r[2 + 2 * i] or 0
                    rows.append(
                        CoverageRow(
                            key=key,
                            kind=key_kind(key, source),
                            month=r[0],
                            total=float(total),
                            allocated=float(allocated),
                            unallocated=float(total - allocated),
                            allocated_pct=round(float(allocated / total * 100), 4) if total else None,
                            values=r[3 + 2 * i] or 0,
                        )
                    )
            # items of equal cost in a fixed order (a GROUP BY returns its groups in no set order)
            order = "ProviderName, ServiceName, SubAccountName, ResourceName, ChargeDescription"
            for i, key in enumerate(keys if params.top else []):
                found = con.execute(
                    f"""SELECT month, sum(m) AS c, ProviderName, ServiceName, SubAccountName, ResourceName,
                               ChargeDescription, sum(n) AS n
                        FROM {grouped} WHERE v{i} = '{UNALLOCATED}'
                        GROUP BY month, ProviderName, ServiceName, SubAccountName, ResourceName, ChargeDescription
                        QUALIFY row_number() OVER (PARTITION BY month ORDER BY abs(sum(m)) DESC, {order}) <= ?
                        ORDER BY month, abs(c) DESC, {order}""",
                    [params.top],
                ).fetchall()
                items += [
                    UnallocatedItem(
                        key=key,
                        month=f[0],
                        cost=float(f[1] or 0),
                        provider=f[2],
                        service=f[3],
                        sub_account=f[4],
                        resource=f[5],
                        charge_description=f[6],
                        line_items=int(f[7]),
                    )
                    for f in found
                ]
        finally:
            con.execute(f"DROP TABLE IF EXISTS {grouped}")
    return CoverageResult(
        measure=params.measure,
        start=period.start,
        end=period.end,
        period_label=period.label,
        rows=rows,
        unallocated_items=items,
    )


# what an unallocated line item is listed by
DETAIL = ("ProviderName", "ServiceName", "SubAccountName", "ResourceName", "ChargeDescription")
_LINES = "_coverage_lines"
_MONTH = "_coverage_month"


def _month_label(column: str, start: dt.date, end: dt.date) -> str:
    """SQL for the month ('YYYY-MM') of a time of the period [start, end) in UTC, the sessions' time zone (what the
    `month` dimension gives): comparisons with the months' first instants, halving the months at each step. A
    comparison of times costs little per row; the month of a TIMESTAMPTZ by `date_trunc` runs DuckDB's time-zone
    calendar (0.77 against 0.23 s to group 10M rows), and is the same SQL on ClickHouse."""
    firsts = [dt.date(start.year, start.month, 1)]
    while True:
        nxt = dt.date(firsts[-1].year + firsts[-1].month // 12, firsts[-1].month % 12 + 1, 1)
        if nxt >= end:
            break
        firsts.append(nxt)

    def pick(lo: int, hi: int) -> str:
        if hi - lo == 1:
            return f"'{firsts[lo]:%Y-%m}'"
        mid = (lo + hi) // 2
        at = f"CAST('{firsts[mid]:%Y-%m-%d} 00:00:00' AS TIMESTAMPTZ)"
        return f"CASE WHEN {column} < {at} THEN {pick(lo, mid)} ELSE {pick(mid, hi)} END"

    return pick(0, len(firsts))
