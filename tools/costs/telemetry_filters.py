"""Cost filters (tools.costs.breakdown.Filter) applied to telemetry (`usage_events`), so an operation that reads
both the bill and telemetry limits both to the same rows (and a row-scoped caller sees only its own).

A dimension that is a usage_events column (team, feature, customer, env, provider, model) filters that column
(telemetry's own spelling: `model` is the model name the source recorded); any other dimension (a tag such as
`sub_account`, or a virtual tag) is read from the event's `tags` JSON under the same key.
"""

from __future__ import annotations

from spendscope.data.sql import json_text
from spendscope.tools.costs.breakdown import Filter, filter_clause

EVENT_COLUMNS = {"team", "feature", "customer", "env", "provider", "operation", "status", "commit_sha"}


def event_dimension_sql(dimension: str, alias: str = "e") -> str:
    key = dimension.strip().lower()
    if key in EVENT_COLUMNS:
        return f"{alias}.{key}"
    if key == "model":
        return f"coalesce({alias}.model, '')"
    return json_text(f"{alias}.tags", dimension.strip())


def event_filter_sql(filters: list[Filter], alias: str = "e") -> tuple[list[str], list]:
    """WHERE clauses and parameters limiting usage_events rows (alias `alias`) to `filters`."""
    clauses: list[str] = []
    params: list = []
    for f in filters:
        clause, values = filter_clause(f, event_dimension_sql(f.dimension, alias))
        clauses.append(clause)
        params += values
    return clauses, params
