"""An import lets its checkpoint vacuum the store only when its transaction deleted rows of costs
(data/importing.py, `keep_row_groups`): a restated export's replaced rows are reclaimed, not kept as deleted rows
in the file (through the import), and the vacuum is off only while nothing was deleted (`keep_row_groups` itself:
the partial row groups it then keeps need more rows than a test should write to appear)."""

from __future__ import annotations

from pathlib import Path

import duckdb
from focus_rows import row, write
from spendscope.data.importing import import_delivery, keep_row_groups
from spendscope.data.store import Store

SETTING = "SELECT current_setting('max_vacuum_tasks')"


def _rows(account: str, cost: str) -> list[dict[str, str]]:
    return [
        row(day, cost, tokens=1_000 + i)
        | {"BillingAccountId": account, "ResourceId": f"r-{account}-{day}-{i}"}
        for day in range(1, 21)
        for i in range(60)
    ]


def _stored_and_live(path: Path) -> tuple[int, int]:
    with duckdb.connect(str(path), read_only=True) as con:
        live = con.execute("SELECT count(*) FROM costs").fetchall()[0][0]
        stored = con.execute(
            "SELECT sum(count) FROM pragma_storage_info('costs') "
            "WHERE column_name = 'x_SourceRow' AND segment_type <> 'VALIDITY'"
        ).fetchall()[0][0]
    return int(stored), int(live)


def test_a_restated_export_leaves_no_deleted_rows_in_the_store(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    store.ensure_schema()
    first = write(tmp_path / "october.csv", _rows("acct-1", "1.50") + _rows("acct-2", "2.00"))
    import_delivery(store, "focus", [first])
    restated = write(tmp_path / "october-acct-2.csv", _rows("acct-2", "2.10"))

    result = import_delivery(store, "focus", [restated])

    assert result.rows_replaced == 1_200 and result.rows_inserted == 1_200
    assert _stored_and_live(store.path) == (2_400, 2_400)


def test_any_delete_in_the_writers_transaction_keeps_the_vacuum(tmp_path: Path) -> None:
    """A writer around the import (a sync replacing its window) may delete rows before the import inserts."""
    store = Store(tmp_path / "s.duckdb")
    store.ensure_schema()
    import_delivery(store, "focus", [write(tmp_path / "october.csv", _rows("acct-1", "1.50"))])
    with duckdb.connect() as con, store.attached_writer(con) as db:
        default = con.execute(SETTING).fetchall()[0][0]
        keep_row_groups(con, db, written=0)
        assert con.execute(SETTING).fetchall()[0][0] == 0  # nothing deleted, nothing written
        con.execute(f"DELETE FROM {db}.costs WHERE x_SourceRow <= 5")
        con.execute(f"INSERT INTO {db}.costs (BilledCost, x_SourceRow) SELECT 1, i FROM range(5) AS t(i)")
        keep_row_groups(con, db, written=5)  # as many rows written as deleted: the count alone would not tell
        assert con.execute(SETTING).fetchall()[0][0] == default > 0
        con.execute("ROLLBACK")
        con.execute("BEGIN")  # the writer commits on leaving
