"""The cheap test every model lookup starts with (data/models.py `may_name_model`, and its SQL twin, which lets
imports skip resource ids that cannot name a model) never hides a model: normalize_model with the test switched
off finds nothing in any text the test rejects, over every model id and name genai-prices knows, their spellings
in bills, and resource ids."""

from __future__ import annotations

import re

import duckdb
import pytest
from genai_prices import data_snapshot
from spendscope.data import models
from spendscope.data.models import may_name_model, may_name_model_sql, normalize_model


def _corpus() -> list[str]:
    texts: list[str] = []
    for provider in data_snapshot.get_snapshot().providers:
        for model in provider.models:
            for text in (model.id, model.name or ""):
                texts += [
                    text,
                    text.upper(),
                    text.replace("-", " "),
                    text.replace("-", "_"),
                    f"{provider.id}.{text}-v1:0",
                    f"us.{provider.id}.{text}",
                    f"USE1-{text.replace('-', '').title()}-input-tokens",
                    f"/subscriptions/0f3a/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/{text}",
                    f"projects/p/locations/us-central1/publishers/{provider.id}/models/{text}",
                    f"{text} Inp glbl Tokens",
                ]
    texts += [
        "gpt 4o 1120 cached Inp glbl",
        "R1 Inp glbl Tokens",
        "USE1-NovaLite-input-tokens",
        "USW2-MP:USW2_InputTokenCount-Units",
        "Claude 3.5 Sonnet v2",
        "Llama 3.1 70B Instruct",
        "Mistral Large (24.07)",
        "o3 mini",
        "demo1-o1",
        "res-o4x",
        "tts-meta.1",
        "/subscriptions/9ec51cfd/resourceGroups/rg-7/providers/Microsoft.Compute/virtualMachines/res-1234",
        "arn:aws:bedrock:us-east-1:1111:res/42",
        "web-frontend",
        "Hot LRS Data Stored",
        "",
        "  ",
    ]
    return texts


CORPUS = _corpus()


@pytest.fixture(scope="module")
def without_pretest() -> dict[str, str | None]:
    """normalize_model's answer on every text of the corpus with the pre-test switched off."""
    saved = models._MAY_NAME_RE
    models._MAY_NAME_RE = re.compile("")
    try:
        return {t: normalize_model.__wrapped__(t) for t in CORPUS}
    finally:
        models._MAY_NAME_RE = saved


def test_the_pretest_rejects_no_text_that_names_a_model(without_pretest: dict[str, str | None]) -> None:
    named = [t for t, m in without_pretest.items() if m is not None]
    assert len(named) > 5000  # the corpus exercises the model families, not just a few ids
    hidden = [t for t in named if not may_name_model(t)]
    assert hidden == []
    assert all(normalize_model(t) == m for t, m in without_pretest.items())


def test_the_pretest_rejects_plain_resource_ids() -> None:
    for text in ("res-1234", "demo1-photo3", "web-frontend", "Hot LRS Data Stored", "arn:aws:s3:::bucket-7"):
        assert not may_name_model(text), text
    for text in ("o1-mini", "x/o3", "GPT 4o", "us.anthropic.claude-sonnet-4-5-v1:0"):
        assert may_name_model(text), text


def test_the_sql_pretest_agrees_with_python_on_ascii_and_passes_other_text_on() -> None:
    con = duckdb.connect()
    texts = CORPUS + ["Gémini 2.5 Pro", "ＧＰＴ-4o", "résumé-bot", None]
    rows = con.execute(
        f"SELECT t, {may_name_model_sql('t')} FROM (SELECT unnest(CAST(? AS VARCHAR[])) AS t)", [texts]
    ).fetchall()
    for text, in_sql in rows:
        if text is None:
            assert in_sql is False
        elif text.isascii():
            assert in_sql == may_name_model(text), text
        else:
            assert in_sql is True, text
