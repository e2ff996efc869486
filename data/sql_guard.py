"""The guarded SQL path: a single read-only SELECT over the documented relations, nothing else.

Barriers, each enough on its own for the relations it covers (docs/security.md):
1. Before parsing: at most MAX_SQL_CHARS characters and MAX_NESTING levels of brackets and CASE (sqlglot's parser
   recurses per level and would hit Python's recursion limit on a few hundred bytes).
2. sqlglot checks the statement: one query, no DDL/DML, no table functions or file paths, no other catalogs or
   schemas. Every table reference is resolved by scope (sqlglot's scope module): a name is a WITH query only where
   that WITH is visible, otherwise it is a relation of the store and must be on the allow-list (DOCUMENTED). A
   name of an internal (`_*`), undocumented or system catalog relation is refused anywhere, also as a WITH name,
   so no reading of the query can reach one.
3. DuckDB plans the rewritten statement and the plan is checked: every scan must read a documented base table
   (a view is checked through the tables it reads); catalog functions (`duckdb_tables()` behind `sqlite_master`)
   are refused.
4. The connection is read-only with external (file) access, Python replacement scans and configuration changes
   off; a row cap and one time cap (checking included) bound the work.

Row scoping (MCP tokens, Slack users) rewrites each scoped relation into a filtered subquery before running.
"""

from __future__ import annotations

import concurrent.futures
import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import duckdb
import sqlglot
from spendscope.data import warm
from spendscope.data.errors import QueryFailed, QueryRefused
from spendscope.data.store import Store, connect_with_retry
from sqlglot import exp
from sqlglot.optimizer.scope import traverse_scope
from sqlglot.tokens import TokenType

# The relations `spendscope query`, MCP `run_sql` and Billy may read (docs/schema.md). An allow-list: a table a
# migration adds stays hidden until it is named here (tests/test_data_sql_guard.py makes every new relation be
# classified, here or in INTERNAL).
DOCUMENTED = frozenset(
    {
        "costs",
        "cost_lines",
        "daily_costs",
        "token_usage",
        "commitment_usage",
        "gpu_instance_costs",
        "usage_events",
        "gpu_samples",
        "imports",
        "anomaly_labels",
        "allocation_rule_versions",
        "allocation_owners",
        "budgets",
        "budget_alerts",
        "anomalies",
        "anomaly_feedback",
        "anomaly_routing",
        "import_scopes",
        "contract_commitments",
        "assistant_activity",
        "assistant_seats",
        "reprice_runs",
        "business_metrics",
        "currency_rates",
        "margin_floors",
        "unit_budgets",
    }
)
# Bookkeeping relations without the `_` prefix (every `_*` relation is internal by its name).
INTERNAL = frozenset({"schema_migrations"})
# Names DuckDB resolves without a schema to its own catalog (system.main, pg_catalog, information_schema); the
# live catalog is consulted as well (catalog_names).
SYSTEM_PREFIXES = ("duckdb_", "sqlite_", "pragma_", "pg_")
SYSTEM_NAMES = frozenset({"information_schema", "pg_catalog"})

MAX_SQL_CHARS = 20_000
MAX_NESTING = 24  # brackets, braces and CASE ... END, counted together
MAX_TREE_DEPTH = 160  # a parsed tree deeper than this (a chain of thousands of ORs) is refused before use
PLAN_LEAVES = frozenset(
    {
        "SEQ_SCAN",
        "TABLE_SCAN",
        "DUMMY_SCAN",
        "CTE_SCAN",
        "REC_CTE_SCAN",
        "RECURSIVE_CTE_SCAN",
        "COLUMN_DATA_SCAN",
        "CHUNK_SCAN",
        "DELIM_SCAN",
        "EMPTY_RESULT",
        "EXPRESSION_SCAN",
        "POSITIONAL_SCAN",
    }
)

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
_BANNED_FUNCTIONS = frozenset(
    {
        "getenv",
        "current_setting",
        "read_text",
        "read_blob",
        "load",
        "install",
        "query",
        "query_table",
        "glob",
        "sniff_csv",
        "which_secret",
        "json_execute_serialized_sql",
        "checkpoint",
        "force_checkpoint",
    }
)
_BANNED_FUNCTION_PREFIXES = ("duckdb_", "pragma_", "read_", "parquet_", "enable_", "disable_")
_OPEN = {TokenType.L_PAREN, TokenType.L_BRACKET, TokenType.L_BRACE, TokenType.CASE}
_CLOSE = {TokenType.R_PAREN, TokenType.R_BRACKET, TokenType.R_BRACE, TokenType.END}

T = TypeVar("T")


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]
    truncated: bool
    sql: str


def is_internal(name: str) -> bool:
    """Bookkeeping relations: `_*` and INTERNAL."""
    name = name.lower()
    return name.startswith("_") or name in INTERNAL


def is_system(name: str) -> bool:
    """Names of DuckDB's own catalog (sqlite_master, duckdb_tables, pg_class, information_schema, ...)."""
    name = name.lower()
    return name in SYSTEM_NAMES or name.startswith(SYSTEM_PREFIXES)


def store_relations(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Every table and view in the store's main schema (lower case), documented or not."""
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'main' AND table_catalog = current_database()"
    ).fetchall()
    return {r[0].lower() for r in rows}


def documented_relations(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The documented tables and views this store holds: what the guarded path may read."""
    return {name for name in store_relations(con) if name in DOCUMENTED and not is_internal(name)}


def catalog_names(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Every relation name DuckDB could resolve a bare name to: those of the schemas on its search path (the
    store's, temp's and the system catalog's `main`, and `pg_catalog`)."""
    rows = con.execute(
        "SELECT lower(table_name) FROM duckdb_tables() WHERE schema_name IN ('main', 'pg_catalog') "
        "UNION SELECT lower(view_name) FROM duckdb_views() WHERE schema_name IN ('main', 'pg_catalog')"
    ).fetchall()
    return {r[0] for r in rows}


# ------------------------------------------------------------------------------------------------- limits


def precheck(sql: str) -> None:
    """Refuse input too long or too deeply nested to parse safely; reads tokens only, never recurses."""
    if not sql or not sql.strip():
        raise QueryRefused("empty query: give one SELECT statement")
    if len(sql) > MAX_SQL_CHARS:
        raise QueryRefused(
            f"the query is {len(sql):,} characters long; the limit is {MAX_SQL_CHARS:,}: "
            "aggregate in SQL rather than listing values",
            limit=MAX_SQL_CHARS,
        )
    try:
        tokens = sqlglot.tokenize(sql, read="duckdb")
    except sqlglot.errors.TokenError as exc:
        raise QueryRefused(f"the query does not parse: {_first_line(exc)}") from None
    depth = deepest = 0
    for token in tokens:
        if token.token_type in _OPEN:
            depth += 1
            deepest = max(deepest, depth)
        elif token.token_type in _CLOSE:
            depth = max(depth - 1, 0)
    if deepest > MAX_NESTING:
        raise QueryRefused(
            f"the query nests {deepest} levels of brackets and CASE; the limit is {MAX_NESTING}",
            limit=MAX_NESTING,
        )


def tree_depth(tree: exp.Expression) -> int:
    """Depth of a parsed tree, counted without recursion."""
    deepest = 0
    stack: list[tuple[exp.Expression, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node.iter_expressions())
    return deepest


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


def _too_deep() -> QueryRefused:
    return QueryRefused(
        f"the query is nested too deeply to check (each bracket, CASE, NOT and each link of a long OR, || or "
        f"UNION chain counts); keep brackets under {MAX_NESTING} levels and split long chains, e.g. IN (...)",
        limit=MAX_NESTING,
    )


def parse_one_select(sql: str) -> exp.Query:
    """The one read-only query in `sql`, after the size limits; QueryRefused otherwise."""
    precheck(sql)
    try:
        statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    except sqlglot.errors.ParseError as exc:
        raise QueryRefused(f"the query does not parse: {_first_line(exc)}") from None
    except RecursionError:
        raise _too_deep() from None
    if len(statements) != 1:
        raise QueryRefused(f"exactly one statement is allowed, got {len(statements)}")
    tree = statements[0]
    if tree_depth(tree) > MAX_TREE_DEPTH:
        raise _too_deep()
    if not isinstance(tree, exp.Query):
        raise QueryRefused(f"only SELECT queries are allowed, got {tree.key.upper()}")
    return tree


# ------------------------------------------------------------------------------------------------ checking


def _function_name(fn: exp.Func) -> str:
    return str(fn.name if isinstance(fn, exp.Anonymous) else fn.sql_name()).lower()


def _refuse_name(name: str, allowed: set[str], hidden: set[str], what: str) -> None:
    """Refuse `name` (a table reference or a WITH name) when it names a relation the caller may not read."""
    lowered = name.lower()
    if lowered in allowed:
        return
    if is_internal(lowered) or is_system(lowered) or lowered in hidden:
        raise QueryRefused(
            f"{what} {name!r} names an internal or system relation, which cannot be queried; "
            f"queryable: {', '.join(sorted(allowed))}",
            allowed=sorted(allowed),
        )


def resolved_tables(tree: exp.Expression) -> Iterator[tuple[exp.Table, bool]]:
    """(table reference, whether it names a WITH query visible where it stands) for every table in `tree`.
    A reference the scope walk does not reach is refused rather than guessed."""
    try:
        scopes = list(traverse_scope(tree))
    except RecursionError:
        raise _too_deep() from None
    except Exception as exc:  # noqa: BLE001 - sqlglot's optimizer errors have no common base
        raise QueryRefused(f"the query's structure could not be checked: {_first_line(exc)}") from None
    seen: set[int] = set()
    for scope in scopes:
        for table in scope.tables:
            if id(table) in seen:
                continue
            seen.add(id(table))
            is_cte = (
                isinstance(table.this, exp.Identifier)
                and not table.args.get("db")
                and not table.args.get("catalog")
                and table.name.lower() in {n.lower() for n in scope.cte_sources}
            )
            yield table, is_cte
    missed = [t for t in tree.find_all(exp.Table) if id(t) not in seen]
    if missed:
        raise QueryRefused(
            f"{missed[0].sql('duckdb')}: a table in this position cannot be checked; "
            "use FROM, JOIN, subqueries and WITH"
        )


def check_select(
    sql: str,
    allowed: set[str],
    *,
    row_limit: int | None = None,
    scopes: Mapping[str, str] | None = None,
    hidden: set[str] | None = None,
) -> str:
    """Validate `sql` and return the DuckDB SQL to run (with the row cap and scopes applied).

    `allowed` are the relations the caller may read; `hidden` other names of the store's catalog that must not be
    named (internal, undocumented and system names are refused in any case). `scopes` maps a relation name to a
    SQL predicate over that relation's columns; each reference to it is replaced by
    `(SELECT * FROM rel WHERE predicate) AS alias`.
    """
    allowed = {a.lower() for a in allowed if not is_internal(a) and not is_system(a)}
    hidden = {h.lower() for h in (hidden or set())} - allowed
    tree = parse_one_select(sql)
    bad = next(iter(tree.find_all(*_FORBIDDEN)), None)
    if bad is not None:
        raise QueryRefused(f"{bad.key.upper()} is not allowed: only read-only SELECT")
    for fn in tree.find_all(exp.Func):
        name = _function_name(fn)
        if name in _BANNED_FUNCTIONS or name.startswith(_BANNED_FUNCTION_PREFIXES):
            raise QueryRefused(f"function {name} is not allowed")
    ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    for name in sorted(ctes):
        _refuse_name(name, allowed, hidden, "the WITH name")
    shadowing = sorted(ctes & allowed)
    if shadowing:  # `WITH costs AS (SELECT * FROM costs)` would hide the real table from the scopes
        raise QueryRefused(
            f"a WITH name may not reuse the name of a table or view: rename {', '.join(shadowing)}"
        )
    for table, is_cte in list(resolved_tables(tree)):
        if not isinstance(table.this, exp.Identifier):
            raise QueryRefused(
                "table functions and file paths are not allowed in FROM; query the documented views"
            )
        if table.args.get("db") or table.args.get("catalog"):
            raise QueryRefused(f"{table.sql('duckdb')}: other schemas and catalogs are not allowed")
        _refuse_name(table.name, allowed, hidden, "the table")
        if is_cte:
            continue
        name = table.name.lower()
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
    try:
        return tree.sql("duckdb")
    except RecursionError:
        raise _too_deep() from None


# ---------------------------------------------------------------------------------------- the plan barrier


def plan_reads(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None
) -> list[tuple[str, str]]:
    """(operator, what it reads) for every leaf of DuckDB's plan of `sql`: base tables as `db.schema.table`,
    table functions by name."""
    rows = con.execute(f"EXPLAIN (FORMAT json) {sql}", params or []).fetchall()
    found: list[tuple[str, str]] = []
    stack = list(json.loads(rows[0][1]))
    while stack:
        node = stack.pop()
        info = node.get("extra_info") or {}
        children = node.get("children") or []
        name = str(node.get("name", "")).strip()
        if "Table" in info:
            found.append((name, str(info["Table"])))
        elif "Function" in info and not children:
            found.append((name, f"function {info['Function']}"))
        elif not children:
            found.append((name, ""))
        stack.extend(children)
    return found


def check_plan(
    con: duckdb.DuckDBPyConnection, sql: str, allowed: set[str], params: list[Any] | None = None
) -> None:
    """Refuse a statement whose plan reads anything but the documented base tables of this store."""
    database = con.execute("SELECT current_database()").fetchall()[0][0]
    tables = {f'"{database}".main.{name}'.lower() for name in allowed} | {
        f"{database}.main.{name}".lower() for name in allowed
    }
    for operator, source in plan_reads(con, sql, params):
        if source.startswith("function ") or operator not in PLAN_LEAVES:
            raise QueryRefused(f"the query reads {source or operator.lower()}, which is not allowed")
        if source and source.lower() not in tables:
            raise QueryRefused(
                "the query reads a relation that is not documented; query the documented views"
            )


# ----------------------------------------------------------------------------------------------- running


def within(seconds: float, work: Callable[[], T], what: str) -> T:
    """`work()` on a helper thread, given up (QueryRefused) after `seconds`. Bounded by the limits above, a late
    check ends soon after on its own."""
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="sql-guard")
    try:
        return pool.submit(work).result(timeout=max(seconds, 0.001))
    except concurrent.futures.TimeoutError:
        raise QueryRefused(f"{what} took longer than {seconds:.0f}s and was stopped") from None
    finally:
        pool.shutdown(wait=False)


def guarded_connection(store: Store) -> duckdb.DuckDBPyConnection:
    """A read-only connection that cannot read files, Python objects or change its own configuration."""
    con = connect_with_retry(store.path, read_only=True, timeout=store.lock_timeout)
    try:
        con.execute("SET enable_external_access = false")
        con.execute("SET python_enable_replacements = false")
        con.execute("SET lock_configuration = true")
    except duckdb.InvalidInputException as exc:
        con.close()
        if "configuration has been locked" not in str(exc):
            raise
        # another guarded query of this process holds the file's DuckDB instance locked, and this connection's
        # own protections (python_enable_replacements is per connection) cannot be set: never run without them
        raise QueryRefused(
            "another SQL query on this store is running in this process; retry when it ends"
        ) from None
    return con


def run_select(
    store: Store,
    sql: str,
    *,
    row_limit: int = 10_000,
    timeout: float = 30.0,
    scopes: Mapping[str, str] | None = None,
    params: list[Any] | None = None,
) -> QueryResult:
    """Check and run one read-only SELECT on a read-only connection with file access disabled. `timeout` covers
    checking, planning and running together."""
    started = time.monotonic()
    with store.reader() as probe:
        allowed = documented_relations(probe)
        hidden = store_relations(probe) - allowed
        if store.backend == "duckdb":
            hidden |= catalog_names(probe) - allowed
    checked = within(
        timeout,
        lambda: check_select(sql, allowed, row_limit=row_limit, scopes=scopes, hidden=hidden),
        "checking the query",
    )
    if (
        store.backend != "duckdb"
    ):  # ClickHouse: a read-only session, stopped by the server after the time left
        left = max(1.0, timeout - (time.monotonic() - started))
        return store.run_select(checked, params or [], row_limit=row_limit, timeout=left)
    with warm.unshared(store.path):
        return _run_guarded(store, checked, allowed, params, row_limit, timeout, started)


def _run_guarded(
    store: Store,
    checked: str,
    allowed: set[str],
    params: list[Any] | None,
    row_limit: int,
    timeout: float,
    started: float,
) -> QueryResult:
    con = guarded_connection(store)
    try:
        left = timeout - (time.monotonic() - started)
        if left <= 0:
            raise QueryFailed(f"the query ran longer than {timeout:.0f}s and was stopped")
        timer = threading.Timer(left, con.interrupt)
        timer.start()
        try:
            check_plan(con, checked, allowed, params)
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
