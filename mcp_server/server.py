"""The spendscope MCP server: one tool per registry operation plus run_sql, resources, prompts, transports.

`build_server(store, ...)` returns an `MCPServer` whose tools are generated from `tools.registry.operations()`,
so an operation appears here the moment it is registered. Write operations are only registered with
`allow_writes`; tools a caller may not use (writes without the write scope, operations that cannot honour its
row scope) are left out of its tools/list and refused if called anyway.
"""

from __future__ import annotations

import json
import logging
from functools import partial
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Literal

import anyio
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS, GetPromptResult
from mcp_types import Tool as MCPTool
from spendscope.data.errors import InvalidArgument, SpendscopeError
from spendscope.data.store import Store
from spendscope.mcp_server import content
from spendscope.mcp_server.adapter import ToolRunner, ToolSpec, operation_spec
from spendscope.mcp_server.auth import READ, Access, Caller, StaticTokenVerifier, TokenTable
from spendscope.mcp_server.charts import render_chart
from spendscope.mcp_server.sql_tool import sql_spec
from spendscope.tools.invoke import invoke
from spendscope.tools.registry import Operation, operations

log = logging.getLogger("spendscope.mcp")

INSTRUCTIONS = """\
spendscope answers questions about AI and cloud spend from a FOCUS-shaped cost store (OpenAI, Anthropic,
Bedrock, Vertex AI, Azure OpenAI, GPU instances, ...). 'Cost' and 'spend' mean EffectiveCost (amortised, in the
billing currency); 'billed' means BilledCost. Start with list_dimensions to see what can be grouped and filtered,
then query_costs; resource spendscope://conventions has the conventions and spendscope://schema the tables for
run_sql. Periods are written as '2026-10', 'last month', 'last 30 days', 'Q3 2026' or start/end dates."""


def server_version() -> str:
    """The installed spendscope version, reported as serverInfo.version."""
    try:
        return version("spendscope")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


class SpendscopeMCP(MCPServer[Any]):
    """MCPServer whose tools/list shows each caller only the tools it may use, and whose prompts/get answers a
    bad prompt name or argument with JSON-RPC invalid params (-32602), as the MCP specification asks."""

    def __init__(self, *, access: Access, specs: dict[str, ToolSpec], **kwargs: Any) -> None:
        self.access = access
        self.specs = specs
        self.tokens: TokenTable | None = None
        super().__init__(**kwargs)

    async def list_tools(self) -> list[MCPTool]:
        tools = await super().list_tools()
        try:
            caller = self.access.caller()
        except SpendscopeError:
            return []
        return [t for t in tools if t.name not in self.specs or self.specs[t.name].refusal(caller) is None]

    async def get_prompt(
        self, name: str, arguments: dict[str, Any] | None = None, context: Any = None
    ) -> Any:
        prompts = {p.name: p for p in await self.list_prompts()}
        if name not in prompts:
            raise MCPError(INVALID_PARAMS, f"unknown prompt {name!r}; prompts: {', '.join(sorted(prompts))}")
        declared = prompts[name].arguments or []
        given = arguments or {}
        missing = [a.name for a in declared if a.required and not str(given.get(a.name) or "").strip()]
        unknown = sorted(set(given) - {a.name for a in declared})
        if missing or unknown:
            problems = [f"missing required argument {m!r}" for m in missing]
            problems += [f"unknown argument {u!r}" for u in unknown]
            accepted = ", ".join(a.name for a in declared) or "none"
            raise MCPError(INVALID_PARAMS, f"prompt {name}: {'; '.join(problems)} (arguments: {accepted})")
        result: GetPromptResult = await super().get_prompt(name, arguments, context)
        return result


def build_server(
    store: Store,
    *,
    allow_writes: bool = False,
    tokens: TokenTable | None = None,
    server_url: str | None = None,
    local_caller: Caller | None = None,
    sql_timeout: float = 20.0,
    charts: bool = True,
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "WARNING",
) -> SpendscopeMCP:
    """The MCP server over `store`.

    `tokens` (HTTP only) turns on bearer authentication: every request needs a token from the table, and its
    scopes and row scope decide what the caller may do. Without tokens, callers are `local_caller` (default:
    the local user, who may write when `allow_writes`). `server_url` is the public URL of the MCP endpoint
    (`http://host:port/mcp`), required with tokens.
    """
    access = Access(
        allow_writes=allow_writes,
        require_token=tokens is not None,
        local=local_caller or Caller("local", can_write=True),
    )
    specs: dict[str, ToolSpec] = {}
    ops: dict[str, Operation] = {op.name: op for op in operations()}
    for op in ops.values():
        if op.writes and not allow_writes:
            continue
        specs[op.name] = operation_spec(op, store)
    # Ours (it enforces row scopes itself); it replaces an operation of the same name, should one appear.
    specs["run_sql"] = sql_spec(store, timeout=sql_timeout)

    runner = ToolRunner(access, render_chart if charts else None)
    auth_kwargs: dict[str, Any] = {}
    if tokens is not None:
        if not server_url:
            raise InvalidArgument(
                "an HTTP server with tokens needs its URL (server_url)", argument="server_url"
            )
        auth_kwargs = {
            "token_verifier": StaticTokenVerifier(tokens),
            "auth": AuthSettings(
                issuer_url=server_url,  # required by the SDK; unused without an authorization server
                # No OAuth protected-resource metadata: static tokens have no authorization server to name, and
                # metadata pointing at one that does not exist sends clients into a login that cannot work.
                resource_server_url=None,
                required_scopes=[READ],
                validate_token_resource=False,  # static tokens name no resource
            ),
        }
    server = SpendscopeMCP(
        access=access,
        specs=specs,
        name="spendscope",
        title="spendscope",
        version=server_version(),
        instructions=INSTRUCTIONS,
        tools=[runner.build(spec) for spec in specs.values()],
        log_level=log_level,
        **auth_kwargs,
    )
    server.tokens = tokens  # the HTTP runner reloads them on SIGHUP
    _add_resources(server, store, ops, access)
    _add_prompts(server, set(specs))
    return server


def _add_resources(server: SpendscopeMCP, store: Store, ops: dict[str, Operation], access: Access) -> None:
    @server.resource(
        "spendscope://conventions",
        name="conventions",
        title="Conventions",
        description="What 'cost' means (EffectiveCost), how periods read, the dimensions and measures "
        "a query may name.",
        mime_type="text/markdown",
    )
    def conventions() -> str:
        return content.conventions_text()

    @server.resource(
        "spendscope://schema",
        name="schema",
        title="Schema",
        description="The cost store: FOCUS columns, spendscope's x_ columns, and the tables and views "
        "run_sql may query (with their DDL).",
        mime_type="text/markdown",
    )
    def schema() -> str:
        return content.schema_text()

    tags_op = ops.get("list_virtual_tags")
    if tags_op is not None:

        @server.resource(
            "spendscope://virtual-tags",
            name="virtual-tags",
            title="Virtual tag catalog",
            description="The virtual tags (allocation rules) and shared-cost pools in force.",
            mime_type="application/json",
        )
        async def virtual_tags() -> str:
            try:
                caller = access.caller()
                result = await anyio.to_thread.run_sync(invoke, store, tags_op, None, caller)
            except SpendscopeError as exc:
                raise ResourceError(exc.message) from None
            return json.dumps(result.model_dump(mode="json"), indent=1)


def _add_prompts(server: SpendscopeMCP, tools: set[str]) -> None:
    @server.prompt(
        name="monthly_cost_review",
        title="Monthly cost review",
        description="Review a month's spend: totals and change, where it went, budgets, anomalies, "
        "commitments and savings, ending in at most three actions.",
    )
    def monthly_cost_review(month: str = "last month") -> str:
        return content.monthly_review_text(month, tools)

    @server.prompt(
        name="investigate_anomaly",
        title="Investigate this anomaly",
        description="Investigate one spend anomaly (an anomaly id, or a description such as "
        "'OpenAI spend for team search jumped on 2026-10-14'): shape, cause, impact, owner.",
    )
    def investigate_anomaly(anomaly: str) -> str:
        return content.anomaly_text(anomaly, tools)


def run_stdio(server: SpendscopeMCP) -> None:
    server.run("stdio")


def run_http(server: SpendscopeMCP, host: str, port: int, beside: Any = None) -> None:
    """Serve streamable HTTP at http://host:port/mcp, stateless with JSON responses (any replica can answer),
    behind the request checks of mcp_server/http.py; `beside` (an ASGI app) answers every other path."""
    from spendscope.mcp_server.http import serve

    anyio.run(partial(serve, server, host, port, beside=beside))
