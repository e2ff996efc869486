"""Posting one card to a Microsoft Teams webhook: an incoming webhook (answers 200 with `1`) or a Workflows
"When a Teams webhook request is received" trigger (answers 202). The URL is a credential: errors name the
webhook, never its URL.

Connection failures and refusals mean the card was not posted (the next run posts it again). A lost answer after
the request was sent (a read timeout, the connection closed before the answer) means it may have been: `InDoubt`
(agents/notify/once.py). Teams' incoming webhooks answer some failures with 200 and an error text (e.g.
`Microsoft Teams endpoint returned HTTP error 429`): that is a failure too.

Temporary failures are marked `transient=True` (tried again within the run): no connection, 408, 429 (with the
`Retry-After` seconds as `retry_after`), 500, 502, 503, 504, and the 200-with-429 text. Others (400 for a card
Teams refuses, 401/403/404 for a removed webhook) are not.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from spendscope.agents.notify.card_check import check
from spendscope.agents.notify.once import InDoubt
from spendscope.data.errors import SourceError
from spendscope.data.redaction import redact

_TRANSIENT = {408, 429, 500, 502, 503, 504}
_NOT_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.WriteError,
    httpx.WriteTimeout,
    httpx.PoolTimeout,
)
_ANSWER_LOST = (httpx.ReadTimeout, httpx.ReadError, httpx.RemoteProtocolError)


def _retry_after(resp: httpx.Response) -> float | None:
    try:
        return float(resp.headers.get("retry-after", ""))
    except ValueError:
        return None


def post_card(name: str, url: str, payload: dict[str, Any], *, timeout: float = 15.0) -> str:
    """POST a checked webhook payload; returns `teams:<status>`. Raises SourceError (not posted) or InDoubt."""
    body = json.dumps(check(payload), ensure_ascii=False).encode("utf-8")
    try:
        resp = httpx.post(
            url,
            content=body,
            headers={"Content-Type": "application/json; charset=utf-8"},
            timeout=timeout,
        )
    except _ANSWER_LOST as exc:
        raise InDoubt(
            f"Teams webhook {name!r}: no answer after the card was sent ({type(exc).__name__}); it may have "
            "been posted",
            webhook=name,
        ) from None
    except _NOT_SENT as exc:
        raise SourceError(
            f"Teams webhook {name!r} unreachable: {type(exc).__name__}", webhook=name, transient=True
        ) from None
    except httpx.HTTPError as exc:
        raise SourceError(f"Teams webhook {name!r} failed: {type(exc).__name__}", webhook=name) from None
    text = " ".join(resp.text.split())[:200]
    if resp.status_code == 429 or (resp.status_code < 300 and "HTTP error 429" in text):
        raise SourceError(
            f"Teams webhook {name!r} is rate-limited (429)",
            webhook=name,
            transient=True,
            retry_after=_retry_after(resp),
        )
    if resp.status_code >= 300:
        raise SourceError(
            f"Teams webhook {name!r} answered {resp.status_code}: {redact(text) or 'no details'}",
            webhook=name,
            transient=resp.status_code in _TRANSIENT,
        )
    if text and text != "1" and ("error" in text.lower() or "failed" in text.lower()):
        raise SourceError(f"Teams webhook {name!r} refused the card: {redact(text)}", webhook=name)
    return f"teams:{resp.status_code}"
