"""Budgets: status, burn rate, threshold crossings and projection checked against sums of the synthetic bill
computed here; period arithmetic (calendar and fiscal); alerts raised once; typed errors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from governance_series import START, WEEKLY, make_store, weekly
from pydantic import ValidationError
from spendscope.data.errors import InvalidArgument, InvalidPeriod, NotFound, UnknownDimension, UnknownValue
from spendscope.data.store import Store
from spendscope.tools.costs.breakdown import Filter
from spendscope.tools.governance.budgets import (
    Budget,
    BudgetInput,
    BudgetNameInput,
    BudgetStatusInput,
    CheckBudgetsInput,
    ListBudgetsInput,
    budget_period,
    budget_status,
    check_budgets,
    list_budgets,
    remove_budget,
    set_budget,
)

SEARCH = ("OpenAI", "search", "rerank", "gpt-4o")
ADS = ("Anthropic", "ads", "copy", "claude-sonnet-4-5")
DAYS = 100  # 2026-07-06 .. 2026-10-13
LAST = START + dt.timedelta(days=DAYS - 1)


@pytest.fixture(scope="module")
def bill(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, dict]:
    """search: $100 x weekday pattern a day, ads: $50 x pattern; no noise, so the future is known."""
    return make_store(tmp_path_factory.mktemp("budgets"), {SEARCH: weekly(100), ADS: weekly(50)}, DAYS)


@pytest.fixture
def store_copy(bill: tuple[Store, dict], tmp_path: Path) -> Store:
    copy = Store(tmp_path / "copy.duckdb", lock_timeout=10)
    copy.path.write_bytes(bill[0].path.read_bytes())
    return copy


def spent(written: dict, first: dt.date, last: dt.date, team: str | None = None) -> Decimal:
    return sum(
        (v for (key, d), v in written.items() if first <= d <= last and (team is None or key[1] == team)),
        Decimal(0),
    )


def future(level: float, first: dt.date, last: dt.date) -> float:
    days = (last - first).days + 1
    return sum(level * WEEKLY[(first + dt.timedelta(days=i)).weekday()] for i in range(days))


def crossing(written: dict, first: dt.date, last: dt.date, amount: Decimal, team: str) -> dt.date | None:
    total = Decimal(0)
    d = first
    while d <= last:
        total += spent(written, d, d, team)
        if total >= amount:
            return d
        d += dt.timedelta(days=1)
    return None


def test_status_mid_month_matches_the_bill(store_copy: Store, bill: tuple[Store, dict]) -> None:
    _, written = bill
    set_budget(
        store_copy,
        BudgetInput(
            name="Search team", amount=Decimal(2000), filters=[Filter(dimension="team", values=["search"])]
        ),
    )
    as_of = dt.date(2026, 9, 16)
    s = budget_status(store_copy, BudgetStatusInput(name="search team", as_of=as_of)).budgets[0]
    first, last = dt.date(2026, 9, 1), dt.date(2026, 9, 15)
    want = spent(written, first, last, "search")
    assert (
        s.period_label == "September 2026"
        and s.period_start == first
        and s.period_end == dt.date(2026, 9, 30)
    )
    assert s.days_total == 30 and s.days_elapsed == 15 and s.data_through == LAST
    assert s.spent == pytest.approx(float(want), abs=1e-6)
    assert s.used_pct == pytest.approx(float(want) / 2000 * 100, abs=1e-3)
    assert s.burn_rate_daily == pytest.approx(float(want) / 15)
    assert s.allowed_daily == pytest.approx((2000 - float(want)) / 15)
    assert s.linear_projection == pytest.approx(float(want) / 15 * 30)
    whole_month = float(want) + future(100, dt.date(2026, 9, 16), dt.date(2026, 9, 30))
    assert s.projected == pytest.approx(whole_month, rel=0.01)
    assert s.projected_lower <= s.projected <= s.projected_upper
    alerts = {(a.kind, a.threshold_pct): a for a in s.alerts}
    for pct in (50.0, 80.0, 100.0):
        when = crossing(written, first, last, Decimal(2000) * Decimal(str(pct)) / 100, "search")
        assert alerts[("actual", pct)].crossed_on == when and alerts[("actual", pct)].triggered == (
            when is not None
        )
    assert alerts[("forecast", 100.0)].triggered == (whole_month > 2000)
    expected_status = (
        "over"
        if want >= 2000
        else "forecast_over"
        if whole_month > 2000
        else ("warning" if want >= 1600 else "ok")
    )
    assert s.status == expected_status
    assert s.exceed_probability_pct is not None and (s.exceed_probability_pct > 90) == (
        whole_month > 2000 * 1.02
    )


def test_status_after_the_data_ends_forecasts_the_gap(store_copy: Store, bill: tuple[Store, dict]) -> None:
    _, written = bill
    set_budget(store_copy, BudgetInput(name="all", amount=Decimal(3800)))
    s = budget_status(store_copy, BudgetStatusInput(as_of=dt.date(2026, 10, 20))).budgets[0]
    assert s.days_elapsed == 13 and any("data ends 2026-10-13" in n for n in s.notes)
    oct_spent = spent(written, dt.date(2026, 10, 1), LAST)
    assert s.spent == pytest.approx(float(oct_spent), abs=1e-6)
    rest = future(150, dt.date(2026, 10, 14), dt.date(2026, 10, 31))
    assert s.projected == pytest.approx(float(oct_spent) + rest, rel=0.01)
    exhaustion = s.projected_exhaustion_day
    assert s.status == "forecast_over" and exhaustion is not None and dt.date(2026, 10, 14) <= exhaustion


def test_a_finished_custom_period_needs_no_forecast(store_copy: Store, bill: tuple[Store, dict]) -> None:
    _, written = bill
    set_budget(
        store_copy,
        BudgetInput(
            name="launch",
            amount=Decimal(1000),
            period="custom",
            start=dt.date(2026, 8, 3),
            end=dt.date(2026, 8, 9),
            thresholds=[90],
        ),
    )
    s = budget_status(store_copy, BudgetStatusInput(name="launch", as_of=dt.date(2026, 9, 1))).budgets[0]
    want = float(spent(written, dt.date(2026, 8, 3), dt.date(2026, 8, 9)))
    assert s.spent == pytest.approx(want) and s.projected == pytest.approx(want) and s.forecast_model is None
    assert s.status == ("over" if want >= 1000 else "warning" if want >= 900 else "ok")
    assert s.period_label == "2026-08-03 to 2026-08-09"


def test_scope_with_two_filters(store_copy: Store, bill: tuple[Store, dict]) -> None:
    _, written = bill
    set_budget(
        store_copy,
        BudgetInput(
            name="openai search",
            amount=Decimal(3000),
            period="quarterly",
            filters=[
                Filter(dimension="provider", values=["OpenAI"]),
                Filter(
                    dimension="feature",
                    op="in",
                    values=["rerank", "x"],
                ),
            ],
            allow_unknown_values=True,
        ),
    )
    s = budget_status(
        store_copy, BudgetStatusInput(name="openai-search", as_of=dt.date(2026, 8, 15))
    ).budgets[0]
    assert s.period_label == "Q3 2026"
    assert s.spent == pytest.approx(
        float(spent(written, dt.date(2026, 7, 1), dt.date(2026, 8, 14), "search"))
    )
    assert s.budget.scope == "provider = OpenAI AND feature in (rerank, x)"


def test_virtual_tags_scope_a_budget(store_copy: Store, bill: tuple[Store, dict]) -> None:
    from spendscope.tools.allocation import apply_rules
    from spendscope.tools.allocation.versions import ApplyRulesInput

    _, written = bill
    rules = "tags:\n  squad:\n    - when: {ResourceName: gpt-4o}\n      value: alpha\n"
    apply_rules(store_copy, ApplyRulesInput(document=rules))
    set_budget(
        store_copy,
        BudgetInput(name="alpha", amount=Decimal(900), filters=[Filter(dimension="squad", values=["alpha"])]),
    )
    s = budget_status(store_copy, BudgetStatusInput(name="alpha", as_of=dt.date(2026, 9, 11))).budgets[0]
    assert s.spent == pytest.approx(
        float(spent(written, dt.date(2026, 9, 1), dt.date(2026, 9, 10), "search"))
    )


def test_budget_periods_calendar_and_fiscal() -> None:
    def b(period: str, start: dt.date | None = None, end: dt.date | None = None) -> Budget:
        now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        return Budget(
            budget_id="x",
            name="x",
            amount=1,
            period=period,
            filters=[],
            scope="all spend",
            measure="cost",
            start_date=start,
            end_date=end,
            thresholds=[100],
            forecast_alert=True,
            owner=None,
            created_at=now,
            updated_at=now,
        )

    d = dt.date(2026, 9, 16)
    assert budget_period(b("monthly"), d) == (dt.date(2026, 9, 1), dt.date(2026, 10, 1), "September 2026")
    assert budget_period(b("quarterly"), d) == (dt.date(2026, 7, 1), dt.date(2026, 10, 1), "Q3 2026")
    assert budget_period(b("annual"), d) == (dt.date(2026, 1, 1), dt.date(2027, 1, 1), "2026")
    fiscal = budget_period(b("quarterly", dt.date(2025, 2, 1)), d)
    assert fiscal[:2] == (dt.date(2026, 8, 1), dt.date(2026, 11, 1))
    assert budget_period(b("monthly", dt.date(2026, 1, 15)), d)[:2] == (
        dt.date(2026, 9, 15),
        dt.date(2026, 10, 15),
    )
    assert budget_period(b("monthly", dt.date(2026, 1, 15)), dt.date(2026, 9, 14))[:2] == (
        dt.date(2026, 8, 15),
        dt.date(2026, 9, 15),
    )
    assert budget_period(b("annual", dt.date(2027, 4, 1)), d)[:2] == (
        dt.date(2027, 4, 1),
        dt.date(2028, 4, 1),
    )
    assert budget_period(b("custom", dt.date(2026, 9, 1), dt.date(2026, 9, 30)), d)[1] == dt.date(2026, 10, 1)


def test_set_update_list_remove(store_copy: Store) -> None:
    first = set_budget(store_copy, BudgetInput(name="Search Team", amount=Decimal(100)))
    assert (
        first.created and first.budget.budget_id == "search-team" and first.budget.thresholds == [50, 80, 100]
    )
    again = set_budget(
        store_copy,
        BudgetInput(name="search team", amount=Decimal(250), thresholds=[90, 75], owner="#search-costs"),
    )
    assert not again.created and again.budget.amount == 250 and again.budget.thresholds == [75, 90]
    assert again.budget.created_at == first.budget.created_at
    assert [x.name for x in list_budgets(store_copy).budgets] == ["search team"]
    assert remove_budget(store_copy, BudgetNameInput(name="SEARCH-TEAM")).budget_id == "search-team"
    assert list_budgets(store_copy).budgets == []
    with pytest.raises(NotFound) as err:
        remove_budget(store_copy, BudgetNameInput(name="search team"))
    assert err.value.code == "not_found"
    with pytest.raises(NotFound):
        budget_status(store_copy, BudgetStatusInput(name="nope"))


def test_alerts_are_raised_once_per_period(store_copy: Store) -> None:
    set_budget(
        store_copy,
        BudgetInput(
            name="search", amount=Decimal(2000), filters=[Filter(dimension="team", values=["search"])]
        ),
    )
    first = check_budgets(store_copy, CheckBudgetsInput(as_of=dt.date(2026, 9, 16)))
    kinds = {(a.kind, a.threshold_pct) for a in first.new_alerts}
    assert ("actual", 50.0) in kinds and ("forecast", 100.0) in kinds and ("actual", 100.0) not in kinds
    assert check_budgets(store_copy, CheckBudgetsInput(as_of=dt.date(2026, 9, 17))).new_alerts == []
    # on October 2 September is over: its last days still raise their alerts (once), October's are new
    later = check_budgets(store_copy, CheckBudgetsInput(as_of=dt.date(2026, 10, 2)))
    september = {(a.kind, a.threshold_pct) for a in later.new_alerts if a.period_label == "September 2026"}
    assert september == {("actual", 80.0), ("actual", 100.0)}
    assert check_budgets(store_copy, CheckBudgetsInput(as_of=dt.date(2026, 10, 3))).new_alerts == []


def test_errors_are_typed(store_copy: Store) -> None:
    with pytest.raises(UnknownValue) as err:
        set_budget(
            store_copy,
            BudgetInput(name="x", amount=Decimal(1), filters=[Filter(dimension="team", values=["serch"])]),
        )
    assert err.value.code == "unknown_value" and "search" in err.value.message
    assert set_budget(
        store_copy,
        BudgetInput(
            name="x",
            amount=Decimal(1),
            allow_unknown_values=True,
            filters=[Filter(dimension="team", values=["new-team"])],
        ),
    ).created
    with pytest.raises(UnknownDimension):
        set_budget(
            store_copy,
            BudgetInput(name="x", amount=Decimal(1), filters=[Filter(dimension="squad", values=["a"])]),
        )
    with pytest.raises(InvalidPeriod) as err2:
        set_budget(
            store_copy, BudgetInput(name="x", amount=Decimal(1), period="custom", start=dt.date(2026, 9, 1))
        )
    assert err2.value.code == "invalid_period"
    with pytest.raises(InvalidPeriod):
        set_budget(store_copy, BudgetInput(name="x", amount=Decimal(1), end=dt.date(2026, 9, 1)))
    with pytest.raises(InvalidPeriod):
        set_budget(store_copy, BudgetInput(name="x", amount=Decimal(1), start=dt.date(2026, 1, 30)))
    with pytest.raises(InvalidArgument):
        set_budget(store_copy, BudgetInput(name="!!!", amount=Decimal(1)))
    with pytest.raises(UnknownDimension):
        set_budget(store_copy, BudgetInput(name="x", amount=Decimal(1), measure="dollars"))
    with pytest.raises(ValidationError):
        BudgetInput(name="x", amount=Decimal(1), thresholds=[0])


def test_an_empty_status_says_why(store_copy: Store) -> None:
    """No budget at all, or none within the caller's scope: the empty list says which, never a bare table."""
    empty = budget_status(store_copy, BudgetStatusInput(as_of=LAST))
    assert empty.budgets == [] and "no budgets are defined" in (empty.note or "")
    assert "no budgets are defined" in (list_budgets(store_copy).note or "")
    set_budget(
        store_copy,
        BudgetInput(name="ads", amount=Decimal(100), filters=[Filter(dimension="team", values=["ads"])]),
    )
    scoped_to_search = [Filter(dimension="team", op="in", values=["search"])]
    scoped = budget_status(store_copy, BudgetStatusInput(as_of=LAST, filters=scoped_to_search))
    assert scoped.budgets == [] and scoped.note == "no budget lies within team = search"
    listed = list_budgets(store_copy, ListBudgetsInput(filters=scoped_to_search))
    assert listed.budgets == [] and listed.note == "no budget lies within team = search"
    assert list_budgets(store_copy).note is None
    assert budget_status(store_copy, BudgetStatusInput(as_of=LAST)).note is None
