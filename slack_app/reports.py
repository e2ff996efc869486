"""Scheduled Slack reports, run from cron (`spendscope slack report KIND`) or the app's own schedule:

- weekly: each team's last calendar week (Monday to Sunday) against the week before, to the team's channel;
- monthly: each team's showback for last month to its channel, and the whole showback to finance;
- budgets: budget threshold and forecast alerts not raised before, to the budget's owner;
- reminders: snoozed anomalies whose snooze ended, in the thread of their alert.

Teams and their channels come from the owner map (tools.allocation.owners: `spendscope owners set team search
--slack-channel C0123`). The figures come from tools.reports.data, shared with the email and Teams reports: a
team's weekly message from queries run as a caller limited to that team (the showback: from that team's row), so
each team sees only its own costs. Every message has an idempotency key in
the posting ledger: running a report twice posts nothing new, and a failed post is retried by the next run.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any, Literal

from pydantic import BaseModel, Field
from slack_sdk import WebClient
from spendscope.agents.delivery import Alert
from spendscope.data.errors import InvalidArgument, SpendscopeError
from spendscope.data.store import Store
from spendscope.slack_app import blocks, messaging, report_blocks
from spendscope.slack_app.access import Access
from spendscope.tools.allocation.owners import Owner
from spendscope.tools.allocation.showback import chart_spec
from spendscope.tools.costs.breakdown import Filter
from spendscope.tools.governance import alert_actions
from spendscope.tools.governance.budgets import NewBudgetAlert
from spendscope.tools.money_text import in_store_currency
from spendscope.tools.reports import data
from spendscope.tools.triage import post_ledger

log = logging.getLogger("spendscope.slack")

KINDS = ("weekly", "monthly", "budgets", "reminders")
Kind = Literal["weekly", "monthly", "budgets", "reminders"]
_SLACK_TARGET = re.compile(r"^(#[a-z0-9][a-z0-9_\-.]{0,79}|[CGUW][A-Z0-9]{6,})$")


class ReportMessage(BaseModel):
    key: str = Field(description="idempotency key in the posting ledger")
    kind: Literal["report", "budget", "reminder"]
    target: str = Field(description="channel id or #name, or a user id (a DM)")
    scope: str = Field(description="whose numbers the message holds, e.g. team=search or finance")
    text: str
    blocks: list[dict[str, Any]]
    chart: dict[str, Any] | None = Field(None, description="Vega-Lite spec uploaded as a PNG in the thread")
    thread_ts: str | None = Field(None, description="post as a reply in this thread of `target`")
    reminder_of: str | None = Field(
        None, description="the snooze (anomaly_routing action id) this reminds of"
    )


class Outcome(BaseModel):
    key: str
    target: str
    scope: str
    status: Literal["posted", "already_posted", "would_post", "failed"]
    ts: str | None = None
    error: str | None = None


class ReportRun(BaseModel):
    kind: str
    period: str
    dry_run: bool
    outcomes: list[Outcome] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list, description="what was not sent and why")
    messages: list[ReportMessage] = Field(default_factory=list)


def slack_target(owner: Owner | None) -> str | None:
    return (owner.slack_channel or owner.slack_user) if owner is not None else None


def team_targets(store: Store, by: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(value, Slack target) of every owner of `by` with a Slack channel or user; notes for the others."""
    owners = data.owners_of(store, by)
    out, notes = [], []
    for o in owners:
        target = slack_target(o)
        if target:
            out.append((o.value, target))
        else:
            notes.append(f"{by} {o.value}: its owner has no Slack channel or user, so it gets no report")
    if not owners:
        notes.append(
            f"no owners are set for {by} (spendscope owners set {by} VALUE --slack-channel C0123ABCD)"
        )
    return out, notes


# ------------------------------------------------------------------------------------------------ kinds


def weekly(store: Store, as_of: dt.date, by: str = "team") -> tuple[str, list[ReportMessage], list[str]]:
    week, _ = data.weeks(as_of)
    last = week.end - dt.timedelta(days=1)
    targets, notes = team_targets(store, by)
    messages = []
    for value, target in targets:
        try:
            result = data.weekly_figures(store, as_of, by, value)
        except SpendscopeError as exc:  # an owner of a value the bill never had: say so, report the others
            notes.append(f"{by} {value}: no report sent: {exc.message}")
            continue
        if result.current_total == 0 and result.base_total == 0:
            notes.append(f"{by} {value}: no spend in either week, nothing sent")
            continue
        text, body = report_blocks.weekly_blocks(by, value, result)
        messages.append(
            ReportMessage(
                key=f"report:weekly:{week.start}:{by}={value.lower()}",
                kind="report",
                target=target,
                scope=f"{by}={value}",
                text=text,
                blocks=body,
            )
        )
    return f"{week.start} to {last}", messages, notes


def monthly(
    store: Store, access: Access, as_of: dt.date, by: str = "team"
) -> tuple[str, list[ReportMessage], list[str]]:
    result = data.monthly_showback(store, as_of, by)
    targets = {v.lower(): t for v, t in team_targets(store, by)[0]}
    messages, notes = [], []
    for row in result.rows:
        target = targets.get(row.value.lower())
        if target is None:
            notes.append(f"{by} {row.value}: no owner with a Slack channel, so no team report")
            continue
        text, body = report_blocks.monthly_blocks(result, row)
        messages.append(
            ReportMessage(
                key=f"report:monthly:{result.month}:{by}={row.value.lower()}",
                kind="report",
                target=target,
                scope=f"{by}={row.value}",
                text=text,
                blocks=body,
            )
        )
    if access.finance_channel:
        statuses = []
        try:
            statuses = data.budget_statuses(store, result.end)
        except SpendscopeError as exc:
            notes.append(f"budgets left out of the finance summary: {exc.message}")
        text, body = report_blocks.finance_blocks(result, statuses)
        messages.append(
            ReportMessage(
                key=f"report:finance:{result.month}:{by}",
                kind="report",
                target=access.finance_channel,
                scope="finance",
                text=text,
                blocks=body,
                chart=chart_spec(result) if result.rows else None,
            )
        )
    else:
        notes.append("no finance_channel in the Slack access file, so no finance summary")
    return result.label, messages, notes


def budget_target(
    alert: NewBudgetAlert, filters: list[Filter], owners: dict[str, str], by: str, fallback: str | None
) -> str | None:
    """The budget's owner when it is a Slack channel or user; else the owner of its `by` value; else finance."""
    if alert.owner and _SLACK_TARGET.match(alert.owner.strip()):
        return alert.owner.strip()
    for f in filters:
        single = f.dimension.lower() == by and f.op in ("eq", "in") and len(f.values) == 1
        if single and f.values[0].lower() in owners:
            return owners[f.values[0].lower()]
    return fallback


def budgets(
    store: Store, access: Access, as_of: dt.date, by: str = "team", *, dry_run: bool = False
) -> tuple[str, list[ReportMessage], list[str]]:
    """Budget alerts. A real run records them as raised (tools.governance.budgets.check_budgets) and queues their messages
    in the ledger first, so a failed post is retried; a dry run only evaluates."""
    groups, notes = data.budget_alert_groups(store, as_of, dry_run=dry_run)
    messages, more = budget_messages(store, access, groups, by, dry_run=dry_run)
    return str(as_of), messages, notes + more


def budget_messages(
    store: Store, access: Access, groups: list[data.BudgetAlertGroup], by: str, *, dry_run: bool = False
) -> tuple[list[ReportMessage], list[str]]:
    """One Slack message per budget alert group, queued in the ledger (a real run), plus the budget messages of
    earlier runs still waiting to be retried."""
    owners = {v.lower(): t for v, t in team_targets(store, by)[0]}
    messages, notes = [], []
    for group in groups:
        target = budget_target(group.alerts[0], group.filters, owners, by, access.finance_channel)
        if target is None:
            notes.append(
                f"budget {group.alerts[0].name}: no Slack owner and no finance_channel, alert not sent"
            )
            continue
        text, body = report_blocks.budget_blocks(group.alerts)
        msg = ReportMessage(
            key=group.key, kind="budget", target=target, scope=group.alerts[0].scope, text=text, blocks=body
        )
        if (
            not dry_run
            and post_ledger.claim_post(store, group.key, "budget", msg.model_dump(mode="json")) is not None
        ):
            post_ledger.mark_failed(
                store, group.key, "queued"
            )  # check_budgets will not return it again: retry from here
        messages.append(msg)
    if not dry_run:
        queued = {m.key for m in messages}
        messages = [
            ReportMessage.model_validate(p.payload)
            for p in post_ledger.retryable_posts(store, "budget")
            if p.payload and p.key not in queued
        ] + messages
    return messages, notes


def reminders(
    store: Store, now: dt.datetime | None = None, *, dry_run: bool = False
) -> tuple[str, list[ReportMessage], list[str]]:
    """One reminder per ended snooze, in the thread of the anomaly's first alert message."""
    now = now or dt.datetime.now(dt.UTC)
    messages, notes = [], []
    for snooze in alert_actions.due_snoozes(store, now):
        posts = post_ledger.posts_about(store, "alert", "anomaly_id", snooze.anomaly_id)
        if not posts or not posts[0].channel or not posts[0].payload:
            if not dry_run:
                alert_actions.mark_reminded(store, snooze.action_id)
            notes.append(f"{snooze.anomaly_id}: snooze ended, but no alert about it was posted in Slack")
            continue
        alert = Alert.model_validate(posts[0].payload)
        state = alert_actions.anomaly_state(store, snooze.anomaly_id, now)
        text, body = blocks.reminder_blocks(alert, state)
        messages.append(
            ReportMessage(
                key=f"reminder:{snooze.action_id}",
                kind="reminder",
                target=posts[0].channel,
                scope=f"{alert.dimension}={alert.value}",
                text=text,
                blocks=body,
                thread_ts=posts[0].ts,
                reminder_of=snooze.action_id,
            )
        )
    return now.strftime("%Y-%m-%d %H:%M UTC"), messages, notes


# ------------------------------------------------------------------------------------------------ sending


def deliver(
    store: Store, client: WebClient | None, messages: list[ReportMessage], *, dry_run: bool = False
) -> list[Outcome]:
    """Post each message once (its key in the ledger); a dry run says what would be posted."""
    out = []
    for m in messages:
        done = post_ledger.get_post(store, m.key)
        if done is not None and done.status == "posted":
            out.append(
                Outcome(key=m.key, target=m.target, scope=m.scope, status="already_posted", ts=done.ts)
            )
            continue
        if dry_run or client is None:
            out.append(Outcome(key=m.key, target=m.target, scope=m.scope, status="would_post"))
            continue
        if post_ledger.claim_post(store, m.key, m.kind, m.model_dump(mode="json")) is None:
            out.append(Outcome(key=m.key, target=m.target, scope=m.scope, status="already_posted"))
            continue
        try:
            channel = messaging.resolve_target(client, m.target)
            channel, ts = messaging.post(client, channel, m.text, m.blocks, thread_ts=m.thread_ts)
        except SpendscopeError as exc:
            post_ledger.mark_failed(store, m.key, exc.message)
            out.append(Outcome(key=m.key, target=m.target, scope=m.scope, status="failed", error=exc.message))
            continue
        post_ledger.mark_posted(store, m.key, channel, ts)
        if m.reminder_of:
            alert_actions.mark_reminded(store, m.reminder_of)
        if m.chart:
            try:
                messaging.upload_png(
                    client,
                    channel,
                    messaging.render_png(m.chart),
                    title=str(m.chart.get("title", "")),
                    alt=m.text,
                    thread_ts=ts,
                )
            except Exception as exc:  # noqa: BLE001 - the report stands without its chart; say why in the log
                log.warning(
                    "chart for %s not uploaded: %s", m.key, getattr(exc, "message", type(exc).__name__)
                )
        out.append(Outcome(key=m.key, target=m.target, scope=m.scope, status="posted", ts=ts))
    return out


@in_store_currency
def run_report(
    kind: str,
    store: Store,
    client: WebClient | None,
    access: Access,
    *,
    as_of: dt.date | None = None,
    by: str = "team",
    dry_run: bool = False,
    now: dt.datetime | None = None,
) -> ReportRun:
    """Build and send one kind of report (see the module docstring). `as_of` is today for the periods (default
    the real today, UTC); `now` the time reminders compare snoozes with."""
    if kind not in KINDS:
        raise InvalidArgument(f"report {kind!r}: use {', '.join(KINDS)}", argument="kind", value=kind)
    day = as_of or dt.datetime.now(dt.UTC).date()
    by = by.strip().lower()
    if kind == "weekly":
        period, messages, notes = weekly(store, day, by)
    elif kind == "monthly":
        period, messages, notes = monthly(store, access, day, by)
    elif kind == "budgets":
        period, messages, notes = budgets(store, access, day, by, dry_run=dry_run)
    else:
        period, messages, notes = reminders(store, now, dry_run=dry_run)
    outcomes = deliver(store, client, messages, dry_run=dry_run)
    return ReportRun(
        kind=kind, period=period, dry_run=dry_run, outcomes=outcomes, notes=notes, messages=messages
    )
