"""Commands generated from registry operations: one `Command` spec per command, the options built from the
operation's input model.

Every field of the input model becomes an option named `--field-name` (or the names the spec keeps for it,
such as `--by` for `group_by`), with the field's description and default as its help. The command validates
what was given against the model (errors name the option), runs the operation through `tools.invoke` as the
command line's caller (`options.cli_caller()`: the local user, or the caller `--view-as` names), then writes
the chart (`--chart`, when the operation can be drawn), prints JSON (`--json`), CSV (`--csv`, when the spec
gives rows for it) or the spec's table view (rendered by `render.table`).

Commands are built lazily (`LazyGroup`): the operation modules (statsmodels, pandas) load only when a generated
command runs or shows its help, so `spendscope ask` and the command list start fast; a spec carries the
one-line summary the command list shows.

Input types map to options like this: bool -> a flag (`--x/--no-x` when it defaults to true); int and float ->
numbers; `list[...]` -> a repeatable option whose values may also be comma-separated; `list[Filter]` ->
`--filter DIM=VALUE` (see options.parse_filters); anything else -> text that the model validates (dates,
decimals, choices, periods). Nested models are left to `spendscope tools call`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin

import typer
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from typer.core import TyperCommand, TyperGroup
from typer.models import CommandInfo

from spendscope.options import cli_caller, open_store, parse_filters

View = Callable[[Any, dict[str, Any]], None]


@dataclass(frozen=True)
class Opt:
    """How one input field appears on the command line (default: `--field-name`, the field's description)."""

    flags: tuple[str, ...] = ()
    help: str | None = None
    argument: str | None = None  # a positional argument with this metavar instead of an option


@dataclass(frozen=True)
class Extra:
    """An option of the command that is not an input field (how to print, where to write)."""

    name: str
    flags: tuple[str, ...]
    help: str
    annotation: Any = bool
    default: Any = False


@dataclass(frozen=True)
class Command:
    """A command that runs one registry operation.

    `show(result, extras)` prints the table view (extras: the values of the spec's extra options, and `input`,
    what the command was given); `rows(result)` gives (columns, rows) for --csv; `json(result,
    extras)` what --json prints (default: the result); `prepare(raw, extras)` adjusts the input before it is
    validated (a file read, a default taken from the environment); `context(db)` extra keyword arguments for
    the operation (the local price catalog); `after(result, extras)` runs before the result is printed, in
    every format (a file written)."""

    name: str
    operation: str
    summary: str  # the line the command list shows (without loading the operation)
    show: View
    group: str | None = None
    options: Mapping[str, Opt] = field(default_factory=dict)
    fixed: Mapping[str, Any] = field(default_factory=dict)
    defaults: Mapping[str, Any] = field(default_factory=dict)  # the command's own defaults (the model's else)
    omit: tuple[str, ...] = ()
    rows: Callable[[Any], tuple[list[str], list[list[Any]]]] | None = None
    json: Callable[[Any, dict[str, Any]], Any] | None = None
    extras: tuple[Extra, ...] = ()
    prepare: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]] | None = None
    context: Callable[[Path | None], dict[str, Any]] | None = None
    after: Callable[[Any, dict[str, Any]], None] | None = None
    help: str | None = None


# ------------------------------------------------------------------------------------------- input types


def _plain(ann: Any) -> Any:
    """`X` of `X | None`."""
    if get_origin(ann) in (Union, UnionType):
        args = [a for a in get_args(ann) if a is not type(None)]
        return args[0] if len(args) == 1 else ann
    return ann


def _is_filter_list(ann: Any) -> bool:
    from spendscope.tools.costs.breakdown import Filter

    return get_origin(ann) is list and get_args(ann) == (Filter,)


def _choices(ann: Any) -> tuple[str, ...]:
    """The accepted words of a `Literal[...]` (or `list[Literal[...]]`) field."""
    ann = _plain(ann)
    if get_origin(ann) is list:
        ann = _plain(get_args(ann)[0])
    return tuple(str(a) for a in get_args(ann)) if get_origin(ann) is Literal else ()


def cli_type(ann: Any) -> Any:
    """The option type typer parses for a field of annotation `ann`; None: not offered on the command line."""
    ann = _plain(ann)
    if ann is bool:
        return bool
    if ann in (int, float):
        return ann | None
    if get_origin(ann) is list:
        item = _plain(get_args(ann)[0])
        if isinstance(item, type) and issubclass(item, BaseModel) and not _is_filter_list(ann):
            return None
        return list[str] | None
    if isinstance(ann, type) and issubclass(ann, BaseModel) or get_origin(ann) is dict:
        return None
    return str | None


def _default_text(info: FieldInfo, default: Any = None) -> str:
    if info.is_required():
        return ""
    if default is None:
        default = info.get_default(call_default_factory=True)
    if default in (None, "", [], {}) or isinstance(default, bool):
        return ""
    if isinstance(default, list):
        default = ",".join(str(d) for d in default)
    return f" (default {default})"


def _help(name: str, info: FieldInfo, opt: Opt, default: Any = None) -> str:
    text = opt.help or (info.description or name.replace("_", " "))
    text = text[:1].upper() + text[1:]
    required = " (required)" if info.is_required() and not opt.argument else ""
    body = text if text.endswith("...") else text.rstrip(".")  # a list that ends in "..." keeps its ellipsis
    whole = body + _default_text(info, default) + required
    return whole if whole.endswith("...") else whole + "."


def _metavar(info: FieldInfo) -> str | None:
    ann = _plain(info.annotation)
    if ann is bool:
        return None
    if _is_filter_list(ann):
        return "DIM=VALUE"
    choices = _choices(info.annotation)
    if choices:
        return "[" + "|".join(choices) + "]"
    if ann is int:
        return "INTEGER"
    if ann is float:
        return "NUMBER"
    return "TEXT"


def flag_names(name: str, info: FieldInfo, opt: Opt) -> tuple[str, ...]:
    flags = opt.flags or (f"--{name.replace('_', '-')}",)
    if _plain(info.annotation) is bool and info.default is True and "/" not in flags[0]:
        flags = (f"{flags[0]}/--no-{flags[0].removeprefix('--')}", *flags[1:])
    return flags


def _parse(info: FieldInfo, value: Any) -> Any:
    """A value as typed on the command line -> the input model's form (still validated by the model)."""
    if _is_filter_list(_plain(info.annotation)):
        return [f.model_dump() for f in parse_filters(value)]
    choices = _choices(info.annotation)

    def word(v: str) -> str:
        v = v.strip()
        return v.lower() if choices and all(c == c.lower() for c in choices) else v

    if isinstance(value, list):
        return [word(v) for text in value for v in str(text).split(",") if v.strip()]
    return word(value) if isinstance(value, str) else value


# ------------------------------------------------------------------------------------------- building


def build(spec: Command) -> Callable[..., None]:
    """The typer command function of `spec`: its signature holds one parameter per option."""
    from spendscope.tools.registry import get_operation

    op = get_operation(spec.operation)
    fields = {
        n: f for n, f in op.input_model.model_fields.items() if n not in spec.fixed and n not in spec.omit
    }
    offered = {n: f for n, f in fields.items() if cli_type(f.annotation) is not None}
    arguments = [n for n in offered if spec.options.get(n, Opt()).argument]
    params: list[inspect.Parameter] = []
    field_of: dict[str, str] = {}  # parameter -> field (an argument's parameter is named as its metavar)
    for name in [*arguments, *(n for n in offered if n not in arguments)]:
        info, opt = offered[name], spec.options.get(name, Opt())
        kind = cli_type(info.annotation)
        param = opt.argument.lower() if opt.argument else name
        field_of[param] = name
        if opt.argument:
            default = ... if info.is_required() else None
            decl: Any = typer.Argument(
                default, help=_help(name, info, opt), show_default=False, metavar=opt.argument
            )
        else:
            default = bool(info.default) if kind is bool else None
            decl = typer.Option(
                default,
                *flag_names(name, info, opt),
                help=_help(name, info, opt, spec.defaults.get(name)),
                show_default=False,
                metavar=_metavar(info),
            )
        params.append(inspect.Parameter(param, inspect.Parameter.KEYWORD_ONLY, default=decl, annotation=kind))
    for extra in spec.extras:
        decl = typer.Option(extra.default, *extra.flags, help=extra.help)
        params.append(
            inspect.Parameter(
                extra.name, inspect.Parameter.KEYWORD_ONLY, default=decl, annotation=extra.annotation
            )
        )
    params.append(
        _common(
            "db",
            str | None,
            None,
            "--db",
            "Cost store: a DuckDB file, clickhouse://user:password@host:8123/db or chdb:PATH "
            "(default: $SPENDSCOPE_DB or ~/.spendscope/spendscope.duckdb).",
        )
    )
    params.append(_common("as_json", bool, False, "--json", "Print JSON instead of a table."))
    if spec.rows is not None:
        params.append(_common("as_csv", bool, False, "--csv", "Print CSV instead of a table."))
    if op.chart:
        params.append(_common("chart", Path | None, None, "--chart", "Also write a PNG chart to this path."))

    display = {
        n: (
            spec.options.get(n, Opt()).argument
            or flag_names(n, offered[n], spec.options.get(n, Opt()))[0].split("/")[0]
        )
        for n in offered
    }

    def command(**given: Any) -> None:
        extras = {e.name: given.pop(e.name) for e in spec.extras}
        db, as_json = given.pop("db"), given.pop("as_json")
        as_csv, chart = given.pop("as_csv", False), given.pop("chart", None)
        raw = {
            **spec.defaults,
            **{
                field_of[n]: _parse(offered[field_of[n]], v)
                for n, v in given.items()
                if v is not None and v != []
            },
        }
        if spec.prepare is not None:
            raw = spec.prepare(raw, extras)
        raw = {**raw, **spec.fixed}
        result = run(op, raw, db, display, spec.context(db) if spec.context else {})
        extras["input"] = raw
        if spec.after is not None:
            spec.after(result, extras)
        emit(spec, op.chart, result, extras, as_json=as_json, as_csv=as_csv, chart=chart)

    command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in params}
    command.__name__ = f"{(spec.group or '').replace('-', '_')}_{spec.name.replace('-', '_')}".strip("_")
    command.__doc__ = spec.help or op.description
    return command


def _common(name: str, annotation: Any, default: Any, flag: str, help_text: str) -> inspect.Parameter:
    from spendscope.options import output_flag

    callback = output_flag if flag in ("--json", "--csv") else None
    return inspect.Parameter(
        name,
        inspect.Parameter.KEYWORD_ONLY,
        default=typer.Option(default, flag, help=help_text, callback=callback),
        annotation=annotation,
    )


def run(
    op: Any, raw: dict[str, Any], db: str | Path | None, display: Mapping[str, str], context: dict[str, Any]
) -> Any:
    """Validate (errors name the options), then run the operation through tools.invoke as the CLI's caller."""
    from spendscope.tools.invoke import invoke, validate_model

    params = validate_model(op.input_model, raw, names=display)
    return invoke(open_store(db, honours_scope=True), op, params, cli_caller(), context=context)


def emit(
    spec: Command,
    chartable: bool,
    result: Any,
    extras: dict[str, Any],
    *,
    as_json: bool,
    as_csv: bool,
    chart: Path | None,
) -> None:
    from spendscope.render import print_csv, print_json

    if chartable:
        from spendscope.charts import write_chart_for

        write_chart_for(result, chart)
    if as_json:
        print_json(spec.json(result, extras) if spec.json else result)
    elif as_csv and spec.rows is not None:
        print_csv(*spec.rows(result))
    else:
        spec.show(result, extras)


class LazyCommand(TyperCommand):
    """A command listed by name and summary, built from its spec only when it runs or shows its help."""

    def __init__(self, spec: Command) -> None:
        super().__init__(spec.name, help=spec.summary, rich_markup_mode=None)
        self.spec = spec
        self._real: Any = None

    @property
    def real(self) -> Any:
        if self._real is None:
            info = CommandInfo(name=self.spec.name, callback=build(self.spec))
            self._real = typer.main.get_command_from_info(
                info, pretty_exceptions_short=True, rich_markup_mode=None
            )
        return self._real

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        return self.real.make_context(info_name, args, parent=parent, **extra)

    def get_params(self, ctx: Any) -> Any:
        return self.real.get_params(ctx)

    def shell_complete(self, ctx: Any, incomplete: str) -> Any:
        return self.real.shell_complete(ctx, incomplete)


LAZY: dict[str, list[Command]] = {}  # group name ("" for the top level) -> its generated commands


class LazyGroup(TyperGroup):
    """A command group that also holds the generated commands registered for its name, as LazyCommands."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        key = "" if kwargs.get("name") in (None, "", "spendscope") else kwargs["name"]
        for spec in LAZY.get(key, []):
            self.commands.setdefault(spec.name, LazyCommand(spec))


def group(app: typer.Typer, name: str, help_text: str) -> typer.Typer:
    """The sub-command group `name` of `app`, made on first use (several modules add to one group)."""
    for g in app.registered_groups:
        if g.name == name and g.typer_instance is not None:
            return g.typer_instance
    sub = typer.Typer(help=help_text, no_args_is_help=True, cls=LazyGroup)
    app.add_typer(sub, name=name)
    return sub


GROUP_HELP = {
    "budgets": "Budgets per scope and period: status, burn rate, projection and alerts.",
    "anomalies": "Unusual daily spend per provider, service, model, team, feature and customer; root cause and "
    "feedback.",
    "tags": "Virtual tags: allocation rules, coverage, suggestions and review.",
    "owners": "Owners of tag values (Slack channel, Slack user, email, Teams webhook).",
    "shared": "Shared-cost pools (defined in the rules file's `shared:` section).",
    "report": "Reports: showback/chargeback and telemetry-based customer attribution.",
    "prices": "The price catalog: a model's prices (tiers, long context, dates), price changes, model costs.",
}


def register_specs(app: typer.Typer, specs: list[Command]) -> None:
    """Add the generated commands of `specs` to `app` (the top level) or to their groups, lazily."""
    for spec in specs:
        if spec.group:
            group(app, spec.group, GROUP_HELP.get(spec.group, ""))
        LAZY.setdefault(spec.group or "", []).append(spec)
