"""Block Kit for the scheduled reports: a team's weekly spend, a team's monthly showback, the finance summary and
a budget alert. Pure functions from tools' result models to (fallback text, blocks); a team's message is built
from that team's numbers only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from spendscope.slack_app.blocks import Blocks, context, escape, header, money, percent, section, table_text
from spendscope.tools.allocation.showback import ShowbackResult, ShowbackRow
from spendscope.tools.costs.answers import CompareResult
from spendscope.tools.governance.budgets import NewBudgetAlert

MEASURE_NOTE = {
    "cost": "effective cost (amortised, after discounts)",
    "billed_cost": "billed cost",
    "list_cost": "list cost",
    "contracted_cost": "contracted cost",
}


def _change(current: float, base: float, pct: float | None, what: str) -> str:
    if base == 0 and current == 0:
        return f"no spend in {what} either"
    if pct is None:
        return f"up from nothing in {what}"
    return f"*{percent(pct)}* ({money(current - base, signed=True)}) from {what}"


def weekly_blocks(by: str, value: str, result: CompareResult) -> tuple[str, Blocks]:
    """One team's week: the total, the change from the week before, and what moved most."""
    week = f"{result.current_start} to {result.current_end - dt.timedelta(days=1)}"
    text = (
        f"{by} {value}: {money(result.current_total)} of AI and cloud spend in the week {week}, "
        f"{percent(result.change_pct)} from the week before."
    )
    blocks: Blocks = [
        header(f"Weekly spend: {by} {value}"),
        section(
            f"*{money(result.current_total)}* in the week {week}, "
            + _change(result.current_total, result.base_total, result.change_pct, "the week before")
            + "."
        ),
    ]
    movers = [r for r in result.rows if r.change or r.current][:5]
    if movers:
        dims = result.group_by
        rows = [
            [" / ".join(str(r.group.get(d) or "(none)") for d in dims), r.current, r.base, r.change]
            for r in movers
        ]
        blocks.append(
            section(
                "*What moved most*\n"
                + table_text([" / ".join(dims), "cost", "week_before_cost", "change_cost"], rows)
            )
        )
    blocks.append(
        context(
            f"Only {escape(by)} {escape(value)}'s costs · {MEASURE_NOTE.get(result.measure, result.measure)}"
            f" · weeks start on Monday (UTC)"
        )
    )
    return text, blocks


def monthly_blocks(result: ShowbackResult, row: ShowbackRow) -> tuple[str, Blocks]:
    """One team's month: direct and shared cost, the change from the month before, the top drivers."""
    total, prev = float(row.total), float(row.previous_total)
    text = f"{result.by} {row.value}: {money(total)} in {result.label}, {percent(row.change_pct)} from the month before."
    blocks: Blocks = [
        header(f"Monthly showback: {result.by} {row.value}, {result.label}"),
        section(
            f"*{money(total)}* in {result.label} (direct {money(float(row.direct))}, shared "
            f"{money(float(row.shared))}), " + _change(total, prev, row.change_pct, "the month before") + "."
        ),
    ]
    if row.drivers:
        rows = [[d.label, d.kind, float(d.cost), float(d.previous)] for d in row.drivers]
        blocks.append(
            section("*Top drivers*\n" + table_text(["driver", "kind", "cost", "previous_cost"], rows))
        )
    note = MEASURE_NOTE.get(result.measure, result.measure)
    shared = " · shared = this team's part of shared costs" if float(row.shared) else ""
    blocks.append(context(f"Only {escape(result.by)} {escape(row.value)}'s costs · {note}{shared}"))
    return text, blocks


def finance_blocks(result: ShowbackResult, budgets: list[Any] | None = None) -> tuple[str, Blocks]:
    """The month for finance: every value's total, the change, direct vs shared, conservation, budgets."""
    total, prev = float(result.total), float(result.previous_total)
    pct = (total - prev) / abs(prev) * 100 if prev else None
    text = f"AI and cloud spend in {result.label}: {money(total)}, {percent(pct)} from the month before."
    rows = [
        [r.value, float(r.total), float(r.previous_total), r.change_pct, r.owner.contact if r.owner else ""]
        for r in result.rows
    ]
    blocks: Blocks = [
        header(f"Monthly spend by {result.by}: {result.label}"),
        section(
            f"*{money(total)}* in {result.label} (direct {money(float(result.direct))}, shared "
            f"{money(float(result.shared))}), " + _change(total, prev, pct, "the month before") + "."
        ),
        section(table_text([result.by, "cost", "previous_cost", "change_pct", "owner"], rows, max_rows=20)),
    ]
    if budgets:
        over = [s for s in budgets if s.status == "over"]
        risk = [s for s in budgets if s.status == "forecast_over"]
        lines = [
            f"• {escape(s.budget.name)}: {money(s.spent)} of {money(s.budget.amount)} ({s.used_pct:.0f}%), "
            f"{s.status.replace('_', ' ')}"
            for s in (over + risk)[:8]
        ]
        blocks.append(
            section(
                f"*Budgets*: {len(budgets)} tracked, {len(over)} over, {len(risk)} forecast over"
                + ("\n" + "\n".join(lines) if lines else "")
            )
        )
    checks = (
        "direct + shared equals the bill every day"
        if result.conserved
        else (":warning: direct + shared does not equal the bill on some days; check the shared-cost pools")
    )
    pools = f" · shared-cost pools: {', '.join(result.pools)}" if result.pools else ""
    blocks.append(context(f"{MEASURE_NOTE.get(result.measure, result.measure)} · {checks}{pools}"))
    return text, blocks


def budget_blocks(alerts: list[NewBudgetAlert]) -> tuple[str, Blocks]:
    """The alerts one budget raised in one run (thresholds passed, forecast over), the latest figures first."""
    first = alerts[0]
    worst = max(alerts, key=lambda a: (a.kind == "actual", a.threshold_pct))

    def said(a: NewBudgetAlert) -> str:  # the messages start with the budget's name, which the header says
        return a.message.removeprefix(f"{a.name}: ")

    text = f"Budget {first.name}: {said(worst)}"
    lines = "\n".join(
        f"• {escape(said(a))}" for a in sorted(alerts, key=lambda a: (a.kind, -a.threshold_pct))
    )
    return text, [
        header(f"Budget alert: {first.name}"),
        section(f":money_with_wings: {lines}"),
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": f"*Spent*\n{money(first.spent)}"},
                {"type": "mrkdwn", "text": f"*Budget*\n{money(first.amount)}"},
                {"type": "mrkdwn", "text": f"*Projected*\n{money(first.projected)}"},
                {"type": "mrkdwn", "text": f"*Period*\n{escape(first.period_label)}"},
            ],
        },
        context(
            f"`{first.budget_id}` · {escape(first.scope)} · "
            + ", ".join(
                f"{'forecast' if a.kind == 'forecast' else 'spend'} {a.threshold_pct:g}%" for a in alerts
            )
        ),
    ]
