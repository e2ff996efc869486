"""Turns of a thread that used to crash or answer another question: a change follow-up after a one-period turn,
"what drove it" after a day's explanation, a complete question asked in a thread, a follow-up after a declined
turn; and figures that used to read as findings: two names with no row together, commitment words, a what-if of
moving a feature onto a commitment. Expected figures come from hand-written SQL over the demo store."""

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
SEP = "ChargePeriodStart >= TIMESTAMPTZ '2026-09-01' AND ChargePeriodStart < TIMESTAMPTZ '2026-10-01'"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(state_dir=tmp_path / "state", db=Path("/nonexistent"))


def _rows(store: Store, sql: str, *params: object) -> list[tuple]:
    con = duckdb.connect(str(store.path), read_only=True)
    try:
        con.execute("SET TimeZone = 'UTC'")
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def _one(store: Store, sql: str, *params: object) -> float:
    return float(_rows(store, sql, *params)[0][0] or 0)


def _turns(store: Store, settings: Settings, thread: str, *questions: str):
    return [ask(store, q, as_of=AS_OF, thread_id=thread, settings=settings) for q in questions]


def test_which_of_those_grew_the_most_compares_with_the_month_before(
    demo_store: Store, settings: Settings
) -> None:
    *_, grew = _turns(
        demo_store,
        settings,
        "grew",
        "how much did the support team spend in october 2026",
        "split that by model",
        "which of those grew the most",
    )
    rows = _rows(
        demo_store,
        f"SELECT x_Model, sum(CASE WHEN {OCT} THEN EffectiveCost ELSE 0 END) - "
        f"sum(CASE WHEN {SEP} THEN EffectiveCost ELSE 0 END) AS d FROM costs WHERE Tags->>'team' = 'support' "
        "AND x_Model IS NOT NULL GROUP BY 1 ORDER BY d DESC LIMIT 1",
    )
    model, rise = rows[0]
    assert grew.value == model, grew.answer
    assert f"${float(rise):,.2f}" in grew.answer and "September 2026" in grew.answer


def test_what_drove_it_explains_the_same_day(demo_store: Store, settings: Settings) -> None:
    day, drove = _turns(demo_store, settings, "drove", "why was oct 14 so expensive", "what drove it")
    want = _one(
        demo_store,
        "SELECT sum(EffectiveCost) FROM costs WHERE ChargePeriodStart >= TIMESTAMPTZ '2026-10-14' "
        "AND ChargePeriodStart < TIMESTAMPTZ '2026-10-15'",
    )
    assert f"${want:,.2f}" in day.answer
    assert f"${want:,.2f}" in drove.answer and "2026-10-07" in drove.answer, drove.answer


@pytest.mark.parametrize(
    "question",
    [
        "what did our aws bill come to in october 2026",
        "what was the aws invoice for october 2026",
        "how much were we billed by aws in october 2026",
    ],
)
def test_a_complete_question_in_a_thread_keeps_none_of_the_turn_before(
    demo_store: Store, settings: Settings, question: str
) -> None:
    _, bill = _turns(
        demo_store, settings, "bill", "how much did the support team spend in october 2026", question
    )
    want = _one(demo_store, f"SELECT sum(BilledCost) FROM costs WHERE {OCT} AND ProviderName = 'AWS'")
    assert bill.value == pytest.approx(want, abs=0.01), bill.answer
    assert "support" not in bill.answer


@pytest.mark.parametrize(
    ("declined", "name"),
    [
        ("how much did the design team spend in october 2026", "design"),
        ("what did gpt-4.5 cost us in october 2026", "gpt-4.5"),
        ("what did customer initechh cost in october 2026", "initechh"),
    ],
)
@pytest.mark.parametrize("followup", ["what about september", "and the month before?", "split it by model"])
def test_a_follow_up_to_a_declined_question_is_declined_too(
    demo_store: Store, settings: Settings, declined: str, name: str, followup: str
) -> None:
    turns = _turns(
        demo_store,
        settings,
        "declined",
        "how much did the support team spend in october 2026",
        declined,
        followup,
    )
    assert turns[0].value is not None
    assert turns[1].value is None and turns[2].value is None, turns[2].answer
    assert name in turns[2].answer.lower()


def test_a_new_name_after_a_declined_question_is_answered(demo_store: Store, settings: Settings) -> None:
    *_, search = _turns(
        demo_store,
        settings,
        "renamed",
        "how much did the design team spend in october 2026",
        "and for the search team?",
    )
    want = _one(demo_store, f"SELECT sum(EffectiveCost) FROM costs WHERE {OCT} AND Tags->>'team' = 'search'")
    assert search.value == pytest.approx(want, abs=0.01), search.answer


def test_two_names_with_no_row_together_say_so_with_each_ones_figure(
    demo_store: Store, settings: Settings
) -> None:
    team, provider = _rows(
        demo_store,
        f"WITH t AS (SELECT DISTINCT Tags->>'team' AS team FROM costs WHERE {OCT} AND Tags->>'team' IS NOT NULL), "
        f"p AS (SELECT DISTINCT ProviderName AS provider FROM costs WHERE {OCT}) "
        "SELECT team, provider FROM t, p WHERE NOT EXISTS (SELECT 1 FROM costs c WHERE "
        f"{OCT} AND c.Tags->>'team' = t.team AND c.ProviderName = p.provider) ORDER BY 1, 2 LIMIT 1",
    )[0]
    answer = ask(demo_store, f"how much did the {team} team spend on {provider} in october 2026", as_of=AS_OF)
    alone_team = _one(
        demo_store, f"SELECT sum(EffectiveCost) FROM costs WHERE {OCT} AND Tags->>'team' = ?", team
    )
    alone_provider = _one(
        demo_store, f"SELECT sum(EffectiveCost) FROM costs WHERE {OCT} AND ProviderName = ?", provider
    )
    assert (
        answer.value is None
    )  # no 0.00 for spend that does not exist (round 27): each one's own figure instead
    assert "no cost row carries both" in answer.answer
    assert f"${alone_team:,.2f}" in answer.answer and f"${alone_provider:,.2f}" in answer.answer


@pytest.mark.parametrize(
    "question",
    [
        "what did we spend on ptus in october 2026",
        "how much went on commitments in october 2026",
        "spend on reserved capacity october 2026?",
        "what did provisioned throughput cost us in october 2026",
    ],
)
def test_commitment_words_ask_for_the_commitments_cost_not_the_whole_bill(
    demo_store: Store, settings: Settings, question: str
) -> None:
    answer = ask(demo_store, question, as_of=AS_OF, settings=settings)
    want = _one(
        demo_store,
        f"SELECT sum(EffectiveCost) FROM costs WHERE {OCT} AND CommitmentDiscountStatus IN ('Used', 'Unused')",
    )
    total = _one(demo_store, f"SELECT sum(EffectiveCost) FROM costs WHERE {OCT}")
    assert want and want < total
    assert answer.value == pytest.approx(want, abs=0.01), answer.answer
    assert "commitment" in answer.answer


@pytest.mark.parametrize(
    "question",
    [
        "what if we moved the {f} feature to PTU",
        "what if we bought provisioned throughput for {f}",
        "would a commitment be cheaper for {f}?",
    ],
)
def test_moving_a_feature_onto_a_commitment_is_a_what_if_not_a_zero(
    demo_store: Store, settings: Settings, question: str
) -> None:
    feature = _rows(
        demo_store,
        "SELECT Tags->>'feature' FROM costs WHERE Tags->>'feature' IS NOT NULL GROUP BY 1 "
        "HAVING count(CommitmentDiscountId) = 0 ORDER BY sum(EffectiveCost) DESC LIMIT 1",
    )[0][0]
    answer = ask(demo_store, question.format(f=feature), as_of=AS_OF, settings=settings)
    assert answer.value is None and "$0.00" not in answer.answer, answer.answer
    assert "pay-as-you-go" in answer.answer and "commitment" in answer.answer


@pytest.mark.parametrize(
    "question",
    [
        "what will october actuals be for anthropic",
        "what will this month's actuals come in at",
        "actuals will be?",
    ],
)
def test_this_months_actuals_to_come_are_its_landing(
    demo_store: Store, settings: Settings, question: str
) -> None:
    answer = ask(demo_store, question, as_of=dt.date(2026, 10, 25), settings=settings)
    assert "on track to land" in answer.answer and answer.value is not None, answer.answer
    assert "October 2026" in answer.answer
