"""The guarded SQL path: a single read-only SELECT over the documented relations, nothing else.

Three barriers: sqlglot checks the statement (one query, no DDL/DML, no table functions, no other catalogs,
only allowed relations), the connection is read-only with external (file) access disabled, and a row cap and a
time cap bound the work. Row scoping (MCP tokens, Slack users) rewrites each scoped relation into a filtered
subquery before running.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import duckdb
import sqlglot
from spendscope.data.errors import QueryFailed, QueryRefused
from spendscope.data.store import Store, connect_with_retry
from sqlglot import exp

# Internal bookkeeping tables are not part of the documented surface.
INTERNAL = {"schema_migrations"}
_FORBIDDEN = (
    exp.Insert,
    exp.Update,
    exp.Delete,
    exp.Merge,
    exp.Create,
    exp.Drop,
    exp.Alter,
    exp.Command,
    exp.Copy,
    exp.Attach,
    exp.Detach,
    exp.Pragma,
    exp.Set,
    exp.Use,
    exp.Transaction,
    exp.Commit,
    exp.Rollback,
    exp.LoadData,
    exp.Describe,
)
_BANNED_FUNCTIONS = {"getenv", "read_text", "read_blob", "current_setting", "load", "install"}


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]
    truncated: bool
    sql: str


def documented_relations(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Every user-visible table and view in the store (internal ones start with `_`)."""
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
    ).fetchall()
    return {r[0].lower() for r in rows if not r[0].startswith("_") and r[0].lower() not in INTERNAL}


def check_select(
    sql: str,
    allowed: set[str],
    *,
    row_limit: int | None = None,
    scopes: Mapping[str, str] | None = None,
) -> str:
    """Validate `sql` and return the DuckDB SQL to run (with the row cap and scopes applied).

    `scopes` maps a relation name to a SQL predicate over that relation's columns; each reference to it is
    replaced by `(SELECT * FROM rel WHERE predicate) AS alias`.
    """
    if not sql or not sql.strip():
        raise QueryRefused("empty query: give one SELECT statement")
    try:
        statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    except sqlglot.errors.ParseError as exc:
        first = str(exc).splitlines()[0][:200]
        raise QueryRefused(f"the query does not parse: {first}") from None
    if len(statements) != 1:
        raise QueryRefused(f"exactly one statement is allowed, got {len(statements)}")
    tree = statements[0]
    if not isinstance(tree, exp.Query):
        raise QueryRefused(f"only SELECT queries are allowed, got {tree.key.upper()}")
    bad = next(iter(tree.find_all(*_FORBIDDEN)), None)
    if bad is not None:
        raise QueryRefused(f"{bad.key.upper()} is not allowed: only read-only SELECT")
    for fn in tree.find_all(exp.Anonymous):
        if str(fn.name).lower() in _BANNED_FUNCTIONS:
            raise QueryRefused(f"function {fn.name} is not allowed")
    ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    shadowing = sorted(ctes & allowed)
    if (
        shadowing
    ):  # `WITH costs AS (SELECT * FROM costs)` would hide the real table from the checks and scopes
        raise QueryRefused(
            f"a WITH name may not reuse the name of a table or view: rename {', '.join(shadowing)}"
        )
    for table in list(tree.find_all(exp.Table)):
        if not isinstance(table.this, exp.Identifier):
            raise QueryRefused(
                "table functions and file paths are not allowed in FROM; query the documented views"
            )
        if table.args.get("db") or table.args.get("catalog"):
            raise QueryRefused(f"{table.sql('duckdb')}: other schemas and catalogs are not allowed")
        name = table.name.lower()
        if name in ctes:
            continue
        if name not in allowed:
            raise QueryRefused(
                f"unknown table or view {table.name!r}; queryable: {', '.join(sorted(allowed))}",
                allowed=sorted(allowed),
            )
        if scopes and name in scopes:
            alias = table.alias_or_name
            sub = sqlglot.parse_one(f"(SELECT * FROM {name} WHERE {scopes[name]}) AS {alias}", read="duckdb")
            table.replace(sub)
    if row_limit is not None:
        limit = tree.args.get("limit")
        current = None
        if limit is not None and isinstance(limit.expression, exp.Literal) and limit.expression.is_int:
            current = int(limit.expression.this)
        if current is None or current > row_limit:
            tree = tree.limit(row_limit + 1, copy=False)
    return tree.sql("duckdb")


def run_select(
    store: Store,
    sql: str,
    *,
    row_limit: int = 10_000,
    timeout: float = 30.0,
    scopes: Mapping[str, str] | None = None,
    params: list[Any] | None = None,
) -> QueryResult:
    """Check and run one read-only SELECT on a read-only connection with file access disabled."""
    with store.reader() as probe:
        allowed = documented_relations(probe)
    checked = check_select(sql, allowed, row_limit=row_limit, scopes=scopes)
    if store.backend != "duckdb":  # ClickHouse: a read-only session, stopped by the server after `timeout`
        return store.run_select(checked, params or [], row_limit=row_limit, timeout=timeout)
    con = connect_with_retry(store.path, read_only=True, timeout=store.lock_timeout)
    try:
        con.execute("SET enable_external_access = false")
        timer = threading.Timer(timeout, con.interrupt)
        timer.start()
        try:
            cur = con.execute(checked, params or [])
            columns = [d[0] for d in cur.description]
            rows = cur.fetchall()
        except duckdb.InterruptException:
            raise QueryFailed(f"the query ran longer than {timeout:.0f}s and was stopped") from None
        except duckdb.Error as exc:
            first = str(exc).splitlines()[0]
            raise QueryFailed(f"the query failed: {first[:300]}") from None
        finally:
            timer.cancel()
    finally:
        con.close()
    truncated = len(rows) > row_limit
    return QueryResult(columns=columns, rows=rows[:row_limit], truncated=truncated, sql=checked)
