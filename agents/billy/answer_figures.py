"""Answers of one figure, a ranking and a breakdown (query_costs), written from the operation's result."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from spendscope.agents.billy import charts
from spendscope.agents.billy.models import BillyAnswer, Plan, Table
from spendscope.agents.billy.phrasing import (
    OWNER_DIMS,
    figure,
    money,
    pct,
    period_phrase,
    round_value,
    scope_phrase,
    subject,
)
from spendscope.agents.billy.planner import ownership_key
from spendscope.agents.billy.resolve import ValueIndex
from spendscope.agents.billy.runner import (
    NONE_VALUES,
    Runner,
    assumed,
    cap,
    chart_rows,
    group_label,
    named,
    never_together,
    query,
    rows_table,
    what_words,
)
from spendscope.tools.costs.breakdown import (
    CostQueryResult,
    Filter,
)
from spendscope.tools.costs.dimensions import BUILTIN_DIMENSIONS, calendar_order, is_calendar


def on_total(run: Runner, plan: Plan, index: ValueIndex) -> BillyAnswer:
    # the table behind the figure: the same figure broken down by the most telling dimension not filtered on
    dim = _secondary_dim(plan, index)
    # a built-in dimension is a column: its groups hold every row once, so their total is the figure to the last
    # digit and one query serves both (a tag's allocated shares need not sum so: the figure is then asked apart)
    try:
        detail = query(run, plan, group_by=[dim], top=10) if dim in BUILTIN_DIMENSIONS else None
        res = detail if detail is not None else query(run, plan)
    except (
        Exception
    ) as exc:  # two names with no row together: each one's own figure, not an error or a bare 0
        apart = _apart(run, plan, period_phrase(plan.period)) if never_together(exc) else None
        if apart is None:
            raise
        return apart
    v = res.total
    if plan.measure == "requests" and not v:
        from spendscope.agents.billy.categories import request_count

        return request_count(run, plan, index)  # the bill counts no requests: telemetry's, never "0"
    when = period_phrase(plan.period)
    if not v:
        apart = _apart(run, plan, when)
        if apart is not None:
            return apart
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
        text = f"{figure(v, plan.measure)} {what_words(plan)} were used{by} {when}."
    elif "commitment_status" in has and has["commitment_status"].values == ["Unused"]:
        text = f"{money(v)} of commitment went unused{' for ' + scope if scope else ''} {when}."
    elif "commitment_status" in has and has["commitment_status"].values == ["Used"]:
        text = f"{money(v)} of commitment was used{' for ' + scope if scope else ''} {when}."
    elif "commitment_status" in has and set(has["commitment_status"].values) == {"Used", "Unused"}:
        text = (
            f"We spent {money(v)} on commitments (used and unused){' for ' + scope if scope else ''} {when}."
        )
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
    table = Table(columns=["period", res.measure], rows=[[res.period_label, round_value(v, plan.measure)]])
    chart = None
    if dim is not None and v:
        if detail is None:
            detail = query(run, plan, group_by=[dim], top=10)
        table = rows_table(detail, [dim], kinds=run.kinds)
        chart = charts.bar(
            chart_rows(detail, dim, kinds=run.kinds), dim, plan.measure, f"{res.period_label} by {dim}"
        )
        if len(detail.rows) > 1 and detail.rows[0].group.get(dim) not in NONE_VALUES:
            top = detail.rows[0]
            text += (
                f" The largest {dim.replace('_', ' ')} was {top.group[dim]} with {figure(top.value, plan.measure)}"
                f" ({pct(top.share_pct)})."
            )
    return BillyAnswer(
        answer=text + assumed(plan), value=round_value(v, plan.measure), table=table, chart=chart
    )


def _apart(run: Runner, plan: Plan, when: str) -> BillyAnswer | None:
    """Names of two dimensions that each have spend but no row together ("claude on vertex" where Claude runs on
    Bedrock only, "the support team" and "Azure"): no such spend, said so with where each one's spend is instead
    (the other named dimension's values it has rows with) and no figure for the pair: a stated 0.00 read as a
    finding about spend that does not exist."""
    named_filters = [f for f in plan.filters if f.op in ("eq", "in") and "(none)" not in f.values]
    if len({f.dimension for f in named_filters}) < 2:
        return None
    alone = [(f, query(run, plan, filters=[f]).total) for f in named_filters]
    if not all(total for _, total in alone):
        return None
    each = []
    for f, total in alone:
        other = next(g for g in named_filters if g.dimension != f.dimension)
        where = ""
        try:
            rows = query(run, plan, filters=[f], group_by=[other.dimension], top=3).rows
            places = [r.group.get(other.dimension) for r in rows if r.value]
            places = [str(p) for p in places if p is not None and p not in NONE_VALUES]
            if places:
                where = f", on {other.dimension.replace('_', ' ')} {', '.join(places)}"
        except Exception:  # noqa: BLE001 - where it ran is a courtesy; the pair's answer stands without it
            where = ""
        each.append(f"{scope_phrase([f])} alone {figure(total, plan.measure)}{where}")
    both = " and ".join(scope_phrase([f]) for f, _ in alone)
    what = what_words(plan)
    return BillyAnswer(
        answer=f"There is no {what + ' ' if what else ''}spend for {both} together {when}: no cost row carries "
        f"both. What exists instead: {'; '.join(each)}." + assumed(plan),
        value=None,
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
    """The rows ranked as asked. The least of them leaves out values that cost nothing over the period (a
    commitment's purchase row booked at zero effective cost, a charge netted to zero by its credit) while any
    value has spend: "the cheapest model" is the cheapest one that was paid for, not a name with no spend."""
    rows = [r for r in res.rows if r.group.get(dim) not in NONE_VALUES]
    if not ascending:
        return rows
    spent = [r for r in rows if r.value != 0]
    return sorted(spent or rows, key=lambda r: r.value)


def _verb(dim: str, measure: str, ascending: bool) -> str:
    most = "least" if ascending else "most"
    if measure == "tokens":
        return f"used the {most} tokens"
    if measure == "requests":
        return f"made the {most} requests"
    if dim.lower() in OWNER_DIMS:
        return f"spent the {most}"
    return f"cost the {most}"


_YES_NO = re.compile(
    r"^\W*(?:so |and |but |hey |billy,? )?(?:was|were|is|are|did|does|do|has|have|had)\b", re.I
)


def _yes_no(plan: Plan, dim: str, rows: list[Any], when: str) -> str:
    """ "was X cheaper than Y", "did we spend more on X or Y": yes or no first (about X, the value named first),
    then the one that cost less (or more, as asked) and both figures; '' when the question is no such yes/no."""
    named = next(
        (f for f in plan.filters if f.dimension == dim and f.op == "in" and len(f.values) == 2), None
    )
    if plan.top is not None or named is None or not _YES_NO.search(plan.question) or len(rows) != 2:
        return ""
    win, lose = rows
    if win.value == lose.value:
        return f"No: {win.group[dim]} and {lose.group[dim]} cost the same {when}, {figure(win.value, plan.measure)}."
    by_name = {str(r.group[dim]).lower(): r for r in rows}
    subject = by_name.get(named.values[0].lower())
    if subject is None:  # the value named first is not one of the two rows: no yes/no to give
        return ""
    answer = "Yes" if subject is win else "No"
    if plan.measure == "tokens":
        verb = "used fewer tokens" if plan.ascending else "used more tokens"
    else:
        verb = (
            ("spent less" if plan.ascending else "spent more")
            if dim.lower() in OWNER_DIMS
            else ("cost less" if plan.ascending else "cost more")
        )
    return (
        f"{answer}: {win.group[dim]} {verb} than {lose.group[dim]} {when}, {figure(win.value, plan.measure)} "
        f"against {figure(lose.value, plan.measure)}."
    )


def _gap(plan: Plan, dim: str, rows: list[Any]) -> str:
    """ "anthropic vs openai in july", "how much more did X cost than Y": two values named side by side, so the
    gap between them ('' otherwise)."""
    two = any(f.dimension == dim and f.op == "in" and len(f.values) == 2 for f in plan.filters)
    if not two or len(rows) != 2:
        return ""
    win, lose = rows
    more = "less" if plan.ascending else "more"
    return (
        f" That is {figure(abs(win.value - lose.value), plan.measure)} {more} than {lose.group[dim]} "
        f"({figure(lose.value, plan.measure)})."
    )


def _overlap(run: Runner, plan: Plan, rest: list[Filter]) -> bool:
    """Whether the families' rows overlap (a store refuses a filter pair no row has: no overlap)."""
    from spendscope.data.errors import SpendscopeError

    try:
        return bool(query(run, plan, filters=[*rest, *plan.families]).total)
    except SpendscopeError:
        return False


def _on_families(run: Runner, plan: Plan) -> BillyAnswer:
    """Two names compared, each summed over its values ("claude vs gemini": every claude-* model, on any provider,
    against every gemini-* model): both figures, the larger first, and the gap."""
    dim = plan.group_by[0]
    named = {fam.dimension for fam in plan.families}
    rest = [f for f in plan.filters if f.dimension not in named]
    if len(named) > 1 and _overlap(run, plan, rest):
        # two names of different dimensions whose rows overlap: no one figure sets them against each other
        return BillyAnswer(
            answer=f"I can't answer that: {' and '.join(plan.family_names)} share rows of the bill (two different "
            "dimensions whose rows overlap: ask for each on its own)."
        )
    sums = [
        (name, fam, query(run, plan, filters=[*rest, fam]).total)
        for name, fam in zip(plan.family_names, plan.families, strict=True)
    ]
    ranked = sorted(sums, key=lambda s: s[2], reverse=not plan.ascending)
    when = period_phrase(plan.period)

    def said(name: str, fam: Filter) -> str:
        return f"{name[:1].upper()}{name[1:]} ({', '.join(fam.values)})"

    (n1, f1, v1), (n2, f2, v2) = ranked
    text = (
        f"{said(n1, f1)} cost {figure(v1, plan.measure)} and {said(n2, f2)} {figure(v2, plan.measure)} {when}: "
        f"{n1[:1].upper()}{n1[1:]} cost {figure(abs(v1 - v2), plan.measure)} {'less' if plan.ascending else 'more'}."
    )
    note = [
        f"'{n}' = every {dim.replace('_', ' ')} named {n}, summed" for n, f, _ in sums if len(f.values) > 1
    ]
    table = Table(
        columns=[dim, "values", "value"], rows=[[n, ", ".join(f.values), round(v, 2)] for n, f, v in ranked]
    )
    return BillyAnswer(answer=text + assumed(plan, note), value=n1, table=table)


def on_top(run: Runner, plan: Plan, index: ValueIndex) -> BillyAnswer:
    dim = plan.group_by[0]
    if plan.families:
        return _on_families(run, plan)
    res = query(run, plan, group_by=[dim])
    rows = _winner_rows(res, dim, plan.ascending)
    when = period_phrase(plan.period)
    table = rows_table(res, [dim], kinds=run.kinds)
    chart = charts.bar(
        chart_rows(res, dim, kinds=run.kinds), dim, plan.measure, f"{res.period_label} by {dim}"
    )
    if not rows:
        return BillyAnswer(
            answer=f"No {dim.replace('_', ' ')} has any {what_words(plan) or 'spend'} {when}."
            + assumed(plan),
            value=None,
            table=table,
            chart=chart,
        )
    left_out, rows = rows[: plan.skip], rows[plan.skip :]
    if not rows:  # nothing is left once the leaders are out: say so, no figure
        return BillyAnswer(
            answer=f"Only {len(left_out)} {dim.replace('_', ' ')} had {what_words(plan) or 'spend'} {when}, so "
            "none is left once the leaders are left out." + assumed(plan),
            value=None,
            table=table,
            chart=chart,
        )
    n = plan.top or 1
    first = rows[0]
    name = first.group[dim]
    yes_no = _yes_no(plan, dim, rows, when)
    if yes_no:
        return BillyAnswer(answer=yes_no + assumed(plan), value=name, table=table, chart=chart)
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
            f"{cap(named(dim, name))} {_verb(dim, plan.measure, plan.ascending)}{on} {when}: "
            f"{figure(first.value, plan.measure)} ({pct(first.share_pct)} of {figure(res.total, plan.measure)})."
        ) + _gap(plan, dim, rows)
    else:
        listed = ", ".join(f"{r.group[dim]} ({figure(r.value, plan.measure)})" for r in rows[:n])
        word = "bottom" if plan.ascending else "top"
        text = f"{cap(named(dim, name))} leads; the {word} {min(n, len(rows))} by {dim.replace('_', ' ')}{on} {when}: {listed}."
    if left_out:  # named after the ranking, never before it
        word = "smallest" if plan.ascending else "biggest"
        text += (
            f" Left out as asked, the {word}: "
            + ", ".join(f"{r.group[dim]} ({figure(r.value, plan.measure)})" for r in left_out)
            + "."
        )
    missing = [r for r in res.rows if r.group.get(dim) in NONE_VALUES]
    if missing and not plan.ascending and missing[0].value > first.value:
        text += f" ({figure(missing[0].value, plan.measure)} has no {dim.replace('_', ' ')} and is left out.)"
    return BillyAnswer(answer=text + assumed(plan), value=name, table=table, chart=chart)


_LISTED, _TOP_LISTED = 12, 10


def _per_calendar_day(plan: Plan, dim: str, shown: list[Any], index: ValueIndex) -> str:
    """ "; per day: Monday $4,900.65 (4 days), Friday $4,966.76 (5 days)": each day of the week's figure over how
    many such days the period holds in the data (a month has four or five of each)."""
    from spendscope.agents.billy.weekdays import day_counts

    start, end = plan.period.start, plan.period.end  # type: ignore[union-attr]
    first, last = index.catalog.first_day, index.catalog.last_day
    if first is not None and last is not None:
        start, end = max(start, first), min(end, last + dt.timedelta(days=1))
    counts = day_counts(start, end, dim)
    each = [
        f"{r.group.get(dim)} {figure(r.value / counts[str(r.group.get(dim))], plan.measure)} "
        f"({counts[str(r.group.get(dim))]} days)"
        for r in shown
        if counts.get(str(r.group.get(dim)))
    ]
    return f" Per day: {', '.join(each)}." if each else ""


def on_breakdown(run: Runner, plan: Plan, index: ValueIndex) -> BillyAnswer:
    dims = plan.group_by
    res = query(
        run, plan, group_by=dims, top=plan.top or (None if dims[0] in ("day", "week", "month") else 25)
    )
    when = period_phrase(plan.period)
    table = rows_table(res, dims, limit=400 if dims[0] in ("day", "week", "month") else 25, kinds=run.kinds)
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
            chart_rows(res, dims[0], kinds=run.kinds),
            dims[0],
            plan.measure,
            f"{res.period_label} by {dims[0]}",
        )
    head = subject(plan.filters, plan.measure, plan.token_types)
    # a breakdown lists every value; past a dozen, the largest ten and the rest summed (said as such)
    shown = res.rows if res.groups <= _LISTED else res.rows[:_TOP_LISTED]
    hidden = len(shown)
    if is_calendar(dims[0]):  # the days of the week read Monday first (weekday before weekend)
        shown = sorted(
            (r for r in shown if r.value or calendar_order(dims[0], r.group.get(dims[0])) < 7),
            key=lambda r: calendar_order(dims[0], r.group.get(dims[0])),
        )  # (a multi-day bucket of 0: rows on no one day that cost nothing, not listed)
        table.rows.sort(key=lambda r: calendar_order(dims[0], r[0]))
    hidden -= len(shown)
    parts = ", ".join(
        f"{' / '.join(str(group_label(run.kinds, d, r.group.get(d))) for d in dims)} {figure(r.value, plan.measure)} "
        f"({pct(r.share_pct)})"
        for r in shown
    )
    text = f"{head} was {figure(res.total, plan.measure)} {when}; by {' and '.join(d.replace('_', ' ') for d in dims)}: {parts}."
    if is_calendar(dims[0]) and len(dims) == 1 and plan.period is not None:
        text += _per_calendar_day(plan, dims[0], shown, index)
    if res.groups > len(shown) + hidden:
        rest = res.total - sum(r.value for r in shown)
        share = f" ({pct(100 * rest / res.total)})" if res.total else ""
        text = text[:-1] + (
            f"; the other {res.groups - len(shown)} together {figure(rest, plan.measure)}{share}."
        )
    return BillyAnswer(
        answer=text + assumed(plan), value=round_value(res.total, plan.measure), table=table, chart=chart
    )
