"""API and self-hosted models in one table: the GPU-amortised cost per token of self-hosted models, checked
against hand-written SQL over the demo and a small hand-made store."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from analytics_facts import add_costs
from spendscope.data.events import import_events_file
from spendscope.data.store import Store
from spendscope.tools.invoke import invoke

RERANKER = "i-0a7d3c9e1f2b4a6c8"  # the demo's rerank-serving-g5


def _one(store: Store, sql: str, params: list | None = None) -> tuple:
    with store.reader() as con:
        return con.execute(sql, params or []).fetchall()[0]


def test_a_self_hosted_model_costs_its_instance_over_the_tokens_it_served(demo_store: Store) -> None:
    result = invoke(demo_store, "compare_model_costs", {"period": "2026-10"})
    row = next(r for r in result.rows if r.model == "bge-reranker-v2-m3")
    (cost,) = _one(
        demo_store,
        "SELECT sum(EffectiveCost) FROM costs WHERE ResourceId = ? AND ChargePeriodStart >= '2026-10-01' "
        "AND ChargePeriodStart < '2026-11-01'",
        [RERANKER],
    )
    tokens, requests = _one(
        demo_store,
        "SELECT sum(input_tokens + output_tokens), sum(requests) FROM usage_events WHERE instance_id = ? "
        "AND ts >= '2026-10-01' AND ts < '2026-11-01'",
        [RERANKER],
    )
    (util,) = _one(
        demo_store,
        "SELECT avg(utilization_pct) FROM gpu_samples WHERE instance_id = ? AND ts >= '2026-10-01' "
        "AND ts < '2026-11-01'",
        [RERANKER],
    )
    assert row.hosting == "self-hosted" and row.instances == [RERANKER]
    assert row.cost == pytest.approx(float(cost)) and row.tokens == tokens and row.requests == requests
    assert row.cost_per_1m_tokens == pytest.approx(float(cost) / tokens * 1e6)
    assert row.gpu_utilisation_pct == pytest.approx(util)
    # the idle embedder: almost all of its instance's cost is idle time, so a token costs a great deal
    idle = next(r for r in result.rows if r.model == "bge-large-en-v1.5")
    assert idle.gpu_utilisation_pct < 5 and idle.cost_per_1m_tokens > 100 * row.cost_per_1m_tokens


def test_api_models_come_from_the_bill_in_the_same_table(demo_store: Store) -> None:
    result = invoke(demo_store, "compare_model_costs", {"period": "2026-10"})
    row = next(r for r in result.rows if r.model == "claude-sonnet-4-5" and r.provider == "Anthropic")
    cost, tokens = _one(
        demo_store,
        "SELECT sum(EffectiveCost), sum(x_Tokens) FROM costs WHERE ProviderName = 'Anthropic' "
        "AND x_Model = 'claude-sonnet-4-5' AND x_Tokens IS NOT NULL AND ChargePeriodStart >= '2026-10-01' "
        "AND ChargePeriodStart < '2026-11-01'",
    )
    assert row.hosting == "api" and row.cost_basis == "bill"
    assert row.cost_per_1m_tokens == pytest.approx(float(Decimal(cost) / tokens * 1_000_000))
    per_m = [r.cost_per_1m_tokens for r in result.rows if r.cost_per_1m_tokens is not None]
    assert per_m == sorted(per_m)  # cheapest first
    scoped = invoke(
        demo_store,
        "compare_model_costs",
        {"period": "2026-10", "filters": [{"dimension": "team", "op": "eq", "values": ["search"]}]},
    )
    assert "bge-large-en-v1.5" not in {r.model for r in scoped.rows}  # the platform team's embedder
    assert "bge-reranker-v2-m3" in {r.model for r in scoped.rows}


def test_an_instance_serving_two_models_splits_its_cost_by_their_tokens(store: Store, tmp_path: Path) -> None:
    add_costs(
        store,
        [
            {
                "day": "2026-10-01",
                "ProviderName": "AWS",
                "ServiceName": "Amazon Elastic Compute Cloud",
                "ResourceId": "i-gpu1",
                "EffectiveCost": 100,
            }
        ],
    )
    events = [
        {"ts": "2026-10-01T05:00:00Z", "provider": "vllm", "model": "llama-3.1-8b", "input_tokens": 2_000_000,
         "output_tokens": 1_000_000, "requests": 1000, "instance_id": "i-gpu1"},
        {"ts": "2026-10-01T06:00:00Z", "provider": "vllm", "model": "qwen-7b", "input_tokens": 1_000_000,
         "requests": 500, "instance_id": "i-gpu1"},
    ]  # fmt: skip
    path = tmp_path / "ev.jsonl"
    path.write_text("\n".join(json.dumps(e) for e in events), encoding="utf-8")
    import_events_file(store, path)
    result = invoke(store, "compare_model_costs", {"start": "2026-10-01", "end": "2026-10-01"})
    by_model = {r.model: r for r in result.rows}
    assert by_model["llama-3.1-8b"].cost == pytest.approx(75.0)
    assert by_model["qwen-7b"].cost == pytest.approx(25.0)
    assert by_model["qwen-7b"].cost_per_1m_tokens == pytest.approx(25.0)
    assert by_model["llama-3.1-8b"].cost_per_1k_requests == pytest.approx(75.0)
