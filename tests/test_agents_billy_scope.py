"""Billy runs every operation through tools.invoke as its caller: a row-scoped caller's figures cover their
rows only (and the answer says so); an operation that cannot be limited to the scope is refused, never run
company-wide."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from spendscope.agents.billy import ask
from spendscope.data.settings import Settings
from spendscope.data.store import Store
from spendscope.tools.access import Caller
from spendscope.tools.registry import get_operation


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(state_dir=tmp_path / "state", db=Path("/nonexistent"))


def _team(store: Store) -> str:
    con = duckdb.connect(str(store.path), read_only=True)
    try:
        return con.execute(
            "SELECT Tags->>'team' t FROM costs WHERE t IS NOT NULL GROUP BY 1 ORDER BY sum(EffectiveCost) LIMIT 1"
        ).fetchone()[0]
    finally:
        con.close()


def _sql(store: Store, sql: str, *params: object) -> float:
    con = duckdb.connect(str(store.path), read_only=True)
    try:
        return float(con.execute(sql, list(params)).fetchone()[0] or 0)
    finally:
        con.close()


def test_a_team_scoped_caller_gets_only_their_teams_total_and_is_told_so(
    demo_store: Store, settings: Settings
) -> None:
    team = _team(demo_store)
    caller = Caller("slack:U1", row_scope={"team": (team,)})
    answer = ask(demo_store, "how much did we spend in total?", settings=settings, caller=caller)
    want = _sql(
        demo_store, "SELECT sum(EffectiveCost) FROM costs WHERE lower(Tags->>'team') = lower(?)", team
    )
    assert answer.value is not None and abs(float(answer.value) - want) <= max(0.01, want * 0.001)
    assert f"Limited to your scope: team={team}" in answer.answer


@pytest.mark.parametrize(
    "question, operation",
    [
        ("how much could we save?", "savings_recommendations"),
        ("how much idle gpu cost did we have?", "gpu_utilization"),
        ("how are we doing against budget?", "budget_status"),
    ],
)
def test_a_team_scoped_caller_never_gets_a_company_wide_analytics_figure(
    demo_store: Store, settings: Settings, question: str, operation: str
) -> None:
    team = _team(demo_store)
    caller = Caller("slack:U1", row_scope={"team": (team,)})
    scoped = ask(demo_store, question, settings=settings, caller=caller)
    local = ask(demo_store, question, settings=settings)
    takes_filters = "filters" in get_operation(operation).input_model.model_fields
    if takes_filters:  # limited to the team: the answer says so
        assert f"Limited to your scope: team={team}" in scoped.answer or scoped.value is None
    else:  # refused by tools.invoke: no figure at all
        assert scoped.value is None, scoped.answer
        assert any(t.name == operation and t.error == "permission_denied" for t in scoped.tools) or (
            "cannot be limited" in scoped.answer
        ), scoped.answer
    if local.value is not None and scoped.value is not None:
        assert scoped.value != local.value or takes_filters
