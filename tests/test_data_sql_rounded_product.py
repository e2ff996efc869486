"""`rounded_product` (data/sql.py) is exactly `CAST(a * b AS DECIMAL(38, scale))`: the DOUBLE guess is kept only
when it is provably the correctly rounded value, so ties, long fractions, negatives and NULLs come out the same."""

from __future__ import annotations

import random

import duckdb
import pytest
from spendscope.data.sql import rounded_product

AWKWARD = [
    ("0.0000000001", "0.5"),  # an exact tie at scale 10: half away from zero
    ("-0.0000000001", "0.5"),
    ("0.0000000003", "0.5"),
    ("2.5", "1"),  # a tie at scale 0
    ("-2.5", "1"),
    ("1.5", "0.3333333333"),
    ("123456789.1234567891", "9876543.3210987654"),  # more digits than a DOUBLE holds
    ("0.0000020000", "123456.7890000000"),  # a token price times a quantity: exact in DOUBLE
    ("0", "-0.0000000001"),
    (None, "1"),
    ("1", None),
]


def _table(con: duckdb.DuckDBPyConnection) -> None:
    rng = random.Random(21)
    rows = list(AWKWARD)
    for _ in range(20_000):
        a = f"{rng.choice(['', '-'])}{rng.randint(0, 10 ** rng.randint(0, 9))}.{rng.randint(0, 10**10 - 1):010d}"
        b = f"{rng.randint(0, 10 ** rng.randint(0, 7))}.{rng.randint(0, 10 ** rng.randint(1, 10) - 1):010d}"
        rows.append((a, b))
    con.execute("CREATE TABLE t (a DECIMAL(38,10), b DECIMAL(38,10))")
    con.executemany("INSERT INTO t VALUES (?, ?)", rows)


@pytest.mark.parametrize("scale", [10, 4, 0])
def test_it_equals_the_exact_cast(scale: int) -> None:
    with duckdb.connect() as con:
        _table(con)
        fast = rounded_product("a", "b", scale)
        exact = f"CAST(a * b AS DECIMAL(38,{scale}))"
        differ, rows, guessed = con.execute(
            f"""SELECT count(*) FILTER (WHERE {fast} IS DISTINCT FROM {exact}), count(*),
                       count(*) FILTER (WHERE abs(a * b - TRY_CAST(CAST(a AS DOUBLE) * CAST(b AS DOUBLE)
                                                  AS DECIMAL(38,{scale}))) < 0.{"0" * scale}5)
                FROM t"""
        ).fetchall()[0]
        assert con.execute(f"SELECT typeof({fast}) FROM t LIMIT 1").fetchall()[0][0] == f"DECIMAL(38,{scale})"
    assert rows == len(AWKWARD) + 20_000
    assert differ == 0
    assert 0 < guessed < rows  # both branches are exercised


def test_ties_round_half_away_from_zero() -> None:
    with duckdb.connect() as con:
        got = con.execute(
            f"SELECT {rounded_product('CAST(2.5 AS DECIMAL(38,10))', 'CAST(1 AS DECIMAL(38,4))', 0)}, "
            f"{rounded_product('CAST(-0.0000000001 AS DECIMAL(38,10))', 'CAST(0.5 AS DECIMAL(38,10))')}"
        ).fetchall()[0]
    assert [str(v) for v in got] == ["3", "-1E-10"]
