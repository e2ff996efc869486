"""`spendscope report send weekly|monthly|budgets`: the scheduled reports to every channel each owner has set.

The figures come once from tools.reports.data; email and Teams render tools.reports.content from them, and Slack
(when the process has a Slack token) posts its Block Kit messages through the Slack app's report sender
(`SlackReports`, implemented in slack_app, which agents never import). Each message has its own key in the
posting ledger: `report:weekly:<week>:team=<value>` for Slack (the same key as `spendscope slack report`, so the
two commands never post twice), `email:<key>:<address>` and `teams:<key>:<webhook>` for the others.

- weekly: each owner of `--by` gets last week against the week before, computed as a caller limited to its rows;
- monthly: each owner gets its showback row; finance (each channel's finance destination) the whole table;
- budgets: new budget alerts, computed once for every channel (they are recorded as raised), queued in the ledger
  before anything is sent; email goes to the budget's owner when that is an address, else the owner of its team,
  else SPENDSCOPE_FINANCE_EMAIL; Teams to the team owner's webhook, else SPENDSCOPE_FINANCE_TEAMS_WEBHOOK.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Protocol

from pydantic import BaseModel, Field
from spendscope.agents.notify.channels import ChannelOutcome, Channels, Target, targets_of
from spendscope.data.errors import InvalidArgument, SpendscopeError
from spendscope.data.store import Store
from spendscope.tools.allocation.owners import Owner
from spendscope.tools.money_text import in_store_currency
from spendscope.tools.reports import data
from spendscope.tools.reports.content import budget_content, finance_content, monthly_content, weekly_content

KINDS = ("weekly", "monthly", "budgets")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class SlackReports(Protocol):
    """The Slack side of a report run (slack_app.notify_bridge.SlackReportSender)."""

    def report(
        self, kind: str, as_of: dt.date, by: str, dry_run: bool
    ) -> tuple[list[ChannelOutcome], list[str]]: ...

    def budgets(
        self, groups: list[data.BudgetAlertGroup], by: str, dry_run: bool
    ) -> tuple[list[ChannelOutcome], list[str]]: ...


class SendRun(BaseModel):
    kind: str
    period: str
    dry_run: bool
    outcomes: list[ChannelOutcome] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list, description="what was not sent and why")

    @property
    def not_sent(self) -> list[ChannelOutcome]:
        return [o for o in self.outcomes if o.status in ("failed", "in_doubt")]


def _others(owner: Owner | None) -> list[Target]:
    """The owner's email and Teams targets (Slack is sent by the Slack side)."""
    if owner is None:
        return []
    return [t for t in targets_of(email=owner.email, teams_webhook=owner.teams_webhook)]


def _weekly(store: Store, channels: Channels, as_of: dt.date, by: str, dry_run: bool) -> tuple[str, SendRun]:
    week, _ = data.weeks(as_of)
    run = SendRun(kind="weekly", period=f"{week.start} to {week.end - dt.timedelta(days=1)}", dry_run=dry_run)
    owners = data.owners_of(store, by)
    if not owners:
        run.notes.append(f"no owners are set for {by} (spendscope owners set {by} VALUE --email ADDRESS)")
    for owner in owners:
        targets = _others(owner)
        if not targets:
            continue
        figures = data.weekly_figures(store, as_of, by, owner.value)
        if figures.current_total == 0 and figures.base_total == 0:
            run.notes.append(f"{by} {owner.value}: no spend in either week, no email or Teams report")
            continue
        content = weekly_content(by, owner.value, figures)
        base = f"report:weekly:{week.start}:{by}={owner.value.lower()}"
        run.outcomes += [channels.send(t, base, "report", content, dry_run=dry_run) for t in targets]
    return "weekly", run


def _monthly(store: Store, channels: Channels, as_of: dt.date, by: str, dry_run: bool) -> tuple[str, SendRun]:
    result = data.monthly_showback(store, as_of, by)
    run = SendRun(kind="monthly", period=result.label, dry_run=dry_run)
    owners = {o.value.lower(): o for o in data.owners_of(store, by)}
    for row in result.rows:
        targets = _others(owners.get(row.value.lower()))
        if not targets:
            continue
        base = f"report:monthly:{result.month}:{by}={row.value.lower()}"
        content = monthly_content(result, row)
        run.outcomes += [channels.send(t, base, "report", content, dry_run=dry_run) for t in targets]
    finance = channels.finance_targets()
    if finance:
        statuses = []
        try:
            statuses = data.budget_statuses(store, result.end)
        except SpendscopeError as exc:
            run.notes.append(f"budgets left out of the finance summary: {exc.message}")
        content = finance_content(result, statuses)
        base = f"report:finance:{result.month}:{by}"
        run.outcomes += [channels.send(t, base, "report", content, dry_run=dry_run) for t in finance]
    else:
        run.notes.append(
            "no SPENDSCOPE_FINANCE_EMAIL or SPENDSCOPE_FINANCE_TEAMS_WEBHOOK: the finance summary goes to Slack only"
        )
    return "monthly", run


def budget_targets(
    group: data.BudgetAlertGroup, owners: dict[str, Owner], by: str, channels: Channels
) -> list[Target]:
    """Email: the budget's owner when it is an address, else its team owner's, else finance; Teams: the team
    owner's webhook, else finance's. Each channel falls back on its own, as Slack does."""
    value = group.value_of(by)
    team = owners.get(value.lower()) if value else None
    stated = (group.alerts[0].owner or "").strip()
    email = stated if _EMAIL.match(stated) else (team.email if team else None)
    teams = team.teams_webhook if team else None
    return targets_of(
        email=email or channels.settings.finance_email,
        teams_webhook=teams or channels.settings.finance_teams_webhook,
    )


def _budgets(
    store: Store,
    channels: Channels,
    groups: list[data.BudgetAlertGroup],
    as_of: dt.date,
    by: str,
    dry_run: bool,
) -> SendRun:
    run = SendRun(kind="budgets", period=str(as_of), dry_run=dry_run)
    owners = {o.value.lower(): o for o in data.owners_of(store, by)}
    planned = []
    for group in groups:
        content = budget_content(group.alerts)
        targets = budget_targets(group, owners, by, channels)
        if not targets:
            run.notes.append(
                f"budget {group.alerts[0].name}: no email or Teams owner and no finance email or webhook"
            )
        for t in targets:
            if not dry_run and channels.missing(t) is None:
                channels.queue(t, group.key, "budget", content)  # recorded as raised: retried from the ledger
            planned.append((t, group.key, content))
    run.outcomes += [channels.send(t, key, "budget", c, dry_run=dry_run) for t, key, c in planned]
    if not dry_run:
        run.outcomes += channels.resend_queued("budget", exclude={o.key for o in run.outcomes})
    return run


@in_store_currency
def send_report(
    kind: str,
    store: Store,
    channels: Channels,
    slack: SlackReports | None = None,
    *,
    as_of: dt.date | None = None,
    by: str = "team",
    dry_run: bool = False,
) -> SendRun:
    """Build and send one kind of report to every channel (see the module docstring). `as_of` is today for the
    periods (default the real today, UTC)."""
    if kind not in KINDS:
        raise InvalidArgument(f"report {kind!r}: use {', '.join(KINDS)}", argument="kind", value=kind)
    day = as_of or dt.datetime.now(dt.UTC).date()
    by = by.strip().lower()
    slack_out: list[ChannelOutcome] = []
    slack_notes: list[str] = []
    if kind == "budgets":
        groups, notes = data.budget_alert_groups(store, day, dry_run=dry_run)
        run = _budgets(store, channels, groups, day, by, dry_run)
        run.notes = notes + run.notes
        if slack is not None:
            slack_out, slack_notes = slack.budgets(groups, by, dry_run)
    else:
        _, run = (_weekly if kind == "weekly" else _monthly)(store, channels, day, by, dry_run)
        if slack is not None:
            slack_out, slack_notes = slack.report(kind, day, by, dry_run)
    if slack is None:
        run.notes.append("Slack is off in this process (no SLACK_BOT_TOKEN): only email and Teams were sent")
    run.outcomes = slack_out + run.outcomes
    run.notes += [f"slack: {n}" for n in slack_notes]
    for o in run.outcomes:
        if o.status == "not_configured":
            run.notes.append(f"{o.scope} by {o.channel} to {o.target}: not sent, {o.error}")
    return run
