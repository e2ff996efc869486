"""Billy's fourteenth blind round: two new companies, with questions and threads written before reading the
planner's code and without reading earlier rounds' question tables:

- Fernhollow Veterinary Partners (tests/fixtures/billy/fernhollow.py, USD): DeepSeek, Anthropic, Amazon Bedrock
  and EC2 A10G/L4 boxes, tags service_line/app/env, telemetry clinics for visit-notes ("today" is 2026-11-18,
  November unfinished, the data starting on August 1);
- Granvik Skog (tests/fixtures/billy/granvik.py, SEK): Nebius (AI Studio and H100/L40S compute), Perplexity, Azure
  OpenAI with a provisioned-throughput commitment, tags business_unit/initiative/lifecycle under keys outside the
  usual names, telemetry forest owners for permit-check under the provider id 'nebius' ("today" is 2026-07-09).

Each answerable question's expected answer is hand-written SQL over the imported rows (never Billy's operations);
an unanswerable one ("none") passes only when Billy states no figure. Judged by billy_harness.judge; an answer
about the krona bill that shows dollars fails.
docs/performance.md ("Billy blind round 14") records the first scores.
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
from fixtures.billy.fernhollow import build as build_fernhollow
from fixtures.billy.granvik import build as build_granvik
from spendscope.data.store import Store

__all__ = ["pytest_generate_tests"]

HAS_MODEL = f"{MODEL} <> ''"


def tokens(period: str, where: str) -> str:
    return f"SELECT sum(ConsumedQuantity) FROM costs WHERE {period} AND ConsumedUnit = 'Tokens' AND ({where})"


def grew_most(key: str, new: str, old: str) -> str:
    """The value of tag `key` whose cost grew the most from period `old` to `new`, and every candidate."""
    return (
        f"SELECT Tags->>'{key}' AS k, sum(EffectiveCost) FILTER (WHERE {new}) - "
        f"coalesce(sum(EffectiveCost) FILTER (WHERE {old}), 0) AS v FROM costs WHERE Tags->>'{key}' IS NOT NULL "
        "GROUP BY 1 ORDER BY v DESC"
    )


def winner_cost(period: str, key: str, winner_period: str) -> str:
    """The cost in `period` of the tag `key` value that cost the most in `winner_period`."""
    top = (
        f"SELECT Tags->>'{key}' FROM costs WHERE {winner_period} AND Tags->>'{key}' IS NOT NULL "
        "GROUP BY 1 ORDER BY sum(EffectiveCost) DESC LIMIT 1"
    )
    return cost(period, f"Tags->>'{key}' = ({top})")


# ------------------------------------------------------------------------ Fernhollow Veterinary Partners (USD)

F_AS_OF = "2026-11-18"  # a Wednesday; the data ends the day before
F_AUG = between("2026-08-01", "2026-09-01")
F_SEP = between("2026-09-01", "2026-10-01")
F_OCT = between("2026-10-01", "2026-11-01")
F_NOV = between("2026-11-01", "2026-12-01")
F_Q3 = between("2026-07-01", "2026-10-01")
DEEPSEEK = "ProviderName = 'DeepSeek'"
F_AWS = "ProviderName = 'AWS'"
F_ANTHROPIC = "ProviderName = 'Anthropic'"
APP = "Tags->>'app'"
LINE = "Tags->>'service_line'"
A10G = "gpu_name = 'NVIDIA A10G'"
L4 = "gpu_name = 'NVIDIA L4'"

FERNHOLLOW_QUESTIONS = [
    ("figure", "how much did we spend on deepseek in september", "number", cost(F_SEP, DEEPSEEK), F_AS_OF),
    ("figure", "whats our total ai spend for october", "number", cost(F_OCT), F_AS_OF),
    ("ordinary", "how much did imaging cost us last month", "number", cost(F_OCT, tag("service_line", "imaging")), F_AS_OF),
    ("ordinary", "reminders spend in sept?", "number", cost(F_SEP, tag("app", "reminders")), F_AS_OF),
    ("ordinary", "remind me what we spent on bedrock in august", "number", cost(F_AUG, "ServiceName = 'Amazon Bedrock'"), F_AS_OF),
    ("provider", "how much did we spend on AWS in october", "number", cost(F_OCT, F_AWS), F_AS_OF),
    ("figure", "how much went to visit notes in staging last month", "number", cost(F_OCT, f"{tag('app', 'visit-notes')} AND {tag('env', 'staging')}"), F_AS_OF),
    ("relative", "how much has deepseek-reasoner cost so far this month", "number", cost(F_NOV, model_is("deepseek-reasoner")), F_AS_OF),
    ("figure", "how many output tokens did claude haiku use in october", "number", tokens(F_OCT, "ChargeDescription = 'claude-haiku-4-5 output tokens'"), F_AS_OF),
    ("ranking", "which app cost the most in october", "which", which(F_OCT, APP), F_AS_OF),
    ("ranking", "top model last month?", "which", which(F_OCT, MODEL, HAS_MODEL), F_AS_OF),
    ("ranking", "whats the cheapest service line in september", "which", which(F_SEP, LINE, desc=False), F_AS_OF),
    ("share", "what % of october spend was deepseek", "number", share(F_OCT, DEEPSEEK), F_AS_OF),
    ("share", "what share of imaging's september cost was dental-charts", "number", share(F_SEP, tag("app", "dental-charts"), tag("service_line", "imaging")), F_AS_OF),
    ("change", "how much did spend change from september to october", "number", change(F_OCT, F_SEP), F_AS_OF),
    ("change", "did dx-assist go up or down in october vs september, by what %", "number", pct(F_OCT, F_SEP, tag("app", "dx-assist")), F_AS_OF),
    ("change", "how much more did we spend on Anthropic in Oct than Aug", "number", change(F_OCT, F_AUG, F_ANTHROPIC), F_AS_OF),
    ("period", "total spend in Q3?", "number", cost(F_Q3), F_AS_OF),
    ("period", "what did we spend yesterday", "number", cost(between("2026-11-17", "2026-11-18")), F_AS_OF),
    ("period", "how much did we spend between oct 5 and oct 11", "number", cost(between("2026-10-05", "2026-10-12")), F_AS_OF),
    ("peak", "whats the priciest day in september", "date", day(F_SEP), F_AS_OF),
    ("why", "why was oct 13 so expensive", "names", "deepseek-reasoner|output", F_AS_OF),
    ("why", "what went wrong oct 12-14", "names", "deepseek-reasoner", F_AS_OF),
    ("landing", "where is november gonna land", "landing", cost(F_NOV), F_AS_OF),
    ("landing", "what will this month end up at for deepseek", "landing", cost(F_NOV, DEEPSEEK), F_AS_OF),
    ("unit", "cost per request for visit-notes in october", "number", per_request(F_OCT, tag("app", "visit-notes"), ev_between("2026-10-01", "2026-11-01"), "feature = 'visit-notes'"), F_AS_OF),
    ("unit", "whats clinic-0277 costing us per 1k requests in october", "number", customer_per_request("2026-10-01", "2026-11-01", "clinic-0277", 1000), F_AS_OF),
    ("unit", "which customer cost the most last month", "which", top_customer("2026-10-01", "2026-11-01"), F_AS_OF),
    ("gpu", "how busy were the a10g boxes in october", "number", gpu_util("2026-10-01", "2026-11-01", A10G), F_AS_OF),
    ("gpu", "avg gpu utilization on the L4 last month", "number", gpu_util("2026-10-01", "2026-11-01", L4), F_AS_OF),
    ("anomaly", "any anomalies in october?", "date", day(F_OCT), F_AS_OF),
    ("invoice", "what was our aws bill for october", "number", cost(F_OCT, F_AWS, "BilledCost"), F_AS_OF),
    ("typo", "how much did DX-ASSIST cost in Septmber", "number", cost(F_SEP, tag("app", "dx-assist")), F_AS_OF),
    ("typo", "wat did intake triage cost in ocotber", "number", cost(F_OCT, tag("app", "intake-triage")), F_AS_OF),
    ("typo", "Claude Haiku spend last mnth", "number", cost(F_OCT, model_is("claude-haiku-4-5")), F_AS_OF),
    # unanswerable: no figure
    ("none", "what's our gross margin on dx-assist in october", "none", "", F_AS_OF),
    ("none", "cac for client-services last quarter", "none", "", F_AS_OF),
    ("none", "how much did imaging-ai spend in october", "none", "", F_AS_OF),
    ("none", "how much did deepseek-v3.5 cost in october", "none", "", F_AS_OF),
    ("none", "what did clinic-0278 cost us last month", "none", "", F_AS_OF),
    ("none", "how much did we spend on openai in september", "none", "", F_AS_OF),
    ("none", "what were our actual costs for december", "none", "", F_AS_OF),
    ("none", "how many vets use visit-notes", "none", "", F_AS_OF),
    ("none", "what did we spend in june", "none", "", F_AS_OF),
    ("none", "how busy are the a100 boxes this month", "none", "", F_AS_OF),
    ("none", "ai cost per employee in october", "none", "", F_AS_OF),
    ("none", "whats the opex vs capex split for october", "none", "", F_AS_OF),
    ("none", "cost per appointment for visit-notes last month", "none", "", F_AS_OF),
    ("none", "primary-care-west spend in october", "none", "", F_AS_OF),
    ("none", "how much did claude opus cost us in sept", "none", "", F_AS_OF),
    ("none", "whats the ltv of clinic-0142", "none", "", F_AS_OF),
]  # fmt: skip

FERNHOLLOW_THREADS = [
    (
        "top-app-then-that",
        [
            ("which app cost us the most in october?", "which", which(F_OCT, APP)),
            ("how much was that in september", "number", winner_cost(F_SEP, "app", F_OCT)),
        ],
    ),
    (
        "deepseek-part-then-month-before",
        [
            ("how much did we spend on deepseek last month", "number", cost(F_OCT, DEEPSEEK)),
            ("what part of that came from dx-assist", "number", cost(F_OCT, f"{DEEPSEEK} AND {tag('app', 'dx-assist')}")),
            ("and the month before?", "number", cost(F_SEP, f"{DEEPSEEK} AND {tag('app', 'dx-assist')}")),
        ],
    ),
    (
        "unknown-team-stays-declined",
        [
            ("how much did the dermatology team spend in october", "none", ""),
            ("what about september", "none", ""),
        ],
    ),
]  # fmt: skip

FERNHOLLOW_MISSES: dict[str, str] = {}  # round 14's first misses: docs/performance.md

# ---------------------------------------------------------------------------------------- Granvik Skog (SEK)

G_AS_OF = "2026-07-09"  # a Thursday; the data ends the day before
G_MAR = between("2026-03-01", "2026-04-01")
G_APR = between("2026-04-01", "2026-05-01")
G_MAY = between("2026-05-01", "2026-06-01")
G_JUN = between("2026-06-01", "2026-07-01")
G_JUL = between("2026-07-01", "2026-08-01")
G_Q2 = between("2026-04-01", "2026-07-01")
G_H1 = between("2026-01-01", "2026-07-01")
NEBIUS = "ProviderName = 'Nebius'"
PPLX = "ProviderName = 'Perplexity'"
MICROSOFT = "ProviderName = 'Microsoft'"
INITIATIVE = "Tags->>'initiative'"
UNIT = "Tags->>'business_unit'"
H100 = "gpu_name = 'NVIDIA H100 80GB HBM3'"
L40S = "gpu_name = 'NVIDIA L40S'"

GRANVIK_QUESTIONS = [
    ("provider", "how much did nebius cost us in may", "number", cost(G_MAY, NEBIUS), G_AS_OF),
    ("figure", "total spend for june?", "number", cost(G_JUN), G_AS_OF),
    ("ordinary", "what did timber spend last month", "number", cost(G_JUN, tag("business_unit", "timber")), G_AS_OF),
    ("ordinary", "how much did the sawmills spend in april", "number", cost(G_APR, tag("business_unit", "sawmills")), G_AS_OF),
    ("ordinary", "what did we spend in test last month", "number", cost(G_JUN, tag("lifecycle", "test")), G_AS_OF),
    ("figure", "how much did perplexity run us in q2", "number", cost(G_Q2, PPLX), G_AS_OF),
    ("figure", "how much did we pay for the mill ptu in may", "number", cost(G_MAY, "CommitmentDiscountName = 'mill-ptu'"), G_AS_OF),
    ("figure", "how many input tokens did llama 3.3 70b go through in may", "number", tokens(G_MAY, "ChargeDescription = 'llama-3.3-70b-instruct input tokens'"), G_AS_OF),
    ("ranking", "which initiative was most expensive in june", "which", which(G_JUN, INITIATIVE), G_AS_OF),
    ("ranking", "which model on nebius cost the most in may", "which", which(G_MAY, MODEL, f"{NEBIUS} AND {HAS_MODEL}"), G_AS_OF),
    ("ranking", "least expensive business unit in april", "which", which(G_APR, UNIT, desc=False), G_AS_OF),
    ("share", "what % of june went to stand-scan", "number", share(G_JUN, tag("initiative", "stand-scan")), G_AS_OF),
    ("share", "what percent of may spend was azure", "number", share(G_MAY, MICROSOFT), G_AS_OF),
    ("change", "how did june compare to may", "number", change(G_JUN, G_MAY), G_AS_OF),
    ("change", "how much did harvest-plan grow in june vs may in %", "number", pct(G_JUN, G_MAY, tag("initiative", "harvest-plan")), G_AS_OF),
    ("change", "mom change for perplexity from april to may", "number", change(G_MAY, G_APR, PPLX), G_AS_OF),
    ("period", "spend in the first half of the year", "number", cost(G_H1), G_AS_OF),
    ("period", "what did we spend on july 4th", "number", cost(between("2026-07-04", "2026-07-05")), G_AS_OF),
    ("period", "how much between 6/1 and 6/7", "number", cost(between("2026-06-01", "2026-06-08")), G_AS_OF),
    ("why", "why was june 16 so pricey", "names", "llama-3.3-70b-instruct|input", G_AS_OF),
    ("why", "what went wrong jun 15-17", "names", "harvest-plan", G_AS_OF),
    ("landing", "where will july end up", "landing", cost(G_JUL), G_AS_OF),
    ("landing", "what's july gonna land at for nebius", "landing", cost(G_JUL, NEBIUS), G_AS_OF),
    ("unit", "what's the cost per request for permit-check in june", "number", per_request(G_JUN, tag("initiative", "permit-check"), ev_between("2026-06-01", "2026-07-01"), "feature = 'permit-check'"), G_AS_OF),
    ("unit", "cost per 1k requests for fo-2203 in may", "number", customer_per_request("2026-05-01", "2026-06-01", "fo-2203", 1000), G_AS_OF),
    ("gpu", "how utilized were the h100s in june", "number", gpu_util("2026-06-01", "2026-07-01", H100), G_AS_OF),
    ("gpu", "whats the gpu utilisation on the l40s machines in april", "number", gpu_util("2026-04-01", "2026-05-01", L40S), G_AS_OF),
    ("whatif", "what would mill-assist have cost on pay as you go instead of the ptu in june", "number", commitment_payg(G_JUN, "mill-ptu"), G_AS_OF),
    ("whatif", "is the mill ptu worth it vs paygo, for may", "number", commitment_payg(G_MAY, "mill-ptu"), G_AS_OF),
    ("anomaly", "were there any anomalies in june", "date", day(G_JUN), G_AS_OF),
    ("invoice", "what was the azure bill for june", "number", cost(G_JUN, MICROSOFT, "BilledCost"), G_AS_OF),
    ("typo", "HARVEST-PLAN spend in Jnue", "number", cost(G_JUN, tag("initiative", "harvest-plan")), G_AS_OF),
    ("typo", "how much did Qwen3-32B cost in apirl", "number", cost(G_APR, model_is("qwen3-32b")), G_AS_OF),
    ("typo", "perplexty spend last month", "number", cost(G_JUN, PPLX), G_AS_OF),
    # unanswerable: no figure
    ("none", "whats our revenue per cubic metre of timber in june", "none", "", G_AS_OF),
    ("none", "unit economics per order for mill-assist?", "none", "", G_AS_OF),
    ("none", "how much did permit-check-v2 cost in june", "none", "", G_AS_OF),
    ("none", "what did fo-2204 cost us in may", "none", "", G_AS_OF),
    ("none", "how much did we spend on mistral in june", "none", "", G_AS_OF),
    ("none", "how much did llama 3.1 405b cost in june", "none", "", G_AS_OF),
    ("none", "how much did we spend in february", "none", "", G_AS_OF),
    ("none", "what were the actual costs for august", "none", "", G_AS_OF),
    ("none", "how busy were the a100 boxes in june", "none", "", G_AS_OF),
    ("none", "whats the ebitda impact of ai spend in q2", "none", "", G_AS_OF),
    ("none", "ai spend per employee last quarter", "none", "", G_AS_OF),
    ("none", "how many foresters use harvest-plan", "none", "", G_AS_OF),
    ("none", "how much did the timber-ops team spend in june", "none", "", G_AS_OF),
    ("none", "gpt-4o spend in may", "none", "", G_AS_OF),
]  # fmt: skip


def _top_customer_per_request(start: str, end: str) -> str:
    """The cost per request over [start, end) of June's costliest customer (the thread's "their")."""
    return (
        _CUSTOMER_COST + f"SELECT sum(c) / sum(r) FROM parts WHERE d >= DATE '{start}' AND d < DATE '{end}' "
        "AND customer = (SELECT customer FROM parts WHERE d >= DATE '2026-06-01' AND d < DATE '2026-07-01' "
        "AND customer IS NOT NULL GROUP BY 1 ORDER BY sum(c) DESC LIMIT 1)"
    )


PERMIT = tag("initiative", "permit-check")
GRANVIK_THREADS = [
    (
        "ranking-then-may-then-grew",
        [
            ("which initiative cost the most in june", "which", which(G_JUN, INITIATIVE)),
            ("and in may?", "which", which(G_MAY, INITIATIVE)),
            ("which of those grew the most", "which", grew_most("initiative", G_MAY, G_APR)),
        ],
    ),
    (
        "nebius-part-then-month-before",
        [
            ("how much did nebius cost us last month", "number", cost(G_JUN, NEBIUS)),
            ("what part of that came from permit-check", "number", cost(G_JUN, f"{NEBIUS} AND {PERMIT}")),
            ("what about the month before", "number", cost(G_MAY, f"{NEBIUS} AND {PERMIT}")),
        ],
    ),
    (
        "top-customer-then-their-unit-cost",
        [
            ("which customer cost the most in june", "which", top_customer("2026-06-01", "2026-07-01")),
            ("what's their cost per request for june", "number", _top_customer_per_request("2026-06-01", "2026-07-01")),
        ],
    ),
    (
        "unknown-team-stays-declined",
        [
            ("how much did the logistics team spend in june", "none", ""),
            ("split it by model", "none", ""),
        ],
    ),
]  # fmt: skip

GRANVIK_MISSES: dict[str, str] = {}


class TestFernhollowVeterinary(ThreadedRound):
    AS_OF = F_AS_OF
    QUESTIONS = FERNHOLLOW_QUESTIONS
    THREADS = FERNHOLLOW_THREADS
    KNOWN_MISSES = frozenset(FERNHOLLOW_MISSES)

    def build(self, folder: Path) -> Store:
        return round_store(folder, build_fernhollow(folder), "fernhollow")


class TestGranvikSkog(ThreadedRound):
    AS_OF = G_AS_OF
    CURRENCY = "SEK"
    QUESTIONS = GRANVIK_QUESTIONS
    THREADS = GRANVIK_THREADS
    KNOWN_MISSES = frozenset(GRANVIK_MISSES)

    def build(self, folder: Path) -> Store:
        return round_store(folder, build_granvik(folder), "granvik")
