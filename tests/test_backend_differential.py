"""The differential suite: every registry operation on DuckDB and on embedded ClickHouse (chdb) over the same
data (the demo, built through the real importers into each store) gives the same answer, numbers to 1e-6.

Writes run on both first (rules, budgets, an owner, an anomaly scan), then every read, then the anomaly,
owner, budget and rule actions; a refusal must be the same refusal on both.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from backend_cases import anomaly_actions, build_pair, copy_chdb_store, differences, reads, run_case, writes

pytest.importorskip("chdb", reason="the clickhouse extra (chdb) is not installed")

from spendscope.data.store import Store  # noqa: E402
from spendscope.tools.registry import operations  # noqa: E402

MONTH, AS_OF = "2026-10", "2026-11-01"


@pytest.fixture(scope="module")
def pair(
    demo_store: Store, _chdb_demo_master: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Store, Store]:
    """The DuckDB side is a copy of the session's demo store (the same build: 100 days to 2026-10-31, seed 7),
    the chdb side a copy of that demo built through the importers into chdb once per session (conftest's
    `_chdb_demo_master`); then the writes run on both."""
    base = tmp_path_factory.mktemp("differential-demo")
    shutil.copy(demo_store.path, base / "demo.duckdb")
    duck = Store(base / "demo.duckdb", lock_timeout=10)
    click = copy_chdb_store(_chdb_demo_master, base / "demo-chdb")
    build_pair(duck, click, lambda s: None, MONTH)
    return duck, click


def test_every_registry_operation_has_a_differential_case() -> None:
    covered = {n for n, _ in writes(MONTH) + reads(MONTH, AS_OF) + anomaly_actions("x")}
    assert {op.name for op in operations()} - covered == set()


def test_the_clickhouse_store_holds_the_same_rows(pair: tuple[Store, Store]) -> None:
    sql = (
        "SELECT (SELECT count(*) FROM costs), (SELECT sum(EffectiveCost) FROM costs), "
        "(SELECT count(*) FROM usage_events), (SELECT sum(estimated_cost) FROM usage_events), "
        "(SELECT count(*) FROM gpu_samples), (SELECT count(*) FROM anomaly_labels), "
        "(SELECT count(*) FROM imports)"
    )
    rows = []
    for store in pair:
        with store.reader() as con:
            rows.append(con.execute(sql).fetchall()[0])
    assert rows[0] == rows[1]


@pytest.mark.parametrize(
    ("name", "params"), reads(MONTH, AS_OF), ids=lambda v: v if isinstance(v, str) else ""
)
def test_a_read_gives_the_same_answer_on_duckdb_and_clickhouse(
    pair: tuple[Store, Store], name: str, params: dict[str, Any]
) -> None:
    duck, click = (run_case(s, name, params) for s in pair)
    assert "error" not in duck or duck == click
    assert differences(duck, click) == []


def test_anomaly_owner_budget_and_rule_actions_give_the_same_answers(pair: tuple[Store, Store]) -> None:
    duck, click = pair
    listed = run_case(duck, "list_anomalies", {})
    assert listed["anomalies"], "the demo has anomalies to act on"
    for name, params in anomaly_actions(listed["anomalies"][0]["anomaly_id"]):
        assert differences(run_case(duck, name, params), run_case(click, name, params)) == [], name


def test_a_store_url_opens_the_backend_it_names(tmp_path: Path) -> None:
    assert Store(tmp_path / "x.duckdb").backend == "duckdb"
    assert Store(f"chdb:{tmp_path / 'c'}").backend == "clickhouse"
    assert Store("clickhouse://u:p@127.0.0.1:8123/finops").backend == "clickhouse"
