"""Billy's twenty-second blind round: two new companies, with questions and threads written before reading the
planner's code and without reading earlier rounds' question tables, in the hidden battery's manner: short,
sloppy Slack wording with typos ("spnd", "wat", "anthrpic", "deepsek", "utilisaton"), relative dates ("last wk",
"mtd", "ytd", "q4 so far", "past 30 days", "last month vs the one before"), two dimensions in one question
("diszpecser's bedrock spend"), "top 3", comparisons of two named entities, shares, unit costs, forecasts,
what-ifs, GPU idle cost, commitment utilisation, three-turn threads with pronouns, and about eighteen
unanswerable questions per company that look answerable (a team or customer resembling a real one, a provider or
model never used, a GPU type not held, GPUs or a commitment at a company with none, months before the data, a
future month's actual, business metrics the store lacks):
- Kőhíd Fuvar (tests/fixtures/billy/kohid.py, HUF): a Hungarian road-freight and customs-brokerage company on
  Microsoft Azure OpenAI (gpt-4.1, gpt-4.1-mini and a provisioned-throughput commitment 'ptu-gpt41-fuvar'), AWS
  Bedrock (claude-sonnet-4-5, nova-lite in 'teszt'), Cohere and Lambda GPU boxes (1x GH200, 8x A100), Hungarian
  tag keys koltseghely/alkalmazas/kornyezet, no telemetry ("today" is 2028-03-09, March unfinished, the data
  starting on 2027-10-04, so the year turns inside the data);
- Yafo Shield (tests/fixtures/billy/yafo.py, ILS): an Israeli managed-security SaaS on OpenAI, Anthropic, Google
  Cloud Vertex AI (gemini-2.5-pro, and claude-haiku-4-5 in staging: Claude billed by two providers), DeepSeek and
  Mistral AI, PascalCase tag keys Squad/Workload/Tier with snake_case values, telemetry client tenants for
  soc_copilot, no GPUs, no commitment ("today" is 2028-11-14, November and Q4 unfinished, the data starting on
  2028-06-05).
Each answerable question's expected answer is hand-written SQL over the imported rows (never Billy's operations);
an unanswerable one ("none") passes only when Billy states no figure. Judged by billy_harness.judge; an answer
about a bill in forints or shekels that shows a bare '$' figure fails.

A separate block, scored on its own (TestReadings...), holds four readings found unfixed in the session before:
"openai direct spend" at a company with only Azure OpenAI, "whats the run rate", "claude vs gemini" and "what
will q4 be".
docs/performance.md ("Billy blind round 22") records the first scores; MISSES holds each first-score failure not
fixed, with its cause seen from outside (strict xfail).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from billy_harness import (
    ANY_MODEL,
    CUSTOMERS,
    GPUS,
    MODEL,
    TOKENS,
    BlindRound,
    ThreadedRound,
    between,
    change,
    cost,
    customer_cost,
    customer_per_request,
    day,
    ev_between,
    expected,
    feature_per_request,
    gpu_util,
    judged,
    model_is,
    of_top,
    pct,
    round_store,
    share,
    tag,
    top_customer,
    top_is,
    unused,
    which,
)
from billy_harness import daily as _daily
from billy_harness import diff_sql as _diff
from billy_harness import distinct_count as _count
from billy_harness import idle_gpu_cost_sql as _idle_gpu_cost
from billy_harness import pytest_generate_tests as _round_params
from billy_harness import saved as _saved
from billy_harness import tokens_of as _tokens
from billy_harness import unit_sql as _unit
from fixtures.billy.kohid import build as build_kohid
from fixtures.billy.yafo import build as build_yafo
from spendscope.agents.billy import ask
from spendscope.data.settings import Settings
from spendscope.data.store import Store

# ------------------------------------------------------------------------------------------ Kőhíd Fuvar

K = "2028-03-09"  # a Thursday; the data ends the day before
K_OCT = between("2027-10-01", "2027-11-01")
K_NOV = between("2027-11-01", "2027-12-01")
K_DEC = between("2027-12-01", "2028-01-01")
K_JAN = between("2028-01-01", "2028-02-01")
K_FEB = between("2028-02-01", "2028-03-01")
K_MAR = between("2028-03-01", "2028-03-09")
K_Q4 = between("2027-10-01", "2028-01-01")
K_YTD = between("2028-01-01", "2028-03-09")
K_ALL = between("2027-01-01", "2028-03-09")
K_LASTWK = between("2028-02-28", "2028-03-06")
K_WK_BEFORE = between("2028-02-21", "2028-02-28")
K_30D = between("2028-02-08", "2028-03-09")
K_SPIKE = between("2028-01-18", "2028-01-19")
TEAM = "Tags->>'koltseghely'"
APP = "Tags->>'alkalmazas'"
PTU = "ptu-gpt41-fuvar"
A100 = "ResourceId = 'lmb-8xa100-01'"
AZURE = "ServiceName = 'Azure OpenAI'"
BEDROCK = "ServiceName = 'Amazon Bedrock'"


def _team(v: str) -> str:
    return tag("koltseghely", v)


def _app(v: str) -> str:
    return tag("alkalmazas", v)


def _env(v: str) -> str:
    return tag("kornyezet", v)


def _ptu_used_pct(period: str) -> str:
    return (
        "SELECT sum(ConsumedQuantity) FILTER (WHERE CommitmentDiscountStatus = 'Used') / sum(ConsumedQuantity) * 100 "
        f"FROM costs WHERE {period} AND ResourceName = '{PTU}' AND CommitmentDiscountStatus IN ('Used', 'Unused')"
    )


SONNET_ON_NOVA = (
    f"SELECT sum(EffectiveCost) - (sum(ConsumedQuantity) FILTER (WHERE ChargeDescription LIKE '% input tokens') * 22 "
    f"+ sum(ConsumedQuantity) FILTER (WHERE ChargeDescription LIKE '% output tokens') * 86) / 1000000 FROM costs "
    f"WHERE {K_FEB} AND {model_is('claude-sonnet-4-5')}"
)

KOHID_QUESTIONS = [
    ("total", "how much did we spend last month", "number", cost(K_FEB), K),
    ("total", "total ai spnd mtd?", "number", cost(K_MAR), K),
    ("total", "ytd spend pls", "number", cost(K_YTD), K),
    ("total", "wat did q4 cost us", "number", cost(K_Q4), K),
    ("total", "spend past 30 days", "number", cost(K_30D), K),
    ("total", "how much last wk", "number", cost(K_LASTWK), K),
    ("total", "dec total?", "number", cost(K_DEC), K),
    ("total", "how much did we spend in november 2027", "number", cost(K_NOV), K),
    ("provider", "azure openai spend last month", "number", cost(K_FEB, AZURE), K),
    ("provider", "how much on bedrock in jan", "number", cost(K_JAN, BEDROCK), K),
    ("provider", "cohere mtd", "number", cost(K_MAR, "ProviderName = 'Cohere'"), K),
    ("provider", "lambda gpu bill last month", "number", cost(K_FEB, "ProviderName = 'Lambda'"), K),
    ("provider", "which provider cost the most in q4", "which", which(K_Q4, "ProviderName"), K),
    ("provider", "top 2 providers ytd", "which", which(K_YTD, "ProviderName"), K),
    (
        "compare",
        "how much more did azure cost than aws last month",
        "number",
        _diff(K_FEB, "ProviderName = 'Microsoft'", "ProviderName = 'Amazon Web Services'"),
        K,
    ),
    ("team", "how much did the vamugy team spend in feb", "number", cost(K_FEB, _team("vamugy")), K),
    ("team", "diszpecser spend ytd", "number", cost(K_YTD, _team("diszpecser")), K),
    ("team", "which cost centre spent most last month", "which", which(K_FEB, TEAM), K),
    (
        "compare",
        "penzugy vs flotta in january, who spent more",
        "which",
        which(K_JAN, TEAM, f"{TEAM} IN ('penzugy', 'flotta')"),
        K,
    ),
    ("share", "flotta share of total spend last month", "number", share(K_FEB, _team("flotta")), K),
    ("feature", "what did fuvar-chat cost last month", "number", cost(K_FEB, _app("fuvar-chat")), K),
    ("feature", "vamirat spend past 30 days", "number", cost(K_30D, _app("vamirat")), K),
    ("feature", "top 3 apps by spend in dec", "which", which(K_DEC, APP), K),
    ("feature", "utvonal-terv mtd", "number", cost(K_MAR, _app("utvonal-terv")), K),
    ("feature", "how much did szamla-olvaso cost in q4", "number", cost(K_Q4, _app("szamla-olvaso")), K),
    ("model", "gpt-4.1 spend last month", "number", cost(K_FEB, f"{ANY_MODEL} = 'gpt-4.1'"), K),
    (
        "model",
        "how much did claude sonnet cost in jan",
        "number",
        cost(K_JAN, model_is("claude-sonnet-4-5")),
        K,
    ),
    ("model", "which model was the most expensive last month", "which", which(K_FEB, ANY_MODEL), K),
    ("model", "cheapest model mtd", "which", which(K_MAR, ANY_MODEL, desc=False), K),
    (
        "compare",
        "nova-lite vs command-r-plus last month, which cost more",
        "which",
        which(K_FEB, MODEL, f"{MODEL} IN ('nova-lite', 'command-r-plus')"),
        K,
    ),
    ("tokens", "gpt-4.1-mini input tokens last month", "number", _tokens(K_FEB, "gpt-4.1-mini", "input"), K),
    (
        "tokens",
        "how many output tokens did claude-sonnet-4-5 use in feb",
        "number",
        _tokens(K_FEB, "claude-sonnet-4-5", "output"),
        K,
    ),
    (
        "two-dim",
        "diszpecser's bedrock spend last month",
        "number",
        cost(K_FEB, f"{_team('diszpecser')} AND {BEDROCK}"),
        K,
    ),
    (
        "two-dim",
        "vamugy gpt-4.1-mini spend in q4",
        "number",
        cost(K_Q4, f"{_team('vamugy')} AND {model_is('gpt-4.1-mini')}"),
        K,
    ),
    (
        "two-dim",
        "teszt env spend on aws last month",
        "number",
        cost(K_FEB, f"{_env('teszt')} AND ProviderName = 'Amazon Web Services'"),
        K,
    ),
    ("env", "how much is teszt costing us mtd", "number", cost(K_MAR, _env("teszt")), K),
    ("share", "prod share of spend ytd", "number", share(K_YTD, _env("prod")), K),
    (
        "share",
        "what % of last month's spend was gpu",
        "number",
        share(K_FEB, "ServiceCategory = 'Compute'"),
        K,
    ),
    ("share", "bedrock share of q4 spend", "number", share(K_Q4, BEDROCK), K),
    ("trend", "how much did spend change last month vs the one before", "number", change(K_FEB, K_JAN), K),
    ("trend", "azure openai % change feb vs jan", "number", pct(K_FEB, K_JAN, AZURE), K),
    ("trend", "how did jan compare to dec", "number", change(K_JAN, K_DEC), K),
    (
        "trend",
        "which month was the most expensive",
        "which",
        which(K_ALL, "strftime(ChargePeriodStart, '%B')"),
        K,
    ),
    (
        "trend",
        "vamirat last week vs the week before, how much did it change",
        "number",
        change(K_LASTWK, K_WK_BEFORE, _app("vamirat")),
        K,
    ),
    ("day", "priciest day last month", "date", day(K_FEB), K),
    ("day", "biggest spend day in jan", "date", day(K_JAN), K),
    ("spike", "why did costs jump on jan 18", "names", "gpt-4.1", K),
    ("spike", "how much did fuvar-chat cost on 2028-01-18", "number", cost(K_SPIKE, _app("fuvar-chat")), K),
    ("unit", "avg daily spend last month", "number", _daily(K_FEB, 29), K),
    ("unit", "avg daily spend mtd", "number", _daily(K_MAR, 8), K),
    (
        "unit",
        "cost per 1M input tokens for gpt-4.1-mini last month",
        "number",
        _unit(K_FEB, model_is("gpt-4.1-mini"), "input"),
        K,
    ),
    (
        "unit",
        "whats our blended cost per million tokens on bedrock in feb",
        "number",
        _unit(K_FEB, BEDROCK),
        K,
    ),
    ("forecast", "forecast for march", "landing", cost(K_MAR), K),
    ("forecast", "where will march land for azure openai", "landing", cost(K_MAR, AZURE), K),
    (
        "whatif",
        "if we moved all claude-sonnet-4-5 traffic to nova-lite last month how much would we have saved",
        "number",
        SONNET_ON_NOVA,
        K,
    ),
    (
        "whatif",
        "what if we turned off teszt, how much would we have saved last month",
        "number",
        cost(K_FEB, _env("teszt")),
        K,
    ),
    (
        "gpu",
        "how much did idle gpu time cost us last month",
        "number",
        _idle_gpu_cost("2028-02-01", "2028-03-01"),
        K,
    ),
    (
        "gpu",
        "avg gpu utilisaton on the gh200 box last wk",
        "number",
        gpu_util("2028-02-28", "2028-03-06", "instance_id = 'lmb-gh200-01'"),
        K,
    ),
    (
        "gpu",
        "a100 utilization in january",
        "number",
        gpu_util("2028-01-01", "2028-02-01", "instance_id = 'lmb-8xa100-01'"),
        K,
    ),
    ("gpu", "how many gpus do we have", "number", GPUS, K),
    ("gpu", "what did the a100 box cost in feb", "number", cost(K_FEB, A100), K),
    ("commitment", "ptu utilisation last month", "number", _ptu_used_pct(K_FEB), K),
    ("commitment", "how much of the ptu did we waste in jan", "number", unused(K_JAN, PTU), K),
    ("commitment", "how much did the ptu save us vs payg last month", "number", _saved(K_FEB, PTU), K),
    (
        "commitment",
        "what did the azure commitment cost in feb",
        "number",
        cost(K_FEB, f"ResourceName = '{PTU}'"),
        K,
    ),
    ("count", "how many apps do we have", "number", _count(APP), K),
    ("count", "how many models r we using", "number", _count(MODEL), K),
    # unanswerable, looking answerable
    ("none", "how much did the marketing team spend last month", "none", "", K),
    ("none", "what did the szamlazas team spend in feb", "none", "", K),
    ("none", "how much did we spend on vertex ai in jan", "none", "", K),
    ("none", "mistral spend ytd", "none", "", K),
    ("none", "what did we spend in september 2027", "none", "", K),
    ("none", "what was april's actual spend", "none", "", K),
    ("none", "h100 utilisation last month", "none", "", K),
    ("none", "cost per shipment last month", "none", "", K),
    ("none", "how much revenue did fuvar-chat bring in", "none", "", K),
    ("none", "which customer cost the most last month", "none", "", K),
    ("none", "cost per request for fuvar-chat in feb", "none", "", K),
    ("none", "utvonal-terv-v2 spend mtd", "none", "", K),
    ("none", "savings plan utilisation on aws", "none", "", K),
    ("none", "how much did claude opus cost last month", "none", "", K),
    ("none", "cohere embed spend in jan", "none", "", K),
    ("none", "gpu spend on coreweave last month", "none", "", K),
    ("none", "ai cost per employee last month", "none", "", K),
    ("none", "how much did customer waberer cost us in feb", "none", "", K),
]

KOHID_THREADS = [
    (
        "k-team-month",
        [
            ("how much did flotta spend last month", "number", cost(K_FEB, _team("flotta"))),
            ("and the month before?", "number", cost(K_JAN, _team("flotta"))),
            ("what about vamugy", "number", cost(K_JAN, _team("vamugy"))),
        ],
    ),
    (
        "k-top-provider",
        [
            ("top provider in dec", "which", which(K_DEC, "ProviderName")),
            ("how much was that", "number", cost(K_DEC, top_is("ProviderName", K_DEC))),
            ("and in jan", "number", cost(K_JAN, top_is("ProviderName", K_DEC))),
        ],
    ),
    (
        "k-model-drill",
        [
            (
                "what did claude-sonnet-4-5 cost last month",
                "number",
                cost(K_FEB, model_is("claude-sonnet-4-5")),
            ),
            ("how many output tokens was that", "number", _tokens(K_FEB, "claude-sonnet-4-5", "output")),
            ("and input", "number", _tokens(K_FEB, "claude-sonnet-4-5", "input")),
        ],
    ),
    (
        "k-env",
        [
            ("teszt spend in q4", "number", cost(K_Q4, _env("teszt"))),
            ("and prod", "number", cost(K_Q4, _env("prod"))),
            ("whats prod's share of the total", "number", share(K_Q4, _env("prod"))),
        ],
    ),
    (
        "k-gpu",
        [
            (
                "avg util on the a100 box in jan",
                "number",
                gpu_util("2028-01-01", "2028-02-01", "instance_id = 'lmb-8xa100-01'"),
            ),
            ("and in feb", "number", gpu_util("2028-02-01", "2028-03-01", "instance_id = 'lmb-8xa100-01'")),
            ("what did that box cost in feb", "number", cost(K_FEB, A100)),
        ],
    ),
    (
        "k-week",
        [
            ("spend last wk", "number", cost(K_LASTWK)),
            ("and the week before", "number", cost(K_WK_BEFORE)),
            ("which app drove most of it", "which", which(K_WK_BEFORE, APP)),
        ],
    ),
    (
        "k-ptu",
        [
            ("ptu unused cost in feb", "number", unused(K_FEB, PTU)),
            ("and in jan", "number", unused(K_JAN, PTU)),
            ("how much did it save vs payg in jan", "number", _saved(K_JAN, PTU)),
        ],
    ),
    (
        "k-team-provider",
        [
            ("diszpecser spend mtd", "number", cost(K_MAR, _team("diszpecser"))),
            ("just bedrock", "number", cost(K_MAR, f"{_team('diszpecser')} AND {BEDROCK}")),
            ("and last month", "number", cost(K_FEB, f"{_team('diszpecser')} AND {BEDROCK}")),
        ],
    ),
]

KOHID_MISSES: dict[str, str] = {}

# ------------------------------------------------------------------------------------------ Yafo Shield

Y = "2028-11-14"  # a Tuesday; the data ends the day before
Y_JUN = between("2028-06-01", "2028-07-01")
Y_JUL = between("2028-07-01", "2028-08-01")
Y_SEP = between("2028-09-01", "2028-10-01")
Y_OCT = between("2028-10-01", "2028-11-01")
Y_NOV = between("2028-11-01", "2028-11-14")
Y_Q3 = between("2028-07-01", "2028-10-01")
Y_Q4 = between("2028-10-01", "2028-11-14")
Y_YTD = between("2028-01-01", "2028-11-14")
Y_LASTWK = between("2028-11-06", "2028-11-13")
Y_WK_BEFORE = between("2028-10-30", "2028-11-06")
Y_30D = between("2028-10-15", "2028-11-14")
Y_SPIKE = between("2028-09-21", "2028-09-22")
SQUAD = "Tags->>'Squad'"
WORKLOAD = "Tags->>'Workload'"


def _squad(v: str) -> str:
    return tag("Squad", v)


def _work(v: str) -> str:
    return tag("Workload", v)


def _tier(v: str) -> str:
    return tag("Tier", v)


def _prov(v: str) -> str:
    return f"ProviderName = '{v}'"


VERTEX = "ServiceName = 'Vertex AI'"
CLAUDE = f"{MODEL} LIKE 'claude%'"
GEMINI = f"{MODEL} LIKE 'gemini%'"

YAFO_QUESTIONS = [
    ("total", "spend last month?", "number", cost(Y_OCT), Y),
    ("total", "mtd total", "number", cost(Y_NOV), Y),
    ("total", "q3 spend", "number", cost(Y_Q3), Y),
    ("total", "q4 so far", "number", cost(Y_Q4), Y),
    ("total", "ytd", "number", cost(Y_YTD), Y),
    ("total", "last 30 days spend", "number", cost(Y_30D), Y),
    ("total", "how much last week", "number", cost(Y_LASTWK), Y),
    ("total", "how much did we spend in july", "number", cost(Y_JUL), Y),
    ("total", "how much did june cost", "number", cost(Y_JUN), Y),
    ("provider", "openai spend in sep", "number", cost(Y_SEP, _prov("OpenAI")), Y),
    ("provider", "anthrpic spend last month", "number", cost(Y_OCT, _prov("Anthropic")), Y),
    ("provider", "vertex ai mtd", "number", cost(Y_NOV, VERTEX), Y),
    ("provider", "deepsek spend q3", "number", cost(Y_Q3, _prov("DeepSeek")), Y),
    ("provider", "google cloud spend ytd", "number", cost(Y_YTD, _prov("Google Cloud")), Y),
    (
        "compare",
        "mistral vs deepseek last month which cost more",
        "which",
        which(Y_OCT, "ProviderName", "ProviderName IN ('Mistral AI', 'DeepSeek')"),
        Y,
    ),
    ("provider", "biggest provider last month", "which", which(Y_OCT, "ProviderName"), Y),
    ("count", "how many providers do we use", "number", _count("ProviderName"), Y),
    ("team", "soc squad spend last month", "number", cost(Y_OCT, _squad("soc")), Y),
    ("team", "threat intel squad spend q3", "number", cost(Y_Q3, _squad("threat_intel")), Y),
    ("team", "which squad spent the most in sep", "which", which(Y_SEP, SQUAD), Y),
    ("team", "top 2 squads ytd", "which", which(Y_YTD, SQUAD), Y),
    ("share", "platform squad share of spend mtd", "number", share(Y_NOV, _squad("platform")), Y),
    ("feature", "soc_copilot cost last wk", "number", cost(Y_LASTWK, _work("soc_copilot")), Y),
    ("feature", "ioc_enrich workload spend in oct", "number", cost(Y_OCT, _work("ioc_enrich")), Y),
    ("feature", "top 3 workloads q3", "which", which(Y_Q3, WORKLOAD), Y),
    ("feature", "rule_writer spend past 30 days", "number", cost(Y_30D, _work("rule_writer")), Y),
    (
        "compare",
        "malware_triage vs alert_summaries last month",
        "which",
        which(Y_OCT, WORKLOAD, f"{WORKLOAD} IN ('malware_triage', 'alert_summaries')"),
        Y,
    ),
    ("count", "how many workloads do we have", "number", _count(WORKLOAD), Y),
    ("model", "claude-opus-4-1 spend last month", "number", cost(Y_OCT, model_is("claude-opus-4-1")), Y),
    ("model", "gemini 2.5 pro cost in sept", "number", cost(Y_SEP, model_is("gemini-2.5-pro")), Y),
    ("model", "most expensive model q3", "which", which(Y_Q3, MODEL, TOKENS), Y),
    ("model", "cheapest model last month", "which", which(Y_OCT, MODEL, TOKENS, desc=False), Y),
    ("model", "claude haiku spend in q3", "number", cost(Y_Q3, model_is("claude-haiku-4-5")), Y),
    ("tokens", "gpt-5-mini output tokens last month", "number", _tokens(Y_OCT, "gpt-5-mini", "output"), Y),
    (
        "tokens",
        "how many input tokens did deepseek-chat process mtd",
        "number",
        _tokens(Y_NOV, "deepseek-chat", "input"),
        Y,
    ),
    ("two-dim", "soc's vertex spend last month", "number", cost(Y_OCT, f"{_squad('soc')} AND {VERTEX}"), Y),
    (
        "two-dim",
        "staging spend on deepseek in sep",
        "number",
        cost(Y_SEP, f"{_tier('staging')} AND {_prov('DeepSeek')}"),
        Y,
    ),
    (
        "two-dim",
        "threat_intel openai spend q4 so far",
        "number",
        cost(Y_Q4, f"{_squad('threat_intel')} AND {_prov('OpenAI')}"),
        Y,
    ),
    (
        "two-dim",
        "soc squad anthropic spend mtd",
        "number",
        cost(Y_NOV, f"{_squad('soc')} AND {_prov('Anthropic')}"),
        Y,
    ),
    ("env", "staging tier cost last month", "number", cost(Y_OCT, _tier("staging")), Y),
    ("share", "% of spend in staging ytd", "number", share(Y_YTD, _tier("staging")), Y),
    (
        "compare",
        "which tier costs more, prod or staging, last month",
        "which",
        which(Y_OCT, "Tags->>'Tier'"),
        Y,
    ),
    ("share", "what share of last month went to claude", "number", share(Y_OCT, CLAUDE), Y),
    ("trend", "spend change oct vs sep", "number", change(Y_OCT, Y_SEP), Y),
    (
        "trend",
        "anthropic % change last month vs the month before",
        "number",
        pct(Y_OCT, Y_SEP, _prov("Anthropic")),
        Y,
    ),
    ("trend", "which month cost the most", "which", which(Y_YTD, "strftime(ChargePeriodStart, '%B')"), Y),
    (
        "trend",
        "gpt-5-mini spend last wk vs week before, change?",
        "number",
        change(Y_LASTWK, Y_WK_BEFORE, model_is("gpt-5-mini")),
        Y,
    ),
    ("day", "priciest day in q3", "date", day(Y_Q3), Y),
    ("day", "most expensive day last week", "date", day(Y_LASTWK), Y),
    ("spike", "what happened on sep 21", "names", "claude-opus-4-1", Y),
    (
        "spike",
        "how much did soc_copilot cost on 2028-09-21",
        "number",
        cost(Y_SPIKE, _work("soc_copilot")),
        Y,
    ),
    ("unit", "avg daily spend last month", "number", _daily(Y_OCT, 31), Y),
    ("unit", "daily avg mtd", "number", _daily(Y_NOV, 13), Y),
    ("unit", "avg cost per day for soc_copilot in q3", "number", _daily(Y_Q3, 92, _work("soc_copilot")), Y),
    (
        "unit",
        "cost per request for soc_copilot last month",
        "number",
        feature_per_request("2028-10-01", "2028-11-01", "Workload", "soc_copilot"),
        Y,
    ),
    (
        "unit",
        "cost per 1M output tokens on codestral last month",
        "number",
        _unit(Y_OCT, model_is("codestral"), "output"),
        Y,
    ),
    (
        "unit",
        "blended price per million tokens for gpt-5-mini in oct",
        "number",
        _unit(Y_OCT, model_is("gpt-5-mini")),
        Y,
    ),
    (
        "telemetry",
        "requests for soc_copilot last month",
        "number",
        f"SELECT sum(requests) FROM usage_events WHERE {ev_between('2028-10-01', '2028-11-01')}",
        Y,
    ),
    ("customer", "which customer cost the most in oct", "which", top_customer("2028-10-01", "2028-11-01"), Y),
    (
        "customer",
        "how much did carmel-health cost us last month",
        "number",
        customer_cost("2028-10-01", "2028-11-01", "carmel-health"),
        Y,
    ),
    (
        "customer",
        "cost per request for negev-energy in sep",
        "number",
        customer_per_request("2028-09-01", "2028-10-01", "negev-energy"),
        Y,
    ),
    ("customer", "how many customers do we have", "number", CUSTOMERS, Y),
    ("forecast", "forecast for nov", "landing", cost(Y_NOV), Y),
    ("forecast", "where will openai land this month", "landing", cost(Y_NOV, _prov("OpenAI")), Y),
    (
        "whatif",
        "what if we cut deepseek usage in half, what would last month have cost",
        "number",
        f"SELECT sum(EffectiveCost) - 0.5 * sum(EffectiveCost) FILTER (WHERE {_prov('DeepSeek')}) FROM costs WHERE {Y_OCT}",
        Y,
    ),
    (
        "whatif",
        "if opus were 30% cheaper how much would we have saved in oct",
        "number",
        f"SELECT 0.3 * sum(EffectiveCost) FROM costs WHERE {Y_OCT} AND {model_is('claude-opus-4-1')}",
        Y,
    ),
    # unanswerable, looking answerable
    ("none", "gpu utilisation last week", "none", "", Y),
    ("none", "how much idle gpu cost in oct", "none", "", Y),
    ("none", "commitment utilisation last month", "none", "", Y),
    ("none", "what did the red_team squad spend last month", "none", "", Y),
    ("none", "soc_analyst workload spend last month", "none", "", Y),
    ("none", "how much did carmel-hospital cost us in oct", "none", "", Y),
    ("none", "azure openai spend last month", "none", "", Y),
    ("none", "bedrock spend in q3", "none", "", Y),
    ("none", "cohere spend ytd", "none", "", Y),
    ("none", "spend in march 2028", "none", "", Y),
    ("none", "how much did we spend in may", "none", "", Y),
    ("none", "december actual spend", "none", "", Y),
    ("none", "cost per alert handled last month", "none", "", Y),
    ("none", "gross margin per tenant last month", "none", "", Y),
    ("none", "llama 3 spend last month", "none", "", Y),
    ("none", "what did the dev tier cost in oct", "none", "", Y),
    ("none", "cost per soc analyst seat", "none", "", Y),
    ("none", "how much did galil-retail cost in may", "none", "", Y),
]

YAFO_THREADS = [
    (
        "y-top-squad",
        [
            ("top squad last month", "which", which(Y_OCT, SQUAD)),
            ("how much did they spend", "number", cost(Y_OCT, top_is(SQUAD, Y_OCT))),
            ("and in sep", "number", cost(Y_SEP, top_is(SQUAD, Y_OCT))),
        ],
    ),
    (
        "y-provider",
        [
            ("deepseek spend in q3", "number", cost(Y_Q3, _prov("DeepSeek"))),
            ("and q4 so far", "number", cost(Y_Q4, _prov("DeepSeek"))),
            ("what about mistral", "number", cost(Y_Q4, _prov("Mistral AI"))),
        ],
    ),
    (
        "y-customer",
        [
            ("customer with the highest cost last month", "which", top_customer("2028-10-01", "2028-11-01")),
            ("how much was that", "number", of_top("sum(c)", "2028-10-01", "2028-11-01")),
            ("cost per request for them", "number", of_top("sum(c) / sum(r)", "2028-10-01", "2028-11-01")),
        ],
    ),
    (
        "y-workload-change",
        [
            ("what did soc_copilot cost in sep", "number", cost(Y_SEP, _work("soc_copilot"))),
            ("and in oct", "number", cost(Y_OCT, _work("soc_copilot"))),
            ("% change?", "number", pct(Y_OCT, Y_SEP, _work("soc_copilot"))),
        ],
    ),
    (
        "y-week",
        [
            ("staging spend last wk", "number", cost(Y_LASTWK, _tier("staging"))),
            ("and the week before", "number", cost(Y_WK_BEFORE, _tier("staging"))),
            ("just deepseek", "number", cost(Y_WK_BEFORE, f"{_tier('staging')} AND {_prov('DeepSeek')}")),
        ],
    ),
    (
        "y-model",
        [
            ("gemini-2.5-pro spend mtd", "number", cost(Y_NOV, model_is("gemini-2.5-pro"))),
            ("and last month", "number", cost(Y_OCT, model_is("gemini-2.5-pro"))),
            ("output tokens for that?", "number", _tokens(Y_OCT, "gemini-2.5-pro", "output")),
        ],
    ),
    (
        "y-top-workload",
        [
            ("which workload cost the most in q3", "which", which(Y_Q3, WORKLOAD)),
            ("how much", "number", cost(Y_Q3, top_is(WORKLOAD, Y_Q3))),
            ("and q4 so far", "number", cost(Y_Q4, top_is(WORKLOAD, Y_Q3))),
        ],
    ),
    (
        "y-spike-day",
        [
            ("biggest spend day in sep", "date", day(Y_SEP)),
            ("how much was spent that day", "number", cost(Y_SPIKE)),
            ("and the day after", "number", cost(between("2028-09-22", "2028-09-23"))),
        ],
    ),
]

YAFO_MISSES: dict[str, str] = {}


class _Round22(ThreadedRound):
    """The round's companies (known misses, with their causes, in MISSES)."""


class TestKohidFuvar(_Round22):
    AS_OF = K
    CURRENCY = "HUF"
    QUESTIONS = KOHID_QUESTIONS
    THREADS = KOHID_THREADS
    MISSES = KOHID_MISSES

    def build(self, folder: Path) -> Store:
        return round_store(folder, build_kohid(folder), "kohid")


class TestYafoShield(_Round22):
    AS_OF = Y
    CURRENCY = "ILS"
    QUESTIONS = YAFO_QUESTIONS
    THREADS = YAFO_THREADS
    MISSES = YAFO_MISSES

    def build(self, folder: Path) -> Store:
        return round_store(folder, build_yafo(folder), "yafo")


# ------------------------------------------------------------------------------------------ four readings
# Found unfixed in the session before, scored apart from the round: each is (question, check) on one company.

_NEGATION = re.compile(r"\b(no|not|never|none|isn't|aren't|doesn't|don't|didn't|without)\b")


def _no_direct_openai(store: Store, answer: object) -> tuple[bool, str]:
    """Only Azure OpenAI is billed: the answer says there is no direct OpenAI bill (naming Azure's figure as Azure's
    is fine), never Azure's figure as OpenAI's, never a confident zero."""
    text, value = answer.answer, answer.value  # type: ignore[attr-defined]
    low = text.lower()
    says_none = bool(_NEGATION.search(low)) and "openai" in low
    zero = isinstance(value, int | float) and value == 0
    ok = says_none and not zero and (value is None or "azure" in low)
    return ok, "expected: no direct OpenAI bill (Azure OpenAI is Microsoft's)"


def _run_rate(store: Store, answer: object) -> tuple[bool, str]:
    """This month's daily pace projected over the month, saying how."""
    mtd, _ = expected(store, "number", cost(K_MAR))
    want = mtd / 8 * 31
    text, value = answer.answer, answer.value  # type: ignore[attr-defined]
    how = re.search(r"per day|a day|daily|/day|pace|so far", text.lower())
    return judged(text, value, "number", want, ()) and bool(
        how
    ), f"expected {want:.0f} (month-to-date / 8 x 31)"


def _claude_vs_gemini(store: Store, answer: object) -> tuple[bool, str]:
    """Both families' spend across providers (Claude on Anthropic and on Vertex AI) over one common period."""
    text = answer.answer  # type: ignore[attr-defined]
    for period in (Y_NOV, Y_OCT, Y_30D, Y_YTD, Y_Q4):
        claude, _ = expected(store, "number", cost(period, CLAUDE))
        gemini, _ = expected(store, "number", cost(period, GEMINI))
        if judged(text, None, "number", claude, ()) and judged(text, None, "number", gemini, ()):
            return True, ""
    return False, "expected Claude's (all providers) and Gemini's spend over one period"


def _q4_landing(store: Store, answer: object) -> tuple[bool, str]:
    """A forecast landing for the quarter: the quarter-to-date actual and a plausible landing above it."""
    qtd, _ = expected(store, "number", cost(Y_Q4))
    pace = qtd / 44 * 92
    text, value = answer.answer, answer.value  # type: ignore[attr-defined]
    ok = (
        judged(text, None, "number", qtd, ())
        and isinstance(value, int | float)
        and 0.8 * pace <= value <= 1.25 * pace
    )
    return ok, f"expected quarter-to-date {qtd:.0f} and a landing near {pace:.0f}"


READINGS_MISSES: dict[str, str] = {}


class _Readings(BlindRound):
    """A company's store with the round's question test switched off: the readings test below is its only test."""

    test_a_question_is_answered_right_or_declined_with_no_figure = None  # type: ignore[assignment]
    READINGS: list[tuple] = []  # noqa: RUF012 - a subclass's data

    def test_a_reading_found_unfixed_before(self, store: Store, settings: Settings, reading: tuple) -> None:
        question, check = reading
        answer = ask(store, question, as_of=dt.date.fromisoformat(self.AS_OF), settings=settings)
        ok, want = check(store, answer)
        assert ok, f"{question!r}: {want}; got {answer.answer}"
        assert "$" not in answer.answer, f"{question!r}: expected {self.CURRENCY}; got {answer.answer}"


class TestReadingsKohid(_Readings):
    AS_OF = K
    CURRENCY = "HUF"
    READINGS = [("openai direct spend", _no_direct_openai), ("whats the run rate", _run_rate)]  # noqa: RUF012

    def build(self, folder: Path) -> Store:
        return round_store(folder, build_kohid(folder), "kohid")


class TestReadingsYafo(_Readings):
    AS_OF = Y
    CURRENCY = "ILS"
    READINGS = [("claude vs gemini", _claude_vs_gemini), ("what will q4 be", _q4_landing)]  # noqa: RUF012

    def build(self, folder: Path) -> Store:
        return round_store(folder, build_yafo(folder), "yafo")


def _marks(question: str) -> list:
    reason = READINGS_MISSES.get(question)
    return [pytest.mark.xfail(strict=True, reason=reason)] if reason else []


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize the rounds' questions and threads (the harness) and the readings (a known miss a strict xfail
    with its cause)."""
    _round_params(metafunc)
    if "reading" in metafunc.fixturenames:
        metafunc.parametrize(
            "reading",
            [pytest.param(r, id=r[0].replace(" ", "-"), marks=_marks(r[0])) for r in metafunc.cls.READINGS],
        )
