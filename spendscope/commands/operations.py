"""`spendscope tools list|call`: every registry operation from the command line, as MCP clients see them.

`tools call NAME '{"period": "2026-10"}'` runs any operation through tools.invoke with JSON arguments (the same
arguments an MCP client sends), including those without a command of their own (compare_costs, cost_ratio,
top_usage, ...), and prints its JSON result.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from spendscope.opcommands import group
from spendscope.options import DbOption, cli_caller, open_store


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    tools = group(
        app, "tools", "Every operation, as MCP clients see them: list them, call one with JSON arguments."
    )

    @tools.command("list")
    def tools_list(
        as_json: Annotated[
            bool, typer.Option("--json", help="Print each operation's input schema too.")
        ] = False,
    ) -> None:
        """The operations, their descriptions, and whether they change the store."""
        from spendscope.render import print_json, table
        from spendscope.tools.registry import operations
        from spendscope.tools.scoping import refusal

        ops = operations()
        caller = cli_caller()
        if as_json:
            print_json(
                [
                    {
                        "name": op.name,
                        "description": op.description,
                        "writes": op.writes,
                        "available": refusal(op, caller) is None,
                        "input_schema": op.input_model.model_json_schema(),
                    }
                    for op in ops
                ]
            )
            return
        table(
            "Operations" + (f" (as {caller.scope_text()})" if caller.scoped else ""),
            ["name", "changes the store", "available", "description"],
            [
                [
                    op.name,
                    "yes" if op.writes else "",
                    "yes" if refusal(op, caller) is None else "no",
                    op.description.split("\n")[0],
                ]
                for op in ops
            ],
        )

    @tools.command("call")
    def tools_call(
        name: Annotated[
            str, typer.Argument(help="Operation name, e.g. query_costs (see spendscope tools list).")
        ],
        arguments: Annotated[
            str, typer.Argument(help='Its arguments as a JSON object, e.g. \'{"period": "2026-10"}\'.')
        ] = "{}",
        db: DbOption = None,
    ) -> None:
        """Run one operation with JSON arguments and print its result as JSON."""
        from spendscope.data.errors import InvalidArgument
        from spendscope.render import print_json
        from spendscope.tools.invoke import invoke

        try:
            args = json.loads(arguments)
        except json.JSONDecodeError as exc:
            raise InvalidArgument(
                f"ARGUMENTS is not JSON ({exc.msg} at character {exc.pos})", argument="arguments"
            ) from None
        print_json(invoke(open_store(db, honours_scope=True), name, args, cli_caller()))
