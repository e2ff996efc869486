"""spendscope's MCP server: a thin adapter that offers the tools/ registry to MCP clients (IDEs, agents).

Layering: mcp_server -> tools -> data. No FinOps logic or cost SQL here; see docs/mcp.md.
Names are imported lazily, so `spendscope mcp` can refuse a bad command line before loading every tool.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Caller": "spendscope.mcp_server.auth",
    "TokenTable": "spendscope.mcp_server.auth",
    "is_loopback": "spendscope.mcp_server.auth",
    "build_server": "spendscope.mcp_server.server",
    "run_http": "spendscope.mcp_server.server",
    "run_stdio": "spendscope.mcp_server.server",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'mcp_server' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
