"""`rounded_product` (data/sql.py) is exactly `CAST(a * b AS DECIMAL(38, scale))`: the DOUBLE guess is kept only
when it is provably the correctly rounded value, so ties, long fractions, negatives and NULLs come out the same.
`rounded_integer` is exactly `CAST(CAST(a * b AS DECIMAL(38,0)) AS BIGINT)`."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import duckdb
import pytest
from spendscope.data.sql import rounded_integer, rounded_product

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


def _digits(i: str, salt: int, most: str) -> str:
    """Text of up to `most` (SQL) digits drawn from hash(i, salt): deterministic, no Python loop."""
    return f"CAST(hash({i}, {salt}) % CAST(pow(10, {most}) AS UBIGINT) AS VARCHAR)"


def _table(con: duckdb.DuckDBPyConnection) -> None:
    sign = "CASE WHEN hash(i, 1) % 2 = 0 THEN '-' ELSE '' END"
    a = f"{sign} || {_digits('i', 2, 'hash(i, 3) % 10')} || '.' || lpad({_digits('i', 4, '10')}, 10, '0')"
    b = f"{_digits('i', 5, 'hash(i, 6) % 8')} || '.' || lpad({_digits('i', 7, '1 + hash(i, 8) % 10')}, 10, '0')"
    con.execute(
        f"CREATE TABLE t AS SELECT CAST({a} AS DECIMAL(38,10)) AS a, CAST({b} AS DECIMAL(38,10)) AS b "
        "FROM range(20000) AS r(i)"
    )
    con.executemany("INSERT INTO t VALUES (?, ?)", AWKWARD)


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


# b as a token multiplier is a DECIMAL(38,4); Azure's unit block a DECIMAL(38,10)
@pytest.mark.parametrize("b_type", ["DECIMAL(38,4)", "DECIMAL(38,10)"])
def test_the_integer_product_equals_the_exact_cast(b_type: str) -> None:
    with duckdb.connect() as con:
        _table(con)
        # ties, both signs
        con.execute("INSERT INTO t SELECT CAST(i AS DECIMAL(38,10)) * 1000 + 0.5, 1 FROM range(50) AS r(i)")
        con.execute("INSERT INTO t SELECT -CAST(i AS DECIMAL(38,10)) - 0.5, 1 FROM range(50) AS r(i)")
        b = f"CAST(round(b, 4) AS {b_type})"
        fast, exact = rounded_integer("a", b), f"CAST(CAST(a * {b} AS DECIMAL(38,0)) AS BIGINT)"
        differ, rows = con.execute(
            f"SELECT count(*) FILTER (WHERE {fast} IS DISTINCT FROM {exact}), count(*) FROM t"
        ).fetchall()[0]
        assert con.execute(f"SELECT typeof({fast}) FROM t LIMIT 1").fetchall()[0][0] == "BIGINT"
        pairs = con.execute(f"SELECT CAST(a AS VARCHAR), CAST({b} AS VARCHAR), {fast} FROM t").fetchall()
    assert rows == len(AWKWARD) + 20_100 and differ == 0
    # and both are the product rounded half away from zero, as Python's Decimal says
    for a, b_text, got in pairs:
        if a is None or b_text is None:
            assert got is None
            continue
        product = Decimal(a) * Decimal(b_text)
        want = int(abs(product).quantize(Decimal(1), rounding=ROUND_HALF_UP)) * (1 if product >= 0 else -1)
        assert got == want, (a, b_text)
