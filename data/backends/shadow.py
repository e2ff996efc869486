"""Writes to a ClickHouse store go through a DuckDB *shadow*: an in-memory DuckDB database with the store's schema
holding what the write transaction may touch, so the writing code (importers, budgets, rules, ledgers) runs
unchanged, with DuckDB's transactions, ON CONFLICT and UPDATE ... FROM. On commit the shadow's changes are
applied to ClickHouse:

- small tables (budgets, imports, anomalies, ledgers, ...) are copied whole into the shadow; on commit the rows
  that changed are deleted and inserted (a multiset difference against the copy);
- `costs` is copied by partition (billing month x source, as the writer names them): on commit each copied
  partition is swapped whole with `ALTER TABLE costs REPLACE PARTITION ... FROM` a staging table (or dropped
  when nothing is left in it), so a restated period replaces its rows atomically; rows in partitions that were
  not copied are appended;
- `usage_events` and `gpu_samples` are copied by key (the keys the writer is about to write), then only the
  difference is written.

Bulk rows move as Arrow streams in both directions, never row by row through Python.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

import duckdb
from spendscope.data.backends.engines import Engine
from spendscope.data.backends.schema import BIG_TABLES, ch_type

SHADOW_MONTH = (
    "CAST(strftime(coalesce(BillingPeriodStart, ChargePeriodStart, TIMESTAMPTZ '1970-01-01 00:00:00+00'), '%Y%m') "
    "AS INTEGER)"
)
SHADOW_SOURCE = "coalesce(x_Source, '')"
_CH_TO_DUCKDB = {
    "String": "VARCHAR",
    "Int32": "INTEGER",
    "Int64": "BIGINT",
    "UInt64": "UBIGINT",
    "Float64": "DOUBLE",
    "Bool": "BOOLEAN",
    "Date32": "DATE",
    "Date": "DATE",
}


def duckdb_type(ch: str) -> str:
    base = ch[len("Nullable(") : -1] if ch.startswith("Nullable(") else ch
    if base.startswith("Decimal"):
        return base.upper()
    if base.startswith("DateTime64"):
        return "TIMESTAMPTZ"
    if base.startswith("Array("):
        return duckdb_type(base[len("Array(") : -1]) + "[]"
    return _CH_TO_DUCKDB.get(base, "VARCHAR")


class Shadow:
    """The DuckDB side of one ClickHouse write transaction, in catalog `catalog` of connection `con`."""

    def __init__(self, engine: Engine, con: duckdb.DuckDBPyConnection, catalog: str) -> None:
        self.engine = engine
        self.con = con
        self.catalog = catalog
        self.snapshots: dict[str, Any] = {}
        self.partitions: set[tuple[int, str]] = set()
        self.ch_columns: dict[str, dict[str, str]] = {}
        self._known: dict[str, dict[str, str]] | None = None  # the shadow's columns by table, read once
        self.fingerprints: dict[str, tuple] = {}  # small table -> (columns, rows, hashes) as copied in

    # ---- building ---------------------------------------------------------------------------------------------
    def create(self) -> None:
        """The store's DuckDB schema in the shadow catalog, widened to every column ClickHouse has."""
        from spendscope.data.store import migrations

        current = self.con.execute("SELECT current_database()").fetchall()[0][0]
        self.con.execute(f"USE {self.catalog}")
        try:
            for _version, _name, sql in migrations():
                self.con.execute(sql)
        finally:
            self.con.execute(f"USE {current}")
        rows = self.engine.query_arrow(
            "SELECT table, name, type FROM system.columns WHERE database = currentDatabase() "
            "AND table IN (SELECT name FROM system.tables WHERE database = currentDatabase() "
            "AND engine LIKE '%MergeTree') AND default_kind NOT IN ('MATERIALIZED', 'ALIAS') ORDER BY table, position"
        ).to_pylist()
        for r in rows:
            self.ch_columns.setdefault(r["table"], {})[r["name"]] = r["type"]
        for table, columns in self.ch_columns.items():
            have = self._columns(table)
            if have is None:
                continue
            for name, ch in columns.items():
                if name not in have:
                    self.con.execute(
                        f'ALTER TABLE {self.catalog}."{table}" ADD COLUMN "{name}" {duckdb_type(ch)}'
                    )
                    self._known = None

    def _columns(self, table: str) -> dict[str, str] | None:
        """The shadow table's columns and DuckDB types (None: no such table). The whole catalog is read in one
        query and kept until the schema may have changed (the shadow's own ALTERs; the writer's transaction, so
        `commit` reads it again): one information_schema query costs ~4 ms, and a commit asked ~120 times."""
        if self._known is None:
            rows = self.con.execute(
                "SELECT table_name, column_name, data_type FROM information_schema.columns "
                "WHERE table_catalog = ? ORDER BY table_name, ordinal_position",
                [self.catalog],
            ).fetchall()
            known: dict[str, dict[str, str]] = {}
            for table_name, column, dtype in rows:
                known.setdefault(table_name, {})[column] = dtype
            self._known = known
        return self._known.get(table)

    def _fingerprint(self, tables: list[str]) -> dict[str, tuple]:
        """Per table: its columns, row count and two order-free hashes of its rows (sum and xor of each row's
        hash), in one query. Equal fingerprints before and after the transaction: the table was not changed."""
        if not tables:
            return {}
        parts = [
            f"SELECT {i} AS i, count(*) AS n, sum(hash(r)) AS h, bit_xor(hash(r)) AS x "
            f'FROM {self.catalog}."{t}" AS r'
            for i, t in enumerate(tables)
        ]
        rows = self.con.execute(" UNION ALL ".join(parts)).fetchall()
        return {tables[i]: (tuple((self._columns(tables[i]) or {}).items()), n, h, x) for i, n, h, x in rows}

    def _load(self, table: str, arrow: Any) -> None:
        if arrow.num_rows == 0:
            return
        view = f"_load_{uuid.uuid4().hex[:8]}"
        self.con.register(view, arrow)
        try:
            cols = ", ".join(f'"{c}"' for c in arrow.schema.names)
            self.con.execute(f'INSERT INTO {self.catalog}."{table}" ({cols}) SELECT {cols} FROM {view}')
        finally:
            self.con.unregister(view)

    def hydrate_small(self) -> None:
        """Copy every small table whole. A table ClickHouse counts no rows in is not read (one query a table,
        ~10 ms each, for the many empty ledgers): its copy is an empty snapshot with no columns, which
        `_commit_diff` takes as "insert every row the shadow holds"."""
        import pyarrow as pa

        counted = {
            r["name"]: r["total_rows"]
            for r in self.engine.query_arrow(
                "SELECT name, total_rows FROM system.tables WHERE database = currentDatabase()"
            ).to_pylist()
        }
        for table in self.ch_columns:
            if table in BIG_TABLES or self._columns(table) is None:
                continue
            if counted.get(table) == 0:
                self.snapshots[table] = pa.table({})
                continue
            arrow = self.engine.query_arrow(f"SELECT * FROM `{table}`")
            self._load(table, arrow)
            self.snapshots[table] = arrow
        self.fingerprints = self._fingerprint(list(self.snapshots))

    def hydrate_rows(self, table: str, arrow: Any) -> None:
        """Copy rows of a telemetry table already read from ClickHouse (whole rows, every column)."""
        existing = self.snapshots.get(table)
        self._load(table, arrow)
        self.fingerprints.pop(table, None)  # its copy grew after the fingerprint: always compared
        if existing is not None and existing.num_rows:
            import pyarrow as pa

            arrow = pa.concat_tables([existing, arrow.cast(existing.schema)])
        self.snapshots[table] = arrow

    def hydrate_keys(self, table: str, keys: Any) -> None:
        """Copy the rows of a telemetry table whose key columns match one of `keys` (an Arrow table)."""
        names = list(keys.schema.names)
        existing = self.snapshots.get(table)
        if keys.num_rows:
            tmp = f"_keys_{uuid.uuid4().hex[:8]}"
            types = ", ".join(f"`{n}` {self.ch_columns[table][n]}" for n in names)
            self.engine.command(f"CREATE TEMPORARY TABLE {tmp} ({types}) ENGINE = Memory")
            try:
                self.engine.insert_arrow(tmp, keys)
                cols = ", ".join(f"`{n}`" for n in names)
                arrow = self.engine.query_arrow(
                    f"SELECT * FROM `{table}` WHERE ({cols}) IN (SELECT {cols} FROM {tmp})"
                )
            finally:
                self.engine.command(f"DROP TEMPORARY TABLE IF EXISTS {tmp}")
            self.hydrate_rows(table, arrow)
        elif existing is None:
            self.snapshots[table] = self.engine.query_arrow(f"SELECT * FROM `{table}` WHERE 0")

    def hydrate_partitions(self, partitions: Iterable[tuple[int, str]]) -> None:
        """Copy whole `costs` partitions (billing month YYYYMM, source kind)."""
        wanted = sorted({(int(m), str(s)) for m, s in partitions} - self.partitions)
        if not wanted:
            return
        values = ", ".join(f"({m}, '{s.replace(chr(39), chr(39) * 2)}')" for m, s in wanted)
        from spendscope.data.backends.schema import COST_PARTITION

        arrow = self.engine.query_arrow(f"SELECT * FROM costs WHERE {COST_PARTITION} IN ({values})")
        self._load("costs", arrow)
        self.partitions.update(wanted)

    # ---- committing -------------------------------------------------------------------------------------------
    def commit(self) -> None:
        self._known = None  # the transaction may have added columns
        self._sync_columns()
        self._commit_costs()
        now = self._fingerprint([t for t in self.fingerprints if t in self.ch_columns])
        for table in self.ch_columns:
            if table == "costs":
                continue
            if table in self.snapshots:
                if table in now and now[table] == self.fingerprints.get(table):
                    continue  # untouched by the transaction: nothing to delete or insert
                self._commit_diff(table)
            elif table in BIG_TABLES:
                self._commit_append(table)

    def _sync_columns(self) -> None:
        for table, have in self.ch_columns.items():
            mine = self._columns(table) or {}
            for name, dtype in mine.items():
                if name not in have:
                    ch = ch_type(_parse_type(dtype))
                    self.engine.command(f"ALTER TABLE `{table}` ADD COLUMN IF NOT EXISTS `{name}` {ch}")
                    have[name] = ch

    def _select(self, table: str, where: str = "") -> str:
        cols = self._columns(table) or {}
        exprs = [f'CAST("{c}" AS VARCHAR) AS "{c}"' if t == "JSON" else f'"{c}"' for c, t in cols.items()]
        return f'SELECT {", ".join(exprs)} FROM {self.catalog}."{table}" {where}'

    def _arrow(self, sql: str) -> Any:
        return self.con.sql(sql).to_arrow_table()

    def _stream(self, sql: str) -> Any:
        """The rows of `sql` as an Arrow record batch reader (big tables: never all in memory at once)."""
        return self.con.sql(sql).to_arrow_reader(1 << 17)

    def _commit_costs(self) -> None:
        key = f"{SHADOW_MONTH}, {SHADOW_SOURCE}"
        if self.partitions:
            stage = f"_stage_costs_{uuid.uuid4().hex[:10]}"
            self.engine.command(f"CREATE TABLE {stage} AS costs")
            try:
                values = ", ".join(f"({m}, '{s.replace(chr(39), chr(39) * 2)}')" for m, s in self.partitions)
                self.engine.insert_arrow(
                    stage, self._stream(self._select("costs", f"WHERE ({key}) IN ({values})"))
                )
                filled = set(
                    self.con.execute(
                        f'SELECT DISTINCT {key} FROM {self.catalog}."costs" WHERE ({key}) IN ({values})'
                    ).fetchall()
                )
                for month, source in sorted(self.partitions):
                    part = f"({month}, '{source.replace(chr(39), chr(39) * 2)}')"
                    if (month, source) in filled:
                        self.engine.command(f"ALTER TABLE costs REPLACE PARTITION {part} FROM {stage}")
                    else:
                        self.engine.command(f"ALTER TABLE costs DROP PARTITION {part}")
            finally:
                self.engine.command(f"DROP TABLE IF EXISTS {stage}")
            values = ", ".join(f"({m}, '{s.replace(chr(39), chr(39) * 2)}')" for m, s in self.partitions)
            outside = self._select("costs", f"WHERE ({key}) NOT IN ({values})")
        else:
            outside = self._select("costs")
        self.engine.insert_arrow("costs", self._stream(outside))

    def _commit_append(self, table: str) -> None:
        self.engine.insert_arrow(f"`{table}`", self._stream(self._select(table)))

    def _commit_diff(self, table: str) -> None:
        snap = self.snapshots[table]
        cols = self._columns(table) or {}
        if any(c not in snap.schema.names for c in cols):  # the shadow added a column: rewrite every row
            added, removed = self._stream(self._select(table)), snap
        else:
            view = f"_snap_{uuid.uuid4().hex[:8]}"
            self.con.register(view, snap)
            try:
                mine = ", ".join(
                    f'CAST("{c}" AS VARCHAR) AS "{c}"' if t == "JSON" else f'"{c}"' for c, t in cols.items()
                )
                theirs = ", ".join(
                    f'CAST("{c}" AS {"VARCHAR" if t == "JSON" else t}) AS "{c}"' for c, t in cols.items()
                )
                own = f'SELECT {mine} FROM {self.catalog}."{table}"'
                old = f"SELECT {theirs} FROM {view}"
                removed = self._arrow(f"{old} EXCEPT ALL {own}")
                added = self._arrow(f"{own} EXCEPT ALL {old}")
            finally:
                self.con.unregister(view)
        if removed.num_rows:
            self._delete_rows(table, removed)
        self.engine.insert_arrow(f"`{table}`", added)

    def _delete_rows(self, table: str, rows: Any) -> None:
        # a real (not temporary) table: the DELETE runs as a mutation outside this session
        tmp = f"_spendscope_del_{uuid.uuid4().hex[:10]}"
        names = list(rows.schema.names)
        types = ", ".join(f"`{n}` {self.ch_columns[table][n]}" for n in names)
        self.engine.command(f"CREATE TABLE {tmp} ({types}) ENGINE = Memory")
        try:
            self.engine.insert_arrow(tmp, rows)
            # rows compared by their text (NULLs included: a tuple IN would never match a NULL)
            row = "toString(tuple(" + ", ".join(f"`{n}`" for n in names) + "))"
            self.engine.command(f"DELETE FROM `{table}` WHERE {row} IN (SELECT {row} FROM {tmp})")
        finally:
            self.engine.command(f"DROP TABLE IF EXISTS {tmp}")


def _parse_type(duck: str) -> Any:
    from sqlglot import exp

    return exp.DataType.build(duck, dialect="duckdb")


def partitions_of(con: duckdb.DuckDBPyConnection, relation: str, source: str) -> list[tuple[int, str]]:
    """The `costs` partitions (billing month, source) the rows of a staged relation fall into."""
    month = SHADOW_MONTH
    rows = con.execute(f"SELECT DISTINCT {month} FROM {relation}").fetchall()
    return [(r[0], source) for r in rows if r[0] is not None]


def hydrate_hints(shadow: Shadow, hints: Mapping[str, Any] | None) -> None:
    """Apply a writer's hints: {'costs': [(month, source), ...], 'usage_events': arrow keys, ...}."""
    for table, value in (hints or {}).items():
        if table == "costs":
            shadow.hydrate_partitions(value)
        else:
            shadow.hydrate_keys(table, value)
