"""How many GPUs or GPU instances ("how many gpus do we run", "how many instances are we paying for on lambda",
"how many of our gpu instances were idle in february", "which instance was idle"): counted from the bill's GPU instance rows (x_GpuCount > 0)
in the period, through gpu_utilization's per-instance rows; an instance is idle when its mean utilisation over its
monitored GPU-hours stayed under the idle threshold. Instances without GPUs are not counted, and the answer says
so; an instance without samples is neither idle nor busy."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from spendscope.agents.billy.models import BillyAnswer, Plan, Table
from spendscope.agents.billy.phrasing import period_phrase, scope_phrase
from spendscope.agents.billy.runner import assumed

if TYPE_CHECKING:
    from spendscope.agents.billy.resolve import ValueIndex
    from spendscope.agents.billy.runner import Runner

# "how many gpus", "how many a100s" (a GPU model's name counts its GPUs)
DEVICE_COUNT = re.compile(
    r"\b(?:how many|number of|count of) (?:distinct |different |unique |separate )?(?:of (?:our |the )?)?"
    r"(?P<what>(?:gpu |gpus )?(?:gpus|instances|boxes|machines|nodes|servers|vms|cards|devices)|"
    r"(?:g[bh]|mi|[abhlvt])\d{1,3}[a-z]?s)\b(?! hours?\b)"
)
IDLE = re.compile(r"\b(idle|unused|sat idle|sitting idle|doing nothing|wasted)\b")
# "how many instances have idle gpus", "had idle time": instances with any idle GPU-hours (not idle as a whole)
IDLE_TIME = re.compile(
    r"\b(?:ha(?:ve|d|s)|with|show(?:ed|s)?) (?:any |some )?(?:idle|unused) (?:gpus?|time|hours?|gpu[- ]hours)\b"
)
# "which instance was idle", "which gpu boxes sat idle in feb": the idle instances, named
WHICH_IDLE = re.compile(
    r"\bwhich (?:of (?:our |the )?)?(?:gpu )?(?:instances?|boxes|box|machines?|nodes?|servers?)\b"
    r"[^?]{0,20}\b(?:idle|unused|doing nothing|wasted)\b"
)


def device_subject(low: str) -> str | None:
    """'gpus', 'instances' or 'idle instances' when the question counts GPU hardware, else None."""
    m = DEVICE_COUNT.search(low)
    if m is None:
        return "idle instances" if WHICH_IDLE.search(low) else None
    what = m.group("what")
    counted = (
        "gpus"
        if what in ("gpus", "cards", "gpu cards", "gpus cards")
        or what[-1:].isdigit()
        or re.fullmatch(r"[a-z]+\d+[a-z]?s", what)
        else "instances"
    )
    return f"idle {counted}" if IDLE.search(low[m.end() :]) else counted


def answer(run: Runner, plan: Plan, index: ValueIndex) -> BillyAnswer:
    from spendscope.agents.billy.categories import INSTANCE_DIMS
    from spendscope.tools.optimize.gpu import GpuInput
    from spendscope.tools.optimize.gpu_groups import combined_utilization, matching_instances

    named = [f for f in plan.filters if f.dimension in INSTANCE_DIMS]
    other = [f for f in plan.filters if f.dimension not in INSTANCE_DIMS and f.dimension != "gpu_count"]
    rng: dict[str, Any] = {} if plan.period is None else {"start": plan.period.start, "end": plan.period.last}
    res = run.call("gpu_utilization", GpuInput(filters=other, **rng))
    rows = matching_instances(res.instances, [(f.dimension, f.values) for f in named])
    when, what = period_phrase(plan.period), scope_phrase(named + other)
    where = f" for {what}" if what else ""
    by_id: dict[str, list] = {}
    for r in rows:
        by_id.setdefault(r.instance_id, []).append(r)
    if not by_id:
        return BillyAnswer(answer=f"No GPU instance had cost{where} {when}.", value=None)
    gpus = {i: max(r.gpus or 0 for r in rs) for i, rs in by_id.items()}
    names = {i: rs[0].instance_name or i for i, rs in by_id.items()}
    util = {i: combined_utilization(rs) for i, rs in by_id.items()}
    notes = ["counted from the bill's GPU instance rows (instances without GPUs are not counted)"]
    if plan.subject.startswith("idle"):
        unmonitored = [names[i] for i, u in util.items() if u is None]
        if len(unmonitored) == len(by_id):  # idle time unknown, not zero
            return BillyAnswer(
                answer=f"I can't say how many GPU instances{where} were idle {when}: none of the {len(by_id)} GPU "
                "instances has utilisation samples (import GPU metrics with `spendscope import gpu`).",
                value=None,
            )
        if IDLE_TIME.search(plan.question.lower()):  # "have idle gpus", "had idle time": any idle GPU-hours
            hours = {i: sum(r.idle_gpu_hours or 0 for r in rs) for i, rs in by_id.items()}
            idle = [i for i in by_id if util[i] is not None and hours[i] > 0]
            listed = ", ".join(f"{names[i]} ({hours[i]:,.0f} idle GPU-hours)" for i in idle)
            text = f"{len(idle)} of {len(by_id)} GPU instances{where} had idle GPUs {when}" + (
                f": {listed}." if idle else "."
            )
            notes.append(f"idle = GPU-hours under {res.idle_threshold_pct:g}% utilisation")
        else:  # "were idle", "which instance sat idle": idle over the period as a whole
            idle = [i for i, u in util.items() if u is not None and u < res.idle_threshold_pct]
            listed = ", ".join(f"{names[i]} ({util[i]:.1f}% mean utilisation)" for i in idle)
            text = f"{len(idle)} of {len(by_id)} GPU instances{where} were idle {when}" + (
                f": {listed}." if idle else "."
            )
            notes.append(f"idle = mean GPU utilisation under {res.idle_threshold_pct:g}% over the period")
        if unmonitored:
            text += f" No samples for {', '.join(unmonitored)}, so not judged."
        value: int = len(idle)
    else:
        listed = ", ".join(f"{names[i]} ({gpus[i]} GPU{'s' if gpus[i] != 1 else ''})" for i in by_id)
        n_gpus = sum(gpus.values())
        text = f"{n_gpus} GPU{'s' if n_gpus != 1 else ''} on {len(by_id)} GPU instance{'s' if len(by_id) != 1 else ''}{where} {when}: {listed}."
        if plan.subject == "instances":
            text = f"{len(by_id)} GPU instance{'s' if len(by_id) != 1 else ''} ({n_gpus} GPU{'s' if n_gpus != 1 else ''}){where} {when}: {listed}."
        value = n_gpus if plan.subject == "gpus" else len(by_id)
    table = Table(
        columns=["instance", "gpus", "avg_utilization_pct"],
        rows=[[names[i], gpus[i], None if util[i] is None else round(util[i], 2)] for i in by_id],
    )
    return BillyAnswer(answer=text + assumed(plan, notes), value=value, table=table)
