"""Commitments: utilisation and unused cost per commitment (Azure PTU, Bedrock provisioned throughput,
reservations, savings plans) and month, from FOCUS's commitment columns, and the break-even utilisation
against pay-as-you-go prices.

FOCUS amortises a commitment into Usage rows that carry its CommitmentDiscountId: `Used` rows (the part that
covered usage) and `Unused` rows (the part that went to waste), both priced in EffectiveCost; the Purchase rows
carry the BilledCost. So per commitment and month:

    commitment cost  = EffectiveCost of Used + Unused rows (the Purchase's BilledCost when nothing is amortised)
    utilisation      = Used / (Used + Unused) x 100
    pay-as-you-go    = what the used part would have cost on demand: ListCost of the Used rows when the bill
                       carries it; else the telemetry estimate (price catalog) of the commitment's model on the
                       same billing source that month
    break-even       = commitment cost / pay-as-you-go cost at 100% use x 100
                     = utilisation x commitment cost / pay-as-you-go of the used part
    net saving       = pay-as-you-go of the used part - commitment cost (negative: on demand would have been cheaper)
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import duckdb
from pydantic import BaseModel, Field
from spendscope.data.errors import UnknownValue
from spendscope.data.sql import month
from spendscope.data.store import Store
from spendscope.tools.costs.breakdown import (
    Filter,
    TimeRange,
    check_coverage,
    filter_sql,
    match_score,
    period_bounds,
    resolve_range,
)
from spendscope.tools.costs.dimensions import query_source
from spendscope.tools.costs.reconcile import bill_source_sql, model_map_cte, telemetry_source_sql
from spendscope.tools.money_text import InBillCurrency
from spendscope.tools.registry import operation

TELEMETRY_COVERAGE = 0.8  # share of a month's used days telemetry must cover to price the used part


class CommitmentsInput(TimeRange):
    commitment: str | None = Field(None, description="only this commitment (id or name, case-insensitive)")
    filters: list[Filter] = Field(
        default_factory=list, description="only commitment rows matching these filters (e.g. provider, team)"
    )


class CommitmentFigures(BaseModel):
    commitment_cost: float = Field(description="amortised cost: Used + Unused EffectiveCost")
    used_cost: float
    unused_cost: float
    purchased_cost: float = Field(description="BilledCost of the Purchase rows (what was invoiced)")
    utilization_pct: float | None
    used_quantity: float | None = Field(None, description="CommitmentDiscountQuantity of Used rows")
    unused_quantity: float | None = None
    unit: str | None = Field(None, description="CommitmentDiscountUnit, e.g. Hours, USD")
    payg_cost_of_used: float | None = Field(None, description="on-demand cost of what was used")
    payg_source: Literal["list_cost", "telemetry", "none"] = "none"
    break_even_utilization_pct: float | None = Field(
        None, description="utilisation at which the commitment costs the same as on demand"
    )
    net_saving: float | None = Field(None, description="payg_cost_of_used - commitment_cost")
    verdict: str


class CommitmentMonth(CommitmentFigures):
    commitment_id: str
    commitment_name: str | None
    commitment_type: str | None
    category: str | None = Field(None, description="CommitmentDiscountCategory: Spend or Usage")
    provider: str | None
    service: str | None
    model: str | None
    month: str = Field(description="YYYY-MM")


class CommitmentTotal(CommitmentFigures):
    commitment_id: str
    commitment_name: str | None
    months: int


class CommitmentsResult(InBillCurrency):
    start: dt.date
    end: dt.date = Field(description="exclusive end")
    period_label: str
    rows: list[CommitmentMonth] = Field(description="per commitment and month")
    commitments: list[CommitmentTotal] = Field(description="per commitment over the whole period")
    total_unused_cost: float
    assumptions: list[str] = Field(default_factory=list)


def _verdict(util: float | None, break_even: float | None, unused: float) -> str:
    if util is None:
        return "no amortised usage rows: utilisation unknown"
    if util == 0 and unused > 0:
        return "not used at all (0.0% used): the whole commitment is unused"
    if break_even is not None:
        if break_even > 100:
            return f"on demand is cheaper even at full use (break-even {break_even:.0f}%)"
        if util + 1e-9 < break_even:
            return f"below break-even ({util:.1f}% used, needs {break_even:.1f}%): on demand is cheaper"
        return f"above break-even ({util:.1f}% used, break-even {break_even:.1f}%)"
    if unused > 0:
        return f"{util:.1f}% used; no pay-as-you-go reference for a break-even"
    return "fully used"


def _figures(
    used: float,
    unused: float,
    purchased: float,
    used_q: float | None,
    unused_q: float | None,
    unit: str | None,
    list_used: float | None,
    telemetry_used: float | None,
) -> dict:
    amortised = used + unused
    cost = amortised if amortised else purchased
    util = used / amortised * 100 if amortised else None
    if amortised and not used:
        # nothing was used: the use costs nothing on demand, and a break-even cannot be scaled up from no use
        # (telemetry of the model that month is traffic the commitment did not carry)
        payg, source = 0.0, "none"
    elif list_used:
        payg, source = list_used, "list_cost"
    elif telemetry_used:
        payg, source = telemetry_used, "telemetry"
    else:
        payg, source = None, "none"
    break_even = util * cost / payg if payg and util else None
    return {
        "commitment_cost": cost,
        "used_cost": used,
        "unused_cost": unused,
        "purchased_cost": purchased,
        "utilization_pct": util,
        "used_quantity": used_q,
        "unused_quantity": unused_q,
        "unit": unit,
        "payg_cost_of_used": payg,
        "payg_source": source,
        "break_even_utilization_pct": break_even,
        "net_saving": payg - cost if payg is not None else None,
        "verdict": _verdict(util, break_even, unused),
    }


def run_commitments(con: duckdb.DuckDBPyConnection, p: CommitmentsInput) -> CommitmentsResult:
    period = resolve_range(p, con)
    notes = check_coverage(con, period)
    start, end = period_bounds(period)
    mm_cte, mm_params = model_map_cte(con, start, end)
    status = "lower(coalesce(CommitmentDiscountStatus, ''))"
    source = query_source(con)
    clauses, scope_params = filter_sql(p.filters, con, source)
    if p.commitment:
        _check_commitment(con, p.commitment)
        clauses.append("(lower(CommitmentDiscountId) = ? OR lower(CommitmentDiscountName) = ?)")
        scope_params += [p.commitment.strip().lower()] * 2
    scope = "".join(f" AND {c}" for c in clauses)
    sql = f"""
        WITH {mm_cte},
        c AS (
            SELECT CommitmentDiscountId AS id, strftime({month("ChargePeriodStart")}, '%Y-%m') AS month,
                   any_value(CommitmentDiscountName) AS name, any_value(CommitmentDiscountType) AS type,
                   any_value(CommitmentDiscountCategory) AS category, any_value(ProviderName) AS provider,
                   any_value(ServiceName) AS service, any_value(x_Model) AS model,
                   any_value({bill_source_sql()}) AS pkey,
                   coalesce(SUM(EffectiveCost) FILTER (WHERE {status} = 'used'), 0) AS used,
                   coalesce(SUM(EffectiveCost) FILTER (WHERE {status} = 'unused'), 0) AS unused,
                   coalesce(SUM(BilledCost) FILTER (WHERE ChargeCategory = 'Purchase'), 0) AS purchased,
                   SUM(CommitmentDiscountQuantity) FILTER (WHERE {status} = 'used') AS used_q,
                   SUM(CommitmentDiscountQuantity) FILTER (WHERE {status} = 'unused') AS unused_q,
                   any_value(CommitmentDiscountUnit) AS unit,
                   SUM(ListCost) FILTER (WHERE {status} = 'used') AS list_used,
                   count(DISTINCT CAST(ChargePeriodStart AS DATE)) FILTER (WHERE {status} = 'used') AS used_days
            FROM {source.relation}
            WHERE CommitmentDiscountId IS NOT NULL AND ChargePeriodStart >= ? AND ChargePeriodStart < ?{scope}
            GROUP BY 1, 2
        ),
        ev AS (
            SELECT strftime({month("e.ts")}, '%Y-%m') AS month, {telemetry_source_sql("e.provider")} AS pkey,
                   coalesce(mm.canon, lower(e.model)) AS model, SUM(e.estimated_cost) AS est,
                   count(DISTINCT CAST(e.ts AS DATE)) AS days
            FROM usage_events e LEFT JOIN model_map mm ON mm.raw = e.model
            WHERE e.ts >= ? AND e.ts < ?
            GROUP BY ALL
        ),
        m AS (
            SELECT c.*, CASE WHEN ev.days >= ? * c.used_days THEN ev.est END AS telemetry_used,
                   ev.est IS NOT NULL AND ev.days < ? * c.used_days AS sparse_telemetry
            FROM c LEFT JOIN ev ON ev.month = c.month AND ev.pkey = c.pkey AND ev.model = c.model
        )
        SELECT GROUPING(id, month) AS g, id, month, any_value(name), any_value(type), any_value(category),
               any_value(provider), any_value(service), any_value(model), count(*) AS months,
               SUM(used), SUM(unused), SUM(purchased), SUM(used_q), SUM(unused_q), any_value(unit),
               SUM(list_used), SUM(telemetry_used),
               SUM(used + unused) - SUM(used + unused) FILTER (WHERE list_used > 0 OR telemetry_used > 0)
                   AS cost_without_payg, bool_or(sparse_telemetry) AS sparse
        FROM m
        GROUP BY GROUPING SETS ((id, month), (id), ())
        ORDER BY g, id, month
    """
    cover = TELEMETRY_COVERAGE
    result = con.execute(sql, [*mm_params, start, end, *scope_params, start, end, cover, cover]).fetchall()
    rows: list[CommitmentMonth] = []
    totals: list[CommitmentTotal] = []
    total_unused = 0.0
    partial_payg: set[str] = set()
    sparse_telemetry = False
    for r in result:
        g, cid, mon, name, ctype, cat, prov, svc, model, months = r[:10]
        used, unused, purchased, used_q, unused_q, unit, list_used, tel_used, without, sparse = r[10:]
        sparse_telemetry = sparse_telemetry or bool(sparse)
        figs = _figures(
            float(used or 0),  # the grand total of no rows at all is NULL
            float(unused or 0),
            float(purchased or 0),
            _opt(used_q),
            _opt(unused_q),
            unit,
            _opt(list_used),
            _opt(tel_used),
        )
        if g == 0:
            rows.append(
                CommitmentMonth(
                    commitment_id=cid,
                    commitment_name=name,
                    commitment_type=ctype,
                    category=cat,
                    provider=prov,
                    service=svc,
                    model=model,
                    month=mon,
                    **figs,
                )
            )
        elif g == 1:
            if without and figs["payg_cost_of_used"] is not None:
                partial_payg.add(
                    cid
                )  # a whole-period break-even would mix months with and without a reference
                figs = _figures(
                    float(used),
                    float(unused),
                    float(purchased),
                    _opt(used_q),
                    _opt(unused_q),
                    unit,
                    None,
                    None,
                )
            totals.append(CommitmentTotal(commitment_id=cid, commitment_name=name, months=months, **figs))
        else:
            total_unused = float(unused or 0)
    if not rows:
        only = [*([repr(p.commitment)] if p.commitment else []), *(f.text() for f in p.filters)]
        notes.append(
            f"no commitment rows (CommitmentDiscountId set) in {period.label}"
            + (f" for {', '.join(only)}" if only else "")
        )
    if any(r.payg_source == "none" and r.used_cost for r in rows):
        notes.append(
            "no pay-as-you-go reference for some months: the bill's ListCost is empty on the Used rows and "
            "no telemetry covers the commitment's model; import usage events to get a break-even"
        )
    if any(r.payg_source == "telemetry" for r in rows):
        notes.append(
            "pay-as-you-go from telemetry: the catalog-priced estimate of the commitment's model on the "
            "same billing source that month (assumes those events ran on the commitment)"
        )
    if sparse_telemetry:
        notes.append(
            f"telemetry covering fewer than {TELEMETRY_COVERAGE:.0%} of a month's committed days is not "
            "used as the pay-as-you-go reference"
        )
    if partial_payg:
        notes.append(
            f"{', '.join(sorted(partial_payg))}: only some months have a pay-as-you-go reference, so the "
            "whole-period break-even is left out; see the monthly rows"
        )
    notes.append("utilisation = Used / (Used + Unused) effective cost")
    return CommitmentsResult(
        start=period.start,
        end=period.end,
        period_label=period.label,
        rows=rows,
        commitments=totals,
        total_unused_cost=total_unused,
        assumptions=notes,
    )


def _check_commitment(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """UnknownValue, with the closest ids and names, when no commitment in the store has this id or name."""
    known = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT v FROM (SELECT CommitmentDiscountId AS v FROM costs UNION ALL "
            "SELECT CommitmentDiscountName FROM costs) WHERE v IS NOT NULL"
        ).fetchall()
    ]
    if name.strip().lower() in {k.lower() for k in known}:
        return
    close = sorted(known, key=lambda k: (-match_score(name, k), k))[:3]
    raise UnknownValue(
        f"no commitment {name!r}; "
        + (f"closest: {', '.join(close)}" if close else "the store has no commitments"),
        argument="commitment",
        value=name,
        suggestions=close,
    )


def _opt(v: object) -> float | None:
    return float(v) if v is not None else None  # type: ignore[arg-type]


@operation("commitment_utilization", input_model=CommitmentsInput, output_model=CommitmentsResult, chart=True)
def commitments(store: Store, params: CommitmentsInput) -> CommitmentsResult:
    """Utilisation and unused cost per commitment (PTU, provisioned throughput, reservations) and month, and the
    break-even utilisation against pay-as-you-go prices."""
    with store.reader() as con:
        return run_commitments(con, params)
