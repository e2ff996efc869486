"""A DuckDB-shaped connection over ClickHouse: `execute(sql, params)` takes the SQL operations write (DuckDB's
dialect, `?` parameters), transpiles it once (data/dialect.py) and answers with the cursor methods callers use
(`fetchall`, `fetchone`, `fetchnumpy`, `description`, `df`, `arrow`)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from spendscope.data.backends.engines import Engine
from spendscope.data.dialect import bind, to_clickhouse

# Statements that only make sense on DuckDB (its session settings and explicit transactions): no-ops here.
_SET_VARIABLE = re.compile(r"SET\s+VARIABLE\s+(\w+)\s*=\s*\?$", re.IGNORECASE)
_DUCKDB_ONLY = ("SET ", "BEGIN", "COMMIT", "ROLLBACK", "PRAGMA ", "CHECKPOINT", "FORCE CHECKPOINT")


class Result:
    """An executed statement's rows (an Arrow table), read like a DuckDB cursor."""

    def __init__(self, table: Any | None) -> None:
        self._table = table
        self._rows: list[tuple[Any, ...]] | None = None
        self._pos = 0

    @property
    def description(self) -> list[tuple[Any, ...]] | None:
        if self._table is None:
            return None
        return [(f.name, str(f.type), None, None, None, None, None) for f in self._table.schema]

    def _all(self) -> list[tuple[Any, ...]]:
        if self._rows is None:
            if self._table is None or self._table.num_columns == 0:
                self._rows = []
            else:
                columns = [c.to_pylist() for c in self._table.columns]
                self._rows = list(zip(*columns, strict=True))
        return self._rows

    def fetchall(self) -> list[tuple[Any, ...]]:
        rows = self._all()[self._pos :]
        self._pos = len(self._all())
        return rows

    def fetchone(self) -> tuple[Any, ...] | None:
        rows = self._all()
        if self._pos >= len(rows):
            return None
        self._pos += 1
        return rows[self._pos - 1]

    def fetchmany(self, size: int = 1) -> list[tuple[Any, ...]]:
        rows = self._all()[self._pos : self._pos + size]
        self._pos += len(rows)
        return rows

    def fetchnumpy(self) -> dict[str, Any]:
        import numpy as np

        out: dict[str, Any] = {}
        if self._table is None:
            return out
        for field, col in zip(self._table.schema, self._table.columns, strict=True):
            values = col.to_pylist()
            if str(field.type).startswith("date32"):
                out[field.name] = np.array(values, dtype="datetime64[D]")
            else:
                out[field.name] = np.array(values)
        return out

    def arrow(self) -> Any:
        return self._table

    def df(self) -> Any:
        return self._table.to_pandas() if self._table is not None else None

    fetchdf = df


class ClickHouseConnection:
    """One session on a ClickHouse store. Each `execute` returns a fresh Result (so, unlike DuckDB, results need
    not be drained before the next statement)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._registered: set[str] = set()
        self._last: Result | None = None
        self.variables: dict[str, object] = {}  # DuckDB session variables (SET VARIABLE x = ?)

    def execute(self, sql: str, params: Sequence[object] | Mapping[str, object] | None = None) -> Result:
        text = sql.strip().rstrip(";").strip()
        variable = _SET_VARIABLE.match(text)
        if variable:
            self.variables[variable.group(1)] = (params or [None])[0]
            self._last = Result(None)
            return self._last
        if text.upper().startswith(_DUCKDB_ONLY):
            self._last = Result(None)
            return self._last
        compiled = to_clickhouse(text)
        query, bound = bind(compiled, params, self.variables)
        if compiled.kind == "select":
            self._last = Result(self.engine.query_arrow(query, bound))
        else:
            self.engine.command(query, bound)
            self._last = Result(None)
        return self._last

    def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        for row in rows:
            self.execute(sql, row)

    # DuckDB-cursor style: con.execute(...); con.fetchall()
    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._last.fetchall() if self._last else []

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._last.fetchone() if self._last else None

    @property
    def description(self) -> list[tuple[Any, ...]] | None:
        return self._last.description if self._last else None

    def cursor(self) -> ClickHouseConnection:
        return self

    def register(self, name: str, frame: Any) -> None:
        """A pandas DataFrame or Arrow table as a temporary table of this session (DuckDB registers a view)."""
        import pyarrow as pa

        table = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
        from spendscope.data.backends.schema import arrow_to_clickhouse_columns

        self.unregister(name)
        self.engine.command(f"CREATE TEMPORARY TABLE `{name}` ({arrow_to_clickhouse_columns(table.schema)})")
        self.engine.insert_arrow(f"`{name}`", table)
        self._registered.add(name)

    def unregister(self, name: str) -> None:
        self.engine.command(f"DROP TEMPORARY TABLE IF EXISTS `{name}`")
        self._registered.discard(name)

    def interrupt(self) -> None:  # DuckDB API; ClickHouse stops a query by max_execution_time instead
        return None

    def temp_name(self, prefix: str = "t") -> str:
        return f"_{prefix}_{uuid.uuid4().hex[:10]}"

    def close(self) -> None:
        self.engine.close()

    def __enter__(self) -> ClickHouseConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
