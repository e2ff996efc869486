"""Savings recommendations, each with an estimated monthly saving and the evidence behind it:

- cheaper_model: per feature and model, the next cheaper model of the same family (price catalog) that costs
  at least MIN_CHEAPER less on that feature's own token mix; the bill's discount on the current model is
  assumed to carry over.
- prompt_caching: token spend whose cached share of input is low on models that price cache reads lower.
- batch: spend that does not need an answer right away (a non-interactive environment, or a feature or
  workload named for offline work, or tagged batch_eligible / latency=offline) at the batch APIs' discount.
- idle_gpu: idle GPU cost (tools.optimize.gpu) per instance, for instances still billed at the end of the window
  (a terminated instance has nothing left to stop).
- commitment: under-used commitments (tools.optimize.commitments): below break-even, on demand would be cheaper; else
  right-sizing to the observed use saves up to the unused part.
- untagged: spend without an owner tag; no saving of its own, but it cannot be acted on until someone owns it.
- idle_seat, seat_plan, premium_model_mix: coding-assistant seats and usage (tools.optimize.assistant_savings).

Figures come from a window (default: the last 30 days of data) scaled to a month. The same spend can appear
under several kinds (caching and batch on one feature), so savings of different kinds do not simply add up.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from decimal import Decimal
from typing import Any, Literal

import duckdb
from pydantic import BaseModel, Field
from spendscope.data.errors import UnknownDimension
from spendscope.data.prices import ModelPrices, PriceCatalog, configured_catalog
from spendscope.data.store import Store
from spendscope.tools.allocation.rules import UNALLOCATED
from spendscope.tools.costs.breakdown import (
    Filter,
    TimeRange,
    check_coverage,
    data_coverage,
    filtered_source,
    period_bounds,
    resolve_range,
    summed_rows,
)
from spendscope.tools.costs.dimensions import check_named_dimensions, dimension_sql, query_source
from spendscope.tools.costs.reconcile import bill_source_sql, source_label
from spendscope.tools.money_text import InBillCurrency, money
from spendscope.tools.optimize.commitments import CommitmentsInput, run_commitments
from spendscope.tools.optimize.gpu import GpuInput, run_gpu
from spendscope.tools.periods import Period
from spendscope.tools.registry import operation

Kind = Literal[
    "cheaper_model",
    "prompt_caching",
    "batch",
    "idle_gpu",
    "commitment",
    "untagged",
    "idle_seat",
    "seat_plan",
    "premium_model_mix",
]
KINDS: tuple[str, ...] = (
    "cheaper_model",
    "prompt_caching",
    "batch",
    "idle_gpu",
    "commitment",
    "untagged",
    *("idle_seat", "seat_plan", "premium_model_mix"),  # coding assistants: tools.optimize.assistant_savings
)
DAYS_PER_MONTH = Decimal("30.4375")
MIN_CHEAPER = Decimal("0.3")  # a candidate must cost at least 30% less on the feature's token mix
READS_PER_WRITE = 5  # cache reads each cache write is assumed to serve (prompt caching estimate)
BATCH_DISCOUNT = Decimal("0.5")  # OpenAI, Anthropic, Bedrock, Vertex AI and Azure OpenAI batch APIs: 50% off
BATCH_SOURCES = ("openai", "anthropic", "aws.bedrock", "gcp.vertex_ai", "azure.openai")
NONINTERACTIVE_ENVS = (
    "eval",
    "evaluation",
    "evals",
    "test",
    "testing",
    "ci",
    "dev",
    "development",
    "staging",
    "batch",
    "offline",
    "sandbox",
    "research",
)
OFFLINE_WORDS = r"eval|batch|backfill|offline|nightly|index|embed|report|digest|etl|bulk|cron|training-data"

# Current models per family that cheaper-model candidates are drawn from (besides the store's own models).
CANDIDATES: dict[str, tuple[str, ...]] = {
    "claude": ("claude-opus-4-5", "claude-sonnet-4-5", "claude-haiku-4-5"),
    "openai": ("gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "gpt-4o-mini", "gpt-5", "gpt-5-mini", "gpt-5-nano"),
    "gemini": ("gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite"),
}
_REASONING = re.compile(r"^(o\d|gpt-5)")


class SavingsInput(TimeRange):
    kinds: list[Kind] = Field(default_factory=list, description="only these kinds; default all")
    min_monthly_saving: float = Field(
        10.0, ge=0, description="leave out recommendations saving less per month"
    )
    idle_threshold_pct: float = Field(
        10.0, ge=0, le=100, description="GPU utilisation below which an hour is idle"
    )
    cache_target_share_pct: float = Field(
        50.0, gt=0, le=100, description="cached share of input assumed reachable with prompt caching"
    )
    cache_low_share_pct: float = Field(
        20.0, ge=0, le=100, description="cached share below which caching is recommended"
    )
    commitment_min_utilization_pct: float = Field(
        80.0, ge=0, le=100, description="commitments used less than this are flagged"
    )
    team_tag: str = Field("team", description="the tag that names an owner (for untagged spend)")
    top: int = Field(50, ge=1, le=1000, description="recommendations returned, largest saving first")
    feature_tag: str = Field("feature", description="the tag that names a feature")
    idle_seat_days: int = Field(
        30, ge=1, le=365, description="coding-assistant seats without activity for this many days are idle"
    )
    filters: list[Filter] = Field(
        default_factory=list,
        description="only spend matching these filters (e.g. a team): every recommendation is computed over "
        "those rows alone",
    )


class Recommendation(BaseModel):
    kind: Kind
    title: str
    scope: dict[str, str | None] = Field(description="what it applies to, e.g. feature, model, provider")
    monthly_saving: float | None = Field(description="estimated saving per month (None: no direct saving)")
    monthly_cost: float = Field(description="the spend it applies to, per month")
    confidence: Literal["high", "medium", "low"]
    action: str
    evidence: list[str]


class SavingsResult(InBillCurrency):
    start: dt.date
    end: dt.date = Field(description="exclusive end")
    period_label: str
    days: int
    recommendations: list[Recommendation] = Field(description="largest monthly saving first")
    total_monthly_saving: float = Field(description="sum over recommendations; kinds can overlap (see notes)")
    by_kind: dict[str, float]
    assumptions: list[str] = Field(default_factory=list)


def _window(con: duckdb.DuckDBPyConnection, p: SavingsInput) -> Period:
    if p.period or p.start or p.end:
        return resolve_range(p, con)
    cover = data_coverage(con)
    end = (p.as_of - dt.timedelta(days=1)) if p.as_of else (cover[1] if cover else dt.date.today())
    start = end - dt.timedelta(days=29)
    return Period(start=start, end=end + dt.timedelta(days=1), label=f"the 30 days to {end}")


def _covered(con: duckdb.DuckDBPyConnection, window: Period) -> Period:
    """The part of `window` the store's cost data covers (check_coverage refuses a window without any): a month's
    figure is scaled from the days that have data, not from days the data has not reached (Q4 with two months of
    data spread over its 92 days read a third low)."""
    cover = data_coverage(con)
    if cover is None:
        return window
    return Period(
        start=max(window.start, cover[0]),
        end=min(window.end, cover[1] + dt.timedelta(days=1)),
        label=window.label,
    )


def _whole_months(period: Period) -> int | None:
    """How many calendar months `period` is, when it is whole calendar months (None otherwise)."""
    if period.start.day != 1 or period.end.day != 1:
        return None
    return (period.end.year - period.start.year) * 12 + period.end.month - period.start.month


def _dim(con: duckdb.DuckDBPyConnection, name: str, source: Any) -> str:
    try:
        return f"CAST({dimension_sql(name, con, source)} AS VARCHAR)"
    except UnknownDimension:
        return "CAST(NULL AS VARCHAR)"


def _window_rows(
    con: duckdb.DuckDBPyConnection, source: Any, tags: list[str], keep: list[str], where: str
) -> tuple[str, str]:
    """(relation, condition) to read the window's cost rows matching `where` from: the rows summed by `keep` and
    by the columns the `tags` read (tools.costs.breakdown.summed_rows: tag values and rules once per sum, tokens
    and costs summed under their own names), or the rows themselves. `where`'s parameters keep their place."""
    dims = []
    for name in tags:
        try:
            dims.append(dimension_sql(name, con, source))
        except UnknownDimension:
            continue
    sums = {"EffectiveCost": 'SUM("EffectiveCost")', "x_Tokens": 'SUM("x_Tokens")'}
    summed = summed_rows(con, source, dims, keep, sums, where)
    return (source.relation, where) if summed is None else (summed, "true")


def _money(v: Decimal | float) -> str:
    return money(v, digits=2)


def _family(model: str) -> str | None:
    m = model.lower()
    if m.startswith("claude"):
        return "claude"
    if m.startswith(("gpt-", "chatgpt")) or re.match(r"^o\d", m):
        return "openai"
    if m.startswith("gemini"):
        return "gemini"
    return None


def _mix_cost(prices: ModelPrices, mix: dict[str, int]) -> Decimal:
    return sum((prices.per_token(t) * n for t, n in mix.items() if t in _TOKEN_TYPES), Decimal(0))


_TOKEN_TYPES = ("input", "output", "cached_input", "cache_write", "reasoning")


class _Group:
    """Token spend of one feature on one model and billing source, over the window."""

    def __init__(self, feature: str | None, pkey: str, provider: str, model: str) -> None:
        self.feature, self.pkey, self.provider, self.model = feature, pkey, provider, model
        self.tokens: dict[str, int] = defaultdict(int)
        self.cost: dict[str, Decimal] = defaultdict(Decimal)

    @property
    def total(self) -> Decimal:
        return sum(self.cost.values(), Decimal(0))

    def scope(self) -> dict[str, str | None]:
        return {"feature": self.feature, "provider": source_label(self.pkey), "model": self.model}

    def label(self) -> str:
        return f"{self.feature or 'untagged'} on {source_label(self.pkey)}"

    def where(self) -> str:
        return f"{self.feature or 'untagged spend'} on {self.model} ({source_label(self.pkey)})"


def _token_groups(
    con: duckdb.DuckDBPyConnection, window: Period, feature: str, source: Any, feature_tag: str
) -> list[_Group]:
    start, end = period_bounds(window)
    relation, where = _window_rows(
        con,
        source,
        [feature_tag],
        ["ProviderName", "ServiceName", "x_Model", "x_TokenType"],
        "x_Model IS NOT NULL AND x_TokenType IS NOT NULL AND x_Tokens > 0 AND CommitmentDiscountId IS NULL "
        "AND lower(coalesce(PricingCategory, '')) <> 'committed' AND ChargePeriodStart >= ? AND ChargePeriodStart < ?",
    )
    rows = con.execute(
        f"""SELECT {feature} AS feature, {bill_source_sql()} AS pkey, min(ProviderName), x_Model, x_TokenType,
                   SUM(x_Tokens), SUM(EffectiveCost)
            FROM {relation} WHERE {where}
            GROUP BY feature, pkey, x_Model, x_TokenType""",
        [start, end],
    ).fetchall()
    groups: dict[tuple, _Group] = {}
    for feat, pkey, provider, model, ttype, tokens, cost in rows:
        g = groups.setdefault((feat, pkey, model), _Group(feat, pkey, provider, model))
        g.tokens[ttype] += int(tokens or 0)
        g.cost[ttype] += cost or Decimal(0)
    return sorted(groups.values(), key=lambda g: -g.total)


def _cheaper_models(
    groups: list[_Group], catalog: PriceCatalog, factor: Decimal, store_models: set[str], min_saving: float
) -> list[Recommendation]:
    out = []
    for g in groups:
        family = _family(g.model)
        current = catalog.prices(g.model, g.provider)
        if family is None or current is None:
            continue
        catalog_now = _mix_cost(current, g.tokens)
        if catalog_now <= 0:
            continue
        pool = {
            m for m in (*CANDIDATES.get(family, ()), *store_models) if _family(m) == family and m != g.model
        }
        if not _REASONING.match(g.model):
            pool = {m for m in pool if not _REASONING.match(m)}
        options = []
        for m in pool:
            prices = catalog.prices(m, g.provider)
            if prices is None:
                continue
            cost = _mix_cost(prices, g.tokens)
            if cost <= catalog_now * (1 - MIN_CHEAPER):
                options.append((cost, m))
        if not options:
            continue
        options.sort(reverse=True)  # the most capable (dearest) of the clearly cheaper ones first
        cand_cost, cand = options[0]
        ratio = g.total / catalog_now  # the bill's price relative to the catalog (discounts carry over)
        saving = (g.total - cand_cost * ratio) * factor
        if saving < Decimal(str(min_saving)):
            continue
        tokens = sum(g.tokens.values())
        evidence = [
            f"{g.where()}: {_money(g.total * factor)}/month for {tokens * factor:,.0f} tokens/month",
            f"the same token mix on {cand} costs {_money(cand_cost * ratio * factor)}/month "
            f"({(1 - cand_cost / catalog_now) * 100:.0f}% less at catalog prices)",
        ]
        if len(options) > 1:
            cheapest_cost, cheapest = options[-1]
            evidence.append(
                f"cheapest same-family option: {cheapest} ({(1 - cheapest_cost / catalog_now) * 100:.0f}% "
                "less)"
            )
        out.append(
            Recommendation(
                kind="cheaper_model",
                title=f"{g.label()}: {g.model} -> {cand}",
                scope={**g.scope(), "candidate": cand},
                monthly_saving=float(saving),
                monthly_cost=float(g.total * factor),
                confidence="medium",
                evidence=evidence,
                action=f"evaluate {cand} on {g.feature or 'this traffic'} against its quality bar; switch if it holds",
            )
        )
    return out


def _prompt_caching(
    groups: list[_Group], catalog: PriceCatalog, factor: Decimal, p: SavingsInput
) -> list[Recommendation]:
    out = []
    target = Decimal(str(p.cache_target_share_pct)) / 100
    low = Decimal(str(p.cache_low_share_pct)) / 100
    for g in groups:
        inp, cached = g.tokens.get("input", 0), g.tokens.get("cached_input", 0)
        prices = catalog.prices(g.model, g.provider)
        if (
            not inp
            or prices is None
            or prices.input <= 0
            or prices.cached_input >= prices.input * Decimal("0.9")
        ):
            continue
        share = Decimal(cached) / Decimal(inp + cached)
        if share >= low or share >= target:
            continue
        p_in = g.cost["input"] / inp  # what the bill actually charges per input token
        p_cached = p_in * prices.cached_input / prices.input
        p_write = p_in * prices.cache_write / prices.input
        movable = (target - share) * (inp + cached)
        saving = (
            movable * (p_in - p_cached) - movable / READS_PER_WRITE * max(p_write - p_in, Decimal(0))
        ) * factor
        if saving < Decimal(str(p.min_monthly_saving)):
            continue
        out.append(
            Recommendation(
                kind="prompt_caching",
                title=f"{g.label()}: cache prompts on {g.model}",
                scope=g.scope(),
                monthly_saving=float(saving),
                monthly_cost=float(g.cost["input"] * factor),
                confidence="medium",
                evidence=[
                    f"{g.where()}: {share * 100:.1f}% of input tokens are cache reads",
                    f"input costs {_money(g.cost['input'] * factor)}/month at {money(p_in * 1_000_000, digits=4)} "
                    f"per 1M; cache reads cost {money(p_cached * 1_000_000, digits=4)} per 1M",
                    f"assumes {target * 100:.0f}% of input can be served from cache, each write read {READS_PER_WRITE} "
                    "times",
                ],
                action="put the stable part of the prompt (system prompt, tools, documents) first and mark it cacheable",
            )
        )
    return out


def _batch(
    con: duckdb.DuckDBPyConnection,
    window: Period,
    source: Any,
    feature: str,
    factor: Decimal,
    min_saving: float,
    feature_tag: str,
) -> list[Recommendation]:
    start, end = period_bounds(window)
    env, workload = _dim(con, "env", source), _dim(con, "workload", source)
    flag, latency = _dim(con, "batch_eligible", source), _dim(con, "latency", source)
    relation, where = _window_rows(
        con,
        source,
        [feature_tag, "env", "workload", "batch_eligible", "latency"],
        ["ProviderName", "ServiceName", "x_Model"],
        "x_Model IS NOT NULL AND x_Tokens > 0 AND CommitmentDiscountId IS NULL "
        "AND lower(coalesce(PricingCategory, '')) <> 'committed' "
        "AND NOT regexp_matches(lower(concat_ws(' ', SkuMeter, SkuId, ChargeDescription)), 'batch') "
        "AND ChargePeriodStart >= ? AND ChargePeriodStart < ?",
    )
    envs = ", ".join(f"'{e}'" for e in NONINTERACTIVE_ENVS)
    sources = ", ".join(f"'{s}'" for s in BATCH_SOURCES)
    rows = con.execute(
        f"""WITH t AS (
                SELECT {feature} AS feature, {env} AS env, {workload} AS workload, {bill_source_sql()} AS pkey,
                       x_Model AS model, EffectiveCost AS cost,
                       CASE WHEN lower(coalesce({flag}, '')) IN ('true', 'yes', '1')
                                 OR lower(coalesce({latency}, '')) IN ('offline', 'batch', 'async')
                            THEN 'explicit'
                            WHEN lower(coalesce({env}, '')) IN ({envs}) THEN 'env'
                            WHEN regexp_matches(lower(coalesce({feature}, '') || ' ' || coalesce({workload}, '')),
                                                '{OFFLINE_WORDS}') THEN 'name'
                       END AS signal
                FROM {relation} WHERE {where}
            )
            SELECT feature, env, workload, pkey, model, signal, SUM(cost) FROM t
            WHERE signal IS NOT NULL AND pkey IN ({sources})
            GROUP BY ALL ORDER BY 7 DESC""",
        [start, end],
    ).fetchall()
    out = []
    for feat, env_v, wl, pkey, model, signal, cost in rows:
        monthly = (cost or Decimal(0)) * factor
        saving = monthly * BATCH_DISCOUNT
        if saving < Decimal(str(min_saving)):
            continue
        why = {
            "explicit": "tagged batch-eligible / offline",
            "env": f"runs in the non-interactive env {env_v!r}",
            "name": f"is named for offline work ({feat or wl})",
        }[signal]
        out.append(
            Recommendation(
                kind="batch",
                title=f"{feat or wl or 'untagged'} on {source_label(pkey)}: batch API for {model}",
                scope={"feature": feat, "env": env_v, "provider": source_label(pkey), "model": model},
                monthly_saving=float(saving),
                monthly_cost=float(monthly),
                confidence="medium" if signal in ("explicit", "env") else "low",
                evidence=[
                    f"{feat or wl or 'untagged'} on {model} ({source_label(pkey)}): {_money(monthly)}/month on "
                    "real-time token prices",
                    f"eligible because it {why}",
                    f"{source_label(pkey)} batch processing costs {BATCH_DISCOUNT * 100:.0f}% less, with results "
                    "within 24 hours",
                ],
                action="send these requests through the provider's batch API",
            )
        )
    return out


CURRENT_DAYS = 2  # an instance billed within this many days of the window's last day of data is current


def _current_gpu_instances(con: duckdb.DuckDBPyConnection, window: Period) -> set[str]:
    """GPU instances still billed at the end of the window (their last cost row is at most CURRENT_DAYS before
    the window's last day of cost data, any cost); an instance last billed weeks ago has been terminated."""
    rows = con.execute(
        "WITH w AS (SELECT ResourceId AS id, x_GpuCount AS gpus, CAST(ChargePeriodStart AS DATE) AS d FROM costs "
        "WHERE ChargePeriodStart >= ? AND ChargePeriodStart < ?) "
        "SELECT id FROM w WHERE gpus > 0 GROUP BY id "
        "HAVING max(d) >= (SELECT max(d) FROM w) - CAST(? AS INTEGER)",
        [_day_ts(window.start), _day_ts(window.end), CURRENT_DAYS],
    ).fetchall()
    return {r[0] for r in rows if r[0] is not None}


def _day_ts(d: dt.date) -> dt.datetime:
    return dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC)


def _idle_gpus(
    con: duckdb.DuckDBPyConnection, window: Period, p: SavingsInput, factor: Decimal
) -> list[Recommendation]:
    result = run_gpu(
        con,
        GpuInput(
            start=window.start,
            end=window.end - dt.timedelta(days=1),
            idle_threshold_pct=p.idle_threshold_pct,
            filters=p.filters,
            # passed on only when the caller named it: a default `team` the store lacks is noted, not refused
            **({"team_tag": p.team_tag} if "team_tag" in p.model_fields_set else {}),
        ),
    )
    per: dict[str, dict[str, Any]] = {}
    for x in result.instances:
        d = per.setdefault(
            x.instance_id, {"x": x, "idle": 0.0, "cost": 0.0, "idle_h": 0.0, "mon": 0.0, "u": 0.0}
        )
        d["idle"] += x.idle_cost or 0.0  # unknown (no samples) is no measured idle time to save
        d["cost"] += x.cost
        d["idle_h"] += x.idle_gpu_hours or 0.0
        d["mon"] += x.monitored_hours
        d["u"] += (x.avg_utilization_pct or 0) * x.monitored_hours
    current = _current_gpu_instances(con, window)
    out = []
    for iid, d in per.items():
        saving = Decimal(str(d["idle"])) * factor
        if not d["mon"] or saving < Decimal(str(p.min_monthly_saving)):
            continue
        if iid not in current:  # terminated (no longer billed): nothing left to stop
            continue
        x = d["x"]
        name = x.instance_name or iid
        out.append(
            Recommendation(
                kind="idle_gpu",
                title=f"{name}: idle GPUs",
                monthly_saving=float(saving),
                scope={"instance": iid, "instance_type": x.instance_type, "team": x.team},
                monthly_cost=float(Decimal(str(d["cost"])) * factor),
                confidence="high",
                evidence=[
                    f"{name} ({x.instance_type}, {x.gpus} GPUs): {d['idle_h']:,.0f} idle GPU-hours in "
                    f"{window.label} (utilisation < {p.idle_threshold_pct:g}%)",
                    f"mean utilisation {d['u'] / d['mon']:.1f}% over {d['mon']:,.0f} monitored hours",
                    f"idle cost {_money(d['idle'])} in the window",
                ],
                action="stop or scale down the instance when idle (schedules, autoscaling), or pack more jobs on it",
            )
        )
    return out


def _commitments(
    con: duckdb.DuckDBPyConnection, window: Period, p: SavingsInput, factor: Decimal
) -> list[Recommendation]:
    result = run_commitments(
        con, CommitmentsInput(start=window.start, end=window.end - dt.timedelta(days=1), filters=p.filters)
    )
    # a commitment is a fee per calendar month: over whole months its month is the month (a 31-day October's fee
    # scaled to an average month of 30.4375 days read 1.9% low), over other windows the days scale it
    months = _whole_months(_covered(con, window))
    if months:
        factor = Decimal(1) / months
    out = []
    for c in result.commitments:
        if c.utilization_pct is None or c.utilization_pct >= p.commitment_min_utilization_pct:
            continue
        below = c.break_even_utilization_pct is not None and c.utilization_pct < c.break_even_utilization_pct
        raw = (c.commitment_cost - (c.payg_cost_of_used or 0)) if below else c.unused_cost
        saving = Decimal(str(raw)) * factor
        if saving < Decimal(str(p.min_monthly_saving)):
            continue
        name = c.commitment_name or c.commitment_id
        evidence = [
            f"{name}: {c.utilization_pct:.1f}% used in {window.label}; {_money(c.unused_cost)} unused"
        ]
        if c.break_even_utilization_pct is not None:
            evidence.append(
                f"break-even utilisation {c.break_even_utilization_pct:.1f}% against pay-as-you-go "
                f"({c.payg_source.replace('_', ' ')})"
            )
        else:
            evidence.append(
                "no pay-as-you-go reference, so the saving assumes right-sizing to the observed use"
            )
        out.append(
            Recommendation(
                kind="commitment",
                title=f"{name}: under-used commitment",
                monthly_saving=float(saving),
                scope={"commitment": c.commitment_id},
                monthly_cost=float(Decimal(str(c.commitment_cost)) * factor),
                confidence="medium",
                evidence=evidence,
                action=(
                    "move this usage to pay-as-you-go at renewal"
                    if below
                    else "right-size the commitment at renewal, or move more traffic onto it"
                ),
            )
        )
    return out


def _untagged(
    con: duckdb.DuckDBPyConnection, window: Period, source: Any, tag: str, factor: Decimal, min_cost: float
) -> list[Recommendation]:
    start, end = period_bounds(window)
    owner = _dim(con, tag, source)
    relation, where = _window_rows(
        con,
        source,
        [tag],
        ["ProviderName", "ServiceName"],
        "ChargePeriodStart >= ? AND ChargePeriodStart < ?",
    )
    rows = con.execute(
        f"""SELECT GROUPING(ProviderName, ServiceName) AS g, ProviderName, ServiceName, SUM(EffectiveCost) AS c
            FROM {relation}
            WHERE ({owner} IS NULL OR {owner} = '{UNALLOCATED}') AND {where}
            GROUP BY GROUPING SETS ((ProviderName, ServiceName), ()) ORDER BY g DESC, c DESC""",
        [start, end],
    ).fetchall()
    total = rows[0][3] if rows and rows[0][0] else None
    if not total or total * factor < Decimal(str(min_cost)):
        return []
    top = "; ".join(f"{prov} / {svc}: {_money(c * factor)}/month" for _, prov, svc, c in rows[1:4] if c)
    return [
        Recommendation(
            kind="untagged",
            title=f"{_money(total * factor)}/month of spend has no {tag} tag",
            scope={"tag": tag},
            monthly_saving=None,
            monthly_cost=float(total * factor),
            confidence="high",
            evidence=[f"spend without a {tag} tag in {window.label}: {_money(total)}", f"largest: {top}"],
            action=f"tag these resources with {tag}, or add an allocation rule that sets it (spendscope tags apply RULES.yaml)",
        )
    ]


def run_savings(
    con: duckdb.DuckDBPyConnection, p: SavingsInput, catalog: PriceCatalog | None = None
) -> SavingsResult:
    window = _window(con, p)
    notes = check_coverage(con, window)
    catalog = catalog or configured_catalog()  # the process's price file (negotiated rates) included
    source = filtered_source(p.filters, con, query_source(con))
    check_named_dimensions(con, p, ("team_tag", "feature_tag"), source)
    covered = _covered(con, window)
    factor = DAYS_PER_MONTH / covered.days
    kinds = set(p.kinds or KINDS)
    feature = _dim(con, p.feature_tag, source)
    recs: list[Recommendation] = []
    if kinds & {"cheaper_model", "prompt_caching"}:
        groups = _token_groups(con, window, feature, source, p.feature_tag)
        store_models = {g.model for g in groups}
        if "cheaper_model" in kinds:
            recs += _cheaper_models(groups, catalog, factor, store_models, p.min_monthly_saving)
        if "prompt_caching" in kinds:
            recs += _prompt_caching(groups, catalog, factor, p)
    if "batch" in kinds:
        recs += _batch(con, window, source, feature, factor, p.min_monthly_saving, p.feature_tag)
    if "idle_gpu" in kinds:
        recs += _idle_gpus(con, window, p, factor)
    if "commitment" in kinds:
        recs += _commitments(con, window, p, factor)
    if "untagged" in kinds:
        recs += _untagged(con, window, source, p.team_tag, factor, p.min_monthly_saving)
    from spendscope.tools.optimize.assistant_savings import assistant_recommendations

    recs += assistant_recommendations(con, window, p, factor, kinds, Recommendation)
    recs.sort(key=lambda r: (r.monthly_saving is None, -(r.monthly_saving or 0), -r.monthly_cost, r.title))
    by_kind: dict[str, float] = {}
    for r in recs:
        by_kind[r.kind] = by_kind.get(r.kind, 0.0) + (r.monthly_saving or 0.0)
    if feature.startswith("CAST(NULL"):
        notes.append(f"no {p.feature_tag!r} tag: model recommendations are per model, not per feature")
    if p.filters:
        notes.append(f"only spend matching {', '.join(f.text() for f in p.filters)}")
    with_data = (
        f"{covered.days} days with data of {window.days}" if covered != window else f"{window.days} days"
    )
    notes += [
        f"figures from {window.label} ({with_data}), scaled to a month of {DAYS_PER_MONTH} days"
        + (" (commitments: per calendar month)" if _whole_months(covered) else ""),
        "kinds overlap (caching, batch and a cheaper model can apply to the same spend): the total is an upper bound",
    ]
    if len(recs) > p.top:
        notes.append(
            f"{len(recs) - p.top} smaller recommendations left out (top {p.top}); the totals include them"
        )
    return SavingsResult(
        start=window.start,
        end=window.end,
        period_label=window.label,
        days=window.days,
        recommendations=recs[: p.top],
        total_monthly_saving=sum(by_kind.values()),
        by_kind=by_kind,
        assumptions=notes,
    )


@operation("savings_recommendations", input_model=SavingsInput, output_model=SavingsResult, chart=True)
def savings(store: Store, params: SavingsInput, catalog: PriceCatalog | None = None) -> SavingsResult:
    """Savings recommendations (cheaper models per feature, prompt caching, batch, idle GPUs, under-used
    commitments, untagged spend, idle coding-assistant seats, plans and model mix), each with its estimated monthly saving and the evidence."""
    with store.reader() as con:
        return run_savings(con, params, catalog)
