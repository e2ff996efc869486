"""The LLM path's tools (agents/billy/llm.py): Anthropic tool definitions generated from every read-only
registered operation's pydantic input model, plus the guarded SQL and `final_answer`; running one call through
`tools.invoke` as the caller; and the check that every figure of an answer appears in a tool result.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from functools import lru_cache
from typing import Any

from spendscope.data.errors import SpendscopeError
from spendscope.data.store import Store
from spendscope.tools.access import LOCAL, Caller
from spendscope.tools.invoke import invoke

FINAL = "final_answer"
SQL = "run_sql"


# ----------------------------------------------------------------------------------------- tool schemas


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """A JSON schema with every $ref replaced by its definition (some clients reject $defs)."""
    defs = schema.get("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                target = defs[node["$ref"].split("/")[-1]]
                merged = {**walk(target), **{k: walk(v) for k, v in node.items() if k != "$ref"}}
                return merged
            return {k: walk(v) for k, v in node.items() if k != "$defs"}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    out = walk(schema)
    out.pop("title", None)
    out.setdefault("type", "object")
    out.setdefault("properties", {})
    return out


def tool_specs(include_sql: bool = True) -> list[dict[str, Any]]:
    """Anthropic tool definitions: every read-only registered operation, the guarded SQL, and final_answer (a
    copy of the process's own: the schemas are built once, ~150 ms a question before)."""
    return copy.deepcopy(_tool_specs(include_sql))


@lru_cache(maxsize=2)
def _tool_specs(include_sql: bool) -> list[dict[str, Any]]:
    from spendscope.tools.registry import operations

    specs = []
    for op in operations():
        if op.writes:
            continue
        specs.append(
            {
                "name": op.name,
                "description": (op.description or op.name)[:1000],
                "input_schema": _inline(op.input_model.model_json_schema()),
            }
        )
    if include_sql:
        specs.append(
            {
                "name": SQL,
                "description": "Run one read-only SELECT over the documented tables and views (costs, cost_lines, "
                "daily_costs, token_usage, commitment_usage, gpu_instance_costs, usage_events, ...). "
                "Columns follow FOCUS (EffectiveCost, BilledCost, ChargePeriodStart, ProviderName, "
                "ServiceName, Tags JSON) plus x_Model, x_TokenType, x_Tokens. At most 200 rows.",
                "input_schema": {
                    "type": "object",
                    "properties": {"sql": {"type": "string"}},
                    "required": ["sql"],
                },
            }
        )
    specs.append(
        {
            "name": FINAL,
            "description": "Give the final answer: one sentence naming the key figure first, and that key value.",
            "input_schema": {
                "type": "object",
                "properties": {
                    "answer": {"type": "string", "description": "the answer sentence, key figure first"},
                    "value": {"type": ["number", "string", "null"], "description": "the key number or name"},
                },
                "required": ["answer"],
            },
        }
    )
    return specs


# ----------------------------------------------------------------------------------------- tool execution


def run_tool(
    store: Store, name: str, args: dict[str, Any], *, as_of: dt.date | None, caller: Caller = LOCAL
) -> tuple[Any, str | None]:
    """(result as JSON-able data, error code or None). Errors come back as data the model can read. Every
    operation runs through `tools.invoke` as `caller` (validated, permitted and row-scoped there)."""
    from spendscope.tools.registry import operations

    if name == SQL:
        if caller.scoped:
            return {
                "error": "not_allowed",
                "message": "SQL is not available in a scoped conversation",
            }, "not_allowed"
        from spendscope.data.sql_guard import run_select

        try:
            res = run_select(store, str(args.get("sql", "")), row_limit=200)
        except SpendscopeError as exc:
            return exc.to_dict(), exc.code
        return {"columns": res.columns, "rows": [list(r) for r in res.rows], "truncated": res.truncated}, None
    ops = {op.name: op for op in operations() if not op.writes}
    if name not in ops:
        return {
            "error": "unknown_tool",
            "message": f"no tool named {name!r}; tools: {', '.join(sorted(ops))}",
        }, ("unknown_tool")
    data = dict(args)
    if as_of is not None and "as_of" in ops[name].input_model.model_fields and not data.get("as_of"):
        data["as_of"] = as_of.isoformat()
    try:
        result = invoke(store, ops[name], data, caller)
    except SpendscopeError as exc:
        return exc.to_dict(), exc.code
    return json.loads(result.model_dump_json()), None


def _numbers_in(data: Any, out: list[float]) -> None:
    if isinstance(data, bool):
        return
    if isinstance(data, int | float):
        out.append(float(data))
    elif isinstance(data, str):
        out.extend(float(x.replace(",", "")) for x in re.findall(r"-?\d[\d,]*(?:\.\d+)?", data)[:50])
    elif isinstance(data, dict):
        for v in data.values():
            _numbers_in(v, out)
    elif isinstance(data, list):
        for v in data[:2000]:
            _numbers_in(v, out)


_FIGURE = re.compile(
    r"(\$\s?-?\d[\d,]*(?:\.\d+)?|-?\d[\d,]*(?:\.\d+)?\s?%|-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+\.\d+)"
)


def untraced_figures(text: str, results: list[Any], question: str) -> list[str]:
    """Figures in `text` (money, percentages, decimals, thousands) that no tool result contains."""
    known: list[float] = []
    for r in results:
        _numbers_in(r, known)
    asked = set(re.findall(r"\d[\d,.]*", question))
    missing = []
    for m in _FIGURE.finditer(text or ""):
        raw = m.group(0)
        digits = re.sub(r"[^\d.\-]", "", raw)
        if not digits or digits in asked or raw.strip("$% ") in asked:
            continue
        try:
            v = abs(float(digits))
        except ValueError:
            continue
        if 1900 <= v <= 2100 and "." not in digits and "$" not in raw:
            continue
        tol = max(v * 0.005, 0.011)
        if not any(abs(abs(k) - v) <= tol or abs(abs(k) * 100 - v) <= tol for k in known):
            missing.append(raw.strip())
    return missing
