"""Questions the public eval's data cannot answer, in the public eval's style (tests/fixtures/billy/
unanswerable_public.jsonl, category `unanswerable`, kind `none`): names the store does not hold (in any letter
case), concepts a cost store does not hold, and periods after the data. Billy must state no figure: `value` is
null and the sentence holds no dollar amount."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from spendscope.agents.billy import ask
from spendscope.data.settings import Settings
from spendscope.data.store import Store

CASES = [
    json.loads(line)
    for line in (Path(__file__).parent / "fixtures" / "billy" / "unanswerable_public.jsonl")
    .read_text(encoding="utf-8")
    .splitlines()
    if line.strip()
]


@pytest.mark.parametrize("case", CASES, ids=[c["question"][:40] for c in CASES])
def test_an_unanswerable_question_gets_no_figure(
    focus_public_store: Store, tmp_path: Path, case: dict
) -> None:
    settings = Settings(state_dir=tmp_path / "state", db=Path("/nonexistent"))
    as_of = dt.date.fromisoformat(case["as_of"]) if case["as_of"] else None
    answer = ask(focus_public_store, case["question"], as_of=as_of, settings=settings)
    assert answer.value is None and not re.search(r"\$\s?\d", answer.answer), answer.answer


@pytest.mark.parametrize(
    "question",
    [
        "spend by cost_centre tag in october",
        "what did each squad tag cost in oct",
        "costs by the owner label",
    ],
)
def test_a_tag_key_the_store_lacks_is_declined_with_the_keys_it_has(
    demo_store: Store, tmp_path: Path, question: str
) -> None:
    """Not the nearest provider names: the tag keys the rows do carry, so the user can ask again."""
    settings = Settings(state_dir=tmp_path / "state", db=Path("/nonexistent"))
    answer = ask(demo_store, question, as_of=dt.date(2026, 11, 2), settings=settings)
    assert answer.value is None and not re.search(r"\$\s?\d", answer.answer), answer.answer
    assert "not a tag key of the data; its tag keys are" in answer.answer and "team" in answer.answer, (
        answer.answer
    )
