"""Answers about change: between two periods (compare_costs), its drivers (explain_change), and the peak day,
week or month."""

from __future__ import annotations

import re
from typing import Any

from spendscope.agents.billy import charts
from spendscope.agents.billy.models import BillyAnswer, Plan, Table
from spendscope.agents.billy.phrasing import (
    date_text,
    figure,
    pct,
    period_phrase,
    round_value,
    subject,
)
from spendscope.agents.billy.planner import ownership_key
from spendscope.agents.billy.resolve import ValueIndex
from spendscope.agents.billy.runner import (
    NONE_VALUES,
    Runner,
    assumed,
    cap,
    group_label,
    named,
    named_within,
    query,
    r2,
    token_filter,
    what_words,
)
from spendscope.tools.costs.answers import (
    CompareInput,
)
from spendscope.tools.costs.breakdown import (
    TimeRange,
)


def _compare_params(
    run: Runner, plan: Plan, group_by: list[str] | None = None, top: int | None = None
) -> CompareInput:
    assert plan.period is not None and plan.base_period is not None
    return CompareInput(
        measure=plan.measure,
        filters=run.filters(plan.filters + token_filter(plan)),
        group_by=group_by or [],
        base=TimeRange(start=plan.base_period.start, end=plan.base_period.last),
        current=TimeRange(start=plan.period.start, end=plan.period.last),
        top=top,
    )


def _change_words(change: float) -> str:
    return "rose" if change > 0 else "fell" if change < 0 else "was unchanged"


def on_compare(run: Runner, plan: Plan, index: ValueIndex) -> BillyAnswer:
    res = run.call("compare_costs", _compare_params(run, plan, plan.group_by, None))
    total = res
    head = subject(plan.filters, plan.measure, plan.token_types)
    a, b = plan.base_period.label, plan.period.label  # type: ignore[union-attr]
    if plan.group_by:
        total = run.call("compare_costs", _compare_params(run, plan))
        dim = plan.group_by[0]
        rows = [r for r in res.rows if r.group.get(dim) not in NONE_VALUES]
        if _IN_PERCENT.search(plan.question.lower()):
            # "which team had the biggest % increase": ranked by the change in percent (a value new in the
            # period has none and comes last)
            sign = 1 if plan.direction == "down" else -1
            rows.sort(key=lambda r: (r.change_pct is None, sign * (r.change_pct or 0)))
        elif plan.direction == "down":
            rows.sort(key=lambda r: r.change)
        elif plan.direction == "up":
            rows.sort(key=lambda r: -r.change)
        table = _change_table(run, plan, dim, a, b, res.rows[:25])
        chart = charts.grouped_bar(_compare_chart(res.rows[:12], dim, a, b), dim, plan.measure, f"{a} vs {b}")
        if not rows:
            return BillyAnswer(answer=f"Nothing to compare between {a} and {b}." + assumed(plan), table=table)
        w = rows[0]
        noun = (
            "spend"
            if plan.measure == "cost"
            else "usage"
            if plan.measure == "tokens"
            else plan.measure.replace("_", " ")
        )
        # "which app grew the most" when none grew: the one that fell the least, said so (never "fell the most")
        against = (plan.direction == "up" and w.change < 0) or (plan.direction == "down" and w.change > 0)
        lead = (
            f"No {dim.replace('_', ' ')}'s {noun} {'rose' if plan.direction == 'up' else 'fell'} from {a} to {b}; "
            f"{named_within(dim, w.group[dim])}'s {_change_words(w.change)} the least"
            if against
            else f"{cap(named(dim, w.group[dim]))}'s {noun} {_change_words(w.change)} the most"
        )
        text = (
            f"{cap(lead)}: by {figure(abs(w.change), plan.measure)}"
            f"{' (' + pct(w.change_pct, True) + ')' if w.change_pct is not None else ''} from {a} "
            f"({figure(w.base, plan.measure)}) to {b} ({figure(w.current, plan.measure)}). "
            f"{head} {_change_words(total.change)} by {figure(abs(total.change), plan.measure)} overall."
        )
        return BillyAnswer(answer=text + assumed(plan), value=w.group[dim], table=table, chart=chart)
    table = Table(
        columns=["measure", a, b, "change", "change_pct"],
        rows=[
            [
                res.measure,
                round_value(res.base_total, plan.measure),
                round_value(res.current_total, plan.measure),
                round_value(res.change, plan.measure),
                r2(res.change_pct),
            ]
        ],
    )
    chart = charts.bar(
        [
            {"period": a, "value": round(res.base_total, 4)},
            {"period": b, "value": round(res.current_total, 4)},
        ],
        "period",
        plan.measure,
        f"{a} vs {b}",
    )
    text = _change_sentence(head, res.change, res.change_pct, res.base_total, res.current_total, a, b, plan)
    value = (
        r2(res.change_pct)
        if plan.percent_first and res.change_pct is not None
        else round_value(res.change, plan.measure)
    )
    daily = _daily_averages(plan, res.base_total, res.current_total)
    if daily is not None:  # "november's daily avg vs october's": the averages lead, the totals follow
        base_avg, cur_avg = daily
        avg_pct = (cur_avg - base_avg) / base_avg * 100 if base_avg else None
        text = (
            _change_sentence(f"{head} per day", cur_avg - base_avg, avg_pct, base_avg, cur_avg, a, b, plan)
            + f" In all: {figure(res.base_total, plan.measure)} and {figure(res.current_total, plan.measure)}."
        )
        plan = plan.model_copy(
            update={"assumptions": [*plan.assumptions, "per day = over every calendar day of each period"]}
        )
        value = (
            r2(avg_pct)
            if plan.percent_first and avg_pct is not None
            else round_value(cur_avg - base_avg, plan.measure)
        )
    return BillyAnswer(answer=text + assumed(plan), value=value, table=table, chart=chart)


_IN_PERCENT = re.compile(r"%|\bpercent(age)?\b|\bpct\b|\brelative(ly)?\b|\bin relative terms\b")
_PER_DAY = re.compile(r"\b(avg|average|averages|mean|per day|a day|daily)\b")


def _daily_averages(plan: Plan, base: float, cur: float) -> tuple[float, float] | None:
    """The two periods' averages per calendar day when the question asks for a daily average."""
    if not _PER_DAY.search(plan.question.lower()) or plan.period is None or plan.base_period is None:
        return None
    days = [(p.end - p.start).days for p in (plan.base_period, plan.period)]
    if (
        min(days) <= 1
        or days[0] == days[1]
        and not re.search(r"\b(avg|average|mean)\b", plan.question.lower())
    ):
        return None
    return base / days[0], cur / days[1]


def _change_sentence(
    head: str, change: float, change_pct: float | None, base: float, cur: float, a: str, b: str, plan: Plan
) -> str:
    verb = _change_words(change)
    amount = figure(abs(change), plan.measure)
    if change == 0:
        return f"{head} was unchanged at {figure(cur, plan.measure)} from {a} to {b}."
    if change_pct is None:
        return f"{head} {verb} by {amount} from {a} ({figure(base, plan.measure)}) to {b} ({figure(cur, plan.measure)})."
    if plan.percent_first:
        return (
            f"{head} {verb} by {pct(abs(change_pct))} ({'+' if change > 0 else '-'}{amount}) from {a} "
            f"({figure(base, plan.measure)}) to {b} ({figure(cur, plan.measure)})."
        )
    return (
        f"{head} {verb} by {amount} ({pct(change_pct, True)}) from {a} ({figure(base, plan.measure)}) to {b} "
        f"({figure(cur, plan.measure)})."
    )


def _change_table(run: Runner, plan: Plan, dim: str, a: str, b: str, rows: list[Any]) -> Table:
    """A change per group: the two periods' figures, the change and the change in percent."""
    return Table(
        columns=[dim, a, b, "change", "change_pct"],
        rows=[
            [
                group_label(run.kinds, dim, r.group.get(dim)),
                round_value(r.base, plan.measure),
                round_value(r.current, plan.measure),
                round_value(r.change, plan.measure),
                r2(r.change_pct),
            ]
            for r in rows
        ],
    )


def _compare_chart(rows: list[Any], dim: str, a: str, b: str) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        out.append({dim: r.group.get(dim) or "(none)", "period": a, "value": round(r.base, 4)})
        out.append({dim: r.group.get(dim) or "(none)", "period": b, "value": round(r.current, 4)})
    return out


def on_drivers(run: Runner, plan: Plan, index: ValueIndex) -> BillyAnswer:
    total = run.call("compare_costs", _compare_params(run, plan))
    head = subject(plan.filters, plan.measure, plan.token_types)
    a, b = plan.base_period.label, plan.period.label  # type: ignore[union-attr]
    filtered = {f.dimension for f in plan.filters if len(f.values) == 1}
    candidates = plan.group_by or [
        d
        for d in (ownership_key(index), "provider", "model", "service", "feature")
        if d and index.has_dim(d) and d not in filtered and len(index.values.get(d, [])) > 1
    ]
    best = None
    for dim in list(dict.fromkeys(candidates))[:4]:
        res = run.call("compare_costs", _compare_params(run, plan, [dim], 5))
        same = [r for r in res.rows if r.group.get(dim) not in NONE_VALUES and (r.change * total.change) > 0]
        if not same or res.groups <= 1:
            continue
        weight = abs(same[0].change) / abs(total.change) if total.change else 0
        if best is None or weight > best[0]:
            best = (weight, dim, res, same)
    text = _change_sentence(
        head, total.change, total.change_pct, total.base_total, total.current_total, a, b, plan
    )
    table = Table(
        columns=["measure", a, b, "change", "change_pct"],
        rows=[
            [
                total.measure,
                round_value(total.base_total, plan.measure),
                round_value(total.current_total, plan.measure),
                round_value(total.change, plan.measure),
                r2(total.change_pct),
            ]
        ],
    )
    chart = None
    if best is not None:
        _, dim, res, same = best
        lead = ", then ".join(
            f"{named_within(dim, r.group[dim])} ({'+' if r.change > 0 else '-'}{figure(abs(r.change), plan.measure)})"
            for r in same[:3]
        )
        text = text[:-1] + f"; by {dim.replace('_', ' ')}, the largest contributions came from {lead}."
        table = _change_table(run, plan, dim, a, b, res.rows)
        chart = charts.grouped_bar(
            _compare_chart(res.rows, dim, a, b), dim, plan.measure, f"{a} vs {b} by {dim}"
        )
    return BillyAnswer(
        answer=text + assumed(plan), value=round_value(total.change, plan.measure), table=table, chart=chart
    )


def on_peak(run: Runner, plan: Plan, index: ValueIndex) -> BillyAnswer:
    grain = plan.grain
    res = query(run, plan, group_by=[grain])
    rows = [r for r in res.rows if r.group.get(grain)]
    when = period_phrase(plan.period)
    series = sorted(
        ({grain: r.group[grain], "value": round(r.value, 4)} for r in rows), key=lambda x: x[grain]
    )
    chart = charts.line(series, grain, plan.measure, f"{res.period_label} by {grain}")
    if not rows:
        return BillyAnswer(answer=f"No {what_words(plan) or 'spend'} {when}." + assumed(plan), chart=None)
    pick = min(rows, key=lambda r: r.value) if plan.ascending else rows[0]
    key = pick.group[grain]
    import datetime as dt

    if grain == "day":
        d = dt.date.fromisoformat(key[:10])
        name, value = f"on {date_text(d)}", d.isoformat()
    elif grain == "week":
        d = dt.date.fromisoformat(key[:10])
        name, value = f"in the week of {date_text(d)}", d.isoformat()
    else:
        d = dt.date.fromisoformat(key[:7] + "-01")
        name, value = f"in {d.strftime('%B %Y')}", key[:7]
    head = subject(plan.filters, plan.measure, plan.token_types)
    verb = "was lowest" if plan.ascending else "peaked"
    text = (
        f"{head} {verb} {name} at {figure(pick.value, plan.measure)} ({pct(pick.share_pct)} of the "
        f"{figure(res.total, plan.measure)} {when})."
    )
    if plan.top and plan.top > 1:  # "top 5 days": each of them, in order
        ranked = (sorted(rows, key=lambda r: r.value) if plan.ascending else rows)[: plan.top]
        text += (
            f" The {'lowest' if plan.ascending else 'top'} {len(ranked)}: "
            + "; ".join(
                f"{r.group[grain][: 7 if grain == 'month' else 10]} {figure(r.value, plan.measure)}"
                for r in ranked
            )
            + "."
        )
    table = Table(
        columns=[grain, res.measure, "share_pct"],
        rows=[
            [r.group[grain], round_value(r.value, plan.measure), r2(r.share_pct)]
            for r in (sorted(rows, key=lambda r: r.value) if plan.ascending else rows)[:10]
        ],
    )
    return BillyAnswer(answer=text + assumed(plan), value=value, table=table, chart=chart)
