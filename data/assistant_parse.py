"""Reading vendor values for the coding-assistant sources: exact decimals, epoch milliseconds, dates, users, and
errors that name the record and field (a malformed record rejects the whole sync or file: nothing is written)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import duckdb
import pandas as pd
from spendscope.data.errors import ImportRejected

UTC = dt.UTC


class Reader:
    """Field readers for one listing (`what`: e.g. 'Cursor usage events'); `n` is the record number (1 = first)."""

    def __init__(self, what: str, kind: str) -> None:
        self.what, self.kind = what, kind

    def fail(self, n: int, field: str, value: Any, expected: str) -> ImportRejected:
        shown = "missing" if value is None or value == "" else repr(str(value)[:60])
        return ImportRejected(
            f"{self.what}: record {n}, field {field}: {shown} is not {expected}; nothing was imported",
            source=self.kind,
            row=n,
            column=field,
        )

    def decimal(self, n: int, field: str, value: Any, *, required: bool = False) -> Decimal | None:
        if value is None or value == "":
            if required:
                raise self.fail(n, field, value, "a number")
            return None
        if isinstance(value, bool):
            raise self.fail(n, field, value, "a number")
        try:
            out = Decimal(str(value).strip().replace(",", "").lstrip("$"))
        except (InvalidOperation, ValueError):
            raise self.fail(n, field, value, "a number") from None
        if not out.is_finite():
            raise self.fail(n, field, value, "a finite number")
        return out

    def integer(self, n: int, field: str, value: Any) -> int | None:
        number = self.decimal(n, field, value)
        if number is None:
            return None
        if number != number.to_integral_value():
            raise self.fail(n, field, value, "a whole number")
        return int(number)

    def day(self, n: int, field: str, value: Any) -> dt.date:
        """A day from epoch milliseconds (number or digits), an ISO date or an ISO time (UTC)."""
        if value is None or value == "":
            raise self.fail(n, field, value, "a date")
        text = str(value).strip()
        if text.isdigit() or isinstance(value, int | float) and not isinstance(value, bool):
            try:
                return dt.datetime.fromtimestamp(int(Decimal(text)) / 1000, UTC).date()
            except (InvalidOperation, ValueError, OverflowError, OSError):
                raise self.fail(n, field, value, "epoch milliseconds") from None
        moment = self.moment(n, field, text)
        assert moment is not None
        return moment.date()

    def moment(self, n: int, field: str, value: Any) -> dt.datetime | None:
        """An ISO date or time (a time without zone is UTC); None when empty."""
        if value is None or str(value).strip() == "":
            return None
        text = str(value).strip().replace("Z", "+00:00").replace(" UTC", "+00:00")
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            raise self.fail(n, field, value, "an ISO 8601 date or time") from None
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)

    def user(self, n: int, field: str, value: Any) -> str:
        text = "" if value is None else str(value).strip().lower()
        if not text:
            raise self.fail(n, field, value, "a user email or login")
        return text


def insert_rows(
    con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str], rows: list[tuple]
) -> None:
    """Append Python rows in one statement: values travel as text and are cast to the column types in SQL (exact
    Decimals, no float detour, and fast: DuckDB scans a string DataFrame natively)."""
    if not rows:
        return
    texts = [[None if v is None else str(v) for v in r] for r in rows]
    frame = pd.DataFrame.from_records(texts, columns=list(columns)).astype("object")
    con.register("rows_in", frame)
    try:
        types = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {table})").fetchall())
        cast = ", ".join(f"CAST(rows_in.{c} AS {types[c]})" for c in columns)
        con.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {cast} FROM rows_in")
    finally:
        con.unregister("rows_in")


def cents(value: Decimal | None) -> Decimal | None:
    return None if value is None else value / 100


def ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)
