"""Writers for per-request telemetry (`usage_events`) and GPU metrics (`gpu_samples`), shared by every
telemetry source (the Python wrapper's spool, OTel spans, LiteLLM logs, nvidia-smi/DCGM logs, the demo).

Like cost imports: stage in memory, then one short transaction that appends only what the store lacks
(events are keyed by `event_id`; GPU samples by instance, GPU and time), and record the import.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

import duckdb

from data.errors import ImportRejected
from data.importing import ImportResult, Progress, duplicate_result, previous_import, reject, sha256_file
from data.prices import PriceCatalog
from data.sql import ident, literal, parse_timestamp, repair_json
from data.store import Store, memory_connection

EVENT_COLUMNS: dict[str, str] = {
    "event_id": "VARCHAR",
    "ts": "TIMESTAMPTZ",
    "provider": "VARCHAR",
    "model": "VARCHAR",
    "operation": "VARCHAR",
    "input_tokens": "BIGINT",
    "output_tokens": "BIGINT",
    "cached_input_tokens": "BIGINT",
    "cache_write_tokens": "BIGINT",
    "reasoning_tokens": "BIGINT",
    "requests": "INTEGER",
    "latency_ms": "DOUBLE",
    "estimated_cost": "DECIMAL(38,10)",
    "priced": "BOOLEAN",
    "status": "VARCHAR",
    "customer": "VARCHAR",
    "feature": "VARCHAR",
    "team": "VARCHAR",
    "env": "VARCHAR",
    "commit_sha": "VARCHAR",
    "code_path": "VARCHAR",
    "tags": "JSON",
    "source": "VARCHAR",
}
TOKEN_COLUMNS = ("input_tokens", "output_tokens", "cached_input_tokens", "cache_write_tokens", "reasoning_tokens")

GPU_COLUMNS: dict[str, str] = {
    "instance_id": "VARCHAR",
    "host": "VARCHAR",
    "gpu_index": "INTEGER",
    "gpu_uuid": "VARCHAR",
    "gpu_name": "VARCHAR",
    "ts": "TIMESTAMPTZ",
    "utilization_pct": "DOUBLE",
    "memory_used_mib": "DOUBLE",
    "memory_total_mib": "DOUBLE",
    "power_w": "DOUBLE",
    "source": "VARCHAR",
}


def _conform(con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, str]) -> None:
    have = {r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()}
    for name, sql_type in columns.items():
        if name not in have:
            con.execute(f"ALTER TABLE {table} ADD COLUMN {ident(name)} {sql_type}")


def estimate_costs(con: duckdb.DuckDBPyConnection, table: str, catalog: PriceCatalog) -> list[str]:
    """Fill estimated_cost/priced for staged events that lack a cost, from the price catalog, in bulk.

    input_tokens follow Anthropic's convention (excluding cached and cache-write tokens). Returns warnings
    naming the models that could not be priced (their events are kept with priced = false)."""
    import pandas as pd  # imported here: query paths that only read AI_COLUMNS must not pay for pandas

    pairs = con.execute(
        f"SELECT DISTINCT provider, model FROM {table} WHERE estimated_cost IS NULL AND model IS NOT NULL"
    ).fetchall()
    rows, unpriced = [], []
    for provider, model in pairs:
        p = catalog.prices(model, provider)
        if p is None:
            unpriced.append(f"{provider}/{model}")
            continue
        rows.append({"provider": provider, "model": model, "p_in": p.input, "p_out": p.output,
                     "p_cr": p.cached_input, "p_cw": p.cache_write, "p_rs": p.reasoning})  # fmt: skip
    if rows:
        frame = pd.DataFrame(rows)
        for c in ("p_in", "p_out", "p_cr", "p_cw", "p_rs"):
            frame[c] = frame[c].map(str)
        con.register("event_prices", frame)
        try:
            con.execute(
                f"""
                UPDATE {table} AS e SET estimated_cost =
                    coalesce(e.input_tokens, 0) * CAST(p.p_in AS DECIMAL(38,18))
                    + coalesce(e.output_tokens, 0) * CAST(p.p_out AS DECIMAL(38,18))
                    + coalesce(e.cached_input_tokens, 0) * CAST(p.p_cr AS DECIMAL(38,18))
                    + coalesce(e.cache_write_tokens, 0) * CAST(p.p_cw AS DECIMAL(38,18))
                    + coalesce(e.reasoning_tokens, 0) * CAST(p.p_rs AS DECIMAL(38,18)),
                    priced = true
                FROM event_prices AS p
                WHERE e.estimated_cost IS NULL AND e.provider IS NOT DISTINCT FROM p.provider
                  AND e.model = p.model
                """
            )
        finally:
            con.unregister("event_prices")
    con.execute(f"UPDATE {table} SET priced = (estimated_cost IS NOT NULL) WHERE priced IS NULL")
    if unpriced:
        return [f"unpriced models (events kept, no estimated cost): {', '.join(sorted(unpriced)[:20])}"]
    return []


def finish_event_import(
    store: Store,
    con: duckdb.DuckDBPyConnection,
    table: str,
    *,
    kind: str,
    source_file: str,
    file_hash: str,
    catalog: PriceCatalog | None = None,
    warnings: list[str] | None = None,
) -> ImportResult:
    """Append staged usage events (columns named as in usage_events) that the store does not hold yet."""
    warnings = list(warnings or [])
    started = dt.datetime.now(dt.UTC)
    import_id = "imp_" + uuid.uuid4().hex[:12]
    _conform(con, table, EVENT_COLUMNS)
    for c in TOKEN_COLUMNS:
        con.execute(f"UPDATE {table} SET {c} = 0 WHERE {c} IS NULL")
    con.execute(f"UPDATE {table} SET requests = 1 WHERE requests IS NULL")
    con.execute(f"UPDATE {table} SET source = {literal(kind)} WHERE source IS NULL")
    missing = con.execute(f"SELECT count(*) FROM {table} WHERE ts IS NULL OR provider IS NULL").fetchall()[0][0]
    if missing:
        raise ImportRejected(f"{source_file}: {missing} events lack a time or provider; nothing was imported")
    # events without an id get a content fingerprint, so re-reading a source never double counts
    con.execute(
        f"""UPDATE {table} SET event_id = 'h' || CAST(hash(ts, provider, model, operation, input_tokens,
            output_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens, customer, feature, team,
            env, commit_sha, CAST(tags AS VARCHAR), latency_ms) AS VARCHAR) WHERE event_id IS NULL"""
    )
    warnings += estimate_costs(con, table, catalog or PriceCatalog())
    cols = list(EVENT_COLUMNS)
    rows_read = con.execute(f"SELECT count(*) FROM (SELECT DISTINCT event_id FROM {table})").fetchall()[0][0]
    with store.attached_writer(con) as db:
        con.execute(
            f"""
            INSERT INTO {db}.usage_events ({", ".join(cols)}, x_ImportId)
            SELECT {", ".join(f"s.{c}" for c in cols)}, {literal(import_id)}
            FROM (SELECT * FROM {table} QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY ts) = 1) AS s
            WHERE NOT EXISTS (SELECT 1 FROM {db}.usage_events u WHERE u.event_id = s.event_id)
            """
        )
        inserted = con.execute(
            f"SELECT count(*) FROM {db}.usage_events WHERE x_ImportId = ?", [import_id]
        ).fetchall()[0][0]
        _record(con, db, import_id, kind, source_file, file_hash, started, rows_read, inserted, warnings)
    return ImportResult(import_id=import_id, kind=kind, source_file=source_file, file_hash=file_hash, status="ok",
                        rows_read=rows_read, rows_inserted=inserted, rows_skipped=rows_read - inserted,
                        warnings=warnings)  # fmt: skip


def finish_gpu_import(
    store: Store,
    con: duckdb.DuckDBPyConnection,
    table: str,
    *,
    kind: str,
    source_file: str,
    file_hash: str,
    warnings: list[str] | None = None,
) -> ImportResult:
    """Append staged GPU samples not yet in the store (same instance/host, GPU index and time)."""
    warnings = list(warnings or [])
    started = dt.datetime.now(dt.UTC)
    import_id = "imp_" + uuid.uuid4().hex[:12]
    _conform(con, table, GPU_COLUMNS)
    con.execute(f"UPDATE {table} SET source = {literal(kind)} WHERE source IS NULL")
    bad = con.execute(f"SELECT count(*) FROM {table} WHERE ts IS NULL").fetchall()[0][0]
    if bad:
        raise ImportRejected(f"{source_file}: {bad} samples lack a time; nothing was imported")
    cols = list(GPU_COLUMNS)
    rows_read = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    key = "coalesce(instance_id, host, '')"
    with store.attached_writer(con) as db:
        con.execute(
            f"""
            INSERT INTO {db}.gpu_samples ({", ".join(cols)}, x_ImportId)
            SELECT {", ".join(f"s.{c}" for c in cols)}, {literal(import_id)}
            FROM (SELECT * FROM {table}
                  QUALIFY row_number() OVER (PARTITION BY {key}, coalesce(gpu_index, -1), ts ORDER BY ts) = 1) s
            WHERE NOT EXISTS (
                SELECT 1 FROM {db}.gpu_samples g
                WHERE coalesce(g.instance_id, g.host, '') = coalesce(s.instance_id, s.host, '')
                  AND coalesce(g.gpu_index, -1) = coalesce(s.gpu_index, -1) AND g.ts = s.ts)
            """
        )
        inserted = con.execute(
            f"SELECT count(*) FROM {db}.gpu_samples WHERE x_ImportId = ?", [import_id]
        ).fetchall()[0][0]
        _record(con, db, import_id, kind, source_file, file_hash, started, rows_read, inserted, warnings)
    return ImportResult(import_id=import_id, kind=kind, source_file=source_file, file_hash=file_hash, status="ok",
                        rows_read=rows_read, rows_inserted=inserted, rows_skipped=rows_read - inserted,
                        warnings=warnings)  # fmt: skip


def _record(con: duckdb.DuckDBPyConnection, db: str, import_id: str, kind: str, source_file: str, file_hash: str,
            started: dt.datetime, rows_read: int, inserted: int, warnings: list[str]) -> None:  # fmt: skip
    con.execute(
        f"""INSERT INTO {db}.imports (import_id, kind, source_file, file_hash, started_at, finished_at, rows_read,
            rows_inserted, rows_skipped, status, message, warnings) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'ok', NULL, ?)""",
        [import_id, kind, source_file, file_hash, started, dt.datetime.now(dt.UTC), rows_read, inserted,
         rows_read - inserted, json.dumps(warnings)],  # fmt: skip
    )


# --- the canonical telemetry file: JSON lines (or CSV/Parquet) with usage_events' column names ------------

EVENTS_KIND = "events"


def import_events_file(
    store: Store, path: Path | str, *, catalog: PriceCatalog | None = None, progress: Progress | None = None
) -> ImportResult:
    """Import usage events from JSON lines, CSV or Parquet whose fields are usage_events' columns
    (`ts` and `provider` required; `tags` an object; unknown fields are folded into `tags`)."""
    path = Path(path)
    if not path.is_file():
        raise ImportRejected(f"{path}: no such file", file=str(path))
    digest = sha256_file(path)
    earlier = previous_import(store, EVENTS_KIND, digest)
    if earlier:
        return duplicate_result(store, EVENTS_KIND, path, digest, earlier)
    name = path.name.lower()
    if name.endswith((".parquet", ".pq")):
        source = f"read_parquet({literal(str(path))})"
    elif name.endswith((".csv", ".csv.gz")):
        source = f"read_csv({literal(str(path))}, all_varchar = true, header = true)"
    else:
        source = f"read_json({literal(str(path))}, format = 'newline_delimited', records = true)"
    con = memory_connection()
    try:
        try:
            con.execute(f"CREATE TABLE ev_raw AS SELECT row_number() OVER () AS x_SourceRow, * FROM {source}")
        except duckdb.Error as exc:
            raise reject(path, f"cannot be read: {str(exc).splitlines()[0][:200]}") from None
        types = {r[0]: r[1] for r in con.execute("DESCRIBE ev_raw").fetchall()}
        have = set(types)
        for required in ("ts", "provider"):
            if required not in have:
                raise reject(path, f"missing required field {required!r} (fields: ts, provider, model, "
                             "input_tokens, output_tokens, ..., tags)")  # fmt: skip
        selects, checks = [], []
        for c, sql_type in EVENT_COLUMNS.items():
            if c not in have:
                continue
            col = f"CAST({ident(c)} AS VARCHAR)"
            if sql_type == "TIMESTAMPTZ":
                expr = parse_timestamp(col)
                checks.append((c, "a time", f"{ident(c)} IS NOT NULL AND {expr} IS NULL"))
            elif sql_type == "JSON":
                if types[c].startswith(("STRUCT", "MAP", "JSON")):
                    expr = f"CAST(to_json({ident(c)}) AS JSON)"
                else:
                    expr = f"CAST({repair_json(col)} AS JSON)"
            elif sql_type == "VARCHAR":
                expr = col
            else:
                expr = f"TRY_CAST(trim({col}) AS {sql_type})"
                checks.append((c, "a number", f"{ident(c)} IS NOT NULL AND {expr} IS NULL"))
            selects.append(f"{expr} AS {ident(c)}")
        if checks:
            which = " ".join(f"WHEN {cond} THEN {i}" for i, (_, _, cond) in enumerate(checks))
            where = " OR ".join(f"({cond})" for _, _, cond in checks)
            bad = con.execute(
                f"SELECT x_SourceRow, CASE {which} END FROM ev_raw WHERE {where} ORDER BY 1 LIMIT 1"
            ).fetchall()
            if bad:
                row, idx = bad[0]
                field, expected, _ = checks[idx]
                raise reject(path, f"row {row}, field {field}: value is not {expected}", row=row, column=field)
        extra = [c for c in types if c not in EVENT_COLUMNS and c != "x_SourceRow"]
        if extra:  # unknown fields are kept as tags
            pairs = ", ".join(f"{literal(c)}, {ident(c)}" for c in extra)
            base = next((s_ for s_ in selects if s_.endswith(' AS "tags"')), None)
            base_expr = base[: -len(' AS "tags"')] if base else "NULL"
            merged = f"CAST(json_merge_patch(coalesce({base_expr}, '{{}}'), json_object({pairs})) AS JSON)"
            selects = [s_ for s_ in selects if s_ is not base] + [f'{merged} AS "tags"']
        con.execute(f"CREATE TABLE ev AS SELECT {', '.join(selects)} FROM ev_raw")
        return finish_event_import(store, con, "ev", kind=EVENTS_KIND, source_file=str(path.resolve()),
                                   file_hash=digest, catalog=catalog)  # fmt: skip
    finally:
        con.close()
