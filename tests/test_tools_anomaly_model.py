"""Detector blind round 21 defects of the model (tools/governance/anomaly_model.py), on real daily arrays and a
real holiday calendar, each failing on the model before its fix."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from spendscope.tools.governance.anomaly_model import score_days
from spendscope.tools.governance.calendar import Calendar, build_calendar


def _gate(actual: np.ndarray, expected: np.ndarray, factor: float = 1.0) -> np.ndarray:
    return np.abs(np.asarray(actual) - np.asarray(expected)) >= 25.0 * factor


def _week_series(
    country: str,
    start: dt.date,
    n: int,
    *,
    saturday: float,
    sunday: float,
    quiet_day: float,
    noise: float = 0.03,
    seed: int = 0,
) -> tuple[Calendar, list[dt.date], np.ndarray]:
    """$1,000 on weekdays, the given multiples on weekends and on the calendar's quiet days, lognormal noise."""
    cal = build_calendar(start, n, country)
    days = [start + dt.timedelta(days=i) for i in range(n)]
    factor = np.array([saturday if d.weekday() == 5 else sunday if d.weekday() == 6 else 1.0 for d in days])
    factor = np.where(cal.quiet, quiet_day, factor)
    return cal, days, 1000.0 * factor * np.exp(np.random.default_rng(seed).normal(0, noise, n))


@pytest.mark.parametrize("seed", range(4))
def test_a_two_day_batch_and_the_return_to_the_old_level_leave_no_false_spike_behind(seed: int) -> None:
    """A series growing 0.4% a day (about 13% a month) with one two-day batch at three times its level on the
    first working days of June: the batch is reported and nothing after it. The batch was masked all along, so
    the history never held it; rewriting its days weeks later at the level of the day it began (without the
    growth since) made every following day look like a spike, for the rest of the series."""
    start, n = dt.date(2026, 1, 5), 200
    days = [start + dt.timedelta(days=i) for i in range(n)]
    t = np.arange(n)
    weekly = np.array([0.6 if d.weekday() >= 5 else 1.0 for d in days])
    y = 1000.0 * np.exp(0.004 * t) * weekly * np.exp(np.random.default_rng(seed).normal(0, 0.03, n))
    batch = [i for i, d in enumerate(days) if d.month == 6 and d.weekday() < 5][:2]
    y[batch] *= 3.0
    sc = score_days(y[None, :], build_calendar(start, n, "none"), _gate, z=4.0)
    assert [int(i) for i in np.nonzero(sc.flags[0])[0] if i >= batch[0]] == batch
    after = slice(batch[1] + 1, n)
    assert np.nanmedian(sc.expected[0, after] / y[after]) == pytest.approx(1.0, abs=0.03)


@pytest.mark.parametrize("seed", range(3))
def test_a_week_holding_holidays_is_not_a_weekly_anomaly_when_each_day_is_as_expected(seed: int) -> None:
    """An office tool that runs at its Sunday level on Korean public holidays (Chuseok, the substitute holidays):
    no holiday and no ordinary day in the week after one is flagged. The weekly test compared the total of a
    week holding holidays with a forecast that ignored them and flagged days whose own z was near 0."""
    cal, days, y = _week_series(
        "KR", dt.date(2026, 1, 5), 300, saturday=0.3, sunday=0.25, quiet_day=0.25, seed=seed
    )
    sc = score_days(y[None, :], cal, _gate, z=4.0)
    quiet = np.nonzero(cal.quiet)[0]
    holiday_weeks = sorted({int(q) + k for q in quiet for k in range(7)} & set(range(len(days))))
    assert [days[i] for i in holiday_weeks if sc.flags[0, i]] == []
