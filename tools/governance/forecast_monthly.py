"""Month-position jobs in a forecast: spend that jumps on the same days of every month (a month-end ledger close,
payroll, invoicing runs on the last business days; a month-start batch) is not an outlier.

The forecast replaces transient outliers before fitting (tools.governance.forecast.clean_outliers), and its models
know weeks, not months, so a month-end batch was cleaned away as a one-off and every 30-day forecast missed it: 30%
low for a team whose two month-end days are as large as its other twenty (docs/performance.md, "Forecasts on the
blind worlds"). Here a replaced run that recurs, same sign, at the same position of another month (the same
business days before the month's end for runs in its second half, after its start for runs in its first, within
POSITION_SLACK business days) is a monthly job: its excess over the cleaned series is taken out of the model's
series and projected like a recurring charge, at its position in each coming month.
"""

from __future__ import annotations

import calendar
import datetime as dt

import numpy as np

POSITION_SLACK = 2  # business days a month-position job may move between months
MONTHS_BACK = 3  # months looked back for the job of a coming day


def _position(day: dt.date) -> tuple[str, int]:
    """Where a day sits in its month, in business days (jobs run on "the last two business days", which move
    with the weekends): ('end', weekdays after it to the month's end) in the second half, ('start', weekdays
    before it in the month) in the first; a weekend day is ('end-weekend', ...) / ('start-weekend', ...), so it
    only meets weekend days."""
    last = calendar.monthrange(day.year, day.month)[1]
    weekend = "-weekend" if day.weekday() >= 5 else ""
    if day.day > 15:
        after = sum(1 for d in range(day.day + 1, last + 1) if dt.date(day.year, day.month, d).weekday() < 5)
        return "end" + weekend, after
    before = sum(1 for d in range(1, day.day) if dt.date(day.year, day.month, d).weekday() < 5)
    return "start" + weekend, before


def _runs(days: list[int]) -> list[list[int]]:
    out: list[list[int]] = []
    for i in sorted(days):
        if out and i == out[-1][-1] + 1:
            out[-1].append(i)
        else:
            out.append([i])
    return out


def recurs_monthly(
    i: int, up: bool, replaced: list[int], raw: np.ndarray, cleaned: np.ndarray, start: dt.date
) -> bool:
    """Whether the unusual run from day i (`up`: above its expected level) sits at the month position of a
    replaced run (raw against cleaned) of the same sign in an earlier month."""
    first = start + dt.timedelta(days=i)
    kind, at = _position(first)
    for run in _runs([d for d in replaced if d < i]):
        day = start + dt.timedelta(days=run[0])
        other_kind, other_at = _position(day)
        same_month = (day.year, day.month) == (first.year, first.month)
        other_up = float(np.sum(raw[run] - cleaned[run])) > 0
        if not same_month and other_kind == kind and other_up == up and abs(other_at - at) <= POSITION_SLACK:
            return True
    return False


def monthly_jobs(raw: np.ndarray, cleaned: np.ndarray, replaced: list[int], start: dt.date) -> np.ndarray:
    """Per history day, the excess of a month-position job (raw - cleaned on the replaced runs that recur at the
    same position of another month), else 0."""
    out = np.zeros(len(raw))
    runs = []
    for run in _runs(replaced):
        first = start + dt.timedelta(days=run[0])
        excess = float(np.sum(raw[run] - cleaned[run]))
        if excess:
            runs.append((run, (first.year, first.month), _position(first), excess > 0))
    for run, month, (kind, at), up in runs:
        if any(
            other_month != month
            and other_kind == kind
            and other_up == up
            and abs(other_at - at) <= POSITION_SLACK
            for _, other_month, (other_kind, other_at), other_up in runs
        ):
            out[run] = raw[run] - cleaned[run]
    return out


def project_monthly(jobs: np.ndarray, start: dt.date, horizon: int) -> np.ndarray:
    """The jobs of the `horizon` days after the history: each day repeats the job at its own month position in the
    latest of the last MONTHS_BACK months that had one there (a month-end job lands on the same days before the
    month's end, whatever the month's length)."""
    n = len(jobs)
    by_month: dict[tuple[int, int], dict[tuple[str, int], float]] = {}
    for i in np.nonzero(jobs)[0]:
        day = start + dt.timedelta(days=int(i))
        by_month.setdefault((day.year, day.month), {})[_position(day)] = float(jobs[i])
    out = np.zeros(horizon)
    if not by_month:
        return out
    for h in range(horizon):
        day = start + dt.timedelta(days=n + h)
        for back in range(1, MONTHS_BACK + 1):
            y, m = day.year, day.month - back
            while m <= 0:
                y, m = y - 1, m + 12
            found = by_month.get((y, m))
            if found is not None:
                out[h] = found.get(_position(day), 0.0)
                break
    return out
