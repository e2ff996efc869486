"""Fuzzing the SQL guard (data/sql_guard.py) with hypothesis: generated queries of nested WITHs, subqueries,
joins, LATERAL, UNION, comments, quoting, case and unicode spellings over every relation name (documented,
internal `_*`, undocumented, DuckDB's system catalog, qualified names, fresh names).

The oracle is independent of the guard: DuckDB's own plan of whatever the guard lets through, read on an
unguarded connection. A leaf of that plan may only scan a documented base table of the store (or a CTE, VALUES,
a constant); any catalog function, system view or internal table in it is a bypass. Every check and every run
must also stay within the time cap, and nothing but QueryRefused/QueryFailed may come out.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import duckdb
import pytest
from focus_rows import row, write
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spendscope.data.errors import QueryFailed, QueryRefused
from spendscope.data.import_focus import import_focus
from spendscope.data.sql_guard import DOCUMENTED, check_select, run_select
from spendscope.data.store import Store

INTERNAL = [
    "_triage_log",
    "_triage_runs",
    "_slack_posts",
    "_anomaly_deliveries",
    "_anomaly_runs",
    "_sync_state",
    "_allocation_suggestions",
    "schema_migrations",
]
SYSTEM = [
    "sqlite_master",
    "sqlite_schema",
    "sqlite_temp_master",
    "duckdb_databases",
    "duckdb_tables",
    "duckdb_views",
    "duckdb_columns",
    "duckdb_settings",
    "pragma_database_list",
    "pg_class",
    "pg_tables",
    "pg_settings",
    "information_schema.tables",
    "main._triage_log",
    "main.costs",
    "system.main.sqlite_master",
    "pg_catalog.pg_class",
    "temp.main.t",
]
FRESH = ["q", "t1", "ü", "naïve", "Costs_2", "x"]
NAMES = sorted(DOCUMENTED) + INTERNAL + SYSTEM + FRESH
TIME_CAP = 5.0  # seconds: the guard's one cap for checking, planning and running (run_sql uses 20)
SLACK = 3.0  # scheduling noise on a shared machine
SAFE_LEAVES = {
    "DUMMY_SCAN",
    "CTE_SCAN",
    "REC_CTE_SCAN",
    "RECURSIVE_CTE_SCAN",
    "COLUMN_DATA_SCAN",
    "EMPTY_RESULT",
}
SAFE_LEAVES |= {"DELIM_SCAN", "CHUNK_SCAN", "EXPRESSION_SCAN"}

FUZZ = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture(scope="module")
def fuzz_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = tmp_path_factory.mktemp("fuzz")
    store = Store(folder / "fuzz.duckdb", lock_timeout=10)
    import_focus(store, write(folder / "f.csv", [row(i, f"{i}.25") for i in range(1, 29)]))
    with store.writer() as con:  # something to find in the internal tables, should a query reach them
        con.execute(
            "INSERT INTO _triage_log (anomaly_id, key, lead_id, severity, status, run_id, enriched_at) "
            "VALUES ('an-canary', 'an-canary:high', 'an-canary', 'high', 'enriched', 'r', now())"
        )
    return store


@pytest.fixture(scope="module")
def catalog(fuzz_store: Store) -> tuple[set[str], set[str], str]:
    """(documented relations, documented base tables, database name), read here, not through the guard."""
    with fuzz_store.reader() as con:
        rows = con.execute(
            "SELECT lower(table_name), table_type FROM information_schema.tables WHERE table_schema = 'main'"
        ).fetchall()
        database = con.execute("SELECT current_database()").fetchall()[0][0]
    allowed = {name for name, _ in rows if name in DOCUMENTED}
    base = {name for name, kind in rows if name in DOCUMENTED and kind == "BASE TABLE"}
    return allowed, base, database


# ----------------------------------------------------------------------------------------------- strategies

GAPS = [" ", "  ", "\n", "\t", " /* c */ ", " /* ' \" */ ", " -- x\n", "/**/", " /* /* n */ */ "]
CONFUSABLE = {
    "c": "\u0441",
    "o": "\u043e",
    "a": "\u0430",
    "e": "\u0435",
    "s": "\u0455",
}  # Cyrillic look-alikes


SAME_NAME = ["bare", "quoted", "upper", "mixed"]  # spellings DuckDB reads as the same name
ANY_SPELLING = SAME_NAME + ["confusable", "zero-width", "unicode-tail"]


@st.composite
def spelled(draw: st.DrawFn, name: str, hows: list[str]) -> str:
    """`name` as some query might write it: bare, quoted, another case, a look-alike letter, a zero-width char."""
    how = draw(st.sampled_from(hows))
    parts = name.split(".")
    out = []
    for part in parts:
        if how == "bare":
            out.append(part)
        elif how == "quoted":
            out.append('"' + part.replace('"', '""') + '"')
        elif how == "upper":
            out.append(part.upper())
        elif how == "mixed":
            out.append("".join(c.upper() if i % 2 else c for i, c in enumerate(part)))
        elif how == "confusable":
            swapped = "".join(CONFUSABLE.get(c, c) for c in part)
            out.append('"' + swapped + '"')
        elif how == "zero-width":
            out.append('"' + part + "\u200b" + '"')
        else:
            tail = draw(
                st.text(alphabet=st.characters(codec="utf-8", exclude_characters='"\x00'), max_size=3)
            )
            out.append('"' + part + tail + '"')
    return ".".join(out)


def relation(names: list[str], hows: list[str]) -> st.SearchStrategy[str]:
    return st.sampled_from(names).flatmap(lambda n: spelled(n, hows))


def gap() -> st.SearchStrategy[str]:
    return st.sampled_from(GAPS)


@st.composite
def query(draw: st.DrawFn, names: list[str], cte_names: list[str], depth: int, hows: list[str]) -> str:
    """One SELECT whose parts nest down to `depth` more levels; WITH names come from `cte_names`."""

    def g() -> str:
        return draw(gap())

    def rel() -> str:
        return draw(relation(names, hows))

    def sub() -> str:
        return draw(query(names, cte_names, depth - 1, hows)) if depth > 0 else f"SELECT 1 AS c FROM {rel()}"

    kind = draw(
        st.sampled_from(["plain", "with", "union", "derived", "join", "lateral", "in", "exists", "scalar"])
    )
    head = draw(st.sampled_from(["SELECT count(*) AS c", "SELECT 1 AS c", "SELECT DISTINCT 1 AS c"]))
    if kind == "with":
        name = draw(st.sampled_from(cte_names)).split(".")[-1]
        quoted = draw(spelled(name, hows))
        recursive = draw(st.booleans())
        body = f"SELECT 1 AS c UNION ALL SELECT c + 1 FROM {quoted} WHERE c < 3" if recursive else sub()
        tail = draw(st.sampled_from([quoted, rel()]))
        return (
            f"WITH{' RECURSIVE' if recursive else ''}{g()}{quoted}{g()}AS{g()}({body}){g()}"
            f"{head}{g()}FROM{g()}{tail}"
        )
    if kind == "union":
        return f"{head}{g()}FROM{g()}{rel()}{g()}UNION ALL{g()}({sub()})"
    if kind == "derived":
        return f"{head}{g()}FROM{g()}({sub()}){g()}AS z"
    if kind == "join":
        return f"{head}{g()}FROM{g()}{rel()} a{g()}JOIN{g()}({sub()}) b{g()}ON true"
    if kind == "lateral":
        return f"{head}{g()}FROM{g()}{rel()} a,{g()}LATERAL{g()}({sub()}) b"
    if kind == "in":
        return f"{head}{g()}FROM{g()}{rel()}{g()}WHERE 1 IN ({sub()})"
    if kind == "exists":
        return f"{head}{g()}FROM{g()}{rel()}{g()}WHERE EXISTS{g()}({sub()})"
    if kind == "scalar":
        return f"SELECT (SELECT max(c) FROM ({sub()}) s) AS c FROM {rel()}"
    return f"{head}{g()}FROM{g()}{rel()}"


# Each query draws from a small palette of names, so that a WITH name and a table elsewhere often coincide (the
# shape of the bypass in issue 19: a WITH in a subquery named like an internal table read outside it).
palette = st.tuples(
    st.lists(st.sampled_from(INTERNAL + SYSTEM + FRESH), min_size=1, max_size=2, unique=True),
    st.lists(st.sampled_from(sorted(DOCUMENTED)), max_size=1),
).map(lambda p: p[0] + p[1])
hostile = st.tuples(palette, st.integers(0, 3)).flatmap(lambda p: query(p[0], p[0], p[1], ANY_SPELLING))


# ----------------------------------------------------------------------------------------------- the oracle


def plan_leaves(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[str, dict]]:
    """Every leaf of DuckDB's physical plan of `sql` (operator name, extra info)."""
    text = con.execute(f"EXPLAIN (FORMAT json) {sql}").fetchall()[0][1]
    leaves: list[tuple[str, dict]] = []
    stack = list(json.loads(text))
    while stack:
        node = stack.pop()
        stack.extend(node.get("children") or [])
        if not node.get("children"):
            leaves.append((str(node.get("name", "")).strip(), node.get("extra_info") or {}))
    return leaves


def assert_reads_only_documented(store: Store, sql: str, base: set[str], database: str) -> None:
    con = duckdb.connect(str(store.path), read_only=True)
    try:
        try:
            leaves = plan_leaves(con, sql)
        except duckdb.Error:
            return  # it does not bind: it reads nothing
    finally:
        con.close()
    tables = {f"{database}.main.{b}" for b in base} | {f'"{database}".main.{b}' for b in base}
    for name, info in leaves:
        if "Table" in info:
            assert str(info["Table"]).lower() in {t.lower() for t in tables}, (sql, name, info)
        else:
            assert name in SAFE_LEAVES, (sql, name, info)


# ------------------------------------------------------------------------------------------------- the tests


@FUZZ
@given(sql=hostile)
def test_no_generated_query_reaches_an_internal_or_system_relation(
    sql: str, fuzz_store: Store, catalog: tuple[set[str], set[str], str]
) -> None:
    allowed, base, database = catalog
    started = time.monotonic()
    try:
        checked = check_select(sql, allowed, row_limit=100)
    except QueryRefused:
        assert time.monotonic() - started < TIME_CAP
        return
    assert time.monotonic() - started < TIME_CAP
    assert_reads_only_documented(fuzz_store, checked, base, database)


@settings(FUZZ, max_examples=80)
@given(sql=hostile)
def test_run_select_never_returns_internal_rows_and_stays_within_the_time_cap(
    sql: str, fuzz_store: Store
) -> None:
    started = time.monotonic()
    try:
        result = run_select(fuzz_store, sql, row_limit=100, timeout=TIME_CAP)
    except (QueryRefused, QueryFailed):
        pass
    else:
        assert "an-canary" not in json.dumps([list(map(str, r)) for r in result.rows])
        assert str(fuzz_store.path) not in json.dumps([list(map(str, r)) for r in result.rows])
    assert time.monotonic() - started < TIME_CAP + SLACK


@FUZZ
@given(
    text=st.lists(
        st.sampled_from(list("()[]{}'\"`-/*;,. \n") + ["SELECT ", "FROM ", "WITH ", "CASE ", "END ", "NOT "])
        | st.sampled_from(NAMES)
        | st.characters(codec="utf-8"),
        max_size=300,
    ).map("".join)
)
def test_arbitrary_text_is_refused_cleanly_and_fast(
    text: str, catalog: tuple[set[str], set[str], str]
) -> None:
    allowed, _, _ = catalog
    started = time.monotonic()
    try:
        check_select(text, allowed)
    except QueryRefused as exc:
        assert exc.code == "query_refused"
    assert time.monotonic() - started < TIME_CAP


benign = st.integers(0, 3).flatmap(lambda d: query(sorted(DOCUMENTED), ["q1", "q_2", "ünï"], d, SAME_NAME))


@settings(FUZZ, max_examples=60)
@given(sql=benign)
def test_queries_over_documented_relations_are_not_refused(
    sql: str, fuzz_store: Store, catalog: tuple[set[str], set[str], str]
) -> None:
    """The guard is not vacuous: quoted or in any case, with any comments, documented relations pass and run."""
    result = run_select(fuzz_store, sql, row_limit=10, timeout=TIME_CAP)
    assert result.columns


def test_a_slow_query_is_stopped_at_the_time_cap(fuzz_store: Store) -> None:
    sql = (
        "SELECT count(*) FROM costs a, costs b, costs c, costs d, costs e, costs f "
        "WHERE md5(a.x_RowHash || b.x_RowHash || c.x_RowHash || d.x_RowHash || e.x_RowHash || f.x_RowHash) < 'a'"
    )
    started = time.monotonic()
    with pytest.raises(QueryFailed) as info:
        run_select(fuzz_store, sql, timeout=1.0)
    assert "longer than" in info.value.message
    assert time.monotonic() - started < 1.0 + SLACK


def test_the_fuzz_store_holds_the_canary_the_guard_must_hide(fuzz_store: Store, tmp_path: Path) -> None:
    with fuzz_store.reader() as con:
        assert con.execute("SELECT count(*) FROM _triage_log WHERE anomaly_id = 'an-canary'").fetchall() == [
            (1,)
        ]
