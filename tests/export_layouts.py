"""Provider export folders written by the tests, in the layouts the providers document (docs/importers.md):
AWS Data Exports (data/BILLING_PERIOD=... + metadata/.../<export>-Manifest.json with `dataFiles`), legacy CUR
(yyyymmdd-yyyymmdd/<assemblyId>/ + the period's Manifest.json naming the current assembly), Azure Cost Management
export runs (manifest.json with exportConfig/runInfo/blobs) and Hive partitions. `put` writes a file either to a
local folder or, given a boto3 client, to a bucket, so the same layout serves the disk and the S3 tests."""

from __future__ import annotations

import csv
import gzip
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

CUR2_HEADER = [
    "identity_line_item_id",
    "bill_payer_account_id",
    "billing_period",
    "line_item_line_item_type",
    "line_item_usage_start_date",
    "line_item_usage_end_date",
    "line_item_product_code",
    "line_item_usage_type",
    "line_item_usage_amount",
    "line_item_unblended_cost",
    "line_item_currency_code",
]
AZURE_HEADER = [
    "BillingAccountId",
    "Date",
    "CostInBillingCurrency",
    "BillingCurrencyCode",
    "MeterCategory",
    "Quantity",
]
FOCUS_HEADER = [
    "BillingAccountId",
    "BilledCost",
    "EffectiveCost",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "ProviderName",
]


class Target:
    """Where a layout is written: a local folder, or a bucket (boto3 client) under a prefix."""

    def __init__(self, root: Path | None = None, s3: Any = None, bucket: str = "", prefix: str = "") -> None:
        self.root, self.s3, self.bucket, self.prefix = root, s3, bucket, prefix.strip("/")

    def url(self, key: str = "") -> str:
        key = "/".join(p for p in (self.prefix, key) if p)
        return f"s3://{self.bucket}/{key}" if self.s3 else str(self.root / key) if key else str(self.root)

    def put(self, key: str, data: bytes) -> None:
        if self.s3:
            self.s3.put_object(
                Bucket=self.bucket, Key="/".join(p for p in (self.prefix, key) if p), Body=data
            )
        else:
            path = self.root / self.prefix / key if self.prefix else self.root / key
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)

    def remove(self, key: str) -> None:
        if self.s3:
            self.s3.delete_object(Bucket=self.bucket, Key="/".join(p for p in (self.prefix, key) if p))
        else:
            (self.root / self.prefix / key if self.prefix else self.root / key).unlink()


def csv_bytes(header: list[str], rows: list[list[Any]], *, gz: bool = False) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[str(v) for v in r] for r in rows])
    data = buf.getvalue().encode("utf-8")
    return gzip.compress(data, mtime=0) if gz else data


def cur2_rows(
    month: str, days: int, cost: str, account: str = "111122223333", tag: str = ""
) -> list[list[Any]]:
    """One Bedrock usage line per day of `month` (YYYY-MM) up to `days`, each costing `cost`."""
    return [
        [
            f"{tag}{month}-{d:02d}",
            account,
            month,
            "Usage",
            f"{month}-{d:02d}T00:00:00Z",
            f"{month}-{d + 1:02d}T00:00:00Z" if d < 28 else f"{month}-{d:02d}T23:00:00Z",
            "AmazonBedrock",
            "USE1-Claude4.6Sonnet-input-tokens",
            "1000",
            cost,
            "USD",
        ]
        for d in range(1, days + 1)
    ]


def total(rows: list[list[Any]], index: int) -> Decimal:
    return sum((Decimal(str(r[index])) for r in rows), Decimal(0))


def data_exports(
    t: Target, export: str, month: str, chunks: list[list[list[Any]]], *, run: str = ""
) -> list[str]:
    """An AWS Data Exports (CUR 2.0) delivery of `month`: one .csv.gz per chunk, then the manifest naming them.
    `run` puts the files in a run folder under the partition (the export's "create new file" mode)."""
    part = f"{export}/data/BILLING_PERIOD={month}" + (f"/{run}" if run else "")
    keys = []
    for i, rows in enumerate(chunks, 1):
        key = f"{part}/{export}-{i:05d}.csv.gz"
        t.put(key, csv_bytes(CUR2_HEADER, rows, gz=True))
        keys.append(key)
    manifest = {
        "exportArn": f"arn:aws:bcm-data-exports:us-east-1:111122223333:export/{export}-0a1b",
        "exportName": export,
        "billingPeriod": {"start": f"{month}-01T00:00:00.000Z"},
        "dataFiles": [f"s3://bucket-of-record/{'/'.join(p for p in (t.prefix, k) if p)}" for k in keys],
        "columns": [{"name": c, "type": "string"} for c in CUR2_HEADER],
    }
    meta = f"{export}/metadata/BILLING_PERIOD={month}" + (f"/{run}" if run else "")
    t.put(f"{meta}/{export}-Manifest.json", json.dumps(manifest).encode())
    return keys


def legacy_cur(
    t: Target, report: str, month: str, assembly: str, rows: list[list[Any]], *, current: bool
) -> str:
    """A legacy CUR assembly of `month` (yyyymmdd-yyyymmdd/<assemblyId>/). `current` also writes the period's
    top-level manifest naming this assembly (AWS overwrites it with each new assembly)."""
    y, m = (int(x) for x in month.split("-"))
    nxt = f"{y + (m == 12)}{(m % 12) + 1:02d}01"
    period = f"{report}/{y}{m:02d}01-{nxt}"
    key = f"{period}/{assembly}/{report}-1.csv.gz"
    t.put(key, csv_bytes(CUR2_HEADER, rows, gz=True))
    manifest = {
        "assemblyId": assembly,
        "account": "111122223333",
        "reportName": report,
        "billingPeriod": {"start": f"{y}{m:02d}01T000000.000Z", "end": f"{nxt}T000000.000Z"},
        "bucket": "bucket-of-record",
        "reportKeys": ["/".join(p for p in (t.prefix, key) if p)],
        "compression": "GZIP",
        "contentType": "text/csv",
    }
    t.put(f"{period}/{assembly}/{report}-Manifest.json", json.dumps(manifest).encode())
    if current:
        t.put(f"{period}/{report}-Manifest.json", json.dumps(manifest).encode())
    return key


def azure_run(t: Target, export: str, month: str, submitted: str, rows: list[list[Any]], run_id: str) -> str:
    """One Azure Cost Management export run: <export>/<yyyyMMdd-yyyyMMdd>/<export-time>/<runId>/part_0_0001.csv
    with its manifest.json (exportConfig, deliveryConfig, runInfo, blobs)."""
    y, m = (int(x) for x in month.split("-"))
    folder = f"{export}/{y}{m:02d}01-{y}{m:02d}28/{submitted[:16].replace('-', '').replace('T', '').replace(':', '')}/{run_id}"
    key = f"{folder}/part_0_0001.csv"
    t.put(key, csv_bytes(AZURE_HEADER, rows))
    manifest = {
        "manifestVersion": "2024-04-01",
        "exportConfig": {
            "exportName": export,
            "resourceId": f"/providers/Microsoft.Billing/billingAccounts/8611537/providers/Microsoft.CostManagement/exports/{export}",
            "dataVersion": "2023-12-01-preview",
            "type": "ActualCost",
            "timeFrame": "MonthToDate",
        },
        "deliveryConfig": {
            "partitionData": True,
            "dataOverwriteBehavior": "CreateNewReport",
            "fileFormat": "Csv",
        },
        "runInfo": {
            "executionType": "Scheduled",
            "submittedTime": submitted,
            "runId": run_id,
            "startDate": f"{month}-01T00:00:00",
            "endDate": f"{month}-28T00:00:00",
        },
        "blobs": [{"blobName": "/".join(p for p in ("costexports", t.prefix, key) if p), "byteCount": 1}],
    }
    t.put(f"{folder}/manifest.json", json.dumps(manifest).encode())
    return key


def azure_rows(month: str, days: int, cost: str) -> list[list[Any]]:
    return [["8611537", f"{month}-{d:02d}", cost, "USD", "Storage", "1"] for d in range(1, days + 1)]
