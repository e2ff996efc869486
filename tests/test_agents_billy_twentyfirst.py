"""Billy's twenty-first blind round: two new companies, with questions and threads written before reading the
planner's code and without reading earlier rounds' question tables, in the hidden battery's manner: short,
sloppy Slack wording with typos ("wat", "y was", "r we", "mistal", "anthorpic", "deepsek", "spnd"), relative
dates ("last wk", "mtd", "ytd", "q2 so far", "q4 so far", "past 30 days", "last 30 days"), two dimensions in one
question ("atendimento's deepseek spend"), "top 3", comparisons of two named entities, three-turn threads with
pronouns ("and the day after", "drop hml", "and the week before"), and about eighteen unanswerable questions per
company, many that look answerable (a business unit nobody stores, a customer resembling a real one, a provider
never used, a GPU type not held, GPU utilisation at a company with no GPUs, a commitment at a company with none,
months before the data, a future month's actual), plus a few ambiguous ones whose natural reading Billy must take:
- Matariki Orchards (tests/fixtures/billy/matariki.py, NZD): a New Zealand kiwifruit and apple grower-exporter on
  OpenAI (and untagged embedding rows), Anthropic, Google Cloud Vertex AI, Mistral AI (staging) and CoreWeave
  4x H200 / 1x L40S boxes, tags cost_owner/app/stage, telemetry grower groups for grower-chat, no commitment
  ("today" is 2027-11-17, November unfinished, the data starting on August 2);
- Jabuti Pagamentos (tests/fixtures/billy/jabuti.py, BRL): a Brazilian payments fintech on Microsoft (Azure
  OpenAI), Amazon Web Services (Bedrock nova-pro and a provisioned-throughput commitment
  'bedrock-pt-haiku-fraude' serving claude-haiku-4-5, bought monthly), Anthropic, Google Cloud and DeepSeek
  (homologation 'hml'), Portuguese tag keys equipe/produto/ambiente, telemetry merchants for merchant-support, no
  GPUs ("today" is 2027-06-30, June unfinished, the data starting on March 15).
Each answerable question's expected answer is hand-written SQL over the imported rows (never Billy's operations);
an unanswerable one ("none") passes only when Billy states no figure. Judged by billy_harness.judge; an answer
about a bill in New Zealand dollars or reais that shows a bare '$' figure fails.
docs/performance.md ("Billy blind round 21") records the first scores; MISSES holds each first-score failure not
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
from fixtures.billy.jabuti import build as build_jabuti
from fixtures.billy.matariki import build as build_matariki
from spendscope.data.store import Store

# ------------------------------------------------------------------------------------------ Matariki Orchards

M = "2027-11-17"  # a Wednesday; the data ends the day before
M_AUG = between("2027-08-01", "2027-09-01")
M_SEP = between("2027-09-01", "2027-10-01")
M_OCT = between("2027-10-01", "2027-11-01")
M_NOV = between("2027-11-01", "2027-11-17")
M_Q3 = between("2027-07-01", "2027-10-01")
M_Q4 = between("2027-10-01", "2027-11-17")
M_ALL = between("2027-01-01", "2027-11-17")
M_LASTWK = between("2027-11-08", "2027-11-15")
M_WK_BEFORE = between("2027-11-01", "2027-11-08")
M_30D = between("2027-10-18", "2027-11-17")
SPIKE_M = between("2027-10-07", "2027-10-08")

OPENAI = "ProviderName = 'OpenAI'"
ANTHROPIC = "ProviderName = 'Anthropic'"
GOOGLE = "ProviderName = 'Google Cloud'"
MISTRAL = "ProviderName = 'Mistral AI'"
COREWEAVE = "ProviderName = 'CoreWeave'"
OWNER = "Tags->>'cost_owner'"
APP = "Tags->>'app'"
H200 = "instance_id = 'cw-h200-grader'"
L40S = "instance_id = 'cw-l40s-label'"
SONNET = model_is("claude-sonnet-4-6")

# (category, question, kind, spec, as_of)
MATARIKI_QUESTIONS = [
    ("total", "how much did we spend in september", "number", cost(M_SEP), M),
    ("total mtd", "nov mtd?", "number", cost(M_NOV), M),
    ("provider", "coreweave bill last month", "number", cost(M_OCT, COREWEAVE), M),
    ("provider typo", "mistal spend in sept", "number", cost(M_SEP, MISTRAL), M),
    ("compare", "anthropic vs openai in oct - who's bigger", "which", which(M_OCT, "ProviderName", f"{ANTHROPIC} OR {OPENAI}"), M),
    ("model", "sonnet 4.6 cost last wk", "number", cost(M_LASTWK, SONNET), M),
    ("model", "gpt-4.1-mini in august", "number", cost(M_AUG, model_is("gpt-4.1-mini")), M),
    ("team", "packhouse spend in oct", "number", cost(M_OCT, tag("cost_owner", "packhouse")), M),
    ("team mtd", "agronomy mtd", "number", cost(M_NOV, tag("cost_owner", "agronomy")), M),
    ("daily", "crop-estimate cost per day in sept", "number", _daily(M_SEP, 30, tag("app", "crop-estimate")), M),
    ("rank", "top 3 models q3", "which", which(M_Q3, MODEL, TOKENS), M),
    ("rank", "which team spent least last month", "which", which(M_OCT, OWNER, desc=False), M),
    ("share", "what % of october was coreweave", "number", share(M_OCT, COREWEAVE), M),
    ("share ytd", "anthropic share of spend ytd", "number", share(M_ALL, ANTHROPIC), M),
    ("change", "how much did anthropic go up sep to oct", "number", change(M_OCT, M_SEP, ANTHROPIC), M),
    ("change pct", "% change aug -> sep total", "number", pct(M_SEP, M_AUG), M),
    ("spike why", "y was oct 7 so expensive", "which", which(SPIKE_M, MODEL, TOKENS), M),
    ("spike day", "most expensive day last month", "date", day(M_OCT), M),
    ("anomaly", "anything weird in october?", "date", _on("2027-10-07"), M),
    ("went wrong", "wat went wrong oct 6-8", "which", which(SPIKE_M, MODEL, TOKENS), M),
    ("gpu", "avg gpu util on the h200 box in sept", "number", gpu_util("2027-09-01", "2027-10-01", H200), M),
    ("gpu", "how busy was the l40s last month", "number", gpu_util("2027-10-01", "2027-11-01", L40S), M),
    ("gpu", "l40s util in sept", "number", gpu_util("2027-09-01", "2027-10-01", L40S), M),
    ("count gpus", "how many gpus r we paying for", "number", GPUS, M),
    ("count instances", "how many gpu boxes do we have", "number", _count("ResourceId", "ConsumedUnit = 'Hours'"), M),
    ("count models", "how many models did we use in oct", "number", _count(MODEL, f"{M_OCT} AND {TOKENS}"), M),
    ("count customers", "how many customers on grower-chat", "number", CUSTOMERS, M),
    ("unit", "grower-chat cost per request in oct", "number", feature_per_request("2027-10-01", "2027-11-01", "app", "grower-chat"), M),
    ("unit per 1k", "cost per 1k requests grower-chat sept", "number", feature_per_request("2027-09-01", "2027-10-01", "app", "grower-chat", 1000), M),
    ("customer rank", "which customer cost most in sept", "which", top_customer("2027-09-01", "2027-10-01"), M),
    ("customer", "katikati-kiwi spend in october", "number", customer_cost("2027-10-01", "2027-11-01", "katikati-kiwi"), M),
    ("customer unit", "per request cost for te-puke-growers in aug", "number", customer_per_request("2027-08-01", "2027-09-01", "te-puke-growers"), M),
    ("landing", "where's november going to land", "landing", cost(M_NOV), M),
    ("landing provider", "month-end forecast for coreweave", "landing", cost(M_NOV, COREWEAVE), M),
    ("invoice", "mistral invoice for october", "number", cost(M_OCT, MISTRAL, "BilledCost"), M),
    ("breakdown", "oct by stage", "names", "prod|staging", M),
    ("breakdown", "sept broken down by provider", "names", "OpenAI|Anthropic|Google Cloud|Mistral AI|CoreWeave", M),
    ("tokens", "output tokens on sonnet 4.6 in oct", "number", _tokens(M_OCT, "claude-sonnet-4-6", "output"), M),
    ("two dims", "agronomy's anthropic spend in sept", "number", cost(M_SEP, f"{ANTHROPIC} AND {tag('cost_owner', 'agronomy')}"), M),
    ("two dims", "export team on mistral last month", "number", cost(M_OCT, f"{MISTRAL} AND {tag('cost_owner', 'export')}"), M),
    ("env mtd", "staging spend mtd", "number", cost(M_NOV, tag("stage", "staging")), M),
    ("relative", "past 30 days spend", "number", cost(M_30D), M),
    ("quarter so far", "q4 so far total", "number", cost(M_Q4), M),
    ("ytd model", "ytd gemini", "number", cost(M_ALL, model_is("gemini-2.5-flash")), M),
    ("compare teams", "export vs agronomy in sept", "which", which(M_SEP, OWNER, f"{OWNER} IN ('export', 'agronomy')"), M),
    ("typo", "anthorpic cost last month", "number", cost(M_OCT, ANTHROPIC), M),
    ("typo", "haiku spnd in oct", "number", cost(M_OCT, model_is("claude-haiku-4-5")), M),
    ("untagged", "how much spend had no tags in oct", "number", cost(M_OCT, "Tags IS NULL"), M),
    ("rank features", "top 3 apps by cost last month", "which", which(M_OCT, APP), M),
    ("gpu cost", "what did the h200 box cost in oct", "number", cost(M_OCT, "ResourceId = 'cw-h200-grader'"), M),
    ("week", "total spend last wk", "number", cost(M_LASTWK), M),
    # ambiguous: the natural reading
    ("ambiguous", "the grader in sept", "number", cost(M_SEP, "ResourceId = 'cw-h200-grader'"), M),
    ("ambiguous", "claude in october", "number", cost(M_OCT, f"{MODEL} LIKE 'claude%'"), M),
    ("ambiguous", "embeddings spend in oct", "number", cost(M_OCT, model_is("text-embedding-3-large")), M),
    ("ambiguous", "gpu spend in sept", "number", cost(M_SEP, "ConsumedUnit = 'Hours'"), M),
    ("ambiguous", "the label box in oct", "number", cost(M_OCT, "ResourceId = 'cw-l40s-label'"), M),
    # unanswerable: no figure
    ("unanswerable", "whats our cost per tray packed in oct", "none", "", M),
    ("unanswerable", "revenue per hectare this season", "none", "", M),
    ("unanswerable", "gross margin in q3", "none", "", M),
    ("unanswerable", "cost per kg exported last month", "none", "", M),
    ("unanswerable", "how much did the sales team spend in oct", "none", "", M),
    ("unanswerable", "marketing spend in sept", "none", "", M),
    ("unanswerable", "what did te-puke-packers cost in oct", "none", "", M),
    ("unanswerable", "what did july cost", "none", "", M),
    ("unanswerable", "what did december cost", "none", "", M),
    ("unanswerable", "aws bill for sept", "none", "", M),
    ("unanswerable", "azure openai spend oct", "none", "", M),
    ("unanswerable", "how much did our savings plan save us in oct", "none", "", M),
    ("unanswerable", "oct spend broken down by cost_centre", "none", "", M),
    ("unanswerable", "gpt-5 cost in nov", "none", "", M),
    ("unanswerable", "how much did the a100s cost last month", "none", "", M),
    ("unanswerable", "profit on katikati-kiwi in sept", "none", "", M),
    ("unanswerable", "cost per picker in oct", "none", "", M),
    ("unanswerable", "how much did llama cost in sept", "none", "", M),
    ("unanswerable", "katikati-kiwi and gisborne-growers spend in oct", "none", "", M),
]  # fmt: skip

MATARIKI_THREADS = [
    ("export-drop-staging", [
        ("export team spend in oct", "number", cost(M_OCT, tag("cost_owner", "export"))),
        ("drop staging", "number", cost(M_OCT, f"{tag('cost_owner', 'export')} AND Tags->>'stage' <> 'staging'")),
        ("and sept?", "number", cost(M_SEP, f"{tag('cost_owner', 'export')} AND Tags->>'stage' <> 'staging'")),
    ]),
    ("top-app-then-it", [
        ("top app last month", "which", which(M_OCT, APP)),
        ("how much was it", "number", cost(M_OCT, top_is(APP, M_OCT))),
        ("and the month before that", "number", cost(M_SEP, top_is(APP, M_OCT))),
    ]),
    ("spike-day", [
        ("why was oct 7 so pricey", "which", which(SPIKE_M, MODEL, TOKENS)),
        ("how much did it cost that day", "number", cost(SPIKE_M, SONNET)),
        ("and the day before", "number", cost(between("2027-10-06", "2027-10-07"), SONNET)),
    ]),
    ("h200-util", [
        ("util on the h200 in oct", "number", gpu_util("2027-10-01", "2027-11-01", H200)),
        ("and sept?", "number", gpu_util("2027-09-01", "2027-10-01", H200)),
        ("what did it cost in sept", "number", cost(M_SEP, "ResourceId = 'cw-h200-grader'")),
    ]),
    ("top-customer", [
        ("top customer last month", "which", top_customer("2027-10-01", "2027-11-01")),
        ("their cost per request", "number", of_top("sum(c) / sum(r)", "2027-10-01", "2027-11-01")),
        ("and their total", "number", of_top("sum(c)", "2027-10-01", "2027-11-01")),
    ]),
    ("unknown-team-end", [
        ("agronomy spend in aug", "number", cost(M_AUG, tag("cost_owner", "agronomy"))),
        ("and the sales team?", "none", ""),
    ]),
    ("compare-then-week", [
        ("mistral vs google last wk", "which", which(M_LASTWK, "ProviderName", f"{MISTRAL} OR {GOOGLE}")),
        ("and the week before?", "which", which(M_WK_BEFORE, "ProviderName", f"{MISTRAL} OR {GOOGLE}")),
    ]),
    ("coreweave-change", [
        ("coreweave in sept", "number", cost(M_SEP, COREWEAVE)),
        ("how did it change in oct", "number", change(M_OCT, M_SEP, COREWEAVE)),
    ]),
]  # fmt: skip

MATARIKI_MISSES: dict[str, str] = {}

# ------------------------------------------------------------------------------------------ Jabuti Pagamentos

J = "2027-06-30"  # a Wednesday; the data ends the day before
J_MAR = between("2027-03-01", "2027-04-01")
J_APR = between("2027-04-01", "2027-05-01")
J_MAY = between("2027-05-01", "2027-06-01")
J_JUN = between("2027-06-01", "2027-06-30")
J_Q2 = between("2027-04-01", "2027-06-30")
J_ALL = between("2027-01-01", "2027-06-30")
J_LASTWK = between("2027-06-21", "2027-06-28")
J_WK_BEFORE = between("2027-06-14", "2027-06-21")
J_30D = between("2027-05-31", "2027-06-30")
SPIKE_J = between("2027-05-20", "2027-05-21")

AZURE = "ProviderName = 'Microsoft'"
AWS = "ProviderName = 'Amazon Web Services'"
GCP = "ProviderName = 'Google Cloud'"
DEEPSEEK = "ProviderName = 'DeepSeek'"
EQUIPE = "Tags->>'equipe'"
PRODUTO = "Tags->>'produto'"
PT = "bedrock-pt-haiku-fraude"
GPT41 = model_is("gpt-4.1")

JABUTI_QUESTIONS = [
    ("total", "wat was the total for may", "number", cost(J_MAY), J),
    ("total mtd", "june mtd spend?", "number", cost(J_JUN), J),
    ("provider", "deepseek bill last month", "number", cost(J_MAY, DEEPSEEK), J),
    ("provider typo", "how much on anthropc in april", "number", cost(J_APR, ANTHROPIC), J),
    ("compare", "azure vs aws in may which was bigger", "which", which(J_MAY, "ProviderName", f"{AZURE} OR {AWS}"), J),
    ("model", "gpt-4.1-mini spend last wk", "number", cost(J_LASTWK, model_is("gpt-4.1-mini")), J),
    ("model", "nova pro cost in april", "number", cost(J_APR, model_is("nova-pro")), J),
    ("team", "risco team spend in may", "number", cost(J_MAY, tag("equipe", "risco")), J),
    ("team mtd", "atendimento mtd", "number", cost(J_JUN, tag("equipe", "atendimento")), J),
    ("daily", "how much does pix-assistant cost per day in may", "number", _daily(J_MAY, 31, tag("produto", "pix-assistant")), J),
    ("rank", "top 3 models q2 so far", "which", which(J_Q2, ANY_MODEL), J),
    ("rank", "which equipe spent least in april", "which", which(J_APR, EQUIPE, desc=False), J),
    ("share", "what % of may was aws", "number", share(J_MAY, AWS), J),
    ("share ytd", "deepseek share of spend ytd", "number", share(J_ALL, DEEPSEEK), J),
    ("change", "how much did azure change apr to may", "number", change(J_MAY, J_APR, AZURE), J),
    ("change pct", "% change total apr vs may", "number", pct(J_MAY, J_APR), J),
    ("spike why", "why was may 20 so expensive", "which", which(SPIKE_J, MODEL, TOKENS), J),
    ("spike day", "priciest day in may?", "date", day(J_MAY), J),
    ("anomaly", "any anomalies last month", "date", _on("2027-05-20"), J),
    ("went wrong", "what happened may 19-21", "which", which(SPIKE_J, MODEL, TOKENS), J),
    ("commitment saving", "how much did the bedrock PT save us in may", "number", _saved(J_MAY, PT), J),
    ("commitment unused", "how much of the provisioned throughput went unused in april", "number", unused(J_APR, PT), J),
    ("commitment payg", "what would the fraud scoring haiku have cost on demand in may", "number", commitment_payg(J_MAY, PT), J),
    ("invoice", "aws invoice for june", "number", cost(J_JUN, AWS, "BilledCost"), J),
    ("invoice", "our microsoft invoice for april", "number", cost(J_APR, AZURE, "BilledCost"), J),
    ("count models", "how many models r we using in june", "number", _count(ANY_MODEL, J_JUN), J),
    ("count customers", "how many customers does merchant-support have", "number", CUSTOMERS, J),
    ("unit", "merchant-support cost per request in may", "number", feature_per_request("2027-05-01", "2027-06-01", "produto", "merchant-support"), J),
    ("unit per 1k", "cost per 1k requests for merchant-support last month", "number", feature_per_request("2027-05-01", "2027-06-01", "produto", "merchant-support", 1000), J),
    ("customer rank", "top customer in may", "which", top_customer("2027-05-01", "2027-06-01"), J),
    ("customer", "loja-do-ze cost in april", "number", customer_cost("2027-04-01", "2027-05-01", "loja-do-ze"), J),
    ("customer unit", "padaria-estrela cost per request in june", "number", customer_per_request("2027-06-01", "2027-06-30", "padaria-estrela"), J),
    ("landing", "where will june land", "landing", cost(J_JUN), J),
    ("landing provider", "eom forecast for deepseek", "landing", cost(J_JUN, DEEPSEEK), J),
    ("breakdown", "may by ambiente", "names", "prod|hml", J),
    ("breakdown", "april broken down by provider", "names", "Microsoft|Amazon Web Services|Anthropic|Google Cloud|DeepSeek", J),
    ("tokens", "how many output tokens did gpt-4.1 use in may", "number", _tokens(J_MAY, "gpt-4.1", "output"), J),
    ("two dims", "atendimento's deepseek spend in may", "number", cost(J_MAY, f"{DEEPSEEK} AND {tag('equipe', 'atendimento')}"), J),
    ("two dims", "risco on azure last month", "number", cost(J_MAY, f"{AZURE} AND {tag('equipe', 'risco')}"), J),
    ("env mtd", "hml spend mtd", "number", cost(J_JUN, tag("ambiente", "hml")), J),
    ("relative", "last 30 days total", "number", cost(J_30D), J),
    ("ytd model", "ytd gemini spend", "number", cost(J_ALL, model_is("gemini-2.5-pro")), J),
    ("compare teams", "compliance vs credito in april", "which", which(J_APR, EQUIPE, f"{EQUIPE} IN ('compliance', 'credito')"), J),
    ("typo", "how much did deepsek cost in april", "number", cost(J_APR, DEEPSEEK), J),
    ("typo", "sonet 4.5 spend may", "number", cost(J_MAY, model_is("claude-sonnet-4-5")), J),
    ("rank features", "top 3 produtos last month", "which", which(J_MAY, PRODUTO), J),
    ("daily avg", "avg daily spend in june so far", "number", _daily(J_JUN, 29), J),
    ("partial month", "how much in march", "number", cost(J_MAR), J),
    ("week of", "spend the week of may 17", "number", cost(between("2027-05-17", "2027-05-24")), J),
    ("service", "bedrock spend last month", "number", cost(J_MAY, "ServiceName = 'Amazon Bedrock'"), J),
    ("cheapest", "cheapest provider in q2 so far", "which", which(J_Q2, "ProviderName", desc=False), J),
    ("model via commitment", "how much did claude haiku cost us in may", "number", cost(J_MAY, f"{ANY_MODEL} = 'claude-haiku-4-5'"), J),
    # ambiguous: the natural reading
    ("ambiguous", "fraud scoring in may", "number", cost(J_MAY, tag("produto", "fraud-scoring")), J),
    ("ambiguous", "staging spend in may", "number", cost(J_MAY, tag("ambiente", "hml")), J),
    ("ambiguous", "openai spend in april", "number", cost(J_APR, "ServiceName = 'Azure OpenAI'"), J),
    ("ambiguous", "whats june gonna be", "landing", cost(J_JUN), J),
    ("ambiguous", "the PT in april", "number", cost(J_APR, f"ResourceName = '{PT}'"), J),
    ("ambiguous", "how much was support in may", "number", cost(J_MAY, tag("produto", "merchant-support")), J),
    # unanswerable: no figure
    ("unanswerable", "whats our take rate on pix this month", "none", "", J),
    ("unanswerable", "revenue per merchant in may", "none", "", J),
    ("unanswerable", "cost per transaction last month", "none", "", J),
    ("unanswerable", "cost per chargeback won in may", "none", "", J),
    ("unanswerable", "how much did the cobranca team spend in may", "none", "", J),
    ("unanswerable", "the payments-core team in april", "none", "", J),
    ("unanswerable", "padaria-sol cost in may", "none", "", J),
    ("unanswerable", "what did we spend in february", "none", "", J),
    ("unanswerable", "what were july's actuals", "none", "", J),
    ("unanswerable", "how much did we spend on cohere in may", "none", "", J),
    ("unanswerable", "mistral bill q2", "none", "", J),
    ("unanswerable", "avg gpu util in may", "none", "", J),
    ("unanswerable", "how much did gpt-5 cost in june", "none", "", J),
    ("unanswerable", "may spend broken down by cost_center", "none", "", J),
    ("unanswerable", "cost per employee in may", "none", "", J),
    ("unanswerable", "margin on loja-do-ze in may", "none", "", J),
    ("unanswerable", "how much did llama cost us in april", "none", "", J),
    ("unanswerable", "what did the ec2 boxes cost in may", "none", "", J),
    ("unanswerable", "loja-do-ze and mercado-central spend in april", "none", "", J),
    ("unanswerable", "how much did we spend in 2026", "none", "", J),
]  # fmt: skip

JABUTI_THREADS = [
    ("atendimento-drop-hml", [
        ("atendimento spend in may", "number", cost(J_MAY, tag("equipe", "atendimento"))),
        ("drop hml", "number", cost(J_MAY, f"{tag('equipe', 'atendimento')} AND Tags->>'ambiente' <> 'hml'")),
        ("and april?", "number", cost(J_APR, f"{tag('equipe', 'atendimento')} AND Tags->>'ambiente' <> 'hml'")),
    ]),
    ("top-team-then-it", [
        ("top equipe last month", "which", which(J_MAY, EQUIPE)),
        ("how much was that", "number", cost(J_MAY, top_is(EQUIPE, J_MAY))),
        ("and the month before", "number", cost(J_APR, top_is(EQUIPE, J_MAY))),
    ]),
    ("spike-day", [
        ("y was may 20 so pricey", "which", which(SPIKE_J, MODEL, TOKENS)),
        ("how much did it cost that day", "number", cost(SPIKE_J, GPT41)),
        ("and the day after", "number", cost(between("2027-05-21", "2027-05-22"), GPT41)),
    ]),
    ("pt-save", [
        ("how much did the bedrock pt save in april", "number", _saved(J_APR, PT)),
        ("and in may?", "number", _saved(J_MAY, PT)),
        ("how much went unused in may", "number", unused(J_MAY, PT)),
    ]),
    ("top-customer", [
        ("which customer cost most in june", "which", top_customer("2027-06-01", "2027-06-30")),
        ("their cost per request", "number", of_top("sum(c) / sum(r)", "2027-06-01", "2027-06-30")),
        ("and the total for them", "number", of_top("sum(c)", "2027-06-01", "2027-06-30")),
    ]),
    ("unknown-team-end", [
        ("compliance spend in april", "number", cost(J_APR, tag("equipe", "compliance"))),
        ("and the cobranca team?", "none", ""),
    ]),
    ("compare-then-week", [
        ("azure vs deepseek last wk", "which", which(J_LASTWK, "ProviderName", f"{AZURE} OR {DEEPSEEK}")),
        ("and the week before", "which", which(J_WK_BEFORE, "ProviderName", f"{AZURE} OR {DEEPSEEK}")),
    ]),
    ("model-change", [
        ("nova-pro spend in april", "number", cost(J_APR, model_is("nova-pro"))),
        ("how did it change in may", "number", change(J_MAY, J_APR, model_is("nova-pro"))),
    ]),
]  # fmt: skip

JABUTI_MISSES: dict[str, str] = {}


class _Round21(ThreadedRound):
    """The round's companies (known misses, with their causes, in MISSES)."""


class TestMatarikiOrchards(_Round21):
    AS_OF = M
    CURRENCY = "NZD"
    QUESTIONS = MATARIKI_QUESTIONS
    THREADS = MATARIKI_THREADS
    MISSES = MATARIKI_MISSES

    def build(self, folder: Path) -> Store:
        return round_store(folder, build_matariki(folder), "matariki")


class TestJabutiPagamentos(_Round21):
    AS_OF = J
    CURRENCY = "BRL"
    QUESTIONS = JABUTI_QUESTIONS
    THREADS = JABUTI_THREADS
    MISSES = JABUTI_MISSES

    def build(self, folder: Path) -> Store:
        return round_store(folder, build_jabuti(folder), "jabuti")
