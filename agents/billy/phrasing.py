"""How Billy writes figures and names: money, counts, percentages, periods and filter descriptions.
Rendering only; every figure it writes comes from a tool result."""

from __future__ import annotations

import datetime as dt

from spendscope.agents.billy.models import PeriodRef
from spendscope.tools import money_text
from spendscope.tools.costs.breakdown import Filter
from spendscope.tools.money_text import (  # re-exported: Billy's modules import them from here
    billing_currency as billing_currency,
)
from spendscope.tools.money_text import currency_code as currency_code
from spendscope.tools.money_text import currency_sign as currency_sign

OWNER_DIMS = {
    "team",
    "owner",
    "department",
    "cost_center",
    "costcenter",
    "customer",
    "sub_account",
    "project",
    "squad",
    "tenant",
    "client",
    "app",
    "application",
    "product",
}
MEASURE_NOUNS = {
    "cost": "spend",
    "effective_cost": "spend",
    "billed_cost": "billed cost",
    "list_cost": "list-price cost",
    "contracted_cost": "contracted cost",
    "tokens": "tokens",
    "requests": "requests",
    "gpu_hours": "GPU hours",
    "usage_quantity": "usage",
}
TOKEN_TYPE_WORDS = {
    "input": "input",
    "output": "output",
    "cached_input": "cached input",
    "cache_write": "cache-write",
    "reasoning": "reasoning",
}


def money(v: float | None, digits: int | None = None) -> str:
    """An amount in the billing currency (tools.money_text): 2 decimals, 4 below one unit, or `digits`."""
    return money_text.money(v, digits=digits)


def unit_money(v: float) -> str:
    """A cost per unit (per request, per 1k requests): cents where a cent currency shows them, and in a currency
    with no minor unit (yen, won) two decimals below 100, so ₩1.53 a request is not written ₩2."""
    if abs(v) < 0.01:
        return money(v, 6)
    if abs(v) < 100 and money_text.currency_code() in money_text.NO_MINOR_UNIT:
        return money(v, 4)
    return money(v)


def count(v: float | None) -> str:
    if v is None:
        return "n/a"
    if float(v).is_integer():
        return f"{int(v):,}"
    return f"{v:,.2f}"


def pct(v: float | None, signed: bool = False) -> str:
    if v is None:
        return "n/a"
    return f"{v:+.2f}%" if signed else f"{v:.2f}%"


def is_money(measure: str) -> bool:
    return measure in ("cost", "effective_cost", "billed_cost", "list_cost", "contracted_cost")


def figure(v: float | None, measure: str) -> str:
    if is_money(measure):
        return money(v)
    if measure == "gpu_hours" and v is not None:
        return f"{v:,.1f}"
    return count(v)


def round_value(v: float | None, measure: str) -> float | int | None:
    if v is None:
        return None
    if is_money(measure):
        return round(v, 4) if abs(v) < 1 else round(v, 2)
    if float(v).is_integer():
        return int(v)
    return round(v, 4)


def period_phrase(p: PeriodRef | None) -> str:
    if p is None:
        return "over all data"
    label = p.label
    if "(all data)" in label:
        return f"over all data ({p.start} to {p.last})"
    if p.end - p.start == dt.timedelta(days=1):
        return f"on {label}"
    if label.startswith("the "):
        return f"in {label}"
    if " to " in label and label[:4].isdigit():
        return f"from {p.start} to {p.last}"
    return f"in {label}"


def value_list(values: list[str], conj: str = "or") -> str:
    if len(values) <= 1:
        return values[0] if values else ""
    shown = values[:5]
    more = f" and {len(values) - 5} more" if len(values) > 5 else ""
    return ", ".join(shown[:-1]) + f" {conj} {shown[-1]}{more}" if not more else ", ".join(shown) + more


def describe_filter(f: Filter) -> str:
    dim = f.dimension
    low = dim.lower()
    real = [v for v in f.values if v.lower() not in ("(none)", "none", "null", "unallocated")]
    if dim == "gpu_count":
        return "GPU instances"
    if dim in ("weekday", "day_type"):  # "on Saturdays", "at weekends" (agents/billy/weekdays.py)
        from spendscope.agents.billy.weekdays import calendar_phrase

        said = calendar_phrase(f)
        if said is not None:
            return said
    if dim == "token_type":
        kinds = [v for v in f.values if v != "(none)"]
        return token_words(kinds) if f.op in ("eq", "in") else "tokens"
    if dim == "commitment_status":
        return f"{'/'.join(v.lower() for v in f.values)} commitment"
    if not real and f.op in ("not", "not_in"):  # "not (none)": the rows that carry the dimension at all
        return (
            f"rows with an {dim.replace('_', ' ')}"
            if dim[:1] in "aeiou"
            else f"rows with a {dim.replace('_', ' ')}"
        )
    if not real:
        return f"no {dim.replace('_', ' ')} tag"
    names = value_list(real)
    if f.op in ("not", "not_in"):  # "spend on everything but the data-science and support teams"
        kept = describe_filter(f.model_copy(update={"op": "in", "values": real}))
        return "everything but " + kept.replace(names, value_list(real, "and"), 1)
    if low in ("provider", "service", "model", "invoice_issuer", "publisher"):
        return names
    if low in ("team", "squad", "department"):
        return f"the {names} team" if len(real) == 1 else f"the {names} teams"
    if low in ("feature", "env", "environment", "product", "app", "application", "workload"):
        word = {"env": "environment"}.get(low, low)
        return f"the {names} {word}" if len(real) == 1 else f"the {names} {word}s"
    if low == "sub_account":
        return f"sub-account {names}"
    return f"{dim.replace('_', ' ')} {names}"


def scope_phrase(filters: list[Filter]) -> str:
    parts = [describe_filter(f) for f in filters]
    parts = [p for p in parts if p]
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def token_words(types: list[str]) -> str:
    if not types:
        return "tokens"
    if set(types) == {"input", "cached_input", "cache_write"}:
        return "input tokens (cache reads and writes included)"
    return "/".join(TOKEN_TYPE_WORDS.get(t, t) for t in types) + " tokens"


def subject(
    filters: list[Filter], measure: str, token_types: list[str] | None = None, cap: bool = True
) -> str:
    """'Total spend', 'Spend on Anthropic', 'Output tokens of claude-haiku-4-5'."""
    scope = scope_phrase(filters)
    noun = token_words(token_types or []) if measure == "tokens" else MEASURE_NOUNS.get(measure, measure)
    if not scope:
        text = f"total {noun}"
    elif measure in ("cost", "effective_cost"):
        text = f"spend on {scope}"
    else:
        text = f"{noun} for {scope}"
    return text[0].upper() + text[1:] if cap else text


def date_text(d: dt.date) -> str:
    return f"{d.strftime('%B')} {d.day}, {d.year} ({d.isoformat()})"
