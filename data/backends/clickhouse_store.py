"""The cost store on ClickHouse (a server or cluster through clickhouse-connect, or embedded through chdb), with
the same interface as the DuckDB store: `reader()`, `writer()`, `attached_writer(con)`, `ensure_schema()`.

- Readers get a ClickHouseConnection: DuckDB SQL in, transpiled once per statement (data/dialect.py).
- Writers run in a DuckDB shadow of what they touch (data/backends/shadow.py), so the writing code keeps
  DuckDB's transactions and semantics; the changes reach ClickHouse on commit. Statements a writer runs on the
  big tables or the views (`UPDATE costs ...`, a read of `cost_lines`) go to ClickHouse directly.
- There is no file lock: ClickHouse serves many readers and writers at once, so DuckDB's lock and retry logic
  (data/store.py) does not apply.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import sqlglot
from spendscope.data.backends.connection import ClickHouseConnection
from spendscope.data.backends.engines import ChdbEngine, Engine, EngineError, open_engine
from spendscope.data.backends.schema import (
    BIG_TABLES,
    COST_MONTH,
    overrides,
    render_migration,
    split_statements,
)
from spendscope.data.backends.shadow import SHADOW_MONTH, SHADOW_SOURCE, Shadow, hydrate_hints
from spendscope.data.backends.url import StoreURL, parse_store_url
from spendscope.data.errors import StoreMissing
from spendscope.data.store import Store, memory_connection, migrations
from sqlglot import exp

_MIGRATED: set[str] = set()
_GUARD = threading.Lock()
_KEEPERS: dict[str, ChdbEngine] = {}


def _keep_alive(url: StoreURL) -> None:
    """chdb shuts its engine down when the last connection closes; one idle connection per process keeps it up."""
    if url.kind != "chdb":
        return
    key = str(url.path)
    keeper = _KEEPERS.get(key)
    if keeper is None or getattr(keeper, "_con", None) is None:
        _KEEPERS.clear()
        _KEEPERS[key] = ChdbEngine(key)


class ClickHouseStore(Store):
    """A handle on one ClickHouse store. Cheap to create; holds no session between calls."""

    backend = "clickhouse"

    def __init__(self, path: str | Path, *, lock_timeout: float = 30.0) -> None:
        self.url = parse_store_url(path)
        self.location = self.url.display()
        self.path = self.url.path if self.url.kind == "chdb" and self.url.path else Path(self.location)
        self.lock_timeout = lock_timeout

    def __repr__(self) -> str:
        return f"ClickHouseStore({self.location!r})"

    # ---- sessions ---------------------------------------------------------------------------------------------
    def engine(self, *, read_only: bool = False) -> Engine:
        _keep_alive(self.url)
        return open_engine(self.url, read_only=read_only)

    @property
    def exists(self) -> bool:
        if self.url.kind == "chdb" and not (self.url.path and self.url.path.exists()):
            return False
        try:
            engine = self.engine()
        except (EngineError, StoreMissing):
            return False
        try:
            rows = engine.query_arrow(
                "SELECT count() AS n FROM system.tables WHERE database = currentDatabase() "
                "AND name = 'schema_migrations'"
            )
            return bool(rows.column(0)[0].as_py())
        except EngineError:
            return False
        finally:
            engine.close()

    def ensure_schema(self) -> None:
        """Create the database if needed and apply every migration it lacks (rendered for ClickHouse)."""
        if self.location in _MIGRATED:
            return
        with _GUARD:
            if self.url.kind == "clickhouse":
                setup = open_engine(replace(self.url, database="default"))
                try:
                    setup.command(f"CREATE DATABASE IF NOT EXISTS `{self.url.database}`")
                finally:
                    setup.close()
            engine = self.engine()
            try:
                engine.command(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (version Int32, name String, "
                    "applied_at DateTime64(6, 'UTC') DEFAULT now64(6, 'UTC')) ENGINE = MergeTree ORDER BY version"
                )
                done = set(engine.query_arrow("SELECT version FROM schema_migrations").column(0).to_pylist())
                own = overrides()
                for version, name, sql in migrations():
                    if version in done:
                        continue
                    statements = split_statements(own[version]) if version in own else render_migration(sql)
                    for statement in statements:
                        engine.command(statement)
                    engine.command(
                        "INSERT INTO schema_migrations (version, name) VALUES ({v:Int32}, {n:String})",
                        {"v": version, "n": name},
                    )
                self._apply_ttl(engine)
            finally:
                engine.close()
            _MIGRATED.add(self.location)

    def _apply_ttl(self, engine: Engine) -> None:
        days = dict(self.url.options).get("events_ttl_days")
        if days is None:
            return
        n = int(days)
        if n > 0:
            engine.command(f"ALTER TABLE usage_events MODIFY TTL toDateTime(ts) + toIntervalDay({n})")
        else:
            engine.command("ALTER TABLE usage_events REMOVE TTL")

    def _require(self) -> None:
        if not self.exists:
            raise StoreMissing(
                f"no store at {self.location}: import data first (spendscope import focus FILE --db "
                f"{self.location}) or build the demo (spendscope demo --db {self.location})",
                path=self.location,
            )

    @contextmanager
    def reader(self) -> Iterator[Any]:
        """A session for one request (DuckDB SQL in, transpiled)."""
        if self.location not in _MIGRATED:
            self._require()
            self.ensure_schema()
        con = ClickHouseConnection(self.engine())
        try:
            yield con
        finally:
            con.close()

    @contextmanager
    def writer(self) -> Iterator[Any]:
        """One write transaction: runs in a DuckDB shadow of the small tables, applied to ClickHouse on commit."""
        self.ensure_schema()
        engine = self.engine()
        duck = memory_connection()
        try:
            shadow = Shadow(engine, duck, "memory")
            shadow.create()
            shadow.hydrate_small()
            duck.execute("BEGIN")
            try:
                yield ShadowWriter(duck, ClickHouseConnection(engine), shadow)
            except BaseException:
                duck.execute("ROLLBACK")
                raise
            duck.execute("COMMIT")
            shadow.commit()
        finally:
            duck.close()
            engine.close()

    @contextmanager
    def attached_writer(
        self,
        con: duckdb.DuckDBPyConnection,
        alias: str = "store",
        *,
        hints: Mapping[str, Any] | None = None,
    ) -> Iterator[str]:
        """A shadow of the store attached to a staging connection as `alias` for one transaction. `hints` names
        what the write will touch in the big tables: {'costs': [(YYYYMM, source), ...]} (those partitions are
        replaced whole on commit), {'usage_events': Arrow table of event_id, ...} (rows with those keys)."""
        self.ensure_schema()
        engine = self.engine()
        con.execute(f"ATTACH ':memory:' AS {alias}")
        try:
            shadow = Shadow(engine, con, alias)
            shadow.create()
            shadow.hydrate_small()
            hydrate_hints(shadow, hints)
            con.execute("BEGIN")
            _SHADOWS[(id(con), alias)] = shadow
            try:
                yield alias
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
            shadow.commit()
        finally:
            _SHADOWS.pop((id(con), alias), None)
            con.execute(f"DETACH {alias}")
            engine.close()

    def run_select(self, sql: str, params: Sequence[object], *, row_limit: int, timeout: float) -> Any:
        """`spendscope query` on ClickHouse: the guarded SELECT in a read-only session with a time limit."""
        from spendscope.data.errors import QueryFailed
        from spendscope.data.sql_guard import QueryResult

        self._require()
        con = ClickHouseConnection(self.engine(read_only=True))
        try:
            con.engine.command(f"SET max_execution_time = {max(1, int(timeout))}")
            try:
                cur = con.execute(sql, params)
            except EngineError as exc:
                text = exc.message.removeprefix("ClickHouse: ")
                if "TIMEOUT_EXCEEDED" in text or "Timeout exceeded" in text:
                    raise QueryFailed(f"the query ran longer than {timeout:.0f}s and was stopped") from None
                raise QueryFailed(f"the query failed: {text.split(' In scope')[0][:300]}") from None
            columns = [d[0] for d in cur.description or []]
            rows = cur.fetchall()
        finally:
            con.close()
        return QueryResult(columns=columns, rows=rows[:row_limit], truncated=len(rows) > row_limit, sql=sql)

    def drop_all(self) -> None:
        """Remove every table and view of the store (the demo's rebuild)."""
        engine = self.engine()
        try:
            names = engine.query_arrow(
                "SELECT name, engine FROM system.tables WHERE database = currentDatabase()"
            ).to_pylist()
            for row in names:
                kind = "VIEW" if row["engine"] == "View" else "TABLE"
                engine.command(f"DROP {kind} IF EXISTS `{row['name']}`")
        finally:
            engine.close()
        _MIGRATED.discard(self.location)


# the shadows of the attached writers open now, by (staging connection, alias)
_SHADOWS: dict[tuple[int, str], Shadow] = {}


def include_cost_partitions(
    con: duckdb.DuckDBPyConnection, alias: str, import_id: str, *, others: Sequence[str] = ()
) -> None:
    """Inside a ClickHouse store's attached writer: copy in the `costs` partitions the rows of `import_id`
    (already inserted into the shadow) fall into, so the import's replace and deduplication rules (which run
    next, in the shadow) see the stored rows of those billing months and source. `others` names the other
    sources of the same bill (data/scopes.py BILL_SOURCES): their partitions of the same months that hold rows
    are copied in too, so the rule that refuses a second source of one bill, and --replace-period's switch
    from one source to another, see them (without them a chdb store added a CUR and a FOCUS export of one
    account together)."""
    shadow = _SHADOWS[(id(con), alias)]
    rows = con.execute(
        f"SELECT DISTINCT {SHADOW_MONTH}, {SHADOW_SOURCE} FROM {alias}.costs WHERE x_ImportId = ?",
        [import_id],
    ).fetchall()
    wanted = [(m, src) for m, src in rows if m is not None]
    months = sorted({m for m, _ in wanted})
    if others and months:
        held = shadow.engine.query_arrow(
            f"SELECT DISTINCT {COST_MONTH} AS m, x_Source AS s FROM costs WHERE x_Source IN ({_quoted(others)}) "
            f"AND {COST_MONTH} IN ({', '.join(str(int(m)) for m in months)})"
        ).to_pylist()
        wanted += [(int(r["m"]), str(r["s"])) for r in held]
    shadow.hydrate_partitions(wanted)


def _quoted(values: Sequence[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


@lru_cache(maxsize=2048)
def _touches_clickhouse(sql: str) -> bool:
    """Whether a writer's statement reads or writes a big table or a view (which the shadow does not hold)."""
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except sqlglot.errors.ParseError:
        return False
    names = {t.name.lower() for t in tree.find_all(exp.Table)}
    return bool(names & (BIG_TABLES | _views()))


@lru_cache(maxsize=1)
def _views() -> frozenset[str]:
    out = set()
    for _v, _n, sql in migrations():
        for stmt in sqlglot.parse(sql, read="duckdb"):
            if isinstance(stmt, exp.Create) and (stmt.args.get("kind") or "").upper() == "VIEW":
                out.add(stmt.this.name.lower())
    return frozenset(out)


class ShadowWriter:
    """The connection `store.writer()` yields on ClickHouse: statements on the small tables run in the DuckDB
    shadow (one transaction); statements on the big tables and views run on ClickHouse.

    A temporary table made from a big table (`CREATE TEMP TABLE scope AS SELECT * FROM usage_events WHERE ...`)
    is read from ClickHouse into the shadow; when it holds whole rows of the big table, those rows are copied
    into the shadow too, so a later `UPDATE usage_events ... FROM <temp tables>` runs in the shadow and its
    changes are applied to ClickHouse on commit, like any other write."""

    def __init__(self, duck: duckdb.DuckDBPyConnection, ch: ClickHouseConnection, shadow: Shadow) -> None:
        self._duck = duck
        self._ch = ch
        self._shadow = shadow
        self._local: set[str] = set()  # temporary tables materialized in the shadow from ClickHouse

    def execute(self, sql: str, params: Sequence[object] | None = None) -> Any:
        if sql.lstrip().upper().startswith("SET VARIABLE"):  # both sides may read it
            self._ch.execute(sql, params)
        route = _route(sql, frozenset(self._local), frozenset(self._shadow.snapshots))
        if route.kind == "materialize":
            return self._materialize(route, params)
        if route.kind == "clickhouse":
            return self._ch.execute(sql, params)
        made = _TEMP_TABLE.match(sql)
        if made:
            self._local.add(made.group(1).strip('"').lower())
        return self._duck.execute(sql, params) if params is not None else self._duck.execute(sql)

    def _materialize(self, route: _Route, params: Sequence[object] | None) -> Any:
        arrow = self._ch.execute(route.select, params).arrow()
        view = f"_mat_{route.name}"
        self._duck.register(view, arrow)
        try:
            self._duck.execute(f'CREATE OR REPLACE TEMP TABLE "{route.name}" AS SELECT * FROM {view}')
        finally:
            self._duck.unregister(view)
        self._local.add(route.name.lower())
        if route.rows_of is not None and arrow.num_rows:
            self._shadow.hydrate_rows(route.rows_of, arrow)
        return self._duck

    def executemany(self, sql: str, rows: Any) -> Any:
        if _touches_clickhouse(sql):
            return self._ch.executemany(sql, rows)
        return self._duck.executemany(sql, rows)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._duck, name)


_TEMP_TABLE = re.compile(
    r"\s*CREATE\s+(?:OR\s+REPLACE\s+)?TEMP(?:ORARY)?\s+TABLE\s+(\"?\w+\"?)", re.IGNORECASE
)


@dataclass(frozen=True)
class _Route:
    kind: str  # "shadow", "clickhouse" or "materialize"
    name: str = ""
    select: str = ""
    rows_of: str | None = None  # the big table whose whole rows a materialized table holds


@lru_cache(maxsize=2048)
def _route(sql: str, local: frozenset[str], hydrated: frozenset[str]) -> _Route:
    """Where a writer's statement runs (see ShadowWriter)."""
    if not _touches_clickhouse(sql):
        return _Route("shadow")
    tree = sqlglot.parse_one(sql, read="duckdb")
    names = {t.name.lower() for t in tree.find_all(exp.Table)}
    if (
        isinstance(tree, exp.Create)
        and (tree.args.get("kind") or "").upper() == "TABLE"
        and isinstance(tree.expression, exp.Select)
        and tree.args.get("properties") is not None
        and any(isinstance(p, exp.TemporaryProperty) for p in tree.args["properties"].expressions)
    ):
        select = tree.expression
        sources = [t for t in select.find_all(exp.Table)]
        whole = (
            len(sources) == 1
            and sources[0].name.lower() in BIG_TABLES
            and len(select.expressions) == 1
            and isinstance(select.expressions[0], exp.Star)
            and not select.args.get("group")
        )
        return _Route(
            "materialize", tree.this.name, select.sql("duckdb"), sources[0].name.lower() if whole else None
        )
    target = tree.this if isinstance(tree, exp.Update | exp.Delete) else None
    if (
        target is not None
        and target.find(exp.Table) is not None
        and target.find(exp.Table).name.lower() in hydrated
        and names & local
    ):
        return _Route("shadow")
    return _Route("clickhouse")
