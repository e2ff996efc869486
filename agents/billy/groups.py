"""The dimensions a question groups by ("by team", "which model", "who"), the store's ownership dimension, and
spend with no tag ("untagged", "no team tag")."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from spendscope.agents.billy.lexicon import (
    OWNERSHIP_KEYS,
    TAG_SYNONYMS,
)
from spendscope.agents.billy.question import _Question
from spendscope.agents.billy.resolve import (
    ValueIndex,
    key_name,
    tokens,
)
from spendscope.agents.billy.vocab import (
    RE,
)
from spendscope.tools.costs.breakdown import Filter

if TYPE_CHECKING:
    from spendscope.agents.billy.reading import Reading


# "across all models", "for all teams", "all providers together": the whole of a dimension, one figure
_WHOLE_BEFORE = frozenset({"across", "over", "for", "on", "among", "spanning"})
_WHOLE_AFTER = frozenset({"together", "combined", "blended", "overall"})
_WHOLE_FILLER = frozenset({"the", "our", "of"})


def whole_dimensions(index: ValueIndex, q: _Question) -> list[str]:
    """A dimension's word said of all its values at once ("avg cost per 1m tokens across all models", "all models
    together", "for all teams combined") asks one figure over all of them, not each one's: the word is no grouping
    (its tokens in `q.whole_tokens`, skipped by group_dims), and a word after it that says so ("together",
    "combined") is blocked, never read as a name (the provider Together AI). Returns the words so read."""
    toks = [t.text for t in q.toks]
    whole: set[int] = set()
    said: list[str] = []
    for i, word in enumerate(toks):
        if word != "all":
            continue
        j = i + 1
        while j < len(toks) and toks[j] in _WHOLE_FILLER:
            j += 1
        for length in (3, 2, 1):
            gram = tuple(toks[j : j + length])
            if len(gram) != length or gram not in index.dim_words:
                continue
            after = toks[j + length] if j + length < len(toks) else ""
            before = toks[i - 1] if i > 0 else ""
            if before in _WHOLE_BEFORE or after in _WHOLE_AFTER:
                whole |= set(range(j, j + length))
                if after in _WHOLE_AFTER:
                    q.blocked.add(j + length)
                said.append(" ".join(toks[i : j + length + (after in _WHOLE_AFTER)]))
            break
    q.whole_tokens = whole
    return said


def group_dims(index: ValueIndex, q: _Question, used: set[int], rest: str) -> list[tuple[str, int]]:
    """Dimension words not used as context of a value: (dimension, token index), in question order; a word said
    of a dimension's whole ("across all models", in `q.whole_tokens`) is none."""
    out: list[tuple[str, int]] = []
    taken: set[int] = set(q.whole_tokens)
    n = len(q.toks)
    for length in (3, 2, 1):
        for i in range(n - length + 1):
            span = set(range(i, i + length))
            if span & used or span & taken or span & q.blocked:
                continue
            gram = tuple(q.toks[k].text for k in range(i, i + length))
            if gram in index.dim_words:
                dim = index.dim_words[gram]
                out.append((dim, i))
                taken |= span
    # "who" means the ownership dimension
    if re.search(r"\bwho\b|\bspenders?\b", rest) and not any(index.kinds.get(d) for d, _ in out):
        key = ownership_key(index)
        if key:
            out.append((key, -1))
    # plain grains are only groups when said as such ("by day", "daily", "per month")
    kept = []
    for dim, i in out:
        if dim in ("day", "week", "month"):
            word = q.toks[i].text if i >= 0 else ""
            before = q.toks[i - 1].text if i > 0 else ""
            if not (
                word in ("daily", "weekly", "monthly")
                or before in ("by", "per", "each", "every", "which", "what", "a")
            ):
                continue
        kept.append((dim, i))
    out = sorted(kept, key=lambda t: t[1])
    q.group_tokens = {i for _, i in out}  # type: ignore[attr-defined]
    return out


def ownership_key(index: ValueIndex) -> str | None:
    keys = {k.lower(): k for k in index.tag_keys()}
    for k in index.tag_keys():
        keys.setdefault(key_name(k), k)
    for k in OWNERSHIP_KEYS:
        if k in keys:
            return keys[k]
    from spendscope.agents.billy.concepts import by_shape

    shaped = by_shape(index).get("team")  # keys named in another language: the team by its values' shape
    return shaped or (index.tag_keys()[0] if index.tag_keys() else None)


def read_untagged(q: _Question, rest: str, plan: Reading, index: ValueIndex) -> None:
    keys = index.tag_keys()
    if not keys:
        return
    key_words = {g: d for g, d in index.dim_words.items() if d in keys}
    alt = "|".join(sorted((re.escape(" ".join(g)) for g in key_words), key=len, reverse=True))
    found_key: str | None = None
    hit = False
    if alt:
        pat = re.compile(
            r"\b(?:no|without|missing|lacking|lacks|lack|with no|had no|has no|have no)\s+(?:a |an |the |any )?"
            r"(?P<k>" + alt + r")(?:\s+(?:tags?|labels?|values?|set|assigned|attribution|owner))?\b|"
            r"\b(?P<k2>"
            + alt
            + r")\s+(?:tags?|labels?)\s+(?:is |was |were )?(?:missing|empty|absent|unset|not set)\b|"
            r"\b(?:untagged|unallocated|unattributed|not tagged|not allocated|unassigned)\s+(?:by|to|for|with)?\s*"
            r"(?:a |an |any )?(?P<k3>"
            + alt
            + r")\b|\bnot (?:allocated|attributed|assigned) to (?:a |an |any )"
            r"(?P<k4>" + alt + r")\b"
        )
        m = pat.search(q.low)
        if m:
            word = next(g for g in (m.group("k"), m.group("k2"), m.group("k3"), m.group("k4")) if g)
            found_key = key_words.get(tuple(tokens(word)))
            hit = True
    if not hit and (
        RE["untagged"].search(rest) or re.search(r"\b(no|without|missing) (any )?tags?\b", q.low)
    ):
        found_key = ownership_key(index)
        hit = True
        if found_key:
            plan.assumptions.append(f"untagged = no {found_key} tag")
    if hit and found_key:
        values = ["(none)"]
        if index.kinds.get(found_key) == "virtual_tag":
            values.append("unallocated")
        plan.filters.append(Filter(dimension=found_key, values=values))
        plan.subject = plan.subject or f"spend with no {found_key} tag"
        key_toks = {w for g, d in index.dim_words.items() if d == found_key for w in g}
        tok_ids = [
            i
            for i, t in enumerate(q.toks)
            if t.text in tokens(found_key)
            or t.text in key_toks
            or (
                found_key.lower() in TAG_SYNONYMS
                and t.text in {w for s in TAG_SYNONYMS[found_key.lower()] for w in tokens(s)}
            )
        ]
        q.untagged_tokens = set(tok_ids)  # type: ignore[attr-defined]
