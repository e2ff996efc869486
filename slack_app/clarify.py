"""Billy's one short question back: when a name had two plausible readings, the answer carries one button per
reading (slack_app/blocks.clarify_block); pressing one asks the question in that reading, in the same thread,
as the person who pressed it (so their own access scope applies)."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from spendscope.slack_app.ask import Answerer, Question
from spendscope.slack_app.blocks import CLARIFY_ACTION


def question_from_press(body: dict[str, Any]) -> Question | None:
    """The question a clarify button asks, answered in the thread of the message that holds the button."""
    action = (body.get("actions") or [{}])[0]
    text = str(action.get("value") or "").strip()
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    message = body.get("message") or {}
    thread = message.get("thread_ts") or message.get("ts") or (body.get("container") or {}).get("message_ts")
    if not text or not channel or not thread:
        return None
    return Question(
        text=text,
        user=(body.get("user") or {}).get("id"),
        channel=channel,
        thread_ts=thread,
        thread_id=f"slack:{channel}:{thread}",
        direct=str(channel).startswith("D"),
    )


def register(app: App, answerer: Answerer) -> None:
    """Handle the clarify buttons on `app`."""

    @app.action(re.compile(rf"^{CLARIFY_ACTION}_\d+$"))
    def clarify(ack: Any, body: dict[str, Any], client: WebClient) -> None:
        ack()
        q = question_from_press(body)
        if q is not None:
            answerer.answer(client, q)
