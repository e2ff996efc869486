"""The one mapping of errors to MCP: an `is_error=True` result carrying the message, its code in `_meta`.

Spendscope errors keep their message (what was wrong, what is accepted); argument validation failures are
rewritten from pydantic's report into one line per argument; anything else is a crash the SDK reports as
"Error executing tool <name>" without details (the traceback stays in the server log).
"""

from __future__ import annotations

import logging
from typing import Any

from mcp_types import CallToolResult, TextContent
from pydantic import BaseModel, ValidationError
from spendscope.data.errors import SpendscopeError

log = logging.getLogger("spendscope.mcp")
META_KEY = "spendscope/error"
_SCALARS = (str, int, float, bool)


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


def validation_message(exc: ValidationError, model: type[BaseModel]) -> str:
    """One readable line from a pydantic error: which argument, what was wrong, what is accepted."""
    parts = []
    for err in exc.errors(include_url=False, include_context=False):
        loc = ".".join(str(p) for p in err["loc"]) or "arguments"
        kind = err["type"]
        msg = str(err["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
        if kind == "extra_forbidden":
            msg = f"unknown argument; accepted: {', '.join(model.model_fields)}"
        elif kind == "missing":
            msg = "required"
        elif isinstance(err.get("input"), _SCALARS):
            got = repr(err["input"])
            msg += f" (got {got[:60] + '...' if len(got) > 60 else got})"
        parts.append(f"{loc}: {msg}")
    return "invalid arguments: " + "; ".join(parts)
