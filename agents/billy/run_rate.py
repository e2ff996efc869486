"""The run rate ("whats the run rate", "our monthly run rate for anthropic", "annual run rate"): the month's
actual so far over the days the data holds of it, projected over the whole month at that daily pace (and times
twelve for a year), saying how. No forecast model: a run rate is the current pace, which is what the word asks
(where the month lands, with a model, is the landing)."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

from spendscope.agents.billy.models import BillyAnswer, PeriodRef, Plan, Table
from spendscope.agents.billy.phrasing import money, scope_phrase
from spendscope.agents.billy.runner import assumed, query

if TYPE_CHECKING:
    from spendscope.agents.billy.resolve import ValueIndex
    from spendscope.agents.billy.runner import Runner

RUN_RATE = re.compile(r"\brun[- ]?rate\b|\brunrate\b")
_YEARLY = re.compile(r"\b(annual\w*|yearly|per year|a year|arr|annualized|annualised)\b")


def _month_end(d: dt.date) -> dt.date:
    return (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def month_of(plan: Plan) -> PeriodRef | None:
    """The month the pace is read from: the month named, else the month the data's last day falls in (this month
    while the data runs to yesterday)."""
    end = plan.data_end
    p = plan.period
    if p is not None and "(all data)" not in p.label:
        start = p.start.replace(day=1)
    elif end is not None:
        start = end.replace(day=1)
    else:
        return None
    stop = _month_end(start)
    if p is not None and "(all data)" not in p.label and p.start.day == 1 and p.last >= stop:
        # "monthly run rate in q4": a period of several months is paced over all of them (October's month
        # alone was stated as Q4's run rate)
        return PeriodRef(start=start, end=_month_end(p.last), label=p.label)
    return PeriodRef(start=start, end=stop, label=start.strftime("%B %Y"))


def _months(p: PeriodRef) -> int:
    return (p.end.year - p.start.year) * 12 + p.end.month - p.start.month


def answer(run: Runner, plan: Plan, index: ValueIndex) -> BillyAnswer:
    month = month_of(plan)
    if month is None:
        return BillyAnswer(answer="There is no cost data to read a run rate from.", value=None)
    last = min(month.last, plan.data_end or month.last)
    note = ["run rate = this month's daily pace so far times the days in the month (no forecast model)"]
    if _months(month) > 1:
        note = ["run rate = the period's daily pace times its days over its months (no forecast model)"]
    partial = index.catalog.last_day_partial
    if partial and last == index.catalog.last_day and last > month.start:
        # a day still accruing would slow the pace (data.newest_day): read it through the day before
        last -= dt.timedelta(days=1)
        note.append(f"{partial}; the pace is read through {last}")
    first = index.catalog.first_day
    begins = first if first is not None and month.start < first <= last else month.start
    if begins != month.start:
        # "monthly run rate for q3" when the data starts inside Q3: the pace of the days held, and where the data
        # starts (the held days' cost over the whole period's days understated the pace)
        note.append(f"the data starts on {begins}: the pace is of the days held from then")
    held = PeriodRef(start=begins, end=last + dt.timedelta(days=1), label=month.label)
    days = (held.end - held.start).days
    actual = query(run, plan.model_copy(update={"period": held, "measure": "cost"})).total
    if days <= 0 or not actual:
        return BillyAnswer(
            answer=f"No spend is recorded in {month.label} to read a run rate from.", value=None
        )
    length = (month.end - month.start).days
    months = _months(month)
    pace = actual / days
    monthly = pace * length / months
    scope = scope_phrase(plan.filters)
    of = f" for {scope}" if scope else ""
    since = f" (the data starts on {begins})" if begins != month.start else ""
    how = (
        f"{money(actual)} over the {days} day{'s' if days != 1 else ''} of {month.label}{since} through {last} is "
        f"{money(pace)} a day; times the month's {length} days"
        if months == 1
        else f"{money(actual)} over the {days} day{'s' if days != 1 else ''} of {month.label}{since} through {last} is "
        f"{money(pace)} a day; times its {length} days over its {months} months (its average month)"
    )
    if _YEARLY.search(plan.question.lower()):
        text = (
            f"The annual run rate{of} is about {money(monthly * 12)}: {how} that is {money(monthly)} a month, "
            "times 12."
        )
        value = round(monthly * 12, 2)
    else:
        text = f"The run rate{of} is about {money(monthly)} a month ({month.label}): {how}."
        value = round(monthly, 2)
    return BillyAnswer(
        answer=text + assumed(plan.model_copy(update={"period": held}), note),
        value=value,
        table=Table(
            columns=["month", "actual", "days", "per_day", "monthly_run_rate"],
            rows=[[month.label, round(actual, 2), days, round(pace, 2), round(monthly, 2)]],
        ),
    )
