"""A newest day still accruing (an export taken during the day) is not read as a collapse: detection ends the day
before and the forecast starts on it, each saying so (tools/governance/newest_day.py); a real event on the newest
day, one that moves some series and not all alike, is still found."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import DEMO_END
from spendscope.data.store import Store
from spendscope.tools.governance.anomalies import detect_anomalies
from spendscope.tools.governance.anomaly_detection import DetectInput
from spendscope.tools.governance.forecast import ForecastInput, forecast
from spendscope.tools.governance.newest_day import incomplete_newest_day

LAST = dt.date.fromisoformat(DEMO_END) - dt.timedelta(days=11)  # the newest day of the copies (mid-month)
AFTER = LAST + dt.timedelta(days=1)


def _copy(demo_store: Store, tmp_path: Path, scale: float, where: str = "true") -> Store:
    path = tmp_path / "demo.duckdb"
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(demo_store.path, path)
    con = duckdb.connect(str(path))
    con.execute(f"DELETE FROM costs WHERE ChargePeriodStart >= TIMESTAMPTZ '{AFTER}'")
    con.execute(
        f"UPDATE costs SET EffectiveCost = EffectiveCost * {scale}, BilledCost = BilledCost * {scale} "
        f"WHERE CAST(ChargePeriodStart AS DATE) = DATE '{LAST}' AND {where}"
    )
    con.close()
    return Store(path, lock_timeout=10)


def _newest_day_anomalies(store: Store) -> list:
    r = detect_anomalies(store, DetectInput(days=14, dry_run=True, as_of=AFTER, root_cause=False))
    return r, [a for a in r.anomalies if a.end_day == LAST]


def test_a_day_cut_short_raises_no_anomaly_and_says_why(demo_store: Store, tmp_path: Path) -> None:
    store = _copy(demo_store, tmp_path, 0.35)
    r, newest = _newest_day_anomalies(store)
    assert newest == [] and r.data_through == LAST - dt.timedelta(days=1)
    held = [n for n in r.notes if n.startswith(f"{LAST} looks incomplete: every large service is about")]
    assert held and "% below the same weekday's usual" in held[0], r.notes


def test_a_complete_newest_day_is_scanned(demo_store: Store, tmp_path: Path) -> None:
    r, _ = _newest_day_anomalies(_copy(demo_store, tmp_path, 1.0))
    assert r.data_through == LAST and not any("incomplete" in n for n in r.notes)


def test_a_drop_in_one_provider_on_the_newest_day_is_still_found(demo_store: Store, tmp_path: Path) -> None:
    store = _copy(demo_store, tmp_path, 0.1, "ProviderName = 'Anthropic'")
    r, newest = _newest_day_anomalies(store)
    assert r.data_through == LAST
    assert any(a.dimension == "provider" and a.value == "Anthropic" and a.direction == "drop" for a in newest)


def test_the_forecast_starts_on_a_day_cut_short_and_lands_where_the_whole_day_would(
    demo_store: Store, tmp_path: Path
) -> None:
    whole = forecast(_copy(demo_store, tmp_path / "a", 1.0), ForecastInput(as_of=AFTER, backtest=False))
    cut = forecast(_copy(demo_store, tmp_path / "b", 0.35), ForecastInput(as_of=AFTER, backtest=False))
    assert cut.points[0].day == LAST and whole.points[0].day == AFTER
    assert any("forecast as a whole day" in n for n in cut.notes)
    assert not any(n.startswith("data ends") for n in cut.notes), (
        cut.notes
    )  # the day after the data is no gap
    assert cut.month_end.landing == pytest.approx(whole.month_end.landing, rel=0.03)


def test_asking_about_complete_days_is_not_affected(demo_store: Store, tmp_path: Path) -> None:
    store = _copy(demo_store, tmp_path, 0.35)
    r = detect_anomalies(store, DetectInput(days=14, dry_run=True, as_of=LAST, root_cause=False))
    assert r.data_through == LAST - dt.timedelta(days=1) and not any("incomplete" in n for n in r.notes)


def test_hourly_rows_that_stop_before_midnight_mark_the_day_incomplete() -> None:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE costs (ChargePeriodStart TIMESTAMPTZ, ChargePeriodEnd TIMESTAMPTZ, "
        "ServiceName VARCHAR, ProviderName VARCHAR, EffectiveCost DECIMAL(38,10))"
    )
    day = dt.datetime(2026, 10, 30, tzinfo=dt.UTC)
    hours = [day + dt.timedelta(hours=h) for h in range(24 + 10)]  # the 30th whole, the 31st to 10:00
    con.executemany(
        "INSERT INTO costs VALUES (?, ?, 'svc', 'p', 1)", [(h, h + dt.timedelta(hours=1)) for h in hours]
    )
    note = incomplete_newest_day(con, dt.date(2026, 10, 31))
    assert (
        note
        == "2026-10-31 looks incomplete: its hourly rows end at 10:00 UTC (the day before runs to midnight)"
    )
    con.executemany(
        "INSERT INTO costs VALUES (?, ?, 'svc', 'p', 1)",
        [(h, h + dt.timedelta(hours=1)) for h in (day + dt.timedelta(hours=h) for h in range(34, 48))],
    )
    assert incomplete_newest_day(con, dt.date(2026, 10, 31)) is None


def test_a_budget_counts_a_day_cut_short_as_spent_but_projects_it_whole(
    demo_store: Store, tmp_path: Path
) -> None:
    from decimal import Decimal

    from spendscope.tools.governance.budgets import BudgetInput, BudgetStatusInput, budget_status, set_budget

    def status(store: Store):  # noqa: ANN202
        set_budget(store, BudgetInput(name="All AI", amount=Decimal(200_000)))
        return budget_status(store, BudgetStatusInput(name="all ai", as_of=AFTER)).budgets[0]

    whole, cut = (
        status(_copy(demo_store, tmp_path / "a", 1.0)),
        status(_copy(demo_store, tmp_path / "b", 0.35)),
    )
    with duckdb.connect(str(tmp_path / "b" / "demo.duckdb")) as con:
        month = con.execute(
            f"SELECT sum(EffectiveCost) FROM costs WHERE ChargePeriodStart >= TIMESTAMPTZ '{LAST.replace(day=1)}'"
        ).fetchall()[0][0]
    assert cut.spent == pytest.approx(float(month), rel=1e-9)  # the day's amount so far is money spent
    assert cut.projected == pytest.approx(whole.projected, rel=0.03)
    assert any("forecasts it as a whole day" in n for n in cut.notes)
