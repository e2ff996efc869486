"""Billy's eighteenth blind round: two new companies, with questions and threads written before reading the
planner's code and without reading earlier rounds' question tables, weighted toward what the hidden battery
punishes (at least 15 unanswerable questions per company, several that look answerable, mixed real and unknown
names, counts, "broken down by" wanting every value, what a commitment saved, and a few ambiguous ones whose
reading Billy must state):
- Vindhavn Service (tests/fixtures/billy/vindhavn.py, DKK): a Danish offshore wind-turbine maintenance firm on
  Cohere, Google (Gemini API), Together AI and Lambda A100/GH200 boxes, tags crew/job/tier, telemetry wind-park
  owners for work-order-summary, no commitment ("today" is 2027-07-14, July unfinished, the data starting on
  March 1);
- Sable Ridge Resorts (tests/fixtures/billy/sableridge.py, USD): a US ski-resort operator with a messy
  multi-cloud bill: OpenAI, Anthropic, Google Cloud (Vertex AI), Microsoft (Azure OpenAI and a provisioned-
  throughput commitment 'ptu-concierge' serving gpt-4o) and Amazon Web Services (EC2 g6e.12xlarge / p4d.24xlarge,
  the p4d idle from February 1), tags dept/workload/env, telemetry resorts for concierge-chat ("today" is
  2027-03-10, the data crossing a year end).
Each answerable question's expected answer is hand-written SQL over the imported rows (never Billy's operations);
an unanswerable one ("none") passes only when Billy states no figure. Judged by billy_harness.judge; an answer
about a bill in kroner that shows a '$' figure fails.
docs/performance.md ("Billy blind round 18") records the first scores; MISSES holds each first-score failure not
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
from billy_harness import saved as _saved
from fixtures.billy.sableridge import build as build_sableridge
from fixtures.billy.vindhavn import build as build_vindhavn
from spendscope.data.store import Store


def _idle_instances(start: str, end: str) -> str:
    """GPU instances whose mean utilisation over [start, end) stayed under 10%."""
    return (
        "SELECT count(*) FROM (SELECT instance_id FROM gpu_samples WHERE "
        f"ts >= TIMESTAMPTZ '{start}' AND ts < TIMESTAMPTZ '{end}' GROUP BY 1 HAVING avg(utilization_pct) < 10)"
    )


# ------------------------------------------------------------------------------------------ Vindhavn Service

V = "2027-07-14"  # a Wednesday; the data ends the day before
V_MAR = between("2027-03-01", "2027-04-01")
V_APR = between("2027-04-01", "2027-05-01")
V_MAY = between("2027-05-01", "2027-06-01")
V_JUN = between("2027-06-01", "2027-07-01")
V_JUL = between("2027-07-01", "2027-07-14")
V_Q2 = between("2027-04-01", "2027-07-01")
COHERE = "ProviderName = 'Cohere'"
GOOGLE = "ProviderName = 'Google'"
TOGETHER = "ProviderName = 'Together AI'"
LAMBDA = "ProviderName = 'Lambda'"
CREW = "Tags->>'crew'"
JOB = "Tags->>'job'"
A100 = "instance_id = 'lam-a100-blade'"
GH200 = "instance_id = 'lam-gh200-parts'"

VINDHAVN_QUESTIONS = [
    # month-end landing
    ("landing", "where will july land for us?", "landing", cost(V_JUL), V),
    ("landing", "wat r we gonna end july at, roughly", "landing", cost(V_JUL), V),
    # figures
    ("total", "how much did we spend in june", "number", cost(V_JUN), V),
    ("total", "whats the cloud bill for april", "number", cost(V_APR), V),
    ("provider", "how much did cohere cost us in may?", "number", cost(V_MAY, COHERE), V),
    ("provider", "together ai spend last month", "number", cost(V_JUN, TOGETHER), V),
    ("invoice", "what was our google bill for march", "number", cost(V_MAR, GOOGLE, "BilledCost"), V),
    ("invoice", "lambda invoice for june?", "number", cost(V_JUN, LAMBDA, "BilledCost"), V),
    ("team", "what did blade eng spend in june", "number", cost(V_JUN, tag("crew", "blade-eng")), V),
    ("team", "hse team costs in may", "number", cost(V_MAY, tag("crew", "hse")), V),
    ("feature", "cost of the weather window thing in april", "number", cost(V_APR, tag("job", "weather-window")), V),
    ("model", "how much went on command-a in june", "number", cost(V_JUN, model_is("command-a")), V),
    ("model", "embed v4 spend in march?", "number", cost(V_MAR, model_is("embed-v4")), V),
    ("total", "q2 total?", "number", cost(V_Q2), V),
    # shares
    ("share", "what % of june spend was lambda", "number", share(V_JUN, LAMBDA), V),
    ("share", "field service share of the may bill?", "number", share(V_MAY, tag("crew", "field-service")), V),
    ("share", "how much of cohere in april was embed-v4, as a percent", "number",
     share(V_APR, model_is("embed-v4"), COHERE), V),
    # rankings and breakdowns
    ("which", "which crew spent the most in june", "which", which(V_JUN, CREW), V),
    ("which", "biggest model by cost in may?", "which", which(V_MAY, MODEL, TOKENS), V),
    ("which", "cheapest provider in april", "which", which(V_APR, "ProviderName", desc=False), V),
    ("which", "top 3 jobs by spend in june", "which", which(V_JUN, JOB), V),
    ("breakdown", "june spend broken down by provider", "names", "Cohere|Google|Together AI|Lambda", V),
    ("breakdown", "may costs broken down by crew", "names", "blade-eng|field-service|planning|hse", V),
    # changes
    ("change", "how much did cohere go up from april to may", "number", change(V_MAY, V_APR, COHERE), V),
    ("change", "june vs may total, whats the % change", "number", pct(V_JUN, V_MAY), V),
    ("change", "did planning spend more in june than march? by how much", "number",
     change(V_JUN, V_MAR, tag("crew", "planning")), V),
    # days
    ("day", "most expensive day in may?", "date", day(V_MAY), V),
    ("why", "why was may 19 so expensive", "names", "command-a", V),
    ("why", "what went wrong between may 18 and may 20", "names", "command-a", V),
    ("day", "what did we spend on the 19th of may", "number", cost(between("2027-05-19", "2027-05-20")), V),
    ("anomaly", "anything weird in may?", "date", "SELECT DATE '2027-05-19'", V),
    # unit costs from telemetry
    ("unit", "cost per request for work order summary in june", "number",
     feature_per_request("2027-06-01", "2027-07-01", "job", "work-order-summary"), V),
    ("unit", "whats the cost per 1k requests on work-order-summary last month", "number",
     feature_per_request("2027-06-01", "2027-07-01", "job", "work-order-summary", 1000), V),
    ("unit", "cost per request for skovlund energi in june", "number",
     customer_per_request("2027-06-01", "2027-07-01", "skovlund-energi"), V),
    # customers
    ("customer", "how much did havvind-nord cost us in may", "number",
     customer_cost("2027-05-01", "2027-06-01", "havvind-nord"), V),
    ("customer", "which customer was most expensive in june", "which", top_customer("2027-06-01", "2027-07-01"), V),
    ("count", "how many customers do we have in the telemetry", "number", CUSTOMERS, V),
    # GPUs
    ("gpu", "avg gpu utilisation on the a100 box in june", "number", gpu_util("2027-06-01", "2027-07-01", A100), V),
    ("gpu", "how busy was the gh200 in may", "number", gpu_util("2027-05-01", "2027-06-01", GH200), V),
    ("gpu", "blade vision gpu util since june 14", "number", gpu_util("2027-06-14", "2027-07-14", A100), V),
    ("count", "how many gpus do we run", "number", GPUS, V),
    ("count", "how many instances are we paying for on lambda", "number",
     f"SELECT count(DISTINCT ResourceId) FROM costs WHERE {LAMBDA}", V),
    ("count", "how many models did we use in june", "number",
     f"SELECT count(DISTINCT {MODEL}) FROM costs WHERE {V_JUN} AND {TOKENS}", V),
    # ambiguous, with a natural reading Billy must state
    ("ambiguous", "spend last week", "number", cost(between("2027-07-05", "2027-07-12")), V),
    ("ambiguous", "how did the blade team do in may", "number", cost(V_MAY, tag("crew", "blade-eng")), V),
    ("ambiguous", "how much did we spend on tokens in june", "number", cost(V_JUN, TOKENS), V),
    ("ambiguous", "what did test cost us in may", "number", cost(V_MAY, tag("tier", "test")), V),
    # unanswerable: no figure
    ("none", "whats our gross margin on the havvind-nord contract", "none", "", V),
    ("none", "how much revenue did work-order-summary bring in in june", "none", "", V),
    ("none", "ai cost per technician last month", "none", "", V),
    ("none", "what did we spend in august", "none", "", V),
    ("none", "how much did the cable crew spend in june", "none", "", V),
    ("none", "what did havvind-syd cost us in may", "none", "", V),
    ("none", "how much did we spend on azure in june", "none", "", V),
    ("none", "cost by the project tag for may", "none", "", V),
    ("none", "profit per turbine serviced in q2", "none", "", V),
    ("none", "how many turbines did we service in june", "none", "", V),
    ("none", "what was our spend in january", "none", "", V),
    ("none", "how much did claude cost us in april", "none", "", V),
    ("none", "whats the roi of blade-vision", "none", "", V),
    ("none", "carbon footprint of our gpu usage in may", "none", "", V),
    ("none", "cost per vessel trip for weather window", "none", "", V),
    ("none", "how much did our commitment save us in june", "none", "", V),
    ("none", "how much do we pay the planning team in salaries", "none", "", V),
    ("none", "what did skovlund-energi and vestas-service cost in june", "none", "", V),
    ("none", "gemini-3-ultra spend in june", "none", "", V),
    ("none", "whats the h100 utilisation in june", "none", "", V),
]  # fmt: skip

V_TOP_CREW_JUN = top_is(CREW, V_JUN)

VINDHAVN_THREADS = [
    ("crew-drill", [
        ("which crew cost the most in june?", "which", which(V_JUN, CREW)),
        ("how much was that?", "number", cost(V_JUN, V_TOP_CREW_JUN)),
        ("and in may?", "number", cost(V_MAY, V_TOP_CREW_JUN)),
    ]),
    ("cohere-models", [
        ("cohere spend in may", "number", cost(V_MAY, COHERE)),
        ("split it by model", "names", "command-a|embed-v4"),
        ("what part of that was command-a", "number", cost(V_MAY, f"{COHERE} AND {model_is('command-a')}")),
    ]),
    ("peak-why", [
        ("most expensive day in may?", "date", day(V_MAY)),
        ("why?", "names", "command-a"),
    ]),
    ("customer-top", [
        ("top customer in june?", "which", top_customer("2027-06-01", "2027-07-01")),
        ("what did they cost per request?", "number", of_top("sum(c) / sum(r)", "2027-06-01", "2027-07-01")),
    ]),
    ("lambda-gpu", [
        ("what did lambda cost in june", "number", cost(V_JUN, LAMBDA)),
        ("how busy were its gpus", "number", gpu_util("2027-06-01", "2027-07-01", "true")),
        ("and the a100 alone?", "number", gpu_util("2027-06-01", "2027-07-01", A100)),
    ]),
    ("unknown-end", [
        ("planning costs in april", "number", cost(V_APR, tag("crew", "planning"))),
        ("what about the cable crew?", "none", ""),
    ]),
    ("week-before", [
        ("what did we spend between june 7 and june 13", "number", cost(between("2027-06-07", "2027-06-14"))),
        ("what about the week before", "number", cost(between("2027-05-31", "2027-06-07"))),
    ]),
    ("test-env", [
        ("how much was test in june", "number", cost(V_JUN, tag("tier", "test"))),
        ("which model was it", "which", which(V_JUN, MODEL, f"{tag('tier', 'test')} AND {TOKENS}")),
        ("and how much did that model cost in march", "number", cost(V_MAR, model_is("deepseek-v3.1"))),
    ]),
]  # fmt: skip

# ------------------------------------------------------------------------------------------ Sable Ridge Resorts

S = "2027-03-10"  # a Wednesday; the data ends the day before
S_NOV = between("2026-11-01", "2026-12-01")
S_DEC = between("2026-12-01", "2027-01-01")
S_JAN = between("2027-01-01", "2027-02-01")
S_FEB = between("2027-02-01", "2027-03-01")
S_MAR = between("2027-03-01", "2027-03-10")
OPENAI = "ProviderName = 'OpenAI'"
ANTHROPIC = "ProviderName = 'Anthropic'"
GCP = "ProviderName = 'Google Cloud'"
AZURE = "ProviderName = 'Microsoft'"
AWS = "ProviderName = 'Amazon Web Services'"
DEPT = "Tags->>'dept'"
WORKLOAD = "Tags->>'workload'"
P4D = "instance_id = 'i-0b22d4deadbe02'"
G6E = "instance_id = 'i-0a11e6c0ffee01'"
PTU = "ptu-concierge"

SABLE_QUESTIONS = [
    # month-end landing
    ("landing", "what's march gonna land at?", "landing", cost(S_MAR), S),
    ("landing", "month end estimate for march pls", "landing", cost(S_MAR), S),
    # figures
    ("total", "total spend in january", "number", cost(S_JAN), S),
    ("provider", "how much did we spend in december on openai", "number", cost(S_DEC, OPENAI), S),
    ("provider", "gcp spend last month", "number", cost(S_FEB, GCP), S),
    ("provider", "what did anthropic run us in dec", "number", cost(S_DEC, ANTHROPIC), S),
    ("invoice", "aws bill for february", "number", cost(S_FEB, AWS, "BilledCost"), S),
    ("invoice", "our microsoft invoice for november?", "number", cost(S_NOV, AZURE, "BilledCost"), S),
    ("team", "what did guest experience spend in february", "number", cost(S_FEB, tag("dept", "guest-experience")), S),
    ("team", "mountain ops costs in jan", "number", cost(S_JAN, tag("dept", "mountain-ops")), S),
    ("team", "marketing spend in december?", "number", cost(S_DEC, tag("dept", "marketing")), S),
    ("feature", "lift pricing cost in january", "number", cost(S_JAN, tag("workload", "lift-pricing")), S),
    ("feature", "cost of snowmaking advisor in feb", "number", cost(S_FEB, tag("workload", "snowmaking-advisor")), S),
    ("model", "gpt-5 spend in jan", "number", cost(S_JAN, model_is("gpt-5")), S),
    ("model", "how much did gpt-5-mini cost in feb", "number", cost(S_FEB, model_is("gpt-5-mini")), S),
    ("model", "how much did gpt-4o cost in january", "number", cost(S_JAN, f"{ANY_MODEL} = 'gpt-4o'"), S),
    ("env", "dev spend in january", "number", cost(S_JAN, tag("env", "dev")), S),
    # shares
    ("share", "what % of jan was aws", "number", share(S_JAN, AWS), S),
    ("share", "share of february spend from guest experience", "number",
     share(S_FEB, tag("dept", "guest-experience")), S),
    ("share", "how much of openai in dec was gpt-5-mini, %", "number", share(S_DEC, model_is("gpt-5-mini"), OPENAI), S),
    # rankings and breakdowns
    ("which", "which dept spent most in jan", "which", which(S_JAN, DEPT), S),
    ("which", "top workload in february", "which", which(S_FEB, WORKLOAD), S),
    ("which", "cheapest provider in december", "which", which(S_DEC, "ProviderName", desc=False), S),
    ("which", "which model cost the most in feb", "which", which(S_FEB, ANY_MODEL), S),
    ("breakdown", "february costs broken down by provider", "names",
     "OpenAI|Anthropic|Google Cloud|Microsoft|Amazon Web Services", S),
    ("breakdown", "january broken down by dept", "names", "guest-experience|pricing|mountain-ops|marketing", S),
    # changes
    ("change", "how much did openai change dec to jan", "number", change(S_JAN, S_DEC, OPENAI), S),
    ("change", "% change in total spend jan vs feb", "number", pct(S_FEB, S_JAN), S),
    ("change", "did aws go up from december to february?", "number", change(S_FEB, S_DEC, AWS), S),
    # days
    ("day", "most expensive day in december", "date", day(S_DEC), S),
    ("why", "why was dec 27 so expensive", "names", "gpt-5-mini", S),
    ("why", "what went wrong between dec 26 and dec 28", "names", "gpt-5-mini", S),
    ("anomaly", "any anomalies in december?", "date", "SELECT DATE '2026-12-27'", S),
    # unit costs from telemetry
    ("unit", "cost per 1k requests for concierge chat in jan", "number",
     feature_per_request("2027-01-01", "2027-02-01", "workload", "concierge-chat", 1000), S),
    ("unit", "cost per thousand requests for elk hollow in feb", "number",
     customer_per_request("2027-02-01", "2027-03-01", "elk-hollow", 1000), S),
    # customers
    ("customer", "what did granite-basin cost us in jan", "number",
     customer_cost("2027-01-01", "2027-02-01", "granite-basin"), S),
    ("customer", "which resort cost us the most in feb", "which", top_customer("2027-02-01", "2027-03-01"), S),
    ("count", "how many customers are in telemetry", "number", CUSTOMERS, S),
    # GPUs
    ("gpu", "gpu utilization on the p4d in feb", "number", gpu_util("2027-02-01", "2027-03-01", P4D), S),
    ("gpu", "how busy was the lift cam box in jan", "number", gpu_util("2027-01-01", "2027-02-01", G6E), S),
    ("count", "how many gpus do we have", "number", GPUS, S),
    ("count", "how many of our gpu instances were idle in february", "number",
     _idle_instances("2027-02-01", "2027-03-01"), S),
    ("gpu", "what did the idle p4d cost us in feb", "number", cost(S_FEB, "ResourceName = 'demand-train-p4d'"), S),
    # commitment what-ifs
    ("commitment", "what would the ptu have cost on payg in january", "number", commitment_payg(S_JAN, PTU), S),
    ("commitment", "how much did the ptu save us in jan", "number", _saved(S_JAN, PTU), S),
    ("commitment", "how much of the ptu was unused in feb", "number", unused(S_FEB, PTU), S),
    # ambiguous, with a natural reading Billy must state
    ("ambiguous", "spend last week", "number", cost(between("2027-03-01", "2027-03-08")), S),
    ("ambiguous", "what did ops spend in january", "number", cost(S_JAN, tag("dept", "mountain-ops")), S),
    ("ambiguous", "how much did the gpus cost in jan", "number",
     cost(S_JAN, "ServiceName = 'Amazon Elastic Compute Cloud'"), S),
    ("ambiguous", "what's pricing spending in feb", "number", cost(S_FEB, tag("dept", "pricing")), S),
    # unanswerable: no figure
    ("none", "what's our revenue per skier day", "none", "", S),
    ("none", "ebitda impact of ai this season", "none", "", S),
    ("none", "ai spend per lift operator in jan", "none", "", S),
    ("none", "what did we actually spend in april", "none", "", S),
    ("none", "how much did the ski school team spend in feb", "none", "", S),
    ("none", "what did elk-ridge cost us in jan", "none", "", S),
    ("none", "how much did we spend on oracle cloud in jan", "none", "", S),
    ("none", "spend by cost_center tag for february", "none", "", S),
    ("none", "profit margin on the concierge chat", "none", "", S),
    ("none", "how many lift tickets did lift-pricing sell in jan", "none", "", S),
    ("none", "what did we spend in october 2026", "none", "", S),
    ("none", "mistral costs in december", "none", "", S),
    ("none", "llama spend in feb", "none", "", S),
    ("none", "whats the h100 utilisation", "none", "", S),
    ("none", "carbon emissions from our aws gpus", "none", "", S),
    ("none", "what did granite-basin and aspen-glen cost in feb", "none", "", S),
    ("none", "cost per skier for concierge chat in jan", "none", "", S),
    ("none", "what did gpt-5-nano cost in jan", "none", "", S),
    ("none", "headcount in marketing?", "none", "", S),
]  # fmt: skip

S_TOP_DEPT_JAN = top_is(DEPT, S_JAN)

SABLE_THREADS = [
    ("dept-drill", [
        ("which dept spent the most in jan?", "which", which(S_JAN, DEPT)),
        ("what part of that came from openai", "number", cost(S_JAN, f"{S_TOP_DEPT_JAN} AND {OPENAI}")),
        ("and from microsoft?", "number", cost(S_JAN, f"{S_TOP_DEPT_JAN} AND {AZURE}")),
    ]),
    ("aws-gpu", [
        ("aws spend in feb", "number", cost(S_FEB, AWS)),
        ("how busy were the gpus", "number", gpu_util("2027-02-01", "2027-03-01", "true")),
        ("which instance was idle", "names", "p4d"),
    ]),
    ("ptu", [
        ("what did ptu-concierge cost in jan", "number", cost(S_JAN, f"ResourceName = '{PTU}'")),
        ("what would that have been on payg", "number", commitment_payg(S_JAN, PTU)),
        ("and how much of it was unused", "number", unused(S_JAN, PTU)),
    ]),
    ("peak-why", [
        ("priciest day in december?", "date", day(S_DEC)),
        ("why?", "names", "gpt-5-mini"),
    ]),
    ("customer-top", [
        ("which customer cost the most in feb?", "which", top_customer("2027-02-01", "2027-03-01")),
        ("whats their cost per 1k requests", "number", of_top("sum(c) / sum(r) * 1000", "2027-02-01", "2027-03-01")),
    ]),
    ("unknown-end", [
        ("marketing spend in dec", "number", cost(S_DEC, tag("dept", "marketing"))),
        ("what about the ski patrol team?", "none", ""),
    ]),
    ("month-compare", [
        ("openai spend in january", "number", cost(S_JAN, OPENAI)),
        ("split it by model", "names", "gpt-5-mini|gpt-5"),
        ("what about the month before", "number", cost(S_DEC, OPENAI)),
    ]),
    ("share-follow", [
        ("how much did guest experience spend in feb", "number", cost(S_FEB, tag("dept", "guest-experience"))),
        ("what share of the total is that", "number", share(S_FEB, tag("dept", "guest-experience"))),
    ]),
]  # fmt: skip

# first-score failures not fixed (question or thread name -> cause), filled in after the first run; each declines
# with no figure
VINDHAVN_MISSES: dict[str, str] = {}
SABLE_MISSES: dict[str, str] = {}


class _Round18(ThreadedRound):
    """The round's companies (known misses, with their causes, in MISSES)."""


class TestVindhavnService(_Round18):
    AS_OF = V
    CURRENCY = "DKK"
    QUESTIONS = VINDHAVN_QUESTIONS
    THREADS = VINDHAVN_THREADS
    MISSES = VINDHAVN_MISSES

    def build(self, folder: Path) -> Store:
        return round_store(folder, build_vindhavn(folder), "vindhavn")


class TestSableRidgeResorts(_Round18):
    AS_OF = S
    CURRENCY = "USD"
    QUESTIONS = SABLE_QUESTIONS
    THREADS = SABLE_THREADS
    MISSES = SABLE_MISSES

    def build(self, folder: Path) -> Store:
        return round_store(folder, build_sableridge(folder), "sableridge")
