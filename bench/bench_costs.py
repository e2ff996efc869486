"""Benchmark: a cost breakdown through tools.costs.breakdown.cost_query vs the same breakdown in hand-written DuckDB SQL,
over N generated cost rows, in the same process.

    .venv/bin/python bench/bench_costs.py [ROWS]      (default 10,000,000)

Both sides open the store read-only per query (as every spendscope request does), run each query once to warm
the OS cache, then take the best of REPEAT runs. Prints each figure and the ratio tool / raw SQL
(targets: under 1 s over 10M rows on 2 cores; ratio <= 1.3).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from spendscope.data.store import Store  # noqa: E402
from spendscope.tools.costs.breakdown import CostQueryInput, Filter, cost_query  # noqa: E402

REPEAT = 5
PROVIDERS = ["OpenAI", "Anthropic", "AWS", "Google Cloud", "Microsoft"]
MODELS = [
    "gpt-4o-mini",
    "gpt-4.1",
    "gpt-4.1-mini",
    "o4-mini",
    "claude-sonnet-4-5",
    "claude-haiku-4-5",
    "claude-opus-4-1",
    "gemini-2.5-flash",
    "gemini-2.5-pro",
    "llama3-3-70b-instruct",
    "mistral-large",
    "text-embedding-3-large",
]
TYPES = ["input", "output", "cached_input", "cache_write"]


def generate(store: Store, rows: int) -> None:
    """N cost rows over 92 days (Aug-Oct 2026): 5 providers, 12 models, 4 token kinds, 9 teams, 50 accounts."""
    providers = "[" + ", ".join(f"'{p}'" for p in PROVIDERS) + "]"
    models = "[" + ", ".join(f"'{m}'" for m in MODELS) + "]"
    types = "[" + ", ".join(f"'{t}'" for t in TYPES) + "]"
    tags = "[" + ", ".join(f'\'{{"team":"t{i % 9}","feature":"f{i % 23}"}}\'' for i in range(207)) + "]"
    start = int(dt.datetime(2026, 8, 1, tzinfo=dt.UTC).timestamp())
    with store.writer() as con:
        con.execute(
            f"""INSERT INTO costs (ChargePeriodStart, ChargePeriodEnd, BillingCurrency, ChargeCategory, ProviderName,
                    ServiceName, SubAccountName, RegionId, x_Model, x_TokenType, x_Tokens, BilledCost, EffectiveCost,
                    ListCost, Tags)
                SELECT to_timestamp({start} + (i % 92) * 86400), to_timestamp({start} + (i % 92 + 1) * 86400),
                       'USD', 'Usage', {providers}[1 + i % 5], 'AI API', 'sub-' || (i % 50),
                       ['us-east-1', 'eu-west-1', 'global'][1 + i % 3], {models}[1 + (i // 7) % 12],
                       {types}[1 + (i // 3) % 4], (i % 100000) * 37,
                       CAST((i % 1000) * 0.01 + 0.013 AS DECIMAL(38,10)),
                       CAST((i % 1000) * 0.01 + 0.011 AS DECIMAL(38,10)),
                       CAST((i % 1000) * 0.01 + 0.02 AS DECIMAL(38,10)),
                       (CAST({tags} AS JSON[]))[1 + i % 207]
                FROM range({rows}) t(i)"""
        )


def best(run: Callable[[], object]) -> tuple[float, object]:
    run()  # warm the OS page cache and DuckDB's first-use paths
    times, out = [], None
    for _ in range(REPEAT):
        t = time.perf_counter()
        out = run()
        times.append(time.perf_counter() - t)
    return min(times), out


def raw(path: Path, sql: str, params: list) -> Callable[[], list]:
    def run() -> list:
        con = duckdb.connect(str(path), read_only=True)
        try:
            con.execute("SET TimeZone = 'UTC'")
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    return run


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "rows",
        type=int,
        nargs="?",
        default=10_000_000,
        help="rows of the generated store (default %(default)s)",
    )
    args = parser.parse_args()
    rows = args.rows
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.duckdb"
        store = Store(path)
        t = time.perf_counter()
        generate(store, rows)
        threads = duckdb.connect().execute("SELECT current_setting('threads')").fetchall()[0][0]
        print(
            f"generated {rows:,} cost rows in {time.perf_counter() - t:.1f}s "
            f"({path.stat().st_size / 1e6:.0f} MB); DuckDB threads: {threads}"
        )
        oct_start = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
        oct_end = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
        cases = [
            (
                "October by provider x model",
                CostQueryInput(period="2026-10", group_by=["provider", "model"]),
                """SELECT ProviderName, x_Model, SUM(EffectiveCost) AS cost FROM costs
                WHERE ChargePeriodStart >= ? AND ChargePeriodStart < ? GROUP BY 1, 2 ORDER BY cost DESC""",
                [oct_start, oct_end],
            ),
            (
                "October by team tag, provider = OpenAI, top 5",
                CostQueryInput(
                    period="2026-10",
                    group_by=["team"],
                    top=5,
                    filters=[Filter(dimension="provider", values=["OpenAI"])],
                ),
                """SELECT json_extract_string(Tags, '$.team') AS team, SUM(EffectiveCost) AS cost FROM costs
                WHERE ChargePeriodStart >= ? AND ChargePeriodStart < ? AND ProviderName = 'OpenAI'
                GROUP BY 1 ORDER BY cost DESC LIMIT 5""",
                [oct_start, oct_end],
            ),
            (
                "October by weekday x provider",
                CostQueryInput(period="2026-10", group_by=["weekday", "provider"]),
                """SELECT CASE WHEN ChargePeriodEnd > ChargePeriodStart + INTERVAL 1 DAY THEN '(multi-day)'
                       ELSE dayname(ChargePeriodStart) END AS d, ProviderName, SUM(EffectiveCost) AS cost
                FROM costs WHERE ChargePeriodStart >= ? AND ChargePeriodStart < ? GROUP BY 1, 2 ORDER BY cost DESC""",
                [oct_start, oct_end],
            ),
            (
                "All data by month x provider",
                CostQueryInput(
                    start=dt.date(2026, 8, 1), end=dt.date(2026, 10, 31), group_by=["month", "provider"]
                ),
                """SELECT strftime(date_trunc('month', ChargePeriodStart), '%Y-%m') AS m, ProviderName,
                       SUM(EffectiveCost) AS cost
                FROM costs WHERE ChargePeriodStart >= ? AND ChargePeriodStart < ? GROUP BY 1, 2 ORDER BY cost DESC""",
                [dt.datetime(2026, 8, 1, tzinfo=dt.UTC), oct_end],
            ),
        ]
        print(f"{'breakdown':<46} {'tool':>8} {'raw SQL':>8} {'ratio':>6}")
        worst = slowest = 0.0
        for name, params, sql, binds in cases:
            t_tool, result = best(lambda params=params: cost_query(store, params))
            t_raw, raw_rows = best(raw(path, sql, binds))
            tool_total = round(result.total, 2)  # type: ignore[attr-defined]
            raw_total = round(sum(float(r[-1]) for r in raw_rows), 2)  # type: ignore[union-attr]
            if "top" not in name:
                assert abs(tool_total - raw_total) < 0.01, (name, tool_total, raw_total)
            worst, slowest = max(worst, t_tool / t_raw), max(slowest, t_tool)
            print(f"{name:<46} {t_tool:>7.3f}s {t_raw:>7.3f}s {t_tool / t_raw:>6.2f}")
        print(
            f"slowest tool breakdown {slowest:.3f}s (target < 1 s); worst ratio {worst:.2f} (target <= 1.3)"
        )


if __name__ == "__main__":
    main()
