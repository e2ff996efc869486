"""Telemetry-based customer attribution. Provider bills never name customers; the app's telemetry
(`usage_events`) does, with an estimated cost per call. Each provider + model + day's billed cost is split among
the customers (or features, teams, ...) of that day's events in proportion to their estimated cost, so the cost
per customer reconciles to the invoice exactly. What cannot be matched is reported, never dropped:
bills with no telemetry for their provider, model and day, bills that name no model, and telemetry whose
provider, model and day has no bill.

Matching keys: the provider family (openai, anthropic, aws for Bedrock, azure, google for Vertex/Gemini), the
canonical model id (telemetry model names are normalised like bill rows are) and the UTC day.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from pydantic import BaseModel, Field
from spendscope.data.currency import billing_currencies
from spendscope.data.errors import InvalidArgument
from spendscope.data.sql import ident
from spendscope.data.store import Store
from spendscope.tools.allocation.common import WEIGHT_UNIT, apportion_sql, money_column, ts
from spendscope.tools.allocation.compile import Binder, cost_provider_key, usage_keyed
from spendscope.tools.allocation.rules import TELEMETRY_ATTRIBUTES
from spendscope.tools.allocation.versions import event_models
from spendscope.tools.costs.breakdown import TimeRange, resolve_covered_range, resolve_range
from spendscope.tools.registry import operation

NONE_VALUE = "(none)"


class AttributionInput(TimeRange):
    by: list[str] = Field(
        default_factory=lambda: ["customer"],
        description="telemetry attributes to attribute to: customer, feature, team, env, ...",
    )
    measure: str = Field(
        "cost",
        description="cost (EffectiveCost, amortised: a monthly purchase is spread over the days it covers; "
        "default) or billed_cost (the invoice: a purchase lands on the day it is billed)",
    )
    top: int = Field(10, ge=1, le=1000, description="unmatched bill groups to list")


class AttributedRow(BaseModel):
    values: dict[str, str]
    cost: Decimal = Field(description="share of the bill attributed by telemetry-estimated cost")
    estimated_cost: Decimal = Field(description="the telemetry's own estimate over matched bills (USD)")
    requests: int
    tokens: int


class ModelRow(BaseModel):
    provider: str
    model: str
    billed: Decimal
    estimated: Decimal
    attributed: Decimal
    unmatched: Decimal = Field(
        description="billed cost on days without telemetry for this provider and model"
    )
    ratio: float | None = Field(
        None,
        description="billed / estimated over matched days (invoice vs estimate); None when the bill is not in USD "
        "(telemetry's estimates are USD list prices)",
    )


class UnmatchedBill(BaseModel):
    provider: str | None
    model: str | None
    cost: Decimal
    days: int


class AttributionResult(BaseModel):
    by: list[str]
    measure: str
    start: dt.date
    end: dt.date = Field(description="exclusive end")
    period_label: str
    total: Decimal = Field(description="all cost in the period")
    attributed: Decimal = Field(description="cost attributed to telemetry values")
    unmatched_cost: Decimal = Field(description="model cost whose provider, model and day has no telemetry")
    no_model_cost: Decimal = Field(description="cost of rows naming no model (GPU instances, support, ...)")
    coverage_pct: float | None = Field(None, description="attributed / total")
    telemetry_without_bill: Decimal = Field(description="estimated cost of events with no matching bill")
    rows: list[AttributedRow]
    models: list[ModelRow]
    unmatched: list[UnmatchedBill]
    reconciles: bool = Field(description="attributed + unmatched + no-model cost equals the total exactly")


@operation("attribute_costs_to_customers", input_model=AttributionInput, output_model=AttributionResult)
def attribute_costs(
    store: Store, params: AttributionInput, *, refuse_uncovered: bool = True
) -> AttributionResult:
    """Split each provider + model + day's bill among customers (or features, teams) in proportion to their
    telemetry-estimated cost, reconciling to the invoice; reports the cost that could not be matched."""
    # A period the caller named without cost data is refused; the unit-cost and business reads that attribute
    # their own spans (trend months before the data among them) pass refuse_uncovered=False (empty attribution).
    column = money_column(params.measure)
    attrs = [a.strip().lower() for a in params.by] or ["customer"]
    for a in attrs:
        if a not in TELEMETRY_ATTRIBUTES:
            raise InvalidArgument(
                f"cannot attribute by {a!r}; accepted: {', '.join(TELEMETRY_ATTRIBUTES)}",
                argument="by",
                value=a,
            )
    attrs = list(dict.fromkeys(attrs))
    p = f"_spendscope_attr_{uuid.uuid4().hex[:8]}_"
    t = {n: ident(p + n) for n in ("bills", "events", "weights", "parts")}
    members = [f"a_{i}" for i in range(len(attrs))]
    with store.reader() as con:
        # telemetry's estimates are USD: against a bill in another currency billed / estimated is no ratio
        usd_bill = billing_currencies(con) in ([], ["USD"])
        period = resolve_covered_range(params, con)[0] if refuse_uncovered else resolve_range(params, con)
        bounds = [ts(period.start), ts(period.end)]
        b = Binder(f"spendscope_attr_{uuid.uuid4().hex[:8]}")
        keyed = usage_keyed(b, event_models(con))
        b.bind(con)
        try:
            con.execute(
                f"""CREATE TEMP TABLE {t["bills"]} AS
                    SELECT {cost_provider_key("c")} AS pk, c.x_Model AS mk, CAST(c.ChargePeriodStart AS DATE) AS d,
                           min(c.ProviderName) AS provider, sum(c.{ident(column)}) AS amount, count(*) AS n
                    FROM costs AS c WHERE c.ChargePeriodStart >= ? AND c.ChargePeriodStart < ?
                    GROUP BY ALL""",
                bounds,
            )
            values = ", ".join(
                f"coalesce(nullif(trim(CAST(u.{ident(a)} AS VARCHAR)), ''), '{NONE_VALUE}') AS {m}"
                for a, m in zip(attrs, members, strict=True)
            )
            con.execute(
                f"""CREATE TEMP TABLE {t["events"]} AS
                    SELECT u.pk, u.mk, u.d, {values}, sum(coalesce(u.estimated_cost, 0)) AS est,
                           sum(coalesce(u.requests, 1)) AS requests,
                           sum(coalesce(u.input_tokens, 0) + coalesce(u.output_tokens, 0)
                               + coalesce(u.cached_input_tokens, 0) + coalesce(u.cache_write_tokens, 0)
                               + coalesce(u.reasoning_tokens, 0)) AS tokens
                    FROM {keyed} AS u WHERE u.ts >= ? AND u.ts < ? GROUP BY ALL""",
                bounds,
            )
            # Weight by estimated cost; on a day whose events carry no estimate, by requests.
            con.execute(
                f"""CREATE TEMP TABLE {t["weights"]} AS
                    SELECT e.pk, e.mk, e.d, {", ".join("e." + m for m in members)},
                           CAST(round(CASE WHEN sum(e.est) OVER g > 0 THEN CAST(e.est AS DOUBLE)
                                           ELSE CAST(e.requests AS DOUBLE) END * {WEIGHT_UNIT}) AS HUGEINT) AS wu
                    FROM {t["events"]} AS e
                    SEMI JOIN {t["bills"]} AS bl ON bl.pk = e.pk AND bl.mk = e.mk AND bl.d = e.d
                    WINDOW g AS (PARTITION BY e.pk, e.mk, e.d)"""
            )
            parts_sql = apportion_sql(
                t["weights"], f"(SELECT * FROM {t['bills']} WHERE mk IS NOT NULL)", ["pk", "mk", "d"], members
            )
            con.execute(f"CREATE TEMP TABLE {t['parts']} AS {parts_sql}")
            total, no_model = con.execute(
                f"SELECT coalesce(sum(amount), 0), coalesce(sum(amount) FILTER (WHERE mk IS NULL), 0) "
                f"FROM {t['bills']}"
            ).fetchall()[0]
            attributed = con.execute(f"SELECT coalesce(sum(amount), 0) FROM {t['parts']}").fetchall()[0][0]
            unmatched_sql = f"""SELECT * FROM {t["bills"]} AS bl WHERE bl.mk IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM {t["parts"]} AS x WHERE x.pk = bl.pk AND x.mk = bl.mk AND x.d = bl.d)"""
            unmatched_cost = con.execute(
                f"SELECT coalesce(sum(amount), 0) FROM ({unmatched_sql})"
            ).fetchall()[0][0]
            rows = con.execute(
                f"""WITH est AS (
                        SELECT {", ".join("e." + m for m in members)}, sum(e.est) AS est,
                               sum(e.requests) AS requests, sum(e.tokens) AS tokens
                        FROM {t["events"]} AS e
                        SEMI JOIN {t["parts"]} AS x ON x.pk = e.pk AND x.mk = e.mk AND x.d = e.d
                        GROUP BY ALL),
                    cost AS (SELECT {", ".join(members)}, sum(amount) AS cost FROM {t["parts"]} GROUP BY ALL)
                    SELECT {", ".join("cost." + m for m in members)}, cost.cost, coalesce(est.est, 0),
                           coalesce(est.requests, 0), coalesce(est.tokens, 0)
                    FROM cost LEFT JOIN est USING ({", ".join(members)})
                    ORDER BY cost.cost DESC, {", ".join("cost." + m for m in members)}"""
            ).fetchall()
            models = con.execute(
                f"""WITH m AS (
                        SELECT bl.pk, bl.mk, min(bl.provider) AS provider, sum(bl.amount) AS billed,
                               sum(bl.amount) FILTER (WHERE x.d IS NOT NULL) AS matched
                        FROM {t["bills"]} AS bl
                        LEFT JOIN (SELECT DISTINCT pk, mk, d FROM {t["parts"]}) AS x USING (pk, mk, d)
                        WHERE bl.mk IS NOT NULL GROUP BY bl.pk, bl.mk),
                    e AS (SELECT e.pk, e.mk, sum(e.est) AS est FROM {t["events"]} AS e
                          SEMI JOIN {t["parts"]} AS x ON x.pk = e.pk AND x.mk = e.mk AND x.d = e.d
                          GROUP BY ALL)
                    SELECT m.provider, m.mk, m.billed, coalesce(e.est, 0), coalesce(m.matched, 0),
                           m.billed - coalesce(m.matched, 0)
                    FROM m LEFT JOIN e USING (pk, mk) ORDER BY m.billed DESC, m.mk"""
            ).fetchall()
            unmatched = con.execute(
                f"""SELECT min(provider), mk, sum(amount) AS c, count(DISTINCT d) FROM (
                        {unmatched_sql} UNION ALL SELECT * FROM {t["bills"]} WHERE mk IS NULL)
                    GROUP BY pk, mk ORDER BY abs(c) DESC, mk LIMIT ?""",
                [params.top],
            ).fetchall()
            orphan = con.execute(
                f"""SELECT coalesce(sum(e.est), 0) FROM {t["events"]} AS e
                    ANTI JOIN {t["bills"]} AS bl ON bl.pk = e.pk AND bl.mk = e.mk AND bl.d = e.d"""
            ).fetchall()[0][0]
        finally:
            for name in t.values():
                con.execute(f"DROP TABLE IF EXISTS {name}")
    n = len(members)
    return AttributionResult(
        by=attrs,
        measure=params.measure,
        start=period.start,
        end=period.end,
        period_label=period.label,
        total=total,
        attributed=attributed,
        unmatched_cost=unmatched_cost,
        no_model_cost=no_model,
        coverage_pct=float(attributed / total * 100) if total else None,
        telemetry_without_bill=orphan,
        rows=[
            AttributedRow(
                values=dict(zip(attrs, r[:n], strict=True)),
                cost=r[n],
                estimated_cost=r[n + 1],
                requests=int(r[n + 2]),
                tokens=int(r[n + 3]),
            )
            for r in rows
        ],
        models=[
            ModelRow(
                provider=m[0] or "",
                model=m[1],
                billed=m[2],
                estimated=m[3],
                attributed=m[4],
                unmatched=m[5],
                ratio=float(m[4] / m[3]) if m[3] and usd_bill else None,
            )
            for m in models
        ],
        unmatched=[UnmatchedBill(provider=u[0], model=u[1], cost=u[2], days=u[3]) for u in unmatched],
        reconciles=attributed + unmatched_cost + no_model == total,
    )


__all__ = ["attribute_costs", "AttributionInput", "AttributionResult", "Decimal"]
