"""Session 10's probes (tests/fixtures/billy/probes_10.py, written before reading agents/billy/; first score in
docs/performance.md, "Billy probes, session 10"): 40 questions the data cannot answer must state no figure and
name what is missing; 20 ambiguous but answerable ones get the likelier reading's figure or winner (hand SQL)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from billy_harness import expected, judge, kept_reader, round_store
from fixtures.billy.fernhollow import build as build_fernhollow
from fixtures.billy.granvik import build as build_granvik
from fixtures.billy.probes_10 import ANSWERABLE, UNANSWERABLE
from spendscope.agents.billy import ask
from spendscope.data.settings import Settings
from spendscope.data.store import Store

# the words a decline may name the missing thing with, where the probe's own word is not the only good one
NAMED = {
    "u01": ("june", "2026-06"),
    "u08": ("agent", "headcount", "per person"),
    "u13": ("active user", "mau", "user"),
    "u14": ("july", "2026-07"),
    "u17": ("roi", "return", "revenue", "profit"),
    "u20": ("nov", "11-20"),
    "u21": ("2025", "q4", "fourth quarter", "october"),
    "u26": ("electric", "power", "energy"),
    "u30": ("sla", "credit"),
    "u32": ("vet", "headcount", "people"),
    "u35": ("july", "-07-"),
    "u37": ("pet", "patient"),
    "u40": ("dec", "12-01"),
}
# probes still wrong, with the cause (strict xfail)
MISSES: dict[str, str] = {}


def _company(factory: pytest.TempPathFactory, name: str, build: object) -> Store:
    """A round company's store, built once per module and read through the harness's kept reader."""
    folder = factory.mktemp(f"probes10-{name}")
    store = round_store(folder, build(folder), name)  # type: ignore[operator]
    kept_reader(store)
    return store


@pytest.fixture(scope="module")
def stores(demo_store: Store, _focus_public_master: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    return {
        "demo": demo_store,
        "public": Store(_focus_public_master, lock_timeout=10),
        "granvik": _company(tmp_path_factory, "granvik", build_granvik),
        "fernhollow": _company(tmp_path_factory, "fernhollow", build_fernhollow),
    }


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(state_dir=tmp_path / "state", db=Path("/nonexistent"))


def _ask(store: Store, settings: Settings, question: str, today: str, pid: str) -> object:
    """Ask a probe; the turns of a thread (separated by ' || ') in order, the last one's answer returned."""
    turns = question.split(" || ")
    thread = f"probes10-{pid}" if len(turns) > 1 else None
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
    if kind == "number":  # the figure itself within 1% (a unit cost of a fraction of a cent too)
        want, _ = expected(s, kind, spec)
        ok = ok and isinstance(a.value, int | float) and abs(a.value - want) <= abs(want) * 0.01  # type: ignore[attr-defined]
    assert ok, f"{question!r}: {why}: {a.answer}"  # type: ignore[attr-defined]


def test_the_probe_table_is_whole() -> None:
    """The probes' data: 40 unanswerable, 20 answerable, ids unique, dates well formed."""
    ids = [p[0] for p in UNANSWERABLE + ANSWERABLE]
    assert (len(UNANSWERABLE), len(ANSWERABLE), len(set(ids))) == (40, 20, 60)
    assert all(p[4] == "none" for p in UNANSWERABLE) and all(p[4] in ("number", "which") for p in ANSWERABLE)
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", p[2]) for p in UNANSWERABLE + ANSWERABLE)


def test_every_expected_figure_is_a_real_amount(stores: dict) -> None:
    """A probe whose hand SQL sums nothing would pass a wrong $0: each answerable figure is non-zero and each
    ranking has more than one candidate."""
    for pid, store, _, _, kind, spec in ANSWERABLE:
        want, candidates = expected(stores[store], kind, spec)
        assert (want > 0) if kind == "number" else len(candidates) > 1, pid
