"""Warnings an importer works out over the rows it wrote count each file of a delivery over its own rows: two parts
of one export, one of them with a row whose cost is empty, give one warning about that one row (not one per file
about every row of the delivery)."""

from __future__ import annotations

from pathlib import Path

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
