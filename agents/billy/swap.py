"""What-ifs moving one model's traffic onto another's prices ("if we moved all X traffic to Y last month how much
would we have saved", "what would X have cost on Y"): X's tokens of each kind (input, output, ...) over the
period, priced at what Y's tokens of that kind cost per token on the same bill over the same period. A kind Y was
never billed for in the period takes the catalog's list price scaled by how this bill prices the kinds Y was billed
for (its currency and discounts), said in the answer; without a list price or a billed kind to scale by, the answer
says so with no figure."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from spendscope.agents.billy.models import BillyAnswer, Plan, Table
from spendscope.agents.billy.phrasing import money, period_phrase
from spendscope.agents.billy.runner import assumed, query

if TYPE_CHECKING:
    from spendscope.agents.billy.reading import Reading
    from spendscope.agents.billy.resolve import ValueIndex
    from spendscope.agents.billy.runner import Runner

from spendscope.tools.costs.breakdown import Filter

# "moved / switched / migrated / shifted X (traffic) to / onto Y", "X on Y instead"
MOVE = re.compile(r"\b(mov\w*|switch\w*|migrat\w*|shift\w*|swap\w*|replac\w*|rout\w*|port\w*)\b")
_HYPOTHETICAL = re.compile(r"\bif\b|\bwould\b|\bsuppos\w*\b|\bimagine\b|\bwhat if\b")
_SAVED = re.compile(r"\bsav(e|ed|es|ing|ings)\b|\bhow much (less|more|cheaper)\b|\bdifference\b")


def swap_pair(r: Reading) -> tuple[tuple[str, str], tuple[str, str]] | None:
    """The rows moved (a model, or a feature, team or provider's tokens) and the model they move to, as (dimension,
    value) in the order said; None when the question is no such what-if."""
    low = r.low
    if not (MOVE.search(low) and _HYPOTHETICAL.search(low)):
        return None
    named = sorted((m for m in r.mentions if not m.negated), key=lambda m: m.first)
    if len(named) < 2 or named[-1].dim != "model" or len(named[-1].values) != 1:
        return None
    src, dst = named[-2], named[-1]
    between = " ".join(t.text for t in r.q.toks[src.last : dst.first])
    if not re.search(r"\b(to|onto|with|for|by)\b", between):
        return None
    if len(src.values) > 1:  # "all sonnet traffic": every model the name matches, said as the user said it
        if set(src.values) & set(dst.values):
            return None
        r.swap_values = list(src.values)
        return (src.dim, src.phrase), (dst.dim, dst.values[0])
    return (src.dim, src.values[0]), (dst.dim, dst.values[0])


def _by_kind(run: Runner, plan: Plan, rows: Filter, scoped: bool) -> dict[str, tuple[float, float]]:
    """Cost and tokens of each token kind of `rows` over the plan's period (and its other filters when `scoped`:
    the rows moved are the question's; the price is the target model's on the whole bill)."""
    rest = [f for f in plan.filters if f.dimension not in (rows.dimension, "model")] if scoped else []
    scope = [*rest, rows]
    costs = query(run, plan.model_copy(update={"measure": "cost"}), group_by=["token_type"], filters=scope)
    toks = query(
        run,
        plan.model_copy(update={"measure": "tokens", "token_types": []}),
        group_by=["token_type"],
        filters=scope,
    )
    tokens = {str(r.group.get("token_type")): r.value for r in toks.rows}
    return {
        str(r.group.get("token_type")): (r.value, tokens.get(str(r.group.get("token_type")), 0.0))
        for r in costs.rows
        if r.group.get("token_type") not in (None, "", "(none)")
    }


def answer(run: Runner, plan: Plan, index: ValueIndex) -> BillyAnswer:
    src, dst = plan.family_names
    when = period_phrase(plan.period)
    have, price = _by_kind(run, plan, plan.families[0], True), _by_kind(run, plan, plan.families[1], False)
    missing = [k for k, (_c, n) in have.items() if n and not price.get(k, (0.0, 0.0))[1]]
    listed = _list_prices(run, plan.families[1], price, missing) if have and missing else {}
    if listed:  # the kinds the bill has no price for, from the catalog scaled to this bill's own prices
        price = {**price, **listed}
        missing = []
    if not have or missing:
        why = (
            f"{dst} was billed for no {', '.join(missing)} tokens {when}"
            if missing
            else f"{src} has no tokens {when}"
        )
        return BillyAnswer(
            answer=f"I can't price that move: {why}, so the bill holds no price to use.", value=None
        )
    actual = sum(c for c, _n in have.values())
    moved = sum(n * price[k][0] / price[k][1] for k, (_c, n) in have.items() if n)
    saved = actual - moved
    per = "; ".join(
        f"{n:,.0f} {k} tokens at {money(price[k][0] / price[k][1] * 1e6)} per 1M"
        for k, (_c, n) in have.items()
        if n
    )
    if _SAVED.search(plan.question.lower()):
        lead = f"{money(abs(saved))} {'saved' if saved >= 0 else 'more'}"
        text = f"{lead}: {src}'s tokens {when} would have cost {money(moved)} at {dst}'s prices instead of {money(actual)}"
        value = round(abs(saved), 2)
    else:
        text = f"{src}'s tokens {when} would have cost {money(moved)} at {dst}'s prices instead of {money(actual)}"
        value = round(moved, 2)
    note = [f"{dst}'s price per token of each kind = its cost over its tokens on this bill {when}"]
    if listed:
        note.append(
            f"{dst} was billed for no {', '.join(sorted(listed))} tokens {when}: their price is the catalog's list "
            f"price times the ratio of {dst}'s billed prices to its list prices for the kinds it was billed for"
        )
    return BillyAnswer(
        answer=f"{text} ({per})." + assumed(plan.model_copy(update={"filters": []}), note),
        value=value,
        table=Table(
            columns=["token_type", "tokens", "actual_cost", "price_per_1m_at_target", "cost_at_target"],
            rows=[
                [
                    k,
                    n,
                    round(c, 2),
                    round(price[k][0] / price[k][1] * 1e6, 4),
                    round(n * price[k][0] / price[k][1], 2),
                ]
                for k, (c, n) in have.items()
                if n
            ],
        ),
    )


_LIST_FIELDS = {"input", "output", "cached_input", "cache_write", "reasoning"}


def _list_prices(
    run: Runner, target: Filter, billed: dict[str, tuple[float, float]], missing: list[str]
) -> dict[str, tuple[float, float]]:
    """Prices for the token kinds `target` was not billed for (cost, tokens pairs per 1M tokens): the catalog's list
    price scaled by how this bill prices the kinds it did bill (its currency, discounts); empty when a kind has no
    list price or no kind was billed to scale by (no price is guessed)."""
    from spendscope.data.errors import SpendscopeError
    from spendscope.tools.costs.prices import ShowPricesInput

    if target.dimension != "model" or len(target.values) != 1 or not set(missing) <= _LIST_FIELDS:
        return {}
    try:
        sheet = run.call("show_model_prices", ShowPricesInput(model=target.values[0]))
    except SpendscopeError:
        return {}
    row = next((r for r in sheet.rows if r.tier == "standard" and r.band == "all" and r.geo is None), None)
    if row is None:
        return {}
    ratios = [
        (c / n * 1e6) / getattr(row, k)
        for k, (c, n) in billed.items()
        if k in _LIST_FIELDS and n and getattr(row, k) > 0
    ]
    if not ratios or any(getattr(row, k) <= 0 for k in missing):
        return {}
    ratios.sort()
    factor = ratios[len(ratios) // 2]
    return {k: (getattr(row, k) * factor, 1e6) for k in missing}
