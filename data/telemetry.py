"""Request telemetry for application-level attribution: wrap an `anthropic` or `openai` client and every call
is recorded in `usage_events` with its provider, model, token kinds, latency, call site and the caller's tags
(customer, feature, team, env, commit). Prompt and completion text are never looked at, let alone recorded.

    from spendscope.data.telemetry import Recorder, instrument, tags

    recorder = Recorder.from_settings(team="search", env="prod")
    client = instrument(anthropic.Anthropic(), recorder, feature="answers")
    with tags(customer="acme"):
        client.messages.create(model="claude-sonnet-4-6", max_tokens=512, messages=[...])

Works for sync and async clients, `create(stream=True)` streams and the `.stream()` helpers. The wrapper is
duck-typed (data/telemetry_wrapper.py) and imports neither SDK. Recording never slows or breaks the caller: events go to an
in-memory queue; a background thread writes batches to the store (one short transaction each) and, when the
store cannot be written, appends the batch to a JSON-lines spool file in `<state_dir>/spool/` that
`spendscope telemetry flush` (or `spendscope import events FILE`) imports later. Event ids make every
re-import idempotent. Costs are estimated at write time with the price catalog (`data.prices`).
"""

from __future__ import annotations

import atexit
import datetime as dt
import hashlib
import json
import logging
import os
import queue
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, Field
from spendscope.data.events import EVENT_COLUMNS, finish_event_import, import_events_file
from spendscope.data.prices import PriceCatalog
from spendscope.data.settings import Settings, load_settings
from spendscope.data.store import Store, memory_connection
from spendscope.data.telemetry_wrapper import CALLER_CONTEXT, KIND, WRAPPED, Ctx, Proxy, flavor_of, geo_of

log = logging.getLogger("spendscope.telemetry")

__all__ = [
    "KIND",
    "WRAPPED",
    "Recorder",
    "RecorderStats",
    "SpoolFlushResult",
    "flush_spool",
    "instrument",
    "tags",
]


@contextmanager
def tags(**values: object) -> Iterator[None]:
    """Tag every call made inside the block (and in tasks it starts): customer, feature, team, env, commit,
    or any other key (kept in the event's `tags`)."""
    token = CALLER_CONTEXT.set(
        {**CALLER_CONTEXT.get({}), **{k: str(v) for k, v in values.items() if v is not None}}
    )
    try:
        yield
    finally:
        CALLER_CONTEXT.reset(token)


# --- the recorder: queue -> background writer -> store, or spool ---------------------------------------


class RecorderStats(BaseModel):
    recorded: int = 0
    written: int = Field(0, description="events written to the store")
    spooled: int = Field(0, description="events appended to spool files because the store failed")
    dropped: int = Field(0, description="events lost because the in-memory queue was full")


class Recorder:
    """Buffers usage events and writes them in the background."""

    def __init__(
        self,
        store: Store | None,
        spool_dir: Path,
        *,
        catalog: PriceCatalog | None = None,
        defaults: dict[str, str] | None = None,
        flush_interval: float = 5.0,
        batch_size: int = 1000,
        max_queue: int = 100_000,
    ) -> None:
        self.store = store
        self.spool_dir = Path(spool_dir)
        self.catalog = catalog or PriceCatalog()
        self.defaults = {k: str(v) for k, v in (defaults or {}).items() if v is not None}
        self.flush_interval = flush_interval
        self.batch_size = batch_size
        self.stats = RecorderStats()
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=max_queue)
        self._source = f"telemetry:{socket.gethostname()}:{os.getpid()}"
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="spendscope-telemetry", daemon=True)
        self._thread.start()
        atexit.register(self.close)

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **defaults: str) -> Recorder:
        """A recorder writing to the configured store (SPENDSCOPE_DB), spooling under SPENDSCOPE_STATE_DIR."""
        s = settings or load_settings()
        return cls(
            Store(s.db, lock_timeout=min(s.lock_timeout, 10.0)),
            Path(s.state_dir) / "spool",
            catalog=PriceCatalog.load(s.prices_file),
            defaults=defaults,
        )

    def record(self, event: dict[str, Any]) -> None:
        """Queue one event (never blocks, never raises)."""
        self.stats.recorded += 1
        try:
            self._queue.put_nowait(event)
        except queue.Full:
            self.stats.dropped += 1

    def flush(self, timeout: float = 30.0) -> bool:
        """Write everything queued so far; True when done within `timeout` seconds."""
        if self._closed:
            return True
        done = threading.Event()
        try:
            self._queue.put(("flush", done), timeout=timeout)
        except queue.Full:
            return False
        return done.wait(timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Flush and stop the writer; anything it could not write in time goes to the spool."""
        if self._closed:
            return
        self.flush(timeout)
        self._closed = True
        with suppress(queue.Full):
            self._queue.put_nowait(("stop", None))
        self._thread.join(timeout)
        leftover = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, dict):
                leftover.append(item)
        if leftover:
            self._spool(leftover)

    def _run(self) -> None:
        batch: list[dict[str, Any]] = []
        deadline = time.monotonic() + self.flush_interval
        while True:
            try:
                item = self._queue.get(timeout=max(deadline - time.monotonic(), 0.001))
            except queue.Empty:
                item = None
            control = item if isinstance(item, tuple) else None
            if isinstance(item, dict):
                batch.append(item)
            due = time.monotonic() >= deadline
            if batch and (control is not None or due or len(batch) >= self.batch_size):
                self._write(batch)
                batch = []
            if due or control is not None:
                deadline = time.monotonic() + self.flush_interval
            if control is not None:
                if control[0] == "flush":
                    control[1].set()
                elif control[0] == "stop":
                    return

    def _write(self, batch: list[dict[str, Any]]) -> None:
        try:
            if self.store is None:
                raise RuntimeError("no store configured")
            con = memory_connection()
            try:
                stage_events(con, "ev", batch)
                digest = hashlib.sha256("".join(e["event_id"] for e in batch).encode()).hexdigest()
                finish_event_import(
                    self.store,
                    con,
                    "ev",
                    kind=KIND,
                    source_file=self._source,
                    file_hash=digest,
                    catalog=self.catalog,
                )
            finally:
                con.close()
            self.stats.written += len(batch)
        except Exception as exc:  # noqa: BLE001 - any store failure goes to the spool, never to the caller
            log.warning("spendscope telemetry: store write failed (%s); spooling %d events", exc, len(batch))
            self._spool(batch)

    def _spool(self, batch: list[dict[str, Any]]) -> None:
        try:
            self.spool_dir.mkdir(parents=True, exist_ok=True)
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
            final = self.spool_dir / f"telemetry-{stamp}-{os.getpid()}-{uuid.uuid4().hex[:8]}.jsonl"
            tmp = final.with_suffix(".tmp")
            with open(tmp, "w", encoding="utf-8") as fh:
                for event in batch:
                    fh.write(json.dumps(event, default=str) + "\n")
            os.replace(tmp, final)
            self.stats.spooled += len(batch)
        except Exception as exc:  # noqa: BLE001
            log.error("spendscope telemetry: could not spool %d events (%s); they are lost", len(batch), exc)
            self.stats.dropped += len(batch)


def stage_events(con: Any, table: str, events: list[dict[str, Any]]) -> None:
    """A batch of event dicts -> a staged table with usage_events' columns and types."""
    data = {c: [e.get(c) for e in events] for c in EVENT_COLUMNS if c != "tags"}
    data["tags"] = [json.dumps(e.get("tags") or {}) for e in events]
    frame = pd.DataFrame(data, columns=list(EVENT_COLUMNS))
    con.register("events_in", frame)
    try:
        cols = ", ".join(f'CAST("{c}" AS {t}) AS "{c}"' for c, t in EVENT_COLUMNS.items())
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT {cols} FROM events_in")
    finally:
        con.unregister("events_in")


class SpoolFlushResult(BaseModel):
    files: int = 0
    events_inserted: int = 0
    events_already_present: int = 0
    failed: list[str] = Field(default_factory=list, description="spool files left in place, with the reason")


def flush_spool(store: Store, spool_dir: Path, catalog: PriceCatalog | None = None) -> SpoolFlushResult:
    """Import every spool file into the store; each imported file is removed, a failing one is kept."""
    out = SpoolFlushResult()
    for path in sorted(Path(spool_dir).glob("telemetry-*.jsonl")):
        try:
            result = import_events_file(store, path, catalog=catalog)
        except Exception as exc:  # noqa: BLE001 - report and keep the file for the next flush
            out.failed.append(f"{path.name}: {getattr(exc, 'message', None) or type(exc).__name__}")
            continue
        out.files += 1
        out.events_inserted += result.rows_inserted
        out.events_already_present += result.rows_skipped
        path.unlink()
    return out


def instrument(client: Any, recorder: Recorder | None = None, **default_tags: object) -> Any:
    """Wrap an Anthropic/OpenAI client (sync or async) so that its calls are recorded by `recorder`
    (default: `Recorder.from_settings()`), tagged with `default_tags` and any active `tags(...)`."""
    flavor, provider = flavor_of(client)
    ctx = Ctx(
        flavor,
        provider,
        recorder or default_recorder(),
        {k: str(v) for k, v in default_tags.items() if v is not None},
        geo_of(client),
    )
    return Proxy(client, (), ctx)


_DEFAULT: Recorder | None = None
_DEFAULT_GUARD = threading.Lock()


def default_recorder() -> Recorder:
    global _DEFAULT
    with _DEFAULT_GUARD:
        if _DEFAULT is None:
            _DEFAULT = Recorder.from_settings()
        return _DEFAULT
