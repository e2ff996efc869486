"""Pictures of the unit-economics results (Vega-Lite specs through tools.charts): cost per unit over time or by
group, AI cost as a share of revenue per customer (at-risk ones in their own colour), a metric's values."""

from __future__ import annotations

from typing import Any

from spendscope.tools import money_text
from spendscope.tools.charts import MAX_BARS, bar_chart, chart_builder, line_chart

AT_RISK = "over subscription or below floor"


def _unit_axis(spec: dict[str, Any], values: list[float]) -> dict[str, Any]:
    """Unit prices are often cents: the axis and tooltip show enough decimals to tell them apart."""
    fmt = money_text.axis_format(2 if max((abs(v) for v in values), default=0) >= 10 else 4)
    layer = spec.get("layer", [spec])
    for part in layer:
        enc = part.get("encoding", {})
        for channel in ("x", "y"):
            if enc.get(channel, {}).get("type") == "quantitative" and "axis" in enc[channel]:
                enc[channel]["axis"]["format"] = fmt
        for tip in enc.get("tooltip", []):
            if tip.get("type") == "quantitative":
                tip["format"] = fmt
    return spec


def _label(group: dict[str, str | None]) -> str:
    return ", ".join("(none)" if v is None else str(v) for v in group.values()) or "all"


@chart_builder("CostPerUnitResult")
def cost_per_unit_chart(r: Any) -> dict[str, Any] | None:
    unit = (r.unit or "unit").rstrip("s") if r.per == 1 else f"{r.per:,} {r.unit or 'units'}"
    title = f"Cost per {unit} ({r.metric}), {r.period_label}"
    points = r.rows if r.group_by else r.totals
    if len({p.start for p in points}) > 1:
        values = [
            {"start": p.start.isoformat(), "group": _label(p.group), "value": p.cost_per_unit}
            for p in points
            if p.cost_per_unit is not None
        ]
        if not values:
            return None
        spec = line_chart(
            values,
            x="start",
            y="value",
            title=title,
            y_title=f"cost per {unit}",
            color="group" if r.group_by else None,
        )
        return _unit_axis(spec, [v["value"] for v in values])
    values = [
        {"group": _label(p.group), "value": p.cost_per_unit} for p in points if p.cost_per_unit is not None
    ]
    if not values:
        return None
    return bar_chart(
        values[:MAX_BARS], category="group", value="value", title=title, value_title=f"cost per {unit}"
    )


@chart_builder("ProfitabilityResult")
def profitability_chart(r: Any) -> dict[str, Any] | None:
    """AI cost as % of revenue per group, at-risk groups coloured apart."""
    values = [
        {
            "group": x.key,
            "value": x.ai_cost_pct_of_revenue,
            "state": AT_RISK if x.at_risk else "within",
        }
        for x in r.rows
        if x.key is not None and x.ai_cost_pct_of_revenue is not None
    ][:MAX_BARS]
    if not values:
        return None
    spec = bar_chart(
        values,
        category="group",
        value="value",
        color="state",
        money=False,
        title=f"AI cost as % of revenue by {r.by}, {r.period_label}",
        value_title="AI cost, % of revenue",
    )
    spec["encoding"]["color"]["scale"] = {"domain": [AT_RISK, "within"], "range": ["#d62728", "#4c78a8"]}
    return spec


@chart_builder("MetricValuesResult")
def metric_values_chart(r: Any) -> dict[str, Any] | None:
    money = r.kind == "money"
    title = f"{r.metric.replace('_', ' ')}, {r.period_label}"
    if len(r.totals) > 1:
        points = r.rows if r.group_by else r.totals
        values = [{"start": p.start.isoformat(), "group": _label(p.group), "value": p.value} for p in points]
        return line_chart(
            values,
            x="start",
            y="value",
            title=title,
            y_title=r.unit or r.metric,
            color="group" if r.group_by else None,
            money=money,
        )
    if not r.group_by or not r.rows:
        return None
    values = [{"group": _label(p.group), "value": p.value} for p in r.rows][:MAX_BARS]
    return bar_chart(
        values, category="group", value="value", title=title, value_title=r.unit or r.metric, money=money
    )
