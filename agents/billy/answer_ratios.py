"""Answers that divide: a share (cost_ratio), a unit cost (per token or request), a commitment's utilisation, a
count of values and an average per day, week or month."""

from __future__ import annotations

import re

from spendscope.agents.billy import charts
from spendscope.agents.billy.answer_figures import on_top
from spendscope.agents.billy.models import BillyAnswer, Plan, Table
from spendscope.agents.billy.phrasing import (
    count,
    figure,
    money,
    pct,
    period_phrase,
    round_value,
    scope_phrase,
    subject,
)
from spendscope.agents.billy.resolve import ValueIndex
from spendscope.agents.billy.runner import (
    NONE_VALUES,
    Runner,
    assumed,
    cap,
    chart_rows,
    named,
    query,
    r2,
    rows_table,
    time_range,
    token_filter,
    what_words,
)
from spendscope.data.errors import SpendscopeError
from spendscope.tools.costs.answers import (
    AverageInput,
    CostPart,
    RatioInput,
)
from spendscope.tools.costs.breakdown import (
    Filter,
)


def on_share(run: Runner, plan: Plan, index: ValueIndex) -> BillyAnswer:
    when = period_phrase(plan.period)
    if not plan.share_filters and plan.group_by:
        top = on_top(run, plan.model_copy(update={"intent": "top", "top": 1}), index)
        first = next((r for r in top.table.rows if r[0] not in NONE_VALUES), None)
        if first is not None:
            top.answer = (
                f"{cap(named(plan.group_by[0], first[0]))} had the largest share {when}: {pct(first[2])} "
                f"({figure(first[1], plan.measure)})." + assumed(plan)
            )
        return top
    whole = run.filters(plan.filters + token_filter(plan))
    each = _each_share(run, plan, whole)
    if each is not None:
        return each
    params = RatioInput(
        numerator=CostPart(measure=plan.measure, filters=whole + plan.share_filters),
        denominator=CostPart(measure=plan.measure, filters=whole),
        scale=100.0,
        **time_range(plan),
    )
    res = run.call("cost_ratio", params)
    part = scope_phrase(plan.share_filters) or "that"
    base = subject(plan.filters, plan.measure, plan.token_types, cap=False)
    if res.ratio is None:
        text = f"There was no {base} {when}, so no share to give."
    else:
        text = (
            f"{cap(part)} made up {pct(res.ratio)} of {base} {when} ({figure(res.numerator, plan.measure)} of "
            f"{figure(res.denominator, plan.measure)})."
        )
        if re.search(r"\b(vs\.?|versus|against|compared)\b", plan.question.lower()):
            # "gpus vs apis": the other side's figure too, not only the part's
            text += f" The rest: {figure(res.denominator - res.numerator, plan.measure)}."
    table = Table(
        columns=["part", "whole", "share_pct"],
        rows=[
            [
                round_value(res.numerator, plan.measure),
                round_value(res.denominator, plan.measure),
                r2(res.ratio),
            ]
        ],
    )
    chart = charts.bar(
        [
            {"slice": part, "value": round(res.numerator, 4)},
            {"slice": "rest", "value": round(res.denominator - res.numerator, 4)},
        ],
        "slice",
        plan.measure,
        f"share {when}",
    )
    return BillyAnswer(answer=text + assumed(plan), value=r2(res.ratio), table=table, chart=chart)


_EACH = re.compile(r"\b(vs\.?|versus|compared (to|with)|against|each|respectively)\b")


def _each_share(run: Runner, plan: Plan, whole: list[Filter]) -> BillyAnswer | None:
    """ "what % of april spend was openai vs anthropic": each named value's share of the whole, not their sum's."""
    parts = [f for f in plan.share_filters if f.op in ("eq", "in") and len(f.values) > 1]
    if len(plan.share_filters) != 1 or len(parts) != 1 or not _EACH.search(plan.question.lower()):
        return None
    part = parts[0]
    when = period_phrase(plan.period)
    base = subject(plan.filters, plan.measure, plan.token_types, cap=False)
    shares = []
    for v in part.values:
        one = part.model_copy(update={"values": [v]})
        res = run.call(
            "cost_ratio",
            RatioInput(
                numerator=CostPart(measure=plan.measure, filters=[*whole, one]),
                denominator=CostPart(measure=plan.measure, filters=whole),
                scale=100.0,
                **time_range(plan),
            ),
        )
        shares.append((v, res))
    if not shares or shares[0][1].ratio is None:
        return BillyAnswer(answer=f"There was no {base} {when}, so no share to give.")
    listed = "; ".join(
        f"{named(part.dimension, v)} {pct(r.ratio)} ({figure(r.numerator, plan.measure)})" for v, r in shares
    )
    total = shares[0][1].denominator
    return BillyAnswer(
        answer=f"Share of {base} {when} ({figure(total, plan.measure)}): {listed}." + assumed(plan),
        value=r2(shares[0][1].ratio),
        table=Table(
            columns=[part.dimension, plan.measure, "share_pct"],
            rows=[[v, round_value(r.numerator, plan.measure), r2(r.ratio)] for v, r in shares],
        ),
    )


# "cost per 1m tokens including the provisioned throughput": the commitment's fee asked into the unit cost
_WITH_COMMITMENT = re.compile(
    r"\b(incl\w*|including|inclusive of|with|plus|counting|and)\b[^?.!]{0,30}"
    r"\b(commit\w*|provisioned|reserv\w*|ptus?|throughput)\b"
)
_COMMITMENT_DIMS = ("commitment", "commitment_status")


def on_unit_cost(run: Runner, plan: Plan, index: ValueIndex) -> BillyAnswer:
    from spendscope.agents.billy.consumed_units import per_consumed_unit

    own = per_consumed_unit(run, plan)  # per seat, per hour of a commitment: the bill's own unit
    if own is not None:
        return own
    when = period_phrase(plan.period)
    statuses = [str(s) for s in index.values.get("commitment_status", []) if s]
    tokens_unit = plan.unit_measure in (None, "tokens")
    with_commitment = tokens_unit and bool(statuses) and bool(_WITH_COMMITMENT.search(plan.question.lower()))
    if with_commitment:  # the commitment named to be counted in, not as the rows measured
        plan = plan.model_copy(
            update={"filters": [f for f in plan.filters if f.dimension not in _COMMITMENT_DIMS]}
        )
    base = run.filters(plan.filters)
    num_filters = base + (
        [Filter(dimension="token_type", op="in", values=plan.token_types)] if plan.token_types else []
    )
    notes: list[str] = []
    # the cost a unit is made of: AI model rows for tokens and requests, GPU instance rows for GPU hours
    if plan.unit_measure == "gpu_hours":
        num_filters.append(Filter(dimension="gpu_count", op="not_in", values=["(none)", "0"]))
        basis = "cost of GPU instance rows"
    else:
        num_filters.append(Filter(dimension="model", op="not_in", values=["(none)"]))
        basis = "cost of AI model rows"
    left_out = 0.0
    if tokens_unit and statuses and not with_commitment and not plan.token_types:
        if not any(f.dimension in _COMMITMENT_DIMS for f in plan.filters):
            # a commitment's used / unused rows that carry no token kind count hours, not tokens, and the tokens
            # they served are not in the bill: their fee over the tokens billed is no cost of a token (it
            # overstated it). Token rows a commitment covers keep their cost.
            hours = [
                Filter(dimension="commitment_status", op="in", values=statuses),
                Filter(dimension="token_type", op="in", values=["(none)"]),
                Filter(dimension="model", op="not_in", values=["(none)"]),
            ]
            try:
                left_out = query(run, plan, filters=plan.filters + hours).total
            except SpendscopeError:  # no commitment row in the scope asked (the operation refuses a 0)
                left_out = 0.0
            if left_out:
                basis = "cost of AI model rows that count tokens"
                notes.append(
                    f"commitment fees ({money(left_out)} {when}) not counted: their rows count hours, not tokens, "
                    "and the tokens they served are not in the bill (ask 'including the commitment' to add them)"
                )
    elif with_commitment:
        basis = "cost of AI model rows, the commitment's used and unused cost included"
    params = RatioInput(
        numerator=CostPart(measure=plan.measure, filters=num_filters),
        denominator=CostPart(measure=plan.unit_measure or "tokens", filters=base),
        scale=plan.unit_scale,
        **time_range(plan),
    )
    res = run.call("cost_ratio", params)
    if left_out and res.ratio is not None and res.denominator:
        numerator = res.numerator - left_out
        res = res.model_copy(
            update={"numerator": numerator, "ratio": numerator / res.denominator * plan.unit_scale}
        )
    scope = scope_phrase(plan.filters)
    unit_noun = (plan.unit_measure or "tokens").replace("_", " ").replace("gpu", "GPU")
    if res.ratio is None:
        text = f"No {unit_noun} were recorded{' for ' + scope if scope else ''} {when}, so there is no unit cost."
        value = None
    else:
        ratio = res.ratio
        shown = money(ratio, 4) if abs(ratio) < 100 else money(ratio)
        text = (
            f"{shown} {plan.unit_label}" + (f" for {scope}" if scope else " on average") + f" {when} "
            f"({money(res.numerator)} over {count(res.denominator)} {unit_noun})."
        )
        value = round(ratio, 6)
    table = Table(
        columns=["cost", plan.unit_measure or "tokens", "unit_cost"],
        rows=[
            [
                round_value(res.numerator, "cost"),
                round_value(res.denominator, "tokens"),
                None if res.ratio is None else round(res.ratio, 6),
            ]
        ],
    )
    return BillyAnswer(
        answer=text + assumed(plan, [f"unit cost = {basis} / {unit_noun} x {plan.unit_scale:g}", *notes]),
        value=value,
        table=table,
    )


def on_utilization(run: Runner, plan: Plan, index: ValueIndex) -> BillyAnswer:
    when = period_phrase(plan.period)
    statuses = index.values.get("commitment_status", ["Used", "Unused"])
    used = [s for s in statuses if s.lower() == "used"] or ["Used"]
    base = run.filters([f for f in plan.filters if f.dimension != "commitment_status"])
    params = RatioInput(
        numerator=CostPart(filters=base + [Filter(dimension="commitment_status", values=used)]),
        denominator=CostPart(filters=base + [Filter(dimension="commitment_status", values=statuses)]),
        scale=100.0,
        **time_range(plan),
    )
    res = run.call("cost_ratio", params)
    scope = scope_phrase([f for f in plan.filters if f.dimension != "commitment_status"])
    if res.ratio is None:
        text = f"No commitment{' for ' + scope if scope else ''} was active {when}."
    else:
        text = (
            f"{pct(res.ratio)} commitment utilisation{' for ' + scope if scope else ''} {when}: "
            f"{money(res.numerator)} used of {money(res.denominator)} committed."
        )
    table = Table(
        columns=["used", "committed", "utilization_pct"],
        rows=[[round_value(res.numerator, "cost"), round_value(res.denominator, "cost"), r2(res.ratio)]],
    )
    return BillyAnswer(
        answer=text + assumed(plan, ["utilisation = used / (used + unused) commitment cost"]),
        value=r2(res.ratio),
        table=table,
    )


def on_count(run: Runner, plan: Plan, index: ValueIndex) -> BillyAnswer:
    dim = plan.group_by[0]
    res = query(run, plan, group_by=[dim])
    named = [r for r in res.rows if r.group.get(dim) not in NONE_VALUES and r.value]
    when = period_phrase(plan.period)
    word = dim.replace("_", " ")
    names = ", ".join(str(r.group[dim]) for r in named[:8]) + (
        f" and {len(named) - 8} more" if len(named) > 8 else ""
    )
    text = f"{len(named)} {word}{'s' if len(named) != 1 else ''} had {what_words(plan) or 'spend'} {when}" + (
        f": {names}." if named else "."
    )
    return BillyAnswer(
        answer=text + assumed(plan),
        value=len(named),
        table=rows_table(res, [dim], 50, kinds=run.kinds),
        chart=charts.bar(
            chart_rows(res, dim, kinds=run.kinds), dim, plan.measure, f"{res.period_label} by {dim}"
        ),
    )


def on_average(run: Runner, plan: Plan, index: ValueIndex) -> BillyAnswer:
    p, today, note = plan.period, plan.as_of, []
    if p is not None and today is not None and p.start < today < p.end:
        # "avg daily spend in june so far" on June 30: today is not over, so its day is not averaged in
        plan = plan.model_copy(update={"period": p.model_copy(update={"end": today})})
        note = [f"today ({today}) is not over and is not counted"]
    params = AverageInput(
        measure=plan.measure,
        filters=run.filters(plan.filters + token_filter(plan)),
        grain=plan.grain,
        **time_range(plan),
    )
    res = run.call("average_cost", params)
    when = period_phrase(plan.period)
    scope = scope_phrase(plan.filters)
    what = what_words(plan) or "spend"
    text = (
        f"{figure(res.average, plan.measure)} per {plan.grain} on average{' for ' + scope if scope else ''} "
        f"{when} ({figure(res.total, plan.measure)} of {what} over {_units_text(res.units)} {plan.grain}s"
        + (
            # the other reading, said beside it: the calendar weeks (months) it touches, partial ones as whole
            f"; over the {res.buckets} calendar {plan.grain}s it touches, partial ones counted whole: "
            f"{figure(res.total / res.buckets, plan.measure)} a {plan.grain}"
            if res.buckets and abs(res.units - res.buckets) > 1e-6
            else ""
        )
        + (
            f"; the highest was {res.highest_bucket} at {figure(res.highest, plan.measure)}"
            if res.highest
            else ""
        )
        + ")."
    )
    table = Table(
        columns=["total", f"{plan.grain}s", "average"],
        rows=[[round_value(res.total, plan.measure), res.units, round_value(res.average, plan.measure)]],
    )
    return BillyAnswer(
        answer=text + assumed(plan, res.assumptions[-1:] + note),
        value=round_value(res.average, plan.measure),
        table=table,
    )


def _units_text(units: float) -> str:
    """5 (whole weeks or months), 4.43 (a period covering some in part)."""
    return f"{units:.0f}" if abs(units - round(units)) < 1e-9 else f"{units:.2f}"
