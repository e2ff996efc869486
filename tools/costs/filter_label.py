"""A filter list as people read it, for titles and notes (light: the CLI's tables import it)."""

from __future__ import annotations

from spendscope.tools.costs.breakdown import Filter


def scope_label(filters: list[Filter]) -> str:
    """A filter list as people read it: `team = search AND provider in (OpenAI, Anthropic)`."""
    if not filters:
        return "all spend"
    words = {
        "eq": "=",
        "in": "in",
        "not": "!=",
        "not_in": "not in",
        "prefix": "starts with",
        "contains": "contains",
    }
    parts = []
    for f in filters:
        values = f.values[0] if len(f.values) == 1 else "(" + ", ".join(f.values) + ")"
        op = f.op
        if len(f.values) > 1 and op in ("eq", "not"):
            op = "in" if op == "eq" else "not_in"
        elif len(f.values) == 1 and op in ("in", "not_in"):  # a caller's row scope: "team = search"
            op = "eq" if op == "in" else "not"
        parts.append(f"{f.dimension} {words[op]} {values}")
    return " AND ".join(parts)
