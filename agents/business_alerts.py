"""Unit-economics alerts in the triage router: margin-floor breaches, unit budgets over and unusual unit costs
(tools.business.alerts) become `Alert`s in the same run as the anomalies, so they go to their owners through the
same delivery ledger (tools.triage.ledger: recorded before sending, never sent twice, retried after a failure or a
crash) and the same destinations (Slack, webhook, stdout). docs/unit-economics.md, "Alerts".

An alert's key is its id and severity: a breach already delivered at that severity is not sent again; one that
gets worse (a margin that turns negative) is sent again as an escalation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from spendscope.agents.delivery import Alert, Destination
from spendscope.data.errors import SpendscopeError
from spendscope.data.settings import Settings
from spendscope.data.store import Store
from spendscope.tools.business.alerts import BusinessAlert, BusinessAlertsInput, business_alerts
from spendscope.tools.governance.anomaly_detection import SEVERITIES
from spendscope.tools.triage import ledger

_RANK = {s: i for i, s in enumerate(SEVERITIES)}


def to_alert(b: BusinessAlert, settings: Settings, through: dt.date | None, run_id: str | None) -> Alert:
    o = b.owner
    if o.slack_channel or o.slack_user or o.email:
        dest = Destination(
            slack_channel=o.slack_channel,
            slack_user=o.slack_user,
            email=o.email,
            owner_key=o.owner_key,
            owner_value=o.owner_value,
        )
    else:
        dest = Destination(slack_channel=settings.triage_default_channel, owner_value="unowned")
    return Alert(
        key=f"{b.alert_id}:{b.severity}",
        anomaly_id=b.alert_id,
        severity=b.severity,
        title=b.title,
        summary=b.summary,
        dimension=b.dimension,
        value=b.value,
        start_day=b.start_day,
        end_day=b.end_day,
        actual=round(b.actual, 2),
        expected=round(b.expected, 2),
        impact=round(b.impact, 2),
        drivers=b.drivers,
        destination=dest,
        severity_reason=f"{b.kind.replace('_', ' ')} {b.target}",
        owner_reason=o.reason,
        data_through=through,
        run_id=run_id,
    )


def business_node(store: Store, settings: Settings) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The router's step after the anomalies' summaries: add the unit-economics alerts not delivered yet."""

    def node(state: dict[str, Any]) -> dict[str, Any]:
        if not state.get("through"):
            return {}
        through = dt.date.fromisoformat(state["through"])
        notes = list(state.get("notes", []))
        try:
            found = business_alerts(store, BusinessAlertsInput(as_of=through + dt.timedelta(days=1))).alerts
        except SpendscopeError as exc:
            notes.append(f"unit-economics alerts not checked: {exc.message}")
            return {"notes": notes}
        sent = ledger.delivered_severities(store, [b.alert_id for b in found])
        added = []
        for b in found:
            before = sent.get(b.alert_id)
            if before is not None and _RANK[before] >= _RANK[b.severity]:
                continue
            alert = to_alert(b, settings, through, state.get("run_id"))
            if before is not None:
                alert.escalated_from = before
            added.append({**alert.model_dump(mode="json"), "_members": [b.alert_id]})
        return {"alerts": [*state.get("alerts", []), *added], "notes": notes}

    return node
