"""Billy's third blind round: a fifth company (Larkspur Health, tests/fixtures/billy/larkspur.py: January to April
2026, three providers, Azure OpenAI invoiced by the reseller 'SHI International', models named only in the meter
text with SkuPriceDetails empty, tags CostCenter/Project/Stage, an Azure 'Reservation', A100 'a2-highgpu-1g'
instances on Compute Engine) and 110 questions written before Billy was changed for them, most with relative
periods and an as-of date. Every expected answer is hand-written SQL over raw FOCUS columns (SkuMeter,
ChargeDescription, ConsumedQuantity, Tags, InvoiceIssuerName), never Billy's operations or the derived x_ columns.
docs/performance.md records the score before and after the fixes this set prompted.
"""

from __future__ import annotations

from pathlib import Path

from billy_harness import (
    BlindRound,
    between,
    change,
    cost,
    day,
    expected,
    judged,
    pct,
    pytest_generate_tests,  # noqa: F401 - parametrizes the rounds' tests
    share,
    which,
)
from fixtures.billy.larkspur import build as build_larkspur
from spendscope.agents.billy import ask
from spendscope.data.import_focus import import_focus
from spendscope.data.settings import Settings
from spendscope.data.store import Store

JAN, FEB = between("2026-01-01", "2026-02-01"), between("2026-02-01", "2026-03-01")
MAR, APR = between("2026-03-01", "2026-04-01"), between("2026-04-01", "2026-05-01")
Q1 = between("2026-01-01", "2026-04-01")
ALL = "true"
CC, PROJECT, STAGE = "Tags->>'CostCenter'", "Tags->>'Project'", "Tags->>'Stage'"
TOKENS = "ConsumedUnit = 'Tokens'"
SONNET, HAIKU = "SkuMeter LIKE 'Claude 3.5 Sonnet %'", "SkuMeter LIKE 'Claude 3 Haiku %'"
GPT4O, MINI = (
    "SkuMeter LIKE 'GPT-4o %' AND SkuMeter NOT LIKE 'GPT-4o mini %'",
    "SkuMeter LIKE 'GPT-4o mini %'",
)
FLASH = "SkuMeter LIKE 'Gemini 2.0 Flash %'"
OUTPUT = TOKENS + " AND SkuMeter LIKE '%Output%'"
CACHED = TOKENS + " AND (SkuMeter LIKE '%Cached Input' OR SkuMeter LIKE '%Caching Read%')"
INPUT = TOKENS + " AND SkuMeter LIKE '%Input%' AND NOT (" + CACHED + ")"
A100 = "ChargeDescription LIKE 'a2-highgpu-1g %'"
USED, UNUSED = "CommitmentDiscountStatus = 'Used'", "CommitmentDiscountStatus = 'Unused'"
MS, GOOGLE, ANTH = "ProviderName = 'Microsoft'", "ProviderName = 'Google Cloud'", "ProviderName = 'Anthropic'"
AOAI, VERTEX, GCE = (
    "ServiceName = 'Azure OpenAI'",
    "ServiceName = 'Vertex AI'",
    "ServiceName = 'Compute Engine'",
)
CLIN, RCM, PLAT = CC + " = 'Clinical AI'", CC + " = 'Revenue Cycle'", CC + " = 'Platform Eng'"
AS_OF, EARLY = "2026-04-20", "2026-03-05"  # a Monday in April; early March
LAST_MONTH, PAST_14, PAST_7 = MAR, between("2026-04-06", "2026-04-20"), between("2026-04-13", "2026-04-20")
QTD, YESTERDAY = between("2026-04-01", "2026-04-21"), between("2026-04-19", "2026-04-20")
PAST_30 = between("2026-03-21", "2026-04-20")


def tokens(period: str, where: str = TOKENS) -> str:
    return f"SELECT sum(ConsumedQuantity) FROM costs WHERE {period} AND {TOKENS} AND ({where})"


def unit(period: str, where: str, per: int = 1_000_000) -> str:
    return (
        f"SELECT sum(EffectiveCost) / sum(ConsumedQuantity) * {per} FROM costs WHERE {period} AND {TOKENS} "
        f"AND ({where})"
    )


def util(period: str) -> str:
    return (
        f"SELECT sum(EffectiveCost) FILTER (WHERE {USED}) / sum(EffectiveCost) * 100 FROM costs WHERE {period} "
        f"AND CommitmentDiscountStatus IN ('Used', 'Unused')"
    )


MODEL = (
    "CASE WHEN "
    + MINI
    + " THEN 'gpt-4o-mini' WHEN "
    + GPT4O
    + " THEN 'gpt-4o' WHEN "
    + SONNET
    + " THEN 'claude-3-5-sonnet' WHEN "
    + HAIKU
    + " THEN 'claude-3-haiku' WHEN "
    + FLASH
    + " THEN 'gemini-2.0-flash' END"
)

# (category, question, kind, sql, as_of); kind: number | which | date
QUESTIONS: list[tuple[str, str, str, str, str | None]] = [
    # totals
    ("total", "what was Larkspur's total spend in February 2026?", "number", cost(FEB), None),
    ("total", "total spend march 2026", "number", cost(MAR), None),
    ("total", "how much have we spent in total since January 1st 2026", "number", cost(ALL), "2026-05-01"),
    ("total", "sum of all costs for Q1 2026", "number", cost(Q1), None),
    ("total", "What's the overall bill (effective) for April 2026?", "number", cost(APR), None),
    ("total", "spend Jan-Feb 2026 combined", "number", cost(between("2026-01-01", "2026-03-01")), None),
    (
        "total",
        "how much did we spend in the first half of March 2026",
        "number",
        cost(between("2026-03-01", "2026-03-16")),
        None,
    ),
    # relative periods (as of Monday 2026-04-20 unless said)
    ("relative", "How much did we spend last month?", "number", cost(LAST_MONTH), AS_OF),
    ("relative", "spend over the past two weeks?", "number", cost(PAST_14), AS_OF),
    ("relative", "total for the previous 7 days", "number", cost(PAST_7), AS_OF),
    ("relative", "what have we spent this quarter so far", "number", cost(QTD), AS_OF),
    ("relative", "how much did we spend last quarter", "number", cost(Q1), AS_OF),
    ("relative", "Azure spend last month", "number", cost(LAST_MONTH, MS), AS_OF),
    ("relative", "vertex ai costs in the past 2 weeks", "number", cost(PAST_14, VERTEX), AS_OF),
    (
        "relative",
        "what did anthropic charge us in the previous seven days",
        "number",
        cost(PAST_7, ANTH),
        AS_OF,
    ),
    ("relative", "google cloud spend this quarter to date", "number", cost(QTD, GOOGLE), AS_OF),
    ("relative", "Clinical AI spend last quarter", "number", cost(Q1, CLIN), AS_OF),
    ("relative", "what did we spend yesterday?", "number", cost(YESTERDAY), AS_OF),
    ("relative", "last 30 days of spend on Compute Engine", "number", cost(PAST_30, GCE), AS_OF),
    ("relative", "spend for the month before last", "number", cost(FEB), AS_OF),
    ("relative", "how much did we spend last month", "number", cost(FEB), EARLY),
    (
        "relative",
        "Microsoft costs over the last 14 days",
        "number",
        cost(between("2026-02-19", "2026-03-05"), MS),
        EARLY,
    ),
    ("relative", "month-to-date spend", "number", cost(between("2026-03-01", "2026-03-06")), EARLY),
    ("relative", "how many output tokens did we use last month", "number", tokens(LAST_MONTH, OUTPUT), AS_OF),
    ("relative", "GPU spend in the past 2 weeks", "number", cost(PAST_14, A100), AS_OF),
    ("relative", "unused reservation cost last month", "number", cost(LAST_MONTH, UNUSED), AS_OF),
    # providers
    ("provider", "How much did we spend with Microsoft in March 2026?", "number", cost(MAR, MS), None),
    ("provider", "google spend feb 2026", "number", cost(FEB, GOOGLE), None),
    ("provider", "GCP costs for January 2026", "number", cost(JAN, GOOGLE), None),
    ("provider", "what did we pay anthropic in Q1 2026", "number", cost(Q1, ANTH), None),
    (
        "provider",
        "which cloud provider cost us the most in March 2026?",
        "which",
        which(MAR, "ProviderName"),
        None,
    ),
    ("provider", "cheapest vendor in feb 2026", "which", which(FEB, "ProviderName", desc=False), None),
    (
        "provider",
        "Azure or Google - which was more expensive in April 2026?",
        "which",
        which(APR, "ProviderName", MS + " OR " + GOOGLE),
        None,
    ),
    # services
    ("service", "What did Azure OpenAI cost in February 2026?", "number", cost(FEB, AOAI), None),
    ("service", "vertex spend march 2026", "number", cost(MAR, VERTEX), None),
    ("service", "how much did Compute Engine cost in Jan 2026", "number", cost(JAN, GCE), None),
    ("service", "GCE costs april 2026", "number", cost(APR, GCE), None),
    ("service", "which service did we spend the most on in Q1 2026", "which", which(Q1, "ServiceName"), None),
    (
        "service",
        "Anthropic's Claude service spend, March 2026",
        "number",
        cost(MAR, "ServiceName = 'Claude'"),
        None,
    ),
    # cost centers (the ownership tag)
    (
        "team",
        "How much did the Clinical AI cost center spend in March 2026?",
        "number",
        cost(MAR, CLIN),
        None,
    ),
    ("team", "revenue cycle spend feb 2026", "number", cost(FEB, RCM), None),
    ("team", "which cost center spent the most in March 2026?", "which", which(MAR, CC), None),
    ("team", "Which team spent the most in April 2026?", "which", which(APR, CC), None),
    ("team", "what did Platform Eng spend in January 2026", "number", cost(JAN, PLAT), None),
    ("team", "Research cost center costs, Feb 2026", "number", cost(FEB, CC + " = 'Research'"), None),
    ("team", "lowest spending cost centre in March 2026", "which", which(MAR, CC, desc=False), None),
    (
        "team",
        "how much did clinical ai spend on google in march 2026",
        "number",
        cost(MAR, CLIN + " AND " + GOOGLE),
        None,
    ),
    ("team", "which cost center spent the most on Azure in Feb 2026", "which", which(FEB, CC, MS), None),
    # projects (the feature tag)
    (
        "feature",
        "How much did the scribe project cost in March 2026?",
        "number",
        cost(MAR, PROJECT + " = 'scribe'"),
        None,
    ),
    (
        "feature",
        "claims-coder spend in February 2026",
        "number",
        cost(FEB, PROJECT + " = 'claims-coder'"),
        None,
    ),
    (
        "feature",
        "what was the cost of patient-chat in Jan 2026",
        "number",
        cost(JAN, PROJECT + " = 'patient-chat'"),
        None,
    ),
    ("feature", "which project cost the most in April 2026?", "which", which(APR, PROJECT), None),
    ("feature", "most expensive feature in March 2026", "which", which(MAR, PROJECT), None),
    (
        "feature",
        "prior-auth project costs for Q1 2026",
        "number",
        cost(Q1, PROJECT + " = 'prior-auth'"),
        None,
    ),
    (
        "feature",
        "model-eval spend last month",
        "number",
        cost(LAST_MONTH, PROJECT + " = 'model-eval'"),
        AS_OF,
    ),
    # stages (the environment tag)
    ("env", "How much did prod cost in March 2026?", "number", cost(MAR, STAGE + " = 'prod'"), None),
    ("env", "production spend feb 2026", "number", cost(FEB, STAGE + " = 'prod'"), None),
    ("env", "what did the UAT stage cost in January 2026", "number", cost(JAN, STAGE + " = 'uat'"), None),
    ("env", "dev spend in april 2026", "number", cost(APR, STAGE + " = 'dev'"), None),
    ("env", "which stage cost the most in March 2026?", "which", which(MAR, STAGE), None),
    (
        "env",
        "non-production spend in March 2026",
        "number",
        cost(MAR, "coalesce(" + STAGE + ", '') <> 'prod'"),
        None,
    ),
    # tokens
    ("tokens", "How many output tokens did we generate in March 2026?", "number", tokens(MAR, OUTPUT), None),
    ("tokens", "input tokens in february 2026", "number", tokens(FEB, INPUT), None),
    ("tokens", "total tokens processed in January 2026", "number", tokens(JAN), None),
    (
        "tokens",
        "how many tokens did Claude 3.5 Sonnet use in March 2026",
        "number",
        tokens(MAR, SONNET),
        None,
    ),
    (
        "tokens",
        "output tokens from gemini 2.0 flash in April 2026",
        "number",
        tokens(APR, FLASH + " AND " + OUTPUT),
        None,
    ),
    (
        "tokens",
        "cached input tokens for gpt-4o in Feb 2026",
        "number",
        tokens(FEB, GPT4O + " AND " + CACHED),
        None,
    ),
    (
        "tokens",
        "How many input tokens did we consume in March 2026, cached included?",
        "number",
        tokens(MAR, INPUT + " OR " + CACHED),
        None,
    ),
    (
        "tokens",
        "which model processed the most tokens in March 2026",
        "which",
        which(MAR, MODEL, TOKENS, measure="ConsumedQuantity"),
        None,
    ),
    ("tokens", "Azure OpenAI output tokens, Jan 2026", "number", tokens(JAN, AOAI + " AND " + OUTPUT), None),
    # models
    (
        "model",
        "How much did Claude 3.5 Sonnet cost across all providers in March 2026?",
        "number",
        cost(MAR, SONNET),
        None,
    ),
    (
        "model",
        "claude 3.5 sonnet spend on vertex in feb 2026",
        "number",
        cost(FEB, SONNET + " AND " + VERTEX),
        None,
    ),
    ("model", "Which model did we spend the most on in April 2026?", "which", which(APR, MODEL), None),
    ("model", "gpt-4o costs in March 2026", "number", cost(MAR, GPT4O), None),
    ("model", "what did gpt-4o mini cost in January 2026", "number", cost(JAN, MINI), None),
    ("model", "claude 3 haiku spend, Q1 2026", "number", cost(Q1, HAIKU), None),
    ("model", "Gemini 2.0 Flash costs for February 2026", "number", cost(FEB, FLASH), None),
    ("model", "cheapest model in March 2026", "which", which(MAR, MODEL, desc=False), None),
    (
        "model",
        "how much did all Claude models cost in April 2026",
        "number",
        cost(APR, SONNET + " OR " + HAIKU),
        None,
    ),
    # unit costs
    (
        "unit",
        "What was our average cost per million tokens for Gemini 2.0 Flash in March 2026?",
        "number",
        unit(MAR, FLASH),
        None,
    ),
    ("unit", "$ per 1M tokens for claude 3.5 sonnet in feb 2026", "number", unit(FEB, SONNET), None),
    (
        "unit",
        "cost per million output tokens for gpt-4o in January 2026",
        "number",
        unit(JAN, GPT4O + " AND " + OUTPUT),
        None,
    ),
    ("unit", "blended price per 1M tokens on Azure OpenAI in March 2026", "number", unit(MAR, AOAI), None),
    (
        "unit",
        "what did claude 3 haiku cost per million tokens last month",
        "number",
        unit(LAST_MONTH, HAIKU),
        AS_OF,
    ),
    ("unit", "per-million-token cost of gpt-4o mini in April 2026", "number", unit(APR, MINI), None),
    # changes
    (
        "change",
        "By how many dollars did total spend change from February 2026 to March 2026?",
        "number",
        change(MAR, FEB),
        None,
    ),
    ("change", "percentage change in spend Feb -> Mar 2026", "number", pct(MAR, FEB), None),
    (
        "change",
        "how much did Google spend grow from Jan 2026 to Mar 2026?",
        "number",
        change(MAR, JAN, GOOGLE),
        None,
    ),
    ("change", "last month vs the month before, in dollars", "number", change(MAR, FEB), AS_OF),
    (
        "change",
        "what's the % change in Azure OpenAI cost from March 2026 to April 2026",
        "number",
        pct(APR, MAR, AOAI),
        None,
    ),
    ("change", "Clinical AI spend change Jan 2026 to Feb 2026, in %", "number", pct(FEB, JAN, CLIN), None),
    (
        "change",
        "how did GPU costs change between February 2026 and March 2026",
        "number",
        change(MAR, FEB, A100),
        None,
    ),
    (
        "change",
        "anthropic spend difference, March 2026 vs February 2026",
        "number",
        change(MAR, FEB, ANTH),
        None,
    ),
    # peaks
    ("peak", "Which day had the highest spend in March 2026?", "date", day(MAR), None),
    ("peak", "what was our most expensive day for Google Cloud?", "date", day(ALL, GOOGLE), None),
    ("peak", "busiest day for vertex ai spend in Q1 2026", "date", day(Q1, VERTEX), None),
    ("peak", "on what date did Azure spend peak in April 2026", "date", day(APR, MS), None),
    ("peak", "cheapest day in February 2026", "date", day(FEB, desc=False), None),
    # commitments (an Azure reservation)
    (
        "commitment",
        "How much of our Azure reservation went unused in February 2026?",
        "number",
        cost(FEB, UNUSED),
        None,
    ),
    ("commitment", "reservation utilization in March 2026", "number", util(MAR), None),
    ("commitment", "what % of the reserved capacity did we use in Feb 2026", "number", util(FEB), None),
    ("commitment", "wasted reservation spend Q1 2026", "number", cost(Q1, UNUSED), None),
    ("commitment", "commitment utilisation last month", "number", util(LAST_MONTH), AS_OF),
    (
        "commitment",
        "how much reservation did we actually use in January 2026, in dollars",
        "number",
        cost(JAN, USED),
        None,
    ),
    # billed by the invoice issuer
    (
        "billed",
        "How much did SHI International bill us in March 2026?",
        "number",
        cost(MAR, "InvoiceIssuerName = 'SHI International'", "BilledCost"),
        None,
    ),
    (
        "billed",
        "what did SHI invoice us for in January 2026",
        "number",
        cost(JAN, "InvoiceIssuerName = 'SHI International'", "BilledCost"),
        None,
    ),
    (
        "billed",
        "billed cost from Google Cloud in Feb 2026",
        "number",
        cost(FEB, "InvoiceIssuerName = 'Google Cloud'", "BilledCost"),
        None,
    ),
    ("billed", "total invoiced amount for April 2026", "number", cost(APR, ALL, "BilledCost"), None),
    (
        "billed",
        "how much did anthropic invoice us last month",
        "number",
        cost(LAST_MONTH, "InvoiceIssuerName = 'Anthropic'", "BilledCost"),
        AS_OF,
    ),
    # untagged
    (
        "allocation",
        "How much spend had no cost center tag in March 2026?",
        "number",
        cost(MAR, CC + " IS NULL"),
        None,
    ),
    ("allocation", "untagged spend in February 2026", "number", cost(FEB, CC + " IS NULL"), None),
    (
        "allocation",
        "spend without a Project tag in January 2026",
        "number",
        cost(JAN, PROJECT + " IS NULL"),
        None,
    ),
    ("allocation", "unallocated costs last month", "number", cost(LAST_MONTH, CC + " IS NULL"), AS_OF),
    # GPUs
    ("gpu", "How much did we spend on GPU instances in March 2026?", "number", cost(MAR, A100), None),
    ("gpu", "A100 spend in February 2026", "number", cost(FEB, A100), None),
    ("gpu", "what did the a2-highgpu-1g instances cost in Jan 2026", "number", cost(JAN, A100), None),
    ("gpu", "gpu costs q1 2026", "number", cost(Q1, A100), None),
    # shares
    (
        "share",
        "What share of our March 2026 spend went to Azure, in percent?",
        "number",
        share(MAR, MS),
        None,
    ),
    (
        "share",
        "what percent of Vertex AI spend in Feb 2026 was Claude?",
        "number",
        share(FEB, SONNET, VERTEX),
        None,
    ),
    ("share", "GPU share of total spend in Q1 2026 (%)", "number", share(Q1, A100), None),
    (
        "share",
        "what fraction of April 2026 costs came from the Clinical AI cost center, in %",
        "number",
        share(APR, CLIN),
        None,
    ),
    (
        "share",
        "percentage of Anthropic spend that was claude 3 haiku in March 2026",
        "number",
        share(MAR, HAIKU, ANTH),
        None,
    ),
]


# A second batch, written after the fixes for the set above and scored before changing anything for it.
QUESTIONS += [
    (
        "relative",
        "what did the Revenue Cycle cost center spend over the previous 14 days?",
        "number",
        cost(PAST_14, RCM),
        AS_OF,
    ),
    ("relative", "spend in the last fortnight on anthropic", "number", cost(PAST_14, ANTH), AS_OF),
    ("relative", "how much has Clinical AI spent this month so far", "number", cost(QTD, CLIN), AS_OF),
    ("relative", "last quarter's Vertex AI bill (effective)", "number", cost(Q1, VERTEX), AS_OF),
    ("team", "top cost center by spend last month", "which", which(LAST_MONTH, CC), AS_OF),
    (
        "feature",
        "which project had the lowest costs last quarter",
        "which",
        which(Q1, PROJECT, desc=False),
        AS_OF,
    ),
    ("env", "UAT spend over the past 30 days", "number", cost(PAST_30, STAGE + " = 'uat'"), AS_OF),
    (
        "model",
        "what did Claude 3.5 Sonnet cost us through Anthropic directly in March 2026",
        "number",
        cost(MAR, SONNET + " AND " + ANTH),
        None,
    ),
    ("unit", "avg $/1M tokens for gemini flash last month", "number", unit(LAST_MONTH, FLASH), AS_OF),
    (
        "change",
        "how much did spend change last month compared with the month before, in %",
        "number",
        pct(MAR, FEB),
        AS_OF,
    ),
    ("peak", "highest-spend day in the last 30 days", "date", day(PAST_30), AS_OF),
    ("commitment", "unused Azure reservation $ in Jan-Mar 2026", "number", cost(Q1, UNUSED), None),
    (
        "billed",
        "what did SHI International invoice last quarter",
        "number",
        cost(Q1, "InvoiceIssuerName = 'SHI International'", "BilledCost"),
        AS_OF,
    ),
    (
        "allocation",
        "how much of last month's spend had no CostCenter",
        "number",
        cost(LAST_MONTH, CC + " IS NULL"),
        AS_OF,
    ),
    ("gpu", "a100 instance costs over the past two weeks", "number", cost(PAST_14, A100), AS_OF),
    ("share", "what % of last month's spend was GPUs", "number", share(LAST_MONTH, A100), AS_OF),
]


class TestLarkspur(BlindRound):
    QUESTIONS = QUESTIONS

    def build(self, folder: Path) -> Store:
        s = Store(folder / "larkspur.duckdb", lock_timeout=10)
        import_focus(s, build_larkspur(folder / "larkspur.csv"))
        return s

    def test_two_values_of_one_dimension_named_as_a_list_stay_a_list_not_a_partial_reading(
        self, store: Store, settings: Settings
    ) -> None:
        want, _ = expected(store, "number", cost(MAR, VERTEX + " OR ServiceName = 'Claude'"))
        a = ask(store, "how much did Vertex AI and Claude cost in March 2026", settings=settings)
        assert judged(a.answer, a.value, "number", want, ()), a.answer

    def test_a_gpu_model_the_store_does_not_hold_is_declined_not_answered_with_other_gpus(
        self, store: Store, settings: Settings
    ) -> None:
        a = ask(store, "what did the H100 instances cost in March 2026", settings=settings)
        assert a.value is None and "H100" in a.answer
