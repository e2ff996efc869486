"""The PR cost diff as a PR comment: the headline, a table per call site, notes, the after-deploy verdict and the
assumptions. The headline never says spend will not change while any change is unestimated: it names what is
unknown, with the per-request price change where there is one.
"""

from __future__ import annotations

from typing import Protocol

from spendscope.tools import money_text


class _Change(Protocol):
    path: str
    line: int
    function: str
    feature: str | None
    changes: list[str]
    monthly_cost_before: float | None
    monthly_cost_after: float | None
    monthly_change: float | None
    price_change: str | None
    traffic_source: str | None
    unknown_reason: str | None
    notes: list[str]


def money(x: float | None) -> str:
    """A change in USD: the diff prices call sites at list prices, which are in USD whatever the bill's currency
    (docs/currency.md)."""
    return "unknown" if x is None else money_text.usd(x, signed=True, digits=2)


def unknown_items(changes: list[_Change]) -> list[str]:
    """One line per change whose monthly effect is unknown: where, why, and its per-request price change."""
    out = []
    for c in changes:
        if c.monthly_change is not None:
            continue
        text = f"`{c.path}:{c.line}` ({', '.join(c.changes)}): {c.unknown_reason or 'not estimated'}"
        if c.price_change:
            text += f"; {c.price_change}"
        out.append(text)
    return out


def headline(changes: list[_Change], total: float, base: str, head: str, scanned: int) -> str:
    if not changes:
        return f"No LLM call site changed between `{base[:12]}` and `{head[:12]}` ({scanned} source files scanned)."
    known = [c for c in changes if c.monthly_change is not None]
    unknown = len(changes) - len(known)
    if not unknown:
        return f"**Estimated monthly cost change: {money(total)}**"
    if not known:
        return (
            f"**Monthly cost change unknown** for the {len(changes)} changed call site(s): "
            "see what is not known below"
        )
    return (
        f"**Estimated monthly cost change: {money(total)}** for {len(known)} of {len(changes)} changed call sites; "
        f"{unknown} not estimated (see below), so the total is incomplete"
    )


def to_markdown(
    changes: list[_Change],
    total: float,
    base: str,
    head: str,
    scanned: int,
    after_deploy: list[str],
    assumptions: list[str],
) -> str:
    lines = ["## spendscope: PR cost diff", "", headline(changes, total, base, head, scanned)]
    if changes:
        lines += [
            "",
            "| Call site | Feature | What changed | Per-request price | Monthly cost before | after | Change |",
            "|---|---|---|---|---:|---:|---:|",
        ]
        for c in changes:
            lines.append(
                f"| `{c.path}:{c.line}` {c.function}() | {c.feature or 'unknown'} | {', '.join(c.changes)} | "
                f"{c.price_change or '-'} | {money(c.monthly_cost_before).lstrip('+')} | "
                f"{money(c.monthly_cost_after).lstrip('+')} | {money(c.monthly_change)} |"
            )
        unknown = unknown_items(changes)
        if unknown:
            lines += ["", "Not estimated:", *[f"- {u}" for u in unknown]]
        sources = [f"- `{c.path}:{c.line}`: {c.traffic_source}" for c in changes if c.traffic_source]
        if sources:
            lines += ["", "Traffic sources:", *sources]
        details = [f"- `{c.path}:{c.line}`: {n}" for c in changes for n in c.notes]
        if details:
            lines += ["", "Notes:", *details]
    if after_deploy:
        lines += ["", "### After deploy", "", *after_deploy]
    lines += [
        "",
        "<details><summary>Assumptions</summary>",
        "",
        *[f"- {a}" for a in assumptions],
        "",
        "</details>",
    ]
    return "\n".join(lines) + "\n"
