"""`spendscope sync github-copilot` against a local fake of GitHub's Copilot seats, premium-request billing and usage
metrics endpoints (documented response examples)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from fake_assistant_apis import FakeGitHub, fixture
from fake_provider_apis import FakeServer
from spendscope.data.errors import InvalidArgument, SourceError
from spendscope.data.settings import Settings
from spendscope.data.store import Store
from spendscope.data.sync_github_copilot import sync_github_copilot
from spendscope.data.syncing import read_state
from typer.testing import CliRunner

D1, D2 = dt.date(2026, 11, 2), dt.date(2026, 11, 3)
Q = Decimal("0.0000000001")


def _item(day: dt.date, user: str, model: str, gross: int, included: int) -> dict:
    net = gross - included
    return {
        "day": day,
        "user": user,
        "product": "Copilot",
        "sku": "Copilot Premium Request",
        "model": model,
        "unitType": "requests",
        "pricePerUnit": 0.04,
        "grossQuantity": gross,
        "grossAmount": gross * 0.04,
        "discountQuantity": included,
        "discountAmount": included * 0.04,
        "netQuantity": net,
        "netAmount": net * 0.04,
    }


def _fake() -> FakeGitHub:
    api = FakeGitHub(seats=fixture("copilot_seats.json")["seats"])
    org_items = fixture("copilot_premium_usage.json")["usageItems"]
    # the documented day's items, split between octocat and a user who is no longer seated
    sonnet, opus = org_items
    api.premium += [
        _item(D1, "octocat", sonnet["model"], 100, 100),
        _item(D1, "former-dev", sonnet["model"], 20, 0),
        _item(D1, "octocat", opus["model"], 50, 0),
        _item(D2, "octocat", opus["model"], 25, 0),
    ]
    api.metrics[D1.isoformat()] = fixture("copilot_users_1_day.json")
    return api


def _settings(tmp_path: Path, url: str, token: str = "ghp_good", org: str | None = "acme") -> Settings:
    return Settings(
        db=tmp_path / "s.duckdb",
        keys_file=tmp_path / "keys.yaml",
        github_api_url=url,
        GITHUB_TOKEN=token,
        github_org=org,
    )


def _one(store: Store, sql: str) -> object:
    with store.reader() as con:
        return con.execute(sql).fetchall()[0][0]


def test_copilot_sync_writes_seat_fees_premium_requests_per_user_and_metrics(
    store: Store, tmp_path: Path
) -> None:
    api = _fake()
    with FakeServer(api.route) as srv:
        api.base_url = srv.url
        result = sync_github_copilot(
            store,
            _settings(tmp_path, srv.url),
            since=D1,
            until=D2,
            now=dt.datetime(2026, 11, 4, tzinfo=dt.UTC),
        )
    with store.reader() as con:
        per_user = con.execute(
            """SELECT json_extract_string(Tags, '$.user'), x_Model, sum(BilledCost), sum(ListCost), sum(ConsumedQuantity)
               FROM costs WHERE x_Source = 'github_copilot' AND ChargeFrequency = 'Usage-Based' GROUP BY ALL ORDER BY 1 NULLS LAST, 2"""
        ).fetchall()
        seats = con.execute(
            """SELECT json_extract_string(Tags, '$.user'), sum(EffectiveCost) FROM costs
               WHERE x_Source = 'github_copilot' AND ChargeFrequency = 'Recurring' GROUP BY 1 ORDER BY 1"""
        ).fetchall()
        activity = con.execute(
            "SELECT day, user_id, accepted_lines, suggested_lines, suggestions_accepted, sessions, requests FROM assistant_activity"
        ).fetchall()
    # octocat: net = gross - included at $0.04; the former user's requests stay on the organization (no user)
    assert per_user == [
        ("octocat", "claude-opus-4", Decimal("3.0000000000"), Decimal("3.0000000000"), Decimal(75)),
        ("octocat", "claude-sonnet-4", Decimal(0), Decimal("4.0000000000"), Decimal(100)),
        (None, "claude-sonnet-4", Decimal("0.8000000000"), Decimal("0.8000000000"), Decimal(20)),
    ]
    # business $19 and enterprise $39 a month, November has 30 days, two days each
    daily = {"business": (Decimal(19) / 30).quantize(Q), "enterprise": (Decimal(39) / 30).quantize(Q)}
    assert seats == [
        ("dormant-dev", 2 * daily["enterprise"]),
        ("octocat", 2 * daily["business"]),
        ("octokitten", 2 * daily["business"]),
    ]
    assert activity == [(D1, "octocat", 180, 310, 14, 2, 9)]
    assert result.seats == 3 and any(
        "no Copilot usage metrics report yet" in w for w in result.import_result.warnings
    )
    # per-user queries only for seats active on or after the day: octocat, on both days
    users = sorted({(q["day"], q["user"]) for _, p, q in api.requests if "user" in q})
    assert users == [("2", "octocat"), ("3", "octocat")]


def test_the_primary_rate_limit_waits_and_retries_instead_of_failing(store: Store, tmp_path: Path) -> None:
    api = _fake()
    api.rate_limited = 2
    api.failures = {"/orgs/acme/copilot/billing/seats": [429]}
    waits: list[float] = []
    with FakeServer(api.route) as srv:
        api.base_url = srv.url
        result = sync_github_copilot(
            store, _settings(tmp_path, srv.url), since=D1, until=D1, sleep=waits.append
        )
    assert result.retries == 3 and len(waits) == 3
    assert result.seats == 3


def test_seat_pages_are_followed_until_total_seats(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from spendscope.data import sync_github_copilot as mod

    monkeypatch.setattr(mod, "PER_PAGE", 2)
    api = _fake()
    with FakeServer(api.route) as srv:
        api.base_url = srv.url
        result = sync_github_copilot(store, _settings(tmp_path, srv.url), since=D1, until=D1)
    pages = [q["page"] for _, p, q in api.requests if p.endswith("/copilot/billing/seats")]
    assert pages == ["1", "2"] and result.seats == 3


def test_a_late_revision_of_premium_requests_replaces_the_days_in_the_lookback(
    store: Store, tmp_path: Path
) -> None:
    api = _fake()
    with FakeServer(api.route) as srv:
        api.base_url = srv.url
        settings = _settings(tmp_path, srv.url)
        sync_github_copilot(store, settings, since=D1, now=dt.datetime(2026, 11, 3, 20, tzinfo=dt.UTC))
        api.premium[-1]["netAmount"] = 2.5  # GitHub restated Nov 3
        api.premium[-1]["grossAmount"] = 2.5
        sync_github_copilot(store, settings, lookback_days=2, now=dt.datetime(2026, 11, 4, 1, tzinfo=dt.UTC))
    total = _one(
        store,
        "SELECT sum(BilledCost) FROM costs WHERE x_Source = 'github_copilot' AND ChargeFrequency = 'Usage-Based'",
    )
    assert total == Decimal("0.8") + Decimal("2.0") + Decimal("2.5")
    assert _one(store, "SELECT count(*) FROM assistant_activity") == 1


def test_a_missing_organization_is_an_error_naming_the_setting(store: Store, tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument) as err:
        sync_github_copilot(store, _settings(tmp_path, "http://127.0.0.1:9", org=None), since=D1, until=D1)
    assert err.value.code == "invalid_argument" and "SPENDSCOPE_GITHUB_ORG" in err.value.message


def test_a_bad_token_fails_and_is_recorded(store: Store, tmp_path: Path) -> None:
    api = _fake()
    with FakeServer(api.route) as srv, pytest.raises(SourceError) as err:
        sync_github_copilot(store, _settings(tmp_path, srv.url, token="ghp_bad"), since=D1, until=D1)
    assert err.value.details["status"] == 401
    assert read_state(store, "github_copilot")["last_status"] == "error"


def test_cli_sync_github_copilot_runs_end_to_end(tmp_path: Path) -> None:
    from spendscope.cli import app

    api = _fake()
    db = tmp_path / "g.duckdb"
    with FakeServer(api.route) as srv:
        api.base_url = srv.url
        env = {
            "GITHUB_TOKEN": "ghp_good",
            "SPENDSCOPE_GITHUB_ORG": "acme",
            "SPENDSCOPE_GITHUB_API_URL": srv.url,
            "SPENDSCOPE_KEYS_FILE": str(tmp_path / "none.yaml"),
        }
        out = CliRunner().invoke(
            app,
            ["sync", "github-copilot", "--since", "2026-11-02", "--until", "2026-11-02", "--db", str(db)],
            env=env,
        )
    assert out.exit_code == 0, out.output
    assert "GitHub Copilot sync 2026-11-02" in out.output and "3 seats" in out.output
    seats = CliRunner().invoke(app, ["seats", "--as-of", "2026-11-02", "--db", str(db), "--json"])
    assert seats.exit_code == 0, seats.output
    assert '"idle_seats": 2' in seats.output  # octokitten (last active Sep 20) and dormant-dev (never)
