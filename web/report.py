"""`spendscope report html`: the month's overview and showback as one self-contained HTML file.

For email and wikis, which run no scripts: the charts are drawn on the server as inline SVG (vl_convert, from the
same Vega-Lite specs the dashboard draws in the browser) and the stylesheet is inlined, so the file loads nothing
from anywhere. The figures are read through tools.invoke as the given caller (the CLI's local user by default).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from markupsafe import Markup
from spendscope.data.errors import InvalidPeriod, PermissionDenied
from spendscope.data.store import Store
from spendscope.tools.access import LOCAL, Caller
from spendscope.tools.money_text import in_store_currency
from spendscope.tools.periods import parse_period
from spendscope.web.assets import static_text
from spendscope.web.auth import Who
from spendscope.web.context import View, next_month
from spendscope.web.pages import overview, simple
from spendscope.web.render import environment


def svg(spec: dict[str, Any] | None) -> Markup:
    """A Vega-Lite spec drawn as inline SVG (empty when there is nothing to draw)."""
    if not spec:
        return Markup("")
    import vl_convert

    return Markup(vl_convert.vegalite_to_svg(vl_spec=spec))


@in_store_currency
def render_report(
    store: Store,
    month: str,
    *,
    by: str = "team",
    as_of: dt.date | None = None,
    caller: Caller = LOCAL,
    generated: dt.datetime | None = None,
) -> str:
    """The HTML text of the report for `month` (e.g. 2026-10 or 'last month')."""
    period = parse_period(month, as_of)
    if period.start.day != 1 or period.end != next_month(period.start):
        raise InvalidPeriod(f"the report covers one calendar month; {month!r} is {period.label}", value=month)
    last_day = period.end - dt.timedelta(days=1)
    today = as_of or dt.datetime.now(dt.UTC).date()
    view = View(store, Who(caller), min(today, last_day), pinned=True)
    prev_start = (period.start - dt.timedelta(days=1)).replace(day=1)
    # what the report is about: a month without data or an unknown --by is an error (the CLI exits 1), not a file
    # whose every section is an error message, which a scheduled job would mail; the sections reuse the results
    view.run(
        "query_costs", {"period": f"{period.start:%Y-%m}"}
    )  # "period January 2030 ... holds no cost data"
    with contextlib.suppress(
        PermissionDenied
    ):  # a scoped caller's report says showback is not available to it
        view.run("get_showback_report", {"month": f"{period.start:%Y-%m}", "by": by, "as_of": view.today})
    total = view.section("query_costs", {"start": period.start, "end": last_day})
    before = view.section("query_costs", {"start": prev_start, "end": period.start - dt.timedelta(days=1)})
    change = view.section(
        "explain_change",
        {
            "start": period.start,
            "end": last_day,
            "compare_start": prev_start,
            "compare_end": period.start - dt.timedelta(days=1),
            "dimensions": overview.DRIVER_DIMENSIONS,
            "top": 8,
        },
    )
    daily = view.section(
        "query_costs", {"start": period.start, "end": last_day, "group_by": ["day", "provider"]}
    )
    in_progress = period.start <= today <= last_day
    landing = overview.landing_section(view) if in_progress else None
    _, showback = simple.showback(view, f"{period.start:%Y-%m}", by)
    tpl = environment().get_template("report.html")
    return tpl.render(
        label=period.label,
        month=f"{period.start:%Y-%m}",
        view=view,
        total=total,
        before=before,
        change=change,
        daily_svg=svg(overview.stacked_daily(daily)),
        daily=daily,
        landing=landing,
        showback=showback,
        showback_svg=svg(showback["chart"]),
        css=Markup(static_text("app.css")),
        generated=(generated or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC"),
        in_progress=in_progress,
    )
