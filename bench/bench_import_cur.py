"""Benchmark `spendscope import aws-cur` against a bare DuckDB read of the same file.

Generates N rows of a CUR 2.0 CSV (Bedrock token line items for several models and principals, EC2 GPU and CPU
instance hours, S3, tax; resource tags and the product map as JSON; a realistic number of distinct resources),
then times, each in a fresh child process of the same run (so each peak RSS is its own; bench/import_bench_harness.py):
  1. bare:   CREATE TABLE t AS SELECT * FROM read_csv(file)   (in-memory DuckDB, auto-detected types)
  2. import: the whole `import aws-cur` into a fresh store file (validate, map to FOCUS, derive, append)
and prints time, CPU time, rows/s and peak RSS for each and the ratios import/bare. No arguments needed.

    .venv/bin/python bench/bench_import_cur.py --rows 1000000
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from import_bench_harness import run

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


def _generate(path: Path, rows: int) -> int:
    generate(path, rows, 20_000)
    return rows


if __name__ == "__main__":
    run(__doc__, "aws_cur", "aws-cur", _generate)
