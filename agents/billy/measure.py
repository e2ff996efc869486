"""The measure a question asks for: cost (effective), billed, list or contracted cost, tokens by kind,
requests or GPU hours."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from spendscope.agents.billy.phrasing import token_words
from spendscope.agents.billy.vocab import (
    RE,
)
from spendscope.tools.costs.breakdown import Filter

if TYPE_CHECKING:
    from spendscope.agents.billy.reading import Reading


def _token_kinds(low: str) -> list[str]:
    """The token kinds a question names ("cached input tokens" is one kind, cache reads, not input + cached)."""
    kinds: list[str] = []
    no_cache = re.sub(
        r"\bcach(e|ed|es)\b[\s-]*(reads?|hits?|writes?|creation|created|written)?[\s-]*(input|prompt)?",
        " ",
        low,
    )
    if RE["input"].search(no_cache):
        kinds.append("input")
        if RE["cache_incl"].search(low) and not RE["cache_excl"].search(low):
            kinds += ["cached_input", "cache_write"]
    if RE["output"].search(low):
        kinds.append("output")
    if RE["cached"].search(low) and "cached_input" not in kinds:
        kinds.append("cached_input")
    if RE["cache_write"].search(low) and "cache_write" not in kinds:
        kinds.append("cache_write")
    if RE["reasoning"].search(low):
        kinds.append("reasoning")
    return kinds


_REQUESTS = re.compile(r"\b(requests?|api calls?|invocations?|inferences?)\b(?! (?:cost|spend|bill)s?\b)")


def read_measure(low: str, rest: str, plan: Reading) -> None:
    if RE["gpu_hours"].search(low) and not re.search(r"\bper gpu[- ]?hours?\b", low):
        plan.measure = "gpu_hours"
        return
    unit = RE["unit"].search(low)
    cache_words = RE["cached"].search(low) or RE["cache_write"].search(low)
    if (RE["tokens"].search(low) or cache_words) and not (unit and unit.group("unit").startswith("token")):
        kinds = _token_kinds(low)
        if RE["money"].search(low) and not RE["how_many"].search(low):
            # "what did we spend on cached input tokens": dollars of those token rows, not a token count
            plan.filters.append(
                Filter(dimension="token_type", op="in" if kinds else "not_in", values=kinds or ["(none)"])
            )
            plan.assumptions.append(
                f"spend on {token_words(kinds)} = cost of the bill's {token_words(kinds)} rows"
            )
        else:
            plan.measure = "tokens"
            plan.token_types = kinds
            return
    elif (
        re.search(
            r"\b(how many|number of|count of|total)\b[^?]{0,30}\b(requests?|calls?|invocations?|inferences?)\b",
            low,
        )
        # "requests for X last month", "request count mtd", "api calls in oct": the requests are what is asked
        # when nothing in the question asks for money
        or (_REQUESTS.search(low) and not RE["money"].search(low))
    ) and not (unit and not unit.group("unit").startswith("token")):
        plan.measure = "requests"
        return
    if RE["list"].search(low):
        plan.measure = "list_cost"
    elif RE["contracted"].search(low):
        plan.measure = "contracted_cost"
    elif re.search(r"\bbilling account", low) is None and RE["billed"].search(low):
        plan.measure = "billed_cost"
