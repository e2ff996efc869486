"""Profitability per customer, feature, plan or team: revenue, AI cost, margin, AI cost as a share of revenue and
its trend, with the groups whose AI cost exceeds their subscription or whose margin is below a floor listed first
(the operation `profitability`; docs/unit-economics.md, "Profitability").

Revenue and subscriptions are business metrics (money, converted into the billing currency); AI cost is the
telemetry attribution of the bill (each provider/model/day split among that day's events), so customers and
features add up to the invoice. A customer's plan in a month is the plan on its revenue rows of that month; a plan's
AI cost is the cost of the customers on it. Figures are per calendar month: the period must start on a month's first
day, and a month the bill has not reached the end of is month to date.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import BaseModel, Field
from spendscope.data.errors import InvalidPeriod
from spendscope.data.store import Store
from spendscope.tools.business import charts as _charts  # noqa: F401  (registers the result's chart)
from spendscope.tools.business.common import (
    COST_FILTERS_FIELD,
    FILTERS_FIELD,
    accepts,
    money,
    pct,
)
from spendscope.tools.business.cost_data import telemetry_costs
from spendscope.tools.business.metric_data import catalog, metric_values, normalise, require, target_currency
from spendscope.tools.business.targets import FloorBy, MarginFloor, load_floors
from spendscope.tools.costs.breakdown import Filter, TimeRange, check_coverage, resolve_range
from spendscope.tools.periods import add_months, data_end
from spendscope.tools.registry import operation

TREND_POINTS = 5.0  # AI cost share of revenue moving this many points is a trend


DEFAULT_SUBSCRIPTION = "subscription"


class ProfitabilityInput(TimeRange):
    # `filters` name business metric rows and cost alike: checked against both (tools/names.py)
    business_filters: ClassVar[tuple[str, ...]] = ("filters",)

    by: FloorBy = Field("customer", description="customer, feature, plan or team")
    revenue_metric: str = Field("revenue", description="the business metric holding revenue")
    subscription_metric: str | None = Field(
        DEFAULT_SUBSCRIPTION,
        description="the metric holding what each pays on subscription (checked when present; a name other "
        "than the default must exist; 'none' skips the check)",
    )
    margin_floor_pct: float | None = Field(
        None,
        ge=-1000,
        le=100,
        description="flag margins below this percent (default: the stored margin floors)",
    )
    trend_months: int = Field(
        3, ge=1, le=24, description="months of trend, ending with the period's last month"
    )
    filters: list[Filter] = FILTERS_FIELD
    cost_filters: list[Filter] = COST_FILTERS_FIELD
    top: int | None = Field(None, ge=1, le=10_000, description="keep the first N groups (at-risk ones first)")


class TrendPoint(BaseModel):
    month: str
    revenue: float | None
    ai_cost: float
    ai_cost_pct_of_revenue: float | None
    margin_pct: float | None


class ProfitRow(BaseModel):
    key: str | None = Field(
        description="the customer, feature, plan or team (None: AI cost or revenue without one)"
    )
    plan: str | None = Field(None, description="customers: their plan in the period's last month")
    revenue: float | None = Field(description="None: no revenue rows for it")
    subscription: float | None
    ai_cost: float
    margin: float | None = Field(description="revenue - AI cost")
    margin_pct: float | None = Field(description="margin / revenue, percent")
    ai_cost_pct_of_revenue: float | None
    revenue_share_pct: float | None
    ai_cost_share_pct: float | None
    floor_pct: float | None = Field(description="the margin floor that applies (the highest)")
    floor_name: str | None = None
    cost_exceeds_subscription: bool
    below_floor: bool
    no_revenue: bool = Field(description="AI cost with no revenue rows at all")
    at_risk: bool
    reasons: list[str]
    trend: list[TrendPoint]
    trend_direction: Literal["worsening", "improving", "steady", "unknown"]


class ProfitabilityResult(BaseModel):
    by: str
    start: dt.date
    end: dt.date = Field(description="exclusive end")
    period_label: str
    months: list[str]
    currency: str | None
    revenue_metric: str
    subscription_metric: str | None = Field(description="None when the store holds no subscription metric")
    rows: list[ProfitRow]
    at_risk: int = Field(description="groups below their floor or costing more than their subscription")
    revenue: float
    ai_cost: float = Field(description="AI cost of the groups listed (attributed)")
    margin: float
    margin_pct: float | None
    unattributed_cost: float | None = Field(
        None, description="without filters: AI cost no telemetry event carries (not in any group)"
    )
    assumptions: list[str] = Field(default_factory=list)


def _months(start: dt.date, end: dt.date) -> list[dt.date]:
    out, m = [], start
    while m < end:
        out.append(m)
        m = add_months(m, 1)
    return out


def _direction(points: list[TrendPoint]) -> Literal["worsening", "improving", "steady", "unknown"]:
    shares = [p.ai_cost_pct_of_revenue for p in points if p.ai_cost_pct_of_revenue is not None]
    if len(shares) < 2:
        return "unknown"
    delta = shares[-1] - shares[0]
    return "worsening" if delta >= TREND_POINTS else "improving" if delta <= -TREND_POINTS else "steady"


def compute(store: Store, p: ProfitabilityInput) -> ProfitabilityResult:
    by = p.by
    plan_filters = [f for f in [*p.filters, *p.cost_filters] if f.dimension.strip().lower() == "plan"]
    cost_filters = [f for f in [*p.filters, *p.cost_filters] if f.dimension.strip().lower() != "plan"]
    with store.reader() as con:
        period = resolve_range(p, con)
        notes = check_coverage(con, period)
        if period.start.day != 1 or (period.end.day != 1 and period.end <= (data_end(con) or period.end)):
            raise InvalidPeriod(
                f"profitability is per calendar month: {period.label} does not start and end on a month "
                "boundary; give a month (2026-10), a quarter or a range of whole months",
                argument="period",
                value=period.label,
            )
        end = period.end if period.end.day == 1 else add_months(period.end.replace(day=1), 1)
        last_month = add_months(end, -1)
        span_start = min(period.start, add_months(last_month, 1 - p.trend_months))
        through = data_end(con)
        cat = catalog(con)
        rev_info = require(cat, p.revenue_metric, "revenue_metric")
        sub_name = normalise(p.subscription_metric) if p.subscription_metric else None
        sub_info = cat.get(sub_name) if sub_name else None
        if sub_name and sub_info is None and sub_name not in ("none", normalise(DEFAULT_SUBSCRIPTION)):
            # a subscription metric the caller named must exist: dropped silently, no customer would be
            # flagged for costing more than it pays (the default name may be absent: a store without one)
            require(cat, p.subscription_metric or "", "subscription_metric")
        if sub_name and sub_info is None and sub_name != "none":
            notes.append(f"no {sub_name} metric in the store: AI cost is not checked against subscriptions")
        currency = target_currency(con, [i for i in (rev_info, sub_info) if i])
        keys = ["customer", "plan", "feature", "team"]
        revenue = metric_values(con, rev_info, span_start, end, "month", keys, p.filters, currency)
        subs = (
            metric_values(con, sub_info, span_start, end, "month", keys, p.filters, currency)
            if sub_info
            else None
        )
        floors = load_floors(con, by) if p.margin_floor_pct is None else []
    notes += revenue.notes
    costs = telemetry_costs(store, span_start, end, "month", ["customer", "feature", "team"], cost_filters)
    notes += costs.notes
    if through is not None and through < end - dt.timedelta(days=1):
        notes.append(
            f"{last_month:%Y-%m} is month to date: the bill runs through {through}, revenue is the whole month's"
        )

    # a customer's plan in a month: the plan on most of its revenue that month
    plan_weight: dict[tuple[dt.date, str], dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for b, (customer, plan, _f, _t), v in [*revenue.rows, *(subs.rows if subs else [])]:
        if customer and plan:
            plan_weight[(b, customer.lower())][plan] += abs(v)
    plan_of = {k: max(w, key=lambda x: (w[x], x)) for k, w in plan_weight.items()}

    def group(
        b: dt.date, customer: str | None, plan: str | None, feature: str | None, team: str | None
    ) -> str | None:
        if by == "plan":
            return plan if plan is not None else plan_of.get((b, customer.lower())) if customer else None
        return {"customer": customer, "feature": feature, "team": team}[by]

    def keep(b: dt.date, customer: str | None, plan: str | None) -> bool:
        the_plan = plan if plan is not None else plan_of.get((b, customer.lower())) if customer else None
        return all(accepts(f, the_plan) for f in plan_filters)

    rev_by: dict[tuple[dt.date, str | None], Decimal] = defaultdict(Decimal)
    names: dict[str | None, str | None] = {}
    for b, (customer, plan, feature, team), v in revenue.rows:
        g = group(b, customer, plan, feature, team)
        rev_by[(b, _k(g))] += v
        names.setdefault(_k(g), g)
    sub_by: dict[tuple[dt.date, str | None], Decimal] = defaultdict(Decimal)
    for b, (customer, plan, feature, team), v in subs.rows if subs else []:
        sub_by[(b, _k(group(b, customer, plan, feature, team)))] += v
    cost_by: dict[tuple[dt.date, str | None], Decimal] = defaultdict(Decimal)
    for b, (customer, feature, team), c in costs.rows:
        if not keep(b, customer, None):
            continue
        g = group(b, customer, None, feature, team)
        cost_by[(b, _k(g))] += c
        names.setdefault(_k(g), g)

    period_months = [m for m in _months(span_start, end) if m >= period.start]
    trend_months = _months(span_start, end)[-p.trend_months :]
    total_rev = sum((v for (b, _), v in rev_by.items() if b >= period.start), Decimal(0))
    total_cost = sum((v for (b, _), v in cost_by.items() if b >= period.start), Decimal(0))
    rows = []
    for k, shown in names.items():
        rev = [rev_by[(m, k)] for m in period_months if (m, k) in rev_by]
        r = sum(rev, Decimal(0)) if rev else None
        sub_vals = [sub_by[(m, k)] for m in period_months if (m, k) in sub_by]
        s = sum(sub_vals, Decimal(0)) if sub_vals else None
        c = sum((cost_by.get((m, k), Decimal(0)) for m in period_months), Decimal(0))
        if r is None and c == 0:
            continue
        rows.append(
            _row(
                shown,
                k,
                r,
                s,
                c,
                total_rev,
                total_cost,
                by,
                p,
                floors,
                plan_of,
                last_month,
                trend_months,
                rev_by,
                cost_by,
            )
        )
    rows.sort(
        key=lambda x: (
            not x.at_risk,
            x.key is None,
            x.margin_pct if x.at_risk and x.margin_pct is not None else 0,
            -x.ai_cost,
            x.key or "",
        )
    )
    if p.top:
        rows = rows[: p.top]
    margin = total_rev - total_cost
    unattributed = None
    if costs.unattributed is not None:
        unattributed = money(sum((v for b, v in costs.unattributed.items() if b >= period.start), Decimal(0)))
    if p.margin_floor_pct is None and not floors:
        notes.append(f"no margin floor is set for {by}s: only AI cost above the subscription is flagged")
    notes.append(
        "margin = revenue - AI cost (the AI bill only; other costs of serving a customer are not in the store)"
    )
    return ProfitabilityResult(
        by=by,
        start=period.start,
        end=end,
        period_label=period.label,
        months=[f"{m:%Y-%m}" for m in period_months],
        currency=currency,
        revenue_metric=rev_info.name,
        subscription_metric=sub_info.name if sub_info else None,
        rows=rows,
        at_risk=sum(1 for x in rows if x.at_risk),
        revenue=money(total_rev) or 0.0,
        ai_cost=money(total_cost) or 0.0,
        margin=money(margin) or 0.0,
        margin_pct=pct(margin, total_rev),
        unattributed_cost=unattributed,
        assumptions=notes,
    )


def _k(value: str | None) -> str | None:
    return value.lower() if value is not None else None


def _row(
    shown: str | None,
    k: str | None,
    r: Decimal | None,
    s: Decimal | None,
    c: Decimal,
    total_rev: Decimal,
    total_cost: Decimal,
    by: str,
    p: ProfitabilityInput,
    floors: list[MarginFloor],
    plan_of: dict[tuple[dt.date, str], str],
    last_month: dt.date,
    trend_months: list[dt.date],
    rev_by: dict[tuple[dt.date, str | None], Decimal],
    cost_by: dict[tuple[dt.date, str | None], Decimal],
) -> ProfitRow:
    plan = plan_of.get((last_month, k)) if by == "customer" and k else None
    margin = r - c if r is not None else None
    margin_pct = pct(margin, r) if r else None
    floor_pct, floor_name = p.margin_floor_pct, None
    if floor_pct is None and k is not None:
        covering = [f for f in floors if f.covers(shown, plan)]
        if covering:
            best = max(covering, key=lambda f: (f.floor_pct, f.name))
            floor_pct, floor_name = best.floor_pct, best.name
    reasons: list[str] = []
    exceeds = k is not None and s is not None and c > s
    if exceeds:
        reasons.append(f"AI cost {c:,.2f} exceeds the subscription {s:,.2f}")
    below = (
        k is not None
        and floor_pct is not None
        and r is not None
        and (margin_pct is None or margin_pct < floor_pct)
    )
    if below:
        reasons.append(
            f"margin {margin_pct:.1f}% is below the {floor_pct:g}% floor"
            if margin_pct is not None
            else f"revenue {r:,.2f} gives no margin to hold to the {floor_pct:g}% floor"
        )
    no_revenue = k is not None and r is None and c > 0
    if no_revenue:
        reasons.append(f"AI cost {c:,.2f} and no {p.revenue_metric} rows")
    trend = []
    for m in trend_months:
        mr = rev_by.get((m, k))
        mc = cost_by.get((m, k), Decimal(0))
        trend.append(
            TrendPoint(
                month=f"{m:%Y-%m}",
                revenue=money(mr),
                ai_cost=money(mc) or 0.0,
                ai_cost_pct_of_revenue=pct(mc, mr) if mr else None,
                margin_pct=pct(mr - mc, mr) if mr else None,
            )
        )
    return ProfitRow(
        key=shown if k is not None else None,
        plan=plan,
        revenue=money(r),
        subscription=money(s),
        ai_cost=money(c) or 0.0,
        margin=money(margin),
        margin_pct=margin_pct,
        ai_cost_pct_of_revenue=pct(c, r) if r else None,
        revenue_share_pct=pct(r, total_rev) if r is not None else None,
        ai_cost_share_pct=pct(c, total_cost),
        floor_pct=floor_pct,
        floor_name=floor_name,
        cost_exceeds_subscription=exceeds,
        below_floor=below,
        no_revenue=no_revenue,
        at_risk=exceeds or below,
        reasons=reasons,
        trend=trend,
        trend_direction=_direction(trend),
    )


@operation("profitability", input_model=ProfitabilityInput, output_model=ProfitabilityResult, chart=True)
def profitability(store: Store, params: ProfitabilityInput) -> ProfitabilityResult:
    """Revenue, AI cost, margin, AI cost as % of revenue and its trend per customer, feature, plan or team; those
    whose AI cost exceeds their subscription or whose margin is below a floor come first."""
    return compute(store, params)
