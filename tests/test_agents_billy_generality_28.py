"""Round 28's wrong figures and refusals, each fixed as a rule and tested here on two small companies built for it,
neither of them the round's (Juridica Labs, Selat Freight): Tamarind Health (EGP, a Cairo telehealth app whose
o4-mini appears only in the last 8 days of its data) and Vireo Games (CAD, a Montreal game studio whose Sonnet on
Bedrock is partly served by a provisioned-throughput commitment). Other wording than the round's. Expected figures
come from hand-written SQL over the imported rows."""

from __future__ import annotations

import csv
import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

import pytest
from billy_harness import (
    between,
    cost,
    judged,
    model_is,
    pct,
    round_store,
    saved,
    scaled_sql,
    share,
    swap_sql,
    tag,
    top_is,
)
from billy_harness import expected as _expected
from fixtures.billy.kestrel import HEADER
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


T_TODAY, V_TODAY = dt.date(2027, 10, 14), dt.date(2027, 1, 20)
T_NEW = ("o4-mini", "2027-10-06")  # its rows start 8 days before Tamarind's today
TAMARIND = _company(
    "Tamarind Health", 2801, ("squad", "journey", "tier"),
    [
        ("OpenAI", "OpenAI API", "th-oai", "gpt-4.1-mini", "19", "76", "care", "symptom-check", "gold", 30),
        ("OpenAI", "OpenAI API", "th-oai", "o4-mini", "53", "212", "care", "triage-notes", "gold", 6),
        ("Anthropic", "Claude API", "th-ant", "claude-haiku-4-5", "48", "240", "pharmacy", "refill-bot", "basic", 12),
        ("Google Cloud", "Vertex AI", "th-gcp", "gemini-2.5-pro", "60", "480", "labs", "report-reader", "gold", 5),
    ],
    "EGP", dt.date(2027, 7, 19), dt.date(2027, 10, 14), (dt.date(2027, 9, 8), "gemini-2.5-pro", "input", 10),
)  # fmt: skip
VIREO = _company(
    "Vireo Games", 2802, ("studio", "title", "ring"),
    [
        ("Amazon Web Services", "Amazon Bedrock", "vg-aws", "claude-sonnet-4-5", "4.1", "20.5", "north", "npc-dialog", "live", 6),
        ("Microsoft", "Azure OpenAI", "vg-azure", "gpt-4o", "3.4", "13.6", "south", "quest-gen", "live", 5),
        ("OpenAI", "OpenAI API", "vg-oai", "gpt-5-mini", "0.34", "2.7", "north", "moderation", "test", 30),
    ],
    "CAD", dt.date(2026, 10, 1), dt.date(2027, 1, 20), (dt.date(2026, 12, 9), "gpt-4o", "output", 12),
)  # fmt: skip
PT = Commitment(
    provider="Amazon Web Services",
    service="Amazon Bedrock",
    account="vg-aws",
    tags=("north", "npc-dialog", "live"),
    ident={
        "CommitmentDiscountId": "vg-aws/ptu-sonnet-9",
        "CommitmentDiscountName": "ptu-sonnet-npc",
        "CommitmentDiscountType": "Provisioned Throughput",
        "CommitmentDiscountCategory": "Usage",
        "ResourceId": "vg-aws/ptu-sonnet-npc",
        "ResourceName": "ptu-sonnet-npc",
        "SkuId": "bedrock-provisioned-throughput",
    },
    monthly=Decimal("2500"),
    purchase_text="Amazon Bedrock provisioned throughput (monthly)",
    model="claude-sonnet-4-5",
)


def _vireo_commitment(d: dt.date, rng: random.Random) -> tuple[list[dict], list[dict]]:
    used = Decimal(str(round(rng.uniform(0.55, 0.9), 4)))
    days = ((d.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - d.replace(day=1)).days
    payg = (PT.monthly / days * used * Decimal("1.5")).quantize(Decimal("0.000001"))
    return commitment_rows(VIREO, PT, d, used, str(payg), d.day == 1), []


def _late_model(path: Path, model: str, since: str) -> None:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = [
            r
            for r in csv.DictReader(fh)
            if not (r["ResourceId"].endswith(f"/{model}") and r["ChargePeriodStart"][:10] < since)
        ]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def tamarind(tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = tmp_path_factory.mktemp("tamarind28")
    paths = build_company(folder, TAMARIND, "tamarind")
    _late_model(paths["focus"], *T_NEW)
    return round_store(folder, paths, "tamarind")


@pytest.fixture(scope="module")
def vireo(tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = tmp_path_factory.mktemp("vireo28")
    return round_store(folder, build_company(folder, VIREO, "vireo", extra=_vireo_commitment), "vireo")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(state_dir=tmp_path, db=Path("/nonexistent"))


_TODAY = {"tamarind": T_TODAY, "vireo": V_TODAY}


def _ask(request: pytest.FixtureRequest, settings: Settings, company: str, question: str, **kw: object):  # type: ignore[no-untyped-def]
    store = request.getfixturevalue(company)
    return store, ask(store, question, as_of=_TODAY[company], settings=settings, **kw)


def _number(store: Store, answer: object, sql: str) -> tuple[bool, float]:
    want, _ = _expected(store, "number", sql)
    return judged(answer.answer, answer.value, "number", want, ()), want  # type: ignore[attr-defined]


T_SEP = between("2027-09-01", "2027-10-01")
V_DEC = between("2026-12-01", "2027-01-01")
V_NOV = between("2026-11-01", "2026-12-01")


@pytest.mark.parametrize(
    ("company", "question", "sql"),
    [
        (
            "tamarind",
            "suppose anthropic pushed rates up by 12%, what would september have cost us",
            scaled_sql(T_SEP, "ProviderName = 'Anthropic'", "1.12"),
        ),
        (
            "tamarind",
            "if gemini pro were half the cost what would sept have come to",
            scaled_sql(T_SEP, model_is("gemini-2.5-pro"), "0.5"),
        ),
        (
            "vireo",
            "what if azure prices went down 30%, what would december have cost",
            scaled_sql(V_DEC, "ServiceName = 'Azure OpenAI'", "0.7"),
        ),
        (
            "vireo",
            "if gpt-4o cost double the price what would nov have been",
            scaled_sql(V_NOV, model_is("gpt-4o"), "2"),
        ),
    ],
)
def test_a_factor_said_after_its_direction_or_as_a_multiple_of_the_price_scales_the_rows(
    request: pytest.FixtureRequest, settings: Settings, company: str, question: str, sql: str
) -> None:
    """ "up 20%", "down by 30%", "half the cost", "double the price": the named rows' cost scaled by that factor and
    the whole bill with it, never the rows' share or their own spend."""
    store, answer = _ask(request, settings, company, question)
    ok, want = _number(store, answer, sql)
    assert ok, f"{question!r}: expected {want:,.2f}; got {answer.answer}"


@pytest.mark.parametrize(
    ("question", "period"),
    [
        ("the ptu's savings in december", V_DEC),
        ("reservation savings for november?", V_NOV),
    ],
)
def test_a_held_commitments_savings_as_a_noun_is_what_it_saved(
    request: pytest.FixtureRequest, settings: Settings, question: str, period: str
) -> None:
    """ "savings" as a noun about a commitment the bill holds, over a past period: what it saved (its used hours at
    pay-as-you-go less its cost), not the recommendations' saving still to find."""
    store, answer = _ask(request, settings, "vireo", question)
    ok, want = _number(store, answer, saved(period, "ptu-sonnet-npc"))
    assert ok, f"{question!r}: expected {want:,.2f}; got {answer.answer}"
    assert "recommendation" not in answer.answer.lower(), answer.answer


def test_a_savings_plans_utilisation_is_no_savings_question(
    request: pytest.FixtureRequest, settings: Settings
) -> None:
    """ "savings plan" names a kind of commitment: its utilisation asked is the utilisation (used over committed),
    not what it saved."""
    store, answer = _ask(request, settings, "vireo", "savings plan utilisation in december")
    sql = (
        "SELECT sum(EffectiveCost) FILTER (WHERE CommitmentDiscountStatus = 'Used') / sum(EffectiveCost) * 100 "
        f"FROM costs WHERE {V_DEC} AND ResourceName = 'ptu-sonnet-npc' AND CommitmentDiscountStatus IN ('Used', 'Unused')"
    )
    ok, want = _number(store, answer, sql)
    assert ok, f"expected {want:,.2f}%; got {answer.answer}"


def test_savings_still_to_find_on_commitments_stay_advice(
    request: pytest.FixtureRequest, settings: Settings
) -> None:
    """Savings that could be had ("what commitment savings could we get") are not what a commitment saved."""
    _store, answer = _ask(request, settings, "vireo", "what commitment savings could we get")
    assert "ptu-sonnet-npc" not in answer.answer or "saved" not in answer.answer.lower(), answer.answer


@pytest.mark.parametrize(
    ("company", "turns", "sql"),
    [
        (
            "vireo",
            ["north studio spend in december", "only bedrock", "what share of north is that"],
            share(V_DEC, "ServiceName = 'Amazon Bedrock'", tag("studio", "north")),
        ),
        (
            "tamarind",
            ["gpt-4.1-mini spend in sept", "what % of openai is it"],
            share(T_SEP, model_is("gpt-4.1-mini"), "ProviderName = 'OpenAI'"),
        ),
    ],
)
def test_share_of_a_named_whole_after_a_figure_is_the_figures_rows_over_that_whole(
    request: pytest.FixtureRequest, settings: Settings, company: str, turns: list[str], sql: str
) -> None:
    """ "what share of X is that": X (named after "share of") is the whole and the turn before's rows the part, even
    when the turn before was already inside X; never X's share of the part."""
    thread = f"share-of-{company}"
    for question in turns:
        store, answer = _ask(request, settings, company, question, thread_id=thread)
    ok, want = _number(store, answer, sql)
    assert ok, f"{turns[-1]!r}: expected {want:,.2f}; got {answer.answer}"


@pytest.mark.parametrize(
    ("company", "first", "second", "sql"),
    [
        (
            "tamarind",
            "which journey cost the most in sept",
            "how much",
            cost(T_SEP, top_is("Tags->>'journey'", T_SEP)),
        ),
        (
            "vireo",
            "top title by spend in december",
            "how much?",
            cost(V_DEC, top_is("Tags->>'title'", V_DEC)),
        ),
    ],
)
def test_a_bare_how_much_after_a_ranking_is_the_winners_amount(
    request: pytest.FixtureRequest, settings: Settings, company: str, first: str, second: str, sql: str
) -> None:
    """ "how much" alone (no name, period or pronoun) after "which X cost the most": the winner's amount, never
    the whole bill."""
    thread = f"bare-{company}"
    _ask(request, settings, company, first, thread_id=thread)
    store, answer = _ask(request, settings, company, second, thread_id=thread)
    want, _ = _expected(store, "number", sql)
    # the value, not any figure: the winner's rows here are also one provider's, which a total's answer names
    assert judged("", answer.value, "number", want, ()), (
        f"{second!r}: expected {want:,.2f}; got {answer.answer}"
    )


@pytest.mark.parametrize(
    ("company", "question", "sql"),
    [
        ("tamarind", "how much have we spent since the 1st", cost(between("2027-10-01", "2027-10-14"))),
        (
            "tamarind",
            "openai cost since the 5th?",
            cost(between("2027-10-05", "2027-10-14"), "ProviderName = 'OpenAI'"),
        ),
        ("vireo", "spend since the 25th", cost(between("2026-12-25", "2027-01-20"))),
    ],
)
def test_since_a_day_of_the_month_runs_from_that_day_to_today(
    request: pytest.FixtureRequest, settings: Settings, company: str, question: str, sql: str
) -> None:
    """ "since the 1st" / "since the 5th": from that day of this month to today; a day still ahead this month ("since
    the 25th" on the 20th) is last month's. Never an unknown name '1st'."""
    store, answer = _ask(request, settings, company, question)
    ok, want = _number(store, answer, sql)
    assert ok, f"{question!r}: expected {want:,.2f}; got {answer.answer}"


T_O4 = f"{between('2027-10-06', '2027-10-14')} AND {model_is('o4-mini')}"


def test_when_a_name_started_is_its_first_day_with_spend(
    request: pytest.FixtureRequest, settings: Settings
) -> None:
    """ "when did o4-mini first appear": the first day the model has spend (a date), not a spend figure."""
    _store, answer = _ask(request, settings, "tamarind", "when did o4-mini first appear on the bill")
    assert judged(answer.answer, answer.value, "date", "2027-10-06", ()), answer.answer


@pytest.mark.parametrize(
    ("question", "sql"),
    [
        (
            "o4-mini avg daily cost since it went live",
            f"SELECT sum(EffectiveCost) / 8 FROM costs WHERE {T_O4}",
        ),
        ("how much has o4-mini cost since launch", f"SELECT sum(EffectiveCost) FROM costs WHERE {T_O4}"),
    ],
)
def test_since_it_started_runs_from_the_names_first_day_with_spend(
    request: pytest.FixtureRequest, settings: Settings, question: str, sql: str
) -> None:
    """ "since it went live" / "since launch": from the model's first day with spend (8 days before today), not a
    default 30-day window that counts the days before it existed."""
    store, answer = _ask(request, settings, "tamarind", question)
    ok, want = _number(store, answer, sql)
    assert ok, f"{question!r}: expected {want:,.2f}; got {answer.answer}"


@pytest.mark.parametrize(
    ("company", "turns", "sql"),
    [
        (
            "tamarind",
            ["anthropic spend in sept", "and the month before", "as a percent?"],
            pct(T_SEP, between("2027-08-01", "2027-09-01"), "ProviderName = 'Anthropic'"),
        ),
        (
            "vireo",
            ["gpt-4o cost in december", "what about the month before?", "whats that in %"],
            pct(V_DEC, V_NOV, model_is("gpt-4o")),
        ),
    ],
)
def test_in_percent_after_two_periods_is_their_change_in_percent(
    request: pytest.FixtureRequest, settings: Settings, company: str, turns: list[str], sql: str
) -> None:
    """ "in %?" after a figure and "and the month before?": the later period against the earlier, in percent;
    never a decline for want of something to measure."""
    thread = f"pct-{company}"
    for question in turns:
        store, answer = _ask(request, settings, company, question, thread_id=thread)
    ok, want = _number(store, answer, sql)
    assert ok, f"{turns[-1]!r}: expected {want:,.2f}; got {answer.answer}"


@pytest.mark.parametrize(
    ("company", "question", "amount", "sql"),
    [
        (
            "tamarind",
            "theres a 90k egyptian pound budget for oct, on track?",
            "90,000",
            cost(between("2027-10-01", "2027-10-14")),
        ),
        (
            "vireo",
            "got a 6k dollars budget this month, will we go over",
            "6,000",
            cost(between("2027-01-01", "2027-01-20")),
        ),
    ],
)
def test_a_budget_with_its_currency_named_in_words_is_the_stated_budget(
    request: pytest.FixtureRequest, settings: Settings, company: str, question: str, amount: str, sql: str
) -> None:
    """ "a 90k egyptian pound budget", "a 6k dollars budget": the amount is the budget whatever the currency's name
    between it and "budget"; the month's actual and landing against it, never the currency's words as a name."""
    store, answer = _ask(request, settings, company, question)
    ok, want = _number(store, answer, sql)
    assert ok and amount in answer.answer, (
        f"{question!r}: expected {want:,.2f} and {amount}; got {answer.answer}"
    )


@pytest.mark.parametrize(
    ("company", "question", "sql"),
    [
        (
            "tamarind",
            "if we moved gemini pro to gpt-4.1-mini in sept whats the saving",
            swap_sql(T_SEP, "gemini-2.5-pro", "19", "76"),
        ),
        ("vireo", "if gpt-4o were 25% cheaper in december, what's the saving", None),
    ],
)
def test_the_singular_saving_asks_the_what_ifs_saving(
    request: pytest.FixtureRequest, settings: Settings, company: str, question: str, sql: str | None
) -> None:
    """ "whats the saving" (singular) in a model swap or a scaling what-if: the what-if's saving, never a decline
    for the word (as "savings" and "save" already were)."""
    store, answer = _ask(request, settings, company, question)
    sql = sql or f"SELECT 0.25 * sum(EffectiveCost) FROM costs WHERE {V_DEC} AND {model_is('gpt-4o')}"
    ok, want = _number(store, answer, sql)
    assert ok, f"{question!r}: expected {want:,.2f}; got {answer.answer}"


@pytest.mark.parametrize(
    ("company", "question", "sql"),
    [
        ("tamarind", "whats the sept number", cost(T_SEP)),
        ("vireo", "december figures pls", cost(V_DEC)),
    ],
)
def test_a_periods_number_or_figure_is_what_it_cost(
    request: pytest.FixtureRequest, settings: Settings, company: str, question: str, sql: str
) -> None:
    """ "whats the sept number", "december figures": a period with only "number" / "figure" asked of it is its
    spend, not a decline for want of something to measure."""
    store, answer = _ask(request, settings, company, question)
    ok, want = _number(store, answer, sql)
    assert ok, f"{question!r}: expected {want:,.2f}; got {answer.answer}"
