"""The words and small readers behind agents/billy/when.py: regular-expression pieces for months, days, years
and counts, the mention types, and the helpers that turn a matched word into a number or choose among
overlapping mentions."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from spendscope.agents.billy.lexicon import NUMBER_WORDS
from spendscope.tools.periods import Period

_MON = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_MON2 = _MON.replace("?P<mon>", "?P<mon2>")
_YEAR = r"(?P<year>(?:19|20)\d{2})"
_YEAR2 = _YEAR.replace("?P<year>", "?P<year2>")
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?(?![\d:])"
_DAY2 = _DAY.replace("?P<day>", "?P<day2>")
_NUM = r"(?P<n>\d+|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")"
_UNIT = r"(?P<unit>days?|d|weeks?|wks?|w|months?|mos?|quarters?|years?|yrs?)"
_ORD = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}
_B = r"(?<![\w-])"
_E = r"(?![\w-])"


@dataclass
class PeriodMention:
    start: int  # character span in the question
    end: int
    period: Period
    kind: str  # day, range, month, quarter, half, year, relative, since
    explicit_year: bool = True


@dataclass
class PeriodScan:
    mentions: list[PeriodMention]
    over: str | None = None  # "month" for "month over month", and so on
    over_span: tuple[int, int] | None = None


def _month_no(name: str) -> int:
    key = name.rstrip(".")[:3]
    return list(calendar.month_abbr).index(key.title())


def _n(text: str) -> int:
    return int(text) if text.isdigit() else NUMBER_WORDS.get(text, 0)


def _month_context(t: str, start: int, end: int) -> bool:
    """Whether an ambiguous month word ("may", "march") is used as a month: preceded by in/during/last/a
    possessive ("agronomy's march spend") or an auxiliary verb ("what would march have cost": no verb "march" nor
    modal "may" follows "would"), or followed by what a month has (spend, costs, the bill) or nothing."""
    return bool(
        re.search(
            r"(?:\b(?:in|during|for|of|since|from|to|until|and|vs|versus|than|through|between|last|this|next|"
            r"would|will|did|does|could|should|might)|'s|\bs)"
            r"\s+$",
            t[max(0, start - 12) : start],
        )
        or re.match(
            r"\s+(?:spend|spending|spent|costs?|bills?|invoices?|totals?|budgets?|numbers|usage|tokens|vs|versus|"
            r"compared)\b|\s*[?.!]*$",
            t[end:],
        )
    )


def _iso(text: str) -> dt.date | None:
    """A written YYYY-MM-DD date, its month and day with or without a leading zero (2026-9-5); None when no such
    day exists (2026-02-30)."""
    try:
        year, month, day = (int(part) for part in text.split("-"))
        return dt.date(year, month, day)
    except ValueError:
        return None


def _unit(u: str) -> str:
    u = u.lower()
    if u.startswith("d"):
        return "day"
    if u.startswith("w"):
        return "week"
    if u.startswith("q"):
        return "quarter"
    if u.startswith("y"):
        return "year"
    return "month"


def _choose(found: list[PeriodMention]) -> list[PeriodMention]:
    """Non-overlapping mentions, preferring the longest at each place."""
    found.sort(key=lambda p: (p.start, -(p.end - p.start)))
    out: list[PeriodMention] = []
    for pm in sorted(found, key=lambda p: (-(p.end - p.start), p.start)):
        if all(pm.end <= o.start or pm.start >= o.end for o in out):
            out.append(pm)
    return sorted(out, key=lambda p: p.start)


def _month_day(first: int, second: int) -> tuple[int, int]:
    """A slashed date's (month, day): month first as in the US, unless only day first is a date ("17/11")."""
    return (second, first) if first > 12 and 1 <= second <= 12 else (first, second)
