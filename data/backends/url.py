"""Store URLs: a path means DuckDB; `clickhouse://`, `clickhouses://` and `chdb:` mean ClickHouse."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from spendscope.data.errors import InvalidArgument

CLICKHOUSE_SCHEMES = ("clickhouse", "clickhouses")
ACCEPTED = (
    "a DuckDB file path, clickhouse://user:password@host:8123/database, "
    "clickhouses://user:password@host:8443/database or chdb:PATH"
)


@dataclass(frozen=True)
class StoreURL:
    """A parsed store location. `kind` is duckdb, chdb or clickhouse."""

    kind: str
    path: Path | None = None  # duckdb file, or chdb folder
    host: str = ""
    port: int = 0
    user: str = "default"
    password: str = ""
    database: str = "default"
    secure: bool = False
    options: tuple[tuple[str, str], ...] = ()

    @property
    def is_clickhouse(self) -> bool:
        return self.kind in ("chdb", "clickhouse")

    def display(self) -> str:
        """The location without its password (for messages and logs)."""
        if self.kind == "duckdb":
            return str(self.path)
        if self.kind == "chdb":
            return f"chdb:{self.path}"
        scheme = "clickhouses" if self.secure else "clickhouse"
        return f"{scheme}://{self.user}@{self.host}:{self.port}/{self.database}"


def looks_like_url(text: str) -> bool:
    low = text.strip().lower()
    return low.startswith("chdb:") or any(low.startswith(f"{s}://") for s in CLICKHOUSE_SCHEMES)


def parse_store_url(location: str | Path) -> StoreURL:
    """Parse `--db`/SPENDSCOPE_DB. Anything that is not a ClickHouse URL is a DuckDB path."""
    text = str(location).strip()
    if not looks_like_url(text):
        if "://" in text:
            raise InvalidArgument(f"store URL {text!r} has an unknown scheme; use {ACCEPTED}", argument="db")
        return StoreURL("duckdb", path=Path(text).expanduser())
    if text.lower().startswith("chdb:"):
        rest = text[5:]
        if rest.startswith("//"):
            rest = rest[2:]
        if not rest:
            raise InvalidArgument("chdb: needs a folder, e.g. chdb:/var/lib/spendscope/chdb", argument="db")
        return StoreURL("chdb", path=Path(rest).expanduser())
    parts = urlsplit(text)
    secure = parts.scheme.lower() == "clickhouses"
    if not parts.hostname:
        raise InvalidArgument(f"store URL {_redact(text)!r} names no host; use {ACCEPTED}", argument="db")
    database = unquote(parts.path.lstrip("/")) or "default"
    if not database.replace("_", "").isalnum():
        raise InvalidArgument(
            f"database name {database!r} in the store URL must be letters, digits and underscores",
            argument="db",
        )
    try:
        port = parts.port or (8443 if secure else 8123)
    except ValueError:
        raise InvalidArgument(f"store URL {_redact(text)!r} has a bad port", argument="db") from None
    return StoreURL(
        "clickhouse",
        host=parts.hostname,
        port=port,
        user=unquote(parts.username or "default"),
        password=unquote(parts.password or ""),
        database=database,
        secure=secure,
        options=tuple(parse_qsl(parts.query)),
    )


def _redact(text: str) -> str:
    parts = urlsplit(text)
    if parts.password:
        return text.replace(f":{parts.password}@", ":***@")
    return text
