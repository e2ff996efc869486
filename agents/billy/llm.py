"""Billy's LLM path: a LangGraph graph whose nodes call the anthropic SDK directly, in a tool-use loop over
the operations registry (tool schemas generated from each operation's pydantic input model) and the guarded SQL,
until Claude calls `final_answer`. A verify node checks that every figure in the answer appears in a tool result
and sends Claude back once when one does not. Threads persist in a SqliteSaver checkpointer under
Settings.state_dir, so follow-ups keep context.

Imported only when the planner is not confident and a key is set (anthropic and langgraph are slow to import).
"""

from __future__ import annotations

import datetime as dt
import json
import operator
import re
import sqlite3
from typing import Annotated, Any, TypedDict

from spendscope.agents.billy import charts, threads
from spendscope.agents.billy.llm_tools import FINAL, SQL, run_tool, tool_specs, untraced_figures
from spendscope.agents.billy.models import BillyAnswer, Plan, Table, ToolCall
from spendscope.data.errors import SpendscopeError
from spendscope.data.settings import Settings
from spendscope.data.store import Store
from spendscope.tools.access import LOCAL, Caller

MAX_STEPS = 12
MAX_RESULT_CHARS = 24_000

__all__ = [
    "FINAL",
    "SQL",
    "build_graph",
    "make_client",
    "run_llm",
    "run_tool",
    "tool_specs",
    "untraced_figures",
]

SYSTEM = """You are Billy, spendscope's FinOps assistant. You answer questions about the company's cloud and AI \
spend from the cost store, using the tools. Rules:
- Every figure you state must come from a tool result: never estimate, never do arithmetic in your head. For a \
change use compare_costs, for a share, unit cost or utilisation use cost_ratio, for totals and breakdowns \
query_costs; run_sql is a last resort (one read-only SELECT over the documented views, e.g. costs, cost_lines).
- Conventions: "spend" and "cost" mean EffectiveCost (amortised) in the billing currency; "billed" or "invoiced" \
means BilledCost. A named month is the calendar month; "last month" is the calendar month before today; \
"the last N days" are the N whole days before today (today excluded).
- Names: look up exact values with dimension_catalog or list_dimension_values (fuzzy search) before filtering.
- When you have the answer, call final_answer once: `answer` is one clear sentence that names the key figure \
first (for a change, the change first; for "which X", the winner first), `value` the key number or name.
Today is {today}. The store holds cost data from {first} to {last}."""


class State(TypedDict):
    messages: Annotated[list, operator.add]
    calls: list
    results: list
    final: dict | None
    steps: int
    retried: bool


# ----------------------------------------------------------------------------------------- graph


def build_graph(
    client: Any,
    model: str,
    store: Store,
    system: str,
    specs: list[dict[str, Any]],
    *,
    as_of: dt.date | None,
    caller: Caller,
    question: str,
    checkpointer: Any = None,
) -> Any:
    from langgraph.graph import END, START, StateGraph

    def call_model(state: State) -> dict[str, Any]:
        resp = client.messages.create(
            model=model, max_tokens=2048, system=system, tools=specs, messages=state["messages"]
        )
        content = [b.model_dump(exclude_none=True) for b in resp.content]
        final = state.get("final")
        for b in content:
            if b.get("type") == "tool_use" and b.get("name") == FINAL:
                final = dict(b.get("input") or {})
        if final is None and resp.stop_reason != "tool_use":
            text = " ".join(b.get("text", "") for b in content if b.get("type") == "text").strip()
            final = {"answer": text, "value": None, "text_only": True}
        return {
            "messages": [{"role": "assistant", "content": content}],
            "final": final,
            "steps": state.get("steps", 0) + 1,
        }

    def run_tools(state: State) -> dict[str, Any]:
        last = state["messages"][-1]
        blocks = []
        calls = list(state.get("calls") or [])
        results = list(state.get("results") or [])
        for b in last["content"]:
            if b.get("type") != "tool_use":
                continue
            if b["name"] == FINAL:
                blocks.append({"type": "tool_result", "tool_use_id": b["id"], "content": "noted"})
                continue
            out, err = run_tool(store, b["name"], b.get("input") or {}, as_of=as_of, caller=caller)
            calls.append({"name": b["name"], "input": b.get("input") or {}, "error": err})
            if err is None:
                results.append(out)
            text = json.dumps(out, default=str)
            if len(text) > MAX_RESULT_CHARS:
                text = text[:MAX_RESULT_CHARS] + " ... (truncated)"
            block = {"type": "tool_result", "tool_use_id": b["id"], "content": text}
            if err is not None:
                block["is_error"] = True
            blocks.append(block)
        return {"messages": [{"role": "user", "content": blocks}], "calls": calls, "results": results}

    def verify(state: State) -> dict[str, Any]:
        final = state.get("final") or {}
        missing = untraced_figures(str(final.get("answer", "")), state.get("results") or [], question)
        if missing and not state.get("retried"):
            pending = _pending_tool_results(state["messages"][-1])
            note = {
                "type": "text",
                "text": "These figures do not appear in any tool result: "
                + ", ".join(missing)
                + ". Get them from a tool (compare_costs, cost_ratio, query_costs) or leave them out, then "
                "call final_answer again.",
            }
            return {
                "messages": [{"role": "user", "content": [*pending, note]}],
                "final": None,
                "retried": True,
            }
        if missing:
            final = {**final, "untraced": missing}
        return {"final": final}

    def after_model(state: State) -> str:
        if state.get("final") is not None:
            return "verify"
        if state.get("steps", 0) >= MAX_STEPS:
            return END
        return "tools"

    def after_verify(state: State) -> str:
        return "model" if state.get("final") is None else END

    g = StateGraph(State)
    g.add_node("model", call_model)
    g.add_node("tools", run_tools)
    g.add_node("verify", verify)
    g.add_edge(START, "model")
    g.add_conditional_edges("model", after_model, ["tools", "verify", END])
    g.add_edge("tools", "model")
    g.add_conditional_edges("verify", after_verify, ["model", END])
    return g.compile(checkpointer=checkpointer)


def _pending_tool_results(message: dict[str, Any]) -> list[dict[str, Any]]:
    """tool_result blocks answering the tool_use blocks of an assistant message (the API requires them)."""
    if message.get("role") != "assistant":
        return []
    return [
        {"type": "tool_result", "tool_use_id": b["id"], "content": "noted"}
        for b in message.get("content", [])
        if b.get("type") == "tool_use"
    ]


def make_client(settings: Settings) -> Any:
    """Billy's client: one retry (a question waits for its answer); without a key configured, the SDK's own
    reading of the environment, made afresh."""
    from spendscope.agents.llm import anthropic_client

    client = anthropic_client(settings, max_retries=1)
    if client is None:
        import anthropic

        kwargs: dict[str, Any] = {"max_retries": 1}
        if settings.anthropic_base_url:
            kwargs["base_url"] = settings.anthropic_base_url
        return anthropic.Anthropic(**kwargs)
    return client


def run_llm(
    store: Store,
    question: str,
    *,
    settings: Settings,
    thread_id: str | None = None,
    as_of: dt.date | None = None,
    caller: Caller = LOCAL,
    client: Any | None = None,
    hint: Plan | None = None,
    reading: str | None = None,
) -> BillyAnswer:
    """Answer with Claude in a tool-use loop; the thread's graph state persists under Settings.state_dir."""
    from spendscope.agents.billy.resolve import load_index

    index, _ = load_index(store, settings.state_dir)
    today = as_of or dt.date.today()
    system = SYSTEM.format(today=today, first=index.catalog.first_day, last=index.catalog.last_day)
    specs = tool_specs(include_sql=not caller.scoped)
    if reading:
        system += (
            "\n\nHow the question was read from the store's own vocabulary (use it; check it):\n" + reading
        )
    client = client or make_client(settings)
    saver, con = None, None
    if thread_id:
        from langgraph.checkpoint.sqlite import SqliteSaver

        path = threads.thread_file(settings.state_dir)
        path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(path, check_same_thread=False)
        saver = SqliteSaver(con)
    try:
        graph = build_graph(
            client,
            settings.anthropic_model,
            store,
            system,
            specs,
            as_of=as_of,
            caller=caller,
            question=question,
            checkpointer=saver,
        )
        content = question
        if thread_id:
            earlier = _planned_turns_since_llm(settings, thread_id)
            if earlier:
                content = (
                    "Earlier in this conversation (answered without you):\n"
                    + "\n".join(f"Q: {q}\nA: {a}" for q, a in earlier)
                    + f"\n\nNow: {question}"
                )
        config = {"configurable": {"thread_id": thread_id or "single"}, "recursion_limit": 4 * MAX_STEPS + 10}
        user: Any = content
        if saver is not None:
            before = graph.get_state(config).values.get("messages") or []
            pending = _pending_tool_results(before[-1]) if before else []
            if pending:  # the last turn ended in final_answer: its tool_use needs a result before new text
                user = [*pending, {"type": "text", "text": content}]
        state = graph.invoke(
            {
                "messages": [{"role": "user", "content": user}],
                "calls": [],
                "results": [],
                "final": None,
                "steps": 0,
                "retried": False,
            },
            config,
        )
    except SpendscopeError:
        raise
    except Exception as exc:  # the SDK's connection, auth and API errors
        from spendscope.agents.billy.core import cannot_answer

        reason = type(exc).__name__
        fallback = cannot_answer(hint or Plan(question=question), index, caller)
        fallback.answer = f"Claude could not be reached ({reason}). " + fallback.answer
        return fallback
    finally:
        if con is not None:
            con.close()
    return _to_answer(state)


def _planned_turns_since_llm(settings: Settings, thread_id: str) -> list[tuple[str, str]]:
    turns = threads.history(settings.state_dir, thread_id, limit=10)
    out: list[tuple[str, str]] = []
    for q, a, llm in turns:
        if llm:
            out = []
        else:
            out.append((q, a))
    return out[-5:]


def _to_answer(state: dict[str, Any]) -> BillyAnswer:
    final = state.get("final") or {}
    calls = [
        ToolCall(name=c["name"], input=c.get("input") or {}, error=c.get("error"))
        for c in state.get("calls") or []
    ]
    text = str(final.get("answer") or "").strip() or "I could not find an answer with the tools I have."
    value = final.get("value")
    if final.get("untraced"):
        text += f" (Unverified: {', '.join(final['untraced'])} did not come from a tool result.)"
        if value is not None and str(value) in " ".join(final["untraced"]):
            value = None
    if isinstance(value, str) and re.fullmatch(r"\s*-?\$?-?[\d,]+(\.\d+)?\s*%?\s*", value):
        value = float(re.sub(r"[^\d.\-]", "", value))
    table, chart = _table_from(state.get("results") or [])
    return BillyAnswer(answer=text, value=value, table=table, chart=chart, tools=calls, llm=True)


def _table_from(results: list[Any]) -> tuple[Table, dict[str, Any] | None]:
    """The table behind the answer: the last tool result that has rows."""
    for r in reversed(results):
        if not isinstance(r, dict):
            continue
        if isinstance(r.get("columns"), list) and isinstance(r.get("rows"), list):
            return Table(
                columns=[str(c) for c in r["columns"]], rows=[list(x) for x in r["rows"][:200]]
            ), None
        rows = r.get("rows")
        if (
            isinstance(rows, list)
            and rows
            and isinstance(rows[0], dict)
            and isinstance(rows[0].get("group"), dict)
        ):
            dims = list(rows[0]["group"].keys())
            measure = r.get("measure", "value")
            table = Table(
                columns=[*dims, measure],
                rows=[[*(x["group"].get(d) for d in dims), x.get("value")] for x in rows[:200]],
            )
            chart = None
            if dims and len(rows) > 1:
                chart = charts.bar(
                    [
                        {dims[0]: x["group"].get(dims[0]) or "(none)", "value": x.get("value")}
                        for x in rows[:20]
                    ],
                    dims[0],
                    measure,
                    f"{measure} by {dims[0]}",
                )
            return table, chart
    return Table(), None
