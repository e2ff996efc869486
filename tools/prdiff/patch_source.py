"""Reading a pull request from its patch text (a unified diff), for clients that cannot give the server a
repository: the changed call sites of each hunk, before and after.

Each hunk's old side (context and removed lines) and new side (context and added lines) is scanned: as Python
when the piece parses (dedented), else with the tolerant scanner; the hunk header's function name (git writes
it after `@@ ... @@`) names the enclosing function. A call whose opening line lies outside the hunk's context is
still caught when the hunk changes a model or service-tier literal. More context (`git diff -U20` or
`--function-context`) lets more of each call be read.
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass, field

from spendscope.data.errors import InvalidArgument
from spendscope.tools.prdiff.code_scan import CallSite, scan_python, scan_typescript
from spendscope.tools.prdiff.git_source import SOURCE_SUFFIXES

MAX_PATCH_CHARS = 5_000_000
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)$")
_FUNC = re.compile(r"(?:def|function|class|func)\s+(\w+)|(\w+)\s*(?:=\s*(?:async\s*)?)?\(")
_MODEL_LITERAL = re.compile(
    r"""(?:\bmodel(?:Id)?\s*[=:]\s*|^\s*[A-Z_]*MODEL[A-Z_]*\s*=\s*)["'`]([^"'`]+)["'`]"""
)
_TIER_LITERAL = re.compile(r"""\b(?:service_tier|serviceTier)\s*[=:]\s*["'](\w+)["']""")


@dataclass
class Hunk:
    old_start: int
    new_start: int
    function: str | None
    old_lines: list[str] = field(default_factory=list)
    new_lines: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)


@dataclass
class PatchFile:
    path: str
    hunks: list[Hunk] = field(default_factory=list)


def _strip(name: str) -> str | None:
    name = name.split("\t")[0].strip()
    if name == "/dev/null":
        return None
    return name[2:] if name[:2] in ("a/", "b/") else name


def parse_patch(text: str) -> list[PatchFile]:
    """The files and hunks of a unified diff; InvalidArgument when the text is not one."""
    if len(text) > MAX_PATCH_CHARS:
        raise InvalidArgument(
            f"the patch is {len(text):,} characters; at most {MAX_PATCH_CHARS:,} are accepted (send the source "
            "files' part of the diff)",
            argument="patch",
        )
    files: list[PatchFile] = []
    current: PatchFile | None = None
    hunk: Hunk | None = None
    old_name: str | None = None
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ "):
            old_name = _strip(line[4:])
            hunk = None
            continue
        if line.startswith("+++ ") and hunk is None:
            new_name = _strip(line[4:])
            current = PatchFile(new_name or old_name or "")
            files.append(current)
            continue
        m = _HUNK.match(line)
        if m and current is not None:
            header = m.group(5).strip()
            fm = _FUNC.search(header) if header else None
            hunk = Hunk(int(m.group(1)), int(m.group(3)), (fm.group(1) or fm.group(2)) if fm else None)
            current.hunks.append(hunk)
            continue
        if hunk is None:
            continue
        if line.startswith("\\"):
            continue
        tag, body = (line[0], line[1:]) if line else (" ", "")
        if tag == " ":
            hunk.old_lines.append(body)
            hunk.new_lines.append(body)
        elif tag == "-":
            hunk.old_lines.append(body)
            hunk.removed.append(body)
        elif tag == "+":
            hunk.new_lines.append(body)
            hunk.added.append(body)
        else:
            hunk = None  # the next file's header (diff --git, index, ...)
    if not any(f.hunks for f in files):
        raise InvalidArgument(
            "the patch holds no hunks: send a unified diff (`git diff BASE...HEAD`, or a pull request's .diff)",
            argument="patch",
        )
    return files


def _scan(path: str, text: str, function: str | None, first_line: int) -> list[CallSite]:
    sites: list[CallSite] = []
    if path.endswith(".py"):
        dedented = textwrap.dedent(text)
        try:
            ast.parse(dedented)
        except SyntaxError:
            sites = scan_typescript(path, text, function)
        else:
            sites = scan_python(path, dedented)
    else:
        sites = scan_typescript(path, text, function)
    for s in sites:
        s.line += first_line - 1
        if s.function == "<module>" and function:
            s.function = function
    return sites


def _literal_change(path: str, hunk: Hunk, pattern: re.Pattern[str]) -> tuple[str, str] | None:
    before = [m.group(1) for line in hunk.removed if (m := pattern.search(line))]
    after = [m.group(1) for line in hunk.added if (m := pattern.search(line))]
    if before and after and before[0] != after[0]:
        return before[0], after[0]
    return None


def hunk_sites(path: str, hunk: Hunk) -> tuple[list[CallSite], list[CallSite]]:
    """Call sites on the old and the new side of a hunk."""
    before = _scan(path, "\n".join(hunk.old_lines), hunk.function, hunk.old_start)
    after = _scan(path, "\n".join(hunk.new_lines), hunk.function, hunk.new_start)
    if before or after:
        return before, after
    model = _literal_change(path, hunk, _MODEL_LITERAL)
    tier = _literal_change(path, hunk, _TIER_LITERAL)
    if model is None and tier is None:
        return [], []
    where = {"path": path, "function": hunk.function or "<module>", "api": "unknown"}
    b = CallSite(line=hunk.old_start, model=model[0] if model else None, **where)  # type: ignore[arg-type]
    h = CallSite(line=hunk.new_start, model=model[1] if model else None, **where)  # type: ignore[arg-type]
    if tier:
        b.service_tier, h.service_tier = tier
    note = "a model or service-tier literal changed outside any call the hunk shows (more diff context would show it)"
    b.notes.append(note)
    h.notes.append(note)
    return [b], [h]


def source_files(files: list[PatchFile]) -> list[PatchFile]:
    return [f for f in files if f.path.endswith(SOURCE_SUFFIXES)]


def new_text(files: list[PatchFile], path: str) -> str | None:
    """The new content of a file the patch adds whole (e.g. .spendscope/features.yaml), else None."""
    for f in files:
        if f.path == path and len(f.hunks) == 1 and not f.hunks[0].old_lines:
            return "\n".join(f.hunks[0].new_lines)
    return None
