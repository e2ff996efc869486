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

# words for a concept beyond its key's synonyms: "which cost centre spent most" and "top apps" name the owner key
# (found by its values' shape: another language) and the app key (however it was found: 'Workload' too)
CONCEPT_WORDS: dict[str, tuple[str, ...]] = {
    "team": ("cost centre", "cost centres", "cost center", "cost centers", "business unit", "business units"),
    "feature": ("app", "apps", "application", "applications"),
}


def key_name(key: str) -> str:
    """A tag key in snake case: 'CostCenter', 'cost-center' and 'Cost Center' are all 'cost_center'."""
    return re.sub(r"[\s-]+", "_", re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", key.strip())).lower()


def named_at_end(key: str, name: str) -> bool:
    """Whether a compound key ends in a concept's name after a prefix or a qualifier ('deploy-env', 'cc:stage',
    'clinical-app', 'finops/team' end in env, stage, app, team): the last word of a key names what it holds."""
    kn = key_name(key)
    return any(kn.endswith(sep + name) for sep in "_:/.")


def _named_at_end(idx: ValueIndex, concept: str) -> str | None:
    """The one tag key ending in a name of the concept (in CONCEPT_KEYS' order of preference), if there is one."""
    for name in CONCEPT_KEYS[concept]:
        hits = [k for k in idx.tag_keys() if named_at_end(k, name)]
        if hits:
            return hits[0] if len(hits) == 1 else None
    return None


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
    feature values, or the key found by its values' shape), if it has one; with `telemetry`, a telemetry-only
    attribute of that name counts too."""
    keys: dict[str, str] = {}
    for k in idx.tag_keys() + (idx.telemetry_keys() if telemetry else []):
        keys.setdefault(re.sub(r"[\s-]+", "_", k.lower()), k)
        keys.setdefault(key_name(k), k)
    named = next((keys[c] for c in CONCEPT_KEYS[concept] if c in keys), None) or _named_at_end(idx, concept)
    if named is not None and (idx.kinds.get(named) != "telemetry" or _by_values(idx, concept) is None):
        return named
    return _by_values(idx, concept) or named or by_shape(idx).get(concept)


# a value only an environment key holds: the production environment under its usual names
_PRODUCTION = {"prod", "production", "prd", "live"}


def by_shape(idx: ValueIndex) -> dict[str, str]:
    """The concepts of tag keys whose names say nothing known (keys in another language: 'kornyezet',
    'koltseghely', 'alkalmazas'), by their values: a key of a few values one of which is the production
    environment is the env; of the two other keys neither named nor so found, the one with fewer values is the
    team (a team owns several apps) and the other the feature. Only when every concept is missing by name (a
    store naming one key 'team' names its keys in a known way) and the two keys' counts differ."""
    tags = idx.tag_keys()
    if any(
        key_name(k) in names or k.lower() in names or any(named_at_end(k, n) for n in names)
        for k in tags
        for names in CONCEPT_KEYS.values()
    ):
        return {}
    if any(key_name(k) in CONCEPT_KEYS for k in idx.telemetry_keys()):
        return {}  # telemetry names the concepts: the key holding its values is found by them (_by_values)
    found: dict[str, str] = {}
    env = [k for k in tags if len(idx.values.get(k, [])) <= 6 and _PRODUCTION & _lows(idx, k)]
    if len(env) == 1:
        found["env"] = env[0]
    rest = [k for k in tags if k not in env and _by_values(idx, "feature") != k]
    if len(rest) == 2:
        few, many = sorted(rest, key=lambda k: len(idx.values.get(k, [])))
        if len(idx.values.get(few, [])) < len(idx.values.get(many, [])):
            found["team"], found["feature"] = few, many
    return found


def _lows(idx: ValueIndex, key: str) -> set[str]:
    return {str(v).lower() for v in idx.values.get(key, [])}


def concept_of(idx: ValueIndex, key: str) -> str | None:
    """The concept (team, feature, env) a tag key carries, by its name or its values."""
    low = key.lower()
    for concept, names in CONCEPT_KEYS.items():
        if low in names or key_name(key) in names:
            return concept
    for concept in CONCEPT_KEYS:
        if _named_at_end(idx, concept) == key:
            return concept
    found = next((c for c in CONCEPT_KEYS if _by_values(idx, c) == key), None)
    return found or next((c for c, k in by_shape(idx).items() if k == key), None)


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
        # the feature's other words name its key however the key was found ("top apps" where the feature key is
        # 'Workload' or 'product-app'); a cost centre is the team only where the owner key was found by its values
        # (a store naming a key 'team' may mean something else by a cost centre)
        found_by_shape = by_shape(idx).get(concept) == key
        extra = CONCEPT_WORDS.get(concept, ()) if found_by_shape or concept == "feature" else ()
        for word in TAG_SYNONYMS.get(concept, (concept,)) + extra:
            t = tuple(_TOKEN.findall(word.lower()))
            now = idx.dim_words.get(t)
            if t and (now not in tags + idx.telemetry_keys() or (key in tags and now == concept)):
                idx.dim_words[t] = key
