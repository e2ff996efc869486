"""Explorer: any measure by any dimension or virtual tag, with filters and a period; chart, table, CSV and a
URL that reproduces the view (every choice is a query parameter)."""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import urlencode

from spendscope.data.errors import InvalidArgument, SpendscopeError
from spendscope.tools.charts import chart_for
from spendscope.web.context import Section, View, parse_filter
from starlette.datastructures import QueryParams

DEFAULT_PERIOD = "last 30 days"
DEFAULT_TOP = 25
SERIES_TOP = 10_000  # a series by day, week or month keeps every period: "other (6)" would hide six days
TIME_GRAINS = frozenset({"day", "week", "month"})


def default_top(by: list[str]) -> int:
    """The top N when the URL names none: every row of a time series, else the 25 largest groups."""
    return SERIES_TOP if any(b.strip().lower() in TIME_GRAINS for b in by) else DEFAULT_TOP


MAX_GROUP_BY = 3


PARAMETERS = (
    "by",
    "end",
    "filter",
    "measure",
    "period",
    "start",
    "top",
)  # the form's fields, the URL's contract


def query_params(view: View, q: QueryParams) -> dict[str, Any]:
    """The query_costs input a URL asks for (InvalidArgument names a bad parameter). A parameter the Explorer
    does not take is refused, as MCP refuses an unknown argument: ignored, `filters=team=search` (MCP's name)
    would show the company's figures to someone who believes they are looking at one team's."""
    unknown = sorted({k for k in q if k not in PARAMETERS})
    if unknown:
        raise InvalidArgument(
            f"unknown parameter {', '.join(repr(k) for k in unknown)}; accepted: {', '.join(PARAMETERS)}",
            argument=unknown[0],
        )
    by = [b.strip() for b in q.getlist("by") if b.strip()]
    if len(by) > MAX_GROUP_BY:  # dropped, the fourth would leave its rows summed without a word
        raise InvalidArgument(
            f"by: at most {MAX_GROUP_BY} dimensions; got {len(by)} ({', '.join(by)})", argument="by"
        )
    if "by" not in q:
        by = ["provider"]
    params: dict[str, Any] = {
        "measure": q.get("measure") or "cost",
        "group_by": by,
        "filters": [parse_filter(f) for f in q.getlist("filter") if f.strip()],
        "as_of": view.today,
    }
    if q.get("start") or q.get("end"):
        params["start"], params["end"] = q.get("start") or None, q.get("end") or None
    else:
        params["period"] = q.get("period") or DEFAULT_PERIOD
    top = q.get("top") or str(default_top(by))
    if not top.isdigit() or not 1 <= int(top) <= 10_000:
        raise InvalidArgument(f"top {top!r}: give a whole number from 1 to 10000", argument="top")
    params["top"] = int(top)
    return params


def run(view: View, q: QueryParams) -> Section:
    try:
        params = query_params(view, q)
    except SpendscopeError as exc:
        return Section(error=exc.message)
    return view.section("query_costs", params)


def page(view: View, q: QueryParams) -> tuple[str, dict[str, Any]]:
    result = run(view, q)
    dims = view.section("list_dimensions")
    chosen = [b for b in q.getlist("by") if b.strip()] if "by" in q else ["provider"]
    return "explorer.html", {
        "result": result,
        "chart": chart_for(result.result) if result.ok else None,
        "dims": dims,
        "chosen_by": (chosen + ["", "", ""])[:MAX_GROUP_BY],
        "filters": [f for f in q.getlist("filter") if f.strip()] + [""],
        "measure": q.get("measure") or "cost",
        "period": q.get("period") or ("" if q.get("start") or q.get("end") else DEFAULT_PERIOD),
        "start": q.get("start") or "",
        "end": q.get("end") or "",
        "top": q.get("top") or (str(DEFAULT_TOP) if default_top(chosen) == DEFAULT_TOP else ""),
        "csv_url": "/explorer.csv" + (f"?{urlencode(list(q.multi_items()))}" if q else ""),
        "share_url": "/explorer" + (f"?{urlencode(list(q.multi_items()))}" if q else ""),
    }


def csv_text(section: Section) -> str:
    """The table as CSV: one column per dimension, the value unrounded, the share in percent, and the result's
    currency on every row when the measure is money (a spreadsheet of a CAD bill is not read as dollars)."""
    r = section.result
    cur = [r.currency] if getattr(r, "currency", None) else []
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow([*r.group_by, r.measure, "share_pct", *(["currency"] if cur else [])])
    for row in r.rows:
        w.writerow([*(row.group.get(d) or "" for d in r.group_by), row.value, row.share_pct or "", *cur])
    if r.other is not None:
        w.writerow([*([f"other ({r.other_groups})"] + [""] * (len(r.group_by) - 1)), r.other, "", *cur])
    return out.getvalue()
