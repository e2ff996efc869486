"""Running the app: Socket Mode (SLACK_APP_TOKEN, no public URL), or HTTP (an ASGI app served by uvicorn, Slack
requests at POST /slack/events, GET /healthz), and an optional in-process schedule for the triage router and
the reports (cron with `spendscope slack report ...` does the same from outside).

HTTP requests are checked before anything reads them as text (docs/security.md): a body over MAX_BODY_BYTES gets
413 (by its Content-Length, or while it streams), a missing, stale or wrong signature 401 (the HMAC is computed
over the raw bytes, so a body that is not UTF-8 or a timestamp that is not a number is just a bad signature),
and a signed body that is not UTF-8, JSON or a form Slack sends gets 400. None of them reaches Bolt.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import re
import threading
import time
from typing import Any

from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from spendscope.data.errors import InvalidArgument, SpendscopeError
from spendscope.data.settings import Settings
from spendscope.data.store import Store
from spendscope.slack_app.access import Access
from spendscope.slack_app.delivery import SlackDelivery

log = logging.getLogger("spendscope.slack")

EVENTS_PATH = "/slack/events"
MAX_BODY_BYTES = (
    1024 * 1024
)  # Slack's payloads are a few kilobytes; a message with blocks stays well under this
SIGNATURE_MAX_AGE = 60 * 5  # seconds, as Slack documents (and Bolt checks)
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
REPORT_HOUR = 9  # UTC: scheduled reports go out at or after this hour
RETRY_AFTER = dt.timedelta(minutes=15)  # a scheduled job that failed runs again after this long


def run_socket_mode(app: App, settings: Settings) -> None:
    """Connect to Slack over a WebSocket (apps.connections.open at SLACK_API_URL) and serve until stopped."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    if settings.slack_app_token is None:
        raise InvalidArgument(
            "set SLACK_APP_TOKEN (an xapp- app-level token with connections:write) for Socket "
            "Mode, or run `spendscope slack --http`",
            argument="SLACK_APP_TOKEN",
        )
    SocketModeHandler(app, settings.slack_app_token.get_secret_value()).start()


def signature_ok(secret: str, raw: bytes, timestamp: str | None, signature: str | None, now: float) -> bool:
    """Slack's request signature (v0=HMAC-SHA256 of `v0:{timestamp}:{body}`) over the raw body bytes."""
    if not timestamp or not signature or not _TIMESTAMP.fullmatch(timestamp):
        return False
    if abs(now - int(timestamp)) > SIGNATURE_MAX_AGE:
        return False
    digest = hmac.new(secret.encode("utf-8"), b"v0:" + timestamp.encode("ascii") + b":" + raw, hashlib.sha256)
    return hmac.compare_digest(f"v0={digest.hexdigest()}", signature)


def asgi_app(app: App, *, signing_secret: str | None = None, max_body: int = MAX_BODY_BYTES) -> Any:
    """Slack's HTTP endpoint as an ASGI app: size, then signature, then shape are checked (413 / 401 / 400), then
    each request is dispatched into Bolt on a worker thread (Bolt answers within Slack's 3 seconds; the work
    continues after the ack). `signing_secret` defaults to the Bolt app's own."""
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse, Response
    from starlette.routing import Route

    secret = signing_secret if signing_secret is not None else getattr(app, "_signing_secret", "")

    def refuse(status: int, why: str) -> Response:
        log.warning("refused a Slack request (%d): %s", status, why)
        return PlainTextResponse(why, status_code=status)

    async def events(request: Request) -> Response:
        declared = request.headers.get("content-length")
        if declared is not None:
            if not (declared.isascii() and declared.isdigit()):
                return refuse(400, "Content-Length is not a number")
            if int(declared) > max_body:
                return refuse(413, f"request body over {max_body} bytes")
        raw = bytearray()
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > max_body:
                return refuse(413, f"request body over {max_body} bytes")
        if secret and not signature_ok(
            secret,
            bytes(raw),
            request.headers.get("x-slack-request-timestamp"),
            request.headers.get("x-slack-signature"),
            time.time(),
        ):
            return refuse(401, "missing, stale or invalid Slack signature")
        try:
            body = bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            return refuse(400, "the body is not UTF-8")
        headers: dict[str, list[str]] = {}
        for k, v in request.headers.items():
            headers.setdefault(k.lower(), []).append(v)
        try:
            bolt_request = BoltRequest(body=body, query=request.url.query, headers=headers)
        except Exception:  # noqa: BLE001 - Bolt's parsers raise ValueError, AttributeError, TypeError, ...
            return refuse(400, "the body is not a JSON object or form Slack sends")
        if not isinstance(bolt_request.body, dict):
            return refuse(400, "the body is not a JSON object or form Slack sends")
        resp = await run_in_threadpool(app.dispatch, bolt_request)
        return Response(
            status_code=resp.status, content=resp.body, headers=resp.first_headers_without_set_cookie()
        )

    async def health(request: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(
        routes=[Route(EVENTS_PATH, events, methods=["POST"]), Route("/healthz", health, methods=["GET"])]
    )


def run_http(app: App, host: str, port: int) -> None:
    import uvicorn
    from spendscope.data.redaction import install_log_redaction

    install_log_redaction()  # access lines lose their query strings; secrets never reach the log
    uvicorn.run(asgi_app(app), host=host, port=port, log_level="info")


class Scheduler(threading.Thread):
    """Runs the triage router every `triage_minutes`, budget alerts hourly, snooze reminders every tick, the
    weekly reports from Monday 09:00 UTC and the monthly ones from the 1st 09:00 UTC. Alerts and reports go to
    every channel an owner has set (Slack, and email and Teams when configured: docs/notifications.md). Each job is
    idempotent (posting ledger), so a restart or a second replica does not post twice."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        client: WebClient,
        access: Access,
        *,
        triage_minutes: float = 15,
        tick_seconds: float = 60,
    ) -> None:
        super().__init__(name="spendscope-slack-schedule", daemon=True)
        self.store, self.settings, self.client, self.access = store, settings, client, access
        self.triage_minutes = triage_minutes
        self.tick_seconds = tick_seconds
        self.stopped = threading.Event()
        self.done: dict[str, str] = {}
        self.retry_at: dict[str, dt.datetime] = {}

    def run(self) -> None:
        while not self.stopped.is_set():
            self.tick(dt.datetime.now(dt.UTC))
            self.stopped.wait(self.tick_seconds)

    def stop(self) -> None:
        self.stopped.set()

    def due(self, now: dt.datetime) -> list[tuple[str, str]]:
        """(job, slot) pairs due at `now` that have not run in their slot yet."""
        triage_slot = (
            str(int(now.timestamp() // (self.triage_minutes * 60))) if self.triage_minutes > 0 else ""
        )
        year, week, _ = now.isocalendar()
        after = now.hour >= REPORT_HOUR
        slots = [("reminders", now.strftime("%Y-%m-%dT%H:%M")), ("budgets", now.strftime("%Y-%m-%dT%H"))]
        if triage_slot:
            slots.append(("triage", triage_slot))
        if now.weekday() > 0 or after:
            slots.append(("weekly", f"{year}-W{week}"))
        if now.day > 1 or after:
            slots.append(("monthly", now.strftime("%Y-%m")))
        return [
            (job, slot)
            for job, slot in slots
            if self.done.get(job) != slot and self.retry_at.get(job, now) <= now
        ]

    def tick(self, now: dt.datetime) -> None:
        from spendscope.slack_app.reports import run_report

        if not self.store.exists:
            return
        for job, slot in self.due(now):
            try:
                if job == "triage":
                    result = self.triage()
                elif job == "reminders":
                    result = run_report(job, self.store, self.client, self.access, as_of=now.date(), now=now)
                else:
                    result = self.report(job, now.date())
                failed = [
                    o.key for o in getattr(result, "outcomes", []) if o.status in ("failed", "in_doubt")
                ]
                failed += [f.key for f in getattr(result, "failed", [])]
                if failed:
                    log.warning(
                        "scheduled %s: %d messages failed, retried in %s", job, len(failed), RETRY_AFTER
                    )
                    self.retry_at[job] = now + RETRY_AFTER
                else:
                    self.done[job] = slot
            except SpendscopeError as exc:
                log.warning("scheduled %s failed: %s", job, exc.message)
                self.retry_at[job] = now + RETRY_AFTER
            except Exception:
                log.exception("scheduled %s failed", job)
                self.retry_at[job] = now + RETRY_AFTER

    def channels(self) -> Any:
        """Email and Teams for the scheduled jobs (docs/notifications.md); None (Slack only, logged) when their
        configuration is wrong, so a bad SMTP setting never holds back the Slack messages."""
        from spendscope.agents.notify.channels import Channels

        try:
            return Channels(self.store, self.settings)
        except SpendscopeError as exc:
            log.warning("email and Teams are off for this run: %s", exc.message)
            return None

    def report(self, kind: str, as_of: dt.date) -> Any:
        """A scheduled report to every channel each owner has set (Slack, email, Teams)."""
        from spendscope.agents.notify.reports import send_report
        from spendscope.slack_app.notify_bridge import SlackReportSender
        from spendscope.slack_app.reports import run_report

        channels = self.channels()
        if channels is None:
            return run_report(kind, self.store, self.client, self.access, as_of=as_of)
        slack = SlackReportSender(self.store, self.client, self.access)
        return send_report(kind, self.store, channels, slack, as_of=as_of)

    def triage(self) -> Any:
        from spendscope.agents.notify.channels import ChannelDelivery
        from spendscope.agents.triage import run_triage

        slack = SlackDelivery(self.store, self.client, fallback_channel=self.access.finance_channel)
        channels = self.channels()
        delivery = ChannelDelivery(channels, slack) if channels is not None else slack
        return run_triage(self.store, self.settings, delivery)
