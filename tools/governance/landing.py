"""Month-end landing: where a month will end up = its actual month-to-date cost + the forecast of its remaining
days, with the forecast's interval. Until the forecast operation carries a landing of its own, callers (Billy)
run `query_costs` and `forecast_costs` through tools.invoke and combine them here, so the arithmetic lives in
tools/, not in an adapter."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field
from spendscope.tools.periods import add_months


class LandingWindow(BaseModel):
    month_start: dt.date
    month_end: dt.date = Field(description="exclusive: the first day of the next month")
    actual_end: dt.date = Field(description="exclusive end of the month-to-date actual")
    remaining_days: int = Field(description="days to forecast, from actual_end to the month's end")


class Landing(BaseModel):
    month: str = Field(description="YYYY-MM")
    actual: float = Field(description="month-to-date actual cost")
    actual_through: dt.date = Field(description="last day of the actual (inclusive)")
    forecast: float = Field(description="forecast of the remaining days")
    forecast_lower: float
    forecast_upper: float
    landing: float = Field(description="actual + forecast")
    landing_lower: float
    landing_upper: float
    level: float = Field(description="interval level, percent")
    remaining_days: int


def landing_window(today: dt.date, last_data_day: dt.date | None) -> LandingWindow:
    """The month containing `today`: actual through the day before today (or the last day with data, if
    earlier), forecast for the rest of the month."""
    start = today.replace(day=1)
    end = add_months(start, 1)
    actual_end = today
    if last_data_day is not None and last_data_day + dt.timedelta(days=1) < actual_end:
        actual_end = max(start, last_data_day + dt.timedelta(days=1))
    return LandingWindow(
        month_start=start, month_end=end, actual_end=actual_end, remaining_days=(end - actual_end).days
    )


def month_end_landing(
    window: LandingWindow, actual: float, forecast: float, lower: float, upper: float, level: float
) -> Landing:
    """Combine the month-to-date actual with the forecast of the remaining days (and its interval)."""
    return Landing(
        month=window.month_start.strftime("%Y-%m"),
        actual=round(actual, 2),
        actual_through=window.actual_end - dt.timedelta(days=1),
        forecast=round(forecast, 2),
        forecast_lower=round(lower, 2),
        forecast_upper=round(upper, 2),
        landing=round(actual + forecast, 2),
        landing_lower=round(actual + lower, 2),
        landing_upper=round(actual + upper, 2),
        level=level,
        remaining_days=window.remaining_days,
    )
