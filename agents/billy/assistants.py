"""Coding-assistant questions (GitHub Copilot, Cursor, Claude Code): seats, idle seats, spend per engineer (or per
active engineer), cost per accepted line or pull request, spend by engineer, and "coding assistants" as one line of
spend. The reading step (`read_assistant`) sets the kind of question; the answer comes from `list_assistant_seats`
or `get_assistant_costs`, run through tools.invoke as the caller. A plain "copilot spend in august" is not one of
these: the ordinary planner answers it from the cost rows.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from spendscope.agents.billy.models import BillyAnswer, Plan, Table
from spendscope.agents.billy.phrasing import money, period_phrase, scope_phrase

if TYPE_CHECKING:
    from spendscope.agents.billy.reading import Reading
    from spendscope.agents.billy.resolve import ValueIndex
    from spendscope.agents.billy.runner import Runner

# tool key (x_Source, as tools.costs.assistants names it) -> (how people say it, the store's service name)
TOOLS = {
    "github_copilot": (re.compile(r"\b(github[- ]?)?copilot\b"), "GitHub Copilot"),
    "cursor": (re.compile(r"\bcursor\b"), "Cursor"),
    "claude_code": (re.compile(r"\bclaude[- ]?code\b"), "Claude Code"),
}
CATEGORY = re.compile(r"\b(ai )?(coding|code|developer|dev) (assistants?|tools?|copilots?|agents?)\b")
_PERSON = r"(engineers?|devs?|developers?|users?|persons?|people|heads?|members?|programmers?)"
SEATS = re.compile(r"\bseats?\b|\blicen[cs]es?\b")
IDLE = re.compile(
    r"\b(idle|unused|inactive|dormant|wasted|never used|not (being )?used|not using|nobody uses)\b|"
    r"\b(is|are|was|were|do|does|did|have|has)n'?t (been )?(using|used)\b"
)
HOW_MANY = re.compile(r"\bhow many\b|\bnumber of\b|\bcount\b")
PER_LINE = re.compile(r"\bper (accepted |suggested )?(lines?|loc)\b")
PER_PR = re.compile(r"\bper (pull requests?|prs?)\b")
PER_PERSON = re.compile(
    rf"\b(per|each|a|every) (active )?({_PERSON}|seats?|licen[cs]es?)\b|\bper[- ]head\b"  # a seat is a user's
)
BY_PERSON = re.compile(
    rf"\b(by|per) {_PERSON}\b.*\b(breakdown|split)\b|\b(by|across|split by|broken down by) {_PERSON}\b|"
    rf"\b(which|top)\b.*\b{_PERSON}\b|\bwho (spent|spends|spend|cost|costs|used|uses|burn\w*)\b"
)
ACTIVE = re.compile(r"\bper active\b|\beach active\b")


def tools_named(low: str) -> list[str]:
    return [key for key, (pattern, _) in TOOLS.items() if pattern.search(low)]


def read_assistant(r: Reading, index: ValueIndex) -> None:
    """Set `r.assistant` (the kind of coding-assistant question) when the store holds coding-assistant spend and
    the question asks about seats, a per-engineer or per-line cost, spend by engineer, or the assistants as one
    line of spend."""
    held = {name for _, name in TOOLS.values()} & set(index.values.get("service", []))
    low = r.low
    named = [k for k in tools_named(low) if TOOLS[k][1] in held]
    category_words = CATEGORY.search(low)
    category = bool(category_words)
    if not held or not (named or category or SEATS.search(low)):
        return
    r.assistant_tools = named
    if category_words:
        r.q.block_span(*category_words.span())  # "coding assistants" is a category, not an unknown name
    if IDLE.search(low) and (SEATS.search(low) or named):
        r.assistant = "idle_seats"
    elif SEATS.search(low) and HOW_MANY.search(low):
        r.assistant = "seats"
    elif PER_LINE.search(low):
        r.assistant = "per_line"
    elif PER_PR.search(low):
        r.assistant = "per_pr"
    elif PER_PERSON.search(low):
        r.assistant = "per_active_user" if ACTIVE.search(low) else "per_user"
    elif BY_PERSON.search(low):
        r.assistant = "by_user"
    elif category:
        r.assistant = "total"


def finish_plan(plan: Plan, r: Reading) -> None:
    """The tool named becomes the operation's `tool`; the words for a person ("per dev") are not user names."""
    tool_services = {TOOLS[k][1] for k in r.assistant_tools}
    keep = []
    for f in plan.filters:
        if f.dimension in ("service", "provider", "invoice_issuer", "publisher", "user", "assistant"):
            continue  # the tool (a service or provider name) or a person word read as a user: not a filter
        keep.append(f)
    plan.filters = keep
    plan.subject = r.assistant or ""
    plan.group_by = list(r.assistant_tools)  # carried to the answer; the operation takes one tool at a time
    if tool_services:
        plan.assumptions.append(f"coding assistant: {', '.join(sorted(tool_services))}")


def _tool(plan: Plan) -> str | None:
    return plan.group_by[0] if len(plan.group_by) == 1 else None


def _name(plan: Plan, seats: bool = False) -> str:
    tool = _tool(plan)
    return TOOLS[tool][1] if tool else "coding-assistant" if seats else "coding assistants"


def answer(run: Runner, plan: Plan, index: ValueIndex) -> BillyAnswer:
    if plan.subject in ("seats", "idle_seats"):
        return _seats(run, plan)
    return _costs(run, plan)


def _seats(run: Runner, plan: Plan) -> BillyAnswer:
    from spendscope.tools.costs.assistants import SeatsInput

    today = plan.as_of or dt.date.today()
    idle = plan.subject == "idle_seats"
    res = run.call("list_assistant_seats", SeatsInput(tool=_tool(plan), as_of=today, filters=plan.filters))
    what = _name(plan, seats=True)
    rows = [r for r in res.rows if r.idle] if idle else res.rows
    if not res.seats:
        return BillyAnswer(
            answer=f"No {what} seats are in the store (sync the tool's seat roster).", value=None
        )
    note = f"idle = no activity in the {res.idle_days} days to {res.as_of}"
    if idle:
        if not rows:
            text = (
                f"0 idle {what} seats: all {res.seats} were used in the {res.idle_days} days to {res.as_of}."
            )
        else:
            names = [f"{r.user} ({_last(r)})" for r in rows]
            text = (
                f"{len(rows)} of {res.seats} {what} seats are idle: {', '.join(names[:12])}"
                + (f" and {len(names) - 12} more" if len(names) > 12 else "")
                + f"; they cost {money(res.idle_monthly_cost)} a month. Assumed: {note}."
            )
        value: Any = len(rows)
    else:
        text = (
            f"{res.seats} {what} seats are assigned as of {res.as_of}; {res.idle_seats} of them are idle "
            f"({money(res.idle_monthly_cost)} a month). Assumed: {note}."
        )
        value = res.seats
    table = Table(
        columns=["tool", "user", "plan", "monthly_price", "last_activity", "days_idle", "idle"],
        rows=[
            [r.tool, r.user, r.plan, r.monthly_price, _iso(r.last_activity), r.days_idle, r.idle]
            for r in rows[:200]
        ],
    )
    return BillyAnswer(answer=text, value=value, table=table)


def _last(row: Any) -> str:
    return "never active" if row.last_activity is None else f"last active {row.last_activity}"


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def _costs(run: Runner, plan: Plan) -> BillyAnswer:
    from spendscope.tools.costs.assistants import AssistantCostsInput

    rng: dict[str, Any] = {}
    if plan.period is not None:
        rng = {"start": plan.period.start, "end": plan.period.last}
    res = run.call(
        "get_assistant_costs", AssistantCostsInput(tool=_tool(plan), filters=plan.filters, top=10_000, **rng)
    )
    what, when = _name(plan), period_phrase(plan.period)
    scope = scope_phrase(plan.filters)
    where = f"{what} {when}" + (f" for {scope}" if scope else "")
    users = [u for u in res.users if u.user]
    kind = plan.subject
    if kind == "by_user":
        by_user: dict[str, float] = {}
        for u in users:
            by_user[u.user or ""] = by_user.get(u.user or "", 0.0) + u.cost
        ranked = sorted(by_user.items(), key=lambda kv: -kv[1])
        if not ranked:
            return BillyAnswer(answer=f"No {what} spend is attributed to an engineer {when}.", value=None)
        top = ranked[0]
        text = (
            f"{top[0]} cost the most on {where}: {money(top[1])} of {money(res.total_cost)}"
            + (f"; next {', '.join(f'{u} ({money(c)})' for u, c in ranked[1:4])}" if len(ranked) > 1 else "")
            + "."
        )
        table = Table(columns=["user", "cost"], rows=[[u, round(c, 2)] for u, c in ranked[:200]])
        return BillyAnswer(answer=text, value=top[0], table=table)
    if kind in ("per_user", "per_active_user"):
        people = {u.user for u in users if kind == "per_user" or u.active_days > 0}
        if not people:
            return BillyAnswer(answer=f"No engineers have {what} spend {when}.", value=None)
        per = res.total_cost / len(people)
        who = "active engineer (at least one active day)" if kind == "per_active_user" else "engineer"
        text = (
            f"{money(per)} per {who} on {where} ({money(res.total_cost)} over {len(people)} engineers)."
            " Assumed: engineers = users with spend on the tool in the period (seat or usage)."
        )
        return BillyAnswer(answer=text, value=round(per, 2), table=_tools_table(res))
    if kind in ("per_line", "per_pr"):
        field, unit = (
            ("accepted_lines", "accepted line") if kind == "per_line" else ("pull_requests", "pull request")
        )
        count = sum(getattr(t, field) or 0 for t in res.tools)
        if not count:
            return BillyAnswer(
                answer=f"No {unit}s are reported for {where}, so there is no cost per {unit} "
                f"(the vendor's productivity report carries them).",
                value=None,
            )
        per = res.total_cost / count
        text = (
            f"{_small(per)} per {unit} on {where} ({money(res.total_cost)} over {count:,} {unit}s, "
            "as the vendor reports them)."
        )
        return BillyAnswer(answer=text, value=round(per, 6), table=_tools_table(res))
    text = f"We spent {money(res.total_cost)} on {where}" + (
        f": {', '.join(f'{t.name} {money(t.cost)}' for t in res.tools)}." if res.tools else "."
    )
    return BillyAnswer(answer=text, value=round(res.total_cost, 2), table=_tools_table(res))


def _small(v: float) -> str:
    return money(v) if v >= 0.1 else money(v, 4)


def _tools_table(res: Any) -> Table:
    return Table(
        columns=[
            "tool",
            "users",
            "seat_cost",
            "usage_cost",
            "cost",
            "cost_per_user",
            "cost_per_accepted_line",
        ],
        rows=[
            [t.name, t.users, t.seat_cost, t.usage_cost, t.cost, t.cost_per_user, t.cost_per_accepted_line]
            for t in res.tools
        ],
    )
