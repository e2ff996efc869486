"""Benchmark `spendscope import azure` against a bare DuckDB read of the same file.

Generates N rows of an Azure EA cost export (CSV, the columns of Cost Management's EA export: Azure OpenAI token
meters of several deployments, GPU and CPU virtual machines, storage; Tags and AdditionalInfo as JSON; a realistic
number of distinct resources), and compares the whole import with the bare DuckDB load of the same file
(bench/import_bench_harness.py: each side in its own child process; time, CPU time, peak RSS). No arguments
needed (default 1M rows).

    .venv/bin/python bench/bench_import_azure.py [--rows 1000000]
"""

from __future__ import annotations

from pathlib import Path

from import_bench_harness import generator, run

# (MeterCategory, MeterSubCategory, MeterName, UnitOfMeasure, unit price, ServiceType, ConsumedService)
METERS = [
    (
        "Foundry Models",
        "Azure OpenAI",
        "gpt-4o-0806-Inp-glbl Tokens",
        "1K",
        "0.0025",
        "",
        "Microsoft.CognitiveServices",
    ),
    (
        "Foundry Models",
        "Azure OpenAI",
        "gpt-4o-0806-Outp-glbl Tokens",
        "1K",
        "0.01",
        "",
        "Microsoft.CognitiveServices",
    ),
    (
        "Foundry Models",
        "Azure OpenAI",
        "gpt-4o-mini-0718-Inp-glbl Tokens",
        "1K",
        "0.00015",
        "",
        "Microsoft.CognitiveServices",
    ),
    (
        "Foundry Models",
        "Azure OpenAI",
        "gpt-4o-mini-0718-Outp-glbl Tokens",
        "1K",
        "0.0006",
        "",
        "Microsoft.CognitiveServices",
    ),
    (
        "Foundry Models",
        "Azure OpenAI",
        "gpt-4.1-cchd-Inp-glbl Tokens",
        "1K",
        "0.0005",
        "",
        "Microsoft.CognitiveServices",
    ),
    (
        "Virtual Machines",
        "NCadsH100v5 Series",
        "NC40ads H100 v5",
        "1 Hour",
        "6.98",
        "Standard_NC40ads_H100_v5",
        "Microsoft.Compute",
    ),
    (
        "Virtual Machines",
        "NVadsA10v5 Series",
        "NV36ads A10 v5",
        "1 Hour",
        "3.2",
        "Standard_NV36ads_A10_v5",
        "Microsoft.Compute",
    ),
    ("Virtual Machines", "Dv5 Series", "D4 v5", "1 Hour", "0.192", "Standard_D4_v5", "Microsoft.Compute"),
    ("Storage", "Tiered Block Blob", "Hot LRS Data Stored", "1 GB/Month", "0.0184", "", "Microsoft.Storage"),
    (
        "Bandwidth",
        "Rtn Preference: MGN",
        "Standard Data Transfer Out",
        "1 GB",
        "0.087",
        "",
        "Microsoft.Network",
    ),
]


def generate(path: Path, rows: int, resources: int = 20_000) -> int:
    con = generator(path)
    con.execute(
        "CREATE TABLE m (i INTEGER, cat VARCHAR, sub VARCHAR, meter VARCHAR, unit VARCHAR, price VARCHAR, "
        "stype VARCHAR, svc VARCHAR)"
    )
    con.executemany("INSERT INTO m VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [(i, *m) for i, m in enumerate(METERS)])
    con.execute(
        f"""
        COPY (
          SELECT
            '8611537' AS BillingAccountId, 'Contoso EA' AS BillingAccountName,
            '04/01/2026' AS BillingPeriodStartDate, '04/30/2026' AS BillingPeriodEndDate,
            '8611537' AS BillingProfileId, 'Contoso EA' AS BillingProfileName,
            'owner@contoso.example' AS AccountOwnerId, 'Platform' AS AccountName,
            '9ec51cfd-5ca7-4d76-8101-' || lpad(CAST(r % 8 AS VARCHAR), 12, '0') AS SubscriptionId,
            'sub-' || (r % 8) AS SubscriptionName,
            strftime(DATE '2026-04-01' + CAST(r % 30 AS INTEGER), '%m/%d/%Y') AS Date,
            m.sub || ' - ' || m.meter AS Product, 'PN-' || m.i AS PartNumber,
            '14fc9a21-4919-4cb1-b495-' || lpad(CAST(m.i AS VARCHAR), 12, '0') AS MeterId,
            'Compute' AS ServiceFamily, m.cat AS MeterCategory, m.sub AS MeterSubCategory, 'US East' AS MeterRegion,
            m.meter AS MeterName,
            CAST(round(1 + (hash(r * 7) % 100000) / 100.0, 2) AS VARCHAR) AS Quantity, m.price AS EffectivePrice,
            CAST(round((1 + (hash(r * 7) % 100000) / 100.0) * CAST(m.price AS DOUBLE), 8) AS VARCHAR) AS Cost,
            m.price AS UnitPrice, 'USD' AS BillingCurrency, 'EastUS' AS ResourceLocation, '' AS AvailabilityZone,
            m.svc AS ConsumedService,
            '/subscriptions/9ec51cfd/resourceGroups/rg-' || (r % 40) || '/providers/' || m.svc || '/accounts/res-'
                || (hash(r) % {resources}) AS ResourceId,
            'res-' || (hash(r) % {resources}) AS ResourceName, '' AS ServiceInfo1, '' AS ServiceInfo2,
            CASE WHEN m.stype <> '' THEN '{{"ServiceType":"' || m.stype || '","VCPUs":8}}' ELSE '' END AS AdditionalInfo,
            '{{"team":"team-' || (r % 12) || '","env":"' || CASE WHEN r % 3 = 0 THEN 'dev' ELSE 'prod' END || '"}}'
                AS Tags,
            'IS-1' AS InvoiceSectionId, 'Engineering' AS InvoiceSection, 'CC-' || (r % 5) AS CostCenter,
            m.unit AS UnitOfMeasure, 'rg-' || (r % 40) AS ResourceGroup, '' AS ReservationId, '' AS ReservationName,
            '' AS ProductOrderId, '' AS ProductOrderName, 'MS-AZR-0017P' AS OfferId, 'True' AS IsAzureCreditEligible,
            '' AS Term, 'Microsoft' AS PublisherName, '' AS PlanName, 'Usage' AS ChargeType, 'UsageBased' AS Frequency,
            'Azure' AS PublisherType,
            m.price AS PayGPrice, 'OnDemand' AS PricingModel, '' AS CostAllocationRuleName, '' AS benefitId,
            '' AS benefitName
          FROM range({rows}) AS t(r) JOIN m ON m.i = r % {len(METERS)}
          ORDER BY r
        ) TO '{path}' (HEADER, DELIMITER ',')
        """
    )
    con.close()
    return rows


if __name__ == "__main__":
    run(__doc__, "azure", "azure", generate)
