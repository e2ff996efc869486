"""The AI columns derived once per distinct combination are the same when resource names that say nothing share
one derivation (data/derive.py): checked against `derive_one` called on every combination."""

from __future__ import annotations

import itertools

import duckdb
from spendscope.data.derive import KEY_COLUMNS, derive_key_sql, derive_one, register_derivations
from spendscope.data.sql import ident

NAMES = [
    None,
    "res-0001",
    "web-frontend",
    "gpt-4o-prod-deployment",  # names a model
    "claude-sonnet-4-5-batch",
    "token-counter",  # says "token"
    "input-tokens-cache",  # a token type
    "p5.48xlarge-node-3",  # an instance type
    "Standard_NC40ads_H100_v5",
    "gke-pool-a100",
]
METERS = [
    None,
    "USE1-BoxUsage:m7i.large",
    "gpt-4o-0806-Inp-glbl Tokens",
    "Hot LRS Data Stored",
    "output tokens",
    "Standard Data Transfer Out",
]
UNITS = [None, "1K", "Hrs", "1M tokens", "GB-Mo"]
DETAILS = [None, '{"x_ModelName": "gpt-4.1"}', '{"InstanceType": "g5.xlarge"}', '{"TokenType": "output"}']


def test_shared_derivations_match_derive_one_on_every_combination() -> None:
    con = duckdb.connect()
    cols = ", ".join(f'"{c}" VARCHAR' for c in KEY_COLUMNS)
    con.execute(f"CREATE TABLE t ({cols}, ResourceId VARCHAR)")
    rows = []
    for name, meter, unit, details in itertools.product(NAMES, METERS, UNITS, DETAILS):
        row = dict.fromkeys(KEY_COLUMNS)
        row.update(
            ResourceName=name, SkuMeter=meter, ConsumedUnit=unit, PricingUnit=unit, SkuPriceDetails=details
        )
        row["ChargeDescription"] = "Compute" if meter and "Box" in meter else None
        rows.append(tuple(row[c] for c in KEY_COLUMNS))
    con.executemany(f"INSERT INTO t VALUES ({', '.join('?' for _ in KEY_COLUMNS)}, NULL)", rows)
    register_derivations(con, "t")
    keys = ", ".join(f"t.{ident(c)}" for c in KEY_COLUMNS)
    got = con.execute(
        f"SELECT {keys}, d.* EXCLUDE (x_DeriveKey) FROM t "
        f"JOIN derived_keys AS d ON d.x_DeriveKey = {derive_key_sql('t')}"
    ).fetchall()
    assert len(got) == len(rows)
    names = [d[0] for d in con.description][len(KEY_COLUMNS) :]
    for values in got:
        key = values[: len(KEY_COLUMNS)]
        expected = derive_one(dict(zip(KEY_COLUMNS, key, strict=True)))
        assert dict(zip(names, values[len(KEY_COLUMNS) :], strict=True)) == expected, key
