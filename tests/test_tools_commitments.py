"""Commitment utilisation and break-even, on the public file (csv sums) and on hand-made stores."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from analytics_facts import add_costs, add_events, month, near, total
from spendscope.data.store import Store
from spendscope.tools.charts import chart_for
from spendscope.tools.optimize.commitments import CommitmentsInput, commitments


def _status(r: dict[str, str], status: str) -> bool:
    return r["CommitmentDiscountStatus"] == status


def test_ptu_unused_and_utilisation_are_the_known_figures(focus_public_store: Store) -> None:
    sep = commitments(focus_public_store, CommitmentsInput(period="2026-09")).rows
    assert len(sep) == 1 and sep[0].commitment_name == "ptu-gpt-4o"
    assert near(sep[0].unused_cost, Decimal("4953.29"))
    assert near(sep[0].unused_cost, total(lambda r: month(r) == "2026-09" and _status(r, "Unused")))
    oct_ = commitments(focus_public_store, CommitmentsInput(period="2026-10")).rows[0]
    used = total(lambda r: month(r) == "2026-10" and _status(r, "Used"))
    unused = total(lambda r: month(r) == "2026-10" and _status(r, "Unused"))
    assert oct_.utilization_pct == pytest.approx(54.73, abs=0.01)
    assert oct_.utilization_pct == pytest.approx(float(used / (used + unused) * 100))
    assert near(
        oct_.purchased_cost,
        total(lambda r: month(r) == "2026-10" and r["ChargeCategory"] == "Purchase", "BilledCost"),
    )


def test_whole_period_totals_and_no_payg_reference(focus_public_store: Store) -> None:
    result = commitments(focus_public_store, CommitmentsInput(start="2026-08-01", end="2026-10-31"))
    assert [r.month for r in result.rows] == ["2026-08", "2026-09", "2026-10"]
    assert result.commitments[0].months == 3
    assert near(result.total_unused_cost, total(lambda r: _status(r, "Unused")))
    assert all(r.payg_source == "none" and r.break_even_utilization_pct is None for r in result.rows)
    assert any("no pay-as-you-go reference" in a for a in result.assumptions)
    assert chart_for(result) is not None


def test_break_even_from_list_cost(store: Store) -> None:
    c = {
        "CommitmentDiscountId": "ri-1",
        "CommitmentDiscountName": "reservation-1",
        "ProviderName": "AWS",
        "CommitmentDiscountType": "Reserved Instance",
    }
    add_costs(
        store,
        [
            {"day": "2026-09-01", **c, "ChargeCategory": "Purchase", "BilledCost": 100, "EffectiveCost": 0},
            {
                "day": "2026-09-01",
                **c,
                "CommitmentDiscountStatus": "Used",
                "EffectiveCost": 60,
                "BilledCost": 0,
                "ListCost": 90,
            },
            {
                "day": "2026-09-01",
                **c,
                "CommitmentDiscountStatus": "Unused",
                "EffectiveCost": 40,
                "BilledCost": 0,
            },
            {
                "day": "2026-10-01",
                **c,
                "CommitmentDiscountStatus": "Used",
                "EffectiveCost": 80,
                "BilledCost": 0,
                "ListCost": 200,
            },
            {
                "day": "2026-10-01",
                **c,
                "CommitmentDiscountStatus": "Unused",
                "EffectiveCost": 20,
                "BilledCost": 0,
            },
        ],
    )
    result = commitments(store, CommitmentsInput(start="2026-09-01", end="2026-10-31"))
    sep, oct_ = result.rows
    assert (sep.commitment_cost, sep.utilization_pct, sep.payg_cost_of_used, sep.payg_source) == (
        100,
        60,
        90,
        "list_cost",
    )
    assert sep.purchased_cost == 100
    assert sep.break_even_utilization_pct == pytest.approx(60 * 100 / 90)
    assert sep.net_saving == pytest.approx(-10) and sep.verdict.startswith("below break-even")
    assert oct_.break_even_utilization_pct == pytest.approx(40) and oct_.net_saving == pytest.approx(100)
    assert oct_.verdict.startswith("above break-even")
    whole = result.commitments[0]
    assert whole.utilization_pct == pytest.approx(70) and whole.payg_cost_of_used == pytest.approx(290)
    assert whole.break_even_utilization_pct == pytest.approx(70 * 200 / 290)
    assert result.total_unused_cost == pytest.approx(60)


def test_break_even_from_telemetry_needs_most_committed_days_covered(store: Store, tmp_path: Path) -> None:
    ptu = {"ProviderName": "Microsoft", "ServiceName": "Azure OpenAI", "PricingCategory": "Committed"}
    rows = []
    for model, cid in (("gpt-4o", "ptu-a"), ("gpt-4o-mini", "ptu-b")):
        for d in range(1, 6):
            rows.append(
                {
                    "day": f"2026-10-0{d}",
                    **ptu,
                    "x_Model": model,
                    "CommitmentDiscountId": cid,
                    "CommitmentDiscountStatus": "Used",
                    "EffectiveCost": 10,
                }
            )
        rows.append(
            {
                "day": "2026-10-01",
                **ptu,
                "x_Model": model,
                "CommitmentDiscountId": cid,
                "CommitmentDiscountStatus": "Unused",
                "EffectiveCost": 50,
            }
        )
    add_costs(store, rows)
    events = [
        {
            "ts": f"2026-10-0{d}T12:00:00Z",
            "provider": "azure.openai",
            "model": "gpt-4o-2024-08-06",
            "estimated_cost": 12,
        }
        for d in range(1, 6)
    ]
    events += [
        {
            "ts": f"2026-10-0{d}T12:00:00Z",
            "provider": "azure.openai",
            "model": "gpt-4o-mini",
            "estimated_cost": 99,
        }
        for d in range(1, 4)
    ]  # 3 of 5 days: too sparse
    add_events(store, tmp_path, events)
    result = commitments(store, CommitmentsInput(period="2026-10"))
    by = {r.commitment_id: r for r in result.rows}
    a = by["ptu-a"]
    assert (a.utilization_pct, a.payg_cost_of_used, a.payg_source) == (50, 60, "telemetry")
    assert a.break_even_utilization_pct == pytest.approx(50 * 100 / 60) and a.net_saving == pytest.approx(-40)
    assert by["ptu-b"].payg_source == "none" and by["ptu-b"].break_even_utilization_pct is None
    assert any("fewer than 80%" in n for n in result.assumptions)
    only = commitments(store, CommitmentsInput(period="2026-10", commitment="PTU-A"))
    assert [r.commitment_id for r in only.rows] == ["ptu-a"]


def test_a_commitment_used_not_at_all_has_no_break_even_and_says_so() -> None:
    """0% used with telemetry of the model that month (traffic the commitment did not carry): the use costs
    nothing on demand, no break-even is scaled up from no use, and the verdict says it is all unused."""
    from spendscope.tools.optimize.commitments import _figures

    figs = _figures(0.0, 13000.0, 13000.0, None, 37200.0, "Hours", None, 9723.08)
    assert figs["payg_cost_of_used"] == 0.0
    assert figs["break_even_utilization_pct"] is None
    assert figs["net_saving"] == -13000.0
    assert "not used at all" in figs["verdict"]
