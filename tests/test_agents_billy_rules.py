"""Each row of Billy's rule table (agents/billy/rules.py) tested alone, on Readings built by hand: the rule's
test holds for the reading it is written for, its `then` sets the intent, and the reading without its cue
falls through to a later rule."""

from __future__ import annotations

import datetime as dt

import pytest
from spendscope.agents.billy.models import Plan
from spendscope.agents.billy.reading import Reading
from spendscope.agents.billy.rules import RULES, choose
from spendscope.agents.billy.when import PeriodMention
from spendscope.tools.periods import Period


def _period(start: str, days: int) -> PeriodMention:
    s = dt.date.fromisoformat(start)
    return PeriodMention(
        period=Period(start=s, end=s + dt.timedelta(days=days), label=start), start=0, end=1, kind="day"
    )


def reading(**kw: object) -> Reading:
    return Reading(question="q", **kw)  # type: ignore[arg-type]


CASES = {
    "a period it could not read": (reading(unread_period="the other day"), "unknown"),
    "declined concept": (reading(declined=["revenue"]), "unknown"),
    "what-if scaling the named rows by a stated factor": (reading(cues={"scale_whatif"}), "scale_whatif"),
    "pay-as-you-go what-if": (reading(cues={"payg_whatif"}), "payg_whatif"),
    "what-if moving one model's tokens to another's prices": (
        reading(cues={"swap_whatif"}, swap=(("model", "gpt-4.1"), ("model", "gpt-4.1-mini"))),
        "swap_whatif",
    ),
    "run rate": (reading(cues={"run_rate"}), "run_rate"),
    "coding assistants": (reading(assistant="idle_seats"), "assistants"),
    "month-end landing": (reading(cues={"landing"}), "landing"),
    "GPU inventory": (reading(cues={"device_count"}), "gpu_count"),
    "GPU utilisation": (reading(cues={"gpu_utilization"}), "gpu_utilization"),
    "analytics intent named": (reading(delegate="forecast"), "forecast"),
    "commitment utilisation": (reading(cues={"commit_utilization"}), "utilization"),
    "why a day or a few days cost what they did": (
        reading(cues={"what_went_wrong"}, periods=[_period("2026-08-18", 1)]),
        "drivers",
    ),
    "drivers of a change": (reading(cues={"why", "change"}, periods=[_period("2026-08-01", 31)]), "drivers"),
    "change between periods": (
        reading(cues={"change"}, periods=[_period("2026-07-01", 31), _period("2026-08-01", 31)]),
        "compare",
    ),
    "named values' growth compared": (
        reading(cues={"which"}, entity_dim="team", rest="which grew more research or platform"),
        "compare",
    ),
    "peak day, week or month": (reading(cues={"peak", "peak_day"}), "peak"),
    "unit cost with a unit": (reading(unit={"unit": "requests", "scale": "1k", "tt": ""}), "unit_cost"),
    "unit cost in words": (reading(cues={"unit_words"}), "unit_cost"),
    "share": (reading(cues={"share"}), "share"),
    "average": (reading(cues={"average"}), "average"),
    "count of values": (reading(cues={"count"}, groups=[("model", 3)]), "count"),
    "two named values compared": (reading(cues={"which"}, entity_dim="provider"), "top"),
    "ranking": (reading(cues={"high"}, groups=[("team", 1)]), "top"),
    "breakdown": (reading(cues={"by_word"}, groups=[("model", 2)]), "breakdown"),
    "breakdown over time": (reading(cues={"grain_by"}, groups=[("day", 2)]), "breakdown"),
    "named values split": (reading(cues={"by_word"}, entity_dim="team"), "breakdown"),
    "change": (reading(cues={"change"}), "compare"),
    "figure": (reading(), "total"),
}


def test_every_rule_has_a_case_here() -> None:
    assert [r.name for r in RULES] == list(CASES)


@pytest.mark.parametrize("name", list(CASES))
def test_a_rule_decides_the_reading_written_for_it(name: str) -> None:
    r, intent = CASES[name]
    rule = choose(r)
    assert rule.name == name
    plan = Plan(question="q")
    rule.then(r, plan)
    assert plan.intent == intent


@pytest.mark.parametrize("name", [n for n in CASES if n != "figure"])
def test_a_rule_does_not_hold_for_the_empty_reading(name: str) -> None:
    rule = next(r for r in RULES if r.name == name)
    assert not rule.when(reading())


def test_a_week_long_range_is_a_day_question_but_a_month_is_not() -> None:
    rule = next(r for r in RULES if r.name.startswith("why a day"))
    assert rule.when(
        reading(cues={"what_went_wrong"}, periods=[_period("2026-08-17", 1), _period("2026-08-19", 1)])
    )
    assert not rule.when(reading(cues={"what_went_wrong"}, periods=[_period("2026-08-01", 31)]))


def test_unit_per_thousand_requests_sets_the_scale() -> None:
    plan = Plan(question="q")
    choose(reading(unit={"unit": "requests", "scale": "1k", "tt": ""})).then(
        reading(unit={"unit": "requests", "scale": "1k", "tt": ""}), plan
    )
    assert plan.unit_measure == "requests" and plan.unit_scale == 1000


def test_it_saved_after_a_commitments_figure_is_what_that_commitment_saved() -> None:
    """ "so how much did it save us" after a commitment's cost: the pay-as-you-go weighing with the saving as the
    figure; after a provider's cost it stays the savings question, and a question naming something is not it."""
    from spendscope.agents.billy.whatif import saved_followup
    from spendscope.tools.costs.breakdown import Filter

    commitment = Plan(
        question="q", filters=[Filter(dimension="commitment_status", values=["Used", "Unused"])]
    )
    provider = Plan(question="q", filters=[Filter(dimension="provider", values=["OpenAI"])])
    asked = reading(low="so how much did it save us")
    plan = Plan(question="q", intent="savings")
    assert saved_followup(commitment, plan, asked)
    assert (plan.intent, plan.saved_asked) == ("payg_whatif", True)
    plan = Plan(question="q", intent="savings")
    assert not saved_followup(provider, plan, asked) and plan.intent == "savings"
    assert not saved_followup(commitment, Plan(question="q"), reading(low="how much could we save"))


def test_a_names_verb_said_as_ing_reads_as_the_name() -> None:
    from spendscope.agents.billy.precision import said_forms

    assert said_forms("checking") == {"checking", "check", "checke"}
    assert said_forms("scoring") >= {"score"}
    assert said_forms("king") == {"king"} and said_forms("label") == {"label"}


def test_savings_on_it_keeps_the_turn_befores_scope() -> None:
    """ "how much could we save on it" after OpenAI's cost: OpenAI's savings; naming nothing back, or naming
    something of its own, it is a question of its own."""
    from spendscope.agents.billy.followups import savings_scope
    from spendscope.tools.costs.breakdown import Filter

    openai = Plan(question="q", filters=[Filter(dimension="provider", values=["OpenAI"])])
    plan = Plan(question="q", intent="savings")
    assert savings_scope(openai, plan, "how much could we save on it", [])
    assert plan.filters == openai.filters
    plan = Plan(question="q", intent="savings")
    assert not savings_scope(openai, plan, "how much could we save overall", []) and not plan.filters
    assert not savings_scope(openai, Plan(question="q"), "how much was it on it", [])
