"""Who is calling: bearer tokens for HTTP, the local user for stdio and in-process clients.

Tokens file (YAML), one entry per token; the key is the token itself or `sha256:<hex digest of the token>`:

    "k3Yx...long-random...":
      identity: finance-bot
      scopes: [read, write]
    "sha256:9c56cc51b374c3ba189210d5b6d4bf57790d351c96c47c02190ecf1e430635ab":
      identity: search-team
      scopes: [read]
      row_scope: {team: search}
      expires: 2026-12-31            # optional: works through that day (UTC); or a timestamp

A token maps to an identity, its scopes (`read`, `write`; write implies read), an optional row scope
(dimension -> value or list of values) that every tool and `run_sql` enforce (see tools/scoping.py) and an
optional expiry. A table loaded from a file follows the file: every lookup checks whether it changed (and SIGHUP
forces a reload), so a removed or expired token stops working at once, without a restart. A file that becomes
unreadable or invalid refuses every token until it is fixed (docs/security.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import logging
import os
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import yaml
from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.provider import AccessToken
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from spendscope.data.errors import InvalidArgument, PermissionDenied
from spendscope.data.redaction import remember, warn_if_exposed
from spendscope.tools.access import Caller

log = logging.getLogger("spendscope.mcp")

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
    expires: dt.datetime | None = Field(
        None,
        description="when the token stops working: a timestamp, or a date (it works through that day, UTC)",
    )

    @field_validator("expires", mode="before")
    @classmethod
    def _date_is_the_end_of_that_day(cls, value: object) -> object:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return dt.datetime.combine(value + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
        if isinstance(value, str) and len(value.strip()) == 10:
            return cls._date_is_the_end_of_that_day(dt.date.fromisoformat(value.strip()))
        return value

    @field_validator("expires")
    @classmethod
    def _utc(cls, value: dt.datetime | None) -> dt.datetime | None:
        return value.replace(tzinfo=dt.UTC) if value is not None and value.tzinfo is None else value

    def expired(self, now: dt.datetime | None = None) -> bool:
        return self.expires is not None and (now or dt.datetime.now(dt.UTC)) >= self.expires

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


def _stamp(path: Path) -> tuple[int, int, int] | None:
    """What changes when the file is rewritten (None: it is gone)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


class TokenTable:
    """Tokens looked up by the SHA-256 of the presented token. Loaded from a file, it reloads when the file
    changes (checked on every lookup) or on `reload()` (SIGHUP)."""

    def __init__(
        self,
        entries: dict[str, TokenEntry],
        source: str = "tokens",
        *,
        path: Path | None = None,
        stamp: tuple[int, int, int] | None = None,
    ) -> None:
        self._by_digest = entries
        self.source = source
        self.path = path
        self._stamp = stamp
        self._lock = threading.Lock()
        self._expired_seen: set[str] = set()

    def __len__(self) -> int:
        return len(self._by_digest)

    @classmethod
    def load(cls, path: Path) -> TokenTable:
        path = Path(path).expanduser()
        stamp = _stamp(path)
        table = cls(cls._read(path), str(path), path=path, stamp=stamp)
        warn_if_exposed(path, log)
        return table

    @classmethod
    def _read(cls, path: Path) -> dict[str, TokenEntry]:
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
        except OSError as exc:
            raise InvalidArgument(
                f"tokens file {where} cannot be read ({type(exc).__name__})", argument="--tokens"
            ) from None
        return cls.from_mapping(doc, where)._by_digest

    def refresh(self, *, force: bool = False) -> None:
        """Reload the file when it changed (or `force`). An unreadable or invalid file empties the table: every
        token is refused, and the problem logged, until the file is fixed."""
        if self.path is None:
            return
        stamp = _stamp(self.path)
        if stamp == self._stamp and not force:
            return
        with self._lock:
            if stamp == self._stamp and not force:
                return
            try:
                entries = self._read(self.path) if stamp is not None else None
            except InvalidArgument as exc:
                log.error("%s; every token is refused until the file is fixed", exc.message)
                entries = {}
            if entries is None:
                log.error("tokens file %s is gone; every token is refused until it is back", self.path)
                entries = {}
            elif entries:
                log.info("tokens reloaded from %s: %d tokens", self.path, len(entries))
            self._by_digest, self._stamp = entries, stamp

    def reload(self) -> None:
        """Read the file again now (SIGHUP)."""
        self.refresh(force=True)

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
                remember(key)  # a plain token in the file is a secret: never printed or logged
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

    def lookup(self, token: str, now: dt.datetime | None = None) -> TokenEntry | None:
        """The entry of `token`; None when it is unknown, removed from the file, or expired."""
        self.refresh()
        digest = _digest(token)
        found = None
        for known, entry in self._by_digest.items():
            if hmac.compare_digest(known, digest):
                found = entry
        if found is not None and found.expired(now):
            if digest not in self._expired_seen:
                self._expired_seen.add(digest)
                log.warning("a token of %s expired at %s and was refused", found.identity, found.expires)
            return None
        return found


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
            expires_at=int(entry.expires.timestamp()) if entry.expires is not None else None,
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
