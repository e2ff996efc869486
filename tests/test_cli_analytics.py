"""The analytics commands from the outside: JSON, CSV, tables, PNG charts and one-line errors, on the public
FOCUS file (answers checked against csv + Decimal sums) and on the demo."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from analytics_facts import group, month, near, total
from spendscope.data.store import Store
from spendscope_in_process import run_spendscope
from typer.testing import CliRunner

from spendscope.cli import app

ROOT = Path(__file__).resolve().parents[1]


def run(store: Store, *args: str) -> str:
    result = CliRunner().invoke(app, [*args, "--db", str(store.path)])
    assert result.exit_code == 0, result.output
    return result.stdout


def run_json(store: Store, *args: str) -> dict:
    return json.loads(run(store, *args, "--json"))


def test_costs_json_total_and_filter(focus_public_store: Store) -> None:
    assert near(run_json(focus_public_store, "costs", "--period", "2026-10")["total"], Decimal("136077.61"))
    anthropic = run_json(
        focus_public_store, "costs", "-p", "September 2026", "--filter", "provider=Anthropic"
    )
    assert near(anthropic["total"], Decimal("17385.52"))
    not_aws = run_json(focus_public_store, "costs", "-p", "2026-10", "-f", "provider!=AWS,Microsoft")
    assert near(
        not_aws["total"],
        total(lambda r: month(r) == "2026-10" and r["ProviderName"] not in ("AWS", "Microsoft")),
    )


def test_costs_csv_breakdown_matches_the_csv_file(focus_public_store: Store) -> None:
    out = run(focus_public_store, "costs", "-p", "2026-10", "--by", "provider", "--csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    expected = group(lambda r: month(r) == "2026-10", lambda r: r["ProviderName"])
    assert {r["provider"]: float(r["cost"]) for r in rows} == {
        k: pytest.approx(float(v), abs=0.005) for k, v in expected.items()
    }


def test_costs_table_shows_groups_other_and_total(focus_public_store: Store) -> None:
    out = run(focus_public_store, "costs", "-p", "2026-10", "--by", "team", "--top", "2")
    assert "research" in out and "other (4 groups)" in out and "$136,077.61" in out


def test_costs_chart_is_a_png(focus_public_store: Store, tmp_path: Path) -> None:
    target = tmp_path / "trend.png"
    run(
        focus_public_store,
        "costs",
        "-p",
        "2026-10",
        "--by",
        "day",
        "--by",
        "provider",
        "--chart",
        str(target),
    )
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_dimensions_lists_and_searches(focus_public_store: Store) -> None:
    assert "team" in run(focus_public_store, "dimensions")
    found = run_json(focus_public_store, "dimensions", "model", "--search", "claude sonnet")
    assert found["values"][0]["value"] == "claude-sonnet-4-5"


def test_drivers_json_and_table(focus_public_store: Store) -> None:
    result = run_json(focus_public_store, "drivers", "-p", "2026-10", "--by", "provider,team")
    assert near(result["change"], Decimal("-5205.04"))
    assert [d["dimension"] for d in result["dimensions"]] == ["provider", "team"]
    table = run(focus_public_store, "drivers", "-p", "2026-10", "--compare", "2026-08", "--by", "provider")
    assert "August 2026" in table and "Spend fell" in table


def test_unit_costs_reconcile_gpu_commitments_and_savings_run(focus_public_store: Store) -> None:
    unit = run_json(focus_public_store, "unit-costs", "-p", "2026-09", "--by", "model")
    mini = next(r for r in unit["rows"] if r["key"] == "gpt-4o-mini")
    assert mini["cost_per_1m_tokens"] == pytest.approx(0.1826, abs=0.0001)
    rec = run_json(focus_public_store, "reconcile", "-p", "2026-10")
    assert rec["rows"] == [] and rec["uncovered"]
    gpu = run_json(focus_public_store, "gpu", "-p", "2026-10")
    assert near(gpu["total"]["cost"], Decimal("66048"))
    commit = run_json(focus_public_store, "commitments", "-p", "2026-09")
    assert near(commit["rows"][0]["unused_cost"], Decimal("4953.29"))
    saved = run_json(focus_public_store, "savings")
    assert {"commitment", "untagged"} <= {r["kind"] for r in saved["recommendations"]}
    for command in ("unit-costs", "reconcile", "gpu", "commitments", "savings"):
        assert "$" in run(focus_public_store, command)


def test_demo_unit_costs_per_customer_table(demo_store: Store) -> None:
    out = run(demo_store, "unit-costs", "--by", "customer", "-p", "2026-10")
    assert "per request" in out and "(no telemetry)" in out


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["costs", "--by", "colour"], "unknown dimension 'colour'"),
        (["costs", "--period", "2026-13"], "month 13 does not exist"),
        (["costs", "--period", "2025-01"], "holds no cost data"),
        (["unit-costs", "--by", "customer"], "need telemetry"),
        (["gpu", "--idle-threshold", "120"], "--idle-threshold:"),
        (["savings", "--kind", "magic"], "--kind:"),
    ],
)
def test_errors_print_one_line_and_exit_1(focus_public_store: Store, args: list[str], text: str) -> None:
    proc = run_spendscope(
        *args, "--db", str(focus_public_store.path), cwd=ROOT
    )  # the entry point, in process
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and text in lines[0]
    assert "Traceback" not in proc.stderr
