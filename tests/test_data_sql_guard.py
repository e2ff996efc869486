"""The guarded SQL path refuses anything but one read-only SELECT over the documented relations."""

from __future__ import annotations

from pathlib import Path

import pytest
from focus_rows import row, write
from spendscope.data.errors import QueryRefused
from spendscope.data.import_focus import import_focus
from spendscope.data.sql_guard import check_select, run_select
from spendscope.data.store import Store

ALLOWED = {"costs", "daily_costs", "usage_events"}


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM costs",
        "DROP TABLE costs",
        "UPDATE costs SET BilledCost = 0",
        "INSERT INTO costs SELECT * FROM costs",
        "CREATE TABLE x AS SELECT * FROM costs",
        "COPY costs TO '/tmp/x.csv'",
        "ATTACH '/tmp/other.duckdb' AS o",
        "SELECT 1; DROP TABLE costs",
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM '/etc/passwd'",
        "SELECT * FROM schema_migrations",
        "SELECT * FROM other.main.costs",
        "PRAGMA database_list",
        "SET threads = 1",
        "SELECT getenv('HOME')",
        "",
        "SELEC * FROM costs",
        "WITH costs AS (SELECT * FROM costs) SELECT * FROM costs",
    ],
)
def test_non_select_or_unlisted_sql_is_refused(sql: str) -> None:
    with pytest.raises(QueryRefused) as info:
        check_select(sql, ALLOWED)
    assert info.value.code == "query_refused"


def test_ctes_subqueries_and_unions_over_allowed_views_pass() -> None:
    sql = (
        "WITH t AS (SELECT ProviderName, sum(EffectiveCost) AS c FROM costs GROUP BY 1) "
        "SELECT * FROM t UNION ALL SELECT 'x', sum(EffectiveCost) FROM daily_costs"
    )
    assert "UNION ALL" in check_select(sql, ALLOWED)


def test_row_cap_is_applied_and_scopes_filter_every_reference() -> None:
    out = check_select(
        "SELECT * FROM costs c JOIN costs d ON true LIMIT 100000",
        ALLOWED,
        row_limit=10,
        scopes={"costs": "ProviderName = 'OpenAI'"},
    )
    assert out.count("ProviderName = 'OpenAI'") == 2
    assert "LIMIT 11" in out


def test_run_select_answers_and_cannot_write(store: Store, tmp_path: Path) -> None:
    import_focus(store, write(tmp_path / "f.csv", [row(1, "2.5"), row(2, "3.5")]))
    result = run_select(store, "select sum(EffectiveCost) as total from costs")
    assert result.columns == ["total"]
    assert float(result.rows[0][0]) == 6.0
    with pytest.raises(QueryRefused):
        run_select(store, "select * from costs; delete from costs")
