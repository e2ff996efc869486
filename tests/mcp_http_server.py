"""The real MCP server over streamable HTTP as a subprocess, for tests: `spendscope mcp --http` on a free port with
a tokens file, writes allowed; yields the endpoint's URL once the port accepts connections, stops it after."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_mcp_http(db: Path, tokens: Path, folder: Path) -> Iterator[str]:
    """Run the server on `db` (its log in `folder`/server.log, shown if it dies before listening)."""
    port = free_port()
    log = (folder / "server.log").open("w", encoding="utf-8")
    command = [
        "mcp",
        "--http",
        "--port",
        str(port),
        "--tokens",
        str(tokens),
        "--allow-writes",
        "--db",
        str(db),
    ]
    proc = subprocess.Popen(
        [sys.executable, "-m", "spendscope", *command], stdout=log, stderr=subprocess.STDOUT, cwd=ROOT
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, (folder / "server.log").read_text(encoding="utf-8")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()
