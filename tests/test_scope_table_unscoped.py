"""Every read operation x {CLI, MCP, Billy, Slack} for an unscoped caller: the whole answer, the same figures as
the operation run directly. See tests/scope_table.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from scope_oracle import same_figures
from scope_table import (  # noqa: F401 - master_fixture is a pytest fixture
    SURFACES,
    Surfaces,
    args_for,
    as_sent,
    direct_result,
    master_fixture,
    surfaces,
)
from spendscope.data.store import Store
from spendscope.tools.registry import operations


@pytest.fixture(scope="module")
def seen(master: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Surfaces]:
    with surfaces(Store(master[0], lock_timeout=10), tmp_path_factory.mktemp("unscoped")) as s:
        yield s


@pytest.mark.parametrize("surface", SURFACES)
@pytest.mark.parametrize("name", [op.name for op in operations() if not op.writes])
def test_an_unscoped_caller_gets_the_whole_answer(
    master: tuple[Path, str], seen: Surfaces, name: str, surface: str
) -> None:
    op = next(o for o in operations() if o.name == name)
    args = args_for(op, master[1])
    kind, got = seen.run(surface, op, args, scoped=False)
    assert kind == "answer", f"{name} on {surface} refused an unscoped caller: {got}"
    assert same_figures(got, as_sent(surface, direct_result(seen.store, op, args))) == []
