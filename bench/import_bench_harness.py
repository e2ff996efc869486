"""What the provider-export import benchmarks (bench_import_azure.py, bench_import_gcp.py) share: each side of the
comparison in a fresh child process of the same run (so each peak RSS is its own), the bare DuckDB load as the
baseline, and the printed figures. Run the benchmarks, not this module."""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def peak_rss_gb() -> float:
    """This process's peak RSS (VmHWM: ru_maxrss survives exec, so a spawned child could report its parent's)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text(encoding="utf-8").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / (1 << 20)
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1 << 20)  # KiB on Linux


def cpu_seconds() -> float:
    """This process's CPU time (user + system, all threads): steadier than wall time on a shared machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def bare_load(csv_path: Path, db: Path | None = None) -> tuple[float, float, float, int]:
    """CREATE TABLE t AS SELECT * FROM read_csv(file), auto-detected types, in an in-memory DuckDB or (`db`) a
    database file, as a store is (timed to the file closed): (seconds, CPU seconds, peak GB, file bytes)."""
    t, cpu = time.perf_counter(), cpu_seconds()
    con = duckdb.connect(str(db) if db else ":memory:")
    con.execute("SET enable_progress_bar = false")
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{csv_path}')")
    con.close()
    return time.perf_counter() - t, cpu_seconds() - cpu, peak_rss_gb(), db.stat().st_size if db else 0


def spendscope_import(
    kind: str, csv_path: Path, db: Path
) -> tuple[float, float, float, int, list[tuple[str, float]]]:
    """The whole import (read, type, check, map to FOCUS, write, number, derive, replace rules, validate, record)
    into a fresh store file: (seconds, CPU seconds, peak GB, rows inserted, progress phases)."""
    from spendscope.data.importing import import_delivery
    from spendscope.data.store import Store

    store = Store(db, lock_timeout=60)
    store.ensure_schema()
    phases: list[tuple[str, float]] = []
    t, cpu = time.perf_counter(), cpu_seconds()
    result = import_delivery(
        store, kind, [csv_path], progress=lambda stage, _f: phases.append((stage, time.perf_counter()))
    )
    return time.perf_counter() - t, cpu_seconds() - cpu, peak_rss_gb(), result.rows_inserted, phases


def generator(path: Path) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection for writing a generated file next to `path`: the ORDER BY that keeps rows in order
    spills instead of holding ~1.5 GB per million rows."""
    con = duckdb.connect()
    con.execute("SET memory_limit = '3GB'")
    con.execute(f"SET temp_directory = '{path.parent / 'generate.tmp'}'")
    return con


def in_child(fn: Callable[..., object], *args: object) -> object:
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


def run(doc: str, kind: str, label: str, generate: Callable[[Path, int], int]) -> None:
    """Parse --rows/--dir, generate the file (`generate(path, rows)` returns the rows the import must insert), time
    both sides and print rows/s, peak RSS and the ratios import/bare."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=None, help="work folder (default: a temporary one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.dir or Path(tmp)
        csv_path = work / f"{kind}.csv"
        t = time.perf_counter()
        expected = generate(csv_path, args.rows)
        size = csv_path.stat().st_size / 1e6
        print(f"generated {args.rows:,} rows ({size:,.0f} MB) in {time.perf_counter() - t:.1f}s")
        store = work / "bench.duckdb"
        for old in (work / "bare.duckdb", store, work / "bench.duckdb.wal"):  # a --dir used before
            old.unlink(missing_ok=True)
        bare, bare_cpu, bare_rss, _ = in_child(bare_load, csv_path)
        on_file, file_cpu, _, file_size = in_child(bare_load, csv_path, work / "bare.duckdb")
        full, cpu, rss, inserted, phases = in_child(spendscope_import, kind, csv_path, store)
        assert inserted == expected, (inserted, expected)
        size = store.stat().st_size
        print(
            f"bare DuckDB read_csv into a table: {bare:7.2f}s  CPU {bare_cpu:6.2f}s  {args.rows / bare:10,.0f} rows/s  "
            f"peak RSS {bare_rss:.2f} GB"
        )
        print(
            f"  the same into a database file:   {on_file:7.2f}s  CPU {file_cpu:6.2f}s  "
            f"{args.rows / on_file:10,.0f} rows/s  file {file_size / 1e6:.1f} MB"
        )
        print(
            f"spendscope import {label + ':':16s} {full:7.2f}s  CPU {cpu:6.2f}s  {args.rows / full:10,.0f} rows/s  "
            f"peak RSS {rss:.2f} GB  store {size / 1e6:.1f} MB"
        )
        print(
            f"ratio import / bare read:          {full / bare:7.2f}x time, {cpu / bare_cpu:.2f}x CPU, "
            f"{rss / bare_rss:.2f}x peak RSS"
        )
        print(
            f"ratio import / bare file:          {full / on_file:7.2f}x time, {cpu / file_cpu:.2f}x CPU, "
            f"{size / file_size:.2f}x file size"
        )
        print(
            "import phases: "
            + ", ".join(f"{s} {b - a:.1f}s" for (s, a), (_, b) in zip(phases, phases[1:], strict=False))
        )
        load = Path("/proc/loadavg")
        if load.exists():
            print(f"load average after the run: {load.read_text(encoding='utf-8').split()[0]} (2 cores)")
