"""Microsoft Teams through a local fake webhook that checks every payload (the message envelope and the card
against the published Adaptive Card 1.5 schema): routed anomalies, the weekly showback and budget alerts as
Adaptive Cards, each once; Teams' failure answers, lost answers, webhook URLs kept secret."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
import triage_store as world
from fake_teams import FakeTeams, payload_problems
from notify_support import (  # noqa: F401 - the *_fixture names are pytest fixtures
    AS_OF,
    TEAMS,
    WEEK,
    cli,
    money,
    notify_master_fixture,
    notify_store_fixture,
    team_cost,
)
from spendscope.agents.delivery import Alert, Destination
from spendscope.agents.notify import card_check, cards
from spendscope.agents.notify.alert_content import alert_content
from spendscope.agents.notify.channels import ChannelDelivery, Channels, Target
from spendscope.agents.notify.config import teams_webhooks
from spendscope.agents.notify.reports import send_report
from spendscope.agents.triage import run_triage
from spendscope.data.errors import InvalidArgument, SourceError
from spendscope.data.settings import Settings
from spendscope.data.store import Store
from spendscope.tools.allocation.owners import SetOwnerInput, set_owner
from spendscope.tools.allocation.showback import ShowbackInput, showback
from spendscope.tools.costs.breakdown import Filter
from spendscope.tools.governance.budgets import BudgetInput, set_budget
from spendscope.tools.reports import data
from spendscope.tools.reports.content import budget_content, finance_content, monthly_content, weekly_content


@pytest.fixture(scope="module")
def spike(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The triage test world: a growing spike in feature chat of team search; team search owned in Teams."""
    store = world.build(tmp_path_factory.mktemp("spike") / "store.duckdb")
    set_owner(store, SetOwnerInput(key="team", value="search", teams_webhook="search-alerts", author="test"))
    return store.path


def _settings(store: Store, teams: FakeTeams, tmp_path: Path, *names: str, **extra: object) -> Settings:
    return Settings(
        db=store.path,
        keys_file=tmp_path / "none.yaml",
        state_dir=tmp_path / "state",
        anthropic_api_key=None,
        anthropic_base_url=None,
        teams_webhooks=teams.env(*names)["SPENDSCOPE_TEAMS_WEBHOOKS"],
        **{"delivery_retry_wait": 0, **extra},
    )


def _texts(card: dict) -> str:
    return json.dumps(card, ensure_ascii=False)


def test_a_teams_owner_receives_routed_anomalies_as_adaptive_cards_through_the_cli(
    spike: Path, tmp_path: Path
) -> None:
    shutil.copy(spike, tmp_path / "store.duckdb")
    db = ["--db", str(tmp_path / "store.duckdb")]
    with FakeTeams() as teams:
        first = cli("triage", "--send", "--json", *db, env=teams.env("search-alerts"), tmp_path=tmp_path)
        assert first.returncode == 0, first.stderr
        result = json.loads(first.stdout)
        (alert,) = result["alerts"]
        assert [d["destination"] for d in result["delivered"]] == ["teams:search-alerts"]
        (card,) = teams.cards_to("search-alerts")
        assert payload_problems(teams.posts[0][2]) == []
        assert teams.posts[0][1]["content-type"] == "application/json; charset=utf-8"
        text = _texts(card)
        assert card["version"] == "1.5" and alert["title"].split(":")[0] in text
        assert "CRITICAL" in card["fallbackText"] and "Drivers" in text and "customer acme" in text
        assert "c0ffee1" in text  # the commit that doubled the prompt

        second = cli("triage", "--send", "--json", *db, env=teams.env("search-alerts"), tmp_path=tmp_path)
        assert second.returncode == 0 and json.loads(second.stdout)["delivered"] == []
        assert len(teams.posts) == 1

    listed = cli("deliveries", "--json", *db, env={}, tmp_path=tmp_path)
    rows = json.loads(listed.stdout)["deliveries"]
    assert {(d["channel"], d["kind"], d["status"], d["target"]) for d in rows} == {
        ("teams", "alert", "sent", "search-alerts"),
        ("router", "alert", "sent", "teams:search-alerts"),
    }
    assert teams.url("search-alerts") not in listed.stdout + first.stdout + first.stderr


def test_a_team_owner_in_teams_gets_the_weekly_showback_card_with_only_its_figures(
    notify_store: Store, tmp_path: Path
) -> None:
    with FakeTeams(workflows=True) as teams:
        res = cli(
            "report",
            "send",
            "weekly",
            "--as-of",
            str(AS_OF),
            "--db",
            str(notify_store.path),
            "--json",
            env=teams.env("support-alerts", "ds"),
            tmp_path=tmp_path,
        )
        assert res.returncode == 0, res.stderr
        run = json.loads(res.stdout)
        assert {(o["target"], o["status"], o["ref"]) for o in run["outcomes"] if o["channel"] == "teams"} == {
            ("support-alerts", "sent", "teams:202"),
            ("ds", "sent", "teams:202"),
        }
        (card,) = teams.cards_to("ds")
        text = _texts(card)
        assert money(team_cost(notify_store, "data-science", *WEEK)) in text
        assert any(b["type"] == "Table" for b in card["body"])
        for other in TEAMS:
            if other != "data-science":
                assert f"team {other}" not in text
                assert money(team_cost(notify_store, other, *WEEK)) not in text


def test_every_report_and_alert_card_validates_against_the_adaptive_card_schema(notify_store: Store) -> None:
    assert card_check.schema_checked()
    result = data.monthly_showback(notify_store, AS_OF, "team")
    set_budget(notify_store, BudgetInput(name="All AI", amount=1000))
    groups, _ = data.budget_alert_groups(notify_store, dt.date(2026, 10, 25), dry_run=True)
    alert = Alert(
        key="a1:high",
        anomaly_id="a1",
        severity="high",
        title="Spike in team=search: +$1,234 (+85%) on 2026-10-14",
        summary="What, how much, why.",
        dimension="team",
        value="search",
        start_day=dt.date(2026, 10, 14),
        end_day=dt.date(2026, 10, 14),
        actual=2686.0,
        expected=1452.0,
        impact=1234.0,
        drivers=["model=gpt-4o: +$1,100 (*89%*)"],
        destination=Destination(teams_webhook="x", owner_key="team", owner_value="search"),
    )
    contents = [
        weekly_content("team", "search", data.weekly_figures(notify_store, AS_OF, "team", "search")),
        monthly_content(result, result.rows[0]),
        finance_content(result, data.budget_statuses(notify_store, result.end)),
        budget_content(groups[0].alerts),
        alert_content(alert),
    ]
    for content in contents:
        payload = cards.envelope(cards.card(content))
        assert card_check.problems(payload) == [] and payload_problems(payload) == [], content.kind
    lines = [b.get("text", "") for b in cards.card(contents[-1])["body"]]
    assert any("\\*89%\\*" in t for t in lines)  # figures are data, not markdown


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda c: c.update(version="1.6"), "version 1.5"),
        (lambda c: c.update(msteams={"width": "Full"}), "msteams"),
        (lambda c: c.update(actions=[{"type": "Action.Submit", "title": "Ack"}]), "Action.Submit"),
        (lambda c: c["body"].append({"type": "TextBlock", "text": "x" * 30_000}), "bytes"),
        (lambda c: c["body"].append({"type": "Chart.Pie"}), "Chart.Pie"),
    ],
)
def test_a_card_teams_would_not_render_is_refused_before_it_is_sent(change: object, problem: str) -> None:
    card = cards.card(alert_content(_alert()))
    change(card)  # type: ignore[operator]
    found = card_check.problems(cards.envelope(card))
    assert any(problem in p for p in found), found
    with pytest.raises(InvalidArgument) as err:
        card_check.check(cards.envelope(card))
    assert err.value.code == "invalid_argument"


def _alert() -> Alert:
    return Alert(
        key="a2:low",
        anomaly_id="a2",
        severity="low",
        title="Drop in provider=OpenAI",
        summary="s",
        dimension="provider",
        value="OpenAI",
        start_day=dt.date(2026, 10, 1),
        end_day=dt.date(2026, 10, 2),
        actual=1.0,
        expected=2.0,
        impact=-1.0,
        destination=Destination(teams_webhook="ops"),
    )


def test_teams_failure_answers_are_failures_retried_once_and_a_lost_answer_is_in_doubt(
    notify_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = alert_content(_alert())
    target = Target(channel="teams", address="ops")
    with FakeTeams() as teams:
        channels = Channels(
            notify_store, _settings(notify_store, teams, tmp_path, "ops", delivery_attempts=1)
        )
        teams.answers = [
            (200, "Microsoft Teams endpoint returned HTTP error 429 with ContextId x"),
            (500, "oops"),
        ]
        first = channels.send(target, "alert:a", "alert", content)
        assert first.status == "failed" and "429" in (first.error or "") and "'ops'" in (first.error or "")
        second = channels.send(target, "alert:a", "alert", content)
        assert second.status == "failed" and "500" in (second.error or "")
        assert teams.url("ops") not in (first.error or "") + (second.error or "")
        assert channels.send(target, "alert:a", "alert", content).status == "sent"
        assert channels.send(target, "alert:a", "alert", content).status == "already_sent"
        assert len(teams.cards_to("ops")) == 1 and len(teams.posts) == 3

        teams.delay = 1.5
        from spendscope.agents.notify import channels as channels_module
        from spendscope.agents.notify.teams import post_card

        monkeypatch.setattr(
            channels_module,
            "post_card",
            lambda name, url, payload: post_card(name, url, payload, timeout=0.5),
        )
        doubt = channels.send(target, "alert:b", "alert", content)
        assert doubt.status == "in_doubt"
        teams.delay = 0
        assert channels.send(target, "alert:b", "alert", content).status == "in_progress"


def test_rate_limits_and_server_errors_are_tried_again_in_the_run_honouring_retry_after_and_a_bad_card_is_not(
    notify_store: Store, tmp_path: Path
) -> None:
    content = alert_content(_alert())
    target = Target(channel="teams", address="ops")
    with FakeTeams() as teams:
        settings = _settings(notify_store, teams, tmp_path, "ops", delivery_retry_wait=0.05)
        channels = Channels(notify_store, settings)
        teams.answers = [(429, "Too many requests", {"Retry-After": "1"}), (503, "busy")]
        sent = channels.send(target, "alert:r", "alert", content)
        assert (sent.status, sent.tries, len(teams.posts), len(teams.cards_to("ops"))) == ("sent", 3, 3, 1)
        gaps = [b - a for a, b in zip(teams.times, teams.times[1:], strict=False)]
        assert gaps[0] >= 0.9 and gaps[1] < 0.9  # Retry-After: 1 waited for; then the 0.1 s backoff

        teams.answers = [(400, "Bad payload: card is not valid")]
        bad = channels.send(target, "alert:s", "alert", content)
        assert (bad.status, bad.tries, len(teams.posts)) == ("failed", 1, 4) and "400" in (bad.error or "")

        teams.answers = [(500, "oops")] * 3
        given = channels.send(target, "alert:t", "alert", content)
        assert (given.status, given.tries, len(teams.posts)) == ("failed", 3, 7)


def test_budget_alerts_reach_the_team_owners_teams_webhook_and_finances_when_nobody_owns_the_budget(
    notify_store: Store, tmp_path: Path
) -> None:
    set_budget(
        notify_store,
        BudgetInput(
            name="ds team", amount=10000, filters=[Filter(dimension="team", values=["data-science"])]
        ),
    )
    set_budget(notify_store, BudgetInput(name="All AI", amount=100000))
    with FakeTeams() as teams:
        settings = _settings(notify_store, teams, tmp_path, "ds", "finops", finance_teams_webhook="finops")
        run = send_report(
            "budgets", notify_store, Channels(notify_store, settings), as_of=dt.date(2026, 10, 25)
        )
        assert sorted((o.target, o.status) for o in run.outcomes if o.channel == "teams") == [
            ("ds", "sent"),
            ("finops", "sent"),
        ]
        assert "ds team" in _texts(teams.cards_to("ds")[0]) and "All AI" not in _texts(
            teams.cards_to("ds")[0]
        )
        assert "All AI" in _texts(teams.cards_to("finops")[0])


def test_an_owner_with_slack_email_and_teams_gets_the_alert_on_each_and_a_retry_sends_only_what_failed(
    spike: Path, tmp_path: Path
) -> None:
    from fake_smtp import FakeSMTP

    store = Store(tmp_path / "store.duckdb", lock_timeout=10)
    shutil.copy(spike, store.path)
    set_owner(store, SetOwnerInput(key="team", value="search", email="search@example.com", author="test"))

    class FlakySlack:
        def __init__(self) -> None:
            self.calls = 0

        def deliver(self, alert: Alert) -> str:
            self.calls += 1
            if self.calls == 1:
                raise SourceError("Slack is down")
            return "1700000000.000100"

    with FakeTeams() as teams, FakeSMTP(tmp_path) as smtp:
        set_owner(store, SetOwnerInput(key="team", value="search", slack_channel="C0SEARCH01", author="test"))
        env = {k.removeprefix("SPENDSCOPE_").lower(): v for k, v in smtp.env().items()}
        settings = _settings(store, teams, tmp_path, "search-alerts", **env)
        slack = FlakySlack()
        delivery = ChannelDelivery(Channels(store, settings), slack)
        first = run_triage(store, settings, delivery)
        assert len(first.failed) == 1 and "Slack is down" in first.failed[0].error
        assert len(teams.cards_to("search-alerts")) == 1 and len(smtp.messages) == 1
        second = run_triage(store, settings, delivery)
        assert [d.destination for d in second.delivered] == [
            "C0SEARCH01, search@example.com, teams:search-alerts"
        ]
        assert len(teams.cards_to("search-alerts")) == 1 and len(smtp.messages) == 1 and slack.calls == 2
        assert smtp.messages[0].message["Subject"].startswith("[CRITICAL] Spike in feature=chat")


def test_webhook_urls_stay_out_of_the_owner_map_and_must_be_https(
    notify_store: Store, tmp_path: Path
) -> None:
    with pytest.raises(InvalidArgument) as err:
        set_owner(
            notify_store,
            SetOwnerInput(
                key="team", value="search", teams_webhook="https://example.webhook.office.com/x?sig=abc"
            ),
        )
    assert err.value.code == "invalid_argument" and "keys file" in err.value.message
    assert "sig=abc" not in err.value.message
    keys = tmp_path / "keys.yaml"
    keys.write_text("teams_webhooks:\n  finops: http://teams.example.com/hook\n", encoding="utf-8")
    keys.chmod(0o600)
    with pytest.raises(InvalidArgument):
        teams_webhooks(Settings(keys_file=keys))
    keys.write_text("teams_webhooks:\n  FinOps: https://example.webhook.office.com/x\n", encoding="utf-8")
    assert teams_webhooks(Settings(keys_file=keys)) == {"finops": "https://example.webhook.office.com/x"}
    owners = cli(
        "owners",
        "set",
        "team",
        "legal",
        "--teams-webhook",
        "legal-costs",
        "--db",
        str(notify_store.path),
        env={},
        tmp_path=tmp_path,
    )
    assert owners.returncode == 0 and "teams:legal-costs" in owners.stdout


def test_monthly_finance_summary_goes_to_the_finance_webhook(notify_store: Store, tmp_path: Path) -> None:
    rows = {r.value: r for r in showback(notify_store, ShowbackInput(month="2026-10")).rows}
    with FakeTeams() as teams:
        settings = _settings(notify_store, teams, tmp_path, "finops", finance_teams_webhook="finops")
        run = send_report("monthly", notify_store, Channels(notify_store, settings), as_of=AS_OF)
        assert ("finops", "sent") in {(o.target, o.status) for o in run.outcomes}
        text = _texts(teams.cards_to("finops")[0])
        assert all(t in text for t in TEAMS) and money(float(sum(r.total for r in rows.values()))) in text
