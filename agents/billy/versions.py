"""Model names said with a version the store does not hold ("gpt-4.5", "claude 3 opus", "gpt-5-mini", "sonnet 3.7").

The name's family alone matches real models ("gpt 4" is part of gpt-4.1, "mini" of o4-mini), so word-by-word
matching would answer for models the user did not ask about. A run of model words and version numbers, joined by
a hyphen, dot, underscore or space and starting with a word, is one name: when no model of the store carries
every one of its words, the whole run is a name the store lacks (precision first: no figure, the nearest values).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from spendscope.agents.billy.resolve import Mention, ValueIndex, tokens

if TYPE_CHECKING:
    from spendscope.agents.billy.question import _Question

# words of model names people type, whether or not this store holds them
FAMILY_WORDS = frozenset(
    {
        "gpt",
        "chatgpt",
        "claude",
        "sonnet",
        "opus",
        "haiku",
        "gemini",
        "gemma",
        "llama",
        "mistral",
        "mixtral",
        "codestral",
        "deepseek",
        "qwen",
        "grok",
        "phi",
        "command",
        "titan",
        "nova",
        "jamba",
        "kimi",
        "glm",
        "mini",
        "nano",
        "pro",
        "flash",
        "lite",
        "turbo",
        "large",
        "small",
        "medium",
        "instruct",
        "preview",
    }
)
_JOINERS = ("", " ", "-", ".", "_")


def unknown_model_versions(
    q: _Question, mentions: list[Mention], used: set[int], index: ValueIndex
) -> tuple[list[Mention], set[int]]:
    """Drop the mentions inside a versioned model name no model of the store carries; the name goes to
    `q.compounds` (read as unresolved)."""
    names = index.values.get("model", [])
    if not names:
        return mentions, used
    models = [_parts(tokens(v)) for v in names]
    compact = ["".join(tokens(v)) for v in names]
    words = {w for v in names for w in tokens(v) if not w.isdigit()} | FAMILY_WORDS | _alpha(models)
    toks, low = q.toks, q.low
    unknown: list[tuple[int, int]] = []
    i = 0
    while i < len(toks):
        j = i
        while (
            j < len(toks)
            and j not in q.blocked
            and _model_word(toks[j].text, words)
            and (j == i or low[toks[j - 1].end : toks[j].start] in _JOINERS)
        ):
            j += 1
        run = [t.text for t in toks[i:j]]
        versioned = len(run) >= 2 and any(c.isalpha() for c in run[0]) and any(_has_digit(w) for w in run)
        if versioned and not _held(run, models, compact):
            unknown.append((i, j))
        i = max(j, i + 1)
    if not unknown:
        return mentions, used
    from spendscope.agents.billy.precision import _hyphen_span

    unknown = [_hyphen_span(q, a, b) for a, b in unknown]  # "ptu-gpt-5": the whole word typed is the name
    inside = {k for a, b in unknown for k in range(a, b)}
    keep = [m for m in mentions if not any(k in inside for k in range(m.first, m.last))]
    compounds = getattr(q, "compounds", [])
    compounds += [low[toks[a].start : toks[b - 1].end] for a, b in unknown]
    q.compounds = compounds  # type: ignore[attr-defined]
    return keep, used | inside


def _parts(words: list[str]) -> set[str]:
    """Words split where letters meet digits, so 'llama3-1-70b' and 'llama 3.1 70b' compare alike."""
    return {p for w in words for p in re.findall(r"[a-z]+|\d+", w)}


def _alpha(models: list[set[str]]) -> set[str]:
    return {p for m in models for p in m if p.isalpha() and len(p) > 1}


def _held(run: list[str], models: list[set[str]], compact: list[str]) -> bool:
    """Whether a model of the store carries every word of the run (in any order), or the run spelt together."""
    joined = "".join(run)
    return any(_parts(run) <= m for m in models) or any(joined in c for c in compact)


def _has_digit(word: str) -> bool:
    return any(c.isdigit() for c in word)


def _model_word(word: str, words: set[str]) -> bool:
    """A word of a model name: a known model word, a version number ("4", "70b", "4o", "v3")."""
    return word in words or word[0].isdigit() or (word[0] == "v" and word[1:].isdigit() and len(word) > 1)
