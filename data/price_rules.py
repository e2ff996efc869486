"""The providers' published pricing rules that the price catalog applies on top of genai-prices' data: how a
service tier, a cache TTL or an inference geography changes a model's per-token price when the catalog has no
price of its own for that case. Each rule names the page it comes from (docs/telemetry.md, "Pricing rules").

Service tiers (`usage_events.service_tier`, normalised by `normalize_tier`):
- `standard` (OpenAI `default`/`auto`, Anthropic `standard`/`standard_only`): the list price.
- `batch` (OpenAI Batch API, Anthropic Message Batches, Gemini/Vertex batch, Bedrock batch inference): 50% of
  input and output (and reasoning). Anthropic's prompt-caching multipliers stack with the batch discount, so its
  cache reads and writes are halved too; the others keep the standard cache price.
- `flex` (OpenAI flex processing, Gemini flex): the batch price (OpenAI prices flex at Batch API rates).
- `priority` (OpenAI priority processing, Gemini priority): the catalog's priority price; there is no uniform
  rule, so a model without one is priced at standard and the estimate says so.
- committed capacity, bought up front rather than per token: OpenAI `scale` and Anthropic `priority` (Priority
  Tier is a capacity commitment). Their tokens are valued at the standard list price and flagged committed, like
  a PTU: the bill carries the commitment, not the tokens.

Cache writes: the 5-minute TTL is the catalog's cache-write price; a 1-hour write is the catalog's
`cache_write_1h` price, else 2x the base input price for Claude models (Anthropic, Bedrock, Vertex), else the
5-minute price.

Inference geography (`usage_events.inference_geo`; NULL or `global` is the default routing):
- Claude API `inference_geo: "us"`: 1.1x every token price, on the models that accept the parameter (Claude Opus
  4.6 and later; older models reject it and are billed at the standard rate).
- Claude on Amazon Bedrock and Vertex AI, from Claude Sonnet 4.5 on: a geographic/regional inference profile or
  endpoint costs 1.1x the global one. (Where genai-prices lists the regional id itself, its price is used.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

STANDARD = "standard"
KNOWN_TIERS = ("standard", "batch", "flex", "priority", "scale")
_TIER_ALIASES = {
    "": STANDARD,
    "default": STANDARD,
    "auto": STANDARD,
    "standard": STANDARD,
    "standard_only": STANDARD,
    "on_demand": STANDARD,
    "on-demand": STANDARD,
    "ondemand": STANDARD,
    "pay_as_you_go": STANDARD,
    "payg": STANDARD,
    "batches": "batch",
    "batch_api": "batch",
    "message_batches": "batch",
    "priority_tier": "priority",
    "scale_tier": "scale",
}
HALF = Decimal("0.5")
GEO_PREMIUM = Decimal("1.1")
ONE_HOUR_CACHE_FACTOR = Decimal(2)

# providers (genai-prices ids) whose batch price is half the standard price
BATCH_HALF = frozenset({"anthropic", "openai", "azure", "google", "aws", "mistral", "groq", "x-ai"})
# providers whose batch discount also halves cache reads and writes
BATCH_HALVES_CACHE = frozenset({"anthropic"})
# providers that price flex at their batch rate
FLEX_AS_BATCH = frozenset({"openai", "azure", "google"})
# (genai-prices provider id, tier): capacity bought up front, not billed per token
COMMITTED_TIERS = frozenset({("openai", "scale"), ("azure", "scale"), ("anthropic", "priority")})
# telemetry providers (OpenTelemetry names) served from the customer's own GPUs: no per-token price
SELF_HOSTED = frozenset(
    {
        "self_hosted",
        "self-hosted",
        "vllm",
        "sglang",
        "tgi",
        "ollama",
        "llama.cpp",
        "triton",
        "lmdeploy",
        "local",
    }
)


def normalize_tier(value: object) -> str:
    """The service tier a request ran at, in spendscope's words (`standard`, `batch`, `flex`, `priority`,
    `scale`, or the provider's own word, lower case, for tiers with no rule)."""
    text = str(value or "").strip().lower().replace(" ", "_")
    return _TIER_ALIASES.get(text, text) or STANDARD


def tier_sql(expr: str) -> str:
    """SQL normalising a tier column the way `normalize_tier` does (NULL stays NULL: no tier reported)."""
    low = f"replace(lower(trim(CAST({expr} AS VARCHAR))), ' ', '_')"
    whens = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in _TIER_ALIASES.items())
    return f"(CASE WHEN {expr} IS NULL THEN NULL ELSE (CASE {low} {whens} ELSE {low} END) END)"


def normalize_geo(value: object) -> str | None:
    """The inference geography in spendscope's words: None for the default/global routing, else lower case."""
    text = str(value or "").strip().lower()
    return None if text in ("", "global", "default", "none", "null") else text


def geo_sql(expr: str) -> str:
    """SQL normalising an inference-geo column the way `normalize_geo` does."""
    low = f"lower(trim(CAST({expr} AS VARCHAR)))"
    return f"(CASE WHEN {low} IN ('', 'global', 'default', 'none', 'null') THEN NULL ELSE {low} END)"


# Bedrock inference profile prefixes: `us.anthropic.claude-...` routes within a geography, `global.` anywhere;
# a bare `anthropic.claude-...` id runs in the caller's Region.
BEDROCK_GEO_PREFIXES = ("us-gov", "us", "eu", "apac", "au", "jp", "ca", "in", "global")


def bedrock_geo_sql(raw_model: str) -> str:
    """SQL: the inference geography a Bedrock model id implies (NULL when it names none)."""
    r = f"lower(coalesce({raw_model}, ''))"
    whens = " ".join(
        f"WHEN starts_with({r}, '{p}.') THEN {'NULL' if p == 'global' else repr(p)}"
        for p in BEDROCK_GEO_PREFIXES
    )
    return f"(CASE {whens} WHEN regexp_matches({r}, '^[a-z0-9-]+\\.[a-z]') THEN 'regional' END)"


_CLAUDE_VERSION = re.compile(
    r"^claude-(?:(?P<fam1>[a-z]+)-(?P<a1>\d+)(?:-(?P<b1>\d))?|(?P<a2>\d+)(?:-(?P<b2>\d))?-(?P<fam2>[a-z]+))"
)


def claude_version(model: str) -> tuple[int, int] | None:
    """(major, minor) of a canonical Claude id: claude-sonnet-4-5 -> (4, 5), claude-3-5-haiku -> (3, 5)."""
    m = _CLAUDE_VERSION.match(model or "")
    if not m:
        return None
    major = m.group("a1") or m.group("a2")
    minor = m.group("b1") or m.group("b2") or "0"
    return int(major), int(minor)


def is_claude(model: str | None) -> bool:
    return bool(model) and str(model).startswith("claude")


@dataclass(frozen=True)
class GeoRule:
    """A geography premium that applies to one request."""

    factor: Decimal
    reason: str


def geo_premium(
    provider_id: str | None, telemetry_provider: str | None, model: str, geo: str | None
) -> GeoRule | None:
    """The premium an inference geography adds to a model's global price, or None."""
    if geo is None or not is_claude(model):
        return None
    version = claude_version(model) or (0, 0)
    tel = (telemetry_provider or "").lower()
    if provider_id == "anthropic" and not tel.startswith(("aws", "gcp", "azure")):
        if geo == "us" and version >= (4, 6):
            return GeoRule(
                GEO_PREMIUM, "US-only inference (inference_geo us): 1.1x on Claude Opus 4.6 and later"
            )
        return None
    if (tel.startswith("aws") or tel.startswith("gcp") or provider_id in ("aws", "google")) and version >= (
        4,
        5,
    ):
        return GeoRule(
            GEO_PREMIUM, f"regional endpoint ({geo}): 1.1x the global price from Claude Sonnet 4.5 on"
        )
    return None


def tier_context(tier: str) -> dict[str, str]:
    """genai-prices' price-variant context for a tier."""
    if tier == "batch":
        return {"processing": "batch"}
    return {"service_tier": tier}


def is_committed(provider_id: str | None, tier: str) -> bool:
    return (provider_id or "", tier) in COMMITTED_TIERS
