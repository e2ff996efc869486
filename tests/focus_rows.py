"""Builders for small FOCUS files used by the data-layer tests (independent of the importer under test)."""

from __future__ import annotations

import csv
import gzip
from decimal import Decimal
from pathlib import Path

HEADER = [
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
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractedCost",
    "EffectiveCost",
    "InvoiceIssuerName",
    "ListCost",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "ResourceId",
    "ResourceName",
    "ServiceCategory",
    "ServiceName",
    "SkuMeter",
    "SkuPriceDetails",
    "SubAccountName",
    "Tags",
]


def row(
    day: int,
    cost: str,
    *,
    model: str = "gpt-4o-mini",
    kind: str = "Input",
    tokens: int = 1_000_000,
    team: str | None = "search",
    provider: str = "OpenAI",
    month: str = "2026-10",
) -> dict[str, str]:
    start = f"{month}-{day:02d}T00:00:00Z"
    end = f"{month}-{day + 1:02d}T00:00:00Z" if day < 28 else f"{month}-{day:02d}T23:59:59Z"
    tags = f'{{"team":"{team}","feature":"chat"}}' if team else ""
    return {
        "BilledCost": cost,
        "BillingAccountId": "acct-1",
        "BillingAccountName": "Acme",
        "BillingCurrency": "USD",
        "BillingPeriodEnd": "2026-11-01T00:00:00Z",
        "BillingPeriodStart": f"{month}-01T00:00:00Z",
        "ChargeCategory": "Usage",
        "ChargeClass": "",
        "ChargeDescription": f"{model} {kind.lower()} tokens",
        "ChargePeriodEnd": end,
        "ChargePeriodStart": start,
        "ConsumedQuantity": str(tokens),
        "ConsumedUnit": "Tokens",
        "ContractedCost": cost,
        "EffectiveCost": cost,
        "InvoiceIssuerName": provider,
        "ListCost": cost,
        "PricingQuantity": str(Decimal(tokens) / 1_000_000),
        "PricingUnit": "1M Tokens",
        "ProviderName": provider,
        "PublisherName": provider,
        "ResourceId": f"proj_1/{model}",
        "ResourceName": model,
        "ServiceCategory": "AI and Machine Learning",
        "ServiceName": "OpenAI API",
        "SkuMeter": f"{kind} Tokens",
        "SkuPriceDetails": "",
        "SubAccountName": "search-prod",
        "Tags": tags,
    }


def write(
    path: Path,
    rows: list[dict[str, str]],
    *,
    header: list[str] | None = None,
    gz: bool = False,
    bom: bool = False,
) -> Path:
    header = header or HEADER
    opener = gzip.open if gz else open
    with opener(path, "wt", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow(r)
    return path


def total(rows: list[dict[str, str]], column: str = "EffectiveCost") -> Decimal:
    return sum((Decimal(r[column]) for r in rows if r.get(column)), Decimal(0))
