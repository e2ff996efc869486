"""Savings, anomalies, budgets and idle GPUs asked of Billy (split from delegate.py): each answered by its
operation through tools.invoke (`savings_recommendations`, the read-only `scan_anomalies`, `budget_status`,
`gpu_utilization`), phrased in the store's billing currency."""

from __future__ import annotations

import importlib
from typing import Any

from spendscope.agents.billy.delegate_calls import call as _call
from spendscope.agents.billy.delegate_calls import operation_input as _input
from spendscope.agents.billy.models import BillyAnswer, Plan, Table, ToolCall
from spendscope.agents.billy.phrasing import money, pct, period_phrase, scope_phrase
from spendscope.data.store import Store
from spendscope.tools.costs.breakdown import Filter


def _owner_tag(store: Store) -> dict[str, str]:
    """The operations' `team_tag` (default 'team') as the store's own owner key: 'owner', 'cost_center', or one
    named in another language and found by its values (a store with no 'team' key failed "unknown dimension")."""
    from spendscope.agents.billy.groups import ownership_key
    from spendscope.agents.billy.resolve import load_index

    key = ownership_key(load_index(store)[0])
    return {"team_tag": key} if key else {}


def savings(store: Store, plan: Plan, filters: list[Filter], calls: list[ToolCall]) -> BillyAnswer:
    mod = importlib.import_module("spendscope.tools.optimize.savings")
    rng: dict[str, Any] = {}
    if plan.period is not None and "(all data)" not in plan.period.label:
        rng = {"start": plan.period.start, "end": plan.period.last}
    res = _call(
        calls, "savings_recommendations", store, _input(mod.SavingsInput, filters, **rng, **_owner_tag(store))
    )
    recs = [r for r in res.recommendations if r.monthly_saving]
    if not recs:
        text = f"No saving above the threshold was found {period_phrase(plan.period)}."
    else:
        top = recs[0]
        text = (
            f"{money(res.total_monthly_saving)} per month could be saved across {len(recs)} recommendations; "
            f"the largest: {top.title} ({money(top.monthly_saving)} per month). Action: {top.action}"
        )
    rows = [
        [r.kind, r.title, r.monthly_saving, r.monthly_cost, r.confidence] for r in res.recommendations[:20]
    ]
    return BillyAnswer(
        answer=text,
        value=round(res.total_monthly_saving, 2),
        table=Table(
            columns=["kind", "recommendation", "monthly_saving", "monthly_cost", "confidence"], rows=rows
        ),
    )


def anomalies(store: Store, plan: Plan, filters: list[Filter], calls: list[ToolCall]) -> BillyAnswer:
    mod = importlib.import_module("spendscope.tools.governance.anomalies")
    days = 14
    as_of = plan.as_of
    span = f"the last {days} days"
    if plan.period is not None and "(all data)" not in plan.period.label:
        days = max(min((plan.period.end - plan.period.start).days, 366), 1)
        as_of = plan.period.end
        span = plan.period.label
    params = mod.ScanInput(days=days, as_of=as_of, filters=filters)
    res = _call(calls, "scan_anomalies", store, params)
    found = res.anomalies
    if not found:
        text = f"0 anomalies: nothing unusual in {span} of data" + (f" before {as_of}." if as_of else ".")
        value: Any = 0
    else:
        a = found[0]
        when = str(a.start_day) if a.start_day == a.end_day else f"{a.start_day} to {a.end_day}"
        text = (
            f"{len(found)} anomal{'y' if len(found) == 1 else 'ies'} in {span}; the largest: "
            f"{a.dimension} {a.value} {'up' if a.impact > 0 else 'down'} {money(abs(a.impact))} on {when} "
            f"(expected {money(a.expected)}, actual {money(a.actual)}){_anomaly_drivers(a)}."
        )
        value = len(found)
    rows = [
        [a.dimension, a.value, a.start_day.isoformat(), a.end_day.isoformat(), round(a.impact, 2), a.severity]
        for a in found[:25]
    ]
    return BillyAnswer(
        answer=text,
        value=value,
        table=Table(columns=["dimension", "value", "start", "end", "impact", "severity"], rows=rows),
    )


def _anomaly_drivers(a: Any) -> str:
    """What drove an anomaly, from its root cause (written here, in the store's billing currency)."""
    from spendscope.tools.governance.anomaly_detection import top_drivers

    drivers = top_drivers(a.root_cause or [], a.direction)
    return ("; driven by " if drivers else "") + ", ".join(
        f"{d.dimension.replace('_', ' ')} {d.value} ({'+' if d.impact >= 0 else '-'}{money(abs(d.impact))}"
        + (f", {d.share_pct:.0f}%" if d.share_pct is not None else "")
        + ")"
        for d in drivers
    )


def budget(store: Store, plan: Plan, filters: list[Filter], calls: list[ToolCall]) -> BillyAnswer:
    mod = importlib.import_module("spendscope.tools.governance.budgets")
    res = _call(calls, "budget_status", store, _input(mod.BudgetStatusInput, filters, as_of=plan.as_of))
    if not res.budgets:
        return BillyAnswer(
            answer="No budgets are set yet; add one with `spendscope budgets set`.", value=None
        )
    worst = sorted(res.budgets, key=lambda b: -b.projected_pct)
    b = worst[0]
    text = (
        f"{pct(b.used_pct)} of the {b.budget.name} budget ({money(b.spent)} of {money(float(b.budget.amount))}) is "
        f"spent for {b.period_label}; projected {pct(b.projected_pct)} ({money(b.projected)}), status {b.status}."
    )
    if len(worst) > 1:
        text += f" {sum(1 for x in worst if x.status in ('over', 'forecast_over'))} of {len(worst)} budgets are over or forecast over."
    rows = [
        [
            x.budget.name,
            x.period_label,
            round(x.spent, 2),
            float(x.budget.amount),
            round(x.used_pct, 2),
            round(x.projected_pct, 2),
            x.status,
        ]
        for x in worst
    ]
    return BillyAnswer(
        answer=text,
        value=round(b.used_pct, 2),
        table=Table(
            columns=["budget", "period", "spent", "amount", "used_pct", "projected_pct", "status"], rows=rows
        ),
    )


def gpu_idle(store: Store, plan: Plan, filters: list[Filter], calls: list[ToolCall]) -> BillyAnswer:
    mod = importlib.import_module("spendscope.tools.optimize.gpu")
    rng: dict[str, Any] = {}
    if plan.period is not None:
        rng = {"start": plan.period.start, "end": plan.period.last}
    res = _call(calls, "gpu_utilization", store, _input(mod.GpuInput, filters, **rng))
    t = res.total
    when = period_phrase(plan.period)
    if not t.monitored_hours and not t.cost:
        # no GPU instance on the bill and no samples: nothing to call idle, and no 0.00 that reads as a measured zero
        text = (
            f"No row of this bill is a GPU instance of a known type {when} and no GPU utilisation samples cover "
            "it, so there is no GPU idle time to cost (import GPU metrics with `spendscope import gpu` if GPU "
            "boxes are billed under another name)."
        )
        value: Any = None
    elif not t.monitored_hours:
        text = (
            f"{money(t.cost)} of GPU instance cost {when}, but no GPU utilisation samples cover it, so idle time "
            "is unknown (import GPU metrics with `spendscope import gpu`)."
        )
        value = None
    else:
        named = scope_phrase([f for f in filters if f.dimension != "gpu_count"])
        text = (
            f"{money(t.idle_cost)} of GPU cost{' for ' + named if named else ''} was idle {when} "
            f"({pct(t.idle_cost_pct)} of the monitored GPU cost; "
            f"average utilisation {pct(t.avg_utilization_pct)})."
        )
        value = round(t.idle_cost, 2)
    rows = [
        [
            i.month,
            i.instance_name or i.instance_id,
            i.team,
            round(i.cost, 2),
            None if i.idle_cost is None else round(i.idle_cost, 2),
            None if i.avg_utilization_pct is None else round(i.avg_utilization_pct, 1),
        ]
        for i in res.instances[:25]
    ]
    return BillyAnswer(
        answer=text,
        value=value,
        table=Table(columns=["month", "instance", "team", "cost", "idle_cost", "avg_util_pct"], rows=rows),
    )
