"""`spendscope mcp --http` limits and token life cycle (issue 19), end to end against the real CLI server: body size,
GET in stateless mode, JSON-RPC ids, tokens in URLs, the tokens file reloaded on change and on SIGHUP, expiry, and
no OAuth metadata naming an authorization server that does not exist."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from spendscope.data.store import Store

OWNER = "owner-token-0123456789abcdef"
LEAVER = "leaver-token-0123456789abcde"
OTHER = "other-token-0123456789abcdef"  # same length as LEAVER: swapping them keeps the file's size
EXPIRED = "expired-token-0123456789abcd"
FUTURE = "future-token-0123456789abcde"
ACCEPT = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
LIST = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"},
    },
}


def _tokens(*present: str) -> str:
    entries = {
        OWNER: "  identity: owner\n",
        LEAVER: "  identity: leaver\n",
        OTHER: "  identity: other\n",
        EXPIRED: "  identity: old-contractor\n  expires: 2020-01-31\n",
        FUTURE: "  identity: new-contractor\n  expires: 2999-01-01T00:00:00Z\n",
    }
    return "".join(f"{t}:\n{entries[t]}" for t in present)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    def __init__(self, url: str, tokens: Path, log: Path, proc: subprocess.Popen) -> None:
        self.url, self.tokens, self.log, self.proc = url, tokens, log, proc

    def post(self, body: object, token: str | None = OWNER, **kw: object) -> httpx.Response:
        headers = {**ACCEPT, **({"Authorization": f"Bearer {token}"} if token else {})}
        return httpx.post(self.url, json=body, headers=headers, timeout=10, **kw)  # type: ignore[arg-type]

    def status(self, token: str) -> int:
        return self.post(INIT, token).status_code


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("mcp_limits")
    store = Store(folder / "s.duckdb", lock_timeout=10)
    store.ensure_schema()
    tokens = folder / "tokens.yaml"
    tokens.write_text(_tokens(OWNER, LEAVER, EXPIRED, FUTURE), encoding="utf-8")
    tokens.chmod(0o644)  # readable by everyone: the server must say so
    port = _free_port()
    log = folder / "server.log"
    out = log.open("w", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "spendscope", "mcp", "--http", "--port", str(port), "--tokens", str(tokens)]
        + ["--db", str(store.path)],
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log.read_text(encoding="utf-8")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.1)
        yield Served(f"http://127.0.0.1:{port}/mcp", tokens, log, proc)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        out.close()


def test_a_body_over_the_limit_gets_413_before_authentication(served: Served) -> None:
    big = b'{"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"x": "' + b"x" * (2 << 20) + b'"}}'
    declared = httpx.post(served.url, content=big, headers=ACCEPT, timeout=30)
    streamed = httpx.post(
        served.url, content=iter([big[:900_000], big[900_000:]]), headers=ACCEPT, timeout=30
    )
    assert declared.status_code == 413 and streamed.status_code == 413
    assert served.post(LIST).status_code == 200


def test_an_authenticated_get_is_answered_at_once_not_held_open(served: Served) -> None:
    started = time.monotonic()
    resp = httpx.get(
        served.url, headers={"Accept": "text/event-stream", "Authorization": f"Bearer {OWNER}"}, timeout=10
    )
    assert resp.status_code == 405 and resp.headers["allow"] == "POST"
    assert time.monotonic() - started < 5
    assert (
        httpx.delete(served.url, headers={"Authorization": f"Bearer {OWNER}"}, timeout=10).status_code == 405
    )


@pytest.mark.parametrize("bad_id", [{"a": 1}, [1], 1.5, True, None])
def test_a_request_whose_id_is_not_a_string_or_an_integer_gets_an_error_not_202(
    served: Served, bad_id: object
) -> None:
    resp = served.post({**LIST, "id": bad_id})
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == -32600 and resp.json()["id"] is None


def test_string_and_integer_ids_and_notifications_still_work(served: Served) -> None:
    assert served.post({**INIT, "id": "req-1"}).json()["id"] == "req-1"
    assert served.post({**INIT, "id": 7}).json()["id"] == 7
    note = served.post({"jsonrpc": "2.0", "method": "notifications/initialized"})
    assert note.status_code == 202


def test_a_token_in_the_url_is_refused_and_never_logged(served: Served) -> None:
    resp = httpx.post(f"{served.url}?access_token={OWNER}", json=LIST, headers=ACCEPT, timeout=10)
    assert resp.status_code == 400 and "Authorization" in resp.json()["error_description"]
    time.sleep(0.3)
    assert OWNER not in served.log.read_text(encoding="utf-8")


def test_a_token_removed_from_the_file_stops_working_without_a_restart(served: Served) -> None:
    before = served.tokens.read_text(encoding="utf-8")
    assert served.status(LEAVER) == 200
    try:
        served.tokens.write_text(_tokens(OWNER, EXPIRED, FUTURE), encoding="utf-8")
        assert served.status(LEAVER) == 401
        assert served.status(OWNER) == 200
    finally:
        served.tokens.write_text(before, encoding="utf-8")
    assert served.status(LEAVER) == 200


def test_sighup_reloads_the_tokens_file_even_when_it_looks_unchanged(served: Served) -> None:
    before = served.tokens.read_text(encoding="utf-8")
    st = os.stat(served.tokens)
    try:
        # same size, same inode, same mtime: only a forced reload can notice the swap
        with served.tokens.open("r+", encoding="utf-8") as f:
            f.write(before.replace(LEAVER, OTHER))
        os.utime(served.tokens, ns=(st.st_atime_ns, st.st_mtime_ns))
        assert served.status(LEAVER) == 200  # not noticed yet
        served.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 5
        while served.status(LEAVER) != 401:
            assert time.monotonic() < deadline, "SIGHUP did not reload the tokens"
            time.sleep(0.05)
        assert served.status(OTHER) == 200
    finally:
        served.tokens.write_text(before, encoding="utf-8")
        served.proc.send_signal(signal.SIGHUP)
    assert served.proc.poll() is None


def test_an_expired_token_is_refused_and_one_expiring_later_works(served: Served) -> None:
    assert served.status(EXPIRED) == 401
    assert served.status(FUTURE) == 200


def test_a_broken_tokens_file_refuses_every_token_until_it_is_fixed(served: Served) -> None:
    before = served.tokens.read_text(encoding="utf-8")
    try:
        served.tokens.write_text("this: [is not: valid", encoding="utf-8")
        assert served.status(OWNER) == 401
    finally:
        served.tokens.write_text(before, encoding="utf-8")
    assert served.status(OWNER) == 200
    assert re.search(r"ERROR\s+tokens file", served.log.read_text(encoding="utf-8"))  # said, in the log


def test_no_oauth_metadata_points_at_an_authorization_server_that_does_not_exist(served: Served) -> None:
    base = served.url.removesuffix("/mcp")
    for path in ("/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"):
        assert httpx.get(base + path, timeout=10).status_code == 404
    refused = served.post(INIT, token=None)
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"].startswith("Bearer")
    assert "resource_metadata" not in refused.headers["www-authenticate"]


def test_a_tokens_file_readable_by_others_is_warned_about_at_start(served: Served) -> None:
    assert "chmod 600" in served.log.read_text(encoding="utf-8")
