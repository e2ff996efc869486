"""One read-only connection per question: every operation Billy runs through tools.invoke for a question reads
through the same connection (and the same read lock), instead of opening one per operation.

`QuestionStore` is the question's store: `reader()` hands out the connection opened for the question; `writer()`
is refused (Billy never writes). Validation, permission and row scope stay in tools.invoke."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
from spendscope.data.errors import PermissionDenied
from spendscope.data.store import Store


class QuestionStore(Store):
    def __init__(self, store: Store, con: duckdb.DuckDBPyConnection) -> None:
        super().__init__(store.path, lock_timeout=store.lock_timeout)
        self._con = con

    @contextmanager
    def reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        yield self._con

    @contextmanager
    def writer(self) -> Iterator[duckdb.DuckDBPyConnection]:
        raise PermissionDenied("Billy answers questions read-only")
        yield self._con  # pragma: no cover - a generator for contextmanager


@contextmanager
def question_store(store: Store) -> Iterator[Store]:
    """The store for one question: one read-only connection shared by its operations."""
    if isinstance(store, QuestionStore):
        yield store
        return
    with store.reader() as con:
        yield QuestionStore(store, con)
