"""Names in filters, resolved against the store once, for every surface (tools.invoke calls `resolve_filters`).

A filter value the store does not hold is an error with suggestions, never a silent $0:

    no team 'supprot'; closest: support

Values are compared as the cost queries compare them (case-insensitive), so `Search` finds `search`. A value
that differs from a stored one only in case, spaces or punctuation (`Claude Sonnet 4.5` for
`claude-sonnet-4-5`) is replaced by the stored spelling when exactly one stored value reads that way; when
several do, the error names them. `(none)` (rows without a value) is always accepted.

Only equality filters (eq, in, not, not_in) are checked: a prefix or a substring is a search, not a name. An
exclusion (not, not_in) of a value no row has is an error only when a stored value reads like it (a likely
misspelling: `team!=supprot`); otherwise it removes nothing and stands (`gpu_count!=0` where every instance
has GPUs). A value a dimension takes by definition (a token kind such as `cache_write`, a GPU count) stands even
when no row has it: it names no row by spelling, and 0 is then the right answer.
Values are looked up within the caller's row scope, so neither the check nor its suggestions reveal values
outside it. An input with `allow_unknown_values: true` (a budget for a team that has no spend yet) skips the
check. A store without cost rows is left to the operation, which says to import data first.

Telemetry scopes (`UsageFilter`s over usage_events, as the triage facts take them) are checked the same way,
with the operation's own matching (a model by its recorded name or canonical id).

Business filters (the fields an input model lists in `business_filters`) limit business metric rows and cost
alike (`customer=initech`, `plan=enterprise`): a value either side holds stands, and the suggestions come from
both (business_metrics' customer, feature, team and plan columns or its tags, and the cost dimension).

A value found in the store is remembered (per store file, caller scope and dimension) until the file changes
(its size or modification time, or its WAL's), so a long-running server checks a filter it has seen before
without opening the store again (bench/bench_invoke.py).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any, get_args, get_origin

import duckdb
from pydantic import BaseModel
from spendscope.data.errors import InvalidArgument, UnknownDimension, UnknownValue
from spendscope.data.naming import canonical_model
from spendscope.data.sql import ident, json_text
from spendscope.data.store import Store
from spendscope.tools.access import Caller
from spendscope.tools.costs.breakdown import (
    NONE_VALUES,
    Filter,
    filter_sql,
    match_score,
    normalized,
    pre_aggregation_columns,
)
from spendscope.tools.costs.dimensions import (
    TOKEN_MEASURES,
    Source,
    calendar_value,
    calendar_values,
    dimension_sql,
    is_calendar,
    query_source,
)
from spendscope.tools.scoping import scope_filters
from spendscope.tools.usage_scope import UsageFilter, usage_where

CHECKED_OPS = frozenset({"eq", "in", "not", "not_in"})
NEGATIONS = frozenset({"not", "not_in"})
SUGGESTIONS = 3
CLOSE = 0.5  # match_score from which a stored value is offered as "closest"
OPT_OUT = "allow_unknown_values"
BUSINESS = (
    "business_filters"  # ClassVar of an input model: its filter fields that also name business metric rows
)
NAMED_KEY = "named_key"  # ClassVar of an input model: its field holding a dimension or tag key (list_owners)
NAMED_VALUE = "named_value"  # ClassVar: (key field, value field) naming one value of a key (set_owner)
REMEMBERED = 10_000  # values remembered as present, across stores and callers


class _Seen:
    """Values known to be in a store file as it is now: (file, its stamp, scope, kind, dimension, value)."""

    def __init__(self) -> None:
        self._keys: OrderedDict[tuple[Any, ...], None] = OrderedDict()
        self._lock = threading.Lock()

    def __contains__(self, key: tuple[Any, ...]) -> bool:
        with self._lock:
            if key in self._keys:
                self._keys.move_to_end(key)
                return True
            return False

    def add(self, key: tuple[Any, ...]) -> None:
        with self._lock:
            self._keys[key] = None
            while len(self._keys) > REMEMBERED:
                self._keys.popitem(last=False)


_SEEN = _Seen()


def _stamp(store: Store) -> tuple[Any, ...]:
    """What changes when the store file does: size and modification time of the file and of its WAL."""
    out: list[Any] = [str(store.path)]
    for path in (store.path, store.path.with_name(store.path.name + ".wal")):
        try:
            st = path.stat()
            out += [st.st_size, st.st_mtime_ns]
        except OSError:
            out += [None, None]
    return tuple(out)


def _key(
    stamp: tuple[Any, ...], caller: Caller, f: Any, value: str, business: bool = False
) -> tuple[Any, ...]:
    kind, dim = (
        ("usage", f.field)
        if isinstance(f, UsageFilter)
        else ("business" if business else "cost", f.dimension.strip().lower())
    )
    return (stamp, tuple(sorted(caller.row_scope.items())), kind, dim, value.strip().lower())


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
            relation = f"(SELECT * FROM {self.source.relation} WHERE true{self.scope_where})"
            read = pre_aggregation_columns([dimension_sql(dimension, self.con, self.source)])
            if read:  # a tag lookup parses JSON: take the few distinct tag sets first, then their values
                cols = ", ".join(ident(c) for c in read)
                relation = f"(SELECT DISTINCT {cols} FROM {relation})"
            rows = self.con.execute(
                f"SELECT DISTINCT {expr} FROM {relation} WHERE {expr} IS NOT NULL", self.scope_params
            ).fetchall()
            self._known[key] = sorted(r[0] for r in rows)
        return self._known[key]

    def resolve(self, f: Filter) -> Filter:
        if f.op not in CHECKED_OPS:
            return f
        values = [self._value(f.dimension, v, f.op in NEGATIONS) for v in f.values]
        return f if values == f.values else f.model_copy(update={"values": values})

    def _value(self, dimension: str, value: str, negated: bool) -> str:
        if value.strip().lower() in NONE_VALUES or in_vocabulary(dimension, value):
            return value
        if is_calendar(dimension):
            return calendar_or_error(dimension, value)
        if self.exists(dimension, value):
            return value
        where = (
            f" among the rows this caller may see ({self.caller.scope_text()})" if self.caller.scoped else ""
        )
        known = self.known(dimension)
        if negated and not any(
            normalized(k) == normalized(value) or match_score(value, k) >= CLOSE for k in known
        ):
            return value  # excluding a value no row has, and nothing like it: the exclusion removes nothing
        return closest_or_error(dimension, value, known, where, browse=not self.caller.scoped)


class _BusinessLookup(_Lookup):
    """Values of business filters: those of business_metrics rows (a column, else a tag) and of the cost rows
    (when the store has any)."""

    COLUMNS = ("customer", "feature", "team", "plan")  # business_metrics' dimension columns

    def __init__(self, con: duckdb.DuckDBPyConnection, costs: _Lookup | None, caller: Caller) -> None:
        self.con = con
        self.costs = costs
        self.caller = caller
        self._metric: dict[str, list[str]] = {}

    def _metric_values(self, dimension: str) -> list[str]:
        key = dimension.strip().lower()
        if key not in self._metric:
            name = dimension.strip()
            expr = (
                key
                if key in self.COLUMNS
                else json_text("tags", name[4:] if key.startswith("tag:") else name)
            )
            rows = self.con.execute(
                f"SELECT DISTINCT CAST({expr} AS VARCHAR) AS v FROM business_metrics WHERE v IS NOT NULL"
            ).fetchall()
            self._metric[key] = sorted(r[0] for r in rows)
        return self._metric[key]

    def _cost_side(self, dimension: str) -> bool:
        """Whether the cost rows can be asked about `dimension` (a plan is often only a business column)."""
        if self.costs is None:
            return False
        try:
            self.costs._expr(dimension)
        except UnknownDimension:
            return False
        return True

    def exists(self, dimension: str, value: str) -> bool:
        text = value.strip().lower()
        if any(v.lower() == text for v in self._metric_values(dimension)):
            return True
        return self._cost_side(dimension) and self.costs.exists(dimension, value)  # type: ignore[union-attr]

    def known(self, dimension: str) -> list[str]:
        cost = self.costs.known(dimension) if self._cost_side(dimension) else []  # type: ignore[union-attr]
        return sorted({*self._metric_values(dimension), *cost})


class _UsageLookup:
    """Values of usage_events fields (telemetry scopes), matched as tools.triage.facts.usage_where matches."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def resolve(self, f: UsageFilter) -> UsageFilter:
        values = [self._value(f.field, v) for v in f.values]
        return f if values == f.values else f.model_copy(update={"values": values})

    def _value(self, field: str, value: str) -> str:
        if value.strip().lower() in NONE_VALUES:
            return value
        clauses, params = usage_where(self.con, [UsageFilter(field=field, values=[value])])  # type: ignore[arg-type]
        if self.con.execute(f"SELECT 1 FROM usage_events WHERE {clauses[0]} LIMIT 1", params).fetchall():
            return value
        rows = self.con.execute(
            f"SELECT DISTINCT {field} FROM usage_events WHERE {field} IS NOT NULL"
        ).fetchall()
        known = {str(r[0]) for r in rows}
        if field == "model":
            known |= {c for c in (canonical_model(k) for k in list(known)) if c}
        return closest_or_error(field, value, sorted(known), " in the telemetry (usage_events)")


def in_vocabulary(dimension: str, value: str) -> bool:
    """Whether `value` is one of the values a dimension can take by definition (a token kind, a GPU count): such
    a value names no row by spelling, so a store without it answers 0 rightly (no cache writes this month)."""
    key, text = dimension.strip().lower(), value.strip().lower()
    if key == "token_type":
        return text in TOKEN_MEASURES.values()
    return key == "gpu_count" and text.isdigit()


def calendar_or_error(dimension: str, value: str) -> str:
    """A calendar dimension's value by definition (`sat` -> `Saturday`), whether or not the store has rows on
    that day (none on Saturdays answers a real 0); else UnknownValue naming the values it takes."""
    found = calendar_value(dimension, value)
    if found is not None:
        return found
    known = list(calendar_values(dimension))
    close = sorted(known, key=lambda k: -match_score(value, k))[:SUGGESTIONS]
    raise UnknownValue(
        f"no {dimension} {value!r}; {dimension} takes {', '.join(known)}",
        argument="filters",
        dimension=dimension,
        value=value,
        suggestions=close,
    )


def closest_or_error(
    dimension: str,
    value: str,
    known: list[str],
    where: str,
    argument: str = "filters",
    *,
    browse: bool = True,
) -> str:
    """The one stored value that reads like `value` (case, spaces and punctuation aside); else UnknownValue
    naming the closest stored values (or the several that read alike). `browse`: the caller may run
    list_dimension_values, so the message points to it for the rest (a row-scoped caller may not: it is not
    pointed to an operation that would be refused to it)."""
    same = sorted({k for k in known if normalized(k) == normalized(value)})
    if len(same) == 1:
        return same[0]
    if same:
        raise UnknownValue(
            f"{dimension} {value!r} could be {' or '.join(repr(s) for s in same)}{where}; name one",
            argument=argument,
            dimension=dimension,
            value=value,
            suggestions=same,
        )
    ranked = sorted(known, key=lambda k: (-match_score(value, k), k))
    close = [k for k in ranked if match_score(value, k) >= CLOSE][:SUGGESTIONS]
    if close:
        hint = f"closest: {', '.join(close)}"
    elif known:
        more = f" (list_dimension_values {dimension})" if browse else ""
        hint = f"known values include {', '.join(ranked[:SUGGESTIONS])}{more}"
    else:
        hint = f"no row has a {dimension}"
    raise UnknownValue(
        f"no {dimension} {value!r}{where}; {hint}",
        argument=argument,
        dimension=dimension,
        value=value,
        suggestions=close,
    )


def _item_type(ann: Any) -> type | None:
    """`X` when `ann` is `list[X]` (X one of the filter types)."""
    if get_origin(ann) is list and get_args(ann) and get_args(ann)[0] in (Filter, UsageFilter):
        return get_args(ann)[0]
    return None


def _lists(params: BaseModel) -> Iterator[tuple[str, list[Any] | BaseModel]]:
    """(field, value): the filter lists of `params`, and its parts that hold some."""
    for name, info in type(params).model_fields.items():
        value = getattr(params, name)
        holds = isinstance(value, BaseModel) and any(True for _ in _lists(value))
        if holds or _item_type(info.annotation) is not None:
            yield name, value


def _map_filters(params: BaseModel, change: Callable[[Any, bool], Any]) -> BaseModel:
    """`params` with `change(filter, business)` applied to every filter (business: the field is one of the
    model's `business_filters`)."""
    update: dict[str, object] = {}
    business = getattr(type(params), BUSINESS, ())
    for name, value in _lists(params):
        update[name] = (
            [change(f, name in business) for f in value]
            if isinstance(value, list)
            else _map_filters(value, change)
        )
    return params.model_copy(update=update) if update else params


def _business(params: BaseModel) -> bool:
    """Whether `params` (at any depth) has business filters that name values."""
    fields = getattr(type(params), BUSINESS, ())
    for name, value in _lists(params):
        if isinstance(value, BaseModel) and _business(value):
            return True
        if name in fields and isinstance(value, list) and any(f.op in CHECKED_OPS for f in value):
            return True
    return False


def _checked(params: BaseModel) -> list[Any]:
    """The filters of `params` (at any depth) that name values."""
    out: list[Any] = []
    for _, value in _lists(params):
        if isinstance(value, BaseModel):
            out += _checked(value)
        else:
            out += [f for f in value if isinstance(f, UsageFilter) or f.op in CHECKED_OPS]
    return out


def _filter_lists(params: BaseModel) -> Iterator[tuple[BaseModel, list[Filter]]]:
    """(the model holding it, the list): every list of cost filters in `params`, at any depth."""
    for _, value in _lists(params):
        if isinstance(value, BaseModel):
            yield from _filter_lists(value)
        elif value and all(isinstance(f, Filter) for f in value):
            yield params, value


def _time_values_outside(dimension: str, values: list[str], period: Any) -> bool:
    """Whether every value of a day or month filter lies outside `period` (values that do not read as a day or
    month are left to the name check)."""
    first, last = period.start, period.end - dt.timedelta(days=1)
    for value in values:
        text = value.strip()
        try:
            if dimension == "day":
                day = dt.date.fromisoformat(text[:10])
                lo = hi = day
            else:
                lo = dt.date.fromisoformat(text[:7] + "-01")
                hi = (lo.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        except ValueError:
            return False
        if not (hi < first or lo > last):
            return False
    return True


def check_filter_conflicts(params: BaseModel) -> None:
    """Filters that no row can satisfy together are InvalidArgument, never a confident $0: two equality filters
    on one dimension with no value in common (`team=support` and `team=search`; `team=support,search` is
    either), an exclusion of every value an equality names (`team=search` and `team!=search`), and a day or
    month filter wholly outside the period asked for (`month=2026-09` in October 2026). Run on resolved values,
    so two spellings of one stored value agree."""
    from spendscope.tools.costs.breakdown import TimeRange, resolve_range

    for holder, filters in _filter_lists(params):
        allowed: dict[str, set[str]] = {}
        excluded: dict[str, set[str]] = {}
        texts: dict[str, list[str]] = {}
        for f in filters:
            dim = f.dimension.strip().lower()
            values = {v.strip().lower() for v in f.values}
            if f.op in ("eq", "in"):
                allowed[dim] = allowed[dim] & values if dim in allowed else values
                texts.setdefault(dim, []).append(f"{f.dimension}={','.join(f.values)}")
            elif f.op in NEGATIONS:
                excluded[dim] = excluded.get(dim, set()) | values
                texts.setdefault(dim, []).append(f"{f.dimension}!={','.join(f.values)}")
        for dim, values in allowed.items():
            if not values - excluded.get(dim, set()):
                raise InvalidArgument(
                    f"the filters on {dim} exclude each other ({' and '.join(texts[dim])}): no row can match "
                    f"them all, so the answer would be a meaningless 0; to include several values, name them in "
                    f"one filter ({dim}=a,b)",
                    argument="filters",
                )
        _check_calendar_pair(allowed, texts)
        if isinstance(holder, TimeRange) and (holder.period or (holder.start and holder.end)):
            period = resolve_range(holder)
            for f in filters:
                dim = f.dimension.strip().lower()
                if (
                    f.op in ("eq", "in")
                    and dim in ("day", "month")
                    and _time_values_outside(dim, f.values, period)
                ):
                    raise InvalidArgument(
                        f"{f.dimension}={','.join(f.values)} lies outside {period.label} ({period.start} to "
                        f"{period.end - dt.timedelta(days=1)}): no row can match both; widen the period or drop the filter",
                        argument="filters",
                    )


def _check_calendar_pair(allowed: dict[str, set[str]], texts: dict[str, list[str]]) -> None:
    """`weekday=Saturday` with `day_type=weekday`: days of the week no row can be on together (InvalidArgument)."""
    if "weekday" not in allowed or "day_type" not in allowed:
        return
    weekend = {"saturday", "sunday"}
    days = {calendar_value("weekday", v) or v for v in allowed["weekday"]}
    kinds = {(calendar_value("day_type", v) or v).lower() for v in allowed["day_type"]}
    for day in (d.lower() for d in days):
        kind = "(multi-day)" if day == "(multi-day)" else "weekend" if day in weekend else "weekday"
        if kind in kinds:
            return
    raise InvalidArgument(
        f"the filters {' and '.join(texts['weekday'] + texts['day_type'])} exclude each other: no day is both, so "
        "the answer would be a meaningless 0",
        argument="filters",
    )


def check_scope(store: Store, caller: Caller) -> None:
    """A row scope naming a value the store does not hold (`--view-as team=serch`, a token's `row_scope` with a
    typo) is UnknownValue, not a caller who sees $0 everywhere. The message names the value and not the stored
    ones: the scope's holder may not see other teams' names. A store without cost rows is left to the operation."""
    if not caller.scoped:
        return
    stamp = _stamp(store)
    wanted = [(d, v) for d, values in caller.row_scope.items() for v in values]
    keys = {(d, v): (stamp, "scope", d.strip().lower(), v.strip().lower()) for d, v in wanted}
    if all(k in _SEEN for k in keys.values()):
        return
    with store.reader() as con:
        if not con.execute("SELECT 1 FROM costs LIMIT 1").fetchall():
            return
        everyone = _Lookup(con, query_source(con), Caller("scope check"))
        for (dimension, value), key in keys.items():
            if key in _SEEN or value.strip().lower() in NONE_VALUES:
                continue
            if not everyone.exists(dimension, value):
                raise UnknownValue(
                    f"no {dimension} {value!r} in the store: this caller's row scope ({caller.scope_text()}) "
                    "matches no rows, so every figure would read $0; check the scope's spelling where it is "
                    "set (--view-as, the tokens file's row_scope, the Slack access file)",
                    argument="row_scope",
                    dimension=dimension,
                    value=value,
                    suggestions=[],
                )
            _SEEN.add(key)


def resolve_filters(store: Store, params: BaseModel, caller: Caller) -> BaseModel:
    """`params` with every equality filter value replaced by the store's spelling; UnknownValue (with
    suggestions) for a value the store does not hold within the caller's scope."""
    if getattr(params, OPT_OUT, False) is True:
        return params
    checked = _checked(params)
    if not checked:
        return params
    stamp = _stamp(store)
    business = _business(params)
    if not business:
        named = [(f, v) for f in checked for v in f.values if v.strip().lower() not in NONE_VALUES]
        if all(_key(stamp, caller, f, v) in _SEEN for f, v in named):
            return params
    with store.reader() as con:
        has_costs = bool(con.execute("SELECT 1 FROM costs LIMIT 1").fetchall())
        if not has_costs and not business:
            return params
        costs = (
            _Lookup(con, query_source(con), caller)
            if has_costs and any(isinstance(f, Filter) for f in checked)
            else None
        )
        metrics = _BusinessLookup(con, costs, caller) if business else None
        usage = _UsageLookup(con)

        def change(f: Any, in_business: bool) -> Any:
            lookup = metrics if in_business and metrics is not None else costs
            resolved = usage.resolve(f) if isinstance(f, UsageFilter) else lookup.resolve(f) if lookup else f
            if isinstance(f, UsageFilter) or f.op in CHECKED_OPS:
                for v in resolved.values:
                    _SEEN.add(_key(stamp, caller, f, v, in_business))
            return resolved

        return _map_filters(params, change)


def _known_key(con: duckdb.DuckDBPyConnection, costs: _Lookup, metrics: _BusinessLookup, key: str) -> None:
    """UnknownDimension (closest names first) unless `key` names a cost dimension, a virtual or provider tag key,
    or a column or tag of the business metrics."""
    try:
        costs._expr(key)
    except UnknownDimension:
        if (
            key.strip().lower() in metrics.COLUMNS
            and con.execute("SELECT 1 FROM business_metrics LIMIT 1").fetchall()
        ):
            return
        if not metrics._metric_values(key):
            raise


def check_named(store: Store, params: BaseModel, caller: Caller) -> BaseModel:
    """A key or a key's value named by an input outside its filters (an owner's `team` = `search`, the `key` of
    list_owners and list_virtual_tags) is checked as a filter is: an unknown key is UnknownDimension with the
    closest keys, an unknown value UnknownValue with the closest values (within the caller's rows), never an
    owner of nothing or an empty list that reads as "none". `allow_unknown_values: true` accepts a value the
    store has not seen yet (a new team), not an unknown key. A store without cost rows is left alone."""
    key_field = getattr(type(params), NAMED_KEY, None)
    pair = getattr(type(params), NAMED_VALUE, None)
    if pair:
        key_field, value_field = pair
    if not key_field:
        return params
    key = getattr(params, key_field, None)
    if not isinstance(key, str) or not key.strip():
        return params
    with store.reader() as con:
        if not con.execute("SELECT 1 FROM costs LIMIT 1").fetchall():
            return params
        costs = _Lookup(con, query_source(con), caller)
        metrics = _BusinessLookup(con, costs, caller)
        _known_key(con, costs, metrics, key)
        if not pair or getattr(params, OPT_OUT, False) is True:
            return params
        value = getattr(params, value_field, None)
        if not isinstance(value, str) or not value.strip() or value.strip().lower() in NONE_VALUES:
            return params
        if metrics.exists(key, value):
            return params
        where = f" among the rows this caller may see ({caller.scope_text()})" if caller.scoped else ""
        found = closest_or_error(
            key, value, metrics.known(key), where, argument=value_field, browse=not caller.scoped
        )
        return params.model_copy(update={value_field: found})


TIME_DIMENSIONS = frozenset({"day", "week", "month"})  # checked against the period by check_filter_conflicts


def _together(con: duckdb.DuckDBPyConnection, source: Source, filters: list[Filter]) -> bool:
    clauses, args = filter_sql(filters, con, source)
    where = " AND ".join(clauses)
    return bool(con.execute(f"SELECT 1 FROM {source.relation} WHERE {where} LIMIT 1", args).fetchall())


def check_filters_together(store: Store, params: BaseModel) -> None:
    """Equality filters on different dimensions that no cost row has ever satisfied together (`provider=OpenAI`
    and `model=claude-sonnet-4-5`: each value exists, never on one row) are InvalidArgument naming the two
    filters, not a confident $0. Whole history, not the period asked for: a pair that occurs in other months
    answers a real 0 for this one. Over all rows, not the caller's: the filters are checked, the scope is then
    applied by the entry point (and a scoped caller's values were already looked up within its rows). Business
    filters, time grains and `(none)` are left out; inputs with `allow_unknown_values: true` too."""
    if getattr(params, OPT_OUT, False) is True:
        return
    business = set(getattr(type(params), BUSINESS, ()))
    lists = [
        [
            f
            for f in filters
            if f.op in ("eq", "in")
            and f.dimension.strip().lower() not in TIME_DIMENSIONS
            and not is_calendar(f.dimension)
            and not any(v.strip().lower() in NONE_VALUES for v in f.values)
        ]
        for holder, filters in _filter_lists(params)
        if not any(getattr(holder, name, None) is filters for name in business)
    ]
    lists = [fs for fs in lists if len({f.dimension.strip().lower() for f in fs}) >= 2]
    if not lists:
        return
    stamp = _stamp(store)
    with store.reader() as con:
        if not con.execute("SELECT 1 FROM costs LIMIT 1").fetchall():
            return
        source = query_source(con)
        for filters in lists:
            key = (stamp, "together", tuple(sorted(repr(f.model_dump()) for f in filters)))
            if key in _SEEN:
                continue
            try:
                if _together(con, source, filters):
                    _SEEN.add(key)
                    continue
            except UnknownDimension:
                continue  # a dimension only the operation knows (a telemetry attribute): its own check
            pair = next(
                (
                    (a, b)
                    for i, a in enumerate(filters)
                    for b in filters[i + 1 :]
                    if a.dimension.strip().lower() != b.dimension.strip().lower()
                    and not _together(con, source, [a, b])
                ),
                None,
            )
            named = " and ".join(
                f"{f.dimension}={','.join(f.values)}" for f in (pair if pair is not None else filters)
            )
            raise InvalidArgument(
                f"no cost row has {named} together (each exists on its own): the answer would be a "
                "meaningless 0; drop one of them, or check the names (list_dimension_values)",
                argument="filters",
            )
