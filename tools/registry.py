"""One registry of public operations. The MCP server, Billy's planner and LLM tool schemas are built from it,
so a new operation appears everywhere at once.

An operation module decorates its functions with `@operation(...)`; `operations()` imports every module listed
in OPERATION_MODULES and returns the registered operations in a stable order.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

# Modules that define operations. Add a module here when it gains @operation functions.
OPERATION_MODULES = (
    "tools.costs",
    "tools.sql",
    "tools.allocation",
    "tools.owners",
    "tools.showback",
    "tools.drivers",
    "tools.unit_costs",
    "tools.reconcile",
    "tools.gpu",
    "tools.commitments",
    "tools.budgets",
    "tools.forecast",
    "tools.anomalies",
    "tools.savings",
    "tools.pr_diff",
    "tools.answers",
    "tools.sources",
    "tools.alert_actions",
    "tools.triage_facts",
)


@dataclass(frozen=True)
class Operation:
    name: str  # snake_case verb_noun, the MCP tool name
    func: Callable[..., BaseModel]  # func(store, params) -> output model
    input_model: type[BaseModel]
    output_model: type[BaseModel]
    description: str
    writes: bool = False  # changes the store (needs write permission on MCP / Slack)
    chart: bool = False  # the output can be drawn (see tools.charts)


_REGISTRY: dict[str, Operation] = {}


def operation(
    name: str,
    *,
    input_model: type[BaseModel],
    output_model: type[BaseModel],
    writes: bool = False,
    chart: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register `func(store, params: input_model) -> output_model` as a public operation."""

    def wrap(func: Callable[..., Any]) -> Callable[..., Any]:
        doc = (func.__doc__ or "").strip()
        _REGISTRY[name] = Operation(name, func, input_model, output_model, doc, writes, chart)
        return func

    return wrap


def operations() -> list[Operation]:
    """Every registered operation, importing the operation modules on first use."""
    for module in OPERATION_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]


def get_operation(name: str) -> Operation:
    ops = {op.name: op for op in operations()}
    if name not in ops:
        from data.errors import NotFound

        raise NotFound(f"no operation named {name!r}; known: {', '.join(sorted(ops))}")
    return ops[name]
