"""Which of the store's tag keys carries a concept (team, feature, env) when the key has another name.

A key is found by its name first (agents/billy/lexicon.py CONCEPT_KEYS: `owner`, `dept`, `practice` are the team;
`app`, `tool`, `capability` the feature; `deploy`, `tier` the env), then by its values: telemetry names its
attributes `feature`, `team` and `env`, so a tag key holding every value telemetry reports for the concept is that
concept's key (a `capability` tag whose values include telemetry's feature 'grower-chat'). No company's own names
are listed here.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from spendscope.agents.billy.lexicon import CONCEPT_KEYS, TAG_SYNONYMS

if TYPE_CHECKING:
    from spendscope.agents.billy.resolve import ValueIndex

_TOKEN = re.compile(r"[a-z0-9]+")


def key_name(key: str) -> str:
    """A tag key in snake case: 'CostCenter', 'cost-center' and 'Cost Center' are all 'cost_center'."""
    return re.sub(r"[\s-]+", "_", re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", key.strip())).lower()


def _by_values(idx: ValueIndex, concept: str) -> str | None:
    """The tag key whose values hold every value telemetry reports under the concept's name (when telemetry has
    that attribute and the bill's key is named otherwise); None when no key or several keys do."""
    tele = next((k for k in idx.telemetry_keys() if key_name(k) == concept), None)
    seen = {v.lower() for v in idx.values.get(tele, [])} if tele else set()
    if not seen:
        return None
    hits = [k for k in idx.tag_keys() if seen <= {v.lower() for v in idx.values.get(k, [])}]
    return hits[0] if len(hits) == 1 else None


def concept_key(idx: ValueIndex, concept: str, telemetry: bool = False) -> str | None:
    """The store's tag key for a concept ("feature": feature, app, product, ..., or the key holding telemetry's
    feature values), if it has one; with `telemetry`, a telemetry-only attribute of that name counts too."""
    keys: dict[str, str] = {}
    for k in idx.tag_keys() + (idx.telemetry_keys() if telemetry else []):
        keys.setdefault(re.sub(r"[\s-]+", "_", k.lower()), k)
        keys.setdefault(key_name(k), k)
    named = next((keys[c] for c in CONCEPT_KEYS[concept] if c in keys), None)
    if named is not None and (idx.kinds.get(named) != "telemetry" or _by_values(idx, concept) is None):
        return named
    return _by_values(idx, concept) or named


def concept_of(idx: ValueIndex, key: str) -> str | None:
    """The concept (team, feature, env) a tag key carries, by its name or its values."""
    low = key.lower()
    for concept, names in CONCEPT_KEYS.items():
        if low in names or key_name(key) in names:
            return concept
    return next((c for c in CONCEPT_KEYS if _by_values(idx, c) == key), None)


def concept_words(idx: ValueIndex) -> None:
    """The word "team" names the `owner` key when the store has no team key (likewise "feature" an `app` key, or
    the key holding telemetry's feature values). A tag key of the bill carrying the concept wins over telemetry's
    attribute of that name: "the cx team" is the bill's `owner_group` cx, not the share of cost attributed to
    telemetry's team cx."""
    tags = idx.tag_keys()
    for concept in CONCEPT_KEYS:
        key = concept_key(idx, concept, telemetry=True)
        if key is None:
            continue
        for word in TAG_SYNONYMS.get(concept, (concept,)):
            t = tuple(_TOKEN.findall(word.lower()))
            now = idx.dim_words.get(t)
            if t and (now not in tags + idx.telemetry_keys() or (key in tags and now == concept)):
                idx.dim_words[t] = key
