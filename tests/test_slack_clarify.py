"""Billy's one short question back in Slack: a name that is a value of two dimensions gets the likelier reading
answered with its assumption stated, and one button per reading; pressing a button (a real signed block_actions
request into the Bolt app) asks that reading in the thread."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_slack_api import (  # noqa: F401 - the *_fixture names are pytest fixtures
    FORM,
    SECRET,
    TEAM,
    FakeSlack,
    build,
    fake_fixture,
    interaction_body,
    make_settings,
    signed_request,
)
from focus_rows import row, write
from spendscope.agents.billy import ask
from spendscope.data.import_focus import import_focus
from spendscope.data.settings import Settings
from spendscope.data.store import Store
from spendscope.slack_app.blocks import answer_blocks


@pytest.fixture
def chat_store(tmp_path: Path) -> Store:
    """'chat' is a team (10 + 10) and, on every row, a feature (10 + 10 + 5)."""
    rows = [row(1, "10", team="chat"), row(2, "10", team="chat"), row(3, "5", team="search")]
    store = Store(tmp_path / "chat.duckdb", lock_timeout=10)
    import_focus(store, write(tmp_path / "chat.csv", rows))
    return store


QUESTION = "how much did chat cost in October 2026"


def test_a_name_of_two_dimensions_is_answered_once_with_the_other_reading_offered(
    chat_store: Store, tmp_path: Path
) -> None:
    answer = ask(chat_store, QUESTION, settings=Settings(state_dir=tmp_path / "s", db=Path("/x")))
    assert answer.value is not None and "Assumed:" in answer.answer
    assert len(answer.choices) == 2 and {c.split()[4] for c in answer.choices} == {"team", "feature"}
    assert "choices" not in answer.to_json_dict()  # the --json contract stays exactly as it was
    _text, blocks = answer_blocks(answer, QUESTION)
    buttons = next(b for b in blocks if b["type"] == "actions")["elements"]
    assert [b["action_id"] for b in buttons] == ["billy_clarify_0", "billy_clarify_1"]
    assert [b["value"] for b in buttons] == answer.choices


def test_pressing_a_reading_answers_it_in_the_thread(
    chat_store: Store, fake: FakeSlack, tmp_path: Path
) -> None:
    answer = ask(chat_store, QUESTION, settings=Settings(state_dir=tmp_path / "s", db=Path("/x")))
    other = answer.choices[1]
    app, work = build(chat_store, make_settings(chat_store, fake, tmp_path))
    body = interaction_body(
        {
            "type": "block_actions",
            "team": {"id": TEAM},
            "api_app_id": "A0APP0001",
            "trigger_id": "13345.42.trig",
            "user": {"id": "U0ASKER001"},
            "channel": {"id": "C0GENERAL1"},
            "response_url": "http://127.0.0.1:9/unused",
            "container": {"type": "message", "message_ts": "1700000001.000100", "channel_id": "C0GENERAL1"},
            "message": {"ts": "1700000001.000100", "type": "message"},
            "actions": [
                {
                    "block_id": "billy_clarify",
                    "action_id": "billy_clarify_1",
                    "type": "button",
                    "value": other,
                }
            ],
        }
    )
    assert app.dispatch(signed_request(SECRET, body, FORM)).status == 200
    work.drain()
    (post,) = fake.of("chat.postMessage")
    assert post["channel"] == "C0GENERAL1" and post["thread_ts"] == "1700000001.000100"
    want = 20.0 if other.split()[4] == "team" else 25.0
    assert f"${want:,.2f}" in post["text"], post["text"]


def test_a_forged_press_is_refused(chat_store: Store, fake: FakeSlack, tmp_path: Path) -> None:
    app, _work = build(chat_store, make_settings(chat_store, fake, tmp_path))
    body = interaction_body(
        {"type": "block_actions", "actions": [{"action_id": "billy_clarify_0", "value": "x"}]}
    )
    assert app.dispatch(signed_request("wrong-secret", body, FORM)).status == 401
    assert fake.of("chat.postMessage") == []
