"""Every registry operation x {CLI, MCP, Billy, Slack} for a caller limited to team search: only in-scope figures
(equal to the same operation on a store holding only team search's rows) or a refusal. See tests/scope_table.py."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from scope_oracle import same_figures
from scope_table import (  # noqa: F401 - master_fixture, oracle_fixture are pytest fixtures
    SURFACES,
    Surfaces,
    args_for,
    as_sent,
    direct_result,
    master_fixture,
    oracle_args,
    oracle_fixture,
    surfaces,
)
from spendscope.data.store import Store
from spendscope.tools.registry import operations


@pytest.fixture(scope="module")
def seen(master: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Surfaces]:
    """A copy of the master store behind every surface (a write that is not refused would change it)."""
    tmp = tmp_path_factory.mktemp("scoped")
    shutil.copy(master[0], tmp / "store.duckdb")
    with surfaces(Store(tmp / "store.duckdb", lock_timeout=10), tmp) as s:
        yield s


@pytest.mark.parametrize("surface", SURFACES)
@pytest.mark.parametrize("name", [op.name for op in operations()])
def test_a_scoped_caller_gets_only_in_scope_figures_or_a_refusal(
    master: tuple[Path, str], oracle: Store, seen: Surfaces, name: str, surface: str
) -> None:
    op = next(o for o in operations() if o.name == name)
    args = args_for(op, master[1])
    kind, got = seen.run(surface, op, args, scoped=True)
    if kind == "refused":
        if surface in ("cli", "mcp"):  # the entry point's refusal (Billy words its own until it uses it), or
            # an object outside the scope treated as absent (get_anomaly of another team's anomaly)
            assert got in ("permission_denied", "not_found"), f"{name} on {surface}: refused with {got}"
        return
    assert not op.writes, f"{name} changed the store for a scoped caller on {surface}"
    expected = as_sent(surface, direct_result(oracle, op, oracle_args(op, args)))
    assert same_figures(got, expected) == [], f"{name} on {surface} answered outside team search"
