"""The general fixes behind the lead's session-7 probes (docs/performance.md, "Billy: the lead's probes, session
7"): six unanswerable questions that got a figure. Each is tested over several phrasings on the demo store and on
Saltmarsh Mutual (tag keys org / app / stage): people counted in a team, an opex / capex split, a hyphenated word
joining a real value to another word, a word made of a part of one value and another value, a two-letter value
after a tag key, and a kind of machine the store does not run. Answerable neighbours still answer (expected
figures from hand-written SQL)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from billy_harness import between, cost, number_ok, round_store, tag
from fixtures.billy.saltmarsh import build as build_saltmarsh
from spendscope.agents.billy import ask
from spendscope.data.settings import Settings
from spendscope.data.store import Store

DEMO_TODAY, SALT_TODAY = dt.date(2026, 11, 5), dt.date(2026, 9, 24)
OCT, AUG = between("2026-10-01", "2026-11-01"), between("2026-08-01", "2026-09-01")


@pytest.fixture(scope="module")
def saltmarsh(tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = tmp_path_factory.mktemp("saltmarsh7")
    return round_store(folder, build_saltmarsh(folder), "saltmarsh")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(state_dir=tmp_path / "state", db=Path("/nonexistent"))


def _declined(store: Store, settings: Settings, question: str, today: dt.date) -> str:
    a = ask(store, question, as_of=today, settings=settings)
    assert a.value is None and not re.search(r"[$€£¥₹₩]\s?\d", a.answer), f"{question!r}: {a.answer}"
    return a.answer


@pytest.mark.parametrize(
    "question",
    [
        "how many engineers are on the support team",
        "how many devs work in platform?",
        "number of analysts on the growth team",
        "How many data scientists are in data-science",
    ],
)
def test_people_counted_in_a_team_are_declined_on_the_demo(
    demo_store: Store, settings: Settings, question: str
) -> None:
    assert "headcount" in _declined(demo_store, settings, question, DEMO_TODAY)


@pytest.mark.parametrize(
    "question",
    ["how many underwriters are on the fraud org", "how many engineers are in claims"],
)
def test_people_counted_in_a_team_are_declined_whatever_the_key_is_called(
    saltmarsh: Store, settings: Settings, question: str
) -> None:
    _declined(saltmarsh, settings, question, SALT_TODAY)


@pytest.mark.parametrize(
    "question",
    [
        "what was our opex vs capex split in october",
        "how much of october's spend was capex",
        "capital expenditure on gpus last month",
        "what's the depreciation on the p5 boxes",
    ],
)
def test_an_opex_capex_split_is_declined(demo_store: Store, settings: Settings, question: str) -> None:
    _declined(demo_store, settings, question, DEMO_TODAY)


@pytest.mark.parametrize(
    ("question", "word"),
    [
        ("how much did the data-platform team spend", "data-platform"),
        ("what did the core-support team cost in october", "core-support"),
        ("search-infra spend last month", "search-infra"),
    ],
)
def test_a_real_value_joined_to_another_word_is_an_unknown_name(
    demo_store: Store, settings: Settings, question: str, word: str
) -> None:
    assert word in _declined(demo_store, settings, question, DEMO_TODAY)


def test_a_real_value_joined_to_another_word_is_unknown_on_another_company(
    saltmarsh: Store, settings: Settings
) -> None:
    assert "ops-fraud" in _declined(saltmarsh, settings, "what did ops-fraud spend in august", SALT_TODAY)


@pytest.mark.parametrize(
    ("question", "where"),
    [
        ("how much was support-related spend in october", tag("team", "support")),
    ],
)
def test_a_value_with_a_joiner_still_answers(
    demo_store: Store, settings: Settings, question: str, where: str
) -> None:
    a = ask(demo_store, question, as_of=DEMO_TODAY, settings=settings)
    assert number_ok(demo_store, a, cost(OCT, where)), a.answer


@pytest.mark.parametrize(
    ("question", "word"),
    [
        ("what did ml-staging cost in october", "ml-staging"),
        ("growth-sandbox spend last month", "growth-sandbox"),
    ],
)
def test_a_word_made_of_a_part_of_one_value_and_another_value_is_unknown(
    demo_store: Store, settings: Settings, question: str, word: str
) -> None:
    assert word in _declined(demo_store, settings, question, DEMO_TODAY)


def test_a_real_hyphenated_value_holding_another_value_still_answers(
    demo_store: Store, settings: Settings
) -> None:
    a = ask(demo_store, "what did support-bot-staging cost in october", as_of=DEMO_TODAY, settings=settings)
    assert number_ok(demo_store, a, cost(OCT, "SubAccountName = 'support-bot-staging'")), a.answer


@pytest.mark.parametrize(
    "question",
    ["cost for env qa last month", "what did env qa cost in october", "spend for team ux in october"],
)
def test_a_two_letter_value_after_a_tag_key_is_an_unknown_name(
    demo_store: Store, settings: Settings, question: str
) -> None:
    assert "not in the data" in _declined(demo_store, settings, question, DEMO_TODAY)


def test_a_two_letter_value_after_a_tag_key_is_unknown_on_another_company(
    saltmarsh: Store, settings: Settings
) -> None:
    _declined(saltmarsh, settings, "what did stage qa cost in august", SALT_TODAY)


@pytest.mark.parametrize(
    "question",
    [
        "how much did we save with spot instances last month",
        "what did the graviton instances cost in october",
        "spend on the inferentia nodes last month",
    ],
)
def test_a_kind_of_machine_the_store_does_not_run_is_declined(
    demo_store: Store, settings: Settings, question: str
) -> None:
    assert "not in the data" in _declined(demo_store, settings, question, DEMO_TODAY)


def test_machines_the_store_runs_still_answer(saltmarsh: Store, settings: Settings) -> None:
    a = ask(saltmarsh, "what did the gpu instances cost in august", as_of=SALT_TODAY, settings=settings)
    want = cost(AUG, "x_InstanceType IS NOT NULL")
    assert number_ok(saltmarsh, a, want), a.answer
