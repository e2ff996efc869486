"""Shared-cost pools checked against the store on apply: the tag key a pool goes `to` must exist (a virtual tag
of the file or a provider tag key), and a value its `members` and fixed `percentages` name that the key never takes
is refused when it reads like one the key does take (a misspelling). A misspelt member would otherwise receive its share and no row would ever carry it: 60% of a pool
reported against a team nobody has (trust probes 23)."""

from __future__ import annotations

import difflib

import duckdb
from spendscope.data.errors import InvalidRules
from spendscope.tools.allocation.rules import Pool, RuleSet
from spendscope.tools.costs.dimensions import tag_keys


def _closest(name: str, known: list[str]) -> str:
    near = difflib.get_close_matches(name.lower(), [k.lower() for k in known], n=3, cutoff=0.6)
    return f"; closest: {', '.join(near)}" if near else ""


def _tag_values(con: duckdb.DuckDBPyConnection, key: str) -> set[str]:
    rows = con.execute(
        "SELECT DISTINCT lower(trim(json_extract_string(Tags, ?))) FROM (SELECT DISTINCT Tags FROM costs "
        "WHERE Tags IS NOT NULL)",
        [f'$."{key}"'],
    ).fetchall()
    return {r[0] for r in rows if r[0]}


def _column_values(con: duckdb.DuckDBPyConnection, column: str, columns: list[str]) -> set[str] | None:
    match = next((c for c in columns if c.lower() == column.lower()), None)
    if match is None:
        return None
    rows = con.execute(f'SELECT DISTINCT lower(trim(CAST("{match}" AS VARCHAR))) FROM costs').fetchall()
    return {r[0] for r in rows if r[0]}


def key_values(
    con: duckdb.DuckDBPyConnection, rules: RuleSet, key: str, columns: list[str]
) -> set[str] | None:
    """The values `key` can take (lower case), or None when they cannot be known from the store alone (a rule
    copies telemetry or another virtual tag)."""
    tag = rules.tags.get(key)
    if tag is None:
        return _tag_values(con, key)
    values: set[str] = set()
    for rule in tag.rules:
        if rule.value is not None:
            values.add(rule.value.lower())
        elif rule.copy is not None:
            if rule.copy.kind == "tag":
                values |= _tag_values(con, rule.copy.name)
            elif rule.copy.kind == "column":
                got = _column_values(con, rule.copy.name, columns)
                if got is None:
                    return None
                values |= got
            else:
                return None
    return values


def check_pool_targets(
    con: duckdb.DuckDBPyConnection, rules: RuleSet, source: str, columns: list[str]
) -> None:
    """InvalidRules (with the pool's line) for a pool to an unknown key or naming a value its key never takes."""
    provider_keys = tag_keys(con)
    for pool in rules.pools:
        if pool.split == "telemetry":
            continue  # its members are telemetry attribute values (customers, features), not cost rows'
        if pool.to not in rules.tags and pool.to not in provider_keys:
            known = sorted({*rules.tags, *provider_keys})
            raise _fail(
                source,
                pool,
                f"to {pool.to!r} is neither a virtual tag of this file nor a provider tag key"
                f"{_closest(pool.to, known)}",
            )
        named = [*(pool.members or ()), *(v for v, _ in (pool.percentages or ()))]
        if not named:
            continue
        values = key_values(con, rules, pool.to, columns)
        if values is None:
            continue
        for value in named:
            # a member no row has yet may be meant (a new team whose only cost is its share of the pool); one
            # that reads like a value the key has is a misspelling, refused as `!=` filters are (docs/cli.md)
            near = _closest(value, sorted(values))
            if value.lower() not in values and near:
                raise _fail(
                    source,
                    pool,
                    f"{value!r} is no value of {pool.to!r} (no rule sets it and no cost row has it){near}",
                )


def _fail(source: str, pool: Pool, message: str) -> InvalidRules:
    return InvalidRules(
        f"{source} line {pool.line}: shared pool {pool.name!r}: {message}", file=source, line=pool.line
    )
