"""Import probes, round 27: export variants the repository's fixtures lack (docs/performance.md, "Import probes 27").

Written before re-reading the importers, from the providers' documentation: FOCUS 1.0 / 1.1 / 1.2 files (Microsoft's
and AWS's x_ columns, columns added between versions, a 1.0-preview file), columns in another order, extra unknown
columns, empty optional columns, quoted numbers with exponents, negative credits, ISO dates with and without Z,
offsets and milliseconds, Azure pay-as-you-go (no billing profile, no enrollment), a spreadsheet-saved Azure file
in a comma-decimal locale, CUR 2.0 column selections, legacy CUR tags, GCP labels and credits arrays and
`cost_at_list`, multi-currency files, restatements whose months overlap, the same file twice, gzip, a folder of
mixed parts. Each probe runs the real CLI (`spendscope import ...` through typer's CliRunner) into a fresh store and
compares plain SQL over the store with totals computed here from the file itself (Decimal), or checks what a user
reads for bad input (file, row, column named; the store as it was). Probe names start with their category: focus,
cur, azure, gcp, update.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import shutil
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from spendscope.data.store import Store
from typer.testing import CliRunner

from spendscope.cli import app

FIXTURES = Path(__file__).parent / "fixtures" / "providers"
CUR2 = FIXTURES / "aws" / "cur2_bedrock_gpu.csv"
CUR_LEGACY = FIXTURES / "aws" / "cur_legacy_bedrock_tags.csv"
AZ_ACTUAL = FIXTURES / "azure" / "ea_actual_openai_ptu_gpu.csv"
GCP_JSONL = FIXTURES / "gcp" / "billing_export_vertex.jsonl"
GCP_FLAT = FIXTURES / "gcp" / "billing_export_vertex_flat.csv"

ZERO = Decimal(0)


# --- running the CLI and reading the store ------------------------------------------------------------------

_TEMPLATE: list[Path] = []


@pytest.fixture(scope="module", autouse=True)
def _empty_store(tmp_path_factory: pytest.TempPathFactory) -> None:
    """One empty, migrated store per module, copied for each probe (creating and migrating a store per probe cost
    more CPU than most imports)."""
    path = tmp_path_factory.mktemp("template") / "empty.duckdb"
    with Store(path).writer():
        pass
    _TEMPLATE[:] = [path]


def fresh(tmp_path: Path) -> Path:
    db = tmp_path / "s.duckdb"
    shutil.copy(_TEMPLATE[0], db)
    return db


class Run:
    def __init__(self, code: int, output: str) -> None:
        self.code, self.output = code, output


def imp(kind: str, db: Path, *files: str | Path, flags: tuple[str, ...] = ()) -> Run:
    result = CliRunner().invoke(app, ["import", kind, *[str(f) for f in files], "--db", str(db), *flags])
    output = result.output
    if result.exception and not isinstance(result.exception, SystemExit):
        output += f"\n[exception] {type(result.exception).__name__}: {result.exception}"
    return Run(result.exit_code, output)


def ok(run: Run) -> Run:
    assert run.code == 0, run.output
    return run


def q(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    if not db.exists():
        return []
    with Store(db).reader() as con:
        return con.execute(sql, params or []).fetchall()


def state(db: Path) -> tuple:
    """Everything a bad import must leave as it was: rows and both cost sums."""
    got = q(db, "SELECT count(*), coalesce(sum(BilledCost), 0), coalesce(sum(EffectiveCost), 0) FROM costs")
    if not got:
        return (0, ZERO, ZERO)
    n, b, e = got[0]
    return (n, Decimal(b), Decimal(e))


def total(db: Path, column: str = "BilledCost", where: str = "TRUE") -> Decimal:
    (v,) = q(db, f"SELECT coalesce(sum({column}), 0) FROM costs WHERE {where}")[0]
    return Decimal(v)


def by(db: Path, key: str, column: str = "BilledCost") -> dict:
    return {k: Decimal(v) for k, v in q(db, f"SELECT {key}, sum({column}) FROM costs GROUP BY 1")}


def d(text: Any) -> Decimal:
    if text is None or text == "":
        return ZERO
    return Decimal(str(text))


def names(output: str, *parts: str) -> None:
    low = output.lower()
    missing = [p for p in parts if p.lower() not in low]
    assert not missing, f"the message does not name {missing}: {output!r}"


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def write_csv(
    path: Path,
    header: list[str],
    rows: list[dict[str, Any]],
    *,
    gz: bool = False,
    delimiter: str = ",",
    quote_all: bool = False,
) -> Path:
    buf = io.StringIO()
    w = csv.DictWriter(
        buf,
        fieldnames=header,
        lineterminator="\n",
        delimiter=delimiter,
        extrasaction="ignore",
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
    )
    w.writeheader()
    w.writerows(rows)
    data = buf.getvalue().encode("utf-8")
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def write_jsonl(path: Path, rows: list[dict], *, gz: bool = False) -> Path:
    data = "".join(json.dumps(r) + "\n" for r in rows).encode("utf-8")
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


# --- FOCUS files --------------------------------------------------------------------------------------------

# FOCUS 1.2's columns (the specification's column list), in specification order
FOCUS_12 = [
    "AvailabilityZone",
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingAccountType",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "CapacityReservationId",
    "CapacityReservationStatus",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargeFrequency",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "CommitmentDiscountCategory",
    "CommitmentDiscountId",
    "CommitmentDiscountName",
    "CommitmentDiscountQuantity",
    "CommitmentDiscountStatus",
    "CommitmentDiscountType",
    "CommitmentDiscountUnit",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractedCost",
    "ContractedUnitPrice",
    "EffectiveCost",
    "InvoiceId",
    "InvoiceIssuerName",
    "ListCost",
    "ListUnitPrice",
    "PricingCategory",
    "PricingCurrency",
    "PricingCurrencyContractedUnitPrice",
    "PricingCurrencyEffectiveCost",
    "PricingCurrencyListUnitPrice",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "RegionId",
    "RegionName",
    "ResourceId",
    "ResourceName",
    "ResourceType",
    "ServiceCategory",
    "ServiceName",
    "ServiceSubcategory",
    "SkuId",
    "SkuMeter",
    "SkuPriceDetails",
    "SkuPriceId",
    "SubAccountId",
    "SubAccountName",
    "SubAccountType",
    "Tags",
]
# added in 1.1 (ServiceSubcategory, SkuMeter, SkuPriceDetails, CommitmentDiscountQuantity/Unit, CapacityReservation*)
# and in 1.2 (BillingAccountType, SubAccountType, InvoiceId, PricingCurrency*): a 1.0 file has none of them
ADDED_11 = {
    "CapacityReservationId",
    "CapacityReservationStatus",
    "CommitmentDiscountQuantity",
    "CommitmentDiscountUnit",
    "ServiceSubcategory",
    "SkuMeter",
    "SkuPriceDetails",
}
ADDED_12 = {
    "BillingAccountType",
    "SubAccountType",
    "InvoiceId",
    "PricingCurrency",
    "PricingCurrencyContractedUnitPrice",
    "PricingCurrencyEffectiveCost",
    "PricingCurrencyListUnitPrice",
}
FOCUS_11 = [c for c in FOCUS_12 if c not in ADDED_12]
FOCUS_10 = [c for c in FOCUS_11 if c not in ADDED_11]
# Microsoft's FocusCost 1.0 extension columns (a selection of those its schema lists)
MS_X = [
    "x_AccountName",
    "x_BilledCostInUsd",
    "x_BillingAccountId",
    "x_BillingProfileId",
    "x_BillingProfileName",
    "x_CostCenter",
    "x_EffectiveCostInUsd",
    "x_InvoiceSectionName",
    "x_PricingBlockSize",
    "x_ResourceGroupName",
    "x_SkuMeterCategory",
    "x_SkuMeterSubcategory",
]
# AWS's FOCUS 1.0 with AWS columns
AWS_X = ["x_CostCategories", "x_Discounts", "x_Operation", "x_ServiceCode", "x_UsageType"]


def focus_row(
    day: int,
    cost: str,
    *,
    month: str = "2026-10",
    account: str = "acct-27",
    provider: str = "OpenAI",
    currency: str = "USD",
    category: str = "Usage",
    model: str = "gpt-4.1",
    hour: int = 0,
    effective: str | None = None,
) -> dict[str, str]:
    y, m = (int(x) for x in month.split("-"))
    start = dt.datetime(y, m, day, hour, tzinfo=dt.UTC)
    end = start + dt.timedelta(days=1) if hour == 0 else start + dt.timedelta(hours=1)
    period_end = dt.datetime(y + (m == 12), m % 12 + 1, 1, tzinfo=dt.UTC)

    def iso(t: dt.datetime) -> str:
        return t.strftime("%Y-%m-%dT%H:%M:%SZ")

    return {
        "AvailabilityZone": "",
        "BilledCost": cost,
        "BillingAccountId": account,
        "BillingAccountName": "Probe 27 Inc",
        "BillingAccountType": "Organization",
        "BillingCurrency": currency,
        "BillingPeriodEnd": iso(period_end),
        "BillingPeriodStart": f"{month}-01T00:00:00Z",
        "CapacityReservationId": "",
        "CapacityReservationStatus": "",
        "ChargeCategory": category,
        "ChargeClass": "",
        "ChargeDescription": f"{model} input tokens",
        "ChargeFrequency": "Usage-Based" if category == "Usage" else "One-Time",
        "ChargePeriodEnd": iso(end),
        "ChargePeriodStart": iso(start),
        "CommitmentDiscountCategory": "",
        "CommitmentDiscountId": "",
        "CommitmentDiscountName": "",
        "CommitmentDiscountQuantity": "",
        "CommitmentDiscountStatus": "",
        "CommitmentDiscountType": "",
        "CommitmentDiscountUnit": "",
        "ConsumedQuantity": "1000000" if category == "Usage" else "",
        "ConsumedUnit": "Tokens" if category == "Usage" else "",
        "ContractedCost": cost,
        "ContractedUnitPrice": "",
        "EffectiveCost": cost if effective is None else effective,
        "InvoiceId": "",
        "InvoiceIssuerName": provider,
        "ListCost": cost,
        "ListUnitPrice": "",
        "PricingCategory": "Standard" if category == "Usage" else "",
        "PricingCurrency": currency,
        "PricingCurrencyContractedUnitPrice": "",
        "PricingCurrencyEffectiveCost": cost,
        "PricingCurrencyListUnitPrice": "",
        "PricingQuantity": "1" if category == "Usage" else "",
        "PricingUnit": "1M Tokens" if category == "Usage" else "",
        "ProviderName": provider,
        "PublisherName": provider,
        "RegionId": "",
        "RegionName": "",
        "ResourceId": f"proj_27/{model}",
        "ResourceName": model,
        "ResourceType": "Model",
        "ServiceCategory": "AI and Machine Learning",
        "ServiceName": f"{provider} API",
        "ServiceSubcategory": "Generative AI",
        "SkuId": f"sku-{model}",
        "SkuMeter": "Input Tokens",
        "SkuPriceDetails": "",
        "SkuPriceId": f"price-{model}",
        "SubAccountId": "proj_27",
        "SubAccountName": "probe-27",
        "SubAccountType": "Project",
        "Tags": '{"team":"search"}',
    }


def focus_rows(month: str = "2026-10", days: int = 5, **kw: Any) -> list[dict[str, str]]:
    costs = ["12.5", "0.0000001", "7.125", "3.3333333333", "100"]
    return [focus_row(i + 1, costs[i % len(costs)], month=month, **kw) for i in range(days)]


def fsum(rows: list[dict[str, str]], col: str = "BilledCost", conv=lambda v: v) -> Decimal:
    return sum((d(conv(r[col])) for r in rows), ZERO)


def test_focus_12_file_totals_to_the_cent(tmp_path: Path) -> None:
    rows = focus_rows()
    db = fresh(tmp_path)
    ok(imp("focus", db, write_csv(tmp_path / "f.csv", FOCUS_12, rows)))
    assert state(db) == (len(rows), fsum(rows), fsum(rows, "EffectiveCost"))


def test_focus_columns_in_reverse_order_give_the_same_totals(tmp_path: Path) -> None:
    rows = focus_rows()
    db = fresh(tmp_path)
    ok(imp("focus", db, write_csv(tmp_path / "f.csv", FOCUS_12[::-1], rows)))
    assert state(db) == (len(rows), fsum(rows), fsum(rows, "EffectiveCost"))
    assert by(db, "ChargePeriodStart::date::varchar") == {
        r["ChargePeriodStart"][:10]: d(r["BilledCost"]) for r in rows
    }


def test_focus_extra_unknown_columns_are_kept_and_do_not_change_totals(tmp_path: Path) -> None:
    rows = focus_rows()
    for i, r in enumerate(rows):
        r["CostCenterCode"] = f"CC-{i}"
        r["Amount"] = "999"  # a vendor column that looks like money must not be read as the cost
    db = fresh(tmp_path)
    ok(imp("focus", db, write_csv(tmp_path / "f.csv", [*FOCUS_12, "CostCenterCode", "Amount"], rows)))
    assert state(db) == (len(rows), fsum(rows), fsum(rows, "EffectiveCost"))
    kept = q(db, "SELECT count(*) FROM costs WHERE CAST(x_Extra AS VARCHAR) LIKE '%CC-3%'")
    assert kept == [(1,)]


def test_focus_10_file_with_microsoft_x_columns_in_eur_keeps_the_billing_currency(tmp_path: Path) -> None:
    """Microsoft's FocusCost 1.0: no SkuMeter/SkuPriceDetails/ServiceSubcategory; x_BilledCostInUsd beside EUR."""
    rows = focus_rows(currency="EUR", provider="Microsoft")
    for r in rows:
        r["x_BilledCostInUsd"] = str(d(r["BilledCost"]) * Decimal("1.08"))
        r["x_EffectiveCostInUsd"] = r["x_BilledCostInUsd"]
        r["x_BillingAccountId"] = "ba-27"
        r["x_BillingProfileId"] = "acct-27"
        r["x_ResourceGroupName"] = "rg-ai"
        r["x_PricingBlockSize"] = "1000"
    db = fresh(tmp_path)
    ok(imp("focus", db, write_csv(tmp_path / "ms10.csv", FOCUS_10 + MS_X, rows)))
    assert by(db, "BillingCurrency") == {"EUR": fsum(rows)}
    assert total(db, "EffectiveCost") == fsum(rows, "EffectiveCost")


def test_focus_10_file_from_aws_with_aws_columns_totals(tmp_path: Path) -> None:
    rows = focus_rows(provider="AWS", account="999988887777")
    for r in rows:
        r["x_ServiceCode"] = "AmazonBedrock"
        r["x_UsageType"] = "USE1-Claude4.6Sonnet-input-tokens"
        r["x_Operation"] = "InvokeModel"
        r["x_CostCategories"] = "{}"
        r["x_Discounts"] = ""
    db = fresh(tmp_path)
    ok(imp("focus", db, write_csv(tmp_path / "aws10.csv", FOCUS_10 + AWS_X, rows)))
    assert state(db) == (len(rows), fsum(rows), fsum(rows, "EffectiveCost"))


def test_focus_11_file_keeps_service_subcategory_and_sku_price_details(tmp_path: Path) -> None:
    rows = focus_rows()
    for r in rows:
        r["SkuPriceDetails"] = '{"x_TokenDirection":"input","CoreCount":null}'
        r["CommitmentDiscountQuantity"] = ""
    db = fresh(tmp_path)
    ok(imp("focus", db, write_csv(tmp_path / "f11.csv", FOCUS_11, rows)))
    assert total(db) == fsum(rows)
    assert q(db, "SELECT DISTINCT ServiceSubcategory FROM costs") == [("Generative AI",)]


def test_focus_10_preview_names_are_imported_exactly_or_refused_naming_the_columns(tmp_path: Path) -> None:
    """FOCUS 1.0-preview/0.5 spellings: AmortizedCost, ChargeType, UsageQuantity, UsageUnit, Region."""
    rename = {
        "EffectiveCost": "AmortizedCost",
        "ChargeCategory": "ChargeType",
        "ConsumedQuantity": "UsageQuantity",
        "ConsumedUnit": "UsageUnit",
        "RegionName": "Region",
    }
    rows = [{rename.get(k, k): v for k, v in r.items()} for r in focus_rows()]
    header = [rename.get(c, c) for c in FOCUS_10 if c != "RegionId"]
    db = fresh(tmp_path)
    run = imp("focus", db, write_csv(tmp_path / "preview.csv", header, rows))
    if run.code != 0:
        names(run.output, "preview.csv")
        assert "effectivecost" in run.output.lower() or "amortizedcost" in run.output.lower(), run.output
        assert state(db)[0] == 0
        return
    assert total(db, "EffectiveCost") == fsum(rows, "AmortizedCost")
    assert total(db) == fsum(rows)


def test_focus_empty_optional_columns_stay_unknown_not_zero(tmp_path: Path) -> None:
    rows = focus_rows()
    for r in rows[::2]:
        r["ListCost"] = ""
        r["ContractedCost"] = ""
        r["ConsumedQuantity"] = ""
        r["Tags"] = ""
    db = fresh(tmp_path)
    ok(imp("focus", db, write_csv(tmp_path / "f.csv", FOCUS_12, rows)))
    assert total(db) == fsum(rows)
    with_list = [r for r in rows if r["ListCost"]]
    assert q(db, "SELECT count(ListCost), sum(ListCost) FROM costs") == [
        (len(with_list), fsum(with_list, "ListCost"))
    ]


def test_focus_only_the_mandatory_columns_import(tmp_path: Path) -> None:
    """A file of FOCUS 1.2's mandatory columns only (a user's column selection)."""
    mandatory = [
        "BilledCost",
        "BillingAccountId",
        "BillingAccountName",
        "BillingCurrency",
        "BillingPeriodEnd",
        "BillingPeriodStart",
        "ChargeCategory",
        "ChargeClass",
        "ChargeDescription",
        "ChargePeriodEnd",
        "ChargePeriodStart",
        "ContractedCost",
        "EffectiveCost",
        "InvoiceIssuerName",
        "ListCost",
        "PricingQuantity",
        "PricingUnit",
        "ProviderName",
        "PublisherName",
        "ServiceCategory",
        "ServiceName",
    ]
    rows = focus_rows()
    db = fresh(tmp_path)
    ok(imp("focus", db, write_csv(tmp_path / "min.csv", mandatory, rows)))
    assert state(db) == (len(rows), fsum(rows), fsum(rows, "EffectiveCost"))


def test_focus_quoted_numbers_with_exponents_are_exact(tmp_path: Path) -> None:
    rows = focus_rows()
    for r, number in zip(rows, ["1E-7", "2.5E+2", "-3.0e-05", "1.23456789e3"], strict=False):
        r["BilledCost"] = r["EffectiveCost"] = number
    db = fresh(tmp_path)
    ok(imp("focus", db, write_csv(tmp_path / "exp.csv", FOCUS_12, rows, quote_all=True)))
    assert total(db) == fsum(rows)
    assert total(db, "EffectiveCost") == fsum(rows, "EffectiveCost")


def test_focus_negative_credits_net_against_usage(tmp_path: Path) -> None:
    rows = focus_rows()
    rows.append(focus_row(3, "-12.34", category="Credit"))
    rows.append(focus_row(4, "-0.0000005", category="Credit"))
    db = fresh(tmp_path)
    ok(imp("focus", db, write_csv(tmp_path / "credits.csv", FOCUS_12, rows)))
    assert total(db) == fsum(rows)
    assert total(db, where="ChargeCategory = 'Credit'") == Decimal("-12.3400005")


@pytest.mark.parametrize(
    "fmt",
    [
        "%Y-%m-%dT%H:%M:%S.000Z",
        "%Y-%m-%dT%H:%M:%S+00:00",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%MZ",
        "%Y-%m-%d",
    ],
)
def test_focus_iso_date_spellings_give_the_same_days(tmp_path: Path, fmt: str) -> None:
    rows = focus_rows()
    for r in rows:
        for c in ("ChargePeriodStart", "ChargePeriodEnd", "BillingPeriodStart", "BillingPeriodEnd"):
            t = dt.datetime.strptime(r[c], "%Y-%m-%dT%H:%M:%SZ")
            r[c] = t.strftime(fmt)
    db = fresh(tmp_path)
    ok(imp("focus", db, write_csv(tmp_path / "dates.csv", FOCUS_12, rows)))
    want = {dt.date(2026, 10, i + 1): d(r["BilledCost"]) for i, r in enumerate(rows)}
    assert by(db, "ChargePeriodStart::date") == want


def test_focus_offset_dates_are_stored_as_the_utc_instant(tmp_path: Path) -> None:
    """2026-11-01T01:30:00+02:00 is 2026-10-31 23:30 UTC: October's cost, not November's."""
    rows = [focus_row(31 if i == 0 else i + 1, "5", hour=23) for i in range(2)]
    for r in rows:
        start = dt.datetime.strptime(r["ChargePeriodStart"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
        plus2 = dt.timezone(dt.timedelta(hours=2))
        r["ChargePeriodStart"] = start.astimezone(plus2).isoformat()
        r["ChargePeriodEnd"] = (start + dt.timedelta(hours=1)).astimezone(plus2).isoformat()
    rows[1]["BilledCost"] = rows[1]["EffectiveCost"] = "7"
    db = fresh(tmp_path)
    ok(imp("focus", db, write_csv(tmp_path / "offset.csv", FOCUS_12, rows)))
    got = q(db, "SELECT strftime(ChargePeriodStart, '%Y-%m-%d %H:%M'), BilledCost FROM costs ORDER BY 1")
    assert got == [("2026-10-02 23:00", Decimal("7")), ("2026-10-31 23:00", Decimal("5"))]


def test_focus_hourly_rows_with_milliseconds_keep_each_hour(tmp_path: Path) -> None:
    rows = [focus_row(2, f"0.{h + 1:02d}", hour=h) for h in range(1, 6)]
    for r in rows:
        r["ChargePeriodStart"] = r["ChargePeriodStart"].replace("Z", ".123Z")
        r["ChargePeriodEnd"] = r["ChargePeriodEnd"].replace("Z", ".123Z")
    db = fresh(tmp_path)
    ok(imp("focus", db, write_csv(tmp_path / "hourly.csv", FOCUS_12, rows)))
    assert q(db, "SELECT count(DISTINCT ChargePeriodStart), sum(BilledCost) FROM costs") == [(5, fsum(rows))]


def test_focus_multi_currency_file_keeps_each_currencys_total(tmp_path: Path) -> None:
    rows = (
        focus_rows()
        + focus_rows(currency="EUR", account="acct-27-eu")
        + focus_rows(currency="JPY", account="jp")
    )
    for r in rows:
        if r["BillingCurrency"] == "JPY":
            r["BilledCost"] = r["EffectiveCost"] = str(int(d(r["BilledCost"]) * 150) + 1)
    db = fresh(tmp_path)
    ok(imp("focus", db, write_csv(tmp_path / "multi.csv", FOCUS_12, rows)))
    want: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        want[r["BillingCurrency"]] += d(r["BilledCost"])
    assert by(db, "BillingCurrency") == dict(want)


def test_focus_restated_month_replaces_and_a_removed_row_is_gone(tmp_path: Path) -> None:
    rows = focus_rows(days=10)
    db = fresh(tmp_path)
    ok(imp("focus", db, write_csv(tmp_path / "v1.csv", FOCUS_12, rows)))
    v2 = [dict(r) for r in rows if not r["ChargePeriodStart"].startswith("2026-10-04")]
    for r in v2[:3]:
        r["BilledCost"] = r["EffectiveCost"] = str(d(r["BilledCost"]) + Decimal("0.01"))
    ok(imp("focus", db, write_csv(tmp_path / "v2.csv", FOCUS_12, v2)))
    assert state(db) == (len(v2), fsum(v2), fsum(v2, "EffectiveCost"))


def test_focus_a_file_whose_months_overlap_an_earlier_import_replaces_only_the_shared_month(
    tmp_path: Path,
) -> None:
    sep, octo, nov = focus_rows("2026-09"), focus_rows("2026-10"), focus_rows("2026-11")
    db = fresh(tmp_path)
    ok(imp("focus", db, write_csv(tmp_path / "sep-oct.csv", FOCUS_12, sep + octo)))
    octo2 = [dict(r) for r in octo]
    for r in octo2:
        r["BilledCost"] = r["EffectiveCost"] = str(d(r["BilledCost"]) * 2)
    ok(imp("focus", db, write_csv(tmp_path / "oct-nov.csv", FOCUS_12, octo2 + nov)))
    got = by(db, "strftime(BillingPeriodStart, '%Y-%m')")
    assert got == {"2026-09": fsum(sep), "2026-10": fsum(octo2), "2026-11": fsum(nov)}


def test_focus_the_same_file_twice_adds_nothing(tmp_path: Path) -> None:
    rows = focus_rows()
    path = write_csv(tmp_path / "f.csv", FOCUS_12, rows)
    db = fresh(tmp_path)
    ok(imp("focus", db, path))
    first = state(db)
    ok(imp("focus", db, path))
    ok(imp("focus", db, path, path))
    assert state(db) == first == (len(rows), fsum(rows), fsum(rows, "EffectiveCost"))


def focus_parquet(path: Path, rows: list[dict[str, str]], header: list[str]) -> Path:
    cols: dict[str, Any] = {}
    for c in header:
        vals = [r.get(c, "") for r in rows]
        if c in ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost"):
            cols[c] = pa.array([Decimal(v) if v else None for v in vals], pa.decimal128(38, 12))
        elif c in ("ConsumedQuantity", "PricingQuantity"):
            cols[c] = pa.array([float(v) if v else None for v in vals], pa.float64())
        elif c.endswith(("PeriodStart", "PeriodEnd")):
            cols[c] = pa.array(
                [dt.datetime.strptime(v, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC) for v in vals],
                pa.timestamp("ms", tz="UTC"),
            )
        elif c == "Tags":
            cols[c] = pa.array(
                [list(json.loads(v).items()) if v else None for v in vals], pa.map_(pa.string(), pa.string())
            )
        else:
            cols[c] = pa.array([v or None for v in vals], pa.string())
    pq.write_table(pa.table(cols), path)
    return path


def test_focus_parquet_with_decimal_costs_and_map_tags_totals_and_tags(tmp_path: Path) -> None:
    rows = focus_rows()
    rows[2]["Tags"] = '{"team":"ads"}'
    db = fresh(tmp_path)
    ok(imp("focus", db, focus_parquet(tmp_path / "f.parquet", rows, FOCUS_12)))
    assert state(db) == (len(rows), fsum(rows), fsum(rows, "EffectiveCost"))
    assert total(db, where="Tags->>'team' = 'ads'") == d(rows[2]["BilledCost"])


def test_focus_folder_of_mixed_parts_csv_gzip_parquet_adds_up_once(tmp_path: Path) -> None:
    rows = focus_rows(days=9)
    folder = tmp_path / "export"
    folder.mkdir()
    write_csv(folder / "part-00001.csv", FOCUS_12, rows[:3])
    write_csv(folder / "part-00002.csv.gz", FOCUS_12, rows[3:6], gz=True)
    focus_parquet(folder / "part-00003.parquet", rows[6:], FOCUS_12)
    db = fresh(tmp_path)
    ok(imp("focus", db, folder))
    ok(imp("focus", db, folder))
    assert state(db) == (len(rows), fsum(rows), fsum(rows, "EffectiveCost"))


def test_focus_parts_given_as_files_with_columns_in_different_orders_add_up(tmp_path: Path) -> None:
    rows = focus_rows(days=6)
    a = write_csv(tmp_path / "part-1.csv", FOCUS_12, rows[:3])
    b = write_csv(tmp_path / "part-2.csv", FOCUS_12[::-1], rows[3:])
    db = fresh(tmp_path)
    ok(imp("focus", db, a, b))
    assert state(db) == (len(rows), fsum(rows), fsum(rows, "EffectiveCost"))


def test_focus_missing_billed_cost_is_refused_naming_the_column(tmp_path: Path) -> None:
    rows = focus_rows()
    db = fresh(tmp_path)
    run = imp(
        "focus", db, write_csv(tmp_path / "nobilled.csv", [c for c in FOCUS_12 if c != "BilledCost"], rows)
    )
    assert run.code != 0
    names(run.output, "nobilled.csv", "BilledCost")
    assert state(db)[0] == 0


def test_focus_missing_charge_period_start_is_refused_naming_the_column(tmp_path: Path) -> None:
    rows = focus_rows()
    db = fresh(tmp_path)
    header = [c for c in FOCUS_12 if c != "ChargePeriodStart"]
    run = imp("focus", db, write_csv(tmp_path / "nostart.csv", header, rows))
    assert run.code != 0
    names(run.output, "nostart.csv", "ChargePeriodStart")
    assert state(db)[0] == 0


def test_focus_an_unknown_layout_is_refused_with_what_is_missing(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "finance.csv",
        ["Date", "Vendor", "Amount", "Team"],
        [{"Date": "2026-10-01", "Vendor": "OpenAI", "Amount": "12.50", "Team": "search"}],
    )
    db = fresh(tmp_path)
    run = imp("focus", db, path)
    assert run.code != 0
    names(run.output, "finance.csv", "BilledCost")
    assert state(db)[0] == 0


def test_focus_a_bad_number_names_file_row_column_and_keeps_the_store(tmp_path: Path) -> None:
    db = fresh(tmp_path)
    ok(imp("focus", db, write_csv(tmp_path / "good.csv", FOCUS_12, focus_rows("2026-09"))))
    before = state(db)
    rows = focus_rows()
    rows[2]["EffectiveCost"] = "12,34"
    run = imp("focus", db, write_csv(tmp_path / "bad.csv", FOCUS_12, rows))
    assert run.code != 0
    names(run.output, "bad.csv", "row 3", "EffectiveCost", "12,34")
    assert state(db) == before


def test_focus_a_bad_date_names_file_row_column_and_keeps_the_store(tmp_path: Path) -> None:
    db = fresh(tmp_path)
    ok(imp("focus", db, write_csv(tmp_path / "good.csv", FOCUS_12, focus_rows("2026-09"))))
    before = state(db)
    rows = focus_rows()
    rows[4]["ChargePeriodStart"] = "2026-10-32T00:00:00Z"
    run = imp("focus", db, write_csv(tmp_path / "bad.csv", FOCUS_12, rows))
    assert run.code != 0
    names(run.output, "bad.csv", "row 5", "ChargePeriodStart", "2026-10-32")
    assert state(db) == before


def test_focus_semicolon_delimited_file_gives_the_same_totals(tmp_path: Path) -> None:
    rows = focus_rows()
    db = fresh(tmp_path)
    ok(imp("focus", db, write_csv(tmp_path / "semi.csv", FOCUS_12, rows, delimiter=";")))
    assert state(db) == (len(rows), fsum(rows), fsum(rows, "EffectiveCost"))


def test_focus_lowercase_header_is_read_or_refused_never_half_read(tmp_path: Path) -> None:
    """Some tools write FOCUS column names in lower case (`billedcost`): either read exactly or refused."""
    rows = [{k.lower(): v for k, v in r.items()} for r in focus_rows()]
    db = fresh(tmp_path)
    run = imp("focus", db, write_csv(tmp_path / "lower.csv", [c.lower() for c in FOCUS_12], rows))
    if run.code != 0:
        names(run.output, "lower.csv")
        assert state(db)[0] == 0
        return
    assert state(db) == (len(rows), fsum(rows, "billedcost"), fsum(rows, "effectivecost"))


def test_focus_bom_and_crlf_give_the_same_totals(tmp_path: Path) -> None:
    rows = focus_rows()
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=FOCUS_12, lineterminator="\r\n")
    w.writeheader()
    w.writerows(rows)
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))
    db = fresh(tmp_path)
    ok(imp("focus", db, path))
    assert state(db) == (len(rows), fsum(rows), fsum(rows, "EffectiveCost"))


def test_focus_json_cells_with_commas_quotes_and_newlines_do_not_shift_columns(tmp_path: Path) -> None:
    rows = focus_rows()
    for r in rows:
        r["SkuPriceDetails"] = '{"x_Note":"tier 1, \\"batch\\"","x_Lines":"a\\nb"}'
        r["ChargeDescription"] = 'Input tokens, "gpt-4.1"\nsecond line'
        r["Tags"] = '{"team":"search","cost-center":123,"shared":true}'
    db = fresh(tmp_path)
    ok(imp("focus", db, write_csv(tmp_path / "json.csv", FOCUS_12, rows)))
    assert state(db) == (len(rows), fsum(rows), fsum(rows, "EffectiveCost"))
    assert total(db, where="Tags->>'cost-center' = '123'") == fsum(rows)


def test_focus_an_older_month_to_date_export_after_a_newer_one_keeps_the_newer(tmp_path: Path) -> None:
    rows = focus_rows(days=10)
    db = fresh(tmp_path)
    ok(imp("focus", db, write_csv(tmp_path / "oct-10.csv", FOCUS_12, rows)))
    imp("focus", db, write_csv(tmp_path / "oct-05.csv", FOCUS_12, rows[:5]))
    assert state(db) == (len(rows), fsum(rows), fsum(rows, "EffectiveCost"))


def test_focus_aws_parquet_with_map_x_columns_totals(tmp_path: Path) -> None:
    """AWS FOCUS 1.0 with AWS columns in Parquet: x_CostCategories and x_Discounts are MAP columns."""
    rows = focus_rows(provider="AWS", account="999988887777")
    path = focus_parquet(tmp_path / "aws.parquet", rows, FOCUS_10)
    table = pq.read_table(path)
    table = table.append_column(
        "x_CostCategories", pa.array([[("team", "search")]] * len(rows), pa.map_(pa.string(), pa.string()))
    )
    table = table.append_column(
        "x_Discounts",
        pa.array([[("bundled_discount", -0.5)]] * len(rows), pa.map_(pa.string(), pa.float64())),
    )
    table = table.append_column("x_ServiceCode", pa.array(["AmazonBedrock"] * len(rows)))
    pq.write_table(table, path)
    db = fresh(tmp_path)
    ok(imp("focus", db, path))
    assert state(db) == (len(rows), fsum(rows), fsum(rows, "EffectiveCost"))


# --- the one-bill rule with a FOCUS file's own billing profile ----------------------------------------------

MCA_HEADER = [
    "invoiceId",
    "billingAccountId",
    "billingAccountName",
    "billingProfileId",
    "billingProfileName",
    "invoiceSectionId",
    "invoiceSectionName",
    "billingPeriodStartDate",
    "billingPeriodEndDate",
    "date",
    "serviceFamily",
    "meterId",
    "meterName",
    "meterCategory",
    "meterSubCategory",
    "meterRegion",
    "ProductName",
    "SubscriptionId",
    "subscriptionName",
    "resourceGroupName",
    "resourceId",
    "resourceLocation",
    "quantity",
    "unitOfMeasure",
    "effectivePrice",
    "costInBillingCurrency",
    "costInUsd",
    "billingCurrency",
    "chargeType",
    "frequency",
    "pricingModel",
    "publisherType",
    "tags",
]


def mca_rows(profile: str, account: str = "ba-27:mca", currency: str = "USD", days: int = 4) -> list[dict]:
    out = []
    for i in range(days):
        cost = Decimal("1.25") * (i + 1)
        out.append(
            {
                "invoiceId": "",
                "billingAccountId": account,
                "billingAccountName": "Probe 27",
                "billingProfileId": profile,
                "billingProfileName": f"profile {profile}",
                "invoiceSectionId": "is-1",
                "invoiceSectionName": "AI",
                "billingPeriodStartDate": "10/01/2026",
                "billingPeriodEndDate": "10/31/2026",
                "date": f"10/{i + 1:02d}/2026",
                "serviceFamily": "AI + Machine Learning",
                "meterId": f"m-{profile}",
                "meterName": "gpt-4o-mini-0718-Inp-glbl Tokens",
                "meterCategory": "Cognitive Services",
                "meterSubCategory": "Azure OpenAI",
                "meterRegion": "US East 2",
                "ProductName": "Azure OpenAI - gpt-4o-mini-0718-Inp-glbl Tokens",
                "SubscriptionId": f"sub-{profile}",
                "subscriptionName": "ai-prod",
                "resourceGroupName": "rg-ai",
                "resourceId": f"/subscriptions/sub-{profile}/resourceGroups/rg-ai/providers/x/y",
                "resourceLocation": "EastUS2",
                "quantity": "1000",
                "unitOfMeasure": "1K",
                "effectivePrice": str(cost / 1000),
                "costInBillingCurrency": str(cost),
                "costInUsd": str(cost * Decimal("1.1")) if currency != "USD" else str(cost),
                "billingCurrency": currency,
                "chargeType": "Usage",
                "frequency": "UsageBased",
                "pricingModel": "OnDemand",
                "publisherType": "Azure",
                "tags": '"team": "search"',
            }
        )
    return out


def ms_focus_rows(billing_account_id: str, profile: str, days: int = 4) -> list[dict[str, str]]:
    """Rows of a FOCUS file of one MCA billing profile that names the billing account in BillingAccountId."""
    rows = focus_rows(days=days, provider="Microsoft", account=billing_account_id)
    for r in rows:
        r["x_BillingProfileId"] = profile
        r["x_BillingAccountId"] = billing_account_id
    return rows


def test_focus_of_another_billing_profile_beside_an_mca_export_is_added(tmp_path: Path) -> None:
    """An MCA export of profile P1, then a FOCUS file (BillingAccountId = the billing account, x_BillingProfileId
    = P2): two bills of one account, neither replaces or blocks the other."""
    az = mca_rows("P1")
    db = fresh(tmp_path)
    ok(imp("azure", db, write_csv(tmp_path / "mca-p1.csv", MCA_HEADER, az)))
    fr = ms_focus_rows("ba-27:mca", "P2")
    ok(
        imp(
            "focus",
            db,
            write_csv(tmp_path / "focus-p2.csv", [*FOCUS_12, "x_BillingProfileId", "x_BillingAccountId"], fr),
        )
    )
    assert total(db) == fsum(az, "costInBillingCurrency") + fsum(fr)


def test_focus_of_the_same_billing_profile_as_an_mca_export_is_not_added_twice(tmp_path: Path) -> None:
    az = mca_rows("P1")
    db = fresh(tmp_path)
    ok(imp("azure", db, write_csv(tmp_path / "mca-p1.csv", MCA_HEADER, az)))
    fr = ms_focus_rows("ba-27:mca", "P1")
    run = imp(
        "focus",
        db,
        write_csv(tmp_path / "focus-p1.csv", [*FOCUS_12, "x_BillingProfileId", "x_BillingAccountId"], fr),
    )
    assert total(db) in (fsum(az, "costInBillingCurrency"), fsum(fr)), run.output


def test_focus_two_spellings_of_one_mca_bill_are_not_added_twice(tmp_path: Path) -> None:
    """Microsoft's own FOCUS export (BillingAccountId = profile P1), then a FOCUS file of the same bill naming the
    billing account with x_BillingProfileId = P1 (e.g. spendscope's own `export focus`)."""
    ms = focus_rows(days=4, provider="Microsoft", account="P1")
    for r in ms:
        r["x_BillingProfileId"] = "P1"
        r["x_BillingAccountId"] = "ba-27:mca"
    hdr = [*FOCUS_12, "x_BillingProfileId", "x_BillingAccountId"]
    db = fresh(tmp_path)
    ok(imp("focus", db, write_csv(tmp_path / "ms-focus.csv", hdr, ms)))
    other = ms_focus_rows("ba-27:mca", "P1")
    run = imp("focus", db, write_csv(tmp_path / "tool-focus.csv", hdr, other))
    assert total(db) in (fsum(ms), fsum(other)), run.output


# --- AWS CUR ------------------------------------------------------------------------------------------------

CUR_COST = "line_item_unblended_cost"


def cur2() -> tuple[list[str], list[dict[str, str]]]:
    return read_csv(CUR2)


def test_cur_columns_in_another_order_with_extra_columns_total(tmp_path: Path) -> None:
    header, rows = cur2()
    for r in rows:
        r["split_line_item_split_cost"] = "123.45"
        r["discount_total_discount"] = "0"
        r["my_custom_cost"] = "9999"
    extra = [*header[::-1], "split_line_item_split_cost", "discount_total_discount", "my_custom_cost"]
    db = fresh(tmp_path)
    ok(imp("aws-cur", db, write_csv(tmp_path / "cur.csv", extra, rows)))
    assert total(db) == fsum(rows, CUR_COST)


def test_cur_a_minimal_column_selection_of_data_exports_totals(tmp_path: Path) -> None:
    """Data Exports let the user pick columns: a selection without pricing, reservation or savings plan columns."""
    header, rows = cur2()
    rows = [r for r in rows if r["line_item_line_item_type"] in ("Usage", "Credit", "Tax", "Refund")]
    keep = [
        "identity_line_item_id",
        "bill_payer_account_id",
        "bill_billing_period_start_date",
        "bill_billing_period_end_date",
        "line_item_usage_account_id",
        "line_item_line_item_type",
        "line_item_usage_start_date",
        "line_item_usage_end_date",
        "line_item_product_code",
        "line_item_usage_type",
        "line_item_usage_amount",
        "line_item_currency_code",
        CUR_COST,
    ]
    db = fresh(tmp_path)
    ok(imp("aws-cur", db, write_csv(tmp_path / "min.csv", keep, rows)))
    assert total(db) == fsum(rows, CUR_COST)
    assert total(db, "EffectiveCost") == fsum(rows, CUR_COST)


def test_cur_costs_with_exponents_are_exact(tmp_path: Path) -> None:
    header, rows = cur2()
    rows[0][CUR_COST] = "3.6E-7"
    rows[1][CUR_COST] = "1.5e+1"
    rows[2][CUR_COST] = "-2.5E-3"
    db = fresh(tmp_path)
    ok(imp("aws-cur", db, write_csv(tmp_path / "cur.csv", header, rows, quote_all=True)))
    assert total(db) == fsum(rows, CUR_COST)


def test_cur_legacy_tags_in_resource_tags_columns_are_queryable(tmp_path: Path) -> None:
    header, rows = read_csv(CUR_LEGACY)
    db = fresh(tmp_path)
    ok(imp("aws-cur", db, CUR_LEGACY))
    want = sum(
        (d(r["lineItem/UnblendedCost"]) for r in rows if r["resourceTags/user:team"] == "search"), ZERO
    )
    got = total(db, where="coalesce(Tags->>'user:team', Tags->>'team', Tags->>'user_team') = 'search'")
    assert got == want > 0


def test_cur_legacy_with_exponent_costs_and_an_extra_tag_column_totals(tmp_path: Path) -> None:
    header, rows = read_csv(CUR_LEGACY)
    rows[0]["lineItem/UnblendedCost"] = "3.6E-1"
    for r in rows:
        r["resourceTags/user:cost-center"] = "cc-9"
    db = fresh(tmp_path)
    ok(
        imp(
            "aws-cur",
            db,
            write_csv(tmp_path / "legacy.csv", [*header, "resourceTags/user:cost-center"], rows),
        )
    )
    assert total(db) == fsum(rows, "lineItem/UnblendedCost")
    assert total(db, where="coalesce(Tags->>'user:cost-center', Tags->>'cost-center') = 'cc-9'") == total(db)


def test_cur_folder_of_gzip_and_parquet_parts_of_one_delivery_adds_up(tmp_path: Path) -> None:
    header, rows = cur2()
    part = tmp_path / "export" / "data" / "BILLING_PERIOD=2026-04"
    part.mkdir(parents=True)
    write_csv(part / "cur-00001.csv.gz", header, rows[:10], gz=True)
    pq.write_table(pa.Table.from_pylist(rows[10:]), part / "cur-00002.snappy.parquet")
    db = fresh(tmp_path)
    ok(imp("aws-cur", db, tmp_path / "export"))
    assert total(db) == fsum(rows, CUR_COST)


def test_cur_missing_the_cost_column_is_refused_naming_it(tmp_path: Path) -> None:
    header, rows = cur2()
    db = fresh(tmp_path)
    cols = [c for c in header if c not in (CUR_COST, "line_item_blended_cost")]
    run = imp("aws-cur", db, write_csv(tmp_path / "nocost.csv", cols, rows))
    assert run.code != 0
    names(run.output, "nocost.csv", "unblended_cost")
    assert state(db)[0] == 0


def test_cur_dates_without_z_and_with_milliseconds_give_the_same_days(tmp_path: Path) -> None:
    header, rows = cur2()
    for i, r in enumerate(rows):
        for c in ("line_item_usage_start_date", "line_item_usage_end_date"):
            v = r[c]
            r[c] = v.replace("Z", ".000Z") if i % 2 else v.replace("T", " ").replace("Z", "")
    db = fresh(tmp_path)
    ok(imp("aws-cur", db, write_csv(tmp_path / "cur.csv", header, rows)))
    want: dict[dt.date, Decimal] = defaultdict(Decimal)
    for r in rows:
        want[dt.date.fromisoformat(r["line_item_usage_start_date"][:10])] += d(r[CUR_COST])
    assert by(db, "ChargePeriodStart::date") == dict(want)


# --- Azure --------------------------------------------------------------------------------------------------

AZ_COST = "CostInBillingCurrency"

PAYG_HEADER = [
    "SubscriptionGuid",
    "ResourceGroup",
    "ResourceLocation",
    "UsageDateTime",
    "MeterCategory",
    "MeterSubCategory",
    "MeterId",
    "MeterName",
    "MeterRegion",
    "UsageQuantity",
    "ResourceRate",
    "PreTaxCost",
    "ConsumedService",
    "ResourceType",
    "InstanceId",
    "Tags",
    "OfferId",
    "AdditionalInfo",
    "ServiceInfo1",
    "ServiceInfo2",
    "ServiceName",
    "ServiceTier",
    "Currency",
    "UnitOfMeasure",
]


def test_azure_pay_as_you_go_usage_file_is_imported_exactly_or_refused_naming_what_is_missing(
    tmp_path: Path,
) -> None:
    """Pay-as-you-go (MOSP) 'Cost and usage details (usage only)', schema 2019-11-01: no billing account or
    profile, no enrollment, PreTaxCost and UsageDateTime."""
    rows = []
    for i in range(4):
        rows.append(
            {
                "SubscriptionGuid": "11111111-2222-3333-4444-555555555555",
                "ResourceGroup": "rg-ai",
                "ResourceLocation": "eastus2",
                "UsageDateTime": f"2026-10-0{i + 1}",
                "MeterCategory": "Cognitive Services",
                "MeterSubCategory": "Azure OpenAI",
                "MeterId": "m-1",
                "MeterName": "gpt-4o-mini-0718-Inp-glbl Tokens",
                "MeterRegion": "US East 2",
                "UsageQuantity": "10",
                "ResourceRate": "0.00015",
                "PreTaxCost": f"{i + 1}.015",
                "ConsumedService": "Microsoft.CognitiveServices",
                "ResourceType": "Microsoft.CognitiveServices/accounts",
                "InstanceId": "/subscriptions/x/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/a",
                "Tags": '"team": "search"',
                "OfferId": "MS-AZR-0003P",
                "AdditionalInfo": "",
                "ServiceInfo1": "",
                "ServiceInfo2": "",
                "ServiceName": "Cognitive Services",
                "ServiceTier": "Azure OpenAI",
                "Currency": "USD",
                "UnitOfMeasure": "1K",
            }
        )
    db = fresh(tmp_path)
    run = imp("azure", db, write_csv(tmp_path / "payg.csv", PAYG_HEADER, rows))
    if run.code != 0:
        names(run.output, "payg.csv")
        assert "missing" in run.output.lower() or "pretaxcost" in run.output.lower(), run.output
        assert state(db)[0] == 0
        return
    assert total(db) == fsum(rows, "PreTaxCost")
    assert by(db, "BillingCurrency") == {"USD": fsum(rows, "PreTaxCost")}


def payg_usage_rows(subscription: str, scale: Decimal) -> list[dict[str, str]]:
    return [
        {
            "SubscriptionGuid": subscription,
            "UsageDateTime": f"2026-10-0{day}",
            "MeterCategory": "Cognitive Services",
            "MeterSubCategory": "Azure OpenAI",
            "MeterId": "m-1",
            "MeterName": "gpt-4o-mini-0718-Inp-glbl Tokens",
            "UsageQuantity": "10",
            "PreTaxCost": str(scale * day),
            "InstanceId": f"/subscriptions/{subscription}/resourceGroups/rg-ai/providers/x/accounts/a",
            "Currency": "USD",
            "UnitOfMeasure": "1K",
        }
        for day in range(1, 5)
    ]


def test_azure_pay_as_you_go_restating_one_subscription_keeps_the_others(tmp_path: Path) -> None:
    """Each pay-as-you-go subscription is billed on its own; its usage file names no billing account. Restating
    subscription B's month must leave subscription A's rows (added while fixing)."""
    a, b = payg_usage_rows("sub-a", Decimal("1.5")), payg_usage_rows("sub-b", Decimal(10))
    b2 = payg_usage_rows("sub-b", Decimal(20))
    db = fresh(tmp_path)
    for name, rows in (("a.csv", a), ("b.csv", b), ("b2.csv", b2)):
        ok(imp("azure", db, write_csv(tmp_path / name, PAYG_HEADER, rows)))
    assert by(db, "SubAccountId") == {"sub-a": fsum(a, "PreTaxCost"), "sub-b": fsum(b2, "PreTaxCost")}


def payg_modern(profile: str = "") -> tuple[list[str], list[dict[str, str]]]:
    """A pay-as-you-go subscription's cost details export in the EA-style schema: no enrollment, the billing
    profile empty (or the subscription), costs in the billing currency."""
    header, rows = read_csv(AZ_ACTUAL)
    rows = [dict(r) for r in rows if r["ChargeType"] == "Usage" and r["PricingModel"] == "OnDemand"]
    for r in rows:
        r["BillingProfileId"] = profile
        r["BillingProfileName"] = ""
        r["InvoiceSectionName"] = ""
        r["AccountName"] = ""
        r["AccountOwnerId"] = ""
        r["BillingAccountId"] = "pa-27"
        r["OfferId"] = "MS-AZR-0003P"
    return header, rows


def test_azure_pay_as_you_go_without_billing_profile_totals(tmp_path: Path) -> None:
    header, rows = payg_modern()
    db = fresh(tmp_path)
    ok(imp("azure", db, write_csv(tmp_path / "payg.csv", header, rows)))
    assert total(db) == fsum(rows, AZ_COST)


def test_azure_pay_as_you_go_restated_replaces(tmp_path: Path) -> None:
    header, rows = payg_modern()
    db = fresh(tmp_path)
    ok(imp("azure", db, write_csv(tmp_path / "v1.csv", header, rows)))
    v2 = [dict(r) for r in rows]
    for r in v2:
        r[AZ_COST] = str(d(r[AZ_COST]) * 3)
    ok(imp("azure", db, write_csv(tmp_path / "v2.csv", header, v2)))
    assert total(db) == fsum(v2, AZ_COST)


def test_azure_columns_in_another_order_and_an_extra_column_total(tmp_path: Path) -> None:
    header, rows = read_csv(AZ_ACTUAL)
    for r in rows:
        r["MyCustomCost"] = "1000"
    db = fresh(tmp_path)
    ok(imp("azure", db, write_csv(tmp_path / "reorder.csv", [*header[::-1], "MyCustomCost"], rows)))
    assert total(db) == fsum(rows, AZ_COST)


def test_azure_costs_with_exponents_are_exact(tmp_path: Path) -> None:
    header, rows = read_csv(AZ_ACTUAL)
    rows[0][AZ_COST] = "2.07345E-3"
    rows[1][AZ_COST] = "1.5E-05"
    db = fresh(tmp_path)
    ok(imp("azure", db, write_csv(tmp_path / "exp.csv", header, rows, quote_all=True)))
    assert total(db) == fsum(rows, AZ_COST)


def test_azure_iso_dates_instead_of_slashes_give_the_same_days(tmp_path: Path) -> None:
    header, rows = read_csv(AZ_ACTUAL)

    def iso(v: str) -> str:
        m, dd, y = v.split("/")
        return f"{y}-{int(m):02d}-{int(dd):02d}"

    for i, r in enumerate(rows):
        r["Date"] = iso(r["Date"]) + ("T00:00:00Z" if i % 2 else "")
        r["BillingPeriodStartDate"] = iso(r["BillingPeriodStartDate"])
        r["BillingPeriodEndDate"] = iso(r["BillingPeriodEndDate"])
    db = fresh(tmp_path)
    ok(imp("azure", db, write_csv(tmp_path / "iso.csv", header, rows)))
    want: dict[dt.date, Decimal] = defaultdict(Decimal)
    for r in rows:
        want[dt.date.fromisoformat(r["Date"][:10])] += d(r[AZ_COST])
    assert by(db, "ChargePeriodStart::date") == dict(want)


def test_azure_a_refund_nets_against_usage(tmp_path: Path) -> None:
    header, rows = read_csv(AZ_ACTUAL)
    refund = dict(rows[0])
    refund.update(ChargeType="Refund", Quantity="0")
    refund[AZ_COST] = "-4.25"
    rows.append(refund)
    db = fresh(tmp_path)
    ok(imp("azure", db, write_csv(tmp_path / "refund.csv", header, rows)))
    assert total(db) == fsum(rows, AZ_COST)


def test_azure_comma_decimal_semicolon_file_is_read_exactly_or_refused(tmp_path: Path) -> None:
    """A cost export re-saved by a spreadsheet in a comma-decimal locale: `;` between fields, `0,00207345`."""
    header, rows = read_csv(AZ_ACTUAL)
    local = [dict(r) for r in rows]
    for r in local:
        for c in ("Quantity", "EffectivePrice", AZ_COST, "UnitPrice", "PayGPrice"):
            r[c] = r[c].replace(".", ",")
    db = fresh(tmp_path)
    run = imp("azure", db, write_csv(tmp_path / "de.csv", header, local, delimiter=";"))
    if run.code != 0:
        names(run.output, "de.csv", AZ_COST)
        assert state(db)[0] == 0
        return
    assert total(db) == fsum(rows, AZ_COST)


def test_azure_mca_eur_file_uses_the_billing_currency_not_usd(tmp_path: Path) -> None:
    rows = mca_rows("P9", currency="EUR")
    db = fresh(tmp_path)
    ok(imp("azure", db, write_csv(tmp_path / "mca-eur.csv", MCA_HEADER, rows)))
    assert by(db, "BillingCurrency") == {"EUR": fsum(rows, "costInBillingCurrency")}


def test_azure_mca_two_billing_profiles_in_one_file_keep_each_total(tmp_path: Path) -> None:
    rows = mca_rows("P1") + mca_rows("P2")
    for r in rows[4:]:
        r["costInBillingCurrency"] = str(d(r["costInBillingCurrency"]) * 10)
    db = fresh(tmp_path)
    ok(imp("azure", db, write_csv(tmp_path / "mca.csv", MCA_HEADER, rows)))
    assert total(db) == fsum(rows, "costInBillingCurrency")
    assert by(db, "x_BillingProfileId") == {
        "P1": fsum(rows[:4], "costInBillingCurrency"),
        "P2": fsum(rows[4:], "costInBillingCurrency"),
    }


def test_azure_missing_date_is_refused_naming_the_column(tmp_path: Path) -> None:
    header, rows = read_csv(AZ_ACTUAL)
    db = fresh(tmp_path)
    run = imp("azure", db, write_csv(tmp_path / "nodate.csv", [c for c in header if c != "Date"], rows))
    assert run.code != 0
    names(run.output, "nodate.csv", "date")
    assert state(db)[0] == 0


def test_azure_a_bad_date_names_file_row_column_and_keeps_the_store(tmp_path: Path) -> None:
    header, rows = read_csv(AZ_ACTUAL)
    db = fresh(tmp_path)
    ok(imp("azure", db, write_csv(tmp_path / "mca.csv", MCA_HEADER, mca_rows("P1"))))
    before = state(db)
    rows[3]["Date"] = "2026-13-01"
    run = imp("azure", db, write_csv(tmp_path / "bad.csv", header, rows))
    assert run.code != 0
    names(run.output, "bad.csv", "row 4", "Date", "2026-13-01")
    assert state(db) == before


# --- GCP ----------------------------------------------------------------------------------------------------


def gcp_rows() -> list[dict]:
    return [json.loads(line) for line in GCP_JSONL.read_text(encoding="utf-8").splitlines() if line.strip()]


def gcp_net(rows: list[dict]) -> Decimal:
    return sum(
        (d(r["cost"]) + sum((d(c["amount"]) for c in r.get("credits") or []), ZERO) for r in rows), ZERO
    )


def test_gcp_labels_as_json_arrays_are_queryable_tags(tmp_path: Path) -> None:
    rows = gcp_rows()
    db = fresh(tmp_path)
    ok(imp("gcp", db, write_jsonl(tmp_path / "g.jsonl", rows)))

    def team(r: dict) -> str | None:
        tags: dict[str, str] = {}
        for source in ((r.get("project") or {}).get("labels"), r.get("tags"), r.get("labels")):
            for kv in source or []:
                tags[kv["key"]] = kv["value"]
        return tags.get("team")

    want = sum((d(r["cost"]) for r in rows if team(r) == "search"), ZERO)
    assert total(db, where="Tags->>'team' = 'search' AND ChargeCategory <> 'Credit'") == want


def test_gcp_cost_at_list_is_the_list_cost(tmp_path: Path) -> None:
    rows = gcp_rows()
    for r in rows:
        r["cost_at_list"] = float(d(r["cost"]) * 2 + 1)
    db = fresh(tmp_path)
    ok(imp("gcp", db, write_jsonl(tmp_path / "g.jsonl", rows)))
    assert total(db, "ListCost", "ChargeCategory <> 'Credit'") == sum(
        (d(r["cost_at_list"]) for r in rows), ZERO
    )
    assert total(db) == gcp_net(rows)


def test_gcp_numbers_with_exponents_and_as_strings_are_exact(tmp_path: Path) -> None:
    rows = gcp_rows()
    rows[0]["cost"] = 1e-07
    rows[1]["cost"] = "2.5E-3"
    rows[2]["cost"] = "1.5625"
    rows[3]["credits"] = [
        {"name": "Promo", "amount": -1e-05, "full_name": "p", "id": "x", "type": "PROMOTION"}
    ]
    db = fresh(tmp_path)
    ok(imp("gcp", db, write_jsonl(tmp_path / "g.jsonl", rows)))
    assert total(db) == gcp_net(rows)


def test_gcp_several_credits_per_row_net_to_the_invoice(tmp_path: Path) -> None:
    rows = gcp_rows()
    rows[0]["credits"] = [
        {"name": "FreeTier", "amount": -0.5, "full_name": "Free tier", "id": "c1", "type": "FREE_TIER"},
        {
            "name": "CUD",
            "amount": -0.25,
            "full_name": "Committed use",
            "id": "c2",
            "type": "COMMITTED_USAGE_DISCOUNT",
        },
        {"name": "Promo", "amount": -0.125, "full_name": "Promo", "id": "c3", "type": "PROMOTION"},
    ]
    db = fresh(tmp_path)
    ok(imp("gcp", db, write_jsonl(tmp_path / "g.jsonl", rows)))
    assert total(db) == gcp_net(rows)
    assert total(db, where="ChargeCategory <> 'Credit' AND x_CreditType IS NULL") + total(
        db, where="ChargeCategory = 'Credit' OR x_CreditType IS NOT NULL"
    ) == gcp_net(rows)


def test_gcp_timestamps_in_three_spellings_give_the_same_days(tmp_path: Path) -> None:
    rows = gcp_rows()
    for i, r in enumerate(rows):
        for c in ("usage_start_time", "usage_end_time", "export_time"):
            v = r[c].replace(" UTC", "")
            r[c] = [v + " UTC", v.replace(" ", "T") + "Z", v.replace(" ", "T") + ".000+00:00"][i % 3]
    db = fresh(tmp_path)
    ok(imp("gcp", db, write_jsonl(tmp_path / "g.jsonl", rows)))
    want: dict[dt.date, Decimal] = defaultdict(Decimal)
    for r in rows:
        want[dt.date.fromisoformat(r["usage_start_time"][:10])] += gcp_net([r])
    assert by(db, "ChargePeriodStart::date") == dict(want)


def test_gcp_an_offset_usage_time_is_stored_as_the_utc_instant(tmp_path: Path) -> None:
    rows = gcp_rows()[:1]
    rows[0]["usage_start_time"] = "2026-04-30T20:00:00-07:00"  # 2026-05-01 03:00 UTC
    rows[0]["usage_end_time"] = "2026-04-30T21:00:00-07:00"
    db = fresh(tmp_path)
    ok(imp("gcp", db, write_jsonl(tmp_path / "g.jsonl", rows)))
    assert q(
        db, "SELECT strftime(ChargePeriodStart, '%Y-%m-%d %H') FROM costs WHERE ChargeCategory <> 'Credit'"
    ) == [("2026-05-01 03",)]


def test_gcp_tax_and_adjustment_rows_keep_their_sign(tmp_path: Path) -> None:
    rows = gcp_rows()
    tax = json.loads(json.dumps(rows[0]))
    tax.update(cost_type="tax", cost=0.42, credits=[])
    adj = json.loads(json.dumps(rows[0]))
    adj.update(cost_type="adjustment", cost=-1.75, credits=[])
    adj["adjustment_info"] = {
        "id": "a1",
        "description": "correction",
        "mode": "MANUAL",
        "type": "GENERAL_ADJUSTMENT",
    }
    rows += [tax, adj]
    db = fresh(tmp_path)
    ok(imp("gcp", db, write_jsonl(tmp_path / "g.jsonl", rows)))
    assert total(db) == gcp_net(rows)
    assert total(db, where="ChargeCategory = 'Tax'") == sum(
        (d(r["cost"]) for r in rows if r["cost_type"] == "tax"), ZERO
    )


def test_gcp_two_billing_accounts_in_two_currencies_keep_each_total(tmp_path: Path) -> None:
    rows = gcp_rows()
    other = json.loads(json.dumps(rows))
    for r in other:
        r["billing_account_id"] = "0EURO0-000000-000000"
        r["currency"] = "EUR"
        r["cost"] = float(d(r["cost"]) * 3)
    db = fresh(tmp_path)
    ok(imp("gcp", db, write_jsonl(tmp_path / "g.jsonl", rows + other)))
    assert by(db, "BillingCurrency") == {"USD": gcp_net(rows), "EUR": gcp_net(other)}


def test_gcp_flat_csv_with_underscore_headers_and_empty_credits_totals(tmp_path: Path) -> None:
    header, rows = read_csv(GCP_FLAT)
    new = [c.replace(".", "_") for c in header]
    out = [{c.replace(".", "_"): v for c, v in r.items()} for r in rows]
    out[0]["credits"] = ""
    db = fresh(tmp_path)
    ok(imp("gcp", db, write_csv(tmp_path / "flat.csv", new, out)))
    want = sum(
        (d(r["cost"]) + sum((d(c["amount"]) for c in json.loads(r["credits"] or "[]")), ZERO) for r in out),
        ZERO,
    )
    assert total(db) == want


def test_gcp_a_month_overlapping_an_earlier_snapshot_replaces_only_that_month(tmp_path: Path) -> None:
    rows = gcp_rows()
    march = json.loads(json.dumps(rows))
    for r in march:
        for c in ("usage_start_time", "usage_end_time", "export_time"):
            r[c] = r[c].replace("2026-04-", "2026-03-")
        r["invoice"]["month"] = "202603"
    db = fresh(tmp_path)
    ok(imp("gcp", db, write_jsonl(tmp_path / "mar-apr.jsonl", march + rows)))
    april2 = json.loads(json.dumps(rows))
    for r in april2:
        r["cost"] = float(d(r["cost"]) + 1)
    ok(imp("gcp", db, write_jsonl(tmp_path / "apr.jsonl", april2)))
    assert by(db, "strftime(BillingPeriodStart, '%Y-%m')") == {
        "2026-03": gcp_net(march),
        "2026-04": gcp_net(april2),
    }


def test_gcp_missing_cost_is_refused_naming_it(tmp_path: Path) -> None:
    rows = gcp_rows()
    for r in rows:
        r.pop("cost")
    db = fresh(tmp_path)
    run = imp("gcp", db, write_jsonl(tmp_path / "nocost.jsonl", rows))
    assert run.code != 0
    names(run.output, "nocost.jsonl", "cost")
    assert state(db)[0] == 0


def _without_account(kind: str, tmp_path: Path, sub: str, bump: Decimal) -> tuple[Path, Decimal]:
    """A file of `kind` that names no billing account, for sub-account `sub`, its costs raised by `bump`."""
    path = tmp_path / f"{sub}-{bump}.{'jsonl' if kind == 'gcp' else 'csv'}"
    if kind == "gcp":
        rows = gcp_rows()
        for r in rows:
            r.pop("billing_account_id")
            r["project"]["id"] = sub
            r["cost"] = float(d(r["cost"]) + bump)
        return write_jsonl(path, rows), gcp_net(rows)
    if kind == "aws-cur":
        header, rows = cur2()
        for r in rows:
            r["line_item_usage_account_id"] = sub
            r["identity_line_item_id"] += sub
            if r["line_item_line_item_type"] == "Usage":
                r[CUR_COST] = str(d(r[CUR_COST]) + bump)
        return write_csv(path, [c for c in header if c != "bill_payer_account_id"], rows), fsum(
            rows, CUR_COST
        )
    rows = focus_rows()
    for r in rows:
        r["SubAccountId"] = sub
        r["ResourceId"] = f"{sub}/gpt"
        r["BilledCost"] = r["EffectiveCost"] = str(d(r["BilledCost"]) + bump)
    return write_csv(path, [c for c in FOCUS_12 if c != "BillingAccountId"], rows), fsum(rows)


@pytest.mark.parametrize("kind", ["focus", "aws-cur", "gcp"])
def test_update_files_naming_no_billing_account_restate_only_their_own_sub_account(
    tmp_path: Path, kind: str
) -> None:
    """A GCP query without billing_account_id, a CUR column selection without bill_payer_account_id, a FOCUS file
    without BillingAccountId: one file per project or account, then one restated (added while fixing)."""
    a, a_total = _without_account(kind, tmp_path, "900000000001", ZERO)
    b, _ = _without_account(kind, tmp_path, "900000000002", ZERO)
    b2, b2_total = _without_account(kind, tmp_path, "900000000002", Decimal(1))
    db = fresh(tmp_path)
    for path in (a, b, b2):
        ok(imp(kind, db, path))
    assert by(db, "SubAccountId") == {"900000000001": a_total, "900000000002": b2_total}


# --- update paths across providers ------------------------------------------------------------------------


# --- Bedrock invocation logs --------------------------------------------------------------------------------


def test_bedrock_log_service_tier_is_kept_per_request(tmp_path: Path) -> None:
    """The Bedrock runtime's service tier (`serviceTier: {"type": "priority|default|flex"}`; `default` is the
    standard tier) is what the request is priced at."""
    lines = [
        json.loads(line)
        for line in (Path(__file__).parent / "fixtures" / "telemetry" / "bedrock_invocations.jsonl")
        .read_text(encoding="utf-8")
        .splitlines()
        if line.strip()
    ][:3]
    for rec, tier in zip(lines, ["flex", "default", "priority"], strict=True):
        rec["serviceTier"] = {"type": tier}
    db = fresh(tmp_path)
    ok(imp("bedrock-logs", db, write_jsonl(tmp_path / "invocations.jsonl", lines)))
    got = q(db, "SELECT event_id, service_tier FROM usage_events ORDER BY event_id")
    assert sorted(t for _, t in got) == ["flex", "priority", "standard"], got
