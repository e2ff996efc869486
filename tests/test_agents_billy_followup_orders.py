"""Follow-ups said as orders or comparisons: "drop staging" / "remove gpt-4o" take a value out of the turn before
(they were read as a question about a spend drop, with the value added as a filter), and "how does that compare
to sept" after October's figure compares October with September (it compared September with August).

Over two stores (the demo company and the public eval export); expected figures are SQL over the rows."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from spendscope.agents.billy import ask
from spendscope.data.settings import Settings
from spendscope.data.store import Store

AS_OF = dt.date(2026, 10, 21)


def _sum(store: Store, start: str, end: str, where: str = "true") -> float:
    with store.reader() as con:
        (v,) = con.execute(
            f"SELECT coalesce(sum(EffectiveCost), 0) FROM costs WHERE ChargePeriodStart >= ? "
            f"AND ChargePeriodStart < ? AND ({where})",
            [dt.date.fromisoformat(start), dt.date.fromisoformat(end)],
        ).fetchone()
    return float(v)


def _thread(store: Store, settings: Settings, *turns: str) -> list:
    tid = uuid.uuid4().hex
    return [ask(store, t, as_of=AS_OF, settings=settings, thread_id=tid) for t in turns]


@pytest.mark.parametrize("order", ["drop staging", "remove the staging env", "and exclude staging"])
def test_an_order_to_drop_a_value_takes_it_out(
    two_stores: list[Store], billy_settings: Settings, order: str
) -> None:
    for store in two_stores:
        _, answer = _thread(store, billy_settings, "total spend in september 2026", order)
        want = _sum(
            store,
            "2026-09-01",
            "2026-10-01",
            "lower(coalesce(json_extract_string(Tags, '$.env'), '')) <> 'staging'",
        )
        assert answer.value == pytest.approx(want, abs=0.01), answer.answer


@pytest.mark.parametrize("follow", ["how does that compare to sept", "how about vs september"])
def test_that_compared_to_a_named_month_is_the_turn_befores_month_against_it(
    two_stores: list[Store], billy_settings: Settings, follow: str
) -> None:
    for store in two_stores:
        _, answer = _thread(store, billy_settings, "what did we spend in october 2026", follow)
        oct_, sep = _sum(store, "2026-10-01", "2026-11-01"), _sum(store, "2026-09-01", "2026-10-01")
        assert "from September 2026" in answer.answer and "to October 2026" in answer.answer, answer.answer
        assert f"{oct_:,.2f}" in answer.answer and f"{sep:,.2f}" in answer.answer, answer.answer


@pytest.mark.parametrize("follow", ["split that by model", "break it down by model"])
def test_splitting_a_rankings_winner_splits_the_winners_spend(
    two_stores: list[Store], billy_settings: Settings, follow: str
) -> None:
    for store in two_stores:
        first, answer = _thread(store, billy_settings, "which team spent the most in october 2026", follow)
        team = str(first.value)
        want = _sum(
            store,
            "2026-10-01",
            "2026-11-01",
            f"lower(json_extract_string(Tags, '$.team')) = '{team.lower()}'",
        )
        assert f"{want:,.2f}" in answer.answer and "by model" in answer.answer, answer.answer


def test_who_owns_it_ranks_the_teams_within_the_winner(
    two_stores: list[Store], billy_settings: Settings
) -> None:
    for store in two_stores:
        first, answer = _thread(
            store, billy_settings, "which feature cost the most in october 2026", "who owns it"
        )
        assert str(first.value) in answer.answer and answer.value is not None, answer.answer
