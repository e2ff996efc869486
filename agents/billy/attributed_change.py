"""A telemetry-only value (a customer) compared across two periods ("coolmate cost in nov vs dec"): the
attribution operation run once per period, the named values' figures side by side with the change.

The attribution splits each provider + model + day's cost among that day's usage events, so a period's figure is
the sum of its days' shares: two runs, one per period, give the same figures a run over each period alone gives,
and nothing is split across the two.
"""

from __future__ import annotations

from typing import Any

from spendscope.agents.billy.models import BillyAnswer, Plan, Table, ToolCall
from spendscope.agents.billy.phrasing import count, money, pct, period_phrase
from spendscope.data.store import Store
from spendscope.tools.access import Caller
from spendscope.tools.invoke import invoke


def applies(plan: Plan, mine: list[Any], metric: str | None) -> bool:
    """Whether the plan compares named values of the telemetry dimension over two periods."""
    return (
        plan.intent == "compare"
        and plan.period is not None
        and plan.base_period is not None
        and metric is not None
        and (bool(mine) or bool(plan.group_by))  # values named, or each value ("customer cost nov vs dec")
        and all(f.op in ("eq", "in") for f in mine)
    )


def _figure(v: float, metric: str) -> str:
    return money(v) if metric == "cost" else count(v)


def run(
    store: Store,
    plan: Plan,
    caller: Caller,
    dim: str,
    mine: list[Any],
    within: list[Any],
    metric: str,
    notes: list[str],
) -> BillyAnswer:
    """Each named value's attributed figure over the base period and the period, and its change."""
    from spendscope.agents.billy.attributed import NONE_VALUE, _named, _within
    from spendscope.tools.allocation.attribution import AttributionInput

    assert plan.period is not None and plan.base_period is not None  # applies() checked
    wanted = list(
        dict.fromkeys(str(v) for f in mine for v in f.values)
    )  # none named: every value, found below
    calls: list[ToolCall] = []
    figures: list[dict[str, float]] = []
    totals: list[tuple[float, float]] = []
    for period in (plan.base_period, plan.period):
        params = AttributionInput(
            by=[dim, *dict.fromkeys(f.dimension for f in within)],
            measure="billed_cost" if plan.measure == "billed_cost" else "cost",
            start=period.start,
            end=period.last,
        )
        call = ToolCall(
            name="attribute_costs_to_customers", input=params.model_dump(mode="json", exclude_none=True)
        )
        calls.append(call)
        try:
            res = invoke(store, "attribute_costs_to_customers", params, caller)
        except Exception as exc:
            call.error = getattr(exc, "code", "operation_failed")
            raise
        rows = _within([r for r in res.rows if r.values.get(dim) != NONE_VALUE], dim, within)
        got = {
            str(r.values.get(dim)).lower(): float(r.cost if metric == "cost" else getattr(r, metric))
            for r in rows
        }
        figures.append(got if not mine else {v: got.get(v.lower(), 0.0) for v in wanted})
        totals.append((float(res.attributed), float(res.total)))
    if not mine:  # each value: the later period's largest first
        shown = {v.lower(): v for r in (figures[0], figures[1]) for v in r}
        wanted = sorted(shown, key=lambda v: (-figures[1].get(v, 0.0), v))[:10]
        figures = [{v: f.get(v, 0.0) for v in wanted} for f in figures]
    before, after = figures
    then, now = period_phrase(plan.base_period), period_phrase(plan.period)
    where = f" within {_named(within)}" if within else ""
    noun = {"cost": "attributed cost", "tokens": "tokens", "requests": "requests"}[metric]
    parts = []
    for v in wanted:
        change = after[v] - before[v]
        rel = pct(change / before[v] * 100, signed=True) if before[v] else "n/a: nothing the period before"
        parts.append(
            f"{dim} {v}{where}: {_figure(before[v], metric)} {then}, {_figure(after[v], metric)} {now} "
            f"({'+' if change >= 0 else '-'}{_figure(abs(change), metric)}, {rel})"
        )
    text = f"{noun.capitalize()} by {dim}, each period attributed on its own: " + "; ".join(parts) + "."
    measure = "billed" if plan.measure == "billed_cost" else "effective"
    assumed = (
        f" Assumed: {dim} cost = each provider, model and day's {measure} cost split among that day's usage events "
        f"by their estimated cost (reconciles to the bill), run once for each period; "
        + "; ".join(
            f"{money(a)} of {money(t)} was attributed {p}"
            for (a, t), p in zip(totals, (then, now), strict=True)
        )
        + f"; periods {plan.base_period.start} to {plan.base_period.last} and {plan.period.start} to "
        f"{plan.period.last}" + "".join(f"; {a}" for a in dict.fromkeys(notes)) + "."
    )
    first = wanted[0]
    table = Table(
        columns=[dim, "base_period", "period", "change"],
        rows=[[v, round(before[v], 2), round(after[v], 2), round(after[v] - before[v], 2)] for v in wanted],
    )
    value = round(after[first] - before[first], 2) if len(wanted) == 1 else None
    answer = BillyAnswer(answer=text + assumed, value=value, table=table)
    answer.tools = calls
    return answer
