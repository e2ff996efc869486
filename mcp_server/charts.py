"""PNG charts for tool results: the Vega-Lite spec from tools.charts, rendered offline with vl-convert."""

from __future__ import annotations

from pydantic import BaseModel
from spendscope.tools.charts import chart_for


def render_chart(result: BaseModel, scale: float = 2.0) -> bytes | None:
    """PNG bytes of the chart that suits `result`, or None when there is nothing to draw."""
    spec = chart_for(result)
    if spec is None:
        return None
    import vl_convert

    return vl_convert.vegalite_to_png(vl_spec=spec, scale=scale, allowed_base_urls=[])
