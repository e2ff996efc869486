"""A store's DuckDB instance kept warm between reads, in long-lived processes (the servers).

Opening a store file starts a DuckDB instance: 20-35 ms on a 2-core machine (its built-in functions are
catalogued anew each time), more than half of a warm question's time (docs/performance.md). DuckDB shares one
instance between a process's connections to a file for as long as any of them is open, so a server that keeps
one idle read-only connection (the anchor) open between requests opens each request's own connection in
~0.05 ms. Each request still has its own connection, opened and closed as before.

The anchor holds the file's shared lock, so another process cannot write while it is open. It is therefore
closed `keep(seconds)` after the last read of this process ends (an import in another process waits at most
that much longer than it would have), at once before a write of this process (Store.writer), and while the
SQL guard's connection is open (`unshared`: the guard locks its instance's configuration, which must not outlive
it in an instance kept warm). A file replaced or deleted under the anchor is noticed at the next read (its
inode), and the anchor reopened on the new file.

Off (0 s) unless a process turns it on (the MCP server, the Slack app, the web dashboard: settings.keep_warm):
a one-shot command must not hold the file a moment longer than its reads. Work that reads several times in a row
(one operation through tools.invoke: names, currency, then its own queries; `spendscope ask`; a triage run: ~50
reads) shares one instance between them inside `shared_reads()`, which closes it when the work ends; a write in
between closes it first, as for a server.
"""

from __future__ import annotations

import atexit
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

_seconds = 0.0
_held = 0  # scopes inside shared_reads(): anchors stay open until the last one ends


class _Slot:
    """One store file's anchor and the connections this process has open on it through `reader`."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.anchor: duckdb.DuckDBPyConnection | None = None
        self.ident: tuple[int, int] | None = None
        self.users = 0  # connections handed out and not yet closed
        self.unshared = 0  # SQL guard connections open: no anchor meanwhile
        self.idle_since = 0.0

    def drop(self) -> None:
        if self.anchor is not None:
            anchor, self.anchor, self.ident = self.anchor, None, None
            anchor.close()


_SLOTS: dict[str, _Slot] = {}
_SLOTS_GUARD = threading.Lock()
_reaper: threading.Thread | None = None


def keep(seconds: float) -> None:
    """Keep each store's instance warm for `seconds` after its last read (0: off, closing what is open)."""
    global _seconds
    _seconds = max(float(seconds), 0.0)
    if not _seconds:
        close_all()


def keeping() -> float:
    return _seconds


def _slot(path: Path) -> _Slot:
    key = str(path.resolve())
    with _SLOTS_GUARD:
        slot = _SLOTS.get(key)
        if slot is None:
            slot = _SLOTS[key] = _Slot()
        return slot


def _ident(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


@contextmanager
def reader(
    path: Path, connect: Callable[[], duckdb.DuckDBPyConnection]
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection from `connect()`, sharing the warm instance when one is kept for `path`."""
    if not _seconds and not _held:
        con = connect()
        try:
            yield con
        finally:
            con.close()
        return
    slot = _slot(path)
    with slot.lock:
        ident = _ident(path)
        if slot.anchor is not None and slot.ident != ident:
            slot.drop()  # the file was replaced or deleted: its new contents need a new instance
        if slot.anchor is None and not slot.users and not slot.unshared:
            # no connection of ours is open, so this starts a fresh instance (never one the guard configured)
            slot.anchor, slot.ident = connect(), ident
            if _seconds:
                _start_reaper()
        con = connect()
        slot.users += 1
    try:
        yield con
    finally:
        con.close()
        with slot.lock:
            slot.users -= 1
            slot.idle_since = time.monotonic()


@contextmanager
def shared_reads() -> Iterator[None]:
    """While inside: this process's reads of a store share one instance, closed when the last scope ends (for
    bounded work that reads more than once; never around a process that serves until stopped)."""
    global _held
    with _SLOTS_GUARD:
        _held += 1
    try:
        yield
    finally:
        with _SLOTS_GUARD:
            _held -= 1
            last = not _held
        if last and not _seconds:
            close_all()


def release(path: Path) -> None:
    """Close the anchor of `path` now (before this process writes to it)."""
    if not _seconds and not _held and not _SLOTS:
        return
    slot = _slot(path)
    with slot.lock:
        slot.drop()


@contextmanager
def unshared(path: Path) -> Iterator[None]:
    """While inside: no anchor for `path` (the SQL guard's connection changes its instance's configuration)."""
    if not _seconds and not _held and not _SLOTS:
        yield
        return
    slot = _slot(path)
    with slot.lock:
        slot.drop()
        slot.unshared += 1
    try:
        yield
    finally:
        with slot.lock:
            slot.unshared -= 1


def close_all() -> None:
    with _SLOTS_GUARD:
        slots = list(_SLOTS.values())
    for slot in slots:
        with slot.lock:
            slot.drop()


def _reap() -> None:
    """Close anchors idle for longer than `keep`'s seconds; ends when none is left."""
    global _reaper
    while True:
        time.sleep(min(max(_seconds, 0.05) / 4, 0.25))
        with _SLOTS_GUARD:
            slots = list(_SLOTS.values())
        left = 0
        for slot in slots:
            if not slot.lock.acquire(blocking=False):
                left += 1
                continue
            try:
                idle = time.monotonic() - slot.idle_since
                if slot.anchor is not None and not slot.users and idle >= _seconds:
                    slot.drop()
                left += slot.anchor is not None
            finally:
                slot.lock.release()
        if not left:
            with (
                _SLOTS_GUARD
            ):  # a reader sets its anchor before it calls _start_reaper, which takes this lock
                if not any(slot.anchor is not None for slot in _SLOTS.values()):
                    _reaper = None
                    return


def _start_reaper() -> None:
    global _reaper
    with _SLOTS_GUARD:
        if _reaper is None:
            _reaper = threading.Thread(target=_reap, name="spendscope-warm-store", daemon=True)
            _reaper.start()


atexit.register(close_all)
