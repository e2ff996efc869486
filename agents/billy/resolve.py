"""Resolving the names in a question against the store's actual values.

The catalog (tools.costs.answers.dimension_catalog: every dimension, virtual tag and tag key with its values) is
turned into an index of exact names (ignoring case, spacing and punctuation: "Claude Sonnet 4.5" is
claude-sonnet-4-5), partial names ("bedrock" is Amazon Bedrock, "Claude" is every claude-* model) and the words
that name each dimension ("team", "environment", "customers"). The catalog is cached per store file version,
in the process and on disk under Settings.state_dir, so a warm question costs no catalog scan.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from spendscope.agents.billy.filler import FILLER
from spendscope.agents.billy.lexicon import (
    BUILTIN_DIMENSION_WORDS,
    CONCEPT_KEYS,
    TAG_SYNONYMS,
    VALUE_ALIASES,
    VALUE_SYNONYMS,
)
from spendscope.agents.billy.stopwords import GENERIC
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
                names += list(VALUE_SYNONYMS.get(" ".join(toks), ()))
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
        forms |= {f + "s" for f in list(forms)} | {
            f + "es" for f in list(forms) if f.endswith(("s", "x", "ch"))
        }
        forms |= set(TAG_SYNONYMS.get(low, ())) | set(TAG_SYNONYMS.get(norm, ()))
        for f in forms:
            t = tuple(tokens(f))
            # a tag key wins over a builtin word ("project" as a tag beats sub-account projects)
            if t and (t not in idx.dim_words or idx.dim_words[t] not in idx.tag_keys() or f == low):
                idx.dim_words[t] = key
    _concept_words(idx)
    return idx


def key_name(key: str) -> str:
    """A tag key in snake case: 'CostCenter', 'cost-center' and 'Cost Center' are all 'cost_center'."""
    return re.sub(r"[\s-]+", "_", re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", key.strip())).lower()


def _concept_words(idx: ValueIndex) -> None:
    """The word "team" names the `owner` key when the store has no team key (likewise "feature" an `app` key)."""
    keys: dict[str, str] = {}
    for k in idx.tag_keys() + idx.telemetry_keys():
        keys.setdefault(re.sub(r"[\s-]+", "_", k.lower()), k)
        keys.setdefault(key_name(k), k)
    for concept, candidates in CONCEPT_KEYS.items():
        key = next((keys[c] for c in candidates if c in keys), None)
        if key is None:
            continue
        for word in TAG_SYNONYMS.get(concept, (concept,)):
            t = tuple(tokens(word))
            if t and idx.dim_words.get(t) not in idx.tag_keys() + idx.telemetry_keys():
                idx.dim_words[t] = key


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


# ------------------------------------------------------------------------------------ mentions


@dataclass
class Token:
    text: str
    start: int
    end: int


@dataclass
class Mention:
    dim: str
    values: list[str]
    first: int  # token index range [first, last)
    last: int
    exact: bool
    phrase: str
    context_word: bool = False  # the dimension was named next to the value ("the growth team")
    negated: bool = False
    fuzzy: bool = False
    alternatives: list[str] = field(default_factory=list)  # other dimensions with the same name
    # other dimensions whose values contain the name ("Claude" is a service and part of claude-* models)
    partial: dict[str, list[str]] = field(default_factory=dict)


def question_tokens(text: str) -> list[Token]:
    return [Token(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(text.lower())]


def _adjacent_dim(
    idx: ValueIndex, toks: list[Token], first: int, last: int, used: set[int]
) -> tuple[str, int, int]:
    """A dimension word right before or after tokens [first, last): (dim, start, end) or ('', -1, -1)."""
    skip = {"the", "our", "a", "an", "s"}
    after = last
    while after < len(toks) and toks[after].text in skip and toks[after].text == "s":
        after += 1
    for n in (3, 2, 1):
        gram = tuple(t.text for t in toks[after : after + n])
        if len(gram) == n and gram in idx.dim_words and not used & set(range(after, after + n)):
            return idx.dim_words[gram], after, after + n
    before = first
    while before > 0 and toks[before - 1].text in skip:
        before -= 1
    for n in (3, 2, 1):
        if before - n < 0:
            continue
        gram = tuple(t.text for t in toks[before - n : before])
        if gram in idx.dim_words and not used & set(range(before - n, before)):
            return idx.dim_words[gram], before - n, before
    return "", -1, -1


def find_mentions(
    idx: ValueIndex, toks: list[Token], blocked: set[int], known: set[str]
) -> tuple[list[Mention], set[int]]:
    """Value mentions in the question tokens (longest names first), and the token indexes they consumed
    (including the dimension words next to them)."""
    used = set(blocked)
    mentions: list[Mention] = []
    n = len(toks)
    for length in range(min(8, n), 0, -1):
        for i in range(0, n - length + 1):
            span = range(i, i + length)
            if used & set(span):
                continue
            words = [toks[k].text for k in span]
            if all(w in FILLER or w.isdigit() for w in words):
                continue
            generic_only = all(w in FILLER or w in GENERIC or w.isdigit() for w in words)
            m = _match_span(idx, toks, i, i + length, words, used, generic_only)
            if m is not None:
                mentions.append(m)
                used.update(span)
    # fuzzy single words ("antropic"): only unknown words that are close to a value's word
    for i, t in enumerate(toks):
        if i in used or len(t.text) < 5 or t.text in known or t.text in FILLER or t.text in GENERIC:
            continue
        if t.text in idx.value_tokens:
            continue
        close = difflib.get_close_matches(t.text, list(idx.value_tokens), n=1, cutoff=0.85)
        # a typo keeps the word's length; a shorter word that starts another ("process" of "processor") is a
        # different word
        if close and not (close[0].startswith(t.text) or t.text.startswith(close[0])):
            fake = [close[0]]
            m = _match_span(idx, toks, i, i + 1, fake, used)
            if m is not None:
                m.fuzzy = True
                m.phrase = t.text
                mentions.append(m)
                used.add(i)
    mentions.sort(key=lambda m: m.first)
    for m in mentions:
        used.update(range(m.first, m.last))
    return mentions, used


def _match_span(
    idx: ValueIndex,
    toks: list[Token],
    i: int,
    j: int,
    words: list[str],
    used: set[int],
    generic_only: bool = False,
) -> Mention | None:
    key = "".join(words)
    key = CHARGE_WORDS.get(key, key)
    entries = list(idx.exact.get(key, []))
    if generic_only:
        # ordinary words ("compute", "usage", "global") name only business values: tags, providers, models;
        # and the FOCUS charge categories that a question names outright (credits, tax, adjustments)
        entries = [
            e
            for e in entries
            if idx.priority(e.dim) >= TAG_PRIORITY
            or (e.dim == "charge_category" and key in CHARGE_WORDS.values())
        ]
        if not entries:
            return None
    exact = bool(entries)
    if not entries and len(words) == 1 and key.endswith("s") and len(key) > 3:
        entries = list(idx.exact.get(key[:-1], []))
        exact = bool(entries)
    if not entries:
        distinctive = [w for w in words if w not in GENERIC and w not in FILLER and not w.isdigit()]
        if not distinctive or (len(words) == 1 and len(words[0]) < 3):
            return None
        entries = [e for e in idx.grams.get(tuple(words), []) if e.dim not in EXACT_ONLY]
    if not entries:
        return None
    by_dim: dict[str, list[Entry]] = {}
    for e in entries:
        by_dim.setdefault(e.dim, []).append(e)
    partial: dict[str, list[Entry]] = {}
    if exact and not generic_only:
        for e in idx.grams.get(tuple(words), []):
            if e.dim not in by_dim and e.dim not in EXACT_ONLY:
                partial.setdefault(e.dim, []).append(e)
    ctx_dim, cs, ce = _adjacent_dim(idx, toks, i, j, used)
    if ctx_dim not in by_dim and ctx_dim in partial:
        # "Claude models": the dimension word picks the partial reading over an exact value of another dimension
        by_dim, exact = {ctx_dim: partial.pop(ctx_dim)}, False
    if ctx_dim in by_dim:
        dim = ctx_dim
    else:
        dim = max(by_dim, key=lambda d: (idx.priority(d), sum(e.cost for e in by_dim[d])))
        ctx_dim = ""
    chosen = sorted(by_dim[dim], key=lambda e: -e.cost)
    values = list(dict.fromkeys(e.value for e in chosen))
    m = Mention(
        dim=dim,
        values=values,
        first=i,
        last=j,
        exact=exact,
        phrase=" ".join(words),
        context_word=bool(ctx_dim),
        alternatives=[d for d in by_dim if d != dim],
        partial={
            d: list(dict.fromkeys(e.value for e in sorted(es, key=lambda e: -e.cost)))
            for d, es in partial.items()
        },
    )
    if ctx_dim:
        used.update(range(cs, ce))
        m.first, m.last = min(i, cs), max(j, ce)
    return m
