"""Benchmark: unit economics. `import metrics` of an N-row metrics CSV against a bare DuckDB read_csv of the same
file into a table; on the demo store (120 days to 2026-10-31, seed 7): `profitability` (three months of attribution)
cold and warm against one bare `attribute_costs` month, and `cost_per_business_unit` against the bare `query_costs`
of the same cost, all measured in the same run.

    .venv/bin/python bench/bench_metrics.py [ROWS]      (default 1,000,000)

Prints each timing, the rows/s of the import and the ratios to the baselines.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from spendscope.data.demo import build_demo  # noqa: E402
from spendscope.data.import_metrics import import_metrics  # noqa: E402
from spendscope.data.store import Store  # noqa: E402
from spendscope.tools.business import cost_data  # noqa: E402
from spendscope.tools.invoke import invoke  # noqa: E402


def generate(path: Path, rows: int) -> None:
    """Daily metrics per customer: tickets and documents for 5,000 customers, as many days as it takes."""
    with duckdb.connect() as con:
        con.execute(
            f"""COPY (
                SELECT strftime(DATE '2025-01-01' + CAST(i // 10000 AS INTEGER), '%Y-%m-%d') AS date,
                       ['tickets_resolved', 'documents_processed'][1 + i % 2] AS metric,
                       (i * 7919) % 1000 + 1 AS value, ['tickets', 'documents'][1 + i % 2] AS unit,
                       'customer-' || ((i // 2) % 5000) AS customer, 'plan-' || ((i // 2) % 5000 % 4) AS plan,
                       ['eu', 'us'][1 + i % 3 % 2] AS region
                FROM range({rows}) AS t(i)
            ) TO '{path}' (HEADER, DELIMITER ',')"""
        )


def timed(fn, runs: int = 3) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "rows",
        type=int,
        nargs="?",
        default=1_000_000,
        help="rows of the generated metrics file (default %(default)s)",
    )
    args = parser.parse_args()
    rows = args.rows
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv = folder / "metrics.csv"
        generate(csv, rows)
        t = time.perf_counter()
        with duckdb.connect(str(folder / "bare.duckdb")) as con:
            con.execute(
                f"CREATE TABLE m AS SELECT * FROM read_csv('{csv}', header = true, all_varchar = true)"
            )
        bare = time.perf_counter() - t
        store = Store(folder / "store.duckdb", lock_timeout=60)
        t = time.perf_counter()
        result = import_metrics(store, csv)
        took = time.perf_counter() - t
        t = time.perf_counter()
        again = import_metrics(store, csv)
        unchanged = time.perf_counter() - t
        print(
            f"import metrics, {result.rows_inserted:,} rows: {took:.2f}s ({result.rows_inserted / took:,.0f} rows/s)"
        )
        print(f"  bare read_csv into a table: {bare:.2f}s; ratio {took / bare:.1f}x")
        print(f"  the same file again ({again.status}): {unchanged:.2f}s")

        demo = Store(folder / "demo.duckdb", lock_timeout=60)
        build_demo(demo, end="2026-10-31", days=120, seed=7)
        month = {"period": "2026-10", "by": ["customer"], "measure": "cost"}
        base = timed(lambda: invoke(demo, "attribute_costs_to_customers", month))

        def cold() -> None:
            cost_data._CACHE.clear()
            invoke(demo, "profitability", {"period": "2026-10"})

        prof_cold = timed(cold)
        prof_warm = timed(lambda: invoke(demo, "profitability", {"period": "2026-10"}))
        print(
            f"profitability by customer, 2026-10 with a 3-month trend: cold {prof_cold * 1000:.0f} ms, "
            f"warm {prof_warm * 1000:.0f} ms"
        )
        print(f"  one month of attribute_costs: {base * 1000:.0f} ms; cold ratio {prof_cold / base:.1f}x")
        q = {"period": "2026-10", "filters": [{"dimension": "feature", "values": ["support-bot"]}]}
        bare_cost = timed(lambda: invoke(demo, "query_costs", q))
        unit = timed(
            lambda: invoke(
                demo, "cost_per_business_unit", {"metric": "tickets_resolved", "period": "2026-10"}
            )
        )
        print(
            f"cost per ticket resolved, 2026-10: {unit * 1000:.0f} ms; the bare query_costs of the feature "
            f"{bare_cost * 1000:.0f} ms; ratio {unit / bare_cost:.1f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
