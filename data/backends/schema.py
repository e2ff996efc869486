"""The ClickHouse schema: every numbered migration of data/migrations rendered for ClickHouse, so both backends
hold the same tables, columns and views (a migration another engineer adds reaches ClickHouse with no extra
work). A file data/migrations/clickhouse/NNNN_name.sql, when present, replaces the rendering of migration NNNN.

Tables become MergeTree tables; the big ones get the layout the common filters need (docs/clickhouse.md):
`costs` partitioned by billing month and source (a restated period is replaced one partition at a time) and
ordered by provider, model and charge time; `usage_events` and `gpu_samples` partitioned by month of `ts`
(a TTL can age events out). Columns keep DuckDB's NULL semantics (Nullable unless NOT NULL).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

import sqlglot
from spendscope.data.dialect import SpendscopeClickHouse, to_clickhouse
from sqlglot import exp


@dataclass(frozen=True)
class Layout:
    order_by: str
    partition_by: str | None = None


# the billing month a `costs` row is partitioned by (YYYYMM)
COST_MONTH = "toYYYYMM(ifNull(coalesce(BillingPeriodStart, ChargePeriodStart), toDateTime64(0, 6, 'UTC')))"
COST_PARTITION = f"({COST_MONTH}, ifNull(x_Source, ''))"
LAYOUTS: dict[str, Layout] = {
    "costs": Layout("(ProviderName, x_Model, ChargePeriodStart)", COST_PARTITION),
    "usage_events": Layout("(provider, model, ts)", "toYYYYMM(ts)"),
    "gpu_samples": Layout("(instance_id, gpu_index, ts)", "toYYYYMM(ts)"),
}
# Tables too big to copy whole into a write transaction (data/backends/shadow.py): costs by partition, the two
# telemetry tables by key.
BIG_TABLES = frozenset(LAYOUTS)


def ch_type(datatype: exp.DataType, *, nullable: bool = True) -> str:
    """A DuckDB column type as ClickHouse writes it (Nullable unless the column is NOT NULL)."""
    dt = datatype.copy()
    if dt.is_type(exp.DataType.Type.ARRAY):  # arrays cannot be Nullable in ClickHouse
        nullable = False
    dt.set("nullable", nullable if not dt.is_type(exp.DataType.Type.ARRAY) else False)
    text = dt.sql(dialect=SpendscopeClickHouse)
    if not nullable and text.startswith("Nullable("):
        text = text[len("Nullable(") : -1]
    return text


def _default_sql(expr: exp.Expression) -> str:
    if isinstance(expr, exp.CurrentTimestamp) or expr.sql("duckdb").lower() in ("current_timestamp", "now()"):
        return "now64(6, 'UTC')"
    return expr.sql(dialect=SpendscopeClickHouse)


def create_table_sql(create: exp.Create) -> str:
    schema = create.this
    table = schema.this.name
    columns, keys = [], []
    for col in schema.expressions:
        if isinstance(col, exp.PrimaryKey):
            keys += [e.name for e in col.expressions]
            continue
        if not isinstance(col, exp.ColumnDef):
            continue
        not_null, default = False, None
        for c in col.constraints:
            kind = c.kind
            if isinstance(kind, exp.NotNullColumnConstraint) and not kind.args.get("allow_null"):
                not_null = True
            elif isinstance(kind, exp.PrimaryKeyColumnConstraint):
                not_null = True
                keys.append(col.name)
            elif isinstance(kind, exp.DefaultColumnConstraint):
                default = _default_sql(kind.this)
        line = f"`{col.name}` {ch_type(col.args['kind'], nullable=not not_null)}"
        if default is not None:
            line += f" DEFAULT {default}"
        columns.append(line)
    layout = LAYOUTS.get(table.lower())
    order = layout.order_by if layout else (f"({', '.join(keys)})" if keys else "tuple()")
    parts = [f"CREATE TABLE IF NOT EXISTS `{table}` (\n    " + ",\n    ".join(columns) + "\n)"]
    parts.append("ENGINE = MergeTree")
    if layout and layout.partition_by:
        parts.append(f"PARTITION BY {layout.partition_by}")
    parts.append(f"ORDER BY {order}")
    parts.append("SETTINGS allow_nullable_key = 1")
    return "\n".join(parts)


def render_statement(stmt: exp.Expression) -> list[str]:
    """One DuckDB migration statement as ClickHouse statements."""
    if isinstance(stmt, exp.Create):
        kind = (stmt.args.get("kind") or "").upper()
        if kind == "TABLE" and isinstance(stmt.this, exp.Schema):
            return [create_table_sql(stmt)]
        if kind == "VIEW":
            name = stmt.this.name
            body = to_clickhouse(stmt.expression.sql("duckdb")).sql
            return [f"CREATE OR REPLACE VIEW `{name}` AS {body}"]
        if kind in ("INDEX", "SEQUENCE", "MACRO", "TYPE"):
            return []
    if isinstance(stmt, exp.Alter):
        out = []
        table = stmt.this.name
        for action in stmt.args.get("actions") or []:
            if isinstance(action, exp.ColumnDef):
                line = f"ALTER TABLE `{table}` ADD COLUMN IF NOT EXISTS `{action.name}` {ch_type(action.args['kind'])}"
                for c in action.constraints:
                    if isinstance(c.kind, exp.DefaultColumnConstraint):
                        line += f" DEFAULT {_default_sql(c.kind.this)}"
                out.append(line)
            else:
                raise ValueError(f"unsupported ALTER on ClickHouse: {stmt.sql('duckdb')[:200]}")
        return out
    if isinstance(stmt, exp.Update):  # a data migration: a mutation, waited for (mutations_sync)
        text = to_clickhouse(stmt.sql("duckdb", comments=False)).sql
        table = stmt.this.name
        head = re.match(rf"UPDATE\s+`?{re.escape(table)}`?\s+SET\s+", text, flags=re.IGNORECASE)
        if head is None:
            raise ValueError(f"unsupported UPDATE on ClickHouse: {text[:200]}")
        body = text[head.end() :]
        return [f"ALTER TABLE `{table}` UPDATE {body}{'' if stmt.args.get('where') else ' WHERE 1'}"]
    if isinstance(stmt, exp.Drop):
        kind = (stmt.args.get("kind") or "").upper()
        return [f"DROP {kind} IF EXISTS `{stmt.this.name}`"]
    return [to_clickhouse(stmt.sql("duckdb")).sql]


def render_migration(sql: str) -> list[str]:
    out: list[str] = []
    for stmt in sqlglot.parse(sql, read="duckdb"):
        if stmt is None or isinstance(stmt, exp.Semicolon):  # a comment after the last `;` of a line
            continue
        out += render_statement(stmt)
    return out


def overrides() -> dict[int, str]:
    """Hand-written ClickHouse migrations (data/migrations/clickhouse/NNNN_*.sql) by version."""
    out: dict[int, str] = {}
    try:
        folder = resources.files("spendscope.data.migrations").joinpath("clickhouse")
        entries = list(folder.iterdir())
    except (FileNotFoundError, NotADirectoryError, ModuleNotFoundError):
        return out
    for entry in entries:
        if entry.name.endswith(".sql") and entry.name[:4].isdigit():
            out[int(entry.name[:4])] = entry.read_text(encoding="utf-8")
    return out


def split_statements(sql: str) -> list[str]:
    """Statements of a hand-written ClickHouse file (split on `;` at line ends; comments dropped)."""
    lines = [line for line in sql.splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";\n") if s.strip().rstrip(";").strip()]


def arrow_to_clickhouse_columns(schema: Any) -> str:
    """Column definitions for an Arrow schema (temporary tables holding registered frames or staged rows)."""
    return ", ".join(f"`{f.name}` {arrow_type(f.type)}" for f in schema)


def arrow_type(t: Any) -> str:
    import pyarrow as pa

    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return f"Array({arrow_type(t.value_type)})"
    if pa.types.is_boolean(t):
        base = "Bool"
    elif pa.types.is_integer(t):
        base = {8: "Int8", 16: "Int16", 32: "Int32", 64: "Int64"}[t.bit_width]
        if pa.types.is_unsigned_integer(t):
            base = "U" + base
    elif pa.types.is_floating(t):
        base = "Float64" if t.bit_width == 64 else "Float32"
    elif pa.types.is_decimal(t):
        base = f"Decimal({t.precision}, {t.scale})"
    elif pa.types.is_timestamp(t):
        base = "DateTime64(6, 'UTC')"
    elif pa.types.is_date(t):
        base = "Date32"
    elif pa.types.is_null(t):
        base = "String"
    else:
        base = "String"
    return f"Nullable({base})"
