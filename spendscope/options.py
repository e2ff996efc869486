"""Options shared by every command, the command line's caller, and the one place the CLI turns settings into a
Store.

The CLI runs operations as `tools.access.LOCAL` (the person at the terminal). `spendscope --view-as team=search
COMMAND` runs them instead as a read-only caller limited to those rows, to see what a team's MCP token or Slack
channel would see; commands that do not go through tools.invoke refuse to run that way.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import typer

from spendscope.data.errors import InvalidArgument
from spendscope.data.settings import Settings, load_settings
from spendscope.data.store import Store
from spendscope.tools.access import LOCAL, Caller
from spendscope.tools.money_text import use_store

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Cost store: a DuckDB file, clickhouse://user:password@host:8123/db or chdb:PATH "
        "(default: $SPENDSCOPE_DB or ~/.spendscope/spendscope.duckdb).",
    ),
]
_output: dict[str, bool] = {}  # the output formats asked for in this run (--json, --csv)


def output_flag(ctx: typer.Context, param: Any, value: bool) -> bool:
    """Callback of `--json` and `--csv`: remember the format (with `--json` an error is also printed as JSON on
    stdout, so a script reading JSON gets one); both at once is refused rather than one silently winning."""
    if value:
        _output["csv" if "--csv" in param.opts else "json"] = True
        if _output.get("json") and _output.get("csv"):
            raise InvalidArgument("--json and --csv: choose one output format", argument="--json")
    return value


def json_errors() -> bool:
    """Whether this run asked for JSON (`--json`): its error is then JSON too."""
    return _output.get("json", False)


def reset_output() -> None:
    """Forget the formats of an earlier run in this process (tests invoke the app many times)."""
    _output.clear()


JsonOption = Annotated[
    bool, typer.Option("--json", help="Print JSON instead of a table.", callback=output_flag)
]
CsvOption = Annotated[bool, typer.Option("--csv", help="Print CSV instead of a table.", callback=output_flag)]
ChartOption = Annotated[Path | None, typer.Option("--chart", help="Also write a PNG chart to this path.")]

_FILTER = re.compile(r"^\s*([A-Za-z_][\w:.-]*)\s*(!=|\^=|~=|=)\s*(.*)$")
_OPS = {"=": "eq", "!=": "not", "^=": "prefix", "~=": "contains"}
_caller: list[Caller] = [LOCAL]  # the command line's caller for this run (set by --view-as)


def settings(db: str | Path | None = None) -> Settings:
    return load_settings(db=str(db) if db is not None else None)


def refuse_view_as() -> None:
    """InvalidArgument when the command line runs as a `--view-as` caller: for every command that opens a store
    other than through tools.invoke (imports, `demo`, the servers), which could neither limit what it reads nor
    keep a read-only caller from writing."""
    caller = cli_caller()
    if caller.scoped:
        raise InvalidArgument(
            f"--view-as {caller.scope_text()}: this command does not limit its rows to a caller; use it "
            "without --view-as",
            argument="--view-as",
        )


def open_store(db: str | Path | None, *, honours_scope: bool = False) -> Store:
    """The store for a command. A command that does not run through tools.invoke (`honours_scope` false)
    refuses to run as a `--view-as` caller: it could not limit what it reads."""
    if not honours_scope:
        refuse_view_as()
    s = settings(db)
    store = Store(s.db, lock_timeout=s.lock_timeout)
    use_store(store)  # money is written in this store's billing currency for the rest of the command
    return store


def cli_caller() -> Caller:
    return _caller[0]


def set_view_as(texts: list[str] | None) -> None:
    """`--view-as DIM=VALUE[,VALUE]` (repeatable): run as a read-only caller limited to those rows."""
    scope: dict[str, tuple[str, ...]] = {}
    for f in parse_filters(texts, flag="--view-as"):
        if f.op not in ("eq", "in"):
            raise InvalidArgument(
                f"--view-as {f.text()}: name the rows with DIMENSION=VALUE[,VALUE]", argument="--view-as"
            )
        scope[f.dimension.strip().lower()] = (*scope.get(f.dimension.strip().lower(), ()), *f.values)
    _caller[0] = Caller(f"local as {', '.join(texts or [])}", row_scope=scope) if scope else LOCAL


def parse_filters(texts: list[str] | None, flag: str = "--filter") -> list[Any]:
    """`dim=value[,value...]`, `dim!=value`, `dim^=prefix`, `dim~=text` -> tools.costs.breakdown.Filter."""
    from spendscope.tools.costs.breakdown import Filter

    out = []
    for text in texts or []:
        m = _FILTER.match(text)
        if not m or not m.group(3).strip():
            raise InvalidArgument(
                f"{flag} {text!r}: write DIMENSION=VALUE (also !=, ^= for prefix, ~= for "
                "contains; several values separated by commas)",
                argument=flag.lstrip("-"),
            )
        values = [v.strip() for v in m.group(3).split(",") if v.strip()]
        op = _OPS[m.group(2)]
        if len(values) > 1 and op in ("eq", "not"):
            op = "in" if op == "eq" else "not_in"
        out.append(Filter(dimension=m.group(1), op=op, values=values))
    return out


def serving(settings: Settings) -> None:
    """This process serves requests until stopped (mcp, slack, web): keep each store's DuckDB instance warm between
    them for `settings.keep_warm` seconds (data/warm.py). A server answers its own callers (tokens, Slack users),
    so it refuses to start as a `--view-as` caller, whose scope it would not apply."""
    from spendscope.data import warm

    refuse_view_as()
    warm.keep(settings.keep_warm)
