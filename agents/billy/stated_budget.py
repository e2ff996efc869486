"""A budget stated in the question ("we have a 3m try budget for feb, will we go over?", "our budget for jan is 1.2m
kes, are we on track"): the month's landing against that amount. No budget need be stored: the amount said is the
budget, and the answer says so. Before this, the amount was read as an unknown name, or the stored budgets were
looked up ("no budgets are set yet")."""

from __future__ import annotations

import re

_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "mm": 1e6, "million": 1e6, "b": 1e9, "bn": 1e9}
_NOT_CODES = {"for", "and", "the", "per", "are", "was", "but", "not", "our", "its", "this", "all"}
_AMOUNT = (
    r"(?:[$€£¥₹₩₺₫฿]\s?|\b[a-z]{3}\s?)?(?<![a-z0-9.])(?P<num>\d[\d,]*(?:\.\d+)?)\s?(?P<scale>k|m|mn|mm|million|thousand|bn|b)?\b"
    r"(?:\s?(?P<code>[a-z]{3})\b)?"
)
_STATED = (
    re.compile(
        rf"\bbudget(?:\s+(?:for|in|of)\s+[a-z]+(?:\s+\d{{4}})?)?\s+(?:is|of|=|:|at|was|will be)\s+{_AMOUNT}"
    ),
    # a currency's name between ("a 55k ringgit budget", "2m pesos budget"), not only its code
    re.compile(rf"{_AMOUNT}(?:\s+[a-z]{{2,12}}){{0,2}}\s+(?:monthly\s+)?budget\b"),
    # the verb: "we budgeted 12m naira for dec", "budgeting 40k for march"
    re.compile(rf"\bbudget(?:ed|ing)\s+(?:(?:only|just|about|around|roughly)\s+)?{_AMOUNT}"),
)
# the words asking whether the month keeps to it ("on track", "go over", "stay under")
_KEEPS = re.compile(r"\bon (track|pace|course)\b|\bgo(ing|nna)? over\b|\bstay (under|within)\b|\bexceed\w*\b")


def stated_budget(low: str) -> tuple[float, list[tuple[int, int]]] | None:
    """The budget amount said in `low` and the character spans that said it (and asked about keeping to it)."""
    m = next((found for p in _STATED if (found := p.search(low))), None)
    if m is None:
        return None
    num, scale = m.group("num"), m.group("scale")
    if not scale and re.fullmatch(r"(19|20)\d\d", num):
        return None  # "the 2026 budget": a year, not an amount
    amount = float(num.replace(",", "")) * _SCALE.get((scale or "").lower(), 1.0)
    if amount <= 0:
        return None
    spans = [(m.start(), m.end())] + [(k.start(), k.end()) for k in _KEEPS.finditer(low)]
    return amount, spans
