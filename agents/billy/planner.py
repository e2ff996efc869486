"""The deterministic planner: a question in, a Plan out, with zero LLM calls.

It finds the periods (agents.billy.when), the names of values the store actually holds
(agents.billy.resolve), the words that name dimensions, measures and intents (agents.billy.lexicon), and
builds the plan: intent (total, breakdown, top, compare, drivers, peak, share, unit cost, utilisation, count,
average), measure, filters, grouping and periods. It also says what it assumed and how sure it is; words it
could not place (a capitalised name the store does not hold, "the payments team" when there is no such
team) lower its confidence so that an LLM, or an honest "I can't", takes over.
"""

from __future__ import annotations

import datetime as dt
import re

from spendscope.agents.billy.lexicon import (
    BUILTIN_DIMENSION_WORDS,
    FILLER,
    GENERIC,
    KNOWN_CAPS,
    NUMBER_WORDS,
    OWNERSHIP_KEYS,
    SUPERLATIVE_HIGH,
    SUPERLATIVE_LOW,
    TAG_SYNONYMS,
    words_re,
)
from spendscope.agents.billy.models import PeriodRef, Plan
from spendscope.agents.billy.phrasing import token_words
from spendscope.agents.billy.resolve import (
    Mention,
    ValueIndex,
    find_mentions,
    key_name,
    question_tokens,
    tokens,
)
from spendscope.agents.billy.when import PeriodMention, scan_periods
from spendscope.tools.costs.breakdown import Filter
from spendscope.tools.periods import Period, add_months, month_period

CONFIDENT = 0.6

_RE = {
    "tokens": re.compile(r"\btokens?\b|\btok\b"),
    "input": re.compile(r"\b(input|prompt|in)\s+tokens?|\binput\b"),
    "output": re.compile(
        r"\b(output|completion|generated|out)\s+tokens?|\boutput\b|\bcompletions?\b|"
        r"\b(came|come|comes|coming) out\b|\bout of the (models?|llms?)\b|\b(emitted|returned) by\b"
    ),
    "cached": re.compile(r"\bcache[ds]?\s*(read|reads|hits?)\b|\bcached\b|\bcache reads?\b"),
    "cache_write": re.compile(r"\bcache\s*(writes?|creation|created|written)\b|\bcache[- ]write"),
    "reasoning": re.compile(r"\b(reasoning|thinking)\b"),
    "cache_incl": re.compile(
        r"(incl(uding|uded|\.)?|with|plus|counting|counted|inclusive)\b[^.?!]{0,30}\bcach|\bcach[^.?!]{0,40}"
        r"\b(included|inclusive|counted|too|as well|also)\b|\ball (kinds|types) of input"
    ),
    "cache_excl": re.compile(r"(excl(uding|uded|\.)?|without|except|not counting|minus)\b[^.?!]{0,20}\bcach"),
    "money": re.compile(
        r"\$|\b(spend|spent|spending|spends|cost|costs|costing|cost us|pay|paid|paying|price[ds]?|pricing|charged?|"
        r"bill|billed|invoic\w*|dollars?|usd|expensive|cheap\w*|money|budget)\b"
    ),
    "how_many": re.compile(r"\bhow many\b(?! (dollars|usd|\$))|\bnumber of\b|\bcount\b|\bvolume\b"),
    "requests": re.compile(r"\b(requests?|calls?|api calls?|invocations?|inferences?|completions calls?)\b"),
    "gpu_hours": re.compile(r"\bgpu[- ]?hours?\b|\bgpu[- ]?hrs?\b"),
    "billed": re.compile(r"\b(bill|bills|billed|invoic\w*|charged us)\b"),
    "billed_by": re.compile(r"\b(bill|billed|invoic\w*|charged)\b"),
    "list": re.compile(r"\blist[- ](price|cost|rate)s?\b|\bat list\b|\bon[- ]demand (price|rate|cost)s?\b"),
    "contracted": re.compile(r"\bcontracted\b"),
    "effective": re.compile(r"\b(amorti[sz]\w*|effective)\b"),
    "commit": re.compile(
        r"\bcommit\w*|\bptus?\b|\bprovisioned\b|\breserv\w*|\bsavings? plans?\b|\bcuds?\b|"
        r"\bprepa(id|y)\b|\bpre-?purchas\w*"
    ),
    "utilization": re.compile(
        r"\butili[sz]\w*|\busage rate\b|\bhow much of\b.*\b(used|use|using|consumed|consume|burn(ed|t)?)\b|"
        r"\b(what|which) (share|percent|percentage|fraction|portion) of\b.*\b(used|consumed)\b|"
        r"(%|\bpercent\w*|\bshare|\bfraction|\bportion|\bproportion) of\b.*\b(use|used|using|consumed?)\b"
    ),
    "unused": re.compile(
        r"\bunused\b|\bun-used\b|\bwasted?\b|\bidle\b|\bnot used\b|\bunutili[sz]ed\b|"
        r"\bleft on the table\b|\bwent to waste\b|\bunderutili[sz]\w*|\bleftover\b"
    ),
    "gpu": re.compile(r"\bgpus?\b|\baccelerators?\b"),
    "untagged": re.compile(
        r"\b(untagged|un-tagged|not tagged|unallocated|unattributed|un-allocated|"
        r"not allocated|not attributed|unassigned|not assigned|unowned|no owner|without (an )?owner)\b|"
        r"\b(is|are|was|were|has|have)n'?t (been )?(tagged|allocated|attributed|assigned)\b"
    ),
    "share": re.compile(
        r"\b(share|shares|percent|percentage|proportion|fraction|what part|pct)\b|%|"
        r"\b(what|which) portion\b"
    ),
    "change": re.compile(
        r"\b(change|changed|changes|increase\w*|decrease\w*|grow|grew|grown|growth|growing|rise|rose|risen|rising|"
        r"drop\w*|fall|fell|fallen|falling|jump\w*|climb\w*|declin\w*|shrink|shrank|differ\w*|delta|compar\w*|"
        r"vs\.?|versus|trend\w*|evolv\w*|move[ds]?|moving|swing)\b|\b(go|went|gone|going|goes) (up|down)\b|"
        r"\b(up|down) (from|by|or)\b|\bmore than\b|\bless than\b|\bhigher than\b|\blower than\b"
    ),
    "why": re.compile(
        r"\bwhy\b|\bdr[oi]ve\w*|\bdrivers?\b|\bexplain\w*|\bcaus\w*|\bbehind\b|\breasons?\b|"
        r"\bresponsible\b|\bcontribut\w*|\battribut\w*|\bwhat made\b|\baccount(s|ed)? for\b"
    ),
    "dollars_first": re.compile(
        r"\bhow many dollars\b|\bin dollars\b|\bdollar (change|amount|difference)\b|"
        r"\bby how much\b|\bhow much (more|less)\b|\bin \$|\bin usd\b"
    ),
    "pct_first": re.compile(
        r"\b(what|which|how many|by what) (percent|percentage|%)|\bpercent(age)? (change|"
        r"increase|decrease|growth|drop|decline|difference)|\bin (percent|percentage|%)|"
        r"\bas a percent|%\s*(change|increase|decrease|growth)|\bby how many percent"
    ),
    "unit": re.compile(
        r"(?:\b(?:per|for each|each|every|a|an)|/)[\s-]*(?P<scale>1m|1 m|one million|a million|million|1,000,000|"
        r"1000000|mtok|mtoks|m|1k|1 k|one thousand|a thousand|thousand|1,000|1000|k|1|one|single)?[\s-]*"
        r"(?P<tt>input|output|prompt|completion|cached|cache read|cache write)?[\s-]*"
        r"(?P<unit>tokens?|requests?|calls?|api calls?|inferences?|gpu[- ]?hours?|hours?|queries|query)\b"
    ),
    "unit_words": re.compile(r"\bunit (cost|price)s?\b|\bcost per\b|\bprice per\b|\brate per\b|\bblended\b"),
    "count": re.compile(
        r"\b(how many|number of|count of|count the|no\. of|#) ?(distinct |different |unique |separate )?"
        r"(?P<what>[a-z][a-z _-]*)"
    ),
    "listing": re.compile(
        r"\b(list|name|show)( me)?( all)?( the| our)? (?P<what>[a-z][a-z _-]*)|"
        r"\bwhat (?P<what2>[a-z][a-z _-]*) (do|did|are|were) we (use|using|pay|paying)\b"
    ),
    "average": re.compile(
        r"\b(average|avg|mean|typical)\b|\bper (day|week|month) on average\b|"
        r"\b(a|per) day\b(?! (on|at|with))|\brun[- ]rate\b|\bburn rate\b"
    ),
    "peak": re.compile(
        r"\bpeak\w*|\bbusiest\b|\bspiked?\b|\bmost expensive (day|week|month|date)\b|"
        r"\b(which|what) (day|date|week|month)s?\b|\b(day|date|week|month) (with|had|saw|of) the\b|"
        r"\b(cheapest|least expensive|lowest|quietest|slowest|highest|biggest|largest|costliest|priciest|"
        r"most expensive|heaviest|worst|best|max|maximum|min|minimum|top)[\s-]+(spend(ing)?[\s-]+|cost[\s-]+)?"
        r"(day|date|week|month)\b"
    ),
    "followup": re.compile(
        r"^\s*(and|what about|how about|same|also|now|ok|okay|then|vs|versus|compared to|"
        r"what if|and what|and how|and for|for|in|on|by|only|just|excluding|except|without)\b"
    ),
    "previous": re.compile(
        r"\b(the )?(day|week|month|quarter|year|period) (before|prior)\b|\bthe previous "
        r"(one|period)\b|\bthe one before\b|\bbefore that\b|\bprior (one|period)\b"
    ),
    "negation": re.compile(
        r"(\b(excluding|exclude|excludes|except|besides|apart from|other than|not counting|not including|"
        r"leaving out|leave out|net of|without|minus|ignoring|outside( of)?|non|not|excl|ex)\b|\bw/o)"
        r"(\W+(the|our|a|an|all|any|of|for|on|from))*\W*$"
    ),
    "unsupported": re.compile(
        r"\b(forecast\w*|predict\w*|project(ed|ion)s?|will we|going to spend|end of (the )?(month|quarter|year)|"
        r"budgets?|anomal\w*|unusual|outliers?|abnormal|savings?(?! plans?)|save|cheaper|optimi[sz]\w*|recommend\w*|"
        r"reconcil\w*|estimat\w*|drift)\b"
    ),
}


_DELEGATES = [
    ("budget", re.compile(r"\bbudgets?\b")),
    ("gpu_idle", re.compile(r"$^")),
    (
        "forecast",
        re.compile(
            r"\b(forecast\w*|predict\w*|projected|projections?|will we (spend|pay)|going to "
            r"(spend|cost)|expect(ed)? to spend|end of (the )?(month|quarter|year)|next month's)\b"
        ),
    ),
    ("anomalies", re.compile(r"\b(anomal\w*|unusual|outliers?|abnormal|unexpected)\b")),
    (
        "savings",
        re.compile(
            r"\b(save|savings(?! plans?)|cheaper (alternative|option|model)s?|optimi[sz]\w*|recommend\w*|"
            r"reduce (our )?(costs?|spend|bill)|cut (our )?(costs?|spend|bill))\b"
        ),
    ),
]


def _word_list(words: set[str]) -> re.Pattern[str]:
    return re.compile(words_re(words))


_TOP_N = re.compile(
    r"\b(top|bottom|largest|biggest|highest|lowest|smallest|cheapest|first|last)\s+(?P<n>\d+|"
    + "|".join(k for k in NUMBER_WORDS if NUMBER_WORDS[k] > 1)
    + r")\b|\b(?P<n2>\d+|"
    + "|".join(k for k in NUMBER_WORDS if NUMBER_WORDS[k] > 1)
    + r")\s+(largest|biggest|"
    r"highest|lowest|smallest|cheapest|most expensive|top|costliest)\b"
)
_HIGH = re.compile(r"\b(" + SUPERLATIVE_HIGH + r")\b|\bspen(t|ds?) the most\b|\bspender\b|\bmost\b")
_LOW = re.compile(r"\b(" + SUPERLATIVE_LOW + r")\b")
_WHICH = re.compile(r"\b(which|what|who|whose)\b")


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


def _ref(p: Period) -> PeriodRef:
    return PeriodRef(start=p.start, end=p.end, label=p.label)


def _label_dim(dim: str) -> str:
    return dim.replace("_", " ")


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


def plan_question(
    question: str,
    index: ValueIndex,
    *,
    as_of: dt.date | None = None,
    previous: Plan | None = None,
    real_today: dt.date | None = None,
) -> Plan:
    """Read a question into a Plan. With `previous` (the thread's last plan), a follow-up such as "and for
    Anthropic?" keeps what it does not change."""
    q = _Question(question)
    today, today_note = today_for(as_of, index, real_today)
    plan = Plan(question=q.raw, as_of=as_of)
    if today_note:
        plan.assumptions.append(today_note)

    scan = scan_periods(q.low, today)
    for pm in scan.mentions:
        q.block_span(pm.start, pm.end)
    if scan.over_span:
        q.block_span(*scan.over_span)

    known = _known_words(index)
    mentions, used = find_mentions(index, q.toks, q.blocked, known)
    mentions, used = _vocabulary_not_names(q, mentions, used)
    rest = q.rest_text(used)

    _negations(q, mentions)
    _same_dimension_conflicts(q, mentions)
    _measure(q.low, rest, plan)
    group_dims = _group_dims(index, q, used, rest)
    intent_found = _intent(q, rest, plan, index, mentions, group_dims, scan.mentions, scan.over)
    _filters(plan, mentions, index, q)
    _gpu_models(q, used, plan, index)
    _periods(plan, scan.mentions, scan.over, today, index, previous, q.low)

    is_followup = previous is not None and _looks_like_followup(
        q, intent_found, mentions, scan.mentions, plan
    )
    if is_followup and previous is not None:
        plan = _merge_followup(previous, plan, q, intent_found, mentions, scan.mentions, group_dims)
    elif (
        previous is not None
        and not scan.mentions
        and previous.period is not None
        and plan.base_period is None
    ):
        plan.period = previous.period
        plan.assumptions.append(f"period carried over from the conversation: {previous.period.label}")

    _unresolved(q, used, plan, index, known)
    _confidence(plan, intent_found or is_followup)
    return plan


# ----------------------------------------------------------------------------------------- pieces


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
    for pattern in _RE.values():
        known.update(re.findall(r"[a-z]{3,}", pattern.pattern))
    known.update(re.findall(r"[a-z]{3,}", SUPERLATIVE_HIGH + SUPERLATIVE_LOW))
    return known


_CHANGE_NOUNS = {
    "growth",
    "increase",
    "decrease",
    "change",
    "drop",
    "spike",
    "jump",
    "rise",
    "decline",
    "trend",
    "delta",
    "savings",
    "increases",
    "changes",
}
_MEASURE_NOUNS = {
    "spend",
    "spending",
    "cost",
    "costs",
    "bill",
    "billing",
    "usage",
    "token",
    "tokens",
    "price",
}


def _vocabulary_not_names(
    q: _Question, mentions: list[Mention], used: set[int]
) -> tuple[list[Mention], set[int]]:
    """A value that is also a change word ("the growth team") is not a name in "spend growth from A to B"."""
    keep: list[Mention] = []
    for m in mentions:
        word = q.toks[m.first].text if m.last - m.first == 1 else ""
        prev = q.toks[m.first - 1].text if m.first > 0 else ""
        if word in _CHANGE_NOUNS and not m.context_word and prev in _MEASURE_NOUNS:
            used = used - {m.first}
            continue
        keep.append(m)
    return keep, used


def _negations(q: _Question, mentions: list[Mention]) -> None:
    prev: Mention | None = None
    for m in sorted(mentions, key=lambda m: m.first):
        before = q.low[max(0, q.toks[m.first].start - 24) : q.toks[m.first].start]
        if _RE["negation"].search(before):
            m.negated = True
        elif prev is not None and prev.negated:
            # "other than AWS and Azure": a list after a negation is negated as a whole
            between = q.low[q.toks[prev.last - 1].end : q.toks[m.first].start]
            if re.fullmatch(r"\s*(,|and|or|&|nor|/|\+)?\s*(,\s*)?(and |or |nor )?(the |our )?\s*", between):
                m.negated = True
        prev = m


def _gpu_models(q: _Question, used: set[int], plan: Plan, index: ValueIndex) -> None:
    """A GPU model named ("A100 spend", "the H100s"): the store's instance types that carry that GPU."""
    from spendscope.data.gpu_catalog import GPU_INSTANCES

    if any(f.dimension in ("instance_type", "gpu_count") for f in plan.filters):
        return
    for i, t in enumerate(q.toks):
        if i in used or i in q.blocked:
            continue
        name = re.fullmatch(r"([abhlvt]\d{1,3}[a-z]?)s?", t.text)
        if not name:
            continue
        types = [
            v
            for v in index.values.get("instance_type", [])
            if GPU_INSTANCES.get(v.lower(), (0, ""))[1].lower().split("-")[0] == name.group(1)
        ]
        if types:
            plan.filters.append(Filter(dimension="instance_type", values=types))
            plan.assumptions.append(
                f"'{t.text}' = instances with {name.group(1).upper()} GPUs ({', '.join(types)})"
            )
            plan.subject = plan.subject or f"{name.group(1).upper()} instances"
            used.add(i)
            return


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
    if _RE["input"].search(no_cache):
        kinds.append("input")
        if _RE["cache_incl"].search(low) and not _RE["cache_excl"].search(low):
            kinds += ["cached_input", "cache_write"]
    if _RE["output"].search(low):
        kinds.append("output")
    if _RE["cached"].search(low) and "cached_input" not in kinds:
        kinds.append("cached_input")
    if _RE["cache_write"].search(low) and "cache_write" not in kinds:
        kinds.append("cache_write")
    if _RE["reasoning"].search(low):
        kinds.append("reasoning")
    return kinds


def _measure(low: str, rest: str, plan: Plan) -> None:
    if _RE["gpu_hours"].search(low) and not re.search(r"\bper gpu[- ]?hours?\b", low):
        plan.measure = "gpu_hours"
        return
    unit = _RE["unit"].search(low)
    cache_words = _RE["cached"].search(low) or _RE["cache_write"].search(low)
    if (_RE["tokens"].search(low) or cache_words) and not (unit and unit.group("unit").startswith("token")):
        kinds = _token_kinds(low)
        if _RE["money"].search(low) and not _RE["how_many"].search(low):
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
    if _RE["list"].search(low):
        plan.measure = "list_cost"
    elif _RE["contracted"].search(low):
        plan.measure = "contracted_cost"
    elif re.search(r"\bbilling account", low) is None and _RE["billed"].search(low):
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


def _intent(
    q: _Question,
    rest: str,
    plan: Plan,
    index: ValueIndex,
    mentions: list[Mention],
    groups: list[tuple[str, int]],
    periods: list[PeriodMention],
    over: str | None,
) -> bool:
    """Set plan.intent and its details; True when some intent word was found (not just the default)."""
    low = q.low
    _untagged(q, rest, plan, index)
    untagged_toks = getattr(q, "untagged_tokens", set())
    groups[:] = [(d, i) for d, i in groups if i not in untagged_toks]
    group_names = [d for d, _ in groups]
    # a commitment word, or a commitment named by its name ("the priority tier")
    has_commit = (
        bool(_RE["commit"].search(low)) or any(m.dim == "commitment" for m in mentions)
    ) and index.has_dim("commitment_status")
    change = bool(_RE["change"].search(rest)) or over is not None
    if len(periods) >= 2 and re.search(
        r"\b(than|more|less|higher|lower|bigger|smaller|difference|by how much)\b", rest
    ):
        change = True
    why = bool(_RE["why"].search(re.sub(_RE["untagged"], " ", rest)))
    share = bool(_RE["share"].search(rest))
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
    unit = _RE["unit"].search(rest)
    found = True

    gpu_idle = _RE["gpu"].search(rest) and (_RE["unused"].search(rest) or _RE["utilization"].search(rest))
    for intent, pattern in _DELEGATES:
        if (intent == "gpu_idle" and gpu_idle) or (intent != "gpu_idle" and pattern.search(rest)):
            from spendscope.agents.billy import delegate

            if delegate.available(intent):
                plan.intent = intent  # type: ignore[assignment]
                return True
    if _RE["unsupported"].search(rest):
        word = _RE["unsupported"].search(rest).group(0)  # type: ignore[union-attr]
        plan.unsupported.append(word)

    # GPU spend and untagged spend are filters, whatever the intent
    if _RE["gpu"].search(rest) and plan.measure != "gpu_hours" and not (unit and "gpu" in unit.group(0)):
        if _RE["unused"].search(rest) or _RE["utilization"].search(rest):
            plan.unsupported.append("GPU utilisation (needs GPU metrics)")
        elif not any(m.dim == "instance_type" for m in mentions):
            gpu_word = _RE["gpu"].search(rest)
            negated = gpu_word is not None and _RE["negation"].search(
                q.low[max(0, gpu_word.start() - 24) : gpu_word.start()]
            )
            if negated:
                plan.filters.append(Filter(dimension="gpu_count", op="in", values=["(none)", "0"]))
                plan.assumptions.append("excluded the cost of instances with GPUs")
            else:
                plan.filters.append(Filter(dimension="gpu_count", op="not_in", values=["(none)", "0"]))
                plan.assumptions.append("GPU spend = cost of instances with GPUs")
                plan.subject = plan.subject or "GPU instances"

    commit_word = _RE["commit"].search(low) if has_commit else None
    if commit_word and _RE["negation"].search(low[max(0, commit_word.start() - 24) : commit_word.start()]):
        # "spend except the commitment": the rows no commitment covers
        plan.filters.append(Filter(dimension="commitment_status", values=["(none)"]))
        plan.assumptions.append("excluded commitment rows (used and unused)")
        has_commit = False
    if has_commit and _RE["utilization"].search(low) and not _RE["unused"].search(low):
        plan.intent = "utilization"
        plan.percent_first = True
        return True
    if has_commit and _RE["unused"].search(low):
        plan.filters.append(Filter(dimension="commitment_status", values=["Unused"]))
        plan.subject = "commitment that went unused"
        plan.assumptions.append("unused commitment = effective cost of commitment rows with status Unused")
    elif has_commit and re.search(r"\b(used|use|using|consumed?|utili[sz]ed)\b", rest):
        plan.filters.append(Filter(dimension="commitment_status", values=["Used"]))
        plan.subject = "commitment that was used"

    if why and (change or len(periods) >= 1 or over):
        plan.intent = "drivers"
        _direction(rest, plan)
        plan.group_by = group_names[:1]
        return True
    change_words = re.search(
        r"\b(change|changed|grow|grew|increase|decrease|rise|rose|fall|fell|drop|dropped|more|less|"
        r"go up|went up|go down|went down|trend|differ|delta|compar|vs|versus)",
        rest,
    )
    if (
        change
        and (len(periods) >= 2 or over or change_words)
        and (len(periods) >= 2 or over or not _entity_comparison(mentions, rest))
    ):
        plan.intent = "compare"
        plan.percent_first = bool(_RE["pct_first"].search(low)) and not _RE["dollars_first"].search(low)
        _direction(rest, plan)
        if group_names and (_WHICH.search(rest) or re.search(r"\b(by|per|each|across)\b", rest)):
            plan.group_by = group_names[:1]
            plan.top = 10
        return True
    peak = _RE["peak"].search(rest)
    grains = [d for d in group_names if d in ("day", "week", "month")]
    grain_word = re.search(r"\b(day|date|week|month)\b", rest)
    if peak and (grains or grain_word or re.search(r"\b(peak\w*|busiest|spiked?)\b", rest)):
        g = grains[0] if grains else grain_word.group(1) if grain_word else "day"
        plan.intent = "peak"
        plan.grain = "day" if g == "date" else g  # type: ignore[assignment]
        plan.ascending = bool(_LOW.search(rest)) and not _HIGH.search(rest)
        return True
    if unit:
        _unit(plan, unit)
        return True
    if _RE["average"].search(rest) is None and _RE["unit_words"].search(rest) and plan.measure == "cost":
        _unit(plan, None)
        return True
    if share and not re.search(r"\bshare(d)? (cost|pool|service|infra\w*)", rest):
        plan.intent = "share"
        plan.percent_first = True
        plan.group_by = [d for d in group_names if d not in ("day", "week", "month")][:1]
        return True
    avg = _RE["average"].search(rest)
    if avg:
        plan.intent = "average"
        g = re.search(r"\b(day|daily|week|weekly|month|monthly)\b", rest)
        word = g.group(1) if g else "day"
        plan.grain = "day" if word.startswith("da") else "week" if word.startswith("week") else "month"  # type: ignore[assignment]
        return True
    count = _RE["count"].search(rest)
    if count and not re.search(r"\b(tokens?|requests?|calls?|dollars?|hours?)\b", count.group("what")):
        dims = [d for d, _ in groups if d not in ("day", "week", "month")]
        if dims:
            plan.intent = "count"
            plan.group_by = dims[:1]
            return True
    topn = _TOP_N.search(rest)
    high, low_ = _HIGH.search(rest), _LOW.search(rest)
    which = _WHICH.search(rest)
    dims = [d for d in group_names if d not in ("day", "week", "month")]
    same_dim = _entity_comparison(mentions, rest)
    if same_dim and dims and all(i == -1 for d, i in groups if d in dims):
        dims = []  # "OpenAI vs Anthropic, who cost more?": "who" is one of the two named, not a team
    comparative = re.search(r"\b(more|less|higher|lower|bigger|smaller|cheaper|pricier|larger)\b", rest)
    if same_dim and dims and dims[0] != same_dim and which:
        # "which team spent more on GPT than on Claude": a comparison per group, which no plan here makes
        plan.unsupported.append(
            f"comparing two {same_dim.replace('_', ' ')}s per {dims[0].replace('_', ' ')}"
        )
    if same_dim and (high or low_ or which or change or comparative):
        plan.intent = "top"
        plan.group_by = [same_dim]
        plan.top = None
        plan.ascending = bool(low_ or re.search(r"\b(less|lower|smaller|cheaper)\b", rest)) and not high
        return True
    if not dims and (topn or high or low_ or which):
        # "which gpt model was cheapest": the dimension word sits next to a partial name that names several values
        ctx = next((m for m in mentions if m.context_word and len(m.values) > 1 and not m.negated), None)
        if ctx is not None:
            dims = [ctx.dim]
    if dims and (topn or high or low_ or which):
        plan.intent = "top"
        plan.group_by = dims[:1]
        n = topn.group("n") or topn.group("n2") if topn else None
        plan.top = (int(n) if n.isdigit() else NUMBER_WORDS.get(n, 1)) if n else 1
        plan.ascending = (
            bool(
                low_
                or (topn and topn.group(0).split()[0] in ("bottom", "lowest", "smallest", "cheapest", "last"))
            )
            and not high
        )
        return True
    listing = _RE["listing"].search(rest)
    if dims and (
        re.search(r"\b(by|per|each|every|across|breakdown|broken|split|grouped|between)\b", rest) or listing
    ):
        plan.intent = "breakdown"
        plan.group_by = dims[:2]
        return True
    if grains and re.search(r"\b(by|per|each|every|daily|weekly|monthly|trend|over time)\b", rest):
        plan.intent = "breakdown"
        plan.group_by = grains[:1]
        return True
    if change:
        plan.intent = "compare"
        plan.percent_first = bool(_RE["pct_first"].search(low)) and not _RE["dollars_first"].search(low)
        _direction(rest, plan)
        return True
    plan.intent = "total"
    found = bool(
        re.search(
            r"\b(how much|how many|what|total|spend|spent|cost|costs|bill|billed|paid|pay|amount|"
            r"sum|usage|consum\w*|used|use)\b",
            rest,
        )
    ) or bool(mentions)
    # a measure named on its own ("input tokens in February", "gpu hours last month") is the question
    return found or plan.measure in ("tokens", "requests", "gpu_hours")


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


def _direction(rest: str, plan: Plan) -> None:
    from spendscope.agents.billy.lexicon import DOWN_WORDS, UP_WORDS

    words = set(re.findall(r"[a-z]+", rest))
    up, down = bool(words & UP_WORDS), bool(words & DOWN_WORDS)
    plan.direction = "up" if up and not down else "down" if down and not up else None


def _unit(plan: Plan, m: re.Match[str] | None) -> None:
    plan.intent = "unit_cost"
    unit = (m.group("unit") if m else "tokens").lower()
    scale_word = (m.group("scale") or "").lower() if m else "million"
    tt = (m.group("tt") or "").lower() if m else ""
    if unit.startswith("token") or (m is None):
        scale = 1.0
        if scale_word in (
            "1m",
            "1 m",
            "one million",
            "a million",
            "million",
            "1,000,000",
            "1000000",
            "mtok",
            "mtoks",
            "m",
        ):
            scale = 1_000_000.0
        elif scale_word in ("1k", "1 k", "one thousand", "a thousand", "thousand", "1,000", "1000", "k"):
            scale = 1_000.0
        kind = {
            "input": "input",
            "prompt": "input",
            "output": "output",
            "completion": "output",
            "cached": "cached_input",
            "cache read": "cached_input",
            "cache write": "cache_write",
        }.get(tt)
        plan.unit_measure = f"{kind}_tokens" if kind else "tokens"
        plan.token_types = [kind] if kind else []
        plan.unit_scale = scale
        plan.unit_label = (
            {1_000_000.0: "per million", 1_000.0: "per thousand"}.get(scale, "per")
            + (f" {tt}" if tt else "")
            + " tokens"
        )
        if scale == 1.0:
            plan.unit_label = f"per {tt + ' ' if tt else ''}token"
    elif unit.startswith(("request", "call", "api", "inference", "quer")):
        plan.unit_measure, plan.unit_scale, plan.unit_label = "requests", 1.0, "per request"
    else:
        plan.unit_measure, plan.unit_scale, plan.unit_label = "gpu_hours", 1.0, "per GPU hour"
    if plan.measure not in ("cost", "billed_cost", "list_cost", "contracted_cost"):
        plan.measure = "cost"


def _untagged(q: _Question, rest: str, plan: Plan, index: ValueIndex) -> None:
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
        _RE["untagged"].search(rest) or re.search(r"\b(no|without|missing) (any )?tags?\b", q.low)
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


def _filters(plan: Plan, mentions: list[Mention], index: ValueIndex, q: _Question) -> None:
    untagged_dims = {f.dimension for f in plan.filters if "(none)" in f.values}
    billed_by = plan.measure == "billed_cost"
    by_dim: dict[tuple[str, bool], list[str]] = {}
    for m in mentions:
        dim = m.dim
        if billed_by and dim == "provider" and "invoice_issuer" in m.alternatives:
            dim = "invoice_issuer"
            plan.assumptions.append(f"'{m.phrase}' read as the invoice issuer (who bills us)")
        if dim in untagged_dims:
            continue
        by_dim.setdefault((dim, m.negated), [])
        for v in m.values:
            if v not in by_dim[(dim, m.negated)]:
                by_dim[(dim, m.negated)].append(v)
        how = "exactly" if m.exact else "approximately" if m.fuzzy else "partly"
        shown = ", ".join(m.values[:6]) + (f" and {len(m.values) - 6} more" if len(m.values) > 6 else "")
        if not (m.exact and len(m.values) == 1 and m.values[0].lower() == m.phrase.replace(" ", "").lower()):
            plan.assumptions.append(
                f"'{m.phrase}' matched {_label_dim(dim)} {shown}" + ("" if how == "exactly" else f" ({how})")
            )
    share_dims = plan.intent == "share"
    for (dim, neg), values in by_dim.items():
        if share_dims and dim in plan.group_by:
            continue
        if plan.intent == "top" and dim in plan.group_by:
            plan.filters.append(Filter(dimension=dim, op="in", values=values))
            continue
        plan.filters.append(Filter(dimension=dim, op="not_in" if neg else "in", values=values))
    if plan.intent == "share":
        _split_share(plan, mentions, q)


def _split_share(plan: Plan, mentions: list[Mention], q: _Question) -> None:
    """Which filters define the whole ('of our Bedrock spend') and which the part ('went to Claude')."""
    low = q.low
    kw = _RE["share"].search(low)
    if not kw:
        return
    of = re.search(r"\bof\b", low[kw.end() :])
    base_range = (0, 0)
    if of:
        start = kw.end() + of.end()
        split = re.search(
            r"\b(went|go|goes|going|gone|was|were|is|are|spent|came|comes|come|belong\w*|attribut\w*|"
            r"due|that|which|used|consumed|paid|to|for|on|from|by|in|had)\b",
            low[start:],
        )
        # the whole ends at the first split word after at least one word
        end = start + split.start() if split else len(low)
        if split and split.start() == 0:
            nxt = re.search(
                r"\b(went|go|goes|was|were|is|are|spent|came|comes|that|which)\b", low[start + 1 :]
            )
            end = start + 1 + nxt.start() if nxt else len(low)
        base_range = (start, end)
    base_dims: set[str] = set()
    part_dims: set[str] = set()
    for m in mentions:
        pos = q.toks[m.first].start
        if base_range[0] <= pos < base_range[1]:
            base_dims.add(m.dim)
        else:
            part_dims.add(m.dim)
    special = [
        f
        for f in plan.filters
        if f.dimension in ("gpu_count", "commitment_status", "token_type") or "(none)" in f.values
    ]
    named = [f for f in plan.filters if f not in special]
    part = [f for f in named if f.dimension in part_dims and f.dimension not in base_dims]
    base = [f for f in named if f not in part]
    if special:
        # "what share of spend was untagged / GPU": the special filter is the part unless it sits in the whole
        part += special
    if not part and base:
        part, base = base, []
    plan.filters = base
    plan.share_filters = part


def _periods(
    plan: Plan,
    mentions: list[PeriodMention],
    over: str | None,
    today: dt.date,
    index: ValueIndex,
    previous: Plan | None,
    low: str,
) -> None:
    periods = [m.period for m in mentions]
    if plan.intent in ("compare", "drivers"):
        if len(periods) >= 2:
            ordered = sorted(periods[:2], key=lambda p: p.start)
            plan.base_period, plan.period = _ref(ordered[0]), _ref(ordered[1])
            return
        if len(periods) == 1:
            cur = periods[0]
        elif over:
            cur = _last_complete(over, today)
        else:
            cur = _last_complete("month", today)
            plan.assumptions.append(f"no period named: compared the last complete month, {cur.label}")
        plan.period = _ref(cur)
        if over == "year" or re.search(
            r"\b(yoy|year[- ]over[- ]year|same (period|month|quarter) last year)\b", low
        ):
            from spendscope.agents.billy.when import same_period_last_year

            plan.base_period = _ref(same_period_last_year(cur))
        else:
            plan.base_period = _ref(cur.previous())
            if cur.start.day != 1 or cur.end.day != 1:
                prev = cur.previous()
                plan.base_period = PeriodRef(
                    start=prev.start,
                    end=prev.end,
                    label=f"the {cur.days} days before ({prev.start} to {prev.end - dt.timedelta(days=1)})",
                )
        return
    if len(periods) == 1:
        plan.period = _ref(periods[0])
    elif len(periods) >= 2:
        start = min(p.start for p in periods)
        end = max(p.end for p in periods)
        plan.period = PeriodRef(
            start=start,
            end=end,
            label=f"{periods[0].label} to {periods[-1].label}"
            if len(periods) == 2
            else f"{start} to {end - dt.timedelta(days=1)}",
        )
    else:
        first, last = index.catalog.first_day, index.catalog.last_day
        if first and last:
            plan.period = PeriodRef(
                start=first, end=last + dt.timedelta(days=1), label=f"{first} to {last} (all data)"
            )


def _last_complete(unit: str, today: dt.date) -> Period:
    if unit == "month":
        s = add_months(today.replace(day=1), -1)
        return month_period(s.year, s.month)
    if unit == "week":
        start = today - dt.timedelta(days=today.weekday() + 7)
        return Period(start=start, end=start + dt.timedelta(days=7), label=f"the week of {start}")
    if unit == "day":
        d = today - dt.timedelta(days=1)
        return Period(start=d, end=today, label=str(d))
    if unit == "quarter":
        from spendscope.tools.periods import parse_period

        return parse_period("last quarter", today)
    return Period(
        start=dt.date(today.year - 1, 1, 1), end=dt.date(today.year, 1, 1), label=str(today.year - 1)
    )


# ----------------------------------------------------------------------------------------- follow-ups


def is_followup(question: str) -> bool:
    """Whether a question reads as a follow-up ("and for Anthropic?", "what about last month?")."""
    q = _Question(question)
    if _RE["followup"].search(q.low) or _RE["previous"].search(q.low):
        return True
    content = [t.text for t in q.toks if t.text not in FILLER]
    return len(content) <= 3 and not re.search(r"\b(how much|how many|what was|which|who)\b", q.low)


def _looks_like_followup(
    q: _Question, intent_found: bool, mentions: list[Mention], periods: list[PeriodMention], plan: Plan
) -> bool:
    if _RE["followup"].search(q.low) or _RE["previous"].search(q.low):
        return True
    content = [t.text for t in q.toks if t.text not in FILLER]
    return len(content) <= 3 and not re.search(r"\b(how much|how many|what was|which|who)\b", q.low)


def _merge_followup(
    prev: Plan,
    new: Plan,
    q: _Question,
    intent_found: bool,
    mentions: list[Mention],
    periods: list[PeriodMention],
    groups: list[tuple[str, int]],
) -> Plan:
    merged = prev.model_copy(deep=True)
    merged.question = new.question
    merged.assumptions = [a for a in new.assumptions]
    merged.unresolved = list(new.unresolved)
    merged.unsupported = list(new.unsupported)
    merged.as_of = new.as_of or prev.as_of
    strong_intent = new.intent not in ("total",) or bool(re.search(r"\b(how much|how many|total)\b", q.low))
    if strong_intent and new.intent != "total":
        merged.intent = new.intent
        merged.group_by = new.group_by or merged.group_by
        merged.top = new.top
        merged.ascending = new.ascending
        merged.percent_first = new.percent_first
        merged.grain = new.grain
        merged.unit_measure, merged.unit_scale, merged.unit_label = (
            new.unit_measure,
            new.unit_scale,
            new.unit_label,
        )
        merged.share_filters = new.share_filters or merged.share_filters
    elif new.intent == "total" and strong_intent and prev.intent not in ("total",):
        merged.intent = "total"
        merged.group_by = []
    if new.measure != "cost" or new.token_types:
        merged.measure, merged.token_types = new.measure, new.token_types
    # filters: a new value for a dimension replaces the old one; other filters stay
    new_dims = {f.dimension for f in new.filters}
    merged.filters = [f for f in merged.filters if f.dimension not in new_dims] + list(new.filters)
    if merged.intent == "share" and new.filters and not new.share_filters:
        new_dims = {f.dimension for f in new.filters}
        merged.share_filters = [f for f in merged.share_filters if f.dimension not in new_dims]
        moved = [f for f in merged.filters if f.dimension in new_dims and f in new.filters]
        if any(f.dimension in {s.dimension for s in prev.share_filters} for f in moved):
            merged.share_filters += moved
            merged.filters = [f for f in merged.filters if f not in moved]
    if periods:
        if merged.intent in ("compare", "drivers") and new.period is not None:
            merged.period, merged.base_period = new.period, new.base_period
        else:
            merged.period = new.period
    elif _RE["previous"].search(q.low) and prev.period is not None:
        p = Period(start=prev.period.start, end=prev.period.end, label=prev.period.label).previous()
        merged.period = _ref(p)
        if merged.base_period is not None:
            merged.base_period = _ref(p.previous())
    if groups and merged.intent in ("breakdown", "top", "count", "share", "compare"):
        dims = [d for d, _ in groups if d not in ("day", "week", "month")]
        if dims:
            merged.group_by = dims[:1]
    merged.assumptions.append("follow-up: kept the rest of the previous question")
    return merged


# ----------------------------------------------------------------------------------------- confidence


def _unresolved(q: _Question, used: set[int], plan: Plan, index: ValueIndex, known: set[str]) -> None:
    """Words that look like names the store does not hold."""
    raw_words = list(re.finditer(r"[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]|[A-Za-z0-9]", q.raw))
    skip = set(used) | q.blocked | getattr(q, "group_tokens", set()) | getattr(q, "untagged_tokens", set())
    unknown: list[str] = []
    # the company's own name ("what did Kestrel spend"): the first word of its billing account names
    company = {tokens(v)[0]: v for v in index.values.get("billing_account", []) if tokens(v)}
    for k, m in enumerate(raw_words):
        word = m.group(0)
        low = word.lower()
        toks_here = [i for i, t in enumerate(q.toks) if t.start >= m.start() and t.end <= m.end()]
        if toks_here and all(i in skip for i in toks_here):
            continue
        parts = tokens(low)
        if re.fullmatch(r"(per-)?\d+(k|m|mm|b|bn|mtoks?|ktoks?)(-tokens?)?", low) or low in (
            "mtok",
            "mtoks",
            "ktok",
        ):
            continue
        if all(p in known or p.isdigit() for p in parts) and not re.search(
            r"[a-z]\d|\d[a-z]|[a-z][-.]\d", low
        ):
            continue
        if low in company:
            plan.assumptions.append(f"'{word}' read as the company (billing account {company[low]})")
            continue
        looks_like_name = (word[0].isupper() and k > 0 and low not in KNOWN_CAPS) or bool(
            re.search(r"[a-z]+[-.]?\d|\d[a-z]", low)
        )
        if looks_like_name and low not in KNOWN_CAPS and not _is_month_or_day(low):
            unknown.append(word)
    # "the payments team": an unknown word next to a dimension word
    for i, t in enumerate(q.toks):
        if i in skip or t.text in known or t.text.isdigit():
            continue
        nxt = q.toks[i + 1].text if i + 1 < len(q.toks) else ""
        prev = q.toks[i - 1].text if i > 0 else ""
        if prev not in ("the", "our", "a", "an", "for", "by", "on", "of", "did", "does", "do", "in"):
            continue
        dim = index.dim_words.get((nxt,))
        if (
            dim is not None
            and dim in index.kinds
            and dim not in ("day", "week", "month")
            and t.text not in unknown
        ):
            unknown.append(t.text)
    plan.unresolved = list(dict.fromkeys(unknown))


def _is_month_or_day(word: str) -> bool:
    names = {
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
    }
    return word.rstrip(".") in names


def _confidence(plan: Plan, intent_found: bool) -> None:
    c = 0.9 if intent_found else 0.4
    if plan.unresolved:
        c = min(c, 0.3)
    if plan.unsupported:
        c = min(c, 0.2)
    if plan.intent == "share" and not plan.share_filters and not plan.group_by:
        c = min(c, 0.4)
    if plan.intent in ("top", "breakdown", "count") and not plan.group_by:
        c = min(c, 0.4)
    plan.confidence = c
