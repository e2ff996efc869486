"""The index of a store's values that names in a question are resolved against (agents/billy/resolve.py).

The catalog (tools.costs.answers.dimension_catalog: every dimension, virtual tag and tag key with its values) is
turned into an index of exact names (ignoring case, spacing and punctuation: "Claude Sonnet 4.5" is
claude-sonnet-4-5), partial names ("bedrock" is Amazon Bedrock, "Claude" is every claude-* model) and the words
that name each dimension ("team", "environment", "customers"). The catalog is cached per store file version,
in the process and on disk under Settings.state_dir, so a warm question costs no catalog scan.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from spendscope.agents.billy.concepts import concept_words, key_name
from spendscope.agents.billy.customer_nouns import customer_nouns
from spendscope.agents.billy.lexicon import (
    BUILTIN_DIMENSION_WORDS,
    CONCEPT_KEYS,
    TAG_SYNONYMS,
    VALUE_ALIASES,
    VALUE_SYNONYMS,
)
from spendscope.data.store import Store, store_stamp
from spendscope.tools.costs.answers import Catalog, CatalogInput, dimension_catalog

CATALOG_VERSION = 2

# Higher wins when the same words name values in several dimensions and the question gives no hint.
PRIORITY = {
    "provider": 100,
    "model": 96,
    "service": 95,
    "sub_account": 60,
    "instance_type": 55,
    "commitment": 50,
    "region": 45,
    "invoice_issuer": 40,
    "publisher": 35,
    "billing_account": 30,
    "resource": 25,
    "service_category": 20,
    "charge_category": 8,
}
TAG_PRIORITY = 80
TELEMETRY_PRIORITY = 58
# Dimensions whose values are never read from free text (their words are measure or intent vocabulary).
NOT_NAMED = {
    "token_type",
    "commitment_status",
    "currency",
    "pricing_category",
    "sku_meter",
    "resource_type",
    "service_subcategory",
}
EXACT_ONLY = {"resource", "region", "charge_category", "billing_account", "service_category"}
# Words that name a FOCUS charge category outright (ordinary words otherwise): word -> the category's name.
CHARGE_WORDS = {
    "credit": "credit",
    "credits": "credit",
    "refund": "credit",
    "refunds": "credit",
    "tax": "tax",
    "taxes": "tax",
    "adjustment": "adjustment",
    "adjustments": "adjustment",
}

# Dimensions whose multi-word names are also said by their initials ("Google Cloud Platform" is GCP).
ACRONYM_DIMS = {"provider", "service", "invoice_issuer", "publisher"}
_CORPORATE = {"inc", "llc", "ltd", "corp", "co", "gmbh", "plc", "sa", "the", "of", "and", "for"}

_TOKEN = re.compile(r"[a-z0-9]+")
_FAMILY = re.compile(r"[a-z]\d")


def _acronyms(toks: list[str]) -> list[str]:
    """'amazon web services inc' -> ['aws']; only for names of three or more words, so the initials are
    distinctive."""
    words = [t for t in toks if t not in _CORPORATE and not t.isdigit()]
    return ["".join(w[0] for w in words)] if len(words) >= 3 else []


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def compact(text: str) -> str:
    return "".join(tokens(text))


@dataclass(frozen=True)
class Entry:
    dim: str
    value: str
    cost: float
    ntokens: int


@dataclass
class ValueIndex:
    catalog: Catalog
    exact: dict[str, list[Entry]] = field(default_factory=dict)
    grams: dict[tuple[str, ...], list[Entry]] = field(default_factory=dict)
    dim_words: dict[tuple[str, ...], str] = field(default_factory=dict)
    value_tokens: set[str] = field(default_factory=set)
    kinds: dict[str, str] = field(default_factory=dict)
    values: dict[str, list[str]] = field(default_factory=dict)
    # a company's own word for its customers -> why it is read so (agents/billy/customer_nouns.py)
    noun_reasons: dict[str, str] = field(default_factory=dict)

    def priority(self, dim: str) -> int:
        if dim in PRIORITY:
            return PRIORITY[dim]
        if self.kinds.get(dim) in ("virtual_tag", "provider_tag"):
            return TAG_PRIORITY + (2 if self.kinds[dim] == "virtual_tag" else 0)
        if self.kinds.get(dim) == "telemetry":
            return TELEMETRY_PRIORITY
        return 0

    def tag_keys(self) -> list[str]:
        return [d for d, k in self.kinds.items() if k in ("virtual_tag", "provider_tag")]

    def telemetry_keys(self) -> list[str]:
        """Dimensions known only from telemetry (customers): answered by cost attribution, not by cost rows."""
        return [d for d, k in self.kinds.items() if k == "telemetry"]

    def has_dim(self, dim: str) -> bool:
        return dim in self.kinds


def build_index(catalog: Catalog) -> ValueIndex:
    idx = ValueIndex(catalog=catalog)
    for d in catalog.dimensions:
        idx.kinds[d.name] = d.kind
        idx.values[d.name] = [v.value for v in d.values]
    key_names = {compact(k) for k in idx.tag_keys()}
    for d in catalog.dimensions:
        if d.name in NOT_NAMED:
            continue
        for v in d.values:
            toks = tokens(v.value)
            if not toks:
                continue
            entry = Entry(d.name, v.value, v.cost, len(toks))
            names = [v.value]
            names += list(VALUE_ALIASES.get(d.name, {}).get(" ".join(toks), ()))
            if d.name in ACRONYM_DIMS:
                names += _acronyms(toks)
            if d.kind != "builtin":
                # a synonym that is a tag key's own name is that key ("by stage" where the store has a 'stage' key)
                names += [s for s in VALUE_SYNONYMS.get(" ".join(toks), ()) if compact(s) not in key_names]
            for name in names:
                idx.exact.setdefault(compact(name), []).append(entry)
            idx.value_tokens.update(toks)
            if d.name in EXACT_ONLY:
                continue
            variants = [toks]
            relaxed = [re.sub(r"^([a-z]{4,})\d+$", r"\1", t) for t in toks]
            if relaxed != toks:
                variants.append(relaxed)
            for vt in variants:
                for i in range(len(vt)):
                    for j in range(i + 1, min(len(vt), i + 6) + 1):
                        gram = tuple(vt[i:j])
                        if (i, j) == (0, len(vt)):
                            continue
                        bucket = idx.grams.setdefault(gram, [])
                        if entry not in bucket:
                            bucket.append(entry)
    for dim, words in BUILTIN_DIMENSION_WORDS.items():
        if dim in ("day", "week", "month") or idx.has_dim(dim):
            for w in words:
                idx.dim_words.setdefault(tuple(tokens(w)), dim)
    for key in idx.tag_keys() + idx.telemetry_keys():
        low, norm = key.lower(), key_name(key)
        forms = {low, low.replace("_", " "), low.replace("-", " "), norm.replace("_", " ")}
        if ":" in low:  # AWS cost-allocation tags ("user:Application"): the key is said without its prefix
            bare = low.split(":", 1)[1]
            forms |= {bare, bare.replace("_", " "), bare.replace("-", " ")}
        forms |= (
            {f + "s" for f in list(forms)}
            | {f + "es" for f in list(forms) if f.endswith(("s", "x", "ch"))}
            | {f[:-1] + "ies" for f in list(forms) if f.endswith("y") and f[-2:-1] not in "aeiou"}
        )
        forms |= set(TAG_SYNONYMS.get(low, ())) | set(TAG_SYNONYMS.get(norm, ()))
        forms |= spelled_apart(norm)
        for f in forms:
            t = tuple(tokens(f))
            # a tag key wins over a builtin word ("project" as a tag beats sub-account projects)
            if t and (t not in idx.dim_words or idx.dim_words[t] not in idx.tag_keys() or f == low):
                idx.dim_words[t] = key
    concept_words(idx)
    customer_nouns(idx)
    return idx


def spelled_apart(key: str) -> set[str]:
    """A key written as one word ('usecase', 'costcenter', 'lineofbusiness') in the words people say ("use
    case", "use cases"): the known key names and synonyms spelt with a separator that match it without one."""
    flat = key.replace("_", "")
    if flat != key:
        return set()
    names = {n for names in CONCEPT_KEYS.values() for n in names} | set(TAG_SYNONYMS)
    out: set[str] = set()
    for n in names:
        if "_" in n and n.replace("_", "") == flat:
            words = n.replace("_", " ")
            out |= {words, words + "s"} | set(TAG_SYNONYMS.get(n, ()))
    return out


# ------------------------------------------------------------------------------------ catalog cache

_PROCESS_CACHE: dict[tuple, ValueIndex] = {}


def _file_key(store: Store) -> tuple:
    path = store.path.resolve()
    return (str(path), *store_stamp(path))


def load_index(store: Store, state_dir: Path | None = None) -> tuple[ValueIndex, bool]:
    """The value index of a store, and whether the catalog had to be read from the store (not cached)."""
    key = _file_key(store)
    if key in _PROCESS_CACHE:
        return _PROCESS_CACHE[key], False
    cache_file = None
    if state_dir is not None:
        digest = hashlib.sha256(repr((CATALOG_VERSION, key)).encode()).hexdigest()[:24]
        cache_file = Path(state_dir) / "billy" / f"catalog-{digest}.json"
        try:
            catalog = Catalog.model_validate_json(cache_file.read_text(encoding="utf-8"))
            idx = build_index(catalog)
            _PROCESS_CACHE[key] = idx
            return idx, False
        except (OSError, ValueError):
            pass
    catalog = dimension_catalog(store, CatalogInput())
    idx = build_index(catalog)
    _PROCESS_CACHE[key] = idx
    if cache_file is not None:
        try:
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            for old in cache_file.parent.glob("catalog-*.json"):
                if old.stat().st_mtime < _oldest_keep(cache_file.parent):
                    old.unlink(missing_ok=True)
            tmp = cache_file.with_suffix(".tmp")
            tmp.write_text(catalog.model_dump_json(), encoding="utf-8")
            tmp.replace(cache_file)
        except OSError:
            pass
    return idx, True


def _oldest_keep(folder: Path, keep: int = 20) -> float:
    times = sorted((p.stat().st_mtime for p in folder.glob("catalog-*.json")), reverse=True)
    return times[keep - 1] if len(times) >= keep else 0.0
