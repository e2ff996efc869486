"""One registry of public operations. The MCP server, Billy's planner and LLM tool schemas are built from it,
so a new operation appears everywhere at once.

An operation module decorates its functions with `@operation(...)`; `operations()` imports every module listed
in OPERATION_MODULES and returns the registered operations in a stable order.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from spendscope.data.errors import NotFound

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
    "spendscope.tools.business.metrics",
    "spendscope.tools.business.unit_costs",
    "spendscope.tools.business.profitability",
    "spendscope.tools.business.targets",
    "spendscope.tools.business.anomalies",
    "spendscope.tools.business.unit_budgets",
    "spendscope.tools.business.alerts",
    "spendscope.tools.costs.assistants",
    "spendscope.tools.triage.deliveries",
)


# How each write changes the store, as MCP's tool annotations say it: (destructive, idempotent).
# destructive: it may overwrite or delete what is there (not only add); idempotent: repeating the same call
# changes nothing more. A write operation names its hints here or in @operation(...); tests check every one does.
WRITE_HINTS: dict[str, tuple[bool, bool]] = {
    "apply_allocation_rules": (True, True),  # replaces the rules in force; the same document again: unchanged
    "rollback_allocation_rules": (True, True),
    "review_allocation_suggestions": (True, False),  # approvals change the rules in force
    "check_budgets": (False, True),  # each alert is raised once per period
    "set_budget": (True, True),  # updates a budget of the same name
    "remove_budget": (True, True),
    "set_owner": (True, True),
    "remove_owner": (True, True),
    "detect_anomalies": (False, True),  # the same anomaly is stored once
    "update_anomaly": (False, False),  # appends feedback
    "reassign_anomaly": (False, False),
    "snooze_anomaly": (False, False),
    "reprice_telemetry": (True, True),  # overwrites stored estimates; the same catalog again changes nothing
}


@dataclass(frozen=True)
class Operation:
    name: str  # snake_case verb_noun, the MCP tool name
    func: Callable[..., BaseModel]  # func(store, params) -> output model
    input_model: type[BaseModel]
    output_model: type[BaseModel]
    description: str
    writes: bool = False  # changes the store (needs write permission on MCP / Slack)
    chart: bool = False  # the output can be drawn (see tools.charts)
    destructive: bool | None = None  # writes only: may overwrite or delete (see WRITE_HINTS)
    idempotent: bool | None = None  # writes only: repeating the call changes nothing more


_REGISTRY: dict[str, Operation] = {}


def operation(
    name: str,
    *,
    input_model: type[BaseModel],
    output_model: type[BaseModel],
    writes: bool = False,
    chart: bool = False,
    destructive: bool | None = None,
    idempotent: bool | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register `func(store, params: input_model) -> output_model` as a public operation. Its description is
    the function's docstring, dedented (it is what MCP clients and the CLI's help show)."""

    def wrap(func: Callable[..., Any]) -> Callable[..., Any]:
        doc = inspect.cleandoc(func.__doc__ or "")
        hints = WRITE_HINTS.get(name, (None, None)) if writes else (None, None)
        _REGISTRY[name] = Operation(
            name,
            func,
            input_model,
            output_model,
            doc,
            writes,
            chart,
            destructive if destructive is not None else hints[0],
            idempotent if idempotent is not None else hints[1],
        )
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
        raise NotFound(f"no operation named {name!r}; known: {', '.join(sorted(ops))}")
    return ops[name]
