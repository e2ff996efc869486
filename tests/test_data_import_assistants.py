"""`spendscope import cursor|github-copilot|claude-code`: the dashboards' exports, for users without admin keys."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from fake_assistant_apis import FIXTURES
from spendscope.data.errors import ImportRejected
from spendscope.data.import_assistants import import_claude_code, import_cursor, import_github_copilot
from spendscope.data.store import Store
from typer.testing import CliRunner


def _q(store: Store, sql: str) -> list[tuple]:
    with store.reader() as con:
        return con.execute(sql).fetchall()


def test_a_cursor_usage_export_becomes_usage_rows_per_user_and_model(store: Store) -> None:
    result = import_cursor(store, FIXTURES / "cursor_usage_export.csv")
    assert Decimal(result.usage_cost) == Decimal("0.60") and result.window_start.date() == dt.date(
        2026, 11, 2
    )
    rows = _q(
        store,
        """SELECT json_extract_string(Tags, '$.user'), x_Model, sum(EffectiveCost), sum(x_Requests)
                        FROM costs WHERE x_Tokens IS NULL GROUP BY ALL ORDER BY 1""",
    )
    assert rows == [
        ("admin@company.com", "claude-4-sonnet-thinking", Decimal(0), 1),
        ("developer@company.com", "claude-4-opus", Decimal("0.60"), 2),
    ]
    tokens = dict(
        _q(store, "SELECT x_TokenType, sum(x_Tokens) FROM costs WHERE x_Tokens IS NOT NULL GROUP BY 1")
    )
    assert tokens == {
        "input": 126 + 5805 + 2100,
        "cache_write": 6112 + 11964,
        "cached_input": 11964 + 9000,
        "output": 450 + 311 + 800,
    }


def test_reimporting_an_export_adds_nothing_and_a_restated_export_replaces_its_days(
    store: Store, tmp_path: Path
) -> None:
    import_cursor(store, FIXTURES / "cursor_usage_export.csv")
    again = import_cursor(store, FIXTURES / "cursor_usage_export.csv")
    assert again.import_result.status == "duplicate"
    restated = tmp_path / "restated.csv"
    restated.write_text(
        (FIXTURES / "cursor_usage_export.csv").read_text(encoding="utf-8").replace("$0.40", "$0.55"),
        encoding="utf-8",
    )
    import_cursor(store, restated)
    assert _q(store, "SELECT sum(EffectiveCost) FROM costs") == [(Decimal("0.75"),)]


def test_a_bad_cost_names_the_file_row_and_column_and_imports_nothing(store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    text = (FIXTURES / "cursor_usage_export.csv").read_text(encoding="utf-8").replace("$0.40", "forty cents")
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ImportRejected) as err:
        import_cursor(store, bad)
    assert err.value.details["row"] == 2 and err.value.details["column"] == "Cost"
    assert _q(store, "SELECT count(*) FROM costs") == [(0,)]


def test_a_cursor_export_without_a_cost_column_says_which_columns_it_has(
    store: Store, tmp_path: Path
) -> None:
    bad = tmp_path / "nocost.csv"
    bad.write_text("Date,User,Model\n2026-11-02,a@b.c,gpt-5\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as err:
        import_cursor(store, bad)
    assert "Date, User, Model" in err.value.message


def test_the_copilot_premium_request_report_keeps_copilot_rows_per_user(store: Store) -> None:
    result = import_github_copilot(store, FIXTURES / "copilot_premium_requests.csv")
    rows = _q(
        store,
        """SELECT json_extract_string(Tags, '$.user'), x_Model, BilledCost, ListCost, ConsumedQuantity, SubAccountName
                        FROM costs WHERE x_Tokens IS NULL ORDER BY 1, 2""",
    )
    assert rows == [
        ("octocat", "claude-opus-4", Decimal(2), Decimal(2), Decimal(50), "acme"),
        ("octocat", "claude-sonnet-4", Decimal(0), Decimal(4), Decimal(100), "acme"),
        ("octokitten", "gpt-5", Decimal(0), Decimal("0.48"), Decimal(12), "acme"),
    ]
    assert any("not Copilot premium requests" in w for w in result.import_result.warnings)


def test_the_copilot_seat_report_is_the_roster_with_seat_fees_from_assignment(store: Store) -> None:
    result = import_github_copilot(
        store, FIXTURES / "copilot_seat_activity.csv", as_of=dt.datetime(2026, 11, 3, 23, tzinfo=dt.UTC)
    )
    assert result.seats == 3 and result.window_start.date() == dt.date(2026, 9, 1)
    seats = _q(
        store,
        "SELECT user_id, plan, monthly_price, CAST(last_activity_at AS DATE) FROM assistant_seats ORDER BY 1",
    )
    assert seats == [
        ("dormant-dev", "enterprise", Decimal(39), None),
        ("octocat", "business", Decimal(19), dt.date(2026, 11, 3)),
        ("octokitten", "business", Decimal(19), dt.date(2026, 10, 20)),
    ]
    october = _q(
        store,
        """SELECT json_extract_string(Tags, '$.user'), sum(EffectiveCost) FROM costs
                           WHERE ChargePeriodStart >= '2026-10-01' AND ChargePeriodStart < '2026-11-01' GROUP BY 1 ORDER BY 1""",
    )
    day = Decimal("0.0000000001")
    assert october == [
        ("dormant-dev", 31 * (Decimal(39) / 31).quantize(day)),
        ("octocat", 31 * (Decimal(19) / 31).quantize(day)),
        ("octokitten", 17 * (Decimal(19) / 31).quantize(day)),
    ]


def test_copilot_usage_metrics_ndjson_becomes_activity(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "users-1-day.ndjson"
    records = json.loads((FIXTURES / "copilot_users_1_day.json").read_text(encoding="utf-8"))
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    result = import_github_copilot(store, path)
    assert result.activity_rows == 1
    assert _q(store, "SELECT user_id, accepted_lines, suggested_lines FROM assistant_activity") == [
        ("octocat", 180, 310)
    ]


def test_claude_code_report_records_import_as_tokens_and_activity(store: Store) -> None:
    result = import_claude_code(store, FIXTURES / "claude_code_usage_report.json")
    assert result.activity_rows == 3 and Decimal(result.total_cost) == 0
    assert _q(store, "SELECT sum(commits), sum(pull_requests) FROM assistant_activity") == [(11, 3)]


def test_cli_imports_each_export_end_to_end(tmp_path: Path) -> None:
    from spendscope.cli import app

    db = str(tmp_path / "i.duckdb")
    runner = CliRunner()
    for kind, name in (
        ("cursor", "cursor_usage_export.csv"),
        ("github-copilot", "copilot_premium_requests.csv"),
        ("claude-code", "claude_code_usage_report.json"),
    ):
        out = runner.invoke(app, ["import", kind, str(FIXTURES / name), "--db", db])
        assert out.exit_code == 0, out.output
        assert "cost rows" in out.output
    seats = runner.invoke(
        app,
        [
            "import",
            "github-copilot",
            str(FIXTURES / "copilot_seat_activity.csv"),
            "--as-of",
            "2026-11-03",
            "--db",
            db,
        ],
    )
    assert seats.exit_code == 0 and "3 seats" in seats.output, seats.output
    report = runner.invoke(app, ["assistants", "--period", "2026-11", "--db", db, "--json"])
    assert report.exit_code == 0, report.output
    tools = {t["tool"] for t in json.loads(report.output)["tools"]}
    assert tools == {"cursor", "github_copilot", "claude_code"}
