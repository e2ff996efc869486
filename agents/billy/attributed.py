"""Questions about a dimension only telemetry knows (customers): answered by the telemetry-based attribution
that reconciles to the bill (`attribute_costs_to_customers`), never by cost rows, which carry no customer.

Attribution splits each provider + model + day's cost among that day's events. A filter on another attribute the
events carry ("which customer cost the most on the quote bot feature") splits by both and keeps the matching
part: the customer's cost within that feature's events. A question that filters by what the events do not carry
(provider, service, ...) or asks for a peak, a unit cost or a ranking's change by customer is not answered with a
different figure: Billy says what it cannot do and suggests what it can. Named customers compared across two
periods are answered by running the attribution once per period (attributed_change.py).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from spendscope.agents.billy import charts
from spendscope.agents.billy.models import BillyAnswer, Plan, Table, ToolCall
from spendscope.agents.billy.phrasing import count, money, period_phrase, unit_money, value_list
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


# Attributes of the usage events a customer question may be narrowed by. Not provider or model: the bill names
# them in its own words ("AWS" for Bedrock's events), so the events' values would not match the question's.
WITHIN = ("feature", "team", "env", "operation", "code_path")


def _carried(f: Any) -> bool:
    """A filter the attribution can apply: one or more values of an attribute the usage events carry."""
    return f.dimension in WITHIN and f.op in ("eq", "in")


def _event_attributes(filters: list[Any], dim: str, index: ValueIndex) -> tuple[list[Any], list[str]]:
    """Filters on a tag of the bill whose values the usage events carry under an attribute of their own (the
    bill's `system` incident-reader is the events' `feature` incident-reader): read as that attribute, with
    what was assumed."""
    out, read_as = [], []
    for f in filters:
        wanted = {str(v).lower() for v in f.values}
        match = next(
            (
                a
                for a in WITHIN
                if f.dimension not in WITHIN
                and f.dimension != dim
                and f.op in ("eq", "in")
                and wanted
                and wanted <= {str(v).lower() for v in index.values.get(a, [])}
            ),
            None,
        )
        if match is None:
            out.append(f)
            continue
        out.append(f.model_copy(update={"dimension": match}))
        read_as.append(
            f"{f.dimension.replace('_', ' ')} {value_list(list(f.values))} read as the usage events' "
            f"{match.replace('_', ' ')} of that name"
        )
    return out, read_as


def _named(within: list[Any]) -> str:
    return " and ".join(f"{f.dimension.replace('_', ' ')} {value_list(list(f.values))}" for f in within)


def _within(rows: list[Any], dim: str, within: list[Any]) -> list[Any]:
    """Rows split by `dim` and the filtered attributes: the matching ones, summed per value of `dim`."""
    if not within:
        return rows
    from spendscope.tools.allocation.attribution import AttributedRow

    wanted = [(f.dimension, {str(v).lower() for v in f.values}) for f in within]
    sums: dict[str, AttributedRow] = {}
    for r in rows:
        if not all(str(r.values.get(d, "")).lower() in vs for d, vs in wanted):
            continue
        key = str(r.values.get(dim))
        have = sums.get(key)
        if have is None:
            sums[key] = AttributedRow(
                values={dim: key},
                cost=r.cost,
                estimated_cost=r.estimated_cost,
                requests=r.requests,
                tokens=r.tokens,
            )
        else:
            have.cost += r.cost
            have.estimated_cost += r.estimated_cost
            have.requests += r.requests
            have.tokens += r.tokens
    return list(sums.values())


def run(store: Store, plan: Plan, index: ValueIndex, caller: Caller, dim: str) -> BillyAnswer:
    from spendscope.tools.allocation.attribution import AttributionInput

    filters, read_as = _event_attributes(plan.filters, dim, index)
    within = [f for f in filters if f.dimension != dim and _carried(f)]  # attributes the events carry
    others = [f for f in [*filters, *plan.share_filters] if f.dimension != dim and f not in within]
    mine = [f for f in plan.filters if f.dimension == dim]
    metric = _metric(plan)
    if others:
        named = ", ".join(dict.fromkeys(f.dimension.replace("_", " ") for f in others))
        carried = ", ".join(w.replace("_", " ") for w in WITHIN)
        return cannot(plan, index, dim, f"and what its usage events carry ({carried}), not by {named}")
    from spendscope.agents.billy import attributed_change

    if attributed_change.applies(plan, mine, metric):  # "coolmate cost in nov vs dec": once per period
        assert metric is not None
        return attributed_change.run(
            store, plan, caller, dim, mine, within, metric, [*plan.assumptions, *read_as]
        )
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
        by=[dim, *dict.fromkeys(f.dimension for f in within)],
        measure="billed_cost" if plan.measure == "billed_cost" else "cost",
        **rng,
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
    rows = _within([r for r in res.rows if r.values.get(dim) != NONE_VALUE], dim, within)
    attributed = sum((r.cost for r in rows), Decimal(0)) if within else res.attributed
    if within:
        when = f"{when} within {_named(within)}"
    rows.sort(key=lambda r: getattr(r, metric) if metric != "cost" else r.cost, reverse=not plan.ascending)
    if plan.intent == "top" and mine:
        # "negev vs carmel last month": the ranking of the values named, never a winner the question left out
        named_values = {v.lower() for f in mine for v in f.values}
        rows = [r for r in rows if str(r.values.get(dim)).lower() in named_values]
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
        f"{money(float(res.total))} was attributed"
        + (f" ({money(float(attributed))} of it within {_named(within)})" if within else "")
        + f", {money(float(res.unmatched_cost))} of model cost had no "
        f"telemetry and {money(float(res.no_model_cost))} names no model"
        + (f"; period {plan.period.start} to {plan.period.last}" if plan.period else "")
        + "".join(f"; {a}" for a in dict.fromkeys([*plan.assumptions, *read_as]))  # how it was read
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
        if n == 1 and mine and len(rows) == 2:
            second = rows[1]
            more = "less" if plan.ascending else "more"
            than = {
                "cost": f"cost {more}",
                "tokens": f"used {more} tokens",
                "requests": f"made {more} requests",
            }
            text = (
                f"{first.values[dim]} {than[metric]} than {second.values[dim]} {when}: {_figure(first, metric)} "
                f"against {_figure(second, metric)}"
                + (" of attributed cost." if metric == "cost" else f" {noun}.")
            )
        elif n == 1:
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
        text = f"{money(float(attributed))} was attributed to {dim}s {when}; by {dim}: {parts}."
        if len(rows) > len(shown) and metric == "cost":
            rest = float(attributed) - sum(float(r.cost) for r in shown)
            text = text[:-1] + f"; the other {len(rows) - len(shown)} together {money(rest)}."
        elif len(rows) > len(shown):
            text = text[:-1] + f"; {len(rows) - len(shown)} more {dim}s are in the table."
        value = round(float(attributed), 2)
    else:
        text = f"No cost could be attributed to any {dim} {when}: no usage events match the bill."
        value = None
    answer = BillyAnswer(answer=text + assumed, value=value, table=table, chart=chart)
    answer.tools = calls
    return answer


def per_request_within(run: Any, plan: Plan, index: ValueIndex) -> BillyAnswer | None:
    """Cost per request of one customer (a telemetry-only value) within an attribute its usage events carry
    ("what's their cost per request" after "top customer on the quote bot"): the customer's attributed cost
    within that attribute over its requests there. None when the question is not that shape."""
    from spendscope.tools.allocation.attribution import AttributionInput

    dim = telemetry_dimension(plan, index)
    if dim is None or plan.share_filters:
        return None
    filters, read_as = _event_attributes(plan.filters, dim, index)
    mine = [f for f in filters if f.dimension == dim]
    within = [f for f in filters if f.dimension != dim and _carried(f)]
    if len(mine) != 1 or mine[0].op not in ("eq", "in") or len(mine[0].values) != 1 or not within:
        return None
    if len(mine) + len(within) != len(filters):
        return None
    rng: dict[str, Any] = {} if plan.period is None else {"start": plan.period.start, "end": plan.period.last}
    res = run.call(
        "attribute_costs_to_customers", AttributionInput(by=[dim, *(f.dimension for f in within)], **rng)
    )
    wanted = str(mine[0].values[0]).lower()
    row = next((r for r in _within(res.rows, dim, within) if str(r.values.get(dim)).lower() == wanted), None)
    who, when = f"{dim} {mine[0].values[0]}", f"{period_phrase(plan.period)} within {_named(within)}"
    if row is None or not row.requests:
        return BillyAnswer(
            answer=f"No requests of {who} are recorded {when}, so there is no cost per request."
        )
    scale = plan.unit_scale or 1.0
    label = "per request" if scale == 1 else f"per {scale:,.0f} requests"
    per = float(row.cost) / row.requests * scale
    notes = [
        f"{dim} cost = each provider, model and day's cost split among that day's usage events by their "
        "estimated cost (reconciles to the bill); requests from telemetry",
        *plan.assumptions,
        *read_as,
    ]
    return BillyAnswer(
        answer=f"{unit_money(per)} {label} for {who} {when} ({money(float(row.cost))} over {row.requests:,} "
        f"requests). Assumed: {'; '.join(dict.fromkeys(notes))}.",
        value=round(per, 6),
        table=Table(
            columns=[dim, "cost", "requests", "cost_per_request"],
            rows=[[row.values[dim], round(float(row.cost), 2), row.requests, float(row.cost) / row.requests]],
        ),
    )
