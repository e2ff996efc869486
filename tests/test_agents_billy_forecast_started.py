"""The forecast of a period that has begun ("what will q4 cost", "where will this quarter land", "what will this
year end up at" asked in its middle): the actual spend so far plus the forecast of its remaining days, with the
interval of that sum, like the month-end landing. Checked on the forecast operation (its `period_total`) and on
Billy over several phrasings, on Fernhollow (USD, asked 2026-11-18, in Q4) and Granvik (SEK, asked 2026-07-09, in
Q3). The actual part comes from hand-written SQL; this month's landing keeps its own answer."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import pytest
from billy_harness import between, cost, expected, judge, round_store
from fixtures.billy.fernhollow import build as build_fernhollow
from fixtures.billy.granvik import build as build_granvik
from spendscope.agents.billy import ask
from spendscope.data.settings import Settings
from spendscope.data.store import Store
from spendscope.tools.governance.forecast import ForecastInput
from spendscope.tools.invoke import invoke

TODAY = {"fernhollow": dt.date(2026, 11, 18), "granvik": dt.date(2026, 7, 9)}
PERIODS = {
    ("fernhollow", "quarter"): (dt.date(2026, 10, 1), dt.date(2027, 1, 1)),
    ("fernhollow", "year"): (dt.date(2026, 1, 1), dt.date(2027, 1, 1)),
    ("granvik", "quarter"): (dt.date(2026, 7, 1), dt.date(2026, 10, 1)),
    ("granvik", "year"): (dt.date(2026, 1, 1), dt.date(2027, 1, 1)),
}


@pytest.fixture(scope="module")
def fernhollow(tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = tmp_path_factory.mktemp("fernhollow-started")
    return round_store(folder, build_fernhollow(folder), "fernhollow")


@pytest.fixture(scope="module")
def granvik(tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = tmp_path_factory.mktemp("granvik-started")
    return round_store(folder, build_granvik(folder), "granvik")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(state_dir=tmp_path / "state", db=Path("/nonexistent"))


@cache
def _period_total(store: Store, today: dt.date, start: dt.date, end: dt.date):  # noqa: ANN202 - a PeriodTotal
    res = invoke(
        store, "forecast_costs", ForecastInput(horizon=(end - today).days, as_of=today, period_start=start)
    )
    return res.period_total


def _actual(store: Store, start: dt.date, today: dt.date) -> float:
    return float(expected(store, "number", cost(between(str(start), str(today))))[0])


@pytest.mark.parametrize(("company", "kind"), sorted(PERIODS))
def test_a_started_periods_total_is_its_actual_so_far_plus_the_forecast_of_the_rest(
    request: pytest.FixtureRequest, company: str, kind: str
) -> None:
    store, today = request.getfixturevalue(company), TODAY[company]
    start, end = PERIODS[(company, kind)]
    part = _period_total(store, today, start, end)
    actual = _actual(store, start, today)
    assert (part.start, part.end, part.forecast_start) == (start, end - dt.timedelta(days=1), today)
    assert part.actual_days == (today - start).days and actual > 0
    assert part.actual == pytest.approx(actual, abs=0.01)
    assert part.total == pytest.approx(part.actual + part.forecast, abs=0.02)
    # the interval is on the forecast part only: the actual is known
    assert part.actual < part.lower < part.total < part.upper


@pytest.mark.parametrize(
    ("company", "kind", "question"),
    [
        ("fernhollow", "quarter", "what will q4 cost"),
        ("fernhollow", "quarter", "what will this quarter end up at"),
        ("fernhollow", "quarter", "where will q4 land?"),
        ("fernhollow", "quarter", "how much will we spend this quarter"),
        ("fernhollow", "year", "what will this year cost"),
        ("granvik", "quarter", "what will q3 cost"),
        ("granvik", "quarter", "where will this quarter land"),
        ("granvik", "year", "what will this year end up at"),
    ],
)
def test_billy_lands_a_started_period_at_actual_plus_forecast(
    request: pytest.FixtureRequest, settings: Settings, company: str, kind: str, question: str
) -> None:
    store, today = request.getfixturevalue(company), TODAY[company]
    start, end = PERIODS[(company, kind)]
    answer = ask(store, question, as_of=today, settings=settings)
    ok, want = judge(store, answer, "landing", cost(between(str(start), str(today))))
    assert ok, f"{question!r}: {want}; got {answer.answer}"
    part = _period_total(store, today, start, end)
    assert answer.value == pytest.approx(part.total, rel=1e-6), answer.answer
    assert "interval" in answer.answer and "remaining" in answer.answer, answer.answer


def test_this_months_landing_keeps_its_own_answer(fernhollow: Store, settings: Settings) -> None:
    today = TODAY["fernhollow"]
    answer = ask(fernhollow, "what will this month end up at", as_of=today, settings=settings)
    ok, want = judge(fernhollow, answer, "landing", cost(between("2026-11-01", str(today))))
    assert ok and "November 2026" in answer.answer, f"{want}; got {answer.answer}"
    part = _period_total(fernhollow, today, dt.date(2026, 11, 1), dt.date(2026, 12, 1))
    assert answer.value == pytest.approx(part.total, abs=0.02), answer.answer
