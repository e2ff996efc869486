"""`spendscope slack --http` limits (issue 19): the ASGI endpoint served by uvicorn checks size, then signature,
then shape, and answers 413 / 401 / 400, never 500 and never after buffering a body it will refuse. Driven over
real HTTP against the real Bolt app and a local fake Slack Web API."""

from __future__ import annotations

import hashlib
import hmac
import logging
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fake_slack_api import (  # noqa: F401 - the *_fixture names are pytest fixtures
    FORM,
    JSON,
    SECRET,
    FakeSlack,
    build,
    fake_fixture,
    make_settings,
    slack_master_fixture,
    slack_store_fixture,
    slash_body,
)
from spendscope.data.redaction import install_log_redaction
from spendscope.data.store import Store
from spendscope.slack_app.server import MAX_BODY_BYTES, asgi_app

ALICE, COSTS = "U0ALICE001", "C0COSTS001"


def _sign(body: bytes, ts: str | None = None) -> dict[str, str]:
    ts = ts or str(int(time.time()))
    digest = hmac.new(SECRET.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {"x-slack-request-timestamp": ts, "x-slack-signature": f"v0={digest}"}


@pytest.fixture
def served(slack_store: Store, fake: FakeSlack, tmp_path: Path) -> Iterator[str]:
    import uvicorn

    app, work = build(slack_store, make_settings(slack_store, fake, tmp_path))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(asgi_app(app), host="127.0.0.1", port=port, log_level="info"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
        work.drain()
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_an_oversized_unsigned_body_gets_413_before_it_is_read(served: str) -> None:
    declared = {"content-type": FORM, "content-length": str(100 * 1024 * 1024)}
    url = urllib.parse.urlsplit(served)
    with socket.create_connection((url.hostname, url.port), timeout=10) as raw:
        head = "".join(f"{k}: {v}\r\n" for k, v in declared.items())
        raw.sendall(f"POST /slack/events HTTP/1.1\r\nhost: x\r\n{head}\r\n".encode() + b"x" * 1024)
        started = time.monotonic()
        answer = raw.recv(4096).decode("latin-1")
    assert answer.startswith("HTTP/1.1 413") and time.monotonic() - started < 5


def test_an_oversized_body_without_a_length_gets_413_while_it_streams(served: str) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(3):
            yield b"x" * MAX_BODY_BYTES

    resp = httpx.post(f"{served}/slack/events", content=chunks(), headers={"content-type": FORM}, timeout=30)
    assert resp.status_code == 413


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b"token=x&text=hi", {}),  # unsigned
        (b"token=x&text=hi", {"x-slack-request-timestamp": "now", "x-slack-signature": "v0=00"}),
        (
            b"token=x&text=hi",
            {"x-slack-request-timestamp": ("\u0663" * 10).encode(), "x-slack-signature": "v0=00"},
        ),
        (
            b"\xff\xfe not utf-8",
            {"x-slack-request-timestamp": str(int(time.time())), "x-slack-signature": "v0=0"},
        ),
        (b"token=x", _sign(b"token=x", ts=str(int(time.time()) - 600))),  # stale
        (b"token=x", _sign(b"token=y")),  # signed for another body
    ],
)
def test_unsigned_stale_or_malformed_signatures_get_401(served: str, body: bytes, headers: dict) -> None:
    resp = httpx.post(f"{served}/slack/events", content=body, headers={"content-type": FORM, **headers})
    assert resp.status_code == 401


@pytest.mark.parametrize(
    ("body", "ctype"),
    [
        (b"\xff\xfe not utf-8", FORM),
        (b'{"type": "event_callback", "event": ', JSON),
        (b"[1, 2, 3]", JSON),
        (b'"just a string"', JSON),
        (b"payload=%7Bnot%20json", FORM),
        (b"payload=%5B1%5D", FORM),
    ],
)
def test_signed_bodies_that_are_not_slack_payloads_get_400(served: str, body: bytes, ctype: str) -> None:
    resp = httpx.post(f"{served}/slack/events", content=body, headers={"content-type": ctype, **_sign(body)})
    assert resp.status_code == 400


def test_a_signed_slash_command_still_works(served: str, fake: FakeSlack) -> None:
    body = slash_body("help", user=ALICE, channel=COSTS, response_url=fake.response_url()).encode()
    resp = httpx.post(f"{served}/slack/events", content=body, headers={"content-type": FORM, **_sign(body)})
    assert resp.status_code == 200


def test_the_access_log_never_records_a_query_string(served: str) -> None:
    install_log_redaction()
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    handler = Keep()
    logging.getLogger("uvicorn.access").addHandler(handler)
    try:
        assert httpx.get(f"{served}/healthz?token=xoxb-0000-secret-in-url&x=1").status_code == 200
        deadline = time.monotonic() + 5
        while not lines and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        logging.getLogger("uvicorn.access").removeHandler(handler)
    assert lines and all("secret-in-url" not in line and "x=1" not in line for line in lines), lines
    assert any("/healthz?***" in line for line in lines)


def test_a_slack_payload_under_the_limit_is_not_refused_for_its_size(served: str, fake: FakeSlack) -> None:
    body = slash_body("help", user=ALICE, channel=COSTS, response_url=fake.response_url()).encode()
    body += b"&filler=" + b"x" * (MAX_BODY_BYTES - len(body) - 100)
    resp = httpx.post(f"{served}/slack/events", content=body, headers={"content-type": FORM, **_sign(body)})
    assert resp.status_code == 200
