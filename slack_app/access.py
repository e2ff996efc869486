"""Who sees what in Slack: the access file (Settings.slack_access, YAML) maps Slack users and channels to the
rows they may see, and lists admins and the finance channel.

    admins: [U01ADMIN]              # see all costs, act on every alert
    finance_channel: C01FINANCE     # monthly finance summary; alerts and budgets nobody else owns
    default: none                   # anyone not listed: none (refused) or all
    users:
      U01CFO: all
      U01ALICE: {team: search}
      U01BOB: {team: [search, ads]}
    channels:
      C01FINANCE: all
      C01SEARCH: {team: search}

A question is answered over the rows both the asker and the channel may see (in a DM, the asker's alone): a
member of #search-costs not listed by name sees team search there; a finance user asking in #search-costs sees
team search only, because everyone in the channel reads the answer. The scope becomes `tools.costs.breakdown.Filter`s that
Billy adds to every query. Without an access file everyone sees all costs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from spendscope.data.errors import InvalidArgument
from spendscope.tools.costs.breakdown import Filter

ALL = "all"
_UNTAGGED = {"(none)", "none", "null", "untagged", "(untagged)"}

RowScope = Literal["all"] | dict[str, str | list[str]]


@dataclass(frozen=True)
class Scope:
    """Rows someone may see: `rows` None is everything; else dimension -> allowed values (lower case)."""

    rows: dict[str, frozenset[str]] | None = None
    labels: dict[str, tuple[str, ...]] = field(default_factory=dict)  # values as written, for messages

    @property
    def everything(self) -> bool:
        return self.rows is None

    def filters(self) -> list[Filter]:
        if self.rows is None:
            return []
        return [
            Filter(dimension=d, op="in", values=list(self.labels.get(d) or sorted(v)))
            for d, v in sorted(self.rows.items())
        ]

    def text(self) -> str:
        if self.rows is None:
            return "all costs"
        return ", ".join(
            f"{d} {' or '.join(self.labels.get(d) or sorted(v))}" for d, v in sorted(self.rows.items())
        )

    def allows(self, dimension: str, value: str) -> bool:
        """Whether rows with `dimension` = `value` are inside the scope (dimensions it does not limit: yes)."""
        if self.rows is None:
            return True
        allowed = self.rows.get(dimension.lower())
        return allowed is None or value.strip().lower() in allowed

    def limits(self, dimension: str) -> bool:
        return self.rows is not None and dimension.lower() in self.rows

    def intersect(self, other: Scope) -> Scope | None:
        """Rows both may see; None when that is nothing."""
        if self.rows is None:
            return other
        if other.rows is None:
            return self
        rows = dict(self.rows)
        labels = dict(self.labels)
        for d, v in other.rows.items():
            both = rows[d] & v if d in rows else v
            if not both:
                return None
            rows[d] = both
            source = self.labels.get(d, ()) + other.labels.get(d, ())
            firsts = {x.lower(): x for x in reversed(source) if x.lower() in both}  # the first spelling wins
            labels[d] = tuple(firsts[v] for v in dict.fromkeys(x.lower() for x in source) if v in firsts)
        return Scope(rows, labels)


EVERYTHING = Scope()


def scope_of(value: RowScope) -> Scope:
    if value == ALL:
        return EVERYTHING
    assert isinstance(value, dict)
    rows: dict[str, frozenset[str]] = {}
    labels: dict[str, tuple[str, ...]] = {}
    for dim, vals in value.items():
        listed = [vals] if isinstance(vals, str) else list(vals)
        rows[dim.strip().lower()] = frozenset(v.strip().lower() for v in listed)
        labels[dim.strip().lower()] = tuple(v.strip() for v in listed)
    return Scope(rows, labels)


class AccessFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    admins: list[str] = Field(default_factory=list, description="Slack user ids that see all and act on all")
    finance_channel: str | None = Field(
        None, description="channel id for the finance summary and unowned alerts"
    )
    default: Literal["none", "all"] = Field("none", description="scope of users and channels not listed")
    users: dict[str, RowScope] = Field(default_factory=dict)
    channels: dict[str, RowScope] = Field(default_factory=dict)

    @field_validator("users", "channels")
    @classmethod
    def _scopes(cls, value: dict[str, RowScope]) -> dict[str, RowScope]:
        for who, scope in value.items():
            if scope == ALL:
                continue
            if not isinstance(scope, dict) or not scope:
                raise ValueError(f"{who}: give `all` or a mapping like {{team: search}}")
            for dim, vals in scope.items():
                listed = [vals] if isinstance(vals, str) else vals
                if not dim.strip() or not listed or not all(isinstance(v, str) and v.strip() for v in listed):
                    raise ValueError(f"{who}: {dim!r} needs one or more non-empty values")
                bad = [v for v in listed if v.strip().lower() in _UNTAGGED]
                if bad:
                    raise ValueError(f"{who}: {dim} {bad[0]!r} would select untagged rows; name real values")
        return value


@dataclass(frozen=True)
class Decision:
    """What one person may see in one place: a scope, or a refusal (`scope` None) with the reason."""

    scope: Scope | None
    reason: str = ""
    admin: bool = False

    @property
    def allowed(self) -> bool:
        return self.scope is not None


class Access:
    """The access policy. `Access.open()` (no file) lets everyone see everything."""

    def __init__(self, spec: AccessFile | None = None, source: str = "") -> None:
        self.spec = spec
        self.source = source
        self.admins = frozenset(spec.admins) if spec else frozenset()
        self.users = {k: scope_of(v) for k, v in spec.users.items()} if spec else {}
        self.channels = {k: scope_of(v) for k, v in spec.channels.items()} if spec else {}
        self.default: Scope | None = EVERYTHING if spec is None or spec.default == ALL else None

    @classmethod
    def open(cls) -> Access:
        return cls(None, "no access file")

    @classmethod
    def load(cls, path: Path | None) -> Access:
        if path is None:
            return cls.open()
        path = Path(path).expanduser()
        try:
            raw: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except FileNotFoundError:
            raise InvalidArgument(
                f"Slack access file {path} does not exist", argument="slack_access"
            ) from None
        except yaml.YAMLError as exc:
            line = getattr(getattr(exc, "problem_mark", None), "line", None)
            where = f" line {line + 1}" if line is not None else ""
            raise InvalidArgument(
                f"Slack access file {path}{where} is not valid YAML", argument="slack_access"
            ) from None
        try:
            return cls(AccessFile.model_validate(raw), str(path))
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = ".".join(str(p) for p in first["loc"])
            msg = str(first["msg"]).removeprefix("Value error, ")
            raise InvalidArgument(
                f"Slack access file {path}: {loc}: {msg}; see docs/slack.md", argument="slack_access"
            ) from None

    @property
    def finance_channel(self) -> str | None:
        return self.spec.finance_channel if self.spec else None

    def is_admin(self, user: str | None) -> bool:
        return bool(user) and user in self.admins

    def decide(self, user: str | None, channel: str | None = None, *, direct: bool = False) -> Decision:
        """What `user` may see in `channel` (`direct`: a DM with the app, where only the user counts)."""
        if self.spec is None:
            return Decision(EVERYTHING)
        if self.is_admin(user):
            mine: Scope | None = EVERYTHING
        else:
            mine = self.users.get(user or "")
        place = None if direct or not channel else self.channels.get(channel)
        if mine is None and place is None:
            if self.default is None:
                return Decision(
                    None,
                    "you are not in the spendscope access list yet; ask a spendscope admin"
                    + (f" ({', '.join(f'<@{a}>' for a in sorted(self.admins))})" if self.admins else "")
                    + " to add you",
                )
            mine = self.default
        scope = (mine or EVERYTHING).intersect(place or EVERYTHING)
        if scope is None:
            return Decision(
                None,
                f"this channel shows {place.text() if place else 'other costs'}, and you may see "
                f"{mine.text() if mine else 'nothing'}; ask in a DM or in your team's channel",
            )
        return Decision(scope, admin=self.is_admin(user))


# ------------------------------------------------------------------------------------- out-of-scope questions


def _filters_in(data: Any) -> list[dict[str, Any]]:
    """Every filter-shaped dict in an operation input (any depth: a ratio's numerator, a compare's parts)."""
    out: list[dict[str, Any]] = []
    if isinstance(data, dict):
        if "dimension" in data and "values" in data:
            out.append(data)
        for v in data.values():
            out += _filters_in(v)
    elif isinstance(data, list):
        for v in data:
            out += _filters_in(v)
    return out


def outside_scope(tool_inputs: list[dict[str, Any]], scope: Scope) -> list[tuple[str, list[str]]]:
    """(dimension, values) the question asked about that `scope` does not allow: `eq`/`in` filters on a scoped
    dimension naming other values. The answer ran over the scoped rows anyway; this says it is the wrong one."""
    if scope.rows is None:
        return []
    found: dict[str, list[str]] = {}
    for f in (f for data in tool_inputs for f in _filters_in(data)):
        dim = str(f.get("dimension", "")).lower()
        if f.get("op", "eq") not in ("eq", "in") or not scope.limits(dim):
            continue
        for v in f.get("values") or []:
            if not scope.allows(dim, str(v)) and str(v) not in found.setdefault(dim, []):
                found[dim].append(str(v))
    return [(d, v) for d, v in found.items() if v]
