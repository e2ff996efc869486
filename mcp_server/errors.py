"""The one mapping of errors to MCP: an `is_error=True` result carrying the message, its code in `_meta`.

Spendscope errors keep their message (what was wrong, what is accepted); argument validation failures are
rewritten from pydantic's report into one line per argument; anything else is a crash the SDK reports as
"Error executing tool <name>" without details (the traceback stays in the server log).
"""

from __future__ import annotations

import logging
from typing import Any

from mcp_types import CallToolResult, TextContent
from spendscope.data.errors import SpendscopeError

log = logging.getLogger("spendscope.mcp")
META_KEY = "spendscope/error"


def error_result(tool: str, exc: SpendscopeError) -> CallToolResult:
    """The MCP error result for a spendscope error raised while running `tool`."""
    log.info("tool %s refused: %s (%s)", tool, exc.message, exc.code)
    meta: dict[str, Any] = {"code": exc.code}
    argument = exc.details.get("argument")
    if isinstance(argument, str):
        meta["argument"] = argument
    return CallToolResult(
        content=[TextContent(type="text", text=exc.message)], is_error=True, _meta={META_KEY: meta}
    )
