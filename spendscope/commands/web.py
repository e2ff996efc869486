"""`spendscope web` (the dashboard) and `spendscope report html` (the month's overview and showback as one file)."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from spendscope.options import DbOption, serving

if TYPE_CHECKING:
    from spendscope.mcp_server.auth import TokenTable
    from spendscope.tools.access import Caller

AsOfOption = Annotated[
    str | None, typer.Option("--as-of", help="Treat this day (YYYY-MM-DD) as today (default: the real date).")
]


def _as_of(text: str | None) -> dt.date | None:
    from spendscope.data.errors import InvalidPeriod

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidPeriod(f"--as-of {text!r} is not a date; use YYYY-MM-DD", argument="as_of") from None


def need_web_extra() -> None:
    from spendscope.data.errors import InvalidArgument

    try:
        import jinja2  # noqa: F401
        import python_multipart  # noqa: F401
    except ImportError:
        raise InvalidArgument(
            "the dashboard needs the web extra: pip install 'spendscope[web]'", argument="web"
        ) from None


def token_callers(table: TokenTable) -> Callable[[str], Caller | None]:
    """token -> Caller over the MCP tokens file: the same identity, write scope and row scope as on /mcp."""
    from spendscope.mcp_server.auth import WRITE
    from spendscope.tools.access import Caller

    def lookup(token: str) -> Caller | None:
        entry = table.lookup(token)
        if entry is None:
            return None
        return Caller(
            identity=entry.identity,
            can_write=WRITE in entry.scopes,
            row_scope=entry.row_scope_tuple(),
            remote=True,
        )

    return lookup


def _report_group(app: typer.Typer) -> typer.Typer:
    """The existing `report` command group (spendscope/commands/allocation.py), or a new one."""
    for group in app.registered_groups:
        if group.name == "report" and group.typer_instance is not None:
            return group.typer_instance
    report = typer.Typer(help="Reports.", no_args_is_help=True)
    app.add_typer(report, name="report")
    return report


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    @app.command("web")
    def web_cmd(
        db: DbOption = None,
        host: Annotated[
            str, typer.Option(help="Address to bind (anything but loopback needs --tokens).")
        ] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port to bind.", min=1, max=65535)] = 8080,
        tokens: Annotated[
            Path | None,
            typer.Option(
                "--tokens",
                help="Tokens file (YAML), the same as the MCP server's (default $SPENDSCOPE_MCP_TOKENS).",
            ),
        ] = None,
        as_of: AsOfOption = None,
    ) -> None:
        """Serve the web dashboard: overview, explorer, showback, anomalies, budgets and more, with Ask Billy."""
        from spendscope.data.errors import InvalidArgument
        from spendscope.data.settings import load_settings
        from spendscope.data.store import Store
        from spendscope.mcp_server.auth import TokenTable, is_loopback

        need_web_extra()
        s = load_settings(db=db)
        serving(s)
        day = _as_of(as_of)
        store = Store(s.db, lock_timeout=s.lock_timeout)
        if not store.path.exists():
            raise InvalidArgument(
                f"no store at {store.path}: build the demo (spendscope demo) or import a bill first",
                argument="db",
            )
        tokens_file = tokens or s.mcp_tokens
        table = TokenTable.load(tokens_file) if tokens_file is not None else None
        if table is None and not is_loopback(host):
            raise InvalidArgument(
                f"refusing to serve {host} without tokens: give --tokens FILE (or SPENDSCOPE_MCP_TOKENS), "
                "or bind 127.0.0.1",
                argument="host",
            )
        import uvicorn

        from spendscope.web.app import build_app

        app_ = build_app(store, authenticate=token_callers(table) if table else None, as_of=day, settings=s)
        shown = f"[{host}]" if ":" in host else host
        auth = (
            f"tokens from {table.source} ({len(table)})" if table else "NO sign-in, read-only (loopback only)"
        )
        print(
            f"spendscope dashboard at http://{shown}:{port}/ ; store {store.path}; {auth}"
            + (f"; today is {day}" if day else ""),
            file=sys.stderr,
            flush=True,
        )
        uvicorn.run(app_, host=host, port=port, log_level="warning", server_header=False)

    report = _report_group(app)

    @report.command("html")
    def report_html(
        month: Annotated[str, typer.Option("--month", help="The month, e.g. 2026-10 or 'last month'.")],
        output: Annotated[Path, typer.Option("--output", "-o", help="HTML file to write.")],
        by: Annotated[str, typer.Option("--by", help="Tag key or dimension for the showback.")] = "team",
        as_of: AsOfOption = None,
        db: DbOption = None,
    ) -> None:
        """The month's overview and showback as one self-contained HTML file (no scripts, charts inline)."""
        from spendscope.options import open_store

        need_web_extra()
        from spendscope.web.report import render_report

        html = render_report(open_store(db), month, by=by, as_of=_as_of(as_of))
        output.write_text(html, encoding="utf-8")
        print(f"wrote {output} ({len(html.encode('utf-8')) // 1024} KB)", file=sys.stderr)
