"""`spendscope sync claude-code` against a local fake of the Claude Code Analytics Admin API (documented example)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from fake_assistant_apis import FakeClaudeCode, fixture
from fake_provider_apis import FakeServer
from spendscope.data.errors import ImportRejected
from spendscope.data.settings import Settings
from spendscope.data.store import Store
from spendscope.data.sync_claude_code import sync_claude_code
from typer.testing import CliRunner

D1 = dt.date(2026, 11, 2)


def _fake() -> FakeClaudeCode:
    return FakeClaudeCode(
        records=fixture("claude_code_usage_report.json")["data"],
        users=fixture("anthropic_users.json")["data"],
    )


def _settings(tmp_path: Path, url: str, **extra: object) -> Settings:
    return Settings(
        db=tmp_path / "s.duckdb",
        keys_file=tmp_path / "keys.yaml",
        anthropic_api_url=url,
        ANTHROPIC_ADMIN_KEY="sk-admin-good",
        **extra,
    )


def _rows(store: Store, sql: str) -> list[tuple]:
    with store.reader() as con:
        return con.execute(sql).fetchall()


def test_api_billed_usage_is_not_counted_twice_by_default_but_tokens_and_activity_are_kept(
    store: Store, tmp_path: Path
) -> None:
    api = _fake()
    with FakeServer(api.route) as srv:
        result = sync_claude_code(store, _settings(tmp_path, srv.url), since=D1, until=D1)
    assert (
        Decimal(result.total_cost) == 0
    )  # API usage is on the Anthropic bill; subscription usage is in the seat
    estimate = Decimal("1.86") + Decimal("0.42") + Decimal("12.34") + Decimal("0.755")  # cents in the report
    assert (
        _rows(
            store,
            "SELECT sum(ListCost) FROM costs WHERE x_Source = 'claude_code' AND ChargeFrequency = 'Usage-Based'",
        )[0][0]
        == estimate
    )
    tokens = _rows(
        store, "SELECT x_TokenType, sum(x_Tokens) FROM costs WHERE x_Tokens IS NOT NULL GROUP BY 1 ORDER BY 1"
    )
    assert tokens == [
        ("cache_write", 2340 + 890),
        ("cached_input", 8790 + 3420 + 1200),
        ("input", 45230 + 23100 + 5400 + 9000),
        ("output", 12450 + 5680 + 2100 + 1500),
    ]
    activity = _rows(
        store,
        """SELECT user_id, sessions, accepted_lines, removed_lines, commits, pull_requests,
                                      suggestions_accepted, suggestions_shown, estimated_cost
                               FROM assistant_activity ORDER BY user_id""",
    )
    assert activity == [
        ("api-key:ci-review-bot", 4, 0, 0, 0, 0, 0, 0, Decimal("0.755")),
        ("dev@acme.com", 15, 342, 128, 8, 2, 50, 56, Decimal("2.28")),
        ("lead@acme.com", 5, 842, 210, 3, 1, 10, 10, Decimal("12.34")),
    ]


def test_with_estimate_api_usage_is_counted_at_the_estimate_and_subscription_usage_stays_zero(
    store: Store, tmp_path: Path
) -> None:
    api = _fake()
    with FakeServer(api.route) as srv:
        sync_claude_code(
            store, _settings(tmp_path, srv.url, claude_code_api_costs="estimate"), since=D1, until=D1
        )
    by_user = _rows(
        store,
        """SELECT json_extract_string(Tags, '$.user'), sum(EffectiveCost) FROM costs
                              WHERE x_Source = 'claude_code' AND ChargeFrequency = 'Usage-Based' GROUP BY 1 ORDER BY 1""",
    )
    assert by_user == [
        ("api-key:ci-review-bot", Decimal("0.755")),
        ("dev@acme.com", Decimal("2.28")),
        ("lead@acme.com", Decimal(0)),
    ]


def test_a_seat_price_makes_every_member_a_seat_from_the_day_they_joined(
    store: Store, tmp_path: Path
) -> None:
    api = _fake()
    with FakeServer(api.route) as srv:
        result = sync_claude_code(
            store, _settings(tmp_path, srv.url, claude_code_seat_price=Decimal(150)), since=D1, until=D1
        )
    assert result.seats == 3
    seat = _rows(
        store,
        "SELECT sum(EffectiveCost), count(DISTINCT json_extract_string(Tags, '$.user')) FROM costs "
        "WHERE x_Source = 'claude_code' AND ChargeFrequency = 'Recurring' AND ChargeCategory = 'Usage'",
    )
    assert seat == [(3 * (Decimal(150) / 30).quantize(Decimal("0.0000000001")), 3)]
    last = _rows(store, "SELECT user_id, CAST(last_activity_at AS DATE) FROM assistant_seats ORDER BY 1")
    assert last == [("dev@acme.com", D1), ("idle@acme.com", None), ("lead@acme.com", D1)]


def test_report_pages_are_followed_per_day_and_a_529_is_retried(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from spendscope.data import sync_claude_code as mod

    monkeypatch.setattr(mod, "PAGE_LIMIT", 2)
    api = _fake()
    api.failures = {"/v1/organizations/usage_report/claude_code": [529]}
    with FakeServer(api.route) as srv:
        result = sync_claude_code(
            store, _settings(tmp_path, srv.url), since=D1, until=D1, sleep=lambda s: None
        )
    calls = [q for _, p, q in api.requests if p.endswith("/claude_code")]
    assert [c.get("page") for c in calls] == [None, None, "page_2"] and result.retries == 1
    assert result.activity_rows == 3


def test_a_malformed_token_count_names_the_record_and_writes_nothing(store: Store, tmp_path: Path) -> None:
    api = _fake()
    api.records[1]["model_breakdown"][0]["tokens"]["input"] = "lots"
    with FakeServer(api.route) as srv, pytest.raises(ImportRejected) as err:
        sync_claude_code(store, _settings(tmp_path, srv.url), since=D1, until=D1)
    assert err.value.code == "import_rejected" and err.value.details["row"] == 2
    assert _rows(store, "SELECT count(*) FROM assistant_activity") == [(0,)]


def test_cli_sync_claude_code_runs_end_to_end(tmp_path: Path) -> None:
    from spendscope.cli import app

    api = _fake()
    with FakeServer(api.route) as srv:
        env = {
            "ANTHROPIC_ADMIN_KEY": "sk-admin-good",
            "SPENDSCOPE_ANTHROPIC_API_URL": srv.url,
            "SPENDSCOPE_KEYS_FILE": str(tmp_path / "none.yaml"),
        }
        out = CliRunner().invoke(
            app,
            [
                "sync",
                "claude-code",
                "--since",
                "2026-11-02",
                "--until",
                "2026-11-02",
                "--db",
                str(tmp_path / "c.duckdb"),
            ],
            env=env,
        )
    assert out.exit_code == 0, out.output
    assert "Claude Code sync 2026-11-02" in out.output and "3 activity rows" in out.output
