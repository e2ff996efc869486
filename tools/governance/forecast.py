"""Forecast: daily spend of a scope with weekly seasonality, trend and prediction intervals, and an honest
backtest against a seasonal-naive baseline.

Usage and charges are forecast apart: usage by the model (seasonal naive, ETS or SARIMA) that did best on the
scope's rolling-origin backtest, with conformal intervals (tools.governance.forecast_models); recurring charges
repeat on their day of the month. Before fitting, transient outliers (short runs of unusual days that the series
recovered from) are replaced by the anomaly detector's model of a normal day, so one spike does not become next
week's forecast; a change that lasts to the end of the history is kept as the new level. The output gives the
month-end landing (month to date + forecast of the rest) for budgets, Billy and the web overview, and for a named
period that has begun (`period_start` earlier than the first forecast day) its actual so far + the forecast of
the rest (`period_total`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

import duckdb
import numpy as np
from pydantic import BaseModel, Field
from spendscope.data.errors import InvalidPeriod, UnknownValue
from spendscope.data.newest_day import newest_day_note
from spendscope.data.store import Store
from spendscope.tools.charts import chart_builder, line_chart
from spendscope.tools.costs.breakdown import Filter, check_day_covered, filter_sql, match_score
from spendscope.tools.costs.dimensions import dimension_sql, measure_sql, query_source
from spendscope.tools.costs.filter_label import scope_label
from spendscope.tools.governance.anomaly_detection import USAGE_ROWS
from spendscope.tools.governance.anomaly_model import score_days
from spendscope.tools.governance.calendar import build_calendar
from spendscope.tools.governance.forecast_models import SEASON, SeriesForecast, fit_forecast
from spendscope.tools.governance.forecast_monthly import monthly_jobs, project_monthly, recurs_monthly
from spendscope.tools.money_text import InBillCurrency
from spendscope.tools.periods import data_end
from spendscope.tools.registry import operation

MIN_DAYS = 7  # below this there is nothing to forecast from: refuse
TWO_SEASONS = 2 * SEASON  # shorter histories get a non-seasonal forecast and a warning
TWO_MONTHS = 56  # shorter histories cannot show monthly patterns: a warning
MAX_HISTORY_DAYS = 730

# ------------------------------------------------------------------------------------------------ scopes


def check_scope_values(con: duckdb.DuckDBPyConnection, filters: list[Filter]) -> None:
    """Raise UnknownValue when an equality filter names a value the store has never seen (with suggestions).
    Filters on an empty store pass: there is nothing to check against."""
    source = query_source(con)
    for f in filters:
        if f.op not in ("eq", "in"):
            continue
        expr = dimension_sql(f.dimension, con, source)
        known = [
            r[0]
            for r in con.execute(
                f"SELECT DISTINCT CAST({expr} AS VARCHAR) FROM {source.relation} WHERE {expr} IS NOT NULL"
            ).fetchall()
        ]
        if not known:
            continue
        lower = {k.lower() for k in known}
        for v in f.values:
            if v.lower() in ("(none)", "none", "null", "untagged", "(untagged)") or v.lower() in lower:
                continue
            close = sorted(known, key=lambda k: -match_score(v, k))[:3]
            raise UnknownValue(
                f"{f.dimension} {v!r} does not occur in the store; closest: {', '.join(close)}",
                argument="filters",
                dimension=f.dimension,
                value=v,
                suggestions=close,
            )


def _ts(d: dt.date) -> dt.datetime:
    return dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC)


@dataclass
class ScopeSeries:
    """A scope's daily spend, zero-filled from its first day with data to the day before `end`."""

    start: dt.date
    end: dt.date  # exclusive
    values: np.ndarray  # float, one per day
    fees: np.ndarray  # the part of each day that is recurring or one-time charges, purchases, credits, taxes

    @property
    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range(len(self.values))]


def scope_series(
    con: duckdb.DuckDBPyConnection,
    filters: list[Filter],
    measure: str,
    end: dt.date,
    history_days: int = MAX_HISTORY_DAYS,
) -> ScopeSeries | None:
    """Daily totals of `measure` over the scope for the `history_days` days before `end` (exclusive).
    None when the scope has no rows in that window."""
    column, token_type = measure_sql(measure)
    source = query_source(con)
    filters = list(filters)
    if token_type:
        filters.append(Filter(dimension="token_type", op="eq", values=[token_type]))
    clauses, params = filter_sql(filters, con, source)
    first = end - dt.timedelta(days=history_days)
    where = " AND ".join(["ChargePeriodStart >= ?", "ChargePeriodStart < ?", *clauses])
    # summed by the stored timestamp first, then cast once per distinct timestamp (a TIMESTAMPTZ -> DATE cast per
    # row costs more than the sum: ~1 s at 10M rows)
    rows = con.execute(
        f"SELECT CAST(ChargePeriodStart AS DATE) AS day, SUM(v) AS v, SUM(fees) AS fees FROM ("
        f"SELECT ChargePeriodStart, SUM({column}) AS v, "
        f"SUM(CASE WHEN {USAGE_ROWS} THEN 0 ELSE {column} END) AS fees FROM {source.relation} "
        f"WHERE {where} GROUP BY ChargePeriodStart) GROUP BY 1 ORDER BY 1",
        [_ts(first), _ts(end), *params],
    ).fetchall()
    if not rows:
        return None
    start = rows[0][0]
    values = np.zeros((end - start).days, dtype=float)
    fees = np.zeros((end - start).days, dtype=float)
    for day, v, f in rows:  # one row per day (at most history_days), not per cost row
        values[(day - start).days] = float(v or 0)
        fees[(day - start).days] = float(f or 0)
    return ScopeSeries(start=start, end=end, values=values, fees=fees)


# ------------------------------------------------------------------------------------------- outliers


def clean_outliers(
    y: np.ndarray, z: float = 4.0, max_run: int = 3, recovery: int = 3, start: dt.date | None = None
) -> tuple[np.ndarray, list[int]]:
    """Replace transient outliers with the robust baseline: runs of at most `max_run` unusual days after which
    the series went back to what it was. A run is kept when the days after it only look normal because the
    baseline moved to a new level (replacing the run makes them unusual), or when it reaches the end, unless
    (`start`: the series' first day) it sits where a replaced run of an earlier month sat: a month-position job
    (tools.governance.forecast_monthly) seen again, not a new level (and its next day may be the job's second)."""

    cal = build_calendar(dt.date(2000, 1, 3), len(y), "none")  # positions only: no holidays, no month dates

    def gate(actual: np.ndarray, expected: np.ndarray, factor: float = 1.0) -> np.ndarray:
        return np.abs(actual - expected) >= 0.1 * factor * np.abs(expected)

    def flags(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        sc = score_days(values[None, :], cal, gate, z=z)  # the anomaly detector's own model of a normal day
        return sc.flags[0], sc.expected[0]

    out = y.astype(float).copy()
    flag, expected = flags(out)
    replaced: list[int] = []
    i, n = 0, len(y)
    while i < n:  # walks the runs of flags of one short series (at most MAX_HISTORY_DAYS), not store rows
        if not flag[i]:
            i += 1
            continue
        j = i
        while j < n and flag[j]:
            j += 1
        if j - i <= max_run and j + recovery <= n and not flag[j : j + recovery].any():
            trial = out.copy()
            trial[i:j] = expected[i:j]
            trial_flag, trial_expected = flags(trial)
            if not trial_flag[j : j + recovery].any():
                out, flag, expected = trial, trial_flag, trial_expected
                replaced.extend(range(i, j))
        elif (
            j - i <= max_run
            and start is not None
            and recurs_monthly(i, bool(np.sum(y[i:j] - expected[i:j]) > 0), replaced, y, out, start)
        ):
            out[i:j] = expected[i:j]
            replaced.extend(range(i, j))
        i = j
    return out, replaced


# ----------------------------------------------------------------------------------------- backtest


class Backtest(BaseModel):
    holdout_start: dt.date
    holdout_end: dt.date = Field(description="last day of the holdout (inclusive)")
    days: int
    model: str
    model_mape_pct: float | None = Field(description="mean absolute percentage error of the model")
    model_mase: float | None = Field(description="model MAE / in-sample MAE of the seasonal-naive forecast")
    naive_mape_pct: float | None
    naive_mase: float | None
    model_total_error_pct: float | None = Field(description="error of the holdout total, percent")
    naive_total_error_pct: float | None
    interval_coverage_pct: float = Field(description="share of holdout days inside the model's interval")
    better: Literal["model", "seasonal_naive"]


def _mape(actual: np.ndarray, pred: np.ndarray) -> float | None:
    mask = actual != 0
    if not mask.any():
        return None
    return float(np.mean(np.abs(actual[mask] - pred[mask]) / np.abs(actual[mask])) * 100)


def _mase(actual: np.ndarray, pred: np.ndarray, train: np.ndarray) -> float | None:
    scale = np.mean(np.abs(train[SEASON:] - train[:-SEASON])) if len(train) > SEASON else 0.0
    if scale == 0:
        return None
    return float(np.mean(np.abs(actual - pred)) / scale)


def _total_error(actual: np.ndarray, pred: np.ndarray) -> float | None:
    total = actual.sum()
    return float((pred.sum() - total) / abs(total) * 100) if total != 0 else None


def backtest(
    usage: np.ndarray, fees: np.ndarray, start: dt.date, holdout: int, level: float, method: str
) -> Backtest | None:
    """Refit the chosen model (`method`) on all but the last `holdout` days, forecast them with intervals
    calibrated on that history only, and score against the seasonal-naive forecast of the same history."""
    n = len(usage)
    if holdout < SEASON or n - holdout < MIN_DAYS:
        return None
    y = usage + fees
    train_start, test = start, y[-holdout:]
    model = forecast_total(usage[:-holdout], fees[:-holdout], train_start, holdout, level, method)
    naive = forecast_total(usage[:-holdout], fees[:-holdout], train_start, holdout, level, "seasonal_naive")
    train = y[:-holdout]
    m_mase, n_mase = _mase(test, model.mean, train), _mase(test, naive.mean, train)
    inside = (test >= model.lower - 1e-9) & (test <= model.upper + 1e-9)
    better = "seasonal_naive" if m_mase is not None and n_mase is not None and n_mase < m_mase else "model"
    return Backtest(
        holdout_start=start + dt.timedelta(days=n - holdout),
        holdout_end=start + dt.timedelta(days=n - 1),
        days=holdout,
        model=model.model,
        model_mape_pct=_mape(test, model.mean),
        model_mase=m_mase,
        naive_mape_pct=_mape(test, naive.mean),
        naive_mase=n_mase,
        model_total_error_pct=_total_error(test, model.mean),
        naive_total_error_pct=_total_error(test, naive.mean),
        interval_coverage_pct=float(inside.mean() * 100),
        better=better,
    )


def fee_projection(fees: np.ndarray, start: dt.date, horizon: int) -> np.ndarray:
    """Recurring and one-time charges of the horizon: each day repeats the charges of the same day of the
    latest month that had it in the history (a fee on the 1st recurs on the 1st), none when there is none."""
    n = len(fees)
    out = np.zeros(horizon)
    for h in range(horizon):  # horizon days (<= 366), each looking back a few months
        day = start + dt.timedelta(days=n + h)
        for back in (1, 2, 3):
            y, m = day.year, day.month - back
            while m <= 0:
                y, m = y - 1, m + 12
            try:
                ref = dt.date(y, m, day.day)
            except ValueError:
                continue
            i = (ref - start).days
            if 0 <= i < n:
                out[h] = fees[i]
                break
    return out


def forecast_total(
    usage: np.ndarray,
    fees: np.ndarray,
    start: dt.date,
    horizon: int,
    level: float,
    method: str,
    raw: np.ndarray | None = None,
) -> SeriesForecast:
    """Usage forecast (tools.governance.forecast_models) plus the projected recurring charges; `raw` is the usage
    before outliers were replaced (its days calibrate the intervals)."""
    fc = fit_forecast(usage, horizon, level, method, target=raw)
    extra = fee_projection(fees, start, horizon)
    if extra.any():
        fc.shift(extra)
        fc.model += " + recurring charges"
    return fc


# ---------------------------------------------------------------------------------------- operation


class ForecastInput(BaseModel):
    filters: list[Filter] = Field(default_factory=list, description="the scope, e.g. team = search")
    measure: str = Field("cost", description="cost (EffectiveCost, default), billed_cost, list_cost, ...")
    horizon: int = Field(30, ge=1, le=366, description="days to forecast")
    history_days: int = Field(182, ge=MIN_DAYS, le=MAX_HISTORY_DAYS, description="days of history to fit on")
    as_of: dt.date | None = Field(
        None,
        description="forecast from this day on, using only earlier data; "
        "default: the day after the last day with data",
    )
    level: float = Field(90.0, gt=50, lt=100, description="prediction interval level, percent")
    method: Literal["auto", "ets", "sarima", "seasonal_naive"] = Field(
        "auto",
        description="auto: SARIMA unless seasonal naive or ETS has a clearly (10%) lower error on a "
        "rolling-origin backtest of this scope",
    )
    backtest_days: int | None = Field(
        None, ge=SEASON, le=180, description="holdout length; default 28 (fewer when the history is short)"
    )
    backtest: bool = Field(
        True,
        description="also score the model on a holdout against seasonal naive (the result's `backtest`); off for "
        "an answer that does not show it (a month-end landing), a quarter of the time saved",
    )
    period_start: dt.date | None = Field(
        None,
        description="also give the total and its interval from this day to the last forecast day: a named "
        "period that ends with the horizon; when it began before the first forecast day (a quarter asked in its "
        "middle), its actual spend so far + the forecast of the rest",
    )


class ForecastPoint(BaseModel):
    day: dt.date
    value: float = Field(description="forecast mean")
    lower: float
    upper: float


class HistoryPoint(BaseModel):
    day: dt.date
    value: float
    cleaned: float | None = Field(
        None, description="value the model was fitted on, when an outlier was replaced"
    )


class MonthEndLanding(BaseModel):
    month: str = Field(description="YYYY-MM of the first forecast day")
    month_to_date: float = Field(description="actual spend of the month before the first forecast day")
    days_elapsed: int
    forecast_rest: float = Field(description="forecast of the rest of the month, first forecast day included")
    days_remaining: int
    landing: float = Field(description="month to date + forecast of the rest")
    lower: float = Field(description="lower end of the landing's interval")
    upper: float
    level: float


class PeriodTotal(BaseModel):
    start: dt.date = Field(description="first day of the period (`period_start`, or the first forecast day)")
    end: dt.date
    total: float = Field(description="actual + forecast: where the period lands")
    lower: float = Field(
        description="lower end of the interval of that total (actual + the interval of the forecast part, not "
        "the daily bounds added up)"
    )
    upper: float
    actual: float = Field(
        0.0,
        description="actual spend from `start` to the day before the first forecast day (a started period)",
    )
    actual_days: int = Field(0, description="days of the period before the first forecast day")
    forecast: float = Field(0.0, description="forecast of the period's days from the first forecast day on")
    forecast_start: dt.date | None = Field(None, description="first forecast day counted in the total")


class ModelScore(BaseModel):
    method: str
    backtest_mae_pct: float = Field(
        description="mean absolute error on the rolling-origin backtest, % of level"
    )


class ForecastResult(InBillCurrency):
    scope: str
    filters: list[Filter]
    measure: str
    measure_column: str
    history_start: dt.date
    history_end: dt.date = Field(description="last day of history used (inclusive)")
    start: dt.date = Field(description="first forecast day")
    end: dt.date = Field(description="last forecast day (inclusive)")
    method: str
    model: str
    level: float
    points: list[ForecastPoint]
    total: float = Field(description="forecast total over the horizon")
    total_lower: float
    total_upper: float
    history_total_last_30d: float = Field(description="actual total of the 30 days before the forecast")
    history: list[HistoryPoint] = Field(description="the last 56 days of history")
    outliers_replaced: list[dt.date] = Field(default_factory=list)
    backtest: Backtest | None
    month_end: MonthEndLanding | None = Field(
        None,
        description="where the month of the first forecast day lands: month to date + forecast of the rest",
    )
    candidates: list[ModelScore] = Field(
        default_factory=list, description="the models compared on the rolling-origin backtest (auto)"
    )
    notes: list[str] = Field(default_factory=list)
    period_total: PeriodTotal | None = Field(
        None, description="the total and its interval from `period_start` to the last forecast day"
    )


@dataclass
class ScopeForecast:
    series: ScopeSeries
    forecast: SeriesForecast
    cleaned: np.ndarray
    replaced: list[int]
    backtest: Backtest | None
    notes: list[str]


def forecast_scope(
    con: duckdb.DuckDBPyConnection,
    filters: list[Filter],
    measure: str,
    cutoff: dt.date,
    horizon: int,
    *,
    history_days: int = 182,
    level: float = 90.0,
    method: str = "auto",
    backtest_days: int | None = None,
    run_backtest: bool = True,
) -> ScopeForecast:
    """Forecast the `horizon` days from `cutoff` on, from the scope's daily spend before `cutoff`."""
    series = scope_series(con, filters, measure, cutoff, history_days)
    if series is None or len(series.values) < MIN_DAYS:
        check_scope_values(con, filters)
        found = 0 if series is None else len(series.values)
        raise InvalidPeriod(
            f"a forecast needs at least {MIN_DAYS} days of history for {scope_label(filters)} before {cutoff}; "
            f"found {found}",
            value=str(cutoff),
        )
    y = series.values
    usage = y - series.fees
    notes: list[str] = []
    if len(y) < TWO_SEASONS:
        notes.append(
            f"warning: only {len(y)} days of history, under two weekly seasons ({TWO_SEASONS} days): the forecast "
            "is the recent mean, with no weekday pattern; treat it as rough"
        )
    elif len(y) < TWO_MONTHS:
        notes.append(
            f"warning: only {len(y)} days of history, under two months: monthly patterns (month-start jobs) "
            "cannot be learned yet and recurring charges repeat from one month only"
        )
    cleaned, replaced = clean_outliers(usage, start=series.start) if len(y) >= TWO_SEASONS else (usage, [])
    # a replaced run that recurs at its month position is a monthly job, projected like a recurring charge
    jobs = monthly_jobs(usage, cleaned, replaced, series.start)
    fc = forecast_total(cleaned, series.fees, series.start, horizon, level, method, raw=usage - jobs)
    coming = project_monthly(jobs, series.start, horizon)
    if coming.any():
        fc.shift(coming)
        fc.model += " + month-position jobs"
        notes.append(
            "spend that jumps at the same position of every month (a month-end or month-start job) is projected "
            "at that position in the coming months, not smoothed away as a one-off"
        )
    notes += fc.notes
    bt = None
    if run_backtest:
        holdout = backtest_days or min(28, max(SEASON, (len(y) - MIN_DAYS) // 2 // SEASON * SEASON))
        chosen = fc.method if fc.method in ("seasonal_naive", "ets", "sarima") else "seasonal_naive"
        bt = backtest(usage, series.fees, series.start, holdout, level, chosen)
        if bt is None:
            notes.append(f"no backtest: {len(y)} days of history is too short for a {holdout}-day holdout")
    return ScopeForecast(series, fc, cleaned, replaced, bt, notes)


@operation("forecast_costs", input_model=ForecastInput, output_model=ForecastResult, chart=True)
def forecast(store: Store, params: ForecastInput) -> ForecastResult:
    """Daily spend forecast for a scope (weekly seasonality, trend, prediction intervals), with its backtest
    error against a seasonal-naive baseline."""
    column, _ = measure_sql(params.measure)
    with store.reader() as con:
        last = data_end(con)
        if last is None:
            raise InvalidPeriod("the store holds no cost data yet; import some first")
        newest = last
        cutoff = last + dt.timedelta(days=1)
        notes: list[str] = []
        held_back = None
        if params.as_of is None or params.as_of > last:
            held_back = newest_day_note(con, last)
        if held_back:  # forecast as a whole day, its partial amount not counted (data.newest_day)
            notes.append(
                f"{held_back}; forecast as a whole day, its amount so far not counted as month-to-date"
            )
            last, cutoff = last - dt.timedelta(days=1), last
        if params.as_of is not None:
            if params.as_of > newest + dt.timedelta(
                days=1
            ):  # a few days late: bills still arriving; later: not
                check_day_covered(con, params.as_of)  # this data's future
                notes.append(f"data ends {newest}; the forecast starts on {cutoff}, not {params.as_of}")
            cutoff = min(params.as_of, cutoff)
        month_last = (cutoff.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        to_month_end = (month_last - cutoff).days + 1
        sf = forecast_scope(
            con,
            params.filters,
            params.measure,
            cutoff,
            max(params.horizon, to_month_end),
            history_days=params.history_days,
            level=params.level,
            method=params.method,
            backtest_days=params.backtest_days,
            run_backtest=params.backtest,
        )
        started = params.period_start is not None and params.period_start < cutoff
        so_far = (
            scope_series(con, params.filters, params.measure, cutoff, (cutoff - params.period_start).days)
            if started and params.period_start is not None
            else None
        )
    s, fc = sf.series, sf.forecast
    days = s.days
    points = [
        ForecastPoint(
            day=cutoff + dt.timedelta(days=i),
            value=round(float(fc.mean[i]), 6),
            lower=round(float(fc.lower[i]), 6),
            upper=round(float(fc.upper[i]), 6),
        )
        for i in range(params.horizon)
    ]
    lo, hi = fc.total_quantiles(params.level, 0, params.horizon)
    month_start = cutoff.replace(day=1)
    mtd_days = s.values[max(0, (month_start - s.start).days) :] if month_start < cutoff else s.values[:0]
    mtd = float(mtd_days.sum())
    m_lo, m_hi = fc.total_quantiles(params.level, 0, to_month_end)
    month_end = MonthEndLanding(
        month=month_start.strftime("%Y-%m"),
        month_to_date=round(mtd, 2),
        days_elapsed=(cutoff - month_start).days,
        forecast_rest=round(float(fc.mean[:to_month_end].sum()), 2),
        days_remaining=to_month_end,
        landing=round(mtd + float(fc.mean[:to_month_end].sum()), 2),
        lower=round(mtd + m_lo, 2),
        upper=round(mtd + m_hi, 2),
        level=params.level,
    )
    period_total = None
    first = max(0, (params.period_start - cutoff).days) if params.period_start else params.horizon
    if first < params.horizon:
        p_lo, p_hi = fc.total_quantiles(params.level, first, params.horizon)
        rest = float(fc.mean[first : params.horizon].sum())
        actual = float(so_far.values.sum()) if so_far is not None else 0.0
        period_total = PeriodTotal(
            start=params.period_start
            if started and params.period_start
            else cutoff + dt.timedelta(days=first),
            end=cutoff + dt.timedelta(days=params.horizon - 1),
            total=round(actual + rest, 2),
            lower=round(actual + float(p_lo), 2),
            upper=round(actual + float(p_hi), 2),
            actual=round(actual, 2),
            actual_days=(cutoff - params.period_start).days if started and params.period_start else 0,
            forecast=round(rest, 2),
            forecast_start=cutoff + dt.timedelta(days=first),
        )
    elif params.period_start:  # asked for, and after the last forecast day: say so rather than a bare null
        notes.append(
            f"no period total: period_start {params.period_start} is after the last forecast day "
            f"{cutoff + dt.timedelta(days=params.horizon - 1)} (raise horizon to reach it)"
        )
    replaced = set(sf.replaced)
    tail = range(max(0, len(days) - 56), len(days))
    history = [
        HistoryPoint(
            day=days[i], value=float(s.values[i]), cleaned=float(sf.cleaned[i]) if i in replaced else None
        )
        for i in tail
    ]
    return ForecastResult(
        scope=scope_label(params.filters),
        filters=params.filters,
        measure=params.measure,
        measure_column=column,
        history_start=s.start,
        history_end=cutoff - dt.timedelta(days=1),
        start=cutoff,
        end=cutoff + dt.timedelta(days=params.horizon - 1),
        method=fc.method,
        model=fc.model,
        level=params.level,
        points=points,
        total=float(Decimal(str(float(fc.mean[: params.horizon].sum()))).quantize(Decimal("0.01"))),
        month_end=month_end,
        candidates=[ModelScore(method=k, backtest_mae_pct=round(v * 100, 2)) for k, v in fc.scores.items()],
        total_lower=round(float(lo), 2),
        total_upper=round(float(hi), 2),
        history_total_last_30d=round(float(s.values[-30:].sum()), 2),
        history=history,
        outliers_replaced=[days[i] for i in sf.replaced],
        backtest=sf.backtest,
        notes=notes + sf.notes,
        period_total=period_total,
    )


@chart_builder("ForecastResult")
def forecast_chart(r: ForecastResult) -> dict[str, Any]:
    """The recent history and the forecast with its interval band."""
    values: list[dict[str, Any]] = [
        {"day": h.day.isoformat(), "series": "actual", "value": h.value, "lower": None, "upper": None}
        for h in r.history
    ]
    values += [
        {"day": p.day.isoformat(), "series": "forecast", "value": p.value, "lower": p.lower, "upper": p.upper}
        for p in r.points
    ]
    return line_chart(
        values,
        x="day",
        y="value",
        color="series",
        band=("lower", "upper"),
        y_title=r.measure,
        title=f"Forecast for {r.scope}: {r.start} to {r.end} ({r.level:g}% interval)",
    )
