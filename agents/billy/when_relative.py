"""Relative periods in a question ("yesterday", "the last 7 days", "over 2 weeks", "last month", "this quarter so
far", "3 months ago", "the same month last year", "since the start of the month"), for agents/billy/when.py."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from spendscope.agents.billy.when_words import _B, _E, _NUM, _UNIT, PeriodMention, _n, _unit
from spendscope.tools.periods import (
    Period,
    add_months,
    ago,
    before_last,
    day_period,
    last_days,
    last_n,
    parse_period,
    same_period_last_year,
    to_date,
)

_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# a weekday's name, or Slack's short form of it ("tues", "thurs", "weds", "fri")
# ("thurs aug 12" is the date: the weekday before a date names no day of its own)
_WEEKDAY = (
    r"(?P<wd>"
    + "|".join(_DAYS)
    + r"|mon|tues?|weds?|thu(?:rs?)?|fri|sat|sun)(?![\w-])"
    + r"(?!,?\s+(?:the\s+)?(?:\d|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec))"
)


def _latest(name: str, today: dt.date) -> dt.date:
    """The latest `name`day before `today` (a week before when today is that weekday)."""
    index = next(i for i, d in enumerate(_DAYS) if d.startswith(name[:3]))
    back = (today.weekday() - index) % 7 or 7
    return today - dt.timedelta(days=back)


Add = Callable[[re.Match[str], "Period | None", str], None]


def relative_mentions(t: str, today: dt.date, add: Add, found: list[PeriodMention]) -> None:
    """Add the relative periods of the lower-cased text `t` through `add` (and "the same month last year" to
    `found`, its period fixed once the other periods are known)."""
    rel = [
        (r"(?:the )?day before yesterday", lambda m: day_period(today - dt.timedelta(days=2))),
        (r"yesterday", lambda m: day_period(today - dt.timedelta(days=1))),
        (
            r"(?:the )?(month|quarter|year) before (?:the )?last(?: one)?",
            lambda m: before_last(m.group(1), today),
        ),
        (r"today", lambda m: day_period(today)),
        (  # "last tuesday", "on friday", "why was tues so pricey": the latest such weekday before today
            r"(?:on )?(?:last|this past|past|previous) "
            + _WEEKDAY
            + r"|on "
            + _WEEKDAY.replace("wd", "wd2")
            + r"|(?:(?<=was )|(?<=were ))"
            + _WEEKDAY.replace("wd", "wd3"),
            lambda m: day_period(_latest(m.group("wd") or m.group("wd2") or m.group("wd3"), today)),
        ),
        (
            r"(?:(?:the )?(?:last|past|previous|prior|trailing|recent|preceding) )?"
            + _NUM
            + r" ?"
            + _UNIT
            + r" ago",
            lambda m: ago(_n(m.group("n")), _unit(m.group("unit")), today),
        ),
        (
            r"(?:(?:in|over|during|for) )?(?:the )?(?:last|past|previous|prior|trailing|recent|preceding) "
            + _NUM
            + r" ?"
            + _UNIT,
            lambda m: last_n(_n(m.group("n")), _unit(m.group("unit")), today),
        ),
        (  # "the 3 last months"; never "gpt-4.5 last month" or "claude 3 last month" (a version, then a period)
            r"(?:(?:in|over|during|for) )?(?:the )?(?<![\w.-])"
            + _NUM
            + r" (?:last|past|previous|prior|recent) (?=[a-z]+s\b)"
            + _UNIT,
            lambda m: last_n(_n(m.group("n")), _unit(m.group("unit")), today),
        ),
        (  # "what does the commitment cost us a month", "what do we spend a month on openai": a cost said per
            # month with no month named is the last full month's, said so (all data's total was stated)
            r"(?:"
            + "|".join(f"(?<={v} )" for v in _PER_MONTH_VERBS)
            + r")(?:a|each|every) month(?! ago| from now| ahead| out| before| after| later| earlier)",
            lambda m: _last_full_month(m.group(0), today),
        ),
        (  # "spend over the last weeks": a plural with no count is the fewest it can mean, two, said so (read as
            # no period, all data's total was stated); never "the last weeks of june" (a month's part)
            r"(?:(?:in|over|during|for) )?(?:the )?(?:last|past|recent|trailing) "
            r"(?P<unit>days|weeks|wks|months|mos|quarters|qtrs|years|yrs)(?! of\b| ago\b)",
            lambda m: _no_count(m.group(0), _unit(m.group("unit")), today),
        ),
        (  # "mistral spend over 2 weeks": a span said without "last" is the one ending today
            r"(?:over|across|during) (?:the )?" + _NUM + r" ?" + _UNIT + r"(?! ago| from now| ahead| out)",
            lambda m: last_n(_n(m.group("n")), _unit(m.group("unit")), today),
        ),
        (
            r"(?:(?:in|over|during|for) )?(?:the )?(?:last|past|previous|prior|trailing|recent|preceding) "
            r"fortnight",
            lambda m: last_days(14, today),
        ),
        (  # "last weekend", "over the weekend": the latest Saturday and Sunday before today
            r"(?:(?:over|on|during|for|at) )?(?:the |last |this past |past |previous )weekend(?! of| on| around)",
            lambda m: last_weekend(today),
        ),
        (  # "this weekend" while it lasts (on a weekday it is still ahead: not read)
            r"(?:(?:over|on|during|for|at) )?this weekend",
            lambda m: this_weekend(today),
        ),
        (  # "recently", "lately": the last 30 days, said so in the period's label
            r"(?:(?:in|over) )?(?:recently|lately|of late|these days|in recent (?:days|weeks))",
            lambda m: recent(m.group(0), today),
        ),
        (
            r"(?:the )?(?:month|quarter|year|week)[ -]to[ -]date|mtd|qtd|ytd|wtd",
            lambda m: to_date(m.group(0), today),
        ),
        (
            r"(?:so far )?this (?:month|quarter|year|week)(?: so far)?|(?:the )?current (?:month|quarter|year|week)",
            lambda m: to_date(m.group(0), today),
        ),
        (
            r"(?:the )?(?:last|previous|past|prior|preceding) (?:calendar |full |whole |complete )?"
            r"(?:month|quarter|year|week)",
            lambda m: parse_period("last " + m.group(0).split()[-1], today),
        ),
    ]
    for pattern, build in rel:
        for m in re.finditer(_B + r"(?:" + pattern + r")" + _E, t):
            add(m, build(m), "relative")
    # "the same month last year": this calendar month (quarter, week, day) a year earlier, or, next to another
    # period ("May 2026 vs the same month last year"), that period a year earlier.
    same = (
        _B
        + r"(?:the )?same (month|quarter|week|day|period) (?:(?:of |in )?last year|a year (?:ago|earlier|before)|the (?:previous|prior) year)"
        + _E
    )
    for m in re.finditer(same, t):
        unit = m.group(1)
        cur = parse_period("this " + (unit if unit != "period" else "month"), today)
        if unit in ("month", "quarter"):  # the whole calendar month (quarter), as a named month is
            cur = Period(
                start=cur.start, end=add_months(cur.start, 3 if unit == "quarter" else 1), label=cur.label
            )
        found.append(PeriodMention(m.start(), m.end(), same_period_last_year(cur), "same_last_year", True))
    for m in re.finditer(
        _B + r"since (?:the )?(?:start|beginning) of (?:the )?(month|quarter|year|week)" + _E, t
    ):
        add(m, to_date("this " + m.group(1), today), "relative")
    _since_day_of_month(t, today, add)


_MONTH_AFTER = r"(?! of\b| (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b)"


def _since_day_of_month(t: str, today: dt.date, add: Add) -> None:
    """ "since the 1st", "since the 15th": from that day of this month (of last month when it is still ahead) to
    today; "since the 1st of may" is a date the other readers take."""
    for m in re.finditer(_B + r"since (?:the )?(\d{1,2})(?:st|nd|rd|th)" + _MONTH_AFTER + _E, t):
        n = int(m.group(1))
        month = today.replace(day=1) if n <= today.day else add_months(today.replace(day=1), -1)
        try:
            start = month.replace(day=n)
        except ValueError:
            continue  # "since the 31st" in a month of 30 days: no such day
        add(
            m,
            Period(
                start=start,
                end=today + dt.timedelta(days=1),
                label=f"{start} to {today} ('{m.group(0).strip()}')",
            ),
            "relative",
        )
    # "since the first of the month", "since the 1st of this month", "since the first": this month to today
    for m in re.finditer(
        _B
        + r"since (?:the )?(?:(?:1st|first) (?:day )?of (?:the |this )?month|first"
        + _MONTH_AFTER
        + r")"
        + _E,
        t,
    ):
        start = today.replace(day=1)
        add(m, Period(start=start, end=today + dt.timedelta(days=1), label=f"{start} to {today}"), "relative")


def last_weekend(today: dt.date) -> Period:
    """The latest whole Saturday and Sunday before `today`."""
    sun = today - dt.timedelta(days=(today.weekday() + 1) % 7 or 7)
    sat = sun - dt.timedelta(days=1)
    return Period(
        start=sat, end=sun + dt.timedelta(days=1), label=f"the weekend of {sat} (Sat {sat} and Sun {sun})"
    )


def this_weekend(today: dt.date) -> Period | None:
    """The weekend `today` is in, to today (None on a weekday: it is still ahead)."""
    if today.weekday() < 5:
        return None
    sat = today - dt.timedelta(days=today.weekday() - 5)
    return Period(
        start=sat, end=today + dt.timedelta(days=1), label=f"this weekend so far ({sat} to {today})"
    )


_PER_MONTH_VERBS = ("cost", "costs", "cost us", "costs us", "spend", "pay", "paying", "spending", "burn")


def _last_full_month(words: str, today: dt.date) -> Period:
    p = parse_period("last month", today)
    return Period(
        start=p.start, end=p.end, label=f"{p.label} (the last full month; '{words.strip()}' read so)"
    )


def _no_count(words: str, unit: str, today: dt.date) -> Period | None:
    """ "the last weeks", "over the past months": the last 2 of them (as "the last 2 weeks" reads), the reading
    said in the period's label so the answer names it."""
    p = last_n(2, unit, today)
    if p is None:
        return None
    said = re.sub(r"^(?:in|over|during|for) ", "", words.strip())
    return Period(
        start=p.start,
        end=p.end,
        label=p.label[:-1] + f"; '{said}' names no number: read as the last 2 {unit}s)",
    )


def recent(words: str, today: dt.date) -> Period:
    start = today - dt.timedelta(days=30)
    last = today - dt.timedelta(days=1)
    return Period(
        start=start, end=today, label=f"the last 30 days ({start} to {last}; '{words.strip()}' read so)"
    )
