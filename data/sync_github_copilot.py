"""`spendscope sync github-copilot`: GitHub's REST API for one organization (`SPENDSCOPE_GITHUB_ORG`) as Copilot seat
fees, premium-request charges per user and model, and per-user daily usage metrics.

- `GET /orgs/{org}/copilot/billing/seats` (per_page=100, page=N): the roster with `plan_type`, `created_at`,
  `pending_cancellation_date`, `last_activity_at`, `last_activity_editor` and `assignee.login`. Each seat is a
  recurring charge at the plan's monthly price (`SPENDSCOPE_COPILOT_SEAT_PRICES`) from its creation to its
  cancellation date.
- `GET /organizations/{org}/settings/billing/premium_request/usage?year&month&day`: the day's premium requests
  per product, SKU and model (`grossQuantity`/`grossAmount` at `pricePerUnit`, `discount*` for the included
  allowance, `netAmount` billed). The same with `&user=LOGIN` for every seat holder active on or after that day
  splits it per user; what no user query accounts for stays on the organization (no `user` tag).
- `GET /orgs/{org}/copilot/metrics/reports/users-1-day?day=D`: signed links to the day's per-user NDJSON report
  (interactions, code generation and acceptance counts, lines suggested/added/deleted, CLI sessions). A day without
  a report (404, or the metrics policy off: 403) is a warning, and activity is then left as it was.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import duckdb
from spendscope.data.assistant_http import AssistantClient
from spendscope.data.assistant_parse import Reader, insert_rows
from spendscope.data.assistants import (
    TOOLS,
    AssistantResult,
    create_inputs,
    finish,
    recording_failure,
    sync_window,
)
from spendscope.data.errors import InvalidArgument, SourceError
from spendscope.data.settings import Settings
from spendscope.data.store import Store, memory_connection
from spendscope.data.sync_cursor import USAGE_FIELDS
from spendscope.data.syncing import SyncWindow, admin_key, payload_hash

KIND = "github_copilot"
TOOL = TOOLS[KIND]
API_VERSION = "2022-11-28"
PER_PAGE = 100
MAX_PAGES = 10_000
ACTIVITY_FIELDS = [
    "day",
    "user_id",
    "active",
    "sessions",
    "requests",
    "accepted_lines",
    "removed_lines",
    "suggested_lines",
    "suggestions_shown",
    "suggestions_accepted",
]


def seat_prices(text: str) -> dict[str, Decimal]:
    """`business=19,enterprise=39` -> {plan: monthly price}."""
    prices: dict[str, Decimal] = {}
    for part in (p.strip() for p in text.split(",") if p.strip()):
        plan, _, price = part.partition("=")
        try:
            prices[plan.strip().lower()] = Decimal(price.strip())
        except ArithmeticError:
            raise InvalidArgument(
                f"SPENDSCOPE_COPILOT_SEAT_PRICES: {part!r} is not plan=price (e.g. business=19,enterprise=39)",
                argument="copilot_seat_prices",
            ) from None
    return prices


def seat_rows(
    seats: list[dict[str, Any]], prices: dict[str, Decimal], reader: Reader
) -> tuple[list[tuple], list[str]]:
    rows, unpriced = [], set()
    for n, s in enumerate(seats, start=1):
        if not isinstance(s, dict):
            raise reader.fail(n, "seats[]", s, "an object")
        assignee = s.get("assignee") or {}
        user = reader.user(n, "assignee.login", assignee.get("login") if isinstance(assignee, dict) else None)
        plan = str(s.get("plan_type") or "unknown").lower()
        if plan not in prices:
            unpriced.add(plan)
        rows.append(
            (
                user,
                plan,
                prices.get(plan),
                reader.moment(n, "created_at", s.get("created_at")),
                reader.moment(n, "pending_cancellation_date", s.get("pending_cancellation_date")),
                reader.moment(n, "last_activity_at", s.get("last_activity_at")),
                s.get("last_activity_editor"),
            )
        )
    warnings = [
        f"Copilot seats with plan_type {p!r} have no price in SPENDSCOPE_COPILOT_SEAT_PRICES; they carry no seat fee"
        for p in sorted(unpriced)
    ]
    return rows, warnings


def premium_rows(
    items: list[tuple[dt.date, str | None, dict[str, Any]]], org: str, reader: Reader
) -> list[tuple]:
    """(day, user or None, usage item) -> usage_in rows."""
    rows = []
    for n, (day, user, item) in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise reader.fail(n, "usageItems[]", item, "an object")
        unit = str(item.get("unitType") or "requests")
        rows.append(
            (
                day,
                user,
                item.get("model") or None,
                str(item.get("sku") or "Premium request"),
                " ".join(str(item.get(k)) for k in ("product", "sku", "model") if item.get(k)),
                reader.decimal(n, "netAmount", item.get("netAmount"), required=True),
                reader.decimal(n, "grossAmount", item.get("grossAmount")),
                reader.decimal(n, "pricePerUnit", item.get("pricePerUnit")),
                reader.decimal(n, "grossQuantity", item.get("grossQuantity")),
                unit[:1].upper() + unit[1:],
                None,
                None,
                None,
                None,
                None,
                org,
                n,
            )
        )
    return rows


def activity_rows(records: list[dict[str, Any]], reader: Reader) -> list[tuple]:
    rows = []
    for n, r in enumerate(records, start=1):
        if not isinstance(r, dict):
            raise reader.fail(n, "record", r, "a JSON object")
        cli = r.get("totals_by_cli") if isinstance(r.get("totals_by_cli"), dict) else {}
        rows.append(
            (
                reader.day(n, "day", r.get("day")),
                reader.user(n, "user_login", r.get("user_login")),
                True,
                reader.integer(n, "totals_by_cli.session_count", cli.get("session_count")),
                reader.integer(
                    n, "user_initiated_interaction_count", r.get("user_initiated_interaction_count")
                ),
                reader.integer(n, "loc_added_sum", r.get("loc_added_sum")),
                reader.integer(n, "loc_deleted_sum", r.get("loc_deleted_sum")),
                reader.integer(n, "loc_suggested_to_add_sum", r.get("loc_suggested_to_add_sum")),
                reader.integer(n, "code_generation_activity_count", r.get("code_generation_activity_count")),
                reader.integer(n, "code_acceptance_activity_count", r.get("code_acceptance_activity_count")),
            )
        )
    return rows


def ndjson(text: str, what: str) -> list[dict[str, Any]]:
    out = []
    for i, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                out.append(json.loads(line))
            except ValueError:
                raise SourceError(
                    f"{what}: line {i} is not JSON; nothing was imported", provider="GitHub"
                ) from None
    return out


def _days(window: SyncWindow) -> list[dt.date]:
    first, last = window.start.date(), (window.end - dt.timedelta(microseconds=1)).date()
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def _seats(client: AssistantClient, org: str) -> list[dict[str, Any]]:
    seats: list[dict[str, Any]] = []
    for page in range(1, MAX_PAGES + 1):
        doc = client.json(
            "GET",
            f"/orgs/{org}/copilot/billing/seats",
            params=[("per_page", str(PER_PAGE)), ("page", str(page))],
        )
        batch = doc.get("seats") if isinstance(doc, dict) else None
        if not isinstance(batch, list):
            raise SourceError(
                "GitHub answered the Copilot seats listing without a seats list", provider="GitHub"
            )
        seats += batch
        if not batch or len(seats) >= int(doc.get("total_seats") or 0) or len(batch) < PER_PAGE:
            return seats
    raise SourceError(f"the Copilot seats listing did not end after {MAX_PAGES} pages", provider="GitHub")


def _premium(
    client: AssistantClient, org: str, days: list[dt.date], seats: list[dict[str, Any]]
) -> list[tuple[dt.date, str | None, dict[str, Any]]]:
    path = f"/organizations/{org}/settings/billing/premium_request/usage"
    out: list[tuple[dt.date, str | None, dict[str, Any]]] = []
    for day in days:
        when = [("year", str(day.year)), ("month", str(day.month)), ("day", str(day.day))]
        org_items = client.json("GET", path, params=when).get("usageItems") or []
        remainder: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
        for item in org_items:
            remainder[(item.get("product"), item.get("sku"), item.get("model"))].append(dict(item))
        for seat in seats:
            login = ((seat.get("assignee") or {}).get("login") or "").strip()
            last = seat.get("last_activity_at")
            if not login or not last or str(last)[:10] < day.isoformat():
                continue  # no activity on or after this day: no premium requests that day
            for item in client.json("GET", path, params=[*when, ("user", login)]).get("usageItems") or []:
                out.append((day, login.lower(), item))
                for rest in remainder.get((item.get("product"), item.get("sku"), item.get("model")), [])[:1]:
                    for k in (
                        "grossQuantity",
                        "grossAmount",
                        "discountQuantity",
                        "discountAmount",
                        "netQuantity",
                        "netAmount",
                    ):
                        rest[k] = Decimal(str(rest.get(k) or 0)) - Decimal(str(item.get(k) or 0))
        for items in remainder.values():
            for rest in items:
                if any(
                    Decimal(str(rest.get(k) or 0)) != 0 for k in ("grossQuantity", "netAmount", "grossAmount")
                ):
                    out.append((day, None, rest))
    return out


def _activity(
    client: AssistantClient, downloads: AssistantClient, org: str, days: list[dt.date], warnings: list[str]
) -> list[dict[str, Any]] | None:
    records: list[dict[str, Any]] = []
    missing = []
    for day in days:
        try:
            doc = client.json(
                "GET", f"/orgs/{org}/copilot/metrics/reports/users-1-day", params=[("day", day.isoformat())]
            )
        except SourceError as exc:
            if exc.details.get("status") == 403:
                warnings.append(
                    "GitHub refused the Copilot usage metrics (403: the metrics policy is off or the "
                    "token lacks permission); activity was left as it was"
                )
                return None
            if exc.details.get("status") != 404:
                raise
            missing.append(day)
            continue
        for link in doc.get("download_links") or []:
            records += ndjson(downloads.text(str(link)), f"Copilot usage metrics report for {day}")
    if missing:
        warnings.append(
            f"no Copilot usage metrics report yet for {len(missing)} day(s) ({missing[0]} ...); "
            "they are read again by the next sync inside the look-back"
        )
    return records


def stage(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    org: str,
    *,
    seats: list[dict[str, Any]],
    premium: list[tuple[dt.date, str | None, dict[str, Any]]],
    activity: list[dict[str, Any]] | None,
) -> list[str]:
    create_inputs(con)
    rows, warnings = seat_rows(
        seats, seat_prices(settings.copilot_seat_prices), Reader("Copilot seats", KIND)
    )
    insert_rows(
        con,
        "seats_in",
        [
            "user_id",
            "plan",
            "monthly_price",
            "assigned_at",
            "ends_at",
            "last_activity_at",
            "last_activity_surface",
        ],
        rows,
    )
    con.execute("UPDATE seats_in SET account = ?", [org])
    insert_rows(
        con,
        "usage_in",
        USAGE_FIELDS,
        premium_rows(premium, org, Reader("Copilot premium request usage", KIND)),
    )
    if activity is not None:
        insert_rows(
            con,
            "activity_in",
            ACTIVITY_FIELDS,
            activity_rows(activity, Reader("Copilot usage metrics", KIND)),
        )
    return warnings


def sync_github_copilot(
    store: Store,
    settings: Settings,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    lookback_days: int | None = None,
    now: dt.datetime | None = None,
    sleep: Callable[[float], None] | None = None,
) -> AssistantResult:
    """Pull Copilot seats, premium requests and usage metrics for the sync window and replace them."""
    org = (settings.github_org or "").strip()
    if not org:
        raise InvalidArgument(
            "no GitHub organization: set SPENDSCOPE_GITHUB_ORG to the organization whose Copilot to sync",
            argument="github_org",
        )
    window = sync_window(
        store, settings, KIND, since=since, until=until, lookback_days=lookback_days, now=now
    )
    token = admin_key(settings, "github", field="github_token", env_name="GITHUB_TOKEN")
    kwargs = {"sleep": sleep} if sleep else {}
    headers = {
        "Authorization": f"Bearer {token}",
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": API_VERSION,
    }
    client = AssistantClient(
        settings.github_api_url, headers, provider="GitHub", key_name="GITHUB_TOKEN", **kwargs
    )
    downloads = AssistantClient(
        settings.github_api_url, {}, provider="GitHub", key_name="GITHUB_TOKEN", **kwargs
    )
    warnings: list[str] = []
    days = _days(window)
    try:
        with recording_failure(store, KIND):
            seats = _seats(client, org)
            premium = _premium(client, org, days, seats)
            activity = _activity(client, downloads, org, days, warnings)
    finally:
        client.close()
        downloads.close()
    con = memory_connection()
    try:
        with recording_failure(store, KIND):
            warnings += stage(con, settings, org, seats=seats, premium=premium, activity=activity)
            streams = ("usage", "seats", "roster") + (("activity",) if activity is not None else ())
            result = finish(
                store,
                con,
                TOOL,
                window,
                streams=streams,
                label=f"{settings.github_api_url.rstrip('/')}/orgs/{org}/copilot {window.label}",
                file_hash=payload_hash(
                    window.label, seats, [(str(d), u, i) for d, u, i in premium], activity
                ),
                warnings=warnings,
                state_source=KIND,
                as_of=min(window.end, now or dt.datetime.now(dt.UTC)),
            )
    finally:
        con.close()
    return result.model_copy(
        update={
            "requests": client.requests + downloads.requests,
            "retries": client.retries + downloads.retries,
        }
    )
