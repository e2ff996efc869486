"""average_cost: a week or month the period covers only in part counts by its days, so October's average week is
its cost over 31/7 weeks (over the 5 calendar weeks it touches it read 11% low), and an average month over data
that starts and ends inside months is its cost over the months' share of days. Expected figures are SQL over the
demo's rows."""

from __future__ import annotations

import datetime as dt

import pytest
from spendscope.data.store import Store
from spendscope.tools.costs.answers import AverageInput, _units, average_cost


def _sum(store: Store, start: str, end: str) -> float:
    with store.reader() as con:
        return float(
            con.execute(
                "SELECT sum(EffectiveCost) FROM costs WHERE ChargePeriodStart >= CAST(? AS TIMESTAMPTZ) "
                "AND ChargePeriodStart < CAST(? AS TIMESTAMPTZ)",
                [start, end],
            ).fetchall()[0][0]
        )


def test_units_count_a_partial_week_or_month_by_its_days() -> None:
    oct1, nov1 = dt.date(2026, 10, 1), dt.date(2026, 11, 1)
    assert _units(oct1, nov1, "week") == pytest.approx(31 / 7)
    assert _units(oct1, nov1, "month") == 1
    assert _units(dt.date(2026, 7, 1), dt.date(2026, 10, 1), "month") == 3
    assert _units(dt.date(2026, 8, 9), dt.date(2026, 12, 6), "month") == pytest.approx(23 / 31 + 3 + 5 / 31)
    assert _units(dt.date(2026, 10, 5), dt.date(2026, 10, 19), "week") == 2
    assert _units(oct1, nov1, "day") == 31


def test_october_average_week_is_its_cost_over_31_7_weeks(demo_store: Store) -> None:
    res = average_cost(demo_store, AverageInput(period="2026-10", grain="week"))
    assert res.buckets == 5 and res.units == pytest.approx(31 / 7, abs=1e-4)
    assert res.average == pytest.approx(_sum(demo_store, "2026-10-01", "2026-11-01") / (31 / 7), rel=1e-9)
    assert any("counts by its days" in a for a in res.assumptions)


def test_an_average_month_of_whole_months_is_their_cost_over_their_number(demo_store: Store) -> None:
    res = average_cost(
        demo_store, AverageInput(start=dt.date(2026, 8, 1), end=dt.date(2026, 10, 31), grain="month")
    )
    assert res.units == 3 and res.buckets == 3
    assert res.average == pytest.approx(_sum(demo_store, "2026-08-01", "2026-11-01") / 3, rel=1e-9)
    assert not any("counts by its days" in a for a in res.assumptions)
