"""What the business-data importers (`import metrics`, `import rates`) share: finding a column by any of its
spellings, reading the period a row covers (a day, an ISO week or a month), rejecting the first bad value with its
row and column, and recording the import. docs/unit-economics.md describes the file formats."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
from spendscope.data.date_order import DateOrder, slash_order
from spendscope.data.import_common import ROW, Source, detect_format, load_text, unreadable
from spendscope.data.importing import reject, sha256_file
from spendscope.data.sql import ident, parse_timestamp_iso_first

PERIOD_NAMES = ("date", "day", "month", "week", "period", "period_start")
PERIOD_EXPECTED = "a date (YYYY-MM-DD), a month (YYYY-MM) or an ISO week (YYYY-Www)"


@dataclass(frozen=True)
class Bad:
    """A check on the typed rows: `sql` true on a bad row; `column` the header named; `shown` its text column."""

    sql: str
    column: str
    shown: str
    expected: str


def load(con: duckdb.DuckDBPyConnection, path: Path) -> Source:
    """View `raw_numbered` over `path` (CSV, .csv.gz, Parquet, JSON lines: one object per line, its keys as
    columns), every column as text, with the data row number in ROW."""
    for view in ("raw", "raw_numbered"):
        con.execute(f"DROP VIEW IF EXISTS {view}")
    if detect_format(path) != "json":
        return load_text(con, path)
    source = f"read_ndjson_objects('{_quote(path)}')"
    try:
        keys = [
            r[0] for r in con.execute(f"SELECT DISTINCT unnest(json_keys(json)) FROM {source}").fetchall()
        ]
    except duckdb.Error as exc:
        raise unreadable(path, exc, "json") from None
    cols = ", ".join(f"nullif(json_extract_string(json, {_key(k)}), '') AS {ident(k)}" for k in keys)
    con.execute(
        f"CREATE VIEW raw_numbered AS SELECT {cols}, ordinality AS {ROW} FROM {source} WITH ORDINALITY"
    )
    src = Source(path, "json", keys)
    src._lower = {c.lower(): c for c in reversed(keys)}
    return src


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")


def _key(k: str) -> str:
    return "'$.\"" + k.replace("'", "''").replace('"', '\\"') + "\"'"


def period_sql(src: Source, header: str, day_first: bool = False) -> tuple[str, str, str, str]:
    """SQL over `raw_numbered` for (period_start, period_end, grain, bad) of the period column `header`.

    `2026-10` is the month, `2026-W42` the ISO week (from its Monday), `2026-10-14` the day; a column named
    `month` (or `week`) holding dates reads each as the month (or week) starting that day, which must be the 1st (or
    a Monday). Slash dates are read in the file's order (`day_first`: `period_order`)."""
    v = f"trim({ident(header)})"
    named = header.strip().lower()
    is_month = f"regexp_full_match({v}, '\\d{{4}}-\\d{{1,2}}')"
    is_week = f"regexp_full_match({v}, '(?i)\\d{{4}}-?W\\d{{1,2}}')"
    month_start = f"TRY(make_date(TRY_CAST(split_part({v}, '-', 1) AS INTEGER), TRY_CAST(split_part({v}, '-', 2) AS INTEGER), 1))"
    wk_year = f"TRY_CAST(substr({v}, 1, 4) AS INTEGER)"
    wk_num = f"TRY_CAST(regexp_extract({v}, '(?i)W(\\d{{1,2}})$', 1) AS INTEGER)"
    week_start = (
        f"TRY(CAST(date_trunc('week', make_date({wk_year}, 1, 4)) + to_days(({wk_num} - 1) * 7) AS DATE))"
    )
    week_ok = f"({wk_num} BETWEEN 1 AND 53 AND isoyear({week_start}) = {wk_year})"
    day = f"CAST({parse_timestamp_iso_first(ident(header), day_first)} AS DATE)"
    if named in ("month", "week"):
        grain_of_date = f"'{named}'"
        date_ok = f"day({day}) = 1" if named == "month" else f"isodow({day}) = 1"
    else:
        grain_of_date, date_ok = "'day'", "true"
    start = f"(CASE WHEN {is_month} THEN {month_start} WHEN {is_week} THEN {week_start} ELSE {day} END)"
    grain = f"(CASE WHEN {is_month} THEN 'month' WHEN {is_week} THEN 'week' ELSE {grain_of_date} END)"
    bad = (
        f"({v} IS NULL OR {start} IS NULL OR ({is_week} AND NOT coalesce({week_ok}, false)) OR "
        f"(NOT {is_month} AND NOT {is_week} AND NOT {date_ok}))"
    )
    end = (
        f"(CASE {grain} WHEN 'month' THEN CAST({start} + INTERVAL 1 MONTH AS DATE) "
        f"WHEN 'week' THEN {start} + 7 ELSE {start} + 1 END)"
    )
    return start, end, grain, bad


def period_order(con: duckdb.DuckDBPyConnection, src: Source, header: str) -> DateOrder:
    """The order of the period column's slash dates (data.date_order); in a column named month (or week) the
    reading under which more of them fall on the 1st (or a Monday) decides when every date reads either way."""
    named = header.strip().lower()
    on_boundary = {"month": "day(d) = 1", "week": "isodow(d) = 1"}.get(named)

    def consistent(day_first: bool) -> int:
        parsed = f"CAST({parse_timestamp_iso_first('v', day_first)} AS DATE)"
        return con.execute(
            f"SELECT count(*) FROM (SELECT {parsed} AS d FROM (SELECT DISTINCT {ident(header)} AS v "
            f"FROM raw_numbered)) WHERE {on_boundary}"
        ).fetchall()[0][0]

    values = f"SELECT DISTINCT {ident(header)} AS v FROM raw_numbered"
    return slash_order(con, src.path, values, consistent if on_boundary else None)


def period_expected(header: str) -> str:
    named = header.strip().lower()
    if named == "month":
        return "a month (YYYY-MM, or the date of its 1st)"
    if named == "week":
        return "an ISO week (YYYY-Www, or the date of its Monday)"
    return PERIOD_EXPECTED


def reject_first(con: duckdb.DuckDBPyConnection, src: Source, table: str, checks: list[Bad]) -> None:
    """Raise ImportRejected naming the row, column and value of the first row of `table` failing a check."""
    if not checks:
        return
    which = " ".join(f"WHEN {c.sql} THEN {i}" for i, c in enumerate(checks))
    found = con.execute(
        f"SELECT {ROW}, CASE {which} END AS k FROM {table} WHERE "
        + " OR ".join(f"coalesce({c.sql}, true)" for c in checks)
        + f" ORDER BY {ROW} LIMIT 1"
    ).fetchall()
    if not found:
        return
    row, idx = found[0]
    check = checks[idx if idx is not None else 0]
    value = con.execute(
        f"SELECT CAST({check.shown} AS VARCHAR) FROM {table} WHERE {ROW} = ?", [row]
    ).fetchall()
    text = value[0][0] if value else None
    shown = "empty" if text is None else repr(text[:60])
    raise reject(
        src.path,
        f"{src.where(row)}, column {check.column}: {shown} is not {check.expected}",
        row=row,
        column=check.column,
        value=text,
    )


def content_hash(paths: list[Path]) -> str:
    """One SHA-256 over the files' own hashes, in the order given."""
    h = hashlib.sha256()
    for p in paths:
        h.update(sha256_file(p).encode("ascii"))
    return h.hexdigest()


def record_import(
    con: duckdb.DuckDBPyConnection,
    db: str,
    *,
    import_id: str,
    kind: str,
    files: list[Path],
    file_hash: str,
    started: dt.datetime,
    rows_read: int,
    rows_inserted: int,
    message: str | None,
    warnings: list[str],
) -> None:
    """The import's row in `imports` (written in the import's own transaction)."""
    con.execute(
        f"""INSERT INTO {db}.imports (import_id, kind, source_file, file_hash, started_at, finished_at, rows_read,
            rows_inserted, rows_skipped, status, message, warnings) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 'ok', ?, ?)""",
        [
            import_id,
            kind,
            "; ".join(str(p.resolve()) for p in files),
            file_hash,
            started,
            dt.datetime.now(dt.UTC),
            rows_read,
            rows_inserted,
            message,
            json.dumps(warnings),
        ],
    )
