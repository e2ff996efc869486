"""The price catalog as operations: a model's price sheet on a day (every tier, band and validity range), what
changed between two days, and re-estimating stored telemetry after a catalog or price-file change.

Prices come from data.prices (genai-prices + the providers' rules + the local price file with its dates).
"""

from __future__ import annotations

import datetime as dt
import difflib
from decimal import Decimal

from pydantic import BaseModel, Field, model_validator
from spendscope.data.errors import InvalidArgument, UnknownValue
from spendscope.data.naming import canonical_model, provider_name
from spendscope.data.price_overrides import Rates
from spendscope.data.price_rules import KNOWN_TIERS, STANDARD, normalize_geo, normalize_tier
from spendscope.data.prices import PriceCatalog, TierPrice, configured_catalog
from spendscope.data.reprice import RepriceResult, reprice_events
from spendscope.data.store import Store
from spendscope.tools.costs.breakdown import Filter, filter_sql
from spendscope.tools.costs.dimensions import query_source
from spendscope.tools.costs.telemetry_filters import event_filter_sql
from spendscope.tools.registry import operation

KINDS = ("input", "cached_input", "cache_write", "cache_write_1h", "output", "reasoning")


def _per_m(value: Decimal) -> float:
    return float(value * 1_000_000)


class PriceRow(BaseModel):
    provider: str | None = Field(
        description="telemetry provider the price is for (None: the catalog's default)"
    )
    tier: str = Field(description="service tier: standard, batch, flex, priority, scale")
    geo: str | None = Field(None, description="inference geography (None: global/default routing)")
    band: str = Field(description="which requests: 'all' or '> N input tokens' (long context)")
    above_tokens: int | None = Field(None, description="the band applies above this many input tokens")
    input: float = Field(description="USD per 1M uncached input tokens")
    cached_input: float = Field(description="USD per 1M cache-read input tokens")
    cache_write: float = Field(description="USD per 1M cache-write tokens, 5-minute TTL")
    cache_write_1h: float = Field(description="USD per 1M cache-write tokens, 1-hour TTL")
    output: float = Field(description="USD per 1M output tokens")
    reasoning: float = Field(description="USD per 1M reasoning tokens")
    valid_from: dt.date | None = Field(
        None, description="first day this price applies (None: since the start)"
    )
    valid_until: dt.date | None = Field(
        None, description="first day it no longer applies (None: still valid)"
    )
    committed: bool = Field(
        False, description="committed capacity: tokens valued at list, billed as a commitment"
    )
    source: str
    notes: list[str] = Field(default_factory=list)


class TimelineEntry(BaseModel):
    provider: str | None
    valid_from: dt.date | None
    valid_until: dt.date | None
    input: float | None = Field(description="USD per 1M input tokens (None: unpriced then)")
    output: float | None
    long_context_above: int | None = Field(None, description="long-context threshold in force (input tokens)")
    source: str | None


class ShowPricesInput(BaseModel):
    model: str = Field(description="model id, e.g. claude-sonnet-4-5, gpt-4.1-mini, gemini-2.5-pro")
    provider: str | None = Field(
        None,
        description="provider (anthropic, openai, aws.bedrock, gcp.vertex_ai, ...); default: those in use",
    )
    on: dt.date | None = Field(None, description="the day (default today, UTC)")
    tier: str | None = Field(None, description="only this service tier")
    geo: str | None = Field(None, description="inference geography, e.g. us (default: global)")
    filters: list[Filter] = Field(
        default_factory=list, description="which rows' providers of the model to show (default: all)"
    )


class PriceSheet(BaseModel):
    model: str = Field(description="canonical model id")
    on: dt.date
    rows: list[PriceRow]
    timeline: list[TimelineEntry] = Field(
        description="the standard tier's prices over time (validity ranges)"
    )
    notes: list[str] = Field(default_factory=list)


def _rows(price: TierPrice, provider: str | None, geo: str | None, window: tuple) -> list[PriceRow]:
    bands: list[tuple[int | None, Rates]] = [(None, price.rates), *((b.above, b.rates) for b in price.bands)]
    out = []
    for above, rates in bands:
        per = {k: _per_m(getattr(rates, k)) for k in KINDS}
        out.append(
            PriceRow(
                provider=provider,
                tier=price.tier,
                geo=geo,
                band="all" if above is None else f"> {above:,} input tokens",
                above_tokens=above,
                valid_from=window[0],
                valid_until=window[1],
                committed=price.committed,
                source=price.source,
                notes=list(price.notes),
                **per,
            )
        )
    return out


def _known_models(store: Store) -> list[str]:
    if not store.exists:
        return []
    with store.reader() as con:
        rows = con.execute(
            "SELECT DISTINCT model FROM usage_events WHERE model IS NOT NULL "
            "UNION SELECT DISTINCT x_Model FROM costs WHERE x_Model IS NOT NULL"
        ).fetchall()
    return sorted({canonical_model(r[0]) or r[0] for r in rows})


def _models_in_use(store: Store, filters: list[Filter]) -> list[tuple[str | None, str, str]]:
    """(provider, canonical model, tier) that the store's telemetry uses, then those of the bill (FOCUS
    ProviderName), within `filters`."""
    if not store.exists:
        return []
    with store.reader() as con:
        ev_clauses, ev_params = event_filter_sql(filters)
        rows = con.execute(
            "SELECT DISTINCT e.provider, e.model, coalesce(e.service_tier, 'standard') FROM usage_events e "
            f"WHERE {' AND '.join(['e.model IS NOT NULL', *ev_clauses])}",
            ev_params,
        ).fetchall()
        source = query_source(con)
        clauses, params = filter_sql(filters, con, source)
        bill = con.execute(
            f"SELECT DISTINCT ProviderName, x_Model, 'standard' FROM {source.relation} "
            f"WHERE {' AND '.join(['x_Model IS NOT NULL', 'x_Tokens IS NOT NULL', *clauses])}",
            params,
        ).fetchall()
    telemetry = [(p, canonical_model(m) or m, t) for p, m, t in rows]
    named = {m for _, m, _ in telemetry}
    return telemetry + [(p, m, t) for p, m, t in bill if m not in named]


def _providers_in_use(store: Store, model: str, filters: list[Filter]) -> list[str]:
    """Telemetry providers of a model in the store."""
    return sorted({p for p, m, _ in _models_in_use(store, filters) if m == model and p})


def _unknown_model(model: str, store: Store) -> UnknownValue:
    from genai_prices import data_snapshot

    ids = {m.id for p in data_snapshot.get_snapshot().providers for m in p.models}
    known = sorted(ids | set(_known_models(store)))
    close = difflib.get_close_matches(model, known, n=5, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return UnknownValue(
        f"no price for model {model!r} in the catalog or the price file{hint} (add it to the price file: "
        "docs/telemetry.md)",
        argument="model",
        value=model,
        suggestions=close,
    )


def _check_provider(store: Store, provider: str | None, catalog: PriceCatalog) -> None:
    """A provider the caller names must be one spendscope knows (its provider ids, the price file's, the store's
    telemetry): UnknownValue with the closest, where `Anthropik` listed gpt-4o's default prices under a provider
    that does not exist."""
    if not provider:
        return
    from spendscope.data.naming import PROVIDER_NAMES
    from spendscope.tools.names import closest_or_error  # names imports the cost queries

    known = set(PROVIDER_NAMES.values()) | {e.provider for e in catalog.file.entries if e.provider}
    known |= {prov for prov, _, _ in _models_in_use(store, []) if prov}
    known = {k for k in (provider_name(k) for k in known) if k}
    if provider_name(provider) not in known:
        closest_or_error("provider", provider, sorted(known), " in the price catalog", argument="provider")


def _check_tier(store: Store, tier: str | None) -> None:
    """A tier the caller names must be one spendscope prices (`standard`, `batch`, `flex`, `priority`, `scale`
    and their aliases) or one the store's telemetry reports: UnknownValue with the closest, where `ultra` listed
    the standard prices under a tier that does not exist."""
    if not tier:
        return
    from spendscope.tools.names import closest_or_error  # names imports the cost queries

    known = set(KNOWN_TIERS) | {normalize_tier(t) for _, _, t in _models_in_use(store, []) if t}
    if normalize_tier(tier) not in known:
        closest_or_error("tier", tier, sorted(known), " in the price catalog", argument="tier")


def _priced(catalog: PriceCatalog, model: str, provider: str | None, days: list[dt.date]) -> bool:
    """Whether the catalog or the price file holds a price of its own for `model` on any of `days`."""
    for day in days:
        price = catalog.price(model, provider, on=day, tier=STANDARD)
        if price is not None and not price.fallback:
            return True
    return False


def show_prices(store: Store, p: ShowPricesInput, catalog: PriceCatalog) -> PriceSheet:
    _check_provider(store, p.provider, catalog)
    _check_tier(store, p.tier)
    model = canonical_model(p.model) or p.model.strip().lower()
    day = p.on or dt.datetime.now(dt.UTC).date()
    providers: list[str | None] = [provider_name(p.provider)] if p.provider else []
    providers = providers or list(_providers_in_use(store, model, p.filters)) or [None]
    tiers = [normalize_tier(p.tier)] if p.tier else list(KNOWN_TIERS)
    geo = normalize_geo(p.geo)
    rows: list[PriceRow] = []
    timeline: list[TimelineEntry] = []
    for prov in providers:
        for tier in tiers:
            windows = catalog.windows(model, prov, tier=tier, geo=geo)
            current = next(
                (
                    w
                    for w in windows
                    if (w.start is None or w.start <= day) and (w.end is None or day < w.end)
                ),
                None,
            )
            if current is None or current.price is None or (current.price.fallback and not p.tier):
                continue
            rows += _rows(current.price, prov, geo, (current.start, current.end))
            if tier == STANDARD:
                for w in windows:
                    timeline.append(
                        TimelineEntry(
                            provider=prov,
                            valid_from=w.start,
                            valid_until=w.end,
                            input=_per_m(w.price.rates.input) if w.price else None,
                            output=_per_m(w.price.rates.output) if w.price else None,
                            long_context_above=w.price.bands[0].above if w.price and w.price.bands else None,
                            source=w.price.source if w.price else None,
                        )
                    )
    if not rows:
        raise _unknown_model(p.model, store)
    notes = [
        "USD per 1M tokens; a long-context band prices every token of a request whose input (uncached + cache "
        "reads + cache writes) is above its threshold",
        "tiers without a catalog price follow the providers' published rules (docs/telemetry.md)",
    ]
    if geo is None:
        notes.append(
            "global routing; regional endpoints (Bedrock/Vertex, Claude 4.5+) and US-only inference on the "
            "Claude API (Opus 4.6+) cost 1.1x: ask with geo"
        )
    return PriceSheet(model=model, on=day, rows=rows, timeline=timeline, notes=notes)


@operation("show_model_prices", input_model=ShowPricesInput, output_model=PriceSheet)
def show_model_prices(
    store: Store, params: ShowPricesInput, catalog: PriceCatalog | None = None
) -> PriceSheet:
    """A model's prices on a day: every service tier, long-context band and cache TTL, each with the dates it is
    valid for, and the standard price's history. The price file's negotiated rates and discounts included."""
    return show_prices(store, params, catalog or configured_catalog())


# --- what changed between two days ----------------------------------------------------------------------------


class DiffPricesInput(BaseModel):
    from_date: dt.date = Field(description="the earlier day")
    to_date: dt.date = Field(description="the later day")
    model: str | None = Field(None, description="only this model (default: every model the store uses)")
    provider: str | None = Field(None, description="only this provider")
    filters: list[Filter] = Field(
        default_factory=list, description="compare the models these rows use (default: every row)"
    )

    @model_validator(mode="after")
    def _order(self) -> DiffPricesInput:
        if self.to_date < self.from_date:
            raise ValueError(f"to_date {self.to_date} is before from_date {self.from_date}")
        return self


class PriceChange(BaseModel):
    provider: str | None
    model: str
    tier: str
    band: str = Field(description="'all' or '> N input tokens'")
    kind: str = Field(
        description="token kind: input, cached_input, cache_write, cache_write_1h, output, reasoning"
    )
    before: float | None = Field(description="USD per 1M tokens on from_date (None: unpriced)")
    after: float | None = Field(description="USD per 1M tokens on to_date (None: unpriced)")
    change_pct: float | None = None
    changed_on: list[dt.date] = Field(
        default_factory=list, description="days in between when the price changed"
    )
    source: str | None = None


class PriceDiff(BaseModel):
    from_date: dt.date
    to_date: dt.date
    models_compared: int
    changes: list[PriceChange]
    notes: list[str] = Field(default_factory=list)


def _pairs(store: Store, p: DiffPricesInput) -> list[tuple[str | None, str, set[str]]]:
    """(provider, canonical model, tiers seen) to compare."""
    if p.model:
        model = canonical_model(p.model) or p.model
        provs = (
            [provider_name(p.provider)]
            if p.provider
            else (_providers_in_use(store, model, p.filters) or [None])
        )
        return [(prov, model, {STANDARD, "batch"}) for prov in provs]
    found: dict[tuple[str | None, str], set[str]] = {}
    for prov, model, tier in _models_in_use(store, p.filters):
        found.setdefault((prov, model), {STANDARD, "batch"}).add(tier)
    wanted = provider_name(p.provider) if p.provider else None
    return [
        (prov, m, tiers)
        for (prov, m), tiers in sorted(found.items(), key=str)
        if not wanted or prov == wanted
    ]


def _band_rates(price: TierPrice | None) -> dict[str, Rates]:
    if price is None:
        return {}
    return {"all": price.rates, **{f"> {b.above:,} input tokens": b.rates for b in price.bands}}


def diff_prices(store: Store, p: DiffPricesInput, catalog: PriceCatalog) -> PriceDiff:
    _check_provider(store, p.provider, catalog)
    pairs = _pairs(store, p)
    days = [p.from_date, p.to_date]
    if p.model and not any(_priced(catalog, model, prov, days) for prov, model, _ in pairs):
        raise _unknown_model(p.model, store)  # "no price differs" would be said of a model with no price
    changes: list[PriceChange] = []
    for prov, model, tiers in pairs:
        cuts = [d for d in catalog.boundaries(model, prov) if p.from_date < d <= p.to_date]
        for tier in sorted(tiers):
            before = catalog.price(model, prov, on=p.from_date, tier=tier)
            after = catalog.price(model, prov, on=p.to_date, tier=tier)
            if before == after:
                continue
            b_bands, a_bands = _band_rates(before), _band_rates(after)
            for band in sorted(set(b_bands) | set(a_bands)):
                for kind in KINDS:
                    old = _per_m(getattr(b_bands[band], kind)) if band in b_bands else None
                    new = _per_m(getattr(a_bands[band], kind)) if band in a_bands else None
                    if old == new:
                        continue
                    changes.append(
                        PriceChange(
                            provider=prov,
                            model=model,
                            tier=tier,
                            band=band,
                            kind=kind,
                            before=old,
                            after=new,
                            change_pct=(new - old) / old * 100 if old and new is not None else None,
                            changed_on=cuts,
                            source=(after or before).source if (after or before) else None,
                        )
                    )
    if p.model and not pairs:
        raise _unknown_model(p.model, store)
    notes = [f"compared {len(pairs)} provider/model pairs at the tiers in use (plus standard and batch)"]
    if not p.model and not pairs:
        notes.append("the store names no models yet; give a model to compare the catalog's prices for it")
    if not changes:
        notes.append(f"no price of these models differs between {p.from_date} and {p.to_date}")
    return PriceDiff(
        from_date=p.from_date, to_date=p.to_date, models_compared=len(pairs), changes=changes, notes=notes
    )


@operation("diff_model_prices", input_model=DiffPricesInput, output_model=PriceDiff)
def diff_model_prices(
    store: Store, params: DiffPricesInput, catalog: PriceCatalog | None = None
) -> PriceDiff:
    """Which prices differ between two days, per provider, model, tier, long-context band and token kind, and
    the days in between when they changed (catalog changes and the price file's dated entries)."""
    return diff_prices(store, params, catalog or configured_catalog())


# --- re-estimating stored telemetry -----------------------------------------------------------------------------


class RepriceInput(BaseModel):
    since: dt.date | None = Field(None, description="only events from this day on (default: all)")
    provider: str | None = Field(None, description="only this telemetry provider")
    model: str | None = Field(None, description="only this model")
    dry_run: bool = Field(False, description="show the change per provider and model; write nothing")


@operation("reprice_telemetry", input_model=RepriceInput, output_model=RepriceResult, writes=True)
def reprice_telemetry(
    store: Store, params: RepriceInput, catalog: PriceCatalog | None = None
) -> RepriceResult:
    """Re-estimate stored telemetry with the current catalog and price file (after a price change or a new
    negotiated rate): the change per provider and model, then written unless dry_run. Reported costs stay."""
    if params.since and params.since > dt.datetime.now(dt.UTC).date():
        raise InvalidArgument(
            f"since {params.since} is in the future", argument="since", value=str(params.since)
        )
    chosen = catalog or configured_catalog()
    return reprice_events(
        store,
        chosen,
        since=params.since,
        provider=params.provider,
        model=params.model,
        dry_run=params.dry_run,
        prices_file=chosen.file.path,
    )
