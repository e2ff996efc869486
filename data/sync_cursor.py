"""`spendscope sync cursor`: the Cursor Admin API (https://api.cursor.com, Basic auth with the admin key as the user
name) as seat fees, usage charges per user and model, and daily productivity.

- `GET /teams/members`: the roster. Members not removed and not free owners hold a seat at the configured monthly
  price (`SPENDSCOPE_CURSOR_SEAT_PRICE`, plan `SPENDSCOPE_CURSOR_PLAN`): the API reports neither the price nor
  when a seat was assigned, so each current member has a seat on every day of the window.
- `POST /teams/filtered-usage-events` (startDate/endDate in epoch ms, page/pageSize): one event per request with
  user, model, kind, Max Mode, request units, tokens and cents. The charge is `chargedCents` where reported, else
  the token cost (`tokenUsage.totalCents`) of chargeable events (`isChargeable`, or a kind that says usage-based);
  included requests cost 0 but keep their tokens and request units (model mix).
- `POST /teams/daily-usage-data` (at most 30 days per call): per user and day, active flag, accepted lines,
  tab completions, accepts, chat/composer/agent/Cmd+K requests.
- `POST /teams/spend`: the current cycle's usage spend per member (recorded on the roster; not a cost row: the
  events already hold it).
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import duckdb
from spendscope.data.assistant_http import AssistantClient
from spendscope.data.assistant_parse import Reader, cents, insert_rows, ms
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
from spendscope.data.syncing import SyncWindow, admin_key, payload_hash

KIND = "cursor"
TOOL = TOOLS[KIND]
PAGE_SIZE = 500
DAILY_CHUNK_DAYS = 30
MAX_PAGES = 10_000


def _usage_based(kind: str | None) -> bool:
    low = (kind or "").lower().replace("-", " ").replace("_", " ")
    return "usage based" in low or low.strip() == "usage" or "on demand" in low


def event_rows(events: list[dict[str, Any]], reader: Reader, first: int = 1) -> list[tuple]:
    """Usage events -> usage_in rows (one per event; `finish` aggregates nothing: rows are already small)."""
    rows = []
    for n, e in enumerate(events, start=first):
        if not isinstance(e, dict):
            raise reader.fail(n, "usageEvents[]", e, "an object")
        day = reader.day(n, "timestamp", e.get("timestamp"))
        user = reader.user(n, "userEmail", e.get("userEmail") or e.get("email"))
        tokens = e.get("tokenUsage") or {}
        if not isinstance(tokens, dict):
            raise reader.fail(n, "tokenUsage", tokens, "an object")
        total = cents(reader.decimal(n, "tokenUsage.totalCents", tokens.get("totalCents")))
        kind = str(e.get("kindLabel") or e.get("kind") or "usage")
        if "chargedCents" in e:
            cost = cents(reader.decimal(n, "chargedCents", e.get("chargedCents"))) or Decimal(0)
        elif e.get("isFreeBugbot"):
            cost = Decimal(0)
        elif "isChargeable" in e:
            cost = (total or Decimal(0)) if e.get("isChargeable") else Decimal(0)
        else:
            cost = (total or Decimal(0)) if _usage_based(kind) else Decimal(0)
        label = kind + (" (Max Mode)" if e.get("maxMode") else "")
        rows.append(
            (
                day,
                user,
                e.get("model") or None,
                label,
                None,
                cost,
                total if total is not None else cost,
                None,
                reader.decimal(n, "requestsCosts", e.get("requestsCosts")),
                "Requests",
                1,
                reader.integer(n, "tokenUsage.inputTokens", tokens.get("inputTokens")),
                reader.integer(n, "tokenUsage.outputTokens", tokens.get("outputTokens")),
                reader.integer(n, "tokenUsage.cacheReadTokens", tokens.get("cacheReadTokens")),
                reader.integer(n, "tokenUsage.cacheWriteTokens", tokens.get("cacheWriteTokens")),
                None,
                n,
            )
        )
    return rows


USAGE_FIELDS = [
    "day",
    "user_id",
    "model_raw",
    "kind",
    "description",
    "cost",
    "list_cost",
    "unit_price",
    "quantity",
    "unit",
    "requests",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "account",
    "src_row",
]
ACTIVITY_FIELDS = [
    "day",
    "user_id",
    "active",
    "requests",
    "accepted_lines",
    "removed_lines",
    "suggestions_shown",
    "suggestions_accepted",
]


def activity_rows(records: list[dict[str, Any]], reader: Reader) -> list[tuple]:
    rows = []
    for n, r in enumerate(records, start=1):
        if not isinstance(r, dict):
            raise reader.fail(n, "data[]", r, "an object")

        def num(field: str, _r: dict[str, Any] = r, _n: int = n) -> int:
            return reader.integer(_n, field, _r.get(field)) or 0

        rows.append(
            (
                reader.day(n, "date", r.get("date")),
                reader.user(n, "email", r.get("email") or r.get("userId")),
                bool(r.get("isActive")),
                num("composerRequests") + num("chatRequests") + num("agentRequests") + num("cmdkUsages"),
                num("acceptedLinesAdded"),
                num("acceptedLinesDeleted"),
                num("totalTabsShown"),
                num("totalTabsAccepted") + num("totalAccepts"),
            )
        )
    return rows


def seat_rows(
    members: list[dict[str, Any]], spend: dict[str, Decimal], settings: Settings, reader: Reader
) -> list[tuple]:
    rows = []
    for n, m in enumerate(members, start=1):
        if not isinstance(m, dict):
            raise reader.fail(n, "teamMembers[]", m, "an object")
        if m.get("isRemoved") or str(m.get("role", "")).lower() == "free-owner":
            continue
        user = reader.user(n, "email", m.get("email"))
        rows.append((user, settings.cursor_plan, settings.cursor_seat_price, spend.get(user)))
    return rows


def _events(client: AssistantClient, window: SyncWindow) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for page in range(1, MAX_PAGES + 1):
        body = {
            "startDate": ms(window.start),
            "endDate": ms(window.end) - 1,
            "page": page,
            "pageSize": PAGE_SIZE,
        }
        doc = client.json("POST", "/teams/filtered-usage-events", body=body)
        events = doc.get("usageEvents") if isinstance(doc, dict) else None
        if not isinstance(events, list):
            raise SourceError(
                "Cursor answered /teams/filtered-usage-events without a usageEvents list", provider="Cursor"
            )
        out += events
        pagination = doc.get("pagination") or {}
        if not pagination.get("hasNextPage") or not events:
            return out
    raise SourceError(
        f"Cursor usage events did not end after {MAX_PAGES} pages; nothing was imported", provider="Cursor"
    )


def _daily(client: AssistantClient, window: SyncWindow) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    start = window.start
    while start < window.end:
        stop = min(start + dt.timedelta(days=DAILY_CHUNK_DAYS), window.end)
        doc = client.json(
            "POST", "/teams/daily-usage-data", body={"startDate": ms(start), "endDate": ms(stop) - 1}
        )
        data = doc.get("data") if isinstance(doc, dict) else None
        if not isinstance(data, list):
            raise SourceError(
                "Cursor answered /teams/daily-usage-data without a data list", provider="Cursor"
            )
        out += data
        start = stop
    return out


def _spend(client: AssistantClient, reader: Reader) -> dict[str, Decimal]:
    spend: dict[str, Decimal] = {}
    page, pages = 1, 1
    while page <= min(pages, MAX_PAGES):
        doc = client.json("POST", "/teams/spend", body={"page": page, "pageSize": 100})
        for n, m in enumerate(doc.get("teamMemberSpend") or [], start=1):
            if isinstance(m, dict) and m.get("email"):
                spend[str(m["email"]).strip().lower()] = cents(
                    reader.decimal(n, "spendCents", m.get("spendCents"))
                ) or Decimal(0)
        pages = int(doc.get("totalPages") or 1)
        page += 1
    return spend


def stage(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    *,
    members: list[dict[str, Any]],
    events: list[dict[str, Any]],
    daily: list[dict[str, Any]],
    spend: dict[str, Decimal],
) -> None:
    create_inputs(con)
    insert_rows(con, "usage_in", USAGE_FIELDS, event_rows(events, Reader("Cursor usage events", KIND)))
    insert_rows(
        con, "activity_in", ACTIVITY_FIELDS, activity_rows(daily, Reader("Cursor daily usage data", KIND))
    )
    seats = seat_rows(members, spend, settings, Reader("Cursor team members", KIND))
    insert_rows(con, "seats_in", ["user_id", "plan", "monthly_price", "cycle_spend"], seats)
    con.execute(
        """UPDATE seats_in AS s SET last_activity_at = a.last FROM
           (SELECT user_id, CAST(max(day) AS TIMESTAMPTZ) AS last FROM activity_in WHERE active GROUP BY user_id) AS a
           WHERE a.user_id = s.user_id"""
    )


def sync_cursor(
    store: Store,
    settings: Settings,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    lookback_days: int | None = None,
    now: dt.datetime | None = None,
    sleep: Callable[[float], None] | None = None,
) -> AssistantResult:
    """Pull the Cursor Admin API for the sync window and replace its seats, usage and activity."""
    window = sync_window(
        store, settings, KIND, since=since, until=until, lookback_days=lookback_days, now=now
    )
    key = admin_key(settings, "cursor", env_name="CURSOR_ADMIN_KEY")
    auth = base64.b64encode(f"{key}:".encode()).decode("ascii")
    kwargs = {"sleep": sleep} if sleep else {}
    client = AssistantClient(
        settings.cursor_api_url,
        {"Authorization": f"Basic {auth}"},
        provider="Cursor",
        key_name="CURSOR_ADMIN_KEY",
        **kwargs,
    )
    reader = Reader("Cursor team spend", KIND)
    try:
        with recording_failure(store, KIND):
            doc = client.json("GET", "/teams/members")
            members = doc.get("teamMembers") if isinstance(doc, dict) else doc
            if not isinstance(members, list):
                raise SourceError(
                    "Cursor answered /teams/members without a teamMembers list", provider="Cursor"
                )
            events = _events(client, window)
            daily = _daily(client, window)
            spend = _spend(client, reader)
    finally:
        client.close()
    con = memory_connection()
    try:
        with recording_failure(store, KIND):
            stage(con, settings, members=members, events=events, daily=daily, spend=spend)
            as_of = min(window.end, now or dt.datetime.now(dt.UTC))
            result = finish(
                store,
                con,
                TOOL,
                window,
                streams=("usage", "seats", "activity", "roster"),
                label=f"{settings.cursor_api_url.rstrip('/')}/teams {window.label}",
                file_hash=payload_hash(window.label, members, events, daily, sorted(spend.items())),
                warnings=[],
                state_source=KIND,
                as_of=as_of,
            )
    finally:
        con.close()
    return result.model_copy(update={"requests": client.requests, "retries": client.retries})
