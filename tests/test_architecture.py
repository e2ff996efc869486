"""Layering: imports flow slack_app -> agents -> tools -> data, web -> agents -> tools -> data and
mcp_server -> tools -> data; only the CLI (spendscope/) imports web."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# package -> top-level names it must never import
FORBIDDEN = {
    "data": {
        "tools",
        "agents",
        "mcp_server",
        "slack_app",
        "spendscope",
        "mcp",
        "langgraph",
        "anthropic",
        "slack_bolt",
        "slack_sdk",
        "typer",
        "rich",
        "web",
        "starlette",
        "jinja2",
    },
    "tools": {
        "agents",
        "mcp_server",
        "slack_app",
        "spendscope",
        "mcp",
        "langgraph",
        "anthropic",
        "slack_bolt",
        "slack_sdk",
        "typer",
        "rich",
        "web",
        "starlette",
        "jinja2",
    },
    "agents": {"mcp_server", "slack_app", "spendscope", "slack_bolt", "slack_sdk", "mcp", "web"},
    "mcp_server": {"slack_app", "agents", "spendscope", "slack_bolt", "slack_sdk", "langgraph", "web"},
    "slack_app": {"mcp_server", "spendscope", "mcp", "web"},
    "web": {"mcp_server", "slack_app", "spendscope", "mcp", "slack_bolt", "slack_sdk", "typer", "rich"},
}


def _layer(module: str) -> str:
    """The layer or library a module belongs to: `spendscope.tools.x` -> `tools`, `spendscope.cli` -> `spendscope`,
    `mcp.server` -> `mcp`. A bare `data`/`tools` import names the same layer (and is refused by its own test)."""
    parts = module.split(".")
    if parts[0] == "spendscope":
        return parts[1] if len(parts) > 1 and parts[1] in FORBIDDEN else "spendscope"
    return parts[0]


def _imports(path: Path) -> set[str]:
    return {_layer(m) for m in _modules(path)}


def _modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module" and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                names.add(arg.value)
    return names


def test_no_layer_imports_upwards_or_a_foreign_framework() -> None:
    violations = []
    for package, banned in FORBIDDEN.items():
        for path in sorted((ROOT / package).rglob("*.py")):
            bad = _imports(path) & banned
            if bad:
                violations.append(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
    assert violations == []


def test_nothing_reads_the_environment_at_import_time_outside_settings() -> None:
    offenders = []
    for package in FORBIDDEN:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in tree.body:  # module level statements only
                src = ast.unparse(node)
                if ("os.environ" in src or "os.getenv" in src) and path.name != "settings.py":
                    offenders.append(f"{path.relative_to(ROOT)}: {src[:80]}")
    assert offenders == []


def test_every_import_of_the_project_goes_through_the_spendscope_namespace() -> None:
    """Installed, data/ tools/ agents/ mcp_server/ slack_app/ live inside `spendscope`; a bare `import data`
    would only work from a source checkout (and collide with other projects' packages)."""
    offenders = []
    for folder in [*FORBIDDEN, "spendscope", "tests", "bench"]:
        for path in sorted((ROOT / folder).rglob("*.py")):
            bare = {m for m in _modules(path) if m.split(".")[0] in FORBIDDEN}
            if bare:
                offenders.append(f"{path.relative_to(ROOT)} imports {sorted(bare)}")
    assert offenders == []
