"""Issue 21, session 17: the savings queries (token spend per feature and model, batch candidates, untagged spend)
read the window's cost rows summed by the columns their tag values read (tools.costs.breakdown.summed_rows), so
tag values and rules are worked out once per sum. The recommendations must be the row-by-row ones."""

from __future__ import annotations

from pathlib import Path

import pytest
from backend_cases import differences
from spendscope.data.store import Store
from spendscope.tools.costs.breakdown import Filter
from spendscope.tools.optimize import savings as module
from spendscope.tools.optimize.savings import SavingsInput, savings
from sums_first import demo_with_rules, spy_on_sums, summed_and_rows

RULES = """\
tags:
  feature:
    - when: {ProviderName: Anthropic}
      value: research-batch
    - copy: Tags.feature
  env:
    - copy: Tags.env
"""


def _both(
    store: Store, params: SavingsInput, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict, dict, list[bool]]:
    return summed_and_rows(monkeypatch, module, lambda: savings(store, params).model_dump(mode="json"))


@pytest.mark.parametrize(
    "params",
    [
        SavingsInput(),
        SavingsInput(top=100, min_monthly_saving=0),
        SavingsInput(feature_tag="env", team_tag="env"),
    ],
    ids=["default", "all", "by-env"],
)
def test_savings_from_sums_are_the_row_by_row_ones(
    demo_store: Store, params: SavingsInput, monkeypatch: pytest.MonkeyPatch
) -> None:
    summed, rows, used = _both(demo_store, params, monkeypatch)
    assert used == [True, True, True]  # token groups, batch candidates, untagged spend
    assert summed == rows
    assert {r["kind"] for r in rows["recommendations"]} >= {"cheaper_model", "untagged"}


def test_savings_with_rules_from_sums_are_the_row_by_row_ones(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    store = demo_with_rules(demo_store, tmp_path, RULES)
    summed, rows, used = _both(store, SavingsInput(top=100, min_monthly_saving=0), monkeypatch)
    assert used == [True, True, True]
    assert summed == rows
    assert any("research-batch" in r["title"] for r in rows["recommendations"])  # a rule's value is read


def test_filtered_savings_read_the_filtered_rows(demo_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    params = SavingsInput(
        filters=[Filter(dimension="provider", values=["OpenAI"])], top=100, min_monthly_saving=0
    )
    summed, rows, used = _both(demo_store, params, monkeypatch)
    assert used == [False, False, False]  # a filtered relation is not the cost rows: it is read as it is
    assert summed == rows
    assert all("Anthropic" not in r["title"] for r in rows["recommendations"])


def test_the_sums_give_the_same_savings_on_clickhouse(
    demo_store: Store, chdb_demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    click = chdb_demo_store  # the same demo built into chdb (a copy of one build per session)
    used = spy_on_sums(monkeypatch, module)
    params = SavingsInput(top=100, min_monthly_saving=0)
    duck_answer = savings(demo_store, params).model_dump(mode="json")
    click_answer = savings(click, params).model_dump(mode="json")
    assert used == [True] * 6
    assert differences(duck_answer, click_answer) == []
