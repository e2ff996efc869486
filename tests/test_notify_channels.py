"""Every channel at once: `spendscope report send` to owners on Slack, email and Teams through the CLI on loopback
servers (a fake Slack Web API, a real SMTP server, a fake Teams webhook), the Slack-only command after it posting
nothing again, and the Slack app's in-process schedule sending the same reports to every channel once."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from fake_slack_api import FakeSlack, fake_fixture  # noqa: F401 - fake_fixture is a pytest fixture
from fake_smtp import FakeSMTP, parts
from fake_teams import FakeTeams
from notify_support import (  # noqa: F401 - the *_fixture names are pytest fixtures
    AS_OF,
    WEEK,
    cli,
    money,
    notify_master_fixture,
    notify_store_fixture,
    team_cost,
)
from spendscope.data.settings import Settings
from spendscope.data.store import Store


def _slack_env(fake: FakeSlack) -> dict[str, str]:
    return {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": fake.url}


def test_report_send_reaches_every_channel_of_every_owner_and_the_slack_only_command_then_posts_nothing(
    notify_store: Store, fake: FakeSlack, tmp_path: Path
) -> None:
    db = ["--db", str(notify_store.path)]
    with FakeSMTP(tmp_path) as smtp, FakeTeams() as teams:
        env = {**smtp.env(), **teams.env("support-alerts", "ds"), **_slack_env(fake)}
        res = cli(
            "report", "send", "weekly", "--as-of", str(AS_OF), *db, "--json", env=env, tmp_path=tmp_path
        )
        assert res.returncode == 0, res.stderr
        sent = {
            (o["channel"], o["target"], o["scope"])
            for o in json.loads(res.stdout)["outcomes"]
            if o["status"] == "sent"
        }
        assert {
            ("slack", "C0PLATFRM1", "team=platform"),
            ("email", "search-leads@example.com", "team=search"),
            ("email", "support@example.com", "team=support"),
            ("teams", "support-alerts", "team=support"),
            ("teams", "ds", "team=data-science"),
        } <= sent
        (platform,) = [p for p in fake.of("chat.postMessage") if p["channel"] == "C0PLATFRM1"]
        assert money(team_cost(notify_store, "platform", *WEEK)) in json.dumps(platform)
        (search,) = smtp.to("search-leads@example.com")
        assert money(team_cost(notify_store, "search", *WEEK)) in parts(search)["text/plain"]
        posts = len(fake.of("chat.postMessage"))

        again = cli("slack", "report", "weekly", "--as-of", str(AS_OF), *db, env=env, tmp_path=tmp_path)
        assert again.returncode == 0, again.stderr
        rerun = cli(
            "report", "send", "weekly", "--as-of", str(AS_OF), *db, "--json", env=env, tmp_path=tmp_path
        )
        assert rerun.returncode == 0, rerun.stderr
        assert {o["status"] for o in json.loads(rerun.stdout)["outcomes"]} == {"already_sent"}
        assert len(fake.of("chat.postMessage")) == posts
        assert len(smtp.messages) == 2 and len(teams.cards) == 2

    listed = cli("deliveries", *db, "--channel", "email", "--json", env={}, tmp_path=tmp_path)
    rows = json.loads(listed.stdout)["deliveries"]
    assert sorted((d["target"], d["kind"], d["status"]) for d in rows) == [
        ("search-leads@example.com", "report", "sent"),
        ("support@example.com", "report", "sent"),
    ]
    assert smtp.env()["SPENDSCOPE_SMTP_PASSWORD"] not in listed.stdout + res.stdout + res.stderr


def test_the_slack_apps_schedule_sends_the_reports_to_email_and_teams_owners_too_each_once(
    notify_store: Store, fake: FakeSlack, tmp_path: Path
) -> None:
    from spendscope.slack_app.access import Access
    from spendscope.slack_app.messaging import make_client
    from spendscope.slack_app.server import Scheduler

    with FakeSMTP(tmp_path) as smtp, FakeTeams() as teams:
        env = {k.removeprefix("SPENDSCOPE_").lower(): v for k, v in smtp.env().items()}
        settings = Settings(
            db=notify_store.path,
            state_dir=tmp_path / "state",
            keys_file=tmp_path / "none.yaml",
            anthropic_api_key=None,
            anthropic_base_url=None,
            slack_access=None,
            SLACK_BOT_TOKEN="xoxb-test",
            SLACK_API_URL=fake.url,
            SLACK_APP_TOKEN=None,
            teams_webhooks=teams.env("support-alerts", "ds")["SPENDSCOPE_TEAMS_WEBHOOKS"],
            **env,
        )
        schedule = Scheduler(notify_store, settings, make_client(settings), Access.open(), triage_minutes=0)
        monday = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
        schedule.tick(monday)
        assert schedule.done.get("weekly") and schedule.done.get("monthly")
        # weekly and monthly: search and support by email, support and data-science in Teams
        assert sorted(r.recipients[0] for r in smtp.messages) == [
            "search-leads@example.com",
            "search-leads@example.com",
            "support@example.com",
            "support@example.com",
        ]
        assert len(teams.cards_to("support-alerts")) == 2 and len(teams.cards_to("ds")) == 2
        assert any(p["channel"] == "C0PLATFRM1" for p in fake.of("chat.postMessage"))
        posts = len(fake.of("chat.postMessage"))
        schedule.done.clear()  # a restarted app runs the jobs again: nothing goes out twice
        schedule.tick(monday.replace(hour=10))
        assert len(smtp.messages) == 4 and len(teams.cards) == 4
        assert len(fake.of("chat.postMessage")) == posts


def test_deliveries_lists_failures_with_their_error_and_filters_by_status_channel_and_day(
    notify_store: Store, tmp_path: Path
) -> None:
    from spendscope.agents.notify.channels import Channels, Target
    from spendscope.tools.reports.content import ReportContent

    content = ReportContent(kind="weekly", scope="team=search", subject="s", title="t", summary="x")
    with FakeSMTP(tmp_path) as smtp:
        env = {k.removeprefix("SPENDSCOPE_").lower(): v for k, v in smtp.env().items()}
        settings = Settings(db=notify_store.path, keys_file=tmp_path / "none.yaml", **env)
        channels = Channels(notify_store, settings)
        smtp.fail_next = ["554 5.7.1 rejected by policy"]
        bad = channels.send(Target(channel="email", address="a@example.com"), "report:x", "report", content)
        good = channels.send(Target(channel="email", address="b@example.com"), "report:x", "report", content)
        assert (bad.status, good.status) == ("failed", "sent")

    db = ["--db", str(notify_store.path)]
    failed = cli("deliveries", *db, "--status", "failed", "--json", env={}, tmp_path=tmp_path)
    assert failed.returncode == 0, failed.stderr
    result = json.loads(failed.stdout)
    (row,) = result["deliveries"]
    assert (row["channel"], row["target"], row["scope"], row["attempts"]) == (
        "email",
        "a@example.com",
        "team=search",
        1,
    )
    assert "554" in row["error"] and result["counts"] == {"failed": 1}

    table = cli("deliveries", *db, "--channel", "email", env={}, tmp_path=tmp_path)
    assert table.returncode == 0 and "1 failed, 1 sent" in table.stdout
    tomorrow = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)).isoformat()
    later = cli("deliveries", *db, "--since", tomorrow, "--json", env={}, tmp_path=tmp_path)
    assert json.loads(later.stdout)["deliveries"] == []
    for bad_args in (["--since", "yesterday-ish"], ["--status", "lost"]):
        refused = cli("deliveries", *db, *bad_args, env={}, tmp_path=tmp_path)
        assert refused.returncode != 0 and "Traceback" not in refused.stderr
        assert bad_args[0] in refused.stderr or bad_args[0].lstrip("-") in refused.stderr
