"""Names shared by every telemetry source: provider ids and canonical model ids.

`usage_events.provider` holds the OpenTelemetry GenAI provider name (`gen_ai.provider.name`: `openai`,
`anthropic`, `aws.bedrock`, `azure.ai.openai`, `gcp.vertex_ai`, `gcp.gemini`, ...), whatever spelling the source
used (LiteLLM's `bedrock`/`vertex_ai`, OpenLIT's `gen_ai.system`), so that tools/reconcile.py can line telemetry
up with the bill. Unknown names are kept (lower case).
"""

from __future__ import annotations

import duckdb
from spendscope.data.models import normalize_model
from spendscope.data.sql import ident, literal

PROVIDER_NAMES: dict[str, str] = {
    "openai": "openai",
    "openai_api": "openai",
    "text-completion-openai": "openai",
    "open_ai": "openai",
    "anthropic": "anthropic",
    "claude": "anthropic",
    "aws.bedrock": "aws.bedrock",
    "bedrock": "aws.bedrock",
    "bedrock_converse": "aws.bedrock",
    "aws": "aws.bedrock",
    "amazon bedrock": "aws.bedrock",
    "aws_bedrock": "aws.bedrock",
    "amazon_bedrock": "aws.bedrock",
    "sagemaker": "aws.sagemaker",
    "azure.ai.openai": "azure.ai.openai",
    "azure": "azure.ai.openai",
    "azure openai": "azure.ai.openai",
    "az.ai.openai": "azure.ai.openai",
    "azure_openai": "azure.ai.openai",
    "azure.openai": "azure.ai.openai",
    "azure.ai.inference": "azure.ai.inference",
    "azure_ai": "azure.ai.inference",
    "gcp.vertex_ai": "gcp.vertex_ai",
    "vertex_ai": "gcp.vertex_ai",
    "vertex_ai_beta": "gcp.vertex_ai",
    "vertexai": "gcp.vertex_ai",
    "vertex": "gcp.vertex_ai",
    "gcp.gemini": "gcp.gemini",
    "gemini": "gcp.gemini",
    "google": "gcp.gemini",
    "google_genai": "gcp.gemini",
    "gcp.gen_ai": "gcp.gen_ai",
    "cohere": "cohere",
    "cohere_chat": "cohere",
    "mistral_ai": "mistral_ai",
    "mistral": "mistral_ai",
    "mistralai": "mistral_ai",
    "groq": "groq",
    "deepseek": "deepseek",
    "x_ai": "x_ai",
    "xai": "x_ai",
    "perplexity": "perplexity",
    "ibm.watsonx.ai": "ibm.watsonx.ai",
    "watsonx": "ibm.watsonx.ai",
}


def provider_name(raw: str | None) -> str | None:
    """The OpenTelemetry provider name for a tool's provider id (unknown ids are kept, lower case)."""
    if raw is None or not str(raw).strip():
        return None
    key = str(raw).strip().lower()
    return PROVIDER_NAMES.get(key, key)


def provider_sql(expr: str) -> str:
    """SQL mapping a provider id expression to its OpenTelemetry provider name (unknown ids kept, lower case)."""
    cases = " ".join(f"WHEN {literal(k)} THEN {literal(v)}" for k, v in PROVIDER_NAMES.items())
    return f"(CASE lower(trim({expr})) {cases} ELSE nullif(lower(trim({expr})), '') END)"


# model-name prefixes that imply the provider when a source names none (claude -> anthropic, gpt/o1/o3/o4 and
# OpenAI embeddings -> openai, gemini -> gcp.gemini), in the order they are tried
MODEL_FAMILIES: tuple[tuple[str, str], ...] = (
    ("claude", "anthropic"),
    ("gpt", "openai"),
    ("o1", "openai"),
    ("o3", "openai"),
    ("o4", "openai"),
    ("text-embedding", "openai"),
    ("gemini", "gcp.gemini"),
)


def provider_from_model(model: str | None) -> str | None:
    """The provider a model name's family implies (MODEL_FAMILIES); None otherwise."""
    low = str(model or "").strip().lower()
    return next((provider for prefix, provider in MODEL_FAMILIES if low.startswith(prefix)), None)


def provider_from_model_sql(model: str) -> str:
    """SQL: the provider a model name's family implies when the source names none (MODEL_FAMILIES); NULL
    otherwise."""
    cases = " ".join(
        f"WHEN {model} ILIKE {literal(prefix + '%')} THEN {literal(p)}" for prefix, p in MODEL_FAMILIES
    )
    return f"CASE {cases} END"


def canonical_model(raw: str | None) -> str | None:
    """Canonical model id (see data/models.py); an unrecognised name is kept in lower case."""
    if raw is None or not str(raw).strip():
        return None
    text = str(raw).strip()
    return normalize_model(text) or text.lower()


def canonicalize_models(con: duckdb.DuckDBPyConnection, table: str, column: str = "model") -> None:
    """Replace `column` of a staged table by canonical model ids, working once per distinct name."""
    names = [
        r[0]
        for r in con.execute(
            f"SELECT DISTINCT {ident(column)} FROM {table} WHERE {ident(column)} IS NOT NULL"
        ).fetchall()
    ]
    if not names:
        return
    import pandas as pd  # imported here: query paths that only map provider names must not pay for pandas

    frame = pd.DataFrame({"raw": names, "canonical": [canonical_model(n) for n in names]})
    con.register("model_names", frame)
    try:
        con.execute(
            f"UPDATE {table} AS t SET {ident(column)} = m.canonical FROM model_names AS m "
            f"WHERE t.{ident(column)} = m.raw"
        )
    finally:
        con.unregister("model_names")
