"""Writers for per-request telemetry (`usage_events`) and GPU metrics (`gpu_samples`), shared by every
telemetry source (the Python wrapper's spool, OTel spans, LiteLLM logs, nvidia-smi/DCGM logs, the demo).

Like cost imports: stage in memory, then one short transaction that appends only what the store lacks
(events are keyed by `event_id`; GPU samples by instance, GPU and time), and record the import.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from pathlib import Path

import duckdb
from spendscope.data.date_order import sampled_slash_order
from spendscope.data.errors import ImportRejected
from spendscope.data.event_pricing import catalog_cost_sql, price_join_sql, register_price_table
from spendscope.data.file_identity import FileIdentity
from spendscope.data.file_kinds import api_report_note, belongs_elsewhere, elsewhere, json_document_note
from spendscope.data.importing import (
    ImportResult,
    Progress,
    duplicate_result,
    earlier_import,
    previous_import,
    reject,
    sha256_file,
    staging_connection,
)
from spendscope.data.price_rules import bedrock_geo_sql, geo_sql, tier_sql
from spendscope.data.prices import PriceCatalog
from spendscope.data.sql import epoch_timestamp, ident, json_or_repair, literal, parse_timestamp_iso_first
from spendscope.data.store import Store, memory_connection

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
    # pricing engine v2 (migration 0080)
    "service_tier": "VARCHAR",
    "inference_geo": "VARCHAR",
    "cache_write_1h_tokens": "BIGINT",
    "instance_id": "VARCHAR",
    "reported_cost": "DECIMAL(38,10)",
    "catalog_cost": "DECIMAL(38,10)",
    "cost_source": "VARCHAR",
    "long_context": "BOOLEAN",
    "price_source": "VARCHAR",
}
# source types read as they are (no round trip through text): integers and floats; money always goes through text
_NUMBERS = frozenset(
    ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT")
) | {"DOUBLE", "FLOAT"}
# the years `parse_timestamp_iso_first` takes as they are (constant bounds: an integer comparison)
_PLAUSIBLE = "{0} >= TIMESTAMPTZ '1970-01-01' AND {0} < TIMESTAMPTZ '2201-01-01'"
COUNT = "a count (zero or more)"  # a fraction is rounded (tests/test_data_import_fast_paths.py)
TOKEN_COLUMNS = (
    "input_tokens",
    "output_tokens",
    "cached_input_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
    "cache_write_1h_tokens",
)
COUNT_COLUMNS = (*TOKEN_COLUMNS, "requests")

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


def _pricing_sql(e: str = "e") -> tuple[str, str]:
    """SQL for an event's service tier and inference geography in the catalog's words; a Bedrock model id names
    its geography (`us.anthropic...` a US profile, `global.` the global one, a bare id the caller's Region)."""
    raw = f"coalesce(json_extract_string({e}.tags, '$.model_raw'), {e}.model)"
    bedrock = f"lower(coalesce({e}.provider, '')) IN ('aws.bedrock', 'bedrock', 'aws')"
    geo = f"coalesce({geo_sql(f'{e}.inference_geo')}, CASE WHEN {bedrock} THEN {bedrock_geo_sql(raw)} END)"
    return tier_sql(f"{e}.service_tier"), geo


def import_event_file(
    store: Store,
    path: Path | str,
    *,
    kind: str,
    stage: Callable[[duckdb.DuckDBPyConnection, Path], list[str]],
    catalog: PriceCatalog | None = None,
) -> ImportResult:
    """The frame a file importer of usage events shares: the file's identity (re-importing the same content adds
    nothing), `stage` building the `ev` table in a staging connection (returning its warnings), then one write
    of the events, all or nothing."""
    path = Path(path)
    if not path.is_file():
        raise ImportRejected(f"{path}: no such file", file=str(path))
    digest = sha256_file(path)
    earlier = previous_import(store, kind, digest)
    if earlier:
        return duplicate_result(store, kind, path, digest, earlier)
    con = memory_connection()
    try:
        warnings = stage(con, path)
        return finish_event_import(
            store,
            con,
            "ev",
            kind=kind,
            source_file=str(path.resolve()),
            file_hash=digest,
            catalog=catalog,
            warnings=warnings,
        )
    finally:
        con.close()


def finish_event_import(
    store: Store,
    con: duckdb.DuckDBPyConnection,
    table: str,
    *,
    kind: str,
    source_file: str,
    file_hash: str | FileIdentity,
    catalog: PriceCatalog | None = None,
    warnings: list[str] | None = None,
) -> ImportResult:
    """Append staged usage events (columns named as in usage_events) that the store does not hold yet.

    One projection fills the defaults (0 tokens, 1 request, the source), a content fingerprint as event_id where
    the source gave none (so re-reading a source never double counts) and the catalog estimate where the source
    gave no cost; then one transaction appends the events whose id the store lacks. The projection is a view,
    evaluated by the final INSERT: the staged events are not copied again (only a source that repeats an event
    is materialised, to keep the first of each)."""
    warnings = list(warnings or [])
    started = dt.datetime.now(dt.UTC)
    import_id = "imp_" + uuid.uuid4().hex[:12]
    _conform(con, table, EVENT_COLUMNS)
    missing = con.execute(f"SELECT count(*) FROM {table} WHERE ts IS NULL OR provider IS NULL").fetchall()[0][
        0
    ]
    if missing:
        raise ImportRejected(f"{source_file}: {missing} events lack a time or provider; nothing was imported")
    # 1-hour cache writes are part of the cache writes: a source that reports only them reports that many writes
    con.execute(
        f"UPDATE {table} SET cache_write_tokens = cache_write_1h_tokens "
        "WHERE cache_write_1h_tokens > coalesce(cache_write_tokens, 0)"
    )
    tier, geo = _pricing_sql("e")
    warnings += register_price_table(
        con, f"SELECT e.provider, e.model, {tier}, {geo} FROM {table} AS e", catalog or PriceCatalog()
    )
    fingerprint = (
        "'h' || CAST(hash(e.ts, e.provider, e.model, e.operation, e.input_tokens, e.output_tokens, "
        "e.cached_input_tokens, e.cache_write_tokens, e.reasoning_tokens, e.customer, e.feature, e.team, e.env, "
        "e.commit_sha, CAST(e.tags AS VARCHAR), e.latency_ms) AS VARCHAR)"
    )
    # the price join and the catalog cost are computed once per event, in an inner projection the outer one reads
    # (the cost feeds four columns; tier and geography feed the join and two columns)
    reported, catalog_cost = "e._reported", "e._catalog_cost"
    exprs = {c: f"e.{c}" for c in EVENT_COLUMNS}
    exprs.update({c: f"coalesce(e.{c}, 0)" for c in TOKEN_COLUMNS})
    exprs["requests"] = "coalesce(e.requests, 1)"
    exprs["source"] = f"coalesce(e.source, {literal(kind)})"
    exprs["event_id"] = f"coalesce(e.event_id, {fingerprint})"
    exprs["reported_cost"] = reported
    exprs["catalog_cost"] = catalog_cost
    exprs["estimated_cost"] = f"coalesce({reported}, {catalog_cost})"
    exprs["cost_source"] = (
        f"CASE WHEN {reported} IS NOT NULL THEN 'reported' WHEN {catalog_cost} IS NOT NULL THEN 'catalog' END"
    )
    exprs["priced"] = f"coalesce(e.priced, coalesce({reported}, {catalog_cost}) IS NOT NULL)"
    exprs["service_tier"], exprs["inference_geo"] = "e._tier", "e._geo"
    exprs["long_context"] = "CASE WHEN e._price_model IS NOT NULL THEN e._price_lo >= 0 END"
    exprs["price_source"] = "e._price_source"
    cols = list(EVENT_COLUMNS)
    # a cost the source gave (its own `reported_cost`, or an `estimated_cost` it computed) wins over the catalog
    con.execute(
        f"""CREATE OR REPLACE TEMP VIEW events_final AS
            SELECT {", ".join(f"{exprs[c]} AS {c}" for c in cols)}
            FROM (SELECT e.*, coalesce(e.reported_cost, e.estimated_cost) AS _reported,
                         {catalog_cost_sql("e", "p")} AS _catalog_cost, p.model AS _price_model, p.lo AS _price_lo,
                         p.source AS _price_source
                  FROM (SELECT *, {tier} AS _tier, {geo} AS _geo FROM {table} AS e) AS e LEFT JOIN event_prices AS p
                    ON {price_join_sql("e", "p", tier="coalesce(e._tier, 'standard')", geo="coalesce(e._geo, '')")}
                 ) AS e"""
    )
    ids = f"coalesce(e.event_id, {fingerprint})"  # what the view's event_id is, without the price join
    # distinct 64-bit hashes of the ids: fewer than the rows when an id repeats (or, rarely, two ids collide, which
    # only sends the source down the exact path below)
    counted = con.execute(f"SELECT count(*), count(DISTINCT hash({ids})) FROM {table} AS e").fetchall()
    rows_read, distinct_ids = counted[0]
    final = "events_final"
    if distinct_ids != rows_read:  # the same event twice in one source (a resent batch): keep the first
        con.execute(
            "CREATE OR REPLACE TEMP TABLE events_unique AS SELECT * FROM events_final "
            "QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY ts) = 1"
        )
        warnings += _conflicting_ids(con, "events_final", cols)
        final = "events_unique"
        rows_read = con.execute("SELECT count(*) FROM events_unique").fetchall()[0][0]
    hints = None
    if store.backend != "duckdb":  # ClickHouse: copy the stored events with these ids into the transaction
        hints = {"usage_events": con.sql(f"SELECT DISTINCT event_id FROM {final}").to_arrow_table()}
    with store.attached_writer(con, **({"hints": hints} if hints else {})) as db:
        con.execute(
            f"""
            INSERT INTO {db}.usage_events ({", ".join(cols)}, x_ImportId)
            SELECT {", ".join(f"s.{c}" for c in cols)}, {literal(import_id)} FROM {final} AS s
            WHERE NOT EXISTS (SELECT 1 FROM {db}.usage_events u WHERE u.event_id = s.event_id)
            """
        )
        inserted = con.execute(
            f"SELECT count(*) FROM {db}.usage_events WHERE x_ImportId = ?", [import_id]
        ).fetchall()[0][0]
        files = None
        if isinstance(file_hash, FileIdentity):  # a file: recorded with its size and digests, hashed by now
            files, file_hash = [file_hash.record()], file_hash.sha256
        _record(
            con, db, import_id, kind, source_file, file_hash, started, rows_read, inserted, warnings, files
        )
    con.execute("DROP VIEW events_final")
    con.execute("DROP TABLE IF EXISTS events_unique")
    con.execute("DROP TABLE event_prices")
    return ImportResult(
        import_id=import_id,
        kind=kind,
        source_file=source_file,
        file_hash=file_hash,
        status="ok",
        rows_read=rows_read,
        rows_inserted=inserted,
        rows_skipped=rows_read - inserted,
        warnings=warnings,
    )


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
    hints = None
    if store.backend != "duckdb":  # ClickHouse: copy the stored samples at these times into the transaction
        hints = {"gpu_samples": con.sql(f"SELECT DISTINCT ts FROM {table}").to_arrow_table()}
    with store.attached_writer(con, **({"hints": hints} if hints else {})) as db:
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
    return ImportResult(
        import_id=import_id,
        kind=kind,
        source_file=source_file,
        file_hash=file_hash,
        status="ok",
        rows_read=rows_read,
        rows_inserted=inserted,
        rows_skipped=rows_read - inserted,
        warnings=warnings,
    )


def _record(
    con: duckdb.DuckDBPyConnection,
    db: str,
    import_id: str,
    kind: str,
    source_file: str,
    file_hash: str,
    started: dt.datetime,
    rows_read: int,
    inserted: int,
    warnings: list[str],
    files: list[dict[str, object]] | None = None,
) -> None:
    con.execute(
        f"""INSERT INTO {db}.imports (import_id, kind, source_file, file_hash, started_at, finished_at, rows_read,
            rows_inserted, rows_skipped, status, message, warnings, files)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'ok', NULL, ?, ?)""",
        [
            import_id,
            kind,
            source_file,
            file_hash,
            started,
            dt.datetime.now(dt.UTC),
            rows_read,
            inserted,
            rows_read - inserted,
            json.dumps(warnings),
            json.dumps(files) if files else None,
        ],
    )


# --- the canonical telemetry file: JSON lines (or CSV/Parquet) with usage_events' column names ------------

EVENTS_KIND = "events"


def _conflicting_ids(con: duckdb.DuckDBPyConnection, events: str, cols: list[str]) -> list[str]:
    """A warning when an event id repeats with different values (not a resent batch: a source reusing ids), which
    keeping the first of each drops."""
    content = f"hash({', '.join(ident(c) for c in cols if c != 'event_id')})"
    n, example = con.execute(
        f"SELECT count(*), min(event_id) FROM (SELECT event_id FROM {events} GROUP BY event_id "
        f"HAVING count(DISTINCT {content}) > 1)"
    ).fetchall()[0]
    if not n:
        return []
    return [
        f"{n} event ids appear more than once with different values (e.g. {example!r}); the earliest event of "
        "each id was kept: give each request its own event_id"
    ]


def _text(column: str, sql_type: str) -> str:
    """A read field as text. A JSON lines field whose values are of more than one type (a time written as ISO text
    by one emitter and as epoch milliseconds by another, a count as 12 and "12") is read as JSON: its strings are
    taken without their quotes, so they parse and an error shows the value as the file has it (probe 28)."""
    if sql_type == "JSON":
        return f"json_extract_string({column}, '$')"
    return f"CAST({column} AS VARCHAR)"


def import_events_file(
    store: Store, path: Path | str, *, catalog: PriceCatalog | None = None, progress: Progress | None = None
) -> ImportResult:
    """Import usage events from JSON lines, CSV or Parquet whose fields are usage_events' columns
    (`ts` and `provider` required; `tags` an object; unknown fields are folded into `tags`)."""
    path = Path(path)
    if not path.is_file():
        raise ImportRejected(f"{path}: no such file", file=str(path))
    plain = not path.name.lower().endswith((".gz", ".parquet", ".pq"))
    # the reader's own words for an empty file: "expected records, but got non-record JSON"
    if plain and path.stat().st_size < 4096 and not path.read_bytes().strip():
        raise ImportRejected(f"{path}: the file is empty (no events); nothing was imported", file=str(path))
    identity = FileIdentity.of(path)
    earlier = earlier_import(store, EVENTS_KIND, [identity])  # the full SHA-256 only for a candidate
    if earlier:
        return duplicate_result(store, EVENTS_KIND, path, identity.sha256, earlier)
    identity.start_hashing()  # beside the parse, in a thread
    name = path.name.lower()
    if name.endswith((".parquet", ".pq")):
        source = f"read_parquet({literal(str(path))})"
    elif name.endswith((".csv", ".csv.gz")):
        source = f"read_csv({literal(str(path))}, all_varchar = true, header = true)"
    else:
        source = f"read_json({literal(str(path))}, format = 'newline_delimited', records = true)"
    with staging_connection() as con:
        try:
            described = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
            if any(r[1] == '"NULL"' for r in described) and source.startswith("read_json"):
                # a field null in every sampled line would be typed NULL and lose its later values: read the
                # whole file to type it (only such files pay for the extra pass)
                source = source[:-1] + ", sample_size = -1)"
                described = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
            # a view, not a copy: the typed table `ev` below is the one materialisation of the rows. Events keep
            # no row number, so the file is read in parallel; the numbered read happens only for a bad value.
            if source.startswith("read_json"):  # the types just read: the view does not sniff the file again
                fields = ", ".join(f"{literal(r[0])}: {literal(r[1])}" for r in described)
                source = source[:-1] + f", columns = {{{fields}}})"
            con.execute(f"CREATE VIEW ev_raw AS SELECT * FROM {source}")
            # events keep no row number and no order: every statement below may run on every core
            con.execute("SET preserve_insertion_order = false")
        except duckdb.Error as exc:
            report = api_report_note(path) or belongs_elsewhere(path, EVENTS_KIND)
            if report:
                raise reject(path, f"cannot be read as usage events: {report}") from None
            note = json_document_note(path)
            if note:  # the reader's own message would name a byte and a line, not the cause
                raise reject(
                    path, f"cannot be read as usage events: {note}; write one event per line"
                ) from None
            raise reject(path, f"cannot be read: {str(exc).splitlines()[0][:200]}") from None
        types = {r[0]: r[1] for r in described}
        have = set(types)
        for required in ("ts", "provider"):
            if required not in have:
                raise reject(
                    path,
                    f"missing required field {required!r} (fields: ts, provider, model, "
                    "input_tokens, output_tokens, ..., tags)" + elsewhere(path, "events", list(have)),
                )
        selects, checks = [], []
        times = [
            ident(c) for c, t in EVENT_COLUMNS.items() if t == "TIMESTAMPTZ" and types.get(c) == "VARCHAR"
        ]
        order = sampled_slash_order(con, path, "ev_raw", times)  # 01/10/2026: one order per file
        for c, sql_type in EVENT_COLUMNS.items():
            if c not in have:
                continue
            col = _text(ident(c), types[c])
            if sql_type == "TIMESTAMPTZ":
                expr = parse_timestamp_iso_first(col, order.day_first)
                if types[c] == "JSON":  # ISO text in some lines, epoch numbers in others (two emitters)
                    number = f"json_type({ident(c)}) IN ('UBIGINT', 'BIGINT', 'DOUBLE')"
                    expr = f"CASE WHEN {number} THEN {epoch_timestamp(col)} ELSE {expr} END"
                elif (
                    types[c] == "TIMESTAMP WITH TIME ZONE"
                ):  # the reader typed it: no round trip through text
                    expr = f"CASE WHEN {_PLAUSIBLE.format(ident(c))} THEN {ident(c)} ELSE {expr} END"
                elif types[c] in _NUMBERS:  # epoch seconds, milliseconds, ... (what SDKs log)
                    expr = epoch_timestamp(ident(c))
                checks.append((c, "a time", f"{ident(c)} IS NOT NULL AND {expr} IS NULL"))
            elif types[c] in _NUMBERS and sql_type in _NUMBERS:  # a number read as one: cast it as it is
                expr = f"TRY_CAST({ident(c)} AS {sql_type})"
                checks.append((c, "a number", f"{ident(c)} IS NOT NULL AND {expr} IS NULL"))
            elif sql_type == "JSON":
                if types[c].startswith(("STRUCT", "MAP", "JSON")):
                    expr = f"CAST(to_json({ident(c)}) AS JSON)"
                else:
                    expr = json_or_repair(col)
            elif sql_type == "VARCHAR":
                expr = col
            else:
                expr = f"TRY_CAST(trim({col}) AS {sql_type})"
                checks.append((c, "a number", f"{ident(c)} IS NOT NULL AND {expr} IS NULL"))
            if c in COUNT_COLUMNS:  # a negative count is a broken source, never a refund
                checks.append((c, COUNT, f"{expr} < 0"))
            selects.append(f"{expr} AS {ident(c)}")
        extra = [c for c in types if c not in EVENT_COLUMNS]
        if extra:  # unknown fields are kept as tags
            pairs = ", ".join(f"{literal(c)}, {ident(c)}" for c in extra)
            base = next((s_ for s_ in selects if s_.endswith(' AS "tags"')), None)
            base_expr = base[: -len(' AS "tags"')] if base else "NULL"
            merged = f"CAST(json_merge_patch(coalesce({base_expr}, '{{}}'), json_object({pairs})) AS JSON)"
            selects = [s_ for s_ in selects if s_ is not base] + [f'{merged} AS "tags"']
        flag = " OR ".join(f"({cond})" for _, _, cond in checks) if checks else "false"
        try:
            con.execute(f"CREATE TABLE ev AS SELECT {', '.join(selects)}, {flag} AS x_Bad FROM ev_raw")
        except (duckdb.InvalidInputException, duckdb.IOException) as exc:  # a bad line met while streaming
            raise reject(path, f"cannot be read: {str(exc).splitlines()[0][:200]}") from None
        if con.execute("SELECT count(*) FROM ev WHERE x_Bad").fetchall()[0][0]:
            # the first value that was there but does not type: name its row and field
            which = " ".join(f"WHEN {cond} THEN {i}" for i, (_, _, cond) in enumerate(checks))
            bad, idx = con.execute(
                f"SELECT ordinality, CASE {which} END FROM (SELECT *, ordinality FROM {source} WITH ORDINALITY) "
                f"WHERE {flag} ORDER BY ordinality LIMIT 1"
            ).fetchall()[0]
            field, expected, _ = checks[idx]
            value = con.execute(
                f"SELECT {_text(ident(field), types[field])} FROM (SELECT *, ordinality FROM {source} WITH ORDINALITY) "
                "WHERE ordinality = ?",
                [bad],
            ).fetchall()[0][0]
            raise reject(
                path,
                f"row {bad}, field {field}: {'empty' if value is None else repr(value[:60])} is not {expected}",
                row=bad,
                column=field,
                value=value,
            )
        con.execute("DROP VIEW ev_raw")
        return finish_event_import(
            store,
            con,
            "ev",
            kind=EVENTS_KIND,
            source_file=str(path.resolve()),
            file_hash=identity,
            catalog=catalog,
            warnings=[order.warning] if order.warning else None,
        )
