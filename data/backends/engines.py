"""The two ways spendscope talks to ClickHouse: embedded (chdb, one engine per process bound to one folder) and
a server or cluster over HTTP (clickhouse-connect). Both answer in Arrow, so Python types match DuckDB's
(Decimal, timezone-aware datetimes, dates), and both load data as Arrow streams, never row by row.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from spendscope.data.backends.url import StoreURL
from spendscope.data.errors import SpendscopeError, StoreMissing

# Settings every spendscope session runs with, so ClickHouse answers DuckDB's SQL with DuckDB's semantics:
# outer joins give NULL (not 0 or ''), empty aggregates give NULL, UNION means DISTINCT, times are UTC, and an
# alias in SELECT never shadows a column of the same name in WHERE.
SESSION_SETTINGS: dict[str, str | int] = {
    "join_use_nulls": 1,
    "aggregate_functions_null_for_empty": 1,
    "union_default_mode": "DISTINCT",
    "session_timezone": "UTC",
    "prefer_column_name_to_alias": 1,
    "mutations_sync": 2,
    "lightweight_deletes_sync": 2,
    "output_format_arrow_string_as_string": 1,
    "output_format_arrow_low_cardinality_as_dictionary": 0,
    "allow_experimental_correlated_subqueries": 1,
    "cast_keep_nullable": 1,
    "date_time_input_format": "best_effort",
    "function_json_value_return_type_allow_nullable": 1,
    "enable_materialized_cte": 1,
}


INSERT_CHUNK_BYTES = 64 << 20


class EngineError(SpendscopeError):
    """ClickHouse refused or failed a statement."""

    code = "engine_error"


class Engine(Protocol):
    def query_arrow(self, sql: str, params: Mapping[str, Any] | None = None) -> Any: ...
    def command(self, sql: str, params: Mapping[str, Any] | None = None) -> None: ...
    def insert_arrow(self, table: str, data: Any) -> None: ...
    def close(self) -> None: ...


def _settings_query(extra: Mapping[str, str | int] | None = None) -> str:
    merged = {**SESSION_SETTINGS, **(extra or {})}
    return "&".join(f"{k}={v}" for k, v in merged.items())


class ChdbEngine:
    """One chdb connection (its own session: settings and temporary tables). chdb hosts a single engine per
    process bound to one folder, so opening another folder first closes every connection to the previous one."""

    _lock = threading.RLock()
    _open: dict[int, ChdbEngine] = {}
    _path: str | None = None

    def __init__(self, path: str, *, read_only: bool = False) -> None:
        import chdb

        with ChdbEngine._lock:
            if ChdbEngine._path not in (None, path):
                for other in list(ChdbEngine._open.values()):
                    other.close()
            extra = {"readonly": 2} if read_only else None
            try:
                self._con = chdb.connect(f"{path}?{_settings_query(extra)}")
            except Exception as exc:  # chdb raises RuntimeError for a folder another process holds
                raise EngineError(
                    f"cannot open the chdb store {path}: {_first_line(exc)} (chdb is embedded: one process at a "
                    "time; use a ClickHouse server for several processes)",
                    path=path,
                ) from None
            ChdbEngine._path = path
            ChdbEngine._open[id(self)] = self
        self._query_lock = threading.Lock()

    def query_arrow(self, sql: str, params: Mapping[str, Any] | None = None) -> Any:
        with self._query_lock:
            try:
                return self._con.query(sql, "Arrowtable", params=_text_params(params))
            except Exception as exc:
                raise EngineError(f"ClickHouse: {_first_line(exc)}") from exc

    def command(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        with self._query_lock:
            try:
                self._con.query(sql, "Null", params=_text_params(params))
            except Exception as exc:
                raise EngineError(f"ClickHouse: {_first_line(exc)}") from exc

    def insert_arrow(self, table: str, data: Any) -> None:
        """Stream Arrow record batches into `table`: one Arrow IPC stream per INSERT of up to ~64 MB."""
        import pyarrow as pa

        batches: Iterable[Any] = data.to_batches() if isinstance(data, pa.Table) else data
        schema = data.schema
        query = f"INSERT INTO {table} ({_column_list(schema)})"
        chunk: list[Any] = []
        size = 0
        for batch in batches:
            if not batch.num_rows:
                continue
            chunk.append(batch)
            size += batch.nbytes
            if size >= INSERT_CHUNK_BYTES:
                self._insert_stream(query, schema, chunk)
                chunk, size = [], 0
        if chunk:
            self._insert_stream(query, schema, chunk)

    def _insert_stream(self, query: str, schema: Any, batches: list[Any]) -> None:
        import pyarrow as pa

        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, schema) as writer:
            for batch in batches:
                writer.write_batch(batch)
        with self._query_lock:
            try:
                with self._con.send_insert(query, "ArrowStream") as ins:
                    ins.append(sink.getvalue().to_pybytes())
                    ins.finish()
            except Exception as exc:
                raise EngineError(f"ClickHouse {query.split('(')[0].strip()}: {_first_line(exc)}") from exc

    def close(self) -> None:
        with ChdbEngine._lock:
            con, self._con = getattr(self, "_con", None), None
            ChdbEngine._open.pop(id(self), None)
            if not ChdbEngine._open:
                ChdbEngine._path = None
        if con is not None:
            con.close()


class HttpEngine:
    """A clickhouse-connect client with its own session (temporary tables live in it)."""

    def __init__(self, url: StoreURL, *, read_only: bool = False) -> None:
        try:
            import clickhouse_connect
        except ImportError:
            raise SpendscopeError(
                "clickhouse:// stores need the clickhouse extra: pip install 'spendscope[clickhouse]'"
            ) from None
        settings: dict[str, Any] = dict(SESSION_SETTINGS)
        if read_only:
            settings["readonly"] = 2
        options = dict(url.options)
        try:
            self._client = clickhouse_connect.get_client(
                host=url.host,
                port=url.port,
                username=url.user,
                password=url.password,
                database=url.database,
                secure=url.secure,
                session_id=f"spendscope-{uuid.uuid4().hex}",
                settings=settings,
                connect_timeout=float(options.get("connect_timeout", 10)),
                send_receive_timeout=float(options.get("send_receive_timeout", 300)),
                compress=options.get("compress", "lz4"),
            )
        except Exception as exc:
            raise StoreMissing(
                f"cannot reach the ClickHouse store {url.display()}: {_first_line(exc)}", path=url.display()
            ) from None

    def query_arrow(self, sql: str, params: Mapping[str, Any] | None = None) -> Any:
        try:
            return self._client.query_arrow(sql, parameters=_native_params(params), use_strings=True)
        except Exception as exc:
            raise EngineError(f"ClickHouse: {_first_line(exc)}") from exc

    def command(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        try:
            self._client.command(sql, parameters=_native_params(params))
        except Exception as exc:
            raise EngineError(f"ClickHouse: {_first_line(exc)}") from exc

    def insert_arrow(self, table: str, data: Any) -> None:
        import pyarrow as pa

        tables = [data] if isinstance(data, pa.Table) else (pa.Table.from_batches([b]) for b in data)
        try:
            for t in tables:
                if t.num_rows:
                    self._client.insert_arrow(table, t)
        except Exception as exc:
            raise EngineError(f"ClickHouse insert into {table}: {_first_line(exc)}") from exc

    def close(self) -> None:
        self._client.close()


def open_engine(url: StoreURL, *, read_only: bool = False) -> Engine:
    if url.kind == "chdb":
        return ChdbEngine(str(url.path), read_only=read_only)
    return HttpEngine(url, read_only=read_only)


def _text_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """Query parameters as the text chdb parses (`[1, 2]`, `2026-10-01 00:00:00.000000`)."""
    from spendscope.data.dialect import ch_value

    return {k: ch_value(v) for k, v in (params or {}).items()}


def _native_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """Query parameters for clickhouse-connect, which formats containers itself: scalars as text, lists as lists,
    structs (dicts) as tuples."""
    from spendscope.data.dialect import ch_value

    def native(v: Any, top: bool) -> Any:
        if isinstance(v, dict):
            return tuple(native(x, False) for x in v.values())
        if isinstance(v, list | tuple):
            return [native(x, False) for x in v]
        if v is None or not top:
            return v
        return ch_value(v)

    return {k: native(v, True) for k, v in (params or {}).items()}


def _column_list(schema: Any) -> str:
    return ", ".join(f"`{name}`" for name in schema.names)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    line = text[0] if text else type(exc).__name__
    line = re.sub(r"^(Code: \d+\. )?DB::Exception: ", "", line)
    return line[:400]
