"""Showback and shared-cost pools sum the period's rows by the columns the rules read before running them (as
virtual-tag breakdowns do): every figure, direct and shared, drivers and pools, is exactly the one computed over
the rows themselves, for dated rule versions and each split strategy."""

from __future__ import annotations

import datetime as dt

import pytest
from spendscope.data.store import Store
from spendscope.tools.allocation import shared
from spendscope.tools.allocation.shared import SharedCostsInput, shared_costs
from spendscope.tools.allocation.showback import ShowbackInput, showback
from spendscope.tools.allocation.versions import ApplyRulesInput, apply_rules
from test_tools_allocation_pushdown import V1 as TAGS

SUMMED_LINES = shared._summed_lines
POOLS = {
    "proportional": "    split: proportional\n    basis: tokens\n",
    "even": "    split: even\n",
    "fixed": "    split: fixed\n    percentages: {search: 70, growth: 30}\n",
}


def _document(split: str) -> str:
    return (
        TAGS + "shared:\n  - name: platform\n    when: {SubAccountName: sub-7}\n    to: team\n" + POOLS[split]
    )


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = Store(tmp_path_factory.mktemp("showback-pushdown") / "store.duckdb", lock_timeout=10)
    store.ensure_schema()
    with store.writer() as con:
        con.execute(
            """INSERT INTO costs (ChargePeriodStart, ChargePeriodEnd, ProviderName, ServiceName, x_Model,
                   SubAccountName, EffectiveCost, BilledCost, ListCost, x_Tokens, Tags)
               SELECT TIMESTAMPTZ '2026-09-01 00:00:00+00' + to_days(CAST(k % 61 AS INT)),
                      TIMESTAMPTZ '2026-09-02 00:00:00+00' + to_days(CAST(k % 61 AS INT)),
                      ['OpenAI', 'Anthropic', 'Google Cloud'][1 + k % 3], 'AI API',
                      ['gpt-4.1', 'claude-sonnet-4-5', 'gemini-2.5-pro'][1 + (k // 3) % 3], 'sub-' || (k % 23),
                      CAST((i % 997) * 0.0137 + 0.0001 AS DECIMAL(38,10)), CAST(i % 13 AS DECIMAL(38,10)),
                      CAST(i % 17 AS DECIMAL(38,10)), 1000 + i % 37,
                      CASE WHEN k % 5 = 0 THEN NULL ELSE '{"team":"t' || (k % 4) || '"}' END
               FROM (SELECT i, i % 600 AS k FROM range(30000) t(i))"""  # a bill repeats its line items
        )
    return store


def _both(store: Store, monkeypatch: pytest.MonkeyPatch, run) -> tuple[object, object, int]:
    used = []
    real = SUMMED_LINES

    def spy(*args, **kwargs):
        relation = real(*args, **kwargs)
        used.append(relation is not None)
        return relation

    monkeypatch.setattr(shared, "_summed_lines", spy)
    summed = run()
    monkeypatch.setattr(shared, "_summed_lines", lambda *a, **k: None)
    return summed, run(), sum(used)


@pytest.mark.parametrize("split", sorted(POOLS))
def test_showback_and_pools_on_summed_rows_equal_the_rows_to_the_last_decimal(
    rows: Store, monkeypatch: pytest.MonkeyPatch, split: str
) -> None:
    apply_rules(rows, ApplyRulesInput(document=_document(split), source_file=f"{split}.yaml"))
    apply_rules(
        rows,
        ApplyRulesInput(
            document=_document(split).replace("prefix: sub-1", "prefix: sub-2"),
            source_file="later.yaml",
            effective_from=dt.date(2026, 10, 10),
        ),
    )
    summed, direct, used = _both(rows, monkeypatch, lambda: showback(rows, ShowbackInput(month="2026-10")))
    assert used == 1
    assert summed.model_dump() == direct.model_dump()
    assert len(summed.rows) > 2 and summed.shared > 0
    summed, direct, used = _both(
        rows, monkeypatch, lambda: shared_costs(rows, SharedCostsInput(key="team", period="2026-10"))
    )
    assert used == 1 and summed.model_dump() == direct.model_dump()
    assert summed.conserved and summed.pools


def test_rules_that_test_an_amount_allocate_the_rows_themselves(
    rows: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = TAGS + "    - when: {EffectiveCost: {gt: 5}}\n      value: big\n"
    apply_rules(rows, ApplyRulesInput(document=document, source_file="amounts.yaml"))
    _summed, _direct, used = _both(rows, monkeypatch, lambda: showback(rows, ShowbackInput(month="2026-10")))
    assert used == 0
