"""Vega-Lite specs for Billy's answers (portable: IDEs and web pages render them) and PNG rendering for
`--chart` and Slack (vl-convert, imported only when a PNG is asked for)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"


def _axis_title(measure: str) -> str:
    from spendscope.agents.billy.phrasing import currency_code

    code = f" ({currency_code()})" if currency_code() else ""
    return {
        "cost": f"Effective cost{code}",
        "billed_cost": f"Billed cost{code}",
        "list_cost": f"List cost{code}",
        "tokens": "Tokens",
        "requests": "Requests",
        "gpu_hours": "GPU hours",
    }.get(measure, measure)


def bar(rows: list[dict[str, Any]], category: str, measure: str, title: str) -> dict[str, Any]:
    return {
        "$schema": SCHEMA,
        "title": title,
        "data": {"values": rows},
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "y": {"field": category, "type": "nominal", "sort": "-x", "title": category.replace("_", " ")},
            "x": {"field": "value", "type": "quantitative", "title": _axis_title(measure)},
        },
        "width": 480,
    }


def line(rows: list[dict[str, Any]], grain: str, measure: str, title: str) -> dict[str, Any]:
    return {
        "$schema": SCHEMA,
        "title": title,
        "data": {"values": rows},
        "mark": {"type": "line", "point": True, "tooltip": True},
        "encoding": {
            "x": {"field": grain, "type": "temporal", "title": grain},
            "y": {"field": "value", "type": "quantitative", "title": _axis_title(measure)},
        },
        "width": 520,
    }


def grouped_bar(rows: list[dict[str, Any]], category: str, measure: str, title: str) -> dict[str, Any]:
    """Bars per category, one per period (rows carry `period` and `value`)."""
    return {
        "$schema": SCHEMA,
        "title": title,
        "data": {"values": rows},
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "y": {"field": category, "type": "nominal", "title": category.replace("_", " ")},
            "yOffset": {"field": "period", "type": "nominal"},
            "x": {"field": "value", "type": "quantitative", "title": _axis_title(measure)},
            "color": {"field": "period", "type": "nominal"},
        },
        "width": 480,
    }


def write_png(spec: dict[str, Any], path: Path) -> Path:
    """Render a Vega-Lite spec to a PNG file."""
    import vl_convert

    png = vl_convert.vegalite_to_png(vl_spec=spec, scale=2)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png)
    return path
