"""Savings on coding assistants, as recommendations of tools.optimize.savings:

- idle_seat: seats with no activity for N days (default 30) save their monthly price; seats active on at most
  two of the last 30 days are listed as under-used (low confidence: the user may still need them).
- seat_plan: users whose usage-based spend exceeds what a higher plan would cost them: a Copilot Business user
  whose premium-request overage is more than Enterprise's extra seat price less the requests it includes; a
  Claude Code user billed through the API whose monthly estimate exceeds the configured seat price.
- premium_model_mix: per tool, a model whose cost per request (or request unit) is at least 3x the cheapest model
  in use; moving half of its requests to that model saves the difference.

Plan ladders hold GitHub's published Copilot allowances (premium requests included per user and month); seat
prices come from the roster the sync recorded, else the list prices below.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import duckdb
from spendscope.tools.costs.assistants import TOOL_NAMES, SeatsInput, cost_rows_sql, run_seats
from spendscope.tools.costs.breakdown import period_bounds
from spendscope.tools.costs.dimensions import query_source
from spendscope.tools.money_text import money
from spendscope.tools.periods import Period

KINDS = ("idle_seat", "seat_plan", "premium_model_mix")
# tool -> ordered plans: (plan, list price per month, premium requests included per user and month)
PLAN_LADDERS: dict[str, tuple[tuple[str, Decimal, int], ...]] = {
    "github_copilot": (("business", Decimal(19), 300), ("enterprise", Decimal(39), 1000)),
}
MIX_RATIO = Decimal(3)
MIX_SHARE = Decimal("0.5")
UNDER_USED_DAYS = 2


def _money(v: Decimal | float) -> str:
    return money(v, digits=2)


def _idle_seats(
    con: duckdb.DuckDBPyConnection, window: Period, p: Any, make: Any, users: set[str] | None
) -> list[Any]:
    as_of = window.end - dt.timedelta(days=1)
    seats = run_seats(con, SeatsInput(idle_days=p.idle_seat_days, as_of=as_of))
    out = []
    for tool in sorted({r.tool for r in seats.rows}):
        mine = [
            r for r in seats.rows if r.tool == tool and r.monthly_price and (users is None or r.user in users)
        ]
        for label, rows, confidence in (
            ("idle", [r for r in mine if r.idle], "high"),
            ("under-used", [r for r in mine if not r.idle and r.active_days_30 <= UNDER_USED_DAYS], "low"),
        ):
            saving = sum((Decimal(str(r.monthly_price)) for r in rows), Decimal(0))
            if not rows or saving < Decimal(str(p.min_monthly_saving)):
                continue
            rows.sort(key=lambda r: (r.last_activity or dt.date.min, r.user))
            evidence = [
                f"{r.user} ({r.plan or 'seat'}, {_money(r.monthly_price or 0)}/month): "
                + ("never active" if r.last_activity is None else f"last active {r.last_activity}")
                + ("" if r.idle else f", {r.active_days_30} active days in 30")
                for r in rows[:10]
            ]
            if len(rows) > 10:
                evidence.append(
                    f"and {len(rows) - 10} more (spendscope seats --tool {tool.replace('_', '-')} --idle)"
                )
            what = (
                f"no activity for {p.idle_seat_days}+ days"
                if label == "idle"
                else f"active {UNDER_USED_DAYS} days or less in 30"
            )
            out.append(
                make(
                    kind="idle_seat",
                    title=f"{len(rows)} {label} {TOOL_NAMES.get(tool, tool)} seats ({what})",
                    scope={"tool": tool, "seats": label},
                    monthly_saving=float(saving),
                    monthly_cost=float(saving),
                    confidence=confidence,
                    action="remove or reassign these seats (the vendor's admin console), or confirm with their owners",
                    evidence=evidence,
                )
            )
    return out


def _usage_by_user(con: duckdb.DuckDBPyConnection, window: Period, tool: str) -> list[tuple]:
    start, end = period_bounds(window)
    return con.execute(
        """SELECT lower(json_extract_string(Tags, '$.user')) AS usr, sum(EffectiveCost), sum(ListCost),
                  sum(ConsumedQuantity) FILTER (WHERE ConsumedUnit <> 'Tokens' OR ConsumedUnit IS NULL),
                  max(ListUnitPrice)
           FROM costs WHERE x_Source = ? AND ChargeFrequency = 'Usage-Based'
             AND ChargePeriodStart >= ? AND ChargePeriodStart < ?
             AND json_extract_string(Tags, '$.user') IS NOT NULL AND x_Tokens IS NULL
           GROUP BY 1""",
        [tool, start, end],
    ).fetchall()


def _seat_plans(
    con: duckdb.DuckDBPyConnection, window: Period, p: Any, factor: Decimal, make: Any, users: set[str] | None
) -> list[Any]:
    roster = {
        (t, u): (plan, price)
        for t, u, plan, price in con.execute(
            "SELECT tool, user_id, plan, monthly_price FROM assistant_seats"
        ).fetchall()
    }
    out = []
    for tool, ladder in PLAN_LADDERS.items():
        prices = {plan: price for plan, price, _ in ladder}
        for (t, _u), (plan, price) in roster.items():
            if t == tool and plan in prices and price is not None:
                prices[plan] = price  # the contract's price, as synced
        movers = []
        for usr, cost, _list, units, unit_price in _usage_by_user(con, window, tool):
            if users is not None and usr not in users:
                continue
            plan = (roster.get((tool, usr)) or (None, None))[0]
            rank = next((i for i, (name, _, _) in enumerate(ladder) if name == plan), None)
            if rank is None or rank + 1 >= len(ladder) or not cost:
                continue
            higher, _, included = ladder[rank + 1]
            monthly_cost, monthly_units = cost * factor, (units or Decimal(0)) * factor
            extra_seat = prices[higher] - prices[plan]
            alternative = extra_seat + max(monthly_units - included, Decimal(0)) * (unit_price or Decimal(0))
            if alternative < monthly_cost:
                movers.append(
                    (monthly_cost - alternative, usr, plan, higher, monthly_cost, monthly_units, alternative)
                )
        saving = sum((m[0] for m in movers), Decimal(0))
        if movers and saving >= Decimal(str(p.min_monthly_saving)):
            movers.sort(reverse=True)
            out.append(
                make(
                    kind="seat_plan",
                    title=f"{len(movers)} {TOOL_NAMES[tool]} users would cost less on a higher plan",
                    scope={"tool": tool},
                    monthly_saving=float(saving),
                    monthly_cost=float(sum((m[4] for m in movers), Decimal(0))),
                    confidence="medium",
                    action="move these users to the higher plan (their overage costs more than its extra seat price)",
                    evidence=[
                        f"{usr}: {plan} with {_money(cost)}/month of usage ({units:,.0f} request units); {higher} would "
                        f"cost {_money(alt)} more than {plan}, saving {_money(s)}"
                        for s, usr, plan, higher, cost, units, alt in movers[:10]
                    ],
                )
            )
    out += _claude_code_seats(con, window, p, factor, make, users)
    return out


def _claude_code_seats(
    con: duckdb.DuckDBPyConnection, window: Period, p: Any, factor: Decimal, make: Any, users: set[str] | None
) -> list[Any]:
    """API-billed Claude Code users whose monthly estimate exceeds the configured seat price."""
    price = con.execute(
        "SELECT max(monthly_price) FROM assistant_seats WHERE tool = 'claude_code'"
    ).fetchall()[0][0]
    if not price:
        return []
    start, end = period_bounds(window)
    rows = con.execute(
        """SELECT lower(json_extract_string(Tags, '$.user')), sum(ListCost) FROM costs
           WHERE x_Source = 'claude_code' AND ChargeFrequency = 'Usage-Based' AND ChargePeriodStart >= ? AND ChargePeriodStart < ?
             AND json_extract_string(SkuPriceDetails, '$.x_Kind') = 'api usage' AND x_Tokens IS NULL
           GROUP BY 1""",
        [start, end],
    ).fetchall()
    movers = sorted(
        (
            (est * factor - price, usr, est * factor)
            for usr, est in rows
            if est and est * factor > price and (users is None or usr in users)
        ),
        reverse=True,
    )
    saving = sum((m[0] for m in movers), Decimal(0))
    if not movers or saving < Decimal(str(p.min_monthly_saving)):
        return []
    return [
        make(
            kind="seat_plan",
            title=f"{len(movers)} Claude Code users billed through the API spend more than a seat",
            scope={"tool": "claude_code"},
            monthly_saving=float(saving),
            monthly_cost=float(sum((m[2] for m in movers), Decimal(0))),
            confidence="medium",
            action=f"give these users a Claude Code seat ({_money(price)}/month) instead of API billing",
            evidence=[
                f"{usr}: about {_money(est)}/month at API prices (Claude Code estimate)"
                for _, usr, est in movers[:10]
            ],
        )
    ]


def _model_mix(
    con: duckdb.DuckDBPyConnection, window: Period, p: Any, factor: Decimal, make: Any, users: set[str] | None
) -> list[Any]:
    start, end = period_bounds(window)
    by_user = con.execute(
        """SELECT json_extract_string(Tags, '$.assistant') AS tool, x_Model,
                  lower(json_extract_string(Tags, '$.user')) AS usr, sum(EffectiveCost) AS cost,
                  coalesce(sum(x_Requests), sum(ConsumedQuantity), 0) AS units
           FROM costs WHERE x_Source IN ('claude_code', 'cursor', 'github_copilot') AND ChargeFrequency = 'Usage-Based'
             AND x_Tokens IS NULL AND x_Model IS NOT NULL AND ChargePeriodStart >= ? AND ChargePeriodStart < ?
           GROUP BY ALL""",
        [start, end],
    ).fetchall()
    totals: dict[tuple[str, str], list[Decimal]] = {}
    for tool, model, usr, cost, units in by_user:
        if users is None or usr in users:
            acc = totals.setdefault((tool, model), [Decimal(0), Decimal(0)])
            acc[0] += cost or 0
            acc[1] += units or 0
    rows = [(t, m, c, u) for (t, m), (c, u) in sorted(totals.items()) if u > 0]
    out = []
    for tool in sorted({r[0] for r in rows}):
        models = [(cost / units, model, cost, units) for t, model, cost, units in rows if t == tool]
        if len(models) < 2:
            continue
        models.sort()
        cheap_rate, cheap = models[0][0], models[0][1]
        for rate, model, cost, units in models[1:]:
            if rate < MIX_RATIO * cheap_rate or rate <= 0:
                continue
            saving = MIX_SHARE * units * (rate - cheap_rate) * factor
            if saving < Decimal(str(p.min_monthly_saving)):
                continue
            out.append(
                make(
                    kind="premium_model_mix",
                    title=f"{TOOL_NAMES.get(tool, tool)}: {model} costs {float(rate / cheap_rate):.1f}x {cheap} per request",
                    scope={"tool": tool, "model": model},
                    monthly_saving=float(saving),
                    monthly_cost=float(cost * factor),
                    confidence="low",
                    action=f"default to {cheap} and keep {model} for the tasks that need it (a team setting or "
                    "model policy); the estimate moves half of its requests",
                    evidence=[
                        f"{model}: {_money(cost)} for {units:,.1f} requests ({_money(rate)} each) in {window.label}",
                        f"{cheap}: {_money(cheap_rate)} per request",
                    ],
                )
            )
    return out


def assistant_recommendations(
    con: duckdb.DuckDBPyConnection, window: Period, p: Any, factor: Decimal, kinds: set[str], make: Any
) -> list[Any]:
    """The coding-assistant recommendations of the requested kinds (`make` builds a savings Recommendation)."""
    if (
        not con.execute("SELECT count(*) FROM assistant_seats").fetchall()[0][0]
        and not con.execute(
            "SELECT count(*) FROM costs WHERE x_Source IN ('claude_code', 'cursor', 'github_copilot')"
        ).fetchall()[0][0]
    ):
        return []
    users = _allowed_users(con, list(getattr(p, "filters", None) or []))
    recs: list[Any] = []
    if "idle_seat" in kinds:
        recs += _idle_seats(con, window, p, make, users)
    if "seat_plan" in kinds:
        recs += _seat_plans(con, window, p, factor, make, users)
    if "premium_model_mix" in kinds:
        recs += _model_mix(con, window, p, factor, make, users)
    return recs


def _allowed_users(con: duckdb.DuckDBPyConnection, filters: list[Any]) -> set[str] | None:
    """With filters (a caller's own or its row scope), only the users whose assistant cost rows they keep."""
    if not filters:
        return None
    source = query_source(con)
    where, params = cost_rows_sql(con, source, filters, None)
    rows = con.execute(
        f"SELECT DISTINCT lower(json_extract_string(Tags, '$.user')) FROM {source.relation} WHERE {where}",
        params,
    ).fetchall()
    return {r[0] for r in rows if r[0]}
