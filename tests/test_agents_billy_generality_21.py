"""The general fixes behind Billy's twenty-first blind round, each tested on its own over several phrasings and on
the round's companies (Matariki Orchards, NZD, GPU boxes; Jabuti Pagamentos, BRL, a commitment and no GPUs).
Expected figures come from hand-written SQL over the imported rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from billy_harness import between, commitment_payg, cost, judge, number_ok, round_store, tag
from fixtures.billy.jabuti import build as build_jabuti
from fixtures.billy.matariki import build as build_matariki
from spendscope.agents.billy import ask
from spendscope.data.settings import Settings
from spendscope.data.store import Store

M_TODAY, J_TODAY = dt.date(2027, 11, 17), dt.date(2027, 6, 30)
M_SEP = between("2027-09-01", "2027-10-01")
J_APR = between("2027-04-01", "2027-05-01")
J_MAY = between("2027-05-01", "2027-06-01")
J_JUN = between("2027-06-01", "2027-06-30")
PT = "bedrock-pt-haiku-fraude"


@pytest.fixture(scope="module")
def matariki(tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = tmp_path_factory.mktemp("matariki21")
    return round_store(folder, build_matariki(folder), "matariki")


@pytest.fixture(scope="module")
def jabuti(tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = tmp_path_factory.mktemp("jabuti21")
    return round_store(folder, build_jabuti(folder), "jabuti")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(state_dir=tmp_path / "state", db=Path("/nonexistent"))


def _ask(request: pytest.FixtureRequest, settings: Settings, company: str, question: str, **kw: object):  # type: ignore[no-untyped-def]
    store = request.getfixturevalue(company)
    today = M_TODAY if company == "matariki" else J_TODAY
    return store, ask(store, question, as_of=today, settings=settings, **kw)


@pytest.mark.parametrize(
    "question", ["gpu spend in may", "how much did we spend on gpus last month", "gpu cost mtd"]
)
def test_gpu_spend_on_a_bill_without_a_known_gpu_instance_is_declined_not_zero(
    request: pytest.FixtureRequest, settings: Settings, question: str
) -> None:
    store, answer = _ask(request, settings, "jabuti", question)
    assert judge(store, answer, "none", "")[0], answer.answer
    assert "GPU instance" in answer.answer


@pytest.mark.parametrize("question", ["gpu spend in sept", "what did our gpus cost in september"])
def test_gpu_spend_is_the_gpu_boxes_cost_when_their_type_names_the_gpu(
    request: pytest.FixtureRequest, settings: Settings, question: str
) -> None:
    store, answer = _ask(request, settings, "matariki", question)
    assert number_ok(store, answer, cost(M_SEP, "ConsumedUnit = 'Hours'")), answer.answer


@pytest.mark.parametrize(
    "question",
    [
        "what would the fraud scoring haiku have cost on demand in may",
        "what would claude-haiku-4-5 have cost pay as you go in may",
        "what would fraud-scoring have been on payg in may",
    ],
)
def test_what_named_rows_would_have_cost_on_demand_is_their_commitments_pay_as_you_go_figure(
    request: pytest.FixtureRequest, settings: Settings, question: str
) -> None:
    store, answer = _ask(request, settings, "jabuti", question)
    assert number_ok(store, answer, commitment_payg(J_MAY, PT)), answer.answer
    assert not number_ok(store, answer, cost(J_MAY, f"ResourceName = '{PT}'")) or "against" in answer.answer


def test_named_rows_partly_on_a_commitment_add_their_own_pay_as_you_go_cost(
    request: pytest.FixtureRequest, settings: Settings
) -> None:
    store, answer = _ask(request, settings, "jabuti", "what would risco have paid pay as you go last month")
    rest = cost(J_MAY, f"{tag('equipe', 'risco')} AND CommitmentDiscountStatus IS NULL")
    both = f"SELECT ({commitment_payg(J_MAY, PT)}) + ({rest})"
    assert number_ok(store, answer, both), answer.answer


def test_on_demand_cost_of_a_model_without_commitment_is_declined(
    request: pytest.FixtureRequest, settings: Settings
) -> None:
    store, answer = _ask(request, settings, "jabuti", "what would gpt-4.1 have cost on demand in may")
    assert judge(store, answer, "none", "")[0], answer.answer


@pytest.mark.parametrize(
    "question",
    ["how much was support in may", "support spend in may", "how much did we spend on support last month"],
)
def test_an_ordinary_word_of_a_value_said_where_the_thing_goes_names_that_value(
    request: pytest.FixtureRequest, settings: Settings, question: str
) -> None:
    store, answer = _ask(request, settings, "jabuti", question)
    assert number_ok(store, answer, cost(J_MAY, tag("produto", "merchant-support"))), answer.answer
    assert not number_ok(store, answer, cost(J_MAY)), answer.answer


@pytest.mark.parametrize(
    "question",
    [
        "whats our take rate on pix this month",
        "gmv last month",
        "tpv in may",
        "ai cost as % of payment volume in may",
        "average order value in april",
    ],
)
def test_a_payments_or_commerce_business_figure_is_declined(
    request: pytest.FixtureRequest, settings: Settings, question: str
) -> None:
    store, answer = _ask(request, settings, "jabuti", question)
    assert judge(store, answer, "none", "")[0], answer.answer


@pytest.mark.parametrize("question", ["how much went unused in may", "how much was wasted last month"])
def test_what_went_unused_on_a_bill_with_commitments_is_their_unused_part(
    request: pytest.FixtureRequest, settings: Settings, question: str
) -> None:
    store, answer = _ask(request, settings, "jabuti", question)
    assert number_ok(
        store, answer, cost(J_MAY, f"ResourceName = '{PT}' AND CommitmentDiscountStatus = 'Unused'")
    )
    assert not number_ok(store, answer, cost(J_MAY)), answer.answer


def test_what_went_unused_after_a_commitments_saving_is_its_unused_part(
    request: pytest.FixtureRequest, settings: Settings
) -> None:
    kw = {"thread_id": "unused-after-saving"}
    _ask(request, settings, "jabuti", "how much did the bedrock pt save in april", **kw)
    store, answer = _ask(request, settings, "jabuti", "how much went unused in may", **kw)
    assert number_ok(store, answer, cost(J_MAY, "CommitmentDiscountStatus = 'Unused'")), answer.answer


@pytest.mark.parametrize("question", ["how much went unused in oct", "how much was wasted last month"])
def test_what_went_unused_on_a_bill_with_gpus_and_no_commitment_is_never_the_total(
    request: pytest.FixtureRequest, settings: Settings, question: str
) -> None:
    store, answer = _ask(request, settings, "matariki", question)
    assert not number_ok(store, answer, cost(between("2027-10-01", "2027-11-01"))), answer.answer
    assert "idle" in answer.answer


@pytest.mark.parametrize(
    ("company", "question"), [("matariki", "nov mtd?"), ("jabuti", "mtd?"), ("jabuti", "june mtd")]
)
def test_a_question_that_is_only_a_period_asks_what_it_cost(
    request: pytest.FixtureRequest, settings: Settings, company: str, question: str
) -> None:
    store, answer = _ask(request, settings, company, question)
    mtd = between("2027-11-01", "2027-11-17") if company == "matariki" else J_JUN
    assert number_ok(store, answer, cost(mtd)), answer.answer
    assert (
        " to date" in answer.answer
        and " to June" not in answer.answer
        and " to November" not in answer.answer
    )


@pytest.mark.parametrize(
    ("question", "where"),
    [
        ("whats june gonna be", "true"),
        ("eom forecast for deepseek", "ProviderName = 'DeepSeek'"),
        ("where will june land", "true"),
        ("eom for azure", "ProviderName = 'Microsoft'"),
    ],
)
def test_where_this_month_lands_is_asked_in_slack_words(
    request: pytest.FixtureRequest, settings: Settings, question: str, where: str
) -> None:
    store, answer = _ask(request, settings, "jabuti", question)
    assert judge(store, answer, "landing", cost(J_JUN, where))[0], answer.answer


@pytest.mark.parametrize("question", ["avg daily spend in june so far", "what do we burn per day this month"])
def test_a_daily_average_to_date_leaves_out_today_which_is_not_over(
    request: pytest.FixtureRequest, settings: Settings, question: str
) -> None:
    store, answer = _ask(request, settings, "jabuti", question)
    assert number_ok(store, answer, f"SELECT sum(EffectiveCost) / 29 FROM costs WHERE {J_JUN}"), answer.answer


def test_a_daily_average_of_a_finished_month_counts_every_day(
    request: pytest.FixtureRequest, settings: Settings
) -> None:
    store, answer = _ask(request, settings, "jabuti", "average daily spend in may")
    assert number_ok(store, answer, f"SELECT sum(EffectiveCost) / 31 FROM costs WHERE {J_MAY}"), answer.answer


@pytest.mark.parametrize(
    ("question", "resource"),
    [
        ("the label box in oct", "cw-l40s-label"),
        ("the grader box last month", "cw-h200-grader"),
        ("the h200s in oct", "cw-h200-grader"),
    ],
)
def test_a_machine_named_with_a_period_and_no_verb_asks_what_it_cost(
    request: pytest.FixtureRequest, settings: Settings, question: str, resource: str
) -> None:
    store, answer = _ask(request, settings, "matariki", question)
    oct_ = between("2027-10-01", "2027-11-01")
    assert number_ok(store, answer, cost(oct_, f"ResourceId = '{resource}'")), answer.answer


@pytest.mark.parametrize(
    "question", ["embeddings spend in oct", "embeddings cost last month", "the embeddings in oct"]
)
def test_the_plural_of_a_word_of_a_models_name_before_a_spend_word_names_the_model(
    request: pytest.FixtureRequest, settings: Settings, question: str
) -> None:
    store, answer = _ask(request, settings, "matariki", question)
    oct_ = between("2027-10-01", "2027-11-01")
    assert number_ok(store, answer, cost(oct_, "ChargeDescription LIKE 'text-embedding-3-large %'")), (
        answer.answer
    )


@pytest.mark.parametrize("question", ["uat spend in may", "etl spend in may"])
def test_a_three_letter_word_the_store_lacks_before_spend_is_declined_not_the_total(
    request: pytest.FixtureRequest, settings: Settings, question: str
) -> None:
    store, answer = _ask(request, settings, "jabuti", question)
    assert judge(store, answer, "none", "")[0], answer.answer


@pytest.mark.parametrize(
    "question", ["staging spend in may", "how much did homologation cost last month", "homolog spend in may"]
)
def test_staging_said_of_a_homologation_environment_names_it(
    request: pytest.FixtureRequest, settings: Settings, question: str
) -> None:
    store, answer = _ask(request, settings, "jabuti", question)
    assert number_ok(store, answer, cost(J_MAY, tag("ambiente", "hml"))), answer.answer


@pytest.mark.parametrize(
    ("question", "month"), [("the PT in april", J_APR), ("how much did the PT cost in may", J_MAY)]
)
def test_pt_for_provisioned_throughput_names_the_commitments(
    request: pytest.FixtureRequest, settings: Settings, question: str, month: str
) -> None:
    store, answer = _ask(request, settings, "jabuti", question)
    assert number_ok(store, answer, cost(month, f"ResourceName = '{PT}'")), answer.answer


def test_pt_at_a_company_without_commitments_states_no_figure(
    request: pytest.FixtureRequest, settings: Settings
) -> None:
    store, answer = _ask(request, settings, "matariki", "the PT in oct")
    assert judge(store, answer, "none", "")[0], answer.answer


@pytest.mark.parametrize(
    ("question", "period"),
    [
        ("the grader in sept", M_SEP),
        ("what did the grader cost in sept", M_SEP),
        ("the grader last month", between("2027-10-01", "2027-11-01")),
    ],
)
def test_a_word_of_one_machines_name_alone_after_the_names_that_machine(
    request: pytest.FixtureRequest, settings: Settings, question: str, period: str
) -> None:
    store, answer = _ask(request, settings, "matariki", question)
    assert number_ok(store, answer, cost(period, "ResourceId = 'cw-h200-grader'")), answer.answer


def test_a_word_of_a_machine_and_of_other_values_is_no_machine(
    request: pytest.FixtureRequest, settings: Settings
) -> None:
    store, answer = _ask(request, settings, "matariki", "the label in oct")  # label-ocr-l40s, label-translate
    assert judge(store, answer, "none", "")[0], answer.answer


def test_what_a_named_team_wasted_is_its_commitments_unused_part(
    request: pytest.FixtureRequest, settings: Settings
) -> None:
    store, answer = _ask(request, settings, "jabuti", "how much did risco waste in may")
    unused_risco = cost(J_MAY, f"{tag('equipe', 'risco')} AND CommitmentDiscountStatus = 'Unused'")
    assert number_ok(store, answer, unused_risco), answer.answer
    assert not number_ok(store, answer, cost(J_MAY, tag("equipe", "risco"))), answer.answer


def test_what_a_named_team_wasted_without_commitments_is_declined(
    request: pytest.FixtureRequest, settings: Settings
) -> None:
    store, answer = _ask(request, settings, "matariki", "how much did export waste in oct")
    assert judge(store, answer, "none", "")[0], answer.answer
