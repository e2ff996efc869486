"""The profitability page: revenue against AI cost per customer, feature, plan or team (at-risk ones first, with
their trend), and the cost per unit of every count metric the store holds (docs/unit-economics.md). Read through
`View.section` like every page, so a row-scoped caller sees only its rows (or why a section is not available)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from spendscope.tools.charts import chart_for
from spendscope.tools.periods import add_months
from spendscope.web.context import View
from spendscope.web.pages.simple import last_full_month

BY = ("customer", "feature", "plan", "team")
UNIT_MONTHS = 3  # months of cost per unit shown per metric


def page(view: View, month: str | None, by: str | None) -> tuple[str, dict[str, Any]]:
    month = month or last_full_month(view)
    by = by or "customer"  # an unknown one reaches the operation, which names it (never a silent default)
    got = view.sections(
        {
            "profit": ("profitability", {"period": month, "as_of": view.today, "by": by}),
            "catalog": ("list_business_metrics", {}),
        }
    )
    profit, catalog = got["profit"], got["catalog"]
    units = []
    if catalog.ok and profit.ok:
        r = profit.result
        calls = {
            m.metric: (
                "cost_per_business_unit",
                {
                    "metric": m.metric,
                    "start": add_months(r.start, 1 - UNIT_MONTHS),
                    "end": r.end - dt.timedelta(days=1),
                    "grain": "month",
                    "per": 1000 if (m.unit or "").startswith("document") else 1,
                },
            )
            for m in catalog.result.metrics
            if m.kind == "count"
        }
        if calls:
            units = [(name, s, _per(s)) for name, s in view.sections(calls).items()]
    return "profitability.html", {
        "month": month,
        "by": by,
        "choices": BY,
        "profit": profit,
        "chart": chart_for(profit.result) if profit.ok else None,
        "catalog": catalog,
        "units": units,
    }


def _per(section: Any) -> str:
    """'Cost per ticket', 'Cost per 1,000 documents'."""
    if not section.ok:
        return "Cost per unit"
    u = section.result
    if u.per != 1:
        return f"Cost per {u.per:,} {u.unit or 'units'}"
    return f"Cost per {(u.unit or 'unit').removesuffix('s')}"
