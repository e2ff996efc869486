"""The currency of reconcile's two sides. Telemetry's estimates are in USD (the price catalog's list prices, and the
costs LiteLLM, Langfuse and OpenTelemetry report, which are USD only: docs/telemetry.md); the bill is in its
`BillingCurrency`. On a USD bill they compare as they are. On a bill in another currency the estimates are converted
with the explicit rates of `currency_rates` (`spendscope import rates`: USD -> the bill's currency, the rate whose
period holds the event's day) when they cover every day with events; otherwise the two sides stay in their own
currencies and no drift is stated: a difference between USD and RON amounts is no figure at all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb

USD = "USD"


@dataclass(frozen=True)
class EstimateMoney:
    bill: str | None  # the bill's currency ("" when its AI rows mix currencies; None: no AI rows)
    code: str  # the currency the estimates are returned in
    factor: str = "1"  # SQL: the factor of a USD amount of event `e` (a CASE over the rates' periods)
    params: list[object] = field(default_factory=list)
    note: str | None = None

    @property
    def comparable(self) -> bool:
        """Estimates and bill in one currency: drift is a figure."""
        return self.bill in (None, self.code)


def estimate_money(con: duckdb.DuckDBPyConnection, start: dt.datetime, end: dt.datetime) -> EstimateMoney:
    """How reconcile's estimates meet the bill over [start, end)."""
    codes = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT upper(BillingCurrency) FROM costs WHERE x_Model IS NOT NULL "
            "AND BillingCurrency IS NOT NULL AND ChargePeriodStart >= ? AND ChargePeriodStart < ? ORDER BY 1",
            [start, end],
        ).fetchall()
    ]
    if not codes or codes == [USD]:
        return EstimateMoney(codes[0] if codes else None, USD)
    if len(codes) > 1:
        return EstimateMoney(
            "",
            USD,
            note=f"the bill's AI rows are in several currencies ({', '.join(codes)}) and telemetry's estimates in "
            "USD: estimated and billed are shown each in its own currency, with no drift",
        )
    code = codes[0]
    rates = con.execute(
        "SELECT period_start, period_end, rate FROM currency_rates WHERE upper(currency) = ? "
        "AND upper(to_currency) = ? AND period_end > ? AND period_start < ? ORDER BY period_start",
        [USD, code, start.date(), end.date()],
    ).fetchall()
    days = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT CAST(ts AS DATE) FROM usage_events WHERE ts >= ? AND ts < ? ORDER BY 1",
            [start, end],
        ).fetchall()
    ]
    missing = [d for d in days if not any(a <= d < b for a, b, _ in rates)]
    if missing:
        month = missing[0].strftime("%Y-%m")
        return EstimateMoney(
            code,
            USD,
            note=f"telemetry's estimates are in USD (list prices) and the bill in {code}: no drift without a USD to "
            f"{code} rate covering the days with events (none for {month}{' and later' if missing[-1].strftime('%Y-%m') != month else ''}); "
            f"import one with `spendscope import rates FILE` (columns currency, month, rate, to_currency: USD, "
            f"{month}, ..., {code})",
        )
    whens, params = [], []
    for a, b, rate in rates:
        whens.append("WHEN e.ts >= ? AND e.ts < ? THEN CAST(? AS DECIMAL(38,18))")
        params += [_midnight(a), _midnight(b), rate]
    factor = f"(CASE {' '.join(whens)} END)" if whens else "1"
    return EstimateMoney(
        code,
        code,
        factor,
        params,
        note=f"telemetry's USD estimates converted to {code} at the stored USD to {code} rates (spendscope import "
        "rates) of each event's day",
    )


def _midnight(d: dt.date) -> dt.datetime:
    return dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC)
