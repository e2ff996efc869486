"""Who is calling: bearer tokens for HTTP, the local user for stdio and in-process clients.

Tokens file (YAML), one entry per token; the key is the token itself or `sha256:<hex digest of the token>`:

    "k3Yx...long-random...":
      identity: finance-bot
      scopes: [read, write]
    "sha256:9c56cc51b374c3ba189210d5b6d4bf57790d351c96c47c02190ecf1e430635ab":
      identity: search-team
      scopes: [read]
      row_scope: {team: search}

A token maps to an identity, its scopes (`read`, `write`; write implies read) and an optional row scope
(dimension -> value or list of values) that every tool and `run_sql` enforce (see tools/scoping.py).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import yaml
from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.provider import AccessToken
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from spendscope.data.errors import InvalidArgument, PermissionDenied
from spendscope.tools.access import Caller

READ = "read"
WRITE = "write"
MIN_TOKEN_LENGTH = 16
_HASH_PREFIX = "sha256:"
_UNTAGGED = {"(none)", "none", "null", "untagged", "(untagged)"}  # the filter spellings for "no value"


class TokenEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    identity: str = Field(min_length=1, description="who the token belongs to (shown in logs and answers)")
    scopes: list[Literal["read", "write"]] = Field(default_factory=lambda: [READ], description="read, write")
    row_scope: dict[str, str | list[str]] = Field(
        default_factory=dict, description="dimension -> value(s) the token may see, e.g. {team: search}"
    )

    @field_validator("row_scope")
    @classmethod
    def _non_empty_values(cls, value: dict[str, str | list[str]]) -> dict[str, str | list[str]]:
        for key, vals in value.items():
            if not key.strip():
                raise ValueError("row_scope has an empty dimension name")
            if isinstance(vals, list) and (not vals or not all(isinstance(v, str) and v for v in vals)):
                raise ValueError(f"row_scope {key!r} needs one or more non-empty values")
            if isinstance(vals, str) and not vals:
                raise ValueError(f"row_scope {key!r} needs a non-empty value")
            for v in [vals] if isinstance(vals, str) else vals:
                if v.strip().lower() in _UNTAGGED:
                    raise ValueError(f"row_scope {key!r}: {v!r} would select untagged rows; name real values")
        return value

    def row_scope_tuple(self) -> dict[str, tuple[str, ...]]:
        return {k.strip(): (v,) if isinstance(v, str) else tuple(v) for k, v in self.row_scope.items()}


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenTable:
    """Tokens loaded from a file, looked up by the SHA-256 of the presented token."""

    def __init__(self, entries: dict[str, TokenEntry], source: str = "tokens") -> None:
        self._by_digest = entries
        self.source = source

    def __len__(self) -> int:
        return len(self._by_digest)

    @classmethod
    def load(cls, path: Path) -> TokenTable:
        path = Path(path).expanduser()
        where = str(path)
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InvalidArgument(f"tokens file {where} does not exist", argument="--tokens") from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f" at line {mark.line + 1}" if mark is not None else ""
            raise InvalidArgument(
                f"tokens file {where} is not valid YAML{line}", argument="--tokens"
            ) from None
        return cls.from_mapping(doc, where)

    @classmethod
    def from_mapping(cls, doc: object, where: str = "tokens") -> TokenTable:
        accepted = "a mapping of token -> {identity, scopes: [read, write], row_scope: {dimension: value}}"
        if not isinstance(doc, dict) or not doc:
            raise InvalidArgument(f"{where}: expected {accepted}", argument="--tokens")
        entries: dict[str, TokenEntry] = {}
        for n, (key, raw) in enumerate(doc.items(), start=1):
            label = f"{where}: entry {n}"
            if isinstance(raw, dict) and isinstance(raw.get("identity"), str):
                label += f" ({raw['identity']})"
            if not isinstance(key, str) or not key.strip():
                raise InvalidArgument(f"{label}: the token must be a non-empty string", argument="--tokens")
            try:
                entry = TokenEntry.model_validate(raw)
            except ValidationError as exc:
                problems = "; ".join(
                    f"{'.'.join(str(p) for p in e['loc']) or 'entry'}: {e['msg']}"
                    for e in exc.errors(include_url=False)
                )
                raise InvalidArgument(
                    f"{label}: {problems}; expected {accepted}", argument="--tokens"
                ) from None
            if key.startswith(_HASH_PREFIX):
                digest = key[len(_HASH_PREFIX) :].strip().lower()
                if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
                    raise InvalidArgument(f"{label}: sha256: needs 64 hex digits", argument="--tokens")
            else:
                if len(key) < MIN_TOKEN_LENGTH:
                    raise InvalidArgument(
                        f"{label}: token is shorter than {MIN_TOKEN_LENGTH} characters; use a long random "
                        "string (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)",
                        argument="--tokens",
                    )
                digest = _digest(key)
            if digest in entries:
                raise InvalidArgument(f"{label}: the same token appears twice", argument="--tokens")
            entries[digest] = entry
        return cls(entries, where)

    def lookup(self, token: str) -> TokenEntry | None:
        digest = _digest(token)
        for known, entry in self._by_digest.items():
            if hmac.compare_digest(known, digest):
                return entry
        return None


class StaticTokenVerifier:
    """mcp TokenVerifier over a TokenTable: unknown token -> None (the SDK answers 401)."""

    def __init__(self, table: TokenTable) -> None:
        self.table = table

    async def verify_token(self, token: str) -> AccessToken | None:
        entry = self.table.lookup(token)
        if entry is None:
            return None
        scopes = sorted({READ, *entry.scopes})
        return AccessToken(
            token=token,
            client_id=entry.identity,
            scopes=scopes,
            claims={"row_scope": {k: list(v) for k, v in entry.row_scope_tuple().items()}},
        )


@dataclass(frozen=True)
class Access:
    """How a server decides who is calling."""

    allow_writes: bool = False
    require_token: bool = False  # HTTP with tokens: every request must carry one
    # stdio and in-process callers: the local user, trusted like the CLI (writes still need allow_writes)
    local: Caller = field(default_factory=lambda: Caller("local", can_write=True))

    def caller(self) -> Caller:
        """The caller of the current request."""
        token = get_access_token()
        if token is None:
            if self.require_token:
                raise PermissionDenied("this server requires a bearer token (Authorization: Bearer <token>)")
            return replace(self.local, can_write=self.local.can_write and self.allow_writes)
        claims = token.claims or {}
        rows = claims.get("row_scope") or {}
        return Caller(
            identity=token.client_id,
            can_write=self.allow_writes and WRITE in token.scopes,
            row_scope={str(k): tuple(str(x) for x in v) for k, v in rows.items()},
            remote=True,
        )


def is_loopback(host: str) -> bool:
    """Whether binding `host` serves this machine only (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False
