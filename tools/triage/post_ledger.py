"""The posting ledger (`_slack_posts`, migration 0008): one row per message a chat adapter posts under an
idempotency key, so a retried event, alert, report or reminder is posted once.

A poster `claim`s a key (status `claimed`), posts, then marks it `posted` with where the message went (or
`failed` with the error, to be retried by the next run, or `skipped`). A claim by another worker younger than
`stale_after` means "in progress": the key is not handed out again. Claims are single write transactions, so
two processes (or threads) racing for one key get it once.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import duckdb
from pydantic import BaseModel, Field
from spendscope.data.store import Store

STALE_AFTER = dt.timedelta(minutes=5)  # a claim older than this, never marked posted, is taken over
_COLUMNS = [
    "key",
    "kind",
    "status",
    "channel",
    "ts",
    "payload",
    "attempts",
    "last_error",
    "created_at",
    "updated_at",
]
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM _slack_posts"


class Post(BaseModel):
    key: str
    kind: str
    status: str = Field(description="claimed, posted, failed or skipped")
    channel: str | None = None
    ts: str | None = None
    payload: dict[str, Any] | None = None
    attempts: int = 0
    last_error: str | None = None
    created_at: dt.datetime
    updated_at: dt.datetime


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _row(r: tuple) -> Post:
    data = dict(zip(_COLUMNS, r, strict=True))
    data["payload"] = json.loads(data["payload"]) if data["payload"] else None
    return Post(**data)


def get_post(store: Store, key: str) -> Post | None:
    """The ledger row of `key`, or None (also when the store does not exist yet)."""
    if not store.exists:
        return None
    with store.reader() as con:
        rows = con.execute(f"{_SELECT} WHERE key = ?", [key]).fetchall()
    return _row(rows[0]) if rows else None


def claim_post(
    store: Store,
    key: str,
    kind: str,
    payload: dict[str, Any] | None = None,
    *,
    stale_after: dt.timedelta = STALE_AFTER,
) -> Post | None:
    """Claim `key` for posting. Returns the claimed row, or None when it was posted (or skipped) already or
    another worker claimed it less than `stale_after` ago. A failed or stale claim is handed out again."""
    now = _now()
    body = json.dumps(payload, default=str) if payload is not None else None
    try:
        with store.writer() as con:
            rows = con.execute(f"{_SELECT} WHERE key = ?", [key]).fetchall()
            if rows:
                old = _row(rows[0])
                if old.status in ("posted", "skipped"):
                    return None
                if old.status == "claimed" and now - old.updated_at < stale_after:
                    return None
                con.execute(
                    "UPDATE _slack_posts SET status = 'claimed', payload = coalesce(?, payload), updated_at = ? "
                    "WHERE key = ?",
                    [body, now, key],
                )
            else:
                con.execute(
                    "INSERT INTO _slack_posts (key, kind, status, payload, attempts, created_at, updated_at) "
                    "VALUES (?, ?, 'claimed', ?, 0, ?, ?)",
                    [key, kind, body, now, now],
                )
            claimed = con.execute(f"{_SELECT} WHERE key = ?", [key]).fetchall()
    except (duckdb.ConstraintException, duckdb.TransactionException):
        return None  # another worker inserted or updated the same key at the same moment
    return _row(claimed[0])


def note_channel(store: Store, key: str, channel: str) -> None:
    """Record where the claimed message of `key` is about to go, before it is sent: after a crash the channel's
    history can be searched for it (the claim's age is left as it is)."""
    with store.writer() as con:
        con.execute(
            "UPDATE _slack_posts SET channel = ? WHERE key = ? AND status = 'claimed'", [channel, key]
        )


def mark_posted(
    store: Store, key: str, channel: str | None, ts: str | None, payload: dict[str, Any] | None = None
) -> None:
    """Record where the message of `key` went."""
    body = json.dumps(payload, default=str) if payload is not None else None
    with store.writer() as con:
        con.execute(
            "UPDATE _slack_posts SET status = 'posted', channel = ?, ts = ?, payload = coalesce(?, payload), "
            "last_error = NULL, updated_at = ? WHERE key = ?",
            [channel, ts, body, _now(), key],
        )


def mark_failed(store: Store, key: str, error: str) -> None:
    """Record a failed post; the key is handed out again by the next `claim_post`."""
    with store.writer() as con:
        con.execute(
            "UPDATE _slack_posts SET status = 'failed', attempts = attempts + 1, last_error = ?, updated_at = ? "
            "WHERE key = ?",
            [error[:500], _now(), key],
        )


def mark_skipped(store: Store, key: str, reason: str) -> None:
    """Record that `key` was deliberately not posted (e.g. its anomaly is snoozed); it is not handed out again."""
    with store.writer() as con:
        con.execute(
            "UPDATE _slack_posts SET status = 'skipped', last_error = ?, updated_at = ? WHERE key = ?",
            [reason[:500], _now(), key],
        )


def find_message(store: Store, channel: str, ts: str) -> Post | None:
    """The ledger row of the message posted at (`channel`, `ts`), or None."""
    if not store.exists:
        return None
    with store.reader() as con:
        rows = con.execute(
            f"{_SELECT} WHERE channel = ? AND ts = ? ORDER BY created_at LIMIT 1", [channel, ts]
        ).fetchall()
    return _row(rows[0]) if rows else None


def posts_about(store: Store, kind: str, field: str, value: str) -> list[Post]:
    """Posted rows of `kind` whose payload has `field` = `value` (e.g. the alerts of one anomaly), oldest
    first."""
    if not store.exists:
        return []
    with store.reader() as con:
        rows = con.execute(
            f"{_SELECT} WHERE kind = ? AND status = 'posted' AND json_extract_string(payload, ?) = ? "
            "ORDER BY created_at",
            [kind, f"$.{field}", value],
        ).fetchall()
    return [_row(r) for r in rows]


def retryable_posts(store: Store, kind: str, max_attempts: int = 10) -> list[Post]:
    """Rows of `kind` whose post failed (fewer than `max_attempts` times) or whose claim went stale: to retry."""
    if not store.exists:
        return []
    with store.reader() as con:
        rows = con.execute(
            f"{_SELECT} WHERE kind = ? AND ((status = 'failed' AND attempts < ?) OR "
            "(status = 'claimed' AND updated_at < ?)) ORDER BY created_at",
            [kind, max_attempts, _now() - STALE_AFTER],
        ).fetchall()
    return [_row(r) for r in rows]


def forget(store: Store, kind: str, older_than: dt.timedelta) -> int:
    """Delete rows of `kind` older than `older_than` (event keys need only outlive Slack's retries)."""
    with store.writer() as con:
        rows = con.execute(
            "DELETE FROM _slack_posts WHERE kind = ? AND created_at < ? RETURNING key",
            [kind, _now() - older_than],
        ).fetchall()
    return len(rows)
