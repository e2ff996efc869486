"""Benchmark: restating a billing period costs about what importing it fresh costs.

Generates an N-row FOCUS export of one billing period and a restated version of it (every line item again, every
cost revised, as a provider's next month-to-date delivery), then times, each in a fresh child process:
  1. fresh:   import the export into an empty store
  2. restate: import the restated export into a store holding the first one (its rows replace the first's, in
              the same transaction: insert, compare line items, delete the old rows, record the delta)
and checks the store afterwards holds exactly the restated export's rows and total. Target: restate <= 1.3x fresh.

    .venv/bin/python bench/bench_import_restate.py [--rows 1000000] [--repeat 2]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import duckdb
from spendscope.data.importing import import_delivery
from spendscope.data.store import Store


def restated(src: Path, dst: Path) -> None:
    """The same line items with every cost revised (+0.001): a provider's next delivery of the period."""
    with duckdb.connect() as con:
        con.execute(
            f"""COPY (SELECT * REPLACE (BilledCost + 0.001 AS BilledCost, EffectiveCost + 0.001 AS EffectiveCost)
                FROM read_csv('{src}', all_varchar = false)) TO '{dst}' (HEADER)"""
        )


def _import(db: Path, csv: Path) -> tuple[float, int, int]:
    store = Store(db, lock_timeout=120)
    store.ensure_schema()
    t = time.perf_counter()
    result = import_delivery(store, "focus", [csv])
    return time.perf_counter() - t, result.rows_inserted, result.rows_replaced


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_import_focus import _in_child, generate

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        first, second = work / "export-day1.csv", work / "export-day2.csv"
        t = time.perf_counter()
        generate(first, args.rows)
        restated(first, second)
        print(f"generated 2 x {args.rows:,} rows in {time.perf_counter() - t:.1f}s")
        fresh_times, restate_times = [], []
        for i in range(args.repeat):
            db = work / f"fresh{i}.duckdb"
            fresh, added, _ = _in_child(_import, db, first)
            assert added == args.rows
            restate_db = work / f"restate{i}.duckdb"
            shutil.copy(db, restate_db)
            again, added, replaced = _in_child(_import, restate_db, second)
            assert (added, replaced) == (args.rows, args.rows), (added, replaced)
            with duckdb.connect(str(restate_db), read_only=True) as con:
                stored = con.execute("SELECT count(*), sum(BilledCost) FROM costs").fetchall()[0]
                expected = con.execute(
                    f"SELECT count(*), sum(CAST(BilledCost AS DECIMAL(38,10))) FROM read_csv('{second}')"
                ).fetchall()[0]
            assert stored == expected, (stored, expected)
            fresh_times.append(fresh)
            restate_times.append(again)
            print(f"run {i + 1}: fresh {fresh:6.2f}s  restate {again:6.2f}s  ratio {again / fresh:.2f}x")
        best_fresh, best_restate = min(fresh_times), min(restate_times)
        print(f"best fresh import:   {best_fresh:6.2f}s ({args.rows / best_fresh:,.0f} rows/s)")
        print(f"best restatement:    {best_restate:6.2f}s (replaced {args.rows:,} rows)")
        ratios = sorted(r / f for r, f in zip(restate_times, fresh_times, strict=True))
        print(
            f"ratio restate/fresh: best/best {best_restate / best_fresh:.2f}x, median of the paired runs "
            f"{ratios[len(ratios) // 2]:.2f}x (target <= 1.3x)"
        )
        load = Path("/proc/loadavg")
        if load.exists():
            print(f"load average: {load.read_text().split()[0]} (2 cores shared; other work inflates times)")


if __name__ == "__main__":
    main()
