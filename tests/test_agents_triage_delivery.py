"""Triage delivery after a kill -9 in the middle of sending (issue 19): the attempt is recorded before the send;
on resume the next run reconciles. Slack: the message is looked up by its metadata and never posted twice.
Webhook: the alert is sent again only with the same Idempotency-Key. Real processes are killed (os._exit) at
the worst moment, after the receiver has the alert and before the sender recorded it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import triage_store as world
from fake_slack_api import FakeSlack
from fake_webhook import WebhookReceiver
from spendscope.agents.delivery import WebhookDelivery
from spendscope.agents.triage import run_triage
from spendscope.data.settings import Settings
from spendscope.data.store import Store
from spendscope.slack_app.delivery import SlackDelivery
from spendscope.slack_app.messaging import make_client

ROOT = Path(__file__).resolve().parents[1]
CHANNEL = "C0FINOPS01"

KILLED_WEBHOOK = """
import os, sys
from spendscope.agents.delivery import WebhookDelivery
from spendscope.agents.triage import run_triage
from spendscope.data.settings import Settings
from spendscope.data.store import Store

class DiesAfterSending(WebhookDelivery):
    def deliver(self, alert):
        super().deliver(alert)  # the receiver has it ...
        os._exit(9)             # ... and the sender dies before recording that

settings = Settings(state_dir=sys.argv[2], anthropic_api_key=None, anthropic_base_url=None)
run_triage(Store(sys.argv[1]), settings, DiesAfterSending(sys.argv[3]))
"""

KILLED_SLACK = """
import os, sys
from slack_sdk import WebClient
from spendscope.agents.triage import run_triage
from spendscope.data.settings import Settings
from spendscope.data.store import Store
from spendscope.slack_app.delivery import SlackDelivery

class Dies(WebClient):
    def chat_postMessage(self, **kwargs):
        if sys.argv[4] == "before":
            os._exit(9)      # dies on the way: Slack never has the message
        answer = super().chat_postMessage(**kwargs)
        os._exit(9)          # Slack has the message; its ts is never recorded

settings = Settings(state_dir=sys.argv[2], anthropic_api_key=None, anthropic_base_url=None,
                    triage_default_channel=sys.argv[5])
client = Dies(token="xoxb-test", base_url=sys.argv[3])
run_triage(Store(sys.argv[1]), settings, SlackDelivery(Store(sys.argv[1]), client))
"""


@pytest.fixture(scope="module")
def growing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return world.build(tmp_path_factory.mktemp("growing") / "store.duckdb").path


def _copy(master: Path, tmp_path: Path) -> Store:
    target = tmp_path / "store.duckdb"
    shutil.copy(master, target)
    return Store(target, lock_timeout=10)


def _settings(tmp_path: Path) -> Settings:
    return Settings(
        state_dir=tmp_path / "state",
        anthropic_api_key=None,
        anthropic_base_url=None,
        triage_default_channel=CHANNEL,
    )


def _run(script: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "SPENDSCOPE_", "SLACK_"))}
    return subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )


def _slack(store: Store, fake: FakeSlack) -> SlackDelivery:
    return SlackDelivery(store, make_client(Settings(SLACK_BOT_TOKEN="xoxb-test", SLACK_API_URL=fake.url)))


def _rows(store: Store, sql: str) -> list[tuple]:
    with store.reader() as con:
        return con.execute(sql).fetchall()


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as r:
        yield r


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    f = FakeSlack()
    yield f
    f.close()


def test_a_webhook_killed_mid_delivery_is_resent_once_and_only_with_the_same_idempotency_key(
    growing: Path, tmp_path: Path, receiver: WebhookReceiver
) -> None:
    store, settings = _copy(growing, tmp_path), _settings(tmp_path)
    killed = _run(KILLED_WEBHOOK, str(store.path), str(settings.state_dir), receiver.url)
    assert killed.returncode == 9, killed.stderr
    assert len(receiver.posts) == 1
    ((key, sending_at),) = _rows(
        store, "SELECT DISTINCT key, sending_at FROM _triage_log WHERE status = 'enriched'"
    )
    assert sending_at is not None  # the attempt was on record before the send

    resumed = run_triage(store, settings, WebhookDelivery(receiver.url))
    assert [d.key for d in resumed.delivered] == [key]
    assert any("sent again with the same idempotency key" in n for n in resumed.notes)
    again = run_triage(store, settings, WebhookDelivery(receiver.url))
    assert again.delivered == []

    keys = [headers["idempotency-key"] for headers, _ in receiver.posts]
    assert keys == [key, key]  # one retry, carrying the key; a receiver that keeps keys sees one alert
    assert len({body["key"] for _, body in receiver.posts}) == 1
    assert _rows(store, "SELECT DISTINCT status, sending_at FROM _triage_log WHERE key = '" + key + "'") == [
        ("delivered", None)
    ]


def test_a_slack_delivery_killed_after_slack_had_the_message_is_found_by_its_metadata_not_reposted(
    growing: Path, tmp_path: Path, fake: FakeSlack
) -> None:
    store, settings = _copy(growing, tmp_path), _settings(tmp_path)
    killed = _run(KILLED_SLACK, str(store.path), str(settings.state_dir), fake.url, "after", CHANNEL)
    assert killed.returncode == 9, killed.stderr
    (posted,) = fake.of("chat.postMessage")
    assert posted["metadata"]["event_type"] == "spendscope_alert"
    assert _rows(store, "SELECT status, channel, ts FROM _slack_posts") == [("claimed", CHANNEL, None)]

    delivery = _slack(store, fake)
    resumed = run_triage(store, settings, delivery)
    assert len(fake.of("chat.postMessage")) == 1  # found, not posted again
    ts = fake.history[0]["ts"]
    assert [d.ref for d in resumed.delivered] == [ts]
    assert any("had gone out" in n for n in resumed.notes)
    assert _rows(store, "SELECT status, channel, ts FROM _slack_posts") == [("posted", CHANNEL, ts)]
    history = fake.of("conversations.history")
    assert (
        history
        and history[0]["channel"] == CHANNEL
        and str(history[0]["include_all_metadata"]) in ("1", "True", "true")
    )

    run_triage(store, settings, delivery)
    assert len(fake.of("chat.postMessage")) == 1


def test_a_slack_delivery_killed_before_slack_had_the_message_posts_it_exactly_once_on_resume(
    growing: Path, tmp_path: Path, fake: FakeSlack
) -> None:
    store, settings = _copy(growing, tmp_path), _settings(tmp_path)
    killed = _run(KILLED_SLACK, str(store.path), str(settings.state_dir), fake.url, "before", CHANNEL)
    assert killed.returncode == 9, killed.stderr
    assert fake.of("chat.postMessage") == []

    delivery = _slack(store, fake)
    resumed = run_triage(store, settings, delivery)
    assert len(fake.of("chat.postMessage")) == 1 and len(resumed.delivered) == 1
    run_triage(store, settings, delivery)
    assert len(fake.of("chat.postMessage")) == 1


def test_a_post_whose_answer_was_lost_is_found_on_retry_not_posted_twice(
    growing: Path, tmp_path: Path, fake: FakeSlack
) -> None:
    from slack_sdk import WebClient
    from spendscope.data.errors import SourceError

    class LosesTheAnswer(WebClient):
        def chat_postMessage(self, **kwargs: Any) -> Any:  # noqa: N802 - slack_sdk's name
            super().chat_postMessage(**kwargs)
            raise TimeoutError("read timed out")  # Slack has the message; the app never hears back

    store, settings = _copy(growing, tmp_path), _settings(tmp_path)
    lossy = SlackDelivery(store, LosesTheAnswer(token="xoxb-test", base_url=fake.url))
    first = run_triage(store, settings, lossy)
    assert [f.code for f in first.failed] == [SourceError.code]
    assert _rows(store, "SELECT status, channel FROM _slack_posts") == [("claimed", CHANNEL)]
    retried = run_triage(store, settings, _slack(store, fake))
    assert len(fake.of("chat.postMessage")) == 1 and len(retried.delivered) == 1
    assert retried.delivered[0].ref == fake.history[0]["ts"]
