"""The words of a triage alert: title, lines for drivers, budgets, commits, usage and related anomalies, and the
summary (Claude's when a key is set, a template otherwise). Every figure comes from tools.triage.context's
TriageFacts; a Claude summary that cites a dollar amount or a percentage the facts do not hold is replaced by
the template.
"""

from __future__ import annotations

import json
import re
from typing import Any

from spendscope.tools import money_text
from spendscope.tools.governance.anomaly_detection import NONE_VALUE, Anomaly
from spendscope.tools.triage.context import TriageFacts

SYSTEM = (
    "You write the summary of a cost anomaly alert for the team that owns the spend. Two to four sentences, plain "
    "text, no headings or lists: what happened and how much, the likely cause (drivers, commits), the budget "
    "impact if any, and who should look. Use only figures that appear in the JSON you are given, written the way "
    "they appear there; never compute, round differently or invent a number."
)
TOLERANCE = 0.01  # a cited figure may differ from a fact by 1% (rounding), or by half a unit
_FIGURE = (
    r"(?P<sign>[-+−]?)(?P<money>[$€£¥₹₩]|\b(?:{codes}) )?\s?(?P<num>\d[\d,]*(?:\.\d+)?)\s?"
    r"(?P<unit>[kKmM](?![a-zA-Z]))?\s?(?P<pct>%)?"
)  # {codes}: USD and the billing currency's code ("CHF 12.00", "USD 0.0042")
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def money(x: float, signed: bool = False, cents: bool = True, *, estimate: bool = False) -> str:
    """An amount in the billing currency (tools.money_text); `estimate`: a telemetry cost estimate, made from list
    prices in USD."""
    digits = 2 if cents else 0
    text = (
        money_text.usd(abs(x), digits=digits, code=True)
        if estimate
        else money_text.money(abs(x), digits=digits)
    )
    return ("+" if x >= 0 else "-") + text if signed else text


def pct(x: float | None) -> str:
    return f"{x:+.0f}%" if x is not None else "new"


def when(a: Anomaly) -> str:
    return str(a.start_day) if a.start_day == a.end_day else f"{a.start_day} to {a.end_day}"


def title(a: Anomaly) -> str:
    kind = "Spike" if a.direction == "spike" else "Drop"
    rel = f" ({pct(a.relative_pct)})" if a.relative_pct is not None else ""
    return f"{kind} in {a.dimension}={a.value}: {money(a.impact, signed=True, cents=False)}{rel} on {when(a)}"


def driver_lines(f: TriageFacts) -> list[str]:
    items = sorted(f.drivers, key=lambda it: it.value == NONE_VALUE)
    out = []
    for it in items:
        share = f"{it.share_pct:.0f}% of the change" if it.share_pct is not None else "part of the change"
        usual = f"; usually {it.usual_share_pct:.0f}% of the spend" if it.usual_share_pct is not None else ""
        out.append(f"{it.dimension} {it.value}: {money(it.impact, signed=True)} ({share}{usual})")
    return out


def budget_lines(f: TriageFacts) -> list[str]:
    return [
        f"{b.name} ({b.scope}): {b.used_pct:.0f}% of {money(b.amount)} used in {b.period_label}, forecast "
        f"{b.projected_pct:.0f}% ({b.status.replace('_', ' ')}); {money(b.spend_in_window)} of it on the "
        "anomaly days"
        for b in f.budgets
    ]


def commit_lines(f: TriageFacts) -> list[str]:
    out = []
    for c in f.commits:
        where = ", ".join(c.code_paths or c.features) or "this scope"
        line = f"commit {c.commit[:10]} first seen {c.first_seen:%Y-%m-%d %H:%M} UTC ({where})"
        if c.cost_per_request_before is not None and c.cost_per_request_after is not None:
            line += (
                f": estimated cost per request {money_text.usd(c.cost_per_request_before, digits=4, code=True)} -> "
                f"{money_text.usd(c.cost_per_request_after, digits=4, code=True)} ({pct(c.change_pct)})"
            )
        rb, ra = c.requests_per_day_before, c.requests_per_day_after
        if rb and ra and abs(ra - rb) / rb >= 0.5:
            line += f", requests a day {rb:,.0f} -> {ra:,.0f}"
        out.append(line)
    return out


def usage_lines(f: TriageFacts) -> list[str]:
    if f.usage is None:
        return []
    out = []
    for ranking in f.usage.rankings:
        for v in ranking.values:
            share = f", {v.share_pct:.0f}% of it" if v.share_pct is not None else ""
            out.append(
                f"{ranking.field} {v.value}: {money(v.cost, estimate=True)} estimated{share}, "
                f"{money(v.change, signed=True, estimate=True)} ({pct(v.change_pct)}) vs the same weekdays before"
            )
    return out


def related_lines(f: TriageFacts) -> list[str]:
    return [
        f"{m.dimension} {m.value}: {money(m.impact, signed=True)}"
        + (f" ({pct(m.relative_pct)})" if m.relative_pct is not None else "")
        + f" on {when(m)}"
        for m in sorted(f.members, key=lambda m: -abs(m.impact))
    ]


def template_summary(f: TriageFacts, destination: str) -> str:
    a = f.anomaly
    word = "above" if a.direction == "spike" else "below"
    rel = f" ({pct(a.relative_pct)})" if a.relative_pct is not None else ""
    text = (
        f"{a.dimension.capitalize()} {a.value} cost {money(a.actual)} on {when(a)}, {money(a.impact)} {word} the "
        f"expected {money(a.expected)}{rel}; {f.trend.description}."
    )
    causes = []
    telling = [c for c in f.commits if c.change_pct is not None and abs(c.change_pct) >= 20]
    if telling:
        c = max(telling, key=lambda c: abs(c.change_pct or 0))
        causes.append(
            f"commit {c.commit[:10]} first appeared in its telemetry at {c.first_seen:%Y-%m-%d %H:%M} UTC "
            f"(cost per request {pct(c.change_pct)})"
        )
    named = [it for it in f.drivers if it.value != NONE_VALUE][:2]
    if named:
        causes.append(
            "the change sits in "
            + " and ".join(
                f"{it.dimension} {it.value}"
                + (f" ({it.share_pct:.0f}% of it)" if it.share_pct is not None else "")
                for it in named
            )
        )
    if causes:
        text += " Likely cause: " + "; ".join(causes) + "."
    if f.budgets:
        b = f.budgets[0]
        text += (
            f" It counts against budget {b.name}: {b.used_pct:.0f}% used, forecast {b.projected_pct:.0f}% of "
            f"{money(b.amount)} for {b.period_label}."
        )
    if f.owner.owner is not None:
        text += f" Routed to {destination} ({f.owner.reason})."
    else:
        text += f" Nobody owns this spend yet: {f.owner.reason.removeprefix('unowned: ')}."
    return text


def llm_facts(f: TriageFacts, lines: dict[str, list[str]], destination: str) -> dict[str, Any]:
    """What Claude sees: the anomaly's figures and the prepared lines (no raw rows, no prompts)."""
    a = f.anomaly
    return {
        "anomaly": {
            "series": f"{a.dimension} {a.value}",
            "direction": a.direction,
            "days": when(a),
            "actual": money(a.actual),
            "expected": money(a.expected),
            "impact": money(a.impact, signed=True),
            "relative": pct(a.relative_pct) if a.relative_pct is not None else None,
        },
        "severity": f.severity,
        "severity_reason": f.severity_reason,
        "trend": f.trend.description,
        "owner": {"destination": destination, "reason": f.owner.reason},
        **lines,
    }


def _value(m: re.Match[str]) -> float:
    x = float(m.group("num").replace(",", ""))
    unit = (m.group("unit") or "").lower()
    return x * (1_000 if unit == "k" else 1_000_000 if unit == "m" else 1)


def unsupported_figures(summary: str, facts_text: str) -> list[str]:
    """Amounts and percentages in `summary` that no number in `facts_text` supports (within rounding)."""
    known = [float(n.replace(",", "")) for n in _NUMBER.findall(facts_text)]
    bad = []
    codes = "|".join(re.escape(c) for c in sorted({"USD", money_text.currency_code()}) if c)
    for m in re.finditer(_FIGURE.replace("{codes}", codes), summary):
        if not (m.group("money") or m.group("pct")):
            continue
        x = _value(m)
        if not any(abs(x - k) <= max(TOLERANCE * k, 0.5) for k in known):
            bad.append(m.group(0).strip())
    return bad


def claude_summary(client: Any, model: str, facts: dict[str, Any]) -> tuple[str | None, str | None]:
    """(summary, None) from Claude, or (None, why not) when the call failed or the text cites an unknown figure."""
    from spendscope.agents.llm import complete_text

    prompt = json.dumps(facts, ensure_ascii=False)
    try:
        text = complete_text(client, model, SYSTEM, prompt, max_tokens=400)
    except Exception as exc:  # noqa: BLE001 - the alert must still go out when Claude is unreachable
        return None, f"Claude was not reachable ({type(exc).__name__}); the template summary was used"
    if not text:
        return None, "Claude returned no text; the template summary was used"
    bad = unsupported_figures(text, prompt)
    if bad:
        return (
            None,
            f"Claude's summary cited {', '.join(bad[:3])}, which the facts do not hold; the template was used",
        )
    return text, None
