"""Regression tests for the defects real provider files exposed (issue 12). Each runs on a file written here in the
shape of the real one (documented columns, the same quirk), and, where ../shared is beside the clone, on the real
file itself with its independently computed totals (../shared/samples/real/MANIFEST.md)."""

from __future__ import annotations

import csv
import gzip
import json
from decimal import Decimal
from pathlib import Path

import pytest
from samples import SAMPLES, shared_file
from spendscope.data.errors import ImportRejected
from spendscope.data.events import import_events_file
from spendscope.data.import_aws import import_aws_cur
from spendscope.data.import_azure import import_azure
from spendscope.data.import_focus import import_focus
from spendscope.data.import_gcp import import_gcp
from spendscope.data.import_gpu import import_gpu
from spendscope.data.store import Store
from typer.testing import CliRunner

from spendscope.cli import app

REAL = SAMPLES / "real"


def _one(store: Store, sql: str) -> tuple:
    with store.reader() as con:
        return con.execute(sql).fetchall()[0]


def _write(path: Path, header: list[str], rows: list[list[str]], *, newline: str = "\n") -> Path:
    lines = [",".join(header)] + [",".join(_quote(v) for v in r) for r in rows]
    path.write_bytes((newline.join(lines) + newline).encode("utf-8"))
    return path


def _quote(v: str) -> str:
    return '"' + v.replace('"', '""') + '"' if ("," in v or '"' in v) else v


# --- legacy CUR: reservation and savings plan fees are the unused commitment -------------------------------------

CUR_HEADER = [
    "identity/LineItemId",
    "bill/PayerAccountId",
    "bill/BillingPeriodStartDate",
    "bill/BillingPeriodEndDate",
    "lineItem/UsageAccountId",
    "lineItem/LineItemType",
    "lineItem/UsageStartDate",
    "lineItem/UsageEndDate",
    "lineItem/ProductCode",
    "lineItem/UsageType",
    "lineItem/UsageAmount",
    "lineItem/CurrencyCode",
    "lineItem/UnblendedCost",
    "reservation/ReservationARN",
    "reservation/EffectiveCost",
    "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod",
    "reservation/UnusedRecurringFee",
    "savingsPlan/SavingsPlanARN",
    "savingsPlan/SavingsPlanEffectiveCost",
    "savingsPlan/TotalCommitmentToDate",
    "savingsPlan/UsedCommitment",
]
RI = "arn:aws:ec2:us-east-1:111122223333:reserved-instances/4a2e0b1c"
SP = "arn:aws:savingsplans::111122223333:savingsplan/9f1d2c3b"


def _cur_rows() -> list[list[str]]:
    period = ["111122223333", "2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z", "444455556666"]
    month_end = "2026-10-31T23:59:59Z"
    return [
        # a reserved instance: 744 hours bought at 0.10, 600 used; the RIFee line carries the unused 14.40
        ["l1", *period, "RIFee", "2026-10-01T00:00:00Z", month_end, "AmazonEC2", "HeavyUsage:m5.large",
         "744", "USD", "74.40", RI, "", "0", "14.40", "", "", "", ""],
        ["l2", *period, "DiscountedUsage", "2026-10-01T00:00:00Z", "2026-10-26T00:00:00Z", "AmazonEC2",
         "BoxUsage:m5.large", "600", "USD", "0", RI, "60.00", "", "", "", "", "", ""],
        # a savings plan: 100 committed, 70 used
        ["l3", *period, "SavingsPlanRecurringFee", "2026-10-01T00:00:00Z", month_end, "ComputeSavingsPlans",
         "ComputeSP:1yrNoUpfront", "1", "USD", "100.00", "", "", "", "", SP, "", "100.00", "70.00"],
        ["l4", *period, "SavingsPlanCoveredUsage", "2026-10-02T00:00:00Z", "2026-10-02T01:00:00Z", "AmazonEC2",
         "BoxUsage:c6i.xlarge", "1", "USD", "90.00", "", "", "", "", SP, "70.00", "", ""],
        ["l5", *period, "SavingsPlanNegation", "2026-10-02T00:00:00Z", "2026-10-02T01:00:00Z", "AmazonEC2",
         "BoxUsage:c6i.xlarge", "1", "USD", "-90.00", "", "", "", "", SP, "", "", ""],
    ]  # fmt: skip


def test_legacy_cur_fee_lines_report_the_unused_commitment_and_covered_usage_as_used(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    import_aws_cur(store, _write(tmp_path / "cur.csv", CUR_HEADER, _cur_rows()))
    with store.reader() as con:
        got = dict(
            con.execute(
                "SELECT x_LineItemType, CommitmentDiscountStatus FROM costs WHERE CommitmentDiscountId IS NOT NULL"
            ).fetchall()
        )
    assert got["RIFee"] == got["SavingsPlanRecurringFee"] == "Unused"
    assert got["DiscountedUsage"] == got["SavingsPlanCoveredUsage"] == "Used"
    # "how much of our reservations went unused": 14.40 of the RI and 30.00 of the savings plan, not $0
    unused = _one(store, "SELECT sum(EffectiveCost) FROM costs WHERE CommitmentDiscountStatus = 'Unused'")[0]
    assert unused == Decimal("14.40") + (Decimal("100.00") - Decimal("70.00"))


def test_the_commitments_operation_sees_the_unused_reservation(tmp_path: Path) -> None:
    from spendscope.tools.optimize.commitments import CommitmentsInput, commitments

    store = Store(tmp_path / "s.duckdb")
    import_aws_cur(store, _write(tmp_path / "cur.csv", CUR_HEADER, _cur_rows()))
    result = commitments(store, CommitmentsInput(period="2026-10"))
    by_id = {t.commitment_id: t for t in result.commitments}
    assert by_id[RI].unused_cost == pytest.approx(14.40)
    assert by_id[RI].utilization_pct == pytest.approx(60 / 74.4 * 100, abs=0.01)


def test_cur_month_lines_end_exclusively_like_every_other_row(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    import_aws_cur(store, _write(tmp_path / "cur.csv", CUR_HEADER, _cur_rows()))
    ends = _one(
        store,
        "SELECT strftime(max(ChargePeriodEnd) FILTER (x_LineItemType = 'RIFee'), '%Y-%m-%dT%H:%M:%S'), "
        "strftime(max(ChargePeriodEnd) FILTER (x_LineItemType = 'SavingsPlanCoveredUsage'), '%Y-%m-%dT%H:%M:%S') "
        "FROM costs",
    )
    assert ends == ("2026-11-01T00:00:00", "2026-10-02T01:00:00")


def test_a_cur_file_with_hive_x01_separators_imports_like_its_comma_twin(tmp_path: Path) -> None:
    rows = _cur_rows()
    text = "\n".join("\x01".join(r) for r in [CUR_HEADER, *rows]) + "\n"
    hive = tmp_path / "cur_hive.txt"
    hive.write_text(text, encoding="utf-8")
    a, b = Store(tmp_path / "a.duckdb"), Store(tmp_path / "b.duckdb")
    import_aws_cur(a, hive)
    import_aws_cur(b, _write(tmp_path / "cur.csv", CUR_HEADER, rows))
    query = "SELECT count(*), sum(BilledCost), sum(EffectiveCost) FROM costs"
    assert _one(a, query) == _one(b, query) == (5, Decimal("174.40"), Decimal("174.40"))


# --- mixed CRLF/LF line endings: every importer reads them the same way ------------------------------------------


def _mixed(lines: list[str]) -> bytes:
    """Lines ending alternately in CRLF and LF, as in a file edited on two systems (the real Azure MCA sample)."""
    return b"".join(line.encode() + (b"\r\n" if i % 2 == 0 else b"\n") for i, line in enumerate(lines))


@pytest.mark.parametrize("importer", ["aws", "azure", "gcp", "focus"])
def test_mixed_crlf_and_lf_line_endings_import_in_every_format(tmp_path: Path, importer: str) -> None:
    if importer == "aws":
        header, rows, fn = CUR_HEADER, _cur_rows(), import_aws_cur
    elif importer == "azure":
        header = [
            "date",
            "costInBillingCurrency",
            "billingCurrency",
            "meterCategory",
            "meterName",
            "quantity",
        ]
        rows = [[f"2026-10-0{d}", f"{d}.25", "USD", "Storage", "Hot LRS", "1"] for d in range(1, 6)]
        fn = import_azure
    elif importer == "gcp":
        header = [
            "billing_account_id",
            "service.description",
            "sku.description",
            "usage_start_time",
            "usage_end_time",
            "cost",
            "currency",
            "invoice.month",
        ]
        rows = [
            [
                "0A1B2C",
                "Cloud Storage",
                "Standard Storage",
                f"2026-10-0{d} 00:00:00 UTC",
                f"2026-10-0{d} 01:00:00 UTC",
                f"{d}.25",
                "USD",
                "202610",
            ]
            for d in range(1, 6)
        ]
        fn = import_gcp
    else:
        header = ["BilledCost", "EffectiveCost", "ChargePeriodStart", "ChargePeriodEnd", "ProviderName"]
        rows = [[f"{d}.25", f"{d}.25", f"2026-10-0{d}", f"2026-10-0{d + 1}", "Acme"] for d in range(1, 6)]
        fn = import_focus
    lf = _write(tmp_path / "lf.csv", header, rows)
    mixed = tmp_path / "mixed.csv"
    mixed.write_bytes(_mixed(lf.read_text(encoding="utf-8").splitlines()))
    data = mixed.read_bytes()
    assert 0 < data.count(b"\r\n") < data.count(b"\n")  # both endings
    a, b = Store(tmp_path / "a.duckdb"), Store(tmp_path / "b.duckdb")
    fn(a, mixed)
    fn(b, lf)
    query = "SELECT count(*), sum(BilledCost) FROM costs"
    assert _one(a, query) == _one(b, query)
    assert _one(a, query)[0] >= 5


def test_mixed_line_endings_in_a_gzip_file_are_read_too(tmp_path: Path) -> None:
    header = ["BilledCost", "EffectiveCost", "ChargePeriodStart", "ChargePeriodEnd"]
    lines = [",".join(header)] + [f"{d},{d},2026-10-0{d},2026-10-0{d + 1}" for d in range(1, 6)]
    path = tmp_path / "mixed.csv.gz"
    path.write_bytes(gzip.compress(_mixed(lines)))
    store = Store(tmp_path / "s.duckdb")
    import_focus(store, path)
    assert _one(store, "SELECT count(*), sum(BilledCost) FROM costs") == (5, Decimal(15))


def test_real_azure_mca_file_with_mixed_line_endings_imports_to_the_manifest_total(tmp_path: Path) -> None:
    path = shared_file(REAL / "azure_mca_koku_camel_azure_version_2.csv")
    store = Store(tmp_path / "s.duckdb")
    result = import_azure(store, path)
    assert result.rows_inserted == 4
    assert _one(store, "SELECT sum(BilledCost) FROM costs")[0] == Decimal("0.0000262412")


# --- Azure MCA with an empty billing period ----------------------------------------------------------------------


def test_azure_mca_rows_without_a_billing_period_take_the_charge_month_and_warn(tmp_path: Path) -> None:
    header = [
        "billingPeriodStartDate",
        "billingPeriodEndDate",
        "date",
        "costInBillingCurrency",
        "meterCategory",
    ]
    rows = [
        ["", "", "2026-10-05", "2.50", "Storage"],
        ["2026-10-01", "2026-10-31", "2026-10-06", "1.50", "Storage"],
    ]
    store = Store(tmp_path / "s.duckdb")
    result = import_azure(store, _write(tmp_path / "mca.csv", header, rows))
    periods = _one(
        store,
        "SELECT count(DISTINCT BillingPeriodStart), strftime(min(BillingPeriodStart), '%Y-%m-%d'), "
        "strftime(max(BillingPeriodEnd), '%Y-%m-%d'), count(*) FILTER (BillingPeriodStart IS NULL) FROM costs",
    )
    assert periods == (1, "2026-10-01", "2026-11-01", 0)
    assert any("1 rows have an empty billingPeriodStartDate" in w for w in result.warnings)


# --- GCP flattened exports written by pandas --------------------------------------------------------------------


def test_gcp_credits_and_labels_written_as_python_literals_are_read(tmp_path: Path) -> None:
    header = [
        "billing_account_id",
        "service.description",
        "sku.description",
        "usage_start_time",
        "usage_end_time",
        "labels",
        "cost",
        "currency",
        "credits",
        "invoice.month",
    ]
    credit = "[{'name': 'FreeTrial:Credit-1', 'amount': -0.25, 'full_name': None, 'id': 'c1', 'type': 'PROMOTION'}]"
    labels = "[{'key': 'team', 'value': 'search'}]"
    rows = [
        ["0A1B2C", "BigQuery", "Analysis", "2026-10-01 00:00:00 UTC", "2026-10-01 01:00:00 UTC", labels, "1.00",
         "USD", credit, "202610"],
        ["0A1B2C", "BigQuery", "Analysis", "2026-10-02 00:00:00 UTC", "2026-10-02 01:00:00 UTC", "[]", "2.00",
         "USD", "[]", "202610"],
    ]  # fmt: skip
    store = Store(tmp_path / "s.duckdb")
    import_gcp(store, _write(tmp_path / "pandas.csv", header, rows))
    got = _one(
        store,
        "SELECT sum(BilledCost), sum(BilledCost) FILTER (ChargeCategory = 'Credit'), "
        "any_value(x_CreditType) FILTER (ChargeCategory = 'Credit'), "
        "count(*) FILTER (json_extract_string(Tags, '$.team') = 'search') FROM costs",
    )
    assert got == (
        Decimal("2.75"),
        Decimal("-0.25"),
        "PROMOTION",
        2,
    )  # the credit row carries its usage's labels


def test_real_gcp_export_with_python_literal_credits_nets_to_zero(tmp_path: Path) -> None:
    path = shared_file(REAL / "gcp_koku_202011_billing-export-flat.csv")
    store = Store(tmp_path / "s.duckdb")
    import_gcp(store, path)
    got = _one(
        store,
        "SELECT count(*) FILTER (ChargeCategory <> 'Credit'), count(*) FILTER (ChargeCategory = 'Credit'), "
        "sum(BilledCost) FILTER (ChargeCategory <> 'Credit'), sum(BilledCost) FILTER (ChargeCategory = 'Credit') "
        "FROM costs",
    )
    assert got == (25, 8, Decimal("0.000032"), Decimal("-0.000032"))


# --- errors that name the right importer -------------------------------------------------------------------------

FOCUS_HEADER = ["BilledCost", "EffectiveCost", "ChargePeriodStart", "ChargePeriodEnd", "ProviderName"]


@pytest.mark.parametrize(
    ("command", "header", "right"),
    [
        ("gpu", FOCUS_HEADER, "focus"),
        ("aws-cur", ["costInBillingCurrency", "date", "meterCategory"], "azure"),
        ("focus", CUR_HEADER, "aws-cur"),
        ("gcp", FOCUS_HEADER, "focus"),
        ("azure", ["usage_start_time", "cost", "service.description", "sku.description"], "gcp"),
        ("events", FOCUS_HEADER, "focus"),
    ],
)
def test_a_file_given_to_the_wrong_importer_names_the_right_command(
    tmp_path: Path, command: str, header: list[str], right: str
) -> None:
    path = _write(tmp_path / "wrong.csv", header, [["1"] * len(header)])
    fn = {
        "gpu": import_gpu,
        "aws-cur": import_aws_cur,
        "focus": import_focus,
        "gcp": import_gcp,
        "azure": import_azure,
        "events": import_events_file,
    }[command]
    with pytest.raises(ImportRejected) as info:
        fn(Store(tmp_path / "s.duckdb"), path)
    assert info.value.code == "import_rejected"
    assert f"spendscope import {right}`" in info.value.message


def test_pretty_printed_json_to_import_events_says_json_lines_are_expected(tmp_path: Path) -> None:
    path = tmp_path / "trace.json"
    path.write_text(
        json.dumps({"id": "t1", "observations": [{"type": "GENERATION"}]}, indent=2), encoding="utf-8"
    )
    with pytest.raises(ImportRejected) as info:
        import_events_file(Store(tmp_path / "s.duckdb"), path)
    assert "not JSON lines" in info.value.message
    assert "Invalid Input" not in info.value.message and "byte" not in info.value.message


# --- what the CLI says about an import that adds nothing ---------------------------------------------------------


def test_an_import_that_adds_nothing_does_not_print_the_files_cost(tmp_path: Path) -> None:
    rows = [[f"{d}.5", f"{d}.5", f"2026-10-0{d}", f"2026-10-0{d + 1}", "Acme"] for d in range(1, 4)]
    first = _write(tmp_path / "a.csv", FOCUS_HEADER, rows)
    second = _write(tmp_path / "b.csv", FOCUS_HEADER, rows, newline="\r\n")  # same rows, other bytes
    db = str(tmp_path / "s.duckdb")
    CliRunner().invoke(app, ["import", "focus", str(first), "--db", db])
    out = CliRunner().invoke(app, ["import", "focus", str(second), "--db", db, "--append"])
    assert out.exit_code == 0
    assert "nothing added: all 3 rows were already in the store" in out.output
    assert "effective cost" not in out.output
    # without --append the second file is a newer export of the same days: it replaces them, and the line says
    # so with the cost before and after instead of the file's cost as if it were added
    third = _write(tmp_path / "c.csv", FOCUS_HEADER, rows[::-1])  # the same rows in another order
    out = CliRunner().invoke(app, ["import", "focus", str(third), "--db", db])
    assert out.exit_code == 0
    assert "replacing 3 rows of earlier imports" in out.output
    assert "effective cost 7.50, was 7.50 (+0.00)" in out.output


def test_a_header_only_file_says_it_has_no_rows(tmp_path: Path) -> None:
    path = _write(tmp_path / "empty.csv", FOCUS_HEADER, [])
    out = CliRunner().invoke(app, ["import", "focus", str(path), "--db", str(tmp_path / "s.duckdb")])
    assert out.exit_code == 0
    assert "has a header but no data rows; nothing imported" in out.output
    assert "effective cost" not in out.output


def test_the_real_header_only_azure_export_says_it_has_no_rows(tmp_path: Path) -> None:
    path = shared_file(REAL / "azure_ea_norows_finops-toolkit.csv")
    out = CliRunner().invoke(app, ["import", "azure", str(path), "--db", str(tmp_path / "s.duckdb")])
    assert out.exit_code == 0 and "no data rows" in out.output


def test_real_samples_read_with_csv_module_match_the_importers_row_counts(tmp_path: Path) -> None:
    path = shared_file(REAL / "gcp_koku_2022-08-01_5.csv")
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    store = Store(tmp_path / "s.duckdb")
    import_gcp(store, path)
    assert _one(store, "SELECT count(*), sum(BilledCost) FROM costs") == (len(rows), Decimal("0.000012"))
