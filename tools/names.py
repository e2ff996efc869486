"""Names in filters, resolved against the store once, for every surface (tools.invoke calls `resolve_filters`).

A filter value the store does not hold is an error with suggestions, never a silent $0:

    no team 'supprot'; closest: support

Values are compared as the cost queries compare them (case-insensitive), so `Search` finds `search`. A value
that differs from a stored one only in case, spaces or punctuation (`Claude Sonnet 4.5` for
`claude-sonnet-4-5`) is replaced by the stored spelling when exactly one stored value reads that way; when
several do, the error names them. `(none)` (rows without a value) is always accepted.

Only equality filters (eq, in, not, not_in) are checked: a prefix or a substring is a search, not a name.
Values are looked up within the caller's row scope, so neither the check nor its suggestions reveal values
outside it. An input with `allow_unknown_values: true` (a budget for a team that has no spend yet) skips the
check. A store without cost rows is left to the operation, which says to import data first.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb
from pydantic import BaseModel
from spendscope.data.errors import UnknownValue
from spendscope.data.store import Store
from spendscope.tools.access import Caller
from spendscope.tools.costs.breakdown import NONE_VALUES, Filter, filter_sql, match_score, normalized
from spendscope.tools.costs.dimensions import Source, dimension_sql, query_source
from spendscope.tools.scoping import filter_lists, scope_filters, takes_filters

CHECKED_OPS = frozenset({"eq", "in", "not", "not_in"})
SUGGESTIONS = 3
CLOSE = 0.5  # match_score from which a stored value is offered as "closest"
OPT_OUT = "allow_unknown_values"


class _Lookup:
    """Stored values of dimensions, within the caller's scope, read on demand from one connection."""

    def __init__(self, con: duckdb.DuckDBPyConnection, source: Source, caller: Caller) -> None:
        self.con = con
        self.source = source
        self.caller = caller
        clauses, self.scope_params = filter_sql(scope_filters(caller), con, source)
        self.scope_where = "".join(f" AND {c}" for c in clauses)
        self._known: dict[str, list[str]] = {}

    def _expr(self, dimension: str) -> str:
        return f"CAST({dimension_sql(dimension, self.con, self.source)} AS VARCHAR)"

    def exists(self, dimension: str, value: str) -> bool:
        expr = self._expr(dimension)
        rows = self.con.execute(
            f"SELECT 1 FROM {self.source.relation} WHERE lower({expr}) = ?{self.scope_where} LIMIT 1",
            [value.strip().lower(), *self.scope_params],
        ).fetchall()
        return bool(rows)

    def known(self, dimension: str) -> list[str]:
        key = dimension.strip().lower()
        if key not in self._known:
            expr = self._expr(dimension)
            rows = self.con.execute(
                f"SELECT DISTINCT {expr} FROM {self.source.relation} WHERE {expr} IS NOT NULL"
                f"{self.scope_where}",
                self.scope_params,
            ).fetchall()
            self._known[key] = sorted(r[0] for r in rows)
        return self._known[key]

    def resolve(self, f: Filter) -> Filter:
        if f.op not in CHECKED_OPS:
            return f
        values = [self._value(f.dimension, v) for v in f.values]
        return f if values == f.values else f.model_copy(update={"values": values})

    def _value(self, dimension: str, value: str) -> str:
        if value.strip().lower() in NONE_VALUES or self.exists(dimension, value):
            return value
        known = self.known(dimension)
        same = sorted({k for k in known if normalized(k) == normalized(value)})
        if len(same) == 1:
            return same[0]
        where = (
            f" among the rows this caller may see ({self.caller.scope_text()})" if self.caller.scoped else ""
        )
        if same:
            raise UnknownValue(
                f"{dimension} {value!r} could be {' or '.join(repr(s) for s in same)}{where}; name one",
                argument="filters",
                dimension=dimension,
                value=value,
                suggestions=same,
            )
        ranked = sorted(known, key=lambda k: (-match_score(value, k), k))
        close = [k for k in ranked if match_score(value, k) >= CLOSE][:SUGGESTIONS]
        if close:
            hint = f"closest: {', '.join(close)}"
        elif known:
            hint = (
                f"known values include {', '.join(ranked[:SUGGESTIONS])} (list_dimension_values {dimension})"
            )
        else:
            hint = f"no row has a {dimension}"
        raise UnknownValue(
            f"no {dimension} {value!r}{where}; {hint}",
            argument="filters",
            dimension=dimension,
            value=value,
            suggestions=close,
        )


def _map_filters(params: BaseModel, change: Callable[[Filter], Filter]) -> BaseModel:
    update: dict[str, object] = {}
    for name, value in filter_lists(params):
        if isinstance(value, list):
            update[name] = [change(f) for f in value]
        else:
            update[name] = _map_filters(value, change)
    return params.model_copy(update=update) if update else params


def _wants_check(params: BaseModel) -> bool:
    if getattr(params, OPT_OUT, False) is True:
        return False
    stack = [params]
    while stack:
        for _, value in filter_lists(stack.pop()):
            if isinstance(value, list):
                if any(f.op in CHECKED_OPS for f in value):
                    return True
            else:
                stack.append(value)
    return False


def resolve_filters(store: Store, params: BaseModel, caller: Caller) -> BaseModel:
    """`params` with every equality filter value replaced by the store's spelling; UnknownValue (with
    suggestions) for a value the store does not hold within the caller's scope."""
    if not takes_filters(type(params)) or not _wants_check(params):
        return params
    with store.reader() as con:
        has_rows = con.execute("SELECT 1 FROM costs LIMIT 1").fetchall()
        if not has_rows:
            return params
        lookup = _Lookup(con, query_source(con), caller)
        return _map_filters(params, lookup.resolve)
