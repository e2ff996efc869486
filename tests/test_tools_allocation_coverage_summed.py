"""Issue 21, session 17: allocation coverage sums the period's cost rows by the columns its month, tag values and
listed line items read, then reads the tag values (and runs the rules) once per sum, as the breakdowns do. The
answer must be the row-by-row one: the same shares, the same unallocated items in the same order."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from spendscope.data.store import Store
from spendscope.tools.allocation import coverage
from spendscope.tools.allocation.coverage import CoverageInput, allocation_coverage
from spendscope.tools.allocation.versions import ApplyRulesInput, apply_rules

# rules that read descriptive columns only (a rule on an amount runs per row: tools.allocation.versions)
RULES = """\
tags:
  team:
    - copy: Tags.team
    - when: {ProviderName: Anthropic}
      value: research
  stage:
    - copy: Tags.env
    - when: {ServiceName: {regex: "(?i)cursor"}}
      value: tooling
"""


def _summed_and_rows(
    store: Store, params: CoverageInput, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict[str, Any], dict[str, Any], list[bool]]:
    """The coverage with the sums first (recording whether they were used), then read row by row."""
    used: list[bool] = []
    real = coverage.summed_rows

    def spy(*args: Any, **kwargs: Any) -> str | None:
        out = real(*args, **kwargs)
        used.append(out is not None)
        return out

    monkeypatch.setattr(coverage, "summed_rows", spy)
    summed = allocation_coverage(store, params).model_dump()
    monkeypatch.setattr(coverage, "summed_rows", lambda *args, **kwargs: None)
    rows = allocation_coverage(store, params).model_dump()
    return summed, rows, used


CASES = [
    CoverageInput(),
    CoverageInput(top=40),
    CoverageInput(keys=["team", "env"], period="2026-10", top=25),
    CoverageInput(measure="billed_cost", top=10),
]


@pytest.mark.parametrize("params", CASES, ids=["default", "top40", "october", "billed"])
def test_provider_tag_coverage_from_sums_is_the_row_by_row_one(
    demo_store: Store, params: CoverageInput, monkeypatch: pytest.MonkeyPatch
) -> None:
    summed, rows, used = _summed_and_rows(demo_store, params, monkeypatch)
    assert used == [True]  # the demo's rows repeat their day, tags and resource: the sums are used
    assert summed == rows
    assert rows["rows"] and rows["unallocated_items"]


@pytest.mark.parametrize("params", CASES, ids=["default", "top40", "october", "billed"])
def test_virtual_tag_coverage_from_sums_is_the_row_by_row_one(
    demo_store: Store, params: CoverageInput, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    copy = tmp_path / "demo.duckdb"
    shutil.copy(demo_store.path, copy)
    store = Store(copy, lock_timeout=10)
    apply_rules(store, ApplyRulesInput(document=RULES, author="test"))
    if params.keys:
        params = params.model_copy(update={"keys": ["team", "stage"]})
    summed, rows, used = _summed_and_rows(store, params, monkeypatch)
    assert used == [True]
    assert summed == rows
    assert {r["kind"] for r in rows["rows"]} == {"virtual_tag"}
    assert any(r["allocated"] and r["unallocated"] for r in rows["rows"])  # rules and gaps both counted


def test_a_rule_on_an_amount_reads_the_rows(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    copy = tmp_path / "demo.duckdb"
    shutil.copy(demo_store.path, copy)
    store = Store(copy, lock_timeout=10)
    rules = RULES + "  size:\n    - when: {EffectiveCost: {gt: 100}}\n      value: big\n"
    apply_rules(store, ApplyRulesInput(document=rules, author="test"))
    summed, rows, used = _summed_and_rows(store, CoverageInput(keys=["size", "team"]), monkeypatch)
    assert used == [False] and summed == rows


def test_a_sum_keeps_a_late_evening_row_in_its_own_utc_month(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    copy = tmp_path / "demo.duckdb"
    shutil.copy(demo_store.path, copy)
    store = Store(copy, lock_timeout=10)
    with (
        store.writer() as con
    ):  # every charge at 23:30 UTC: the last day of a month is one step from the next
        con.execute("UPDATE costs SET ChargePeriodStart = ChargePeriodStart + INTERVAL 84600 SECOND")
    summed, rows, used = _summed_and_rows(store, CoverageInput(top=5), monkeypatch)
    assert used == [True] and summed == rows
    assert {r["month"] for r in rows["rows"]} >= {"2026-08", "2026-09", "2026-10"}


def test_the_sums_give_the_same_coverage_on_clickhouse(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The month comparisons and the sums are the same SQL on ClickHouse (chdb), through the dialect layer."""
    pytest.importorskip("chdb", reason="the clickhouse extra (chdb) is not installed")
    from backend_cases import differences
    from spendscope.data.demo import build_demo

    click = Store(f"chdb:{tmp_path / 'demo-chdb'}", lock_timeout=10)
    build_demo(click, end="2026-10-31", days=100, seed=7)  # the demo_store's build
    used: list[bool] = []
    real = coverage.summed_rows

    def spy(*args: Any, **kwargs: Any) -> str | None:
        out = real(*args, **kwargs)
        used.append(out is not None)
        return out

    monkeypatch.setattr(coverage, "summed_rows", spy)
    params = CoverageInput(top=10)
    duck_answer = allocation_coverage(demo_store, params).model_dump(mode="json")
    click_answer = allocation_coverage(click, params).model_dump(mode="json")
    assert used == [True, True]
    assert differences(duck_answer, click_answer) == []
