"""Reconcile on a bill in another currency: telemetry's estimates are USD (catalog list prices, USD-only reported
costs), so against a RON bill they are converted with the stored USD->RON rates, or shown in USD with no drift;
never a RON-labelled USD figure or a drift between USD and RON amounts."""

from __future__ import annotations

from pathlib import Path

import pytest
from analytics_facts import add_costs, add_events
from spendscope.data.import_rates import import_rates
from spendscope.data.models import normalize_model
from spendscope.data.store import Store
from spendscope.tools.costs.reconcile import ReconcileInput, model_map_sql, reconcile
from spendscope_in_process import run_spendscope

ANT = {"ProviderName": "Anthropic", "ServiceName": "Claude API", "x_Model": "claude-sonnet-4-5"}


@pytest.fixture
def ron(store: Store, tmp_path: Path) -> Store:
    """A RON bill (46 + 23 for October, 50 in November) and USD telemetry (10 + 5, then 11)."""
    add_costs(
        store,
        [
            {"day": "2026-10-01", **ANT, "EffectiveCost": 46, "BillingCurrency": "RON"},
            {"day": "2026-10-02", **ANT, "EffectiveCost": 23, "BillingCurrency": "RON"},
            {"day": "2026-11-02", **ANT, "EffectiveCost": 50, "BillingCurrency": "RON"},
        ],
    )
    add_events(
        store,
        tmp_path,
        [
            {
                "ts": "2026-10-01T05:00:00Z",
                "provider": "anthropic",
                "model": "claude-sonnet-4-5",
                "estimated_cost": 10,
            },
            {
                "ts": "2026-10-02T05:00:00Z",
                "provider": "anthropic",
                "model": "claude-sonnet-4-5",
                "estimated_cost": 5,
            },
            {
                "ts": "2026-11-02T05:00:00Z",
                "provider": "anthropic",
                "model": "claude-sonnet-4-5",
                "estimated_cost": 11,
            },
        ],
    )
    return store


def test_without_a_rate_usd_estimates_stay_usd_and_no_drift_is_stated(ron: Store) -> None:
    r = reconcile(ron, ReconcileInput(period="2026-10"))
    assert (r.estimate_currency, r.billing_currency) == ("USD", "RON")
    assert r.estimated_total == pytest.approx(15) and r.billed_total == pytest.approx(69)
    assert r.drift is None and r.drift_pct is None  # 15 USD - 69 RON is no figure
    assert all(x.drift is None and x.catalog_drift is None for x in [*r.rows, *r.summary])
    assert any("USD to RON rate" in n and "spendscope import rates" in n for n in r.notes)


def test_stored_rates_convert_each_event_at_its_days_rate(ron: Store, tmp_path: Path) -> None:
    rates = tmp_path / "rates.csv"
    rates.write_text("currency,month,rate,to_currency\nUSD,2026-10,4.6,RON\nUSD,2026-11,4.5,RON\n", "utf-8")
    import_rates(ron, rates)
    r = reconcile(ron, ReconcileInput(start="2026-10-01", end="2026-11-30"))
    assert (r.estimate_currency, r.billing_currency) == ("RON", "RON")
    assert r.estimated_total == pytest.approx(15 * 4.6 + 11 * 4.5)
    assert r.drift == pytest.approx(15 * 4.6 + 11 * 4.5 - 119)
    october = reconcile(ron, ReconcileInput(period="2026-10"))
    assert october.drift == pytest.approx(0) and october.drift_pct == pytest.approx(0)


def test_a_rate_missing_for_one_month_names_it(ron: Store, tmp_path: Path) -> None:
    rates = tmp_path / "rates.csv"
    rates.write_text("currency,month,rate,to_currency\nUSD,2026-10,4.6,RON\n", "utf-8")
    import_rates(ron, rates)
    r = reconcile(ron, ReconcileInput(start="2026-10-01", end="2026-11-30"))
    assert r.drift is None and r.estimate_currency == "USD"
    assert any("none for 2026-11" in n for n in r.notes)


def test_the_cli_writes_the_estimates_in_dollars_beside_the_ron_bill(ron: Store) -> None:
    out = run_spendscope("reconcile", "--period", "2026-10", "--db", str(ron.path)).stdout
    assert "USD 15.00" in out and "RON 69.00" in out and "RON 15.00" not in out


@pytest.mark.parametrize("names", [["claude-sonnet-4-5-20250929"], ["gpt-4o-2024-08-06", "gpt-4o"]])
def test_the_model_map_of_one_name_reads_the_same_on_clickhouse(
    chdb_demo_store: Store, names: list[str]
) -> None:
    """Reconcile, unit costs, commitments and triage map telemetry's model names through this CTE; on ClickHouse
    a one-name map was read as two one-column rows and every one of them failed for such a window."""
    pytest.importorskip("chdb", reason="the clickhouse extra (chdb) is not installed")
    cte, params = model_map_sql(names)
    with chdb_demo_store.reader() as con:
        got = con.execute(f"WITH {cte} SELECT raw, canon FROM model_map ORDER BY raw", params).fetchall()
    assert [tuple(r) for r in got] == sorted((n, normalize_model(n)) for n in names)


def test_attribution_splits_the_ron_bill_and_keeps_the_usd_estimates_apart(ron: Store) -> None:
    """The bill is split by telemetry's shares (RON, exact); the estimates stay USD and billed / estimated across
    the two currencies is no ratio (it read 4.6 as 'invoice vs estimate')."""
    from spendscope.tools.allocation.attribution import AttributionInput, attribute_costs

    r = attribute_costs(ron, AttributionInput(period="2026-10", by=["provider"]))
    model = next(m for m in r.models if m.model == "claude-sonnet-4-5")
    assert float(model.attributed) == pytest.approx(69) and float(model.estimated) == pytest.approx(15)
    assert model.ratio is None and r.reconciles
    out = run_spendscope("report", "attribution", "--month", "2026-10", "--db", str(ron.path)).stdout
    assert "USD 15.00" in out and "RON 15.00" not in out and "RON 69.00" in out
