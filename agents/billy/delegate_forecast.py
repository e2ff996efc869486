"""Forecast questions (split from delegate.py): a named period still to come ("forecast for february", "what will
we spend next quarter"), the next N days or weeks, a past period named without a year (read as the next one) or
with one (its actual spend), answered by `forecast_costs` through tools.invoke."""

from __future__ import annotations

import datetime as dt
import importlib
import re
from typing import Any

from spendscope.agents.billy import charts
from spendscope.agents.billy.delegate_calls import call as _call
from spendscope.agents.billy.models import BillyAnswer, PeriodRef, Plan, Table, ToolCall
from spendscope.agents.billy.phrasing import money, scope_phrase
from spendscope.data.errors import SpendscopeError
from spendscope.data.store import Store
from spendscope.tools.costs.breakdown import Filter
from spendscope.tools.periods import add_months, days_to_month_end, whole_period


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


def forecast(store: Store, plan: Plan, filters: list[Filter], calls: list[ToolCall]) -> BillyAnswer:
    mod = importlib.import_module("spendscope.tools.governance.forecast")
    today = plan.as_of or dt.date.today()
    named = _whole(plan.period, today)
    ahead = named if named is not None and named.end > today + dt.timedelta(days=1) else None
    if ahead is None or "(all data)" in ahead.label:
        ahead = _next_period(plan.question, today)
    note = ""
    if ahead is None and plan.period is not None and "(all data)" not in plan.period.label:
        if re.search(r"\b(19|20)\d\d\b", plan.question):  # "forecast for december 2026": a year named
            return _already_happened(store, plan, filters, calls, today)
        ahead, note = _year_later(store, plan, filters, calls, today)
    begin, stale = forecast_start(plan, today)
    horizon = _horizon(plan.question, today)
    if ahead is None and begin < today:  # stale data: "the next 2 weeks" are still the 14 days from today
        ahead = PeriodRef(
            start=today,
            end=today + dt.timedelta(days=horizon),
            label=f"the next {horizon} days",
        )
    if ahead is not None:  # a named period still to come: forecast through its end, report that period
        horizon = max((ahead.end - begin).days, 1)
        if horizon > 366:
            return BillyAnswer(
                answer=f"I can't forecast {ahead.label}: a forecast reaches at most 366 days past the data's end "
                f"(to {begin + dt.timedelta(days=365)}), and {ahead.label} ends on {ahead.last}.",
                value=None,
            )
    note = "; ".join(n for n in (note, stale) if n)
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


def _whole(period: PeriodRef | None, today: dt.date) -> PeriodRef | None:
    """A forecast of "this quarter" / "this year" is of the whole period, not of its days to date."""
    if period is None:
        return None
    whole = whole_period(period.start, period.label, today)
    return PeriodRef(start=whole.start, end=whole.end, label=whole.label) if whole is not None else period


def forecast_start(plan: Plan, today: dt.date) -> tuple[dt.date, str]:
    """The first forecast day (the day after the data ends, which is today when the data runs to yesterday) and,
    when the data stops earlier, how stale it is: the days between are forecast, not actual."""
    end = plan.data_end
    if end is None or end >= today - dt.timedelta(days=1):
        return today, ""
    missing = (today - end).days - 1
    return end + dt.timedelta(days=1), (
        f"the data ends {end}, {missing} day{'s' if missing != 1 else ''} before today ({today}), so the "
        f"forecast runs from {end + dt.timedelta(days=1)}"
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
    """The forecast of a named period, with the forecast's interval of that period's total (`period_total`: not
    the daily bounds added up). A period that has begun lands at its actual spend so far + the forecast of its
    remaining days, like the month-end landing."""
    points = [p for p in res.points if period.start <= p.day < period.end]
    part = res.period_total
    total = part.total if part is not None else sum(p.value for p in points)
    first, last = (part.start, part.end) if part is not None else (period.start, period.last)
    if part is not None:
        rng = f"{res.level:g}% interval of the total {money(part.lower)} to {money(part.upper)}"
    else:  # no forecast day falls in the period
        rng = "no forecast day falls in it"
    fitted = f"Assumed: model {res.model}, fitted on {res.history_start} to {res.history_end}"
    fitted += f"{'; ' + note if note else ''}."
    if part is not None and part.actual_days > 0:
        remaining = (part.end - part.forecast_start).days + 1 if part.forecast_start else 0
        text = (
            f"{period.label}{' for ' + scope if scope else ''} is on track to land at about {money(total)} "
            f"({rng}): {money(part.actual)} actual from {first} through {res.history_end} plus a forecast of "
            f"{money(part.forecast)} for the remaining {remaining} day{'s' if remaining != 1 else ''} "
            f"({part.forecast_start} to {last}). {fitted}"
        )
    else:
        text = (
            f"{money(total)} is the forecast{' for ' + scope if scope else ''} for {period.label} ({first} to "
            f"{last}; {rng}). {fitted}"
        )
    rows = [[p.day.isoformat(), round(p.value, 2), round(p.lower, 2), round(p.upper, 2)] for p in points]
    chart = charts.line([{"day": r[0], "value": r[1]} for r in rows], "day", res.measure, "forecast")
    return BillyAnswer(
        answer=text,
        value=round(total, 2),
        chart=chart,
        table=Table(columns=["day", "forecast", "lower", "upper"], rows=rows),
    )
