"""Schema, migrations and opening the store."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from spendscope.data.errors import StoreBusy, StoreMissing
from spendscope.data.focus import FOCUS_COLUMNS
from spendscope.data.store import Store, apply_migrations, migrations


def test_new_store_has_every_focus_column_with_proper_types(store: Store) -> None:
    with store.reader() as con:
        types = {r[0]: r[1] for r in con.execute("DESCRIBE costs").fetchall()}
    assert set(FOCUS_COLUMNS) <= set(types)
    assert types["BilledCost"].startswith("DECIMAL")
    assert types["EffectiveCost"].startswith("DECIMAL")
    assert types["ChargePeriodStart"] == "TIMESTAMP WITH TIME ZONE"
    assert types["Tags"] == "JSON"
    assert types["SkuPriceDetails"] == "JSON"
    for col in (
        "x_Model",
        "x_TokenType",
        "x_Tokens",
        "x_Requests",
        "x_GpuCount",
        "x_InstanceType",
        "x_ImportId",
        "x_SourceFile",
        "x_SourceRow",
    ):
        assert col in types


def test_store_has_telemetry_gpu_and_import_tables_and_views(store: Store) -> None:
    with store.reader() as con:
        names = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert {"costs", "usage_events", "gpu_samples", "imports", "anomaly_labels"} <= names
    assert {"cost_lines", "daily_costs", "token_usage", "commitment_usage", "gpu_instance_costs"} <= names


def test_migrations_are_numbered_uniquely_and_applied_once(tmp_path: Path) -> None:
    versions = [v for v, _, _ in migrations()]
    assert versions == sorted(set(versions))
    con = duckdb.connect(str(tmp_path / "m.duckdb"))
    assert apply_migrations(con) == versions
    assert apply_migrations(con) == []
    recorded = [r[0] for r in con.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()]
    assert recorded == versions
    con.close()


def _older_store(path: Path) -> Store:
    """A store file holding only the first migration, as an old version of spendscope left it."""
    con = duckdb.connect(str(path))
    first_version, name, sql = migrations()[0]
    con.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMPTZ)"
    )
    con.execute(sql)
    con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [first_version, name])
    con.close()
    return Store(path)


def test_an_older_store_is_upgraded_on_open(tmp_path: Path) -> None:
    store = _older_store(tmp_path / "old.duckdb")
    with store.reader() as con:
        applied = {r[0] for r in con.execute("SELECT version FROM schema_migrations").fetchall()}
    assert applied == {v for v, _, _ in migrations()}


def test_an_older_store_is_upgraded_by_its_first_write(tmp_path: Path) -> None:
    store = _older_store(tmp_path / "old.duckdb")
    with store.writer() as con:
        applied = {r[0] for r in con.execute("SELECT version FROM schema_migrations").fetchall()}
        con.execute(
            "INSERT INTO anomaly_labels VALUES ('a', DATE '2026-01-01', DATE '2026-01-02', 'team', 'x', "
            "'spike', 1, NULL)"
        )
    assert applied == {v for v, _, _ in migrations()}
    with store.reader() as con:
        assert con.execute("SELECT count(*) FROM anomaly_labels").fetchall() == [(1,)]


def test_the_first_read_of_a_process_checks_the_schema_on_its_own_connection(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each DuckDB connection to a file not already open starts an instance (~25 ms): a command's first read
    must not open one to check the schema and another to read."""
    import spendscope.data.store as store_module

    opened: list[bool] = []
    real = store_module.connect_with_retry

    def counting(path: Path, *, read_only: bool, timeout: float) -> duckdb.DuckDBPyConnection:
        opened.append(read_only)
        return real(path, read_only=read_only, timeout=timeout)

    monkeypatch.setattr(store_module, "connect_with_retry", counting)
    monkeypatch.setattr(store_module, "_MIGRATED", set())  # as a new process finds it
    with store.reader() as con:
        con.execute("SELECT count(*) FROM costs").fetchall()
    assert opened == [True]
    monkeypatch.setattr(store_module, "_MIGRATED", set())
    with store.writer() as con:
        con.execute("SELECT count(*) FROM costs").fetchall()
    assert opened == [True, False]


def test_reading_a_missing_store_says_how_to_create_one(tmp_path: Path) -> None:
    with pytest.raises(StoreMissing) as info, Store(tmp_path / "nope.duckdb").reader():
        pass
    assert info.value.code == "store_missing"


def test_writer_rolls_back_on_error(store: Store) -> None:
    with pytest.raises(RuntimeError), store.writer() as con:
        con.execute(
            "INSERT INTO anomaly_labels VALUES ('a', DATE '2026-01-01', DATE '2026-01-02', 'team', 'x', "
            "'spike', 1, NULL)"
        )
        raise RuntimeError("boom")
    with store.reader() as con:
        assert con.execute("SELECT count(*) FROM anomaly_labels").fetchall()[0][0] == 0


def test_a_reader_gives_up_with_store_busy_when_a_writer_never_lets_go(tmp_path: Path) -> None:
    import subprocess
    import sys
    import time

    path = tmp_path / "busy.duckdb"
    Store(path).ensure_schema()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb,time; c=duckdb.connect({str(path)!r}); print('held', flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        with pytest.raises(StoreBusy) as info, Store(path, lock_timeout=0.5).reader():
            pass
        assert info.value.code == "store_busy"
        assert time.monotonic() - started < 5
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
