"""Billy's thirteenth blind round: two new companies, with questions and threads written before reading the
planner's code and without reading earlier rounds' question tables:

- Bellhaven Hotels (tests/fixtures/billy/bellhaven.py, USD): Anthropic, Together AI, Amazon Bedrock and EC2
  p5/g6e GPU boxes, tags division/workload/tier, telemetry hotel properties for the concierge ("today" is
  2026-07-29, July unfinished, the data starting on March 9);
- Brunnmatt Therapeutics (tests/fixtures/billy/brunnmatt.py, CHF): Aleph Alpha, Anthropic, Azure OpenAI and Azure
  H100/T4 VMs, a Vertex AI provisioned-throughput commitment, tags chapter/solution/landscape under keys outside
  the usual names, telemetry trial sponsors for signal-scan ("today" is 2027-03-24).

Each answerable question's expected answer is hand-written SQL over the imported rows (never Billy's operations);
an unanswerable one ("none") passes only when Billy states no figure. Judged by billy_harness.judge; an answer
about the franc bill that shows dollars fails.
docs/performance.md ("Billy blind round 13") records the first scores.
"""

from __future__ import annotations

from pathlib import Path

from billy_harness import (
    _CUSTOMER_COST,
    MODEL,
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
    pytest_generate_tests,
    round_store,
    share,
    tag,
    top_customer,
    which,
)
from fixtures.billy.bellhaven import build as build_bellhaven
from fixtures.billy.brunnmatt import build as build_brunnmatt
from spendscope.data.store import Store

__all__ = ["pytest_generate_tests"]

HAS_MODEL = f"{MODEL} <> ''"

# ------------------------------------------------------------------------------- Bellhaven Hotels (USD)

S_AS_OF = "2026-07-29"  # a Wednesday; the data ends the day before
S_MAR = between("2026-03-01", "2026-04-01")
S_APR = between("2026-04-01", "2026-05-01")
S_MAY = between("2026-05-01", "2026-06-01")
S_JUN = between("2026-06-01", "2026-07-01")
S_JUL = between("2026-07-01", "2026-08-01")
S_Q2 = between("2026-04-01", "2026-07-01")
S_LAST14 = between("2026-07-15", "2026-07-29")
S_LAST7 = between("2026-07-22", "2026-07-29")
S_WEEK_BEFORE = between("2026-07-15", "2026-07-22")
DIVISION = "Tags->>'division'"
WORKLOAD = "Tags->>'workload'"
AWS = "ProviderName = 'AWS'"
TOGETHER = "ProviderName = 'Together AI'"
ANTHROPIC = "ProviderName = 'Anthropic'"
H100_BOX = "ResourceId = 'i-0h100rate01'"

# the division that spent the most in June, by SQL (the thread's "that" / "they")
S_TOP_DIVISION = f"{DIVISION} = (SELECT {DIVISION} FROM costs WHERE {S_JUN} GROUP BY 1 ORDER BY sum(EffectiveCost) DESC LIMIT 1)"

BELLHAVEN_QUESTIONS = [
    ("figure", "how much went to together ai in june", "number", cost(S_JUN, TOGETHER), S_AS_OF),
    ("figure", "can you put together the total for june", "number", cost(S_JUN), S_AS_OF),
    ("figure", "how much did we spend on AWS in april", "number", cost(S_APR, AWS), S_AS_OF),
    ("figure", "whats the aws bill for may", "number", cost(S_MAY, AWS, "BilledCost"), S_AS_OF),
    ("figure", "what did the events team spend in may", "number", cost(S_MAY, tag("division", "events")), S_AS_OF),
    ("figure", "operations spend last month", "number", cost(S_JUN, tag("division", "operations")), S_AS_OF),
    ("figure", "revenue-mgmt spend in q2", "number", cost(S_Q2, tag("division", "revenue-mgmt")), S_AS_OF),
    ("figure", "CONCIERGE cost in april", "number", cost(S_APR, tag("workload", "concierge")), S_AS_OF),
    ("figure", "how much did the sandbox cost in june", "number", cost(S_JUN, tag("tier", "sandbox")), S_AS_OF),
    ("figure", "what did prod cost in may", "number", cost(S_MAY, tag("tier", "prod")), S_AS_OF),
    ("figure", "total spend for the last 2 weeks", "number", cost(S_LAST14), S_AS_OF),
    ("figure", "how much did sonnet cost us in may", "number", cost(S_MAY, model_is("claude-sonnet-4-5")), S_AS_OF),
    ("figure", "kimi spend in july so far", "number", cost(S_JUL, model_is("kimi-k2-instruct")), S_AS_OF),
    ("figure", "what did the h100 box cost last month", "number", cost(S_JUN, H100_BOX), S_AS_OF),
    ("figure", "how much did we spend in march", "number", cost(S_MAR), S_AS_OF),
    ("figure", "reviw-digest spend in june", "number", cost(S_JUN, tag("workload", "review-digest")), S_AS_OF),
    ("ranking", "which division spent the most in june", "which", which(S_JUN, DIVISION), S_AS_OF),
    ("ranking", "top model by spend last month", "which", which(S_JUN, MODEL, HAS_MODEL), S_AS_OF),
    ("ranking", "cheapest workload in may", "which", which(S_MAY, WORKLOAD, desc=False), S_AS_OF),
    ("ranking", "which customer cost us the most in june", "which", top_customer("2026-06-01", "2026-07-01"), S_AS_OF),
    ("ranking", "which provider did we spend the most with in q2", "which", which(S_Q2, "ProviderName"), S_AS_OF),
    ("share", "what % of june spend was on aws", "number", share(S_JUN, AWS), S_AS_OF),
    ("share", "how much of revenue-mgmt's may spend went to together", "number", share(S_MAY, TOGETHER, tag("division", "revenue-mgmt")), S_AS_OF),
    ("change", "how much did spend change from may to june", "number", change(S_JUN, S_MAY), S_AS_OF),
    ("change", "concierge % change from march to april", "number", pct(S_APR, S_MAR, tag("workload", "concierge")), S_AS_OF),
    ("change", "did anthropic spend go up or down last month vs the month before", "number", change(S_JUN, S_MAY, ANTHROPIC), S_AS_OF),
    ("peak", "priciest day in may?", "date", day(S_MAY), S_AS_OF),
    ("why", "why was june 16 so expensive", "names", "review-digest|claude-haiku-4-5", S_AS_OF),
    ("why", "what went wrong 6/15-6/17", "names", "review-digest|claude-haiku-4-5", S_AS_OF),
    ("landing", "where's july gonna land", "landing", cost(S_JUL), S_AS_OF),
    ("unit", "cost per 1k requests for the concierge in june", "number", per_request(S_JUN, tag("workload", "concierge"), ev_between("2026-06-01", "2026-07-01"), "feature = 'concierge'", 1000), S_AS_OF),
    ("unit", "what's prop-sfo02 costing us per 1k requests in may", "number", customer_per_request("2026-05-01", "2026-06-01", "prop-sfo02", 1000), S_AS_OF),
    ("gpu", "how busy were the l40s boxes last month", "number", gpu_util("2026-06-01", "2026-07-01", "instance_id LIKE 'i-0l40svision%'"), S_AS_OF),
    ("gpu", "h100 utilizaton in july", "number", gpu_util("2026-07-01", "2026-08-01", "instance_id = 'i-0h100rate01'"), S_AS_OF),
    ("anomaly", "anything weird in june?", "date", "SELECT DATE '2026-06-16'", S_AS_OF),
    # unanswerable: concepts the store lacks, names that look real but are not in it, periods it has no data for
    ("none", "what's our cac on the concierge", "none", "", S_AS_OF),
    ("none", "gross margin on rate-pilot in june", "none", "", S_AS_OF),
    ("none", "what's the payback period on the h100 box", "none", "", S_AS_OF),
    ("none", "ai cost per occupied room last month", "none", "", S_AS_OF),
    ("none", "guest-experience-apac spend in june", "none", "", S_AS_OF),
    ("none", "how much did claude-sonnet-4-7 cost in may", "none", "", S_AS_OF),
    ("none", "prop-bos02 spend in june", "none", "", S_AS_OF),
    ("none", "room-service spend in may", "none", "", S_AS_OF),
    ("none", "what was our actual spend in august", "none", "", S_AS_OF),
    ("none", "how many guests use the concierge", "none", "", S_AS_OF),
    ("none", "openai spend in june", "none", "", S_AS_OF),
    ("none", "what did we spend in february", "none", "", S_AS_OF),
    ("none", "what's our monthly net burn and runway", "none", "", S_AS_OF),
    ("none", "roi on the review-digest workload", "none", "", S_AS_OF),
    ("none", "ai spend per employee in q2", "none", "", S_AS_OF),
]  # fmt: skip

BELLHAVEN_THREADS = [
    (
        "division-then-aws",
        [
            ("which division spent the most last month", "which", which(S_JUN, DIVISION)),
            ("how much of that was on AWS", "number", cost(S_JUN, f"{S_TOP_DIVISION} AND {AWS}")),
            ("and in may?", "number", cost(S_MAY, f"{S_TOP_DIVISION} AND {AWS}")),
        ],
    ),
    (
        "rate-pilot-weeks",
        [
            ("how much did rate-pilot cost in the last 7 days", "number", cost(S_LAST7, tag("workload", "rate-pilot"))),
            ("split it by model", "which", which(S_LAST7, MODEL, f"{tag('workload', 'rate-pilot')} AND {HAS_MODEL}")),
            ("what about the week before", "which", which(S_WEEK_BEFORE, MODEL, f"{tag('workload', 'rate-pilot')} AND {HAS_MODEL}")),
        ],
    ),
]  # fmt: skip

# ------------------------------------------------------------------------------- Brunnmatt Therapeutics (CHF)

B_AS_OF = "2027-03-24"  # a Wednesday; the data ends the day before
B_DEC = between("2026-12-01", "2027-01-01")
B_JAN = between("2027-01-01", "2027-02-01")
B_FEB = between("2027-02-01", "2027-03-01")
B_MAR = between("2027-03-01", "2027-04-01")
B_Q1 = between("2027-01-01", "2027-04-01")
B_LAST10 = between("2027-03-14", "2027-03-24")
B_MAR_23_DAYS = between("2027-03-01", "2027-03-24")
B_FEB_23_DAYS = between("2027-02-01", "2027-02-24")
CHAPTER = "Tags->>'chapter'"
SOLUTION = "Tags->>'solution'"
ALEPH = "ProviderName = 'Aleph Alpha'"
B_ANTHROPIC = "ProviderName = 'Anthropic'"
MICROSOFT = "ProviderName = 'Microsoft'"
GOOGLE = "ProviderName = 'Google Cloud'"
T4_VMS = "ResourceId IN ('vm-t4-01', 'vm-t4-02')"
B_TOP_CHAPTER = f"{CHAPTER} = (SELECT {CHAPTER} FROM costs WHERE {B_JAN} GROUP BY 1 ORDER BY sum(EffectiveCost) DESC LIMIT 1)"

BRUNNMATT_QUESTIONS = [
    ("figure", "how much did aleph alpha cost us in february", "number", cost(B_FEB, ALEPH), B_AS_OF),
    ("figure", "anthropic spend in febuary", "number", cost(B_FEB, B_ANTHROPIC), B_AS_OF),
    ("figure", "what did the oncology team spend in january", "number", cost(B_JAN, tag("chapter", "oncology")), B_AS_OF),
    ("figure", "how much did digest cost in december", "number", cost(B_DEC, tag("solution", "digest")), B_AS_OF),
    ("figure", "give me a quick digest of february spend", "number", cost(B_FEB), B_AS_OF),
    ("figure", "our google cloud bill for march so far", "number", cost(B_MAR, GOOGLE, "BilledCost"), B_AS_OF),
    ("figure", "google cloud spend in march", "number", cost(B_MAR, GOOGLE), B_AS_OF),
    ("figure", "GPT-5 spend in feb", "number", cost(B_FEB, model_is("gpt-5")), B_AS_OF),
    ("figure", "how much did the validation environment cost in q1", "number", cost(B_Q1, tag("landscape", "validation")), B_AS_OF),
    ("figure", "total spend this year so far", "number", cost(B_Q1), B_AS_OF),
    ("figure", "what did pharia cost in the last 10 days", "number", cost(B_LAST10, model_is("pharia-1-llm-7b-control")), B_AS_OF),
    ("figure", "how much did the t4 vms cost in february", "number", cost(B_FEB, T4_VMS), B_AS_OF),
    ("figure", "signal-scan spend in march so far", "number", cost(B_MAR, tag("solution", "signal-scan")), B_AS_OF),
    ("figure", "pharmacovigilence spend in january", "number", cost(B_JAN, tag("chapter", "pharmacovigilance")), B_AS_OF),
    ("figure", "how much did we spend on azure in january", "number", cost(B_JAN, MICROSOFT), B_AS_OF),
    ("ranking", "which team spent the most last month", "which", which(B_FEB, CHAPTER), B_AS_OF),
    ("ranking", "top 3 solutions in january", "which", which(B_JAN, SOLUTION), B_AS_OF),
    ("ranking", "which model was cheapest in december", "which", which(B_DEC, MODEL, HAS_MODEL, desc=False), B_AS_OF),
    ("ranking", "which customer cost the most in february", "which", top_customer("2027-02-01", "2027-03-01"), B_AS_OF),
    ("share", "what share of february spend went to anthropic", "number", share(B_FEB, B_ANTHROPIC), B_AS_OF),
    ("share", "what fraction of regulatory's february spend was gpt-5", "number", share(B_FEB, model_is("gpt-5"), tag("chapter", "regulatory")), B_AS_OF),
    ("change", "how much did spend change from january to february", "number", change(B_FEB, B_JAN), B_AS_OF),
    ("change", "anthropic spend change dec vs jan in %", "number", pct(B_JAN, B_DEC, B_ANTHROPIC), B_AS_OF),
    ("change", "this month vs last month", "number", change(B_MAR_23_DAYS, B_FEB_23_DAYS), B_AS_OF),
    ("peak", "what was our most expensive day in february", "date", day(B_FEB), B_AS_OF),
    ("why", "why was feb 9 so pricey", "names", "dossier-writer|gpt-5", B_AS_OF),
    ("why", "what went wrong between 2/8 and 2/10", "names", "dossier-writer|gpt-5", B_AS_OF),
    ("landing", "what will march end up at", "landing", cost(B_MAR), B_AS_OF),
    ("unit", "cost per 1k requests for signal-scan last month", "number", per_request(B_FEB, tag("solution", "signal-scan"), ev_between("2027-02-01", "2027-03-01"), "feature = 'signal-scan'", 1000), B_AS_OF),
    ("unit", "how much is sp-0933 costing per 1k requests in january", "number", customer_per_request("2027-01-01", "2027-02-01", "sp-0933", 1000), B_AS_OF),
    ("gpu", "how busy was oncology-h100 in february", "number", gpu_util("2027-02-01", "2027-03-01", "instance_id = 'vm-h100-01'"), B_AS_OF),
    ("gpu", "utilisation of the T4s last month", "number", gpu_util("2027-02-01", "2027-03-01", "instance_id IN ('vm-t4-01', 'vm-t4-02')"), B_AS_OF),
    ("payg", "what would dossier-writer have cost on pay as you go instead of the gsu in february", "number", commitment_payg(B_FEB, "dossier-gsu"), B_AS_OF),
    ("payg", "is dossier-gsu worth it vs paygo in january", "number", commitment_payg(B_JAN, "dossier-gsu"), B_AS_OF),
    ("anomaly", "anything odd in february?", "date", "SELECT DATE '2027-02-09'", B_AS_OF),
    # unanswerable
    ("none", "nrr for sp-0417", "none", "", B_AS_OF),
    ("none", "what's our gross margin per dossier", "none", "", B_AS_OF),
    ("none", "how many patients did signal-scan screen in february", "none", "", B_AS_OF),
    ("none", "oncology-emea spend last month", "none", "", B_AS_OF),
    ("none", "claude-opus-4-7 spend in february", "none", "", B_AS_OF),
    ("none", "gpt-5-nano cost last month", "none", "", B_AS_OF),
    ("none", "sp-0418 cost in january", "none", "", B_AS_OF),
    ("none", "dossier-review spend in feb", "none", "", B_AS_OF),
    ("none", "how much did we spend on mistral in january", "none", "", B_AS_OF),
    ("none", "what did we spend in november 2026", "none", "", B_AS_OF),
    ("none", "actual spend for april 2027", "none", "", B_AS_OF),
    ("none", "ai cost per approved filing in february", "none", "", B_AS_OF),
    ("none", "ltv to cac ratio for signal-scan", "none", "", B_AS_OF),
    ("none", "ebitda impact of the gsu", "none", "", B_AS_OF),
    ("none", "how many engineers work on batch-record", "none", "", B_AS_OF),
]  # fmt: skip


def _top_customer_per_request(start: str, end: str, per: int = 1) -> str:
    """The cost per request of February's costliest customer (the thread's "that customer") over [start, end)."""
    return (
        _CUSTOMER_COST
        + f"SELECT sum(c) / sum(r) * {per} FROM parts WHERE d >= DATE '{start}' AND d < DATE '{end}' "
        "AND customer = (SELECT customer FROM parts WHERE d >= DATE '2027-02-01' AND d < DATE '2027-03-01' "
        "AND customer IS NOT NULL GROUP BY 1 ORDER BY sum(c) DESC LIMIT 1)"
    )


BATCH_RECORD = tag("solution", "batch-record")
BRUNNMATT_THREADS = [
    (
        "customer-unit-cost",
        [
            ("which customer cost the most last month", "which", top_customer("2027-02-01", "2027-03-01")),
            ("what's that customer's cost per 1k requests", "number", _top_customer_per_request("2027-02-01", "2027-03-01", 1000)),
            ("what about january", "number", _top_customer_per_request("2027-01-01", "2027-02-01", 1000)),
        ],
    ),
    (
        "batch-record-weeks",
        [
            ("what did batch-record cost from march 8 to march 14", "number", cost(between("2027-03-08", "2027-03-15"), BATCH_RECORD)),
            ("what about the week before", "number", cost(between("2027-03-01", "2027-03-08"), BATCH_RECORD)),
            ("and how much of that was gpt-5-mini", "number", cost(between("2027-03-01", "2027-03-08"), f"{BATCH_RECORD} AND {model_is('gpt-5-mini')}")),
        ],
    ),
    (
        "team-them",
        [
            ("which team spent the most in january", "which", which(B_JAN, CHAPTER)),
            ("how much did they spend in december", "number", cost(B_DEC, B_TOP_CHAPTER)),
            ("split that by provider", "which", which(B_DEC, "ProviderName", B_TOP_CHAPTER)),
        ],
    ),
]  # fmt: skip


# The first score's misses against billy12 4477ada (docs/performance.md, "Billy blind round 13"): what Billy answered
BELLHAVEN_MISSES: dict[str, str] = {}  # all seven fixed on billy12 after the first score
BRUNNMATT_MISSES: dict[str, str] = {}


class TestBellhavenHotels(ThreadedRound):
    AS_OF = S_AS_OF
    QUESTIONS = BELLHAVEN_QUESTIONS
    THREADS = BELLHAVEN_THREADS
    KNOWN_MISSES = frozenset(BELLHAVEN_MISSES)

    def build(self, folder: Path) -> Store:
        return round_store(folder, build_bellhaven(folder), "bellhaven")


class TestBrunnmattTherapeutics(ThreadedRound):
    AS_OF = B_AS_OF
    CURRENCY = "CHF"
    QUESTIONS = BRUNNMATT_QUESTIONS
    THREADS = BRUNNMATT_THREADS
    KNOWN_MISSES = frozenset(BRUNNMATT_MISSES)

    def build(self, folder: Path) -> Store:
        return round_store(folder, build_brunnmatt(folder), "brunnmatt")
