"""One SQL for every backend: operations write DuckDB SQL; on ClickHouse it is transpiled here, once per distinct
statement (cached), by sqlglot's ClickHouse dialect plus the few rewrites it lacks:

- `?` parameters become typed server-side parameters (`{p0:Date}`), typed from the Python value at run time;
  named ones (`$max`, bound from a dict) likewise;
- `->>` / `json_extract_string` keep DuckDB's meaning (a string value unquoted, a number or boolean as its text,
  a missing key NULL), `->` / `json_extract` return the JSON text, `json_keys` the object's keys,
  `json_object` builds an object;
- `range` / `generate_series` (scalar or as a table): DuckDB's range is end-exclusive and generate_series
  end-inclusive, over integers or dates;
- `list(x ORDER BY y)` and `string_agg(x, sep ORDER BY y)`: ClickHouse aggregates take no ORDER BY, so the
  values are collected with their sort key and sorted;
- TIMESTAMPTZ is `DateTime64(6, 'UTC')`, JSON is String, `epoch()` keeps its fractional seconds;
- `unnest` in FROM/JOIN becomes ARRAY JOIN-style `arrayJoin`; GROUP BY ALL and QUALIFY pass through (ClickHouse
  has both);
- `USING SAMPLE p%` becomes a random filter and `hash(...)` `cityHash64(tuple(...))` (the virtual-tag pushdown's
  check that rows repeat).

The session settings that make ClickHouse answer with DuckDB's NULL semantics live in data/backends/engines.py.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.dialects.clickhouse import ClickHouse

_MARK = "__spendscope_p{}__"
_MARK_RE = re.compile(r"__spendscope_p(\d+)__")


def _json_args(path: exp.Expression | None) -> list[exp.Expression]:
    """JSONPath (`$.a.b[0]`) as ClickHouse JSONExtract* arguments ('a', 'b', 1)."""
    if path is None:
        return []
    if isinstance(path, exp.JSONPath):
        out: list[exp.Expression] = []
        for part in path.expressions:
            if isinstance(part, exp.JSONPathKey):
                out.append(exp.Literal.string(str(part.this)))
            elif isinstance(part, exp.JSONPathSubscript):
                out.append(exp.Literal.number(int(part.this) + 1))
        return out
    if isinstance(path, exp.Literal) and path.is_string:
        text = path.this
        if text.startswith("$"):
            return _json_args(exp.JSONPath(expressions=_parse_path(text)))
        return [exp.Literal.string(text)]
    return [path]


def _parse_path(text: str) -> list[exp.Expression]:
    parts: list[exp.Expression] = [exp.JSONPathRoot()]
    for key, index in re.findall(r"\.\"?([^.\[\]\"]+)\"?|\[(\d+)\]", text[1:]):
        parts.append(exp.JSONPathSubscript(this=int(index)) if index else exp.JSONPathKey(this=key))
    return parts


def _fn(name: str, *args: exp.Expression) -> exp.Anonymous:
    return exp.Anonymous(this=name, expressions=list(args))


def json_text(this: exp.Expression, path: exp.Expression | None) -> exp.Expression:
    """DuckDB's `->>`: a string unquoted, another scalar or a container as its JSON text, missing/null NULL."""
    if path is not None and not isinstance(path, exp.JSONPath | exp.Literal):
        # a path known only at run time (a bound parameter): ClickHouse's JSON_VALUE reads JSONPath text
        return _fn("JSON_VALUE", this.copy(), path.copy())
    args = [this.copy(), *_json_args(path)]
    kind = _fn("JSONType", *[a.copy() for a in args])
    return _fn(
        "multiIf",
        exp.EQ(this=kind.copy(), expression=exp.Literal.string("String")),
        _fn("JSONExtractString", *[a.copy() for a in args]),
        exp.EQ(this=kind, expression=exp.Literal.string("Null")),
        exp.Null(),
        _fn("JSONExtractRaw", *[a.copy() for a in args]),
    )


def json_raw(this: exp.Expression, path: exp.Expression | None) -> exp.Expression:
    """DuckDB's `->` / json_extract: the value's JSON text; a missing key is NULL."""
    args = [this.copy(), *_json_args(path)]
    return _fn("nullIf", _fn("JSONExtractRaw", *args), exp.Literal.string(""))


def _sorted_values(agg: exp.Expression) -> tuple[exp.Expression, exp.Expression | None]:
    """(values, sorted array expression) for an aggregate whose argument may carry ORDER BY."""
    arg = agg.this
    if not isinstance(arg, exp.Order):
        return arg, None
    value = arg.this
    keys = arg.expressions
    pairs = _fn("groupArray", exp.Tuple(expressions=[value.copy(), *[k.this.copy() for k in keys]]))
    lam_arg = exp.to_identifier("_t")
    key_exprs = []
    for i, k in enumerate(keys, start=2):
        ref = _fn("tupleElement", exp.column("_t"), exp.Literal.number(i))
        key_exprs.append(exp.Neg(this=ref) if k.args.get("desc") else ref)
    key = key_exprs[0] if len(key_exprs) == 1 else exp.Tuple(expressions=key_exprs)
    sort = _fn("arraySort", exp.Lambda(this=key, expressions=[lam_arg]), pairs)
    first = exp.Lambda(
        this=_fn("tupleElement", exp.column("_t"), exp.Literal.number(1)), expressions=[lam_arg.copy()]
    )
    return value, _fn("arrayMap", first, sort)


def _array_agg(self: Any, e: exp.ArrayAgg) -> str:
    _, ordered = _sorted_values(e)
    if ordered is None:
        return self.sql(_fn("groupArray", e.this))
    return self.sql(ordered)


def _group_concat(self: Any, e: exp.GroupConcat) -> str:
    value, ordered = _sorted_values(e)
    sep = e.args.get("separator") or exp.Literal.string(",")
    values = ordered if ordered is not None else _fn("groupArray", value)
    text = _fn("arrayStringConcat", _fn("arrayMap", _lambda_to_string(), values), sep)
    return self.sql(_fn("nullIf", text, exp.Literal.string("")))


def _lambda_to_string() -> exp.Lambda:
    return exp.Lambda(this=_fn("toString", exp.column("_v")), expressions=[exp.to_identifier("_v")])


def _series_array(e: exp.GenerateSeries) -> exp.Expression:
    """DuckDB range (end-exclusive) / generate_series (end-inclusive) as a ClickHouse array."""
    start, end, step = e.args.get("start"), e.args["end"], e.args.get("step")
    exclusive = bool(e.args.get("is_end_exclusive"))
    if start is None:
        start = exp.Literal.number(0)
    if isinstance(step, exp.Interval) or _is_temporal(start) or _is_temporal(end):
        unit = (step.unit.name if isinstance(step, exp.Interval) and step.unit else "DAY").lower()
        every = int(step.this.name) if isinstance(step, exp.Interval) and step.this.is_number else 1
        count = _fn("dateDiff", exp.Literal.string(unit), start.copy(), end.copy())
        upper = count if exclusive else exp.Add(this=count, expression=exp.Literal.number(1))
        lam = exp.Lambda(
            this=_fn("dateAdd", exp.Var(this=unit.upper()), exp.column("_i"), start.copy()),
            expressions=[exp.to_identifier("_i")],
        )
        stop = _fn("toInt64", _fn("greatest", upper, exp.Literal.number(0)))
        idx = _fn("range", exp.Literal.number(0), stop, exp.Literal.number(every))
        return _fn("arrayMap", lam, idx)
    stop = end.copy() if exclusive else exp.Add(this=end.copy(), expression=exp.Literal.number(1))
    args = [_fn("toInt64", start.copy()), _fn("toInt64", stop)]
    if step is not None:
        args.append(step.copy())
    return _fn("range", *args)


def _is_temporal(e: exp.Expression) -> bool:
    if isinstance(e, exp.Cast) and e.to.is_type(*exp.DataType.TEMPORAL_TYPES):
        return True
    return isinstance(e, exp.Anonymous | exp.Func) and e.sql_name().upper() in {
        "CURRENT_DATE",
        "CURRENTDATE",
        "DATE_TRUNC",
        "DATETRUNC",
        "TIMESTAMPTRUNC",
        "DATEADD",
        "DATESUB",
        "DATE",
    }


def _generate_series(self: Any, e: exp.GenerateSeries) -> str:
    return self.sql(_series_array(e))


def _json_object(self: Any, e: exp.JSONObject) -> str:
    pairs = []
    for kv in e.expressions:
        key, value = kv.this, kv.expression
        pairs.append(
            _fn(
                "concat",
                _fn("toJSONString", _fn("toString", key.copy())),
                exp.Literal.string(":"),
                _fn("ifNull", _fn("toJSONString", value.copy()), exp.Literal.string("null")),
            )
        )
    body = _fn("arrayStringConcat", exp.Array(expressions=pairs), exp.Literal.string(","))
    return self.sql(_fn("concat", exp.Literal.string("{"), body, exp.Literal.string("}")))


_OWN_TYPES = {
    exp.DataType.Type.TIMESTAMPTZ: "DateTime64(6, 'UTC')",
    exp.DataType.Type.TIMESTAMPLTZ: "DateTime64(6, 'UTC')",
    exp.DataType.Type.TIMESTAMP: "DateTime64(6, 'UTC')",
    exp.DataType.Type.DATETIME: "DateTime64(6, 'UTC')",
    exp.DataType.Type.JSON: "String",
    exp.DataType.Type.DATE: "Date",
    exp.DataType.Type.UBIGINT: "UInt64",
    exp.DataType.Type.INT128: "Int128",
}


def _datatype(self: Any, e: exp.DataType) -> str:
    own = _OWN_TYPES.get(e.this)
    if own is None:
        return ClickHouse.Generator.datatype_sql(self, e)
    nullable = e.args.get("nullable")
    if nullable is True or nullable is None:
        return f"Nullable({own})"
    return own


def _cast(self: Any, e: exp.Cast) -> str:
    """CAST to DECIMAL as toDecimalNN (ClickHouse's CAST cannot convert Int128 to Decimal)."""
    to = e.to
    if to.is_type(exp.DataType.Type.DECIMAL) and len(to.expressions) == 2:
        precision, scale = (int(x.name) for x in to.expressions)
        bits = 32 if precision <= 9 else 64 if precision <= 18 else 128
        return self.func(f"toDecimal{bits}", e.this, exp.Literal.number(scale))
    return ClickHouse.Generator.cast_sql(self, e)


def _split_part(self: Any, e: exp.SplitPart) -> str:
    """DuckDB's split_part: the n-th part (1-based, negative from the end), '' past the end, NULL for NULL."""
    this = e.this
    parts = _fn("splitByString", e.args["delimiter"], _fn("assumeNotNull", this.copy()))
    part = _fn("arrayElement", parts, e.args["part_index"])
    return self.sql(_fn("if", _fn("isNull", this), exp.Null(), part))


def _mode(self: Any, e: exp.Mode) -> str:
    """DuckDB's mode(x): the most frequent non-NULL value, NULL when there is none (ClickHouse has no `mode`; its
    topK is exact while the distinct values fit its table, as the few providers, models and tiers of a feature do).
    """
    x = self.sql(e, "this")
    return f"if(count({x}) = 0, NULL, arrayElement(topK(1)({x}), 1))"


class SpendscopeClickHouse(ClickHouse):
    """ClickHouse, reading DuckDB's SQL the way spendscope writes it."""

    class Generator(ClickHouse.Generator):
        TRANSFORMS = {
            **ClickHouse.Generator.TRANSFORMS,
            exp.JSONExtractScalar: lambda self, e: self.sql(json_text(e.this, e.expression)),
            exp.JSONExtract: lambda self, e: self.sql(json_raw(e.this, e.expression)),
            exp.IntDiv: lambda self, e: self.func("intDiv", e.this, e.expression),
            exp.LogicalOr: lambda self, e: self.func("max", e.this),
            exp.LogicalAnd: lambda self, e: self.func("min", e.this),
            exp.JSONKeys: lambda self, e: self.func(
                "JSONExtractKeys", _fn("ifNull", e.this, exp.Literal.string("{}"))
            ),
            exp.JSONObject: _json_object,
            exp.ArrayAgg: _array_agg,
            exp.GroupConcat: _group_concat,
            exp.GenerateSeries: _generate_series,
            exp.SplitPart: _split_part,
            exp.Mode: _mode,
            exp.TimeToUnix: lambda self, e: (
                f"(toUnixTimestamp64Micro(toDateTime64({self.sql(e, 'this')}, 6, 'UTC')) / 1000000)"
            ),
        }

        def datatype_sql(self, expression: exp.DataType) -> str:
            return _datatype(self, expression)

        def cast_sql(self, expression: exp.Cast, safe_prefix: str | None = None) -> str:
            return _cast(self, expression)


def _rewrite_table_functions(tree: exp.Expression) -> exp.Expression:
    """range/generate_series/unnest used as tables become subqueries over arrayJoin."""
    for table in list(tree.find_all(exp.Table)):
        fn = table.this
        if not isinstance(fn, exp.GenerateSeries):
            continue
        alias = table.args.get("alias")
        col = "range" if fn.args.get("is_end_exclusive") else "generate_series"
        if alias is not None and alias.columns:
            col = alias.columns[0].name
        name = alias.name if alias is not None and alias.name else col
        sub = exp.select(exp.alias_(exp.Explode(this=_series_array(fn)), col)).subquery(name)
        table.replace(sub)
    for unnest in list(tree.find_all(exp.Unnest)):
        alias = unnest.args.get("alias")
        col = alias.columns[0].name if alias is not None and alias.columns else "unnest"
        name = alias.name if alias is not None and alias.name else "unnest"
        sub = exp.select(exp.alias_(exp.Explode(this=unnest.expressions[0].copy()), col)).subquery(name)
        parent = unnest.parent
        if isinstance(parent, exp.Join | exp.From):
            unnest.replace(sub)
    return tree


def _sampling_and_hash(tree: exp.Expression) -> None:
    """`USING SAMPLE p% (system)` becomes a filter keeping each row with probability p (ClickHouse samples only
    tables declared with a SAMPLE BY key); DuckDB's `hash(a, b, ...)` becomes `cityHash64(tuple(a, b, ...))`
    (a NULL argument hashes as a value, as in DuckDB, instead of making the hash NULL)."""
    for select in list(tree.find_all(exp.Select)):
        sample = select.args.get("sample")
        percent = sample.args.get("percent") if isinstance(sample, exp.TableSample) else None
        if percent is None:
            continue
        select.set("sample", None)
        share = exp.Div(this=percent.copy(), expression=exp.Literal.number(100))
        select.where(exp.LT(this=_fn("randCanonical"), expression=share), copy=False)
    for call in list(tree.find_all(exp.Anonymous)):
        if call.name.lower() == "hash":
            call.replace(_fn("cityHash64", _fn("tuple", *[a.copy() for a in call.expressions])))


def _number_placeholders(sql: str) -> tuple[str, int]:
    """`?` -> `$1`, `$2`, ... in the order they appear in the text (a tree walk would visit a WITH clause
    after the query that uses it)."""
    from sqlglot.dialects.duckdb import DuckDB
    from sqlglot.tokens import TokenType

    marks = [
        t.start
        for t in DuckDB().tokenize(sql)
        if (t.token_type == TokenType.PLACEHOLDER and t.text == "?")
        or (t.token_type == TokenType.QDCOLON and t.text.startswith("?"))  # `?::DATE[]`
    ]
    for i, pos in reversed(list(enumerate(marks))):
        sql = f"{sql[:pos]}${i + 1}{sql[pos + 1 :]}"
    return sql, len(marks)


def _mark_placeholders(tree: exp.Expression) -> tuple[str, ...]:
    """Positional parameters become numbered markers; DuckDB's named ones (`$max`, bound from a dict) are bound
    like session variables. Returns the names."""
    names = []
    for ph in list(tree.find_all(exp.Placeholder)):
        if str(ph.this).isdigit():
            ph.replace(exp.Var(this=_MARK.format(int(ph.this) - 1)))
        else:
            names.append(str(ph.this))
            ph.replace(exp.Var(this=_VAR.format(ph.this)))
    return tuple(dict.fromkeys(names))


_VAR = "__spendscope_v_{}__"
_VAR_RE = re.compile(r"__spendscope_v_(\w+?)__")
_ELEMENT_RE = re.compile(r"__spendscope_v_(\w+?)__\[(\d+)\]")
_UNNEST = "__spendscope_unnest_{}__"
_UNNEST_RE = re.compile(r"__spendscope_unnest_(\w+?)__")


def _variable_name(e: exp.Expression) -> str | None:
    if isinstance(e, exp.Anonymous) and e.name.lower() == "getvariable" and e.expressions:
        arg = e.expressions[0]
        if isinstance(arg, exp.Literal) and arg.is_string:
            return arg.this
    return None


def _mark_variables(tree: exp.Expression) -> tuple[str, ...]:
    """DuckDB session variables (`getvariable('x')`, set with SET VARIABLE) become bound parameters; an
    `unnest(getvariable('x'), recursive := true)` of a list of structs becomes one column per field."""
    names = []
    for node in list(tree.find_all(exp.Explode, exp.Unnest)):
        inner = node.this if isinstance(node, exp.Explode) else (node.expressions or [None])[0]
        if isinstance(inner, exp.Anonymous) and inner.name.lower() == "unnest":
            inner = inner.expressions[0] if inner.expressions else None
        args = node.expressions if isinstance(node, exp.Explode) else []
        recursive = any("recursive" in a.sql().lower() for a in args) or "recursive" in node.sql().lower()
        name = _variable_name(inner) if inner is not None else None
        if name and recursive:
            node.replace(exp.Var(this=_UNNEST.format(name)))
            names.append(name)
    for node in list(tree.find_all(exp.Anonymous)):
        name = _variable_name(node)
        if name:
            node.replace(exp.Var(this=_VAR.format(name)))
            names.append(name)
    return tuple(dict.fromkeys(names))


def _order_by_aliases(tree: exp.Expression) -> None:
    """DuckDB's ORDER BY prefers a SELECT alias to a column of the same name (`SUM(cost) AS cost ... ORDER BY
    cost`); ClickHouse runs with prefer_column_name_to_alias (so WHERE and aggregates see the column), so such an
    ORDER BY item is replaced by the aliased expression."""
    for select in tree.find_all(exp.Select):
        order = select.args.get("order")
        if order is None:
            continue
        aliases = {a.alias.lower(): a.this for a in select.expressions if isinstance(a, exp.Alias)}
        for item in order.expressions:
            col = item.this
            if isinstance(col, exp.Column) and not col.table and col.name.lower() in aliases:
                item.set("this", aliases[col.name.lower()].copy())


def _zip_unnests(tree: exp.Expression) -> None:
    """Several unnest() in one SELECT list walk their lists side by side in DuckDB; arrayJoin would multiply
    them, so they become one arrayJoin over arrayZip (ClickHouse computes an identical arrayJoin once)."""
    for select in tree.find_all(exp.Select):
        explodes = [
            e for item in select.expressions for e in item.find_all(exp.Explode) if e.parent_select is select
        ]
        if len(explodes) < 2:
            continue
        zipped = _fn("arrayZip", *[e.this.copy() for e in explodes])
        for i, e in enumerate(explodes, start=1):
            e.replace(_fn("tupleElement", exp.Explode(this=zipped.copy()), exp.Literal.number(i)))


def _rename_clashing_ctes(tree: exp.Expression) -> None:
    """A WITH name that is also a column name (`expected AS (SELECT ... AS expected)`, then `expected.expected`)
    confuses ClickHouse's name resolution; such CTEs are renamed, with their references."""
    names = {a.alias.lower() for a in tree.find_all(exp.Alias)} | {
        c.name.lower() for c in tree.find_all(exp.Column)
    }
    for cte in list(tree.find_all(exp.CTE)):
        old = cte.alias
        if old.lower() not in names:
            continue
        new = f"{old}__w"
        cte.set("alias", exp.TableAlias(this=exp.to_identifier(new), columns=cte.args["alias"].columns))
        for table in tree.find_all(exp.Table):
            if table.name.lower() == old.lower() and not table.args.get("db"):
                table.set("this", exp.to_identifier(new))
        for col in tree.find_all(exp.Column):
            if col.table.lower() == old.lower():
                col.set("table", exp.to_identifier(new))


def _name_qualified_columns(tree: exp.Expression) -> None:
    """`SELECT keys.dim` is named `dim` in DuckDB; ClickHouse may name it `keys.dim` when another joined table
    has a `dim` too (an outer `dim` then resolves wrongly), so such a column gets its name as an alias."""
    for select in tree.find_all(exp.Select):
        for i, item in enumerate(select.expressions):
            if isinstance(item, exp.Column) and item.table and not isinstance(item.this, exp.Star):
                select.expressions[i] = exp.alias_(item, exp.to_identifier(item.name, quoted=True))
                select.expressions[i].parent = select


def _materialize_shared_ctes(tree: exp.Expression) -> None:
    """DuckDB computes a WITH query used more than once a single time; ClickHouse inlines it at every use unless
    it is MATERIALIZED (with enable_materialized_cte), so such CTEs are marked."""
    for with_ in tree.find_all(exp.With):
        if with_.args.get("recursive"):
            continue
        for cte in with_.expressions:
            name = cte.alias.lower()
            uses = sum(1 for t in tree.find_all(exp.Table) if t.name.lower() == name and not t.args.get("db"))
            if uses > 1:
                cte.set("materialized", True)


def _portable_catalog(tree: exp.Expression) -> None:
    """DuckDB's information_schema names the default schema `main`; ClickHouse names it after the database."""
    for eq in list(tree.find_all(exp.EQ)):
        col, lit = eq.this, eq.expression
        if (
            isinstance(col, exp.Column)
            and col.name.lower() == "table_schema"
            and isinstance(lit, exp.Literal)
        ) and lit.this == "main":
            eq.set("expression", _fn("currentDatabase"))


@dataclass(frozen=True)
class Compiled:
    """One transpiled statement: ClickHouse text with parameter markers, and how many parameters it takes."""

    sql: str
    params: int
    kind: str  # select | other
    variables: tuple[str, ...] = ()


# Work tables carry a random suffix (`_spendscope_sa_93bca3a3_lines`) so concurrent operations never clash; the
# cache keys on the statement with each suffix replaced by a stable stand-in, so a statement that differs only by
# its work tables' names is transpiled once (with 200 virtual-tag rules, one transpile is ~0.1 s of sqlglot).
_TEMP_RE = re.compile(r"(?<!_)_spendscope_([a-z]+)_([0-9a-f]{8,10})")
_STAND_IN_RE = re.compile(r"_spendscope_([a-z]+)_t(\d+)x")


def to_clickhouse(sql: str) -> Compiled:
    """Transpile one DuckDB statement (cached per distinct text, work-table suffixes aside)."""
    suffixes: dict[str, str] = {}

    def stand_in(m: re.Match[str]) -> str:
        n = suffixes.setdefault(m.group(2), str(len(suffixes)))
        return f"_spendscope_{m.group(1)}_t{n}x"

    compiled = _transpile(_TEMP_RE.sub(stand_in, sql))
    if not suffixes:
        return compiled
    real = {n: suffix for suffix, n in suffixes.items()}
    text = _STAND_IN_RE.sub(
        lambda m: f"_spendscope_{m.group(1)}_{real[m.group(2)]}" if m.group(2) in real else m.group(0),
        compiled.sql,
    )
    return Compiled(text, compiled.params, compiled.kind, compiled.variables)


@lru_cache(maxsize=4096)
def _transpile(sql: str) -> Compiled:
    numbered, count = _number_placeholders(sql)
    tree = sqlglot.parse_one(numbered, read="duckdb")
    named = _mark_placeholders(tree)
    variables = tuple(dict.fromkeys(named + _mark_variables(tree)))
    _portable_catalog(tree)
    _order_by_aliases(tree)
    _zip_unnests(tree)
    _rename_clashing_ctes(tree)
    _name_qualified_columns(tree)
    _materialize_shared_ctes(tree)
    _sampling_and_hash(tree)
    tree = _rewrite_table_functions(tree)
    text = tree.sql(dialect=SpendscopeClickHouse)
    kind = "select" if isinstance(tree, exp.Query) else "other"
    return Compiled(text, count, kind, variables)


def ch_type(value: object) -> str:
    """The ClickHouse type of a bound Python value."""
    if isinstance(value, bool):
        return "Bool"
    if isinstance(value, int):
        return "Int64" if -(2**63) <= value < 2**63 else "Int128"
    if isinstance(value, float):
        return "Float64"
    if isinstance(value, decimal.Decimal):
        return "Decimal(38, 10)"
    if isinstance(value, dt.datetime):
        return "DateTime64(6, 'UTC')"
    if isinstance(value, dt.date):
        return "Date"
    if isinstance(value, dict):
        fields = ", ".join(f"{k} {_nullable(ch_type(v))}" for k, v in value.items())
        return f"Tuple({fields})"
    if isinstance(value, list | tuple):
        inner = next((ch_type(v) for v in value if v is not None), "String")
        if any(v is None for v in value):
            inner = _nullable(inner)
        return f"Array({inner})"
    return "String"


def _nullable(t: str) -> str:
    return t if t.startswith(("Array(", "Tuple(", "Nullable(")) else f"Nullable({t})"


def ch_value(value: object) -> object:
    """A bound value as ClickHouse reads it from a query parameter."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_array_item(v) for v in value) + "]"
    return str(value)


def _array_item(v: object) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, list | tuple):
        return str(ch_value(v))
    if isinstance(v, dict):
        return "(" + ", ".join(_array_item(x) for x in v.values()) + ("," if len(v) == 1 else "") + ")"
    if isinstance(v, int | float | decimal.Decimal) and not isinstance(v, bool):
        return str(ch_value(v))
    text = str(ch_value(v)).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{text}'"


def bind(
    compiled: Compiled,
    params: Sequence[object] | Mapping[str, object] | None,
    variables: dict[str, object] | None = None,
) -> tuple[str, dict[str, object]]:
    """The statement's text with each marker as a typed parameter (NULL inline), and the parameter values (as
    Python values: each engine formats them its own way)."""
    named: dict[str, object] = {}
    if isinstance(params, Mapping):  # DuckDB's named parameters ($name)
        named, values = dict(params), []
    else:
        values = list(params or [])
    if len(values) != compiled.params:
        raise ValueError(f"statement takes {compiled.params} parameters, {len(values)} given")
    bound: dict[str, object] = {}

    def sub(m: re.Match[str]) -> str:
        i = int(m.group(1))
        v = values[i]
        if v is None:
            return "NULL"
        bound[f"p{i}"] = v
        return f"{{p{i}:{ch_type(v)}}}"

    text = _MARK_RE.sub(sub, compiled.sql)
    if compiled.variables:
        known = {**(variables or {}), **named}

        def var(m: re.Match[str]) -> str:
            name = m.group(1)
            if name not in known:
                raise ValueError(f"session variable {name} is not set")
            bound[f"v_{name}"] = known[name]
            return f"{{v_{name}:{ch_type(known[name])}}}"

        def unnest(m: re.Match[str]) -> str:
            name = m.group(1)
            value = known.get(name) or [{}]
            fields = list(value[0]) if isinstance(value[0], dict) else []
            ref = f"tupleElement(arrayJoin({var(m)}) AS _r_{name}, '{fields[0]}') AS {fields[0]}"
            rest = [f"tupleElement(_r_{name}, '{f}') AS {f}" for f in fields[1:]]
            return ", ".join([ref, *rest])

        def element(m: re.Match[str]) -> str:
            # one element of a list variable (rules read `getvariable('x')[i]` hundreds of times): bound alone,
            # so ClickHouse parses a scalar, not the whole list, at each use
            name, index = m.group(1), int(m.group(2))
            value = known.get(name)
            if not isinstance(value, list) or not 1 <= index <= len(value):
                return m.group(0)
            item = value[index - 1]
            if item is None:
                return "NULL"
            bound[f"v_{name}_{index}"] = item
            return f"{{v_{name}_{index}:{ch_type(item)}}}"

        text = _UNNEST_RE.sub(unnest, text)
        text = _ELEMENT_RE.sub(element, text)
        text = _VAR_RE.sub(var, text)
    return text, bound
