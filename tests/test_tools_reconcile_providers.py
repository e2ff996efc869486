"""Providers outside the known billing sources: telemetry's provider id and the bill's ProviderName meet on one
normalised key (`provider_key`: case, separators and trailing company words like AI, Cloud, Inc ignored), the
same rule in Python and in SQL on both backends, and two providers whose names differ in any other word stay
apart. Stores: Hanbit's December (telemetry 'naver', bill 'Naver Cloud', KRW) and a hand-made store of small GPU
clouds (Together AI, Hugging Face, Scale AI next to Scale Computing). Expected figures come from hand-written SQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from analytics_facts import add_costs, add_events
from billy_harness import round_store
from fixtures.billy import hanbit
from fixtures.billy.synth import build as build_company
from spendscope.data.errors import UnknownValue
from spendscope.data.store import Store
from spendscope.tools.costs.reconcile import (
    ReconcileInput,
    provider_key,
    provider_key_sql,
    reconcile,
    resolve_sources,
)

NAMES = {
    "Naver Cloud": "naver",
    "naver": "naver",
    "NAVER": "naver",
    "Together AI": "together",
    "together_ai": "together",
    "together-ai": "together",
    "Hugging Face": "huggingface",
    "hugging-face": "huggingface",
    "huggingface": "huggingface",
    "Replicate, Inc.": "replicate",
    "Lambda Labs": "lambda",
    "Fireworks AI Inc": "fireworks",
    " Scale AI ": "scale",
    "Scale Computing": "scalecomputing",
    "AI21 Labs": "ai21",
    "Sarvam AI": "sarvam",
    "Cloud": "cloud",  # the first word is never dropped: a name is never emptied
    "": None,
}


def test_the_provider_key_keeps_the_name_and_drops_only_company_words() -> None:
    assert {name: provider_key(name) for name in NAMES} == NAMES


def test_the_sql_key_is_the_python_key_on_duckdb_and_clickhouse(store: Store, tmp_path: Path) -> None:
    values = ", ".join(f"('{n}')" for n in NAMES)
    sql = f"SELECT n, {provider_key_sql('n')} FROM (VALUES {values}) AS t(n) ORDER BY n"
    with store.reader() as con:
        assert dict(con.execute(sql).fetchall()) == NAMES
    pytest.importorskip("chdb", reason="the clickhouse extra (chdb) is not installed")
    chdb_store = Store(f"chdb:{tmp_path / 'keys-chdb'}", lock_timeout=10)
    chdb_store.ensure_schema()
    with chdb_store.reader() as con:
        assert dict(con.execute(sql).fetchall()) == NAMES


@pytest.fixture(scope="module")
def naver(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """Hanbit's December, with telemetry for voc-summary (Naver Cloud's hcx-005) under the provider id 'naver'."""
    folder = tmp_path_factory.mktemp("naver-reconcile")
    company = dataclasses.replace(
        hanbit.COMPANY,
        start=dt.date(2026, 12, 1),
        end=dt.date(2027, 1, 1),
        telemetry_product="voc-summary",
        telemetry_provider="naver",
    )
    return round_store(folder, build_company(folder, company, "naver"), "naver")


def _one(store: Store, sql: str) -> float:
    with store.reader() as con:
        return float(con.execute(sql).fetchall()[0][0])


def test_naver_telemetry_meets_the_naver_cloud_bill(naver: Store) -> None:
    result = reconcile(naver, ReconcileInput(start="2026-12-01", end="2027-01-01"))
    billed = _one(
        naver,
        "SELECT sum(BilledCost) FROM costs WHERE ProviderName = 'Naver Cloud' AND x_Model IS NOT NULL "
        "AND ChargePeriodStart >= TIMESTAMPTZ '2026-12-01' AND ChargePeriodStart < TIMESTAMPTZ '2027-01-01'",
    )
    estimated = _one(
        naver,
        "SELECT sum(estimated_cost) FROM usage_events WHERE provider = 'naver' "
        "AND ts >= TIMESTAMPTZ '2026-12-01' AND ts < TIMESTAMPTZ '2027-01-01'",
    )
    [row] = result.summary
    assert (row.provider, row.provider_name, row.model, row.status) == (
        "naver",
        "Naver Cloud",
        "hcx-005",
        "matched",
    )
    assert row.billed_cost == pytest.approx(billed) and row.estimated_cost == pytest.approx(estimated)
    assert result.billed_total == pytest.approx(billed) and billed > 0
    assert "naver" not in {u.provider for u in result.uncovered}
    assert {u.provider_name for u in result.uncovered} == {"OpenAI", "Upstage"}
    for asked in ("Naver Cloud", "naver", "NAVER CLOUD"):
        scoped = reconcile(naver, ReconcileInput(start="2026-12-01", end="2027-01-01", provider=asked))
        assert [r.provider for r in scoped.summary] == ["naver"]
        assert scoped.billed_total == pytest.approx(billed)


@pytest.fixture
def clouds(store: Store, tmp_path: Path) -> Store:
    bill = [
        ("Together AI", "Together Inference", "llama-3.3-70b", 40),
        ("Hugging Face", "Inference Endpoints", "qwen-2.5-72b", 30),
        ("Scale AI", "Scale GenAI Platform", "llama-3.1-8b", 20),
        ("Scale Computing", "SC//Platform AI", "llama-3.1-8b", 7),
    ]
    add_costs(
        store,
        [
            {"day": f"2026-10-0{d}", "ProviderName": p, "ServiceName": s, "x_Model": m, "EffectiveCost": c}
            for p, s, m, c in bill
            for d in (1, 2)
        ],
    )
    events = [
        ("together_ai", "llama-3.3-70b", 37),
        ("huggingface", "qwen-2.5-72b", 33),
        ("scale-ai", "llama-3.1-8b", 21),
    ]
    add_events(
        store,
        tmp_path,
        [
            {"ts": f"2026-10-0{d}T10:00:00Z", "provider": p, "model": m, "estimated_cost": c}
            for p, m, c in events
            for d in (1, 2)
        ],
    )
    return store


def test_small_clouds_match_by_key_and_two_scales_stay_apart(clouds: Store) -> None:
    result = reconcile(clouds, ReconcileInput(period="2026-10"))
    summary = {
        r.provider: (r.provider_name, r.estimated_cost, r.billed_cost, r.status) for r in result.summary
    }
    assert summary == {
        "together": ("Together AI", pytest.approx(74), pytest.approx(80), "matched"),
        "huggingface": ("Hugging Face", pytest.approx(66), pytest.approx(60), "matched"),
        "scale": ("Scale AI", pytest.approx(42), pytest.approx(40), "matched"),
    }
    # Scale Computing has no telemetry: it is not folded into Scale AI
    assert [(u.provider_name, u.billed_cost) for u in result.uncovered] == [
        ("Scale Computing", pytest.approx(14))
    ]
    assert result.billed_total == pytest.approx(180) and result.estimated_total == pytest.approx(182)
    assert resolve_sources("Scale Computing", ["scale", "scalecomputing"]) == ["scalecomputing"]
    assert resolve_sources("scale_ai", ["scale", "scalecomputing"]) == ["scale"]
    with pytest.raises(UnknownValue) as info:
        reconcile(clouds, ReconcileInput(period="2026-10", provider="Scaleway"))
    assert "Scale AI" in str(info.value) and "Scale Computing" in str(info.value)
