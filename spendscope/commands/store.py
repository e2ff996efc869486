"""Store commands: `import events`, `query`, `demo` (cost imports and `imports`: commands/imports.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from spendscope.options import CsvOption, DbOption, JsonOption, open_store, refuse_view_as, settings


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    @import_app.command("events")
    def import_events_cmd(
        files: Annotated[list[Path], typer.Argument(help="Usage events: JSON lines, CSV or Parquet")],
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Import per-request usage events (fields named as the usage_events columns; see docs/schema.md)."""
        from spendscope.data.events import import_events_file
        from spendscope.data.prices import PriceCatalog
        from spendscope.render import console, print_json

        store = open_store(db)
        catalog = PriceCatalog.load(settings(db).prices_file)
        results = [import_events_file(store, f, catalog=catalog) for f in files]
        if as_json:
            print_json(results)
        else:
            for r in results:
                _print_import(console, r)

    @app.command("query")
    def query_cmd(
        sql: Annotated[
            str, typer.Argument(help="One read-only SELECT over the documented views (docs/schema.md)")
        ],
        db: DbOption = None,
        as_json: JsonOption = False,
        as_csv: CsvOption = False,
        limit: Annotated[int, typer.Option(help="Maximum rows returned.")] = 10_000,
    ) -> None:
        """Run read-only SQL over the documented tables and views (with --view-as, over that caller's rows)."""
        from spendscope.options import cli_caller
        from spendscope.render import err_console, output
        from spendscope.tools.sql_query import select

        result = select(open_store(db, honours_scope=True), sql, cli_caller(), row_limit=limit)
        output(result.columns, result.rows, as_json=as_json, as_csv=as_csv, as_is=True)
        if result.truncated:
            err_console.print(f"(first {limit} rows shown; raise --limit for more)")

    @app.command("demo")
    def demo_cmd(
        db: DbOption = None,
        end: Annotated[
            str | None, typer.Option(help="Last day of demo data (YYYY-MM-DD); default yesterday.")
        ] = None,
        days: Annotated[int, typer.Option(help="Days of history to generate.")] = 120,
        seed: Annotated[int, typer.Option(help="Random seed; the same seed and end give the same data.")] = 7,
        as_json: JsonOption = False,
    ) -> None:
        """Build a realistic, deterministic demo store and print a summary of last month's spend."""
        from contextlib import nullcontext

        from spendscope.data.demo import build_demo
        from spendscope.data.store import Store
        from spendscope.demo_summary import print_demo_summary
        from spendscope.render import err_console

        refuse_view_as()  # it writes: never as a read-only caller
        s = settings(db)
        path = db if db is not None else s.demo_db
        store = Store(path, lock_timeout=s.lock_timeout)
        with err_console.status("building the demo store...") if not as_json else nullcontext():
            # only the separate default demo file may be rebuilt from scratch; an explicit --db never is
            info = build_demo(store, end=end, days=days, seed=seed, fresh=db is None)
        print_demo_summary(store, info, explicit_db=db is not None, as_json=as_json)


def _print_import(console: object, result: object) -> None:
    from spendscope.import_runner import print_import

    print_import(console, result)
