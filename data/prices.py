"""The price catalog: per-token prices from the bundled `genai-prices` snapshot (offline), overridden by a local
file for negotiated rates and models the package lacks. An unknown model is *unpriced* (None), never $0.

Override file (YAML, default ~/.spendscope/prices.yaml, setting SPENDSCOPE_PRICES_FILE), USD per 1M tokens:

    models:
      - model: my-finetune-v2        # canonical id as spendscope derives it (see data/models.py)
        provider: openai             # optional: applies to every provider when omitted
        input: 2.50
        output: 10.00
        cached_input: 1.25           # optional
        cache_write: 3.75            # optional
        reasoning: 10.00             # optional (defaults to output)
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import yaml
from spendscope.data.errors import InvalidArgument
from spendscope.data.models import normalize_model

MILLION = Decimal(1_000_000)

# spendscope provider names (FOCUS ProviderName / telemetry provider) -> genai-prices provider ids
_PROVIDER_IDS = {
    "openai": "openai",
    "azure openai": "azure",
    "azure": "azure",
    "microsoft": "azure",
    "anthropic": "anthropic",
    "google": "google",
    "google cloud": "google",
    "vertex ai": "google",
    "gemini": "google",
    "aws": "aws",
    "amazon": "aws",
    "amazon bedrock": "aws",
    "bedrock": "aws",
    "mistral": "mistral",
    "groq": "groq",
    "deepseek": "deepseek",
    "cohere": "cohere",
    "x-ai": "x-ai",
}


@dataclass(frozen=True)
class ModelPrices:
    """USD per single token for each token kind."""

    model: str
    source: str  # "override" or "genai-prices:<provider>/<model>"
    input: Decimal
    output: Decimal
    cached_input: Decimal
    cache_write: Decimal
    reasoning: Decimal

    def per_token(self, token_type: str) -> Decimal:
        return {
            "input": self.input,
            "output": self.output,
            "cached_input": self.cached_input,
            "cache_write": self.cache_write,
            "reasoning": self.reasoning,
        }[token_type]

    def cost(
        self,
        *,
        input: int = 0,
        output: int = 0,
        cached_input: int = 0,
        cache_write: int = 0,
        reasoning: int = 0,
    ) -> Decimal:
        """Cost of a request. `input` excludes cached and cache-write tokens (Anthropic's convention)."""
        return (
            self.input * input
            + self.output * output
            + self.cached_input * cached_input
            + self.cache_write * cache_write
            + self.reasoning * reasoning
        )


def _base(price: object) -> Decimal | None:
    if price is None:
        return None
    base = getattr(price, "base", price)
    return Decimal(str(base))


@lru_cache(maxsize=4096)
def _from_package(model: str, provider: str | None) -> ModelPrices | None:
    from genai_prices import Usage, calc_price

    pid = _PROVIDER_IDS.get((provider or "").strip().lower())
    attempts = [pid, None] if pid else [None]
    for attempt in attempts:
        try:
            result = calc_price(Usage(input_tokens=1, output_tokens=1), model, provider_id=attempt)
        except LookupError:
            continue
        mp = result.model_price
        inp = _base(mp.input_mtok)
        out = _base(mp.output_mtok)
        if inp is None or out is None:
            continue
        cache_read = _base(mp.cache_read_mtok)
        cache_write = _base(mp.cache_write_mtok)
        return ModelPrices(
            model=model,
            source=f"genai-prices:{result.provider.id}/{result.model.id}",
            input=inp / MILLION,
            output=out / MILLION,
            cached_input=(cache_read if cache_read is not None else inp) / MILLION,
            cache_write=(cache_write if cache_write is not None else inp) / MILLION,
            reasoning=out / MILLION,
        )
    return None


class PriceCatalog:
    """Looks up per-token prices; the override file wins over the bundled catalog."""

    def __init__(self, overrides: dict[tuple[str, str | None], ModelPrices] | None = None) -> None:
        self.overrides = overrides or {}

    @classmethod
    def load(cls, path: Path | None) -> PriceCatalog:
        if path is None or not Path(path).exists():
            return cls()
        try:
            doc = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise InvalidArgument(f"{path}: not valid YAML ({exc})", file=str(path)) from None
        overrides: dict[tuple[str, str | None], ModelPrices] = {}
        for i, entry in enumerate(doc.get("models") or [], start=1):
            try:
                model = str(entry["model"]).strip()
                inp = Decimal(str(entry["input"]))
                out = Decimal(str(entry["output"]))
            except (KeyError, TypeError, ArithmeticError):
                raise InvalidArgument(
                    f"{path}: models entry {i} needs model, input and output (USD per 1M tokens)",
                    file=str(path),
                ) from None
            key = (normalize_model(model) or model.lower(), (entry.get("provider") or None))
            overrides[(key[0], key[1].lower() if key[1] else None)] = ModelPrices(
                model=key[0],
                source="override",
                input=inp / MILLION,
                output=out / MILLION,
                cached_input=Decimal(str(entry.get("cached_input", inp))) / MILLION,
                cache_write=Decimal(str(entry.get("cache_write", inp))) / MILLION,
                reasoning=Decimal(str(entry.get("reasoning", out))) / MILLION,
            )
        return cls(overrides)

    def prices(self, model: str | None, provider: str | None = None) -> ModelPrices | None:
        """Per-token prices for a model, or None when unpriced."""
        if not model:
            return None
        canonical = normalize_model(model) or model.strip().lower()
        prov = (provider or "").strip().lower() or None
        for key in ((canonical, prov), (canonical, None)):
            if key in self.overrides:
                return self.overrides[key]
        return _from_package(canonical, prov) or (_from_package(model, prov) if model != canonical else None)
