"""One registry of public operations. The MCP server, Billy's planner and LLM tool schemas are built from it,
so a new operation appears everywhere at once.

An operation module decorates its functions with `@operation(...)`; OPERATION_INDEX names the module of each
operation. `operations()` imports every module and returns the registered operations in a stable order;
`get_operation(name)` imports only the one module it needs (a CLI command starts without the others).
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from spendscope.data.errors import NotFound

# Where each operation is defined: name -> module. `get_operation(name)` imports only that module, so a CLI command
# or a single call does not pay for every operation's imports (numpy, statsmodels, sqlglot). Add a line here when a
# module gains an @operation function (tests/test_tools_registry_index.py checks the index against the modules).
OPERATION_INDEX: dict[str, str] = {
    "apply_allocation_rules": "spendscope.tools.allocation.versions",
    "attribute_costs_to_customers": "spendscope.tools.allocation.attribution",
    "average_cost": "spendscope.tools.costs.answers",
    "budget_status": "spendscope.tools.governance.budgets",
    "business_alerts": "spendscope.tools.business.alerts",
    "check_budgets": "spendscope.tools.governance.budgets",
    "commitment_utilization": "spendscope.tools.optimize.commitments",
    "compare_costs": "spendscope.tools.costs.answers",
    "compare_model_costs": "spendscope.tools.costs.model_costs",
    "cost_per_business_unit": "spendscope.tools.business.unit_costs",
    "cost_ratio": "spendscope.tools.costs.answers",
    "detect_anomalies": "spendscope.tools.governance.anomalies",
    "detect_unit_anomalies": "spendscope.tools.business.anomalies",
    "diff_model_prices": "spendscope.tools.costs.prices",
    "dimension_catalog": "spendscope.tools.costs.answers",
    "estimate_pr_cost_diff": "spendscope.tools.prdiff.pr_diff",
    "estimate_pr_cost_diff_from_patch": "spendscope.tools.prdiff.patch_diff",
    "explain_change": "spendscope.tools.costs.drivers",
    "forecast_costs": "spendscope.tools.governance.forecast",
    "get_allocation_coverage": "spendscope.tools.allocation.coverage",
    "get_anomaly": "spendscope.tools.governance.anomalies",
    "get_assistant_costs": "spendscope.tools.costs.assistants",
    "get_shared_cost_allocation": "spendscope.tools.allocation.shared",
    "get_showback_report": "spendscope.tools.allocation.showback",
    "get_token_usage": "spendscope.tools.costs.breakdown",
    "gpu_utilization": "spendscope.tools.optimize.gpu",
    "list_allocation_rule_versions": "spendscope.tools.allocation.versions",
    "list_anomalies": "spendscope.tools.governance.anomalies",
    "list_assistant_seats": "spendscope.tools.costs.assistants",
    "list_budgets": "spendscope.tools.governance.budgets",
    "list_business_metrics": "spendscope.tools.business.metrics",
    "list_business_targets": "spendscope.tools.business.targets",
    "list_deliveries": "spendscope.tools.triage.deliveries",
    "list_dimension_values": "spendscope.tools.costs.breakdown",
    "list_dimensions": "spendscope.tools.costs.breakdown",
    "list_new_commits": "spendscope.tools.triage.facts",
    "list_owners": "spendscope.tools.allocation.owners",
    "list_sources": "spendscope.tools.costs.sources",
    "list_virtual_tags": "spendscope.tools.allocation.versions",
    "profitability": "spendscope.tools.business.profitability",
    "query_business_metrics": "spendscope.tools.business.metrics",
    "query_costs": "spendscope.tools.costs.breakdown",
    "reassign_anomaly": "spendscope.tools.governance.alert_actions",
    "reconcile_estimates": "spendscope.tools.costs.reconcile",
    "remove_budget": "spendscope.tools.governance.budgets",
    "remove_business_target": "spendscope.tools.business.targets",
    "remove_owner": "spendscope.tools.allocation.owners",
    "reprice_telemetry": "spendscope.tools.costs.prices",
    "review_allocation_suggestions": "spendscope.tools.allocation.suggest",
    "rollback_allocation_rules": "spendscope.tools.allocation.versions",
    "savings_recommendations": "spendscope.tools.optimize.savings",
    "scan_anomalies": "spendscope.tools.governance.anomalies",
    "set_budget": "spendscope.tools.governance.budgets",
    "set_margin_floor": "spendscope.tools.business.targets",
    "set_owner": "spendscope.tools.allocation.owners",
    "set_unit_budget": "spendscope.tools.business.targets",
    "show_model_prices": "spendscope.tools.costs.prices",
    "snooze_anomaly": "spendscope.tools.governance.alert_actions",
    "suggest_allocation_rules": "spendscope.tools.allocation.suggest",
    "top_usage": "spendscope.tools.triage.facts",
    "unit_budget_status": "spendscope.tools.business.unit_budgets",
    "unit_costs": "spendscope.tools.costs.unit_costs",
    "update_anomaly": "spendscope.tools.governance.anomalies",
}

# Modules that define operations (`operations()` imports them all).
OPERATION_MODULES = tuple(dict.fromkeys(OPERATION_INDEX.values()))


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
    """The operation `name`, importing only the module that defines it."""
    if name not in _REGISTRY and name in OPERATION_INDEX:
        importlib.import_module(OPERATION_INDEX[name])
    if name not in _REGISTRY:
        raise NotFound(f"no operation named {name!r}; known: {', '.join(sorted(OPERATION_INDEX))}")
    return _REGISTRY[name]
