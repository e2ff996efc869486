"""`list_deliveries`: what went out to whom, on every channel, from the two delivery ledgers.

- the posting ledger (`_slack_posts`, tools.triage.post_ledger): one row per message and channel (Slack posts,
  emails, Teams cards) of alerts, reports, budget alerts and reminders;
- the triage router's ledger (`_triage_log`, tools.triage.ledger): one row per routed alert as a whole (channel
  `router`), also for the webhook and terminal deliveries, which keep no message ledger of their own.

Statuses: `sent`; `failed` (the next run sends it again, up to 10 times); `queued` (recorded, not sent yet);
`sending` (an attempt in progress); `in_doubt` (an attempt whose outcome was never recorded, or whose answer was
lost: it may have gone out, and is sent again once it is 5 minutes old); `skipped` (deliberately not sent, e.g. a
snoozed anomaly); `pending` (a routed alert not attempted yet); `given_up` (failed 10 times).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field
from spendscope.data.store import Store
from spendscope.tools.registry import operation
from spendscope.tools.triage.ledger import MAX_ATTEMPTS
from spendscope.tools.triage.post_ledger import STALE_AFTER

Status = Literal["sent", "failed", "queued", "sending", "in_doubt", "skipped", "pending", "given_up"]


class Delivery(BaseModel):
    ledger: Literal["messages", "router"]
    channel: str = Field(
        description="slack, email, teams; router: the triage router's record of the whole alert"
    )
    kind: str = Field(description="alert, report, budget or reminder")
    key: str = Field(description="idempotency key in its ledger")
    target: str | None = Field(
        description="channel or user id, email address, Teams webhook name, or destinations"
    )
    scope: str | None = Field(description="whose figures: team=search, finance, the anomaly's series")
    status: Status
    attempts: int = Field(description="failed attempts so far")
    ref: str | None = Field(description="what the channel returned: message ts, Message-ID, teams:202")
    error: str | None = Field(description="the last error, when the last attempt failed")
    first_at: dt.datetime
    last_at: dt.datetime


class DeliveriesInput(BaseModel):
    channel: Literal["slack", "email", "teams", "router"] | None = Field(
        None, description="only this channel"
    )
    kind: Literal["alert", "report", "budget", "reminder"] | None = Field(None, description="only this kind")
    status: Status | None = Field(None, description="only this status")
    since: dt.date | None = Field(None, description="only deliveries last touched on or after this day")
    limit: int = Field(100, ge=1, le=10_000, description="at most this many, latest first")


class DeliveriesResult(BaseModel):
    deliveries: list[Delivery]
    counts: dict[str, int] = Field(
        description="deliveries per status, over all that match (not only those shown)"
    )


_MESSAGES = """
SELECT 'messages' AS ledger,
       CASE WHEN contains(kind, ':') THEN split_part(kind, ':', 1) ELSE 'slack' END AS channel,
       CASE WHEN contains(kind, ':') THEN split_part(kind, ':', 2) ELSE kind END AS kind,
       key, channel AS target,
       coalesce(json_extract_string(payload, '$.scope'), json_extract_string(payload, '$.content.scope'),
                json_extract_string(payload, '$.dimension') || '=' || json_extract_string(payload, '$.value')) AS scope,
       CASE WHEN status = 'posted' THEN 'sent'
            WHEN status = 'skipped' THEN 'skipped'
            WHEN status = 'failed' AND last_error = 'queued' THEN 'queued'
            WHEN status = 'failed' AND attempts >= $max THEN 'given_up'
            WHEN status = 'failed' THEN 'failed'
            WHEN updated_at < $stale THEN 'in_doubt'
            ELSE 'sending' END AS status,
       CASE WHEN last_error = 'queued' THEN attempts - 1 ELSE attempts END AS attempts,
       ts AS ref, CASE WHEN status IN ('failed', 'skipped') AND last_error <> 'queued' THEN last_error END AS error,
       created_at AS first_at, updated_at AS last_at
FROM _slack_posts WHERE kind <> 'event'
"""
_ROUTER = """
SELECT 'router', 'router', 'alert', key, destination,
       json_extract_string(alert, '$.dimension') || '=' || json_extract_string(alert, '$.value'),
       CASE WHEN status = 'delivered' THEN 'sent'
            WHEN sending_at IS NOT NULL THEN 'in_doubt'
            WHEN attempts >= $max THEN 'given_up'
            WHEN attempts > 0 THEN 'failed'
            ELSE 'pending' END,
       attempts, delivery_ref, CASE WHEN status <> 'delivered' THEN last_error END,
       enriched_at, coalesce(delivered_at, sending_at, enriched_at)
FROM _triage_log WHERE alert IS NOT NULL AND status IN ('enriched', 'delivered')
"""


@operation("list_deliveries", input_model=DeliveriesInput, output_model=DeliveriesResult)
def list_deliveries(store: Store, params: DeliveriesInput | None = None) -> DeliveriesResult:
    """What went out to whom on every channel (Slack, email, Teams, triage router): sent, failed or in doubt."""
    p = params or DeliveriesInput()
    if not store.exists:
        return DeliveriesResult(deliveries=[], counts={})
    where, args = ["true"], {"max": MAX_ATTEMPTS, "stale": dt.datetime.now(dt.UTC) - STALE_AFTER}
    for name in ("channel", "kind", "status"):
        if getattr(p, name) is not None:
            where.append(f"{name} = ${name}")
            args[name] = getattr(p, name)
    if p.since is not None:
        where.append("last_at >= $since")
        args["since"] = dt.datetime(p.since.year, p.since.month, p.since.day, tzinfo=dt.UTC)
    sql = f"WITH d AS ({_MESSAGES} UNION ALL {_ROUTER}) SELECT * FROM d WHERE {' AND '.join(where)}"
    with store.reader() as con:
        rows = con.execute(f"{sql} ORDER BY last_at DESC, key LIMIT {int(p.limit)}", args).fetchall()
        counts = con.execute(f"SELECT status, count(*) FROM ({sql}) GROUP BY 1 ORDER BY 1", args).fetchall()
    names = list(Delivery.model_fields)
    return DeliveriesResult(
        deliveries=[Delivery(**dict(zip(names, r, strict=True))) for r in rows], counts=dict(counts)
    )
