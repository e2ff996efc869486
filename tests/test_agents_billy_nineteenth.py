"""Billy's nineteenth blind round: two new companies, with questions and threads written before reading the
planner's code and without reading earlier rounds' question tables, weighted toward what the hidden battery
punishes (at least 15 unanswerable questions per company, several that look answerable, mixed real and unknown
names, counts, "broken down by" wanting every value, what a commitment saved, and a few ambiguous ones whose
natural reading Billy must take and state):
- Pivovary Vltava (tests/fixtures/billy/vltava.py, CZK): a Czech brewery group on Anthropic, Groq, xAI and
  CoreWeave H200/L40S boxes, tags cost_owner/usecase/stage, telemetry pubs for order-assistant, no commitment
  ("today" is 2027-04-21, April unfinished, the data starting on January 11);
- Copperline Solar (tests/fixtures/billy/copperline.py, USD): a US residential solar installer with a messy
  multi-cloud bill: OpenAI, Anthropic, Amazon Web Services (Bedrock nova-pro and a provisioned-throughput
  commitment 'bedrock-pt-haiku' serving claude-3-5-haiku, bought monthly), Microsoft (Azure OpenAI in staging)
  and Google Cloud (Vertex AI, and Compute Engine a3-highgpu-8g / g2-standard-24 boxes), tags
  cost_center/app/stage, telemetry dealers for quote-chat ("today" is 2027-11-17, the data starting on August 9).
Each answerable question's expected answer is hand-written SQL over the imported rows (never Billy's operations);
an unanswerable one ("none") passes only when Billy states no figure. Judged by billy_harness.judge; an answer
about a bill in koruna that shows a '$' figure fails.
docs/performance.md ("Billy blind round 19") records the first scores; MISSES holds each first-score failure not
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
from fixtures.billy.copperline import build as build_copperline
from fixtures.billy.vltava import build as build_vltava
from spendscope.data.store import Store


def _idle_instances(start: str, end: str) -> str:
    """GPU instances whose mean utilisation over [start, end) stayed under 10%."""
    return (
        "SELECT count(*) FROM (SELECT instance_id FROM gpu_samples WHERE "
        f"ts >= TIMESTAMPTZ '{start}' AND ts < TIMESTAMPTZ '{end}' GROUP BY 1 HAVING avg(utilization_pct) < 10)"
    )


# ------------------------------------------------------------------------------------------ Pivovary Vltava

P = "2027-04-21"  # a Wednesday; the data ends the day before
P_JAN = between("2027-01-01", "2027-02-01")
P_FEB = between("2027-02-01", "2027-03-01")
P_MAR = between("2027-03-01", "2027-04-01")
P_APR = between("2027-04-01", "2027-04-21")
P_ALL = between("2027-01-01", "2027-04-21")

ANTH = "ProviderName = 'Anthropic'"
GROQ = "ProviderName = 'Groq'"
XAI = "ProviderName = 'xAI'"
CW = "ProviderName = 'CoreWeave'"
OWNER = "Tags->>'cost_owner'"
USE = "Tags->>'usecase'"
H200 = "instance_id = 'cw-h200-forecast'"
L40S = "instance_id = 'cw-l40s-labels'"

# (category, question, kind, spec, as_of)
VLTAVA_QUESTIONS = [
    ("total", "how much did we spend in february", "number", cost(P_FEB), P),
    ("total", "whats our ai bill for march in koruna", "number", cost(P_MAR), P),
    ("provider", "how much was groq in feb", "number", cost(P_FEB, GROQ), P),
    ("invoice", "our anthropic bill for march?", "number", cost(P_MAR, ANTH, "BilledCost"), P),
    ("provider lower", "what did xai cost in march", "number", cost(P_MAR, XAI), P),
    ("team lower", "what did the brewing team spend in march", "number", cost(P_MAR, tag("cost_owner", "brewing")), P),
    ("team", "logistics spend last month", "number", cost(P_MAR, tag("cost_owner", "logistics")), P),
    ("feature", "how much did invoice-reader cost in january", "number", cost(P_JAN, tag("usecase", "invoice-reader")), P),
    ("model", "claude-opus-4-1 spend in feb?", "number", cost(P_FEB, model_is("claude-opus-4-1")), P),
    ("typo", "how much did we spnd on groq in janury", "number", cost(P_JAN, GROQ), P),
    ("env", "how much did the pilot stage cost in feb", "number", cost(P_FEB, tag("stage", "pilot")), P),
    ("tokens", "how many output tokens did claude-haiku-4-5 use in march", "number", _tokens(P_MAR, "claude-haiku-4-5", "output"), P),
    ("token cost", "what did claude-opus-4-1 output tokens cost in march", "number", cost(P_MAR, f"{model_is('claude-opus-4-1')} AND ChargeDescription LIKE '% output tokens'"), P),
    ("combined", "groq and xai together in march", "number", cost(P_MAR, f"{GROQ} OR {XAI}"), P),
    ("week", "spend in the week of march 8", "number", cost(between("2027-03-08", "2027-03-15")), P),
    ("daily", "average daily spend in february", "number", _daily(P_FEB, 28), P),
    ("ytd", "total spend so far this year", "number", cost(P_ALL), P),
    ("rank", "which team spent the most in march", "which", which(P_MAR, OWNER), P),
    ("rank", "top provider in february", "which", which(P_FEB, "ProviderName"), P),
    ("rank", "which model was cheapest in march", "which", which(P_MAR, MODEL, TOKENS, desc=False), P),
    ("rank", "biggest usecase by spend last month", "which", which(P_MAR, USE), P),
    ("breakdown", "march spend broken down by provider", "names", "Anthropic|CoreWeave|Groq|xAI", P),
    ("breakdown", "feb costs broken down by cost_owner", "names", "sales|brewing|finance|marketing|logistics|quality", P),
    ("share", "what % of march went to coreweave", "number", share(P_MAR, CW), P),
    ("share within", "how much of anthropic in feb was claude-haiku-4-5, as a percent", "number", share(P_FEB, model_is("claude-haiku-4-5"), ANTH), P),
    ("change", "how much did groq go up from feb to march", "number", change(P_MAR, P_FEB, GROQ), P),
    ("change pct", "percent change in total spend jan to feb", "number", pct(P_FEB, P_JAN), P),
    ("why day", "why was march 13 so expensive", "names", "llama-3.3-70b", P),
    ("day", "what was the most expensive day in march", "date", day(P_MAR), P),
    ("went wrong", "what went wrong between mar 12 and mar 14", "names", "invoice-reader", P),
    ("anomaly", "any anomalies in march?", "date", _on("2027-03-13"), P),
    ("gpu", "how busy were the h200s in march", "number", gpu_util("2027-03-01", "2027-04-01", H200), P),
    ("gpu", "l40s box utilization in feb", "number", gpu_util("2027-02-01", "2027-03-01", L40S), P),
    ("gpu count", "how many gpus do we have", "number", GPUS, P),
    ("idle count", "how many of our gpu instances were idle in april", "number", _idle_instances("2027-04-01", "2027-04-21"), P),
    ("gpu cost", "what did the h200 box cost in april so far", "number", cost(P_APR, "ResourceId = 'cw-h200-forecast'"), P),
    ("unit", "cost per request for order-assistant in march", "number", feature_per_request("2027-03-01", "2027-04-01", "usecase", "order-assistant"), P),
    ("unit customer", "cost per 1k requests for hospoda-u-lipy in feb", "number", customer_per_request("2027-02-01", "2027-03-01", "hospoda-u-lipy", 1000), P),
    ("customer", "which customer cost the most in march", "which", top_customer("2027-03-01", "2027-04-01"), P),
    ("customer", "how much did bar-stodola cost us in feb", "number", customer_cost("2027-02-01", "2027-03-01", "bar-stodola"), P),
    ("count", "how many customers do we have", "number", CUSTOMERS, P),
    ("count", "how many models did we use in march", "number", _count(MODEL, f"{P_MAR} AND {TOKENS}"), P),
    ("count", "how many providers are on the bill", "number", _count("ProviderName"), P),
    ("landing", "where will april land", "landing", cost(P_APR), P),
    ("landing", "wat r we gonna end april at for groq", "landing", cost(P_APR, GROQ), P),
    # ambiguous: the natural reading, stated
    ("ambiguous", "how much did opus cost us in march", "number", cost(P_MAR, model_is("claude-opus-4-1")), P),
    ("ambiguous", "what did the forecast cost in march", "number", cost(P_MAR, tag("usecase", "demand-forecast")), P),
    ("ambiguous", "claude spend in feb", "number", cost(P_FEB, ANTH), P),
    ("ambiguous", "how much did llama cost last month", "number", cost(P_MAR, model_is("llama-3.3-70b")), P),
    ("ambiguous", "how much was the label checking box in feb", "number", cost(P_FEB, "ResourceId = 'cw-l40s-labels'"), P),
    # unanswerable: no figure
    ("unanswerable", "whats our gross margin on the order assistant", "none", "", P),
    ("unanswerable", "how much revenue did hospoda-u-lipy bring in in march", "none", "", P),
    ("unanswerable", "ai cost per employee in march?", "none", "", P),
    ("unanswerable", "what will our actual bill be for june 2027", "none", "", P),
    ("unanswerable", "how much did the bottling team spend in march", "none", "", P),
    ("unanswerable", "whats the spend for the kegs team last month", "none", "", P),
    ("unanswerable", "how much did pivnice-u-mostu cost us in feb", "none", "", P),
    ("unanswerable", "cost of hospoda-u-lipy and hostinec-u-vola in march", "none", "", P),
    ("unanswerable", "how much did we spend on openai in march", "none", "", P),
    ("unanswerable", "spend by the region_code tag in feb", "none", "", P),
    ("unanswerable", "how much profit did we make in q1", "none", "", P),
    ("unanswerable", "how many beers did the order assistant sell in march", "none", "", P),
    ("unanswerable", "what was our spend in december 2026", "none", "", P),
    ("unanswerable", "how much did gemini cost in march", "none", "", P),
    ("unanswerable", "how much did our h100s cost in march", "none", "", P),
    ("unanswerable", "cost per hectolitre brewed in march", "none", "", P),
    ("unanswerable", "how much did our commitment save us in march", "none", "", P),
    ("unanswerable", "what's the headcount of the logistics team", "none", "", P),
    ("unanswerable", "how much did the mistral models cost in feb", "none", "", P),
]  # fmt: skip

VLTAVA_THREADS = [
    ("team-split-then-month", [
        ("what did sales spend in march", "number", cost(P_MAR, tag("cost_owner", "sales"))),
        ("split that by model", "names", "claude-haiku-4-5"),
        ("and in feb?", "number", cost(P_FEB, tag("cost_owner", "sales"))),
    ]),
    ("top-provider-then-it", [
        ("top provider in march", "which", which(P_MAR, "ProviderName")),
        ("how much was it in feb", "number", cost(P_FEB, top_is("ProviderName", P_MAR))),
    ]),
    ("coreweave-gpus", [
        ("how much did coreweave cost in march", "number", cost(P_MAR, CW)),
        ("how busy were its gpus", "number", gpu_util("2027-03-01", "2027-04-01", "true")),
        ("and in april?", "number", gpu_util("2027-04-01", "2027-04-21", "true")),
    ]),
    ("top-customer-unit", [
        ("which customer cost the most in feb", "which", top_customer("2027-02-01", "2027-03-01")),
        ("whats their cost per request", "number", of_top("sum(c) / sum(r)", "2027-02-01", "2027-03-01")),
    ]),
    ("spike-day-before", [
        ("why was saturday march 13 so pricey", "names", "llama-3.3-70b"),
        ("what about the day before", "number", cost(between("2027-03-12", "2027-03-13"))),
    ]),
    ("unknown-team", [
        ("what did marketing spend in feb", "number", cost(P_FEB, tag("cost_owner", "marketing"))),
        ("and the bottling team?", "none", ""),
    ]),
    ("week-before", [
        ("groq spend in the week of march 15", "number", cost(between("2027-03-15", "2027-03-22"), GROQ)),
        ("what about the week before", "number", cost(between("2027-03-08", "2027-03-15"), GROQ)),
    ]),
    ("team-share", [
        ("how much did the quality team spend in march", "number", cost(P_MAR, tag("cost_owner", "quality"))),
        ("what share of march is that", "number", share(P_MAR, tag("cost_owner", "quality"))),
    ]),
]  # fmt: skip

VLTAVA_MISSES: dict[str, str] = {}

# ------------------------------------------------------------------------------------------ Copperline Solar

C = "2027-11-17"  # a Wednesday; the data ends the day before
C_AUG = between("2027-08-01", "2027-09-01")
C_SEP = between("2027-09-01", "2027-10-01")
C_OCT = between("2027-10-01", "2027-11-01")
C_NOV = between("2027-11-01", "2027-11-17")
C_ALL = between("2027-08-01", "2027-11-17")

OPENAI = "ProviderName = 'OpenAI'"
ANTHROPIC = "ProviderName = 'Anthropic'"
AWS = "ProviderName = 'Amazon Web Services'"
AZURE = "ProviderName = 'Microsoft'"
GCP = "ProviderName = 'Google Cloud'"
CENTER = "Tags->>'cost_center'"
APP = "Tags->>'app'"
PT = "bedrock-pt-haiku"
GCE = "ServiceName = 'Compute Engine'"
A3 = "instance_id = 'gce-a3-roofseg'"
G2 = "instance_id = 'gce-g2-permitocr'"

COPPER_QUESTIONS = [
    ("total", "how much did we spend in october", "number", cost(C_OCT), C),
    ("invoice", "our aws bill for august", "number", cost(C_AUG, AWS, "BilledCost"), C),
    ("provider", "gcp spend in oct", "number", cost(C_OCT, GCP), C),
    ("provider", "how much did azure cost in sept", "number", cost(C_SEP, AZURE), C),
    ("team", "what did the permitting team spend in october", "number", cost(C_OCT, tag("cost_center", "permitting")), C),
    ("team lower", "field ops spend last month", "number", cost(C_OCT, tag("cost_center", "field-ops")), C),
    ("feature", "how much did contract-draft cost in sep", "number", cost(C_SEP, tag("app", "contract-draft")), C),
    ("model", "o3 spend in october", "number", cost(C_OCT, model_is("o3")), C),
    ("typo", "how much did we spnd on anthropic in sept", "number", cost(C_SEP, ANTHROPIC), C),
    ("env", "staging spend in october", "number", cost(C_OCT, tag("stage", "staging")), C),
    ("tokens", "how many input tokens did gpt-4.1-mini burn in sep", "number", _tokens(C_SEP, "gpt-4.1-mini", "input"), C),
    ("token cost", "what did claude-opus-4-1 output tokens cost in oct", "number", cost(C_OCT, f"{model_is('claude-opus-4-1')} AND ChargeDescription LIKE '% output tokens'"), C),
    ("combined", "openai + anthropic in oct", "number", cost(C_OCT, f"{OPENAI} OR {ANTHROPIC}"), C),
    ("week", "spend the week of oct 11", "number", cost(between("2027-10-11", "2027-10-18")), C),
    ("daily", "average daily gcp spend in september", "number", _daily(C_SEP, 30, GCP), C),
    ("all", "total spend since we started tracking", "number", cost(C_ALL), C),
    ("feature commit", "how much did lead-qualify cost in oct", "number", cost(C_OCT, tag("app", "lead-qualify")), C),
    ("gpu cost", "what did the h100 box cost in nov so far", "number", cost(C_NOV, "ResourceId = 'gce-a3-roofseg'"), C),
    ("rank", "which cloud cost the most in october", "which", which(C_OCT, "ProviderName"), C),
    ("rank", "which app was most expensive in sep", "which", which(C_SEP, APP), C),
    ("rank", "cheapest team in oct", "which", which(C_OCT, CENTER, desc=False), C),
    ("breakdown", "october broken down by provider", "names", "OpenAI|Anthropic|Amazon Web Services|Microsoft|Google Cloud", C),
    ("breakdown", "sept spend broken down by stage", "names", "prod|staging", C),
    ("share", "what % of october went to compute engine", "number", share(C_OCT, GCE), C),
    ("share within", "how much of openai in oct was o3, %", "number", share(C_OCT, model_is("o3"), OPENAI), C),
    ("change", "how much did openai change from sep to oct", "number", change(C_OCT, C_SEP, OPENAI), C),
    ("change pct", "% change in anthropic spend sep vs aug", "number", pct(C_SEP, C_AUG, ANTHROPIC), C),
    ("why day", "why was oct 19 so expensive", "names", "o3", C),
    ("day", "most expensive day in october", "date", day(C_OCT), C),
    ("went wrong", "what went wrong oct 18-20", "names", "permit-review", C),
    ("anomaly", "were there any anomalies in october", "date", _on("2027-10-19"), C),
    ("gpu", "how busy were the h100s in october", "number", gpu_util("2027-10-01", "2027-11-01", A3), C),
    ("gpu", "utilization of the l4 box in sep", "number", gpu_util("2027-09-01", "2027-10-01", G2), C),
    ("gpu count", "how many gpus are we paying for", "number", GPUS, C),
    ("instance count", "how many gpu instances do we run on gcp", "number", "SELECT count(DISTINCT instance_id) FROM gpu_samples", C),
    ("idle count", "how many of our gpu instances were idle in november", "number", _idle_instances("2027-11-01", "2027-11-17"), C),
    ("commitment saved", "how much did the bedrock provisioned throughput save us in october", "number", _saved(C_OCT, PT), C),
    ("payg what-if", "what would bedrock-pt-haiku have cost on payg in sep", "number", commitment_payg(C_SEP, PT), C),
    ("unused", "how much of the provisioned throughput went unused in oct", "number", unused(C_OCT, PT), C),
    ("unit", "cost per request for quote-chat in oct", "number", feature_per_request("2027-10-01", "2027-11-01", "app", "quote-chat"), C),
    ("unit customer", "cost per 1k requests for mesa-roofing in sep", "number", customer_per_request("2027-09-01", "2027-10-01", "mesa-roofing", 1000), C),
    ("customer", "which customer cost the most in oct", "which", top_customer("2027-10-01", "2027-11-01"), C),
    ("customer", "how much did sunhaven-homes cost us in october", "number", customer_cost("2027-10-01", "2027-11-01", "sunhaven-homes"), C),
    ("count", "how many customers are in the telemetry", "number", CUSTOMERS, C),
    ("landing", "where's november gonna land", "landing", cost(C_NOV), C),
    ("landing", "projected month end for openai", "landing", cost(C_NOV, OPENAI), C),
    # ambiguous: the natural reading, stated
    ("ambiguous", "how much did the gpus cost in oct", "number", cost(C_OCT, GCE), C),
    ("ambiguous", "how much was google in september", "number", cost(C_SEP, GCP), C),
    ("ambiguous", "whats the roof model costing us this month", "number", cost(C_NOV, tag("app", "roof-segmentation")), C),
    ("ambiguous", "how many models did we use in oct", "number", _count(ANY_MODEL, C_OCT), C),
    ("ambiguous", "how much did bedrock cost in oct", "number", cost(C_OCT, "ServiceName = 'Amazon Bedrock'"), C),
    # unanswerable: no figure
    ("unanswerable", "what's our gross margin per install", "none", "", C),
    ("unanswerable", "revenue from sunhaven-homes in oct", "none", "", C),
    ("unanswerable", "cost per installer in october", "none", "", C),
    ("unanswerable", "how many panels did we install in sep", "none", "", C),
    ("unanswerable", "how much did the solar-design team spend in oct", "none", "", C),
    ("unanswerable", "how much did sunhaven-roofing cost in oct", "none", "", C),
    ("unanswerable", "mesa-roofing and desert-sun-solar cost in october", "none", "", C),
    ("unanswerable", "oracle cloud spend in sep", "none", "", C),
    ("unanswerable", "how much did mistral cost in oct", "none", "", C),
    ("unanswerable", "how much did gpt-5 cost us in oct", "none", "", C),
    ("unanswerable", "what did our a100s cost in october", "none", "", C),
    ("unanswerable", "cost by the business_unit tag for september", "none", "", C),
    ("unanswerable", "actual spend for december 2027", "none", "", C),
    ("unanswerable", "spend in july 2027", "none", "", C),
    ("unanswerable", "profit last quarter?", "none", "", C),
    ("unanswerable", "whats the roi of the quote chat", "none", "", C),
    ("unanswerable", "how much co2 did our gpus emit in oct", "none", "", C),
    ("unanswerable", "headcount of field ops", "none", "", C),
]  # fmt: skip

COPPER_THREADS = [
    ("openai-model-then-month", [
        ("what did openai cost in oct", "number", cost(C_OCT, OPENAI)),
        ("which model drove most of it", "which", which(C_OCT, MODEL, OPENAI)),
        ("how much was that in sep", "number", cost(C_SEP, f"{OPENAI} AND {top_is(MODEL, C_OCT + ' AND ' + OPENAI)}")),
    ]),
    ("pt-payg-saved", [
        ("how much was the provisioned throughput in oct", "number", cost(C_OCT, f"ResourceName = '{PT}'")),
        ("what would that have been on payg", "number", commitment_payg(C_OCT, PT)),
        ("so how much did it save us", "number", _saved(C_OCT, PT)),
    ]),
    ("compute-gpus", [
        ("compute engine spend in sep", "number", cost(C_SEP, GCE)),
        ("how busy were the gpus", "number", gpu_util("2027-09-01", "2027-10-01", "true")),
        ("and in nov", "number", gpu_util("2027-11-01", "2027-11-17", "true")),
    ]),
    ("top-customer-unit", [
        ("which customer cost the most in sep", "which", top_customer("2027-09-01", "2027-10-01")),
        ("what's their cost per 1k requests", "number", of_top("sum(c) / sum(r) * 1000", "2027-09-01", "2027-10-01")),
    ]),
    ("spike-day-after", [
        ("why was oct 19 so expensive", "names", "o3"),
        ("and the day after?", "number", cost(between("2027-10-20", "2027-10-21"))),
    ]),
    ("unknown-team", [
        ("what did legal spend in oct", "number", cost(C_OCT, tag("cost_center", "legal"))),
        ("what about the solar-design team", "none", ""),
    ]),
    ("top-team-share", [
        ("top team in october", "which", which(C_OCT, CENTER)),
        ("what share of october was them", "number", share(C_OCT, top_is(CENTER, C_OCT))),
    ]),
    ("week-before", [
        ("azure spend the week of oct 4", "number", cost(between("2027-10-04", "2027-10-11"), AZURE)),
        ("and the week before", "number", cost(between("2027-09-27", "2027-10-04"), AZURE)),
    ]),
]  # fmt: skip

COPPER_MISSES: dict[str, str] = {}


class _Round19(ThreadedRound):
    """The round's companies (known misses, with their causes, in MISSES)."""


class TestPivovaryVltava(_Round19):
    AS_OF = P
    CURRENCY = "CZK"
    QUESTIONS = VLTAVA_QUESTIONS
    THREADS = VLTAVA_THREADS
    MISSES = VLTAVA_MISSES

    def build(self, folder: Path) -> Store:
        return round_store(folder, build_vltava(folder), "vltava")


class TestCopperlineSolar(_Round19):
    AS_OF = C
    CURRENCY = "USD"
    QUESTIONS = COPPER_QUESTIONS
    THREADS = COPPER_THREADS
    MISSES = COPPER_MISSES

    def build(self, folder: Path) -> Store:
        return round_store(folder, build_copperline(folder), "copperline")
