"""The second step of an import into a DuckDB store: deriving the AI columns after the rows are committed.

DuckDB writes a large INSERT's rows to the file as it goes; when the same transaction then UPDATEs those rows, the
commit appends every row again (measured: a one-column UPDATE of 1M freshly inserted rows adds ~1 s to the commit,
whatever the column, and ~10 s at 10M rows), while the same UPDATE after the commit costs ~0.25 s. So an import
commits its rows, its scope decisions and its ledger row (status `deriving`) first, then derives the AI columns
(model, token type, tokens, GPU fields) and marks the import `ok` in a second transaction, under the same file lock:
no other process can open the store in between (DuckDB allows one writing process and no reader beside it).

Were the process to die between the two (killed, power lost), the store holds the import's rows with their costs
right and their AI columns empty, and the ledger says `deriving` (`spendscope imports` shows it); the next import
into the store derives them first (`finish_interrupted`). docs/concurrency.md says so.
"""

from __future__ import annotations

import json

import duckdb
from spendscope.data.cost_writer import derive_ai_columns, unmapped_token_warning
from spendscope.data.sql import literal
from spendscope.data.value_summary import refresh_summary

DERIVING = "deriving"


def derive_later(
    con: duckdb.DuckDBPyConnection, db: str, *, import_id: str, warnings: list[str]
) -> list[str]:
    """Commit what the import wrote so far, then derive its AI columns and mark it `ok` (the caller's transaction
    commits that). Returns the warnings the derivation adds."""
    con.execute("COMMIT")
    con.execute("BEGIN")
    derive_ai_columns(con, db, import_id=import_id)
    added = unmapped_token_warning(con, f"(SELECT * FROM {db}.costs WHERE x_ImportId = {literal(import_id)})")
    con.execute(
        f"UPDATE {db}.imports SET status = 'ok', warnings = ? WHERE import_id = ?",
        [json.dumps(warnings + added), import_id],
    )
    return added


def finish_interrupted(con: duckdb.DuckDBPyConnection, db: str) -> list[str]:
    """Derive the AI columns of imports a dead process left `deriving` (inside the caller's transaction)."""
    left = [
        r[0]
        for r in con.execute(f"SELECT import_id FROM {db}.imports WHERE status = ?", [DERIVING]).fetchall()
    ]
    for import_id in left:
        derive_ai_columns(con, db, import_id=import_id)
        con.execute(f"UPDATE {db}.imports SET status = 'ok' WHERE import_id = ?", [import_id])
    if left:
        refresh_summary(con, db, rewritten=left)
    return left
