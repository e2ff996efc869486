"""Questions answered by the richer analytics operations when they are installed: forecasts
(tools.governance.forecast), savings (tools.optimize.savings), anomalies (tools.governance.anomalies' read-only
scan_anomalies: Billy never writes), budgets (tools.governance.budgets) and idle GPUs (tools.optimize.gpu). Each
module is imported only when its question is asked (statsmodels loads with the forecast, not before)."""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import re
from typing import Any

from spendscope.agents.billy import charts
from spendscope.agents.billy.models import BillyAnswer, PeriodRef, Plan, Table, ToolCall
from spendscope.agents.billy.phrasing import money, pct, period_phrase, scope_phrase
from spendscope.data.errors import InvalidArgument, SpendscopeError
from spendscope.data.store import Store
from spendscope.tools.access import LOCAL, Caller
from spendscope.tools.costs.breakdown import Filter
from spendscope.tools.invoke import invoke
from spendscope.tools.periods import add_months, days_to_month_end

MODULES = {
    "forecast": "spendscope.tools.governance.forecast",
    "savings": "spendscope.tools.optimize.savings",
    "anomalies": "spendscope.tools.governance.anomalies",
    "budget": "spendscope.tools.governance.budgets",
    "gpu_idle": "spendscope.tools.optimize.gpu",
}


def available(intent: str) -> bool:
    name = MODULES.get(intent)
    try:
        return name is not None and importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


class Calls(list[ToolCall]):
    """The operation calls of one answer, and the caller they run as."""

    def __init__(self, caller: Caller) -> None:
        super().__init__()
        self.caller = caller


def _call(calls: list[ToolCall], name: str, store: Store, params: Any) -> Any:
    """Run a registered operation by name through `tools.invoke` as the question's caller, so the caller's
    permission and row scope apply exactly as on every other surface."""
    record = ToolCall(name=name, input=params.model_dump(mode="json", exclude_defaults=True))
    calls.append(record)
    try:
        return invoke(store, name, params, getattr(calls, "caller", LOCAL))
    except Exception as exc:
        record.error = getattr(exc, "code", "operation_failed")
        raise


def run(store: Store, plan: Plan, caller: Caller = LOCAL) -> BillyAnswer:
    """Answer a delegated intent with operations run as `caller`; an operation the caller's scope cannot limit
    is refused by tools.invoke (PermissionDenied), never run company-wide."""
    calls = Calls(caller)
    handler = {
        "forecast": _forecast,
        "savings": _savings,
        "anomalies": _anomalies,
        "budget": _budget,
        "gpu_idle": _gpu_idle,
    }[plan.intent]
    try:
        answer = handler(store, plan, list(plan.filters), calls)
    except SpendscopeError:
        raise
    except Exception as exc:  # a failing analytics operation must not take the question down with it
        name = calls[-1].name if calls else plan.intent
        answer = BillyAnswer(
            answer=f"I could not answer that: the {name} operation failed ({type(exc).__name__})."
        )
    answer.tools = list(calls)
    return answer


def _horizon(question: str, today: dt.date) -> int:
    """Days to forecast from `today`, as the question says (date arithmetic from tools.periods)."""
    low = question.lower()
    m = re.search(r"next (\d+) (day|week|month)s?", low)
    if m:
        return int(m.group(1)) * {"day": 1, "week": 7, "month": 30}[m.group(2)]
    if re.search(r"\b(rest|end) of (the |this )?month\b", low):
        return max(days_to_month_end(today), 1)
    if re.search(r"\bnext month\b", low):
        return days_to_month_end(today) + days_to_month_end(add_months(today.replace(day=1), 1))
    if re.search(r"\bnext week\b", low):
        return 7
    return 30


def _input(model: Any, filters: list[Filter], **kw: Any) -> Any:
    """The operation's input with the question's filters when it takes `filters`; a filter the operation cannot
    apply is refused here (a figure for more than was asked would be wrong), never silently dropped."""
    if "filters" in model.model_fields:
        return model(filters=filters, **kw)
    if filters:
        raise InvalidArgument(
            f"this figure cannot be limited to {scope_phrase(filters)} yet (the operation takes no filters)"
        )
    return model(**kw)


def _forecast(store: Store, plan: Plan, filters: list[Filter], calls: list[ToolCall]) -> BillyAnswer:
    mod = importlib.import_module("spendscope.tools.governance.forecast")
    today = plan.as_of or dt.date.today()
    ahead = (
        plan.period if plan.period is not None and plan.period.end > today + dt.timedelta(days=1) else None
    )
    if ahead is None or "(all data)" in ahead.label:
        ahead = _next_period(plan.question, today)
    note = ""
    if ahead is None and plan.period is not None and "(all data)" not in plan.period.label:
        if re.search(r"\b(19|20)\d\d\b", plan.question):  # "forecast for december 2026": a year named
            return _already_happened(store, plan, filters, calls, today)
        ahead, note = _year_later(store, plan, filters, calls, today)
    horizon = _horizon(plan.question, today)
    if ahead is not None:  # a named period still to come: forecast through its end, report that period
        horizon = max((ahead.end - today).days, 1)
        if horizon > 366:
            return BillyAnswer(
                answer=f"I can't forecast {ahead.label}: a forecast reaches at most 366 days ahead (to "
                f"{today + dt.timedelta(days=365)}), and {ahead.label} ends on {ahead.last}.",
                value=None,
            )
    params = mod.ForecastInput(
        filters=filters,
        measure=plan.measure if plan.measure != "tokens" else "cost",
        horizon=horizon,
        as_of=plan.as_of,
        period_start=ahead.start if ahead is not None else None,
    )
    res = _call(calls, "forecast_costs", store, params)
    scope = scope_phrase(plan.filters)
    if ahead is not None:
        return _forecast_of_period(res, ahead, scope, note)
    text = (
        f"{money(res.total)} is the forecast{' for ' + scope if scope else ''} from {res.start} to {res.end} "
        f"({res.level:g}% interval {money(res.total_lower)} to {money(res.total_upper)}; the 30 days before "
        f"cost {money(res.history_total_last_30d)}). Assumed: model {res.model}, fitted on {res.history_start} "
        f"to {res.history_end}."
    )
    rows = [[p.day.isoformat(), round(p.value, 2), round(p.lower, 2), round(p.upper, 2)] for p in res.points]
    chart = charts.line([{"day": r[0], "value": r[1]} for r in rows], "day", res.measure, "forecast")
    return BillyAnswer(
        answer=text,
        value=round(res.total, 2),
        chart=chart,
        table=Table(columns=["day", "forecast", "lower", "upper"], rows=rows),
    )


def _year_later(
    store: Store, plan: Plan, filters: list[Filter], calls: list[ToolCall], today: dt.date
) -> tuple[PeriodRef, str]:
    """ "forecast for december" in January: a forecast is of days to come, so a period named without a year that
    is already past is read as the same period a year later; the note gives the past one's actual when the data
    holds it."""
    from spendscope.tools.costs.breakdown import CostQueryInput

    p = plan.period
    assert p is not None
    later = PeriodRef(
        start=add_months(p.start, 12),
        end=add_months(p.end, 12),
        label=p.label.replace(str(p.start.year), str(p.start.year + 1)),
    )
    note = f"{p.label.split(' so far')[0]} is past, so '{plan.question}' is read as {later.label}"
    try:
        res = _call(calls, "query_costs", store, CostQueryInput(filters=filters, start=p.start, end=p.last))
    except SpendscopeError:
        return later, note
    if not res.total:  # the past one is not in the data ("forecast for july" in May): nothing to contrast
        return later, ""
    return later, note + f" ({p.start} to {p.last} actually cost {money(res.total)})"


def _already_happened(
    store: Store, plan: Plan, filters: list[Filter], calls: list[ToolCall], today: dt.date
) -> BillyAnswer:
    """ "forecast for december" when December is behind us: its actual spend, said as such (a forecast only
    covers the days after the data ends)."""
    from spendscope.tools.costs.breakdown import CostQueryInput

    p = plan.period
    assert p is not None
    measure = plan.measure if plan.measure != "tokens" else "cost"
    res = _call(
        calls,
        "query_costs",
        store,
        CostQueryInput(filters=filters, measure=measure, start=p.start, end=p.last),
    )
    scope = scope_phrase(plan.filters)
    return BillyAnswer(
        answer=f"{p.label} is already past (today is {today}), so there is nothing to forecast: its actual spend"
        f"{' on ' + scope if scope else ''} was {money(res.total)} ({p.start} to {p.last}). A forecast covers the "
        f'days after the data ends; ask for a period still to come, e.g. "forecast next month".',
        value=round(res.total, 2),
    )


def _next_period(question: str, today: dt.date) -> PeriodRef | None:
    """ "next month / quarter / year": that whole calendar period (date arithmetic from tools.periods)."""
    m = re.search(r"\bnext (month|quarter|year)\b", question.lower())
    if m is None:
        return None
    first = today.replace(day=1)
    if m.group(1) == "month":
        start, months = add_months(first, 1), 1
    elif m.group(1) == "quarter":
        start, months = add_months(first.replace(month=(today.month - 1) // 3 * 3 + 1), 3), 3
    else:
        start, months = dt.date(today.year + 1, 1, 1), 12
    end = add_months(start, months)
    label = {
        1: start.strftime("%B %Y"),
        3: f"Q{(start.month - 1) // 3 + 1} {start.year}",
        12: str(start.year),
    }[months]
    return PeriodRef(start=start, end=end, label=label)


def _forecast_of_period(res: Any, period: Any, scope: str, note: str = "") -> BillyAnswer:
    """The forecast of a named period still to come (the part of it not yet in the data), with the forecast's
    interval of that period's total (`period_total`: not the daily bounds added up)."""
    points = [p for p in res.points if period.start <= p.day < period.end]
    part = res.period_total
    total = part.total if part is not None else sum(p.value for p in points)
    first, last = (part.start, part.end) if part is not None else (period.start, period.last)
    if part is not None:
        rng = f"{res.level:g}% interval of the total {money(part.lower)} to {money(part.upper)}"
    else:  # no forecast day falls in the period
        rng = "no forecast day falls in it"
    text = (
        f"{money(total)} is the forecast{' for ' + scope if scope else ''} for {period.label} ({first} to "
        f"{last}; {rng}). Assumed: model {res.model}, fitted on {res.history_start} to "
        f"{res.history_end}{'; ' + note if note else ''}."
    )
    rows = [[p.day.isoformat(), round(p.value, 2), round(p.lower, 2), round(p.upper, 2)] for p in points]
    chart = charts.line([{"day": r[0], "value": r[1]} for r in rows], "day", res.measure, "forecast")
    return BillyAnswer(
        answer=text,
        value=round(total, 2),
        chart=chart,
        table=Table(columns=["day", "forecast", "lower", "upper"], rows=rows),
    )


def _savings(store: Store, plan: Plan, filters: list[Filter], calls: list[ToolCall]) -> BillyAnswer:
    mod = importlib.import_module("spendscope.tools.optimize.savings")
    rng: dict[str, Any] = {}
    if plan.period is not None and "(all data)" not in plan.period.label:
        rng = {"start": plan.period.start, "end": plan.period.last}
    res = _call(calls, "savings_recommendations", store, _input(mod.SavingsInput, filters, **rng))
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


def _anomalies(store: Store, plan: Plan, filters: list[Filter], calls: list[ToolCall]) -> BillyAnswer:
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


def _budget(store: Store, plan: Plan, filters: list[Filter], calls: list[ToolCall]) -> BillyAnswer:
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


def _gpu_idle(store: Store, plan: Plan, filters: list[Filter], calls: list[ToolCall]) -> BillyAnswer:
    mod = importlib.import_module("spendscope.tools.optimize.gpu")
    rng: dict[str, Any] = {}
    if plan.period is not None:
        rng = {"start": plan.period.start, "end": plan.period.last}
    res = _call(calls, "gpu_utilization", store, _input(mod.GpuInput, filters, **rng))
    t = res.total
    when = period_phrase(plan.period)
    if not t.monitored_hours:
        text = (
            f"{money(t.cost)} of GPU instance cost {when}, but no GPU utilisation samples cover it, so idle time "
            "is unknown (import GPU metrics with `spendscope import gpu`)."
        )
        value: Any = None
    else:
        text = (
            f"{money(t.idle_cost)} of GPU cost was idle {when} ({pct(t.idle_cost_pct)} of the monitored GPU cost; "
            f"average utilisation {pct(t.avg_utilization_pct)})."
        )
        value = round(t.idle_cost, 2)
    rows = [
        [
            i.month,
            i.instance_name or i.instance_id,
            i.team,
            round(i.cost, 2),
            round(i.idle_cost, 2),
            None if i.avg_utilization_pct is None else round(i.avg_utilization_pct, 1),
        ]
        for i in res.instances[:25]
    ]
    return BillyAnswer(
        answer=text,
        value=value,
        table=Table(columns=["month", "instance", "team", "cost", "idle_cost", "avg_util_pct"], rows=rows),
    )
