"""The price catalog: what one request of a model cost, on the day it ran, at the service tier, cache TTL and
inference geography it ran with. Prices come from the bundled `genai-prices` snapshot (offline), which already
holds long-context tiers, 1-hour cache writes, dated price changes and tier variants (batch, flex, priority);
the providers' published rules (data/price_rules.py) fill what it lacks; the local price file
(data/price_overrides.py: negotiated rates, private models, discounts, each with dates) wins over both.
An unknown model is *unpriced* (None), never $0.

Every price has a validity range: `windows()` gives a model's timeline per tier (used to price stored telemetry
in SQL and by `spendscope prices show/diff`), `price()` the price in force on one day.

genai-prices records some tier prices only from the day they were verified ("history before then is not
modelled"); such a tier price also applies before that day, back to the model's first price, because the tier
existed before it was recorded (docs/telemetry.md).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from spendscope.data.naming import provider_from_model, provider_name
from spendscope.data.price_overrides import (
    MILLION,
    Band,
    OverrideEntry,
    PriceFile,
    Rates,
    canonical,
    find_discount,
    find_entry,
    load_price_file,
)
from spendscope.data.price_rules import (
    BATCH_HALF,
    BATCH_HALVES_CACHE,
    FLEX_AS_BATCH,
    HALF,
    ONE_HOUR_CACHE_FACTOR,
    STANDARD,
    geo_premium,
    is_claude,
    is_committed,
    normalize_geo,
    normalize_tier,
    tier_context,
)

__all__ = ["MILLION", "ModelPrices", "PriceCatalog", "PriceWindow", "TierPrice", "genai_provider_id"]

# telemetry provider names (OpenTelemetry) and bill names -> genai-prices provider ids
_GENAI_IDS = {
    "openai": "openai",
    "azure.ai.openai": "azure",
    "azure.ai.inference": "azure",
    "anthropic": "anthropic",
    "aws.bedrock": "aws",
    "gcp.vertex_ai": "google",
    "gcp.gemini": "google",
    "gcp.gen_ai": "google",
    "mistral_ai": "mistral",
    "groq": "groq",
    "deepseek": "deepseek",
    "cohere": "cohere",
    "x_ai": "x-ai",
    "perplexity": "perplexity",
    # FOCUS ProviderName values and other spellings
    "microsoft": "azure",
    "google cloud": "google",
    "google": "google",
    "amazon": "aws",
}
EPOCH = dt.date(2000, 1, 1)  # evaluation day for "before every recorded change"


def genai_provider_id(provider: str | None) -> str | None:
    """genai-prices' provider id for a telemetry or bill provider name (None when it has none)."""
    if not provider:
        return None
    low = str(provider).strip().lower()
    return _GENAI_IDS.get(low) or _GENAI_IDS.get(provider_name(low) or "")


@dataclass(frozen=True)
class ModelPrices:
    """USD per single token for each token kind, one tier (the shape savings and the demo use)."""

    model: str
    source: str  # "override" or "genai-prices:<provider>/<model>"
    input: Decimal
    output: Decimal
    cached_input: Decimal
    cache_write: Decimal
    reasoning: Decimal
    cache_write_1h: Decimal | None = None

    def per_token(self, token_type: str) -> Decimal:
        return {
            "input": self.input,
            "output": self.output,
            "cached_input": self.cached_input,
            "cache_write": self.cache_write,
            "reasoning": self.reasoning,
        }[token_type]


@dataclass(frozen=True)
class TierPrice:
    """The prices of one model, tier and geography on one day: a base band and long-context bands."""

    model: str
    tier: str  # the tier asked for
    rates: Rates  # requests at or below the first threshold
    source: str
    bands: tuple[Band, ...] = ()  # ascending thresholds
    # capacity bought up front (OpenAI scale, Anthropic priority): valued at list, not billed per token
    committed: bool = False
    notes: tuple[str, ...] = ()
    # the catalog has no price and no rule for this tier: the standard price stands in
    fallback: bool = False

    def rates_for(self, prompt_tokens: float) -> Rates:
        """Rates for a request with this many input tokens (uncached + cache reads + cache writes)."""
        chosen = self.rates
        for band in self.bands:
            if prompt_tokens > band.above:
                chosen = band.rates
        return chosen

    def cost(
        self,
        *,
        input: int = 0,
        output: int = 0,
        cached_input: int = 0,
        cache_write: int = 0,
        cache_write_1h: int = 0,
        reasoning: int = 0,
        requests: int = 1,
        rates: Rates | None = None,
    ) -> Decimal:
        """Cost of `requests` identical requests carrying these tokens in total (keyword names as in
        usage_events). Token kinds are disjoint except `cache_write_1h`, which is the part of `cache_write` written
        with a 1-hour TTL. The band follows the input per request, unless `rates` names it (a bill line that
        says it was long context, where requests are not counted)."""
        r = rates or self.rates_for((input + cached_input + cache_write) / max(requests, 1))
        return (
            r.input * input
            + r.output * output
            + r.cached_input * cached_input
            + r.cache_write * (cache_write - cache_write_1h)
            + r.cache_write_1h * cache_write_1h
            + r.reasoning * reasoning
        )

    def scaled(self, factor: Decimal) -> TierPrice:
        return replace(
            self,
            rates=self.rates.scaled(factor),
            bands=tuple(Band(b.above, b.rates.scaled(factor)) for b in self.bands),
        )

    def as_model_prices(self) -> ModelPrices:
        r = self.rates
        return ModelPrices(
            self.model,
            self.source,
            r.input,
            r.output,
            r.cached_input,
            r.cache_write,
            r.reasoning,
            r.cache_write_1h,
        )


@dataclass(frozen=True)
class PriceWindow:
    """A price and the days it is valid: [start, end), None meaning open-ended."""

    start: dt.date | None
    end: dt.date | None
    price: TierPrice | None  # None: unpriced on these days


# --- genai-prices ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _genai_model(model: str, pid: str | None) -> tuple[str, Any] | None:
    """(provider id, ModelInfo) of a model in the bundled snapshot: the provider's own entry first, then any."""
    from genai_prices import data_snapshot

    snap = data_snapshot.get_snapshot()
    # no provider named: genai-prices finds a model by its providers' name patterns, which miss some families
    # (OpenAI's `text-embedding-*`); the provider the name's family implies is tried next
    implied = None if pid else genai_provider_id(provider_from_model(model))
    for attempt in [pid, None] if pid else [None, *([implied] if implied else [])]:
        try:
            provider, info = snap.find_provider_model(model, None, attempt, None)
        except LookupError:
            continue
        return provider.id, info
    pid = pid or implied
    if pid:  # a canonical name the snapshot only lists under the provider's own id (nova-micro: amazon.nova-micro-v1:0)
        info = _by_canonical_id(snap, pid).get(model)
        if info is not None:
            return pid, info
    return None


_CANONICAL_IDS: dict[str, dict[str, Any]] = {}


def _by_canonical_id(snap: Any, pid: str) -> dict[str, Any]:
    """The provider's snapshot models by canonical id; where several ids share one (`amazon.nova-2-lite-v1:0`,
    `regional.amazon...`, `global.amazon...`), the bare id wins, then `global.` (geography premiums are applied
    separately, from the event's inference geography)."""
    if pid not in _CANONICAL_IDS:
        from spendscope.data.naming import canonical_model

        found: dict[str, tuple[int, Any]] = {}
        for provider in snap.providers:
            if provider.id != pid:
                continue
            for info in provider.models:
                name = canonical_model(info.id)
                head = info.id.split(".", 1)[0] if info.id.count(".") >= 2 else ""
                rank = 0 if not head else 1 if head == "global" else 2
                if name and (name not in found or rank < found[name][0]):
                    found[name] = (rank, info)
        _CANONICAL_IDS[pid] = {k: v for k, (_, v) in found.items()}
    return _CANONICAL_IDS[pid]


def _start_date(constraint: Any) -> dt.date | None | bool:
    """A constraint's start day; None: always; False: a time-of-day constraint (not modelled)."""
    if constraint is None:
        return None
    start = getattr(constraint, "start_date", None)
    return start if isinstance(start, dt.date) else False


def _genai_boundaries(info: Any) -> set[dt.date]:
    out: set[dt.date] = set()
    conditionals = info.prices if isinstance(info.prices, list) else []
    for item in [*conditionals, *(info.price_variants or [])]:
        start = _start_date(item.constraint)
        if isinstance(start, dt.date):
            out.add(start)
    return out


def _standard_price(info: Any, day: dt.date) -> Any:
    if not isinstance(info.prices, list):
        return info.prices
    chosen = info.prices[0].prices
    for conditional in reversed(info.prices):
        start = _start_date(conditional.constraint)
        if start is None or (start is not False and day >= start):
            return conditional.prices
    return chosen


def _variant_prices(info: Any, context: dict[str, str], day: dt.date) -> dict[str, Any] | None:
    """Price keys the tier's variants set on `day` (the earliest recorded one when none has started yet)."""
    matching = [v for v in info.price_variants or [] if v.when == context]
    if not matching:
        return None
    active = []
    for v in matching:
        start = _start_date(v.constraint)
        if start is None or (start is not False and day >= start):
            active.append(v)
    chosen = active or [min(matching, key=lambda v: _start_date(v.constraint) or dt.date.min)]
    keys: dict[str, Any] = {}
    for v in chosen:
        for k, price in v.prices.__dict__.items():
            if price is not None and not k.startswith("_"):
                keys.setdefault(k, price)
    return keys


def _amount(price: Any, prompt: int) -> Decimal | None:
    """USD per 1M tokens of one price key for a request of `prompt` input tokens."""
    if price is None:
        return None
    tiers = getattr(price, "tiers", None)
    if tiers is None:
        return Decimal(str(price))
    chosen = price.base
    for tier in tiers:
        if prompt > tier.start:
            chosen = tier.price
    return Decimal(str(chosen))


def _thresholds(keys: dict[str, Any]) -> list[int]:
    return sorted({t.start for p in keys.values() for t in getattr(p, "tiers", None) or []})


def _rates_from_keys(
    keys: dict[str, Any], prompt: int, claude: bool, input_only: bool = False
) -> Rates | None:
    def get(*names: str) -> Decimal | None:
        for n in names:
            value = _amount(keys.get(n), prompt)
            if value is not None:
                return value / MILLION
        return None

    inp, out = get("input_mtok", "input_text_mtok"), get("output_mtok", "output_text_mtok")
    if inp is None or (out is None and not input_only):
        return None  # a model that writes output with no output price is unpriced, never priced low
    if out is None:  # an embedding model: the catalog prices no output, as genai-prices' calc_price
        out = Decimal(0)
    write = get("cache_write_5m_mtok", "cache_write_mtok") or inp
    one_hour = get("cache_write_1h_mtok")
    if one_hour is None:
        one_hour = inp * ONE_HOUR_CACHE_FACTOR if claude else write
    return Rates(
        input=inp,
        output=out,
        cached_input=get("cache_read_mtok", "cache_text_read_mtok") or inp,
        cache_write=write,
        cache_write_1h=one_hour,
        reasoning=get("output_reasoning_mtok") or out,
    )


def _price_from_keys(
    model: str, tier: str, keys: dict[str, Any], source: str, claude: bool
) -> TierPrice | None:
    input_only = bool(_EMBEDDING.search(model))
    base = _rates_from_keys(keys, 0, claude, input_only)
    if base is None:
        return None
    bands = []
    for threshold in _thresholds(keys):
        rates = _rates_from_keys(keys, threshold + 1, claude, input_only)
        if rates is not None:
            bands.append(Band(threshold, rates))
    notes = () if _priced_output(keys) else (INPUT_ONLY,)
    return TierPrice(model, tier, base, source, tuple(bands), notes=notes)


INPUT_ONLY = "the catalog prices input tokens only (an embedding model): output tokens at 0"
# Embedding models write no output tokens, so an input price is their whole price. Other models the catalog lists
# with an input price only (legacy completions, routers) stay unpriced: output at 0 would understate them.
_EMBEDDING = re.compile(r"embed|(?:^|[/@-])(?:bge|gte)-", re.I)


def _priced_output(keys: dict[str, Any]) -> bool:
    return any(keys.get(k) is not None for k in ("output_mtok", "output_text_mtok"))


def _halved(price: TierPrice, halve_cache: bool) -> TierPrice:
    def half(r: Rates) -> Rates:
        c = HALF if halve_cache else Decimal(1)
        return Rates(
            r.input * HALF,
            r.output * HALF,
            r.cached_input * c,
            r.cache_write * c,
            r.cache_write_1h * c,
            r.reasoning * HALF,
        )

    return replace(
        price, rates=half(price.rates), bands=tuple(Band(b.above, half(b.rates)) for b in price.bands)
    )


def _tier_rule(standard: TierPrice, pid: str | None, tier: str, variant: TierPrice | None) -> TierPrice:
    """The price of `tier` from the standard price and the providers' rules, when the catalog has no variant."""
    name = standard.model
    if is_committed(pid, tier):
        return replace(
            standard,
            tier=tier,
            committed=True,
            notes=(f"{tier} is committed capacity: tokens valued at the standard list price",),
        )
    if variant is not None:
        return replace(variant, tier=tier)
    if tier == "batch" and pid in BATCH_HALF:
        return replace(
            _halved(standard, pid in BATCH_HALVES_CACHE),
            tier=tier,
            source=standard.source + " (batch rule: 50%)",
        )
    if tier == "flex" and pid in FLEX_AS_BATCH:
        batch = _halved(standard, pid in BATCH_HALVES_CACHE)
        return replace(batch, tier=tier, source=standard.source + " (flex rule: the batch rate)")
    if tier == STANDARD:
        return standard
    return replace(
        standard,
        tier=tier,
        notes=(f"no {tier} price for {name} in the catalog: priced at standard",),
        fallback=True,
    )


def _genai_price(model: str, pid: str | None, tier: str, day: dt.date) -> TierPrice | None:
    found = _genai_model(model, pid)
    if found is None:
        return None
    provider_id, info = found
    claude = is_claude(model) or is_claude(info.id)
    source = f"genai-prices:{provider_id}/{info.id}"
    standard_keys = dict(_standard_price(info, day).__dict__)
    standard = _price_from_keys(model, STANDARD, standard_keys, source, claude)
    if standard is None or tier == STANDARD:
        return standard
    if (
        tier == "flex"
        and provider_id in FLEX_AS_BATCH
        and _variant_prices(info, tier_context("flex"), day) is None
    ):
        batch_keys = _variant_prices(info, tier_context("batch"), day)
        if batch_keys is not None:
            flex = _price_from_keys(model, tier, {**standard_keys, **batch_keys}, source, claude)
            if flex is not None:
                return replace(flex, source=source + " (flex at the batch rate)")
    variant_keys = _variant_prices(info, tier_context(tier), day)
    variant = None
    if variant_keys:
        variant = _price_from_keys(
            model, tier, {**standard_keys, **variant_keys}, f"{source} [{tier}]", claude
        )
    return _tier_rule(standard, provider_id, tier, variant)


# --- the catalog ----------------------------------------------------------------------------------------------


def _entry_price(entry: OverrideEntry, tier: str) -> TierPrice:
    rates = entry.rates
    if not entry.explicit_1h and is_claude(entry.model):
        rates = replace(rates, cache_write_1h=rates.input * ONE_HOUR_CACHE_FACTOR)
    when = f"{entry.start or '…'} to {entry.end or '…'}" if entry.start or entry.end else "always"
    source = f"override (models entry {entry.position}, {when})"
    return TierPrice(entry.model, tier, rates, source, entry.bands)


@dataclass
class PriceCatalog:
    """Looks up prices: the local price file wins over the bundled catalog, inside each entry's dates."""

    overrides: dict[tuple[str, str | None], ModelPrices] | None = None
    file: PriceFile = field(default_factory=PriceFile)

    def __post_init__(self) -> None:
        # undated overrides given as ModelPrices (tests, callers that build a catalog in code)
        for i, ((model, provider), p) in enumerate(
            (self.overrides or {}).items(), start=len(self.file.entries) + 1
        ):
            rates = Rates(
                p.input,
                p.output,
                p.cached_input,
                p.cache_write,
                p.cache_write_1h or p.cache_write,
                p.reasoning,
            )
            self.file.entries.append(
                OverrideEntry(
                    i,
                    canonical(model),
                    provider_name(provider),
                    STANDARD,
                    None,
                    None,
                    rates,
                    p.cache_write_1h is not None,
                )
            )
        self._cache: dict[tuple, TierPrice | None] = {}

    @classmethod
    def load(cls, path: Path | str | None) -> PriceCatalog:
        return cls(file=load_price_file(path))

    # the price in force on one day ---------------------------------------------------------------------------
    def price(
        self,
        model: str | None,
        provider: str | None = None,
        *,
        on: dt.date | dt.datetime | None = None,
        tier: str | None = None,
        geo: str | None = None,
    ) -> TierPrice | None:
        """The price of `model` on day `on` (default today, UTC) at a service tier and inference geography."""
        if not model:
            return None
        day = on.date() if isinstance(on, dt.datetime) else on or dt.datetime.now(dt.UTC).date()
        key = (model, provider, day, normalize_tier(tier), normalize_geo(geo))
        if key not in self._cache:
            self._cache[key] = self._price(model, provider, day, key[3], key[4])
        return self._cache[key]

    def _price(
        self, model: str, provider: str | None, day: dt.date, tier: str, geo: str | None
    ) -> TierPrice | None:
        name = canonical(model)
        prov = provider_name(provider)
        pid = genai_provider_id(prov)
        entry = find_entry(self.file, name, prov, tier, day)
        if entry is not None:
            price: TierPrice | None = _entry_price(entry, tier)
        else:
            standard = find_entry(self.file, name, prov, STANDARD, day)
            if standard is not None:
                price = _tier_rule(_entry_price(standard, STANDARD), pid, tier, None)
            else:
                price = _genai_price(name, pid, tier, day)
                if price is None and name != model.strip().lower():
                    price = _genai_price(model.strip().lower(), pid, tier, day)
        if price is None:
            return None
        discount = find_discount(self.file, name, prov, day)
        if discount is not None:
            pct = (Decimal(1) - discount.factor) * 100
            price = replace(
                price.scaled(discount.factor),
                source=f"{price.source}, -{pct.normalize()}% (discounts entry {discount.position})",
            )
        rule = geo_premium(pid, prov, name, geo)
        if rule is not None:
            price = replace(price.scaled(rule.factor), notes=(*price.notes, rule.reason))
        return price

    def prices(self, model: str | None, provider: str | None = None) -> ModelPrices | None:
        """Today's standard-tier, global price of a model per token kind, or None when unpriced."""
        found = self.price(model, provider)
        return found.as_model_prices() if found is not None else None

    # the timeline --------------------------------------------------------------------------------------------
    def boundaries(self, model: str, provider: str | None = None) -> list[dt.date]:
        """Days on which some price of the model changes (catalog, price file)."""
        name = canonical(model)
        out: set[dt.date] = set()
        for candidate in {name, model.strip().lower()}:
            found = _genai_model(candidate, genai_provider_id(provider_name(provider)))
            if found is not None:
                out |= _genai_boundaries(found[1])
        prov = provider_name(provider)
        for e in self.file.entries:
            if e.model == name and e.provider in (prov, None):
                out |= {d for d in (e.start, e.end) if d}
        for d in self.file.discounts:
            if d.model in (name, "*") and d.provider in (prov, None):
                out |= {x for x in (d.start, d.end) if x}
        return sorted(out)

    def windows(
        self, model: str, provider: str | None = None, *, tier: str | None = None, geo: str | None = None
    ) -> list[PriceWindow]:
        """The model's prices over time for one tier and geography: consecutive windows, each with its price
        (a window whose price is None means unpriced on those days)."""
        cuts = self.boundaries(model, provider)
        starts: list[dt.date | None] = [None, *cuts]
        out: list[PriceWindow] = []
        for i, start in enumerate(starts):
            end = starts[i + 1] if i + 1 < len(starts) else None
            probe = start or (cuts[0] - dt.timedelta(days=1) if cuts else EPOCH)
            price = self.price(model, provider, on=probe, tier=tier, geo=geo)
            if out and out[-1].price == price:
                out[-1] = PriceWindow(out[-1].start, end, price)
            else:
                out.append(PriceWindow(start, end, price))
        return out


_CONFIGURED: dict[str, tuple[float | None, PriceCatalog]] = {}


def configured_catalog(path: Path | str | None = None) -> PriceCatalog:
    """The catalog with this process's price file (setting SPENDSCOPE_PRICES_FILE, or `path`), loaded on first
    use and again whenever the file changes, so a long-running server (MCP, Slack) follows edits to it.
    Operations that price call this when they are not handed a catalog."""
    if path is None:
        from spendscope.data.settings import load_settings

        path = load_settings().prices_file
    key = str(Path(path).expanduser())
    try:
        mtime: float | None = Path(key).stat().st_mtime
    except OSError:
        mtime = None
    cached = _CONFIGURED.get(key)
    if cached is None or cached[0] != mtime:
        _CONFIGURED[key] = (mtime, PriceCatalog.load(key if mtime is not None else None))
    return _CONFIGURED[key][1]
