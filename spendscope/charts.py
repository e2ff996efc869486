"""Rendering Vega-Lite specs (built by tools.charts) to PNG for the CLI. Offline: no URL may be fetched."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel

from spendscope.data.errors import InvalidArgument


def render_png(spec: dict[str, Any], scale: float = 2.0) -> bytes:
    """PNG bytes of a Vega-Lite spec whose data is inline."""
    import vl_convert

    return vl_convert.vegalite_to_png(vl_spec=spec, scale=scale, allowed_base_urls=[])


def write_png(spec: dict[str, Any], path: Path) -> Path:
    """Render `spec` to `path` (a .png file); the folder must exist."""
    path = Path(path).expanduser()
    if path.suffix.lower() != ".png":
        raise InvalidArgument(
            f"--chart {path}: the chart is written as PNG; name the file *.png", argument="chart"
        )
    if not path.parent.is_dir():
        raise InvalidArgument(f"--chart {path}: folder {path.parent} does not exist", argument="chart")
    path.write_bytes(render_png(spec))
    return path


def write_chart_for(result: BaseModel, path: Path | None) -> Path | None:
    """Write the chart that suits `result` to `path` (when given); say so on stderr, or why there is none."""
    if path is None:
        return None
    from spendscope.render import err_console
    from spendscope.tools.charts import chart_for

    spec = chart_for(result)
    if spec is None:
        err_console.print(
            f"no chart written to {path}: nothing to draw for this result (group it by something)",
            markup=False,
            highlight=False,
        )
        return None
    written = write_png(spec, path)
    err_console.print(f"chart written to {written}", markup=False, highlight=False)
    return written
