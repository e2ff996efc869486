"""Issue 21, session 17: the savings queries (token spend per feature and model, batch candidates, untagged spend)
read the window's cost rows summed by the columns their tag values read (tools.costs.breakdown.summed_rows), so
tag values and rules are worked out once per sum. The recommendations must be the row-by-row ones."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from spendscope.data.store import Store
from spendscope.tools.allocation.versions import ApplyRulesInput, apply_rules
from spendscope.tools.costs.breakdown import Filter
from spendscope.tools.optimize import savings as module
from spendscope.tools.optimize.savings import SavingsInput, savings

RULES = """\
tags:
  feature:
    - when: {ProviderName: Anthropic}
      value: research-batch
    - copy: Tags.feature
  env:
    - copy: Tags.env
"""


def _summed_and_rows(
    store: Store, params: SavingsInput, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict[str, Any], dict[str, Any], list[bool]]:
    used: list[bool] = []
    real = module.summed_rows

    def spy(*args: Any, **kwargs: Any) -> str | None:
        out = real(*args, **kwargs)
        used.append(out is not None)
        return out

    monkeypatch.setattr(module, "summed_rows", spy)
    summed = savings(store, params).model_dump(mode="json")
    monkeypatch.setattr(module, "summed_rows", lambda *args, **kwargs: None)
    rows = savings(store, params).model_dump(mode="json")
    return summed, rows, used


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
    summed, rows, used = _summed_and_rows(demo_store, params, monkeypatch)
    assert used == [True, True, True]  # token groups, batch candidates, untagged spend
    assert summed == rows
    assert {r["kind"] for r in rows["recommendations"]} >= {"cheaper_model", "untagged"}


def test_savings_with_rules_from_sums_are_the_row_by_row_ones(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    copy = tmp_path / "demo.duckdb"
    shutil.copy(demo_store.path, copy)
    store = Store(copy, lock_timeout=10)
    apply_rules(store, ApplyRulesInput(document=RULES, author="test"))
    params = SavingsInput(top=100, min_monthly_saving=0)
    summed, rows, used = _summed_and_rows(store, params, monkeypatch)
    assert used == [True, True, True]
    assert summed == rows
    assert any("research-batch" in r["title"] for r in rows["recommendations"])  # a rule's value is read


def test_filtered_savings_read_the_filtered_rows(demo_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    params = SavingsInput(
        filters=[Filter(dimension="provider", values=["OpenAI"])], top=100, min_monthly_saving=0
    )
    summed, rows, used = _summed_and_rows(demo_store, params, monkeypatch)
    assert used == [False, False, False]  # a filtered relation is not the cost rows: it is read as it is
    assert summed == rows
    assert all("Anthropic" not in r["title"] for r in rows["recommendations"])


def test_the_sums_give_the_same_savings_on_clickhouse(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pytest.importorskip("chdb", reason="the clickhouse extra (chdb) is not installed")
    from backend_cases import differences
    from spendscope.data.demo import build_demo

    click = Store(f"chdb:{tmp_path / 'demo-chdb'}", lock_timeout=10)
    build_demo(click, end="2026-10-31", days=100, seed=7)  # the demo_store's build
    used: list[bool] = []
    real = module.summed_rows

    def spy(*args: Any, **kwargs: Any) -> str | None:
        out = real(*args, **kwargs)
        used.append(out is not None)
        return out

    monkeypatch.setattr(module, "summed_rows", spy)
    params = SavingsInput(top=100, min_monthly_saving=0)
    duck_answer = savings(demo_store, params).model_dump(mode="json")
    click_answer = savings(click, params).model_dump(mode="json")
    assert used == [True] * 6
    assert differences(duck_answer, click_answer) == []
