"""Root cause: which values of the other dimensions explain an anomaly's change, in dollars that add up.

For every drill-down dimension (the bill's model, token type, feature and other tags, resource, provider, ...;
and customers, features and operations in telemetry when the series maps to it) each value gets its actual
spend on the anomalous days and a baseline (median of the same weekday 1-4 weeks before). The baselines are
scaled so that, within a dimension, they add up to the anomaly's own expected value; so the values' impacts
(actual - scaled baseline) add up exactly to the anomaly's impact and their shares to 100% (a remainder row
`(other values)` keeps the sum when only the largest values are listed).

Ranking: a value is informative when its share of the change is at least 20 points above its usual share of
the spend (a value that is the whole series before and after, like the only provider of a feature, says
nothing). Informative values come first, by the dollars they explain, with a preference for a named value over a
missing one ("(none)": a leaked key's calls carry no feature tag, the model they used says more) and for the
narrower one (the smaller usual share: a feature before the model it shares with others); a value of any
dimension that explains about as much from under half the usual share of the one so chosen goes first (a staging
copy or one tenant of a feature that ran away while the rest of the feature held); then the rest.

A value that gained more than the whole change while the rows without a value of its dimension ("(none)") lost at
least half of it is a swap of how the spend is recorded (a commitment's fee rows, untagged, giving way to tagged
on-demand rows), not informative; so is one that gained more than the whole change while another value of its
dimension lost at least half of it and of its own spend (spend moving between regions during a migration).

When no value is informative against its own model (a slow change that every narrower series' model followed),
the split is made again against each value's spend 3-6 weeks before the anomaly's days, and used when it names
an informative value (round 21's ramps and price change found on a team and named by it).
"""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
from spendscope.tools.costs.breakdown import Filter, filter_sql
from spendscope.tools.costs.dimensions import Source, dimension_sql, measure_sql, tag_keys
from spendscope.tools.governance.anomaly_detection import (
    DEFAULT_Z,
    DRILL_BUILTINS,
    NONE_VALUE,
    TELEMETRY_COLUMNS,
    TELEMETRY_DRILL,
    USAGE_ROWS,
    Anomaly,
    RootCauseItem,
    SeriesSpec,
    _load_matrix,
    _ts,
)
from spendscope.tools.governance.anomaly_model import score_days
from spendscope.tools.governance.calendar import build_calendar

PER_DIMENSION = 3  # values listed per dimension (the rest summed as "(other values)")
LIFT = 20.0  # points of share of change above the usual share that make a value informative
SPECIFICITY = (  # most specific first; other dimensions (tags) after these
    "resource",
    "customer",
    "feature",
    "operation",
    "model",
    "token_type",
    "sub_account",
    "team",
    "region",
    "service",
    "provider",
)
OTHER = "(other values)"
SWAP = 0.5  # "(none)" moving against the change by half of it or more: the dimension's values swapped rows
# a leading value from under half the first one's usual share is the narrower place of the change
NARROWER = 0.5
REST_STILL = (
    1 / 3
)  # a dominant value drives the change when the rest moved by under a third as much (relative)
# a token type drives the change only when the series' mix moved: its share of the spend at least this many points
# above its usual share (below it, for a drop); a series that grew (a slow leak) keeps its mix, and the token
# types' shares of a small remainder are noise (detector blind round 28: slow leaks named token_type=input/output)
MIX_SHIFT = 5.0
HISTORY_DAYS = 91  # history loaded to model each value's series
BATCH_MODEL = True  # False: one model call per root cause (the tests' and the benchmark's baseline)
EARLIER_WEEKS = range(3, 7)  # a slow change's values judged against the same weekday 3-6 weeks before it
BATCH_CELLS = 1_000_000  # series x days per model call (the model holds about 20 float arrays that size)


def drill_dims(con: duckdb.DuckDBPyConnection, source: Source) -> list[tuple[str, str]]:
    """(name, SQL) of the bill dimensions a root cause splits by: the built-in ones that say most, then every
    virtual tag and provider tag key (at most 16 in all). A tag key named like a built-in dimension (a `region` tag
    beside the RegionName column, which API bills leave empty) is split as `tag:<key>`: the column's name would
    hide it."""
    dims: list[tuple[str, str]] = []
    tags = [k for k in tag_keys(con) if k.lower() not in source.virtual_tags]
    names = (
        DRILL_BUILTINS
        + sorted(source.virtual_tags)
        + [f"tag:{k}" if k.lower() in DRILL_BUILTINS else k for k in tags]
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
    weeks: range = range(1, 5),
) -> list[tuple[str, str, float, float]]:
    """(dimension, value, actual, baseline) on `days` for every value of every drill-down dimension, the baseline
    being the median of the same weekday `weeks` (1-4) weeks before, per day; in one grouped query."""
    if not dims:
        return []
    wanted = sorted(set(days) | {d - dt.timedelta(days=7 * k) for d in days for k in weeks})
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
        refs AS (SELECT d, d - CAST(7 * k AS INTEGER) AS ref FROM days, range({weeks.start}, {weeks.stop}) r(k)),
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
    return [(dim, val, float(a), float(e)) for dim, val, a, e in rows]


def _load_modelled(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    column: str,
    scope: list[Filter],
    dims: list[tuple[str, str]],
    days: list[dt.date],
) -> tuple[list[tuple[SeriesSpec, str]], np.ndarray, dt.date]:
    """The daily series of every value of every drill-down dimension of the scope's usage, from HISTORY_DAYS
    (Monday-aligned) before the first of `days` through the last: (keys, matrix, first day)."""
    specs = [SeriesSpec(dimension=name, source="costs", expr=expr) for name, expr in dims]
    lo = min(days) - dt.timedelta(days=HISTORY_DAYS)
    lo -= dt.timedelta(days=lo.weekday())
    keys, y = _load_matrix(con, specs, source, column, scope, lo, max(days) + dt.timedelta(days=1))
    return keys, y, lo


def _no_gate(a: np.ndarray, e: np.ndarray, f: float = 1.0) -> np.ndarray:
    return np.zeros(len(a), bool)


def _model(y: np.ndarray, lo: dt.date, country: str) -> np.ndarray:
    """The detector's expected value of every series and day of `y` (its first day `lo`), nothing reported."""
    cal = build_calendar(lo, y.shape[1], country)
    return score_days(y, cal, _no_gate, z=np.inf, exclude_z=DEFAULT_Z).expected


def modelled_expected(matrices: list[tuple[np.ndarray, dt.date]], country: str) -> list[np.ndarray]:
    """The detector's expected value (dollars, NaN where it has none) of every series and day of each (matrix,
    first day), in as few model calls as BATCH_CELLS allows: the matrices are laid on one calendar from the
    earliest first day to the latest last day, NaN outside their own days. The model reads a series' days only
    up to the day it scores, from its first non-NaN day on, and each series on its own (the calendar is shared,
    and depends on the date alone), so the values are those of one call per matrix (tests/test_tools_anomaly_
    root_cause_batch.py, to 1e-9); the model's loop over days is then run once, not once per root cause."""
    groups: list[list[tuple[np.ndarray, dt.date]]] = []
    for m in matrices:
        if groups and BATCH_MODEL and _span([*groups[-1], m])[2] <= BATCH_CELLS:
            groups[-1].append(m)
        else:
            groups.append([m])
    out: list[np.ndarray] = []
    for group in groups:
        lo, width, _ = _span(group)
        big = np.full((sum(y.shape[0] for y, _ in group), width), np.nan)
        at = [(first - lo).days for _, first in group]
        row = 0
        for (y, _), col in zip(group, at, strict=True):
            big[row : row + y.shape[0], col : col + y.shape[1]] = y
            row += y.shape[0]
        expected = _model(big, lo, country)
        row = 0
        for (y, _), col in zip(group, at, strict=True):
            out.append(expected[row : row + y.shape[0], col : col + y.shape[1]])
            row += y.shape[0]
    return out


def _span(group: list[tuple[np.ndarray, dt.date]]) -> tuple[dt.date, int, int]:
    """(first day, days, series x days) of the matrices laid on one calendar."""
    lo = min(first for _, first in group)
    width = max((first - lo).days + y.shape[1] for y, first in group)
    return lo, width, sum(y.shape[0] for y, _ in group) * width


def _reconcile(
    rows: list[tuple[str, str, float, float]],
    actual: float,
    expected: float,
    src: str,
    new_series: bool = False,
) -> list[RootCauseItem]:
    """Items whose impacts add up to (actual - expected) within each dimension (see the module text)."""
    by_dim: dict[str, list[tuple[str, float, float]]] = {}
    for dim, val, a, e in rows:
        by_dim.setdefault(dim, []).append((val, a, e))
    impact = actual - expected
    items: list[RootCauseItem] = []
    by_share: list[RootCauseItem] = []  # informative only as a dominant value whose rest held still
    wholes: list[str] = []  # dimensions with a value that is all of the series, before and now
    for dim, vals in by_dim.items():
        base = sum(e for _, _, e in vals)
        factor = expected / base if base > 0 else 0.0
        scaled = [(v, a, e * factor) for v, a, e in vals]
        usual_total = sum(e for _, _, e in scaled)
        scaled.sort(key=lambda t: -abs(t[1] - t[2]))
        kept, rest = scaled[:PER_DIMENSION], scaled[PER_DIMENSION:]
        if rest:
            ra, re_ = sum(a for _, a, _ in rest), sum(e for _, _, e in rest)
            if abs(ra - re_) >= 0.005 * max(abs(impact), 1e-9):
                kept.append((f"{OTHER[:-1]}: {len(rest)})", ra, re_))
        # a swap with the rows that lack this dimension: a value that gained more than the whole change while
        # "(none)" lost (a commitment's fee rows, which carry no token type or env tag, gave way to on-demand
        # rows that do) shows how the spend is recorded, not what drove it
        none_change = sum(a - e for v, a, e in scaled if v == NONE_VALUE)
        swapped = abs(impact) > 1e-9 and none_change * impact < 0 and abs(none_change) >= SWAP * abs(impact)
        # the same between two named values: one gained more than the whole change while another lost at least
        # half of it and half of its own spend (spend moving from one region or deployment to another while the
        # change happened; a feature that merely fell a little beside another's rise keeps most of its spend)
        moved = abs(impact) > 1e-9 and any(
            -(a - e) * np.sign(impact) >= SWAP * max(abs(impact), e) for v, a, e in scaled if v != NONE_VALUE
        )
        for v, a, e in kept:
            if abs(a - e) < 0.005 and abs(a) < 0.005:
                continue
            share = (a - e) / impact * 100 if abs(impact) > 1e-9 else None
            usual = e / usual_total * 100 if usual_total > 1e-9 else 0.0
            of_actual = a / actual * 100 if abs(actual) > 1e-9 else 0.0
            whole = of_actual >= 95 and (
                usual >= 95 or usual_total <= 1e-9
            )  # all of the series, before and now
            # a dominant value is still the driver when the rest of the series did not move
            rest_base, rest_change = expected - e, impact - (a - e)
            if rest_base > 1e-9:
                rest_rel = abs(rest_change) / rest_base
            else:  # the rest is new spend (or none at all)
                rest_rel = float("inf") if abs(rest_change) > 1e-9 else 0.0
            own_rel = abs(a - e) / e if e > 1e-9 else float("inf")
            concentrated = share is not None and share >= 50 and rest_rel <= REST_STILL * own_rel
            if whole and v != NONE_VALUE:
                wholes.append(dim)
            items.append(
                RootCauseItem(
                    dimension=dim,
                    value=v,
                    source=src,  # type: ignore[arg-type]
                    actual=round(a, 6),
                    expected=round(e, 6),
                    impact=round(a - e, 6),
                    share_pct=round(share, 2) if share is not None else None,
                    usual_share_pct=round(usual, 2),
                    unchanged=share is None
                    or whole
                    or new_series
                    or v.startswith(OTHER[:-1])
                    or (swapped and v != NONE_VALUE and (a - e) * impact > 0)
                    or (moved and v != NONE_VALUE and (a - e) * impact > impact * impact)
                    or (share - usual < LIFT and not concentrated)
                    or (dim == "token_type" and (of_actual - usual) * np.sign(impact) < MIX_SHIFT),
                )
            )
            if share is not None and share - usual < LIFT and concentrated and not items[-1].unchanged:
                by_share.append(items[-1])
    # a dominant value (nearly all of the series) is no driver when a more specific dimension has one value that
    # is all of the series: the series' own feature or model says what moved, `env=prod` beside a small dev copy
    # that held still only says that most of it is production (detector blind round 27: an outage and a broken
    # export named env=prod)
    for it in by_share:
        if any(_spec(d) < _spec(it.dimension) for d in wholes):
            it.unchanged = True
    return items


def _spec(dim: str) -> int:
    return SPECIFICITY.index(dim) if dim in SPECIFICITY else len(SPECIFICITY)


def rank(items: list[RootCauseItem], direction: str) -> list[RootCauseItem]:
    """Informative values first: among those explaining at least 80% as much of the change as the best one, a named
    value before a missing one ("(none)"), the most specific level (SPECIFICITY), then the narrower value (smaller
    usual share); then the rest by dollars."""

    def explained(it: RootCauseItem) -> float:
        return min(abs(it.share_pct or 0.0), 100.0) / 100

    def spec(it: RootCauseItem) -> int:
        return SPECIFICITY.index(it.dimension) if it.dimension in SPECIFICITY else len(SPECIFICITY)

    informative = [it for it in items if not it.unchanged and (it.impact > 0) == (direction == "spike")]
    best = max((explained(it) for it in informative), default=0.0)
    lead = sorted(  # a missing value ("(none)": untagged spend) after a named one that explains as much
        (it for it in informative if explained(it) >= 0.8 * best),
        key=lambda it: (
            it.value == NONE_VALUE,
            spec(it),
            it.usual_share_pct or 0.0,
            -explained(it),
            it.dimension,
            it.value,
        ),
    )
    # a value that explains about as much of the change (it is in the lead) from under half the usual share of the
    # first one is where the change happened: the two overlap, and the change sits in the narrower one (a staging
    # copy, a standby region or one tenant of a feature, 5-15% of it, that ran away while the rest held)
    narrow = [
        it
        for it in lead[1:]
        if it.value != NONE_VALUE
        and (it.usual_share_pct or 0.0) < NARROWER * (lead[0].usual_share_pct or 0.0)
    ]
    if narrow:
        pick = min(narrow, key=lambda it: (it.usual_share_pct or 0.0, spec(it), -explained(it)))
        lead = [pick, *(it for it in lead if it is not pick)]
    chosen = {id(it) for it in lead}
    rest = sorted(
        (it for it in informative if id(it) not in chosen),
        key=lambda it: (-explained(it), spec(it), it.value),
    )
    others = sorted(
        (it for it in items if id(it) not in chosen and it not in rest),
        key=lambda it: (-abs(it.impact), spec(it), it.dimension, it.value),
    )
    return lead + rest + others


def named_cause(a: Anomaly) -> tuple[str, str]:
    """What an anomaly names first: its first informative driver in its direction; else the most specific value
    that is the whole series (a provider that is all of one feature; of a series new in the window, the value that
    is all of it now: a new provider that is one model); else the series itself."""
    for it in a.root_cause or []:
        if not it.unchanged and (it.impact > 0) == (a.direction == "spike"):
            return it.dimension, it.value
    own = SPECIFICITY.index(a.dimension) if a.dimension in SPECIFICITY else len(SPECIFICITY)
    whole = [
        it
        for it in a.root_cause or []
        if it.source == "costs"
        and it.dimension in SPECIFICITY[: min(own, SPECIFICITY.index("token_type") + 1)]
        and it.value != NONE_VALUE
        and abs(it.actual) >= 0.95 * abs(a.actual)
        and ((it.usual_share_pct or 0) >= 95 or a.kind == "new")
    ]
    if whole:
        best = min(whole, key=lambda it: SPECIFICITY.index(it.dimension))
        return best.dimension, best.value
    return a.dimension, a.value


def root_cause(
    con: duckdb.DuckDBPyConnection,
    a: Anomaly,
    days: list[dt.date],
    source: Source,
    drill: list[tuple[str, str]] | None = None,
    country: str = "none",
    filters: list[Filter] | None = None,
    events: str = "usage_events",
) -> list[RootCauseItem]:
    """The dimension values that explain the anomaly (root_causes, for one)."""
    return root_causes(con, [(a, days)], source, drill, country, filters, events)[0]


def root_causes(
    con: duckdb.DuckDBPyConnection,
    anomalies: list[tuple[Anomaly, list[dt.date]]],
    source: Source,
    drill: list[tuple[str, str]] | None = None,
    country: str = "none",
    filters: list[Filter] | None = None,
    events: str = "usage_events",
) -> list[list[RootCauseItem]]:
    """The dimension values that explain each (anomaly, its days), on the bill and (when the series maps to it) in
    telemetry, ranked (see the module text). `filters` (the scan's scope, a caller's row scope among them) limit
    the bill's rows; telemetry, which they cannot limit, is then left out (as the scan leaves out telemetry
    series). `events`: the relation of the telemetry (a scan's summed events, tools.governance.scan_rows). The
    bill splits of all the anomalies are modelled together (modelled_expected)."""
    drill = drill if drill is not None else drill_dims(con, source)
    split: list[list[tuple[str, str, float, float]]] = []
    loaded: dict[int, tuple[list[tuple[SeriesSpec, str]], np.ndarray, dt.date]] = {}
    for i, (a, days) in enumerate(anomalies):
        split.append([])
        if a.source != "costs":
            continue
        column, token_type = measure_sql(a.measure)
        scope = [Filter(dimension=a.dimension, op="eq", values=[a.value]), *(filters or [])]
        if token_type:
            scope.append(Filter(dimension="token_type", op="eq", values=[token_type]))
        dims = [d for d in drill if d[0] != a.dimension]
        if not dims:
            continue
        if a.kind == "recurring_charge":
            clauses, params = filter_sql(scope, con, source)
            split[i] = _split(
                con, source.relation, "ChargePeriodStart", column, clauses, params, dims, days, "costs"
            )
        else:
            keys, y, lo = _load_modelled(con, source, column, scope, dims, days)
            if keys:
                loaded[i] = keys, y, lo
    modelled = modelled_expected([(y, lo) for _, y, lo in loaded.values()], country)
    for (i, (keys, y, lo)), expected in zip(loaded.items(), modelled, strict=True):
        idx = [(d - lo).days for d in anomalies[i][1]]
        actual = np.nansum(y[:, idx], axis=1)
        baseline = np.nansum(np.nan_to_num(expected[:, idx]), axis=1)
        split[i] = [
            (spec.dimension, value, float(actual[r]), float(baseline[r]))
            for r, (spec, value) in enumerate(keys)
        ]
    out = []
    for (a, days), rows in zip(anomalies, split, strict=True):
        items = _causes(con, a, days, rows, filters, events)
        if a.source == "costs" and a.kind == "unusual" and not _informative(items, a.direction):
            items = _earlier_baseline(con, a, days, source, drill, filters) or items
        if a.source == "costs" and a.kind == "unusual" and not _informative(items, a.direction):
            shared = _shared_change(con, a, days, source, drill, filters, items)
            if shared is not None:  # the model's (or provider's) change: named first
                shared.unchanged = False
                items = [shared, *(it for it in items if it is not shared)]
        out.append(items)
    return out


SHARED_DIMS = ("model", "provider")  # where a price change lives, narrowest first
SHARED_MIN = 0.08  # the rest of the model or provider moved by at least 8% ...
SHARED_ALIKE = 0.5  # ... and by at least half as much (relative) as the series itself
SHARED_REST = 0.25  # the rest is at least a quarter of the series' usual spend
# against the same weekday a week before, and two weeks before, each on its own: a price change moves everything
# at once; a migration or a slow change under way in the rest (against 1-4 weeks back) does not, and neither does
# an event in the rest a week before (a day billed twice)
SHARED_WEEKS = (range(1, 2), range(2, 3))


def _shared_change(
    con: duckdb.DuckDBPyConnection,
    a: Anomaly,
    days: list[dt.date],
    source: Source,
    drill: list[tuple[str, str]],
    filters: list[Filter] | None,
    items: list[RootCauseItem],
) -> RootCauseItem | None:
    """A series with no driver of its own (one feature on one model, say) moved with the rest of the model it runs
    on: the other features of the model moved alike on the same days, so the change is the model's (a price
    change hits every team at once), not the feature's; and the provider's when its other models moved alike too.
    The item of the broadest of those (the model, then the provider) that is all of the series, else None.
    Judged against the same weekday a week and two weeks before (detector blind round 27: gpt-4.1 +25% on three teams found on
    one feature, an Anthropic price rise on two models found on one; round 26's price cut found on a team)."""
    exprs = dict(drill)
    whole = {
        it.dimension: it
        for it in items
        if it.source == "costs"
        and it.value != NONE_VALUE
        and (it.usual_share_pct or 0) >= 95
        and abs(it.actual) >= 0.95 * abs(a.actual)
    }
    column, token_type = measure_sql(a.measure)
    prev_dim, prev_val = a.dimension, a.value.lower()
    chosen = None
    for dim in SHARED_DIMS:
        it = whole.get(dim)
        if it is None or dim == a.dimension or prev_dim not in exprs:
            continue
        scope = [Filter(dimension=dim, op="eq", values=[it.value]), *(filters or [])]
        if token_type:
            scope.append(Filter(dimension="token_type", op="eq", values=[token_type]))
        clauses, params = filter_sql(scope, con, source)
        if not all(
            _moved_alike(
                _split(
                    con,
                    source.relation,
                    "ChargePeriodStart",
                    column,
                    [*clauses, USAGE_ROWS],
                    params,
                    [(prev_dim, exprs[prev_dim])],
                    days,
                    "costs",
                    weeks=weeks,
                ),
                prev_val,
                a.direction,
            )
            for weeks in SHARED_WEEKS
        ):
            break
        chosen, prev_dim, prev_val = it, dim, it.value.lower()
    return chosen


def _moved_alike(rows: list[tuple[str, str, float, float]], own: str, direction: str) -> bool:
    """The rest of a split (every value but `own`) moved the way `own` did, by SHARED_MIN at least and by at least
    SHARED_ALIKE of own's relative change, and is at least SHARED_REST of own's usual spend."""
    own_a = sum(x for _, v, x, _ in rows if v.lower() == own)
    own_e = sum(e for _, v, _, e in rows if v.lower() == own)
    rest_a = sum(x for _, v, x, _ in rows if v.lower() != own)
    rest_e = sum(e for _, v, _, e in rows if v.lower() != own)
    if own_e <= 0 or rest_e < SHARED_REST * own_e:
        return False
    own_rel, rest_rel = own_a / own_e - 1, rest_a / rest_e - 1
    return (
        own_rel * rest_rel > 0
        and abs(rest_rel) >= SHARED_MIN
        and abs(rest_rel) >= SHARED_ALIKE * abs(own_rel)
        and (own_rel > 0) == (direction == "spike")
    )


def _informative(items: list[RootCauseItem], direction: str) -> bool:
    return any(not it.unchanged and (it.impact > 0) == (direction == "spike") for it in items)


def _earlier_baseline(
    con: duckdb.DuckDBPyConnection,
    a: Anomaly,
    days: list[dt.date],
    source: Source,
    drill: list[tuple[str, str]],
    filters: list[Filter] | None,
) -> list[RootCauseItem] | None:
    """When no value stands out against its own model, every narrower series may have followed a slow change
    (a ramp, a price change over days): each value's own model then expected most of it, and the change spreads
    over the values by their usual shares. Against where each value was before the change began (the median of
    the same weekday EARLIER_WEEKS before), the one that moved stands out. The bill's items of that split when it
    names an informative value, else None."""
    column, token_type = measure_sql(a.measure)
    scope = [Filter(dimension=a.dimension, op="eq", values=[a.value]), *(filters or [])]
    if token_type:
        scope.append(Filter(dimension="token_type", op="eq", values=[token_type]))
    dims = [d for d in drill if d[0] != a.dimension]
    if not dims:
        return None
    clauses, params = filter_sql(scope, con, source)
    rows = _split(
        con,
        source.relation,
        "ChargePeriodStart",
        column,
        [*clauses, USAGE_ROWS],
        params,
        dims,
        days,
        "costs",
        weeks=EARLIER_WEEKS,
    )
    items = _reconcile(rows, a.actual, a.expected, "costs")
    return rank(items, a.direction) if _informative(items, a.direction) else None


def _causes(
    con: duckdb.DuckDBPyConnection,
    a: Anomaly,
    days: list[dt.date],
    rows: list[tuple[str, str, float, float]],
    filters: list[Filter] | None,
    events: str,
) -> list[RootCauseItem]:
    """The anomaly's ranked items: its bill split `rows` (dimension, value, actual, expected) reconciled, and the
    telemetry split when the series maps to telemetry and no filter applies."""
    items: list[RootCauseItem] = []
    if a.source == "costs":
        items += _reconcile(rows, a.actual, a.expected, "costs", a.kind == "new")
    col = TELEMETRY_COLUMNS.get(a.dimension)
    if col and not filters:
        have = {it.dimension for it in items}
        dims = [(d, TELEMETRY_COLUMNS[d]) for d in TELEMETRY_DRILL if d != a.dimension and d not in have]
        where = [f"{col} IS NULL"] if a.value == NONE_VALUE else [f"lower({col}) = ?"]
        params = [] if a.value == NONE_VALUE else [a.value.lower()]
        rows = _split(con, events, "ts", "estimated_cost", where, params, dims, days, "usage_events")
        if rows:
            dim0 = rows[0][0]
            t_actual = sum(r[2] for r in rows if r[0] == dim0)
            t_base = sum(r[3] for r in rows if r[0] == dim0)
            items += _reconcile(rows, t_actual, t_base, "usage_events")
    return rank(items, a.direction)
