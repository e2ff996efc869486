"""A FOCUS conformance checker written from the specification's column requirements (FOCUS 1.2, and 1.3's cost and
usage columns): presence of the mandatory columns, nulls where the spec forbids them, types and formats (Decimal,
`YYYY-MM-DDTHH:mm:ssZ` date/times, flat JSON objects), allowed values, the `x_` prefix of custom columns and the
cross-column rules an importer relies on. It reads a CSV or Parquet file and reports each rule broken, with how
many rows break it and one example. (The PyPI focus-validator only knows FOCUS 1.0.)"""

from __future__ import annotations

from pathlib import Path

import duckdb
from pydantic import BaseModel
from spendscope.data.focus import FOCUS_13_COLUMNS, FOCUS_COLUMNS
from spendscope.data.sql import ident, literal, read_csv_text, read_parquet

# Mandatory columns that allow no nulls (FOCUS 1.2 column tables); BillingAccountName, ChargeClass,
# ChargeDescription, PricingQuantity and PricingUnit are mandatory but nullable.
NOT_NULL_12 = (
    "BilledCost",
    "BillingAccountId",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargeCategory",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "ContractedCost",
    "EffectiveCost",
    "InvoiceIssuerName",
    "ListCost",
    "ProviderName",
    "PublisherName",
    "ServiceCategory",
    "ServiceName",
)
MANDATORY_12 = (
    *NOT_NULL_12,
    "BillingAccountName",
    "ChargeClass",
    "ChargeDescription",
    "PricingQuantity",
    "PricingUnit",
)
# 1.3: ServiceProviderName replaces ProviderName and PublisherName (deprecated, still allowed) and is mandatory
MANDATORY_13 = (*MANDATORY_12, "ServiceProviderName")
NOT_NULL_13 = (*NOT_NULL_12, "ServiceProviderName")

SERVICE_CATEGORIES = (
    "AI and Machine Learning",
    "Analytics",
    "Business Applications",
    "Compute",
    "Databases",
    "Developer Tools",
    "Multicloud",
    "Identity",
    "Integration",
    "Internet of Things",
    "Management and Governance",
    "Media",
    "Migration",
    "Mobile",
    "Networking",
    "Security",
    "Storage",
    "Web",
    "Other",
)
ALLOWED = {
    "ChargeCategory": ("Usage", "Purchase", "Tax", "Credit", "Adjustment"),
    "ChargeClass": ("Correction",),
    "ChargeFrequency": ("One-Time", "Recurring", "Usage-Based"),
    "PricingCategory": ("Standard", "Dynamic", "Committed", "Other"),
    "CommitmentDiscountCategory": ("Spend", "Usage"),
    "CommitmentDiscountStatus": ("Used", "Unused"),
    "CapacityReservationStatus": ("Used", "Unused"),
    "ServiceCategory": SERVICE_CATEGORIES,
}
DATETIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"
KINDS = FOCUS_COLUMNS | FOCUS_13_COLUMNS


class Violation(BaseModel):
    rule: str
    column: str
    rows: int
    example: str | None = None


class ConformanceReport(BaseModel):
    version: str
    rows: int
    columns: list[str]
    violations: list[Violation]

    @property
    def conformant(self) -> bool:
        return not self.violations


def check_file(path: Path | str, version: str = "1.2") -> ConformanceReport:
    """Check a FOCUS dataset file (CSV as written, or Parquet) against the requirements of `version` (1.2, 1.3)."""
    path = Path(path)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    parquet = path.suffix.lower() in (".parquet", ".pq")
    source = read_parquet(str(path)) if parquet else read_csv_text(str(path), delim=",")
    # as text, so formats are checked as written (Parquet date/times are rendered in the spec's format)
    described = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
    columns = [r[0] for r in described]
    text = []
    for name, sql_type, *_ in described:
        col = ident(name)
        if sql_type.startswith("TIMESTAMP"):
            text.append(f"strftime({col} AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS {col}")
        else:
            text.append(f"CAST({col} AS VARCHAR) AS {col}")
    con.execute(f"CREATE TABLE t AS SELECT {', '.join(text)} FROM {source}")
    rows = con.execute("SELECT count(*) FROM t").fetchall()[0][0]
    out: list[Violation] = []

    def rule(name: str, column: str, bad: str) -> None:
        n, example = con.execute(
            f"SELECT count(*), any_value({ident(column)}) FROM t WHERE {bad}"
        ).fetchall()[0]
        if n:
            out.append(Violation(rule=name, column=column, rows=n, example=example))

    mandatory, not_null = (MANDATORY_13, NOT_NULL_13) if version == "1.3" else (MANDATORY_12, NOT_NULL_12)
    have = set(columns)
    for c in mandatory:
        if c not in have:
            out.append(Violation(rule="mandatory column missing", column=c, rows=rows))
    known = set(FOCUS_COLUMNS) | (set(FOCUS_13_COLUMNS) if version == "1.3" else set())
    for c in columns:
        if c not in known and not c.startswith("x_"):
            out.append(Violation(rule="custom column without the x_ prefix", column=c, rows=rows))
    for c in not_null:
        if c in have:
            rule("null in a column that allows no nulls", c, f"{ident(c)} IS NULL")
    for c in columns:
        kind = KINDS.get(c)
        col = ident(c)
        if kind == "decimal":
            rule(
                "not a decimal number", c, f"{col} IS NOT NULL AND TRY_CAST({col} AS DECIMAL(38,10)) IS NULL"
            )
        elif kind == "timestamp":
            rule(
                "date/time not in YYYY-MM-DDTHH:mm:ssZ",
                c,
                f"{col} IS NOT NULL AND NOT regexp_matches({col}, {literal(DATETIME)})",
            )
        elif kind == "json" and c not in ("ContractApplied", "AllocatedMethodDetails"):
            flat = f"json_valid({col}) AND json_type(CAST({col} AS JSON)) = 'OBJECT'"
            rule("not a JSON object", c, f"{col} IS NOT NULL AND NOT ({flat})")
        elif kind == "json":
            rule("not valid JSON", c, f"{col} IS NOT NULL AND NOT json_valid({col})")
        if c in ALLOWED:
            values = ", ".join(literal(v) for v in ALLOWED[c])
            rule("value not allowed", c, f"{col} IS NOT NULL AND {col} NOT IN ({values})")
        if kind is None and c in have and c not in ALLOWED:
            rule("empty string instead of null", c, f"{col} = ''")
    if {"CommitmentDiscountId", "CommitmentDiscountStatus"} <= have:
        rule(
            "CommitmentDiscountStatus set without a CommitmentDiscountId",
            "CommitmentDiscountStatus",
            "CommitmentDiscountStatus IS NOT NULL AND CommitmentDiscountId IS NULL",
        )
    if {"ChargeCategory", "ConsumedQuantity"} <= have:
        rule(
            "ConsumedQuantity on a row that is not Usage",
            "ConsumedQuantity",
            "ConsumedQuantity IS NOT NULL AND ChargeCategory <> 'Usage'",
        )
    if {"ChargePeriodStart", "ChargePeriodEnd"} <= have:
        rule(
            "ChargePeriodEnd before ChargePeriodStart",
            "ChargePeriodEnd",
            "ChargePeriodEnd < ChargePeriodStart",
        )
    if {"BillingPeriodStart", "BillingPeriodEnd"} <= have:
        rule(
            "BillingPeriodEnd not after BillingPeriodStart",
            "BillingPeriodEnd",
            "BillingPeriodEnd <= BillingPeriodStart",
        )
    con.close()
    return ConformanceReport(version=version, rows=rows, columns=columns, violations=out)
