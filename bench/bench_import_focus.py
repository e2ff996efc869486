"""Benchmark: `import focus` of an N-row FOCUS CSV vs a bare DuckDB read_csv into a table, same file, same run.

    .venv/bin/python bench/bench_import_focus.py [--rows 1000000 [300000 ...]] [--repeat 1] [--costs round|priced]

Each measurement runs in its own child process (so each peak RSS is its own): the bare load
`CREATE TABLE t AS SELECT * FROM read_csv(file)` into a file-backed database, and a full `import focus` into a
fresh store (read, type and check every number and date, write, number the rows, derive the AI columns, apply the
replace rules, validate, record). Prints time, rows/s, peak RSS and file size of each and the ratios, then the
bare load into memory and the import's ratio to that too (the provider benchmarks print both the same way).
Targets (issue 21): import <= 1.5x the bare load; peak RSS <= 2x; store <= 1.2x the bare table.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from import_bench_harness import cpu_seconds  # noqa: E402
from spendscope.data.import_focus import import_focus  # noqa: E402
from spendscope.data.store import Store  # noqa: E402

MODELS = [
    "gpt-4o-mini",
    "gpt-4.1",
    "claude-sonnet-4-5",
    "claude-haiku-4-5",
    "gemini-2.5-flash",
    "llama3-3-70b-instruct",
]
KINDS = ["Input", "Output", "Cached Input", "Cache Write"]


# per-token list prices (USD) of the six models, for --costs priced
PRICES = "[0.00000015, 0.000002, 0.000003, 0.000001, 0.0000003, 0.00000072]"


def generate(path: Path, rows: int, costs: str = "round") -> None:
    """`costs`: "round" (i % 1000 / 100 + 0.013: few significant digits, which DuckDB's ALP compresses very well
    as DOUBLE) or "priced" (tokens x the model's per-token price: the many-digit values real token bills have)."""
    models = "[" + ", ".join(f"'{m}'" for m in MODELS) + "]"
    kinds = "[" + ", ".join(f"'{k}'" for k in KINDS) + "]"
    if costs == "priced":
        cost = f"CAST((i % 100000) * 37 * list_extract({PRICES}, CAST(1 + i % 6 AS INT)) AS DECIMAL(18,10))"
        listed = f"CAST({cost} * 1.25 AS DECIMAL(18,10))"
    else:
        cost = "CAST((i % 1000) / 100.0 + 0.013 AS DECIMAL(18,6))"
        listed = "CAST((i % 1000) / 100.0 + 0.02 AS DECIMAL(18,6))"
    with duckdb.connect() as con:
        con.execute(
            f"""COPY (
            SELECT
                {cost} AS BilledCost,
                'acct-' || (i % 7) AS BillingAccountId, 'Acme' AS BillingAccountName, 'USD' AS BillingCurrency,
                '2026-11-01T00:00:00Z' AS BillingPeriodEnd, '2026-10-01T00:00:00Z' AS BillingPeriodStart,
                'Usage' AS ChargeCategory, NULL AS ChargeClass,
                {models}[1 + i % 6] || ' ' || lower({kinds}[1 + i % 4]) || ' tokens' AS ChargeDescription,
                'Usage-Based' AS ChargeFrequency,
                strftime(TIMESTAMP '2026-10-01' + to_days(CAST(i % 31 AS INT)) + INTERVAL 1 DAY, '%Y-%m-%dT%H:%M:%SZ')
                    AS ChargePeriodEnd,
                strftime(TIMESTAMP '2026-10-01' + to_days(CAST(i % 31 AS INT)), '%Y-%m-%dT%H:%M:%SZ') AS ChargePeriodStart,
                (i % 100000) * 37 AS ConsumedQuantity, 'Tokens' AS ConsumedUnit,
                {cost} AS ContractedCost,
                {cost} AS EffectiveCost,
                'Provider' AS InvoiceIssuerName, {listed} AS ListCost,
                (i % 100000) * 37 / 1e6 AS PricingQuantity, '1M Tokens' AS PricingUnit,
                ['OpenAI', 'Anthropic', 'Google Cloud'][1 + i % 3] AS ProviderName, 'Provider' AS PublisherName,
                'us-east-1' AS RegionId, 'proj_' || (i % 50) || '/' || {models}[1 + i % 6] AS ResourceId,
                {models}[1 + i % 6] AS ResourceName, 'AI and Machine Learning' AS ServiceCategory,
                'AI API' AS ServiceName, {kinds}[1 + i % 4] || ' Tokens' AS SkuMeter,
                '{{"team":"t' || (i % 9) || '","feature":"f' || (i % 23) || '"}}' AS Tags,
                'sub-' || (i % 50) AS SubAccountName
            FROM range({rows}) t(i)) TO '{path}' (HEADER)"""
        )


def _peak_rss_gb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / (1 << 20)
    return 0.0


def _bare(csv: Path, db: Path | None) -> tuple[float, float, int, float]:
    """The bare load into a database file (`db`; the goal's baseline, as a store is a file) or into memory."""
    t, cpu = time.perf_counter(), cpu_seconds()
    with duckdb.connect(str(db) if db else ":memory:") as con:
        con.execute("SET enable_progress_bar = false")
        con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{csv}')")
    return time.perf_counter() - t, _peak_rss_gb(), db.stat().st_size if db else 0, cpu_seconds() - cpu


def _ours(csv: Path, db: Path) -> tuple[float, float, int, int, float, float]:
    store = Store(db, lock_timeout=600)
    store.ensure_schema()
    t, cpu = time.perf_counter(), cpu_seconds()
    result = import_focus(store, csv)
    took, cpu = time.perf_counter() - t, cpu_seconds() - cpu
    t = time.perf_counter()
    again = import_focus(store, csv)
    assert again.status == "duplicate"
    return took, _peak_rss_gb(), db.stat().st_size, result.rows_inserted, time.perf_counter() - t, cpu


def _in_child(fn: object, *args: object) -> object:
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--costs", choices=("round", "priced"), default="round", help="money values: see generate()"
    )
    args = parser.parse_args()
    for rows in args.rows:
        with tempfile.TemporaryDirectory() as tmp:
            csv = Path(tmp) / "focus.csv"
            t = time.perf_counter()
            generate(csv, rows, args.costs)
            print(
                f"generated {rows:,} rows ({csv.stat().st_size / 1e6:,.0f} MB) in {time.perf_counter() - t:.1f}s"
            )
            for i in range(args.repeat):
                bare, bare_rss, bare_size, bare_cpu = _in_child(_bare, csv, Path(tmp) / f"bare{i}.duckdb")
                in_memory, _, _, memory_cpu = _in_child(_bare, csv, None)
                ours, rss, size, inserted, reimport, cpu = _in_child(
                    _ours, csv, Path(tmp) / f"store{i}.duckdb"
                )
                assert inserted == rows
                print(
                    f"  bare read_csv:  {bare:7.2f}s  CPU {bare_cpu:6.2f}s {rows / bare:11,.0f} rows/s  "
                    f"peak {bare_rss:5.2f} GB  file {bare_size / 1e6:7.1f} MB"
                )
                print(
                    f"  import focus:   {ours:7.2f}s  CPU {cpu:6.2f}s {rows / ours:11,.0f} rows/s  "
                    f"peak {rss:5.2f} GB  file {size / 1e6:7.1f} MB"
                )
                print(
                    f"  ratios: time {ours / bare:.2f}x  CPU {cpu / bare_cpu:.2f}x  peak RSS {rss / bare_rss:.2f}x  "
                    f"size {size / bare_size:.2f}x;  re-import of the same file {reimport:.2f}s (nothing added)"
                )
                print(
                    f"  (the bare load into memory: {in_memory:.2f}s, CPU {memory_cpu:.2f}s; import / that: "
                    f"{ours / in_memory:.2f}x time, {cpu / memory_cpu:.2f}x CPU)"
                )
    load = Path("/proc/loadavg")
    if load.exists():
        print(f"load average: {load.read_text().split()[0]} (2 cores; other work inflates times)")


if __name__ == "__main__":
    main()
