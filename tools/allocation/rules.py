"""The rule language: a YAML file of virtual tags (ordered rules per tag key) and shared-cost pools, parsed into
frozen objects that remember the line each rule came from, so every error names it.

    effective_from: 2026-10-01          # optional: charges before this date keep the rules in force before
    tags:
      team:
        - when: {SubAccountName: search-prod}
          value: search
        - when: {any: [{ResourceName: {prefix: support-}}, {Tags.app: [helpdesk, chat]}]}
          value: support
        - copy: Tags.team               # team = Tags.team when present
    shared:
      - name: azure-ptu
        when: {CommitmentDiscountName: ptu-gpt-4o}
        to: team
        split: proportional             # even | fixed | proportional | telemetry

docs/allocation.md is the reference. This module only parses and validates; tools.allocation.compile turns a
rule set into SQL.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import duckdb
import yaml
from spendscope.data.errors import InvalidRules
from spendscope.data.focus import AI_COLUMNS, FOCUS_COLUMNS, PROVENANCE_COLUMNS
from spendscope.data.store import memory_connection
from spendscope.tools.costs.dimensions import BUILTIN_DIMENSIONS, CALENDAR_DIMENSIONS, TIME_GRAINS

UNALLOCATED = "unallocated"
KNOWN_COLUMNS = (*FOCUS_COLUMNS, *AI_COLUMNS, *PROVENANCE_COLUMNS)
# usage_events columns a rule may test (telemetry.<attr>) or a pool may split by.
TELEMETRY_ATTRIBUTES = (
    "customer",
    "feature",
    "team",
    "env",
    "operation",
    "code_path",
    "commit_sha",
    "source",
    "status",
    "provider",
    "model",
)
TELEMETRY_METRICS = {
    "estimated_cost": "coalesce(estimated_cost, 0)",
    "tokens": "coalesce(input_tokens, 0) + coalesce(output_tokens, 0) + coalesce(cached_input_tokens, 0) "
    "+ coalesce(cache_write_tokens, 0) + coalesce(reasoning_tokens, 0)",
    "input_tokens": "coalesce(input_tokens, 0)",
    "output_tokens": "coalesce(output_tokens, 0)",
    "requests": "coalesce(requests, 1)",
}
# Bases for proportional splits: the members' own direct amount of a costs column.
PROPORTIONAL_BASES = {
    "cost": "EffectiveCost",
    "effective_cost": "EffectiveCost",
    "billed_cost": "BilledCost",
    "list_cost": "ListCost",
    "tokens": "x_Tokens",
    "requests": "x_Requests",
    "gpu_hours": "x_GpuHours",
}
SPLITS = ("even", "fixed", "proportional", "telemetry")
OPS = {
    "equals": "equals",
    "eq": "equals",
    "=": "equals",
    "==": "equals",
    "is": "equals",
    "not_equals": "not_equals",
    "ne": "not_equals",
    "!=": "not_equals",
    "in": "in",
    "not_in": "not_in",
    "prefix": "prefix",
    "starts_with": "prefix",
    "suffix": "suffix",
    "ends_with": "suffix",
    "contains": "contains",
    "not_contains": "not_contains",
    "regex": "regex",
    "matches": "regex",
    "not_regex": "not_regex",
    "gt": "gt",
    ">": "gt",
    "gte": "gte",
    ">=": "gte",
    "lt": "lt",
    "<": "lt",
    "lte": "lte",
    "<=": "lte",
    "exists": "exists",
}
NUMERIC_OPS = ("gt", "gte", "lt", "lte")
LIST_OPS = ("in", "not_in")
_KEY_RE = re.compile(r"^[a-z][a-z0-9_\-]{0,62}$")
_RESERVED_KEYS = {
    *BUILTIN_DIMENSIONS,
    *TIME_GRAINS,
    *CALENDAR_DIMENSIONS,
    "all",
    "any",
    "not",
    "tag",
    "tags",
    "virtual",
    "telemetry",
}


@dataclass(frozen=True)
class FieldRef:
    """What a condition or a copy reads: a costs column, a provider tag, a telemetry attribute or a virtual tag."""

    kind: str  # column | tag | telemetry | telemetry_tag | virtual | event_column | event_tag
    name: str

    @property
    def text(self) -> str:
        prefix = {
            "tag": "Tags.",
            "telemetry": "telemetry.",
            "telemetry_tag": "telemetry.tags.",
            "virtual": "virtual.",
            "event_tag": "tags.",
        }.get(self.kind, "")
        return prefix + self.name


@dataclass(frozen=True)
class Test:
    field: FieldRef
    op: str
    value: Any  # str | Decimal | tuple[str, ...] | bool
    line: int


@dataclass(frozen=True)
class Group:
    kind: str  # all | any | not
    items: tuple[Test | Group, ...]
    line: int


Condition = Test | Group


@dataclass(frozen=True)
class Rule:
    key: str
    index: int  # 1-based position within its tag
    line: int
    when: Condition | None
    value: str | None = None
    copy: FieldRef | None = None
    name: str | None = None

    @property
    def label(self) -> str:
        return f"rule {self.index} of tag {self.key!r}" + (f" ({self.name})" if self.name else "")


@dataclass(frozen=True)
class TagDef:
    key: str
    line: int
    rules: tuple[Rule, ...]
    description: str | None = None


@dataclass(frozen=True)
class Pool:
    name: str
    line: int
    when: Condition
    to: str
    split: str
    members: tuple[str, ...] | None = None
    percentages: tuple[tuple[str, Decimal], ...] | None = None
    basis: str = "cost"
    metric: str = "estimated_cost"
    attribute: FieldRef | None = None
    telemetry_when: Condition | None = None
    description: str | None = None


@dataclass(frozen=True)
class RuleSet:
    tags: dict[str, TagDef]
    pools: tuple[Pool, ...]
    effective_from: dt.date | None = None
    file_version: str | None = None
    description: str | None = None

    @property
    def rule_count(self) -> int:
        return sum(len(t.rules) for t in self.tags.values())


# ---------------------------------------------------------------------------------------------------- parsing


class _Parser:
    def __init__(self, source: str, columns: Iterable[str] | None, validate_regex: bool) -> None:
        self.source = source
        cols = list(KNOWN_COLUMNS) + [c for c in (columns or []) if c not in KNOWN_COLUMNS]
        self.columns = {c.lower(): c for c in cols}
        self.validate_regex = validate_regex
        self.tag_keys: set[str] = set()
        self._scalar_loader = yaml.SafeLoader("")
        self._regex_con: duckdb.DuckDBPyConnection | None = None
        self.context: tuple[str, int] | None = None  # (rule label, line it starts on) while parsing one

    def fail(self, line: int, message: str, **details: object) -> InvalidRules:
        """The error for `line`; inside a rule or pool it also names the rule and the line the rule starts on."""
        if self.context is not None:
            label, start = self.context
            where = label if start == line else f"{label} (line {start})"
            message = where + message[len(label) :] if message.startswith(label) else f"{where}: {message}"
            details.setdefault("rule_line", start)
        return InvalidRules(f"{self.source} line {line}: {message}", file=self.source, line=line, **details)

    # -- YAML nodes
    def scalar(self, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise self.fail(_line(node), "expected a single value here, not a list or mapping")
        return self._scalar_loader.construct_object(node, deep=True)

    def mapping(self, node: yaml.Node, what: str) -> list[tuple[str, yaml.Node, int]]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(_line(node), f"{what} must be a mapping (key: value)")
        out, seen = [], set()
        for k, v in node.value:
            key = self.scalar(k)
            key = str(key) if key is not None else ""
            if key in seen:
                raise self.fail(_line(k), f"{key!r} appears twice in {what}")
            seen.add(key)
            out.append((key, v, _line(k)))
        return out

    def seq(self, node: yaml.Node, what: str) -> list[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(_line(node), f"{what} must be a list")
        return list(node.value)

    def text(self, node: yaml.Node, what: str) -> str:
        value = self.scalar(node)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise self.fail(_line(node), f"{what} is empty")
        return _as_text(value)

    # -- document
    def parse(self, text: str) -> RuleSet:
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else 1
            raise self.fail(line, f"not valid YAML: {exc.problem or exc.context}") from None
        except yaml.YAMLError as exc:
            raise InvalidRules(f"{self.source}: not valid YAML: {exc}", file=self.source) from None
        if root is None:
            return RuleSet(tags={}, pools=())
        entries = self.mapping(root, "the rules file")
        known = {"version", "effective_from", "description", "tags", "shared"}
        by_key = {}
        for key, node, line in entries:
            if key not in known:
                raise self.fail(line, f"unknown section {key!r}; accepted: {', '.join(sorted(known))}")
            by_key[key] = node
        tag_nodes = []
        if "tags" in by_key and not _is_null(by_key["tags"]):
            for key, node, line in self.mapping(by_key["tags"], "tags"):
                low = self.tag_key(key, line)
                if low in self.tag_keys:
                    raise self.fail(line, f"tag key {key!r} is defined twice (keys are case-insensitive)")
                self.tag_keys.add(low)
                tag_nodes.append((low, node, line))
        tags: dict[str, TagDef] = {}
        for key, node, line in tag_nodes:
            tags[key] = self.tag_def(key, node, line)
        pools: list[Pool] = []
        if "shared" in by_key and not _is_null(by_key["shared"]):
            for node in self.seq(by_key["shared"], "shared"):
                pool = self.pool(node)
                if any(p.name == pool.name for p in pools):
                    raise self.fail(pool.line, f"shared pool {pool.name!r} is defined twice")
                pools.append(pool)
        effective = None
        if "effective_from" in by_key and not _is_null(by_key["effective_from"]):
            effective = parse_date(
                self.scalar(by_key["effective_from"]), self, _line(by_key["effective_from"])
            )
        version = None
        if "version" in by_key and not _is_null(by_key["version"]):
            version = _as_text(self.scalar(by_key["version"]))
        description = None
        if "description" in by_key and not _is_null(by_key["description"]):
            description = _as_text(self.scalar(by_key["description"]))
        rs = RuleSet(
            tags=tags,
            pools=tuple(pools),
            effective_from=effective,
            file_version=version,
            description=description,
        )
        self.check_cycles(rs)
        return rs

    def tag_key(self, key: str, line: int) -> str:
        low = key.strip().lower()
        if not _KEY_RE.match(low):
            raise self.fail(line, f"tag key {key!r} must start with a letter and use letters, digits, _ or -")
        if low in _RESERVED_KEYS:
            raise self.fail(
                line, f"tag key {key!r} is a built-in dimension or reserved word; choose another name"
            )
        return low

    def tag_def(self, key: str, node: yaml.Node, line: int) -> TagDef:
        description = None
        rules_node = node
        if isinstance(node, yaml.MappingNode):
            parts = dict((k, (v, ln)) for k, v, ln in self.mapping(node, f"tag {key!r}"))
            for k, (_v, ln) in parts.items():
                if k not in ("rules", "description"):
                    raise self.fail(ln, f"unknown field {k!r} in tag {key!r}; accepted: rules, description")
            if "rules" not in parts:
                raise self.fail(line, f"tag {key!r} has no rules")
            rules_node = parts["rules"][0]
            if "description" in parts:
                description = _as_text(self.scalar(parts["description"][0]))
        items = self.seq(rules_node, f"the rules of tag {key!r}")
        if not items:
            raise self.fail(line, f"tag {key!r} has no rules")
        rules = tuple(self.rule(key, i + 1, item) for i, item in enumerate(items))
        return TagDef(key=key, line=line, rules=rules, description=description)

    def rule(self, key: str, index: int, node: yaml.Node) -> Rule:
        self.context = (f"rule {index} of tag {key!r}", _line(node))
        try:
            return self._rule(key, index, node)
        finally:
            self.context = None

    def _rule(self, key: str, index: int, node: yaml.Node) -> Rule:
        line = _line(node)
        label = f"rule {index} of tag {key!r}"
        parts = {k: (v, ln) for k, v, ln in self.mapping(node, label)}
        allowed = {"name", "description", "when", "value", "copy"}
        for k, (_v, ln) in parts.items():
            if k not in allowed:
                raise self.fail(ln, f"{label}: unknown field {k!r}; accepted: {', '.join(sorted(allowed))}")
        if ("value" in parts) == ("copy" in parts):
            raise self.fail(
                line, f"{label}: give exactly one of value (a fixed value) or copy (a field to copy)"
            )
        when = self.condition(parts["when"][0], "cost") if "when" in parts else None
        name = _as_text(self.scalar(parts["name"][0])) if "name" in parts else None
        if "value" in parts:
            value = self.text(parts["value"][0], f"{label}: value")
            if value.lower() == UNALLOCATED:
                raise self.fail(
                    parts["value"][1],
                    f"{label}: {UNALLOCATED!r} is what unmatched spend gets; "
                    "leave such rows unmatched instead",
                )
            return Rule(key=key, index=index, line=line, when=when, value=value, name=name)
        copy = self.field(self.text(parts["copy"][0], f"{label}: copy"), parts["copy"][1], "cost")
        return Rule(key=key, index=index, line=line, when=when, copy=copy, name=name)

    def pool(self, node: yaml.Node) -> Pool:
        self.context = ("shared pool", _line(node))
        try:
            return self._pool(node)
        finally:
            self.context = None

    def _pool(self, node: yaml.Node) -> Pool:
        line = _line(node)
        parts = {k: (v, ln) for k, v, ln in self.mapping(node, "a shared pool")}
        allowed = {
            "name",
            "description",
            "when",
            "to",
            "split",
            "members",
            "percentages",
            "basis",
            "metric",
            "attribute",
            "telemetry_when",
        }
        for k, (_v, ln) in parts.items():
            if k not in allowed:
                raise self.fail(
                    ln, f"shared pool: unknown field {k!r}; accepted: {', '.join(sorted(allowed))}"
                )
        for required in ("name", "when", "to", "split"):
            if required not in parts:
                raise self.fail(line, f"shared pool: {required!r} is required (name, when, to, split)")
        name = self.text(parts["name"][0], "shared pool: name")
        label = f"shared pool {name!r}"
        self.context = (label, line)
        to = self.text(parts["to"][0], f"{label}: to").lower()
        split = self.text(parts["split"][0], f"{label}: split").lower()
        if split not in SPLITS:
            raise self.fail(parts["split"][1], f"{label}: split {split!r} is not one of {', '.join(SPLITS)}")
        when = self.condition(parts["when"][0], "cost")
        members = None
        if "members" in parts:
            raw = [
                self.text(n, f"{label}: member") for n in self.seq(parts["members"][0], f"{label}: members")
            ]
            if not raw:
                raise self.fail(parts["members"][1], f"{label}: members is empty")
            members = tuple(dict.fromkeys(raw))
        percentages = None
        if split == "fixed":
            if "percentages" not in parts:
                raise self.fail(
                    line, f"{label}: a fixed split needs percentages (value: percent, summing to 100)"
                )
            pct = []
            for value, pnode, pline in self.mapping(parts["percentages"][0], f"{label}: percentages"):
                number = _number(self.scalar(pnode))
                if number is None or number < 0:
                    raise self.fail(pline, f"{label}: the percentage of {value!r} must be a number >= 0")
                pct.append((value, number))
            total = sum((p for _, p in pct), Decimal(0))
            if not pct or abs(total - 100) > Decimal("0.0001"):
                raise self.fail(parts["percentages"][1], f"{label}: percentages sum to {total}, not 100")
            percentages = tuple(pct)
        elif "percentages" in parts:
            raise self.fail(parts["percentages"][1], f"{label}: percentages only apply to split: fixed")
        basis = "cost"
        if "basis" in parts:
            if split != "proportional":
                raise self.fail(parts["basis"][1], f"{label}: basis only applies to split: proportional")
            basis = self.text(parts["basis"][0], f"{label}: basis").lower()
            if basis not in PROPORTIONAL_BASES:
                raise self.fail(
                    parts["basis"][1],
                    f"{label}: basis {basis!r} is not one of {', '.join(PROPORTIONAL_BASES)}",
                )
        metric, attribute, tele_when = "estimated_cost", None, None
        if split == "telemetry":
            if "metric" in parts:
                metric = self.text(parts["metric"][0], f"{label}: metric").lower()
                if metric not in TELEMETRY_METRICS:
                    raise self.fail(
                        parts["metric"][1],
                        f"{label}: metric {metric!r} is not one of {', '.join(TELEMETRY_METRICS)}",
                    )
            attr_text = (
                self.text(parts["attribute"][0], f"{label}: attribute") if "attribute" in parts else to
            )
            attr_line = parts["attribute"][1] if "attribute" in parts else line
            attribute = self.field(attr_text, attr_line, "event")
            if "telemetry_when" in parts:
                tele_when = self.condition(parts["telemetry_when"][0], "event")
        else:
            for k in ("metric", "attribute", "telemetry_when"):
                if k in parts:
                    raise self.fail(parts[k][1], f"{label}: {k} only applies to split: telemetry")
        description = _as_text(self.scalar(parts["description"][0])) if "description" in parts else None
        return Pool(
            name=name,
            line=line,
            when=when,
            to=to,
            split=split,
            members=members,
            percentages=percentages,
            basis=basis,
            metric=metric,
            attribute=attribute,
            telemetry_when=tele_when,
            description=description,
        )

    # -- conditions
    def condition(self, node: yaml.Node, scope: str) -> Condition:
        line = _line(node)
        if isinstance(node, yaml.SequenceNode):
            items = tuple(self.condition(n, scope) for n in node.value)
            if not items:
                raise self.fail(line, "an empty list of conditions")
            return items[0] if len(items) == 1 else Group("all", items, line)
        entries = self.mapping(node, "a condition")
        if not entries:
            raise self.fail(line, "an empty condition")
        parts: list[Condition] = []
        for key, value, kline in entries:
            low = key.lower()
            if low in ("all", "and", "any", "or"):
                items = tuple(self.condition(n, scope) for n in self.seq(value, f"{key}"))
                if not items:
                    raise self.fail(kline, f"{key}: an empty list of conditions")
                parts.append(Group("all" if low in ("all", "and") else "any", items, kline))
            elif low == "not":
                parts.append(Group("not", (self.condition(value, scope),), kline))
            else:
                field = self.field(key, kline, scope)
                parts.extend(self.tests(field, value, kline))
        return parts[0] if len(parts) == 1 else Group("all", tuple(parts), line)

    def tests(self, field: FieldRef, node: yaml.Node, line: int) -> list[Test]:
        if isinstance(node, yaml.SequenceNode):
            return [self.test(field, "in", node, line)]
        if isinstance(node, yaml.ScalarNode):
            return [self.test(field, "equals", node, line)]
        out = []
        for op_text, value, oline in self.mapping(node, f"the test on {field.text}"):
            op = OPS.get(op_text.lower())
            if op is None:
                raise self.fail(
                    oline,
                    f"unknown operator {op_text!r} on {field.text}; accepted: "
                    f"{', '.join(sorted(set(OPS.values())))}",
                )
            out.append(self.test(field, op, value, oline))
        if not out:
            raise self.fail(line, f"no test given for {field.text}")
        return out

    def test(self, field: FieldRef, op: str, node: yaml.Node, line: int) -> Test:
        if op in LIST_OPS:
            items = self.seq(node, f"{op} on {field.text}") if isinstance(node, yaml.SequenceNode) else [node]
            values = tuple(dict.fromkeys(self.text(n, f"a value of {op} on {field.text}") for n in items))
            if not values:
                raise self.fail(line, f"{op} on {field.text} needs at least one value")
            return Test(field, op, values, line)
        value = self.scalar(node)
        if op in NUMERIC_OPS:
            number = _number(value)
            if number is None:
                raise self.fail(line, f"{op} on {field.text} needs a number, got {value!r}")
            return Test(field, op, number, line)
        if op == "exists":
            if not isinstance(value, bool):
                raise self.fail(line, f"exists on {field.text} takes true or false, got {value!r}")
            return Test(field, op, value, line)
        if value is None:
            raise self.fail(
                line, f"{op} on {field.text} needs a value (use exists: false for missing values)"
            )
        text = _as_text(value)
        if op in ("regex", "not_regex"):
            self.check_regex(text, field, line)
        return Test(field, op, text, line)

    def field(self, text: str, line: int, scope: str) -> FieldRef:
        raw = text.strip()
        low = raw.lower()
        if scope == "event":
            if low.startswith("tags.") and len(raw) > 5:
                return FieldRef("event_tag", raw[5:])
            if low in TELEMETRY_ATTRIBUTES:
                return FieldRef("event_column", low)
            raise self.fail(
                line,
                f"unknown telemetry field {raw!r}; accepted: {', '.join(TELEMETRY_ATTRIBUTES)} or tags.<key>",
            )
        if low.startswith("tags.") and len(raw) > 5:
            return FieldRef("tag", raw[5:])
        if low.startswith("telemetry."):
            attr = raw[len("telemetry.") :]
            if attr.lower().startswith("tags.") and len(attr) > 5:
                return FieldRef("telemetry_tag", attr[5:])
            if attr.lower() in TELEMETRY_ATTRIBUTES:
                return FieldRef("telemetry", attr.lower())
            raise self.fail(
                line,
                f"unknown telemetry attribute {attr!r}; accepted: "
                f"{', '.join(TELEMETRY_ATTRIBUTES)} or telemetry.tags.<key>",
            )
        if low.startswith("virtual."):
            key = low[len("virtual.") :]
            if key not in self.tag_keys:
                raise self.fail(
                    line,
                    f"virtual.{key} names no tag defined in this file; defined: "
                    f"{', '.join(sorted(self.tag_keys)) or 'none'}",
                )
            return FieldRef("virtual", key)
        if low in self.columns:
            return FieldRef("column", self.columns[low])
        close = difflib.get_close_matches(raw, list(self.columns.values()), n=3, cutoff=0.7)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise self.fail(
            line,
            f"unknown column {raw!r}{hint}; accepted: a FOCUS column (SubAccountName, "
            "ResourceName, ...), an x_ column, Tags.<key>, telemetry.<attribute> or virtual.<tag>",
            column=raw,
        )

    def check_regex(self, pattern: str, field: FieldRef, line: int) -> None:
        if not self.validate_regex:
            return
        if self._regex_con is None:
            self._regex_con = memory_connection()
        try:
            self._regex_con.execute("SELECT regexp_matches('', ?)", [pattern]).fetchall()
        except duckdb.Error:
            raise self.fail(
                line,
                f"bad regex {pattern!r} on {field.text} (RE2 syntax: no look-around or back-references)",
                regex=pattern,
            ) from None

    # -- circular references between virtual tags
    def check_cycles(self, rs: RuleSet) -> None:
        deps: dict[str, list[tuple[str, Rule]]] = {}
        for key, tag in rs.tags.items():
            deps[key] = [(ref, r) for r in tag.rules for ref in rule_virtual_refs(r)]
        state: dict[str, int] = {}

        def visit(key: str, path: list[str]) -> None:
            state[key] = 1
            for ref, rule in deps.get(key, []):
                if state.get(ref) == 1:
                    cycle = " -> ".join([*path[path.index(ref) :], ref]) if ref in path else f"{key} -> {ref}"
                    raise self.fail(
                        rule.line, f"{rule.label}: circular reference between virtual tags: {cycle}"
                    )
                if state.get(ref) is None:
                    visit(ref, [*path, ref])
            state[key] = 2

        for key in rs.tags:
            if state.get(key) is None:
                visit(key, [key])


def parse_rules(
    text: str, *, source: str = "rules", columns: Iterable[str] | None = None, validate_regex: bool = True
) -> RuleSet:
    """Parse and validate a rules document. Raises InvalidRules naming the line of the offending rule."""
    return _Parser(source, columns, validate_regex).parse(text)


# ---------------------------------------------------------------------------------------------------- helpers


def condition_fields(cond: Condition | None) -> list[FieldRef]:
    if cond is None:
        return []
    if isinstance(cond, Test):
        return [cond.field]
    return [f for item in cond.items for f in condition_fields(item)]


def rule_virtual_refs(rule: Rule) -> list[str]:
    refs = [f.name for f in condition_fields(rule.when) if f.kind == "virtual"]
    if rule.copy is not None and rule.copy.kind == "virtual":
        refs.append(rule.copy.name)
    return refs


def parse_date(value: Any, parser: _Parser | None = None, line: int = 0) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        message = f"effective_from {value!r} is not a date; use YYYY-MM-DD"
        if parser is not None:
            raise parser.fail(line, message) from None
        raise InvalidRules(message) from None


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null")


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value).strip()


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
