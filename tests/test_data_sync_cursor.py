"""`spendscope sync cursor` against a local fake of the Cursor Admin API (documented response examples)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from fake_assistant_apis import FakeCursor, fixture
from fake_provider_apis import FakeServer
from spendscope.data import sync_cursor
from spendscope.data.errors import ImportRejected, SourceError
from spendscope.data.settings import Settings
from spendscope.data.store import Store
from spendscope.data.syncing import read_state
from typer.testing import CliRunner

D1, D2 = dt.date(2026, 11, 2), dt.date(2026, 11, 3)
Q = Decimal("0.0000000001")


def _fake() -> FakeCursor:
    return FakeCursor(
        members=fixture("cursor_members.json")["teamMembers"],
        events=fixture("cursor_usage_events.json")["usageEvents"],
        daily=fixture("cursor_daily_usage.json")["data"],
        spend=fixture("cursor_spend.json")["teamMemberSpend"],
    )


def _settings(tmp_path: Path, url: str, key: str = "key_good") -> Settings:
    return Settings(
        db=tmp_path / "s.duckdb", keys_file=tmp_path / "keys.yaml", cursor_api_url=url, CURSOR_ADMIN_KEY=key
    )


def _sum(store: Store, sql: str, params: list | None = None) -> Decimal:
    with store.reader() as con:
        return con.execute(sql, params or []).fetchall()[0][0]


def test_cursor_sync_writes_seats_usage_and_activity_from_the_documented_examples(
    store: Store, tmp_path: Path
) -> None:
    api = _fake()
    with FakeServer(api.route) as srv:
        result = sync_cursor.sync_cursor(store, _settings(tmp_path, srv.url), since=D1, until=D2)
    charged = (Decimal("20.18232") + Decimal("40.16699999999999")) / 100  # the two usage-based events
    usage = _sum(
        store,
        "SELECT sum(EffectiveCost) FROM costs WHERE x_Source = 'cursor' AND ChargeFrequency = 'Usage-Based'",
    )
    assert usage == charged.quantize(Q)
    # two members hold a seat (the removed one does not): 2 days x $40 / 30 days of November each
    seat_days = _sum(
        store,
        "SELECT sum(EffectiveCost) FROM costs WHERE x_Source = 'cursor' AND ChargeFrequency = 'Recurring'",
    )
    assert seat_days == 2 * 2 * (Decimal(40) / 30).quantize(Q)
    billed = _sum(
        store,
        "SELECT sum(BilledCost) FROM costs WHERE x_Source = 'cursor' AND ChargeFrequency = 'Recurring' AND ChargeCategory = 'Purchase'",
    )
    assert billed == 2 * (Decimal(40) * 29 / 30).quantize(Q)  # prepaid from the first day to the month's end
    with store.reader() as con:
        freq = con.execute(
            "SELECT DISTINCT ChargeFrequency FROM costs WHERE x_Source = 'cursor' AND ChargeFrequency = 'Recurring'"
        ).fetchall()
        users = con.execute(
            "SELECT DISTINCT json_extract_string(Tags, '$.user') FROM costs ORDER BY 1"
        ).fetchall()
        tokens = con.execute(
            "SELECT x_TokenType, sum(x_Tokens) FROM costs WHERE x_Model = 'claude-4-opus' AND x_Tokens IS NOT NULL "
            "GROUP BY 1 ORDER BY 1"
        ).fetchall()
        activity = con.execute(
            "SELECT day, user_id, accepted_lines, requests, active FROM assistant_activity ORDER BY day, user_id"
        ).fetchall()
        roster = con.execute(
            "SELECT user_id, plan, monthly_price, cycle_spend FROM assistant_seats ORDER BY 1"
        ).fetchall()
    assert freq == [("Recurring",)]
    assert users == [("admin@company.com",), ("developer@company.com",)]
    assert tokens == [
        ("cache_write", 6112 + 11964),
        ("cached_input", 11964),
        ("input", 126 + 5805),
        ("output", 450 + 311),
    ]
    assert activity[0] == (D1, "developer@company.com", 1102, 45 + 128 + 12 + 67, True)
    assert [a[1] for a in activity] == ["developer@company.com", "admin@company.com", "developer@company.com"]
    assert roster == [
        ("admin@company.com", "teams", Decimal(40), Decimal(0)),
        ("developer@company.com", "teams", Decimal(40), Decimal("60.35")),
    ]
    assert result.seats == 2 and result.activity_rows == 3
    assert read_state(store, "cursor")["last_status"] == "ok"


def test_usage_event_pages_are_followed_and_a_429_with_retry_after_is_retried(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sync_cursor, "PAGE_SIZE", 1)
    api = _fake()
    api.failures = {"/teams/filtered-usage-events": [429], "/teams/members": [503]}
    with FakeServer(api.route) as srv:
        result = sync_cursor.sync_cursor(
            store, _settings(tmp_path, srv.url), since=D1, until=D2, sleep=lambda s: None
        )
    pages = [r for r in api.requests if r[1] == "/teams/filtered-usage-events"]
    assert [p[2]["page"] for p in pages] == [1, 1, 2, 3]  # the first answer was a 429
    assert result.retries == 2
    assert (
        _sum(
            store,
            "SELECT sum(x_Requests) FROM costs WHERE x_Source = 'cursor' AND ChargeFrequency = 'Usage-Based'",
        )
        == 3
    )


def test_a_late_revision_inside_the_lookback_replaces_the_earlier_numbers(
    store: Store, tmp_path: Path
) -> None:
    api = _fake()
    settings = _settings(tmp_path, "")
    with FakeServer(api.route) as srv:
        settings = _settings(tmp_path, srv.url)
        first = dt.datetime(2026, 11, 4, 12, tzinfo=dt.UTC)
        sync_cursor.sync_cursor(store, settings, since=D1, now=first)
        before = _sum(
            store, "SELECT count(*) FROM costs WHERE x_Source = 'cursor' AND ChargeFrequency = 'Usage-Based'"
        )
        api.events[0]["tokenUsage"]["totalCents"] = 120  # Cursor restated the event
        sync_cursor.sync_cursor(store, settings, lookback_days=3, now=first + dt.timedelta(hours=6))
    after = _sum(
        store,
        "SELECT sum(EffectiveCost) FROM costs WHERE x_Source = 'cursor' AND ChargeFrequency = 'Usage-Based'",
    )
    assert after == ((Decimal(120) + Decimal("40.16699999999999")) / 100).quantize(Q)
    assert (
        _sum(
            store, "SELECT count(*) FROM costs WHERE x_Source = 'cursor' AND ChargeFrequency = 'Usage-Based'"
        )
        == before
    )  # replaced, not added
    # the second window starts at the look-back (Nov 1): seats for Nov 1-4, one prepaid row per user and month
    assert (
        _sum(
            store,
            "SELECT count(*) FROM costs WHERE x_Source = 'cursor' AND ChargeFrequency = 'Recurring' AND ChargeCategory = 'Usage'",
        )
        == 2 * 4
    )
    assert _sum(store, "SELECT count(*) FROM costs WHERE ChargeCategory = 'Purchase'") == 2
    assert _sum(store, "SELECT count(*) FROM assistant_activity") == 3


def test_a_rejected_key_fails_with_one_line_and_is_recorded(store: Store, tmp_path: Path) -> None:
    api = _fake()
    with FakeServer(api.route) as srv, pytest.raises(SourceError) as err:
        sync_cursor.sync_cursor(store, _settings(tmp_path, srv.url, key="key_bad"), since=D1, until=D2)
    assert err.value.details["status"] == 401 and "key_bad" not in err.value.message
    assert read_state(store, "cursor")["last_status"] == "error"


def test_a_missing_key_names_the_variable_and_the_keys_file_key(store: Store, tmp_path: Path) -> None:
    settings = Settings(
        db=tmp_path / "s.duckdb", keys_file=tmp_path / "keys.yaml", cursor_api_url="http://127.0.0.1:9"
    )
    with pytest.raises(SourceError) as err:
        sync_cursor.sync_cursor(store, settings, since=D1, until=D2)
    assert "CURSOR_ADMIN_KEY" in err.value.message and "cursor_admin_key" in err.value.message


def test_the_key_is_read_from_the_keys_file(store: Store, tmp_path: Path) -> None:
    (tmp_path / "keys.yaml").write_text("cursor_admin_key: key_good\n", encoding="utf-8")
    api = _fake()
    with FakeServer(api.route) as srv:
        settings = Settings(
            db=tmp_path / "s.duckdb", keys_file=tmp_path / "keys.yaml", cursor_api_url=srv.url
        )
        result = sync_cursor.sync_cursor(store, settings, since=D1, until=D2)
    assert result.cost_rows > 0


def test_a_malformed_event_names_the_record_and_field_and_writes_nothing(
    store: Store, tmp_path: Path
) -> None:
    api = _fake()
    api.events[1]["tokenUsage"]["totalCents"] = "forty"
    with FakeServer(api.route) as srv, pytest.raises(ImportRejected) as err:
        sync_cursor.sync_cursor(store, _settings(tmp_path, srv.url), since=D1, until=D2)
    assert err.value.details["row"] == 2 and err.value.details["column"] == "tokenUsage.totalCents"
    assert _sum(store, "SELECT count(*) FROM costs") == 0


def test_cli_sync_cursor_runs_end_to_end_with_the_key_from_the_environment(tmp_path: Path) -> None:
    from spendscope.cli import app

    api = _fake()
    db = tmp_path / "c.duckdb"
    with FakeServer(api.route) as srv:
        env = {
            "CURSOR_ADMIN_KEY": "key_good",
            "SPENDSCOPE_CURSOR_API_URL": srv.url,
            "SPENDSCOPE_KEYS_FILE": str(tmp_path / "none.yaml"),
        }
        out = CliRunner().invoke(
            app,
            ["sync", "cursor", "--since", "2026-11-02", "--until", "2026-11-03", "--db", str(db)],
            env=env,
        )
        assert out.exit_code == 0, out.output
        assert "Cursor sync 2026-11-02" in out.output and "2 seats" in out.output
        again = CliRunner().invoke(
            app,
            ["sync", "cursor", "--since", "2026-11-02", "--until", "2026-11-03", "--db", str(db), "--json"],
            env=env,
        )
    assert again.exit_code == 0, again.output
    assert '"replaced_rows"' in again.output
    with Store(db).reader() as con:
        # charge rows per day, user, model and kind (2), token rows per day, user, model and type (4), 4 seat-days
        # and 2 prepaid seat rows: once, after two syncs of the same window
        assert con.execute("SELECT count(*) FROM costs WHERE x_Source LIKE 'cursor%'").fetchall()[0][0] == 12
