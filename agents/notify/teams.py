"""Posting one card to a Microsoft Teams webhook: an incoming webhook (answers 200 with `1`) or a Workflows
"When a Teams webhook request is received" trigger (answers 202). The URL is a credential: errors name the
webhook, never its URL.

Connection failures and refusals mean the card was not posted (the next run posts it again). A read timeout after
the request was sent means it may have been: `InDoubt` (agents/notify/once.py). Teams' incoming webhooks answer
some failures with 200 and an error text (e.g. `Microsoft Teams endpoint returned HTTP error 429`): that is a
failure too.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from spendscope.agents.notify.card_check import check
from spendscope.agents.notify.once import InDoubt
from spendscope.data.errors import SourceError
from spendscope.data.redaction import redact


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
    except httpx.ReadTimeout:
        raise InDoubt(
            f"Teams webhook {name!r}: no answer within {timeout:g}s after the card was sent; it may have been posted",
            webhook=name,
        ) from None
    except httpx.HTTPError as exc:
        raise SourceError(f"Teams webhook {name!r} unreachable: {type(exc).__name__}", webhook=name) from None
    text = " ".join(resp.text.split())[:200]
    if resp.status_code == 429:
        raise SourceError(
            f"Teams webhook {name!r} is rate-limited (429); retried on the next run", webhook=name
        )
    if resp.status_code >= 300:
        raise SourceError(
            f"Teams webhook {name!r} answered {resp.status_code}: {redact(text) or 'no details'}",
            webhook=name,
        )
    if text and text != "1" and ("error" in text.lower() or "failed" in text.lower()):
        raise SourceError(f"Teams webhook {name!r} refused the card: {redact(text)}", webhook=name)
    return f"teams:{resp.status_code}"
