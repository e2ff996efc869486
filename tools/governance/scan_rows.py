"""The rows an anomaly scan reads, summed once per scan.

A scan runs a statement for the series matrix, one for the typical day and, per anomaly, a root-cause split: each
of them groups the window's cost rows by some dimensions, and with virtual tags each would evaluate every rule on
every row of its days. Instead the scan window's rows are summed (the measure) once by every column any of those
statements reads (the day, the columns the rules read, the series', filters' and drill-down dimensions', the
charge category and frequency), the rules are evaluated on the sums, and the result is kept in a temporary work
table for the scan; every statement then reads the work table through a `Source` with the same virtual tag columns.
Sums by every column read are exact (DECIMAL in the store), so the scan's alerts, root causes and figures are those
of the rows (tests/test_tools_anomaly_scan_rows.py runs both ways on DuckDB and chdb).

Summing pays only when the source has virtual-tag rules to evaluate or the rows repeat on the columns kept (the
day among them: hourly rows of one resource merge into one); a rule-less bill with a row per customer and day
would be copied into a work table as it is, and every statement would then read the copy. So without rules the
scan asks tools.costs.breakdown.rows_repeat (the check breakdowns make) and reads the rows when they do not repeat.

The day of a charge is kept as its UTC midnight unless the rules read ChargePeriodStart themselves (then the
timestamp is kept as it is). The caller's filters (a row scope among them) apply before the sums; filters on
virtual tags right after the rules. Rules that cannot run on sums (telemetry joins, amount tests) run once per
row here, still once per scan. Telemetry (usage_events, one row per request) is summed the same way, by the day
and every telemetry column a series or a root cause groups on. docs/governance.md ("Scanning at scale") describes it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
from spendscope.data.sql import ident
from spendscope.tools.costs.breakdown import Filter, dimension_reads, filter_sql, rows_repeat
from spendscope.tools.costs.dimensions import Source, dimension_sql
from spendscope.tools.governance.anomaly_detection import TELEMETRY_COLUMNS, _ts

SUM_FIRST = True  # False: every statement reads the rows (the benchmark's and the tests' baseline)
SUM_ALWAYS = False  # True: sum even a rule-less source whose rows do not repeat (tests and benchmarks only)
ALWAYS_READ = ("ChargePeriodStart", "ChargeCategory", "ChargeFrequency")  # the day; USAGE_ROWS and FEE_ROWS


@contextmanager
def scan_source(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    column: str,
    filters: list[Filter],
    start: dt.date,
    end: dt.date,
    exprs: list[str],
) -> Iterator[Source]:
    """A query source over the cost rows of [start, end) within `filters`, summed by the columns `exprs` (the
    dimension expressions the scan groups by), the filters and the rules read, with the virtual tags evaluated
    once; the work table is dropped on exit. Yields `source` itself when summing is off, a column is unknown, or
    the source has no rules and its rows do not repeat those columns (rows_repeat)."""
    reads = dimension_reads([*exprs, *(dimension_sql(f.dimension, con, source) for f in filters)], source)
    if not SUM_FIRST or reads is None:
        yield source
        return
    reads |= set(ALWAYS_READ) | set(source.reads or ())
    keep = sorted(c for c in reads if c != "ChargePeriodStart")
    day = (
        "ChargePeriodStart"
        if "ChargePeriodStart" in (source.reads or ())
        else "date_trunc('day', ChargePeriodStart)"
    )
    cols = ", ".join(ident(c) for c in keep)
    if (
        not source.virtual_tags
        and not SUM_ALWAYS
        and (column in reads or not rows_repeat(con, [day, *map(ident, keep)]))
    ):
        yield source  # no rules to evaluate and nothing to merge: the work table would be a copy of the rows
        return
    window, bounds = "ChargePeriodStart >= ? AND ChargePeriodStart < ?", [_ts(start), _ts(end)]
    name = f"_spendscope_an_{uuid.uuid4().hex[:8]}"
    if (not source.virtual_tags or source.over is not None) and column not in reads:
        tagged = [f for f in filters if f.dimension.strip().lower() in source.virtual_tags]
        inner, inner_params = filter_sql([f for f in filters if f not in tagged], con, source)
        outer, outer_params = filter_sql(tagged, con, source)
        summed = (
            f"(SELECT scan_day AS ChargePeriodStart, {cols}, SUM({ident(column)}) AS {ident(column)} "
            f"FROM (SELECT {day} AS scan_day, {cols}, {ident(column)} FROM costs "
            f"WHERE {' AND '.join([window, *inner])}) AS r GROUP BY scan_day, {cols})"
        )
        relation = source.over(summed) if source.over is not None else f"{summed} AS s"
        sql = f"SELECT * FROM {relation} WHERE {' AND '.join(outer) or 'true'}"
        params = [*bounds, *inner_params, *outer_params]
    else:  # rules that read amounts or telemetry: evaluated on the rows, still once per scan
        clauses, filter_params = filter_sql(filters, con, source)
        select = [ident(c) for c in sorted(reads | {column})] + sorted(set(source.virtual_tags.values()))
        sql = f"SELECT {', '.join(select)} FROM {source.relation} WHERE {' AND '.join([window, *clauses])}"
        params = [*bounds, *filter_params]
    con.execute(f"CREATE TEMP TABLE {name} AS {sql}", params)
    try:
        yield Source(name, dict(source.virtual_tags))
    finally:
        con.execute(f"DROP TABLE IF EXISTS {name}")


@contextmanager
def scan_events(con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date, needed: bool) -> Iterator[str]:
    """The relation the scan's telemetry statements read: the usage events of [start, end) summed (estimated
    cost) by the day (`ts`, its UTC midnight) and every telemetry column; `usage_events` itself when summing is
    off or no statement of the scan reads telemetry (`needed`)."""
    if not SUM_FIRST or not needed:
        yield "usage_events"
        return
    name = f"_spendscope_ev_{uuid.uuid4().hex[:8]}"
    cols = ", ".join(sorted(set(TELEMETRY_COLUMNS.values())))
    con.execute(
        f"CREATE TEMP TABLE {name} AS SELECT scan_day AS ts, {cols}, SUM(estimated_cost) AS estimated_cost "
        f"FROM (SELECT date_trunc('day', ts) AS scan_day, {cols}, estimated_cost FROM usage_events "
        f"WHERE ts >= ? AND ts < ?) AS e GROUP BY scan_day, {cols}",
        [_ts(start), _ts(end)],
    )
    try:
        yield name
    finally:
        con.execute(f"DROP TABLE IF EXISTS {name}")
