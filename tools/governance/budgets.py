"""Budgets: an amount per period for any scope (filters over any dimension, virtual tags included); status,
burn rate, projected period end from the forecast, and alerts at thresholds of actual spend and when the
forecast goes over.

Periods are monthly, quarterly or annual (calendar, or anchored on the budget's start date for fiscal years),
or custom (a fixed start and end). "As of" a day means: spend before that day counts, and the forecast is fitted
on data before it only; when the store's data ends earlier, the days in between are forecast too.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from typing import Any, Literal

import duckdb
import numpy as np
from pydantic import BaseModel, Field, field_validator
from spendscope.data.errors import InvalidArgument, InvalidPeriod, NotFound
from spendscope.data.newest_day import newest_day_note
from spendscope.data.store import Store
from spendscope.tools.charts import bar_chart, chart_builder
from spendscope.tools.costs.breakdown import Filter, check_day_covered, filter_sql, within
from spendscope.tools.costs.dimensions import dimension_sql, measure_sql, query_source
from spendscope.tools.governance.forecast import check_scope_values, data_end, forecast_scope, scope_label
from spendscope.tools.money_text import InBillCurrency, money
from spendscope.tools.periods import add_months
from spendscope.tools.registry import operation

PeriodKind = Literal["monthly", "quarterly", "annual", "custom"]
PERIOD_MONTHS = {"monthly": 1, "quarterly": 3, "annual": 12}
DEFAULT_THRESHOLDS = [50.0, 80.0, 100.0]
LATE_DAYS = 7  # check_budgets also re-judges a period that ended this recently (bills arrive late)
CALENDAR = dt.date(2000, 1, 1)


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.strip().lower()).strip("-")


# ------------------------------------------------------------------------------------------ models


class BudgetInput(BaseModel):
    name: str = Field(min_length=1, max_length=80, description="e.g. 'search team' or 'OpenAI'")
    amount: Decimal = Field(gt=0, description="budget per period, in the billing currency")
    period: PeriodKind = Field("monthly", description="monthly, quarterly, annual or custom")
    filters: list[Filter] = Field(default_factory=list, description="the scope (empty: all spend)")
    measure: str = Field("cost", description="cost (EffectiveCost, default), billed_cost, list_cost")
    start: dt.date | None = Field(
        None,
        description="custom: first day; recurring: first day of the first period "
        "(anchors fiscal periods, day 1-28); default calendar periods",
    )
    end: dt.date | None = Field(None, description="custom: last day (inclusive)")
    thresholds: list[float] = Field(
        default_factory=lambda: list(DEFAULT_THRESHOLDS),
        description="percent of the amount that raise an actual-spend alert",
    )
    forecast_alert: bool = Field(True, description="also alert when the forecast goes over the amount")
    owner: str | None = Field(None, description="person, team or channel that answers for it")
    allow_unknown_values: bool = Field(False, description="accept filter values the store has not seen yet")

    @field_validator("thresholds")
    @classmethod
    def _thresholds(cls, v: list[float]) -> list[float]:
        if not v or any(not 0 < t <= 1000 for t in v):
            raise ValueError("thresholds are percentages of the amount, each above 0 and at most 1000")
        return sorted(set(float(t) for t in v))


class Budget(BaseModel):
    budget_id: str
    name: str
    amount: float
    period: PeriodKind
    filters: list[Filter]
    scope: str
    measure: str
    start_date: dt.date | None
    end_date: dt.date | None
    thresholds: list[float]
    forecast_alert: bool
    owner: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


class BudgetSaved(BaseModel):
    budget: Budget
    created: bool = Field(description="false when an existing budget of that name was updated")


class BudgetList(BaseModel):
    budgets: list[Budget]
    note: str | None = Field(None, description="why the list is empty, when it is")


class BudgetAlert(BaseModel):
    kind: Literal["actual", "forecast"]
    threshold_pct: float
    threshold_amount: float
    triggered: bool
    crossed_on: dt.date | None = Field(
        None,
        description="actual: day the spend crossed it; forecast: the day the forecast crosses the amount",
    )
    message: str


class BudgetStatus(BaseModel):
    budget: Budget
    period_start: dt.date
    period_end: dt.date = Field(description="last day of the period (inclusive)")
    period_label: str
    days_total: int
    days_elapsed: int = Field(description="days of the period with data counted (up to as_of or data end)")
    data_through: dt.date | None
    spent: float
    remaining: float
    used_pct: float
    burn_rate_daily: float | None = Field(description="spent / days elapsed")
    allowed_daily: float | None = Field(
        description="remaining / days left: the daily rate that lands on budget"
    )
    linear_projection: float | None = Field(description="burn rate x days in the period")
    projected: float = Field(description="spent + forecast of the rest of the period")
    projected_lower: float
    projected_upper: float
    projected_pct: float
    exceed_probability_pct: float | None = Field(description="share of simulated futures that go over")
    projected_exhaustion_day: dt.date | None = Field(
        description="day the budget runs out (actual or forecast)"
    )
    forecast_model: str | None
    level: float
    status: Literal["ok", "warning", "forecast_over", "over"]
    alerts: list[BudgetAlert]
    notes: list[str] = Field(default_factory=list)


FILTERS_DESCRIPTION = (
    "only budgets whose own scope lies within these filters (a budget for team=search and provider=OpenAI "
    "lies within team=search); their figures are computed over the matching rows only"
)


class BudgetStatusInput(BaseModel):
    name: str | None = Field(None, description="one budget (name or id); default all")
    as_of: dt.date | None = Field(None, description="'today': spend before this day counts; default today")
    level: float = Field(90.0, gt=50, lt=100, description="interval level of the projection, percent")
    filters: list[Filter] = Field(default_factory=list, description=FILTERS_DESCRIPTION)


class BudgetStatusResult(InBillCurrency):
    as_of: dt.date
    budgets: list[BudgetStatus]
    note: str | None = Field(None, description="why the list is empty, when it is")


class BudgetNameInput(BaseModel):
    name: str = Field(description="budget name or id")


class BudgetRemoved(BaseModel):
    budget_id: str
    name: str
    removed: bool = True


class NewBudgetAlert(BaseModel):
    budget_id: str
    name: str
    scope: str
    owner: str | None
    period_start: dt.date
    period_label: str
    kind: Literal["actual", "forecast"]
    threshold_pct: float
    amount: float
    spent: float
    projected: float
    message: str


class CheckBudgetsResult(BaseModel):
    as_of: dt.date
    new_alerts: list[NewBudgetAlert] = Field(
        description="alerts not raised before for the same budget, period, kind and threshold"
    )
    checked: int


# ------------------------------------------------------------------------------------------ periods


def _shift(anchor: dt.date, months: int) -> dt.date:
    first = add_months(anchor.replace(day=1), months)
    return first.replace(day=anchor.day)


def budget_period(b: Budget, as_of: dt.date) -> tuple[dt.date, dt.date, str]:
    """(start, end exclusive, label) of the budget period that contains `as_of` (the first period when
    `as_of` is before the budget starts)."""
    if b.period == "custom":
        assert b.start_date and b.end_date
        return b.start_date, b.end_date + dt.timedelta(days=1), f"{b.start_date} to {b.end_date}"
    n = PERIOD_MONTHS[b.period]
    anchor = b.start_date or CALENDAR
    months = (
        (as_of.year - anchor.year) * 12 + as_of.month - anchor.month - (1 if as_of.day < anchor.day else 0)
    )
    k = max(months, 0) // n
    start, end = _shift(anchor, k * n), _shift(anchor, (k + 1) * n)
    if start.day == 1 and n == 1:
        return start, end, start.strftime("%B %Y")
    if start.day == 1 and n == 3 and start.month in (1, 4, 7, 10):
        return start, end, f"Q{(start.month - 1) // 3 + 1} {start.year}"
    if start.day == 1 and n == 12 and start.month == 1:
        return start, end, str(start.year)
    return start, end, f"{start} to {end - dt.timedelta(days=1)}"


# ------------------------------------------------------------------------------------------ storage

_COLS = [
    "budget_id",
    "name",
    "amount",
    "period",
    "filters",
    "scope",
    "measure",
    "start_date",
    "end_date",
    "thresholds",
    "forecast_alert",
    "owner",
    "created_at",
    "updated_at",
]


def _load(con: duckdb.DuckDBPyConnection, key: str | None = None) -> list[Budget]:
    select = ", ".join("CAST(amount AS DOUBLE) AS amount" if c == "amount" else c for c in _COLS)
    if key is None:
        rows = con.execute(f"SELECT {select} FROM budgets ORDER BY name").fetchall()
    else:
        rows = con.execute(
            f"SELECT {select} FROM budgets WHERE budget_id = ? OR lower(name) = lower(?)",
            [slug(key), key.strip()],
        ).fetchall()
    out = []
    for r in rows:
        d = dict(zip(_COLS, r, strict=True))
        d["filters"] = [Filter(**f) for f in json.loads(d["filters"])]
        d["thresholds"] = json.loads(d["thresholds"])
        out.append(Budget(**d))
    return out


def _find(con: duckdb.DuckDBPyConnection, key: str, filters: list[Filter] | None = None) -> Budget:
    """The budget named (or with the id) `key`, among those within `filters`; NotFound names the others."""
    found = _visible(_load(con, key), filters or [])
    if not found:
        names = [b.name for b in _visible(_load(con), filters or [])]
        raise NotFound(
            f"no budget named {key!r}; "
            + (
                f"budgets: {', '.join(names)}"
                if names
                else "none defined yet (spendscope budgets set NAME --amount N)"
            ),
            argument="name",
            value=key,
        )
    return found[0]


# ------------------------------------------------------------------------------------------ operations


@operation("set_budget", input_model=BudgetInput, output_model=BudgetSaved, writes=True)
def set_budget(store: Store, params: BudgetInput) -> BudgetSaved:
    """Create or update a budget: an amount per period for a scope (any filters), with alert thresholds."""
    bid = slug(params.name)
    if not bid:
        raise InvalidArgument(
            f"budget name {params.name!r} needs at least one letter or digit", argument="name"
        )
    measure_sql(params.measure)
    if params.period == "custom":
        if not (params.start and params.end):
            raise InvalidPeriod("a custom budget needs both start and end (inclusive)", argument="start")
        if params.end < params.start:
            raise InvalidPeriod(f"end {params.end} is before start {params.start}", argument="end")
    else:
        if params.end is not None:
            raise InvalidPeriod(
                f"a {params.period} budget repeats; end applies to custom budgets only", argument="end"
            )
        if params.start is not None and params.start.day > 28:
            raise InvalidPeriod(
                f"start {params.start}: a recurring budget's periods start on day 1 to 28", argument="start"
            )
    with store.reader() as con:
        source = query_source(con)
        for f in params.filters:
            dimension_sql(f.dimension, con, source)
        filter_sql(params.filters, con, source)
        if not params.allow_unknown_values:
            check_scope_values(con, params.filters)
    now = dt.datetime.now(dt.UTC)
    filters = json.dumps([f.model_dump() for f in params.filters])
    with store.writer() as con:
        existing = con.execute("SELECT created_at FROM budgets WHERE budget_id = ?", [bid]).fetchall()
        created_at = existing[0][0] if existing else now
        con.execute(
            f"INSERT INTO budgets ({', '.join(_COLS)}) VALUES ({', '.join('?' for _ in _COLS)}) "
            "ON CONFLICT (budget_id) DO UPDATE SET "
            + ", ".join(f"{c} = excluded.{c}" for c in _COLS if c not in ("budget_id", "created_at")),
            [
                bid,
                params.name.strip(),
                params.amount,
                params.period,
                filters,
                scope_label(params.filters),
                params.measure,
                params.start,
                params.end,
                json.dumps(params.thresholds),
                params.forecast_alert,
                params.owner,
                created_at,
                now,
            ],
        )
        budget = _load(con, bid)[0]
    return BudgetSaved(budget=budget, created=not existing)


class ListBudgetsInput(BaseModel):
    filters: list[Filter] = Field(default_factory=list, description=FILTERS_DESCRIPTION)


def _visible(budgets: list[Budget], filters: list[Filter]) -> list[Budget]:
    return [b for b in budgets if within(b.filters, filters)]


@operation("list_budgets", input_model=ListBudgetsInput, output_model=BudgetList)
def list_budgets(store: Store, params: ListBudgetsInput | None = None) -> BudgetList:
    """Every budget with its scope, amount, period and thresholds (with filters: those within them)."""
    filters = params.filters if params else []
    with store.reader() as con:
        budgets = _visible(_load(con), filters)
    return BudgetList(budgets=budgets, note=None if budgets else _none_note(filters))


@operation("remove_budget", input_model=BudgetNameInput, output_model=BudgetRemoved, writes=True)
def remove_budget(store: Store, params: BudgetNameInput) -> BudgetRemoved:
    """Delete a budget and the record of the alerts it raised."""
    with store.writer() as con:
        b = _find(con, params.name)
        con.execute("DELETE FROM budget_alerts WHERE budget_id = ?", [b.budget_id])
        con.execute("DELETE FROM budgets WHERE budget_id = ?", [b.budget_id])
    return BudgetRemoved(budget_id=b.budget_id, name=b.name)


def _ts(d: dt.date) -> dt.datetime:
    return dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC)


def _money(x: float) -> str:
    return money(x, digits=2)


def _spent_on(
    con: duckdb.DuckDBPyConnection, source: Any, column: str, filters: list[Filter], day: dt.date
) -> float:
    """The scope's amount on one day."""
    clauses, params = filter_sql(filters, con, source)
    where = " AND ".join(["ChargePeriodStart >= ?", "ChargePeriodStart < ?", *clauses])
    row = con.execute(
        f"SELECT coalesce(SUM({column}), 0) FROM {source.relation} WHERE {where}",
        [_ts(day), _ts(day + dt.timedelta(days=1)), *params],
    ).fetchall()
    return float(row[0][0])


def evaluate(
    con: duckdb.DuckDBPyConnection,
    b: Budget,
    as_of: dt.date,
    level: float = 90.0,
    period_day: dt.date | None = None,
    only: list[Filter] | None = None,
    newest: dict[dt.date, str | None] | None = None,
) -> BudgetStatus:
    """A budget's status as of a day (see the module docstring for what 'as of' means), for the period that
    contains `period_day` (default: the one containing `as_of`), over the rows that also match `only`."""
    start, end, label = budget_period(b, period_day or as_of)
    last = data_end(con)
    cutoff = as_of if last is None else min(as_of, last + dt.timedelta(days=1))
    # a newest day still accruing counts as spent as it stands, but is forecast whole (data.newest_day);
    # `newest` keeps the judgement across the budgets of one call (it reads five days of rows)
    held = None
    if last is not None and cutoff == last + dt.timedelta(days=1):
        newest = {} if newest is None else newest
        if last not in newest:
            newest[last] = newest_day_note(con, last)
        held = newest[last]
    counted_end = min(max(cutoff, start), end)
    column, token_type = measure_sql(b.measure)
    source = query_source(con)
    scope = [*b.filters, *(only or [])]
    filters = scope + ([Filter(dimension="token_type", values=[token_type])] if token_type else [])
    clauses, params = filter_sql(filters, con, source)
    where = " AND ".join(["ChargePeriodStart >= ?", "ChargePeriodStart < ?", *clauses])
    amount = Decimal(str(b.amount))
    thresholds = [t for t in b.thresholds]
    rows = con.execute(
        f"""
        WITH d AS (SELECT CAST(ChargePeriodStart AS DATE) AS day, SUM({column}) AS v
                   FROM {source.relation} WHERE {where} GROUP BY 1),
             c AS (SELECT day, SUM(v) OVER (ORDER BY day) AS cum FROM d)
        SELECT t.pct, (SELECT coalesce(SUM(v), 0) FROM d),
               (SELECT min(day) FROM c WHERE cum >= CAST(? AS DECIMAL(38,10)) * CAST(t.pct AS DECIMAL(38,10)) / 100)
        FROM unnest(CAST(? AS DOUBLE[])) AS t(pct) ORDER BY t.pct
        """,
        [_ts(start), _ts(counted_end), *params, amount, [*thresholds, 100.0]],
    ).fetchall()
    spent = rows[0][1] if rows else Decimal(0)
    crossed = {float(r[0]): r[2] for r in rows}
    days_total = (end - start).days
    elapsed = (counted_end - start).days
    notes: list[str] = []
    if last is None:
        notes.append("the store holds no cost data yet")
    elif as_of > last + dt.timedelta(days=1) and cutoff < end:
        notes.append(f"cost data ends {last}; the days after it are forecast")
    spent_f = float(spent)
    burn = spent_f / elapsed if elapsed > 0 else None
    remaining_days = (end - counted_end).days
    projected, lower, upper, probability, model = spent_f, spent_f, spent_f, None, None
    exhaustion = crossed.get(100.0)
    if remaining_days > 0:
        try:
            base, first = spent_f, cutoff  # what the projection adds to, and its first forecast day
            if held and last is not None and start <= last:
                base -= _spent_on(con, source, column, filters, last)
                first = last
                notes.append(f"{held}; the projection forecasts it as a whole day")
            sf = forecast_scope(
                con, scope, b.measure, first, (end - first).days, level=level, run_backtest=False
            )
            fc = sf.forecast
            skip = max((start - first).days, 0)  # forecast days before the period starts
            rest = float(fc.mean[skip:].sum())
            lo, hi = fc.total_quantiles(level, skip)
            projected, lower, upper = base + rest, base + lo, base + hi
            probability = float(np.mean(base + fc.total_samples(skip) > float(amount)) * 100)
            model = fc.model
            if exhaustion is None:
                cum = base + np.cumsum(fc.mean[skip:])
                hit = np.nonzero(cum >= float(amount))[0]
                exhaustion = first + dt.timedelta(days=skip + int(hit[0])) if len(hit) else None
        except InvalidPeriod:
            if burn is not None:
                projected = lower = upper = burn * days_total
                model = "linear (burn rate x days)"
                notes.append("under 14 days of history for this scope: projected linearly from the burn rate")
            else:
                notes.append("no spend in this scope yet: nothing to project")
    used = spent_f / float(amount) * 100
    alerts = [
        BudgetAlert(
            kind="actual",
            threshold_pct=t,
            threshold_amount=float(amount) * t / 100,
            triggered=crossed.get(t) is not None,
            crossed_on=crossed.get(t),
            message=f"{b.name}: spent {_money(spent_f)} of {_money(float(amount))} ({used:.0f}%), "
            f"past the {t:g}% threshold on {crossed.get(t)}"
            if crossed.get(t)
            else f"{b.name}: below {t:g}% ({used:.0f}% used)",
        )
        for t in thresholds
    ]
    over_fc = projected > float(amount) + 1e-9
    if b.forecast_alert:
        alerts.append(
            BudgetAlert(
                kind="forecast",
                threshold_pct=100.0,
                threshold_amount=float(amount),
                triggered=over_fc,
                crossed_on=exhaustion if over_fc else None,
                message=(
                    f"{b.name}: forecast {_money(projected)} for {label}, {_money(projected - float(amount))} over "
                    f"the {_money(float(amount))} budget"
                    + (f"; runs out on {exhaustion}" if exhaustion else "")
                )
                if over_fc
                else f"{b.name}: forecast {_money(projected)} is within the budget",
            )
        )
    warn = max((t for t in thresholds if t < 100), default=None)
    if used >= 100:
        status = "over"
    elif b.forecast_alert and over_fc:
        status = "forecast_over"
    elif warn is not None and used >= warn:
        status = "warning"
    else:
        status = "ok"
    left = max(days_total - elapsed, 0)
    return BudgetStatus(
        budget=b,
        period_start=start,
        period_end=end - dt.timedelta(days=1),
        period_label=label,
        days_total=days_total,
        days_elapsed=elapsed,
        data_through=last,
        spent=spent_f,
        remaining=float(amount) - spent_f,
        used_pct=round(used, 4),
        burn_rate_daily=burn,
        allowed_daily=(float(amount) - spent_f) / left if left else None,
        linear_projection=burn * days_total if burn is not None else None,
        projected=round(projected, 6),
        projected_lower=round(lower, 6),
        projected_upper=round(upper, 6),
        projected_pct=round(projected / float(amount) * 100, 4),
        exceed_probability_pct=probability,
        projected_exhaustion_day=exhaustion,
        forecast_model=model,
        level=level,
        status=status,
        alerts=alerts,
        notes=notes,
    )


@operation("budget_status", input_model=BudgetStatusInput, output_model=BudgetStatusResult, chart=True)
def budget_status(store: Store, params: BudgetStatusInput) -> BudgetStatusResult:
    """Status of one or all budgets as of a day: spent, burn rate, projected period end (forecast, with an
    interval and the chance of going over) and which alerts fire."""
    as_of = params.as_of or dt.date.today()
    with store.reader() as con:
        budgets = (
            [_find(con, params.name, params.filters)] if params.name else _visible(_load(con), params.filters)
        )
        newest: dict[dt.date, str | None] = {}
        if params.as_of is not None and budgets:  # a day named far from the bill: "$0 spent" would be false
            check_day_covered(con, params.as_of)
        return BudgetStatusResult(
            as_of=as_of,
            budgets=[
                evaluate(con, b, as_of, params.level, only=params.filters, newest=newest) for b in budgets
            ],
            note=None if budgets else _none_note(params.filters),
        )


def _none_note(filters: list[Filter]) -> str:
    if filters:
        return f"no budget lies within {scope_label(filters)}"
    return (
        "no budgets are defined: create one with `spendscope budgets set NAME --amount N --filter DIM=VALUE`"
    )


class CheckBudgetsInput(BaseModel):
    as_of: dt.date | None = Field(None, description="default today")


@operation("check_budgets", input_model=CheckBudgetsInput, output_model=CheckBudgetsResult, writes=True)
def check_budgets(store: Store, params: CheckBudgetsInput) -> CheckBudgetsResult:
    """Evaluate every budget and return only the alerts not raised before for the same period, kind and
    threshold (then record them): meant for a scheduled job that notifies owners. A period that ended in the
    last week is judged again on all its data, so its last days and late bills still raise their alerts."""
    as_of = params.as_of or dt.date.today()
    with store.reader() as con:
        statuses, newest = [], {}
        loaded = _load(con)
        if params.as_of is not None and loaded:  # alerts about a month nobody billed would be recorded
            check_day_covered(con, params.as_of)
        for b in loaded:
            statuses.append(evaluate(con, b, as_of, newest=newest))
            # a period that ended in the last week: judge it on its whole data (late bills, the last day)
            start, _, _ = budget_period(b, as_of)
            lately = as_of - dt.timedelta(days=LATE_DAYS)
            if b.period != "custom" and lately < start:
                prev_start, prev_end, _ = budget_period(b, start - dt.timedelta(days=1))
                # only a period the budget existed in: a new budget does not alert for the month before it
                # (a check as of a day before the budget was made is a backfill, and judges every period)
                made = b.created_at.date()
                existed = made < prev_end or as_of < made
                if prev_end == start and existed and (b.start_date is None or prev_start >= b.start_date):
                    statuses.append(evaluate(con, b, prev_end, period_day=prev_start, newest=newest))
    now = dt.datetime.now(dt.UTC)
    new: list[NewBudgetAlert] = []
    with store.writer() as con:
        for s in statuses:
            for a in s.alerts:
                if not a.triggered:
                    continue
                done = con.execute(
                    "SELECT 1 FROM budget_alerts WHERE budget_id = ? AND period_start = ? AND kind = ? "
                    "AND threshold_pct = ?",
                    [s.budget.budget_id, s.period_start, a.kind, a.threshold_pct],
                ).fetchall()
                if done:
                    continue
                con.execute(
                    "INSERT INTO budget_alerts VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        s.budget.budget_id,
                        s.period_start,
                        a.kind,
                        a.threshold_pct,
                        now,
                        Decimal(str(s.spent)),
                        Decimal(str(round(s.projected, 6))),
                    ],
                )
                new.append(
                    NewBudgetAlert(
                        budget_id=s.budget.budget_id,
                        name=s.budget.name,
                        scope=s.budget.scope,
                        owner=s.budget.owner,
                        period_start=s.period_start,
                        period_label=s.period_label,
                        kind=a.kind,
                        threshold_pct=a.threshold_pct,
                        amount=s.budget.amount,
                        spent=s.spent,
                        projected=s.projected,
                        message=a.message,
                    )
                )
    return CheckBudgetsResult(as_of=as_of, new_alerts=new, checked=len(statuses))


@chart_builder("BudgetStatusResult")
def budget_chart(r: BudgetStatusResult) -> dict[str, Any] | None:
    """Spent and forecast rest of each budget, in percent of the amount (100 = the budget)."""
    values: list[dict[str, Any]] = []
    for s in r.budgets:
        name = f"{s.budget.name} ({s.period_label})"
        values.append({"budget": name, "part": "spent", "pct": round(s.used_pct, 2)})
        values.append(
            {
                "budget": name,
                "part": "forecast rest of period",
                "pct": round(max(s.projected_pct - s.used_pct, 0.0), 2),
            }
        )
    if not values:
        return None
    spec = bar_chart(
        values,
        category="budget",
        value="pct",
        color="part",
        money=False,
        value_title="% of budget",
        title=f"Budgets as of {r.as_of}",
    )
    return {
        **{k: v for k, v in spec.items() if k not in ("mark", "encoding")},
        "layer": [
            {"mark": spec["mark"], "encoding": spec["encoding"]},
            {
                "mark": {"type": "rule", "color": "#d62728", "strokeDash": [4, 3]},
                "encoding": {"x": {"datum": 100}},
            },
        ],
    }
