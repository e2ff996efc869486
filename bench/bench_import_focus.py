"""Benchmark: `import focus` of an N-row FOCUS CSV vs a bare DuckDB read_csv into a table, same file, same run.

    .venv/bin/python bench/bench_import_focus.py [ROWS]      (default 1,000,000)

Prints both timings, the rows/s and the ratio (target: import <= ~2x the bare load).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

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


def generate(path: Path, rows: int) -> None:
    models = "[" + ", ".join(f"'{m}'" for m in MODELS) + "]"
    kinds = "[" + ", ".join(f"'{k}'" for k in KINDS) + "]"
    with duckdb.connect() as con:
        con.execute(
            f"""COPY (
            SELECT
                CAST((i % 1000) / 100.0 + 0.013 AS DECIMAL(18,6)) AS BilledCost,
                'acct-' || (i % 7) AS BillingAccountId, 'Acme' AS BillingAccountName, 'USD' AS BillingCurrency,
                '2026-11-01T00:00:00Z' AS BillingPeriodEnd, '2026-10-01T00:00:00Z' AS BillingPeriodStart,
                'Usage' AS ChargeCategory, NULL AS ChargeClass,
                {models}[1 + i % 6] || ' ' || lower({kinds}[1 + i % 4]) || ' tokens' AS ChargeDescription,
                'Usage-Based' AS ChargeFrequency,
                strftime(TIMESTAMP '2026-10-01' + to_days(CAST(i % 31 AS INT)) + INTERVAL 1 DAY, '%Y-%m-%dT%H:%M:%SZ')
                    AS ChargePeriodEnd,
                strftime(TIMESTAMP '2026-10-01' + to_days(CAST(i % 31 AS INT)), '%Y-%m-%dT%H:%M:%SZ') AS ChargePeriodStart,
                (i % 100000) * 37 AS ConsumedQuantity, 'Tokens' AS ConsumedUnit,
                CAST((i % 1000) / 100.0 + 0.013 AS DECIMAL(18,6)) AS ContractedCost,
                CAST((i % 1000) / 100.0 + 0.013 AS DECIMAL(18,6)) AS EffectiveCost,
                'Provider' AS InvoiceIssuerName, CAST((i % 1000) / 100.0 + 0.02 AS DECIMAL(18,6)) AS ListCost,
                (i % 100000) * 37 / 1e6 AS PricingQuantity, '1M Tokens' AS PricingUnit,
                ['OpenAI', 'Anthropic', 'Google Cloud'][1 + i % 3] AS ProviderName, 'Provider' AS PublisherName,
                'us-east-1' AS RegionId, 'proj_' || (i % 50) || '/' || {models}[1 + i % 6] AS ResourceId,
                {models}[1 + i % 6] AS ResourceName, 'AI and Machine Learning' AS ServiceCategory,
                'AI API' AS ServiceName, {kinds}[1 + i % 4] || ' Tokens' AS SkuMeter,
                '{{"team":"t' || (i % 9) || '","feature":"f' || (i % 23) || '"}}' AS Tags,
                'sub-' || (i % 50) AS SubAccountName
            FROM range({rows}) t(i)) TO '{path}' (HEADER)"""
        )


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "focus.csv"
        t = time.perf_counter()
        generate(csv, rows)
        print(
            f"generated {rows:,} rows ({csv.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f}s"
        )

        t = time.perf_counter()
        with duckdb.connect(str(Path(tmp) / "bare.duckdb")) as con:
            con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{csv}')")
        bare = time.perf_counter() - t

        store = Store(Path(tmp) / "store.duckdb")
        store.ensure_schema()
        t = time.perf_counter()
        result = import_focus(store, csv)
        ours = time.perf_counter() - t
        assert result.rows_inserted == rows

        t = time.perf_counter()
        again = import_focus(store, csv)
        reimport = time.perf_counter() - t
        assert again.status == "duplicate"

    print(f"bare DuckDB read_csv into a table: {bare:.2f}s ({rows / bare:,.0f} rows/s)")
    print(f"spendscope import focus:           {ours:.2f}s ({rows / ours:,.0f} rows/s)")
    print(f"ratio import/bare:                 {ours / bare:.2f}x")
    print(f"re-import of the same file:        {reimport:.2f}s (nothing added)")


if __name__ == "__main__":
    main()
