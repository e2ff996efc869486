"""A commitment's realised saving ("how much did the ptu discount save us", "what has our commitment saved"):
what the used part would have cost on pay-as-you-go less what the commitment cost (used and unused), from the
`commitment_utilization` operation. Where the bill carries no on-demand price for the usage it covered, no
figure: the answer says what is available instead (savings advice is `savings_recommendations`, a different
question)."""

from __future__ import annotations

from spendscope.agents.billy.models import BillyAnswer, Plan, Table
from spendscope.agents.billy.phrasing import money, pct, period_phrase
from spendscope.agents.billy.resolve import ValueIndex
from spendscope.agents.billy.runner import Runner
from spendscope.tools.optimize.commitments import CommitmentsInput, CommitmentsResult

_COMMITMENT_DIMS = ("commitment", "commitment_status")


def answer(run: Runner, plan: Plan, index: ValueIndex) -> BillyAnswer:
    named = [v for f in plan.filters if f.dimension == "commitment" and f.op == "in" for v in f.values]
    rng = {"start": plan.period.start, "end": plan.period.last} if plan.period is not None else {}
    res: CommitmentsResult = run.call(
        "commitment_utilization",
        CommitmentsInput(
            commitment=named[0] if len(named) == 1 else None,
            filters=[f for f in plan.filters if f.dimension not in _COMMITMENT_DIMS],
            **rng,
        ),
    )
    when = period_phrase(plan.period)
    rows = [c for c in res.commitments if not named or (c.commitment_name or c.commitment_id) in named]
    table = Table(
        columns=["commitment", "commitment_cost", "payg_cost_of_used", "net_saving", "utilization_pct"],
        rows=[
            [
                c.commitment_name or c.commitment_id,
                round(c.commitment_cost, 2),
                c.payg_cost_of_used,
                c.net_saving,
            ]
            + [c.utilization_pct]
            for c in rows
        ],
    )
    if not rows:
        return BillyAnswer(
            answer=f"No commitment was active {when}, so it saved nothing to report.", table=table
        )
    priced = [c for c in rows if c.net_saving is not None and c.payg_cost_of_used is not None]
    if not priced:
        names = ", ".join(c.commitment_name or c.commitment_id for c in rows)
        return BillyAnswer(
            answer=f"I can't give the saving of {names} {when}: the bill carries no pay-as-you-go price for the "
            "usage the commitment covered, so what it would have cost without it is unknown. Available: its "
            "utilisation and unused cost (ask for the commitment's utilisation).",
            table=table,
        )
    saving = sum(c.net_saving or 0.0 for c in priced)
    payg = sum(c.payg_cost_of_used or 0.0 for c in priced)
    cost = sum(c.commitment_cost for c in priced)
    names = ", ".join(c.commitment_name or c.commitment_id for c in priced)
    verb = (
        f"saved {money(saving)}"
        if saving >= 0
        else f"cost {money(-saving)} more than pay-as-you-go would have"
    )
    util = f", utilisation {pct(priced[0].utilization_pct)}" if len(priced) == 1 else ""
    text = (
        f"The commitment {names} {verb} {when}: the usage it covered would have cost {money(payg)} at "
        f"pay-as-you-go prices, and it cost {money(cost)} (used and unused{util})."
    )
    unpriced = [c.commitment_name or c.commitment_id for c in rows if c not in priced]
    if unpriced:
        text += f" Not included (no pay-as-you-go price on the bill): {', '.join(unpriced)}."
    sources = {c.payg_source for c in priced}
    source = "telemetry's estimate of the usage" if sources == {"telemetry"} else "the bill's list cost"
    if len(sources) > 1:
        source = "the bill's list cost where it has one, else telemetry's estimate"
    notes = (
        " Saving = pay-as-you-go cost of the used part - the commitment's amortised cost; pay-as-you-go prices "
        f"from {source}."
    )
    return BillyAnswer(answer=text + notes, value=round(saving, 2), table=table)
