"""Benchmark `spendscope import gcp` against a bare DuckDB read of the same file.

Generates N rows of a GCP Cloud Billing export (the flattened CSV of the BigQuery export: Vertex AI / Gemini token
SKUs, Compute Engine GPU and CPU instances, Cloud Storage; labels and project labels as JSON lists; one row in ten
with a committed-use or promotion credit, which becomes its own Credit row), and compares
the whole import with the bare DuckDB load of the same file (bench/import_bench_harness.py: each side in its own
child process; time, CPU time, peak RSS). No arguments needed (default 1M rows).

    .venv/bin/python bench/bench_import_gcp.py [--rows 1000000]
"""

from __future__ import annotations

from pathlib import Path

from import_bench_harness import generator, run

# (service id, service description, sku id, sku description, usage unit, pricing unit, price per unit)
SKUS = [
    (
        "C7E2-9256-1C43",
        "Vertex AI",
        "F1A2-0001",
        "Gemini 2.5 Flash Input Text Tokens",
        "count",
        "count",
        "0.0000003",
    ),
    (
        "C7E2-9256-1C43",
        "Vertex AI",
        "F1A2-0002",
        "Gemini 2.5 Flash Output Text Tokens",
        "count",
        "count",
        "0.0000025",
    ),
    (
        "C7E2-9256-1C43",
        "Vertex AI",
        "F1A2-0003",
        "Gemini 2.5 Pro Input Text Tokens",
        "count",
        "count",
        "0.00000125",
    ),
    (
        "C7E2-9256-1C43",
        "Vertex AI",
        "F1A2-0004",
        "Gemini 2.5 Pro Output Text Tokens",
        "count",
        "count",
        "0.00001",
    ),
    (
        "6F81-5844-456A",
        "Compute Engine",
        "CP-A3-H100",
        "Nvidia H100 80GB GPU running in Americas",
        "seconds",
        "hour",
        "0.003055",
    ),
    (
        "6F81-5844-456A",
        "Compute Engine",
        "CP-N2-CORE",
        "N2 Instance Core running in Americas",
        "seconds",
        "hour",
        "0.0000088",
    ),
    (
        "95FF-2EF5-5EA1",
        "Cloud Storage",
        "E5F0-6A5D-7BAD",
        "Standard Storage US Multi-region",
        "byte-seconds",
        "gibibyte month",
        "0.000000000001",
    ),
    (
        "6F81-5844-456A",
        "Compute Engine",
        "6B8F-E63D-832B",
        "Network Internet Egress from Americas to APAC",
        "bytes",
        "gibibyte",
        "0.00000000011",
    ),
]


def generate(path: Path, rows: int, resources: int = 20_000) -> int:
    con = generator(path)
    con.execute(
        "CREATE TABLE s (i INTEGER, sid VARCHAR, service VARCHAR, skuid VARCHAR, sku VARCHAR, unit VARCHAR, "
        "punit VARCHAR, price VARCHAR)"
    )
    con.executemany("INSERT INTO s VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [(i, *k) for i, k in enumerate(SKUS)])
    con.execute(
        f"""
        COPY (
          SELECT
            '018984-D0AAA4-940B88' AS billing_account_id, s.sid AS "service.id", s.service AS "service.description",
            s.skuid AS "sku.id", s.sku AS "sku.description",
            strftime(TIMESTAMP '2026-04-01' + INTERVAL (r % 720) HOUR, '%Y-%m-%d %H:%M:%S+00:00') AS usage_start_time,
            strftime(TIMESTAMP '2026-04-01' + INTERVAL (r % 720 + 1) HOUR, '%Y-%m-%d %H:%M:%S+00:00') AS usage_end_time,
            'proj-' || (r % 16) AS "project.id", 'Project ' || (r % 16) AS "project.name",
            '[{{"key":"cost-center","value":"cc-' || (r % 4) || '"}}]' AS "project.labels",
            '/1234567/' || (r % 16) || '/' AS "project.ancestry_numbers",
            '[{{"key":"team","value":"team-' || (r % 12) || '"}},{{"key":"env","value":"'
                || CASE WHEN r % 3 = 0 THEN 'dev' ELSE 'prod' END || '"}}]' AS labels,
            '[]' AS system_labels,
            'us-central1' AS "location.location", 'US' AS "location.country", 'us-central1' AS "location.region",
            'us-central1-a' AS "location.zone", '2026-05-02 01:11:12.066000+00:00' AS export_time,
            CAST(round((1 + hash(r * 7) % 100000) * CAST(s.price AS DOUBLE) * 1000, 6) AS VARCHAR) AS cost,
            'USD' AS currency, '1.0' AS currency_conversion_rate,
            CAST((1 + hash(r * 7) % 100000) * 1000 AS VARCHAR) AS "usage.amount", s.unit AS "usage.unit",
            CAST((1 + hash(r * 7) % 100000) * 1000 AS VARCHAR) AS "usage.amount_in_pricing_units",
            s.punit AS "usage.pricing_unit",
            CASE WHEN r % 10 = 0 THEN '[{{"name":"Committed use discount","amount":-'
                || CAST(round((1 + hash(r * 7) % 100000) * CAST(s.price AS DOUBLE) * 100, 6) AS VARCHAR)
                || ',"full_name":"CUD","id":"cud-1","type":"COMMITTED_USAGE_DISCOUNT"}}]' ELSE '[]' END AS credits,
            '202604' AS "invoice.month", 'regular' AS cost_type,
            'res-' || (hash(r) % {resources}) AS "resource.name",
            '//compute.googleapis.com/projects/p/res-' || (hash(r) % {resources}) AS "resource.global_name",
            '2026-04-01' AS partition_date
          FROM range({rows}) AS t(r) JOIN s ON s.i = r % {len(SKUS)}
          ORDER BY r
        ) TO '{path}' (HEADER, DELIMITER ',')
        """
    )
    con.close()
    return rows + (rows + 9) // 10  # one Credit row per credited line


if __name__ == "__main__":
    run(__doc__, "gcp", "gcp", generate)
