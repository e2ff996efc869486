"""Detecting unusual daily spend: which series there are, the robust day flags, anomalies formed from runs of
flagged days, their severity, event groups and root cause. tools.governance.anomalies stores them, takes feedback and
exposes the operations; docs/governance.md describes the method.

Every series' daily spend is compared with a robust one-step baseline (tools.governance.forecast.robust_baseline on log
spend: trailing weekly median moved along a median trend, plus the median of the last six same-weekday
deviations), scaled by the MAD of past residuals. A day is unusual when its robust z-score, its dollar deviation
and its relative deviation all pass their thresholds; unusual days of one series and direction form one
anomaly. The root cause is the split of the change over the other dimensions (on the bill, and in telemetry
when the series maps to it).
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
from spendscope.tools.costs.dimensions import Source, dimension_sql, measure_sql, tag_keys
from spendscope.tools.governance.forecast import Baseline, robust_baseline

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
SEVERITIES = ("low", "medium", "high", "critical")
NONE_VALUE = "(none)"

Direction = Literal["spike", "drop"]

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


class Anomaly(BaseModel):
    anomaly_id: str
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
        description="minimum dollar deviation of a day; default 1% of "
        f"a typical day's total spend, at least ${MIN_IMPACT_FLOOR:g}",
    )
    min_relative_pct: float = Field(20.0, ge=0, description="minimum deviation of a day, percent of expected")
    z: float = Field(4.5, gt=0, description="minimum robust z-score (deviation / robust scale)")
    direction: Literal["both", "spike", "drop"] = Field("both", description="report spikes, drops or both")
    dry_run: bool = Field(False, description="detect and return without storing")
    root_cause: bool = Field(True, description="work out the root cause of new and changed anomalies")


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
) -> tuple[list[tuple[SeriesSpec, str]], np.ndarray]:
    """Daily totals of every series as a matrix (rows: series, columns: days from `start` to `end` exclusive),
    NaN before a series' first day. One grouped scan per source, aggregated in DuckDB."""
    n_days = (end - start).days
    keys: list[tuple[SeriesSpec, str]] = []
    blocks: list[np.ndarray] = []
    cost_specs = [s for s in specs if s.source == "costs"]
    tele_specs = [s for s in specs if s.source == "usage_events"]
    queries = []
    if cost_specs:
        clauses, params = filter_sql(filters, con, source)
        where = " AND ".join(["ChargePeriodStart >= ?", "ChargePeriodStart < ?", *clauses])
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
            FROM usage_events WHERE ts >= ? AND ts < ?
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
    start: dt.date
    end: dt.date
    peak: dt.date
    day_list: list[dt.date]
    actual: float
    expected: float
    peak_impact: float
    score: float


def flag_days(y: np.ndarray, p: DetectInput) -> tuple[Baseline, np.ndarray]:
    """(baseline, deviation in dollars) of a matrix of daily series; baseline.flags marks the unusual days:
    robust z-score, dollar and relative deviation all past their thresholds, in the wanted direction.

    Spend varies multiplicatively (a busy Monday is a percentage, not a fixed number of dollars, above a quiet
    one), so series that never go negative are modelled on log(spend + c), c = max($1, 5% of the series'
    median day): the z-score is then a ratio, the seasonal pattern scales with the level, and a right-skewed
    day is judged fairly. Expected values are turned back into dollars. Unusual runs are kept out of the
    baseline for MASK_DAYS days (see robust_baseline)."""
    min_impact = p.min_impact if p.min_impact is not None else MIN_IMPACT_FLOOR
    with np.errstate(invalid="ignore"):
        nonneg = (
            ~(np.nanmin(np.where(np.isnan(y), 0.0, y), axis=1) < 0) if y.shape[1] else np.ones(len(y), bool)
        )
        med = np.nan_to_num(np.nanmedian(np.where(y > 0, y, np.nan), axis=1)) if y.size else np.zeros(len(y))
    offset = np.where(nonneg, np.maximum(1.0, 0.05 * med), 0.0)
    ly = np.where(nonneg[:, None], np.log(np.maximum(y, 0.0) + offset[:, None]), y)

    def dollars(v: np.ndarray) -> np.ndarray:
        return np.where(nonneg, np.exp(v) - offset, v)

    def unusual(actual: np.ndarray, expected: np.ndarray, scale: np.ndarray) -> np.ndarray:
        dev = np.nan_to_num(dollars(actual) - dollars(expected))
        ok = (np.abs(dev) >= min_impact) & (
            np.abs(dev) * 100 >= p.min_relative_pct * np.abs(np.nan_to_num(dollars(expected)))
        )
        ok &= np.abs(np.nan_to_num(actual - expected)) >= p.z * np.nan_to_num(scale, nan=np.inf)
        if p.direction == "spike":
            ok &= dev > 0
        elif p.direction == "drop":
            ok &= dev < 0
        return ok

    with np.errstate(over="ignore"):
        base = robust_baseline(ly, unusual, mask_days=MASK_DAYS, relative_floor=0.0, absolute_floor=0.01)
        expected = np.where(nonneg[:, None], np.exp(base.expected) - offset[:, None], base.expected)
    base.expected = expected
    return base, y - expected


def _incidents(
    keys: list[tuple[SeriesSpec, str]], y: np.ndarray, start: dt.date, window_start: dt.date, p: DetectInput
) -> list[_Incident]:
    base, dev = flag_days(y, p)
    flag = base.flags
    rows, cols = np.nonzero(flag)  # the flagged points only (few): group consecutive days of a series
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
    out: list[_Incident] = []
    for r, cs in runs:
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
                expected=float(base.expected[r, idx].sum()),
                peak_impact=float(dev[r, peak_i]),
                score=float(base.score[r, peak_i]),
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


def anomaly_id(source: str, dimension: str, value: str, direction: str, start: dt.date, measure: str) -> str:
    key = f"{source}|{dimension}|{value.lower()}|{direction}|{start.isoformat()}|{measure}"
    return "an-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:8]


def _money(x: float) -> str:
    return f"${abs(x):,.2f}"


def explain(a: Anomaly) -> str:
    when = str(a.start_day) if a.start_day == a.end_day else f"{a.start_day} to {a.end_day}"
    rel = f" ({a.relative_pct:+.0f}%)" if a.relative_pct is not None else ""
    word = "above" if a.direction == "spike" else "below"
    text = (
        f"{a.dimension} {a.value}: {_money(a.actual)} on {when}, {_money(a.impact)} {word} the expected "
        f"{_money(a.expected)}{rel}"
    )
    drivers = top_drivers(a.root_cause or [], a.direction)
    if drivers:
        text += "; driven by " + ", ".join(
            f"{d.dimension} {d.value} ({'+' if d.impact >= 0 else '-'}{_money(d.impact)}"
            + (f", {d.share_pct:.0f}%" if d.share_pct is not None else "")
            + ")"
            for d in drivers
        )
    return text + "."


def top_drivers(items: list[RootCauseItem], direction: str, limit: int = 3) -> list[RootCauseItem]:
    """Per dimension, the value that carries at least half of the change in the anomaly's direction and much
    more of it than of the usual spend; most over-represented first."""
    best: dict[str, tuple[float, RootCauseItem]] = {}
    for it in items:
        if (it.impact > 0) != (direction == "spike") or it.share_pct is None or it.share_pct < 50:
            continue
        lift = it.share_pct - (it.usual_share_pct if it.usual_share_pct is not None else 0.0)
        if lift < 20:
            continue  # the value is most of the scope anyway: it moved with everything else
        if it.dimension not in best or lift > best[it.dimension][0]:
            best[it.dimension] = (lift, it)
    ranked = sorted(best.values(), key=lambda t: (-t[0], t[1].dimension))
    return [it for _, it in ranked[:limit]]


# ---------------------------------------------------------------------------------------- root cause


def drill_dims(con: duckdb.DuckDBPyConnection, source: Source) -> list[tuple[str, str]]:
    """(name, SQL) of the bill dimensions a root cause splits by: the built-in ones that say most, then every
    virtual tag and provider tag key (at most 16 in all)."""
    dims: list[tuple[str, str]] = []
    names = (
        DRILL_BUILTINS
        + sorted(source.virtual_tags)
        + [k for k in tag_keys(con) if k.lower() not in source.virtual_tags]
    )
    seen = set()
    for name in names:
        low = name.lower()
        if low in seen or len(dims) >= 16:
            continue
        seen.add(low)
        dims.append((low, dimension_sql(name, con, source)))
    return dims


def _split(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    ts_col: str,
    value_expr: str,
    where: list[str],
    params: list,
    dims: list[tuple[str, str]],
    days: list[dt.date],
    src: str,
) -> list[RootCauseItem]:
    """Actual spend on `days` and its same-weekday baseline (median of the 4 weeks before, per day) for every
    value of every drill-down dimension, in one grouped query."""
    if not dims:
        return []
    wanted = sorted(set(days) | {d - dt.timedelta(days=7 * k) for d in days for k in range(1, 5)})
    cols = ", ".join(f"CAST({expr} AS VARCHAR) AS d{i}" for i, (_, expr) in enumerate(dims))
    names = " ".join(f"WHEN {i} THEN '{name}'" for i, (name, _) in enumerate(dims))
    n = len(dims)
    which = " ".join(
        f"WHEN GROUPING({', '.join(f'd{j}' for j in range(n))}) = {(1 << n) - 1 - (1 << (n - 1 - i))} "
        f"THEN {i}"
        for i in range(n)
    )
    sets = ", ".join(f"(day, d{i})" for i in range(n))
    sql = f"""
        WITH base AS MATERIALIZED (
            SELECT CAST({ts_col} AS DATE) AS day, CAST({value_expr} AS DOUBLE) AS v, {cols}
            FROM {relation}
            WHERE {" AND ".join(where)} AND {ts_col} >= ? AND {ts_col} < ?
              AND CAST({ts_col} AS DATE) IN (SELECT unnest(?::DATE[]))
        ),
        grouped AS (
            SELECT day, CASE {which} END AS g, coalesce({", ".join(f"d{i}" for i in range(n))}) AS val, SUM(v) AS v
            FROM base GROUP BY GROUPING SETS ({sets})
        ),
        sums AS (SELECT day, CASE g {names} END AS dim, coalesce(val, '{NONE_VALUE}') AS val, v FROM grouped),
        days AS (SELECT unnest(?::DATE[]) AS d),
        refs AS (SELECT d, d - CAST(7 * k AS INTEGER) AS ref FROM days, range(1, 5) r(k)),
        keys AS (SELECT DISTINCT dim, val FROM sums),
        actual AS (SELECT dim, val, SUM(v) AS actual FROM sums WHERE day IN (SELECT d FROM days) GROUP BY ALL),
        per_day AS (
            SELECT keys.dim, keys.val, refs.d, median(coalesce(sums.v, 0)) AS m
            FROM keys CROSS JOIN refs
            LEFT JOIN sums ON sums.dim = keys.dim AND sums.val = keys.val AND sums.day = refs.ref
            GROUP BY ALL
        ),
        expected AS (SELECT dim, val, SUM(m) AS expected FROM per_day GROUP BY ALL)
        SELECT keys.dim, keys.val, coalesce(actual.actual, 0) AS a, coalesce(expected.expected, 0) AS e
        FROM keys LEFT JOIN actual USING (dim, val) LEFT JOIN expected USING (dim, val)
        ORDER BY keys.dim, abs(coalesce(actual.actual, 0) - coalesce(expected.expected, 0)) DESC
    """
    lo, hi = min(wanted), max(wanted) + dt.timedelta(days=1)
    rows = con.execute(sql, [*params, _ts(lo), _ts(hi), wanted, days]).fetchall()
    change: dict[str, float] = {}
    usual: dict[str, float] = {}
    for dim, _, a, e in rows:  # aggregated rows: a few values per dimension
        change[dim] = change.get(dim, 0.0) + (a - e)
        usual[dim] = usual.get(dim, 0.0) + e
    items: list[RootCauseItem] = []
    kept: dict[str, int] = {}
    for dim, val, a, e in rows:
        if kept.get(dim, 0) >= 3 or abs(a - e) < 0.005:
            continue
        kept[dim] = kept.get(dim, 0) + 1
        items.append(
            RootCauseItem(
                dimension=dim,
                value=val,
                source=src,
                actual=round(a, 6),
                expected=round(e, 6),  # type: ignore[arg-type]
                impact=round(a - e, 6),
                share_pct=round((a - e) / change[dim] * 100, 2) if abs(change[dim]) > 1e-9 else None,
                usual_share_pct=round(e / usual[dim] * 100, 2) if abs(usual[dim]) > 1e-9 else None,
            )
        )
    return items


def root_cause(
    con: duckdb.DuckDBPyConnection,
    a: Anomaly,
    days: list[dt.date],
    source: Source,
    drill: list[tuple[str, str]] | None = None,
) -> list[RootCauseItem]:
    """The dimension values that explain the anomaly, on the bill and (when the series maps to it) in telemetry."""
    drill = drill if drill is not None else drill_dims(con, source)
    column, token_type = measure_sql(a.measure) if a.source == "costs" else ("estimated_cost", None)
    items: list[RootCauseItem] = []
    if a.source == "costs":
        scope = [Filter(dimension=a.dimension, op="eq", values=[a.value])]
        if token_type:
            scope.append(Filter(dimension="token_type", op="eq", values=[token_type]))
        clauses, params = filter_sql(scope, con, source)
        items += _split(
            con,
            source.relation,
            "ChargePeriodStart",
            column,
            clauses,
            params,
            [d for d in drill if d[0] != a.dimension],
            days,
            "costs",
        )
    col = TELEMETRY_COLUMNS.get(a.dimension)
    if col:
        have = {it.dimension for it in items}
        dims = [(d, TELEMETRY_COLUMNS[d]) for d in TELEMETRY_DRILL if d != a.dimension and d not in have]
        where = [f"{col} IS NULL"] if a.value == NONE_VALUE else [f"lower({col}) = ?"]
        params = [] if a.value == NONE_VALUE else [a.value.lower()]
        items += _split(
            con, "usage_events", "ts", "estimated_cost", where, params, dims, days, "usage_events"
        )
    return items
