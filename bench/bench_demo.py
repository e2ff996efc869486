"""Benchmark: the whole `spendscope demo` command (a fresh process, default 120 days) and its phases.

    .venv/bin/python bench/bench_demo.py [RUNS]      (default 3)

Runs the console script against a demo file in a temporary folder (SPENDSCOPE_DEMO_DB), so each run also
deletes and rebuilds it as the default demo file is; then times each phase in-process once. Target: the
whole command under 15 s on 2 cores.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def time_command(runs: int, folder: Path) -> list[float]:
    exe = Path(sys.executable).parent / "spendscope"
    env = {
        **os.environ,
        "SPENDSCOPE_DEMO_DB": str(folder / "demo.duckdb"),
        "SPENDSCOPE_DB": str(folder / "x.duckdb"),
    }
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([str(exe), "demo"], env=env, check=True, capture_output=True)
        out.append(time.perf_counter() - started)
    return out


def time_phases(folder: Path) -> dict[str, float]:
    from spendscope.data.demo import generate, import_gpu_samples, write_files, write_labels
    from spendscope.data.events import import_events_file
    from spendscope.data.import_focus import import_focus
    from spendscope.data.prices import PriceCatalog
    from spendscope.data.store import Store

    end = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    phases, t = {}, time.perf_counter()

    def lap(name: str) -> None:
        nonlocal t
        now = time.perf_counter()
        phases[name] = now - t
        t = now

    data = generate(end - dt.timedelta(days=119), end, 7)
    lap(
        f"generate ({len(data.cost_rows):,} cost rows, {len(data.events):,} events, "
        f"{len(data.gpu_samples):,} GPU samples)"
    )
    paths = write_files(data, folder)
    lap("write the source files")
    store = Store(folder / "phases.duckdb")
    store.ensure_schema()
    lap("create the store")
    import_focus(store, paths["focus"])
    lap("import focus (the bill)")
    import_events_file(store, paths["events"], catalog=PriceCatalog())
    lap("import events (telemetry)")
    import_gpu_samples(store, paths["gpu"])
    lap("import GPU samples")
    write_labels(store, data)
    lap("anomaly labels")
    return phases


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "runs", type=int, nargs="?", default=3, help="runs of the whole command (default %(default)s)"
    )
    args = parser.parse_args()
    runs = args.runs
    with tempfile.TemporaryDirectory() as tmp:
        times = time_command(runs, Path(tmp))
        print(
            f"spendscope demo (120 days, new process, rebuild): median {statistics.median(times):.2f} s, "
            f"min {min(times):.2f} s, max {max(times):.2f} s over {runs} runs (target < 15 s)"
        )
        for name, seconds in time_phases(Path(tmp)).items():
            print(f"  {name}: {seconds:.2f} s")


if __name__ == "__main__":
    main()
