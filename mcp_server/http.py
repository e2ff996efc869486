"""Serving MCP over streamable HTTP: stateless JSON responses, behind request checks the SDK does not make.

`RequestChecks` runs before authentication and the MCP transport (docs/security.md):
- a body over MAX_BODY_BYTES gets 413, by its Content-Length or while it streams (nothing larger is buffered);
- a token in the URL (`?access_token=`, `?token=`, ...) gets 400: tokens go in the Authorization header only, and
  the access log never records query strings (data/redaction.py);
- GET and DELETE get 405: the server is stateless, so it offers no server-to-client stream and no session to end
  (the SDK would otherwise open an event stream that never sends or closes);
- a JSON-RPC message whose `id` is not a string or an integer (an object, a list, a fraction, true, null) gets a
  JSON-RPC `Invalid Request` error with HTTP 400; the SDK would take it for a notification and answer 202.
"""

from __future__ import annotations

import json
import signal
import urllib.parse
from collections import deque
from typing import Any

MAX_BODY_BYTES = 1024 * 1024  # tool arguments are small; run_sql's SQL is capped at 20,000 characters
TOKEN_PARAMS = frozenset(
    {"access_token", "token", "bearer", "auth", "authorization", "api_key", "apikey", "key", "id_token"}
)
INVALID_REQUEST = -32600

Scope = dict[str, Any]
Message = dict[str, Any]


async def _respond(
    send: Any, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> None:
    data = json.dumps(body).encode("utf-8")
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": data})


def _http_error(error: str, description: str) -> dict[str, Any]:
    return {"error": error, "error_description": description}


def bad_ids(payload: Any) -> list[Any]:
    """The `id`s in a JSON-RPC message (or batch) that are not a string or an integer."""
    messages = payload if isinstance(payload, list) else [payload]
    bad = []
    for message in messages:
        if not isinstance(message, dict) or "id" not in message:
            continue
        value = message["id"]
        if isinstance(value, bool) or not isinstance(value, str | int):
            bad.append(value)
    return bad


class RequestChecks:
    """ASGI middleware for the MCP endpoint at `path`; other paths and lifespan events pass through."""

    def __init__(self, app: Any, *, path: str = "/mcp", max_body: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.path = path.rstrip("/")
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].rstrip("/") != self.path:
            await self.app(scope, receive, send)
            return
        query = urllib.parse.parse_qs(
            scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True
        )
        if any(name.lower() in TOKEN_PARAMS for name in query):
            await _respond(
                send,
                400,
                _http_error(
                    "invalid_request",
                    "tokens are not accepted in URLs (they end up in logs and proxies); "
                    "send them as `Authorization: Bearer <token>`",
                ),
            )
            return
        if scope["method"] != "POST":
            await _respond(
                send,
                405,
                _http_error(
                    "method_not_allowed",
                    "this MCP server is stateless: POST JSON-RPC messages to it; it opens no event stream "
                    "(GET) and keeps no session to end (DELETE)",
                ),
                {"allow": "POST"},
            )
            return
        body = await self._read(scope, send, receive)
        if body is None:
            return
        try:
            payload = json.loads(body) if body else None
        except (ValueError, UnicodeDecodeError):
            payload = None  # the SDK answers malformed JSON with its own parse error
        wrong = bad_ids(payload)
        if wrong:
            await _respond(
                send,
                400,
                {
                    "jsonrpc": "2.0",
                    "id": None,
                    "error": {
                        "code": INVALID_REQUEST,
                        "message": f"Invalid Request: id must be a string or an integer, got {json.dumps(wrong[0])[:80]}",
                    },
                },
            )
            return
        await self.app(scope, _replay(body, receive), send)

    async def _read(self, scope: Scope, send: Any, receive: Any) -> bytes | None:
        """The whole body, or None after answering 413."""
        too_large = _http_error("request_too_large", f"the request body is over {self.max_body} bytes")
        for name, value in scope.get("headers", []):
            if name.lower() == b"content-length":
                if not value.isdigit():
                    await _respond(
                        send, 400, _http_error("invalid_request", "Content-Length is not a number")
                    )
                    return None
                if int(value) > self.max_body:
                    await _respond(send, 413, too_large)
                    return None
        chunks = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return bytes(chunks)
            chunks += message.get("body", b"")
            if len(chunks) > self.max_body:
                await _respond(send, 413, too_large)
                return None
            if not message.get("more_body", False):
                return bytes(chunks)


def _replay(body: bytes, receive: Any) -> Any:
    pending: deque[Message] = deque([{"type": "http.request", "body": body, "more_body": False}])

    async def replay() -> Message:
        if pending:
            return pending.popleft()
        return await receive()

    return replay


class Beside:
    """/mcp (and below it) to the MCP app, every other path to `other` (the web dashboard, mounted beside /mcp by
    the CLI: this layer never imports it). Lifespan events go to the MCP app, whose session manager needs them."""

    def __init__(self, mcp_app: Any, other: Any, path: str = "/mcp") -> None:
        self.mcp_app, self.other, self.path = mcp_app, other, path

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if scope["type"] == "lifespan" or path == self.path or path.startswith(self.path + "/"):
            await self.mcp_app(scope, receive, send)
        else:
            await self.other(scope, receive, send)


def http_app(server: Any, host: str, *, max_body: int = MAX_BODY_BYTES, beside: Any = None) -> Any:
    """The ASGI app of `server` (an MCPServer): the SDK's stateless streamable-HTTP app behind RequestChecks;
    with `beside`, that ASGI app answers every path but /mcp."""
    app = server.streamable_http_app(
        stateless_http=True, json_response=True, host=host, max_request_body_size=max_body
    )
    checked = RequestChecks(app, path="/mcp", max_body=max_body)
    return checked if beside is None else Beside(checked, beside)


async def serve(
    server: Any, host: str, port: int, *, max_body: int = MAX_BODY_BYTES, beside: Any = None
) -> None:
    """Serve `server` with uvicorn until stopped. SIGHUP reloads the bearer tokens file (`server.tokens`)."""
    import uvicorn
    from spendscope.data.redaction import install_log_redaction

    install_log_redaction()  # secrets masked in every log line; access lines lose their query strings
    tokens = getattr(server, "tokens", None)
    if tokens is not None and hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, lambda *_: tokens.reload())
    config = uvicorn.Config(
        http_app(server, host, max_body=max_body, beside=beside),
        host=host,
        port=port,
        log_level=str(server.settings.log_level).lower(),
    )
    await uvicorn.Server(config).serve()
