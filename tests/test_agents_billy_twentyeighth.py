"""Billy's twenty-eighth blind round: two new companies, with questions and threads written before reading the
planner's code, in the hidden battery's manner: short, sloppy Slack wording with typos ("mnth", "spnd", "pls",
"wks", "utilisation"), relative dates ("last 2 wks", "qtd", "since the 1st", "yday", "past 10 days"), two
dimensions in one question ("corporate's anthropic spend", "johor openai cost"), follow-ups ("and the month
before?", "why?", "which matter drove it", "just prod", "in %?"), unit costs (per 1M tokens, per 1k requests, per
request of a client), forecasts, budgets in the question, what-ifs (a model swap, a price change, a usage cut), run
rates, top / smallest, shares of total, and about a fifth of questions Billy must answer with no figure (a name
misspelt or that does not exist, data the store lacks: latency, headcount, revenue, shipments; months before the
data or not yet come; a name that matches two values: both shown or a question asked):
- Juridica Labs (tests/fixtures/billy/juridica.py, RON): a Bucharest legal-tech firm on Anthropic, OpenAI, Azure
  OpenAI, Vertex AI (one model untagged) and Bedrock; keys practice_area / matter / stage; the practice area
  'litigation' renamed 'disputes' on 2027-03-01 (spend under both names); telemetry clients for contract-review;
  no GPUs, no commitment ("today" 2027-05-06);
- Selat Freight (tests/fixtures/billy/selat.py, MYR): a Kuala Lumpur logistics company on Bedrock (Haiku on demand
  plus a provisioned-throughput commitment, Sonnet), OpenAI (gpt-5-mini; gpt-5 only in the last 10 days), Azure
  OpenAI, Vertex AI and two EC2 GPU boxes; keys depot / lane / env; no telemetry ("today" 2027-08-12).
Each answerable question's expected answer is hand-written SQL over the imported rows (never Billy's operations);
an unanswerable one ("none") passes only when Billy states no figure; a name matching two values ("names") passes
when both are named. An answer about a bill in lei or ringgit that shows a bare '$' figure fails.
docs/performance.md ("Billy blind round 28") records the first scores; MISSES holds each first-score failure not
fixed, with its cause seen from outside (strict xfail).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from billy_harness import (
    ANY_MODEL,
    CUSTOMERS,
    GPUS,
    MODEL,
    TOKENS,
    ThreadedRound,
    between,
    change,
    cost,
    customer_per_request,
    date_answer,
    day,
    feature_per_request,
    gpu_util,
    model_is,
    of_top,
    pct,
    round_store,
    saved,
    share,
    tag,
    top_customer,
    top_is,
    unused,
    which,
)
from billy_harness import avg_monthly_sql as _avg_monthly
from billy_harness import daily as _daily
from billy_harness import drove_sql as _drove
from billy_harness import idle_gpu_cost_sql as _idle_gpu_cost
from billy_harness import part_sql as _part
from billy_harness import pytest_generate_tests as _round_params
from billy_harness import scaled_sql as _scaled
from billy_harness import swap_sql as _swap
from billy_harness import tokens_all_sql as _tokens_all
from billy_harness import tokens_of as _tokens
from billy_harness import unit_sql as _unit
from fixtures.billy.juridica import build as build_juridica
from fixtures.billy.selat import build as build_selat
from spendscope.data.store import Store

UNTAGGED = "(Tags IS NULL OR Tags::VARCHAR IN ('', '{}'))"
ANTH = "ProviderName = 'Anthropic'"
OPENAI = "ProviderName = 'OpenAI'"
AWS = "ProviderName = 'Amazon Web Services'"
GOOGLE = "ProviderName = 'Google Cloud'"
AZ = "ServiceName = 'Azure OpenAI'"
VX = "ServiceName = 'Vertex AI'"
BEDROCK = "ServiceName = 'Amazon Bedrock'"
EC2 = "ServiceName = 'Amazon EC2'"

# ------------------------------------------------------------------------------------------ Juridica Labs

J = "2027-05-06"  # a Thursday; the data ends the day before and starts 2026-11-09
J_DEC = between("2026-12-01", "2027-01-01")
J_JAN = between("2027-01-01", "2027-02-01")
J_FEB = between("2027-02-01", "2027-03-01")
J_MAR = between("2027-03-01", "2027-04-01")
J_APR = between("2027-04-01", "2027-05-01")
J_MAY = between("2027-05-01", "2027-05-06")  # this month so far
J_Q4 = between("2026-10-01", "2027-01-01")
J_Q1 = between("2027-01-01", "2027-04-01")
J_QTD = between("2027-04-01", "2027-05-06")
J_YTD = between("2027-01-01", "2027-05-06")
J_14D = between("2027-04-22", "2027-05-06")
J_LASTWK = between("2027-04-26", "2027-05-03")
J_YDAY = between("2027-05-05", "2027-05-06")
PA = "Tags->>'practice_area'"
MATTER = "Tags->>'matter'"
SONNET = model_is("claude-sonnet-4-5")


def _pa(v: str) -> str:
    return tag("practice_area", v)


def _matter(v: str) -> str:
    return tag("matter", v)


def _stage(v: str) -> str:
    return tag("stage", v)


JURIDICA_QUESTIONS = [
    ("total", "what did we spend in april", "number", cost(J_APR), J),
    ("total", "spend since the 1st?", "number", cost(J_MAY), J),
    ("total", "q1 total pls", "number", cost(J_Q1), J),
    ("total", "qtd spend", "number", cost(J_QTD), J),
    ("total", "spnd last 2 wks", "number", cost(J_14D), J),
    ("total", "how much did we burn yday", "number", cost(J_YDAY), J),
    ("total", "total for feb 2027", "number", cost(J_FEB), J),
    ("total", "spend from mar 3 to mar 16", "number", cost(between("2027-03-03", "2027-03-17")), J),
    ("total", "whats the ytd number", "number", cost(J_YTD), J),
    ("total", "last weeks spend", "number", cost(J_LASTWK), J),
    ("provider", "anthropic spend last mnth", "number", cost(J_APR, ANTH), J),
    ("provider", "how much went to openai in q1", "number", cost(J_Q1, OPENAI), J),
    ("provider", "azure openai cost qtd", "number", cost(J_QTD, AZ), J),
    ("provider", "bedrock spend in march", "number", cost(J_MAR, BEDROCK), J),
    ("provider", "vertex spend since the 1st", "number", cost(J_MAY, VX), J),
    ("provider", "biggest provider last quarter", "which", which(J_Q1, "ProviderName"), J),
    ("provider", "smallest provider by spend in april", "which", which(J_APR, "ProviderName", desc=False), J),
    ("model", "sonnet spend in april", "number", cost(J_APR, SONNET), J),
    ("model", "gpt-4.1 cost ytd", "number", cost(J_YTD, model_is("gpt-4.1")), J),
    ("model", "gemini pro spend last month", "number", cost(J_APR, model_is("gemini-2.5-pro")), J),
    ("model", "how many tokens did haiku use in march", "number", _tokens_all(J_MAR, "claude-haiku-4-5"), J),
    ("model", "4o-mini output tokens last mnth", "number", _tokens(J_APR, "gpt-4o-mini", "output"), J),
    ("model", "top 3 models by spend in q1", "which", which(J_Q1, MODEL, TOKENS), J),
    ("model", "cheapest model last month", "which", which(J_APR, MODEL, TOKENS, desc=False), J),
    ("unit", "gpt-4.1 cost per 1m tokens in april", "number", _unit(J_APR, model_is("gpt-4.1")), J),
    ("unit", "blended cost per million tokens qtd", "number", _unit(J_QTD, "true"), J),
    ("unit", "sonnet cost per 1m input tokens last month", "number", _unit(J_APR, SONNET, "input"), J),
    ("unit", "cost per 1k requests for contract-review in april", "number",
     feature_per_request("2027-04-01", "2027-05-01", "matter", "contract-review", 1000), J),
    ("unit", "cost per request for dacia-energy last month", "number",
     customer_per_request("2027-04-01", "2027-05-01", "dacia-energy"), J),
    ("customer", "which client cost us the most in q1", "which", top_customer("2027-01-01", "2027-04-01"), J),
    ("customer", "how many clients show up in telemetry", "number", CUSTOMERS, J),
    ("practice", "corporate practice spend last month", "number", cost(J_APR, _pa("corporate")), J),
    ("practice", "which practice area spent most in april", "which", which(J_APR, PA), J),
    ("practice", "client services cost in q1", "number", cost(J_Q1, _pa("client-services")), J),
    ("practice", "disputes spend last month", "number", cost(J_APR, _pa("disputes")), J),
    ("practice", "litigation spend in jan", "number", cost(J_JAN, _pa("litigation")), J),
    ("practice", "ip practice spend on bedrock in march", "number", cost(J_MAR, f"{_pa('ip')} AND {BEDROCK}"), J),
    ("practice", "corporate's anthropic spend last month", "number", cost(J_APR, f"{_pa('corporate')} AND {ANTH}"), J),
    ("practice", "split q1 by practice area", "which", which(J_Q1, PA), J),
    ("matter", "ediscovery spend in feb", "number", cost(J_FEB, _matter("ediscovery")), J),
    ("matter", "contract review spend last month", "number", cost(J_APR, _matter("contract-review")), J),
    ("matter", "brief drafting cost qtd", "number", cost(J_QTD, _matter("brief-drafting")), J),
    ("matter", "intake-bot spend in march", "number", cost(J_MAR, _matter("intake-bot")), J),
    ("matter", "which matter cost the most ytd", "which", which(J_YTD, MATTER), J),
    ("matter", "patent-search haiku spend last month", "number",
     cost(J_APR, f"{_matter('patent-search')} AND {model_is('claude-haiku-4-5')}"), J),
    ("matter", "least expensive matter last mnth", "which", which(J_APR, MATTER, desc=False), J),
    ("stage", "pilot spend in april", "number", cost(J_APR, _stage("pilot")), J),
    ("stage", "how much is live costing us this month", "number", cost(J_MAY, _stage("live")), J),
    ("untagged", "how much spend had no tags last month", "number", cost(J_APR, UNTAGGED), J),
    ("untagged", "what % of april spend is untagged", "number", share(J_APR, UNTAGGED), J),
    ("whatif", "if we swapped sonnet for haiku last month how much would we save", "number",
     _swap(J_APR, "claude-sonnet-4-5", "4.6", "23"), J),
    ("whatif", "what if openai put prices up 20%, what would april have cost", "number",
     _scaled(J_APR, OPENAI, "1.2"), J),
    ("whatif", "what if the intake bot used 30% fewer tokens, how much saved in april", "number",
     _part(J_APR, _matter("intake-bot"), "0.3"), J),
    ("whatif", "if gemini pro was half the price what would q1 have cost", "number",
     _scaled(J_Q1, model_is("gemini-2.5-pro"), "0.5"), J),
    ("share", "what share of april was anthropic", "number", share(J_APR, ANTH), J),
    ("share", "ediscovery as % of q1 total", "number", share(J_Q1, _matter("ediscovery")), J),
    ("share", "what % of corporate spend in april was openai", "number", share(J_APR, OPENAI, _pa("corporate")), J),
    ("compare", "april vs march spend diff", "number", change(J_APR, J_MAR), J),
    ("compare", "% change in vertex spend apr vs mar", "number", pct(J_APR, J_MAR, VX), J),
    ("compare", "how much more did we spend in q1 than q4", "number", change(J_Q1, J_Q4), J),
    ("compare", "sonnet vs gpt-4.1 in march which cost more", "which",
     which(J_MAR, MODEL, f"{MODEL} IN ('claude-sonnet-4-5', 'gpt-4.1')"), J),
    ("top", "most expensive day in feb", "date", day(J_FEB), J),
    ("top", "cheapest day last month", "date", day(J_APR, desc=False), J),
    ("forecast", "where will may land", "landing", cost(J_MAY), J),
    ("forecast", "eom projection pls", "landing", cost(J_MAY), J),
    ("forecast", "budget is 45k lei for may, will we make it", "landing", cost(J_MAY), J),
    ("burn", "avg daily spend in april", "number", _daily(J_APR, 30), J),
    ("burn", "daily burn last 2 wks", "number", _daily(J_14D, 14), J),
    ("burn", "monthly run rate based on q1", "number", _avg_monthly(J_Q1, 3), J),
    # no figure: names misspelt or absent, data the store does not hold, a name matching two values
    ("none", "how much did the tax practice spend last month", "none", "", J),
    ("none", "contrct-review cost in april", "none", "", J),
    ("none", "spend for client petrom-gas last month", "none", "", J),
    ("none", "mistral spend in q1", "none", "", J),
    ("none", "gpu spend last month", "none", "", J),
    ("none", "commitment waste in april", "none", "", J),
    ("none", "whats the p95 latency on the intake bot", "none", "", J),
    ("none", "cost per lawyer last month", "none", "", J),
    ("none", "revenue per matter in q1", "none", "", J),
    ("none", "spend in oct 2026", "none", "", J),
    ("none", "spend in july 2027", "none", "", J),
    ("none", "staging spend last mnth", "none", "", J),
    ("none", "gpt-5 cost in april", "none", "", J),
    ("none", "are we over budget", "none", "", J),
    ("none", "how much did ediscovry cost in march", "none", "", J),
    ("none", "bedrock sonnet spend last month", "nopair", "", J),
    ("none", "contract spend in april", "names", "contract-review|contract-drafting", J),
]  # fmt: skip

JURIDICA_THREADS = [
    ("j-matter", [
        ("which matter cost most in q1", "which", which(J_Q1, MATTER)),
        ("how much was it", "number", cost(J_Q1, top_is(MATTER, J_Q1))),
        ("and the quarter before?", "number", cost(J_Q4, top_is(MATTER, J_Q1))),
    ]),
    ("j-spike", [
        ("priciest day in feb", "date", date_answer("2027-02-16")),
        ("why?", "names", "gemini"),
        ("which matter drove it", "which", _drove("2027-02-16", "2027-02-15", MATTER)),
    ]),
    ("j-openai", [
        ("openai spend last month", "number", cost(J_APR, OPENAI)),
        ("and the month before?", "number", cost(J_MAR, OPENAI)),
        ("in %?", "number", pct(J_APR, J_MAR, OPENAI)),
    ]),
    ("j-corp", [
        ("corporate spend in april", "number", cost(J_APR, _pa("corporate"))),
        ("just anthropic", "number", cost(J_APR, f"{_pa('corporate')} AND {ANTH}")),
        ("what share of corporate is that", "number", share(J_APR, ANTH, _pa("corporate"))),
    ]),
    ("j-client", [
        ("which client cost the most last month", "which", top_customer("2027-04-01", "2027-05-01")),
        ("whats their cost per request", "number", of_top("sum(c) / sum(r)", "2027-04-01", "2027-05-01")),
    ]),
    ("j-disputes", [
        ("disputes spend in march", "number", cost(J_MAR, _pa("disputes"))),
        ("and april?", "number", cost(J_APR, _pa("disputes"))),
        ("which provider was most of it", "which", which(J_APR, "ProviderName", _pa("disputes"))),
    ]),
]  # fmt: skip

# ------------------------------------------------------------------------------------------ Selat Freight

S = "2027-08-12"  # a Thursday; the data ends the day before and starts 2027-02-15
S_MAY = between("2027-05-01", "2027-06-01")
S_JUN = between("2027-06-01", "2027-07-01")
S_JUL = between("2027-07-01", "2027-08-01")
S_AUG = between("2027-08-01", "2027-08-12")  # this month so far
S_Q2 = between("2027-04-01", "2027-07-01")
S_QTD = between("2027-07-01", "2027-08-12")
S_YTD = between("2027-01-01", "2027-08-12")
S_14D = between("2027-07-29", "2027-08-12")
S_10D = between("2027-08-02", "2027-08-12")
S_LASTWK = between("2027-08-02", "2027-08-09")
S_YDAY = between("2027-08-11", "2027-08-12")
DEPOT = "Tags->>'depot'"
LANE = "Tags->>'lane'"
PT = "pt-haiku-customs"
PT_ROWS = f"ResourceName = '{PT}'"
L4 = "ResourceId = 'sf-l4-route-01'"
HAIKU = f"{ANY_MODEL} = 'claude-haiku-4-5'"
GPT5 = model_is("gpt-5")


def _depot(v: str) -> str:
    return tag("depot", v)


def _lane(v: str) -> str:
    return tag("lane", v)


def _env(v: str) -> str:
    return tag("env", v)


SELAT_QUESTIONS = [
    ("total", "jul spend?", "number", cost(S_JUL), S),
    ("total", "mtd spend pls", "number", cost(S_AUG), S),
    ("total", "last qtr total", "number", cost(S_Q2), S),
    ("total", "spend this quarter so far", "number", cost(S_QTD), S),
    ("total", "yday spend", "number", cost(S_YDAY), S),
    ("total", "how much did we spend last wk", "number", cost(S_LASTWK), S),
    ("total", "past 10 days spend", "number", cost(S_10D), S),
    ("total", "spend ytd", "number", cost(S_YTD), S),
    ("total", "total in may", "number", cost(S_MAY), S),
    ("total", "spend between jun 1 and jun 15", "number", cost(between("2027-06-01", "2027-06-16")), S),
    ("provider", "aws spend last month", "number", cost(S_JUL, AWS), S),
    ("provider", "openai cost mtd", "number", cost(S_AUG, OPENAI), S),
    ("provider", "how much on azure in q2", "number", cost(S_Q2, AZ), S),
    ("provider", "google cloud spend in june", "number", cost(S_JUN, GOOGLE), S),
    ("provider", "which provider cost the most ytd", "which", which(S_YTD, "ProviderName"), S),
    ("provider", "cheapest provider last month", "which", which(S_JUL, "ProviderName", desc=False), S),
    ("model", "haiku spend in july", "number", cost(S_JUL, HAIKU), S),
    ("model", "gpt-5 spend this month", "number", cost(S_AUG, GPT5), S),
    ("model", "when did we start using gpt-5", "date", date_answer("2027-08-02"), S),
    ("model", "gpt-5 daily burn since it started", "number", _daily(S_10D, 10, GPT5), S),
    ("model", "gpt-5-mini cost last month", "number", cost(S_JUL, model_is("gpt-5-mini")), S),
    ("model", "4.1 mini output tokens in june", "number", _tokens(S_JUN, "gpt-4.1-mini", "output"), S),
    ("model", "top model by spend last qtr", "which", which(S_Q2, ANY_MODEL), S),
    ("model", "sonnet vs gpt-5-mini in july, which was more", "which",
     which(S_JUL, MODEL, f"{MODEL} IN ('claude-sonnet-4-5', 'gpt-5-mini')"), S),
    ("unit", "cost per 1m tokens last month", "number", _unit(S_JUL, "true"), S),
    ("unit", "gpt-5-mini cost per million tokens mtd", "number", _unit(S_AUG, model_is("gpt-5-mini")), S),
    ("unit", "haiku cost per 1m tokens in june", "number", _unit(S_JUN, model_is("claude-haiku-4-5")), S),
    ("unit", "gemini flash per 1m output tokens q2", "number", _unit(S_Q2, model_is("gemini-2.5-flash"), "output"), S),
    ("depot", "port klang spend last month", "number", cost(S_JUL, _depot("port-klang")), S),
    ("depot", "which depot spent the most in q2", "which", which(S_Q2, DEPOT), S),
    ("depot", "penang gpu spend in july", "number", cost(S_JUL, f"{_depot('penang')} AND {EC2}"), S),
    ("depot", "johor openai cost this month", "number", cost(S_AUG, f"{_depot('johor')} AND {OPENAI}"), S),
    ("depot", "spend by depot mtd", "which", which(S_AUG, DEPOT), S),
    ("lane", "customs chat spend in june", "number", cost(S_JUN, _lane("customs-chat")), S),
    ("lane", "eta predict cost last month", "number", cost(S_JUL, _lane("eta-predict")), S),
    ("lane", "dispatch-bot spend past 10 days", "number", cost(S_10D, _lane("dispatch-bot")), S),
    ("lane", "which lane cost least in july", "which", which(S_JUL, LANE, desc=False), S),
    ("lane", "doc-scan bedrock spend in may", "number", cost(S_MAY, f"{_lane('doc-scan')} AND {BEDROCK}"), S),
    ("env", "sandbox spend last month", "number", cost(S_JUL, _env("sandbox")), S),
    ("env", "prod share of july spend", "number", share(S_JUL, _env("prod")), S),
    ("gpu", "how much did the l4 box cost last month", "number", cost(S_JUL, L4), S),
    ("gpu", "a10g utilisation in july", "number",
     gpu_util("2027-07-01", "2027-08-01", "instance_id = 'sf-a10g-ocr-02'"), S),
    ("gpu", "avg gpu util last month", "number", gpu_util("2027-07-01", "2027-08-01", "true"), S),
    ("gpu", "idle gpu cost in june", "number", _idle_gpu_cost("2027-06-01", "2027-07-01"), S),
    ("gpu", "gpu spend ytd", "number", cost(S_YTD, EC2), S),
    ("gpu", "how many gpus do we run", "number", GPUS, S),
    ("commitment", "what did the provisioned throughput cost in july", "number", cost(S_JUL, PT_ROWS), S),
    ("commitment", "how much of the commitment went unused last month", "number", unused(S_JUL, PT), S),
    ("commitment", "savings from the pt commitment in june", "number", saved(S_JUN, PT), S),
    ("whatif", "if we moved sonnet to haiku last month whats the saving", "number",
     _swap(S_JUL, "claude-sonnet-4-5", "4.4", "22"), S),
    ("whatif", "if azure prices went up 10% what would july have cost", "number", _scaled(S_JUL, AZ, "1.1"), S),
    ("whatif", "what if johor cut gpt-5-mini usage by 25%, how much saved in july", "number",
     _part(S_JUL, f"{_depot('johor')} AND {model_is('gpt-5-mini')}", "0.25"), S),
    ("share", "what % of july was gpus", "number", share(S_JUL, EC2), S),
    ("share", "bedrock share of spend qtd", "number", share(S_QTD, BEDROCK), S),
    ("compare", "jul vs jun spend change", "number", change(S_JUL, S_JUN), S),
    ("compare", "% change in openai spend jul vs jun", "number", pct(S_JUL, S_JUN, OPENAI), S),
    ("compare", "how much more did we spend in june than may", "number", change(S_JUN, S_MAY), S),
    ("top", "most expensive day in june", "date", day(S_JUN), S),
    ("top", "cheapest day mtd", "date", day(S_AUG, desc=False), S),
    ("forecast", "where will aug land", "landing", cost(S_AUG), S),
    ("forecast", "projected spend for this month", "landing", cost(S_AUG), S),
    ("forecast", "we have a 55k ringgit budget for august, on track?", "landing", cost(S_AUG), S),
    ("burn", "avg daily spend last mnth", "number", _daily(S_JUL, 31), S),
    ("burn", "burn rate past 14 days", "number", _daily(S_14D, 14), S),
    ("burn", "monthly run rate over q2", "number", _avg_monthly(S_Q2, 3), S),
    # no figure: names misspelt or absent, data the store does not hold, a pair no row carries
    ("none", "kuching depot spend last month", "none", "", S),
    ("none", "penag spend in july", "none", "", S),
    ("none", "cost per shipment last month", "none", "", S),
    ("none", "which customer costs the most", "none", "", S),
    ("none", "cost per employee in july", "none", "", S),
    ("none", "h100 spend in june", "none", "", S),
    ("none", "mistral spend ytd", "none", "", S),
    ("none", "spend in jan 2027", "none", "", S),
    ("none", "spend in september", "none", "", S),
    ("none", "staging env spend", "none", "", S),
    ("none", "latency of the dispatch-bot last week", "none", "", S),
    ("none", "gpt-4o spend in july", "none", "", S),
    ("none", "are we under budget this month", "none", "", S),
    ("none", "eta-predct spend in june", "none", "", S),
    ("none", "cost per request for dispatch-bot", "none", "", S),
    ("none", "gemini on azure cost last month", "nopair", "", S),
]  # fmt: skip

SELAT_THREADS = [
    ("s-spike", [
        ("priciest day in june", "date", date_answer("2027-06-09")),
        ("why?", "names", "gpt-4.1-mini"),
        ("which depot drove it", "which", _drove("2027-06-09", "2027-06-08", DEPOT)),
    ]),
    ("s-gpt5", [
        ("gpt-5 spend mtd", "number", cost(S_AUG, GPT5)),
        ("what share of openai is that", "number", share(S_AUG, GPT5, OPENAI)),
        ("and its cost per 1m tokens?", "number", _unit(S_AUG, GPT5)),
    ]),
    ("s-depot", [
        ("which depot cost most last month", "which", which(S_JUL, DEPOT)),
        ("how much", "number", cost(S_JUL, top_is(DEPOT, S_JUL))),
        ("and the month before?", "number", cost(S_JUN, top_is(DEPOT, S_JUL))),
    ]),
    ("s-aws", [
        ("aws spend in june", "number", cost(S_JUN, AWS)),
        ("just prod", "number", cost(S_JUN, f"{AWS} AND {_env('prod')}")),
        ("and the month before?", "number", cost(S_MAY, f"{AWS} AND {_env('prod')}")),
    ]),
    ("s-lane", [
        ("which lane spent most in q2", "which", which(S_Q2, LANE)),
        ("which provider was most of it", "which", which(S_Q2, "ProviderName", top_is(LANE, S_Q2))),
    ]),
    ("s-pt", [
        ("commitment cost in june", "number", cost(S_JUN, PT_ROWS)),
        ("how much was wasted", "number", unused(S_JUN, PT)),
        ("and in may?", "number", unused(S_MAY, PT)),
    ]),
    ("s-vertex", [
        ("vertex spend last month", "number", cost(S_JUL, VX)),
        ("and the month before?", "number", cost(S_JUN, VX)),
        ("in %?", "number", pct(S_JUL, S_JUN, VX)),
    ]),
]  # fmt: skip

JURIDICA_MISSES: dict[str, str] = {
    "how much did ediscovry cost in march": "a misspelt matter answered as 'ediscovery' (the match said), not "
    "suggested",
}
SELAT_MISSES: dict[str, str] = {}


class _Round28(ThreadedRound):
    """The round's companies (known misses, with their causes, in MISSES)."""


class TestJuridica(_Round28):
    AS_OF = J
    CURRENCY = "RON"
    QUESTIONS = JURIDICA_QUESTIONS
    THREADS = JURIDICA_THREADS
    MISSES = JURIDICA_MISSES

    def build(self, folder: Path) -> Store:
        return round_store(folder, build_juridica(folder), "juridica")


class TestSelat(_Round28):
    AS_OF = S
    CURRENCY = "MYR"
    QUESTIONS = SELAT_QUESTIONS
    THREADS = SELAT_THREADS
    MISSES = SELAT_MISSES

    def build(self, folder: Path) -> Store:
        return round_store(folder, build_selat(folder), "selat")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize the rounds' questions and threads (the harness; a known miss a strict xfail with its cause)."""
    _round_params(metafunc)
