"""A newest day still accruing (an export taken during the day) is not read as a collapse: detection ends the day
before and the forecast starts on it, each saying so (data/newest_day.py); a real event on the newest
day, one that moves some series and not all alike, is still found."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import DEMO_END
from spendscope.data.newest_day import incomplete_newest_day, newest_day_note
from spendscope.data.store import Store
from spendscope.tools.governance.anomalies import detect_anomalies
from spendscope.tools.governance.anomaly_detection import DetectInput
from spendscope.tools.governance.forecast import ForecastInput, forecast

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


# ------------------------------------------------------------------ figures over a period holding the newest day


def test_a_cost_query_over_a_day_cut_short_says_the_day_is_partial(demo_store: Store, tmp_path: Path) -> None:
    from spendscope.tools.costs.breakdown import CostQueryInput, cost_query

    cut = _copy(demo_store, tmp_path / "cut", 0.35)
    day = cost_query(cut, CostQueryInput(start=LAST, end=LAST))  # end inclusive
    assert any(a.startswith(f"{LAST} looks incomplete") and "as it stands" in a for a in day.assumptions)
    before = cost_query(
        cut, CostQueryInput(start=LAST - dt.timedelta(days=7), end=LAST - dt.timedelta(days=1))
    )
    assert not any("incomplete" in a for a in before.assumptions)  # complete days: nothing to say
    whole = cost_query(_copy(demo_store, tmp_path / "whole", 1.0), CostQueryInput(start=LAST, end=LAST))
    assert not any("incomplete" in a for a in whole.assumptions)


def test_billy_says_yesterday_is_partial_when_it_looks_cut_short(demo_store: Store, tmp_path: Path) -> None:
    from spendscope.agents.billy import ask
    from spendscope.data.settings import Settings

    settings = Settings(state_dir=tmp_path / "state", db=Path("/nonexistent"))
    cut = ask(
        _copy(demo_store, tmp_path / "cut", 0.35),
        "what did we spend yesterday",
        settings=settings,
        as_of=AFTER,
    )
    assert cut.value is not None and f"{LAST} looks incomplete" in cut.answer, cut.answer
    whole = ask(
        _copy(demo_store, tmp_path / "whole", 1.0),
        "what did we spend yesterday",
        settings=settings,
        as_of=AFTER,
    )
    assert whole.value is not None and "incomplete" not in whole.answer, whole.answer
    earlier = ask(
        _copy(demo_store, tmp_path / "cut2", 0.35),
        "what did we spend last week",
        settings=settings,
        as_of=LAST,
    )
    assert "incomplete" not in earlier.answer, earlier.answer  # a period before the newest day


def test_an_import_judges_the_newest_day_once_and_the_cli_says_so(tmp_path: Path) -> None:
    """Hourly rows stopping at 10:00 on the newest day: the import keeps the judgement (read back without the
    rows), `costs` over that day says it is partial, and the export that completes the day clears it."""
    import json

    from governance_series import weekly, write_focus
    from spendscope.data.import_focus import import_focus
    from typer.testing import CliRunner

    from spendscope.cli import app

    series = {
        ("OpenAI", "search", "chat", "gpt-4o"): weekly(100.0),
        ("Anthropic", "ads", "copy", "c"): weekly(50.0),
    }
    start = dt.date(2026, 9, 1)
    whole, cut = tmp_path / "whole.csv", tmp_path / "cut.csv"
    write_focus(whole, series, 20, start=start, hours=tuple(range(24)))
    write_focus(cut, series, 1, start=start + dt.timedelta(days=20), hours=tuple(range(10)))
    store = Store(tmp_path / "s.duckdb")
    import_focus(store, whole)
    import_focus(store, cut)
    newest = start + dt.timedelta(days=20)
    with duckdb.connect(str(store.path), read_only=True) as con:
        ((rows, last, note),) = con.execute("SELECT rows, last_day, note FROM _newest_day").fetchall()
        assert last == newest and note.startswith(f"{newest} looks incomplete: its hourly rows end at 09:59")
        assert rows == con.execute("SELECT count(*) FROM costs").fetchall()[0][0]
        assert newest_day_note(con, newest) == note
    day = ["costs", "--start", str(newest), "--end", str(newest), "--json"]
    out = CliRunner().invoke(app, [*day, "--db", str(store.path)])
    assert out.exit_code == 0, out.output
    assert any(a.startswith(f"{newest} looks incomplete") for a in json.loads(out.stdout)["assumptions"])
    out = CliRunner().invoke(app, ["sources", "--json", "--db", str(store.path)])
    assert out.exit_code == 0 and json.loads(out.stdout)["newest_day"].startswith(
        f"{newest} looks incomplete"
    )
    out = CliRunner().invoke(app, ["sources", "--db", str(store.path)])
    assert f"{newest} looks incomplete" in " ".join(out.stdout.split()), out.stdout
    write_focus(cut, series, 1, start=newest, hours=tuple(range(24)))  # the day's export, now whole
    import_focus(store, cut)
    with duckdb.connect(str(store.path), read_only=True) as con:
        assert con.execute("SELECT note FROM _newest_day").fetchall() == [(None,)]


def test_billy_reads_the_run_rate_through_the_day_before_a_day_cut_short(
    demo_store: Store, tmp_path: Path
) -> None:
    from decimal import Decimal

    from spendscope.agents.billy import ask
    from spendscope.data.settings import Settings

    store = _copy(demo_store, tmp_path, 0.35)
    settings = Settings(state_dir=tmp_path / "state", db=Path("/nonexistent"))
    answer = ask(store, "whats our run rate", settings=settings, as_of=AFTER)
    first = LAST.replace(day=1)
    with duckdb.connect(str(store.path), read_only=True) as con:
        (so_far,) = con.execute(
            "SELECT sum(EffectiveCost) FROM costs WHERE ChargePeriodStart >= ? AND ChargePeriodStart < ?",
            [first, LAST],
        ).fetchall()[0]
    days = (LAST - first).days
    assert answer.value == pytest.approx(float(so_far / Decimal(days) * 31), rel=1e-6), answer.answer
    assert (
        f"{LAST} looks incomplete" in answer.answer
        and f"read through {LAST - dt.timedelta(days=1)}" in answer.answer
    )


def test_a_store_from_before_the_kept_judgement_is_judged_when_it_is_migrated(tmp_path: Path) -> None:
    from governance_series import weekly, write_focus
    from spendscope.data.import_focus import import_focus

    series = {("OpenAI", "search", "chat", "gpt-4o"): weekly(100.0)}
    start = dt.date(2026, 9, 1)
    write_focus(tmp_path / "whole.csv", series, 10, start=start, hours=tuple(range(24)))
    write_focus(tmp_path / "cut.csv", series, 1, start=start + dt.timedelta(days=10), hours=tuple(range(8)))
    old = Store(tmp_path / "old.duckdb")
    import_focus(old, tmp_path / "whole.csv")
    import_focus(old, tmp_path / "cut.csv")
    with duckdb.connect(str(old.path)) as con:  # as the store was before migration 0130
        con.execute("DROP TABLE _newest_day")
        con.execute("DELETE FROM schema_migrations WHERE version = 130")
    moved = tmp_path / "moved.duckdb"  # another path: this process has not migrated it yet
    shutil.copyfile(old.path, moved)
    Store(moved).ensure_schema()
    with duckdb.connect(str(moved), read_only=True) as con:
        ((note,),) = con.execute("SELECT note FROM _newest_day").fetchall()
    assert note.startswith(f"{start + dt.timedelta(days=10)} looks incomplete"), note
