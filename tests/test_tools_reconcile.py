"""Estimated vs billed, on a hand-made store whose drift is worked out by hand, and on the public file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from analytics_facts import add_costs, add_events, group, month, near
from spendscope.data.errors import UnknownValue
from spendscope.data.store import Store
from spendscope.tools.charts import chart_for
from spendscope.tools.costs.reconcile import ReconcileInput, reconcile, resolve_sources, source_label


@pytest.fixture
def small(store: Store, tmp_path: Path) -> Store:
    ant = {"ProviderName": "Anthropic", "ServiceName": "Claude API", "x_Model": "claude-sonnet-4-5"}
    add_costs(
        store,
        [
            {"day": "2026-10-01", **ant, "EffectiveCost": 10},
            {"day": "2026-10-02", **ant, "EffectiveCost": 8},
            {
                "day": "2026-10-01",
                "ProviderName": "AWS",
                "ServiceName": "Amazon Bedrock",
                "x_Model": "claude-sonnet-4-5",
                "EffectiveCost": 5,
            },
            {
                "day": "2026-10-01",
                "ProviderName": "Microsoft",
                "ServiceName": "Azure OpenAI",
                "x_Model": "gpt-4o",
                "BilledCost": 3,
                "EffectiveCost": 2.5,
                "PricingCategory": "Committed",
                "CommitmentDiscountId": "ptu-1",
            },
            {
                "day": "2026-10-01",
                "ProviderName": "Google Cloud",
                "ServiceName": "Vertex AI",
                "x_Model": "gemini-2.5-pro",
                "EffectiveCost": 7,
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
                "ts": "2026-10-01T05:00:00Z",
                "provider": "anthropic",
                "model": "claude-sonnet-4-5-20250929",
                "estimated_cost": 4,
            },
            {
                "ts": "2026-10-01T07:00:00Z",
                "provider": "anthropic",
                "model": "claude-sonnet-4-5",
                "estimated_cost": 5,
            },
            {
                "ts": "2026-10-01T08:00:00Z",
                "provider": "aws.bedrock",
                "model": "anthropic.claude-sonnet-4-5-20250929-v1:0",
                "estimated_cost": 5.5,
            },
            {
                "ts": "2026-10-01T09:00:00Z",
                "provider": "azure.openai",
                "model": "gpt-4o-2024-08-06",
                "estimated_cost": 2,
            },
            {
                "ts": "2026-10-03T09:00:00Z",
                "provider": "anthropic",
                "model": "claude-haiku-4-5",
                "estimated_cost": 1.25,
            },
        ],
    )
    return store


def test_telemetry_and_bill_names_map_to_one_billing_source() -> None:
    assert resolve_sources("AWS", []) == ["aws.bedrock"]
    assert resolve_sources("bedrock", []) == ["aws.bedrock"]
    assert resolve_sources("Microsoft", []) == ["azure.openai"]
    assert resolve_sources("azure.openai", []) == ["azure.openai"]
    assert set(resolve_sources("Google Cloud", [])) == {"gcp.vertex_ai", "gcp.gemini"}
    assert source_label("gcp.vertex_ai") == "Google Vertex AI"
    with pytest.raises(UnknownValue) as info:
        resolve_sources("Acme Cloud", ["openai"])
    assert info.value.code == "unknown_value"


def test_drift_per_provider_model_and_day(small: Store) -> None:
    result = reconcile(small, ReconcileInput(period="2026-10"))
    rows = {(r.date, r.provider, r.model): r for r in result.rows}
    d1, d2, d3 = dt.date(2026, 10, 1), dt.date(2026, 10, 2), dt.date(2026, 10, 3)
    ant = rows[(d1, "anthropic", "claude-sonnet-4-5")]
    assert (ant.estimated_cost, ant.billed_cost, ant.events, ant.status) == (9, 10, 2, "matched")
    assert ant.drift == pytest.approx(-1) and ant.drift_pct == pytest.approx(-10)
    bedrock = rows[(d1, "aws.bedrock", "claude-sonnet-4-5")]
    assert bedrock.drift == pytest.approx(0.5) and bedrock.drift_pct == pytest.approx(10)
    assert bedrock.provider_name == "Amazon Bedrock"
    assert rows[(d2, "anthropic", "claude-sonnet-4-5")].status == "no_telemetry"
    haiku = rows[(d3, "anthropic", "claude-haiku-4-5")]
    assert haiku.status == "not_billed" and haiku.drift_pct is None
    ptu = rows[(d1, "azure.openai", "gpt-4o")]
    assert ptu.committed and ptu.billed_cost == pytest.approx(3)
    assert not any(r.provider == "gcp.vertex_ai" for r in result.rows)


def test_summary_totals_series_and_uncovered_sources(small: Store) -> None:
    result = reconcile(small, ReconcileInput(period="2026-10"))
    summary = {(r.provider, r.model): r for r in result.summary}
    assert summary[("anthropic", "claude-sonnet-4-5")].billed_cost == pytest.approx(18)
    assert summary[("anthropic", "claude-sonnet-4-5")].estimated_cost == pytest.approx(9)
    # totals cover sources with telemetry that are not committed: 9 + 5.5 + 1.25 against 18 + 5 + 0
    assert result.estimated_total == pytest.approx(15.75) and result.billed_total == pytest.approx(23)
    assert result.drift_pct == pytest.approx(-7.25 / 23 * 100)
    series = {p.date: (p.estimated_cost, p.billed_cost) for p in result.series}
    assert series[dt.date(2026, 10, 1)] == pytest.approx((14.5, 15))
    assert series[dt.date(2026, 10, 2)] == pytest.approx((0, 8))
    assert [(u.provider, u.billed_cost) for u in result.uncovered] == [("gcp.vertex_ai", pytest.approx(7))]
    assert chart_for(result) is not None


def test_measure_provider_and_month_options(small: Store) -> None:
    effective = reconcile(small, ReconcileInput(period="2026-10", measure="cost", provider="Microsoft"))
    assert {r.provider for r in effective.summary} == {"azure.openai"}
    assert effective.summary[0].billed_cost == pytest.approx(2.5)
    monthly = reconcile(small, ReconcileInput(period="2026-10", grain="month", provider="bedrock"))
    assert [(r.date, r.estimated_cost, r.billed_cost) for r in monthly.rows] == [
        (dt.date(2026, 10, 1), pytest.approx(5.5), pytest.approx(5))
    ]


def test_without_telemetry_the_bill_is_listed_as_uncovered(focus_public_store: Store) -> None:
    result = reconcile(focus_public_store, ReconcileInput(period="2026-10"))
    assert result.rows == [] and result.estimated_total == 0
    assert any("no usage events" in n for n in result.notes)
    ai = lambda r: r["ServiceCategory"] == "AI and Machine Learning"  # noqa: E731  (every model row, PTU included)
    billed = group(
        lambda r: month(r) == "2026-10" and ai(r),
        lambda r: (r["ProviderName"], r["ServiceName"]),
        "BilledCost",
    )
    names = {
        ("Anthropic", "Claude API"): "anthropic",
        ("OpenAI", "OpenAI API"): "openai",
        ("AWS", "Amazon Bedrock"): "aws.bedrock",
        ("Microsoft", "Azure OpenAI"): "azure.openai",
        ("Google Cloud", "Vertex AI"): "gcp.vertex_ai",
    }
    assert {u.provider: u.billed_cost for u in result.uncovered} == {
        names[k]: pytest.approx(float(v), abs=0.005) for k, v in billed.items()
    }
    assert near(sum(u.billed_cost for u in result.uncovered), sum(billed.values()))
