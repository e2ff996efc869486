"""Threads: a follow-up ("and for Anthropic?", "split it by model", "what about the week before") starts from the
previous turn's plan and changes only what it names."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from spendscope.agents.billy.filler import FILLER
from spendscope.agents.billy.models import Plan
from spendscope.agents.billy.resolve import Mention
from spendscope.agents.billy.vocab import BUSY, RE
from spendscope.agents.billy.when import PeriodMention
from spendscope.tools.costs.breakdown import Filter
from spendscope.tools.periods import Period

# Who sells it: a provider and its services are one family, so "and <another seller>?" replaces the previous one
# whichever of these the new name resolves to; "how much of that was <seller>" narrows instead.
SELLER_DIMS = {"provider", "service", "invoice_issuer", "publisher"}
PART_OF = re.compile(r"\b(of|in|within|from) (that|those|it|them|this)\b")
THAT = re.compile(r"\b(that|those|it|them|this|these)\b")
# "how much could we save on it / there", "any savings for that": the turn before's scope
ON_THAT = re.compile(r"\b(on|for|in|of|with|from) (it|that|those|them|this|these)\b|\bthere\b")


def savings_scope(prev: Plan, plan: Plan, low: str, mentions: list[Mention]) -> bool:
    """A savings question that points back at the turn before and names nothing of its own keeps that turn's
    scope (its filters, and its period when it says none): "how much could we save on it" after OpenAI's cost
    is OpenAI's savings, never the whole bill's."""
    if plan.intent != "savings" or mentions or not prev.filters or not ON_THAT.search(low):
        return False
    dims = {f.dimension for f in plan.filters}
    plan.filters += [f for f in prev.filters if f.dimension not in dims]
    plan.period = plan.period or prev.period
    plan.assumptions.append("follow-up: the savings of the previous question's scope")
    return True


# idle time asked: the GPU idle cost questions, not utilisation
IDLE = re.compile(r"\b(idle|unused|wast(e|ed|es|ing))\b")

# a token kind said alone in a follow-up about tokens
TOKEN_KIND = re.compile(r"\b(input|output|prompt|completion)s?\b")
_KINDS = {"prompt": "input", "completion": "output"}


def _ref(p: Period) -> Any:
    from spendscope.agents.billy.models import PeriodRef

    return PeriodRef(start=p.start, end=p.end, label=p.label)


def _following(p: Period) -> Period:
    """The period of the same kind just after `p` (the next month for a month)."""
    from spendscope.tools.periods import _month_span_label, add_months

    if p.start.day == 1 and p.end.day == 1:
        months = (p.end.year - p.start.year) * 12 + p.end.month - p.start.month
        end = add_months(p.end, months)
        return Period(start=p.end, end=end, label=_month_span_label(p.end, end))
    end = p.end + dt.timedelta(days=p.days)
    label = (
        f"{p.end:%B} {p.end.day}, {p.end.year}" if p.days == 1 else f"{p.end} to {end - dt.timedelta(days=1)}"
    )
    return Period(start=p.end, end=end, label=label)


def is_followup(question: str) -> bool:
    """Whether a question reads as a follow-up ("and for Anthropic?", "what about last month?")."""
    from spendscope.agents.billy.question import _Question

    q = _Question(question)
    if RE["followup"].search(q.low) or RE["previous"].search(q.low) or RE["following"].search(q.low):
        return True
    content = [t.text for t in q.toks if t.text not in FILLER]
    return len(content) <= 3 and not re.search(r"\b(how much|how many|what was|which|who)\b", q.low)


def _looks_like_followup(
    q: Any, intent_found: bool, mentions: list[Mention], periods: list[PeriodMention], plan: Plan
) -> bool:
    if RE["followup"].search(q.low) or RE["previous"].search(q.low) or RE["following"].search(q.low):
        return True
    if periods and mentions and COMPLETE.search(q.low):
        return False  # "what did our azure bill come to in november": a question of its own, however short
    content = [t.text for t in q.toks if t.text not in FILLER]
    return len(content) <= 3 and not re.search(r"\b(how much|how many|what was|which|who)\b", q.low)


# a question that opens as one and names both what and when stands alone, even in a thread
COMPLETE = re.compile(
    r"^\s*(what|whats|what's|how|which|who|show|list|give|tell|did|do|does|was|were|is|are)\b"
)


# what a question asks in money ("what did it cost", "its spend"): never a utilisation or a count
_NOT_MONEY = ("utilization", "gpu_utilization", "gpu_count", "count")
_MONEY_ASKED = re.compile(r"\b(cost|costs|costing|spend|spent|spending|bill|billed|pay|paid)\b")


# "what share of corporate is that": the named value after "share of" is the whole, the turn before's rows the part
_SHARE_OF = re.compile(
    r"\b(?:share|percent\w*|pct|%|portion|part|fraction|proportion) of (?!(?:that|those|it|them|this|these)\b)"
)


def _share_of_named_whole(prev: Plan, new: Plan, merged: Plan, low: str) -> None:
    """ "what share of openai is that" after gpt-5's figure: gpt-5's rows (the turn before's) over OpenAI's; the
    value named after "share of" is the whole, even when the turn before already narrowed to it."""
    said = _SHARE_OF.search(low)
    if merged.intent != "share" or not said or not THAT.search(low[said.end() :]):
        return
    whole = [f for f in new.share_filters + new.filters if f.dimension not in ("token_type",)]
    dims = {f.dimension for f in whole}
    part = [f for f in prev.filters if f.dimension not in dims]
    if not whole or not part or prev.part_filters:
        return
    merged.filters, merged.share_filters = whole, part


# "in %?", "as a percent", "what's that in pct": the change the thread's two periods made, as a percentage
_IN_PERCENT = re.compile(
    r"(?:and |so |ok |okay )?(?:(?:what'?s|whats|what is|how much is|and) (?:that|it|this|the change|the diff\w*) )?"
    r"(?:in|as an?|as|in terms of) (?:%|percent(?:age)?s?|pct)(?: terms| change)?\W*|%\W*"
)


def _change_in_percent(prev: Plan, merged: Plan, low: str) -> None:
    """ "in %?" after "X last month" and "and the month before?": the change between the two periods, in percent
    (the later against the earlier); after one period alone the question says too little and is left as it is."""
    if not _IN_PERCENT.fullmatch(low.strip()):
        return
    moved = prev.moved_from
    if prev.intent in ("compare", "drivers") and prev.base_period is not None:
        merged.intent, merged.percent_first = "compare", True
    elif moved is not None and prev.period is not None:
        merged.intent, merged.percent_first, merged.group_by, merged.top = "compare", True, [], None
    else:
        return
    # the words name nothing: the thread's rows, not a share of them ("that in %" read as a share moves them)
    merged.filters, merged.share_filters, merged.part_filters = list(prev.filters), [], []


def _merge_followup(
    prev: Plan,
    new: Plan,
    q: Any,
    intent_found: bool,
    mentions: list[Mention],
    periods: list[PeriodMention],
    groups: list[tuple[str, int]],
) -> Plan:
    merged = prev.model_copy(deep=True)
    merged.question = new.question
    merged.moved_from = None
    merged.part_filters = []
    # a follow-up with no period keeps the thread's, so the new question's "no period named" guess does not hold
    merged.assumptions = [a for a in new.assumptions if periods or not a.startswith("no period named")]
    merged.unresolved = list(new.unresolved)
    merged.unresolved_dims = dict(new.unresolved_dims)
    merged.unsupported = list(new.unsupported)
    merged.as_of = new.as_of or prev.as_of
    strong_intent = new.intent not in ("total",) or bool(re.search(r"\b(how much|how many|total)\b", q.low))
    if new.intent == "total" and prev.intent in _NOT_MONEY and _MONEY_ASKED.search(q.low):
        strong_intent = True  # "what did it cost in april" after a box's utilisation: its cost, not its use
    if strong_intent and new.intent != "total":
        merged.intent = new.intent
        merged.group_by = new.group_by or merged.group_by
        merged.top = new.top
        merged.ascending = new.ascending
        merged.percent_first = new.percent_first
        merged.grain = new.grain
        merged.unit_measure, merged.unit_scale, merged.unit_label = (
            new.unit_measure,
            new.unit_scale,
            new.unit_label,
        )
        merged.share_filters = new.share_filters or merged.share_filters
    elif new.intent == "total" and strong_intent and prev.intent not in ("total",):
        merged.intent = "total"
        merged.group_by = []
    if (
        BUSY.search(q.low)
        and not IDLE.search(q.low)
        and (prev.intent in _GPU_INTENTS or any(f.dimension in _GPU_SCOPE for f in prev.filters))
    ):
        # "whats its avg utilisation that month" after a GPU box's cost: the box's utilisation, never an
        # average of its cost
        merged.intent, merged.group_by, merged.top = "gpu_utilization", [], None
    if new.measure != "cost" or new.token_types:
        merged.measure, merged.token_types = new.measure, new.token_types
    elif prev.measure == "tokens" and (kind := TOKEN_KIND.search(q.low)):
        # "and input" after "how many output tokens was that": the other kind of the same tokens; "what did the
        # output cost" after a token count: the money of that kind's rows
        said = _KINDS.get(kind.group(1), kind.group(1))
        if _MONEY_ASKED.search(q.low):
            merged.measure, merged.token_types = "cost", []
            merged.filters = [f for f in merged.filters if f.dimension != "token_type"]
            merged.filters.append(Filter(dimension="token_type", values=[said]))
        else:
            merged.token_types = [said]
    elif prev.measure == "tokens" and _MONEY_ASKED.search(q.low) and THAT.search(q.low):
        # "what did that cost" after a token count: the money of those tokens' rows
        merged.measure = "cost"
        merged.filters = [f for f in merged.filters if f.dimension != "token_type"]
        if prev.token_types:
            merged.filters.append(Filter(dimension="token_type", values=list(prev.token_types)))
        merged.token_types = []
    elif prev.measure == "tokens" and merged.intent == "unit_cost":
        # "whats its cost per 1m tokens" after a token count: a unit cost is money over the unit, never tokens
        # over tokens; the unit counts every token of the rows, not only the kind the turn before counted
        merged.measure, merged.token_types = "cost", []
    # filters: a new value for a dimension replaces the old one; other filters stay
    new_dims = {f.dimension for f in new.filters}
    replaced = set(new_dims)
    if new_dims & SELLER_DIMS and not PART_OF.search(q.low):
        replaced |= (
            SELLER_DIMS  # "cursor spend" then "and copilot?": the seller swapped (provider or service)
        )
    merged.filters = [f for f in merged.filters if f.dimension not in replaced] + list(new.filters)
    if (
        new.filters
        and PART_OF.search(q.low)
        and not {f.dimension for f in new.filters} & {f.dimension for f in prev.filters}
    ):
        merged.part_filters = list(new.filters)  # "how much of that was on vertex": a part of the turn before
    if merged.intent == "share" and new.share_filters:
        # "whats prod's share of the total" after prod's figure: prod is the part, so the whole is not prod
        parts = {f.dimension for f in new.share_filters}
        merged.filters = [f for f in merged.filters if f.dimension not in parts]
    if (
        merged.intent == "share"
        and prev.intent != "share"
        and not new.filters
        and not new.share_filters
        and THAT.search(q.low)
    ):
        # "what share of the month is that": the previous answer's rows are the part, the period the whole; after
        # "how much of that was on vertex", the part named there is the part and the rows it was taken from the whole
        if prev.part_filters:
            merged.share_filters = list(prev.part_filters)
            merged.filters = [f for f in merged.filters if f not in prev.part_filters]
        else:
            merged.share_filters, merged.filters = merged.filters, []
    if merged.intent == "share" and new.filters and not new.share_filters:
        new_dims = {f.dimension for f in new.filters}
        merged.share_filters = [f for f in merged.share_filters if f.dimension not in new_dims]
        moved = [f for f in merged.filters if f.dimension in new_dims and f in new.filters]
        if any(f.dimension in {s.dimension for s in prev.share_filters} for f in moved):
            merged.share_filters += moved
            merged.filters = [f for f in merged.filters if f not in moved]
    _share_of_named_whole(prev, new, merged, q.low)
    _change_in_percent(prev, merged, q.low)
    if periods:
        if (
            merged.intent in ("compare", "drivers")
            and new.period is not None
            and len(periods) == 1
            and prev.intent not in ("compare", "drivers")
            and prev.period is not None
            and (THAT.search(q.low) or re.search(r"\b(vs\.?|versus|against)(?!\w)", q.low))
            and (prev.period.start, prev.period.end) != (new.period.start, new.period.end)
        ):
            # "how does that compare to sept" after October's figure: October against September (the earlier of
            # the two is the base), not September against the month before it
            first, second = sorted([prev.period, new.period], key=lambda p: p.start)
            merged.period, merged.base_period = second, first
            merged.assumptions.append(f"compared {second.label} (the conversation's) with {first.label}")
        elif merged.intent in ("compare", "drivers") and new.period is not None:
            merged.period, merged.base_period = new.period, new.base_period
        else:
            merged.period = new.period
    elif RE["previous"].search(q.low) and prev.period is not None:
        p = Period(start=prev.period.start, end=prev.period.end, label=prev.period.label).previous()
        merged.period = _ref(p)
        if merged.base_period is not None:
            merged.base_period = _ref(p.previous())
        else:
            merged.moved_from = prev.period
    elif RE["following"].search(q.low) and prev.period is not None:  # "and the month after?"
        p = _following(Period(start=prev.period.start, end=prev.period.end, label=prev.period.label))
        merged.period = _ref(p)
        if merged.base_period is not None:
            merged.base_period = prev.period
        else:
            merged.moved_from = prev.period
        if merged.data_end is not None and p.start > merged.data_end:  # no actuals yet: no figure
            merged.intent = "unknown"
            merged.unsupported.append(
                f"actual spend for {p.label}, which is after the data ends ({merged.data_end})"
            )
    moved = prev.moved_from
    if (
        merged.intent in ("compare", "drivers")
        and merged.period is not None
        and merged.base_period is None
        and not periods
        and moved is not None
        and (moved.start, moved.end) != (merged.period.start, merged.period.end)
    ):
        # "whats the % change" after "groq spend last wk" and "and the week before": the two periods the thread
        # named, the later against the earlier (not the week before against the week before that)
        first, second = sorted([moved, merged.period], key=lambda p: p.start)
        merged.period, merged.base_period = second, first
        merged.assumptions.append(
            f"compared the conversation's two periods, {second.label} with {first.label}"
        )
    if merged.intent in ("compare", "drivers") and merged.period is not None and merged.base_period is None:
        # "which of those grew the most" after a one-period question: against the period before
        p = Period(start=merged.period.start, end=merged.period.end, label=merged.period.label).previous()
        merged.base_period = _ref(p)
        merged.assumptions.append(
            f"the conversation's period, {merged.period.label}, compared with the period before, {p.label}"
        )
    if groups and merged.intent in ("breakdown", "top", "count", "share", "compare"):
        dims = [d for d, _ in groups if d not in ("day", "week", "month")]
        if dims:
            merged.group_by = dims[:1]
    merged.assumptions.append("follow-up: kept the rest of the previous question")
    return merged


_GPU_INTENTS = ("gpu_count", "gpu_utilization")
_GPU_SCOPE = {"gpu_count", "instance_type", "resource", "resource_id", "instance_id", "instance_name"}


def carry_gpu_scope(prev: Plan, new: Plan) -> None:
    """ "which instance was idle" after "how much did we spend on microsoft gpus in october": a question about GPU
    instances that names no scope of its own, after one about GPU instances, keeps that question's scope (the
    provider, team or boxes it named), and says so."""
    if new.intent not in _GPU_INTENTS or new.filters:
        return
    about_gpus = prev.intent in _GPU_INTENTS or any(f.dimension in _GPU_SCOPE for f in prev.filters)
    kept = [f for f in prev.filters if f.dimension != "gpu_count"]
    if not about_gpus or not kept:
        return
    new.filters = [f.model_copy(deep=True) for f in kept]
    said = ", ".join(f"{f.dimension.replace('_', ' ')} {'/'.join(map(str, f.values))}" for f in kept)
    new.assumptions.append(f"scope carried over from the conversation: {said}")
