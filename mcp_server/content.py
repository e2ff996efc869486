"""Resources (conventions, schema, virtual tag catalog) and prompts (monthly review, anomaly investigation).

All text is assembled from what the project already states: docs/conventions.md and docs/schema.md when the
source tree is at hand, the allow-lists in tools.costs.dimensions, the migrations' DDL (with their comments) for every
user-visible table and view, and the registry for which tools a prompt may point at.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from spendscope.data.sql_guard import DOCUMENTED
from spendscope.data.store import migrations
from spendscope.tools.costs.dimensions import (
    BUILTIN_DIMENSIONS,
    CALENDAR_DIMENSIONS,
    MEASURES,
    TIME_GRAINS,
    TOKEN_MEASURES,
)
from spendscope.tools.periods import __doc__ as PERIODS_DOC

DOCS = Path(__file__).resolve().parents[1] / "docs"
_CREATE = re.compile(
    r"\b(?:CREATE\s+(?:OR\s+REPLACE\s+)?(?:TABLE|VIEW)\s+(?:IF\s+NOT\s+EXISTS\s+)?|ALTER\s+TABLE\s+)\"?(\w+)",
    re.IGNORECASE,
)


def _doc(name: str) -> str | None:
    path = DOCS / name
    return path.read_text(encoding="utf-8").strip() if path.is_file() else None


def conventions_text() -> str:
    """What 'cost' means, how periods read, and every dimension and measure a query may name."""
    parts = [_doc("conventions.md") or "# Conventions\n\n" + (PERIODS_DOC or "").strip()]
    parts.append("## Measures (the `measure` argument)\n")
    parts += [f"- `{k}`: {desc} (column `{col}`)" for k, (col, desc) in MEASURES.items()]
    parts += [
        f"- `{k}`: {v} tokens (`x_Tokens` where `x_TokenType` = '{v}')" for k, v in TOKEN_MEASURES.items()
    ]
    parts.append("\n## Dimensions (`group_by` and `filters`)\n")
    parts += [f"- `{k}`: {desc} (column `{col}`)" for k, (col, desc) in BUILTIN_DIMENSIONS.items()]
    parts.append(f"- time grains: {', '.join(f'`{g}`' for g in sorted(TIME_GRAINS))}")
    parts += [f"- `{k}`: {desc}" for k, desc in CALENDAR_DIMENSIONS.items()]
    parts.append(
        "- virtual tags (allocation rules, see resource spendscope://virtual-tags) and provider tag keys from "
        "FOCUS `Tags` (e.g. `team`, `feature`, `env`; `tag:<key>` forces the provider tag). "
        "Call list_dimensions for the ones this store has, list_dimension_values for their values."
    )
    return "\n".join(parts) + "\n"


def documented_ddl() -> list[tuple[str, str]]:
    """(relation, DDL with its comments) for every user-visible table and view, in migration order."""
    out = []
    for _version, name, sql in migrations():
        for chunk in re.split(r";[ \t]*(?:--[^\n]*)?\n", sql):
            match = _CREATE.search(chunk)
            if match is None:
                continue
            relation = match.group(1)
            if relation.lower() not in DOCUMENTED:  # the guard's allow-list: what run_sql may read
                continue
            out.append((relation, f"-- {name}\n{chunk.strip()};"))
    return out


def schema_text() -> str:
    """docs/schema.md (when present) and the DDL of every table and view `run_sql` may read."""
    parts = [
        _doc("schema.md") or "# The cost store\n\nFOCUS 1.2 columns with FOCUS names; x_ columns are ours."
    ]
    parts.append("\n## DDL of the queryable tables and views (from the migrations)\n")
    parts += [f"```sql\n{ddl}\n```" for _, ddl in documented_ddl()]
    return "\n".join(parts) + "\n"


# Steps a prompt adds only when the server offers the tool they name: (tool, text).
REVIEW_STEPS = (
    ("explain_change", "What changed: explain_change between the two months, for the biggest drivers."),
    ("budget_status", "Budgets: budget_status; name any budget over, or forecast to go over, its amount."),
    ("list_anomalies", "Anomalies: list_anomalies since the start of the month; the largest by impact."),
    ("commitment_utilization", "Commitments: commitment_utilization; flag unused commitment spend."),
    ("gpu_utilization", "GPUs: gpu_utilization; flag idle GPU cost."),
    ("savings_recommendations", "Savings: savings_recommendations; the three largest monthly savings."),
    ("get_allocation_coverage", "Allocation: get_allocation_coverage; how much spend no team owns."),
)
ANOMALY_STEPS = (
    ("explain_change", "explain_change between the unusual days and as many days before, for the drivers."),
    (
        "run_sql",
        "If telemetry is imported: run_sql on usage_events for the requests behind it (feature, "
        "code_path, model).",
    ),
)
ANOMALY_WRITES = ("update_anomaly",)


def _numbered(first: int, texts: list[str]) -> list[str]:
    return [f"{n}. {t}" for n, t in enumerate(texts, start=first)]


def monthly_review_text(month: str, tools: set[str]) -> str:
    """The steps of a monthly cost review, pointing only at tools this server offers."""
    core = [
        f"Total cost for {month} and for the month before: "
        + ("compare_costs." if "compare_costs" in tools else "query_costs for each period."),
        f"Where it went: query_costs for {month} grouped by provider, then by model, then by team "
        "(list_dimensions shows the dimensions this store has), top 10 each.",
    ]
    steps = core + [text for name, text in REVIEW_STEPS if name in tools]
    return "\n".join(
        [
            f"Review our AI and cloud spend for {month}. 'Cost' means EffectiveCost (amortised, in the billing "
            "currency); read resource spendscope://conventions if unsure.",
            *_numbered(1, steps),
            "Then write the review: a one-line headline (total and change), a short table of the largest movers, "
            "and at most three concrete actions, each with its dollar impact. Round money only when writing.",
        ]
    )


def anomaly_text(anomaly: str, tools: set[str]) -> str:
    """How to investigate one anomaly, pointing only at tools this server offers."""
    first = (
        f"Read it: get_anomaly with anomaly_id '{anomaly}' (list_anomalies if that id is unknown)."
        if "get_anomaly" in tools
        else f"Pin it down: the dimension, value and days of '{anomaly}' (ask me if they are not clear)."
    )
    steps = [
        first,
        "Its shape: query_costs grouped by day for the anomaly's dimension value, from two weeks before to a "
        "week after, to see when it started and whether it is still going.",
        "Its cause: query_costs over the unusual days grouped by model, sub-account, resource and token type "
        "(filtered to the anomaly's value), compared with as many days before.",
        *[text for name, text in ANOMALY_STEPS if name in tools],
    ]
    write = [n for n in ANOMALY_WRITES if n in tools]
    verdict = (
        f" Offer to record the verdict with {' or '.join(write)}; do not call it without my go-ahead."
        if write
        else ""
    )
    return "\n".join(
        [
            f"Investigate this spend anomaly: {anomaly}. 'Cost' means EffectiveCost.",
            *_numbered(1, steps),
            "Then say what happened, since when, the cost impact so far, the likely cause and who should act."
            + verdict,
        ]
    )


TEXT_LIMIT = (
    4_000  # characters of JSON sent as text beside the structured content; larger results are summarised
)
_HEADLINES = ("summary", "headline", "answer", "message", "explanation")


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def result_text(tool: str, structured: dict[str, Any]) -> str:
    """The text that goes beside a tool's structured content.

    A small result is its JSON (clients that read only text still get every figure); a large one is summarised
    (its headline, its scalar fields, and how many items each list holds), so the full result is sent once,
    as structured content, instead of twice: a 5,000-row run_sql answer would otherwise double to ~10 MB.
    """
    text = json.dumps(structured, ensure_ascii=False, separators=(",", ":"), default=str)
    if len(text) <= TEXT_LIMIT:
        return text
    lines = [f"{tool}: the full result ({len(text):,} characters of JSON) is in the structured content."]
    lines += [
        str(structured[k]) for k in _HEADLINES if isinstance(structured.get(k), str) and structured[k].strip()
    ]
    scalars = [
        f"{k}={v}" for k, v in structured.items() if _scalar(v) and k not in _HEADLINES and len(str(v)) <= 120
    ]
    if scalars:
        lines.append("; ".join(scalars))
    sizes = [f"{k}: {len(v)} items" for k, v in structured.items() if isinstance(v, list)]
    if sizes:
        lines.append("; ".join(sizes))
    return "\n".join(lines)[:TEXT_LIMIT]
