"""Several processes use one store: imports hold the file only for a short final transaction, readers retry."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest
from spendscope.data import warm
from spendscope.data.store import Store


def _big_focus_csv(path: Path, rows: int, offset: int = 0) -> Path:
    with duckdb.connect() as con:
        con.execute(
            f"""COPY (
                SELECT CAST(1 + (i % 97) / 10 AS DECIMAL(18,2)) AS BilledCost,
                       CAST(1 + (i % 97) / 10 AS DECIMAL(18,2)) AS EffectiveCost,
                       TIMESTAMPTZ '2026-09-01' + to_days(CAST(i % 60 AS INT)) AS ChargePeriodStart,
                       TIMESTAMPTZ '2026-09-02' + to_days(CAST(i % 60 AS INT)) AS ChargePeriodEnd,
                       'OpenAI' AS ProviderName, 'OpenAI API' AS ServiceName,
                       'gpt-4o-mini input tokens' AS ChargeDescription, 'Input Tokens' AS SkuMeter,
                       i * 10 AS ConsumedQuantity, 'Tokens' AS ConsumedUnit,
                       'r' || (i + {offset}) AS ResourceId
                FROM range({rows}) t(i)) TO '{path}' (HEADER)"""
        )
    return path


def _import_in_subprocess(db: Path, csv: Path, lock_timeout: float = 60) -> subprocess.Popen:
    code = (
        "import sys; from spendscope.data.store import Store; "
        "from spendscope.data.import_focus import import_focus; "
        f"r = import_focus(Store({str(db)!r}, lock_timeout={lock_timeout}), {str(csv)!r}); print(r.rows_inserted)"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )


def test_queries_keep_answering_while_another_process_imports(tmp_path: Path) -> None:
    db = tmp_path / "shared.duckdb"
    store = Store(db, lock_timeout=60)
    store.ensure_schema()
    csv = _big_focus_csv(tmp_path / "big.csv", 300_000)
    proc = _import_in_subprocess(db, csv)
    counts: list[int] = []
    errors: list[BaseException] = []
    while proc.poll() is None:
        try:
            with store.reader() as con:
                counts.append(con.execute("SELECT count(*) FROM costs").fetchall()[0][0])
        except BaseException as exc:  # noqa: BLE001 - any failure fails the test below
            errors.append(exc)
        time.sleep(0.01)
    out, err = proc.communicate()
    assert proc.returncode == 0, err
    assert errors == []
    assert counts, "the reader never ran during the import"
    assert set(counts) <= {0, 300_000}  # a reader sees all of the import or none of it
    with store.reader() as con:
        assert con.execute("SELECT count(*) FROM costs").fetchall()[0][0] == 300_000
    assert int(out.strip()) == 300_000


def _reads(
    store: Store, stop: threading.Event, errors: list[BaseException], hold: float, pause: float
) -> None:
    """Reads until stopped, each holding the store `hold` seconds, `pause` between them. Two that hold 50 ms with no
    pause never leave the file free; one every 10 ms in a server keeping its instance warm never lets it idle."""
    while not stop.is_set():
        try:
            with store.reader() as con:
                con.execute("SELECT count(*) FROM costs").fetchall()
                time.sleep(hold)
        except BaseException as exc:  # noqa: BLE001 - any failure fails the test below
            errors.append(exc)
        time.sleep(pause)


@pytest.mark.parametrize("readers", ["overlapping", "warm"])
def test_a_writer_is_not_kept_out_by_readers_that_never_pause(tmp_path: Path, readers: str) -> None:
    """DuckDB's file lock keeps no queue: without the waiting writer's note these readers keep the file held for
    the writer's whole timeout (both cases fail with StoreBusy when readers do not step back)."""
    db = tmp_path / "shared.duckdb"
    store = Store(db, lock_timeout=30)
    store.ensure_schema()
    csv = _big_focus_csv(tmp_path / "small.csv", 2_000)
    stop, errors = threading.Event(), []
    count, hold, pause = (2, 0.05, 0.0) if readers == "overlapping" else (1, 0.0, 0.01)
    threads = [threading.Thread(target=_reads, args=(store, stop, errors, hold, pause)) for _ in range(count)]
    if readers == "warm":
        warm.keep(30)  # longer than the test: only the waiting writer can make this process let go
    try:
        for thread in threads:
            thread.start()
            time.sleep(0.025)
        proc = _import_in_subprocess(db, csv, lock_timeout=8)
        out, err = proc.communicate(timeout=120)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        warm.keep(0)
    assert proc.returncode == 0, err
    assert int(out.strip()) == 2_000
    assert errors == []
    assert not (tmp_path / "shared.duckdb.wanted").exists()  # the writer took its note away


def test_two_processes_importing_at_once_lose_no_rows(tmp_path: Path) -> None:
    db = tmp_path / "shared.duckdb"
    Store(db).ensure_schema()
    a = _big_focus_csv(tmp_path / "a.csv", 100_000, offset=0)
    b = _big_focus_csv(tmp_path / "b.csv", 100_000, offset=10_000_000)
    procs = [_import_in_subprocess(db, a), _import_in_subprocess(db, b)]
    results = [p.communicate() for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [r[1] for r in results]
    with Store(db).reader() as con:
        assert con.execute("SELECT count(*), count(DISTINCT x_ImportId) FROM costs").fetchall()[0] == (
            200_000,
            2,
        )


def test_readers_in_threads_share_the_store_with_a_writer(store: Store) -> None:
    stop = threading.Event()
    failures: list[BaseException] = []

    def read_loop() -> None:
        while not stop.is_set():
            try:
                with store.reader() as con:
                    con.execute("SELECT count(*) FROM anomaly_labels").fetchall()
            except BaseException as exc:  # noqa: BLE001
                failures.append(exc)

    threads = [threading.Thread(target=read_loop) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        for i in range(20):
            with store.writer() as con:
                con.execute(
                    "INSERT INTO anomaly_labels VALUES (?, DATE '2026-01-01', DATE '2026-01-02', 'team', "
                    "'x', 'spike', 1, NULL)",
                    [f"l{i}"],
                )
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert failures == []
    with store.reader() as con:
        assert con.execute("SELECT count(*) FROM anomaly_labels").fetchall()[0][0] == 20


def test_a_reader_waiting_on_a_write_is_told_after_two_seconds(tmp_path: Path, caplog) -> None:  # noqa: ANN001
    db = tmp_path / "shared.duckdb"
    Store(db).ensure_schema()
    code = (
        "import sys, time; from spendscope.data.store import Store, activity\n"
        f"s = Store({str(db)!r})\n"
        "with activity('an import of focus big.csv'), s.writer() as con:\n"
        "    print('holding', flush=True); time.sleep(4)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        with (
            caplog.at_level("WARNING", logger="spendscope.store"),
            Store(db, lock_timeout=30).reader() as con,
        ):
            assert con.execute("SELECT count(*) FROM costs").fetchall() == [(0,)]
    finally:
        holder.communicate(timeout=30)
    [notice] = [r.getMessage() for r in caplog.records if r.name == "spendscope.store"]
    assert "a write is in progress" in notice and "an import of focus big.csv" in notice
    assert not (tmp_path / "shared.duckdb.writing").exists()  # the note goes with the lock
