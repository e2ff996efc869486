"""`spendscope import aws-cur`: AWS Cost and Usage Reports, CUR 2.0 (snake_case columns, `product` and
`resource_tags` maps) and legacy CUR (`lineItem/UsageType` headers, `resourceTags/user:*` columns), as CSV,
.csv.gz or Parquet.

Mapped to FOCUS the way AWS's FOCUS export and the FinOps Foundation converters do it: BilledCost is the
unblended cost; EffectiveCost amortises Savings Plans and Reserved Instances (covered usage at its effective
cost, negations and upfront fees at 0, recurring fees at their unused part). Bedrock token line items (input,
output, cache read, cache write; first-party usage types such as `USE1-Claude4.6Sonnet-input-tokens` and
Marketplace ones such as `USW2-MP:USW2_InputTokenCount-Units` whose model is only in the product name) get
x_Model, x_TokenType and x_Tokens; EC2 (and SageMaker) instance hours get x_InstanceType and x_GpuCount.
Everything else is kept as ordinary FOCUS rows.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb
from spendscope.data.cost_writer import empty_cost_warning
from spendscope.data.file_kinds import elsewhere
from spendscope.data.gpu_catalog import find_instance_type, gpu_count
from spendscope.data.import_common import (
    RAW_ROW,
    ROW,
    Source,
    Staging,
    as_file_stage,
    classify_raw_keys,
    collect_keys,
    compute_distinct,
    key_hash,
    load_text,
    parse_once,
    parsed_name,
    read_rows,
    reject_flagged,
    row_number,
    row_warning,
    run_import,
    snake_header,
    value_checks,
)
from spendscope.data.importing import ImportResult, Progress, missing_cost_columns, reject
from spendscope.data.models import normalize_model, parse_unit, token_type_of
from spendscope.data.sql import (
    ident,
    map_text_to_json,
    pairs_to_json,
    parse_decimal,
    parse_timestamp_iso_first,
    rounded_integer,
)
from spendscope.data.store import Store

KIND = "aws_cur"

# CUR 2.0 names of every column read (legacy headers are found through `snake_header`).
NUMBERS = (
    "line_item_usage_amount",
    "line_item_unblended_cost",
    "line_item_unblended_rate",
    "line_item_net_unblended_cost",
    "pricing_public_on_demand_cost",
    "pricing_public_on_demand_rate",
    "reservation_effective_cost",
    "reservation_unused_amortized_upfront_fee_for_billing_period",
    "reservation_unused_recurring_fee",
    "savings_plan_savings_plan_effective_cost",
    "savings_plan_total_commitment_to_date",
    "savings_plan_used_commitment",
)
DATES = (
    "line_item_usage_start_date",
    "line_item_usage_end_date",
    "bill_billing_period_start_date",
    "bill_billing_period_end_date",
)
TEXTS = (
    "identity_line_item_id",
    "bill_invoice_id",
    "bill_invoicing_entity",
    "bill_billing_entity",
    "bill_payer_account_id",
    "bill_payer_account_name",
    "billing_period",
    "line_item_usage_account_id",
    "line_item_usage_account_name",
    "line_item_line_item_type",
    "line_item_product_code",
    "line_item_usage_type",
    "line_item_operation",
    "line_item_availability_zone",
    "line_item_resource_id",
    "line_item_currency_code",
    "line_item_line_item_description",
    "line_item_legal_entity",
    "line_item_iam_principal",
    "product",
    "product_product_name",
    "product_servicecode",
    "product_region_code",
    "product_region",
    "product_location",
    "product_instance_type",
    "product_sku",
    "pricing_unit",
    "pricing_term",
    "pricing_rate_code",
    "reservation_reservation_a_r_n",
    "savings_plan_savings_plan_a_r_n",
    "resource_tags",
)
REQUIRED = ("line_item_unblended_cost", "line_item_usage_start_date")
_WANTED = set(NUMBERS) | set(DATES) | set(TEXTS)

# line_item_product_code -> (ServiceCategory, ServiceSubcategory); codes not listed become "Other".
SERVICES: dict[str, tuple[str, str | None]] = {
    "AmazonBedrock": ("AI and Machine Learning", "Generative AI"),
    "AmazonSageMaker": ("AI and Machine Learning", "Machine Learning"),
    "AmazonQ": ("AI and Machine Learning", "Generative AI"),
    "AmazonRekognition": ("AI and Machine Learning", "Other (AI and Machine Learning)"),
    "AmazonTextract": ("AI and Machine Learning", "Other (AI and Machine Learning)"),
    "comprehend": ("AI and Machine Learning", "Natural Language Processing"),
    "transcribe": ("AI and Machine Learning", "Natural Language Processing"),
    "translate": ("AI and Machine Learning", "Natural Language Processing"),
    "AmazonPolly": ("AI and Machine Learning", "Natural Language Processing"),
    "AmazonKendra": ("AI and Machine Learning", "Other (AI and Machine Learning)"),
    "AmazonLex": ("AI and Machine Learning", "Bots"),
    "AmazonEC2": ("Compute", "Virtual Machines"),
    "AWSLambda": ("Compute", "Serverless Compute"),
    "AmazonECS": ("Compute", "Containers"),
    "AmazonEKS": ("Compute", "Containers"),
    "AmazonECR": ("Compute", "Containers"),
    "AmazonLightsail": ("Compute", "Virtual Machines"),
    "AmazonS3": ("Storage", "Object Storage"),
    "AmazonEFS": ("Storage", "File Storage"),
    "AmazonFSx": ("Storage", "File Storage"),
    "AmazonGlacier": ("Storage", "Backup Storage"),
    "AWSBackup": ("Storage", "Backup Storage"),
    "AmazonEBS": ("Storage", "Block Storage"),
    "AmazonRDS": ("Databases", "Relational Databases"),
    "AmazonDynamoDB": ("Databases", "NoSQL Databases"),
    "AmazonElastiCache": ("Databases", "Caching"),
    "AmazonRedshift": ("Databases", "Data Warehouses"),
    "AmazonDocDB": ("Databases", "NoSQL Databases"),
    "AmazonNeptune": ("Databases", "Other (Databases)"),
    "AmazonAthena": ("Analytics", "Data Processing"),
    "AWSGlue": ("Analytics", "Data Processing"),
    "ElasticMapReduce": ("Analytics", "Data Processing"),
    "AmazonKinesis": ("Analytics", "Streaming Analytics"),
    "AmazonES": ("Analytics", "Search"),
    "AmazonQuickSight": ("Analytics", "Business Intelligence"),
    "AmazonMSK": ("Analytics", "Streaming Analytics"),
    "AWSDataTransfer": ("Networking", "Network Connectivity"),
    "AmazonVPC": ("Networking", "Network Infrastructure"),
    "AmazonCloudFront": ("Networking", "Content Delivery"),
    "AmazonRoute53": ("Networking", "Network Routing"),
    "AWSELB": ("Networking", "Application Networking"),
    "AmazonApiGateway": ("Integration", "API Management"),
    "AWSQueueService": ("Integration", "Messaging"),
    "AmazonSNS": ("Integration", "Messaging"),
    "AmazonStates": ("Integration", "Workflow Orchestration"),
    "AmazonMQ": ("Integration", "Messaging"),
    "AmazonCloudWatch": ("Management and Governance", "Observability"),
    "AWSCloudTrail": ("Management and Governance", "Compliance"),
    "AWSConfig": ("Management and Governance", "Compliance"),
    "AWSCostExplorer": ("Management and Governance", "Cost Management"),
    "AWSSupportBusiness": ("Management and Governance", "Support"),
    "AWSSupportEnterprise": ("Management and Governance", "Support"),
    "awskms": ("Security", "Secret Management"),
    "AWSSecretsManager": ("Security", "Secret Management"),
    "AmazonGuardDuty": ("Security", "Threat Detection and Response"),
    "awswaf": ("Security", "Network Security"),
    "AWSIoT": ("Internet of Things", "IoT Platforms"),
}

_TOKEN_USAGE = re.compile(r"tokens?\b|token-?count|tokencount|input-?tokens|output-?tokens", re.I)
_INSTANCE_USAGE = re.compile(
    r"BoxUsage|SpotUsage|DedicatedUsage|HeavyUsage|HostUsage|Unused(?:Box|Ded)|ml\.", re.I
)

_OUTPUTS = {
    "x_Model": "VARCHAR",
    "x_TokenType": "VARCHAR",
    "token_mult": "DOUBLE",
    "x_InstanceType": "VARCHAR",
    "x_GpuCount": "INTEGER",
    "gpu_unknown": "BOOLEAN",
    "category": "VARCHAR",
    "subcategory": "VARCHAR",
}


def classify(row: dict[str, Any]) -> dict[str, Any]:
    """AI and GPU columns for one distinct (usage type, product code, product name, unit, instance type)."""
    usage_type = row["usage_type"] or ""
    code = row["product_code"] or ""
    name = row["product_name"] or ""
    bedrock = "bedrock" in code.lower() or "bedrock" in name.lower()
    tokens = bool(_TOKEN_USAGE.search(usage_type))
    out: dict[str, Any] = {}
    if bedrock or tokens:
        out["x_Model"] = normalize_model(usage_type) or normalize_model(name)
        if tokens:
            out["x_TokenType"] = token_type_of(usage_type)
            unit = parse_unit(row["unit"])
            out["token_mult"] = unit[1] if unit and unit[0] == "tokens" else 1.0
    instance = (row["instance_type"] or "").strip().lower()
    if instance and _INSTANCE_USAGE.search(usage_type):
        bare = instance.removeprefix("ml.")
        out["x_InstanceType"] = instance
        out["x_GpuCount"] = gpu_count(bare)
        out["gpu_unknown"] = out["x_GpuCount"] is None and find_instance_type(bare) is not None
    category, sub = SERVICES.get(code, (None, None))
    if bedrock:
        category, sub = "AI and Machine Learning", "Generative AI"
    out["category"] = category or "Other"
    out["subcategory"] = sub
    return out


def _keep(header: str) -> bool:
    h = header.strip()
    return snake_header(h) in _WANTED or h.startswith(("resourceTags/", "resource_tags_"))


def _tag_columns(src: Source) -> list[tuple[str, str]]:
    """(tag key, column) for legacy `resourceTags/user:team` and Athena-style `resource_tags_user_team` columns."""
    pairs: list[tuple[str, str]] = []
    seen: set[str] = set()
    for c in src.columns:
        if c.startswith("resourceTags/"):
            key = c[len("resourceTags/") :]
            key = key[len("user:") :] if key.startswith("user:") else key
        elif c.startswith("resource_tags_"):
            key = c[len("resource_tags_") :]
            key = key[len("user_") :] if key.startswith("user_") else key
        else:
            continue
        pairs.append((key if key not in seen else c, ident(c)))
        seen.add(key)
    return pairs


def _tags(src: Source) -> tuple[dict[str, str], str]:
    """(key columns, SQL over them) for the Tags JSON: the CUR 2.0 `resource_tags` map and/or tag columns."""
    pairs = _tag_columns(src)
    keys = {f"t{i}": col for i, (_, col) in enumerate(pairs)}
    sql = pairs_to_json([(key, ident(f"t{i}")) for i, (key, _) in enumerate(pairs)])
    if src.has("resource_tags"):
        keys["rt"] = src.col("resource_tags")
        sql = f"coalesce({map_text_to_json(ident('rt'), 'user_|user:')}, {sql})"
    return keys, sql


def stage_cur(con: duckdb.DuckDBPyConnection, path: Path, progress: Progress | None = None) -> Staging:
    """Read and validate one CUR file and build the FOCUS staging view `staged` (warnings: over the rows written)."""
    if progress:
        progress("reading", 0.1)

    def check(headers: list[str]) -> None:
        have = {snake_header(h) for h in headers}
        missing = [c for c in REQUIRED if c not in have]
        if missing:
            raise reject(
                path,
                "is not an AWS Cost and Usage Report: missing column(s) "
                + ", ".join(f"{c} (legacy {_legacy(c)})" for c in missing)
                + elsewhere(path, "aws-cur", headers),
                missing=missing,
            )

    src = load_text(con, path, keep=_keep, check=check)
    src.add_aliases(snake_header)
    c = src.col
    if progress:
        progress("validating", 0.25)
    spec = {
        "numbers": [(n,) for n in NUMBERS],
        "dates": [(d,) for d in DATES],
        "required_date": ("line_item_usage_start_date",),
    }
    checks = value_checks(src, **spec)  # only to name the first bad value, when x_Bad says there is one
    parsed, flag = parse_once(src, **spec)

    # the raw texts the per-usage-type answers depend on: the product name is read from the `product` map once per
    # distinct map text (classify_raw_keys), not per row
    keys = {
        "usage_type": c("line_item_usage_type"),
        "product_code": c("line_item_product_code"),
        "product_name": c("product_product_name"),
        "product": c("product"),
        "unit": c("pricing_unit"),
        "instance_type": c("product_instance_type"),
    }
    tag_keys, tag_sql = _tags(src)
    # the lookup keys travel with the typed rows (columns `_k...`), so the file is read once: their distinct
    # combinations come from the staged table afterwards
    kept = {f"_kc_{k}": expr for k, expr in keys.items()} | {f"_kt_{k}": expr for k, expr in tag_keys.items()}

    def num(name: str) -> str:
        return parsed_name(name) if parsed_name(name) in parsed else parse_decimal(c(name))

    def ts(name: str) -> str:
        return parsed_name(name) if parsed_name(name) in parsed else parse_timestamp_iso_first(c(name))

    lit = c("line_item_line_item_type")
    unblended = num("line_item_unblended_cost")
    res_arn = f"nullif({c('reservation_reservation_a_r_n')}, '')"
    sp_arn = f"nullif({c('savings_plan_savings_plan_a_r_n')}, '')"
    effective = f"""CASE
        WHEN {lit} = 'SavingsPlanCoveredUsage' THEN coalesce({num("savings_plan_savings_plan_effective_cost")}, {unblended})
        WHEN {lit} = 'SavingsPlanRecurringFee' THEN coalesce({num("savings_plan_total_commitment_to_date")}
            - {num("savings_plan_used_commitment")}, {unblended})
        WHEN {lit} IN ('SavingsPlanNegation', 'SavingsPlanUpfrontFee') THEN 0
        WHEN {lit} = 'DiscountedUsage' THEN coalesce({num("reservation_effective_cost")}, {unblended})
        WHEN {lit} = 'RIFee' THEN coalesce({num("reservation_unused_amortized_upfront_fee_for_billing_period")}, 0)
            + coalesce({num("reservation_unused_recurring_fee")}, 0)
        WHEN {lit} = 'Fee' AND {res_arn} IS NOT NULL THEN 0
        ELSE {unblended} END"""
    category = f"""CASE
        WHEN {lit} = 'Tax' THEN 'Tax'
        WHEN {lit} IN ('Fee', 'RIFee', 'SavingsPlanUpfrontFee', 'SavingsPlanRecurringFee') THEN 'Purchase'
        WHEN {lit} IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage', 'SavingsPlanNegation') THEN 'Usage'
        WHEN {lit} IN ('Credit', 'Refund') OR {lit} LIKE '%Discount' THEN 'Credit'
        WHEN {lit} IS NULL THEN 'Usage'
        ELSE 'Adjustment' END"""
    amount = num("line_item_usage_amount")
    period = c("billing_period")
    pricing_unit = c("pricing_unit")
    select = {
        "AvailabilityZone": c("line_item_availability_zone"),
        "BilledCost": unblended,
        "BillingAccountId": c("bill_payer_account_id"),
        "BillingAccountName": c("bill_payer_account_name"),
        "BillingCurrency": c("line_item_currency_code"),
        "BillingPeriodStart": f"coalesce({ts('bill_billing_period_start_date')}, "
        f"CAST(try_strptime({period}, '%Y-%m') AS TIMESTAMPTZ))",
        "BillingPeriodEnd": f"coalesce({ts('bill_billing_period_end_date')}, "
        f"CAST(try_strptime({period}, '%Y-%m') + INTERVAL 1 MONTH AS TIMESTAMPTZ))",
        "ChargeCategory": category,
        "ChargeClass": f"CASE WHEN {lit} = 'Refund' THEN 'Correction' END",
        "ChargeDescription": c("line_item_line_item_description"),
        "ChargeFrequency": f"CASE WHEN {lit} IN ('RIFee', 'SavingsPlanRecurringFee') THEN 'Recurring' "
        f"WHEN {lit} IN ('Fee', 'SavingsPlanUpfrontFee') THEN 'One-Time' ELSE 'Usage-Based' END",
        "ChargePeriodStart": ts("line_item_usage_start_date"),
        "ChargePeriodEnd": _exclusive_end(ts("line_item_usage_end_date")),
        "CommitmentDiscountCategory": f"CASE WHEN {lit} LIKE 'SavingsPlan%' THEN 'Spend' "
        f"WHEN {lit} IN ('DiscountedUsage', 'RIFee') OR ({lit} = 'Fee' AND {res_arn} IS NOT NULL) THEN 'Usage' END",
        "CommitmentDiscountId": f"CASE WHEN {lit} LIKE 'SavingsPlan%' THEN {sp_arn} "
        f"WHEN {lit} IN ('DiscountedUsage', 'RIFee', 'Fee') THEN {res_arn} END",
        # the fee lines' EffectiveCost is the part of the commitment no usage consumed (see EffectiveCost above)
        "CommitmentDiscountStatus": f"CASE WHEN {lit} IN ('DiscountedUsage', 'SavingsPlanCoveredUsage') THEN 'Used' "
        f"WHEN {lit} IN ('RIFee', 'SavingsPlanRecurringFee') THEN 'Unused' END",
        "CommitmentDiscountType": f"CASE WHEN {lit} LIKE 'SavingsPlan%' THEN 'Savings Plan' "
        f"WHEN {lit} IN ('DiscountedUsage', 'RIFee') OR ({lit} = 'Fee' AND {res_arn} IS NOT NULL) THEN 'Reserved Instance' END",
        "ContractedCost": f"coalesce({num('line_item_net_unblended_cost')}, {unblended})",
        "ContractedUnitPrice": num("line_item_unblended_rate"),
        "EffectiveCost": effective,
        "InvoiceId": c("bill_invoice_id"),
        "InvoiceIssuerName": f"coalesce({c('bill_invoicing_entity')}, 'Amazon Web Services')",
        "ListCost": f"coalesce({num('pricing_public_on_demand_cost')}, {unblended})",
        "ListUnitPrice": num("pricing_public_on_demand_rate"),
        "PricingCategory": f"CASE WHEN {lit} IN ('DiscountedUsage', 'SavingsPlanCoveredUsage') THEN 'Committed' "
        f"WHEN {c('pricing_term')} = 'Spot' OR {c('line_item_usage_type')} LIKE '%SpotUsage%' THEN 'Dynamic' "
        f"WHEN {lit} = 'Usage' THEN 'Standard' END",
        "PricingQuantity": amount,
        "PricingUnit": pricing_unit,
        "ProviderName": "'AWS'",
        "PublisherName": f"CASE WHEN {c('bill_billing_entity')} = 'AWS Marketplace' "
        f"THEN coalesce({c('line_item_legal_entity')}, 'AWS Marketplace') ELSE 'AWS' END",
        "RegionId": f"coalesce({c('product_region_code')}, {c('product_region')})",
        "RegionName": c("product_location"),
        "ResourceId": c("line_item_resource_id"),
        "SkuId": c("product_sku"),
        "SkuMeter": c("line_item_usage_type"),
        "SkuPriceId": c("pricing_rate_code"),
        "SubAccountId": c("line_item_usage_account_id"),
        "SubAccountName": c("line_item_usage_account_name"),
        "x_ServiceCode": c("line_item_product_code"),
        "x_Operation": c("line_item_operation"),
        "x_LineItemType": lit,
        "x_IamPrincipal": c("line_item_iam_principal"),
        "x_LineItemId": c("identity_line_item_id"),
    }
    if progress:
        progress("mapping to FOCUS", 0.45)
    body = ",\n        ".join(f"{expr} AS {ident(name)}" for name, expr in select.items())
    # Typed in one parallel, order-preserving pass (rowid + 1 = data row) with the lookup keys but no joins: a join
    # would not keep the file's order. The per-combination answers are joined in view `staged`, which the shared
    # tail reads, so the rows are materialised once.
    read_rows(
        con,
        src,
        "aws_rows",
        f"SELECT {body}, {', '.join(f'{e} AS {ident(a)}' for a, e in kept.items())}, {flag} AS x_Bad, raw.{ROW} "
        f"FROM (SELECT *, {', '.join(f'{e} AS {a}' for a, e in parsed.items())} FROM raw) AS raw",
    )
    reject_flagged(con, src, checks, staged="aws_rows")
    con.execute("DROP VIEW raw_numbered")
    con.execute("DROP VIEW raw")
    if progress:
        progress("classifying usage types", 0.4)
    class_keys = {k: ident(f"_kc_{k}") for k in keys}
    tag_stash = {k: ident(f"_kt_{k}") for k in tag_keys}
    # the distinct usage-type and tag combinations, from the typed rows; each is then worked out once
    class_cols, tag_cols = collect_keys(con, "aws_rows", [class_keys, tag_stash], "aws_keys")
    product_name = (
        f"coalesce({class_cols['product_name']}, {_map_value(class_cols['product'], 'product_name')})"
    )
    derived = {k: v for k, v in class_cols.items() if k != "product"} | {"product_name": product_name}
    extra = {"product_name": product_name}
    classify_raw_keys(con, "aws_keys", class_cols, derived, classify, _OUTPUTS, "aws_usage", extra)
    if tag_keys:  # tag sets repeat across millions of lines: build each JSON once
        compute_distinct(con, "aws_keys", tag_cols, {"tags_json": tag_sql}, "aws_tags")
    lookups = _lookup_columns("s.x_LineItemType", "s.PricingQuantity", "s.PricingUnit", tags=bool(tag_keys))
    lookups["ServiceName"] = "coalesce(k.product_name, s.x_ServiceCode)"
    have = set(select) | set(lookups) | {"x_SourceRow"}
    nulls = [f"CAST(NULL AS {t}) AS {ident(n)}" for n, t in missing_cost_columns(have).items()]
    columns = ", ".join(
        [
            f"s.* EXCLUDE ({', '.join(ident(k) for k in [*kept, RAW_ROW])})",
            f"{row_number('s')} AS x_SourceRow",
        ]
        + [f"{expr} AS {ident(name)}" for name, expr in lookups.items()]
        + nulls
    )
    on_tags = key_hash({k: f"s.{c}" for k, c in tag_stash.items()})
    tag_join = f"LEFT JOIN aws_tags AS tg ON tg.k = {on_tags}" if tag_keys else ""
    on_class = key_hash({k: f"s.{c}" for k, c in class_keys.items()})
    con.execute(
        f"CREATE VIEW staged AS SELECT {columns} FROM aws_rows AS s LEFT JOIN aws_usage AS k ON k.k = {on_class} "
        f"{tag_join}"
    )
    classes = f"{con.execute('SELECT current_schema()').fetchall()[0][0]}.aws_usage_classes"
    cost_column = src.has("line_item_unblended_cost") or "line_item_unblended_cost"
    return Staging(
        "staged",
        after=lambda con, rows: _warnings(con, rows, classes) + empty_cost_warning(con, rows, cost_column),
    )


def _exclusive_end(end: str) -> str:
    """CUR ends monthly lines (RIFee, SavingsPlanRecurringFee, some legacy fees) at `...T23:59:59Z`, an inclusive end;
    FOCUS periods end exclusively, so such an end becomes the next second (the start of the next day)."""
    return (
        f"(CASE WHEN second({end}) = 59 AND minute({end}) = 59 THEN {end} + INTERVAL 1 SECOND ELSE {end} END)"
    )


def _lookup_columns(lit: str, amount: str, pricing_unit: str, *, tags: bool) -> dict[str, str]:
    """The columns that need the per-combination answers (`k`: aws_usage, `tg`: aws_tags), over the line item
    type, usage amount and pricing unit."""
    usage_line = f"({lit} IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage') OR {lit} IS NULL)"
    tokens = (
        f"CASE WHEN {usage_line} AND k.token_mult IS NOT NULL "
        f"THEN {rounded_integer(amount, 'CAST(k.token_mult AS DECIMAL(38,4))')} END"
    )
    return {
        "ConsumedQuantity": f"CASE WHEN {usage_line} THEN coalesce(CAST({tokens} AS DECIMAL(38,10)), {amount}) END",
        "ConsumedUnit": f"CASE WHEN {usage_line} THEN CASE WHEN k.token_mult IS NOT NULL THEN 'Tokens' "
        f"ELSE {pricing_unit} END END",
        "ServiceCategory": "k.category",
        "ServiceSubcategory": "k.subcategory",
        "Tags": "CAST(tg.tags_json AS JSON)" if tags else "CAST(NULL AS JSON)",
        "x_Model": "k.x_Model",
        "x_TokenType": "k.x_TokenType",
        "x_Tokens": tokens,
        "x_InstanceType": "k.x_InstanceType",
        "x_GpuCount": "k.x_GpuCount",
        # negations and fees of an instance line carry its type but no GPU hours (those are on the usage line)
        "x_GpuHours": f"CASE WHEN k.x_GpuCount IS NOT NULL AND NOT {usage_line} THEN CAST(0 AS DECIMAL(38,10)) END",
    }


def _warnings(con: duckdb.DuckDBPyConnection, rows: str, classes: str) -> list[str]:
    """Warnings over the rows written (`rows`); `classes`: the usage-type answers (`aws_usage_classes`)."""
    out = []
    ai_unmapped = "(ServiceSubcategory = 'Generative AI' OR x_Tokens IS NOT NULL) AND x_Model IS NULL AND ChargeCategory = 'Usage'"
    out += row_warning(
        con,
        ai_unmapped,
        "{n} Bedrock line items (effective cost {cost:.2f}) name no model spendscope "
        "recognises; kept with x_Model NULL (unmapped usage types: {examples})",
        table=rows,
    )
    out += row_warning(
        con,
        "x_Tokens IS NOT NULL AND x_TokenType IS NULL",
        "{n} token line items have no "
        "recognisable token type (input, output, cache read, cache write); kept with x_TokenType NULL "
        "(usage types: {examples})",
        table=rows,
    )
    unknown_gpu = (
        "x_InstanceType IS NOT NULL AND x_GpuCount IS NULL AND x_InstanceType IN "
        f"(SELECT x_InstanceType FROM {classes} WHERE gpu_unknown)"
    )
    out += row_warning(
        con,
        unknown_gpu,
        "{n} GPU instance line items use instance types missing from the GPU "
        "catalog (data/gpu_catalog.py); kept with x_GpuCount NULL: {examples}",
        column="x_InstanceType",
        table=rows,
    )
    return out


def _map_value(expr: str, key: str) -> str:
    """One key of a CUR 2.0 map column rendered as JSON or as Hive's `{k=v, ...}`."""
    return (
        f"CASE WHEN json_valid({expr}) THEN json_extract_string({expr}, '$.{key}') "
        f"ELSE nullif(regexp_extract({expr}, '(?:^\\{{|,\\s*){key}=([^,}}]*)', 1), '') END"
    )


def _legacy(name: str) -> str:
    head, _, rest = name.partition("_")
    if name.startswith("line_item_"):
        head, rest = "lineItem", name[len("line_item_") :]
    return head + "/" + "".join(w.capitalize() for w in rest.split("_"))


# stage_cur as one file of a delivery (data/importing.py)
stage_cur_file = as_file_stage(
    stage_cur, position="s.x_SourceRow - 1"
)  # the file's rows, one staged row each


def import_aws_cur(store: Store, path: Path | str, *, progress: Progress | None = None) -> ImportResult:
    """Import one AWS Cost and Usage Report file (CUR 2.0 or legacy; CSV, .csv.gz or Parquet), all or nothing.
    Re-importing the same content adds nothing."""
    return run_import(store, path, kind=KIND, stage=stage_cur, progress=progress)
