"""Allocation: virtual tags defined by ordered rules, coverage, shared-cost pools, telemetry-based customer
attribution and suggested rules. docs/allocation.md is the reference.

`query_source(con)` is the hook tools.costs.dimensions calls on every cost query: it returns None when no virtual tags
are defined, else a relation over `costs` that adds one column per virtual tag (rules evaluated in SQL at query
time; see docs/allocation.md for why nothing is materialised).
"""

from __future__ import annotations

from spendscope.tools.allocation import attribution, coverage, shared, suggest, versions
from spendscope.tools.allocation.versions import (
    apply_rules,
    list_virtual_tags,
    query_source,
    rollback_rules,
    rules_history,
)

__all__ = [
    "apply_rules",
    "attribution",
    "coverage",
    "list_virtual_tags",
    "query_source",
    "rollback_rules",
    "rules_history",
    "shared",
    "suggest",
    "versions",
]
