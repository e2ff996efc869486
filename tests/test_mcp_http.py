"""`spendscope mcp --http` end to end: the real CLI serving streamable HTTP with bearer tokens, driven by the real
MCP client. A bad token gets 401, a read-only token cannot write, a row-scoped token sees only its rows (also
through run_sql), and a public address without tokens is refused."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp_http_server import serve_mcp_http
from samples import PUBLIC_EXPORT, public_export
from spendscope.data.import_focus import import_focus
from spendscope.data.store import Store

EXPORT = PUBLIC_EXPORT  # ../shared/eval/focus_public.csv; the tests using it skip without it
ADMIN = "admin-token-0123456789abcdef"
READER = "reader-token-0123456789abcdef"
SEARCH = "search-token-0123456789abcdef"
TOKENS = f"""\
{ADMIN}:
  identity: finops-admin
  scopes: [read, write]
"sha256:{hashlib.sha256(READER.encode()).hexdigest()}":
  identity: auditor
  scopes: [read]
{SEARCH}:
  identity: search-team
  scopes: [read, write]
  row_scope: {{team: search}}
"""
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"},
    },
}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("mcp_http")
    store = Store(folder / "eval.duckdb", lock_timeout=10)
    import_focus(store, public_export())
    tokens = folder / "tokens.yaml"
    tokens.write_text(TOKENS, encoding="utf-8")
    yield from serve_mcp_http(store.path, tokens, folder)


@asynccontextmanager
async def _client(url: str, token: str, mode: str = "auto") -> Any:
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30)
    async with http, Client(streamable_http_client(url, http_client=http), mode=mode) as client:
        yield client


def _code(result: Any) -> str:
    assert result.is_error, result.structured_content
    return result.meta["spendscope/error"]["code"]


@pytest.mark.anyio
async def test_requests_without_a_known_bearer_token_get_401(server_url: str) -> None:
    headers = {"Accept": "application/json, text/event-stream"}
    async with httpx2.AsyncClient(timeout=10) as http:
        none = await http.post(server_url, json=INITIALIZE, headers=headers)
        wrong = await http.post(
            server_url, json=INITIALIZE, headers={**headers, "Authorization": "Bearer nope"}
        )
        right = await http.post(
            server_url, json=INITIALIZE, headers={**headers, "Authorization": f"Bearer {READER}"}
        )
    assert none.status_code == 401 and none.headers["www-authenticate"].startswith("Bearer")
    assert wrong.status_code == 401
    assert right.status_code == 200


@pytest.mark.anyio
async def test_read_only_token_cannot_write_and_a_write_token_can(server_url: str) -> None:
    async with _client(server_url, READER) as reader:
        reader_tools = {t.name for t in (await reader.list_tools()).tools}
        refused = await reader.call_tool("rollback_allocation_rules", {"version": 0})
        history = await reader.call_tool("list_allocation_rule_versions", {})
    async with _client(server_url, ADMIN) as admin:
        admin_tools = {t.name for t in (await admin.list_tools()).tools}
        done = await admin.call_tool("rollback_allocation_rules", {"version": 0})
        after = await admin.call_tool("list_allocation_rule_versions", {})
    assert "rollback_allocation_rules" not in reader_tools and "query_costs" in reader_tools
    assert _code(refused) == "permission_denied"
    assert history.structured_content["versions"] == []
    assert "rollback_allocation_rules" in admin_tools
    assert done.structured_content["status"] == "applied"
    assert after.structured_content["versions"][0]["author"] == "mcp:finops-admin"


@pytest.mark.anyio
async def test_row_scoped_token_sees_only_its_rows_also_through_run_sql(server_url: str) -> None:
    async with _client(server_url, SEARCH) as search:
        tools = {t.name for t in (await search.list_tools()).tools}
        by_team = await search.call_tool("query_costs", {"period": "2026-10", "group_by": ["team"]})
        sql = await search.call_tool(
            "run_sql", {"sql": "SELECT DISTINCT json_extract_string(Tags, '$.team') FROM cost_lines"}
        )
        view = await search.call_tool("run_sql", {"sql": "SELECT count(*) FROM daily_costs"})
        write = await search.call_tool("rollback_allocation_rules", {"version": 0})
    async with _client(server_url, READER) as reader:
        everyone = await reader.call_tool(
            "run_sql",
            {
                "sql": "SELECT DISTINCT json_extract_string(Tags, '$.team') "
                "AS t FROM cost_lines WHERE t IS NOT NULL"
            },
        )
    assert [r["group"]["team"] for r in by_team.structured_content["rows"]] == ["search"]
    assert sql.structured_content["rows"] == [["search"]]
    assert len(everyone.structured_content["rows"]) > 1
    assert _code(view) == "query_refused"
    assert _code(write) == "permission_denied"
    assert "rollback_allocation_rules" not in tools and "list_dimension_values" not in tools


@pytest.mark.anyio
async def test_previous_generation_clients_connect_over_http(server_url: str) -> None:
    async with _client(server_url, READER, mode="legacy") as legacy:
        assert legacy.protocol_version == "2025-11-25"
        result = await legacy.call_tool(
            "query_costs", {"period": "2026-10", "group_by": ["provider"], "top": 2}
        )
    assert len(result.structured_content["rows"]) == 2
    assert result.structured_content["other"] is not None


def test_a_public_address_without_tokens_is_refused(tmp_path: Path) -> None:
    for extra in (["--host", "0.0.0.0"], ["--allow-writes"]):
        run = subprocess.run(
            [sys.executable, "-m", "spendscope", "mcp", "--http", *extra, "--db", str(tmp_path / "x.duckdb")],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode == 1
        assert run.stderr.startswith("error: ") and "--tokens" in run.stderr
        assert "Traceback" not in run.stderr
