"""Pricing one changed call site for the PR cost diff: the per-request price ratio of a model or tier change
(always, even with no traffic), and the monthly cost change on the traffic the site carries (telemetry or bill).

Changes and what each needs:
- model, service tier, batch: the ratio of the catalog price of the observed tokens at the new and the old
  model/tier (any traffic source), applied to the observed cost (so a negotiated discount carries over);
- calls moved into or out of a loop: the ratio of calls per request (any traffic source);
- prompt size, max_tokens, prompt caching, a new call: per-request tokens, so telemetry (the bill counts no
  requests); with bill traffic they are named as not estimated;
- a removed call: its share of the current cost.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from spendscope.data.price_rules import STANDARD, normalize_tier
from spendscope.data.prices import PriceCatalog, TierPrice
from spendscope.tools.prdiff.code_scan import CallSite
from spendscope.tools.prdiff.traffic import Lot, TokenProfile

CHARS_PER_TOKEN = 4
CACHE_HIT_RATE = 0.9
TOKEN_CHANGES = ("prompt", "max_tokens", "caching")
_API_PROVIDER = {"anthropic": "anthropic", "openai": "openai", "google": "gcp.gemini", "aws": "aws.bedrock"}


def site_tier(site: CallSite | None) -> str | None:
    """The tier a call site asks for in code: a batch API, or a literal service_tier."""
    if site is None:
        return None
    if site.batch:
        return "batch"
    return normalize_tier(site.service_tier) if site.service_tier else None


def what_changed(b: CallSite | None, h: CallSite | None) -> list[str]:
    if b is None:
        return ["new"]
    if h is None:
        return ["removed"]
    out = []
    if (b.model or "") != (h.model or ""):
        out.append("model")
    if b.prompt_chars != h.prompt_chars:
        out.append("prompt")
    if b.max_tokens != h.max_tokens:
        out.append("max_tokens")
    if b.cache != h.cache:
        out.append("caching")
    if b.batch != h.batch:
        out.append("batch")
    elif (b.service_tier or "") != (h.service_tier or ""):
        out.append("tier")
    if b.in_loop != h.in_loop or (b.in_loop and b.loop_factor != h.loop_factor):
        out.append("loop")
    return out


def _d(x: float | Decimal) -> Decimal:
    return x if isinstance(x, Decimal) else Decimal(str(round(x, 6)))


def lot_cost(price: TierPrice, lot: Lot) -> Decimal:
    """Catalog cost of a lot: with a request count the per-request size picks the band, else the bill's word."""
    t = {k: _d(v) for k, v in lot.tokens.items()}
    if lot.requests:
        return price.cost(**t, requests=_d(lot.requests))  # type: ignore[arg-type]
    return price.cost(**t, rates=price.bands[0].rates if lot.long and price.bands else price.rates)


def lots_cost(price: TierPrice, lots: list[Lot]) -> Decimal:
    return sum((lot_cost(price, lot) for lot in lots), Decimal(0))


def _usd(value: Decimal) -> str:
    per_m = (value * 1_000_000).quantize(Decimal("0.0001")).normalize()
    return f"${per_m:f}"


@dataclass
class PriceChange:
    """How a model or tier change moves the price of one request."""

    ratio: float | None  # after / before per request (None: the catalog lacks a price, or the mix decides)
    text: str
    basis: str | None = None


def price_change(
    before: TierPrice | None, after: TierPrice | None, lots: list[Lot] | None, labels: tuple[str, str]
) -> PriceChange:
    if before is None or after is None:
        missing = labels[0] if before is None else labels[1]
        return PriceChange(None, f"{missing} has no price in the catalog or the price file: ratio unknown")
    listing = (
        f"{_usd(before.rates.input)}/{_usd(before.rates.output)} → {_usd(after.rates.input)}/"
        f"{_usd(after.rates.output)} per 1M input/output tokens ({labels[0]} → {labels[1]})"
    )
    if lots and lots_cost(before, lots) > 0:
        ratio = float(lots_cost(after, lots) / lots_cost(before, lots))
        return PriceChange(ratio, f"{ratio:.3g}x per request: {listing}", "the observed token mix")
    ri = after.rates.input / before.rates.input if before.rates.input else None
    ro = after.rates.output / before.rates.output if before.rates.output else None
    if ri is not None and ro is not None and abs(ri - ro) <= Decimal("0.005") * ri:
        return PriceChange(
            float(ri), f"{float(ri):.3g}x per request: {listing}", "input and output list prices"
        )
    lo, hi = sorted(float(x) for x in (ri, ro) if x is not None) or [0.0, 0.0]
    return PriceChange(
        None,
        f"{lo:.3g}x to {hi:.3g}x per request, depending on the input/output mix: {listing}",
        "list prices",
    )


@dataclass
class SiteEstimate:
    requests_before: float | None = None
    requests_after: float | None = None
    cost_before: float | None = None
    cost_after: float | None = None
    change: float | None = None
    price: PriceChange | None = None
    notes: list[str] = field(default_factory=list)
    unknown: str | None = None  # why the monthly change is unknown


def _adjust(lot: Lot, b: CallSite, h: CallSite) -> Lot:
    """The lot's tokens after the site's prompt, caching and max_tokens changes (per request, then back)."""
    n = lot.requests or 1.0
    t = {k: v / n for k, v in lot.tokens.items()}
    delta = (h.prompt_chars - b.prompt_chars) / CHARS_PER_TOKEN
    if b.cache:
        t["cached_input"] = max(t.get("cached_input", 0.0) + delta * CACHE_HIT_RATE, 0.0)
        t["cache_write"] = max(t.get("cache_write", 0.0) + delta * (1 - CACHE_HIT_RATE), 0.0)
    else:
        t["input"] = max(t.get("input", 0.0) + delta, 1.0)
    if h.cache and not b.cache:
        static = min(h.prompt_chars / CHARS_PER_TOKEN, t["input"])
        t["input"] -= static
        t["cached_input"] = t.get("cached_input", 0.0) + static * CACHE_HIT_RATE
        t["cache_write"] = t.get("cache_write", 0.0) + static * (1 - CACHE_HIT_RATE)
    elif b.cache and not h.cache:
        t["input"] += t.get("cached_input", 0.0) + t.get("cache_write", 0.0)
        t["cached_input"] = t["cache_write"] = t["cache_write_1h"] = 0.0
    if h.max_tokens is not None and h.max_tokens < t.get("output", 0.0):
        t["output"] = float(h.max_tokens)
    return Lot({k: v * n for k, v in t.items()}, lot.requests, lot.long)


def _calls(site: CallSite, default: int) -> int:
    return (site.loop_factor or default) if site.in_loop else 1


@dataclass
class Sides:
    """The model, provider and tier of a call site before and after the PR."""

    provider: str | None
    model_b: str | None
    model_h: str | None
    tier_b: str
    tier_h: str


def sides(b: CallSite | None, h: CallSite | None, profile: TokenProfile | None) -> Sides:
    site = h or b
    api = (site.api.split(".")[0] if site else "") or ""
    provider = (profile.provider if profile else None) or _API_PROVIDER.get(api)
    model_b = (b.model if b else None) or (profile.model if profile else None)
    model_h = (h.model if h else None) or model_b
    observed = (profile.tier if profile else None) or STANDARD
    declared_b, declared_h = site_tier(b), site_tier(h)
    tier_b = declared_b or observed
    if declared_h is not None:
        tier_h = declared_h
    elif declared_b is not None:
        tier_h = STANDARD  # the PR removed the tier argument
    else:
        tier_h = tier_b
    return Sides(provider, model_b, model_h, tier_b, tier_h)


def estimate_site(
    b: CallSite | None,
    h: CallSite | None,
    profile: TokenProfile | None,
    catalog: PriceCatalog,
    day: dt.date,
    loop_factor: int,
) -> SiteEstimate:
    """The site's monthly cost before and after, and the per-request price change of a model or tier change."""
    s = sides(b, h, profile)
    out = SiteEstimate()
    changes = what_changed(b, h)
    price_b = catalog.price(s.model_b, s.provider, on=day, tier=s.tier_b) if s.model_b else None
    price_h = catalog.price(s.model_h, s.provider, on=day, tier=s.tier_h) if s.model_h else None
    if {"model", "tier", "batch"} & set(changes) or (b is None and h is not None):
        labels = (f"{s.model_b or 'unknown model'} {s.tier_b}", f"{s.model_h or 'unknown model'} {s.tier_h}")
        out.price = price_change(price_b, price_h, profile.lots if profile else None, labels)
    if profile is None:
        out.unknown = "no traffic for this call site in telemetry or the bill"
        return out
    if not profile.currency:
        out.unknown = "its bill rows are in several currencies, whose costs cannot be added without rates"
        return out
    base_cost = profile.monthly_cost
    req_b = profile.monthly_requests
    out.requests_before, out.cost_before = req_b, base_cost
    if h is None:
        out.requests_after, out.cost_after, out.change = 0.0 if req_b is not None else None, 0.0, -base_cost
        return out
    if b is None:
        if req_b is None:
            out.unknown = "a new call: the bill counts no requests to size it (telemetry would)"
            return out
        out.notes.append(
            "a new call: assumed the feature's average tokens per request and one call per request"
        )
        if price_h is None:
            out.unknown = f"model {s.model_h!r} is not in the price catalog: cannot price the new call"
            return out
        cost_a = float(lots_cost(price_h, profile.lots)) * _calls(h, loop_factor)
        out.requests_before, out.cost_before = 0.0, 0.0
        out.requests_after, out.cost_after, out.change = req_b, cost_a, cost_a
        return out
    lots_h = profile.lots
    token_changes = [c for c in changes if c in TOKEN_CHANGES]
    if token_changes:
        if req_b is None:
            out.notes.append(
                f"{', '.join(token_changes)} change not estimated: the bill counts no requests, so tokens per "
                "request are unknown"
            )
            if not set(changes) - set(TOKEN_CHANGES):
                out.unknown = f"{', '.join(token_changes)} change with bill traffic only (no request count)"
                return out
        else:
            lots_h = [_adjust(lot, b, h) for lot in profile.lots]
    mult = _calls(h, loop_factor) / _calls(b, loop_factor)
    if "loop" in changes and ((h.in_loop and not h.loop_factor) or (b.in_loop and not b.loop_factor)):
        out.notes.append(f"loop iterations are not a literal: assumed {loop_factor} per call (--loop-factor)")
    if price_b is None or price_h is None:
        if s.model_b == s.model_h and s.tier_b == s.tier_h:
            ratio = 1.0  # token changes cannot be priced, but a loop still scales the observed cost
            out.notes.append(f"model {s.model_b!r} is not in the price catalog: token changes not priced")
        else:
            missing = s.model_b if price_b is None else s.model_h
            out.unknown = f"model {missing!r} is not in the price catalog or the price file"
            return out
    else:
        cost_b = lots_cost(price_b, profile.lots)
        ratio = float(lots_cost(price_h, lots_h) / cost_b) if cost_b else 1.0
    cost_a = base_cost * ratio * mult
    out.requests_after = req_b * mult if req_b is not None else None
    out.cost_after, out.change = cost_a, cost_a - base_cost
    return out


def share_profile(profile: TokenProfile | None, share: float) -> TokenProfile | None:
    return profile.scaled(share) if profile is not None and share != 1.0 else profile
