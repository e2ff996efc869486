"""A server keeps a store's DuckDB instance warm between reads (data/warm.py), and gives the file up for writes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from spendscope.data import warm
from spendscope.data.sql_guard import run_select
from spendscope.data.store import Store


@pytest.fixture
def keeping() -> Iterator[None]:
    warm.keep(30)  # longer than any test: only a write, the guard or keep(0) closes the anchor
    try:
        yield
    finally:
        warm.keep(0)


def _null_order(store: Store) -> str:
    with store.reader() as con:
        return str(con.execute("SELECT current_setting('default_null_order')").fetchone()[0])


def _set_null_order(store: Store) -> None:
    """An instance-wide setting: seen by the next reader only if it shares this reader's instance."""
    with store.reader() as con:
        con.execute("SET GLOBAL default_null_order = 'nulls_first_on_asc_last_on_desc'")


def test_off_by_default_every_read_opens_its_own_instance(store: Store) -> None:
    assert warm.keeping() == 0
    default = _null_order(store)
    _set_null_order(store)
    assert _null_order(store) == default
    assert warm._slot(store.path).anchor is None


def test_kept_warm_reads_share_one_instance(store: Store, keeping: None) -> None:
    default = _null_order(store)
    _set_null_order(store)
    assert _null_order(store) != default
    assert warm._slot(store.path).anchor is not None


def test_a_write_in_this_process_closes_the_anchor_and_the_next_read_sees_it(
    store: Store, keeping: None
) -> None:
    _set_null_order(store)
    with store.writer() as con:
        con.execute("CREATE TABLE written_here AS SELECT 42 AS x")
    with store.reader() as con:
        assert con.execute("SELECT x FROM written_here").fetchall() == [(42,)]
        # a new instance: the setting of the one before the write is gone
        assert con.execute("SELECT current_setting('default_null_order')").fetchone()[0] != (
            "nulls_first_on_asc_last_on_desc"
        )


def test_the_anchor_closes_after_the_idle_time_and_another_process_can_write(store: Store) -> None:
    warm.keep(0.2)
    try:
        _null_order(store)
        slot = warm._slot(store.path)
        assert slot.anchor is not None
        deadline = time.monotonic() + 10
        while slot.anchor is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert slot.anchor is None, "the reaper did not close the idle anchor"
        code = (
            "import sys; from spendscope.data.store import Store\n"
            "with Store(sys.argv[1], lock_timeout=10).writer() as c:\n"
            "    c.execute('CREATE TABLE written_there AS SELECT 7 AS y')\n"
        )
        subprocess.run([sys.executable, "-c", code, str(store.path)], check=True, timeout=60)
        with store.reader() as con:
            assert con.execute("SELECT y FROM written_there").fetchall() == [(7,)]
    finally:
        warm.keep(0)


def test_a_replaced_file_is_read_anew(tmp_path: Path, keeping: None) -> None:
    first, second = Store(tmp_path / "a.duckdb"), Store(tmp_path / "b.duckdb")
    for s, n in ((first, 1), (second, 2)):
        with s.writer() as con:
            con.execute(f"CREATE TABLE which AS SELECT {n} AS n")
    with first.reader() as con:
        assert con.execute("SELECT n FROM which").fetchall() == [(1,)]
    os.replace(second.path, first.path)
    with first.reader() as con:
        assert con.execute("SELECT n FROM which").fetchall() == [(2,)]


def test_guarded_sql_runs_again_and_again_beside_a_warm_instance(store: Store, keeping: None) -> None:
    """The guard locks its instance's configuration: a warm instance must never be the guard's."""
    for _ in range(3):
        _null_order(store)
        assert run_select(store, "SELECT count(*) AS n FROM costs").rows == [(0,)]
    with store.reader() as con:  # and a read after it still configures its own connection
        assert con.execute("SELECT current_setting('TimeZone')").fetchone()[0] == "UTC"


def _write_from_another_process(store: Store) -> None:
    code = (
        "import sys; from spendscope.data.store import Store\n"
        "with Store(sys.argv[1], lock_timeout=10).writer() as c:\n"
        "    c.execute('CREATE TABLE written_after AS SELECT 9 AS z')\n"
    )
    subprocess.run([sys.executable, "-c", code, str(store.path)], check=True, timeout=60)


def test_a_commands_reads_share_one_instance_that_closes_when_it_ends(store: Store) -> None:
    default = _null_order(store)
    with warm.shared_reads():
        _set_null_order(store)
        assert _null_order(store) != default  # the second read ran on the first one's instance
        assert warm._slot(store.path).anchor is not None
    assert warm._slot(store.path).anchor is None
    assert _null_order(store) == default
    _write_from_another_process(store)  # the file is not held once the command has ended


def test_the_guard_never_shares_a_commands_instance(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(warm, "_SLOTS", {})  # as in a new process: no store read yet
    with warm.shared_reads():
        with warm.unshared(store.path), store.reader():  # a read while the guard's connection is open
            assert warm._slot(store.path).anchor is None
        assert run_select(store, "SELECT count(*) AS n FROM costs").rows == [(0,)]
        _set_null_order(store)
        assert run_select(store, "SELECT count(*) AS n FROM costs").rows == [(0,)]
        with store.reader() as con:
            assert con.execute("SELECT current_setting('TimeZone')").fetchone()[0] == "UTC"
