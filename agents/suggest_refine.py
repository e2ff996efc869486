"""Optional refinement of suggested allocation rules by Claude: clearer value names and grouping of near-duplicate
values (`search-team`, `Search` -> `search`). Only the `value` of fixed-value proposals may change; the
deterministic proposals (tools.allocation.suggest) stay complete without it, and any failure leaves them as
they were."""

from __future__ import annotations

import json
import re
from typing import Any

from spendscope.tools.allocation.rules import UNALLOCATED
from spendscope.tools.allocation.suggest import SuggestionList

_TOOL = {
    "name": "rename_values",
    "description": "Propose clearer names for the values of suggested allocation rules.",
    "input_schema": {
        "type": "object",
        "properties": {
            "renames": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer", "description": "the suggestion id"},
                        "value": {"type": "string", "description": "the better value name"},
                        "reason": {"type": "string"},
                    },
                    "required": ["id", "value"],
                },
            }
        },
        "required": ["renames"],
    },
}
_VALUE = re.compile(r"^[\w][\w .\-/]{0,63}$")


def _prompt(result: SuggestionList, known: dict[str, list[str]]) -> str:
    items = [
        {"id": s.id, "key": s.key, "value": s.rule.get("value"), "evidence": s.evidence}
        for s in result.suggestions
        if "value" in s.rule
    ]
    return (
        "These are proposed FinOps allocation rules (tag key -> value) derived from cloud account, project and "
        "resource names. Where a proposed value is an awkward name or a near-duplicate of a known value, propose "
        "a better value (prefer an existing known value; lower case, short). Only list the ones you would change.\n"
        f"Known values per key: {json.dumps(known)}\nProposals: {json.dumps(items)}"
    )


def refine_suggestions(
    result: SuggestionList, known: dict[str, list[str]], *, model: str, client: Any
) -> tuple[SuggestionList, list[str]]:
    """Return the suggestions with values Claude renamed, and notes on what changed or why nothing did.
    `client` is an anthropic.Anthropic (agents.llm.anthropic_client gives one when a key is configured)."""
    try:
        reply = client.messages.create(
            model=model,
            max_tokens=2048,
            tools=[_TOOL],
            tool_choice={"type": "tool", "name": "rename_values"},
            messages=[{"role": "user", "content": _prompt(result, known)}],
        )
    except Exception as exc:  # the deterministic proposals stand on their own
        return result, [f"Claude refinement skipped: {type(exc).__name__}"]
    renames: list[dict[str, Any]] = []
    for block in reply.content:
        if getattr(block, "type", None) == "tool_use" and getattr(block, "name", None) == "rename_values":
            data = block.input if isinstance(block.input, dict) else {}
            renames = [r for r in data.get("renames", []) if isinstance(r, dict)]
    by_id = {s.id: s for s in result.suggestions}
    notes = []
    for r in renames:
        s = by_id.get(r.get("id")) if isinstance(r.get("id"), int) else None
        value = str(r.get("value", "")).strip()
        if s is None or "value" not in s.rule or not _VALUE.match(value) or value.lower() == UNALLOCATED:
            continue
        if value == s.rule["value"]:
            continue
        old = s.rule["value"]
        s.rule = {**s.rule, "value": value}
        reason = str(r.get("reason", "")).strip()[:200]
        s.evidence += f" (value refined by Claude from {old!r}" + (f": {reason}" if reason else "") + ")"
        notes.append(f"suggestion {s.id}: {old!r} -> {value!r}")
    return result, notes or ["Claude proposed no changes"]
