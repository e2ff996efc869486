"""A unit cost in the bill's own unit: "cost per copilot seat", "what does a cursor licence cost us", "ptu cost per
hour". The named rows' cost over their ConsumedQuantity, of the rows whose ConsumedUnit is the unit said (Seats,
Licenses; Hours of a commitment or a provisioned deployment). A seat billed monthly counts once a month, so over
several months the figure is per seat per month. Nothing is guessed when the rows carry no such unit."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from spendscope.agents.billy.models import BillyAnswer, Plan, Table
from spendscope.agents.billy.phrasing import count, money, period_phrase, scope_phrase
from spendscope.agents.billy.runner import assumed, query, time_range
from spendscope.tools.costs.answers import CostPart, RatioInput
from spendscope.tools.costs.breakdown import Filter

if TYPE_CHECKING:
    from spendscope.agents.billy.runner import Runner

SEAT_UNITS = re.compile(r"^(seats?|licen[cs]es?|users?|subscriptions?)\b", re.I)
HOUR_UNITS = re.compile(r"^(hours?|hrs?|h)$", re.I)
_GPU_SAID = re.compile(r"\bgpus?\b")


def per_consumed_unit(run: Runner, plan: Plan) -> BillyAnswer | None:
    """The answer, or None when the question is not about the bill's own unit (GPU hours: the GPU path)."""
    seats = plan.unit_measure == "usage_quantity"
    if not seats and (plan.unit_measure != "gpu_hours" or _GPU_SAID.search(plan.question.lower())):
        return None
    units = query(run, plan, group_by=["consumed_unit"])
    wanted = SEAT_UNITS if seats else HOUR_UNITS
    matched = [
        str(r.group["consumed_unit"]) for r in units.rows if wanted.match(str(r.group.get("consumed_unit")))
    ]
    when, scope = period_phrase(plan.period), scope_phrase(plan.filters)
    if not seats:
        gpus = query(run, plan, group_by=["gpu_count"])
        if not matched or any(r.group.get("gpu_count") not in (None, "(none)", "0", 0) for r in gpus.rows):
            return None  # GPU instance hours: their own path (cost per GPU hour)
    if not matched:
        return BillyAnswer(
            answer=f"The bill counts no seats or licences{' for ' + scope if scope else ''} {when}, so there is no "
            "cost per seat." + assumed(plan),
            value=None,
        )
    rows = [*run.filters(plan.filters), Filter(dimension="consumed_unit", op="in", values=matched)]
    res = run.call(
        "cost_ratio",
        RatioInput(
            numerator=CostPart(measure=plan.measure, filters=rows),
            denominator=CostPart(measure="usage_quantity", filters=rows),
            scale=1.0,
            **time_range(plan),
        ),
    )
    noun = "seat" if seats else "hour"
    if res.ratio is None:
        return BillyAnswer(
            answer=f"No {noun}s were billed for {scope or 'it'} {when}." + assumed(plan), value=None
        )
    billed = "seat-months billed (a seat counted once a month)" if seats else "hours billed"
    text = (
        f"{money(res.ratio)} per {noun}{' for ' + scope if scope else ''} {when} ({money(res.numerator)} over "
        f"{count(res.denominator)} {billed})."
    )
    note = f"cost per {noun} = cost of the rows billed in {', '.join(matched)} / their consumed quantity"
    return BillyAnswer(
        answer=text + assumed(plan, [note]),
        value=round(res.ratio, 6),
        table=Table(
            columns=["cost", f"{noun}s", f"cost_per_{noun}"],
            rows=[[round(res.numerator, 2), round(res.denominator, 4), round(res.ratio, 6)]],
        ),
    )
