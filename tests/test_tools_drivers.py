"""Change and drivers, checked against csv + Decimal sums and a small hand-made store."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from analytics_facts import add_costs, group, model, month, near, tag
from spendscope.data.errors import InvalidPeriod, UnknownDimension
from spendscope.data.store import Store
from spendscope.tools.charts import chart_for
from spendscope.tools.costs.breakdown import Filter
from spendscope.tools.costs.drivers import DriversInput, drivers


def test_september_to_october_change_is_the_known_figure(focus_public_store: Store) -> None:
    result = drivers(focus_public_store, DriversInput(period="2026-10", dimensions=["provider"]))
    assert result.previous.label == "September 2026"
    assert near(result.change, Decimal("-5205.04"))
    assert result.change_pct is not None and abs(result.change_pct - -3.68) < 0.01


def test_each_value_change_matches_the_csv_and_contributions_add_to_100(focus_public_store: Store) -> None:
    dims = ["provider", "model", "team"]
    result = drivers(focus_public_store, DriversInput(period="2026-10", dimensions=dims, top=50))
    keys = {"provider": lambda r: r["ProviderName"], "model": model, "team": lambda r: tag(r, "team")}
    for d in result.dimensions:
        cur = group(lambda r: month(r) == "2026-10", keys[d.dimension])
        prev = group(lambda r: month(r) == "2026-09", keys[d.dimension])
        assert d.other is None and d.values == len(set(cur) | set(prev))
        for x in d.drivers:
            assert near(x.current, cur.get(x.value, Decimal(0)))
            assert near(x.change, cur.get(x.value, Decimal(0)) - prev.get(x.value, Decimal(0)))
        assert abs(sum(x.contribution_pct or 0 for x in d.drivers) - 100) < 1e-6
    movers = [abs(m.change) for m in result.top_movers]
    assert movers == sorted(movers, reverse=True)


def test_top_keeps_the_largest_movers_and_sums_the_rest(focus_public_store: Store) -> None:
    result = drivers(focus_public_store, DriversInput(period="2026-10", dimensions=["model"], top=3))
    d = result.dimensions[0]
    assert len(d.drivers) == 3 and d.other is not None
    assert near(sum(x.change for x in d.drivers) + d.other.change, Decimal(str(result.change)), 1e-6)
    assert all(abs(x.change) >= abs(y.change) for x in d.drivers for y in d.drivers[d.drivers.index(x) + 1 :])


def test_combined_dimensions_and_a_scope_filter(focus_public_store: Store) -> None:
    result = drivers(
        focus_public_store,
        DriversInput(
            period="2026-10",
            dimensions=["team", "provider"],
            combine=True,
            top=100,
            filters=[Filter(dimension="provider", op="not", values=["AWS"])],
        ),
    )
    assert [d.dimension for d in result.dimensions] == ["team x provider"]
    scope = lambda m: lambda r: month(r) == m and r["ProviderName"] != "AWS"  # noqa: E731
    key = lambda r: f"{tag(r, 'team') or '(none)'} / {r['ProviderName']}"  # noqa: E731
    cur, prev = group(scope("2026-10"), key), group(scope("2026-09"), key)
    got = {x.value: x.change for x in result.dimensions[0].drivers}
    for k in set(cur) | set(prev):
        change = cur.get(k, Decimal(0)) - prev.get(k, Decimal(0))
        assert near(got.get(k, 0.0), change)


def test_explicit_comparison_period_and_chart(focus_public_store: Store) -> None:
    result = drivers(
        focus_public_store, DriversInput(period="2026-10", compare_period="2026-08", dimensions=["provider"])
    )
    aug = sum(group(lambda r: month(r) == "2026-08", lambda r: 1).values())
    assert near(result.previous_total, aug) and near(result.previous_total, Decimal("138579.71"))
    spec = chart_for(result)
    assert spec is not None and spec["mark"]["type"] == "bar"
    assert len(spec["data"]["values"]) == len(result.top_movers)


def test_new_and_gone_values_on_a_small_store(store: Store, tmp_path: Path) -> None:
    add_costs(
        store,
        [
            {"day": "2026-09-10", "ProviderName": "OpenAI", "x_Model": "gpt-4o", "EffectiveCost": 30},
            {"day": "2026-09-11", "ProviderName": "OpenAI", "x_Model": "gpt-4o-mini", "EffectiveCost": 5},
            {"day": "2026-10-10", "ProviderName": "OpenAI", "x_Model": "gpt-4o", "EffectiveCost": 20},
            {
                "day": "2026-10-12",
                "ProviderName": "Anthropic",
                "x_Model": "claude-haiku-4-5",
                "EffectiveCost": 12.5,
            },
        ],
    )
    result = drivers(store, DriversInput(period="2026-10", dimensions=["model"]))
    by = {x.value: x for x in result.dimensions[0].drivers}
    assert result.change == pytest.approx(-2.5)
    assert by["claude-haiku-4-5"].status == "new" and by["claude-haiku-4-5"].change == pytest.approx(12.5)
    assert by["gpt-4o-mini"].status == "gone" and by["gpt-4o-mini"].change == pytest.approx(-5)
    assert by["gpt-4o"].change_pct == pytest.approx(-100 / 3)
    assert by["claude-haiku-4-5"].contribution_pct == pytest.approx(12.5 / -2.5 * 100)


def test_default_period_is_the_last_whole_month_of_data(store: Store) -> None:
    add_costs(
        store,
        [
            {"day": "2026-09-03", "ProviderName": "OpenAI", "EffectiveCost": 1},
            {"day": "2026-10-03", "ProviderName": "OpenAI", "EffectiveCost": 2},
            {"day": "2026-11-03", "ProviderName": "OpenAI", "EffectiveCost": 4},
        ],
    )
    result = drivers(store, DriversInput(dimensions=["provider"]))
    assert (result.current.label, result.previous.label) == ("October 2026", "September 2026")
    assert result.change == pytest.approx(1)


def test_errors_are_typed(focus_public_store: Store) -> None:
    with pytest.raises(UnknownDimension):
        drivers(focus_public_store, DriversInput(period="2026-10", dimensions=["flavour"]))
    with pytest.raises(InvalidPeriod) as info:
        drivers(focus_public_store, DriversInput(period="2025-02"))
    assert info.value.code == "invalid_period"
    with pytest.raises(InvalidPeriod):
        drivers(focus_public_store, DriversInput(period="2026-10", compare_start="2026-09-01"))
