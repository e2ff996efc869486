"""Benchmark: the same store on embedded ClickHouse (chdb) and on DuckDB, on this machine, in the same run.

    .venv/bin/python bench/bench_clickhouse.py [--rows N] [--events N] [--import-rows N] [--skip STEP ...]
        [--scan-rows] [--batch-root-causes]
        defaults: 1,000,000 cost rows, 1,000,000 usage events, 100,000 rows through the FOCUS importer
    flock /tmp/spendscope-heavy.lock .venv/bin/python bench/bench_clickhouse.py --rows 10000000 --events 10000000 \
        --scan-rows
    nice -n 15 .venv/bin/python bench/bench_clickhouse.py --rows 100000000 --events 0

Generated data (92 days, Aug-Oct 2026: 5 providers, 12 models, 200 sub-accounts, 9 teams in tags), then:
- bulk load: a Parquet file of N cost rows and one of M usage events loaded by each engine itself
  (DuckDB read_parquet, ClickHouse's file() table function);
- import: K rows through `spendscope import focus` (the real pipeline: DuckDB staging, then the store);
- provider x model breakdown for a month (query_costs), a team showback with 200 virtual-tag rules
  (get_showback_report after apply_allocation_rules), an anomaly scan (detect_anomalies, dry run, 60 days);
each query is run once to warm up, then the best of REPEAT runs is kept (a step over 20 s is measured once).
Prints each figure as it is measured, then the table with the ratio chdb / DuckDB. `--skip import|rules|scan`
leaves a step out; a skipped step is not printed. `--events 0` loads no usage events (no step here reads them).
`--scan-rows` also times the scan the way it ran before session 6, every statement reading the rows instead of
the window summed once (tools.governance.scan_rows.SUM_FIRST off): the baseline of the summed scan, in the same
run (at 100M rows it takes hours). `--batch-root-causes` also times the scan with its root causes modelled one
by one, as before session 7 (tools.governance.root_cause.BATCH_MODEL off), against one model call for them all.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from spendscope.data.import_focus import import_focus  # noqa: E402
from spendscope.data.store import Store  # noqa: E402
from spendscope.tools.access import LOCAL  # noqa: E402
from spendscope.tools.governance import root_cause, scan_rows  # noqa: E402
from spendscope.tools.invoke import invoke  # noqa: E402

REPEAT = 3
PROVIDERS = ["OpenAI", "Anthropic", "AWS", "Google Cloud", "Microsoft"]
MODELS = ["gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "o4-mini", "claude-sonnet-4-5", "claude-haiku-4-5"]
MODELS += ["claude-opus-4-1", "gemini-2.5-flash", "gemini-2.5-pro", "llama3-3-70b-instruct", "mistral-large"]
MODELS += ["text-embedding-3-large"]
START = dt.datetime(2026, 8, 1, tzinfo=dt.UTC)


def _list(values: list[str]) -> str:
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


def cost_sql(rows: int) -> str:
    start = int(START.timestamp())
    tags = _list([f'{{"team":"t{i % 9}","feature":"f{i % 23}"}}' for i in range(207)])
    return f"""
        SELECT to_timestamp({start} + (i % 92) * 86400) AS ChargePeriodStart,
               to_timestamp({start} + (i % 92 + 1) * 86400) AS ChargePeriodEnd,
               date_trunc('month', to_timestamp({start} + (i % 92) * 86400)) AS BillingPeriodStart,
               date_trunc('month', to_timestamp({start} + (i % 92) * 86400)) + INTERVAL 1 MONTH AS BillingPeriodEnd,
               'USD' AS BillingCurrency, 'Usage' AS ChargeCategory, {_list(PROVIDERS)}[1 + i % 5] AS ProviderName,
               'AI API' AS ServiceName, 'sub-' || (i % 200) AS SubAccountName, 'us-east-1' AS RegionId,
               {_list(MODELS)}[1 + (i // 5) % 12] AS x_Model, 'input' AS x_TokenType,
               CAST(1000 + i % 9000 AS BIGINT) AS x_Tokens, CAST((i % 997) / 100.0 AS DECIMAL(38,10)) AS BilledCost,
               CAST((i % 991) / 100.0 AS DECIMAL(38,10)) AS EffectiveCost,
               CAST((i % 997) / 90.0 AS DECIMAL(38,10)) AS ListCost, {tags}[1 + i % 207] AS Tags,
               'bench' AS x_Source, 'imp_bench' AS x_ImportId, CAST(i AS UBIGINT) AS x_RowHash
        FROM range({rows}) t(i)"""


def event_sql(rows: int) -> str:
    start = int(START.timestamp())
    return f"""
        SELECT 'e' || i AS event_id, to_timestamp({start} + (i % (92 * 86400))) AS ts,
               {_list(["openai", "anthropic", "aws.bedrock", "gcp.vertex_ai", "azure.ai.openai"])}[1 + i % 5] AS provider,
               {_list(MODELS)}[1 + (i // 5) % 12] AS model, 'chat' AS operation,
               CAST(100 + i % 4000 AS BIGINT) AS input_tokens, CAST(10 + i % 900 AS BIGINT) AS output_tokens,
               CAST(0 AS BIGINT) AS cached_input_tokens, CAST(0 AS BIGINT) AS cache_write_tokens,
               CAST(0 AS BIGINT) AS reasoning_tokens, 1 AS requests,
               CAST((i % 1000) / 100000.0 AS DECIMAL(38,10)) AS estimated_cost, true AS priced,
               'c' || (i % 300) AS customer, 'f' || (i % 23) AS feature, 't' || (i % 9) AS team, 'bench' AS source
        FROM range({rows}) t(i)"""


def rules_document(n: int = 200) -> str:
    lines = ['version: "bench-200"', "tags:", "  team:"]
    for i in range(n):
        lines += [f"    - when: {{SubAccountName: sub-{i}}}", f"      value: team-{i % 17}"]
    return "\n".join(lines) + "\n"


def best(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    if time.perf_counter() - t > 20:  # a slow step is measured once
        return time.perf_counter() - t
    times = []
    for _ in range(REPEAT):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def bulk_load(store: Store, costs: Path, events: Path) -> tuple[float, float | None]:
    """Seconds to load the costs and the events (None: no events file) by the engine itself."""
    files = [(t, p) for t, p in (("costs", costs), ("usage_events", events)) if p.exists()]
    if store.backend == "duckdb":
        out: list[float | None] = []
        for table, path in files:
            t = time.perf_counter()
            with store.writer() as con:
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM read_parquet('{path}')")
            out.append(time.perf_counter() - t)
        return out[0] or 0.0, (out + [None])[1]
    engine = store.engine()
    out = []
    try:
        for table, path in files:
            cols = ", ".join(
                f"`{c}`" for c in duckdb.sql(f"DESCRIBE SELECT * FROM '{path}'").fetchall() for c in [c[0]]
            )
            t = time.perf_counter()
            engine.command(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM file('{path}', Parquet)")
            out.append(time.perf_counter() - t)
    finally:
        engine.close()
    return out[0] or 0.0, (out + [None])[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--import-rows", type=int, default=100_000)
    ap.add_argument("--skip", action="append", default=[], choices=["import", "rules", "scan"])
    ap.add_argument("--scan-rows", action="store_true", help="also time the scan reading the rows (before)")
    ap.add_argument(
        "--batch-root-causes", action="store_true", help="also time root causes modelled one by one (before)"
    )
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="spendscope-bench-ch-"))
    try:
        costs, events, focus = work / "costs.parquet", work / "events.parquet", work / "focus.csv"
        t = time.perf_counter()
        duckdb.sql(f"COPY ({cost_sql(a.rows)}) TO '{costs}' (FORMAT parquet)")
        if a.events:
            duckdb.sql(f"COPY ({event_sql(a.events)}) TO '{events}' (FORMAT parquet)")
        focus_cols = "* EXCLUDE (x_Model, x_TokenType, x_Tokens, x_Source, x_ImportId, x_RowHash)"
        if "import" in a.skip:
            a.import_rows = 0
        else:
            duckdb.sql(
                f"COPY (SELECT {focus_cols}, 'Tokens' AS ConsumedUnit, x_Tokens AS ConsumedQuantity, "
                f"x_Model || ' input tokens' AS ChargeDescription, x_Model AS SkuId FROM ({cost_sql(a.import_rows)})) "
                f"TO '{focus}' (HEADER)"
            )
        print(
            f"generated {a.rows:,} cost rows, {a.events:,} events, {a.import_rows:,} FOCUS rows in "
            f"{time.perf_counter() - t:.1f}s"
        )
        stores = {
            "duckdb": Store(work / "bench.duckdb", lock_timeout=60),
            "chdb": Store(f"chdb:{work / 'bench-chdb'}", lock_timeout=60),
        }
        results: dict[str, dict[str, float]] = {}
        for name, store in stores.items():
            store.ensure_schema()
            r = results[name] = {}

            def record(step: str, seconds: float, name: str = name, r: dict[str, float] = r) -> None:
                r[step] = seconds
                print(f"{name}: {step} {seconds:.3f}s", flush=True)

            costs_s, events_s = bulk_load(store, costs, events)
            record("bulk load costs", costs_s)
            if events_s is not None:
                record("bulk load events", events_s)
            if "import" not in a.skip:
                target = Store(work / "import-duckdb.duckdb") if name == "duckdb" else store
                # chdb: a second store folder is not possible in one process, so chdb imports into its store
                record("import focus (pipeline)", timed(lambda s=target: import_focus(s, focus)))
            record(
                "provider x model, one month",
                best(
                    lambda s=store: invoke(
                        s, "query_costs", {"period": "2026-10", "group_by": ["provider", "model"]}, LOCAL
                    )
                ),
            )
            if "rules" not in a.skip:
                record(
                    "apply 200 virtual-tag rules",
                    timed(
                        lambda s=store: invoke(
                            s, "apply_allocation_rules", {"document": rules_document()}, LOCAL
                        )
                    ),
                )
                record(
                    "team showback, 200 rules",
                    best(
                        lambda s=store: invoke(
                            s, "get_showback_report", {"month": "2026-10", "by": "team"}, LOCAL
                        )
                    ),
                )
            if "scan" not in a.skip:
                scan = {
                    "days": 60,
                    "as_of": "2026-11-01",
                    "dry_run": True,
                    "dimensions": ["provider", "model", "team"],
                }
                record(
                    "anomaly scan, 60 days",
                    best(lambda s=store, q=scan: invoke(s, "detect_anomalies", q, LOCAL)),
                )
                for wanted, module, flag, step in (
                    (a.scan_rows, scan_rows, "SUM_FIRST", "anomaly scan, rows (before)"),
                    (
                        a.batch_root_causes,
                        root_cause,
                        "BATCH_MODEL",
                        "anomaly scan, root causes one by one (before)",
                    ),
                ):
                    if not wanted:
                        continue
                    setattr(module, flag, False)
                    try:
                        record(step, best(lambda s=store, q=scan: invoke(s, "detect_anomalies", q, LOCAL)))
                    finally:
                        setattr(module, flag, True)
        width = max(len(k) for k in results["duckdb"])
        print(f"\n{'step':{width}}  {'DuckDB':>9}  {'chdb':>9}  chdb/DuckDB")
        for step in results["duckdb"]:
            d, c = results["duckdb"][step], results["chdb"][step]
            print(f"{step:{width}}  {d:8.3f}s  {c:8.3f}s  {c / d:6.2f}x", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
