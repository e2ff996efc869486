"""`spendscope mcp`: serve spendscope's tools over MCP, on stdio (IDE clients) or streamable HTTP."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from spendscope.options import DbOption, serving

if TYPE_CHECKING:
    from spendscope.data.settings import Settings
    from spendscope.data.store import Store
    from spendscope.mcp_server.auth import TokenTable


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    @app.command("mcp")
    def mcp_cmd(
        db: DbOption = None,
        http: Annotated[bool, typer.Option("--http", help="Serve streamable HTTP instead of stdio.")] = False,
        host: Annotated[
            str, typer.Option(help="Address to bind with --http (non-loopback needs --tokens).")
        ] = ("127.0.0.1"),
        port: Annotated[int, typer.Option(help="Port to bind with --http.", min=1, max=65535)] = 8765,
        tokens: Annotated[
            Path | None,
            typer.Option(
                "--tokens", help="Bearer tokens file (YAML) for --http (default $SPENDSCOPE_MCP_TOKENS)."
            ),
        ] = None,
        allow_writes: Annotated[
            bool,
            typer.Option(
                "--allow-writes",
                help="Offer write tools (budgets, anomaly labels, rules); over HTTP "
                "only to tokens with the write scope.",
            ),
        ] = False,
        web: Annotated[
            bool,
            typer.Option(
                "--web",
                help="With --http, also serve the web dashboard at / beside /mcp (same tokens; needs the web "
                "extra).",
            ),
        ] = False,
    ) -> None:
        """Serve the cost tools, resources and prompts over MCP (stdio by default; --http for streamable HTTP)."""
        from spendscope.data.errors import InvalidArgument
        from spendscope.data.settings import load_settings
        from spendscope.data.store import Store
        from spendscope.mcp_server.auth import TokenTable, is_loopback

        s = load_settings(db=db)
        serving(s)
        store = Store(s.db, lock_timeout=s.lock_timeout)
        if not http:
            if tokens is not None:
                raise InvalidArgument("--tokens applies to --http only; stdio serves the local user")
            if web:
                raise InvalidArgument("--web applies to --http only: the dashboard is served over HTTP")
            from spendscope.mcp_server.server import build_server, run_stdio

            run_stdio(build_server(store, allow_writes=allow_writes))
            return
        tokens_file = tokens or s.mcp_tokens
        table = TokenTable.load(tokens_file) if tokens_file is not None else None
        if table is None and not is_loopback(host):
            raise InvalidArgument(
                f"refusing to serve {host} without bearer tokens: give --tokens FILE (or SPENDSCOPE_MCP_TOKENS), "
                "or bind 127.0.0.1"
            )
        if table is None and allow_writes:
            raise InvalidArgument(
                "--allow-writes over HTTP needs --tokens: the write scope is granted per token"
            )
        from spendscope.mcp_server.server import build_server, run_http

        shown = f"[{host}]" if ":" in host else host
        url = f"http://{shown}:{port}/mcp"
        server = build_server(
            store, allow_writes=allow_writes, tokens=table, server_url=url, log_level="INFO"
        )
        beside = _dashboard(store, table, s) if web else None
        auth = (
            f"bearer tokens from {table.source} ({len(table)})"
            if table
            else "NO authentication (loopback only)"
        )
        print(
            f"spendscope MCP server at {url}; store {store.path}; {auth}; writes "
            f"{'on for write-scoped tokens' if allow_writes else 'off'}"
            + (f"; dashboard at http://{shown}:{port}/" if web else ""),
            file=sys.stderr,
            flush=True,
        )
        run_http(server, host, port, beside=beside)


def _dashboard(store: Store, table: TokenTable | None, settings: Settings) -> Any:
    """The web dashboard's ASGI app with the MCP server's tokens (spendscope web's callers)."""
    from spendscope.commands.web import need_web_extra, token_callers
    from spendscope.web.app import build_app

    need_web_extra()
    return build_app(store, authenticate=token_callers(table) if table else None, settings=settings)
