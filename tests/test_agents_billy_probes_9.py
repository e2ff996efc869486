"""Session 9's probes (tests/fixtures/billy/probes_9.py, written before reading agents/billy/; first score in
docs/performance.md, "Billy probes, session 9"): 40 questions the data cannot answer must state no figure and
name what is missing; 20 ambiguous but answerable ones get the likelier reading's figure (hand-written SQL)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from billy_harness import expected, judge, round_store
from fixtures.billy.bellhaven import build as build_bellhaven
from fixtures.billy.probes_9 import ANSWERABLE, UNANSWERABLE
from fixtures.billy.tsubame import build as build_tsubame
from spendscope.agents.billy import ask
from spendscope.data.settings import Settings
from spendscope.data.store import Store

# the words a decline may name the missing thing with, where the probe's own word is not the only good one
NAMED = {
    "u04": ("2025",),
    "u05": ("nov", "-11-16"),  # read as the last Nov 16 before today (2025)
    "u07": ("payroll", "salar"),
    "u09": ("namespace", "ml-serving"),
    "u11": ("seat", "user"),
    "u16": ("may", "2026-05"),
    "u18": ("researcher", "headcount", "per person"),
    "u23": ("february", "2026-02"),
    "u24": ("august", "-08-"),  # past tense on July 29: August 2025
    "u28": ("guest", "user"),
    "u30": ("seat", "user"),
    "u32": ("carbon", "co2", "emission"),
    "u33": ("august", "2026-08"),
    "u34": ("january", "-01-"),  # asked in December: January 2026
    "u38": ("salar", "payroll"),
}
# probes still wrong, with the cause (strict xfail)
MISSES: dict[str, str] = {}


@pytest.fixture(scope="module")
def stores(demo_store: Store, _focus_public_master: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("probes9")
    return {
        "demo": demo_store,
        "public": Store(_focus_public_master, lock_timeout=10),
        "bellhaven": round_store(folder, build_bellhaven(folder), "bellhaven"),
        "tsubame": round_store(folder, build_tsubame(folder), "tsubame"),
    }


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(state_dir=tmp_path / "state", db=Path("/nonexistent"))


def _ask(store: Store, settings: Settings, question: str, today: str, pid: str) -> object:
    """Ask a probe; the turns of a thread (separated by ' || ') in order, the last one's answer returned."""
    turns = question.split(" || ")
    thread = f"probes9-{pid}" if len(turns) > 1 else None
    answer = None
    for turn in turns:
        answer = ask(store, turn, as_of=dt.date.fromisoformat(today), thread_id=thread, settings=settings)
    return answer


def _marked(probes: list[tuple]) -> list:
    return [
        pytest.param(p, id=p[0], marks=pytest.mark.xfail(strict=True, reason=MISSES[p[0]]))
        if p[0] in MISSES
        else pytest.param(p, id=p[0])
        for p in probes
    ]


@pytest.mark.parametrize("probe", _marked(UNANSWERABLE))
def test_an_unanswerable_probe_states_no_figure_and_names_what_is_missing(
    stores: dict, settings: Settings, probe: tuple
) -> None:
    pid, store, today, question, _, word = probe
    a = _ask(stores[store], settings, question, today, pid)
    ok, _ = judge(stores[store], a, "none", "")
    assert ok, f"stated a figure: {question!r}: {a.answer}"  # type: ignore[attr-defined]
    text = a.answer.lower()  # type: ignore[attr-defined]
    assert any(w in text for w in NAMED.get(pid, (word,))), f"did not name it: {question!r}: {text}"


@pytest.mark.parametrize("probe", _marked(ANSWERABLE))
def test_an_ambiguous_probe_gets_the_likelier_reading(stores: dict, settings: Settings, probe: tuple) -> None:
    pid, store, today, question, kind, spec = probe
    s = stores[store]
    a = _ask(s, settings, question, today, pid)
    ok, why = judge(s, a, kind, spec)
    want, _ = expected(s, kind, spec)  # within 1% (a unit cost of a fraction of a cent too)
    ok = ok and isinstance(a.value, int | float) and abs(a.value - want) <= abs(want) * 0.01  # type: ignore[attr-defined]
    assert ok, f"{question!r}: {why}: {a.answer}"  # type: ignore[attr-defined]


def test_the_probe_table_is_whole() -> None:
    """The probes' data: 40 unanswerable, 20 answerable, ids unique, every expected figure non-zero."""
    ids = [p[0] for p in UNANSWERABLE + ANSWERABLE]
    assert (len(UNANSWERABLE), len(ANSWERABLE), len(set(ids))) == (40, 20, 60)
    assert all(p[4] == "none" for p in UNANSWERABLE) and all(p[4] == "number" for p in ANSWERABLE)
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", p[2]) for p in UNANSWERABLE + ANSWERABLE)


def test_every_expected_figure_is_a_real_amount(stores: dict) -> None:
    """A probe whose hand SQL sums nothing would pass a wrong $0: each answerable probe's figure is non-zero."""
    for pid, store, _, _, kind, spec in ANSWERABLE:
        want, _ = expected(stores[store], kind, spec)
        assert want > 0, pid
