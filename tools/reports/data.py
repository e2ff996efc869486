"""What the scheduled reports hold, computed once for every channel (Slack Block Kit, email, Teams cards).

Every figure comes from an operation run through tools.invoke: a team's weekly spend as a caller limited to that
team's rows (so the figures cannot hold another team's costs), the month's showback, budget statuses and budget
alerts as the reporting job itself (`REPORTER`), whose team messages each take only their own team's row.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field
from spendscope.data.store import Store
from spendscope.tools.access import Caller
from spendscope.tools.allocation.owners import Owner
from spendscope.tools.allocation.showback import ShowbackResult
from spendscope.tools.costs.answers import CompareResult
from spendscope.tools.costs.breakdown import Filter
from spendscope.tools.governance.budgets import BudgetStatus, NewBudgetAlert
from spendscope.tools.invoke import invoke
from spendscope.tools.periods import Period, parse_period

REPORTER = Caller("reports", can_write=True)  # the scheduled job: records budget alerts as raised


def owners_of(store: Store, by: str) -> list[Owner]:
    """The owners of the values of tag key `by` (team search -> its channels, email, Teams webhook)."""
    return invoke(store, "list_owners", {"key": by}, REPORTER).owners


def weeks(as_of: dt.date) -> tuple[Period, Period]:
    """Last calendar week (Monday to Sunday, UTC) before `as_of`, and the week before it."""
    week = parse_period("last week", as_of)
    return week, week.previous()


def weekly_figures(store: Store, as_of: dt.date, by: str, value: str) -> CompareResult:
    """One value's last week against the week before, by provider and model (top 5 movers), computed as a caller
    that sees only that value's rows."""
    week, base = weeks(as_of)
    scoped = Caller(f"report:{by}={value}", row_scope={by: (value,)})
    day = dt.timedelta(days=1)
    return invoke(
        store,
        "compare_costs",
        {
            "group_by": ["provider", "model"],
            "top": 5,
            "base": {"start": base.start, "end": base.end - day},
            "current": {"start": week.start, "end": week.end - day},
        },
        scoped,
    )


def monthly_showback(store: Store, as_of: dt.date, by: str) -> ShowbackResult:
    """Last month's showback by `by`: direct, shared, total, change and drivers per value."""
    return invoke(store, "get_showback_report", {"by": by, "month": "last month", "as_of": as_of}, REPORTER)


def budget_statuses(store: Store, as_of: dt.date) -> list[BudgetStatus]:
    return invoke(store, "budget_status", {"as_of": as_of}, REPORTER).budgets


class BudgetAlertGroup(BaseModel):
    """The alerts one budget raised for one period in one run (thresholds passed, forecast over)."""

    budget_id: str
    period_start: dt.date
    alerts: list[NewBudgetAlert]
    filters: list[Filter] = Field(default_factory=list, description="the budget's scope")

    @property
    def key(self) -> str:
        """Idempotency key of the group's message (the same in every channel, which prefixes it)."""
        passed = ",".join(sorted(f"{a.kind}-{a.threshold_pct:g}" for a in self.alerts))
        return f"budget:{self.budget_id}:{self.period_start}:{passed}"

    def value_of(self, by: str) -> str | None:
        """The one value of `by` the budget is limited to (team = search), else None."""
        for f in self.filters:
            if f.dimension.lower() == by and f.op in ("eq", "in") and len(f.values) == 1:
                return f.values[0]
        return None


def budget_alert_groups(
    store: Store, as_of: dt.date, *, dry_run: bool = False
) -> tuple[list[BudgetAlertGroup], list[str]]:
    """Budget alerts not raised before, grouped per budget and period. A real run records them as raised
    (check_budgets), so the caller must queue their messages before anything else can fail; a dry run only
    evaluates and lists every triggered alert, including those raised before."""
    notes: list[str] = []
    if dry_run:
        alerts = [
            NewBudgetAlert(
                budget_id=s.budget.budget_id,
                name=s.budget.name,
                scope=s.budget.scope,
                owner=s.budget.owner,
                period_start=s.period_start,
                period_label=s.period_label,
                kind=a.kind,
                threshold_pct=a.threshold_pct,
                amount=s.budget.amount,
                spent=s.spent,
                projected=s.projected,
                message=a.message,
            )
            for s in budget_statuses(store, as_of)
            for a in s.alerts
            if a.triggered
        ]
        notes.append("a dry run lists every triggered alert, including those already raised")
    else:
        alerts = invoke(store, "check_budgets", {"as_of": as_of}, REPORTER).new_alerts
    budgets = {b.budget_id: b for b in invoke(store, "list_budgets", {}, REPORTER).budgets}
    grouped: dict[tuple[str, dt.date], list[NewBudgetAlert]] = {}
    for a in alerts:
        grouped.setdefault((a.budget_id, a.period_start), []).append(a)
    groups = [
        BudgetAlertGroup(
            budget_id=budget_id,
            period_start=start,
            alerts=group,
            filters=budgets[budget_id].filters if budget_id in budgets else [],
        )
        for (budget_id, start), group in grouped.items()
    ]
    return groups, notes
