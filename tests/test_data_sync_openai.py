"""`spendscope sync openai` against a local fake of the OpenAI Usage and Costs APIs on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import json
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from fake_provider_apis import FakeOpenAI, FakeServer
from spendscope.data.errors import ImportRejected, SourceError
from spendscope.data.settings import Settings
from spendscope.data.store import Store
from spendscope.data.sync_openai import sync_openai
from spendscope.data.syncing import read_state

D1 = dt.date(2026, 11, 1)


def _day(i: int) -> dt.date:
    return D1 + dt.timedelta(days=i)


def _fake() -> FakeOpenAI:
    api = FakeOpenAI()
    for i in range(5):
        day = _day(i)
        api.costs += [
            {
                "day": day,
                "line_item": "gpt-4o-mini-2024-07-18, input",
                "project_id": "proj_search",
                "api_key_id": "key_a",
                "amount": round(0.15 + i / 100, 2),
            },
            {
                "day": day,
                "line_item": "gpt-4o-mini-2024-07-18, output",
                "project_id": "proj_search",
                "api_key_id": "key_a",
                "amount": 0.6,
            },
            {
                "day": day,
                "line_item": "gpt-4o-mini-2024-07-18, cached input",
                "project_id": "proj_search",
                "api_key_id": "key_a",
                "amount": 0.0375,
            },
            {
                "day": day,
                "line_item": "text-embedding-3-small, input",
                "project_id": "proj_rag",
                "api_key_id": "key_b",
                "amount": 0.02,
                "quantity": 1000000,
                "quantity_unit": "tokens",
            },
        ]
        api.usage += [
            {
                "day": day,
                "model": "gpt-4o-mini-2024-07-18",
                "project_id": "proj_search",
                "api_key_id": "key_a",
                "input_tokens": 1_500_000,
                "input_cached_tokens": 250_000,
                "input_cache_write_tokens": 0,
                "input_uncached_tokens": 1_250_000,
                "output_tokens": 1_000_000,
                "num_model_requests": 900,
            },
            {
                "day": day,
                "endpoint": "embeddings",
                "model": "text-embedding-3-small",
                "project_id": "proj_rag",
                "api_key_id": "key_b",
                "input_tokens": 1_000_000,
                "num_model_requests": 40,
            },
        ]
    return api


def _settings(tmp_path: Path, url: str, key: str = "sk-admin-good") -> Settings:
    return Settings(
        db=tmp_path / "s.duckdb",
        state_dir=tmp_path,
        keys_file=tmp_path / "keys.yaml",
        openai_api_url=url,
        OPENAI_ADMIN_KEY=key,
    )


def cli_env(url: str, tmp_path: Path) -> dict[str, str]:
    """The environment of a CLI sync against the fake API: the key, its URL, no keys file."""
    return {
        "OPENAI_ADMIN_KEY": "sk-admin-good",
        "SPENDSCOPE_OPENAI_API_URL": url,
        "SPENDSCOPE_KEYS_FILE": str(tmp_path / "none.yaml"),
    }


def _expected_total(api: FakeOpenAI, days: range) -> Decimal:
    return sum((Decimal(str(c["amount"])) for c in api.costs if (c["day"] - D1).days in days), Decimal(0))


def _totals(store: Store) -> tuple[int, Decimal]:
    with store.reader() as con:
        return con.execute(
            "SELECT count(*), sum(BilledCost) FROM costs WHERE x_Source = 'openai_api'"
        ).fetchall()[0]


def test_sync_writes_one_focus_row_per_cost_result_with_totals_to_the_cent(
    store: Store, tmp_path: Path
) -> None:
    api = _fake()
    with FakeServer(api.route) as srv:
        result = sync_openai(
            store, _settings(tmp_path, srv.url), since=_day(0), until=_day(4), sleep=lambda s: None
        )
    assert result.cost_rows == 20
    assert _totals(store) == (20, _expected_total(api, range(5)))
    with store.reader() as con:
        row = con.execute(
            """SELECT ProviderName, ServiceName, SubAccountId, SubAccountType, Tags->>'api_key_id', x_Model,
                      x_TokenType, x_Tokens, x_Requests, BillingCurrency, ChargeCategory
               FROM costs WHERE SkuMeter = 'gpt-4o-mini-2024-07-18, input' AND ChargePeriodStart = ?""",
            [dt.datetime(2026, 11, 3, tzinfo=dt.UTC)],
        ).fetchall()
    assert row == [
        (
            "OpenAI",
            "OpenAI API",
            "proj_search",
            "Project",
            "key_a",
            "gpt-4o-mini",
            "input",
            1_250_000,
            900,
            "USD",
            "Usage",
        )
    ]


def test_tokens_come_from_the_usage_api_per_token_type_and_from_cost_quantities(
    store: Store, tmp_path: Path
) -> None:
    api = _fake()
    with FakeServer(api.route) as srv:
        result = sync_openai(
            store, _settings(tmp_path, srv.url), since=_day(0), until=_day(4), sleep=lambda s: None
        )
    with store.reader() as con:
        rows = dict(
            con.execute(
                "SELECT x_Model || '/' || x_TokenType, sum(x_Tokens) FROM costs GROUP BY 1"
            ).fetchall()
        )
    assert rows == {
        "gpt-4o-mini/input": 5 * 1_250_000,
        "gpt-4o-mini/output": 5 * 1_000_000,
        "gpt-4o-mini/cached_input": 5 * 250_000,
        "text-embedding-3-small/input": 5 * 1_000_000,
    }
    assert result.tokens_matched_rows == 15


def test_pagination_follows_next_page_until_has_more_is_false(store: Store, tmp_path: Path) -> None:
    api = _fake()
    with FakeServer(api.route) as srv:
        sync_openai(store, _settings(tmp_path, srv.url), since=_day(0), until=_day(40), sleep=lambda s: None)
    cost_calls = [q for p, q in api.requests if p == "/v1/organization/costs"]
    assert len(cost_calls) == 2  # 41 daily buckets at 31 per page
    assert cost_calls[1]["page"] == ["page_31"]
    assert cost_calls[0]["group_by[]"] == ["project_id", "line_item", "api_key_id"]
    assert _totals(store)[0] == 20


def test_a_429_is_retried_honouring_retry_after_and_then_succeeds(store: Store, tmp_path: Path) -> None:
    api = _fake()
    api.failures["/v1/organization/costs"] = [429, 503]
    waits: list[float] = []
    with FakeServer(api.route) as srv:
        result = sync_openai(
            store, _settings(tmp_path, srv.url), since=_day(0), until=_day(4), sleep=waits.append
        )
    assert waits == [0.0, 0.0]  # the fake's retry-after: 0 wins over our own backoff
    assert result.retries == 2
    assert _totals(store)[0] == 20


def test_a_second_sync_of_the_same_window_adds_nothing(store: Store, tmp_path: Path) -> None:
    api = _fake()
    with FakeServer(api.route) as srv:
        s = _settings(tmp_path, srv.url)
        sync_openai(store, s, since=_day(0), until=_day(4), sleep=lambda x: None)
        before = _totals(store)
        again = sync_openai(store, s, since=_day(0), until=_day(4), sleep=lambda x: None)
    assert _totals(store) == before
    assert again.replaced_rows == 20


def test_incremental_sync_rereads_the_lookback_days_and_replaces_late_changes(
    store: Store, tmp_path: Path
) -> None:
    api = _fake()
    now = dt.datetime(2026, 11, 5, 12, tzinfo=dt.UTC)
    with FakeServer(api.route) as srv:
        s = _settings(tmp_path, srv.url)
        first = sync_openai(store, s, since=_day(0), now=now, sleep=lambda x: None)
        assert first.window_end == now and first.cost_rows == 20
        day0 = _expected_total(api, range(1))
        # late data: Nov 4 grows and Nov 6 arrives; Nov 1 changes too but is outside the look-back
        for c in api.costs:
            if c["day"] == _day(3) and c["line_item"].endswith("output"):
                c["amount"] = 0.9
            if c["day"] == _day(0):
                c["amount"] = 99.0
        api.costs.append(
            {
                "day": _day(5),
                "line_item": "gpt-4o-mini-2024-07-18, output",
                "project_id": "proj_search",
                "api_key_id": "key_a",
                "amount": 1.25,
            }
        )
        later = dt.datetime(2026, 11, 6, 9, tzinfo=dt.UTC)
        second = sync_openai(store, s, lookback_days=3, now=later, sleep=lambda x: None)
    assert second.incremental
    assert second.window_start == dt.datetime(2026, 11, 2, tzinfo=dt.UTC)  # Nov 5 (last synced day) - 3 days
    assert second.replaced_rows == 16  # Nov 2-5 from the first sync
    assert _totals(store) == (21, day0 + _expected_total(api, range(1, 6)))
    state = read_state(store, "openai_api")
    assert state["last_status"] == "ok" and state["synced_through"] == later
    assert state["synced_from"] == dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def test_a_bad_key_is_a_clear_401_error_and_changes_no_data(store: Store, tmp_path: Path) -> None:
    api = _fake()
    with FakeServer(api.route) as srv:
        s = _settings(tmp_path, srv.url)
        sync_openai(store, s, since=_day(0), until=_day(1), sleep=lambda x: None)
        before = _totals(store)
        with pytest.raises(SourceError) as err:
            sync_openai(
                store, _settings(tmp_path, srv.url, key="sk-admin-wrong"), since=_day(0), until=_day(1)
            )
    assert err.value.code == "source_error" and err.value.details["status"] == 401
    assert "OPENAI_ADMIN_KEY" in err.value.message and "sk-admin-wrong" not in err.value.message
    assert _totals(store) == before
    state = read_state(store, "openai_api")
    assert state["last_status"] == "error" and state["synced_through"] is not None


def test_an_under_privileged_key_is_a_clear_403_error(store: Store, tmp_path: Path) -> None:
    api = _fake()
    with FakeServer(api.route) as srv, pytest.raises(SourceError) as err:
        sync_openai(store, _settings(tmp_path, srv.url, key="sk-admin-weak"), since=_day(0), until=_day(1))
    assert err.value.details["reason"] == "forbidden"


def test_a_missing_key_names_the_environment_variable_and_the_keys_file(store: Store, tmp_path: Path) -> None:
    s = Settings(db=store.path, keys_file=tmp_path / "none.yaml", openai_api_url="http://127.0.0.1:9")
    with pytest.raises(SourceError) as err:
        sync_openai(store, s, since=_day(0), until=_day(1))
    assert err.value.details["reason"] == "missing_key"
    assert "OPENAI_ADMIN_KEY" in err.value.message


def test_the_key_can_come_from_the_keys_file(store: Store, tmp_path: Path) -> None:
    api = _fake()
    keys = tmp_path / "keys.yaml"
    keys.write_text("openai_admin_key: sk-admin-good\n", encoding="utf-8")
    with FakeServer(api.route) as srv:
        s = Settings(db=store.path, keys_file=keys, openai_api_url=srv.url)
        assert sync_openai(store, s, since=_day(0), until=_day(0)).cost_rows == 4


def test_a_malformed_amount_rejects_the_sync_naming_result_and_field(store: Store, tmp_path: Path) -> None:
    api = _fake()
    api.costs[5]["amount"] = "twelve"
    with FakeServer(api.route) as srv, pytest.raises(ImportRejected) as err:
        sync_openai(store, _settings(tmp_path, srv.url), since=_day(0), until=_day(4))
    assert err.value.code == "import_rejected"
    assert err.value.details["row"] == 6 and err.value.details["column"] == "amount.value"
    assert (
        "(bucket starting 2026-11-02T00:00:00Z)" in err.value.message
    )  # its day, not unix seconds (probe 28)
    with store.reader() as con:
        assert con.execute("SELECT count(*) FROM costs").fetchall()[0][0] == 0


def test_cli_sync_reads_the_key_from_the_environment_and_prints_a_summary(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from spendscope.cli import app

    api = _fake()
    with FakeServer(api.route) as srv:
        env = cli_env(srv.url, tmp_path)
        args = [
            "sync",
            "openai",
            "--since",
            "2026-11-01",
            "--until",
            "2026-11-04",
            "--db",
            str(tmp_path / "c.duckdb"),
            "--json",
        ]
        out = CliRunner().invoke(app, args, env=env)
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["cost_rows"] == 16


def test_cli_sync_with_a_rejected_key_prints_one_error_line_and_exits_1(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    from spendscope.cli import main

    api = _fake()
    with FakeServer(api.route) as srv:
        monkeypatch.setenv("OPENAI_ADMIN_KEY", "nope")
        monkeypatch.setenv("SPENDSCOPE_OPENAI_API_URL", srv.url)
        monkeypatch.setattr(
            sys,
            "argv",
            ["spendscope", "sync", "openai", "--since", "2026-11-01", "--db", str(tmp_path / "c.duckdb")],
        )
        with pytest.raises(SystemExit) as exit_:
            main()
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("error: OpenAI rejected the admin key (HTTP 401") and err.count("\n") == 1
    assert "Traceback" not in err and "nope" not in err
