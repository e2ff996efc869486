"""Money as text, in the store's billing currency: "$1,234.56", "€1,234.56", "£12.00", "¥1,235", "CHF 1,234.56".

Every surface writes amounts through `money` here (CLI tables, Slack blocks, web pages, reports, triage messages,
Billy's answers, and operation text such as anomaly explanations and budget alerts). The currency is a context
variable set once where a surface opens the store or handles a request:

- `for_store(store)`: a block in the store's billing currency (tools.invoke wraps every operation in it, so
  operation text is right on every surface, MCP included; MCP amounts stay numbers);
- `use_store(store)`: the same without a block, for the command line, whose run is one scope (`currency_scope`);
- `billing_currency(code)`: a block in a known code ("" when the rows mix currencies: no sign).

The store's currencies are read once per store state (`store_currencies`: the distinct `BillingCurrency` of the
cost rows, cached per file and its size and time) and only when a figure is written. A store without cost rows
is in USD. A store whose rows mix currencies gets no sign and `mixed_note()` says so wherever a total is shown:
the amounts are added without conversion, and a sign would name the wrong unit for part of them.

Yen (and won) have no minor unit in use: amounts are written without decimals ("¥1,235"); prices below one yen
keep the decimals they need (docs/currency.md).
"""

from __future__ import annotations

import functools
import inspect
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")
DEFAULT = "USD"
SIGNS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CNY": "¥", "INR": "₹", "KRW": "₩"}
NO_MINOR_UNIT = frozenset({"JPY", "KRW"})  # written without decimals


@dataclass
class _Currency:
    """The currencies money is written in: known (`codes`), or read from a store the first time it is needed."""

    codes: tuple[str, ...] | None = None
    resolve: Callable[[], tuple[str, ...]] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self) -> tuple[str, ...]:
        if self.codes is None:
            with self.lock:
                if self.codes is None:
                    self.codes = self.resolve() if self.resolve else ()
        return self.codes


_CURRENCY: ContextVar[_Currency | None] = ContextVar("billing_currency", default=None)  # None: USD


def _codes() -> tuple[str, ...]:
    current = _CURRENCY.get()
    return current.get() if current is not None else (DEFAULT,)


@contextmanager
def billing_currency(code: str) -> Iterator[None]:
    """Write money in `code` (an ISO 4217 code; "" for no sign: the rows mix currencies) inside the block."""
    token = _CURRENCY.set(_Currency(codes=(code.upper(),)))  # ("",): mixed, the codes unnamed
    try:
        yield
    finally:
        _CURRENCY.reset(token)


@contextmanager
def for_store(store: Any, *, eager: bool = False) -> Iterator[None]:
    """Write money in `store`'s billing currency inside the block (read when first needed, or now if `eager`:
    before an operation opens a write transaction)."""
    token = _CURRENCY.set(_for(store))
    try:
        if eager:
            _codes()
        yield
    finally:
        _CURRENCY.reset(token)


def in_store_currency(func: Callable[..., T]) -> Callable[..., T]:
    """Run `func` in the billing currency of its `store` argument (an entry point: a triage run, a report)."""
    signature = inspect.signature(func)

    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> T:
        with for_store(signature.bind(*args, **kwargs).arguments["store"], eager=True):
            return func(*args, **kwargs)

    return run


def use_store(store: Any) -> None:
    """Write money in `store`'s billing currency from now on in this context (the command line's one run,
    inside `currency_scope`)."""
    _CURRENCY.set(_for(store))


@contextmanager
def currency_scope() -> Iterator[None]:
    """A scope that `use_store` may set; money is in USD until it does, and again after the scope."""
    token = _CURRENCY.set(_Currency(codes=(DEFAULT,)))
    try:
        yield
    finally:
        _CURRENCY.reset(token)


def _for(store: Any) -> _Currency:
    return _Currency(resolve=lambda: store_currencies(store))


def currency_codes() -> tuple[str, ...]:
    """The currencies of the bill in context (upper case, sorted; several when the rows mix currencies)."""
    codes = _codes()
    return tuple(c for c in codes if c) or ((DEFAULT,) if not codes else ())


def currency_code() -> str:
    """The billing currency's ISO code ("" when the rows mix currencies)."""
    codes = _codes()
    if not codes:
        return DEFAULT
    return codes[0] if len(codes) == 1 else ""


class InBillCurrency(BaseModel):
    """A result whose amounts are in the bill's currency. `currency` names it, so a script or an LLM reading the
    numbers (MCP's structured content, the CLI's --json) never takes CAD or EUR for dollars; tools.invoke fills
    it in from the store (results built outside it keep None)."""

    currency: str | None = Field(
        None,
        description="ISO 4217 code of the amounts (the bill's BillingCurrency); several codes joined by '+' when "
        "the rows mix currencies (their amounts are added without conversion); null when no amount is money",
    )


def with_currency(result: BaseModel) -> BaseModel:
    """`result` with its `currency` named (InBillCurrency), in the currency in context; left as it is when the
    result is not money (a measure of tokens, requests or hours)."""
    if not isinstance(result, InBillCurrency) or result.currency is not None:
        return result
    column = getattr(result, "measure_column", None)
    if isinstance(column, str) and not column.endswith("Cost"):
        return result
    return result.model_copy(update={"currency": "+".join(currency_codes())})


def currency_sign() -> str:
    """ "$", "€", "£", "¥"; "CHF " for a code without a sign of its own; "" when the rows mix currencies."""
    code = currency_code()
    return SIGNS.get(code, f"{code} " if code else "")


def mixed_note(parts: Sequence[tuple[str | None, Any]] | None = None) -> str:
    """The note for a total over rows in several currencies ("" when the bill is in one). With `parts` (the
    total's amount per currency), it names them: every amount in one currency, or what each currency added."""
    codes = currency_codes()
    if len(codes) < 2:
        return ""
    note = f"the bill mixes currencies ({', '.join(codes)})"
    present = [((c or "no currency").upper(), v) for c, v in parts or () if v]
    if parts is not None and len(present) == 1:
        return f"{note}; every amount here is in {present[0][0]}"
    if parts is not None and present:
        split = ", ".join(f"{code} {_written(v, '', code, False, None)}" for code, v in present)
        return f"{note}; amounts are added without conversion: {split}"
    return f"{note}; amounts are added without conversion"


def money(value: Any, *, signed: bool = False, digits: int | None = None) -> str:
    """An amount in the billing currency: the currency's decimals (2; none for yen), 4 below one unit; or
    `digits` decimals as a cent currency would show them (yen: 2 fewer). `signed`: "+" before a positive
    amount. None is "n/a"."""
    return _written(value, currency_sign(), currency_code(), signed, digits)


def usd(value: Any, *, signed: bool = False, digits: int | None = None, code: bool = False) -> str:
    """An amount in USD whatever the bill's currency: list prices (genai-prices), telemetry cost estimates made
    from them, the PR cost diff (docs/currency.md). `code`: "USD 1.23" when the bill is in another currency, so
    the estimate is not read as a bill amount; "$1.23" otherwise."""
    sign = "USD " if code and currency_code() != DEFAULT else SIGNS[DEFAULT]
    return _written(value, sign, DEFAULT, signed, digits)


def in_code(value: Any, code: str, *, signed: bool = False, digits: int | None = None) -> str:
    """An amount in a currency named by its ISO code, whatever the bill in context ("$1.23", "RON 1.23")."""
    code = code.upper()
    return _written(value, SIGNS.get(code, f"{code} "), code, signed, digits)


def _written(value: Any, sign: str, code: str, signed: bool, digits: int | None) -> str:
    if value is None:
        return "n/a"
    v = float(value)
    a = abs(v)
    if digits is None:
        places = 4 if 0 < a < 1 else 0 if code in NO_MINOR_UNIT else 2
    else:
        places = max(digits - 2, 0) if code in NO_MINOR_UNIT else digits
    text = f"{sign}{a:,.{places}f}"
    if v < 0 and round(a, places) > 0:
        return f"-{text}"
    return f"+{text}" if signed and v > 0 else text


def unit_price(value: Any) -> str:
    """A per-unit price with enough decimals to read a fraction of a cent (or of a yen)."""
    if value is None:
        return "n/a"
    a = abs(float(value))
    return money(value, digits=2 if a >= 1 else 4 if a >= 0.01 else 6)


def axis_format(digits: int = 2) -> str:
    """The d3 number format of a money axis or tooltip: "$,.2f" in USD; ",.2f" otherwise (d3 knows only the
    dollar sign; `axis_title` names the currency instead)."""
    return f"$,.{digits}f" if currency_code() == DEFAULT else f",.{digits}f"


def axis_title(title: str | None) -> str | None:
    """A money axis's title: "cost (EUR)" when the format carries no sign; as is in USD or a mixed bill."""
    code = currency_code()
    return f"{title} ({code})" if title and code and code != DEFAULT else title


# ---------------------------------------------------------------------------------------------- the store's


_CACHE: dict[tuple[object, ...], tuple[str, ...]] = {}  # store state -> its currencies
_LAST: dict[str, tuple[float, tuple[str, ...]]] = {}  # store -> (when read, its currencies) at its last read
_CACHE_GUARD = threading.Lock()
REMOTE_TTL = 60.0  # seconds a ClickHouse store's currencies are trusted (no file to watch)


def _state(store: Any) -> tuple[object, ...] | None:
    """What changes when a DuckDB store file is written (None: a ClickHouse store, no file to watch)."""
    from spendscope.data.store import store_stamp

    if getattr(store, "backend", "duckdb") != "duckdb":
        return None
    path = Path(store.path).resolve()
    return (str(path), *store_stamp(path))


def store_currencies(store: Any) -> tuple[str, ...]:
    """The distinct billing currencies of `store`'s cost rows (upper case, sorted); () when it holds none or
    cannot be read (money is then written in USD). Inside this thread's own write transaction a read would wait
    for itself: the currencies of the store's last read are used."""
    import duckdb
    from spendscope.data.errors import SpendscopeError
    from spendscope.data.store import writing_in_this_thread

    key, name = _state(store), repr(store)
    with _CACHE_GUARD:
        if key is not None and key in _CACHE:
            return _CACHE[key]
        last = _LAST.get(name)
    if key is None and last is not None and time.monotonic() - last[0] < REMOTE_TTL:
        return last[1]
    if key is not None and (not Path(store.path).exists() or writing_in_this_thread(store.path)):
        return last[1] if last else ()
    try:
        with store.reader() as con:
            rows = con.execute("SELECT DISTINCT BillingCurrency FROM costs").fetchall()
    except (SpendscopeError, OSError, duckdb.Error):
        return ()
    codes = tuple(sorted({str(r[0]).strip().upper() for r in rows if r[0] and str(r[0]).strip()}))
    with _CACHE_GUARD:
        if len(_CACHE) > 64:
            _CACHE.clear()
        if key is not None:
            _CACHE[key] = codes
        _LAST[name] = (time.monotonic(), codes)
    return codes
