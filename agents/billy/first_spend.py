"""When the named rows' spend began: "when did we start using gpt-5" (the first day with spend, said as a date),
and "since it started" / "since launch" (the period from that day to the data's end, in place of a default period).
The first day is a `query_costs` by day over all the data; nothing is guessed when the rows hold no spend."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import TYPE_CHECKING

from spendscope.agents.billy.models import BillyAnswer, PeriodRef, Plan, Table
from spendscope.agents.billy.phrasing import money, scope_phrase
from spendscope.agents.billy.runner import Runner, assumed, query

if TYPE_CHECKING:
    from spendscope.agents.billy.resolve import ValueIndex

_PRONOUN = r"(?:it|we|they|that|this|those|these|he|she)"
# "since it started", "since we began using it", "since launch", "since its first day", "since it went live"
SINCE_START = re.compile(
    rf"\bsince (?:{_PRONOUN} )?(?:first )?(?:start(?:ed)?|began|begun|launch(?:ed)?|went live|go[- ]live|"
    rf"appeared|showed up|came (?:in|online)|kicked in|(?:started|began) (?:using|on)(?: {_PRONOUN})?)\b|"
    r"\bsince (?:its|their|the) (?:start|launch|debut|first (?:day|use|bill))\b"
)
# "when did we start using gpt-5", "when did o4-mini first show up", "first day of haiku spend"
WHEN_STARTED = re.compile(
    r"\bwhen (?:did|was|were|have|has)\b[^?]*?\b(?:start(?:ed)?|begin|began|first)\b|"
    r"\b(?:first|earliest) (?:day|date) (?:of|with|for|we|that)\b"
)
# "when did we stop using gpt-4o", "when was o3 last used", "last day with llama spend", "when did we turn X off"
WHEN_STOPPED = re.compile(
    r"\bwhen (?:did|was|were|have|has)\b[^?]*?\b(?:stop(?:ped)?|quit|retire[sd]?|sunset(?:ted)?|"
    r"decommission(?:ed)?|turn(?:ed)?(?: \S+)* off|switch(?:ed)?(?: \S+)* off|(?:last|final) (?:used|use|run|ran))\b|"
    r"\b(?:last|final|latest) (?:day|date) (?:of|with|for|we|that)\b"
)
# a start of a trend is another question ("when did spend start rising")
_TREND = re.compile(
    r"\b(ris|grow|climb|increas|spik|jump|drop|fall|fell|declin|go(?:ing)? up|go(?:ing)? down)\w*"
)


@dataclasses.dataclass(frozen=True)
class FirstSpend:
    first: dt.date
    last: dt.date
    first_day_cost: float


def first_spend(run: Runner, plan: Plan) -> FirstSpend | None:
    """The first and last days with spend of the plan's rows over all the data (None: no spend)."""
    everything = plan.model_copy(update={"period": None, "measure": "cost", "token_types": []})
    days = [
        (dt.date.fromisoformat(str(r.group.get("day"))[:10]), r.value)
        for r in query(run, everything, group_by=["day"]).rows
        if r.group.get("day") and r.value
    ]
    if not days:
        return None
    days.sort()
    return FirstSpend(days[0][0], days[-1][0], days[0][1])


def asks_when_started(plan: Plan) -> bool:
    low = plan.question.lower()
    return bool(WHEN_STARTED.search(low)) and not _TREND.search(low) and not SINCE_START.search(low)


def asks_when_stopped(plan: Plan) -> bool:
    low = plan.question.lower()
    return bool(plan.filters) and bool(WHEN_STOPPED.search(low)) and not _TREND.search(low)


def answer_when_started(run: Runner, plan: Plan, index: ValueIndex) -> BillyAnswer:
    """The first day the named rows (or the whole bill) had spend; their last day when the question asks when
    they stopped."""
    scope = scope_phrase(plan.filters) or "spend"
    found = first_spend(run, plan)
    if found is None:
        return BillyAnswer(answer=f"There is no spend on {scope} in the data.", value=None)
    if asks_when_stopped(plan):
        return _when_stopped(plan, index, scope, found)
    since = query(
        run, plan.model_copy(update={"period": _from(found), "measure": "cost", "token_types": []})
    ).total
    start = index.catalog.first_day
    note = (
        f" That is the data's first day ({start}): it may have started earlier."
        if start is not None and found.first <= start
        else ""
    )
    text = (
        f"The first spend on {scope} was on {found.first:%B} {found.first.day}, {found.first.year} ({found.first}): "
        f"{money(found.first_day_cost)} that day, {money(since)} from then to {found.last}.{note}"
    )
    return BillyAnswer(
        answer=text + assumed(plan.model_copy(update={"period": None})),
        value=found.first.isoformat(),
        table=Table(
            columns=["first_day", "last_day", "cost_since"],
            rows=[[str(found.first), str(found.last), round(since, 2)]],
        ),
    )


def _when_stopped(plan: Plan, index: ValueIndex, scope: str, found: FirstSpend) -> BillyAnswer:
    """The named rows' last day with spend, unless it is the data's last day (then they have not stopped)."""
    end = index.catalog.last_day
    table = Table(columns=["first_day", "last_day"], rows=[[str(found.first), str(found.last)]])
    plain = assumed(plan.model_copy(update={"period": None}))
    if end is not None and found.last >= end:
        return BillyAnswer(
            answer=f"{scope} has not stopped: its last spend is on the data's last day, {end:%B} {end.day}, "
            f"{end.year} ({end}); its first was on {found.first}." + plain,
            value=None,
            table=table,
        )
    after = f" (the data runs to {end})" if end is not None else ""
    text = (
        f"The last spend on {scope} was on {found.last:%B} {found.last.day}, {found.last.year} ({found.last}): none "
        f"since{after}. Its first was on {found.first}."
    )
    return BillyAnswer(answer=text + plain, value=found.last.isoformat(), table=table)


def _from(found: FirstSpend) -> PeriodRef:
    return PeriodRef(
        start=found.first,
        end=found.last + dt.timedelta(days=1),
        label=f"the days since its first spend ({found.first} to {found.last})",
    )


def since_started(run: Runner, plan: Plan) -> Plan:
    """ "gpt-5's daily burn since it started": the period from the rows' first day with spend to their last, in
    place of the period the question did not name (a default window would count days before they existed)."""
    if not plan.filters or not SINCE_START.search(plan.question.lower()):
        return plan
    found = first_spend(run, plan)
    if found is None:
        return plan
    kept = [a for a in plan.assumptions if "last 30 days" not in a and not a.startswith("no period named")]
    return plan.model_copy(
        update={
            "period": _from(found),
            "assumptions": [*kept, f"'since it started' = from the first day with spend, {found.first}"],
        }
    )
