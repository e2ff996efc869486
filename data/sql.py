"""The one place for DuckDB-specific SQL. Everything else composes portable SQL through these helpers,
so a distributed engine later needs only this module rewritten (sqlglot transpiles the rest).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from spendscope.data.focus import MONEY, QUANTITY

if TYPE_CHECKING:
    import duckdb


def ident(name: str) -> str:
    """A quoted identifier (double quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A quoted string literal, for the rare places (ATTACH, read_csv paths) that take no parameters."""
    return "'" + text.replace("'", "''") + "'"


def parse_timestamp(expr: str, day_first: bool = False) -> str:
    """Text -> TIMESTAMPTZ (UTC). Accepts ISO 8601 with or without `T`/`Z`/offset/fraction, plain dates,
    and slash dates `M/D/YY` or `M/D/YYYY` (with optional time), or `D/M/...` with `day_first` (a file's order:
    data.date_order). Unparseable -> NULL (checked by the caller)."""
    v = f"trim({expr})"
    md = "%d/%m" if day_first else "%m/%d"
    parsed = (
        f"CASE WHEN regexp_matches({v}, '^\\d{{1,2}}/\\d{{1,2}}/\\d{{2}}(\\D|$)') "
        f"THEN CAST(try_strptime({v}, ['{md}/%y %H:%M:%S', '{md}/%y %H:%M', '{md}/%y']) AS TIMESTAMPTZ) "
        f"WHEN regexp_matches({v}, '^\\d{{1,2}}/\\d{{1,2}}/\\d{{4}}') "
        f"THEN CAST(try_strptime({v}, ['{md}/%Y %H:%M:%S', '{md}/%Y %H:%M', '{md}/%Y']) AS TIMESTAMPTZ) "
        # an hour past 23 (seen in the FOCUS spec's own examples) rolls over into the next day
        f"WHEN regexp_matches({v}, '^\\d{{4}}-\\d{{2}}-\\d{{2}}[T ](2[4-9]|[34]\\d):[0-5]\\d:[0-5]\\dZ?$') "
        f"THEN CAST(TRY_CAST(substr({v}, 1, 10) AS DATE) AS TIMESTAMPTZ) + to_hours(CAST(substr({v}, 12, 2) AS INT)) "
        f"+ to_minutes(CAST(substr({v}, 15, 2) AS INT)) + to_seconds(CAST(substr({v}, 18, 2) AS INT)) "
        f"WHEN regexp_matches({v}, '^\\d{{4}}-\\d{{2}}-\\d{{2}}') THEN TRY_CAST({v} AS TIMESTAMPTZ) "
        f"WHEN regexp_matches({v}, '^\\d{{4}}/\\d{{2}}/\\d{{2}}') "
        f"THEN TRY_CAST(replace({v}, '/', '-') AS TIMESTAMPTZ) ELSE NULL END"
    )
    return f"(CASE WHEN year({parsed}) BETWEEN 1970 AND 2200 THEN {parsed} ELSE NULL END)"


def epoch_timestamp(expr: str) -> str:
    """A number of seconds, milliseconds, microseconds or nanoseconds since 1970 -> TIMESTAMPTZ, the unit told by
    the magnitude: for times in 1971-2200 the four ranges do not overlap (seconds 3.2e7-7.3e9, milliseconds from
    3.2e10, ...). Any other number -> NULL (checked by the caller)."""
    x = f"CAST({expr} AS DOUBLE)"
    units = [
        ("3.1e7", "7.3e9", "1"),
        ("3.1e10", "7.3e12", "1e3"),
        ("3.1e13", "7.3e15", "1e6"),
        ("3.1e16", "7.3e18", "1e9"),
    ]
    whens = " ".join(f"WHEN {x} BETWEEN {lo} AND {hi} THEN to_timestamp({x} / {d})" for lo, hi, d in units)
    return f"(CASE {whens} END)"


def parse_decimal(expr: str, sql_type: str = MONEY) -> str:
    """Text -> DECIMAL; NULL when not a number (checked by the caller). The value of `TRY_CAST(trim(text))`: the
    text is cast as it is first, and trimmed only when that fails (`trim` builds a string for every value: 0.39
    against 0.23 CPU s per 4M numbers). DuckDB's cast to a DECIMAL takes blanks around a number itself and never
    reads an untrimmed text differently from its trimmed one; `trim` also strips other Unicode spaces (a no-break
    space), which the cast refuses: those reach the second cast (tests/test_data_parse_fast_paths.py)."""
    if not sql_type.upper().startswith("DECIMAL"):
        return f"TRY_CAST(trim({expr}) AS {sql_type})"
    cast = f"TRY_CAST({expr} AS {sql_type})"
    return f"(CASE WHEN {cast} IS NOT NULL THEN {cast} ELSE TRY_CAST(trim({expr}) AS {sql_type}) END)"


def rounded_product(a: str, b: str, scale: int = 10) -> str:
    """`a * b` (DECIMAL operands) rounded half away from zero to `scale` decimals, as DECIMAL(38, scale): the value
    of `CAST(a * b AS DECIMAL(38, scale))`, without that cast's 128-bit division on nearly every row (DuckDB's
    downscaling cast of a DECIMAL(38) costs ~0.45 s per million values on one core; this ~0.03 s).

    The product is taken in DOUBLE and rounded by the cast to DECIMAL; it is kept only when it lies closer than half
    a unit in the last place to the exact DECIMAL product, which makes it the correctly rounded value whatever the
    tie rule. Otherwise (a tie, a product beyond a DOUBLE's precision) the exact cast decides. Rows with a NULL
    operand skip both (a CASE evaluates its branches only on the rows that reach them)."""
    exact = f"(({a}) * ({b}))"
    guess = f"TRY_CAST(CAST({a} AS DOUBLE) * CAST({b} AS DOUBLE) AS DECIMAL(38,{scale}))"
    half = "0." + "0" * scale + "5"
    return (
        f"(CASE WHEN ({a}) IS NOT NULL AND ({b}) IS NOT NULL THEN CASE WHEN abs({exact} - {guess}) < {half} "
        f"THEN {guess} ELSE CAST({exact} AS DECIMAL(38,{scale})) END END)"
    )


def rounded_integer(a: str, b: str) -> str:
    """`a * b` (DECIMAL operands) rounded half away from zero to a BIGINT: the value of
    `CAST(CAST(a * b AS DECIMAL(38,0)) AS BIGINT)`. DuckDB's cast of a DECIMAL straight to BIGINT rounds the same
    way without the downscaling cast: 0.12-0.15 s per million values on two threads whatever the values, where
    `rounded_product(a, b, 0)` took 0.09-0.12 s on fractional quantities but 0.35 s on whole token counts (the DOUBLE
    guess of a large DECIMAL is the slow part; a FOCUS file's token rows are whole counts)."""
    return f"CAST(({a}) * ({b}) AS BIGINT)"


def plus_days_utc(expr: str, days: int = 1) -> str:
    """TIMESTAMPTZ `expr` + `days` days. Store and staging sessions run in UTC (data/store.py, `_SETTINGS`), where a
    day is 86,400 seconds: adding seconds skips the calendar arithmetic DuckDB does for a day (0.107 against 0.038 s
    per million values on one core)."""
    return f"({expr} + INTERVAL {86_400 * days} SECOND)"


def plus_months_utc(expr: str, months: int = 1) -> str:
    """TIMESTAMPTZ `expr` + `months` months, computed on the UTC wall-clock TIMESTAMP (the sessions' time zone):
    the same value as `expr + INTERVAL n MONTH` (the end of a longer month clamped the same way) without the time-zone
    calendar (0.318 against 0.185 s per million values on one core)."""
    return f"CAST(CAST({expr} AS TIMESTAMP) + INTERVAL {months} MONTH AS TIMESTAMPTZ)"


def parse_quantity(expr: str) -> str:
    return parse_decimal(expr, QUANTITY)


def repair_json(expr: str) -> str:
    """Text -> JSON text for key-value columns. Accepts valid JSON, JSON whose quotes were doubled by a second
    round of CSV quoting, and Azure's brace-less `"k": "v", ...` form. Anything else is kept as
    `{"x_raw": <text>}` so no information is lost."""
    v = f"trim({expr})"
    unq = f"replace(CASE WHEN {v} LIKE '\"%\"' THEN {v}[2:-2] ELSE {v} END, '\"\"', '\"')"
    return (
        f"CASE WHEN {v} IS NULL OR {v} = '' THEN NULL "
        f"WHEN json_valid({v}) AND starts_with({v}, '{{') THEN {v} "
        f"WHEN json_valid({unq}) AND starts_with({unq}, '{{') THEN {unq} "
        f"WHEN json_valid('{{' || {v} || '}}') THEN '{{' || {v} || '}}' "
        f"WHEN json_valid('{{' || {unq} || '}}') THEN '{{' || {unq} || '}}' "
        f"ELSE json_object('x_raw', {v})::VARCHAR END"
    )


def json_or_repair(expr: str) -> str:
    """`repair_json` as a JSON value, with a fast path: text that is already one JSON object (what exports write)
    is validated by the cast alone; only other text takes the repairs. Same results as
    `CAST(repair_json(expr) AS JSON)`. A CASE rather than `coalesce(fast, repaired)`, which evaluated the repairs
    on every row (0.075 against 0.037 CPU s per 300,000 tag objects; see `parse_timestamp_iso_first`)."""
    whole = f"starts_with({expr}, '{{') AND ends_with({expr}, '}}')"
    cast = f"TRY_CAST({expr} AS JSON)"
    return (
        f"(CASE WHEN {whole} AND {cast} IS NOT NULL THEN {cast} ELSE CAST({repair_json(expr)} AS JSON) END)"
    )


def json_text(column: str, key: str) -> str:
    """The text value of `key` in a JSON key-value column."""
    return f"json_extract_string({column}, {literal('$.' + json_key(key))})"


def json_key(key: str) -> str:
    return '"' + key.replace('"', '\\"') + '"'


def row_hash(columns: list[str]) -> str:
    """A 64-bit fingerprint of a row's source values (used to refuse rows already in the store)."""
    return "hash(" + ", ".join(ident(c) for c in columns) + ")"


def day(expr: str) -> str:
    return f"CAST({expr} AS DATE)"


def month(expr: str) -> str:
    return f"date_trunc('month', {expr})"


def week(expr: str) -> str:
    return f"date_trunc('week', {expr})"


def read_csv_text(path: str, delim: str | None = None) -> str:
    """A table function reading a CSV (plain or .gz) with every column as text and FOCUS null spellings; the
    delimiter is sniffed unless given (data/csv_files.py detects it from the header line)."""
    sep = "" if delim is None else f"delim = {literal(delim)}, "
    return (
        f"read_csv({literal(path)}, {sep}all_varchar = true, header = true, "
        "nullstr = ['NULL', 'null', 'Null', ''], strict_mode = true, null_padding = false, "
        "normalize_names = false, max_line_size = 10000000)"
    )


def read_parquet(path: str) -> str:
    return f"read_parquet({literal(path)})"


# --- helpers of the provider export importers (data/import_aws.py, import_azure.py, import_gcp.py) ---


def read_json_lines(path: str) -> str:
    """A table function reading newline-delimited JSON (plain or .gz): one row per line, its text in `json`."""
    return f"read_ndjson_objects({literal(path)})"


def parse_timestamp_iso_first(expr: str, day_first: bool = False) -> str:
    """`parse_timestamp` with a fast path for ISO 8601 text (what cloud exports write): a plain cast where the text
    is `YYYY-MM-DD...` with a year from 1971 to 2199 (compared as text: no offset can move such a time out of
    1970-2200, the plausible years), the full parser for everything else, and for a cast that fails. Same results.

    Two tests in turn, each a CASE (not `coalesce(fast, full)`: DuckDB 2.0.1 evaluated coalesce's second argument on
    every row even where the first was set, 0.174 CPU s per 300,000 ISO values against 0.094 for a CASE):
    - the text as it is, by comparisons that build no string: `>= '1971' AND < '2200'` (its first four characters
      between 1971 and 2199; a text that starts with a space fails) and `LIKE '____-__-%'`, then the cast. Where
      that cast gives a time, the second test below would have given the same one: its trimmed text passes that
      test too and casts to the same time (where the cast accepts trailing blanks it reads the text as without
      them; tests/test_data_parse_fast_paths.py compares the two on spellings with spaces, tabs and line ends);
    - otherwise the trimmed text by `substr`, then its cast, then the full parser. `trim` and `substr` build
      strings for every value: on 4M ISO times the first test takes 0.26 CPU s, this one 0.99 (docs/importers.md).
    DuckDB does not share the common cast of either test, so a time that passes is cast twice; still cheaper."""
    cast = f"TRY_CAST({expr} AS TIMESTAMPTZ)"
    plain = f"{expr} >= '1971' AND {expr} < '2200' AND {expr} LIKE '____-__-%'"
    return f"(CASE WHEN {plain} AND {cast} IS NOT NULL THEN {cast} ELSE {_iso_first_trimmed(expr, day_first)} END)"


def _iso_first_trimmed(expr: str, day_first: bool = False) -> str:
    """The trimmed text's ISO fast path, then the full parser (see `parse_timestamp_iso_first`)."""
    v = f"trim({expr})"
    iso = (
        f"substr({v}, 5, 1) = '-' AND substr({v}, 8, 1) = '-' AND substr({v}, 1, 4) BETWEEN '1971' AND '2199'"
    )
    cast = f"TRY_CAST({v} AS TIMESTAMPTZ)"
    return f"(CASE WHEN {iso} AND {cast} IS NOT NULL THEN {cast} ELSE {parse_timestamp(expr, day_first)} END)"


def _entries_json(entries: str) -> str:
    """A list of STRUCT(key, value) -> JSON object text without NULL/empty values; NULL when nothing is left."""
    kept = f"list_filter({entries}, lambda e: e.value IS NOT NULL AND e.value <> '')"
    return f"nullif(to_json(map_from_entries({kept}))::VARCHAR, '{{}}')"


def pairs_to_json(pairs: list[tuple[str, str]]) -> str:
    """JSON object text from (key, value expression) pairs with distinct keys; empty values are left out."""
    entries = ", ".join(f"struct_pack(key := {literal(k)}, value := CAST({v} AS VARCHAR))" for k, v in pairs)
    return _entries_json(f"[{entries}]") if pairs else "CAST(NULL AS VARCHAR)"


def map_text_to_json(expr: str, strip_key_prefix: str | None = None) -> str:
    """A key-value text (a JSON object, or Hive's `{k=v, k2=v2}` rendering of a MAP) -> flat JSON object text.
    Keys lose `strip_key_prefix` (a regex anchored at the start) unless that would make two keys equal."""
    v = f"trim({expr})"
    hive = (
        f"map_from_entries(list_transform(string_split({v}[2:-2], ', '), lambda kv: struct_pack("
        "key := split_part(kv, '=', 1), value := substr(kv, strpos(kv, '=') + 1))))"
    )
    parsed = (
        f"CASE WHEN json_valid({v}) AND starts_with({v}, '{{') THEN TRY_CAST(CAST({v} AS JSON) AS MAP(VARCHAR, VARCHAR)) "
        f"WHEN starts_with({v}, '{{') AND ends_with({v}, '}}') AND contains({v}, '=') THEN TRY({hive}) END"
    )
    if not strip_key_prefix:
        return _entries_json(f"map_entries({parsed})")
    pat = literal("^(?:" + strip_key_prefix + ")")
    renamed = f"list_transform(map_keys(m), lambda k: regexp_replace(k, {pat}, ''))"
    entries = (
        f"list_transform(map_entries(m), lambda e: struct_pack(key := CASE WHEN len(list_distinct({renamed})) = "
        f"len(map_keys(m)) THEN regexp_replace(e.key, {pat}, '') ELSE e.key END, value := e.value))"
    )
    return f"(SELECT {_entries_json(entries)} FROM (SELECT {parsed} AS m))"


def kv_lists_to_json(*exprs: str) -> str:
    """BigQuery's repeated `[{"key": k, "value": v}, ...]` fields as JSON text -> one JSON object text; a key in a
    later list wins over the same key in an earlier one. Entries without a value are left out."""
    typed = '\'[{"key":"VARCHAR","value":"VARCHAR"}]\''
    items = "list_concat(" + ", ".join(f"coalesce(TRY(json_transform({e}, {typed})), [])" for e in exprs)
    items += ")"
    return (
        f"nullif(to_json(list_reduce(list_transform(list_filter({items}, lambda e: e.key IS NOT NULL AND "
        "e.value IS NOT NULL AND e.value <> ''), lambda e: map([e.key], [e.value])), "
        "lambda a, b: map_concat(a, b), MAP {}))::VARCHAR, '{}')"
    )


# --- staging connections of the importers ---


def staging_settings(temp_directory: str, memory_limit_bytes: int) -> list[str]:
    """Statements that let a bulk-import staging connection spill to `temp_directory` once it holds more than
    `memory_limit_bytes`, instead of growing until the machine runs out of memory."""
    return [
        f"SET temp_directory = {literal(temp_directory)}",
        f"SET memory_limit = '{int(memory_limit_bytes) // (1 << 20)}MiB'",
        "SET enable_progress_bar = false",  # the CLI draws its own progress bar
    ]


def memory_limit_bytes(con: duckdb.DuckDBPyConnection) -> int | None:
    """DuckDB's current memory limit in bytes (its default is 80% of the memory it can use), or None."""
    text = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    m = re.fullmatch(r"\s*([\d.]+)\s*([KMGT]?i?B)\s*", str(text))
    if not m:
        return None
    units = {
        "B": 1,
        "KB": 1e3,
        "MB": 1e6,
        "GB": 1e9,
        "TB": 1e12,
        "KiB": 1 << 10,
        "MiB": 1 << 20,
        "GiB": 1 << 30,
        "TiB": 1 << 40,
    }
    return int(float(m.group(1)) * units.get(m.group(2), 1))


def table_from_columns(
    con: duckdb.DuckDBPyConnection,
    name: str,
    types: dict[str, str],
    columns: dict[str, list],
    *,
    temp: bool = False,
) -> None:
    """Create (or replace) table `name` from Python lists, one per column (name -> SQL type in `types`). Bound as
    typed lists and unnested: a few thousand rows in milliseconds, without pandas. (`temp`: inside a transaction
    that writes an attached store, the only other place it may write.)"""
    select = ", ".join(f"unnest(CAST(? AS {t}[])) AS {ident(c)}" for c, t in types.items())
    kind = "TEMP TABLE" if temp else "TABLE"
    con.execute(f"CREATE OR REPLACE {kind} {name} AS SELECT {select}", [columns[c] for c in types])
