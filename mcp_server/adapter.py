"""Registry operations (and run_sql) as MCP tools: arguments in, pydantic model out, chart beside it.

Each tool's input schema is its operation's input model (every field with its description), plus `chart` when
the operation can be drawn; its output schema is the output model, so clients get structured content. The
arguments are validated by tools.invoke rather than by the SDK, so a bad argument (at any depth) comes back as
one readable line. The result travels once, as structured content, beside a short text (content.result_text).
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import anyio
from mcp.server.mcpserver.tools import Tool
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase, FuncMetadata
from mcp_types import CallToolResult, ContentBlock, ImageContent, TextContent, ToolAnnotations
from pydantic import BaseModel, ConfigDict, Field, create_model
from spendscope.data.errors import InvalidArgument, PermissionDenied, SpendscopeError
from spendscope.data.store import Store
from spendscope.mcp_server.auth import Access, Caller
from spendscope.mcp_server.content import result_text
from spendscope.mcp_server.errors import error_result
from spendscope.tools.invoke import invoke, validate_model
from spendscope.tools.registry import Operation
from spendscope.tools.scoping import refusal

CHART_ARGUMENT = "chart"
CHART_DESCRIPTION = "also return a PNG chart of the result as image content (default false: data only)"


@dataclass(frozen=True)
class ToolSpec:
    """One MCP tool: what it takes and returns, who may call it, and how it runs (in a worker thread)."""

    name: str
    description: str
    input_model: type[BaseModel]
    output_model: type[BaseModel]
    execute: Callable[[BaseModel, Caller], BaseModel]
    refusal: Callable[[Caller], str | None]
    writes: bool = False
    chart: bool = False
    destructive: bool | None = None  # writes: may overwrite or delete (MCP destructiveHint)
    idempotent: bool | None = None  # writes: repeating changes nothing more (MCP idempotentHint)


def operation_spec(op: Operation, store: Store) -> ToolSpec:
    """The tool for a registry operation: the caller's row scope applied, the store passed in."""

    def execute(params: BaseModel, caller: Caller) -> BaseModel:
        return invoke(store, op, _with_author(op, params, caller), caller)

    description = op.description or op.name.replace("_", " ")
    if op.chart:
        description += f"\n\nSet `{CHART_ARGUMENT}` to true to also get a PNG chart of the result."
    if op.writes:
        description += (
            "\n\nChanges the store: offered only when the server allows writes and the caller may write."
        )
    return ToolSpec(
        op.name,
        description,
        op.input_model,
        op.output_model,
        execute,
        lambda caller: refusal(op, caller),
        op.writes,
        op.chart,
        op.destructive,
        op.idempotent,
    )


RECORDED_BY = ("author", "actor")  # arguments in which write operations record who made a change


def _with_author(op: Operation, params: BaseModel, caller: Caller) -> BaseModel:
    """Writes record who made them: the caller's identity goes into `author`/`actor` (beside any name given)."""
    fields = type(params).model_fields
    name = next((f for f in RECORDED_BY if f in fields), None)
    if not op.writes or name is None:
        return params
    given = getattr(params, name, None)
    if given in (None, "", fields[name].default, caller.identity):
        who = caller.identity
    else:
        who = f"{given} via {caller.identity}"
    return params.model_copy(update={name: f"mcp:{who}"})


_ACRONYMS = {"sql": "SQL", "gpu": "GPU", "pr": "PR", "id": "ID"}


def tool_title(name: str) -> str:
    """`estimate_pr_cost_diff` -> `Estimate PR cost diff`."""
    words = [_ACRONYMS.get(w, w) for w in name.split("_")]
    return " ".join([words[0][:1].upper() + words[0][1:], *words[1:]])


class _ArgsBase(ArgModelBase):
    model_config = ConfigDict(arbitrary_types_allowed=True, extra="forbid")


class _RawArguments(FuncMetadata):
    """Hands the raw arguments to the tool, which validates them itself (for clean error messages)."""

    def validate_arguments(self, arguments_to_validate: dict[str, Any]) -> dict[str, Any]:
        return {"arguments": self.pre_parse_json(arguments_to_validate)}


@lru_cache(maxsize=1024)
def _schemas(
    name: str, input_model: type[BaseModel], output_model: type[BaseModel], chart: bool
) -> tuple[type[ArgModelBase], dict[str, Any], dict[str, Any]]:
    """A tool's arguments model (the input model, unknown arguments refused, with `chart` when it can be
    drawn), its input schema and its output schema, built once per process: they depend
    only on the operation's models, and building them (pydantic's JSON schemas for ~60 tools) took 0.7 s of
    every server's start."""
    extra: dict[str, Any] = {}
    if chart and CHART_ARGUMENT not in input_model.model_fields:
        extra[CHART_ARGUMENT] = (bool, Field(False, description=CHART_DESCRIPTION))
    args_model = create_model(f"{name}Arguments", __base__=(_ArgsBase, input_model), **extra)
    # The schema of what is sent (serialization mode: excluded fields left out, defaults always present);
    # the result is a model instance already, so it is not validated again.
    output_schema = output_model.model_json_schema(mode="serialization")
    return args_model, args_model.model_json_schema(by_alias=True), output_schema


class ToolRunner:
    """Runs tool calls for one server: who is calling, validation, execution off the event loop, charts."""

    def __init__(self, access: Access, render_chart: Callable[[BaseModel], bytes | None] | None) -> None:
        self.access = access
        self.render_chart = render_chart

    def build(self, spec: ToolSpec) -> Tool:
        args_model, parameters, output_schema = _schemas(
            spec.name, spec.input_model, spec.output_model, spec.chart
        )
        input_fields = spec.input_model.model_fields
        wants_chart_arg = CHART_ARGUMENT in args_model.model_fields and CHART_ARGUMENT not in input_fields

        async def call(arguments: dict[str, Any]) -> CallToolResult:
            try:
                caller = self.access.caller()
                reason = spec.refusal(caller)
                if reason is not None:
                    raise PermissionDenied(reason)
                given = dict(arguments or {})
                chart = given.pop(CHART_ARGUMENT, False) if wants_chart_arg else False
                if not isinstance(chart, bool):
                    raise InvalidArgument(
                        f"invalid arguments: {CHART_ARGUMENT}: true or false (got {chart!r:.40})"
                    )
                params = validate_model(spec.input_model, given)
                result = await anyio.to_thread.run_sync(spec.execute, params, caller)
            except SpendscopeError as exc:
                return error_result(spec.name, exc)
            structured = result.model_dump(mode="json")
            content: list[ContentBlock] = [TextContent(type="text", text=result_text(spec.name, structured))]
            if chart and self.render_chart is not None:
                png = await anyio.to_thread.run_sync(self.render_chart, result)
                if png is None:
                    content.append(
                        TextContent(type="text", text="(no chart: nothing to draw for this result)")
                    )
                else:
                    data = base64.b64encode(png).decode("ascii")
                    content.append(ImageContent(type="image", data=data, mime_type="image/png"))
            return CallToolResult(content=content, structured_content=structured)

        # Copies: each server's tools own their schemas (the cached ones stay as built).
        metadata = _RawArguments(arg_model=args_model, output_schema=copy.deepcopy(output_schema))
        annotations = ToolAnnotations(
            title=tool_title(spec.name),
            read_only_hint=not spec.writes,
            destructive_hint=spec.destructive if spec.writes else None,
            idempotent_hint=spec.idempotent if spec.writes else None,
            open_world_hint=False,
        )
        return Tool(
            fn=call,
            name=spec.name,
            title=annotations.title,
            description=spec.description,
            parameters=copy.deepcopy(parameters),
            fn_metadata=metadata,
            is_async=True,
            annotations=annotations,
        )
