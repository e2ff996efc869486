"""Row scopes: what a caller limited to, say, `team=search` may see, for every operation and in `run_sql`.

Operations (decided from the registry, so an operation is covered the moment it lands):
- for remote (HTTP token) callers, operations that read the server's own files by path (LOCAL_ONLY_OPERATIONS,
  the PR cost diff's git repository) are refused: a token must not open the server's disk;
- reads whose input has `filters: list[tools.costs.breakdown.Filter]` (at the top or in its parts, such as a ratio's
  numerator and denominator): the scope is appended to every such list as `in` filters, ANDed with the caller's
  own filters, so every number is computed over the scoped rows only;
- reads that touch no cost rows (ROW_FREE_OPERATIONS: only the names of dimensions and measures): run as is;
- writes (budgets, anomaly labels, rules, owners): refused. They change state shared by every team, and a
  filter cannot say whose budget or anomaly it is;
- business-metric reads (COMPANY_WIDE_OPERATIONS: revenue, units, margins): refused;
- every other operation: refused, and hidden from tools/list, until it takes `filters`.

`run_sql`: each documented relation gets the scope as a predicate over its own columns (a column named like the
dimension, e.g. `usage_events.team`, else the dimension's expression from tools.costs.dimensions when the relation
has every column it needs, e.g. `costs`/`cost_lines` via `Tags`). The guard rewrites each reference into a
filtered subquery. Relations without those columns (aggregated views such as `daily_costs`, `imports`) are
refused for that caller, and so is a WITH name that shadows a relation (it would read the unscoped table).

The predicates are the same case-insensitive `in` match as tools.costs.breakdown.filter_sql.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from types import UnionType
from typing import Union, get_args, get_origin

from pydantic import BaseModel
from spendscope.data.errors import PermissionDenied, QueryRefused
from spendscope.data.sql import ident, literal
from spendscope.data.store import Store
from spendscope.tools.access import Caller
from spendscope.tools.costs.breakdown import Filter
from spendscope.tools.costs.dimensions import dimension_sql, query_source
from spendscope.tools.registry import Operation

# Operations that read the server's own files by path (a git repository): never for remote (HTTP token) callers.
LOCAL_ONLY_OPERATIONS = frozenset({"estimate_pr_cost_diff"})
# Operations that read no cost rows: the names of dimensions and measures (tag keys included), no values.
ROW_FREE_OPERATIONS = frozenset({"list_dimensions"})
# Operations over business metrics (revenue, subscriptions, tickets, MAU; docs/unit-economics.md): company figures
# most rows of which carry no team, so a row scope cannot cut them; refused for row-scoped callers.
COMPANY_WIDE_OPERATIONS = frozenset(
    {
        "list_business_metrics",
        "query_business_metrics",
        "cost_per_business_unit",
        "profitability",
        "list_business_targets",
        "unit_budget_status",
        "detect_unit_anomalies",
        "business_alerts",
    }
)


def _is_filter_list(ann: object) -> bool:
    return get_origin(ann) is list and get_args(ann) == (Filter,)


def _sub_models(ann: object) -> list[type[BaseModel]]:
    """The pydantic models a field holds directly (`Model` or `Model | None`)."""
    options = get_args(ann) if get_origin(ann) in (Union, UnionType) else (ann,)
    return [a for a in options if isinstance(a, type) and issubclass(a, BaseModel)]


def takes_filters(model: type[BaseModel]) -> bool:
    """Whether an input model has `filters: list[Filter]` (itself or in a part, e.g. a ratio's numerator)."""
    return any(
        _is_filter_list(info.annotation) or any(takes_filters(m) for m in _sub_models(info.annotation))
        for info in model.model_fields.values()
    )


def filter_lists(params: BaseModel) -> Iterator[tuple[str, list[Filter] | BaseModel]]:
    """(field, value) for each field of `params` that is a `list[Filter]`, or a part holding such lists."""
    for name, info in type(params).model_fields.items():
        value = getattr(params, name)
        if _is_filter_list(info.annotation) or (isinstance(value, BaseModel) and takes_filters(type(value))):
            yield name, value


def with_filters(params: BaseModel, extra: list[Filter]) -> BaseModel:
    """`params` with `extra` appended to every `filters` list it holds, at any depth."""
    update: dict[str, object] = {
        name: [*value, *extra] if isinstance(value, list) else with_filters(value, extra)
        for name, value in filter_lists(params)
    }
    return params.model_copy(update=update)


def refusal(op: Operation, caller: Caller) -> str | None:
    """Why `caller` may not run `op` (None: it may)."""
    if caller.remote and op.name in LOCAL_ONLY_OPERATIONS:
        return f"{op.name} reads files on the server's disk, so it is offered to local (stdio) clients only"
    if op.writes and not caller.can_write:
        return f"{op.name} changes the store and this caller ({caller.identity}) has no write permission"
    if not caller.scoped:
        return None
    if op.writes:
        return f"{op.name} changes shared state, which row-scoped callers ({caller.scope_text()}) may not do"
    if op.name in COMPANY_WIDE_OPERATIONS:
        return (
            f"{op.name} reads company-wide business metrics (revenue, units), which row-scoped callers "
            f"({caller.scope_text()}) may not see"
        )
    if op.name in ROW_FREE_OPERATIONS or takes_filters(op.input_model):
        return None
    return f"{op.name} cannot be limited to {caller.scope_text()}, so it is not available to this caller"


def scope_filters(caller: Caller) -> list[Filter]:
    return [Filter(dimension=d, op="in", values=list(v)) for d, v in sorted(caller.row_scope.items())]


def scoped_params(op: Operation, params: BaseModel, caller: Caller) -> BaseModel:
    """`params` with the caller's row scope applied; raises PermissionDenied when `op` is not allowed."""
    reason = refusal(op, caller)
    if reason is not None:
        raise PermissionDenied(reason)
    if not caller.scoped or op.name in ROW_FREE_OPERATIONS:
        return params
    return with_filters(params, scope_filters(caller))


@dataclass(frozen=True)
class SqlScope:
    """What a scoped caller may query: relation -> predicate; the rest of the documented relations are refused."""

    predicates: dict[str, str]
    refused: set[str] = field(default_factory=set)


def _columns_of(expr: str) -> set[str]:
    import sqlglot  # only scoped SQL needs the parser; an operation call never loads it
    from sqlglot import exp

    return {c.name.lower() for c in sqlglot.parse_one(expr, read="duckdb").find_all(exp.Column)}


def sql_scope(store: Store, caller: Caller) -> SqlScope:
    """The per-relation predicates that limit `run_sql` to the caller's rows."""
    with store.reader() as con:
        from spendscope.data.sql_guard import documented_relations  # sqlglot: only for scoped SQL

        relations = documented_relations(con)
        rows = con.execute(
            "SELECT lower(table_name), lower(column_name) FROM information_schema.columns "
            "WHERE table_schema = 'main'"
        ).fetchall()
        source = query_source(con)
        exprs = {dim: dimension_sql(dim, con, source) for dim in caller.row_scope}
    columns: dict[str, set[str]] = {}
    for table, column in rows:
        columns.setdefault(table, set()).add(column)
    needs = {dim: _columns_of(expr) for dim, expr in exprs.items()}
    predicates: dict[str, str] = {}
    refused: set[str] = set()
    for rel in sorted(relations):
        cols = columns.get(rel, set())
        parts = []
        for dim, values in sorted(caller.row_scope.items()):
            if dim.lower() in cols:
                expr = ident(dim.lower())
            elif needs[dim] <= cols:
                expr = exprs[dim]
            else:
                break
            wanted = ", ".join(literal(v.lower()) for v in values)
            parts.append(f"lower(CAST({expr} AS VARCHAR)) IN ({wanted})")
        else:
            predicates[rel] = " AND ".join(parts)
            continue
        refused.add(rel)
    return SqlScope(predicates, refused)


def check_scoped_sql(sql: str, scope: SqlScope, caller: Caller) -> None:
    """Refuse SQL a scoped caller may not run, with a message naming what it may query instead."""
    allowed = set(scope.predicates)
    import sqlglot
    from spendscope.data.sql_guard import check_select
    from sqlglot import exp

    check_select(sql, allowed | scope.refused)  # the ordinary guard first: its messages stay the same
    tree = next(s for s in sqlglot.parse(sql, read="duckdb") if s is not None)
    ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    shadowing = sorted(ctes & (allowed | scope.refused))
    if shadowing:
        raise QueryRefused(
            f"WITH names may not reuse a table or view name ({', '.join(shadowing)}) when rows are limited to "
            f"{caller.scope_text()}; rename the WITH query"
        )
    blocked = sorted({t.name.lower() for t in tree.find_all(exp.Table)} & scope.refused)
    if blocked:
        raise QueryRefused(
            f"{', '.join(blocked)} cannot be limited to {caller.scope_text()}, so this caller may not query it; "
            f"queryable: {', '.join(sorted(allowed)) or 'none'}",
            allowed=sorted(allowed),
        )
