"""Where each unit-cost budget stands: the cost per unit of its metric in the latest weeks or months against the
budget (operation `unit_budget_status`)."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, Literal

from pydantic import BaseModel, Field
from spendscope.data.errors import InvalidPeriod, NotFound
from spendscope.data.store import Store
from spendscope.tools.business.common import bucket_end, bucket_start
from spendscope.tools.business.targets import UnitBudget, load_unit_budgets, within
from spendscope.tools.business.unit_costs import CostPerUnitInput, compute
from spendscope.tools.costs.breakdown import Filter
from spendscope.tools.periods import add_months, data_end
from spendscope.tools.registry import operation

PERIODS = 6  # periods shown per budget


class UnitBudgetStatusInput(BaseModel):
    # `filters` name business metric rows and cost alike: checked against both (tools/names.py)
    business_filters: ClassVar[tuple[str, ...]] = ("filters",)

    name: str | None = Field(None, description="one unit budget; default all")
    as_of: dt.date | None = Field(None, description="'today': data before this day counts; default today")
    filters: list[Filter] = Field(
        default_factory=list,
        description="only budgets whose own scope lies within these filters; figures over the matching rows only",
    )


class UnitBudgetPoint(BaseModel):
    period: str
    start: dt.date
    complete: bool = Field(description="false for the period still running (to date)")
    cost: float
    units: float
    cost_per_unit: float | None
    used_pct: float | None = Field(description="cost per unit / budget, percent")
    over: bool


class UnitBudgetState(BaseModel):
    budget: UnitBudget
    points: list[UnitBudgetPoint] = Field(description="oldest first; the last may be to date")
    status: Literal["ok", "over", "no_units"] = Field(description="of the latest complete period")
    latest: UnitBudgetPoint | None = Field(description="the latest complete period")
    notes: list[str] = Field(default_factory=list)


class UnitBudgetStatusResult(BaseModel):
    as_of: dt.date
    data_through: dt.date | None
    budgets: list[UnitBudgetState]


def evaluate(store: Store, b: UnitBudget, through: dt.date, only: list[Filter]) -> UnitBudgetState:
    """The budget's last PERIODS periods up to `through` (inclusive)."""
    end = through + dt.timedelta(days=1)
    first = bucket_start(through, b.grain, through)
    start = add_months(first, 1 - PERIODS) if b.grain == "month" else first - dt.timedelta(weeks=PERIODS - 1)
    result = compute(
        store,
        CostPerUnitInput(
            metric=b.metric,
            per=b.per,
            grain=b.grain,
            start=start,
            end=through,
            filters=[*b.filters, *only],
            cost_filters=b.cost_filters,
            match_on=b.match_on,
        ),
    )
    points = []
    for t in result.totals:
        complete = bucket_end(bucket_start(t.start, b.grain, t.start), b.grain, end) <= end
        used = t.cost_per_unit / b.amount * 100 if t.cost_per_unit is not None else None
        points.append(
            UnitBudgetPoint(
                period=t.period,
                start=t.start,
                complete=complete,
                cost=t.cost,
                units=t.units,
                cost_per_unit=t.cost_per_unit,
                used_pct=used,
                over=used is not None and used > 100,
            )
        )
    done = [x for x in points if x.complete]
    latest = done[-1] if done else None
    status: Literal["ok", "over", "no_units"] = (
        "no_units" if latest is None or latest.cost_per_unit is None else "over" if latest.over else "ok"
    )
    return UnitBudgetState(budget=b, points=points, status=status, latest=latest, notes=result.assumptions)


@operation("unit_budget_status", input_model=UnitBudgetStatusInput, output_model=UnitBudgetStatusResult)
def unit_budget_status(store: Store, params: UnitBudgetStatusInput) -> UnitBudgetStatusResult:
    """Each unit-cost budget (cost per ticket, per 1k documents, ...): its cost per unit in the latest weeks or
    months against the budget, over or not."""
    as_of = params.as_of or dt.date.today()
    with store.reader() as con:
        last = data_end(con)
        budgets = [b for b in load_unit_budgets(con) if within([*b.filters, *b.cost_filters], params.filters)]
    if params.name:
        wanted = [b for b in budgets if b.name == params.name.strip().lower().replace(" ", "-")]
        if not wanted:
            raise NotFound(
                f"no unit budget named {params.name!r}; "
                + (f"there are: {', '.join(b.name for b in budgets)}" if budgets else "there are none"),
                argument="name",
                value=params.name,
            )
        budgets = wanted
    if last is None:
        raise InvalidPeriod("the store holds no cost data yet; import some first")
    through = min(last, as_of - dt.timedelta(days=1))
    return UnitBudgetStatusResult(
        as_of=as_of,
        data_through=last,
        budgets=[evaluate(store, b, through, params.filters) for b in budgets],
    )
