"""The shared tail of every cost importer: typed staging table in memory -> derived AI columns -> one short
transaction that appends only rows the store does not already hold, and records the import.

An importer's job is to turn its source into an in-memory table with FOCUS column names and types plus
`x_SourceRow`; `finish_cost_import` does the rest, so every source gets the same guarantees: all-or-nothing,
idempotent re-imports, provenance on every row, and an `imports` record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from pydantic import BaseModel, Field
from spendscope.data.backends.shadow import partitions_of
from spendscope.data.derive import derive_key_sql, derived_columns, register_derivations
from spendscope.data.errors import ImportRejected
from spendscope.data.focus import AI_COLUMNS, FOCUS_COLUMNS, MONEY
from spendscope.data.sql import ident, literal, memory_limit_bytes, staging_settings
from spendscope.data.store import Store, memory_connection

Progress = Callable[[str, float], None]

# Share of DuckDB's default memory limit (itself 80% of the machine's memory) a staging connection may hold
# before it spills to disk: a 10M-row bill then imports on a small machine without exhausting its memory.
STAGING_MEMORY_SHARE = 0.5

_KIND_TYPES = {"string": "VARCHAR", "decimal": MONEY, "timestamp": "TIMESTAMPTZ", "json": "JSON"}


class ImportResult(BaseModel):
    """What one import did."""

    import_id: str
    kind: str
    source_file: str
    file_hash: str
    status: str = Field(description="ok, or duplicate when the same file was imported before")
    rows_read: int = 0
    rows_inserted: int = 0
    rows_skipped: int = Field(0, description="rows already in the store (overlapping exports)")
    effective_cost: str = Field(
        "0", description="sum of EffectiveCost over the rows read, as a decimal string"
    )
    billed_cost: str = "0"
    warnings: list[str] = Field(default_factory=list)


@contextmanager
def staging_connection() -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB connection for staging one import. Beyond `STAGING_MEMORY_SHARE` of DuckDB's default
    memory limit it spills to a private folder in the system temp directory, removed afterwards (DuckDB's own
    default would be `.tmp` in the working directory, which may be unwritable or on a small disk)."""
    con = memory_connection()
    spill = tempfile.mkdtemp(prefix="spendscope-import-")
    try:
        default = memory_limit_bytes(con)
        limit = int(default * STAGING_MEMORY_SHARE) if default else 4 << 30
        for statement in staging_settings(spill, limit):
            con.execute(statement)
        yield con
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def previous_import(store: Store, kind: str, file_hash: str) -> str | None:
    """The id of an earlier successful import of identical content, if any."""
    if not store.exists:
        return None
    with store.reader() as con:
        rows = con.execute(
            "SELECT import_id FROM imports WHERE kind = ? AND file_hash = ? AND status = 'ok' LIMIT 1",
            [kind, file_hash],
        ).fetchall()
    return rows[0][0] if rows else None


def duplicate_result(store: Store, kind: str, path: Path, file_hash: str, earlier: str) -> ImportResult:
    with store.reader() as con:
        rows_read = con.execute("SELECT rows_read FROM imports WHERE import_id = ?", [earlier]).fetchall()[0][
            0
        ]
    return ImportResult(
        import_id=earlier,
        kind=kind,
        source_file=str(path),
        file_hash=file_hash,
        status="duplicate",
        rows_read=rows_read or 0,
        rows_skipped=rows_read or 0,
        warnings=[f"identical content was already imported as {earlier}; nothing added"],
    )


def missing_cost_columns(have: set[str]) -> dict[str, str]:
    """The FOCUS and AI columns (name -> SQL type) not in `have`: a staging view selects them as typed NULLs."""
    wanted = {name: _KIND_TYPES[kind] for name, kind in FOCUS_COLUMNS.items()} | dict(AI_COLUMNS)
    return {name: sql_type for name, sql_type in wanted.items() if name not in have}


def conform_cost_table(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """Add any FOCUS or AI column the staging table lacks (as NULL). Returns the extra (x_) columns it has.
    (A staging view must already have them all: see `missing_cost_columns`.)"""
    have = {r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()}
    for name, sql_type in missing_cost_columns(have).items():
        con.execute(f"ALTER TABLE {table} ADD COLUMN {ident(name)} {sql_type}")
    reserved = set(FOCUS_COLUMNS) | set(AI_COLUMNS) | {"x_SourceRow", "x_Bad"}
    return [c for c in have if c not in reserved]


def finish_cost_import(
    store: Store,
    con: duckdb.DuckDBPyConnection,
    table: str,
    *,
    kind: str,
    source_file: str,
    file_hash: str,
    warnings: list[str] | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Derive, fingerprint and append the staged rows of `table` (in the in-memory `con`) to the store.

    One pass: the staged rows are joined to the per-combination derivations and inserted, skipping rows whose
    fingerprint the store already holds. A row's fingerprint is the hash of its source values; the n-th
    identical row of a file (n > 1) hashes with n as well, so legitimate repeats are kept while a re-read of
    the same rows from another (overlapping) file adds nothing."""
    warnings = list(warnings or [])
    started = dt.datetime.now(dt.UTC)
    import_id = "imp_" + uuid.uuid4().hex[:12]
    extras = conform_cost_table(con, table)
    if progress:
        progress("deriving AI columns", 0.55)
    derived = register_derivations(con, table)

    source_cols = list(FOCUS_COLUMNS) + sorted(extras)
    fingerprint = "hash(" + ", ".join(ident(c) for c in source_cols) + ")"
    rows_read, distinct_fp, eff, billed = con.execute(
        f"SELECT count(*), count(DISTINCT {fingerprint}), coalesce(sum(EffectiveCost), 0), "
        f"coalesce(sum(BilledCost), 0) FROM {table}"
    ).fetchall()[0]
    have_row = con.execute(
        f"SELECT count(*) FROM (DESCRIBE {table}) WHERE column_name = 'x_SourceRow'"
    ).fetchall()[0][0]
    row_expr = "" if have_row else ", CAST(rowid + 1 AS BIGINT) AS x_SourceRow"  # staged in file order
    if distinct_fp == rows_read:
        rows_sql = f"SELECT *{row_expr}, {fingerprint} AS x_RowHash FROM {table}"
    else:  # identical lines inside the file: number them so each is kept
        rows_sql = f"""SELECT * EXCLUDE (fp, n), CASE WHEN n = 1 THEN fp ELSE hash(fp, n) END AS x_RowHash
            FROM (SELECT *, row_number() OVER (PARTITION BY fp ORDER BY x_SourceRow) AS n
                  FROM (SELECT *{row_expr}, {fingerprint} AS fp FROM {table}))"""
    if progress:
        progress("writing to the store", 0.75)

    derived_sql = derived_columns("s", "d")
    target_cols = [
        *FOCUS_COLUMNS,
        *AI_COLUMNS,
        "x_Source",
        "x_ImportId",
        "x_SourceFile",
        "x_SourceRow",
        "x_RowHash",
        *sorted(extras),
    ]
    select_cols = []
    for c in target_cols:
        if c == "x_Source":
            select_cols.append(literal(kind))
        elif c == "x_ImportId":
            select_cols.append(literal(import_id))
        elif c == "x_SourceFile":
            select_cols.append(literal(source_file))
        elif c in derived_sql:
            select_cols.append(derived_sql[c])
        elif c in extras:
            select_cols.append(f"CAST(s.{ident(c)} AS VARCHAR)")
        else:
            select_cols.append(f"s.{ident(c)}")

    # ClickHouse stores copy these cost partitions into the write transaction (data/backends/shadow.py)
    hints = {"costs": partitions_of(con, table, kind)} if store.backend != "duckdb" else None
    try:
        with store.attached_writer(con, **({"hints": hints} if hints else {})) as db:
            store_cols = {r[0] for r in con.execute(f"DESCRIBE {db}.costs").fetchall()}
            for c in extras:
                if c not in store_cols:
                    con.execute(f"ALTER TABLE {db}.costs ADD COLUMN {ident(c)} VARCHAR")
            con.execute(
                f"""
                INSERT INTO {db}.costs ({", ".join(ident(c) for c in target_cols)})
                SELECT {", ".join(select_cols)}
                FROM ({rows_sql}) AS s
                LEFT JOIN {derived} AS d ON d.x_DeriveKey = {derive_key_sql("s")}
                LEFT JOIN {derived}_resources AS r ON r.x_DeriveKey = d.x_DeriveKey AND r.ResourceId = s.ResourceId
                WHERE NOT EXISTS (SELECT 1 FROM {db}.costs AS c WHERE c.x_RowHash = s.x_RowHash)
                """
            )
            inserted, unmapped, unmapped_cost = con.execute(
                f"""SELECT count(*), count(*) FILTER (WHERE x_Tokens IS NOT NULL AND x_Model IS NULL),
                       coalesce(sum(EffectiveCost) FILTER (WHERE x_Tokens IS NOT NULL AND x_Model IS NULL), 0)
                    FROM {db}.costs WHERE x_ImportId = ?""",
                [import_id],
            ).fetchall()[0]
            if unmapped:
                warnings.append(
                    f"{unmapped} token line items (effective cost {unmapped_cost:.2f}) name no recognisable model; "
                    "they are kept with x_Model NULL"
                )
            skipped = rows_read - inserted
            if skipped:
                warnings.append(
                    f"{skipped} rows were already in the store from earlier imports and were skipped"
                )
            con.execute(
                f"""INSERT INTO {db}.imports (import_id, kind, source_file, file_hash, started_at, finished_at,
                    rows_read, rows_inserted, rows_skipped, status, message, warnings)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'ok', NULL, ?)""",
                [
                    import_id,
                    kind,
                    source_file,
                    file_hash,
                    started,
                    dt.datetime.now(dt.UTC),
                    rows_read,
                    inserted,
                    skipped,
                    json.dumps(warnings),
                ],
            )
    finally:
        con.unregister(derived)
        con.unregister(f"{derived}_resources")
    if progress:
        progress("done", 1.0)
    return ImportResult(
        import_id=import_id,
        kind=kind,
        source_file=source_file,
        file_hash=file_hash,
        status="ok",
        rows_read=rows_read,
        rows_inserted=inserted,
        rows_skipped=skipped,
        effective_cost=str(eff),
        billed_cost=str(billed),
        warnings=warnings,
    )


def reject(path: Path | str, message: str, **details: object) -> ImportRejected:
    return ImportRejected(f"{path}: {message}; nothing was imported", file=str(path), **details)
