"""A local fake of Slack's Web API on 127.0.0.1 for tests that drive the real slack_sdk WebClient and Bolt app,
plus helpers to sign requests the way Slack does.

Every `POST /api/<method>` is recorded (method, merged query/form/JSON parameters, headers) and answered like
Slack: `auth.test` names the bot, `chat.postMessage` returns a channel id and a new ts, `conversations.open`
a DM channel, `files.getUploadURLExternal` an upload URL on this server (the upload itself is recorded), the
rest `{"ok": true}`. `fail[method] = "error_code"` makes a method fail like Slack does (HTTP 200, ok false).
Response URLs (`/respond/<id>`) are recorded too.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import threading
import time
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_sdk.signature import SignatureVerifier
from spendscope.data.settings import Settings
from spendscope.data.store import Store
from spendscope.slack_app.access import Access
from spendscope.slack_app.app import build_app
from spendscope.tools.allocation.owners import SetOwnerInput, set_owner
from spendscope.tools.governance.anomalies import DetectInput, detect_anomalies

BOT_USER, BOT_ID, TEAM = "UBOT00001", "BBOT00001", "T0TEAM001"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def _channel_id(name: str) -> str:
    """A stable channel id for '#name' (Slack answers postMessage with the id)."""
    return "C" + (re.sub(r"[^A-Z0-9]", "", name.upper()) + "000000")[:10]


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.uploads: list[bytes] = []
        self.responses: list[dict[str, Any]] = []
        self.fail: dict[str, str] = {}
        self.history: list[dict[str, Any]] = []  # posted messages, for conversations.history
        self.socket_url: str | None = None  # what apps.connections.open hands out (a fake Socket Mode server)
        self._ts = int(time.time()) * 1_000_000 + 100  # message ts are epoch seconds, as in Slack
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("content-length", 0)))
                path = urllib.parse.urlparse(self.path)
                if path.path.startswith("/upload/"):
                    fake.uploads.append(raw)
                    return self._send(200, b"OK", "text/plain")
                if path.path.startswith("/respond/"):
                    fake.responses.append(json.loads(raw or b"{}"))
                    return self._send(200, b"ok", "text/plain")
                method = path.path.removeprefix("/api/")
                params: dict[str, Any] = dict(urllib.parse.parse_qsl(path.query))
                ctype = self.headers.get("content-type", "")
                if raw and "json" in ctype:
                    params.update(json.loads(raw))
                elif raw:
                    params.update(dict(urllib.parse.parse_qsl(raw.decode("utf-8"))))
                for k in ("blocks", "files", "view", "prompts"):
                    if isinstance(params.get(k), str):
                        params[k] = json.loads(params[k])
                with fake._lock:
                    fake.calls.append(Call(method, params, {k.lower(): v for k, v in self.headers.items()}))
                    body = fake.reply(method, params)
                self._send(200, json.dumps(body).encode(), "application/json")

            def _send(self, status: int, data: bytes, ctype: str) -> None:
                self.send_response(status)
                self.send_header("content-type", ctype)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str = "1") -> str:
        return f"http://127.0.0.1:{self.port}/respond/{name}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def next_ts(self) -> str:
        self._ts += 100
        return f"{self._ts // 1_000_000}.{self._ts % 1_000_000:06d}"

    def reply(self, method: str, p: dict[str, Any]) -> dict[str, Any]:
        if method in self.fail:
            return {"ok": False, "error": self.fail[method]}
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://acme.slack.com/",
                "team": "Acme",
                "user": "spendscope",
                "team_id": TEAM,
                "user_id": BOT_USER,
                "bot_id": BOT_ID,
            }
        if method in ("chat.postMessage", "chat.postEphemeral"):
            channel = str(p.get("channel", ""))
            channel = _channel_id(channel) if channel.startswith("#") else channel
            ts = self.next_ts()
            if method == "chat.postMessage":
                self.history.append(
                    {"channel": channel, "ts": ts, "text": p.get("text"), "metadata": p.get("metadata")}
                )
            return {"ok": True, "channel": channel, "ts": ts, "message": {"text": p.get("text")}}
        if method == "conversations.history":  # newest first, metadata only with include_all_metadata
            oldest = float(p.get("oldest") or 0)
            found = [
                m
                for m in reversed(self.history)
                if m["channel"] == p.get("channel") and float(m["ts"]) >= oldest
            ]
            keep = str(p.get("include_all_metadata")).lower() in ("1", "true")
            return {
                "ok": True,
                "messages": [
                    {
                        "type": "message",
                        "ts": m["ts"],
                        "text": m["text"],
                        **({"metadata": m["metadata"]} if keep and m["metadata"] else {}),
                    }
                    for m in found
                ],
                "has_more": False,
            }
        if method == "chat.update":
            return {"ok": True, "channel": p.get("channel"), "ts": p.get("ts")}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(p.get("users", "")).split(",")[0][1:]}}
        if method == "files.getUploadURLExternal":
            n = len([c for c in self.calls if c.method == method])
            return {
                "ok": True,
                "upload_url": f"http://127.0.0.1:{self.port}/upload/F{n}",
                "file_id": f"F{n:08d}",
            }
        if method == "files.completeUploadExternal":
            return {
                "ok": True,
                "files": [{"id": f["id"], "title": f.get("title")} for f in p.get("files", [])],
            }
        if method == "apps.connections.open" and self.socket_url:
            return {"ok": True, "url": self.socket_url}
        if method == "views.open":
            return {"ok": True, "view": {"id": "V0VIEW001"}}
        return {"ok": True}

    def of(self, method: str) -> list[dict[str, Any]]:
        """The parameters of every call of `method`, in order."""
        return [c.params for c in list(self.calls) if c.method == method]

    def reset(self) -> None:
        self.calls.clear()
        self.history.clear()
        self.uploads.clear()
        self.responses.clear()


class DrainingExecutor(ThreadPoolExecutor):
    """Bolt's listener executor for tests: `drain()` waits until every submitted listener has finished (work
    runs after the ack, as in production; the test waits for it deterministically instead of sleeping)."""

    def __init__(self) -> None:
        super().__init__(max_workers=4, thread_name_prefix="slack-test")
        self.futures: list[Future[Any]] = []

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        f = super().submit(fn, *args, **kwargs)
        self.futures.append(f)
        return f

    def drain(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            pending = [f for f in self.futures if not f.done()]
            if not pending:
                for f in self.futures:
                    f.result()
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(pending)} Slack listeners still running")
            time.sleep(0.01)


# ------------------------------------------------------------------------------------------ signed requests


def signed_request(
    secret: str,
    body: str,
    content_type: str,
    *,
    timestamp: int | None = None,
    headers: dict[str, str] | None = None,
    signature: str | None = None,
) -> BoltRequest:
    ts = str(timestamp if timestamp is not None else int(time.time()))
    sig = signature or SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    all_headers = {
        "content-type": [content_type],
        "x-slack-request-timestamp": [ts],
        "x-slack-signature": [sig],
    }
    for k, v in (headers or {}).items():
        all_headers[k.lower()] = [v]
    return BoltRequest(body=body, headers=all_headers)


def slash_body(
    text: str,
    *,
    user: str,
    channel: str,
    response_url: str,
    channel_name: str = "costs",
    command: str = "/spend",
) -> str:
    return urllib.parse.urlencode(
        {
            "token": "x",
            "team_id": TEAM,
            "team_domain": "acme",
            "channel_id": channel,
            "channel_name": channel_name,
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A0APP0001",
            "response_url": response_url,
            "trigger_id": "1337.42.abcd",
        }
    )


def event_body(event: dict[str, Any], event_id: str) -> str:
    return json.dumps(
        {
            "token": "x",
            "team_id": TEAM,
            "api_app_id": "A0APP0001",
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": 1_700_000_000,
            "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
        }
    )


def interaction_body(payload: dict[str, Any]) -> str:
    return "payload=" + urllib.parse.quote(json.dumps(payload))


FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


# ------------------------------------------------------------------------------------------ fixtures

SECRET = "test-signing-secret"
OWNER_CHANNELS = {"search": "C0SEARCH01", "support": "C0SUPPORT1", "data-science": "C0DATASCI1"}
OWNER_USERS = {"platform": "U0PLATFRM1"}


@pytest.fixture(scope="module", name="slack_master")
def slack_master_fixture(demo_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo store with team owners (three channels, one DM, one email-only) and detected anomalies."""
    path = tmp_path_factory.mktemp("slack") / "slack.duckdb"
    shutil.copy(demo_store.path, path)
    store = Store(path, lock_timeout=10)
    for team, channel in OWNER_CHANNELS.items():
        set_owner(store, SetOwnerInput(key="team", value=team, slack_channel=channel, author="test"))
    for team, user in OWNER_USERS.items():
        set_owner(store, SetOwnerInput(key="team", value=team, slack_user=user, author="test"))
    set_owner(store, SetOwnerInput(key="team", value="legal", email="legal@example.com", author="test"))
    detect_anomalies(store, DetectInput())
    return path


@pytest.fixture(name="slack_store")
def slack_store_fixture(slack_master: Path, tmp_path: Path) -> Store:
    """This test's own copy of the Slack master store (writes allowed)."""
    target = tmp_path / "store.duckdb"
    shutil.copy(slack_master, target)
    return Store(target, lock_timeout=10)


@pytest.fixture(name="fake")
def fake_fixture() -> Iterator[FakeSlack]:
    server = FakeSlack()
    yield server
    server.close()


def make_settings(store: Store, fake: FakeSlack, tmp_path: Path, **overrides: Any) -> Settings:
    base: dict[str, Any] = {
        "db": store.path,
        "state_dir": tmp_path / "state",
        "anthropic_api_key": None,
        "anthropic_base_url": None,
        "slack_access": None,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.url,
        "SLACK_APP_TOKEN": None,
    }
    return Settings(**{**base, **overrides})


AS_OF = dt.date(
    2026, 11, 2
)  # a Monday after the demo's last day (2026-10-31): last week and last month are whole


def build(
    store: Store, settings: Settings, access: Access | None = None, as_of: dt.date | None = AS_OF
) -> tuple[App, DrainingExecutor]:
    """The real Bolt app over `store`, with a listener executor the test can drain."""
    executor = DrainingExecutor()
    app = build_app(store, settings, access=access or Access.open(), as_of=as_of, listener_executor=executor)
    return app, executor


GOLDEN = Path(__file__).parent / "golden"


def check_golden(name: str, value: Any) -> None:
    """Compare a whole Block Kit message with tests/golden/slack_<name>.json. Regenerate on purpose with
    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_slack_*.py"""
    path = GOLDEN / f"slack_{name}.json"
    text = json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path.name} yet: run with UPDATE_GOLDEN=1"
    assert json.loads(path.read_text(encoding="utf-8")) == json.loads(text), (
        f"{path.name} changed: check the message, then regenerate with UPDATE_GOLDEN=1 on purpose"
    )
