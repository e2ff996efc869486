"""Read-only SQL for a caller: the one place `run_sql` (MCP), `spendscope query` and scoped callers meet the guard.

`select(store, sql, caller, ...)` checks the statement with data.sql_guard; for a row-scoped caller it first
refuses what cannot be limited (tools.scoping.check_scoped_sql) and rewrites every relation into a subquery
filtered to the caller's rows. Errors that could quote a value outside the scope (a failed cast evaluated before
the scope's predicate) are withheld from scoped callers; errors about names and syntax are passed on.
"""

from __future__ import annotations

from spendscope.data.errors import QueryFailed
from spendscope.data.sql_guard import QueryResult, run_select
from spendscope.data.store import Store
from spendscope.tools.access import Caller
from spendscope.tools.scoping import check_scoped_sql, sql_scope

_SAFE_ERRORS = ("Binder Error", "Parser Error", "Catalog Error", "longer than")  # quote names, never values


def select(store: Store, sql: str, caller: Caller, *, row_limit: int, timeout: float = 30.0) -> QueryResult:
    """Run one read-only SELECT as `caller` (limited to its rows when it has a row scope)."""
    if not caller.scoped:
        return run_select(store, sql, row_limit=row_limit, timeout=timeout)
    scope = sql_scope(store, caller)
    check_scoped_sql(sql, scope, caller)
    try:
        return run_select(store, sql, row_limit=row_limit, timeout=timeout, scopes=scope.predicates)
    except QueryFailed as exc:
        if not any(kind in exc.message for kind in _SAFE_ERRORS):
            raise QueryFailed(
                "the query failed while running; details are withheld for callers limited to "
                f"{caller.scope_text()} (they can quote values outside it): check casts and function arguments"
            ) from None
        raise
