"""`spendscope slack`: run the Slack app (Socket Mode, or HTTP with --http), send the scheduled reports
(`slack report weekly|monthly|budgets|reminders`) and route anomalies to Slack (`slack triage`)."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Annotated

import typer

from spendscope.options import DbOption, JsonOption, refuse_view_as, serving

AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", help="Today's date for the report periods (YYYY-MM-DD; default today, UTC)."),
]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Show what would be posted; post and record nothing.")
]


def _day(text: str | None) -> dt.date | None:
    from spendscope.data.errors import InvalidArgument

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidArgument(f"--as-of {text!r} is not a date; use YYYY-MM-DD", argument="--as-of") from None


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    slack = typer.Typer(
        help="The Slack app: Billy in Slack, routed anomaly alerts, showback reports.",
        invoke_without_command=True,
        no_args_is_help=False,
    )
    app.add_typer(slack, name="slack")

    @slack.callback()
    def run_cmd(
        ctx: typer.Context,
        db: DbOption = None,
        http: Annotated[
            bool,
            typer.Option(
                "--http",
                help="Serve Slack's HTTP requests at /slack/events instead "
                "of Socket Mode (needs SLACK_SIGNING_SECRET).",
            ),
        ] = False,
        host: Annotated[str, typer.Option(help="Address to bind with --http.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port to bind with --http.", min=1, max=65535)] = 3000,
        schedule: Annotated[
            bool,
            typer.Option(
                "--schedule", help="Also run the triage router and the reports on a schedule in this process."
            ),
        ] = False,
        triage_minutes: Annotated[
            float,
            typer.Option(
                "--triage-minutes", help="With --schedule: minutes between triage runs (0: no triage).", min=0
            ),
        ] = 15,
    ) -> None:
        """Run the Slack app: Socket Mode with SLACK_BOT_TOKEN + SLACK_APP_TOKEN, or --http --port N."""
        if ctx.invoked_subcommand is not None:
            return
        import logging

        from spendscope.data.settings import load_settings
        from spendscope.data.store import Store
        from spendscope.slack_app.access import Access
        from spendscope.slack_app.app import build_app
        from spendscope.slack_app.messaging import make_client
        from spendscope.slack_app.server import EVENTS_PATH, Scheduler, run_http, run_socket_mode

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        refuse_view_as()
        s = load_settings(db=db)
        store = Store(s.db, lock_timeout=s.lock_timeout)
        access = Access.load(s.slack_access)
        serving(s)
        client = make_client(s)
        if not http and s.slack_app_token is None:
            from spendscope.data.errors import InvalidArgument

            raise InvalidArgument(
                "set SLACK_APP_TOKEN (an xapp- app-level token) for Socket Mode, or run "
                "`spendscope slack --http --port N` with SLACK_SIGNING_SECRET"
            )
        slack_app = build_app(store, s, client=client, access=access, socket_mode=not http)
        if schedule:
            Scheduler(store, s, client, access, triage_minutes=triage_minutes).start()
        where = f"HTTP at http://{host}:{port}{EVENTS_PATH}" if http else "Socket Mode"
        print(
            f"spendscope Slack app: {where}; store {store.path}; access: {access.source}; schedule "
            f"{'on' if schedule else 'off'}",
            file=sys.stderr,
            flush=True,
        )
        if http:
            run_http(slack_app, host, port)
        else:
            run_socket_mode(slack_app, s)

    @slack.command("report")
    def report_cmd(
        kind: Annotated[str, typer.Argument(help="weekly, monthly, budgets or reminders")],
        db: DbOption = None,
        as_of: AsOfOption = None,
        by: Annotated[str, typer.Option("--by", help="Tag key whose owners get team reports.")] = "team",
        dry_run: DryRunOption = False,
        as_json: JsonOption = False,
    ) -> None:
        """Post a scheduled report to Slack: weekly / monthly showback per team (monthly also the finance
        summary), budget alerts, or snooze reminders. Safe to run again: nothing is posted twice."""
        from spendscope.data.settings import load_settings
        from spendscope.data.store import Store
        from spendscope.render import print_json, print_table
        from spendscope.slack_app.access import Access
        from spendscope.slack_app.messaging import make_client
        from spendscope.slack_app.reports import run_report

        refuse_view_as()
        s = load_settings(db=db)
        store = Store(s.db, lock_timeout=s.lock_timeout)
        client = None if dry_run else make_client(s)
        run = run_report(
            kind, store, client, Access.load(s.slack_access), as_of=_day(as_of), by=by, dry_run=dry_run
        )
        if as_json:
            print_json(run.model_dump(mode="json"))
        else:
            print_table(
                ["key", "to", "scope", "status", "detail"],
                [(o.key, o.target, o.scope, o.status, o.error or o.ts or "") for o in run.outcomes],
            )
            for note in run.notes:
                print(f"note: {note}", file=sys.stderr)
        if any(o.status == "failed" for o in run.outcomes):
            raise typer.Exit(1)

    @slack.command("triage")
    def triage_cmd(
        db: DbOption = None,
        dry_run: DryRunOption = False,
        days: Annotated[
            int, typer.Option(help="Look for anomalies touching the last N days of data.", min=1)
        ] = 14,
        as_of: Annotated[
            str | None, typer.Option("--as-of", help="Only data before this day (YYYY-MM-DD) counts.")
        ] = None,
        as_json: JsonOption = False,
    ) -> None:
        """Route new cost anomalies to their owners in Slack (the triage router with the Slack delivery)."""
        from spendscope.agents.triage import run_triage
        from spendscope.commands.agents import detect_window
        from spendscope.data.settings import load_settings
        from spendscope.data.store import Store
        from spendscope.render import print_json, print_table
        from spendscope.slack_app.access import Access
        from spendscope.slack_app.delivery import SlackDelivery
        from spendscope.slack_app.messaging import make_client

        refuse_view_as()
        s = load_settings(db=db)
        store = Store(s.db, lock_timeout=s.lock_timeout)
        access = Access.load(s.slack_access)
        delivery = (
            None if dry_run else SlackDelivery(store, make_client(s), fallback_channel=access.finance_channel)
        )
        result = run_triage(store, s, delivery, dry_run=dry_run, detect=detect_window(days, _day(as_of)))
        if as_json:
            print_json(result.model_dump(mode="json"))
        else:
            print_table(
                ["key", "to", "ref"],
                [(d.key, d.destination, d.ref) for d in result.delivered]
                + [(a.key, "(dry run)", a.title) for a in (result.alerts if dry_run else [])]
                + [(f.key, "FAILED", f.error) for f in result.failed],
            )
        if result.failed:
            raise typer.Exit(1)
