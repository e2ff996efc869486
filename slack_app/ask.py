"""Questions from Slack (the /spend command, @mentions, DMs and assistant threads) answered by Billy.

Runs after the request was acknowledged (in the app's bounded answer pool): decide what the asker may see in
that place (slack_app.access), ask Billy as a caller limited to those rows (tools.invoke applies the scope to
every operation Billy runs), refuse politely when the question was about rows outside it, say so when the answer
covers only part of the company, then post the headline and table in the thread and upload the chart as a PNG.
Whatever fails (the agent, the store, the chart) ends in a clear message in the thread, never silence.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import re
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from spendscope.data.errors import SpendscopeError
from spendscope.data.settings import Settings
from spendscope.data.store import Store
from spendscope.slack_app import blocks, messaging
from spendscope.slack_app.access import Access, Decision, Scope, outside_scope
from spendscope.tools.access import Caller
from spendscope.tools.triage import post_ledger

log = logging.getLogger("spendscope.slack")

_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")
EVENT_KEYS_KEPT = dt.timedelta(days=2)  # Slack retries an event for minutes; older keys are dropped
FORGET_EVERY = 200  # events answered between two clean-ups of old event keys
EXAMPLES = (
    "Which team spent the most last month?",
    "How much did we spend on OpenAI this month?",
    "How did total spend change from last month?",
)


def clean_text(text: str) -> str:
    """A message as the user typed it: bot mentions removed, Slack's escaping undone."""
    return html.unescape(_MENTION.sub("", text or "")).strip()


@dataclass
class Question:
    text: str
    user: str | None
    channel: str
    thread_ts: str | None  # reply in this thread (None: top level, e.g. a plain DM)
    thread_id: str  # Billy's conversation id: follow-ups with the same id keep context
    direct: bool = False  # a DM with the app: only the asker's own scope counts
    assistant: bool = False  # an assistant thread: show a status while working
    show_asker: bool = False  # name the asker in the answer (a slash command's answer stands alone)
    respond: Any = None  # Bolt's respond() for slash commands: the fallback when the app may not post
    answer_ts: str | None = None  # a placeholder message to replace with the answer


class EventLedger:
    """Slack event ids already taken: in memory (a retry while the first delivery still runs) and in the store's
    posting ledger (a retry after a restart, or to another replica)."""

    def __init__(self, store: Store, size: int = 10_000) -> None:
        self.store = store
        self.size = size
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._answered = 0
        self._lock = threading.Lock()

    def seen(self, event_id: str) -> bool:
        with self._lock:
            return event_id in self._seen

    def take(self, event_id: str | None) -> bool:
        """True when this process should handle `event_id` (first sight); False for a repeat."""
        if not event_id:
            return True
        with self._lock:
            if event_id in self._seen:
                return False
            self._seen[event_id] = None
            while len(self._seen) > self.size:
                self._seen.popitem(last=False)
        if not self.store.exists:
            return True
        try:
            return post_ledger.claim_post(self.store, f"event:{event_id}", "event") is not None
        except SpendscopeError as exc:  # a busy store must not stop the answer (it will say so itself)
            log.warning("event ledger unavailable: %s", exc.message)
            return True

    def done(self, event_id: str | None, channel: str, ts: str) -> None:
        if not event_id or not self.store.exists:
            return
        try:
            post_ledger.mark_posted(self.store, f"event:{event_id}", channel, ts)
            self._answered += 1
            if self._answered % FORGET_EVERY == 1:  # now and then, forget event keys Slack no longer retries
                post_ledger.forget(self.store, "event", EVENT_KEYS_KEPT)
        except SpendscopeError as exc:
            log.warning("event ledger unavailable: %s", exc.message)


def slack_caller(user: str | None, scope: Scope) -> Caller:
    """The caller a Slack question runs as: read-only, limited to the rows the asker may see in that place."""
    rows = (
        {}
        if scope.rows is None
        else {d: tuple(scope.labels.get(d) or sorted(v)) for d, v in scope.rows.items()}
    )
    return Caller(f"slack:{user or 'unknown'}", can_write=False, row_scope=rows)


class Answerer:
    def __init__(
        self, store: Store, settings: Settings, access: Access, as_of: dt.date | None = None
    ) -> None:
        self.store = store
        self.settings = settings
        self.access = access
        self.as_of = as_of

    def answer(self, client: WebClient, q: Question) -> tuple[str, str] | None:
        """Answer `q` in Slack; returns (channel, ts) of the answer message, None when nothing could be posted."""
        decision = self.access.decide(q.user, q.channel, direct=q.direct)
        if not decision.allowed:
            return self._say(client, q, *blocks.refusal_blocks(decision.reason))
        if q.assistant and q.thread_ts:
            self._status(client, q, "is looking at the numbers…")
        try:
            text, body, chart = self._billy(q, decision)
        except SpendscopeError as exc:
            return self._say(client, q, *blocks.error_blocks(exc.message))
        except Exception:
            ref = uuid.uuid4().hex[:8]
            log.exception("answering %r failed (reference %s)", q.text, ref)
            return self._say(client, q, *blocks.error_blocks("something went wrong on my side", ref))
        where = self._say(client, q, text, body)
        if where is not None and chart is not None:
            self._chart(client, where[0], q.thread_ts or where[1], chart, text)
        return where

    def _billy(
        self, q: Question, decision: Decision
    ) -> tuple[str, list[dict[str, Any]], dict[str, Any] | None]:
        from spendscope.agents.billy import ask

        scope = decision.scope
        assert scope is not None
        answer = ask(
            self.store,
            q.text,
            as_of=self.as_of,
            thread_id=q.thread_id,
            settings=self.settings,
            caller=slack_caller(q.user, scope),
        )
        asked = outside_scope([t.input for t in answer.tools], scope)
        if asked:
            about = "; ".join(f"{d} {', '.join(v)}" for d, v in asked)
            text, body = blocks.refusal_blocks(
                f"here you can see {scope.text()}, and that question is about {about}"
            )
            return text, body, None
        text, body = blocks.answer_blocks(answer, q.text, q.user if q.show_asker else None)
        if not scope.everything:  # a ranking or a share over one team's rows reads as company-wide otherwise
            note = f"Limited to what can be seen here ({scope.text()}): figures, rankings and shares cover only these rows."
            body.insert(1, blocks.context(f":lock: {blocks.escape(note)}"))
            text = f"{text} ({note})"
        return text, body, answer.chart

    def _say(
        self, client: WebClient, q: Question, text: str, body: list[dict[str, Any]]
    ) -> tuple[str, str] | None:
        try:
            if q.answer_ts:
                messaging.update(client, q.channel, q.answer_ts, text, body)
                return q.channel, q.answer_ts
            return messaging.post(client, q.channel, text, body, thread_ts=q.thread_ts)
        except SpendscopeError as exc:
            log.warning("%s", exc.message)
            if q.respond is None:
                return None
            try:  # a slash command in a channel the app is not in: answer through the response URL
                q.respond(
                    text=text,
                    blocks=body,
                    response_type="ephemeral" if q.direct else "in_channel",
                    replace_original=False,
                )  # a DM between people: only the asker may read their scope
            except Exception as again:  # noqa: BLE001 - nothing left to tell the user with; log it
                log.warning("respond() failed too: %s", type(again).__name__)
            return None

    def _chart(self, client: WebClient, channel: str, thread_ts: str, spec: dict[str, Any], alt: str) -> None:
        try:
            png = messaging.render_png(spec)
        except Exception:
            log.exception("rendering a chart failed")
            self._quiet(
                client, channel, thread_ts, "(The chart could not be drawn; the numbers above stand.)"
            )
            return
        try:
            messaging.upload_png(
                client, channel, png, title=str(spec.get("title") or "Chart"), alt=alt, thread_ts=thread_ts
            )
        except SpendscopeError as exc:
            log.warning("%s", exc.message)
            self._quiet(client, channel, thread_ts, f"(The chart could not be uploaded: {exc.message})")

    def _quiet(self, client: WebClient, channel: str, thread_ts: str, text: str) -> None:
        try:
            messaging.post(client, channel, text, thread_ts=thread_ts)
        except SpendscopeError as exc:
            log.warning("%s", exc.message)

    def _status(self, client: WebClient, q: Question, status: str) -> None:
        try:
            client.assistant_threads_setStatus(channel_id=q.channel, thread_ts=q.thread_ts, status=status)
        except Exception as exc:  # noqa: BLE001 - a status is a nicety; not every DM thread is an assistant one
            log.debug("assistant.threads.setStatus: %s", exc)
