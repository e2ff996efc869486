"""Embedding models are priced: the bundled catalog (genai-prices) lists only an input price for them (an embedding
request has no output tokens), and the catalog used to require an output price, so `text-embedding-3-small`
events were unpriced. Expected prices come from genai-prices' own calc_price, not from our catalog."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from genai_prices import Usage, calc_price
from spendscope.data.events import import_events_file
from spendscope.data.naming import provider_from_model, provider_from_model_sql
from spendscope.data.prices import INPUT_ONLY, PriceCatalog
from spendscope.data.store import Store

# (model as a source spells it, provider as the source names it, genai-prices model id, genai-prices provider id)
SPELLINGS = [
    ("text-embedding-3-small", "openai", "text-embedding-3-small", "openai"),
    ("openai/text-embedding-3-small", "openai", "text-embedding-3-small", "openai"),
    ("TEXT-EMBEDDING-3-LARGE", "openai", "text-embedding-3-large", "openai"),
    ("text-embedding-ada-002-v2", "openai", "text-embedding-ada-002", "openai"),
    ("text-embedding-3-small", "azure.ai.openai", "text-embedding-3-small", "azure"),
    ("amazon.titan-embed-text-v2:0", "aws.bedrock", "amazon.titan-embed-text-v2:0", "aws"),
    ("gemini-embedding-001", "gcp.vertex_ai", "gemini-embedding-001", "google"),
]
TOKENS = 123_456


def _expected(model: str, provider: str) -> Decimal:
    return calc_price(Usage(input_tokens=TOKENS), model, provider_id=provider).total_price


@pytest.mark.parametrize(("model", "provider", "genai_model", "genai_provider"), SPELLINGS)
def test_an_embedding_model_is_priced_at_its_input_price_with_a_note(
    model: str, provider: str, genai_model: str, genai_provider: str
) -> None:
    price = PriceCatalog().price(model, provider)
    assert price is not None, f"{provider}/{model} is unpriced"
    assert price.cost(input=TOKENS) == _expected(genai_model, genai_provider)
    assert price.rates.output == 0 and INPUT_ONLY in price.notes


def test_a_model_that_writes_output_with_only_an_input_price_stays_unpriced() -> None:
    """The catalog lists Azure's legacy completions models (davinci, ada) with an input price only: their output
    tokens at 0 would understate them, so they stay unpriced as before, never priced low."""
    for model in ("davinci", "ada"):
        assert PriceCatalog().price(model, "azure") is None


def test_a_model_with_an_output_price_carries_no_input_only_note() -> None:
    price = PriceCatalog().price("gpt-4o-mini", "openai")
    assert price is not None and price.rates.output > 0 and INPUT_ONLY not in price.notes


def test_embedding_events_get_an_estimated_cost(store: Store, tmp_path: Path) -> None:
    """Through the telemetry import, the path that left them unpriced."""
    events = [
        {
            "event_id": f"e{i}",
            "ts": "2026-10-20T10:00:00Z",
            "provider": provider,
            "model": model,
            "input_tokens": TOKENS,
        }
        for i, (model, provider, _, _) in enumerate(SPELLINGS[:5])
    ]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(json.dumps(e) for e in events) + "\n", encoding="utf-8")
    result = import_events_file(store, path)
    assert not [w for w in result.warnings if "unpriced" in w]
    with store.reader() as con:
        got = dict(con.execute("SELECT event_id, estimated_cost FROM usage_events").fetchall())
    assert got == {f"e{i}": _expected(m, p) for i, (_, _, m, p) in enumerate(SPELLINGS[:5])}


def test_a_model_asked_for_without_a_provider_is_found_through_its_family() -> None:
    """genai-prices finds a model without a provider by its providers' name patterns, which miss OpenAI's
    embeddings: `spendscope prices show text-embedding-3-small` answered "no price ...; did you mean
    text-embedding-3-small". The provider the family implies (the one telemetry imports infer) is tried next."""
    catalog = PriceCatalog()
    for model in ("text-embedding-3-small", "Text-Embedding-3-Large"):
        price = catalog.price(model)
        assert price is not None and price.source.startswith("genai-prices:openai/")
        assert price.cost(input=TOKENS) == _expected(model.lower(), "openai")
    assert catalog.price("bge-large-en-v1.5") is None  # no family: still unpriced, never $0


def test_the_model_family_rule_is_the_same_in_python_and_sql() -> None:
    names = [
        "claude-haiku-4-5",
        "GPT-4o",
        "o3-mini",
        "text-embedding-3-small",
        "gemini-2.5-pro",
        "llama-3",
        "",
    ]
    con = duckdb.connect()
    rows = con.execute(
        f"SELECT {provider_from_model_sql('n')} FROM unnest(CAST(? AS VARCHAR[])) WITH ORDINALITY AS t(n, i) "
        "ORDER BY i",
        [names],
    ).fetchall()
    in_sql = [r[0] for r in rows]
    assert in_sql == [provider_from_model(n) for n in names]
    assert in_sql[:4] == ["anthropic", "openai", "openai", "openai"] and in_sql[-2:] == [None, None]
