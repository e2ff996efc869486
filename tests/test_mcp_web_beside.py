"""`spendscope mcp --http --web`: the dashboard served at / beside /mcp by one process, with the same tokens: the
real CLI in a subprocess, the real MCP client on /mcp and plain HTTP on the pages."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from spendscope.data.store import Store

pytest.importorskip("jinja2", reason="the dashboard needs the web extra")

ADMIN = "admin-token-0123456789abcdef"
SEARCH = "search-token-0123456789abcdef"
TOKENS = f"""\
{ADMIN}:
  identity: finops-admin
  scopes: [read]
{SEARCH}:
  identity: search-team
  scopes: [read]
  row_scope: {{team: search}}
"""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def base_url(demo_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("mcp_web")
    tokens = folder / "tokens.yaml"
    tokens.write_text(TOKENS, encoding="utf-8")
    port = _free_port()
    log_path = folder / "server.log"
    with log_path.open("w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "spendscope", "mcp", "--http", "--web", "--port", str(port)]
            + ["--tokens", str(tokens), "--db", str(demo_store.path)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 90
            while True:
                assert proc.poll() is None, log_path.read_text(encoding="utf-8")
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    assert time.monotonic() < deadline, "server did not start"
                    time.sleep(0.1)
            yield f"http://127.0.0.1:{port}"
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def test_the_dashboard_answers_beside_mcp_with_the_same_tokens(base_url: str) -> None:
    with httpx2.Client(timeout=60) as http:
        anonymous = http.get(f"{base_url}/budgets")
        page = http.get(f"{base_url}/budgets", headers={"Authorization": f"Bearer {ADMIN}"})
        wrong = http.get(f"{base_url}/budgets", headers={"Authorization": "Bearer nope"})
    assert anonymous.status_code == 401
    assert wrong.status_code == 401
    assert page.status_code == 200, page.text[:500]
    assert page.headers["content-type"].startswith("text/html")
    assert "<html" in page.text.lower()


def test_a_scoped_token_sees_only_its_team_on_the_dashboard(base_url: str) -> None:
    with httpx2.Client(timeout=60) as http:
        csv = http.get(
            f"{base_url}/explorer.csv?by=team&period=2026-10", headers={"Authorization": f"Bearer {SEARCH}"}
        )
    assert csv.status_code == 200, csv.text[:500]
    rows = csv.text.strip().splitlines()
    assert rows[0] == "team,cost,share_pct,currency" and len(rows) == 2 and rows[1].startswith("search,")


@pytest.mark.anyio
async def test_mcp_still_answers_at_its_path_when_the_dashboard_is_mounted(base_url: str) -> None:
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {ADMIN}"}, timeout=60)
    async with http, Client(streamable_http_client(f"{base_url}/mcp", http_client=http)) as client:
        tools = await client.list_tools()
        result = await client.call_tool("query_costs", {"period": "2026-10", "group_by": ["provider"]})
    assert "query_costs" in {t.name for t in tools.tools}
    assert not result.is_error


def test_web_without_http_is_refused_in_one_line(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "spendscope", "mcp", "--web", "--db", str(tmp_path / "x.duckdb")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode != 0
    assert "--web applies to --http only" in out.stderr
