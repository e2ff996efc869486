"""Agent commands: `pr-diff` and `triage` (the anomaly triage router)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from spendscope.options import DbOption, JsonOption, open_store, settings

if TYPE_CHECKING:
    import datetime as dt

    from spendscope.agents.delivery import Alert
    from spendscope.tools.governance.anomalies import DetectInput


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    @app.command("pr-diff")
    def pr_diff_cmd(
        base: Annotated[
            str, typer.Option("--base", help="Base ref of the pull request (branch, tag or sha).")
        ],
        head: Annotated[str, typer.Option("--head", help="Head ref of the pull request.")],
        repo: Annotated[
            Path, typer.Option("--repo", help="Git repository (default: the current directory).")
        ] = Path("."),
        days: Annotated[int, typer.Option(help="Days of telemetry used as the traffic baseline.")] = 30,
        loop_factor: Annotated[
            int, typer.Option("--loop-factor", help="Assumed iterations of a loop with no literal count.")
        ] = 10,
        output: Annotated[
            Path | None, typer.Option("--output", help="Also write the Markdown comment here.")
        ] = None,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Did this PR change LLM spend? Estimates the monthly cost change of the call sites it changed."""
        from spendscope.agents.llm import anthropic_client
        from spendscope.agents.pr_diff import run_pr_diff
        from spendscope.render import print_json
        from spendscope.tools.prdiff.pr_diff import PrDiffInput

        s = settings(db)
        report = run_pr_diff(
            open_store(db),
            PrDiffInput(repo=str(repo), base=base, head=head, days=days, loop_factor=loop_factor),
            s,
            anthropic_client(s),
        )
        if output is not None:
            output.write_text(report.markdown, encoding="utf-8")
        if as_json:
            print_json(report)
        else:
            typer.echo(report.markdown)

    @app.command("triage")
    def triage_cmd(
        dry_run: Annotated[
            bool,
            typer.Option("--dry-run", help="Show the alerts that would be sent; send and record nothing."),
        ] = False,
        webhook: Annotated[
            str | None,
            typer.Option("--webhook", help="POST each alert as JSON to this URL instead of printing it."),
        ] = None,
        send: Annotated[
            bool,
            typer.Option(
                "--send",
                help="Send each alert to every channel its owner has set (Slack, email, Teams) instead of "
                "printing it (docs/notifications.md).",
            ),
        ] = False,
        days: Annotated[int, typer.Option(help="Look for anomalies touching the last N days of data.")] = 14,
        as_of: Annotated[
            str | None, typer.Option("--as-of", help="Only data before this day (YYYY-MM-DD) counts.")
        ] = None,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Route new cost anomalies to their owners (owner map: Slack channel or user, email, Teams webhook), each
        alert once."""
        import datetime as dt

        from spendscope.agents.delivery import Delivery, WebhookDelivery
        from spendscope.agents.triage import run_triage
        from spendscope.data.errors import InvalidArgument, InvalidPeriod
        from spendscope.render import print_json

        try:
            day = dt.date.fromisoformat(as_of.strip()) if as_of else None
        except ValueError:
            raise InvalidPeriod(
                f"--as-of {as_of!r} is not a date; use YYYY-MM-DD", argument="--as-of", value=as_of
            ) from None
        store, s = open_store(db), settings(db)
        if send and webhook:
            raise InvalidArgument("give --send or --webhook, not both", argument="--send")
        if send and not dry_run:
            from spendscope.commands.notify import channel_delivery

            delivery: Delivery = channel_delivery(store, s)
        else:
            delivery = WebhookDelivery(webhook) if webhook else _Collected() if as_json else _Console()
        from spendscope.data.warm import shared_reads

        with shared_reads():  # the run's ~50 reads start one DuckDB instance between its writes
            result = run_triage(store, s, delivery, dry_run=dry_run, detect=detect_window(days, day))
        if as_json:
            print_json(result)
        else:
            if dry_run:
                for alert in result.alerts:
                    typer.echo(_render_alert(alert, note="dry run: not sent"))
            typer.echo(
                (
                    f"dry run: {len(result.alerts)} alert(s) would be sent"
                    if dry_run
                    else f"{result.run_id}: {len(result.delivered)} alert(s) delivered"
                )
                + f" from {result.anomalies} new anomalies"
                + (f", {len(result.already_sent)} already sent" if result.already_sent else "")
                + (f", {len(result.merged)} anomalies folded into earlier alerts" if result.merged else "")
                + (f", resumed {', '.join(result.resumed_runs)}" if result.resumed_runs else "")
                + (f", data through {result.data_through}" if result.data_through else "")
            )
            for note in result.notes:
                typer.echo(f"  note: {note}")
        if result.failed:
            for f in result.failed:
                typer.echo(f"error: delivering {f.key} failed ({f.error}); the next run retries it", err=True)
            raise typer.Exit(1)


class _Console:
    """The terminal delivery of `spendscope triage`: one readable block per alert."""

    def deliver(self, alert: Alert) -> str:
        typer.echo(_render_alert(alert))
        return "stdout"


class _Collected:
    """`spendscope triage --json`: the alerts go out in the JSON result printed at the end."""

    def deliver(self, alert: Alert) -> str:
        return "stdout"


def _render_alert(alert: Alert, note: str | None = None) -> str:
    d = alert.destination
    teams = f"teams:{d.teams_webhook}" if d.teams_webhook else None
    where = ", ".join(x for x in (d.slack_channel or d.slack_user, d.email, teams) if x) or "(no destination)"
    owner = f"{d.owner_key}={d.owner_value}" if d.owner_key else (d.owner_value or "")
    lines = [
        f"[{alert.severity.upper()}] {alert.title}",
        f"  to: {where} ({owner})   key: {alert.key}" + (f"   ({note})" if note else ""),
        f"  {alert.summary}",
    ]
    for label, items in (
        ("Drivers", alert.drivers),
        ("Recent changes", alert.recent_changes),
        ("Top usage", alert.top_usage),
        ("Budgets", alert.budget_impact),
        ("Same event", alert.related),
    ):
        if items:
            lines.append(f"  {label}:")
            lines += [f"    - {x}" for x in items]
    return "\n".join(lines) + "\n"


def detect_window(days: int, as_of: dt.date | None) -> DetectInput:
    """The triage run's detection window, validated as the operation's input is: a bad --days is one error line
    naming the option (was a pydantic traceback)."""
    from spendscope.tools.governance.anomalies import DetectInput
    from spendscope.tools.invoke import validate_model

    params = validate_model(
        DetectInput, {"days": days, "as_of": as_of}, names={"days": "--days", "as_of": "--as-of"}
    )
    assert isinstance(params, DetectInput)
    return params
