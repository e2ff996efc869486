"""The FOCUS 1.3 contract commitment dataset (one row per commitment of a contract: its cost, quantity and unit,
and the periods it covers), imported by `spendscope import focus` into table `contract_commitments` when an
export ships it as its own file. Cost rows point at these commitments through their ContractApplied JSON."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

import duckdb
from spendscope.data.csv_files import csv_source, read_header
from spendscope.data.errors import ImportRejected
from spendscope.data.focus import CONTRACT_COMMITMENT_COLUMNS
from spendscope.data.importing import (
    ImportResult,
    Progress,
    duplicate_result,
    previous_import,
    reject,
    sha256_file,
    staging_connection,
)
from spendscope.data.sql import ident, literal, parse_decimal, parse_timestamp_iso_first, read_parquet
from spendscope.data.store import Store

KIND = "focus_contract_commitment"


def _is_parquet(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(4) == b"PAR1"


def _columns(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[str, list[str]]:
    source = read_parquet(str(path)) if _is_parquet(path) else csv_source(con, path)
    names = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
    return source, names


def is_contract_commitment_file(path: Path) -> bool:
    """True when the file's columns are the contract commitment dataset's (and not cost rows'). Reads the header
    only (the Parquet schema, or a CSV's first line)."""
    try:
        if _is_parquet(path):
            names = [
                r[0] for r in duckdb.execute(f"DESCRIBE SELECT * FROM {read_parquet(str(path))}").fetchall()
            ]
        else:
            names = read_header(path).names
    except (duckdb.Error, OSError, ImportRejected):
        return False
    low = {n.strip().lstrip("\ufeff").lower() for n in names}
    return "contractcommitmentid" in low and "chargeperiodstart" not in low and "billedcost" not in low


def import_contract_commitments(
    store: Store, path: Path | str, *, progress: Progress | None = None
) -> ImportResult:
    """Import one contract commitment file, all or nothing; the same content again adds nothing."""
    path = Path(path)
    digest = sha256_file(path)
    earlier = previous_import(store, KIND, digest)
    if earlier:
        return duplicate_result(store, KIND, path, digest, earlier)
    started = dt.datetime.now(dt.UTC)
    import_id = "imp_" + uuid.uuid4().hex[:12]
    with staging_connection() as con:
        source, names = _columns(con, path)
        by_lower = {n.strip().lstrip("\ufeff").lower(): n for n in names}
        selects = []
        for column, kind in CONTRACT_COMMITMENT_COLUMNS.items():
            src = by_lower.get(column.lower())
            text = f"CAST({ident(src)} AS VARCHAR)" if src else "CAST(NULL AS VARCHAR)"
            expr = {"decimal": parse_decimal, "timestamp": parse_timestamp_iso_first}.get(kind, lambda e: e)(
                text
            )
            selects.append(f"{expr} AS {ident(column)}")
            if src and kind != "string":
                bad = con.execute(
                    f"SELECT n, v FROM (SELECT ordinality AS n, {text} AS v, {expr} AS p FROM {source} WITH ORDINALITY) "
                    "WHERE v IS NOT NULL AND p IS NULL ORDER BY n LIMIT 1"
                ).fetchall()
                if bad:
                    row, value = bad[0]
                    expected = "a number" if kind == "decimal" else "a date"
                    raise reject(
                        path, f"row {row}, column {column}: {value[:60]!r} is not {expected}", row=row
                    )
        con.execute(
            f"CREATE TABLE staged AS SELECT {', '.join(selects)}, CAST(ordinality AS BIGINT) AS x_SourceRow "
            f"FROM {source} WITH ORDINALITY"
        )
        rows = con.execute(
            "SELECT count(*), coalesce(sum(ContractCommitmentCost), 0) FROM staged"
        ).fetchall()[0]
        cols = ", ".join(ident(c) for c in CONTRACT_COMMITMENT_COLUMNS)
        with store.attached_writer(con) as db:
            con.execute(
                f"INSERT INTO {db}.contract_commitments ({cols}, x_ImportId, x_SourceFile, x_SourceRow) "
                f"SELECT {cols}, {literal(import_id)}, {literal(str(path.resolve()))}, x_SourceRow FROM staged"
            )
            con.execute(
                f"""INSERT INTO {db}.imports (import_id, kind, source_file, file_hash, started_at, finished_at,
                    rows_read, rows_inserted, rows_skipped, status, message, warnings)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 'ok', NULL, ?)""",
                [
                    import_id,
                    KIND,
                    str(path.resolve()),
                    digest,
                    started,
                    dt.datetime.now(dt.UTC),
                    rows[0],
                    rows[0],
                    json.dumps([]),
                ],
            )
    if progress:
        progress("done", 1.0)
    return ImportResult(
        import_id=import_id,
        kind=KIND,
        source_file=str(path.resolve()),
        file_hash=digest,
        status="ok",
        rows_read=rows[0],
        rows_inserted=rows[0],
        effective_cost="0",
        billed_cost="0",
        warnings=[
            f"contract commitment dataset: {rows[0]} commitments (total committed {rows[1]:.2f}) stored in "
            "table contract_commitments"
        ],
    )
