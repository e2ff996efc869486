"""Questions about a dimension only telemetry knows (customers): answered by the telemetry-based attribution
that reconciles to the bill (`attribute_costs_to_customers`), never by cost rows, which carry no customer.

Attribution splits each provider + model + day's cost among that day's events; it takes no other filters. A
question that also filters by provider, team, ... or asks for a change, a peak or a unit cost by customer is
not answered with a different figure: Billy says what it cannot do and suggests what it can.
"""

from __future__ import annotations

from typing import Any

from spendscope.agents.billy import charts
from spendscope.agents.billy.models import BillyAnswer, Plan, Table, ToolCall
from spendscope.agents.billy.phrasing import count, money, period_phrase, value_list
from spendscope.agents.billy.resolve import ValueIndex
from spendscope.data.store import Store
from spendscope.tools.access import Caller
from spendscope.tools.invoke import invoke

SUPPORTED = ("total", "top", "breakdown", "count")
NONE_VALUE = "(none)"


def telemetry_dimension(plan: Plan, index: ValueIndex) -> str | None:
    """The telemetry-only dimension a plan groups or filters by, if any."""
    keys = set(index.telemetry_keys())
    for d in plan.group_by:
        if d in keys:
            return d
    for f in [*plan.filters, *plan.share_filters]:
        if f.dimension in keys:
            return f.dimension
    return None


def _metric(plan: Plan) -> str | None:
    if plan.measure in ("cost", "billed_cost"):
        return "cost"
    if plan.measure == "tokens" and not plan.token_types:
        return "tokens"
    if plan.measure == "requests":
        return "requests"
    return None


def _figure(row: Any, metric: str) -> str:
    return money(float(row.cost)) if metric == "cost" else count(getattr(row, metric))


def _value(row: Any, metric: str) -> float | int:
    return round(float(row.cost), 2) if metric == "cost" else int(getattr(row, metric))


def cannot(plan: Plan, index: ValueIndex, dim: str, reason: str) -> BillyAnswer:
    when = period_phrase(plan.period)
    top = (index.values.get(dim) or ["..."])[0]
    examples = [
        f"Which {dim} cost the most {when}?",
        f"How much did {dim} {top} cost {when}?",
        f"Break down spend by {dim} {when}",
    ]
    text = (
        f"I can't answer that without an LLM: {dim} exists only in the usage telemetry, and the telemetry "
        f"attribution splits the bill by {dim} {reason}. I can answer questions like: "
        + " / ".join(f'"{e}"' for e in examples)
        + "."
    )
    return BillyAnswer(answer=text, value=None)


def run(store: Store, plan: Plan, index: ValueIndex, caller: Caller, dim: str) -> BillyAnswer:
    from spendscope.tools.allocation.attribution import AttributionInput

    others = [f for f in [*plan.filters, *plan.share_filters] if f.dimension != dim]
    mine = [f for f in plan.filters if f.dimension == dim]
    metric = _metric(plan)
    if others:
        named = ", ".join(dict.fromkeys(f.dimension.replace("_", " ") for f in others))
        return cannot(plan, index, dim, f"alone, without filters such as {named}")
    if plan.intent not in SUPPORTED or metric is None:
        return cannot(
            plan, index, dim, f"for one period at a time (so no {plan.intent.replace('_', ' ')} by {dim})"
        )
    if any(f.op not in ("eq", "in") for f in mine):
        return cannot(plan, index, dim, "into values, not into everything but some of them")
    rng: dict[str, Any] = {}
    if plan.period is not None:
        rng = {"start": plan.period.start, "end": plan.period.last}
    params = AttributionInput(
        by=[dim], measure="billed_cost" if plan.measure == "billed_cost" else "cost", **rng
    )
    calls = [
        ToolCall(name="attribute_costs_to_customers", input=params.model_dump(mode="json", exclude_none=True))
    ]
    try:
        res = invoke(store, "attribute_costs_to_customers", params, caller)
    except Exception as exc:
        calls[0].error = getattr(exc, "code", "operation_failed")
        raise
    when = period_phrase(plan.period)
    rows = [r for r in res.rows if r.values.get(dim) != NONE_VALUE]
    rows.sort(key=lambda r: getattr(r, metric) if metric != "cost" else r.cost, reverse=not plan.ascending)
    table = Table(
        columns=[dim, "cost", "estimated_cost", "requests", "tokens"],
        rows=[
            [
                r.values.get(dim),
                round(float(r.cost), 2),
                round(float(r.estimated_cost), 2),
                r.requests,
                r.tokens,
            ]
            for r in rows[:50]
        ],
    )
    chart = charts.bar(
        [{dim: r.values.get(dim), "value": _value(r, metric)} for r in rows[:20]],
        dim,
        "cost" if metric == "cost" else metric,
        f"{res.period_label} by {dim}",
    )
    noun = {"cost": "attributed cost", "tokens": "tokens", "requests": "requests"}[metric]
    assumed = (
        f" Assumed: {dim} cost = each provider, model and day's "
        f"{'billed' if plan.measure == 'billed_cost' else 'effective'} cost split among that day's usage "
        f"events by their estimated cost (reconciles to the bill); {money(float(res.attributed))} of "
        f"{money(float(res.total))} was attributed, {money(float(res.unmatched_cost))} of model cost had no "
        f"telemetry and {money(float(res.no_model_cost))} names no model"
        + (f"; period {plan.period.start} to {plan.period.last}" if plan.period else "")
        + "".join(f"; {a}" for a in dict.fromkeys(plan.assumptions))  # how the question was read
        + "."
    )
    value: Any
    if plan.intent == "total" and mine:
        wanted = {v.lower() for f in mine for v in f.values}
        hits = [r for r in rows if str(r.values.get(dim)).lower() in wanted]
        if not hits:
            text = f"No cost was attributed to {dim} {value_list(sorted(wanted))} {when}: no usage events matched."
            value = None
        else:
            first = hits[0]
            what = "of attributed cost went to" if metric == "cost" else f"{noun} were used by"
            text = (
                f"{_figure(first, metric)} {what} {dim} {first.values[dim]} {when}"
                + (
                    "; " + ", ".join(f"{r.values[dim]} {_figure(r, metric)}" for r in hits[1:5])
                    if len(hits) > 1
                    else ""
                )
                + "."
            )
            value = _value(first, metric)
    elif plan.intent == "top" and rows:
        n = plan.top or 1
        first = rows[0]
        most = "least" if plan.ascending else "most"
        verb = {
            "cost": f"cost the {most}",
            "tokens": f"used the {most} tokens",
            "requests": f"made the {most} requests",
        }[metric]
        if n == 1:
            text = f"{first.values[dim]} {verb} of any {dim} {when}: {_figure(first, metric)}" + (
                " of attributed cost." if metric == "cost" else f" {noun}."
            )
        else:
            listed = ", ".join(f"{r.values[dim]} ({_figure(r, metric)})" for r in rows[:n])
            text = (
                f"{first.values[dim]} leads; the {'bottom' if plan.ascending else 'top'} {min(n, len(rows))} "
                f"{dim}s by {noun} {when}: {listed}."
            )
        value = first.values[dim]
    elif plan.intent == "count":
        text = (
            f"{len(rows)} {dim}{'s' if len(rows) != 1 else ''} had usage {when}: "
            + ", ".join(str(r.values[dim]) for r in rows[:8])
            + (f" and {len(rows) - 8} more." if len(rows) > 8 else ".")
        )
        value = len(rows)
    elif rows:
        shown = rows if len(rows) <= 12 else rows[:10]  # every value; past a dozen the rest summed
        parts = ", ".join(f"{r.values[dim]} {_figure(r, metric)}" for r in shown)
        text = f"{money(float(res.attributed))} was attributed to {dim}s {when}; by {dim}: {parts}."
        if len(rows) > len(shown) and metric == "cost":
            rest = float(res.attributed) - sum(float(r.cost) for r in shown)
            text = text[:-1] + f"; the other {len(rows) - len(shown)} together {money(rest)}."
        elif len(rows) > len(shown):
            text = text[:-1] + f"; {len(rows) - len(shown)} more {dim}s are in the table."
        value = round(float(res.attributed), 2)
    else:
        text = f"No cost could be attributed to any {dim} {when}: no usage events match the bill."
        value = None
    answer = BillyAnswer(answer=text + assumed, value=value, table=table, chart=chart)
    answer.tools = calls
    return answer
