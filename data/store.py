"""Opening the cost store: migrations on open, read-only readers, short retried writers.

Concurrency design (docs/concurrency.md): DuckDB lets one process hold a file read-write, and while it does no
other process can open it at all. So nothing in spendscope keeps the file open: readers open it read-only per
request (a server keeps the file's instance warm between requests for a second: data/warm.py), writers hold it
for one transaction (an import: from its first row written to its commit). Both retry
while another process holds the lock, up to `lock_timeout` seconds. A writer leaves a note beside the file
(`<store>.writing`: what it does, since when, its pid) for as long as it holds it; whoever waits more than
`NOTICE_AFTER` seconds is told that a write is in progress (logger `spendscope.store`, which prints to stderr
when nothing else is configured) instead of waiting silently. A writer kept out leaves another note
(`<store>.wanted`) that makes the readers of other processes step back until it has had its turn
(data/write_intent.py): DuckDB's lock keeps no queue, and reads that never pause would keep it out.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext, suppress
from importlib import resources
from pathlib import Path
from typing import TypeVar

import duckdb
from spendscope.data import warm, write_intent
from spendscope.data.errors import StoreBusy, StoreMissing
from spendscope.data.newest_day import refresh_newest_day

_LOCK_MARKERS = (
    "could not set lock",
    "conflicting lock",
    "resource temporarily unavailable",
    "lock on file",
    # the same process holds the file with the other access mode (a reader thread while a writer runs)
    "different configuration",
    "file handle conflict",
)
_MIGRATED: set[str] = set()
NOTICE_AFTER = 2.0  # seconds a reader or writer waits before it is told why
COSTS_AT_BEGIN = "spendscope_costs_at_begin"  # variable: rows of costs when the writer's transaction began
_log = logging.getLogger("spendscope.store")
_ACTIVITY = threading.local()
T = TypeVar("T")
_MIGRATE_GUARD = threading.Lock()


class _ReadWriteLock:
    """In one process, DuckDB refuses a read-write open while a read-only connection to the same file is open
    (and vice versa). Threads that read continuously would starve a writer, so within a process readers share
    and a waiting writer goes first. A thread that already reads may read again (nested tool calls)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer: int | None = None
        self._waiting_writers = 0
        self._local = threading.local()

    def _wait(self, ready: Callable[[], bool], timeout: float, path: Path) -> None:
        if self._cond.wait_for(ready, timeout=min(NOTICE_AFTER, timeout)):
            return
        notice(path, NOTICE_AFTER, timeout)
        if not self._cond.wait_for(ready, timeout=max(timeout - NOTICE_AFTER, 0)):
            raise StoreBusy(
                f"the store {path} stayed busy in this process for {timeout:.0f}s", path=str(path)
            )

    @contextmanager
    def read(self, timeout: float, path: Path) -> Iterator[None]:
        depth = getattr(self._local, "depth", 0)
        me = threading.get_ident()
        if depth == 0 and self._writer != me:
            write_intent.step_back(path, timeout, lambda: warm.release(path))
        with self._cond:
            if depth == 0 and self._writer != me:
                self._wait(lambda: self._writer is None and not self._waiting_writers, timeout, path)
            self._readers += 1
        self._local.depth = depth + 1
        try:
            yield
        finally:
            self._local.depth = depth
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def write(self, timeout: float, path: Path) -> Iterator[None]:
        me = threading.get_ident()
        if self._writer == me:  # nested write in the same thread: DuckDB's own retry decides
            yield
            return
        mine = getattr(self._local, "depth", 0)
        with self._cond:
            self._waiting_writers += 1
            try:
                self._wait(lambda: self._writer is None and self._readers == mine, timeout, path)
            finally:
                self._waiting_writers -= 1
            self._writer = me
        try:
            yield
        finally:
            with self._cond:
                self._writer = None
                self._cond.notify_all()


_LOCKS: dict[str, _ReadWriteLock] = {}
_LOCKS_GUARD = threading.Lock()


def store_stamp(path: Path) -> tuple[int, ...]:
    """Changes whenever the store is written (the file or its write-ahead log)."""
    out: list[int] = []
    for p in (path, path.with_name(path.name + ".wal")):
        try:
            st = p.stat()
            out += [st.st_mtime_ns, st.st_size]
        except FileNotFoundError:
            out += [0, 0]
    return tuple(out)


def writing_in_this_thread(path: Path | str) -> bool:
    """Whether this thread holds the store's write transaction (a read now would wait for itself)."""
    return _lock_for(Path(path))._writer == threading.get_ident()


def _lock_for(path: Path) -> _ReadWriteLock:
    key = str(path.resolve())
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(key, _ReadWriteLock())


def migrations() -> list[tuple[int, str, str]]:
    """Numbered migrations shipped in data/migrations, as (version, name, sql), in order."""
    out = []
    for entry in resources.files("spendscope.data.migrations").iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            out.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    return sorted(out)


def _is_lock_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return any(marker in text for marker in _LOCK_MARKERS)


_SETTINGS = (  # (scope, name, value)
    ("GLOBAL", "TimeZone", "UTC"),
    # DuckDB draws its own progress bar on stdout for long queries; it would corrupt --json and --csv output
    ("SESSION", "enable_progress_bar", "false"),
)


def _configure(con: duckdb.DuckDBPyConnection) -> None:
    """The settings every connection works with; the time zone for the whole DuckDB instance (connections of
    one process to one file share it). While the SQL guard's connection (data/sql_guard.py) is open, the instance's
    configuration is locked: then the time zone is checked, not set (the connections before it set it), and the
    progress bar setting is left as the instance has it (the locked case is a server's concurrent request, not a
    command printing JSON to a terminal)."""
    try:
        for scope, name, value in _SETTINGS:
            con.execute(f"SET {scope} {name} = '{value}'")
    except duckdb.InvalidInputException as exc:
        if "configuration has been locked" not in str(exc):
            raise
        for scope, name, value in _SETTINGS:
            if scope == "SESSION":  # display only (the progress bar): a locked instance keeps its own
                continue
            have = str(con.execute(f"SELECT current_setting('{name}')").fetchone()[0]).lower()
            if have.removeprefix("etc/") != value.lower():
                con.close()
                raise duckdb.InvalidInputException(
                    f"{exc} (and its {name} is {have!r}, not {value!r})"
                ) from None


def connect_with_retry(path: Path, *, read_only: bool, timeout: float) -> duckdb.DuckDBPyConnection:
    """Open `path`, retrying with jittered backoff while another process holds the write lock."""

    def open_() -> duckdb.DuckDBPyConnection:
        con = duckdb.connect(str(path), read_only=read_only)
        _configure(con)
        return con

    return _retry_while_locked(path, open_, timeout=timeout, writer=not read_only)


def _retry_while_locked(path: Path, open_: Callable[[], T], *, timeout: float, writer: bool) -> T:
    """`open_()`, retried with jittered backoff (20 ms doubling to 0.5 s) while another process holds the file's
    lock, for up to `timeout` seconds. A writer locked out leaves the note that makes the readers of other
    processes step back (data/write_intent.py), so back-to-back reads cannot keep it out."""
    started = time.monotonic()
    deadline = started + timeout
    delay = 0.02
    told = False
    with write_intent.waiting(path) if writer else nullcontext(lambda: None) as locked_out:
        while True:
            try:
                return open_()
            except duckdb.Error as exc:
                if not _is_lock_error(exc):
                    raise
                locked_out()
                waited = time.monotonic() - started
                if not told and waited >= NOTICE_AFTER:
                    told = notice(path, waited, timeout)
                if time.monotonic() >= deadline:
                    raise StoreBusy(
                        f"the store {path} stayed locked by another process for {timeout:.0f}s"
                        f"{_holder(path)}; retry, or raise SPENDSCOPE_LOCK_TIMEOUT",
                        path=str(path),
                    ) from None
            time.sleep(delay * (1 + random.random()))
            delay = min(delay * 2, 0.5)


NEWEST_DAY_MIGRATION = 130  # data/newest_day.py's kept judgement


def apply_migrations(con: duckdb.DuckDBPyConnection, schema: str | None = None) -> list[int]:
    """Apply every shipped migration the database lacks, each in its own transaction. Returns those applied."""
    prefix = f"{schema}." if schema else ""
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {prefix}schema_migrations "
        "(version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMPTZ DEFAULT current_timestamp)"
    )
    done = {row[0] for row in con.execute(f"SELECT version FROM {prefix}schema_migrations").fetchall()}
    applied = []
    for version, name, sql in migrations():
        if version in done:
            continue
        con.execute("BEGIN")
        try:
            if schema:
                con.execute(f"USE {schema}")
            con.execute(sql)
            con.execute(
                f"INSERT INTO {prefix}schema_migrations (version, name) VALUES (?, ?)", [version, name]
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(version)
    return applied


def marker_path(path: Path) -> Path:
    return path.with_name(path.name + ".writing")


@contextmanager
def activity(what: str) -> Iterator[None]:
    """Name what this thread's writes do (e.g. "import focus october.csv"), for the note waiting readers get."""
    before = getattr(_ACTIVITY, "what", None)
    _ACTIVITY.what = what
    try:
        yield
    finally:
        _ACTIVITY.what = before


@contextmanager
def _writing_note(path: Path) -> Iterator[None]:
    """While the write lock is held: a note beside the store saying who writes what since when."""
    note = marker_path(path)
    # a read-only directory: the note is a courtesy, the lock is what protects
    with suppress(OSError):
        note.write_text(
            json.dumps(
                {
                    "pid": os.getpid(),
                    "since": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    "what": getattr(_ACTIVITY, "what", None) or "a write",
                }
            ),
            encoding="utf-8",
        )
    try:
        yield
    finally:
        with suppress(OSError):
            note.unlink(missing_ok=True)


def _holder(path: Path) -> str:
    """`: an import of X (pid N) has been writing since T` when the writer left a note, else ''."""
    try:
        info = json.loads(marker_path(path).read_text(encoding="utf-8"))
        os.kill(int(info["pid"]), 0)  # a note left by a process that died is not a write in progress
    except (OSError, ValueError, KeyError, TypeError):
        return ""
    return f": {info.get('what') or 'a write'} (pid {info['pid']}) has been writing since {info.get('since')}"


def notice(path: Path, waited: float, timeout: float) -> bool:
    """Tell a waiting reader or writer why it waits. Returns True (told)."""
    holder = _holder(path)
    what = f"a write is in progress{holder}" if holder else "another process is writing to it"
    _log.warning(
        "the store %s is busy: %s; waited %.0fs so far, waiting up to %.0fs", path, what, waited, timeout
    )
    return True


class Store:
    """A handle on one store file. Cheap to create; holds no connection between calls.

    `Store(URL)` with a ClickHouse URL (`clickhouse://...`, `clickhouses://...`, `chdb:PATH`) gives a
    ClickHouseStore with the same interface (data/backends/); a path gives this DuckDB store."""

    backend = "duckdb"

    def __new__(cls, path: Path | str | None = None, *args: object, **kwargs: object) -> Store:
        if cls is Store and path is not None:
            from spendscope.data.backends.url import looks_like_url

            if looks_like_url(str(path)):
                from spendscope.data.backends.clickhouse_store import ClickHouseStore

                return super().__new__(ClickHouseStore)
        return super().__new__(cls)

    def __init__(self, path: Path | str, *, lock_timeout: float = 30.0) -> None:
        self.path = Path(path).expanduser()
        self.lock_timeout = lock_timeout

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    @property
    def exists(self) -> bool:
        return self.path.exists()

    def ensure_schema(self) -> None:
        """Create the file if needed and bring it to the current schema version."""
        key = str(self.path.resolve()) if self.path.exists() else str(self.path)
        if key in _MIGRATED and self.path.exists():
            return
        with _MIGRATE_GUARD:
            if self.path.exists():
                con = connect_with_retry(self.path, read_only=True, timeout=self.lock_timeout)
                try:
                    current = _schema_current(con)
                finally:
                    con.close()
                if current:
                    _MIGRATED.add(str(self.path.resolve()))
                    return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            warm.release(self.path)
            con = connect_with_retry(self.path, read_only=False, timeout=self.lock_timeout)
            try:
                if NEWEST_DAY_MIGRATION in apply_migrations(con):
                    refresh_newest_day(con, "")  # a store from before: judged once, as an import would
            finally:
                con.close()
            _MIGRATED.add(str(self.path.resolve()))

    @contextmanager
    def reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection for one request. The file must exist."""
        if not self.path.exists():
            raise StoreMissing(
                f"no store at {self.path}: import data first (spendscope import focus FILE) "
                "or build the demo (spendscope demo)",
                path=str(self.path),
            )
        if str(self.path.resolve()) not in _MIGRATED:
            # the schema is checked on the request's own connection: a separate one for the check would start
            # a second DuckDB instance (~25 ms); only a store that lacks a migration is closed and migrated
            with (
                _lock_for(self.path).read(self.lock_timeout, self.path),
                warm.reader(self.path, self._read_only) as con,
            ):
                if _schema_current(con):
                    _MIGRATED.add(str(self.path.resolve()))
                    yield con
                    return
            self.ensure_schema()
        with (
            _lock_for(self.path).read(self.lock_timeout, self.path),
            warm.reader(self.path, self._read_only) as con,
        ):
            yield con

    def _read_only(self) -> duckdb.DuckDBPyConnection:
        return connect_with_retry(self.path, read_only=True, timeout=self.lock_timeout)

    @contextmanager
    def writer(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection holding one transaction: committed on success, rolled back on error."""
        key = str(self.path.resolve()) if self.path.exists() else None
        if key is None:
            self.ensure_schema()
        with _lock_for(self.path).write(self.lock_timeout, self.path):
            warm.release(self.path)
            con = connect_with_retry(self.path, read_only=False, timeout=self.lock_timeout)
            try:
                if key is not None and key not in _MIGRATED:
                    # checked (and migrated) on the writer's own connection, under the write lock (see reader)
                    apply_migrations(con)
                    _MIGRATED.add(key)
                with _writing_note(self.path):
                    con.execute("BEGIN")
                    try:
                        yield con
                    except BaseException:
                        con.execute("ROLLBACK")
                        raise
                    con.execute("COMMIT")
            finally:
                con.close()

    @contextmanager
    def attached_writer(
        self, con: duckdb.DuckDBPyConnection, alias: str = "store", *, hints: object = None
    ) -> Iterator[str]:
        """Attach the store read-write to an in-memory staging connection for one transaction.

        Work that needs no store (staging, classification) happens in `con` before this is entered; the file
        lock is held from here to the commit. Yields the alias under which the store's tables are visible
        (`store.costs`). `hints` (what the write will touch in the big tables) matters only to ClickHouse stores
        (data/backends/clickhouse_store.py).
        """
        self.ensure_schema()
        with _lock_for(self.path).write(self.lock_timeout, self.path):
            warm.release(self.path)
            _retry_while_locked(
                self.path,
                lambda: con.execute(f"ATTACH '{_sql_path(self.path)}' AS {alias}"),
                timeout=self.lock_timeout,
                writer=True,
            )
            try:
                with _writing_note(self.path):
                    con.execute("BEGIN")
                    con.execute(f"SET VARIABLE {COSTS_AT_BEGIN} = (SELECT count(*) FROM {alias}.costs)")
                    try:
                        yield alias
                    except BaseException:
                        con.execute("ROLLBACK")
                        raise
                    con.execute("COMMIT")
            finally:
                con.execute(f"DETACH {alias}")


def _schema_current(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the store open in `con` has every shipped migration."""
    if not _has_table(con, "schema_migrations"):
        return False
    have = {r[0] for r in con.execute("SELECT version FROM schema_migrations").fetchall()}
    return {v for v, _, _ in migrations()} <= have


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    rows = con.execute(
        "SELECT 1 FROM information_schema.tables WHERE table_name = ? AND table_schema = 'main'", [name]
    ).fetchall()
    return bool(rows)


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def memory_connection() -> duckdb.DuckDBPyConnection:
    """An in-memory staging connection configured like store connections."""
    con = duckdb.connect(":memory:")
    _configure(con)
    return con
