"""Coding-assistant operations over the demo store and small stores of their own: spend per tool and engineer, unit
costs, idle seats, savings, and the users -> team rule source. Expected figures come from hand-written SQL over the
raw columns."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from fake_assistant_apis import fixture
from spendscope.data.assistants import TOOLS, finish
from spendscope.data.errors import InvalidRules
from spendscope.data.settings import Settings
from spendscope.data.store import Store, memory_connection
from spendscope.data.sync_cursor import stage
from spendscope.data.syncing import SyncWindow
from spendscope.tools.access import Caller
from spendscope.tools.invoke import invoke

OCT = {"start": dt.date(2026, 10, 1), "end": dt.date(2026, 10, 31)}


def _q(store: Store, sql: str, params: list | None = None) -> list[tuple]:
    with store.reader() as con:
        return con.execute(sql, params or []).fetchall()


def test_spend_per_tool_and_per_engineer_matches_hand_written_sql(demo_store: Store) -> None:
    result = invoke(demo_store, "get_assistant_costs", OCT)
    expected = dict(
        _q(
            demo_store,
            """SELECT json_extract_string(Tags, '$.assistant'), sum(EffectiveCost) FROM costs
               WHERE x_Source IN ('cursor', 'github_copilot')
                 AND ChargePeriodStart >= '2026-10-01' AND ChargePeriodStart < '2026-11-01' GROUP BY 1""",
        )
    )
    assert {t.tool: round(t.cost, 6) for t in result.tools} == {
        k: round(float(v), 6) for k, v in expected.items()
    }
    users = _q(
        demo_store,
        """SELECT json_extract_string(Tags, '$.assistant'), count(DISTINCT json_extract_string(Tags, '$.user'))
           FROM costs WHERE ChargeFrequency = 'Recurring' AND x_Source IN ('cursor', 'github_copilot') AND ChargePeriodStart >= '2026-10-01'
             AND ChargePeriodStart < '2026-11-01' GROUP BY 1""",
    )
    for tool, n in users:
        summary = next(t for t in result.tools if t.tool == tool)
        assert summary.users == n
        assert summary.cost_per_user == pytest.approx(summary.cost / n)


def test_cost_per_accepted_line_divides_a_users_cost_by_the_lines_the_vendor_reports(
    demo_store: Store,
) -> None:
    result = invoke(demo_store, "get_assistant_costs", {**OCT, "tool": "cursor"})
    row = next(u for u in result.users if u.accepted_lines)
    lines = _q(
        demo_store,
        "SELECT sum(accepted_lines) FROM assistant_activity WHERE tool = 'cursor' AND user_id = ? "
        "AND day >= '2026-10-01' AND day < '2026-11-01'",
        [row.user],
    )[0][0]
    cost = _q(
        demo_store,
        "SELECT sum(EffectiveCost) FROM costs WHERE x_Source = 'cursor' AND json_extract_string(Tags, '$.user') = ? "
        "AND ChargePeriodStart >= '2026-10-01' AND ChargePeriodStart < '2026-11-01'",
        [row.user],
    )[0][0]
    assert row.accepted_lines == lines
    assert row.cost_per_accepted_line == pytest.approx(float(cost / lines))


def test_idle_seats_are_those_without_activity_for_the_window(demo_store: Store) -> None:
    result = invoke(
        demo_store, "list_assistant_seats", {"as_of": "2026-10-31", "idle_days": 30, "only_idle": True}
    )
    expected = _q(
        demo_store,
        """SELECT s.tool, s.user_id FROM assistant_seats s
           LEFT JOIN (SELECT tool, user_id, max(day) AS d FROM assistant_activity WHERE active GROUP BY ALL) a
             ON a.tool = s.tool AND a.user_id = s.user_id
           WHERE greatest(CAST(s.last_activity_at AS DATE), a.d) IS NULL
              OR greatest(CAST(s.last_activity_at AS DATE), a.d) <= DATE '2026-10-01'
           ORDER BY 1, 2""",
    )
    assert [(r.tool, r.user) for r in result.rows] == [tuple(e) for e in expected]
    assert result.idle_seats == len(expected) >= 5
    assert result.idle_monthly_cost == pytest.approx(sum(r.monthly_price for r in result.rows))


def test_savings_name_idle_seats_a_cheaper_plan_and_the_model_mix(demo_store: Store) -> None:
    result = invoke(
        demo_store,
        "savings_recommendations",
        {**OCT, "kinds": ["idle_seat", "seat_plan", "premium_model_mix"]},
    )
    kinds = {r.kind for r in result.recommendations}
    assert kinds == {"idle_seat", "seat_plan", "premium_model_mix"}
    idle = [r for r in result.recommendations if r.kind == "idle_seat" and r.scope.get("seats") == "idle"]
    seats = invoke(
        demo_store, "list_assistant_seats", {"as_of": "2026-10-31", "idle_days": 30, "only_idle": True}
    )
    assert sum(r.monthly_saving for r in idle) == pytest.approx(seats.idle_monthly_cost)
    mix = next(r for r in result.recommendations if r.kind == "premium_model_mix")
    assert mix.scope == {"tool": "cursor", "model": "claude-4-opus"} and mix.monthly_saving > 0
    plan = next(r for r in result.recommendations if r.kind == "seat_plan")
    assert plan.scope == {"tool": "github_copilot"} and 0 < plan.monthly_saving <= 3 * 8.5  # about $8 a user


def _apply(store: Store, folder: Path, document: str, caller: Caller | None = None) -> None:
    (folder / "rules.yaml").write_text(document, encoding="utf-8")
    invoke(store, "apply_allocation_rules", {"document": document, "source_file": str(folder / "rules.yaml")})


def _cursor_store(path: Path) -> Store:
    store = Store(path, lock_timeout=10)
    store.ensure_schema()
    con = memory_connection()
    stage(
        con,
        Settings(),
        members=fixture("cursor_members.json")["teamMembers"],
        events=fixture("cursor_usage_events.json")["usageEvents"],
        daily=fixture("cursor_daily_usage.json")["data"],
        spend={},
    )
    window = SyncWindow(
        dt.datetime(2026, 11, 2, tzinfo=dt.UTC), dt.datetime(2026, 11, 4, tzinfo=dt.UTC), False
    )
    finish(
        store,
        con,
        TOOLS["cursor"],
        window,
        streams=("usage", "seats", "activity", "roster"),
        label="t",
        file_hash="t",
        warnings=[],
        state_source=None,
        as_of=window.end,
    )
    con.close()
    return store


RULES = """\
# who owns what
tags:
  team:
    - copy: Tags.team
    - users: people.csv
    - when: {ProviderName: Cursor}
      value: shared-tools
"""


def test_a_users_csv_maps_engineers_to_teams_and_the_stored_version_needs_no_csv(tmp_path: Path) -> None:
    store = _cursor_store(tmp_path / "s.duckdb")
    (tmp_path / "people.csv").write_text(
        "email,github_login,team\ndeveloper@company.com,dev-gh,search\nADMIN@company.com,,platform\n",
        encoding="utf-8",
    )
    _apply(store, tmp_path, RULES)
    (tmp_path / "people.csv").unlink()  # the version in force no longer depends on it
    by_team = invoke(
        store, "get_assistant_costs", {"start": "2026-11-02", "end": "2026-11-03", "group_by": "team"}
    )
    assert {(u.user, u.group) for u in by_team.users} == {
        ("developer@company.com", "search"),
        ("admin@company.com", "platform"),
    }
    expected = _q(
        store,
        "SELECT sum(EffectiveCost) FROM costs WHERE json_extract_string(Tags, '$.user') = 'developer@company.com'",
    )
    costs = invoke(store, "query_costs", {"start": "2026-11-02", "end": "2026-11-03", "group_by": ["team"]})
    assert {r.group["team"]: round(r.value, 6) for r in costs.rows}["search"] == round(
        float(expected[0][0]), 6
    )
    from spendscope.tools.allocation.versions import export_rules

    stored = export_rules(store)
    assert "users:" not in stored and "# who owns what" in stored and '"value": "search"' in stored


def test_a_scoped_caller_sees_only_the_engineers_of_its_team(tmp_path: Path) -> None:
    store = _cursor_store(tmp_path / "s.duckdb")
    (tmp_path / "people.csv").write_text(
        "email,team\ndeveloper@company.com,search\nadmin@company.com,platform\n", encoding="utf-8"
    )
    _apply(store, tmp_path, RULES)
    caller = Caller("search-lead", row_scope={"team": ("search",)})
    mine = invoke(store, "get_assistant_costs", {"start": "2026-11-02", "end": "2026-11-03"}, caller)
    assert {u.user for u in mine.users} == {"developer@company.com"}
    seats = invoke(store, "list_assistant_seats", {"as_of": "2026-11-03"}, caller)
    assert [s.user for s in seats.rows] == ["developer@company.com"]


def test_the_slack_access_file_with_a_directory_maps_slack_users_to_teams(tmp_path: Path) -> None:
    store = _cursor_store(tmp_path / "s.duckdb")
    (tmp_path / "slack-access.yaml").write_text(
        "admins: [U01ADMIN]\nusers:\n  U01ALICE: {team: search}\n  U01BOB: {team: [search, ads]}\n",
        encoding="utf-8",
    )
    (tmp_path / "directory.csv").write_text(
        "slack_id,email\nU01ALICE,developer@company.com\nU01BOB,admin@company.com\n", encoding="utf-8"
    )
    doc = "tags:\n  team:\n    - users: slack-access.yaml\n      directory: directory.csv\n"
    _apply(store, tmp_path, doc)
    by_team = invoke(
        store, "get_assistant_costs", {"start": "2026-11-02", "end": "2026-11-03", "group_by": "team"}
    )
    # Bob sees two teams in Slack, so the access file names no single team for him
    assert {(u.user, u.group) for u in by_team.users} == {
        ("developer@company.com", "search"),
        ("admin@company.com", "unallocated"),
    }


def test_a_user_mapped_to_two_teams_is_refused_naming_the_rule_line(tmp_path: Path) -> None:
    store = _cursor_store(tmp_path / "s.duckdb")
    (tmp_path / "people.csv").write_text("email,team\na@x.com,search\nA@x.com,ads\n", encoding="utf-8")
    with pytest.raises(InvalidRules) as err:
        _apply(store, tmp_path, RULES)
    assert err.value.code == "invalid_rules" and err.value.details["line"] == 5
    assert "line 3" in err.value.message  # the CSV row


def test_a_users_path_outside_the_rules_folder_is_refused(tmp_path: Path) -> None:
    store = _cursor_store(tmp_path / "s.duckdb")
    doc = "tags:\n  team:\n    - users: ../people.csv\n"
    with pytest.raises(InvalidRules):
        _apply(store, tmp_path, doc)


def test_an_unknown_tool_is_an_error_with_the_accepted_names(demo_store: Store) -> None:
    from spendscope.data.errors import InvalidArgument

    with pytest.raises(InvalidArgument) as err:
        invoke(demo_store, "get_assistant_costs", {**OCT, "tool": "tabnine"})
    assert err.value.code == "invalid_argument" and "github-copilot" in err.value.message


def test_seat_fees_sum_to_the_monthly_price_over_a_whole_month(demo_store: Store) -> None:
    rows = _q(
        demo_store,
        """SELECT json_extract_string(Tags, '$.user'), sum(EffectiveCost), any_value(ListUnitPrice) FROM costs
           WHERE x_Source = 'github_copilot' AND ChargeFrequency = 'Recurring' AND ChargeCategory = 'Usage'
             AND ChargePeriodStart >= '2026-10-01' AND ChargePeriodStart < '2026-11-01' GROUP BY 1""",
    )
    for _user, cost, price in rows:
        assert abs(cost - price) < Decimal("0.000001")  # 31 daily shares of price / 31


def test_cli_tags_apply_with_a_users_csv_then_assistants_by_team(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from spendscope.cli import app

    store = _cursor_store(tmp_path / "s.duckdb")
    (tmp_path / "people.csv").write_text("email,team\ndeveloper@company.com,search\n", encoding="utf-8")
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    runner = CliRunner()
    applied = runner.invoke(app, ["tags", "apply", str(tmp_path / "rules.yaml"), "--db", str(store.path)])
    assert applied.exit_code == 0, applied.output
    report = runner.invoke(
        app, ["assistants", "--period", "2026-11", "--by", "team", "--db", str(store.path), "--json"]
    )
    assert report.exit_code == 0, report.output
    groups = {u["user"]: u["group"] for u in json.loads(report.output)["users"]}
    assert groups == {"developer@company.com": "search", "admin@company.com": "shared-tools"}
