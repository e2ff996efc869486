"""Sending one email or Teams message at most once per key, through the posting ledger the Slack app uses
(`_slack_posts`, tools.triage.post_ledger), so `spendscope deliveries` shows every channel in one place.

A send `claim`s its key, records where it is going, sends, then records the outcome: `posted` with the reference
the channel returned (the email's Message-ID, the webhook's status), or `failed` with the error (the next run sends
it again). Two things can leave an attempt without an outcome:

- the process died between the send and the record (kill -9, a power cut);
- the channel's answer was lost after the whole message had gone out (the connection dropped after the SMTP
  server had the final `.`, or an HTTP read timed out after the request was sent): `InDoubt`.

Neither SMTP nor a Teams webhook can be asked afterwards whether the message arrived, so such an attempt keeps its
claim: for STALE_AFTER (5 minutes) nobody sends it again, then the next run sends it again under the same key
(email: the same Message-ID, which mail stores that de-duplicate drop). Exactly once therefore holds except in that
window, where a message can arrive twice but is never lost (docs/notifications.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel
from spendscope.data.errors import SourceError, SpendscopeError
from spendscope.data.redaction import redact
from spendscope.data.store import Store
from spendscope.tools.triage import post_ledger

Status = Literal["sent", "already_sent", "would_send", "failed", "in_doubt", "in_progress"]


class InDoubt(SourceError):
    """The message may have gone out: the channel's answer was lost after the whole message was sent."""

    code = "delivery_in_doubt"


class Sent(BaseModel):
    key: str
    status: Status
    ref: str | None = None
    error: str | None = None
    resent: bool = False  # an earlier attempt of this key never recorded its outcome: sent again


def send_once(
    store: Store,
    key: str,
    kind: str,
    target: str,
    payload: dict[str, Any],
    send: Callable[[], str],
    *,
    dry_run: bool = False,
) -> Sent:
    """Send under `key` unless it went out before; `send()` returns the channel's reference for the message."""
    done = post_ledger.get_post(store, key)
    if done is not None and done.status in ("posted", "skipped"):
        return Sent(key=key, status="already_sent", ref=done.ts)
    if dry_run:
        return Sent(key=key, status="would_send")
    in_doubt_before = done is not None and done.status == "claimed"
    if post_ledger.claim_post(store, key, kind, payload) is None:
        again = post_ledger.get_post(store, key)
        if again is not None and again.status in ("posted", "skipped"):
            return Sent(key=key, status="already_sent", ref=again.ts)
        return Sent(
            key=key,
            status="in_progress",
            error="another run is sending it, or an attempt whose outcome is unknown began less than "
            f"{int(post_ledger.STALE_AFTER.total_seconds() // 60)} minutes ago; the next run sends it",
        )
    post_ledger.note_channel(store, key, target)  # before sending: a crash leaves the claim and its target
    try:
        ref = send()
    except InDoubt as exc:  # keep the claim: not sent again before it goes stale
        return Sent(key=key, status="in_doubt", error=exc.message)
    except Exception as exc:  # noqa: BLE001 - one message that cannot go out must not hold back the others
        message = (
            exc.message if isinstance(exc, SpendscopeError) else redact(f"{type(exc).__name__}: {exc}")[:300]
        )
        post_ledger.mark_failed(store, key, message)
        return Sent(key=key, status="failed", error=message)
    post_ledger.mark_posted(store, key, target, ref)
    return Sent(key=key, status="sent", ref=ref, resent=in_doubt_before)
