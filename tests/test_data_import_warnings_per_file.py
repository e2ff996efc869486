"""Warnings an importer works out over the rows it wrote count each file of a delivery over its own rows: two parts
of one export, one of them with a row whose cost is empty, give one warning about that one row (not one per file
about every row of the delivery)."""

from __future__ import annotations

from pathlib import Path

import pytest
from focus_rows import row, write
from spendscope.data.importing import import_delivery
from spendscope.data.store import Store

EMPTY_COST = "rows have an empty BilledCost or EffectiveCost"


def test_each_file_of_a_delivery_is_warned_about_its_own_rows(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    store.ensure_schema()
    blank = row(3, "") | {"EffectiveCost": "", "ListCost": "", "ContractedCost": ""}
    first = write(tmp_path / "part-1.csv", [row(1, "1.50"), row(2, "2.25"), blank])
    second = write(tmp_path / "part-2.csv", [row(10, "3.00"), row(11, "4.00")])

    result = import_delivery(store, "focus", [first, second])

    assert result.rows_inserted == 5
    about_costs = [w for w in result.warnings if EMPTY_COST in w]
    assert about_costs == [f"1 {EMPTY_COST} (kept as NULL)"], result.warnings


def _provider_file(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    return path


CUR_HEADER = ["line_item_usage_start_date", "line_item_usage_end_date", "bill_payer_account_id"]
CUR_HEADER += ["line_item_line_item_type", "line_item_usage_type", "line_item_unblended_cost"]
AZURE_HEADER = ["Date", "SubscriptionId", "MeterCategory", "MeterName", "Quantity", "CostInBillingCurrency"]
AZURE_HEADER += ["BillingCurrencyCode", "BillingAccountId"]


CUR_ROWS = [
    [f"2026-10-0{d}T00:00:00Z", f"2026-10-0{d}T01:00:00Z", "999", "Usage", "USE1-X", cost]
    for d, cost in ((1, "1.5"), (2, ""), (3, "2"))
]
AZURE_ROWS = [
    [f"10/0{d}/2026", "sub-1", "Storage", "Hot LRS", "1", cost, "USD", "ba-1"]
    for d, cost in ((1, "1.5"), (2, ""), (3, "2"))
]


@pytest.mark.parametrize(
    ("backend", "kind", "header", "rows", "column"),
    [  # the rule is one function over the written rows: one chdb case
        ("duckdb", "aws-cur", CUR_HEADER, CUR_ROWS, "line_item_unblended_cost"),
        ("chdb", "aws-cur", CUR_HEADER, CUR_ROWS, "line_item_unblended_cost"),
        ("duckdb", "azure", AZURE_HEADER, AZURE_ROWS, "CostInBillingCurrency"),
    ],
)
def test_a_provider_line_with_an_empty_cost_is_kept_null_and_named(
    tmp_path: Path, backend: str, kind: str, header: list[str], rows: list[list[str]], column: str
) -> None:
    """CUR and Azure stored a line whose cost is empty as NULL without a word: it is in no total (probe 28)."""
    if backend == "chdb":
        pytest.importorskip("chdb", reason="the clickhouse extra (chdb) is not installed")
    store = Store(tmp_path / "s.duckdb" if backend == "duckdb" else f"chdb:{tmp_path / 'chdb'}")
    store.ensure_schema()
    result = import_delivery(
        store, "aws_cur" if kind == "aws-cur" else kind, [_provider_file(tmp_path / "f.csv", header, rows)]
    )
    assert result.rows_inserted == 3
    about_costs = [w for w in result.warnings if EMPTY_COST in w]
    assert about_costs == [
        f"1 {EMPTY_COST} (kept as NULL): {column} is empty (first at row 2), so they are in no cost total"
    ]
