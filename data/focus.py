"""FOCUS column catalogue: names, kinds and the renames between FOCUS versions."""

from __future__ import annotations

MONEY = "DECIMAL(38,10)"
QUANTITY = "DECIMAL(38,10)"

# FOCUS 1.2, in specification order. Kind: string | decimal | timestamp | json.
FOCUS_COLUMNS: dict[str, str] = {
    "AvailabilityZone": "string",
    "BilledCost": "decimal",
    "BillingAccountId": "string",
    "BillingAccountName": "string",
    "BillingAccountType": "string",
    "BillingCurrency": "string",
    "BillingPeriodEnd": "timestamp",
    "BillingPeriodStart": "timestamp",
    "CapacityReservationId": "string",
    "CapacityReservationStatus": "string",
    "ChargeCategory": "string",
    "ChargeClass": "string",
    "ChargeDescription": "string",
    "ChargeFrequency": "string",
    "ChargePeriodEnd": "timestamp",
    "ChargePeriodStart": "timestamp",
    "CommitmentDiscountCategory": "string",
    "CommitmentDiscountId": "string",
    "CommitmentDiscountName": "string",
    "CommitmentDiscountQuantity": "decimal",
    "CommitmentDiscountStatus": "string",
    "CommitmentDiscountType": "string",
    "CommitmentDiscountUnit": "string",
    "ConsumedQuantity": "decimal",
    "ConsumedUnit": "string",
    "ContractedCost": "decimal",
    "ContractedUnitPrice": "decimal",
    "EffectiveCost": "decimal",
    "InvoiceId": "string",
    "InvoiceIssuerName": "string",
    "ListCost": "decimal",
    "ListUnitPrice": "decimal",
    "PricingCategory": "string",
    "PricingCurrency": "string",
    "PricingCurrencyContractedUnitPrice": "decimal",
    "PricingCurrencyEffectiveCost": "decimal",
    "PricingCurrencyListUnitPrice": "decimal",
    "PricingQuantity": "decimal",
    "PricingUnit": "string",
    "ProviderName": "string",
    "PublisherName": "string",
    "RegionId": "string",
    "RegionName": "string",
    "ResourceId": "string",
    "ResourceName": "string",
    "ResourceType": "string",
    "ServiceCategory": "string",
    "ServiceName": "string",
    "ServiceSubcategory": "string",
    "SkuId": "string",
    "SkuMeter": "string",
    "SkuPriceDetails": "json",
    "SkuPriceId": "string",
    "SubAccountId": "string",
    "SubAccountName": "string",
    "SubAccountType": "string",
    "Tags": "json",
}

# FOCUS 1.3 / 1.4 columns of the cost and usage dataset beyond 1.2 (migration 0020). They are stored under their
# own names; ProviderName / PublisherName (deprecated in 1.3, gone in 1.4) are filled from ServiceProviderName.
FOCUS_13_COLUMNS: dict[str, str] = {
    "AllocatedMethodDetails": "json",
    "AllocatedMethodId": "string",
    "AllocatedResourceId": "string",
    "AllocatedResourceName": "string",
    "AllocatedTags": "json",
    "ContractApplied": "json",
    "HostProviderName": "string",
    "InvoiceDetailId": "string",
    "ServiceProviderName": "string",
}

# The FOCUS 1.3 contract commitment dataset (a separate file of an export): column -> kind.
CONTRACT_COMMITMENT_COLUMNS: dict[str, str] = {
    "BillingCurrency": "string",
    "ContractCommitmentCategory": "string",
    "ContractCommitmentCost": "decimal",
    "ContractCommitmentDescription": "string",
    "ContractCommitmentId": "string",
    "ContractCommitmentPeriodEnd": "timestamp",
    "ContractCommitmentPeriodStart": "timestamp",
    "ContractCommitmentQuantity": "decimal",
    "ContractCommitmentType": "string",
    "ContractCommitmentUnit": "string",
    "ContractId": "string",
    "ContractPeriodEnd": "timestamp",
    "ContractPeriodStart": "timestamp",
}

# spendscope's AI columns, derived by every importer (docs/schema.md), and the provenance columns of `costs`.
AI_COLUMNS: dict[str, str] = {
    "x_Model": "VARCHAR",
    "x_TokenType": "VARCHAR",
    "x_Tokens": "BIGINT",
    "x_Requests": "BIGINT",
    "x_GpuCount": "INTEGER",
    "x_InstanceType": "VARCHAR",
    "x_GpuHours": "DECIMAL(38,10)",
}
PROVENANCE_COLUMNS = ("x_Source", "x_ImportId", "x_SourceFile", "x_SourceRow", "x_RowHash")

# Without these a row cannot be costed or placed in time: their absence rejects the file.
REQUIRED_COLUMNS = ("BilledCost", "EffectiveCost", "ChargePeriodStart", "ChargePeriodEnd")

# The rest of FOCUS 1.2's mandatory set: absent ones are imported as NULL and reported as a warning.
MANDATORY_COLUMNS = (
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
)

# Names used by FOCUS 0.5 / 1.0-preview / 1.0 exports for columns that 1.2 renamed.
RENAMES: dict[str, str] = {
    "provider": "ProviderName",
    "publisher": "PublisherName",
    "invoiceissuer": "InvoiceIssuerName",
    "amortizedcost": "EffectiveCost",
    "usagequantity": "ConsumedQuantity",
    "usageunit": "ConsumedUnit",
    "region": "RegionId",
    "chargetype": "ChargeCategory",
    "chargesubcategory": "x_ChargeSubcategory",
}

_BY_LOWER = {name.lower(): name for name in (*FOCUS_COLUMNS, *FOCUS_13_COLUMNS)}


def column_kind(name: str) -> str:
    """string | decimal | timestamp | json for a FOCUS column of any version (string for anything else)."""
    return FOCUS_COLUMNS.get(name) or FOCUS_13_COLUMNS.get(name) or "string"


def canonical_name(header: str) -> str:
    """Map a header of any FOCUS version (any case) to the store's name (1.2 names, plus the 1.3/1.4 columns under
    their own names); extra columns get the `x_` prefix."""
    clean = header.strip().lstrip("\ufeff").strip().strip('"')
    low = clean.lower()
    if low in _BY_LOWER:
        return _BY_LOWER[low]
    if low in RENAMES:
        return RENAMES[low]
    if low.startswith("x_"):
        return "x_" + clean[2:]
    safe = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in clean).strip("_") or "Column"
    return "x_" + safe
