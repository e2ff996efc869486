"""The clickhouse:// path: clickhouse-connect against a local server speaking ClickHouse's HTTP interface that
executes on chdb (tests/fake_clickhouse_http.py, its own process). The demo is built through HTTP (schema,
Arrow inserts, shadow writes) and its answers match a DuckDB demo."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from backend_cases import differences, run_case

pytest.importorskip("chdb", reason="the clickhouse extra (chdb) is not installed")
pytest.importorskip("clickhouse_connect", reason="the clickhouse extra (clickhouse-connect) is not installed")

from spendscope.data.backends.url import parse_store_url  # noqa: E402
from spendscope.data.demo import build_demo  # noqa: E402
from spendscope.data.errors import InvalidArgument, SpendscopeError  # noqa: E402
from spendscope.data.store import Store  # noqa: E402

SERVER = Path(__file__).with_name("fake_clickhouse_http.py")
DEMO = {"end": "2026-10-31", "days": 62, "seed": 3}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    folder = tmp_path_factory.mktemp("fake-clickhouse") / "data"
    proc = subprocess.Popen(
        [sys.executable, str(SERVER), str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        yield int(proc.stdout.readline())
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


@pytest.fixture(scope="module")
def pair(server: int, tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, Store]:
    duck = Store(tmp_path_factory.mktemp("http-duck") / "demo.duckdb", lock_timeout=10)
    remote = Store(f"clickhouse://default:secret@127.0.0.1:{server}/finops?compress=false", lock_timeout=10)
    for store in (duck, remote):
        build_demo(store, **DEMO)
    return duck, remote


CASES = [
    ("query_costs", {"period": "2026-10", "group_by": ["provider", "model"]}),
    (
        "query_costs",
        {
            "period": "2026-10",
            "group_by": ["team"],
            "filters": [{"dimension": "provider", "values": ["OpenAI"]}],
        },
    ),
    ("unit_costs", {"period": "2026-10", "by": "customer"}),
    ("reconcile_estimates", {"period": "2026-10"}),
    ("gpu_utilization", {"period": "2026-10"}),
    ("list_sources", {"as_of": "2026-11-01"}),
]


@pytest.mark.parametrize(("name", "params"), CASES, ids=[c[0] for c in CASES])
def test_a_server_store_answers_like_duckdb(pair: tuple[Store, Store], name: str, params: dict) -> None:
    duck, remote = (run_case(s, name, params) for s in pair)
    assert "error" not in duck
    assert differences(duck, remote) == []


def test_writes_reach_the_server_and_a_rebuilt_demo_adds_nothing(pair: tuple[Store, Store]) -> None:
    duck, remote = pair
    for store in pair:
        run_case(store, "set_budget", {"name": "All AI", "amount": 100000})
    assert differences(run_case(duck, "list_budgets", {}), run_case(remote, "list_budgets", {})) == []
    again = build_demo(remote, **DEMO)
    assert sum(again.added.values()) == 0


def test_the_store_url_never_shows_its_password() -> None:
    url = parse_store_url("clickhouses://analyst:s3cret@ch.example.com/finops")
    assert (url.secure, url.port, url.database, url.user) == (True, 8443, "finops", "analyst")
    assert "s3cret" not in url.display() and "s3cret" not in repr(Store("clickhouses://analyst:s3cret@h/db"))


def test_a_bad_store_url_is_refused_with_the_accepted_forms() -> None:
    with pytest.raises(InvalidArgument) as err:
        parse_store_url("postgres://u:p@h/db")
    assert err.value.code == "invalid_argument"


def test_an_unreachable_server_is_a_clear_error() -> None:
    store = Store("clickhouse://default:@127.0.0.1:9/finops?connect_timeout=1", lock_timeout=1)
    assert not store.exists
    with pytest.raises(SpendscopeError) as err, store.reader() as con:
        con.execute("SELECT 1")
    assert err.value.code == "store_missing"
