"""Money is DECIMAL(38,10) in the store: sums over real third-party exports stay exact to 1e-9.

Why that type (docs/performance.md, "Store size"): the scale must hold the providers' precision, and the real
legacy CUR sample states costs to 10 decimal places (rounding its 1,281 costs to 9 places moves the sum by
8.4e-9); the width must hold a line item in any billing currency (IDR or VND amounts pass 10^9 for a few thousand
dollars), so more than 18 digits, which DuckDB stores as 128-bit integers whatever the declared width."""

from __future__ import annotations

import csv
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import pytest
from spendscope.data.importing import import_delivery
from spendscope.data.store import Store

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "samples"

CASES = [
    ("aws_cur", "providers/aws/cur-legacy_sample-anonymous-aws-export-dataset.csv", "lineItem/UnblendedCost"),
    ("azure", "real/azure_ea_amortizedcost_small_finops-toolkit.csv", "Cost"),
    ("azure", "real/azure_mca_koku_camel_azure_version_2.csv", "costInBillingCurrency"),
    ("focus", "real/focus1.2spec_saas_spend_agreements_a2.csv", "BilledCost"),
    ("focus", "real/focus1.2spec_zero_percent_utilization_without_flexibility.csv", "BilledCost"),
]


def _exact_sum(path: Path, column: str) -> Decimal:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        values = [r[column].strip() for r in csv.DictReader(fh)]
    return sum((Decimal(v) for v in values if v and v.lower() != "null"), Decimal(0))


@pytest.mark.parametrize(("kind", "name", "column"), CASES, ids=[c[1].split("/")[-1] for c in CASES])
def test_sums_over_real_exports_are_exact_to_1e_9(store: Store, kind: str, name: str, column: str) -> None:
    path = SHARED / name
    if not path.exists():
        pytest.skip(f"{path} is absent: the third-party samples live in ../shared beside the clone")
    import_delivery(store, kind, [path])
    with store.reader() as con:
        stored = con.execute(
            "SELECT coalesce(sum(BilledCost), 0) FROM costs WHERE ChargeCategory <> 'Credit' OR ChargeCategory IS NULL"
        ).fetchall()[0][0]
    expected = _exact_sum(path, column)
    if kind == "azure" and "amortized" in name:
        # an amortised export bills commitment-covered usage at 0 (FOCUS); compare the effective cost instead
        with store.reader() as con:
            stored = con.execute("SELECT sum(EffectiveCost) FROM costs").fetchall()[0][0]
    assert abs(stored - expected) < Decimal("1e-9"), (stored, expected)


def test_scale_nine_would_not_be_exact_on_the_real_cur_sample() -> None:
    path = SHARED / CASES[0][1]
    if not path.exists():
        pytest.skip(f"{path} is absent: the third-party samples live in ../shared beside the clone")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        values = [Decimal(r[CASES[0][2]]) for r in csv.DictReader(fh) if r[CASES[0][2]]]
    exact = sum(values, Decimal(0))
    nine = sum((v.quantize(Decimal("1e-9"), ROUND_HALF_EVEN) for v in values), Decimal(0))
    ten = sum((v.quantize(Decimal("1e-10"), ROUND_HALF_EVEN) for v in values), Decimal(0))
    assert abs(nine - exact) > Decimal("1e-9") and ten == exact
