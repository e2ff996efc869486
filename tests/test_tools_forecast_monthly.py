"""Month-position jobs in a forecast: a month-end batch that recurs every month is projected onto the coming
month's end, not smoothed away as a one-off (blind25's finance team was forecast 30% low)."""

from __future__ import annotations

import calendar
import datetime as dt
from pathlib import Path

import numpy as np
from governance_series import START, WEEKLY, make_store
from spendscope.tools.governance.forecast import ForecastInput, clean_outliers, forecast
from spendscope.tools.governance.forecast_monthly import monthly_jobs, project_monthly

JOB = 600.0
KEY = ("OpenAI", "finance", "ledger", "gpt-4o")


def _last_two_weekdays(day: dt.date) -> bool:
    last = dt.date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
    weekdays = [last - dt.timedelta(days=k) for k in range(7) if (last - dt.timedelta(days=k)).weekday() < 5]
    return day in weekdays[:2]


NOISE = np.random.default_rng(7).normal(0, 0.03, 400)  # 3% a day


def _base(i: int) -> float:
    return 100 * WEEKLY[(START + dt.timedelta(days=i)).weekday()] * (1 + NOISE[i])


def _job(i: int) -> float:
    """From August on (the first weeks are the detector's warm-up, as in a new store)."""
    return JOB if i >= 40 and _last_two_weekdays(START + dt.timedelta(days=i)) else 0.0


def test_a_month_end_batch_is_found_and_projected_at_the_coming_month_end() -> None:
    n = 150  # 2026-07-06 .. 2026-12-02: the month ends of August to November
    y = np.array([_base(i) + _job(i) for i in range(n)])
    cleaned, replaced = clean_outliers(y, start=START)
    jobs = monthly_jobs(y, cleaned, replaced, START)
    job_days = [i for i in range(n) if _job(i)]
    found = np.nonzero(jobs)[0].tolist()
    # every job day found but the first month's (nothing earlier to recur from) and at most one more
    assert set(found) <= set(job_days) and len(found) >= len(job_days) - 2
    assert all(abs(jobs[i] - JOB) < 0.2 * JOB for i in found)
    coming = project_monthly(jobs, START, 40)  # 2026-12-03 .. 2027-01-11
    days = [START + dt.timedelta(days=n + int(h)) for h in np.nonzero(coming)[0]]
    assert [d.isoformat() for d in days] == ["2026-12-30", "2026-12-31"]  # December's last two days
    assert abs(coming.sum() - 2 * JOB) < 0.2 * 2 * JOB


def test_a_one_off_spike_stays_a_one_off() -> None:
    y = np.array([_base(i) for i in range(120)])
    y[60] += 800
    cleaned, replaced = clean_outliers(y)
    assert replaced == [60] and not monthly_jobs(y, cleaned, replaced, START).any()


def test_the_forecast_of_a_month_holding_its_end_carries_the_batch(tmp_path: Path) -> None:
    store, _ = make_store(tmp_path, {KEY: lambda i, _d: _base(i) + _job(i)}, 150)
    r = forecast(store, ForecastInput(horizon=30, as_of=START + dt.timedelta(days=150)))
    expected = sum(_base(150 + h) + _job(150 + h) for h in range(30))
    assert abs(r.total - expected) / expected < 0.05, (r.total, expected)
    assert "month-position jobs" in r.model
