"""Forecast: synthetic series with a known weekly pattern and trend, the backtest metrics recomputed by hand,
outliers kept out of the fit, `as_of` honoured, and typed errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from governance_series import START, WEEKLY, make_store, weekly
from spendscope.data.errors import InvalidPeriod, UnknownDimension, UnknownValue
from spendscope.data.store import Store
from spendscope.tools.costs.breakdown import Filter
from spendscope.tools.governance.anomaly_model import score_days
from spendscope.tools.governance.calendar import build_calendar
from spendscope.tools.governance.forecast import ForecastInput, clean_outliers, forecast

SEARCH = ("OpenAI", "search", "rerank", "gpt-4o")
ADS = ("Anthropic", "ads", "copy", "claude-sonnet-4-5")
DAYS = 84


def truth(level: float, trend: float, i: int) -> float:
    day = START + dt.timedelta(days=i)
    return level * WEEKLY[day.weekday()] * (1 + trend * i)


@pytest.fixture(scope="module")
def trending(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """search: $200/day x weekly pattern, +1% a day of the start level, 3% noise; ads: flat $50 x pattern."""
    folder = tmp_path_factory.mktemp("forecast")
    store, _ = make_store(
        folder, {SEARCH: weekly(200, 0.01, 0.03, seed=3), ADS: weekly(50, 0.0, 0.03, seed=4)}, DAYS
    )
    return store


def test_forecast_follows_trend_and_weekly_pattern(trending: Store) -> None:
    r = forecast(trending, ForecastInput(filters=[Filter(dimension="team", values=["search"])], horizon=14))
    assert r.start == START + dt.timedelta(days=DAYS) and r.end == r.start + dt.timedelta(days=13)
    assert r.history_start == START and r.history_end == START + dt.timedelta(days=DAYS - 1)
    expected = np.array([truth(200, 0.01, DAYS + h) for h in range(14)])
    got = np.array([p.value for p in r.points])
    assert np.mean(np.abs(got - expected) / expected) < 0.06  # 3% daily noise
    inside = np.mean([(p.lower <= e <= p.upper) for p, e in zip(r.points, expected, strict=True)])
    assert inside >= 0.8
    assert r.total_lower < expected.sum() < r.total_upper
    assert r.total == pytest.approx(got.sum(), abs=0.01)
    # weekends are forecast lower than weekdays, as in the history
    by_day = {p.day.weekday(): p.value for p in r.points[:7]}
    assert by_day[6] < 0.7 * by_day[1]


def test_backtest_baseline_metrics_match_a_hand_computation(trending: Store) -> None:
    r = forecast(
        trending,
        ForecastInput(filters=[Filter(dimension="team", values=["search"])], horizon=7, backtest_days=14),
    )
    b = r.backtest
    assert b is not None and b.days == 14
    assert b.holdout_start == START + dt.timedelta(days=DAYS - 14)
    with trending.reader() as con:
        y = np.array(
            [
                float(v)
                for (v,) in con.execute(
                    "SELECT SUM(EffectiveCost) FROM costs WHERE json_extract_string(Tags, '$.team') = 'search' "
                    "GROUP BY CAST(ChargePeriodStart AS DATE) ORDER BY CAST(ChargePeriodStart AS DATE)"
                ).fetchall()
            ]
        )
    train, test = y[:-14], y[-14:]
    naive = np.concatenate([train[-7:], train[-7:]])
    mape = np.mean(np.abs(test - naive) / test) * 100
    mase = np.mean(np.abs(test - naive)) / np.mean(np.abs(train[7:] - train[:-7]))
    assert b.naive_mape_pct == pytest.approx(mape, rel=1e-9)
    assert b.naive_mase == pytest.approx(mase, rel=1e-9)
    assert b.naive_total_error_pct == pytest.approx((naive.sum() - test.sum()) / test.sum() * 100, rel=1e-9)
    # on a trending series the model beats repeating last week
    assert b.model_mase < b.naive_mase and b.better == "model"
    assert 0 <= b.interval_coverage_pct <= 100


def test_backtest_off_gives_the_same_forecast_without_its_holdout_score(trending: Store) -> None:
    scope = [Filter(dimension="team", values=["search"])]
    on = forecast(trending, ForecastInput(filters=scope, horizon=14))
    off = forecast(trending, ForecastInput(filters=scope, horizon=14, backtest=False))
    assert on.backtest is not None and off.backtest is None
    assert off.total == on.total and off.month_end == on.month_end and off.model == on.model


def test_a_spike_in_history_does_not_inflate_the_forecast(tmp_path: Path) -> None:
    clean, _ = make_store(tmp_path, {SEARCH: weekly(200, 0.0, 0.02, seed=5)}, 70, name="clean")
    spiky, _ = make_store(
        tmp_path, {SEARCH: weekly(200, 0.0, 0.02, seed=5)}, 70, extra={(SEARCH, 65): 1500.0}, name="spiky"
    )
    # repeating last week would repeat the spike, unless the fit sees the cleaned history
    a = forecast(clean, ForecastInput(horizon=14, method="seasonal_naive"))
    b = forecast(spiky, ForecastInput(horizon=14, method="seasonal_naive"))
    assert b.outliers_replaced == [START + dt.timedelta(days=65)]
    assert b.history[-5].cleaned is not None and b.history[-5].value > 1500
    assert a.outliers_replaced == []
    assert b.total == pytest.approx(a.total, rel=0.03)


def test_as_of_uses_only_earlier_data(tmp_path: Path, trending: Store) -> None:
    cut = START + dt.timedelta(days=70)
    shorter, _ = make_store(
        tmp_path,
        {SEARCH: weekly(200, 0.01, 0.03, seed=3), ADS: weekly(50, 0.0, 0.03, seed=4)},
        70,
        name="short",
    )
    a = forecast(trending, ForecastInput(as_of=cut, horizon=10, method="seasonal_naive"))
    b = forecast(shorter, ForecastInput(horizon=10, method="seasonal_naive"))
    assert a.start == b.start == cut
    assert a.total == pytest.approx(b.total, rel=1e-9)


def test_forecast_past_the_data_starts_after_the_last_day(trending: Store) -> None:
    r = forecast(
        trending,
        ForecastInput(as_of=START + dt.timedelta(days=DAYS + 20), horizon=5, method="seasonal_naive"),
    )
    assert r.start == START + dt.timedelta(days=DAYS)
    assert any("data ends" in n for n in r.notes)
    assert r.method == "seasonal_naive"


def test_the_model_of_a_normal_day_expects_the_weekly_pattern_and_scores_a_spike() -> None:
    # on log spend: a multiplicative weekly pattern on a growing level
    n = 70
    y = np.array([truth(100, 0.005, i) for i in range(n)])
    y[50] += 80
    cal = build_calendar(START, n, "none")
    sc = score_days(y[None, :], cal, lambda a, e, f=1.0: np.ones(len(a), bool), z=4.0)
    e = sc.expected[0]
    assert (~np.isnan(e[35:])).all() and np.isnan(e[:14]).all()
    rel = np.abs(e[35:] - np.array([truth(100, 0.005, i) for i in range(35, n)])) / y[35:]
    assert np.delete(rel, 50 - 35).max() < 0.03
    assert sc.score[0, 50] > 10 and sc.flags[0, 50]
    assert np.abs(np.delete(sc.score[0, 35:], 50 - 35)).max() < 4


def test_clean_outliers_replaces_a_spike_but_keeps_a_new_level() -> None:
    y = np.array([truth(100, 0.0, i) for i in range(70)])
    spiky = y.copy()
    spiky[50] += 300
    cleaned, replaced = clean_outliers(spiky)
    assert replaced == [50] and abs(cleaned[50] - y[50]) < 0.05 * y[50]
    shifted = y.copy()
    shifted[60:] *= 1.8  # lasts to the end: may be the new normal
    kept, none = clean_outliers(shifted)
    assert none == [] and np.array_equal(kept, shifted)


def test_too_little_history_is_an_invalid_period(tmp_path: Path) -> None:
    store, _ = make_store(tmp_path, {SEARCH: weekly(100)}, 6)
    with pytest.raises(InvalidPeriod) as err:
        forecast(store, ForecastInput())
    assert err.value.code == "invalid_period"


def test_a_history_shorter_than_two_seasons_is_forecast_with_a_warning(tmp_path: Path) -> None:
    store, written = make_store(tmp_path, {SEARCH: weekly(100)}, 10)
    r = forecast(store, ForecastInput(horizon=7))
    assert r.method == "mean" and any(n.startswith("warning: only 10 days") for n in r.notes)
    last_week = [float(v) for (_, d), v in sorted(written.items(), key=lambda kv: kv[0][1])][-7:]
    assert r.points[0].value == pytest.approx(sum(last_week) / 7, rel=1e-6)
    assert all(p.lower <= p.value <= p.upper for p in r.points)
    longer, _ = make_store(tmp_path, {SEARCH: weekly(100)}, 40, name="longer")
    assert any("under two months" in n for n in forecast(longer, ForecastInput(horizon=7)).notes)


def test_empty_store_is_an_invalid_period(store: Store) -> None:
    with pytest.raises(InvalidPeriod):
        forecast(store, ForecastInput())


def test_scope_naming_nothing_known_is_refused(trending: Store) -> None:
    with pytest.raises(UnknownValue) as err:
        forecast(trending, ForecastInput(filters=[Filter(dimension="team", values=["serch"])]))
    assert err.value.code == "unknown_value" and "search" in err.value.message
    with pytest.raises(UnknownDimension) as err2:
        forecast(trending, ForecastInput(filters=[Filter(dimension="squad", values=["x"])]))
    assert err2.value.code == "unknown_dimension"


def test_auto_keeps_sarima_unless_another_model_has_a_clearly_lower_backtest_error(trending: Store) -> None:
    from spendscope.tools.governance.forecast_models import METHODS, SWITCH_MARGIN

    r = forecast(trending, ForecastInput(horizon=14))
    scores = {c.method: c.backtest_mae_pct for c in r.candidates}
    assert set(scores) == set(METHODS)
    best = min(scores, key=lambda m: (scores[m], METHODS.index(m)))
    expected = "sarima" if scores[best] > (1 - SWITCH_MARGIN) * scores["sarima"] else best
    assert r.method == expected


def test_a_model_that_wins_the_backtest_by_less_than_the_margin_does_not_replace_sarima(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import spendscope.tools.governance.forecast_models as fm

    y = np.tile([1.0, 1.1, 1.1, 1.0, 0.9, 0.5, 0.5], 12) * 100
    close = {"seasonal_naive": 0.085, "ets": 0.080, "sarima": 0.100}  # 20% better: noise over three folds
    clear = {"seasonal_naive": 0.120, "ets": 0.060, "sarima": 0.100}  # 40% better: a real difference
    for scores, chosen in ((close, "sarima"), (clear, "ets")):
        monkeypatch.setattr(
            fm,
            "backtest_errors",
            lambda y, m, h=14, t=None, s=scores: [np.full(14, s[m]), -np.full(14, s[m])],
        )
        assert fm.choose(y)[0] == chosen
    # without SARIMA among the candidates the lowest error wins
    assert fm.choose(y, ("seasonal_naive", "ets"))[0] == "ets"


def test_intervals_are_calibrated_on_folds_from_origins_a_week_apart_across_the_history() -> None:
    from spendscope.tools.governance.forecast_models import MIN_TRAIN, calibration_errors, fit_seasonal_naive

    y = np.tile([1.0, 1.1, 1.1, 1.0, 0.9, 0.5, 0.5], 20)[:130] * 100
    errors = calibration_errors(y, fit_seasonal_naive(y), 30)
    assert len(errors) == (130 - 30 - MIN_TRAIN) // 7 + 1 and all(len(e) == 30 for e in errors)
    assert np.allclose(np.concatenate(errors), 0.0)  # a pure weekly pattern: last week repeated is exact


def test_a_history_of_lasting_level_changes_widens_the_interval_with_the_weeks_ahead() -> None:
    """Spend that moves to a new level and stays there (a random walk of week-on-week changes) makes the interval
    of a day grow with the weeks ahead, even where the model's backtest folds saw few such moves."""
    from spendscope.tools.governance.forecast_intervals import drift

    rng = np.random.default_rng(3)
    week = np.tile([1.0, 1.05, 1.05, 1.0, 0.95, 0.55, 0.5], 20)[:140]
    level = 500 * np.exp(np.cumsum(rng.normal(0, 0.04, 140)))  # the level wanders and stays where it went
    y = level * week
    mean = np.resize(y[-7:], 35)
    lower, upper, paths = drift(mean, y, 90.0, True)
    width = (upper - lower) / mean
    assert width[28:35].mean() > 1.5 * width[:7].mean()
    assert (lower <= mean).all() and (mean <= upper).all() and paths.shape == (1000, 35)


def test_the_interval_of_a_day_or_total_is_the_wider_of_the_model_view_and_the_drift_view() -> None:
    from spendscope.tools.governance.forecast_intervals import conformal, drift
    from spendscope.tools.governance.forecast_models import (
        calibration_errors,
        fit_forecast,
        fit_seasonal_naive,
    )

    rng = np.random.default_rng(8)
    y = 300 * np.tile([1.0, 1.05, 1.05, 1.0, 0.95, 0.55, 0.5], 20)[:120] * np.exp(rng.normal(0, 0.06, 120))
    fc = fit_forecast(y, 30, 90.0, method="seasonal_naive")
    errors = calibration_errors(y, fit_seasonal_naive(y), 30)
    c_lo, c_hi, c_paths = conformal(fc.mean, errors, 90.0, True)
    d_lo, d_hi, d_paths = drift(fc.mean, y, 90.0, True)
    assert np.allclose(fc.lower, np.minimum(c_lo, d_lo)) and np.allclose(fc.upper, np.maximum(c_hi, d_hi))
    lo, hi = fc.total_quantiles(90.0)
    for paths in (c_paths, d_paths):
        p_lo, p_hi = np.quantile(paths.sum(axis=1), [0.05, 0.95])
        assert lo <= p_lo + 1e-6 and hi >= p_hi - 1e-6
    assert len(fc.total_samples()) == 2 * len(c_paths)


def test_conformal_intervals_cover_about_their_level_on_held_out_days() -> None:
    """90% intervals from the backtest errors cover 85-95% of held-out days, over many noisy series."""
    from spendscope.tools.governance.forecast_models import fit_forecast

    rng = np.random.default_rng(11)
    inside, total = 0, 0
    for _ in range(24):
        n = 140
        week = np.tile([1.0, 1.05, 1.05, 1.0, 0.95, 0.55, 0.5], 30)[: n + 21]
        y = 500 * week * (1 + 0.002 * np.arange(n + 21)) * np.exp(rng.normal(0, 0.08, n + 21))
        fc = fit_forecast(y[:n], 21, 90.0, method="seasonal_naive")
        held = y[n:]
        inside += int(((held >= fc.lower) & (held <= fc.upper)).sum())
        total += len(held)
    assert 0.85 <= inside / total <= 0.95


def test_the_month_end_landing_is_month_to_date_plus_the_rest(tmp_path: Path) -> None:
    store, written = make_store(tmp_path, {SEARCH: weekly(100, noise=0.05)}, 80)
    cut = START + dt.timedelta(days=75)  # 2026-09-19
    r = forecast(store, ForecastInput(as_of=cut, horizon=5))
    m = r.month_end
    assert m is not None and m.month == cut.strftime("%Y-%m") and m.days_elapsed == cut.day - 1
    mtd = sum(float(v) for (_, d), v in written.items() if cut.replace(day=1) <= d < cut)
    assert m.month_to_date == pytest.approx(mtd, abs=0.01)
    assert m.days_remaining == 30 - cut.day + 1 and len(r.points) == 5
    assert m.landing == pytest.approx(m.month_to_date + m.forecast_rest, abs=0.02)
    assert m.lower <= m.landing <= m.upper
    assert sum(p.value for p in r.points) == pytest.approx(r.total, abs=0.01)


def test_recurring_monthly_fees_stay_in_the_forecast(tmp_path: Path) -> None:
    from anomaly_cases import charge, days, store_from_rows, usage, workday_series

    base = workday_series(500, weekend=0.9, noise=0.03)
    rows = [usage(d, base(i, d), feature="rerank") for i, d in enumerate(days(dt.date(2026, 5, 4), 100))]
    rows += [charge(d, 4000.0) for d in days(dt.date(2026, 5, 4), 100) if d.day == 1]
    store = store_from_rows(tmp_path, rows)
    r = forecast(store, ForecastInput(horizon=30))
    first = next(p for p in r.points if p.day.day == 1)
    others = [p.value for p in r.points if p.day.day != 1]
    assert first.value == pytest.approx(np.mean(others) + 4000, rel=0.1)
    assert "recurring charges" in r.model


def test_backtest_folds_reach_as_far_ahead_as_the_forecast() -> None:
    from spendscope.tools.governance.forecast_models import _folds, fold_days

    assert fold_days(120, 30) == 30 and fold_days(120, 7) == 14 and fold_days(200, 90) == 35
    assert fold_days(50, 30) == 22  # a short history holds a shorter fold after 28 days of training
    assert _folds(120, 30) == [62, 76, 90]  # the last fold ends with the history


def test_intervals_are_calibrated_on_the_days_as_they_were_not_the_cleaned_ones() -> None:
    """The model is fitted on the series with outliers replaced, but real days have outliers: the errors that
    calibrate the interval are measured against the raw days, so the interval is wider than the cleaned
    series alone would make it."""
    from spendscope.tools.governance.forecast_models import fit_forecast

    rng = np.random.default_rng(5)
    week = np.tile([1.0, 1.05, 1.05, 1.0, 0.95, 0.55, 0.5], 20)[:120]
    cleaned = 400 * week * np.exp(rng.normal(0, 0.05, 120))
    raw = cleaned.copy()
    raw[rng.choice(np.arange(40, 120), 12, replace=False)] *= 2.5  # one day in seven is a spike
    plain = fit_forecast(cleaned, 30, 90.0, method="seasonal_naive")
    real = fit_forecast(cleaned, 30, 90.0, method="seasonal_naive", target=raw)
    assert np.allclose(plain.mean, real.mean)
    assert (real.upper - real.mean).mean() > 1.2 * (plain.upper - plain.mean).mean()
