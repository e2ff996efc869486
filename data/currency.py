"""Money in one currency: the bill's currency, and the explicit rates (`currency_rates`) that convert business money
metrics into it. A money row is converted at the rate whose period contains the row's first day; a row without one
is an error naming the currency and the period, never a silent mix (docs/unit-economics.md)."""

from __future__ import annotations

import datetime as dt

import duckdb
from spendscope.data.errors import InvalidArgument, MissingRate
from spendscope.data.sql import literal


def rate_on(billing: str, m: str = "m", r: str = "r") -> str:
    """The join condition of rate `r` for money row `m` into `billing`: same currency, the rate's period contains
    the row's first day."""
    return (
        f"{r}.currency = {m}.currency AND {r}.to_currency = {literal(billing)} "
        f"AND {r}.period_start <= {m}.period_start AND {m}.period_start < {r}.period_end"
    )


def converted_sql(billing: str, m: str = "m", r: str = "r") -> str:
    """The value of row `m` in `billing` (joined to `currency_rates AS r` ON `rate_on`): as is when it is not money
    or already in `billing` (the product kept at the value's scale: ClickHouse wants both branches alike);
    NULL when a rate is missing (callers refuse those rows first: `missing_rates`)."""
    return (
        f"CASE WHEN {m}.currency IS NULL OR {m}.currency = {literal(billing)} THEN {m}.value "
        f"ELSE CAST({m}.value * {r}.rate AS DECIMAL(38,10)) END"
    )


def billing_currencies(con: duckdb.DuckDBPyConnection, db: str | None = None) -> list[str]:
    """The currencies the bill is in (upper case), most rows first."""
    prefix = f"{db}." if db else ""
    rows = con.execute(
        f"SELECT upper(BillingCurrency) AS c, count(*) AS n FROM {prefix}costs WHERE BillingCurrency IS NOT NULL "
        "GROUP BY 1 ORDER BY n DESC, c"
    ).fetchall()
    return [r[0] for r in rows]


def billing_currency(con: duckdb.DuckDBPyConnection) -> str | None:
    """The one currency the bill is in; None when the store holds no costs. A bill in several currencies is
    refused: adding them up, or holding revenue against them, would mix currencies."""
    found = billing_currencies(con)
    if len(found) > 1:
        raise InvalidArgument(
            f"the bill is in several currencies ({', '.join(found)}); business figures need one billing currency "
            "to hold revenue and units against",
            argument="currency",
        )
    return found[0] if found else None


def period_label(start: dt.date, end: dt.date) -> str:
    """2026-10 for a month, 2026-W42 for an ISO week, the day itself for a day, else 'start to last day'."""
    days = (end - start).days
    if start.day == 1 and end == (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1):
        return f"{start:%Y-%m}"
    if days == 7 and start.isoweekday() == 1:
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if days == 1:
        return start.isoformat()
    return f"{start} to {end - dt.timedelta(days=1)}"


def missing_rates(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    billing: str,
    rates: str = "currency_rates",
    params: list | None = None,
) -> list[tuple[str, str, dt.date, dt.date, int]]:
    """(currency, metric, period start, period end, rows) of money rows in `relation` (with its bound `params`)
    that are not in `billing` and have no rate into it, first periods first."""
    return con.execute(
        f"""SELECT m.currency, m.metric, m.period_start, m.period_end, count(*) FROM {relation} AS m
            WHERE m.currency IS NOT NULL AND m.currency <> ?
              AND NOT EXISTS (SELECT 1 FROM {rates} AS r WHERE {rate_on(billing)})
            GROUP BY ALL ORDER BY m.period_start, m.currency, m.metric LIMIT 20""",
        [*(params or []), billing],
    ).fetchall()


def missing_rate_error(missing: list[tuple[str, str, dt.date, dt.date, int]], billing: str) -> MissingRate:
    """The error for rows without a rate: the first currency and period, and how many more there are."""
    currency, metric, start, end, rows = missing[0]
    label = period_label(start, end)
    more = f" (and {len(missing) - 1} more currency periods)" if len(missing) > 1 else ""
    return MissingRate(
        f"no {currency} to {billing} rate covers {label} ({metric}, {rows} row{'s' if rows != 1 else ''}){more}: "
        f"import the rate with `spendscope import rates FILE` (columns currency, month, rate); money in "
        f"{currency} is never added to {billing} unconverted",
        currency=currency,
        period=label,
        metric=metric,
        to_currency=billing,
    )
