"""Stage two of planning: choose what to run from a Reading with an ordered table of small rules.

Each rule is a name, a test over the Reading alone (`when`) and what it sets on the Plan (`then`); the first
rule whose test holds decides. Rules are tested one by one (tests/test_agents_billy_rules.py): a new kind of
question is a new row here, placed by what it must win over, never a clause inside another rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from spendscope.agents.billy.lexicon import DOWN_WORDS, UP_WORDS
from spendscope.agents.billy.models import Plan
from spendscope.agents.billy.reading import Reading
from spendscope.tools.costs.breakdown import Filter


@dataclass(frozen=True)
class Rule:
    name: str
    when: Callable[[Reading], bool]
    then: Callable[[Reading, Plan], None]


def _direction(r: Reading, plan: Plan) -> None:
    words = set(re.findall(r"[a-z]+", r.rest))
    up, down = bool(words & UP_WORDS), bool(words & DOWN_WORDS)
    plan.direction = "up" if up and not down else "down" if down and not up else None


def _set(intent: str) -> Callable[[Reading, Plan], None]:
    def then(r: Reading, plan: Plan) -> None:
        plan.intent = intent  # type: ignore[assignment]

    return then


def _declined(r: Reading, plan: Plan) -> None:
    plan.intent = "unknown"
    plan.unsupported.extend(r.declined)


def _payg_whatif(r: Reading, plan: Plan) -> None:
    from spendscope.agents.billy.whatif import SAVED, commitment_savings_noun

    plan.intent = "payg_whatif"
    plan.saved_asked = bool(SAVED.search(r.low)) or commitment_savings_noun(r, True)
    plan.unsupported = [u for u in plan.unsupported if u not in ("cheaper", "save", "saving", "savings")]


def _scale_whatif(r: Reading, plan: Plan) -> None:
    from spendscope.agents.billy.scaling import CHANGE_ASKED, scale_of

    plan.intent = "scale_whatif"
    plan.scale, plan.scale_said = scale_of(r.low) or (None, "")
    plan.saved_asked = bool(CHANGE_ASKED.search(r.low))
    plan.unsupported = [u for u in plan.unsupported if u not in ("cheaper", "save", "saving", "savings")]


def _swap_whatif(r: Reading, plan: Plan) -> None:
    plan.intent = "swap_whatif"
    pair = r.swap or ()
    plan.families = [Filter(dimension=d, values=[v]) for d, v in pair]
    if r.swap_values and plan.families:  # "all sonnet traffic": the models the name matched
        plan.families[0] = Filter(dimension=plan.families[0].dimension, values=list(r.swap_values))
    plan.family_names = [v for _d, v in pair]
    plan.unsupported = [u for u in plan.unsupported if u not in ("cheaper", "save", "saving", "savings")]


def _device_count(r: Reading, plan: Plan) -> None:
    from spendscope.agents.billy.inventory import device_subject

    plan.intent = "gpu_count"
    plan.subject = device_subject(r.low) or "gpus"


def _utilization(r: Reading, plan: Plan) -> None:
    plan.intent = "utilization"
    plan.percent_first = True


def _drivers(r: Reading, plan: Plan) -> None:
    plan.intent = "drivers"
    _direction(r, plan)
    plan.group_by = [d for d, _ in r.groups][:1]


def _day_drivers(r: Reading, plan: Plan) -> None:
    plan.intent = "drivers"
    plan.direction = "up"
    plan.subject = "day"


def _compare(r: Reading, plan: Plan) -> None:
    plan.intent = "compare"
    plan.percent_first = "pct_first" in r.cues
    _direction(r, plan)


def _compare_periods(r: Reading, plan: Plan) -> None:
    _compare(r, plan)
    names = [d for d, _ in r.groups]
    if names and "group_by_word" in r.cues:
        plan.group_by = names[:1]
        plan.top = 10
    elif each := _dimension_said_before_spend(r):
        plan.group_by = [each]
        plan.top = 10
    elif r.entity_dim and {"which", "comparative", "high", "low"} & r.cues:
        # "which grew more, research or platform": each named value's change, not their sum's
        plan.group_by = [r.entity_dim]
        plan.top = 10


_GROWTH = re.compile(
    r"\b(grow|grew|grown|growth|growing|grows|rise|rose|risen|rising|rises|increased?|increasing|decreased?|"
    r"decreasing|fall|fell|fallen|falling|drop(ped|ping)?|declined?|declining|shr[iau]nk|jump(ed)?|climb(ed)?)\b"
)
_SPEND_NOUNS = {"cost", "costs", "spend", "spending", "spent", "bill", "bills"}


def _dimension_said_before_spend(r: Reading) -> str | None:
    """ "customer cost nov vs dec", "dept spend q3 vs q4": a dimension's word right before the spend word, with no
    value of it named, asks each value's figures in both periods (the whole bill's change was stated as the
    customers')."""
    toks = r.q.toks if r.q is not None else []
    named = {m.dim for m in r.mentions}
    for d, i in r.groups:
        if d in ("day", "week", "month") or d in named or i < 0:
            continue
        if i + 1 < len(toks) and toks[i + 1].text in _SPEND_NOUNS:
            return d
    return None


def _landing(r: Reading, plan: Plan) -> None:
    """ "june month end estimate": a landing is an estimate, so the word asks for it (not for another model)."""
    plan.intent = "landing"
    plan.unsupported = [u for u in plan.unsupported if not _LANDING_WORDS.match(u)]
    plan.stated_budget = r.stated_budget


_LANDING_WORDS = re.compile(r"estimat|forecast|predict|project|end of")


def _peak(r: Reading, plan: Plan) -> None:
    plan.intent = "peak"
    grain = next((c[5:] for c in sorted(r.cues) if c.startswith("peak_")), "day")
    plan.grain = grain  # type: ignore[assignment]
    plan.ascending = "low" in r.cues and "high" not in r.cues
    plan.top = r.top_n if r.top_n and r.top_n > 1 else None  # "top 5 days": the five, listed


def _unit(r: Reading, plan: Plan) -> None:
    from spendscope.agents.billy.units import set_unit

    set_unit(plan, r.unit)
    _unit_groups(r, plan)


def _per_value(r: Reading) -> bool:
    """ "cost per squad", "spend per tenant": "per" before a dimension word (no unit) asks each value's cost, a
    breakdown, not a cost per token."""
    toks = r.q.toks if r.q is not None else []
    first = next(
        (k for k, t in enumerate(toks) if t.text == "per"), None
    )  # "cost per mtok per model": a unit
    return first is not None and any(i == first + 1 for d, i in r.groups if d not in ("day", "week", "month"))


def _unit_words(r: Reading, plan: Plan) -> None:
    from spendscope.agents.billy.units import set_unit

    set_unit(plan, None)
    _unit_groups(r, plan)


def _unit_groups(r: Reading, plan: Plan) -> None:
    """ "cost per request by model", "which customer costs the most per request": the unit cost of each value."""
    dims = _ranking_dims(r)
    if r.mentions:  # a value named ("for the chat feature"): its own unit cost
        return
    if dims and {"by_word", "listing", "group_by_word", "which", "high", "low", "top_n"} & r.cues:
        plan.group_by = dims[:1]
        plan.top = r.top_n or (1 if {"which", "high", "low"} & r.cues or r.top_low_word else 10)
        plan.ascending = ("low" in r.cues or r.top_low_word) and "high" not in r.cues


def _share(r: Reading, plan: Plan) -> None:
    plan.intent = "share"
    plan.percent_first = True
    plan.group_by = r.dims[:1]


def _average(r: Reading, plan: Plan) -> None:
    plan.intent = "average"
    g = re.search(r"\b(day|daily|week|weekly|month|monthly)\b", r.rest)
    word = g.group(1) if g else "day"
    plan.grain = "day" if word.startswith("da") else "week" if word.startswith("week") else "month"  # type: ignore[assignment]


def _count(r: Reading, plan: Plan) -> None:
    plan.intent = "count"
    plan.group_by = r.dims[:1]


def _entity_top(r: Reading, plan: Plan) -> None:
    plan.intent = "top"
    plan.group_by = [r.entity_dim or ""]
    plan.top = None
    plan.ascending = ("low" in r.cues or "less_word" in r.cues) and "high" not in r.cues


def _ranking_dims(r: Reading) -> list[str]:
    return r.dims or ([r.context_dim] if r.context_dim else [])


def _ranking(r: Reading, plan: Plan) -> None:
    plan.intent = "top"
    plan.group_by = _ranking_dims(r)[:1]
    plan.top = r.top_n or 1
    plan.ascending = ("low" in r.cues or r.top_low_word) and "high" not in r.cues


def _breakdown(r: Reading, plan: Plan) -> None:
    plan.intent = "breakdown"
    plan.group_by = r.dims[:2]


def _entity_breakdown(r: Reading, plan: Plan) -> None:
    plan.intent = "breakdown"
    plan.group_by = [r.entity_dim or ""]


def _grain_breakdown(r: Reading, plan: Plan) -> None:
    plan.intent = "breakdown"
    plan.group_by = r.grains[:1]


def _total(r: Reading, plan: Plan) -> None:
    plan.intent = "total"


def _ranks(r: Reading) -> bool:
    return bool({"top_n", "high", "low", "which"} & r.cues)


def _one_day(r: Reading) -> bool:
    """One day or a few (at most a week), named as one period or as the two ends of a range."""
    if not r.periods or len(r.periods) > 2:
        return False
    start = min(p.period.start for p in r.periods)
    end = max(p.period.end for p in r.periods)
    return (end - start).days <= 7


def _unread_period(r: Reading, plan: Plan) -> None:
    plan.intent = "unknown"
    plan.unread_period = r.unread_period


RULES: list[Rule] = [
    Rule("a period it could not read", lambda r: r.unread_period is not None, _unread_period),
    Rule("declined concept", lambda r: bool(r.declined), _declined),
    # a factor said ("if the ptu were 10% cheaper") is the what-if asked, before weighing a commitment
    Rule(
        "what-if scaling the named rows by a stated factor",
        lambda r: "scale_whatif" in r.cues and not r.declined,
        _scale_whatif,
    ),
    Rule("pay-as-you-go what-if", lambda r: "payg_whatif" in r.cues, _payg_whatif),
    Rule(
        "what-if moving one model's tokens to another's prices",
        lambda r: "swap_whatif" in r.cues and r.swap is not None and not r.declined,
        _swap_whatif,
    ),
    Rule("run rate", lambda r: "run_rate" in r.cues and not r.declined, _set("run_rate")),
    Rule("coding assistants", lambda r: r.assistant is not None, _set("assistants")),
    Rule("month-end landing", lambda r: "landing" in r.cues, _landing),
    Rule("GPU inventory", lambda r: "device_count" in r.cues, _device_count),
    Rule("GPU utilisation", lambda r: "gpu_utilization" in r.cues, _set("gpu_utilization")),
    Rule(
        "analytics intent named", lambda r: r.delegate is not None, lambda r, p: _set(r.delegate or "")(r, p)
    ),
    Rule("commitment utilisation", lambda r: "commit_utilization" in r.cues, _utilization),
    Rule(
        "why a day or a few days cost what they did",
        lambda r: "what_went_wrong" in r.cues and _one_day(r),
        _day_drivers,
    ),
    Rule(
        "drivers of a change",
        lambda r: "why" in r.cues and ("change" in r.cues or len(r.periods) >= 1 or r.over is not None),
        _drivers,
    ),
    Rule(
        "change between periods",
        lambda r: (
            "change" in r.cues
            and (len(r.periods) >= 2 or r.over is not None or "change_word" in r.cues)
            and (len(r.periods) >= 2 or r.over is not None or not r.entity_dim)
        ),
        _compare_periods,
    ),
    Rule(
        # "did research or platform grow more in oct": which one's spend grew, not which spent more
        "named values' growth compared",
        lambda r: (
            r.entity_dim is not None
            and len(r.periods) < 2
            and bool({"which", "comparative", "high", "low"} & r.cues)
            and bool(_GROWTH.search(r.rest))
        ),
        _compare_periods,
    ),
    Rule("peak day, week or month", lambda r: "peak" in r.cues, _peak),
    Rule("unit cost with a unit", lambda r: r.unit is not None, _unit),
    Rule(
        "unit cost in words",
        lambda r: (
            "average" not in r.cues and "unit_words" in r.cues and r.measure == "cost" and not _per_value(r)
        ),
        _unit_words,
    ),
    Rule("share", lambda r: "share" in r.cues, _share),
    Rule("average", lambda r: "average" in r.cues, _average),
    Rule("count of values", lambda r: "count" in r.cues and bool(r.dims), _count),
    Rule(
        "two named values compared",
        lambda r: (
            r.entity_dim is not None and bool({"high", "low", "which", "change", "comparative"} & r.cues)
        ),
        _entity_top,
    ),
    Rule("ranking", lambda r: bool(_ranking_dims(r)) and _ranks(r), _ranking),
    Rule("breakdown", lambda r: bool(r.dims) and bool({"by_word", "listing"} & r.cues), _breakdown),
    Rule("breakdown over time", lambda r: bool(r.grains) and "grain_by" in r.cues, _grain_breakdown),
    # "the split between fine tuning and model training": each named value's figure, not their sum
    Rule(
        "named values split",
        lambda r: r.entity_dim is not None and not r.dims and "by_word" in r.cues and not r.grains,
        _entity_breakdown,
    ),
    Rule("change", lambda r: "change" in r.cues, _compare),
    Rule("figure", lambda r: True, _total),
]


def choose(r: Reading) -> Rule:
    """The first rule whose test holds (the last rule always does)."""
    return next(rule for rule in RULES if rule.when(r))


def intent_found(rule: Rule, r: Reading) -> bool:
    """Whether the question asked for something (not only the default figure with no measure or name)."""
    return rule.name != "figure" or r.found
