"""Billy's twentieth blind round: two new companies, with questions and threads written before reading the
planner's code and without reading earlier rounds' question tables, made harder than round 19 the way the hidden
battery is: short, sloppy Slack wording with typos ("wat", "y was", "r we"), relative dates ("last wk", "mtd",
"ytd", "q1", "past 30 days"), two dimensions in one question ("the inspections team's claude spend"), "top 3",
comparisons of two named entities, three- and four-turn threads with pronouns ("and the month before?", "drop
staging"), and at least 15 unanswerable questions per company, many that look answerable (a real team with a unit
nobody stores, a customer resembling a real one, a provider never used, a tag key the company lacks, a future
month's actual), plus a few ambiguous ones whose natural reading Billy must take and state:
- Kopi Lane Kitchens (tests/fixtures/billy/kopilane.py, SGD): a Singapore cloud-kitchen operator on OpenAI,
  Cohere, Google Cloud Vertex AI, Together AI (staging) and Lambda H100 / 8x A100 boxes, tags squad/workload/tier,
  telemetry food brands for order-helpdesk, no commitment ("today" is 2027-05-19, May unfinished, the data
  starting on February 8);
- Kitehawk Aerial (tests/fixtures/billy/kitehawk.py, USD): a US drone inspection firm with a messy multi-cloud
  bill: OpenAI, Anthropic, Amazon Web Services (Bedrock claude-haiku-4-5; EC2 p4d.24xlarge and g5.2xlarge boxes),
  Microsoft (Azure OpenAI gpt-4o in staging and a provisioned-throughput commitment 'aoai-ptu-gpt4o' serving
  gpt-4o, bought monthly) and Google Cloud (Vertex AI), tags dept/service_line/env, telemetry utilities for
  client-chat ("today" is 2027-09-22, September unfinished, the data starting on June 14).
Each answerable question's expected answer is hand-written SQL over the imported rows (never Billy's operations);
an unanswerable one ("none") passes only when Billy states no figure. Judged by billy_harness.judge; an answer
about a bill in Singapore dollars that shows a '$' figure fails.
docs/performance.md ("Billy blind round 20") records the first scores; MISSES holds each first-score failure not
fixed, with its cause seen from outside (strict xfail).
"""

from __future__ import annotations

from pathlib import Path

from billy_harness import (
    ANY_MODEL,
    CUSTOMERS,
    GPUS,
    MODEL,
    TOKENS,
    ThreadedRound,
    between,
    change,
    commitment_payg,
    cost,
    customer_cost,
    customer_per_request,
    day,
    feature_per_request,
    gpu_util,
    model_is,
    of_top,
    pct,
    pytest_generate_tests,  # noqa: F401 - parametrizes the rounds' tests
    round_store,
    share,
    tag,
    top_customer,
    top_is,
    unused,
    which,
)
from billy_harness import daily as _daily
from billy_harness import date_answer as _on
from billy_harness import distinct_count as _count
from billy_harness import saved as _saved
from billy_harness import tokens_of as _tokens
from fixtures.billy.kitehawk import build as build_kitehawk
from fixtures.billy.kopilane import build as build_kopilane
from spendscope.data.store import Store


def _gap(period: str, a: str, b: str) -> str:
    """How far apart two parts of the bill were over `period`."""
    return f"SELECT abs(sum(EffectiveCost) FILTER (WHERE {a}) - sum(EffectiveCost) FILTER (WHERE {b})) FROM costs WHERE {period}"


# ------------------------------------------------------------------------------------------ Kopi Lane Kitchens

K = "2027-05-19"  # a Wednesday; the data ends the day before
K_FEB = between("2027-02-01", "2027-03-01")
K_MAR = between("2027-03-01", "2027-04-01")
K_APR = between("2027-04-01", "2027-05-01")
K_MAY = between("2027-05-01", "2027-05-19")
K_Q1 = between("2027-01-01", "2027-04-01")
K_ALL = between("2027-01-01", "2027-05-19")
K_LASTWK = between("2027-05-10", "2027-05-17")
K_30D = between("2027-04-19", "2027-05-19")

OPENAI = "ProviderName = 'OpenAI'"
COHERE = "ProviderName = 'Cohere'"
TOGETHER = "ProviderName = 'Together AI'"
LAMBDA = "ProviderName = 'Lambda'"
SQUAD = "Tags->>'squad'"
WORKLOAD = "Tags->>'workload'"
A100 = "instance_id = 'lambda-a100-train'"
H100 = "instance_id = 'lambda-h100-dish'"
SPIKE_K = between("2027-04-06", "2027-04-07")

# (category, question, kind, spec, as_of)
KOPI_QUESTIONS = [
    ("total", "wat did we spend in april", "number", cost(K_APR), K),
    ("provider lower", "cohere bill mar?", "number", cost(K_MAR, COHERE), K),
    ("compare", "openai vs cohere in april - which cost more", "which", which(K_APR, "ProviderName", f"{OPENAI} OR {COHERE}"), K),
    ("model", "how much did gpt-4o-mini cost us last wk", "number", cost(K_LASTWK, model_is("gpt-4o-mini")), K),
    ("team mtd", "support squad spend mtd", "number", cost(K_MAY, tag("squad", "support")), K),
    ("team lower", "menu team in march?", "number", cost(K_MAR, tag("squad", "menu")), K),
    ("daily", "whats route-planner costing us per day in april", "number", _daily(K_APR, 30, tag("workload", "route-planner")), K),
    ("rank", "top 3 models by spend in q1", "which", which(K_Q1, MODEL, TOKENS), K),
    ("rank", "which squad spent the least in april", "which", which(K_APR, SQUAD, desc=False), K),
    ("share", "what % of april was lambda", "number", share(K_APR, LAMBDA), K),
    ("share ytd", "cohere share of the bill ytd", "number", share(K_ALL, COHERE), K),
    ("change", "how much did openai go up or down mar to apr", "number", change(K_APR, K_MAR, OPENAI), K),
    ("change pct", "% change in total spend feb -> mar", "number", pct(K_MAR, K_FEB), K),
    ("spike why", "y was apr 6 so pricey", "which", which(SPIKE_K, MODEL, TOKENS), K),
    ("spike day", "most expensive day in april?", "date", day(K_APR), K),
    ("anomaly", "any anomalies in april", "date", _on("2027-04-06"), K),
    ("went wrong", "what went wrong apr 5-7", "names", "command-r-plus", K),
    ("gpu", "avg gpu util on the a100 box in april", "number", gpu_util("2027-04-01", "2027-05-01", A100), K),
    ("gpu", "how busy was the h100 in march", "number", gpu_util("2027-03-01", "2027-04-01", H100), K),
    ("count gpus", "how many gpus do we have", "number", GPUS, K),
    ("count instances", "how many gpu instances r we running", "number", _count("ResourceId", "ConsumedUnit = 'Hours'"), K),
    ("count models", "how many models did we use in april", "number", _count(MODEL, f"{K_APR} AND {TOKENS}"), K),
    ("count customers", "how many customers on the order helpdesk", "number", CUSTOMERS, K),
    ("unit", "cost per request for order-helpdesk in april", "number", feature_per_request("2027-04-01", "2027-05-01", "workload", "order-helpdesk"), K),
    ("unit per 1k", "order-helpdesk cost per 1k requests mar", "number", feature_per_request("2027-03-01", "2027-04-01", "workload", "order-helpdesk", 1000), K),
    ("customer rank", "which customer cost the most in april", "which", top_customer("2027-04-01", "2027-05-01"), K),
    ("customer", "laksa-lab spend in march", "number", customer_cost("2027-03-01", "2027-04-01", "laksa-lab"), K),
    ("customer unit", "cost per request for dumpling-depot in april", "number", customer_per_request("2027-04-01", "2027-05-01", "dumpling-depot"), K),
    ("landing", "where will may land", "landing", cost(K_MAY), K),
    ("landing provider", "month end forecast for cohere?", "landing", cost(K_MAY, COHERE), K),
    ("invoice", "our lambda bill for march", "number", cost(K_MAR, LAMBDA, "BilledCost"), K),
    ("breakdown", "april spend broken down by tier", "names", "prod|staging", K),
    ("breakdown", "mar broken down by provider", "names", "OpenAI|Cohere|Google Cloud|Together AI|Lambda", K),
    ("tokens", "how many output tokens did command-r-plus burn in april", "number", _tokens(K_APR, "command-r-plus", "output"), K),
    ("two dims", "support team's cohere spend in feb", "number", cost(K_FEB, f"{COHERE} AND {tag('squad', 'support')}"), K),
    ("two dims", "ops squad on together ai in april", "number", cost(K_APR, f"{TOGETHER} AND {tag('squad', 'ops')}"), K),
    ("env mtd", "how much is staging costing mtd", "number", cost(K_MAY, tag("tier", "staging")), K),
    ("relative", "past 30 days total", "number", cost(K_30D), K),
    ("ytd model", "ytd spend on gemini", "number", cost(K_ALL, model_is("gemini-2.5-pro")), K),
    ("compare teams", "menu vs marketing last month", "which", which(K_APR, SQUAD, f"{SQUAD} IN ('menu', 'marketing')"), K),
    ("gpu may", "avg util of the a100s in may", "number", gpu_util("2027-05-01", "2027-05-19", A100), K),
    ("typo", "how much did we spnd on coher in march", "number", cost(K_MAR, COHERE), K),
    ("typo", "gemnii cost in april", "number", cost(K_APR, model_is("gemini-2.5-pro")), K),
    ("typo", "llama maverick spend feb", "number", cost(K_FEB, model_is("llama-4-maverick")), K),
    ("rank features", "top 3 workloads last month", "which", which(K_APR, WORKLOAD), K),
    # ambiguous: the natural reading, stated
    ("ambiguous", "how much was the dish box in april", "number", cost(K_APR, "ResourceId = 'lambda-h100-dish'"), K),
    ("ambiguous", "whats the forecast", "landing", cost(K_MAY), K),
    ("ambiguous", "gpt spend in march", "number", cost(K_MAR, f"{MODEL} LIKE 'gpt%'"), K),
    ("ambiguous", "lambda in march", "number", cost(K_MAR, LAMBDA), K),
    ("ambiguous", "the a100 in april", "number", cost(K_APR, "ResourceId = 'lambda-a100-train'"), K),
    # unanswerable: no figure
    ("unanswerable", "what was our gross margin in april", "none", "", K),
    ("unanswerable", "revenue per order last month", "none", "", K),
    ("unanswerable", "cost per delivery in april", "none", "", K),
    ("unanswerable", "how much did the payments team spend in march", "none", "", K),
    ("unanswerable", "grill squad spend in april", "none", "", K),
    ("unanswerable", "what did dumpling-palace cost us in april", "none", "", K),
    ("unanswerable", "what did june cost", "none", "", K),
    ("unanswerable", "cost per employee in april", "none", "", K),
    ("unanswerable", "how much did we spend on anthropic in april", "none", "", K),
    ("unanswerable", "aws bill for march", "none", "", K),
    ("unanswerable", "april spend broken down by cost_center", "none", "", K),
    ("unanswerable", "how much did our commitment save us in april", "none", "", K),
    ("unanswerable", "profit on laksa-lab in march", "none", "", K),
    ("unanswerable", "what did january cost", "none", "", K),
    ("unanswerable", "support squad salary spend in april", "none", "", K),
    ("unanswerable", "laksa-lab and kaya-kitchen spend in april", "none", "", K),
    ("unanswerable", "how much did gpt-5 cost in may", "none", "", K),
    ("unanswerable", "menu team cost per dish in april", "none", "", K),
    ("unanswerable", "our mistral bill in march", "none", "", K),
]  # fmt: skip

KOPI_THREADS = [
    ("ops-drop-staging", [
        ("ops squad spend in april", "number", cost(K_APR, tag("squad", "ops"))),
        ("drop staging", "number", cost(K_APR, f"{tag('squad', 'ops')} AND Tags->>'tier' <> 'staging'")),
        ("and march?", "number", cost(K_MAR, f"{tag('squad', 'ops')} AND Tags->>'tier' <> 'staging'")),
    ]),
    ("top-squad-then-it", [
        ("top squad last month", "which", which(K_APR, SQUAD)),
        ("how much was that", "number", cost(K_APR, top_is(SQUAD, K_APR))),
        ("and in march", "number", cost(K_MAR, top_is(SQUAD, K_APR))),
    ]),
    ("spike-day", [
        ("y was apr 6 so expensive", "names", "command-r-plus"),
        ("how much did it cost that day", "number", cost(SPIKE_K, model_is("command-r-plus"))),
        ("and the day before", "number", cost(between("2027-04-05", "2027-04-06"), model_is("command-r-plus"))),
    ]),
    ("a100-util", [
        ("avg util on the a100 box in march", "number", gpu_util("2027-03-01", "2027-04-01", A100)),
        ("and april?", "number", gpu_util("2027-04-01", "2027-05-01", A100)),
        ("what did it cost in april", "number", cost(K_APR, "ResourceId = 'lambda-a100-train'")),
    ]),
    ("top-customer", [
        ("which customer cost the most in march", "which", top_customer("2027-03-01", "2027-04-01")),
        ("cost per request for them", "number", of_top("sum(c) / sum(r)", "2027-03-01", "2027-04-01")),
        ("and how much in total", "number", of_top("sum(c)", "2027-03-01", "2027-04-01")),
    ]),
    ("unknown-squad-end", [
        ("menu squad in feb", "number", cost(K_FEB, tag("squad", "menu"))),
        ("and the grill squad?", "none", ""),
    ]),
    ("compare-then-month", [
        ("openai vs together in march", "which", which(K_MAR, "ProviderName", f"{OPENAI} OR {TOGETHER}")),
        ("and in april?", "which", which(K_APR, "ProviderName", f"{OPENAI} OR {TOGETHER}")),
    ]),
    ("gemini-change", [
        ("gemini spend mar", "number", cost(K_MAR, model_is("gemini-2.5-pro"))),
        ("how did it change in april", "number", change(K_APR, K_MAR, model_is("gemini-2.5-pro"))),
    ]),
]  # fmt: skip

KOPI_MISSES: dict[str, str] = {
    "whats the forecast": "ambiguous: read as the next 30 days' forecast (its dates stated), not May's landing",
}

# ------------------------------------------------------------------------------------------ Kitehawk Aerial

H = "2027-09-22"  # a Wednesday; the data ends the day before
H_JUN = between("2027-06-01", "2027-07-01")
H_JUL = between("2027-07-01", "2027-08-01")
H_AUG = between("2027-08-01", "2027-09-01")
H_SEP = between("2027-09-01", "2027-09-22")
H_ALL = between("2027-01-01", "2027-09-22")
H_LASTWK = between("2027-09-13", "2027-09-20")

ANTHROPIC = "ProviderName = 'Anthropic'"
AWS = "ProviderName = 'Amazon Web Services'"
AZURE = "ProviderName = 'Microsoft'"
BEDROCK = "ServiceName = 'Amazon Bedrock'"
EC2 = "ServiceName = 'Amazon EC2'"
DEPT = "Tags->>'dept'"
LINE = "Tags->>'service_line'"
PTU = "aoai-ptu-gpt4o"
P4D = "instance_id = 'ec2-p4d-crackseg'"
G5 = "instance_id = 'ec2-g5-thermal'"
SPIKE_H = between("2027-08-12", "2027-08-13")
SONNET = model_is("claude-sonnet-4-5")

KITE_QUESTIONS = [
    ("total", "total aug spend", "number", cost(H_AUG), H),
    ("compare", "anthropic vs openai jul?", "which", which(H_JUL, "ProviderName", f"{ANTHROPIC} OR {OPENAI}"), H),
    ("model prefix", "wat did we burn on gpt-4.1 last wk", "number", cost(H_LASTWK, model_is("gpt-4.1")), H),
    ("service", "bedrock spend in aug", "number", cost(H_AUG, BEDROCK), H),
    ("service", "ec2 bill for july", "number", cost(H_JUL, EC2), H),
    ("invoice", "our aws bill for aug", "number", cost(H_AUG, AWS, "BilledCost"), H),
    ("invoice", "our azure invoice for july", "number", cost(H_JUL, AZURE, "BilledCost"), H),
    ("spike why", "y was thurs aug 12 so pricey", "names", "claude-sonnet-4-5", H),
    ("went wrong", "what went wrong aug 11-13", "names", "claude-sonnet-4-5", H),
    ("anomaly", "anomalies in august?", "date", _on("2027-08-12"), H),
    ("spike day", "priciest day in july", "date", day(H_JUL), H),
    ("gpu", "avg gpu util p4d in aug", "number", gpu_util("2027-08-01", "2027-09-01", P4D), H),
    ("gpu", "how busy was the thermal box last month", "number", gpu_util("2027-08-01", "2027-09-01", G5), H),
    ("gpu loose", "a100 utilisation in june", "number", gpu_util("2027-06-01", "2027-07-01", P4D), H),
    ("count gpus", "how many gpus", "number", GPUS, H),
    ("count models", "how many models did we use in aug", "number", _count(ANY_MODEL, H_AUG), H),
    ("count customers", "how many customers use client chat", "number", CUSTOMERS, H),
    ("count providers", "how many providers r on the bill", "number", _count("ProviderName"), H),
    ("unit per 1k", "client-chat cost per 1k requests in aug", "number", feature_per_request("2027-08-01", "2027-09-01", "service_line", "client-chat", 1000), H),
    ("customer unit", "cost per request pacific-grid in july", "number", customer_per_request("2027-07-01", "2027-08-01", "pacific-grid"), H),
    ("customer rank", "which customer cost the most in aug", "which", top_customer("2027-08-01", "2027-09-01"), H),
    ("customer", "tri-county-rail spend in aug", "number", customer_cost("2027-08-01", "2027-09-01", "tri-county-rail"), H),
    ("landing", "where r we landing for sept", "landing", cost(H_SEP), H),
    ("landing provider", "anthropic month end landing?", "landing", cost(H_SEP, ANTHROPIC), H),
    ("payg what-if", "what would the ptu have cost on payg in aug", "number", commitment_payg(H_AUG, PTU), H),
    ("commitment saved", "how much did the ptu save us in july", "number", _saved(H_JUL, PTU), H),
    ("unused", "how much of the ptu went unused in aug", "number", unused(H_AUG, PTU), H),
    ("team mtd", "inspections dept spend mtd", "number", cost(H_SEP, tag("dept", "inspections")), H),
    ("two dims", "the inspections team's claude spend in july", "number", cost(H_JUL, f"{tag('dept', 'inspections')} AND {MODEL} LIKE 'claude%'"), H),
    ("two dims", "flight-ops claude spend on bedrock in aug", "number", cost(H_AUG, f"{tag('dept', 'flight-ops')} AND {BEDROCK}"), H),
    ("share", "what % of aug was ec2", "number", share(H_AUG, EC2), H),
    ("share team", "compliance share of july", "number", share(H_JUL, tag("dept", "compliance")), H),
    ("rank", "top 3 depts in aug", "which", which(H_AUG, DEPT), H),
    ("rank", "which service line cost least in july", "which", which(H_JUL, LINE, desc=False), H),
    ("change pct", "anthropic % change jul -> aug", "number", pct(H_AUG, H_JUL, ANTHROPIC), H),
    ("change", "how much did aws go up jun to jul", "number", change(H_JUL, H_JUN, AWS), H),
    ("env", "staging spend last month", "number", cost(H_AUG, tag("env", "staging")), H),
    ("breakdown", "sept spend broken down by env", "names", "prod|staging", H),
    ("breakdown", "aug broken down by dept", "names", "inspections|customer-success|flight-ops|compliance|ml", H),
    ("relative", "past 30 days on gemini", "number", cost(between("2027-08-23", "2027-09-22"), model_is("gemini-2.5-flash")), H),
    ("ytd", "ytd total", "number", cost(H_ALL), H),
    ("quarter", "q3 spend so far", "number", cost(between("2027-07-01", "2027-09-22")), H),
    ("typo", "anthropc spend in july", "number", cost(H_JUL, ANTHROPIC), H),
    ("typo", "gemni flash cost aug", "number", cost(H_AUG, model_is("gemini-2.5-flash")), H),
    ("typo", "custmer success team spend jul", "number", cost(H_JUL, tag("dept", "customer-success")), H),
    ("tokens", "input tokens on haiku in aug", "number", _tokens(H_AUG, "claude-haiku-4-5", "input"), H),
    ("daily", "daily avg spend in aug", "number", _daily(H_AUG, 31), H),
    # ambiguous: the natural reading, stated
    ("ambiguous", "how much was the crack box in july", "number", cost(H_JUL, "ResourceId = 'ec2-p4d-crackseg'"), H),
    ("ambiguous", "claude spend in aug", "number", cost(H_AUG, f"{MODEL} LIKE 'claude%'"), H),
    ("ambiguous", "gpt-4o in july", "number", cost(H_JUL, f"{ANY_MODEL} = 'gpt-4o'"), H),
    ("ambiguous", "azure in july", "number", cost(H_JUL, AZURE), H),
    ("ambiguous", "the thermal thing last wk", "number", cost(H_LASTWK, "ResourceId = 'ec2-g5-thermal'"), H),
    # unanswerable: no figure
    ("unanswerable", "how many bridges did we inspect in aug", "none", "", H),
    ("unanswerable", "cost per flight hour in july", "none", "", H),
    ("unanswerable", "cost per drone last month", "none", "", H),
    ("unanswerable", "revenue from pacific-grid in aug", "none", "", H),
    ("unanswerable", "margin on client chat", "none", "", H),
    ("unanswerable", "cohere spend in aug", "none", "", H),
    ("unanswerable", "oracle cloud bill for july", "none", "", H),
    ("unanswerable", "what did the lidar team spend in aug", "none", "", H),
    ("unanswerable", "pacific-power spend in july", "none", "", H),
    ("unanswerable", "what did october cost", "none", "", H),
    ("unanswerable", "how much did we spend in may", "none", "", H),
    ("unanswerable", "aug spend by project tag", "none", "", H),
    ("unanswerable", "cost per employee in july", "none", "", H),
    ("unanswerable", "how much did the h100s cost in aug", "none", "", H),
    ("unanswerable", "pacific-grid and sunline-power spend in aug", "none", "", H),
    ("unanswerable", "ml team cost per trained model in aug", "none", "", H),
    ("unanswerable", "the inspections team's profit in july", "none", "", H),
    ("unanswerable", "gpt-5 spend last wk", "none", "", H),
]  # fmt: skip

KITE_THREADS = [
    ("aws-bedrock-month", [
        ("aws spend in aug", "number", cost(H_AUG, AWS)),
        ("only bedrock", "number", cost(H_AUG, BEDROCK)),
        ("and july?", "number", cost(H_JUL, BEDROCK)),
    ]),
    ("ptu-saved", [
        ("how much was the ptu in aug", "number", cost(H_AUG, f"ResourceName = '{PTU}'")),
        ("what would that have cost on payg", "number", commitment_payg(H_AUG, PTU)),
        ("so how much did it save", "number", _saved(H_AUG, PTU)),
    ]),
    ("top-dept-share", [
        ("top dept in july", "which", which(H_JUL, DEPT)),
        ("what share of july was them", "number", share(H_JUL, top_is(DEPT, H_JUL))),
        ("and in aug", "number", share(H_AUG, top_is(DEPT, H_JUL))),
    ]),
    ("spike-model", [
        ("what went wrong on aug 12", "names", "claude-sonnet-4-5"),
        ("how much did that model cost that day", "number", cost(SPIKE_H, SONNET)),
        ("and the day after?", "number", cost(between("2027-08-13", "2027-08-14"), SONNET)),
    ]),
    ("p4d-util", [
        ("util on the p4d box in july", "number", gpu_util("2027-07-01", "2027-08-01", P4D)),
        ("and aug?", "number", gpu_util("2027-08-01", "2027-09-01", P4D)),
        ("how much did it cost in aug", "number", cost(H_AUG, "ResourceId = 'ec2-p4d-crackseg'")),
    ]),
    ("top-customer", [
        ("top customer in aug", "which", top_customer("2027-08-01", "2027-09-01")),
        ("their cost per request", "number", of_top("sum(c) / sum(r)", "2027-08-01", "2027-09-01")),
        ("and how much in total", "number", of_top("sum(c)", "2027-08-01", "2027-09-01")),
    ]),
    ("unknown-team-end", [
        ("flight ops spend in jul", "number", cost(H_JUL, tag("dept", "flight-ops"))),
        ("and the lidar team?", "none", ""),
    ]),
    ("compare-then-gap", [
        ("openai vs anthropic in aug", "which", which(H_AUG, "ProviderName", f"{OPENAI} OR {ANTHROPIC}")),
        ("and the month before?", "which", which(H_JUL, "ProviderName", f"{OPENAI} OR {ANTHROPIC}")),
        ("how big was the gap in july", "number", _gap(H_JUL, OPENAI, ANTHROPIC)),
    ]),
]  # fmt: skip

KITE_MISSES: dict[str, str] = {
    "the thermal thing last wk": "ambiguous: 'thing' is not read as the box; declined with no figure",
}


class _Round20(ThreadedRound):
    """The round's companies (known misses, with their causes, in MISSES)."""


class TestKopiLaneKitchens(_Round20):
    AS_OF = K
    CURRENCY = "SGD"
    QUESTIONS = KOPI_QUESTIONS
    THREADS = KOPI_THREADS
    MISSES = KOPI_MISSES

    def build(self, folder: Path) -> Store:
        return round_store(folder, build_kopilane(folder), "kopilane")


class TestKitehawkAerial(_Round20):
    AS_OF = H
    CURRENCY = "USD"
    QUESTIONS = KITE_QUESTIONS
    THREADS = KITE_THREADS
    MISSES = KITE_MISSES

    def build(self, folder: Path) -> Store:
        return round_store(folder, build_kitehawk(folder), "kitehawk")
