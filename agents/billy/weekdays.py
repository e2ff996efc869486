"""Days of the week in a question: "weekday vs weekend spend", "which day of the week costs the most", "what do we
spend on saturdays", and the what-if "if we'd shut the l40s box off on weekends in feb how much would we have
saved". Read into the cost dimensions `weekday` (Monday..Sunday) and `day_type` (weekday / weekend) of
tools.costs.dimensions: the day of the week of each row's charge period start (UTC). A row charged over more than
a day (a monthly fee, a commitment's month) is on no one day of the week: it is in neither a weekend nor a weekday
figure, and an answer over such rows says so.

A weekend said as a period ("last weekend", "over the weekend", "the weekend of sept 5") is read by agents.billy.when
first, and its words are left alone here.

The what-if's saving is the named rows' spend on Saturdays and Sundays of the period: what hourly or daily rows
(an instance's hours, API calls) would not have cost. It assumes the rows would have stopped with the machine, that
nothing else ran in their place, and that fees and commitments charged over the month are charged anyway.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from spendscope.tools.costs.breakdown import Filter
from spendscope.tools.costs.dimensions import MULTI_DAY, WEEKDAYS

if TYPE_CHECKING:
    from spendscope.agents.billy.models import BillyAnswer, Plan
    from spendscope.agents.billy.question import _Question
    from spendscope.agents.billy.reading import Reading
    from spendscope.agents.billy.resolve import ValueIndex
    from spendscope.agents.billy.runner import Runner

_WE = r"week\s?-?ends?"
_WD = r"week\s?-?days?"
_VS = r"(?:vs\.?|versus|v\.?|against|compar\w* (?:to|with|against)|than|or|and|/|to)"
_DAY_NAMES = "|".join(d.lower() for d in WEEKDAYS)
# weekday against weekend: one figure each (grouped by day_type)
_SIDE_BY_SIDE = re.compile(
    rf"\b{_WD}(?:\s+[\w']+){{0,3}}?\s*{_VS}\s*(?:the\s+|our\s+)?{_WE}\b|"
    rf"\b{_WE}(?:\s+[\w']+){{0,3}}?\s*{_VS}\s*(?:the\s+|our\s+)?{_WD}\b"
)
# each day of the week: one figure each (grouped by weekday)
_EACH_DAY = re.compile(
    r"\b(?:days?[- ]of[- ](?:the[- ])?week|(?:by|per|each|every|which|what|busiest|priciest|cheapest|"
    rf"costliest) week\s?-?days?|{_WD}\s+(?:breakdown|split|pattern|profile))\b"
)
# a day of the week named as a recurring day ("on saturdays", "every sunday", "saturday and sunday spend")
_NAMED_DAYS = re.compile(rf"\b(?:(?:every|each|on an?) )?({_DAY_NAMES})s?\b")
_DATE_NEXT = re.compile(
    r",?\s+(?:\d|the \d|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s*\d)"
)
_WEEKEND_WORD = re.compile(rf"\b{_WE}\b")
_WEEKDAY_WORD = re.compile(rf"\b{_WD}\b")
# "the weekend" / "this weekend" / "a weekend": one weekend (a period's words), not weekends in general
_ONE_WEEKEND = re.compile(r"\b(?:the|this|last|a|that|next|past|previous)\s+$")
# turning rows off ("shut the box off", "turned it off", "switched off", "stopped", "paused", "scaled to zero")
OFF = re.compile(
    r"\b(?:shut|shutting|turn(?:ed|ing)?|switch(?:ed|ing)?|power(?:ed|ing)?|spin(?:ning)?|spun|kill(?:ed)?)\b"
    r"(?:\s+[\w.'-]+){0,5}?\s+(?:off|down)\b|"
    r"\b(?:shut|turn(?:ed)?|switch(?:ed)?|power(?:ed)?)\s+(?:off|down)\b|"
    r"\b(?:stop(?:ped|ping)?|paus(?:e|ed|ing)|scal(?:e|ed|ing) (?:\S+ )?to zero|idl(?:e|ed)|suspend(?:ed)?)\b"
)
_OFF_WORDS = re.compile(
    r"\b(?:shut|shutting|turn\w*|switch\w*|power\w*|spin\w*|spun|kill\w*|off|down|stop\w*|paus\w*|scal\w*|"
    r"zero|idl\w*|suspend\w*)\b"
)
SAVE = re.compile(r"\bsav(?:e|ed|es|ing|ings)\b|\bwould\b|\bwhat if\b|\bcould\b")


@dataclass
class CalendarWords:
    """What the day-of-week words of a question ask: a grouping dimension, filters, and whether it is the
    turn-it-off-at-weekends what-if."""

    group: str | None = None
    group_token: int = -1
    filters: list[Filter] | None = None
    off_whatif: bool = False
    said: str = ""


_ABBREV = {d[:3].lower(): d for d in WEEKDAYS} | {"tues": "Tuesday", "thur": "Thursday", "thurs": "Thursday"}
_ONE_DAY = rf"(?:{_DAY_NAMES}|{'|'.join(_ABBREV)})s?"
# "mon vs fri", "mondays against fridays": two days of the week side by side (one figure each)
_DAY_VS_DAY = re.compile(rf"\b(?P<a>{_ONE_DAY})\.?\s*{_VS}\s*(?:the\s+)?(?P<b>{_ONE_DAY})\b")


def _day_name(word: str) -> str:
    word = (
        word.rstrip("s") if word.rstrip("s") in _ABBREV or word.rstrip("s") in _DAY_NAMES.split("|") else word
    )
    return _ABBREV.get(word, word).capitalize()


def day_counts(start: object, end: object, dim: str) -> dict[str, int]:
    """How many days of each weekday (dim 'weekday') or day type ('day_type') [start, end) holds."""
    import datetime as dt

    out: dict[str, int] = {}
    day = start
    while isinstance(day, dt.date) and isinstance(end, dt.date) and day < end:
        name = (
            WEEKDAYS[day.weekday()] if dim == "weekday" else ("weekend" if day.weekday() >= 5 else "weekday")
        )
        out[name] = out.get(name, 0) + 1
        day += dt.timedelta(days=1)
    return out


def _free(q: _Question, start: int, end: int) -> bool:
    """Whether no token in [start, end) was read already (a period such as "last weekend")."""
    return not any(i in q.blocked for i, t in enumerate(q.toks) if t.start < end and t.end > start)


def _first_token(q: _Question, start: int) -> int:
    return next((i for i, t in enumerate(q.toks) if t.end > start), -1)


def read_calendar(q: _Question, r: Reading) -> CalendarWords | None:
    """Read the day-of-week words of the question (after its periods, before its names): their tokens are
    blocked (never an unknown name), and the filters they make join the reading's. None: none said."""
    low = q.low
    words = CalendarWords()
    spans: list[tuple[int, int]] = []
    side = _SIDE_BY_SIDE.search(low)
    if side:  # "is the weekend cheaper than weekdays": weekends in general, not last weekend's dates
        for p in [p for p in r.periods if p.start < side.end() and side.start() < p.end]:
            if low[p.start : p.end].rstrip().endswith("weekend"):
                r.periods.remove(p)
                q.blocked -= {i for i, t in enumerate(q.toks) if t.start < p.end and t.end > p.start}
    pair = _DAY_VS_DAY.search(low)
    if pair and _free(q, pair.start(), pair.end()):
        a, b = _day_name(pair.group("a")), _day_name(pair.group("b"))
        if a != b:  # "mon vs fri": each of the two days, side by side
            words.group, words.group_token, words.said = (
                "weekday",
                _first_token(q, pair.start()),
                pair.group(0),
            )
            words.filters = [Filter(dimension="weekday", values=[a, b])]
            spans.append(pair.span())
    for pattern, dim in ((_SIDE_BY_SIDE, "day_type"), (_EACH_DAY, "weekday")):
        m = pattern.search(low)
        if m and _free(q, m.start(), m.end()) and words.group is None:
            words.group, words.group_token, words.said = dim, _first_token(q, m.start()), m.group(0)
            spans.append(m.span())
    if words.group is None:
        filters: list[Filter] = []
        for m in _WEEKEND_WORD.finditer(low):
            if _free(q, m.start(), m.end()) and not _ONE_WEEKEND.search(low[: m.start()]):
                filters.append(Filter(dimension="day_type", values=["weekend"]))
                spans.append(m.span())
                break
        for m in _WEEKDAY_WORD.finditer(low):
            if not filters and _free(q, m.start(), m.end()):
                filters.append(Filter(dimension="day_type", values=["weekday"]))
                spans.append(m.span())
                break
        # "on saturdays", "saturday spend last month": a day name no period was read from (a date's own weekday,
        # "thurs aug 12", and "on friday" = the latest Friday are periods, read before this)
        named = [
            m
            for m in _NAMED_DAYS.finditer(low)
            if _free(q, m.start(), m.end()) and not _DATE_NEXT.match(low, m.end())
        ]
        # one day name alone ("what did monday cost") may mean a day, not every such day: a plural, "every", or
        # another period said beside it ("saturday spend last month") makes it recurring
        recurring = bool(r.periods) or any(m.group(0) != m.group(1) for m in named)
        if named and not filters and not recurring and not r.unread_period:
            r.unread_period = named[0].group(0)  # which Monday is unsure: no figure for the wrong days
            named = []
        if named and not filters:
            values = list(dict.fromkeys(m.group(1).capitalize() for m in named))
            filters.append(Filter(dimension="weekday", values=values))
            spans += [m.span() for m in named]
        if filters:
            words.filters = filters
            words.said = ", ".join(low[a:b] for a, b in spans)
    if words.group is None and not words.filters:
        off = OFF.search(low)
        if off and _SAVED_WORD.search(low):  # "saved by shutting down X": the verb is the what-if's, no name
            for m in _OFF_WORDS.finditer(low, off.start(), off.end()):
                q.block_span(m.start(), m.end())
        return None
    for start, end in spans:
        q.block_span(start, end)
    if words.filters:
        off = OFF.search(low)
        words.off_whatif = bool(off and SAVE.search(low))
        if off and words.off_whatif:  # the verb and its "off" are the what-if's words, never names
            for m in _OFF_WORDS.finditer(low, off.start(), off.end()):
                q.block_span(m.start(), m.end())
    return words


_SAVED_WORD = re.compile(r"\bsav(?:e|ed|es|ing|ings)\b")


def turned_off(plan: Plan, low: str, period_said: bool, today: object) -> bool:
    """ "if we turned off the a100 box last month how much would we save": turning named rows off over a past
    period saves what they cost in it (their pay-as-you-go spend; commitments are paid anyway), the same what-if as
    turning them off on some days of the week, over every day. Only with a saving asked, names to turn off and a
    period said that is over: without a period it asks what could be saved from now on (the recommendations)."""
    if plan.intent == "days_off_whatif" or not period_said or plan.period is None:
        return False
    if not (OFF.search(low) and _SAVED_WORD.search(low)) or plan.unresolved or plan.unsupported:
        return False
    if not [f for f in plan.filters if f.dimension not in ("weekday", "day_type")]:
        return False
    if today is not None and plan.period.end > today:
        return False
    if plan.intent not in ("savings", "total", "breakdown", "top", "unknown"):
        return False
    plan.intent, plan.group_by, plan.top, plan.scale = "days_off_whatif", [], None, None
    plan.assumptions.append(
        "saving = the named rows' pay-as-you-go spend in the period; assumes nothing runs in their place, and "
        "that commitments (amortised) are paid anyway"
    )
    return True


def calendar_groups(words: CalendarWords | None) -> list[tuple[str, int]]:
    """The grouping the day-of-week words ask for, as the reading's (dimension, token index) pairs."""
    if words is None or words.group is None:
        return []
    return [(words.group, words.group_token)]


def finish_plan(plan: Plan, r: Reading, words: CalendarWords | None) -> bool:
    """The plan of a day-of-week question: its filters joined to the plan's, a day-of-week ranking or split
    grouped by `weekday` / `day_type` (not the peak day), the what-if a figure of the rows on weekends. True when
    the words say what is asked (a split or ranking by day of week, the what-if)."""
    if words is None:
        return False
    note = (
        "days of the week by the charge period's start (UTC); rows charged over more than a day (monthly fees, "
        f"commitments) are on no one day (the {MULTI_DAY} bucket) and in no weekday or weekend figure"
    )
    if words.filters:
        plan.filters = [f for f in plan.filters if f.dimension not in ("weekday", "day_type")] + list(
            words.filters
        )
    if words.group is not None:
        if plan.intent in ("peak", "top", "total", "breakdown", "compare", "share") or (
            plan.intent == "average"
            and plan.grain == "day"  # "avg mon vs fri": each day's figure, per day too
        ):
            low = bool(_LOW.search(r.low))
            ranked = plan.intent in ("peak", "top") or low or bool(_HIGH.search(r.low))
            plan.intent = "top" if ranked and words.group == "weekday" else "breakdown"
            plan.ascending = low and plan.intent == "top"
            if plan.intent == "top":  # a ranking of days: the rows on no one day are no candidate
                plan.filters.append(Filter(dimension=words.group, op="not", values=[MULTI_DAY]))
            plan.group_by = [words.group, *[d for d in plan.group_by if d not in ("day", "week", "month")]][
                :1
            ]
            plan.top, plan.base_period, plan.grain = None, None, "day"
            # "is the weekend cheaper than weekdays": the split answers it
            plan.unsupported = [u for u in plan.unsupported if not _COMPARING.fullmatch(u)]
        plan.assumptions.append(note)
    if words.off_whatif:
        plan.intent, plan.group_by, plan.top = "days_off_whatif", [], None
        plan.scale = None
        plan.unsupported = [u for u in plan.unsupported if not re.match(r"sav|cheaper|stop|shut|turn", u)]
        days = days_phrase(words.filters or [])
        plan.assumptions.append(
            f"saving = the named rows' spend on {days} in the period (their hourly and daily charges, by the "
            "charge period's start, UTC); assumes they stop with the machine and nothing runs in their place, "
            "and that fees and commitments charged over more than a day are charged anyway"
        )
    elif words.filters:
        plan.assumptions.append(note)
    return words.group is not None or words.off_whatif


_HIGH = re.compile(r"\b(?:most|highest|priciest|costliest|dearest|busiest|biggest|largest|top)\b")
_LOW = re.compile(r"\b(?:cheapest|least|lowest|quietest|smallest|bottom)\b")
_COMPARING = re.compile(r"cheaper|pricier|dearer|costlier|more|less|expensive|higher|lower|bigger|smaller")


def days_phrase(filters: list[Filter]) -> str:
    """ "Saturdays and Sundays", "weekdays": the days a calendar filter keeps, as a plural."""
    for f in filters:
        if f.dimension == "day_type":
            return "Saturdays and Sundays" if f.values == ["weekend"] else "weekdays (Monday to Friday)"
        if f.dimension == "weekday":
            names = [v + "s" for v in f.values]
            return " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else names[0]
    return "those days"


def calendar_phrase(f: Filter) -> str | None:
    """How a calendar filter reads in an answer ("on Saturdays", "at weekends"), or None for another filter."""
    if f.dimension not in ("weekday", "day_type"):
        return None
    if f.op not in ("eq", "in"):
        return "" if f.values == [MULTI_DAY] else None  # the rows on no one day left out: said in the notes
    return "weekends" if f.dimension == "day_type" and f.values == ["weekend"] else days_phrase([f])


def answer(run: Runner, plan: Plan, index: ValueIndex) -> BillyAnswer:
    """What turning the named rows off on those days would have saved: their pay-as-you-go spend on those days in
    the period. Their spend on those days under a commitment (amortised) and their spend charged over more than a
    day are charged anyway: each said beside the saving when there is any."""
    from spendscope.agents.billy.models import BillyAnswer, Table
    from spendscope.agents.billy.phrasing import money, period_phrase, scope_phrase
    from spendscope.agents.billy.runner import assumed, query

    days = [f for f in plan.filters if f.dimension in ("weekday", "day_type")]
    rows = [f for f in plan.filters if f not in days]
    when = period_phrase(plan.period)
    scope = scope_phrase(rows) or "everything"
    res = query(run, plan, group_by=["day_type"], filters=rows)
    on_days = query(run, plan, group_by=["commitment"], filters=plan.filters)
    saved = sum(r.value for r in on_days.rows if r.group.get("commitment") is None)
    committed = on_days.total - saved
    fees = sum(r.value for r in res.rows if r.group.get("day_type") == MULTI_DAY)
    on = f" on {days_phrase(days)}" if days else ""
    text = (
        f"Turning {scope} off{on} {when} would have saved {money(saved)}, its "
        f"{'pay-as-you-go ' if committed else ''}spend on those days, of {money(res.total)} it cost in all."
        if days
        else f"Turning {scope} off {when} would have saved {money(saved)}, its "
        f"{'pay-as-you-go ' if committed else ''}spend in the period."
    )
    if committed:
        text += (
            f" {money(committed)} of its spend on those days was under a commitment (amortised), which is paid "
            "whether it runs or not."
        )
    if fees and days:
        text += f" {money(fees)} was charged over more than a day (fees, commitments) and would be charged anyway."
    table = Table(
        columns=["day type", plan.measure],
        rows=[[r.group.get("day_type"), round(r.value, 2)] for r in res.rows],
    )
    return BillyAnswer(answer=text + assumed(plan), value=round(saved, 2), table=table)
