"""Periods: half-open date ranges [start, end) with a label, parsed from what users write.

"last month" is the calendar month before `as_of`; "the last N days" are the N whole days before `as_of`
(`as_of` itself excluded); a named month is the calendar month. These are the conventions FinOps
practitioners use (and the ones docs/conventions.md states).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from pydantic import BaseModel, Field
from spendscope.data.errors import InvalidPeriod

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9


class Period(BaseModel):
    start: dt.date = Field(description="first day, inclusive")
    end: dt.date = Field(description="day after the last day (exclusive)")
    label: str = Field(description="how the period reads in prose, e.g. 'October 2026'")

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def previous(self) -> Period:
        """The period of the same kind just before this one (previous month for a month)."""
        if self.start.day == 1 and self.end.day == 1:
            months = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month
            start = add_months(self.start, -months)
            return Period(start=start, end=self.start, label=_month_span_label(start, self.start))
        start = self.start - dt.timedelta(days=self.days)
        return Period(start=start, end=self.start, label=f"{start} to {self.start - dt.timedelta(days=1)}")


def add_months(d: dt.date, n: int) -> dt.date:
    y, m = divmod(d.month - 1 + n, 12)
    return dt.date(d.year + y, m + 1, 1)


def month_period(year: int, month: int) -> Period:
    start = dt.date(year, month, 1)
    return Period(start=start, end=add_months(start, 1), label=start.strftime("%B %Y"))


def _month_span_label(start: dt.date, end: dt.date) -> str:
    last = end - dt.timedelta(days=1)
    if (start.year, start.month) == (last.year, last.month):
        return start.strftime("%B %Y")
    return f"{start.strftime('%B %Y')} to {last.strftime('%B %Y')}"


def quarter_period(year: int, q: int) -> Period:
    start = dt.date(year, 3 * (q - 1) + 1, 1)
    return Period(start=start, end=add_months(start, 3), label=f"Q{q} {year}")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidPeriod(f"{text!r} is not a date; use YYYY-MM-DD", value=text) from None


def parse_period(text: str, as_of: dt.date | None = None) -> Period:
    """Parse a period. Accepted: YYYY-MM, YYYY-MM-DD, START..END (inclusive end), YYYY, YYYY-Qn, Qn [YYYY],
    Month [YYYY], last/this month|week|quarter|year, last N days|weeks|months, yesterday, today, mtd, ytd."""
    today = as_of or dt.date.today()
    raw = (text or "").strip()
    t = re.sub(r"\s+", " ", raw.lower()).strip()
    if re.fullmatch(r"[a-z]+(?:[-_][a-z0-9]+)+", t):  # last-month, last_30_days, this-quarter
        t = re.sub(r"[-_]", " ", t)
    t = re.sub(r"^(in|during|for|over|of) ", "", t)
    t = re.sub(r"^the ", "", t)
    if not t:
        raise InvalidPeriod("empty period; use e.g. 2026-10, last month, last 30 days, Q3 2026")

    m = re.fullmatch(r"(\d{4}-\d{2}-\d{2}) ?(?:\.\.|to|until|through|:|/) ?(\d{4}-\d{2}-\d{2})", t)
    if m:
        start, last = _date(m.group(1)), _date(m.group(2))
        if last < start:
            raise InvalidPeriod(f"period {raw!r} ends before it starts", value=raw)
        return Period(start=start, end=last + dt.timedelta(days=1), label=f"{start} to {last}")
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", t)
    if m:
        year, month = int(m.group(1)), int(m.group(2))
        if not 1 <= month <= 12:
            raise InvalidPeriod(f"{raw!r}: month {month} does not exist", value=raw)
        return month_period(year, month)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", t):
        d = _date(t)
        return Period(start=d, end=d + dt.timedelta(days=1), label=d.strftime("%B %-d, %Y"))
    m = re.fullmatch(r"(\d{4})", t)
    if m:
        y = int(m.group(1))
        return Period(start=dt.date(y, 1, 1), end=dt.date(y + 1, 1, 1), label=str(y))
    m = re.fullmatch(r"(\d{4})[- ]?q([1-4])", t) or re.fullmatch(r"q([1-4])(?:[ ,-]+(?:of )?(\d{4}))?", t)
    if m:
        if t.startswith("q"):
            q = int(m.group(1))
            year = int(m.group(2)) if m.group(2) else today.year
            if not m.group(2) and quarter_period(year, q).start > today:
                year -= 1
        else:
            year, q = int(m.group(1)), int(m.group(2))
        return quarter_period(year, q)
    m = re.fullmatch(r"([a-z]+)\.?,? ?(\d{4})?", t)
    if m and m.group(1) in MONTHS:
        month = MONTHS[m.group(1)]
        if m.group(2):
            return month_period(int(m.group(2)), month)
        year = today.year if month <= today.month else today.year - 1
        return month_period(year, month)
    if t in ("today",):
        return Period(start=today, end=today + dt.timedelta(days=1), label="today")
    if t == "yesterday":
        d = today - dt.timedelta(days=1)
        return Period(start=d, end=today, label=f"yesterday ({d})")
    if t in ("this month", "mtd", "month to date", "current month"):
        start = today.replace(day=1)
        return Period(
            start=start, end=today + dt.timedelta(days=1), label=f"{start.strftime('%B %Y')} to date"
        )
    if t in ("last month", "previous month", "past month"):
        start = add_months(today.replace(day=1), -1)
        return month_period(start.year, start.month)
    if t in ("this week", "wtd", "week to date", "current week"):
        start = today - dt.timedelta(days=today.weekday())
        return Period(start=start, end=today + dt.timedelta(days=1), label="this week")
    if t in ("last week", "previous week", "past week"):
        start = today - dt.timedelta(days=today.weekday() + 7)
        return Period(start=start, end=start + dt.timedelta(days=7), label=f"the week of {start}")
    if t in ("this quarter", "qtd", "quarter to date", "current quarter"):
        q = (today.month - 1) // 3 + 1
        p = quarter_period(today.year, q)
        return Period(start=p.start, end=today + dt.timedelta(days=1), label=f"{p.label} to date")
    if t in ("last quarter", "previous quarter"):
        q = (today.month - 1) // 3 + 1
        y, q = (today.year, q - 1) if q > 1 else (today.year - 1, 4)
        return quarter_period(y, q)
    if t in ("this year", "ytd", "year to date", "current year"):
        return Period(
            start=dt.date(today.year, 1, 1), end=today + dt.timedelta(days=1), label=f"{today.year} to date"
        )
    if t in ("last year", "previous year"):
        return Period(
            start=dt.date(today.year - 1, 1, 1), end=dt.date(today.year, 1, 1), label=str(today.year - 1)
        )
    m = re.fullmatch(
        r"(?:last|past|previous|trailing) (\d+|a|one|two|three|seven|thirty|fourteen) ?(day|week|month)s?", t
    )
    if m:
        words = {"a": 1, "one": 1, "two": 2, "three": 3, "seven": 7, "fourteen": 14, "thirty": 30}
        n = int(words.get(m.group(1), m.group(1)))
        if n <= 0:
            raise InvalidPeriod(f"{raw!r}: the number of {m.group(2)}s must be positive", value=raw)
        unit = m.group(2)
        if unit == "month":
            start = add_months(today.replace(day=1), -n)
            return Period(start=start, end=today.replace(day=1), label=f"the last {n} months")
        days = n * (7 if unit == "week" else 1)
        return Period(start=today - dt.timedelta(days=days), end=today, label=f"the last {days} days")
    raise InvalidPeriod(
        f"cannot read the period {raw!r}; use YYYY-MM, YYYY-MM-DD..YYYY-MM-DD, Q3 2026, 'last month' or "
        "'last 30 days'",
        value=raw,
    )
