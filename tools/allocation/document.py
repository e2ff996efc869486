"""Rule sets back to the rules-file form: dictionaries, YAML text (for `tags export` and approved suggestions)
and one-line descriptions of conditions (for tables and messages)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import yaml
from spendscope.tools.allocation.rules import Condition, Group, Pool, Rule, RuleSet


def condition_to_dict(cond: Condition) -> dict[str, Any]:
    if isinstance(cond, Group):
        if cond.kind == "not":
            return {"not": condition_to_dict(cond.items[0])}
        return {cond.kind: [condition_to_dict(c) for c in cond.items]}
    value: Any = cond.value
    if isinstance(value, tuple):
        value = list(value)
    elif isinstance(value, Decimal):
        value = int(value) if value == value.to_integral_value() else float(value)
    return {cond.field.text: {cond.op: value}}


def rule_to_dict(rule: Rule) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if rule.name:
        out["name"] = rule.name
    if rule.when is not None:
        out["when"] = condition_to_dict(rule.when)
    if rule.copy is not None:
        out["copy"] = rule.copy.text
    else:
        out["value"] = rule.value
    return out


def pool_to_dict(pool: Pool) -> dict[str, Any]:
    out: dict[str, Any] = {"name": pool.name}
    if pool.description:
        out["description"] = pool.description
    out.update({"when": condition_to_dict(pool.when), "to": pool.to, "split": pool.split})
    if pool.members:
        out["members"] = list(pool.members)
    if pool.percentages:
        out["percentages"] = {k: float(v) for k, v in pool.percentages}
    if pool.split == "proportional":
        out["basis"] = pool.basis
    if pool.split == "telemetry":
        out["metric"] = pool.metric
        out["attribute"] = pool.attribute.text if pool.attribute else pool.to
        if pool.telemetry_when is not None:
            out["telemetry_when"] = condition_to_dict(pool.telemetry_when)
    return out


def ruleset_to_dict(rs: RuleSet) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if rs.file_version:
        out["version"] = rs.file_version
    if rs.description:
        out["description"] = rs.description
    if rs.effective_from:
        out["effective_from"] = rs.effective_from.isoformat()
    tags: dict[str, Any] = {}
    for key, tag in rs.tags.items():
        rules = [rule_to_dict(r) for r in tag.rules]
        tags[key] = {"description": tag.description, "rules": rules} if tag.description else rules
    out["tags"] = tags
    if rs.pools:
        out["shared"] = [pool_to_dict(p) for p in rs.pools]
    return out


class _Dumper(yaml.SafeDumper):
    """Indents lists under their key, as the examples in docs/allocation.md are written."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)


def dump_rules(data: dict[str, Any]) -> str:
    """YAML text for a rules dictionary (as `ruleset_to_dict` returns), in file order."""
    return yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=None, width=110
    )


_OP_WORDS = {
    "equals": "=",
    "not_equals": "!=",
    "in": "in",
    "not_in": "not in",
    "gt": ">",
    "gte": ">=",
    "lt": "<",
    "lte": "<=",
}


def describe_condition(cond: dict[str, Any] | None) -> str:
    """A condition (as `condition_to_dict` returns) in one line: `SubAccountName prefix nw- and Tags.team exists`."""
    if not cond:
        return "always"
    (key, value), *_ = cond.items()
    if key in ("all", "any"):
        joiner = " and " if key == "all" else " or "
        return "(" + joiner.join(describe_condition(c) for c in value) + ")"
    if key == "not":
        return f"not {describe_condition(value)}"
    (op, arg), *_ = value.items()
    if op == "exists":
        return f"{key} {'exists' if arg else 'missing'}"
    shown = "(" + ", ".join(str(a) for a in arg) + ")" if isinstance(arg, list) else str(arg)
    return f"{key} {_OP_WORDS.get(op, op.replace('_', ' '))} {shown}"
