"""GPU utilisation: idle hours and idle cost per instance, team and month.

GPU instance cost rows (x_GpuCount > 0) are joined to `gpu_samples` on ResourceId = instance_id (or the host
name = ResourceName). Samples are averaged per GPU and hour; a GPU-hour is idle when its average utilisation is
below the threshold. Each cost row's hourly rate (EffectiveCost / billed hours) is spread evenly over the
instance's GPUs, so an hour with k of n sampled GPUs idle carries k/n of that hour's cost as idle cost. Billed
hours without samples are reported as unmonitored, never guessed idle or busy.
"""

from __future__ import annotations

import datetime as dt

import duckdb
from pydantic import BaseModel, Field
from spendscope.data.sql import month
from spendscope.data.store import Store
from spendscope.tools.costs.breakdown import (
    Filter,
    TimeRange,
    check_coverage,
    filter_sql,
    period_bounds,
    resolve_range,
)
from spendscope.tools.costs.dimensions import check_named_dimensions, query_source
from spendscope.tools.money_text import InBillCurrency
from spendscope.tools.registry import operation

DEFAULT_IDLE_PCT = 10.0


class GpuInput(TimeRange):
    idle_threshold_pct: float = Field(
        DEFAULT_IDLE_PCT, ge=0, le=100, description="a GPU-hour below this average utilisation is idle"
    )
    team_tag: str = Field("team", description="the (virtual or provider) tag naming the owning team")
    filters: list[Filter] = Field(
        default_factory=list, description="only GPU instance cost rows matching these filters (e.g. team)"
    )


class GpuUsage(BaseModel):
    cost: float = Field(description="effective cost of the GPU instance rows")
    billed_hours: float = Field(description="instance hours billed")
    gpu_hours: float = Field(description="billed hours x GPUs")
    monitored_hours: float = Field(description="billed instance hours with utilisation samples")
    unmonitored_hours: float
    avg_utilization_pct: float | None = Field(
        None, description="mean GPU utilisation over monitored GPU-hours (an 8-GPU box weighs 8)"
    )
    idle_gpu_hours: float | None = Field(
        description="GPU-hours below the threshold; null when nothing was sampled"
    )
    idle_instance_hours: float | None = Field(
        description="monitored hours in which every sampled GPU was idle; null when nothing was sampled"
    )
    idle_cost: float | None = Field(
        description="cost of the idle GPU-hours (of the monitored hours); null (unknown) when no hour was sampled"
    )
    idle_cost_pct: float | None = Field(None, description="idle cost / cost of the monitored hours x 100")
    idle_unknown_reason: str | None = Field(
        None,
        description="why idle hours and idle cost are null: no utilisation samples cover the billed hours",
    )


class GpuInstanceMonth(GpuUsage):
    month: str = Field(description="YYYY-MM")
    instance_id: str
    instance_name: str | None
    instance_type: str | None
    gpus: int | None
    team: str | None


class GpuGroup(GpuUsage):
    key: str | None


class GpuUtilizationResult(InBillCurrency):
    start: dt.date
    end: dt.date = Field(description="exclusive end")
    period_label: str
    idle_threshold_pct: float
    instances: list[GpuInstanceMonth] = Field(description="per instance and month, largest idle cost first")
    by_team: list[GpuGroup]
    by_month: list[GpuGroup]
    total: GpuUsage
    assumptions: list[str] = Field(default_factory=list)


def _team_expr(con: duckdb.DuckDBPyConnection, tag: str, source: object) -> str:
    from spendscope.data.errors import UnknownDimension
    from spendscope.tools.costs.dimensions import dimension_sql

    try:
        return dimension_sql(tag, con, source)  # type: ignore[arg-type]
    except UnknownDimension:
        return "CAST(NULL AS VARCHAR)"


_USAGE_COLUMNS = (
    "cost",
    "billed_hours",
    "gpu_hours",
    "monitored_hours",
    "avg_util",
    "idle_gpu_hours",
    "idle_instance_hours",
    "idle_cost",
    "monitored_cost",
)


def run_gpu(con: duckdb.DuckDBPyConnection, p: GpuInput) -> GpuUtilizationResult:
    period = resolve_range(p, con)
    notes = check_coverage(con, period)
    start, end = period_bounds(period)
    source = query_source(con)
    check_named_dimensions(con, p, ("team_tag",), source)
    team = _team_expr(con, p.team_tag, source)
    if team.startswith("CAST(NULL"):
        notes.append(f"no {p.team_tag!r} tag in the store: team is empty")
    threshold = float(p.idle_threshold_pct)
    clauses, filter_params = filter_sql(p.filters, con, source)
    scope = "".join(f" AND {c}" for c in clauses)
    sql = f"""
        WITH c AS (
            SELECT row_number() OVER () AS rid, ResourceId AS instance_id, ResourceName AS instance_name, x_InstanceType AS instance_type,
                   x_GpuCount AS gpus, CAST({team} AS VARCHAR) AS team,
                   strftime({month("ChargePeriodStart")}, '%Y-%m') AS month,
                   ChargePeriodStart AS cs,
                   coalesce(ChargePeriodEnd, ChargePeriodStart + INTERVAL 1 DAY) AS ce,
                   coalesce(EffectiveCost, 0) AS cost,
                   CASE WHEN lower(coalesce(ConsumedUnit, '')) LIKE 'hour%' AND ConsumedQuantity > 0
                        THEN CAST(ConsumedQuantity AS DOUBLE)
                        ELSE date_diff('second', ChargePeriodStart,
                                       coalesce(ChargePeriodEnd, ChargePeriodStart + INTERVAL 1 DAY)) / 3600.0
                   END AS hours
            FROM {source.relation}
            WHERE x_GpuCount > 0 AND ChargePeriodStart >= ? AND ChargePeriodStart < ?{scope}
        ),
        per_gpu AS (
            SELECT coalesce(instance_id, host) AS key, coalesce(gpu_index, -1) AS gpu,
                   date_trunc('hour', ts) AS h, avg(utilization_pct) AS u
            FROM gpu_samples
            WHERE ts >= ? - INTERVAL 1 DAY AND ts < ? + INTERVAL 1 DAY AND utilization_pct IS NOT NULL
            GROUP BY ALL
        ),
        per_hour AS (
            SELECT key, h, count(*) AS sampled, count(*) FILTER (WHERE u < ?) AS idle, avg(u) AS u
            FROM per_gpu GROUP BY ALL
        ),
        ids AS (SELECT DISTINCT instance_id FROM c),
        names AS (SELECT instance_name, min(instance_id) AS instance_id FROM c GROUP BY 1),
        sampled AS (  -- each sample key to its instance: the instance id, else the host as the resource name
            SELECT coalesce(i.instance_id, n.instance_id) AS instance_id, s.*
            FROM per_hour s LEFT JOIN ids i ON i.instance_id = s.key
            LEFT JOIN names n ON i.instance_id IS NULL AND n.instance_name = s.key
        ),
        matched AS (
            SELECT c.rid, count(s.h) AS monitored, avg(s.u) AS avg_util,
                   coalesce(SUM(CAST(s.idle AS DOUBLE) / s.sampled), 0) AS idle_share_hours,
                   count(s.h) FILTER (WHERE s.idle = s.sampled) AS idle_instance_hours
            FROM c JOIN sampled s ON s.instance_id = c.instance_id AND s.h >= c.cs AND s.h < c.ce
            GROUP BY c.rid
        ),
        usage AS (
            SELECT c.*, c.hours * c.gpus AS gpu_hours, least(CAST(coalesce(m.monitored, 0) AS DOUBLE), c.hours) AS monitored_hours,
                   m.avg_util, coalesce(m.idle_share_hours, 0) * c.gpus AS idle_gpu_hours,
                   coalesce(m.idle_instance_hours, 0) AS idle_instance_hours,
                   CASE WHEN c.hours > 0 THEN CAST(c.cost AS DOUBLE) / c.hours ELSE 0 END
                       * coalesce(m.idle_share_hours, 0) AS idle_cost,
                   CASE WHEN c.hours > 0 THEN CAST(c.cost AS DOUBLE) / c.hours ELSE 0 END
                       * least(CAST(coalesce(m.monitored, 0) AS DOUBLE), c.hours) AS monitored_cost
            FROM c LEFT JOIN matched m USING (rid)
        )
        SELECT GROUPING(month, instance_id, instance_name, instance_type, gpus, team) AS g,
               GROUPING(team) AS g_team, GROUPING(month) AS g_month,
               month, instance_id, any_value(instance_name) AS instance_name, any_value(instance_type),
               max(gpus), team,
               SUM(cost), SUM(hours), SUM(gpu_hours), SUM(monitored_hours),
               SUM(avg_util * monitored_hours * gpus) / nullif(SUM(monitored_hours * gpus), 0),
               SUM(idle_gpu_hours), SUM(idle_instance_hours), SUM(idle_cost), SUM(monitored_cost)
        FROM usage
        GROUP BY GROUPING SETS ((month, instance_id, instance_name, instance_type, gpus, team), (team), (month), ())
        ORDER BY g, SUM(monitored_hours) = 0, SUM(idle_cost) DESC, month, instance_id, team
    """
    rows = con.execute(sql, [start, end, *filter_params, start, end, threshold]).fetchall()
    instances: list[GpuInstanceMonth] = []
    by_team: list[GpuGroup] = []
    by_month: list[GpuGroup] = []
    total = None
    for r in rows:
        g, g_team, g_month, mon, iid, name, itype, gpus, tm = r[:9]
        usage = _usage(r[9:])
        if g == 0:
            instances.append(
                GpuInstanceMonth(
                    month=mon,
                    instance_id=iid,
                    instance_name=name,
                    instance_type=itype,
                    gpus=gpus,
                    team=tm,
                    **usage,
                )
            )
        elif g_team == 0 and g_month == 1:
            by_team.append(GpuGroup(key=tm, **usage))
        elif g_month == 0 and g_team == 1:
            by_month.append(GpuGroup(key=mon, **usage))
        else:
            total = GpuUsage(**usage)
    if total is None:
        total = GpuUsage(**_usage((0, 0, 0, 0, None, 0, 0, 0, 0)))
    by_month.sort(key=lambda x: str(x.key))
    if not instances:
        where = f" matching {', '.join(f.text() for f in p.filters)}" if p.filters else ""
        notes.append(f"no GPU instance cost rows (x_GpuCount > 0){where} in {period.label}")
    elif total.monitored_hours == 0:
        notes.append(
            "no GPU utilisation samples match these instances: import nvidia-smi or DCGM samples "
            "(gpu_samples, joined on instance_id = ResourceId) to measure idle time; until then idle cost is "
            "unknown (null), not 0"
        )
    else:
        blind = sorted({x.instance_name or x.instance_id for x in instances if x.idle_cost is None})
        if blind:
            notes.append(
                f"{len(blind)} GPU instance(s) have no utilisation samples in {period.label} "
                f"({', '.join(blind[:8])}): their idle cost is unknown (null), not 0; totals cover the sampled "
                "instances only"
            )
        if total.unmonitored_hours > 0:
            notes.append(
                f"{total.unmonitored_hours:,.0f} billed instance hours have no samples; they are neither "
                "idle nor busy here"
            )
    notes.append(
        f"a GPU-hour is idle when its mean utilisation is below {threshold:g}%; idle cost spreads each "
        "hour's cost evenly over the instance's GPUs"
    )
    return GpuUtilizationResult(
        start=period.start,
        end=period.end,
        period_label=period.label,
        idle_threshold_pct=threshold,
        instances=instances,
        by_team=by_team,
        by_month=by_month,
        total=total,
        assumptions=notes,
    )


NO_SAMPLES = (
    "no GPU utilisation samples cover these {hours:,.0f} billed hours, so idle time and idle cost are unknown "
    "(not 0): import nvidia-smi or DCGM samples with `spendscope import gpu`"
)


def _usage(v: tuple) -> dict:
    cost, hours, gpu_hours, monitored, util, idle_gpu, idle_inst, idle_cost, monitored_cost = v
    hours, monitored = float(hours or 0), float(monitored or 0)
    if hours > 0 and monitored == 0:  # never sampled: nothing says whether any hour was idle
        return {
            "cost": float(cost or 0),
            "billed_hours": hours,
            "gpu_hours": float(gpu_hours or 0),
            "monitored_hours": 0.0,
            "unmonitored_hours": hours,
            "avg_utilization_pct": None,
            "idle_gpu_hours": None,
            "idle_instance_hours": None,
            "idle_cost": None,
            "idle_cost_pct": None,
            "idle_unknown_reason": NO_SAMPLES.format(hours=hours),
        }
    return {
        "cost": float(cost or 0),
        "billed_hours": hours,
        "gpu_hours": float(gpu_hours or 0),
        "monitored_hours": monitored,
        "unmonitored_hours": max(hours - monitored, 0.0),
        "avg_utilization_pct": float(util) if util is not None else None,
        "idle_gpu_hours": float(idle_gpu or 0),
        "idle_instance_hours": float(idle_inst or 0),
        "idle_cost": float(idle_cost or 0),
        "idle_cost_pct": float(idle_cost or 0) / float(monitored_cost) * 100 if monitored_cost else None,
    }


@operation("gpu_utilization", input_model=GpuInput, output_model=GpuUtilizationResult, chart=True)
def gpu_utilization(store: Store, params: GpuInput) -> GpuUtilizationResult:
    """Idle GPU hours and idle cost per instance, team and month (GPU samples joined to instance cost), with a
    configurable idle threshold."""
    with store.reader() as con:
        return run_gpu(con, params)
