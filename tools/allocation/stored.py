"""Whether a store holds allocation rules at all: the one question every cost query asks before it needs the rules
engine (tools.allocation.versions, whose parser and compiler a store without rules never loads)."""

from __future__ import annotations

import duckdb

RULES_TABLE = "allocation_rule_versions"


def has_rules_table(con: duckdb.DuckDBPyConnection) -> bool:
    if isinstance(con, duckdb.DuckDBPyConnection):  # duckdb_tables() in 1 ms, information_schema in 3
        sql = (
            "SELECT 1 FROM duckdb_tables() WHERE table_name = ? "
            "AND schema_name = 'main' AND database_name = current_database()"
        )
    else:  # a ClickHouse store's connection (the dialect layer names its schema)
        sql = (
            "SELECT 1 FROM information_schema.tables WHERE table_name = ? "
            "AND table_schema = 'main' AND table_catalog = current_database()"
        )
    return bool(con.execute(sql, [RULES_TABLE]).fetchall())


def has_rules(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether any rules version was ever applied (the table exists in every migrated store, mostly empty)."""
    return has_rules_table(con) and bool(con.execute(f"SELECT 1 FROM {RULES_TABLE} LIMIT 1").fetchall())
