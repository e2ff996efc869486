"""Unit economics: cost per request, per 1M tokens, per customer, per feature, per inference.

Two bases, chosen by what is grouped:
- by model, provider or total: the bill. Cost and tokens come from AI cost rows (x_Model set); requests from the
  bill where it counts them (x_Requests), else from telemetry for the same provider, model and day.
- by customer, feature, team, operation, env, ...: telemetry reconciled to the bill by the allocation engine's
  customer attribution (tools.allocation.attribution): each provider/model/day's effective cost is split among
  that day's events in proportion to their estimated cost, exactly, so the groups add up to the bill. Cost no
  event explains is its own group, "(no telemetry)". Without telemetry, feature, team, env and `tag:<key>` fall
  back to the bill's own tags.

An inference is a request that did not fail (status not an error); cost per inference therefore carries the
cost of failed requests.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Literal

import duckdb
from pydantic import BaseModel, Field
from spendscope.data.errors import InvalidArgument
from spendscope.data.sql import ident
from spendscope.data.store import Store
from spendscope.tools.costs.breakdown import TimeRange, check_coverage, period_bounds, resolve_range
from spendscope.tools.costs.dimensions import MULTI_DAY, dimension_sql, is_calendar, query_source
from spendscope.tools.costs.reconcile import (
    bill_source_sql,
    has_telemetry,
    model_map_cte,
    source_label,
    telemetry_source_sql,
)
from spendscope.tools.money_text import InBillCurrency, usd
from spendscope.tools.periods import Period
from spendscope.tools.registry import operation

BILL_KEYS = ("model", "provider", "total")
TELEMETRY_KEYS = ("customer", "feature", "team", "operation", "env", "code_path", "commit_sha", "status")
TELEMETRY_ONLY = ("customer", "operation", "code_path", "commit_sha", "status")  # no bill counterpart
FAILED_STATUSES = (
    "error",
    "failed",
    "failure",
    "timeout",
    "cancelled",
    "canceled",
    "rate_limited",
    "aborted",
)
NO_TELEMETRY = "(no telemetry)"


class UnitCostsInput(TimeRange):
    by: str = Field(
        "model",
        description="model, provider, total (from the bill); customer, feature, team, "
        "operation, env (from telemetry, reconciled to the bill); or any other cost dimension "
        "(virtual tag, tag:<key>, service, ...) from the bill",
    )


class UnitCostRow(BaseModel):
    key: str | None = Field(description="the group's value (None: events without one)")
    cost: float = Field(description="cost: billed, or telemetry reconciled to the bill")
    estimated_cost: float | None = Field(None, description="telemetry's own estimate, before reconciling")
    requests: int | None = None
    inferences: int | None = Field(None, description="requests that did not fail")
    tokens: int | None = None
    cost_per_request: float | None = None
    cost_per_inference: float | None = None
    cost_per_1m_tokens: float | None = None
    share_pct: float | None = None


class UnitCostsResult(InBillCurrency):
    by: str
    basis: Literal["bill", "bill_tags", "telemetry_reconciled"]
    start: dt.date
    end: dt.date = Field(description="exclusive end")
    period_label: str
    rows: list[UnitCostRow]
    total: UnitCostRow
    billed_ai_cost: float = Field(description="AI model spend on the bill in the period (EffectiveCost)")
    attributed_cost: float = Field(description="part of that bill shared among telemetry events")
    unattributed_cost: float = Field(description="billed cost with no matching telemetry")
    estimate_only_cost: float = Field(description="telemetry estimates with no bill row to reconcile against")
    assumptions: list[str] = Field(default_factory=list)


def _ratio(num: Decimal | float | None, den: Decimal | float | int | None, scale: int = 1) -> float | None:
    if num is None or not den:
        return None
    return float(num) / float(den) * scale


def _row(
    key: str | None,
    cost: Decimal | float,
    est: Decimal | float | None,
    req: int | None,
    ok: int | None,
    tokens: int | None,
    token_cost: Decimal | float | None,
    total: Decimal | float | None,
    request_cost: Decimal | float | None = None,
) -> UnitCostRow:
    """One group's unit costs. `request_cost` is the cost the request counts cover (default: all of it)."""
    per_request = cost if request_cost is None else request_cost
    return UnitCostRow(
        key=key,
        cost=float(cost or 0),
        estimated_cost=float(est) if est is not None else None,
        requests=int(req) if req is not None else None,
        inferences=int(ok) if ok is not None else None,
        tokens=int(tokens) if tokens is not None else None,
        cost_per_request=_ratio(per_request, req),
        cost_per_inference=_ratio(per_request, ok),
        cost_per_1m_tokens=_ratio(token_cost, tokens, 1_000_000),
        share_pct=_ratio(cost, total, 100),
    )


def _per_request_sql(token_cost: str, request_cost: str, tokens: str, over: str) -> str:
    """A model whose token lines the bill carries at 0 while its request lines carry the charge (a coding
    assistant's usage-based requests: Cursor writes each request's tokens at no cost and the request priced): what
    its tokens cost is those requests' charge, not 0. Over the whole period, per `over` (provider and model)."""
    w = f"OVER (PARTITION BY {over})"
    return (
        f"(coalesce(SUM({token_cost}) {w}, 0) = 0 AND coalesce(SUM({tokens}) {w}, 0) > 0 "
        f"AND coalesce(SUM({request_cost}) {w}, 0) > 0)"
    )


def _token_cost_sql(flag: str, token_cost: str, request_cost: str) -> str:
    return (
        f"CASE WHEN {flag} THEN coalesce({token_cost}, 0) + coalesce({request_cost}, 0) ELSE {token_cost} END"
    )


PER_REQUEST_NOTE = (
    "the bill carries the tokens of {what} at 0 and charges their requests (a coding assistant's usage-based "
    "requests): their cost per 1M tokens is those request charges over the tokens"
)


def _per_request_note(keys: list[str], by: str) -> str:
    named = ", ".join(keys[:5]) + (" and more" if len(keys) > 5 else "")
    return PER_REQUEST_NOTE.format(what=named if by == "model" and keys else "some models")


def _failed_sql(column: str) -> str:
    listed = ", ".join(f"'{s}'" for s in FAILED_STATUSES)
    return f"(lower(coalesce({column}, '')) IN ({listed}) OR regexp_matches(coalesce({column}, ''), '^[45][0-9][0-9]$'))"


def _bill_basis(con: duckdb.DuckDBPyConnection, p: UnitCostsInput, period: Period) -> UnitCostsResult:
    start, end = period_bounds(period)
    by = p.by.strip().lower()
    mm_cte, mm_params = model_map_cte(con, start, end)
    key = {"model": "b.model", "provider": "b.pkey", "total": "'total'"}[by]
    sql = f"""
        WITH {mm_cte},
        bill AS (  -- summed by charge time, provider, service and model first: the date and the billing source
                   -- (text functions) are then worked out once per sum, not once per row
            SELECT CAST(t AS DATE) AS d, {bill_source_sql("p", "s")} AS pkey, model, SUM(cost) AS cost,
                   SUM(token_cost) AS token_cost, SUM(request_cost) AS request_cost, SUM(tokens) AS tokens,
                   SUM(req) AS req
            FROM (
                SELECT ChargePeriodStart AS t, ProviderName AS p, ServiceName AS s, x_Model AS model,
                       SUM(EffectiveCost) AS cost, SUM(EffectiveCost) FILTER (WHERE x_Tokens IS NOT NULL) AS token_cost,
                       SUM(EffectiveCost) FILTER (WHERE x_Tokens IS NULL AND x_Requests IS NOT NULL) AS request_cost,
                       SUM(x_Tokens) AS tokens, SUM(x_Requests) AS req
                FROM costs WHERE x_Model IS NOT NULL AND ChargePeriodStart >= ? AND ChargePeriodStart < ?
                GROUP BY ALL
            )
            GROUP BY ALL
        ),
        billed AS (
            SELECT d, pkey, model, cost, tokens, req,
                   {_per_request_sql("token_cost", "request_cost", "tokens", "pkey, model")} AS per_request,
                   {_token_cost_sql(_per_request_sql("token_cost", "request_cost", "tokens", "pkey, model"), "token_cost", "request_cost")} AS token_cost
            FROM bill
        ),
        ev AS (
            SELECT CAST(e.ts AS DATE) AS d, {telemetry_source_sql("e.provider")} AS pkey,
                   coalesce(mm.canon, lower(e.model)) AS model,
                   SUM(e.requests) AS req, SUM(e.requests) FILTER (WHERE NOT {_failed_sql("e.status")}) AS ok,
                   SUM(e.input_tokens + e.output_tokens + e.cached_input_tokens + e.cache_write_tokens
                       + e.reasoning_tokens) AS tokens
            FROM usage_events e LEFT JOIN model_map mm ON mm.raw = e.model
            WHERE e.ts >= ? AND e.ts < ? GROUP BY ALL
        ),
        j AS (
            SELECT {key} AS k, b.cost, b.token_cost, b.tokens, b.req, ev.req AS ev_req, ev.ok AS ev_ok,
                   ev.tokens AS ev_tokens, b.per_request
            FROM billed b LEFT JOIN ev ON ev.d = b.d AND ev.model = b.model
                AND ev.pkey = b.pkey
        )
        SELECT GROUPING(k) AS g, k, SUM(cost) AS cost,
               SUM(coalesce(req, ev_req)) AS req,
               SUM(CASE WHEN req IS NOT NULL THEN req ELSE ev_ok END) AS ok,
               SUM(coalesce(tokens, ev_tokens)) AS tokens,
               SUM(CASE WHEN tokens IS NOT NULL THEN token_cost WHEN ev_tokens IS NOT NULL THEN cost END) AS tcost,
               SUM(cost) FILTER (WHERE coalesce(req, ev_req) IS NOT NULL) AS rcost,
               bool_or(req IS NULL AND ev_req IS NOT NULL) AS req_from_events,
               bool_or(tokens IS NULL AND ev_tokens IS NOT NULL) AS tokens_from_events,
               bool_or(per_request) AS per_request
        FROM j GROUP BY GROUPING SETS ((k), ()) ORDER BY g DESC, cost DESC NULLS LAST, k
    """
    result = con.execute(sql, [*mm_params, start, end, start, end]).fetchall()
    _, _, billed, *tot = result[0]
    total = _row("total", billed or 0, None, tot[0], tot[1], tot[2], tot[3], billed or 0, tot[4])
    rows = [
        _row(source_label(k) if by == "provider" else k, cost, None, req, ok, tokens, tcost, billed, rcost)
        for _, k, cost, req, ok, tokens, tcost, rcost, _, _, _ in result[1:]
    ]
    per_request = [source_label(r[1]) if by == "provider" else r[1] for r in result[1:] if r[10]]
    req_ev, tok_ev = bool(result[0][8]), bool(result[0][9])
    assumptions = ["cost = effective cost (amortised) of AI model rows on the bill"]
    if req_ev:
        assumptions.append(
            "the bill does not count requests for some models: their requests come from telemetry "
            "for the same provider, model and day, and cost per request divides only the cost of "
            "those days (wrong if telemetry is sampled)"
        )
    if tok_ev:
        assumptions.append(
            "some cost rows carry no tokens (e.g. provisioned throughput): their tokens come from "
            "telemetry for the same provider, model and day"
        )
    if per_request:
        assumptions.append(_per_request_note(per_request, by))
    if not total.requests:
        assumptions.append("no request counts on the bill and no telemetry: cost per request is unknown")
    return UnitCostsResult(
        by=by,
        basis="bill",
        start=period.start,
        end=period.end,
        period_label=period.label,
        rows=rows,
        total=total,
        billed_ai_cost=float(billed or 0),
        attributed_cost=0.0,
        unattributed_cost=0.0,
        estimate_only_cost=0.0,
        assumptions=assumptions,
    )


def _bill_tags_basis(con: duckdb.DuckDBPyConnection, p: UnitCostsInput, period: Period) -> UnitCostsResult:
    start, end = period_bounds(period)
    source = query_source(con)
    expr = dimension_sql(p.by, con, source)
    flag = _per_request_sql("tcost", "rcost", "tokens", "p, m")
    sql = f"""
        WITH g AS (
            SELECT k, ProviderName AS p, x_Model AS m, SUM(EffectiveCost) AS cost, SUM(x_Requests) AS req,
                   SUM(x_Tokens) AS tokens, SUM(EffectiveCost) FILTER (WHERE x_Tokens IS NOT NULL) AS tcost,
                   SUM(EffectiveCost) FILTER (WHERE x_Tokens IS NULL AND x_Requests IS NOT NULL) AS rcost
            FROM (SELECT CAST({expr} AS VARCHAR) AS k, * FROM {source.relation}
                  WHERE x_Model IS NOT NULL AND ChargePeriodStart >= ? AND ChargePeriodStart < ?)
            GROUP BY ALL
        ),
        f AS (SELECT k, cost, req, tokens, {flag} AS per_request, {_token_cost_sql(flag, "tcost", "rcost")} AS tcost FROM g)
        SELECT GROUPING(k) AS g, k, SUM(cost) AS cost, SUM(req) AS req, SUM(tokens) AS tokens, SUM(tcost) AS tcost,
               bool_or(per_request) AS per_request
        FROM f GROUP BY GROUPING SETS ((k), ()) ORDER BY g DESC, cost DESC NULLS LAST, k
    """
    result = con.execute(sql, [start, end]).fetchall()
    _, _, billed, treq, ttok, ttcost, any_per_request = result[0]
    rows = [
        _row(k, cost, None, req, req, tokens, tcost, billed)
        for _, k, cost, req, tokens, tcost, _ in result[1:]
    ]
    return UnitCostsResult(
        by=p.by,
        basis="bill_tags",
        start=period.start,
        end=period.end,
        period_label=period.label,
        rows=rows,
        total=_row("total", billed or 0, None, treq, treq, ttok, ttcost, billed),
        billed_ai_cost=float(billed or 0),
        attributed_cost=0.0,
        unattributed_cost=0.0,
        estimate_only_cost=0.0,
        assumptions=[
            f"{p.by} comes from the bill's charge period start (UTC; rows charged over more than a day read "
            f"{MULTI_DAY}), so there is no per-request cost unless the bill counts requests"
            if is_calendar(p.by)
            else f"no telemetry in the period: {p.by} comes from the bill's tags, so there is no per-request "
            "cost unless the bill counts requests",
            "cost = effective cost of AI model rows",
            *([_per_request_note([], p.by)] if any_per_request else []),
        ],
    )


def _inferences(con: duckdb.DuckDBPyConnection, attr: str, period: Period) -> dict[str, int]:
    """Requests that did not fail per attribute value, over the events the attribution matched to a bill (the
    same provider/model/day keys, so they sit beside its request counts)."""
    from spendscope.tools.allocation.attribution import NONE_VALUE
    from spendscope.tools.allocation.compile import Binder, cost_provider_key, usage_keyed
    from spendscope.tools.allocation.versions import event_models

    binder = Binder(f"spendscope_unit_{uuid.uuid4().hex[:8]}")
    keyed = usage_keyed(binder, event_models(con))
    binder.bind(con)
    start, end = period_bounds(period)
    rows = con.execute(
        f"""WITH bills AS (
                SELECT DISTINCT {cost_provider_key("c")} AS pk, c.x_Model AS mk, CAST(c.ChargePeriodStart AS DATE) AS d
                FROM costs AS c
                WHERE c.x_Model IS NOT NULL AND c.ChargePeriodStart >= ? AND c.ChargePeriodStart < ?
            )
            SELECT coalesce(nullif(trim(CAST(u.{ident(attr)} AS VARCHAR)), ''), '{NONE_VALUE}') AS k,
                   SUM(coalesce(u.requests, 1)) FILTER (WHERE NOT {_failed_sql("u.status")}) AS ok
            FROM {keyed} AS u SEMI JOIN bills b ON b.pk = u.pk AND b.mk = u.mk AND b.d = u.d
            WHERE u.ts >= ? AND u.ts < ?
            GROUP BY 1""",
        [start, end, start, end],
    ).fetchall()
    return {k: int(ok or 0) for k, ok in rows}


def _telemetry_basis(store: Store, p: UnitCostsInput, period: Period) -> UnitCostsResult:
    """Per customer, feature, team, ...: the allocation engine's attribution of each provider/model/day's bill
    to that day's events (exact to the cent), with per-request, per-token and per-inference figures."""
    from spendscope.tools.allocation.attribution import AttributionInput, attribute_costs

    attr = p.by.strip().lower()
    last = period.end - dt.timedelta(days=1)
    att = attribute_costs(
        store,
        AttributionInput(start=period.start, end=last, by=[attr], measure="cost"),
        refuse_uncovered=False,
    )
    with store.reader() as con:
        ok = _inferences(con, attr, period)
    model_cost = att.attributed + att.unmatched_cost
    rows = [
        _row(
            r.values[attr],
            r.cost,
            r.estimated_cost,
            r.requests,
            ok.get(r.values[attr], 0),
            r.tokens,
            r.cost,
            model_cost,
        )
        for r in att.rows
    ]
    if att.unmatched_cost:
        rows.append(_row(NO_TELEMETRY, att.unmatched_cost, None, None, None, None, None, model_cost))
    requests = sum(r.requests for r in att.rows)
    tokens = sum(r.tokens for r in att.rows)
    total = _row(
        "total",
        model_cost,
        sum((r.estimated_cost for r in att.rows), Decimal(0)),
        requests,
        sum(ok.values()),
        tokens,
        att.attributed,
        model_cost,
        att.attributed,
    )
    assumptions = [
        "cost per group: each provider/model/day's effective cost split among that day's events in proportion to "
        "their estimated cost (the allocation engine's customer attribution), so the groups add up to the bill",
        f"{NO_TELEMETRY}: AI model cost on provider/model/days without events; per-request and per-token figures "
        "in the total cover the matched events only",
        "an inference is a request whose status is not an error",
    ]
    if att.telemetry_without_bill:
        assumptions.append(
            f"{usd(att.telemetry_without_bill, digits=2, code=True)} of estimated event cost has no bill row "
            "(not billed yet, or a provider not imported) and is left out"
        )
    return UnitCostsResult(
        by=attr,
        basis="telemetry_reconciled",
        start=period.start,
        end=period.end,
        period_label=period.label,
        rows=rows,
        total=total,
        billed_ai_cost=float(model_cost),
        attributed_cost=float(att.attributed),
        unattributed_cost=float(att.unmatched_cost),
        estimate_only_cost=float(att.telemetry_without_bill),
        assumptions=assumptions,
    )


def unit_costs_for(store: Store, p: UnitCostsInput) -> UnitCostsResult:
    """The unit costs for `p`, from the bill or from telemetry reconciled to it (see the module docstring)."""
    by = p.by.strip().lower()
    with store.reader() as con:
        period = resolve_range(p, con)
        notes = check_coverage(con, period)
        if by in BILL_KEYS:
            result = _bill_basis(con, p, period)
        elif by in TELEMETRY_KEYS and has_telemetry(con, *period_bounds(period)):
            result = None
        elif by in TELEMETRY_ONLY:
            raise InvalidArgument(
                f"unit costs by {p.by} need telemetry with a {p.by} field, and there are no usage events in "
                f"{period.label}; import them (spendscope import events FILE) or group by model or provider",
                argument="by",
                value=p.by,
            )
        else:  # a bill dimension: tags (feature, team, env), virtual tags, service, sub_account, ...
            result = _bill_tags_basis(con, p, period)
    if result is None:
        result = _telemetry_basis(store, p, period)
    result.assumptions = notes + result.assumptions
    return result


@operation("unit_costs", input_model=UnitCostsInput, output_model=UnitCostsResult, chart=True)
def unit_costs(store: Store, params: UnitCostsInput) -> UnitCostsResult:
    """Cost per request, per 1M tokens and per inference, by model or provider (bill) or by customer, feature,
    team (telemetry reconciled to the bill)."""
    return unit_costs_for(store, params)
