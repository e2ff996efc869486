"""Coding-assistant commands: `sync claude-code|cursor|github-copilot`, `import claude-code|cursor|github-copilot`,
`assistants` (spend per tool and engineer, unit costs) and `seats` (the roster, idle seats). They translate
arguments and render; the work is in data/ and tools/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer

from spendscope.commands.sources import LookbackOption, SinceOption, UntilOption, _date
from spendscope.options import CsvOption, DbOption, JsonOption, open_store, settings

FilterOption = Annotated[
    list[str] | None, typer.Option("--filter", "-f", help="DIM=VALUE (repeatable), e.g. team=search.")
]
FilesArg = Annotated[list[Path], typer.Argument(help="Export files.", exists=True, dir_okay=False)]
ToolOption = Annotated[
    str | None, typer.Option("--tool", help="claude-code, cursor or github-copilot (default: all).")
]


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


def _filters(values: list[str] | None) -> list[dict[str, Any]]:
    from spendscope.data.errors import InvalidArgument

    out = []
    for v in values or []:
        dim, sep, val = v.partition("=")
        if not sep or not dim.strip() or not val.strip():
            raise InvalidArgument(f"--filter {v!r} is not DIM=VALUE", argument="filter")
        out.append({"dimension": dim.strip(), "op": "in", "values": [x.strip() for x in val.split(",")]})
    return out


def _money(v: float | None) -> str:
    return "" if v is None else f"{v:,.2f}"


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

    @app.command("assistants")
    def assistants_cmd(
        period: Annotated[
            str | None, typer.Option("--period", "-p", help="e.g. last-month, 2026-10.")
        ] = None,
        tool: ToolOption = None,
        by: Annotated[str | None, typer.Option("--by", help="Also group by a dimension, e.g. team.")] = None,
        filters: FilterOption = None,
        top: Annotated[int, typer.Option("--top", help="Users shown.")] = 50,
        db: DbOption = None,
        as_json: JsonOption = False,
        as_csv: CsvOption = False,
    ) -> None:
        """Coding-assistant spend per tool and engineer (seats + usage), with cost per accepted line and per PR."""
        from spendscope.render import console, output, print_json
        from spendscope.tools.invoke import invoke

        result = invoke(
            open_store(db),
            "get_assistant_costs",
            {"period": period, "tool": tool, "group_by": by, "filters": _filters(filters), "top": top},
        )
        if as_json:
            print_json(result)
            return
        cols = [
            "tool",
            "user",
            *([by] if by else []),
            "seats",
            "usage",
            "cost",
            "active days",
            "accepted lines",
            "PRs",
            "per line",
            "per PR",
        ]
        rows = [
            [
                u.tool,
                u.user or "(no user)",
                *([u.group] if by else []),
                _money(u.seat_cost),
                _money(u.usage_cost),
                _money(u.cost),
                u.active_days,
                u.accepted_lines,
                u.pull_requests,
                "" if u.cost_per_accepted_line is None else f"{u.cost_per_accepted_line:,.4f}",
                _money(u.cost_per_pull_request),
            ]
            for u in result.users
        ]
        if as_csv:
            output(cols, rows, as_csv=True)
            return
        summary = [
            [
                t.name,
                t.users,
                _money(t.seat_cost),
                _money(t.usage_cost),
                _money(t.cost),
                _money(t.cost_per_user),
                "" if t.cost_per_accepted_line is None else f"{t.cost_per_accepted_line:,.4f}",
                _money(t.cost_per_pull_request),
            ]
            for t in result.tools
        ]
        output(
            ["tool", "users", "seats", "usage", "cost", "per user", "per line", "per PR"],
            summary,
            title=f"Coding assistants, {result.period_label}",
        )
        if rows:
            output(cols, rows)
        for note in result.assumptions:
            console.print(f"note: {note}", markup=False, highlight=False, soft_wrap=True)

    @app.command("seats")
    def seats_cmd(
        tool: ToolOption = None,
        idle_days: Annotated[
            int, typer.Option("--idle-days", help="Idle after this many days without activity.")
        ] = 30,
        idle: Annotated[bool, typer.Option("--idle", help="Only idle seats.")] = False,
        by: Annotated[
            str | None, typer.Option("--by", help="Also show a dimension per seat, e.g. team.")
        ] = None,
        as_of: Annotated[
            str | None, typer.Option("--as-of", help="'Today' for the idle test (YYYY-MM-DD).")
        ] = None,
        filters: FilterOption = None,
        db: DbOption = None,
        as_json: JsonOption = False,
        as_csv: CsvOption = False,
    ) -> None:
        """Coding-assistant seats with their last activity; idle seats and their monthly cost."""
        from spendscope.render import console, output, print_json
        from spendscope.tools.invoke import invoke

        result = invoke(
            open_store(db),
            "list_assistant_seats",
            {
                "tool": tool,
                "idle_days": idle_days,
                "only_idle": idle,
                "group_by": by,
                "as_of": _date(as_of, "--as-of"),
                "filters": _filters(filters),
            },
        )
        if as_json:
            print_json(result)
            return
        cols = [
            "tool",
            "user",
            *([by] if by else []),
            "plan",
            "monthly",
            "last activity",
            "days idle",
            "active/30d",
            "idle",
        ]
        rows = [
            [
                r.tool,
                r.user,
                *([r.group] if by else []),
                r.plan,
                _money(r.monthly_price),
                "" if r.last_activity is None else str(r.last_activity),
                "never" if r.days_idle is None else r.days_idle,
                r.active_days_30,
                "idle" if r.idle else "",
            ]
            for r in result.rows
        ]
        output(cols, rows, as_csv=as_csv, title=f"Seats as of {result.as_of}")
        if not as_csv:
            console.print(
                f"{result.idle_seats} of {result.seats} seats idle ({result.idle_days}+ days): "
                f"{result.idle_monthly_cost:,.2f} a month",
                markup=False,
                highlight=False,
            )
