"""Round 29's wrong figures and refusals, each fixed as a rule and tested here on two small companies built for it,
neither of them the round's (Rimba Interactive, Qasr Care): Lumen Academy (TWD, a Taipei edtech tagging by faculty
/ course / cohort whose data starts mid-month, with Copilot-style seats billed monthly) and Brightwater Utilities
(PKR, a Karachi utility tagging by division / app / stage, with a provisioned-throughput commitment and a model
retired mid-period). Other wording than the round's. Expected figures come from hand-written SQL over the imported
rows."""

from __future__ import annotations

import csv
import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

import pytest
from billy_harness import between, judged, round_store, top_customer
from billy_harness import expected as _expected
from fixtures.billy.kestrel import HEADER
from fixtures.billy.synth import Commitment, Company, _base, _money, _month_end, _ts, commitment_rows
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
    telemetry: tuple[str, tuple[str, ...]] = ("none", ()),
) -> Company:  # type: ignore[type-arg]
    return Company(
        name=name,
        account_id=f"{name[:2].lower()}-01",
        region="ap-east-1",
        tag_keys=keys,
        start=start,
        end=end,
        seed=seed,
        streams=streams,
        spike=(start, streams[0][3], "input", 1),
        instances=[],
        instance_place=("Amazon Web Services", "Amazon EC2", "x-aws", "live"),
        instance_text=lambda t: (t, t),
        busy=lambda t, d, h: False,
        util=((0, 0), (0, 0)),
        gpu_name=lambda t: t,
        sample_minute=0,
        memory_total=0,
        telemetry_product=telemetry[0],
        telemetry_provider="openai",
        customers=telemetry[1],
        tokens_per_request=1000,
        currency=currency,
    )


L_TODAY, B_TODAY = dt.date(2027, 5, 20), dt.date(2026, 11, 12)
LUMEN = _company(
    "Lumen Academy", 2901, ("faculty", "course", "cohort"),
    [
        ("OpenAI", "OpenAI API", "la-oai", "gpt-4.1-mini", "12.8", "51.2", "science", "physics-tutor", "spring", 25),
        ("Anthropic", "Claude API", "la-ant", "claude-haiku-4-5", "32", "160", "arts", "essay-grader", "spring", 10),
        ("Google Cloud", "Vertex AI", "la-gcp", "gemini-2.5-flash", "9.6", "80", "science", "lab-helper", "autumn", 15),
        ("Anthropic", "Claude API", "la-ant", "claude-sonnet-4-5", "96", "480", "arts", "poetry-coach", "autumn", 3),
    ],
    "TWD", dt.date(2027, 2, 10), L_TODAY, ("physics-tutor", ("taichung-prep", "hsinchu-cram", "tainan-tutors")),
)  # fmt: skip
BRIGHT = _company(
    "Brightwater Utilities", 2902, ("division", "app", "stage"),
    [
        ("Microsoft", "Azure OpenAI", "bw-az", "gpt-4o", "700", "2800", "grid", "outage-bot", "live", 8),
        ("OpenAI", "OpenAI API", "bw-oai", "o4-mini", "308", "1232", "billing", "bill-explainer", "live", 10),
        ("Amazon Web Services", "Amazon Bedrock", "bw-aws", "claude-sonnet-4-5", "840", "4200", "grid", "meter-reader", "trial", 4),
        ("Amazon Web Services", "Amazon Bedrock", "bw-aws", "llama-3-70b", "200", "200", "billing", "dunning", "live", 6),
    ],
    "PKR", dt.date(2026, 8, 1), B_TODAY,
)  # fmt: skip
B_RETIRED = ("llama-3-70b", "2026-09-20")  # its last day


PTU = Commitment(
    provider="Microsoft",
    service="Azure OpenAI",
    account="bw-az",
    tags=("grid", "outage-bot", "live"),
    ident={
        "CommitmentDiscountId": "bw-az/ptu-7",
        "CommitmentDiscountName": "ptu-outage",
        "CommitmentDiscountType": "Provisioned Throughput",
        "CommitmentDiscountCategory": "Usage",
        "ResourceId": "bw-az/ptu-outage",
        "ResourceName": "ptu-outage",
        "SkuId": "azure-openai-ptu",
    },
    monthly=Decimal("400000"),
    purchase_text="Azure OpenAI provisioned throughput units (monthly)",
    model="gpt-4o",
)


def _licences(d: dt.date, rng: random.Random) -> tuple[list[dict], list[dict]]:
    """Lumen's 15 Windsurf licences, billed on the first of each month, untagged."""
    if d.day != 1:
        return [], []
    row = _base(LUMEN, d, "Windsurf", "Windsurf Teams", "la-windsurf", ("", "", ""))
    _money(row, 15 * Decimal("960"))
    row.update(
        Tags="",
        ChargeFrequency="Recurring",
        ChargePeriodEnd=_ts(_month_end(d)),
        ConsumedQuantity="15",
        ConsumedUnit="Licenses",
        PricingUnit="License-Month",
        PricingQuantity="15",
        ResourceId="la-windsurf/teams",
        ResourceName="windsurf-teams",
        ServiceCategory="Developer Tools",
    )
    return [row], []


def _ptu(d: dt.date, rng: random.Random) -> tuple[list[dict], list[dict]]:
    used = Decimal(str(round(rng.uniform(0.5, 0.9), 4)))
    days = (_month_end(d) - d.replace(day=1)).days
    payg = (PTU.monthly / days * used * Decimal("1.4")).quantize(Decimal("0.000001"))
    return commitment_rows(BRIGHT, PTU, d, used, str(payg), d.day == 1), []


@pytest.fixture(scope="module")
def lumen(tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = tmp_path_factory.mktemp("lumen29")
    return round_store(folder, build_company(folder, LUMEN, "lumen", extra=_licences), "lumen")


@pytest.fixture(scope="module")
def bright(tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = tmp_path_factory.mktemp("bright29")
    paths = build_company(folder, BRIGHT, "bright", extra=_ptu)
    _retire(paths["focus"], *B_RETIRED)
    return round_store(folder, paths, "bright")


def _retire(path: Path, model: str, last: str) -> None:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = [
            r
            for r in csv.DictReader(fh)
            if not (r["ResourceId"].endswith(f"/{model}") and r["ChargePeriodStart"][:10] > last)
        ]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(state_dir=tmp_path, db=Path("/nonexistent"))


_TODAY = {"lumen": L_TODAY, "bright": B_TODAY}


def _ask(request: pytest.FixtureRequest, settings: Settings, company: str, question: str, **kw: object):  # type: ignore[no-untyped-def]
    store = request.getfixturevalue(company)
    return store, ask(store, question, as_of=_TODAY[company], settings=settings, **kw)


def _number(store: Store, answer: object, sql: str) -> tuple[bool, float]:
    want, _ = _expected(store, "number", sql)
    return judged(answer.answer, answer.value, "number", want, ()), want  # type: ignore[attr-defined]


ONE_DAY = "ChargePeriodEnd - ChargePeriodStart <= INTERVAL 1 DAY"


def _per_day(period: str, days: str, n: int) -> str:
    return f"SELECT sum(EffectiveCost) / {n} FROM costs WHERE {period} AND {days} AND {ONE_DAY}"


@pytest.mark.parametrize(
    ("company", "question", "sql"),
    [
        (  # April 2027: 8 weekend days, 22 weekdays
            "lumen",
            "what do we spend per weekend day on average in april",
            _per_day(between("2027-04-01", "2027-05-01"), "dayofweek(ChargePeriodStart) IN (0, 6)", 8),
        ),
        (
            "lumen",
            "mean daily spend on weekdays in april",
            _per_day(between("2027-04-01", "2027-05-01"), "dayofweek(ChargePeriodStart) NOT IN (0, 6)", 22),
        ),
        (  # October 2026: five Fridays
            "bright",
            "average friday spend in october",
            _per_day(between("2026-10-01", "2026-11-01"), "dayofweek(ChargePeriodStart) = 5", 5),
        ),
    ],
)
def test_an_average_over_days_of_the_week_divides_by_those_days_only(
    request: pytest.FixtureRequest, settings: Settings, company: str, question: str, sql: str
) -> None:
    store, answer = _ask(request, settings, company, question)
    ok, want = _number(store, answer, sql)
    assert ok, f"{question!r}: expected {want:.2f}; got {answer.answer}"


def test_an_average_over_a_period_the_data_covers_in_part_divides_by_the_days_it_covers(
    request: pytest.FixtureRequest, settings: Settings
) -> None:
    """Lumen's data starts 2027-02-10: February's average is over its 19 days in the data, not 28."""
    store, answer = _ask(request, settings, "lumen", "whats our typical daily burn for february")
    ok, want = _number(
        store,
        answer,
        f"SELECT sum(EffectiveCost) / 19 FROM costs WHERE {between('2027-02-01', '2027-03-01')}",
    )
    assert ok, f"expected {want:.2f}; got {answer.answer}"
    assert "2027-02-10" in answer.answer


def _ranked_without_leaders(period: str, expr: str, k: int, desc: bool = True) -> str:
    """The values of `expr` ranked, the first `k` (the leaders left out) moved to the end."""
    inner = (
        f"SELECT {expr} AS k, sum(EffectiveCost) AS v, row_number() OVER (ORDER BY sum(EffectiveCost) "
        f"{'DESC' if desc else 'ASC'}) AS n FROM costs WHERE {period} AND {expr} IS NOT NULL GROUP BY 1"
    )
    return f"SELECT k, v FROM ({inner}) ORDER BY n <= {k}, n"


@pytest.mark.parametrize(
    ("company", "question", "sql"),
    [
        (
            "lumen",
            "5 priciest courses in april apart from the top one",
            _ranked_without_leaders(between("2027-04-01", "2027-05-01"), "Tags->>'course'", 1),
        ),
        (
            "bright",
            "which apps cost most in october, ignoring the top 2",
            _ranked_without_leaders(between("2026-10-01", "2026-11-01"), "Tags->>'app'", 2),
        ),
        (
            "bright",
            "cheapest divisions last month other than the smallest",
            _ranked_without_leaders(between("2026-10-01", "2026-11-01"), "Tags->>'division'", 1, desc=False),
        ),
    ],
)
def test_a_ranking_that_leaves_out_its_leaders_starts_after_them(
    request: pytest.FixtureRequest, settings: Settings, company: str, question: str, sql: str
) -> None:
    store, answer = _ask(request, settings, company, question)
    want, candidates = _expected(store, "which", sql)
    assert judged(answer.answer, answer.value, "which", want, candidates), (
        f"{question!r}: {want}; got {answer.answer}"
    )


@pytest.mark.parametrize(
    ("company", "question", "sql"),
    [
        (
            "lumen",
            "if we'd switched off the poetry coach in april what would we have saved",
            f"SELECT sum(EffectiveCost) FROM costs WHERE {between('2027-04-01', '2027-05-01')} "
            "AND Tags->>'course' = 'poetry-coach'",
        ),
        (
            "bright",
            "how much would we have saved by shutting down o4-mini in october",
            f"SELECT sum(EffectiveCost) FROM costs WHERE {between('2026-10-01', '2026-11-01')} "
            "AND ChargeDescription LIKE 'o4-mini %'",
        ),
    ],
)
def test_turning_named_rows_off_over_a_past_period_saves_their_spend_in_it(
    request: pytest.FixtureRequest, settings: Settings, company: str, question: str, sql: str
) -> None:
    store, answer = _ask(request, settings, company, question)
    ok, want = _number(store, answer, sql)
    assert ok, f"{question!r}: expected {want:.2f}; got {answer.answer}"


@pytest.mark.parametrize(
    ("company", "question", "model"),
    [
        ("lumen", "what did 2.5 cost us in march", "gemini-2.5-flash"),
        ("bright", "4.5 spend in october?", "claude-sonnet-4-5"),
    ],
)
def test_a_version_written_alone_names_the_models_that_carry_it(
    request: pytest.FixtureRequest, settings: Settings, company: str, question: str, model: str
) -> None:
    """Never the whole bill's total with the version dropped."""
    store, answer = _ask(request, settings, company, question)
    month = between("2027-03-01", "2027-04-01") if company == "lumen" else between("2026-10-01", "2026-11-01")
    ok, want = _number(
        store,
        answer,
        f"SELECT sum(EffectiveCost) FROM costs WHERE {month} AND ChargeDescription LIKE '{model} %'",
    )
    assert ok and model in answer.answer, (
        f"{question!r}: expected {want:.2f} for {model}; got {answer.answer}"
    )


@pytest.mark.parametrize(
    ("company", "turns", "sql"),
    [
        (
            "lumen",
            ["which provider cost the most in april", "what was spend apart from that one"],
            "SELECT sum(EffectiveCost) FILTER (WHERE ProviderName <> (SELECT ProviderName FROM costs WHERE "
            f"{between('2027-04-01', '2027-05-01')} GROUP BY 1 ORDER BY sum(EffectiveCost) DESC LIMIT 1)) "
            f"FROM costs WHERE {between('2027-04-01', '2027-05-01')}",
        ),
        (
            "bright",
            ["which app spent most in october", "total excluding it?"],
            "SELECT sum(EffectiveCost) FILTER (WHERE coalesce(Tags->>'app', '') <> (SELECT Tags->>'app' FROM costs "
            f"WHERE {between('2026-10-01', '2026-11-01')} AND Tags->>'app' IS NOT NULL GROUP BY 1 "
            f"ORDER BY sum(EffectiveCost) DESC LIMIT 1)) FROM costs WHERE {between('2026-10-01', '2026-11-01')}",
        ),
    ],
)
def test_a_follow_up_that_leaves_out_the_answer_before_is_everything_else(
    request: pytest.FixtureRequest, settings: Settings, company: str, turns: list[str], sql: str
) -> None:
    thread = f"left-out-{company}"
    for question in turns:
        store, answer = _ask(request, settings, company, question, thread_id=thread)
    ok, want = _number(store, answer, sql)
    assert ok, f"{turns[-1]!r}: expected {want:.2f}; got {answer.answer}"


def test_when_named_rows_stopped_is_their_last_day_with_spend(
    request: pytest.FixtureRequest, settings: Settings
) -> None:
    """Brightwater's llama-3-70b has no rows after 2026-09-20; o4-mini runs to the data's end (not stopped)."""
    _, answer = _ask(request, settings, "bright", "when did we last use llama")
    assert answer.value == "2026-09-20" and "2026-09-20" in answer.answer, answer.answer
    _, answer = _ask(request, settings, "bright", "when did we stop using o4-mini")
    assert answer.value is None and "not stopped" in answer.answer, answer.answer


@pytest.mark.parametrize(
    ("company", "question", "sql"),
    [
        (
            "lumen",
            "cost per windsurf licence in april",
            f"SELECT sum(EffectiveCost) / sum(ConsumedQuantity) FROM costs WHERE {between('2027-04-01', '2027-05-01')} "
            "AND ProviderName = 'Windsurf'",
        ),
        (
            "bright",
            "what does the ptu cost us per hour in october",
            f"SELECT sum(EffectiveCost) / sum(ConsumedQuantity) FROM costs WHERE {between('2026-10-01', '2026-11-01')} "
            "AND ResourceName = 'ptu-outage'",
        ),
    ],
)
def test_a_cost_per_seat_or_per_commitment_hour_is_over_the_bills_own_quantity(
    request: pytest.FixtureRequest, settings: Settings, company: str, question: str, sql: str
) -> None:
    store, answer = _ask(request, settings, company, question)
    ok, want = _number(store, answer, sql)
    assert ok, f"{question!r}: expected {want:.2f}; got {answer.answer}"


def test_partners_are_telemetry_customers(request: pytest.FixtureRequest, settings: Settings) -> None:
    """Lumen's telemetry customers (schools it serves): "partners" asks for them, as "clients" does."""
    store, answer = _ask(request, settings, "lumen", "which of our partners cost the most in april")
    want, candidates = _expected(store, "which", top_customer("2027-04-01", "2027-05-01"))
    assert judged(answer.answer, answer.value, "which", want, candidates), (
        f"expected {want}; got {answer.answer}"
    )


def _one_weekday(period: str, isodow: int, days: int) -> str:
    return (
        f"SELECT sum(EffectiveCost) / {days} FROM costs WHERE {period} AND isodow(ChargePeriodStart) = {isodow} "
        f"AND {ONE_DAY}"
    )


@pytest.mark.parametrize(
    ("company", "question", "sqls"),
    [
        (  # October 2026: four Tuesdays, five Saturdays
            "bright",
            "tue vs sat spend in october",
            [
                _one_weekday(between("2026-10-01", "2026-11-01"), 2, 4),
                _one_weekday(between("2026-10-01", "2026-11-01"), 6, 5),
            ],
        ),
        (  # April 2027: five Thursdays, four Sundays
            "lumen",
            "avg thursdays against sundays in april",
            [
                _one_weekday(between("2027-04-01", "2027-05-01"), 4, 5),
                _one_weekday(between("2027-04-01", "2027-05-01"), 7, 4),
            ],
        ),
    ],
)
def test_two_days_of_the_week_compared_are_each_shown_per_day(
    request: pytest.FixtureRequest, settings: Settings, company: str, question: str, sqls: list[str]
) -> None:
    """Not a month-over-month change of the whole bill: each day's spend, and per such day."""
    store, answer = _ask(request, settings, company, question)
    for sql in sqls:
        ok, want = _number(store, answer, sql)
        assert ok, f"{question!r}: expected {want:.2f}; got {answer.answer}"
