"""The local price file: negotiated rates, private models and discounts, each with the dates it is valid for.

YAML (default ~/.spendscope/prices.yaml, setting SPENDSCOPE_PRICES_FILE), prices in USD per 1M tokens:

    models:
      - model: my-finetune-v2          # canonical id as spendscope derives it (data/models.py)
        provider: openai               # optional: every provider when omitted
        tier: standard                 # optional: standard (default), batch, flex, priority, scale
        from: 2026-01-01               # optional, inclusive (UTC day); open-ended when omitted
        until: 2026-07-01              # optional, exclusive
        input: 2.50
        output: 10.00
        cached_input: 1.25             # optional (default: input)
        cache_write: 3.75              # optional, 5-minute TTL (default: input)
        cache_write_1h: 5.00           # optional (default: the provider's rule, docs/telemetry.md)
        reasoning: 10.00               # optional (default: output)
        long_context:                  # optional: every token of a request above the threshold
          threshold: 200000            #   (input + cache reads + cache writes) is billed at these prices
          input: 5.00
          output: 15.00
    discounts:
      - model: claude-sonnet-4-5       # or "*" for every model of the provider
        provider: anthropic            # optional
        percent: 12                    # off whatever price applies (catalog or override), every tier
        from: 2026-03-01
        until: 2027-03-01

Entries for the same model, provider and tier may not overlap in time; a bad entry is an error naming its
position, never a silently ignored line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from spendscope.data.errors import InvalidArgument
from spendscope.data.models import normalize_model
from spendscope.data.naming import provider_name
from spendscope.data.price_rules import STANDARD, normalize_tier

MILLION = Decimal(1_000_000)
PRICE_KEYS = ("input", "output", "cached_input", "cache_write", "cache_write_1h", "reasoning")
MODEL_KEYS = {"model", "provider", "tier", "from", "until", "long_context", "note", *PRICE_KEYS}
DISCOUNT_KEYS = {"model", "provider", "percent", "from", "until", "note"}


@dataclass(frozen=True)
class Rates:
    """USD per single token of each kind (cache_write is the 5-minute write)."""

    input: Decimal
    output: Decimal
    cached_input: Decimal
    cache_write: Decimal
    cache_write_1h: Decimal
    reasoning: Decimal

    def scaled(self, factor: Decimal) -> Rates:
        return Rates(*(getattr(self, k) * factor for k in PRICE_KEYS))

    def per_million(self) -> dict[str, Decimal]:
        return {k: (getattr(self, k) * MILLION).normalize() for k in PRICE_KEYS}


@dataclass(frozen=True)
class Band:
    """Prices for requests whose input (incl. cache reads and writes) is above `above` tokens."""

    above: int
    rates: Rates


@dataclass(frozen=True)
class OverrideEntry:
    position: int
    model: str
    provider: str | None
    tier: str
    start: dt.date | None
    end: dt.date | None
    rates: Rates
    explicit_1h: bool
    bands: tuple[Band, ...] = ()
    note: str | None = None

    def active(self, day: dt.date) -> bool:
        return (self.start is None or day >= self.start) and (self.end is None or day < self.end)


@dataclass(frozen=True)
class Discount:
    position: int
    model: str  # canonical id or "*"
    provider: str | None
    factor: Decimal  # multiply prices by this
    start: dt.date | None
    end: dt.date | None
    note: str | None = None

    def active(self, day: dt.date) -> bool:
        return (self.start is None or day >= self.start) and (self.end is None or day < self.end)


@dataclass
class PriceFile:
    path: str | None = None
    entries: list[OverrideEntry] = field(default_factory=list)
    discounts: list[Discount] = field(default_factory=list)

    def boundaries(self) -> set[dt.date]:
        out: set[dt.date] = set()
        for e in [*self.entries, *self.discounts]:
            out |= {d for d in (e.start, e.end) if d is not None}
        return out


class _Loader(yaml.SafeLoader):
    """YAML without implicit timestamps: dates stay text, so a bad one is reported with its entry."""


_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def canonical(model: str) -> str:
    text = str(model).strip()
    return normalize_model(text) or text.lower()


def _fail(path: str, where: str, problem: str) -> InvalidArgument:
    return InvalidArgument(f"{path}: {where}: {problem}", file=path)


def _date(path: str, where: str, key: str, value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise _fail(path, where, f"{key} {value!r} is not a date (YYYY-MM-DD)") from None


def _usd(path: str, where: str, key: str, value: Any) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise _fail(path, where, f"{key} {value!r} is not a number (USD per 1M tokens)") from None
    if not number.is_finite() or number < 0:
        raise _fail(path, where, f"{key} {value!r} must be a price of zero or more (USD per 1M tokens)")
    return number / MILLION


def _rates(path: str, where: str, entry: dict[str, Any], base: Rates | None = None) -> tuple[Rates, bool]:
    missing = [k for k in ("input", "output") if k not in entry and base is None]
    if missing:
        raise _fail(path, where, f"needs {' and '.join(missing)} (USD per 1M tokens)")
    get = {k: _usd(path, where, k, entry[k]) for k in PRICE_KEYS if entry.get(k) is not None}
    inp = get.get("input", base.input if base else Decimal(0))
    out = get.get("output", base.output if base else Decimal(0))
    rates = Rates(
        input=inp,
        output=out,
        cached_input=get.get("cached_input", base.cached_input if base else inp),
        cache_write=get.get("cache_write", base.cache_write if base else inp),
        cache_write_1h=get.get(
            "cache_write_1h", base.cache_write_1h if base else get.get("cache_write", inp)
        ),
        reasoning=get.get("reasoning", base.reasoning if base else out),
    )
    return rates, "cache_write_1h" in get


def _window(path: str, where: str, entry: dict[str, Any]) -> tuple[dt.date | None, dt.date | None]:
    start = _date(path, where, "from", entry.get("from"))
    end = _date(path, where, "until", entry.get("until"))
    if start and end and end <= start:
        raise _fail(path, where, f"until {end} must be after from {start}")
    return start, end


def _unknown(path: str, where: str, entry: dict[str, Any], allowed: set[str]) -> None:
    extra = sorted(set(entry) - allowed)
    if extra:
        raise _fail(path, where, f"unknown key(s) {', '.join(extra)}; accepted: {', '.join(sorted(allowed))}")


def _model_entry(path: str, i: int, entry: Any) -> OverrideEntry:
    where = f"models entry {i}"
    if not isinstance(entry, dict) or not entry.get("model"):
        raise _fail(path, where, "needs model, input and output (USD per 1M tokens)")
    _unknown(path, where, entry, MODEL_KEYS)
    rates, explicit_1h = _rates(path, where, entry)
    start, end = _window(path, where, entry)
    bands: list[Band] = []
    lc = entry.get("long_context")
    if lc is not None:
        if not isinstance(lc, dict) or "threshold" not in lc:
            raise _fail(path, where, "long_context needs threshold (input tokens) and its prices")
        _unknown(path, where + " long_context", lc, {"threshold", *PRICE_KEYS})
        try:
            threshold = int(lc["threshold"])
        except (TypeError, ValueError):
            raise _fail(
                path, where, f"long_context threshold {lc['threshold']!r} is not a token count"
            ) from None
        band_rates, _ = _rates(path, where + " long_context", lc, base=rates)
        bands.append(Band(threshold, band_rates))
    provider = provider_name(entry.get("provider"))
    return OverrideEntry(
        position=i,
        model=canonical(entry["model"]),
        provider=provider,
        tier=normalize_tier(entry.get("tier")),
        start=start,
        end=end,
        rates=rates,
        explicit_1h=explicit_1h,
        bands=tuple(bands),
        note=entry.get("note"),
    )


def _discount(path: str, i: int, entry: Any) -> Discount:
    where = f"discounts entry {i}"
    if not isinstance(entry, dict) or not entry.get("model") or entry.get("percent") is None:
        raise _fail(path, where, "needs model (or '*') and percent")
    _unknown(path, where, entry, DISCOUNT_KEYS)
    try:
        pct = Decimal(str(entry["percent"]))
    except (InvalidOperation, ValueError):
        raise _fail(path, where, f"percent {entry['percent']!r} is not a number") from None
    if not pct.is_finite() or not Decimal(0) <= pct < Decimal(100):
        raise _fail(path, where, f"percent {entry['percent']!r} must be from 0 to below 100")
    start, end = _window(path, where, entry)
    model = str(entry["model"]).strip()
    return Discount(
        position=i,
        model="*" if model == "*" else canonical(model),
        provider=provider_name(entry.get("provider")),
        factor=(Decimal(100) - pct) / Decimal(100),
        start=start,
        end=end,
        note=entry.get("note"),
    )


def _overlaps(a: Any, b: Any) -> bool:
    a_start, a_end = a.start or dt.date.min, a.end or dt.date.max
    b_start, b_end = b.start or dt.date.min, b.end or dt.date.max
    return a_start < b_end and b_start < a_end


def _check_overlaps(path: str, items: list[Any], section: str, key: Any) -> None:
    seen: dict[Any, list[Any]] = {}
    for item in items:
        for other in seen.setdefault(key(item), []):
            if _overlaps(item, other):
                raise _fail(
                    path,
                    f"{section} entries {other.position} and {item.position}",
                    "overlap in time for the same model, provider"
                    + (" and tier" if section == "models" else "")
                    + "; give each a from/until so that one ends where the next begins",
                )
        seen[key(item)].append(item)


def load_price_file(path: Path | str | None) -> PriceFile:
    """Parse and check the price file; a missing file is an empty one."""
    if path is None or not Path(path).exists():
        return PriceFile()
    name = str(path)
    try:
        doc = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_Loader) or {}
    except yaml.YAMLError as exc:
        raise InvalidArgument(f"{name}: not valid YAML ({exc})", file=name) from None
    if not isinstance(doc, dict):
        raise InvalidArgument(f"{name}: expected a mapping with models: and discounts: lists", file=name)
    _unknown(name, "top level", doc, {"models", "discounts"})
    entries = [_model_entry(name, i, e) for i, e in enumerate(doc.get("models") or [], start=1)]
    discounts = [_discount(name, i, e) for i, e in enumerate(doc.get("discounts") or [], start=1)]
    _check_overlaps(name, entries, "models", lambda e: (e.model, e.provider, e.tier))
    _check_overlaps(name, discounts, "discounts", lambda d: (d.model, d.provider))
    return PriceFile(name, entries, discounts)


def find_entry(
    file: PriceFile, model: str, provider: str | None, tier: str, day: dt.date
) -> OverrideEntry | None:
    """The entry in force for a model on a day: one naming the provider wins over one for every provider."""
    for want in (provider, None):
        for e in file.entries:
            if e.model == model and e.provider == want and e.tier == tier and e.active(day):
                return e
    return None


def find_discount(file: PriceFile, model: str, provider: str | None, day: dt.date) -> Discount | None:
    for want_model in (model, "*"):
        for want in (provider, None):
            for d in file.discounts:
                if d.model == want_model and d.provider == want and d.active(day):
                    return d
    return None


def standard_entry(file: PriceFile, model: str, provider: str | None, day: dt.date) -> OverrideEntry | None:
    return find_entry(file, model, provider, STANDARD, day)
