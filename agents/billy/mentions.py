"""How the names found in a question relate: a value that is a change word, negated names ("other than AWS
and Azure"), two values of one dimension, and two values named side by side ("OpenAI or Anthropic")."""

from __future__ import annotations

import re

from spendscope.agents.billy.question import _Question
from spendscope.agents.billy.resolve import (
    Mention,
)
from spendscope.agents.billy.vocab import (
    CHANGE_NOUNS,
    MEASURE_NOUNS,
    RE,
)

# what a forecast is called: asked, never a name unless it is the whole value or said as one
_FORECAST_WORDS = frozenset({"forecast", "forecasts", "projection", "projections", "prediction", "landing"})
_NAME_BEFORE = frozenset({"on", "for", "by", "did", "does"})  # "spend on forecast", "what did forecast cost"


def vocabulary_not_names(
    q: _Question, mentions: list[Mention], used: set[int], dim_words: dict[tuple[str, ...], str] | None = None
) -> tuple[list[Mention], set[int]]:
    """A value that is also a change word ("the growth team") is not a name in "spend growth from A to B"; a
    forecast word that is only part of values ("month end forecast for cohere" beside the workloads
    demand-forecast and forecast-train) asks for the forecast, unless said as a name ("the forecast workload",
    "spend on forecast", "what did forecast cost"); the word of another dimension of the store that is only part
    of values ("which customer cost the most" beside the team customer-success, with telemetry's customers) names
    that dimension (`dim_words`: the index's words of its dimensions); and a word naming a dimension said where a
    grouping goes, right after "by" or "per" ("spend by stage", "break spend down by env", "costs per team"),
    names that dimension's breakdown, never a value it answers to through a synonym ('stage' of the value
    staging)."""
    keep: list[Mention] = []
    for m in mentions:
        word = q.toks[m.first].text if m.last - m.first == 1 else ""
        prev = q.toks[m.first - 1].text if m.first > 0 else ""
        nxt = q.toks[m.last].text if m.last < len(q.toks) else ""
        if word in CHANGE_NOUNS and not m.context_word and prev in MEASURE_NOUNS:
            used = used - {m.first}
            continue
        if (
            word in _FORECAST_WORDS
            and not m.exact
            and not m.fuzzy
            and not m.context_word
            and prev not in _NAME_BEFORE
            and nxt not in ("spent", "cost", "costs")
        ):
            used = used - {m.first}
            continue
        if (
            dim_words
            and dim_words.get((word,), m.dim) != m.dim
            and not m.exact
            and not m.fuzzy
            and not m.context_word
        ):
            used = used - {m.first}
            continue
        if dim_words and _grouping_slot(q, m.first) and _names_a_dimension(q, m, dim_words):
            used = used - set(range(m.first, m.last))
            continue
        keep.append(m)
    return keep, used


_GROUPING_BEFORE = frozenset({"by", "per"})


def _grouping_slot(q: _Question, i: int) -> bool:
    """Whether token i is where a grouping is named: right after "by" / "per", or after "each" / "every" that
    follows one ("by each stage")."""
    prev = q.toks[i - 1].text if i > 0 else ""
    if prev in ("each", "every"):
        prev = q.toks[i - 2].text if i > 1 else ""
    return prev in _GROUPING_BEFORE


def _names_a_dimension(q: _Question, m: Mention, dim_words: dict[tuple[str, ...], str]) -> bool:
    """Whether the words of mention `m` are, as said, a word of one of the store's dimensions (a key's name or a
    concept a key carries: 'stage', 'env', 'team')."""
    return tuple(q.toks[k].text for k in range(m.first, m.last)) in dim_words


def mark_negations(q: _Question, mentions: list[Mention]) -> None:
    prev: Mention | None = None
    for m in sorted(mentions, key=lambda m: m.first):
        before = q.low[max(0, q.toks[m.first].start - 24) : q.toks[m.first].start]
        if RE["negation"].search(before):
            m.negated = True
        elif prev is not None and prev.negated:
            # "other than AWS and Azure": a list after a negation is negated as a whole
            between = q.low[q.toks[prev.last - 1].end : q.toks[m.first].start]
            if re.fullmatch(r"\s*(,|and|or|&|nor|/|\+)?\s*(,\s*)?(and |or |nor )?(the |our )?\s*", between):
                m.negated = True
        prev = m


def same_dimension_conflicts(q: _Question, mentions: list[Mention]) -> None:
    """Two values of one dimension not named as a list ("of our Vertex AI spend, how much was Claude"): a row has
    one value per dimension, so the later name takes its partial reading in another dimension (claude-* models)."""
    for a, b in zip(mentions, mentions[1:], strict=False):
        if a.dim != b.dim or a.negated or b.negated or not b.partial:
            continue
        between = q.low[q.toks[a.last - 1].end : q.toks[b.first].start]
        if re.fullmatch(
            r"[\s,/&+]*(?:(?:and|or|nor|vs\.?|versus|plus|with|to|than|compared (?:to|with)|"
            r"(?:cost|costs|spend|spent|did) than|(?:cost|costs|spend|spent|did|was|were) (?:vs\.?|versus|compared (?:to|with))|"
            r"(?:(?:cost|costs|spend|spent|was|were|is|are|did) )?(?:more|less|higher|lower|bigger|smaller|cheaper|"
            r"pricier|larger) than)[\s,]*)*"
            r"(?:the |our )?\s*",
            between,
        ):
            continue
        dim = next(iter(b.partial))
        b.dim, b.values, b.exact, b.partial = dim, b.partial[dim], False, {}


def entity_comparison(mentions: list[Mention], rest: str) -> str | None:
    """Two or more values of one dimension named side by side ("OpenAI or Anthropic"): that dimension."""
    dims: dict[str, int] = {}
    for m in mentions:
        if not m.negated:
            dims[m.dim] = dims.get(m.dim, 0) + 1
    for d, n in dims.items():
        if n >= 2 and re.search(
            r"\b(or|vs\.?|versus|compared|than|between)\b|\bwhich (one )?of\b|^\s*(out )?of\b.*\bwhich\b",
            rest,
        ):
            return d
    return None


_AGAINST = re.compile(
    r"\s*(?:(?:cost|costs|spend|spent|was|were|is|are|did|do)\s+)?(?:more|less|higher|lower|bigger|smaller|"
    r"cheaper|pricier|larger)\s+than\s*(?:the |our )?|\s*(?:vs\.?|versus|compared (?:to|with))\s*(?:the |our )?"
)


def cross_dimension_comparison(q: _Question, mentions: list[Mention]) -> tuple[Mention, Mention] | None:
    """Two names of different dimensions set against each other ("did staging cost more than marketing": an
    environment against a team): no one figure answers it (their rows overlap), so no change over time of both
    together either; the pair, or None."""
    for a, b in zip(mentions, mentions[1:], strict=False):
        if a.dim == b.dim or a.negated or b.negated:
            continue
        if _AGAINST.fullmatch(q.low[q.toks[a.last - 1].end : q.toks[b.first].start]):
            return a, b
    return None
