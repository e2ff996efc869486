"""Resolving the names in a question against the store's actual values: the question's tokens, and the
mentions of values (longest names first, then near-misses) with the dimension each names, over the value index
of agents/billy/catalog_index.py (re-exported here for the modules that import it from this one).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from spendscope.agents.billy.catalog_index import (
    _FAMILY,
    _TOKEN,
    CHARGE_WORDS,
    EXACT_ONLY,
    TAG_PRIORITY,
    Entry,
    ValueIndex,
    build_index,
    compact,
    load_index,
    tokens,
)
from spendscope.agents.billy.concepts import key_name
from spendscope.agents.billy.filler import FILLER
from spendscope.agents.billy.stopwords import GENERIC

__all__ = [
    "Entry",
    "Mention",
    "Token",
    "ValueIndex",
    "build_index",
    "compact",
    "find_mentions",
    "key_name",
    "load_index",
    "question_tokens",
    "tokens",
]


# ------------------------------------------------------------------------------------ mentions


@dataclass
class Token:
    text: str
    start: int
    end: int
    joined: bool = False  # written joined to the token before by a hyphen, underscore or dot ("label-gen")


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
    # their values ("aws": provider AWS, invoice issuer "Amazon Web Services, Inc.")
    alternative_values: dict[str, list[str]] = field(default_factory=dict)
    # other dimensions whose values contain the name ("Claude" is a service and part of claude-* models)
    partial: dict[str, list[str]] = field(default_factory=dict)


def question_tokens(text: str) -> list[Token]:
    low = text.lower()
    out: list[Token] = []
    for m in _TOKEN.finditer(low):
        joined = bool(out) and out[-1].end == m.start() - 1 and low[m.start() - 1] in "-_."
        out.append(Token(m.group(0), m.start(), m.end(), joined))
    return out


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


def _swapped(word: str, words: object) -> list[str]:
    """ "gemnii" of "gemini": a value's word with two neighbouring letters swapped (difflib scores such a slip in
    a short word below its cutoff); the first letter kept."""
    for w in words:  # type: ignore[attr-defined]
        if len(w) == len(word) and w[0] == word[0] and w != word and sorted(w) == sorted(word):
            diff = [i for i, (a, b) in enumerate(zip(word, w, strict=True)) if a != b]
            if len(diff) == 2 and diff[1] == diff[0] + 1:
                return [w]
    return []


def _builtin_word(idx: ValueIndex, word: str) -> bool:
    """Whether `word` is a word of a built-in dimension's value (a provider, service or model name)."""
    return any(
        word in tokens(v) for d, kind in idx.kinds.items() if kind == "builtin" for v in idx.values.get(d, [])
    )


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
            if (
                all(w in FILLER or w.isdigit() for w in words)
                and not _filler_named(idx, toks, i, words)
                and not _one_written_name(toks, i, length)
            ):
                continue
            generic_only = all(
                w in FILLER or w in GENERIC or w.isdigit() for w in words
            ) and not _version_written(toks, i, i + length, words)
            m = _match_span(idx, toks, i, i + length, words, used, generic_only)
            if m is not None:
                mentions.append(m)
                used.update(span)
    for i, t in enumerate(toks):  # "how much was support in may" beside the feature merchant-support
        if i not in used and _generic_in_name_slot(idx, toks, i):
            m = _match_span(idx, toks, i, i + 1, [t.text], used, slot_named=True)
            if m is not None:
                mentions.append(m)
                used.add(i)
    # fuzzy single words ("antropic"): only unknown words that are close to a value's word
    for i, t in enumerate(toks):
        if i in used or len(t.text) < 5 or t.text in known or t.text in FILLER or t.text in GENERIC:
            continue
        if t.text in idx.value_tokens:
            continue
        close = difflib.get_close_matches(t.text, list(idx.value_tokens), n=1, cutoff=0.85)
        vendor = (
            bool(close)
            and close[0].startswith(t.text)
            and len(close[0]) == len(t.text) + 1
            and close[0] != t.text + "s"
        )
        if not close:
            close = _swapped(t.text, idx.value_tokens)
            vendor = bool(close)
        # a typo keeps the word's length; a shorter word that starts another ("process" of "processor") is a
        # different word, but a vendor's or model's name with its last letter dropped ("coher" of "cohere") or
        # two letters swapped ("gemnii") is that name (a company's own names with a slip stay unknown)
        if vendor and not _builtin_word(idx, close[0]):
            close = []
        if close and (not (close[0].startswith(t.text) or t.text.startswith(close[0])) or vendor):
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
    return _one_name_in_two_words(mentions), used


def _one_name_in_two_words(mentions: list[Mention]) -> list[Mention]:
    """ "gemini pro", "haiku claude": two words side by side, each naming values of one dimension, one word's values
    among the other's, are one name: the values both name (gemini-2.5-pro), never every value either names (both
    Gemini models blended into one figure, a confident wrong answer)."""
    out: list[Mention] = []
    for m in mentions:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.dim == m.dim
            and prev.last == m.first
            and prev.negated == m.negated
            and not (prev.exact and m.exact)
            and not (prev.fuzzy or m.fuzzy)  # a slipped word stays the slip it is ("tnt-harborcredlt")
        ):
            a, b = set(prev.values), set(m.values)
            if a != b and (a <= b or b <= a):
                both = [v for v in prev.values if v in b]
                out[-1] = Mention(
                    dim=m.dim,
                    values=both,
                    first=prev.first,
                    last=m.last,
                    exact=False,
                    phrase=f"{prev.phrase} {m.phrase}",
                    context_word=prev.context_word or m.context_word,
                    negated=m.negated,
                )
                continue
        out.append(m)
    return out


# where the one thing asked about is named: "how much was X in may", "X spend last month", "spend on X"
_SLOT_BEFORE = {"", "was", "is", "on", "for", "our", "whats", "what's", "the"}
_SLOT_AFTER = {"", "in", "last", "this", "mtd", "ytd", "spend", "spending", "spent", "cost", "costs", "bill"}
# ordinary words that are never the name of a thing, even beside a value holding them
_NEVER_A_NAME = {"total", "spend", "cost", "costs", "much", "other", "none", "unknown", "all", "new", "open"}


def _generic_in_name_slot(idx: ValueIndex, toks: list[Token], i: int) -> bool:
    """An ordinary word ("support", "platform") that is a word of a business value's longer name (a tag value:
    'merchant-support'), said alone where the thing asked about is named, with no other name in the question: it
    names that value partly. Dropped, the question read as the whole bill's total (a wrong figure)."""
    word = toks[i].text
    if word not in GENERIC or word in _NEVER_A_NAME or len(word) < 4 or not word.isalpha():
        return False
    if idx.exact.get(word) or not any(
        idx.priority(e.dim) >= TAG_PRIORITY and e.dim not in EXACT_ONLY for e in idx.grams.get((word,), [])
    ):
        return False
    prev = toks[i - 1].text if i > 0 else ""
    nxt = toks[i + 1].text if i + 1 < len(toks) else ""
    return prev in _SLOT_BEFORE and nxt in _SLOT_AFTER


_NAME_BEFORE = {"did", "does", "do", "has", "have"}
_NAME_AFTER = {"spend", "spent", "spends", "cost", "costs", "team", "squad", "dept", "department"}


def _one_written_name(toks: list[Token], i: int, length: int) -> bool:
    """ "label-gen spend": ordinary words written joined into one word ("label", "gen" are filler alone) are one
    name; it names a value only when the store holds it spelled so (the span is then matched as business words).
    Skipped, the question read as the whole bill's total (a confident wrong figure)."""
    return length >= 2 and all(toks[k].joined for k in range(i + 1, i + length))


def _version_written(toks: list[Token], i: int, j: int, words: list[str]) -> bool:
    """Whether tokens [i, j) are numbers written joined as one version ("4.1", "2.5"), not separate numbers, said
    alone: first, or after an ordinary word ("sonet 4.5" is one model's name with a slip, read as such)."""
    alone = i == 0 or toks[i - 1].text in FILLER
    return (
        alone
        and j - i >= 2
        and all(w.isdigit() for w in words)
        and all(toks[k].joined for k in range(i + 1, j))
    )


def _filler_named(idx: ValueIndex, toks: list[Token], i: int, words: list[str]) -> bool:
    """ "how much did processing spend", "the processing team": a filler word that is a tag value of the store,
    said where an owner's name goes (after "did", before "spend" or "team"), is that name."""
    if len(words) != 1 or not any(idx.priority(e.dim) >= TAG_PRIORITY for e in idx.exact.get(words[0], [])):
        return False
    prev = toks[i - 1].text if i > 0 else ""
    nxt = toks[i + 1].text if i + 1 < len(toks) else ""
    return prev in _NAME_BEFORE or nxt in _NAME_AFTER


def _match_span(
    idx: ValueIndex,
    toks: list[Token],
    i: int,
    j: int,
    words: list[str],
    used: set[int],
    generic_only: bool = False,
    slot_named: bool = False,
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
    if not entries and len(words) == 1 and words[0] in idx.noun_reasons:
        return None  # "which site cost the most" beside 'site-tumelo': the company's word for its customers
    if not entries and len(words) == 1 and key.endswith("s") and len(key) > 3:
        entries = list(idx.exact.get(key[:-1], []))
        exact = bool(entries)
    if (
        not entries and slot_named
    ):  # a business value's word said where the thing goes (_generic_in_name_slot)
        entries = [
            e
            for e in idx.grams.get(tuple(words), [])
            if idx.priority(e.dim) >= TAG_PRIORITY and e.dim not in EXACT_ONLY
        ]
    if not entries:
        distinctive = [w for w in words if w not in GENERIC and w not in FILLER and not w.isdigit()]
        if not distinctive and _version_written(toks, i, j, words):
            # "4.1 spend": a version written alone ("4.1", "2.5") is the models whose names carry it (gpt-4.1 and
            # gpt-4.1-mini: both), never nothing (the whole bill's total would be a confident wrong figure)
            entries = [e for e in idx.grams.get(tuple(words), []) if e.dim == "model"]
            if not entries:
                return None
        # a two-character word names a value only as a letter and a digit: an instance family ("p5", "g6")
        elif not distinctive or (len(words) == 1 and len(words[0]) < 3 and not _FAMILY.fullmatch(words[0])):
            return None
        entries = entries or [e for e in idx.grams.get(tuple(words), []) if e.dim not in EXACT_ONLY]
        if (
            not entries
            and len(words) == 1
            and key.endswith("s")
            and len(key) > 3
            and (
                (i and toks[i - 1].text == "the")
                or (j < len(toks) and toks[j].text in ("spend", "spending", "cost", "costs", "bill"))
            )
        ):
            # "the embeddings", "the sims", "embeddings spend": the plural of a word of a value's name
            # (text-embedding-3-large), said as a thing paid for ("how many kilns" counts something else)
            entries = [e for e in idx.grams.get((key[:-1],), []) if e.dim not in EXACT_ONLY]
        if not entries and len(words) >= 2 and any(w.endswith("ing") and len(w) > 5 for w in words):
            # "lead scoring" for lead-score, "route planning" for route-plan: a name's verb said as -ing
            for tail in ("", "e"):
                said = tuple(w[:-3] + tail if w.endswith("ing") and len(w) > 5 else w for w in words)
                entries = entries or [
                    e
                    for e in idx.exact.get("".join(said), []) + idx.grams.get(said, [])
                    if e.dim not in EXACT_ONLY
                ]
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
        alternative_values={
            d: list(dict.fromkeys(e.value for e in sorted(es, key=lambda e: -e.cost)))
            for d, es in by_dim.items()
            if d != dim
        },
        partial={
            d: list(dict.fromkeys(e.value for e in sorted(es, key=lambda e: -e.cost)))
            for d, es in partial.items()
        },
    )
    if ctx_dim:
        used.update(range(cs, ce))
        m.first, m.last = min(i, cs), max(j, ce)
    return m
