"""Everything the triage router needs to know about one anomaly (an event: the anomaly and the other anomalies
of the same event), gathered from the analytics tools: where the spend is on the bill and in telemetry, the
drivers, the budgets it counts against, the commits first seen near its start, the features and customers that
carry it, whether it is still growing, who owns it, and the severity to route it at.

Owner: the first of these that has an owner in the owner map (tools.allocation.owners) wins: the event's own team; its
own feature or other tag value; a dimension value that carries at least half of the change (root cause, team
first); the tag value that carries most of the scope's spend, for every tag key the owner map uses (team
first); any other dimension of the event (customer, model, service, provider). None found: unowned, with the
team it most likely belongs to named in the reason.

Severity: the detector's tier by dollar impact (tools.governance.anomalies.severity_of), one tier up when the anomaly
touches the last day of data and its last day deviates more than any earlier day (still growing).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import duckdb
from pydantic import BaseModel, Field
from spendscope.data.errors import NotFound, UnknownDimension
from spendscope.data.store import Store
from spendscope.tools.allocation.owners import Owner, load_owners, owner_for
from spendscope.tools.costs.breakdown import Filter, filter_sql
from spendscope.tools.costs.dimensions import BUILTIN_DIMENSIONS, dimension_sql, measure_sql, query_source
from spendscope.tools.governance.anomalies import AnomalyIdInput, get_anomaly
from spendscope.tools.governance.anomaly_detection import (
    NONE_VALUE,
    SEVERITIES,
    TELEMETRY_COLUMNS,
    Anomaly,
    RootCauseItem,
    top_drivers,
)
from spendscope.tools.governance.budgets import list_budgets
from spendscope.tools.money_text import money
from spendscope.tools.periods import data_end
from spendscope.tools.triage.facts import (
    USAGE_FIELDS,
    BudgetImpact,
    NewCommit,
    TopUsageInput,
    TopUsageResult,
    UsageFilter,
    budgets_covering,
    commits_first_seen,
    dominant_value,
    run_top_usage,
    usage_where,
)

COMMITS_BEFORE_DAYS = 3  # commits first seen this many days before the start, up to the end of the start day
GROWTH_MARGIN = 1.1  # growing: the last day deviates 10% more than any earlier day
SPECIFIC = (
    "feature",
    "team",
    "customer",
    "model",
    "service",
    "sub_account",
    "provider",
)  # lead member preference
USAGE_SCOPE_ORDER = ("feature", "team", "model", "customer")


def _ts(d: dt.date) -> dt.datetime:
    return dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC)


def _money(x: float) -> str:
    return money(abs(x), digits=2)


# ------------------------------------------------------------------------------------------------ scope


class AnomalyScope(BaseModel):
    bill: list[Filter] | None = Field(description="the spend on the bill (None: not expressible there)")
    usage: list[UsageFilter] | None = Field(description="the spend in telemetry (None: not instrumented)")
    notes: list[str] = Field(default_factory=list)


def carriers(a: Anomaly) -> list[RootCauseItem]:
    """Root-cause values that carry at least half of the change in the anomaly's direction, largest share first."""
    items = [
        it
        for it in a.root_cause or []
        if it.value != NONE_VALUE
        and it.share_pct is not None
        and it.share_pct >= 50
        and (it.impact > 0) == (a.direction == "spike")
    ]
    return sorted(items, key=lambda it: (-(it.share_pct or 0), it.dimension, it.value))


def _on_bill(con: duckdb.DuckDBPyConnection, dimension: str) -> bool:
    try:
        dimension_sql(dimension, con, query_source(con))
    except UnknownDimension:
        return False
    return True


def anomaly_scope(con: duckdb.DuckDBPyConnection, a: Anomaly) -> AnomalyScope:
    notes: list[str] = []
    carried = carriers(a)
    bill: list[Filter] | None = None
    if a.source == "costs" or _on_bill(con, a.dimension):
        bill = [Filter(dimension=a.dimension, values=[a.value])]
    else:
        on_bill = [
            it for it in carried if it.dimension in ("feature", "team") and _on_bill(con, it.dimension)
        ]
        it = min(on_bill, key=lambda it: it.dimension != "feature", default=None)
        if it is not None:
            bill = [Filter(dimension=it.dimension, values=[it.value])]
            notes.append(f"on the bill this is {it.dimension} {it.value} ({it.share_pct:.0f}% of the change)")
    usage: list[UsageFilter] | None = None
    own = a.dimension if a.dimension in USAGE_FIELDS and a.dimension in TELEMETRY_COLUMNS else None
    if own and (a.source == "usage_events" or own in ("team", "feature", "customer", "model")):
        usage = [UsageFilter(field=own, values=[a.value])]  # type: ignore[arg-type]
    else:
        picks = sorted(
            (it for it in carried if it.dimension in USAGE_SCOPE_ORDER),
            key=lambda it: USAGE_SCOPE_ORDER.index(it.dimension),
        )
        if picks:
            it = picks[0]
            usage = [UsageFilter(field=it.dimension, values=[it.value])]  # type: ignore[arg-type]
            notes.append(
                f"in telemetry this is {it.dimension} {it.value} ({it.share_pct:.0f}% of the change)"
            )
    if usage is not None:
        clauses, params = usage_where(con, usage)
        if not con.execute(
            f"SELECT 1 FROM usage_events WHERE {' AND '.join(clauses)} LIMIT 1", params
        ).fetchall():
            usage = None
            notes.append("telemetry holds no events for this spend")
    return AnomalyScope(bill=bill, usage=usage, notes=notes)


# ------------------------------------------------------------------------------------------------ trend


class TrendPoint(BaseModel):
    day: dt.date
    actual: float
    usual: float = Field(description="median of the same weekday in the 4 weeks before the anomaly")
    deviation: float = Field(description="actual - usual")


class Trend(BaseModel):
    state: Literal["growing", "steady", "easing", "ended", "new"]
    ongoing: bool = Field(description="the anomaly touches the last day of data")
    through: dt.date = Field(description="last day of data considered")
    points: list[TrendPoint]
    description: str


def daily_points(con: duckdb.DuckDBPyConnection, a: Anomaly, through: dt.date) -> list[TrendPoint]:
    """The anomaly's series from its first day to `through`: each day's spend and the median of the same weekday
    in the 4 weeks before the anomaly began, in one query."""
    last = min(max(a.end_day, a.start_day), through)
    if a.source == "costs":
        source = query_source(con)
        column, token_type = measure_sql(a.measure)
        scope = [Filter(dimension=a.dimension, values=[a.value])]
        if token_type:
            scope.append(Filter(dimension="token_type", values=[token_type]))
        clauses, params = filter_sql(scope, con, source)
        relation, ts_col, value = source.relation, "ChargePeriodStart", f"CAST({column} AS DOUBLE)"
    else:
        clauses, params = usage_where(con, [UsageFilter(field=a.dimension, values=[a.value])])  # type: ignore[arg-type]
        relation, ts_col, value = "usage_events", "ts", "CAST(estimated_cost AS DOUBLE)"
    where = " AND ".join([f"{ts_col} >= ?", f"{ts_col} < ?", *clauses])
    rows = con.execute(
        f"""WITH d AS (SELECT CAST({ts_col} AS DATE) AS day, SUM({value}) AS v FROM {relation} WHERE {where}
                       GROUP BY 1),
                days AS (SELECT unnest(CAST(? AS DATE[])) AS day),
                refs AS (SELECT days.day, days.day - CAST(7 * (CAST(ceil((days.day - CAST(? AS DATE) + 1) / 7.0)
                                AS INTEGER) + k) AS INTEGER) AS ref
                         FROM days, range(0, 4) r(k))
            SELECT days.day, coalesce(any_value(cur.v), 0),
                   coalesce(median(coalesce(ref.v, 0)), 0)
            FROM days LEFT JOIN d AS cur ON cur.day = days.day
            JOIN refs ON refs.day = days.day LEFT JOIN d AS ref ON ref.day = refs.ref
            GROUP BY days.day ORDER BY days.day""",
        [
            _ts(a.start_day - dt.timedelta(days=35)),
            _ts(last + dt.timedelta(days=1)),
            *params,
            [a.start_day + dt.timedelta(days=i) for i in range((last - a.start_day).days + 1)],
            a.start_day,
        ],
    ).fetchall()
    return [
        TrendPoint(day=r[0], actual=round(r[1], 6), usual=round(r[2], 6), deviation=round(r[1] - r[2], 6))
        for r in rows
    ]


def trend_of(a: Anomaly, points: list[TrendPoint], through: dt.date) -> Trend:
    ongoing = a.end_day >= through
    sign = 1.0 if a.direction == "spike" else -1.0
    devs = [sign * p.deviation for p in points]
    if not ongoing:
        state, text = "ended", f"ended on {a.end_day} (data through {through})"
    elif len(devs) < 2:
        state, text = "new", f"first seen on the last day of data ({through})"
    else:
        last, before = devs[-1], max(devs[:-1])
        word = "above" if a.direction == "spike" else "below"
        if last > 0 and last > before * GROWTH_MARGIN:
            state = "growing"
            text = (
                f"still growing: {_money(last)} {word} usual on {points[-1].day}, more than any earlier day "
                f"(at most {_money(before)})"
            )
        elif last >= 0.7 * max(devs):
            state, text = "steady", f"ongoing: {_money(last)} {word} usual on {points[-1].day}"
        else:
            state = "easing"
            text = f"easing: {_money(max(last, 0))} {word} usual on {points[-1].day}, down from {_money(max(devs))}"
    return Trend(state=state, ongoing=ongoing, through=through, points=points, description=text)  # type: ignore[arg-type]


def triage_severity(a: Anomaly, trend: Trend) -> tuple[str, str]:
    """(severity, why): the detector's tier by dollar impact, one up while the anomaly is still growing."""
    base = f"{a.severity} by cost impact ({_money(a.impact)})"
    if trend.state == "growing" and a.severity != SEVERITIES[-1]:
        up = SEVERITIES[SEVERITIES.index(a.severity) + 1]
        return up, f"{base}, raised to {up}: it is still growing"
    return a.severity, base


# ------------------------------------------------------------------------------------------------ owner


class OwnerMatch(BaseModel):
    owner: Owner | None = Field(description="the owner found in the owner map (None: unowned)")
    key: str | None = Field(description="tag key that found the owner, or the likely one when unowned")
    value: str | None
    reason: str = Field(description="how the owner was found, or what is missing")


def find_owner(
    con: duckdb.DuckDBPyConnection, a: Anomaly, members: list[Anomaly], scope: AnomalyScope, through: dt.date
) -> OwnerMatch:
    event = [a, *members]
    keys = sorted({o.key for o in load_owners(con)}, key=lambda k: (k != "team", k))
    candidates: list[tuple[str, str, str]] = []
    builtin = set(BUILTIN_DIMENSIONS) | {"customer", "env", "operation"}
    for m in event:
        if m.dimension == "team" and m.value != NONE_VALUE:
            candidates.append(("team", m.value, f"the spend is team {m.value}'s"))
    for m in event:
        if m.dimension not in builtin and m.dimension != "team" and m.value != NONE_VALUE:
            candidates.append((m.dimension, m.value, f"the spend is {m.dimension} {m.value}'s"))
    for m in event:
        for it in sorted(carriers(m), key=lambda it: it.dimension != "team"):
            candidates.append(
                (
                    it.dimension,
                    it.value,
                    f"{it.dimension} {it.value} carries {it.share_pct:.0f}% of the change",
                )
            )
    for key in keys:
        top = dominant_value(con, key, scope.bill, scope.usage, a.start_day, min(a.end_day, through))
        if top is not None:
            candidates.append((key, top[0], f"{key} {top[0]} carries {top[1]:.0f}% of this spend"))
    for m in event:
        if m.value != NONE_VALUE:
            candidates.append((m.dimension, m.value, f"the anomaly is in {m.dimension} {m.value}"))
    seen: set[tuple[str, str]] = set()
    for key, value, why in candidates:
        if (key, value.lower()) in seen:
            continue
        seen.add((key, value.lower()))
        owner = owner_for(con, key, value)
        if owner is not None:
            return OwnerMatch(
                owner=owner, key=owner.key, value=owner.value, reason=f"{why}; owner of {key}={value}"
            )
    team = next(((v, why) for k, v, why in candidates if k == "team"), None)
    if team is not None:
        return OwnerMatch(
            owner=None,
            key="team",
            value=team[0],
            reason=f"unowned: {team[1]}, but no owner is set for team={team[0]} "
            f"(spendscope owners set team {team[0]} --slack-channel ...)",
        )
    return OwnerMatch(
        owner=None,
        key=None,
        value=None,
        reason="unowned: no tag value of this spend has an owner (spendscope owners set KEY VALUE ...)",
    )


# ------------------------------------------------------------------------------------------------ facts


class TriageFacts(BaseModel):
    anomaly: Anomaly = Field(description="the event's lead anomaly")
    members: list[Anomaly] = Field(description="the other anomalies of the same event")
    data_through: dt.date
    scope: AnomalyScope
    drivers: list[RootCauseItem] = Field(description="values that explain the change, most telling first")
    budgets: list[BudgetImpact]
    commits: list[NewCommit] = Field(description="commits first seen in the scope's telemetry near the start")
    usage: TopUsageResult | None = Field(description="features and customers carrying the spend (telemetry)")
    trend: Trend
    owner: OwnerMatch
    severity: str
    severity_reason: str
    notes: list[str] = Field(default_factory=list)


def lead_of(anomalies: list[Anomaly]) -> Anomaly:
    """The anomaly an event is reported as: the most specific series carrying at least 90% of the largest
    impact (feature before team, customer, model, service, provider), largest impact first."""
    top = max(abs(a.impact) for a in anomalies)
    near = [a for a in anomalies if abs(a.impact) >= 0.9 * top]

    def rank(a: Anomaly) -> tuple[int, float, str]:
        spec = SPECIFIC.index(a.dimension) if a.dimension in SPECIFIC else len(SPECIFIC) - 1
        return (spec + (len(SPECIFIC) if a.value == NONE_VALUE else 0), -abs(a.impact), a.anomaly_id)

    return min(near, key=rank)


def data_through(store: Store, as_of: dt.date | None = None) -> dt.date | None:
    """The last day of cost data a detection as of `as_of` sees."""
    with store.reader() as con:
        last = data_end(con)
    if last is None or as_of is None:
        return last
    return min(last, as_of - dt.timedelta(days=1))


def gather_facts(store: Store, a: Anomaly, members: list[Anomaly], through: dt.date) -> TriageFacts:
    """The facts about one event (lead anomaly `a` and the other anomalies of it), as of data through `through`."""
    notes: list[str] = []
    if a.root_cause is None:
        try:
            a = a.model_copy(
                update={
                    "root_cause": get_anomaly(
                        store, AnomalyIdInput(anomaly_id=a.anomaly_id)
                    ).anomaly.root_cause
                }
            )
        except NotFound:
            notes.append("no root cause was worked out for this anomaly")
    budgets = list_budgets(store).budgets
    last = min(a.end_day, through)
    with store.reader() as con:
        scope = anomaly_scope(con, a)
        notes += scope.notes
        drivers = top_drivers(a.root_cause or [], a.direction, limit=4)
        if not drivers:
            drivers = [it for it in carriers(a) if (it.usual_share_pct or 0) < 95][:4]
        impacts, budget_notes = budgets_covering(con, budgets, scope.bill, a.start_day, last, through)
        notes += budget_notes
        commits: list[NewCommit] = []
        usage: TopUsageResult | None = None
        if scope.usage is not None:
            commits = commits_first_seen(
                con,
                scope.usage,
                _ts(a.start_day - dt.timedelta(days=COMMITS_BEFORE_DAYS)),
                _ts(a.start_day + dt.timedelta(days=1)),
            )
            fields = {f.field for f in scope.usage}
            by = [f for f in ("feature", "customer") if f not in fields] or ["model"]
            usage = run_top_usage(
                con, TopUsageInput(start=a.start_day, end=last, by=by, filters=scope.usage, top=3)
            )  # type: ignore[arg-type]
        trend = trend_of(a, daily_points(con, a, through), through)
        owner = find_owner(con, a, members, scope, through)
    severity, why = triage_severity(a, trend)
    return TriageFacts(
        anomaly=a,
        members=members,
        data_through=through,
        scope=scope,
        drivers=drivers,
        budgets=impacts,
        commits=commits,
        usage=usage,
        trend=trend,
        owner=owner,
        severity=severity,
        severity_reason=why,
        notes=notes,
    )
