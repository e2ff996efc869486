"""The bounded pool that answers Slack questions after their ack.

Slack wants every request acknowledged within 3 seconds. Bolt runs each listener in its listener executor and
holds the HTTP response until the listener calls ack(); when that executor's threads were busy answering
questions (seconds each), a burst of /spend commands waited for a free thread and missed the 3 seconds. So the
listeners only ack and hand the answer to this pool, and return: acks never wait behind answers.

The pool runs at most `workers` answers at once and holds at most `queue` more; past that, `submit` returns
False and the listener tells the asker the app is busy (instead of queueing without bound, which would answer
minutes late and grow memory under a flood).
"""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any

from spendscope.tools.money_text import for_store

log = logging.getLogger("spendscope.slack")

DEFAULT_WORKERS = 4
DEFAULT_QUEUE = 64


class AnswerPool:
    def __init__(
        self, executor: Executor | None = None, *, workers: int = DEFAULT_WORKERS, queue: int = DEFAULT_QUEUE
    ) -> None:
        self.executor = executor or ThreadPoolExecutor(max_workers=workers, thread_name_prefix="slack-answer")
        self.capacity = workers + queue
        self._slots = threading.BoundedSemaphore(self.capacity)

    def submit(self, work: Callable[[], Any]) -> bool:
        """Run `work` in the pool; False (nothing queued) when it is full."""
        if not self._slots.acquire(blocking=False):
            log.warning("answer pool full (%d answers running or waiting): refusing one", self.capacity)
            return False
        try:
            # the answer runs in the listener's context: the store's billing currency
            future: Future[Any] = self.executor.submit(contextvars.copy_context().run, work)
        except RuntimeError:  # the executor was shut down
            self._slots.release()
            return False
        future.add_done_callback(self._done)
        return True

    def _done(self, future: Future[Any]) -> None:
        self._slots.release()
        if not future.cancelled() and future.exception() is not None:
            log.error("a Slack answer failed", exc_info=future.exception())


class InStoreCurrency(Executor):
    """An executor whose work writes money in `store`'s billing currency (Bolt's listener threads)."""

    def __init__(self, inner: Executor, store: Any) -> None:
        self.inner = inner
        self.store = store

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        return self.inner.submit(self._run, fn, args, kwargs)

    def _run(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        with for_store(self.store, eager=True):
            return fn(*args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.inner.shutdown(wait, cancel_futures=cancel_futures)
