"""The business calendar the detector and forecasts read days against: public holidays (the `holidays`
package, by country and optional subdivision), bridge days, and a day's position in its month (day of month,
n-th working day, last working day), which is how month-start jobs and monthly charges recur.

The country comes from the caller (`holidays="US"`, `"US-CA"`, `"DE-BY"`, `"none"` to switch holidays off),
else from the store's main billing currency (USD -> US, EUR -> DE, GBP -> GB, ...; docs/analytics.md lists the
map); a currency with no single country gets no holidays, and the result says which calendar was used.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import duckdb
import numpy as np
from spendscope.data.errors import InvalidArgument

CURRENCY_COUNTRY = {
    "USD": "US",
    "EUR": "DE",
    "GBP": "GB",
    "JPY": "JP",
    "CAD": "CA",
    "AUD": "AU",
    "INR": "IN",
    "CHF": "CH",
    "SEK": "SE",
    "NOK": "NO",
    "DKK": "DK",
    "PLN": "PL",
    "BRL": "BR",
    "MXN": "MX",
    "SGD": "SG",
    "KRW": "KR",
    "CNY": "CN",
    "NZD": "NZ",
    "ZAR": "ZA",
    "ILS": "IL",
    # currencies of one country each, as the ones above: without them a store billed in rupiah or forint had
    # no holidays at all (detector blind round 22)
    "IDR": "ID",
    "HUF": "HU",
    "CZK": "CZ",
    "RON": "RO",
    "TRY": "TR",
    "THB": "TH",
    "MYR": "MY",
    "PHP": "PH",
    "VND": "VN",
    "TWD": "TW",
    "HKD": "HK",
    "AED": "AE",
    "SAR": "SA",
    "CLP": "CL",
    "COP": "CO",
    "ARS": "AR",
    "PEN": "PE",
    "EGP": "EG",
    "NGN": "NG",
    "KES": "KE",
    "PKR": "PK",
    "BDT": "BD",
    "ISK": "IS",
}


@dataclass(frozen=True)
class Calendar:
    """Per-day flags over `start` .. `start + len - 1`."""

    name: str  # e.g. "US", "DE-BY", "none"
    start: dt.date
    holiday: np.ndarray  # bool: a public holiday
    quiet: np.ndarray  # bool: a holiday or a bridge day (a working day between a holiday and a weekend)
    weekday: np.ndarray  # int 0 = Monday .. 6 = Sunday
    workday_of_month: np.ndarray  # int: 1 = first working day of the month, 0 on non-working days
    last_workday: np.ndarray  # bool: the last working day of its month
    workdays_left: (
        np.ndarray
    )  # int: working days after it in its month (0 on the last), -1 on non-working days
    day_of_month: np.ndarray  # int 1..31
    weekend: frozenset[int] = frozenset({5, 6})  # the country's days off (Friday and Saturday in Israel)

    def holiday_names(self, lo: dt.date, hi: dt.date) -> list[dt.date]:
        return [
            self.start + dt.timedelta(days=int(i))
            for i in np.nonzero(self.holiday)[0]
            if lo <= self.start + dt.timedelta(days=int(i)) <= hi
        ]


@lru_cache(maxsize=64)
def _holiday_days(country: str, subdiv: str | None, years: tuple[int, ...]) -> frozenset[dt.date]:
    import holidays

    try:
        cal = holidays.country_holidays(country, subdiv=subdiv, years=list(years))
    except (NotImplementedError, KeyError) as exc:
        raise InvalidArgument(
            f"holidays {country}{'-' + subdiv if subdiv else ''!s}: not a country (and subdivision) the holidays "
            "package knows; use an ISO code such as US, US-CA, DE-BY, GB, JP, or none",
            argument="holidays",
            value=f"{country}{'-' + subdiv if subdiv else ''}",
        ) from exc
    return frozenset(cal.keys())


@lru_cache(maxsize=64)
def _weekend(country: str, subdiv: str | None) -> frozenset[int]:
    """The country's weekly days off as the holidays package gives them (0 = Monday), however many: Saturday and
    Sunday in most, Friday and Saturday in Israel, Saudi Arabia or Egypt (detector blind round 27: an Israeli
    Sunday is a workday), Sunday alone in Hong Kong or Paraguay, Friday alone in Iran (round 28: a one-day weekend
    fell back to Saturday and Sunday, so a working Saturday was read as a day off). Saturday and Sunday only when
    the package gives none."""
    import holidays

    try:
        days = frozenset(int(d) for d in holidays.country_holidays(country, subdiv=subdiv, years=[]).weekend)
    except (NotImplementedError, KeyError, AttributeError):
        return frozenset({5, 6})
    return days or frozenset({5, 6})


def parse_country(text: str) -> tuple[str, str | None]:
    code = text.strip().upper().replace("_", "-")
    country, _, subdiv = code.partition("-")
    return country, subdiv or None


def default_country(con: duckdb.DuckDBPyConnection) -> str:
    """The holiday calendar implied by the store's main billing currency ('none' when it implies none)."""
    rows = con.execute(
        "SELECT upper(BillingCurrency), count(*) AS n FROM costs WHERE BillingCurrency IS NOT NULL "
        "GROUP BY 1 ORDER BY n DESC LIMIT 1"
    ).fetchall()
    if not rows:
        return "none"
    return CURRENCY_COUNTRY.get(rows[0][0], "none")


def build_calendar(start: dt.date, n_days: int, country: str) -> Calendar:
    """Flags for `n_days` days from `start` under the holidays of `country` ('none': weekends only)."""
    days = [start + dt.timedelta(days=i) for i in range(n_days)]
    if country.strip().lower() in ("none", "off", ""):
        hol_set: frozenset[dt.date] = frozenset()
        name = "none"
        weekend = frozenset({5, 6})
    else:
        c, sub = parse_country(country)
        years = tuple(range(start.year - 1, (start + dt.timedelta(days=n_days)).year + 2))
        hol_set = _holiday_days(c, sub, years)
        name = c + (f"-{sub}" if sub else "")
        weekend = _weekend(c, sub)
    weekday = np.array([d.weekday() for d in days], dtype=int)
    holiday = np.array([d in hol_set for d in days], dtype=bool)
    off = holiday | np.isin(weekday, list(weekend))
    quiet = holiday.copy()
    for i, d in enumerate(days):  # a working day squeezed between a holiday and a day off
        if off[i]:
            continue
        prev_off = d - dt.timedelta(days=1) in hol_set or (d - dt.timedelta(days=1)).weekday() in weekend
        next_off = d + dt.timedelta(days=1) in hol_set or (d + dt.timedelta(days=1)).weekday() in weekend
        prev_hol = d - dt.timedelta(days=1) in hol_set
        next_hol = d + dt.timedelta(days=1) in hol_set
        if (prev_hol and next_off) or (next_hol and prev_off):
            quiet[i] = True
    workday_of_month = np.zeros(n_days, dtype=int)
    last_workday = np.zeros(n_days, dtype=bool)
    workdays_left = np.full(n_days, -1, dtype=int)
    for i, d in enumerate(days):
        if off[i]:
            continue
        first = d.replace(day=1)
        n = sum(
            1
            for k in range(d.day)
            if (first + dt.timedelta(days=k)).weekday() not in weekend
            and first + dt.timedelta(days=k) not in hol_set
        )
        workday_of_month[i] = n
        left, nxt = 0, d + dt.timedelta(days=1)
        while nxt.month == d.month:
            left += nxt.weekday() not in weekend and nxt not in hol_set
            nxt += dt.timedelta(days=1)
        workdays_left[i] = left
        last_workday[i] = left == 0
    return Calendar(
        name=name,
        start=start,
        holiday=holiday,
        quiet=quiet,
        weekday=weekday,
        workday_of_month=workday_of_month,
        last_workday=last_workday,
        workdays_left=workdays_left,
        day_of_month=np.array([d.day for d in days], dtype=int),
        weekend=weekend,
    )


MONTH_END_WORKDAYS = (
    3  # a month-end job runs on one of the last three working days (a close over two or three)
)


def same_position_days(cal: Calendar, t: int, months_back: int = 3) -> list[list[int]]:
    """For day index t, per earlier month (1..months_back), the day indexes at the same month position: the same
    day of month, the same n-th working day, or (for one of the last MONTH_END_WORKDAYS working days) the same
    n-th working day from the month's end: a month-end close on the last two working days recurs there, not on
    a fixed day or n-th working day."""
    d = cal.start + dt.timedelta(days=t)
    out: list[list[int]] = []
    for back in range(1, months_back + 1):
        y, m = d.year, d.month - back
        while m <= 0:
            y, m = y - 1, m + 12
        first = dt.date(y, m, 1)
        lo = (first - cal.start).days
        nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
        hi = (nxt - cal.start).days
        if hi <= 0:  # a month before the data (one partly in it keeps the days it has)
            out.append([])
            continue
        lo = max(lo, 0)
        cands: set[int] = set()
        same_dom = lo + d.day - 1
        if same_dom < hi:
            cands.add(same_dom)
        # one of the month's last MONTH_END_WORKDAYS calendar days: the same calendar day from its month's end (a
        # batch on the last two days of every month, weekend or not, falls on the 29th and 30th of a 30-day month
        # and on the 30th and 31st of a 31-day one: detector blind round 27's payroll run)
        to_end = (_month_end(d) - d).days
        if to_end < MONTH_END_WORKDAYS and 0 <= hi - 1 - to_end < t:
            cands.add(hi - 1 - to_end)
        wd = int(cal.workday_of_month[t])
        left = int(cal.workdays_left[t])
        for i in range(lo, min(hi, len(cal.weekday))):
            if wd and cal.workday_of_month[i] == wd:
                cands.add(i)
            if 0 <= left < MONTH_END_WORKDAYS and cal.workdays_left[i] == left:
                cands.add(i)
        out.append(sorted(c for c in cands if c < t))
    return out


def _month_end(d: dt.date) -> dt.date:
    return dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1) - dt.timedelta(days=1)
