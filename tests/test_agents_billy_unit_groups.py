"""A unit cost asked by a dimension is given for each value (agents/billy/unit_groups.py): before, the grouping
was dropped and the whole company's unit cost answered. Over the demo company (telemetry requests) and the public
eval export (bill tokens); the per-model token figures are SQL over the rows."""

from __future__ import annotations

import datetime as dt

import pytest
from spendscope.agents.billy import ask
from spendscope.data.settings import Settings
from spendscope.data.store import Store

AS_OF = dt.date(2026, 11, 15)


def _per_million(store: Store) -> dict[str, float]:
    with store.reader() as con:
        rows = con.execute(
            "SELECT x_Model, sum(EffectiveCost) / sum(x_Tokens) * 1e6 FROM costs WHERE x_Model IS NOT NULL "
            "AND ChargePeriodStart >= TIMESTAMPTZ '2026-10-01' AND ChargePeriodStart < TIMESTAMPTZ '2026-11-01' "
            "GROUP BY 1 HAVING sum(x_Tokens) > 0 AND sum(EffectiveCost) > 0 "
            # models whose token lines carry their cost (a coding assistant's tokens at 0 are
            # tests/test_tools_unit_costs.py's)
            "AND sum(EffectiveCost) FILTER (WHERE x_Tokens IS NOT NULL) > 0"
        ).fetchall()
    return {str(m).lower(): float(v) for m, v in rows}


@pytest.mark.parametrize(
    "question", ["cost per 1M tokens by model in october 2026", "cost per mtok per model oct 2026"]
)
def test_cost_per_million_tokens_by_model_lists_each_model(
    two_stores: list[Store], billy_settings: Settings, question: str
) -> None:
    for store in two_stores:
        answer = ask(store, question, as_of=AS_OF, settings=billy_settings)
        want = _per_million(store)
        got = {str(r[0]).lower(): r[3] for r in answer.table.rows}
        # the bill's own model names (the answer's are canonical: a dated id is its model's)
        same = [m for m in got if m in want]
        assert len(same) >= 2, answer.answer
        for model in same:
            assert got[model] == pytest.approx(want[model], rel=0.005), (model, answer.answer)
        assert list(got.values()) == sorted(got.values(), reverse=True)


def test_the_cheapest_model_per_million_tokens_is_named(
    two_stores: list[Store], billy_settings: Settings
) -> None:
    for store in two_stores:
        answer = ask(
            store, "cheapest model per 1m tokens in october 2026", as_of=AS_OF, settings=billy_settings
        )
        rows = answer.table.rows
        assert str(answer.value) == rows[0][0] and "costs the least per 1M tokens" in answer.answer, (
            answer.answer
        )
        assert [r[3] for r in rows] == sorted(r[3] for r in rows)


def test_which_customer_costs_the_most_per_request_names_one(
    demo_store: Store, billy_settings: Settings
) -> None:
    answer = ask(
        demo_store,
        "which customer costs us the most per request in october",
        as_of=AS_OF,
        settings=billy_settings,
    )
    rows = answer.table.rows
    assert answer.value == rows[0][0] and "costs the most per request" in answer.answer
    per = [r[3] for r in rows]
    assert per == sorted(per, reverse=True)
    assert all(r[1] > 0 and r[2] > 0 for r in rows)


def test_gpu_utilisation_by_instance_gives_each_instance(demo_store: Store, billy_settings: Settings) -> None:
    answer = ask(demo_store, "gpu utilisation by instance in october", as_of=AS_OF, settings=billy_settings)
    with demo_store.reader() as con:
        (n,) = con.execute(
            "SELECT count(DISTINCT instance_id) FROM gpu_samples WHERE ts >= TIMESTAMPTZ '2026-10-01' "
            "AND ts < TIMESTAMPTZ '2026-11-01'"
        ).fetchone()
    assert "By instance:" in answer.answer and answer.answer.count("%;") + 1 >= min(n, 8) >= 2, answer.answer
