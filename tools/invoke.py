"""The one way in: every surface (CLI, MCP, Billy, Slack, web) runs operations through `invoke`.

`invoke(store, name, params, caller)`:
1. finds the operation in the registry;
2. validates the input against the operation's model (a mapping is validated; unknown keys are refused);
3. checks the caller's permission (writes need write permission; row-scoped callers may only run operations
   that can be limited to their rows);
4. applies the caller's row scope (tools/scoping.py) to every `filters` list the input holds;
5. runs the operation.

Surfaces never apply scopes or permissions themselves, so a new operation is covered everywhere at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError
from spendscope.data.errors import InvalidArgument
from spendscope.data.store import Store
from spendscope.tools.access import LOCAL, Caller
from spendscope.tools.registry import Operation, get_operation
from spendscope.tools.scoping import scoped_params


def validation_text(exc: ValidationError, model: type[BaseModel]) -> str:
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
        elif isinstance(err.get("input"), str | int | float | bool):
            got = repr(err["input"])
            msg += f" (got {got[:60] + '...' if len(got) > 60 else got})"
        parts.append(f"{loc}: {msg}")
    return "invalid arguments: " + "; ".join(parts)


def validate(op: Operation, params: BaseModel | Mapping[str, Any] | None) -> BaseModel:
    """`params` as an instance of the operation's input model; InvalidArgument names what is wrong."""
    if isinstance(params, op.input_model):
        return params
    raw: Any = {} if params is None else params
    if isinstance(params, BaseModel):
        raw = params.model_dump(exclude_unset=True)
    try:
        return op.input_model.model_validate(dict(raw))
    except ValidationError as exc:
        raise InvalidArgument(validation_text(exc, op.input_model)) from None


def prepare(op: Operation, params: BaseModel | Mapping[str, Any] | None, caller: Caller) -> BaseModel:
    """Validated input with the caller's permission checked and row scope applied (raises PermissionDenied)."""
    return scoped_params(op, validate(op, params), caller)


def invoke(
    store: Store,
    operation: str | Operation,
    params: BaseModel | Mapping[str, Any] | None = None,
    caller: Caller = LOCAL,
) -> BaseModel:
    """Run one registry operation for `caller`: validated, permitted, row-scoped."""
    op = get_operation(operation) if isinstance(operation, str) else operation
    return op.func(store, prepare(op, params, caller))
