"""MCP `run_sql` and the SQL guard (issue 19): the bypasses that read internal and system relations, and the
parser denial of service, are refused as `query_refused` for every caller, a token scoped to one team included,
and the server keeps answering. In-memory MCP client over the real server."""

from __future__ import annotations

import time
from typing import Any

import pytest
from mcp import Client
from spendscope.data.store import Store
from spendscope.mcp_server import Caller, build_server
from spendscope.mcp_server.errors import META_KEY

SEARCH = Caller("search-team", can_write=False, row_scope={"team": ("search",)})
ATTACKS = [
    "SELECT t.alert FROM _triage_log t, (WITH _triage_log AS (SELECT 1) SELECT 1) z",
    "SELECT * FROM costs c, (WITH _anomaly_deliveries AS (SELECT 1) SELECT 1) z, _anomaly_deliveries d",
    "SELECT path FROM duckdb_databases, (WITH duckdb_databases AS (SELECT 1) SELECT 1) z",
    "SELECT sql FROM sqlite_master, (WITH sqlite_master AS (SELECT 1) SELECT 1) z",
    "SELECT * FROM schema_migrations, (WITH schema_migrations AS (SELECT 1) SELECT 1) z",
    "SELECT " + "(" * 100 + "1" + ")" * 100,
    "SELECT 1 FROM costs WHERE " + " OR ".join(["BilledCost = 1"] * 100_000),
]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _code(result: Any) -> str:
    assert result.is_error, result.structured_content
    return result.meta[META_KEY]["code"]


@pytest.mark.anyio
@pytest.mark.parametrize("caller", [None, SEARCH], ids=["unscoped", "scoped-to-search"])
async def test_run_sql_refuses_the_bypasses_and_the_parser_bombs_and_keeps_answering(
    focus_public_store: Store, caller: Caller | None
) -> None:
    started = time.monotonic()
    async with Client(build_server(focus_public_store, local_caller=caller)) as client:
        for sql in ATTACKS:
            result = await client.call_tool("run_sql", {"sql": sql})
            assert _code(result) == "query_refused", sql[:80]
            assert "Traceback" not in str(result.content) and "RecursionError" not in str(result.content)
        fine = await client.call_tool("run_sql", {"sql": "SELECT count(*) AS n FROM costs"})
    assert not fine.is_error and fine.structured_content["rows"][0][0] > 0
    assert time.monotonic() - started < 20
