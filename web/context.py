"""One request's view of the store: who asks, what day it is, and every operation run through tools.invoke.

Pages never query the store and never apply a scope: they call `View.run` / `View.section`, which go through
`spendscope.tools.invoke.invoke(store, name, params, caller)` exactly as the MCP server does. An operation the
caller may not run (a write without the write scope, a read that cannot be limited to its row scope) comes back
as a section marked unavailable, with the reason, and the page shows that instead of company-wide figures.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from spendscope.data.errors import InvalidArgument, PermissionDenied, SpendscopeError
from spendscope.data.store import Store
from spendscope.tools.access import Caller
from spendscope.tools.costs.breakdown import Filter
from spendscope.tools.invoke import invoke
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


@dataclass
class View:
    store: Store
    who: Who
    today: dt.date
    csrf: str = ""
    pinned: bool = False  # `today` was given (--as-of), not the real date

    @property
    def caller(self) -> Caller:
        return self.who.caller

    def run(self, operation: str, params: BaseModel | Mapping[str, Any] | None = None) -> Any:
        """Run a registry operation as this request's caller (validated, permitted, row-scoped)."""
        return invoke(self.store, operation, params, self.caller)

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
