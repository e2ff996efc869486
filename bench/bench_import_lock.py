"""Benchmark: how long an import holds the store, and what a reader in another process waits meanwhile.

Generates an N-row FOCUS export, starts a reader process that asks `SELECT count(*) FROM costs` in a loop (a new
read-only connection per question, as every spendscope surface does), imports the file in this process, and
prints: the import's wall time, how long the write lock was held (the writer's `<store>.writing` note exists
exactly while it is), and the reader's latencies (median, p95, max) during the import.

    .venv/bin/python bench/bench_import_lock.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from spendscope.data.import_focus import import_focus
from spendscope.data.store import Store, marker_path

READER = """
import sys, time
from spendscope.data.store import Store
store = Store(sys.argv[1], lock_timeout=600)
while True:
    t = time.perf_counter()
    with store.reader() as con:
        con.execute("SELECT count(*) FROM costs").fetchall()
    print(time.perf_counter() - t, flush=True)
    time.sleep(0.05)
"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_import_focus import generate

    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "focus.csv"
        generate(csv, args.rows)
        store = Store(Path(tmp) / "store.duckdb", lock_timeout=600)
        store.ensure_schema()
        held: list[float] = []
        done = threading.Event()

        def watch() -> None:  # the note beside the store exists exactly while the write lock is held
            note, since = marker_path(store.path), None
            while not done.is_set():
                if note.exists() and since is None:
                    since = time.perf_counter()
                elif not note.exists() and since is not None:
                    held.append(time.perf_counter() - since)
                    since = None
                time.sleep(0.005)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        reader = subprocess.Popen(
            [sys.executable, "-c", READER, str(store.path)], stdout=subprocess.PIPE, text=True
        )
        time.sleep(1.0)
        t = time.perf_counter()
        import_focus(store, csv)
        wall = time.perf_counter() - t
        time.sleep(1.0)
        reader.kill()
        out, _ = reader.communicate()
        done.set()
        watcher.join()
        waits = [float(line) for line in out.split()]
        print(f"import of {args.rows:,} rows: {wall:.2f}s wall")
        print(f"write lock held: {sum(held):.2f}s ({len(held)} transaction(s))")
        if waits:
            waits.sort()
            p95 = waits[int(0.95 * (len(waits) - 1))]
            print(
                f"reader latency during the run: median {statistics.median(waits) * 1000:.0f} ms, "
                f"p95 {p95 * 1000:.0f} ms, max {waits[-1]:.2f}s over {len(waits)} questions"
            )
        load = Path("/proc/loadavg")
        if load.exists():
            print(f"load average: {load.read_text().split()[0]} (2 cores shared)")


if __name__ == "__main__":
    main()
