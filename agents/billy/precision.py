"""Precision first: what in a question means Billy must not state a figure.

- names that do not resolve: a well-known vendor, model family or GPU the store does not hold ("mistral",
  "gcp", "h100s"), in any letter case; an unknown word next to a dimension word ("design team", "customer
  initech"); an unknown word where a name goes ("spend on initech in July"); a capitalised or model-like word;
- concepts the store does not hold (revenue, margin, profit, headcount, users, an actual figure for a period
  after the data ends) are read in agents/billy/declines.py;
- ordinary words that are also store values ("search", "core"): a name only when the sentence uses them as one.
"""

from __future__ import annotations

import calendar
import re
from typing import TYPE_CHECKING

from spendscope.agents.billy.declines import _CURRENCIES as CURRENCY_WORDS
from spendscope.agents.billy.declines import CONCEPTS, is_currency_word
from spendscope.agents.billy.resolve import Mention, ValueIndex, tokens
from spendscope.agents.billy.scaling import CHANGE_VERB, HYPOTHETICAL
from spendscope.agents.billy.stopwords import KNOWN_CAPS
from spendscope.agents.billy.vocab import GPU_WORD, INSTANCE_WORDS, LANDING, MEASURE_NOUNS
from spendscope.tools.periods import MONTHS

if TYPE_CHECKING:
    from spendscope.agents.billy.models import Plan
    from spendscope.agents.billy.question import _Question
    from spendscope.agents.billy.reading import Reading

CONFIDENT = 0.6

# Names of AI vendors, clouds, model families and GPUs people ask about. Each is a name only: when the store holds
# it, it resolves to the store's value; when it does not, the question is about something not in the data.
WELL_KNOWN_NAMES = frozenset(
    [
        "openai",
        "anthropic",
        "google",
        "gcp",
        "gemini",
        "vertex",
        "palm",
        "bard",
        "azure",
        "microsoft",
        "aws",
        "amazon",
        "bedrock",
        "sagemaker",
        "mistral",
        "mixtral",
        "cohere",
        "llama",
        "meta",
        "deepseek",
        "grok",
        "xai",
        "groq",
        "fireworks",
        "perplexity",
        "huggingface",
        "nova",
        "titan",
        "claude",
        "gpt",
        "chatgpt",
        "sonnet",
        "haiku",
        "opus",
        "whisper",
        "dalle",
        "databricks",
        "snowflake",
        "oracle",
        "ibm",
        "watsonx",
        "alibaba",
        "qwen",
        "copilot",
        "cursor",
        "windsurf",
        "codeium",
        "tabnine",
        "codewhisperer",
        "cody",
        "devin",
        "a100",
        "a100s",
        "h100",
        "h100s",
        "h200",
        "h200s",
        "b200",
        "b200s",
        "l4",
        "l40",
        "l40s",
        "t4",
        "v100",
        "tpu",
        "tpus",
        "mi300",
        "gh200",
        "gh200s",
        "gb200",
        "gb200s",
    ]
)

# words that name a kind of owner or consumer, whether or not this store has that dimension
_CONCEPT_WORDS = {
    "customer",
    "client",
    "tenant",
    "team",
    "squad",
    "department",
    "feature",
    "project",
    "product",
    # places and units of a company ("the london office", "the emea division")
    "office",
    "offices",
    "site",
    "division",
    "divisions",
    "branch",
    "subsidiary",
}
_PRONOUNS = {"they", "them", "their", "it", "its", "those", "these", "that", "this", "one"}
_SLOT_PREV = {"on", "for", "did", "does", "pay", "paid", "owe", "owed", "with", "via", "through"}
_WENT_TO = {"went", "go", "goes", "gone", "paid", "sent", "owe", "owed"}  # "how much went to zorblax"
_PAYEE_PREV = {"", "was", "is", "our", "whats", "what", "and", "or", "vs", "to"}
_PAYEE_NEXT = {"spend", "spending", "costs", "cost", "bill", "bills", "invoice"}
# "" is the end of the question: "how much did we spend on zorblax" (it answered the company's total)
_SLOT_NEXT = {
    "",
    "in",
    "last",
    "this",
    "during",
    "since",
    "cost",
    "costs",
    "spend",
    "spent",
    "charge",
    "charged",
    "bill",
    "billed",
    "invoice",
    "invoiced",
}


_SEAT_WORDS = frozenset({"seat", "seats", "licence", "licences", "license", "licenses"})


def _tok(q: _Question, i: int) -> str:
    return q.toks[i].text if 0 <= i < len(q.toks) else ""


def ordinary_words(
    q: _Question, mentions: list[Mention], used: set[int], index: ValueIndex, known: set[str]
) -> tuple[list[Mention], set[int]]:
    """A tag value spelt as one plain word ("search", "core", "platform") is a name unless the sentence uses it
    as the ordinary word: a verb opening the question or a request ("search for the most expensive model", "can
    you supply the total for march"), an adjective before a noun that is no measure, period, dimension or value
    ("core question", "search results") or a noun after "a" and before "of" ("a quick digest of february spend").
    One word of a longer name right after a verb it makes a phrase with ("put together the total" beside
    Together AI) is no name either."""
    keep: list[Mention] = []
    for m in mentions:
        plain = (
            m.last - m.first == 1
            and m.phrase.isalpha()
            and index.kinds.get(m.dim) in ("provider_tag", "virtual_tag", "telemetry")
            and not m.context_word
        )
        nxt = _tok(q, m.last)
        opening = all(_tok(q, i) in _REQUEST_WORDS for i in range(m.first))
        verb = opening and nxt in _VERB_OBJECT
        adjective = (
            nxt.isalpha()
            and m.last not in q.blocked  # "in staging last month": a period follows, not a noun
            and nxt not in known
            and nxt not in MEASURE_NOUNS
            and not INSTANCE_WORDS.fullmatch(nxt)  # "the xray boxes": the instances of that value
            and nxt not in _OWNER_NOUNS  # "the timber folks": the value's people
            and nxt not in index.value_tokens
            and (nxt,) not in index.dim_words
            and not is_month_or_day(nxt)
            and not CHANGE_VERB.fullmatch(nxt)  # "if narrative cut usage in half": the value's verb, no noun
        )
        # "a quick digest of february spend": a noun after an indefinite article, before "of"
        noun = (nxt == "of" and bool({_tok(q, m.first - 1), _tok(q, m.first - 2)} & {"a", "an"})) or (
            _tok(q, m.first - 1) in _SIZE_ADJECTIVES  # "a quick test of the bot", "give me a short response"
        )
        # "put together the total": one word of a longer name after a verb it makes a phrase with; "gonna land
        # at" beside land-services: part of a name after a modal is a verb
        phrasal = (
            not m.exact
            and m.last - m.first == 1
            and (
                _tok(q, m.first - 1) in _PHRASAL_VERBS
                or (bool(LANDING.fullmatch(m.phrase)) and bool(_FUTURE.search(q.low)))
            )
        )
        if (plain and (verb or adjective or noun)) or phrasal:
            used = used - set(range(m.first, m.last))
            continue
        keep.append(m)
    return keep, used


_SIZE_ADJECTIVES = {"quick", "short", "brief", "small", "little", "simple", "tiny", "sanity", "another"}
_FUTURE = re.compile(r"\b(will|gonna|going to|where|wanna)\b|'ll\b")
_PHRASAL_VERBS = {"put", "pull", "bring", "piece", "cobble", "throw", "get", "sum", "add", "round", "break"}
_VERB_OBJECT = {"for", "the", "me", "through", "our", "all", "across", "up", "out", "us", "a", "an", "my"}
# Words of a request before its verb: "can you supply ...", "pls search for ..."
_REQUEST_WORDS = {
    "can",
    "could",
    "would",
    "will",
    "you",
    "u",
    "pls",
    "plz",
    "please",
    "kindly",
    "hey",
    "billy",
    "just",
}


def unresolved_names(
    q: _Question, used: set[int], r: Reading, index: ValueIndex, known: set[str]
) -> list[str]:
    """Words that name something the store does not hold."""
    raw_words = list(re.finditer(r"[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]|[A-Za-z0-9]", q.raw))
    skip = set(used) | q.blocked | getattr(q, "group_tokens", set()) | getattr(q, "untagged_tokens", set())
    unknown: list[str] = []
    company = {tokens(v)[0]: v for v in index.values.get("billing_account", []) if tokens(v)}
    gpu_named = any(f.dimension == "instance_type" for f in r.filters)
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
        if gpu_types(low, index)[1]:
            continue  # a GPU the store's instances carry ("a10g", "l40s"): the planner filters on it
        if low in WELL_KNOWN_NAMES and not (gpu_named and GPU_WORD.fullmatch(low)):
            if not _gpu_of_store(low, index):
                unknown.append(word)
            continue
        if _name_of_plain_words(parts, toks_here, q, index):
            unknown.append(
                word
            )  # "how much did okey-plus cost", "fraud-check use case spend": a name, not words
            skip.update(toks_here)  # its words are not names of their own
            continue
        if all(p in known or p.isdigit() for p in parts) and not re.search(
            r"[a-z]\d|\d[a-z]|[a-z][-.]\d", low
        ):
            continue
        if _unknown_compound(low, toks_here, skip, q, index, known):
            unknown.append(word)  # "warehouse-ops": a real team's name and a suffix is no name of the store
            continue
        if low in company:
            r.assumptions.append(f"'{word}' read as the company (billing account {company[low]})")
            continue
        paired = bool(toks_here) and bool({_tok(q, toks_here[0] - 1), _tok(q, toks_here[-1] + 1)} & _PAIRED)
        if (
            paired
            and "-" in low
            and any(  # "compare lost-found and fare-calc": beside another name
                len(p) > 1
                and p.isalpha()
                and p not in known
                and p not in _JOINERS
                and p not in index.value_tokens
                for p in parts
            )
        ):
            unknown.append(
                word
            )  # "fare-calc", "loyalty-app": a hyphenated name, with a word Billy does not know
            continue
        if (
            "-" in low
            and toks_here
            and _strange_part(parts, known, index)
            and _owner_slot(q, toks_here, index)
        ):
            unknown.append(
                word
            )  # "what did forestry-ops spend", "the forestry-ops unit": a name the store lacks
            continue
        if CLOUD_REGION.fullmatch(low):
            unknown.append(word)  # "spend in westeurope": a cloud region the bill does not hold
            if index.values.get("region"):
                r.unresolved_dims.setdefault(word, "region")  # the answer offers the bill's regions
            continue
        looks_like_name = (word[0].isupper() and k > 0 and low not in KNOWN_CAPS) or bool(
            re.search(r"[a-z]+[-.]?\d|\d[a-z]", low)
        )
        if looks_like_name and low not in KNOWN_CAPS and not is_month_or_day(low):
            unknown.append(word)
    candidates: set[int] = set()  # words read as nothing: _thing_named decides which name a thing
    for i, t in enumerate(q.toks):
        if i not in skip and _generic_before_owner_word(q, i, index):
            unknown.append(t.text)  # "the tax practice": a common word where the store's value goes
            _said_with(r, t.text, _tok(q, i + 1), index)
            continue
        if i not in skip and _known_word_before_kind(q, i, index):
            unknown.append(t.text)  # "growth tribe spend", "prod env spend": a word Billy knows as no value
            _said_with(r, t.text, _tok(q, i + 1), index)
            continue
        if (
            t.text == "it"
            and _tok(q, i - 1) == "the"
            and i not in skip
            and _owner_word(_tok(q, i + 1), index)
        ):
            unknown.append("IT")  # "the it team": a name typed in lower case, not the pronoun
            _said_with(r, "IT", _tok(q, i + 1), index)
            continue
        if (
            i in skip
            or t.text in known
            or t.text in company
            or t.text in _PRONOUNS
            or not t.text.isalpha()
            or len(t.text) < 2
            or is_month_or_day(t.text)
            or cue_word(t.text)
            or gpu_types(t.text, index)[1]
            or (_tok(q, i - 1) == "the" and one_machine_word(t.text, index))  # "the grader": planner.py
            or is_currency_word(t.text)  # "in koruna": a currency, read by declines.other_currency
        ):
            continue
        prev, nxt = _tok(q, i - 1), _tok(q, i + 1)
        if CHANGE_VERB.fullmatch(t.text) and HYPOTHETICAL.search(q.low):
            continue  # "if the narrative guild cut usage by 50%": the what-if's verb, never a name
        if _describes_the_ranked(q, i, index):
            r.assumptions.append(
                f"'{t.text}' read as describing the {nxt} ranked, not as a {nxt}'s name: the data holds no "
                f"{nxt} called '{t.text}' and no kind of {nxt}, so every {nxt} is ranked"
            )
            continue
        # a dimension word inside a resolved hyphenated name ("clinic" of clinic-0277) makes no neighbour a name
        beside = [
            index.dim_words.get((w,))
            for w, k in ((prev, i - 1), (nxt, i + 1))
            if not (k in used and _hyphen_joined(q, k))
        ]
        kind_after = _kind_word_after(q, i, index)
        named_dim = (
            any(d is not None and d in index.kinds and d not in ("day", "week", "month") for d in beside)
            or bool({prev, nxt} & _CONCEPT_WORDS or nxt in _OWNER_NOUNS)
            or kind_after
        )
        if len(t.text) == 2 and not (_after_tag_key(prev, index) or _owner_word(nxt, index) or kind_after):
            continue  # "env qa", "the ml team": a two-letter word is a name only beside a tag key
        # "spot instances", "the graviton boxes": a word Billy does not know naming a kind of machine
        named_dim = named_dim or (nxt in _MACHINE_NOUNS and not _of_a_resource(joined_word(q, i), index))
        # "which vet spent the most": a word where the dimension of a ranking goes
        # ("spend by vet", "top 3 vets"): a word where a grouping goes
        # "which box sat idle": a machine word is read by the GPU questions (agents/billy/inventory.py)
        grouping_slot = (
            not r.assistant
            and not INSTANCE_WORDS.fullmatch(t.text)
            and (
                # a coding assistant's engineers are read by assistants.py
                (prev == "which" and i == 1)
                or prev == "by"
                or (prev.isdigit() and _tok(q, i - 2) in ("top", "bottom"))
            )
        )
        slot = (
            (prev in _SLOT_PREV and nxt in _SLOT_NEXT)
            # "zorblax spend last month", "what was zorblax spend": an unknown word where the payee goes
            or (prev in _PAYEE_PREV and nxt in _PAYEE_NEXT and len(t.text) >= 3)
            or (prev == "to" and _tok(q, i - 2) in _WENT_TO and nxt in _SLOT_NEXT)
            # "and what about exploration?": the new name of a follow-up
            or (prev == "about" and _tok(q, i - 2) in ("what", "how") and nxt in {"", *_SLOT_NEXT})
            # "how much did the sims cost": an unknown word where the thing that cost goes
            or (prev == "the" and _tok(q, i - 2) in ("did", "does", "do") and nxt in _SLOT_NEXT)
            or grouping_slot
            # "cohere embed spend", "openai whisper cost": an unknown word between a provider or service named
            # and a spend word names a thing of that provider (a model, a product) the store does not hold
            or (nxt in _PAYEE_NEXT and len(t.text) >= 3 and _after_provider(r, i))
        )
        if (named_dim or slot) and t.text not in unknown:
            unknown.append(t.text)
            _said_with(r, t.text, prev if index.dim_words.get((prev,)) else nxt, index)
        elif len(t.text) > 2:
            candidates.add(i)
    # a value's word dropped as an ordinary word ("the support chatbot") may stand inside the thing's name
    dropped = {i for i, t in enumerate(q.toks) if i not in skip and t.text in index.value_tokens}
    named_things = (_thing_named(q, i, candidates, dropped, skip) for i in sorted(candidates))
    r.unread = list(dict.fromkeys(w for w in named_things if w))
    for key in _unknown_tag_keys(q, index):
        unknown.append(key)
        r.unresolved_dims.setdefault(key, TAG_KEY)  # the answer lists the store's tag keys
    for key in _unknown_identifiers(q, index, unknown):
        unknown.append(
            key
        )  # "june spend by cost_owner": an identifier the store has as no key, value or measure
        if _tok(q, _token_at(q, q.low.find(key)) - 1) == "by":
            r.unresolved_dims.setdefault(key, TAG_KEY)
    # "by product_line": a word of a snake_case key is named as the whole key the store lacks
    for key in re.findall(r"[a-z0-9]+(?:_[a-z0-9]+)+", q.low):
        if any(part in unknown for part in key.split("_")):
            unknown = [key if w in key.split("_") else w for w in unknown]
    return list(dict.fromkeys(unknown))


_SELLERS = {"provider", "service", "invoice_issuer", "publisher"}


def _after_provider(r: Reading, i: int) -> bool:
    """Whether the word at token `i` comes right after a provider or service the question names."""
    return any(m.last == i and m.dim in _SELLERS for m in r.mentions)


# A cloud region written as Azure writes them, one word of a direction and a place ("westeurope", "uksouth",
# "southeastasia", "germanywestcentral"): with digits ("us-east-1", "europe-west4") it already looks like a name
_PLACES = (
    r"us|usa|eu|europe|asia|uk|india|japan|korea|australia|canada|brazil|france|germany|norway|sweden|"
    r"switzerland|uae|qatar|israel|italy|poland|spain|mexico|africa|southafrica|newzealand|indonesia|malaysia|"
    r"taiwan|chile|austria|belgium|denmark|finland|ireland|singapore|hongkong"
)
_DIRECTIONS = r"(?:north|south|east|west|central)+"
CLOUD_REGION = re.compile(rf"(?:{_DIRECTIONS}(?:{_PLACES})|(?:{_PLACES}){_DIRECTIONS})\d?")

_NO_TAIL = MEASURE_NOUNS | {
    "total",
    "totals",
    "amount",
    "figure",
    "number",
    "sum",
    "overall",
    "us",
    "we",
    "me",
}


def _hyphen_joined(q: _Question, k: int) -> bool:
    """Whether token `k` is written joined to a neighbour by a hyphen ("clinic" of "clinic-0277")."""
    if not 0 <= k < len(q.toks):
        return False
    start, end = q.toks[k].start, q.toks[k].end
    return q.raw[end : end + 1] == "-" or (start > 0 and q.raw[start - 1 : start] == "-")


def _slot_after(q: _Question, k: int) -> bool:
    """A period, a spending verb or the end at token `k`: where a thing's name stops."""
    return k >= len(q.toks) or k in q.blocked or _tok(q, k) in _AFTER_THING


# words that open the name of a thing ("the hitra plant", "our interns", "in emea") and words that may stand
# between the opener and the name ("the new smolt camera")
_OPENERS = {"the", "our", "their", "this", "that", "those", "these", "in", "at"}
_BETWEEN = {"new", "old", "big", "recent", "latest", "current", "last", "first", "second", "whole", "entire"}
_AFTER_THING = {"in", "at", "for", "on", "last", "this", "during", "since", "cost", "costs", "spend", "spent"}


def _thing_named(q: _Question, i: int, candidates: set[int], dropped: set[int], skip: set[int]) -> str:
    """Whether the word at `i`, read as nothing, names the thing asked about: opened by a determiner or "in"
    (through other such words: "the new smolt camera") and followed by a period, a spending verb or the end ("what
    did the vintage festival cost in march", "spend in emea last month"). A whole-company total must not drop it
    (planner.py); "the grand total", "ai stuff last month", "what did everything cost" name nothing."""
    nxt = i + 1
    # one known noun may close the name ("the tender process cost us"), never a measure ("the grand total")
    tail = (
        nxt < len(q.toks) and nxt not in q.blocked and _tok(q, nxt).isalpha() and _tok(q, nxt) not in _NO_TAIL
    )
    if tail and nxt not in skip and _slot_after(q, nxt + 1):
        nxt += 1
    if not _slot_after(q, nxt):
        return ""
    if any(re.fullmatch(p, _tok(q, i)) for p in CURRENCY_WORDS.values()):
        return ""  # "in kronor", "in sek": the money of the answer (declines.py reads it)
    j = i - 1
    while j >= 0 and (j in candidates or j in dropped or _tok(q, j) in _BETWEEN):
        j -= 1
    if _tok(q, j) not in _OPENERS:
        return ""
    words = [_tok(q, k) for k in range(j + 1, i + 1) if k in candidates or k in dropped or k == i]
    return " ".join(words + ([_tok(q, i + 1)] if nxt == i + 2 else []))


# words after a name that make it an owner's name ("the forestry-ops unit", "the timber folks")
_OWNER_NOUNS = {"unit", "units", "org", "orgs", "group", "folks", "crew", "people", "guys"}
_SPEND_SLOT = {"spend", "spends", "spent", "cost", "costs", "burn", "burned", "burnt", "run"}


def _strange_part(parts: list[str], known: set[str], index: ValueIndex) -> bool:
    """Whether a hyphenated word is made of words Billy does not know (no qualifier such as "non-", no word of a
    value, no word it reads): "forestry-ops", not "non-production" or "self-hosted"."""
    words = [p for p in parts if not p.isdigit()]
    return bool(words) and all(
        len(p) > 1 and p.isalpha() and p not in known and p not in _JOINERS and p not in index.value_tokens
        for p in words
    )


# words naming a kind of environment, whether or not the store has an environment key ("qa env spend")
_ENV_WORDS = {"env", "envs", "environment", "environments", "stage", "stages"}


def _kind_word_after(q: _Question, last: int, index: ValueIndex) -> bool:
    """Whether the words after token `last` name a kind of thing a name belongs to: an environment word ("qa env
    spend"), or a tag key said in two words ("fraud use case spend" at a store keyed 'use_case')."""
    nxt, then = _tok(q, last + 1), _tok(q, last + 2)
    dim = index.dim_words.get((nxt, then))
    return nxt in _ENV_WORDS or (dim is not None and index.kinds.get(dim) in ("provider_tag", "virtual_tag"))


def _name_of_plain_words(parts: list[str], toks_here: list[int], q: _Question, index: ValueIndex) -> bool:
    """A hyphenated word made of ordinary words ("okey-plus", "fraud-check") where a name goes (what spent or
    cost, or before a word naming a kind of owner or environment) is a name, and not the store's: its words are
    no qualifier ("self-hosted"), time ("month-end"), measure, value or dimension word. Each word alone is one
    Billy knows, so without this the name was dropped and the whole bill stated."""
    if len(parts) < 2 or not toks_here:
        return False
    for p in parts:
        if (
            len(p) < 3
            or not p.isalpha()
            or p in _JOINERS
            or p in _QUALIFYING_SUFFIXES
            or p in MEASURE_NOUNS
            or p in _SPEND_SLOT
            or p in index.value_tokens
            or (p,) in index.dim_words
            or cue_word(p)
            or is_month_or_day(p)
        ):
            return False
    first, last = toks_here[0], toks_here[-1]
    prev, nxt = _tok(q, first - 1), _tok(q, last + 1)
    return (
        _owner_slot(q, toks_here, index)
        or _kind_word_after(q, last, index)
        or (prev in _PAYEE_PREV | _SLOT_PREV and nxt in _PAYEE_NEXT)
    )


def _owner_slot(q: _Question, toks_here: list[int], index: ValueIndex) -> bool:
    """Whether the word at tokens `toks_here` stands where an owner's name goes: before a word naming a kind of
    owner ("the forestry-ops unit", "the x team"), or as what spent ("what did x spend", "x spend in june")."""
    first, last = toks_here[0], toks_here[-1]
    prev, nxt = _tok(q, first - 1), _tok(q, last + 1)
    if _owner_word(nxt, index) or nxt in _OWNER_NOUNS:
        return True
    return nxt in _SPEND_SLOT and (first == 0 or prev in {"did", "does", "do", "the", "our", "about"})


def _token_at(q: _Question, pos: int) -> int:
    return next((i for i, t in enumerate(q.toks) if t.start <= pos < t.end), -1)


# identifiers written as code: the store's dimension names and measures are the only ones it knows
_MEASURE_IDS = re.compile(r"(effective|billed|list|contracted)_cost|\w+_tokens|gpu_hours|usage_quantity")


def _unknown_identifiers(q: _Question, index: ValueIndex, unknown: list[str]) -> list[str]:
    """snake_case words ("cost_owner", "p_and_l") that are no dimension, tag key, value or measure of the store."""
    values = {str(v).lower() for vs in index.values.values() for v in vs if isinstance(v, str)}
    dims = set(index.kinds) | {k.lower() for k in index.tag_keys()}
    out = []
    for key in re.findall(r"(?<![\w-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w-])", q.low):
        if key in dims or key in values or _MEASURE_IDS.fullmatch(key) or key in unknown:
            continue
        if any(part in unknown for part in key.split("_")):
            continue  # named as the whole key below
        out.append(key)
    return out


TAG_KEY = "tag key"  # unresolved_dims' mark of a name said as a tag key ("spend by the cost_centre tag")
_TAG_WORD = re.compile(r"\b(?P<key>[a-z][a-z0-9_]*(?:[ -][a-z0-9_]+)?) (?:tag|tags|label|labels)(?![\w'-])")
_NOT_KEYS = {
    "the",
    "a",
    "an",
    "any",
    "our",
    "by",
    "no",
    "which",
    "what",
    "each",
    "every",
    "all",
    "that",
    "this",
}


def _unknown_tag_keys(q: _Question, index: ValueIndex) -> list[str]:
    """ "spend by the cost_centre tag": a tag key the store does not have (its keys are named in the answer)."""
    from spendscope.agents.billy.concepts import key_name

    keys = {key_name(k) for k in index.tag_keys()}
    out = []
    for m in _TAG_WORD.finditer(q.low):
        words = m.group("key").split()
        word = words[-1] if len(words) == 2 and words[0] in _NOT_KEYS else m.group("key")
        if word in _NOT_KEYS or words[-1] in _NOT_KEYS or "untagged" in word:  # "did the label checker"
            continue
        name = key_name(word)
        toks = tuple(tokens(word))
        dim = index.dim_words.get(toks)
        if (
            name in keys
            or name.replace("_", "") in {k.replace("_", "") for k in keys}
            or (dim is not None and dim not in index.tag_keys() and not _a_tag_in_name_only(word, dim, index))
        ):
            continue
        if dim is None or key_name(dim) != name:
            out.append(word)
    return out


def _a_tag_in_name_only(word: str, dim: str, index: ValueIndex) -> bool:
    """ "by the project tag" where the store has no tag key 'project': a bill column that a word merely stands
    for ("project" for sub accounts) is not that tag, so the key is unknown; a column named by its own word
    ("the region tag") is read as that column."""
    return index.kinds.get(dim) == "builtin" and word.rstrip("s") not in dim.split("_")


_PAIRED = {"and", "vs", "versus", "or"}
_MACHINE_NOUNS = {
    "instance",
    "instances",
    "box",
    "boxes",
    "node",
    "nodes",
    "vm",
    "vms",
    "cluster",
    "clusters",
}
_MACHINE_NOUNS |= {"pod", "pods", "server", "servers", "fleet", "fleets"}


def _of_a_resource(word: str, index: ValueIndex) -> bool:
    """ "the retrohunt box", "the label checking box": a word of an instance's name, or its verb said as -ing
    (label-check-l40s), read by the planner as that instance."""
    said = said_forms(word)
    return any(said & set(tokens(v)) for v in index.values.get("resource", []))


def one_machine_word(word: str, index: ValueIndex) -> bool:
    """Whether `word` is a word of exactly one machine's (resource's) name and of no other value's ("grader" of
    fruit-grader-h200): "the grader in sept" names that machine (planner.py)."""
    from spendscope.agents.billy.resolve import tokens

    if len(word) < 4:
        return False
    machines = [v for v in index.values.get("resource", []) if isinstance(v, str) and word in tokens(v)]
    return len(machines) == 1 and not any(
        e.dim != "resource" for e in index.grams.get((word,), []) + index.exact.get(word, [])
    )


def said_forms(word: str) -> set[str]:
    """A word and, for a verb said as -ing ("checking", "scoring"), its stem as a name writes it (check, score)."""
    if word.endswith("ing") and len(word) > 5:
        return {word, word[:-3], word[:-3] + "e"}
    return {word}


def joined_word(q: _Question, i: int) -> str:
    """Token i with the hyphenated word around it joined ("x-ray" -> "xray", as a resource name writes it)."""
    first, last = _hyphen_span(q, i, i + 1)
    return "".join(q.toks[k].text for k in range(first, last))


def _owner_word(word: str, index: ValueIndex) -> bool:
    """ "team", "squad", "client": a word naming a kind of owner, whether or not the store has that key."""
    return word in _CONCEPT_WORDS or _after_tag_key(word, index)


def _after_tag_key(word: str, index: ValueIndex) -> bool:
    dim = index.dim_words.get((word,))
    return dim is not None and index.kinds.get(dim) in ("provider_tag", "virtual_tag")


def _unknown_compound(
    low: str, toks_here: list[int], skip: set[int], q: _Question, index: ValueIndex, known: set[str]
) -> bool:
    """A hyphenated word not read as a whole name, with a part that is a word of the store's values and a part
    Billy does not know ("warehouse-ops", "claims-ops" beside the values warehouse and claims)."""
    if "-" not in low or not toks_here:
        return False
    words = [q.toks[i].text for i in toks_here]
    strange = [
        w
        for i, w in zip(toks_here, words, strict=True)
        if i not in skip and w not in known and w not in _QUALIFYING_SUFFIXES
    ]
    return (
        bool(strange)
        and not all(w.isdigit() for w in strange)
        and any(w in index.value_tokens for w in words)
    )


def _said_with(r: Reading, name: str, word: str, index: ValueIndex) -> None:
    """Remember the dimension an unresolved name was said with ("the tax practice": practice), so the answer
    offers that dimension's real values."""
    dim = index.dim_words.get((word,))
    if dim is not None and index.values.get(dim):
        r.unresolved_dims[name] = dim


_DETERMINERS = {"the", "our", "a", "an", "my", "your"}
_MODIFIERS = {"other", "new", "old", "same", "whole", "entire", "own", "main", "total", "overall", "combined"}


def _describes_the_ranked(q: _Question, i: int, index: ValueIndex) -> bool:
    """ "which sawmill customer cost us the most", "top 3 hospital clients": a plain lower-case word between the
    ranking word and the noun of the dimension ranked describes that dimension's values (what the customers are),
    it is not one of them: a name would be the answer, not part of the question."""
    word, prev, nxt = _tok(q, i), _tok(q, i - 1), _tok(q, i + 1)
    ranking = (prev in ("which", "what") and i == 1) or (
        prev.isdigit() and _tok(q, i - 2) in ("top", "bottom")
    )
    dim = index.dim_words.get((nxt,))
    raw = q.raw[q.toks[i].start : q.toks[i].end]
    return (
        ranking
        and dim is not None
        and bool(index.values.get(dim))
        and (nxt in _CONCEPT_WORDS or nxt.rstrip("s") in _CONCEPT_WORDS)
        and raw.isalpha()
        and raw.islower()
        and index.dim_words.get((word,)) is None
    )


def _generic_before_owner_word(q: _Question, i: int, index: ValueIndex) -> bool:
    """ "how much did the tax practice spend": a common word (known to Billy, so not caught as an unknown name)
    between a determiner and the word of an owner-like dimension (a tag key, team, customer ...) that the
    store does not hold as that dimension's value."""
    from spendscope.agents.billy.filler import FILLER
    from spendscope.agents.billy.stopwords import GENERIC

    word, prev, nxt = _tok(q, i), _tok(q, i - 1), _tok(q, i + 1)
    if prev not in _DETERMINERS or word in _MODIFIERS or word in FILLER or word not in GENERIC:
        return False
    if not word.isalpha() or len(word) < 3 or cue_word(word):
        return False
    dim = index.dim_words.get((nxt,))
    owner = nxt in _CONCEPT_WORDS or (
        dim is not None and index.kinds.get(dim) in ("provider_tag", "telemetry")
    )
    return owner


# words that describe or rank the owners named after them ("each tribe's spend", "monthly team spend"), never a name
_NOT_OWNER_NAMES = {
    "each", "every", "per", "which", "top", "bottom", "biggest", "largest", "smallest", "most", "least", "highest",
    "lowest", "cheapest", "priciest", "costliest", "monthly", "daily", "weekly", "quarterly", "yearly", "annual",
    "average", "avg", "mean", "median", "any", "all", "both", "only", "just", "individual", "separate", "best",
    "worst", "greatest", "heaviest", "leading", "main", "primary", "key", "major", "big", "bigger", "large", "small",
    "favourite", "favorite", "single", "particular", "specific", "certain", "given", "current", "latest", "newest",
    "oldest", "first", "second", "third", "last", "next", "previous", "prior", "former", "growing", "fastest",
}  # fmt: skip
_NAME_BEFORE = {
    "",
    "the",
    "our",
    "did",
    "does",
    "do",
    "was",
    "is",
    "whats",
    "what",
    "and",
    "or",
    "vs",
    "about",
}


def _known_word_before_kind(q: _Question, i: int, index: ValueIndex) -> bool:
    """ "growth tribe spend in nov", "how much did the prod env cost": a word Billy knows as vocabulary (a cue such
    as 'growth', an environment spelling such as 'prod') where a name goes, before a word naming a kind of owner or
    environment and then a spend word, that is no value the store holds. Each word was read as vocabulary, so the
    name was dropped and the whole bill (or every owner's change) stated."""
    from spendscope.agents.billy.filler import FILLER

    word, prev, nxt, then = _tok(q, i), _tok(q, i - 1), _tok(q, i + 1), _tok(q, i + 2)
    if not word.isalpha() or len(word) < 3 or prev not in _NAME_BEFORE:
        return False
    if word in FILLER or word in _NOT_OWNER_NAMES or word in _MODIFIERS or word in _DETERMINERS:
        return False
    if word in index.value_tokens or (word,) in index.dim_words or is_month_or_day(word):
        return False
    kind = nxt in _ENV_WORDS or nxt in _CONCEPT_WORDS or _after_tag_key(nxt, index)
    return kind and then in _SPEND_SLOT | _PAYEE_NEXT


def cue_word(word: str) -> bool:
    """Whether a word is one of the cue words Billy reads ("utilisation", "wasted", "forecast")."""
    from spendscope.agents.billy.vocab import DELEGATES, RE

    skip = ("followup", "negation", "count", "listing", "unit", "cache_incl", "cache_excl")
    return (
        any(p.search(word) for k, p in RE.items() if k not in skip)
        or any(p.search(word) for _, p in DELEGATES)
        or any(p.search(word) for p, _ in CONCEPTS)
    )


def gpu_types(word: str, index: ValueIndex) -> tuple[str, list[str]]:
    """A GPU named loosely ("a100s", "H100", "the l40s"): (the GPU, the store's instance types carrying it)."""
    from spendscope.data.gpu_catalog import gpu_model

    low = word.lower()
    if GPU_WORD.fullmatch(low):
        for name in (low, low[:-1] if low.endswith("s") else ""):
            types = [
                v
                for v in index.values.get("instance_type", [])
                if name and (gpu_model(v) or "").lower().split("-")[0] == name
            ]
            if types:
                return name, types
    if _FAMILY_WORD.fullmatch(low):  # "the p5s", "g5 boxes": an instance family, the types before the size
        for name in (low, low[:-1] if low.endswith("s") else ""):
            types = [
                v
                for v in index.values.get("instance_type", [])
                if name and gpu_model(v) and re.split(r"[.\-_]", v.lower())[0] == name
            ]
            if types:
                return name, types
    return "", []


_FAMILY_WORD = re.compile(r"[a-z]{1,3}\d{1,2}[a-z]{0,2}s?")


def _gpu_of_store(word: str, index: ValueIndex) -> bool:
    return bool(gpu_types(word, index)[1])


_QUALIFYING_SUFFIXES = {
    "wide",
    "related",
    "based",
    "wise",
    "only",
    "specific",
    "side",
    "level",
    "heavy",
    "driven",
    "owned",
    "spend",
    "cost",
    "costs",
    "total",
}


def split_compounds(
    q: _Question,
    mentions: list[Mention],
    used: set[int],
    known: set[str] | frozenset[str] = frozenset(),
    index: ValueIndex | None = None,
) -> tuple[list[Mention], set[int]]:
    """A name inside a hyphenated word whose other parts name nothing is no mention: the whole word is a name the
    store lacks (in `q.compounds`). A partial name so ("neet-prep": 'prep' of the value test-prep), an exact one
    whose other parts are words other than a joiner ("fraud-score-beta", "data-platform" beside the values; a date
    or build number after a model, "claude-sonnet-4-5-20250929", stays the model; "platform-wide" stays the
    value), and a word made of a part of one value and another value ("nw-ml-staging"). A part of a name right
    after "per" is the unit of a cost ("cost per claim" beside the value claim-intake), read by declines.py."""
    toks, low = q.toks, q.low
    dim_words = index.dim_words if index is not None else {}
    q.compounds = []  # type: ignore[attr-defined]

    def group(m: Mention) -> tuple[int, int]:
        return _hyphen_span(q, m.first, m.last)

    # a partial name inside another name's hyphenated word ("lite" of nova-lite in "field-chat-lite") takes nothing
    taken = {i for m in mentions if m.exact or group(m) == (m.first, m.last) for i in range(m.first, m.last)}
    spans: list[tuple[int, int]] = []
    keep: list[Mention] = []
    for m in mentions:
        seat_after = _tok(q, m.last) in _SEAT_WORDS  # "per copilot seat": the tool's seat, 'copilot' a name
        if not m.exact and _tok(q, m.first - 1) == "per" and m.last - m.first == 1 and not seat_after:
            # "cost per claim": a unit ('claim' only part of claim-intake), not a name
            used = used - {m.first}
            continue
        if not m.exact and not m.fuzzy and m.last - m.first == 1 and _grouping_word(q, m.first):
            # "break down october by project code": a word of the grouping asked ('code' only part of
            # code-review-bot), not a name; read by the planner as a grouping the store may lack
            used = used - {m.first}
            continue
        first, last = group(m)
        extra = [i for i in range(first, last) if not m.first <= i < m.last]
        own = extra and all(i not in taken and not toks[i].text.isdigit() for i in extra)
        inside = [o for o in mentions if o is not m and first <= o.first and o.last <= last]
        # "nw-ml-staging": one word made of a part of one value and another value is neither of them
        mixed = (
            inside and not all(o.exact for o in [m, *inside]) and any(o.values != m.values for o in inside)
        )
        # "reviw-digest": parts that all read as the same value spell that value (with a slip)
        spelt = {i for o in [m, *inside] if o.values == m.values for i in range(o.first, o.last)}
        if inside and spelt == set(range(first, last)):
            keep.append(m)
            continue
        if (own and (not m.exact or any(not _joins(toks[i].text, dim_words) for i in extra))) or mixed:
            used = used | set(range(first, last))  # read as one unknown name, not word by word
            q.compounds.append(low[toks[first].start : toks[last - 1].end])  # type: ignore[attr-defined]
            spans.append((first, last))
            continue
        keep.append(m)
    keep = [m for m in keep if not any(a <= m.first and m.last <= b for a, b in spans)]
    q.compounds = list(dict.fromkeys(q.compounds))  # type: ignore[attr-defined]
    return keep, used


# Dimensions whose values a company names itself (teams, features, customers): a slip in one of them may be
# another name of the company's ("billing-v8" beside "billing-v9"), so only exact spellings resolve
_OWN_NAME_KINDS = ("provider_tag", "virtual_tag", "telemetry")
# a name this long is not one letter away from another of the company's names ("underwritting",
# "pharmacovigilence" still read as the value, as earlier rounds expect); a shorter one may be ("supprot", "evnts")
_LONG_NAME = 10


def slipped_own_names(
    q: _Question, mentions: list[Mention], used: set[int], index: ValueIndex
) -> tuple[list[Mention], set[int]]:
    """A whole name the company chose (a tag value or a customer) typed with a slip ("SUPPROT" beside the team
    support) is a name the store does not hold: declined with the closest values, never answered as the value it
    looks like. A vendor or model name with a slip ("antropic") still reads as the vendor, and a slip inside a
    longer name whose other words match ("reviw-digest") as that name."""
    keep: list[Mention] = []
    for m in mentions:
        whole = _hyphen_span(q, m.first, m.last) == (m.first, m.last)
        short = all(len(v) < _LONG_NAME for v in m.values)
        if m.fuzzy and whole and short and index.kinds.get(m.dim) in _OWN_NAME_KINDS:
            used = used - set(range(m.first, m.last))
            q.compounds.append(m.phrase)  # type: ignore[attr-defined]
            continue
        keep.append(m)
    return keep, used


def _grouping_word(q: _Question, i: int) -> bool:
    """Whether token i is one of the (up to two) words right after "by" that end before a period or the end."""
    if _tok(q, i - 1) == "by":
        return True
    return _tok(q, i - 2) == "by" and _tok(q, i - 1).isalpha()


def _hyphen_span(q: _Question, first: int, last: int) -> tuple[int, int]:
    """The tokens of the whole hyphenated word around tokens [first, last)."""
    toks, low = q.toks, q.low
    while first > 0 and low[toks[first - 1].end : toks[first].start] == "-":
        first -= 1
    while last < len(toks) and low[toks[last - 1].end : toks[last].start] == "-":
        last += 1
    return first, last


# Words that join a value into a longer word without naming anything else ("platform-wide", "prod-only",
# "search-related"); any other word joined to a value ("data-platform", "search-infra") makes a name the store lacks
_JOINERS = _QUALIFYING_SUFFIXES | {
    "facing",
    "hosted",
    "powered",
    "served",
    "backed",
    "bound",
    "like",
    "style",
}
_JOINERS |= {"type", "non", "all", "cross", "multi", "latest", "s"}


def _joins(word: str, dim_words: dict) -> bool:
    return word in _JOINERS or word in MEASURE_NOUNS or (word,) in dim_words


_CALENDAR_WORDS = set(MONTHS) | {d.lower() for d in (*calendar.day_name, *calendar.day_abbr)}


def is_month_or_day(word: str) -> bool:
    return word.rstrip(".") in _CALENDAR_WORDS


_RANKED = re.compile(
    r"^\s*(which|whose)\s+(?P<what>(?:[a-z][\w-]*\s+){0,2}?[a-z][\w-]*)\s+"
    r"(spent|spends|spend|cost|costs|was|were|had|burned|burnt|used|ran)\b"
    r".*\b(most|least|highest|lowest|biggest|largest|smallest|cheapest|priciest|more|less)\b"
)


def ranked_without_dimension(low: str) -> str:
    """ "which business line spent the most": a ranking over words that name no dimension of the store (the
    question reached the plain figure), so no figure: the words are what is not in the data."""
    m = _RANKED.match(low)
    if m is None or m.group("what").split()[0] in _PRONOUNS | _DETERMINERS:
        return ""
    return m.group("what")


_GROUPED = re.compile(
    r"\b(?:spend|spent|spending|spends|cost|costs|bill|broken down|break(?:down| it down| down)(?: \w+)?|split|"
    r"grouped|group)\s+by\s+(?:the |our |each |every |a |an )?(?P<what>[a-z][a-z0-9_-]*(?: [a-z][a-z0-9_-]*)?)"
)
_NOT_GROUPS = {
    "end",
    "far",
    "how",
    "now",
    "then",
    "mid",
    "close",
    "eod",
    "eom",
    "date",
    "itself",
    "much",
    "it",
}


def grouped_without_dimension(rest: str) -> str:
    """ "spend by cost center in october" on a store with no such key: a breakdown asked by words that name no
    dimension (the question reached the plain figure, the grouping unread), so no figure: the words are what is
    not in the data. `rest`: the question with names and periods masked."""
    m = _GROUPED.search(rest)
    if m is None:
        return _named_before_breakdown(rest)
    words = [w for w in m.group("what").split() if w not in ("tag", "tags", "label", "labels", "key")]
    if not words or words[0] in _NOT_GROUPS | _PRONOUNS | _DETERMINERS:
        return ""
    return " ".join(words[:2] if len(words) > 1 and words[1] not in _TRAILING else words[:1])


# "cost centre breakdown", "region split": a grouping named before the breakdown word; these words name none
_BREAKDOWN = re.compile(r"(?P<what>(?:[a-z][a-z0-9_-]* )?[a-z][a-z0-9_-]*) (?:breakdown|split|break down)\b")
_NOT_GROUP_WORDS = {
    "spend", "spending", "spent", "cost", "costs", "total", "ai", "llm", "the", "a", "an", "our", "my", "full",
    "quick", "detailed", "rough", "overall", "monthly", "weekly", "daily", "complete", "simple", "bill", "usage",
    "me", "us", "give", "show", "get", "need", "want", "and", "of", "whole", "entire", "cloud", "invoice",
}  # fmt: skip


def _named_before_breakdown(rest: str) -> str:
    """The words before "breakdown" / "split" when they name no dimension ("cost centre breakdown" on a store
    with no cost centre): '' when the last of them is an ordinary word ("spend breakdown", "quick split")."""
    m = _BREAKDOWN.search(rest)
    if m is None:
        return ""
    words = m.group("what").split()
    if words[-1] in _NOT_GROUP_WORDS | _NOT_GROUPS | _PRONOUNS | _DETERMINERS:
        return ""
    return " ".join(words if words[0] not in _NOT_GROUP_WORDS - {"cost"} else words[1:])


_TRAILING = {
    "in",
    "for",
    "during",
    "last",
    "this",
    "over",
    "since",
    "from",
    "and",
    "vs",
    "versus",
    "please",
    "pls",
}


def confidence(plan: Plan, intent_found: bool) -> None:
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
