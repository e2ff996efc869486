"""Benchmark `spendscope import aws-cur` against a bare DuckDB read of the same file.

Generates N rows of a CUR 2.0 CSV (Bedrock token line items for several models and principals, EC2 GPU and CPU
instance hours, S3, tax; resource tags and the product map as JSON; a realistic number of distinct resources),
then times, each in a fresh child process of the same run (so each peak RSS is its own):
  1. bare:   CREATE TABLE t AS SELECT * FROM read_csv(file)   (in-memory DuckDB, auto-detected types)
  2. import: data.import_aws.import_aws_cur into a fresh store file (validate, map to FOCUS, derive, append)
and prints rows/s and peak RSS for each and the ratio import/bare.

    .venv/bin/python bench/bench_import_cur.py --rows 1000000
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import duckdb
from spendscope.data.import_aws import import_aws_cur
from spendscope.data.store import Store

USAGE_TYPES = [
    ("AmazonBedrock", "USE1-Claude4.6Sonnet-input-tokens", "Tokens", "0.000003", ""),
    ("AmazonBedrock", "USE1-Claude4.6Sonnet-output-tokens", "Tokens", "0.000015", ""),
    ("AmazonBedrock", "USE1-Claude4.6Sonnet-cache-read-input-token-count", "Tokens", "0.0000003", ""),
    ("AmazonBedrock", "USE1-Claude4.6Sonnet-cache-write-input-token-count", "Tokens", "0.00000375", ""),
    ("AmazonBedrock", "USE1-Claude4.5Haiku-input-tokens", "Tokens", "0.000001", ""),
    ("AmazonBedrock", "USE1-Claude4.5Haiku-output-tokens", "Tokens", "0.000005", ""),
    ("AmazonBedrock", "USE1-NovaLite-input-tokens", "Tokens", "0.00000006", ""),
    ("AmazonEC2", "USE1-BoxUsage:p5.48xlarge", "Hrs", "55.04", "p5.48xlarge"),
    ("AmazonEC2", "USE1-BoxUsage:g5.xlarge", "Hrs", "1.006", "g5.xlarge"),
    ("AmazonEC2", "USE1-BoxUsage:m7i.large", "Hrs", "0.1008", "m7i.large"),
    ("AmazonS3", "USE1-TimedStorage-ByteHrs", "GB-Mo", "0.023", ""),
    ("AmazonS3", "USE1-Requests-Tier1", "Requests", "0.000005", ""),
]


def generate(path: Path, rows: int, resources: int) -> None:
    con = duckdb.connect()
    # the ORDER BY below sorts the whole file: let it spill instead of holding ~1.5 GB per million rows
    con.execute("SET memory_limit = '3GB'")
    con.execute(f"SET temp_directory = '{path.parent / 'generate.tmp'}'")
    con.execute(
        "CREATE TABLE ut (i INTEGER, code VARCHAR, usage_type VARCHAR, unit VARCHAR, rate VARCHAR, inst VARCHAR)"
    )
    con.executemany("INSERT INTO ut VALUES (?, ?, ?, ?, ?, ?)", [(i, *u) for i, u in enumerate(USAGE_TYPES)])
    n_types = len(USAGE_TYPES)
    con.execute(
        f"""
        COPY (
          SELECT
            'li' || r AS identity_line_item_id,
            'Amazon Web Services, Inc.' AS bill_invoicing_entity, 'AWS' AS bill_billing_entity,
            '999988887777' AS bill_payer_account_id, 'Acme Payer' AS bill_payer_account_name,
            '2026-04-01T00:00:00Z' AS bill_billing_period_start_date, '2026-05-01T00:00:00Z' AS bill_billing_period_end_date,
            '2026-04' AS billing_period,
            CAST(100000000000 + r % 20 AS VARCHAR) AS line_item_usage_account_id,
            'account-' || (r % 20) AS line_item_usage_account_name,
            CASE WHEN r % 1000 = 0 THEN 'Tax' ELSE 'Usage' END AS line_item_line_item_type,
            strftime(TIMESTAMP '2026-04-01' + INTERVAL (r % 720) HOUR, '%Y-%m-%dT%H:%M:%SZ') AS line_item_usage_start_date,
            strftime(TIMESTAMP '2026-04-01' + INTERVAL (r % 720 + 1) HOUR, '%Y-%m-%dT%H:%M:%SZ') AS line_item_usage_end_date,
            ut.code AS line_item_product_code, ut.usage_type AS line_item_usage_type,
            CASE WHEN ut.code = 'AmazonBedrock' THEN 'InvokeModel' ELSE 'RunInstances' END AS line_item_operation,
            'arn:aws:' || lower(ut.code) || ':us-east-1:1111:res/' || (hash(r) % {resources}) AS line_item_resource_id,
            CAST(round(1 + (hash(r * 7) % 100000) / 10.0, 1) AS VARCHAR) AS line_item_usage_amount,
            'USD' AS line_item_currency_code, ut.rate AS line_item_unblended_rate,
            CAST(round((1 + (hash(r * 7) % 100000) / 10.0) * CAST(ut.rate AS DOUBLE), 8) AS VARCHAR)
                AS line_item_unblended_cost,
            'usage of ' || ut.usage_type AS line_item_line_item_description,
            'Amazon Web Services, Inc.' AS line_item_legal_entity,
            'arn:aws:iam::1111:user/u' || (r % 50) AS line_item_iam_principal,
            '{{"product_name":"' || CASE ut.code WHEN 'AmazonBedrock' THEN 'Amazon Bedrock'
                WHEN 'AmazonEC2' THEN 'Amazon Elastic Compute Cloud' ELSE 'Amazon Simple Storage Service' END
                || '","region":"us-east-1"}}' AS product,
            nullif(ut.inst, '') AS product_instance_type, 'US East (N. Virginia)' AS product_location,
            'us-east-1' AS product_region_code, ut.unit AS pricing_unit, 'OnDemand' AS pricing_term,
            CAST(round((1 + (hash(r * 7) % 100000) / 10.0) * CAST(ut.rate AS DOUBLE), 8) AS VARCHAR)
                AS pricing_public_on_demand_cost,
            '{{"user_team":"team-' || (r % 12) || '","user_env":"' || CASE WHEN r % 3 = 0 THEN 'dev' ELSE 'prod' END
                || '"}}' AS resource_tags
          FROM range({rows}) AS t(r) JOIN ut ON ut.i = r % {n_types}
          ORDER BY r
        ) TO '{path}' (HEADER, DELIMITER ',')
        """
    )
    con.close()


def _bare(csv_path: Path) -> tuple[float, float]:
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    t = time.perf_counter()
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{csv_path}')")
    return time.perf_counter() - t, _peak_rss_gb()


def _import(csv_path: Path, db: Path) -> tuple[float, float, object, list[tuple[str, float]]]:
    store = Store(db, lock_timeout=60)
    store.ensure_schema()
    phases: list[tuple[str, float]] = []

    def progress(stage: str, fraction: float) -> None:
        phases.append((stage, time.perf_counter()))

    t = time.perf_counter()
    result = import_aws_cur(store, csv_path, progress=progress)
    return time.perf_counter() - t, _peak_rss_gb(), result, phases


def _peak_rss_gb() -> float:
    """This process's peak RSS. VmHWM, not getrusage: ru_maxrss survives exec, so a spawned child would report
    its parent's peak (the generator's) when that was higher."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / (1 << 20)
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1 << 20)  # KiB on Linux


def _in_child(fn: object, *args: object) -> object:
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--resources", type=int, default=20_000, help="distinct resource ids in the file")
    parser.add_argument("--dir", type=Path, default=None, help="work folder (default: a temporary one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.dir or Path(tmp)
        csv_path = work / "cur2.csv"
        t = time.perf_counter()
        generate(csv_path, args.rows, args.resources)
        print(
            f"generated {args.rows:,} rows ({csv_path.stat().st_size / 1e6:,.0f} MB) in {time.perf_counter() - t:.1f}s"
        )

        bare, bare_rss = _in_child(_bare, csv_path)
        full, rss, result, phases = _in_child(_import, csv_path, work / "bench.duckdb")
        assert result.rows_inserted == args.rows, result

        print(
            f"bare DuckDB read_csv into a table: {bare:7.2f}s  {args.rows / bare:12,.0f} rows/s  peak RSS {bare_rss:.2f} GB"
        )
        print(
            f"spendscope import aws-cur:         {full:7.2f}s  {args.rows / full:12,.0f} rows/s  peak RSS {rss:.2f} GB"
        )
        print(f"ratio import / bare read:          {full / bare:7.1f}x")
        print(
            "import phases: "
            + ", ".join(
                f"{stage} {end - start:.1f}s"
                for (stage, start), (_, end) in zip(phases, phases[1:], strict=False)
            )
        )
        load = Path("/proc/loadavg")
        if load.exists():
            print(
                f"load average after the run: {load.read_text().split()[0]} (2 cores; other work inflates times)"
            )


if __name__ == "__main__":
    main()
