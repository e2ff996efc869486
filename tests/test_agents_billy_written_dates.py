"""Billy and dates written out: a date that does not exist (2026-02-30, 2/30/2026) or that Billy cannot read is
a period it could not read, never the whole store's total (it answered "$368,337.11 in total over all data");
and a row-scoped caller is never told the names of values outside its scope when a name is not found."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
from spendscope.agents.billy import ask
from spendscope.data.settings import Settings
from spendscope.data.store import Store
from spendscope.tools.access import Caller


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(state_dir=tmp_path / "state", db=Path("/nonexistent"))


@pytest.mark.parametrize(
    ("question", "said"),
    [
        ("how much did we spend on 2026-02-30?", "2026-02-30"),
        ("spend on 2/30/2026", "2/30/2026"),
        ("what was the openai bill on 2026-13-01", "2026-13-01"),
    ],
)
def test_a_date_that_does_not_exist_is_not_read_as_all_the_data(
    demo_store: Store, settings: Settings, question: str, said: str
) -> None:
    answer = ask(demo_store, question, settings=settings, as_of=None)
    assert answer.value is None, answer.answer
    assert f"could not tell which days '{said}' means" in answer.answer


@pytest.mark.parametrize(
    "question",
    [
        "spend on 2026-10-03",
        "spend on 10/3/2026",
        "spend from 2026-10-01 to 2026-10-05",
        "spend on 2026-10-3",
    ],
)
def test_dates_that_exist_are_still_answered(demo_store: Store, settings: Settings, question: str) -> None:
    answer = ask(demo_store, question, settings=settings)
    assert answer.value is not None and "2026-10-0" in answer.answer, answer.answer


def test_a_scoped_caller_is_not_told_other_teams_names(demo_store: Store, settings: Settings) -> None:
    with duckdb.connect(str(demo_store.path), read_only=True) as con:
        teams = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT Tags->>'team' FROM costs WHERE Tags->>'team' IS NOT NULL"
            ).fetchall()
        ]
    mine, other = sorted(teams)[:2]
    caller = Caller("slack:U1", row_scope={"team": (mine,)})
    misspelt = other[:-2] + other[-1] + other[-2]  # two letters swapped
    answer = ask(
        demo_store, f"how much did team {misspelt} spend in october 2026", settings=settings, caller=caller
    )
    assert answer.value is None
    assert not re.search(rf"\b{re.escape(other)}\b", answer.answer), answer.answer
    assert "not in the data you can see" in answer.answer
    unscoped = ask(demo_store, f"how much did team {misspelt} spend in october 2026", settings=settings)
    assert other in unscoped.answer  # the local user still gets the nearest names
