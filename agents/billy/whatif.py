"""Pay-as-you-go versus commitment what-ifs for a named feature, deployment or commitment ("what would dispatch
have cost on pay as you go instead of the PTU in august", "is dispatch-ptu worth it vs paygo"): the commitments
covering the named rows (`query_costs` by commitment), then `commitment_utilization` for each, whose pay-as-you-go
reference is the bill's ListCost of the Used rows or the telemetry estimate of the commitment's model. Without a
commitment, or without a pay-as-you-go reference, Billy declines and names what is missing; it never answers with
the commitment's own cost.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from spendscope.agents.billy.models import BillyAnswer, Plan, Table
from spendscope.agents.billy.phrasing import money, period_phrase, scope_phrase

if TYPE_CHECKING:
    from spendscope.agents.billy.reading import Reading
    from spendscope.agents.billy.resolve import ValueIndex
    from spendscope.agents.billy.runner import Runner

PAYG = re.compile(
    r"\b(pay[- ]?as[- ]?you[- ]?go|payg|paygo|on[- ]demand|without (the |our |a )?(commitment|ptu|reservation)s?)\b"
)
WHAT_IF = re.compile(
    r"\bwould ([\w.'’-]+ ){0,3}(have )?(cost|paid|been)\b|\bwhat[- ]ifs?\b|\binstead\b|\bworth it\b|"
    r"\bvs\.?\b|\bversus\b|\bcompared? (to|with)\b|\bcheaper\b|\bsav(e|ed|ing)\b"
)
# a counterfactual cost ("what would X have cost", "would have been"), not a comparison ("vs", "cheaper")
WOULD_HAVE = re.compile(r"\bwould ([\w.'’-]+ ){0,5}(have )?(cost|paid|been)\b")
COMMIT_WORDS = re.compile(
    r"\b(commit\w*|ptus?|provisioned|reserv\w*|savings plans?|reserved instances?|ris?|cud)\b"
)
# moving a workload onto a commitment ("what if we moved X to PTU", "would a reservation be cheaper") weighs
# pay-as-you-go against it without naming pay-as-you-go
ONTO = re.compile(
    r"\b(mov(e|ed|ing)|switch(ed|ing)?|migrat\w*|buy|bought|buying|purchas\w*|put|go(ing)? on|went on|"
    r"cheaper|worth it)\b"
)
_NOT_SCOPE = ("commitment_status", "pricing_category", "charge_category")
_COMMITMENT_DIMS = ("commitment", "resource", "resource_id")


# "how much did the ptu save us": what a commitment saved is the same weighing, asked after the fact
SAVED = re.compile(r"\b(did|has|have|had)\b[^?]*\bsave\b|\bsaved\b")
# "what would that have been on payg" after a commitment's cost: the turn before names the commitment
THAT = re.compile(r"\b(that|it|this|those)\b")


def saved_followup(previous: Plan, plan: Plan, r: Reading) -> bool:
    """ "so how much did it save us" after a commitment's figure (its cost, its pay-as-you-go what-if): what that
    commitment saved, the same weighing as "how much did the ptu save us"; savings advice is another question."""
    about_commitment = previous.intent == "payg_whatif" or any(
        f.dimension in ("commitment", "commitment_status") for f in previous.filters
    )
    if not (about_commitment and SAVED.search(r.low) and THAT.search(r.low)) or r.mentions:
        return False
    plan.intent, plan.saved_asked = "payg_whatif", True
    plan.unsupported = [u for u in plan.unsupported if u not in ("cheaper", "save", "saving", "savings")]
    plan.assumptions.append(f"'{r.question}' is about the commitment of the turn before")
    return True


# "savings from the ptu in june", "the commitment's savings last month": what a held commitment saved, as a noun;
# savings to come or to find ("could", "opportunities", "if we bought one") are advice, not this
SAVINGS_NOUN = re.compile(r"\bsavings?\b(?! plans?\b)")
_SAVINGS_AHEAD = re.compile(
    r"\b(could|can|should|would|might|opportunit\w*|recommend\w*|potential|ideas?|ways?|tips?|how to|buy\w*|"
    r"bought|purchas\w*|more|next|if)\b"
)


def commitment_savings_noun(r: Reading, commitment: bool) -> bool:
    """ "savings from the pt commitment in june": a held commitment's savings named as a noun, over the past."""
    return commitment and bool(SAVINGS_NOUN.search(r.low)) and not _SAVINGS_AHEAD.search(r.low)


def payg_whatif(r: Reading) -> bool:
    """Whether the question weighs pay-as-you-go against a commitment."""
    low = r.low
    commitment = bool(COMMIT_WORDS.search(low)) or any(
        m.dim in ("resource", "commitment") for m in r.mentions
    )
    if commitment and (SAVED.search(low) or commitment_savings_noun(r, commitment)):
        return True
    if PAYG.search(low) and WHAT_IF.search(low) and not r.mentions and THAT.search(low):
        return True
    if PAYG.search(low) and WOULD_HAVE.search(low) and r.mentions:
        return True  # "what would <named rows> have cost on demand": the commitments covering them, weighed
    return bool(PAYG.search(low) or ONTO.search(low)) and bool(WHAT_IF.search(low)) and commitment


def answer(run: Runner, plan: Plan, index: ValueIndex) -> BillyAnswer:
    from spendscope.agents.billy.runner import never_together
    from spendscope.tools.costs.breakdown import CostQueryInput, Filter
    from spendscope.tools.optimize.commitments import CommitmentsInput

    # "without the PTU" names the commitment weighed, not rows to leave out
    scope = [
        f
        for f in plan.filters
        if f.dimension not in _NOT_SCOPE and not (f.op == "not_in" and f.dimension in _COMMITMENT_DIMS)
    ]
    rng = {} if plan.period is None else {"start": plan.period.start, "end": plan.period.last}
    named_rows = [f for f in scope if f.dimension != "commitment"]
    what, when = scope_phrase(named_rows) or "the commitment's use", period_phrase(plan.period)
    try:
        found = run.call("query_costs", CostQueryInput(filters=scope, group_by=["commitment"], top=50, **rng))
    except Exception as exc:  # the rows named and the commitment named never meet: no commitment serves them
        if not never_together(exc):
            raise
        found = None
    rows_of = found.rows if found is not None else []
    ids = [str(r.group.get("commitment")) for r in rows_of if r.group.get("commitment") not in (None, "")]
    if not ids:
        return BillyAnswer(
            answer=f"{what[:1].upper()}{what[1:]} has no commitment {when}: it already runs on pay-as-you-go, and a what-if onto a "
            "commitment needs that commitment's price and capacity, which the store does not hold.",
            value=None,
        )
    rows, payg, cost, notes = [], 0.0, 0.0, []
    for cid in ids:
        res = run.call("commitment_utilization", CommitmentsInput(commitment=cid, **rng))
        tot = next((c for c in res.commitments if cid in (c.commitment_id, c.commitment_name)), None)
        if tot is None:
            continue
        if tot.payg_cost_of_used is None:
            return BillyAnswer(
                answer=f"I can't put a pay-as-you-go figure on {cid} {when}: there is no pay-as-you-go reference "
                "(the bill's ListCost is empty on its Used rows and no telemetry covers the tokens it served). "
                "Import usage events for that deployment (`spendscope import events`) to get the what-if.",
                value=None,
            )
        payg += tot.payg_cost_of_used
        cost += tot.commitment_cost
        rows.append(
            [
                cid,
                tot.commitment_cost,
                tot.used_cost,
                tot.unused_cost,
                tot.utilization_pct,
                tot.payg_cost_of_used,
            ]
        )
        if tot.payg_source == "telemetry":
            notes.append(
                f"pay-as-you-go for {cid} = the telemetry tokens of its model at catalog list prices"
            )
        else:
            notes.append(f"pay-as-you-go for {cid} = the bill's list cost of its Used rows")
    if not rows:
        return BillyAnswer(answer=f"No commitment figures for {what} {when}.", value=None)
    named = ", ".join(ids)
    outside = 0.0
    if any(f.dimension not in _COMMITMENT_DIMS for f in named_rows):
        # the named rows' own pay-as-you-go cost beside the commitment (a team, a feature) is the same either way
        outside = run.call(
            "query_costs",
            CostQueryInput(filters=[*scope, Filter(dimension="commitment_status", values=["(none)"])], **rng),
        ).total
    diff = payg - cost
    verdict = (
        f"the commitment saved {money(diff)}"
        if diff > 0
        else f"pay-as-you-go would have been {money(-diff)} cheaper"
    )
    if plan.saved_asked:  # "how much did the ptu save us": the saving is the figure, said first
        verdict = verdict[:1].upper() + verdict[1:]
        return BillyAnswer(
            answer=f"{verdict} {when}: {what} would have cost about {money(payg)} on pay-as-you-go, against "
            f"{money(cost)} for the commitment ({named}{_used(rows)}). Assumed: {'; '.join(notes)}.",
            value=round(diff, 2),
        )
    if outside >= 0.005:
        text = (
            f"On pay-as-you-go, {what} {when} would have cost about {money(payg + outside)}, against "
            f"{money(cost + outside)} as billed: {money(outside)} of it already ran on pay-as-you-go, and the "
            f"commitment ({named}{_used(rows)}) cost {money(cost)} for use worth {money(payg)} on pay-as-you-go: "
            f"{verdict}. Assumed: {'; '.join(notes)}; the commitment's whole use is counted (it may serve more "
            "than the named rows)."
        )
    else:
        text = (
            f"On pay-as-you-go, {what} {when} would have cost about {money(payg)}, against {money(cost)} for the "
            f"commitment ({named}{_used(rows)}): {verdict}. Assumed: {'; '.join(notes)}; the "
            "commitment's whole use is counted (it may serve more than the named rows)."
        )
    return BillyAnswer(
        answer=text,
        value=round(payg + outside, 2),  # the what-if's figure: what the same use would have cost on demand
        table=Table(
            columns=[
                "commitment",
                "commitment_cost",
                "used",
                "unused",
                "utilization_pct",
                "payg_cost_of_used",
            ],
            rows=rows,
        ),
    )


def _used(rows: list[list]) -> str:
    util = rows[0][4] if len(rows) == 1 else None
    return f", {util:.1f}% used" if util is not None else ""
