"""`spendscope sync claude-code`: Anthropic's Claude Code Analytics Admin API (the Anthropic admin key) as per-user
usage, tokens and productivity, plus seat fees when a seat price is configured.

- `GET /v1/organizations/usage_report/claude_code?starting_at=YYYY-MM-DD&limit=1000` (one call per day, cursor
  pages `has_more`/`next_page`): one record per actor (`actor.email_address`, or `actor.api_key_name` for API-key
  use) with `core_metrics` (sessions, lines added/removed, commits, pull requests), `tool_actions` (accepted and
  rejected edits per tool), `customer_type` and `model_breakdown` (tokens by kind and `estimated_cost` in cents).
- The estimate is not a bill. For `customer_type: subscription` the usage is covered by the seat: the model rows
  cost 0 (ListCost holds the estimate). For `customer_type: api` the spend is already on the Anthropic API bill
  (`spendscope sync anthropic`), so by default it is not counted twice: cost 0, ListCost the estimate;
  `SPENDSCOPE_CLAUDE_CODE_API_COSTS=estimate` counts the estimate as cost instead (for stores without the bill).
  The estimate is kept per user and day in `assistant_activity.estimated_cost` either way.
- With `SPENDSCOPE_CLAUDE_CODE_SEAT_PRICE` set, `GET /v1/organizations/users` (pages `after_id`) is the seat
  roster: every member from `added_at` on holds a seat at that monthly price.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import duckdb
from spendscope.data.assistant_http import AssistantClient
from spendscope.data.assistant_parse import Reader, cents, insert_rows
from spendscope.data.assistants import (
    TOOLS,
    AssistantResult,
    create_inputs,
    finish,
    recording_failure,
    sync_window,
)
from spendscope.data.errors import SourceError
from spendscope.data.settings import Settings
from spendscope.data.store import Store, memory_connection
from spendscope.data.sync_anthropic import API_VERSION
from spendscope.data.sync_cursor import USAGE_FIELDS
from spendscope.data.sync_github_copilot import _days
from spendscope.data.syncing import admin_key, payload_hash

KIND = "claude_code"
TOOL = TOOLS[KIND]
PAGE_LIMIT = 1000
ACTIVITY_FIELDS = [
    "day",
    "user_id",
    "active",
    "sessions",
    "requests",
    "accepted_lines",
    "removed_lines",
    "suggestions_shown",
    "suggestions_accepted",
    "commits",
    "pull_requests",
    "estimated_cost",
]


def actor_id(actor: Any, reader: Reader, n: int) -> str:
    if not isinstance(actor, dict):
        raise reader.fail(n, "actor", actor, "an object")
    if actor.get("email_address"):
        return reader.user(n, "actor.email_address", actor.get("email_address"))
    return "api-key:" + reader.user(n, "actor.api_key_name", actor.get("api_key_name"))


def record_rows(
    records: list[tuple[dt.date, dict[str, Any]]], reader: Reader, count_api_costs: bool
) -> tuple[list[tuple], list[tuple]]:
    """(requested day, record) -> (usage_in rows, activity_in rows)."""
    usage, activity = [], []
    for n, (asked, r) in enumerate(records, start=1):
        if not isinstance(r, dict):
            raise reader.fail(n, "data[]", r, "an object")
        day = reader.day(n, "date", r.get("date")) if r.get("date") else asked
        user = actor_id(r.get("actor"), reader, n)
        core = r.get("core_metrics") or {}
        lines = core.get("lines_of_code") or {}
        accepted = rejected = 0
        for name, counts in (r.get("tool_actions") or {}).items():
            if isinstance(counts, dict):
                accepted += reader.integer(n, f"tool_actions.{name}.accepted", counts.get("accepted")) or 0
                rejected += reader.integer(n, f"tool_actions.{name}.rejected", counts.get("rejected")) or 0
        customer = str(r.get("customer_type") or "api").lower()
        estimate = Decimal(0)
        for m in r.get("model_breakdown") or []:
            if not isinstance(m, dict):
                raise reader.fail(n, "model_breakdown[]", m, "an object")
            cost = m.get("estimated_cost") or {}
            amount = cents(
                reader.decimal(n, "model_breakdown.estimated_cost.amount", cost.get("amount"))
            ) or Decimal(0)
            estimate += amount
            counted = amount if customer == "api" and count_api_costs else Decimal(0)
            tokens = m.get("tokens") or {}
            usage.append(
                (
                    day,
                    user,
                    m.get("model") or None,
                    f"{customer} usage",
                    f"Claude Code {customer} usage {m.get('model') or ''}".strip(),
                    counted,
                    amount,
                    None,
                    None,
                    None,
                    None,
                    reader.integer(n, "tokens.input", tokens.get("input")),
                    reader.integer(n, "tokens.output", tokens.get("output")),
                    reader.integer(n, "tokens.cache_read", tokens.get("cache_read")),
                    reader.integer(n, "tokens.cache_creation", tokens.get("cache_creation")),
                    r.get("organization_id"),
                    n,
                )
            )
        activity.append(
            (
                day,
                user,
                True,
                reader.integer(n, "core_metrics.num_sessions", core.get("num_sessions")),
                None,
                reader.integer(n, "core_metrics.lines_of_code.added", lines.get("added")),
                reader.integer(n, "core_metrics.lines_of_code.removed", lines.get("removed")),
                accepted + rejected,
                accepted,
                reader.integer(n, "core_metrics.commits_by_claude_code", core.get("commits_by_claude_code")),
                reader.integer(
                    n, "core_metrics.pull_requests_by_claude_code", core.get("pull_requests_by_claude_code")
                ),
                estimate,
            )
        )
    return usage, activity


def member_rows(users: list[dict[str, Any]], price: Decimal, reader: Reader) -> list[tuple]:
    rows = []
    for n, u in enumerate(users, start=1):
        if not isinstance(u, dict):
            raise reader.fail(n, "data[]", u, "an object")
        rows.append(
            (
                reader.user(n, "email", u.get("email")),
                "seat",
                price,
                reader.moment(n, "added_at", u.get("added_at")),
            )
        )
    return rows


def stage(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    records: list[tuple[dt.date, dict[str, Any]]],
    users: list[dict[str, Any]] | None,
) -> None:
    create_inputs(con)
    usage, activity = record_rows(
        records, Reader("Claude Code usage report", KIND), settings.claude_code_api_costs == "estimate"
    )
    insert_rows(con, "usage_in", USAGE_FIELDS, usage)
    insert_rows(con, "activity_in", ACTIVITY_FIELDS, activity)
    if users is not None and settings.claude_code_seat_price is not None:
        rows = member_rows(
            users, settings.claude_code_seat_price, Reader("Anthropic organization users", KIND)
        )
        insert_rows(con, "seats_in", ["user_id", "plan", "monthly_price", "assigned_at"], rows)
        con.execute(
            """UPDATE seats_in AS s SET last_activity_at = a.last FROM
               (SELECT user_id, CAST(max(day) AS TIMESTAMPTZ) AS last FROM activity_in GROUP BY user_id) AS a
               WHERE a.user_id = s.user_id"""
        )


def _users(client: AssistantClient) -> list[dict[str, Any]]:
    users: list[dict[str, Any]] = []
    after: str | None = None
    seen: set[str] = set()
    while True:
        doc = client.json(
            "GET",
            "/v1/organizations/users",
            params=[("limit", "100")] + ([("after_id", after)] if after else []),
        )
        users += doc.get("data") or []
        if not doc.get("has_more"):
            return users
        after = doc.get("last_id")
        if not after or after in seen:
            raise SourceError(
                "the Anthropic users listing said has_more without a new last_id", provider="Anthropic"
            )
        seen.add(after)


def sync_claude_code(
    store: Store,
    settings: Settings,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    lookback_days: int | None = None,
    now: dt.datetime | None = None,
    sleep: Callable[[float], None] | None = None,
) -> AssistantResult:
    """Pull the Claude Code usage report day by day for the sync window and replace it."""
    window = sync_window(
        store, settings, KIND, since=since, until=until, lookback_days=lookback_days, now=now
    )
    key = admin_key(settings, "anthropic")
    kwargs = {"sleep": sleep} if sleep else {}
    client = AssistantClient(
        settings.anthropic_api_url,
        {"x-api-key": key, "anthropic-version": API_VERSION},
        provider="Anthropic",
        key_name="ANTHROPIC_ADMIN_KEY",
        **kwargs,
    )
    records: list[tuple[dt.date, dict[str, Any]]] = []
    try:
        with recording_failure(store, KIND):
            for day in _days(window):
                params = [("starting_at", day.isoformat()), ("limit", str(PAGE_LIMIT))]
                for page in client.pages("/v1/organizations/usage_report/claude_code", params):
                    records += [(day, r) for r in page.get("data") or []]
            users = _users(client) if settings.claude_code_seat_price is not None else None
    finally:
        client.close()
    con = memory_connection()
    try:
        with recording_failure(store, KIND):
            stage(con, settings, records, users)
            streams = ("usage", "activity") + (("seats", "roster") if users is not None else ())
            result = finish(
                store,
                con,
                TOOL,
                window,
                streams=streams,
                label=f"{settings.anthropic_api_url.rstrip('/')}/v1/organizations/usage_report/claude_code {window.label}",
                file_hash=payload_hash(
                    window.label, [(str(d), r) for d, r in records], users, settings.claude_code_api_costs
                ),
                warnings=[],
                state_source=KIND,
                as_of=min(window.end, now or dt.datetime.now(dt.UTC)),
            )
    finally:
        con.close()
    return result.model_copy(update={"requests": client.requests, "retries": client.retries})
