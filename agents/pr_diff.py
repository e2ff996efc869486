"""The PR cost diff agent: a LangGraph graph over tools.prdiff.pr_diff.

analyse (the deterministic estimate: call sites, features, traffic, prices, after-deploy check) -> summarise
(Claude writes two or three sentences for the PR comment when a key is set; a template otherwise) -> the
Markdown comment. Every figure comes from the tool's result; the summary may only restate them.
"""

from __future__ import annotations

import json
from typing import Any, TypedDict

from pydantic import BaseModel
from spendscope.data.settings import Settings
from spendscope.data.store import Store
from spendscope.tools.money_text import in_code
from spendscope.tools.prdiff.pr_diff import PrDiffInput, PrDiffResult, pr_cost_diff

SYSTEM = (
    "You write the summary paragraph of a pull-request comment about LLM cost. Use only the figures in the JSON "
    "you are given; do not invent numbers. Two or three sentences, plain text, no headings. When any change "
    "could not be estimated (unestimated > 0), never say spend will not change: say what is unknown and give its "
    "per-request price change (price_change) when there is one; say where the traffic figures come from "
    "(traffic_source)."
)


class PrDiffReport(BaseModel):
    summary: str
    markdown: str
    result: PrDiffResult
    llm: bool


class _State(TypedDict, total=False):
    params: dict[str, Any]
    result: dict[str, Any]
    summary: str
    llm: bool


def template_summary(r: PrDiffResult) -> str:
    """The summary without Claude. It never says spend will not change while a change is unestimated: it says
    what is unknown and, for a model or tier change, how the price of one request moves."""
    if not r.changes:
        return "This pull request changes no LLM call site, so it should not change AI spend."
    known = [c for c in r.changes if c.monthly_change is not None]
    text = f"This pull request changes {len(r.changes)} LLM call site(s)"
    if known and r.monthly_change is None:  # estimable changes in several currencies: never added
        sums = " and ".join(
            in_code(v, code, signed=True, digits=2)
            for code, v in sorted(r.monthly_change_by_currency.items())
        )
        scope = f"the {len(known)} that could be estimated " if r.unestimated else "they "
        text += f"; {scope}change monthly AI spend by {sums} a month (different currencies, not added)."
    elif known:
        sign = "raise" if r.monthly_change > 0 else "lower" if r.monthly_change < 0 else "not change"
        if r.unestimated and sign == "not change":
            text += f"; the {len(known)} that could be estimated add up to no change in monthly AI spend."
        else:
            scope = f"the {len(known)} that could be estimated " if r.unestimated else ""
            text += f"; {scope}should {sign} monthly AI spend"
            amount = in_code(abs(r.monthly_change), r.currency or "USD", digits=2)
            text += f" by about {amount}." if r.monthly_change else "."
    if known:
        biggest = max(known, key=lambda c: abs(c.monthly_change or 0))
        if biggest.monthly_change:
            text += (
                f" The largest effect is {', '.join(biggest.changes)} in {biggest.path} "
                f"({biggest.feature or 'unknown feature'}): "
                f"{in_code(biggest.monthly_change, biggest.currency or 'USD', signed=True, digits=2)} a month."
            )
    else:
        text += "; its effect on monthly AI spend could not be estimated."
    for c in r.changes:
        if c.monthly_change is None:
            text += f" Unknown: {c.path} ({', '.join(c.changes)}): {c.unknown_reason or 'not estimated'}"
            text += f"; {c.price_change}." if c.price_change else "."
    for a in r.after_deploy:
        text += f" After deploy, {a.feature}: {a.verdict}."
    return text


def build_graph(store: Store, settings: Settings, client: Any | None) -> Any:
    from langgraph.graph import END, START, StateGraph

    def analyse(state: _State) -> _State:
        result = pr_cost_diff(store, PrDiffInput(**state["params"]))
        return {"result": result.model_dump(mode="json")}

    def summarise(state: _State) -> _State:
        result = PrDiffResult.model_validate(state["result"])
        if client is None:
            return {"summary": template_summary(result), "llm": False}
        facts = result.model_dump(mode="json", exclude={"markdown"})
        try:
            from spendscope.agents.llm import complete_text

            text = complete_text(client, settings.anthropic_model, SYSTEM, json.dumps(facts)[:20000])
        except Exception:  # noqa: BLE001 - the comment must still be written when Claude is unreachable
            return {"summary": template_summary(result), "llm": False}
        return {"summary": text or template_summary(result), "llm": bool(text)}

    graph = StateGraph(_State)
    graph.add_node("analyse", analyse)
    graph.add_node("summarise", summarise)
    graph.add_edge(START, "analyse")
    graph.add_edge("analyse", "summarise")
    graph.add_edge("summarise", END)
    return graph.compile()


def run_pr_diff(
    store: Store, params: PrDiffInput, settings: Settings, client: Any | None = None
) -> PrDiffReport:
    state = build_graph(store, settings, client).invoke({"params": params.model_dump(mode="json")})
    result = PrDiffResult.model_validate(state["result"])
    markdown = result.markdown.replace("\n\n", f"\n\n{state['summary']}\n\n", 1)
    return PrDiffReport(
        summary=state["summary"], markdown=markdown, result=result, llm=state.get("llm", False)
    )
