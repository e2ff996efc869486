"""`spendscope import metrics FILE...`: business metrics (revenue, subscriptions, plans, tickets resolved, documents
processed, MAU, ...) into `business_metrics`, one row per value (docs/unit-economics.md, "Importing metrics").

A file has one row per value: a period (`date`, `month` or `week`), `metric`, `value`, and optionally `unit` or
`currency`, `aggregation` (sum or average), `customer`, `feature`, `team`, `plan`, `source`; any other column is
kept as a tag. CSV (plain or .gz), Parquet and JSON lines are read.

The files given together are one import, all or nothing. A restatement replaces: for every metric and source the
import holds, the rows earlier imports stored for periods overlapping the import's periods of that metric are
deleted in the same transaction. An import that would leave the store as it is changes nothing (importing the same
file twice adds nothing). Money in a currency other than the bill's needs a rate for its period (`import rates`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import duckdb
from pydantic import BaseModel, Field
from spendscope.data.business_files import (
    Bad,
    content_hash,
    load,
    period_expected,
    period_order,
    period_sql,
    record_import,
    reject_first,
)
from spendscope.data.currency import billing_currencies, missing_rate_error, missing_rates
from spendscope.data.errors import ImportRejected
from spendscope.data.import_common import ROW, unreadable
from spendscope.data.importing import Progress, reject, staging_connection
from spendscope.data.sql import ident, literal, pairs_to_json, parse_decimal
from spendscope.data.store import Store

KIND = "metrics"
DEFAULT_SOURCE = "default"
COLUMNS = {
    "period": ("date", "day", "month", "week", "period", "period_start"),
    "metric": ("metric", "metric_name", "kpi", "name"),
    "value": ("value", "amount", "quantity", "count"),
    "unit": ("unit", "units", "uom"),
    "currency": ("currency", "currency_code"),
    "aggregation": ("aggregation", "agg", "aggregate"),
    "customer": ("customer", "customer_id", "customer_name"),
    "feature": ("feature",),
    "team": ("team",),
    "plan": ("plan", "plan_name"),
    "source": ("source",),
}
DIMENSIONS = ("customer", "feature", "team", "plan")
AGGREGATIONS = {"sum": "sum", "total": "sum", "average": "average", "avg": "average", "mean": "average"}
CONTENT = (
    "metric, period_start, period_end, grain, value, unit, currency, aggregation, customer, feature, team, plan, "
    "CAST(tags AS VARCHAR), source"
)


class MetricSummary(BaseModel):
    metric: str
    rows: int
    first_period: dt.date
    last_period_end: dt.date = Field(description="exclusive end of the last period")
    total: str = Field(
        description="sum of the values as a decimal string (in each row's own currency or unit)"
    )
    unit: str | None
    currencies: list[str]


class Replaced(BaseModel):
    metric: str
    source: str
    rows_before: int
    rows_after: int
    imports: list[str] = Field(description="the earlier imports those rows came from")


class MetricsImportResult(BaseModel):
    """What one metrics import did."""

    import_id: str | None = Field(description="None when nothing changed")
    kind: str = KIND
    source_file: str
    file_hash: str
    status: str = Field(description="ok, unchanged (the store already held exactly these values) or empty")
    rows_read: int = 0
    rows_inserted: int = 0
    rows_replaced: int = Field(0, description="rows of earlier imports the restatement deleted")
    metrics: list[MetricSummary] = Field(default_factory=list)
    replaced: list[Replaced] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)


def normalise_metric(expr: str) -> str:
    """SQL: 'Tickets Resolved' -> tickets_resolved."""
    return f"trim(regexp_replace(lower(trim({expr})), '[^a-z0-9]+', '_', 'g'), '_')"


def _stage_file(
    con: duckdb.DuckDBPyConnection, path: Path, source: str, first: bool, warnings: list[str]
) -> int:
    """Read one file into table `staged` (created by the first file); returns its rows. Rejects a bad value;
    adds to `warnings` how its slash dates were read when its values alone do not show it."""
    src = load(con, path)
    cols = {k: src.has(*names) for k, names in COLUMNS.items()}
    missing = [k for k in ("period", "metric", "value") if cols[k] is None]
    if missing:
        raise reject(
            path,
            f"has no {', '.join(missing)} column (it has {', '.join(src.columns[:12]) or 'no columns'}); a metrics "
            "file has one row per value: a period column (date, month or week), metric, value, and optionally "
            "unit or currency, customer, feature, team, plan",
            columns=src.columns,
        )
    used = {c for c in cols.values() if c}
    tag_cols = [c for c in src.columns if c not in used and c.lower() != "tags"]
    tags_col = src.has("tags")
    order = period_order(con, src, cols["period"])  # type: ignore[arg-type]
    if order.warning:
        warnings.append(f"{path.name}: {order.warning}")
    start, end, grain, bad_period = period_sql(src, cols["period"], order.day_first)  # type: ignore[arg-type]

    def text(key: str) -> str:
        c = cols[key]
        return f"nullif(trim({ident(c)}), '')" if c else "CAST(NULL AS VARCHAR)"

    tags = pairs_to_json([(c, f"nullif(trim({ident(c)}), '')") for c in tag_cols])
    if tags_col:
        tags = f"json_merge_patch(coalesce(TRY_CAST({ident(tags_col)} AS JSON), '{{}}'), coalesce({tags}, '{{}}'))"
    row_source = f"coalesce({text('source')}, {literal(source)})" if cols["source"] else literal(source)
    agg_text = f"lower({text('aggregation')})"
    agg_map = " ".join(f"WHEN {literal(k)} THEN {literal(v)}" for k, v in AGGREGATIONS.items())
    typed = f"""
        SELECT {ROW},
               {text("metric")} AS metric_text, {normalise_metric(text("metric"))} AS metric,
               {ident(cols["period"])} AS period_text, {start} AS period_start, {end} AS period_end,
               {grain} AS grain, {bad_period} AS bad_period,
               {text("value")} AS value_text, {parse_decimal(text("value"))} AS value,
               nullif(lower({text("unit")}), '') AS unit,
               {text("currency")} AS currency_text, upper({text("currency")}) AS currency,
               {agg_text} AS aggregation_text,
               CASE {agg_text} {agg_map} END AS aggregation,
               {", ".join(f"{text(d)} AS {d}" for d in DIMENSIONS)},
               CAST({tags} AS JSON) AS tags, {row_source} AS source,
               {literal(str(path.resolve()))} AS x_SourceFile
        FROM raw_numbered"""
    checks = [
        Bad("bad_period", cols["period"], "period_text", period_expected(cols["period"])),  # type: ignore[arg-type]
        Bad("metric IS NULL OR metric = ''", cols["metric"], "metric_text", "a metric name"),  # type: ignore[arg-type]
        Bad("value IS NULL", cols["value"], "value_text", "a number"),  # type: ignore[arg-type]
    ]
    if cols["currency"]:
        checks.append(
            Bad(
                "currency_text IS NOT NULL AND NOT regexp_full_match(currency, '[A-Z]{3}')",
                cols["currency"],
                "currency_text",
                "an ISO 4217 currency code such as USD or EUR",
            )
        )
    if cols["aggregation"]:
        checks.append(
            Bad(
                "aggregation_text IS NOT NULL AND aggregation IS NULL",
                cols["aggregation"],
                "aggregation_text",
                "sum or average",
            )
        )
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE typed AS {typed}")
        reject_first(con, src, "typed", checks)
        select = (
            "SELECT metric, period_start, period_end, grain, value, "
            "CASE WHEN currency IS NULL THEN unit END AS unit, currency, coalesce(aggregation, 'sum') AS aggregation, "
            "customer, feature, team, "
            f"plan, tags, source, x_SourceFile, {ROW} AS x_SourceRow FROM typed"
        )
        if first:
            con.execute(f"CREATE TABLE staged AS {select}")
        else:
            con.execute(f"INSERT INTO staged {select}")
        n = con.execute("SELECT count(*) FROM typed").fetchall()[0][0]
    except (duckdb.InvalidInputException, duckdb.IOException, duckdb.ConversionException) as exc:
        raise unreadable(path, exc, src.fmt) from None
    con.execute("DROP TABLE typed")
    return int(n)


def _consistency(con: duckdb.DuckDBPyConnection, relation: str, where: str) -> str | None:
    """The first metric of `relation` that mixes money and counts, two units or two aggregations."""
    rows = con.execute(
        f"""SELECT metric, list(DISTINCT currency IS NOT NULL), list(DISTINCT unit) FILTER (WHERE unit IS NOT NULL),
                   list(DISTINCT aggregation) FILTER (WHERE aggregation IS NOT NULL)
            FROM {relation} WHERE {where} GROUP BY metric
            HAVING count(DISTINCT currency IS NOT NULL) > 1 OR count(DISTINCT unit) > 1
                OR count(DISTINCT aggregation) > 1
            ORDER BY metric LIMIT 1"""
    ).fetchall()
    if not rows:
        return None
    metric, money, units, aggs = rows[0]
    if len(money) > 1:
        return (
            f"metric {metric} has rows with a currency and rows without one (money and counts do not add up)"
        )
    if len(units) > 1:
        return f"metric {metric} is counted in several units ({', '.join(sorted(units))}); use one unit per metric"
    return f"metric {metric} is aggregated both as {' and as '.join(sorted(aggs))}; use one aggregation per metric"


def _overlaps(con: duckdb.DuckDBPyConnection) -> str | None:
    """Rows of one series (metric, source, customer, feature, team, plan, tags) whose periods of different lengths
    overlap: a monthly value and daily values inside it would count the same units twice."""
    rows = con.execute(
        """SELECT a.metric, a.period_start, a.period_end, a.grain, b.period_start, b.period_end, b.grain, a.x_SourceRow,
                  b.x_SourceRow
           FROM staged a JOIN staged b ON a.metric = b.metric AND a.source = b.source
                AND a.customer IS NOT DISTINCT FROM b.customer AND a.feature IS NOT DISTINCT FROM b.feature
                AND a.team IS NOT DISTINCT FROM b.team AND a.plan IS NOT DISTINCT FROM b.plan
                AND CAST(a.tags AS VARCHAR) IS NOT DISTINCT FROM CAST(b.tags AS VARCHAR)
                AND a.grain < b.grain AND a.period_start < b.period_end AND b.period_start < a.period_end
           ORDER BY a.x_SourceRow LIMIT 1"""
    ).fetchall()
    if not rows:
        return None
    metric, s1, e1, g1, s2, e2, g2, r1, r2 = rows[0]
    return (
        f"metric {metric} has a {g1} value for {s1} (row {r1}) inside the {g2} value from {s2} to "
        f"{e2 - dt.timedelta(days=1)} (row {r2}); give each series at one grain, or the units count twice"
    )


def import_metrics(
    store: Store,
    paths: Path | str | list[Path] | list[str],
    *,
    source: str | None = None,
    progress: Progress | None = None,
) -> MetricsImportResult:
    """Import one delivery of business metrics (one or more files, all or nothing) with restatement replacement."""
    files = [Path(p) for p in (paths if isinstance(paths, list) else [paths])]
    for p in files:
        if not p.is_file():
            raise ImportRejected(f"{p}: no such file; nothing was imported", file=str(p))
    shown = "; ".join(str(p) for p in files)
    source = (source or DEFAULT_SOURCE).strip() or DEFAULT_SOURCE
    started = dt.datetime.now(dt.UTC)
    if progress:
        progress("hashing", 0.05)
    digest = content_hash(files)
    store.ensure_schema()
    with staging_connection() as con:
        rows_read, warnings = 0, []
        for i, p in enumerate(files):
            if progress:
                progress(f"reading {p.name}", 0.1 + 0.5 * i / len(files))
            rows_read += _stage_file(con, p, source, first=i == 0, warnings=warnings)
        result = MetricsImportResult(
            import_id=None, source_file=shown, file_hash=digest, status="empty", rows_read=rows_read
        )
        result.warnings += warnings
        if rows_read == 0:
            result.warnings.append("the files have a header but no data rows; nothing was imported")
            return result
        problem = _consistency(con, "staged", "true") or _overlaps(con)
        if problem:
            raise reject(shown, problem)
        if progress:
            progress("writing to the store", 0.7)
        return _write(store, con, result, files, started)


def _write(
    store: Store,
    con: duckdb.DuckDBPyConnection,
    result: MetricsImportResult,
    files: list[Path],
    started: dt.datetime,
) -> MetricsImportResult:
    import_id = "imp_" + uuid.uuid4().hex[:12]
    with store.attached_writer(con) as db:
        con.execute(
            f"""CREATE TEMP TABLE replaced AS SELECT s.rowid AS rid, s.* FROM {db}.business_metrics s
                WHERE EXISTS (SELECT 1 FROM staged t WHERE t.metric = s.metric AND t.source = s.source
                              AND t.period_start < s.period_end AND s.period_start < t.period_end)"""
        )
        try:
            changed = con.execute(
                f"SELECT count(*) FROM ((SELECT {CONTENT} FROM staged EXCEPT ALL SELECT {CONTENT} FROM replaced) "
                f"UNION ALL (SELECT {CONTENT} FROM replaced EXCEPT ALL SELECT {CONTENT} FROM staged))"
            ).fetchall()[0][0]
            if not changed:
                result.status = "unchanged"
                result.warnings.append(
                    "the store already holds exactly these values (an earlier import of the same data); nothing "
                    "changed"
                )
                return result
            kept = f"(SELECT * FROM {db}.business_metrics WHERE rowid NOT IN (SELECT rid FROM replaced))"
            both = f"(SELECT metric, unit, currency, aggregation FROM {kept} UNION ALL SELECT metric, unit, currency, aggregation FROM staged)"
            problem = _consistency(con, both, "metric IN (SELECT metric FROM staged)")
            if problem:
                raise reject(result.source_file, problem + " (with what the store already holds)")
            currencies = billing_currencies(con, db)
            if currencies:
                missing = missing_rates(con, "staged", currencies[0], f"{db}.currency_rates")
                if missing:
                    err = missing_rate_error(missing, currencies[0])
                    raise ImportRejected(
                        f"{result.source_file}: {err.message}; nothing was imported", **err.details
                    )
            else:
                result.warnings.append(
                    "the store holds no costs yet, so money in other currencies is checked against the rates when "
                    "figures are computed"
                )
            replaced = con.execute(
                """SELECT r.metric, r.source, count(*) AS before,
                           (SELECT count(*) FROM staged t WHERE t.metric = r.metric AND t.source = r.source),
                           list(DISTINCT r.x_ImportId ORDER BY r.x_ImportId)
                    FROM replaced r GROUP BY r.metric, r.source ORDER BY r.metric, r.source"""
            ).fetchall()
            con.execute(f"DELETE FROM {db}.business_metrics WHERE rowid IN (SELECT rid FROM replaced)")
            con.execute(
                f"""INSERT INTO {db}.business_metrics (metric, period_start, period_end, grain, value, unit, currency,
                        aggregation, customer, feature, team, plan, tags, source, x_ImportId, x_SourceFile, x_SourceRow)
                    SELECT metric, period_start, period_end, grain, value, unit, currency, aggregation,
                           customer, feature, team, plan, tags, source, {literal(import_id)}, x_SourceFile, x_SourceRow
                    FROM staged"""
            )
            result.replaced = [
                Replaced(metric=m, source=s, rows_before=b, rows_after=a, imports=list(i))
                for m, s, b, a, i in replaced
            ]
            result.rows_replaced = sum(r.rows_before for r in result.replaced)
            result.rows_inserted = result.rows_read
            result.metrics = _summaries(con)
            result.import_id, result.status = import_id, "ok"
            message = (
                "; ".join(f"{r.metric} ({r.source}): {r.rows_before} rows replaced" for r in result.replaced)
                or None
            )
            record_import(
                con,
                db,
                import_id=import_id,
                kind=KIND,
                files=files,
                file_hash=result.file_hash,
                started=started,
                rows_read=result.rows_read,
                rows_inserted=result.rows_inserted,
                message=message,
                warnings=result.warnings,
            )
        finally:
            con.execute("DROP TABLE IF EXISTS replaced")
    return result


def _summaries(con: duckdb.DuckDBPyConnection) -> list[MetricSummary]:
    rows = con.execute(
        """SELECT metric, count(*), min(period_start), max(period_end), CAST(sum(value) AS VARCHAR), min(unit),
                  list(DISTINCT currency ORDER BY currency) FILTER (WHERE currency IS NOT NULL)
           FROM staged GROUP BY metric ORDER BY metric"""
    ).fetchall()
    return [
        MetricSummary(
            metric=m, rows=n, first_period=lo, last_period_end=hi, total=t, unit=u, currencies=list(c or [])
        )
        for m, n, lo, hi, t, u, c in rows
    ]
