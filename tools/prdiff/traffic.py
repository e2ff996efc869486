"""The traffic a changed call site carries today, for the PR cost diff: from telemetry when the feature has
any, else from the bill (FOCUS rows: x_Tokens by x_TokenType for the feature's Tags, or failing a feature, the
model), scaled to a month. Every profile says where it came from.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal

import duckdb
from spendscope.data.errors import UnknownDimension
from spendscope.data.models import normalize_model
from spendscope.data.price_rules import normalize_tier
from spendscope.tools.costs.breakdown import Filter, filter_sql
from spendscope.tools.costs.dimensions import dimension_sql, query_source
from spendscope.tools.costs.telemetry_filters import event_filter_sql

# token kinds as usage_events names them (TierPrice.cost takes them as they are)
KINDS = ("input", "cached_input", "cache_write", "cache_write_1h", "output", "reasoning")


@dataclass
class Lot:
    """Tokens of one kind of request over a month. `requests` None: the source does not count them (the bill);
    `long` says whether they were billed at a long-context band (None: unknown, priced by per-request size)."""

    tokens: dict[str, float]
    requests: float | None
    long: bool | None = None


@dataclass
class TokenProfile:
    """A feature's (or model's) traffic over a month, by token kind, and what it cost."""

    source: str  # stated in the estimate: which data the traffic comes from
    provider: str | None
    model: str | None
    tier: str | None
    monthly_cost: float
    lots: list[Lot] = field(default_factory=list)
    # ISO code of monthly_cost: USD for telemetry (estimates at catalog prices), the bill's currency for bill rows;
    # "" when the bill rows behind it are in several currencies (their costs cannot be added)
    currency: str = "USD"

    @property
    def monthly_requests(self) -> float | None:
        counts = [lot.requests for lot in self.lots]
        return None if not counts or any(c is None for c in counts) else float(sum(counts))  # type: ignore[misc]

    def totals(self) -> dict[str, float]:
        return {k: sum(lot.tokens.get(k, 0.0) for lot in self.lots) for k in KINDS}

    def scaled(self, share: float) -> TokenProfile:
        lots = [
            Lot(
                {k: v * share for k, v in lot.tokens.items()},
                None if lot.requests is None else lot.requests * share,
                lot.long,
            )
            for lot in self.lots
        ]
        return TokenProfile(
            self.source, self.provider, self.model, self.tier, self.monthly_cost * share, lots, self.currency
        )


def window(
    con: duckdb.DuckDBPyConnection, as_of: dt.date | None, days: int
) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the traffic window: `days` days to `as_of` (default: the newest telemetry or bill day)."""
    if as_of is None:
        newest = con.execute(
            "SELECT greatest(coalesce((SELECT max(ts) FROM usage_events), TIMESTAMPTZ '1970-01-01'), "
            "coalesce((SELECT max(ChargePeriodStart) FROM costs), TIMESTAMPTZ '1970-01-01'))"
        ).fetchall()[0][0]
        end_day = (newest.date() + dt.timedelta(days=1)) if newest and newest.year > 1970 else dt.date.today()
    else:
        end_day = as_of
    end = dt.datetime(end_day.year, end_day.month, end_day.day, tzinfo=dt.UTC)
    return end - dt.timedelta(days=days), end


def telemetry_profile(
    con: duckdb.DuckDBPyConnection,
    feature: str,
    model: str | None,
    start: dt.datetime,
    end: dt.datetime,
    days: int,
    filters: list[Filter],
) -> TokenProfile | None:
    """The feature's requests and tokens in telemetry (its calls of `model` when it has them)."""
    clauses, fparams = event_filter_sql(filters)
    base = " AND ".join(["e.ts >= ?", "e.ts < ?", "e.feature = ?", *clauses])
    params: list[object] = [start, end, feature, *fparams]
    if model:
        models = [
            r[0]
            for r in con.execute(
                f"SELECT DISTINCT e.model FROM usage_events e WHERE {base}", params
            ).fetchall()
        ]
        same = [
            m for m in models if m and (normalize_model(m) or m.lower()) == (normalize_model(model) or model)
        ]
        if same:
            base += f" AND e.model IN ({', '.join('?' for _ in same)})"
            params += same
    rows = con.execute(
        f"""SELECT coalesce(e.long_context, false), sum(e.requests), sum(e.input_tokens), sum(e.cached_input_tokens),
                   sum(e.cache_write_tokens), sum(e.cache_write_1h_tokens), sum(e.output_tokens),
                   sum(e.reasoning_tokens), sum(e.estimated_cost), mode(e.provider), mode(e.model),
                   mode(e.service_tier)
            FROM usage_events e WHERE {base} GROUP BY 1""",
        params,
    ).fetchall()
    if not rows or not sum(r[1] or 0 for r in rows):
        return None
    scale = 30.0 / days
    lots = []
    cost = 0.0
    for long, req, inp, cached, cw, cw1h, out, rs, est, *_ in rows:
        tokens = dict(zip(KINDS, (inp, cached, cw, cw1h, out, rs), strict=True))
        lots.append(Lot({k: float(v or 0) * scale for k, v in tokens.items()}, float(req or 0) * scale, long))
        cost += float(est or 0) * scale
    top = max(rows, key=lambda r: r[1] or 0)
    return TokenProfile(
        source=f"telemetry: feature {feature}, last {days} days scaled to 30",
        provider=top[9],
        model=top[10],
        tier=normalize_tier(top[11]) if top[11] else None,
        monthly_cost=cost,
        lots=lots,
    )


_BILL_KINDS = {"input", "cached_input", "cache_write", "output", "reasoning"}


def _details(text: str | None) -> dict:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def bill_profile(
    con: duckdb.DuckDBPyConnection,
    feature: str | None,
    model: str | None,
    start: dt.datetime,
    end: dt.datetime,
    days: int,
    filters: list[Filter],
) -> TokenProfile | None:
    """Tokens by type from FOCUS rows (x_Tokens, x_TokenType): the feature's rows (Tags or virtual tag
    `feature`) of `model` when it has them, else all of the feature's rows; failing a feature, the model's rows
    across every feature. Tier, cache TTL and context window come from SkuPriceDetails where the bill says."""
    source = query_source(con)
    clauses, fparams = filter_sql(filters, con, source)
    scope = ["ChargePeriodStart >= ?", "ChargePeriodStart < ?", "x_Tokens IS NOT NULL", *clauses]
    base_params: list[object] = [start, end, *fparams]
    canonical = (normalize_model(model) or model.lower()) if model else None
    attempts: list[tuple[str, list[object], str]] = []
    if feature:
        try:
            fexpr = dimension_sql("feature", con, source)
        except UnknownDimension:
            fexpr = None
        if fexpr is not None:
            where = f"lower(CAST({fexpr} AS VARCHAR)) = ?"
            if canonical:
                label = f"bill: FOCUS rows of feature {feature} (Tags) on {canonical}"
                attempts.append((f"{where} AND x_Model = ?", [feature.lower(), canonical], label))
            attempts.append((where, [feature.lower()], f"bill: FOCUS rows of feature {feature} (Tags)"))
    if canonical:
        attempts.append(
            ("x_Model = ?", [canonical], f"bill: every FOCUS row of {canonical} (no feature match)")
        )
    for cond, params, label in attempts:
        rows = con.execute(
            f"""SELECT x_TokenType, SkuPriceDetails, ProviderName, x_Model, sum(x_Tokens), sum(EffectiveCost),
                       upper(BillingCurrency)
                FROM {source.relation} WHERE {" AND ".join(scope)} AND {cond} GROUP BY ALL""",
            [*base_params, *params],
        ).fetchall()
        if rows and sum(r[4] or 0 for r in rows):
            return _profile_from_bill(rows, label, days)
    return None


def _profile_from_bill(rows: list[tuple], label: str, days: int) -> TokenProfile:
    scale = 30.0 / days
    lots: dict[bool, dict[str, float]] = {}
    cost = Decimal(0)
    tiers: dict[str, float] = {}
    models: dict[str, float] = {}
    providers: dict[str, float] = {}
    currencies = {code for *_, code in rows if code} or {
        "USD"
    }  # a row without a currency: as money_text reads it
    for token_type, details_text, provider, model, tokens, eff, _code in rows:
        d = _details(details_text)
        long = str(d.get("x_ContextWindow") or "").startswith(("200k", ">200k", "long"))
        kind = token_type if token_type in _BILL_KINDS else None
        n = float(tokens or 0) * scale
        cost += Decimal(eff or 0)
        if kind is None:
            continue
        bucket = lots.setdefault(long, dict.fromkeys(KINDS, 0.0))
        bucket[kind] += n
        if kind == "cache_write" and str(d.get("x_CacheTtl") or "").lower() == "1h":
            bucket["cache_write_1h"] += n
        tier = normalize_tier(d.get("x_ServiceTier")) if d.get("x_ServiceTier") else "standard"
        tiers[tier] = tiers.get(tier, 0.0) + n
        models[model] = models.get(model, 0.0) + n
        providers[provider] = providers.get(provider, 0.0) + n
    return TokenProfile(
        source=label + f", last {days} days scaled to 30 (the bill counts no requests)",
        provider=max(providers, key=providers.__getitem__) if providers else None,
        model=max(models, key=models.__getitem__) if models else None,
        tier=max(tiers, key=tiers.__getitem__) if tiers else None,
        monthly_cost=float(cost) * scale,
        lots=[Lot(tokens, None, long) for long, tokens in lots.items()],
        currency=currencies.pop() if len(currencies) == 1 else "",
    )
