"""Where routed alerts and reports go. The triage router and scheduled reports talk only to this interface;
the Slack app provides a Slack delivery, and stdout and webhook deliveries ship here.

Delivery must be idempotent per `Alert.key`: the router may retry an alert after a crash, and a delivery
that already sent that key must not send it again. The router records each attempt before it calls `deliver`
(tools.triage.ledger.mark_sending); an attempt whose outcome was never recorded (kill -9 mid-send) is "in doubt"
and the next run first asks the delivery's optional `reconcile(alert, since)` whether it went out:
- Slack looks the message up by its metadata (event type `spendscope_alert`, the key) in the channel's history;
- a webhook cannot be asked, so the alert is sent again with the same `Idempotency-Key` header (the alert key,
  stable across retries and runs): a receiver that remembers the keys it has handled drops the repeat. The key
  is on every request; no request is ever sent without it (docs/triage.md, docs/security.md).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Any, Protocol

from pydantic import BaseModel, Field


class Destination(BaseModel):
    """Where one owner wants alerts. Slack takes the channel, else the user's DM; the channel router
    (agents.notify.channels) sends to every channel that is set: Slack, email and Teams."""

    slack_channel: str | None = None
    slack_user: str | None = None
    email: str | None = None
    teams_webhook: str | None = Field(None, description="name of a Teams webhook (docs/notifications.md)")
    owner_key: str | None = Field(None, description="tag key that found the owner, e.g. team")
    owner_value: str | None = Field(None, description="tag value, e.g. search ('unowned' when none matched)")


class Alert(BaseModel):
    """One routed anomaly, ready to render: Slack builds Block Kit from these fields."""

    key: str = Field(
        description="idempotency key: anomaly id + severity; the same key is never delivered twice"
    )
    anomaly_id: str
    severity: str = Field(description="low, medium, high or critical")
    title: str = Field(description="one line, e.g. 'Spike in team=search: +$1,234 (+85%) on 2026-10-14'")
    summary: str = Field(description="two to four sentences: what, how much, why (drivers), who should look")
    dimension: str
    value: str
    start_day: dt.date
    end_day: dt.date
    actual: float
    expected: float
    impact: float
    drivers: list[str] = Field(default_factory=list, description="root-cause lines, largest first")
    budget_impact: list[str] = Field(default_factory=list, description="budgets this spend counts against")
    recent_changes: list[str] = Field(default_factory=list, description="commits/deploys seen in telemetry")
    top_usage: list[str] = Field(default_factory=list, description="top features and customers in telemetry")
    destination: Destination
    llm: bool = False
    related: list[str] = Field(
        default_factory=list, description="other anomalies of the same event, largest first"
    )
    related_ids: list[str] = Field(default_factory=list, description="their anomaly ids")
    trend: str | None = Field(None, description="growing, steady, easing, ended or new")
    severity_reason: str | None = Field(
        None, description="why this severity, e.g. 'high by cost impact ($1,234.00)'"
    )
    owner_reason: str | None = Field(None, description="how the owner was found, or what is missing")
    escalated_from: str | None = Field(None, description="the severity this anomaly was alerted at before")
    data_through: dt.date | None = Field(None, description="last day of data the alert saw")
    run_id: str | None = Field(None, description="the triage run that built it")


class Delivery(Protocol):
    """Sends alerts. `deliver` returns a reference to what was sent (message ts, URL, ...)."""

    def deliver(self, alert: Alert) -> str: ...


class Reconciling(Protocol):
    """A delivery that can tell whether an interrupted attempt went out (optional beside `deliver`)."""

    def reconcile(self, alert: Alert, since: dt.datetime) -> str | None:
        """The reference of `alert` if an attempt begun at `since` delivered it; None when it did not."""
        ...


class StdoutDelivery:
    """Prints each alert as one JSON line (the default)."""

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream or sys.stdout

    def deliver(self, alert: Alert) -> str:
        self.stream.write(json.dumps(alert.model_dump(mode="json")) + "\n")
        self.stream.flush()
        return "stdout"


class WebhookDelivery:
    """POSTs each alert as JSON to a URL, with the alert key as Idempotency-Key (the same on every retry, so a
    receiver can drop a repeat; an interrupted attempt is retried only this way)."""

    def __init__(self, url: str, *, timeout: float = 10.0) -> None:
        self.url = url
        self.timeout = timeout

    def deliver(self, alert: Alert) -> str:
        import httpx
        from spendscope.data.errors import SourceError

        try:
            resp = httpx.post(
                self.url,
                json=alert.model_dump(mode="json"),
                timeout=self.timeout,
                headers={"Idempotency-Key": alert.key},
            )
        except httpx.HTTPError as exc:
            raise SourceError(f"webhook {self.url} unreachable: {type(exc).__name__}") from None
        if resp.status_code >= 300:
            raise SourceError(f"webhook {self.url} answered {resp.status_code}")
        return f"webhook:{resp.status_code}"
