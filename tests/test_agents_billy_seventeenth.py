"""Billy's seventeenth blind round: two new companies, with questions and threads written before reading the
planner's code and without reading earlier rounds' question tables, weighted toward what the hidden battery
punishes (at least 15 unanswerable questions per company, several that look answerable, and a few ambiguous ones
whose reading Billy must state):
- Glazura Ceramika (tests/fixtures/billy/glazura.py, PLN): a Polish tile and tableware maker on Mistral AI,
  DeepSeek, Fireworks AI (with a reserved deployment 'fw-reserved-vl') and Scaleway H100/L40S boxes, tags
  budget_holder/capability/phase, telemetry distributors for quote-bot ("today" is 2027-06-09, June unfinished,
  the data starting on February 15);
- Mothebe Platinum (tests/fixtures/billy/mothebe.py, ZAR): a South African platinum miner on OpenAI, Anthropic,
  Azure OpenAI (provider 'Microsoft') and AWS (provider 'Amazon Web Services': EC2 p5.48xlarge / g6.12xlarge
  boxes and a Bedrock provisioned-throughput commitment 'pt-shiftlogs'), tags bu/system/envt, telemetry mine sites
  for incident-reader ("today" is 2027-02-18, the data crossing a year end).
Each answerable question's expected answer is hand-written SQL over the imported rows (never Billy's operations);
an unanswerable one ("none") passes only when Billy states no figure. Judged by billy_harness.judge; an answer
about a bill in zloty or rand that shows a '$' figure fails.
docs/performance.md ("Billy blind round 17") records the first scores; MISSES holds each first-score failure with
its cause seen from outside (strict xfail).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from billy_harness import (
    ANY_MODEL,
    ThreadedRound,
    between,
    change,
    commitment_payg,
    cost,
    customer_cost,
    customer_per_request,
    day,
    expected,
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
from fixtures.billy.glazura import build as build_glazura
from fixtures.billy.mothebe import build as build_mothebe
from spendscope.agents.billy import ask
from spendscope.data.settings import Settings
from spendscope.data.store import Store

# ------------------------------------------------------------------------------- Glazura Ceramika (PLN)

G = "2027-06-09"  # a Wednesday; the data ends the day before
G_FEB = between("2027-02-01", "2027-03-01")
G_MAR = between("2027-03-01", "2027-04-01")
G_APR = between("2027-04-01", "2027-05-01")
G_MAY = between("2027-05-01", "2027-06-01")
G_JUN = between("2027-06-01", "2027-06-09")
MISTRAL = "ProviderName = 'Mistral AI'"
DEEPSEEK = "ProviderName = 'DeepSeek'"
FIREWORKS = "ProviderName = 'Fireworks AI'"
SCALEWAY = "ProviderName = 'Scaleway'"
HOLDER = "Tags->>'budget_holder'"
CAP = "Tags->>'capability'"
H100 = "ResourceName = 'glaze-vision-h100'"
G_H100 = "instance_id = 'scw-h100-glaze'"
G_L40S = "instance_id = 'scw-l40s-render'"

GLAZURA_QUESTIONS = [
    # month-end landing (two: each fits a model)
    ("landing", "where r we gonna land for june?", "landing", cost(G_JUN), G),
    ("landing", "june month end estimate pls", "landing", cost(G_JUN), G),
    # "our <provider> bill"
    ("invoice", "whats our mistral bill for may", "number", cost(G_MAY, MISTRAL), G),
    ("invoice", "how much did deepseek charge us in april", "number", cost(G_APR, DEEPSEEK), G),
    ("invoice", "what did fireworks actually invoice us for feb", "number", cost(G_FEB, FIREWORKS, "BilledCost"), G),
    ("invoice", "scaleway bill last month?", "number", cost(G_MAY, SCALEWAY), G),
    # totals, teams, features, models (lower-case, spaced, loose)
    ("total", "total spend in april?", "number", cost(G_APR), G),
    ("team", "how much did the design team spend in may", "number", cost(G_MAY, tag("budget_holder", "design")), G),
    ("team", "kiln ops spend in april", "number", cost(G_APR, tag("budget_holder", "kiln-ops")), G),
    ("feature", "what did quote bot cost us in march", "number", cost(G_MAR, tag("capability", "quote-bot")), G),
    ("model", "how much went on mistral large in may", "number", cost(G_MAY, model_is("mistral-large-2")), G),
    ("model", "r1 spend last month", "number", cost(G_MAY, model_is("deepseek-r1")), G),
    ("feature", "lead scoring cost in may?", "number", cost(G_MAY, tag("capability", "lead-score")), G),
    # shares
    ("share", "what % of may spend was deepseek", "number", share(G_MAY, DEEPSEEK), G),
    ("share", "sales share of april spend?", "number", share(G_APR, tag("budget_holder", "sales")), G),
    ("share", "how much of the scaleway spend in may was the h100 box, in %", "number", share(G_MAY, H100, SCALEWAY), G),
    # rankings
    ("rank", "which team spent the most in may", "which", which(G_MAY, HOLDER), G),
    ("rank", "biggest model by spend in april?", "which", which(G_APR, ANY_MODEL), G),
    ("rank", "cheapest provider in may", "which", which(G_MAY, "ProviderName", desc=False), G),
    ("rank", "which distributor cost the most on quote bot in may", "which", top_customer("2027-05-01", "2027-06-01"), G),
    ("rank", "which capability cost the most in march", "which", which(G_MAR, CAP), G),
    # changes
    ("change", "how did total spend change from april to may", "number", change(G_MAY, G_APR), G),
    ("change", "mistral % change march vs april", "number", pct(G_APR, G_MAR, MISTRAL), G),
    ("change", "scaleway costs may vs april, how much diff", "number", change(G_MAY, G_APR, SCALEWAY), G),
    # unit costs from telemetry
    ("unit", "cost per request for quote-bot in may", "number", feature_per_request("2027-05-01", "2027-06-01", "capability", "quote-bot"), G),
    ("unit", "whats quote bot costing per 1000 requests in april", "number", feature_per_request("2027-04-01", "2027-05-01", "capability", "quote-bot", 1000), G),
    ("unit", "cost per request for dyst-bauhof last month", "number", customer_per_request("2027-05-01", "2027-06-01", "dyst-bauhof"), G),
    ("unit", "how much did terrazzo cost us in may", "number", customer_cost("2027-05-01", "2027-06-01", "dyst-terrazzo"), G),
    # a day, a range, a month's anomalies
    ("day", "why was apr 14 so expensive", "names", "deepseek-r1", G),
    ("day", "most expensive day in april?", "date", day(G_APR), G),
    ("wrong", "what went wrong between apr 12 and apr 16", "names", "deepseek-r1", G),
    ("anomaly", "any anomalies in april?", "names", "deepseek-r1", G),
    # GPU utilisation by loose instance names
    ("gpu", "avg gpu util on the h100 box in may", "number", gpu_util("2027-05-01", "2027-06-01", G_H100), G),
    ("gpu", "l40s utilisation march", "number", gpu_util("2027-03-01", "2027-04-01", G_L40S), G),
    ("gpu", "how busy was the render box last month", "number", gpu_util("2027-05-01", "2027-06-01", G_L40S), G),
    ("gpu", "how much did the glaze vision gpus cost in april", "number", cost(G_APR, H100), G),
    # commitment: pay-as-you-go what-ifs and waste
    ("payg", "what would fw-reserved-vl have cost on payg in may", "number", commitment_payg(G_MAY, "fw-reserved-vl"), G),
    ("payg", "if we dropped the fireworks reservation and went pay as you go what would april have cost", "number", commitment_payg(G_APR, "fw-reserved-vl"), G),
    ("commit", "how much of the fireworks reservation was unused in may", "number", unused(G_MAY, "fw-reserved-vl"), G),
    # ambiguous: the reading must be stated; the figure is the natural one
    ("ambiguous", "mistral spend may", "number", cost(G_MAY, MISTRAL), G),
    ("ambiguous", "what did test cost in may", "number", cost(G_MAY, tag("phase", "test")), G),
    ("ambiguous", "how much did quality spend in april", "number", cost(G_APR, tag("budget_holder", "quality")), G),
    ("ambiguous", "how much did sales spend in march", "number", cost(G_MAR, tag("budget_holder", "sales")), G),
    ("ambiguous", "spend last month", "number", cost(G_MAY), G),
    # unanswerable: no figure may be stated
    ("none", "whats our gross margin on tiles this quarter", "none", "", G),
    ("none", "how much revenue did quote bot bring in in may", "none", "", G),
    ("none", "ai spend per employee in may?", "none", "", G),
    ("none", "what did the packaging team spend in april", "none", "", G),
    ("none", "how much did the marketing team spend in may", "none", "", G),
    ("none", "cost for dyst-majolika in may", "none", "", G),
    ("none", "how much did dyst-bauhaus cost us last month", "none", "", G),
    ("none", "what were our actual costs in july", "none", "", G),
    ("none", "how much did we spend on openai in may", "none", "", G),
    ("none", "aws spend in march?", "none", "", G),
    ("none", "how much did gpt-5 cost us in april", "none", "", G),
    ("none", "break down may by the cost_center tag", "none", "", G),
    ("none", "what did we spend in january", "none", "", G),
    ("none", "profit on the catalogue this year?", "none", "", G),
    ("none", "how many kilns do we run", "none", "", G),
    ("none", "cost per tile produced in may", "none", "", G),
    ("none", "whats the carbon footprint of our gpus in may", "none", "", G),
    ("none", "how many sales reps use quote bot", "none", "", G),
    ("none", "what was the roi of the h100 box", "none", "", G),
    ("none", "how much did the a100 box cost in may", "none", "", G),
]  # fmt: skip

G_TOP_TEAM_APR = top_is(HOLDER, G_APR)

GLAZURA_THREADS = [
    ("mistral-then", [
        ("mistral spend in may?", "number", cost(G_MAY, MISTRAL)),
        ("and in feb?", "number", cost(G_FEB, MISTRAL)),
        ("what about deepseek", "number", cost(G_FEB, DEEPSEEK)),
    ]),
    ("top-team", [
        ("which team spent the most in april", "which", which(G_APR, HOLDER)),
        ("how much was that", "number", cost(G_APR, G_TOP_TEAM_APR)),
        ("what % of april was it", "number", share(G_APR, G_TOP_TEAM_APR)),
    ]),
    ("day-why", [
        ("most expensive day in april?", "date", day(G_APR)),
        ("why", "names", "deepseek-r1"),
    ]),
    ("render-util", [
        ("util on the l40s box in april", "number", gpu_util("2027-04-01", "2027-05-01", G_L40S)),
        ("and in may?", "number", gpu_util("2027-05-01", "2027-06-01", G_L40S)),
    ]),
    ("quote-unit", [
        ("cost per request for quote bot in april", "number", feature_per_request("2027-04-01", "2027-05-01", "capability", "quote-bot")),
        ("and for may?", "number", feature_per_request("2027-05-01", "2027-06-01", "capability", "quote-bot")),
    ]),
    ("unknown-team", [
        ("design team spend in may", "number", cost(G_MAY, tag("budget_holder", "design"))),
        ("and the packaging team?", "none", ""),
    ]),
    ("payg", [
        ("what would the fireworks reservation have cost payg in april", "number", commitment_payg(G_APR, "fw-reserved-vl")),
        ("and in may", "number", commitment_payg(G_MAY, "fw-reserved-vl")),
    ]),
    ("top-distributor", [
        ("top customer on quote bot last month?", "which", top_customer("2027-05-01", "2027-06-01")),
        ("whats their cost per request", "number", of_top("sum(c) / sum(r)", "2027-05-01", "2027-06-01")),
    ]),
]  # fmt: skip


# ------------------------------------------------------------------------------- Mothebe Platinum (ZAR)

M = "2027-02-18"  # a Thursday; the data ends the day before
M_OCT = between("2026-10-01", "2026-11-01")
M_NOV = between("2026-11-01", "2026-12-01")
M_DEC = between("2026-12-01", "2027-01-01")
M_JAN = between("2027-01-01", "2027-02-01")
M_FEB = between("2027-02-01", "2027-02-18")
OPENAI = "ProviderName = 'OpenAI'"
ANTHROPIC = "ProviderName = 'Anthropic'"
AZURE = "ProviderName = 'Microsoft'"
AWS = "ProviderName = 'Amazon Web Services'"
BU = "Tags->>'bu'"
SYSTEM = "Tags->>'system'"
P5 = "ResourceName = 'ore-sim-p5'"
M_P5 = "instance_id = 'i-0a1b2c3d4e5f60718'"
M_G6 = "instance_id = 'i-0f9e8d7c6b5a40312'"

MOTHEBE_QUESTIONS = [
    # month-end landing (two: each fits a model)
    ("landing", "feb landing?", "landing", cost(M_FEB), M),
    ("landing", "what r we on track for this month", "landing", cost(M_FEB), M),
    # "our <provider> bill"
    ("invoice", "our openai bill for january", "number", cost(M_JAN, OPENAI), M),
    ("invoice", "how much was the azure bill in nov", "number", cost(M_NOV, AZURE), M),
    ("invoice", "what did aws actually invoice us for october", "number", cost(M_OCT, AWS, "BilledCost"), M),
    ("invoice", "anthropic bill dec?", "number", cost(M_DEC, ANTHROPIC), M),
    # totals, teams, features, models
    ("total", "total spend dec", "number", cost(M_DEC), M),
    ("total", "how much did we spend last year", "number", cost(between("2026-01-01", "2027-01-01")), M),
    ("team", "how much did geology spend in january", "number", cost(M_JAN, tag("bu", "geology")), M),
    ("team", "safety team spend last month", "number", cost(M_JAN, tag("bu", "safety")), M),
    ("team", "logistics spend dec", "number", cost(M_DEC, tag("bu", "logistics")), M),
    ("feature", "incident reader cost in jan", "number", cost(M_JAN, tag("system", "incident-reader")), M),
    ("feature", "haul planner spend december", "number", cost(M_DEC, tag("system", "haul-planner")), M),
    ("model", "opus spend in jan", "number", cost(M_JAN, model_is("claude-opus-4-1")), M),
    ("model", "4.1 mini cost last month", "number", cost(M_JAN, model_is("gpt-4.1-mini")), M),
    ("model", "how much did the embeddings cost in december", "number", cost(M_DEC, model_is("text-embedding-3-large")), M),
    # shares
    ("share", "what share of jan was anthropic", "number", share(M_JAN, ANTHROPIC), M),
    ("share", "% of december spend on ec2", "number", share(M_DEC, "ServiceName = 'Amazon Elastic Compute Cloud'"), M),
    ("share", "dev share of january spend", "number", share(M_JAN, tag("envt", "dev")), M),
    # rankings
    ("rank", "which bu spent the most in jan", "which", which(M_JAN, BU), M),
    ("rank", "top model in december by cost", "which", which(M_DEC, ANY_MODEL), M),
    ("rank", "cheapest team in december", "which", which(M_DEC, BU, desc=False), M),
    ("rank", "which site cost the most for incident reader in jan", "which", top_customer("2027-01-01", "2027-02-01"), M),
    # changes
    ("change", "how much did spend change dec to jan", "number", change(M_JAN, M_DEC), M),
    ("change", "openai % change nov vs dec", "number", pct(M_DEC, M_NOV, OPENAI), M),
    ("change", "did anthropic go up or down jan vs dec, by how much", "number", change(M_JAN, M_DEC, ANTHROPIC), M),
    # unit costs from telemetry
    ("unit", "cost per request for incident reader in january", "number", feature_per_request("2027-01-01", "2027-02-01", "system", "incident-reader"), M),
    ("unit", "incident-reader cost per 1k requests dec", "number", feature_per_request("2026-12-01", "2027-01-01", "system", "incident-reader", 1000), M),
    ("unit", "cost per request for rietvlei in jan", "number", customer_per_request("2027-01-01", "2027-02-01", "site-rietvlei"), M),
    ("unit", "how much did kgotla cost us in december", "number", customer_cost("2026-12-01", "2027-01-01", "site-kgotla"), M),
    # a day, a range, a month's anomalies
    ("day", "why was dec 8 so pricey", "names", "gpt-4.1", M),
    ("day", "priciest day in dec", "date", day(M_DEC), M),
    ("wrong", "wtf happened dec 7-9", "names", "gpt-4.1", M),
    ("anomaly", "anomalies in december?", "names", "gpt-4.1", M),
    # GPU utilisation by loose instance names
    ("gpu", "avg util on the p5 in january", "number", gpu_util("2027-01-01", "2027-02-01", M_P5), M),
    ("gpu", "how busy was the ore sim box in nov", "number", gpu_util("2026-11-01", "2026-12-01", M_P5), M),
    ("gpu", "l4 util last month", "number", gpu_util("2027-01-01", "2027-02-01", M_G6), M),
    ("gpu", "drone box utilisation december", "number", gpu_util("2026-12-01", "2027-01-01", M_G6), M),
    ("gpu", "how much did the ore-sim gpus cost in jan", "number", cost(M_JAN, P5), M),
    # commitment: pay-as-you-go what-ifs and waste
    ("payg", "what would pt-shiftlogs have cost on demand in jan", "number", commitment_payg(M_JAN, "pt-shiftlogs"), M),
    ("payg", "bedrock provisioned throughput in december: what would payg have been", "number", commitment_payg(M_DEC, "pt-shiftlogs"), M),
    ("commit", "how much of pt-shiftlogs went unused in jan", "number", unused(M_JAN, "pt-shiftlogs"), M),
    # ambiguous: the reading must be stated; the figure is the natural one
    ("ambiguous", "how much did processing spend in jan", "number", cost(M_JAN, tag("bu", "processing")), M),
    ("ambiguous", "what did dev cost in december", "number", cost(M_DEC, tag("envt", "dev")), M),
    ("ambiguous", "azure spend jan", "number", cost(M_JAN, AZURE), M),
    ("ambiguous", "how much did the sims cost in january", "number", cost(M_JAN, tag("system", "ore-sim")), M),
    ("ambiguous", "spend last month", "number", cost(M_JAN), M),
    # unanswerable: no figure may be stated
    ("none", "whats our ebitda margin this quarter", "none", "", M),
    ("none", "how much platinum did we mine in jan", "none", "", M),
    ("none", "ai spend per miner in january?", "none", "", M),
    ("none", "revenue from the assay predictor last month", "none", "", M),
    ("none", "how much did the exploration team spend in jan", "none", "", M),
    ("none", "how much did the finance team spend in dec", "none", "", M),
    ("none", "how much did site-tumela cost in jan", "none", "", M),
    ("none", "cost for site-marikana in december", "none", "", M),
    ("none", "actual spend for march 2027?", "none", "", M),
    ("none", "how much did we spend on google cloud in jan", "none", "", M),
    ("none", "gemini spend in dec", "none", "", M),
    ("none", "spend by cost_centre tag in jan", "none", "", M),
    ("none", "what did we spend in september", "none", "", M),
    ("none", "whats the fx impact of the rand on our ai bill", "none", "", M),
    ("none", "cost per ounce of platinum produced in jan", "none", "", M),
    ("none", "payback period on the p5 box?", "none", "", M),
    ("none", "how much did the a10g box cost in jan", "none", "", M),
    ("none", "what was our spend per shift in january", "none", "", M),
]  # fmt: skip

M_TOP_BU_JAN = top_is(BU, M_JAN)

MOTHEBE_THREADS = [
    ("azure-then", [
        ("azure spend in december", "number", cost(M_DEC, AZURE)),
        ("and jan?", "number", cost(M_JAN, AZURE)),
        ("how about openai", "number", cost(M_JAN, OPENAI)),
    ]),
    ("top-bu", [
        ("which bu spent the most in january", "which", which(M_JAN, BU)),
        ("how much was that", "number", cost(M_JAN, M_TOP_BU_JAN)),
        ("and in december?", "number", cost(M_DEC, M_TOP_BU_JAN)),
    ]),
    ("day-why", [
        ("priciest day in december?", "date", day(M_DEC)),
        ("why?", "names", "gpt-4.1"),
    ]),
    ("p5-util", [
        ("p5 util in december", "number", gpu_util("2026-12-01", "2027-01-01", M_P5)),
        ("and january?", "number", gpu_util("2027-01-01", "2027-02-01", M_P5)),
    ]),
    ("incident-unit", [
        ("incident reader cost per request in dec", "number", feature_per_request("2026-12-01", "2027-01-01", "system", "incident-reader")),
        ("and in jan", "number", feature_per_request("2027-01-01", "2027-02-01", "system", "incident-reader")),
    ]),
    ("unknown-team", [
        ("geology spend jan", "number", cost(M_JAN, tag("bu", "geology"))),
        ("what about exploration?", "none", ""),
    ]),
    ("payg", [
        ("what would pt-shiftlogs cost on payg in december", "number", commitment_payg(M_DEC, "pt-shiftlogs")),
        ("and how much of it was unused", "number", unused(M_DEC, "pt-shiftlogs")),
    ]),
    ("top-site", [
        ("which site costs us most on incident reader in jan", "which", top_customer("2027-01-01", "2027-02-01")),
        ("whats their cost per request", "number", of_top("sum(c) / sum(r)", "2027-01-01", "2027-02-01")),
    ]),
]  # fmt: skip

# first-score failures not fixed (question or thread name -> cause), filled in after the first run; each declines
# with no figure, so none states a wrong number
GLAZURA_MISSES: dict[str, str] = {}
MOTHEBE_MISSES: dict[str, str] = {}


class _Round17(ThreadedRound):
    """The round's companies (known misses, with their causes, in MISSES)."""


class TestGlazuraCeramika(_Round17):
    AS_OF = G
    CURRENCY = "PLN"
    QUESTIONS = GLAZURA_QUESTIONS
    THREADS = GLAZURA_THREADS
    MISSES = GLAZURA_MISSES

    def build(self, folder: Path) -> Store:
        return round_store(folder, build_glazura(folder), "glazura")


class TestMothebePlatinum(_Round17):
    AS_OF = M
    CURRENCY = "ZAR"
    QUESTIONS = MOTHEBE_QUESTIONS
    THREADS = MOTHEBE_THREADS
    MISSES = MOTHEBE_MISSES

    def build(self, folder: Path) -> Store:
        return round_store(folder, build_mothebe(folder), "mothebe")

    def test_a_customer_ranking_within_a_system_reads_it_as_the_events_feature(
        self, store: Store, settings: Settings
    ) -> None:
        """The bill's tag `system` incident-reader is what the usage events call their feature: the ranking is
        answered within it, saying so (it was declined: attribution by customer alone)."""
        a = ask(
            store,
            "which customer costs us most on incident reader in jan",
            settings=settings,
            as_of=dt.date.fromisoformat(M),
        )
        winner, _ = expected(store, "which", top_customer("2027-01-01", "2027-02-01"))
        assert a.value == winner and a.tools[0].input["by"] == ["customer", "feature"]
        assert "system incident-reader read as the usage events' feature of that name" in a.answer
