"""Forecast models and their calibration (docs/analytics.md explains them for analysts).

Three candidates per series: seasonal naive (last week repeated), ETS (statsmodels ETSModel: additive errors,
weekly seasonality, damped trend or none, additive or multiplicative season; lowest AICc) and SARIMA
(1,0,1)(0,1,1)7. `choose` runs a rolling-origin backtest (14-day forecasts from three origins 14 days apart, every
model refitted on the data before its origin): SARIMA unless another model's mean absolute error is at least 10%
lower (three folds are a noisy judge; a switch on noise extrapolates it). The models are fitted on the series
with transient outliers replaced, but their errors are measured against the days as they were (`target`): real
days have outliers, and an interval calibrated without them covers too little.

The chosen model's intervals are calibrated on its errors from origins a week apart across the whole history,
each fold as long as the forecast (14 to 35 days: a 30-day forecast is judged on 30-day errors). Those folds re-run
the model's parameters on the history before each origin instead of refitting (`Fitted.from_origin`): that makes
a dozen folds as cheap as one fit, and a dozen folds see the unusual weeks a 90% interval must allow for, where
three folds see one or none. Errors are scaled by the level of each fold's forecast. The interval is the wider of
the split-conformal interval from those errors and a random walk of week-on-week changes
(tools.governance.forecast_intervals). With under two weekly seasons (14 days) of history the forecast is the
recent mean, with intervals from its dispersion, and says so.

statsmodels takes over a second to import, so it is imported inside the functions that fit.

Two things keep fits cheap. BLAS runs on one thread while a forecast is fitted: the state-space filter multiplies
matrices of a few rows, where extra threads only wait on each other (on a busy 2-core host a SARIMA fit took 8-20 s
with OpenBLAS's default threads and 1-1.6 s on one). And the parameters a fit finds are remembered per series
(`_remembered`): the backtest refits every model on the same histories again whenever the same scope is forecast
again (a month-end landing, then the quarter, then a follow-up), and re-running remembered parameters through the
model's filter gives the same forecast as the fit did, for a fiftieth of its cost.
"""

from __future__ import annotations

import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from spendscope.tools.governance.forecast_intervals import conformal, drift, union
from threadpoolctl import threadpool_limits

SEASON = 7
FOLD_DAYS = 14  # shortest horizon of a backtest fold (and the step between fold origins)
MAX_FOLD_DAYS = 35  # longest: a fold as long as the forecast, up to five weeks
FOLDS = 3
MIN_TRAIN = 28  # days of history a fold's model is fitted on at least
MIN_ETS_DAYS = 21
MIN_SARIMA_DAYS = 28
METHODS = ("seasonal_naive", "ets", "sarima")
DEFAULT_METHOD = "sarima"
SWITCH_MARGIN = 0.30  # measured on every labelled set of bench/anomaly_benchmark.py (docs/performance.md)


@dataclass
class SeriesForecast:
    mean: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    paths: list[np.ndarray]  # simulated path sets, each simulations x horizon (forecast_intervals)
    model: str
    method: str
    notes: list[str] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)  # backtest mean absolute error per candidate

    def total_quantiles(self, level: float, first: int = 0, last: int | None = None) -> tuple[float, float]:
        """Interval of the total over horizon days `first`..`last` (not the sum of the daily intervals); it
        always holds the forecast total itself (backtest errors with a bias can shift the quantiles past it)."""
        a = (100 - level) / 200
        total = float(self.mean[first:last].sum())
        lo, hi = total, total
        for paths in self.paths:  # the wider of the views
            p_lo, p_hi = np.quantile(paths[:, first:last].sum(axis=1), [a, 1 - a])
            lo, hi = min(lo, float(p_lo)), max(hi, float(p_hi))
        return lo, hi

    def total_samples(self, first: int = 0, last: int | None = None) -> np.ndarray:
        """Simulated totals over horizon days `first`..`last`, every view's paths pooled (for probabilities)."""
        return np.concatenate([paths[:, first:last].sum(axis=1) for paths in self.paths])

    def shift(self, extra: np.ndarray) -> None:
        """Add known amounts (recurring charges) to every day of the forecast, its intervals and paths."""
        self.mean, self.lower, self.upper = self.mean + extra, self.lower + extra, self.upper + extra
        self.paths = [paths + extra for paths in self.paths]


# ------------------------------------------------------------------------------------------- point models


@dataclass
class Fitted:
    """A model fitted on a history: its forecast from the end of that history, and the same parameters re-run on
    an earlier part of it (`from_origin`), which is how the calibration folds forecast without refitting."""

    name: str
    forecast: Callable[[int], np.ndarray]
    from_origin: Callable[[np.ndarray, int], np.ndarray]


REMEMBERED_FITS = 512  # parameter sets kept per process: a few floats each
_fits: OrderedDict[tuple[str, bytes], Any] = OrderedDict()
_fits_lock = threading.Lock()


def _remembered(kind: str, y: np.ndarray) -> tuple[tuple[str, bytes], Any]:
    """The key of `kind` fitted on `y`, and what an earlier fit of it found (None when it was never fitted)."""
    key = (kind, np.ascontiguousarray(y, dtype=float).tobytes())
    with _fits_lock:
        found = _fits.get(key)
        if found is not None:
            _fits.move_to_end(key)
    return key, found


def _remember(key: tuple[str, bytes], found: Any) -> None:
    with _fits_lock:
        _fits[key] = found
        while len(_fits) > REMEMBERED_FITS:
            _fits.popitem(last=False)


def naive_mean(y: np.ndarray, horizon: int) -> tuple[np.ndarray, str]:
    return np.full(horizon, float(np.mean(y[-SEASON:]))), "recent mean (history under two weekly seasons)"


def _repeat_last_week(y: np.ndarray, horizon: int) -> np.ndarray:
    return np.resize(y[-SEASON:], horizon).astype(float)


def fit_seasonal_naive(y: np.ndarray) -> Fitted:
    return Fitted("seasonal naive (last week repeated)", lambda h: _repeat_last_week(y, h), _repeat_last_week)


def _daily(y: np.ndarray):  # noqa: ANN202 (a pandas Series; pandas is imported late)
    import pandas as pd

    return pd.Series(y, index=pd.date_range("2000-01-03", periods=len(y), freq="D"))


def fit_ets(y: np.ndarray) -> Fitted:
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    scale = float(np.mean(np.abs(y))) or 1.0
    key, found = _remembered("ets", y)
    if found is not None:  # (spec, params) of the best fit, or "naive" when none converged
        if found == "naive":
            return fit_seasonal_naive(y)
        spec, params = found
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                best = (0.0, ETSModel(_daily(y / scale), **spec).smooth(params), spec)
            except (ValueError, np.linalg.LinAlgError):
                best = _best_ets(y, scale)
    else:
        best = _best_ets(y, scale)
        _remember(key, "naive" if best is None else (best[2], np.asarray(best[1].params)))
    if best is None:
        return fit_seasonal_naive(y)
    _, fit, spec = best

    def from_origin(train: np.ndarray, h: int) -> np.ndarray:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                run = ETSModel(_daily(train / scale), **spec).smooth(fit.params)
                return np.asarray(run.forecast(h), dtype=float) * scale
            except (ValueError, np.linalg.LinAlgError):
                return _repeat_last_week(train, h)

    name = "ETS(A,{},{}) weekly".format(
        "Ad" if spec["trend"] else "N", "A" if spec["seasonal"] == "add" else "M"
    )
    return Fitted(name, lambda h: np.asarray(fit.forecast(h), dtype=float) * scale, from_origin)


def _best_ets(y: np.ndarray, scale: float) -> tuple[float, Any, dict[str, Any]] | None:
    """The ETS variant with the lowest AICc on `y` (scaled): (AICc, fitted results, spec), None when none fits."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    specs: list[tuple[str | None, bool, str]] = [("add", True, "add"), (None, False, "add")]
    if y.min() > 0:
        specs.append(("add", True, "mul"))
    best = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter from the optimiser
        for trend, damped, seasonal in specs:
            spec = dict(
                error="add",
                trend=trend,
                damped_trend=damped,
                seasonal=seasonal,
                seasonal_periods=SEASON,
                initialization_method="heuristic",
            )
            try:
                fit = ETSModel(_daily(y / scale), **spec).fit(disp=False, maxiter=200)
            except (ValueError, np.linalg.LinAlgError):
                continue
            if np.isfinite(fit.aicc) and (best is None or fit.aicc < best[0]):
                best = (fit.aicc, fit, spec)
    return best


def fit_sarima(y: np.ndarray) -> Fitted:
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    scale = float(np.mean(np.abs(y))) or 1.0
    model = SARIMAX(y / scale, order=(1, 0, 1), seasonal_order=(0, 1, 1, SEASON))
    key, params = _remembered("sarima", y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if params is None:
                params = np.asarray(model.fit(disp=False, maxiter=50, return_params=True))
                _remember(key, params)
            # the fit's parameters through the filter: the forecast a fit returns, and `apply` re-runs the
            # filter only (no smoother, no standard errors: a forecast needs neither)
            fit = model.filter(params, cov_type="none")
        except (ValueError, np.linalg.LinAlgError):
            return fit_seasonal_naive(y)

    def from_origin(train: np.ndarray, h: int) -> np.ndarray:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                return np.asarray(fit.apply(train / scale).forecast(h), dtype=float) * scale
            except (ValueError, np.linalg.LinAlgError):
                return _repeat_last_week(train, h)

    return Fitted(
        "SARIMA(1,0,1)(0,1,1)7", lambda h: np.asarray(fit.forecast(h), dtype=float) * scale, from_origin
    )


FITS: dict[str, Callable[[np.ndarray], Fitted]] = {
    "seasonal_naive": fit_seasonal_naive,
    "ets": fit_ets,
    "sarima": fit_sarima,
}


def model_mean(method: str, y: np.ndarray, horizon: int) -> tuple[np.ndarray, str]:
    """`horizon` days after `y` from `method` fitted on `y`, and the model's name."""
    fitted = FITS[method](y)
    return fitted.forecast(horizon), fitted.name


def _usable(method: str, n: int) -> bool:
    need = {"seasonal_naive": 2 * SEASON, "ets": MIN_ETS_DAYS, "sarima": MIN_SARIMA_DAYS}[method]
    return n >= need


# ---------------------------------------------------------------------------------------- calibration


def fold_days(n: int, horizon: int) -> int:
    """Days each backtest fold forecasts: the forecast's horizon within 14..35 days, shorter when the history
    (n days) cannot hold a fold that long after MIN_TRAIN days."""
    return max(FOLD_DAYS, min(max(horizon, FOLD_DAYS), MAX_FOLD_DAYS, n - MIN_TRAIN))


def _folds(n: int, days: int = FOLD_DAYS) -> list[int]:
    """Origins of the rolling backtest (index of each fold's first forecast day), oldest first: the last fold
    ends with the history, the others start 14 days apart before it."""
    return [o for o in (n - days - FOLD_DAYS * k for k in range(FOLDS - 1, -1, -1)) if o >= MIN_TRAIN]


def backtest_errors(
    y: np.ndarray, method: str, horizon: int = FOLD_DAYS, target: np.ndarray | None = None
) -> list[np.ndarray]:
    """Per fold: (actual - forecast) / level of that forecast over the fold's days; the model is fitted on `y`
    before the origin, the actual days are `target`'s (default `y`)."""
    actual = y if target is None else target
    days = fold_days(len(y), horizon)
    out = []
    for origin in _folds(len(y), days):
        train, test = y[:origin], actual[origin : origin + days]
        if not _usable(method, len(train)):
            continue
        mean, _ = model_mean(method, train, len(test))
        mean = np.maximum(mean, 0.0) if y.min() >= 0 else mean
        level = max(float(np.mean(np.abs(mean))), 1e-9)
        out.append((test - mean) / level)
    return out


def calibration_errors(
    y: np.ndarray, fitted: Fitted, horizon: int, target: np.ndarray | None = None
) -> list[np.ndarray]:
    """The calibration set: errors of `fitted` (its parameters, re-run on the history before each origin) over
    folds as long as the forecast (fold_days), from origins a week apart across the whole history after
    MIN_TRAIN days; scaled like backtest_errors. Many origins are what make the tail quantiles of a 90%
    interval stable: three folds see one or two unusual weeks or none."""
    actual = y if target is None else target
    days = fold_days(len(y), horizon)
    nonneg = y.min() >= 0
    out = []
    for origin in range(len(y) - days, MIN_TRAIN - 1, -SEASON):
        mean = fitted.from_origin(y[:origin], days)
        mean = np.maximum(mean, 0.0) if nonneg else mean
        level = max(float(np.mean(np.abs(mean))), 1e-9)
        out.append((actual[origin : origin + days] - mean) / level)
    return out[::-1]


def choose(
    y: np.ndarray,
    methods: tuple[str, ...] = METHODS,
    horizon: int = FOLD_DAYS,
    target: np.ndarray | None = None,
) -> tuple[str, dict[str, float], list[np.ndarray]]:
    """The model to forecast with, its score per candidate (backtest mean absolute error, scaled) and the chosen
    one's fold errors. SARIMA is the default: another candidate replaces it only with a backtest error at least
    SWITCH_MARGIN lower, because three folds are a noisy judge and a model switched on noise extrapolates it
    (ETS's damped trend carries a recent ramp forward). Without SARIMA among the usable candidates, the lowest
    error wins."""
    scores: dict[str, float] = {}
    errors: dict[str, list[np.ndarray]] = {}
    days = fold_days(len(y), horizon)
    for m in methods:
        if not _usable(m, len(y) - days):
            continue
        errs = backtest_errors(y, m, horizon, target)
        if errs:
            errors[m] = errs
            scores[m] = float(np.mean(np.abs(np.concatenate(errs))))
    if not scores:
        return ("seasonal_naive" if len(y) >= 2 * SEASON else "mean"), {}, []
    best = min(scores, key=lambda m: (scores[m], METHODS.index(m)))
    if DEFAULT_METHOD in scores and scores[best] > (1 - SWITCH_MARGIN) * scores[DEFAULT_METHOD]:
        best = DEFAULT_METHOD
    return best, scores, errors[best]


def fit_forecast(
    y: np.ndarray,
    horizon: int,
    level: float = 90.0,
    method: str = "auto",
    target: np.ndarray | None = None,
) -> SeriesForecast:
    """Forecast `horizon` days after `y` with the chosen (or the named) model and conformal intervals calibrated
    on the backtest errors against `target` (the series before outliers were replaced; default `y`)."""
    import scipy.linalg  # noqa: F401 - loads scipy's own BLAS first: the limit reaches only libraries loaded

    with threadpool_limits(limits=1):  # small matrices: BLAS threads only contend (module docstring)
        return _fit_forecast(y, horizon, level, method, target)


def _fit_forecast(
    y: np.ndarray, horizon: int, level: float, method: str, target: np.ndarray | None
) -> SeriesForecast:
    notes: list[str] = []
    if len(y) < 2 * SEASON:
        mean, name = naive_mean(y, horizon)
        spread = np.std(y[-SEASON:]) / max(float(np.mean(np.abs(y[-SEASON:]))), 1e-9)
        errors = [np.array([-1.645, 1.645]) * spread * np.sqrt(1 + 1 / max(1, len(y)))]
        lower, upper, paths = conformal(mean, errors, level, bool(y.min() >= 0))
        return SeriesForecast(mean, lower, upper, [paths], name, "mean", notes)
    methods = METHODS if method == "auto" else (method,)
    chosen, scores, _ = choose(y, methods, FOLD_DAYS, target)
    if chosen == "mean" or not _usable(chosen, len(y)):
        chosen = "seasonal_naive"
    fitted = FITS[chosen](y)
    errors = calibration_errors(y, fitted, horizon, target)
    if not errors:
        errors = [_in_sample_errors(y)]
        notes.append(
            "too little history for a rolling backtest: intervals from in-sample week-on-week changes"
        )
    mean, name = fitted.forecast(horizon), fitted.name
    if y.min() >= 0:
        mean = np.maximum(mean, 0.0)
    nonneg = bool(y.min() >= 0)
    history = y if target is None else target
    lower, upper, paths = union(conformal(mean, errors, level, nonneg), drift(mean, history, level, nonneg))
    return SeriesForecast(mean, lower, upper, paths, name, chosen, notes, scores)


def _in_sample_errors(y: np.ndarray) -> np.ndarray:
    diffs = y[SEASON:] - y[:-SEASON]
    return diffs / max(float(np.mean(np.abs(y))), 1e-9)
