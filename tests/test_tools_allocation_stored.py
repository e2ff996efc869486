"""Whether a store holds allocation rules: the check every cost query makes first."""

from __future__ import annotations

import duckdb
from spendscope.tools.allocation.stored import RULES_TABLE, has_rules, has_rules_table


def test_only_the_current_databases_own_rules_table_counts() -> None:
    con = duckdb.connect()
    assert not has_rules_table(con)
    con.execute(f"ATTACH ':memory:' AS other; CREATE TABLE other.{RULES_TABLE} (version INTEGER)")
    con.execute(f"CREATE TEMP TABLE {RULES_TABLE} (version INTEGER)")
    con.execute(f"CREATE SCHEMA elsewhere; CREATE TABLE elsewhere.{RULES_TABLE} (version INTEGER)")
    assert not has_rules_table(con)
    con.execute(f"CREATE TABLE main.{RULES_TABLE} (version INTEGER)")
    assert has_rules_table(con)
    assert not has_rules(con)  # the table, but no rules applied yet
    con.execute(f"INSERT INTO main.{RULES_TABLE} VALUES (1)")
    assert has_rules(con)
