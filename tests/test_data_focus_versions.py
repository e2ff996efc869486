"""FOCUS 1.3 and 1.4 files into the one store schema: providers from ServiceProviderName (never empty), the
Allocated* columns, ContractApplied as JSON, InvoiceDetailId, the contract commitment dataset, and the FOCUS 1.5
AI properties of SkuPriceDetails feeding x_Model / x_TokenType / x_Tokens. Files written here from the spec's
column lists."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

from spendscope.data.import_focus import import_focus
from spendscope.data.store import Store

BASE = {
    "BilledCost": "3.00",
    "EffectiveCost": "3.00",
    "ListCost": "3.00",
    "ContractedCost": "3.00",
    "BillingAccountId": "acct-1",
    "BillingAccountName": "Acme",
    "BillingCurrency": "USD",
    "BillingPeriodStart": "2026-10-01T00:00:00Z",
    "BillingPeriodEnd": "2026-11-01T00:00:00Z",
    "ChargePeriodStart": "2026-10-02T00:00:00Z",
    "ChargePeriodEnd": "2026-10-03T00:00:00Z",
    "ChargeCategory": "Usage",
    "ChargeClass": "",
    "ChargeDescription": "Claude Sonnet 4.5 input tokens",
    "InvoiceIssuerName": "Amazon Web Services",
    "ServiceName": "Amazon Bedrock",
    "ServiceCategory": "AI and Machine Learning",
    "PricingQuantity": "1",
    "PricingUnit": "1000000 Tokens",
    "ConsumedQuantity": "1000000",
    "ConsumedUnit": "Tokens",
}
AI_DETAILS = {
    "ModelDeveloper": "Anthropic",
    "ModelFamily": "Claude",
    "ModelId": "claude-sonnet-4-5-20250929",
    "ModelVersion": "4.5",
}


def write(path: Path, rows: list[dict[str, str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


def one(store: Store, sql: str) -> tuple:
    with store.reader() as con:
        return con.execute(sql).fetchall()[0]


def test_a_focus_1_4_file_keeps_its_providers(tmp_path: Path) -> None:
    row = BASE | {
        "ServiceProviderName": "Anthropic",
        "HostProviderName": "Amazon Web Services",
        "SkuMeter": "Input Tokens",
        "SkuPriceDetails": json.dumps(AI_DETAILS),
    }
    store = Store(tmp_path / "s.duckdb")
    result = import_focus(store, write(tmp_path / "f14.csv", [row]))
    assert one(
        store, "SELECT ProviderName, PublisherName, ServiceProviderName, HostProviderName FROM costs"
    ) == (
        "Anthropic",
        "Anthropic",
        "Anthropic",
        "Amazon Web Services",
    )
    assert not any("ProviderName" in w for w in result.warnings)


def test_focus_1_5_ai_properties_feed_model_token_type_and_tokens(tmp_path: Path) -> None:
    rows = [
        BASE | {"ServiceProviderName": "Anthropic", "SkuMeter": meter, "SkuPriceDetails": json.dumps(AI_DETAILS),
                "PricingQuantity": qty, "ConsumedQuantity": str(int(Decimal(qty) * 1_000_000))}
        for meter, qty in (("Input Tokens", "2.5"), ("Output Tokens", "0.5"))
    ]  # fmt: skip
    store = Store(tmp_path / "s.duckdb")
    import_focus(store, write(tmp_path / "ai.csv", rows))
    with store.reader() as con:
        got = con.execute(
            "SELECT x_Model, x_TokenType, x_Tokens FROM costs ORDER BY x_Tokens DESC"
        ).fetchall()
    assert got == [("claude-sonnet-4-5", "input", 2_500_000), ("claude-sonnet-4-5", "output", 500_000)]


def test_focus_1_3_allocation_contract_and_invoice_detail_columns_are_kept(tmp_path: Path) -> None:
    applied = [
        {
            "ContractCommitmentId": "cc-1",
            "ContractCommitmentAppliedCost": 3.0,
            "ContractCommitmentAppliedQuantity": 3.0,
            "ContractCommitmentAppliedUnit": "USD",
        }
    ]
    row = BASE | {
        "ProviderName": "AWS",
        "PublisherName": "AWS",
        "ServiceProviderName": "AWS",
        "InvoiceDetailId": "inv-7-line-3",
        "AllocatedMethodId": "proportional-cpu",
        "AllocatedMethodDetails": json.dumps({"Basis": "cpu"}),
        "AllocatedResourceId": "eks/cluster-1/pod-9",
        "AllocatedResourceName": "pod-9",
        "AllocatedTags": json.dumps({"team": "search"}),
        "ContractApplied": json.dumps(applied),
    }
    store = Store(tmp_path / "s.duckdb")
    import_focus(store, write(tmp_path / "f13.csv", [row]))
    got = one(
        store,
        "SELECT InvoiceDetailId, AllocatedMethodId, AllocatedResourceId, AllocatedResourceName, "
        "json_extract_string(AllocatedTags, '$.team'), json_extract_string(ContractApplied, '$[0].ContractCommitmentId'), "
        "CAST(json_extract(ContractApplied, '$[0].ContractCommitmentAppliedCost') AS DECIMAL(10,2)) FROM costs",
    )
    assert got == (
        "inv-7-line-3",
        "proportional-cpu",
        "eks/cluster-1/pod-9",
        "pod-9",
        "search",
        "cc-1",
        Decimal("3.00"),
    )


def test_column_names_of_every_version_map_to_one_schema(tmp_path: Path) -> None:
    v10 = {
        "Provider": "Acme",
        "Publisher": "Acme",
        "AmortizedCost": "2.00",
        "BilledCost": "2.00",
        "ChargePeriodStart": "2026-10-01",
        "ChargePeriodEnd": "2026-10-02",
        "UsageQuantity": "5",
        "UsageUnit": "GB",
        "Region": "us-east-1",
        "ChargeType": "Usage",
    }
    v12 = {
        "ProviderName": "Acme",
        "PublisherName": "Acme",
        "EffectiveCost": "2.00",
        "BilledCost": "2.00",
        "ChargePeriodStart": "2026-10-01",
        "ChargePeriodEnd": "2026-10-02",
        "ConsumedQuantity": "5",
        "ConsumedUnit": "GB",
        "RegionId": "us-east-1",
        "ChargeCategory": "Usage",
    }
    v14 = {k: v for k, v in v12.items() if k not in ("ProviderName", "PublisherName")} | {
        "ServiceProviderName": "Acme"
    }
    query = "SELECT ProviderName, PublisherName, EffectiveCost, ConsumedQuantity, ConsumedUnit, RegionId, ChargeCategory FROM costs"
    seen = set()
    for name, row in (("v10", v10), ("v12", v12), ("v14", v14)):
        store = Store(tmp_path / f"{name}.duckdb")
        import_focus(store, write(tmp_path / f"{name}.csv", [row]))
        seen.add(one(store, query))
    assert seen == {("Acme", "Acme", Decimal("2.00"), Decimal(5), "GB", "us-east-1", "Usage")}


def test_the_contract_commitment_dataset_is_stored_beside_the_costs(tmp_path: Path) -> None:
    rows = [
        {"ContractId": "msa-2026", "ContractCommitmentId": f"cc-{i}", "ContractCommitmentCategory": "Spend",
         "ContractCommitmentType": "Enterprise Discount Program", "ContractCommitmentDescription": "EDP year 1",
         "ContractCommitmentCost": cost, "ContractCommitmentQuantity": "", "ContractCommitmentUnit": "USD",
         "ContractCommitmentPeriodStart": "2026-01-01T00:00:00Z", "ContractCommitmentPeriodEnd": "2027-01-01T00:00:00Z",
         "ContractPeriodStart": "2026-01-01T00:00:00Z", "ContractPeriodEnd": "2029-01-01T00:00:00Z",
         "BillingCurrency": "USD"}
        for i, cost in enumerate(("1000000.00", "250000.50"))
    ]  # fmt: skip
    store = Store(tmp_path / "s.duckdb")
    result = import_focus(store, write(tmp_path / "contract_commitment.csv", rows))
    assert (result.kind, result.rows_inserted) == ("focus_contract_commitment", 2)
    assert one(store, "SELECT count(*), sum(ContractCommitmentCost) FROM contract_commitments") == (
        2,
        Decimal("1250000.50"),
    )
    assert one(store, "SELECT count(*) FROM costs") == (0,)
    assert import_focus(store, tmp_path / "contract_commitment.csv").status == "duplicate"
