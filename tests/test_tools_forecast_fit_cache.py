"""Forecast fits: a series forecast again reuses the parameters its first fit found (no optimiser run) and gives
the same forecast a fresh fit gives; BLAS runs on one thread while a forecast is fitted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from spendscope.tools.governance import forecast_models
from spendscope.tools.governance.forecast_models import fit_forecast
from threadpoolctl import threadpool_info


def _series(days: int = 120, seed: int = 5) -> np.ndarray:
    rng = np.random.default_rng(seed)
    week = np.array([1.0, 1.1, 1.15, 1.1, 1.0, 0.6, 0.55])
    return 300 * np.resize(week, days) * (1 + 0.004 * np.arange(days)) + rng.normal(0, 8, days)


def _same(a: forecast_models.SeriesForecast, b: forecast_models.SeriesForecast) -> None:
    assert (a.model, a.method) == (b.model, b.method)
    np.testing.assert_allclose(a.mean, b.mean, rtol=1e-9)
    np.testing.assert_allclose(a.lower, b.lower, rtol=1e-9)
    np.testing.assert_allclose(a.upper, b.upper, rtol=1e-9)
    assert a.scores == pytest.approx(b.scores, rel=1e-9)


@pytest.mark.parametrize("method", ["auto", "sarima", "ets"])
def test_a_series_forecast_again_reuses_its_fit_and_gives_the_same_forecast(
    method: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    y = _series(seed={"auto": 5, "sarima": 6, "ets": 7}[method])
    forecast_models._fits.clear()
    first = fit_forecast(y, 30, 90.0, method)
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the optimiser ran for a series fitted before")

    with monkeypatch.context() as m:
        m.setattr(SARIMAX, "fit", refuse)
        m.setattr(ETSModel, "fit", refuse)
        again = fit_forecast(y, 30, 90.0, method)
        other_horizon = fit_forecast(y, 14, 90.0, method)  # the backtest's fits are the same ones
    _same(first, again)
    assert other_horizon.mean[:14] == pytest.approx(first.mean[:14], rel=1e-9)


def test_a_changed_series_is_fitted_afresh() -> None:
    y = _series(seed=8)
    forecast_models._fits.clear()
    fit_forecast(y, 14, 90.0, "sarima")
    changed = y.copy()
    changed[-1] += 500  # one new day's spend: another series
    calls = []
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    real_fit = SARIMAX.fit

    def counting(self: SARIMAX, *args: object, **kwargs: object) -> object:
        calls.append(len(self.endog))
        return real_fit(self, *args, **kwargs)

    with pytest.MonkeyPatch.context() as m:
        m.setattr(SARIMAX, "fit", counting)
        fit_forecast(changed, 14, 90.0, "sarima")
    assert len(y) in calls  # the final fit on the whole (changed) history ran


def test_the_parameters_remembered_give_what_a_fresh_fit_gives() -> None:
    y = _series(seed=9)
    forecast_models._fits.clear()
    cold = fit_forecast(y, 21, 80.0, "auto")
    warm = fit_forecast(y, 21, 80.0, "auto")
    forecast_models._fits.clear()
    _same(cold, warm)
    _same(cold, fit_forecast(y, 21, 80.0, "auto"))


def test_blas_runs_on_one_thread_while_a_forecast_is_fitted(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[int]] = []
    real = forecast_models._fit_forecast

    def watching(*args: object, **kwargs: object) -> object:
        seen.append([lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"])
        return real(*args, **kwargs)

    monkeypatch.setattr(forecast_models, "_fit_forecast", watching)
    fit_forecast(_series(days=60, seed=10), 7, 90.0, "seasonal_naive")
    assert seen and seen[0] and set(seen[0]) == {1}


def test_the_one_thread_limit_reaches_scipys_blas_in_a_fresh_process(tmp_path: Path) -> None:
    """statsmodels (and scipy's BLAS with it) loads on the first forecast of a process: the limit must reach it
    on that first fit too, not only on later ones."""
    script = (
        "import numpy as np\n"
        "from threadpoolctl import threadpool_info\n"
        "from spendscope.tools.governance import forecast_models as fm\n"
        "seen = []\n"
        "real = fm._fit_forecast\n"
        "def watching(*a, **k):\n"
        "    seen.extend(i['num_threads'] for i in threadpool_info() if i['user_api'] == 'blas')\n"
        "    return real(*a, **k)\n"
        "fm._fit_forecast = watching\n"
        "fm.fit_forecast(np.resize([5.0, 6, 7, 6, 5, 2, 2], 40), 7, 90.0, 'seasonal_naive')\n"
        "libs = [i['filepath'] for i in threadpool_info() if i['user_api'] == 'blas']\n"
        "print(json.dumps({'libraries': len(libs), 'limited': len(seen), 'threads': sorted(set(seen))}))\n"
    )
    out = subprocess.run([sys.executable, "-c", "import json\n" + script], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout)
    assert seen["threads"] == [1]
    assert (
        seen["limited"] == seen["libraries"] >= 2
    )  # numpy's BLAS and scipy's, both limited on the first fit
