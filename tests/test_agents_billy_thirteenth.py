"""Billy's thirteenth blind round: two new companies, with questions and threads written before reading the
planner's code and without reading earlier rounds' question tables:

- Saltmarsh Hotels (tests/fixtures/billy/saltmarsh.py, USD): Anthropic, Together AI, Amazon Bedrock and EC2
  p4d/g6 GPU boxes, tags division/workload/tier, telemetry hotel properties for the concierge ("today" is
  2026-07-29, July unfinished, the data starting on March 9);
- Haneul Comics (tests/fixtures/billy/haneul.py, KRW): Naver Cloud CLOVA Studio, Upstage, OpenAI, Google Cloud
  Compute Engine L4/A100 VMs and a Vertex AI provisioned-throughput commitment, tags org/usecase/env under keys
  outside the usual names, telemetry content partners for comment-guard ("today" is 2027-03-24).

Each answerable question's expected answer is hand-written SQL over the imported rows (never Billy's operations);
an unanswerable one ("none") passes only when Billy states no figure. Judged by billy_harness.judge; an answer
about the won bill that shows dollars fails, and a declined one that shows a won amount fails too.
docs/performance.md ("Billy blind round 13") records the first scores.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from billy_harness import (
    _CUSTOMER_COST,
    MODEL,
    ThreadedRound,
    ask,
    between,
    change,
    commitment_payg,
    cost,
    customer_per_request,
    day,
    ev_between,
    gpu_util,
    in_currency,
    judge,
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
from fixtures.billy.haneul import build as build_haneul
from fixtures.billy.saltmarsh import build as build_saltmarsh
from spendscope.data.settings import Settings
from spendscope.data.store import Store

__all__ = ["pytest_generate_tests"]

HAS_MODEL = f"{MODEL} <> ''"

# ------------------------------------------------------------------------------- Saltmarsh Hotels (USD)

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
A100_BOX = "ResourceId = 'i-0a100rate01'"

# the division that spent the most in June, by SQL (the thread's "that" / "they")
S_TOP_DIVISION = f"{DIVISION} = (SELECT {DIVISION} FROM costs WHERE {S_JUN} GROUP BY 1 ORDER BY sum(EffectiveCost) DESC LIMIT 1)"

SALTMARSH_QUESTIONS = [
    ("figure", "how much went to together ai in june", "number", cost(S_JUN, TOGETHER), S_AS_OF),
    ("figure", "can you put together the total for june", "number", cost(S_JUN), S_AS_OF),
    ("figure", "how much did we spend on AWS in april", "number", cost(S_APR, AWS), S_AS_OF),
    ("figure", "whats the aws bill for may", "number", cost(S_MAY, AWS, "BilledCost"), S_AS_OF),
    ("figure", "what did the events team spend in may", "number", cost(S_MAY, tag("division", "events")), S_AS_OF),
    ("figure", "operations spend last month", "number", cost(S_JUN, tag("division", "operations")), S_AS_OF),
    ("figure", "revenue-mgmt spend in q2", "number", cost(S_Q2, tag("division", "revenue-mgmt")), S_AS_OF),
    ("figure", "CONCIERGE cost in april", "number", cost(S_APR, tag("workload", "concierge")), S_AS_OF),
    ("figure", "how much did the sandbox cost in june", "number", cost(S_JUN, tag("tier", "sandbox")), S_AS_OF),
    ("figure", "what's our live spend in may", "number", cost(S_MAY, tag("tier", "live")), S_AS_OF),
    ("figure", "total spend for the last 2 weeks", "number", cost(S_LAST14), S_AS_OF),
    ("figure", "how much did sonnet cost us in may", "number", cost(S_MAY, model_is("claude-sonnet-4-5")), S_AS_OF),
    ("figure", "maverick spend in july so far", "number", cost(S_JUL, model_is("llama-4-maverick")), S_AS_OF),
    ("figure", "what did the a100 box cost last month", "number", cost(S_JUN, A100_BOX), S_AS_OF),
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
    ("gpu", "how busy were the l4 boxes last month", "number", gpu_util("2026-06-01", "2026-07-01", "instance_id LIKE 'i-0l4vision%'"), S_AS_OF),
    ("gpu", "a100 utilizaton in july", "number", gpu_util("2026-07-01", "2026-08-01", "instance_id = 'i-0a100rate01'"), S_AS_OF),
    ("anomaly", "anything weird in june?", "date", "SELECT DATE '2026-06-16'", S_AS_OF),
    # unanswerable: concepts the store lacks, names that look real but are not in it, periods it has no data for
    ("none", "what's our cac on the concierge", "none", "", S_AS_OF),
    ("none", "gross margin on rate-pilot in june", "none", "", S_AS_OF),
    ("none", "what's the payback period on the a100 box", "none", "", S_AS_OF),
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

SALTMARSH_THREADS = [
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

# ---------------------------------------------------------------------------------- Haneul Comics (KRW)

H_AS_OF = "2027-03-24"  # a Wednesday; the data ends the day before
H_DEC = between("2026-12-01", "2027-01-01")
H_JAN = between("2027-01-01", "2027-02-01")
H_FEB = between("2027-02-01", "2027-03-01")
H_MAR = between("2027-03-01", "2027-04-01")
H_Q1 = between("2027-01-01", "2027-04-01")
H_LAST10 = between("2027-03-14", "2027-03-24")
H_MAR_23_DAYS = between("2027-03-01", "2027-03-24")
H_FEB_23_DAYS = between("2027-02-01", "2027-02-24")
ORG = "Tags->>'org'"
USECASE = "Tags->>'usecase'"
NAVER = "ProviderName = 'Naver Cloud'"
UPSTAGE = "ProviderName = 'Upstage'"
OPENAI = "ProviderName = 'OpenAI'"
GOOGLE = "ProviderName = 'Google Cloud'"
OCR_VMS = "ResourceId IN ('gce-7301', 'gce-7302')"
H_TOP_ORG = (
    f"{ORG} = (SELECT {ORG} FROM costs WHERE {H_JAN} GROUP BY 1 ORDER BY sum(EffectiveCost) DESC LIMIT 1)"
)

HANEUL_QUESTIONS = [
    ("figure", "how much did naver cost us in february", "number", cost(H_FEB, NAVER), H_AS_OF),
    ("figure", "upstage spend in febuary", "number", cost(H_FEB, UPSTAGE), H_AS_OF),
    ("figure", "what did the studio org spend in january", "number", cost(H_JAN, tag("org", "studio")), H_AS_OF),
    ("figure", "how much did recap cost in december", "number", cost(H_DEC, tag("usecase", "recap")), H_AS_OF),
    ("figure", "give me a quick recap of february spend", "number", cost(H_FEB), H_AS_OF),
    ("figure", "our google cloud bill for march so far", "number", cost(H_MAR, GOOGLE, "BilledCost"), H_AS_OF),
    ("figure", "google cloud spend in march", "number", cost(H_MAR, GOOGLE), H_AS_OF),
    ("figure", "GPT-5 spend in feb", "number", cost(H_FEB, model_is("gpt-5")), H_AS_OF),
    ("figure", "how much did the dev environment cost in q1", "number", cost(H_Q1, tag("env", "dev")), H_AS_OF),
    ("figure", "total spend this year so far", "number", cost(H_Q1), H_AS_OF),
    ("figure", "what did hcx-dash-002 cost in the last 10 days", "number", cost(H_LAST10, model_is("hcx-dash-002")), H_AS_OF),
    ("figure", "how much did the ocr vms cost in february", "number", cost(H_FEB, OCR_VMS), H_AS_OF),
    ("figure", "comment-guard spend in march so far", "number", cost(H_MAR, tag("usecase", "comment-guard")), H_AS_OF),
    ("figure", "localisation spend in january", "number", cost(H_JAN, tag("org", "localization")), H_AS_OF),
    ("ranking", "which org spent the most last month", "which", which(H_FEB, ORG), H_AS_OF),
    ("ranking", "top 3 usecases in january", "which", which(H_JAN, USECASE), H_AS_OF),
    ("ranking", "which model was cheapest in december", "which", which(H_DEC, MODEL, HAS_MODEL, desc=False), H_AS_OF),
    ("ranking", "which customer cost the most in february", "which", top_customer("2027-02-01", "2027-03-01"), H_AS_OF),
    ("share", "what share of february spend went to openai", "number", share(H_FEB, OPENAI), H_AS_OF),
    ("share", "what fraction of studio's february spend was gpt-5-mini", "number", share(H_FEB, model_is("gpt-5-mini"), tag("org", "studio")), H_AS_OF),
    ("change", "how much did spend change from january to february", "number", change(H_FEB, H_JAN), H_AS_OF),
    ("change", "openai spend change dec vs jan in %", "number", pct(H_JAN, H_DEC, OPENAI), H_AS_OF),
    ("change", "this month vs last month", "number", change(H_MAR_23_DAYS, H_FEB_23_DAYS), H_AS_OF),
    ("peak", "what was our most expensive day in february", "date", day(H_FEB), H_AS_OF),
    ("why", "why was feb 9 so pricey", "names", "letterer|gpt-5", H_AS_OF),
    ("why", "what went wrong between 2/8 and 2/10", "names", "letterer|gpt-5", H_AS_OF),
    ("landing", "what will march end up at", "landing", cost(H_MAR), H_AS_OF),
    ("unit", "cost per request for comment-guard last month", "number", per_request(H_FEB, tag("usecase", "comment-guard"), ev_between("2027-02-01", "2027-03-01"), "feature = 'comment-guard'"), H_AS_OF),
    ("unit", "how much is cp-2210 costing per 1k requests in january", "number", customer_per_request("2027-01-01", "2027-02-01", "cp-2210", 1000), H_AS_OF),
    ("gpu", "how busy was the a100 vm in february", "number", gpu_util("2027-02-01", "2027-03-01", "instance_id = 'gce-7310'"), H_AS_OF),
    ("gpu", "utilisation of the L4s last month", "number", gpu_util("2027-02-01", "2027-03-01", "instance_id IN ('gce-7301', 'gce-7302')"), H_AS_OF),
    ("payg", "what would panel-translate have cost on pay as you go instead of the gsu in february", "number", commitment_payg(H_FEB, "translate-gsu"), H_AS_OF),
    ("payg", "is translate-gsu worth it vs paygo in january", "number", commitment_payg(H_JAN, "translate-gsu"), H_AS_OF),
    ("anomaly", "anything odd in february?", "date", "SELECT DATE '2027-02-09'", H_AS_OF),
    # unanswerable
    ("none", "nrr for cp-1042", "none", "", H_AS_OF),
    ("none", "what's our gross margin per episode", "none", "", H_AS_OF),
    ("none", "how many readers did recap serve in february", "none", "", H_AS_OF),
    ("none", "studio-kr spend last month", "none", "", H_AS_OF),
    ("none", "hcx-007 spend in february", "none", "", H_AS_OF),
    ("none", "gpt-5-nano cost last month", "none", "", H_AS_OF),
    ("none", "cp-1043 cost in january", "none", "", H_AS_OF),
    ("none", "panel-colorize spend in feb", "none", "", H_AS_OF),
    ("none", "how much did we spend on anthropic in january", "none", "", H_AS_OF),
    ("none", "what did we spend in november 2026", "none", "", H_AS_OF),
    ("none", "actual spend for april 2027", "none", "", H_AS_OF),
    ("none", "ai cost per subscriber in february", "none", "", H_AS_OF),
    ("none", "ltv to cac ratio for comment-guard", "none", "", H_AS_OF),
    ("none", "ebitda impact of the gsu", "none", "", H_AS_OF),
    ("none", "how many engineers work on letterer", "none", "", H_AS_OF),
]  # fmt: skip


def _top_customer_per_request(start: str, end: str, per: int = 1) -> str:
    """The cost per request of February's costliest customer (the thread's "that customer") over [start, end)."""
    return (
        _CUSTOMER_COST
        + f"SELECT sum(c) / sum(r) * {per} FROM parts WHERE d >= DATE '{start}' AND d < DATE '{end}' "
        "AND customer = (SELECT customer FROM parts WHERE d >= DATE '2027-02-01' AND d < DATE '2027-03-01' "
        "AND customer IS NOT NULL GROUP BY 1 ORDER BY sum(c) DESC LIMIT 1)"
    )


HANEUL_THREADS = [
    (
        "customer-unit-cost",
        [
            ("which customer cost the most last month", "which", top_customer("2027-02-01", "2027-03-01")),
            ("how much did that customer cost per request", "number", _top_customer_per_request("2027-02-01", "2027-03-01")),
            ("what about january", "number", _top_customer_per_request("2027-01-01", "2027-02-01")),
        ],
    ),
    (
        "letterer-weeks",
        [
            ("what did letterer cost from march 8 to march 14", "number", cost(between("2027-03-08", "2027-03-15"), tag("usecase", "letterer"))),
            ("what about the week before", "number", cost(between("2027-03-01", "2027-03-08"), tag("usecase", "letterer"))),
            ("and how much of that was gpt-5-mini", "number", cost(between("2027-03-01", "2027-03-08"), f"{tag('usecase', 'letterer')} AND {model_is('gpt-5-mini')}")),
        ],
    ),
    (
        "org-them",
        [
            ("which org spent the most in january", "which", which(H_JAN, ORG)),
            ("how much did they spend in december", "number", cost(H_DEC, H_TOP_ORG)),
            ("split that by provider", "which", which(H_DEC, "ProviderName", H_TOP_ORG)),
        ],
    ),
]  # fmt: skip

_WON = re.compile(r"₩\s?\d|\bKRW\s?\d")


class TestSaltmarshHotels(ThreadedRound):
    AS_OF = S_AS_OF
    QUESTIONS = SALTMARSH_QUESTIONS
    THREADS = SALTMARSH_THREADS
    KNOWN_MISSES = frozenset()

    def build(self, folder: Path) -> Store:
        return round_store(folder, build_saltmarsh(folder), "saltmarsh")


class TestHaneulComics(ThreadedRound):
    AS_OF = H_AS_OF
    CURRENCY = "KRW"
    QUESTIONS = HANEUL_QUESTIONS
    THREADS = HANEUL_THREADS
    KNOWN_MISSES = frozenset()

    def build(self, folder: Path) -> Store:
        return round_store(folder, build_haneul(folder), "haneul")

    def test_a_question_is_answered_right_or_declined_with_no_figure(
        self, store: Store, settings: Settings, case: tuple
    ) -> None:
        """The harness's rule, and a declined answer about the won bill shows no won amount either (the harness
        knows the signs of the currencies earlier rounds used)."""
        _cat, question, kind, spec, as_of = case
        answer: Any = ask(store, question, as_of=dt.date.fromisoformat(as_of), settings=settings)
        ok, want = judge(store, answer, kind, spec)
        assert ok, f"{question!r}: {want}; got {answer.answer}"
        assert in_currency(answer.answer, self.CURRENCY), f"{question!r}: expected KRW; got {answer.answer}"
        if kind == "none":
            assert not _WON.search(answer.answer), f"{question!r}: expected no figure; got {answer.answer}"
