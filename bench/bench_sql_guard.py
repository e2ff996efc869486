"""Benchmark: what the SQL guard costs, and how long its worst accepted and refused inputs take to check.

    .venv/bin/python bench/bench_sql_guard.py [--rows 200000] [--repeat 20]

Builds a store in a temporary folder with `--rows` generated FOCUS cost rows (through the real FOCUS importer),
then times, interleaved in the same run (median of `--repeat`):

- a typical `run_sql` query (group by provider over a month, a WITH and a subquery) through `run_select`, against
  the same SQL run by hand on a fresh read-only DuckDB connection (the baseline: the ratio is the guard's cost);
- `check_select` alone (parse, scope resolution, names) on the typical query, against a bare `sqlglot.parse_one`;
- the check of inputs at the limits: 20,000 characters of select list, 24 levels of brackets, and the refusals of
  a 100-bracket query, a 1,000-link OR chain and a 1.7 MB query (these must stay far below the 20 s time cap).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import duckdb  # noqa: E402
import sqlglot  # noqa: E402
from spendscope.data.errors import QueryRefused  # noqa: E402
from spendscope.data.import_focus import import_focus  # noqa: E402
from spendscope.data.sql_guard import check_select, documented_relations, run_select  # noqa: E402
from spendscope.data.store import Store  # noqa: E402

TYPICAL = (
    "WITH month AS (SELECT * FROM cost_lines WHERE ChargeDate >= DATE '2026-10-01' "
    "AND ChargeDate < DATE '2026-11-01') "
    "SELECT ProviderName, sum(EffectiveCost) AS cost, count(*) AS lines FROM month "
    "WHERE ServiceName IN (SELECT DISTINCT ServiceName FROM costs WHERE BilledCost > 0) "
    "GROUP BY 1 ORDER BY 2 DESC"
)
PROVIDERS = ["OpenAI", "Anthropic", "AWS", "Microsoft", "Google Cloud"]


def _write(path: Path, rows: int) -> None:
    header = [
        "BilledCost",
        "BillingAccountId",
        "BillingCurrency",
        "BillingPeriodStart",
        "BillingPeriodEnd",
        "ChargeCategory",
        "ChargePeriodStart",
        "ChargePeriodEnd",
        "EffectiveCost",
        "ListCost",
        "ProviderName",
        "ServiceName",
        "SubAccountName",
    ]
    start = dt.datetime(2026, 8, 1, tzinfo=dt.UTC)
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(header)
        for i in range(rows):
            day = start + dt.timedelta(days=i % 92)
            cost = f"{(i * 37 % 1000) / 100:.2f}"
            month = day.replace(day=1)
            out.writerow(
                [
                    cost,
                    "acct-1",
                    "USD",
                    month.isoformat(),
                    (month + dt.timedelta(days=32)).replace(day=1).isoformat(),
                    "Usage",
                    day.isoformat(),
                    (day + dt.timedelta(days=1)).isoformat(),
                    cost,
                    cost,
                    PROVIDERS[i % 5],
                    f"service-{i % 40}",
                    f"sub-{i % 300}",
                ]
            )


def _median(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _refused(sql: str, allowed: set[str]) -> Callable[[], object]:
    def work() -> None:
        try:
            check_select(sql, allowed)
        except QueryRefused:
            return
        raise AssertionError("expected a refusal")

    return work


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "bench.duckdb", lock_timeout=60)
        _write(Path(folder) / "costs.csv", args.rows)
        import_focus(store, Path(folder) / "costs.csv")
        with store.reader() as con:
            allowed = documented_relations(con)

        def by_hand() -> object:
            con = duckdb.connect(str(store.path), read_only=True)
            try:
                return con.execute(TYPICAL).fetchall()
            finally:
                con.close()

        rows: list[tuple[str, float, float | None]] = []
        guarded = _median(lambda: run_select(store, TYPICAL, row_limit=200, timeout=20), args.repeat)
        plain = _median(by_hand, args.repeat)
        rows.append(("typical query: run_select vs DuckDB by hand", guarded, plain))
        check = _median(lambda: check_select(TYPICAL, allowed, row_limit=200), args.repeat)
        parse = _median(lambda: sqlglot.parse_one(TYPICAL, read="duckdb"), args.repeat)
        rows.append(("typical query: check_select vs sqlglot.parse_one", check, parse))
        wide = "SELECT " + ", ".join(["1"] * 6_600) + " FROM costs"
        rows.append(
            ("20,000-character select list (accepted)", _median(lambda: check_select(wide, allowed), 5), None)
        )
        nested = "SELECT " + "(" * 24 + "1" + ")" * 24 + " FROM costs"
        rows.append(
            ("24 levels of brackets (accepted)", _median(lambda: check_select(nested, allowed), 5), None)
        )
        bombs = {
            "100 levels of brackets (refused)": "SELECT " + "(" * 100 + "1" + ")" * 100,
            "1,000-link OR chain (refused)": "SELECT 1 FROM costs WHERE "
            + " OR ".join(["BilledCost = 1"] * 1_000),
            "1.7 MB query (refused)": "SELECT 1 FROM costs WHERE "
            + " OR ".join(["BilledCost = 1"] * 100_000),
        }
        for label, sql in bombs.items():
            rows.append((label, _median(_refused(sql, allowed), 5), None))
    print(f"SQL guard, {args.rows:,} cost rows, median of {args.repeat} (limits: median of 5)")
    for label, ours, base in rows:
        ratio = f"  ratio {ours / base:.2f}" if base else ""
        shown = f"  baseline {base * 1000:.1f} ms" if base else ""
        print(f"{label:55s} {ours * 1000:8.1f} ms{shown}{ratio}")


if __name__ == "__main__":
    main()
