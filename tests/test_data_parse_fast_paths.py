"""Issue 21, session 7: the one-cast ISO fast path of `parse_timestamp_iso_first` gives what the full parser with
its range check gives, on every spelling an export writes and on the edges of the plausible years (1970-2200)."""

from __future__ import annotations

import duckdb
from spendscope.data.sql import parse_timestamp, parse_timestamp_iso_first

TEXTS = [
    "2026-04-01T00:00:00Z",
    "2026-04-01T00:00:00.123Z",
    "2026-04-01 13:45:00",
    "2026-04-01T13:45:00+05:30",
    "2026-04-01T13:45:00-08:00",
    "2026-04-01",
    "  2026-04-01T00:00:00Z  ",
    "2026-04-01T24:00:00Z",
    "2026-04-31",
    "2026-13-01",
    "1970-01-01T00:30:00+01:00",
    "1970-01-01T00:00:00Z",
    "1969-12-31T23:30:00-01:00",
    "1969-12-31T23:59:59Z",
    "1971-01-01T05:00:00+14:00",
    "2199-12-31T23:00:00-10:00",
    "2200-12-31T23:30:00-01:00",
    "2200-12-31T23:59:59Z",
    "2201-01-01T00:00:00Z",
    "2201-01-01T00:30:00+01:00",
    "0202-01-01",
    "19:9-01-01",
    "abcd-ef-gh",
    "4/1/2026",
    "04/01/2026 13:00:00",
    "4/1/26",
    "2026/04/01",
    "20260401",
    "",
    " ",
    "not a date",
    None,
]


def test_the_iso_fast_path_agrees_with_the_full_parser_on_every_spelling() -> None:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("CREATE TABLE t AS SELECT unnest(CAST(? AS VARCHAR[])) AS v", [TEXTS])
    # the full parser, which ends with its own plausible-years check: the reference for every text
    rows = con.execute(
        f"SELECT v, {parse_timestamp_iso_first('v')}, {parse_timestamp('v')} FROM t"
    ).fetchall()
    assert len(rows) == len(TEXTS)
    for text, fast, full in rows:
        assert fast == full, text
    parsed = {text for text, fast, _ in rows if fast is not None}
    assert "2026-04-01T13:45:00+05:30" in parsed and "4/1/2026" in parsed
    assert "1970-01-01T00:30:00+01:00" not in parsed  # 1969 in UTC: outside the plausible years


# spellings a cast or the full parser treat differently (short fields, signs, zones, years out of range), each
# also with blanks before and after: the ISO test without `trim` must give what the trimmed test gives on all
SHAPES = [
    *[t for t in TEXTS if t is not None],
    "2026-4-1",
    "2026-04-1",
    "2026-4-01",
    "+2026-04-01",
    "26-04-01",
    "12026-04-01",
    "2026-04-01T00:00:00+00",
    "2026-04-01T00:00:00+0530",
    "2026-04-01T00:00:00 UTC",
    "2026-04-01T00:00:00 America/New_York",
    "2026-04-01T00:00:00z",
    "2026-04-01t00:00:00Z",
    "2026-04-01T1:2:3Z",
    "2026-04-01T00:00:00.123456789Z",
    "2026-04-01 00:00:00 +02:00",
    "2026-04-01 BC",
    "2026-04-01T00",
    "2026-04",
    "2026-W14",
    "2026-02-30",
    "219z-01-01",
    "197a-01-01",
    "1971-01-01T00:00:00+01:00",
    "1970-06-01",
    "2199-12-31T23:00:00-05:00",
    "2200-01-01",
    "1/2/2026 3:04 PM",
    "Mon, 01 Apr 2026 00:00:00 GMT",
]


def test_the_untrimmed_iso_test_gives_what_the_trimmed_one_gives() -> None:
    from spendscope.data.sql import _iso_first_trimmed

    texts = sorted(
        {f"{a}{t}{b}" for t in SHAPES for a in ("", " ", "  ", "\t") for b in ("", " ", "\t", "\n", "\r")}
    )
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("CREATE TABLE t AS SELECT unnest(CAST(? AS VARCHAR[])) AS v", [[*texts, None]])
    rows = con.execute(
        f"SELECT v, {parse_timestamp_iso_first('v')}, {_iso_first_trimmed('v')} FROM t"
    ).fetchall()
    assert len(rows) == len(texts) + 1
    differ = [(text, now, before) for text, now, before in rows if now != before]
    assert not differ, differ[:5]
    # the cases that matter: the untrimmed test takes most texts, and both tests agree where only one of them can
    parsed = {text for text, now, _ in rows if now is not None}
    assert "2026-04-01T13:45:00+05:30" in parsed and " 2026-04-01T00:00:00Z\t" in parsed
    assert "1970-06-01" in parsed and "1969-12-31T23:59:59Z" not in parsed


NUMBERS = [
    "1.5",
    "3e-06",
    "1.5E+3",
    "+2",
    "-.5",
    "5.",
    "00012.50",
    "1_000",
    "0.000000000049999",
    "0.00000000005",
    "-0.00000000005",
    "0.12345678905",
    "99999999999999999999999999.9999999999",
    "1e27",
    "1e28",
    "12345678901234567890123456789",
    "1,5",
    "1 000",
    "1e",
    "inf",
    "NaN",
    "0x10",
    "-",
    ".",
    "$5",
    "(5)",
    "",
]


def test_a_number_cast_untrimmed_first_gives_what_the_trimmed_cast_gives() -> None:
    from spendscope.data.sql import parse_decimal

    blanks = ("", " ", "  ", "\t", "\n", "\r", "\u00a0")
    texts = sorted({f"{a}{t}{b}" for t in NUMBERS for a in blanks for b in blanks})
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT unnest(CAST(? AS VARCHAR[])) AS v", [[*texts, None]])
    for sql_type in ("DECIMAL(38,10)", "DECIMAL(38,4)", "DECIMAL(18,6)"):
        rows = con.execute(
            f"SELECT v, {parse_decimal('v', sql_type)}, TRY_CAST(trim(v) AS {sql_type}) FROM t"
        ).fetchall()
        differ = [(text, now, before) for text, now, before in rows if now != before]
        assert not differ, (sql_type, differ[:5])
    values = dict(con.execute(f"SELECT v, {parse_decimal('v')} FROM t").fetchall())
    assert values["\u00a01.5\t"] == values["1.5"] and values[" 3e-06 "] is not None  # both casts are used
    assert values["1,5"] is None and values["12345678901234567890123456789"] is None
