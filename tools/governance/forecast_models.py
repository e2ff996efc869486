"""Forecast models and their calibration (docs/analytics.md explains them for analysts).

Three candidates per series: seasonal naive (last week repeated), ETS (statsmodels ETSModel: additive errors,
weekly seasonality, damped trend or none, additive or multiplicative season; lowest AICc) and SARIMA
(1,0,1)(0,1,1)7. `choose` runs a rolling-origin backtest (forecasts from up to three origins 14 days apart, 14
days each, every model refitted on the data before its origin) and keeps the model with the lowest mean absolute
error. Its backtest errors, scaled by the level of each fold's forecast, are the calibration set: the interval
of a new forecast is its mean plus the error quantiles times its level (split conformal), and simulated paths
are that mean plus blocks of a week of consecutive backtest errors, so totals get intervals that keep the errors'
day-to-day correlation. With under two weekly seasons (14 days) of history the forecast is the recent mean,
with intervals from its dispersion, and says so.

statsmodels takes over a second to import, so it is imported inside the functions that fit.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

SEASON = 7
SIMULATIONS = 1000
FOLD_DAYS = 14  # horizon of each backtest fold
FOLDS = 3
MIN_TRAIN = 28  # days of history a fold's model is fitted on at least
MIN_ETS_DAYS = 21
MIN_SARIMA_DAYS = 28
METHODS = ("seasonal_naive", "ets", "sarima")


@dataclass
class SeriesForecast:
    mean: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    paths: np.ndarray  # simulated paths, simulations x horizon (intervals on sums, exceedance probabilities)
    model: str
    method: str
    notes: list[str] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)  # backtest mean absolute error per candidate

    def total_quantiles(self, level: float, first: int = 0, last: int | None = None) -> tuple[float, float]:
        """Interval of the total over horizon days `first`..`last` (not the sum of the daily intervals)."""
        a = (100 - level) / 200
        lo, hi = np.quantile(self.paths[:, first:last].sum(axis=1), [a, 1 - a])
        return float(lo), float(hi)


# ------------------------------------------------------------------------------------------- point models


def naive_mean(y: np.ndarray, horizon: int) -> tuple[np.ndarray, str]:
    return np.full(horizon, float(np.mean(y[-SEASON:]))), "recent mean (history under two weekly seasons)"


def seasonal_naive_mean(y: np.ndarray, horizon: int) -> tuple[np.ndarray, str]:
    return np.resize(y[-SEASON:], horizon).astype(float), "seasonal naive (last week repeated)"


def ets_mean(y: np.ndarray, horizon: int) -> tuple[np.ndarray, str]:
    import pandas as pd
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    scale = float(np.mean(np.abs(y))) or 1.0
    series = pd.Series(y / scale, index=pd.date_range("2000-01-03", periods=len(y), freq="D"))
    specs: list[tuple[str | None, bool, str]] = [("add", True, "add"), (None, False, "add")]
    if y.min() > 0:
        specs.append(("add", True, "mul"))
    best = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter from the optimiser
        for trend, damped, seasonal in specs:
            try:
                fit = ETSModel(
                    series,
                    error="add",
                    trend=trend,
                    damped_trend=damped,
                    seasonal=seasonal,
                    seasonal_periods=SEASON,
                    initialization_method="heuristic",
                ).fit(disp=False, maxiter=200)
            except (ValueError, np.linalg.LinAlgError):
                continue
            if np.isfinite(fit.aicc) and (best is None or fit.aicc < best[0]):
                best = (fit.aicc, fit, trend, seasonal)
    if best is None:
        return seasonal_naive_mean(y, horizon)
    _, fit, trend, seasonal = best
    name = "ETS(A,{},{}) weekly".format("Ad" if trend else "N", "A" if seasonal == "add" else "M")
    return np.asarray(fit.forecast(horizon), dtype=float) * scale, name


def sarima_mean(y: np.ndarray, horizon: int) -> tuple[np.ndarray, str]:
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    scale = float(np.mean(np.abs(y))) or 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fit = SARIMAX(y / scale, order=(1, 0, 1), seasonal_order=(0, 1, 1, SEASON)).fit(
                disp=False, maxiter=50
            )
        except (ValueError, np.linalg.LinAlgError):
            return seasonal_naive_mean(y, horizon)
    return np.asarray(fit.forecast(horizon), dtype=float) * scale, "SARIMA(1,0,1)(0,1,1)7"


MODELS = {"seasonal_naive": seasonal_naive_mean, "ets": ets_mean, "sarima": sarima_mean}


def _usable(method: str, n: int) -> bool:
    need = {"seasonal_naive": 2 * SEASON, "ets": MIN_ETS_DAYS, "sarima": MIN_SARIMA_DAYS}[method]
    return n >= need


# ---------------------------------------------------------------------------------------- calibration


def _folds(n: int) -> list[int]:
    """Origins of the rolling backtest (index of each fold's first forecast day), oldest first."""
    return [o for o in (n - FOLD_DAYS * k for k in range(FOLDS, 0, -1)) if o >= MIN_TRAIN]


def backtest_errors(y: np.ndarray, method: str) -> list[np.ndarray]:
    """Per fold: (actual - forecast) / level of that forecast, over FOLD_DAYS days."""
    out = []
    for origin in _folds(len(y)):
        train, test = y[:origin], y[origin : origin + FOLD_DAYS]
        if not _usable(method, len(train)):
            continue
        mean, _ = MODELS[method](train, len(test))
        mean = np.maximum(mean, 0.0) if y.min() >= 0 else mean
        level = max(float(np.mean(np.abs(mean))), 1e-9)
        out.append((test - mean) / level)
    return out


def choose(
    y: np.ndarray, methods: tuple[str, ...] = METHODS
) -> tuple[str, dict[str, float], list[np.ndarray]]:
    """The candidate with the lowest backtest mean absolute error (scaled), its score per candidate, and the
    chosen one's fold errors (the calibration set)."""
    scores: dict[str, float] = {}
    errors: dict[str, list[np.ndarray]] = {}
    for m in methods:
        if not _usable(m, len(y) - FOLD_DAYS):
            continue
        errs = backtest_errors(y, m)
        if errs:
            errors[m] = errs
            scores[m] = float(np.mean(np.abs(np.concatenate(errs))))
    if not scores:
        return ("seasonal_naive" if len(y) >= 2 * SEASON else "mean"), {}, []
    best = min(scores, key=lambda m: (scores[m], METHODS.index(m)))
    return best, scores, errors[best]


def conformal(
    mean: np.ndarray, errors: list[np.ndarray], level: float, nonneg: bool, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lower, upper, paths): split-conformal daily intervals from the backtest errors, and paths made of
    week-long blocks of consecutive errors."""
    horizon = len(mean)
    scale = max(float(np.mean(np.abs(mean))), 1e-9)
    pooled = np.concatenate(errors) if errors else np.zeros(1)
    n = len(pooled)
    a = (100 - level) / 200
    # finite-sample split-conformal quantiles (n + 1 correction), clipped to the data
    q_lo = np.quantile(pooled, max(0.0, np.floor(a * (n + 1)) / n - 1e-12), method="lower")
    q_hi = np.quantile(pooled, min(1.0, np.ceil((1 - a) * (n + 1)) / n), method="higher")
    lower, upper = mean + q_lo * scale, mean + q_hi * scale
    rng = np.random.default_rng(seed)
    blocks = [e[i : i + SEASON] for e in errors for i in range(0, max(1, len(e) - SEASON + 1))] or [pooled]
    paths = np.empty((SIMULATIONS, horizon))
    for s in range(SIMULATIONS):  # simulations x (horizon / 7) block draws: a few thousand, small arrays
        seq: list[float] = []
        while len(seq) < horizon:
            seq.extend(blocks[int(rng.integers(len(blocks)))])
        paths[s] = mean + np.asarray(seq[:horizon]) * scale
    if nonneg:
        lower, upper, paths = np.maximum(lower, 0.0), np.maximum(upper, 0.0), np.maximum(paths, 0.0)
    return lower, upper, paths


def fit_forecast(y: np.ndarray, horizon: int, level: float = 90.0, method: str = "auto") -> SeriesForecast:
    """Forecast `horizon` days after `y` with the chosen (or the named) model and conformal intervals."""
    notes: list[str] = []
    if len(y) < 2 * SEASON:
        mean, name = naive_mean(y, horizon)
        spread = np.std(y[-SEASON:]) / max(float(np.mean(np.abs(y[-SEASON:]))), 1e-9)
        errors = [np.array([-1.645, 1.645]) * spread * np.sqrt(1 + 1 / max(1, len(y)))]
        lower, upper, paths = conformal(mean, errors, level, bool(y.min() >= 0))
        return SeriesForecast(mean, lower, upper, paths, name, "mean", notes)
    methods = METHODS if method == "auto" else (method,)
    chosen, scores, errors = choose(y, methods)
    if chosen == "mean" or not _usable(chosen, len(y)):
        chosen = "seasonal_naive"
    if not errors:
        errors = backtest_errors(y, chosen) or [_in_sample_errors(y)]
        notes.append(
            "too little history for a rolling backtest: intervals from in-sample week-on-week changes"
        )
    mean, name = MODELS[chosen](y, horizon)
    if y.min() >= 0:
        mean = np.maximum(mean, 0.0)
    lower, upper, paths = conformal(mean, errors, level, bool(y.min() >= 0))
    return SeriesForecast(mean, lower, upper, paths, name, chosen, notes, scores)


def _in_sample_errors(y: np.ndarray) -> np.ndarray:
    diffs = y[SEASON:] - y[:-SEASON]
    return diffs / max(float(np.mean(np.abs(y))), 1e-9)
