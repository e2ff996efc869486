"""Carrying out a Plan: `execute` picks the answer for the plan's intent (agents/billy/answer_figures.py,
answer_changes.py, answer_ratios.py; categories, delegates and telemetry dimensions in their own modules) and runs
it through a Runner (agents/billy/runner.py).

Every figure in an answer is a field of an operation's result; the answer modules only pick (the winner, the
peak day) and phrase. Each call is recorded in the answer's `tools` list.
"""

from __future__ import annotations

from typing import Any

from spendscope.agents.billy.answer_changes import on_compare, on_drivers, on_peak
from spendscope.agents.billy.answer_figures import on_breakdown, on_top, on_total
from spendscope.agents.billy.answer_ratios import on_average, on_count, on_share, on_unit_cost, on_utilization
from spendscope.agents.billy.models import BillyAnswer, Plan
from spendscope.agents.billy.resolve import ValueIndex
from spendscope.agents.billy.runner import Runner
from spendscope.data.store import Store
from spendscope.tools.access import LOCAL, Caller


def execute(store: Store, plan: Plan, index: ValueIndex, caller: Caller = LOCAL) -> BillyAnswer:
    """Answer `plan` with operations run as `caller`."""
    handler = {
        "total": on_total,
        "breakdown": on_breakdown,
        "top": on_top,
        "compare": on_compare,
        "drivers": on_drivers,
        "peak": on_peak,
        "share": on_share,
        "unit_cost": on_unit_cost,
        "utilization": on_utilization,
        "count": on_count,
        "average": on_average,
    }.get(plan.intent, on_total)
    plan = _first_spend(store, plan, index, caller)
    special = _category(plan)
    if special is not None:
        run = Runner(store, caller)
        run.kinds = index.kinds
        answer = special(run, plan, index)
        answer.tools = run.calls
        return answer
    if plan.intent in ("forecast", "savings", "anomalies", "budget", "gpu_idle"):
        from spendscope.agents.billy import delegate

        return delegate.run(store, plan, caller)
    from spendscope.agents.billy import attributed

    dim = attributed.telemetry_dimension(plan, index)
    if dim is not None:
        return attributed.run(store, plan, index, caller, dim)
    run = Runner(store, caller)
    run.kinds = index.kinds
    answer = handler(run, plan, index)
    answer.tools = run.calls
    return answer


def _first_spend(store: Store, plan: Plan, index: ValueIndex, caller: Caller) -> Plan:
    """ "since it started": the plan's period from its rows' first day with spend (agents/billy/first_spend.py)."""
    from spendscope.agents.billy import first_spend

    stopped = first_spend.asks_when_stopped(plan)
    said = first_spend.SINCE_START.search(plan.question.lower()) or first_spend.asks_when_started(plan)
    if not said and not stopped:
        return plan
    run = Runner(store, caller)
    adjusted = first_spend.since_started(run, plan)
    if first_spend.asks_when_started(adjusted) or stopped:
        adjusted = adjusted.model_copy(update={"intent": "first_spend"})
    return adjusted


def _category(plan: Plan) -> Any:
    """The handler of a question category answered by one richer operation (agents/billy/categories.py)."""
    from spendscope.agents.billy import categories

    if plan.intent == "landing":
        return categories.landing
    if plan.intent == "first_spend":
        from spendscope.agents.billy import first_spend

        return first_spend.answer_when_started
    if plan.intent == "payg_whatif":
        from spendscope.agents.billy import whatif

        return whatif.answer
    if plan.intent == "swap_whatif":
        from spendscope.agents.billy import swap

        return swap.answer
    if plan.intent == "days_off_whatif":  # "if we'd shut X off on weekends": agents/billy/weekdays.py
        from spendscope.agents.billy import weekdays

        return weekdays.answer
    if plan.intent == "run_rate":
        from spendscope.agents.billy import run_rate

        return run_rate.answer
    if plan.intent == "scale_whatif":
        from spendscope.agents.billy import scaling

        return scaling.answer
    if plan.intent == "assistants":
        from spendscope.agents.billy import assistants

        return assistants.answer
    if plan.intent == "gpu_utilization":
        return categories.gpu_utilization
    if plan.intent == "gpu_count":
        from spendscope.agents.billy import inventory

        return inventory.answer
    if plan.intent == "drivers" and plan.subject == "day":
        return categories.day_drivers
    if plan.intent == "unit_cost" and plan.group_by and not plan.token_types and not plan.filters:
        from spendscope.agents.billy import unit_groups

        return unit_groups.answer
    if plan.intent == "unit_cost" and plan.unit_measure == "requests":
        return categories.unit_requests
    return None
