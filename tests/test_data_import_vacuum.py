"""An import lets its checkpoint vacuum the store only when it deleted rows (data/importing.py, `keep_row_groups`):
a restated export's replaced rows are reclaimed, not kept as deleted rows in the file; an import that deletes
nothing keeps its partial row groups instead of rewriting every row group after the first of them."""

from __future__ import annotations

from pathlib import Path

import duckdb
from focus_rows import row, write
from spendscope.data.importing import import_delivery, keep_row_groups
from spendscope.data.store import Store


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


def test_the_vacuum_is_off_only_while_nothing_was_deleted() -> None:
    with duckdb.connect() as con:
        setting = "SELECT current_setting('max_vacuum_tasks')"
        default = con.execute(setting).fetchall()[0][0]
        keep_row_groups(con, nothing_deleted=True)
        assert con.execute(setting).fetchall()[0][0] == 0
        keep_row_groups(con, nothing_deleted=False)  # a retry of the same import that deletes rows
        assert con.execute(setting).fetchall()[0][0] == default > 0
