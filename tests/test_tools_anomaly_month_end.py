"""Detector blind round 22 defects of the calendar (tools/governance/calendar.py) and the month-position check
(tools/governance/anomaly_model.py): a month-end close on the last working days of a fast-growing company, and
the holidays of a currency the calendar map did not know. Each fails with its fix undone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from anomaly_cases import days, store_from_rows, usage, workday_series
from spendscope.tools.governance.anomalies import DetectInput, detect_anomalies
from spendscope.tools.governance.anomaly_model import score_days
from spendscope.tools.governance.calendar import build_calendar, same_position_days


def _gate(actual: np.ndarray, expected: np.ndarray, factor: float = 1.0) -> np.ndarray:
    return np.abs(np.asarray(actual) - np.asarray(expected)) >= 25.0 * factor


def _month_end(growth: float, seed: int) -> tuple[list[dt.date], list[int], np.ndarray]:
    """$300 a weekday growing `growth` a day, a close batch of 5x the day on the last two working days of each
    month (AU calendar), 5% noise."""
    start, n = dt.date(2026, 6, 1), 183
    cal = build_calendar(start, n, "AU")
    ds = [start + dt.timedelta(days=i) for i in range(n)]
    rng = np.random.default_rng(seed)
    y = 300.0 * np.exp(growth * np.arange(n)) * np.array([0.3 if d.weekday() >= 5 else 1.0 for d in ds])
    batch = [i for i in range(n) if 0 <= cal.workdays_left[i] < 2]
    y[batch] *= 6.0
    return ds, batch, y * np.exp(rng.normal(0, 0.05, n))


@pytest.mark.parametrize("seed", range(3))
def test_a_month_end_close_of_a_company_growing_a_quarter_a_month_is_explained_after_two_months(
    seed: int,
) -> None:
    """A close batch on the last two working days of every month, in a company growing 25% a month: from the
    third month on it is the series' own monthly pattern. The month-position check knew the last working day
    only (not the one before it), and compared dollars with dollars: a batch grown 1.6x in two months was news.
    Twice the usual close is still reported."""
    ds, batch, y = _month_end(0.0075, seed)
    cal = build_calendar(ds[0], len(ds), "AU")
    sc = score_days(y[None, :], cal, _gate, z=4.0)
    later = [i for i in batch if ds[i] >= dt.date(2026, 8, 1)]
    assert [ds[i] for i in later if sc.flags[0, i]] == []
    assert all(sc.explained[0, i] for i in later)
    twice = later[-1]
    y[twice] *= 2.0
    assert score_days(y[None, :], cal, _gate, z=4.0).flags[0, twice]


def test_the_month_end_positions_count_working_days_from_the_end() -> None:
    cal = build_calendar(dt.date(2026, 8, 1), 31, "AU")  # Aug 31 2026 is a Monday
    left = {dt.date(2026, 8, 1) + dt.timedelta(days=i): int(cal.workdays_left[i]) for i in range(31)}
    assert (
        left[dt.date(2026, 8, 31)] == 0
        and left[dt.date(2026, 8, 28)] == 1
        and left[dt.date(2026, 8, 27)] == 2
    )
    assert left[dt.date(2026, 8, 29)] == -1  # a Saturday


def test_a_store_billed_in_rupiah_reads_its_days_against_indonesian_holidays(tmp_path: Path) -> None:
    """An office tool billed in IDR at its Sunday level on Indonesian public holidays (Eid al-Adha on Wednesday May
    27 2026, Ascension Day on Thursday May 14, Labour Day on Friday May 1): the calendar is ID, and those days are
    not drops. Without IDR in the currency map the store had no holidays at all."""
    start, n = dt.date(2026, 1, 5), 150
    main = workday_series(80_000_000, weekend=0.3, noise=0.04, seed=3)
    holidays = {dt.date(2026, 5, 1), dt.date(2026, 5, 14), dt.date(2026, 5, 27)}
    rows = []
    for i, d in enumerate(days(start, n)):
        v = main(i, d) * (0.3 if d in holidays and d.weekday() < 5 else 1.0)
        rows.append(usage(d, v, feature="copilot", currency="IDR"))
    store = store_from_rows(tmp_path, rows)
    r = detect_anomalies(store, DetectInput(days=45, dry_run=True, dimensions=["feature"]))
    assert r.calendar == "ID"
    assert [a.start_day for a in r.anomalies if a.direction == "drop"] == []


def test_a_month_partly_in_the_data_still_has_its_month_end_days() -> None:
    """Data from June 4: June's last working days are in it, so a close on August 28 (the second-to-last working
    day) has June 29 and July 30 to compare with; a month that began before the data was skipped whole."""
    start = dt.date(2026, 6, 4)
    cal = build_calendar(start, 100, "AU")
    t = (dt.date(2026, 8, 28) - start).days
    earlier = [[start + dt.timedelta(days=i) for i in month] for month in same_position_days(cal, t)]
    assert dt.date(2026, 7, 30) in earlier[0] and dt.date(2026, 6, 29) in earlier[1]


@pytest.mark.parametrize("seed", range(3))
def test_a_batch_on_the_last_two_calendar_days_of_each_month_is_explained_weekend_or_not(seed: int) -> None:
    """Detector blind round 27 (cordillera's payroll run): a batch at 6x the line on the last two calendar days of
    every month, whatever the weekday. On Sep 29 and Nov 29 (30-day months; the 30th of the month before fell on a
    weekend, so the same working day from the end matched one earlier month, not two) it was reported every month.
    The same calendar day from the month's end is a month position too: from the third month on nothing is
    flagged on those days (no
    holidays: the calendar alone), and a batch that ran twice still is."""
    start, n = dt.date(2026, 7, 5), 180
    cal = build_calendar(start, n, "none")
    ds = [start + dt.timedelta(days=i) for i in range(n)]
    rng = np.random.default_rng(seed)
    y = 600.0 * np.array([0.3 if d.weekday() >= 5 else 1.0 for d in ds]) * np.exp(rng.normal(0, 0.05, n))
    last_two = [i for i, d in enumerate(ds) if (d + dt.timedelta(days=2)).month != d.month]
    y[last_two] += 3600.0
    assert ds.index(dt.date(2026, 9, 29)) in same_position_days(cal, ds.index(dt.date(2026, 10, 30)))[0]
    later = [i for i in last_two if ds[i] >= dt.date(2026, 9, 1)]
    sc = score_days(y[None, :], cal, _gate, z=4.0)
    assert [ds[i] for i in later if sc.flags[0, i]] == []
    twice = ds.index(dt.date(2026, 10, 30))
    y[twice] += 4200.0
    sc = score_days(y[None, :], cal, _gate, z=4.0)
    assert [ds[i] for i in later if sc.flags[0, i]] == [ds[twice]]
