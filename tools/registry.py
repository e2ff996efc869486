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
    "spendscope.tools.costs.breakdown",
    "spendscope.tools.allocation",
    "spendscope.tools.allocation.owners",
    "spendscope.tools.allocation.showback",
    "spendscope.tools.costs.drivers",
    "spendscope.tools.costs.unit_costs",
    "spendscope.tools.costs.reconcile",
    "spendscope.tools.costs.prices",
    "spendscope.tools.costs.model_costs",
    "spendscope.tools.optimize.gpu",
    "spendscope.tools.optimize.commitments",
    "spendscope.tools.governance.budgets",
    "spendscope.tools.governance.forecast",
    "spendscope.tools.governance.anomalies",
    "spendscope.tools.optimize.savings",
    "spendscope.tools.prdiff.pr_diff",
    "spendscope.tools.prdiff.patch_diff",
    "spendscope.tools.costs.answers",
    "spendscope.tools.costs.sources",
    "spendscope.tools.governance.alert_actions",
    "spendscope.tools.triage.facts",
    "spendscope.tools.costs.assistants",
    "spendscope.tools.triage.deliveries",
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
        importlib.import_module(module)
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]


def get_operation(name: str) -> Operation:
    ops = {op.name: op for op in operations()}
    if name not in ops:
        from spendscope.data.errors import NotFound

        raise NotFound(f"no operation named {name!r}; known: {', '.join(sorted(ops))}")
    return ops[name]
