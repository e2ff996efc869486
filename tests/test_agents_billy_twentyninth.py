"""Billy's twenty-ninth blind round: two new companies, with questions and threads written before reading the
planner's code, in the hidden battery's manner: short, sloppy Slack wording with typos ("mnth", "spnd", "pls",
"wks", "utilisation"), relative dates ("last 2 wks", "qtd", "since the 1st", "last fortnight", "h1", "prior
month"), two dimensions in one question ("bandung anthropic spend", "deira bedrock spend"), follow-ups ("and the
month before?", "why?", "which title / ward drove it", "just prod", "in %?", "excluding that one"), unit costs (per
1M tokens, per 1k requests, per request of a partner, per seat), forecasts, budgets in the question, what-ifs (a
model swap, a price change, turning something off), run rates, top / smallest / top 3 without the biggest, shares,
weekday against weekend, and about a fifth of questions Billy must answer with no figure (a name misspelt or that
does not exist, data the store lacks: latency, headcount, revenue, carbon, patients; months before the data or not
yet come; a name that matches two values: both shown or a question asked):
- Rimba Interactive (tests/fixtures/billy/rimba.py, IDR): a Jakarta game studio on OpenAI, Anthropic, Vertex AI,
  Azure OpenAI (gpt-4o **retired after 2027-04-15**), untagged Bedrock, two Compute Engine GPU boxes and Cursor
  seats; keys studio / title / env; telemetry partners for batik-quest ("today" 2027-06-10);
- Qasr Care (tests/fixtures/billy/qasr.py, AED): a Dubai hospital group whose **data starts mid-month**
  (2027-03-17) on Bedrock, Anthropic, OpenAI, Azure OpenAI (plus a provisioned-throughput commitment), untagged
  Vertex AI and GitHub Copilot seats; keys clinic / ward / env; no telemetry, no GPUs ("today" 2027-09-09).
Each answerable question's expected answer is hand-written SQL over the imported rows (never Billy's operations);
an unanswerable one ("none") passes only when Billy states no figure; a name matching two values ("names") passes
when both are named. An answer about a bill in rupiah or dirham that shows a bare '$' figure fails.
docs/performance.md ("Billy blind round 29") records the first scores; MISSES holds each first-score failure not
fixed, with its cause seen from outside (strict xfail).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from billy_harness import (
    ANY_MODEL,
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
    pct,
    round_store,
    saved,
    share,
    tag,
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
from fixtures.billy.qasr import build as build_qasr
from fixtures.billy.rimba import build as build_rimba
from spendscope.data.store import Store

UNTAGGED = "(Tags IS NULL OR Tags::VARCHAR IN ('', '{}'))"
ANTH = "ProviderName = 'Anthropic'"
OPENAI = "ProviderName = 'OpenAI'"
AWS = "ProviderName = 'Amazon Web Services'"
AZ = "ServiceName = 'Azure OpenAI'"
VX = "ServiceName = 'Vertex AI'"
BEDROCK = "ServiceName = 'Amazon Bedrock'"
GCE = "ServiceName = 'Compute Engine'"
WEEKEND = "dayofweek(ChargePeriodStart) IN (0, 6)"
WEEKDAY = "dayofweek(ChargePeriodStart) NOT IN (0, 6)"


def _per_day(period: str, days: str, where: str = "true") -> str:
    """The average cost per day over the days of `period` in `days` (a weekday / weekend filter), of the rows
    charged for one day (a monthly seat fee is no one day's spend, the day-of-week convention Billy states)."""
    return (
        f"SELECT sum(EffectiveCost) / count(DISTINCT CAST(ChargePeriodStart AS DATE)) FROM costs "
        f"WHERE {period} AND {days} AND ChargePeriodEnd - ChargePeriodStart <= INTERVAL 1 DAY AND ({where})"
    )


def _times(period: str, factor: int) -> str:
    """A period's cost times `factor` (an annualised month)."""
    return f"SELECT sum(EffectiveCost) * {factor} FROM costs WHERE {period}"


def _per_unit(period: str, where: str) -> str:
    """Cost over consumed quantity (per seat of a seat charge, per hour of a commitment)."""
    return f"SELECT sum(EffectiveCost) / sum(ConsumedQuantity) FROM costs WHERE {period} AND ({where})"


def _without_top(period: str, expr: str, where: str = "true") -> str:
    """A ranking of `expr` with the biggest value put last: the winner is the second biggest, and a list that
    still shows the biggest first fails."""
    inner = which(period, expr, where)
    return f"SELECT k, v FROM ({inner}) ORDER BY v = (SELECT max(v) FROM ({inner})), v DESC"


def _not_top(expr: str, period: str) -> str:
    """Rows whose `expr` is not the value that cost the most over `period` (rows without it kept)."""
    return f"NOT coalesce({top_is(expr, period)}, false)"


def _top_customer(start: str, end: str) -> str:
    """The telemetry customer that cost the most: each provider, model and day's bill split by the customers' share
    of telemetry's estimated cost, telemetry's provider matched to the bill's (gpt-4o's events say 'openai' while
    Azure bills it: those rows are no OpenAI bill to split)."""
    return (
        "WITH ev AS (SELECT CAST(ts AS DATE) d, lower(provider) p, model, customer, sum(estimated_cost) e "
        "FROM usage_events GROUP BY ALL), "
        f"bill AS (SELECT CAST(ChargePeriodStart AS DATE) d, lower(ProviderName) p, {MODEL} model, "
        "sum(EffectiveCost) c FROM costs WHERE ConsumedUnit = 'Tokens' GROUP BY ALL), "
        "parts AS (SELECT ev.d, ev.customer, bill.c * ev.e / sum(ev.e) OVER (PARTITION BY ev.d, ev.p, ev.model) AS c "
        "FROM ev JOIN bill ON ev.d = bill.d AND ev.p = bill.p AND ev.model = bill.model) "
        f"SELECT customer, sum(c) v FROM parts WHERE d >= DATE '{start}' AND d < DATE '{end}' GROUP BY 1 "
        "ORDER BY v DESC"
    )


# ------------------------------------------------------------------------------------------ Rimba Interactive

R = "2027-06-10"  # a Thursday; the data ends the day before and starts 2026-12-01
R_DEC = between("2026-12-01", "2027-01-01")
R_JAN = between("2027-01-01", "2027-02-01")
R_FEB = between("2027-02-01", "2027-03-01")
R_MAR = between("2027-03-01", "2027-04-01")
R_APR = between("2027-04-01", "2027-05-01")
R_MAY = between("2027-05-01", "2027-06-01")
R_JUN = between("2027-06-01", "2027-06-10")  # this month so far
R_Q1 = between("2027-01-01", "2027-04-01")
R_QTD = between("2027-04-01", "2027-06-10")
R_YTD = between("2027-01-01", "2027-06-10")
R_14D = between("2027-05-27", "2027-06-10")
R_7D = between("2027-06-03", "2027-06-10")
R_LASTWK = between("2027-05-31", "2027-06-07")
R_YDAY = between("2027-06-09", "2027-06-10")
STUDIO = "Tags->>'studio'"
TITLE = "Tags->>'title'"
CURSOR = "ProviderName = 'Cursor'"
L4 = "ResourceId = 'rb-l4-bake-01'"
A100 = "ResourceId = 'rb-a100-anim-02'"
GPT4O = model_is("gpt-4o")


def _studio(v: str) -> str:
    return tag("studio", v)


def _title(v: str) -> str:
    return tag("title", v)


def _env(v: str) -> str:
    return tag("env", v)


RIMBA_QUESTIONS = [
    ("total", "what did we spend in may", "number", cost(R_MAY), R),
    ("total", "spend since the 1st", "number", cost(R_JUN), R),
    ("total", "q1 total pls", "number", cost(R_Q1), R),
    ("total", "qtd spnd", "number", cost(R_QTD), R),
    ("total", "spend last fortnight", "number", cost(R_14D), R),
    ("total", "yday total", "number", cost(R_YDAY), R),
    ("total", "prior month spend", "number", cost(R_MAY), R),
    ("total", "h1 spend so far", "number", cost(R_YTD), R),
    ("total", "spend in dec 2026", "number", cost(R_DEC), R),
    ("total", "total from apr 5 to apr 18", "number", cost(between("2027-04-05", "2027-04-19")), R),
    ("total", "how much last wk", "number", cost(R_LASTWK), R),
    ("total", "past 7 days spend", "number", cost(R_7D), R),
    ("provider", "openai spend last mnth", "number", cost(R_MAY, OPENAI), R),
    ("provider", "anthropic cost in q1", "number", cost(R_Q1, ANTH), R),
    ("provider", "azure openai spend in march", "number", cost(R_MAR, AZ), R),
    ("provider", "vertex spend qtd", "number", cost(R_QTD, VX), R),
    ("provider", "bedrock cost last 2 wks", "number", cost(R_14D, BEDROCK), R),
    ("provider", "biggest provider ytd", "which", which(R_YTD, "ProviderName"), R),
    ("provider", "which provider cost least last month", "which", which(R_MAY, "ProviderName", desc=False), R),
    ("model", "gpt-4.1 spend in april", "number", cost(R_APR, model_is("gpt-4.1")), R),
    ("model", "sonnet cost last month", "number", cost(R_MAY, model_is("claude-sonnet-4-5")), R),
    ("model", "gemini flash spend in feb", "number", cost(R_FEB, model_is("gemini-2.5-flash")), R),
    ("model", "gpt-4o spend this quarter", "number", cost(R_QTD, GPT4O), R),
    ("model", "when did we stop using gpt-4o", "date", date_answer("2027-04-15"), R),
    ("model", "how many tokens did 4.1-mini use last month", "number", _tokens_all(R_MAY, "gpt-4.1-mini"), R),
    ("model", "haiku output tokens in q1", "number", _tokens(R_Q1, "claude-haiku-4-5", "output"), R),
    ("model", "top 3 models by spend last month", "which", which(R_MAY, MODEL, TOKENS), R),
    ("model", "cheapest model in april", "which", which(R_APR, MODEL, TOKENS, desc=False), R),
    ("model", "top 3 models excluding the biggest one in may", "which", _without_top(R_MAY, MODEL, TOKENS), R),
    ("unit", "gpt-4.1 cost per 1m tokens last month", "number", _unit(R_MAY, model_is("gpt-4.1")), R),
    ("unit", "blended cost per million tokens qtd", "number", _unit(R_QTD, "true"), R),
    ("unit", "gemini flash per 1m output tokens in march", "number",
     _unit(R_MAR, model_is("gemini-2.5-flash"), "output"), R),
    ("unit", "cost per 1k requests for batik-quest in may", "number",
     feature_per_request("2027-05-01", "2027-06-01", "title", "batik-quest", 1000), R),
    ("unit", "cost per request for garuda-esports last month", "number",
     customer_per_request("2027-05-01", "2027-06-01", "garuda-esports"), R),
    ("unit", "whats the cost per cursor seat", "number", _per_unit(R_MAY, CURSOR), R),
    ("customer", "which partner cost us the most in q1", "which", _top_customer("2027-01-01", "2027-04-01"), R),
    ("seats", "cursor spend last month", "number", cost(R_MAY, CURSOR), R),
    ("studio", "bandung spend last month", "number", cost(R_MAY, _studio("bandung")), R),
    ("studio", "which studio spent most in q1", "which", which(R_Q1, STUDIO), R),
    ("studio", "yogya spend in april", "number", cost(R_APR, _studio("yogya")), R),
    ("studio", "bandung anthropic spend in april", "number", cost(R_APR, f"{_studio('bandung')} AND {ANTH}"), R),
    ("studio", "bali gpu cost last month", "number", cost(R_MAY, f"{_studio('bali')} AND {GCE}"), R),
    ("studio", "spend by studio qtd", "which", which(R_QTD, STUDIO), R),
    ("title", "sky-raiders spend in march", "number", cost(R_MAR, _title("sky-raiders")), R),
    ("title", "batik quest cost last mnth", "number", cost(R_MAY, _title("batik-quest")), R),
    ("title", "ocean tycoon spend since the 1st", "number", cost(R_JUN, _title("ocean-tycoon")), R),
    ("title", "which title cost least in q1", "which", which(R_Q1, TITLE, desc=False), R),
    ("title", "batik-quest azure spend in march", "number", cost(R_MAR, f"{_title('batik-quest')} AND {AZ}"), R),
    ("title", "top 3 titles excluding the biggest, q1", "which", _without_top(R_Q1, TITLE), R),
    ("env", "dev spend last month", "number", cost(R_MAY, _env("dev")), R),
    ("env", "prod share of may spend", "number", share(R_MAY, _env("prod")), R),
    ("untagged", "how much was untagged last month", "number", cost(R_MAY, UNTAGGED), R),
    ("untagged", "% of q1 spend with no tags", "number", share(R_Q1, UNTAGGED), R),
    ("gpu", "how much did the l4 box cost last month", "number", cost(R_MAY, L4), R),
    ("gpu", "a100 utilisation in may", "number", gpu_util("2027-05-01", "2027-06-01", "instance_id = 'rb-a100-anim-02'"), R),
    ("gpu", "avg gpu util last month", "number", gpu_util("2027-05-01", "2027-06-01", "true"), R),
    ("gpu", "idle gpu cost in april", "number", _idle_gpu_cost("2027-04-01", "2027-05-01"), R),
    ("gpu", "gpu spend qtd", "number", cost(R_QTD, GCE), R),
    ("gpu", "how many gpus have we got", "number", GPUS, R),
    ("whatif", "if we swapped sonnet for haiku last month how much would we save", "number",
     _swap(R_MAY, "claude-sonnet-4-5", "16000", "80000"), R),
    ("whatif", "what if openai raised prices 10%, what would may have cost", "number", _scaled(R_MAY, OPENAI, "1.1"), R),
    ("whatif", "if we turned off the a100 box last month how much would we save", "number", cost(R_MAY, A100), R),
    ("whatif", "what if batik-quest used 40% fewer tokens, saving in may?", "number",
     _part(R_MAY, f"{_title('batik-quest')} AND {TOKENS}", "0.4"), R),
    ("share", "what share of may was gpus", "number", share(R_MAY, GCE), R),
    ("share", "sky-raiders as % of q1", "number", share(R_Q1, _title("sky-raiders")), R),
    ("share", "what % of bandung spend in may was anthropic", "number", share(R_MAY, ANTH, _studio("bandung")), R),
    ("compare", "may vs april spend diff", "number", change(R_MAY, R_APR), R),
    ("compare", "% change in openai spend may vs apr", "number", pct(R_MAY, R_APR, OPENAI), R),
    ("compare", "how much more did we spend in march than feb", "number", change(R_MAR, R_FEB), R),
    ("top", "most expensive day in march", "date", day(R_MAR), R),
    ("top", "cheapest day last month", "date", day(R_MAY, desc=False), R),
    ("weekday", "avg weekend daily spend in may", "number", _per_day(R_MAY, WEEKEND), R),
    ("weekday", "avg weekday spend per day last month", "number", _per_day(R_MAY, WEEKDAY), R),
    ("forecast", "where will june land", "landing", cost(R_JUN), R),
    ("forecast", "budget is 170m rupiah for june, will we make it", "landing", cost(R_JUN), R),
    ("burn", "avg daily spend last 2 wks", "number", _daily(R_14D, 14), R),
    ("burn", "monthly run rate based on the last 3 months", "number", _avg_monthly(between("2027-03-01", "2027-06-01"), 3), R),
    ("burn", "annualised run rate off may", "number", _times(R_MAY, 12), R),
    # no figure: names misspelt or absent, data the store does not hold, a name matching two values
    ("none", "how much did the jakarta studio spend last month", "none", "", R),
    ("none", "ocean-tycon spend in april", "none", "", R),
    ("none", "mistral spend in q1", "none", "", R),
    ("none", "whats the p95 latency for npc dialogue", "none", "", R),
    ("none", "revenue per player last month", "none", "", R),
    ("none", "cost per engineer in may", "none", "", R),
    ("none", "carbon footprint of the gpus last month", "none", "", R),
    ("none", "spend in nov 2026", "none", "", R),
    ("none", "spend in august", "none", "", R),
    ("none", "staging spend last mnth", "none", "", R),
    ("none", "h100 cost in may", "none", "", R),
    ("none", "are we over budget", "none", "", R),
    ("none", "batik-qeust spend last month", "none", "", R),
    ("none", "cost per daily active user in may", "none", "", R),
    ("none", "gemini on bedrock cost last month", "nopair", "", R),
    ("none", "4.1 spend in may", "names", "gpt-4.1|gpt-4.1-mini", R),
]  # fmt: skip

RIMBA_THREADS = [
    ("r-spike", [
        ("priciest day in march", "date", date_answer("2027-03-18")),
        ("why?", "names", "gemini"),
        ("which title drove it", "which", _drove("2027-03-18", "2027-03-17", TITLE)),
    ]),
    ("r-openai", [
        ("openai spend last month", "number", cost(R_MAY, OPENAI)),
        ("and the month before?", "number", cost(R_APR, OPENAI)),
        ("in %?", "number", pct(R_MAY, R_APR, OPENAI)),
    ]),
    ("r-studio", [
        ("which studio cost most in q1", "which", which(R_Q1, STUDIO)),
        ("how much was it", "number", cost(R_Q1, top_is(STUDIO, R_Q1))),
        ("just prod", "number", cost(R_Q1, f"{top_is(STUDIO, R_Q1)} AND {_env('prod')}")),
    ]),
    ("r-model", [
        ("which model cost the most last month", "which", which(R_MAY, ANY_MODEL)),
        ("excluding that one whats the total", "number", cost(R_MAY, _not_top(ANY_MODEL, R_MAY))),
    ]),
    ("r-gpt4o", [
        ("gpt-4o spend in q1", "number", cost(R_Q1, GPT4O)),
        ("and in april?", "number", cost(R_APR, GPT4O)),
    ]),
    ("r-unit", [
        ("gpt-4.1 cost per 1m tokens last month", "number", _unit(R_MAY, model_is("gpt-4.1"))),
        ("and the month before?", "number", _unit(R_APR, model_is("gpt-4.1"))),
    ]),
    ("r-title", [
        ("batik-quest spend in april", "number", cost(R_APR, _title("batik-quest"))),
        ("which provider was most of it", "which", which(R_APR, "ProviderName", _title("batik-quest"))),
    ]),
]  # fmt: skip

# ------------------------------------------------------------------------------------------ Qasr Care

Q = "2027-09-09"  # a Thursday; the data ends the day before and starts mid-month, on 2027-03-17
Q_MAR = between("2027-03-17", "2027-04-01")  # the month's part in the data
Q_APR = between("2027-04-01", "2027-05-01")
Q_MAY = between("2027-05-01", "2027-06-01")
Q_JUN = between("2027-06-01", "2027-07-01")
Q_JUL = between("2027-07-01", "2027-08-01")
Q_AUG = between("2027-08-01", "2027-09-01")
Q_SEP = between("2027-09-01", "2027-09-09")  # this month so far
Q_Q2 = between("2027-04-01", "2027-07-01")
Q_QTD = between("2027-07-01", "2027-09-09")
Q_H1 = between("2027-03-17", "2027-07-01")
Q_YTD = between("2027-03-17", "2027-09-09")
Q_14D = between("2027-08-26", "2027-09-09")
Q_LASTWK = between("2027-08-30", "2027-09-06")
Q_YDAY = between("2027-09-08", "2027-09-09")
CLINIC = "Tags->>'clinic'"
WARD = "Tags->>'ward'"
PTU = "ptu-records"
PTU_ROWS = f"ResourceName = '{PTU}'"
COPILOT = "ProviderName = 'GitHub'"
OPUS = model_is("claude-opus-4-1")


def _clinic(v: str) -> str:
    return tag("clinic", v)


def _ward(v: str) -> str:
    return tag("ward", v)


QASR_QUESTIONS = [
    ("total", "aug spend?", "number", cost(Q_AUG), Q),
    ("total", "mtd spend pls", "number", cost(Q_SEP), Q),
    ("total", "last qtr total", "number", cost(Q_Q2), Q),
    ("total", "spend this quarter so far", "number", cost(Q_QTD), Q),
    ("total", "yday spend", "number", cost(Q_YDAY), Q),
    ("total", "what did we spend last wk", "number", cost(Q_LASTWK), Q),
    ("total", "h1 total", "number", cost(Q_H1), Q),
    ("total", "spend in march", "number", cost(Q_MAR), Q),
    ("total", "ytd spend", "number", cost(Q_YTD), Q),
    ("total", "spend between jul 5 and jul 20", "number", cost(between("2027-07-05", "2027-07-21")), Q),
    ("total", "prior month total", "number", cost(Q_AUG), Q),
    ("provider", "bedrock spend last month", "number", cost(Q_AUG, BEDROCK), Q),
    ("provider", "anthropic cost mtd", "number", cost(Q_SEP, ANTH), Q),
    ("provider", "how much on azure in q2", "number", cost(Q_Q2, AZ), Q),
    ("provider", "openai spend in june", "number", cost(Q_JUN, OPENAI), Q),
    ("provider", "vertex spend last fortnight", "number", cost(Q_14D, VX), Q),
    ("provider", "which provider cost the most ytd", "which", which(Q_YTD, "ProviderName"), Q),
    ("provider", "smallest provider last month", "which", which(Q_AUG, "ProviderName", desc=False), Q),
    ("model", "opus spend in july", "number", cost(Q_JUL, OPUS), Q),
    ("model", "gpt-5-mini cost last month", "number", cost(Q_AUG, model_is("gpt-5-mini")), Q),
    ("model", "gemini pro spend qtd", "number", cost(Q_QTD, model_is("gemini-2.5-pro")), Q),
    ("model", "how many tokens did haiku use last month", "number", _tokens_all(Q_AUG, "claude-haiku-4-5"), Q),
    ("model", "opus output tokens in july", "number", _tokens(Q_JUL, "claude-opus-4-1", "output"), Q),
    ("model", "top model by spend last qtr", "which", which(Q_Q2, ANY_MODEL), Q),
    ("model", "sonnet vs opus in july, which cost more", "which",
     which(Q_JUL, MODEL, f"{MODEL} IN ('claude-sonnet-4-5', 'claude-opus-4-1')"), Q),
    ("model", "when did we start using opus", "date", date_answer("2027-03-17"), Q),
    ("unit", "cost per 1m tokens last month", "number", _unit(Q_AUG, "true"), Q),
    ("unit", "opus cost per million tokens in june", "number", _unit(Q_JUN, OPUS), Q),
    ("unit", "haiku per 1m input tokens q2", "number", _unit(Q_Q2, model_is("claude-haiku-4-5"), "input"), Q),
    ("unit", "cost per copilot seat last month", "number", _per_unit(Q_AUG, COPILOT), Q),
    ("unit", "ptu cost per hour last month", "number", _per_unit(Q_AUG, PTU_ROWS), Q),
    ("seats", "copilot spend in july", "number", cost(Q_JUL, COPILOT), Q),
    ("clinic", "jumeirah spend mtd", "number", cost(Q_SEP, _clinic("jumeirah")), Q),
    ("clinic", "which clinic spent the most in q2", "which", which(Q_Q2, CLINIC), Q),
    ("clinic", "which clinic cost least in july", "which", which(Q_JUL, CLINIC, desc=False), Q),
    ("clinic", "deira bedrock spend in q2", "number", cost(Q_Q2, f"{_clinic('deira')} AND {BEDROCK}"), Q),
    ("clinic", "sharjah openai cost last month", "number", cost(Q_AUG, f"{_clinic('sharjah')} AND {OPENAI}"), Q),
    ("clinic", "spend by clinic last month", "which", which(Q_AUG, CLINIC), Q),
    ("ward", "radiology spend in july", "number", cost(Q_JUL, _ward("radiology")), Q),
    ("ward", "triage cost last mnth", "number", cost(Q_AUG, _ward("triage")), Q),
    ("ward", "which ward spent most last qtr", "which", which(Q_Q2, WARD), Q),
    ("ward", "cardiology opus cost in june", "number", cost(Q_JUN, f"{_ward('cardiology')} AND {OPUS}"), Q),
    ("ward", "records staging spend last month", "number", cost(Q_AUG, f"{_ward('records')} AND {tag('env', 'staging')}"), Q),
    ("ward", "top 3 wards excluding the biggest in q2", "which", _without_top(Q_Q2, WARD), Q),
    ("ward", "pharmacy share of august", "number", share(Q_AUG, _ward("pharmacy")), Q),
    ("env", "staging spend last month", "number", cost(Q_AUG, tag("env", "staging")), Q),
    ("untagged", "how much spend had no tags in july", "number", cost(Q_JUL, UNTAGGED), Q),
    ("untagged", "untagged % last month", "number", share(Q_AUG, UNTAGGED), Q),
    ("commitment", "what did the ptu cost in july", "number", cost(Q_JUL, PTU_ROWS), Q),
    ("commitment", "how much of the ptu went unused last month", "number", unused(Q_AUG, PTU), Q),
    ("commitment", "savings from the ptu in june", "number", saved(Q_JUN, PTU), Q),
    ("whatif", "if we moved opus to sonnet last month whats the saving", "number",
     _swap(Q_AUG, "claude-opus-4-1", "11.01", "55.05"), Q),
    ("whatif", "if openai raised prices 15% what would august have cost", "number", _scaled(Q_AUG, OPENAI, "1.15"), Q),
    ("whatif", "what if we turned off staging, how much saved last month", "number", cost(Q_AUG, tag("env", "staging")), Q),
    ("whatif", "if gemini pro was 40% cheaper what would july have cost", "number",
     _scaled(Q_JUL, model_is("gemini-2.5-pro"), "0.6"), Q),
    ("share", "what % of august was bedrock", "number", share(Q_AUG, BEDROCK), Q),
    ("share", "anthropic share of spend qtd", "number", share(Q_QTD, ANTH), Q),
    ("compare", "aug vs jul spend change", "number", change(Q_AUG, Q_JUL), Q),
    ("compare", "% change in azure spend aug vs jul", "number", pct(Q_AUG, Q_JUL, AZ), Q),
    ("compare", "how much more did we spend in july than june", "number", change(Q_JUL, Q_JUN), Q),
    ("top", "priciest day in july", "date", day(Q_JUL), Q),
    ("top", "cheapest day mtd", "date", day(Q_SEP, desc=False), Q),
    ("weekday", "avg weekend day spend last month", "number", _per_day(Q_AUG, WEEKEND), Q),
    ("forecast", "where will sept land", "landing", cost(Q_SEP), Q),
    ("forecast", "eom projection", "landing", cost(Q_SEP), Q),
    ("forecast", "we budgeted 60k dirham for september, will we stay under", "landing", cost(Q_SEP), Q),
    ("burn", "avg daily spend in march", "number", _daily(Q_MAR, 15), Q),
    ("burn", "daily burn last 2 wks", "number", _daily(Q_14D, 14), Q),
    ("burn", "monthly run rate over q2", "number", _avg_monthly(Q_Q2, 3), Q),
    # no figure: names misspelt or absent, data the store does not hold, a pair no row carries
    ("none", "abu dhabi clinic spend last month", "none", "", Q),
    ("none", "radiolgy spend in july", "none", "", Q),
    ("none", "cost per patient last month", "none", "", Q),
    ("none", "latency of the triage bot", "none", "", Q),
    ("none", "revenue per clinic in q2", "none", "", Q),
    ("none", "co2 emissions of our ai usage last month", "none", "", Q),
    ("none", "spend in feb 2027", "none", "", Q),
    ("none", "spend in october", "none", "", Q),
    ("none", "gpu spend last month", "none", "", Q),
    ("none", "mistral cost ytd", "none", "", Q),
    ("none", "cost per request for triage", "none", "", Q),
    ("none", "which customer costs us most", "none", "", Q),
    ("none", "gpt-4o spend in july", "none", "", Q),
    ("none", "are we over budget this month", "none", "", Q),
    ("none", "cost per nurse in august", "none", "", Q),
    ("none", "opus on azure cost last month", "nopair", "", Q),
]  # fmt: skip

QASR_THREADS = [
    ("q-spike", [
        ("most expensive day in july", "date", date_answer("2027-07-13")),
        ("why?", "names", "gpt-5-mini"),
        ("which ward drove it", "which", _drove("2027-07-13", "2027-07-12", WARD)),
    ]),
    ("q-ward", [
        ("which ward spent most last month", "which", which(Q_AUG, WARD)),
        ("how much", "number", cost(Q_AUG, top_is(WARD, Q_AUG))),
        ("and the month before?", "number", cost(Q_JUL, top_is(WARD, Q_AUG))),
    ]),
    ("q-bedrock", [
        ("bedrock spend in july", "number", cost(Q_JUL, BEDROCK)),
        ("just deira", "number", cost(Q_JUL, f"{BEDROCK} AND {_clinic('deira')}")),
        ("what share of bedrock is that", "number", share(Q_JUL, _clinic("deira"), BEDROCK)),
    ]),
    ("q-ptu", [
        ("ptu cost in july", "number", cost(Q_JUL, PTU_ROWS)),
        ("how much was wasted", "number", unused(Q_JUL, PTU)),
        ("and in june?", "number", unused(Q_JUN, PTU)),
    ]),
    ("q-anthropic", [
        ("anthropic spend last month", "number", cost(Q_AUG, ANTH)),
        ("and the month before?", "number", cost(Q_JUL, ANTH)),
        ("in %?", "number", pct(Q_AUG, Q_JUL, ANTH)),
    ]),
    ("q-clinic", [
        ("jumeirah spend in q2", "number", cost(Q_Q2, _clinic("jumeirah"))),
        ("which model was most of it", "which", which(Q_Q2, ANY_MODEL, _clinic("jumeirah"))),
    ]),
]  # fmt: skip

RIMBA_MISSES: dict[str, str] = {}
QASR_MISSES: dict[str, str] = {}


class _Round29(ThreadedRound):
    """The round's companies (known misses, with their causes, in MISSES)."""


class TestRimba(_Round29):
    AS_OF = R
    CURRENCY = "IDR"
    QUESTIONS = RIMBA_QUESTIONS
    THREADS = RIMBA_THREADS
    MISSES = RIMBA_MISSES

    def build(self, folder: Path) -> Store:
        return round_store(folder, build_rimba(folder), "rimba")


class TestQasr(_Round29):
    AS_OF = Q
    CURRENCY = "AED"
    QUESTIONS = QASR_QUESTIONS
    THREADS = QASR_THREADS
    MISSES = QASR_MISSES

    def build(self, folder: Path) -> Store:
        return round_store(folder, build_qasr(folder), "qasr")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize the rounds' questions and threads (the harness; a known miss a strict xfail with its cause)."""
    _round_params(metafunc)
