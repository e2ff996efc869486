"""Billy's eighth blind round: a tenth company (Quarry Robotics, tests/fixtures/billy/quarry.py: OpenAI, Vertex AI,
the Claude API, an Azure OpenAI provisioned-throughput deployment with telemetry, EC2 L40S boxes, and coding
assistants: GitHub Copilot, Cursor and Claude Code seats, usage and productivity), with questions and threads
written before any change for this round (and before reading the planner's rules). docs/performance.md records the
first score. Judged by billy_harness.judge.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from billy_harness import (
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
from fixtures.billy.quarry import build as build_quarry
from fixtures.billy.quarry import load_assistants
from spendscope.data.store import Store

AS_OF = "2026-09-18"  # a Friday; the data ends the day before
JUL, AUG = between("2026-07-01", "2026-08-01"), between("2026-08-01", "2026-09-01")
MTD = between("2026-09-01", "2026-09-18")
LAST14 = between("2026-09-04", "2026-09-18")
POD, WORKLOAD = "Tags->>'pod'", "Tags->>'workload'"
ANTH, GOOGLE, MSFT = (
    "ProviderName = 'Anthropic'",
    "ProviderName = 'Google Cloud'",
    "ProviderName = 'Microsoft'",
)
VERTEX, L40S = "ServiceName = 'Vertex AI'", "ChargeDescription LIKE 'g6e.12xlarge%'"
CURSOR, COPILOT, CLAUDE_CODE = (
    "x_Source = 'cursor'",
    "x_Source = 'github_copilot'",
    "x_Source = 'claude_code'",
)
EV_JUL = "ts >= TIMESTAMPTZ '2026-07-01' AND ts < TIMESTAMPTZ '2026-08-01'"
EV_AUG = "ts >= TIMESTAMPTZ '2026-08-01' AND ts < TIMESTAMPTZ '2026-09-01'"


def payg(ev_period: str) -> str:
    """The dispatch deployment's telemetry tokens at gpt-4o's list price ($2.50 in, $10 out per 1M)."""
    return (
        "SELECT (sum(input_tokens) * 2.50 + sum(output_tokens) * 10.00) / 1000000 FROM usage_events "
        f"WHERE {ev_period} AND feature = 'dispatch'"
    )


def per_user(period: str, where: str) -> str:
    return (
        f"SELECT sum(EffectiveCost) / count(DISTINCT Tags->>'user') FROM costs WHERE {period} AND ({where})"
    )


def per_line(start: str, end: str, tool: str) -> str:
    """A tool's cost over the lines its users accepted (the vendor's productivity report)."""
    return (
        f"SELECT (SELECT sum(EffectiveCost) FROM costs WHERE {between(start, end)} AND x_Source = '{tool}') / "
        f"(SELECT sum(accepted_lines) FROM assistant_activity WHERE tool = '{tool}' "
        f"AND day >= DATE '{start}' AND day < DATE '{end}')"
    )


QUESTIONS: list[tuple[str, str, str, str, str | None]] = [
    ("figure", "how much did vertex cost us in july", "number", cost(JUL, VERTEX), None),
    ("figure", "fleet pod spend last month??", "number", cost(AUG, tag("pod", "fleet")), AS_OF),
    ("figure", "whats routing running us in august", "number", cost(AUG, tag("workload", "routing")), None),
    ("figure", "sandbox env spend in jul", "number", cost(JUL, tag("env", "sandbox")), None),
    ("figure", "gpt-4.1-mini spend in agust", "number", cost(AUG, model_is("gpt-4.1-mini")), None),
    ("figure", "on google, how much in august", "number", cost(AUG, GOOGLE), None),
    ("figure", "spend on the l40s boxes in july", "number", cost(JUL, L40S), None),
    ("figure", "anthropic spend over the past 2 weeks", "number", cost(LAST14, ANTH), AS_OF),
    ("figure", "our azure invoice for july", "number", cost(JUL, MSFT, "BilledCost"), None),
    ("figure", "what did dispatch cost in august", "number", cost(AUG, tag("workload", "dispatch")), None),
    ("ranking", "which pod burned the most in august", "which", which(AUG, POD), None),
    ("ranking", "biggest workload in july?", "which", which(JUL, WORKLOAD), None),
    ("ranking", "what model cost us the most in august", "which", which(AUG, "x_Model"), None),
    ("change", "how much did spend jump from july to august", "number", change(AUG, JUL), None),
    ("change", "vertex % change jul vs aug", "number", pct(AUG, JUL, VERTEX), None),
    (
        "share",
        "what % of august spend was the perception pod",
        "number",
        share(AUG, tag("pod", "perception")),
        None,
    ),
    ("peak", "most expensive day in august", "date", day(AUG), None),
    (
        "unit",
        "cost per request for routing in august",
        "number",
        per_request(AUG, tag("workload", "routing"), EV_AUG, "feature = 'routing'"),
        None,
    ),
    (
        "unit",
        "routing cost per 1k requests in july",
        "number",
        per_request(JUL, tag("workload", "routing"), EV_JUL, "feature = 'routing'", 1000),
        None,
    ),
    ("landing", "where's september gonna land", "landing", cost(MTD), AS_OF),
    ("why", "why was aug 12 so expensive", "names", "labeler|gemini-2.5-pro", None),
    ("why", "what blew up on 8/12", "names", "labeler|gemini-2.5-pro", None),
    (
        "gpu",
        "how busy were the l40s boxes in august",
        "number",
        gpu_util("2026-08-01", "2026-09-01", "instance_id LIKE 'i-0qr-l%'"),
        None,
    ),
    ("anomaly", "anything weird in august?", "date", "SELECT DATE '2026-08-12'", None),
    (
        "whatif",
        "what would dispatch have cost on pay as you go instead of the PTU in august",
        "number",
        payg(EV_AUG),
        None,
    ),
    ("whatif", "is dispatch-ptu worth it vs paygo in july?", "number", payg(EV_JUL), None),
    ("none", "what if atlas ran on a commitment instead of paygo in august", "none", "", None),
    ("assist", "what do we spend on cursor per engineer in august", "number", per_user(AUG, CURSOR), None),
    ("assist", "idle copilot seats?", "names", "dev-qr|oda-qr|hal-qr", AS_OF),
    (
        "assist",
        "cursor cost per accepted line in august",
        "number",
        per_line("2026-08-01", "2026-09-01", "cursor"),
        None,
    ),
    ("assist", "cursor spend by engineer in august", "which", which(AUG, "Tags->>'user'", CURSOR), None),
    (
        "assist",
        "what did we spend on coding assistants in july",
        "number",
        cost(JUL, "ServiceCategory = 'Developer Tools'"),
        None,
    ),
    ("assist", "copilot premium requests by model in august", "which", which(AUG, "x_Model", COPILOT), None),
    ("assist", "how much did copilot cost us in august", "number", cost(AUG, COPILOT), None),
    ("assist", "claude code spend per dev in july", "number", per_user(JUL, CLAUDE_CODE), None),
    ("assist", "how many copilot seats do we have", "number", "SELECT 16", AS_OF),
    ("assist", "who's not using their cursor seat", "names", "eun@quarry.dev", AS_OF),
    ("none", "how much did we spend on mistral in august", "none", "", None),
    ("none", "bedrock spend last month", "none", "", AS_OF),
    ("none", "what did the localization pod spend in july", "none", "", None),
    ("none", "how much did customer initrode cost in august", "none", "", None),
    ("none", "gross margin on routing in august", "none", "", None),
    ("none", "revenue per customer last month", "none", "", AS_OF),
    ("none", "spend in october 2026", "none", "", AS_OF),
    ("none", "what did the h100s cost in july", "none", "", None),
    ("none", "windsurf spend in august", "none", "", None),
    ("none", "cursor cost per hour saved in august", "none", "", None),
]

THREADS: list[tuple[str, list[tuple[str, str, str]]]] = [
    (
        "keep the pod",
        [
            ("perception pod spend in july", "number", cost(JUL, tag("pod", "perception"))),
            ("and august?", "number", cost(AUG, tag("pod", "perception"))),
            (
                "how much of that was gemini-2.5-pro",
                "number",
                cost(AUG, tag("pod", "perception") + " AND " + model_is("gemini-2.5-pro")),
            ),
        ],
    ),
    (
        "the winner's figure",
        [
            ("which workload cost the most in august", "which", which(AUG, WORKLOAD)),
            ("what did it cost in july", "number", "WINNER_JUL"),
        ],
    ),
    (
        "swap the tool",
        [
            ("cursor spend in july", "number", cost(JUL, CURSOR)),
            ("and copilot?", "number", cost(JUL, COPILOT)),
        ],
    ),
    (
        "split it",
        [
            ("live env spend in august", "number", cost(AUG, tag("env", "live"))),
            ("split it by provider", "which", which(AUG, "ProviderName", tag("env", "live"))),
        ],
    ),
]


class TestQuarry(ThreadedRound):
    AS_OF = AS_OF
    QUESTIONS = QUESTIONS
    THREADS = THREADS

    def build(self, folder: Path) -> Store:
        s = round_store(folder, build_quarry(folder), "quarry")
        load_assistants(s)
        return s

    def resolve(self, spec: str, previous: Any) -> str:
        return cost(JUL, tag("workload", str(previous.value))) if spec == "WINNER_JUL" else spec
