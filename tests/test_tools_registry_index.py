"""The lazy registry: OPERATION_INDEX names the module of every operation, get_operation imports only that
module, and a CLI query command starts without the heavy libraries other operations need."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sqlglot
from spendscope.data.errors import NotFound
from spendscope.data.store import Store
from spendscope.tools.costs.breakdown import pre_aggregation_columns
from spendscope.tools.costs.dimensions import (
    BUILTIN_DIMENSIONS,
    dimension_sql,
    expression_reads,
    query_source,
)
from spendscope.tools.registry import OPERATION_INDEX, OPERATION_MODULES, get_operation, operations
from sqlglot import exp

ROOT = Path(__file__).resolve().parents[1]


def test_the_index_names_the_module_of_every_registered_operation_and_nothing_else() -> None:
    registered = {op.name: op.func.__module__ for op in operations()}
    assert registered == OPERATION_INDEX
    assert set(OPERATION_MODULES) == set(OPERATION_INDEX.values())


def test_an_unknown_operation_is_not_found_without_importing_every_module() -> None:
    with pytest.raises(NotFound) as err:
        get_operation("query_cost")
    assert err.value.code == "not_found"


def _modules_after(code: str) -> list[str]:
    """The heavy modules loaded by a fresh interpreter after running `code`."""
    probe = (
        f"import sys\n{code}\n"
        "print(sorted(m for m in ('numpy', 'sqlglot', 'statsmodels', 'pandas', "
        "'spendscope.tools.governance.forecast', 'spendscope.tools.allocation.suggest') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return eval(done.stdout.strip().splitlines()[-1])  # a list literal printed by the probe


def test_get_operation_imports_only_the_module_that_defines_it() -> None:
    assert (
        _modules_after("from spendscope.tools.registry import get_operation; get_operation('query_costs')")
        == []
    )


def test_a_cost_breakdown_from_the_cli_loads_neither_numpy_nor_sqlglot(demo_store: Store) -> None:
    code = (
        "from typer.testing import CliRunner\nfrom spendscope.cli import app\n"
        f"r = CliRunner().invoke(app, ['costs', '--by', 'provider', '--by', 'month', '--db', {str(demo_store.path)!r}])\n"
        "assert r.exit_code == 0 and 'OpenAI' in r.output, r.output"
    )
    assert _modules_after(code) == []


def _parsed_reads(sql: str) -> tuple[tuple[str, ...], bool]:
    tree = sqlglot.parse_one(sql, read="duckdb")
    return tuple(sorted({c.name for c in tree.find_all(exp.Column)})), isinstance(tree, exp.Column)


@pytest.mark.parametrize("dimension", [*BUILTIN_DIMENSIONS, "day", "week", "month", "tag:team", "team"])
def test_the_columns_a_generated_dimension_reads_match_what_the_sql_parser_finds(
    demo_store: Store, dimension: str
) -> None:
    with demo_store.reader() as con:
        sql = dimension_sql(dimension, con, query_source(con))
    known = expression_reads(sql)
    assert known is not None
    assert (tuple(sorted(known[0])), known[1]) == _parsed_reads(sql)


def test_sql_not_built_by_the_dimensions_module_still_goes_through_the_parser() -> None:
    custom = 'coalesce("x_Team", lower("RegionId"))'
    assert expression_reads(custom) is None
    assert pre_aggregation_columns([custom]) == ["RegionId", "x_Team"]
    assert pre_aggregation_columns(['"ProviderName"']) is None  # plain columns: grouped directly
