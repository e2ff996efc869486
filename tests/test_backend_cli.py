"""The CLI a user runs, on embedded ClickHouse: `spendscope demo --db chdb:PATH`, then commands with the same
answers as on a DuckDB file built the same way (numbers to 1e-6), and `spendscope query` through the guard."""

from __future__ import annotations

import json

import pytest
from backend_cases import differences, normalise
from typer.testing import CliRunner

pytest.importorskip("chdb", reason="the clickhouse extra (chdb) is not installed")

from spendscope.cli import app  # noqa: E402

DEMO = ["--end", "2026-10-31", "--days", "62", "--seed", "7"]


def run(db: str, *args: str) -> str:
    result = CliRunner().invoke(app, [*args, "--db", db])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    base = tmp_path_factory.mktemp("backend-cli")
    duck, click = str(base / "demo.duckdb"), f"chdb:{base / 'demo-chdb'}"
    for db in (duck, click):
        assert json.loads(run(db, "demo", *DEMO, "--json"))
    return duck, click


@pytest.mark.parametrize(
    "args",
    [
        ["costs", "--period", "2026-10", "--by", "provider", "--by", "model"],
        ["costs", "--period", "2026-10", "--by", "team"],
        ["unit-costs", "--period", "2026-10"],
        ["assistants", "--period", "2026-10"],
    ],
    ids=lambda a: " ".join(a),
)
def test_a_command_on_a_chdb_demo_answers_like_on_a_duckdb_demo(
    stores: tuple[str, str], args: list[str]
) -> None:
    duck, click = (normalise(json.loads(run(db, *args, "--json"))) for db in stores)
    assert differences(duck, click) == []


def test_spendscope_query_on_chdb_gives_the_duckdb_rows(stores: tuple[str, str]) -> None:
    sql = (
        "SELECT ProviderName, round(sum(EffectiveCost), 6) AS cost FROM costs "
        "WHERE ChargePeriodStart >= '2026-10-01' GROUP BY ALL ORDER BY ProviderName"
    )
    duck, click = (json.loads(run(db, "query", sql, "--json")) for db in stores)
    assert differences(duck, click) == []
    assert len(click) >= 3


def test_a_query_on_an_undocumented_table_is_refused_on_chdb_as_on_duckdb(stores: tuple[str, str]) -> None:
    outputs = []
    for db in stores:
        result = CliRunner().invoke(app, ["query", "SELECT * FROM schema_migrations", "--db", db])
        assert result.exit_code != 0
        outputs.append(result.output)
    assert outputs[0] == outputs[1]
    assert "Traceback" not in outputs[1]
