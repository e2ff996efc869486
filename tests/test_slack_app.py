"""The Slack app answers questions: real signed requests dispatched into the Bolt app, replies captured by a
local fake Slack Web API (SLACK_API_URL). Work runs after the ack; tests drain Bolt's listener executor."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest
from fake_slack_api import (  # noqa: F401 - the *_fixture names are pytest fixtures
    BOT_USER,
    FORM,
    JSON,
    SECRET,
    DrainingExecutor,
    FakeSlack,
    build,
    event_body,
    fake_fixture,
    make_settings,
    signed_request,
    slack_master_fixture,
    slack_store_fixture,
    slash_body,
)
from spendscope.data.store import Store
from spendscope.slack_app.access import Access
from spendscope.slack_app.app import build_app
from spendscope.tools.costs.breakdown import CostQueryInput, Filter, run_cost_query

ALICE, SEARCHER, STRANGER, ADMIN = "U0ALICE001", "U0SEARCH01", "U0STRANGE1", "U0ADMIN001"
COSTS, SEARCH_CHANNEL = "C0COSTS001", "C0SEARCH01"


def _october(store: Store, filters: list[Filter] | None = None, group_by: list[str] | None = None):  # noqa: ANN202
    with store.reader() as con:
        return run_cost_query(
            con,
            CostQueryInput(
                start="2026-10-01", end="2026-10-31", filters=filters or [], group_by=group_by or []
            ),
        )


def _money(v: float) -> str:
    return f"${v:,.2f}"


def _mention(
    text: str, ts: str, *, user: str = ALICE, channel: str = COSTS, thread_ts: str | None = None
) -> dict:
    event = {
        "type": "app_mention",
        "user": user,
        "text": f"<@{BOT_USER}> {text}",
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def _dm(
    text: str, ts: str, *, user: str = ALICE, channel: str = "D0ALICE001", thread_ts: str | None = None
) -> dict:
    event = {
        "type": "message",
        "channel_type": "im",
        "user": user,
        "text": text,
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def _access(tmp_path: Path, text: str) -> Access:
    path = tmp_path / "access.yaml"
    path.write_text(text, encoding="utf-8")
    return Access.load(path)


SCOPED = f"""
admins: [{ADMIN}]
finance_channel: C0FINANCE1
users:
  {SEARCHER}: {{team: search}}
channels:
  {SEARCH_CHANNEL}: {{team: search}}
"""


# ------------------------------------------------------------------------------------------------ asking


def test_slash_command_acks_at_once_then_answers_with_headline_table_and_chart_in_the_thread(
    slack_store: Store, fake: FakeSlack, tmp_path: Path
) -> None:
    app, work = build(slack_store, make_settings(slack_store, fake, tmp_path))
    body = slash_body(
        "Which team spent the most last month?", user=ALICE, channel=COSTS, response_url=fake.response_url()
    )
    started = time.monotonic()
    resp = app.dispatch(signed_request(SECRET, body, FORM))
    assert resp.status == 200 and time.monotonic() - started < 3
    work.drain()

    (holder,) = fake.of("chat.postMessage")
    assert holder["channel"] == COSTS and f"<@{ALICE}> asked" in holder["text"]
    (update,) = fake.of("chat.update")
    top = _october(slack_store, group_by=["team"]).rows[0]
    assert update["ts"] and update["channel"] == COSTS
    assert update["text"].startswith(
        f"The {top.group['team']} team spent the most in October 2026: {_money(top.value)}"
    )
    table = update["blocks"][1]["text"]["text"]
    assert table.startswith("```") and top.group["team"] in table and "search" in table
    assert [b["type"] for b in update["blocks"]] == ["section", "section", "context"]

    (url,) = fake.of("files.getUploadURLExternal")
    assert url["filename"] == "chart.png" and int(url["length"]) == len(fake.uploads[0])
    assert fake.uploads[0][:8] == b"\x89PNG\r\n\x1a\n"
    (done,) = fake.of("files.completeUploadExternal")
    assert done["channel_id"] == COSTS and done["thread_ts"] == holder_ts(fake)
    assert fake.calls[0].headers["authorization"] == "Bearer xoxb-test"


def holder_ts(fake: FakeSlack) -> str:
    return fake.of("chat.update")[0]["ts"]


def test_mention_is_answered_in_its_thread_and_a_follow_up_keeps_the_context(
    slack_store: Store, fake: FakeSlack, tmp_path: Path
) -> None:
    app, work = build(slack_store, make_settings(slack_store, fake, tmp_path))
    first = _mention("How much did we spend on OpenAI in October 2026?", "1700000100.000100")
    app.dispatch(signed_request(SECRET, event_body(first, "Ev0001"), JSON))
    work.drain()
    follow = _mention("and Anthropic?", "1700000100.000900", thread_ts="1700000100.000100")
    app.dispatch(signed_request(SECRET, event_body(follow, "Ev0002"), JSON))
    work.drain()

    one, two = fake.of("chat.postMessage")
    openai = _october(slack_store, [Filter(dimension="provider", values=["OpenAI"])]).total
    anthropic = _october(slack_store, [Filter(dimension="provider", values=["Anthropic"])]).total
    assert one["thread_ts"] == "1700000100.000100" and _money(openai) in one["text"]
    assert (
        two["thread_ts"] == "1700000100.000100"
        and _money(anthropic) in two["text"]
        and "October 2026" in two["text"]
    )


def test_direct_messages_and_assistant_threads_are_answered_where_they_were_asked(
    slack_store: Store, fake: FakeSlack, tmp_path: Path
) -> None:
    app, work = build(slack_store, make_settings(slack_store, fake, tmp_path))
    app.dispatch(
        signed_request(
            SECRET,
            event_body(_dm("How much did we spend in October 2026?", "1700000200.000100"), "Ev0101"),
            JSON,
        )
    )
    work.drain()
    started = {
        "type": "assistant_thread_started",
        "event_ts": "1700000300.000001",
        "assistant_thread": {
            "user_id": ALICE,
            "channel_id": "D0ALICE001",
            "thread_ts": "1700000300.000100",
            "context": {},
        },
    }
    app.dispatch(signed_request(SECRET, event_body(started, "Ev0102"), JSON))
    work.drain()
    question = _dm(
        "Which team spent the most in October 2026?", "1700000300.000200", thread_ts="1700000300.000100"
    )
    app.dispatch(signed_request(SECRET, event_body(question, "Ev0103"), JSON))
    work.drain()

    plain, hello, answer = fake.of("chat.postMessage")
    assert plain["channel"] == "D0ALICE001" and "thread_ts" not in plain
    assert _money(_october(slack_store).total) in plain["text"]
    assert hello["thread_ts"] == "1700000300.000100"
    (prompts,) = fake.of("assistant.threads.setSuggestedPrompts")
    assert prompts["thread_ts"] == "1700000300.000100" and prompts["prompts"]
    (status,) = fake.of("assistant.threads.setStatus")
    assert status["thread_ts"] == "1700000300.000100"
    assert answer["thread_ts"] == "1700000300.000100" and "spent the most" in answer["text"]


def test_an_empty_slash_command_answers_with_help_in_the_ack(
    slack_store: Store, fake: FakeSlack, tmp_path: Path
) -> None:
    app, work = build(slack_store, make_settings(slack_store, fake, tmp_path))
    resp = app.dispatch(
        signed_request(
            SECRET, slash_body("", user=ALICE, channel=COSTS, response_url=fake.response_url()), FORM
        )
    )
    work.drain()
    assert resp.status == 200 and "/spend Which team spent the most last month?" in resp.body
    assert fake.of("chat.postMessage") == []


def test_slash_command_where_the_app_may_not_post_answers_through_the_response_url(
    slack_store: Store, fake: FakeSlack, tmp_path: Path
) -> None:
    fake.fail["chat.postMessage"] = "not_in_channel"
    app, work = build(slack_store, make_settings(slack_store, fake, tmp_path))
    app.dispatch(
        signed_request(
            SECRET,
            slash_body(
                "How much did we spend in October 2026?",
                user=ALICE,
                channel=COSTS,
                response_url=fake.response_url(),
            ),
            FORM,
        )
    )
    work.drain()
    (reply,) = fake.responses
    assert reply["response_type"] == "in_channel" and _money(_october(slack_store).total) in reply["text"]


# ------------------------------------------------------------------------------------------------ security


def test_bad_signatures_old_timestamps_missing_headers_and_replays_are_refused_with_401(
    slack_store: Store, fake: FakeSlack, tmp_path: Path
) -> None:
    app, work = build(slack_store, make_settings(slack_store, fake, tmp_path))
    body = slash_body(
        "How much did we spend in October 2026?", user=ALICE, channel=COSTS, response_url=fake.response_url()
    )
    assert app.dispatch(signed_request("not-the-secret", body, FORM)).status == 401
    assert app.dispatch(signed_request(SECRET, body, FORM, timestamp=int(time.time()) - 600)).status == 401
    signed_for_other_body = signed_request(SECRET, body.replace("October", "November"), FORM)
    tampered = signed_request(
        SECRET, body, FORM, signature=signed_for_other_body.headers["x-slack-signature"][0]
    )
    assert app.dispatch(tampered).status == 401
    from slack_bolt.request import BoltRequest

    assert app.dispatch(BoltRequest(body=body, headers={"content-type": [FORM]})).status == 401
    good = signed_request(SECRET, body, FORM, timestamp=int(time.time()) - 5)
    assert app.dispatch(good).status == 200
    replay = signed_request(
        SECRET, body, FORM, timestamp=int(time.time()) - 5, signature=good.headers["x-slack-signature"][0]
    )
    assert app.dispatch(replay).status == 401
    work.drain()
    assert len(fake.of("chat.postMessage")) == 1  # only the one good request was answered


def test_a_retried_event_is_answered_once_also_by_a_restarted_app(
    slack_store: Store, fake: FakeSlack, tmp_path: Path
) -> None:
    settings = make_settings(slack_store, fake, tmp_path)
    app, work = build(slack_store, settings)
    body = event_body(_mention("How much did we spend in October 2026?", "1700000400.000100"), "Ev0201")
    sent = int(time.time())
    assert app.dispatch(signed_request(SECRET, body, JSON, timestamp=sent)).status == 200
    work.drain()
    retry = signed_request(
        SECRET, body, JSON, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    )
    assert app.dispatch(retry).status == 200
    assert (
        app.dispatch(signed_request(SECRET, body, JSON, timestamp=sent)).status == 200
    )  # the very same request
    work.drain()
    restarted, work2 = build(slack_store, settings)  # a new process: only the store remembers the event
    again = signed_request(
        SECRET, body, JSON, headers={"X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "http_timeout"}
    )
    assert restarted.dispatch(again).status == 200
    work2.drain()
    assert len(fake.of("chat.postMessage")) == 1


def test_http_mode_serves_slack_at_slash_slack_events_and_refuses_bad_signatures(
    slack_store: Store, fake: FakeSlack, tmp_path: Path
) -> None:
    import uvicorn
    from spendscope.slack_app.server import asgi_app

    app, work = build(slack_store, make_settings(slack_store, fake, tmp_path))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(asgi_app(app), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/healthz").text == "ok"
        body = slash_body(
            "How much did we spend in October 2026?",
            user=ALICE,
            channel=COSTS,
            response_url=fake.response_url(),
        )
        good = signed_request(SECRET, body, FORM)
        headers = {k: v[0] for k, v in good.headers.items()}
        assert httpx.post(f"{base}/slack/events", content=body, headers=headers).status_code == 200
        bad = {**headers, "x-slack-signature": "v0=" + "0" * 64}
        assert httpx.post(f"{base}/slack/events", content=body, headers=bad).status_code == 401
        work.drain()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    assert _money(_october(slack_store).total) in fake.of("chat.update")[0]["text"]


# ------------------------------------------------------------------------------------------------ access


def test_a_user_outside_a_teams_scope_is_refused_politely_and_sees_only_their_team(
    slack_store: Store, fake: FakeSlack, tmp_path: Path
) -> None:
    app, work = build(slack_store, make_settings(slack_store, fake, tmp_path), _access(tmp_path, SCOPED))
    for i, text in enumerate(
        [
            "How much did team support spend in October 2026?",
            "How much did team search spend in October 2026?",
            "Which team spent the most in October 2026?",
        ]
    ):
        app.dispatch(
            signed_request(
                SECRET, event_body(_dm(text, f"1700000500.00010{i}", user=SEARCHER), f"Ev03{i}"), JSON
            )
        )
        work.drain()
    refused, own, top = fake.of("chat.postMessage")
    assert refused["text"].startswith("Sorry, I can't answer that here") and "team search" in refused["text"]
    assert "support" in refused["text"] and "$" not in refused["text"]
    search = _october(slack_store, [Filter(dimension="team", values=["search"])]).total
    assert _money(search) in own["text"]
    table = json.dumps(top["blocks"])
    assert "search" in table and "support" not in table and _money(search) in top["text"]
    # "search spent the most (100%)" would read as company-wide: the answer says whose rows it covers
    assert "Limited to what can be seen here (team search)" in top["text"]
    assert any(b["type"] == "context" and "Limited to" in json.dumps(b) for b in top["blocks"])


def test_an_unscoped_answer_carries_no_scope_note(
    slack_store: Store, fake: FakeSlack, tmp_path: Path
) -> None:
    app, work = build(slack_store, make_settings(slack_store, fake, tmp_path), _access(tmp_path, SCOPED))
    question = "Which team spent the most in October 2026?"
    app.dispatch(
        signed_request(
            SECRET,
            event_body(_dm(question, "1700000700.000100", user=ADMIN, channel="D0ADMIN001"), "Ev0701"),
            JSON,
        )
    )
    work.drain()
    (answer,) = fake.of("chat.postMessage")
    assert "Limited to" not in answer["text"] and "support" in json.dumps(answer["blocks"])


def test_a_full_answer_pool_still_acks_at_once_and_says_it_is_busy(
    slack_store: Store, fake: FakeSlack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The listeners only ack and hand the answer to the pool: with every worker held and the queue full, a new
    /spend is still acknowledged (the dispatch returns without waiting for any answer) and told to ask again."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from spendscope.slack_app import ask
    from spendscope.slack_app.workers import AnswerPool

    release = threading.Event()
    held: list[str] = []

    def slow_answer(self: object, client: object, q: object) -> None:
        held.append(q.text)  # type: ignore[attr-defined]
        release.wait(30)

    pool = AnswerPool(ThreadPoolExecutor(max_workers=2), workers=2, queue=3)
    settings = make_settings(slack_store, fake, tmp_path)
    app = build_app(
        slack_store, settings, access=Access.open(), listener_executor=ThreadPoolExecutor(2), answers=pool
    )
    monkeypatch.setattr(ask.Answerer, "answer", slow_answer)
    try:
        statuses = []
        for i in range(6):
            body = slash_body(f"question {i}", user=ALICE, channel=COSTS, response_url=fake.response_url())
            statuses.append(app.dispatch(signed_request(SECRET, body, FORM)).status)
        assert statuses == [200] * 6  # every one acknowledged while the two workers are held
        deadline = time.monotonic() + 10
        while not fake.responses and time.monotonic() < deadline:
            time.sleep(0.01)
        (busy,) = fake.responses  # the sixth: 2 running + 3 waiting is the pool's capacity
        assert "ask again in a minute" in json.dumps(busy)
    finally:
        release.set()
    deadline = time.monotonic() + 10
    while len(held) < 5 and time.monotonic() < deadline:  # the three that waited run once workers free up
        time.sleep(0.01)
    assert len(held) == 5 and len(set(held)) == 5


def test_people_not_in_the_access_file_are_refused_in_a_dm_but_see_a_team_channels_scope(
    slack_store: Store, fake: FakeSlack, tmp_path: Path
) -> None:
    app, work = build(slack_store, make_settings(slack_store, fake, tmp_path), _access(tmp_path, SCOPED))
    question = "How much did we spend in October 2026?"
    app.dispatch(
        signed_request(
            SECRET,
            event_body(_dm(question, "1700000600.000100", user=STRANGER, channel="D0STRANGE1"), "Ev0401"),
            JSON,
        )
    )
    app.dispatch(
        signed_request(
            SECRET,
            event_body(
                _mention(question, "1700000600.000200", user=STRANGER, channel=SEARCH_CHANNEL), "Ev0402"
            ),
            JSON,
        )
    )
    app.dispatch(
        signed_request(
            SECRET,
            event_body(_dm(question, "1700000600.000300", user=ADMIN, channel="D0ADMIN001"), "Ev0403"),
            JSON,
        )
    )
    work.drain()
    by_channel = {p["channel"]: p for p in fake.of("chat.postMessage")}
    assert "not in the spendscope access list" in by_channel["D0STRANGE1"]["text"]
    search = _october(slack_store, [Filter(dimension="team", values=["search"])]).total
    assert _money(search) in by_channel[SEARCH_CHANNEL]["text"]
    assert _money(_october(slack_store).total) in by_channel["D0ADMIN001"]["text"]


# ------------------------------------------------------------------------------------------------ failures


def test_a_missing_store_or_a_failing_agent_answers_with_a_clear_message_in_the_thread(
    slack_store: Store, fake: FakeSlack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:

    missing = Store(tmp_path / "nowhere.duckdb")
    app, work = build(missing, make_settings(missing, fake, tmp_path))
    app.dispatch(
        signed_request(
            SECRET, event_body(_mention("How much did we spend?", "1700000700.000100"), "Ev0501"), JSON
        )
    )
    work.drain()
    (reply,) = fake.of("chat.postMessage")
    assert reply["thread_ts"] == "1700000700.000100"
    assert reply["text"].startswith("Sorry, I couldn't answer that: no store at") and not missing.exists

    from spendscope.agents import billy

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the agent fell over")

    monkeypatch.setattr(billy, "ask", broken)
    app, work = build(slack_store, make_settings(slack_store, fake, tmp_path))
    app.dispatch(
        signed_request(
            SECRET, event_body(_mention("How much did we spend?", "1700000700.000200"), "Ev0502"), JSON
        )
    )
    work.drain()
    reply = fake.of("chat.postMessage")[-1]
    assert reply["thread_ts"] == "1700000700.000200" and "something went wrong on my side" in reply["text"]
    assert "fell over" not in json.dumps(reply) and "reference" in json.dumps(reply["blocks"])


def test_socket_mode_connects_with_the_app_token_and_answers_a_command_from_the_socket(
    slack_store: Store, fake: FakeSlack, tmp_path: Path
) -> None:
    import websockets.sync.server as ws_server
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    acks: list[dict] = []
    command = {
        "command": "/spend",
        "text": "How much did we spend in October 2026?",
        "user_id": ALICE,
        "channel_id": COSTS,
        "channel_name": "costs",
        "team_id": "T0TEAM001",
        "trigger_id": "1.2.3",
        "response_url": fake.response_url(),
    }

    def socket(ws: object) -> None:  # Slack's side of the WebSocket: hello, one envelope, then read the acks
        ws.send(json.dumps({"type": "hello", "num_connections": 1}))  # type: ignore[attr-defined]
        ws.send(
            json.dumps(
                {
                    "envelope_id": "env-1",
                    "type": "slash_commands",
                    "payload": command,  # type: ignore[attr-defined]
                    "accepts_response_payload": True,
                }
            )
        )
        try:
            for message in ws:  # type: ignore[attr-defined]
                acks.append(json.loads(message))
        except Exception:  # noqa: BLE001 - the client going away ends the conversation
            return

    server = ws_server.serve(socket, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    fake.socket_url = f"ws://127.0.0.1:{server.socket.getsockname()[1]}/link"
    settings = make_settings(
        slack_store, fake, tmp_path, SLACK_APP_TOKEN="xapp-test", SLACK_SIGNING_SECRET=None
    )
    work = DrainingExecutor()
    app = build_app(
        slack_store,
        settings,
        access=Access.open(),
        socket_mode=True,
        as_of=dt.date(2026, 11, 2),
        listener_executor=work,
    )
    handler = SocketModeHandler(app, settings.slack_app_token.get_secret_value())
    try:
        handler.connect()
        deadline = time.monotonic() + 20
        while not fake.of("chat.update") and time.monotonic() < deadline:
            time.sleep(0.05)
        work.drain()
    finally:
        handler.close()
        server.shutdown()
    (opened,) = [c for c in fake.calls if c.method == "apps.connections.open"]
    assert opened.headers["authorization"] == "Bearer xapp-test"
    assert {"envelope_id": "env-1"} in acks
    assert _money(_october(slack_store).total) in fake.of("chat.update")[0]["text"]
