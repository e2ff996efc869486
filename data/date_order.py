"""Slash dates (`10/01/2026`) read in one order per file, decided by the file's own values.

Exports write ISO 8601 and Azure writes M/D/YYYY, but a file re-saved by a spreadsheet in a day-first locale
writes D/M/YYYY, and a day-first date whose day is at most 12 is also a valid month-first date of another month:
read month first, `01/10/2026` (1 October) became 10 January, a figure in the wrong month without any error. So a
file's slash dates are read in one order, chosen from what its values show (docs/importers.md, "Dates written with
slashes"):

* a first field above 12 (`13/10/2026`) can only be a day: the file is day first; a second field above 12 can only
  be a day: month first; both in one file is refused, naming one date of each order;
* when every slash date reads either way, the billing period decides where the file has one: the reading under
  which more rows have their charge date inside their billing period, the period starting on the 1st of a month
  (`01/10/2026` to `01/11/2026` read day first is October; month first, January 10 to 11, holds no charge of
  February 10);
* otherwise month first (Azure's order, and what spendscope read before), with a warning naming a date and how it
  was read (none for an Azure export, whose format is month first).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
from spendscope.data.errors import ImportRejected

# the two leading numbers of a slash date, and a year after them
_SLASH = r"^\s*(\d{1,2})/(\d{1,2})/\d"
# a date only one order can read (a value neither can read, 31/31/2026, is left to the parse's own check)
_DAY_FIRST = "(a BETWEEN 13 AND 31 AND b BETWEEN 1 AND 12)"
_MONTH_FIRST = "(b BETWEEN 13 AND 31 AND a BETWEEN 1 AND 12)"


@dataclass(frozen=True)
class DateOrder:
    day_first: bool = False
    warning: str | None = None  # what the import result says about the reading, when the values alone do not

    @property
    def spelled(self) -> str:
        """The order as an error message names it."""
        return "D/M/YYYY" if self.day_first else "M/D/YYYY"


def _fields(values_sql: str) -> str:
    return (
        f"SELECT v, CAST(regexp_extract(v, '{_SLASH}', 1) AS INT) AS a, "
        f"CAST(regexp_extract(v, '{_SLASH}', 2) AS INT) AS b "
        f"FROM ({values_sql}) WHERE v LIKE '%/%' AND regexp_matches(v, '{_SLASH}')"
    )


def _reading(text: str, day_first: bool) -> str:
    a, b = (int(x) for x in text.strip().split("/")[:2])
    month, day = (b, a) if day_first else (a, b)
    year = text.strip().split("/")[2][:4].split()[0]
    year = "20" + year if len(year) == 2 else year
    return f"{day} {calendar.month_name[month]} {year}" if 1 <= month <= 12 else text


def slash_order(
    con: duckdb.DuckDBPyConnection,
    path: Path | str,
    values_sql: str,
    consistent: Callable[[bool], int] | None = None,
    month_first_is_the_format: bool = False,
) -> DateOrder:
    """The order of the slash dates among `values_sql`'s texts (column `v`: every date column's values).
    `consistent(day_first)` counts the charge periods that agree with their billing period under a reading (the
    tie-breaker). ISO dates are not looked at. `month_first_is_the_format`: the file's format writes M/D/YYYY
    (Azure's exports), so dates that read either way are read so without a warning."""
    count, day_first, month_first, ex_a, ex_b, example = con.execute(
        "SELECT count(*), bool_or(dm), bool_or(md), min(v) FILTER (WHERE dm), min(v) FILTER (WHERE md), "
        f"min(v) FILTER (WHERE a <> b) FROM (SELECT *, {_DAY_FIRST} AS dm, {_MONTH_FIRST} AS md "
        f"FROM ({_fields(values_sql)}))"
    ).fetchall()[0]
    if not count:
        return DateOrder()
    if day_first and month_first:
        raise ImportRejected(
            f"{path}: has dates in two orders: {ex_a.strip()!r} is day first and {ex_b.strip()!r} month first; "
            "write every date one way (ISO 8601: 2026-10-01); nothing was imported",
            file=str(path),
            value=ex_a,
        )
    if day_first:
        return DateOrder(True, f"dates read day first (D/M/YYYY), as {ex_a.strip()!r} shows")
    if month_first or example is None:  # month first, or every date the same either way (01/01/2026)
        return DateOrder(False)
    if consistent is not None:
        fit_month_first, fit_day_first = consistent(False), consistent(True)
        if fit_day_first > fit_month_first:
            return DateOrder(
                True,
                f"dates read day first (D/M/YYYY: {example.strip()!r} is {_reading(example, True)}); read month "
                "first, fewer charges would fall inside their billing periods",
            )
        if fit_month_first > fit_day_first:
            return DateOrder(False)
    if month_first_is_the_format:
        return DateOrder(False)
    return DateOrder(
        False,
        f"slash dates such as {example.strip()!r} read either way and nothing in the file tells which; read month "
        f"first ({_reading(example, False)}, not {_reading(example, True)}); export ISO 8601 dates to be sure",
    )


SAMPLE = 2048  # values looked at before a text time column is read in full for its slash dates


def sampled_slash_order(
    con: duckdb.DuckDBPyConnection, path: Path | str, relation: str, columns: list[str]
) -> DateOrder:
    """`slash_order` of text time columns (SQL expressions over `relation`) in a file that mostly writes ISO 8601
    (usage events): every value is looked at only when one of the first `SAMPLE` is a slash date, so an ISO file
    pays one short read."""
    if not columns:
        return DateOrder()
    texts = " UNION ALL ".join(f"SELECT CAST({c} AS VARCHAR) AS v FROM {relation}" for c in columns)
    sampled = con.execute(
        f"SELECT count(*) FROM (SELECT v FROM ({texts}) LIMIT {SAMPLE}) WHERE v LIKE '%/%'"
    ).fetchall()[0][0]
    if not sampled:
        return DateOrder()
    return slash_order(con, path, f"SELECT DISTINCT v FROM ({texts})")
