"""Anomalies of unit costs ("cost per ticket rose 40% this week"): a series source for the anomaly engine of
tools.governance (its model of a normal day, calendar and thresholds), operation `detect_unit_anomalies`.

Each series is the daily cost per unit of a metric (per group, when split), times the series' median daily units:
the cost the day would have had at a typical volume. Changes in volume therefore do not count, changes in what a
unit costs do, and the engine's dollar and percentage floors read as dollars a day at typical volume. A run of
unusual days is one anomaly; its impact is the cost above the usual cost per unit at the volume actually served.
Daily metric values and a cost on the bill are needed (the telemetry attribution runs per day far too slowly).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import ClassVar, Literal

import numpy as np
from pydantic import BaseModel, Field
from spendscope.data.errors import InvalidArgument, InvalidPeriod
from spendscope.data.store import Store
from spendscope.tools.business.common import COST_FILTERS_FIELD, FILTERS_FIELD
from spendscope.tools.business.cost_data import bill_costs, choose_basis
from spendscope.tools.business.metric_data import catalog, metric_values, require, target_currency
from spendscope.tools.business.unit_costs import natural_keys
from spendscope.tools.costs.breakdown import Filter
from spendscope.tools.governance.anomaly_detection import (
    DEFAULT_MIN_RELATIVE_PCT,
    DEFAULT_Z,
    MIN_IMPACT_FLOOR,
    DetectInput,
    flag_days,
    severity_of,
)
from spendscope.tools.governance.calendar import build_calendar, default_country
from spendscope.tools.money_text import money
from spendscope.tools.periods import data_end
from spendscope.tools.registry import operation

LOOKBACK_DAYS = 120
WEEKS_BEFORE = 4  # the week-on-week line compares the last 7 days with the 4 weeks before


class UnitAnomalyInput(BaseModel):
    # `filters` name business metric rows and cost alike: checked against both (tools/names.py)
    business_filters: ClassVar[tuple[str, ...]] = ("filters",)

    metric: str = Field(description="business metric with daily values, e.g. tickets_resolved")
    per: int = Field(1, ge=1, le=1_000_000_000, description="units per figure (1000: per 1k documents)")
    group_by: str | None = Field(
        None, description="one bill dimension to scan per value (feature, team, model, ...)"
    )
    match_on: list[str] | None = Field(
        None, description="as cost_per_business_unit (default: the metric's keys)"
    )
    filters: list[Filter] = FILTERS_FIELD
    cost_filters: list[Filter] = COST_FILTERS_FIELD
    days: int = Field(14, ge=1, le=120, description="report anomalies touching the last N days of data")
    as_of: dt.date | None = Field(None, description="scan data before this day only (default: all data)")
    z: float = Field(DEFAULT_Z, gt=0, description="minimum robust z-score")
    min_relative_pct: float = Field(
        DEFAULT_MIN_RELATIVE_PCT, ge=0, description="minimum change of the unit cost, %"
    )
    min_impact: float = Field(MIN_IMPACT_FLOOR, ge=0, description="minimum dollars a day (at typical volume)")
    direction: Literal["both", "spike", "drop"] = Field(
        "both", description="spike: unit cost above usual; drop: below; both"
    )


class UnitAnomaly(BaseModel):
    anomaly_id: str
    metric: str
    per: int
    group: dict[str, str | None]
    direction: Literal["spike", "drop"]
    start_day: dt.date
    end_day: dt.date
    peak_day: dt.date
    days: int
    cost_per_unit: float = Field(description="over the unusual days (their cost / their units x per)")
    expected_cost_per_unit: float
    relative_pct: float | None
    cost: float
    impact: float = Field(description="cost above (below) the usual cost per unit at the volume served")
    severity: Literal["low", "medium", "high", "critical"]
    explanation: str


class WeekOnWeek(BaseModel):
    group: dict[str, str | None]
    last_7_days: float | None = Field(description="cost per unit over the last 7 days of data")
    weeks_before: float | None = Field(description="over the 4 weeks before them")
    change_pct: float | None


class UnitAnomalyResult(BaseModel):
    metric: str
    per: int
    unit: str | None
    data_through: dt.date
    window_start: dt.date
    series_scanned: int
    anomalies: list[UnitAnomaly]
    week_on_week: list[WeekOnWeek]
    assumptions: list[str] = Field(default_factory=list)


def _money(x: float) -> str:
    return money(x, digits=2 if abs(x) >= 1 else 4)


def _runs(flags: np.ndarray, dev: np.ndarray) -> list[tuple[int, list[int]]]:
    """Flagged days per series as runs of one direction (a one-day gap allowed)."""
    runs: list[tuple[int, list[int]]] = []
    for r in range(flags.shape[0]):
        for c in np.nonzero(flags[r])[0]:
            c = int(c)
            if (
                runs
                and runs[-1][0] == r
                and c - runs[-1][1][-1] <= 2
                and (dev[r, c] > 0) == (dev[r, runs[-1][1][0]] > 0)
            ):
                runs[-1][1].append(c)
            else:
                runs.append((r, [c]))
    return runs


def detect(store: Store, p: UnitAnomalyInput) -> UnitAnomalyResult:
    groups = [p.group_by.strip().lower()] if p.group_by else []
    with store.reader() as con:
        info = require(catalog(con), p.metric)
        if "day" not in info.grains:
            raise InvalidArgument(
                f"{info.name} has {'/'.join(info.grains)} values; unit-cost anomalies need daily values (set a unit "
                "budget to judge it per week or month)",
                argument="metric",
                value=info.name,
            )
        through = data_end(con)
        if through is None:
            raise InvalidPeriod("the store holds no cost data yet; import some first")
        if p.as_of is not None:
            through = min(through, p.as_of - dt.timedelta(days=1))
        end = through + dt.timedelta(days=1)
        start = end - dt.timedelta(days=LOOKBACK_DAYS)
        match = [m.strip().lower() for m in p.match_on] if p.match_on is not None else natural_keys(info, con)
        dims = list(dict.fromkeys([*match, *groups]))
        if (
            choose_basis(con, [*dims, *(f.dimension for f in [*p.filters, *p.cost_filters])], "auto")
            != "bill"
        ):
            raise InvalidArgument(
                "unit-cost anomalies are scanned on the bill's daily cost; customer (telemetry) series are not "
                "offered: watch customers with a margin floor",
                argument="group_by",
            )
        metric_keys = [d for d in dims if info.carries(d)]
        units = metric_values(
            con, info, start, end, "day", metric_keys, p.filters, target_currency(con, [info])
        )
        costs = bill_costs(con, start, end, "day", dims, [*p.filters, *p.cost_filters])
        cal = build_calendar(start, LOOKBACK_DAYS, default_country(con))
        typical = con.execute(
            "SELECT median(c) FROM (SELECT CAST(ChargePeriodStart AS DATE) AS d, sum(EffectiveCost) AS c FROM costs "
            "WHERE ChargePeriodStart >= ? AND ChargePeriodStart < ? GROUP BY 1)",
            [dt.datetime.combine(start, dt.time(), dt.UTC), dt.datetime.combine(end, dt.time(), dt.UTC)],
        ).fetchall()[0][0]
    n = LOOKBACK_DAYS

    def norm(v: str | None) -> str | None:
        return v.lower() if isinstance(v, str) else v

    series: dict[tuple, int] = {}
    shown: list[dict[str, str | None]] = []
    matched: set[tuple] = set()
    unit_m: dict[tuple, np.ndarray] = {}
    carried = [g for g in groups if g in metric_keys]
    for b, key, v in units.rows:
        vals = dict(zip(metric_keys, key, strict=True))
        matched.add((b, tuple(norm(vals[m]) for m in match)))
        k = tuple(norm(vals[g]) for g in carried)
        unit_m.setdefault(k, np.zeros(n))[(b - start).days] += float(v)
    cost_m: dict[tuple, np.ndarray] = {}
    for b, key, c in costs.rows:
        vals = dict(zip(dims, key, strict=True))
        if (b, tuple(norm(vals[m]) for m in match)) not in matched:
            continue
        k = tuple(norm(vals[g]) for g in groups)
        if k not in series:
            series[k] = len(shown)
            shown.append({g: vals[g] for g in groups})
        cost_m.setdefault(k, np.zeros(n))[(b - start).days] += float(c)
    keys = list(series)
    cost = np.array([cost_m[k] for k in keys]) if keys else np.zeros((0, n))
    vol = np.array([unit_m.get(tuple(k[groups.index(g)] for g in carried), np.zeros(n)) for k in keys])
    vol = vol if keys else np.zeros((0, n))
    with np.errstate(divide="ignore", invalid="ignore"):
        cpu = np.where(vol > 0, cost / vol, np.nan)
        typical_units = np.array([np.median(v[v > 0]) if (v > 0).any() else np.nan for v in vol])
        y = cpu * typical_units[:, None]
    detect_params = DetectInput(
        z=p.z,
        min_relative_pct=p.min_relative_pct,
        min_impact=p.min_impact,
        direction=p.direction,
        days=p.days,
    )
    scores = flag_days(y, detect_params, cal) if keys else None
    window_start = end - dt.timedelta(days=p.days)
    scale = p.per
    anomalies: list[UnitAnomaly] = []
    if scores is not None:
        exp_cpu = scores.expected / typical_units[:, None]
        for r, cols in _runs(scores.flags, scores.dev):
            last = start + dt.timedelta(days=cols[-1])
            if last < window_start:
                continue
            idx = np.asarray(cols)
            c_sum, u_sum = float(cost[r, idx].sum()), float(vol[r, idx].sum())
            expected_cost = float(np.nansum(exp_cpu[r, idx] * vol[r, idx]))
            actual_cpu = c_sum / u_sum * scale
            expected = expected_cost / u_sum * scale
            rel = (actual_cpu / expected - 1) * 100 if expected else None
            impact = c_sum - expected_cost
            peak = cols[int(np.argmax(np.abs(scores.dev[r, idx])))]
            first = start + dt.timedelta(days=cols[0])
            direction = "spike" if scores.dev[r, cols[0]] > 0 else "drop"
            group = shown[r]
            ident = f"{info.name}|{sorted(group.items())}|{direction}|{first}|{scale}"
            unit = (
                f"per {info.unit.rstrip('s') if info.unit else 'unit'}"
                if scale == 1
                else f"per {scale:,} {info.unit or 'units'}"
            )
            where = ", ".join(f"{k}={v}" for k, v in group.items())
            days_text = str(first) if first == last else f"{first} to {last}"
            anomalies.append(
                UnitAnomaly(
                    anomaly_id="ua-" + hashlib.sha1(ident.encode()).hexdigest()[:10],
                    metric=info.name,
                    per=scale,
                    group=group,
                    direction=direction,  # type: ignore[arg-type]
                    start_day=first,
                    end_day=last,
                    peak_day=start + dt.timedelta(days=peak),
                    days=len(cols),
                    cost_per_unit=round(actual_cpu, 6),
                    expected_cost_per_unit=round(expected, 6),
                    relative_pct=rel,
                    cost=round(c_sum, 2),
                    impact=round(impact, 2),
                    severity=severity_of(impact, rel, float(typical or 0)),  # type: ignore[arg-type]
                    explanation=(
                        f"{info.name.replace('_', ' ')}: cost {unit}{' for ' + where if where else ''} "
                        f"{'rose' if direction == 'spike' else 'fell'} {abs(rel or 0):.0f}% on {days_text} "
                        f"({_money(expected)} -> {_money(actual_cpu)}); {_money(abs(impact))} "
                        f"{'more' if impact > 0 else 'less'} than the usual cost per unit at that volume"
                    ),
                )
            )
    anomalies.sort(key=lambda a: (-abs(a.impact), a.anomaly_id))
    weekly = []
    for r in range(len(keys)):
        last7 = slice(n - 7, n)
        before = slice(n - 7 * (WEEKS_BEFORE + 1), n - 7)
        a = _ratio(cost[r, last7].sum(), vol[r, last7].sum(), scale)
        b = _ratio(cost[r, before].sum(), vol[r, before].sum(), scale)
        weekly.append(
            WeekOnWeek(
                group=shown[r],
                last_7_days=a,
                weeks_before=b,
                change_pct=(a / b - 1) * 100 if a is not None and b else None,
            )
        )
    notes = list(units.notes) + [
        "each day's cost per unit is judged against the anomaly engine's model of a normal day (level, weekday, "
        "holidays, noise), at the series' typical daily volume, so changes of volume alone are not anomalies",
        f"cost: effective cost on the bill matched to {info.name} on {', '.join(match) or 'all AI cost'}",
    ]
    return UnitAnomalyResult(
        metric=info.name,
        per=scale,
        unit=info.unit,
        data_through=through,
        window_start=window_start,
        series_scanned=len(keys),
        anomalies=anomalies,
        week_on_week=weekly,
        assumptions=notes,
    )


def _ratio(c: float, u: float, scale: int) -> float | None:
    return float(Decimal(str(c)) / Decimal(str(u)) * scale) if u else None


@operation("detect_unit_anomalies", input_model=UnitAnomalyInput, output_model=UnitAnomalyResult)
def detect_unit_anomalies(store: Store, params: UnitAnomalyInput) -> UnitAnomalyResult:
    """Unusual days of a business metric's cost per unit ("cost per ticket rose 40% this week"), by the anomaly
    engine, with the last 7 days against the 4 weeks before."""
    return detect(store, params)
