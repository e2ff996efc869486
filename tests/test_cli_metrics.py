"""The `metrics` commands from the command line on a copy of the demo: tables, --json and --csv carry the same
figures as the operations, targets are set, listed and removed, errors are one line."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from spendscope.data.errors import InvalidArgument, MissingMetric, NotFound, UnknownValue
from spendscope.data.store import Store
from spendscope.tools.invoke import invoke
from typer.testing import CliRunner

from spendscope.cli import app


@pytest.fixture(scope="module")
def db(demo_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli-metrics") / "demo.duckdb"
    shutil.copy(demo_store.path, path)
    return path


def run(db: Path, *args: str) -> str:
    result = CliRunner().invoke(app, [*args, "--db", str(db)])
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def test_list_values_and_unit_cost_show_the_operations_figures(db: Path) -> None:
    listed = run(db, "metrics", "list")
    assert "tickets_resolved" in listed and "billing currency USD" in listed
    store = Store(db)
    expected = invoke(store, "cost_per_business_unit", {"metric": "tickets_resolved", "period": "2026-10"})
    got = json.loads(run(db, "metrics", "unit-cost", "tickets_resolved", "--period", "2026-10", "--json"))
    assert got["total"]["cost_per_unit"] == pytest.approx(expected.total.cost_per_unit)
    table = run(db, "metrics", "unit-cost", "tickets_resolved", "--period", "2026-10")
    assert f"${expected.total.cost_per_unit:,.4f}" in table and "cost per ticket" in table.lower()
    rows = list(
        csv.DictReader(
            io.StringIO(
                run(db, "metrics", "values", "revenue", "--period", "2026-10", "--by", "plan", "--csv")
            )
        )
    )
    assert {r["plan"] for r in rows} == {"enterprise", "business", "growth", "starter"}


def test_profitability_lists_the_unprofitable_customer_first_in_every_format(
    db: Path, tmp_path: Path
) -> None:
    doc = json.loads(run(db, "metrics", "profitability", "--period", "2026-10", "--json"))
    first = doc["rows"][0]
    assert first["at_risk"] and first["cost_exceeds_subscription"]
    table = run(db, "metrics", "profitability", "--period", "2026-10", "--chart", str(tmp_path / "p.png"))
    assert table.index(first["key"]) < table.index(doc["rows"][1]["key"]) and "1 at risk" in table
    assert (tmp_path / "p.png").stat().st_size > 1000
    by_plan = list(
        csv.DictReader(
            io.StringIO(run(db, "metrics", "profitability", "--period", "2026-10", "--by", "plan", "--csv"))
        )
    )
    assert {r["plan"] for r in by_plan} >= {"enterprise", "starter"}


def test_floors_and_budgets_are_set_listed_and_removed(db: Path) -> None:
    out = run(
        db,
        "metrics",
        "floor",
        "set",
        "Enterprise margin",
        "--floor",
        "85",
        "--filter",
        "plan=enterprise",
        "--owner",
        "#ent",
    )
    assert "margin floor enterprise-margin created" in out
    assert "enterprise-margin" in run(db, "metrics", "floor", "list")
    out = run(
        db,
        "metrics",
        "budget",
        "set",
        "Docs",
        "--metric",
        "documents processed",
        "--amount",
        "30",
        "--per",
        "1000",
        "--grain",
        "month",
    )
    assert "unit budget docs created" in out
    status = run(db, "metrics", "budget", "status", "docs", "--as-of", "2026-11-01")
    assert "2026-10" in status and "docs:" in status
    alerts = json.loads(run(db, "metrics", "alerts", "--as-of", "2026-11-01", "--json"))["alerts"]
    below = {a["value"] for a in alerts if a["target"] == "enterprise-margin"}
    assert "duff-beer" in below  # 67.6% margin < 85%
    run(db, "metrics", "floor", "remove", "enterprise-margin")
    run(db, "metrics", "budget", "remove", "docs")
    assert "enterprise-margin" not in run(db, "metrics", "floor", "list")


def test_a_floor_for_a_customer_not_yet_in_the_store_needs_allow_new_values(db: Path) -> None:
    args = ["metrics", "floor", "set", "Newco", "--floor", "50", "--filter", "customer=newco-ltd"]
    refused = CliRunner().invoke(app, [*args, "--db", str(db)])
    assert isinstance(refused.exception, UnknownValue) and "newco-ltd" in str(refused.exception)
    assert "margin floor newco created" in run(db, *args, "--allow-new-values")
    run(db, "metrics", "floor", "remove", "newco")


def test_anomalies_name_the_days_and_the_change(db: Path) -> None:
    out = run(db, "metrics", "anomalies", "tickets_resolved", "--days", "30")
    assert "cost per ticket rose" in out and "2026-10-22" in out


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["metrics", "unit-cost", "tickets_closed"], MissingMetric),
        (["metrics", "profitability", "--period", "last 30 days", "--as-of", "2026-10-20"], InvalidArgument),
        (["metrics", "floor", "remove", "nope"], NotFound),
        (["metrics", "floor", "set", "x", "--floor", "50", "--owner", "not an owner"], InvalidArgument),
        (["metrics", "floor", "set", "x", "--floor", "50", "--filter", "plan=enterprize"], UnknownValue),
        (["metrics", "profitability", "--by", "plan", "--filter", "plan=stater"], UnknownValue),
    ],
)
def test_bad_input_is_one_error_naming_it(db: Path, args: list[str], error: type) -> None:
    result = CliRunner().invoke(app, [*args, "--db", str(db)])
    assert isinstance(result.exception, error), result.output
