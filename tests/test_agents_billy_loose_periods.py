"""Periods said loosely in Slack ("last wk", "yday", "over the weekend", "late sept", "lately") are read as the days
they name, said so in the answer; time words Billy cannot read ("the other day", "in the week", "the end of last
month", "this weekend" on a weekday) get no figure. Before, all of these were answered over all the data.

Over two stores: the demo company and the public eval export. Expected figures are SQL over the store's rows."""

from __future__ import annotations

import datetime as dt

import pytest
from spendscope.agents.billy import ask
from spendscope.agents.billy.planner import plan_question
from spendscope.agents.billy.resolve import load_index
from spendscope.data.settings import Settings
from spendscope.data.store import Store

WED = dt.date(2026, 10, 21)  # a Wednesday in both stores' data
SAT = dt.date(2026, 10, 17)
D = dt.date.fromisoformat


READ = [  # (question, as_of, first day, last day)
    ("what did we burn last wk", WED, D("2026-10-12"), D("2026-10-18")),
    ("spend yday", WED, D("2026-10-20"), D("2026-10-20")),
    ("how much did we spend over the weekend", WED, SAT, SAT + dt.timedelta(days=1)),
    ("total spend last weekend?", WED, SAT, SAT + dt.timedelta(days=1)),
    ("spend this weekend so far", D("2026-10-18"), SAT, D("2026-10-18")),
    ("what did late sept cost us", WED, D("2026-09-21"), D("2026-09-30")),
    ("spend at the end of september", WED, D("2026-09-21"), D("2026-09-30")),
    ("early oct spend", WED, D("2026-10-01"), D("2026-10-10")),
    ("mid-aug costs", WED, D("2026-08-11"), D("2026-08-20")),
    ("what have we spent lately", WED, D("2026-09-21"), D("2026-10-20")),
    ("spend over the last few days", WED, D("2026-10-18"), D("2026-10-20")),
    ("spend last mo", WED, D("2026-09-01"), D("2026-09-30")),
    ("spend from sept to now", WED, D("2026-09-01"), WED),
    ("anthropic spend sept 15 till today", WED, D("2026-09-15"), WED),
]

UNREAD = [
    "what did we spend the other day",
    "how much did we spend in the week",
    "spend at the end of last month",
    "how much are we spending this weekend",  # on a Wednesday: still ahead
    "what did it cost a while back",
]


@pytest.mark.parametrize(("question", "as_of", "first", "last"), READ)
def test_a_loose_period_is_read_as_the_days_it_names(
    two_stores: list[Store],
    billy_settings: Settings,
    question: str,
    as_of: dt.date,
    first: dt.date,
    last: dt.date,
) -> None:
    for store in two_stores:
        index, _ = load_index(store, billy_settings.state_dir)
        plan = plan_question(question, index, as_of=as_of)
        assert plan.unread_period is None, plan.reading
        assert plan.period is not None and (plan.period.start, plan.period.last) == (first, last), (
            plan.reading
        )


@pytest.mark.parametrize("question", UNREAD)
def test_time_words_it_cannot_read_get_no_figure(
    two_stores: list[Store], billy_settings: Settings, question: str
) -> None:
    for store in two_stores:
        answer = ask(store, question, as_of=WED, settings=billy_settings)
        assert answer.value is None and "could not tell which days" in answer.answer, answer.answer


def test_the_weekend_figure_is_the_saturday_and_sunday(
    two_stores: list[Store], billy_settings: Settings
) -> None:
    for store in two_stores:
        answer = ask(store, "how much did we spend over the wknd", as_of=WED, settings=billy_settings)
        with store.reader() as con:
            (want,) = con.execute(
                "SELECT sum(EffectiveCost) FROM costs WHERE ChargePeriodStart >= ? AND ChargePeriodStart < ?",
                [SAT, SAT + dt.timedelta(days=2)],
            ).fetchone()
        assert answer.value == pytest.approx(float(want), abs=0.01)
        assert "Sat 2026-10-17 and Sun 2026-10-18" in answer.answer


def test_lately_says_how_it_was_read(two_stores: list[Store], billy_settings: Settings) -> None:
    answer = ask(two_stores[0], "what have we spent lately", as_of=WED, settings=billy_settings)
    assert "'lately' read so" in answer.answer and answer.value is not None


def test_slack_shorthand_for_why_and_expensive_reads_as_the_day_question(
    two_stores: list[Store], billy_settings: Settings
) -> None:
    for store in two_stores:
        plain = ask(store, "why was october 3 so expensive", as_of=WED, settings=billy_settings)
        for said in ("y was oct 3 so pricey", "why was oct 3 so spendy"):
            answer = ask(store, said, as_of=WED, settings=billy_settings)
            assert answer.value == plain.value and answer.value is not None, answer.answer


@pytest.mark.parametrize(
    ("said", "up"), [("got more expensive", True), ("got pricier", True), ("got cheaper", False)]
)
def test_got_more_expensive_is_the_change_not_the_level(
    two_stores: list[Store], billy_settings: Settings, said: str, up: bool
) -> None:
    for store in two_stores:
        answer = ask(store, f"which model {said} in october 2026", as_of=WED, settings=billy_settings)
        with store.reader() as con:
            rows = con.execute(
                "SELECT x_Model, sum(CASE WHEN ChargePeriodStart >= TIMESTAMPTZ '2026-10-01' THEN EffectiveCost "
                "ELSE -EffectiveCost END) AS d FROM costs WHERE x_Model IS NOT NULL AND ChargePeriodStart >= "
                "TIMESTAMPTZ '2026-09-01' AND ChargePeriodStart < TIMESTAMPTZ '2026-11-01' GROUP BY 1 ORDER BY d "
                + ("DESC" if up else "ASC")
                + " LIMIT 1"
            ).fetchall()
        assert str(answer.value).lower() == str(rows[0][0]).lower(), answer.answer
        assert ("rose" if up else "fell") in answer.answer, answer.answer


def test_a_vendor_typed_with_two_letters_swapped_is_read_as_the_vendor(
    two_stores: list[Store], billy_settings: Settings
) -> None:
    for store in two_stores:
        plain = ask(store, "openai spend in october 2026", as_of=WED, settings=billy_settings)
        slip = ask(store, "opneai spend in october 2026", as_of=WED, settings=billy_settings)
        assert slip.value == plain.value and plain.value is not None and "'opneai' matched" in slip.answer
