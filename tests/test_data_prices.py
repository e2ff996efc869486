"""The price catalog's tier and date rules, checked against the providers' published examples.

Expected figures are worked out by hand from the providers' pricing pages (quoted beside each), not read back
from genai-prices, so a wrong rule or a wrong lookup fails here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from spendscope.data.errors import InvalidArgument
from spendscope.data.prices import PriceCatalog

M = Decimal(1_000_000)
DAY = dt.date(2026, 10, 20)


def per_m(value: Decimal) -> Decimal:
    return (value * M).normalize()


@pytest.fixture(scope="module")
def catalog() -> PriceCatalog:
    return PriceCatalog()


# --- long context ----------------------------------------------------------------------------------------


def test_claude_sonnet_4_5_above_200k_input_bills_every_token_at_the_long_context_rate(catalog) -> None:
    # Anthropic: above 200k input tokens, the whole request is billed at $6 input / $22.50 output per 1M.
    price = catalog.price("claude-sonnet-4-5", "anthropic", on=DAY)
    assert price.cost(input=300_000, output=1_000) == Decimal("1.8225")
    # at or below 200k the base $3 / $15 apply
    assert price.cost(input=200_000, output=1_000) == Decimal("0.615")


def test_the_long_context_threshold_counts_cache_reads_and_writes(catalog) -> None:
    # Anthropic: the 200k threshold counts input_tokens + cache_read_input_tokens + cache_creation_input_tokens
    price = catalog.price("claude-sonnet-4-5", "anthropic", on=DAY)
    cost = price.cost(input=150_000, cached_input=40_000, cache_write=20_000, output=1_000)
    expected = (150_000 * 6 + 40_000 * Decimal("0.6") + 20_000 * Decimal("7.5") + 1_000 * Decimal("22.5")) / M
    assert cost == expected


def test_a_batch_of_identical_requests_is_banded_per_request(catalog) -> None:
    price = catalog.price("claude-sonnet-4-5", "anthropic", on=DAY)
    # 3 requests of 100k input each: each is below 200k, so the base rate applies to all 300k tokens
    assert price.cost(input=300_000, output=3_000, requests=3) == (300_000 * 3 + 3_000 * 15) / M


def test_gemini_2_5_pro_prompts_above_200k_cost_2_50_and_15_per_million(catalog) -> None:
    # Google: Gemini 2.5 Pro input $1.25 (<=200k) / $2.50 (>200k), output $10 / $15 per 1M tokens
    price = catalog.price("gemini-2.5-pro", "gcp.vertex_ai", on=DAY)
    assert price.cost(input=100_000, output=1_000) == (100_000 * Decimal("1.25") + 1_000 * 10) / M
    assert price.cost(input=250_000, output=1_000) == (250_000 * Decimal("2.5") + 1_000 * 15) / M


# --- cache writes ------------------------------------------------------------------------------------------


def test_anthropic_cache_writes_cost_1_25x_for_5_minutes_and_2x_for_an_hour(catalog) -> None:
    # Anthropic prompt caching: 5-minute writes 1.25x base input, 1-hour writes 2x, reads 0.1x
    r = catalog.price("claude-haiku-4-5", "anthropic", on=DAY).rates
    assert (per_m(r.input), per_m(r.cache_write), per_m(r.cache_write_1h), per_m(r.cached_input)) == (
        Decimal("1"),
        Decimal("1.25"),
        Decimal("2"),
        Decimal("0.1"),
    )
    price = catalog.price("claude-haiku-4-5", "anthropic", on=DAY)
    # 1,000 cache-write tokens of which 400 with a 1-hour TTL
    assert price.cost(cache_write=1_000, cache_write_1h=400) == (600 * Decimal("1.25") + 400 * 2) / M


# --- service tiers ------------------------------------------------------------------------------------------


def test_batch_is_half_price_for_anthropic_including_cache(catalog) -> None:
    # Anthropic Message Batches: 50% of standard; prompt-caching multipliers stack with the batch discount
    r = catalog.price("claude-haiku-4-5", "anthropic", on=DAY, tier="batch").rates
    assert (per_m(r.input), per_m(r.output), per_m(r.cached_input), per_m(r.cache_write)) == (
        Decimal("0.5"),
        Decimal("2.5"),
        Decimal("0.05"),
        Decimal("0.625"),
    )


def test_openai_flex_is_half_the_standard_rate_for_o4_mini(catalog) -> None:
    # OpenAI flex processing: o4-mini $0.55 input / $2.20 output per 1M (standard $1.10 / $4.40)
    std = catalog.price("o4-mini", "openai", on=DAY).rates
    flex = catalog.price("o4-mini", "openai", on=DAY, tier="flex").rates
    assert (per_m(std.input), per_m(std.output)) == (Decimal("1.1"), Decimal("4.4"))
    assert (per_m(flex.input), per_m(flex.output)) == (Decimal("0.55"), Decimal("2.2"))


def test_openai_priority_processing_of_gpt_5_costs_2_50_and_20(catalog) -> None:
    # OpenAI priority processing: GPT-5 $2.50 input / $20.00 output per 1M (standard $1.25 / $10)
    r = catalog.price("gpt-5", "openai", on=DAY, tier="priority").rates
    assert (per_m(r.input), per_m(r.output)) == (Decimal("2.5"), Decimal("20"))


def test_tier_words_of_the_apis_mean_the_standard_tier(catalog) -> None:
    std = catalog.price("gpt-4.1-mini", "openai", on=DAY)
    for word in ("default", "auto", "standard", None):
        assert catalog.price("gpt-4.1-mini", "openai", on=DAY, tier=word).rates == std.rates


def test_committed_capacity_is_valued_at_list_and_flagged(catalog) -> None:
    # OpenAI Scale Tier and Anthropic Priority Tier are bought up front as capacity, not per token
    scale = catalog.price("gpt-4.1-mini", "openai", on=DAY, tier="scale")
    priority = catalog.price("claude-sonnet-4-5", "anthropic", on=DAY, tier="priority")
    assert scale.committed and priority.committed
    assert scale.rates == catalog.price("gpt-4.1-mini", "openai", on=DAY).rates


def test_a_tier_recorded_only_recently_also_prices_earlier_days(catalog) -> None:
    # genai-prices records OpenAI flex rates from 2026-10-12 on; flex existed before, at the same rate
    before = catalog.price("o4-mini", "openai", on=dt.date(2026, 8, 1), tier="flex")
    assert per_m(before.rates.input) == Decimal("0.55")


def test_a_tier_the_catalog_lacks_is_priced_at_standard_and_says_so(catalog) -> None:
    price = catalog.price("gemini-2.5-pro", "gcp.vertex_ai", on=DAY, tier="priority")
    assert price.fallback and price.notes and "priced at standard" in price.notes[0]


def test_reasoning_tokens_are_priced_as_output(catalog) -> None:
    price = catalog.price("o4-mini", "openai", on=DAY)
    assert price.cost(reasoning=1_000) == price.cost(output=1_000) == Decimal("4.4") * 1_000 / M


# --- inference geography -------------------------------------------------------------------------------------


def test_a_bedrock_us_inference_profile_costs_1_1x_the_global_one(catalog) -> None:
    # AWS: global cross-Region inference is about 10% cheaper than geographic profiles (Claude 4.5+)
    us = catalog.price("claude-haiku-4-5", "aws.bedrock", on=DAY, geo="us").rates
    glob = catalog.price("claude-haiku-4-5", "aws.bedrock", on=DAY).rates
    assert (per_m(us.input), per_m(us.output)) == (Decimal("1.1"), Decimal("5.5"))
    assert (per_m(glob.input), per_m(glob.output)) == (Decimal("1"), Decimal("5"))


def test_us_only_inference_on_the_claude_api_is_1_1x_from_opus_4_6_on(catalog) -> None:
    # Anthropic: US-only inference is billed at 1.1x for Opus 4.6, Sonnet 4.6 and later; 4.5 models standard
    opus = catalog.price("claude-opus-4-6", "anthropic", on=DAY, geo="us").rates
    assert (per_m(opus.input), per_m(opus.output)) == (Decimal("5.5"), Decimal("27.5"))
    sonnet = catalog.price("claude-sonnet-4-5", "anthropic", on=DAY, geo="us").rates
    assert per_m(sonnet.input) == Decimal("3")


# --- dates -------------------------------------------------------------------------------------------------


def test_a_dated_catalog_change_splits_the_price_into_validity_windows(catalog) -> None:
    # Claude Sonnet 4.6 lost its long-context premium on 2026-03-13 (genai-prices records the date)
    windows = catalog.windows("claude-sonnet-4-6", "anthropic")
    assert [(w.start, w.end) for w in windows] == [(None, dt.date(2026, 3, 13)), (dt.date(2026, 3, 13), None)]
    old = catalog.price("claude-sonnet-4-6", "anthropic", on=dt.date(2026, 3, 12))
    new = catalog.price("claude-sonnet-4-6", "anthropic", on=dt.date(2026, 3, 13))
    assert old.cost(input=300_000) == 300_000 * 6 / M
    assert new.cost(input=300_000) == 300_000 * 3 / M


def test_an_unknown_model_is_unpriced_never_zero(catalog) -> None:
    assert catalog.price("not-a-model-anyone-sells") is None
    assert catalog.prices("not-a-model-anyone-sells") is None


# --- the price file -------------------------------------------------------------------------------------------


def _file(tmp_path: Path, text: str) -> PriceCatalog:
    path = tmp_path / "prices.yaml"
    path.write_text(text, encoding="utf-8")
    return PriceCatalog.load(path)


def test_dated_overrides_and_discounts_apply_inside_their_dates_only(tmp_path: Path) -> None:
    cat = _file(
        tmp_path,
        """
models:
  - model: my-finetune
    provider: openai
    until: 2026-07-01
    input: 2.00
    output: 8.00
  - model: my-finetune
    provider: openai
    from: 2026-07-01
    input: 1.50
    output: 6.00
    long_context: {threshold: 100000, input: 3.00, output: 9.00}
discounts:
  - model: claude-sonnet-4-5
    provider: anthropic
    percent: 12
    from: 2026-03-01
    until: 2027-03-01
""",
    )
    june = cat.price("my-finetune", "openai", on=dt.date(2026, 6, 30))
    july = cat.price("my-finetune", "openai", on=dt.date(2026, 7, 1))
    assert per_m(june.rates.input) == Decimal("2") and per_m(july.rates.input) == Decimal("1.5")
    assert july.cost(input=150_000) == 150_000 * 3 / M
    # batch of a private model follows the provider's rule from its override (OpenAI batch: 50%)
    assert per_m(
        cat.price("my-finetune", "openai", on=dt.date(2026, 7, 1), tier="batch").rates.input
    ) == Decimal("0.75")
    before = cat.price("claude-sonnet-4-5", "anthropic", on=dt.date(2026, 2, 28))
    during = cat.price("claude-sonnet-4-5", "anthropic", on=dt.date(2026, 3, 1))
    assert per_m(before.rates.input) == Decimal("3") and per_m(during.rates.input) == Decimal("2.64")
    assert "discounts entry 1" in during.source
    starts = [w.start for w in cat.windows("claude-sonnet-4-5", "anthropic")]
    assert dt.date(2026, 3, 1) in starts and dt.date(2027, 3, 1) in starts


@pytest.mark.parametrize(
    "text",
    [
        "models:\n  - model: x\n    input: 1\n",  # no output
        "models:\n  - model: x\n    input: 1\n    output: 2\n    from: 2026-13-01\n",  # bad date
        "models:\n  - model: x\n    input: -1\n    output: 2\n",  # negative price
        "models:\n  - model: x\n    input: 1\n    output: 2\n    colour: red\n",  # unknown key
        "models:\n  - {model: x, input: 1, output: 2, from: 2026-01-01}\n  - {model: x, input: 1, output: 2}\n",
        "discounts:\n  - {model: x, percent: 120}\n",
        "models:\n  - {model: x, input: 1, output: 2, from: 2026-02-01, until: 2026-01-01}\n",
    ],
)
def test_a_bad_price_file_entry_is_an_error_naming_it(tmp_path: Path, text: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        _file(tmp_path, text)
    assert info.value.code == "invalid_argument"
    assert "prices.yaml" in info.value.message and "entr" in info.value.message
