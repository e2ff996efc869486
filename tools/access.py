"""Who is calling an operation: identity, write permission and row scope.

Every surface (CLI, MCP, Billy, Slack, web) builds a Caller and hands it to `tools.invoke`, which checks
permission and applies the row scope in one place (tools/scoping.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Caller:
    """The identity a request runs as, what it may do, and which rows it may see."""

    identity: str
    can_write: bool = False
    row_scope: dict[str, tuple[str, ...]] = field(default_factory=dict)
    remote: bool = False  # authenticated by a bearer token over HTTP (not the local user)

    @property
    def scoped(self) -> bool:
        return bool(self.row_scope)

    def scope_text(self) -> str:
        """The row scope as people write it: `team=search`, `team=search|ads, env=prod`."""
        return ", ".join(f"{k}={'|'.join(v)}" for k, v in sorted(self.row_scope.items()))


LOCAL = Caller("local", can_write=True)  # the person at the terminal: the CLI's caller
