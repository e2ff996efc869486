"""Detecting unusual daily spend: which series there are, the robust day flags, anomalies formed from runs of
flagged days, their severity, event groups and root cause. tools.governance.anomalies stores them, takes feedback and
exposes the operations; docs/governance.md describes the method.

Every series' daily spend (usage rows only) is compared with the model of a normal day in
tools.governance.anomaly_model (level, calendar weekday, holidays, noise scale, weekly test, event masking, month
positions). A day is unusual when its robust z-score, its dollar deviation and its relative deviation all pass
their thresholds; unusual days of one series and direction form one anomaly. New series are anomalies of their
own kind; recurring charges are scanned in tools.governance.charges; the root cause is in
tools.governance.root_cause.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Literal

import duckdb
import numpy as np
from pydantic import BaseModel, Field
from spendscope.data.errors import InvalidArgument, UnknownDimension
from spendscope.tools.costs.breakdown import Filter, filter_sql
from spendscope.tools.costs.dimensions import Source, dimension_sql, is_calendar
from spendscope.tools.governance.anomaly_model import DayScores, Gate, score_days
from spendscope.tools.governance.calendar import Calendar
from spendscope.tools.money_text import money

DEFAULT_DIMENSIONS = ["provider", "service", "model", "team", "feature", "customer"]
TELEMETRY_COLUMNS = {
    "team": "team",
    "feature": "feature",
    "customer": "customer",
    "model": "model",
    "provider": "provider",
    "env": "env",
    "operation": "operation",
}
DRILL_BUILTINS = ["provider", "service", "model", "sub_account", "region", "token_type", "charge_category"]
TELEMETRY_DRILL = ["customer", "feature", "team", "model", "operation", "env"]
MASK_DAYS = 21  # an unusual run is kept out of the baseline for this long; longer ones become the new normal
MIN_IMPACT_FLOOR = 25.0  # dollars a day: the smallest default materiality
MIN_IMPACT_SHARE = 0.01  # default materiality: 1% of a typical day's total spend
DEFAULT_Z = 4.0  # robust z-score of a day (or of a week's total) to call it unusual
DEFAULT_MIN_RELATIVE_PCT = 20.0
SEVERITIES = ("low", "medium", "high", "critical")
NONE_VALUE = "(none)"

Direction = Literal["spike", "drop"]
Kind = Literal["unusual", "new", "recurring_charge"]
NEW_AFTER_DAYS = (
    28  # a series is new when the loaded history before its first day holds at least this many days
)
# Rows of the usage series: recurring fees, purchases, credits, taxes and one-time charges are scanned apart
USAGE_ROWS = (
    "coalesce(ChargeCategory, 'Usage') NOT IN ('Purchase', 'Credit', 'Tax', 'Adjustment') "
    "AND coalesce(ChargeFrequency, 'Usage-Based') NOT IN ('Recurring', 'One-Time')"
)

# ------------------------------------------------------------------------------------------ models


class RootCauseItem(BaseModel):
    dimension: str
    value: str
    source: Literal["costs", "usage_events"]
    actual: float
    expected: float
    impact: float = Field(description="actual - expected on the anomalous days")
    share_pct: float | None = Field(description="share of the whole change in this dimension, percent")
    usual_share_pct: float | None = Field(
        None,
        description="its share of the expected spend, percent: a "
        "driver carries much more of the change than of the usual spend",
    )
    unchanged: bool = Field(
        False,
        description="the value moved with everything else (its share of the change is within 20 points of "
        "its usual share, e.g. the only provider of a feature): listed, never ranked first",
    )


class Anomaly(BaseModel):
    anomaly_id: str
    kind: Kind = Field(
        "unusual",
        description="unusual (days off the expected pattern), new (a series that appeared and spends), "
        "recurring_charge (a monthly fee, purchase or credit that changed against the month before)",
    )
    dimension: str
    value: str
    source: Literal["costs", "usage_events"]
    measure: str
    direction: Direction
    start_day: dt.date
    end_day: dt.date = Field(description="last unusual day (inclusive)")
    peak_day: dt.date
    peak_impact: float = Field(description="actual - expected on the peak day")
    days: int
    actual: float
    expected: float
    impact: float = Field(description="actual - expected, dollars (negative for a drop)")
    relative_pct: float | None
    score: float = Field(description="peak robust z-score")
    severity: Literal["low", "medium", "high", "critical"]
    root_cause: list[RootCauseItem] | None = None
    explanation: str
    group_id: str | None = Field(
        None,
        description="anomalies that are one event seen in several series share "
        "it: the id of the member with the largest impact",
    )
    status: Literal["open", "acknowledged", "expected", "resolved"] = "open"
    status_reason: str | None = None
    suppressed_by: str | None = None
    first_detected_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    new: bool = Field(False, description="first seen by this run (detect results only)")


class DetectInput(BaseModel):
    dimensions: list[str] = Field(
        default_factory=lambda: list(DEFAULT_DIMENSIONS),
        description="series to scan: provider, service, model, team, feature, customer, "
        "or any other dimension",
    )
    days: int = Field(14, ge=1, le=366, description="report anomalies touching the last N days of data")
    as_of: dt.date | None = Field(None, description="scan data before this day only (default: all data)")
    measure: str = Field("cost", description="cost (EffectiveCost), billed_cost, list_cost, ...")
    filters: list[Filter] = Field(default_factory=list, description="only scan spend in this scope")
    min_impact: float | None = Field(
        None,
        ge=0,
        description="minimum deviation of a day, in the billing currency; default 1% of "
        f"a typical day's spend within the filters, at least {MIN_IMPACT_FLOOR:g}",
    )
    min_relative_pct: float = Field(
        DEFAULT_MIN_RELATIVE_PCT, ge=0, description="minimum deviation of a day, percent of expected"
    )
    z: float = Field(DEFAULT_Z, gt=0, description="minimum robust z-score (deviation / robust scale)")
    direction: Literal["both", "spike", "drop"] = Field("both", description="report spikes, drops or both")
    dry_run: bool = Field(False, description="detect and return without storing")
    root_cause: bool = Field(True, description="work out the root cause of new and changed anomalies")
    root_cause_limit: int = Field(
        50, ge=0, le=10_000, description="root causes worked out per run, largest anomalies first"
    )
    holidays: str | None = Field(
        None,
        description="public-holiday calendar: a country code with an optional subdivision (US, US-CA, DE-BY, "
        "GB, JP) or none; default: the country of the store's main billing currency (USD: US, EUR: DE, GBP: GB)",
    )


# -------------------------------------------------------------------------------------- series data


class SeriesSpec(BaseModel):
    dimension: str
    source: Literal["costs", "usage_events"]
    expr: str  # SQL from the allow-list (tools.costs.dimensions) or a usage_events column name from TELEMETRY_COLUMNS


def _ts(d: dt.date) -> dt.datetime:
    return dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC)


def _telemetry_has(con: duckdb.DuckDBPyConnection, column: str) -> bool:
    return bool(con.execute(f"SELECT 1 FROM usage_events WHERE {column} IS NOT NULL LIMIT 1").fetchall())


def resolve_series(
    con: duckdb.DuckDBPyConnection, dims: list[str], source: Source
) -> tuple[list[SeriesSpec], dict[str, str]]:
    """Where each dimension's series comes from: the bill (built-in, virtual tag or provider tag), else
    telemetry (usage_events). Dimensions found in neither are skipped with the reason."""
    specs: list[SeriesSpec] = []
    skipped: dict[str, str] = {}
    for dim in dims:
        name = dim.strip().lower()
        if name in ("day", "week", "month"):
            raise InvalidArgument(f"{dim!r} is a time grain, not a series dimension", argument="dimensions")
        if is_calendar(name):
            raise InvalidArgument(
                f"{dim!r} is a calendar dimension (each series would hold one day a week): not a series "
                "dimension; anomalies are found per day within a series (team, model, ...), and query_costs "
                f"--by {name} compares the days of the week",
                argument="dimensions",
            )
        try:
            specs.append(SeriesSpec(dimension=name, source="costs", expr=dimension_sql(name, con, source)))
            continue
        except UnknownDimension:
            if name not in TELEMETRY_COLUMNS and name not in DEFAULT_DIMENSIONS:
                raise
        column = TELEMETRY_COLUMNS.get(name)
        if column and _telemetry_has(con, column):
            specs.append(SeriesSpec(dimension=name, source="usage_events", expr=column))
        else:
            skipped[name] = "no virtual tag, provider tag or telemetry field of that name holds values"
    return specs, skipped


def _load_matrix(
    con: duckdb.DuckDBPyConnection,
    specs: list[SeriesSpec],
    source: Source,
    column: str,
    filters: list[Filter],
    start: dt.date,
    end: dt.date,
    usage_only: bool = True,
    events: str = "usage_events",
) -> tuple[list[tuple[SeriesSpec, str]], np.ndarray]:
    """Daily totals of every series as a matrix (rows: series, columns: days from `start` to `end` exclusive),
    NaN before a series' first day. One grouped scan per source (`events`: the relation of the telemetry
    series), aggregated in the database."""
    n_days = (end - start).days
    keys: list[tuple[SeriesSpec, str]] = []
    blocks: list[np.ndarray] = []
    cost_specs = [s for s in specs if s.source == "costs"]
    tele_specs = [s for s in specs if s.source == "usage_events"]
    queries = []
    if cost_specs:
        clauses, params = filter_sql(filters, con, source)
        where = " AND ".join(
            [
                "ChargePeriodStart >= ?",
                "ChargePeriodStart < ?",
                *clauses,
                *([USAGE_ROWS] if usage_only else []),
            ]
        )
        sets = ", ".join(f"(day, g{i})" for i in range(len(cost_specs)))
        grouping = ", ".join(f"g{i}" for i in range(len(cost_specs)))
        inner = ", ".join(f"CAST({s.expr} AS VARCHAR) AS g{i}" for i, s in enumerate(cost_specs))
        sql = f"""
            WITH base AS (
                SELECT CAST(ChargePeriodStart AS DATE) AS day, {inner}, CAST({column} AS DOUBLE) AS v
                FROM {source.relation} WHERE {where}
            )
            SELECT GROUPING({grouping}) AS gid, coalesce({", ".join(f"g{i}" for i in range(len(cost_specs)))})
                   AS val, day, SUM(v) AS v
            FROM base GROUP BY GROUPING SETS ({sets})
        """
        queries.append((cost_specs, sql, [_ts(start), _ts(end), *params]))
    if tele_specs:
        sets = ", ".join(f"(day, {s.expr})" for s in tele_specs)
        grouping = ", ".join(s.expr for s in tele_specs)
        sql = f"""
            SELECT GROUPING({grouping}) AS gid, CAST(coalesce({grouping}) AS VARCHAR) AS val,
                   CAST(ts AS DATE) AS day, SUM(CAST(estimated_cost AS DOUBLE)) AS v
            FROM {events} WHERE ts >= ? AND ts < ?
            GROUP BY GROUPING SETS ({sets})
        """
        queries.append((tele_specs, sql, [_ts(start), _ts(end)]))
    for group_specs, sql, params in queries:
        n = len(group_specs)
        data = con.execute(
            f"SELECT gid, coalesce(val, '{NONE_VALUE}') AS val, day, v, "
            f"dense_rank() OVER (ORDER BY gid, coalesce(val, '{NONE_VALUE}')) - 1 AS sid FROM ({sql}) "
            "ORDER BY sid, day",
            params,
        ).fetchnumpy()
        if len(data["sid"]) == 0:
            continue
        sid = np.asarray(data["sid"], dtype=np.int64)
        day_idx = np.asarray([(d - start).days for d in _dates(data["day"])], dtype=np.int64)
        values = np.nan_to_num(np.asarray(data["v"], dtype=float))
        n_series = int(sid.max()) + 1
        mat = np.zeros((n_series, n_days))
        np.add.at(mat, (sid, day_idx), values)
        first = np.full(n_series, n_days)
        np.minimum.at(first, sid, day_idx)
        mat[np.arange(n_days)[None, :] < first[:, None]] = np.nan
        firsts = np.unique(sid, return_index=True)[1]
        gids = np.asarray(data["gid"], dtype=np.int64)[firsts]
        vals = np.asarray(data["val"], dtype=object)[firsts]
        for g, v in zip(gids, vals, strict=True):
            # GROUPING(g0..gn-1) has bit (n-1-i) set when g_i is NOT grouped; exactly one is grouped per set
            i = next(i for i in range(n) if not (int(g) >> (n - 1 - i)) & 1)
            keys.append((group_specs[i], str(v)))
        blocks.append(mat)
    if not blocks:
        return [], np.zeros((0, n_days))
    return keys, np.vstack(blocks)


def _dates(values: np.ndarray) -> list[dt.date]:
    """fetchnumpy returns DATE columns as datetime64; turn them into dates."""
    arr = np.asarray(values)
    if np.issubdtype(arr.dtype, np.datetime64):
        return [dt.date.fromisoformat(str(x)[:10]) for x in arr.astype("datetime64[D]")]
    return [x if isinstance(x, dt.date) else dt.date.fromisoformat(str(x)[:10]) for x in arr]


# ------------------------------------------------------------------------------------------ detection


class _Incident(BaseModel):
    spec: SeriesSpec
    value: str
    direction: Direction
    kind: Kind = "unusual"
    start: dt.date
    end: dt.date
    peak: dt.date
    day_list: list[dt.date]
    actual: float
    expected: float
    peak_impact: float
    score: float


def gate_for(p: DetectInput) -> Gate:
    """The dollar and relative floors of a deviation: both must pass."""
    min_impact = p.min_impact if p.min_impact is not None else MIN_IMPACT_FLOOR

    def gate(actual: np.ndarray, expected: np.ndarray, factor: float = 1.0) -> np.ndarray:
        dev = np.nan_to_num(actual - expected)
        return (np.abs(dev) >= factor * min_impact) & (
            np.abs(dev) * 100 >= factor * p.min_relative_pct * np.abs(np.nan_to_num(expected))
        )

    return gate


def flag_days(y: np.ndarray, p: DetectInput, cal: Calendar) -> DayScores:
    """Expected value, deviation, z-score and unusual-day flags of a matrix of daily series
    (tools.governance.anomaly_model explains the model)."""
    return score_days(y, cal, gate_for(p), z=p.z, direction=p.direction)


def _runs(flag: np.ndarray, dev: np.ndarray) -> list[tuple[int, list[int]]]:
    """Flagged days grouped per series into runs of one direction (one normal day between them allowed)."""
    rows, cols = np.nonzero(flag)  # the flagged points only (few)
    runs: list[tuple[int, list[int]]] = []
    for k in np.lexsort((cols, rows)):
        r, c = int(rows[k]), int(cols[k])
        if (
            runs
            and runs[-1][0] == r
            and c - runs[-1][1][-1] <= 2
            and (dev[r, c] > 0) == (dev[r, runs[-1][1][0]] > 0)
        ):
            runs[-1][1].append(c)  # one-day gaps allowed: a level shift is one anomaly
        else:
            runs.append((r, [c]))
    return runs


def _incidents(
    keys: list[tuple[SeriesSpec, str]],
    y: np.ndarray,
    start: dt.date,
    window_start: dt.date,
    p: DetectInput,
    cal: Calendar,
) -> tuple[list[_Incident], int]:
    """Anomalies (runs of unusual days, and new series) touching the window; and how many unusual-looking
    days of the window the calendar explained (holidays, monthly recurrences)."""
    sc = flag_days(y, p, cal)
    dev = sc.dev
    out: list[_Incident] = []
    for r, cs in _runs(sc.flags, dev):
        last = start + dt.timedelta(days=cs[-1])
        if last < window_start:
            continue
        spec, value = keys[r]
        idx = np.asarray(cs)
        peak_i = cs[int(np.argmax(np.abs(dev[r, idx])))]
        out.append(
            _Incident(
                spec=spec,
                value=value,
                direction="spike" if dev[r, cs[0]] > 0 else "drop",
                start=start + dt.timedelta(days=cs[0]),
                end=last,
                peak=start + dt.timedelta(days=peak_i),
                day_list=[start + dt.timedelta(days=c) for c in cs],
                actual=float(y[r, idx].sum()),
                expected=float(sc.expected[r, idx].sum()),
                peak_impact=float(dev[r, peak_i]),
                score=float(np.nan_to_num(sc.score[r, peak_i])),
            )
        )
    out += _new_series(keys, y, start, window_start, p)
    w = (window_start - start).days
    return out, int(sc.explained[:, w:].sum())


def _new_series(
    keys: list[tuple[SeriesSpec, str]], y: np.ndarray, start: dt.date, window_start: dt.date, p: DetectInput
) -> list[_Incident]:
    """Series with no spend in at least NEW_AFTER_DAYS days of loaded history that started within the report
    window and have since spent at least twice the minimum impact: a new model, feature or customer."""
    min_impact = p.min_impact if p.min_impact is not None else MIN_IMPACT_FLOOR
    if p.direction == "drop" or y.shape[1] == 0:
        return []
    w = (window_start - start).days
    out: list[_Incident] = []
    has = ~np.isnan(y) & (np.nan_to_num(y) != 0)
    first = np.where(has.any(axis=1), has.argmax(axis=1), y.shape[1])
    data_first = int(first.min())  # the store's first day with spend in the loaded history
    new = (first >= max(w, data_first + NEW_AFTER_DAYS)) & (first < y.shape[1])
    for r in np.nonzero(new)[0]:
        f = int(first[r])
        vals = np.nan_to_num(y[r, f:])
        total = float(vals.sum())
        if total < 2 * min_impact or (np.count_nonzero(vals) < 2 and total < 5 * min_impact):
            continue
        spec, value = keys[r]
        last = f + int(np.nonzero(vals)[0][-1])
        peak = f + int(np.argmax(vals))
        out.append(
            _Incident(
                spec=spec,
                value=value,
                direction="spike",
                kind="new",
                start=start + dt.timedelta(days=f),
                end=start + dt.timedelta(days=last),
                peak=start + dt.timedelta(days=peak),
                day_list=[start + dt.timedelta(days=i) for i in range(f, last + 1)],
                actual=total,
                expected=0.0,
                peak_impact=float(vals.max()),
                score=0.0,
            )
        )
    return out


def severity_of(impact: float, relative_pct: float | None, typical_day: float) -> str:
    """Tier by the dollar impact against a typical day of the store's total spend (>= 20% critical, >= 5% high,
    >= 1% medium, else low), one tier up when the series tripled or all but vanished."""
    share = abs(impact) / typical_day if typical_day > 0 else 1.0
    tier = 3 if share >= 0.20 else 2 if share >= 0.05 else 1 if share >= 0.01 else 0
    if relative_pct is None or relative_pct >= 200 or relative_pct <= -90:
        tier = min(tier + 1, 3)
    return SEVERITIES[tier]


def group_events(anomalies: list[Anomaly]) -> None:
    """Give anomalies that are one event seen in several series a shared group_id: same direction, overlapping
    days, and one's series carries at least half of the other's change (its root cause says so)."""
    parent = {a.anomaly_id: a.anomaly_id for a in anomalies}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    carriers = {
        a.anomaly_id: {
            (d.dimension, d.value.lower())
            for d in a.root_cause or []
            if d.share_pct is not None and d.share_pct >= 50
        }
        for a in anomalies
    }
    for i, a in enumerate(anomalies):  # the anomalies of one run: tens, not rows
        for b in anomalies[i + 1 :]:
            if a.direction != b.direction or a.start_day > b.end_day or b.start_day > a.end_day:
                continue
            if (b.dimension, b.value.lower()) in carriers[a.anomaly_id] or (
                (a.dimension, a.value.lower()) in carriers[b.anomaly_id]
            ):
                parent[find(a.anomaly_id)] = find(b.anomaly_id)
    groups: dict[str, list[Anomaly]] = {}
    for a in anomalies:
        groups.setdefault(find(a.anomaly_id), []).append(a)
    for members in groups.values():
        head = max(members, key=lambda m: (abs(m.impact), m.anomaly_id))
        for m in members:
            m.group_id = head.anomaly_id if len(members) > 1 else None


def anomaly_id(
    source: str,
    dimension: str,
    value: str,
    direction: str,
    start: dt.date,
    measure: str,
    kind: str = "unusual",
) -> str:
    key = f"{source}|{dimension}|{value.lower()}|{direction}|{start.isoformat()}|{measure}"
    if kind != "unusual":
        key += f"|{kind}"
    return "an-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:8]


def _money(x: float) -> str:
    return money(abs(x), digits=2)


def _signed(x: float) -> str:
    """Money with its sign: credits and other negative amounts stay negative."""
    return money(x, digits=2)


def explain(a: Anomaly) -> str:
    when = str(a.start_day) if a.start_day == a.end_day else f"{a.start_day} to {a.end_day}"
    if a.kind == "new":
        days = (a.end_day - a.start_day).days + 1
        text = f"new: {a.dimension} {a.value}, {_signed(a.actual)} in {days} day{'s' if days > 1 else ''} since {a.start_day}"
    elif a.kind == "recurring_charge":
        word = "up" if a.impact > 0 else "down"
        text = (
            f"{a.dimension} {a.value}: recurring and one-time charges {_signed(a.actual)} on {when}, {word} "
            f"{_money(a.impact)} from {_signed(a.expected)} over the same days of the month before"
        )
    else:
        rel = f" ({a.relative_pct:+.0f}%)" if a.relative_pct is not None else ""
        word = "above" if a.direction == "spike" else "below"
        text = (
            f"{a.dimension} {a.value}: {_signed(a.actual)} on {when}, {_money(a.impact)} {word} the expected "
            f"{_signed(a.expected)}{rel}"
        )
    drivers = top_drivers(a.root_cause or [], a.direction)
    if drivers:
        text += "; driven by " + ", ".join(
            f"{d.dimension} {d.value} ({'+' if d.impact >= 0 else '-'}{_money(d.impact)}"
            + (f", {d.share_pct:.0f}%" if d.share_pct is not None else "")
            + ")"
            for d in drivers
        )
    elif a.root_cause:
        text += "; no narrower dimension explains it: the change is in this series itself"
    return text + "."


def top_drivers(items: list[RootCauseItem], direction: str, limit: int = 3) -> list[RootCauseItem]:
    """The informative values (tools.governance.root_cause) that moved in the anomaly's direction, in rank order."""
    return [it for it in items if not it.unchanged and (it.impact > 0) == (direction == "spike")][:limit]
