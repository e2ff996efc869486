"""Questions answered by the richer analytics operations when they are installed: forecasts
(tools.governance.forecast), savings (tools.optimize.savings), anomalies (tools.governance.anomalies' read-only
scan_anomalies: Billy never writes), budgets (tools.governance.budgets) and idle GPUs (tools.optimize.gpu). Each
module is imported only when its question is asked (statsmodels loads with the forecast, not before).

This module dispatches; the calls are in delegate_calls.py, forecasts in delegate_forecast.py, the other
analytics in delegate_insights.py."""

from __future__ import annotations

import importlib.util

from spendscope.agents.billy import delegate_forecast, delegate_insights
from spendscope.agents.billy.delegate_calls import Calls
from spendscope.agents.billy.delegate_calls import call as _call  # noqa: F401 - the import path others used
from spendscope.agents.billy.delegate_calls import operation_input as _input  # noqa: F401
from spendscope.agents.billy.models import BillyAnswer, Plan
from spendscope.data.errors import SpendscopeError
from spendscope.data.store import Store
from spendscope.tools.access import LOCAL, Caller

MODULES = {
    "forecast": "spendscope.tools.governance.forecast",
    "savings": "spendscope.tools.optimize.savings",
    "anomalies": "spendscope.tools.governance.anomalies",
    "budget": "spendscope.tools.governance.budgets",
    "gpu_idle": "spendscope.tools.optimize.gpu",
}


def available(intent: str) -> bool:
    name = MODULES.get(intent)
    try:
        return name is not None and importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def run(store: Store, plan: Plan, caller: Caller = LOCAL) -> BillyAnswer:
    """Answer a delegated intent with operations run as `caller`; an operation the caller's scope cannot limit
    is refused by tools.invoke (PermissionDenied), never run company-wide."""
    calls = Calls(caller)
    handler = {
        "forecast": delegate_forecast.forecast,
        "savings": delegate_insights.savings,
        "anomalies": delegate_insights.anomalies,
        "budget": delegate_insights.budget,
        "gpu_idle": delegate_insights.gpu_idle,
    }[plan.intent]
    try:
        answer = handler(store, plan, list(plan.filters), calls)
    except SpendscopeError:
        raise
    except Exception as exc:  # a failing analytics operation must not take the question down with it
        name = calls[-1].name if calls else plan.intent
        answer = BillyAnswer(
            answer=f"I could not answer that: the {name} operation failed ({type(exc).__name__})."
        )
    answer.tools = list(calls)
    return answer
