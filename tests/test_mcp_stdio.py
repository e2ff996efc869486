"""`spendscope mcp` over stdio, end to end: the real CLI in a subprocess, driven by the real MCP client."""

from __future__ import annotations

import sys

import duckdb
import pytest
from mcp import Client, StdioServerParameters
from samples import PUBLIC_EXPORT
from spendscope.data.store import Store

EXPORT = PUBLIC_EXPORT  # ../shared/eval/focus_public.csv; the tests using it skip without it


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_stdio_server_answers_current_and_legacy_clients_from_the_store(
    focus_public_store: Store,
) -> None:
    store = focus_public_store
    expected = (
        duckdb.connect()
        .execute(
            f"SELECT sum(CAST(EffectiveCost AS DECIMAL(38,10))) FROM read_csv('{EXPORT}', all_varchar=true) "
            "WHERE ChargePeriodStart >= '2026-09-01' AND ChargePeriodStart < '2026-10-01'"
        )
        .fetchall()[0][0]
    )
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "spendscope", "mcp", "--db", str(store.path)]
    )
    async with Client(params) as client:
        tools = {t.name for t in (await client.list_tools()).tools}
        result = await client.call_tool("query_costs", {"period": "2026-09"})
        bad = await client.call_tool("run_sql", {"sql": "DROP TABLE costs"})
    assert {"query_costs", "run_sql", "list_dimensions"} <= tools
    assert not any(t in tools for t in ("apply_allocation_rules", "set_budget"))  # no --allow-writes
    assert result.structured_content["total"] == pytest.approx(float(expected), abs=1e-6)
    assert bad.is_error and bad.meta["spendscope/error"]["code"] == "query_refused"
    async with Client(params, mode="legacy") as legacy:
        again = await legacy.call_tool("query_costs", {"period": "2026-09"})
    assert again.structured_content == result.structured_content
