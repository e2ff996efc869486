"""The one way in: every surface (CLI, MCP, Billy, Slack, web) runs operations through `invoke`.

`invoke(store, name, params, caller)`:
1. finds the operation in the registry;
2. validates the input against the operation's model (a mapping is validated; unknown keys are refused at
   every depth, so `filters[0].bogus` is an error rather than silently dropped);
3. checks the caller's permission (writes need write permission; row-scoped callers may only run operations
   that can be limited to their rows) and that a row scope names values the store holds;
4. resolves the names in its filters against the store (tools/names.py: an unknown value is an error with
   suggestions, never $0; `Claude Sonnet 4.5` becomes `claude-sonnet-4-5`), then refuses filters no row can
   satisfy together (`team=support` and `team=search`; `month=2026-09` in October 2026);
5. applies the caller's row scope (tools/scoping.py) to every `filters` list the input holds;
6. runs the operation, writing any amount in its text in the store's billing currency (tools.money_text), names
   that currency in a result that carries amounts (`currency`, tools.money_text.InBillCurrency), and puts first in its assumptions (or notes) a named period the input's own dates replaced.

Surfaces never apply scopes or permissions themselves, so a new operation is covered everywhere at once.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from spendscope.data.errors import InvalidArgument, PermissionDenied
from spendscope.data.store import Store
from spendscope.data.warm import shared_reads
from spendscope.tools.access import LOCAL, Caller
from spendscope.tools.money_text import for_store, with_currency
from spendscope.tools.names import (
    check_filter_conflicts,
    check_filters_together,
    check_named,
    check_scope,
    resolve_filters,
)
from spendscope.tools.registry import Operation, get_operation
from spendscope.tools.scoping import refusal, scoped_params


def _location(loc: tuple[int | str, ...], names: Mapping[str, str] | None) -> str:
    """`filters[0].values` (or, named as the command line names it, `--filter`)."""
    if not loc:
        return "arguments"
    if names:  # an option: its name says where; the value is quoted after the message
        return names.get(str(loc[0]), str(loc[0])) + "".join(f".{p}" for p in loc[1:] if isinstance(p, str))
    text = str(loc[0])
    for p in loc[1:]:
        text += f"[{p}]" if isinstance(p, int) else f".{p}"
    return text


def validation_problems(
    exc: ValidationError, model: type[BaseModel], names: Mapping[str, str] | None = None
) -> list[str]:
    """One readable part per pydantic error: which argument (as `names` calls it), what was wrong, what is
    accepted."""
    parts = []
    for err in exc.errors(include_url=False, include_context=False):
        loc = _location(err["loc"], names)
        kind = err["type"]
        msg = str(err["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
        if kind == "extra_forbidden":
            msg = f"unknown argument; accepted: {', '.join(model.model_fields)}"
        elif kind == "missing":
            msg = "required"
        elif isinstance(err.get("input"), str | int | float | bool):
            got = repr(err["input"])
            msg += f" (got {got[:60] + '...' if len(got) > 60 else got})"
        parts.append(f"{loc}: {msg}")
    return parts


def _models_in(ann: Any) -> list[type[BaseModel]]:
    """The pydantic models a value of annotation `ann` may be (through Optional, unions and Annotated)."""
    if get_origin(ann) is Annotated:
        return _models_in(get_args(ann)[0])
    if get_origin(ann) in (Union, UnionType):
        return [m for a in get_args(ann) for m in _models_in(a)]
    return [ann] if isinstance(ann, type) and issubclass(ann, BaseModel) else []


def _item_annotation(ann: Any, container: type) -> Any | None:
    """`X` of `list[X]` / `dict[str, X]` (through Optional), or None."""
    if get_origin(ann) is Annotated:
        return _item_annotation(get_args(ann)[0], container)
    if get_origin(ann) in (Union, UnionType):
        found = [_item_annotation(a, container) for a in get_args(ann)]
        return next((f for f in found if f is not None), None)
    if get_origin(ann) is container and get_args(ann):
        return get_args(ann)[-1]
    return None


def _unknown_keys(model: type[BaseModel], data: Any, loc: str) -> Iterator[str]:
    """`path: unknown key; accepted: ...` for every key of `data` (at any depth) that `model` does not have."""
    if not isinstance(data, Mapping):
        return
    fields = model.model_fields
    names = {n: n for n in fields} | {f.alias: n for n, f in fields.items() if f.alias}
    for key, value in data.items():
        where = f"{loc}.{key}" if loc else str(key)
        if key not in names:
            yield f"{where}: unknown {'key' if loc else 'argument'}; accepted: {', '.join(fields)}"
            continue
        ann = fields[names[key]].annotation
        for sub in _models_in(ann)[:1]:
            yield from _unknown_keys(sub, value, where)
        item = _item_annotation(ann, list)
        if item is not None and isinstance(value, list):
            for sub in _models_in(item)[:1]:
                for i, v in enumerate(value):
                    yield from _unknown_keys(sub, v, f"{where}[{i}]")
        entry = _item_annotation(ann, dict)
        if entry is not None and isinstance(value, Mapping):
            for sub in _models_in(entry)[:1]:
                for k, v in value.items():
                    yield from _unknown_keys(sub, v, f"{where}.{k}")


def validate_model(
    model: type[BaseModel],
    params: BaseModel | Mapping[str, Any] | None,
    names: Mapping[str, str] | None = None,
) -> BaseModel:
    """`params` as an instance of `model`; InvalidArgument names what is wrong (unknown keys at any depth),
    calling each argument as `names` says (the CLI: `group_by` is `--by`)."""
    if isinstance(params, model):
        return params
    raw: Any = {} if params is None else params
    if isinstance(params, BaseModel):
        raw = params.model_dump(exclude_unset=True)
    if not isinstance(raw, Mapping):
        raise InvalidArgument(f"invalid arguments: expected an object of named arguments, got {raw!r:.60}")
    problems = list(_unknown_keys(model, raw, ""))
    try:
        validated = model.model_validate(dict(raw))
    except ValidationError as exc:
        problems += validation_problems(exc, model, names)
    if problems:
        lead = "" if names else "invalid arguments: "
        raise InvalidArgument(lead + "; ".join(problems), argument=problems[0].split(":")[0])
    return validated


def validate(op: Operation, params: BaseModel | Mapping[str, Any] | None) -> BaseModel:
    """`params` as an instance of the operation's input model; InvalidArgument names what is wrong."""
    return validate_model(op.input_model, params)


def check_permission(op: Operation, caller: Caller) -> None:
    """PermissionDenied when `caller` may not run `op` at all (before anything is read)."""
    reason = refusal(op, caller)
    if reason is not None:
        raise PermissionDenied(reason)


def prepare(
    store: Store, op: Operation, params: BaseModel | Mapping[str, Any] | None, caller: Caller
) -> BaseModel:
    """Validated input, permission checked, names resolved and the caller's row scope applied."""
    checked = validate(op, params)
    check_permission(op, caller)
    check_scope(store, caller)
    resolved = check_named(store, resolve_filters(store, checked, caller), caller)
    check_filter_conflicts(resolved)
    check_filters_together(store, resolved)
    scoped = scoped_params(op, resolved, caller)
    if caller.scoped and scoped is not resolved:
        try:  # the caller's own filters may exclude every row its scope lets it see (team!=search as search)
            check_filter_conflicts(scoped)
        except InvalidArgument:
            raise InvalidArgument(
                f"these filters exclude every row this caller may see ({caller.scope_text()}): the answer would "
                "be a meaningless 0; other rows are outside this caller's scope",
                argument="filters",
            ) from None
    return scoped


def overridden_periods(params: BaseModel) -> list[str]:
    """What the answer should say about a named period the input's own dates replace: `period` given with
    `start`/`end` (and `compare_period` with `compare_start`/`compare_end`), at any depth. The dates win, as
    documented; the answer says so rather than drop the period without a word."""
    notes: list[str] = []
    fields = type(params).model_fields
    for name in fields:
        if not name.endswith("period"):
            continue
        prefix = name[: -len("period")]
        named, start, end = (getattr(params, n, None) for n in (name, prefix + "start", prefix + "end"))
        if isinstance(named, str) and named.strip() and (start or end) and prefix + "start" in fields:
            where = f"{prefix}start/{prefix}end" if prefix else "start/end"
            notes.append(
                f"{name} {named!r} was not used: {where} ({start} to {end}) were given and take its place"
            )
    for name in fields:
        value = getattr(params, name)
        if isinstance(value, BaseModel):
            notes += [f"{name}: {n}" for n in overridden_periods(value)]
    return notes


def _with_notes(result: BaseModel, notes: list[str]) -> BaseModel:
    """`result` with `notes` first in its assumptions (or notes), when it has such a list."""
    for field in ("assumptions", "notes"):
        if notes and isinstance(getattr(result, field, None), list):
            return result.model_copy(update={field: [*notes, *getattr(result, field)]})
    return result


def invoke(
    store: Store,
    operation: str | Operation,
    params: BaseModel | Mapping[str, Any] | None = None,
    caller: Caller = LOCAL,
    *,
    context: Mapping[str, Any] | None = None,
) -> BaseModel:
    """Run one registry operation for `caller`: validated, permitted, names resolved, row-scoped. `context`
    holds the keyword arguments some operations take besides their input (the CLI's local price catalog)."""
    op = get_operation(operation) if isinstance(operation, str) else operation
    # its reads (names, currency, its own queries) start one DuckDB instance, not several
    with shared_reads():
        prepared = prepare(store, op, params, caller)
        # text the operation writes is in the store's currency, read before the operation opens a write
        with for_store(store, eager=True):
            result = with_currency(op.func(store, prepared, **(context or {})))
    return _with_notes(result, overridden_periods(prepared))
