"""Periods: half-open date ranges [start, end) with a label, parsed from what users write.

"last month" is the calendar month before `as_of`; "the last N days" are the N whole days before `as_of`
(`as_of` itself excluded); a named month is the calendar month. These are the conventions FinOps
practitioners use (and the ones docs/conventions.md states).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Any

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
        return last_complete("month", today)
    if t in ("this week", "wtd", "week to date", "current week"):
        start = today - dt.timedelta(days=today.weekday())
        return Period(start=start, end=today + dt.timedelta(days=1), label="this week")
    if t in ("last week", "previous week", "past week"):
        return last_complete("week", today)
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
        return last_complete("year", today)
    m = re.fullmatch(
        r"(?:last|past|previous|trailing) (\d+|a|one|two|three|seven|thirty|fourteen) ?(day|week|month)s?", t
    )
    if m:
        words = {"a": 1, "one": 1, "two": 2, "three": 3, "seven": 7, "fourteen": 14, "thirty": 30}
        n = int(words.get(m.group(1), m.group(1)))
        if n <= 0:
            raise InvalidPeriod(f"{raw!r}: the number of {m.group(2)}s must be positive", value=raw)
        unit = m.group(2)
        p = last_n(n, unit, today)
        assert p is not None
        short = f"the last {n} months" if unit == "month" else f"the last {p.days} days"
        return p.model_copy(update={"label": short})
    raise InvalidPeriod(
        f"cannot read the period {raw!r}; use YYYY-MM, YYYY-MM-DD..YYYY-MM-DD, Q3 2026, 'last month' or "
        "'last 30 days'",
        value=raw,
    )


# --- the period arithmetic every surface shares (Billy's reading of sentences, the CLI, the agents) ---


def day_period(d: dt.date) -> Period:
    return Period(start=d, end=d + dt.timedelta(days=1), label=f"{d.strftime('%B')} {d.day}, {d.year} ({d})")


def range_period(start: dt.date, last: dt.date) -> Period | None:
    if last < start:
        return None
    if start.day == 1 and (last + dt.timedelta(days=1)).day == 1:
        end = last + dt.timedelta(days=1)
        months = (end.year - start.year) * 12 + end.month - start.month
        if months == 1:
            return month_period(start.year, start.month)
        return Period(start=start, end=end, label=f"{start.strftime('%B %Y')} to {last.strftime('%B %Y')}")
    return Period(start=start, end=last + dt.timedelta(days=1), label=f"{start} to {last}")


def infer_year(month: int, day: int, today: dt.date) -> int:
    """A month (and day) named without a year: the most recent one not after today."""
    try:
        candidate = dt.date(today.year, month, min(day, 28))
    except ValueError:
        return today.year
    return today.year if candidate <= today else today.year - 1


def safe_date(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def quarter_of(q: int, year: str | None, today: dt.date) -> Period:
    if year:
        return quarter_period(int(year), q)
    p = quarter_period(today.year, q)
    return quarter_period(today.year - 1, q) if p.start > today else p


def last_days(days: int, today: dt.date) -> Period:
    start = today - dt.timedelta(days=days)
    return Period(
        start=start, end=today, label=f"the last {days} days ({start} to {today - dt.timedelta(days=1)})"
    )


def before_last(unit: str, today: dt.date) -> Period:
    """ "The month (quarter, year) before last": the one before the last complete one."""
    return parse_period("last " + unit, today).previous()


def to_date(text: str, today: dt.date) -> Period:
    for unit in ("month", "quarter", "year", "week"):
        if unit in text or text == unit[0] + "td":
            return parse_period(f"this {unit}", today)
    return parse_period("this month", today)


def same_period_last_year(p: Period) -> Period:
    start = safe_date(p.start.year - 1, p.start.month, p.start.day) or p.start.replace(
        day=28, year=p.start.year - 1
    )
    end = safe_date(p.end.year - 1, p.end.month, p.end.day) or p.end.replace(day=28, year=p.end.year - 1)
    return Period(
        start=start, end=end, label=f"{p.label} a year earlier ({start} to {end - dt.timedelta(days=1)})"
    )


def last_n(n: int, unit: str, today: dt.date) -> Period | None:
    """ "The last N days/weeks" (N*7 whole days before today) or "the last N months/quarters/years" (whole
    calendar months before this one)."""
    if n <= 0:
        return None
    if unit in ("day", "week"):
        return last_days(n * (7 if unit == "week" else 1), today)
    months = n * (3 if unit == "quarter" else 12 if unit == "year" else 1)
    start = add_months(today.replace(day=1), -months)
    return Period(
        start=start,
        end=today.replace(day=1),
        label=f"the last {months} months ({start.strftime('%B %Y')} "
        f"to {add_months(today.replace(day=1), -1).strftime('%B %Y')})",
    )


def ago(n: int, unit: str, today: dt.date) -> Period | None:
    """ "N days/weeks/months/quarters/years ago": that whole day, week (Monday first), month, quarter or year."""
    if n <= 0:
        return None
    if unit == "day":
        return day_period(today - dt.timedelta(days=n))
    if unit == "week":
        start = today - dt.timedelta(days=today.weekday() + 7 * n)
        return Period(start=start, end=start + dt.timedelta(days=7), label=f"the week of {start}")
    if unit == "month":
        s = add_months(today.replace(day=1), -n)
        return month_period(s.year, s.month)
    if unit == "quarter":
        q = (today.month - 1) // 3
        s = add_months(dt.date(today.year, 3 * q + 1, 1), -3 * n)
        return quarter_period(s.year, (s.month - 1) // 3 + 1)
    return Period(
        start=dt.date(today.year - n, 1, 1), end=dt.date(today.year - n + 1, 1, 1), label=str(today.year - n)
    )


def last_complete(unit: str, today: dt.date) -> Period:
    """The last complete month, week (Monday first), day, quarter or year before `today`."""
    if unit == "month":
        s = add_months(today.replace(day=1), -1)
        return month_period(s.year, s.month)
    if unit == "week":
        start = today - dt.timedelta(days=today.weekday() + 7)
        return Period(start=start, end=start + dt.timedelta(days=7), label=f"the week of {start}")
    if unit == "day":
        d = today - dt.timedelta(days=1)
        return Period(start=d, end=today, label=str(d))
    if unit == "quarter":
        return parse_period("last quarter", today)
    return Period(
        start=dt.date(today.year - 1, 1, 1), end=dt.date(today.year, 1, 1), label=str(today.year - 1)
    )


def whole_period(start: dt.date, label: str, today: dt.date) -> Period | None:
    """The whole calendar period a to-date one is the start of ('Q4 2026 to date' -> Q4 2026, '2026 to date' ->
    2026, 'November 2026 to date' -> November 2026); None for any other period."""
    if not label.endswith(" to date"):
        return None
    try:
        whole = parse_period(label.removesuffix(" to date"), today)
    except InvalidPeriod:
        return None
    return whole if whole.start == start else None


def same_days_last_month(today: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of last month to compare the month to date (its 1st to `today`, both included) with:
    the same number of days, capped at last month's length; when `today` is its month's last day the month is
    whole, and so is last month (November 1-30 against October 1-31, not October 1-30: a monthly fee amortised
    over 31 days read as a rise)."""
    start = today.replace(day=1)
    prev_start = add_months(start, -1)
    prev_last = start - dt.timedelta(days=1)
    if days_to_month_end(today) == 1:
        return prev_start, prev_last
    return prev_start, min(prev_start + dt.timedelta(days=(today - start).days), prev_last)


def days_to_month_end(today: dt.date) -> int:
    """Days from `today` (included) to the end of its month."""
    return (add_months(today.replace(day=1), 1) - today).days


def data_end(con: Any) -> dt.date | None:
    """The last day with any cost data in the store (`con`: a DuckDB-like connection)."""
    return con.execute("SELECT CAST(max(ChargePeriodStart) AS DATE) FROM costs").fetchall()[0][0]
