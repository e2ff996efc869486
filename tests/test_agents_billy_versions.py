"""A model said with a version the store does not hold is a name the store lacks, however much of it matches
real models ("gpt-4.5" is not gpt-4.1, "gpt-5-mini" not gpt-5 plus every *-mini); a version the store holds is
answered, said with spaces, dots or hyphens. And a version number before "last month" is no count of months."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest
from spendscope.agents.billy import ask
from spendscope.data.settings import Settings
from spendscope.data.store import Store

AS_OF = dt.date(2026, 11, 5)
OCT = "ChargePeriodStart >= TIMESTAMPTZ '2026-10-01' AND ChargePeriodStart < TIMESTAMPTZ '2026-11-01'"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(state_dir=tmp_path / "state", db=Path("/nonexistent"))


def _models(store: Store) -> set[str]:
    con = duckdb.connect(str(store.path), read_only=True)
    try:
        return {
            r[0]
            for r in con.execute("SELECT DISTINCT x_Model FROM costs WHERE x_Model IS NOT NULL").fetchall()
        }
    finally:
        con.close()


def _cost(store: Store, model: str) -> float:
    con = duckdb.connect(str(store.path), read_only=True)
    try:
        con.execute("SET TimeZone = 'UTC'")
        sql = f"SELECT sum(EffectiveCost) FROM costs WHERE {OCT} AND x_Model = ?"
        return float(con.execute(sql, [model]).fetchone()[0] or 0)
    finally:
        con.close()


@pytest.mark.parametrize(
    ("question", "name"),
    [
        ("what did we spend on gpt-4.5 last month", "gpt-4.5"),
        ("how much did gpt-5-mini cost in october 2026", "gpt-5-mini"),
        ("what did claude 3 opus cost us last month", "claude 3 opus"),
        ("how much did sonnet 3.7 cost in october", "sonnet 3.7"),
        ("GPT-4.5 spend last month?", "gpt-4.5"),
        ("cost of gemini 1.5 flash in october 2026", "gemini 1.5 flash"),
        ("what did llama 3 cost last month", "llama 3"),
    ],
)
def test_a_model_version_the_store_lacks_gets_no_figure(
    demo_store: Store, settings: Settings, question: str, name: str
) -> None:
    held = _models(demo_store)
    assert name.replace(" ", "-") not in held
    answer = ask(demo_store, question, as_of=AS_OF, settings=settings)
    assert answer.value is None, answer.answer
    assert f"'{name}' is not in the data" in answer.answer.lower(), answer.answer


@pytest.mark.parametrize(
    ("question", "model"),
    [
        ("what did gpt-4.1 cost in october 2026", "gpt-4.1"),
        ("gpt 4o mini spend in october 2026", "gpt-4o-mini"),
        ("claude sonnet 4.5 spend in october 2026", "claude-sonnet-4-5"),
        ("spend on gemini 2.5 pro in october 2026", "gemini-2.5-pro"),
        ("how much did o4-mini cost in october 2026", "o4-mini"),
    ],
)
def test_a_model_version_the_store_holds_is_answered_however_it_is_written(
    demo_store: Store, settings: Settings, question: str, model: str
) -> None:
    assert model in _models(demo_store)
    answer = ask(demo_store, question, as_of=AS_OF, settings=settings)
    assert answer.value == pytest.approx(_cost(demo_store, model), abs=0.01), answer.answer


def test_a_version_number_before_last_month_is_no_count_of_months() -> None:
    from spendscope.agents.billy.when import scan_periods

    today = dt.date(2026, 11, 5)
    for text in ("spend on gpt-4.5 last month", "claude 3 last month", "what did v2 last month cost"):
        (found,) = scan_periods(text, today).mentions
        assert found.period.label == "October 2026", text
    (counted,) = scan_periods("what did the 3 last months cost", today).mentions
    assert counted.period.start == dt.date(2026, 8, 1) and counted.period.end == dt.date(2026, 11, 1)
