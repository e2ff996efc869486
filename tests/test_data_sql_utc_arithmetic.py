"""`plus_days_utc` and `plus_months_utc` (data/sql.py) give what DuckDB's calendar arithmetic gives in the staging
session, whose time zone is UTC: month ends clamp the same way, leap days included."""

from __future__ import annotations

from spendscope.data.sql import plus_days_utc, plus_months_utc
from spendscope.data.store import memory_connection

STAMPS = (
    "SELECT TIMESTAMPTZ '1999-12-31 23:59:59.999999+00' + to_seconds(CAST(i * 7_919 % 1_000_000_000 AS BIGINT)) "
    "AS t FROM range(200_000) AS r(i) UNION ALL SELECT unnest(CAST(? AS TIMESTAMPTZ[])) UNION ALL SELECT NULL"
)
EDGES = [
    "2024-01-31 00:00:00+00",
    "2024-02-29 12:00:00+00",
    "2023-01-31 23:59:59+00",
    "2026-03-29 01:30:00+00",  # a European daylight-saving night, in UTC an ordinary one
    "2026-10-31 00:00:00+00",
    "2026-12-31 23:00:00+00",
]


def test_the_staging_session_runs_in_utc() -> None:
    with memory_connection() as con:
        assert con.execute("SELECT current_setting('TimeZone')").fetchall()[0][0] == "UTC"


def test_days_and_months_agree_with_the_calendar() -> None:
    with memory_connection() as con:
        con.execute(f"CREATE TABLE s AS {STAMPS}", [EDGES])
        differ = con.execute(
            f"""SELECT count(*) FILTER (WHERE {plus_days_utc("t")} IS DISTINCT FROM t + INTERVAL 1 DAY),
                       count(*) FILTER (WHERE {plus_days_utc("t", 3)} IS DISTINCT FROM t + INTERVAL 3 DAY),
                       count(*) FILTER (WHERE {plus_months_utc("t")} IS DISTINCT FROM t + INTERVAL 1 MONTH),
                       count(*) FILTER (WHERE {plus_months_utc("t", 12)} IS DISTINCT FROM t + INTERVAL 12 MONTH),
                       count(*)
                FROM s"""
        ).fetchall()[0]
        january = "TIMESTAMPTZ '2024-01-31 00:00:00+00'"
        leap = con.execute(f"SELECT CAST({plus_months_utc(january)} AS VARCHAR)").fetchall()
    assert differ[:4] == (0, 0, 0, 0) and differ[4] == 200_000 + len(EDGES) + 1
    assert leap[0][0].startswith("2024-02-29 00:00:00")
