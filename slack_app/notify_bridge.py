"""The Slack side of `spendscope report send` (agents.notify.reports.SlackReports): the same Block Kit messages,
ledger keys and targets as `spendscope slack report`, so the two commands never post a message twice, with the
outcomes in the all-channel shape."""

from __future__ import annotations

import datetime as dt

from slack_sdk import WebClient
from spendscope.agents.notify.channels import ChannelOutcome
from spendscope.data.store import Store
from spendscope.slack_app import reports
from spendscope.slack_app.access import Access
from spendscope.tools.reports.data import BudgetAlertGroup

_STATUS = {"posted": "sent", "already_posted": "already_sent", "would_post": "would_send", "failed": "failed"}


def _outcomes(outcomes: list[reports.Outcome]) -> list[ChannelOutcome]:
    return [
        ChannelOutcome(
            key=o.key,
            channel="slack",
            target=o.target,
            scope=o.scope,
            status=_STATUS[o.status],  # type: ignore[arg-type]
            ref=o.ts,
            error=o.error,
        )
        for o in outcomes
    ]


class SlackReportSender:
    def __init__(self, store: Store, client: WebClient | None, access: Access) -> None:
        self.store, self.client, self.access = store, client, access

    def report(
        self, kind: str, as_of: dt.date, by: str, dry_run: bool
    ) -> tuple[list[ChannelOutcome], list[str]]:
        run = reports.run_report(
            kind, self.store, self.client, self.access, as_of=as_of, by=by, dry_run=dry_run
        )
        return _outcomes(run.outcomes), run.notes

    def budgets(
        self, groups: list[BudgetAlertGroup], by: str, dry_run: bool
    ) -> tuple[list[ChannelOutcome], list[str]]:
        messages, notes = reports.budget_messages(self.store, self.access, groups, by, dry_run=dry_run)
        return _outcomes(reports.deliver(self.store, self.client, messages, dry_run=dry_run)), notes
