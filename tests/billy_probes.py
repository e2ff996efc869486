"""The probe sets' shared runner (tests/test_agents_billy_probes_9.py, _10.py): asking a probe (a thread's turns
separated by ' || '), marking known misses as strict xfails, and judging an unanswerable probe (no figure, and
the decline names what is missing) or an answerable one (the hand-written SQL's answer, a figure within 1%)."""

from __future__ import annotations

import datetime as dt

import pytest
from billy_harness import expected, judge
from spendscope.agents.billy import ask
from spendscope.data.settings import Settings
from spendscope.data.store import Store


def ask_probe(store: Store, settings: Settings, question: str, today: str, thread: str) -> object:
    """Ask a probe; the turns of a thread (separated by ' || ') in order, the last one's answer returned."""
    turns = question.split(" || ")
    thread_id = thread if len(turns) > 1 else None
    answer = None
    for turn in turns:
        answer = ask(store, turn, as_of=dt.date.fromisoformat(today), thread_id=thread_id, settings=settings)
    return answer


def marked(probes: list[tuple], misses: dict[str, str]) -> list:
    return [
        pytest.param(p, id=p[0], marks=pytest.mark.xfail(strict=True, reason=misses[p[0]]))
        if p[0] in misses
        else pytest.param(p, id=p[0])
        for p in probes
    ]


def check_unanswerable(
    stores: dict, settings: Settings, probe: tuple, named: dict[str, tuple[str, ...]], prefix: str
) -> None:
    pid, store, today, question, _, word = probe
    a = ask_probe(stores[store], settings, question, today, f"{prefix}-{pid}")
    ok, _ = judge(stores[store], a, "none", "")
    assert ok, f"stated a figure: {question!r}: {a.answer}"  # type: ignore[attr-defined]
    text = a.answer.lower()  # type: ignore[attr-defined]
    assert any(w in text for w in named.get(pid, (word,))), f"did not name it: {question!r}: {text}"


def check_answerable(stores: dict, settings: Settings, probe: tuple, prefix: str) -> None:
    pid, store, today, question, kind, spec = probe
    s = stores[store]
    a = ask_probe(s, settings, question, today, f"{prefix}-{pid}")
    ok, why = judge(s, a, kind, spec)
    if kind == "number":  # the figure itself within 1% (a unit cost of a fraction of a cent too)
        want, _ = expected(s, kind, spec)
        ok = ok and isinstance(a.value, int | float) and abs(a.value - want) <= abs(want) * 0.01  # type: ignore[attr-defined]
    assert ok, f"{question!r}: {why}: {a.answer}"  # type: ignore[attr-defined]
