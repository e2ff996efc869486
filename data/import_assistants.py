"""`spendscope import cursor|github-copilot|claude-code FILE...`: the exports the vendors' dashboards offer, for users
who cannot create admin keys. Each file is all-or-nothing; its rows replace the rows of the same streams and days
(a re-exported period restates the earlier one; re-importing the same file adds nothing).

- Cursor: the team usage export (dashboard -> Usage -> Export CSV): Date, User/Email, Kind, Model, Max Mode,
  Input (w/ Cache Write), Input (w/o Cache Write), Cache Read, Output, Total Tokens, Cost. Columns are found by
  name; a Cost of `Included` (or empty) is 0.
- GitHub Copilot: the premium request usage report CSV (billing -> Usage -> Get usage report: date, username,
  product, sku, model, quantity, unit_type, applied_cost_per_quantity, gross_amount, discount_amount, net_amount,
  organization); the Copilot seat activity report CSV (Login, Last Authenticated At, Last Activity At, Last Surface
  Used, and optionally Created At / Plan Type / Pending Cancellation Date); the per-user usage metrics NDJSON.
- Claude Code: the usage report records as JSON (an API page `{"data": [...]}`, a list, or JSON lines).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from spendscope.data.assistant_parse import Reader, insert_rows
from spendscope.data.assistants import TOOLS, AssistantResult, create_inputs, finish
from spendscope.data.errors import ImportRejected
from spendscope.data.importing import duplicate_result, previous_import, sha256_file
from spendscope.data.settings import Settings
from spendscope.data.store import Store, memory_connection
from spendscope.data.sync_claude_code import ACTIVITY_FIELDS as CLAUDE_ACTIVITY
from spendscope.data.sync_claude_code import record_rows
from spendscope.data.sync_cursor import USAGE_FIELDS
from spendscope.data.sync_github_copilot import ACTIVITY_FIELDS as COPILOT_ACTIVITY
from spendscope.data.sync_github_copilot import activity_rows, seat_prices
from spendscope.data.syncing import SyncWindow

UTC = dt.UTC
ROSTER_DAYS = 92  # a seat report without assignment dates covers at most this many days before its date


def _reject(path: Path, message: str) -> ImportRejected:
    return ImportRejected(f"{path}: {message}; nothing was imported", file=str(path))


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise _reject(path, f"cannot be read as UTF-8 text ({type(exc).__name__})") from None


def _csv(path: Path) -> tuple[dict[str, str], list[dict[str, str]]]:
    """(normalised header -> header as written, rows); headers compare lower case without spaces or punctuation."""
    text = _read_text(path)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = {_norm(h): h for h in reader.fieldnames or []}
    return header, list(reader)


def _norm(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def _col(header: dict[str, str], *names: str) -> str | None:
    for n in names:
        if _norm(n) in header:
            return header[_norm(n)]
    return None


def _need(path: Path, header: dict[str, str], what: str, *names: str) -> str:
    found = _col(header, *names)
    if found is None:
        raise _reject(
            path, f"no {what} column (looked for {', '.join(names)}); columns: {', '.join(header.values())}"
        )
    return found


def _window(days: list[dt.date], path: Path) -> SyncWindow:
    if not days:
        raise _reject(path, "holds no data rows")
    start, end = min(days), max(days) + dt.timedelta(days=1)
    return SyncWindow(
        dt.datetime(start.year, start.month, start.day, tzinfo=UTC),
        dt.datetime(end.year, end.month, end.day, tzinfo=UTC),
        False,
    )


def _finish(
    store: Store,
    con: Any,
    key: str,
    window: SyncWindow,
    streams: tuple[str, ...],
    path: Path,
    digest: str,
    warnings: list[str],
    as_of: dt.datetime,
) -> AssistantResult:
    return finish(
        store,
        con,
        TOOLS[key],
        window,
        streams=streams,
        label=str(path.resolve()),
        file_hash=digest,
        warnings=warnings,
        state_source=None,
        as_of=as_of,
    )


def _duplicate(store: Store, key: str, path: Path, digest: str) -> AssistantResult | None:
    earlier = previous_import(store, key, digest)
    if earlier is None:
        return None
    result = duplicate_result(store, key, path, digest, earlier)
    now = dt.datetime.now(UTC)
    return AssistantResult(tool=key, source=str(path), window_start=now, window_end=now, import_result=result)


# ------------------------------------------------------------------------------------------------------ Cursor


def import_cursor(store: Store, path: Path, settings: Settings | None = None) -> AssistantResult:
    """A Cursor team usage export (CSV) -> usage rows per event."""
    path = Path(path)
    digest = sha256_file(path)
    if (dup := _duplicate(store, "cursor", path, digest)) is not None:
        return dup
    header, rows = _csv(path)
    reader = Reader(f"{path}", "cursor")
    c_date = _need(path, header, "date", "Date", "Timestamp")
    c_user = _need(path, header, "user", "User", "Email", "User Email")
    c_kind, c_model = _col(header, "Kind"), _col(header, "Model")
    c_max, c_cost = _col(header, "Max Mode"), _need(path, header, "cost", "Cost", "Cost ($)", "Charged Cost")
    c_cw, c_in = _col(header, "Input (w/ Cache Write)"), _col(header, "Input (w/o Cache Write)", "Input")
    c_read, c_out = _col(header, "Cache Read"), _col(header, "Output", "Output Tokens")
    c_req = _col(header, "Requests", "Request Units")
    out = []
    for n, r in enumerate(rows, start=1):
        raw_cost = (r.get(c_cost) or "").strip()
        cost = (
            Decimal(0)
            if raw_cost.lower() in ("", "included", "free", "-")
            else reader.decimal(n, c_cost, raw_cost)
        )
        kind = (r.get(c_kind) or "usage").strip() if c_kind else "usage"
        if c_max and (r.get(c_max) or "").strip().lower() in ("yes", "true", "1"):
            kind += " (Max Mode)"

        def tok(col: str | None, _r: dict[str, str] = r, _n: int = n) -> int | None:
            return reader.integer(_n, col, _r.get(col)) if col else None

        out.append(
            (
                reader.day(n, c_date, r.get(c_date)),
                reader.user(n, c_user, r.get(c_user)),
                (r.get(c_model) or "").strip() or None if c_model else None,
                kind,
                None,
                cost,
                cost,
                None,
                reader.decimal(n, c_req, r.get(c_req)) if c_req else None,
                "Requests",
                1,
                tok(c_in),
                tok(c_out),
                tok(c_read),
                tok(c_cw),
                None,
                n,
            )
        )
    con = memory_connection()
    try:
        create_inputs(con)
        insert_rows(con, "usage_in", USAGE_FIELDS, out)
        window = _window([r[0] for r in out], path)
        return _finish(store, con, "cursor", window, ("usage",), path, digest, [], window.end)
    finally:
        con.close()


# ---------------------------------------------------------------------------------------------- GitHub Copilot


def import_github_copilot(
    store: Store, path: Path, settings: Settings | None = None, *, as_of: dt.datetime | None = None
) -> AssistantResult:
    """A Copilot premium request usage report CSV, seat activity report CSV, or usage metrics NDJSON."""
    path = Path(path)
    settings = settings or Settings()
    digest = sha256_file(path)
    if (dup := _duplicate(store, "github_copilot", path, digest)) is not None:
        return dup
    con = memory_connection()
    try:
        create_inputs(con)
        if path.suffix.lower() in (".ndjson", ".jsonl", ".json"):
            records = _json_records(path)
            rows = activity_rows(records, Reader(str(path), "github_copilot"))
            insert_rows(con, "activity_in", COPILOT_ACTIVITY, rows)
            window = _window([r[0] for r in rows], path)
            return _finish(store, con, "github_copilot", window, ("activity",), path, digest, [], window.end)
        header, rows = _csv(path)
        if _col(header, "Last Activity At", "last_activity_at") and _col(
            header, "Login", "username", "assignee_login"
        ):
            return _copilot_seats(store, con, path, digest, header, rows, settings, as_of)
        return _copilot_premium(store, con, path, digest, header, rows)
    finally:
        con.close()


def _copilot_premium(
    store: Store, con: Any, path: Path, digest: str, header: dict[str, str], rows: list[dict[str, str]]
) -> AssistantResult:
    reader = Reader(str(path), "github_copilot")
    c_date = _need(path, header, "date", "date", "usage_at")
    c_user = _col(header, "username", "user", "login")
    c_sku = _need(path, header, "sku", "sku")
    c_prod, c_model = _col(header, "product"), _col(header, "model")
    c_qty = _need(path, header, "quantity", "quantity", "gross_quantity")
    c_net = _need(path, header, "net_amount", "net_amount", "netAmount")
    c_gross, c_price = (
        _col(header, "gross_amount", "grossAmount"),
        _col(header, "applied_cost_per_quantity", "price_per_unit"),
    )
    c_unit, c_org = _col(header, "unit_type", "unitType"), _col(header, "organization", "organization_name")
    out, skipped = [], 0
    for n, r in enumerate(rows, start=1):
        sku = (r.get(c_sku) or "").strip()
        product = (r.get(c_prod) or "").strip() if c_prod else "Copilot"
        if "copilot" not in f"{product} {sku}".lower() or "premium" not in sku.lower():
            skipped += 1  # other products and seat lines: seats come from the seat report or the sync
            continue
        unit = ((r.get(c_unit) or "requests").strip() if c_unit else "requests") or "requests"
        out.append(
            (
                reader.day(n, c_date, r.get(c_date)),
                (r.get(c_user) or "").strip().lower() or None if c_user else None,
                (r.get(c_model) or "").strip() or None if c_model else None,
                sku,
                " ".join(x for x in (product, sku, (r.get(c_model) or "") if c_model else "") if x),
                reader.decimal(n, c_net, r.get(c_net), required=True),
                reader.decimal(n, c_gross, r.get(c_gross)) if c_gross else None,
                reader.decimal(n, c_price, r.get(c_price)) if c_price else None,
                reader.decimal(n, c_qty, r.get(c_qty)),
                unit[:1].upper() + unit[1:],
                None,
                None,
                None,
                None,
                None,
                (r.get(c_org) or "").strip() or None if c_org else None,
                n,
            )
        )
    insert_rows(con, "usage_in", USAGE_FIELDS, out)
    warnings = (
        [f"{skipped} rows are not Copilot premium requests (other products or seat lines) and were left out"]
        if skipped
        else []
    )
    window = _window([r[0] for r in out], path)
    return _finish(store, con, "github_copilot", window, ("usage",), path, digest, warnings, window.end)


def _copilot_seats(
    store: Store,
    con: Any,
    path: Path,
    digest: str,
    header: dict[str, str],
    rows: list[dict[str, str]],
    settings: Settings,
    as_of: dt.datetime | None,
) -> AssistantResult:
    reader = Reader(str(path), "github_copilot")
    prices = seat_prices(settings.copilot_seat_prices)
    c_login = _need(path, header, "login", "Login", "username", "assignee_login")
    c_last = _need(path, header, "last activity", "Last Activity At", "last_activity_at")
    c_surface = _col(header, "Last Surface Used", "last_activity_editor")
    c_created, c_plan = (
        _col(header, "Created At", "created_at", "Assigned At"),
        _col(header, "Plan Type", "plan_type", "Plan"),
    )
    c_end = _col(header, "Pending Cancellation Date", "pending_cancellation_date")
    out = []
    for n, r in enumerate(rows, start=1):
        plan = ((r.get(c_plan) or "").strip().lower() if c_plan else "") or "business"
        out.append(
            (
                reader.user(n, c_login, r.get(c_login)),
                plan,
                prices.get(plan),
                reader.moment(n, c_created, r.get(c_created)) if c_created else None,
                reader.moment(n, c_end, r.get(c_end)) if c_end else None,
                reader.moment(n, c_last, r.get(c_last)),
                (r.get(c_surface) or "").strip() or None if c_surface else None,
            )
        )
    if not out:
        raise _reject(path, "holds no seats")
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
        out,
    )
    moment = as_of or dt.datetime.fromtimestamp(path.stat().st_mtime, UTC)
    end_day = moment.date() + dt.timedelta(days=1)
    earliest = [r[3].date() for r in out if r[3] is not None]
    start = (
        max(min(earliest), end_day - dt.timedelta(days=ROSTER_DAYS))
        if earliest
        else moment.date().replace(day=1)
    )
    window = SyncWindow(
        dt.datetime(start.year, start.month, start.day, tzinfo=UTC),
        dt.datetime(end_day.year, end_day.month, end_day.day, tzinfo=UTC),
        False,
    )
    return _finish(store, con, "github_copilot", window, ("seats", "roster"), path, digest, [], moment)


# ------------------------------------------------------------------------------------------------- Claude Code


def _json_records(path: Path) -> list[Any]:
    text = _read_text(path).strip()
    if not text:
        raise _reject(path, "is empty")
    try:
        doc = json.loads(text)
    except ValueError:
        records = []
        for i, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    records.append(json.loads(line))
                except ValueError:
                    raise _reject(path, f"line {i} is not JSON") from None
        return records
    if isinstance(doc, dict):  # an API page, or a single record (one line of JSON lines)
        return list(doc.get("data") or []) if "data" in doc else [doc]
    if isinstance(doc, list):
        return doc
    raise _reject(path, "is neither a JSON object with `data`, a JSON list nor JSON lines")


def import_claude_code(store: Store, path: Path, settings: Settings | None = None) -> AssistantResult:
    """Claude Code usage report records (JSON or JSON lines) -> usage (tokens) and activity."""
    path = Path(path)
    settings = settings or Settings()
    digest = sha256_file(path)
    if (dup := _duplicate(store, "claude_code", path, digest)) is not None:
        return dup
    reader = Reader(str(path), "claude_code")
    records = _json_records(path)
    dated = [
        (reader.day(n, "date", r.get("date") if isinstance(r, dict) else None), r)
        for n, r in enumerate(records, start=1)
    ]
    usage, activity = record_rows(dated, reader, settings.claude_code_api_costs == "estimate")
    con = memory_connection()
    try:
        create_inputs(con)
        insert_rows(con, "usage_in", USAGE_FIELDS, usage)
        insert_rows(con, "activity_in", CLAUDE_ACTIVITY, activity)
        window = _window([d for d, _ in dated], path)
        return _finish(store, con, "claude_code", window, ("usage", "activity"), path, digest, [], window.end)
    finally:
        con.close()
