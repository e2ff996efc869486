"""A unit cost for each value of a dimension: "cost per 1k requests by model", "which customer costs us the most per
request", "cost per 1M tokens by feature". From the unit_costs operation, which takes requests and tokens from the
bill where it counts them and from telemetry reconciled to the bill where it does not (customers, features).
Before this, the grouping was dropped and the whole company's unit cost given."""

from __future__ import annotations

from spendscope.agents.billy.models import BillyAnswer, Plan, Table
from spendscope.agents.billy.phrasing import count, money, period_phrase, unit_money
from spendscope.agents.billy.resolve import ValueIndex
from spendscope.agents.billy.runner import Runner, assumed, time_range
from spendscope.data.errors import InvalidArgument

_NONE = ("(none)", "none", "null", "")


def answer(run: Runner, plan: Plan, index: ValueIndex) -> BillyAnswer:
    from spendscope.tools.costs.unit_costs import UnitCostsInput

    dim = plan.group_by[0]
    if plan.filters:
        raise InvalidArgument(
            f"a unit cost by {dim} is computed over all the data's {dim} values, not within a filter; ask for one "
            f"{dim} at a time (e.g. 'cost per request for <{dim}>')"
        )
    requests = plan.unit_measure == "requests"
    scale = plan.unit_scale or 1.0
    res = run.call("unit_costs", UnitCostsInput(by=dim, **time_range(plan)))
    unit = (
        ("request" if scale == 1 else f"{scale:,.0f} requests")
        if requests
        else ("token" if scale == 1 else f"{scale:,.0f} tokens" if scale != 1_000_000 else "1M tokens")
    )

    def per(row: object) -> float | None:
        units = row.requests if requests else row.tokens  # type: ignore[attr-defined]
        return None if not units else row.cost / units * scale  # type: ignore[attr-defined]

    valued = [(r, per(r)) for r in res.rows if r.key is not None and r.key.lower() not in _NONE]
    left_out = 0.0
    if not requests:
        # per token, as the blended figure: rows that count hours, not tokens (a commitment's used and unused
        # hours), are no token spend; their fee over the on-demand tokens overstated the committed model's cost
        valued, left_out = _token_cost_only(valued, scale)
    rows = [(r, v) for r, v in valued if v is not None and r.cost > 0]
    # a value with units but no cost of its own (its model is paid through a commitment, or the bill has none
    # for it) has no unit cost to rank: named, not listed at $0
    free = [str(r.key) for r, v in valued if v is not None and r.cost <= 0]
    when = period_phrase(plan.period)
    noun = dim.replace("_", " ")
    if not rows:
        return BillyAnswer(
            answer=f"No {noun} has {'requests' if requests else 'tokens'} recorded {when}, so there is no unit cost "
            f"by {noun}.",
            value=None,
        )
    rows.sort(key=lambda rv: rv[1], reverse=not plan.ascending)
    shown = rows[: max(plan.top, 1)] if plan.top else rows[:10]
    basis = f"{'requests' if requests else 'tokens'} from {res.basis.replace('_', ' ')}"
    listing = "; ".join(f"{r.key} {unit_money(v)}" for r, v in shown)
    lead, value = _lead(plan, shown, rows, noun, unit, when)
    text = lead + (f" By {noun}: {listing}." if len(shown) > 1 else "")
    if len(rows) > len(shown):
        text += f" ({len(rows) - len(shown)} more {noun} values not shown.)"
    if free:
        text += (
            f" Left out, with {'requests' if requests else 'tokens'} but no cost of their own {when}: "
            f"{', '.join(free[:5])}{' and more' if len(free) > 5 else ''}."
        )
    notes = [f"unit cost = cost / {basis}", *res.assumptions[:1]]
    if left_out >= 0.005:
        notes.append(
            f"{money(left_out)} {when} on rows that count no tokens (commitment hours, request or seat charges) not "
            "counted: the tokens they served are not on the bill"
        )
    return BillyAnswer(
        answer=text + assumed(plan, notes),
        value=value,
        table=Table(
            columns=[
                noun,
                "cost",
                "requests" if requests else "tokens",
                f"cost_per_{unit.replace(' ', '_')}",
            ],
            rows=[
                [r.key, round(r.cost, 2), r.requests if requests else r.tokens, round(v, 6)] for r, v in rows
            ],
        ),
    )


def _lead(plan: Plan, shown: list, rows: list, noun: str, unit: str, when: str) -> tuple[str, float | str]:
    top, v = shown[0]
    amount = top.requests if unit.endswith(("request", "requests")) else top.tokens
    what = "requests" if unit.endswith(("request", "requests")) else "tokens"
    if plan.top == 1 or len(rows) == 1:
        word = "least" if plan.ascending else "most"
        return (
            f"{noun.capitalize()} {top.key} costs the {word} per {unit} {when}: {unit_money(v)} "
            f"({money(top.cost)} over {count(amount)} {what}).",
            str(top.key),
        )
    order = "lowest" if plan.ascending else "highest"
    return f"Cost per {unit} by {noun} {when}, {order} first.", round(v, 6)


def _token_cost_only(valued: list, scale: float) -> tuple[list, float]:
    """Each row's cost narrowed to its rows that count tokens (the operation's per-1M figure is made of those), and
    the cost so left out in all."""
    out, left_out = [], 0.0
    for r, v in valued:
        if v is None or r.cost_per_1m_tokens is None or not r.tokens:
            out.append((r, v))
            continue
        token_cost = r.cost_per_1m_tokens * r.tokens / 1_000_000
        left_out += max(r.cost - token_cost, 0.0)
        out.append((r.model_copy(update={"cost": token_cost}), token_cost / r.tokens * scale))
    return out, left_out
