"""Overview: month to date, last month, the forecast month-end landing against budget, the change against the same
days of last month with its drivers, and daily spend stacked by provider."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from spendscope.data.errors import PermissionDenied, SpendscopeError
from spendscope.tools.charts import chart_for
from spendscope.tools.periods import same_days_last_month
from spendscope.web.context import Section, View, month_start, next_month

DRIVER_DIMENSIONS = ["provider", "model", "team"]


@dataclass(frozen=True)
class Landing:
    """Where the month lands: actual to date plus the forecast of the rest, with the forecast's interval."""

    month: str
    actual: float
    forecast: float
    total: float
    lower: float
    upper: float
    level: float
    data_through: dt.date | None
    model: str | None
    days_forecast: int


def month_end_landing(view: View) -> Landing:
    """Month-to-date actual (through the last day with data) + the forecast operation's total for the days left.

    Read from `forecast_costs`' own `month_end` (the one month-end landing Billy and budgets read too), with the
    first forecast day the day after the last day with data."""
    today = view.today
    start, end = month_start(today), next_month(today) - dt.timedelta(days=1)
    daily = view.run(
        "query_costs", {"start": start, "end": min(today, end), "group_by": ["day"], "as_of": today}
    )
    days = [dt.date.fromisoformat(str(r.group["day"])[:10]) for r in daily.rows if r.value]
    through = max(days) if days else None
    last = through or start - dt.timedelta(days=1)
    left = (end - last).days
    if left <= 0:
        return Landing(
            f"{start:%B %Y}", daily.total, 0.0, daily.total, daily.total, daily.total, 90.0, through, None, 0
        )
    fc = view.run("forecast_costs", {"as_of": last + dt.timedelta(days=1), "horizon": left})
    me = fc.month_end  # the forecast's own landing: month to date + the rest, one interval on the sum
    if me is None:  # the model allows none; the forecast operation sets it whenever it forecasts
        return Landing(
            f"{start:%B %Y}",
            daily.total,
            fc.total,
            daily.total + fc.total,
            daily.total + fc.total_lower,
            daily.total + fc.total_upper,
            fc.level,
            through,
            fc.model,
            left,
        )
    return Landing(
        month=f"{start:%B %Y}",
        actual=me.month_to_date,
        forecast=me.forecast_rest,
        total=me.landing,
        lower=me.lower,
        upper=me.upper,
        level=me.level,
        data_through=through,
        model=fc.model,
        days_forecast=me.days_remaining,
    )


def landing_section(view: View) -> dict[str, Any]:
    """The landing and the monthly budget that covers exactly the caller's scope, for the deferred fragment."""
    try:
        landing = Section(result=month_end_landing(view))
    except PermissionDenied as exc:
        landing = Section(unavailable=exc.message)
    except SpendscopeError as exc:
        landing = Section(error=exc.message)
    budget = None
    budgets = view.section("budget_status", {"as_of": view.today})
    if budgets.ok:
        wanted = sorted((d, tuple(sorted(v))) for d, v in view.caller.row_scope.items())
        for b in budgets.result.budgets:
            have = sorted(
                (f.dimension, tuple(sorted(f.values))) for f in b.budget.filters if f.op in ("eq", "in")
            )
            same_ops = all(f.op in ("eq", "in") for f in b.budget.filters)
            if b.budget.period == "monthly" and same_ops and have == wanted:
                budget = b
                break
    return {"landing": landing, "budgets": budgets, "budget": budget}


def page(view: View) -> tuple[str, dict[str, Any]]:
    today = view.today
    start = month_start(today)
    prev_start, prev_end = same_days_last_month(today)
    got = view.sections(
        {
            "mtd": ("query_costs", {"start": start, "end": today, "as_of": today}),
            "last": ("query_costs", {"period": "last month", "as_of": today}),
            "change": (
                "explain_change",
                {
                    "start": start,
                    "end": today,
                    "compare_start": prev_start,
                    "compare_end": prev_end,
                    "dimensions": DRIVER_DIMENSIONS,
                    "top": 8,
                },
            ),
            "daily": (
                "query_costs",
                {"start": prev_start, "end": today, "group_by": ["day", "provider"], "as_of": today},
            ),
        }
    )
    mtd, last, change, daily = got["mtd"], got["last"], got["change"], got["daily"]
    return "overview.html", {
        "mtd": mtd,
        "last": last,
        "change": change,
        "daily": daily,
        "daily_chart": stacked_daily(daily),
        "month_label": f"{start:%B %Y}",
    }


def stacked_daily(daily: Section) -> dict[str, Any] | None:
    """The cost-query trend spec (tools.charts), drawn as bars stacked by provider."""
    if not daily.ok:
        return None
    spec = chart_for(daily.result)
    if not spec or "encoding" not in spec:
        return None
    spec = {**spec, "mark": {"type": "bar"}, "title": f"Daily spend by provider, {daily.result.period_label}"}
    enc = dict(spec["encoding"])
    enc["x"] = {**enc["x"], "timeUnit": "yearmonthdate", "type": "ordinal", "axis": {"format": "%b %d"}}
    enc["y"] = {**enc["y"], "stack": "zero"}
    spec["encoding"] = enc
    return spec
