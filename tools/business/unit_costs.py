"""Cost per unit of any business metric (cost per ticket resolved, per 1k documents, per MAU, per $ of revenue),
by period and dimension: the operation `cost_per_business_unit` (docs/unit-economics.md, "Cost per unit").

The cost a metric is held against is matched on the metric's own keys: a metric recorded for feature support-bot
only is divided into support-bot's cost, not the whole bill (`match_on`, default the dimensions every row of the
metric fills that the cost can be split by). A dimension the metric is not recorded by (provider, model) splits the
cost only: each provider's cost is divided by all the units, so the parts add up to the total cost per unit.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import BaseModel, Field
from spendscope.data.errors import InvalidArgument
from spendscope.data.store import Store
from spendscope.tools.business import charts as _charts  # noqa: F401  (registers the result's chart)
from spendscope.tools.business.common import (
    COST_FILTERS_FIELD,
    FILTERS_FIELD,
    Grain,
    bucket_end,
    check_grain,
    label,
    money,
    ratio,
)
from spendscope.tools.business.cost_data import (
    TELEMETRY_DIMS,
    CostRows,
    bill_costs,
    choose_basis,
    on_bill,
    telemetry_costs,
)
from spendscope.tools.business.metric_data import MetricInfo, catalog, metric_values, require, target_currency
from spendscope.tools.costs.breakdown import Filter, TimeRange, check_coverage, resolve_range
from spendscope.tools.periods import Period
from spendscope.tools.registry import operation


class CostPerUnitInput(TimeRange):
    # `filters` name business metric rows and cost alike: checked against both (tools/names.py)
    business_filters: ClassVar[tuple[str, ...]] = ("filters",)

    metric: str = Field(
        description="business metric, e.g. tickets_resolved, documents_processed, mau, revenue"
    )
    per: int = Field(
        1, ge=1, le=1_000_000_000, description="units per figure: 1 (per ticket), 1000 (per 1k documents)"
    )
    grain: str = Field("month", description="total, month, week or day")
    group_by: list[str] = Field(
        default_factory=list,
        description="dimensions: customer, feature, team (split the metric too when it is recorded by them), or "
        "any cost dimension such as provider, model (split the cost only)",
    )
    match_on: list[str] | None = Field(
        None,
        description="dimensions on which the cost is matched to the metric (default: those every row of the "
        "metric fills, e.g. feature for a metric recorded per feature); [] holds the metric against all AI cost",
    )
    filters: list[Filter] = FILTERS_FIELD
    cost_filters: list[Filter] = COST_FILTERS_FIELD
    basis: Literal["auto", "bill", "telemetry"] = Field(
        "auto",
        description="where the cost comes from: the bill, or the telemetry attribution (auto: the bill "
        "when every dimension is on it)",
    )


class UnitCostPoint(BaseModel):
    period: str = Field(description="2026-10, 2026-W42, 2026-10-14, or the whole period")
    start: dt.date
    group: dict[str, str | None]
    cost: float
    units: float
    cost_per_unit: float | None = Field(description="cost / units x per")
    change_pct: float | None = Field(None, description="against the same group's previous period")


class CostPerUnitResult(BaseModel):
    metric: str
    unit: str | None = Field(description="what the metric counts (tickets), or its currency for money")
    per: int
    grain: str
    basis: Literal["bill", "telemetry"]
    match_on: list[str]
    group_by: list[str]
    start: dt.date
    end: dt.date = Field(description="exclusive end")
    period_label: str
    currency: str | None = Field(description="the currency of cost (the bill's)")
    rows: list[UnitCostPoint]
    totals: list[UnitCostPoint] = Field(description="per period, all groups together")
    total: UnitCostPoint
    cost_outside_metric: float = Field(
        description="cost of the matched dimensions' values the metric has no units for (e.g. other features)"
    )
    unattributed_cost: float | None = Field(
        None, description="telemetry basis without filters: bill cost no event carries (not in any group)"
    )
    assumptions: list[str] = Field(default_factory=list)


def natural_keys(info: MetricInfo, con: object) -> list[str]:
    """The dimensions every row of the metric fills that the cost can also be split by."""
    return [c for c in info.key_columns if c in TELEMETRY_DIMS or on_bill(con, c)]  # type: ignore[arg-type]


def compute(store: Store, p: CostPerUnitInput) -> CostPerUnitResult:
    grain: Grain = check_grain(p.grain)
    group_by = [g.strip().lower() for g in p.group_by]
    with store.reader() as con:
        info = require(catalog(con), p.metric)
        period = resolve_range(p, con)
        notes = check_coverage(con, period)
        match = [m.strip().lower() for m in p.match_on] if p.match_on is not None else natural_keys(info, con)
        not_recorded = [m for m in match if not info.carries(m)]
        if not_recorded:
            raise InvalidArgument(
                f"match_on {', '.join(not_recorded)}: {info.name} is not recorded per {', '.join(not_recorded)} "
                f"(it is per {', '.join(info.columns) or 'nothing'}); match on those, or [] for all AI cost",
                argument="match_on",
            )
        dims = list(dict.fromkeys([*match, *group_by]))
        basis = choose_basis(con, [*dims, *(f.dimension for f in [*p.filters, *p.cost_filters])], p.basis)
        metric_keys = [d for d in dims if info.carries(d)]
        currency = target_currency(con, [info])
        units = metric_values(con, info, period.start, period.end, grain, metric_keys, p.filters, currency)
        cost_filters = [*p.filters, *p.cost_filters]
        costs = (
            bill_costs(con, period.start, period.end, grain, dims, cost_filters) if basis == "bill" else None
        )
    if costs is None:
        costs = telemetry_costs(store, period.start, period.end, grain, dims, cost_filters)
    notes += units.notes + costs.notes
    uncarried = [g for g in group_by if not info.carries(g)]
    if uncarried:
        notes.append(
            f"{info.name} is not recorded per {', '.join(uncarried)}: each group's cost is divided by all the "
            "units, so the groups add up to the total cost per unit"
        )
    if match:
        notes.append(
            f"cost matched to {info.name} on {', '.join(match)} (only the cost of values it is recorded for)"
        )
    else:
        notes.append(f"{info.name} is held against all AI cost in scope")
    return _assemble(p, info, grain, period, match, group_by, units.rows, costs, currency, notes)


def _norm(v: str | None) -> str | None:
    return v.lower() if isinstance(v, str) else v


def _assemble(
    p: CostPerUnitInput,
    info: MetricInfo,
    grain: Grain,
    period: Period,
    match: list[str],
    group_by: list[str],
    unit_rows: list[tuple[dt.date, tuple[str | None, ...], Decimal]],
    costs: CostRows,
    currency: str | None,
    notes: list[str],
) -> CostPerUnitResult:
    """Join units (by bucket and the dimensions the metric carries) with cost (by bucket, match and group
    dimensions): cost whose match values the metric has no units for is counted apart."""
    dims = list(dict.fromkeys([*match, *group_by]))
    metric_keys = [d for d in dims if info.carries(d)]
    carried = [g for g in group_by if g in metric_keys]
    units_by: dict[tuple, Decimal] = {}
    matched: set[tuple] = set()
    for b, key, v in unit_rows:
        vals = dict(zip(metric_keys, key, strict=True))
        k = (b, tuple(_norm(vals[g]) for g in carried))
        units_by[k] = units_by.get(k, Decimal(0)) + v
        matched.add((b, tuple(_norm(vals[m]) for m in match)))
    cost_by: dict[tuple, Decimal] = {}
    shown: dict[tuple, dict[str, str | None]] = {}
    outside = Decimal(0)
    for b, key, c in costs.rows:
        vals = dict(zip(dims, key, strict=True))
        if (b, tuple(_norm(vals[m]) for m in match)) not in matched:
            outside += c
            continue
        k = (b, tuple(_norm(vals[g]) for g in group_by))
        cost_by[k] = cost_by.get(k, Decimal(0)) + c
        shown.setdefault(k, {g: vals[g] for g in group_by})
    if len(carried) == len(group_by):  # every group is a metric value: groups with units and no cost show too
        for b, key, _ in unit_rows:
            vals = dict(zip(metric_keys, key, strict=True))
            k = (b, tuple(_norm(vals[g]) for g in group_by))
            if k not in cost_by:
                cost_by[k] = Decimal(0)
                shown[k] = {g: vals[g] for g in group_by}
    scale = Decimal(p.per)

    def point(
        b: dt.date, group: dict[str, str | None], c: Decimal, u: Decimal, before: Decimal | None
    ) -> UnitCostPoint:
        cpu = ratio(c, u, scale)
        lo = max(b, period.start)
        return UnitCostPoint(
            period=label(lo, min(bucket_end(b, grain, period.end), period.end)),
            start=lo,
            group=group,
            cost=money(c) or 0.0,
            units=float(u),
            cost_per_unit=money(cpu),
            change_pct=float((cpu / before - 1) * 100) if cpu is not None and before else None,
        )

    rows: list[UnitCostPoint] = []
    previous: dict[tuple, Decimal | None] = {}
    for (b, gk), c in sorted(cost_by.items(), key=lambda kv: (kv[0][0], [x or "" for x in kv[0][1]])):
        u = units_by.get((b, tuple(gk[group_by.index(g)] for g in carried)), Decimal(0))
        rows.append(point(b, shown[(b, gk)], c, u, previous.get(gk)))
        previous[gk] = ratio(c, u, scale)
    totals: list[UnitCostPoint] = []
    last: Decimal | None = None
    all_cost = all_units = Decimal(0)
    for b in sorted({k[0] for k in units_by} | {k[0] for k in cost_by}):
        c = sum((v for k, v in cost_by.items() if k[0] == b), Decimal(0))
        u = sum((v for k, v in units_by.items() if k[0] == b), Decimal(0))
        totals.append(point(b, {}, c, u, last))
        last = ratio(c, u, scale)
        all_cost += c
        all_units += u
    if info.aggregation == "average" and len(totals) > 1:
        all_units /= len(totals)
        notes.append(
            f"{info.name} is a level (averaged): over the whole period its units are the {grain}ly average"
        )
    total = UnitCostPoint(
        period=period.label,
        start=period.start,
        group={},
        cost=money(all_cost) or 0.0,
        units=float(all_units),
        cost_per_unit=money(ratio(all_cost, all_units, scale)),
    )
    if info.money:
        notes.append(f"{info.name} is money, converted into {currency} with the rate table where needed")
    return CostPerUnitResult(
        metric=info.name,
        unit=currency if info.money else info.unit,
        per=p.per,
        grain=grain,
        basis=costs.basis,
        match_on=match,
        group_by=group_by,
        start=period.start,
        end=period.end,
        period_label=period.label,
        currency=currency,
        rows=rows,
        totals=totals,
        total=total,
        cost_outside_metric=money(outside) or 0.0,
        unattributed_cost=money(sum(costs.unattributed.values(), Decimal(0))) if costs.unattributed else None,
        assumptions=notes,
    )


@operation("cost_per_business_unit", input_model=CostPerUnitInput, output_model=CostPerUnitResult, chart=True)
def cost_per_business_unit(store: Store, params: CostPerUnitInput) -> CostPerUnitResult:
    """Cost per unit of a business metric (per ticket resolved, per 1k documents, per MAU, per $ of revenue) by
    period and dimension, the cost matched to what the metric is recorded for."""
    return compute(store, params)
