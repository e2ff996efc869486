"""Coding assistants (Claude Code, Cursor, GitHub Copilot): spend per user with the productivity behind it, and the
seat roster with idle seats.

Everything is anchored on cost rows: a user is in an answer when the caller's filters (and row scope) keep some of
that user's assistant cost rows, so a team-scoped caller sees its own engineers only. Spend is EffectiveCost
(seats amortised daily, usage as charged); activity comes from `assistant_activity` over the same days.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
from pydantic import BaseModel, Field
from spendscope.data.errors import InvalidArgument
from spendscope.data.store import Store
from spendscope.tools.costs.breakdown import (
    Filter,
    TimeRange,
    check_coverage,
    filter_sql,
    period_bounds,
    resolve_range,
)
from spendscope.tools.costs.dimensions import Source, dimension_sql, query_source
from spendscope.tools.money_text import InBillCurrency
from spendscope.tools.registry import operation

TOOL_KEYS = ("claude_code", "cursor", "github_copilot")
SOURCES = TOOL_KEYS  # costs.x_Source of their rows; seat rows are the recurring ones
TOOL_NAMES = {"claude_code": "Claude Code", "cursor": "Cursor", "github_copilot": "GitHub Copilot"}


def tool_key(text: str) -> str:
    low = text.strip().lower().replace("-", "_").replace(" ", "_")
    aliases = {
        "copilot": "github_copilot",
        "github": "github_copilot",
        "claude": "claude_code",
        "claudecode": "claude_code",
    }
    key = aliases.get(low, low)
    if key not in TOOL_KEYS:
        raise InvalidArgument(
            f"unknown coding assistant {text!r}; accepted: claude-code, cursor, github-copilot",
            argument="tool",
            value=text,
        )
    return key


class AssistantCostsInput(TimeRange):
    tool: str | None = Field(None, description="claude-code, cursor or github-copilot; default all")
    group_by: str | None = Field(
        None, description="also group by this dimension, e.g. team (a virtual tag mapping users to teams)"
    )
    filters: list[Filter] = Field(
        default_factory=list, description="filters on cost rows, all of which must hold"
    )
    top: int = Field(200, ge=1, le=10_000, description="users returned, most expensive first")


class AssistantUserRow(BaseModel):
    tool: str
    user: str | None = Field(description="email or login (None: charges the vendor attributes to no user)")
    group: str | None = Field(None, description="value of group_by for this user's rows")
    seat_cost: float
    usage_cost: float
    cost: float = Field(description="seat + usage (effective cost)")
    active_days: int
    sessions: int | None
    requests: int | None
    accepted_lines: int | None
    commits: int | None
    pull_requests: int | None
    cost_per_accepted_line: float | None
    cost_per_pull_request: float | None
    cost_per_active_day: float | None


class AssistantToolSummary(BaseModel):
    tool: str
    name: str
    users: int = Field(description="distinct users with cost in the period")
    seat_cost: float
    usage_cost: float
    cost: float
    cost_per_user: float | None = Field(description="cost / users: 'spend per engineer'")
    accepted_lines: int | None
    pull_requests: int | None
    cost_per_accepted_line: float | None
    cost_per_pull_request: float | None


class AssistantCostsResult(InBillCurrency):
    start: dt.date
    end: dt.date = Field(description="exclusive end")
    period_label: str
    tools: list[AssistantToolSummary]
    users: list[AssistantUserRow] = Field(description="most expensive first")
    total_cost: float
    cost_per_user: float | None = Field(description="total / distinct users over all tools")
    assumptions: list[str] = Field(default_factory=list)


def _within(filters: list[Filter]) -> str:
    """The filters as people write them, e.g. `team=search`."""
    return ", ".join(f.text() for f in filters)


def _ratio(num: Decimal | float | None, den: Decimal | float | int | None) -> float | None:
    if num is None or not den:
        return None
    return float(Decimal(str(num)) / Decimal(str(den)))


def cost_rows_sql(
    con: duckdb.DuckDBPyConnection, source: Source, filters: list[Filter], tool: str | None
) -> tuple[str, list]:
    """WHERE clauses and parameters for the assistant cost rows that `filters` keep."""
    clauses, params = filter_sql(filters, con, source)
    sources = [s for s in SOURCES if tool is None or s == tool]
    clauses.append(f"x_Source IN ({', '.join('?' for _ in sources)})")
    return " AND ".join(clauses), [*params, *sources]


def run_assistant_costs(con: duckdb.DuckDBPyConnection, p: AssistantCostsInput) -> AssistantCostsResult:
    period = resolve_range(p, con)
    notes = check_coverage(con, period)
    source = query_source(con)
    tool = tool_key(p.tool) if p.tool else None
    where, params = cost_rows_sql(con, source, p.filters, tool)
    start, end = period_bounds(period)
    group = (
        f"CAST({dimension_sql(p.group_by, con, source)} AS VARCHAR)"
        if p.group_by
        else "CAST(NULL AS VARCHAR)"
    )
    rows = con.execute(
        f"""
        WITH c AS (
            SELECT json_extract_string(Tags, '$.assistant') AS tool,
                   lower(json_extract_string(Tags, '$.user')) AS usr, {group} AS grp,
                   sum(EffectiveCost) FILTER (WHERE ChargeFrequency = 'Recurring') AS seat_cost,
                   sum(EffectiveCost) FILTER (WHERE ChargeFrequency <> 'Recurring') AS usage_cost
            FROM {source.relation}
            WHERE {where} AND ChargePeriodStart >= ? AND ChargePeriodStart < ?
            GROUP BY ALL
        ),
        a AS (
            SELECT tool, user_id, count(*) FILTER (WHERE coalesce(active, true)) AS active_days,
                   sum(sessions) AS sessions, sum(requests) AS requests, sum(accepted_lines) AS accepted_lines,
                   sum(commits) AS commits, sum(pull_requests) AS pull_requests
            FROM assistant_activity WHERE day >= ? AND day < ? GROUP BY ALL
        )
        SELECT c.tool, c.usr, c.grp, coalesce(c.seat_cost, 0), coalesce(c.usage_cost, 0),
               coalesce(a.active_days, 0), a.sessions, a.requests, a.accepted_lines, a.commits, a.pull_requests
        FROM c LEFT JOIN a ON a.tool = c.tool AND a.user_id = c.usr
        ORDER BY coalesce(c.seat_cost, 0) + coalesce(c.usage_cost, 0) DESC, c.tool, c.usr
        """,
        [*params, start, end, period.start, period.end],
    ).fetchall()
    users: list[AssistantUserRow] = []
    per_tool: dict[str, dict[str, object]] = {}
    everyone: set[str] = set()
    total = Decimal(0)
    for t, usr, grp, seat, usage, days, sessions, requests, lines, commits, prs in rows:
        cost = seat + usage
        total += cost
        users.append(
            AssistantUserRow(
                tool=t,
                user=usr,
                group=grp,
                seat_cost=float(seat),
                usage_cost=float(usage),
                cost=float(cost),
                active_days=int(days),
                sessions=sessions,
                requests=requests,
                accepted_lines=lines,
                commits=commits,
                pull_requests=prs,
                cost_per_accepted_line=_ratio(cost, lines),
                cost_per_pull_request=_ratio(cost, prs),
                cost_per_active_day=_ratio(cost, days),
            )
        )
        agg = per_tool.setdefault(
            t, {"users": set(), "seat": Decimal(0), "usage": Decimal(0), "lines": None, "prs": None}
        )
        if usr:
            agg["users"].add(usr)  # type: ignore[union-attr]
            everyone.add(f"{usr}")
        agg["seat"] += seat  # type: ignore[operator]
        agg["usage"] += usage  # type: ignore[operator]
        for k, v in (("lines", lines), ("prs", prs)):
            if v is not None:
                agg[k] = (agg[k] or 0) + v  # type: ignore[operator]
    tools = []
    for t, agg in sorted(per_tool.items(), key=lambda kv: -(kv[1]["seat"] + kv[1]["usage"])):  # type: ignore[operator]
        cost = agg["seat"] + agg["usage"]  # type: ignore[operator]
        n = len(agg["users"])  # type: ignore[arg-type]
        tools.append(
            AssistantToolSummary(
                tool=t,
                name=TOOL_NAMES.get(t, t),
                users=n,
                seat_cost=float(agg["seat"]),  # type: ignore[arg-type]
                usage_cost=float(agg["usage"]),  # type: ignore[arg-type]
                cost=float(cost),
                cost_per_user=_ratio(cost, n),
                accepted_lines=agg["lines"],  # type: ignore[arg-type]
                pull_requests=agg["prs"],  # type: ignore[arg-type]
                cost_per_accepted_line=_ratio(cost, agg["lines"]),  # type: ignore[arg-type]
                cost_per_pull_request=_ratio(cost, agg["prs"]),  # type: ignore[arg-type]
            )
        )
    if (
        not rows and p.filters
    ):  # a scoped caller's filters too: the reason is the rows asked for, not the store
        notes.append(f"no coding-assistant spend in this period within {_within(p.filters)}")
    elif not rows:
        notes.append(
            "no coding-assistant spend in this period (sync claude-code, cursor or github-copilot first)"
        )
    notes.append(
        "cost is effective cost: seat fees amortised per day, usage as charged; unit costs divide a "
        "user's whole cost by the activity the vendor reports (None where it reports none)"
    )
    return AssistantCostsResult(
        start=period.start,
        end=period.end,
        period_label=period.label,
        tools=tools,
        users=users[: p.top],
        total_cost=float(total),
        cost_per_user=_ratio(total, len(everyone)),
        assumptions=notes,
    )


@operation(
    "get_assistant_costs", input_model=AssistantCostsInput, output_model=AssistantCostsResult, chart=False
)
def assistant_costs(store: Store, params: AssistantCostsInput) -> AssistantCostsResult:
    """Coding-assistant spend (Claude Code, Cursor, GitHub Copilot) per tool and per user: seat fees and usage,
    spend per engineer, and unit costs from the reported productivity (cost per accepted line, per pull request,
    per active day)."""
    with store.reader() as con:
        return run_assistant_costs(con, params)


# ------------------------------------------------------------------------------------------------------- seats


class SeatsInput(BaseModel):
    tool: str | None = Field(None, description="claude-code, cursor or github-copilot; default all")
    idle_days: int = Field(30, ge=1, le=365, description="a seat with no activity for this many days is idle")
    as_of: dt.date | None = Field(None, description="'today' for the idle test; default the real today")
    only_idle: bool = Field(False, description="return idle seats only")
    group_by: str | None = Field(None, description="also report this dimension per seat, e.g. team")
    filters: list[Filter] = Field(default_factory=list, description="filters on the seats' cost rows")


class SeatRow(BaseModel):
    tool: str
    user: str
    plan: str | None
    monthly_price: float | None
    group: str | None = None
    assigned_at: dt.datetime | None
    last_activity: dt.date | None = Field(
        description="the vendor's last activity or the last active day recorded"
    )
    days_idle: int | None = Field(description="days since last activity (None: never active)")
    idle: bool
    active_days_30: int = Field(description="active days in the 30 days to as_of")


class SeatsResult(InBillCurrency):
    as_of: dt.date
    idle_days: int
    seats: int
    idle_seats: int
    idle_monthly_cost: float = Field(description="sum of the idle seats' monthly prices")
    rows: list[SeatRow]
    assumptions: list[str] = Field(default_factory=list)


def run_seats(con: duckdb.DuckDBPyConnection, p: SeatsInput) -> SeatsResult:
    as_of = p.as_of or dt.date.today()
    tool = tool_key(p.tool) if p.tool else None
    source = query_source(con)
    params: list = []
    scope = ""
    grp = "CAST(NULL AS VARCHAR)"
    if p.filters or p.group_by:
        where, params = cost_rows_sql(con, source, p.filters, tool)
        group = (
            f"CAST({dimension_sql(p.group_by, con, source)} AS VARCHAR)"
            if p.group_by
            else "CAST(NULL AS VARCHAR)"
        )
        scope = f"""JOIN (SELECT lower(json_extract_string(Tags, '$.user')) AS usr,
                            arg_max({group}, ChargePeriodStart) AS grp
                     FROM {source.relation} WHERE {where} GROUP BY 1) AS k ON k.usr = s.user_id"""
        grp = "k.grp"
    tool_clause = "AND s.tool = ?" if tool else ""
    rows = con.execute(
        f"""
        WITH a AS (
            SELECT tool, user_id, max(day) FILTER (WHERE coalesce(active, true)) AS last_day,
                   count(*) FILTER (WHERE coalesce(active, true) AND day > CAST(? AS DATE) - 30 AND day <= CAST(? AS DATE)) AS days30
            FROM assistant_activity WHERE day <= CAST(? AS DATE) GROUP BY ALL
        )
        SELECT s.tool, s.user_id, s.plan, s.monthly_price, {grp}, s.assigned_at,
               greatest(CAST(s.last_activity_at AS DATE), a.last_day) AS last_day, coalesce(a.days30, 0)
        FROM assistant_seats AS s {scope}
        LEFT JOIN a ON a.tool = s.tool AND a.user_id = s.user_id
        WHERE (s.ends_at IS NULL OR CAST(s.ends_at AS DATE) > CAST(? AS DATE)) {tool_clause}
        ORDER BY s.tool, s.user_id
        """,
        [as_of, as_of, as_of, *params, as_of, *([tool] if tool else [])],
    ).fetchall()
    out: list[SeatRow] = []
    idle_cost = Decimal(0)
    for t, usr, plan, price, group, assigned, last, days30 in rows:
        since = (as_of - last).days if last is not None else None
        assigned_days = (as_of - assigned.date()).days if assigned is not None else None
        idle = (
            since >= p.idle_days
            if since is not None
            else (assigned_days is None or assigned_days >= p.idle_days)
        )
        if idle and price is not None:
            idle_cost += price
        if p.only_idle and not idle:
            continue
        out.append(
            SeatRow(
                tool=t,
                user=usr,
                plan=plan,
                monthly_price=float(price) if price is not None else None,
                group=group,
                assigned_at=assigned,
                last_activity=last,
                days_idle=since,
                idle=idle,
                active_days_30=int(days30),
            )
        )
    notes = [
        f"idle: no activity in the {p.idle_days} days to {as_of} (a seat assigned less than {p.idle_days} days ago "
        "and never used is not idle yet); activity is the vendor's last activity time or a recorded active day"
    ]
    if not rows and p.filters:
        notes.append(f"no coding-assistant seat within {_within(p.filters)}")
    elif not rows:
        notes.append("no seat roster in the store (sync cursor or github-copilot, or import a seat report)")
    return SeatsResult(
        as_of=as_of,
        idle_days=p.idle_days,
        seats=len(rows),
        idle_seats=sum(1 for r in out if r.idle),
        idle_monthly_cost=float(idle_cost),
        rows=out,
        assumptions=notes,
    )


@operation("list_assistant_seats", input_model=SeatsInput, output_model=SeatsResult)
def assistant_seats(store: Store, params: SeatsInput) -> SeatsResult:
    """Coding-assistant seats (Cursor, GitHub Copilot, Claude Code) with their last activity: idle seats (no activity
    for N days) and what they cost per month."""
    with store.reader() as con:
        return run_seats(con, params)
