"""Claude for the agents: a client when an Anthropic key is configured (Settings.anthropic_api_key, read from
ANTHROPIC_API_KEY), None otherwise.

The anthropic SDK is imported only when a key is present, so the deterministic paths never pay its import time.
Settings.anthropic_base_url (ANTHROPIC_BASE_URL) points it at a proxy or, in tests, at a local fake Messages API.
A client is made once per key, base URL and retry count and reused (the SDK's clients are thread-safe and keep
their connections): making one loads the system's CA certificates, ~35-110 ms that every question paid.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from spendscope.data.settings import Settings


def anthropic_client(settings: Settings, *, max_retries: int = 2) -> Any | None:
    """An anthropic.Anthropic client, or None when no key is configured (the deterministic path)."""
    if settings.anthropic_api_key is None:
        return None
    return client_for(settings.anthropic_api_key.get_secret_value(), settings.anthropic_base_url, max_retries)


@lru_cache(maxsize=8)
def client_for(api_key: str, base_url: str | None, max_retries: int) -> Any:
    """The process's anthropic.Anthropic client for this key, base URL and retry count."""
    import anthropic

    kwargs: dict[str, Any] = {"api_key": api_key, "max_retries": max_retries}
    if base_url:
        kwargs["base_url"] = base_url
    return anthropic.Anthropic(**kwargs)


def complete_text(client: Any, model: str, system: str, prompt: str, *, max_tokens: int = 600) -> str:
    """One Messages API call, returning the text of the reply."""
    reply = client.messages.create(
        model=model,
        max_tokens=max_tokens,
        system=system,
        messages=[{"role": "user", "content": prompt}],
    )
    return "".join(getattr(block, "text", "") for block in reply.content).strip()
