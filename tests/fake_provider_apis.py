"""Local fake provider APIs on 127.0.0.1 for the sync tests: the OpenAI Usage/Costs API and the Anthropic
Admin usage and cost reports, serving the documented response shapes (FORMATS.md 3.1-3.2, the OpenAI
OpenAPI examples) with cursor pagination, scripted 429/5xx answers, and 401/403 for bad keys."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Route = Callable[[str, str, dict[str, list[str]], dict[str, str], bytes], tuple[int, dict[str, str], bytes]]


class FakeServer:
    """A threaded HTTP server on 127.0.0.1:<free port> that hands every request to `route`."""

    def __init__(self, route: Route) -> None:
        self.route = route
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, out_headers, payload = outer.route(
                    self.command, parts.path, parse_qs(parts.query), headers, body
                )
                self.send_response(status)
                out_headers = {"content-type": "application/json", **out_headers}
                for k, v in out_headers.items():
                    self.send_header(k, v)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = _serve
            do_POST = _serve

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> FakeServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _json(
    status: int, obj: object, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    return status, headers or {}, json.dumps(obj).encode("utf-8")


def _days(start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    out, d = [], start
    while d < end:
        out.append(d)
        d += dt.timedelta(days=1)
    return out


@dataclass
class FakeAdminApi:
    """State shared by both fakes: data rows, scripted failures and a request log."""

    key: str = "sk-admin-good"
    forbidden_key: str = "sk-admin-weak"
    costs: list[dict[str, Any]] = field(default_factory=list)
    usage: list[dict[str, Any]] = field(default_factory=list)
    failures: dict[str, list[int]] = field(default_factory=dict)  # path -> statuses to answer first
    requests: list[tuple[str, dict[str, list[str]]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _failure(self, path: str) -> tuple[int, dict[str, str], bytes] | None:
        with self.lock:
            queue = self.failures.get(path)
            if queue:
                status = queue.pop(0)
                return _json(
                    status,
                    {"error": {"message": "slow down", "type": "rate_limit_error"}},
                    {"retry-after": "0"},
                )
        return None

    @staticmethod
    def _page(buckets: list[dict], query: dict[str, list[str]], default_limit: int) -> dict:
        limit = int(query.get("limit", [default_limit])[0])
        offset = int(query.get("page", ["page_0"])[0].split("_")[1])
        chunk = buckets[offset : offset + limit]
        more = offset + limit < len(buckets)
        return {"data": chunk, "has_more": more, "next_page": f"page_{offset + limit}" if more else None}


class FakeOpenAI(FakeAdminApi):
    """/v1/organization/costs and /v1/organization/usage/{completions,embeddings}."""

    def route(
        self, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        self.requests.append((path, query))
        auth = headers.get("authorization", "")
        if auth == f"Bearer {self.forbidden_key}":
            return _json(
                403, {"error": {"message": "insufficient permissions", "type": "invalid_request_error"}}
            )
        if auth != f"Bearer {self.key}":
            return _json(
                401, {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}}
            )
        failure = self._failure(path)
        if failure:
            return failure
        start = dt.datetime.fromtimestamp(int(query["start_time"][0]), dt.UTC)
        end = dt.datetime.fromtimestamp(int(query["end_time"][0]), dt.UTC)
        start = start.replace(hour=0, minute=0, second=0)
        if path == "/v1/organization/costs":
            rows, obj = self.costs, "organization.costs.result"
        elif path.startswith("/v1/organization/usage/"):
            kind = path.rsplit("/", 1)[1]
            rows = [u for u in self.usage if u.get("endpoint", "completions") == kind]
            obj = f"organization.usage.{kind}.result"
        else:
            return _json(404, {"error": {"message": "not found"}})
        buckets = []
        for day in _days(start, end):
            results = []
            for r in rows:
                if r["day"] != day.date():
                    continue
                item = {k: v for k, v in r.items() if k not in ("day", "endpoint")}
                if obj == "organization.costs.result":
                    item = {
                        "object": obj,
                        "amount": {"value": r["amount"], "currency": "usd"},
                        "line_item": r.get("line_item"),
                        "project_id": r.get("project_id"),
                        "api_key_id": r.get("api_key_id"),
                        "quantity": r.get("quantity"),
                        "quantity_unit": r.get("quantity_unit"),
                    }
                else:
                    item = {"object": obj, **item}
                results.append(item)
            buckets.append(
                {
                    "object": "bucket",
                    "start_time": int(day.timestamp()),
                    "end_time": int((day + dt.timedelta(days=1)).timestamp()),
                    "results": results,
                }
            )
        page = self._page(buckets, query, 7)
        return _json(200, {"object": "page", **page})


class FakeAnthropic(FakeAdminApi):
    """/v1/organizations/cost_report and /v1/organizations/usage_report/messages."""

    def route(
        self, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        self.requests.append((path, query))
        key = headers.get("x-api-key", "")
        if key == self.forbidden_key:
            return _json(
                403, {"type": "error", "error": {"type": "permission_error", "message": "forbidden"}}
            )
        if key != self.key or not headers.get("anthropic-version"):
            return _json(
                401, {"type": "error", "error": {"type": "authentication_error", "message": "invalid"}}
            )
        failure = self._failure(path)
        if failure:
            return failure
        start = dt.datetime.fromisoformat(query["starting_at"][0].replace("Z", "+00:00"))
        end = dt.datetime.fromisoformat(query["ending_at"][0].replace("Z", "+00:00"))
        start = start.replace(hour=0, minute=0, second=0)
        if path == "/v1/organizations/cost_report":
            rows = self.costs
        elif path == "/v1/organizations/usage_report/messages":
            rows = self.usage
        else:
            return _json(404, {"type": "error", "error": {"type": "not_found_error", "message": "not found"}})
        buckets = []
        for day in _days(start, end):
            results = [{k: v for k, v in r.items() if k != "day"} for r in rows if r["day"] == day.date()]
            buckets.append(
                {
                    "starting_at": day.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "ending_at": (day + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "results": results,
                }
            )
        return _json(200, self._page(buckets, query, 7))


# --- fake model APIs for the telemetry wrapper tests (the real anthropic/openai SDKs talk to these) ---------


def _sse(events: list[tuple[str | None, dict | str]]) -> bytes:
    out = []
    for name, data in events:
        text = data if isinstance(data, str) else json.dumps(data)
        out.append((f"event: {name}\n" if name else "") + f"data: {text}\n\n")
    return "".join(out).encode("utf-8")


@dataclass
class FakeModels:
    """POST /v1/messages (Anthropic), /v1/chat/completions, /v1/responses and /v1/embeddings (OpenAI)."""

    bodies: list[dict[str, Any]] = field(default_factory=list)

    def route(
        self, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        req = json.loads(body or b"{}")
        self.bodies.append({"path": path, **req})
        model = req.get("model", "")
        if model == "no-such-model":
            return _json(
                404, {"type": "error", "error": {"type": "not_found_error", "message": "model not found"}}
            )
        stream = bool(req.get("stream"))
        sse = {"content-type": "text/event-stream"}
        if path == "/v1/messages":
            usage = {
                "input_tokens": 120,
                "output_tokens": 45,
                "cache_read_input_tokens": 1000,
                "cache_creation_input_tokens": 200,
                "cache_creation": {"ephemeral_5m_input_tokens": 50, "ephemeral_1h_input_tokens": 150},
                # the tier and geography the request ran at, as the Messages API reports them
                "service_tier": "priority" if req.get("service_tier") == "auto" else "standard",
                "inference_geo": req.get("inference_geo") or "global",
            }
            if not stream:
                return _json(
                    200,
                    {
                        "id": "msg_1",
                        "type": "message",
                        "role": "assistant",
                        "model": model,
                        "content": [{"type": "text", "text": "SECRET-COMPLETION"}],
                        "stop_reason": "end_turn",
                        "stop_sequence": None,
                        "usage": usage,
                    },
                )
            start = {**usage, "output_tokens": 1}
            return (
                200,
                sse,
                _sse(
                    [
                        (
                            "message_start",
                            {
                                "type": "message_start",
                                "message": {
                                    "id": "msg_2",
                                    "type": "message",
                                    "role": "assistant",
                                    "model": model,
                                    "content": [],
                                    "stop_reason": None,
                                    "stop_sequence": None,
                                    "usage": start,
                                },
                            },
                        ),
                        (
                            "content_block_start",
                            {
                                "type": "content_block_start",
                                "index": 0,
                                "content_block": {"type": "text", "text": ""},
                            },
                        ),
                        (
                            "content_block_delta",
                            {
                                "type": "content_block_delta",
                                "index": 0,
                                "delta": {"type": "text_delta", "text": "SECRET-"},
                            },
                        ),
                        (
                            "content_block_delta",
                            {
                                "type": "content_block_delta",
                                "index": 0,
                                "delta": {"type": "text_delta", "text": "COMPLETION"},
                            },
                        ),
                        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
                        (
                            "message_delta",
                            {
                                "type": "message_delta",
                                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                                "usage": {"output_tokens": 45},
                            },
                        ),
                        ("message_stop", {"type": "message_stop"}),
                    ]
                ),
            )
        if path == "/v1/chat/completions":
            usage = {
                "prompt_tokens": 300,
                "completion_tokens": 80,
                "total_tokens": 380,
                "prompt_tokens_details": {"cached_tokens": 100},
                "completion_tokens_details": {"reasoning_tokens": 30},
            }
            base = {
                "id": "chatcmpl-1",
                "created": 1764201600,
                "model": f"{model}-2024-07-18",
                "service_tier": req.get("service_tier") or "default",  # the tier OpenAI served the request at
            }
            if not stream:
                return _json(
                    200,
                    {
                        **base,
                        "object": "chat.completion",
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": "SECRET-COMPLETION"},
                                "finish_reason": "stop",
                            }
                        ],
                        "usage": usage,
                    },
                )
            chunk = {**base, "object": "chat.completion.chunk"}
            events: list[tuple[str | None, dict | str]] = [
                (
                    None,
                    {
                        **chunk,
                        "choices": [
                            {
                                "index": 0,
                                "delta": {"role": "assistant", "content": "SECRET-"},
                                "finish_reason": None,
                            }
                        ],
                    },
                ),
                (
                    None,
                    {
                        **chunk,
                        "choices": [
                            {"index": 0, "delta": {"content": "COMPLETION"}, "finish_reason": "stop"}
                        ],
                    },
                ),
            ]
            if (req.get("stream_options") or {}).get("include_usage"):
                events.append((None, {**chunk, "choices": [], "usage": usage}))
            events.append((None, "[DONE]"))
            return 200, sse, _sse(events)
        if path == "/v1/responses":
            usage = {
                "input_tokens": 500,
                "input_tokens_details": {"cached_tokens": 200},
                "output_tokens": 90,
                "output_tokens_details": {"reasoning_tokens": 40},
                "total_tokens": 590,
            }
            resp = {
                "id": "resp_1",
                "object": "response",
                "created_at": 1764201600,
                "status": "completed",
                "model": model,
                "output": [
                    {
                        "type": "message",
                        "id": "msg_1",
                        "status": "completed",
                        "role": "assistant",
                        "content": [{"type": "output_text", "text": "SECRET-COMPLETION", "annotations": []}],
                    }
                ],
                "parallel_tool_calls": True,
                "tool_choice": "auto",
                "tools": [],
                "usage": usage,
            }
            if not stream:
                return _json(200, resp)
            pending = {**resp, "status": "in_progress", "output": [], "usage": None}
            return (
                200,
                sse,
                _sse(
                    [
                        (
                            "response.created",
                            {"type": "response.created", "sequence_number": 0, "response": pending},
                        ),
                        (
                            "response.output_text.delta",
                            {
                                "type": "response.output_text.delta",
                                "sequence_number": 1,
                                "item_id": "msg_1",
                                "output_index": 0,
                                "content_index": 0,
                                "delta": "SECRET-COMPLETION",
                                "logprobs": [],
                            },
                        ),
                        (
                            "response.completed",
                            {"type": "response.completed", "sequence_number": 2, "response": resp},
                        ),
                    ]
                ),
            )
        if path == "/v1/embeddings":
            return _json(
                200,
                {
                    "object": "list",
                    "model": model,
                    "data": [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2]}],
                    "usage": {"prompt_tokens": 12, "total_tokens": 12},
                },
            )
        return _json(404, {"error": {"message": f"no route {path}"}})
