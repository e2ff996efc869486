"""Unit-economics alerts in the triage router: the demo's unprofitable customer goes to its owner with the anomalies,
through the same ledger (once, never twice, an escalation sent again), and in Slack without anomaly buttons."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from fake_slack_api import FakeSlack, fake_fixture, make_settings  # noqa: F401 - fake_fixture is a pytest fixture
from spendscope.agents.delivery import Alert
from spendscope.agents.triage import run_triage
from spendscope.data.settings import Settings
from spendscope.data.store import Store
from spendscope.slack_app.delivery import SlackDelivery
from spendscope.slack_app.messaging import make_client
from spendscope.tools.allocation.owners import SetOwnerInput, set_owner
from spendscope.tools.invoke import invoke


class Collect:
    def __init__(self) -> None:
        self.alerts: list[Alert] = []

    def deliver(self, alert: Alert) -> str:
        self.alerts.append(alert)
        return f"test:{len(self.alerts)}"


def _copy(demo: Store, tmp_path: Path) -> Store:
    target = tmp_path / "demo.duckdb"
    shutil.copy(demo.path, target)
    return Store(target, lock_timeout=10)


def _settings(tmp_path: Path, **extra: Any) -> Settings:
    base = {"state_dir": tmp_path / "state", "anthropic_api_key": None, "anthropic_base_url": None}
    return Settings(**{**base, "triage_default_channel": None, **extra})


def _unprofitable(store: Store) -> str:
    return invoke(store, "profitability", {"period": "2026-10"}).rows[0].key


def test_the_demos_unprofitable_customer_is_alerted_once_to_the_floors_owner(
    demo_store: Store, tmp_path: Path
) -> None:
    store = _copy(demo_store, tmp_path)
    sent = Collect()
    result = run_triage(store, _settings(tmp_path), sent)
    margin = [a for a in sent.alerts if a.anomaly_id.startswith("mf-")]
    assert len(margin) == 1
    alert = margin[0]
    customer = _unprofitable(store)
    assert (alert.dimension, alert.value, alert.severity) == ("customer", customer, "high")
    assert (
        alert.destination.slack_channel == "#revenue-ops"
        and alert.owner_reason == "owner of margin floor customer-margin"
    )
    assert str(alert.start_day) == "2026-10-01" and alert.actual > alert.expected
    assert any("exceeds the subscription" in d for d in alert.drivers)
    assert any(d.startswith("feature support-bot") for d in alert.drivers)
    assert {a.anomaly_id[:3] for a in sent.alerts} >= {"mf-", "ub-", "ua-"}
    assert any(d.key == alert.key for d in result.delivered)
    with store.reader() as con:
        logged = con.execute(
            "SELECT status, destination FROM _triage_log WHERE key = ?", [alert.key]
        ).fetchall()
    assert logged == [("delivered", "#revenue-ops")]
    before = len(sent.alerts)
    run_triage(store, _settings(tmp_path), sent)
    assert len(sent.alerts) == before  # never twice


def test_the_customers_own_owner_wins_and_a_dry_run_sends_and_records_nothing(
    demo_store: Store, tmp_path: Path
) -> None:
    store = _copy(demo_store, tmp_path)
    customer = _unprofitable(store)
    set_owner(store, SetOwnerInput(key="customer", value=customer, email="csm@example.com"))
    sent = Collect()
    dry = run_triage(store, _settings(tmp_path), sent, dry_run=True)
    assert sent.alerts == []
    planned = next(a for a in dry.alerts if a.anomaly_id.startswith("mf-"))
    assert planned.destination.email == "csm@example.com" and planned.destination.owner_key == "customer"
    with store.reader() as con:
        assert con.execute("SELECT count(*) FROM _triage_log").fetchall() == [(0,)]


def test_a_breach_that_gets_worse_is_sent_again_as_an_escalation(demo_store: Store, tmp_path: Path) -> None:
    store = _copy(demo_store, tmp_path)
    invoke(
        store,
        "set_margin_floor",
        {"name": "customer margin", "floor_pct": 60, "subscription_metric": None, "owner": "#revenue-ops"},
    )
    customer = _unprofitable(store)
    with (
        store.writer() as con
    ):  # its revenue, restated upwards: still below the floor, margin no longer negative
        con.execute(
            "UPDATE business_metrics SET value = value * 3 WHERE metric = 'revenue' AND customer = ? "
            "AND period_start = DATE '2026-10-01'",
            [customer],
        )
    sent = Collect()
    run_triage(store, _settings(tmp_path), sent)
    (medium,) = [a for a in sent.alerts if a.anomaly_id.startswith("mf-")]
    assert medium.severity == "medium"
    with store.writer() as con:
        con.execute(
            "UPDATE business_metrics SET value = value / 3 WHERE metric = 'revenue' AND customer = ? "
            "AND period_start = DATE '2026-10-01'",
            [customer],
        )
    run_triage(store, _settings(tmp_path), sent)
    high = [a for a in sent.alerts if a.anomaly_id == medium.anomaly_id and a.severity == "high"]
    assert len(high) == 1 and high[0].escalated_from == "medium"


def test_slack_gets_the_margin_alert_in_the_owners_channel_without_anomaly_buttons(
    demo_store: Store, fake: FakeSlack, tmp_path: Path
) -> None:
    store = _copy(demo_store, tmp_path)
    customer = _unprofitable(store)
    set_owner(store, SetOwnerInput(key="customer", value=customer, slack_channel="C0ACCOUNT1"))
    settings = make_settings(store, fake, tmp_path)
    run_triage(store, settings, SlackDelivery(store, make_client(settings)))
    posts = [  # the customer's owner may also get an anomaly its spend caused
        p for p in fake.of("chat.postMessage") if p["channel"] == "C0ACCOUNT1" and "margin floor" in p["text"]
    ]
    assert len(posts) == 1
    body = json.dumps(posts[0]["blocks"])
    assert customer in posts[0]["text"] and "margin floor" in posts[0]["text"]
    assert not any(b["type"] == "actions" for b in posts[0]["blocks"]) and "exceeds the subscription" in body


@pytest.fixture(autouse=True)
def _quiet_anthropic(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ANTHROPIC_API_KEY", "SPENDSCOPE_ANTHROPIC_API_KEY"):
        monkeypatch.delenv(name, raising=False)
