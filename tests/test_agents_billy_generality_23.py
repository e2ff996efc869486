"""The general fixes behind Billy's twenty-third blind round, each tested on its own over phrasings and data that
are not the round's: round 22's companies (Kőhíd Fuvar, HUF, Lambda GPU boxes, an Azure provisioned-throughput
commitment and no telemetry; Yafo Shield, ILS, Claude billed by Anthropic and by Vertex AI, a 'Workload' key and
telemetry tenants). Expected figures come from hand-written SQL over the imported rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from billy_harness import (
    MODEL,
    TOKENS,
    between,
    cost,
    customer_cost,
    expected,
    judge,
    judged,
    number_ok,
    round_store,
    tag,
    which,
)
from fixtures.billy.kitehawk import build as build_kitehawk
from fixtures.billy.kohid import build as build_kohid
from fixtures.billy.synth import Company
from fixtures.billy.synth import build as build_company
from fixtures.billy.yafo import build as build_yafo
from spendscope.agents.billy import ask
from spendscope.data.settings import Settings
from spendscope.data.store import Store

K_TODAY, Y_TODAY, F_TODAY = dt.date(2028, 3, 9), dt.date(2028, 11, 14), dt.date(2026, 5, 12)
KH_TODAY = dt.date(2027, 9, 22)  # Kitehawk (round 20): key 'env' with the values prod and staging
F_APR = between("2026-04-01", "2026-05-01")

# Fjordlys: one key named as its concept ('owner') and compound keys whose last word names theirs ('product-app', 'runtime-env')
FJORDLYS = Company(
    name="Fjordlys AS",
    account_id="fj-01",
    region="europe-north1",
    tag_keys=("owner", "product-app", "runtime-env"),
    start=dt.date(2026, 3, 2),
    end=dt.date(2026, 5, 12),
    seed=2605,
    streams=[
        (
            "OpenAI",
            "OpenAI API",
            "fj-oai",
            "gpt-4.1-mini",
            "4.0",
            "16.0",
            "kundeservice",
            "chatbot",
            "production",
            90,
        ),
        (
            "Anthropic",
            "Claude API",
            "fj-ant",
            "claude-sonnet-4-5",
            "30",
            "150",
            "kundeservice",
            "epost",
            "production",
            20,
        ),
        (
            "Mistral AI",
            "La Plateforme",
            "fj-mis",
            "mistral-small-3",
            "1.0",
            "3.0",
            "okonomi",
            "faktura",
            "sandbox",
            60,
        ),
        (
            "Mistral AI",
            "La Plateforme",
            "fj-mis",
            "codestral",
            "3.0",
            "9.0",
            "okonomi",
            "bilag",
            "production",
            30,
        ),
    ],  # fmt: skip
    spike=(dt.date(2026, 4, 14), "claude-sonnet-4-5", "output", 10),
    # a training box whose steady bill is each day's largest item: a day's top app is not what changed it
    instances=[("fj-a100-01", "trener", "a2-highgpu-1g", 1, Decimal("400"), "okonomi", "trening")],
    instance_place=("Google Cloud", "Compute Engine", "fj-gcp", "production"),
    instance_text=lambda t: (t, f"{t} instance hours"),
    busy=lambda t, d, h: 8 <= h < 16,
    util=((60, 95), (0, 4)),
    gpu_name=lambda t: "NVIDIA A100-SXM4-40GB",
    sample_minute=0,
    memory_total=40960,
    telemetry_product="none",
    telemetry_provider="openai",
    customers=(),
    tokens_per_request=1000,
    currency="NOK",
)
K_FEB = between("2028-02-01", "2028-03-01")
K_JAN = between("2028-01-01", "2028-02-01")
Y_OCT = between("2028-10-01", "2028-11-01")
Y_SEP = between("2028-09-01", "2028-10-01")


@pytest.fixture(scope="module")
def kohid(tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = tmp_path_factory.mktemp("kohid23")
    return round_store(folder, build_kohid(folder), "kohid")


@pytest.fixture(scope="module")
def yafo(tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = tmp_path_factory.mktemp("yafo23")
    return round_store(folder, build_yafo(folder), "yafo")


@pytest.fixture(scope="module")
def fjordlys(tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = tmp_path_factory.mktemp("fjordlys23")
    return round_store(folder, build_company(folder, FJORDLYS, "fjordlys"), "fjordlys")


@pytest.fixture(scope="module")
def kitehawk(tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = tmp_path_factory.mktemp("kitehawk23")
    return round_store(folder, build_kitehawk(folder), "kitehawk")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(state_dir=tmp_path / "state", db=Path("/nonexistent"))


_TODAY = {"kohid": K_TODAY, "yafo": Y_TODAY, "fjordlys": F_TODAY, "kitehawk": KH_TODAY}


def _ask(request: pytest.FixtureRequest, settings: Settings, company: str, question: str, **kw: object):  # type: ignore[no-untyped-def]
    store = request.getfixturevalue(company)
    return store, ask(store, question, as_of=_TODAY[company], settings=settings, **kw)


def _thread(request: pytest.FixtureRequest, settings: Settings, company: str, questions: list[str]):  # type: ignore[no-untyped-def]
    """Ask `questions` in one thread; the store and the last answer."""
    store, answer = None, None
    for q in questions:
        store, answer = _ask(request, settings, company, q, thread_id=f"g23-{company}")
    return store, answer


def _unit(period: str, where: str) -> str:
    return (
        f"SELECT sum(EffectiveCost) / sum(ConsumedQuantity) * 1000000 FROM costs WHERE {period} AND {TOKENS} "
        f"AND ({where})"
    )


# --------------------------------------------------------------- a unit cost after a token count is money


@pytest.mark.parametrize(
    "turns",
    [
        [
            "how many input tokens did gpt-4.1-mini use in feb",
            "and output",
            "whats the cost per million tokens",
        ],
        ["gpt-4.1-mini output tokens in feb", "cost per 1m tokens?"],
    ],
)
def test_a_unit_cost_after_a_token_count_is_money_over_tokens(
    request: pytest.FixtureRequest, settings: Settings, turns: list[str]
) -> None:
    store, answer = _thread(request, settings, "kohid", turns)
    assert number_ok(store, answer, _unit(K_FEB, f"{MODEL} = 'gpt-4.1-mini'")), answer.answer


# --------------------------------------------------------------- a compound tag key's last word names its concept


@pytest.mark.parametrize(
    ("question", "expr"),
    [
        ("spend by environment in april", "Tags->>'runtime-env'"),
        ("which env cost the most in april", "Tags->>'runtime-env'"),
    ],
)
def test_a_compound_tag_keys_last_word_names_its_concept(
    request: pytest.FixtureRequest, settings: Settings, question: str, expr: str
) -> None:
    store, answer = _ask(request, settings, "fjordlys", question)
    assert judge(store, answer, "which", which(F_APR, expr))[0], answer.answer


@pytest.mark.parametrize("question", ["dev env spend in april", "qa environment cost last month"])
def test_an_env_the_compound_env_key_lacks_is_declined_not_the_total(
    request: pytest.FixtureRequest, settings: Settings, question: str
) -> None:
    store, answer = _ask(request, settings, "fjordlys", question)
    assert judge(store, answer, "none", "")[0], answer.answer


def test_an_env_the_compound_env_key_holds_is_its_spend(
    request: pytest.FixtureRequest, settings: Settings
) -> None:
    store, answer = _ask(request, settings, "fjordlys", "sandbox env spend in april")
    assert number_ok(store, answer, cost(F_APR, tag("runtime-env", "sandbox"))), answer.answer


# --------------------------------------------------------------- "app" names the feature key however it is named


@pytest.mark.parametrize(
    ("company", "question", "period", "expr"),
    [
        ("yafo", "which app cost the most in oct", Y_OCT, "Tags->>'Workload'"),
        ("yafo", "top 2 applications in sep", Y_SEP, "Tags->>'Workload'"),
        ("fjordlys", "top app in april", F_APR, "Tags->>'product-app'"),
    ],
)
def test_app_names_the_feature_key_found_by_its_name(
    request: pytest.FixtureRequest, settings: Settings, company: str, question: str, period: str, expr: str
) -> None:
    store, answer = _ask(request, settings, company, question)
    assert judge(store, answer, "which", which(period, expr))[0], answer.answer


# --------------------------------------------------------------- "would march": the month after an auxiliary verb

K_MAR = between("2028-03-01", "2028-03-09")


@pytest.mark.parametrize(
    ("question", "where"),
    [
        ("if vamirat doubled what would march have cost", tag("alkalmazas", "vamirat")),
        ("what would march have cost if gpt-4.1-mini usage doubled", f"{MODEL} = 'gpt-4.1-mini'"),
    ],
)
def test_march_after_an_auxiliary_verb_is_the_month(
    request: pytest.FixtureRequest, settings: Settings, question: str, where: str
) -> None:
    store, answer = _ask(request, settings, "kohid", question)
    want = f"SELECT sum(EffectiveCost) + coalesce(sum(EffectiveCost) FILTER (WHERE {where}), 0) FROM costs WHERE {K_MAR}"
    assert number_ok(store, answer, want), answer.answer


# --------------------------------------------------------------- a percent after a raise or cut without "by"


@pytest.mark.parametrize(
    ("question", "where", "factor"),
    [
        (
            "if deepseek raised prices 20% how much more would oct have cost",
            "ProviderName = 'DeepSeek'",
            "0.2",
        ),
        (
            "what if we cut codestral usage 30% in oct, how much would we save",
            f"{MODEL} = 'codestral'",
            "0.3",
        ),
    ],
)
def test_a_percent_after_a_raise_or_a_cut_is_the_what_ifs_factor(
    request: pytest.FixtureRequest, settings: Settings, question: str, where: str, factor: str
) -> None:
    store, answer = _ask(request, settings, "yafo", question)
    want = f"SELECT {factor} * sum(EffectiveCost) FROM costs WHERE {Y_OCT} AND ({where})"
    assert number_ok(store, answer, want), answer.answer


# --------------------------------------------------------------- a change after the thread moved its period


@pytest.mark.parametrize(
    ("turns", "new", "old"),
    [
        (["deepseek spend in oct", "and the month before?", "how much did it change"], Y_OCT, Y_SEP),
        (
            ["what did anthropic cost in oct", "what about the month before", "whats the % change"],
            Y_OCT,
            Y_SEP,
        ),
    ],
)
def test_a_change_after_the_thread_moved_its_period_compares_the_two_periods(
    request: pytest.FixtureRequest, settings: Settings, turns: list[str], new: str, old: str
) -> None:
    store, answer = _thread(request, settings, "yafo", turns)
    where = "ProviderName = 'DeepSeek'" if "deepseek" in turns[0] else "ProviderName = 'Anthropic'"
    absolute = (
        f"SELECT sum(EffectiveCost) FILTER (WHERE {new}) - sum(EffectiveCost) FILTER (WHERE {old}) FROM costs "
        f"WHERE {where}"
    )
    relative = (
        f"SELECT (sum(EffectiveCost) FILTER (WHERE {new}) / sum(EffectiveCost) FILTER (WHERE {old}) - 1) * 100 "
        f"FROM costs WHERE {where}"
    )
    assert number_ok(store, answer, absolute) and number_ok(store, answer, relative), answer.answer


# --------------------------------------------------------------- "how much was it" after a peak month or day


_MONTHS = (
    "SELECT sum(EffectiveCost) v FROM costs WHERE {p} GROUP BY date_trunc('month', ChargePeriodStart) "
    "ORDER BY v DESC LIMIT 1"
)


@pytest.mark.parametrize(
    ("company", "turns", "period"),
    [
        (
            "kohid",
            ["which month cost the most since october", "how much was it"],
            between("2027-10-01", "2028-03-09"),
        ),
        (
            "yafo",
            ["which month had the highest spend since july", "and how much was that"],
            between("2028-07-01", "2028-11-14"),
        ),
    ],
)
def test_a_figure_asked_after_a_peak_month_is_that_months(
    request: pytest.FixtureRequest, settings: Settings, company: str, turns: list[str], period: str
) -> None:
    store, answer = _thread(request, settings, company, turns)
    assert number_ok(store, answer, _MONTHS.format(p=period)), answer.answer


# --------------------------------------------------------------- the thread stays on "that day"


@pytest.mark.parametrize(
    ("company", "turns"),
    [
        (
            "fjordlys",
            ["which day cost the most in april", "how much did we spend that day", "which app drove it"],
        ),
        (
            "fjordlys",
            ["top spend day last month", "how much was spent on that day", "what product-app drove it"],
        ),
    ],
)
def test_what_drove_a_day_the_thread_is_on_is_its_change(
    request: pytest.FixtureRequest, settings: Settings, company: str, turns: list[str]
) -> None:
    """The spike (epost's claude-sonnet-4-5 output tokens, ten times the usual on 2026-04-14) drove the day; the
    training box cost the most that day, as every day."""
    store, answer = _thread(request, settings, company, turns)
    key, want = "product-app", "epost"
    others = f"SELECT DISTINCT Tags->>'{key}' FROM costs WHERE Tags->>'{key}' <> '{want}'"
    assert judge(store, answer, "which", f"SELECT '{want}' UNION ALL ({others})")[0], answer.answer


# --------------------------------------------------------------- "what share is that" after "how much of that was X"


@pytest.mark.parametrize(
    ("turns", "part", "whole"),
    [
        (
            ["soc squad spend in oct", "how much of that was anthropic", "whats that as a share"],
            "ProviderName = 'Anthropic'",
            tag("Squad", "soc"),
        ),
        (
            ["staging spend in sep", "and how much of it was on vertex?", "what % is that"],
            "ServiceName = 'Vertex AI'",
            tag("Tier", "staging"),
        ),
    ],
)
def test_a_share_after_a_part_of_the_turn_before_is_of_that_turns_rows(
    request: pytest.FixtureRequest, settings: Settings, turns: list[str], part: str, whole: str
) -> None:
    store, answer = _thread(request, settings, "yafo", turns)
    period = Y_OCT if "oct" in turns[0] else Y_SEP
    want = (
        f"SELECT sum(EffectiveCost) FILTER (WHERE {part}) / sum(EffectiveCost) * 100 FROM costs "
        f"WHERE {period} AND {whole}"
    )
    assert number_ok(store, answer, want), answer.answer


# --------------------------------------------------------------- a box's utilisation asked after its cost


@pytest.mark.parametrize(
    ("company", "turns", "iid", "start", "end"),
    [
        ("kohid", ["what did the gh200 box cost in feb", "whats its average utilization"], "lmb-gh200-01", "2028-02-01", "2028-03-01"),
        ("fjordlys", ["how much did the trener box cost in april", "and its avg util that month?"], "fj-a100-01", "2026-04-01", "2026-05-01"),
    ],
)  # fmt: skip
def test_a_boxs_utilisation_asked_after_its_cost_is_its_utilisation(
    request: pytest.FixtureRequest,
    settings: Settings,
    company: str,
    turns: list[str],
    iid: str,
    start: str,
    end: str,
) -> None:
    store, answer = _thread(request, settings, company, turns)
    want = (
        f"SELECT avg(utilization_pct) FROM gpu_samples WHERE instance_id = '{iid}' "
        f"AND ts >= TIMESTAMPTZ '{start}' AND ts < TIMESTAMPTZ '{end}'"
    )
    assert number_ok(store, answer, want), answer.answer


# --------------------------------------------------------------- a commitment purchase's model is its commitment's


def test_a_commitment_purchase_row_names_the_model_its_commitment_serves(
    request: pytest.FixtureRequest, settings: Settings
) -> None:
    """Kőhíd's monthly PTU purchase row carries only the commitment's name 'ptu-gpt41-fuvar' (read as a model
    'gpt41-fuvar' before); its used and unused rows serve gpt-4.1."""
    store, answer = _ask(request, settings, "kohid", "invoiced cost by model in february")
    assert "gpt41-fuvar" not in answer.answer, answer.answer
    by_model = (
        "coalesce(nullif(regexp_extract(ChargeDescription, '^(\\S+) (input|output) tokens$', 1), ''), "
        "CASE WHEN CommitmentDiscountName = 'ptu-gpt41-fuvar' THEN 'gpt-4.1' END)"
    )
    assert judge(store, answer, "which", which(K_FEB, by_model, measure="BilledCost"))[0], answer.answer
    store, answer = _ask(request, settings, "kohid", "list every model we used since october")
    assert "gpt41-fuvar" not in answer.answer, answer.answer


# --------------------------------------------------------------- a burn rate is the current pace


@pytest.mark.parametrize(
    ("company", "question", "where"),
    [
        ("kohid", "what's the burn rate", "true"),
        ("yafo", "whats our daily burn", "true"),
        ("yafo", "anthropic burn rate?", "ProviderName = 'Anthropic'"),
    ],
)
def test_a_burn_rate_with_no_period_is_the_last_30_days_average_a_day(
    request: pytest.FixtureRequest, settings: Settings, company: str, question: str, where: str
) -> None:
    store, answer = _ask(request, settings, company, question)
    end = _TODAY[company]
    window = between(str(end - dt.timedelta(days=30)), str(end))
    assert number_ok(
        store, answer, f"SELECT sum(EffectiveCost) / 30 FROM costs WHERE {window} AND ({where})"
    ), answer.answer


def test_a_daily_burn_over_named_days_is_their_average_a_day(
    request: pytest.FixtureRequest, settings: Settings
) -> None:
    store, answer = _ask(request, settings, "kohid", "daily burn last 10 days")
    window = between("2028-02-28", "2028-03-09")
    assert number_ok(store, answer, f"SELECT sum(EffectiveCost) / 10 FROM costs WHERE {window}"), (
        answer.answer
    )


# --------------------------------------------------------------- two sellers named as a provider and a service


@pytest.mark.parametrize(
    ("company", "question", "period", "a", "b"),
    [
        (
            "kohid",
            "bedrock vs azure in feb",
            K_FEB,
            "ServiceName = 'Amazon Bedrock'",
            "ProviderName = 'Microsoft'",
        ),
        (
            "yafo",
            "claude spend on anthropic vs vertex in oct",
            Y_OCT,
            f"{MODEL} LIKE 'claude%' AND ProviderName = 'Anthropic'",
            f"{MODEL} LIKE 'claude%' AND ServiceName = 'Vertex AI'",
        ),
    ],
)
def test_a_provider_and_a_service_of_other_sellers_are_compared(
    request: pytest.FixtureRequest,
    settings: Settings,
    company: str,
    question: str,
    period: str,
    a: str,
    b: str,
) -> None:
    store, answer = _ask(request, settings, company, question)
    assert number_ok(store, answer, cost(period, a)) and number_ok(store, answer, cost(period, b)), (
        answer.answer
    )


def test_a_provider_and_a_service_whose_rows_overlap_are_still_declined(
    request: pytest.FixtureRequest, settings: Settings
) -> None:
    store, answer = _ask(request, settings, "kohid", "microsoft vs azure openai in feb")
    assert judge(store, answer, "none", "")[0], answer.answer


# --------------------------------------------------------------- the spend words typed short


@pytest.mark.parametrize(
    ("question", "period"),
    [("spnd in feb?", K_FEB), ("wat did we spnt in january", K_JAN), ("total cst feb", K_FEB)],
)
def test_the_spend_words_typed_short_are_read(
    request: pytest.FixtureRequest, settings: Settings, question: str, period: str
) -> None:
    store, answer = _ask(request, settings, "kohid", question)
    assert number_ok(store, answer, cost(period)), answer.answer


# --------------------------------------------------------------- a count of a compound key named by its two words


@pytest.mark.parametrize(
    ("question", "key"),
    [("how many product apps do we have", "product-app"), ("how many runtime envs", "runtime-env")],
)
def test_a_count_of_a_compound_keys_values_named_by_its_words(
    request: pytest.FixtureRequest, settings: Settings, question: str, key: str
) -> None:
    store, answer = _ask(request, settings, "fjordlys", question)
    want = f"SELECT count(DISTINCT Tags->>'{key}') FROM costs WHERE Tags->>'{key}' IS NOT NULL"
    assert number_ok(store, answer, want), answer.answer


# --------------------------------------------------------------- a dimension's word after "by" / "per" is a grouping
# (branch billy24) 'stage' answers to the value staging through the environment synonyms; said where a grouping goes
# it names the env key's breakdown, never staging's spend

KH_AUG = between("2027-08-01", "2027-09-01")


@pytest.mark.parametrize(
    "question",
    [
        "costs per stage in august",
        "break down august spend by stage",
        "august spend broken down by stage",
        "spend per each stage in aug",
        "costs per environment in august",
    ],
)
def test_a_dimensions_word_after_by_or_per_is_a_grouping_not_a_value(
    request: pytest.FixtureRequest, settings: Settings, question: str
) -> None:
    store, answer = _ask(request, settings, "kitehawk", question)
    assert judge(store, answer, "which", which(KH_AUG, "Tags->>'env'"))[0], answer.answer
    assert "prod" in answer.answer and "staging" in answer.answer, answer.answer


def test_a_value_named_before_the_grouping_is_still_the_value(
    request: pytest.FixtureRequest, settings: Settings
) -> None:
    store, answer = _ask(request, settings, "kitehawk", "staging spend in august")
    assert number_ok(store, answer, cost(KH_AUG, tag("env", "staging"))), answer.answer


# --------------------------------------------------------------- "across all models": one figure over the dimension
# (branch billy24) each model's cost per 1M tokens was given for "across all models", no blended one


@pytest.mark.parametrize(
    ("company", "question", "period"),
    [
        ("yafo", "whats the blended cost per million tokens across all models in oct", Y_OCT),
        ("yafo", "cost per 1m tokens for all models together in september", Y_SEP),
        ("fjordlys", "avg cost per 1M tokens over all our models in april", F_APR),
        ("fjordlys", "all models combined, whats our cost per 1m tokens in april", F_APR),
    ],
)
def test_a_unit_cost_across_all_of_a_dimension_is_one_blended_figure(
    request: pytest.FixtureRequest, settings: Settings, company: str, question: str, period: str
) -> None:
    store, answer = _ask(request, settings, company, question)
    assert number_ok(store, answer, _unit(period, "true")), answer.answer
    assert "by model" not in answer.answer.lower(), answer.answer


def test_each_models_unit_cost_is_still_asked_by_model(
    request: pytest.FixtureRequest, settings: Settings
) -> None:
    store, answer = _ask(request, settings, "yafo", "cost per 1m tokens by model in oct")
    assert "by model" in answer.answer.lower(), answer.answer


# --------------------------------------------------------------- a telemetry customer across two periods
# (branch billy24) declined before: the attribution is run once for each period


@pytest.mark.parametrize(
    ("question", "customers"),
    [
        ("how did negev-energy's cost change from sep to oct", ["negev-energy"]),
        ("carmel health spend september vs october", ["carmel-health"]),
        ("galil-retail and negev-energy cost in sep vs oct", ["galil-retail", "negev-energy"]),
    ],
)
def test_a_telemetry_customer_across_two_periods_is_attributed_once_per_period(
    request: pytest.FixtureRequest, settings: Settings, question: str, customers: list[str]
) -> None:
    store, answer = _ask(request, settings, "yafo", question)
    for who in customers:
        for start, end in (("2028-09-01", "2028-10-01"), ("2028-10-01", "2028-11-01")):
            want, _ = expected(store, "number", customer_cost(start, end, who))
            assert judged(answer.answer, None, "number", want, ()), (
                f"{who} {start}: {want:.2f}; {answer.answer}"
            )
    assert "each period attributed on its own" in answer.answer, answer.answer
