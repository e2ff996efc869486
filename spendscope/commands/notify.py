"""Reports and alerts on every channel: `spendscope report send weekly|monthly|budgets` (Slack, email, Teams),
`spendscope deliveries` (what went out to whom, from the delivery ledgers), and the all-channel delivery that
`spendscope triage --send` uses (docs/notifications.md)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from spendscope.commands.sources import _date as _day
from spendscope.opcommands import Command, Opt, register_specs
from spendscope.options import DbOption, JsonOption, open_store, settings
from spendscope.render import Col, say, table

if TYPE_CHECKING:
    from spendscope.agents.delivery import Delivery
    from spendscope.agents.notify.channels import ChannelOutcome
    from spendscope.data.settings import Settings
    from spendscope.data.store import Store


def _detail(o: ChannelOutcome) -> str:
    """The error or the channel's reference, and the tries when a temporary failure was tried again."""
    text = o.error or o.ref or ""
    return f"{text} ({o.tries} tries)" if o.tries > 1 else text


def _slack_client(s: Settings) -> Any:
    """The Slack Web API client when the process has a bot token, else None (Slack is left out)."""
    if s.slack_bot_token is None:
        return None
    from spendscope.slack_app.messaging import make_client

    return make_client(s)


def channel_delivery(store: Store, s: Settings) -> Delivery:
    """The triage router's delivery for every channel: Slack when a bot token is set, email, Teams."""
    from spendscope.agents.notify.channels import ChannelDelivery, Channels

    client = _slack_client(s)
    slack = None
    if client is not None:
        from spendscope.slack_app.access import Access
        from spendscope.slack_app.delivery import SlackDelivery

        slack = SlackDelivery(store, client, fallback_channel=Access.load(s.slack_access).finance_channel)
    return ChannelDelivery(Channels(store, s), slack)


def show_deliveries(r: Any, _: dict[str, Any]) -> None:
    if not r.deliveries:
        say("no deliveries yet: spendscope report send weekly, spendscope triage --send")
        return
    table(
        "Deliveries",
        ["last", "channel", "kind", "to", "scope", "status", Col("tries", "count"), "detail"],
        [
            [
                d.last_at.strftime("%Y-%m-%d %H:%M"),
                d.channel,
                d.kind,
                d.target or "",
                d.scope or "",
                d.status,
                d.attempts,
                d.error or d.ref or "",
            ]
            for d in r.deliveries
        ],
    )
    say(", ".join(f"{n} {s}" for s, n in r.counts.items()))


COMMANDS = [
    Command(
        "deliveries",
        "list_deliveries",
        "What went out to whom on every channel (Slack, email, Teams, the triage router), with failures.",
        show_deliveries,
        options={"channel": Opt(help="slack, email, teams, or router (the triage router's record)")},
        help="What went out to whom on every channel (Slack, email, Teams, the triage router), with failures, "
        "retries and deliveries in doubt.",
    ),
]


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    from spendscope.commands.web import _report_group

    report = _report_group(app)

    @report.command("send")
    def report_send(
        kind: Annotated[str, typer.Argument(help="weekly, monthly or budgets")],
        as_of: Annotated[
            str | None,
            typer.Option(
                "--as-of", help="Today's date for the report periods (YYYY-MM-DD; default today, UTC)."
            ),
        ] = None,
        by: Annotated[str, typer.Option("--by", help="Tag key whose owners get team reports.")] = "team",
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="Show what would be sent to whom; send and record nothing.")
        ] = False,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Send a scheduled report to every channel each owner has set (Slack, email, Teams): weekly or monthly
        showback per team (monthly also the finance summary), or new budget alerts. Safe to run again: nothing is
        sent twice, and what failed is sent by the next run. Exits 1 when a message failed or is in doubt."""
        from spendscope.agents.notify.channels import Channels
        from spendscope.agents.notify.reports import send_report
        from spendscope.render import print_json, print_table

        s = settings(db)
        store = open_store(db)
        client = None if dry_run else _slack_client(s)
        slack = None
        if client is not None or (dry_run and s.slack_bot_token is not None):
            from spendscope.slack_app.access import Access
            from spendscope.slack_app.notify_bridge import SlackReportSender

            slack = SlackReportSender(store, client, Access.load(s.slack_access))
        run = send_report(
            kind, store, Channels(store, s), slack, as_of=_day(as_of, "--as-of"), by=by, dry_run=dry_run
        )
        if as_json:
            print_json(run.model_dump(mode="json"))
        else:
            print_table(
                ["channel", "to", "scope", "status", "detail"],
                [(o.channel, o.target, o.scope, o.status, _detail(o)) for o in run.outcomes],
                title=f"{run.kind} report, {run.period}" + (" (dry run)" if dry_run else ""),
            )
            for note in run.notes:
                print(f"note: {note}", file=sys.stderr)
        if run.not_sent:
            raise typer.Exit(1)

    register_specs(app, COMMANDS)
