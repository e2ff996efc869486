"""The general fixes behind Billy's tenth blind round (and the misreads left from the ninth), each tested on its
own over the round's companies and Nordlicht: a tag key's common spellings ("deployments" for `deploy`, a `tool`
key as the feature), a share of a named whole said "how much of X's spend went to Y", a common word where an
owner's name goes ("the tax practice"), counts of staff or people, Slack shorthand ("wat"), a commitment named by
its name, "over 2 weeks", "was X cheaper than Y", a period the data covers only in part, and forecasts of a past or
future named period with a range said for what it is. Expected figures come from hand-written SQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from billy_harness import between, cost, number_ok, round_store, tag
from fixtures.billy.nordlicht import build as build_nordlicht
from fixtures.billy.pinecrest import build as build_pinecrest
from spendscope.agents.billy import ask
from spendscope.data.settings import Settings
from spendscope.data.store import Store

P_TODAY, N_TODAY = dt.date(2026, 9, 30), dt.date(2027, 1, 13)
AUG = between("2026-08-01", "2026-09-01")
JUL = between("2026-07-01", "2026-08-01")


@pytest.fixture(scope="module")
def pinecrest(tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = tmp_path_factory.mktemp("pinecrest10")
    return round_store(folder, build_pinecrest(folder), "pinecrest")


@pytest.fixture(scope="module")
def nordlicht(tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = tmp_path_factory.mktemp("nordlicht10")
    return round_store(folder, build_nordlicht(folder), "nordlicht")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(state_dir=tmp_path / "state", db=Path("/nonexistent"))


@pytest.mark.parametrize(
    "question", ["what did the pilot deployments cost in aug", "pilot deployment spend in august"]
)
def test_a_tag_keys_longer_spelling_names_the_key_not_a_grouping(
    pinecrest: Store, settings: Settings, question: str
) -> None:
    a = ask(pinecrest, question, as_of=P_TODAY, settings=settings)
    assert number_ok(pinecrest, a, cost(AUG, tag("deploy", "pilot"))), a.answer


def test_a_tool_tag_is_the_feature_a_days_drivers_name(pinecrest: Store, settings: Settings) -> None:
    a = ask(pinecrest, "why was aug 24 so expensive", as_of=P_TODAY, settings=settings)
    assert "brief-drafter" in a.answer and "o4-mini" in a.answer, a.answer


def test_cost_per_request_of_a_tool_value_takes_telemetrys_feature(
    pinecrest: Store, settings: Settings
) -> None:
    a = ask(pinecrest, "cost per request for intake-bot in august", as_of=P_TODAY, settings=settings)
    sql = (
        f"SELECT (SELECT sum(EffectiveCost) FROM costs WHERE {AUG} AND {tag('tool', 'intake-bot')}) / "
        "(SELECT sum(requests) FROM usage_events WHERE feature = 'intake-bot' AND ts >= TIMESTAMPTZ '2026-08-01' "
        "AND ts < TIMESTAMPTZ '2026-09-01')"
    )
    assert number_ok(pinecrest, a, sql), a.answer


@pytest.mark.parametrize(
    ("question", "part", "whole"),
    [
        (
            "how much of litigation's july spend went to groq",
            "ProviderName = 'Groq'",
            tag("practice", "litigation"),
        ),
        (
            "how much of our bedrock spend in july was nova-lite",
            "ChargeDescription LIKE 'nova-lite%'",
            "ServiceName = 'Amazon Bedrock'",
        ),
    ],
)
def test_how_much_of_a_named_wholes_spend_went_to_a_part_is_a_share(
    pinecrest: Store, settings: Settings, question: str, part: str, whole: str
) -> None:
    a = ask(pinecrest, question, as_of=P_TODAY, settings=settings)
    sql = (
        f"SELECT sum(EffectiveCost) FILTER (WHERE {part}) / sum(EffectiveCost) * 100 FROM costs "
        f"WHERE {JUL} AND {whole}"
    )
    assert a.value is not None and number_ok(pinecrest, a, sql), a.answer
    assert "%" in a.answer


def test_how_much_of_that_without_a_whole_is_still_a_figure(pinecrest: Store, settings: Settings) -> None:
    ask(pinecrest, "how much did openai cost in august", as_of=P_TODAY, settings=settings, thread_id="t")
    a = ask(pinecrest, "how much of that was o4-mini", as_of=P_TODAY, settings=settings, thread_id="t")
    sql = cost(AUG, "ProviderName = 'OpenAI' AND ChargeDescription LIKE 'o4-mini %'")
    assert number_ok(pinecrest, a, sql), a.answer


@pytest.mark.parametrize(
    "question",
    [
        "how much did the tax practice spend in august",
        "what did the data team cost in july",
        "how much did the support tool cost last month",
    ],
)
def test_a_common_word_where_an_owners_name_goes_gets_no_figure(
    pinecrest: Store, settings: Settings, question: str
) -> None:
    a = ask(pinecrest, question, as_of=P_TODAY, settings=settings)
    assert a.value is None and "$" not in a.answer, a.answer
    assert "not in the data" in a.answer


@pytest.mark.parametrize(
    "question",
    ["what did the litigation practice spend in july", "how much did the total practice spend in july"],
)
def test_a_real_owner_or_a_modifier_before_the_owner_word_still_answers(
    pinecrest: Store, settings: Settings, question: str
) -> None:
    a = ask(pinecrest, question, as_of=P_TODAY, settings=settings)
    where = tag("practice", "litigation") if "litigation" in question else "true"
    assert number_ok(pinecrest, a, cost(JUL, where)), a.answer


@pytest.mark.parametrize(
    "question",
    [
        "how many staff use intake-bot",
        "how many people work on clause-finder",
        "how many passengers did we carry",
    ],
)
def test_counts_of_staff_or_people_are_declined(pinecrest: Store, settings: Settings, question: str) -> None:
    a = ask(pinecrest, question, as_of=P_TODAY, settings=settings)
    assert a.value is None and "$" not in a.answer, a.answer


@pytest.mark.parametrize(
    ("question", "kind"),
    [("wat happened on 8/24", "names"), ("hw much did groq cost in july", "number")],
)
def test_slack_shorthand_for_question_words_is_read(
    pinecrest: Store, settings: Settings, question: str, kind: str
) -> None:
    a = ask(pinecrest, question, as_of=P_TODAY, settings=settings)
    if kind == "names":
        assert "brief-drafter" in a.answer and "o4-mini" in a.answer, a.answer
    else:
        assert number_ok(pinecrest, a, cost(JUL, "ProviderName = 'Groq'")), a.answer


def test_a_commitment_found_by_its_name_gets_its_pay_as_you_go_figure(
    pinecrest: Store, settings: Settings
) -> None:
    a = ask(
        pinecrest,
        "what would clause-finder have cost on demand instead of the provisioned throughput in august",
        as_of=P_TODAY,
        settings=settings,
    )
    sql = f"SELECT sum(ListCost) FROM costs WHERE {AUG} AND ResourceName = 'clause-pt' AND CommitmentDiscountStatus = 'Used'"
    assert number_ok(pinecrest, a, sql), a.answer


def test_a_span_said_without_last_ends_today(nordlicht: Store, settings: Settings) -> None:
    a = ask(nordlicht, "mistral spend over 2 weeks", as_of=N_TODAY, settings=settings)
    assert number_ok(nordlicht, a, cost(between("2026-12-30", "2027-01-13"), "ProviderName = 'Mistral'")), (
        a.answer
    )


@pytest.mark.parametrize(
    "question", ["was cohere cheaper than mistral in november", "is mistral cheaper than cohere"]
)
def test_cheaper_between_two_named_values_names_the_cheaper(
    nordlicht: Store, settings: Settings, question: str
) -> None:
    a = ask(nordlicht, question, as_of=N_TODAY, settings=settings)
    assert a.value == "Cohere", a.answer


def test_a_period_the_data_covers_in_part_says_where_the_data_ends(
    nordlicht: Store, settings: Settings
) -> None:
    a = ask(nordlicht, "spend in q1 2027", as_of=N_TODAY, settings=settings)
    assert number_ok(nordlicht, a, cost(between("2027-01-01", "2027-01-13"))), a.answer
    assert "the data ends 2027-01-12" in a.answer
    this_month = ask(nordlicht, "total spend this month", as_of=dt.date(2027, 1, 13), settings=settings)
    assert "the data ends" not in this_month.answer  # the data runs to yesterday: nothing to say


def test_a_forecast_of_a_past_month_named_without_a_year_is_of_the_next_one(
    nordlicht: Store, settings: Settings
) -> None:
    a = ask(nordlicht, "what will mistral cost in february", as_of=N_TODAY, settings=settings)
    assert "February 2027" in a.answer and "2027-02-01 to 2027-02-28" in a.answer, a.answer
    # the period starts after the first forecast day: the range is still the interval of the period's total
    assert "interval of the total" in a.answer and "added up" not in a.answer, a.answer
    past = ask(nordlicht, "forecast for december 2026", as_of=N_TODAY, settings=settings)
    assert number_ok(nordlicht, past, cost(between("2026-12-01", "2027-01-01"))), past.answer
    assert "already past" in past.answer


def test_a_forecast_from_the_first_forecast_day_gives_the_interval_of_the_total(
    nordlicht: Store, settings: Settings
) -> None:
    a = ask(nordlicht, "forecast for january", as_of=N_TODAY, settings=settings)
    assert "interval of the total" in a.answer and "added up" not in a.answer, a.answer


def test_a_name_said_with_its_dimension_is_offered_that_dimensions_values(
    pinecrest: Store, settings: Settings
) -> None:
    a = ask(pinecrest, "how much did the tax practice spend in august", as_of=P_TODAY, settings=settings)
    assert "no practice has that name" in a.answer, a.answer
    assert all(f"practice {v}" in a.answer for v in ("litigation", "mergers", "ip-group")), a.answer


def test_an_unknown_model_is_offered_the_stores_models_of_its_family(
    pinecrest: Store, settings: Settings
) -> None:
    a = ask(pinecrest, "spend on llama-4-maverick last month", as_of=P_TODAY, settings=settings)
    assert a.value is None and "model llama-3.3-70b-versatile" in a.answer, a.answer
