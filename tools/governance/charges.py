"""Recurring and one-time charges (monthly seat fees, reservation and PTU fees, purchases, taxes, adjustments)
scanned as their own series: each service's charges of a month against the same span of the month before.
They never enter the daily usage series, so a fee on the 1st is not a usage spike; a fee that is new, gone,
or moved by at least the relative floor and the minimum impact is an anomaly of kind `recurring_charge`. A month is
compared only when the store's history covers the month before from its first day. A rise that the same span
of a quarter or a year before already had (a quarterly support plan, an annual commitment: the same size, within
the floors) is that charge's own cycle, not a change.
Credits are left out of alerts (a credit lowers spend); they keep their sign wherever spend is shown.
"""

from __future__ import annotations

import datetime as dt

import duckdb
from spendscope.tools.costs.breakdown import Filter, filter_sql
from spendscope.tools.costs.dimensions import Source
from spendscope.tools.governance.anomaly_detection import USAGE_ROWS, DetectInput, SeriesSpec, _Incident, _ts

FEE_ROWS = f"NOT ({USAGE_ROWS}) AND coalesce(ChargeCategory, '') <> 'Credit'"


def _month_start(d: dt.date) -> dt.date:
    return d.replace(day=1)


def _prev_month_day(d: dt.date) -> dt.date:
    """The same day of the month before (clamped to its last day)."""
    first_prev = (d.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    last_prev = d.replace(day=1) - dt.timedelta(days=1)
    return first_prev.replace(day=min(d.day, last_prev.day))


CYCLES = (3, 6, 12)  # months: a charge billed every quarter, half-year or year recurs at this distance


def _months_back(d: dt.date, k: int) -> dt.date:
    """The same day k months before (clamped to that month's last day)."""
    for _ in range(k):
        d = _prev_month_day(d)
    return d


def charge_incidents(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    column: str,
    filters: list[Filter],
    window_start: dt.date,
    through: dt.date,
    p: DetectInput,
    min_impact: float,
) -> list[_Incident]:
    """Per service, fee days in the window whose month-to-date fees differ from the same span of the month
    before by at least the minimum impact and the relative floor."""
    lo = _months_back(_month_start(window_start), max(CYCLES))
    clauses, params = filter_sql(filters, con, source)
    where = " AND ".join(["ChargePeriodStart >= ?", "ChargePeriodStart < ?", FEE_ROWS, *clauses])
    rows = con.execute(
        f"SELECT coalesce(CAST(ServiceName AS VARCHAR), '(none)') AS s, CAST(ChargePeriodStart AS DATE) AS d, "
        f"SUM(CAST({column} AS DOUBLE)) FROM {source.relation} WHERE {where} GROUP BY 1, 2 ORDER BY 1, 2",
        [_ts(lo), _ts(through + dt.timedelta(days=1)), *params],
    ).fetchall()
    by_service: dict[str, dict[dt.date, float]] = {}
    for s, d, v in rows:  # one row per service and fee day: a handful a month
        by_service.setdefault(s, {})[d] = float(v or 0.0)
    # A month is compared only when the store holds the whole span of the month before: a history that starts
    # mid-month (a prorated first seat fee) is not a changed charge.
    first_day = con.execute(f"SELECT CAST(min(ChargePeriodStart) AS DATE) FROM {source.relation}").fetchone()[
        0
    ]
    spec = SeriesSpec(dimension="service", source="costs", expr="ServiceName")
    out: list[_Incident] = []
    for service, days in by_service.items():
        months = sorted({_month_start(d) for d in days if d >= window_start})
        for m in months:
            span_end = max(d for d in days if _month_start(d) == m)
            now = {d: v for d, v in days.items() if m <= d <= span_end}
            prev_lo, prev_hi = _prev_month_day(m), _prev_month_day(span_end)
            if first_day is None or prev_lo < first_day:
                continue
            before = sum(v for d, v in days.items() if prev_lo <= d <= prev_hi)
            total = sum(now.values())
            change = total - before
            if abs(change) < min_impact or abs(change) * 100 < p.min_relative_pct * abs(before):
                continue
            if (change < 0 and p.direction == "spike") or (change > 0 and p.direction == "drop"):
                continue
            if change > 0 and any(
                _same_as(total, days, _months_back(m, k), _months_back(span_end, k), first_day, min_impact, p)
                for k in CYCLES
            ):
                continue  # the charge's own quarterly or yearly cycle
            day_list = sorted(d for d in now if d >= window_start) or [span_end]
            peak = max(now, key=lambda d: abs(now[d]))
            out.append(
                _Incident(
                    spec=spec,
                    value=service,
                    direction="spike" if change > 0 else "drop",
                    kind="recurring_charge",
                    start=day_list[0],
                    end=day_list[-1],
                    peak=peak,
                    day_list=day_list,
                    actual=total,
                    expected=before,
                    peak_impact=change,
                    score=0.0,
                )
            )
    return out


def _same_as(
    total: float,
    days: dict[dt.date, float],
    lo: dt.date,
    hi: dt.date,
    first_day: dt.date,
    min_impact: float,
    p: DetectInput,
) -> bool:
    """The span lo..hi (held in the store) had charges of the same size as `total`: within the minimum impact
    or the relative floor."""
    if lo < first_day:
        return False
    then = sum(v for d, v in days.items() if lo <= d <= hi)
    if then <= 0:
        return False
    diff = abs(total - then)
    return diff < min_impact or diff * 100 < p.min_relative_pct * abs(then)
