"""The words Billy reads questions with: cue patterns (what is asked: a change, a share, a unit cost, ...),
measures, negations and the analytics intents. General English and FinOps vocabulary only, never a company's own
names (those come from the store, agents/billy/resolve.py)."""

from __future__ import annotations

import re

from spendscope.agents.billy.lexicon import NUMBER_WORDS, OWNERSHIP_VERBS, SUPERLATIVE_HIGH, SUPERLATIVE_LOW

RE = {
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
        r"bill|billed|invoic\w*|dollars?|usd|expensive|cheap\w*|money|budget|pricey|pricy|pricier|spendy|costly|"
        r"costlier)\b|"
        # "how much went on output tokens": spending, said the British / Australian way
        r"\bhow much (of [\w' ]{1,30} )?(went|goes|has gone|gone) (on|to|into)\b"
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
        r"\bcommit\w*|\bptus?\b|\bpts?\b|\bprovisioned\b|\bthroughput units?\b|\breserv\w*|\bsavings? plans?\b|\bcuds?\b|"
        r"\bprepa(id|y)\b|\bpre-?purchas\w*"
    ),
    "utilization": re.compile(
        r"\butili[sz]\w*|\butil\b|\busage rate\b|\bhow much of\b.*\b(used|use|using|consumed|consume|burn(ed|t)?)\b|"
        r"\b(what|which) (share|percent|percentage|fraction|portion) of\b.*\b(used|consumed)\b|"
        r"(%|\bpercent\w*|\bshare|\bfraction|\bportion|\bproportion) of\b.*\b(use|used|using|consumed?)\b"
    ),
    "unused": re.compile(
        r"\bunused\b|\bun-used\b|\bwast(e|ed|es|ing)\b|\bidle\b|\bnot used\b|\bunutili[sz]ed\b|"
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
        r"\b(what|which) portion\b|"
        # "how much of litigation's july spend went to groq": a part of a named whole
        r"\bhow much(?= of\b[^?]*\b(spend\w*|costs?|bill)(\s+[\w_]+){0,3}?\s+(went|go|goes|was|were|is|came|comes)\b)|"
        # "how much of q3 went to openai", "how much of last month was bedrock": a part of a named period's spend
        # (read on the question with resolved names masked by '_': "how much of __ went to ______")
        r"\bhow much(?= of (the |our |this |last )?(_+|q[1-4]|quarter|year|month|week|20\d\d|jan\w*|feb\w*|march|"
        r"mar|apr\w*|may|june?|july?|aug\w*|sep\w*|oct\w*|nov\w*|dec\w*)\b[^?]{0,20}?\s(went|go|goes|was|were)\b"
        # "how much of our PTU commitment was unused": how much of a commitment was used is its utilisation
        r"(?!\s+(not |left )?(unused|used|wasted|idle|utili[sz]\w*|burn\w*|consumed)\b))"
    ),
    "change": re.compile(
        r"\b(change|changed|changes|increase\w*|decrease\w*|grow|grew|grown|growth|growing|rise|rose|risen|rising|"
        r"drop\w*|fall|fell|fallen|falling|jump\w*|climb\w*|declin\w*|shrink|shrank|differ\w*|delta|compar\w*|"
        r"vs\.?|versus|trend\w*|evolv\w*|move[ds]?|moving|swing)\b|\b(go|went|gone|going|goes) (up|down)\b|"
        r"\b(up|down) (from|by|or)\b|\bmore than\b|\bless than\b|\bhigher than\b|\blower than\b|"
        # "which model got more expensive", "which team became cheaper": a change, not a ranking of the level
        r"\b(got|gotten|getting|get|gets|became|become|becoming|grew) (more expensive|less expensive|pricier|"
        r"costlier|cheaper|more costly|less costly)\b"
    ),
    "why": re.compile(
        r"\bwhy\b|\bdr[oi]v(e|es|en|ing)\b|\bdrivers?\b|\bexplain\w*|\bcaus\w*|\bbehind\b|\breasons?\b|"
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
        r"(?P<unit>tokens?|requests?|calls?|api calls?|inferences?|gpu[- ]?hours?|hours?|queries|query|seats?|"
        r"licen[cs]es?)\b"
    ),
    # "cost per month" is each month's cost, no unit cost (it was read as per million tokens over all data)
    "unit_words": re.compile(
        r"\bunit (cost|price)s?\b|\b(?:cost|price|rate) per\b(?! (?:month|week|day|year|quarter)\b)|\bblended\b"
    ),
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
        r"\b(a|per) day\b(?! (on|at|with))|\brun[- ]rate\b|\bburn rate\b|\b(daily|monthly) burn\b"
    ),
    "peak": re.compile(
        r"\bpeak\w*|\bbusiest\b|\bspiked?\b|\bmost expensive (day|week|month|date)\b|"
        r"\b(which|what) (day|date|week|month)s?\b|\b(day|date|week|month) (with|had|saw|of) the\b|"
        r"\b(cheapest|least expensive|lowest|quietest|slowest|highest|biggest|largest|costliest|priciest|"
        r"most expensive|heaviest|worst|best|max|maximum|min|minimum|top)[\s-]+(spend(ing)?[\s-]+|cost[\s-]+)?"
        r"(day|date|week|month)\b|"
        # "top 5 days by spend", "the three most expensive weeks"
        r"\b(top|highest|biggest|largest|most expensive|costliest|priciest|cheapest|lowest|quietest)[\s-]+"
        r"(\d+|two|three|four|five|six|seven|eight|nine|ten)[\s-]+(days|dates|weeks|months)\b|"
        r"\b(\d+|two|three|four|five|six|seven|eight|nine|ten)[\s-]+(most expensive|costliest|priciest|"
        r"cheapest|biggest|highest)[\s-]+(days|dates|weeks|months)\b"
    ),
    "followup": re.compile(
        r"^\s*(and|what about|how about|same|also|now|ok|okay|then|vs|versus|compared to|"
        r"what if|and what|and how|and for|for|in|on|by|only|just|excluding|except|without)\b"
    ),
    "previous": re.compile(
        r"\b(the )?(day|week|month|quarter|year|period) (before|prior)\b|\bthe previous "
        r"(one|period)\b|\bthe one before\b|\bbefore that\b|\bprior (one|period)\b"
    ),
    "following": re.compile(
        r"\b(the )?(day|week|month|quarter|year|period) (after|later)\b|\bthe (next|following) "
        r"(one|period)\b|\bthe one after\b|\bafter that\b"
    ),
    "negation": re.compile(
        r"(\b(excluding|exclude|excludes|except|besides|apart from|other than|not counting|not including|"
        r"leaving out|leave out|net of|without|minus|ignoring|outside( of)?|non|not|excl|ex)\b|\bw/o)"
        r"(\W+(the|our|a|an|all|any|of|for|on|from))*\W*$"
    ),
    "unsupported": re.compile(
        r"\b(forecast\w*|predict\w*|project(ed|ion)s?|will we|going to spend|end of (the )?(month|quarter|year)|"
        r"budgets?|anomal\w*|unusual|outliers?|abnormal|savings?(?! plans?)|save|"
        r"(?<!got )(?<!gotten )(?<!getting )(?<!became )(?<!become )cheaper|optimi[sz]\w*|recommend\w*(?! (?:engine|service|system|model|api|feature|pipeline|bot|widget)s?\b)|"
        r"reconcil\w*|estimat\w*|drift)\b"
    ),
}


DELEGATES = [
    ("budget", re.compile(r"\bbudget(s|ed|ing)?\b")),
    ("gpu_idle", re.compile(r"$^")),
    (
        "forecast",
        re.compile(
            r"\b(forecast\w*|predict\w*|projected|projections?|will we (spend|pay)|going to "
            r"(spend|cost)|expect(ed)? to spend|end of (the )?(month|quarter|year)|next month's|"
            r"will ([\w-]+ ){0,3}(cost|spend|run us|come to))\b"
        ),
    ),
    (
        "anomalies",
        re.compile(
            r"\b(anomal\w*|unusual|outliers?|abnormal|unexpected|weird|odd|strange|out of the ordinary|spikes|"
            r"any (cost |spend )?spikes?)\b"
        ),
    ),
    (
        "savings",
        re.compile(
            r"\b(save|savings(?! plans?)|cheaper (alternative|option|model)s?|optimi[sz]\w*|recommend\w*(?! (?:engine|service|system|model|api|feature|pipeline|bot|widget)s?\b)|"
            r"reduce (our )?(costs?|spend|bill)|cut (our )?(costs?|spend|bill))\b"
        ),
    ),
]


TOP_N = re.compile(
    r"\b(top|bottom|largest|biggest|highest|lowest|smallest|cheapest|first|last)\s+(?P<n>\d+|"
    + "|".join(k for k in NUMBER_WORDS if NUMBER_WORDS[k] > 1)
    + r")\b|\b(?P<n2>\d+|"
    + "|".join(k for k in NUMBER_WORDS if NUMBER_WORDS[k] > 1)
    + r")\s+(largest|biggest|"
    r"highest|lowest|smallest|cheapest|most expensive|top|costliest)\b"
)
HIGH = re.compile(
    r"\b("
    + SUPERLATIVE_HIGH
    + r")\b|\bspen(t|ds?) the most\b|\bspender\b|\bmost\b|\b("
    + OWNERSHIP_VERBS
    + r")\b"
)
OWNS = re.compile(r"\b(" + OWNERSHIP_VERBS + r")\b")
LOW = re.compile(r"\b(" + SUPERLATIVE_LOW + r")\b")
WHICH = re.compile(r"\b(which|what|who|whose)\b")

# Nouns that are also change words ("spend growth"): a value spelt like one is not a name after a measure noun.
CHANGE_NOUNS = {
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
MEASURE_NOUNS = {"spend", "spending", "cost", "costs", "bill", "billing", "usage", "token", "tokens", "price"}

# Month-end landing: "what will this month end up at", "where will we land", "month-end estimate".
LANDING = re.compile(
    r"\b(end (up|out)|land(ing)?|month[- ]end|eom|end of (the |this )?month|close (the|this) month|wind up|"
    r"finish (the|this) month)\b|"
    # "what are we gonna end july at": a month ended at a figure
    r"\b(end|finish|close) (the |this )?(month|jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|"
    r"january|february|march|april|june|july|august|september|october|november|december) (at|around|on)\b|"
    # "what are we on track for this month": where the month lands (a budget's track is the budget delegate's)
    r"\bon (track|pace|course) (for|to)\b(?![^?.]*\bbudget)|"
    # "what will december actuals be": this month's actuals to come are its landing
    r"\bwill\b[^?.]{0,40}\bactuals?\b|\bactuals?\b[^?.]{0,20}\bwill\b"
)
# How busy GPUs or instances were (not their idle cost); "util" is Slack's short form.
BUSY = re.compile(r"\b(busy|utili[sz]\w*|util|how hard|usage rate|saturat\w*|load(ed)?)\b")
INSTANCE_WORDS = re.compile(r"\b(boxes|box|instances?|nodes?|machines?|servers?|hosts?|gpus?|cards?)\b")
GPU_WORD = re.compile(r"(?:g[bh]|mi|[abhlvt])\d{1,3}[a-z]?s?")  # "a100s", "l4", "gh200", "mi300x"
GPU_NAME = re.compile(r"\b" + GPU_WORD.pattern + r"\b")
# "what went wrong", "what happened", "why was ... so expensive"
WENT_WRONG = re.compile(
    r"\bwhat (went|is|was) wrong\b|\bwhat happened\b|\bso (expensive|high|much|pricey|pricy|spendy|costly)\b|"
    r"\bwhy\b|"
    r"\b(blew|blow|blown|blowing) up\b|\bwent (sideways|haywire)\b|"
    r"\b(wtf|wth|what the (hell|heck|fuck)) (happened|went on|is going on|was going on)\b|\bwhat went on\b"
)
# the previous answer's entity or figure ("them", "that customer", "how much of that", "what did it cost")
PRONOUN = re.compile(
    r"\b(they|them|their|that one|this one)\b|\bof (that|those|it|them)\b|"
    r"\bth(at|ose|ese) (customers?|teams?|features?|models?|providers?|services?|apps?|products?|owners?|"
    r"squads?|ones?|instances?|boxes)\b|\b(did|does|was|is) it\b|\bit (cost|costs|spent|spend)\b|"
    # "how much was that in september" after a ranking: the winner
    r"\b(did|does|was|is) that\b(?! (day|week|month|quarter|year|period|spend|cost|bill|total))|"
    r"\bthat (cost|costs|spent|spend)\b|"
    # "split that by model", "break it down by provider": the previous answer's winner, split
    r"\b(split|splitting|break|breaking|slice|cut)( up| down)? (that|it|this|them)( up| down| out)? "
    r"(by|per|into|across)\b|"
    # "who owns it", "which team uses that": the winner's owner or user
    r"\b(owns?|uses?|used|runs?|ran|drives?|drove) (it|that|them|this)\b"
)
