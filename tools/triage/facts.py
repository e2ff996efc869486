"""Facts from telemetry and budgets that explain a change in spend: commits first seen in a scope's telemetry
(with cost per request before and after each), the features and customers that carry a scope's spend in a
period (against the same weekdays before), and the budgets whose scope covers some spend.

The triage router (agents/triage.py) uses them for every anomaly; the first two are public operations too
(`list_new_commits`, `top_usage`), so Billy and MCP clients can ask "what shipped before the spike?".

Telemetry scopes are `UsageFilter`s over usage_events fields; `model` matches canonical model ids (the bill's
spelling) as well as the raw names the app recorded, `provider` matches OpenTelemetry provider names and
billing source keys.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING

import duckdb
from pydantic import BaseModel, Field
from spendscope.data.errors import InvalidPeriod, UnknownDimension
from spendscope.data.store import Store
from spendscope.tools.costs.breakdown import Filter, TimeRange, filter_sql, resolve_range
from spendscope.tools.costs.dimensions import dimension_sql, measure_sql, query_source
from spendscope.tools.costs.reconcile import model_map_cte
from spendscope.tools.periods import Period
from spendscope.tools.registry import operation
from spendscope.tools.usage_scope import NONE_VALUE, USAGE_FIELDS, UsageField, UsageFilter, usage_where

if TYPE_CHECKING:  # budgets (numpy, the forecast engine) load only when budgets are asked about
    from spendscope.tools.governance.budgets import Budget

DEFAULT_DAYS = 14  # telemetry window when no period is given
COMMIT_WINDOW_DAYS = 7  # before/after windows of a commit


def _ts(d: dt.date) -> dt.datetime:
    return dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC)


# ------------------------------------------------------------------------------------- telemetry scopes


def describe_usage(filters: list[UsageFilter]) -> str:
    if not filters:
        return "all telemetry"
    return " AND ".join(
        f"{f.field} = {f.values[0]}" if len(f.values) == 1 else f"{f.field} in ({', '.join(f.values)})"
        for f in filters
    )


def usage_period(con: duckdb.DuckDBPyConnection, p: TimeRange) -> Period:
    """The period asked for, else the last DEFAULT_DAYS days of telemetry."""
    if p.period or p.start or p.end:
        return resolve_range(p)
    last = con.execute("SELECT CAST(max(ts) AS DATE) FROM usage_events").fetchall()[0][0]
    if last is None:
        raise InvalidPeriod("the store holds no telemetry (usage_events) yet; give a period or import events")
    end = last + dt.timedelta(days=1)
    start = end - dt.timedelta(days=DEFAULT_DAYS)
    return Period(start=start, end=end, label=f"{start} to {last}")


def check_usage_coverage(con: duckdb.DuckDBPyConnection, p: TimeRange, period: Period) -> None:
    """Refuse a period the caller named that lies wholly outside the telemetry (its totals would read as $0 and
    nothing ranked), naming the days the telemetry covers. A store without telemetry keeps its empty answer."""
    if not (p.period or p.start or p.end):
        return
    first, last = con.execute(
        "SELECT CAST(min(ts) AS DATE), CAST(max(ts) AS DATE) FROM usage_events"
    ).fetchall()[0]
    final = period.end - dt.timedelta(days=1)
    if last is not None and (period.start > last or final < first):
        raise InvalidPeriod(
            f"period {period.label} ({period.start} to {final}) holds no telemetry (usage_events); "
            f"it covers {first} to {last}",
            argument="period",
            value=period.label,
        )


# ------------------------------------------------------------------------------------------ new commits


class NewCommitsInput(TimeRange):
    filters: list[UsageFilter] = Field(
        default_factory=list,
        description="telemetry scope, e.g. feature = support-bot (default: all telemetry)",
    )
    window_days: int = Field(
        COMMIT_WINDOW_DAYS,
        ge=1,
        le=90,
        description="days before and after each commit "
        "compared (the before window stops at the previous commit)",
    )
    limit: int = Field(20, ge=1, le=500, description="at most this many commits, earliest first")


class NewCommit(BaseModel):
    commit: str
    first_seen: dt.datetime = Field(description="first event of the scope that carried this commit")
    before_start: dt.datetime = Field(
        description="the before window (all of the scope's requests): from here to first_seen"
    )
    after_end: dt.datetime = Field(
        description="the after window (the requests that carried this commit): from first_seen to here"
    )
    requests_before: int
    requests_after: int
    requests_per_day_before: float | None = Field(description="per day with requests")
    requests_per_day_after: float | None
    cost_before: float = Field(description="estimated cost in the before window, USD")
    cost_after: float
    cost_per_request_before: float | None
    cost_per_request_after: float | None
    change_pct: float | None = Field(description="change in cost per request, percent")
    tokens_per_request_before: float | None
    tokens_per_request_after: float | None
    code_paths: list[str] = Field(description="code paths that sent this commit's events (first 5)")
    features: list[str] = Field(description="features that sent this commit's events (first 5)")


class NewCommitsResult(BaseModel):
    scope: str
    start: dt.date
    end: dt.date = Field(description="exclusive end")
    commits: list[NewCommit] = Field(description="commits whose first event in the scope falls in the period")
    notes: list[str] = Field(default_factory=list)


def commits_first_seen(
    con: duckdb.DuckDBPyConnection,
    filters: list[UsageFilter],
    start: dt.datetime,
    end: dt.datetime,
    *,
    window_days: int = COMMIT_WINDOW_DAYS,
    limit: int = 20,
) -> list[NewCommit]:
    """Commits first seen in the scope's telemetry in [start, end), each with the scope's requests, cost and tokens
    per request before it (`window_days`, cut at the previous commit's first event) and those of the requests
    that carried it in the `window_days` after."""
    clauses, params = usage_where(con, filters)
    where = " AND ".join(["commit_sha IS NOT NULL", "commit_sha <> ''", *clauses])
    found = con.execute(
        f"""WITH f AS (SELECT commit_sha, min(ts) AS first_seen FROM usage_events WHERE {where} GROUP BY 1),
                o AS (SELECT commit_sha, first_seen,
                             lag(first_seen) OVER (ORDER BY first_seen, commit_sha) AS prev_seen FROM f)
            SELECT commit_sha, first_seen, prev_seen FROM o WHERE first_seen >= ? AND first_seen < ?
            ORDER BY first_seen, commit_sha LIMIT ?""",
        [*params, start, end, limit],
    ).fetchall()
    if not found:
        return []
    span = dt.timedelta(days=window_days)
    windows = []
    for sha, first, prev in found:  # the commits (a few), not events
        lo = max(first - span, prev) if prev is not None else first - span
        windows.append((sha, lo, first, first + span))
    values = ", ".join(
        "(?, CAST(? AS TIMESTAMPTZ), CAST(? AS TIMESTAMPTZ), CAST(? AS TIMESTAMPTZ))" for _ in windows
    )
    e_clauses, e_params = usage_where(con, filters, alias="e.")
    tokens = (
        "e.input_tokens + e.cached_input_tokens + e.cache_write_tokens + e.output_tokens + e.reasoning_tokens"
    )
    rows = con.execute(
        f"""WITH w(sha, lo, first_seen, hi) AS (VALUES {values})
            SELECT w.sha, e.ts >= w.first_seen AS after, coalesce(SUM(e.requests), 0),
                   coalesce(SUM(CAST(e.estimated_cost AS DOUBLE)), 0), SUM({tokens}),
                   array_agg(DISTINCT e.code_path) FILTER (WHERE e.code_path IS NOT NULL),
                   array_agg(DISTINCT e.feature) FILTER (WHERE e.feature IS NOT NULL),
                   count(DISTINCT CAST(e.ts AS DATE))
            FROM w JOIN usage_events e ON e.ts >= w.lo AND e.ts < w.hi AND (e.ts < w.first_seen OR e.commit_sha = w.sha)
            WHERE {" AND ".join(["true", *e_clauses])}
            GROUP BY 1, 2""",
        [v for w in windows for v in w] + e_params,
    ).fetchall()
    stats = {(r[0], bool(r[1])): r for r in rows}
    out: list[NewCommit] = []
    for sha, lo, first, hi in windows:
        b = stats.get((sha, False))
        a = stats.get((sha, True))
        req_b, req_a = int(b[2]) if b else 0, int(a[2]) if a else 0
        cost_b, cost_a = float(b[3]) if b else 0.0, float(a[3]) if a else 0.0
        cpr_b = cost_b / req_b if req_b else None
        cpr_a = cost_a / req_a if req_a else None
        days_b, days_a = (int(b[7]) if b else 0), (int(a[7]) if a else 0)
        out.append(
            NewCommit(
                commit=sha,
                first_seen=first,
                before_start=lo,
                after_end=hi,
                requests_before=req_b,
                requests_after=req_a,
                requests_per_day_before=round(req_b / days_b, 2) if days_b else None,
                requests_per_day_after=round(req_a / days_a, 2) if days_a else None,
                cost_before=round(cost_b, 6),
                cost_after=round(cost_a, 6),
                cost_per_request_before=round(cpr_b, 8) if cpr_b is not None else None,
                cost_per_request_after=round(cpr_a, 8) if cpr_a is not None else None,
                change_pct=round((cpr_a - cpr_b) / cpr_b * 100, 2) if cpr_a is not None and cpr_b else None,
                tokens_per_request_before=round(float(b[4]) / req_b, 2)
                if b and req_b and b[4] is not None
                else None,
                tokens_per_request_after=round(float(a[4]) / req_a, 2)
                if a and req_a and a[4] is not None
                else None,
                code_paths=sorted(a[5] or [])[:5] if a else [],
                features=sorted(a[6] or [])[:5] if a else [],
            )
        )
    return out


@operation("list_new_commits", input_model=NewCommitsInput, output_model=NewCommitsResult)
def list_new_commits(store: Store, params: NewCommitsInput) -> NewCommitsResult:
    """Commits (deploys) first seen in telemetry during a period for a scope (feature, team, model, customer,
    ...), each with the scope's requests, cost per request and tokens per request before and after it appeared."""
    with store.reader() as con:
        period = usage_period(con, params)
        check_usage_coverage(con, params, period)
        commits = commits_first_seen(
            con,
            params.filters,
            _ts(period.start),
            _ts(period.end),
            window_days=params.window_days,
            limit=params.limit,
        )
        notes = []
        if not con.execute("SELECT 1 FROM usage_events WHERE commit_sha IS NOT NULL LIMIT 1").fetchall():
            notes.append("no telemetry event carries a commit_sha: record it to see deploys")
    return NewCommitsResult(
        scope=describe_usage(params.filters), start=period.start, end=period.end, commits=commits, notes=notes
    )


# -------------------------------------------------------------------------------------------- top usage


class TopUsageInput(TimeRange):
    by: list[UsageField] = Field(
        default_factory=lambda: ["feature", "customer"],
        description="usage_events fields to rank (default feature and customer)",
    )
    filters: list[UsageFilter] = Field(default_factory=list, description="telemetry scope (default: all)")
    top: int = Field(5, ge=1, le=100, description="values kept per field")


class UsageRank(BaseModel):
    value: str = Field(description="the field's value ('(none)': events without one)")
    cost: float = Field(description="estimated cost in the period, USD")
    requests: int
    share_pct: float | None = Field(description="share of the scope's estimated cost, percent")
    previous_cost: float = Field(description="estimated cost on the same weekdays before the period")
    change: float
    change_pct: float | None


class UsageRanking(BaseModel):
    field: str
    values: list[UsageRank] = Field(description="largest cost first")
    others: int = Field(description="values beyond `top`")


class TopUsageResult(BaseModel):
    scope: str
    start: dt.date
    end: dt.date = Field(description="exclusive end")
    previous_start: dt.date = Field(
        description="the comparison period: the same weekdays, whole weeks earlier"
    )
    total_cost: float
    previous_total_cost: float
    total_requests: int
    rankings: list[UsageRanking]


def run_top_usage(
    con: duckdb.DuckDBPyConnection, p: TopUsageInput, period: Period | None = None
) -> TopUsageResult:
    period = period or usage_period(con, p)
    fields = list(dict.fromkeys(p.by)) or ["feature"]
    shift = dt.timedelta(days=7 * math.ceil(period.days / 7))
    prev_start, prev_end = period.start - shift, period.end - shift
    clauses, params = usage_where(con, p.filters, alias="e.")
    mm_cte, mm_params = model_map_cte(con, _ts(prev_start), _ts(period.end))
    exprs = {f: ("coalesce(mm.canon, lower(e.model))" if f == "model" else f"e.{f}") for f in fields}
    keys = [f"CAST({exprs[f]} AS VARCHAR) AS k{i}" for i, f in enumerate(fields)]
    cols = [f"k{i}" for i in range(len(fields))]
    where = " AND ".join(["((e.ts >= ? AND e.ts < ?) OR (e.ts >= ? AND e.ts < ?))", *clauses])
    rows = con.execute(
        f"""WITH {mm_cte},
            base AS (
                SELECT {", ".join(keys)},
                       CASE WHEN e.ts >= ? THEN CAST(e.estimated_cost AS DOUBLE) END AS cur,
                       CASE WHEN e.ts < ? THEN CAST(e.estimated_cost AS DOUBLE) END AS prev,
                       CASE WHEN e.ts >= ? THEN e.requests END AS req
                FROM usage_events e LEFT JOIN model_map mm ON mm.raw = e.model
                WHERE {where}
            )
            SELECT {", ".join(f"GROUPING({c})" for c in cols)}, {", ".join(cols)},
                   coalesce(SUM(cur), 0), coalesce(SUM(prev), 0), coalesce(SUM(req), 0)
            FROM base GROUP BY GROUPING SETS ({", ".join(f"({c})" for c in cols)}, ())""",
        [
            *mm_params,
            _ts(period.start),
            _ts(period.start),
            _ts(period.start),
            _ts(period.start),
            _ts(period.end),
            _ts(prev_start),
            _ts(prev_end),
            *params,
        ],
    ).fetchall()
    n = len(fields)
    total = prev_total = 0.0
    total_req = 0
    per: dict[int, list[tuple[str, float, float, int]]] = {i: [] for i in range(n)}
    for r in rows:  # aggregated rows: the values of a few fields
        flags, values, cur, prev, req = (
            r[:n],
            r[n : 2 * n],
            float(r[2 * n]),
            float(r[2 * n + 1]),
            int(r[2 * n + 2]),
        )
        if all(flags):
            total, prev_total, total_req = cur, prev, req
            continue
        i = list(flags).index(0)
        per[i].append((values[i] if values[i] is not None else NONE_VALUE, cur, prev, req))
    rankings = []
    for i, f in enumerate(fields):
        ranked = sorted(per[i], key=lambda t: (-t[1], -t[2], t[0]))
        kept = [
            UsageRank(
                value=v,
                cost=round(c, 6),
                requests=q,
                share_pct=round(c / total * 100, 2) if total else None,
                previous_cost=round(pv, 6),
                change=round(c - pv, 6),
                change_pct=round((c - pv) / pv * 100, 2) if pv else None,
            )
            for v, c, pv, q in ranked[: p.top]
            if c or pv
        ]
        rankings.append(UsageRanking(field=f, values=kept, others=max(len(ranked) - p.top, 0)))
    return TopUsageResult(
        scope=describe_usage(p.filters),
        start=period.start,
        end=period.end,
        previous_start=prev_start,
        total_cost=round(total, 6),
        previous_total_cost=round(prev_total, 6),
        total_requests=total_req,
        rankings=rankings,
    )


@operation("top_usage", input_model=TopUsageInput, output_model=TopUsageResult)
def top_usage(store: Store, params: TopUsageInput) -> TopUsageResult:
    """The features and customers (or teams, models, code paths) that carry a telemetry scope's estimated cost in
    a period, each against the same weekdays before (default: the last 14 days of telemetry)."""
    with store.reader() as con:
        period = usage_period(con, params)
        check_usage_coverage(con, params, period)
        return run_top_usage(con, params, period)


# ------------------------------------------------------------------------------------------------ budgets


class BudgetImpact(BaseModel):
    budget_id: str
    name: str
    scope: str
    amount: float
    period_label: str
    spend_in_window: float = Field(description="spend in both the budget's scope and the given scope, USD")
    spent: float = Field(description="spent in the budget period so far")
    used_pct: float
    projected: float
    projected_pct: float
    status: str = Field(description="ok, warning, forecast_over or over")
    message: str


def budgets_covering(
    con: duckdb.DuckDBPyConnection,
    budgets: list[Budget],
    filters: list[Filter] | None,
    start: dt.date,
    end: dt.date,
    through: dt.date,
) -> tuple[list[BudgetImpact], list[str]]:
    """Budgets whose scope covers spend of `filters` (a bill scope; None: unknown, so only all-spend budgets) on
    days start..end (inclusive), with their status in the period that holds `end`, as of the day after
    `through` (at the latest the period's last day). Returns (impacts, notes)."""
    from spendscope.tools.governance.budgets import budget_period, evaluate

    notes: list[str] = []
    if not budgets:
        return [], notes
    source = query_source(con)
    if filters is None:
        candidates = [b for b in budgets if not b.filters]
        clauses, params = ["false"], []
    else:
        candidates = list(budgets)
        clauses, params = filter_sql(filters, con, source)
    sums, sum_params, kept = [], [], []
    for b in candidates:
        column, token_type = measure_sql(b.measure)
        scope = list(b.filters) + (
            [Filter(dimension="token_type", values=[token_type])] if token_type else []
        )
        try:
            b_clauses, b_params = filter_sql(scope, con, source)
        except UnknownDimension as exc:
            notes.append(f"budget {b.name}: {exc.message}")
            continue
        sums.append(f"SUM({column}) FILTER (WHERE {' AND '.join(['true', *b_clauses])})")
        sum_params += b_params
        kept.append(b)
    if not kept:
        return [], notes
    overlap = con.execute(
        f"SELECT {', '.join(sums)} FROM {source.relation} "
        f"WHERE {' AND '.join(['ChargePeriodStart >= ?', 'ChargePeriodStart < ?', *clauses])}",
        [*sum_params, _ts(start), _ts(end + dt.timedelta(days=1)), *params],
    ).fetchall()[0]
    out = []
    for b, spend in zip(kept, overlap, strict=True):
        if filters is not None and not spend and b.filters:
            continue
        _, period_end, _ = budget_period(b, end)
        as_of = min(through + dt.timedelta(days=1), period_end - dt.timedelta(days=1))
        s = evaluate(con, b, as_of)
        fired = [a.message for a in s.alerts if a.triggered]
        message = (
            fired[-1]
            if fired
            else (
                f"{b.name}: {s.used_pct:.0f}% of {b.amount:,.2f} used in "
                f"{s.period_label}, forecast {s.projected_pct:.0f}%"
            )
        )
        out.append(
            BudgetImpact(
                budget_id=b.budget_id,
                name=b.name,
                scope=b.scope,
                amount=b.amount,
                period_label=s.period_label,
                spend_in_window=round(float(spend or 0), 6),
                spent=round(s.spent, 6),
                used_pct=round(s.used_pct, 2),
                projected=round(s.projected, 6),
                projected_pct=round(s.projected_pct, 2),
                status=s.status,
                message=message,
            )
        )
    rank = {"over": 0, "forecast_over": 1, "warning": 2, "ok": 3}
    out.sort(key=lambda x: (rank.get(x.status, 4), -x.used_pct, x.name))
    return out, notes


# ------------------------------------------------------------------------------------------ dominant value


def dominant_value(
    con: duckdb.DuckDBPyConnection,
    key: str,
    bill: list[Filter] | None,
    usage: list[UsageFilter] | None,
    start: dt.date,
    end: dt.date,
) -> tuple[str, float] | None:
    """(value, share %) of the tag `key` that carries most of a scope's spend on days start..end (inclusive):
    on the bill when the scope and the key exist there, else in telemetry. None when nothing carries one."""
    lo, hi = _ts(start), _ts(end + dt.timedelta(days=1))
    rows = None
    if bill is not None:
        source = query_source(con)
        try:
            expr = dimension_sql(key, con, source)
            clauses, params = filter_sql(bill, con, source)
        except UnknownDimension:
            expr = None
        if expr is not None:
            where = " AND ".join(["ChargePeriodStart >= ?", "ChargePeriodStart < ?", *clauses])
            rows = con.execute(
                f"SELECT CAST({expr} AS VARCHAR) AS v, SUM(CAST(EffectiveCost AS DOUBLE)) AS c, "
                f"SUM(SUM(CAST(EffectiveCost AS DOUBLE))) OVER () AS t FROM {source.relation} WHERE {where} "
                "GROUP BY 1 ORDER BY v IS NULL, c DESC NULLS LAST, v LIMIT 1",
                [lo, hi, *params],
            ).fetchall()
    if rows is None and usage is not None and key in USAGE_FIELDS:
        clauses, params = usage_where(con, usage)
        where = " AND ".join(["ts >= ?", "ts < ?", *clauses])
        rows = con.execute(
            f"SELECT CAST({key} AS VARCHAR) AS v, SUM(CAST(estimated_cost AS DOUBLE)) AS c, "
            f"SUM(SUM(CAST(estimated_cost AS DOUBLE))) OVER () AS t FROM usage_events WHERE {where} "
            "GROUP BY 1 ORDER BY v IS NULL, c DESC NULLS LAST, v LIMIT 1",
            [lo, hi, *params],
        ).fetchall()
    if not rows or rows[0][0] is None or not rows[0][2]:
        return None
    return rows[0][0], round(float(rows[0][1]) / float(rows[0][2]) * 100, 2)
