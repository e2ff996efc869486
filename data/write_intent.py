"""A writer waiting for a store that other processes keep reading gets its turn (docs/concurrency.md).

DuckDB's file lock keeps no queue: a writer retrying to open the file can wait its whole timeout behind readers of
other processes that open it back to back (a server answering overlapping requests, or keeping its instance warm
for a client that polls). So a writer that finds the file locked leaves a note beside it (`<store>.wanted`: its
pid, since when) for as long as it retries. A reader of another process that finds the note of a live writer
steps back before it opens the file: it closes its process's warm instance of the store and waits until the note
is gone (the writer has the file, or gave up), for at most its own lock timeout. A read already under way is never
interrupted, and a thread that already reads does not step back (its nested reads would wait for themselves).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

_log = logging.getLogger("spendscope.store")
NOTICE_AFTER = 2.0  # seconds a stepping-back reader waits before it is told why (as data/store.py)
_POLL = 0.02


def wanted_path(path: Path) -> Path:
    return path.with_name(path.name + ".wanted")


def _waiting_pid(note: Path) -> int | None:
    """The pid of a live writer of another process waiting for the store, else None."""
    try:
        pid = int(json.loads(note.read_text(encoding="utf-8"))["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if pid == os.getpid():  # a writer of this process: the in-process lock already makes its readers wait
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None  # left by a writer that died
    except OSError:
        pass  # alive, owned by another user
    return pid


@contextmanager
def waiting(path: Path) -> Iterator[Callable[[], None]]:
    """Around a writer's retries: the callable it yields leaves the note (call it when the file was found locked;
    calling it again renews a note another writer removed). The note is removed at the end if it is still ours."""
    note = wanted_path(path)
    mine = False

    def mark() -> None:
        nonlocal mine
        if mine and note.exists():
            return
        if _waiting_pid(note) is not None:
            return  # another writer waits already: readers step back for it, and so for this one too
        since = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with suppress(OSError):  # a read-only directory: no priority, the retries still work
            note.write_text(json.dumps({"pid": os.getpid(), "since": since}), encoding="utf-8")
            mine = True

    try:
        yield mark
    finally:
        if mine:
            with suppress(OSError, ValueError, KeyError, TypeError):
                if int(json.loads(note.read_text(encoding="utf-8"))["pid"]) == os.getpid():
                    note.unlink()


def step_back(path: Path, timeout: float, release: Callable[[], None]) -> None:
    """Before a reader opens `path`: while a writer of another process waits for it, close this process's idle
    instance of the store (`release`) and wait, for at most `timeout` seconds. Costs one failed open otherwise."""
    note = wanted_path(path)
    pid = _waiting_pid(note)
    if pid is None:
        return
    started = time.monotonic()
    told = False
    while pid is not None and time.monotonic() - started < timeout:
        release()
        time.sleep(_POLL)
        waited = time.monotonic() - started
        if not told and waited >= NOTICE_AFTER:
            _log.warning(
                "the store %s is busy: a write (pid %s) is waiting for it and goes first; "
                "waited %.0fs so far, waiting up to %.0fs",
                path,
                pid,
                waited,
                timeout,
            )
            told = True
        pid = _waiting_pid(note)
