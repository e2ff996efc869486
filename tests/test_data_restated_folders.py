"""Issue 12's done-when through the folder walker: a month of daily restated exports, each delivered in its
provider's real layout and the folder walked after every delivery (what a scheduled `spendscope import ... FOLDER`
does), leaves exactly the last export's rows and totals: the same store as importing the latest files by hand.

The walk covers the month's last ten deliveries (the export of day 21, days 1-21, then one a day to day 30's, which
reaches the month's last day): every walk after the first replaces the month; thirty walks proved nothing more and
cost a minute a layout."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from export_layouts import (
    FOCUS_HEADER,
    Target,
    azure_run,
    csv_bytes,
    data_exports,
)
from spendscope.data.importing import import_files
from spendscope.data.store import Store
from typer.testing import CliRunner

from spendscope.cli import app

FIRST, DAYS = 21, 30  # the deliveries walked: the exports of days 21..30
COMPARED = (
    "BillingAccountId, BillingPeriodStart, ProviderName, ChargePeriodStart, ChargePeriodEnd, BilledCost, "
    "EffectiveCost, ServiceName, SkuMeter, x_Source"
)
GCP_HEADER = [
    "billing_account_id",
    "invoice.month",
    "usage_start_time",
    "usage_end_time",
    "cost",
    "currency",
    "service.description",
    "sku.description",
    "project.id",
    "export_time",
]


def cost(day: int, item: int, version: int) -> str:
    """What the export of day `version` says a line item of `day` cost: every export revises the earlier days."""
    return str(Decimal(item + 1) * Decimal("2.5") + Decimal(day) / 100 + Decimal(version) / 1000)


def focus(t: Target, version: int) -> list[str]:
    """FOCUS exports written as one file per day (`focus-2026-10-DD.csv`), each the month to date."""
    rows = [
        [
            "acct-1",
            cost(d, i, version),
            cost(d, i, version),
            f"2026-10-{d:02d}",
            f"2026-10-{d + 1:02d}",
            f"Provider{i}",
        ]
        for d in range(1, version + 1)
        for i in range(2)
    ]
    key = f"focus/focus-2026-10-{version:02d}.csv"
    t.put(key, csv_bytes(FOCUS_HEADER, rows))
    return [key]


def cur2(t: Target, version: int) -> list[str]:
    """AWS Data Exports in overwrite mode: the period's files and manifest are rewritten with every delivery."""
    rows = [
        [
            f"li-{d}-{i}",
            "111122223333",
            "2026-10",
            "Usage",
            f"2026-10-{d:02d}T00:00:00Z",
            f"2026-10-{d:02d}T23:00:00Z",
            "AmazonBedrock",
            f"USE1-Item{i}-input-tokens",
            "1000",
            cost(d, i, version),
            "USD",
        ]
        for d in range(1, version + 1)
        for i in range(2)
    ]
    half = len(rows) // 2
    return data_exports(t, "cur2", "2026-10", [rows[:half], rows[half:]] if half else [rows])


def azure(t: Target, version: int) -> list[str]:
    """Azure month-to-date export runs: a new run folder with its manifest.json every day."""
    rows = [
        ["8611537", f"2026-10-{d:02d}", cost(d, i, version), "USD", f"Category{i}", "1"]
        for d in range(1, version + 1)
        for i in range(2)
    ]
    submitted = f"2026-10-{version:02d}T06:00:00.0000000Z"
    return [azure_run(t, "daily", "2026-10", submitted, rows, f"run-{version:02d}")]


def gcp(t: Target, version: int) -> list[str]:
    """The invoice month cut from the BigQuery export, rewritten in its Hive partition every day."""
    rows = [
        [
            "01A2B3-C4D5E6-F7A8B9",
            "202610",
            f"2026-10-{d:02d}T00:00:00Z",
            f"2026-10-{d:02d}T23:00:00Z",
            cost(d, i, version),
            "USD",
            "Vertex AI",
            f"Sku {i}",
            "proj-1",
            f"2026-10-{d + 1:02d}T02:00:00Z",
        ]
        for d in range(1, version + 1)
        for i in range(2)
    ]
    key = "gcp/invoice_month=202610/billing-000.csv"
    t.put(key, csv_bytes(GCP_HEADER, rows))
    return [key]


LAYOUTS: dict[str, tuple[str, str, Callable[[Target, int], list[str]]]] = {
    "focus": ("focus", "focus", focus),
    "aws_cur": ("aws-cur", "cur2", cur2),
    "azure": ("azure", "daily", azure),
    "gcp": ("gcp", "gcp", gcp),
}


def rows(db: Path) -> list[tuple]:
    with Store(db).reader() as con:
        return sorted(con.execute(f"SELECT {COMPARED} FROM costs").fetchall(), key=repr)


def totals(db: Path) -> tuple:
    with Store(db).reader() as con:
        return con.execute(
            "SELECT count(*), sum(BilledCost), count(DISTINCT x_ImportId) FROM costs"
        ).fetchall()[0]


@pytest.mark.parametrize("kind", sorted(LAYOUTS))
def test_a_month_of_daily_exports_walked_every_day_leaves_the_last_export(tmp_path: Path, kind: str) -> None:
    command, folder, deliver = LAYOUTS[kind]
    t = Target(tmp_path / "exports")
    walked = tmp_path / "walked.duckdb"
    latest: list[str] = []
    for day in range(FIRST, DAYS + 1):
        latest = deliver(t, day)
        out = CliRunner().invoke(
            app, ["import", command, str(tmp_path / "exports" / folder), "--db", str(walked)]
        )
        assert out.exit_code == 0, out.output
        if day > FIRST:
            assert "replaced" in out.output, out.output
    by_hand = tmp_path / "by-hand.duckdb"
    import_files(Store(by_hand), kind, [tmp_path / "exports" / k for k in latest])
    expected = sum(Decimal(cost(d, i, DAYS)) for d in range(1, DAYS + 1) for i in range(2))
    assert totals(walked) == (2 * DAYS, expected, 1)
    assert rows(walked) == rows(by_hand)
    again = CliRunner().invoke(
        app, ["import", command, str(tmp_path / "exports" / folder), "--db", str(walked)]
    )
    assert "rows imported" not in again.output and totals(walked) == (2 * DAYS, expected, 1)
