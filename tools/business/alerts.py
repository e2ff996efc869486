"""The alerts unit economics raises (operation `business_alerts`), each with the owner it goes to; the triage router
(agents/business_alerts.py) delivers them through the same ledger and destinations as anomalies.

- margin floor: a customer (feature, plan, team) whose margin in the last complete month, or the current month to
  date, is below a floor, or whose AI cost exceeds its subscription;
- unit budget: a unit-cost budget over in its latest complete week or month;
- unit anomaly: an unusual run of days in the cost per unit of a metric a unit budget watches.

Owner, the first that is set: the owner map (tools.allocation.owners) of the customer (feature, plan, team) itself;
for a customer, its plan's; the floor's or budget's own owner; the owner of the team (feature) that carries most
of the cost. None: unowned (the router sends it to the default channel).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import ClassVar, Literal

import duckdb
from pydantic import BaseModel, Field
from spendscope.data.errors import InvalidPeriod
from spendscope.data.store import Store
from spendscope.tools.allocation.owners import _CHANNEL, _USER, Owner, owner_for
from spendscope.tools.business.anomalies import UnitAnomalyInput, detect
from spendscope.tools.business.cost_data import telemetry_costs
from spendscope.tools.business.metric_data import catalog, rows_filter_sql
from spendscope.tools.business.profitability import ProfitabilityInput, ProfitRow
from spendscope.tools.business.profitability import compute as profitability
from spendscope.tools.business.targets import MarginFloor, UnitBudget, load_floors, load_unit_budgets, within
from spendscope.tools.business.unit_budgets import evaluate
from spendscope.tools.costs.breakdown import Filter
from spendscope.tools.money_text import money
from spendscope.tools.periods import add_months, data_end
from spendscope.tools.registry import operation

AlertKind = Literal["margin_floor", "unit_budget", "unit_anomaly"]


class AlertOwner(BaseModel):
    owner_key: str | None = Field(None, description="the owner map key that found it (customer, team, ...)")
    owner_value: str | None = None
    slack_channel: str | None = None
    slack_user: str | None = None
    email: str | None = None
    reason: str = Field(description="how the owner was found, or why there is none")


class BusinessAlert(BaseModel):
    alert_id: str = Field(description="stable: the same breach gets the same id on every run")
    kind: AlertKind
    target: str = Field(description="the margin floor or unit budget it is about")
    severity: Literal["low", "medium", "high", "critical"]
    title: str
    summary: str
    dimension: str
    value: str
    start_day: dt.date
    end_day: dt.date
    actual: float = Field(description="the AI cost")
    expected: float = Field(
        description="the AI cost the floor or budget allows (or the usual unit cost gives)"
    )
    impact: float = Field(description="actual - expected")
    drivers: list[str] = Field(default_factory=list)
    owner: AlertOwner


class BusinessAlertsInput(BaseModel):
    # `filters` name business metric rows and cost alike: checked against both (tools/names.py)
    business_filters: ClassVar[tuple[str, ...]] = ("filters",)

    as_of: dt.date | None = Field(None, description="judge data before this day (default today)")
    anomaly_days: int = Field(14, ge=1, le=120, description="unit anomalies touching the last N days of data")
    filters: list[Filter] = Field(
        default_factory=list, description="only floors and budgets whose own scope lies within these filters"
    )


class BusinessAlertsResult(BaseModel):
    as_of: dt.date
    data_through: dt.date | None
    alerts: list[BusinessAlert]
    checked: dict[str, int] = Field(description="margin floors, unit budgets and watched unit series checked")
    notes: list[str] = Field(default_factory=list)


def _id(*parts: object) -> str:
    return hashlib.sha1("|".join(str(p) for p in parts).encode()).hexdigest()[:10]


def _money(x: float) -> str:
    return money(x, digits=2)


def _from_owner(o: Owner, reason: str) -> AlertOwner:
    return AlertOwner(
        owner_key=o.key,
        owner_value=o.value,
        slack_channel=o.slack_channel,
        slack_user=o.slack_user,
        email=o.email,
        reason=reason,
    )


def _from_text(text: str, reason: str) -> AlertOwner:
    """A floor's or budget's own owner (#channel, user or email) as a destination."""
    if _CHANNEL.match(text):
        return AlertOwner(slack_channel=text, owner_value=text, reason=reason)
    if _USER.match(text):
        return AlertOwner(slack_user=text, owner_value=text, reason=reason)
    return AlertOwner(email=text, owner_value=text, reason=reason)


def route(
    con: duckdb.DuckDBPyConnection,
    own: list[tuple[str, str | None]],
    target_owner: str | None,
    target: str,
    carriers: list[tuple[str, str | None]],
) -> AlertOwner:
    """The owner of an alert: the owner map of its own values, the target's owner, then of the carriers."""
    for key, value in own:
        if value and (o := owner_for(con, key, value)) is not None:
            return _from_owner(o, f"owner of {key} {value}")
    if target_owner:
        return _from_text(target_owner, f"owner of {target}")
    for key, value in carriers:
        if value and (o := owner_for(con, key, value)) is not None:
            return _from_owner(o, f"owner of {key} {value}, which carries most of the cost")
    named = ", ".join(f"{k} {v}" for k, v in [*own, *carriers] if v) or "it"
    return AlertOwner(reason=f"no owner is set for {named} and {target} names none")


# ----------------------------------------------------------------------------------------------- margins


def _months_to_check(through: dt.date) -> list[dt.date]:
    """The last complete month and, when the data is inside a month, that month to date."""
    current = through.replace(day=1)
    complete = add_months(current, 1) == through + dt.timedelta(days=1)
    return [current] if complete else [add_months(current, -1), current]


def _carriers(store: Store, f: MarginFloor, row: ProfitRow, month: dt.date) -> tuple[list[str], str | None]:
    """Driver lines (AI cost by feature) and the team carrying most of the group's cost."""
    if row.key is None or f.by == "plan":
        return [], None
    other = "feature" if f.by != "feature" else "team"
    got = telemetry_costs(
        store,
        month,
        add_months(month, 1),
        "month",
        [other, "team"],
        [Filter(dimension=f.by, values=[row.key])],
    )
    by_other: dict[str | None, Decimal] = {}
    by_team: dict[str | None, Decimal] = {}
    for _, (o, team), c in got.rows:
        by_other[o] = by_other.get(o, Decimal(0)) + c
        by_team[team] = by_team.get(team, Decimal(0)) + c
    total = sum(by_other.values(), Decimal(0))
    lines = [
        f"{other} {o or '(none)'}: {_money(float(c))} ({float(c / total * 100):.0f}% of its AI cost)"
        for o, c in sorted(by_other.items(), key=lambda kv: -kv[1])[:3]
        if total
    ]
    team = max((t for t in by_team if t), key=lambda t: by_team[t], default=None)
    return lines, team


def margin_alerts(
    store: Store, floors: list[MarginFloor], through: dt.date, only: list[Filter]
) -> list[BusinessAlert]:
    out = []
    for month in _months_to_check(through):
        for f in floors:
            result = profitability(
                store,
                ProfitabilityInput(
                    by=f.by,
                    period=f"{month:%Y-%m}",
                    as_of=through + dt.timedelta(days=1),
                    revenue_metric=f.revenue_metric,
                    subscription_metric=f.subscription_metric,
                    margin_floor_pct=f.floor_pct,
                    filters=[*f.filters, *only],
                ),
            )
            for row in result.rows:
                if not row.at_risk or row.key is None:
                    continue
                out.append(_margin_alert(store, f, row, month, through, result.currency))
    return out


def _margin_alert(
    store: Store, f: MarginFloor, row: ProfitRow, month: dt.date, through: dt.date, currency: str | None
) -> BusinessAlert:
    revenue = row.revenue or 0.0
    allowed = revenue * (1 - f.floor_pct / 100)
    negative = row.margin is not None and row.margin < 0
    severity = "high" if negative or row.cost_exceeds_subscription else "medium"
    last = min(add_months(month, 1) - dt.timedelta(days=1), through)
    to_date = " to date" if last < add_months(month, 1) - dt.timedelta(days=1) else ""
    lines, team = _carriers(store, f, row, month)
    trend = ", ".join(
        f"{t.month} {t.ai_cost_pct_of_revenue:.0f}%"
        for t in row.trend
        if t.ai_cost_pct_of_revenue is not None
    )
    drivers = [*row.reasons, *lines]
    if trend:
        drivers.append(f"AI cost as % of revenue: {trend} ({row.trend_direction})")
    who = f"{f.by} {row.key}" + (f" ({row.plan} plan)" if row.plan else "")
    margin = f"{row.margin_pct:.0f}%" if row.margin_pct is not None else "no margin"
    summary = (
        f"{who}: AI cost {_money(row.ai_cost)} in {month:%Y-%m}{to_date} against revenue {_money(revenue)}"
        + (f" and a subscription of {_money(row.subscription)}" if row.subscription is not None else "")
        + f"; margin {margin}, floor {f.floor_pct:g}% ({f.name})."
        + (f" {lines[0]}." if lines else "")
        + f" Figures in {currency or 'the billing currency'}."
    )
    with store.reader() as con:
        own = [(f.by, row.key)] + ([("plan", row.plan)] if row.plan and f.by == "customer" else [])
        owner = route(con, own, f.owner, f"margin floor {f.name}", [("team", team)])
    return BusinessAlert(
        alert_id="mf-" + _id(f.name, f.by, row.key, f"{month:%Y-%m}"),
        kind="margin_floor",
        target=f.name,
        severity=severity,  # type: ignore[arg-type]
        title=f"{f.by.capitalize()} {row.key} below the {f.floor_pct:g}% margin floor in {month:%Y-%m}{to_date}: "
        f"AI cost {_money(row.ai_cost)} is {row.ai_cost_pct_of_revenue or 0:.0f}% of revenue",
        summary=summary,
        dimension=f.by,
        value=row.key or "",
        start_day=month,
        end_day=last,
        actual=row.ai_cost,
        expected=round(allowed, 2),
        impact=round(row.ai_cost - allowed, 2),
        drivers=drivers,
        owner=owner,
    )


# ------------------------------------------------------------------------------------------ unit budgets


def _metric_values(con: duckdb.DuckDBPyConnection, b: UnitBudget) -> list[tuple[str, str | None]]:
    """The feature and team the budget's metric is recorded for, when it names one of each."""
    clauses, params = rows_filter_sql(b.filters)
    out = []
    for col in ("feature", "team"):
        rows = con.execute(
            f"SELECT DISTINCT {col} FROM business_metrics m WHERE metric = ? AND {col} IS NOT NULL AND "
            f"{' AND '.join(clauses) or 'true'} LIMIT 2",
            [b.metric, *params],
        ).fetchall()
        if len(rows) == 1:
            out.append((col, rows[0][0]))
    return out


def unit_alerts(
    store: Store, budgets: list[UnitBudget], through: dt.date, only: list[Filter], days: int, notes: list[str]
) -> tuple[list[BusinessAlert], int]:
    out: list[BusinessAlert] = []
    watched = 0
    with store.reader() as con:
        cat = catalog(con)
        owners = {
            b.name: route(con, [], b.owner, f"unit budget {b.name}", _metric_values(con, b)) for b in budgets
        }
    for b in budgets:
        state = evaluate(store, b, through, only)
        x = state.latest
        unit = f"per {b.per:,} " if b.per != 1 else "per "
        unit += (cat[b.metric].unit or "unit").rstrip("s") if b.per == 1 else (cat[b.metric].unit or "units")
        if (
            state.status == "over"
            and x is not None
            and x.cost_per_unit is not None
            and x.used_pct is not None
        ):
            allowed = b.amount / b.per * x.units
            end = x.start + (
                dt.timedelta(days=6)
                if b.grain == "week"
                else add_months(x.start, 1) - x.start - dt.timedelta(days=1)
            )
            out.append(
                BusinessAlert(
                    alert_id="ub-" + _id(b.name, x.start),
                    kind="unit_budget",
                    target=b.name,
                    severity="high" if x.used_pct >= 150 else "medium",
                    title=f"{b.metric.replace('_', ' ')}: cost {unit} {_money(x.cost_per_unit)} in {x.period}, over "
                    f"the {_money(b.amount)} budget ({x.used_pct:.0f}%)",
                    summary=f"Cost {unit} was {_money(x.cost_per_unit)} in {x.period} ({_money(x.cost)} over "
                    f"{x.units:,.0f} {cat[b.metric].unit or 'units'}), against the unit budget {b.name} of "
                    f"{_money(b.amount)}: {_money(x.cost - allowed)} more than the budget allows at that volume.",
                    dimension="unit_budget",
                    value=b.name,
                    start_day=x.start,
                    end_day=end,
                    actual=x.cost,
                    expected=round(allowed, 2),
                    impact=round(x.cost - allowed, 2),
                    drivers=[
                        f"{p.period}: {_money(p.cost_per_unit)} ({p.used_pct:.0f}%)"
                        for p in state.points
                        if p.cost_per_unit is not None and p.used_pct is not None
                    ][-4:],
                    owner=owners[b.name],
                )
            )
        if "day" not in cat[b.metric].grains:
            notes.append(f"unit budget {b.name}: {b.metric} has no daily values, so its days are not scanned")
            continue
        watched += 1
        found = detect(
            store,
            UnitAnomalyInput(
                metric=b.metric,
                per=b.per,
                match_on=b.match_on,
                filters=[*b.filters, *only],
                cost_filters=b.cost_filters,
                days=days,
                as_of=through + dt.timedelta(days=1),
            ),
        )
        for a in found.anomalies:
            out.append(
                BusinessAlert(
                    alert_id=a.anomaly_id,
                    kind="unit_anomaly",
                    target=b.name,
                    severity=a.severity,
                    title=f"{'Spike' if a.direction == 'spike' else 'Drop'} in cost {unit}: "
                    f"{_money(a.expected_cost_per_unit)} -> {_money(a.cost_per_unit)} "
                    f"({a.relative_pct or 0:+.0f}%) from {a.start_day}",
                    summary=a.explanation[0].upper() + a.explanation[1:] + ".",
                    dimension="unit_cost",
                    value=b.metric,
                    start_day=a.start_day,
                    end_day=a.end_day,
                    actual=a.cost,
                    expected=round(a.cost - a.impact, 2),
                    impact=a.impact,
                    drivers=[
                        f"last 7 days {_money(w.last_7_days)} vs {_money(w.weeks_before)} the 4 weeks before "
                        f"({w.change_pct:+.0f}%)"
                        for w in found.week_on_week
                        if w.last_7_days is not None
                        and w.weeks_before is not None
                        and w.change_pct is not None
                    ],
                    owner=owners[b.name],
                )
            )
    return out, watched


@operation("business_alerts", input_model=BusinessAlertsInput, output_model=BusinessAlertsResult)
def business_alerts(store: Store, params: BusinessAlertsInput) -> BusinessAlertsResult:
    """Margin-floor breaches (customers costing more than they pay or below a margin floor), unit budgets over and
    unusual unit costs, each with the owner it is routed to. Read-only: the triage router delivers them."""
    as_of = params.as_of or dt.date.today()
    with store.reader() as con:
        last = data_end(con)
        floors = [f for f in load_floors(con) if within(f.filters, params.filters)]
        budgets = [b for b in load_unit_budgets(con) if within([*b.filters, *b.cost_filters], params.filters)]
    if last is None:
        raise InvalidPeriod("the store holds no cost data yet; import some first")
    through = min(last, as_of - dt.timedelta(days=1))
    notes: list[str] = []
    alerts = margin_alerts(store, floors, through, params.filters) if floors else []
    units, watched = unit_alerts(store, budgets, through, params.filters, params.anomaly_days, notes)
    rank = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    alerts = sorted([*alerts, *units], key=lambda a: (rank[a.severity], -abs(a.impact), a.alert_id))
    if not floors:
        notes.append("no margin floor is set (spendscope metrics floor set)")
    return BusinessAlertsResult(
        as_of=as_of,
        data_through=last,
        alerts=alerts,
        checked={"margin_floors": len(floors), "unit_budgets": len(budgets), "unit_series": watched},
        notes=notes,
    )
