"""Coding-assistant commands: `sync claude-code|cursor|github-copilot`, `import claude-code|cursor|github-copilot`,
`assistants` (spend per tool and engineer, unit costs) and `seats` (the roster, idle seats). They translate
arguments and render; the work is in data/ and tools/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer

from spendscope.commands.analytics import FILTER, PERIOD
from spendscope.commands.sources import LookbackOption, SinceOption, UntilOption, _date
from spendscope.opcommands import Command, Opt, register_specs
from spendscope.options import DbOption, JsonOption, open_store, settings
from spendscope.render import Col, money, say, table

FilesArg = Annotated[list[Path], typer.Argument(help="Export files.", exists=True, dir_okay=False)]


def _sync_group(app: typer.Typer) -> typer.Typer:
    for group in app.registered_groups:
        if group.name == "sync" and group.typer_instance is not None:
            return group.typer_instance
    raise RuntimeError("the sync command group is not registered")  # pragma: no cover


def _print_result(label: str, r: Any) -> None:
    from spendscope.render import console

    say = lambda text: console.print(text, markup=False, highlight=False, soft_wrap=True)  # noqa: E731
    if r.import_result.status == "duplicate":
        say(f"{r.source}: already imported ({r.import_result.import_id}); nothing added")
        return
    say(
        f"{label} {r.window_start:%Y-%m-%d} to {r.window_end:%Y-%m-%d %H:%M}Z: {r.cost_rows:,} cost rows"
        + (f" (replacing {r.replaced_rows:,})" if r.replaced_rows else "")
        + f", usage {float(r.usage_cost):,.2f}, seats {float(r.seat_cost):,.2f}"
        + (f", {r.seats:,} seats" if "roster" in r.streams else "")
        + (f", {r.activity_rows:,} activity rows" if "activity" in r.streams else "")
        + (f"; {r.requests} requests, {r.retries} retries" if r.requests else "")
        + f" (import {r.import_result.import_id})"
    )
    for w in r.import_result.warnings:
        say(f"  warning: {w}")


def _sync_command(func_path: str, label: str) -> Any:
    """The `sync <tool>` command for one sync function."""

    def command(
        since: SinceOption = None,
        until: UntilOption = None,
        lookback: LookbackOption = None,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        import importlib

        from spendscope.render import print_json

        module, name = func_path.rsplit(".", 1)
        func = getattr(importlib.import_module(module), name)
        result = func(
            open_store(db),
            settings(db),
            since=_date(since, "--since"),
            until=_date(until, "--until"),
            lookback_days=lookback,
        )
        print_json(result) if as_json else _print_result(f"{label} sync", result)

    return command


# ------------------------------------------------------------------------------------ spend and seats
BY = Opt(("--by",), help="Also group by a dimension, e.g. team")
PER_LINE = Col("per line", "unit")


def _by(extras: dict[str, Any]) -> list[str]:
    by = extras.get("input", {}).get("group_by")
    return [by] if by else []


def assistant_user_rows(r: Any) -> tuple[list[str], list[list[Any]]]:
    columns = ["tool", "user", "group", "seat_cost", "usage_cost", "cost", "active_days", "accepted_lines"]
    columns += ["pull_requests", "cost_per_accepted_line", "cost_per_pull_request"]
    return columns, [[getattr(u, c) for c in columns] for u in r.users]


def show_assistants(r: Any, extras: dict[str, Any]) -> None:
    by = _by(extras)
    money = [Col(c, "money") for c in ("seats", "usage", "cost")]
    table(
        f"Coding assistants, {r.period_label}",
        ["tool", Col("users", "count"), *money, Col("per user", "money"), PER_LINE, Col("per PR", "money")],
        [
            [
                t.name,
                t.users,
                t.seat_cost,
                t.usage_cost,
                t.cost,
                t.cost_per_user,
                t.cost_per_accepted_line,
                t.cost_per_pull_request,
            ]
            for t in r.tools
        ],
    )
    if r.users:
        counts = [Col(c, "count") for c in ("active days", "accepted lines", "PRs")]
        table(
            None,
            ["tool", "user", *by, *money, *counts, PER_LINE, Col("per PR", "money")],
            [
                [
                    u.tool,
                    u.user or "(no user)",
                    *([u.group or "(none)"] if by else []),
                    u.seat_cost,
                    u.usage_cost,
                    u.cost,
                    u.active_days,
                    u.accepted_lines,
                    u.pull_requests,
                    u.cost_per_accepted_line,
                    u.cost_per_pull_request,
                ]
                for u in r.users
            ],
        )
    say(*(f"note: {n}" for n in r.assumptions))


def seat_rows(r: Any) -> tuple[list[str], list[list[Any]]]:
    columns = ["tool", "user", "group", "plan", "monthly_price", "last_activity", "days_idle"]
    columns += ["active_days_30", "idle"]
    return columns, [[getattr(x, c) for c in columns] for x in r.rows]


def show_seats(r: Any, extras: dict[str, Any]) -> None:
    by = _by(extras)
    table(
        f"Seats as of {r.as_of}",
        [
            "tool",
            "user",
            *by,
            "plan",
            Col("monthly", "money"),
            "last activity",
            "days idle",
            "active/30d",
            "idle",
        ],
        [
            [
                x.tool,
                x.user,
                *([x.group or "(none)"] if by else []),
                x.plan or "",
                x.monthly_price,
                "" if x.last_activity is None else str(x.last_activity),
                "never" if x.days_idle is None else str(x.days_idle),
                str(x.active_days_30),
                "idle" if x.idle else "",
            ]
            for x in r.rows
        ],
    )
    if not r.seats:  # "0 of 0 seats idle: $0.00" would read as a checked roster
        say(*(f"note: {n}" for n in r.assumptions[1:]))
        return
    say(f"{r.idle_seats} of {r.seats} seats idle ({r.idle_days}+ days): {money(r.idle_monthly_cost)} a month")


COMMANDS = [
    Command(
        "assistants",
        "get_assistant_costs",
        "Coding-assistant spend per tool and engineer (seats + usage), with cost per accepted line and per PR.",
        show_assistants,
        options={"period": PERIOD, "group_by": BY, "filters": FILTER, "top": Opt(help="Users shown")},
        defaults={"top": 50},
        rows=assistant_user_rows,
    ),
    Command(
        "seats",
        "list_assistant_seats",
        "Coding-assistant seats with their last activity; idle seats and their monthly cost.",
        show_seats,
        options={
            "group_by": Opt(("--by",), help="Also show a dimension per seat, e.g. team"),
            "only_idle": Opt(("--idle",), help="Only idle seats"),
            "filters": FILTER,
        },
        rows=seat_rows,
    ),
]


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    sync_app = _sync_group(app)

    syncs = (
        (
            "claude-code",
            "sync_claude_code",
            "Claude Code",
            "Claude Code Analytics API (per-user usage, tokens, sessions, lines, commits, PRs). Key: "
            "ANTHROPIC_ADMIN_KEY.",
        ),
        (
            "cursor",
            "sync_cursor",
            "Cursor",
            "Cursor Admin API (members, usage events, daily usage, spend) -> seats, usage, activity. Key: "
            "CURSOR_ADMIN_KEY.",
        ),
        (
            "github-copilot",
            "sync_github_copilot",
            "GitHub Copilot",
            "GitHub Copilot seats, premium requests and usage metrics of SPENDSCOPE_GITHUB_ORG. Token: GITHUB_TOKEN.",
        ),
    )
    for name, module, label, doc in syncs:
        sync_app.command(name, help=doc)(_sync_command(f"spendscope.data.{module}.{module}", label))

    def _imports(files: list[Path], db: Any, as_json: bool, func_path: str, **kwargs: Any) -> None:
        import importlib

        from spendscope.render import print_json

        module, name = func_path.rsplit(".", 1)
        func = getattr(importlib.import_module(module), name)
        store, conf = open_store(db), settings(db)
        results = [func(store, f, conf, **kwargs) for f in files]
        if as_json:
            print_json(results)
        else:
            for f, r in zip(files, results, strict=True):
                _print_result(str(f), r)

    @import_app.command("cursor")
    def import_cursor_cmd(files: FilesArg, db: DbOption = None, as_json: JsonOption = False) -> None:
        """Cursor team usage export CSV (dashboard Usage -> Export). All-or-nothing per file; a re-exported period
        replaces the earlier one."""
        _imports(files, db, as_json, "spendscope.data.import_assistants.import_cursor")

    @import_app.command("github-copilot")
    def import_copilot_cmd(
        files: FilesArg,
        as_of: Annotated[
            str | None, typer.Option("--as-of", help="Date of a seat report (default: the file's time).")
        ] = None,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Copilot premium request usage report CSV, seat activity report CSV, or per-user usage metrics NDJSON."""
        day = _date(as_of, "--as-of")
        moment = dt.datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=dt.UTC) if day else None
        _imports(files, db, as_json, "spendscope.data.import_assistants.import_github_copilot", as_of=moment)

    @import_app.command("claude-code")
    def import_claude_code_cmd(files: FilesArg, db: DbOption = None, as_json: JsonOption = False) -> None:
        """Claude Code usage report records (JSON or JSON lines, as the Analytics API returns them)."""
        _imports(files, db, as_json, "spendscope.data.import_assistants.import_claude_code")

    register_specs(app, COMMANDS)
