"""The dialect layer's cache: statements that differ only by the random suffix of their work tables (the
allocation, attribution and coverage steps name theirs `_spendscope_sa_<hex>_...`) are transpiled once."""

from __future__ import annotations

import uuid

from spendscope.data import dialect


def _statement(prefix: str) -> str:
    return (
        f'CREATE TEMP TABLE "{prefix}lines" AS SELECT day, sum(amount) AS amount '
        f'FROM "{prefix}rows" WHERE amount > ? GROUP BY ALL'
    )


def test_statements_differing_only_by_work_table_suffix_are_transpiled_once() -> None:
    first, second = (f"_spendscope_sa_{uuid.uuid4().hex[:8]}_" for _ in range(2))
    dialect._transpile.cache_clear()
    a = dialect.to_clickhouse(_statement(first))
    b = dialect.to_clickhouse(_statement(second))
    assert dialect._transpile.cache_info().misses == 1
    assert dialect._transpile.cache_info().hits == 1
    assert a.sql.replace(first, second) == b.sql
    assert f"{first}lines" in a.sql and f"{first}rows" in a.sql
    assert f"{second}lines" in b.sql and second not in a.sql and first not in b.sql
    assert a.params == b.params == 1


def test_two_work_tables_in_one_statement_keep_their_own_names() -> None:
    left, right = f"_spendscope_attr_{uuid.uuid4().hex[:8]}", f"_spendscope_del_{uuid.uuid4().hex[:10]}"
    compiled = dialect.to_clickhouse(f"SELECT * FROM {left} JOIN {right} USING (id)")
    assert left in compiled.sql and right in compiled.sql


def test_parameter_and_variable_markers_are_not_taken_for_work_tables() -> None:
    compiled = dialect.to_clickhouse("SELECT getvariable('deadbeef12') AS v, ? AS p")
    assert compiled.variables == ("deadbeef12",)
    assert "deadbeef12" in compiled.sql and "_t0x" not in compiled.sql


def test_a_table_sample_and_duckdbs_hash_have_clickhouse_forms() -> None:
    sql = dialect.to_clickhouse(
        "SELECT count(*), count(DISTINCT hash(a, b)) FROM (SELECT a, b FROM costs USING SAMPLE 1% (system))"
    ).sql
    assert "SAMPLE" not in sql.upper().replace("SAMPLE_", "")
    assert "randCanonical() < 1 / 100" in sql
    assert "cityHash64(tuple(a, b))" in sql and "hash(" not in sql.replace("cityHash64(", "")


def test_duckdbs_mode_has_a_clickhouse_form() -> None:
    """ClickHouse has no `mode`: the PR cost diff's traffic query failed there (trust probes 23)."""
    sql = dialect.to_clickhouse("SELECT mode(e.provider) FROM usage_events AS e").sql
    assert "topK(1)(e.provider)" in sql and "MODE(" not in sql.upper()
