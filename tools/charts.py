"""Vega-Lite specs (plain dicts) built from operation results: trend lines and breakdown bars.

The specs are portable (IDEs, web pages and `vl-convert` render them) and carry their data inline, so a spec is
the whole picture. Nothing here renders: the CLI and the Slack app turn a spec into PNG, the MCP server and the
agents hand the spec (or its PNG) to the client.

`chart_for(result)` picks the picture for a result by its model's class name. Operation modules elsewhere add
theirs with `@chart_builder("TheirResult")`, so this module never imports the operations it draws.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel
from spendscope.tools import money_text

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
TIME_GRAINS = ("day", "week", "month")
MAX_BARS = 40  # more bars than this do not read; builders keep the largest

ChartBuilder = Callable[[Any], dict[str, Any] | None]
_BUILDERS: dict[str, ChartBuilder] = {}


def chart_builder(model_name: str) -> Callable[[ChartBuilder], ChartBuilder]:
    """Register the chart builder for results whose model class is called `model_name`."""

    def wrap(func: ChartBuilder) -> ChartBuilder:
        _BUILDERS[model_name] = func
        return func

    return wrap


def chart_for(result: BaseModel) -> dict[str, Any] | None:
    """The Vega-Lite spec that shows `result` best, or None when a picture would not add anything."""
    builder = _BUILDERS.get(type(result).__name__)
    return builder(result) if builder else None


def _money_like(measure: str) -> bool:
    low = measure.lower()
    return "cost" in low or "saving" in low or "spend" in low or low == "cost"


def _base(title: str, values: list[dict[str, Any]], width: int = 640) -> dict[str, Any]:
    return {
        "$schema": SCHEMA,
        "title": title,
        "width": width,
        "data": {"values": values},
        "config": {"view": {"stroke": None}, "axis": {"labelLimit": 260}},
    }


def line_chart(
    values: list[dict[str, Any]],
    *,
    x: str,
    y: str,
    title: str,
    y_title: str,
    color: str | None = None,
    x_type: str = "temporal",
    money: bool = True,
    band: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """A trend line (one line per `color` value), optionally with a shaded band between two fields."""
    fmt = money_text.axis_format() if money else ",.2f"
    enc: dict[str, Any] = {
        "x": {"field": x, "type": x_type, "title": None},
        "y": {
            "field": y,
            "type": "quantitative",
            "title": money_text.axis_title(y_title) if money else y_title,
            "axis": {"format": money_text.axis_format(0) if money else ",.0f"},
        },
        "tooltip": [{"field": x, "type": x_type}, {"field": y, "type": "quantitative", "format": fmt}],
    }
    if color:
        enc["color"] = {"field": color, "type": "nominal", "title": None, "legend": {"orient": "bottom"}}
        enc["tooltip"].insert(0, {"field": color, "type": "nominal"})
    line = {"mark": {"type": "line", "point": len(values) <= 62}, "encoding": enc}
    spec = _base(title, values)
    spec["height"] = 300
    if band:
        lo, hi = band
        area = {
            "mark": {"type": "area", "opacity": 0.2},
            "encoding": {
                "x": enc["x"],
                "y": {"field": lo, "type": "quantitative"},
                "y2": {"field": hi},
                **({"color": enc["color"]} if color else {}),
            },
        }
        spec["layer"] = [area, line]
    else:
        spec.update(line)
    return spec


def bar_chart(
    values: list[dict[str, Any]],
    *,
    category: str,
    value: str,
    title: str,
    value_title: str,
    color: str | None = None,
    money: bool = True,
    diverging: bool = False,
    order: list[str] | None = None,
) -> dict[str, Any]:
    """Horizontal bars, largest first (or in `order`, e.g. the days of the week); stacked by `color`; with
    `diverging`, rises red and falls green."""
    fmt = money_text.axis_format() if money else ",.2f"
    sort: Any = order if order is not None else ("-x" if not diverging else None)
    enc: dict[str, Any] = {
        "y": {"field": category, "type": "nominal", "title": None, "sort": sort},
        "x": {
            "field": value,
            "type": "quantitative",
            "title": money_text.axis_title(value_title) if money else value_title,
            "axis": {"format": money_text.axis_format(0) if money else ",.0f"},
        },
        "tooltip": [
            {"field": category, "type": "nominal"},
            {"field": value, "type": "quantitative", "format": fmt},
        ],
    }
    if color:
        enc["color"] = {"field": color, "type": "nominal", "title": None, "legend": {"orient": "bottom"}}
        enc["tooltip"].insert(1, {"field": color, "type": "nominal"})
    elif diverging:
        enc["color"] = {
            "condition": {"test": f"datum[{_js(value)}] > 0", "value": "#d62728"},
            "value": "#2ca02c",
        }
    spec = _base(title, values)
    spec["height"] = {"step": 22}
    spec.update({"mark": {"type": "bar"}, "encoding": enc})
    return spec


def _js(name: str) -> str:
    return "'" + name.replace("\\", "\\\\").replace("'", "\\'") + "'"


# --- builders for the analytics results --------------------------------------------------------------------


@chart_builder("CostQueryResult")
def cost_query_chart(r: Any) -> dict[str, Any] | None:
    """Time grain in the grouping: a trend line (one line per other dimension); else breakdown bars."""
    if not r.group_by or not r.rows:
        return None
    money = _money_like(r.measure_column)
    measure = r.measure.replace("_", " ")
    title = f"{measure.capitalize()}, {r.period_label}"
    time_dims = [d for d in r.group_by if d.lower() in TIME_GRAINS]
    others = [d for d in r.group_by if d.lower() not in TIME_GRAINS]
    if time_dims:
        t = time_dims[0]
        values = [
            {
                "period": row.group.get(t),
                "series": _label(row.group, others) if others else measure,
                "value": row.value,
            }
            for row in r.rows
        ]
        return line_chart(
            values,
            x="period",
            y="value",
            title=title,
            y_title=measure,
            color="series" if others else None,
            money=money,
            x_type="ordinal" if t.lower() == "month" else "temporal",
        )
    if len(others) >= 2:
        values = [
            {
                "category": _label(row.group, others[:1]),
                "series": _label(row.group, others[1:]),
                "value": row.value,
            }
            for row in r.rows[: MAX_BARS * 3]
        ]
        return bar_chart(
            values,
            category="category",
            value="value",
            title=title,
            value_title=measure,
            color="series",
            money=money,
        )
    values = [{"category": _label(row.group, others), "value": row.value} for row in r.rows[:MAX_BARS]]
    if r.other:
        values.append({"category": f"other ({r.other_groups})", "value": r.other})
    from spendscope.tools.costs.dimensions import calendar_values, is_calendar

    order = list(calendar_values(others[0])) if is_calendar(others[0]) and not r.other else None
    return bar_chart(
        values, category="category", value="value", title=title, value_title=measure, money=money, order=order
    )


def _label(group: dict[str, str | None], dims: list[str]) -> str:
    return " / ".join("(none)" if group.get(d) is None else str(group.get(d)) for d in dims)


@chart_builder("DriversResult")
def drivers_chart(r: Any) -> dict[str, Any] | None:
    """The biggest movers as diverging bars (increase red, decrease green)."""
    movers = r.top_movers[:MAX_BARS]
    if not movers:
        return None
    values = [
        {"driver": f"{m.dimension}={m.value if m.value is not None else '(none)'}", "change": m.change}
        for m in movers
    ]
    title = f"What changed: {r.current.label} vs {r.previous.label} ({_signed(r.change)})"
    return bar_chart(
        values,
        category="driver",
        value="change",
        title=title,
        value_title="change",
        diverging=True,
        money=_money_like(r.measure_column),
    )


def _signed(v: float) -> str:
    return f"{'+' if v >= 0 else '-'}${abs(v):,.2f}"


@chart_builder("UnitCostsResult")
def unit_costs_chart(r: Any) -> dict[str, Any] | None:
    """Cost per request (else per 1M tokens, else cost) for each group."""
    rows = [x for x in r.rows if x.key is not None][:MAX_BARS]
    for field, title in (
        ("cost_per_request", "cost per request"),
        ("cost_per_1m_tokens", "cost per 1M tokens"),
        ("cost", "cost"),
    ):
        values = [{"group": x.key, "value": getattr(x, field)} for x in rows if getattr(x, field) is not None]
        if values:
            return bar_chart(
                values,
                category="group",
                value="value",
                value_title=title,
                title=f"{title.capitalize()} by {r.by}, {r.period_label}",
            )
    return None


@chart_builder("ReconcileResult")
def reconcile_chart(r: Any) -> dict[str, Any] | None:
    """Telemetry-estimated against billed cost over time, one line each."""
    if not r.series:
        return None
    values = []
    for p in r.series:
        values.append(
            {"date": p.date.isoformat(), "series": "estimated (telemetry)", "value": p.estimated_cost}
        )
        values.append({"date": p.date.isoformat(), "series": "billed", "value": p.billed_cost})
    return line_chart(
        values,
        x="date",
        y="value",
        color="series",
        y_title="cost",
        title=f"Estimated vs billed, {r.period_label}",
    )


@chart_builder("GpuUtilizationResult")
def gpu_chart(r: Any) -> dict[str, Any] | None:
    """Idle and busy GPU cost per instance (stacked)."""
    values = []
    for x in r.instances[:MAX_BARS]:
        name = f"{x.instance_name or x.instance_id} ({x.month})"
        if x.idle_cost is None:  # no samples: the whole cost is unmonitored, nothing is called idle or busy
            values.append({"instance": name, "part": "busy or unmonitored", "cost": x.cost})
            continue
        values.append({"instance": name, "part": "idle", "cost": x.idle_cost})
        values.append({"instance": name, "part": "busy or unmonitored", "cost": x.cost - x.idle_cost})
    if not values:
        return None
    return bar_chart(
        values,
        category="instance",
        value="cost",
        color="part",
        value_title="cost",
        title=f"GPU cost and idle cost (utilisation < {r.idle_threshold_pct:g}%), {r.period_label}",
    )


@chart_builder("CommitmentsResult")
def commitments_chart(r: Any) -> dict[str, Any] | None:
    """Used and unused commitment cost per commitment and month (stacked)."""
    values = []
    for x in r.rows[:MAX_BARS]:
        name = f"{x.commitment_name or x.commitment_id} {x.month}"
        values.append({"commitment": name, "part": "used", "cost": x.used_cost})
        values.append({"commitment": name, "part": "unused", "cost": x.unused_cost})
    if not values:
        return None
    return bar_chart(
        values,
        category="commitment",
        value="cost",
        color="part",
        value_title="cost",
        title=f"Commitment use, {r.period_label}",
    )


@chart_builder("SavingsResult")
def savings_chart(r: Any) -> dict[str, Any] | None:
    """Estimated monthly saving per recommendation."""
    values = [
        {"recommendation": f"{i}. {x.title}", "kind": x.kind, "saving": x.monthly_saving}
        for i, x in enumerate(r.recommendations, 1)
        if x.monthly_saving
    ][:MAX_BARS]
    if not values:
        return None
    return bar_chart(
        values,
        category="recommendation",
        value="saving",
        color="kind",
        value_title="per month",
        title=f"Estimated monthly savings (from {r.period_label})",
    )
