"""Finding the periods a question names: "in September 2026", "last month", "the last 7 days", "Q3",
"yesterday", "since October 1", "Oct 1-15", "from August to October", "month over month".

Returns each mention with its character span (so the words are not read again as names) and a Period
(tools.periods: half-open [start, end) with a label). "Today" is `as_of`.
"""

from __future__ import annotations

import datetime as dt
import re

from spendscope.agents.billy.when_relative import relative_mentions
from spendscope.agents.billy.when_words import (
    _B,
    _DAY,
    _DAY2,
    _E,
    _MON,
    _MON2,
    _NUM,
    _ORD,
    _YEAR,
    _YEAR2,
    PeriodMention,
    PeriodScan,
    _choose,
    _iso,
    _month_context,
    _month_day,
    _month_no,
    _n,
)
from spendscope.tools.periods import (
    Period,
    add_months,
    day_period,
    infer_year,
    month_period,
    quarter_of,
    quarter_period,
    range_period,
    safe_date,
    same_period_last_year,
)

__all__ = ["PeriodMention", "PeriodScan", "same_period_last_year", "scan_periods"]


def scan_periods(text: str, today: dt.date) -> PeriodScan:
    """Every period mention in `text` (case-insensitive), earliest first, none overlapping. Brackets, arrows and
    repeated spaces are read as one space ("October (2026)", "Sep->Oct"); spans refer to `text`."""
    norm: list[str] = []
    pos: list[int] = []
    for i, ch in enumerate(text):
        if (
            ch in "()[]→"
            or (ch == "-" and text[i + 1 : i + 2] == ">")
            or (ch == ">" and text[i - 1 : i] == "-")
        ):
            ch = " "
        if ch.isspace() and norm and norm[-1] == " ":
            continue
        norm.append(" " if ch.isspace() else ch)
        pos.append(i)
    pos.append(len(text))
    scan = _scan(("".join(norm)), today)

    def back(a: int, b: int) -> tuple[int, int]:
        return pos[a], pos[b - 1] + 1 if b > 0 else pos[b]

    for m in scan.mentions:
        m.start, m.end = back(m.start, m.end)
    if scan.over_span is not None:
        scan.over_span = back(*scan.over_span)
    return scan


def _scan(text: str, today: dt.date) -> PeriodScan:
    t = text.lower()
    found: list[PeriodMention] = []

    def add(m: re.Match[str], period: Period | None, kind: str, explicit_year: bool = True) -> None:
        if period is not None:
            found.append(PeriodMention(m.start(), m.end(), period, kind, explicit_year))

    # ISO date ranges and single dates, US dates, ISO months.
    iso = r"(\d{4}-\d{1,2}-\d{1,2})"
    for m in re.finditer(
        _B + r"(?:between |from )?" + iso + r"\s*(?:to|until|till|through|thru|and|-|–|—|\.\.)\s*" + iso + _E,
        t,
    ):
        a, b = _iso(m.group(1)), _iso(m.group(2))
        if a and b:
            add(m, range_period(a, b), "range")
    for m in re.finditer(_B + r"(?:on |for )?" + iso + _E, t):
        d = _iso(m.group(1))
        if d:
            add(m, day_period(d), "day")
    for m in re.finditer(_B + r"(\d{1,2})/(\d{1,2})/(\d{4})" + _E, t):
        month_, day_ = _month_day(int(m.group(1)), int(m.group(2)))
        d = safe_date(int(m.group(3)), month_, day_)
        if d:
            add(m, day_period(d), "day")
    # a range of US month/days ("6/15-6/17", "from 6/15 to 6/17"): the latest such span not after today
    for m in re.finditer(
        _B + r"(?:between |from )?(\d{1,2})/(\d{1,2})\s*(?:to|until|till|through|thru|and|-|–|—)\s*"
        r"(\d{1,2})/(\d{1,2})(?![\d/])" + _E,
        t,
    ):
        m2, d2 = _month_day(int(m.group(3)), int(m.group(4)))
        m1, d1 = _month_day(int(m.group(1)), int(m.group(2)))
        y2 = infer_year(m2, d2, today)
        a, b = safe_date(y2 if (m1, d1) <= (m2, d2) else y2 - 1, m1, d1), safe_date(y2, m2, d2)
        if a and b:
            add(m, range_period(a, b), "range")
    # US month/day with a two-digit year or none ("8/18", "8/18/26"): no year is the latest one not after today;
    # day/month when only that reading is a date ("17/11")
    for m in re.finditer(_B + r"(?:on |for )?(\d{1,2})/(\d{1,2})(?:/(\d{2}))?(?![\d/])" + _E, t):
        month_, day_ = _month_day(int(m.group(1)), int(m.group(2)))
        year = 2000 + int(m.group(3)) if m.group(3) else infer_year(month_, day_, today)
        d = safe_date(year, month_, day_)
        if d:
            add(m, day_period(d), "day")
    for m in re.finditer(_B + r"(\d{4})-(\d{2})(?![\w-])", t):
        if 1 <= int(m.group(2)) <= 12:
            add(m, month_period(int(m.group(1)), int(m.group(2))), "month")

    # Month-day ranges: "Oct 1-15", "October 1 to October 15, 2026", "1-15 October".
    for m in re.finditer(
        _B
        + _MON
        + r" "
        + _DAY
        + r"\s*(?:-|–|to|through|thru|until|till)\s*(?:"
        + _MON2
        + r" )?"
        + _DAY2
        + r"(?:,? "
        + _YEAR
        + r")?"
        + _E,
        t,
    ):
        mon = _month_no(m.group("mon"))
        mon2 = _month_no(m.group("mon2")) if m.group("mon2") else mon
        y = int(m.group("year")) if m.group("year") else infer_year(mon, int(m.group("day")), today)
        a, b = safe_date(y, mon, int(m.group("day"))), safe_date(y, mon2, int(m.group("day2")))
        if a and b:
            add(m, range_period(a, b), "range", bool(m.group("year")))
    for m in re.finditer(
        _B + _DAY + r"\s*(?:-|–|to)\s*" + _DAY2 + r" (?:of )?" + _MON + r"(?:,? " + _YEAR + r")?" + _E, t
    ):
        mon = _month_no(m.group("mon"))
        y = int(m.group("year")) if m.group("year") else infer_year(mon, int(m.group("day")), today)
        a, b = safe_date(y, mon, int(m.group("day"))), safe_date(y, mon, int(m.group("day2")))
        if a and b:
            add(m, range_period(a, b), "range", bool(m.group("year")))

    # Month ranges: "Jan-Feb 2026", "January through March 2026" (a year named once covers both months).
    for m in re.finditer(
        _B
        + _MON
        + r"(?: "
        + _YEAR2
        + r")?\s*(?:-|–|—|through|thru)\s*"
        + _MON2
        + r"(?:,? "
        + _YEAR
        + r")?"
        + _E,
        t,
    ):
        if m.group("year2") and not re.search(r"thr", m.group(0)):
            continue  # "Dec 2025 - Jan 2026" stays two months (often a comparison)
        mon, mon2 = _month_no(m.group("mon")), _month_no(m.group("mon2"))
        y2 = int(m.group("year")) if m.group("year") else infer_year(mon2, 1, today)
        y1 = int(m.group("year2")) if m.group("year2") else (y2 if mon <= mon2 else y2 - 1)
        last = add_months(dt.date(y2, mon2, 1), 1) - dt.timedelta(days=1)
        add(m, range_period(dt.date(y1, mon, 1), last), "range", bool(m.group("year")))
    # Halves of a month: "the first half of March 2026", "2nd half of Oct".
    for m in re.finditer(_of_a_month(r"(?:the )?(first|1st|second|2nd) half"), t):
        month = _the_month(m, today)
        mid = month.start.replace(day=16)
        first = _ORD[m.group(1)] == 1
        add(
            m,
            range_period(month.start, mid - dt.timedelta(days=1))
            if first
            else range_period(mid, month.end - dt.timedelta(days=1)),
            "range",
            bool(m.group("year")),
        )

    # The first or last days or weeks of a month: "the first two weeks of october", "last 10 days of june".
    for m in re.finditer(
        _of_a_month(r"(?:the )?(?P<edge>first|last|final) (?:" + _NUM + r" )?(?P<unit>days?|weeks?)"), t
    ):
        month = _the_month(m, today)
        span = dt.timedelta(
            days=(_n(m.group("n")) if m.group("n") else 1) * (7 if m.group("unit")[0] == "w" else 1)
        )
        if span.days < 1 or span >= month.end - month.start:
            continue
        if m.group("edge") == "first":
            add(
                m,
                range_period(month.start, month.start + span - dt.timedelta(days=1)),
                "range",
                bool(m.group("year")),
            )
        else:
            add(
                m,
                range_period(month.end - span, month.end - dt.timedelta(days=1)),
                "range",
                bool(m.group("year")),
            )

    # Parts of a month said loosely: "early October", "mid-sept", "late Aug 2026", "the end of June", "the start of
    # March": days 1-10, 11-20 and 21 to the month's end (the label names the days read).
    for m in re.finditer(
        _B + r"(?P<part>early|mid|late)[ -]" + _MON + r"(?:,? (?:of )?" + _YEAR + r")?" + _E, t
    ):
        add(m, _month_part(m, today), "range", bool(m.group("year")))
    for m in re.finditer(_of_a_month(r"(?:the )?(?:very )?(?P<part>end|start|beginning|middle)"), t):
        add(m, _month_part(m, today), "range", bool(m.group("year")))

    # Single days: "October 14", "Oct 14th, 2026", "14 October 2026", "the 14th of October".
    for m in re.finditer(_B + r"(?:on )?" + _MON + r" " + _DAY + r"(?:,? " + _YEAR + r")?" + _E, t):
        mon, day = _month_no(m.group("mon")), int(m.group("day"))
        # "may 12": a modal "may" is followed by a verb, not a day number, so this is the date
        y = int(m.group("year")) if m.group("year") else infer_year(mon, day, today)
        d = safe_date(y, mon, day)
        if d:
            add(m, day_period(d), "day", bool(m.group("year")))
    for m in re.finditer(
        _B + r"(?:on )?(?:the )?" + _DAY + r" (?:of )?" + _MON + r"(?:,? " + _YEAR + r")?" + _E, t
    ):
        mon, day = _month_no(m.group("mon")), int(m.group("day"))
        y = int(m.group("year")) if m.group("year") else infer_year(mon, day, today)
        d = safe_date(y, mon, day)
        if d:
            add(m, day_period(d), "day", bool(m.group("year")))

    # Months: "September 2026", "Sept. 2026", "October of 2026", "October" (the latest one not after today).
    for m in re.finditer(_B + _MON + r"(?:,? (?:of )?" + _YEAR + r")?" + _E, t):
        mon = _month_no(m.group("mon"))
        if (
            m.group("mon") in ("may", "march", "mar")
            and not m.group("year")
            and not _month_context(t, m.start(), m.end())
        ):
            continue
        y = int(m.group("year")) if m.group("year") else infer_year(mon, 1, today)
        add(m, month_period(y, mon), "month", bool(m.group("year")))

    # Quarters and halves: "Q3", "Q3 2026", "2026 Q3", "2026-Q3", "the third quarter of 2026", "H1 2026".
    for m in re.finditer(_B + r"q([1-4])(?:,? (?:of )?(?:fy ?)?" + _YEAR + r")?" + _E, t):
        add(m, quarter_of(int(m.group(1)), m.group("year"), today), "quarter", bool(m.group("year")))
    for m in re.finditer(_B + _YEAR + r"[ -]?q([1-4])" + _E, t):
        add(m, quarter_period(int(m.group("year")), int(m.group(2))), "quarter")
    for m in re.finditer(
        _B
        + r"(?:the )?(first|1st|second|2nd|third|3rd|fourth|4th) quarter(?: (?:of |in )?"
        + _YEAR
        + r")?"
        + _E,
        t,
    ):
        add(m, quarter_of(_ORD[m.group(1)], m.group("year"), today), "quarter", bool(m.group("year")))
    for m in re.finditer(
        _B + r"(?:h([12])|(?:the )?(first|1st|second|2nd) half)(?: (?:of )?" + _YEAR + r")?" + _E, t
    ):
        half = int(m.group(1)) if m.group(1) else _ORD[m.group(2)]
        y = int(m.group("year")) if m.group("year") else today.year
        start = dt.date(y, 1 if half == 1 else 7, 1)
        if not m.group("year") and start > today:
            start = dt.date(y - 1, start.month, 1)
        add(
            m,
            Period(start=start, end=add_months(start, 6), label=f"H{half} {start.year}"),
            "half",
            bool(m.group("year")),
        )

    for m in re.finditer(_B + _YEAR + r"[ -]?h([12])" + _E, t):  # "2025 H2", "2025-H2"
        start = dt.date(int(m.group("year")), 1 if m.group(2) == "1" else 7, 1)
        add(m, Period(start=start, end=add_months(start, 6), label=f"H{m.group(2)} {start.year}"), "half")

    # Years: "in 2026", "2026" (not part of a date or a name).
    for m in re.finditer(
        r"(?<![\w.-])(?:(?:fy|cy|calendar year|fiscal year|year) ?)?" + _YEAR + r"(?![\w-])", t
    ):
        y = int(m.group("year"))
        add(m, Period(start=dt.date(y, 1, 1), end=dt.date(y + 1, 1, 1), label=str(y)), "year")
    relative_mentions(t, today, add, found)

    found = _choose(found)
    others = [pm for pm in found if pm.kind != "same_last_year"]
    for pm in found:
        if pm.kind == "same_last_year" and others:
            pm.period = same_period_last_year(others[0].period)
    # "the week of <day>", "the week starting <day>": seven days from that day.
    for pm in found:
        before = t[max(0, pm.start - 30) : pm.start]
        wk = re.search(r"(?:the )?week (?:of|starting|beginning|commencing|from)(?: on)?\s*$", before)
        if pm.kind == "day" and wk:
            pm.start -= len(before) - wk.start()
            start = pm.period.start
            pm.period = Period(start=start, end=start + dt.timedelta(days=7), label=f"the week of {start}")
            pm.kind = "range"
    # "the weekend of <day>": the Saturday and Sunday of that weekend (a weekday: the weekend after it).
    for pm in found:
        before = t[max(0, pm.start - 30) : pm.start]
        we = re.search(r"(?:the )?weekend (?:of|on|around)\s*$", before)
        if pm.kind == "day" and we:
            pm.start -= len(before) - we.start()
            day = pm.period.start
            sat = (
                day - dt.timedelta(days=1)
                if day.weekday() == 6
                else day + dt.timedelta(days=(5 - day.weekday()))
            )
            pm.period = Period(
                start=sat,
                end=sat + dt.timedelta(days=2),
                label=f"the weekend of {day} (Sat {sat} and Sun {sat + dt.timedelta(days=1)})",
            )
            pm.kind = "range"
    # "since <period>": from that period's start to today (inclusive).
    for pm in found:
        before = t[max(0, pm.start - 6) : pm.start]
        if re.search(r"since\s*$", before):
            pm.start -= len(before) - len(before.rstrip()) + len("since")
            last = today
            pm.period = Period(
                start=pm.period.start, end=last + dt.timedelta(days=1), label=f"{pm.period.start} to {last}"
            )
            pm.kind = "since"
    # "from September to now", "sept till today": from that period's start through today.
    for pm in found:
        after = re.match(
            r"\s*(?:to|until|till|through|thru|-)\s*(?:now|today|date|the present)(?![\w-])", t[pm.end :]
        )
        if after and pm.kind not in ("since",):
            before = t[max(0, pm.start - 5) : pm.start]
            start_from = re.search(r"from\s*$", before)
            if start_from:
                pm.start -= len(before) - start_from.start()
            pm.end += after.end()
            pm.period = Period(
                start=pm.period.start,
                end=today + dt.timedelta(days=1),
                label=f"{pm.period.start} to {today}",
            )
            pm.kind = "since"
    over = re.search(
        _B + r"(day|week|month|quarter|year)[ -]over[ -](?:the[ -])?\1|(dod|wow|mom|qoq|yoy)" + _E, t
    )
    kind = None
    if over:
        kind = (
            over.group(1)
            or {"dod": "day", "wow": "week", "mom": "month", "qoq": "quarter", "yoy": "year"}[over.group(2)]
        )
    return PeriodScan(found, kind, (over.start(), over.end()) if over else None)


def _of_a_month(part: str) -> str:
    """ "<part> of March 2026", "<part> of the month of oct": the pattern of a part of a named month."""
    return _B + part + r" of (?:the month of )?" + _MON + r"(?:,? (?:of )?" + _YEAR + r")?" + _E


def _the_month(m: re.Match[str], today: dt.date) -> Period:
    """The month a `_of_a_month` match names (its year inferred from today when not said)."""
    mon = _month_no(m.group("mon"))
    return month_period(int(m.group("year")) if m.group("year") else infer_year(mon, 1, today), mon)


_SAID = {"end": "late", "start": "early", "beginning": "early", "middle": "mid"}
_PARTS = {"early": (1, 10), "start": (1, 10), "beginning": (1, 10), "mid": (11, 20), "middle": (11, 20)}


def _month_part(m: re.Match[str], today: dt.date) -> Period:
    """Days 1-10, 11-20 or 21 to the end of the month a loose part ("late", "the end of") names."""
    month = _the_month(m, today)
    last_day = (month.end - dt.timedelta(days=1)).day
    first, last = _PARTS.get(m.group("part"), (21, last_day))
    start, end = month.start.replace(day=first), month.start.replace(day=last)
    return Period(
        start=start,
        end=end + dt.timedelta(days=1),
        label=f"{m.group('part')} {month.label} ({start} to {end})",
    )
