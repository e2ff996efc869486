"""`spendscope ask`: a cost question in plain English, answered by Billy (agents.billy)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from spendscope.options import ChartOption, DbOption, JsonOption


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    @app.command("ask")
    def ask_cmd(
        question: Annotated[
            str, typer.Argument(help='The question, e.g. "Which team spent the most last month?"')
        ],
        db: DbOption = None,
        as_of: Annotated[
            str | None, typer.Option("--as-of", help="Today's date for relative periods (YYYY-MM-DD).")
        ] = None,
        as_json: JsonOption = False,
        thread: Annotated[
            str | None, typer.Option("--thread", help="Conversation id: follow-ups in a thread keep context.")
        ] = None,
        chart: ChartOption = None,
    ) -> None:
        """Answer a cost question: one sentence with the figure, the table behind it and, with --chart, a PNG."""
        from spendscope.agents.billy import ask
        from spendscope.data.errors import InvalidArgument
        from spendscope.options import cli_caller, open_store, settings

        day = None
        if as_of:
            try:
                day = dt.date.fromisoformat(as_of)
            except ValueError:
                raise InvalidArgument(
                    f"--as-of {as_of!r} is not a date; use YYYY-MM-DD", argument="--as-of"
                ) from None
        from spendscope.data.warm import shared_reads

        s = settings(db)
        store = open_store(db, honours_scope=True)
        with shared_reads():  # the catalog and each query read through one DuckDB instance
            answer = ask(store, question, as_of=day, thread_id=thread, settings=s, caller=cli_caller())
        if chart is not None and answer.chart is not None:
            from spendscope.agents.billy.charts import write_png

            write_png(answer.chart, Path(chart))
        if as_json:
            from spendscope.render import print_json

            print_json(answer.to_json_dict())
            return
        _print_answer(answer, chart)


def _print_answer(answer: object, chart: Path | None) -> None:
    from spendscope.render import err_console, output, say

    say(answer.answer)  # type: ignore[attr-defined]
    table = answer.table  # type: ignore[attr-defined]
    if table.columns and table.rows:
        output(table.columns, [tuple(r) for r in table.rows])
    if chart is not None:
        if answer.chart is not None:  # type: ignore[attr-defined]
            err_console.print(f"chart written to {chart}")
        else:
            err_console.print("no chart for this answer")
