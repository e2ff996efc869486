"""An independent oracle for row scopes: the store with every row outside the scope deleted.

A scoped caller's answer on the whole store must hold the same figures as an unscoped answer on the trimmed
copy. The copy is cut with plain DELETEs over the base tables (the predicates are the run_sql scope's, one per
table with the scoped columns), a different path from the filters tools.invoke injects into operations.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from spendscope.data.store import Store
from spendscope.tools.access import Caller
from spendscope.tools.scoping import sql_scope

ASSISTANT_TABLES = {"assistant_seats", "assistant_activity"}  # no scoped column: kept per user (below)


def trimmed_copy(store: Store, caller: Caller, dest: Path) -> Store:
    """A copy of `store` holding only the rows `caller` may see (cost rows and telemetry events; coding-assistant
    seats and activity of the users whose cost rows remain)."""
    shutil.copy(store.path, dest)
    copy = Store(dest, lock_timeout=10)
    predicates = sql_scope(copy, caller).predicates
    with copy.writer() as con:
        tables = {
            r[0].lower()
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'"
            ).fetchall()
        }
        for table, predicate in predicates.items():
            if table in tables:
                con.execute(f"DELETE FROM {table} WHERE NOT coalesce({predicate}, false)")
        for table in (
            ASSISTANT_TABLES & tables
        ):  # seats and activity belong to the users whose cost rows are left
            con.execute(
                f"DELETE FROM {table} WHERE lower(user_id) NOT IN (SELECT lower(json_extract_string(Tags, "
                "'$.user')) FROM costs WHERE json_extract_string(Tags, '$.user') IS NOT NULL)"
            )
    return copy


def figures(value: Any, path: str = "") -> dict[str, float]:
    """Every number in a JSON result, by its path (`rows[0].value`); text, dates and flags left out."""
    out: dict[str, float] = {}
    if isinstance(value, dict):
        for k, v in value.items():
            out.update(figures(v, f"{path}.{k}" if path else str(k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.update(figures(v, f"{path}[{i}]"))
    elif isinstance(value, int | float) and not isinstance(value, bool):
        out[path] = float(value)
    return out


def same_figures(got: Any, expected: Any, rel: float = 1e-6) -> list[str]:
    """Where two JSON results differ in their numbers (empty: they hold the same figures)."""
    a, b = figures(got), figures(expected)
    problems = [
        f"{k}: only in {'the answer' if k in a else 'the oracle'}" for k in sorted(a.keys() ^ b.keys())
    ]
    for k in sorted(a.keys() & b.keys()):
        if abs(a[k] - b[k]) > rel * max(1.0, abs(a[k]), abs(b[k])):
            problems.append(f"{k}: {a[k]} != {b[k]}")
    return problems
