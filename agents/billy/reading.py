"""Stage one of planning: read a question into a typed `Reading`, using the store's vocabulary.

A Reading holds what the question says, not what to run: the periods (agents.billy.when over tools.periods),
each name resolved to a dimension and value (agents.billy.resolve) or left unresolved, the concepts the store
does not hold, the measure (agents.billy.measure), the groupings and untagged spend (agents.billy.groups),
negations (agents.billy.mentions), the unit, and the cues of what is asked (agents.billy.cues: a change, a
share, a ranking, a why, a unit cost, a utilisation, a forecast ...). Stage two (agents.billy.rules) chooses
the operation from it with an ordered table of small rules; the LLM path gets the same Reading as context.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from spendscope.agents.billy.cues import read_cues
from spendscope.agents.billy.filler import FILLER
from spendscope.agents.billy.groups import group_dims, read_untagged, whole_dimensions
from spendscope.agents.billy.lexicon import (
    BUILTIN_DIMENSION_WORDS,
    NUMBER_WORDS,
    OWNERSHIP_VERBS,
    SUPERLATIVE_HIGH,
    SUPERLATIVE_LOW,
    TAG_SYNONYMS,
)
from spendscope.agents.billy.measure import read_measure
from spendscope.agents.billy.mentions import mark_negations, same_dimension_conflicts, vocabulary_not_names
from spendscope.agents.billy.phrasing import token_words
from spendscope.agents.billy.precision import ordinary_words, slipped_own_names, split_compounds
from spendscope.agents.billy.question import _Question
from spendscope.agents.billy.resolve import (
    Mention,
    ValueIndex,
    find_mentions,
    tokens,
)
from spendscope.agents.billy.stopwords import GENERIC
from spendscope.agents.billy.versions import unknown_model_versions
from spendscope.agents.billy.vocab import (
    RE,
)
from spendscope.agents.billy.when import PeriodMention, scan_periods
from spendscope.agents.billy.when_unread import unread_period
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
    unresolved_dims: dict[str, str] = field(default_factory=dict)  # such a name -> the dimension said with it
    declined: list[str] = field(default_factory=list)  # concepts the store does not hold (revenue, margin...)
    unread: list[str] = field(default_factory=list)  # things named in words read as nothing ("smolt camera")
    unread_period: str | None = None  # time words no period was read from ("the other day")
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
    stated_budget: float | None = None  # "our budget for jan is 1.2m": the amount said (stated_budget.py)
    assistant: str | None = None  # a coding-assistant question's kind (agents.billy.assistants)
    assistant_tools: list[str] = field(default_factory=list)
    # "if we moved X traffic to Y": the rows moved and the model they move to, each (dimension, value)
    swap: tuple[tuple[str, str], tuple[str, str]] | None = None
    swap_values: list[str] = field(
        default_factory=list
    )  # the moved rows' values when one name matches several
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
    calendar: Any = None  # day-of-week words (agents.billy.weekdays.CalendarWords), or None

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
        if self.unread_period:
            lines.append(f"time words no period was read from: {self.unread_period!r}")
        if self.dims or self.grains:
            lines.append("grouping words: " + ", ".join(self.dims + self.grains))
        if self.cues:
            lines.append("asked: " + ", ".join(sorted(self.cues)))
        return "\n".join(lines)


_AHEAD = re.compile(
    r"\b(will|gonna|going to|land\w*|end (up|out)|wind up|on (track|pace|course))\b|'ll\b", re.I
)
_THE_GRAIN = re.compile(r"\bthe (month|quarter|year)\b(?! (before|after|prior|earlier|later))", re.I)


def the_current(text: str) -> str:
    """ "what will the year be", "where will the quarter land": a question about what is still to come names the
    current month, quarter or year as "the" one (read as "this"); any other "the month" is left alone."""
    if not _AHEAD.search(text) or re.search(r"\b(which|what) (month|quarter|year)\b", text, re.I):
        return text
    return _THE_GRAIN.sub(lambda m: f"this {m.group(1)}", text)


def read_question(
    question: str, index: ValueIndex, *, as_of: dt.date | None = None, real_today: dt.date | None = None
) -> Reading:
    """Read `question` against the store's vocabulary (no operation is chosen here)."""
    q = _Question(the_current(month_typos(slack_typos(imperative_exclusions(question)), index.value_tokens)))
    # q.raw stays the text read (typos fixed), aligned with q.low's tokens; the Reading keeps the question asked
    today, today_note = today_for(as_of, index, real_today)
    r = Reading(question=question.strip(), low=q.low, today=today, q=q)
    if today_note:
        r.assumptions.append(today_note)
    scan = scan_periods(q.low, today)
    for pm in scan.mentions:
        q.block_span(pm.start, pm.end)
    if scan.over_span:
        q.block_span(*scan.over_span)
    r.periods, r.over = list(scan.mentions), scan.over
    from spendscope.agents.billy.stated_budget import stated_budget

    if said := stated_budget(q.low):  # "our budget for jan is 1.2m kes, are we on track": no names in it
        r.stated_budget = said[0]
        for start, end in said[1]:
            q.block_span(start, end)
    r.unread_period = unread_period(q.low, r.periods)
    from spendscope.agents.billy.weekdays import calendar_groups, read_calendar

    r.calendar = read_calendar(q, r)  # "on weekends", "by day of week": after the periods, before the names
    for said in whole_dimensions(index, q):
        r.assumptions.append(f"'{said}' read as one figure over all of them, not each one's")
    known = _known_words(index)
    mentions, used = find_mentions(index, q.toks, q.blocked, known)
    mentions, used = vocabulary_not_names(q, mentions, used, index.dim_words)
    mentions, used = ordinary_words(q, mentions, used, index, known)
    mentions, used = split_compounds(q, mentions, used, known, index)
    mentions, used = slipped_own_names(q, mentions, used, index)
    mentions, used = unknown_model_versions(q, mentions, used, index)
    r.mentions, r.used = mentions, used
    r.rest = rest = q.rest_text(used)
    mark_negations(q, mentions)
    same_dimension_conflicts(q, mentions)
    from spendscope.agents.billy.customer_nouns import said_customer_nouns

    r.assumptions += said_customer_nouns([t.text for k, t in enumerate(q.toks) if k not in used], index)
    read_measure(q.low, rest, r)
    r.groups = group_dims(index, q, used, rest) + calendar_groups(r.calendar)
    read_untagged(q, rest, r, index)
    untagged_toks = getattr(q, "untagged_tokens", set())
    r.groups = [(d, i) for d, i in r.groups if i not in untagged_toks]
    read_cues(r, index)
    if r.stated_budget is not None and (
        not r.periods or any(p.period.start <= r.today < p.period.end for p in r.periods)
    ):  # the month's landing against the amount said, not the stored budgets
        r.delegate = None
        r.cues.add("landing")
        r.unsupported = [
            u for u in r.unsupported if not re.match(r"budget|will|gonna|going|go over|exceed", u)
        ]
    from spendscope.agents.billy.declines import declined_concepts
    from spendscope.agents.billy.precision import unresolved_names

    r.declined = declined_concepts(r, index)
    typed: dict[
        str, str
    ] = {}  # each name once, in the letters the user typed it ('Anthropic', not 'anthropic')
    for w in unresolved_names(q, used, r, index, known):
        if w.lower() not in typed or (w in r.question and typed[w.lower()] not in r.question):
            typed[w.lower()] = w
    named = getattr(q, "compounds", []) + list(typed.values())
    r.unresolved = list(dict.fromkeys(typed.get(w.lower(), w) for w in named))
    return r


_MONTHS = [calendar.month_name[i].lower() for i in range(1, 13)]

# Slack shorthand and slips of common question words (never a store value: only these exact words)
_SHORTHAND = {
    "wat": "what",
    "wut": "what",
    "wht": "what",
    "waht": "what",
    "hwo": "how",
    "hw": "how",
    # the spend words typed short or with a slip ("spnd yesterday?", "wat did we spnt")
    "spnd": "spend",
    "spnt": "spent",
    "sepnd": "spend",
    "spedn": "spend",
    "cst": "cost",
    # calendar words typed short ("last mnth", "this qtr")
    "mnth": "month",
    "mth": "month",
    "mnths": "months",
    "mths": "months",
    "mnoth": "month",
    "qtr": "quarter",
    "qtrs": "quarters",
    "wk": "week",
    "wks": "weeks",
    "mo": "month",
    "mos": "months",
    "yr": "year",
    "yrs": "years",
    "yday": "yesterday",
    "yest": "yesterday",
    "ytday": "yesterday",
    "wknd": "weekend",
    "wkend": "weekend",
    "prev": "previous",
    "tdy": "today",
}


_DROP = re.compile(
    r"^(\s*)(?:and |but |now |ok,? |also |then |pls |please )?"
    r"(?:drop|remove|skip|take out|strip out|filter out|leave out|leave off|ignore|exclude|minus)\b",
    re.I,
)


def imperative_exclusions(text: str) -> str:
    """ "drop staging", "remove gpt-4o": a follow-up that takes a value out, said as an order at the start (not
    "why did spend drop"), read as "excluding ..." so the value is negated, not asked about."""
    return _DROP.sub(r"\1excluding", text, count=1)


def slack_typos(text: str) -> str:
    """ "wat happened on 8/24", "y was tues so pricey": shorthand for a question word read as the word ("y"
    only opening a question before its verb)."""
    text = re.sub(r"^(\s*)[Yy](?=\s+(?:was|is|were|are|did|does|do|has|have|had|so)\b)", r"\1why", text)
    text = re.sub(r"\b[A-Za-z]{2,5}\b", lambda m: _SHORTHAND.get(m.group(0).lower(), m.group(0)), text)
    text = _SPLIT_AROUND.sub(r"\1 \3 \2", text)
    return _UNMARKED_POSSESSIVE.sub(lambda m: m.group(1) + "'s", _UNMARKED_DAY.sub(r"\1's", text))


# "break spend down by stage", "split our costs out by team": the grouping verb said around what is split, read as
# "break down spend by stage" ('break' was declined as an unknown name)
_SPLIT_AROUND = re.compile(
    r"\b(break|split|slice|carve)\s+((?:(?:our|the|all|total|ai|llm|monthly|last month's)\s+)*"
    r"(?:spend|spending|costs?|bills?|usage|invoices?|totals?))\s+(down|out|up)\b",
    re.I,
)


# a calendar word's possessive typed without its apostrophe ("yesterdays spend", "last weeks spend?", "this months
# bill"): the period, not an unknown name or a plural read as no period (all data's total was stated)
_UNMARKED_DAY = re.compile(r"\b(yesterday|today)s\b", re.I)
_UNMARKED_POSSESSIVE = re.compile(
    r"(?<!the )\b((?:last|this|previous|prev|past|current)\s+(?:day|week|month|quarter|year))s\b"
    r"(?=\s*(?:[?.!,]|$)|\s+(?:spend|spending|spent|costs?|bills?|totals?|burn|invoices?|usage|numbers|figures?)\b)",
    re.I,
)


def month_typos(text: str, keep: set[str] | frozenset[str] = frozenset()) -> str:
    """Month names typed with a slip ("janaury", "feburary", "sepember") read as the month."""
    import difflib

    def fix(m: re.Match[str]) -> str:
        word = m.group(0)
        low = word.lower()
        if low in _MONTHS or len(low) < 4 or low in keep:
            return word
        close = difflib.get_close_matches(low, _MONTHS, n=1, cutoff=0.8 if len(low) > 4 else 0.88)
        return close[0] if close else _transposed_month(low) or word

    return re.sub(r"[A-Za-z]{4,}", fix, text)


def _transposed_month(low: str) -> str | None:
    """ "jnue", "jluy", "mrach": a month name with two neighbouring letters swapped (difflib scores such a slip
    in a short word too low)."""
    for month in _MONTHS:
        if len(month) == len(low) and low[0] == month[0] and sorted(low) == sorted(month):
            diff = [i for i, (a, b) in enumerate(zip(low, month, strict=True)) if a != b]
            if len(diff) == 2 and diff[1] == diff[0] + 1:
                return month
    return None


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
    known.update(re.findall(r"[a-z]{3,}", SUPERLATIVE_HIGH + SUPERLATIVE_LOW + "|" + OWNERSHIP_VERBS))
    from spendscope.agents.billy.whatif import PAYG, WHAT_IF

    known.update(re.findall(r"[a-z]{3,}", PAYG.pattern + WHAT_IF.pattern))  # "payg", "paygo"
    known.update(
        ("direct", "directly")
    )  # "openai direct spend": how the seller bills us (planner._direct_bill)
    known.update(
        ("breakdown", "breakdowns", "split", "splits")
    )  # "squad breakdown": a grouping word, no name
    # "if vamirat doubled": the verbs of a scaled what-if (agents/billy/scaling.py) follow a name, never describe it
    known.update(("double", "doubled", "doubles", "doubling", "triple", "tripled", "triples", "tripling"))
    known.update(("halve", "halved", "halves", "halving"))
    return known
