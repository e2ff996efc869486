"""Scheduled Slack reports: one message per team with only that team's numbers, the finance summary, budget
alerts to their owners, each posted once; the `spendscope slack report` command."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

from fake_slack_api import (  # noqa: F401 - the *_fixture names are pytest fixtures
    AS_OF,
    OWNER_CHANNELS,
    FakeSlack,
    check_golden,
    fake_fixture,
    make_settings,
    slack_master_fixture,
    slack_store_fixture,
)
from spendscope.data.store import Store
from spendscope.slack_app.access import Access
from spendscope.slack_app.messaging import make_client
from spendscope.slack_app.reports import run_report
from spendscope.tools.allocation.showback import ShowbackInput, showback
from spendscope.tools.costs.breakdown import CostQueryInput, Filter, run_cost_query
from spendscope.tools.governance.budgets import BudgetInput, set_budget
from spendscope_in_process import run_spendscope

ROOT = Path(__file__).resolve().parents[1]
TEAMS = ["support", "data-science", "search", "platform", "legal", "growth"]
WEEK = ("2026-10-26", "2026-11-01")  # the Monday-to-Sunday week before AS_OF


def _team_total(store: Store, team: str, start: str, end: str) -> float:
    with store.reader() as con:
        return run_cost_query(
            con, CostQueryInput(start=start, end=end, filters=[Filter(dimension="team", values=[team])])
        ).total


def _money(v: float) -> str:
    return f"${v:,.2f}"


def _finance(tmp_path: Path) -> Access:
    path = tmp_path / "access.yaml"
    path.write_text("finance_channel: C0FINANCE1\n", encoding="utf-8")
    return Access.load(path)


def test_weekly_report_posts_one_message_per_team_with_only_that_teams_numbers(
    slack_store: Store, fake: FakeSlack, tmp_path: Path
) -> None:
    client = make_client(make_settings(slack_store, fake, tmp_path))
    run = run_report("weekly", slack_store, client, Access.open(), as_of=AS_OF)
    posts = fake.of("chat.postMessage")
    by_channel = {p["channel"]: p for p in posts}
    expected = {**{team: ch for team, ch in OWNER_CHANNELS.items()}, "platform": "D0PLATFRM1"}
    assert len(posts) == len(expected) == len(run.outcomes) and set(by_channel) == set(expected.values())
    assert any("legal" in n and "no Slack channel" in n for n in run.notes)
    for team, channel in expected.items():
        body = json.dumps(by_channel[channel]["blocks"])
        assert _money(_team_total(slack_store, team, *WEEK)) in by_channel[channel]["text"]
        assert f"team {team}" in body
        for other in TEAMS:
            if other != team:
                assert f"team {other}" not in body and f"{other}'s" not in body
                assert _money(_team_total(slack_store, other, *WEEK)) not in body
    check_golden("weekly_search", by_channel["C0SEARCH01"]["blocks"])

    again = run_report("weekly", slack_store, client, Access.open(), as_of=AS_OF)
    assert {o.status for o in again.outcomes} == {"already_posted"} and len(
        fake.of("chat.postMessage")
    ) == len(posts)


def test_monthly_report_sends_each_team_its_showback_and_finance_the_whole_month_with_a_chart(
    slack_store: Store, fake: FakeSlack, tmp_path: Path
) -> None:

    client = make_client(make_settings(slack_store, fake, tmp_path))
    run = run_report("monthly", slack_store, client, _finance(tmp_path), as_of=AS_OF)
    assert {o.status for o in run.outcomes} == {"posted"}
    rows = {r.value: r for r in showback(slack_store, ShowbackInput(month="2026-10")).rows}
    by_channel = {p["channel"]: p for p in fake.of("chat.postMessage")}
    for team, channel in OWNER_CHANNELS.items():
        text = json.dumps(by_channel[channel])
        assert _money(float(rows[team].total)) in text
        assert not [o for o in TEAMS if o != team and _money(float(rows[o].total)) in text]
    finance = by_channel["C0FINANCE1"]
    assert all(t in json.dumps(finance["blocks"]) for t in TEAMS)
    assert _money(float(sum(r.total for r in rows.values()))) in finance["text"]
    (upload,) = fake.of("files.completeUploadExternal")
    finance_ts = next(o.ts for o in run.outcomes if o.target == "C0FINANCE1")
    assert upload["channel_id"] == "C0FINANCE1" and upload["thread_ts"] == finance_ts
    assert fake.uploads[0][:4] == b"\x89PNG"
    check_golden("monthly_search", by_channel["C0SEARCH01"]["blocks"])
    check_golden("finance", finance["blocks"])


def test_budget_alerts_go_to_the_budgets_owner_once_and_a_dry_run_posts_nothing(
    slack_store: Store, fake: FakeSlack, tmp_path: Path
) -> None:
    set_budget(
        slack_store,
        BudgetInput(name="search team", amount=15000, filters=[Filter(dimension="team", values=["search"])]),
    )
    set_budget(slack_store, BudgetInput(name="All AI", amount=100000, owner="#finance-costs"))
    client = make_client(make_settings(slack_store, fake, tmp_path))
    day = dt.date(2026, 10, 25)

    dry = run_report("budgets", slack_store, client, Access.open(), as_of=day, dry_run=True)
    assert {o.status for o in dry.outcomes} == {"would_post"} and len(dry.outcomes) == 2 and fake.calls == []

    fake.fail["chat.postMessage"] = "ratelimited"
    failed = run_report("budgets", slack_store, client, Access.open(), as_of=day)
    assert {o.status for o in failed.outcomes} == {"failed"} and "rate-limited" in failed.outcomes[0].error
    del fake.fail["chat.postMessage"]
    retried = run_report(
        "budgets", slack_store, client, Access.open(), as_of=day
    )  # nothing new: the ledger retries
    assert {o.status for o in retried.outcomes} == {"posted"}
    posts = {p["channel"]: p for p in fake.of("chat.postMessage") if "blocks" in p}
    assert set(posts) == {"C0SEARCH01", "#finance-costs"}
    search = posts["C0SEARCH01"]
    assert "search team" in search["text"] and "All AI" not in json.dumps(search["blocks"])
    check_golden("budget", search["blocks"])
    last = run_report("budgets", slack_store, client, Access.open(), as_of=day)
    assert last.outcomes == [] and len(fake.of("chat.postMessage")) == 4  # two failed attempts, two posts


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`spendscope ARGS` through its entry point in this process, without the machine's Slack, spendscope or
    Anthropic settings (tests/spendscope_in_process.py)."""
    return run_spendscope(*args, env=env, drop_env=("SLACK_", "SPENDSCOPE_", "ANTHROPIC_"), cwd=ROOT)


def test_report_command_dry_run_lists_the_messages_and_the_app_needs_its_tokens(
    slack_store: Store, tmp_path: Path
) -> None:
    res = _cli(
        "slack",
        "report",
        "weekly",
        "--dry-run",
        "--as-of",
        "2026-11-02",
        "--db",
        str(slack_store.path),
        "--json",
        env={"SPENDSCOPE_STATE_DIR": str(tmp_path)},
    )
    assert res.returncode == 0, res.stderr
    run = json.loads(res.stdout)
    assert run["dry_run"] and {o["status"] for o in run["outcomes"]} == {"would_post"}
    assert {o["scope"] for o in run["outcomes"]} == {
        f"team={t}" for t in ("search", "support", "data-science", "platform")
    }
    res = _cli("slack", "--db", str(slack_store.path), env={"SLACK_BOT_TOKEN": "xoxb-x"})
    assert res.returncode == 1 and res.stderr.startswith("error: set SLACK_APP_TOKEN")
    res = _cli("slack", "report", "bogus", "--db", str(slack_store.path), env={"SLACK_BOT_TOKEN": "xoxb-x"})
    assert res.returncode == 1 and "use weekly, monthly, budgets, reminders" in res.stderr


def test_the_in_process_schedule_runs_each_report_once_per_period(
    slack_store: Store, fake: FakeSlack, tmp_path: Path
) -> None:
    from spendscope.slack_app.server import Scheduler

    settings = make_settings(slack_store, fake, tmp_path)
    schedule = Scheduler(slack_store, settings, make_client(settings), _finance(tmp_path), triage_minutes=0)
    monday_early = dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC)
    assert {job for job, _ in schedule.due(monday_early)} == {"reminders", "budgets", "monthly"}
    assert {job for job, _ in schedule.due(monday_early.replace(hour=9))} == {
        "reminders",
        "budgets",
        "weekly",
        "monthly",
    }
    schedule.tick(monday_early.replace(hour=9))
    posted = len(fake.of("chat.postMessage"))
    assert posted == 4 + 4 + 1  # weekly and monthly: four teams reach Slack; and the finance summary
    assert {job for job, _ in schedule.due(monday_early.replace(hour=9, minute=30))} == {"reminders"}
    assert {job for job, _ in schedule.due(monday_early.replace(hour=10))} == {"reminders", "budgets"}
    schedule.done.clear()  # a restarted app runs every job again: the ledger keeps it from posting twice
    schedule.tick(monday_early.replace(hour=10))
    assert len(fake.of("chat.postMessage")) == posted
