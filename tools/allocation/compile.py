"""Rule sets -> SQL. The rules in force form a chain of segments (newest first, each from its effective date);
each virtual tag becomes one CASE expression over the cost rows, evaluated by DuckDB at query time.

Every value that comes from a rules file (values, prefixes, regexes, tag keys, dates) is a bound parameter: it
is stored in a DuckDB session variable (`SET VARIABLE name = ?`) and read with `getvariable('name')[i]`, which
DuckDB folds into a constant when it binds the query, so a regex is compiled once, not per row. Identifiers come
from the validated rule set (column names from the costs table, our own generated column names).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import duckdb
from spendscope.data.focus import FOCUS_COLUMNS
from spendscope.data.sql import ident, json_key
from spendscope.tools.allocation.rules import (
    AI_COLUMNS,
    TELEMETRY_METRICS,
    UNALLOCATED,
    Condition,
    FieldRef,
    Group,
    Pool,
    Rule,
    RuleSet,
    Test,
    condition_fields,
)

_NUMERIC_COLUMNS = (
    {c for c, kind in FOCUS_COLUMNS.items() if kind == "decimal"}
    | {c for c, t in AI_COLUMNS.items() if t != "VARCHAR"}
    | {"x_SourceRow", "x_RowHash"}
)
_TEXT_COLUMNS = (
    {c for c, kind in FOCUS_COLUMNS.items() if kind == "string"}
    | {c for c, t in AI_COLUMNS.items() if t == "VARCHAR"}
    | {"x_Source", "x_ImportId", "x_SourceFile"}
)

TAG_PREFIX = "x_vtag_"
POOL_PREFIX = "x_pool_"
ALIAS = "spendscope_alloc"
NUMERIC_COLUMNS = frozenset(_NUMERIC_COLUMNS)


def provider_key(text_sql: str) -> str:
    """A provider family key (openai, anthropic, aws, azure, google, ...) for matching bills to telemetry. Any
    other provider is keyed by the first word of its name, so a telemetry provider id matches the bill's
    provider whose name starts with it ('naver' and 'Naver Cloud', 'together_ai' and 'Together AI')."""
    v = f"lower(coalesce({text_sql}, ''))"
    return (
        f"(CASE WHEN {v} LIKE '%bedrock%' OR {v} LIKE 'aws%' OR {v} LIKE 'amazon%' THEN 'aws' "
        f"WHEN {v} LIKE '%azure%' OR {v} LIKE 'az.%' OR {v} LIKE 'microsoft%' THEN 'azure' "
        f"WHEN {v} LIKE '%vertex%' OR {v} LIKE 'gcp%' OR {v} LIKE 'google%' OR {v} LIKE '%gemini%' THEN 'google' "
        f"WHEN {v} LIKE '%anthropic%' THEN 'anthropic' WHEN {v} LIKE '%openai%' THEN 'openai' "
        f"ELSE coalesce(nullif(regexp_extract(trim({v}), '^[a-z0-9]+'), ''), trim({v})) END)"
    )


def cost_provider_key(alias: str = "c") -> str:
    return provider_key(f"{alias}.ProviderName || ' ' || coalesce({alias}.ServiceName, '')")


class Binder:
    """Collects the values of one compiled query and binds them as DuckDB session variables."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.texts: list[str] = []
        self.numbers: list[float] = []
        self.lists: list[list[str]] = []
        self.dates: list[dt.date] = []
        self.models: list[dict[str, str | None]] = []

    def _var(self, kind: str) -> str:
        return f"{self.name}_{kind}"

    def text(self, value: str) -> str:
        if value in self.texts:
            return f"getvariable('{self._var('s')}')[{self.texts.index(value) + 1}]"
        self.texts.append(value)
        return f"getvariable('{self._var('s')}')[{len(self.texts)}]"

    def number(self, value: Decimal) -> str:
        self.numbers.append(float(value))
        return f"getvariable('{self._var('n')}')[{len(self.numbers)}]"

    def text_list(self, values: list[str]) -> str:
        self.lists.append(list(values))
        return f"getvariable('{self._var('l')}')[{len(self.lists)}]"

    def date(self, value: dt.date) -> str:
        self.dates.append(value)
        return f"CAST(getvariable('{self._var('d')}')[{len(self.dates)}] AS TIMESTAMPTZ)"

    def model_map(self) -> str:
        return f"getvariable('{self._var('m')}')"

    def bind(self, con: duckdb.DuckDBPyConnection) -> None:
        """Set the variables on `con` (per connection; cheap: one statement per kind)."""
        for kind, values in (
            ("s", self.texts),
            ("n", self.numbers),
            ("l", self.lists),
            ("d", self.dates),
            ("m", self.models),
        ):
            if values:
                con.execute(f"SET VARIABLE {self._var(kind)} = ?", [values])


@dataclass(frozen=True)
class Operand:
    raw: str  # text, NULL when missing
    low: str  # lower-cased text
    num: str  # numeric


@dataclass
class Segment:
    """The rules of one version, in force for charges in [start, end) (None: unbounded)."""

    version: int
    rules: RuleSet
    start: dt.date | None
    end: dt.date | None


@dataclass(frozen=True)
class PoolRef:
    id: int
    version: int
    pool: Pool
    start: dt.date | None
    end: dt.date | None


@dataclass
class Compiled:
    relation: str
    virtual_tags: dict[str, str]  # key -> SQL over the relation
    pool_columns: dict[str, str]  # target key -> SQL (pool id, NULL when the row is in no pool)
    pools: dict[int, PoolRef]
    binder: Binder
    uses_telemetry: bool
    keys: list[str] = field(default_factory=list)
    reads: frozenset[str] = frozenset()  # the costs columns the virtual tag columns read
    # (operand columns, tag columns, joins): what relation_over puts around another input
    parts: tuple[str, str, str] = ("", "", "")

    def relation_over(self, rows: str) -> str:
        """The relation with `rows` (a subquery with the columns in `reads`, e.g. costs summed by them) in place
        of `costs`: the rules then run once per row of `rows`."""
        inner, outer, joins = self.parts
        return f"(SELECT b.*{outer} FROM (SELECT c.*{inner} FROM {rows} AS c{joins}) AS b) AS {ALIAS}"


def compile_condition(cond: Condition | None, resolve: Callable[[FieldRef], Operand], b: Binder) -> str:
    """SQL boolean for a condition; a missing value never matches a positive test."""
    if cond is None:
        return "TRUE"
    if isinstance(cond, Group):
        parts = [compile_condition(c, resolve, b) for c in cond.items]
        if cond.kind == "not":
            return f"(NOT coalesce({parts[0]}, FALSE))"
        return "(" + (" AND " if cond.kind == "all" else " OR ").join(parts) + ")"
    o = resolve(cond.field)
    op, v = cond.op, cond.value
    if op == "equals":
        return f"({o.low} = {b.text(v.lower())})"
    if op == "not_equals":
        return f"({o.low} IS NULL OR {o.low} <> {b.text(v.lower())})"
    if op == "in":
        return f"list_contains({b.text_list([x.lower() for x in v])}, {o.low})"
    if op == "not_in":
        return f"({o.low} IS NULL OR NOT list_contains({b.text_list([x.lower() for x in v])}, {o.low}))"
    if op == "prefix":
        return f"starts_with({o.low}, {b.text(v.lower())})"
    if op == "suffix":
        return f"ends_with({o.low}, {b.text(v.lower())})"
    if op == "contains":
        return f"contains({o.low}, {b.text(v.lower())})"
    if op == "not_contains":
        return f"({o.low} IS NULL OR NOT contains({o.low}, {b.text(v.lower())}))"
    if op == "regex":
        return f"regexp_matches({o.raw}, {b.text(v)})"
    if op == "not_regex":
        return f"({o.raw} IS NULL OR NOT regexp_matches({o.raw}, {b.text(v)}))"
    if op in ("gt", "gte", "lt", "lte"):
        sym = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[op]
        return f"({o.num} {sym} {b.number(v)})"
    if op == "exists":
        return f"({o.raw} IS {'NOT ' if v else ''}NULL)"
    raise AssertionError(op)


class _Operands:
    """Pre-projects each field the rules read once per row (raw and lower-cased) in an inner subquery."""

    def __init__(self, b: Binder) -> None:
        self.b = b
        self.columns: list[tuple[str, str]] = []  # (sql, name)
        self._names: dict[str, str] = {}
        self.telemetry: dict[FieldRef, str] = {}  # telemetry field -> joined column
        self.reads: set[str] = set()  # costs columns read

    def project(self, sql: str) -> str:
        if sql not in self._names:
            name = f"x_op_{len(self._names) + 1}"
            self._names[sql] = name
            self.columns.append((sql, name))
        return ident(self._names[sql])

    def raw_sql(self, f: FieldRef) -> str:
        if f.kind in ("column", "tag"):
            self.reads.add(f.name if f.kind == "column" else "Tags")
        if f.kind == "column":
            col = f"c.{ident(f.name)}"
            return col if f.name in _TEXT_COLUMNS else f"CAST({col} AS VARCHAR)"
        if f.kind == "tag":
            return f"json_extract_string(c.Tags, {self.b.text('$.' + json_key(f.name))})"
        if f.kind in ("telemetry", "telemetry_tag"):
            if f not in self.telemetry:
                self.telemetry[f] = f"t{len(self.telemetry) + 1}"
            return f"{self.telemetry[f]}.v"
        raise AssertionError(f.kind)

    def operand(self, f: FieldRef) -> Operand:
        raw = self.project(f"nullif(trim({self.raw_sql(f)}), '')")
        low = self.project(f"lower(nullif(trim({self.raw_sql(f)}), ''))")
        if f.kind == "column" and f.name in _NUMERIC_COLUMNS:
            num = self.project(f"CAST(c.{ident(f.name)} AS DOUBLE)")
        else:
            num = f"TRY_CAST({raw} AS DOUBLE)"
        return Operand(raw, low, num)


def _tag_case(rules: tuple[Rule, ...], resolve: Callable[[FieldRef], Operand], b: Binder) -> str:
    whens = []
    for r in rules:
        cond = compile_condition(r.when, resolve, b)
        if r.copy is None:
            whens.append(f"WHEN {cond} THEN {b.text(r.value or '')}")
        else:
            src = resolve(r.copy).raw
            guard = f"{src} IS NOT NULL" if cond == "TRUE" else f"{cond} AND {src} IS NOT NULL"
            whens.append(f"WHEN {guard} THEN {src}")
    return "(CASE " + " ".join(whens) + f" ELSE '{UNALLOCATED}' END)"


def _by_date(parts: list[tuple[dt.date | None, str]], b: Binder, otherwise: str) -> str:
    """CASE over ChargePeriodStart choosing each segment's expression (parts newest first)."""
    if len(parts) == 1 and parts[0][0] is None:
        return parts[0][1]
    whens = []
    for start, expr in parts:
        if start is None:
            whens.append(f"ELSE {expr}")
            break
        whens.append(f"WHEN b.ChargePeriodStart >= {b.date(start)} THEN {expr}")
    if not whens[-1].startswith("ELSE"):
        whens.append(f"ELSE {otherwise}")
    return "(CASE " + " ".join(whens) + " END)"


def _once(expr: str) -> str:
    """Mark a tag expression volatile so that DuckDB evaluates it once per row, in the projection.

    Without this, a filter on the tag (`WHERE team = 'search'`) is pushed below the projection and the whole
    CASE, with every pre-projected operand inlined into every WHEN, is evaluated inside the filter: ten times
    slower on 200 rules. DuckDB does not push filters through volatile projections, still pushes filters on
    the other columns (the period) down to the scan, and still drops the column when a query does not use it.
    `random() >= 0` is always true.
    """
    return f"(CASE WHEN random() >= 0 THEN {expr} END)"


def chain_digest(chain: list[Segment], extra: str = "") -> str:
    text = "|".join(f"{s.version}:{s.start}:{s.end}" for s in chain) + extra
    return hashlib.sha1(text.encode()).hexdigest()[:10]


def compile_chain(
    chain: list[Segment], *, with_pools: bool = False, models: list[tuple[str, str | None]] | None = None
) -> Compiled:
    """The relation over `costs` adding one column per virtual tag (and per pool target key)."""
    b = Binder(f"spendscope_alloc_{chain_digest(chain, 'p' if with_pools else '')}")
    ops = _Operands(b)
    keys = sorted({k for s in chain for k in s.rules.tags})
    tag_cols: dict[str, str] = {}
    for key in keys:
        parts = []
        for seg in chain:
            memo: dict[str, str] = {}
            parts.append((seg.start, _virtual_expr(key, seg.rules, ops, b, memo)))
        tag_cols[key] = _by_date(parts, b, f"'{UNALLOCATED}'")
    pool_cols: dict[str, str] = {}
    pools: dict[int, PoolRef] = {}
    if with_pools:
        targets = sorted({p.to for s in chain for p in s.rules.pools})
        for key in targets:
            parts = []
            for seg in chain:
                memo = {}
                resolve = _resolver(seg.rules, ops, b, memo)
                whens = []
                for pool in seg.rules.pools:
                    if pool.to != key:
                        continue
                    pid = len(pools) + 1
                    pools[pid] = PoolRef(pid, seg.version, pool, seg.start, seg.end)
                    whens.append(f"WHEN {compile_condition(pool.when, resolve, b)} THEN {pid}")
                parts.append((seg.start, "(CASE " + " ".join(whens) + " ELSE NULL END)" if whens else "NULL"))
            pool_cols[key] = _by_date(parts, b, "NULL")
    joins = _telemetry_joins(ops, b, models or [])
    inner_cols = "".join(f", {sql} AS {ident(name)}" for sql, name in ops.columns)
    outer = "".join(f", {_once(expr)} AS {ident(TAG_PREFIX + k)}" for k, expr in tag_cols.items())
    outer += "".join(f", {_once(expr)} AS {ident(POOL_PREFIX + k)}" for k, expr in pool_cols.items())
    relation = f"(SELECT b.*{outer} FROM (SELECT c.*{inner_cols} FROM costs AS c{joins}) AS b) AS {ALIAS}"
    dated = any(seg.start is not None for seg in chain)  # _by_date reads the charge period
    return Compiled(
        reads=frozenset(ops.reads | ({"ChargePeriodStart"} if dated else set())),
        parts=(inner_cols, outer, joins),
        relation=relation,
        virtual_tags={k: ident(TAG_PREFIX + k) for k in keys},
        pool_columns={k: ident(POOL_PREFIX + k) for k in pool_cols},
        pools=pools,
        binder=b,
        uses_telemetry=bool(ops.telemetry),
        keys=keys,
    )


def _resolver(
    rules: RuleSet, ops: _Operands, b: Binder, memo: dict[str, str]
) -> Callable[[FieldRef], Operand]:
    def resolve(f: FieldRef) -> Operand:
        if f.kind == "virtual":
            expr = _virtual_expr(f.name, rules, ops, b, memo)
            raw = f"nullif({expr}, '{UNALLOCATED}')"
            return Operand(raw, f"lower({raw})", f"TRY_CAST({raw} AS DOUBLE)")
        return ops.operand(f)

    return resolve


def _virtual_expr(key: str, rules: RuleSet, ops: _Operands, b: Binder, memo: dict[str, str]) -> str:
    if key in memo:
        return memo[key]
    tag = rules.tags.get(key)
    expr = f"'{UNALLOCATED}'" if tag is None else _tag_case(tag.rules, _resolver(rules, ops, b, memo), b)
    memo[key] = expr
    return expr


def usage_keyed(b: Binder, models: list[tuple[str, str | None]]) -> str:
    """usage_events with the provider, model and day keys that match cost rows."""
    if models:
        b.models = [{"raw": r, "model": m} for r, m in models]
        model_join = (
            f" LEFT JOIN (SELECT unnest({b.model_map()}, recursive := true)) AS mm ON mm.raw = ue.model"
        )
        model_key = "coalesce(mm.model, lower(ue.model))"
    else:
        model_join, model_key = "", "lower(ue.model)"
    return (
        f"(SELECT ue.*, {provider_key('ue.provider')} AS pk, {model_key} AS mk, CAST(ue.ts AS DATE) AS d "
        f"FROM usage_events AS ue{model_join})"
    )


def _telemetry_joins(ops: _Operands, b: Binder, models: list[tuple[str, str | None]]) -> str:
    """For telemetry.<attr> fields: the dominant value (largest estimated cost) per provider, model and day."""
    if not ops.telemetry:
        return ""
    keyed = usage_keyed(b, models)
    weight = TELEMETRY_METRICS["estimated_cost"]
    out = []
    for f, alias in ops.telemetry.items():
        if f.kind == "telemetry":
            value = f"nullif(trim(CAST(u.{ident(f.name)} AS VARCHAR)), '')"
        else:
            value = f"nullif(trim(json_extract_string(u.tags, {b.text('$.' + json_key(f.name))})), '')"
        out.append(
            f" LEFT JOIN (SELECT pk, mk, d, first(v ORDER BY w DESC, n DESC, v) AS v FROM ("
            f"SELECT pk, mk, d, {value} AS v, sum({weight}) AS w, count(*) AS n FROM {keyed} AS u "
            f"GROUP BY ALL) WHERE v IS NOT NULL GROUP BY pk, mk, d) AS {alias} "
            f"ON {alias}.pk = {cost_provider_key('c')} AND {alias}.mk = c.x_Model "
            f"AND {alias}.d = CAST(c.ChargePeriodStart AS DATE)"
        )
    return "".join(out)


def event_resolver(b: Binder, alias: str = "u") -> Callable[[FieldRef], Operand]:
    """Fields of usage_events (for a pool's telemetry_when)."""

    def resolve(f: FieldRef) -> Operand:
        if f.kind == "event_tag":
            raw = f"nullif(trim(json_extract_string({alias}.tags, {b.text('$.' + json_key(f.name))})), '')"
        else:
            raw = f"nullif(trim(CAST({alias}.{ident(f.name)} AS VARCHAR)), '')"
        return Operand(raw, f"lower({raw})", f"TRY_CAST({raw} AS DOUBLE)")

    return resolve


def uses_telemetry(rules: RuleSet) -> bool:
    fields = [f for t in rules.tags.values() for r in t.rules for f in condition_fields(r.when)]
    fields += [r.copy for t in rules.tags.values() for r in t.rules if r.copy is not None]
    fields += [f for p in rules.pools for f in condition_fields(p.when)]
    return any(f.kind in ("telemetry", "telemetry_tag") for f in fields)


__all__ = ["Test", "Compiled", "Segment", "PoolRef", "Binder", "compile_chain", "compile_condition"]


def row_resolver(b: Binder, virtual_tags: dict[str, str] | None = None) -> Callable[[FieldRef], Operand]:
    """Fields over an unaliased cost relation (for one-off queries such as suggestion previews)."""

    def resolve(f: FieldRef) -> Operand:
        if f.kind == "column":
            raw = f"nullif(trim(CAST({ident(f.name)} AS VARCHAR)), '')"
            num = (
                f"CAST({ident(f.name)} AS DOUBLE)"
                if f.name in _NUMERIC_COLUMNS
                else f"TRY_CAST({raw} AS DOUBLE)"
            )
            return Operand(raw, f"lower({raw})", num)
        if f.kind == "tag":
            raw = f"nullif(trim(json_extract_string(Tags, {b.text('$.' + json_key(f.name))})), '')"
            return Operand(raw, f"lower({raw})", f"TRY_CAST({raw} AS DOUBLE)")
        if f.kind == "virtual" and virtual_tags and f.name in virtual_tags:
            raw = f"nullif({virtual_tags[f.name]}, '{UNALLOCATED}')"
            return Operand(raw, f"lower({raw})", f"TRY_CAST({raw} AS DOUBLE)")
        return Operand("CAST(NULL AS VARCHAR)", "CAST(NULL AS VARCHAR)", "CAST(NULL AS DOUBLE)")

    return resolve
