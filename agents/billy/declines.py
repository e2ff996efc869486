"""Concepts a cost store does not hold, so Billy declines them instead of answering with cost: revenue, margin,
profit, headcount, counts of people, business metrics, latency, carbon, amount thresholds, time saved; a count of
something the store does not count; a cost per a unit it does not count; an actual figure for a period after the
data ends. (Split from precision.py, which reads names; this module reads concepts.)"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spendscope.agents.billy.reading import Reading
    from spendscope.agents.billy.resolve import ValueIndex

# People a product serves: a cost store counts none of them (telemetry's customers are accounts, not people).
_PEOPLE = (
    r"subscribers?|players?|gamers?|readers?|viewers?|listeners?|visitors?|patients?|students?|learners?|"
    r"members?|shoppers?|riders?|guests?|fans?|passengers?|travell?ers?|commuters?|staff|people|persons?|"
    r"workers?|employees?|colleagues?|teachers?|tutors?|parents?|doctors?|nurses?|clinicians?|lawyers?|"
    r"drivers?|farmers?|growers?|ppl|humans?|hires"
)
# People who build and run things: counted as people only where a sentence puts them in a team ("how many
# engineers are on X"); coding-assistant engineers are counted by their seats
_STAFF = (
    r"engineers?|developers?|devs?|analysts?|scientists?|researchers?|designers?|ftes?|contractors?|folks"
)
_IN_TEAMS = "headcount (how many people are in a team)"
_PER_STAFF = re.compile(r"\b(per|each|every)[ -](" + _STAFF + r")\b")
# Concepts a cost store does not hold: (pattern, what to say).
CONCEPTS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(
            r"\brevenues?\b|\bsales\b|\bearn(s|ed|ing|ings)?\b|\b[am]rr\b|\bbookings\b|"
            r"\b(pay|pays|paid|paying|owes?) us\b|"
            # "how much did search make us": money made, not spent
            r"\bhow much (money )?(did|does|do|will|would|can) [^?.]{1,40}?\b(make|makes|made)\b(?! up\b)"
        ),
        "revenue",
    ),
    (re.compile(r"\b(gross |net |profit )?margins?\b"), "margin"),
    (  # "the recommendations engine": a system's name (a value in the data would be masked before this)
        re.compile(r"\brecommend\w*[ -](engine|service|system|model|api|feature|pipeline|bot|widget)s?\b"),
        "a recommendation engine or service (no value of the data names one)",
    ),
    (re.compile(r"\bprofit\w*\b|\broi\b|\breturn on investment\b"), "profit"),
    (
        re.compile(r"\bsalar(y|ies)\b|\bpayroll\b|\bwages?\b|\bstaff costs?\b"),
        "salaries and payroll",
    ),
    (re.compile(r"\bhead ?counts?\b|\bemployees?\b"), "headcount"),
    (
        re.compile(
            r"\b(per|each|every|a)[ -]((active|daily|weekly|monthly|paying|unique|new) )*(users?|seats?|dau|mau|"
            + _PEOPLE
            + r")\b"
        ),
        "users",
    ),
    (
        re.compile(
            r"\b(how many|number of|count of) ((active|daily|paying|unique|new) )*(" + _PEOPLE + r")\b"
        ),
        "users",
    ),
    (
        # "how many engineers are on the search team": people in a team (telemetry's users are accounts)
        re.compile(
            r"\b(how many|number of|count of) ([a-z]+ )?("
            + _PEOPLE
            + "|"
            + _STAFF
            + r"|(?!(servers|containers|clusters|routers|customers|clients|tenants|agents|providers|vendors|users)\b)"
            r"[a-z]{3,}(ers|ors|ists|ians|ants|ents))\b(?! (use|used|using)\b)[^?.]{0,25}?"
            r"\b((are|is|were|sit|sits|work|works|working) )?(on|in|at|with)\b"
        ),
        _IN_TEAMS,
    ),
    (
        # "how many analysts does response have": people a team has
        re.compile(
            r"\b(how many|number of|count of) ([a-z]+ )?(" + _PEOPLE + "|" + _STAFF + r")\b "
            r"(do|does|did|will) [^?.]{1,40}?\b(have|has|had|employ|employs|employed|got)\b"
        ),
        _IN_TEAMS,
    ),
    (
        re.compile(
            r"\bchurn\w*\b|\bnps\b|\bconversion rates?\b|\bcac\b|\bltv\b|\bclv\b|\barpu\b|"
            r"\bcustomer acquisition costs?\b|\b(customer )?lifetime values?\b|\bpayback\b|"
            r"\bburn multiples?\b|\b[ngd]rr\b|\bndr\b|\b(net|gross) (revenue|dollar) retention\b|"
            r"\bebitda\b|\bcogs\b|\bcost of (goods|revenue)\b|\brule of 40\b|\bmagic number\b|\brunway\b|"
            r"\birr\b|\bnpv\b|\broas\b|\bunit margins?\b|\bcontribution margins?\b|\bunit economics\b|"
            r"\bopex\b|\bcapex\b|\b(operating|capital) (expenses?|expenditures?)\b|\bdepreciation\b|"
            # a payments or commerce business's own figures: what it takes, processes and sells
            r"\btake rates?\b|\bgmv\b|\btpv\b|\b(payment|transaction|processing) volumes?\b|"
            r"\baverage (order|basket|ticket) (value|size)s?\b|\baov\b|\binterchange\b"
        ),
        "business metrics",
    ),
    (
        re.compile(
            r"\blatenc(y|ies)\b|\b(error|failure|success) rates?\b|\buptime\b|\bresponse times?\b|"
            r"\bp(50|90|95|99)\b|(?<!provisioned )\bthroughput\b(?! units?\b)(?! commitments?\b)(?! reservations?\b)|\btokens? (per|a|/) ?(second|sec|s)\b|\btps\b|\bttft\b|"
            r"\btime to first token\b"
        ),
        "latency, throughput, uptime and error rates (Billy answers cost questions)",
    ),
    (
        re.compile(
            r"\bdue dates?\b|\b(invoices?|bills?) (is |are |was )?(due|overdue|paid)\b|\bpayment (terms|status)\b|"
            r"\bwhen (is|are|was|were) [^?.]{0,40}\b(due|paid)\b"
        ),
        "invoice due dates and payments (the store holds charges, not their payment)",
    ),
    (
        # "cost of the outage last tuesday": an event the bill does not record (its day's spend is no answer)
        re.compile(r"\b(outages?|incidents?|downtimes?|disruptions?|post-?mortems?|sev ?[0-4])\b"),
        "incidents and outages (the bill records charges, not events: ask for a day's spend or why it changed)",
    ),
    (
        # "how much did the frost damage cost us": damage, weather and attacks are events the bill does not record
        re.compile(
            r"(?<!what's the )(?<!whats the )(?<!what is the )\b(damages?|damaged|frost|hail|storms?|floods?|flooding|droughts?|heat ?waves?|earthquakes?|"
            r"hurricanes?|typhoons?|wildfires?|breach(es)?|hacks?|hacked|cyber ?attacks?|ddos|accidents?|"
            r"lawsuits?|recalls?)\b"
        ),
        "damage, weather, attacks and other events (the bill records charges, not events: ask for a day's spend "
        "or why it changed)",
    ),
    (
        # "who approved the ptu purchase": people's decisions, not charges
        re.compile(
            r"\bwho (approved|signed( off)?|authori[sz]ed|requested|ordered|bought|purchased|negotiated|decided)\b"
        ),
        "approvals and purchasers (the bill records charges, not who approved or bought them)",
    ),
    (
        re.compile(r"\bcredits? (balances?|left|remaining)\b|\bremaining credits?\b|\bbalance of credits?\b"),
        "credit balances (the bill holds credits applied, not what is left)",
    ),
    (re.compile(r"\b(carbon|co2|emissions?|footprint|energy|electricity|kwh)\b"), "carbon and energy use"),
    (
        re.compile(
            r"\bfx\b|\bforex\b|\bexchange rates?\b|\bcurrency (impact|effects?|risk|moves?|movements?|swings?)\b|"
            r"\bhedg(e|es|ed|ing)\b"
        ),
        "exchange-rate effects (the bill is in its billing currency; the store holds no exchange rates)",
    ),
    (
        # "how much platinum did we mine": a quantity the business produces or sells, not a cost
        re.compile(
            r"\bhow (much|many) (?!money\b|cash\b|tokens?\b|requests?\b|calls?\b|gpu)[a-z]+ (did|do|does|will|would|"
            r"have|has|can) (we|they|you|it|i) (produce|produced|mine|mined|manufacture|manufactured|harvest|"
            r"harvested|extract|extracted|ship|shipped|sell|sold|deliver|delivered|grow|grew|grown|dig|dug)\b"
        ),
        "production and sales volumes (the store holds costs and usage, not what the business produces)",
    ),
    (
        re.compile(
            r"\b(above|over|more than|greater than|exceed\w*|below|under|less than)\s+[$€£]?\d[\d,.]*\s*"
            r"(k|m|dollars?|euros?|pounds?|usd|eur|gbp)?\b(?!\s*%)(?!\s*(tokens?|requests?|hours?|gpus?|days?|weeks?|months?|years?|quarters?))"
        ),
        "amount thresholds (days or values above or below a figure: ask for a ranking or a breakdown)",
    ),
    (
        re.compile(r"\b(hours?|time|days?) (saved|freed)\b|\bsaved (hours?|time)\b|\btime savings?\b"),
        "time saved (coding assistants report accepted lines, pull requests and active days, not hours)",
    ),
]


_TAX = re.compile(r"\b(tax|taxes|taxed|vat|gst|sales tax)\b")
# a refund or credit asked for itself ("whats the refund we got from anthropic"), not spend net of one
_REFUND = re.compile(
    r"(?<!net of )(?<!after )(?<!excluding )(?<!excl )(?<!less )(?<!minus )(?<!before )(?<!without )"
    r"(?<!including )(?<!incl )(?<!ex )\b(refunds?|refunded|rebates?|credits?|credited|reimburse\w*)\b"
)
# "what did my team spend": Billy does not know whose team the asker is on
_MINE = re.compile(r"\bmy (team|squad|department|group|org|feature|project|product|app|service)\b")


# the service categories of AI spend (models, GPU instances, coding assistants): a store holding only these holds
# no other cloud spend to set AI against
AI_CATEGORIES = {"AI and Machine Learning", "Compute", "Developer Tools"}
_WHOLE_CLOUD = re.compile(
    r"\b(?:total|whole|entire|overall|all(?: of)?(?: our)?|our|the)\s+(?:cloud|aws|azure|gcp|infra\w*|it)"
    r"(?:\s+(?:bill|spend|spending|costs?))?\b|(?<!google )\bcloud (?:bill|spend|costs?)\b"
)
_AI_PART = re.compile(r"\b(ai|genai|gen ai|llms?|ml)\b")
_SHARE_ASKED = re.compile(r"%|\bpercent\w*|\bshare\b|\bfraction\b|\bportion\b|\bproportion\b")


def declined_concepts(r: Reading, index: ValueIndex) -> list[str]:
    """Concepts the store does not hold, and actual figures for periods it has no data for."""
    rest = spelled_concepts(_concepts_unmasked(r, index))
    out = [  # names masked: "Revenue Cycle" team; a coding assistant's seats and users are in the store
        what
        for pattern, what in CONCEPTS
        if pattern.search(rest) and not (r.assistant and what in ("users", _IN_TEAMS))
    ]
    categories = {str(v).lower() for v in index.values.get("charge_category", [])}
    if _TAX.search(rest) and "tax" not in categories:
        out.append("tax charges (the bill has no tax rows)")
    if _REFUND.search(rest) and "credit" not in categories and not any("credit" in w for w in out):
        out.append("refunds and credits (the bill has no credit rows)")
    if _MINE.search(rest) and not r.assistant:
        out.append(f"which {_MINE.search(rest).group(1)} is yours (name it and I will answer)")  # type: ignore[union-attr]
    if {"headcount", _IN_TEAMS} & set(out):  # people in a team or on the payroll are headcount, not users
        out = [w for w in out if w != "users"]
    held = {str(v) for v in index.values.get("service_category", [])}
    if (
        _SHARE_ASKED.search(r.low)
        and _AI_PART.search(r.low)
        and _WHOLE_CLOUD.search(r.low)
        and held
        and held <= AI_CATEGORIES
    ):
        # "ai spend as a % of total cloud": the whole is the cloud bill, which a store of AI bills does not hold
        out.append(
            "the rest of the cloud bill (this store holds AI spend only: "
            + ", ".join(sorted(held))
            + "; import the whole cloud export, e.g. `spendscope import cur`, to set AI against it)"
        )
    currency = other_currency(rest, index)
    if currency:
        out.append(currency)
    staff = _PER_STAFF.search(rest)
    if staff and not r.assistant and not out:
        # "spend per engineer": a cost per person needs a headcount (a coding assistant's seats: assistants.py)
        out.append(f"a headcount of {staff.group(2)} (a cost per {staff.group(2)} needs one)")
    users = _USING.search(r.rest)
    if users and not _held(users.group("noun"), _COUNTED_HERE, index) and not r.assistant and not out:
        out.append(f"a count of the {users.group('noun')} it takes or serves (the store counts no people)")
    if _DISCOUNT.search(rest) and not index.values.get("commitment") and not out:
        # "how much did we save with the coreweave discount": no figure of savings or spend stands in for it
        out.append(
            "discounts: the data has no discount rows (no commitment discount, reservation or savings plan)"
        )
    if (
        _HELD_COMMITMENT.search(rest)
        and _SAVED.search(rest)
        and not index.values.get("commitment")
        and not out
    ):
        # "how much did our commitment save us": what a commitment saved, where the bill has none (advice on
        # buying one is the savings question, asked without "did" / "saved")
        out.append(
            "savings from a commitment: the data has no commitment rows (no reservation, savings plan or PTU)"
        )
    if _NEGOTIATED.search(rest) and not _SAVED.search(rest) and not out:
        # "what's our discount with cohere", "the markup lambda charges us": contract terms, not a spend figure
        out.append(
            "negotiated discounts, markups and overcharges (the bill holds what was charged, not the contract's "
            "terms: ask for list against effective cost, or what a commitment saved)"
        )
    from spendscope.agents.billy.inventory import DEVICE_COUNT

    devices = DEVICE_COUNT.search(rest)
    # a bill with instance types is counted (agents/billy/inventory.py)
    if devices and not r.dims and not r.delegate and not out and not index.values.get("instance_type"):
        out.append(
            f"a count of {devices.group('what')} (the bill holds each GPU instance's cost and hours, not an "
            "inventory: ask which instances cost the most)"
        )
    counted = _counted_elsewhere(r, index)
    if counted and not out:
        out.append(f"a count of {counted}")
    per = _per_unknown_unit(r, index)
    if per and not out:
        out.append(f"a count of {per} (a cost per unit needs tokens, requests or GPU hours)")
    last = index.catalog.last_day
    if last is not None and r.delegate != "forecast" and "landing" not in r.cues:
        future = [p.period for p in r.periods if p.period.start > last]
        if future:
            out.append(f"actual spend for {future[0].label}, which is after the data ends ({last})")
    return out


_SPEND_VERBS = {"spend", "spends", "spent", "cost", "costs", "burn", "burned", "burnt", "use", "used"}
_OWNER_SLOT = {"did", "does", "do", "has", "have", "for", "on", "by"}


def _concepts_unmasked(r: Reading, index: ValueIndex) -> str:
    """`r.rest`, with a concept word that only partly matched a value unmasked ("how much revenue did the
    concierge bring in" beside the division revenue-mgmt: the revenue asked, not the division), unless the
    sentence uses the word as a name: before a dimension word or a spending verb ("the revenue team", "what did
    revenue spend"), or where an owner goes ("spend on revenue")."""
    q = r.q
    if q is None:
        return r.rest
    free: set[int] = set()
    for m in r.mentions:
        if m.exact or m.fuzzy or m.last - m.first != 1:
            continue
        word = q.toks[m.first].text
        if not any(p.fullmatch(word) for p, _ in CONCEPTS):
            continue
        nxt = q.toks[m.last].text if m.last < len(q.toks) else ""
        prev = q.toks[m.first - 1].text if m.first > 0 else ""
        if (nxt,) in index.dim_words or nxt in _SPEND_VERBS or prev in _OWNER_SLOT:
            continue
        free.add(m.first)
    return q.rest_text(r.used - free) if free else r.rest


# a discount asked by name (not the batch or prompt-caching price, which the savings advice covers)
_DISCOUNT = re.compile(r"(?<!batch )(?<!caching )(?<!cache )\bdiscount(s|ed)?\b")
_NEGOTIATED = re.compile(
    r"(?<!batch )(?<!caching )(?<!cache )\b(discount(s|ed)?|mark-?ups?|overpa(y|id|ying)|overcharg\w*|surcharges?)\b"
)
_HELD_COMMITMENT = re.compile(
    r"\b(our|the|that|this|my) (\w+ )?(commitments?|commits?|reservations?|reserved instances?|savings plans?|ptus?|"
    r"provisioned throughput|committed use( discounts?)?|cuds?)\b"
)
_SAVED = re.compile(r"\b(did|has|have|had)\b[^?]*\bsave\b|\bsaved\b|\bsavings (from|of|on)\b")


def _held(word: str, known: re.Pattern[str], index: ValueIndex) -> bool:
    """Whether a counted noun is something Billy measures (`known`) or a dimension of the store."""
    return bool(known.match(word) or {(word,), (word.rstrip("s"),)} & set(index.dim_words))


_COUNTED_HERE = re.compile(
    r"^(times?|days?|weeks?|months?|hours?|years?|quarters?|dollars?|euros?|pounds?|gpus?|instances?|boxes|"
    r"machines?|nodes?|servers?|models?|providers?|services?|vendors?|tokens?|requests?|calls?|anomal\w*|"
    r"alerts?|budgets?|commitments?|reservations?|ptus?|spikes?|seats?|licen[cs]es?|costs?|spend\w*|money|"
    r"percent\w*|pct|points?|"
    r"k|m|million|thousand|of|the|our|we|us|it|\w*_\w*)$"
)


# "how many teachers use essay-grader": people using a product, whatever they are called
_USING = re.compile(
    r"\b(?:how many|number of|count of) (?:\w+ )?(?P<noun>[a-z]+s) (?:\w+ )?(?:use|used|using|access|accessed|"
    r"(?:(?:do|does|would|will|should|did) (?:we|you|they|it|i) )?(?:need|needs|needed|require|required|support|"
    r"supports|hire|hired|staff|run|runs|work on|works on|worked on|working on|work with|maintain|maintains))\b"
)


def _counted_elsewhere(r: Reading, index: ValueIndex) -> str | None:
    """ "how many players do we have": a count of something that is no measure, dimension or value of the store
    (a count the store can answer names a dimension, a measure or something Billy counts)."""
    from spendscope.agents.billy.vocab import RE

    m = RE["count"].search(r.rest)
    # a name in the sentence does not make the count one the store holds ("how many tickets did ticket-triage
    # close": tickets are counted nowhere); the counted word itself is never a masked name (`rest`)
    # a grouping does not make it held either ("how many turbines did we service": the verb read as the service
    # dimension); a counted word that names a dimension is held (`_held`)
    from spendscope.agents.billy.inventory import DEVICE_COUNT

    if m is None or r.assistant or r.delegate or r.measure != "cost" or DEVICE_COUNT.search(r.low):
        return None  # GPUs and instances are counted (agents/billy/inventory.py)
    words = [w for w in m.group("what").split() if w not in ("active", "daily", "monthly", "unique", "new")]
    word = words[0] if words else ""
    # "how many clinical apps": two words naming a key of the store ('clinical-app') are held too
    pair = tuple(words[:2])
    if len(pair) == 2 and {pair, (pair[0], pair[1].rstrip("s"))} & set(index.dim_words):
        return None
    return None if not word or _held(word, _COUNTED_HERE, index) else word


_PER = re.compile(
    r"\b(cost|costs|costing|spend|spent|spending|price|priced|paid|pay|paying|run us|unit cost)\b[^?.]{0,40}?"
    r"\bper (a |an |one |single |each )?(?P<noun>[a-z][a-z-]*)"
)
_PER_UNITS = re.compile(
    r"^(tokens?|requests?|calls?|api|quer(y|ies)|inferences?|hours?|hrs?|gpu\w*|k|m|mtoks?|ktoks?|million|thousand|"
    r"input|output|prompt|completion|cached|cache|day|days|week|weeks|month|months|year|years|quarter|active|daily|"
    r"weekly|monthly|engineers?|devs?|developers?|heads?|seats?|users?|accepted|lines?|pull|prs?|commits?|unit|"
    r"average|cent|dollar|euro|pound)$"
)


def _per_unknown_unit(r: Reading, index: ValueIndex) -> str | None:
    """ "cost per article": a unit the store does not count (it counts tokens, requests and GPU hours; "per team"
    or "per model" is a grouping)."""
    m = _PER.search(r.rest)
    if m is None or r.assistant or (r.unit or {}).get("unit", "").startswith(("seat", "licen")):
        return None  # "per copilot seat": a seat of the tool named (agents/billy/consumed_units.py)
    noun = m.group("noun")
    if _held(noun, _PER_UNITS, index):
        return None
    return noun if noun.endswith("s") else f"{noun}es" if noun.endswith(("sh", "ch", "x")) else f"{noun}s"


# Words of the concepts above that Slack users mistype ("revnue", "proift", "salries"); a slip is one letter
# added, dropped, changed or two neighbours swapped, in a word of six letters or more
_CONCEPT_WORDS = (
    "revenue",
    "revenues",
    "margin",
    "margins",
    "profit",
    "profits",
    "salary",
    "salaries",
    "payroll",
    "headcount",
    "latency",
    "emissions",
)


def _one_slip(word: str, target: str) -> bool:
    if word == target or abs(len(word) - len(target)) > 1:
        return False
    if len(word) == len(target):
        diff = [i for i, (a, b) in enumerate(zip(word, target, strict=True)) if a != b]
        return len(diff) == 1 or (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and word[diff[0]] == target[diff[1]]
            and word[diff[1]] == target[diff[0]]
        )
    short, long_ = sorted((word, target), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def spelled_concepts(rest: str) -> str:
    """`rest` with a concept word typed with one slip read as the word ("ad revnue" -> "ad revenue")."""

    def fix(m: re.Match[str]) -> str:
        word = m.group(0)
        return next((t for t in _CONCEPT_WORDS if _one_slip(word, t)), word)

    return re.sub(r"[a-z]{6,}", fix, rest)


# Currencies named as the unit of an answer ("in euros", "convert it to gbp"): Billy does not convert, so an
# amount asked in a currency other than the bill's is declined (the figure would be in the wrong money)
_CURRENCIES = {
    "USD": r"usd|us dollars?|dollars?|bucks",
    "EUR": r"eur|euros?|€",
    "GBP": r"gbp|pounds?( sterling)?|sterling|quid|£",
    "JPY": r"jpy|yen|¥",
    "SEK": r"sek|swedish kron(or|a|er)|kronor|krona",
    "NOK": r"nok|norwegian kron(er|e)",
    "DKK": r"dkk|danish kron(er|e)",
    "CHF": r"chf|swiss francs?|francs?",
    "INR": r"inr|rupees?|₹",
    "KRW": r"krw|korean won",
    "CNY": r"cny|rmb|yuan|renminbi",
    "CAD": r"cad|canadian dollars?",
    "AUD": r"aud|australian dollars?|aussie dollars?",
    "PLN": r"pln|zlot(y|ys|ych)|złot(y|ych)",
    "ZAR": r"zar|rands?|south african rands?",
    "CZK": r"czk|korun[ay]?|koruny|czech crowns?|kč",
    "HUF": r"huf|forints?",
    "BRL": r"brl|reais|brazilian reals?",  # not "real" ("in real terms")
    "MXN": r"mxn|mexican pesos?|pesos?",
    "SGD": r"sgd|singapore dollars?",
    "NZD": r"nzd|new zealand dollars?|kiwi dollars?",
    "TRY": r"lira|liras|turkish lira",  # not "try" ("how much to try it")
}
_IN_CURRENCY = re.compile(
    r"\b(?:in|into|to|as|using)\s+(?:the\s+)?(?P<cur>"
    + "|".join(f"(?:{v})" for v in _CURRENCIES.values())
    + r")(?![\w-])|(?P<cur2>"
    + "|".join(f"(?:{v})" for v in _CURRENCIES.values())
    + r")\s+(?:equivalent|terms)\b"
)
# "in dollars" on a dollar bill is the bill's own money; "in kroner" is Swedish, Norwegian or Danish
_KRONER = {"SEK", "NOK", "DKK"}


def is_currency_word(word: str) -> bool:
    """ "koruna", "euros", "bucks": a currency's name (read by `other_currency`, never a thing that cost)."""
    return any(re.fullmatch(pattern, word) for pattern in _CURRENCIES.values())


def other_currency(low: str, index: ValueIndex) -> str | None:
    """ "whats october in euros" on a dollar bill: the currency asked, when it is not the bill's (`low`: the
    question with the store's names masked, so a value such as a team "eur-sales" is no currency)."""
    m = _IN_CURRENCY.search(low)
    if m is None:
        return None
    said = m.group("cur") or m.group("cur2")
    code = next(c for c, pattern in _CURRENCIES.items() if re.fullmatch(pattern, said))
    bills = {str(c).upper() for c in index.values.get("currency", []) if c} or {"USD"}
    if code in bills or (said.startswith("kron") and bills & _KRONER):
        return None
    if code == "USD" and not re.fullmatch(r"usd|us dollars?", said) and bills & {"CAD", "AUD"}:
        return None
    held = ", ".join(sorted(bills))
    return f"amounts in {code} (the bill is in {held} and Billy does not convert currencies)"
