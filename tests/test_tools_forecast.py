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
from spendscope.tools.governance.forecast import ForecastInput, clean_outliers, forecast, robust_baseline

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


def test_robust_baseline_expects_the_weekly_pattern_and_scores_a_spike() -> None:
    # additive model: on log spend it expects a multiplicative weekly pattern on a growing level
    n = 70
    y = np.array([truth(100, 0.005, i) for i in range(n)])
    y[50] += 80
    base = robust_baseline(np.log(y)[None, :], relative_floor=0.0)
    e = np.exp(base.expected[0])
    assert (~np.isnan(e[35:])).all() and np.isnan(e[:14]).all()
    rel = np.abs(e[35:] - np.array([truth(100, 0.005, i) for i in range(35, n)])) / y[35:]
    assert np.delete(rel, 50 - 35).max() < 0.03
    assert base.score[0, 50] > 10
    assert np.abs(np.delete(base.score[0, 35:], 50 - 35)).max() < 4


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
    store, _ = make_store(tmp_path, {SEARCH: weekly(100)}, 10)
    with pytest.raises(InvalidPeriod) as err:
        forecast(store, ForecastInput())
    assert err.value.code == "invalid_period"


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
