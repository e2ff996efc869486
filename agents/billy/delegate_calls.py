"""How Billy's delegated answers call the analytics operations: each call through `tools.invoke` as the
question's caller, recorded for the answer's `tools`; an operation's input built with the question's filters
(split from delegate.py)."""

from __future__ import annotations

from typing import Any

from spendscope.agents.billy.models import ToolCall
from spendscope.agents.billy.phrasing import scope_phrase
from spendscope.data.errors import InvalidArgument
from spendscope.data.store import Store
from spendscope.tools.access import LOCAL, Caller
from spendscope.tools.costs.breakdown import Filter
from spendscope.tools.invoke import invoke


class Calls(list[ToolCall]):
    """The operation calls of one answer, and the caller they run as."""

    def __init__(self, caller: Caller) -> None:
        super().__init__()
        self.caller = caller


def call(calls: list[ToolCall], name: str, store: Store, params: Any) -> Any:
    """Run a registered operation by name through `tools.invoke` as the question's caller, so the caller's
    permission and row scope apply exactly as on every other surface."""
    record = ToolCall(name=name, input=params.model_dump(mode="json", exclude_defaults=True))
    calls.append(record)
    try:
        return invoke(store, name, params, getattr(calls, "caller", LOCAL))
    except Exception as exc:
        record.error = getattr(exc, "code", "operation_failed")
        raise


def operation_input(model: Any, filters: list[Filter], **kw: Any) -> Any:
    """The operation's input with the question's filters when it takes `filters`; a filter the operation cannot
    apply is refused here (a figure for more than was asked would be wrong), never silently dropped."""
    if "filters" in model.model_fields:
        return model(filters=filters, **kw)
    if filters:
        raise InvalidArgument(
            f"this figure cannot be limited to {scope_phrase(filters)} yet (the operation takes no filters)"
        )
    return model(**kw)
