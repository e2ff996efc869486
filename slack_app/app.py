"""The Bolt app: listeners for /spend, @mentions, DMs and assistant threads (answered by Billy), and for the
alert buttons and dialog. Every listener acknowledges at once; questions are then answered in a bounded pool
(slack_app.workers), so a burst of questions never delays the next ack; button presses do their short work in
Bolt's listener executor. In HTTP mode Bolt verifies each request's signature and timestamp (401 otherwise); a command
or action whose signature was already seen is refused as a replay (401), and an event already taken (same
event id: Slack's retries, X-Slack-Retry-Num) is acknowledged and not answered again.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from spendscope.data.errors import InvalidArgument
from spendscope.data.settings import Settings
from spendscope.data.store import Store
from spendscope.slack_app import blocks, clarify, messaging
from spendscope.slack_app.access import Access
from spendscope.slack_app.actions import AlertActions
from spendscope.slack_app.ask import EXAMPLES, Answerer, EventLedger, Question, clean_text
from spendscope.slack_app.delivery import SlackDelivery
from spendscope.slack_app.workers import AnswerPool, InStoreCurrency

log = logging.getLogger("spendscope.slack")

REPLAY_WINDOW = 60 * 5 + 30  # Slack signatures are valid for 5 minutes


class ReplayGuard:
    """Signatures seen in the last few minutes: the same signed request twice is a replay."""

    def __init__(self) -> None:
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def first(self, signature: str) -> bool:
        now = time.monotonic()
        with self._lock:
            if len(self._seen) > 1_000:
                self._seen = {s: t for s, t in self._seen.items() if now - t < REPLAY_WINDOW}
            if signature in self._seen and now - self._seen[signature] < REPLAY_WINDOW:
                return False
            self._seen[signature] = now
            return True


def _quiet_token_warning(record: logging.LogRecord) -> bool:
    """Bolt reads SLACK_BOT_TOKEN itself and warns that our client's token wins; it is the same token."""
    return "`token` will be unused" not in record.getMessage()


def build_app(
    store: Store,
    settings: Settings,
    *,
    client: WebClient | None = None,
    access: Access | None = None,
    socket_mode: bool = False,
    as_of: dt.date | None = None,
    listener_executor: Executor | None = None,
    token_verification: bool = True,
    answers: AnswerPool | None = None,
) -> App:
    """The spendscope Slack app over `store`. HTTP mode needs SLACK_SIGNING_SECRET; Socket Mode does not (its
    connection is authenticated by the app token). `as_of` fixes "today" for relative periods (tests);
    `answers` is the pool questions are answered in (default: 4 workers, 64 waiting; with a
    `listener_executor` and no pool, answers run in that executor, as tests drain it)."""
    client = client or messaging.make_client(settings)
    access = access if access is not None else Access.load(settings.slack_access)
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    if not socket_mode and not secret:
        raise InvalidArgument(
            "set SLACK_SIGNING_SECRET (Basic Information > App Credentials) for HTTP mode",
            argument="SLACK_SIGNING_SECRET",
        )
    if token_verification:  # fail fast, in one line, on a bad token or an unreachable Web API
        try:
            client.auth_test()
        except messaging.FAILURES as exc:
            raise messaging.slack_error(exc, "auth.test") from None
    logging.getLogger("slack_bolt.App").addFilter(_quiet_token_warning)
    app = App(
        client=client,
        signing_secret=secret,
        request_verification_enabled=bool(secret),
        token_verification_enabled=False,  # checked above; Bolt calls auth.test again on the first request
        process_before_response=False,
        listener_executor=InStoreCurrency(  # every listener writes money in the store's billing currency
            listener_executor or ThreadPoolExecutor(max_workers=8, thread_name_prefix="slack"), store
        ),
        ignoring_self_assistant_message_events_enabled=True,
        name="spendscope",
    )
    if answers is None:
        answers = AnswerPool(listener_executor) if listener_executor is not None else AnswerPool()
    answerer = Answerer(store, settings, access, as_of)
    events = EventLedger(store)
    delivery = SlackDelivery(store, client, fallback_channel=access.finance_channel)
    actions = AlertActions(delivery, access)
    replays = ReplayGuard()

    @app.middleware
    def refuse_replays_and_repeats(request: BoltRequest, body: dict[str, Any], next: Any) -> Any:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if request.mode == "http" and not event_id:  # events: a repeat is recognised by its event id instead
            signature = (request.headers.get("x-slack-signature") or [""])[0]
            if signature and not replays.first(signature):
                log.warning("refused a replayed request")
                return BoltResponse(status=401, body="")
        if event_id and events.seen(event_id):
            retry = (request.headers.get("x-slack-retry-num") or ["0"])[0]
            log.info("event %s seen already (retry %s): acknowledged, not answered again", event_id, retry)
            return BoltResponse(status=200, body="")
        return next()

    # ---------------------------------------------------------------------------------------------- ask

    @app.command("/spend")
    def spend(ack: Any, command: dict[str, Any], client: WebClient, respond: Any) -> None:
        text = clean_text(command.get("text", ""))
        if not text or text.lower() in ("help", "?"):
            help_text, help_body = blocks.help_blocks(EXAMPLES)
            ack(text=help_text, blocks=help_body)
            return
        ack()
        user, channel = command.get("user_id"), command["channel_id"]
        q = Question(
            text=text,
            user=user,
            channel=channel,
            thread_ts=None,
            thread_id="",
            show_asker=True,
            direct=command.get("channel_name") == "directmessage",
            respond=respond,
        )

        def work() -> None:
            try:  # a placeholder right away; its thread is the conversation
                holder = f"<@{user}> asked: _{blocks.escape(text)}_ :hourglass_flowing_sand:"
                q.channel, q.answer_ts = messaging.post(client, channel, holder, [blocks.section(holder)])
                q.thread_id = f"slack:{q.channel}:{q.answer_ts}"
            except Exception as exc:  # noqa: BLE001 - not in the channel: answer through the response URL
                log.info("no placeholder in %s (%s); answering through the response URL", channel, exc)
                q.thread_id = f"slack:{channel}:{command.get('trigger_id', '')}"
            answerer.answer(client, q)

        if not answers.submit(work):
            busy(respond=respond)

    @app.event("app_mention")
    def mention(body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        thread = event.get("thread_ts") or event["ts"]
        q = Question(
            text=clean_text(event.get("text", "")),
            user=event.get("user"),
            channel=event["channel"],
            thread_ts=thread,
            thread_id=f"slack:{event['channel']}:{thread}",
        )
        _answer_event(body, q, client)

    @app.event("message")
    def direct_message(body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        channel, thread = event["channel"], event.get("thread_ts")
        q = Question(
            text=clean_text(event.get("text", "")),
            user=event.get("user"),
            channel=channel,
            thread_ts=thread,
            thread_id=f"slack:{channel}:{thread or 'dm'}",
            direct=True,
            assistant=thread is not None,
        )
        _answer_event(body, q, client)

    def _answer_event(body: dict[str, Any], q: Question, client: WebClient) -> None:
        event_id = body.get("event_id")
        if not events.take(event_id):
            log.info("event %s answered already: not answering again", event_id)
            return

        def work() -> None:
            if not q.text:
                help_text, help_body = blocks.help_blocks(EXAMPLES)
                where = _post_quietly(client, q.channel, help_text, help_body, q.thread_ts)
            else:
                where = answerer.answer(client, q)
            if where is not None:
                events.done(event_id, *where)

        if not answers.submit(work):
            busy(client=client, channel=q.channel, thread_ts=q.thread_ts)

    @app.event("assistant_thread_started")
    def thread_started(body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        thread = event.get("assistant_thread") or {}
        channel, ts = thread.get("channel_id"), thread.get("thread_ts")
        if not channel or not ts or not events.take(body.get("event_id")):
            return
        _post_quietly(client, channel, "Hi! Ask me about your cloud and AI spend.", None, ts)
        try:
            client.assistant_threads_setSuggestedPrompts(
                channel_id=channel, thread_ts=ts, prompts=[{"title": e, "message": e} for e in EXAMPLES]
            )
        except Exception as exc:  # noqa: BLE001 - suggestions are a nicety
            log.debug("assistant.threads.setSuggestedPrompts: %s", exc)

    @app.event("assistant_thread_context_changed")
    def context_changed() -> None:
        return None

    # ---------------------------------------------------------------------------------------------- alerts

    @app.action("alert_ack")
    def ack_alert(ack: Any, body: dict[str, Any], client: WebClient) -> None:
        ack()
        actions.acknowledge(client, body)

    @app.action("alert_expected")
    def expected_alert(ack: Any, body: dict[str, Any], client: WebClient) -> None:
        ack()
        actions.open_expected(client, body)

    @app.view("alert_expected_modal")
    def expected_submitted(ack: Any, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        ack()
        actions.submit_expected(client, body, view)

    @app.action("alert_reassign")
    def reassign_alert(ack: Any, body: dict[str, Any], client: WebClient) -> None:
        ack()
        actions.reassign(client, body)

    @app.action("alert_snooze")
    def snooze_alert(ack: Any, body: dict[str, Any], client: WebClient) -> None:
        ack()
        actions.snooze(client, body)

    clarify.register(app, answerer)  # Billy's "did you mean" buttons

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> None:
        log.error("unhandled error in a Slack listener: %s", type(error).__name__, exc_info=error)

    return app


BUSY = "I'm answering a lot of questions right now; please ask again in a minute."


def busy(
    *, respond: Any = None, client: WebClient | None = None, channel: str = "", thread_ts: str | None = None
) -> None:
    """Tell the asker the answer pool is full (their question was not queued)."""
    if respond is not None:
        try:
            respond(text=BUSY, response_type="ephemeral", replace_original=False)
        except Exception as exc:  # noqa: BLE001 - nothing else can be told
            log.warning("respond() failed: %s", type(exc).__name__)
    elif client is not None:
        _post_quietly(client, channel, BUSY, None, thread_ts)


def _post_quietly(
    client: WebClient, channel: str, text: str, body: list[dict[str, Any]] | None, thread_ts: str | None
) -> tuple[str, str] | None:
    try:
        return messaging.post(client, channel, text, body, thread_ts=thread_ts)
    except Exception as exc:  # noqa: BLE001 - logged; nothing else can be told
        log.warning("posting to %s failed: %s", channel, getattr(exc, "message", exc))
        return None
