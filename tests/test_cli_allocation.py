"""The allocation commands end to end on the public FOCUS file: tags, owners, shared pools and reports."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from fake_messages_api import FakeMessagesAPI, tool_use_reply
from spendscope.data.store import Store
from spendscope_in_process import run_spendscope
from test_tools_allocation import FIXTURES, add_costs, add_events, by
from typer.testing import CliRunner

from spendscope.cli import app

RULES = FIXTURES / "rules.yaml"


def run(store: Store, *args: str) -> str:
    result = CliRunner().invoke(app, [*args, "--db", str(store.path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def run_json(store: Store, *args: str) -> object:
    return json.loads(run(store, *args, "--json"))


def test_rules_are_applied_listed_versioned_and_rolled_back(focus_public_store: Store) -> None:
    out = run(focus_public_store, "tags", "apply", str(RULES), "--author", "ana")
    assert "applied rules version 1" in out and "env, product, team" in out
    assert "unchanged" in run(focus_public_store, "tags", "apply", str(RULES))
    listing = run_json(focus_public_store, "tags", "list")
    assert [t["key"] for t in listing["tags"]] == ["team", "env", "product"]
    assert listing["tags"][0]["rules"][1]["line"] == 5
    frozen = RULES.read_text(encoding="utf-8").replace('version: "2026-11-a"', 'version: "2026-11-b"')
    path = focus_public_store.path.parent / "v2.yaml"
    path.write_text(frozen.replace("value: growth", "value: growth-team", 1), encoding="utf-8")
    run(focus_public_store, "tags", "apply", str(path), "--effective-from", "2026-10-01", "--author", "bo")
    history = run_json(focus_public_store, "tags", "history")
    assert [(v["version"], v["author"], v["effective_from"]) for v in history["versions"]] == [
        (2, "bo", "2026-10-01"),
        (1, "ana", None),
    ]
    assert "team: +1 -1 rules" in history["versions"][0]["summary"]
    out = run(focus_public_store, "tags", "rollback", "1", "--author", "cy")
    assert "restored the rules of version 1 as version 3" in out
    exported = run(focus_public_store, "tags", "export")
    assert exported == RULES.read_text(encoding="utf-8")


def test_a_bad_rules_file_is_refused_with_its_line_number(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "tags:\n  team:\n    - copy: Tags.team\n    - when: {SubAcountName: x}\n      value: a\n",
        encoding="utf-8",
    )
    done = run_spendscope("tags", "apply", str(bad), "--db", str(tmp_path / "s.duckdb"), cwd=None)
    assert done.returncode == 1
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith(f"error: {bad} line 4: rule 2 of tag 'team': unknown column 'SubAcountName'")
    assert "Traceback" not in done.stderr and not (tmp_path / "s.duckdb").exists()


def test_coverage_shows_the_allocated_share_and_the_largest_gaps(focus_public_store: Store) -> None:
    data = run_json(focus_public_store, "tags", "coverage", "--key", "team", "--period", "2026-10")
    assert round(data["rows"][0]["unallocated"], 2) == 2237.24
    assert {i["sub_account"] for i in data["unallocated_items"]} == {"nw-vertex-dev", "Default project"}
    table = run(focus_public_store, "tags", "coverage")
    assert "Largest unallocated line items" in table
    csv_text = run(focus_public_store, "tags", "coverage", "--csv")
    assert (
        csv_text.splitlines()[0]
        == "key,kind,month,total_cost,allocated_cost,unallocated_cost,allocated_pct,values"
    )


def test_suggestions_are_stored_and_reviewed_by_ranges(focus_public_store: Store) -> None:
    data = run_json(focus_public_store, "tags", "suggest", "--no-llm", "--key", "team", "--key", "env")
    ids = {(s["key"], s["rule"]["when"].get("SubAccountName")): s["id"] for s in data["suggestions"]}
    team_id, env_id = ids[("team", "nw-vertex-dev")], ids[("env", "nw-vertex-dev")]
    listing = run(focus_public_store, "tags", "review")
    assert "nw-vertex-dev" in listing and "pending" in listing
    out = run(focus_public_store, "tags", "review", "--approve", f"{team_id},{env_id}", "--author", "rev")
    assert "rules version 1: approved suggestions: env: new tag (2 rules); team: new tag (2 rules)" in out
    values = by(focus_public_store, "team", period="2026-10")
    assert "unallocated" in values and round(values["growth"], 2) == round(7043.08 + 1584.83, 2)


def test_owners_are_managed_from_the_cli(focus_public_store: Store) -> None:
    run(
        focus_public_store,
        "owners",
        "set",
        "team",
        "search",
        "--slack-channel",
        "#search-costs",
        "--email",
        "search@example.com",
    )
    owners = run_json(focus_public_store, "owners", "list")
    assert owners == [
        {
            "key": "team",
            "value": "search",
            "slack_channel": "#search-costs",
            "slack_user": None,
            "email": "search@example.com",
            "teams_webhook": None,
            "updated_by": owners[0]["updated_by"],
            "updated_at": owners[0]["updated_at"],
        }
    ]
    assert "removed the owner of team=search" in run(focus_public_store, "owners", "remove", "team", "search")


def test_shared_pools_are_listed_and_their_reallocation_shown(focus_public_store: Store) -> None:
    run(focus_public_store, "tags", "apply", str(RULES))
    assert "azure-ptu" in run(focus_public_store, "shared", "list")
    data = run_json(focus_public_store, "shared", "show", "--key", "team", "--month", "2026-10")
    assert data["conserved"] and data["total_before"] == data["total_after"]
    assert {p["pool"]: p["amount"] for p in data["pools"]} == {"azure-ptu": 18000, "gpu": 66048}
    assert "conserved for every day" in run(focus_public_store, "shared", "show", "--month", "2026-10")


def test_the_showback_report_renders_every_format_and_chargeback_files(
    focus_public_store: Store, tmp_path: Path
) -> None:
    run(focus_public_store, "tags", "apply", str(RULES))
    run(focus_public_store, "owners", "set", "team", "research", "--email", "research@example.com")
    table = run(focus_public_store, "report", "showback", "--by", "team", "--month", "2026-10")
    assert "Showback by team, October 2026" in table and "TOTAL" in table
    csv_text = run(focus_public_store, "report", "showback", "--by", "team", "--month", "2026-10", "--csv")
    assert csv_text.splitlines()[0] == (
        "month,team,direct,shared,total,previous_total,change,change_pct,top_drivers,owner"
    )
    md = run(focus_public_store, "report", "showback", "--month", "2026-10", "--markdown")
    assert md.startswith("# Showback by team: October 2026") and "| **total** |" in md
    png, folder = tmp_path / "chart.png", tmp_path / "chargeback"
    data = run_json(
        focus_public_store,
        "report",
        "showback",
        "--month",
        "2026-10",
        "--png",
        str(png),
        "--chargeback",
        str(folder),
    )
    assert png.read_bytes()[:4] == b"\x89PNG" and data["conserved"]
    assert sorted(p.name for p in folder.iterdir()) == [
        "chargeback-2026-10-research-example-com.md",
        "chargeback-2026-10-unowned.md",
    ]
    assert round(sum(r["total"] for r in data["rows"]), 2) == 136077.61


def test_attribution_reports_cost_per_customer_and_what_could_not_be_matched(store: Store) -> None:
    day = dt.date(2026, 10, 5)
    add_costs(store, [{"day": day, "cost": 9, "model": "gpt-4o"}, {"day": day, "cost": 2, "model": "o3"}])
    add_events(
        store, [{"day": day, "customer": "acme", "est": "2"}, {"day": day, "customer": "globex", "est": "1"}]
    )
    data = run_json(store, "report", "attribution", "--by", "customer", "--month", "2026-10")
    assert {r["values"]["customer"]: r["cost"] for r in data["rows"]} == {"acme": 6, "globex": 3}
    assert (data["unmatched_cost"], data["reconciles"]) == (2, True)
    assert "Reconciles to the invoice exactly" in run(store, "report", "attribution", "--month", "2026-10")


def test_suggest_lets_claude_refine_value_names_only_when_a_key_is_set(
    focus_public_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("ANTHROPIC_API_KEY", "SPENDSCOPE_ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    plain = run_json(focus_public_store, "tags", "suggest", "--key", "team")
    assert plain["notes"] == [] and plain["suggestions"][0]["rule"]["value"] == "growth"
    reply = tool_use_reply(
        "rename_values", {"renames": [{"id": 1, "value": "growth-team", "reason": "style"}]}
    )
    with FakeMessagesAPI([reply]) as fake:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url)
        refined = run_json(focus_public_store, "tags", "suggest", "--key", "team")
    assert refined["notes"] == ["suggestion 1: 'growth' -> 'growth-team'"]
    assert refined["suggestions"][0]["rule"]["value"] == "growth-team"
    assert fake.headers[0]["authorization"] == "Bearer test-key"
