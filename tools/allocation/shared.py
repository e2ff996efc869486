"""Shared-cost pools: cost rows matching a pool's filter are taken out of direct cost and redistributed, day by
day, to the values of a tag key: an even split, fixed percentages, in proportion to the members' own direct
cost (or tokens, requests, GPU hours), or in proportion to a telemetry metric from `usage_events`.

Conservation is exact by construction. Each pool-day amount A (DECIMAL with 10 decimals) becomes the integer
a = A * 10^10; members are ordered, with integer weights w_i and cumulative weights C_i (C_n = W); member i
receives trunc(a * C_i / W) - trunc(a * C_(i-1) / W). The parts telescope to trunc(a * W / W) - 0 = a, so for
every day the shared amounts sum to the pool exactly, and direct + shared equals the total before reallocation
to the last decimal. A pool-day whose members have no weight that day (no direct cost, no telemetry) is split
evenly among the pool's members instead (reported as fallback days); a pool with no members at all stays
`unallocated`. Nothing in the store is written: the reallocation is computed on each request.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

import duckdb
from pydantic import BaseModel, Field
from spendscope.data.sql import ident
from spendscope.data.store import Store
from spendscope.tools.allocation.common import WEIGHT_UNIT, apportion_sql, money_column, ts, value_text
from spendscope.tools.allocation.compile import (
    Binder,
    Compiled,
    PoolRef,
    compile_condition,
    event_resolver,
    usage_keyed,
)
from spendscope.tools.allocation.rules import PROPORTIONAL_BASES, TELEMETRY_METRICS, UNALLOCATED
from spendscope.tools.allocation.versions import active_chain, compiled_chain, compiled_source, event_models
from spendscope.tools.costs.breakdown import TimeRange, resolve_covered_range, summed_relation
from spendscope.tools.costs.dimensions import Source, dimension_sql, expression_reads
from spendscope.tools.registry import operation


@dataclass
class Allocation:
    """Temp tables on one connection: `lines` (day, value, pool_id, amount, descriptive columns),
    `direct` (day, value, amount), `shared` (pool_id, day, value, amount)."""

    con: duckdb.DuckDBPyConnection
    prefix: str
    key: str
    pools: dict[int, PoolRef]
    fallback_days: dict[int, int] = field(default_factory=dict)
    orphan_days: dict[int, int] = field(default_factory=dict)

    def table(self, name: str) -> str:
        return ident(f"{self.prefix}{name}")

    def drop(self) -> None:
        for name in ("lines", "direct", "pool_days", "weights", "shared"):
            self.con.execute(f"DROP TABLE IF EXISTS {self.table(name)}")


def allocation_relation(con: duckdb.DuckDBPyConnection) -> tuple[Source, Compiled | None]:
    """The cost relation with virtual tags and pool columns (pools of every target key)."""
    chain = active_chain(con)
    if not chain or not any(s.rules.tags or s.rules.pools for s in chain):
        return Source("costs", {}), None
    compiled = compiled_chain(con, chain, with_pools=True)
    return compiled_source(compiled), compiled


def run_allocation(
    con: duckdb.DuckDBPyConnection,
    key: str,
    start: dt.date,
    end: dt.date,
    column: str,
    *,
    extra_columns: tuple[str, ...] = (),
) -> Allocation:
    """Direct and shared cost per day and value of `key` over [start, end), as temp tables on `con`."""
    source, compiled = allocation_relation(con)
    key = key.strip().lower()
    pool_col = compiled.pool_columns.get(key) if compiled else None
    pools = {pid: ref for pid, ref in (compiled.pools.items() if compiled else []) if ref.pool.to == key}
    a = Allocation(con=con, prefix=f"_spendscope_sa_{uuid.uuid4().hex[:8]}_", key=key, pools=pools)
    bases = sorted(set(PROPORTIONAL_BASES.values()) | {column})
    extras = "".join(f", {ident(c)}" for c in extra_columns)
    basis_cols = ", ".join(f"{ident(b)} AS {ident('b_' + b)}" for b in bases)
    expr = dimension_sql(key, con, source)  # once: a provider tag key's lookup reads the store
    period = "ChargePeriodStart >= ? AND ChargePeriodStart < ?"
    summed = _summed_lines(con, source, expr, [column, *bases], extra_columns, period)
    con.execute(
        f"""CREATE TEMP TABLE {a.table("lines")} AS
            SELECT CAST(ChargePeriodStart AS DATE) AS day, {value_text(expr)} AS value,
                   {pool_col or "CAST(NULL AS INTEGER)"} AS pool_id, {ident(column)} AS amount,
                   {basis_cols}{extras}
            FROM {summed or source.relation}
            WHERE {"true" if summed else period}""",
        [ts(start), ts(end)],
    )
    con.execute(
        f"""CREATE TEMP TABLE {a.table("direct")} AS
            SELECT day, value, sum(amount) AS amount FROM {a.table("lines")} WHERE pool_id IS NULL GROUP BY ALL"""
    )
    con.execute(
        f"""CREATE TEMP TABLE {a.table("pool_days")} AS
            SELECT pool_id, day, sum(amount) AS amount FROM {a.table("lines")}
            WHERE pool_id IS NOT NULL GROUP BY ALL"""
    )
    con.execute(
        f"CREATE TEMP TABLE {a.table('weights')} (pool_id INTEGER, day DATE, member VARCHAR, wu HUGEINT)"
    )
    for pid, ref in pools.items():
        _weights(a, pid, ref, start, end)
    _fallbacks(a)
    shared_sql = apportion_sql(a.table("weights"), a.table("pool_days"), ["pool_id", "day"], ["member"])
    con.execute(
        f"CREATE TEMP TABLE {a.table('shared')} AS SELECT pool_id, day, member AS value, amount "
        f"FROM ({shared_sql})"
    )
    return a


def _summed_lines(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    expr: str,
    sums: list[str],
    extra_columns: tuple[str, ...],
    period: str,
) -> str | None:
    """The period's cost rows summed by the columns the rules, the key's expression (`expr`) and the descriptive columns read, with the
    rules evaluated once per sum (every later step sums the lines, so the totals are the rows'); None: allocate
    the rows themselves (rules that cannot run on sums, a key whose columns are not known, rows that do not
    repeat)."""
    if source.over is None or not source.reads:
        return None
    reads = set(source.reads) | {"ChargePeriodStart", *extra_columns}
    # a virtual tag's column is computed by the rules over `reads`; another key reads its own columns
    if expr not in source.virtual_tags.values():
        known = expression_reads(expr)
        if known is None:
            return None
        reads.update(known[0])
    return summed_relation(con, source, reads, sums, period)


def _members_sql(ref: PoolRef) -> tuple[str, list]:
    """A filter on `member` for pools with an explicit member list."""
    if not ref.pool.members:
        return "TRUE", []
    return "member IN (" + ", ".join("?" for _ in ref.pool.members) + ")", list(ref.pool.members)


def _weights(a: Allocation, pid: int, ref: PoolRef, start: dt.date, end: dt.date) -> None:
    pool, con, weights = ref.pool, a.con, a.table("weights")
    members_where, members_params = _members_sql(ref)
    days = f"SELECT day FROM {a.table('pool_days')} WHERE pool_id = {pid}"
    if pool.split == "even":
        if pool.members:
            con.execute(
                f"INSERT INTO {weights} SELECT {pid}, d.day, m.member, {WEIGHT_UNIT} FROM ({days}) AS d, "
                f"(SELECT unnest(?::VARCHAR[]) AS member) AS m",
                [list(pool.members)],
            )
        else:
            con.execute(
                f"""INSERT INTO {weights}
                    SELECT {pid}, d.day, m.member, {WEIGHT_UNIT} FROM ({days}) AS d,
                    (SELECT DISTINCT value AS member FROM {a.table("direct")}
                     WHERE value <> '{UNALLOCATED}' AND amount <> 0) AS m"""
            )
    elif pool.split == "fixed":
        names = [m for m, _ in pool.percentages or ()]
        pct = [int((p * WEIGHT_UNIT).to_integral_value()) for _, p in pool.percentages or ()]
        con.execute(
            f"INSERT INTO {weights} SELECT {pid}, d.day, m.member, m.wu FROM ({days}) AS d, "
            "(SELECT unnest(?::VARCHAR[]) AS member, CAST(unnest(?::BIGINT[]) AS HUGEINT) AS wu) AS m",
            [names, pct],
        )
    elif pool.split == "proportional":
        basis = ident("b_" + PROPORTIONAL_BASES[pool.basis])
        con.execute(
            f"""INSERT INTO {weights}
                SELECT {pid}, day, member, CAST(round(greatest(w, 0) * {WEIGHT_UNIT}) AS HUGEINT) FROM (
                    SELECT day, value AS member, CAST(sum({basis}) AS DOUBLE) AS w FROM {a.table("lines")}
                    WHERE pool_id IS NULL AND value <> '{UNALLOCATED}' AND day IN ({days})
                    GROUP BY ALL)
                WHERE {members_where}""",
            members_params,
        )
    else:  # telemetry
        b = Binder(f"spendscope_pool_{a.prefix.strip('_')}_{pid}")
        models = event_models(con)
        keyed = usage_keyed(b, models)
        resolve = event_resolver(b, "u")
        attr = resolve(pool.attribute).raw if pool.attribute else "NULL"
        cond = compile_condition(pool.telemetry_when, resolve, b)
        b.bind(con)
        con.execute(
            f"""INSERT INTO {weights}
                SELECT {pid}, day, member, CAST(round(greatest(w, 0) * {WEIGHT_UNIT}) AS HUGEINT) FROM (
                    SELECT u.d AS day, {attr} AS member, CAST(sum({TELEMETRY_METRICS[pool.metric]}) AS DOUBLE) AS w
                    FROM {keyed} AS u
                    WHERE u.ts >= ? AND u.ts < ? AND {cond} AND {attr} IS NOT NULL
                    GROUP BY ALL)
                WHERE day IN ({days}) AND {members_where}""",
            [ts(start), ts(end), *members_params],
        )


def _fallbacks(a: Allocation) -> None:
    """Pool-days without any weight: split evenly among the pool's members (explicit, or any member weighted on
    another day, or every allocated value); with no member at all, the pool-day stays `unallocated`."""
    con, weights = a.con, a.table("weights")
    for pid, ref in a.pools.items():
        missing = f"""SELECT d.day FROM {a.table("pool_days")} AS d WHERE d.pool_id = {pid} AND NOT EXISTS (
                        SELECT 1 FROM {weights} AS w WHERE w.pool_id = {pid} AND w.day = d.day AND w.wu > 0)"""
        count = con.execute(f"SELECT count(*) FROM ({missing})").fetchall()[0][0]
        if not count:
            continue
        if ref.pool.members:
            members = list(ref.pool.members)
        else:
            members = [
                r[0]
                for r in con.execute(
                    f"SELECT DISTINCT member FROM {weights} WHERE pool_id = {pid} AND wu > 0 ORDER BY 1"
                ).fetchall()
            ]
            if not members:
                members = [
                    r[0]
                    for r in con.execute(
                        f"SELECT DISTINCT value FROM {a.table('direct')} WHERE value <> '{UNALLOCATED}' "
                        "AND amount <> 0 ORDER BY 1"
                    ).fetchall()
                ]
        if members:
            a.fallback_days[pid] = count
        else:
            a.orphan_days[pid] = count
            members = [UNALLOCATED]
        con.execute(
            f"INSERT INTO {weights} SELECT {pid}, m.day, x.member, {WEIGHT_UNIT} FROM ({missing}) AS m, "
            "(SELECT unnest(?::VARCHAR[]) AS member) AS x",
            [members],
        )


# ---------------------------------------------------------------------------------------------- operation


class SharedCostsInput(TimeRange):
    key: str = Field(
        "team", description="the tag key the pools redistribute to (pools whose `to` is this key)"
    )
    measure: str = Field(
        "cost", description="cost (EffectiveCost), billed_cost, list_cost or contracted_cost"
    )


class MemberShare(BaseModel):
    value: str
    amount: Decimal
    share_pct: float | None


class PoolAllocation(BaseModel):
    pool: str
    version: int
    split: str
    basis: str | None = Field(
        None, description="proportional: cost, tokens, requests, gpu_hours, ...; telemetry: the metric"
    )
    amount: Decimal = Field(description="the pool's cost over the period")
    days: int
    fallback_days: int = Field(0, description="days split evenly because no member had any weight")
    unassigned_days: int = Field(0, description="days with no member at all (left unallocated)")
    members: list[MemberShare]


class ValueTotals(BaseModel):
    value: str
    direct: Decimal
    shared: Decimal
    total: Decimal


class SharedCostsResult(BaseModel):
    key: str
    measure: str
    start: dt.date
    end: dt.date = Field(description="exclusive end")
    period_label: str
    pools: list[PoolAllocation]
    values: list[ValueTotals]
    total_before: Decimal = Field(description="all cost in the period before reallocation")
    total_after: Decimal = Field(description="direct + shared after reallocation (equals total_before)")
    conserved: bool = Field(description="true when, for every day, direct + shared equals the cost before")


def daily_conservation(a: Allocation) -> list[tuple[dt.date, Decimal, Decimal]]:
    """(day, before, after) for every day where they differ (empty when conservation holds)."""
    return a.con.execute(
        f"""WITH b AS (SELECT day, sum(amount) AS before FROM {a.table("lines")} GROUP BY day),
                 x AS (SELECT day, sum(amount) AS after FROM (
                        SELECT day, amount FROM {a.table("direct")} UNION ALL
                        SELECT day, amount FROM {a.table("shared")}) GROUP BY day)
            SELECT coalesce(b.day, x.day), coalesce(before, 0), coalesce(after, 0)
            FROM b FULL JOIN x ON b.day = x.day
            WHERE coalesce(before, 0) <> coalesce(after, 0) ORDER BY 1"""
    ).fetchall()


@operation("get_shared_cost_allocation", input_model=SharedCostsInput, output_model=SharedCostsResult)
def shared_costs(store: Store, params: SharedCostsInput) -> SharedCostsResult:
    """How the shared-cost pools of a tag key were redistributed over a period: each pool's cost, its split, and
    what each value received; with per-value direct, shared and total cost and the conservation check."""
    column = money_column(params.measure)
    with store.reader() as con:
        period, _ = resolve_covered_range(params, con)
        a = run_allocation(con, params.key, period.start, period.end, column)
        try:
            pools = []
            for pid, ref in a.pools.items():
                amount, days = con.execute(
                    f"SELECT coalesce(sum(amount), 0), count(*) FROM {a.table('pool_days')} WHERE pool_id = ?",
                    [pid],
                ).fetchall()[0]
                members = con.execute(
                    f"SELECT value, sum(amount) AS s FROM {a.table('shared')} WHERE pool_id = ? GROUP BY value "
                    "ORDER BY s DESC, value",
                    [pid],
                ).fetchall()
                basis = (
                    ref.pool.basis
                    if ref.pool.split == "proportional"
                    else (ref.pool.metric if ref.pool.split == "telemetry" else None)
                )
                pools.append(
                    PoolAllocation(
                        pool=ref.pool.name,
                        version=ref.version,
                        split=ref.pool.split,
                        basis=basis,
                        amount=amount,
                        days=days,
                        fallback_days=a.fallback_days.get(pid, 0),
                        unassigned_days=a.orphan_days.get(pid, 0),
                        members=[
                            MemberShare(
                                value=v, amount=s, share_pct=float(s / amount * 100) if amount else None
                            )
                            for v, s in members
                        ],
                    )
                )
            values = con.execute(
                f"""SELECT value, sum(d) AS direct, sum(s) AS shared, sum(d) + sum(s) AS total FROM (
                        SELECT value, amount AS d, 0 AS s FROM {a.table("direct")} UNION ALL
                        SELECT value, 0, amount FROM {a.table("shared")})
                    GROUP BY value ORDER BY total DESC, value"""
            ).fetchall()
            before = con.execute(f"SELECT coalesce(sum(amount), 0) FROM {a.table('lines')}").fetchall()[0][0]
            after = sum((Decimal(v[3]) for v in values), Decimal(0))
            conserved = not daily_conservation(a)
        finally:
            a.drop()
    return SharedCostsResult(
        key=params.key.lower(),
        measure=params.measure,
        start=period.start,
        end=period.end,
        period_label=period.label,
        pools=pools,
        values=[ValueTotals(value=v, direct=d, shared=s, total=t) for v, d, s, t in values],
        total_before=before,
        total_after=after,
        conserved=conserved,
    )
