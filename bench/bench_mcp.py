"""Benchmark: the MCP server's cost over calling the tools/ functions directly.

    .venv/bin/python bench/bench_mcp.py [--rows 10000000] [--calls 100]

1. Tool-call overhead in-process (target < 10 ms): the same `query_costs` call on the public eval export (or, in
   a clone without ../shared, on the generated demo store ending 2026-10-31), made directly (`op.func(store, params)`) and through the real MCP client on an in-memory session; medians and the
   difference.
2. A cost breakdown over ROWS synthetic cost rows through streamable HTTP with a bearer token (target < 1.5 s):
   `spendscope mcp --http` in a subprocess, `query_costs` for one month grouped by provider and model; the
   first call and the median of the rest, next to the same call made directly in this process.
Prints each number with its ratio to the target.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx2  # noqa: E402
from mcp import Client  # noqa: E402
from mcp.client.streamable_http import streamable_http_client  # noqa: E402
from spendscope.data.demo import build_demo  # noqa: E402
from spendscope.data.import_focus import import_focus  # noqa: E402
from spendscope.data.store import Store  # noqa: E402
from spendscope.mcp_server import build_server  # noqa: E402
from spendscope.tools.registry import get_operation  # noqa: E402

EXPORT = ROOT.parent / "shared" / "eval" / "focus_public.csv"
TOKEN = "bench-token-0123456789abcdef"
OVERHEAD_TARGET_MS = 10.0
HTTP_TARGET_S = 1.5


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


async def overhead(store: Store, calls: int) -> None:
    op = get_operation("query_costs")
    args = {"period": "2026-10", "group_by": ["provider"]}
    params = op.input_model.model_validate(args)
    direct, via = [], []
    async with Client(build_server(store)) as client:
        await client.call_tool("query_costs", args)  # warm the session and the client's schema cache
        for _ in range(calls):  # interleaved, so load from other processes hits both alike
            t = time.perf_counter()
            op.func(store, params)
            direct.append(time.perf_counter() - t)
            t = time.perf_counter()
            result = await client.call_tool("query_costs", args)
            via.append(time.perf_counter() - t)
        assert not result.is_error
    d, m = _median_ms(direct), _median_ms(via)
    print(f"in-process overhead ({calls} calls of query_costs on {store.path.name}):")
    print(
        f"  direct {d:.2f} ms   through MCP {m:.2f} ms   overhead {m - d:.2f} ms "
        f"(target < {OVERHEAD_TARGET_MS:.0f} ms; ratio {(m - d) / OVERHEAD_TARGET_MS:.2f})"
    )


def build_big_store(path: Path, rows: int) -> Store:
    """ROWS cost lines over Aug-Oct 2026: 5 providers, 12 models, 9 teams, DECIMAL money, JSON tags."""
    store = Store(path, lock_timeout=60)
    with store.writer() as con:
        con.execute(
            f"""INSERT INTO costs (ChargePeriodStart, ChargePeriodEnd, BillingCurrency, ChargeCategory, ProviderName,
                    ServiceName, SubAccountName, x_Model, x_TokenType, x_Tokens, BilledCost, EffectiveCost, ListCost,
                    Tags)
            SELECT TIMESTAMPTZ '2026-08-01 00:00:00+00' + to_hours(CAST(i % 2208 AS INT)),
                   TIMESTAMPTZ '2026-08-01 01:00:00+00' + to_hours(CAST(i % 2208 AS INT)),
                   'USD', 'Usage',
                   ['OpenAI', 'Anthropic', 'AWS', 'Google Cloud', 'Microsoft'][1 + i % 5],
                   ['OpenAI API', 'Claude API', 'Amazon Bedrock', 'Vertex AI', 'Azure OpenAI'][1 + i % 5],
                   'sub-' || (i % 40),
                   'model-' || (i % 12), ['input', 'output'][1 + i % 2], (i % 5000) * 100,
                   CAST((i % 997) / 1000.0 AS DECIMAL(38,10)), CAST((i % 991) / 1000.0 AS DECIMAL(38,10)),
                   CAST((i % 997) / 900.0 AS DECIMAL(38,10)),
                   '{{"team":"t' || (i % 9) || '","env":"' || ['prod', 'dev'][1 + i % 2] || '"}}'
            FROM range({rows}) t(i)"""
        )
    return store


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def http_breakdown(store: Store, folder: Path, rows: int, calls: int) -> None:
    tokens = folder / "tokens.yaml"
    tokens.write_text(f"{TOKEN}:\n  identity: bench\n  scopes: [read]\n", encoding="utf-8")
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "spendscope",
            "mcp",
            "--http",
            "--port",
            str(port),
            "--tokens",
            str(tokens),
            "--db",
            str(store.path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    args = {"period": "2026-10", "group_by": ["provider", "model"]}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise SystemExit("the HTTP server did not start") from None
                await asyncio.sleep(0.1)
        url = f"http://127.0.0.1:{port}/mcp"
        times = []
        http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60)
        async with http, Client(streamable_http_client(url, http_client=http)) as client:
            for _ in range(calls):
                t = time.perf_counter()
                result = await client.call_tool("query_costs", args)
                times.append(time.perf_counter() - t)
            assert not result.is_error, result.content[0].text
            groups = result.structured_content["groups"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    op = get_operation("query_costs")
    direct = []
    for _ in range(min(calls, 5)):
        t = time.perf_counter()
        op.func(store, op.input_model.model_validate(args))
        direct.append(time.perf_counter() - t)
    first, rest = times[0], times[1:] or times
    warm = statistics.median(rest)
    print(
        f"cost breakdown over {rows:,} rows through HTTP (query_costs, one month by provider and model, "
        f"{groups} groups):"
    )
    print(
        f"  first call {first:.3f} s (ratio {first / HTTP_TARGET_S:.2f})   median of {len(rest)} more "
        f"{warm:.3f} s (ratio {warm / HTTP_TARGET_S:.2f}; target < {HTTP_TARGET_S} s)   "
        f"direct in-process {statistics.median(direct):.3f} s"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="synthetic cost rows for the HTTP part")
    parser.add_argument("--calls", type=int, default=100, help="calls per in-process measurement")
    a = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        small = Store(folder / "eval.duckdb", lock_timeout=60)
        if EXPORT.exists():
            import_focus(small, EXPORT)
        else:  # a clean clone without ../shared: the generated demo covers the same month
            print(f"({EXPORT} not found: measuring on the generated demo store)")
            build_demo(small, end=dt.date(2026, 10, 31), days=100, seed=7)
        await overhead(small, a.calls)
        t = time.perf_counter()
        big = build_big_store(folder / "big.duckdb", a.rows)
        print(f"(built {a.rows:,} rows in {time.perf_counter() - t:.1f} s)")
        await http_breakdown(big, folder, a.rows, max(3, min(a.calls, 10)))


if __name__ == "__main__":
    asyncio.run(main())
