"""The deterministic planner: a question in, a Plan out, with zero LLM calls, in two stages.

1. agents.billy.reading reads the question into a typed Reading (periods, names resolved against the store's
   values or left unresolved, concepts the store does not hold, measure, groupings, negations, unit, cues of
   what is asked);
2. agents.billy.rules chooses what to run from the Reading with an ordered table of small rules.

This module then adds the filters, periods and thread context and says how sure it is: a name that does not
resolve or a concept the store does not hold means no figure (agents.billy.precision).
"""

from __future__ import annotations

import datetime as dt
import re

from spendscope.agents.billy.followups import (
    SELLER_DIMS,
    _looks_like_followup,
    _merge_followup,
    carry_gpu_scope,
    is_followup,
)
from spendscope.agents.billy.groups import ownership_key
from spendscope.agents.billy.leaders import leaders_left_out
from spendscope.agents.billy.models import PeriodRef, Plan
from spendscope.agents.billy.precision import (
    CONFIDENT,
    confidence,
    grouped_without_dimension,
    ranked_without_dimension,
)
from spendscope.agents.billy.question import _Question
from spendscope.agents.billy.reading import Reading, read_question, today_for
from spendscope.agents.billy.resolve import Mention, ValueIndex
from spendscope.agents.billy.rules import choose, intent_found
from spendscope.agents.billy.vocab import RE
from spendscope.agents.billy.weekdays import turned_off
from spendscope.agents.billy.when import PeriodMention
from spendscope.tools.costs.breakdown import Filter, partial_day_note
from spendscope.tools.periods import Period, last_complete, same_period_last_year

__all__ = ["CONFIDENT", "is_followup", "ownership_key", "plan_question", "plan_reading", "today_for"]


def plan_question(
    question: str,
    index: ValueIndex,
    *,
    as_of: dt.date | None = None,
    previous: Plan | None = None,
    real_today: dt.date | None = None,
) -> Plan:
    """Read a question into a Plan. With `previous` (the thread's last plan), a follow-up such as "and for
    Anthropic?" keeps what it does not change."""
    return plan_reading(
        read_question(question, index, as_of=as_of, real_today=real_today), index, as_of, previous
    )


def plan_reading(r: Reading, index: ValueIndex, as_of: dt.date | None, previous: Plan | None) -> Plan:
    """Stage two and the rest: the rule's choice, filters, periods, thread context, confidence."""
    q = r.q
    plan = Plan(question=r.question, as_of=as_of, measure=r.measure, token_types=list(r.token_types))
    plan.data_end = index.catalog.last_day
    plan.filters = list(r.filters)
    plan.assumptions = list(r.assumptions)
    plan.subject = r.subject
    rule = choose(r)
    if rule.name != "analytics intent named":
        plan.filters += r.word_filters
        plan.assumptions += r.word_assumptions
        plan.subject = r.word_subject or plan.subject
    plan.unsupported = list(r.unsupported)
    rule.then(r, plan)
    found = intent_found(rule, r)
    _filters(plan, r.mentions, index, q)
    if plan.intent == "share" and "gpu_vs_rest" in r.cues and not plan.share_filters:
        # "gpus vs apis": the GPU instances are the part, the rest of the named spend the other side
        plan.share_filters = [f for f in plan.filters if f.dimension in ("gpu_count", "instance_type")]
        plan.filters = [f for f in plan.filters if f not in plan.share_filters]
    _families(plan, r.mentions)
    if plan.intent == "assistants":
        from spendscope.agents.billy.assistants import finish_plan

        finish_plan(plan, r)
    named = len(plan.filters) + len(plan.share_filters)
    _gpu_models(q, r.used, plan, index)
    _instance_names(q, r.used, plan, index)
    from spendscope.agents.billy.weekdays import finish_plan as _calendar_plan

    found = _calendar_plan(plan, r, r.calendar) or found
    if rule.name == "figure" and len(plan.filters) + len(plan.share_filters) > named:
        found = True  # "the label box in oct": a machine named, like a value named, asks what it cost
    _periods(plan, r.periods, r.over, r.today, index, previous, q.low)
    _burn_rate(plan, r.periods, q.low)
    groups = r.groups
    followup = previous is not None and (
        _looks_like_followup(q, found, r.mentions, r.periods, plan) or "pronoun" in r.cues
    )
    if followup and previous is not None:
        plan = _merge_followup(previous, plan, q, found, r.mentions, r.periods, groups)
    elif previous is not None and not r.periods and previous.period is not None and plan.base_period is None:
        plan.period = previous.period
        plan.assumptions.append(f"period carried over from the conversation: {previous.period.label}")
    if previous is not None and not followup:
        carry_gpu_scope(previous, plan)
    if (
        followup
        and previous is not None
        and previous.answer_day is not None
        and "why" in r.cues
        and not r.periods
    ):
        # "why?" after "most expensive day in april?": why that day cost what it did
        day = previous.answer_day
        plan.intent, plan.direction, plan.subject, plan.base_period = "drivers", "up", "day", None
        plan.period = PeriodRef(
            start=day, end=day + dt.timedelta(days=1), label=f"{day:%B} {day.day}, {day.year}"
        )
        plan.assumptions.append(
            f"'{r.question}' read as why {day} (the day of the answer before) cost what it did"
        )
        # "which tribe drove it" after "why?": the dimension this question names, not the turn before's grouping
        plan.group_by = [d for d, _ in groups if d not in ("day", "week", "month")][:1]
        found = True
    if (
        followup
        and previous is not None
        and previous.answer_day is None
        and "why" in r.cues
        and not r.periods
        and plan.intent == "total"
        and plan.period is not None
        and "(all data)" not in plan.period.label
    ):
        # "why?" after a period's figure ("and nov?" after october's): what changed from the period before it
        from spendscope.tools.periods import Period

        cur = Period(start=plan.period.start, end=plan.period.end, label=plan.period.label)
        plan.intent, plan.direction, plan.base_period = "drivers", None, _ref(cur.previous())
        plan.group_by = [d for d, _ in groups if d not in ("day", "week", "month")][:1]
        plan.assumptions.append(
            f"'{r.question}' read as what changed from {plan.base_period.label} to {cur.label}"
        )
        found = True
    elif (
        followup
        and previous is not None
        and previous.intent in ("drivers", "compare")
        and previous.answer_day is None
        and previous.base_period is not None
        and ("why" in r.cues or _ONLY_A_DIMENSION.fullmatch(q.low.strip()))
        and not r.periods
        and (named_dims := [d for d, _ in groups if d not in ("day", "week", "month")])
    ):
        # "which model drove it" after "why?" or a change: the same change's drivers by the dimension it names
        plan.intent, plan.direction = "drivers", previous.direction
        plan.period, plan.base_period = previous.period, previous.base_period
        plan.group_by = named_dims[:1]
        found = True
    if (
        previous is not None
        and previous.answer_day is not None
        and not r.periods
        and (said := re.search(r"\b(?:that|this|the same) day\b|\bthe day (after|before)\b", q.low))
        and plan.intent != "drivers"
    ):
        # "how much was spent that day" / "and the day after" after "biggest spend day in sep": the day of the
        # answer before (or the day next to it), what it cost, not the ranking again
        day = previous.answer_day + dt.timedelta(days={"after": 1, "before": -1}.get(said.group(1) or "", 0))
        plan.period = PeriodRef(
            start=day, end=day + dt.timedelta(days=1), label=f"{day:%B} {day.day}, {day.year}"
        )
        if plan.intent == "peak":
            plan.intent, plan.group_by = "total", []
        plan.assumptions = [a for a in plan.assumptions if not a.startswith("period carried over")]
        plan.assumptions.append(f"'{said.group(0)}' = {day} (from the day of the answer before)")
        plan.answer_day = day  # the thread stays on that day: "which app drove it" next asks why it cost that
    if (
        followup
        and previous is not None
        and previous.intent == "peak"
        and previous.answer_period is not None
        and "pronoun" in r.cues
        and not r.periods
        and plan.intent in ("total", "peak")
        and not plan.group_by
    ):
        # "how much was it" after "which month was the most expensive": what that month (or day) cost, not the
        # whole period the ranking ran over
        plan.period = previous.answer_period
        plan.intent, plan.grain = "total", "day"
        plan.assumptions.append(f"'{r.question}' = {plan.period.label} (the answer before)")
    if followup and previous is not None and plan.intent == "total" and RE["unused"].search(q.low):
        # "and how much of it was unused" after a commitment's figure: its unused part
        named = any(f.dimension == "commitment" for f in plan.filters)
        if named and not any(f.dimension == "commitment_status" for f in plan.filters):
            plan.filters.append(Filter(dimension="commitment_status", values=["Unused"]))
            plan.subject = "commitment that went unused"
            plan.assumptions.append(
                "unused commitment = effective cost of commitment rows with status Unused"
            )
    if followup and previous is not None and plan.intent == "savings":
        from spendscope.agents.billy.whatif import saved_followup

        found = saved_followup(previous, plan, r) or found
    if not followup and previous is not None:
        from spendscope.agents.billy.followups import savings_scope

        found = savings_scope(previous, plan, q.low, r.mentions) or found
    if "pronoun" in r.cues and previous is not None and previous.answer_entity is None:
        # "how much did that model cost" after "why was march 3 so expensive": the explanation's top driver
        previous = _driver_named(previous, q, index)
    among = re.search(r"\b(which|what|who)( ones?)? of (those|these|them|they)\b", q.low)
    # "and its cost per 1m tokens?" after "which model was most of it": "its" is the winner too (after any other
    # answer it is the thread's subject, which the follow-up keeps already)
    winner_said = (
        "pronoun" in r.cues
        or bool(re.search(r"\bits\b", q.low))
        or _bare_amount(q.low, r)
        or bool(_LEFT_OUT_PRONOUN.search(q.low))
    )
    if winner_said and previous is not None and previous.answer_entity is not None and not among:
        # ("which of those grew the most" ranks the previous answer's group, not its winner)
        # "how much did they cost in July": the previous answer's entity ("which customer cost the most")
        ent = previous.answer_entity
        left_out = _LEFT_OUT_PRONOUN.search(q.low)
        if left_out:  # "excluding that one, what's the total": everything but the answer before
            ent = ent.model_copy(update={"op": "not_in"})
        if plan.intent == "share":  # "what share of feb is that" / "was them": the entity is the part
            plan.share_filters = [f for f in plan.share_filters if f.dimension != ent.dimension] + [ent]
        else:
            plan.filters = [f for f in plan.filters if f.dimension != ent.dimension] + [ent]
        if rule.name == "figure" or (left_out and plan.intent in ("top", "breakdown") and not r.dims):
            # "what did they spend": a figure for the entity, not the ranking again
            plan.intent, plan.group_by, plan.top = "total", [], None
        plan.assumptions.append(
            f"'{r.question}' is about {'everything but ' if left_out else ''}"
            f"{ent.dimension.replace('_', ' ')} {ent.values[0]}"
        )
        found = True
    if plan.intent == "drivers" and plan.subject == "day" and plan.period is not None:
        # why a day (or a few days) cost what it did: against the same weekdays a week before
        week = dt.timedelta(days=7)
        first = min((p.period.start for p in r.periods), default=plan.period.start)
        last = max((p.period.end for p in r.periods), default=plan.period.end)
        plan.period = PeriodRef(
            start=first,
            end=last,
            label=plan.period.label
            if not r.periods  # "what drove it": the day of the turn before
            else r.periods[0].period.label
            if len(r.periods) == 1
            else f"{first} to {last - dt.timedelta(days=1)}",
        )
        start, end = first - week, last - week
        plan.base_period = PeriodRef(
            start=start,
            end=end,
            label=f"the same weekday{'s' if (end - start).days > 1 else ''} a week before",
        )
    if r.periods:
        _like_for_like(plan, index)
        _past_the_data(plan, index, r.today)
    if plan.intent == "compare" and len(r.periods) < 2 and not followup:
        from spendscope.agents.billy.mentions import cross_dimension_comparison

        pair = cross_dimension_comparison(q, r.mentions)
        if pair is not None and {pair[0].dim, pair[1].dim} <= SELLER_DIMS:
            # "azure vs vertex", "claude on vertex vs anthropic": two sellers named in different ways (a provider,
            # a service) are each one's own bill, compared side by side (refused at run time if their rows overlap)
            a, b = pair
            plan.intent, plan.group_by, plan.top, plan.base_period = "top", [a.dim], None, None
            plan.families = [Filter(dimension=m.dim, values=list(m.values)) for m in (a, b)]
            plan.family_names = [m.phrase for m in (a, b)]
        elif pair is not None:  # "did staging cost more than marketing in april": not both together over time
            a, b = pair
            plan.intent = "unknown"
            plan.unsupported.append(
                f"one figure setting {a.dim.replace('_', ' ')} {', '.join(a.values)} against "
                f"{b.dim.replace('_', ' ')} {', '.join(b.values)} (two different dimensions whose rows overlap: "
                "ask for each on its own)"
            )
    plan.unresolved = list(r.unresolved)
    plan.unresolved_dims = dict(r.unresolved_dims)
    _direct_bill(plan, r)
    if rule.name == "figure" and not followup and plan.intent == "total" and not plan.unresolved:
        what = ranked_without_dimension(q.low) or grouped_without_dimension(r.rest)
        if what:
            plan.unresolved.append(what)
        elif r.unread and not plan.filters and not plan.group_by and not r.mentions:
            # "what did the new smolt camera cost": the whole company's total would drop words read as nothing
            plan.unread = list(r.unread)
        elif not plan.filters and not plan.group_by and not r.mentions and _one_of(r):
            # "how much did our best farm cost": one value of a dimension, not named; never the whole total
            dim, word = _one_of(r)
            plan.intent = "unknown"
            plan.unsupported.append(
                f"a figure for one {dim.replace('_', ' ')} named only as '{word}' (name it, or ask which "
                f"{word} cost the most)"
            )
    if followup and previous is not None and previous.unresolved and not r.mentions:
        # the turn before named something the store lacks: "what about last month" still asks about it
        plan.unresolved = list(dict.fromkeys([*previous.unresolved, *plan.unresolved]))
        plan.unresolved_dims = {**previous.unresolved_dims, **plan.unresolved_dims}
    if r.unread_period:  # precision first: no figure for days it could not read, in a follow-up too
        plan.unread_period = r.unread_period
    if _machines_ranked(plan, r, index):
        found = True
    _saved_without(plan, q.low)
    if plan.intent == "top" and plan.group_by:
        plan.skip = leaders_left_out(q.low)
    if turned_off(plan, q.low, bool(r.periods), r.today):
        found = True
    _partial_newest_day(plan, index)
    plan.readings = readings(r, index)
    plan.reading = r.describe()
    confidence(plan, found or followup)
    if (
        plan.unread
    ):  # not understood: the LLM where there is one, else declined naming them (core.cannot_answer)
        plan.confidence = 0.0
    return plan


# answers that state the newest day's amount as part of a figure (a forecast, a run rate or a budget's projection
# holds a day still accruing back itself; anomalies are judged without it)
_STATES_DAYS = frozenset(
    ("total", "breakdown", "top", "compare", "drivers", "peak", "share", "unit_cost", "utilization", "count")
    + ("average", "gpu_idle", "gpu_utilization", "assistants")
)


def _partial_newest_day(plan: Plan, index: ValueIndex) -> None:
    """Say so when the period holds the newest day and that day looks still accruing (an export taken during the
    day): "yesterday" would otherwise be stated as a collapse (tools.costs.breakdown.partial_day_note)."""
    why, last = index.catalog.last_day_partial, index.catalog.last_day
    if not why or last is None or plan.intent not in _STATES_DAYS:
        return
    periods = [p for p in (plan.period, plan.base_period) if p is not None and "(all data)" not in p.label]
    if any(p.start <= last < p.end for p in periods):
        plan.assumptions.append(partial_day_note(why))


_DIRECT = re.compile(r"\bdirect(ly)?\b|\bfirst[- ]party\b|\bown (api|account|bill)\b")
_SELLERS = ("provider", "service", "invoice_issuer", "publisher")


def _direct_bill(plan: Plan, r: Reading) -> None:
    """ "openai direct spend" where the store bills OpenAI's models only inside another seller's service (Azure
    OpenAI, billed by Microsoft): the seller's direct bill is not in the data, and the reseller's figure is not it.
    Declined, naming where the name is billed (a seller named exactly, "openai direct" where OpenAI bills us, is
    answered as asked)."""
    if not _DIRECT.search(r.q.low):
        return
    for m in r.mentions:
        if m.dim in _SELLERS and not m.exact and not m.negated:
            name = m.phrase.strip()
            plan.intent = "unknown"
            plan.unsupported.append(
                f"a direct bill from {name}: no provider of the data is {name}, so there is no direct {name} "
                f"spend; '{name}' is only part of {m.dim.replace('_', ' ')} {', '.join(m.values)}, billed by "
                "another provider (ask for it by that name)"
            )
            return


_MACHINE = r"(box|boxes|instances?|machines?|servers?|nodes?|hosts?|vms?)"
_MACHINES_RANKED = re.compile(
    rf"\b(which|what|top( \d+)?|bottom( \d+)?|most expensive|priciest|cheapest|biggest)( (gpu|compute))? "
    rf"{_MACHINE}\b|\b{_MACHINE} (ranked )?by (cost|spend)\b"
)


def _machines_ranked(plan: Plan, r: Reading, index: ValueIndex) -> bool:
    """ "which box cost the most", "top 2 instances last month": machines ranked, each by its own name, over the
    rows that are instances (an instance type on the bill); never the total, nor a machine word "not in the data"."""
    m = _MACHINES_RANKED.search(r.low)
    if m is None or not index.values.get("instance_type") or not index.values.get("resource"):
        return False
    if plan.intent not in ("total", "top", "breakdown", "unknown") or plan.unsupported or r.declined:
        return False
    said = {w for w in re.findall(r"[a-z]+", m.group(0))}
    left = [
        u for u in plan.unresolved if not set(re.findall(r"[a-z]+", u.lower())) <= said | {"gpu", "compute"}
    ]
    if left or r.unread:
        return False
    plan.unresolved, plan.unread = [], []
    plan.intent, plan.group_by = "top", ["resource"]
    plan.top = r.top_n
    plan.ascending = bool(re.search(r"\b(cheapest|least|bottom|lowest)\b", r.low))
    if not any(f.dimension == "instance_type" for f in plan.filters):
        plan.filters.append(Filter(dimension="instance_type", op="not_in", values=["(none)"]))
    plan.assumptions.append(
        f"'{m.group(0)}' = the instances on the bill (rows with an instance type), by name"
    )
    return True


def _saved_without(plan: Plan, low: str) -> None:
    """ "how much would we have saved without the gh200 last month": what the rows left out cost is the saving,
    not the total without them."""
    if plan.intent != "total" or plan.unsupported or not re.search(r"\bsav(e|ed|es|ing|ings)\b", low):
        return
    left_out = [f for f in plan.filters if f.op in ("not", "not_in") and "(none)" not in f.values]
    if not left_out or not re.search(
        r"\b(without|excluding|minus|dropping|dropped|turn(ed|ing)? off|shut)\b", low
    ):
        return
    plan.filters = [f.model_copy(update={"op": "in"}) if f in left_out else f for f in plan.filters]
    named = ", ".join(v for f in left_out for v in f.values)
    plan.assumptions.append(f"saved without {named} = what {named} cost")


_RANKED_ONE = {
    "best",
    "worst",
    "top",
    "biggest",
    "largest",
    "main",
    "priciest",
    "cheapest",
    "smallest",
    "busiest",
}


def _one_of(r: Reading) -> tuple[str, str] | None:
    """The dimension a total's question names with a singular word after a ranking adjective and no value ("our
    best farm", "our biggest customer"), with the word as said ("the model", "cloud bill" name no one value)."""
    q = r.q
    if q is None:
        return None
    for dim, i in r.groups:
        word = q.toks[i].text if 0 <= i < len(q.toks) else ""
        ranked = i > 0 and q.toks[i - 1].text in _RANKED_ONE
        if dim not in ("day", "week", "month") and word and not word.endswith("s") and ranked:
            return dim, word
    return None


_NOT_ACTUALS = ("forecast", "landing", "anomalies", "savings", "budget", "unknown")


def _past_the_data(plan: Plan, index: ValueIndex, today: dt.date) -> None:
    """A named period the data covers only in part ("spend in q1 2027" on January 13): the figure is for the days
    the data holds, and the answer says where it ends (not when the data runs to yesterday and the period to
    today: "this month")."""
    last = index.catalog.last_day
    p = plan.period
    if last is None or p is None or plan.intent in _NOT_ACTUALS or "(all data)" in p.label:
        return
    if not (p.start <= last < p.last) or (last >= today - dt.timedelta(days=1) and p.last <= today):
        return
    plan.period = PeriodRef(
        start=p.start, end=last + dt.timedelta(days=1), label=f"{p.label} so far (the data ends {last})"
    )


# "and which feature?", "by team?": a follow-up naming only a dimension (after drivers: the drivers by it)
_ONLY_A_DIMENSION = re.compile(
    r"(?:(?:and|so|ok|okay|then)[, ]+)?(?:which|what|by|per|split by)(?: \w+){1,2}\s*\??"
)
_TO_DATE_LABEL = re.compile(r"\b(to date|so far)\b")


def _like_for_like(plan: Plan, index: ValueIndex) -> None:
    """A change between two periods where one is not over ("q1 2027 vs q4 2026" in January, "this month vs last
    month"): the first N days of each, N the days the data holds of the unfinished one, said in the answer. A
    side with no data at all (before the data begins, "june vs may" read as last June) is declined: no figure."""
    first, last = index.catalog.first_day, index.catalog.last_day
    cur, base = plan.period, plan.base_period
    if plan.intent != "compare" or cur is None or base is None or first is None or last is None:
        return
    for p in (base, cur):
        if p.end <= first:
            later = p.label.replace(str(p.start.year), str(p.start.year + 1))
            future = p.start.replace(year=p.start.year + 1, day=1) > last
            plan.intent = "unknown"
            plan.unsupported.append(
                f"actual spend for {p.label} (the data covers {first} to {last}"
                + (f"; if you meant {later}, it has no actuals yet: ask for its forecast)" if future else ")")
            )
            return
    # a period not over: the data ends inside it, or it is one said to date ("mtd vs last month": December to
    # date ends where the data does, and is still 6 days against November's 30)
    partial = [
        p
        for p in (base, cur)
        if p.start <= last < p.end - dt.timedelta(days=1)
        or (_TO_DATE_LABEL.search(p.label) and p.start <= last)
    ]
    if len(partial) != 1:
        return
    part = partial[0]
    other = base if part is cur else cur
    n = (min(last, part.end - dt.timedelta(days=1)) - part.start).days + 1
    if (other.end - other.start).days <= n:
        return
    name = part.label.split(" so far")[0].split(" to date")[0]
    trimmed = PeriodRef(start=part.start, end=last + dt.timedelta(days=1), label=f"{name} so far ({n} days)")
    same = PeriodRef(
        start=other.start,
        end=other.start + dt.timedelta(days=n),
        label=f"the first {n} days of {other.label}",
    )
    plan.period, plan.base_period = (trimmed, same) if part is cur else (same, trimmed)
    plan.assumptions.append(
        f"like for like: {name} is not over (the data ends {last}), so the first {n} days of each are compared"
    )
    if same.start < first:
        held = max((same.end - first).days, 0)
        plan.assumptions.append(f"the data begins {first}, so {same.label} hold only {held} days of data")


_MIRRORS = {"provider", "invoice_issuer", "publisher"}  # one company under three roles: not two readings


def readings(r: Reading, index: ValueIndex) -> list[str]:
    """A name that is a value of two dimensions, said without a dimension word ("support-bot": a feature and a
    sub-account): the question in the reading answered first, then in each other one."""
    for m in r.mentions:
        others = [d for d in m.alternatives if d != m.dim and not {d, m.dim} <= _MIRRORS]
        if m.context_word or m.negated or not others:
            continue
        q = r.q.low
        at, end = r.q.toks[m.first].start, r.q.toks[m.last - 1].end
        return [f"{q[:at]}{q[at:end]} {_label_dim(d)}{q[end:]}" for d in [m.dim, *others[:2]]]
    return []


# "excluding that one", "without it", "other than those": the answer before left out, not named
_LEFT_OUT_PRONOUN = re.compile(
    r"\b(?:excluding|excl\.?|except(?:\s+for)?|without|other\s+than|apart\s+from|aside\s+from|besides|minus|"
    r"ignoring|leaving\s+out|not\s+counting|less)\s+(?:that|it|them|those|this|these|they)(?:\s+ones?)?\b"
)


def _ref(p: Period) -> PeriodRef:
    return PeriodRef(start=p.start, end=p.end, label=p.label)


def _label_dim(dim: str) -> str:
    return dim.replace("_", " ")


def _driver_named(previous: Plan, q: _Question, index: ValueIndex) -> Plan:
    """The previous plan with `answer_entity` set to its explanation's largest driver of the dimension named
    after "that" / "this" ("that model", "this app"), when there is one."""
    for m in re.finditer(r"\b(that|this|those|these) (\w+)", q.low):
        noun = m.group(2)
        dim = index.dim_words.get((noun,)) or index.dim_words.get((noun.rstrip("s"),))
        ent = next((f for f in previous.answer_drivers if f.dimension == dim), None)
        if ent is not None:
            return previous.model_copy(update={"answer_entity": ent})
    if re.search(r"\b(did|does|was) it\b|\bit cost", q.low) and re.search(r"\bthat day\b", q.low):
        # "how much did it cost that day" after "why was apr 6 so expensive": "it" is not the day (named apart)
        # but what drove it, its model when the explanation names one
        drivers = previous.answer_drivers
        ent = next((f for f in drivers if f.dimension == "model"), drivers[0] if drivers else None)
        if ent is not None:
            return previous.model_copy(update={"answer_entity": ent})
    return previous


def _add_filter(plan: Plan, f: Filter) -> None:
    """A filter read after the share was split ("share of q3 on the a100s"): the part when nothing else is."""
    if plan.intent == "share" and not plan.share_filters:
        plan.share_filters.append(f)
    else:
        plan.filters.append(f)


def _gpu_models(q: _Question, used: set[int], plan: Plan, index: ValueIndex) -> None:
    """A GPU model named ("A100 spend", "the H100s"): the store's instance types that carry that GPU."""
    from spendscope.agents.billy.precision import gpu_types
    from spendscope.agents.billy.vocab import GPU_WORD

    if any(f.dimension in ("instance_type", "gpu_count") for f in plan.filters):
        return
    for i, t in enumerate(q.toks):
        if i in used or i in q.blocked:
            continue
        name, types = gpu_types(t.text, index)
        if types:
            _add_filter(plan, Filter(dimension="instance_type", values=types))
            what = "instances with {} GPUs" if GPU_WORD.fullmatch(t.text.lower()) else "{} instances"
            plan.assumptions.append(f"'{t.text}' = {what.format(name.upper())} ({', '.join(types)})")
            plan.subject = plan.subject or f"{name.upper()} instances"
            used.add(i)
            return


_THING_ENDS = {"in", "last", "this", "during", "since", "cost", "costs", "spend", "mtd", "ytd"}


def _instance_names(q: _Question, used: set[int], plan: Plan, index: ValueIndex) -> None:
    """ "the retrohunt box": a word of an instance's name before an instance word names the instances whose
    names hold it (a partial resource name is read only there)."""
    from spendscope.agents.billy.resolve import tokens
    from spendscope.agents.billy.vocab import INSTANCE_WORDS

    if any(f.dimension == "resource" for f in plan.filters):
        return
    for i, t in enumerate(q.toks):
        if i in used or i in q.blocked or len(t.text) < 3:
            continue
        machine_word = i + 1 < len(q.toks) and bool(INSTANCE_WORDS.fullmatch(q.toks[i + 1].text))
        # "the grader in sept": a word of one machine's name alone after "the", where the thing asked about goes
        alone = (
            not machine_word
            and len(t.text) >= 4
            and i > 0
            and q.toks[i - 1].text == "the"
            and (i + 1 >= len(q.toks) or i + 1 in q.blocked or q.toks[i + 1].text in _THING_ENDS)
        )
        if not (machine_word or alone):
            continue
        from spendscope.agents.billy.precision import _hyphen_span, joined_word, one_machine_word, said_forms

        said_as = said_forms(t.text) | {joined_word(q, i)}  # "the x-ray boxes": resources named xray-...
        names = [v for v in index.values.get("resource", []) if said_as & set(tokens(v))]
        if alone and not one_machine_word(t.text, index):
            continue  # only one machine's own word: one that names something else too is no machine
        if names:
            _add_filter(plan, Filter(dimension="resource", values=names))
            end = q.toks[i].end if alone else q.toks[i + 1].end
            said = q.low[q.toks[_hyphen_span(q, i, i + 1)[0]].start : end]
            plan.assumptions.append(f"'{said}' = resource {', '.join(names)}")
            used.add(i)
            return


def _filters(plan: Plan, mentions: list[Mention], index: ValueIndex, q: _Question) -> None:
    untagged_dims = {f.dimension for f in plan.filters if "(none)" in f.values}
    billed_by = plan.measure == "billed_cost"
    by_dim: dict[tuple[str, bool], list[str]] = {}
    for m in mentions:
        dim = m.dim
        values = m.values
        if billed_by and dim == "provider" and "invoice_issuer" in m.alternatives:
            dim, values = "invoice_issuer", m.alternative_values.get("invoice_issuer") or m.values
            plan.assumptions.append(
                f"'{m.phrase}' read as the invoice issuer (who bills us: {', '.join(values)})"
            )
        if dim in untagged_dims:
            continue
        by_dim.setdefault((dim, m.negated), [])
        for v in values:
            if v not in by_dim[(dim, m.negated)]:
                by_dim[(dim, m.negated)].append(v)
        how = "exactly" if m.exact else "approximately" if m.fuzzy else "partly"
        shown = ", ".join(m.values[:6]) + (f" and {len(m.values) - 6} more" if len(m.values) > 6 else "")
        if not (m.exact and len(m.values) == 1 and m.values[0].lower() == m.phrase.replace(" ", "").lower()):
            plan.assumptions.append(
                f"'{m.phrase}' matched {_label_dim(dim)} {shown}" + ("" if how == "exactly" else f" ({how})")
            )
    share_dims = plan.intent == "share"
    for (dim, neg), values in by_dim.items():
        if share_dims and dim in plan.group_by:
            continue
        plan.filters.append(Filter(dimension=dim, op="not_in" if neg else "in", values=values))
    if plan.intent == "share":
        _split_share(plan, mentions, q)


def _families(plan: Plan, mentions: list[Mention]) -> None:
    """ "claude vs gemini": two names of one dimension compared, one of them (or both) naming several values (a
    model family across versions and providers): each name's values are summed as one, not ranked one by one."""
    if plan.intent != "top" or not plan.group_by or plan.top not in (None, 1):
        return
    dim = plan.group_by[0]
    named = [m for m in mentions if m.dim == dim and not m.negated]
    if len(named) != 2 or all(len(m.values) == 1 for m in named):
        return
    if set(named[0].values) & set(named[1].values):
        return
    plan.families = [Filter(dimension=dim, values=list(m.values)) for m in named]
    plan.family_names = [m.phrase for m in named]


# "how much?" alone after "which depot cost most": the amount of the answer's winner, the pronoun left out
_BARE_AMOUNT = re.compile(
    r"(?:(?:and|so|ok|okay|ok so)\W+)?how much(?:\W+(?:then|tho|though|exactly|roughly|approx\w*|in total|total|"
    r"spent|was spent))?\W*"
)


def _bare_amount(low: str, r: Reading) -> bool:
    """A question that is only "how much" (no name, period or dimension): about the answer before's winner."""
    return not (r.mentions or r.periods or r.dims) and bool(_BARE_AMOUNT.fullmatch(low.strip()))


def _split_share(plan: Plan, mentions: list[Mention], q: _Question) -> None:
    """Which filters define the whole ('of our Bedrock spend') and which the part ('went to Claude')."""
    low = q.low
    kw = RE["share"].search(low)
    if not kw:
        return
    of = re.search(r"\bof\b", low[kw.end() :])
    # "how much of cohere in april was embed-v4, as a percent": the whole is named before the share word
    lead = (
        None
        if of
        else re.search(r"\b(how much|what part|what portion|how big a part) of\b", low[: kw.start()])
    )
    base_range = (0, 0)
    # "of our aws spend, what % was bedrock": the whole said first, up to a comma or the question's word
    front = None if of or lead else re.match(r"\s*(?:so,? |and |ok,? )?(?:out )?of\b", low)
    if front is not None:
        stop = re.search(r",|\b(what|how|which|who)\b", low[front.end() :])
        end = front.end() + stop.start() if stop else kw.start()
        base_range = (front.end(), min(end, kw.start()))
    elif of or lead:
        start = kw.end() + of.end() if of else lead.end()  # type: ignore[union-attr]
        split = re.search(
            r"\b(went|go|goes|going|gone|was|were|is|are|spent|came|comes|come|belong\w*|attribut\w*|"
            r"due|that|which|used|consumed|paid|to|for|on|from|by|in|had)\b",
            low[start:],
        )
        # the whole ends at the first split word after at least one word
        end = start + split.start() if split else len(low)
        if split and split.start() == 0:
            nxt = re.search(
                r"\b(went|go|goes|was|were|is|are|spent|came|comes|that|which)\b", low[start + 1 :]
            )
            end = start + 1 + nxt.start() if nxt else len(low)
        base_range = (start, end)
    base_dims: set[str] = set()
    part_dims: set[str] = set()
    for m in mentions:
        pos = q.toks[m.first].start
        if base_range[0] <= pos < base_range[1]:
            base_dims.add(m.dim)
        else:
            part_dims.add(m.dim)
    special = [
        f
        for f in plan.filters
        if f.dimension in ("gpu_count", "commitment_status", "token_type") or "(none)" in f.values
    ]
    named = [f for f in plan.filters if f not in special]
    part = [f for f in named if f.dimension in part_dims and f.dimension not in base_dims]
    base = [f for f in named if f not in part]
    if special:
        # "what share of spend was untagged / GPU": the special filter is the part unless it sits in the whole
        part += special
    if not part and base:
        part, base = base, []
    plan.filters = base
    plan.share_filters = part


def _periods(
    plan: Plan,
    mentions: list[PeriodMention],
    over: str | None,
    today: dt.date,
    index: ValueIndex,
    previous: Plan | None,
    low: str,
) -> None:
    periods = [m.period for m in mentions]
    if plan.intent in ("compare", "drivers"):
        if len(periods) >= 2:
            ordered = sorted(periods[:2], key=lambda p: p.start)
            plan.base_period, plan.period = _ref(ordered[0]), _ref(ordered[1])
            return
        if len(periods) == 1:
            cur = periods[0]
        elif over:
            cur = last_complete(over, today)
        else:
            cur = last_complete("month", today)
            plan.assumptions.append(f"no period named: compared the last complete month, {cur.label}")
        plan.period = _ref(cur)
        if over == "year" or re.search(
            r"\b(yoy|year[- ]over[- ]year|same (period|month|quarter) last year)\b", low
        ):
            plan.base_period = _ref(same_period_last_year(cur))
        else:
            plan.base_period = _ref(cur.previous())
            if cur.start.day != 1 or cur.end.day != 1:
                prev = cur.previous()
                plan.base_period = PeriodRef(
                    start=prev.start,
                    end=prev.end,
                    label=f"the {cur.days} days before ({prev.start} to {prev.end - dt.timedelta(days=1)})",
                )
        return
    inner = [p for p in periods if all(o.start == p.start and p.end <= o.end for o in periods)]
    if len(periods) == 1:
        plan.period = _ref(periods[0])
    elif (
        len(periods) == 2 and inner
    ):  # "june mtd", "q4 so far": the narrower of two from one day qualifies the wider
        plan.period = _ref(min(inner, key=lambda p: (p.end - p.start, "to date" not in p.label)))
    elif len(periods) >= 2:
        start = min(p.start for p in periods)
        end = max(p.end for p in periods)
        plan.period = PeriodRef(
            start=start,
            end=end,
            label=f"{periods[0].label} to {periods[-1].label}"
            if len(periods) == 2
            else f"{start} to {end - dt.timedelta(days=1)}",
        )
    else:
        first, last = index.catalog.first_day, index.catalog.last_day
        if first and last:
            plan.period = PeriodRef(
                start=first, end=last + dt.timedelta(days=1), label=f"{first} to {last} (all data)"
            )


_BURN = re.compile(r"\bburn(ing)?[- ]?rate\b|\bburn(ing)? per day\b|\bdaily burn\b")


def _burn_rate(plan: Plan, periods: list, low: str) -> None:
    """A burn rate with no period named is the current pace: the average a day over the data's last 30 days (the
    all-data average mixes in months long past)."""
    if plan.intent != "average" or periods or plan.data_end is None or not _BURN.search(low):
        return
    end = plan.data_end + dt.timedelta(days=1)
    start = end - dt.timedelta(days=30)
    plan.period = PeriodRef(start=start, end=end, label=f"the last 30 days ({start} to {plan.data_end})")
    plan.assumptions = [a for a in plan.assumptions if not a.startswith("no period named")]
    plan.assumptions.append("burn rate = the average a day over the last 30 days of data")
