"""The general fixes behind Billy's twenty-second blind round, each tested on its own over phrasings and data that
are not the round's: round 21's companies (Matariki Orchards, NZD, GPU boxes and telemetry; Jabuti Pagamentos,
BRL, a commitment and no GPUs) and Lintu (below: a small Finnish company whose tag keys are Finnish words).
Expected figures come from hand-written SQL over the imported rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from billy_harness import MODEL, between, cost, customer_cost, judge, number_ok, round_store, which
from fixtures.billy.jabuti import build as build_jabuti
from fixtures.billy.matariki import build as build_matariki
from fixtures.billy.synth import Company, _base, _money
from fixtures.billy.synth import build as build_company
from spendscope.agents.billy import ask
from spendscope.data.settings import Settings
from spendscope.data.store import Store

M_TODAY, J_TODAY, L_TODAY = dt.date(2027, 11, 17), dt.date(2027, 6, 30), dt.date(2026, 5, 20)
L_APR = between("2026-04-01", "2026-05-01")

# Lintu: tag keys 'vastuualue' (who owns it: 2 values), 'sovellus' (the app: 3 values), 'ymparisto' (the env)
LINTU = Company(
    name="Lintu Oy",
    account_id="ln-01",
    region="europe-north1",
    tag_keys=("vastuualue", "sovellus", "ymparisto"),
    start=dt.date(2026, 3, 2),
    end=dt.date(2026, 5, 20),
    seed=2605,
    streams=[
        (
            "OpenAI",
            "OpenAI API",
            "ln-oai",
            "gpt-4.1-mini",
            "0.40",
            "1.60",
            "asiakaspalvelu",
            "tukibotti",
            "production",
            90,
        ),
        (
            "Anthropic",
            "Claude API",
            "ln-ant",
            "claude-sonnet-4-5",
            "3.00",
            "15.00",
            "asiakaspalvelu",
            "sahkoposti",
            "production",
            20,
        ),
        (
            "Mistral AI",
            "La Plateforme",
            "ln-mis",
            "mistral-small-3",
            "0.10",
            "0.30",
            "talous",
            "laskutus",
            "kehitys",
            60,
        ),
    ],  # fmt: skip
    spike=(dt.date(2026, 4, 14), "claude-sonnet-4-5", "output", 10),
    instances=[],
    instance_place=("Google Cloud", "Compute Engine", "ln-gcp", "production"),
    instance_text=lambda t: (t, t),
    busy=lambda t, d, h: False,
    util=((0, 0), (0, 0)),
    gpu_name=lambda t: t,
    sample_minute=0,
    memory_total=0,
    telemetry_product="none",
    telemetry_provider="openai",
    customers=(),
    tokens_per_request=1000,
    currency="EUR",
)


@pytest.fixture(scope="module")
def matariki(tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = tmp_path_factory.mktemp("matariki22")
    return round_store(folder, build_matariki(folder), "matariki")


@pytest.fixture(scope="module")
def jabuti(tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = tmp_path_factory.mktemp("jabuti22")
    return round_store(folder, build_jabuti(folder), "jabuti")


def _free_trial(d: dt.date, rng: object) -> tuple[list[dict], list[dict]]:
    """A free trial of a Cohere model each day: its tokens billed at zero (a value with rows and no spend)."""
    row = _base(LINTU, d, "Cohere", "Cohere API", "ln-coh", ("talous", "laskutus", "kehitys"))
    _money(row, Decimal(0))
    row.update(
        ConsumedQuantity="1000",
        ConsumedUnit="Tokens",
        ChargeDescription="rerank-v3.5 input tokens",
        SkuPriceDetails='{"x_ModelName": "rerank-v3.5", "x_TokenType": "input"}',
    )
    return [row], []


@pytest.fixture(scope="module")
def lintu(tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = tmp_path_factory.mktemp("lintu22")
    return round_store(folder, build_company(folder, LINTU, "lintu", extra=_free_trial), "lintu")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(state_dir=tmp_path / "state", db=Path("/nonexistent"))


_TODAY = {"matariki": M_TODAY, "jabuti": J_TODAY, "lintu": L_TODAY}


def _ask(request: pytest.FixtureRequest, settings: Settings, company: str, question: str, **kw: object):  # type: ignore[no-untyped-def]
    store = request.getfixturevalue(company)
    return store, ask(store, question, as_of=_TODAY[company], settings=settings, **kw)


# --------------------------------------------------------------- tag keys in another language, by their values


@pytest.mark.parametrize(
    ("question", "expr"),
    [
        ("which team spent the most in april", "Tags->>'vastuualue'"),
        ("biggest cost center in april?", "Tags->>'vastuualue'"),
        ("top app by spend in april", "Tags->>'sovellus'"),
        ("which application cost the most in april", "Tags->>'sovellus'"),
    ],
)
def test_tag_keys_in_another_language_are_found_by_their_values_shape(
    request: pytest.FixtureRequest, settings: Settings, question: str, expr: str
) -> None:
    store, answer = _ask(request, settings, "lintu", question)
    assert judge(store, answer, "which", which(L_APR, expr))[0], answer.answer


def test_the_environment_key_in_another_language_is_the_one_holding_production(
    request: pytest.FixtureRequest, settings: Settings
) -> None:
    store, answer = _ask(request, settings, "lintu", "how much did each environment cost in april")
    assert "kehitys" in answer.answer and "production" in answer.answer, answer.answer
    store, answer = _ask(request, settings, "lintu", "how many apps do we have")
    assert answer.value == 3, answer.answer


# --------------------------------------------------------------- the least of a ranking is a value that had spend


@pytest.mark.parametrize(
    ("question", "expr"),
    [
        ("which model cost the least in april", MODEL),
        ("cheapest provider in april", "ProviderName"),
        ("least expensive model last month", MODEL),
    ],
)
def test_the_least_of_a_ranking_leaves_out_values_with_no_spend(
    request: pytest.FixtureRequest, settings: Settings, question: str, expr: str
) -> None:
    store, answer = _ask(request, settings, "lintu", question)
    assert judge(store, answer, "which", which(L_APR, expr, desc=False))[0], answer.answer


# --------------------------------------------------------------- an unknown word after a provider, before spend


@pytest.mark.parametrize(
    "question", ["openai whisper spend in sep", "google veo cost last month", "anthropic foobar spend in oct"]
)
def test_an_unknown_word_between_a_provider_and_spend_is_declined_not_the_providers_total(
    request: pytest.FixtureRequest, settings: Settings, question: str
) -> None:
    store, answer = _ask(request, settings, "matariki", question)
    assert judge(store, answer, "none", "")[0], answer.answer


def test_a_provider_and_its_service_before_spend_are_still_answered(
    request: pytest.FixtureRequest, settings: Settings
) -> None:
    store, answer = _ask(request, settings, "matariki", "google vertex spend in sep")
    assert number_ok(store, answer, cost(between("2027-09-01", "2027-10-01"), "ServiceName = 'Vertex AI'"))


# --------------------------------------------------------------- follow-ups


def _thread(store: Store, settings: Settings, today: dt.date, turns: list[str]):  # type: ignore[no-untyped-def]
    return [ask(store, t, as_of=today, settings=settings, thread_id="g22") for t in turns]


M_OCT = between("2027-10-01", "2027-11-01")
SONNET = "regexp_extract(ChargeDescription, '^(\\S+) (input|output) tokens$', 1) = 'claude-sonnet-4-6'"


@pytest.mark.parametrize(
    ("first", "then", "kind"),
    [
        ("how many input tokens did claude-sonnet-4-6 use in october", "and output?", "output"),
        ("claude-sonnet-4-6 output tokens in october", "what about input", "input"),
        ("how many output tokens did claude-sonnet-4-6 use in october", "and prompt", "input"),
    ],
)
def test_a_token_kind_said_alone_after_tokens_replaces_the_kind(
    matariki: Store, settings: Settings, first: str, then: str, kind: str
) -> None:
    answers = _thread(matariki, settings, M_TODAY, [first, then])
    sql = (
        f"SELECT sum(ConsumedQuantity) FROM costs WHERE {M_OCT} AND {SONNET} "
        f"AND ChargeDescription LIKE '% {kind} tokens'"
    )
    assert number_ok(matariki, answers[-1], sql), answers[-1].answer


@pytest.mark.parametrize(
    ("turns", "part"),
    [
        (["what did the export team spend in october", "and export's share of the total?"], "export"),
        (
            ["grower-services spend in october", "and agronomy", "what's agronomy's share of the total"],
            "agronomy",
        ),
    ],
)
def test_a_share_follow_up_naming_the_part_takes_the_whole_without_it(
    matariki: Store, settings: Settings, turns: list[str], part: str
) -> None:
    answers = _thread(matariki, settings, M_TODAY, turns)
    sql = (
        f"SELECT sum(EffectiveCost) FILTER (WHERE Tags->>'cost_owner' = '{part}') / sum(EffectiveCost) * 100 "
        f"FROM costs WHERE {M_OCT}"
    )
    assert number_ok(matariki, answers[-1], sql), answers[-1].answer


@pytest.mark.parametrize(
    ("first", "then", "offset"),
    [
        ("which day cost the most in october", "what did we spend that day", 0),
        ("most expensive day in october?", "how much did anthropic cost on that day", 0),
        ("priciest day in october", "and the day after", 1),
    ],
)
def test_that_day_after_a_days_answer_is_that_day(
    matariki: Store, settings: Settings, first: str, then: str, offset: int
) -> None:
    answers = _thread(matariki, settings, M_TODAY, [first, then])
    day = dt.date.fromisoformat(str(answers[0].value)) + dt.timedelta(days=offset)
    where = "ProviderName = 'Anthropic'" if "anthropic" in then else "true"
    sql = cost(between(str(day), str(day + dt.timedelta(days=1))), where)
    assert number_ok(matariki, answers[-1], sql), answers[-1].answer


def test_cost_per_request_of_a_key_found_by_shape_without_telemetry_says_no_requests(
    request: pytest.FixtureRequest, settings: Settings
) -> None:
    store, answer = _ask(request, settings, "lintu", "cost per request for tukibotti in april")
    assert judge(store, answer, "none", "")[0] and "request" in answer.answer, answer.answer
    assert "unknown dimension" not in answer.answer, answer.answer


# --------------------------------------------------------------- requests named with no money word are counted


@pytest.mark.parametrize(
    "question",
    [
        "requests for grower-chat in october",
        "grower-chat request volume in october",
        "oct requests, grower-chat",
    ],
)
def test_requests_asked_with_no_money_word_are_counted(
    request: pytest.FixtureRequest, settings: Settings, question: str
) -> None:
    store, answer = _ask(request, settings, "matariki", question)
    sql = "SELECT sum(requests) FROM usage_events WHERE ts >= '2027-10-01' AND ts < '2027-11-01'"
    assert number_ok(store, answer, sql), answer.answer


def test_what_requests_cost_is_still_money(request: pytest.FixtureRequest, settings: Settings) -> None:
    store, answer = _ask(request, settings, "matariki", "what did grower-chat requests cost in october")
    assert number_ok(store, answer, cost(M_OCT, "Tags->>'app' = 'grower-chat'")), answer.answer


# --------------------------------------------------------------- a seller's direct bill where only a reseller bills it


@pytest.mark.parametrize(
    "question",
    ["openai direct spend in may", "how much did we pay openai directly in may", "direct openai cost?"],
)
def test_a_direct_bill_from_a_seller_billed_only_through_another_is_declined(
    request: pytest.FixtureRequest, settings: Settings, question: str
) -> None:
    store, answer = _ask(request, settings, "jabuti", question)
    assert judge(store, answer, "none", "")[0], answer.answer
    assert "Azure OpenAI" in answer.answer and "no direct" in answer.answer, answer.answer


def test_a_direct_bill_from_a_seller_on_the_bill_is_answered(
    request: pytest.FixtureRequest, settings: Settings
) -> None:
    store, answer = _ask(request, settings, "matariki", "what do we pay openai directly in october")
    assert number_ok(store, answer, cost(M_OCT, "ProviderName = 'OpenAI'")), answer.answer


# --------------------------------------------------------------- GPU idle cost on a bill with no GPU instance


@pytest.mark.parametrize("question", ["idle gpu cost in may", "what did idle gpus cost us last month"])
def test_gpu_idle_cost_on_a_bill_without_gpu_instances_states_no_figure(
    request: pytest.FixtureRequest, settings: Settings, question: str
) -> None:
    store, answer = _ask(request, settings, "jabuti", question)
    assert judge(store, answer, "none", "")[0] and "GPU instance" in answer.answer, answer.answer


# --------------------------------------------------------------- what-ifs scaling named rows by a stated factor

M_SEP = between("2027-09-01", "2027-10-01")
GROWER = "Tags->>'app' = 'grower-chat'"
GEMINI = "regexp_extract(ChargeDescription, '^(\\S+) (input|output) tokens$', 1) LIKE 'gemini%'"


@pytest.mark.parametrize(
    ("question", "sql"),
    [
        (
            "what if grower-chat usage doubled in october, what would the month have cost",
            f"SELECT sum(EffectiveCost) + sum(EffectiveCost) FILTER (WHERE {GROWER}) FROM costs WHERE {M_OCT}",
        ),
        (
            "if gemini were 25% cheaper how much would we have saved in sep",
            f"SELECT 0.25 * sum(EffectiveCost) FROM costs WHERE {M_SEP} AND {GEMINI}",
        ),
        (
            "suppose we reduced the export team's spend by 40% in oct, how much would we save",
            f"SELECT 0.4 * sum(EffectiveCost) FROM costs WHERE {M_OCT} AND Tags->>'cost_owner' = 'export'",
        ),
        (
            "what would october have cost if everything was 10% cheaper",
            f"SELECT 0.9 * sum(EffectiveCost) FROM costs WHERE {M_OCT}",
        ),
    ],
)
def test_a_what_if_scaling_named_rows_by_a_stated_factor_is_answered(
    request: pytest.FixtureRequest, settings: Settings, question: str, sql: str
) -> None:
    store, answer = _ask(request, settings, "matariki", question)
    assert number_ok(store, answer, sql), answer.answer


# --------------------------------------------------------------- a bare period said with "so far" / "to date"


@pytest.mark.parametrize(
    ("question", "start"),
    [("q4 so far", "2027-10-01"), ("h2 to date?", "2027-07-01"), ("this quarter thus far", "2027-10-01")],
)
def test_a_bare_period_not_over_asks_what_it_cost(
    request: pytest.FixtureRequest, settings: Settings, question: str, start: str
) -> None:
    store, answer = _ask(request, settings, "matariki", question)
    assert number_ok(store, answer, cost(between(start, "2027-11-17"))), answer.answer


# --------------------------------------------------------------- "what will <period not over> be" is its landing


@pytest.mark.parametrize(
    ("question", "start"),
    [
        ("what will q4 be", "2027-10-01"),
        ("what's this quarter gonna be", "2027-10-01"),
        ("so what will november be?", "2027-11-01"),
    ],
)
def test_what_a_period_not_over_will_be_is_its_landing(
    request: pytest.FixtureRequest, settings: Settings, question: str, start: str
) -> None:
    store, answer = _ask(request, settings, "matariki", question)
    assert judge(store, answer, "landing", cost(between(start, "2027-11-17")))[0], answer.answer


# --------------------------------------------------------------- the run rate is this month's pace projected

M_NOV = between("2027-11-01", "2027-11-17")


@pytest.mark.parametrize(
    ("question", "where", "months"),
    [
        ("what's our run rate?", "true", 1),
        ("monthly run-rate for anthropic", "ProviderName = 'Anthropic'", 1),
        ("annual run rate on coreweave", "ProviderName = 'CoreWeave'", 12),
    ],
)
def test_the_run_rate_is_this_months_daily_pace_projected(
    request: pytest.FixtureRequest, settings: Settings, question: str, where: str, months: int
) -> None:
    store, answer = _ask(request, settings, "matariki", question)
    sql = f"SELECT sum(EffectiveCost) / 16 * 30 * {months} FROM costs WHERE {M_NOV} AND ({where})"
    assert number_ok(store, answer, sql) and "a day" in answer.answer, answer.answer


# --------------------------------------------------------------- two model families compared, each summed


@pytest.mark.parametrize(
    ("question", "period", "a", "b"),
    [
        ("claude vs gpt in october", M_OCT, "claude%", "gpt%"),
        ("gemini or claude, which cost more in sep?", M_SEP, "claude%", "gemini%"),
        ("claude versus gemini last month", M_OCT, "claude%", "gemini%"),
    ],
)
def test_two_families_compared_are_each_summed_over_their_models(
    request: pytest.FixtureRequest, settings: Settings, question: str, period: str, a: str, b: str
) -> None:
    store, answer = _ask(request, settings, "matariki", question)
    for family in (a, b):
        assert number_ok(store, answer, cost(period, f"{MODEL} LIKE '{family}'")), answer.answer


# --------------------------------------------------------------- moving one model's tokens onto another's prices


def _moved(period: str, src: str, dst: str, where: str = "true") -> str:
    """`src`'s tokens of each kind priced at what `dst`'s tokens of that kind cost per token over the period."""
    kind = "regexp_extract(ChargeDescription, ' (input|output) tokens$', 1)"
    return (
        f"WITH p AS (SELECT {kind} k, sum(EffectiveCost) / sum(ConsumedQuantity) u FROM costs WHERE {period} "
        f"AND {MODEL} = '{dst}' GROUP BY 1) "
        f"SELECT sum(c.ConsumedQuantity * p.u) FROM costs c JOIN p ON {kind.replace('ChargeDescription', 'c.ChargeDescription')} = p.k "
        f"WHERE {period.replace('ChargePeriodStart', 'c.ChargePeriodStart')} AND "
        f"{MODEL.replace('ChargeDescription', 'c.ChargeDescription')} = '{src}' AND ({where})"
    )


@pytest.mark.parametrize(
    ("question", "src", "dst", "saved"),
    [
        (
            "what if we moved claude-sonnet-4-6 traffic to gemini-2.5-flash in october, how much would we save",
            "claude-sonnet-4-6",
            "gemini-2.5-flash",
            True,
        ),
        (
            "what would gpt-4.1-mini have cost in october if we switched it to mistral-medium-3",
            "gpt-4.1-mini",
            "mistral-medium-3",
            False,
        ),
    ],
)
def test_moving_one_models_tokens_to_anothers_prices_on_the_bill(
    request: pytest.FixtureRequest, settings: Settings, question: str, src: str, dst: str, saved: bool
) -> None:
    store, answer = _ask(request, settings, "matariki", question)
    moved = _moved(M_OCT, src, dst)
    sql = f"SELECT ({cost(M_OCT, f'{MODEL} = {chr(39)}{src}{chr(39)}')}) - ({moved})" if saved else moved
    assert number_ok(store, answer, sql), answer.answer


# --------------------------------------------------------------- "the month / quarter / year" of what is to come


@pytest.mark.parametrize(
    ("question", "start"),
    [
        ("what will the year be", "2027-01-01"),
        ("where will the quarter land?", "2027-10-01"),
        ("what's the month gonna be", "2027-11-01"),
    ],
)
def test_the_month_quarter_or_year_of_what_is_to_come_is_the_current_one(
    request: pytest.FixtureRequest, settings: Settings, question: str, start: str
) -> None:
    store, answer = _ask(request, settings, "matariki", question)
    assert judge(store, answer, "landing", cost(between(start, "2027-11-17")))[0], answer.answer


# --------------------------------------------------------------- a breakdown by words that name no dimension


@pytest.mark.parametrize(
    "question", ["business unit breakdown in october", "cost centre breakdown last month"]
)
def test_a_breakdown_named_by_words_the_store_lacks_is_declined_not_the_total(
    request: pytest.FixtureRequest, settings: Settings, question: str
) -> None:
    store, answer = _ask(request, settings, "matariki", question)
    assert judge(store, answer, "none", "")[0], answer.answer


@pytest.mark.parametrize("question", ["spend breakdown last month", "give me a cost breakdown for oct"])
def test_a_breakdown_of_spend_itself_is_still_answered(
    request: pytest.FixtureRequest, settings: Settings, question: str
) -> None:
    store, answer = _ask(request, settings, "matariki", question)
    assert number_ok(store, answer, cost(M_OCT)), answer.answer


@pytest.mark.parametrize(
    ("question", "expr"),
    [
        ("stage breakdown in october", "Tags->>'stage'"),
        ("model split in october", MODEL),
        ("team breakdown in october", "Tags->>'cost_owner'"),
    ],
)
def test_a_dimension_word_before_breakdown_groups_by_that_dimension(
    request: pytest.FixtureRequest, settings: Settings, question: str, expr: str
) -> None:
    store, answer = _ask(request, settings, "matariki", question)
    assert answer.value is not None and judge(store, answer, "which", which(M_OCT, expr))[0], answer.answer


# --------------------------------------------------------------- idle cost of GPU instances named


def _idle(start: str, end: str, instance: str) -> str:
    """Each GPU-hour under 10% utilisation of `instance` at its box's hourly bill split over its GPUs."""
    return (
        "SELECT sum(c.EffectiveCost / c.ConsumedQuantity / g.n) FROM gpu_samples s "
        "JOIN (SELECT instance_id, count(DISTINCT gpu_uuid) n FROM gpu_samples GROUP BY 1) g USING (instance_id) "
        "JOIN costs c ON c.ResourceId = s.instance_id AND CAST(c.ChargePeriodStart AS DATE) = CAST(s.ts AS DATE) "
        f"WHERE s.utilization_pct < 10 AND s.ts >= TIMESTAMPTZ '{start}' AND s.ts < TIMESTAMPTZ '{end}' "
        f"AND s.instance_id = '{instance}'"
    )


@pytest.mark.parametrize(
    ("question", "start", "end", "instance"),
    [
        ("how much did the h200s idle cost us in oct", "2027-10-01", "2027-11-01", "cw-h200-grader"),
        ("idle cost of the h200 box in october", "2027-10-01", "2027-11-01", "cw-h200-grader"),
        ("what did the l40s idle time cost in october?", "2027-10-01", "2027-11-01", "cw-l40s-label"),
    ],
)
def test_idle_cost_of_gpu_instances_named_is_their_idle_time_cost(
    request: pytest.FixtureRequest, settings: Settings, question: str, start: str, end: str, instance: str
) -> None:
    store, answer = _ask(request, settings, "matariki", question)
    assert number_ok(store, answer, _idle(start, end, instance)), answer.answer


# --------------------------------------------------------------- two telemetry customers compared


@pytest.mark.parametrize(
    ("question", "a", "b"),
    [
        ("opotiki vs katikati last month", "opotiki-orchards", "katikati-kiwi"),
        (
            "did opotiki-orchards cost more than katikati-kiwi in october?",
            "opotiki-orchards",
            "katikati-kiwi",
        ),
    ],
)
def test_two_customers_compared_rank_only_those_two(
    request: pytest.FixtureRequest, settings: Settings, question: str, a: str, b: str
) -> None:
    store, answer = _ask(request, settings, "matariki", question)
    assert answer.value in (a, b), answer.answer
    for who in (a, b):
        assert number_ok(store, answer, customer_cost("2027-10-01", "2027-11-01", who)), answer.answer


def test_a_name_before_a_scaling_verb_is_the_name_scaled(
    request: pytest.FixtureRequest, settings: Settings
) -> None:
    store, answer = _ask(
        request, settings, "matariki", "if grower-chat doubled in october what would it cost"
    )
    sql = f"SELECT sum(EffectiveCost) + sum(EffectiveCost) FILTER (WHERE {GROWER}) FROM costs WHERE {M_OCT}"
    assert number_ok(store, answer, sql), answer.answer


def test_a_scaled_what_if_on_spend_still_to_come_states_no_figure(
    request: pytest.FixtureRequest, settings: Settings
) -> None:
    store, answer = _ask(
        request, settings, "matariki", "if grower-chat doubled next month what would it cost"
    )
    assert judge(store, answer, "none", "")[0], answer.answer


def test_a_stated_factor_on_a_commitment_scales_it_rather_than_weighing_pay_as_you_go(
    request: pytest.FixtureRequest, settings: Settings
) -> None:
    store, answer = _ask(
        request, settings, "jabuti", "what if the pt were 10% cheaper in may, how much would we save"
    )
    sql = f"SELECT 0.1 * sum(EffectiveCost) FROM costs WHERE {between('2027-05-01', '2027-06-01')} AND ResourceName = 'bedrock-pt-haiku-fraude'"
    assert number_ok(store, answer, sql), answer.answer


def test_a_scaled_what_ifs_follow_up_keeps_its_factor(matariki: Store, settings: Settings) -> None:
    answers = _thread(
        matariki,
        settings,
        M_TODAY,
        ["if gemini were 25% cheaper how much would we have saved in sep", "and in october"],
    )
    sql = f"SELECT 0.25 * sum(EffectiveCost) FROM costs WHERE {M_OCT} AND {GEMINI}"
    assert number_ok(matariki, answers[-1], sql), answers[-1].answer


# --------------------------------------------------------------- "which grew the most" when none grew


def test_which_grew_the_most_when_none_grew_says_none_rose_and_who_fell_least(
    request: pytest.FixtureRequest, settings: Settings
) -> None:
    store, answer = _ask(
        request, settings, "lintu", "which team grew the most in the week of april 6 vs the week before"
    )
    new, old = between("2026-04-06", "2026-04-13"), between("2026-03-30", "2026-04-06")
    sql = (
        "SELECT max(d) FROM (SELECT Tags->>'vastuualue' k, sum(EffectiveCost) FILTER (WHERE "
        f"{new}) - sum(EffectiveCost) FILTER (WHERE {old}) d FROM costs GROUP BY 1 HAVING sum(EffectiveCost) <> 0)"
    )
    assert number_ok(store, answer, sql), answer.answer
    assert "fell the most" not in answer.answer and "fell the least" in answer.answer, answer.answer


@pytest.mark.parametrize(
    ("first", "then", "kind"),
    [
        ("how many input tokens did claude-sonnet-4-6 use in october", "what did the output cost?", "output"),
        ("claude-sonnet-4-6 output tokens in october", "what did that cost", "output"),
    ],
)
def test_money_asked_after_a_token_count_is_the_cost_of_that_kinds_rows(
    matariki: Store, settings: Settings, first: str, then: str, kind: str
) -> None:
    answers = _thread(matariki, settings, M_TODAY, [first, then])
    sql = cost(M_OCT, f"{SONNET} AND ChargeDescription LIKE '% {kind} tokens'")
    assert number_ok(matariki, answers[-1], sql), answers[-1].answer


# --------------------------------------------------------------- savings on a store with no 'team' key


@pytest.mark.parametrize("question", ["how much could we save", "any savings opportunities last month?"])
def test_savings_use_the_stores_own_owner_key(
    request: pytest.FixtureRequest, settings: Settings, question: str
) -> None:
    _store, answer = _ask(request, settings, "lintu", question)
    assert "could not answer" not in answer.answer and "unknown dimension" not in answer.answer, answer.answer


# --------------------------------------------------------------- machines ranked by their names


@pytest.mark.parametrize(
    ("question", "desc"),
    [
        ("which box cost the most in october", True),
        ("top 2 machines by spend in october", True),
        ("cheapest instance in october?", False),
    ],
)
def test_machines_ranked_are_the_instances_by_name(
    request: pytest.FixtureRequest, settings: Settings, question: str, desc: bool
) -> None:
    store, answer = _ask(request, settings, "matariki", question)
    sql = which(M_OCT, "ResourceName", "ConsumedUnit = 'Hours'", desc=desc)
    assert answer.value is not None and judge(store, answer, "which", sql)[0], answer.answer


# --------------------------------------------------------------- "cost per <dimension>" is each value's cost


@pytest.mark.parametrize(
    ("question", "expr"),
    [("cost per app in october", "Tags->>'app'"), ("cost per stage in october", "Tags->>'stage'")],
)
def test_cost_per_a_dimension_word_is_each_values_cost(
    request: pytest.FixtureRequest, settings: Settings, question: str, expr: str
) -> None:
    store, answer = _ask(request, settings, "matariki", question)
    top = which(M_OCT, expr)
    assert judge(store, answer, "which", top)[0] and "per 1M" not in answer.answer, answer.answer
    assert number_ok(store, answer, f"SELECT v FROM ({top}) LIMIT 1"), answer.answer


# --------------------------------------------------------------- "what will <a past-read period> be": the next one


@pytest.mark.parametrize(
    ("question", "label"),
    [
        ("what will december be", "December 2027"),
        ("whats q1 gonna be", "Q1 2028"),
        ("what will jan be?", "January 2028"),
    ],
)
def test_what_a_period_named_without_a_year_will_be_is_the_next_ones_forecast(
    request: pytest.FixtureRequest, settings: Settings, question: str, label: str
) -> None:
    _store, answer = _ask(request, settings, "matariki", question)
    assert answer.value is not None and label in answer.answer and "forecast" in answer.answer, answer.answer


def test_moving_a_features_tokens_to_a_model_prices_them_at_that_models_rates(
    request: pytest.FixtureRequest, settings: Settings
) -> None:
    question = "if we moved grower-chat to claude-haiku-4-5 in october what would it cost"
    store, answer = _ask(request, settings, "matariki", question)
    sql = _moved(M_OCT, "claude-sonnet-4-6", "claude-haiku-4-5", "Tags->>'app' = 'grower-chat'")
    assert number_ok(store, answer, sql), answer.answer


# --------------------------------------------------------------- what is saved without named rows is their cost


@pytest.mark.parametrize(
    ("question", "where"),
    [
        ("how much would we save without staging last month", "Tags->>'stage' = 'staging'"),
        ("how much would we have saved without anthropic in october", "ProviderName = 'Anthropic'"),
    ],
)
def test_what_is_saved_without_named_rows_is_what_they_cost(
    request: pytest.FixtureRequest, settings: Settings, question: str, where: str
) -> None:
    store, answer = _ask(request, settings, "matariki", question)
    assert number_ok(store, answer, cost(M_OCT, where)), answer.answer
