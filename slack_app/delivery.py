"""SlackDelivery: the triage router's alerts as Block Kit messages in the owner's channel or DM, with the
Acknowledge / Expected / Reassign / Snooze controls (slack_app.actions handles them).

Idempotent per alert key through the posting ledger (`_slack_posts`): a key already posted returns the message
ts it got the first time, so a router that retries after a crash never posts twice. An alert about an anomaly
someone snoozed is not posted (the ledger records it `skipped`); the snooze's reminder brings it back.

A crash between chat.postMessage and recording its ts (kill -9) leaves the key `claimed` with the channel it was
going to: every alert carries its key in the message metadata, so before posting again the channel's history is
searched for it (conversations.history with all metadata) and a message found there is recorded, not reposted.
"""

from __future__ import annotations

import datetime as dt
import re

from slack_sdk import WebClient
from spendscope.agents.delivery import Alert, Destination
from spendscope.data.errors import NotFound, SourceError, SpendscopeError
from spendscope.data.store import Store
from spendscope.slack_app import blocks, messaging
from spendscope.tools.governance import alert_actions
from spendscope.tools.triage import post_ledger

ALERT_EVENT = "spendscope_alert"  # message metadata event type of alerts (payload: the ledger key)
LOOKUP_MARGIN = dt.timedelta(minutes=5)  # history is searched from this long before the claim (clock skew)
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")


def _in_doubt(exc: SpendscopeError) -> bool:
    """Whether a failed post may have reached Slack: the answer was lost (a timeout, a dropped connection), as
    opposed to Slack refusing it with an error code (`channel_not_found`, `ratelimited`, ...)."""
    code = str(exc.details.get("slack_error", ""))
    return bool(code) and not code.islower()


def alert_key(alert: Alert, suffix: str = "") -> str:
    return f"alert:{alert.key}{suffix}"


def destination_target(d: Destination, fallback: str | None) -> str | None:
    """Where an alert goes in Slack: the owner's channel, else their DM, else the fallback channel."""
    return d.slack_channel or d.slack_user or fallback


class SlackDelivery:
    """`agents.delivery.Delivery` for Slack: `deliver(alert)` posts it and returns the message ts."""

    def __init__(self, store: Store, client: WebClient, *, fallback_channel: str | None = None) -> None:
        self.store = store
        self.client = client
        self.fallback_channel = fallback_channel

    def deliver(self, alert: Alert) -> str:
        target = destination_target(alert.destination, self.fallback_channel)
        if target is None:
            raise SourceError(
                f"alert {alert.key} has no Slack destination: its owner "
                f"({alert.destination.owner_value or 'unowned'}) has no Slack channel or user, and no "
                "finance_channel is set in the Slack access file",
                key=alert.key,
            )
        return self.post_alert(alert, target, alert_key(alert))

    def post_alert(self, alert: Alert, target: str, key: str) -> str:
        """Post `alert` to `target` once under `key`; returns the message ts (the first one, on a repeat)."""
        done = post_ledger.get_post(self.store, key)
        if done is not None and done.status == "posted" and done.ts:
            return done.ts
        found = self._posted_before_a_crash(done, key)
        if found is not None:
            return found
        payload = alert.model_dump(mode="json")
        claim = post_ledger.claim_post(self.store, key, "alert", payload)
        if claim is None:
            again = post_ledger.get_post(self.store, key)
            if again is not None and again.ts:
                return again.ts
            if again is not None and again.status == "skipped":
                return "skipped"
            raise SourceError(
                f"alert {alert.key} is being posted by another worker; retried on the next run", key=alert.key
            )
        snoozes = alert_actions.snoozed(self.store, [alert.anomaly_id])
        if alert.anomaly_id in snoozes:
            post_ledger.mark_skipped(
                self.store, key, f"snoozed until {snoozes[alert.anomaly_id].isoformat()}"
            )
            return "snoozed"
        sending = False
        try:
            channel = messaging.resolve_target(self.client, target)
            post_ledger.note_channel(self.store, key, channel)  # before sending: a crash can be looked up
            text, body = blocks.alert_blocks(alert, self.state(alert))
            meta = {"event_type": ALERT_EVENT, "event_payload": {"key": key}}
            sending = True
            channel, ts = messaging.post(self.client, channel, text, body, metadata=meta)
        except SpendscopeError as exc:
            if not (
                sending and _in_doubt(exc)
            ):  # a lost answer keeps the claim: the retry looks for it first
                post_ledger.mark_failed(self.store, key, exc.message)
            raise
        post_ledger.mark_posted(self.store, key, channel, ts)
        return ts

    def _posted_before_a_crash(self, done: post_ledger.Post | None, key: str) -> str | None:
        """The ts of `key`'s message if an attempt that never recorded its outcome did post it (found by its
        metadata in the channel it was going to), now recorded; None otherwise."""
        if (
            done is None
            or done.status != "claimed"
            or not done.channel
            or not _CHANNEL_ID.match(done.channel)
        ):
            return None
        since = (done.updated_at - LOOKUP_MARGIN).timestamp()
        ts = messaging.find_posted(self.client, done.channel, ALERT_EVENT, key, since)
        if ts is not None:
            post_ledger.mark_posted(self.store, key, done.channel, ts)
        return ts

    def reconcile(self, alert: Alert, since: dt.datetime) -> str | None:
        """After an interrupted delivery (agents.delivery.Reconciling): the message ts if the alert was posted,
        else None, with the key released for posting when it surely was not (no channel chosen yet, or not in
        the channel's history). A channel given by #name cannot be searched: its claim is left to go stale."""
        key = alert_key(alert)
        done = post_ledger.get_post(self.store, key)
        if done is None:
            return None
        if done.status == "posted" and done.ts:
            return done.ts
        if done.status == "skipped":
            return "skipped"
        if done.status != "claimed":
            return None
        found = self._posted_before_a_crash(done, key)
        if found is None and (not done.channel or _CHANNEL_ID.match(done.channel)):
            post_ledger.mark_failed(self.store, key, "interrupted before Slack had the message; posted again")
        return found

    def hand_over(self, alert: Alert, assignee: str) -> str:
        """Post a copy of `alert` to the person or channel it was reassigned to (once per assignee)."""
        return self.post_alert(alert, assignee, alert_key(alert, f":to:{assignee}"))

    def state(self, alert: Alert, now: dt.datetime | None = None) -> alert_actions.AnomalyState | None:
        """What people did about the alert's anomaly (None when the store does not hold the anomaly)."""
        try:
            return alert_actions.anomaly_state(self.store, alert.anomaly_id, now)
        except NotFound:
            return None

    def refresh(self, alert: Alert, channel: str, ts: str, now: dt.datetime | None = None) -> None:
        """Redraw a posted alert with what people did about it (status, assignee, snooze)."""
        text, body = blocks.alert_blocks(alert, self.state(alert, now), now)
        messaging.update(self.client, channel, ts, text, body)
