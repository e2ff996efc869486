"""The anomaly triage router: dedupe, owner routing, severity, enrichment, Claude through the real SDK against a
local fake Messages API, resume after a crash between enrichment and delivery, dry run, retries, the CLI, and
the demo's labelled cache regression."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import triage_store as world
from fake_messages_api import FakeMessagesAPI, text_reply
from fake_webhook import WebhookReceiver
from spendscope.agents.delivery import Alert
from spendscope.agents.triage import CONSUMER, checkpoint_path, run_triage
from spendscope.agents.triage_text import SYSTEM
from spendscope.data.errors import SourceError
from spendscope.data.settings import Settings
from spendscope.data.store import Store
from spendscope.tools.allocation.owners import SetOwnerInput, set_owner
from spendscope.tools.costs.breakdown import Filter
from spendscope.tools.governance.anomalies import DetectInput, ListAnomaliesInput, list_anomalies
from spendscope.tools.governance.budgets import BudgetInput, set_budget
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]


class Collect:
    """A delivery that keeps what it was given."""

    def __init__(self) -> None:
        self.alerts: list[Alert] = []

    def deliver(self, alert: Alert) -> str:
        self.alerts.append(alert)
        return f"test:{len(self.alerts)}"


class Refuse:
    def deliver(self, alert: Alert) -> str:
        raise SourceError("webhook http://127.0.0.1:9/x answered 503")


@pytest.fixture(scope="module")
def growing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The spike lasts to the last day of data, growing."""
    return world.build(tmp_path_factory.mktemp("growing") / "store.duckdb").path


@pytest.fixture(scope="module")
def ended(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same spike, followed by four normal days."""
    return world.build(tmp_path_factory.mktemp("ended") / "store.duckdb", tail=4).path


def _copy(master: Path, tmp_path: Path) -> Store:
    target = tmp_path / "store.duckdb"
    shutil.copy(master, target)
    return Store(target, lock_timeout=10)


def _settings(tmp_path: Path, **overrides: Any) -> Settings:
    base: dict[str, Any] = {
        "state_dir": tmp_path / "state",
        "anthropic_api_key": None,
        "anthropic_base_url": None,
        "triage_default_channel": None,
    }
    return Settings(**{**base, **overrides})


def _rows(store: Store, sql: str, params: list | None = None) -> list[tuple]:
    with store.reader() as con:
        return con.execute(sql, params or []).fetchall()


# ------------------------------------------------------------------------------------------------ dedupe


def test_second_run_with_no_new_data_sends_nothing(growing: Path, tmp_path: Path) -> None:
    store, settings, sent = _copy(growing, tmp_path), _settings(tmp_path), Collect()
    first = run_triage(store, settings, sent)
    assert len(sent.alerts) == 1 and [d.key for d in first.delivered] == [sent.alerts[0].key]
    alert = sent.alerts[0]
    assert (alert.dimension, alert.value, alert.start_day) == ("feature", "chat", world.spike_start())
    assert (
        first.anomalies == 6 and len(alert.related_ids) == 5
    )  # team, provider, service, model, customer acme
    second = run_triage(store, settings, sent)
    assert len(sent.alerts) == 1
    assert second.anomalies == 0 and second.delivered == [] and second.alerts == []
    ledger = _rows(store, "SELECT DISTINCT key, status FROM _triage_log")
    assert ledger == [(alert.key, "delivered")]
    assert _rows(store, "SELECT count(*) FROM _triage_log")[0][0] == 6
    assert _rows(store, "SELECT count(*), count(finished_at) FROM _triage_runs")[0] == (2, 2)


# ------------------------------------------------------------------------------------------------ routing


def test_owner_map_routes_the_alert_to_the_team_channel(growing: Path, tmp_path: Path) -> None:
    store, sent = _copy(growing, tmp_path), Collect()
    set_owner(store, SetOwnerInput(key="team", value="search", slack_channel="#search-costs"))
    set_owner(store, SetOwnerInput(key="team", value="ads", slack_channel="#ads-costs"))
    run_triage(store, _settings(tmp_path, triage_default_channel="#finops"), sent)
    d = sent.alerts[0].destination
    assert (d.slack_channel, d.owner_key, d.owner_value) == ("#search-costs", "team", "search")
    assert "team search" in (sent.alerts[0].owner_reason or "")


def test_the_features_owner_is_used_when_the_team_has_none(growing: Path, tmp_path: Path) -> None:
    store, sent = _copy(growing, tmp_path), Collect()
    set_owner(store, SetOwnerInput(key="feature", value="chat", slack_user="U0CHAT0001"))
    run_triage(store, _settings(tmp_path), sent)
    d = sent.alerts[0].destination
    assert (d.slack_user, d.slack_channel, d.owner_key, d.owner_value) == (
        "U0CHAT0001",
        None,
        "feature",
        "chat",
    )


def test_unowned_spend_goes_to_the_default_channel_flagged_unowned(growing: Path, tmp_path: Path) -> None:
    store, sent = _copy(growing, tmp_path), Collect()
    set_owner(store, SetOwnerInput(key="team", value="ads", slack_channel="#ads-costs"))
    run_triage(store, _settings(tmp_path, triage_default_channel="#finops-triage"), sent)
    d = sent.alerts[0].destination
    assert (d.slack_channel, d.owner_key, d.owner_value) == ("#finops-triage", None, "unowned")
    assert "team=search" in (sent.alerts[0].owner_reason or "")  # names the team that should get an owner


def test_unowned_spend_without_a_default_channel_has_no_destination(growing: Path, tmp_path: Path) -> None:
    store, sent = _copy(growing, tmp_path), Collect()
    run_triage(store, _settings(tmp_path), sent)
    d = sent.alerts[0].destination
    assert (d.slack_channel, d.slack_user, d.email, d.owner_value) == (None, None, None, "unowned")


# ------------------------------------------------------------------------------------------------ severity


def test_severity_is_raised_one_tier_while_the_anomaly_still_grows(growing: Path, tmp_path: Path) -> None:
    store, sent = _copy(growing, tmp_path), Collect()
    run_triage(store, _settings(tmp_path), sent)
    alert = sent.alerts[0]
    detector = (
        list_anomalies(store, ListAnomaliesInput(dimension="feature", value="chat")).anomalies[0].severity
    )
    assert (detector, alert.severity, alert.trend) == ("high", "critical", "growing")
    assert alert.key == f"{alert.anomaly_id}:critical"
    assert "still growing" in (alert.severity_reason or "")


def test_severity_stays_at_the_detectors_tier_once_the_anomaly_ended(ended: Path, tmp_path: Path) -> None:
    store, sent = _copy(ended, tmp_path), Collect()
    run_triage(store, _settings(tmp_path), sent)
    alert = sent.alerts[0]
    assert (alert.severity, alert.trend) == ("high", "ended")
    assert alert.end_day == world.spike_start() + dt.timedelta(days=2)


def test_an_anomaly_that_grows_into_a_higher_severity_is_alerted_again_as_an_escalation(
    growing: Path, tmp_path: Path
) -> None:
    store, settings, sent = _copy(growing, tmp_path), _settings(tmp_path), Collect()
    day = world.spike_start()
    for as_of in (day + dt.timedelta(days=1), day + dt.timedelta(days=2), None):
        run_triage(store, settings, sent, detect=DetectInput(as_of=as_of))
    assert [(a.severity, a.trend, a.escalated_from) for a in sent.alerts] == [
        ("medium", "new", None),  # one day in: +$58, about 1% of a typical day
        ("critical", "growing", "medium"),  # the second day stayed medium: nothing was sent
    ]
    assert len({a.anomaly_id for a in sent.alerts}) == 1


def test_an_anomaly_first_seen_after_its_event_was_alerted_is_folded_into_that_alert(
    growing: Path, tmp_path: Path
) -> None:
    store, settings, sent = _copy(growing, tmp_path), _settings(tmp_path), Collect()
    run_triage(store, settings, sent)
    (acme,) = _rows(store, "SELECT anomaly_id FROM anomalies WHERE dimension = 'customer'")[0]
    with store.writer() as con:  # as if the customer's series had only now been detected
        con.execute("DELETE FROM _anomaly_deliveries WHERE anomaly_id = ?", [acme])
        con.execute("DELETE FROM _triage_log WHERE anomaly_id = ?", [acme])
    later = run_triage(store, settings, sent)
    assert later.anomalies == 1 and later.merged == [acme] and later.delivered == []
    assert len(sent.alerts) == 1
    assert _rows(store, "SELECT key, status FROM _triage_log WHERE anomaly_id = ?", [acme]) == [
        (sent.alerts[0].key, "merged")
    ]


# ---------------------------------------------------------------------------------------------- enrichment


def _cost_per_request(days: range) -> float:
    cost = sum(
        round(c_usd * world._wiggle(i, j), 2)
        + (world.SPIKE[i - world.BASE_DAYS] if c == "acme" and i >= world.BASE_DAYS else 0.0)
        for i in days
        for j, (c, c_usd) in enumerate(world.CHAT_USD.items())
    )
    return cost / (sum(world.REQUESTS.values()) * len(days))


def test_alert_names_the_new_commit_the_customer_and_the_budget_it_counts_against(
    ended: Path, tmp_path: Path
) -> None:
    store, sent = _copy(ended, tmp_path), Collect()
    search = [Filter(dimension="team", values=["search"])]
    set_budget(store, BudgetInput(name="search team", amount=6000, filters=search))
    set_budget(
        store, BudgetInput(name="ads team", amount=6000, filters=[Filter(dimension="team", values=["ads"])])
    )
    run_triage(store, _settings(tmp_path), sent)
    alert = sent.alerts[0]
    b = world.BASE_DAYS
    before, after = _cost_per_request(range(b - 7, b)), _cost_per_request(range(b, b + 3))
    commit = [line for line in alert.recent_changes if world.NEW_SHA[:10] in line]
    assert len(commit) == 1 and f"({(after - before) / before * 100:+.0f}%)" in commit[0]
    assert f"{world.spike_start()} 10:00 UTC" in commit[0] and "app/chat.py" in commit[0]
    assert alert.top_usage[0].startswith("customer acme:")  # the scope is feature chat: rank its customers
    assert any(line.startswith("customer acme: +$") for line in alert.drivers)
    assert len(alert.budget_impact) == 1 and alert.budget_impact[0].startswith("search team (team = search)")
    assert "commit c0ffee1000 first appeared" in alert.summary and "budget search team" in alert.summary


# --------------------------------------------------------------------------------------------------- Claude


def test_claude_writes_the_summary_through_the_real_sdk(growing: Path, tmp_path: Path) -> None:
    def reply(body: dict[str, Any]) -> dict[str, Any]:
        facts = json.loads(body["messages"][0]["content"])
        a = facts["anomaly"]
        return text_reply(
            f"Chat spend ran {a['impact']} ({a['relative']}) over the expected {a['expected']} "
            f"after a deploy; team search should look."
        )

    store, sent = _copy(growing, tmp_path), Collect()
    with FakeMessagesAPI([reply]) as fake:
        settings = _settings(tmp_path, anthropic_api_key="test-key", anthropic_base_url=fake.url)
        result = run_triage(store, settings, sent)
    alert = sent.alerts[0]
    told = json.loads(fake.requests[0]["messages"][0]["content"])["anomaly"]
    assert alert.llm is True and alert.summary.startswith(
        f"Chat spend ran {told['impact']} ({told['relative']}) over the expected $"
    )
    assert len(fake.requests) == 1 and fake.requests[0]["system"] == SYSTEM
    assert fake.headers[0]["authorization"] == "Bearer test-key"
    facts = json.loads(fake.requests[0]["messages"][0]["content"])
    assert facts["severity"] == "critical" and facts["recent_changes"] == alert.recent_changes
    assert result.notes == []


def test_a_claude_summary_citing_a_figure_not_in_the_facts_is_replaced_by_the_template(
    growing: Path, tmp_path: Path
) -> None:
    store, sent = _copy(growing, tmp_path), Collect()
    with FakeMessagesAPI(["Chat spend rose by $99,999.00 overnight (+480%)."]) as fake:
        result = run_triage(
            store, _settings(tmp_path, anthropic_api_key="k", anthropic_base_url=fake.url), sent
        )
    alert = sent.alerts[0]
    assert alert.llm is False and alert.summary.startswith("Feature chat cost $")
    assert any("$99,999.00" in n for n in result.notes)


# ------------------------------------------------------------------------------------- crash and resume

CRASHING_RUN = """
import os, sys
from spendscope.data.settings import Settings
from spendscope.data.store import Store
from spendscope.agents.triage import run_triage

class Crash:
    def deliver(self, alert):
        os._exit(9)  # the process dies between enrichment and delivery

settings = Settings(state_dir=sys.argv[2], anthropic_api_key=None, anthropic_base_url=None)
run_triage(Store(sys.argv[1]), settings, Crash())
"""


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "SPENDSCOPE_"))}


def test_a_run_killed_between_enrichment_and_delivery_resumes_and_sends_exactly_one_alert(
    growing: Path, tmp_path: Path
) -> None:
    store, settings = _copy(growing, tmp_path), _settings(tmp_path)
    crashed = subprocess.run(
        [sys.executable, "-c", CRASHING_RUN, str(store.path), str(settings.state_dir)],
        capture_output=True,
        text=True,
        env=_clean_env(),
        cwd=ROOT,
        timeout=120,
    )
    assert crashed.returncode == 9, crashed.stderr
    (run_id,) = _rows(store, "SELECT run_id FROM _triage_runs WHERE status = 'running'")[0]
    keys = _rows(store, "SELECT DISTINCT key, status FROM _triage_log")
    assert len(keys) == 1 and keys[0][1] == "enriched"  # recorded, not sent
    assert _rows(store, "SELECT count(*) FROM _anomaly_deliveries WHERE consumer = ?", [CONSUMER])[0][0] == 6
    assert checkpoint_path(settings, store).exists()

    sent = Collect()
    resumed = run_triage(store, settings, sent)
    assert resumed.resumed_runs == [run_id]
    assert [a.key for a in sent.alerts] == [keys[0][0]] and sent.alerts[0].run_id == run_id
    assert resumed.anomalies == 6  # counted once: the resumed run's (the new run found nothing new)
    assert _rows(store, "SELECT status FROM _triage_runs WHERE run_id = ?", [run_id]) == [("finished",)]

    again = run_triage(store, settings, sent)
    assert len(sent.alerts) == 1 and again.delivered == [] and again.resumed_runs == []


# ----------------------------------------------------------------------------------------- dry run, retry


def test_a_dry_run_sends_records_and_checkpoints_nothing(growing: Path, tmp_path: Path) -> None:
    store, settings, sent = _copy(growing, tmp_path), _settings(tmp_path), Collect()
    dry = run_triage(store, settings, sent, dry_run=True)
    assert dry.dry_run and dry.run_id is None and len(dry.alerts) == 1 and dry.delivered == []
    assert sent.alerts == []
    for table in ("_triage_log", "_triage_runs", "_anomaly_deliveries", "anomalies"):
        assert _rows(store, f"SELECT count(*) FROM {table}")[0][0] == 0, table
    assert not checkpoint_path(settings, store).exists()
    real = run_triage(store, settings, sent)
    assert [a.key for a in sent.alerts] == [dry.alerts[0].key] and len(real.delivered) == 1


def test_a_run_writes_its_heartbeat_at_most_once_per_beat_interval(
    growing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from spendscope.agents import triage

    store, settings = _copy(growing, tmp_path), _settings(tmp_path)
    quick = run_triage(store, settings, Collect())  # well under a minute: only its start wrote the heartbeat
    monkeypatch.setattr(triage, "BEAT_EVERY", 0.0)
    beating = run_triage(store, settings, Collect())  # every node after the first beats
    (started, beat), (started2, beat2) = (
        _rows(store, "SELECT started_at, heartbeat_at FROM _triage_runs WHERE run_id = ?", [r.run_id])[0]
        for r in (quick, beating)
    )
    assert beat == started and beat2 > started2


def test_a_failed_delivery_is_retried_by_the_next_run_and_sent_once(growing: Path, tmp_path: Path) -> None:
    store, settings, sent = _copy(growing, tmp_path), _settings(tmp_path), Collect()
    failed = run_triage(store, settings, Refuse())
    assert [f.code for f in failed.failed] == ["source_error"] and failed.delivered == []
    assert _rows(store, "SELECT DISTINCT status, attempts FROM _triage_log") == [("enriched", 1)]
    retried = run_triage(store, settings, sent)
    assert retried.anomalies == 0 and [d.key for d in retried.delivered] == [failed.alerts[0].key]
    assert len(sent.alerts) == 1
    run_triage(store, settings, sent)
    assert len(sent.alerts) == 1


class Interrupt:
    def deliver(self, alert: Alert) -> str:
        raise KeyboardInterrupt


def test_a_run_stopped_by_an_interrupt_is_resumed_by_the_next_run(growing: Path, tmp_path: Path) -> None:
    store, settings, sent = _copy(growing, tmp_path), _settings(tmp_path), Collect()
    with pytest.raises(KeyboardInterrupt):
        run_triage(store, settings, Interrupt())
    (run_id,) = _rows(store, "SELECT run_id FROM _triage_runs WHERE status = 'failed'")[0]
    resumed = run_triage(store, settings, sent)
    assert resumed.resumed_runs == [run_id] and len(sent.alerts) == 1 and sent.alerts[0].run_id == run_id
    assert _rows(store, "SELECT DISTINCT status FROM _triage_runs") == [("finished",)]


# ----------------------------------------------------------------------------------------------------- CLI


def _cli(args: list[str], monkeypatch: pytest.MonkeyPatch, state: Path) -> Any:
    from spendscope.cli import app

    monkeypatch.setenv("SPENDSCOPE_STATE_DIR", str(state))
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "SPENDSCOPE_ANTHROPIC_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    return CliRunner().invoke(app, ["triage", *args])


def test_cli_previews_then_posts_each_alert_once_to_a_webhook(
    growing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _copy(growing, tmp_path)
    db = ["--db", str(store.path)]
    preview = _cli(["--dry-run", *db], monkeypatch, tmp_path / "state")
    assert preview.exit_code == 0, preview.output
    assert "[CRITICAL] Spike in feature=chat: +$3" in preview.stdout and "would be sent" in preview.stdout
    with WebhookReceiver() as hook:
        first = _cli(["--webhook", hook.url, "--json", *db], monkeypatch, tmp_path / "state")
        second = _cli(["--webhook", hook.url, "--json", *db], monkeypatch, tmp_path / "state")
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    result = json.loads(first.stdout)
    assert [d["ref"] for d in result["delivered"]] == ["webhook:200"]
    assert len(hook.posts) == 1
    headers, body = hook.posts[0]
    assert headers["idempotency-key"] == body["key"] == result["alerts"][0]["key"]
    assert json.loads(second.stdout)["delivered"] == []


def test_cli_exits_1_and_says_so_when_a_delivery_fails(
    growing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _copy(growing, tmp_path)
    out = _cli(
        ["--webhook", "http://127.0.0.1:9/nothing-listens", "--db", str(store.path)],
        monkeypatch,
        tmp_path / "state",
    )
    assert out.exit_code == 1
    assert "the next run retries it" in out.stderr and "Traceback" not in out.output


# ---------------------------------------------------------------------------------------------------- demo


def test_the_demos_cache_regression_goes_to_the_support_team_with_the_deploy_that_caused_it(
    demo_store: Store, tmp_path: Path
) -> None:
    store = _copy(demo_store.path, tmp_path)
    set_owner(store, SetOwnerInput(key="team", value="support", slack_channel="#support-costs"))
    label = _rows(store, "SELECT day, end_day FROM anomaly_labels WHERE kind = 'cache_regression'")[0]
    sent = Collect()
    run_triage(store, _settings(tmp_path), sent)
    ours = [a for a in sent.alerts if a.start_day == label[0] and a.anomaly_id.startswith("an-")]
    assert len(ours) == 1  # one event, seen in several series, is one alert
    # the same regression as a rise in cost per ticket is the unit-economics alert of the same run
    assert any(a.anomaly_id.startswith("ua-") and a.start_day == label[0] for a in sent.alerts)
    alert = ours[0]
    assert (alert.dimension, alert.value, alert.start_day, alert.end_day) == (
        "feature",
        "support-bot",
        *label,
    )
    assert alert.destination.slack_channel == "#support-costs"
    assert any(line.startswith("token_type cache_write") for line in alert.drivers)
    deploy = [line for line in alert.recent_changes if f"first seen {label[0]}" in line]
    assert len(deploy) == 1 and "+1" in deploy[0].rsplit("(", 1)[1]  # cost per request up by 100-199%
    first = len(sent.alerts)
    run_triage(store, _settings(tmp_path), sent)
    assert len(sent.alerts) == first  # nothing is sent twice
