"""A report as channel-neutral content: a title, a one-sentence summary, facts, sections of lines or tables, a
note on what the figures are, and a Vega-Lite chart. Email (HTML and plain text) and Microsoft Teams (Adaptive
Cards) render from this; Slack renders Block Kit from the same result models (slack_app/report_blocks.py).

Builders take tools' result models only. A team's content is built from that team's figures only (see
tools.reports.data), so whatever a channel renders from it holds no other team's costs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field
from spendscope.tools import money_text
from spendscope.tools.allocation.showback import ShowbackResult, ShowbackRow, chart_spec
from spendscope.tools.charts import SCHEMA
from spendscope.tools.costs.answers import CompareResult
from spendscope.tools.governance.budgets import BudgetStatus, NewBudgetAlert

MEASURE_NOTE = {
    "cost": "effective cost (amortised, after discounts)",
    "billed_cost": "billed cost",
    "list_cost": "list cost",
    "contracted_cost": "contracted cost",
}
Tone = Literal["default", "good", "warning", "attention"]


class Table(BaseModel):
    columns: list[str]
    rows: list[list[str]] = Field(description="cells as shown (money formatted)")
    numeric: list[bool] = Field(description="per column: right-aligned figures")


class Fact(BaseModel):
    label: str
    value: str


class Section(BaseModel):
    title: str | None = None
    lines: list[str] = Field(default_factory=list)
    table: Table | None = None


class ReportContent(BaseModel):
    kind: Literal["weekly", "monthly", "finance", "budget", "alert"]
    scope: str = Field(description="whose figures these are: team=search, finance, a budget's scope")
    subject: str = Field(description="one line: an email's subject, a card's fallback text")
    title: str
    summary: str = Field(description="the headline sentence, plain text")
    facts: list[Fact] = Field(default_factory=list)
    sections: list[Section] = Field(default_factory=list)
    note: str = Field("", description="what the figures are and whose they are")
    chart: dict[str, Any] | None = Field(None, description="Vega-Lite spec (email inlines it as a PNG)")
    tone: Tone = "default"


def money(value: float | None, signed: bool = False) -> str:
    """An amount in the billing currency (tools.money_text); empty for no value."""
    return "" if value is None else money_text.money(value, signed=signed, digits=2)


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.1f}%"


def change_text(current: float, base: float, pct: float | None, what: str) -> str:
    if base == 0 and current == 0:
        return f"no spend in {what} either"
    if pct is None:
        return f"up from nothing in {what}"
    return f"{percent(pct)} ({money(current - base, signed=True)}) from {what}"


def table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> Table:
    """A table of formatted cells: numbers in money-named columns as money, percents as percents."""
    numeric = [all(isinstance(r[i], int | float) or r[i] is None for r in rows) for i in range(len(columns))]

    def cell(v: Any, column: str) -> str:
        if v is None:
            return "" if numeric[columns.index(column)] else "(none)"
        if isinstance(v, int | float) and column.endswith("pct"):
            return percent(float(v))
        if isinstance(v, int | float):
            return money(float(v), signed=column.startswith("change"))
        return str(v)

    return Table(
        columns=[c.replace("_", " ") for c in columns],
        rows=[[cell(v, c) for v, c in zip(r, columns, strict=True)] for r in rows],
        numeric=numeric,
    )


def paired_bars(
    pairs: Sequence[tuple[str, float, float]], current: str, previous: str, title: str
) -> dict[str, Any] | None:
    """Grouped horizontal bars: each label's cost in the current and the previous period."""
    if not pairs:
        return None
    values = []
    for label, now, before in pairs:
        values.append({"group": label, "period": current, "cost": float(now)})
        values.append({"group": label, "period": previous, "cost": float(before)})
    order = [p[0] for p in pairs]
    return {
        "$schema": SCHEMA,
        "title": title,
        "width": 520,
        "height": {"step": 16},
        "data": {"values": values},
        "mark": "bar",
        "encoding": {
            "y": {"field": "group", "type": "nominal", "sort": order, "title": None},
            "yOffset": {"field": "period", "sort": [current, previous]},
            "x": {
                "field": "cost",
                "type": "quantitative",
                "title": money_text.axis_title("cost"),
                "axis": {"format": money_text.axis_format(0)},
            },
            "color": {
                "field": "period",
                "type": "nominal",
                "sort": [current, previous],
                "title": None,
                "legend": {"orient": "bottom"},
                "scale": {"range": ["#4c78a8", "#bab0ac"]},
            },
            "tooltip": [
                {"field": "group"},
                {"field": "period"},
                {"field": "cost", "type": "quantitative", "format": money_text.axis_format()},
            ],
        },
        "config": {"view": {"stroke": None}, "axis": {"labelLimit": 260}},
    }


def weekly_content(by: str, value: str, r: CompareResult) -> ReportContent:
    """One value's week: the total, the change from the week before, and what moved most."""
    week = f"{r.current_start} to {r.current_end - dt.timedelta(days=1)}"
    summary = (
        f"{money(r.current_total)} in the week {week}, "
        + change_text(r.current_total, r.base_total, r.change_pct, "the week before")
        + "."
    )
    movers = [x for x in r.rows if x.change or x.current][:5]
    dims = r.group_by

    def label(x: Any) -> str:
        return " / ".join(str(x.group.get(d) or "(none)") for d in dims)

    sections = []
    if movers:
        sections.append(
            Section(
                title="What moved most",
                table=table(
                    [" / ".join(dims), "cost", "week_before_cost", "change_cost"],
                    [[label(x), x.current, x.base, x.change] for x in movers],
                ),
            )
        )
    return ReportContent(
        kind="weekly",
        scope=f"{by}={value}",
        subject=f"{by} {value}: {money(r.current_total)} of AI spend in the week {week} ({percent(r.change_pct)})",
        title=f"Weekly spend: {by} {value}",
        summary=summary,
        facts=[
            Fact(label="This week", value=money(r.current_total)),
            Fact(label="Week before", value=money(r.base_total)),
            Fact(label="Change", value=f"{money(r.change, signed=True)} ({percent(r.change_pct)})"),
        ],
        sections=sections,
        note=f"Only {by} {value}'s costs · {MEASURE_NOTE.get(r.measure, r.measure)} · weeks start on Monday (UTC)",
        chart=paired_bars(
            [(label(x), x.current, x.base) for x in movers],
            "this week",
            "week before",
            f"{by} {value}: {week}",
        ),
    )


def monthly_content(result: ShowbackResult, row: ShowbackRow) -> ReportContent:
    """One value's month: direct and shared cost, the change from the month before, the top drivers."""
    total, prev = float(row.total), float(row.previous_total)
    by = result.by
    sections = []
    if row.drivers:
        sections.append(
            Section(
                title="Top drivers",
                table=table(
                    ["driver", "kind", "cost", "previous_cost"],
                    [[d.label, d.kind, float(d.cost), float(d.previous)] for d in row.drivers],
                ),
            )
        )
    shared = " · shared = this team's part of shared costs" if float(row.shared) else ""
    return ReportContent(
        kind="monthly",
        scope=f"{by}={row.value}",
        subject=f"{by} {row.value}: {money(total)} of AI spend in {result.label} ({percent(row.change_pct)})",
        title=f"Monthly showback: {by} {row.value}, {result.label}",
        summary=f"{money(total)} in {result.label} (direct {money(float(row.direct))}, shared "
        f"{money(float(row.shared))}), " + change_text(total, prev, row.change_pct, "the month before") + ".",
        facts=[
            Fact(label="Total", value=money(total)),
            Fact(label="Direct", value=money(float(row.direct))),
            Fact(label="Shared", value=money(float(row.shared))),
            Fact(label="Month before", value=money(prev)),
            Fact(label="Change", value=f"{money(total - prev, signed=True)} ({percent(row.change_pct)})"),
        ],
        sections=sections,
        note=f"Only {by} {row.value}'s costs · {MEASURE_NOTE.get(result.measure, result.measure)}{shared}",
        chart=paired_bars(
            [(d.label, float(d.cost), float(d.previous)) for d in row.drivers],
            result.label,
            "month before",
            f"{by} {row.value}: top drivers, {result.label}",
        ),
    )


def finance_content(result: ShowbackResult, budgets: list[BudgetStatus] | None = None) -> ReportContent:
    """The month for finance: every value's total and change, direct vs shared, conservation, budgets."""
    total, prev = float(result.total), float(result.previous_total)
    pct = (total - prev) / abs(prev) * 100 if prev else None
    rows = [
        [r.value, float(r.total), float(r.previous_total), r.change_pct, r.owner.contact if r.owner else ""]
        for r in result.rows
    ]
    sections = [Section(table=table([result.by, "cost", "previous_cost", "change_pct", "owner"], rows))]
    if budgets:
        over = [s for s in budgets if s.status == "over"]
        risk = [s for s in budgets if s.status == "forecast_over"]
        sections.append(
            Section(
                title=f"Budgets: {len(budgets)} tracked, {len(over)} over, {len(risk)} forecast over",
                lines=[
                    f"{s.budget.name}: {money(s.spent)} of {money(s.budget.amount)} ({s.used_pct:.0f}%), "
                    f"{s.status.replace('_', ' ')}"
                    for s in (over + risk)[:8]
                ],
            )
        )
    checks = (
        "direct + shared equals the bill every day"
        if result.conserved
        else "direct + shared does not equal the bill on some days; check the shared-cost pools"
    )
    pools = f" · shared-cost pools: {', '.join(result.pools)}" if result.pools else ""
    return ReportContent(
        kind="finance",
        scope="finance",
        subject=f"AI spend in {result.label}: {money(total)} ({percent(pct)})",
        title=f"Monthly spend by {result.by}: {result.label}",
        summary=f"{money(total)} in {result.label} (direct {money(float(result.direct))}, shared "
        f"{money(float(result.shared))}), " + change_text(total, prev, pct, "the month before") + ".",
        facts=[
            Fact(label="Total", value=money(total)),
            Fact(label="Month before", value=money(prev)),
            Fact(label="Change", value=f"{money(total - prev, signed=True)} ({percent(pct)})"),
        ],
        sections=sections,
        note=f"{MEASURE_NOTE.get(result.measure, result.measure)} · {checks}{pools}",
        chart=chart_spec(result) if result.rows else None,
        tone="default" if result.conserved else "warning",
    )


def budget_content(alerts: list[NewBudgetAlert]) -> ReportContent:
    """The alerts one budget raised in one run (thresholds passed, forecast over), the latest figures first."""
    first = alerts[0]
    worst = max(alerts, key=lambda a: (a.kind == "actual", a.threshold_pct))

    def said(a: NewBudgetAlert) -> str:  # the messages start with the budget's name, which the title says
        return a.message.removeprefix(f"{a.name}: ")

    passed = ", ".join(
        f"{'forecast' if a.kind == 'forecast' else 'spend'} {a.threshold_pct:g}%" for a in alerts
    )
    return ReportContent(
        kind="budget",
        scope=first.scope,
        subject=f"Budget {first.name}: {said(worst)}",
        title=f"Budget alert: {first.name}",
        summary=said(worst),
        facts=[
            Fact(label="Spent", value=money(first.spent)),
            Fact(label="Budget", value=money(first.amount)),
            Fact(label="Projected", value=money(first.projected)),
            Fact(label="Period", value=first.period_label),
        ],
        sections=[Section(lines=[said(a) for a in sorted(alerts, key=lambda a: (a.kind, -a.threshold_pct))])],
        note=f"{first.budget_id} · {first.scope} · {passed}",
        tone="attention" if worst.kind == "actual" and worst.threshold_pct >= 100 else "warning",
    )
