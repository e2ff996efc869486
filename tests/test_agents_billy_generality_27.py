"""Round 27's wrong figures and refusals, each fixed as a rule and tested here on two small companies built for it,
neither of them the round's (Dagat Voice, Eko Stream): Pelican Parcel (EUR, a Rotterdam parcel locker network whose
claude-haiku-4-5 on Bedrock is partly served by a provisioned-throughput commitment from May; its data starts
2027-04-12, inside Q2) and Quokka Tutor (AUD, a Perth tutoring app, Claude on Vertex only and GPT on Azure only).
Other wording than the round's. Expected figures come from hand-written SQL over the imported rows."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

import pytest
from billy_harness import ANY_MODEL, TOKENS, between, expected, judge, judged, model_is, round_store
from billy_harness import unit_sql as _unit
from fixtures.billy.synth import Commitment, Company, commitment_rows
from fixtures.billy.synth import build as build_company
from spendscope.agents.billy import ask
from spendscope.data.settings import Settings
from spendscope.data.store import Store


def _company(
    name: str,
    seed: int,
    keys: tuple[str, str, str],
    streams: list,
    currency: str,
    start: dt.date,
    end: dt.date,
    spike: tuple[dt.date, str, str, int],
) -> Company:  # type: ignore[type-arg]
    return Company(
        name=name,
        account_id=f"{name[:2].lower()}-01",
        region="eu-central-1",
        tag_keys=keys,
        start=start,
        end=end,
        seed=seed,
        streams=streams,
        spike=spike,
        instances=[],
        instance_place=("Amazon Web Services", "Amazon EC2", "x-aws", "live"),
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
        currency=currency,
    )


P_TODAY, Q_TODAY = dt.date(2027, 7, 1), dt.date(2026, 10, 7)
PELICAN = _company(
    "Pelican Parcel", 2701, ("cell", "workload", "lane"),
    [
        ("Amazon Web Services", "Amazon Bedrock", "pp-aws", "claude-haiku-4-5", "0.9", "4.5", "ops", "locker-triage", "live", 20),
        ("Anthropic", "Claude API", "pp-ant", "claude-sonnet-4-5", "2.8", "14", "care", "refund-mail", "live", 4),
        ("Google Cloud", "Vertex AI", "pp-gcp", "gemini-2.5-flash", "0.28", "2.3", "ops", "route-hints", "trial", 15),
        ("OpenAI", "OpenAI API", "pp-oai", "gpt-4.1-mini", "0.37", "1.5", "care", "chat-widget", "live", 25),
    ],
    "EUR", dt.date(2027, 4, 12), dt.date(2027, 7, 1), (dt.date(2027, 6, 15), "claude-sonnet-4-5", "output", 9),
)  # fmt: skip
QUOKKA = _company(
    "Quokka Tutor", 2702, ("faculty", "feature", "tier"),
    [
        ("Google Cloud", "Vertex AI", "qt-gcp", "claude-sonnet-4-5", "4.5", "22.5", "maths", "step-hints", "live", 3),
        ("Google Cloud", "Vertex AI", "qt-gcp", "gemini-2.5-flash", "0.45", "3.8", "english", "essay-marking", "live", 20),
        ("Microsoft", "Azure OpenAI", "qt-azure", "gpt-4o-mini", "0.23", "0.9", "english", "reading-buddy", "beta", 30),
        ("OpenAI", "OpenAI API", "qt-oai", "o4-mini", "1.7", "6.6", "science", "lab-coach", "beta", 5),
    ],
    "AUD", dt.date(2026, 7, 6), dt.date(2026, 10, 7), (dt.date(2026, 9, 15), "o4-mini", "input", 8),
)  # fmt: skip
PT = Commitment(
    provider="Amazon Web Services",
    service="Amazon Bedrock",
    account="pp-aws",
    tags=("ops", "locker-triage", "live"),
    ident={
        "CommitmentDiscountId": "pp-aws/pt-haiku-01",
        "CommitmentDiscountName": "pt-haiku-lockers",
        "CommitmentDiscountType": "Provisioned Throughput",
        "CommitmentDiscountCategory": "Usage",
        "ResourceId": "pp-aws/pt-haiku-lockers",
        "ResourceName": "pt-haiku-lockers",
        "SkuId": "bedrock-provisioned-throughput",
    },
    monthly=Decimal("3100"),
    purchase_text="Amazon Bedrock provisioned throughput (monthly)",
    model="claude-haiku-4-5",
)


def _pelican_commitment(d: dt.date, rng: random.Random) -> tuple[list[dict], list[dict]]:
    if d < dt.date(2027, 5, 1):
        return [], []
    used = Decimal(str(round(rng.uniform(0.6, 0.95), 4)))
    return commitment_rows(PELICAN, PT, d, used, "0", d.day == 1), []


@pytest.fixture(scope="module")
def pelican(tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = tmp_path_factory.mktemp("pelican27")
    return round_store(
        folder, build_company(folder, PELICAN, "pelican", extra=_pelican_commitment), "pelican"
    )


@pytest.fixture(scope="module")
def quokka(tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = tmp_path_factory.mktemp("quokka27")
    return round_store(folder, build_company(folder, QUOKKA, "quokka"), "quokka")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(state_dir=tmp_path, db=Path("/nonexistent"))


_TODAY = {"pelican": P_TODAY, "quokka": Q_TODAY}


def _ask(request: pytest.FixtureRequest, settings: Settings, company: str, question: str, **kw: object):  # type: ignore[no-untyped-def]
    store = request.getfixturevalue(company)
    return store, ask(store, question, as_of=_TODAY[company], settings=settings, **kw)


P_JUN = between("2027-06-01", "2027-07-01")
P_MAY = between("2027-05-01", "2027-06-01")


@pytest.mark.parametrize(
    ("question", "period"),
    [
        ("cost per million tokens broken down by model in june", P_JUN),
        ("cost per 1m tokens for each model in may", P_MAY),
    ],
)
def test_a_unit_cost_by_model_leaves_a_commitments_hours_out_as_the_blended_does(
    request: pytest.FixtureRequest, settings: Settings, question: str, period: str
) -> None:
    """Pelican's Haiku: its token rows' cost over their tokens; the commitment's fee over those tokens (hours, not
    tokens) overstated it."""
    store, answer = _ask(request, settings, "pelican", question)
    right, _ = expected(store, "number", _unit(period, model_is("claude-haiku-4-5")))
    wrong, _ = expected(
        store,
        "number",
        f"SELECT sum(EffectiveCost) FILTER (WHERE {ANY_MODEL} = 'claude-haiku-4-5') / sum(ConsumedQuantity) FILTER "
        f"(WHERE {TOKENS} AND {model_is('claude-haiku-4-5')}) * 1000000 FROM costs WHERE {period}",
    )
    assert judged(answer.answer, None, "number", right, ()), (
        f"expected Haiku's {right:.4f}; got {answer.answer}"
    )
    assert not judged(answer.answer, None, "number", wrong, ()), (
        f"commitment counted ({wrong:.4f}): {answer.answer}"
    )


@pytest.mark.parametrize(
    ("company", "question", "start", "end", "days", "month_days", "begins"),
    [
        (
            "pelican",
            "what's the monthly run rate for q2",
            "2027-04-12",
            "2027-07-01",
            80,
            91 / 3,
            "2027-04-12",
        ),
        ("quokka", "run rate in july?", "2026-07-06", "2026-08-01", 26, 31, "2026-07-06"),
    ],
)
def test_a_run_rate_over_a_period_the_data_starts_inside_is_the_held_days_pace(
    request: pytest.FixtureRequest,
    settings: Settings,
    company: str,
    question: str,
    start: str,
    end: str,
    days: int,
    month_days: float,
    begins: str,
) -> None:
    """The pace of the days the data holds (not their cost spread over the whole period's days), and the data's
    first day said."""
    store, answer = _ask(request, settings, company, question)
    held, _ = expected(store, "number", f"SELECT sum(EffectiveCost) FROM costs WHERE {between(start, end)}")
    want = held / days * month_days
    assert judged(answer.answer, answer.value, "number", want, ()), (
        f"expected {want:.2f}; got {answer.answer}"
    )
    assert begins in answer.answer, f"expected the data's start {begins}; got {answer.answer}"


@pytest.mark.parametrize(
    ("company", "question"),
    [
        ("pelican", "how much did the growth cell spend in may"),
        ("pelican", "prod env cost last month"),
        ("quokka", "forecast faculty spend in sept"),
        ("quokka", "staging env spend in august"),
    ],
)
def test_a_known_word_where_an_owners_name_goes_is_no_value_and_is_declined(
    request: pytest.FixtureRequest, settings: Settings, company: str, question: str
) -> None:
    """A word Billy reads as vocabulary (a cue, an environment spelling) before a tag key or environment word and a
    spend word, which the store holds as no value: no figure (the whole bill or every owner's change was stated)."""
    store, answer = _ask(request, settings, company, question)
    assert judge(store, answer, "none", "")[0], f"expected no figure; got {answer.answer}"


@pytest.mark.parametrize(
    ("company", "question", "where", "period"),
    [
        ("pelican", "how much did the ops cell spend in may", "Tags->>'cell' = 'ops'", P_MAY),
        (
            "quokka",
            "maths faculty spend in sept",
            "Tags->>'faculty' = 'maths'",
            between("2026-09-01", "2026-10-01"),
        ),
        ("quokka", "live tier cost in august", "Tags->>'tier' = 'live'", between("2026-08-01", "2026-09-01")),
    ],
)
def test_a_value_before_its_key_word_is_still_its_spend(
    request: pytest.FixtureRequest, settings: Settings, company: str, question: str, where: str, period: str
) -> None:
    store, answer = _ask(request, settings, company, question)
    want, _ = expected(store, "number", f"SELECT sum(EffectiveCost) FROM costs WHERE {period} AND {where}")
    assert judged(answer.answer, answer.value, "number", want, ()), (
        f"expected {want:.2f}; got {answer.answer}"
    )


@pytest.mark.parametrize(
    ("company", "question", "home"),
    [
        ("quokka", "claude on azure spend in sept", "vertex ai|google cloud"),
        ("quokka", "what did gpt-4o-mini on vertex cost in august", "azure openai|microsoft"),
        ("pelican", "gemini spend via bedrock last month", "vertex ai|google cloud"),
    ],
)
def test_a_model_on_a_provider_it_never_ran_on_is_no_zero_and_says_where_it_ran(
    request: pytest.FixtureRequest, settings: Settings, company: str, question: str, home: str
) -> None:
    """Both names hold spend, never on one row: no 0.00 stated as the pair's figure; where the model ran said."""
    _, answer = _ask(request, settings, company, question)
    assert answer.value is None, f"expected no figure for the pair; got {answer.value}: {answer.answer}"
    assert "0.00 " not in answer.answer.split("Assumed:")[0], f"a 0.00 stated; got {answer.answer}"
    assert any(h in answer.answer.lower() for h in home.split("|")), (
        f"expected where it ran ({home}): {answer.answer}"
    )


@pytest.mark.parametrize(
    ("company", "turns", "day", "key"),
    [
        (
            "pelican",
            ("what was the most expensive day in june", "why?", "which cell drove it"),
            "2027-06-15",
            "cell",
        ),
        ("quokka", ("priciest day in september?", "why", "what tier was behind it"), "2026-09-15", "tier"),
    ],
)
def test_which_tag_drove_it_after_why_groups_by_that_tag(
    request: pytest.FixtureRequest,
    settings: Settings,
    company: str,
    turns: tuple[str, ...],
    day: str,
    key: str,
) -> None:
    """After "why?" about a day, "which <tag> drove it" names that tag's value whose cost rose most, not the turn
    before's model and token type again."""
    store = request.getfixturevalue(company)
    answer = None
    for question in turns:
        answer = ask(store, question, as_of=_TODAY[company], thread_id=f"{company}-drove", settings=settings)
    assert answer is not None
    before = (dt.date.fromisoformat(day) - dt.timedelta(days=7)).isoformat()
    riser, _ = expected(
        store,
        "which",
        f"SELECT Tags->>'{key}' k, sum(EffectiveCost) FILTER (WHERE CAST(ChargePeriodStart AS DATE) = DATE '{day}') "
        f"- sum(EffectiveCost) FILTER (WHERE CAST(ChargePeriodStart AS DATE) = DATE '{before}') v FROM costs "
        f"WHERE Tags->>'{key}' IS NOT NULL GROUP BY 1 ORDER BY v DESC",
    )
    assert f"{key} {riser}" in answer.answer, f"expected {key} {riser}; got {answer.answer}"


@pytest.mark.parametrize(
    "question",
    ["we budgeted 3k aud for october - on track?", "budgeting only 2.5k for this month, will we go over"],
)
def test_a_budget_said_with_the_verb_is_the_months_landing_against_it(
    request: pytest.FixtureRequest, settings: Settings, question: str
) -> None:
    """ "we budgeted X for <month>": the month's landing against X, none stored (the words were read as unknown
    names and the question declined)."""
    store, answer = _ask(request, settings, "quokka", question)
    ok, want = judge(
        store,
        answer,
        "landing",
        f"SELECT sum(EffectiveCost) FROM costs WHERE {between('2026-10-01', '2026-10-07')}",
    )
    assert ok, f"{want}; got {answer.answer}"
    assert "stated" in answer.answer, f"expected the budget said as the question's; got {answer.answer}"
