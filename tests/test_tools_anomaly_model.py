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


def _quiet_flags(cal: Calendar, flags: np.ndarray, after_seen: int = 2) -> list[int]:
    """Flagged quiet days once the series has seen `after_seen` quiet days (its own memory of holidays)."""
    return [int(i) for i in np.nonzero(cal.quiet)[0][after_seen:] if flags[0, i]]


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


@pytest.mark.parametrize("seed", range(3))
def test_a_consumer_app_busier_on_holidays_than_on_saturdays_is_not_a_spike_at_christmas(seed: int) -> None:
    """A consumer app at 2.2x its weekday on UK public holidays, 1.4x on Saturdays: once it has seen two of its own
    holidays, Christmas, Boxing Day (observed) and New Year's Day are not spikes (a quiet day was judged for drops
    only). A holiday three times as busy as its earlier ones is still one."""
    cal, days, y = _week_series(
        "GB", dt.date(2026, 1, 5), 371, saturday=1.4, sunday=1.3, quiet_day=2.2, seed=seed
    )
    sc = score_days(y[None, :], cal, _gate, z=4.0)
    assert _quiet_flags(cal, sc.flags) == []
    christmas = days.index(dt.date(2026, 12, 25))
    assert not sc.flags[0, christmas]
    y[christmas] *= 3.0
    busier = score_days(y[None, :], cal, _gate, z=4.0)
    assert busier.flags[0, christmas] and busier.dev[0, christmas] > 0


@pytest.mark.parametrize("seed", range(3))
def test_an_office_tool_far_below_its_sunday_on_public_holidays_is_not_a_drop(seed: int) -> None:
    """An office tool at 8% of its weekday on Korean public holidays, 25% on Sundays: once it has seen two of its
    own holidays, none is a drop (a quiet day's drop was measured from the quietest weekday only). A holiday
    near zero is still one."""
    cal, days, y = _week_series(
        "KR", dt.date(2026, 1, 5), 300, saturday=0.3, sunday=0.25, quiet_day=0.08, seed=seed
    )
    sc = score_days(y[None, :], cal, _gate, z=4.0)
    assert _quiet_flags(cal, sc.flags) == []
    chuseok = days.index(dt.date(2026, 9, 25))
    y[chuseok] = 2.0
    empty = score_days(y[None, :], cal, _gate, z=4.0)
    assert empty.flags[0, chuseok] and empty.dev[0, chuseok] < 0


@pytest.mark.parametrize("seed", range(4))
def test_holidays_in_the_first_weeks_do_not_set_the_noise_scale(seed: int) -> None:
    """An office tool whose data starts on Children's Day (Korea) with Buddha's Birthday observed three weeks later,
    6% day-to-day noise: before the noise scale exists those holidays entered the history as they were and set
    the Monday and Tuesday effects for six weeks, so the yardstick stayed at 30-40% and a +80% level shift on
    day 66 was missed or found late. The yardstick stays near the real noise and the shift is found on its first
    day."""
    cal, days, y = _week_series(
        "KR", dt.date(2026, 5, 5), 150, saturday=0.3, sunday=0.25, quiet_day=0.1, noise=0.06, seed=seed
    )
    y[66:91] *= 1.8
    sc = score_days(y[None, :], cal, _gate, z=4.0)
    ordinary = [i for i in range(30, 60) if not cal.quiet[i]]
    yardstick = np.abs(np.log(y[ordinary] / sc.expected[0, ordinary]) / sc.score[0, ordinary])
    assert np.nanmedian(yardstick) < 2.5 * 0.06
    assert sc.flags[0, 66]


@pytest.mark.parametrize("seed", range(3))
def test_a_weekday_effect_set_by_two_unknown_holidays_does_not_flag_that_weekday_for_ever(seed: int) -> None:
    """Detector blind round 22: an office tool in a country whose holidays the calendar does not know (here: none),
    its data starting two weeks before Christmas and New Year's Day, both Thursdays at a tenth of a weekday. The
    Thursday effect was set by them, and every later Thursday was flagged, masked and entered the history at that
    effect, so it never healed (every Thursday for five months). Once the same weekday is off the same way four
    weeks running, the effect is what was wrong: later Thursdays are not flagged, and a real Thursday spike is."""
    start, n = dt.date(2025, 12, 13), 180
    days = [start + dt.timedelta(days=i) for i in range(n)]
    weekly = np.array([0.3 if d.weekday() >= 5 else 1.0 for d in days])
    y = 1000.0 * weekly * np.exp(np.random.default_rng(seed).normal(0, 0.05, n))
    for d in (dt.date(2025, 12, 25), dt.date(2026, 1, 1)):
        y[days.index(d)] = 100.0
    cal = build_calendar(start, n, "none")
    sc = score_days(y[None, :], cal, _gate, z=4.0)
    thursdays = [i for i in range(56, n) if days[i].weekday() == 3]
    assert [days[i] for i in thursdays if sc.flags[0, i]] == []
    spike = thursdays[10]
    y[spike] *= 2.0
    assert score_days(y[None, :], cal, _gate, z=4.0).flags[0, spike]


@pytest.mark.parametrize("seed", range(3))
def test_a_line_that_spends_on_random_days_is_not_a_spike_each_time_it_runs(seed: int) -> None:
    """A tool used on about a third of days at random, $240 on a day it runs (detector blind round 23: fjord's
    clip-picker): the log model's level, averaged over days with and without spend, read ordinary active days
    as spikes. It is judged against its own days with spend: no day is flagged, and a day at six times its usual
    spend still is."""
    start, n = dt.date(2026, 1, 5), 180
    rng = np.random.default_rng(seed)
    runs = rng.random(n) < 0.35
    y = np.where(runs, 240.0 * np.exp(rng.normal(0, 0.1, n)), 0.0)
    cal = build_calendar(start, n, "none")
    sc = score_days(y[None, :], cal, _gate, z=4.0)
    assert [int(i) for i in np.nonzero(sc.flags[0])[0] if i >= 60] == []
    day = 120 + int(np.argmax(runs[120:]))
    y[day] *= 6.0
    sc = score_days(y[None, :], cal, _gate, z=4.0)
    assert [int(i) for i in np.nonzero(sc.flags[0])[0] if i >= 60] == [day]


@pytest.mark.parametrize("seed", range(3))
def test_a_spike_on_a_holiday_that_falls_on_a_sunday_is_judged_against_the_weekend(seed: int) -> None:
    """An office tool at 30% of a weekday on weekends and 25% on Norwegian holidays; on Constitution Day, a
    Sunday (2026-05-17), a job runs it at 1.15x a weekday (four times a Sunday). A quiet day was judged for a
    rise against the busiest day of the week, a working day, which a Sunday holiday never runs like (detector
    blind round 23: fjord's live blog on May 17); against the weekend it is a spike. No other quiet day is."""
    cal, days, y = _week_series(
        "NO", dt.date(2026, 1, 5), 180, saturday=0.3, sunday=0.3, quiet_day=0.25, noise=0.08, seed=seed
    )
    day = days.index(dt.date(2026, 5, 17))
    y[day] = 1150.0
    sc = score_days(y[None, :], cal, _gate, z=4.0)
    assert _quiet_flags(cal, sc.flags) == [day]


@pytest.mark.parametrize("seed", [1, 3, 4])
def test_a_slow_leak_on_a_growing_line_is_found_and_its_clean_twin_is_not(seed: int) -> None:
    """A line growing 0.7% a day (doubling in a quarter) with a leak of +2.5% a day compounded for 28 days from day
    110: the trend follows up to 1.5% a day and the weekly test compares a week with a forecast that already carries
    most of the climb, so neither saw it (detector blind round 25). The week's level against the level 3-5 weeks
    back, moved by the line's own growth, finds it while it climbs; the twin with the same noise and no leak has no
    day flagged from day 60 on. Of seeds 0-5 the rule finds five (seed 2's noise keeps one of its three weekly
    climbs short) and the model without it one (seed 0, by a single day); these three it finds, and the model
    without the rule does not."""
    start, n, leak_at, days_of_leak = dt.date(2026, 1, 5), 180, 110, 28
    days = [start + dt.timedelta(days=i) for i in range(n)]
    t = np.arange(n)
    weekly = np.array([0.4 if d.weekday() >= 5 else 1.0 for d in days])
    clean = 1000.0 * 1.007**t * weekly * np.exp(np.random.default_rng(seed).normal(0, 0.05, n))
    leaked = clean * 1.025 ** np.clip(t - leak_at + 1, 0, days_of_leak)
    cal = build_calendar(start, n, "none")
    found = score_days(leaked[None, :], cal, _gate_with_floor, z=4.0).flags[0]
    assert found[leak_at : leak_at + days_of_leak + 7].any()
    assert not score_days(clean[None, :], cal, _gate_with_floor, z=4.0).flags[0, 60:].any()


def _gate_with_floor(actual: np.ndarray, expected: np.ndarray, factor: float = 1.0) -> np.ndarray:
    """The detector's floors: $25 and 20% of the expected value."""
    dev = np.abs(np.nan_to_num(np.asarray(actual) - np.asarray(expected)))
    return (dev >= 25.0 * factor) & (dev * 100 >= factor * 20.0 * np.abs(np.nan_to_num(np.asarray(expected))))


@pytest.mark.parametrize("seed", range(3))
def test_a_spike_on_a_weekday_public_holiday_is_judged_against_the_days_off(seed: int) -> None:
    """An office tool at 30% of a weekday on weekends and 20% on South African holidays; on Heritage Day, a Thursday
    (2026-09-24), a job runs it at 1.3x a weekday (six times its holiday level). A working day off was judged for a
    rise against the busiest weekday, so the job passed as a busy Thursday (detector blind round 25: zephyr's
    code-gen on Heritage Day; round 23's tablica on Independence Day). Once the series' own holidays are known to
    run at a weekend's level or below, a rise on a public holiday is measured from the busier weekend day or its
    holidays; a bridge day (often worked) is not. No other quiet day is flagged as a rise."""
    cal, days, y = _week_series(
        "ZA", dt.date(2026, 4, 1), 180, saturday=0.3, sunday=0.3, quiet_day=0.2, noise=0.08, seed=seed
    )
    day = days.index(dt.date(2026, 9, 24))
    y[day] = 1300.0
    sc = score_days(y[None, :], cal, _gate, z=4.0)
    assert [i for i in _quiet_flags(cal, sc.flags) if sc.dev[0, i] > 0] == [day]


@pytest.mark.parametrize("seed", [2, 16, 25])
def test_three_days_each_moderately_up_are_found_together(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's eval loop in a small copy of a feature (detector blind round 26: siam's trip planner, env=dev
    at 2% of it, x20 for three days): the feature runs +25% for three working days, each day 2.5-4 robust scales
    up. Three days running each past 2.5 scales, together as far off as one day past 4 (and none of the first two
    unusual on its own), are an anomaly. Of seeds 0-29 the model finds 22 such loops with the run test and 19
    without it, and no clean twin gets a flag from it; these three it finds only with it. The twin with the same
    noise has no day flagged from day 60 on."""
    import spendscope.tools.governance.anomaly_model as model

    start, n, at = dt.date(2026, 1, 5), 180, 128  # day 128 is a Wednesday
    days = [start + dt.timedelta(days=i) for i in range(n)]
    weekly = np.array([0.4 if d.weekday() >= 5 else 1.0 for d in days])
    clean = 1000.0 * weekly * np.exp(np.random.default_rng(seed).normal(0, 0.05, n))
    loop = clean.copy()
    loop[at : at + 3] *= 1.25
    cal = build_calendar(start, n, "none")
    assert score_days(loop[None, :], cal, _gate, z=4.0).flags[0, at : at + 3].any()
    assert not score_days(clean[None, :], cal, _gate, z=4.0).flags[0, 60:].any()
    monkeypatch.setattr(model, "RUN_Z", np.inf)
    assert not score_days(loop[None, :], cal, _gate, z=4.0).flags[0, at : at + 3].any()


@pytest.mark.parametrize("seed", range(3))
def test_an_israeli_week_has_its_weekend_on_friday_and_saturday(seed: int) -> None:
    """Detector blind round 27 (galil): an office tool in Israel at 35% of a weekday on Fridays, 15% on Saturdays,
    a full working day on Sundays and 15% on its public holidays; on Yom Kippur (2026-09-21, a Monday) a crawl left
    running takes it to a weekday's level. The calendar took Saturday and Sunday for the weekend, so a holiday whose
    memory runs at a weekend's level was measured from the busier weekend day, a Sunday (a working day), and the
    day was not a spike. The holidays package's weekend for IL is Friday and Saturday; against them it is. No other
    holiday is flagged. And a holiday is judged against its own range: after a level shift down that ended weeks
    before, its rise to a weekday's level is no return to the level before that event."""
    start, n = dt.date(2026, 4, 29), 180
    cal = build_calendar(start, n, "IL")
    assert cal.weekend == frozenset({4, 5}) and build_calendar(start, n, "US").weekend == frozenset({5, 6})
    days = [start + dt.timedelta(days=i) for i in range(n)]
    week = (1.0, 1.0, 1.0, 1.0, 0.35, 0.15, 1.0)
    factor = np.where(cal.holiday, 0.15, np.array([week[d.weekday()] for d in days]))
    y = 1000.0 * factor * np.exp(np.random.default_rng(seed).normal(0, 0.05, n))
    day = days.index(dt.date(2026, 9, 21))
    y[day] = 1050.0
    sc = score_days(y[None, :], cal, _gate, z=4.0)
    assert [int(i) for i in np.nonzero(sc.flags[0])[0] if i >= 30] == [day]
    # after a level shift down that ended three weeks before (Aug 17-30 at half), the holiday's rise to a weekday's
    # level was read as the line's return to its level before that event (back), not as a spike
    shift = [days.index(dt.date(2026, 8, 17)) + k for k in range(14)]
    y[shift] *= 0.5
    sc = score_days(y[None, :], cal, _gate, z=4.0)
    assert sc.flags[0, day] and not sc.recovered[0, day]
