"""`spendscope import gcp`: rows of the GCP Cloud Billing export to BigQuery (standard or detailed), as
newline-delimited JSON (nested fields as BigQuery exports them), Parquet (nested STRUCT/REPEATED columns) or CSV
(flattened query results: `service.description` or `service_description`, repeated fields as JSON text).

* Vertex AI / Gemini API SKUs (`Gemini 2.5 Pro Text Input (≤200k)`, `... Text and Thinking Output`) get x_Model,
  x_TokenType and x_Tokens (the billing unit of token SKUs is `count`, one token).
* `labels` (with `tags` and the project's labels under them) become Tags; the project becomes SubAccount.
* Credits: each entry of `credits[]` becomes its own row with ChargeCategory `Credit` (same project, service,
  SKU, labels and source row; BilledCost = EffectiveCost = the negative amount). The usage row keeps its gross
  cost, so net spend is the plain sum, as on the invoice, and credits stay visible by type (x_CreditType:
  FREE_TIER, PROMOTION, COMMITTED_USAGE_DISCOUNT, ...). Committed-use-discount credits carry the commitment.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import duckdb
from spendscope.data.file_kinds import elsewhere
from spendscope.data.import_common import (
    ROW,
    Check,
    Source,
    Staging,
    as_file_stage,
    classify_distinct,
    compute_distinct,
    key_hash,
    load_text,
    read_rows,
    reject_first_bad,
    row_number,
    row_warning,
    run_import,
)
from spendscope.data.importing import ImportResult, Progress, reject
from spendscope.data.models import normalize_model, parse_unit, token_type_of
from spendscope.data.sql import (
    ident,
    kv_lists_to_json,
    parse_decimal,
    parse_timestamp_iso_first,
    plus_months_utc,
    rounded_integer,
    rounded_product,
    table_from_columns,
)
from spendscope.data.store import Store

KIND = "gcp"

# BigQuery export field -> column of the flat table.
FIELDS = {
    "billing_account_id": "billing_account_id",
    "service.id": "service_id",
    "service.description": "service",
    "sku.id": "sku_id",
    "sku.description": "sku",
    "usage_start_time": "usage_start_time",
    "usage_end_time": "usage_end_time",
    "project.id": "project_id",
    "project.number": "project_number",
    "project.name": "project_name",
    "location.location": "location",
    "location.region": "region",
    "location.zone": "zone",
    "cost": "cost",
    "currency": "currency",
    "cost_at_list": "cost_at_list",
    "usage.amount": "usage_amount",
    "usage.unit": "usage_unit",
    "usage.amount_in_pricing_units": "pricing_amount",
    "usage.pricing_unit": "pricing_unit",
    "invoice.month": "invoice_month",
    "cost_type": "cost_type",
    "resource.name": "resource_name",
    "resource.global_name": "resource_global_name",
    "seller_name": "seller_name",
    "transaction_type": "transaction_type",
    "export_time": "export_time",
}
LISTS = {"labels": "labels", "project.labels": "project_labels", "tags": "tags", "credits": "credits"}
NUMBERS = ("cost", "cost_at_list", "usage.amount", "usage.amount_in_pricing_units")
REQUIRED = ("cost", "usage_start_time")

_CREDIT_TYPE = '[{"name":"VARCHAR","amount":"VARCHAR","full_name":"VARCHAR","id":"VARCHAR","type":"VARCHAR"}]'
_AI_SERVICE = re.compile(
    r"vertex ai|gemini|generative language|ai platform|claude|anthropic|llama|mistral", re.I
)
_TOKEN_SKU = re.compile(r"token|\b(?:input|output)\b", re.I)

# service.description -> (ServiceCategory, ServiceSubcategory)
SERVICES: dict[str, tuple[str, str | None]] = {
    "vertex ai": ("AI and Machine Learning", "AI Platforms"),
    "gemini api": ("AI and Machine Learning", "Generative AI"),
    "compute engine": ("Compute", "Virtual Machines"),
    "kubernetes engine": ("Compute", "Containers"),
    "cloud run": ("Compute", "Serverless Compute"),
    "cloud functions": ("Compute", "Serverless Compute"),
    "cloud storage": ("Storage", "Object Storage"),
    "bigquery": ("Databases", "Data Warehouses"),
    "cloud sql": ("Databases", "Relational Databases"),
    "networking": ("Networking", "Network Connectivity"),
    "cloud logging": ("Management and Governance", "Observability"),
    "cloud monitoring": ("Management and Governance", "Observability"),
    "support": ("Management and Governance", "Support"),
}

_OUTPUTS = {
    "x_Model": "VARCHAR",
    "x_TokenType": "VARCHAR",
    "token_mult": "DOUBLE",
    "consumed_unit": "VARCHAR",
    "category": "VARCHAR",
    "subcategory": "VARCHAR",
}


def classify(row: dict[str, Any]) -> dict[str, Any]:
    sku = row["sku"] or ""
    service = row["service"] or ""
    unit = (row["unit"] or "").strip()
    model = normalize_model(sku) or normalize_model(service)
    ai = bool(_AI_SERVICE.search(service)) or model is not None
    out: dict[str, Any] = {"x_Model": model, "consumed_unit": unit or None}
    parsed = parse_unit(unit)
    counted = unit.lower() in ("count", "token", "tokens", "1", "") or (
        parsed is not None and parsed[0] == "tokens"
    )
    if (
        ai
        and _TOKEN_SKU.search(sku)
        and counted
        and not re.search(r"character|image|second|hour|page|storage", sku, re.I)
    ):
        out.update(
            x_TokenType=token_type_of(sku),
            consumed_unit="Tokens",
            token_mult=parsed[1] if parsed and parsed[0] == "tokens" else 1.0,
        )
    category, sub = SERVICES.get(service.lower(), (None, None))
    if model is not None:
        category, sub = "AI and Machine Learning", "Generative AI"
    out["category"] = category or ("AI and Machine Learning" if ai else "Other")
    out["subcategory"] = sub
    return out


def _flatten(con: duckdb.DuckDBPyConnection, src: Source) -> None:
    """View `flat`: one column per export field (text; repeated fields as JSON text) plus x_SourceRow. The rows are
    read on every core into table `flat_rows`, each with its data row (import_common.read_rows)."""
    _flat_rows(con, src)
    con.execute(f"CREATE VIEW flat AS SELECT {row_number()} AS x_SourceRow, * EXCLUDE ({ROW}) FROM flat_rows")


def _flat_rows(con: duckdb.DuckDBPyConnection, src: Source) -> None:
    if src.fmt == "json":
        scalars = list(FIELDS)
        lists = list(LISTS)
        paths = "[" + ", ".join(f"'$.{f}'" for f in scalars) + "]"
        list_paths = "[" + ", ".join(f"'$.{f}'" for f in lists) + "]"
        cols = [f"nullif(s[{i + 1}], '') AS {ident(FIELDS[f])}" for i, f in enumerate(scalars)]
        cols += [f"CAST(l[{i + 1}] AS VARCHAR) AS {ident(LISTS[f])}" for i, f in enumerate(lists)]
        flat = (
            f"SELECT {', '.join(cols)}, {ROW} FROM (SELECT "
            f"json_extract_string(json, {paths}) AS s, json_extract(json, {list_paths}) AS l, {ROW} FROM raw)"
        )
    else:
        cols = []
        for field, name in (FIELDS | LISTS).items():
            cols.append(f"{_field(src, field, field in LISTS)} AS {ident(name)}")
        flat = f"SELECT {', '.join(cols)}, {ROW} FROM raw"
    parsed = ", ".join(f"{expr} AS {ident(alias)}" for alias, (_, expr) in PARSED.items())
    read_rows(con, src, "flat_rows", f"SELECT *, {parsed} FROM ({flat})")


# The numbers and times of a row, parsed once in the read (alias -> (text column, parsing SQL)): the check for
# bad values compares them with their text, and the mapping to FOCUS uses them.
PARSED = {
    "_p_cost": ("cost", parse_decimal("cost")),
    "_p_cost_at_list": ("cost_at_list", parse_decimal("cost_at_list")),
    "_p_usage_amount": ("usage_amount", parse_decimal("usage_amount")),
    "_p_pricing_amount": ("pricing_amount", parse_decimal("pricing_amount")),
    "_p_start": ("usage_start_time", parse_timestamp_iso_first("usage_start_time")),
    "_p_end": ("usage_end_time", parse_timestamp_iso_first("usage_end_time")),
    "_p_export": ("export_time", parse_timestamp_iso_first("export_time")),
    "_p_month": ("invoice_month", "CAST(try_strptime(invoice_month, '%Y%m') AS TIMESTAMPTZ)"),
}


def _python_lists_to_json(con: duckdb.DuckDBPyConnection) -> None:
    """Repeated fields written by pandas/Python (`[{'name': 'x', 'full_name': None}]`, the `repr` of a list of
    dicts, as a BigQuery result saved with `DataFrame.to_csv` has them) are turned into JSON, once per distinct
    text. A value that is neither JSON nor a Python literal is left as it is (the credits check names it)."""
    for column in LISTS.values():
        col = ident(column)
        texts = con.execute(
            f"SELECT DISTINCT {col} FROM flat_rows WHERE {col} IS NOT NULL AND NOT json_valid({col}) "
            f"AND regexp_matches(trim({col}), '^[\\[{{]')"
        ).fetchall()
        pairs = []
        for (text,) in texts:
            try:
                value = ast.literal_eval(text)
            except (ValueError, SyntaxError, MemoryError, RecursionError):
                continue
            if isinstance(value, list | dict):
                pairs.append((text, json.dumps(value, default=str)))
        if not pairs:
            continue
        old, new = zip(*pairs, strict=True)
        table_from_columns(
            con, "python_lists", {"old": "VARCHAR", "new": "VARCHAR"}, {"old": old, "new": new}
        )
        con.execute(
            f"UPDATE flat_rows SET {col} = p.new FROM python_lists AS p WHERE flat_rows.{col} = p.old"
        )
        con.execute("DROP TABLE python_lists")


def _field(src: Source, field: str, is_list: bool) -> str:
    """A field from a CSV/Parquet column: `service.description`, `service_description`, or `description` inside a
    `service` column holding a JSON object (Parquet STRUCTs arrive that way)."""
    hit = src.has(field, field.replace(".", "_"))
    if hit:
        return ident(hit)
    head, _, rest = field.partition(".")
    parent = src.has(head) if rest else None
    if parent:
        col = ident(parent)
        fn = "json_extract" if is_list else "json_extract_string"
        return f"CASE WHEN json_valid({col}) THEN CAST({fn}({col}, '$.{rest}') AS VARCHAR) END"
    return "CAST(NULL AS VARCHAR)"


def stage_gcp(con: duckdb.DuckDBPyConnection, path: Path, progress: Progress | None = None) -> Staging:
    if progress:
        progress("reading", 0.1)
    src = load_text(con, path)
    if src.fmt != "json":
        missing = [f for f in REQUIRED if not src.has(f, f.replace(".", "_"))]
        if missing:
            raise reject(
                path,
                "is not a GCP billing export: missing column(s) "
                + ", ".join(missing)
                + elsewhere(path, "gcp", src.columns),
                missing=missing,
            )
    _flatten(con, src)
    con.execute("DROP VIEW raw_numbered")
    con.execute("DROP VIEW raw")
    _python_lists_to_json(con)
    if progress:
        progress("validating", 0.25)
    checks = [
        Check("usage_start_time", "a timestamp (the field is mandatory)", "usage_start_time IS NULL"),
        Check("cost", "a number (the field is mandatory)", "cost IS NULL"),
    ]
    for field in NUMBERS:
        col = ident(FIELDS[field])
        checks.append(
            Check(field, "a number", f"{col} IS NOT NULL AND {parse_decimal(col)} IS NULL", shown=col)
        )
    for field in ("usage_start_time", "usage_end_time"):
        checks.append(
            Check(field, "a timestamp", f"{field} IS NOT NULL AND {parse_timestamp_iso_first(field)} IS NULL")
        )
    checks.append(
        Check(
            "invoice.month",
            "a month as YYYYMM",
            "invoice_month IS NOT NULL AND try_strptime(invoice_month, '%Y%m') IS NULL",
            shown="invoice_month",
        )
    )
    checks.append(
        Check(
            "credits",
            "a list of credits ({name, amount, type, ...})",
            f"credits IS NOT NULL AND credits NOT IN ('', '[]', 'null') AND "
            f"TRY(json_transform(credits, '{_CREDIT_TYPE}')) IS NULL",
        )
    )
    # the costly search for the first bad value runs only when a parsed value (or the credits list) says there is one
    unparsed = [
        f"({ident(text)} IS NOT NULL AND {ident(alias)} IS NULL)"
        for alias, (text, _) in PARSED.items()
        if alias != "_p_export"  # not checked: an unreadable export time is left empty
    ]
    suspect = " OR ".join(["usage_start_time IS NULL", "cost IS NULL", *unparsed, f"({checks[-1].bad})"])
    if con.execute(f"SELECT count(*) FROM flat_rows WHERE {suspect}").fetchall()[0][0]:
        reject_first_bad(con, src, checks, table="flat", row="x_SourceRow")
    con.execute(
        f"""CREATE TABLE credit_lines AS SELECT x_SourceRow, c.* FROM (
            SELECT x_SourceRow, unnest(list_transform(json_transform(credits, '{_CREDIT_TYPE}'),
                lambda x, i: struct_pack(credit_index := i, credit_name := x.name, credit_amount := x.amount,
                                         credit_full_name := x.full_name, credit_id := x.id, credit_type := x.type))) AS c
            FROM flat WHERE credits IS NOT NULL AND credits NOT IN ('', '[]', 'null'))"""
    )
    bad = con.execute(
        "SELECT x_SourceRow, credit_index, credit_amount FROM credit_lines "
        f"WHERE credit_amount IS NULL OR {parse_decimal('credit_amount')} IS NULL ORDER BY 1, 2 LIMIT 1"
    ).fetchall()
    if bad:
        row, idx, value = bad[0]
        column = f"credits[{idx}].amount"
        shown = "empty" if value is None else repr(value[:60])
        raise reject(
            path,
            f"{src.where(row)}, column {column}: {shown} is not a number",
            row=row,
            column=column,
            value=value,
        )

    if progress:
        progress("classifying SKUs", 0.35)
    keys = {"sku": "sku", "service": "service", "unit": "usage_unit"}
    classify_distinct(con, "flat", keys, classify, _OUTPUTS, "gcp_classes")
    label_keys = {"project_labels": "f.project_labels", "tags": "f.tags", "labels": "f.labels"}
    compute_distinct(
        con,
        "flat AS f",
        label_keys,
        {"tags_json": kv_lists_to_json("project_labels", "tags", "labels")},
        "gcp_tags",
    )
    tags = "CAST(tg.tags_json AS JSON)"
    month = "_p_month"
    commitment = "(starts_with(lower(sku), 'commitment'))"
    common = {
        "AvailabilityZone": "zone",
        "BillingAccountId": "billing_account_id",
        "BillingCurrency": "currency",
        "BillingPeriodStart": month,
        "BillingPeriodEnd": plus_months_utc(month),
        "ChargePeriodStart": "_p_start",
        "ChargePeriodEnd": "_p_end",
        "InvoiceIssuerName": "'Google'",
        "ProviderName": "'Google Cloud'",
        "PublisherName": "coalesce(nullif(seller_name, ''), 'Google')",
        "RegionId": "coalesce(region, location)",
        "RegionName": "location",
        "ResourceId": "coalesce(resource_global_name, resource_name)",
        "ResourceName": "resource_name",
        "ServiceCategory": "k.category",
        "ServiceName": "service",
        "ServiceSubcategory": "k.subcategory",
        "SkuId": "sku_id",
        "SkuMeter": "sku",
        "SubAccountId": "project_id",
        "SubAccountName": "project_name",
        "SubAccountType": "CASE WHEN project_id IS NOT NULL THEN 'Project' END",
        "Tags": tags,
        "x_Model": "k.x_Model",
        "x_ProjectNumber": "project_number",
        "x_ServiceId": "service_id",
        "x_CostType": "cost_type",
        # the export's watermark: a pull of rows exported after everything stored is an incremental pull
        "x_ExportTime": "_p_export",
    }
    cost = "_p_cost"
    amount = "_p_usage_amount"
    usage = "(coalesce(cost_type, 'regular') = 'regular' AND NOT " + commitment + ")"
    usage_rows = (
        common
        | {
            "x_SourceRow": "f.x_SourceRow",
            "x_RowPosition": "f.x_SourceRow - 1",  # credits share their usage row's x_SourceRow: positions after them
            "BilledCost": cost,
            "EffectiveCost": cost,
            "ListCost": f"coalesce(_p_cost_at_list, {cost})",
            "ContractedCost": cost,
            "ChargeCategory": f"CASE WHEN cost_type = 'tax' THEN 'Tax' WHEN cost_type IN ('adjustment', 'rounding_error') "
            f"THEN 'Adjustment' WHEN {commitment} THEN 'Purchase' ELSE 'Usage' END",
            "ChargeClass": "CASE WHEN cost_type = 'adjustment' THEN 'Correction' END",
            "ChargeDescription": "sku",
            "ChargeFrequency": f"CASE WHEN {commitment} THEN 'Recurring' ELSE 'Usage-Based' END",
            "ConsumedQuantity": f"CASE WHEN {usage} THEN coalesce("
            f"{rounded_product(amount, 'CAST(k.token_mult AS DECIMAL(38,10))')}, {amount}) END",
            "ConsumedUnit": f"CASE WHEN {usage} THEN k.consumed_unit END",
            "PricingQuantity": "_p_pricing_amount",
            "PricingUnit": "pricing_unit",
            "x_TokenType": "CASE WHEN k.token_mult IS NOT NULL THEN k.x_TokenType END",
            "x_Tokens": f"CASE WHEN {usage} AND k.token_mult IS NOT NULL THEN "
            f"{rounded_integer(amount, 'CAST(k.token_mult AS DECIMAL(38,4))')} END",
        }
    )
    credit = parse_decimal("credit_amount")
    cud = "starts_with(credit_type, 'COMMITTED_USAGE_DISCOUNT')"
    usage_count = con.execute("SELECT count(*) FROM flat_rows").fetchall()[0][0]
    credit_rows = common | {
        "x_SourceRow": "f.x_SourceRow",
        "x_RowPosition": f"{usage_count} + cl.rowid",
        "BilledCost": credit,
        "EffectiveCost": credit,
        "ListCost": credit,
        "ContractedCost": credit,
        "ChargeCategory": "'Credit'",
        "ChargeDescription": "coalesce(credit_full_name, credit_name)",
        "ChargeFrequency": "'Usage-Based'",
        "CommitmentDiscountId": f"CASE WHEN {cud} THEN credit_id END",
        "CommitmentDiscountName": f"CASE WHEN {cud} THEN coalesce(credit_full_name, credit_name) END",
        "CommitmentDiscountType": f"CASE WHEN {cud} THEN 'Committed Use Discount' END",
        "CommitmentDiscountCategory": f"CASE WHEN credit_type = 'COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE' THEN 'Spend' "
        f"WHEN {cud} THEN 'Usage' END",
        "PricingCategory": f"CASE WHEN {cud} THEN 'Committed' END",
        "x_CreditType": "credit_type",
    }
    join = (
        f"LEFT JOIN gcp_classes AS k ON k.k = {key_hash({k: f'f.{v}' for k, v in keys.items()})} "
        f"LEFT JOIN gcp_tags AS tg ON tg.k = {key_hash(label_keys)}"
    )
    first = ", ".join(f"{expr} AS {ident(name)}" for name, expr in usage_rows.items())
    second = ", ".join(f"{expr} AS {ident(name)}" for name, expr in credit_rows.items())
    # a view: the INSERT into the store is the only other pass over the rows
    con.execute(
        f"CREATE VIEW staged AS SELECT {first} FROM flat AS f {join} UNION ALL BY NAME "
        f"SELECT {second} FROM credit_lines AS cl JOIN flat AS f USING (x_SourceRow) {join}"
    )
    if progress:
        progress("mapping to FOCUS", 0.45)
    return Staging("staged", after=_warnings)


def _warnings(con: duckdb.DuckDBPyConnection, rows: str) -> list[str]:
    """Warnings over the rows written (`rows`)."""
    out = []
    unmapped = (
        "x_Model IS NULL AND ChargeCategory = 'Usage' AND (x_Tokens IS NOT NULL OR (ServiceCategory = "
        "'AI and Machine Learning' AND regexp_matches(SkuMeter, '(?i)token|input|output')))"
    )
    out += row_warning(
        con,
        unmapped,
        "{n} Vertex AI / Gemini line items (cost {cost:.2f}) name no model "
        "spendscope recognises; kept with x_Model NULL (unmapped SKUs: {examples})",
        table=rows,
    )
    return out


# stage_gcp as one file of a delivery (data/importing.py)
stage_gcp_file = as_file_stage(stage_gcp, position="s.x_RowPosition")


def import_gcp(store: Store, path: Path | str, *, progress: Progress | None = None) -> ImportResult:
    """Import one GCP billing export file (JSON lines, Parquet or CSV), all or nothing. Re-importing the same
    content adds nothing."""
    return run_import(store, path, kind=KIND, stage=stage_gcp, progress=progress)
