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

Within one run, a temporary failure (a SourceError marked `transient=True`: SMTP 4xx, HTTP 429 or 5xx, a refused
or reset connection before the message went out) is tried again with tenacity, `RetryPolicy.attempts` tries in
all, waiting `wait` seconds then doubling (capped at 30 s; a Teams `Retry-After` within the cap wins). A permanent
refusal (a 5xx SMTP answer, a refused login, HTTP 400) and an InDoubt are never retried within the run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel
from spendscope.data.errors import SourceError, SpendscopeError
from spendscope.data.redaction import redact
from spendscope.data.store import Store
from spendscope.tools.triage import post_ledger
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

Status = Literal["sent", "already_sent", "would_send", "failed", "in_doubt", "in_progress"]


class InDoubt(SourceError):
    """The message may have gone out: the channel's answer was lost after the whole message was sent."""

    code = "delivery_in_doubt"


MAX_WAIT = 30.0


class RetryPolicy(BaseModel):
    """Tries of one message within one run (Settings.delivery_attempts, delivery_retry_wait)."""

    attempts: int = 3
    wait: float = 2.0


class Sent(BaseModel):
    key: str
    status: Status
    ref: str | None = None
    error: str | None = None
    resent: bool = False  # an earlier attempt of this key never recorded its outcome: sent again
    tries: int = 0  # sends attempted in this run


def transient(exc: BaseException) -> bool:
    """A failure worth trying again now: marked transient by the channel, and surely not sent (not InDoubt)."""
    return (
        isinstance(exc, SourceError) and not isinstance(exc, InDoubt) and exc.details.get("transient") is True
    )


def _wait(policy: RetryPolicy) -> Callable[[RetryCallState], float]:
    def wait(state: RetryCallState) -> float:
        if policy.wait <= 0:
            return 0.0
        backoff = policy.wait * 2 ** (state.attempt_number - 1)
        exc = state.outcome.exception() if state.outcome is not None else None
        asked = exc.details.get("retry_after") if isinstance(exc, SpendscopeError) else None
        if isinstance(asked, int | float) and asked > backoff:
            backoff = float(asked)
        return min(backoff, MAX_WAIT)

    return wait


def retrying(policy: RetryPolicy) -> Retrying:
    """tenacity's loop for one message: transient failures only, `policy.attempts` tries, doubling waits."""
    return Retrying(
        stop=stop_after_attempt(policy.attempts),
        wait=_wait(policy),
        retry=retry_if_exception(transient),
        reraise=True,
    )


def send_once(
    store: Store,
    key: str,
    kind: str,
    target: str,
    payload: dict[str, Any],
    send: Callable[[], str],
    *,
    dry_run: bool = False,
    retry: RetryPolicy | None = None,
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
    tries = 0

    def attempt() -> str:
        nonlocal tries
        tries += 1
        return send()

    try:
        ref = retrying(retry or RetryPolicy())(attempt)
    except InDoubt as exc:  # keep the claim: not sent again before it goes stale
        return Sent(key=key, status="in_doubt", error=exc.message, tries=tries)
    except Exception as exc:  # noqa: BLE001 - one message that cannot go out must not hold back the others
        message = (
            exc.message if isinstance(exc, SpendscopeError) else redact(f"{type(exc).__name__}: {exc}")[:300]
        )
        post_ledger.mark_failed(store, key, message)
        return Sent(key=key, status="failed", error=message, tries=tries)
    post_ledger.mark_posted(store, key, target, ref)
    return Sent(key=key, status="sent", ref=ref, resent=in_doubt_before, tries=tries)
