"""`spendscope import azure`: Azure Cost Management exports (EA and MCA; actual or amortised cost), as CSV,
.csv.gz or Parquet, with any header case (EA `CostInBillingCurrency`, older EA `Cost`, MCA `costInBillingCurrency`).

* Quantities come in blocks of the `UnitOfMeasure` (`1K`, `1M`, `10K`, `100 Hours`): ConsumedQuantity and
  x_Tokens are in single units, PricingQuantity stays in blocks (PricingUnit `1000 Tokens` for token meters).
* Azure OpenAI (and Foundry Models) meters carry the model, direction, cache, deployment type and batch only in
  the meter name (`gpt-4o-mini-0718-Inp-glbl Tokens`, `gpt 4o 1120 cached Inp glbl`): parsed into x_Model,
  x_TokenType and SkuPriceDetails `x_DeploymentType` / `x_ServiceTier` / `x_Modality`.
* MCA exports name the billing account and, beside it, the billing profile the bill is issued for: the profile is
  kept in x_BillingProfileId, so the FOCUS export of the same bill (which names the profile as BillingAccountId)
  is recognised as the same bill (data/scopes.py).
* Reservations and savings plans (including Azure OpenAI PTU reservations) become commitment rows.
* Actual vs amortised: an export is read as amortised when it has UnusedReservation/UnusedSavingsPlan rows or
  commitment-covered usage with a cost (or its file name says so). Actual: BilledCost = EffectiveCost = cost.
  Amortised: EffectiveCost = cost, and commitment-covered and unused rows get BilledCost 0 (they were billed by
  the purchase), as FOCUS asks. Import one of the two views per period, not both: commitment rows carry the
  view in SkuPriceDetails `x_CostView` (`ActualCost` / `AmortizedCost`, Azure's export types), and an import
  that would leave a billing period holding both views is refused (data/scopes.py).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb
from spendscope.data.cost_writer import empty_cost_warning
from spendscope.data.file_kinds import elsewhere
from spendscope.data.gpu_catalog import gpu_count
from spendscope.data.import_common import (
    Staging,
    as_file_stage,
    classify_raw_keys,
    collect_keys,
    compute_distinct,
    key_hash,
    load_text,
    parse_dates_once,
    parse_once,
    parsed_name,
    read_rows,
    reject_first_bad,
    reject_flagged,
    row_number,
    row_warning,
    run_import,
    value_checks,
)
from spendscope.data.importing import ImportResult, Progress, reject
from spendscope.data.models import normalize_model, token_type_of
from spendscope.data.scopes import COST_VIEW, PROFILE
from spendscope.data.sql import (
    ident,
    pairs_to_json,
    parse_decimal,
    plus_days_utc,
    plus_months_utc,
    repair_json,
    rounded_integer,
    rounded_product,
)
from spendscope.data.store import Store

KIND = "azure"

COST = ("CostInBillingCurrency", "Cost", "PreTaxCost")
DATE = ("Date", "UsageDate", "UsageDateTime")

# MeterCategory -> (ServiceCategory, ServiceSubcategory)
SERVICES: dict[str, tuple[str, str | None]] = {
    "cognitive services": ("AI and Machine Learning", "AI Platforms"),
    "azure openai": ("AI and Machine Learning", "Generative AI"),
    "foundry models": ("AI and Machine Learning", "Generative AI"),
    "foundry tools": ("AI and Machine Learning", "AI Platforms"),
    "azure machine learning": ("AI and Machine Learning", "Machine Learning"),
    "machine learning": ("AI and Machine Learning", "Machine Learning"),
    "azure ai search": ("AI and Machine Learning", "Other (AI and Machine Learning)"),
    "virtual machines": ("Compute", "Virtual Machines"),
    "virtual machines licenses": ("Compute", "Virtual Machines"),
    "azure app service": ("Compute", "Other (Compute)"),
    "functions": ("Compute", "Serverless Compute"),
    "azure kubernetes service": ("Compute", "Containers"),
    "container instances": ("Compute", "Containers"),
    "azure container apps": ("Compute", "Containers"),
    "container registry": ("Compute", "Containers"),
    "storage": ("Storage", "Storage Platforms"),
    "backup": ("Storage", "Backup Storage"),
    "virtual network": ("Networking", "Network Infrastructure"),
    "bandwidth": ("Networking", "Network Connectivity"),
    "load balancer": ("Networking", "Application Networking"),
    "vpn gateway": ("Networking", "Network Connectivity"),
    "application gateway": ("Networking", "Application Networking"),
    "azure dns": ("Networking", "Network Routing"),
    "azure front door service": ("Networking", "Content Delivery"),
    "ip addresses": ("Networking", "Network Infrastructure"),
    "sql database": ("Databases", "Relational Databases"),
    "sql managed instance": ("Databases", "Relational Databases"),
    "azure database for mysql": ("Databases", "Relational Databases"),
    "azure database for postgresql": ("Databases", "Relational Databases"),
    "azure cosmos db": ("Databases", "NoSQL Databases"),
    "redis cache": ("Databases", "Caching"),
    "event hubs": ("Integration", "Messaging"),
    "service bus": ("Integration", "Messaging"),
    "logic apps": ("Integration", "Workflow Orchestration"),
    "api management": ("Integration", "API Management"),
    "azure monitor": ("Management and Governance", "Observability"),
    "log analytics": ("Management and Governance", "Observability"),
    "key vault": ("Security", "Secret Management"),
    "advanced data security": ("Security", "Security Posture Management"),
    "microsoft defender for cloud": ("Security", "Security Posture Management"),
}

_AI_TEXT = re.compile(r"openai|foundry|cognitive|azure ai\b", re.I)
_BLOCK = re.compile(r"^\s*(\d+(?:\.\d+)?)(?![\d.])([KMB])?(?![A-Za-z])\s*(.*)$")
_PTU = re.compile(r"provisioned|\bptu\b|throughput unit", re.I)

_OUTPUTS = {
    "block": "DOUBLE",
    "consumed_unit": "VARCHAR",
    "pricing_unit": "VARCHAR",
    "x_Model": "VARCHAR",
    "x_TokenType": "VARCHAR",
    "tokens": "BOOLEAN",
    "deployment": "VARCHAR",
    "tier": "VARCHAR",
    "modality": "VARCHAR",
    "category": "VARCHAR",
    "subcategory": "VARCHAR",
    "service": "VARCHAR",
    "x_InstanceType": "VARCHAR",
    "x_GpuCount": "INTEGER",
}


def unit_block(unit: str | None) -> tuple[float, str]:
    """Azure `UnitOfMeasure` -> (block size, distinct unit): `1K` -> (1000, 'Units'), `100 Hours` -> (100, 'Hours'),
    `10K` -> (10000, 'Units'), `1 GB/Month` -> (1, 'GB/Month'), `Hours` -> (1, 'Hours')."""
    text = (unit or "").strip()
    m = _BLOCK.match(text)
    if not m:
        return 1.0, _distinct(text)
    size = float(m.group(1)) * {"K": 1e3, "M": 1e6, "B": 1e9, None: 1.0}[m.group(2)]
    return size, _distinct(m.group(3))


def _distinct(rest: str) -> str:
    rest = re.sub(r"^\d+\s+", "", rest.strip())  # `1 1 Hour`
    if not rest:
        return "Units"
    if rest.startswith("/"):
        return "Units" + rest.replace(" ", "")
    if re.fullmatch(r"(?i)hours?|hrs?|1 hour", rest):
        return "Hours"
    return rest


def meter_model(meter: str, product: str, subcategory: str) -> str | None:
    """The model an Azure AI meter bills. DeepSeek meters on Azure are just `R1 Inp glbl Tokens`."""
    for text in (meter, product, subcategory):
        model = normalize_model(text)
        if model:
            return model
    if re.match(r"(?i)(?:deepseek[\s-]*)?r1\b", meter):
        return "deepseek-r1"
    return None


def classify(row: dict[str, Any]) -> dict[str, Any]:
    meter = row["meter"] or ""
    product = row["product"] or ""
    sub = row["subcategory"] or ""
    category = (row["category"] or "").strip()
    block, distinct = unit_block(row["unit"])
    svc_category, svc_sub = SERVICES.get(category.lower(), (None, None))
    ai = svc_category == "AI and Machine Learning" or bool(_AI_TEXT.search(f"{category} {sub} {product}"))
    out: dict[str, Any] = {"block": block, "consumed_unit": distinct, "pricing_unit": row["unit"]}
    generative = ai and (bool(re.search(r"openai|foundry models", f"{category} {sub} {product}", re.I)))
    if ai:
        model = meter_model(meter, product, sub)
        ptu = bool(_PTU.search(f"{meter} {product}"))
        kind = token_type_of(meter)
        tokens = not ptu and ("token" in meter.lower() or (model is not None and kind is not None))
        out.update(x_Model=model, tokens=tokens)
        generative = generative or model is not None
        if tokens:
            out.update(x_TokenType=kind, consumed_unit="Tokens", pricing_unit=f"{block:.0f} Tokens")
        low = f" {meter.lower()} "
        if re.search(r"glbl|global", low):
            out["deployment"] = "Global"
        elif re.search(r"dzone|data\s*zone|datazone", low):
            out["deployment"] = "DataZone"
        elif re.search(r"regnl|regional", low):
            out["deployment"] = "Regional"
        out["tier"] = (
            "provisioned"
            if ptu
            else "batch"
            if re.search(r"\bbatch\b|-batch-", low)
            else ("standard" if tokens else None)
        )
        if re.search(r"\baud\b|-aud-|audio", low):
            out["modality"] = "audio"
        elif re.search(r"\bimg\b|image", low):
            out["modality"] = "image"
    if generative:
        svc_category, svc_sub = "AI and Machine Learning", "Generative AI"
    out["category"] = svc_category or ("AI and Machine Learning" if ai else "Other")
    out["subcategory"] = svc_sub
    out["service"] = "Azure OpenAI" if re.search(r"openai", f"{sub} {product}", re.I) else (category or None)
    if category.lower().startswith("virtual machines"):
        size = re.sub(r"(?i)\s+(spot|low priority)$", "", meter.split("/")[0].strip())
        instance = (row["service_type"] or "").strip().lower() or "standard_" + re.sub(
            r"\s+", "_", size.lower()
        )
        if gpu_count(instance):
            out.update(x_InstanceType=instance, x_GpuCount=gpu_count(instance))
    return out


def stage_azure(con: duckdb.DuckDBPyConnection, path: Path, progress: Progress | None = None) -> Staging:
    if progress:
        progress("reading", 0.1)
    src = load_text(con, path)
    missing = [names[0] for names in (COST, DATE) if not src.has(*names)]
    if missing:
        raise reject(
            path,
            "is not an Azure Cost Management export: missing column(s) "
            + ", ".join(
                f"{m} (or {', '.join(n for n in (COST if m == COST[0] else DATE)[1:])})" for m in missing
            )
            + elsewhere(path, "azure", src.columns),
            missing=missing,
        )
    c = src.col
    if progress:
        progress("validating", 0.25)
    numbers = [COST, ("Quantity",), ("EffectivePrice",), ("UnitPrice",), ("PayGPrice",)]
    dates = [DATE, ("BillingPeriodStartDate",), ("BillingPeriodEndDate",)]
    # numbers parsed once in the staging query; dates once per distinct text (`parse_dates_once`, below)
    parsed, flag = parse_once(src, numbers=numbers, dates=[], required_date=DATE)

    def num(names: tuple[str, ...]) -> str:  # the value parsed once in the staging query
        return parsed_name(names[0]) if parsed_name(names[0]) in parsed else parse_decimal(c(*names))

    def ts(names: tuple[str, ...]) -> str:
        return dated.values.get(names[0], "CAST(NULL AS TIMESTAMPTZ)")

    if progress:
        progress("classifying meters", 0.35)
    # the meter fields and the raw AdditionalInfo text: what a row's meter answers and SkuPriceDetails depend on
    keys = {
        "meter": c("MeterName"),
        "product": c("ProductName", "Product"),
        "subcategory": c("MeterSubCategory"),
        "category": c("MeterCategory"),
        "unit": c("UnitOfMeasure"),
        "info": c("AdditionalInfo"),
    }
    tag_keys = {"tags": c("Tags")}  # tag sets repeat across millions of lines: repair each once
    cost = parse_decimal(c(*COST))
    qty = parse_decimal(c("Quantity"))
    charge_type = c("ChargeType")
    pricing_model = c("PricingModel")
    hint = {"amortised": _amortised_line(cost, charge_type, pricing_model)}  # over `raw`, before staging
    cost, qty = num(COST), num(("Quantity",))
    # the file read once, on every core, each row with its data row (read_rows); numbers and dates parsed once
    read_rows(
        con,
        src,
        "azure_rows",
        f"SELECT *, {flag} AS x_Bad FROM (SELECT *, {', '.join(f'{e} AS {a}' for a, e in parsed.items())} FROM raw)",
    )
    dated = parse_dates_once(con, src, "azure_rows", dates, "azure_dates", period=tuple(dates))  # type: ignore[arg-type]
    # to name a bad value, slash dates in the file's order
    checks = value_checks(
        src, numbers=numbers, dates=dates, required_date=DATE, day_first=dated.order.day_first
    )
    if dated.bad:
        reject_first_bad(con, src, checks)
    # the distinct meter and tag combinations (and whether any line looks amortised), from the rows read; each
    # combination is then worked out once
    class_cols, tag_cols, hint_cols = collect_keys(con, "azure_rows", [keys, tag_keys, hint], "azure_keys")
    _meter_answers(con, class_cols)
    compute_distinct(con, "azure_keys", tag_cols, {"tags_json": repair_json(ident("tags"))}, "azure_tags")

    commitment = f"({pricing_model} IN ('Reservation', 'SavingsPlan'))"
    unused = f"({charge_type} IN ('UnusedReservation', 'UnusedSavingsPlan'))"
    amortised = _is_amortised(con, path, hint_cols["amortised"])
    covered = f"({commitment} AND ({charge_type} = 'Usage' OR {unused}))"
    billed = f"CASE WHEN {covered} THEN 0 ELSE {cost} END" if amortised else cost
    effective = (
        f"CASE WHEN {commitment} AND {charge_type} IN ('Purchase', 'Refund') THEN 0 ELSE {cost} END"
        if amortised
        else cost
    )
    usage = f"(coalesce({charge_type}, 'Usage') = 'Usage')"
    date = ts(DATE)
    month_start = f"date_trunc('month', {date})"
    resource_id = c("ResourceId", "InstanceId")
    block = "CAST(k.block AS DECIMAL(38,10))"
    tokens = f"CASE WHEN k.tokens AND {usage} THEN {rounded_integer(qty, block)} END"
    consumed = rounded_product(qty, block)
    commitment_id = f"CASE WHEN {commitment} THEN coalesce(nullif({c('benefitId')}, ''), nullif({c('ReservationId')}, '')) END"
    payg = num(("PayGPrice",))
    unit_price = num(("UnitPrice",))
    select = {
        "x_SourceRow": row_number("raw"),  # azure_rows knows each row's line (the joins do not keep order)
        "AvailabilityZone": f"nullif({c('AvailabilityZone')}, '')",
        "BilledCost": billed,
        # a pay-as-you-go subscription is its own bill: its usage file (schema 2019-11-01: SubscriptionGuid,
        # PreTaxCost) names no billing account or profile, and Microsoft gives the subscription as the profile of
        # such a bill. Without a name every such file shared one scope, and restating one subscription's month
        # replaced the others' rows (probe 27)
        "BillingAccountId": f"coalesce(nullif({c('BillingAccountId')}, ''), nullif({c('BillingProfileId')}, ''), "
        f"nullif({c('SubscriptionId', 'SubscriptionGuid')}, ''))",
        "BillingAccountName": c("BillingAccountName"),
        "BillingCurrency": c("BillingCurrencyCode", "BillingCurrency", "Currency"),
        # MCA exports can leave the billing period empty: the charge date's month stands in (and a warning says so)
        "BillingPeriodStart": f"coalesce({ts(('BillingPeriodStartDate',))}, {month_start})",
        "BillingPeriodEnd": f"coalesce({plus_days_utc(ts(('BillingPeriodEndDate',)))}, "
        f"{plus_months_utc(month_start)})",
        "ChargeCategory": f"""CASE WHEN {charge_type} IS NULL OR {charge_type} = 'Usage' OR {unused} THEN 'Usage'
            WHEN {charge_type} IN ('Purchase', 'Refund') THEN 'Purchase' WHEN {charge_type} = 'Tax' THEN 'Tax'
            WHEN {charge_type} = 'Credit' THEN 'Credit' ELSE 'Adjustment' END""",
        "ChargeClass": f"CASE WHEN {charge_type} = 'Refund' THEN 'Correction' END",
        "ChargeDescription": c("ProductName", "Product"),
        "ChargeFrequency": f"CASE {c('Frequency')} WHEN 'UsageBased' THEN 'Usage-Based' WHEN 'Recurring' THEN 'Recurring' "
        f"WHEN 'OneTime' THEN 'One-Time' ELSE 'Usage-Based' END",
        "ChargePeriodStart": date,
        "ChargePeriodEnd": plus_days_utc(date),
        "CommitmentDiscountCategory": f"CASE {pricing_model} WHEN 'Reservation' THEN 'Usage' WHEN 'SavingsPlan' THEN 'Spend' END",
        "CommitmentDiscountId": commitment_id,
        "CommitmentDiscountName": f"CASE WHEN {commitment} THEN coalesce(nullif({c('benefitName')}, ''), "
        f"nullif({c('ReservationName')}, '')) END",
        "CommitmentDiscountQuantity": f"CASE WHEN {commitment} AND ({usage} OR {unused}) THEN {consumed} END",
        "CommitmentDiscountStatus": f"CASE WHEN {commitment} AND {unused} THEN 'Unused' "
        f"WHEN {commitment} AND {usage} THEN 'Used' END",
        "CommitmentDiscountType": f"CASE {pricing_model} WHEN 'Reservation' THEN 'Reservation' "
        f"WHEN 'SavingsPlan' THEN 'Savings Plan' END",
        "CommitmentDiscountUnit": f"CASE WHEN {commitment} AND ({usage} OR {unused}) THEN k.consumed_unit END",
        "ConsumedQuantity": f"CASE WHEN {usage} THEN {consumed} END",
        "ConsumedUnit": f"CASE WHEN {usage} THEN k.consumed_unit END",
        "ContractedCost": f"coalesce({rounded_product(unit_price, qty)}, {cost})",
        "ContractedUnitPrice": unit_price,
        "EffectiveCost": effective,
        "InvoiceId": c("InvoiceId"),
        "InvoiceIssuerName": "'Microsoft'",
        "ListCost": f"coalesce({parse_decimal(c('PaygCostInBillingCurrency'))}, {rounded_product(payg, qty)}, {cost})",
        "ListUnitPrice": payg,
        "PricingCategory": f"CASE {pricing_model} WHEN 'OnDemand' THEN 'Standard' WHEN 'Spot' THEN 'Dynamic' "
        f"WHEN 'Reservation' THEN 'Committed' WHEN 'SavingsPlan' THEN 'Committed' "
        f"WHEN '' THEN NULL ELSE CASE WHEN {pricing_model} IS NOT NULL THEN 'Other' END END",
        "PricingCurrency": c("PricingCurrency", "PricingCurrencyCode"),
        "PricingQuantity": qty,
        "PricingUnit": "k.pricing_unit",
        "ProviderName": "'Microsoft'",
        "PublisherName": f"coalesce(nullif({c('PublisherName')}, ''), 'Microsoft')",
        "RegionId": f"nullif(lower(replace({c('ResourceLocation')}, ' ', '')), '')",
        "RegionName": c("ResourceLocation"),
        "ResourceId": resource_id,
        "ResourceName": _resource_name(c("ResourceName"), resource_id),
        "ResourceType": _resource_type(resource_id),
        "ServiceCategory": "k.category",
        "ServiceName": f"coalesce(k.service, {c('ConsumedService')})",
        "ServiceSubcategory": "k.subcategory",
        "SkuId": c("ProductId", "PartNumber"),
        "SkuMeter": c("MeterName"),
        # commitment rows say which view they come from (scopes.py refuses a scope holding both views)
        "SkuPriceDetails": f"CASE WHEN {commitment} THEN CAST(json_merge_patch(coalesce(k.details, '{{}}'), "
        f'\'{{"{COST_VIEW}": "{"AmortizedCost" if amortised else "ActualCost"}"}}\') AS JSON) ELSE k.details END',
        "SubAccountId": c("SubscriptionId", "SubscriptionGuid"),
        "SubAccountName": c("SubscriptionName"),
        "SubAccountType": f"CASE WHEN {c('SubscriptionId', 'SubscriptionGuid')} IS NOT NULL THEN 'Subscription' END",
        "Tags": "CAST(tg.tags_json AS JSON)",
        "x_Model": "k.x_Model",
        "x_TokenType": "CASE WHEN k.tokens THEN k.x_TokenType END",
        "x_Tokens": tokens,
        "x_InstanceType": "k.x_InstanceType",
        "x_GpuCount": "k.x_GpuCount",
        "x_ResourceGroupName": c("ResourceGroup", "ResourceGroupName"),
        "x_SkuMeterCategory": c("MeterCategory"),
        "x_SkuMeterSubcategory": c("MeterSubCategory"),
        "x_SkuMeterId": c("MeterId"),
        "x_PricingBlockSize": "CASE WHEN k.block = floor(k.block) THEN CAST(CAST(k.block AS BIGINT) AS VARCHAR) "
        "ELSE CAST(k.block AS VARCHAR) END",
        "x_CostCenter": f"nullif({c('CostCenter')}, '')",
        # MCA: the bill's billing profile (Microsoft's FOCUS export names it as BillingAccountId; data/scopes.py
        # `_same_bill`). EA exports repeat the enrollment here.
        PROFILE: f"nullif({c('BillingProfileId')}, '')",
        "x_PeriodFallback": f"{ts(('BillingPeriodStartDate',))} IS NULL",
    }
    if progress:
        progress("mapping to FOCUS", 0.45)
    body = ",\n        ".join(f"{expr} AS {ident(name)}" for name, expr in select.items())
    # mapped as a view: the INSERT into the store is the only other pass over the rows
    con.execute(
        f"CREATE VIEW azure_staged AS SELECT {body}, raw.x_Bad FROM azure_rows AS raw "
        f"LEFT JOIN azure_meters AS k ON k.k = {key_hash(keys)} LEFT JOIN azure_tags AS tg ON tg.k = {key_hash(tag_keys)} "
        + " ".join(dated.joins)
    )
    con.execute("CREATE VIEW staged AS SELECT * EXCLUDE (x_PeriodFallback) FROM azure_staged")
    reject_flagged(con, src, checks, staged="azure_rows")
    con.execute("DROP VIEW raw_numbered")
    con.execute("DROP VIEW raw")
    warnings = [dated.order.warning] if dated.order.warning else []
    warnings += row_warning(
        con,
        "x_PeriodFallback",
        _PERIOD_EMPTY if "BillingPeriodStartDate" in dated.values else _PERIOD_ABSENT,
        column="CAST(ChargePeriodStart AS DATE)",
        table="azure_staged",
    )
    cost_column = src.has(*COST) or COST[0]
    return Staging(
        "staged",
        warnings,
        after=lambda con, rows: _warnings(con, rows, amortised) + empty_cost_warning(con, rows, cost_column),
    )


# What a user reads when a row's billing period was not in the file. A pay-as-you-go usage file (schema
# 2019-11-01) has no billing period column at all: saying its "billingPeriodStartDate is empty, as MCA exports
# can" named a column the file does not have and an agreement the user does not have (session 23's leftover).
_PERIOD_EMPTY = (
    "{n} rows have an empty billingPeriodStartDate (as MCA exports can); each was put in the billing period of "
    "the calendar month of its date (dates: {examples})"
)
_PERIOD_ABSENT = (
    "the file has no billing period column (BillingPeriodStartDate; pay-as-you-go usage files have none): its "
    "{n} rows were put in the calendar month of their date. Daily costs are exact, but a classic pay-as-you-go "
    "subscription is invoiced from its sign-up day of the month, so monthly totals may not match its invoices"
)


def _resource_type(resource_id: str) -> str:
    """`provider.namespace/type` from the resource id: the first `/providers/` followed by two non-empty segments.
    With one `/providers/` in the id a match can only start there, so the regular expression is anchored at it (half
    the cost of a search through the id: 0.37 against 0.78 s per million ids on one core); an id holding another
    (a nested resource's, or an empty segment after the first) is searched whole, as before."""
    first = f"strpos({resource_id}, '/providers/')"
    anchored = f"regexp_extract(substr({resource_id}, {first}), '^/providers/([^/]+/[^/]+)', 1)"
    searched = f"regexp_extract({resource_id}, '/providers/([^/]+/[^/]+)', 1)"
    again = f"strpos(substr({resource_id}, {first} + 1), '/providers/') > 0"
    return f"nullif(lower(CASE WHEN {first} > 0 AND {again} THEN {searched} ELSE {anchored} END), '')"


def _resource_name(name: str, resource_id: str) -> str:
    """The ResourceName column, else the last segment of the resource id (a CASE: DuckDB evaluates both arguments
    of a coalesce on every row: 0.21 against 0.05 CPU s per million rows)."""
    return (
        f"CASE WHEN nullif({name}, '') IS NOT NULL THEN {name} "
        f"ELSE nullif(regexp_extract({resource_id}, '/([^/]+)$', 1), '') END"
    )


def _meter_answers(con: duckdb.DuckDBPyConnection, cols: dict[str, str]) -> None:
    """Table `azure_meters`: per distinct meter fields and AdditionalInfo text, the meter's answers (`classify`,
    once per distinct meter fields and ServiceType) and the row's SkuPriceDetails JSON: a row finds everything its
    meter and AdditionalInfo decide with one join on its raw columns, and no JSON is parsed or built per row."""
    info = cols["info"]
    service_type = f"CASE WHEN json_valid({info}) THEN json_extract_string({info}, '$.ServiceType') END"
    derived = {k: v for k, v in cols.items() if k != "info"} | {"service_type": service_type}
    details = pairs_to_json(
        [
            ("x_DeploymentType", "c.deployment"),
            ("x_ServiceTier", "c.tier"),
            ("x_Modality", "c.modality"),
            ("InstanceType", f"CASE WHEN c.x_GpuCount IS NOT NULL THEN {service_type} END"),
            ("CoreCount", f"CASE WHEN json_valid({info}) THEN json_extract_string({info}, '$.VCPUs') END"),
        ]
    )
    extra = {"details": f"CAST({details} AS JSON)"}
    classify_raw_keys(con, "azure_keys", cols, derived, classify, _OUTPUTS, "azure_meters", extra)


def _amortised_line(cost: str, charge_type: str, pricing_model: str) -> str:
    """True for a line only an amortised export has (unused commitment, or covered usage with a cost)."""
    return (
        f"({charge_type} IN ('UnusedReservation', 'UnusedSavingsPlan') OR "
        f"({pricing_model} IN ('Reservation', 'SavingsPlan') AND {charge_type} = 'Usage' AND {cost} <> 0))"
    )


def _is_amortised(con: duckdb.DuckDBPyConnection, path: Path, hint: str) -> bool:
    """The file name says so, or a line does (`hint`: the `_amortised_line` column of the collected keys)."""
    if re.search(r"amorti[sz]", path.name, re.I):
        return True
    return bool(con.execute(f"SELECT coalesce(bool_or({hint}), false) FROM azure_keys").fetchall()[0][0])


def _warnings(con: duckdb.DuckDBPyConnection, rows: str, amortised: bool) -> list[str]:
    """Warnings over the rows written (`rows`)."""
    out = []
    committed = con.execute(f"SELECT count(*) FROM {rows} WHERE CommitmentDiscountId IS NOT NULL").fetchall()[
        0
    ][0]
    if committed and amortised:
        out.append(
            "read as an amortised-cost export: commitment-covered and unused rows carry BilledCost 0 and their "
            "amortised EffectiveCost"
        )
    elif committed:
        out.append(
            "read as an actual-cost export: commitment-covered usage has EffectiveCost 0 and purchases their full "
            "cost; import the amortised export instead (not both) to spread commitments over usage"
        )
    unmapped = (
        "ServiceSubcategory = 'Generative AI' AND x_Model IS NULL AND ChargeCategory = 'Usage' AND "
        "coalesce(json_extract_string(SkuPriceDetails, '$.x_ServiceTier'), '') <> 'provisioned'"
    )
    out += row_warning(
        con,
        unmapped,
        "{n} Azure AI line items (effective cost {cost:.2f}) name no model "
        "spendscope recognises; kept with x_Model NULL (unmapped meters: {examples})",
        table=rows,
    )
    out += row_warning(
        con,
        "x_Tokens IS NOT NULL AND x_TokenType IS NULL",
        "{n} token meters name no direction "
        "(input, output, cached input); kept with x_TokenType NULL (meters: {examples})",
        table=rows,
    )
    return out


# stage_azure as one file of a delivery (data/importing.py)
stage_azure_file = as_file_stage(
    stage_azure, position="s.x_SourceRow - 1"
)  # the file's rows, one staged row each


def import_azure(store: Store, path: Path | str, *, progress: Progress | None = None) -> ImportResult:
    """Import one Azure Cost Management export (EA or MCA, actual or amortised), all or nothing.
    Re-importing the same content adds nothing."""
    return run_import(store, path, kind=KIND, stage=stage_azure, progress=progress)
