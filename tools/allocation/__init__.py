"""Allocation: virtual tags defined by ordered rules, coverage, shared-cost pools, telemetry-based customer
attribution and suggested rules. docs/allocation.md is the reference.

`query_source(con)` is the hook tools.costs.dimensions calls on every cost query: it returns None when no virtual tags
are defined, else a relation over `costs` that adds one column per virtual tag (rules evaluated in SQL at query
time; see docs/allocation.md for why nothing is materialised).
"""

from __future__ import annotations

import importlib
from typing import Any

# Loaded on first use (PEP 562), so a cost query that only needs `query_source` does not import the attribution,
# suggestion and shared-pool modules.
_SUBMODULES = ("attribution", "coverage", "shared", "suggest", "versions")
_FROM_VERSIONS = ("apply_rules", "list_virtual_tags", "query_source", "rollback_rules", "rules_history")

__all__ = sorted([*_SUBMODULES, *_FROM_VERSIONS])


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _FROM_VERSIONS:
        return getattr(importlib.import_module(f"{__name__}.versions"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
