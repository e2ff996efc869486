"""What-ifs that scale the named rows' cost by a stated factor: "what if we cut deepseek usage in half", "if opus
were 30% cheaper how much would we have saved", "what if gpt-4.1 traffic doubled", "suppose anthropic cost 20%
more". The rows' actual cost over the period (query_costs) times the factor is the change; the answer gives the
change and the whole bill with and without it. Only a factor said in the question is used: no price list is
guessed. Usage and price scale the cost alike (the bill's cost is usage times price)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from spendscope.agents.billy.models import BillyAnswer, Plan, Table
from spendscope.agents.billy.phrasing import money, period_phrase, scope_phrase
from spendscope.agents.billy.runner import assumed, query

if TYPE_CHECKING:
    from spendscope.agents.billy.resolve import ValueIndex
    from spendscope.agents.billy.runner import Runner

# a hypothetical: "what if", "if ... were", "would", "suppose", "imagine"
HYPOTHETICAL = re.compile(r"\bif\b|\bwould\b|\bsuppos\w*\b|\bimagine\b|\bassum\w*\b")
_PCT = r"(\d+(?:\.\d+)?)\s*(?:%|percent|pct)"
_DOWN = r"cheaper|less|lower|off|smaller|fewer|down|discount\w*"
_UP = r"more|higher|dearer|pricier|bigger|up|more expensive"
_CUT = r"cut|cuts|cutting|reduc\w+|drop\w*|lower\w*|trim\w*|slash\w*|shrink\w*|decreas\w+"
_GROW = r"increas\w+|grow\w*|grew|rais\w+|bump\w*|ris\w+|rose"
# a verb that changes what a name used or paid ("if narrative cut usage in half", "if groq raised prices")
CHANGE_VERB = re.compile(rf"{_CUT}|{_GROW}|halv\w+|doubl\w+|tripl\w+|quadrupl\w+")


def scale_of(low: str) -> tuple[float, str] | None:
    """The factor by which a hypothetical question scales cost (-0.3 for "30% cheaper", 1.0 for "doubled") and the
    words that said it; None when the question states no factor or is no hypothetical."""
    if not HYPOTHETICAL.search(low):
        return None
    if m := re.search(rf"\b{_PCT}\s*(?:{_DOWN})\b", low):
        return -float(m.group(1)) / 100, m.group(0)
    if m := re.search(rf"\b{_PCT}\s*(?:{_UP})\b", low):
        return float(m.group(1)) / 100, m.group(0)
    # "cut gpt-4o by 40%", and with no "by": "if groq raised prices 25%", "cut usage 40%"
    if m := re.search(rf"\b(?:{_CUT})\b[^?.%]{{0,40}}?\b(?:by )?{_PCT}", low):
        return -float(m.group(1)) / 100, m.group(0)
    if m := re.search(rf"\b(?:{_GROW})\b[^?.%]{{0,40}}?\b(?:by )?{_PCT}", low):
        return float(m.group(1)) / 100, m.group(0)
    if said := _moved_by(low):
        return said
    if m := re.search(
        r"\bin half\b|\bby half\b|\bhalv(e|ed|ing)\b|\bhalf as much\b|" + _PRICE_AS % "half", low
    ):
        return -0.5, m.group(0)
    if m := re.search(r"\bdoubl(e|ed|es|ing)\b|\btwice as much\b|" + _PRICE_AS % "(?:twice|double)", low):
        return 1.0, m.group(0)
    if m := re.search(r"\btripl(e|ed|es|ing)\b", low):
        return 2.0, m.group(0)
    return None


# "half the price", "twice the cost", "double the price": a multiple of what the rows cost
_PRICE_AS = r"\b%s (?:the )?(?:price|cost|rate)s?\b"


def _moved_by(low: str) -> tuple[float, str] | None:
    """A direction before the percentage ("put prices up 20%", "costs went down by 15%", "rates higher by 10%"):
    the factor and its words."""
    if m := re.search(rf"\b(up|higher|down|lower)\s+(?:by\s+)?{_PCT}", low):
        sign = 1 if m.group(1) in ("up", "higher") else -1
        return sign * float(m.group(2)) / 100, m.group(0)
    return None


CHANGE_ASKED = re.compile(
    r"\bsav(e|ed|es|ing|ings)\b|\bhow much (less|more|cheaper)\b|\bdifference\b|\bextra\b"
)


# spend still to come: a what-if on it needs a forecast, not the bill's actuals
_AHEAD = re.compile(
    r"\bnext (week|month|quarter|year)\b|\b(will|gonna|going to)\b|\bcoming (week|month|quarter)\b"
)


def answer(run: Runner, plan: Plan, index: ValueIndex) -> BillyAnswer:
    # the factor of the question that set it (a follow-up, "and in sep", keeps the thread's)
    factor, said = (plan.scale, plan.scale_said) if plan.scale is not None else (0.0, "")
    if _AHEAD.search(plan.question.lower()):
        return BillyAnswer(
            answer="I can't scale spend that has not happened yet: the bill holds actuals only. Ask for the "
            'forecast of that period, or for the what-if over a past one ("if X doubled last month").',
            value=None,
        )
    measure_plan = plan.model_copy(update={"measure": "cost", "token_types": []})
    part = query(run, measure_plan).total
    whole = query(run, measure_plan, filters=[]).total if plan.filters else part
    delta = part * factor
    after = whole + delta
    when = period_phrase(plan.period)
    scope = scope_phrase(plan.filters) or "all spend"
    verb = "saved" if delta < 0 else "added"
    change = f"{money(abs(delta))} {verb} ({scope} {money(part)} {when}, scaled by {factor:+.0%})"
    totals = f"total spend {money(after)} instead of {money(whole)}"
    if plan.saved_asked:
        text, value = f"{change[0].upper()}{change[1:]}; {totals}.", round(abs(delta), 2)
    else:
        text, value = (
            f"Total spend would have been {money(after)} instead of {money(whole)} {when}: {change}.",
            (round(after, 2)),
        )
    note = f"'{said}' = cost scaled by {factor:+.0%} (usage or price: the bill's cost is usage times price)"
    return BillyAnswer(
        answer=text + assumed(plan, [note]),
        value=value,
        table=Table(
            columns=["scope", "actual", "change", "total_actual", "total_after"],
            rows=[[scope, round(part, 2), round(delta, 2), round(whole, 2), round(after, 2)]],
        ),
    )
