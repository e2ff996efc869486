"""Billy's sixth blind round: an eighth company (Wrenfield Labs, tests/fixtures/billy/wrenfield.py: Vertex AI,
Azure OpenAI and OpenAI, GCE GPU VMs with utilisation samples, tags owner/app/environment, telemetry customers
for one app), with questions and threads written after the issue-14 redesign but before any change for this
round. docs/performance.md records the first score. Judged by billy_harness.judge.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from billy_harness import (
    MODEL,
    ThreadedRound,
    between,
    change,
    cost,
    day,
    gpu_util,
    model_is,
    pct,
    per_request,
    pytest_generate_tests,  # noqa: F401 - parametrizes the rounds' tests
    round_store,
    share,
    tag,
    which,
)
from fixtures.billy.wrenfield import build as build_wrenfield
from spendscope.data.store import Store

AS_OF = "2026-03-11"  # a Wednesday; the data ends the day before
JAN, FEB = between("2026-01-01", "2026-02-01"), between("2026-02-01", "2026-03-01")
MTD = between("2026-03-01", "2026-03-11")
LAST14 = between("2026-02-25", "2026-03-11")
OWNER, APP, ENV = "Tags->>'owner'", "Tags->>'app'", "Tags->>'environment'"
VERTEX, AZURE, OPENAI = "ServiceName = 'Vertex AI'", "ProviderName = 'Microsoft'", "ProviderName = 'OpenAI'"
GOOGLE, GCE = "ProviderName = 'Google Cloud'", "ServiceName = 'Compute Engine'"
A100 = "ChargeDescription LIKE 'a2-highgpu-1g%'"


EV_FEB = "ts >= TIMESTAMPTZ '2026-02-01' AND ts < TIMESTAMPTZ '2026-03-01'"

QUESTIONS: list[tuple[str, str, str, str, str | None]] = [
    ("figure", "vertex spend in feb?", "number", cost(FEB, VERTEX), None),
    ("figure", "how much did we pay azure in january", "number", cost(JAN, AZURE), None),
    (
        "figure",
        "what did the growth owner spend in feb 2026",
        "number",
        cost(FEB, tag("owner", "growth")),
        None,
    ),
    ("figure", "ml-platform costs last month", "number", cost(FEB, tag("owner", "ml-platform")), AS_OF),
    (
        "figure",
        "how much is copilot costing us this month",
        "number",
        cost(MTD, tag("app", "copilot")),
        AS_OF,
    ),
    ("figure", "gemini 2.5 flash spend in january", "number", cost(JAN, model_is("gemini-2.5-flash")), None),
    ("figure", "total spend for the last 14 days", "number", cost(LAST14), AS_OF),
    ("figure", "how much on google in feb", "number", cost(FEB, GOOGLE), None),
    ("figure", "GPU VM spend in january", "number", cost(JAN, GCE), None),
    ("figure", "what did the a100s cost us in feb", "number", cost(FEB, A100), None),
    ("figure", "dev environment spend in feb", "number", cost(FEB, tag("environment", "dev")), None),
    ("figure", "spend on o3 in janaury", "number", cost(JAN, model_is("o3")), None),
    ("figure", "insights app spend in feb", "number", cost(FEB, tag("app", "insights")), None),
    ("ranking", "which app cost the most in feb", "which", which(FEB, APP), None),
    ("ranking", "who spent the most last month", "which", which(FEB, OWNER), AS_OF),
    (
        "ranking",
        "any insights on which model cost the most in january?",
        "which",
        which(JAN, MODEL, "ConsumedUnit = 'Tokens'"),
        None,
    ),
    ("change", "how did total spend change from jan to feb", "number", change(FEB, JAN), None),
    ("change", "percent change in vertex spend jan to feb", "number", pct(FEB, JAN, VERTEX), None),
    (
        "share",
        "what % of feb spend was production",
        "number",
        share(FEB, tag("environment", "production")),
        None,
    ),
    ("peak", "most expensive day in february", "date", day(FEB), None),
    (
        "unit",
        "cost per request for copilot in feb",
        "number",
        per_request(FEB, tag("app", "copilot"), EV_FEB, "feature = 'copilot'"),
        None,
    ),
    ("landing", "where will march land?", "landing", cost(MTD), AS_OF),
    ("landing", "month end projection pls", "landing", cost(MTD), AS_OF),
    ("why", "why was feb 19 so pricey", "names", "triage-bot|gpt-4o-mini", None),
    ("why", "what happened on 2/19", "names", "triage-bot|gpt-4o-mini", None),
    (
        "gpu",
        "how utilized were the a100 vms in feb",
        "number",
        gpu_util("2026-02-01", "2026-03-01", "instance_id IN ('gce-7001', 'gce-7002')"),
        None,
    ),
    (
        "gpu",
        "how busy was serve-l4 in january",
        "number",
        gpu_util("2026-01-01", "2026-02-01", "instance_id = 'gce-7003'"),
        None,
    ),
    ("none", "how much did anthropic cost in feb", "none", "", None),
    ("none", "bedrock spend last month", "none", "", AS_OF),
    ("none", "what did the research team spend in january", "none", "", None),
    ("none", "how much did customer acme cost in feb", "none", "", None),
    ("none", "what's the revenue per customer for copilot", "none", "", None),
    ("none", "copilot margin in february", "none", "", None),
    ("none", "how much did we spend in april 2026", "none", "", AS_OF),
    ("none", "cost per seat for copilot in feb", "none", "", None),
    ("none", "spend on the h100 nodes in feb", "none", "", None),
    ("none", "how much did llama cost us in january", "none", "", None),
]

THREADS: list[tuple[str, list[tuple[str, str, str]]]] = [
    (
        "keep the app",
        [
            ("triage-bot spend in january", "number", cost(JAN, tag("app", "triage-bot"))),
            ("and feb?", "number", cost(FEB, tag("app", "triage-bot"))),
        ],
    ),
    (
        "narrow to a model",
        [
            ("ml-platform spend in february", "number", cost(FEB, tag("owner", "ml-platform"))),
            (
                "how much of that was gemini-2.5-pro",
                "number",
                cost(FEB, tag("owner", "ml-platform") + " AND " + model_is("gemini-2.5-pro")),
            ),
        ],
    ),
    (
        "the winner's figure",
        [
            ("which owner spent the most in january", "which", which(JAN, OWNER)),
            ("what did that owner spend in february", "number", "WINNER_FEB"),
        ],
    ),
]


class TestWrenfield(ThreadedRound):
    AS_OF = AS_OF
    QUESTIONS = QUESTIONS
    THREADS = THREADS

    def build(self, folder: Path) -> Store:
        return round_store(folder, build_wrenfield(folder), "wrenfield")

    def resolve(self, spec: str, previous: Any) -> str:
        return cost(FEB, tag("owner", str(previous.value))) if spec == "WINNER_FEB" else spec
