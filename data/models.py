"""Recognising AI models, token kinds and units in whatever text a bill row offers.

Provider bills name models in many shapes: `claude-sonnet-4-5`, `Claude Sonnet 4.5`, `USE1-Claude4.6Sonnet-input-tokens`,
`anthropic.claude-sonnet-4-5-20250929-v1:0`, `gpt-4o-mini-0718-Inp-glbl Tokens`, `Gemini 2.5 Pro Text Input`.
These functions reduce them to one canonical id per model (the provider's base id, lower case, no date
suffix) so that spend on one model is summed across providers.
"""

from __future__ import annotations

import re
from functools import lru_cache

TOKEN_TYPES = ("input", "output", "cached_input", "cache_write", "reasoning")

_FAMILY = (
    r"gpt-oss-\d+b|gpt-?\d[\w.]*(?:-[\w.]+)*|o[134](?:-(?:mini|pro|preview|deep-research))*|chatgpt-[\w.\-]+|"
    r"text-embedding-[\w\-]+|text-(?:davinci|curie|babbage|ada)-\d+|davinci-\d+|babbage-\d+|whisper(?:-\d)?|"
    r"tts-1(?:-hd)?|dall-e-\d|gpt-image-[\w\-]+|claude(?:-[\w.]+)+|gemini(?:-[\w.]+)+|gemma(?:-?[\w.]+)+|"
    r"llama-?\d[\w.\-]*|llama(?:-[\w.]+)+|mistral(?:-[\w.]+)*|mixtral(?:-[\w.]+)+|codestral(?:-[\w.]+)*|"
    r"pixtral(?:-[\w.]+)*|titan(?:-[\w.]+)+|nova-(?:micro|lite|pro|premier|canvas|reel|sonic)(?:-[\w.]+)*|"
    r"command(?:-[\w.]+)+|jamba(?:-[\w.]+)+|deepseek(?:-[\w.]+)+|imagen(?:-[\w.]+)*|text-bison|chat-bison|"
    r"textembedding-gecko|embed-(?:english|multilingual)(?:-[\w.]+)*|grok(?:-[\w.]+)+|qwen[\w.]*(?:-[\w.]+)*"
)
_FAMILY_RE = re.compile(r"(?<![a-z0-9])(" + _FAMILY + r")", re.I)

# Pieces that ride on model names in meters and usage types but are not part of the model id.
_NOISE = re.compile(
    r"-(?:inp|input|outp|output|in|out|cached|cache|cchd|cachedinput|cache-read|cache-write|read|write|"
    r"prompt|completion|tokens?|aud|glbl|global|regnl|regional|dzone|datazone|data-zone|batch|pp|ptu|provisioned|"
    r"standard|std|priority|flex|text|chars?|characters|requests?|units?|hours?|mtok|ktok|1k|1m|us|eu|apac)$",
    re.I,
)
_DATE_SUFFIX = re.compile(r"(?:-\d{8}|-\d{4}-\d{2}-\d{2}|@\d{8}|@latest|@\d+|-v1:\d+|:\d+|-latest)$", re.I)
# "-v2" after a name that already carries a version digit ("claude-3-5-sonnet-20241022-v2", "llama3-3-70b-instruct
# -v1") is a revision of the API id and is dropped, as is a first revision "-v1" (Bedrock's "cohere.command-r-plus
# -v1:0"); after a bare family name a later one is the model's own version and stays: deepseek-v3,
# embed-english-v3, titan-embed-text-v2.
_GPT_VERSION = re.compile(r"^(gpt-[\w.]+?(?:-mini|-nano|-turbo|-pro)?)-\d{4}$", re.I)

# Every way normalize_model finds a model starts from one of these words (each family of `_FAMILY` and of the
# spaced patterns below contributes its first letters-and-digits run), so text without any of them names no model.
# Runs of letters and digits only: the prefix removals in normalize_model cut at non-word characters, so they cannot
# join two pieces into one of these words. `o1`/`o3`/`o4` count only where `_FAMILY_RE` can match them (not after
# a letter or digit). Lets bulk callers skip the deriver, in SQL too (`may_name_model_sql`).
_MAY_NAME = (
    r"claude|gemini|gemma|llama|mistral|mixtral|codestral|pixtral|gpt|whisper|tts|dall|davinci|babbage|text|"
    r"titan|nova|command|jamba|deepseek|imagen|bison|gecko|embed|grok|qwen|(?:^|[^a-z0-9])o[134]"
)
_MAY_NAME_RE = re.compile(_MAY_NAME, re.I)


def may_name_model(text: str | None) -> bool:
    """False when `text` certainly names no model (normalize_model would return None); cheap."""
    return bool(text) and _MAY_NAME_RE.search(str(text).strip().lower()) is not None


def may_name_model_sql(column: str) -> str:
    """SQL over a text column, true where `may_name_model` may be true: the same test on ASCII text (where
    DuckDB's and Python's lower case agree); text with other characters (more bytes than characters: a
    regular expression for them cost as much again) is always passed on to Python."""
    return (
        f"({column} IS NOT NULL AND (regexp_matches(lower({column}), '{_MAY_NAME}') "
        f"OR strlen({column}) <> length({column})))"
    )


_CLAUDE_SPACED = re.compile(
    r"claude[\s_-]*(?:(\d+(?:[.\s]\d)?)[\s_-]*)?(opus|sonnet|haiku|instant)(?:[\s_-]*(\d+(?:[.\s_-]\d)?))?",
    re.I,
)
_GEMINI_SPACED = re.compile(
    r"gemini[\s_-]*(\d+(?:\.\d+)?)[\s_-]*(pro|flash[\s_-]*lite|flash|ultra|nano)(?:[\s_-]*(image|preview|exp))?",
    re.I,
)
# Azure meters spell OpenAI models with spaces: `gpt 4o 0513 Input global Tokens`, `gpt 4.1 mini Inp glbl`.
_GPT_SPACED = re.compile(
    r"\bgpt(?:\s+(?:\d[\w.]*|mini|nano|turbo|pro|realtime|audio|transcribe|search|chat))+", re.I
)
# Bedrock usage types run Nova names together: `USE1-NovaLite-input-tokens`, `USE1-Nova2.0Lite-...`.
_NOVA = re.compile(
    r"(?<![a-z0-9])nova[\s_-]*(?:(\d)(?:\.0)?[\s_-]*)?(micro|lite|pro|premier|canvas|reel|sonic)", re.I
)
# "Mistral Large (24.07)", and Bedrock's joined usage types ("USE1-MistralLarge-input-tokens", "MistralSmall2402")
_MISTRAL_SPACED = re.compile(
    r"(?<![a-z0-9])mistral(?:[\s_]+|(?=large|medium|small|nemo|tiny))(large|medium|small|nemo|tiny)(?:\d{4})?(?![\w])",
    re.I,
)
_LLAMA_SPACED = re.compile(r"llama[\s_-]*(\d+)(?:[.\s_-](\d))?[\s_-]*(\d+b)[\s_-]*(instruct|chat)?", re.I)


def _claude(m: re.Match[str]) -> str:
    pre, tier, post = m.group(1), m.group(2).lower(), m.group(3)
    version = re.sub(r"[.\s_]", "-", post or pre or "")
    if not version:
        return "claude-" + tier
    if int(version.split("-")[0]) >= 4:  # claude-sonnet-4-5: tier first from the 4 family on
        return f"claude-{tier}-{version}"
    return f"claude-{version}-{tier}"  # claude-3-5-sonnet


def _strip(name: str) -> str:
    prev = None
    while prev != name:
        prev = name
        name = _DATE_SUFFIX.sub("", name)
        name = re.sub(r"-v\d+$", "", name) if re.search(r"\d.*-v\d+$|-v1$", name) else name
        name = _NOISE.sub("", name)
        name = name.rstrip("-_. ")
    m = _GPT_VERSION.match(name)
    if m:
        name = m.group(1)
    name = re.sub(r"^gpt-35", "gpt-3.5", name)
    return name


@lru_cache(maxsize=65536)
def normalize_model(text: str | None) -> str | None:
    """Canonical model id found in `text`, or None when it names no known model family."""
    if not text:
        return None
    raw = str(text).strip()
    low = raw.lower()
    if not _MAY_NAME_RE.search(low):
        return None
    # vendor prefixes of Bedrock / Vertex ids: anthropic.claude-..., publishers/google/models/gemini-...
    low = re.sub(r"\b(?:us|eu|apac|global)\.(?=[a-z]+\.)", "", low)
    low = re.sub(
        r"\b(?:anthropic|meta|amazon|cohere|ai21|mistral|deepseek|openai|google|qwen|writer)\.", "", low
    )
    # spaced variants of OpenAI names: "GPT-4o mini", "GPT-4.1 nano", "o3 mini", "GPT-4 Turbo"
    low = re.sub(r"\b(gpt-?\d[\w.]*|o[134])[\s_]+(mini|nano|turbo|pro|preview)\b", r"\1-\2", low)
    m = _CLAUDE_SPACED.search(low)
    if m and (" " in m.group(0) or re.search(r"claude\d", m.group(0)) or "_" in m.group(0)):
        return _claude(m)
    m = _GEMINI_SPACED.search(low)
    if m and " " in m.group(0):
        tier = re.sub(r"[\s_]+", "-", m.group(2).lower())
        return f"gemini-{m.group(1)}-{tier}" + (f"-{m.group(3).lower()}" if m.group(3) else "")
    m = _LLAMA_SPACED.search(low)
    if m and " " in m.group(0):
        minor = f"-{m.group(2)}" if m.group(2) else ""
        return f"llama{m.group(1)}{minor}-{m.group(3)}" + (f"-{m.group(4)}" if m.group(4) else "")
    m = _MISTRAL_SPACED.search(low)
    if m:  # "Mistral Large (24.07)": the tier is part of the model's name
        return f"mistral-{m.group(1)}"
    m = _GPT_SPACED.search(low)
    if m and " " in m.group(0):
        return _strip(re.sub(r"\s+", "-", m.group(0))) or None
    m = _NOVA.search(low)
    if m:
        return "nova-" + (f"{m.group(1)}-" if m.group(1) else "") + m.group(2).lower()
    m = _FAMILY_RE.search(low)
    if not m:
        return None
    name = _strip(m.group(1).replace("_", "-"))
    return name or None


_CACHE_READ = re.compile(
    r"cach(?:e|ing)[\s_-]*(?:read|hit)|cached|\bcchd\b|cache[\s_-]*input|-cchd-|cachedinput", re.I
)
_CACHE_WRITE = re.compile(r"cach(?:e|ing)[\s_-]*(?:write|creation|storage|writes)|cachewrite", re.I)
_REASONING = re.compile(r"reasoning|thinking", re.I)
# Gemini bills thinking together with text output (`Text and Thinking Output`): that is output, not a separate kind.
_THINKING_OUTPUT = re.compile(r"thinking\s+output", re.I)
_INPUT = re.compile(r"(?<![a-z])(?:input|inp|prompt|in)(?:(?![a-z])|(?=tokens?))", re.I)
_OUTPUT = re.compile(
    r"(?<![a-z])(?:output|outp|completion|out|generated|response)(?:(?![a-z])|(?=tokens?))", re.I
)
# "in" and "out" alone are also prepositions ("Included in Business", "data transfer in per month"): in a text
# that never says "token", a direction only when no word follows them ("In", "In-Bytes", "Requests out")
_PREPOSITION = re.compile(r"(?<![a-z])(?:in|out)(?=\s+[a-z])", re.I)


def token_type_of(text: str | None) -> str | None:
    """Token kind named in a meter, usage type or description, or None."""
    if not text:
        return None
    t = str(text)
    if _CACHE_WRITE.search(t):
        return "cache_write"
    if _CACHE_READ.search(t):
        return "cached_input"
    if _REASONING.search(t) and not _THINKING_OUTPUT.search(t):
        return "reasoning"
    if "token" not in t.lower() and _PREPOSITION.search(t):
        t = _PREPOSITION.sub(" ", t)
    if _OUTPUT.search(t):
        return "output"
    if _INPUT.search(t):
        return "input"
    return None


_TOKEN_TYPE_ALIASES = {
    "input": "input",
    "prompt": "input",
    "in": "input",
    "input_tokens": "input",
    "output": "output",
    "completion": "output",
    "out": "output",
    "output_tokens": "output",
    "cached_input": "cached_input",
    "cache_read": "cached_input",
    "cached": "cached_input",
    "cache_read_input": "cached_input",
    "cached_input_tokens": "cached_input",
    "cache_hit": "cached_input",
    "cache_write": "cache_write",
    "cache_creation": "cache_write",
    "cache_creation_input": "cache_write",
    "reasoning": "reasoning",
    "thinking": "reasoning",
}


def canonical_token_type(value: str | None) -> str | None:
    if not value:
        return None
    key = re.sub(r"[\s\-]+", "_", str(value).strip().lower())
    return _TOKEN_TYPE_ALIASES.get(key) or token_type_of(str(value))


_UNIT = re.compile(
    r"^\s*(?:(\d[\d,]*(?:\.\d+)?)\s*([km]|thousand|million)?\s*)?(tokens?|requests?|calls?|queries|characters?|chars?|"
    r"images?|hours?|hrs?|seconds?)\s*(?:\((\d[\d,]*)\s*([km])?\)|/?\s*(\d[\d,]*)\s*([km])?)?\s*$",
    re.I,
)
_UNIT_ALT = re.compile(r"^\s*(tokens?|requests?)\s*(?:per\s*)?(\d[\d,]*)\s*([km])?\s*$", re.I)


def parse_unit(unit: str | None) -> tuple[str, float] | None:
    """('tokens' | 'requests' | 'characters' | 'images' | 'hours' | 'seconds', multiplier) for a unit string.

    '1M Tokens' -> ('tokens', 1e6); '1000 Tokens' -> ('tokens', 1000); 'Tokens (1K)' -> ('tokens', 1000).
    """
    if not unit:
        return None
    m = _UNIT.match(str(unit))
    if not m:
        m2 = _UNIT_ALT.match(str(unit))
        if not m2:
            return None
        kind, num, scale = m2.group(1), m2.group(2), m2.group(3)
        return _kind(kind), float(num.replace(",", "")) * _scale(scale)
    num, scale, kind = m.group(1), m.group(2), m.group(3)
    mult = float(num.replace(",", "")) * _scale(scale) if num else 1.0
    tail_num = m.group(4) or m.group(6)
    tail_scale = m.group(5) or m.group(7)
    if tail_num:
        mult *= float(tail_num.replace(",", "")) * _scale(tail_scale)
    return _kind(kind), mult


def _scale(s: str | None) -> float:
    if not s:
        return 1.0
    s = s.lower()
    return {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6}.get(s, 1.0)


def _kind(word: str) -> str:
    w = word.lower()
    if w.startswith("tok"):
        return "tokens"
    if w.startswith(("req", "call", "quer")):
        return "requests"
    if w.startswith("char"):
        return "characters"
    if w.startswith("image"):
        return "images"
    if w.startswith(("hour", "hr")):
        return "hours"
    return "seconds"
