"""One request's view of the store: who asks, what day it is, and every operation run through tools.invoke.

Pages never query the store and never apply a scope: they call `View.run` / `View.section`, which go through
`spendscope.tools.invoke.invoke(store, name, params, caller)` exactly as the MCP server does. An operation the
caller may not run (a write without the write scope, a read that cannot be limited to its row scope) comes back
as a section marked unavailable, with the reason, and the page shows that instead of company-wide figures.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from spendscope.data.errors import InvalidArgument, PermissionDenied, SpendscopeError
from spendscope.data.store import Store, store_stamp
from spendscope.tools.access import Caller
from spendscope.tools.costs.breakdown import Filter
from spendscope.tools.invoke import invoke
from spendscope.tools.registry import get_operation
from spendscope.web.auth import Who

_FILTER = re.compile(r"^\s*([A-Za-z_][\w:.-]*)\s*(!=|\^=|~=|=)\s*(.*)$")
_FILTER_OPS = {"=": "eq", "!=": "not", "^=": "prefix", "~=": "contains"}


@dataclass
class Section:
    """An operation's result for one part of a page, or why there is none."""

    result: Any = None
    unavailable: str | None = None  # the caller may not run it (scope or permission)
    error: str | None = None  # it ran and refused the input (no data for the period, unknown value, ...)

    @property
    def ok(self) -> bool:
        return self.result is not None


class ResultCache:
    """Results of read operations, per (operation, input, caller's permission and row scope, store state).

    Every input a page sends names its day (`as_of`), so a cached result is the answer the operation would give
    again until the store is written; any write (an import, an acknowledged anomaly) changes the stamp and the
    next request runs the operation afresh."""

    def __init__(self, size: int = 512) -> None:
        self._items: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._lock = threading.Lock()
        self.size = size

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def run(
        self, store: Store, operation: str, params: BaseModel | Mapping[str, Any] | None, caller: Caller
    ) -> Any:
        if get_operation(operation).writes:
            return invoke(store, operation, params, caller)
        if isinstance(params, BaseModel):
            text = params.model_dump_json()
        else:
            text = json.dumps(dict(params or {}), sort_keys=True, default=str)
        scope = tuple(sorted(caller.row_scope.items()))
        key = (store.path, store_stamp(store.path), operation, text, caller.can_write, caller.remote, scope)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        result = invoke(store, operation, params, caller)
        with self._lock:
            self._items[key] = result
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return result


@dataclass
class View:
    store: Store
    who: Who
    today: dt.date
    csrf: str = ""
    pinned: bool = False  # `today` was given (--as-of), not the real date
    cache: ResultCache | None = None

    @property
    def caller(self) -> Caller:
        return self.who.caller

    def run(self, operation: str, params: BaseModel | Mapping[str, Any] | None = None) -> Any:
        """Run a registry operation as this request's caller (validated, permitted, row-scoped)."""
        if self.cache is not None:
            return self.cache.run(self.store, operation, params, self.caller)
        return invoke(self.store, operation, params, self.caller)

    def sections(self, calls: dict[str, tuple[str, Mapping[str, Any] | None]]) -> dict[str, Section]:
        """Several independent sections at once (each in its own thread with its own read-only connection)."""
        with ThreadPoolExecutor(max_workers=min(4, len(calls)), thread_name_prefix="web-section") as pool:
            futures = {name: pool.submit(self.section, op, params) for name, (op, params) in calls.items()}
            return {name: f.result() for name, f in futures.items()}

    def section(self, operation: str, params: BaseModel | Mapping[str, Any] | None = None) -> Section:
        try:
            return Section(result=self.run(operation, params))
        except PermissionDenied as exc:
            return Section(unavailable=exc.message)
        except SpendscopeError as exc:
            return Section(error=exc.message)


def parse_filter(text: str) -> Filter:
    """`dim=value[,value...]`, `dim!=value`, `dim^=prefix`, `dim~=text` (the CLI's --filter syntax)."""
    m = _FILTER.match(text)
    values = [v.strip() for v in m.group(3).split(",") if v.strip()] if m else []
    if not m or not values:
        raise InvalidArgument(
            f"filter {text!r}: write DIMENSION=VALUE (also !=, ^= prefix, ~= contains; several values "
            "separated by commas)",
            argument="filter",
        )
    op = _FILTER_OPS[m.group(2)]
    if len(values) > 1 and op in ("eq", "not"):
        op = "in" if op == "eq" else "not_in"
    return Filter(dimension=m.group(1), op=op, values=values)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
