"""Issue 21, session 17's summed reads on third-party rows: allocation coverage and the savings queries over the
public eval's FOCUS export (../shared/eval/focus_public.csv, imported by the real FOCUS importer; skipped when the
clone has no ../shared beside it) take the sums and give the row-by-row answers."""

from __future__ import annotations

import pytest
from spendscope.data.store import Store
from spendscope.tools.allocation import coverage
from spendscope.tools.allocation.coverage import CoverageInput, allocation_coverage
from spendscope.tools.optimize import savings as savings_module
from spendscope.tools.optimize.savings import SavingsInput, savings
from sums_first import summed_and_rows


@pytest.mark.parametrize("params", [CoverageInput(top=20), CoverageInput(measure="billed_cost", top=50)])
def test_coverage_of_the_public_export_from_sums_is_the_row_by_row_one(
    focus_public_store: Store, params: CoverageInput, monkeypatch: pytest.MonkeyPatch
) -> None:
    summed, rows, used = summed_and_rows(
        monkeypatch, coverage, lambda: allocation_coverage(focus_public_store, params).model_dump()
    )
    assert used == [True]
    assert summed == rows
    assert rows["rows"]


def test_savings_of_the_public_export_from_sums_are_the_row_by_row_ones(
    focus_public_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    params = SavingsInput(top=100, min_monthly_saving=0)
    summed, rows, used = summed_and_rows(
        monkeypatch, savings_module, lambda: savings(focus_public_store, params).model_dump(mode="json")
    )
    assert used == [True, True, True]  # token groups, batch candidates, untagged spend
    assert summed == rows
    assert rows["recommendations"]
