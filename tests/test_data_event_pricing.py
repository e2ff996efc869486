"""Telemetry priced with tiers and dates: every source records the tier, geography, 1-hour cache writes and a
cost it reports; the catalog's estimate is kept beside the reported cost; `reprice` re-estimates stored events.
Expected costs are worked out by hand from the providers' published prices (USD per 1M tokens)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from spendscope.data.errors import ImportRejected, UnknownValue
from spendscope.data.events import import_events_file
from spendscope.data.import_litellm import import_litellm
from spendscope.data.otel import import_otel_file
from spendscope.data.prices import PriceCatalog
from spendscope.data.reprice import reprice_events
from spendscope.data.store import Store

M = Decimal(1_000_000)


def _write(tmp_path: Path, name: str, rows: list[dict[str, Any]]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def _events(store: Store) -> dict[str, dict[str, Any]]:
    with store.reader() as con:
        cur = con.execute("SELECT * FROM usage_events")
        cols = [d[0] for d in cur.description]
        return {r[0]: dict(zip(cols, r, strict=True)) for r in cur.fetchall()}


EVENTS = [
    # the example: 300k input tokens on Claude Sonnet 4.5 -> $6 / $22.50 per 1M for the whole request
    {"event_id": "long", "ts": "2026-03-02T10:00:00Z", "provider": "anthropic", "model": "claude-sonnet-4-5",
     "input_tokens": 300000, "output_tokens": 1000},
    # OpenAI flex (the response's word "flex"): o4-mini $0.55 / $2.20
    {"event_id": "flex", "ts": "2026-10-20T10:00:00Z", "provider": "openai", "model": "o4-mini-2025-04-16",
     "service_tier": "Flex", "input_tokens": 10000, "output_tokens": 2000, "reasoning_tokens": 1000},
    # Anthropic batch: Claude Haiku 4.5 at half price, caching included
    {"event_id": "batch", "ts": "2026-10-20T10:00:00Z", "provider": "anthropic", "model": "claude-haiku-4-5",
     "service_tier": "batch", "input_tokens": 10000, "cached_input_tokens": 20000, "output_tokens": 1000},
    # a Bedrock US inference profile: 1.1x the global price; 400 of 1,000 cache writes with a 1-hour TTL
    {"event_id": "geo", "ts": "2026-10-20T10:00:00Z", "provider": "aws.bedrock",
     "model": "us.anthropic.claude-haiku-4-5-20251001-v1:0", "input_tokens": 10000, "output_tokens": 1000,
     "cache_write_tokens": 1000, "cache_write_1h_tokens": 400},
    # a cost the source reported wins; the catalog's estimate is kept beside it
    {"event_id": "reported", "ts": "2026-10-20T10:00:00Z", "provider": "openai", "model": "gpt-4.1-mini",
     "input_tokens": 1000000, "output_tokens": 0, "reported_cost": 0.35},
    # a source that reports only 1-hour cache writes: they are the cache writes (Haiku 4.5: $2 per 1M)
    {"event_id": "only1h", "ts": "2026-10-20T10:00:00Z", "provider": "anthropic", "model": "claude-haiku-4-5",
     "cache_write_1h_tokens": 1000},
    # 3 requests of 100k: each below the 200k threshold
    {"event_id": "batched", "ts": "2026-10-20T10:00:00Z", "provider": "anthropic", "model": "claude-sonnet-4-5",
     "input_tokens": 300000, "output_tokens": 3000, "requests": 3},
]  # fmt: skip


@pytest.fixture
def priced(store: Store, tmp_path: Path) -> Store:
    import_events_file(store, _write(tmp_path, "events.jsonl", EVENTS))
    return store


def test_each_event_is_priced_at_its_tier_band_geography_and_cache_ttl(priced: Store) -> None:
    ev = _events(priced)
    assert ev["long"]["estimated_cost"] == Decimal("1.8225") and ev["long"]["long_context"] is True
    assert ev["flex"]["service_tier"] == "flex"
    assert ev["flex"]["estimated_cost"] == (10000 * Decimal("0.55") + 3000 * Decimal("2.2")) / M
    assert (
        ev["batch"]["estimated_cost"]
        == (10000 * Decimal("0.5") + 20000 * Decimal("0.05") + 1000 * Decimal("2.5")) / M
    )
    geo = ev["geo"]
    assert geo["inference_geo"] == "us"
    assert (
        geo["estimated_cost"]
        == (10000 * Decimal("1.1") + 1000 * Decimal("5.5") + 600 * Decimal("1.375") + 400 * Decimal("2.2"))
        / M
    )
    assert (ev["only1h"]["cache_write_tokens"], ev["only1h"]["estimated_cost"]) == (1000, 1000 * 2 / M)
    assert ev["batched"]["long_context"] is False
    assert ev["batched"]["estimated_cost"] == (300000 * 3 + 3000 * 15) / M
    for e in ev.values():
        assert e["price_source"] and e["priced"] is True


def test_a_reported_cost_wins_and_the_catalog_estimate_stays_beside_it(priced: Store) -> None:
    e = _events(priced)["reported"]
    assert e["cost_source"] == "reported" and e["reported_cost"] == Decimal("0.35")
    assert e["estimated_cost"] == Decimal("0.35")
    assert e["catalog_cost"] == Decimal("0.4")  # gpt-4.1-mini: $0.40 per 1M input tokens
    assert _events(priced)["flex"]["cost_source"] == "catalog"


def test_a_dated_override_prices_each_event_at_the_price_in_force_at_its_time(
    store: Store, tmp_path: Path
) -> None:
    prices = tmp_path / "prices.yaml"
    prices.write_text(
        "models:\n  - {model: house-model, until: 2026-10-15, input: 2, output: 4}\n"
        "  - {model: house-model, from: 2026-10-15, input: 1, output: 2}\n",
        encoding="utf-8",
    )
    rows = [
        {"event_id": "old", "ts": "2026-10-14T23:59:59Z", "provider": "self_hosted", "model": "house-model",
         "input_tokens": 1000000},
        {"event_id": "new", "ts": "2026-10-15T00:00:00Z", "provider": "self_hosted", "model": "house-model",
         "input_tokens": 1000000},
    ]  # fmt: skip
    import_events_file(store, _write(tmp_path, "ev.jsonl", rows), catalog=PriceCatalog.load(prices))
    ev = _events(store)
    assert (ev["old"]["estimated_cost"], ev["new"]["estimated_cost"]) == (Decimal(2), Decimal(1))


# --- reprice ---------------------------------------------------------------------------------------------


def test_reprice_shows_the_change_first_and_writes_only_when_asked(priced: Store, tmp_path: Path) -> None:
    prices = tmp_path / "prices.yaml"
    prices.write_text(
        "discounts:\n  - {model: claude-sonnet-4-5, provider: anthropic, percent: 20, from: 2026-10-01}\n",
        encoding="utf-8",
    )
    catalog = PriceCatalog.load(prices)
    before = _events(priced)
    dry = reprice_events(priced, catalog, dry_run=True)
    assert dry.run_id is None and dry.changed == 1  # only the October Sonnet event falls in the discount
    line = next(x for x in dry.lines if x.model == "claude-sonnet-4-5" and x.changed)
    assert line.change == pytest.approx(-float((300000 * 3 + 3000 * 15) / M) * 0.2)
    assert _events(priced) == before  # nothing written
    done = reprice_events(priced, catalog, since=dt.date(2026, 10, 1), prices_file=str(prices))
    after = _events(priced)
    assert done.run_id and done.changed == 1
    assert after["batched"]["estimated_cost"] == (300000 * 3 + 3000 * 15) / M * Decimal("0.8")
    assert after["long"]["estimated_cost"] == Decimal("1.8225")  # before `since`: untouched
    assert after["reported"]["estimated_cost"] == Decimal("0.35")  # a reported cost still wins
    with priced.reader() as con:
        runs = con.execute("SELECT run_id, events, changed, prices_file FROM reprice_runs").fetchall()
    assert runs == [(done.run_id, done.events, 1, str(prices))]
    assert reprice_events(priced, catalog, dry_run=True).changed == 0  # idempotent


def test_reprice_of_an_unknown_provider_or_model_is_an_error_with_what_exists(priced: Store) -> None:
    with pytest.raises(UnknownValue) as info:
        reprice_events(priced, PriceCatalog(), provider="cohere", dry_run=True)
    assert info.value.code == "unknown_value" and "anthropic" in info.value.message
    with pytest.raises(UnknownValue):
        reprice_events(priced, PriceCatalog(), model="gpt-9", dry_run=True)


# --- OpenTelemetry, LiteLLM ------------------------------------------------------------------------------------


def _span(attrs: dict[str, Any], span_id: str) -> dict[str, Any]:
    def value(v: Any) -> dict[str, Any]:
        if isinstance(v, bool):
            return {"boolValue": v}
        if isinstance(v, int):
            return {"intValue": str(v)}
        if isinstance(v, float):
            return {"doubleValue": v}
        return {"stringValue": v}

    return {
        "traceId": "0af7651916cd43dd8448eb211c80319c",
        "spanId": span_id,
        "name": "chat",
        "startTimeUnixNano": "1792488000000000000",
        "endTimeUnixNano": "1792488001000000000",
        "attributes": [{"key": k, "value": value(v)} for k, v in attrs.items()],
    }


def _otlp(tmp_path: Path, spans: list[dict[str, Any]]) -> Path:
    body = {"resourceSpans": [{"resource": {"attributes": []}, "scopeSpans": [{"spans": spans}]}]}
    return _write(tmp_path, "traces.jsonl", [body])


def test_otel_spans_carry_the_service_tier_the_reported_cost_and_one_hour_cache_writes(
    store: Store, tmp_path: Path
) -> None:
    base = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "o4-mini",
    }
    spans = [
        _span({**base, "gen_ai.usage.input_tokens": 10000, "gen_ai.usage.output_tokens": 3000,
               "gen_ai.openai.request.service_tier": "auto", "openai.response.service_tier": "flex"}, "a1"),
        _span({**base, "gen_ai.usage.input_tokens": 1000, "gen_ai.usage.output_tokens": 100,
               "gen_ai.usage.cost.amount": 0.0123, "gen_ai.usage.cost.currency": "USD",
               "gen_ai.usage.cost.source": "provider"}, "a2"),
        _span({**base, "gen_ai.usage.input_tokens": 1000, "gen_ai.usage.output_tokens": 100,
               "gen_ai.usage.cost.amount": 0.5, "gen_ai.usage.cost.currency": "EUR"}, "a3"),
        _span({"gen_ai.operation.name": "chat", "gen_ai.provider.name": "anthropic",
               "gen_ai.request.model": "claude-haiku-4-5", "gen_ai.usage.input_tokens": 2000,
               "gen_ai.usage.output_tokens": 100, "gen_ai.usage.cache_creation.input_tokens": 1000,
               "gen_ai.usage.cache_creation.ephemeral_1h.input_tokens": 1000}, "a4"),
    ]  # fmt: skip
    result = import_otel_file(store, _otlp(tmp_path, spans))
    assert any("another currency" in w for w in result.warnings)
    ev = {k[-2:]: v for k, v in _events(store).items()}
    assert ev["a1"]["service_tier"] == "flex"  # the response's tier wins over the request's "auto"
    assert ev["a1"]["estimated_cost"] == (10000 * Decimal("0.55") + 3000 * Decimal("2.2")) / M
    assert ev["a2"]["reported_cost"] == Decimal("0.0123") and ev["a2"]["estimated_cost"] == Decimal("0.0123")
    assert json.loads(ev["a2"]["tags"])["cost.source"] == "provider"
    assert ev["a3"]["reported_cost"] is None and ev["a3"]["cost_source"] == "catalog"
    # OTel input_tokens include cache writes: 1,000 uncached + 1,000 written for an hour ($2 per 1M on Haiku 4.5)
    assert (ev["a4"]["input_tokens"], ev["a4"]["cache_write_1h_tokens"]) == (1000, 1000)
    assert ev["a4"]["estimated_cost"] == (1000 * 1 + 1000 * 2 + 100 * 5) / M


def test_a_non_numeric_otel_cost_rejects_the_file_naming_the_attribute(store: Store, tmp_path: Path) -> None:
    attrs = {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.usage.input_tokens": 1,
    }
    span = _span({**attrs, "gen_ai.usage.cost.amount": "a lot"}, "b1")
    with pytest.raises(ImportRejected) as info:
        import_otel_file(store, _otlp(tmp_path, [span]))
    assert info.value.code == "import_rejected" and "gen_ai.usage.cost.amount" in info.value.message


def test_litellm_logging_payload_gives_its_response_cost_and_service_tier(
    store: Store, tmp_path: Path
) -> None:
    payload = {
        "id": "chatcmpl-77",
        "call_type": "acompletion",
        "response_cost": 0.00451,
        "startTime": 1792488000.25,
        "endTime": 1792488002.5,
        "model": "o4-mini",
        "custom_llm_provider": "openai",
        "prompt_tokens": 3000,
        "completion_tokens": 1000,
        "model_parameters": {"service_tier": "flex", "temperature": 1},
        "metadata": {"user_api_key_team_alias": "search"},
        "messages": [{"role": "user", "content": "SECRET"}],
    }
    result = import_litellm(store, _write(tmp_path, "payloads.jsonl", [payload]))
    assert result.rows_inserted == 1
    e = _events(store)["litellm:chatcmpl-77"]
    assert (e["service_tier"], e["team"], e["cost_source"]) == ("flex", "search", "reported")
    assert e["reported_cost"] == e["estimated_cost"] == Decimal("0.00451")
    assert e["catalog_cost"] == (3000 * Decimal("0.55") + 1000 * Decimal("2.2")) / M
    assert e["ts"] == dt.datetime.fromtimestamp(
        1792488000.25, dt.UTC
    )  # epoch seconds, as the payload carries
