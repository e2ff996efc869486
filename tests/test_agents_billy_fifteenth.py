"""Billy's fifteenth blind round: two new companies, with questions and threads written before reading the
planner's code and without reading earlier rounds' question tables:
- Corvid Sentinel (tests/fixtures/billy/corvid.py, USD): a managed detection and response provider on Mistral AI,
  Cerebras, OpenAI and CoreWeave H200/L40S boxes, tags cost_owner/workstream/lifecycle, telemetry client tenants
  for alert-triage ("today" is 2026-10-14, October unfinished, the data starting on June 15);
- Norrvik Skog (tests/fixtures/billy/norrvik.py, SEK): a Swedish forestry company on AWS (Bedrock, a Bedrock
  provisioned-throughput commitment, EC2 g5/g4dn boxes), Voyage AI and Nebius, tags under AWS cost-allocation keys
  user:Team/user:Application/user:Environment, telemetry sawmill customers for field-chat ("today" is 2027-06-09).
Each answerable question's expected answer is hand-written SQL over the imported rows (never Billy's operations);
an unanswerable one ("none") passes only when Billy states no figure. Judged by billy_harness.judge; an answer
about the krona bill that shows dollars fails.
docs/performance.md ("Billy blind round 15") records the first scores; MISSES holds each first-score failure with
its cause seen from outside (strict xfail).
"""

from __future__ import annotations

from pathlib import Path

from billy_harness import (
    _CUSTOMER_COST,
    MODEL,
    BlindRound,
    ThreadedRound,
    between,
    change,
    commitment_payg,
    cost,
    customer_per_request,
    day,
    ev_between,
    gpu_util,
    model_is,
    pct,
    per_request,
    pytest_generate_tests,  # noqa: F401 - parametrizes the rounds' tests
    round_store,
    share,
    tag,
    top_customer,
    top_is,
    which,
)
from fixtures.billy.corvid import build as build_corvid
from fixtures.billy.norrvik import build as build_norrvik
from spendscope.data.store import Store

HAS_MODEL = f"{MODEL} <> ''"


def _of_top_customer(figure: str, start: str, end: str, top_start: str, top_end: str) -> str:
    """`figure` over [start, end) of the customer that cost the most over [top_start, top_end)."""
    return (
        _CUSTOMER_COST + f"SELECT {figure} FROM parts WHERE d >= DATE '{start}' AND d < DATE '{end}' "
        f"AND customer = (SELECT customer FROM parts WHERE d >= DATE '{top_start}' AND d < DATE '{top_end}' "
        "AND customer IS NOT NULL GROUP BY 1 ORDER BY sum(c) DESC LIMIT 1)"
    )


def _top_customer_cost(start: str, end: str, top_start: str, top_end: str) -> str:
    return _of_top_customer("sum(c)", start, end, top_start, top_end)


def _top_customer_per_request(start: str, end: str, top_start: str, top_end: str, per: int = 1) -> str:
    return _of_top_customer(f"sum(c) / sum(r) * {per}", start, end, top_start, top_end)


# ------------------------------------------------------------------------------- Corvid Sentinel (USD)

C_AS_OF = "2026-10-14"  # a Wednesday; the data ends the day before
C_JUN = between("2026-06-01", "2026-07-01")
C_JUL = between("2026-07-01", "2026-08-01")
C_AUG = between("2026-08-01", "2026-09-01")
C_SEP = between("2026-09-01", "2026-10-01")
C_OCT = between("2026-10-01", "2026-11-01")
C_Q3 = between("2026-07-01", "2026-10-01")
C_LAST30 = between("2026-09-14", "2026-10-14")
C_LAST7 = between("2026-10-07", "2026-10-14")
C_WEEK_BEFORE = between("2026-09-30", "2026-10-07")

OWNER = "Tags->>'cost_owner'"
WORKSTREAM = "Tags->>'workstream'"
MISTRAL = "ProviderName = 'Mistral AI'"
CEREBRAS = "ProviderName = 'Cerebras'"
OPENAI = "ProviderName = 'OpenAI'"
COREWEAVE = "ProviderName = 'CoreWeave'"
H200 = "ResourceId = 'cw-h200-01'"
G_H200 = "instance_id = 'cw-h200-01'"
G_L40S = "instance_id = 'cw-l40s-01'"
PHISH = tag("workstream", "phish-scan")
C_TOP_OWNER = top_is(OWNER, C_SEP)

CORVID_QUESTIONS = [
    ("figure", "how much did we spend in august", "number", cost(C_AUG), C_AS_OF),
    ("figure", "what did mistral cost us last month", "number", cost(C_SEP, MISTRAL), C_AS_OF),
    ("figure", "whats the cerebras spend for q3", "number", cost(C_Q3, CEREBRAS), C_AS_OF),
    ("figure", "phish-scan cost in july", "number", cost(C_JUL, PHISH), C_AS_OF),
    ("figure", "how much did the Response team spend in August", "number", cost(C_AUG, tag("cost_owner", "response")), C_AS_OF),
    ("figure", "sandbox spend last month", "number", cost(C_SEP, tag("lifecycle", "sandbox")), C_AS_OF),
    ("figure", "what did the retrohunt box cost in september", "number", cost(C_SEP, H200), C_AS_OF),
    ("figure", "gpt-5 spend in sept", "number", cost(C_SEP, model_is("gpt-5")), C_AS_OF),
    ("figure", "total for the last 30 days", "number", cost(C_LAST30), C_AS_OF),
    ("figure", "how much went to coreweave in q3", "number", cost(C_Q3, COREWEAVE), C_AS_OF),
    ("figure", "alert triage spend october so far", "number", cost(C_OCT, tag("workstream", "alert-triage")), C_AS_OF),
    ("figure", "give me a short response: what was total spend in september", "number", cost(C_SEP), C_AS_OF),
    ("figure", "what did the hunting team spend on openai in august", "number", cost(C_AUG, f"{tag('cost_owner', 'hunting')} AND {OPENAI}"), C_AS_OF),
    ("figure", "codestrl cost in august", "number", cost(C_AUG, model_is("codestral")), C_AS_OF),
    ("figure", "what's our openai invoice for september", "number", cost(C_SEP, OPENAI, "BilledCost"), C_AS_OF),
    ("ranking", "which workstream cost the most in august", "which", which(C_AUG, WORKSTREAM), C_AS_OF),
    ("ranking", "top team by spend last month", "which", which(C_SEP, OWNER), C_AS_OF),
    ("ranking", "what was our cheapest model in september", "which", which(C_SEP, MODEL, HAS_MODEL, desc=False), C_AS_OF),
    ("ranking", "which customer cost us the most in september", "which", top_customer("2026-09-01", "2026-10-01"), C_AS_OF),
    ("ranking", "which provider did we pay the most in july", "which", which(C_JUL, "ProviderName"), C_AS_OF),
    ("share", "what % of september spend went to coreweave", "number", share(C_SEP, COREWEAVE), C_AS_OF),
    ("share", "how much of detection's august spend was codestral", "number", share(C_AUG, model_is("codestral"), tag("cost_owner", "detection")), C_AS_OF),
    ("change", "how much did spend change from august to september", "number", change(C_SEP, C_AUG), C_AS_OF),
    ("change", "phish-scan % change july to august", "number", pct(C_AUG, C_JUL, PHISH), C_AS_OF),
    ("change", "how did spend in the last 7 days compare with the week before", "number", change(C_LAST7, C_WEEK_BEFORE), C_AS_OF),
    ("change", "did openai spend go up or down in september vs august", "number", change(C_SEP, C_AUG, OPENAI), C_AS_OF),
    ("peak", "most expensive day in september?", "date", day(C_SEP), C_AS_OF),
    ("why", "why was sept 10 so expensive", "names", "phish-scan|qwen-3-32b", C_AS_OF),
    ("why", "what went wrong 9/9-9/11", "names", "phish-scan|qwen-3-32b", C_AS_OF),
    ("landing", "where will october land", "landing", cost(C_OCT), C_AS_OF),
    ("unit", "cost per 1k requests for alert-triage in september", "number", per_request(C_SEP, tag("workstream", "alert-triage"), ev_between("2026-09-01", "2026-10-01"), "feature = 'alert-triage'", 1000), C_AS_OF),
    ("unit", "what is tnt-quillpharma costing per 1k requests in august", "number", customer_per_request("2026-08-01", "2026-09-01", "tnt-quillpharma", 1000), C_AS_OF),
    ("gpu", "how utilised was the h200 box in september", "number", gpu_util("2026-09-01", "2026-10-01", G_H200), C_AS_OF),
    ("gpu", "l40s utilization last month", "number", gpu_util("2026-09-01", "2026-10-01", G_L40S), C_AS_OF),
    ("anomaly", "anything weird in september?", "date", "SELECT DATE '2026-09-10'", C_AS_OF),
    # unanswerable: concepts the store lacks, names that look real but are not in it, periods it has no data for
    ("unanswerable", "what's our CAC this quarter", "none", "", C_AS_OF),
    ("unanswerable", "gross margin on the mdr service in september", "none", "", C_AS_OF),
    ("unanswerable", "whats the ltv of tnt-oakline", "none", "", C_AS_OF),
    ("unanswerable", "how much did the detection-eng team spend in august", "none", "", C_AS_OF),
    ("unanswerable", "mistral-medium-4 spend last month", "none", "", C_AS_OF),
    ("unanswerable", "what did tnt-harborcredlt cost in september", "none", "", C_AS_OF),
    ("unanswerable", "alert-triage-v2 cost in september", "none", "", C_AS_OF),
    ("unanswerable", "how much did we spend in november", "none", "", C_AS_OF),
    ("unanswerable", "how many analysts use alert-triage", "none", "", C_AS_OF),
    ("unanswerable", "how much did we spend on azure in september", "none", "", C_AS_OF),
    ("unanswerable", "what did we spend in may 2026", "none", "", C_AS_OF),
    ("unanswerable", "how busy were the a100 boxes in september", "none", "", C_AS_OF),
    ("unanswerable", "cost per alert last month", "none", "", C_AS_OF),
    ("unanswerable", "burn multiple last quarter", "none", "", C_AS_OF),
    ("unanswerable", "roi of threat-intel in q3", "none", "", C_AS_OF),
]  # fmt: skip

CORVID_THREADS = [
    (
        "top-team",
        [
            ("which team spent the most last month", "which", which(C_SEP, OWNER)),
            ("what did they spend on coreweave", "number", cost(C_SEP, f"{C_TOP_OWNER} AND {COREWEAVE}")),
            ("and the month before?", "number", cost(C_AUG, f"{C_TOP_OWNER} AND {COREWEAVE}")),
        ],
    ),
    (
        "phish-weeks",
        [
            ("how much did phish-scan cost in the last 7 days", "number", cost(C_LAST7, PHISH)),
            ("what about the week before", "number", cost(C_WEEK_BEFORE, PHISH)),
            ("which day was the priciest", "date", day(C_WEEK_BEFORE, PHISH)),
        ],
    ),
    (
        "h200-busy",
        [
            ("how much did the h200 box cost in august", "number", cost(C_AUG, H200)),
            ("how busy was it", "number", gpu_util("2026-08-01", "2026-09-01", G_H200)),
            ("what about september", "number", gpu_util("2026-09-01", "2026-10-01", G_H200)),
        ],
    ),
]  # fmt: skip

# ------------------------------------------------------------------------------- Norrvik Skog (SEK)

G_AS_OF = "2027-06-09"  # a Wednesday; the data ends the day before
G_MAR = between("2027-03-01", "2027-04-01")
G_APR = between("2027-04-01", "2027-05-01")
G_MAY = between("2027-05-01", "2027-06-01")
G_JUN = between("2027-06-01", "2027-07-01")
G_Q2 = between("2027-04-01", "2027-07-01")
G_LAST14 = between("2027-05-26", "2027-06-09")

TEAM = "Tags->>'user:Team'"
APPLICATION = "Tags->>'user:Application'"
AWS = "ProviderName = 'AWS'"
VOYAGE = "ProviderName = 'Voyage AI'"
NEBIUS = "ProviderName = 'Nebius'"
G5 = "ResourceId IN ('i-0g5canopy0001', 'i-0g5canopy0002')"
G_G5 = "instance_id IN ('i-0g5canopy0001', 'i-0g5canopy0002')"
G_T4 = "instance_id = 'i-0g4dntile0001'"
GRADING = tag("user:Application", "grading")
# a model's rows: its tokens, or the provisioned throughput serving it (nova-pro's amortised commitment)
G_MODEL = f"coalesce(nullif({MODEL}, ''), regexp_extract(ChargeDescription, '^Provisioned throughput (\\S+) \\(', 1))"

NORRVIK_QUESTIONS = [
    ("figure", "how much did we spend in april", "number", cost(G_APR), G_AS_OF),
    ("figure", "what did we spend on AWS in may", "number", cost(G_MAY, AWS), G_AS_OF),
    ("figure", "how much did we spend on aws in march", "number", cost(G_MAR, AWS), G_AS_OF),
    ("figure", "whats our aws bill for march", "number", cost(G_MAR, AWS, "BilledCost"), G_AS_OF),
    ("figure", "voyage spend last month", "number", cost(G_MAY, VOYAGE), G_AS_OF),
    ("figure", "how much did the sensing team spend in april", "number", cost(G_APR, tag("user:Team", "sensing")), G_AS_OF),
    ("figure", "field chat cost in may", "number", cost(G_MAY, tag("user:Application", "field-chat")), G_AS_OF),
    ("figure", "test environment spend in april", "number", cost(G_APR, tag("user:Environment", "test")), G_AS_OF),
    ("figure", "GRADING cost last month", "number", cost(G_MAY, GRADING), G_AS_OF),
    ("figure", "deepseek cost in q2 so far", "number", cost(G_Q2, model_is("deepseek-r1")), G_AS_OF),
    ("figure", "what did the g5 boxes cost in may", "number", cost(G_MAY, G5), G_AS_OF),
    ("figure", "nebius spend over the last 2 weeks", "number", cost(G_LAST14, NEBIUS), G_AS_OF),
    ("figure", "how much did gemma cost in april", "number", cost(G_APR, model_is("gemma-3-27b")), G_AS_OF),
    ("figure", "quick test of the bot: what did we spend in may", "number", cost(G_MAY), G_AS_OF),
    ("figure", "permit-drafter spend in april", "number", cost(G_APR, tag("user:Application", "permit-drafter")), G_AS_OF),
    ("ranking", "which application cost the most in may", "which", which(G_MAY, APPLICATION), G_AS_OF),
    ("ranking", "which team spent the least in april", "which", which(G_APR, TEAM, desc=False), G_AS_OF),
    ("ranking", "top model in may", "which", which(G_MAY, G_MODEL, f"{G_MODEL} <> ''"), G_AS_OF),
    ("ranking", "which customer was most expensive last month", "which", top_customer("2027-05-01", "2027-06-01"), G_AS_OF),
    ("share", "what % of may spend was on aws", "number", share(G_MAY, AWS), G_AS_OF),
    ("share", "how much of sensing's april spend went to nebius", "number", share(G_APR, NEBIUS, tag("user:Team", "sensing")), G_AS_OF),
    ("change", "how much did spend change from april to may", "number", change(G_MAY, G_APR), G_AS_OF),
    ("change", "did nebius go up or down last month vs the month before", "number", change(G_MAY, G_APR, NEBIUS), G_AS_OF),
    ("change", "canopy-map % change april to may", "number", pct(G_MAY, G_APR, tag("user:Application", "canopy-map")), G_AS_OF),
    ("peak", "what was the priciest day in april", "date", day(G_APR), G_AS_OF),
    ("why", "why was may 12 so expensive", "names", "grading|voyage-3-large", G_AS_OF),
    ("why", "what went wrong may 11-13", "names", "grading|voyage-3-large", G_AS_OF),
    ("landing", "what will june end up at", "landing", cost(G_JUN), G_AS_OF),
    ("unit", "cost per 1k requests for field-chat last month", "number", per_request(G_MAY, tag("user:Application", "field-chat"), ev_between("2027-05-01", "2027-06-01"), "feature = 'field-chat'", 1000), G_AS_OF),
    ("unit", "what does kund-0522 cost us per thousand requests in april", "number", customer_per_request("2027-04-01", "2027-05-01", "kund-0522", 1000), G_AS_OF),
    ("gpu", "how busy were the a10g boxes in may", "number", gpu_util("2027-05-01", "2027-06-01", G_G5), G_AS_OF),
    ("gpu", "t4 utilisation last month", "number", gpu_util("2027-05-01", "2027-06-01", G_T4), G_AS_OF),
    ("payg", "what would the permit drafter have cost on paygo instead of the provisioned throughput in may", "number", commitment_payg(G_MAY, "permit-pt"), G_AS_OF),
    ("payg", "what would permit-pt have cost at on-demand rates last month", "number", commitment_payg(G_MAY, "permit-pt"), G_AS_OF),
    ("anomaly", "any anomalies in may?", "date", "SELECT DATE '2027-05-12'", G_AS_OF),
    # unanswerable
    ("unanswerable", "cost per log graded last month", "none", "", G_AS_OF),
    ("unanswerable", "whats our nrr", "none", "", G_AS_OF),
    ("unanswerable", "gross margin on field-chat in april", "none", "", G_AS_OF),
    ("unanswerable", "payback on canopy-map", "none", "", G_AS_OF),
    ("unanswerable", "how much did the sensing-ml team spend in april", "none", "", G_AS_OF),
    ("unanswerable", "deepseek-r2 cost last month", "none", "", G_AS_OF),
    ("unanswerable", "what did kund-0521 cost in may", "none", "", G_AS_OF),
    ("unanswerable", "field-chat-lite spend in may", "none", "", G_AS_OF),
    ("unanswerable", "what did we spend in july 2027", "none", "", G_AS_OF),
    ("unanswerable", "how many foresters use field-chat", "none", "", G_AS_OF),
    ("unanswerable", "how much did we spend on google cloud in april", "none", "", G_AS_OF),
    ("unanswerable", "what did we spend in january 2027", "none", "", G_AS_OF),
    ("unanswerable", "h100 utilisation in may", "none", "", G_AS_OF),
    ("unanswerable", "what's our ai cost per employee", "none", "", G_AS_OF),
    ("unanswerable", "cac for new sawmill customers last quarter", "none", "", G_AS_OF),
]  # fmt: skip

G_WEEK = between("2027-05-10", "2027-05-17")
G_WEEK_BEFORE = between("2027-05-03", "2027-05-10")

NORRVIK_THREADS = [
    (
        "top-sawmill",
        [
            ("which sawmill customer cost us the most last month", "which", top_customer("2027-05-01", "2027-06-01")),
            ("how much did that customer cost in april", "number", _top_customer_cost("2027-04-01", "2027-05-01", "2027-05-01", "2027-06-01")),
            ("and per 1k requests?", "number", _top_customer_per_request("2027-04-01", "2027-05-01", "2027-05-01", "2027-06-01", 1000)),
        ],
    ),
    (
        "grading-weeks",
        [
            ("what did grading cost from may 10 to may 16", "number", cost(G_WEEK, GRADING)),
            ("what about the week before", "number", cost(G_WEEK_BEFORE, GRADING)),
            ("split it by provider", "which", which(G_WEEK_BEFORE, "ProviderName", GRADING)),
        ],
    ),
]  # fmt: skip

# ------------------------------------------------------------------------------- second batch (both companies)
# written after the first batch was committed and before either was scored


def _requests(start: str, end: str, feature: str) -> str:
    """Telemetry's request count for `feature` over [start, end) (the bill counts no requests)."""
    return f"SELECT sum(requests) FROM usage_events WHERE {ev_between(start, end)} AND feature = '{feature}'"


CORVID_SECOND = [
    ("figure", "what did we spend on the l40s box in july", "number", cost(C_JUL, "ResourceId = 'cw-l40s-01'"), C_AS_OF),
    ("count", "how many requests did alert-triage handle in september", "number", _requests("2026-09-01", "2026-10-01", "alert-triage"), C_AS_OF),
    ("share", "how much of q3 went to openai", "number", share(C_Q3, OPENAI), C_AS_OF),
    ("figure", "LIVE spend in july", "number", cost(C_JUL, tag("lifecycle", "live")), C_AS_OF),
    ("ranking", "which model cost the most for the detection team in september", "which", which(C_SEP, MODEL, f"{tag('cost_owner', 'detection')} AND {HAS_MODEL}"), C_AS_OF),
    ("compare", "was cerebras cheaper than mistral in august", "which", which(C_AUG, "ProviderName", f"{CEREBRAS} OR {MISTRAL}", desc=False), C_AS_OF),
    ("unanswerable", "cost per endpoint protected in september", "none", "", C_AS_OF),
    ("unanswerable", "what's the contribution margin of tnt-harborcredit", "none", "", C_AS_OF),
    ("unanswerable", "how much did the hunting-ops team spend last month", "none", "", C_AS_OF),
    ("unanswerable", "gpt-5.5 spend in august", "none", "", C_AS_OF),
    ("unanswerable", "how much did we spend on groq in q3", "none", "", C_AS_OF),
    ("unanswerable", "how busy were the b200s last month", "none", "", C_AS_OF),
]  # fmt: skip

NORRVIK_SECOND = [
    ("count", "how many requests did field-chat handle last month", "number", _requests("2027-05-01", "2027-06-01", "field-chat"), G_AS_OF),
    ("figure", "prod spend in may excluding aws", "number", cost(G_MAY, f"{tag('user:Environment', 'prod')} AND NOT {AWS}"), G_AS_OF),
    ("peak", "which day in may cost the most", "date", day(G_MAY), G_AS_OF),
    ("figure", "what did the tile-t4 box cost last month", "number", cost(G_MAY, "ResourceId = 'i-0g4dntile0001'"), G_AS_OF),
    ("share", "how much of field-apps' may spend was the provisioned throughput", "number", share(G_MAY, "CommitmentDiscountName = 'permit-pt'", tag("user:Team", "field-apps")), G_AS_OF),
    ("unanswerable", "cost per hectare mapped in april", "none", "", G_AS_OF),
    ("unanswerable", "what's our ebitda impact from ai", "none", "", G_AS_OF),
    ("unanswerable", "canopy-map-v3 cost in may", "none", "", G_AS_OF),
    ("unanswerable", "what did the harvest-planning team spend in may", "none", "", G_AS_OF),
    ("unanswerable", "how much did we spend on azure openai last month", "none", "", G_AS_OF),
    ("unanswerable", "how much will kund-0930 pay us in june", "none", "", G_AS_OF),
]  # fmt: skip

# first-score failures (question or thread name -> cause seen from outside), filled in after the first run
# (fixed on branch gaps14, tests/test_agents_billy_gaps_15.py: the GPU box in the unit cost, "top sawmill", the
# share of a named period)
CORVID_MISSES: dict[str, str] = {}
NORRVIK_MISSES: dict[str, str] = {}
CORVID_SECOND_MISSES: dict[str, str] = {}
NORRVIK_SECOND_MISSES: dict[str, str] = {}


class _Round15(BlindRound):
    """The round's companies (known misses, with their causes, in MISSES)."""


class _ThreadedRound15(_Round15, ThreadedRound):
    """A round-15 company's first batch: questions and threads."""


class TestCorvidSentinel(_ThreadedRound15):
    AS_OF = C_AS_OF
    QUESTIONS = CORVID_QUESTIONS
    THREADS = CORVID_THREADS
    MISSES = CORVID_MISSES

    def build(self, folder: Path) -> Store:
        return round_store(folder, build_corvid(folder), "corvid")


class TestNorrvikSkog(_ThreadedRound15):
    AS_OF = G_AS_OF
    CURRENCY = "SEK"
    QUESTIONS = NORRVIK_QUESTIONS
    THREADS = NORRVIK_THREADS
    MISSES = NORRVIK_MISSES

    def build(self, folder: Path) -> Store:
        return round_store(folder, build_norrvik(folder), "norrvik")


class TestCorvidSentinelSecondBatch(_Round15):
    AS_OF = C_AS_OF
    QUESTIONS = CORVID_SECOND
    MISSES = CORVID_SECOND_MISSES

    def build(self, folder: Path) -> Store:
        return round_store(folder, build_corvid(folder), "corvid")


class TestNorrvikSkogSecondBatch(_Round15):
    AS_OF = G_AS_OF
    CURRENCY = "SEK"
    QUESTIONS = NORRVIK_SECOND
    MISSES = NORRVIK_SECOND_MISSES

    def build(self, folder: Path) -> Store:
        return round_store(folder, build_norrvik(folder), "norrvik")
