"""API and self-hosted models in one table: what a million tokens (and a thousand requests) of each model cost
over a period, from the source that knows best.

- API models: the bill (FOCUS rows with a model and tokens): EffectiveCost over the tokens billed. Requests from
  telemetry where it exists (the bill rarely counts them).
- Self-hosted models (served on your own GPU instances, e.g. vLLM): GPU-amortised. Each instance's cost over the
  period (its cost rows, `ResourceId` = the instance id) divided over the tokens it served (telemetry with that
  `instance_id`, or a `tags.host` that gpu_samples map to the instance), split between the models it served by
  their share of its tokens. Idle time is part of the price: an instance that serves little costs a lot per
  token; its average GPU utilisation (gpu_samples) says how much of that is idle.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
from pydantic import BaseModel, Field
from spendscope.data.naming import canonical_model
from spendscope.data.price_rules import SELF_HOSTED
from spendscope.data.sql import literal
from spendscope.data.store import Store
from spendscope.tools.costs.breakdown import (
    Filter,
    TimeRange,
    check_coverage,
    filter_sql,
    period_bounds,
    resolve_range,
)
from spendscope.tools.costs.dimensions import query_source
from spendscope.tools.costs.reconcile import bill_source_sql, source_label, telemetry_source_sql
from spendscope.tools.costs.telemetry_filters import event_filter_sql
from spendscope.tools.money_text import InBillCurrency
from spendscope.tools.registry import operation

MILLION = Decimal(1_000_000)


class ModelCostInput(TimeRange):
    filters: list[Filter] = Field(default_factory=list, description="filters, all of which must hold")


class ModelCostRow(BaseModel):
    model: str
    hosting: str = Field(description="api or self-hosted")
    provider: str = Field(
        description="who serves it: a billing source (Anthropic, Amazon Bedrock, ...) or 'vllm on i-...'"
    )
    cost: float = Field(description="cost over the period, in the billing currency")
    cost_basis: str = Field(description="bill, or GPU instance amortised over tokens served")
    tokens: int = Field(description="tokens of every kind")
    input_tokens: int
    output_tokens: int
    requests: int | None = Field(None, description="from telemetry; None when it has none")
    cost_per_1m_tokens: float | None
    cost_per_1k_requests: float | None = None
    gpu_utilisation_pct: float | None = Field(None, description="self-hosted: the instances' average GPU use")
    instances: list[str] = Field(default_factory=list)


class ModelCostResult(InBillCurrency):
    start: dt.date
    end: dt.date = Field(description="exclusive end")
    period_label: str
    rows: list[ModelCostRow] = Field(description="cheapest per 1M tokens first")
    notes: list[str] = Field(default_factory=list)


def _api_rows(
    con: duckdb.DuckDBPyConnection, p: ModelCostInput, start: dt.datetime, end: dt.datetime
) -> list:
    source = query_source(con)
    clauses, params = filter_sql(p.filters, con, source)
    where = " AND ".join(["x_Model IS NOT NULL", "x_Tokens IS NOT NULL", *clauses])
    return con.execute(
        f"""SELECT {bill_source_sql()} AS pkey, x_Model, sum(EffectiveCost), sum(x_Tokens),
               sum(x_Tokens) FILTER (WHERE x_TokenType IN ('input', 'cached_input', 'cache_write')),
               sum(x_Tokens) FILTER (WHERE x_TokenType IN ('output', 'reasoning'))
            FROM {source.relation}
            WHERE ChargePeriodStart >= ? AND ChargePeriodStart < ? AND {where}
            GROUP BY ALL""",
        [start, end, *params],
    ).fetchall()


def _api_requests(
    con: duckdb.DuckDBPyConnection, p: ModelCostInput, start: dt.datetime, end: dt.datetime
) -> dict[tuple[str, str], int]:
    clauses, params = event_filter_sql(p.filters)
    where = " AND ".join(["e.ts >= ?", "e.ts < ?", "e.model IS NOT NULL", *clauses])
    out: dict[tuple[str, str], int] = {}
    for key, model, n in con.execute(
        f"SELECT {telemetry_source_sql('e.provider')}, e.model, sum(e.requests) FROM usage_events e "
        f"WHERE {where} GROUP BY ALL",
        [start, end, *params],
    ).fetchall():
        canon = canonical_model(model) or model
        out[(key, canon)] = out.get((key, canon), 0) + int(n or 0)
    return out


def _self_hosted_rows(
    con: duckdb.DuckDBPyConnection, p: ModelCostInput, start: dt.datetime, end: dt.datetime
) -> list:
    source = query_source(con)
    cost_clauses, cost_params = filter_sql(p.filters, con, source)
    ev_clauses, ev_params = event_filter_sql(p.filters)
    hosted = ", ".join(literal(x) for x in sorted(SELF_HOSTED))
    ev_where = " AND ".join(["e.ts >= ?", "e.ts < ?", *ev_clauses])
    cost_where = " AND ".join(["ChargePeriodStart >= ?", "ChargePeriodStart < ?", *cost_clauses])
    return con.execute(
        f"""
        WITH hosts AS (SELECT host, any_value(instance_id) AS instance_id FROM gpu_samples
                       WHERE host IS NOT NULL AND instance_id IS NOT NULL GROUP BY host),
        served AS (
            SELECT coalesce(e.instance_id, h.instance_id) AS instance, e.provider, e.model,
                   sum(e.requests) AS req, sum(e.input_tokens + e.cached_input_tokens + e.cache_write_tokens)
                   AS tin, sum(e.output_tokens + e.reasoning_tokens) AS tout
            FROM usage_events e LEFT JOIN hosts h ON h.host = json_extract_string(e.tags, '$.host')
            WHERE {ev_where} AND (e.instance_id IS NOT NULL OR lower(e.provider) IN ({hosted}))
            GROUP BY ALL
        ),
        per_instance AS (SELECT instance, sum(tin + tout) AS tokens FROM served GROUP BY 1),
        instance_cost AS (
            SELECT ResourceId AS instance, sum(EffectiveCost) AS cost FROM {source.relation}
            WHERE {cost_where} AND ResourceId IN (SELECT instance FROM served WHERE instance IS NOT NULL)
            GROUP BY 1
        ),
        util AS (
            SELECT instance_id AS instance, avg(utilization_pct) AS util FROM gpu_samples
            WHERE ts >= ? AND ts < ? GROUP BY 1
        )
        SELECT s.provider, s.model, s.instance, s.req, s.tin, s.tout,
               CASE WHEN pi.tokens > 0 THEN c.cost * (s.tin + s.tout) / pi.tokens END AS cost, u.util,
               c.instance IS NOT NULL AS has_cost
        FROM served s LEFT JOIN per_instance pi ON pi.instance = s.instance
        LEFT JOIN instance_cost c ON c.instance = s.instance LEFT JOIN util u ON u.instance = s.instance
        """,
        [start, end, *ev_params, start, end, *cost_params, start, end],
    ).fetchall()


def _per(cost: Decimal | None, amount: int | None, unit: Decimal) -> float | None:
    if cost is None or not amount:
        return None
    return float(Decimal(cost) / Decimal(amount) * unit)


def run_model_costs(con: duckdb.DuckDBPyConnection, p: ModelCostInput) -> ModelCostResult:
    period = resolve_range(p, con)
    notes = check_coverage(con, period)
    start, end = period_bounds(period)
    requests = _api_requests(con, p, start, end)
    rows: list[ModelCostRow] = []
    for pkey, model, cost, tokens, tin, tout in _api_rows(con, p, start, end):
        n = requests.get((pkey, model))
        rows.append(
            ModelCostRow(
                model=model,
                hosting="api",
                provider=source_label(pkey) or str(pkey),
                cost=float(cost or 0),
                cost_basis="bill",
                tokens=int(tokens or 0),
                input_tokens=int(tin or 0),
                output_tokens=int(tout or 0),
                requests=n,
                cost_per_1m_tokens=_per(cost, tokens, MILLION),
                cost_per_1k_requests=_per(cost, n, Decimal(1000)),
            )
        )
    merged: dict[tuple[str, str], dict] = {}
    missing_cost: set[str] = set()
    for provider, model, instance, req, tin, tout, cost, util, has_cost in _self_hosted_rows(
        con, p, start, end
    ):
        if instance is None or not has_cost:
            missing_cost.add(f"{provider}/{model}" + (f" on {instance}" if instance else ""))
            continue
        key = (provider, canonical_model(model) or model)
        m = merged.setdefault(
            key, {"req": 0, "tin": 0, "tout": 0, "cost": Decimal(0), "util": [], "inst": []}
        )
        m["req"] += int(req or 0)
        m["tin"] += int(tin or 0)
        m["tout"] += int(tout or 0)
        m["cost"] += Decimal(cost or 0)
        m["inst"].append(instance)
        if util is not None:
            m["util"].append(float(util))
    for (provider, model), m in merged.items():
        tokens = m["tin"] + m["tout"]
        rows.append(
            ModelCostRow(
                model=model,
                hosting="self-hosted",
                provider=f"{provider} on {', '.join(sorted(m['inst']))}",
                cost=float(m["cost"]),
                cost_basis="GPU instance cost amortised over tokens served",
                tokens=tokens,
                input_tokens=m["tin"],
                output_tokens=m["tout"],
                requests=m["req"],
                cost_per_1m_tokens=_per(m["cost"], tokens, MILLION),
                cost_per_1k_requests=_per(m["cost"], m["req"], Decimal(1000)),
                gpu_utilisation_pct=sum(m["util"]) / len(m["util"]) if m["util"] else None,
                instances=sorted(m["inst"]),
            )
        )
    rows.sort(key=lambda r: (r.cost_per_1m_tokens is None, r.cost_per_1m_tokens or 0, r.model))
    if missing_cost:
        notes.append(
            "self-hosted telemetry without an instance cost in the period (no instance_id, or no cost rows with "
            f"that ResourceId): {', '.join(sorted(missing_cost)[:10])}"
        )
    notes.append(
        "API models: the bill's EffectiveCost over its tokens (all kinds); self-hosted: each instance's "
        "EffectiveCost over the tokens it served, idle time included (low GPU utilisation means most of it is idle)"
    )
    if not rows:
        notes.append("no billed tokens and no self-hosted telemetry in the period")
    return ModelCostResult(
        start=period.start, end=period.end, period_label=period.label, rows=rows, notes=notes
    )


@operation("compare_model_costs", input_model=ModelCostInput, output_model=ModelCostResult)
def compare_model_costs(store: Store, params: ModelCostInput) -> ModelCostResult:
    """API and self-hosted models in one table: cost per 1M tokens and per 1K requests over a period, API models
    from the bill, self-hosted ones from their GPU instances' cost amortised over the tokens they served."""
    with store.reader() as con:
        return run_model_costs(con, params)
