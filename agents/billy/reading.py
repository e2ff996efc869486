"""Stage one of planning: read a question into a typed `Reading`, using the store's vocabulary.

A Reading holds what the question says, not what to run: the periods (agents.billy.when over tools.periods),
each name resolved to a dimension and value (agents.billy.resolve) or left unresolved, the concepts the store
does not hold, the measure, the groupings, negations, the unit, and the cues of what is asked (a change, a
share, a ranking, a why, a unit cost, a utilisation, a forecast ...). Stage two (agents.billy.rules) chooses
the operation from it with an ordered table of small rules; the LLM path gets the same Reading as context.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from spendscope.agents.billy.lexicon import (
    BUILTIN_DIMENSION_WORDS,
    FILLER,
    GENERIC,
    NUMBER_WORDS,
    OWNERSHIP_KEYS,
    SUPERLATIVE_HIGH,
    SUPERLATIVE_LOW,
    TAG_SYNONYMS,
)
from spendscope.agents.billy.phrasing import token_words
from spendscope.agents.billy.precision import ordinary_words
from spendscope.agents.billy.resolve import (
    Mention,
    ValueIndex,
    find_mentions,
    key_name,
    question_tokens,
    tokens,
)
from spendscope.agents.billy.vocab import (
    BUSY,
    CHANGE_NOUNS,
    DELEGATES,
    GPU_NAME,
    HIGH,
    INSTANCE_WORDS,
    LANDING,
    LOW,
    MEASURE_NOUNS,
    PRONOUN,
    RE,
    TOP_N,
    WENT_WRONG,
    WHICH,
)
from spendscope.agents.billy.when import PeriodMention, scan_periods
from spendscope.tools.costs.breakdown import Filter


@dataclass
class Reading:
    """What a question says, read against the store's vocabulary. Rules decide from these fields alone."""

    question: str
    low: str = ""
    rest: str = ""  # the question with the tokens of resolved names masked
    today: dt.date = dt.date(2000, 1, 1)
    periods: list[PeriodMention] = field(default_factory=list)
    over: str | None = None  # "month over month": the grain of a period-over-period change
    mentions: list[Mention] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)  # names the store does not hold
    declined: list[str] = field(default_factory=list)  # concepts the store does not hold (revenue, margin...)
    measure: str = "cost"
    token_types: list[str] = field(default_factory=list)
    groups: list[tuple[str, int]] = field(default_factory=list)  # dimension words, (dimension, token index)
    cues: set[str] = field(default_factory=set)  # what is asked: "why", "change", "share", "peak", ...
    top_n: int | None = None
    top_low_word: bool = False  # "bottom 3", "cheapest 2"
    unit: dict[str, str] | None = None  # "per 1M input tokens": scale, tt (token kind), unit
    entity_dim: str | None = None  # two values of one dimension named side by side ("OpenAI or Anthropic")
    context_dim: str | None = None  # "which gpt model": the dimension of a partial name next to its word
    delegate: str | None = None  # an analytics intent named (forecast, anomalies, savings, budget, gpu_idle)
    assistant: str | None = None  # a coding-assistant question's kind (agents.billy.assistants)
    assistant_tools: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    # filters and notes the words themselves make (token spend, untagged, GPU, commitment)
    filters: list[Filter] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    subject: str = ""
    word_filters: list[Filter] = field(default_factory=list)  # GPU / commitment words: not for delegates
    word_assumptions: list[str] = field(default_factory=list)
    word_subject: str = ""
    used: set[int] = field(default_factory=set)
    found: bool = False  # a figure is asked for ("how much", "what", a measure word, a name)
    q: Any = None  # the tokenised question (_Question), for the filter and follow-up steps

    @property
    def dims(self) -> list[str]:
        """Grouping dimensions named, without the plain time grains."""
        return [d for d, _ in self.groups if d not in ("day", "week", "month")]

    @property
    def grains(self) -> list[str]:
        return [d for d, _ in self.groups if d in ("day", "week", "month")]

    def describe(self) -> str:
        """The reading as lines of text (for the LLM path's context and for debugging)."""
        lines = [
            f"measure: {self.measure}" + (f" ({token_words(self.token_types)})" if self.token_types else "")
        ]
        if self.periods:
            lines.append(
                "periods: "
                + "; ".join(
                    f"{p.period.label} ({p.period.start} to {p.period.end - dt.timedelta(days=1)})"
                    for p in self.periods
                )
            )
        for m in self.mentions:
            lines.append(
                f"'{m.phrase}' = {m.dim} {', '.join(m.values[:6])}" + (" (excluded)" if m.negated else "")
            )
        if self.unresolved:
            lines.append("not in the data: " + ", ".join(self.unresolved))
        if self.declined:
            lines.append("concepts the store does not hold: " + ", ".join(self.declined))
        if self.dims or self.grains:
            lines.append("grouping words: " + ", ".join(self.dims + self.grains))
        if self.cues:
            lines.append("asked: " + ", ".join(sorted(self.cues)))
        return "\n".join(lines)


def read_question(
    question: str, index: ValueIndex, *, as_of: dt.date | None = None, real_today: dt.date | None = None
) -> Reading:
    """Read `question` against the store's vocabulary (no operation is chosen here)."""
    q = _Question(month_typos(question, index.value_tokens))
    q.raw = question.strip()
    today, today_note = today_for(as_of, index, real_today)
    r = Reading(question=q.raw, low=q.low, today=today, q=q)
    if today_note:
        r.assumptions.append(today_note)
    scan = scan_periods(q.low, today)
    for pm in scan.mentions:
        q.block_span(pm.start, pm.end)
    if scan.over_span:
        q.block_span(*scan.over_span)
    r.periods, r.over = list(scan.mentions), scan.over
    known = _known_words(index)
    mentions, used = find_mentions(index, q.toks, q.blocked, known)
    mentions, used = _vocabulary_not_names(q, mentions, used)
    mentions, used = ordinary_words(q, mentions, used, index, known)
    r.mentions, r.used = mentions, used
    r.rest = rest = q.rest_text(used)
    _negations(q, mentions)
    _same_dimension_conflicts(q, mentions)
    _measure(q.low, rest, r)
    r.groups = _group_dims(index, q, used, rest)
    _untagged(q, rest, r, index)
    untagged_toks = getattr(q, "untagged_tokens", set())
    r.groups = [(d, i) for d, i in r.groups if i not in untagged_toks]
    _cues(r, index)
    from spendscope.agents.billy.precision import declined_concepts, unresolved_names

    r.declined = declined_concepts(r, index)
    r.unresolved = unresolved_names(q, used, r, index, known)
    return r


_MONTHS = [calendar.month_name[i].lower() for i in range(1, 13)]


def month_typos(text: str, keep: set[str] | frozenset[str] = frozenset()) -> str:
    """Month names typed with a slip ("janaury", "feburary", "sepember") read as the month."""
    import difflib

    def fix(m: re.Match[str]) -> str:
        word = m.group(0)
        low = word.lower()
        if low in _MONTHS or len(low) < 4 or low in keep:
            return word
        close = difflib.get_close_matches(low, _MONTHS, n=1, cutoff=0.8 if len(low) > 4 else 0.88)
        return close[0] if close else word

    return re.sub(r"[A-Za-z]{4,}", fix, text)


def _cues(r: Reading, index: ValueIndex) -> None:
    """What is asked, as cue names; the analytics intent named; and the GPU / commitment word filters."""
    low, rest, q = r.low, r.rest, r.q
    periods, over, mentions = r.periods, r.over, r.mentions
    c = r.cues
    has_commit = (
        bool(RE["commit"].search(low)) or any(m.dim == "commitment" for m in mentions)
    ) and index.has_dim("commitment_status")
    change = bool(RE["change"].search(rest)) or over is not None
    if len(periods) >= 2 and re.search(
        r"\b(than|more|less|higher|lower|bigger|smaller|difference|by how much)\b", rest
    ):
        change = True
    share = bool(RE["share"].search(rest))
    if (
        share
        and len(periods) < 2
        and not over
        and not re.search(
            r"\b(change\w*|grow\w*|grew|increase\w*|decrease\w*|rise|rose|fall|fell|drop\w*|trend\w*)\b", rest
        )
    ):
        change = False  # "share of spend on AI vs GPUs": the "vs" splits a whole, not two periods
    if re.search(
        r"\b(vs\.?|versus|compared (to|with)|than|against)\s+(the\s+)?((day|week|month|quarter|year|period)"
        r" (before|prior)|(previous|prior|preceding) (day|week|month|quarter|year|period|one)|one before)\b",
        low,
    ):
        change = True  # "last month vs the month before": one period against the one before it
    flags = {
        "change": change,
        "change_word": bool(
            re.search(
                r"\b(change|changed|grow|grew|increase|decrease|rise|rose|fall|fell|drop|dropped|more|less|"
                r"go up|went up|go down|went down|trend|differ|delta|compar|vs|versus)",
                rest,
            )
        ),
        "why": bool(RE["why"].search(re.sub(RE["untagged"], " ", rest))),
        "share": share and not re.search(r"\bshare(d)? (cost|pool|service|infra\w*)", rest),
        "unit_words": bool(RE["unit_words"].search(rest)),
        "average": bool(RE["average"].search(rest)),
        "listing": bool(RE["listing"].search(rest)),
        "by_word": bool(
            re.search(r"\b(by|per|each|every|across|breakdown|broken|split|grouped|between)\b", rest)
        ),
        "grain_by": bool(re.search(r"\b(by|per|each|every|daily|weekly|monthly|trend|over time)\b", rest)),
        "group_by_word": bool(WHICH.search(rest) or re.search(r"\b(by|per|each|across)\b", rest)),
        "high": bool(HIGH.search(rest)),
        "low": bool(LOW.search(rest)),
        "which": bool(WHICH.search(rest)),
        "comparative": bool(
            re.search(r"\b(more|less|higher|lower|bigger|smaller|cheaper|pricier|larger)\b", rest)
        ),
        "less_word": bool(re.search(r"\b(less|lower|smaller|cheaper)\b", rest)),
        "pct_first": bool(RE["pct_first"].search(low)) and not RE["dollars_first"].search(low),
        "yoy": bool(re.search(r"\b(yoy|year[- ]over[- ]year|same (period|month|quarter) last year)\b", low)),
        "commit": has_commit,
    }
    c.update(k for k, v in flags.items() if v)
    count = RE["count"].search(rest)
    if count and not re.search(r"\b(tokens?|requests?|calls?|dollars?|hours?)\b", count.group("what")):
        c.add("count")
    peak = RE["peak"].search(rest)
    grain_word = re.search(r"\b(day|date|week|month)\b", rest)
    if peak and (r.grains or grain_word or re.search(r"\b(peak\w*|busiest|spiked?)\b", rest)):
        c.add("peak")
        g = r.grains[0] if r.grains else grain_word.group(1) if grain_word else "day"
        c.add("peak_" + ("day" if g == "date" else g))
    unit = RE["unit"].search(rest)
    if unit:
        r.unit = {k: (v or "") for k, v in unit.groupdict().items()}
    topn = TOP_N.search(rest)
    if topn:
        n = topn.group("n") or topn.group("n2")
        r.top_n = int(n) if n.isdigit() else NUMBER_WORDS.get(n, 1)
        r.top_low_word = topn.group(0).split()[0] in ("bottom", "lowest", "smallest", "cheapest", "last")
        c.add("top_n")
    r.entity_dim = _entity_comparison(mentions, rest)
    ctx = next((m for m in mentions if m.context_word and len(m.values) > 1 and not m.negated), None)
    r.context_dim = ctx.dim if ctx is not None else None
    dims = r.dims
    if (
        r.entity_dim
        and dims
        and dims[0] != r.entity_dim
        and "which" in c
        and not all(i == -1 for d, i in r.groups if d in dims)
    ):
        r.unsupported.append(
            f"comparing two {r.entity_dim.replace('_', ' ')}s per {dims[0].replace('_', ' ')}"
        )
    if r.entity_dim and dims and all(i == -1 for d, i in r.groups if d in dims):
        r.groups = [(d, i) for d, i in r.groups if d not in dims]  # "OpenAI vs Anthropic, who cost more?"
    _new_cues(r, index)
    _delegate(r)
    if r.delegate is None:
        _word_filters(r, q, has_commit, unit)
    r.found = (
        bool(
            re.search(
                r"\b(how much|how many|what|total|spend|spent|cost|costs|bill|billed|paid|pay|amount|"
                r"sum|usage|consum\w*|used|use)\b",
                rest,
            )
        )
        or bool(mentions)
        or r.measure in ("tokens", "requests", "gpu_hours")
    )


def _new_cues(r: Reading, index: ValueIndex) -> None:
    """Month-end landing, GPU utilisation, why a day cost what it did, a pronoun for the previous answer."""
    low, c = r.low, r.cues
    if LANDING.search(low) and not r.periods or LANDING.search(low) and _this_month(r):
        c.add("landing")
    gpu_named = bool(GPU_NAME.search(low)) or any(m.dim in ("instance_type", "resource") for m in r.mentions)
    idle_cost = re.search(r"\b(idle|unused|wasted?)\b", low) and RE["money"].search(low)
    if PRONOUN.search(low):
        c.add("pronoun")
    named = gpu_named or INSTANCE_WORDS.search(low) or "pronoun" in c
    if BUSY.search(low) and named and not idle_cost and "commit" not in c:
        c.add("gpu_utilization")
    if WENT_WRONG.search(low):
        c.add("what_went_wrong")
    from spendscope.agents.billy.assistants import read_assistant

    read_assistant(r, index)
    from spendscope.agents.billy.whatif import payg_whatif

    if payg_whatif(r):
        c.add("payg_whatif")


def _this_month(r: Reading) -> bool:
    return all(
        p.period.start <= r.today < p.period.end or p.period.start == r.today.replace(day=1)
        for p in r.periods
    )


def _delegate(r: Reading) -> None:
    rest = r.rest
    gpu_idle = RE["gpu"].search(rest) and (RE["unused"].search(rest) or RE["utilization"].search(rest))
    for intent, pattern in DELEGATES:
        if (intent == "gpu_idle" and gpu_idle) or (intent != "gpu_idle" and pattern.search(rest)):
            from spendscope.agents.billy import delegate

            if delegate.available(intent):
                r.delegate = intent
                return
    word = RE["unsupported"].search(rest)
    if word:
        r.unsupported.append(word.group(0))


def _word_filters(r: Reading, q: _Question, has_commit: bool, unit: re.Match[str] | None) -> None:
    """GPU spend and commitment words are filters, whatever is asked."""
    rest, low = r.rest, r.low
    if RE["gpu"].search(rest) and r.measure != "gpu_hours" and not (unit and "gpu" in unit.group(0)):
        if RE["unused"].search(rest) or RE["utilization"].search(rest):
            r.unsupported.append("GPU utilisation (needs GPU metrics)")
        elif not any(m.dim == "instance_type" for m in r.mentions):
            gpu_word = RE["gpu"].search(rest)
            negated = gpu_word is not None and RE["negation"].search(
                low[max(0, gpu_word.start() - 24) : gpu_word.start()]
            )
            if negated:
                r.word_filters.append(Filter(dimension="gpu_count", op="in", values=["(none)", "0"]))
                r.word_assumptions.append("excluded the cost of instances with GPUs")
            else:
                r.word_filters.append(Filter(dimension="gpu_count", op="not_in", values=["(none)", "0"]))
                r.word_assumptions.append("GPU spend = cost of instances with GPUs")
                r.word_subject = r.word_subject or "GPU instances"
    commit_word = RE["commit"].search(low) if has_commit else None
    if commit_word and RE["negation"].search(low[max(0, commit_word.start() - 24) : commit_word.start()]):
        r.word_filters.append(Filter(dimension="commitment_status", values=["(none)"]))
        r.word_assumptions.append("excluded commitment rows (used and unused)")
        r.cues.discard("commit")
        return
    if not has_commit:
        return
    if RE["utilization"].search(low) and not RE["unused"].search(low):
        r.cues.add("commit_utilization")
    elif RE["unused"].search(low):
        r.word_filters.append(Filter(dimension="commitment_status", values=["Unused"]))
        r.word_subject = "commitment that went unused"
        r.word_assumptions.append("unused commitment = effective cost of commitment rows with status Unused")
    elif re.search(r"\b(used|use|using|consumed?|utili[sz]ed)\b", rest):
        r.word_filters.append(Filter(dimension="commitment_status", values=["Used"]))
        r.word_subject = "commitment that was used"


class _Question:
    """The question with what has been read out of it so far."""

    def __init__(self, text: str) -> None:
        self.raw = text.strip()
        self.low = re.sub(r"[’`]", "'", self.raw.lower())
        self.toks = question_tokens(self.low)
        self.blocked: set[int] = set()

    def block_span(self, start: int, end: int) -> None:
        for i, t in enumerate(self.toks):
            if t.start < end and t.end > start:
                self.blocked.add(i)

    def rest_text(self, used: set[int]) -> str:
        """The question with used tokens replaced by '_' (so phrase patterns do not read them)."""
        out = list(self.low)
        for i in used:
            t = self.toks[i]
            out[t.start : t.end] = ["_"] * (t.end - t.start)
        return "".join(out)


def today_for(
    as_of: dt.date | None, index: ValueIndex, real_today: dt.date | None = None
) -> tuple[dt.date, str]:
    """'Today' for relative periods: --as-of, else the real date (or the day after the data ends when the
    data runs past the clock)."""
    if as_of is not None:
        return as_of, ""
    today = real_today or dt.date.today()
    last = index.catalog.last_day
    if last is not None and last >= today:
        return last + dt.timedelta(
            days=1
        ), f"today taken as {last + dt.timedelta(days=1)} (the data runs past the clock)"
    return today, ""


def _known_words(index: ValueIndex) -> set[str]:
    known = set(FILLER) | set(GENERIC) | set(NUMBER_WORDS)
    for words in BUILTIN_DIMENSION_WORDS.values():
        for w in words:
            known.update(tokens(w))
    for words in TAG_SYNONYMS.values():
        for w in words:
            known.update(tokens(w))
    for gram in index.dim_words:
        known.update(gram)
    for pattern in RE.values():
        known.update(re.findall(r"[a-z]{3,}", pattern.pattern))
    known.update(re.findall(r"[a-z]{3,}", SUPERLATIVE_HIGH + SUPERLATIVE_LOW))
    return known


def _vocabulary_not_names(
    q: _Question, mentions: list[Mention], used: set[int]
) -> tuple[list[Mention], set[int]]:
    """A value that is also a change word ("the growth team") is not a name in "spend growth from A to B"."""
    keep: list[Mention] = []
    for m in mentions:
        word = q.toks[m.first].text if m.last - m.first == 1 else ""
        prev = q.toks[m.first - 1].text if m.first > 0 else ""
        if word in CHANGE_NOUNS and not m.context_word and prev in MEASURE_NOUNS:
            used = used - {m.first}
            continue
        keep.append(m)
    return keep, used


def _negations(q: _Question, mentions: list[Mention]) -> None:
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


def _same_dimension_conflicts(q: _Question, mentions: list[Mention]) -> None:
    """Two values of one dimension not named as a list ("of our Vertex AI spend, how much was Claude"): a row has
    one value per dimension, so the later name takes its partial reading in another dimension (claude-* models)."""
    for a, b in zip(mentions, mentions[1:], strict=False):
        if a.dim != b.dim or a.negated or b.negated or not b.partial:
            continue
        between = q.low[q.toks[a.last - 1].end : q.toks[b.first].start]
        if re.fullmatch(
            r"[\s,/&+]*(?:(?:and|or|nor|vs\.?|versus|plus|with|to|than|compared (?:to|with))[\s,]*)*"
            r"(?:the |our )?\s*",
            between,
        ):
            continue
        dim = next(iter(b.partial))
        b.dim, b.values, b.exact, b.partial = dim, b.partial[dim], False, {}


def _token_kinds(low: str) -> list[str]:
    """The token kinds a question names ("cached input tokens" is one kind, cache reads, not input + cached)."""
    kinds: list[str] = []
    no_cache = re.sub(
        r"\bcach(e|ed|es)\b[\s-]*(reads?|hits?|writes?|creation|created|written)?[\s-]*(input|prompt)?",
        " ",
        low,
    )
    if RE["input"].search(no_cache):
        kinds.append("input")
        if RE["cache_incl"].search(low) and not RE["cache_excl"].search(low):
            kinds += ["cached_input", "cache_write"]
    if RE["output"].search(low):
        kinds.append("output")
    if RE["cached"].search(low) and "cached_input" not in kinds:
        kinds.append("cached_input")
    if RE["cache_write"].search(low) and "cache_write" not in kinds:
        kinds.append("cache_write")
    if RE["reasoning"].search(low):
        kinds.append("reasoning")
    return kinds


def _measure(low: str, rest: str, plan: Reading) -> None:
    if RE["gpu_hours"].search(low) and not re.search(r"\bper gpu[- ]?hours?\b", low):
        plan.measure = "gpu_hours"
        return
    unit = RE["unit"].search(low)
    cache_words = RE["cached"].search(low) or RE["cache_write"].search(low)
    if (RE["tokens"].search(low) or cache_words) and not (unit and unit.group("unit").startswith("token")):
        kinds = _token_kinds(low)
        if RE["money"].search(low) and not RE["how_many"].search(low):
            # "what did we spend on cached input tokens": dollars of those token rows, not a token count
            plan.filters.append(
                Filter(dimension="token_type", op="in" if kinds else "not_in", values=kinds or ["(none)"])
            )
            plan.assumptions.append(
                f"spend on {token_words(kinds)} = cost of the bill's {token_words(kinds)} rows"
            )
        else:
            plan.measure = "tokens"
            plan.token_types = kinds
            return
    elif re.search(
        r"\b(how many|number of|count of|total)\b[^?]{0,30}\b(requests?|calls?|invocations?|inferences?)\b",
        low,
    ) and not (unit and not unit.group("unit").startswith("token")):
        plan.measure = "requests"
        return
    if RE["list"].search(low):
        plan.measure = "list_cost"
    elif RE["contracted"].search(low):
        plan.measure = "contracted_cost"
    elif re.search(r"\bbilling account", low) is None and RE["billed"].search(low):
        plan.measure = "billed_cost"


def _group_dims(index: ValueIndex, q: _Question, used: set[int], rest: str) -> list[tuple[str, int]]:
    """Dimension words not used as context of a value: (dimension, token index), in question order."""
    out: list[tuple[str, int]] = []
    taken: set[int] = set()
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
    return index.tag_keys()[0] if index.tag_keys() else None


def _untagged(q: _Question, rest: str, plan: Reading, index: ValueIndex) -> None:
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


def _entity_comparison(mentions: list[Mention], rest: str) -> str | None:
    """Two or more values of one dimension named side by side ("OpenAI or Anthropic"): that dimension."""
    dims: dict[str, int] = {}
    for m in mentions:
        if not m.negated:
            dims[m.dim] = dims.get(m.dim, 0) + 1
    for d, n in dims.items():
        if n >= 2 and re.search(r"\b(or|vs\.?|versus|compared|than|between)\b", rest):
            return d
    return None
