"""Unit economics: bill-based figures against csv sums, telemetry reconciled to the bill on a hand-made store
whose split is worked out by hand, and the demo's customers adding up to its bill."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from analytics_facts import add_costs, add_events, model, month, near, tag, total
from spendscope.data.errors import InvalidArgument, UnknownDimension
from spendscope.data.store import Store
from spendscope.tools.charts import chart_for
from spendscope.tools.costs.unit_costs import NO_TELEMETRY, UnitCostsInput, unit_costs


@pytest.fixture
def small(store: Store, tmp_path: Path) -> Store:
    ant = {"ProviderName": "Anthropic", "ServiceName": "Claude API", "x_Model": "claude-sonnet-4-5"}
    add_costs(
        store,
        [
            {"day": "2026-10-01", **ant, "x_TokenType": "input", "x_Tokens": 1_000_000, "EffectiveCost": 6},
            {"day": "2026-10-01", **ant, "x_TokenType": "output", "x_Tokens": 200_000, "EffectiveCost": 4},
            {"day": "2026-10-02", **ant, "x_TokenType": "input", "x_Tokens": 500_000, "EffectiveCost": 6},
            {
                "day": "2026-10-01",
                "ProviderName": "OpenAI",
                "ServiceName": "OpenAI API",
                "x_Model": "gpt-4o-mini",
                "x_TokenType": "input",
                "x_Tokens": 2_000_000,
                "x_Requests": 100,
                "EffectiveCost": 4,
            },
            {
                "day": "2026-10-01",
                "ProviderName": "AWS",
                "ServiceName": "Amazon Elastic Compute Cloud",
                "EffectiveCost": 100,
            },
        ],
    )
    add_events(
        store,
        tmp_path,
        [
            {
                "ts": "2026-10-01T10:00:00Z",
                "provider": "anthropic",
                "model": "claude-sonnet-4-5-20250929",
                "customer": "a",
                "estimated_cost": 1,
                "requests": 1,
                "input_tokens": 100,
                "output_tokens": 10,
                "status": "ok",
            },
            {
                "ts": "2026-10-01T11:00:00Z",
                "provider": "anthropic",
                "model": "claude-sonnet-4-5",
                "customer": "b",
                "estimated_cost": 3,
                "requests": 2,
                "input_tokens": 300,
                "output_tokens": 30,
                "status": "error",
            },
            {
                "ts": "2026-10-02T11:00:00Z",
                "provider": "anthropic",
                "model": "claude-sonnet-4-5",
                "customer": "b",
                "estimated_cost": 2,
                "requests": 1,
                "input_tokens": 200,
            },
            {
                "ts": "2026-10-03T11:00:00Z",
                "provider": "anthropic",
                "model": "claude-sonnet-4-5",
                "customer": "a",
                "estimated_cost": 0.5,
                "requests": 1,
                "input_tokens": 50,
            },
        ],
    )
    return store


def test_customers_share_each_day_bill_by_estimated_cost(small: Store) -> None:
    result = unit_costs(small, UnitCostsInput(period="2026-10", by="customer"))
    assert result.basis == "telemetry_reconciled"
    rows = {r.key: r for r in result.rows}
    a, b = rows["a"], rows["b"]
    assert a.cost == pytest.approx(2.5) and b.cost == pytest.approx(
        13.5
    )  # day 1: 10 split 1:3; day 2: 6 to b
    assert (a.requests, a.inferences, a.tokens) == (1, 1, 110)
    assert (b.requests, b.inferences, b.tokens) == (3, 1, 530)  # b's day-1 call failed (2 requests)
    assert b.cost_per_request == pytest.approx(4.5) and b.cost_per_inference == pytest.approx(13.5)
    assert a.cost_per_1m_tokens == pytest.approx(2.5 / 110 * 1_000_000)
    assert rows[NO_TELEMETRY].cost == pytest.approx(4)  # OpenAI has no events
    assert result.billed_ai_cost == pytest.approx(20) and result.attributed_cost == pytest.approx(16)
    assert result.estimate_only_cost == pytest.approx(0.5)  # day 3 has no bill yet
    assert result.total.cost == pytest.approx(20) and result.total.cost_per_request == pytest.approx(16 / 4)
    assert sum(r.cost for r in result.rows) == pytest.approx(result.billed_ai_cost)
    assert chart_for(result) is not None


def test_model_and_provider_unit_costs_come_from_the_bill(small: Store) -> None:
    result = unit_costs(small, UnitCostsInput(period="2026-10", by="model"))
    assert result.basis == "bill"
    rows = {r.key: r for r in result.rows}
    sonnet, mini = rows["claude-sonnet-4-5"], rows["gpt-4o-mini"]
    assert sonnet.cost == pytest.approx(16) and sonnet.cost_per_1m_tokens == pytest.approx(16 / 1.7)
    assert sonnet.requests == 4 and sonnet.cost_per_request == pytest.approx(4)  # requests from telemetry
    assert sonnet.inferences == 2 and sonnet.cost_per_inference == pytest.approx(8)
    assert mini.requests == 100 and mini.cost_per_request == pytest.approx(0.04)  # the bill counts these
    assert mini.cost_per_1m_tokens == pytest.approx(2)
    providers = {
        r.key: r.cost for r in unit_costs(small, UnitCostsInput(period="2026-10", by="provider")).rows
    }
    assert providers == {"Anthropic": pytest.approx(16), "OpenAI": pytest.approx(4)}
    assert any("from telemetry" in a for a in result.assumptions)


def test_cost_per_million_tokens_on_the_public_file(focus_public_store: Store) -> None:
    result = unit_costs(focus_public_store, UnitCostsInput(period="2026-09", by="model"))
    mini = next(r for r in result.rows if r.key == "gpt-4o-mini")
    sep_mini = lambda r: month(r) == "2026-09" and model(r) == "gpt-4o-mini"  # noqa: E731
    expected = total(sep_mini) / total(sep_mini, "ConsumedQuantity") * 1_000_000
    assert mini.cost_per_1m_tokens == pytest.approx(0.1826, abs=0.0001)
    assert mini.cost_per_1m_tokens == pytest.approx(float(expected), rel=1e-9)
    assert mini.requests is None and mini.cost_per_request is None


def test_features_fall_back_to_bill_tags_without_telemetry(focus_public_store: Store) -> None:
    result = unit_costs(focus_public_store, UnitCostsInput(period="2026-10", by="feature"))
    assert result.basis == "bill_tags"
    ai = lambda r: month(r) == "2026-10" and r["ServiceCategory"] == "AI and Machine Learning"  # noqa: E731
    chat = next(r for r in result.rows if r.key == "chat-assistant")
    assert near(chat.cost, total(lambda r: ai(r) and tag(r, "feature") == "chat-assistant"))
    assert near(result.total.cost, total(ai))


def test_customers_without_telemetry_and_unknown_groupings_are_refused(focus_public_store: Store) -> None:
    with pytest.raises(InvalidArgument) as info:
        unit_costs(focus_public_store, UnitCostsInput(period="2026-10", by="customer"))
    assert info.value.code == "invalid_argument"
    with pytest.raises(UnknownDimension) as unknown:
        unit_costs(focus_public_store, UnitCostsInput(period="2026-10", by="planet"))
    assert unknown.value.code == "unknown_dimension"


def test_demo_customers_add_up_to_the_ai_bill(demo_store: Store) -> None:
    customers = unit_costs(demo_store, UnitCostsInput(period="2026-10", by="customer"))
    bill = unit_costs(demo_store, UnitCostsInput(period="2026-10", by="total"))
    assert customers.attributed_cost > 0.5 * customers.billed_ai_cost
    assert sum(Decimal(str(r.cost)) for r in customers.rows) == pytest.approx(
        Decimal(str(bill.total.cost)), abs=Decimal("0.01")
    )
    assert all(r.cost_per_request is not None for r in customers.rows if r.key != NO_TELEMETRY)


@pytest.fixture
def assistant_bill(store: Store) -> Store:
    """A coding assistant's bill (tokens written at 0, each request priced) beside a model on a commitment (tokens
    priced on demand, the commitment's hours a fee with neither tokens nor requests)."""
    cur = {
        "ProviderName": "Cursor",
        "ServiceName": "Cursor",
        "x_Model": "claude-4-opus",
        "Tags": {"team": "ide"},
    }
    bed = {
        "ProviderName": "AWS",
        "ServiceName": "Amazon Bedrock",
        "x_Model": "claude-haiku-4-5",
        "Tags": {"team": "ml"},
    }
    add_costs(
        store,
        [
            {"day": "2026-10-01", **cur, "x_TokenType": "input", "x_Tokens": 3_000_000, "EffectiveCost": 0},
            {"day": "2026-10-01", **cur, "x_TokenType": "output", "x_Tokens": 1_000_000, "EffectiveCost": 0},
            {"day": "2026-10-01", **cur, "x_Requests": 40, "EffectiveCost": 20},
            {"day": "2026-10-02", **cur, "x_TokenType": "input", "x_Tokens": 1_000_000, "EffectiveCost": 0},
            {"day": "2026-10-02", **cur, "x_Requests": 10, "EffectiveCost": 10},
            {"day": "2026-10-01", **bed, "x_TokenType": "input", "x_Tokens": 2_000_000, "EffectiveCost": 2},
            {"day": "2026-10-01", **bed, "EffectiveCost": 50},  # the commitment's hours
        ],
    )
    return store


def test_tokens_carried_at_zero_cost_what_their_requests_are_charged(assistant_bill: Store) -> None:
    """Cursor's tokens at 0 with the charge on the request lines: per 1M tokens is the requests' charge over the
    tokens, not $0.00 (a confident wrong figure); a commitment's fee stays out of the tokens' cost."""
    result = unit_costs(assistant_bill, UnitCostsInput(period="2026-10", by="model"))
    rows = {r.key: r for r in result.rows}
    assert rows["claude-4-opus"].cost_per_1m_tokens == pytest.approx(30 / 5)
    assert rows["claude-4-opus"].cost_per_request == pytest.approx(30 / 50)
    assert rows["claude-haiku-4-5"].cost_per_1m_tokens == pytest.approx(1.0)
    assert result.total.cost_per_1m_tokens == pytest.approx(32 / 7)
    assert any("claude-4-opus" in a and "request charges" in a for a in result.assumptions)
    (total,) = unit_costs(assistant_bill, UnitCostsInput(period="2026-10", by="total")).rows
    assert total.cost_per_1m_tokens == pytest.approx(32 / 7)
    teams = unit_costs(assistant_bill, UnitCostsInput(period="2026-10", by="team"))
    assert teams.basis == "bill_tags"
    by_team = {r.key: r for r in teams.rows}
    assert by_team["ide"].cost_per_1m_tokens == pytest.approx(30 / 5)
    assert by_team["ml"].cost_per_1m_tokens == pytest.approx(1.0)
    assert teams.total.cost_per_1m_tokens == pytest.approx(32 / 7)
    assert any("request charges" in a for a in teams.assumptions)
