"""A rule source for per-user spend (coding-assistant seats and usage carry the user as the `user` tag): a rules
file may say "the team of each user comes from this list" instead of spelling one rule per person.

    tags:
      team:
        - copy: Tags.team
        - users: people.csv            # columns: a user column (email, login, github_login, ...) and `team`
        - users: slack-access.yaml     # or the Slack access file: its users with exactly one team...
          directory: people.csv        # ...whose Slack ids this CSV maps to emails/logins (column slack_id)
          field: Tags.user             # optional: the field holding the user (default Tags.user)

`tags apply` expands each `users:` rule in place, before validation, into ordinary rules (one per value:
`when: {Tags.user: [..]}, value: search`), one per line, so the version stored is self-contained: history,
export and rollback never depend on the CSV, and a changed CSV applied again is a new, diffable version.
Paths are relative to the rules file and may not leave its folder. Matching is case-insensitive, as every
`in` test.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import yaml
from spendscope.data.errors import InvalidRules

USER_COLUMNS = ("user", "email", "login", "github_login", "github", "username", "user_email", "cursor_email")
SLACK_COLUMNS = ("slack_id", "slack", "slack_user", "slack_user_id")


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


class _Expander:
    def __init__(self, source: str, base: Path | None) -> None:
        self.source, self.base = source, base

    def fail(self, line: int, message: str) -> InvalidRules:
        return InvalidRules(f"{self.source} line {line}: {message}", file=self.source, line=line)

    def path(self, text: str, line: int) -> Path:
        rel = Path(text)
        if self.base is None:
            raise self.fail(
                line, f"users: {text!r} needs the rules file's folder; apply the rules from a file"
            )
        if rel.is_absolute() or ".." in rel.parts:
            raise self.fail(line, f"users: {text!r} must be a path inside the rules file's folder")
        full = self.base / rel
        if not full.is_file():
            raise self.fail(line, f"users: {full} does not exist")
        return full

    def read_csv(self, path: Path, line: int) -> tuple[list[str], list[dict[str, str]]]:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            raise self.fail(line, f"{path} cannot be read as UTF-8 text") from None
        reader = csv.DictReader(io.StringIO(text))
        header = [h.strip().lower() for h in reader.fieldnames or []]
        reader.fieldnames = header
        return header, list(reader)

    def from_csv(self, path: Path, key: str, line: int) -> dict[str, str]:
        header, rows = self.read_csv(path, line)
        team_col = next((c for c in (key, "team", "value") if c in header), None)
        ids = [c for c in header if c in USER_COLUMNS]
        if team_col is None or not ids:
            raise self.fail(
                line,
                f"{path} needs a {key!r} (or team/value) column and a user column ({', '.join(USER_COLUMNS)}); "
                f"it has {', '.join(header) or 'none'}",
            )
        out: dict[str, str] = {}
        for n, row in enumerate(rows, start=2):
            value = (row.get(team_col) or "").strip()
            if not value:
                continue
            for c in ids:
                self.add(out, (row.get(c) or "").strip().lower(), value, f"{path} line {n}", line)
        return out

    def add(self, out: dict[str, str], who: str, value: str, where: str, line: int) -> None:
        if not who:
            return
        if value.lower() == "unallocated":
            raise self.fail(
                line, f"{where}: 'unallocated' is what unmatched spend gets; leave the user out instead"
            )
        if who in out and out[who].lower() != value.lower():
            raise self.fail(line, f"{where}: {who} is mapped to both {out[who]!r} and {value!r}")
        out[who] = value

    def from_slack(self, path: Path, key: str, directory: Path | None, line: int) -> dict[str, str]:
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            raise self.fail(line, f"{path} is not a readable Slack access file (YAML)") from None
        users = doc.get("users") if isinstance(doc, dict) else None
        teams: dict[str, str] = {}
        for who, scope in (users or {}).items():
            vals = scope.get(key) if isinstance(scope, dict) else None
            listed = [vals] if isinstance(vals, str) else list(vals or [])
            if len(listed) == 1 and str(listed[0]).strip():  # users who see several teams name no single team
                teams[str(who).strip().lower()] = str(listed[0]).strip()
        if directory is None:
            return teams
        header, rows = self.read_csv(directory, line)
        slack = next((c for c in header if c in SLACK_COLUMNS), None)
        ids = [c for c in header if c in USER_COLUMNS]
        if slack is None or not ids:
            raise self.fail(
                line, f"{directory} needs a Slack id column ({', '.join(SLACK_COLUMNS)}) and a user column"
            )
        out: dict[str, str] = {}
        for n, row in enumerate(rows, start=2):
            team = teams.get((row.get(slack) or "").strip().lower())
            if team:
                for c in ids:
                    self.add(out, (row.get(c) or "").strip().lower(), team, f"{directory} line {n}", line)
        return out

    def rules(self, key: str, node: yaml.MappingNode) -> list[dict[str, Any]]:
        parts = {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}
        allowed = {"users", "directory", "field", "name"}
        for k, _v in node.value:
            if k.value not in allowed:
                raise self.fail(
                    _line(k),
                    f"unknown field {k.value!r} in a users rule; accepted: {', '.join(sorted(allowed))}",
                )
        line = _line(node)
        source = self.path(str(parts["users"].value), line)
        field = str(parts["field"].value) if "field" in parts else "Tags.user"
        if source.suffix.lower() in (".yaml", ".yml"):
            directory = self.path(str(parts["directory"].value), line) if "directory" in parts else None
            mapping = self.from_slack(source, key, directory, line)
        else:
            if "directory" in parts:
                raise self.fail(line, "directory only applies to a Slack access file")
            mapping = self.from_csv(source, key, line)
        if not mapping:
            raise self.fail(line, f"users: {source} maps no user to a {key}")
        by_value: dict[str, list[str]] = {}
        for who, value in sorted(mapping.items()):
            by_value.setdefault(value, []).append(who)
        label = str(parts["name"].value) if "name" in parts else f"users from {source.name}"
        return [
            {"name": label, "when": {field: members}, "value": value}
            for value, members in sorted(by_value.items())
        ]


def expand_user_rules(document: str, *, source: str = "rules", base_dir: Path | None = None) -> str:
    """`document` with every `users:` rule replaced by the ordinary rules it stands for (unchanged without one)."""
    if "users" not in document:
        return document
    try:
        root = yaml.compose(document, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return document  # the rules parser reports the error with its line
    if not isinstance(root, yaml.MappingNode):
        return document
    tags = next((v for k, v in root.value if getattr(k, "value", None) == "tags"), None)
    if not isinstance(tags, yaml.MappingNode):
        return document
    expander = _Expander(source, base_dir)
    edits: list[tuple[int, int, str]] = []
    for k, v in tags.value:
        rules = v
        if isinstance(v, yaml.MappingNode):
            rules = next((rv for rk, rv in v.value if getattr(rk, "value", None) == "rules"), None)
        if not isinstance(rules, yaml.SequenceNode):
            continue
        for item in rules.value:
            if not isinstance(item, yaml.MappingNode) or not any(
                getattr(kk, "value", None) == "users" for kk, _ in item.value
            ):
                continue
            if rules.flow_style:
                raise expander.fail(
                    _line(item), "a users rule must be an item of a block list (- users: FILE)"
                )
            start = item.start_mark.index
            dash = document.rfind("-", 0, start)
            indent = item.start_mark.column - (start - dash)
            end = item.end_mark.index
            while end > start and document[end - 1] in " \t\r\n":
                end -= 1
            lines = [json.dumps(r, ensure_ascii=False) for r in expander.rules(str(k.value).lower(), item)]
            edits.append((start, end, ("\n" + " " * indent + "- ").join(lines)))
    for start, end, text in sorted(edits, reverse=True):
        document = document[:start] + text + document[end:]
    return document
