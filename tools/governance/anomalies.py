"""Anomalies: unusual daily spend per series (provider, service, model, team, feature, customer), why it
happened, and what people said about it. The detection itself is in tools.governance.anomaly_detection; this module runs
it on a store, keeps anomalies with stable ids (so a scheduled re-run updates instead of duplicating), takes
feedback and exposes the operations (docs/governance.md).

Feedback: `acknowledge`, `resolve`, `reopen`, and the labels `expected` (a known cause; later anomalies of the
same series, direction, pattern and at most 1.5x the size are suppressed), `noise` (a false alarm; the same for
good) and `confirmed` (a real problem). Suppressed anomalies are still stored, with the label that hid them.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from contextlib import ExitStack
from decimal import Decimal
from typing import Any, Literal

import duckdb
import numpy as np
from pydantic import BaseModel, Field, create_model
from spendscope.data.errors import InvalidArgument, InvalidPeriod, NotFound, UnknownDimension
from spendscope.data.newest_day import newest_day_note
from spendscope.data.store import Store
from spendscope.tools.charts import chart_builder, line_chart
from spendscope.tools.costs.breakdown import Filter, filter_clause, filter_sql, within
from spendscope.tools.costs.dimensions import Source, dimension_sql, measure_sql, query_source
from spendscope.tools.costs.filter_label import scope_label
from spendscope.tools.governance.anomaly_detection import (
    MIN_IMPACT_FLOOR,
    MIN_IMPACT_SHARE,
    SEVERITIES,
    TELEMETRY_COLUMNS,
    Anomaly,
    DetectInput,
    RootCauseItem,
    SeriesSpec,
    _Incident,
    _incidents,
    _load_matrix,
    _ts,
    anomaly_id,
    explain,
    flag_days,
    group_events,
    resolve_series,
    severity_of,
)
from spendscope.tools.governance.calendar import build_calendar, default_country
from spendscope.tools.governance.charges import charge_incidents
from spendscope.tools.governance.root_cause import HISTORY_DAYS, drill_dims, root_cause, root_causes
from spendscope.tools.governance.scan_rows import scan_events, scan_source
from spendscope.tools.periods import data_end
from spendscope.tools.registry import operation

__all__ = [
    "Anomaly",
    "DetectInput",
    "RootCauseItem",
    "ScanInput",
    "detect_anomalies",
    "scan_anomalies",
    "detect_new_anomalies",
    "get_anomaly",
    "list_anomalies",
    "update_anomaly",
]

LOOKBACK_DAYS = 120  # history before the reported window: baseline warm-up plus anomalies that began earlier
STATUSES = ("open", "acknowledged", "expected", "resolved")
PATTERN_GROWTH = 1.5  # a label suppresses later anomalies up to this many times its own size
EXPECTED_WINDOW_DAYS = 30  # default life of an `expected` label with the `similar` pattern

Action = Literal["acknowledge", "resolve", "reopen", "expected", "noise", "confirmed"]
Pattern = Literal["once", "similar", "weekly", "monthly"]


class DetectResult(BaseModel):
    run_id: str | None = Field(description="None for a dry run")
    data_through: dt.date
    window_start: dt.date
    series_scanned: int
    dimensions: list[str]
    skipped_dimensions: dict[str, str] = Field(description="dimension -> why it was not scanned")
    anomalies: list[Anomaly] = Field(description="anomalies touching the window, largest impact first")
    new: int
    suppressed: int = Field(description="matched an `expected` or `noise` label")
    root_cause_skipped: int = Field(
        0, description="anomalies left without a root cause because the per-run limit was reached"
    )
    calendar: str | None = Field(None, description="holiday calendar used (country code, or none)")
    notes: list[str] = Field(default_factory=list)
    params: dict[str, object]


# ---------------------------------------------------------------------------------------- feedback


class _Pattern(BaseModel):
    feedback_id: str
    anomaly_id: str
    action: str
    reason: str | None
    dimension: str
    value: str
    direction: str
    pattern: str
    anchor_day: dt.date
    max_relative_pct: float | None
    max_impact: float | None
    valid_until: dt.date | None


def _patterns(con: duckdb.DuckDBPyConnection) -> list[_Pattern]:
    rows = con.execute(
        "SELECT feedback_id, anomaly_id, action, reason, dimension, value, direction, pattern, anchor_day, "
        "max_relative_pct, CAST(max_impact AS DOUBLE), valid_until FROM anomaly_feedback "
        "WHERE active AND action IN ('expected', 'noise') AND pattern <> 'once' ORDER BY created_at"
    ).fetchall()
    names = list(_Pattern.model_fields)
    return [_Pattern(**dict(zip(names, r, strict=True))) for r in rows]


def _last_day_of_month(d: dt.date) -> bool:
    return (d + dt.timedelta(days=1)).month != d.month


def _workday_of_month(d: dt.date) -> int:
    """1 for the first Monday-to-Friday day of the month, 2 for the second, ...; 0 on a weekend."""
    if d.weekday() >= 5:
        return 0
    first = d.replace(day=1)
    return sum(1 for k in range(d.day) if (first + dt.timedelta(days=k)).weekday() < 5)


def _same_month_position(d: dt.date, anchor: dt.date) -> bool:
    """Same day of month, same n-th working day (a job on the first working day moves with weekends), or both
    the last day of their month."""
    if d.day == anchor.day or (_last_day_of_month(d) and _last_day_of_month(anchor)):
        return True
    w = _workday_of_month(d)
    return w != 0 and w == _workday_of_month(anchor)


def matching_pattern(inc: _Incident, relative_pct: float | None, patterns: list[_Pattern]) -> _Pattern | None:
    """The first active label whose pattern covers this incident. Its size must be within the label's growth
    allowance in dollars or in percent (a fee of the same dollars is a different percentage of a changed
    base); a monthly label covers runs that start at the same month position or touch it."""
    for p in patterns:
        if (p.dimension, p.value.lower(), p.direction) != (
            inc.spec.dimension,
            inc.value.lower(),
            inc.direction,
        ):
            continue
        if inc.start <= p.anchor_day:
            continue
        if p.valid_until is not None and inc.start > p.valid_until:
            continue
        dollars_ok = p.max_impact is None or abs(inc.peak_impact) <= p.max_impact + 1e-9
        percent_ok = p.max_relative_pct is None or (
            relative_pct is not None and abs(relative_pct) <= p.max_relative_pct
        )
        if p.pattern == "monthly":
            if not (dollars_ok or percent_ok):
                continue
            if not any(_same_month_position(d, p.anchor_day) for d in inc.day_list[:3]):
                continue
            return p
        if not (dollars_ok and percent_ok):
            continue
        if p.pattern == "weekly" and any(d.weekday() != p.anchor_day.weekday() for d in inc.day_list):
            continue
        return p
    return None


# ------------------------------------------------------------------------------------------ storage

_COLUMNS = [
    "anomaly_id",
    "kind",
    "dimension",
    "value",
    "source",
    "measure",
    "direction",
    "start_day",
    "end_day",
    "peak_day",
    "peak_impact",
    "days",
    "actual",
    "expected",
    "impact",
    "relative_pct",
    "score",
    "severity",
    "root_cause",
    "explanation",
    "group_id",
    "status",
    "status_reason",
    "suppressed_by",
    "first_detected_at",
    "updated_at",
]
_SELECT = ", ".join(
    f"CAST({c} AS DOUBLE) AS {c}" if c in ("actual", "expected", "impact", "peak_impact") else c
    for c in _COLUMNS
)


def _row_to_anomaly(row: tuple) -> Anomaly:
    data = dict(zip(_COLUMNS, row, strict=True))
    rc = data.pop("root_cause")
    data["root_cause"] = [RootCauseItem(**x) for x in json.loads(rc)] if rc else None
    return Anomaly(**data)


def _stored(con: duckdb.DuckDBPyConnection, where: str = "true", params: list | None = None) -> list[Anomaly]:
    rows = con.execute(f"SELECT {_SELECT} FROM anomalies WHERE {where}", params or []).fetchall()
    return [_row_to_anomaly(r) for r in rows]


def _typical_day(
    con: duckdb.DuckDBPyConnection, column: str, through: dt.date, source: Source, filters: list[Filter]
) -> float:
    """The median day of the last four weeks within the scan's filters (so a row-scoped caller's threshold
    says nothing of the spend outside its rows)."""
    clauses, params = filter_sql(filters, con, source)
    where = "".join(f" AND {c}" for c in clauses)
    rows = con.execute(
        f"SELECT median(v) FROM (SELECT CAST(ChargePeriodStart AS DATE) AS d, SUM(CAST({column} AS DOUBLE)) AS v "
        f"FROM {source.relation} WHERE ChargePeriodStart >= ? AND ChargePeriodStart < ?{where} GROUP BY 1)",
        [_ts(through - dt.timedelta(days=27)), _ts(through + dt.timedelta(days=1)), *params],
    ).fetchall()
    return float(rows[0][0] or 0.0)


def _dec(x: float) -> Decimal:
    return Decimal(str(round(x, 6)))


# ------------------------------------------------------------------------------------------ operations


@operation("detect_anomalies", input_model=DetectInput, output_model=DetectResult, writes=True)
def detect_anomalies(store: Store, params: DetectInput) -> DetectResult:
    """Scan daily spend per provider, service, model, team, feature and customer for unusual days; store new
    anomalies (status open) with expected vs actual, dollar impact, severity and root cause."""
    column, token_type = measure_sql(params.measure)
    filters = list(params.filters)
    if token_type:
        filters.append(Filter(dimension="token_type", op="eq", values=[token_type]))
    now = dt.datetime.now(dt.UTC)
    with store.reader() as con, ExitStack() as work:
        last = data_end(con)
        if last is None:
            raise InvalidPeriod("the store holds no cost data yet; import some first")
        through = last if params.as_of is None else min(last, params.as_of - dt.timedelta(days=1))
        held_back = newest_day_note(con, last) if through == last else None
        if held_back:  # a day still accruing reads as a drop in every series (data.newest_day)
            through = last - dt.timedelta(days=1)
        first_day = con.execute("SELECT CAST(min(ChargePeriodStart) AS DATE) FROM costs").fetchall()[0][0]
        if through < first_day:
            raise InvalidPeriod(
                f"as_of {params.as_of} is before the first day of data ({first_day})",
                argument="as_of",
                value=str(params.as_of),
            )
        window_start = through - dt.timedelta(days=params.days - 1)
        start = window_start - dt.timedelta(days=LOOKBACK_DAYS)
        source = query_source(con)
        specs, skipped = resolve_series(con, params.dimensions, source)
        if params.filters:  # a scope filter names bill dimensions: telemetry series cannot honour it
            skipped.update(
                {
                    s.dimension: "comes from telemetry, which the scope filters do not apply to"
                    for s in specs
                    if s.source == "usage_events"
                }
            )
            specs = [s for s in specs if s.source == "costs"]
        start -= dt.timedelta(days=start.weekday())  # histories start on a Monday: no phase left to chance
        drill = drill_dims(con, source) if params.root_cause else []
        # every statement below reads the window's rows summed once (tools.governance.scan_rows); a root cause
        # models HISTORY_DAYS (Monday-aligned) before its anomaly's first day, which is at or after `start`
        scan = work.enter_context(
            scan_source(
                con,
                source,
                column,
                filters,
                start - dt.timedelta(days=HISTORY_DAYS + 7),
                through + dt.timedelta(days=1),
                [s.expr for s in specs if s.source == "costs"] + [expr for _, expr in drill],
            )
        )
        telemetry = any(s.source == "usage_events" for s in specs) or (
            params.root_cause and not params.filters and any(s.dimension in TELEMETRY_COLUMNS for s in specs)
        )
        events = work.enter_context(
            scan_events(
                con, start - dt.timedelta(days=HISTORY_DAYS + 7), through + dt.timedelta(days=1), telemetry
            )
        )
        keys, y = _load_matrix(
            con, specs, scan, column, filters, start, through + dt.timedelta(days=1), events=events
        )
        typical = _typical_day(con, column, through, scan, filters)
        if params.min_impact is None:
            params = params.model_copy(
                update={"min_impact": round(max(MIN_IMPACT_FLOOR, MIN_IMPACT_SHARE * typical), 2)}
            )
        country = params.holidays if params.holidays is not None else default_country(con)
        cal = build_calendar(start, (through - start).days + 1, country)
        incidents, explained = _incidents(keys, y, start, window_start, params, cal) if len(keys) else ([], 0)
        if any(s.dimension == "service" and s.source == "costs" for s in specs):
            incidents += charge_incidents(
                con, source, column, filters, window_start, through, params, params.min_impact or 0.0
            )
        patterns = _patterns(con)
        stored = {a.anomaly_id: a for a in _stored(con, "end_day >= ?", [start])}
        by_series: dict[tuple, list[Anomaly]] = {}
        for a in stored.values():
            by_series.setdefault(
                (a.source, a.dimension, a.value.lower(), a.direction, a.measure, a.kind), []
            ).append(a)
        found: list[tuple[Anomaly, _Incident]] = []
        suppressed = 0
        for inc in incidents:
            rel = (inc.actual - inc.expected) / inc.expected * 100 if inc.expected > 0 else None
            measure = params.measure if inc.spec.source == "costs" else "estimated_cost"
            key = (inc.spec.source, inc.spec.dimension, inc.value.lower(), inc.direction, measure, inc.kind)
            earlier = next(
                (
                    a
                    for a in by_series.get(key, [])
                    if a.start_day <= inc.end + dt.timedelta(days=2)
                    and a.end_day >= inc.start - dt.timedelta(days=2)
                ),
                None,
            )
            aid = (
                earlier.anomaly_id
                if earlier
                else anomaly_id(
                    inc.spec.source,
                    inc.spec.dimension,
                    inc.value,
                    inc.direction,
                    inc.start,
                    measure,
                    inc.kind,
                )
            )
            a = Anomaly(
                anomaly_id=aid,
                kind=inc.kind,
                dimension=inc.spec.dimension,
                value=inc.value,
                source=inc.spec.source,
                measure=measure,
                direction=inc.direction,
                start_day=min(inc.start, earlier.start_day) if earlier else inc.start,
                end_day=inc.end,
                peak_day=inc.peak,
                peak_impact=round(inc.peak_impact, 6),
                days=len(inc.day_list),
                actual=round(inc.actual, 6),
                expected=round(inc.expected, 6),
                impact=round(inc.actual - inc.expected, 6),
                relative_pct=round(rel, 2) if rel is not None else None,
                score=round(inc.score, 2),
                severity=severity_of(inc.actual - inc.expected, rel, typical),
                explanation="",
                first_detected_at=earlier.first_detected_at if earlier else now,
                updated_at=now,
                new=earlier is None,
            )
            if earlier:
                a.status, a.status_reason, a.suppressed_by = (
                    earlier.status,
                    earlier.status_reason,
                    earlier.suppressed_by,
                )
                a.root_cause = earlier.root_cause
                if (
                    earlier.status == "resolved"
                    and inc.end > earlier.end_day
                    and earlier.suppressed_by is None
                ):
                    a.status, a.status_reason = "open", f"continued after it was resolved (through {inc.end})"
            else:
                match = matching_pattern(inc, rel, patterns)
                if match is not None:
                    suppressed += 1
                    a.status = "expected" if match.action == "expected" else "resolved"
                    a.suppressed_by = match.feedback_id
                    a.status_reason = f"matches the {match.action} label on {match.anomaly_id}" + (
                        f": {match.reason}" if match.reason else ""
                    )
            changed = earlier is None or (earlier.end_day, round(earlier.impact, 2)) != (
                a.end_day,
                round(a.impact, 2),
            )
            if params.root_cause and (changed or a.root_cause is None):
                a.root_cause = None  # recomputed below for the largest ones
            found.append((a, inc))
        found.sort(key=lambda t: -abs(t[0].impact))
        wanted = [(a, inc.day_list) for a, inc in found if params.root_cause and a.root_cause is None]
        skipped_rc = max(0, len(wanted) - params.root_cause_limit)
        wanted = wanted[: params.root_cause_limit]  # the largest ones; modelled together
        for (a, _), causes in zip(
            wanted, root_causes(con, wanted, scan, drill, cal.name, params.filters, events), strict=True
        ):
            a.root_cause = causes
        for a, _ in found:
            a.explanation = explain(a)
    anomalies = [a for a, _ in found]
    group_events(anomalies)
    notes = [f"holidays: {cal.name}" if len(keys) else "no series to scan"]
    if held_back:
        notes.append(
            f"{held_back}; left out of the scan until a newer day arrives (a day quiet for every series, such as "
            "a holiday, looks the same and is judged then)"
        )
    if explained:
        notes.append(
            f"{explained} unusual-looking series-days in the window were explained by the calendar (public "
            "holidays, bridge days, month-position patterns seen in earlier months) and not reported"
        )
    if skipped_rc:
        notes.append(
            f"root cause worked out for the {params.root_cause_limit} largest anomalies only (the limit per run, "
            "root_cause_limit); "
            f"{skipped_rc} have none yet: `spendscope anomalies show ID` works it out"
        )
    run_id = None
    if not params.dry_run:
        run_id = "run-" + uuid.uuid4().hex[:10]
        _save(store, anomalies, run_id, now, through, window_start, len(keys), params)
    return DetectResult(
        run_id=run_id,
        data_through=through,
        window_start=window_start,
        series_scanned=len(keys),
        dimensions=[s.dimension for s in specs],
        skipped_dimensions=skipped,
        anomalies=anomalies,
        new=sum(a.new for a in anomalies),
        suppressed=suppressed,
        root_cause_skipped=skipped_rc,
        calendar=cal.name if len(keys) else None,
        notes=notes,
        params=params.model_dump(mode="json", exclude={"dry_run"}),
    )


ScanInput = create_model(  # DetectInput without dry_run: a scan never stores
    "ScanInput",
    __doc__="What to scan: the arguments of detect_anomalies, which a scan never stores.",
    **{name: (f.annotation, f) for name, f in DetectInput.model_fields.items() if name != "dry_run"},  # type: ignore[call-overload]
)


@operation("scan_anomalies", input_model=ScanInput, output_model=DetectResult)
def scan_anomalies(store: Store, params: BaseModel) -> DetectResult:
    """Read-only anomaly scan: the same detection as detect_anomalies (series, expected vs actual, impact,
    severity, root cause, feedback labels applied), stored nowhere. Takes `filters`, so row-scoped callers
    and remote MCP clients without write permission can use it."""
    return detect_anomalies(store, DetectInput(**params.model_dump(), dry_run=True))


def _save(
    store: Store,
    anomalies: list[Anomaly],
    run_id: str,
    now: dt.datetime,
    through: dt.date,
    window_start: dt.date,
    scanned: int,
    params: DetectInput,
) -> None:
    rows = []
    for a in anomalies:
        rc = json.dumps([x.model_dump() for x in a.root_cause]) if a.root_cause is not None else None
        rows.append(
            [
                a.anomaly_id,
                a.kind,
                a.dimension,
                a.value,
                a.source,
                a.measure,
                a.direction,
                a.start_day,
                a.end_day,
                a.peak_day,
                _dec(a.peak_impact),
                a.days,
                _dec(a.actual),
                _dec(a.expected),
                _dec(a.impact),
                a.relative_pct,
                a.score,
                a.severity,
                rc,
                a.explanation,
                a.group_id,
                a.status,
                a.status_reason,
                a.suppressed_by,
                a.first_detected_at,
                a.updated_at,
                run_id,
            ]
        )
    cols = [*_COLUMNS, "run_id"]
    keep = ("anomaly_id", "first_detected_at")
    update = ", ".join(f"{c} = excluded.{c}" for c in cols if c not in keep)
    one = "(" + ", ".join("?" for _ in cols) + ")"
    with store.writer() as con:
        for i in range(0, len(rows), 500):  # multi-row VALUES: one statement per 500 anomalies
            chunk = rows[i : i + 500]
            con.execute(
                f"INSERT INTO anomalies ({', '.join(cols)}) VALUES {', '.join(one for _ in chunk)} "
                f"ON CONFLICT (anomaly_id) DO UPDATE SET {update}",
                [v for r in chunk for v in r],
            )
        con.execute(
            "INSERT INTO _anomaly_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                run_id,
                now,
                dt.datetime.now(dt.UTC),
                through,
                window_start,
                scanned,
                len(anomalies),
                sum(a.new for a in anomalies),
                json.dumps(params.model_dump(mode="json")),
            ],
        )


WITHIN_FILTERS = (
    "only anomalies whose series lies within these filters (an anomaly of team=search lies within team=search; "
    "one of model=gpt-4o does not)"
)


class ListAnomaliesInput(BaseModel):
    status: list[Literal["open", "acknowledged", "expected", "resolved"]] | None = Field(
        None, description="statuses to list (default: all)"
    )
    dimension: str | None = Field(None, description="only anomalies of this dimension, e.g. team or model")
    value: str | None = Field(None, description="only anomalies of this value of the dimension, e.g. search")
    since: dt.date | None = Field(None, description="anomalies that end on or after this day")
    severity: Literal["low", "medium", "high", "critical"] | None = Field(
        None, description="at least this severe"
    )
    limit: int = Field(100, ge=1, le=10_000, description="maximum number of anomalies returned")
    filters: list[Filter] = Field(default_factory=list, description=WITHIN_FILTERS)


class AnomalyList(BaseModel):
    anomalies: list[Anomaly]
    total: int = Field(description="matching anomalies before the limit")
    note: str | None = Field(
        None,
        description="why the list is empty, when it is: no scan stored yet, or none matching the filters",
    )


def _check_series_names(con: duckdb.DuckDBPyConnection, params: ListAnomaliesInput) -> None:
    """The dimension and value a listing names must be ones the store knows (a stored anomaly's series, a cost
    dimension's values, a telemetry column's), else an error with the closest: a misspelling would otherwise
    read as "no anomalies". Values are looked up within `filters` (a scoped caller's included), so the
    suggestions name nothing outside them."""
    from spendscope.tools.names import closest_or_error  # names imports the cost queries

    if params.value and not params.dimension:  # a value alone could be a team, a model or a feature
        raise InvalidArgument(
            f"value {params.value!r} needs its dimension (dimension: team, model, ...; CLI --dimension): "
            "unchecked, a misspelling would read as no anomalies",
            argument="value",
            value=params.value,
        )
    if not params.dimension:
        return
    dim = params.dimension.strip().lower()
    where, args = ["dimension = ?"], [dim]
    for f in params.filters:
        clause, bound = filter_clause(f, "value")
        where.append(f"(dimension = ? AND {clause})")
        args += [f.dimension.strip().lower(), *bound]
    known = {
        r[0]
        for r in con.execute(
            f"SELECT DISTINCT value FROM anomalies WHERE {' AND '.join(where)} AND value IS NOT NULL", args
        ).fetchall()
    }
    stored_dimension = bool(
        con.execute("SELECT 1 FROM anomalies WHERE dimension = ? LIMIT 1", [dim]).fetchall()
    )
    source = query_source(con)
    try:
        expr = dimension_sql(dim, con, source)
    except UnknownDimension:
        if not stored_dimension and dim not in TELEMETRY_COLUMNS:
            raise
        expr = None
    if not params.value or params.value.strip().lower() in {k.lower() for k in known}:
        return
    if expr is not None:
        clauses, fparams = filter_sql(params.filters, con, source)
        rows = con.execute(
            f"SELECT DISTINCT CAST({expr} AS VARCHAR) AS v FROM {source.relation} "
            f"WHERE v IS NOT NULL{''.join(f' AND {c}' for c in clauses)}",
            fparams,
        ).fetchall()
        known |= {r[0] for r in rows}
    if dim in TELEMETRY_COLUMNS and not params.filters:
        column = TELEMETRY_COLUMNS[dim]
        rows = con.execute(
            f"SELECT DISTINCT {column} FROM usage_events WHERE {column} IS NOT NULL"
        ).fetchall()
        known |= {str(r[0]) for r in rows}
    if params.value.strip().lower() not in {k.lower() for k in known}:
        closest_or_error(dim, params.value, sorted(known), "", argument="value")


@operation("list_anomalies", input_model=ListAnomaliesInput, output_model=AnomalyList)
def list_anomalies(store: Store, params: ListAnomaliesInput) -> AnomalyList:
    """Stored anomalies, newest first, filtered by status, series, date and severity."""
    where, args = ["true"], []
    if params.status:
        where.append(f"status IN ({', '.join('?' for _ in params.status)})")
        args += list(params.status)
    if params.dimension:
        where.append("dimension = ?")
        args.append(params.dimension.lower())
    if params.value:
        where.append("lower(value) = ?")
        args.append(params.value.lower())
    if params.since:
        where.append("end_day >= ?")
        args.append(params.since)
    if params.severity:
        allowed = list(SEVERITIES[SEVERITIES.index(params.severity) :])
        where.append(f"severity IN ({', '.join('?' for _ in allowed)})")
        args += allowed
    for f in params.filters:  # the anomaly's series lies within the filter: its dimension, a value it accepts
        clause, bound = filter_clause(f, "value")
        where.append(f"(dimension = ? AND {clause})")
        args += [f.dimension.strip().lower(), *bound]
    with store.reader() as con:
        _check_series_names(con, params)
        total = con.execute(f"SELECT count(*) FROM anomalies WHERE {' AND '.join(where)}", args).fetchall()[
            0
        ][0]
        items = _stored(
            con,
            " AND ".join(where) + " ORDER BY end_day DESC, abs(impact) DESC, anomaly_id LIMIT ?",
            [*args, params.limit],
        )
        note = None if total else _empty_note(con, params)
    return AnomalyList(anomalies=items, total=total, note=note)


def _empty_note(con: duckdb.DuckDBPyConnection, params: ListAnomaliesInput) -> str:
    """Why a listing is empty: no scan was ever stored (an empty list would read as "nothing unusual"), or none
    of the stored anomalies matches (counts outside a caller's filters are not told)."""
    last = con.execute(
        "SELECT max(data_through) FROM _anomaly_runs WHERE finished_at IS NOT NULL"
    ).fetchall()[0][0]
    if last is None:
        return (
            "no anomaly scan is stored yet: `spendscope anomalies detect` (detect_anomalies) scans daily spend "
            "and stores the unusual days it finds"
        )
    asked = [
        f"{name} {value}"
        for name, value in (
            ("status", ", ".join(params.status or [])),
            ("series", f"{params.dimension}={params.value}" if params.value else params.dimension),
            ("ending on or after", params.since),
            ("severity at least", params.severity),
        )
        if value
    ]
    if params.filters:
        asked.append(scope_label(params.filters))
    matching = f" matching {'; '.join(asked)}" if asked else ""
    return (
        f"no stored anomaly{matching}; the last stored scan covered cost data through {last} "
        "(`spendscope anomalies detect` scans newer days)"
    )


class AnomalyIdInput(BaseModel):
    anomaly_id: str = Field(description="id as shown by detect or list, e.g. an-3f2a9c1b")
    filters: list[Filter] = Field(default_factory=list, description=WITHIN_FILTERS)


class FeedbackEntry(BaseModel):
    feedback_id: str
    action: str
    status: str
    reason: str | None
    actor: str | None
    created_at: dt.datetime
    pattern: str | None
    valid_until: dt.date | None
    active: bool


class SeriesPoint(BaseModel):
    day: dt.date
    actual: float
    expected: float | None
    unusual: bool


class AnomalyDetail(BaseModel):
    anomaly: Anomaly
    feedback: list[FeedbackEntry]
    series: list[SeriesPoint] = Field(description="the series around the anomaly, with the baseline")


def _get(con: duckdb.DuckDBPyConnection, anomaly_id: str) -> Anomaly:
    found = _stored(con, "anomaly_id = ?", [anomaly_id.strip()])
    if not found:
        close = [
            r[0]
            for r in con.execute(
                "SELECT anomaly_id FROM anomalies WHERE starts_with(anomaly_id, ?) ORDER BY end_day DESC LIMIT 3",
                [anomaly_id.strip()[:5]],
            ).fetchall()
        ]
        raise NotFound(
            f"no anomaly {anomaly_id!r}"
            + (
                f"; did you mean {', '.join(close)}?"
                if close
                else "; list them with `spendscope anomalies list`"
            ),
            argument="anomaly_id",
            value=anomaly_id,
        )
    return found[0]


@operation("get_anomaly", input_model=AnomalyIdInput, output_model=AnomalyDetail, chart=True)
def get_anomaly(store: Store, params: AnomalyIdInput) -> AnomalyDetail:
    """One anomaly with its root cause, the feedback it received, and its series against the baseline."""
    with store.reader() as con:
        a = _get(con, params.anomaly_id)
        if not within([Filter(dimension=a.dimension, values=[a.value])], params.filters):
            raise NotFound(
                f"no anomaly {params.anomaly_id!r} among those within {', '.join(f.text() for f in params.filters)}",
                argument="anomaly_id",
            )
        source = query_source(con)
        lo = a.start_day - dt.timedelta(days=LOOKBACK_DAYS)
        lo -= dt.timedelta(days=lo.weekday())
        hi = min(a.end_day + dt.timedelta(days=14), data_end(con) or a.end_day)
        spec = SeriesSpec(
            dimension=a.dimension,
            source=a.source,
            expr=dimension_sql(a.dimension, con, source)
            if a.source == "costs"
            else TELEMETRY_COLUMNS[a.dimension],
        )
        column = measure_sql(a.measure)[0] if a.source == "costs" else "estimated_cost"
        scope = [Filter(dimension=a.dimension, op="eq", values=[a.value])] if a.source == "costs" else []
        keys, y = _load_matrix(
            con,
            [spec],
            source,
            column,
            scope,
            lo,
            hi + dt.timedelta(days=1),
            usage_only=a.kind != "recurring_charge",
        )
        series: list[SeriesPoint] = []
        row = next((i for i, (_, v) in enumerate(keys) if v.lower() == a.value.lower()), None)
        if row is not None:
            cal = build_calendar(lo, y.shape[1], default_country(con))
            base = flag_days(y[row : row + 1], DetectInput(), cal)
            first = max(0, (a.start_day - lo).days - 28)
            for i in range(first, y.shape[1]):
                day = lo + dt.timedelta(days=i)
                if np.isnan(y[row, i]):
                    continue
                e = base.expected[0, i]
                series.append(
                    SeriesPoint(
                        day=day,
                        actual=round(float(y[row, i]), 6),
                        expected=None if np.isnan(e) else round(float(e), 6),
                        unusual=a.start_day <= day <= a.end_day,
                    )
                )
        if a.root_cause is None:
            days = [p.day for p in series if p.unusual] or [a.peak_day]
            a.root_cause = root_cause(con, a, days, source, country=default_country(con))
            a.explanation = explain(a)
        fb = con.execute(
            "SELECT feedback_id, action, status, reason, actor, created_at, pattern, valid_until, active "
            "FROM anomaly_feedback WHERE anomaly_id = ? ORDER BY created_at",
            [a.anomaly_id],
        ).fetchall()
    names = list(FeedbackEntry.model_fields)
    return AnomalyDetail(
        anomaly=a, feedback=[FeedbackEntry(**dict(zip(names, r, strict=True))) for r in fb], series=series
    )


class UpdateAnomalyInput(BaseModel):
    anomaly_id: str = Field(description="id as shown by detect or list, e.g. an-3f2a9c1b")
    action: Action = Field(
        description="acknowledge, resolve, reopen, or a label: expected (known cause), noise "
        "(false alarm), confirmed (a real problem)"
    )
    reason: str | None = Field(None, description="why; kept with the feedback")
    actor: str | None = Field(None, description="who gave the feedback")
    pattern: Pattern | None = Field(
        None,
        description="for expected/noise: what later anomalies the label "
        "suppresses: once (none), similar (default), weekly, monthly",
    )
    until: dt.date | None = Field(
        None,
        description="the label suppresses nothing after this day "
        f"(expected + similar: default end day + {EXPECTED_WINDOW_DAYS} days)",
    )


_NEXT_STATUS = {
    "acknowledge": "acknowledged",
    "resolve": "resolved",
    "reopen": "open",
    "expected": "expected",
    "noise": "resolved",
    "confirmed": "acknowledged",
}


@operation("update_anomaly", input_model=UpdateAnomalyInput, output_model=Anomaly, writes=True)
def update_anomaly(store: Store, params: UpdateAnomalyInput) -> Anomaly:
    """Acknowledge, resolve or reopen an anomaly, or label it expected / noise / confirmed. Expected and noise
    labels teach the detector: later anomalies of the same pattern are suppressed."""
    if params.action in ("expected", "noise"):
        pattern = params.pattern or "similar"
    elif params.pattern is not None or params.until is not None:
        raise InvalidArgument(
            f"pattern and until apply to the expected and noise labels, not {params.action}",
            argument="pattern",
        )
    else:
        pattern = None
    now = dt.datetime.now(dt.UTC)
    status = _NEXT_STATUS[params.action]
    fid = "fb-" + uuid.uuid4().hex[:10]
    with store.writer() as con:
        a = _get(con, params.anomaly_id)
        until = params.until
        if until is not None and until < a.end_day:
            raise InvalidArgument(
                f"until {until} is before the anomaly's last day {a.end_day}", argument="until"
            )
        if pattern == "similar" and until is None and params.action == "expected":
            until = a.end_day + dt.timedelta(days=EXPECTED_WINDOW_DAYS)
        peak_daily = abs(a.peak_impact)
        if params.action == "reopen":
            con.execute("UPDATE anomaly_feedback SET active = false WHERE anomaly_id = ?", [a.anomaly_id])
            con.execute("UPDATE anomalies SET suppressed_by = NULL WHERE anomaly_id = ?", [a.anomaly_id])
        con.execute(
            "INSERT INTO anomaly_feedback (feedback_id, anomaly_id, action, status, reason, actor, created_at, "
            "dimension, value, direction, pattern, anchor_day, max_relative_pct, max_impact, valid_until, active) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                fid,
                a.anomaly_id,
                params.action,
                status,
                params.reason,
                params.actor,
                now,
                a.dimension if pattern else None,
                a.value if pattern else None,
                a.direction if pattern else None,
                pattern,
                a.start_day if pattern else None,
                abs(a.relative_pct) * PATTERN_GROWTH if pattern and a.relative_pct is not None else None,
                _dec(peak_daily * PATTERN_GROWTH) if pattern else None,
                until if pattern else None,
                params.action != "reopen",
            ],
        )
        reason = (
            params.reason
            or {
                "acknowledge": "acknowledged",
                "resolve": "resolved",
                "reopen": "reopened",
                "expected": "labelled expected",
                "noise": "labelled noise (false alarm)",
                "confirmed": "confirmed as a real problem",
            }[params.action]
        )
        con.execute(
            "UPDATE anomalies SET status = ?, status_reason = ?, updated_at = ? WHERE anomaly_id = ?",
            [status, reason, now, a.anomaly_id],
        )
        return _stored(con, "anomaly_id = ?", [a.anomaly_id])[0]


# ------------------------------------------------------------------------------- for the triage router


def detect_new_anomalies(
    store: Store, params: DetectInput | None = None, consumer: str = "triage"
) -> list[Anomaly]:
    """Detect (and store), then hand `consumer` the open anomalies of the scanned window it has not been given
    yet, or whose severity rose since it was. Safe to call on a schedule: a second call with no new data
    returns []; two concurrent callers never get the same anomaly twice (one write transaction hands out)."""
    params = params or DetectInput()
    if params.dry_run:
        raise InvalidArgument(
            "detect_new_anomalies stores what it hands out; dry_run is not allowed", argument="dry_run"
        )
    result = detect_anomalies(store, params)
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    now = dt.datetime.now(dt.UTC)
    with store.writer() as con:
        fresh = _stored(con, "status = 'open' AND end_day >= ?", [result.window_start])
        given = dict(
            con.execute(
                "SELECT anomaly_id, severity FROM _anomaly_deliveries WHERE consumer = ?", [consumer]
            ).fetchall()
        )
        out = [a for a in fresh if a.anomaly_id not in given or rank[a.severity] > rank[given[a.anomaly_id]]]
        if out:
            con.executemany(
                "INSERT INTO _anomaly_deliveries VALUES (?, ?, ?, ?) ON CONFLICT (consumer, anomaly_id) "
                "DO UPDATE SET severity = excluded.severity, delivered_at = excluded.delivered_at",
                [[consumer, a.anomaly_id, a.severity, now] for a in out],
            )
    for a in out:
        a.new = a.anomaly_id not in given
    out.sort(key=lambda a: (-rank[a.severity], -abs(a.impact)))
    return out


@chart_builder("AnomalyDetail")
def anomaly_chart(d: AnomalyDetail) -> dict[str, Any] | None:
    """The series against its baseline, the unusual days marked."""
    if not d.series:
        return None
    a = d.anomaly
    values: list[dict[str, Any]] = []
    for p in d.series:
        values.append({"day": p.day.isoformat(), "series": "actual", "value": p.actual})
        if p.expected is not None:
            values.append({"day": p.day.isoformat(), "series": "expected", "value": p.expected})
    spec = line_chart(
        values,
        x="day",
        y="value",
        color="series",
        y_title=a.measure,
        title=f"{a.dimension} {a.value}: {a.direction} {a.start_day} to {a.end_day} ({a.anomaly_id})",
    )
    marks = [{"day": p.day.isoformat(), "value": p.actual} for p in d.series if p.unusual]
    line = {k: spec.pop(k) for k in ("mark", "encoding")}
    spec["layer"] = [
        line,
        {
            "data": {"values": marks},
            "mark": {"type": "point", "color": "#d62728", "size": 90, "filled": True},
            "encoding": {
                "x": {"field": "day", "type": "temporal"},
                "y": {"field": "value", "type": "quantitative"},
            },
        },
    ]
    return spec
