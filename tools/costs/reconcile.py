"""Estimated vs billed: telemetry's per-request cost estimates (usage_events.estimated_cost) against the bill
(costs), per provider, model and day, with the drift in dollars and percent.

Telemetry names the API it called (`anthropic`, `openai`, `aws.bedrock`, `azure.openai`, `gcp.vertex_ai`, the
OpenTelemetry gen_ai provider names and common aliases); the bill names who invoices (FOCUS ProviderName
`Anthropic`, `OpenAI`, `AWS`, `Microsoft`, `Google Cloud`) and the service. BILLING_SOURCES maps both onto one
key per billing source, so "Claude on Bedrock" and "Claude from Anthropic" stay apart. A provider not in
BILLING_SOURCES is keyed on both sides by `provider_key`: lower case, separators (`_ - . , /`) read as spaces,
trailing company or service words (AI, Cloud, Inc, Labs, API, ...) dropped, spaces removed, so telemetry's 'naver',
'together_ai' and 'hugging-face' meet the bill's 'Naver Cloud', 'Together AI' and 'Hugging Face', while names that
differ in any other word ('Scale AI', 'Scale Computing') stay apart. The mapping and the SQL pieces built from it
are shared with unit economics, commitments and savings.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

import duckdb
from pydantic import BaseModel, Field
from spendscope.data.errors import UnknownValue
from spendscope.data.models import normalize_model
from spendscope.data.price_rules import COMMITTED_TIERS, SELF_HOSTED
from spendscope.data.sql import day, literal, month
from spendscope.data.store import Store
from spendscope.tools.costs.breakdown import TimeRange, check_coverage, period_bounds, resolve_range
from spendscope.tools.costs.reconcile_currency import estimate_money
from spendscope.tools.registry import operation


@dataclass(frozen=True)
class BillingSource:
    """One billing source: how the bill and the telemetry each name it."""

    key: str  # the canonical key, an OpenTelemetry gen_ai provider name where there is one
    label: str  # how it reads
    bill_providers: tuple[str, ...]  # FOCUS ProviderName values, lower case
    bill_services: tuple[str, ...]  # substrings of ServiceName (lower case); empty: any service
    telemetry: tuple[str, ...]  # usage_events.provider values, lower case


BILLING_SOURCES: tuple[BillingSource, ...] = (
    BillingSource("anthropic", "Anthropic", ("anthropic",), (), ("anthropic", "claude")),
    BillingSource("openai", "OpenAI", ("openai",), (), ("openai", "open_ai")),
    BillingSource(
        "aws.bedrock",
        "Amazon Bedrock",
        ("aws", "amazon web services", "amazon"),
        ("bedrock",),
        ("aws.bedrock", "bedrock", "aws_bedrock", "amazon_bedrock", "amazon-bedrock", "aws-bedrock"),
    ),
    BillingSource(
        "azure.openai",
        "Azure OpenAI",
        ("microsoft", "azure", "microsoft azure"),
        ("openai", "foundry", "cognitive services", "ai services"),
        (
            "azure.openai",
            "azure.ai.openai",
            "azure_openai",
            "azure-openai",
            "azure",
            "azure.ai.inference",
            "azure_ai",
        ),
    ),
    BillingSource(
        "gcp.vertex_ai",
        "Google Vertex AI",
        ("google cloud", "google", "gcp", "google cloud platform"),
        ("vertex",),
        ("gcp.vertex_ai", "vertex_ai", "vertex", "vertexai", "google_vertex", "gcp.gen_ai"),
    ),
    BillingSource(
        "gcp.gemini",
        "Gemini API",
        ("google cloud", "google", "gcp", "google cloud platform"),
        ("gemini",),
        ("gcp.gemini", "gemini", "google", "google_genai", "google_ai_studio"),
    ),
    BillingSource(
        "mistral_ai", "Mistral AI", ("mistral", "mistral ai"), (), ("mistral_ai", "mistral", "mistralai")
    ),
    BillingSource("cohere", "Cohere", ("cohere",), (), ("cohere",)),
    BillingSource("groq", "Groq", ("groq",), (), ("groq",)),
    BillingSource("deepseek", "DeepSeek", ("deepseek",), (), ("deepseek",)),
    BillingSource("x_ai", "xAI", ("xai", "x.ai", "x-ai"), (), ("x_ai", "xai", "x-ai", "grok")),
)
_BY_KEY = {s.key: s for s in BILLING_SOURCES}


# Words that name the kind of company or product, not which one: dropped from the end of a provider's name.
PROVIDER_SUFFIXES = (
    "ai",
    "cloud",
    "inc",
    "incorporated",
    "llc",
    "ltd",
    "limited",
    "labs",
    "api",
    "corp",
    "corporation",
    "co",
    "gmbh",
    "plc",
    "technologies",
)
_SEPARATORS = "_-.,/"
_SUFFIX_RE = f"( +({'|'.join(PROVIDER_SUFFIXES)}))+$"


def provider_key(name: str | None) -> str | None:
    """The matching key of a provider outside BILLING_SOURCES ('Naver Cloud' and 'naver' -> 'naver',
    'Together AI' and 'together_ai' -> 'together'); `provider_key_sql` is the same rule in SQL."""
    v = (name or "").strip().lower()
    for sep in _SEPARATORS:
        v = v.replace(sep, " ")
    return re.sub(_SUFFIX_RE, "", v.strip()).replace(" ", "") or None


def provider_key_sql(text_sql: str) -> str:
    """SQL of `provider_key` (portable: no global regex flag; the suffix pattern matches once, at the end)."""
    v = f"lower({text_sql})"
    for sep in _SEPARATORS:
        v = f"replace({v}, {literal(sep)}, ' ')"
    return f"nullif(replace(regexp_replace(trim({v}), {literal(_SUFFIX_RE)}, ''), ' ', ''), '')"


def source_label(key: str | None, labels: dict[str, str] | None = None) -> str | None:
    """How a billing source key reads ('aws.bedrock' -> 'Amazon Bedrock'); other keys read as `labels` has them
    (the bill's ProviderName) or as themselves."""
    if key is None:
        return None
    return _BY_KEY[key].label if key in _BY_KEY else (labels or {}).get(key, key)


def bill_source_sql(provider: str = "ProviderName", service: str = "ServiceName") -> str:
    """SQL mapping a cost row's provider and service to its billing source key (`provider_key` else)."""
    p = f"lower(trim(coalesce({provider}, '')))"
    s = f"lower(coalesce({service}, ''))"
    whens = []
    for src in BILLING_SOURCES:
        cond = f"{p} IN ({', '.join(literal(v) for v in src.bill_providers)})"
        if src.bill_services:
            cond += " AND (" + " OR ".join(f"contains({s}, {literal(v)})" for v in src.bill_services) + ")"
        whens.append(f"WHEN {cond} THEN {literal(src.key)}")
    return f"(CASE {' '.join(whens)} ELSE {provider_key_sql(provider)} END)"


def telemetry_source_sql(column: str = "provider") -> str:
    """SQL mapping usage_events.provider to its billing source key (`provider_key` else)."""
    v = f"lower(trim({column}))"
    whens = [
        f"WHEN {v} IN ({', '.join(literal(t) for t in src.telemetry)}) THEN {literal(src.key)}"
        for src in BILLING_SOURCES
    ]
    return f"(CASE {' '.join(whens)} ELSE {provider_key_sql(column)} END)"


def resolve_sources(text: str, known: list[str], labels: dict[str, str] | None = None) -> list[str]:
    """Billing source keys a user's provider text names ('AWS', 'bedrock', 'Anthropic', 'azure.openai', and for
    another provider its `provider_key`: 'Naver Cloud' or 'naver'); `labels` name the keys in the error."""
    t = text.strip().lower()
    hits = [
        s.key
        for s in BILLING_SOURCES
        if t in (s.key, s.label.lower()) or t in s.bill_providers or t in s.telemetry
    ]
    hits += [k for k in known if k in (t, provider_key(t)) and k not in hits]
    if not hits:
        names = sorted({source_label(k, labels) or k for k in known})
        raise UnknownValue(
            f"unknown provider {text!r}; the store has {', '.join(names) or 'no AI providers'}",
            argument="provider",
            value=text,
        )
    return hits


def resolve_model(con: duckdb.DuckDBPyConnection, text: str) -> str:
    """The canonical id of a model the bill or the telemetry holds; UnknownValue with the closest ones for a model
    neither holds (its billed, estimated and drift totals would all read $0)."""
    from spendscope.tools.names import closest_or_error  # names imports the cost queries this module is among

    wanted = normalize_model(text) or text.strip().lower()
    rows = con.execute(
        "SELECT DISTINCT lower(x_Model) FROM costs WHERE x_Model IS NOT NULL "
        "UNION SELECT DISTINCT lower(model) FROM usage_events WHERE model IS NOT NULL"
    ).fetchall()
    known = sorted({normalize_model(r[0]) or r[0] for r in rows})
    if wanted in known:
        return wanted
    found = closest_or_error("model", text, known, "", argument="model")
    return normalize_model(found) or found


def model_map_cte(con: duckdb.DuckDBPyConnection, start: dt.datetime, end: dt.datetime) -> tuple[str, list]:
    """`model_map(raw, canon)`: each telemetry model name in [start, end) and its canonical id (as the bill has
    it). Names are few, so they are normalised in Python once each and bound as parameters."""
    raws = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT model FROM usage_events WHERE ts >= ? AND ts < ? AND model IS NOT NULL",
            [start, end],
        ).fetchall()
    ]
    return model_map_sql(raws)


def model_map_sql(raws: list[str]) -> tuple[str, list]:
    """The `model_map(raw, canon)` CTE of these telemetry model names, and its parameters."""
    if not raws:
        return (
            "model_map(raw, canon) AS (SELECT CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR) WHERE false)",
            [],
        )
    params: list = []
    for raw in raws:
        params += [raw, normalize_model(raw) or raw.strip().lower()]
    # one SELECT per name, not VALUES: ClickHouse reads a one-row VALUES (a, b) as two rows of one column, so a
    # window whose telemetry names one model failed there ("Number of aliases does not match")
    pair = "SELECT CAST(? AS VARCHAR), CAST(? AS VARCHAR)"
    return f"model_map(raw, canon) AS ({' UNION ALL '.join(pair for _ in raws)})", params


_GENAI_TO_SOURCE = {"openai": "openai", "azure": "azure.openai", "anthropic": "anthropic"}


def committed_tier_sql(source_key: str, tier: str = "e.service_tier") -> str:
    """SQL: the event ran on capacity bought up front (OpenAI scale tier, Anthropic Priority Tier)."""
    pairs = [(_GENAI_TO_SOURCE[p], t) for p, t in sorted(COMMITTED_TIERS) if p in _GENAI_TO_SOURCE]
    conds = " OR ".join(f"({source_key} = {literal(k)} AND lower({tier}) = {literal(t)})" for k, t in pairs)
    return f"coalesce({conds}, false)"


def self_hosted_sql(column: str = "e.provider") -> str:
    """SQL: the event was served from the customer's own GPUs (vLLM, TGI, Ollama, ...): no provider bill."""
    return f"lower({column}) IN ({', '.join(literal(x) for x in sorted(SELF_HOSTED))})"


def has_telemetry(con: duckdb.DuckDBPyConnection, start: dt.datetime, end: dt.datetime) -> bool:
    return bool(
        con.execute("SELECT count(*) FROM usage_events WHERE ts >= ? AND ts < ?", [start, end]).fetchall()[0][
            0
        ]
    )


# --- the operation ---------------------------------------------------------------------------------------


class ReconcileInput(TimeRange):
    provider: str | None = Field(
        None, description="only this provider: Anthropic, OpenAI, AWS / bedrock, ..."
    )
    model: str | None = Field(None, description="only this model (canonical id, e.g. claude-sonnet-4-5)")
    grain: Literal["day", "month"] = Field("day", description="compare per day (default) or per month")
    measure: Literal["billed_cost", "cost"] = Field(
        "billed_cost",
        description="billed_cost (FOCUS BilledCost, default) or cost (EffectiveCost, amortised)",
    )


class ReconcileRow(BaseModel):
    date: dt.date | None = Field(None, description="the day (first day of the month with grain=month)")
    provider: str = Field(description="billing source key, e.g. anthropic, aws.bedrock, azure.openai")
    provider_name: str = Field(description="how the billing source reads, e.g. Amazon Bedrock")
    model: str | None
    estimated_cost: float = Field(
        description="sum of usage_events.estimated_cost: the cost a source reported where it reported one, "
        "else the price catalog's estimate"
    )
    catalog_cost: float = Field(
        0.0, description="sum of the price catalog's estimates (tier, band, date aware)"
    )
    reported_cost: float = Field(0.0, description="sum of the costs telemetry sources reported themselves")
    reported_events: int = Field(0, description="events whose source reported a cost")
    billed_cost: float = Field(description="sum of the bill's measure for the same provider, model and day")
    drift: float | None = Field(
        description="estimated - billed: positive when telemetry over-estimates (None: the two are in different "
        "currencies, see estimate_currency)"
    )
    drift_pct: float | None = Field(None, description="drift / billed x 100 (None when nothing was billed)")
    catalog_drift: float | None = Field(
        0.0,
        description="catalog_cost - billed: how far the catalog alone is off (None: different currencies)",
    )
    events: int = 0
    requests: int = 0
    unpriced_events: int = Field(0, description="events the price catalog could not estimate")
    committed: bool = Field(False, description="billed under a commitment (PTU, provisioned throughput)")
    status: Literal["matched", "no_telemetry", "not_billed"]


class DailyTotal(BaseModel):
    date: dt.date
    estimated_cost: float
    billed_cost: float


class UncoveredSource(BaseModel):
    provider: str
    provider_name: str
    billed_cost: float = Field(description="AI model spend of a billing source with no telemetry at all")


class ReconcileResult(BaseModel):
    start: dt.date
    end: dt.date = Field(description="exclusive end")
    period_label: str
    measure: str
    grain: str
    rows: list[ReconcileRow] = Field(description="per provider, model and day (or month)")
    summary: list[ReconcileRow] = Field(description="per provider and model over the whole period")
    series: list[DailyTotal] = Field(
        description="totals per day (or month) over the comparable providers/models"
    )
    estimated_total: float = Field(
        description="over comparable providers/models: with telemetry, not committed"
    )
    catalog_total: float = Field(0.0, description="the catalog's estimates over the same providers/models")
    reported_total: float = Field(
        0.0, description="costs the telemetry reported over the same providers/models"
    )
    billed_total: float = Field(description="over the same comparable providers/models")
    drift: float | None = Field(description="estimated_total - billed_total (None: different currencies)")
    drift_pct: float | None
    estimate_currency: str = Field(
        "USD",
        description="currency of the estimated, catalog and reported amounts: USD, or the bill's currency when "
        "stored USD rates converted them (currency_rates)",
    )
    billing_currency: str | None = Field(
        None, description="currency of the billed amounts ('' when the bill's AI rows mix currencies)"
    )
    uncovered: list[UncoveredSource] = Field(description="billing sources with AI spend but no telemetry")
    notes: list[str] = Field(default_factory=list)


def _f(v: Decimal | float | None) -> float:
    return float(v) if v is not None else 0.0


def _pct(drift: Decimal | None, billed: Decimal | None) -> float | None:
    if billed is None or billed == 0 or drift is None:
        return None
    return float(drift / billed * 100)


def run_reconcile(con: duckdb.DuckDBPyConnection, p: ReconcileInput) -> ReconcileResult:
    period = resolve_range(p, con)
    notes = check_coverage(con, period)
    start, end = period_bounds(period)
    grain_of = day if p.grain == "day" else (lambda e: f"CAST({month(e)} AS DATE)")
    column = "BilledCost" if p.measure == "billed_cost" else "EffectiveCost"
    mm_cte, mm_params = model_map_cte(con, start, end)
    money = estimate_money(con, start, end)
    usd = f"* {money.factor}" if money.params else ""  # a USD amount of event e in money.code
    bill_key, ev_key = bill_source_sql(), telemetry_source_sql("e.provider")

    # each key with the bill's name for it (telemetry-only keys: None), so 'naver' reads as 'Naver Cloud'
    named = con.execute(
        f"SELECT {bill_key} AS k, min(ProviderName) FROM costs WHERE x_Model IS NOT NULL AND {bill_key} IS NOT NULL "
        f"GROUP BY 1 UNION ALL SELECT DISTINCT {telemetry_source_sql()}, NULL FROM usage_events"
    ).fetchall()
    labels = {k: n for k, n in named if k is not None and n is not None}
    known = list(dict.fromkeys(k for k, _ in named if k is not None))
    scope, scope_params = [], []
    if p.provider:
        keys = resolve_sources(p.provider, known, labels)
        scope.append(f"pkey IN ({', '.join('?' for _ in keys)})")
        scope_params += keys
    if p.model:
        scope.append("model = ?")
        scope_params.append(resolve_model(con, p.model))
    where_scope = ("WHERE " + " AND ".join(scope)) if scope else ""

    sql = f"""
        WITH {mm_cte},
        ev AS (
            SELECT * FROM (
                SELECT {grain_of("e.ts")} AS d, {ev_key} AS pkey, coalesce(mm.canon, lower(e.model)) AS model,
                       SUM(e.estimated_cost {usd}) AS est, count(*) AS events, SUM(e.requests) AS req,
                       count(*) FILTER (WHERE NOT coalesce(e.priced, false)) AS unpriced,
                       SUM(e.catalog_cost {usd}) AS cat, SUM(e.reported_cost {usd}) AS rep,
                       count(e.reported_cost) AS nrep, bool_or({committed_tier_sql(ev_key)}) AS ev_committed
                FROM usage_events e LEFT JOIN model_map mm ON mm.raw = e.model
                WHERE e.ts >= ? AND e.ts < ? AND NOT {self_hosted_sql()}
                GROUP BY ALL
            ) {where_scope}
        ),
        bill AS (
            SELECT * FROM (
                SELECT {grain_of("ChargePeriodStart")} AS d, {bill_key} AS pkey, x_Model AS model,
                       SUM({column}) AS billed,
                       bool_or(lower(coalesce(PricingCategory, '')) = 'committed'
                               OR CommitmentDiscountId IS NOT NULL) AS committed
                FROM costs
                WHERE x_Model IS NOT NULL AND ChargePeriodStart >= ? AND ChargePeriodStart < ?
                GROUP BY ALL
            ) {where_scope}
        ),
        covered AS (SELECT DISTINCT pkey FROM ev),
        j AS (
            SELECT coalesce(ev.d, bill.d) AS d, coalesce(ev.pkey, bill.pkey) AS pkey,
                   coalesce(ev.model, bill.model) AS model, coalesce(ev.est, 0) AS est,
                   coalesce(bill.billed, 0) AS billed, coalesce(ev.events, 0) AS events,
                   coalesce(ev.req, 0) AS req, coalesce(ev.unpriced, 0) AS unpriced,
                   coalesce(ev.cat, 0) AS cat, coalesce(ev.rep, 0) AS rep, coalesce(ev.nrep, 0) AS nrep,
                   coalesce(bill.committed, false) OR coalesce(ev.ev_committed, false) AS committed,
                   CASE WHEN ev.pkey IS NULL THEN 'no_telemetry' WHEN bill.pkey IS NULL THEN 'not_billed'
                        ELSE 'matched' END AS status
            FROM ev FULL OUTER JOIN bill
              ON ev.d = bill.d AND ev.pkey = bill.pkey AND ev.model IS NOT DISTINCT FROM bill.model
            WHERE coalesce(ev.pkey, bill.pkey) IN (SELECT pkey FROM covered)
        ),
        comparable AS (
            SELECT pkey, model FROM j GROUP BY ALL HAVING SUM(events) > 0 AND NOT bool_or(committed)
        ),
        jc AS (
            SELECT j.*, c.pkey IS NOT NULL AS comparable
            FROM j LEFT JOIN comparable c ON c.pkey = j.pkey AND c.model IS NOT DISTINCT FROM j.model
        )
        SELECT GROUPING(d, pkey, model) AS g, d, pkey, model, SUM(est) AS est, SUM(billed) AS billed,
               SUM(events) AS events, SUM(req) AS req, SUM(unpriced) AS unpriced, bool_or(committed) AS committed,
               CASE WHEN count(DISTINCT status) = 1 THEN any_value(status) ELSE 'matched' END AS status,
               coalesce(SUM(est) FILTER (WHERE comparable), 0) AS est_c,
               coalesce(SUM(billed) FILTER (WHERE comparable), 0) AS billed_c,
               SUM(cat) AS cat, SUM(rep) AS rep, SUM(nrep) AS nrep,
               coalesce(SUM(cat) FILTER (WHERE comparable), 0) AS cat_c,
               coalesce(SUM(rep) FILTER (WHERE comparable), 0) AS rep_c
        FROM jc
        GROUP BY GROUPING SETS ((d, pkey, model), (pkey, model), (d), ())
        ORDER BY g, pkey, model, d
    """
    params = [*mm_params, *money.params * 3, start, end, *scope_params, start, end, *scope_params]
    result = con.execute(sql, params).fetchall()

    rows, summary, series = [], [], []
    est_total = billed_total = cat_total = rep_total = Decimal(0)
    for row in result:
        g, d, pkey, model, est, billed, events, req, unpriced, committed, status, est_c, billed_c = row[:13]
        cat, rep, nrep, cat_c, rep_c = row[13:]
        est, billed, cat, rep = est or Decimal(0), billed or Decimal(0), cat or Decimal(0), rep or Decimal(0)
        if g == 0b000 or g == 0b100:
            row = ReconcileRow(
                date=d if g == 0 else None,
                provider=pkey,
                provider_name=source_label(pkey, labels) or "",
                model=model,
                estimated_cost=float(est),
                catalog_cost=float(cat),
                reported_cost=float(rep),
                reported_events=int(nrep or 0),
                billed_cost=float(billed),
                drift=float(est - billed) if money.comparable else None,
                drift_pct=_pct(est - billed, billed) if money.comparable else None,
                catalog_drift=float(cat - billed) if money.comparable else None,
                events=events,
                requests=int(req or 0),
                unpriced_events=unpriced,
                committed=bool(committed),
                status=status,
            )
            (rows if g == 0 else summary).append(row)
        elif g == 0b011:
            series.append(DailyTotal(date=d, estimated_cost=float(est_c), billed_cost=float(billed_c)))
        elif g == 0b111:
            est_total, billed_total, cat_total, rep_total = est_c, billed_c, cat_c, rep_c

    uncovered = [
        UncoveredSource(provider=k, provider_name=source_label(k, labels) or k, billed_cost=float(c))
        for k, c in con.execute(
            f"""SELECT {bill_key} AS pkey, SUM({column}) FROM costs
                WHERE x_Model IS NOT NULL AND ChargePeriodStart >= ? AND ChargePeriodStart < ?
                  AND {bill_key} NOT IN (SELECT DISTINCT {ev_key} FROM usage_events e WHERE e.ts >= ? AND e.ts < ?
                                         AND NOT {self_hosted_sql()})
                GROUP BY 1 ORDER BY 2 DESC""",
            [start, end, start, end],
        ).fetchall()
        if k is not None and (not p.provider or k in resolve_sources(p.provider, known, labels))
    ]
    if not has_telemetry(con, start, end):
        notes.append(
            f"no usage events between {period.start} and {period.end - dt.timedelta(days=1)}: import telemetry "
            "(spendscope import events FILE) to compare per-request estimates with the bill"
        )
    if any(r.committed for r in summary):
        notes.append(
            "rows marked committed are billed under a commitment (PTU, provisioned throughput, OpenAI scale tier, "
            "Anthropic Priority Tier): their bill does not follow tokens, so drift there measures commitment "
            "use, not estimate error"
        )
    if any(r.reported_events for r in summary):
        notes.append(
            "estimated_cost uses the cost a source reported (LiteLLM spend, OTel gen_ai.usage.cost) where there "
            "is one; catalog_cost and catalog_drift show the price catalog alone"
        )
    hosted = con.execute(
        f"SELECT count(*) FROM usage_events e WHERE e.ts >= ? AND e.ts < ? AND {self_hosted_sql()}",
        [start, end],
    ).fetchall()[0][0]
    if hosted:
        notes.append(
            f"{hosted} events of self-hosted models are left out (no provider bill); `spendscope prices compare` "
            "prices them from their GPU instances"
        )
    if any(r.unpriced_events for r in summary):
        notes.append("some events are unpriced (model not in the price catalog); add it to the prices file")
    if money.note:
        notes.append(money.note)
    notes.append(
        f"drift = estimated - billed ({'BilledCost' if column == 'BilledCost' else 'EffectiveCost'}); "
        "positive means telemetry over-estimates; totals and the daily series cover the providers/models "
        "that have telemetry and are not committed"
    )
    return ReconcileResult(
        start=period.start,
        end=period.end,
        period_label=period.label,
        measure=p.measure,
        grain=p.grain,
        rows=rows,
        summary=summary,
        series=series,
        estimated_total=float(est_total),
        catalog_total=float(cat_total),
        reported_total=float(rep_total),
        billed_total=float(billed_total),
        drift=float(est_total - billed_total) if money.comparable else None,
        drift_pct=_pct(est_total - billed_total, billed_total) if money.comparable else None,
        estimate_currency=money.code,
        billing_currency=money.bill,
        uncovered=uncovered,
        notes=notes,
    )


@operation("reconcile_estimates", input_model=ReconcileInput, output_model=ReconcileResult, chart=True)
def reconcile(store: Store, params: ReconcileInput) -> ReconcileResult:
    """Telemetry-estimated cost against billed cost per provider, model and day, with drift in $ and %."""
    with store.reader() as con:
        return run_reconcile(con, params)
