"""`spendscope sync anthropic` against a local fake of the Anthropic Admin usage and cost reports."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from fake_provider_apis import FakeAnthropic, FakeServer
from spendscope.data.errors import ImportRejected, SourceError
from spendscope.data.settings import Settings
from spendscope.data.store import Store
from spendscope.data.sync_anthropic import sync_anthropic
from spendscope.data.syncing import read_state
from typer.testing import CliRunner

D1 = dt.date(2026, 11, 1)
SONNET = "claude-sonnet-4-5-20250929"


def _day(i: int) -> dt.date:
    return D1 + dt.timedelta(days=i)


def _cost(
    day: dt.date, token_type: str, cents: str, workspace: str | None = "wrkspc_search", tier: str = "standard"
) -> dict:
    return {
        "day": day,
        "amount": cents,
        "currency": "USD",
        "description": f"Claude Sonnet 4.5 Usage - {token_type}",
        "cost_type": "tokens",
        "context_window": "0-200k",
        "model": SONNET,
        "service_tier": tier,
        "token_type": token_type,
        "workspace_id": workspace,
        "inference_geo": None,
    }


def _fake() -> FakeAnthropic:
    api = FakeAnthropic()
    for i in range(4):
        day = _day(i)
        api.costs += [
            _cost(day, "uncached_input_tokens", "456.78"),
            _cost(day, "output_tokens", "1500.5"),
            _cost(day, "cache_read_input_tokens", "12.0003"),
            _cost(day, "cache_creation.ephemeral_5m_input_tokens", "30"),
            _cost(day, "uncached_input_tokens", "100", workspace=None, tier="batch"),
            {
                "day": day,
                "amount": "25",
                "currency": "USD",
                "description": "Web search",
                "cost_type": "web_search",
                "context_window": None,
                "model": None,
                "service_tier": None,
                "token_type": None,
                "workspace_id": "wrkspc_search",
                "inference_geo": None,
            },
        ]
        api.usage += [
            {
                "day": day,
                "uncached_input_tokens": 152_260,
                "cache_read_input_tokens": 400_010,
                "cache_creation": {"ephemeral_5m_input_tokens": 8_000, "ephemeral_1h_input_tokens": 0},
                "output_tokens": 100_033,
                "server_tool_use": {"web_search_requests": 2},
                "api_key_id": None,
                "workspace_id": "wrkspc_search",
                "account_id": None,
                "service_account_id": None,
                "model": SONNET,
                "service_tier": "standard",
                "context_window": "0-200k",
                "inference_geo": None,
            },
            {
                "day": day,
                "uncached_input_tokens": 66_666,
                "cache_read_input_tokens": 0,
                "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
                "output_tokens": 0,
                "server_tool_use": {"web_search_requests": 0},
                "workspace_id": None,
                "model": SONNET,
                "service_tier": "batch",
                "context_window": "0-200k",
            },
        ]
    return api


def _settings(tmp_path: Path, url: str, key: str = "sk-admin-good") -> Settings:
    return Settings(
        db=tmp_path / "s.duckdb",
        keys_file=tmp_path / "keys.yaml",
        anthropic_api_url=url,
        ANTHROPIC_ADMIN_KEY=key,
    )


def _cents_total(api: FakeAnthropic) -> Decimal:
    return sum((Decimal(c["amount"]) for c in api.costs), Decimal(0)) / 100


def test_cost_amounts_in_cents_become_dollars_exactly(store: Store, tmp_path: Path) -> None:
    api = _fake()
    with FakeServer(api.route) as srv:
        result = sync_anthropic(store, _settings(tmp_path, srv.url), since=_day(0), until=_day(3))
    assert result.cost_rows == 24
    with store.reader() as con:
        total, one = con.execute(
            """SELECT sum(BilledCost), max(BilledCost) FILTER (WHERE SkuMeter LIKE '%cache_read%') FROM costs"""
        ).fetchall()[0]
    assert total == _cents_total(api) == Decimal("84.971212")
    assert one == Decimal("0.120003")


def test_rows_carry_workspace_model_token_type_and_tokens_from_the_usage_report(
    store: Store, tmp_path: Path
) -> None:
    api = _fake()
    with FakeServer(api.route) as srv:
        result = sync_anthropic(store, _settings(tmp_path, srv.url), since=_day(0), until=_day(3))
    assert result.tokens_matched_rows == 20 and result.import_result.warnings == []
    with store.reader() as con:
        rows = con.execute(
            """SELECT coalesce(SubAccountId, SubAccountName), x_Model, x_TokenType, sum(x_Tokens),
                      any_value(SkuPriceDetails->>'x_ServiceTier')
               FROM costs WHERE ProviderName = 'Anthropic' AND ServiceName = 'Claude API'
               GROUP BY ALL ORDER BY ALL"""
        ).fetchall()
    assert rows == [
        ("Default Workspace", "claude-sonnet-4-5", "input", 4 * 66_666, "batch"),
        ("wrkspc_search", "claude-sonnet-4-5", "cache_write", 4 * 8_000, "standard"),
        ("wrkspc_search", "claude-sonnet-4-5", "cached_input", 4 * 400_010, "standard"),
        ("wrkspc_search", "claude-sonnet-4-5", "input", 4 * 152_260, "standard"),
        ("wrkspc_search", "claude-sonnet-4-5", "output", 4 * 100_033, "standard"),
        ("wrkspc_search", None, None, None, None),
    ]


def test_pages_are_followed_and_a_5xx_then_429_is_retried(store: Store, tmp_path: Path) -> None:
    api = _fake()
    api.failures["/v1/organizations/usage_report/messages"] = [529, 429]
    waits: list[float] = []
    with FakeServer(api.route) as srv:
        result = sync_anthropic(
            store, _settings(tmp_path, srv.url), since=_day(0), until=_day(40), sleep=waits.append
        )
    assert waits == [0.0, 0.0] and result.retries == 2
    pages = [q.get("page") for p, q in api.requests if p == "/v1/organizations/cost_report"]
    assert pages == [None, ["page_31"]]
    assert result.cost_rows == 24


def test_resync_replaces_the_window_and_never_double_counts(store: Store, tmp_path: Path) -> None:
    api = _fake()
    with FakeServer(api.route) as srv:
        s = _settings(tmp_path, srv.url)
        sync_anthropic(store, s, since=_day(0), until=_day(3))
        api.costs[0]["amount"] = "500"  # a late correction of day 1
        again = sync_anthropic(store, s, since=_day(0), until=_day(3))
    assert again.replaced_rows == 24
    with store.reader() as con:
        n, total = con.execute("SELECT count(*), sum(BilledCost) FROM costs").fetchall()[0]
    assert (n, total) == (24, _cents_total(api))


def test_bad_and_under_privileged_keys_fail_clearly_and_are_recorded(store: Store, tmp_path: Path) -> None:
    api = _fake()
    with FakeServer(api.route) as srv:
        with pytest.raises(SourceError) as bad:
            sync_anthropic(
                store, _settings(tmp_path, srv.url, key="sk-ant-admin-wrong"), since=_day(0), until=_day(1)
            )
        with pytest.raises(SourceError) as weak:
            sync_anthropic(
                store, _settings(tmp_path, srv.url, key="sk-admin-weak"), since=_day(0), until=_day(1)
            )
    assert bad.value.details["reason"] == "unauthorized" and "ANTHROPIC_ADMIN_KEY" in bad.value.message
    assert weak.value.details["reason"] == "forbidden"
    state = read_state(store, "anthropic_api")
    assert state["last_status"] == "error" and state["synced_through"] is None


def test_an_amount_that_is_not_a_decimal_string_names_the_result(store: Store, tmp_path: Path) -> None:
    api = _fake()
    api.costs[7]["amount"] = "1,50"
    with FakeServer(api.route) as srv, pytest.raises(ImportRejected) as err:
        sync_anthropic(store, _settings(tmp_path, srv.url), since=_day(0), until=_day(3))
    assert err.value.details["row"] == 8 and err.value.details["column"] == "amount"


def test_cli_sync_anthropic_prints_the_window_and_rows(tmp_path: Path) -> None:
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
                "anthropic",
                "--since",
                "2026-11-01",
                "--until",
                "2026-11-02",
                "--db",
                str(tmp_path / "c.duckdb"),
            ],
            env=env,
        )
    assert out.exit_code == 0, out.output
    assert "12 cost rows" in out.output and "2026-11-01" in out.output
