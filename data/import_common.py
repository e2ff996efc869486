"""What the provider export importers (AWS CUR, Azure, GCP) share: reading a file into an all-text table,
finding columns by any of their spellings, rejecting the first bad value with its row and column, classifying
distinct text combinations in Python once and joining the answer back in SQL, and the adapter that hands a
staged file to the delivery pipeline (data/importing.py).

Each importer only says how its columns map to FOCUS; the guarantees (all-or-nothing, idempotent, provenance)
come from here and from data/importing.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from spendscope.data.cost_writer import StagedFile
from spendscope.data.csv_files import csv_error, is_gzip, open_csv, read_header
from spendscope.data.csv_parts import NUMBER, Parts, numbered_exactly, plan_parts
from spendscope.data.date_order import DateOrder, slash_order
from spendscope.data.errors import ImportRejected
from spendscope.data.import_focus import _clean_duckdb_error, _is_parquet
from spendscope.data.importing import ImportResult, Progress, import_delivery, reject
from spendscope.data.sql import (
    ident,
    parse_decimal,
    parse_timestamp_iso_first,
    read_json_lines,
    read_parquet,
    table_from_columns,
)
from spendscope.data.store import Store

RAW_ROW = "x_RawRow"  # column of `raw` holding the data row number (1 = first data row)
ROW = ident(RAW_ROW)

_FORMAT_NAMES = {"csv": "CSV", "parquet": "Parquet", "json": "newline-delimited JSON"}


@dataclass
class Source:
    """The file being imported and the text table (`raw`) read from it."""

    path: Path
    fmt: str  # csv | parquet | json
    columns: list[str] = field(default_factory=list)  # header names as in the file
    _lower: dict[str, str] = field(default_factory=dict)
    # a large plain CSV file is read in numbered parts (data/csv_parts.py): `raw` then carries ROW, the data row
    whole: str = ""  # `raw` read whole, in file order (ROW NULL: the rowid of an ordered copy is the row)
    parts: Parts | None = None

    def where(self, row: int) -> str:
        if self.fmt == "csv":
            return f"row {row} (line {row + 1})"
        return f"row {row}"  # JSON: the n-th record (blank lines are skipped); Parquet: the n-th row

    def has(self, *names: str) -> str | None:
        """The file's own spelling of the first of `names` present (case-insensitive), or None."""
        for n in names:
            hit = self._lower.get(n.lower())
            if hit is not None:
                return hit
        return None

    def add_aliases(self, fn: Callable[[str], str]) -> None:
        """Make every column findable also under `fn(header)` (e.g. CUR 2.0 names for legacy CUR headers)."""
        for c in self.columns:
            self._lower.setdefault(fn(c).lower(), c)

    def col(self, *names: str) -> str:
        """SQL for the first present column of `names`, as text; NULL when none is present."""
        hit = self.has(*names)
        return ident(hit) if hit else "CAST(NULL AS VARCHAR)"


def detect_format(path: Path) -> str:
    if _is_parquet(path):
        return "parquet"
    name = path.name.lower().removesuffix(".gz")
    if name.endswith((".json", ".jsonl", ".ndjson")):
        return "json"
    return "csv"


def load_text(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    keep: Callable[[str], bool] | None = None,
    check: Callable[[list[str]], None] | None = None,
    fmt: str | None = None,
) -> Source:
    """Define views `raw` and `raw_numbered` over `path` with every kept column as text (nested Parquet values as
    JSON text); `raw_numbered` adds column `ROW`, the data row number (1 = first data row, in file order).

    They are views, not copies: each statement over one streams the file again (DuckDB reads only the columns the
    statement uses), so the rows are materialised once, in the importer's typed staging table. `raw` is read in
    parallel; `raw_numbered` in one thread (numbering follows the file), so use it only where the row number is
    needed (an order-preserving `CREATE TABLE ... AS SELECT ... FROM raw` numbers rows by rowid instead).
    CSV (plain or .gz) and Parquet keep their columns; newline-delimited JSON gives one column `json` per line.
    `check` sees every header before anything is read (to reject a file of the wrong kind early).
    A file that cannot be read raises ImportRejected here when its header is unreadable, and from `run_import`
    when a later line is.
    """
    fmt = fmt or detect_format(path)
    try:
        if (
            fmt == "csv"
        ):  # the header first: its dialect is fixed from it, and a bad row is then named as such
            header = open_csv(con, path)
            source = header.reader()
        else:
            header = None
            source = {"parquet": read_parquet, "json": read_json_lines}[fmt](str(path))
        if fmt == "json":
            con.execute(
                f"CREATE VIEW raw AS SELECT CAST(json AS VARCHAR) AS json, CAST(NULL AS BIGINT) AS {ROW} FROM {source}"
            )
            con.execute(
                f"CREATE VIEW raw_numbered AS SELECT CAST(json AS VARCHAR) AS json, ordinality AS {ROW} "
                f"FROM {source} WITH ORDINALITY"
            )
            src = Source(path, fmt, ["json"])
        else:
            described = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
            if check:
                check([r[0] for r in described])
            cols = [(r[0], r[1]) for r in described if keep is None or keep(r[0])]
            if not cols:
                raise reject(
                    path, f"has none of the columns this importer reads (it has {len(described)} others)"
                )
            selects = ", ".join(_as_text(name, sql_type, fmt == "parquet") for name, sql_type in cols)
            src = Source(path, fmt, [name for name, _ in cols])
            src.whole = f"SELECT {selects}, CAST(NULL AS BIGINT) AS {ROW} FROM {source}"
            read = (header.read_path or header.path) if header is not None else None
            if header is not None and read is not None and not is_gzip(read):
                src.parts = plan_parts(read, con, header.names)
            if src.parts is not None:
                assert header is not None
                cut = src.parts.relation(lambda part, first: header.reader(path=part, header=first))
                con.execute(f"CREATE VIEW raw AS SELECT {selects}, {NUMBER} AS {ROW} FROM {cut}")
            else:
                con.execute(f"CREATE VIEW raw AS {src.whole}")
            con.execute(
                f"CREATE VIEW raw_numbered AS SELECT {selects}, ordinality AS {ROW} FROM {source} WITH ORDINALITY"
            )
    except duckdb.Error as exc:
        raise unreadable(path, exc, fmt) from None
    src._lower = {c.lower(): c for c in reversed(src.columns)}
    # rows carry their number (ROW); what follows needs no order, and keeping it costs memory
    con.execute("SET preserve_insertion_order = false")
    return src


def read_rows(con: duckdb.DuckDBPyConnection, src: Source, table: str, select: str) -> None:
    """CREATE TABLE `table` AS `select` (a query over view `raw` that keeps its ROW column). In numbered parts on
    every core when the file was cut (ROW is each row's data row); otherwise, or when the parts cannot be trusted
    (a read error, rows not numbered 1..n), from the whole file in file order (ROW NULL: use `row_number`)."""
    if src.parts is not None:
        try:
            with src.parts.feeding():
                con.execute(f"CREATE TABLE {table} AS {select}")
            if numbered_exactly(con, f"(SELECT {ROW} AS x_SourceRow FROM {table})"):
                return
        except duckdb.Error:
            pass  # the whole-file reading below names the bad line
        con.execute(f"DROP TABLE IF EXISTS {table}")
        src.parts = None
        con.execute(f"CREATE OR REPLACE VIEW raw AS {src.whole}")
    con.execute("SET preserve_insertion_order = true")
    try:
        con.execute(f"CREATE TABLE {table} AS {select}")
    finally:
        con.execute("SET preserve_insertion_order = false")


def row_number(alias: str = "") -> str:
    """SQL for a row's data row in a table `read_rows` wrote (alias.`ROW`, or its rowid + 1 when read whole)."""
    prefix = f"{alias}." if alias else ""
    return f"coalesce({prefix}{ROW}, {prefix}rowid + 1)"


def _as_text(name: str, sql_type: str, parquet: bool) -> str:
    col = ident(name)
    if sql_type == "VARCHAR":  # Parquet writers keep empty strings; the CSV reader makes them NULL already
        return f"nullif({col}, '') AS {col}" if parquet else col
    if sql_type.startswith(("STRUCT", "MAP", "UNION")) or sql_type.endswith("]"):
        return f"CAST(to_json({col}) AS VARCHAR) AS {col}"
    return f"CAST({col} AS VARCHAR) AS {col}"


def unreadable(path: Path, exc: duckdb.Error, fmt: str | None = None) -> ImportRejected:
    fmt = fmt or detect_format(path)
    if fmt == "csv":
        explained = csv_error(read_header(path), exc)
        if explained is not None:
            return explained
    return reject(path, f"cannot be read as {_FORMAT_NAMES[fmt]}: {_clean_duckdb_error(exc)}")


@dataclass
class Check:
    """A value that must parse: `bad` is SQL that is true when the value in `column` of the checked table is bad."""

    column: str  # column (or label) named in the message
    expected: str  # what would be accepted, e.g. "a number"
    bad: str
    shown: str | None = None  # SQL for the offending value (default: the column itself)


def value_checks(
    src: Source,
    *,
    numbers: list[tuple[str, ...]],
    dates: list[tuple[str, ...]],
    required_date: tuple[str, ...],
    day_first: bool = False,
) -> list[Check]:
    """Checks that every present number and date column parses (slash dates in the file's order, `day_first`:
    data.date_order) and that `required_date` is never empty. Each entry lists the spellings of one column;
    messages use the file's own header."""
    checks = []
    for names in numbers:
        header = src.has(*names)
        if header:
            col = ident(header)
            checks.append(Check(header, "a number", f"{col} IS NOT NULL AND {parse_decimal(col)} IS NULL"))
    for names in dates:
        header = src.has(*names)
        if header:
            col = ident(header)
            bad = f"{col} IS NOT NULL AND {parse_timestamp_iso_first(col, day_first)} IS NULL"
            checks.append(Check(header, f"a date (ISO 8601, or {DateOrder(day_first).spelled})", bad))
    header = src.has(*required_date)
    if header:
        checks.append(Check(header, "a date (the column is mandatory)", f"{ident(header)} IS NULL"))
    return checks


def parse_once(
    src: Source,
    *,
    numbers: list[tuple[str, ...]],
    dates: list[tuple[str, ...]],
    required_date: tuple[str, ...],
) -> tuple[dict[str, str], str]:
    """Every present number and date column parsed once, for a staging query that reads `raw` through an inner
    projection (`SELECT *, <parsed> FROM raw`): returns (alias -> parsing SQL over `raw`, x_Bad SQL over the
    parsed aliases). Use `parsed(names[0])` for a column's value; x_Bad means what `value_checks` checks, without
    parsing every value a second time for the check."""
    parsed: dict[str, str] = {}
    bad: list[str] = []
    for names, fn in [(n, parse_decimal) for n in numbers] + [(d, parse_timestamp_iso_first) for d in dates]:
        header = src.has(*names)
        if header:
            alias = parsed_name(names[0])
            parsed[alias] = fn(ident(header))
            bad.append(f"({ident(header)} IS NOT NULL AND {alias} IS NULL)")
    header = src.has(*required_date)
    if header:
        bad.append(f"({ident(header)} IS NULL)")
    return parsed, " OR ".join(bad) if bad else "false"


@dataclass
class DateLookup:
    """Date columns parsed once per distinct text (table `table`: v = the text, t = the timestamp), for a staging
    view that joins them. Bills repeat a few dozen dates millions of times, and M/D/YYYY text takes the full
    parser: parsing each distinct text once is what makes such files as fast as ISO ones."""

    table: str
    joins: list[str]  # LEFT JOIN clauses, over the staging query's alias `raw`
    values: dict[str, str]  # first spelling of the column -> SQL for its timestamp
    bad: bool  # some text is not a date: `reject_first_bad` names the first one
    order: DateOrder = field(default_factory=DateOrder)  # the file's slash-date order


def parse_dates_once(
    con: duckdb.DuckDBPyConnection,
    src: Source,
    rows: str,
    dates: list[tuple[str, ...]],
    table: str,
    period: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]] | None = None,
) -> DateLookup:
    """Parse the distinct texts of the present date columns of `rows` (a table with the file's text columns),
    slash dates in the file's order (data.date_order); `period` (the charge date's, the billing period start's
    and end's spellings, the end inclusive) is the tie-breaker when every slash date reads either way."""
    present = [(names[0], src.has(*names)) for names in dates if src.has(*names)]
    lookup = DateLookup(table, [], {}, False)
    if not present:
        return lookup
    texts = "[" + ", ".join(ident(h) for _, h in present) + "]"
    con.execute(
        f"CREATE OR REPLACE TABLE {table} AS SELECT v FROM (SELECT DISTINCT unnest({texts}) AS v FROM {rows}) "
        "WHERE v IS NOT NULL"
    )
    headers = [src.has(*names) for names in period] if period else []

    def consistent(day_first: bool) -> int:
        """Distinct charge dates and periods with the date inside a period that starts on the 1st of a month."""
        cols = [ident(h) for h in headers]  # type: ignore[arg-type]
        day, start, end = (parse_timestamp_iso_first(c, day_first) for c in cols)
        return con.execute(
            f"SELECT count(*) FROM (SELECT DISTINCT {', '.join(cols)} FROM {rows}) "
            f"WHERE {start} <= {day} AND {day} <= {end} AND day({start}) = 1"
        ).fetchall()[0][0]

    lookup.order = slash_order(  # only Azure's exports come here: their format is M/D/YYYY
        con,
        src.path,
        f"SELECT v FROM {table}",
        consistent if all(headers) else None,
        month_first_is_the_format=True,
    )
    con.execute(
        f"CREATE OR REPLACE TABLE {table} AS SELECT v, {parse_timestamp_iso_first('v', lookup.order.day_first)} AS t "
        f"FROM {table}"
    )
    for i, (first, header) in enumerate(present):
        alias = f"_d{i}"
        lookup.joins.append(f"LEFT JOIN {table} AS {alias} ON {alias}.v = raw.{ident(header)}")
        lookup.values[first] = f"{alias}.t"
    lookup.bad = bool(con.execute(f"SELECT count(*) FROM {table} WHERE t IS NULL").fetchall()[0][0])
    return lookup


def parsed_name(name: str) -> str:
    """The alias under which `parse_once` exposes the parsed value of column `name`."""
    return ident("_parsed_" + name)


def bad_flag(checks: list[Check]) -> str:
    """SQL that is true when any of `checks` fails: stage it as column `x_Bad` in the same pass that types the
    rows, then call `reject_flagged` (the costly search for the first bad value runs only when there is one)."""
    return " OR ".join(f"({c.bad})" for c in checks) if checks else "false"


def reject_flagged(
    con: duckdb.DuckDBPyConnection, src: Source, checks: list[Check], staged: str = "staged"
) -> None:
    """Raise ImportRejected for the first bad value (row, column, value) when a row of `staged` has `x_Bad`."""
    if con.execute(f"SELECT count(*) FROM {staged} WHERE x_Bad").fetchall()[0][0]:
        reject_first_bad(con, src, checks)
        raise reject(src.path, "has a value that does not parse")  # not reached: the search finds the row


def reject_first_bad(
    con: duckdb.DuckDBPyConnection,
    src: Source,
    checks: list[Check],
    *,
    table: str = "raw_numbered",
    row: str = ROW,
) -> None:
    """Raise ImportRejected naming row, column and value of the first bad value in `table`, if any."""
    if not checks:
        return
    which = " ".join(f"WHEN {c.bad} THEN {i}" for i, c in enumerate(checks))
    found = con.execute(
        f"SELECT {row} AS r, CASE {which} END AS k FROM {table} "
        f"WHERE {' OR '.join(f'({c.bad})' for c in checks)} ORDER BY r LIMIT 1"
    ).fetchall()
    if not found:
        return
    bad_row, idx = found[0]
    check = checks[idx]
    shown_sql = check.shown or ident(check.column)
    value = con.execute(
        f"SELECT CAST({shown_sql} AS VARCHAR) FROM {table} WHERE {row} = ?", [bad_row]
    ).fetchall()
    value = value[0][0] if value else None
    shown = "empty" if value is None else repr(value[:60])
    raise reject(
        src.path,
        f"{src.where(bad_row)}, column {check.column}: {shown} is not {check.expected}",
        row=bad_row,
        column=check.column,
        value=value,
    )


def collect_keys(
    con: duckdb.DuckDBPyConnection, table: str, key_sets: list[dict[str, str]], name: str
) -> list[dict[str, str]]:
    """The distinct combinations of several key sets (each name -> SQL over `table`) in one pass over `table`,
    stored in table `name`. Returns each key set re-expressed over `name`'s columns, to hand to
    `classify_distinct` / `compute_distinct` with `name` as their table (the key hashes come out the same as
    `key_hash` of the original expressions). When `table` streams a file, this reads it once instead of once
    per key set."""
    cols, out = [], []
    for i, keys in enumerate(key_sets):
        renamed = {}
        for k, expr in keys.items():
            col = ident(f"s{i}_{k}")
            cols.append(f"{expr} AS {col}")
            renamed[k] = col
        out.append(renamed)
    con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT DISTINCT {', '.join(cols)} FROM {table}")
    return out


def classify_distinct(
    con: duckdb.DuckDBPyConnection,
    table: str,
    keys: dict[str, str],
    fn: Callable[[dict[str, Any]], dict[str, Any]],
    outputs: dict[str, str],
    name: str,
) -> str:
    """Run `fn` once per distinct combination of the `keys` expressions (name -> SQL over `table`) and store the
    answers in table `name` (column `k` = hash of the keys, then `outputs` name -> SQL type). Join it back with
    `ON name.k = hash(<the same key expressions>)` (see `key_hash`). Bills repeat a few thousand combinations
    millions of times, so the Python work stays small and the rows never leave DuckDB."""
    key_sql = ", ".join(f"{expr} AS {ident(k)}" for k, expr in keys.items())
    rows = con.execute(f"SELECT DISTINCT {key_hash(keys)} AS k, {key_sql} FROM {table}").fetchall()
    names = list(keys)
    columns: dict[str, list] = {"k": [], **{o: [] for o in outputs}}
    for values in rows:
        answer = fn(dict(zip(names, values[1:], strict=True)))
        columns["k"].append(values[0])
        for o, sql_type in outputs.items():
            v = answer.get(o)
            columns[o].append(float(v) if v is not None and sql_type == "DOUBLE" else v)
    table_from_columns(con, name, {"k": "UBIGINT", **outputs}, columns)
    return name


def classify_raw_keys(
    con: duckdb.DuckDBPyConnection,
    table: str,
    raw: dict[str, str],
    derived: dict[str, str],
    fn: Callable[[dict[str, Any]], dict[str, Any]],
    outputs: dict[str, str],
    name: str,
    extra: dict[str, str] | None = None,
) -> str:
    """Like `classify_distinct` for keys that must first be worked out from raw text (a JSON field of a map column,
    say): `fn` runs once per distinct combination of `derived` (key name -> SQL over the `raw` columns of `table`),
    and table `name` holds, per distinct combination of `raw` (`k` = hash of the raw values: rows join on their own
    columns, with no per-row parsing), those answers plus `extra` (name -> SQL over the raw columns and the answers,
    alias `c`). The answers per derived combination stay in table `{name}_classes`."""
    classify_distinct(con, table, derived, fn, outputs, f"{name}_classes")
    more = "".join(f", {expr} AS {ident(n)}" for n, expr in (extra or {}).items())
    con.execute(
        f"CREATE OR REPLACE TABLE {name} AS SELECT m.k, c.* EXCLUDE (k){more} "
        f"FROM (SELECT DISTINCT {key_hash(raw)} AS k, {', '.join(raw.values())} FROM {table}) AS m "
        f"LEFT JOIN {name}_classes AS c ON c.k = {key_hash(derived)}"
    )
    return name


def compute_distinct(
    con: duckdb.DuckDBPyConnection, table: str, keys: dict[str, str], outputs: dict[str, str], name: str
) -> str:
    """Like `classify_distinct`, for answers SQL can give: `outputs` (name -> SQL over the key names) are computed
    once per distinct key combination into table `name` (`k` = hash of the keys). For costly per-row text work such
    as turning tag maps into JSON, whose values repeat across millions of rows."""
    key_sql = ", ".join(f"{expr} AS {ident(k)}" for k, expr in keys.items())
    hashed = "hash(" + ", ".join(ident(k) for k in keys) + ")"
    out_sql = ", ".join(f"{expr} AS {ident(o)}" for o, expr in outputs.items())
    con.execute(
        f"CREATE OR REPLACE TABLE {name} AS SELECT {hashed} AS k, {out_sql} FROM (SELECT DISTINCT {key_sql} FROM {table})"
    )
    return name


def key_hash(keys: dict[str, str]) -> str:
    return "hash(" + ", ".join(keys.values()) + ")"


def examples(con: duckdb.DuckDBPyConnection, table: str, column: str, where: str, limit: int = 3) -> str:
    """Up to `limit` most common values of `column` among rows matching `where`, for warnings."""
    rows = con.execute(
        f"SELECT {column} AS v, count(*) AS n FROM {table} WHERE {where} AND {column} IS NOT NULL "
        f"GROUP BY ALL ORDER BY n DESC, v LIMIT {int(limit)}"
    ).fetchall()
    return ", ".join(repr(r[0]) for r in rows)


def row_warning(
    con: duckdb.DuckDBPyConnection,
    where: str,
    message: str,
    *,
    column: str = "SkuMeter",
    table: str = "staged",
) -> list[str]:
    """[message] when rows match `where`, else []. The message may use {n} (rows), {cost} (their effective cost)
    and {examples} (the commonest values of `column` among them)."""
    n, cost = con.execute(
        f"SELECT count(*), coalesce(sum(EffectiveCost), 0) FROM {table} WHERE {where}"
    ).fetchall()[0]
    if not n:
        return []
    return [message.format(n=n, cost=cost, examples=examples(con, table, column, where))]


@dataclass
class Staging:
    """What an importer's stage leaves for the INSERT: the relation it reads, the warnings known before it, and
    `after`, the warnings worked out over the rows written (given a relation holding this file's rows): counting
    rows over the stored columns costs less than over the staging view, which would map the file again."""

    relation: str
    warnings: list[str] = field(default_factory=list)
    after: Callable[[duckdb.DuckDBPyConnection, str], list[str]] | None = None


def as_file_stage(
    stage: Callable[[duckdb.DuckDBPyConnection, Path, Progress | None], Staging],
    position: str | None = None,
) -> Callable[[duckdb.DuckDBPyConnection, Path, Progress | None], StagedFile]:
    """Adapt an importer's `stage(con, path, progress) -> Staging` to the delivery pipeline.
    `position`: SQL over a staged row (alias `s`) for its unique 0-based position in the file (StagedFile)."""

    def staged_file(
        con: duckdb.DuckDBPyConnection, path: Path, progress: Progress | None = None
    ) -> StagedFile:
        try:
            staging = stage(con, path, progress)
        except (duckdb.InvalidInputException, duckdb.IOException) as exc:
            # a line that cannot be read, met while a statement streamed `raw`
            raise unreadable(path, exc) from None
        return StagedFile(
            source=str(path.resolve()),
            relation=staging.relation,
            warnings=staging.warnings,
            after=staging.after,
            position=position,
        )

    return staged_file


def run_import(
    store: Store,
    path: Path | str,
    *,
    kind: str,
    stage: object = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import one file of `kind` as a delivery of its own (data/importing.py: all or nothing, restatements
    replace, re-imports add nothing). `stage` is looked up by kind; the argument is kept for callers."""
    return import_delivery(store, kind, [Path(path)], progress=progress)


def snake_header(header: str) -> str:
    """Legacy CUR `lineItem/UsageType` -> CUR 2.0 `line_item_usage_type` (AWS's own rule: every capital starts a
    word, so `reservation/ReservationARN` -> `reservation_reservation_a_r_n`)."""
    parts = header.strip().lstrip("\ufeff").split("/", 1)
    return "_".join(re.sub(r"(?<!^)([A-Z])", r"_\1", p).lower() for p in parts)
