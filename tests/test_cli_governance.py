"""`spendscope budgets`, `forecast` and `anomalies` from the outside, on the public FOCUS file: JSON checked
against sums of the CSV made here with csv + Decimal, PNG charts, and one-line errors with exit code 1."""

from __future__ import annotations

import csv
import datetime as dt
import json
import statistics
from collections import defaultdict
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import pytest
from samples import public_export
from spendscope.data.store import Store
from spendscope_in_process import run_spendscope
from typer.testing import CliRunner

from spendscope.cli import app

ROOT = Path(__file__).resolve().parents[1]
PNG = b"\x89PNG\r\n\x1a\n"


@lru_cache(maxsize=1)
def daily_by_team() -> dict[tuple[str | None, str], Decimal]:
    out: dict[tuple[str | None, str], Decimal] = defaultdict(Decimal)
    with open(public_export(), encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            team = json.loads(r["Tags"]).get("team") if r["Tags"] else None
            out[(team, r["ChargePeriodStart"][:10])] += Decimal(r["EffectiveCost"] or "0")
    return dict(out)


def team_spend(team: str, first: dt.date, last: dt.date) -> Decimal:
    return sum(
        (
            v
            for (t, d), v in daily_by_team().items()
            if t == team and first.isoformat() <= d <= last.isoformat()
        ),
        Decimal(0),
    )


def run(store: Store, *args: str) -> str:
    result = CliRunner().invoke(app, [*args, "--db", str(store.path)])
    assert result.exit_code == 0, result.output
    return result.stdout


def run_json(store: Store, *args: str) -> dict | list:
    return json.loads(run(store, *args, "--json"))


def fails(store: Store, *args: str) -> str:
    proc = run_spendscope(*args, "--db", str(store.path), cwd=ROOT)  # the entry point, in this process
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    return lines[0]


def test_budget_lifecycle_on_the_public_file(focus_public_store: Store, tmp_path: Path) -> None:
    saved = run_json(
        focus_public_store,
        "budgets",
        "set",
        "Research",
        "--amount",
        "60000",
        "-f",
        "team=research",
        "--thresholds",
        "50,90",
        "--owner",
        "#research",
    )
    assert saved["created"] and saved["budget"]["scope"] == "team = research"
    status = run_json(focus_public_store, "budgets", "status", "research", "--as-of", "2026-10-16")
    s = status["budgets"][0]
    want = team_spend("research", dt.date(2026, 10, 1), dt.date(2026, 10, 15))
    assert s["spent"] == pytest.approx(float(want), abs=0.005)
    assert s["used_pct"] == pytest.approx(float(want) / 600, abs=1e-3)
    assert s["burn_rate_daily"] == pytest.approx(float(want) / 15, abs=0.005)
    crossed = {a["threshold_pct"]: a["crossed_on"] for a in s["alerts"] if a["kind"] == "actual"}
    assert set(crossed) == {50.0, 90.0}
    assert (crossed[50.0] is not None) == (want >= 30000)
    assert s["projected"] > s["spent"] and s["forecast_model"]
    table = run(
        focus_public_store, "budgets", "status", "--as-of", "2026-10-16", "--chart", str(tmp_path / "b.png")
    )
    assert "Research" in table and (tmp_path / "b.png").read_bytes()[:8] == PNG
    listed = run_json(focus_public_store, "budgets", "list")
    assert [b["budget_id"] for b in listed["budgets"]] == ["research"]
    check = run_json(focus_public_store, "budgets", "check", "--as-of", "2026-10-16")
    assert check["checked"] == 1
    assert run_json(focus_public_store, "budgets", "check", "--as-of", "2026-10-16")["new_alerts"] == []
    assert run_json(focus_public_store, "budgets", "remove", "Research")["removed"]
    assert run_json(focus_public_store, "budgets", "list")["budgets"] == []


def test_forecast_json_and_chart(focus_public_store: Store, tmp_path: Path) -> None:
    r = run_json(
        focus_public_store, "forecast", "-f", "team=search", "--horizon", "7", "--backtest-days", "14"
    )
    assert r["scope"] == "team = search" and len(r["points"]) == 7
    assert r["start"] == "2026-11-01" and r["history_end"] == "2026-10-31"
    b = r["backtest"]
    assert b["days"] == 14 and b["naive_mape_pct"] is not None and b["model_mase"] is not None
    last30 = team_spend("search", dt.date(2026, 10, 2), dt.date(2026, 10, 31))
    assert r["history_total_last_30d"] == pytest.approx(float(last30), abs=0.01)
    assert 0.5 * float(last30) / 30 * 7 < r["total"] < 1.5 * float(last30) / 30 * 7
    out = run(focus_public_store, "forecast", "--horizon", "5", "--chart", str(tmp_path / "f.png"))
    assert "Backtest" in out and (tmp_path / "f.png").read_bytes()[:8] == PNG


def test_anomaly_workflow_on_the_public_file(focus_public_store: Store, tmp_path: Path) -> None:
    # independently: team support's 2026-10-14 is more than twice its usual Wednesday
    wednesdays = [
        team_spend("support", d, d)
        for d in (dt.date(2026, 9, 23), dt.date(2026, 9, 30), dt.date(2026, 10, 7))
    ]
    spike = team_spend("support", dt.date(2026, 10, 14), dt.date(2026, 10, 14))
    assert spike > 2 * statistics.median(wednesdays)
    r = run_json(focus_public_store, "anomalies", "detect", "--days", "30")
    support = [a for a in r["anomalies"] if (a["dimension"], a["value"]) == ("team", "support")]
    assert (
        len(support) == 1 and support[0]["start_day"] == "2026-10-14" and support[0]["direction"] == "spike"
    )
    assert support[0]["actual"] == pytest.approx(float(spike), abs=0.01)
    assert r["new"] == len(r["anomalies"]) and r["run_id"]
    assert "customer" in r["skipped_dimensions"]
    aid = support[0]["anomaly_id"]
    shown = run_json(focus_public_store, "anomalies", "show", aid)
    assert shown["anomaly"]["root_cause"] and any(p["unusual"] for p in shown["series"])
    run(focus_public_store, "anomalies", "show", aid, "--chart", str(tmp_path / "a.png"))
    assert (tmp_path / "a.png").read_bytes()[:8] == PNG
    assert run_json(focus_public_store, "anomalies", "ack", aid, "--by", "sam")["status"] == "acknowledged"
    labelled = run_json(
        focus_public_store,
        "anomalies",
        "label",
        aid,
        "expected",
        "--reason",
        "load test",
        "--pattern",
        "weekly",
    )
    assert labelled["status"] == "expected" and labelled["status_reason"] == "load test"
    listed = run_json(focus_public_store, "anomalies", "list", "--status", "expected")
    assert [a["anomaly_id"] for a in listed["anomalies"]] == [aid]
    assert run_json(focus_public_store, "anomalies", "resolve", aid)["status"] == "resolved"
    assert run_json(focus_public_store, "anomalies", "detect", "--days", "30")["new"] == 0
    table = run(focus_public_store, "anomalies", "list", "--severity", "high")
    assert aid in table


def test_errors_are_one_line(focus_public_store: Store) -> None:
    assert "no budget named 'nope'" in fails(focus_public_store, "budgets", "remove", "nope")
    assert "--filter" in fails(focus_public_store, "forecast", "-f", "team")
    assert "--thresholds" in fails(
        focus_public_store, "budgets", "set", "x", "--amount", "5", "--thresholds", "0"
    )
    assert "no team 'serch'; closest: search" in fails(
        focus_public_store, "budgets", "set", "x", "--amount", "5", "-f", "team=serch"
    )
    assert "label" in fails(focus_public_store, "anomalies", "label", "an-1", "maybe")
