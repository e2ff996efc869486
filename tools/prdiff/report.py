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
    currency: str | None
    unknown_reason: str | None
    notes: list[str]


def money(x: float | None, currency: str | None = "USD") -> str:
    """A monthly amount in its own currency: USD where telemetry prices the traffic (catalog list prices), the
    bill's currency where the bill's rows do (docs/currency.md)."""
    return "unknown" if x is None else money_text.in_code(x, currency or "USD", signed=True, digits=2)


def totals_by_currency(changes: list[_Change]) -> dict[str, float]:
    """The estimable monthly changes summed per currency: amounts in different currencies are never added."""
    out: dict[str, float] = {}
    for c in changes:
        if c.monthly_change is not None:
            code = c.currency or "USD"
            out[code] = round(out.get(code, 0.0) + c.monthly_change, 2)
    return out


def currency_of(by_currency: dict[str, float], *, changed: bool) -> str | None:
    """The currency of the one total: its code, None when the changes are in several currencies (no total) or
    none could be estimated; USD for the 0 of a diff that changed no call site."""
    if len(by_currency) == 1:
        return next(iter(by_currency))
    return None if by_currency or changed else "USD"


def _sum_text(by_currency: dict[str, float]) -> str:
    if len(by_currency) == 1:
        code, total = next(iter(by_currency.items()))
        return money(total, code)
    parts = " and ".join(money(v, code) for code, v in sorted(by_currency.items()))
    return f"{parts} (not added: the traffic is priced in different currencies)"


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


def headline(
    changes: list[_Change], by_currency: dict[str, float], base: str, head: str, scanned: int
) -> str:
    if not changes:
        return f"No LLM call site changed between `{base[:12]}` and `{head[:12]}` ({scanned} source files scanned)."
    known = [c for c in changes if c.monthly_change is not None]
    unknown = len(changes) - len(known)
    if not unknown:
        return f"**Estimated monthly cost change: {_sum_text(by_currency)}**"
    if not known:
        return (
            f"**Monthly cost change unknown** for the {len(changes)} changed call site(s): "
            "see what is not known below"
        )
    return (
        f"**Estimated monthly cost change: {_sum_text(by_currency)}** for {len(known)} of {len(changes)} changed "
        "call sites; "
        f"{unknown} not estimated (see below), so the total is incomplete"
    )


def to_markdown(
    changes: list[_Change],
    by_currency: dict[str, float],
    base: str,
    head: str,
    scanned: int,
    after_deploy: list[str],
    assumptions: list[str],
) -> str:
    lines = ["## spendscope: PR cost diff", "", headline(changes, by_currency, base, head, scanned)]
    if changes:
        lines += [
            "",
            "| Call site | Feature | What changed | Per-request price | Monthly cost before | after | Change |",
            "|---|---|---|---|---:|---:|---:|",
        ]
        for c in changes:
            lines.append(
                f"| `{c.path}:{c.line}` {c.function}() | {c.feature or 'unknown'} | {', '.join(c.changes)} | "
                f"{c.price_change or '-'} | {money(c.monthly_cost_before, c.currency).lstrip('+')} | "
                f"{money(c.monthly_cost_after, c.currency).lstrip('+')} | {money(c.monthly_change, c.currency)} |"
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
