"""Which channels an owner takes, and sending one report or alert to one email address or Teams webhook once.

An owner receives on every channel set for them in the owner map: Slack (the channel, else a DM to the user),
email, and a Teams webhook (by name). What nobody owns goes to the finance destination of each channel (Slack:
the access file's finance_channel; email: SPENDSCOPE_FINANCE_EMAIL; Teams: SPENDSCOPE_FINANCE_TEAMS_WEBHOOK).

`ChannelDelivery` is the triage router's delivery for all channels: one alert goes to each of its destination's
channels, each under its own ledger key, so a retry after a partial failure sends only what is missing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field
from spendscope.agents.delivery import Alert, Delivery
from spendscope.agents.notify import card_check, cards
from spendscope.agents.notify.alert_content import alert_content
from spendscope.agents.notify.config import smtp_config, teams_webhooks
from spendscope.agents.notify.email_message import build_message
from spendscope.agents.notify.once import RetryPolicy, Sent, send_once
from spendscope.agents.notify.smtp import send_email
from spendscope.agents.notify.teams import post_card
from spendscope.data.errors import SourceError, SpendscopeError
from spendscope.data.settings import Settings
from spendscope.data.store import Store
from spendscope.tools.reports.content import ReportContent

Channel = Literal["slack", "email", "teams"]


class Target(BaseModel):
    channel: Channel
    address: str = ""


def targets_of(
    slack_channel: str | None = None,
    slack_user: str | None = None,
    email: str | None = None,
    teams_webhook: str | None = None,
) -> list[Target]:
    """Every channel set: Slack (channel, else the user's DM), email, Teams."""
    out = []
    if slack_channel or slack_user:
        out.append(Target(channel="slack", address=slack_channel or slack_user or ""))
    if email:
        out.append(Target(channel="email", address=email))
    if teams_webhook:
        out.append(Target(channel="teams", address=teams_webhook.lower()))
    return out


class ChannelOutcome(BaseModel):
    key: str
    channel: Channel
    target: str
    scope: str
    status: Literal[
        "sent", "already_sent", "would_send", "failed", "in_doubt", "in_progress", "not_configured"
    ]
    ref: str | None = None
    error: str | None = None
    tries: int = Field(0, description="sends attempted in this run (temporary failures are tried again)")


class Channels:
    """Email and Teams sending for one run; the configuration is read once, from the environment and keys file."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.smtp = smtp_config(settings)
        self.webhooks = teams_webhooks(settings)
        self.retry = RetryPolicy(attempts=settings.delivery_attempts, wait=settings.delivery_retry_wait)

    def finance_targets(self) -> list[Target]:
        return targets_of(
            email=self.settings.finance_email, teams_webhook=self.settings.finance_teams_webhook
        )

    def key(self, target: Target, base: str) -> str:
        return f"{target.channel}:{base}:{target.address.lower()}"

    def missing(self, target: Target) -> str | None:
        """Why this process cannot send to `target` (None: it can)."""
        if target.channel == "email" and self.smtp is None:
            return "email is off: set SPENDSCOPE_SMTP_HOST (docs/notifications.md)"
        if target.channel == "teams" and target.address not in self.webhooks:
            return (
                f"no URL for Teams webhook {target.address!r}: add it to SPENDSCOPE_TEAMS_WEBHOOKS or the keys "
                "file's teams_webhooks"
            )
        return None

    def send(
        self, target: Target, base: str, kind: str, content: ReportContent, *, dry_run: bool = False
    ) -> ChannelOutcome:
        """Send `content` to one email address or Teams webhook under `<channel>:<base>:<address>`, once."""
        key = self.key(target, base)
        out = ChannelOutcome(
            key=key, channel=target.channel, target=target.address, scope=content.scope, status="failed"
        )
        why = self.missing(target)
        if why is not None:
            return out.model_copy(update={"status": "not_configured", "error": why})
        payload = {"content": content.model_dump(mode="json"), "address": target.address, "base": base}
        send = self._sender(target, key, content)
        if dry_run and target.channel == "teams":
            bad = card_check.problems(cards.envelope(cards.card(content)))
            if bad:
                return out.model_copy(update={"error": "; ".join(bad[:3])})
        sent: Sent = send_once(
            self.store,
            key,
            f"{target.channel}:{kind}",
            target.address,
            payload,
            send,
            dry_run=dry_run,
            retry=self.retry,
        )
        return out.model_copy(
            update={"status": sent.status, "ref": sent.ref, "error": sent.error, "tries": sent.tries}
        )

    def _sender(self, target: Target, key: str, content: ReportContent) -> Any:
        if target.channel == "email":
            cfg = self.smtp
            assert cfg is not None
            return lambda: send_email(
                cfg, build_message(content, key=key, sender=cfg.sender, to=target.address)
            )
        url = self.webhooks[target.address]
        return lambda: post_card(target.address, url, cards.envelope(cards.card(content)))

    def resend_queued(self, kind: str, exclude: set[str]) -> list[ChannelOutcome]:
        """Messages of `kind` (e.g. budget) an earlier run queued or failed to send: sent again from the ledger."""
        from spendscope.tools.triage import post_ledger

        out = []
        for channel in ("email", "teams"):
            for post in post_ledger.retryable_posts(self.store, f"{channel}:{kind}"):
                if post.key in exclude or not post.payload:
                    continue
                content = ReportContent.model_validate(post.payload["content"])
                target = Target(channel=channel, address=post.payload["address"])
                out.append(self.send(target, post.payload["base"], kind, content))
        return out

    def queue(self, target: Target, base: str, kind: str, content: ReportContent) -> None:
        """Record a message as waiting (before anything can fail), so a run that dies still has it to retry."""
        from spendscope.tools.triage import post_ledger

        key = self.key(target, base)
        payload = {"content": content.model_dump(mode="json"), "address": target.address, "base": base}
        if post_ledger.claim_post(self.store, key, f"{target.channel}:{kind}", payload) is not None:
            post_ledger.mark_failed(self.store, key, "queued")


class ChannelDelivery:
    """`agents.delivery.Delivery` for every channel: Slack through the Slack app's delivery (when the process has
    a Slack token), email and Teams here. Raises SourceError when a channel failed (the router retries the alert;
    the channels that took it are not sent again) or when no channel could take it."""

    def __init__(self, channels: Channels, slack: Delivery | None = None) -> None:
        self.channels = channels
        self.slack = slack

    def targets(self, alert: Alert) -> list[Target]:
        d = alert.destination
        found = targets_of(d.slack_channel, d.slack_user, d.email, d.teams_webhook)
        if found:
            return found
        fallback = self.channels.finance_targets()
        return ([Target(channel="slack")] if self.slack is not None else []) + fallback

    def deliver(self, alert: Alert) -> str:
        refs, errors, skipped = [], [], []
        content = alert_content(alert)
        for target in self.targets(alert):
            if target.channel == "slack":
                if self.slack is None:
                    skipped.append("slack: no Slack token (SLACK_BOT_TOKEN)")
                    continue
                try:
                    refs.append(f"slack:{self.slack.deliver(alert)}")
                except SpendscopeError as exc:
                    errors.append(f"slack: {exc.message}")
                continue
            out = self.channels.send(target, f"alert:{alert.key}", "alert", content)
            if out.status in ("sent", "already_sent"):
                refs.append(f"{target.channel}:{target.address}")
            elif out.status == "not_configured":
                skipped.append(f"{target.channel}: {out.error}")
            else:
                errors.append(f"{target.channel} {target.address}: {out.error}")
        if errors or not refs:
            reasons = errors or skipped or ["its owner has no channel and no finance destination is set"]
            raise SourceError(
                f"alert {alert.key} not delivered everywhere: " + "; ".join(reasons), key=alert.key
            )
        return ", ".join(refs)

    def reconcile(self, alert: Alert, since: dt.datetime) -> str | None:
        """After an interrupted delivery: Slack looks its message up (and releases a claim that surely did not
        post); email and Teams keep theirs (agents/notify/once.py). None: deliver again, which sends only what
        each channel's ledger has not recorded as sent."""
        reconcile = getattr(self.slack, "reconcile", None)
        if callable(reconcile) and any(t.channel == "slack" for t in self.targets(alert)):
            reconcile(alert, since)
        return None
