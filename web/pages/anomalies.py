"""Anomalies: the list, one anomaly with its root cause and series, and (write tokens only) acknowledge or mark
it expected."""

from __future__ import annotations

from typing import Any

from spendscope.tools.charts import chart_for
from spendscope.tools.registry import get_operation
from spendscope.tools.scoping import refusal
from spendscope.web.context import View

STATUSES = ("open", "acknowledged", "expected", "resolved")
ACTIONS = {"acknowledge": "Acknowledge", "expected": "Expected"}


def listing(view: View, status: str | None) -> tuple[str, dict[str, Any]]:
    wanted = [status] if status else ["open", "acknowledged"]  # an unknown one is named by the operation
    result = view.section("list_anomalies", {"status": wanted, "limit": 200})
    return "anomalies.html", {"result": result, "status": status or "", "statuses": STATUSES}


def detail(view: View, anomaly_id: str, notice: str | None = None) -> tuple[str, dict[str, Any]]:
    result = view.section("get_anomaly", {"anomaly_id": anomaly_id})
    can_act = refusal(get_operation("update_anomaly"), view.caller) is None
    return "anomaly.html", {
        "result": result,
        "chart": chart_for(result.result) if result.ok else None,
        "can_act": can_act,
        "actions": ACTIONS,
        "notice": notice,
        "anomaly_id": anomaly_id,
    }


def act(view: View, anomaly_id: str, action: str, reason: str | None) -> str:
    """Acknowledge or mark expected, as the caller (the entry point refuses callers without write permission)."""
    updated = view.run(
        "update_anomaly",
        {
            "anomaly_id": anomaly_id,
            "action": action,
            "reason": (reason or "").strip() or None,
            "actor": f"web:{view.caller.identity}",
        },
    )
    return f"{anomaly_id} is now {updated.status}"
