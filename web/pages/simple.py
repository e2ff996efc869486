"""The pages that show one or two operations as they are: showback, budgets, commitments and GPU, savings, unit
costs, data health."""

from __future__ import annotations

import datetime as dt
from typing import Any

from spendscope.tools.charts import bar_chart, chart_for
from spendscope.web.context import Section, View, month_start

UNIT_COST_KEYS = ("customer", "feature")


def last_full_month(view: View) -> str:
    return f"{month_start(month_start(view.today) - dt.timedelta(days=1)):%Y-%m}"


def showback(view: View, month: str | None, by: str | None) -> tuple[str, dict[str, Any]]:
    month = month or last_full_month(view)
    by = by or "team"
    got = view.sections(
        {
            "report": ("get_showback_report", {"month": month, "by": by, "as_of": view.today}),
            "coverage": ("get_allocation_coverage", {"period": month, "as_of": view.today, "top": 10}),
        }
    )
    report, coverage = got["report"], got["coverage"]
    return "showback.html", {
        "month": month,
        "by": by,
        "report": report,
        "chart": showback_chart(report),
        "coverage": coverage,
    }


def showback_chart(report: Section) -> dict[str, Any] | None:
    """Direct and shared cost per value, stacked (the bar spec of tools.charts)."""
    if not report.ok or not report.result.rows:
        return None
    r = report.result
    values = []
    for row in r.rows:
        values.append({"value": row.value, "part": "direct", "cost": float(row.direct)})
        if row.shared:
            values.append({"value": row.value, "part": "shared", "cost": float(row.shared)})
    return bar_chart(
        values,
        category="value",
        value="cost",
        color="part",
        title=f"Showback by {r.by}, {r.label}",
        value_title="cost",
    )


def budgets(view: View) -> tuple[str, dict[str, Any]]:
    status = view.section("budget_status", {"as_of": view.today})
    charts = []
    if status.ok:
        for b in status.result.budgets:
            charts.append(chart_for(status.result.model_copy(update={"budgets": [b]})))
    return "budgets.html", {"status": status, "charts": charts}


def commitments(view: View, period: str | None) -> tuple[str, dict[str, Any]]:
    period = period or last_full_month(view)
    got = view.sections(
        {
            "com": ("commitment_utilization", {"period": period, "as_of": view.today}),
            "gpu": ("gpu_utilization", {"period": period, "as_of": view.today}),
        }
    )
    com, gpu = got["com"], got["gpu"]
    return "commitments.html", {
        "period": period,
        "com": com,
        "com_chart": chart_for(com.result) if com.ok else None,
        "gpu": gpu,
        "gpu_chart": chart_for(gpu.result) if gpu.ok else None,
    }


def savings(view: View, period: str | None) -> tuple[str, dict[str, Any]]:
    period = period or last_full_month(view)
    result = view.section("savings_recommendations", {"period": period, "as_of": view.today})
    return "savings.html", {
        "period": period,
        "result": result,
        "chart": chart_for(result.result) if result.ok else None,
    }


def unit_costs(view: View, period: str | None) -> tuple[str, dict[str, Any]]:
    period = period or last_full_month(view)
    got = view.sections(
        {key: ("unit_costs", {"period": period, "as_of": view.today, "by": key}) for key in UNIT_COST_KEYS}
    )
    parts = [(key, s, chart_for(s.result) if s.ok else None) for key, s in got.items()]
    return "unit_costs.html", {"period": period, "parts": parts}


def health(view: View, period: str | None) -> tuple[str, dict[str, Any]]:
    period = period or "last 30 days"
    # freshness is measured from now (to the minute), or from the start of the pinned day (--as-of)
    now = (
        dt.datetime.combine(view.today, dt.time(), tzinfo=dt.UTC)
        if view.pinned
        else dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    )
    got = view.sections(
        {
            "sources": ("list_sources", {"as_of": now}),
            "recon": ("reconcile_estimates", {"period": period, "as_of": view.today}),
        }
    )
    sources, recon = got["sources"], got["recon"]
    return "health.html", {
        "period": period,
        "sources": sources,
        "recon": recon,
        "recon_chart": chart_for(recon.result) if recon.ok else None,
    }
