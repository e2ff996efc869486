"""`spendscope import azure`: EA/MCA exports (actual and amortised), Azure OpenAI meters parsed from the meter
name, 1K/1M units, PTU reservations as commitments; all-or-nothing, idempotent, totals to the cent."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pytest
from samples import SAMPLES, shared_file
from spendscope.data.errors import ImportRejected
from spendscope.data.import_azure import import_azure, unit_block
from spendscope.data.models import normalize_model, token_type_of
from spendscope.data.store import Store
from typer.testing import CliRunner

from spendscope.cli import app

FIXTURES = Path(__file__).parent / "fixtures" / "providers" / "azure"
ACTUAL = FIXTURES / "ea_actual_openai_ptu_gpu.csv"
AMORTISED = FIXTURES / "ea_amortized_openai_ptu.csv"
# third-party samples (MIT), read from ../shared: never copied into the repository
SAMPLE_EA = SAMPLES / "providers" / "azure" / "ea-export_sample-anonymous.csv"
SAMPLE_TOOLKIT = SAMPLES / "providers" / "azure" / "ea-actualcost_small_finops-toolkit.csv"
PRICING_UNITS = SAMPLES / "providers" / "azure" / "finops-toolkit_PricingUnits.csv"


def _cli(db: Path, *files: Path) -> list[dict]:
    result = CliRunner().invoke(app, ["import", "azure", *map(str, files), "--db", str(db), "--json"])
    if result.exception:
        raise result.exception
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _write(path: Path, rows: list[dict[str, str]], header: list[str] | None = None) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header or list(rows[0]))
        writer.writerows([list(r.values()) for r in rows])
    return path


def _d(text: str | None) -> Decimal:
    return Decimal(text) if text else Decimal(0)


def _all(store: Store, sql: str) -> list[tuple]:
    with store.reader() as con:
        return con.execute(sql).fetchall()


def _snapshot(store: Store) -> list[tuple]:
    return _all(store, "SELECT * FROM costs ORDER BY x_RowHash") + _all(
        store, "SELECT import_id FROM imports"
    )


def test_actual_cost_export_imports_to_the_cent(tmp_path: Path) -> None:
    rows = _rows(ACTUAL)
    [result] = _cli(tmp_path / "s.duckdb", ACTUAL)
    assert result["rows_inserted"] == len(rows)
    total = sum(_d(r["CostInBillingCurrency"]) for r in rows)
    [(billed, effective, n)] = _all(
        Store(tmp_path / "s.duckdb"), "SELECT sum(BilledCost), sum(EffectiveCost), count(*) FROM costs"
    )
    assert (billed, effective, n) == (total, total, len(rows))
    assert any("actual-cost export" in w for w in result["warnings"])


def test_amortised_export_spreads_the_ptu_reservation_and_bills_nothing_twice(tmp_path: Path) -> None:
    rows = _rows(AMORTISED)
    [result] = _cli(tmp_path / "s.duckdb", AMORTISED)
    store = Store(tmp_path / "s.duckdb")
    [(billed, effective)] = _all(store, "SELECT sum(BilledCost), sum(EffectiveCost) FROM costs")
    assert effective == sum(_d(r["CostInBillingCurrency"]) for r in rows)
    assert billed == sum(_d(r["CostInBillingCurrency"]) for r in rows if r["PricingModel"] != "Reservation")
    assert any("amortised-cost export" in w for w in result["warnings"])
    ptu = _all(
        store,
        "SELECT ChargeCategory, CommitmentDiscountStatus, CommitmentDiscountName, BilledCost, EffectiveCost "
        "FROM costs WHERE CommitmentDiscountId IS NOT NULL ORDER BY x_SourceRow",
    )
    assert ptu == [
        ("Usage", "Used", "ptu-global-15", Decimal(0), Decimal(2600)),
        ("Usage", "Unused", "ptu-global-15", Decimal(0), Decimal(0)),
        ("Usage", "Unused", "ptu-global-15", Decimal(0), Decimal("259.9999999992")),
    ]


def test_ptu_reservation_purchase_is_a_commitment_row(tmp_path: Path) -> None:
    _cli(tmp_path / "s.duckdb", ACTUAL)
    got = _all(
        Store(tmp_path / "s.duckdb"),
        "SELECT ChargeCategory, ChargeFrequency, CommitmentDiscountType, CommitmentDiscountCategory, "
        "CommitmentDiscountStatus, PricingCategory, BilledCost, ServiceName, "
        "json_extract_string(SkuPriceDetails, '$.x_ServiceTier') FROM costs "
        "WHERE CommitmentDiscountId LIKE '%ptu000000001' ORDER BY x_SourceRow",
    )
    assert got == [
        (
            "Purchase",
            "Recurring",
            "Reservation",
            "Usage",
            None,
            "Committed",
            Decimal(2600),
            "Azure OpenAI",
            "provisioned",
        ),
        (
            "Usage",
            "Usage-Based",
            "Reservation",
            "Usage",
            "Used",
            "Committed",
            Decimal(0),
            "Azure OpenAI",
            "provisioned",
        ),
    ]


def test_openai_meters_give_model_direction_cache_deployment_and_batch(tmp_path: Path) -> None:
    _cli(tmp_path / "s.duckdb", ACTUAL)
    got = {
        r[0]: r[1:]
        for r in _all(
            Store(tmp_path / "s.duckdb"),
            "SELECT SkuMeter, x_Model, x_TokenType, x_Tokens, PricingQuantity, PricingUnit, "
            "json_extract_string(SkuPriceDetails, '$.x_DeploymentType'), "
            "json_extract_string(SkuPriceDetails, '$.x_ServiceTier') FROM costs WHERE x_Tokens IS NOT NULL",
        )
    }
    assert got == {
        "gpt-4o-mini-0718-Inp-glbl Tokens": (
            "gpt-4o-mini",
            "input",
            13823,
            Decimal("13.823"),
            "1000 Tokens",
            "Global",
            "standard",
        ),
        "gpt-4o-mini-0718-Outp-glbl Tokens": (
            "gpt-4o-mini",
            "output",
            2500,
            Decimal("2.5"),
            "1000 Tokens",
            "Global",
            "standard",
        ),
        "gpt 4o 1120 cached Inp glbl": (
            "gpt-4o",
            "cached_input",
            100000,
            Decimal(100),
            "1000 Tokens",
            "Global",
            "standard",
        ),
        "gpt 4o 0513 Output global Tokens": (
            "gpt-4o",
            "output",
            40250,
            Decimal("40.25"),
            "1000 Tokens",
            "Global",
            "standard",
        ),
        "gpt-4-8K-Batch-Inp-glbl Tokens": (
            "gpt-4-8k",
            "input",
            1200000,
            Decimal(1200),
            "1000 Tokens",
            "Global",
            "batch",
        ),
        "gpt 4.5 0227 cached Inp DZone": (
            "gpt-4.5",
            "cached_input",
            3200,
            Decimal("3.2"),
            "1000 Tokens",
            "DataZone",
            "standard",
        ),
        "gpt-35-turbo-4k-Input-regional": (
            "gpt-3.5-turbo-4k",
            "input",
            500000,
            Decimal(500),
            "1000 Tokens",
            "Regional",
            "standard",
        ),
        "gpt-4o-transcribe-aud-inp-glbl Tokens": (
            "gpt-4o-transcribe",
            "input",
            750000,
            Decimal("0.75"),
            "1000000 Tokens",
            "Global",
            "standard",
        ),
        "R1 Inp glbl Tokens": (
            "deepseek-r1",
            "input",
            2125000,
            Decimal("2.125"),
            "1000000 Tokens",
            "Global",
            "standard",
        ),
        "zeta-x1 Inp glbl Tokens": (
            None,
            "input",
            1000000,
            Decimal(1),
            "1000000 Tokens",
            "Global",
            "standard",
        ),
    }


def test_unknown_ai_meter_is_kept_and_reported_as_unmapped(tmp_path: Path) -> None:
    [result] = _cli(tmp_path / "s.duckdb", ACTUAL)
    assert any("unmapped" in w and "zeta-x1 Inp glbl Tokens" in w for w in result["warnings"])


def test_attribution_units_and_gpu_vm(tmp_path: Path) -> None:
    _cli(tmp_path / "s.duckdb", ACTUAL)
    store = Store(tmp_path / "s.duckdb")
    [first] = _all(
        store,
        "SELECT SubAccountId, SubAccountName, SubAccountType, x_ResourceGroupName, x_CostCenter, Tags, "
        "ResourceName, ResourceType, RegionId, ChargePeriodStart, ChargePeriodEnd, BillingPeriodEnd "
        "FROM costs WHERE x_SourceRow = 1",
    )
    assert first[:5] == ("6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f", "ai-prod", "Subscription", "rg-ai", "cc-ai")
    assert json.loads(first[5]) == {"team": "search", "env": "prod"}  # brace-less `"k": "v"` form repaired
    assert first[6:9] == ("acme-openai-eus2", "microsoft.cognitiveservices/accounts", "eastus2")
    assert [str(t.date()) for t in first[9:]] == ["2026-04-02", "2026-04-03", "2026-05-01"]
    vm = _all(
        store, "SELECT x_InstanceType, x_GpuCount, x_GpuHours, ConsumedUnit FROM costs WHERE x_GpuCount > 0"
    )
    assert vm == [("standard_nd96isr_h100_v5", 8, Decimal(192), "Hours")]
    storage = _all(
        store,
        "SELECT ConsumedQuantity, ConsumedUnit, PricingQuantity, PricingUnit FROM costs "
        "WHERE SkuMeter = 'Hot LRS Write Operations'",
    )
    assert storage == [(Decimal(4), "Units", Decimal("0.0004"), "10K")]


@pytest.mark.parametrize("sample", [SAMPLE_EA, SAMPLE_TOOLKIT])
def test_real_ea_samples_import_to_the_cent(tmp_path: Path, sample: Path) -> None:
    rows = _rows(shared_file(sample))
    cost_column = "CostInBillingCurrency" if "CostInBillingCurrency" in rows[0] else "Cost"
    [result] = _cli(tmp_path / "s.duckdb", sample)
    assert result["rows_inserted"] == len(rows)
    [(billed,)] = _all(Store(tmp_path / "s.duckdb"), "SELECT sum(BilledCost) FROM costs")
    expected = sum(_d(r[cost_column]) for r in rows)
    # the store keeps 10 decimal places; this sample has costs like 6.65679E-09
    assert billed.quantize(Decimal("0.01")) == expected.quantize(Decimal("0.01"))
    assert abs(billed - expected) < Decimal("1e-8")


def test_mca_style_camel_case_headers_import_the_same(tmp_path: Path) -> None:
    rows = _rows(ACTUAL)
    header = [h[0].lower() + h[1:] for h in rows[0]]
    _cli(tmp_path / "a.duckdb", _write(tmp_path / "mca.csv", rows, header))
    _cli(tmp_path / "b.duckdb", ACTUAL)
    query = "SELECT x_SourceRow, BilledCost, x_Model, x_Tokens, SubAccountName, Tags::VARCHAR FROM costs ORDER BY 1"
    assert _all(Store(tmp_path / "a.duckdb"), query) == _all(Store(tmp_path / "b.duckdb"), query)


def test_unit_of_measure_block_sizes_match_microsofts_pricing_units_table() -> None:
    rows = _rows(shared_file(PRICING_UNITS))
    wrong = [
        (r["UnitOfMeasure"], r["PricingBlockSize"], unit_block(r["UnitOfMeasure"])[0])
        for r in rows
        if Decimal(str(unit_block(r["UnitOfMeasure"])[0])) != Decimal(r["PricingBlockSize"])
    ]
    assert wrong == []
    assert unit_block("1K") == (1000, "Units") and unit_block("100 Hours") == (100, "Hours")


def test_second_import_of_the_same_file_adds_nothing(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    _cli(db, ACTUAL)
    before = _snapshot(Store(db))
    [again] = _cli(db, ACTUAL)
    assert (again["status"], again["rows_inserted"]) == ("duplicate", 0)
    assert _snapshot(Store(db)) == before


def test_the_other_cost_view_of_a_stored_period_is_refused_unless_it_replaces_the_period(
    tmp_path: Path,
) -> None:
    """Actual (reservation purchase at full cost on day 1) then amortised (days 2-4, the purchase spread over
    usage): replacing only days 2-4 would keep the purchase beside its amortised usage, counting it twice."""
    from spendscope.data.importing import import_files

    db = tmp_path / "s.duckdb"
    _cli(db, ACTUAL)
    before = _snapshot(Store(db))
    with pytest.raises(ImportRejected) as info:
        import_azure(Store(db), AMORTISED)
    assert info.value.code == "import_rejected"
    assert "actual-cost view" in info.value.details["views"][0]
    assert _snapshot(Store(db)) == before
    import_files(Store(db), "azure", [AMORTISED], mode="replace-period")
    with Store(db).reader() as con:
        total = con.execute("SELECT sum(EffectiveCost) FROM costs").fetchall()[0][0]
    assert total == sum(Decimal(r["CostInBillingCurrency"]) for r in _rows(AMORTISED))


def test_corrupted_quantity_names_row_and_column_and_leaves_the_store_unchanged(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    _cli(db, AMORTISED)
    before = _snapshot(Store(db))
    rows = _rows(ACTUAL)
    rows[4]["Quantity"] = "12OO"
    bad = _write(tmp_path / "bad.csv", rows)
    with pytest.raises(ImportRejected) as info:
        import_azure(Store(db), bad)
    assert info.value.code == "import_rejected"
    assert (info.value.details["row"], info.value.details["column"], info.value.details["value"]) == (
        5,
        "Quantity",
        "12OO",
    )
    assert "row 5 (line 6), column Quantity" in info.value.message
    assert _snapshot(Store(db)) == before


def test_a_file_without_cost_or_date_is_rejected(tmp_path: Path) -> None:
    cur = Path(__file__).parent / "fixtures" / "providers" / "aws" / "cur2_bedrock_gpu.csv"
    with pytest.raises(ImportRejected) as info:
        import_azure(Store(tmp_path / "s.duckdb"), cur)
    assert info.value.details["missing"] == ["CostInBillingCurrency", "Date"]


@pytest.mark.parametrize(
    ("meter", "model", "kind"),
    [
        ("gpt 4o 0513 Input global Tokens", "gpt-4o", "input"),
        ("gpt 4o 1120 cached Inp glbl", "gpt-4o", "cached_input"),
        ("gpt 4.1 mini Inp glbl Tokens", "gpt-4.1-mini", "input"),
        ("gpt 5 mini cached Inp glbl", "gpt-5-mini", "cached_input"),
        ("gpt-4o-mini-0718-Outp-glbl Tokens", "gpt-4o-mini", "output"),
        ("gpt-4o-transcribe-aud-inp-glbl Tokens", "gpt-4o-transcribe", "input"),
        ("o3-mini 0131 Inp regnl Tokens", "o3-mini", "input"),
    ],
)
def test_azure_meter_names_are_recognised(meter: str, model: str, kind: str) -> None:
    assert normalize_model(meter) == model
    assert token_type_of(meter) == kind


PAYG_USAGE_HEADER = ["SubscriptionGuid", "UsageDateTime", "MeterCategory", "MeterName", "UsageQuantity"]
PAYG_USAGE_HEADER += ["PreTaxCost", "InstanceId", "Currency", "UnitOfMeasure"]


def _payg_usage(path: Path, subscription: str, scale: int) -> Path:
    """A pay-as-you-go subscription's usage file (schema 2019-11-01): no billing account or profile column."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(PAYG_USAGE_HEADER)
        for day in range(1, 5):
            w.writerow(
                [subscription, f"2026-10-0{day}", "Storage", "Hot LRS Data Stored", "1", str(day * scale)]
                + [f"/subscriptions/{subscription}/rg/disk", "USD", "1 GB/Month"]
            )
    return path


@pytest.mark.parametrize("backend", ["duckdb", "chdb"])
def test_pay_as_you_go_files_of_two_subscriptions_are_two_bills(
    store: Store, tmp_path: Path, backend: str
) -> None:
    """Each pay-as-you-go subscription is its own bill: restating one subscription's month replaces its rows only
    (the files name no billing account; they used to share one scope, and the restatement of subscription B
    deleted subscription A's rows: probe 27)."""
    if backend == "chdb":
        pytest.importorskip("chdb", reason="the clickhouse extra (chdb) is not installed")
        store = Store(f"chdb:{tmp_path / 'chdb'}")
    import_azure(store, _payg_usage(tmp_path / "a.csv", "aaaa-1111", 1))
    import_azure(store, _payg_usage(tmp_path / "b.csv", "bbbb-2222", 10))
    import_azure(store, _payg_usage(tmp_path / "b2.csv", "bbbb-2222", 20))
    with store.reader() as con:
        got = con.execute(
            "SELECT BillingAccountId, sum(BilledCost) FROM costs GROUP BY 1 ORDER BY 1"
        ).fetchall()
    assert [(a, Decimal(v)) for a, v in got] == [("aaaa-1111", Decimal(10)), ("bbbb-2222", Decimal(200))]


def test_a_pay_as_you_go_usage_file_is_told_its_months_are_calendar_months_not_that_a_column_is_empty(
    store: Store, tmp_path: Path
) -> None:
    """The file has no billing period column: the warning says so and what it means for a pay-as-you-go invoice,
    rather than that an MCA column it does not have is empty (session 23's leftover)."""
    result = import_azure(store, _payg_usage(tmp_path / "a.csv", "aaaa-1111", 1))
    (warning,) = [w for w in result.warnings if "billing period" in w]
    assert "no billing period column" in warning and "4 rows" in warning and "calendar month" in warning
    assert "empty" not in warning and "MCA" not in warning
