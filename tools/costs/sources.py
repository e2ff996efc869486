"""What each data source holds and whether it is still arriving: rows, date range, last import or sync, and
freshness, so a stopped feed (a CUR export that stopped landing, a sync whose key expired, an app that stopped
sending telemetry) is seen at once.

A source is one importer kind or feed: `costs.x_Source` (focus, aws_cur, openai_api, ...),
`usage_events.source` (telemetry, otel, litellm, events, ...) and `gpu_samples.source` (nvidia-smi, dmon, dcgm),
plus every provider sync recorded in `_sync_state` even before it wrote a row. A source is **stopped** when
its newest data is more than `max(stale_after_days, 2 x its usual gap)` whole days old, its usual gap being
the median gap between its consecutive data days (1 for a daily feed); **error** when its last sync failed.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import duckdb
from pydantic import BaseModel, Field
from spendscope.data.newest_day import newest_day_note
from spendscope.data.store import Store
from spendscope.tools.periods import data_end
from spendscope.tools.registry import operation

Status = Literal["ok", "stopped", "error", "empty"]


class SourcesInput(BaseModel):
    as_of: dt.datetime | None = Field(
        None, description="the 'now' freshness is measured at; default the real now"
    )
    stale_after_days: float = Field(
        2.0, ge=0, description="days without new data after which a daily feed counts as stopped"
    )


class SourceInfo(BaseModel):
    source: str = Field(
        description="importer kind or feed, e.g. focus, openai_api, telemetry, otel, nvidia-smi"
    )
    table: Literal["costs", "usage_events", "gpu_samples"]
    feed: Literal["import", "sync", "telemetry", "gpu"] = Field(description="how the data arrives")
    rows: int
    first_data: dt.datetime | None = Field(
        None, description="oldest data time (charge period start / event time)"
    )
    last_data: dt.datetime | None = Field(None, description="newest data time")
    last_import_at: dt.datetime | None = Field(
        None, description="when the last import or sync of it finished"
    )
    last_sync_at: dt.datetime | None = Field(None, description="last sync attempt (syncs only)")
    last_error: str | None = Field(None, description="the error of the last sync, when it failed")
    hours_since_data: float | None = None
    hours_since_import: float | None = None
    cadence_days: float | None = Field(
        None, description="usual gap between data days (median of the last 60)"
    )
    status: Status
    note: str


class SourcesReport(BaseModel):
    as_of: dt.datetime
    stale_after_days: float
    sources: list[SourceInfo]
    stopped: list[str] = Field(description="sources that stopped or failed")
    newest_day: str | None = Field(
        None,
        description="why the newest day of cost data looks incomplete (an export taken while the day ran: its "
        "figures are as they stand; detection and forecasts hold it back); None when it looks whole",
    )


# each table's rows counted per source, import and time first: a bill repeats a few thousand charge times over
# millions of rows, so what follows (the dates of those times above all) reads the counts, not the rows
_DATA_SQL = """
    SELECT 'costs' AS tbl, x_Source AS source, ChargePeriodStart AS t, x_ImportId AS import_id, count(*) AS n
    FROM costs GROUP BY ALL
    UNION ALL SELECT 'usage_events', source, ts, x_ImportId, count(*) FROM usage_events GROUP BY ALL
    UNION ALL SELECT 'gpu_samples', source, ts, x_ImportId, count(*) FROM gpu_samples GROUP BY ALL
"""


def _query(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    has_state = bool(
        con.execute("SELECT 1 FROM information_schema.tables WHERE table_name = '_sync_state'").fetchall()
    )
    state = (
        "_sync_state"
        if has_state
        else (
            "(SELECT NULL::VARCHAR AS source, NULL::TIMESTAMPTZ AS last_attempt_at, NULL::TIMESTAMPTZ AS last_success_at, "
            "NULL::VARCHAR AS last_status, NULL::VARCHAR AS last_error WHERE false)"
        )
    )
    return con.execute(
        f"""
        WITH data AS ({_DATA_SQL}),
        per AS (
            SELECT tbl, coalesce(source, '(unknown)') AS source, sum(n) AS n, min(t) AS first_t, max(t) AS last_t
            FROM data GROUP BY ALL
        ),
        days AS (
            SELECT tbl, coalesce(source, '(unknown)') AS source, CAST(t AS DATE) AS d FROM data GROUP BY ALL
        ),
        gaps AS (
            SELECT tbl, source, d - lag(d) OVER (PARTITION BY tbl, source ORDER BY d) AS gap
            FROM days QUALIFY row_number() OVER (PARTITION BY tbl, source ORDER BY d DESC) <= 61
        ),
        cadence AS (SELECT tbl, source, median(gap) AS cadence FROM gaps WHERE gap IS NOT NULL GROUP BY ALL),
        row_imports AS (
            SELECT d.tbl, coalesce(d.source, '(unknown)') AS source, max(i.finished_at) AS at
            FROM (SELECT DISTINCT tbl, source, import_id FROM data) AS d JOIN imports AS i ON i.import_id = d.import_id
            GROUP BY ALL
        ),
        kind_imports AS (SELECT kind, max(finished_at) AS at FROM imports WHERE status = 'ok' GROUP BY kind),
        sources AS (
            SELECT tbl, source FROM per
            UNION SELECT 'costs', source FROM {state} WHERE source NOT IN (SELECT source FROM per WHERE tbl = 'costs')
        )
        SELECT s.tbl, s.source, coalesce(p.n, 0), p.first_t, p.last_t,
               greatest(r.at, k.at, st.last_success_at), c.cadence,
               st.last_attempt_at, st.last_status, st.last_error, st.source IS NOT NULL
        FROM sources s
        LEFT JOIN per p USING (tbl, source)
        LEFT JOIN cadence c USING (tbl, source)
        LEFT JOIN row_imports r USING (tbl, source)
        LEFT JOIN kind_imports k ON k.kind = s.source
        LEFT JOIN {state} st ON st.source = s.source AND s.tbl = 'costs'
        ORDER BY s.tbl, s.source
        """
    ).fetchall()


def _hours(now: dt.datetime, then: dt.datetime | None) -> float | None:
    return round((now - then).total_seconds() / 3600.0, 1) if then else None


def _judge(row: tuple, now: dt.datetime, stale_after: float) -> SourceInfo:
    tbl, source, n, first_t, last_t, imported, cadence, attempt, status, error, is_sync = row
    feed = "sync" if is_sync else {"usage_events": "telemetry", "gpu_samples": "gpu"}.get(tbl, "import")
    days_old = (now.date() - last_t.astimezone(dt.UTC).date()).days if last_t else None
    gap = float(cadence) if cadence is not None else None
    limit = max(stale_after, 2 * gap) if gap is not None else stale_after
    if status == "error":
        verdict: Status = "error"
        note = f"the last sync failed: {error}" if error else "the last sync failed"
    elif n == 0:
        verdict, note = "empty", "no data yet"
    elif days_old is not None and days_old > limit:
        verdict = "stopped"
        if gap is None:
            note = f"no new data for {days_old} days (a single day of data, so no usual cadence yet)"
        else:
            usual = "daily" if gap <= 1 else f"every {gap:g} days"
            note = f"no new data for {days_old} days; it used to arrive {usual}"
    else:
        verdict = "ok"
        note = "fresh" if gap is not None else "one day of data so far"
    return SourceInfo(
        source=source,
        table=tbl,
        feed=feed,
        rows=n,
        first_data=first_t,
        last_data=last_t,
        last_import_at=imported,
        last_sync_at=attempt,
        last_error=error if status == "error" else None,
        hours_since_data=_hours(now, last_t),
        hours_since_import=_hours(now, imported),
        cadence_days=gap,
        status=verdict,
        note=note,
    )


def run_sources(con: duckdb.DuckDBPyConnection, p: SourcesInput) -> SourcesReport:
    now = p.as_of or dt.datetime.now(dt.UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    infos = [_judge(r, now, p.stale_after_days) for r in _query(con)]
    return SourcesReport(
        as_of=now,
        stale_after_days=p.stale_after_days,
        sources=infos,
        stopped=[i.source for i in infos if i.status in ("stopped", "error")],
        newest_day=newest_day_note(con, last) if (last := data_end(con)) is not None else None,
    )


@operation("list_sources", input_model=SourcesInput, output_model=SourcesReport)
def list_sources(store: Store, params: SourcesInput | None = None) -> SourcesReport:
    """Each data source (importer, provider sync, telemetry feed, GPU log): rows, date range, last import or sync,
    hours since the newest data and since the last import, and whether the feed has stopped."""
    with store.reader() as con:
        return run_sources(con, params or SourcesInput())
