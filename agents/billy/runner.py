"""Running a Plan's operations and the pieces every answer shares: `Runner` calls registry operations through
`tools.invoke` as the caller and records each call; `query` runs query_costs for a plan; `assumed` writes the
"Assumed: ..." tail; tables and chart rows of a cost query; how a group value reads."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from spendscope.agents.billy.models import Plan, Table, ToolCall
from spendscope.agents.billy.phrasing import (
    describe_filter,
    is_money,
    round_value,
    token_words,
)
from spendscope.data.store import Store
from spendscope.tools.access import LOCAL, Caller
from spendscope.tools.costs.breakdown import (
    CostQueryInput,
    CostQueryResult,
    Filter,
)
from spendscope.tools.invoke import invoke

NONE_VALUES = (None, "", "unallocated", "(untagged)", "(none)")


class Runner:
    """Runs registry operations for one caller through `tools.invoke` (validated, permitted, row-scoped there,
    never here) and records each call for the answer's `tools` list."""

    def __init__(self, store: Store, caller: Caller = LOCAL) -> None:
        self.store = store
        self.caller = caller
        self.calls: list[ToolCall] = []
        self.kinds: dict[str, str] = {}  # dimension -> kind, for the label of rows without a value

    def call(self, name: str, params: BaseModel) -> Any:
        record = ToolCall(name=name, input=params.model_dump(mode="json", exclude_defaults=True))
        self.calls.append(record)
        try:
            return invoke(self.store, name, params, self.caller)
        except Exception as exc:
            record.error = getattr(exc, "code", type(exc).__name__)
            raise

    def filters(self, filters: list[Filter]) -> list[Filter]:
        return list(filters)


def never_together(exc: Exception) -> bool:
    """The entry point's refusal of filters no cost row has together (tools.names.check_filters_together). For a
    sub-question of Billy's own ("which commitments serve this feature?", a figure it explains with each name's
    own total) that is an answer: none."""
    from spendscope.data.errors import InvalidArgument

    return (
        isinstance(exc, InvalidArgument)
        and exc.details.get("argument") == "filters"
        and "together (each exists on its own)" in exc.message
    )


def time_range(plan: Plan) -> dict[str, Any]:
    if plan.period is None:
        return {}
    return {"start": plan.period.start, "end": plan.period.last}


def token_filter(plan: Plan) -> list[Filter]:
    if plan.measure == "tokens" and plan.token_types:
        return [Filter(dimension="token_type", op="in", values=plan.token_types)]
    return []


def query(
    run: Runner,
    plan: Plan,
    *,
    group_by: list[str] | None = None,
    top: int | None = None,
    filters: list[Filter] | None = None,
) -> CostQueryResult:
    params = CostQueryInput(
        measure=plan.measure,
        group_by=group_by or [],
        top=top,
        filters=run.filters((plan.filters if filters is None else filters) + token_filter(plan)),
        **time_range(plan),
    )
    return run.call("query_costs", params)


def assumed(plan: Plan, extra: list[str] | None = None) -> str:
    notes: list[str] = []
    if is_money(plan.measure):
        notes.append(
            "cost = billed cost (invoiced)"
            if plan.measure == "billed_cost"
            else "cost = effective cost (amortised)"
            if plan.measure == "cost"
            else f"measure = {plan.measure}"
        )
    if plan.period is not None:
        if plan.base_period is not None:
            notes.append(
                f"periods {plan.base_period.label} ({plan.base_period.start} to {plan.base_period.last}) "
                f"and {plan.period.label} ({plan.period.start} to {plan.period.last})"
            )
        elif "(all data)" not in plan.period.label and plan.period.end - plan.period.start > _one_day():
            notes.append(f"period {plan.period.start} to {plan.period.last}")
    notes += [a for a in plan.assumptions if a not in notes]
    notes += extra or []
    return (" Assumed: " + "; ".join(dict.fromkeys(notes)) + ".") if notes else ""


def _one_day() -> Any:
    import datetime as dt

    return dt.timedelta(days=1)


def group_label(kinds: dict[str, str], dim: str, value: Any) -> Any:
    """A group's label in tables and charts: rows without a value read "(untagged)" for tag keys,
    "unallocated" for virtual tags and "(none)" for other dimensions, as elsewhere in spendscope."""
    if value not in (None, ""):
        return value
    kind = kinds.get(dim)
    return (
        "unallocated"
        if kind == "virtual_tag"
        else "(untagged)"
        if kind in ("provider_tag", "telemetry")
        else "(none)"
    )


def rows_table(
    result: CostQueryResult, dims: list[str], limit: int = 20, kinds: dict[str, str] | None = None
) -> Table:
    cols = [*dims, result.measure, "share_pct"]
    rows = [
        [
            *(group_label(kinds or {}, d, r.group.get(d)) for d in dims),
            round_value(r.value, result.measure),
            None if r.share_pct is None else round(r.share_pct, 2),
        ]
        for r in result.rows[:limit]
    ]
    if result.other is not None:
        rows.append(
            [*(["(other)"] + [None] * (len(dims) - 1)), round_value(result.other, result.measure), None]
        )
    return Table(columns=cols, rows=rows)


def chart_rows(
    result: CostQueryResult, dim: str, limit: int = 20, kinds: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    return [
        {dim: group_label(kinds or {}, dim, r.group.get(dim)), "value": round(r.value, 4)}
        for r in result.rows[:limit]
    ]


def what_words(plan: Plan) -> str:
    return (
        token_words(plan.token_types)
        if plan.measure == "tokens"
        else {"requests": "requests", "gpu_hours": "GPU hours"}.get(plan.measure, "")
    )


def named(dim: str, value: str) -> str:
    """How a group value reads at the start of a sentence: 'The growth team', 'Sub-account x', 'gpt-4o'."""
    if dim.lower() in ("team", "feature", "env", "environment", "sub_account"):
        phrase = describe_filter(Filter(dimension=dim, values=[value]))
        return phrase[0].upper() + phrase[1:]
    return value


def named_within(dim: str, value: str) -> str:
    """How a group value reads inside a sentence: 'the growth team', 'sub-account x', 'gpt-4o'."""
    if dim.lower() in ("team", "feature", "env", "environment", "sub_account"):
        return describe_filter(Filter(dimension=dim, values=[value]))
    return value


def cap(s: str) -> str:
    return s


def r2(v: float | None) -> float | None:
    return None if v is None else round(v, 2)
