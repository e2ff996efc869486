"""Thread follow-ups: a pronoun stands for the previous answer's entity, and only a pronoun does ("this month"
is a period, not the winner of the turn before)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
from spendscope.agents.billy import ask
from spendscope.data.settings import Settings
from spendscope.data.store import Store


def _sql(store: Store, sql: str, *params: object) -> float:
    con = duckdb.connect(str(store.path), read_only=True)
    try:
        con.execute("SET TimeZone = 'UTC'")
        return float(con.execute(sql, list(params)).fetchone()[0] or 0)
    finally:
        con.close()


OCT = "ChargePeriodStart >= TIMESTAMPTZ '2026-10-01' AND ChargePeriodStart < TIMESTAMPTZ '2026-11-01'"
SEP = "ChargePeriodStart >= TIMESTAMPTZ '2026-09-01' AND ChargePeriodStart < TIMESTAMPTZ '2026-10-01'"


def test_they_is_the_previous_winner_and_this_month_is_only_a_period(
    demo_store: Store, tmp_path: Path
) -> None:
    settings = Settings(state_dir=tmp_path / "state", db=Path("/x"))
    as_of = dt.date(2026, 10, 20)
    first = ask(demo_store, "which team spent the most in September 2026", thread_id="t", settings=settings)
    team = str(first.value)
    they = ask(
        demo_store, "and what did they spend in October 2026?", as_of=as_of, thread_id="t", settings=settings
    )
    want = _sql(demo_store, f"SELECT sum(EffectiveCost) FROM costs WHERE {OCT} AND Tags->>'team' = ?", team)
    assert they.value is not None and abs(float(they.value) - want) < 0.01, they.answer
    ask(demo_store, "which team spent the most in September 2026", thread_id="u", settings=settings)
    month = ask(
        demo_store, "how much did we spend in total in September 2026", thread_id="u", settings=settings
    )
    total = _sql(demo_store, f"SELECT sum(EffectiveCost) FROM costs WHERE {SEP}")
    assert month.value is not None and abs(float(month.value) - total) < 0.01, month.answer
