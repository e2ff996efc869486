"""A telemetry scope: which usage events a filter list selects (the `usage_events` counterpart of
tools.costs.breakdown.Filter). Kept apart from the triage facts that first used it, because every operation's name
check (tools.names) reads it and should not load the triage operations to do so."""

from __future__ import annotations

from typing import Literal

import duckdb
from pydantic import BaseModel, Field
from spendscope.data.errors import InvalidArgument
from spendscope.data.naming import canonical_model

UsageField = Literal["team", "feature", "customer", "model", "provider", "env", "operation", "code_path"]
USAGE_FIELDS: tuple[str, ...] = (
    "team",
    "feature",
    "customer",
    "model",
    "provider",
    "env",
    "operation",
    "code_path",
)
NONE_VALUE = "(none)"


class UsageFilter(BaseModel):
    field: UsageField = Field(
        description="usage_events field: team, feature, customer, model, provider, env, "
        "operation or code_path"
    )
    values: list[str] = Field(
        description="values (case-insensitive; model: canonical id or the recorded name; "
        "'(none)' for events without one)"
    )


def usage_where(
    con: duckdb.DuckDBPyConnection, filters: list[UsageFilter], alias: str = ""
) -> tuple[list[str], list]:
    """WHERE clauses and bound parameters selecting the usage events of a telemetry scope."""
    clauses: list[str] = []
    params: list = []
    for f in filters:
        col = f"{alias}{f.field}"
        values = [v.strip() for v in f.values if v.strip()]
        if not values:
            raise InvalidArgument(f"usage filter on {f.field!r} has no values", argument="filters")
        real = [v.lower() for v in values if v.lower() != NONE_VALUE]
        parts: list[str] = []
        if f.field == "model" and real:
            names = [
                r[0]
                for r in con.execute(
                    "SELECT DISTINCT model FROM usage_events WHERE model IS NOT NULL"
                ).fetchall()
            ]
            raws = [n for n in names if n.lower() in real or (canonical_model(n) or "") in real]
            parts.append(f"{col} IN ({', '.join('?' for _ in raws)})" if raws else "false")
            params += raws
        elif f.field == "provider" and real:
            # imported here: the provider mapping of telemetry (tools.costs.reconcile) is needed only for it
            from spendscope.tools.costs.reconcile import telemetry_source_sql

            marks = ", ".join("?" for _ in real)
            parts.append(f"(lower({col}) IN ({marks}) OR {telemetry_source_sql(col)} IN ({marks}))")
            params += real + real
        elif real:
            parts.append(f"lower({col}) IN ({', '.join('?' for _ in real)})")
            params += real
        if len(real) < len(values):
            parts.append(f"{col} IS NULL")
        clauses.append("(" + " OR ".join(parts) + ")")
    return clauses, params
