"""Carrying out a Plan through the typed operations (tools.costs.breakdown, tools.costs.answers) and writing the answer.

Every figure in an answer is a field of an operation's result; this module only picks (the winner, the
peak day) and phrases. Each call is recorded in the answer's `tools` list.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from spendscope.agents.billy import charts
from spendscope.agents.billy.models import BillyAnswer, Plan, Table, ToolCall
from spendscope.agents.billy.phrasing import (
    OWNER_DIMS,
    count,
    date_text,
    describe_filter,
    figure,
    is_money,
    money,
    pct,
    period_phrase,
    round_value,
    scope_phrase,
    subject,
    token_words,
)
from spendscope.agents.billy.planner import ownership_key
from spendscope.agents.billy.resolve import ValueIndex
from spendscope.data.store import Store
from spendscope.tools.access import LOCAL, Caller
from spendscope.tools.costs.answers import (
    AverageInput,
    CompareInput,
    CostPart,
    RatioInput,
)
from spendscope.tools.costs.breakdown import (
    CostQueryInput,
    CostQueryResult,
    Filter,
    TimeRange,
)
from spendscope.tools.invoke import invoke

NONE_VALUES = (None, "", "unallocated", "(untagged)", "(none)")


class Runner:
    """Runs registry operations for one caller through `tools.invoke` (validated, permitted, row-scoped there,
    never here) and records each call for the answer's `tools` list."""

    def __init__(self, store: Store, caller: Caller = LOCAL) -> None:
        self.store = store
        self.caller = caller
        self.calls: list[ToolCall] = []
        self.kinds: dict[str, str] = {}  # dimension -> kind, for the label of rows without a value

    def call(self, name: str, params: BaseModel) -> Any:
        record = ToolCall(name=name, input=params.model_dump(mode="json", exclude_defaults=True))
        self.calls.append(record)
        try:
            return invoke(self.store, name, params, self.caller)
        except Exception as exc:
            record.error = getattr(exc, "code", type(exc).__name__)
            raise

    def filters(self, filters: list[Filter]) -> list[Filter]:
        return list(filters)


def _range(plan: Plan) -> dict[str, Any]:
    if plan.period is None:
        return {}
    return {"start": plan.period.start, "end": plan.period.last}


def _token_filter(plan: Plan) -> list[Filter]:
    if plan.measure == "tokens" and plan.token_types:
        return [Filter(dimension="token_type", op="in", values=plan.token_types)]
    return []


def _query(
    run: Runner,
    plan: Plan,
    *,
    group_by: list[str] | None = None,
    top: int | None = None,
    filters: list[Filter] | None = None,
) -> CostQueryResult:
    params = CostQueryInput(
        measure=plan.measure,
        group_by=group_by or [],
        top=top,
        filters=run.filters((plan.filters if filters is None else filters) + _token_filter(plan)),
        **_range(plan),
    )
    return run.call("query_costs", params)


def _assumed(plan: Plan, extra: list[str] | None = None) -> str:
    notes: list[str] = []
    if is_money(plan.measure):
        notes.append(
            "cost = billed cost (invoiced)"
            if plan.measure == "billed_cost"
            else "cost = effective cost (amortised)"
            if plan.measure == "cost"
            else f"measure = {plan.measure}"
        )
    if plan.period is not None:
        if plan.base_period is not None:
            notes.append(
                f"periods {plan.base_period.label} ({plan.base_period.start} to {plan.base_period.last}) "
                f"and {plan.period.label} ({plan.period.start} to {plan.period.last})"
            )
        elif "(all data)" not in plan.period.label and plan.period.end - plan.period.start > _one_day():
            notes.append(f"period {plan.period.start} to {plan.period.last}")
    notes += [a for a in plan.assumptions if a not in notes]
    notes += extra or []
    return (" Assumed: " + "; ".join(dict.fromkeys(notes)) + ".") if notes else ""


def _one_day() -> Any:
    import datetime as dt

    return dt.timedelta(days=1)


def group_label(kinds: dict[str, str], dim: str, value: Any) -> Any:
    """A group's label in tables and charts: rows without a value read "(untagged)" for tag keys,
    "unallocated" for virtual tags and "(none)" for other dimensions, as elsewhere in spendscope."""
    if value not in (None, ""):
        return value
    kind = kinds.get(dim)
    return (
        "unallocated"
        if kind == "virtual_tag"
        else "(untagged)"
        if kind in ("provider_tag", "telemetry")
        else "(none)"
    )


def _rows_table(
    result: CostQueryResult, dims: list[str], limit: int = 20, kinds: dict[str, str] | None = None
) -> Table:
    cols = [*dims, result.measure, "share_pct"]
    rows = [
        [
            *(group_label(kinds or {}, d, r.group.get(d)) for d in dims),
            round_value(r.value, result.measure),
            None if r.share_pct is None else round(r.share_pct, 2),
        ]
        for r in result.rows[:limit]
    ]
    if result.other is not None:
        rows.append(
            [*(["(other)"] + [None] * (len(dims) - 1)), round_value(result.other, result.measure), None]
        )
    return Table(columns=cols, rows=rows)


def _chart_rows(
    result: CostQueryResult, dim: str, limit: int = 20, kinds: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    return [
        {dim: group_label(kinds or {}, dim, r.group.get(dim)), "value": round(r.value, 4)}
        for r in result.rows[:limit]
    ]


def execute(store: Store, plan: Plan, index: ValueIndex, caller: Caller = LOCAL) -> BillyAnswer:
    """Answer `plan` with operations run as `caller`."""
    handler = {
        "total": _total,
        "breakdown": _breakdown,
        "top": _top,
        "compare": _compare,
        "drivers": _drivers,
        "peak": _peak,
        "share": _share,
        "unit_cost": _unit_cost,
        "utilization": _utilization,
        "count": _count,
        "average": _average,
    }.get(plan.intent, _total)
    special = _category(plan)
    if special is not None:
        run = Runner(store, caller)
        run.kinds = index.kinds
        answer = special(run, plan, index)
        answer.tools = run.calls
        return answer
    if plan.intent in ("forecast", "savings", "anomalies", "budget", "gpu_idle"):
        from spendscope.agents.billy import delegate

        return delegate.run(store, plan, caller)
    from spendscope.agents.billy import attributed

    dim = attributed.telemetry_dimension(plan, index)
    if dim is not None:
        return attributed.run(store, plan, index, caller, dim)
    run = Runner(store, caller)
    run.kinds = index.kinds
    answer = handler(run, plan, index)
    answer.tools = run.calls
    return answer


def _category(plan: Plan) -> Any:
    """The handler of a question category answered by one richer operation (agents/billy/categories.py)."""
    from spendscope.agents.billy import categories

    if plan.intent == "landing":
        return categories.landing
    if plan.intent == "payg_whatif":
        from spendscope.agents.billy import whatif

        return whatif.answer
    if plan.intent == "assistants":
        from spendscope.agents.billy import assistants

        return assistants.answer
    if plan.intent == "gpu_utilization":
        return categories.gpu_utilization
    if plan.intent == "drivers" and plan.subject == "day":
        return categories.day_drivers
    if plan.intent == "unit_cost" and plan.unit_measure == "requests":
        return categories.unit_requests
    return None


# ------------------------------------------------------------------------------------------ intents


def _what(plan: Plan) -> str:
    return (
        token_words(plan.token_types)
        if plan.measure == "tokens"
        else {"requests": "requests", "gpu_hours": "GPU hours"}.get(plan.measure, "")
    )


def _total(run: Runner, plan: Plan, index: ValueIndex) -> BillyAnswer:
    res = _query(run, plan)
    v = res.total
    when = period_phrase(plan.period)
    scope = scope_phrase(
        [
            f
            for f in plan.filters
            if f.dimension != "commitment_status" and "(none)" not in f.values and f.dimension != "gpu_count"
        ]
    )
    has = {f.dimension: f for f in plan.filters if not (f.dimension == "gpu_count" and f.op == "in")}
    if len(has) < len({f.dimension for f in plan.filters}):
        scope = ", ".join(p for p in (scope, "excluding GPU instances") if p)
    untagged = next((f for f in plan.filters if "(none)" in f.values and f.op in ("eq", "in")), None)
    if plan.measure in ("tokens", "requests", "gpu_hours"):
        by = f" by {scope}" if scope else ""
        if "gpu_count" in has:
            by += " on GPU instances"
        text = f"{figure(v, plan.measure)} {_what(plan)} were used{by} {when}."
    elif "commitment_status" in has and has["commitment_status"].values == ["Unused"]:
        text = f"{money(v)} of commitment went unused{' for ' + scope if scope else ''} {when}."
    elif "commitment_status" in has and has["commitment_status"].values == ["Used"]:
        text = f"{money(v)} of commitment was used{' for ' + scope if scope else ''} {when}."
    elif untagged is not None:
        key = untagged.dimension
        text = f"{money(v)} of spend had no {key} tag{' for ' + scope if scope else ''} {when}."
        if plan.measure == "billed_cost":
            text = f"{money(v)} of billed cost had no {key} tag{' for ' + scope if scope else ''} {when}."
    elif plan.measure == "billed_cost":
        who = [f for f in plan.filters if f.dimension in ("provider", "invoice_issuer", "publisher")]
        rest = [f for f in plan.filters if f not in who and f.dimension != "gpu_count"]
        by = f" by {scope_phrase(who)}" if who else ""
        text = f"We were billed {money(v)}{by}{' for ' + scope_phrase(rest) if rest else ''} {when}."
    elif plan.measure in ("list_cost", "contracted_cost"):
        text = f"{subject(plan.filters, plan.measure)} was {money(v)} {when}."
        text = (
            f"{money(v)} was the {'list-price' if plan.measure == 'list_cost' else 'contracted'} cost"
            + (f" of {scope}" if scope else "")
            + f" {when}."
        )
    else:
        target = scope
        if "gpu_count" in has:
            target = "GPU instances" + (f" for {scope}" if scope else "")
        text = f"We spent {money(v)}{_on(target)} {when}."
    # the table behind it: the same figure broken down by the most telling dimension not filtered on
    dim = _secondary_dim(plan, index)
    table = Table(columns=["period", res.measure], rows=[[res.period_label, round_value(v, plan.measure)]])
    chart = None
    if dim is not None and v:
        detail = _query(run, plan, group_by=[dim], top=10)
        table = _rows_table(detail, [dim], kinds=run.kinds)
        chart = charts.bar(
            _chart_rows(detail, dim, kinds=run.kinds), dim, plan.measure, f"{res.period_label} by {dim}"
        )
        if len(detail.rows) > 1 and detail.rows[0].group.get(dim) not in NONE_VALUES:
            top = detail.rows[0]
            text += (
                f" The largest {dim.replace('_', ' ')} was {top.group[dim]} with {figure(top.value, plan.measure)}"
                f" ({pct(top.share_pct)})."
            )
    return BillyAnswer(
        answer=text + _assumed(plan), value=round_value(v, plan.measure), table=table, chart=chart
    )


def _on(target: str) -> str:
    if not target:
        return " in total"
    if target.startswith("excluding"):
        return f" in total, {target},"
    return f" on {target}"


def _secondary_dim(plan: Plan, index: ValueIndex) -> str | None:
    filtered = {f.dimension for f in plan.filters if f.op in ("eq", "in") and len(f.values) == 1}
    order = ["model", "provider", "service"] if plan.measure == "tokens" else ["provider", "service", "model"]
    own = ownership_key(index)
    if own:
        order.insert(1, own)
    if "provider" in filtered or "service" in filtered:
        order = ["model", *(o for o in order if o != "model")]
    for d in order:
        if d in filtered or not index.has_dim(d):
            continue
        if len(index.values.get(d, [])) > 1:
            return d
    return None


def _winner_rows(res: CostQueryResult, dim: str, ascending: bool) -> list[Any]:
    rows = [r for r in res.rows if r.group.get(dim) not in NONE_VALUES]
    return sorted(rows, key=lambda r: r.value) if ascending else rows


def _verb(dim: str, measure: str, ascending: bool) -> str:
    most = "least" if ascending else "most"
    if measure == "tokens":
        return f"used the {most} tokens"
    if measure == "requests":
        return f"made the {most} requests"
    if dim.lower() in OWNER_DIMS:
        return f"spent the {most}"
    return f"cost the {most}"


def _named(dim: str, value: str) -> str:
    """How a group value reads at the start of a sentence: 'The growth team', 'Sub-account x', 'gpt-4o'."""
    if dim.lower() in ("team", "feature", "env", "environment", "sub_account"):
        phrase = describe_filter(Filter(dimension=dim, values=[value]))
        return phrase[0].upper() + phrase[1:]
    return value


def _top(run: Runner, plan: Plan, index: ValueIndex) -> BillyAnswer:
    dim = plan.group_by[0]
    res = _query(run, plan, group_by=[dim])
    rows = _winner_rows(res, dim, plan.ascending)
    when = period_phrase(plan.period)
    table = _rows_table(res, [dim], kinds=run.kinds)
    chart = charts.bar(
        _chart_rows(res, dim, kinds=run.kinds), dim, plan.measure, f"{res.period_label} by {dim}"
    )
    if not rows:
        return BillyAnswer(
            answer=f"No {dim.replace('_', ' ')} has any {_what(plan) or 'spend'} {when}." + _assumed(plan),
            value=None,
            table=table,
            chart=chart,
        )
    n = plan.top or 1
    first = rows[0]
    name = first.group[dim]
    scope = scope_phrase([f for f in plan.filters if f.dimension != dim])
    on = (
        f" on {scope}"
        if scope and plan.measure in ("cost", "billed_cost")
        else f" for {scope}"
        if scope
        else ""
    )
    if n == 1:
        text = (
            f"{_cap(_named(dim, name))} {_verb(dim, plan.measure, plan.ascending)}{on} {when}: "
            f"{figure(first.value, plan.measure)} ({pct(first.share_pct)} of {figure(res.total, plan.measure)})."
        )
    else:
        listed = ", ".join(f"{r.group[dim]} ({figure(r.value, plan.measure)})" for r in rows[:n])
        word = "bottom" if plan.ascending else "top"
        text = f"{_cap(_named(dim, name))} leads; the {word} {min(n, len(rows))} by {dim.replace('_', ' ')}{on} {when}: {listed}."
    missing = [r for r in res.rows if r.group.get(dim) in NONE_VALUES]
    if missing and not plan.ascending and missing[0].value > first.value:
        text += f" ({figure(missing[0].value, plan.measure)} has no {dim.replace('_', ' ')} and is left out.)"
    return BillyAnswer(answer=text + _assumed(plan), value=name, table=table, chart=chart)


def _cap(s: str) -> str:
    return s


def _breakdown(run: Runner, plan: Plan, index: ValueIndex) -> BillyAnswer:
    dims = plan.group_by
    res = _query(
        run, plan, group_by=dims, top=plan.top or (None if dims[0] in ("day", "week", "month") else 25)
    )
    when = period_phrase(plan.period)
    table = _rows_table(res, dims, limit=400 if dims[0] in ("day", "week", "month") else 25, kinds=run.kinds)
    if dims[0] in ("day", "week", "month"):
        rows = sorted(
            (
                {dims[0]: group_label(run.kinds, dims[0], r.group.get(dims[0])), "value": round(r.value, 4)}
                for r in res.rows
            ),
            key=lambda x: x[dims[0]] or "",
        )
        table.rows.sort(key=lambda r: r[0] or "")
        chart = charts.line(rows, dims[0], plan.measure, f"{res.period_label} by {dims[0]}")
    else:
        chart = charts.bar(
            _chart_rows(res, dims[0], kinds=run.kinds),
            dims[0],
            plan.measure,
            f"{res.period_label} by {dims[0]}",
        )
    head = subject(plan.filters, plan.measure, plan.token_types)
    parts = ", ".join(
        f"{' / '.join(str(group_label(run.kinds, d, r.group.get(d))) for d in dims)} {figure(r.value, plan.measure)} "
        f"({pct(r.share_pct)})"
        for r in res.rows[:5]
    )
    text = f"{head} was {figure(res.total, plan.measure)} {when}; by {' and '.join(d.replace('_', ' ') for d in dims)}: {parts}."
    if res.groups > 5:
        text = text[:-1] + f", and {res.groups - 5} more."
    return BillyAnswer(
        answer=text + _assumed(plan), value=round_value(res.total, plan.measure), table=table, chart=chart
    )


def _compare_params(
    run: Runner, plan: Plan, group_by: list[str] | None = None, top: int | None = None
) -> CompareInput:
    assert plan.period is not None and plan.base_period is not None
    return CompareInput(
        measure=plan.measure,
        filters=run.filters(plan.filters + _token_filter(plan)),
        group_by=group_by or [],
        base=TimeRange(start=plan.base_period.start, end=plan.base_period.last),
        current=TimeRange(start=plan.period.start, end=plan.period.last),
        top=top,
    )


def _change_words(change: float) -> str:
    return "rose" if change > 0 else "fell" if change < 0 else "was unchanged"


def _compare(run: Runner, plan: Plan, index: ValueIndex) -> BillyAnswer:
    res = run.call("compare_costs", _compare_params(run, plan, plan.group_by, None))
    total = res
    head = subject(plan.filters, plan.measure, plan.token_types)
    a, b = plan.base_period.label, plan.period.label  # type: ignore[union-attr]
    if plan.group_by:
        total = run.call("compare_costs", _compare_params(run, plan))
        dim = plan.group_by[0]
        rows = [r for r in res.rows if r.group.get(dim) not in NONE_VALUES]
        if plan.direction == "down":
            rows.sort(key=lambda r: r.change)
        elif plan.direction == "up":
            rows.sort(key=lambda r: -r.change)
        table = Table(
            columns=[dim, a, b, "change", "change_pct"],
            rows=[
                [
                    group_label(run.kinds, dim, r.group.get(dim)),
                    round_value(r.base, plan.measure),
                    round_value(r.current, plan.measure),
                    round_value(r.change, plan.measure),
                    _r2(r.change_pct),
                ]
                for r in res.rows[:25]
            ],
        )
        chart = charts.grouped_bar(_compare_chart(res.rows[:12], dim, a, b), dim, plan.measure, f"{a} vs {b}")
        if not rows:
            return BillyAnswer(
                answer=f"Nothing to compare between {a} and {b}." + _assumed(plan), table=table
            )
        w = rows[0]
        noun = (
            "spend"
            if plan.measure == "cost"
            else "usage"
            if plan.measure == "tokens"
            else plan.measure.replace("_", " ")
        )
        text = (
            f"{_cap(_named(dim, w.group[dim]))}'s {noun} {_change_words(w.change)} the most"
            f"{'' if w.change else ''}: by {figure(abs(w.change), plan.measure)}"
            f"{' (' + pct(w.change_pct, True) + ')' if w.change_pct is not None else ''} from {a} "
            f"({figure(w.base, plan.measure)}) to {b} ({figure(w.current, plan.measure)}). "
            f"{head} {_change_words(total.change)} by {figure(abs(total.change), plan.measure)} overall."
        )
        return BillyAnswer(answer=text + _assumed(plan), value=w.group[dim], table=table, chart=chart)
    table = Table(
        columns=["measure", a, b, "change", "change_pct"],
        rows=[
            [
                res.measure,
                round_value(res.base_total, plan.measure),
                round_value(res.current_total, plan.measure),
                round_value(res.change, plan.measure),
                _r2(res.change_pct),
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
        _r2(res.change_pct)
        if plan.percent_first and res.change_pct is not None
        else round_value(res.change, plan.measure)
    )
    return BillyAnswer(answer=text + _assumed(plan), value=value, table=table, chart=chart)


def _r2(v: float | None) -> float | None:
    return None if v is None else round(v, 2)


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


def _compare_chart(rows: list[Any], dim: str, a: str, b: str) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        out.append({dim: r.group.get(dim) or "(none)", "period": a, "value": round(r.base, 4)})
        out.append({dim: r.group.get(dim) or "(none)", "period": b, "value": round(r.current, 4)})
    return out


def _drivers(run: Runner, plan: Plan, index: ValueIndex) -> BillyAnswer:
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
                _r2(total.change_pct),
            ]
        ],
    )
    chart = None
    if best is not None:
        _, dim, res, same = best
        lead = ", then ".join(
            f"{_named(dim, r.group[dim])} ({'+' if r.change > 0 else '-'}{figure(abs(r.change), plan.measure)})"
            for r in same[:3]
        )
        text = text[:-1] + f"; by {dim.replace('_', ' ')}, the largest contributions came from {lead}."
        table = Table(
            columns=[dim, a, b, "change", "change_pct"],
            rows=[
                [
                    group_label(run.kinds, dim, r.group.get(dim)),
                    round_value(r.base, plan.measure),
                    round_value(r.current, plan.measure),
                    round_value(r.change, plan.measure),
                    _r2(r.change_pct),
                ]
                for r in res.rows
            ],
        )
        chart = charts.grouped_bar(
            _compare_chart(res.rows, dim, a, b), dim, plan.measure, f"{a} vs {b} by {dim}"
        )
    return BillyAnswer(
        answer=text + _assumed(plan), value=round_value(total.change, plan.measure), table=table, chart=chart
    )


def _peak(run: Runner, plan: Plan, index: ValueIndex) -> BillyAnswer:
    grain = plan.grain
    res = _query(run, plan, group_by=[grain])
    rows = [r for r in res.rows if r.group.get(grain)]
    when = period_phrase(plan.period)
    series = sorted(
        ({grain: r.group[grain], "value": round(r.value, 4)} for r in rows), key=lambda x: x[grain]
    )
    chart = charts.line(series, grain, plan.measure, f"{res.period_label} by {grain}")
    if not rows:
        return BillyAnswer(answer=f"No {_what(plan) or 'spend'} {when}." + _assumed(plan), chart=None)
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
    table = Table(
        columns=[grain, res.measure, "share_pct"],
        rows=[
            [r.group[grain], round_value(r.value, plan.measure), _r2(r.share_pct)]
            for r in (sorted(rows, key=lambda r: r.value) if plan.ascending else rows)[:10]
        ],
    )
    return BillyAnswer(answer=text + _assumed(plan), value=value, table=table, chart=chart)


def _share(run: Runner, plan: Plan, index: ValueIndex) -> BillyAnswer:
    when = period_phrase(plan.period)
    if not plan.share_filters and plan.group_by:
        top = _top(run, plan.model_copy(update={"intent": "top", "top": 1}), index)
        first = next((r for r in top.table.rows if r[0] not in NONE_VALUES), None)
        if first is not None:
            top.answer = (
                f"{_cap(_named(plan.group_by[0], first[0]))} had the largest share {when}: {pct(first[2])} "
                f"({figure(first[1], plan.measure)})." + _assumed(plan)
            )
        return top
    whole = run.filters(plan.filters + _token_filter(plan))
    params = RatioInput(
        numerator=CostPart(measure=plan.measure, filters=whole + plan.share_filters),
        denominator=CostPart(measure=plan.measure, filters=whole),
        scale=100.0,
        **_range(plan),
    )
    res = run.call("cost_ratio", params)
    part = scope_phrase(plan.share_filters) or "that"
    base = subject(plan.filters, plan.measure, plan.token_types, cap=False)
    if res.ratio is None:
        text = f"There was no {base} {when}, so no share to give."
    else:
        text = (
            f"{_cap(part)} made up {pct(res.ratio)} of {base} {when} ({figure(res.numerator, plan.measure)} of "
            f"{figure(res.denominator, plan.measure)})."
        )
    table = Table(
        columns=["part", "whole", "share_pct"],
        rows=[
            [
                round_value(res.numerator, plan.measure),
                round_value(res.denominator, plan.measure),
                _r2(res.ratio),
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
    return BillyAnswer(answer=text + _assumed(plan), value=_r2(res.ratio), table=table, chart=chart)


def _unit_cost(run: Runner, plan: Plan, index: ValueIndex) -> BillyAnswer:
    when = period_phrase(plan.period)
    base = run.filters(plan.filters)
    num_filters = base + (
        [Filter(dimension="token_type", op="in", values=plan.token_types)] if plan.token_types else []
    )
    # the cost a unit is made of: AI model rows for tokens and requests, GPU instance rows for GPU hours
    if plan.unit_measure == "gpu_hours":
        num_filters.append(Filter(dimension="gpu_count", op="not_in", values=["(none)", "0"]))
        basis = "cost of GPU instance rows"
    else:
        num_filters.append(Filter(dimension="model", op="not_in", values=["(none)"]))
        basis = "cost of AI model rows"
    params = RatioInput(
        numerator=CostPart(measure=plan.measure, filters=num_filters),
        denominator=CostPart(measure=plan.unit_measure or "tokens", filters=base),
        scale=plan.unit_scale,
        **_range(plan),
    )
    res = run.call("cost_ratio", params)
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
        answer=text + _assumed(plan, [f"unit cost = {basis} / {unit_noun} x {plan.unit_scale:g}"]),
        value=value,
        table=table,
    )


def _utilization(run: Runner, plan: Plan, index: ValueIndex) -> BillyAnswer:
    when = period_phrase(plan.period)
    statuses = index.values.get("commitment_status", ["Used", "Unused"])
    used = [s for s in statuses if s.lower() == "used"] or ["Used"]
    base = run.filters([f for f in plan.filters if f.dimension != "commitment_status"])
    params = RatioInput(
        numerator=CostPart(filters=base + [Filter(dimension="commitment_status", values=used)]),
        denominator=CostPart(filters=base + [Filter(dimension="commitment_status", values=statuses)]),
        scale=100.0,
        **_range(plan),
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
        rows=[[round_value(res.numerator, "cost"), round_value(res.denominator, "cost"), _r2(res.ratio)]],
    )
    return BillyAnswer(
        answer=text + _assumed(plan, ["utilisation = used / (used + unused) commitment cost"]),
        value=_r2(res.ratio),
        table=table,
    )


def _count(run: Runner, plan: Plan, index: ValueIndex) -> BillyAnswer:
    dim = plan.group_by[0]
    res = _query(run, plan, group_by=[dim])
    named = [r for r in res.rows if r.group.get(dim) not in NONE_VALUES and r.value]
    when = period_phrase(plan.period)
    word = dim.replace("_", " ")
    names = ", ".join(str(r.group[dim]) for r in named[:8]) + (
        f" and {len(named) - 8} more" if len(named) > 8 else ""
    )
    text = f"{len(named)} {word}{'s' if len(named) != 1 else ''} had {_what(plan) or 'spend'} {when}" + (
        f": {names}." if named else "."
    )
    return BillyAnswer(
        answer=text + _assumed(plan),
        value=len(named),
        table=_rows_table(res, [dim], 50, kinds=run.kinds),
        chart=charts.bar(
            _chart_rows(res, dim, kinds=run.kinds), dim, plan.measure, f"{res.period_label} by {dim}"
        ),
    )


def _average(run: Runner, plan: Plan, index: ValueIndex) -> BillyAnswer:
    params = AverageInput(
        measure=plan.measure,
        filters=run.filters(plan.filters + _token_filter(plan)),
        grain=plan.grain,
        **_range(plan),
    )
    res = run.call("average_cost", params)
    when = period_phrase(plan.period)
    scope = scope_phrase(plan.filters)
    what = _what(plan) or "spend"
    text = (
        f"{figure(res.average, plan.measure)} per {plan.grain} on average{' for ' + scope if scope else ''} "
        f"{when} ({figure(res.total, plan.measure)} of {what} over {res.buckets} {plan.grain}s"
        + (
            f"; the highest was {res.highest_bucket} at {figure(res.highest, plan.measure)}"
            if res.highest
            else ""
        )
        + ")."
    )
    table = Table(
        columns=["total", f"{plan.grain}s", "average"],
        rows=[[round_value(res.total, plan.measure), res.buckets, round_value(res.average, plan.measure)]],
    )
    return BillyAnswer(
        answer=text + _assumed(plan, res.assumptions[-1:]),
        value=round_value(res.average, plan.measure),
        table=table,
    )
