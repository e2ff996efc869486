"""The shared part of the provider API syncs (`spendscope sync openai|anthropic`): admin keys, the sync
window, the `_sync_state` bookkeeping and the atomic replacement of a re-read window.

A sync re-reads from `synced_through` minus the look-back days (default 3) up to now, because providers
finalise the last days late. Its rows replace every row of the same source in that window, in the same
transaction that inserts them, records the import and advances `_sync_state`: a failed sync changes nothing,
and a repeated sync never double counts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import yaml
from pydantic import BaseModel, Field
from spendscope.data.errors import ImportRejected, InvalidArgument, SourceError, StoreBusy
from spendscope.data.importing import ImportResult, finish_cost_import
from spendscope.data.redaction import redact, remember, warn_if_exposed
from spendscope.data.settings import Settings
from spendscope.data.store import Store, memory_connection
from spendscope.data.sync_overlap import Key, find_overlap, other_sources, replace_overlap

UTC = dt.UTC


@dataclass(frozen=True)
class SyncWindow:
    """The half-open time range [start, end) a sync reads and replaces."""

    start: dt.datetime
    end: dt.datetime
    incremental: bool  # True when derived from _sync_state

    @property
    def label(self) -> str:
        return f"{self.start:%Y-%m-%d} to {self.end:%Y-%m-%d %H:%M}Z"


class SyncResult(BaseModel):
    """What one provider sync did."""

    source: str
    window_start: dt.datetime
    window_end: dt.datetime
    incremental: bool
    requests: int = Field(description="HTTP requests made, retries included")
    retries: int = 0
    cost_rows: int = 0
    replaced_rows: int = Field(0, description="rows of the same window from earlier syncs, now replaced")
    total_cost: str = Field("0", description="sum of the window's cost, as a decimal string")
    tokens_matched_rows: int = Field(0, description="cost rows whose tokens came from the usage report")
    import_result: ImportResult


def admin_key(
    settings: Settings, provider: str, *, field: str | None = None, env_name: str | None = None
) -> str:
    """The admin key for `provider` ('openai' | 'anthropic' | ...): environment first, then the keys file.
    `field` is the settings field and keys-file key (default `<provider>_admin_key`), `env_name` its usual variable."""
    field = field or f"{provider}_admin_key"
    env_name = env_name or f"{provider.upper()}_ADMIN_KEY"
    secret = getattr(settings, field)
    if secret is not None and secret.get_secret_value().strip():
        return secret.get_secret_value().strip()
    path = Path(settings.keys_file).expanduser()
    if path.is_file():
        warn_if_exposed(path)
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError:
            raise InvalidArgument(
                f"{path}: not valid YAML; expected `{field}: <key>`", file=str(path)
            ) from None
        value = doc.get(field) if isinstance(doc, dict) else None
        if isinstance(value, str) and value.strip():
            remember(value.strip())
            return value.strip()
    raise SourceError(
        f"no {provider} admin key: set {env_name} (or SPENDSCOPE_{env_name}) in the environment, or put "
        f"`{field}: ...` in {path}; keys are never taken from the command line",
        provider=provider,
        reason="missing_key",
    )


def _midnight(d: dt.date) -> dt.datetime:
    return dt.datetime(d.year, d.month, d.day, tzinfo=UTC)


def read_state(store: Store, source: str) -> dict[str, Any] | None:
    """The `_sync_state` row of a source, or None before its first sync."""
    if not store.exists:
        return None
    with store.reader() as con:
        cur = con.execute("SELECT * FROM _sync_state WHERE source = ?", [source])
        cols = [d[0] for d in cur.description]
        rows = cur.fetchall()
    return dict(zip(cols, rows[0], strict=True)) if rows else None


def plan_window(
    store: Store,
    source: str,
    *,
    since: dt.date | None,
    until: dt.date | None,
    lookback_days: int,
    initial_days: int,
    now: dt.datetime | None = None,
) -> SyncWindow:
    """The window to read: --since/--until when given, else the look-back before the last synced time."""
    now = now or dt.datetime.now(UTC)
    if lookback_days < 0:
        raise InvalidArgument(f"--lookback must be 0 or more days, got {lookback_days}", argument="lookback")
    end = _midnight(until) + dt.timedelta(days=1) if until else now
    if since:
        start, incremental = _midnight(since), False
    else:
        state = read_state(store, source)
        through = state.get("synced_through") if state else None
        if through is not None:
            start = _midnight(through.astimezone(UTC).date()) - dt.timedelta(days=lookback_days)
            incremental = True
        else:
            start, incremental = _midnight(now.date()) - dt.timedelta(days=initial_days), False
    if start >= end:
        raise InvalidArgument(
            f"the sync window is empty: start {start:%Y-%m-%d} is not before end {end:%Y-%m-%d %H:%M}",
            argument="since",
        )
    return SyncWindow(start=start, end=end, incremental=incremental)


def payload_hash(*parts: object) -> str:
    """A content hash of what the APIs returned (recorded as the import's file_hash)."""
    h = hashlib.sha256()
    for p in parts:
        h.update(json.dumps(p, sort_keys=True, default=str).encode("utf-8"))
    return h.hexdigest()


def load_pages(con: duckdb.DuckDBPyConnection, table: str, pages: list[dict[str, Any]]) -> None:
    """The API's JSON pages into `table` (page number, document), for flattening in SQL."""
    con.execute(f"CREATE OR REPLACE TABLE {table} (page INTEGER, j JSON)")
    if pages:
        frame = pd.DataFrame({"page": range(1, len(pages) + 1), "j": [json.dumps(p) for p in pages]})
        con.register("pages_in", frame)
        try:
            con.execute(f"INSERT INTO {table} SELECT page, CAST(j AS JSON) FROM pages_in")
        finally:
            con.unregister("pages_in")


def results_sql(pages_table: str, start_key: str, end_key: str) -> str:
    """Flatten pages -> buckets (`data`) -> `results`, numbering results (n) in page order."""
    return f"""
        WITH b AS (SELECT page, generate_subscripts(json_extract(j, '$.data[*]'), 1) AS bi,
                          unnest(json_extract(j, '$.data[*]')) AS b FROM {pages_table}),
        r AS (SELECT page, bi, b->>'{start_key}' AS st, b->>'{end_key}' AS et,
                     generate_subscripts(json_extract(b, '$.results[*]'), 1) AS ri,
                     unnest(json_extract(b, '$.results[*]')) AS r FROM b)
        SELECT row_number() OVER (ORDER BY page, bi, ri) AS n, st, et, r FROM r
    """


def _bucket_start(st: str | None) -> str:
    """A bucket's start as a user reads it: OpenAI's unix seconds (`1793491200`) as the UTC time they are
    (`2026-11-01T00:00:00Z`); Anthropic's RFC 3339 text as it is."""
    if st and st.isdigit():
        return dt.datetime.fromtimestamp(int(st), dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return st or "?"


def check_results(
    con: duckdb.DuckDBPyConnection, table: str, checks: list[tuple[str, str, str, str]], what: str, kind: str
) -> None:
    """Reject the sync at the first result failing a check (field, expected, condition, value expression),
    naming the result number, its bucket and the field."""
    for field, expected, cond, value in checks:
        bad = con.execute(
            f"SELECT n, st, CAST({value} AS VARCHAR) FROM {table} WHERE {cond} ORDER BY n LIMIT 1"
        ).fetchall()
        if bad:
            n, st, text = bad[0]
            shown = "missing" if text is None else repr(text[:60])
            raise ImportRejected(
                f"{what}: result {n} (bucket starting {_bucket_start(st)}), field {field}: {shown} is not "
                f"{expected}; "
                "nothing was imported",
                source=kind,
                row=n,
                column=field,
            )


class _WindowReplacingStore(Store):
    """The same store file, whose attached writer first deletes the window's rows of one source and, before
    committing, advances `_sync_state`: the replacement and the import are one transaction."""

    def __init__(
        self,
        base: Store,
        source: str,
        window: SyncWindow,
        file_hash: str,
        *,
        replace: list[Key] | None = None,
    ) -> None:
        super().__init__(base.path, lock_timeout=base.lock_timeout)
        self.base = base
        self.backend = base.backend
        self.source = source
        self.window = window
        self.file_hash = file_hash
        self.replace = replace or []  # another source's (provider, project, day) groups the sync replaces
        self.deleted = 0

    @contextmanager
    def attached_writer(
        self, con: duckdb.DuckDBPyConnection, alias: str = "store", *, hints: Any = None
    ) -> Iterator[str]:
        if self.base.backend != "duckdb":  # ClickHouse: the window's months are replaced too
            hints = dict(hints or {})
            # the other sources' partitions only when the sync replaces their rows (--replace-period)
            mine = [self.source, *(other_sources(self.source) if self.replace else [])]
            hints["costs"] = [
                *hints.get("costs", []),
                *(p for k in mine for p in window_partitions(self.window, k)),
            ]
        with self.base.attached_writer(con, alias, hints=hints) as db:
            where = "x_Source = ? AND ChargePeriodStart >= ? AND ChargePeriodStart < ?"
            params = [self.source, self.window.start, self.window.end]
            self.deleted = con.execute(f"SELECT count(*) FROM {db}.costs WHERE {where}", params).fetchall()[
                0
            ][0]
            con.execute(f"DELETE FROM {db}.costs WHERE {where}", params)
            replace_overlap(con, db, self.source, self.replace)
            yield db
            import_id, rows = con.execute(
                f"SELECT import_id, rows_inserted FROM {db}.imports WHERE kind = ? AND file_hash = ? "
                "ORDER BY finished_at DESC LIMIT 1",
                [self.source, self.file_hash],
            ).fetchall()[0]
            record_success(con, db, self.source, self.window, import_id, rows)


def record_success(
    con: duckdb.DuckDBPyConnection, db: str, source: str, window: SyncWindow, import_id: str, rows: int
) -> None:
    """Advance `_sync_state` of `source` after a successful window (inside the writer's transaction)."""
    now = dt.datetime.now(UTC)
    con.execute(
        f"""
        INSERT INTO {db}._sync_state AS s (source, synced_from, synced_through, last_window_start,
            last_success_at, last_import_id, last_rows, last_attempt_at, last_status, last_error)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'ok', NULL)
        ON CONFLICT (source) DO UPDATE SET
            synced_from = least(s.synced_from, excluded.synced_from),
            synced_through = greatest(s.synced_through, excluded.synced_through),
            last_window_start = excluded.last_window_start,
            last_success_at = excluded.last_success_at,
            last_import_id = excluded.last_import_id,
            last_rows = excluded.last_rows,
            last_attempt_at = excluded.last_attempt_at,
            last_status = 'ok',
            last_error = NULL
        """,
        [source, window.start, window.end, window.start, now, import_id, rows, now],
    )


def window_partitions(window: SyncWindow, source: str) -> list[tuple[int, str]]:
    """The `costs` partitions (billing month YYYYMM, source) a window's rows fall into: what a ClickHouse store
    copies into the write transaction so the window's old rows can be replaced (data/backends/shadow.py)."""
    out, day = [], window.start.date().replace(day=1)
    while day <= window.end.date():
        out.append((day.year * 100 + day.month, source))
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return out


def finish_sync(
    store: Store,
    con: duckdb.DuckDBPyConnection,
    table: str,
    *,
    kind: str,
    window: SyncWindow,
    source_label: str,
    file_hash: str,
    warnings: list[str],
    replace_other: bool = False,
) -> tuple[ImportResult, int]:
    """Write the staged FOCUS rows through finish_cost_import, replacing the window's rows of `kind`.
    Returns the import result and the number of rows the window held before (now replaced)."""
    outside = con.execute(
        f"SELECT count(*) FROM {table} WHERE ChargePeriodStart < ? OR ChargePeriodStart >= ?",
        [window.start, window.end],
    ).fetchall()[0][0]
    if outside:  # only the window is replaced, so only the window may be written
        con.execute(
            f"DELETE FROM {table} WHERE ChargePeriodStart < ? OR ChargePeriodStart >= ?",
            [window.start, window.end],
        )
        warnings = [*warnings, f"{outside} results outside the requested window {window.label} were left out"]
    overlap = find_overlap(
        store, con, table, kind=kind, start=window.start, end=window.end, replace=replace_other
    )
    warnings = [*warnings, *overlap.notes]
    replacing = _WindowReplacingStore(
        store, kind, window, file_hash, replace=overlap.matched if replace_other else None
    )
    source_label = redact(source_label)  # the label names the API's base URL, which may carry user:password
    result = finish_cost_import(
        replacing, con, table, kind=kind, source_file=source_label, file_hash=file_hash, warnings=warnings
    )
    return result, replacing.deleted


def record_failure(store: Store, source: str, exc: BaseException) -> None:
    """Note a failed sync in `_sync_state` (its data is untouched). Best effort: never masks the error."""
    if isinstance(exc, StoreBusy):
        return  # the store is what failed; waiting for it again would only delay the error
    message = getattr(exc, "message", None) or type(exc).__name__
    try:
        with store.writer() as con:
            now = dt.datetime.now(UTC)
            con.execute(
                """INSERT INTO _sync_state AS s (source, last_attempt_at, last_status, last_error)
                   VALUES (?, ?, 'error', ?)
                   ON CONFLICT (source) DO UPDATE SET last_attempt_at = excluded.last_attempt_at,
                       last_status = 'error', last_error = excluded.last_error""",
                [source, now, message[:500]],
            )
    except Exception:  # noqa: BLE001 - the original error is what the user must see
        pass


def unix(ts: dt.datetime) -> int:
    return int(ts.timestamp())


def rfc3339(ts: dt.datetime) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def stage_and_finish(
    store: Store,
    *,
    kind: str,
    window: SyncWindow,
    client: Any,
    cost_pages: list[dict[str, Any]],
    usage_pages: list[dict[str, Any]],
    label: str,
    stage_costs: Callable[[duckdb.DuckDBPyConnection], None],
    stage_usage: Callable[[duckdb.DuckDBPyConnection], None],
    attach_usage: Callable[[duckdb.DuckDBPyConnection], tuple[int, list[str]]],
    replace_other: bool = False,
) -> SyncResult:
    """The tail every provider sync shares: stage the fetched cost and usage pages in memory, attach the usage
    tokens to the cost rows, replace the window's rows in one transaction, and report (recording a failure)."""
    con = memory_connection()
    try:
        load_pages(con, "cost_pages", cost_pages)
        load_pages(con, "usage_pages", usage_pages)
        stage_costs(con)
        stage_usage(con)
        matched, warnings = attach_usage(con)
        digest = payload_hash(window.label, cost_pages, usage_pages)
        result, replaced = finish_sync(
            store,
            con,
            "staged",
            kind=kind,
            window=window,
            source_label=label,
            file_hash=digest,
            warnings=warnings,
            replace_other=replace_other,
        )
    except Exception as exc:
        record_failure(store, kind, exc)
        raise
    finally:
        con.close()
    return SyncResult(
        source=kind,
        window_start=window.start,
        window_end=window.end,
        incremental=window.incremental,
        requests=client.requests,
        retries=client.retries,
        cost_rows=result.rows_inserted,
        replaced_rows=replaced,
        total_cost=result.effective_cost,
        tokens_matched_rows=matched,
        import_result=result,
    )
