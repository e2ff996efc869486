"""`run_sql`: one read-only SELECT over the documented tables and views, capped in rows and time.

The guard (data/sql_guard.py) checks the statement with sqlglot and runs it on a read-only connection with file
access off; a row-scoped caller's query is first checked against what it may read and then rewritten so every
relation it names is filtered to its rows (tools/sql_query.py, shared with `spendscope query`).
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import uuid
from typing import Any

from pydantic import BaseModel, Field
from spendscope.data.store import Store
from spendscope.mcp_server.adapter import ToolSpec
from spendscope.mcp_server.auth import Caller
from spendscope.tools.sql_query import select

MAX_ROWS = 5_000
DEFAULT_ROWS = 200
DESCRIPTION = (
    "Run one read-only SQL SELECT (DuckDB dialect) over spendscope's documented tables and views: `costs` "
    "(FOCUS 1.2 columns plus x_ extensions), `cost_lines`, `daily_costs`, `token_usage`, `commitment_usage`, "
    "`gpu_instance_costs`, `usage_events` and the others listed in resource spendscope://schema. "
    "'Cost' means EffectiveCost. Prefer query_costs for cost breakdowns; use this for questions the other tools "
    "do not answer. Returns at most `limit` rows; long queries are stopped."
)


class SqlInput(BaseModel):
    sql: str = Field(
        description="one SELECT (or WITH ... SELECT) statement; no DDL/DML, no table functions or file paths"
    )
    limit: int = Field(DEFAULT_ROWS, ge=1, le=MAX_ROWS, description=f"maximum rows returned (1-{MAX_ROWS})")


class SqlRows(BaseModel):
    columns: list[str] = Field(description="column names, in order")
    rows: list[list[Any]] = Field(description="the rows, each a list of values in column order")
    row_count: int = Field(description="number of rows returned")
    truncated: bool = Field(description="true when the query had more rows than `limit`")
    row_scope: str | None = Field(None, description="the rows this caller is limited to, e.g. team=search")


def json_value(value: Any) -> Any:
    """A JSON-safe value: money as a number, dates as ISO text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    return str(value)


def run_sql(store: Store, params: SqlInput, caller: Caller, *, timeout: float) -> SqlRows:
    result = select(store, params.sql, caller, row_limit=params.limit, timeout=timeout)
    rows = [[json_value(v) for v in row] for row in result.rows]
    return SqlRows(
        columns=result.columns,
        rows=rows,
        row_count=len(rows),
        truncated=result.truncated,
        row_scope=caller.scope_text() or None,
    )


def sql_spec(store: Store, *, timeout: float = 20.0) -> ToolSpec:
    return ToolSpec(
        name="run_sql",
        description=DESCRIPTION,
        input_model=SqlInput,
        output_model=SqlRows,
        execute=lambda params, caller: run_sql(store, params, caller, timeout=timeout),  # type: ignore[arg-type]
        refusal=lambda caller: None,
    )
