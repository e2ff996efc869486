"""Session 8's probes (tests/fixtures/billy/probes_8.py, written before reading agents/billy/; first score in
docs/performance.md, "Billy probes, session 8") and the general fixes they showed, each over several phrasings
and companies: people counted in a team ("how many ppl", "how many analysts does X have"), concept words typed
with a slip ("revnue"), money made ("earn", "make us"), an amount asked in another currency than the bill's,
latency-like measures, invoice due dates, credit balances, tax on a bill without tax rows, "my team", and unknown
names beside an owner word ("the ml team", "the it team", "the london office"). Unanswerable questions must
state no figure; answerable neighbours keep their figure (expected figures from hand-written SQL).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from billy_harness import between, cost, expected, judge, number_ok, round_store, tag
from fixtures.billy.corvid import build as build_corvid
from fixtures.billy.norrvik import build as build_norrvik
from fixtures.billy.probes_8 import ANSWERABLE, UNANSWERABLE
from spendscope.agents.billy import ask
from spendscope.data.settings import Settings
from spendscope.data.store import Store

# the words a decline may name the missing thing with, where the probe's own word is not the only good one
NAMED = {
    "u02": ("employee", "headcount"),
    "u04": ("december", "2025-12"),
    "u10": ("june", "2026-06"),
    "u22": ("july", "2026-07"),
    "u23": ("uptime",),
    "u29": ("seat", "users"),
    "u32": ("november", "-11-"),
    "u36": ("red",),
    "u37": ("response time", "latency"),
}
# answerable probes still wrong, with the cause seen from outside (strict xfail)
MISSES: dict[str, str] = {}  # a17 (the L40S box left out of the cost per request) passes since gaps14


@pytest.fixture(scope="module")
def stores(demo_store: Store, _focus_public_master: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("probes8")
    return {
        "demo": demo_store,
        "public": Store(_focus_public_master, lock_timeout=10),
        "corvid": round_store(folder, build_corvid(folder), "corvid"),
    }


@pytest.fixture(scope="module")
def norrvik(tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = tmp_path_factory.mktemp("norrvik8")
    return round_store(folder, build_norrvik(folder), "norrvik")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(state_dir=tmp_path / "state", db=Path("/nonexistent"))


def _ask(store: Store, settings: Settings, question: str, today: str) -> object:
    return ask(store, question, as_of=dt.date.fromisoformat(today), settings=settings)


def _declined(store: Store, settings: Settings, question: str, today: str) -> str:
    a = _ask(store, settings, question, today)
    ok, why = judge(store, a, "none", "")
    assert ok, f"{question!r}: {why}: {a.answer}"  # type: ignore[attr-defined]
    return a.answer.lower()  # type: ignore[attr-defined]


@pytest.mark.parametrize("probe", UNANSWERABLE, ids=[p[0] for p in UNANSWERABLE])
def test_an_unanswerable_probe_states_no_figure_and_names_what_is_missing(
    stores: dict, settings: Settings, probe: tuple
) -> None:
    pid, store, today, question, _, word = probe
    text = _declined(stores[store], settings, question, today)
    assert any(w in text for w in NAMED.get(pid, (word,))), text


@pytest.mark.parametrize(
    "probe",
    [
        pytest.param(p, marks=pytest.mark.xfail(strict=True, reason=MISSES[p[0]])) if p[0] in MISSES else p
        for p in ANSWERABLE
    ],
    ids=[p[0] for p in ANSWERABLE],
)
def test_an_ambiguous_probe_gets_the_likelier_reading(stores: dict, settings: Settings, probe: tuple) -> None:
    pid, store, today, question, kind, spec = probe
    s = stores[store]
    a = _ask(s, settings, question, today)
    ok, why = judge(s, a, kind, spec)
    if kind == "number":  # a unit cost of a fraction of a cent: within 1%, not the harness's 0.011
        want, _ = expected(s, kind, spec)
        ok = ok and isinstance(a.value, int | float) and abs(a.value - want) <= abs(want) * 0.01  # type: ignore[attr-defined]
    assert ok, f"{question!r}: {why}: {a.answer}"  # type: ignore[attr-defined]


# ---------------------------------------------------------------------- the general fixes, more phrasings

DEMO, PUB, CORVID, NORRVIK = "2026-11-05", "2026-11-05", "2026-10-14", "2027-06-09"
OCT, SEP = between("2026-10-01", "2026-11-01"), between("2026-09-01", "2026-10-01")


@pytest.mark.parametrize(
    ("store", "question", "today"),
    [
        ("demo", "how many ppl are on the support team", DEMO),
        ("demo", "how many folks in platform", DEMO),
        ("demo", "how many people does search have", DEMO),
        ("demo", "how many engineers does data-science employ", DEMO),
        ("corvid", "how many analysts does detection have", CORVID),
        ("public", "how many devs does research have", PUB),
    ],
)
def test_people_in_a_team_are_headcount_not_the_teams_cost(
    stores: dict, settings: Settings, store: str, question: str, today: str
) -> None:
    assert "headcount" in _declined(stores[store], settings, question, today)


@pytest.mark.parametrize(
    ("store", "question", "today", "concept"),
    [
        ("public", "whats the reveune from chat-assistant", PUB, "revenue"),
        ("public", "ad revnue vs ai spend for growth in october", PUB, "revenue"),
        ("corvid", "proift on alert-triage last month", CORVID, "profit"),
        ("corvid", "gross marign on phish-scan in september", CORVID, "margin"),
        ("demo", "salries for the legal team", DEMO, "salaries"),
        ("corvid", "how much did the hunting team earn us in september", CORVID, "revenue"),
        ("public", "how much did search make us in october", PUB, "revenue"),
        ("public", "how much money does the support team make", PUB, "revenue"),
    ],
)
def test_money_made_and_concept_words_with_a_slip_are_declined(
    stores: dict, settings: Settings, store: str, question: str, today: str, concept: str
) -> None:
    assert concept in _declined(stores[store], settings, question, today)


@pytest.mark.parametrize(
    ("store", "question", "today", "code"),
    [
        ("demo", "whats october in euros", DEMO, "eur"),
        ("demo", "what's that in gbp for october", DEMO, "gbp"),
        ("demo", "give me october spend in £", DEMO, "gbp"),
        ("demo", "convert october spend to yen", DEMO, "jpy"),
        ("demo", "how much in eur did we spend in september", DEMO, "eur"),
        ("corvid", "whats september's spend in kronor", CORVID, "sek"),
        ("public", "october spend in euro terms", PUB, "eur"),
    ],
)
def test_an_amount_in_another_currency_than_the_bills_is_declined(
    stores: dict, settings: Settings, store: str, question: str, today: str, code: str
) -> None:
    assert f"amounts in {code}" in _declined(stores[store], settings, question, today)


@pytest.mark.parametrize(
    "question", ["what did we spend in may in dollars", "may spend in usd", "how much was may in euros"]
)
def test_a_krona_bill_asked_in_another_currency_is_declined(
    norrvik: Store, settings: Settings, question: str
) -> None:
    assert "the bill is in sek" in _declined(norrvik, settings, question, NORRVIK)


@pytest.mark.parametrize(
    "question", ["what did we spend in may in kronor", "what did we spend in may in sek"]
)
def test_the_bills_own_currency_still_answers(norrvik: Store, settings: Settings, question: str) -> None:
    a = _ask(norrvik, settings, question, NORRVIK)
    assert number_ok(norrvik, a, cost(between("2027-05-01", "2027-06-01"))), a.answer  # type: ignore[attr-defined]


def test_dollars_on_a_dollar_bill_still_answer(stores: dict, settings: Settings) -> None:
    s = stores["corvid"]
    a = _ask(s, settings, "what did hunting cost in september in dollars", CORVID)
    assert number_ok(s, a, cost(SEP, tag("cost_owner", "hunting"))), a.answer  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("store", "question", "today", "word"),
    [
        ("public", "what's our throughput on gpt-4o", PUB, "throughput"),
        ("public", "tokens per second on claude last week", PUB, "throughput"),
        ("corvid", "time to first token for mistral-medium-3", CORVID, "latency"),
        ("public", "when is the aws invoice due", PUB, "due dates"),
        ("corvid", "is the openai bill paid?", CORVID, "due dates"),
        ("public", "what's our credit balance with openai", PUB, "credit balances"),
        ("corvid", "how many credits left on mistral", CORVID, "credit balances"),
        ("public", "what was the tax on our october bill", PUB, "tax"),
        ("corvid", "how much vat did we pay in august", CORVID, "tax"),
        ("demo", "what did my team spend last month", DEMO, "which team is yours"),
        ("corvid", "how much has my project cost this month", CORVID, "which project is yours"),
    ],
)
def test_measures_the_store_does_not_hold_are_declined(
    stores: dict, settings: Settings, store: str, question: str, today: str, word: str
) -> None:
    assert word in _declined(stores[store], settings, question, today)


@pytest.mark.parametrize(
    ("store", "question", "today", "word"),
    [
        ("public", "how much did the ml team spend in october", PUB, "ml"),
        ("demo", "how much did the hr team spend", DEMO, "hr"),
        ("demo", "what did the it team spend in october", DEMO, "it"),
        ("corvid", "what did the ir squad cost in august", CORVID, "ir"),
        ("public", "what did the london office spend last month", PUB, "london"),
        ("corvid", "spend for the emea division in september", CORVID, "emea"),
    ],
)
def test_an_unknown_name_beside_an_owner_word_is_unknown(
    stores: dict, settings: Settings, store: str, question: str, today: str, word: str
) -> None:
    assert f"'{word}'" in _declined(stores[store], settings, question, today)


@pytest.mark.parametrize(
    ("store", "question", "today", "sql"),
    [
        ("demo", "what did it cost in october", DEMO, cost(OCT)),
        ("public", "how much did our provisioned throughput cost in october", PUB,
         cost(OCT, "CommitmentDiscountId IS NOT NULL")),
        ("demo", "what was the spend due to anthropic in october", DEMO, cost(OCT, "ProviderName = 'Anthropic'")),
        ("corvid", "how much did response spend in september", CORVID, cost(SEP, tag("cost_owner", "response"))),
        ("demo", "how many tokens did support-bot use in october", DEMO,
         cost(OCT, tag("feature", "support-bot"), "x_Tokens")),
    ],
)  # fmt: skip
def test_answerable_neighbours_keep_their_figure(
    stores: dict, settings: Settings, store: str, question: str, today: str, sql: str
) -> None:
    s = stores[store]
    a = _ask(s, settings, question, today)
    assert number_ok(s, a, sql), a.answer  # type: ignore[attr-defined]


def test_the_probe_table_is_whole() -> None:
    """The probes' data: 40 unanswerable, 20 answerable, ids unique (the first score counts them)."""
    ids = [p[0] for p in UNANSWERABLE + ANSWERABLE]
    assert (len(UNANSWERABLE), len(ANSWERABLE), len(set(ids))) == (40, 20, 60)
    assert all(p[4] == "none" for p in UNANSWERABLE) and all(p[4] != "none" for p in ANSWERABLE)
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", p[2]) for p in UNANSWERABLE + ANSWERABLE)


@pytest.mark.parametrize(
    "question",
    ["how much does gpt-4o make up of our october spend", "what share of october did support-bot make up"],
)
def test_make_up_is_a_share_not_money_made(stores: dict, settings: Settings, question: str) -> None:
    a = _ask(stores["demo"], settings, question, DEMO)
    assert "revenue" not in a.answer.lower() and a.value is not None, a.answer  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "question",
    [
        "how much did detection spend in july vs what we budgeted",
        "what was budgeted for hunting in september",
    ],
)
def test_a_budgeted_amount_with_no_budget_set_gets_no_figure(
    stores: dict, settings: Settings, question: str
) -> None:
    assert "no budgets" in _declined(stores["corvid"], settings, question, CORVID)
