"""Issue 21, session 17: allocation coverage sums the period's cost rows by month and by the columns its tag values
and listed line items read, then reads the tag values (and runs the rules) once per sum, as the breakdowns do. The
answer must be the row-by-row one: the same shares, the same unallocated items in the same order."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from backend_cases import differences
from spendscope.data.store import Store
from spendscope.tools.allocation import coverage
from spendscope.tools.allocation.coverage import CoverageInput, allocation_coverage
from sums_first import demo_with_rules, spy_on_sums, summed_and_rows

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

CASES = [
    CoverageInput(),
    CoverageInput(top=40),
    CoverageInput(keys=["team", "env"], period="2026-10", top=25),
    CoverageInput(measure="billed_cost", top=10),
]


def _both(
    store: Store, params: CoverageInput, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict, dict, list[bool]]:
    return summed_and_rows(monkeypatch, coverage, lambda: allocation_coverage(store, params).model_dump())


@pytest.mark.parametrize("params", CASES, ids=["default", "top40", "october", "billed"])
def test_provider_tag_coverage_from_sums_is_the_row_by_row_one(
    demo_store: Store, params: CoverageInput, monkeypatch: pytest.MonkeyPatch
) -> None:
    summed, rows, used = _both(demo_store, params, monkeypatch)
    assert used == [True]  # the demo's rows repeat their tags and resources within a month: the sums are used
    assert summed == rows
    assert rows["rows"] and rows["unallocated_items"]


@pytest.mark.parametrize("params", CASES, ids=["default", "top40", "october", "billed"])
def test_virtual_tag_coverage_from_sums_is_the_row_by_row_one(
    demo_store: Store, params: CoverageInput, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    store = demo_with_rules(demo_store, tmp_path, RULES)
    if params.keys:
        params = params.model_copy(update={"keys": ["team", "stage"]})
    summed, rows, used = _both(store, params, monkeypatch)
    assert used == [True]
    assert summed == rows
    assert {r["kind"] for r in rows["rows"]} == {"virtual_tag"}
    assert any(r["allocated"] and r["unallocated"] for r in rows["rows"])  # rules and gaps both counted


def test_a_rule_on_an_amount_reads_the_rows(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    rules = RULES + "  size:\n    - when: {EffectiveCost: {gt: 100}}\n      value: big\n"
    store = demo_with_rules(demo_store, tmp_path, rules)
    summed, rows, used = _both(store, CoverageInput(keys=["size", "team"]), monkeypatch)
    assert used == [False] and summed == rows


def test_a_sum_keeps_a_late_evening_row_in_its_own_utc_month(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    copy = tmp_path / "demo.duckdb"
    shutil.copy(demo_store.path, copy)
    store = Store(copy, lock_timeout=10)
    # every charge at 23:30 UTC: the last day of a month is then one step from the next
    with store.writer() as con:
        con.execute("UPDATE costs SET ChargePeriodStart = ChargePeriodStart + INTERVAL 84600 SECOND")
    summed, rows, used = _both(store, CoverageInput(top=5), monkeypatch)
    assert used == [True] and summed == rows
    assert {r["month"] for r in rows["rows"]} >= {"2026-08", "2026-09", "2026-10"}


def test_the_sums_give_the_same_coverage_on_clickhouse(
    demo_store: Store, chdb_demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The month comparisons and the sums are the same SQL on ClickHouse (chdb), through the dialect layer."""
    click = chdb_demo_store  # the same demo built into chdb (a copy of one build per session)
    used = spy_on_sums(monkeypatch, coverage)
    params = CoverageInput(top=10)
    duck_answer = allocation_coverage(demo_store, params).model_dump(mode="json")
    click_answer = allocation_coverage(click, params).model_dump(mode="json")
    assert used == [True, True]
    assert differences(duck_answer, click_answer) == []
