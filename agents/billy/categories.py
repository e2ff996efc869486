"""Question categories answered by one richer operation each, run through tools.invoke as the caller:

- month-end landing: the `month_end` of `forecast_costs` (month to date + the forecast of the remaining days,
  with the interval);
- why a day cost what it did: `explain_change` against the same weekday a week before, down to feature, model
  and token type;
- GPU utilisation of instances named loosely ("the a100 boxes", "eval-l40s"): `gpu_utilization`, its
  per-instance rows picked by the plan's instance filters and combined by tools.optimize.gpu_groups;
- cost per request when the bill has no request counts: `unit_costs`, which takes requests from telemetry.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from spendscope.agents.billy.concepts import concept_key, concept_of
from spendscope.agents.billy.models import BillyAnswer, Plan, Table
from spendscope.agents.billy.phrasing import date_text, money, pct, period_phrase, scope_phrase, unit_money
from spendscope.agents.billy.resolve import ValueIndex
from spendscope.agents.billy.runner import Runner, assumed
from spendscope.data.errors import InvalidArgument
from spendscope.tools.costs.breakdown import Filter

INSTANCE_DIMS = ("instance_type", "resource", "resource_id", "instance_id", "instance_name")


def landing(run: Runner, plan: Plan, index: ValueIndex) -> BillyAnswer:
    """Where the month lands: the forecast operation's own `month_end` (month to date + the forecast of the rest,
    with the interval on the sum), the one month-end landing every surface reads."""
    from spendscope.tools.governance.forecast import ForecastInput

    today = plan.as_of or dt.date.today()
    if _names_another_period(plan, today):  # "where will q4 land", "what will this year end up at"
        from spendscope.agents.billy import delegate

        answer = delegate.run(run.store, plan.model_copy(update={"intent": "forecast"}), run.caller)
        run.calls.extend(answer.tools)
        return answer
    fc = run.call(
        "forecast_costs",
        ForecastInput(
            filters=plan.filters,
            measure=plan.measure if plan.measure != "tokens" else "cost",
            horizon=1,
            as_of=today,
            backtest=False,  # the landing does not show the model's holdout score
        ),
    )
    land = fc.month_end
    if land is None:
        return BillyAnswer(answer="The forecast gave no month-end landing for this scope.", value=None)
    month_start = dt.date.fromisoformat(land.month + "-01")
    month = month_start.strftime("%B %Y")
    fitted = [f"forecast model {fc.model}, fitted on {fc.history_start} to {fc.history_end}"]
    interval = f"{land.level:g}% interval {money(land.lower)} to {money(land.upper)}"
    if land.month != today.strftime("%Y-%m"):
        fitted.append(f"the data ends {fc.history_end}, so the landing is for {month}, the month it ends in")
    elif fc.history_end < today - dt.timedelta(days=1):
        missing = (today - fc.history_end).days - 1
        fitted.append(
            f"the data ends {fc.history_end}, {missing} day{'s' if missing != 1 else ''} before today ({today}): "
            "those days are forecast, not actual"
        )
    scope = scope_phrase(plan.filters)
    against = ""
    if plan.stated_budget:  # "our budget for jan is 1.2m": the landing against the amount said
        gap = land.landing - plan.stated_budget
        against = (
            f" Against the budget of {money(plan.stated_budget)} you stated (none is stored): "
            + (f"over by about {money(gap)}" if gap > 0 else f"under by about {money(-gap)}")
            + f" ({pct(land.landing / plan.stated_budget * 100)} of it)."
        )
    if land.days_elapsed == 0:  # the data ends before this month begins: nothing is actual yet
        text = (
            f"{money(land.landing)} is the forecast for all of {month}{' for ' + scope if scope else ''} "
            f"({interval}); none of it is actual yet: the data ends {fc.history_end}."
            + against
            + assumed(plan, fitted)
        )
    else:
        text = (
            f"{month}{' for ' + scope if scope else ''} is on track to land at about {money(land.landing)} "
            f"({interval}): {money(land.month_to_date)} actual through {date_text(fc.history_end)} plus a "
            f"forecast of {money(land.forecast_rest)} for the remaining {land.days_remaining} days."
            + against
            + assumed(plan, fitted)
        )
    return BillyAnswer(
        answer=text,
        value=land.landing,
        table=Table(
            columns=["month", "actual", "forecast", "landing", "lower", "upper"],
            rows=[[land.month, land.month_to_date, land.forecast_rest, land.landing, land.lower, land.upper]],
        ),
    )


def _names_another_period(plan: Plan, today: dt.date) -> bool:
    """The landing asked of a period other than this month (a quarter, a year, another month): the forecast of
    that named period answers it (actual so far + forecast of the rest when it has begun)."""
    from spendscope.tools.periods import whole_period

    p = plan.period
    if p is None or "(all data)" in p.label:  # no period named: "actuals will be?" is this month's landing
        return False
    whole = whole_period(p.start, p.label, today) or p
    month = today.replace(day=1)
    this_month = whole.start == month and whole.end <= (month + dt.timedelta(days=31)).replace(day=1)
    return whole.end > today and not this_month


def day_drivers(run: Runner, plan: Plan, index: ValueIndex) -> BillyAnswer:
    from spendscope.tools.costs.drivers import DriversInput

    assert plan.period is not None and plan.base_period is not None
    feature = concept_key(index, "feature")
    # the dimension the question names ("which tribe drove it"), else the feature, model and token type
    dims = list(plan.group_by[:1]) or [d for d in (feature, "model", "token_type") if d]
    res = run.call(
        "explain_change",
        DriversInput(
            start=plan.period.start,
            end=plan.period.last,
            compare_start=plan.base_period.start,
            compare_end=plan.base_period.last,
            dimensions=dims,
            filters=plan.filters,
            measure="cost" if plan.measure == "tokens" else plan.measure,
            top=3,
        ),
    )
    when = period_phrase(plan.period)
    base = f"{plan.base_period.label} ({plan.base_period.start} to {plan.base_period.last})"
    parts = []
    for d in res.dimensions:
        movers = (
            [m for m in d.drivers if m.value is not None and m.change][:1] if hasattr(d, "drivers") else []
        )
        for m in movers:
            parts.append(
                f"{d.dimension.replace('_', ' ')} {m.value} ({'+' if m.change >= 0 else '-'}{money(abs(m.change))})"
            )
    change = res.change
    text = (
        f"{_cap(when.removeprefix('on ').removeprefix('in '))} cost {money(res.current_total)}, {'+' if change >= 0 else '-'}{money(abs(change))}"
        f" ({pct(res.change_pct, signed=True)}) against {base} ({money(res.previous_total)})"
        + (f"; the change came from {', '.join(parts)}" if parts else "")
        + "."
        + assumed(plan)
    )
    rows = [
        [m.dimension, m.value, round(m.current, 2), round(m.previous, 2), round(m.change, 2)]
        for m in res.top_movers
    ]
    return BillyAnswer(
        answer=text,
        value=round(change, 2),
        table=Table(columns=["dimension", "value", "current", "previous", "change"], rows=rows),
    )


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def gpu_utilization(run: Runner, plan: Plan, index: ValueIndex) -> BillyAnswer:
    from spendscope.tools.optimize.gpu import GpuInput
    from spendscope.tools.optimize.gpu_groups import combined_utilization, matching_instances

    named = [f for f in plan.filters if f.dimension in INSTANCE_DIMS]
    other = [f for f in plan.filters if f.dimension not in INSTANCE_DIMS and f.dimension != "gpu_count"]
    rng: dict[str, Any] = {}
    if plan.period is not None:
        rng = {"start": plan.period.start, "end": plan.period.last}
    res = run.call("gpu_utilization", GpuInput(filters=other, **rng))
    rows = matching_instances(res.instances, [(f.dimension, f.values) for f in named])
    when = period_phrase(plan.period)
    what = scope_phrase(named + other) or "GPU instances"
    util = combined_utilization(rows) if named else res.total.avg_utilization_pct
    if util is None:
        text = (
            f"No GPU utilisation samples cover {what} {when}, so how busy they were is unknown "
            "(import GPU metrics with `spendscope import gpu`)."
        )
        return BillyAnswer(answer=text, value=None)
    names = sorted({r.instance_name or r.instance_id for r in rows}) if named else []
    each = _per_instance(rows if named else res.instances, combined_utilization)
    text = (
        f"{pct(util)} average GPU utilisation for {what} {when}"
        + (f" ({', '.join(names[:6])})" if names and len(each) <= 1 else "")
        + "."
        + (f" By instance: {'; '.join(f'{n} {pct(u)}' for n, u in each[:8])}." if len(each) > 1 else "")
        + assumed(plan, ["utilisation = mean of the GPU samples over monitored GPU-hours"])
    )
    table = Table(
        columns=["month", "instance", "type", "avg_utilization_pct", "idle_cost"],
        rows=[
            [
                r.month,
                r.instance_name or r.instance_id,
                r.instance_type,
                r.avg_utilization_pct,
                None if r.idle_cost is None else round(r.idle_cost, 2),
            ]
            for r in (rows if named else res.instances)[:50]
        ],
    )
    return BillyAnswer(answer=text, value=round(util, 2), table=table)


def _per_instance(rows: list[Any], combine: Any) -> list[tuple[str, float]]:
    """Each instance's utilisation over the period (its months combined by GPU-hours), busiest first."""
    groups: dict[str, list[Any]] = {}
    for r in rows:
        groups.setdefault(str(r.instance_name or r.instance_id), []).append(r)
    out = [(name, combine(g)) for name, g in groups.items()]
    return sorted(((n, u) for n, u in out if u is not None), key=lambda nu: -nu[1])


def _request_row(run: Runner, plan: Plan, index: ValueIndex) -> tuple[Any, Any, list[Filter]]:
    """unit_costs' row for the plan's one named model, provider, feature, team or customer (or the total):
    requests from the bill where it counts them, else from telemetry reconciled to the bill."""
    from spendscope.tools.costs.unit_costs import UnitCostsInput

    named = [f for f in plan.filters if f.op in ("eq", "in") and len(f.values) == 1]
    if len(named) > 1 or len(named) != len(plan.filters):
        raise InvalidArgument(
            f"cost per request is computed for one model, provider, feature, team or customer at a time, "
            f"not for {scope_phrase(plan.filters)}"
        )
    by = named[0].dimension if named else "total"
    concept = concept_of(index, by)
    told = bool(index.telemetry_keys())  # without telemetry, the bill's own key is asked
    if concept is not None and index.kinds.get(by) != "telemetry" and told:
        by = (
            concept  # the bill's `app` tag is telemetry's `feature`: unit_costs takes requests from telemetry
        )
    rng: dict[str, Any] = {}
    if plan.period is not None:
        rng = {"start": plan.period.start, "end": plan.period.last}
    res = run.call("unit_costs", UnitCostsInput(by=by, **rng))
    want = named[0].values[0].lower() if named else None
    row = res.total if want is None else next((r for r in res.rows if (r.key or "").lower() == want), None)
    return row, res, named


def request_count(run: Runner, plan: Plan, index: ValueIndex) -> BillyAnswer:
    """ "How many requests" when the bill counts none: telemetry's count (unit_costs), or no figure at all."""
    try:
        row, _res, named = _request_row(run, plan, index)
    except InvalidArgument:
        row, named = None, []
    what = scope_phrase(named or plan.filters) or "all AI spend"
    when = period_phrase(plan.period)
    if row is None or not row.requests:
        return BillyAnswer(
            answer=f"The bill counts no requests for {what} {when} and telemetry has none to add, so I can't say "
            "how many there were.",
            value=None,
        )
    text = (
        f"{row.requests:,} requests for {what} {when}, counted by telemetry (the bill counts none)."
        if named
        else f"{row.requests:,} requests {when}, counted by telemetry (the bill counts none; telemetry covers only "
        "the apps that send it)."
    )
    return BillyAnswer(
        answer=text + assumed(plan, ["requests = telemetry's usage events matched to the bill"]),
        value=row.requests,
    )


def unit_requests(run: Runner, plan: Plan, index: ValueIndex) -> BillyAnswer:
    """Cost per request (or per 1k requests) by model, provider, feature, customer...: requests from the bill
    where it counts them, else from telemetry (unit_costs reconciles telemetry to the bill); one customer's within
    a feature from the telemetry attribution (attributed.py)."""
    from spendscope.agents.billy.attributed import per_request_within

    within = per_request_within(run, plan, index)
    if within is not None:
        return within
    row, res, named = _request_row(run, plan, index)
    what = scope_phrase(named) or "all AI spend"
    when = period_phrase(plan.period)
    if row is None or not row.requests or row.cost_per_request is None:
        return BillyAnswer(
            answer=f"No requests are recorded for {what} {when} (neither on the bill nor in telemetry), "
            "so there is no cost per request.",
            value=None,
        )
    scale = plan.unit_scale or 1.0
    label = "per request" if scale == 1 else f"per {scale:,.0f} requests"
    counted = _telemetry_models(run, plan) if res.basis == "telemetry_reconciled" else None
    whole = _beyond_models(run, plan, index, named, counted)
    cost, extra = row.cost, ""
    if whole is not None and row.requests:
        # the value's own spend beyond model APIs (its GPU boxes), or on models telemetry counts no requests for
        # (a commitment's model), is part of what a request costs: all of it counts
        cost, other, services, modelled = whole
        model_only = unit_money(row.cost_per_request * scale)
        outside = "outside the model calls telemetry counts" if modelled else "outside model APIs"
        extra = (
            f" That is all of {what}'s spend, {money(other)} of it {outside} ({services}); its "
            f"{'counted model' if modelled else 'model'} spend alone is {model_only} {label}."
        )
    per = cost / row.requests * scale
    text = (
        f"{unit_money(per)} {label} for {what} {when} ({money(cost)} over {row.requests:,} requests).{extra}"
        + assumed(plan, [f"requests from {res.basis.replace('_', ' ')}", *res.assumptions[:2]])
    )
    return BillyAnswer(
        answer=text,
        value=round(per, 6),
        table=Table(
            columns=["key", "cost", "requests", "cost_per_request"],
            rows=[[row.key, cost, row.requests, cost / row.requests]],
        ),
    )


def _telemetry_models(run: Runner, plan: Plan) -> set[str]:
    """The models telemetry counts requests for in the plan's period (unit_costs by model)."""
    from spendscope.tools.costs.unit_costs import UnitCostsInput

    rng = {"start": plan.period.start, "end": plan.period.last} if plan.period is not None else {}
    res = run.call("unit_costs", UnitCostsInput(by="model", **rng))
    return {str(r.key).lower() for r in res.rows if r.key and r.requests}


def _beyond_models(
    run: Runner, plan: Plan, index: ValueIndex, named: list[Filter], counted: set[str] | None = None
) -> Any:
    """(the named bill value's whole spend, its part with no model or with a model telemetry counts no requests
    for (`counted`: None when requests come from the bill), those rows' services, whether any of them has a model)
    when the value also tags spend outside those (a feature's GPU instance, its commitment), which unit_costs'
    model cost leaves out; else None."""
    from spendscope.tools.costs.breakdown import CostQueryInput

    if len(named) != 1 or index.kinds.get(named[0].dimension) == "telemetry":
        return None
    rng = {"start": plan.period.start, "end": plan.period.last} if plan.period is not None else {}
    res = run.call("query_costs", CostQueryInput(filters=named, group_by=["model", "service"], **rng))
    rows = [
        r
        for r in res.rows
        if r.value
        and (
            not r.group.get("model") or (counted is not None and str(r.group["model"]).lower() not in counted)
        )
    ]
    other = sum(r.value for r in rows)
    if not res.total or abs(other) < 0.005 * abs(res.total):
        return None
    services = ", ".join(dict.fromkeys(str(r.group.get("service") or "no service") for r in rows))
    return res.total, other, services, any(r.group.get("model") for r in rows)
