"""Billy's seventh blind round: a ninth company (Halcyon Health, tests/fixtures/billy/halcyon.py: Anthropic direct,
Claude on Bedrock, OpenAI, EC2 GPU boxes (A10G, H100) with utilisation samples, tags squad/product/stage, telemetry
customers for one product), with questions and threads written before any change for this round.
docs/performance.md records the first score. Judged by billy_harness.judge.
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
from fixtures.billy.halcyon import build as build_halcyon
from spendscope.data.store import Store

AS_OF = "2026-06-21"  # a Sunday; the data ends the day before
APR, MAY = between("2026-04-01", "2026-05-01"), between("2026-05-01", "2026-06-01")
MTD = between("2026-06-01", "2026-06-21")
LAST7 = between("2026-06-14", "2026-06-21")
SQUAD, PRODUCT, STAGE = "Tags->>'squad'", "Tags->>'product'", "Tags->>'stage'"
ANTH, AWS, OPENAI = "ProviderName = 'Anthropic'", "ProviderName = 'AWS'", "ProviderName = 'OpenAI'"
BEDROCK, EC2 = "ServiceName = 'Amazon Bedrock'", "ServiceName = 'Amazon Elastic Compute Cloud'"
H100 = "ChargeDescription LIKE 'p5.48xlarge%'"


EV_MAY = "ts >= TIMESTAMPTZ '2026-05-01' AND ts < TIMESTAMPTZ '2026-06-01'"

QUESTIONS: list[tuple[str, str, str, str, str | None]] = [
    ("figure", "anthropic spend in may", "number", cost(MAY, ANTH), None),
    ("figure", "how much did we put through bedrock in april", "number", cost(APR, BEDROCK), None),
    ("figure", "claims squad spend last month?", "number", cost(MAY, tag("squad", "claims")), AS_OF),
    ("figure", "whats the portal costing us in may", "number", cost(MAY, tag("product", "portal")), None),
    ("figure", "trainer product spend in april", "number", cost(APR, tag("product", "trainer")), None),
    ("figure", "test stage spend in may", "number", cost(MAY, tag("stage", "test")), None),
    ("figure", "gpt-5-mini cost in aprl", "number", cost(APR, model_is("gpt-5-mini")), None),
    ("figure", "on aws, how much in may", "number", cost(MAY, AWS), None),
    ("figure", "spend on the h100 box in may", "number", cost(MAY, H100), None),
    ("figure", "openai spend over the last 7 days", "number", cost(LAST7, OPENAI), AS_OF),
    ("figure", "our anthropic bill for april", "number", cost(APR, ANTH, "BilledCost"), None),
    ("ranking", "which squad spent the most in may", "which", which(MAY, SQUAD), None),
    ("ranking", "top product in april?", "which", which(APR, PRODUCT), None),
    (
        "ranking",
        "portal question: which model cost the most in may",
        "which",
        which(MAY, MODEL, "ConsumedUnit = 'Tokens'"),
        None,
    ),
    ("change", "how much did spend go up from april to may", "number", change(MAY, APR), None),
    ("change", "bedrock % change april vs may", "number", pct(MAY, APR, BEDROCK), None),
    (
        "share",
        "what share of may spend was the claims squad",
        "number",
        share(MAY, tag("squad", "claims")),
        None,
    ),
    ("peak", "priciest day in may", "date", day(MAY), None),
    (
        "unit",
        "cost per request for scribe in may",
        "number",
        per_request(MAY, tag("product", "scribe"), EV_MAY, "feature = 'scribe'"),
        None,
    ),
    ("landing", "what's june going to end up at", "landing", cost(MTD), AS_OF),
    ("why", "why was may 12 so expensive", "names", "coder|claude-sonnet-4", None),
    ("why", "what went wrong on 5/12", "names", "coder|claude-sonnet-4", None),
    (
        "gpu",
        "how busy were the a10g boxes in may",
        "number",
        gpu_util("2026-05-01", "2026-06-01", "instance_id LIKE 'i-0hal-g%'"),
        None,
    ),
    (
        "gpu",
        "gpu utilisation of train-h100 in april",
        "number",
        gpu_util("2026-04-01", "2026-05-01", "instance_id = 'i-0hal-h1'"),
        None,
    ),
    ("anomaly", "any anomalies in may?", "date", "SELECT DATE '2026-05-12'", None),
    ("none", "how much did gemini cost in may", "none", "", None),
    ("none", "vertex spend last month", "none", "", AS_OF),
    ("none", "what did the radiology squad spend in may", "none", "", None),
    ("none", "how much did customer kaiser cost in may", "none", "", None),
    ("none", "profit margin on scribe in may", "none", "", None),
    ("none", "revenue from st-marys last month", "none", "", AS_OF),
    ("none", "spend in july 2026", "none", "", AS_OF),
    ("none", "what did the a100s cost in may", "none", "", None),
]

THREADS: list[tuple[str, list[tuple[str, str, str]]]] = [
    (
        "keep the squad",
        [
            ("infra squad spend in april", "number", cost(APR, tag("squad", "infra"))),
            ("and in may?", "number", cost(MAY, tag("squad", "infra"))),
            (
                "how much of that was gpt-5-mini",
                "number",
                cost(MAY, tag("squad", "infra") + " AND " + model_is("gpt-5-mini")),
            ),
        ],
    ),
    (
        "the winner's figure",
        [
            ("which product cost the most in may", "which", which(MAY, PRODUCT)),
            ("what did it cost in april", "number", "WINNER_APR"),
        ],
    ),
    (
        "swap the stage",
        [
            ("prod stage spend in april", "number", cost(APR, tag("stage", "prod"))),
            ("what about test", "number", cost(APR, tag("stage", "test"))),
        ],
    ),
]


class TestHalcyon(ThreadedRound):
    AS_OF = AS_OF
    QUESTIONS = QUESTIONS
    THREADS = THREADS

    def build(self, folder: Path) -> Store:
        return round_store(folder, build_halcyon(folder), "halcyon")

    def resolve(self, spec: str, previous: Any) -> str:
        return cost(APR, tag("product", str(previous.value))) if spec == "WINNER_APR" else spec
