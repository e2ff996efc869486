"""The allow-list of dimensions and measures a query may name, and how each maps to SQL.

Identifiers only ever come from here; values are bound parameters. Dimensions beyond the built-in ones are
tags: a virtual tag defined by allocation rules (tools.allocation) wins, else the provider's own `Tags` key.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import duckdb
from pydantic import BaseModel
from spendscope.data.errors import UnknownDimension
from spendscope.data.sql import day as day_sql
from spendscope.data.sql import ident, json_text, literal, month, plus_days_utc, week

BUILTIN_DIMENSIONS: dict[str, tuple[str, str]] = {
    "provider": ("ProviderName", "the provider (FOCUS ProviderName): OpenAI, Anthropic, AWS, Microsoft, ..."),
    "service": (
        "ServiceName",
        "the service (FOCUS ServiceName): Amazon Bedrock, Azure OpenAI, Vertex AI, ...",
    ),
    "service_category": ("ServiceCategory", "FOCUS ServiceCategory, e.g. AI and Machine Learning, Compute"),
    "service_subcategory": ("ServiceSubcategory", "FOCUS ServiceSubcategory, e.g. Generative AI"),
    "sub_account": ("SubAccountName", "sub-account: AWS account, Azure subscription, GCP or OpenAI project"),
    "sub_account_id": ("SubAccountId", "sub-account id"),
    "billing_account": ("BillingAccountName", "billing account name"),
    "invoice_issuer": ("InvoiceIssuerName", "who invoices the charge (FOCUS InvoiceIssuerName)"),
    "publisher": ("PublisherName", "who publishes the service (FOCUS PublisherName)"),
    "region": ("RegionId", "region id"),
    "model": ("x_Model", "AI model, canonical id (claude-sonnet-4-5, gpt-4o, ...)"),
    "token_type": ("x_TokenType", "token kind: input, output, cached_input, cache_write, reasoning"),
    "charge_category": ("ChargeCategory", "Usage, Purchase, Tax, Credit, Adjustment"),
    "pricing_category": ("PricingCategory", "Standard, Dynamic, Committed, Other"),
    "resource": ("ResourceName", "resource name (deployment, instance, model endpoint)"),
    "resource_id": ("ResourceId", "resource id"),
    "resource_type": ("ResourceType", "resource type"),
    "sku": ("SkuId", "SKU id"),
    "sku_meter": ("SkuMeter", "SKU meter (functional meter name)"),
    "consumed_unit": (
        "ConsumedUnit",
        "FOCUS ConsumedUnit: the unit of usage_quantity (Tokens, Hours, Seats, ...)",
    ),
    "instance_type": ("x_InstanceType", "GPU instance type"),
    "gpu_count": ("x_GpuCount", "GPUs per instance; GPU instance rows only (filter not_in ['(none)', '0'])"),
    "commitment": ("CommitmentDiscountName", "commitment discount (reservation, PTU, savings plan) name"),
    "commitment_status": ("CommitmentDiscountStatus", "Used or Unused commitment"),
    "currency": ("BillingCurrency", "billing currency"),
}

TIME_GRAINS = {"day", "week", "month"}

# Calendar dimensions: the day of the week of a row's charge period start, as the store keeps it (UTC). A row whose
# charge period spans more than a day (a monthly fee, a commitment's amortised month, a support plan) belongs to
# no one weekday: it reads MULTI_DAY, its own bucket, never the weekday its period happens to start on.
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")  # ISO 1-7
DAY_TYPES = ("weekday", "weekend")
MULTI_DAY = "(multi-day)"
CALENDAR_DIMENSIONS: dict[str, str] = {
    "weekday": "day of the week (Monday..Sunday) of the charge period start, UTC; rows charged over more than "
    f"one day (monthly fees, commitments) read {MULTI_DAY}",
    "day_type": "weekday (Monday-Friday) or weekend (Saturday, Sunday) of the charge period start, UTC; rows "
    f"charged over more than one day (monthly fees, commitments) read {MULTI_DAY}",
}

MEASURES: dict[str, tuple[str, str]] = {
    "cost": ("EffectiveCost", "effective (amortised) cost, the default meaning of 'cost' and 'spend'"),
    "effective_cost": ("EffectiveCost", "effective (amortised) cost"),
    "billed_cost": ("BilledCost", "billed (invoiced) cost"),
    "list_cost": ("ListCost", "list-price cost"),
    "contracted_cost": ("ContractedCost", "contracted-price cost"),
    "tokens": ("x_Tokens", "tokens of every kind (filter token_type for one kind)"),
    "requests": ("x_Requests", "requests, where the bill counts them"),
    "gpu_hours": ("x_GpuHours", "GPU hours (instance hours x GPUs)"),
    "usage_quantity": ("ConsumedQuantity", "FOCUS ConsumedQuantity in the row's own unit"),
}
MONEY_COLUMNS = (
    "EffectiveCost",
    "BilledCost",
    "ListCost",
    "ContractedCost",
)  # measures in the billing currency
TOKEN_MEASURES = {
    "input_tokens": "input",
    "output_tokens": "output",
    "cached_input_tokens": "cached_input",
    "cache_write_tokens": "cache_write",
    "reasoning_tokens": "reasoning",
}


@dataclass(frozen=True)
class Source:
    """The relation cost queries read, and the SQL of each virtual tag key over it."""

    relation: str
    virtual_tags: dict[str, str]
    # the costs columns the virtual tags read, and the relation over another input with those columns (rows
    # already summed by them): set when the rules can run once per group instead of once per row
    reads: frozenset[str] | None = None
    over: Callable[[str], str] | None = None


def query_source(con: duckdb.DuckDBPyConnection) -> Source:
    """`costs`, or the allocation engine's relation when virtual tags are defined."""
    # imported here: tools.allocation imports this module; and a store without rules never loads the rules engine
    from spendscope.tools.allocation.stored import has_rules

    if not has_rules(con):
        return Source("costs", {})
    from spendscope.tools.allocation.versions import query_source as allocation_source

    result = allocation_source(con)
    return result if result is not None else Source("costs", {})


def tag_keys(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Keys that occur in the provider Tags column."""
    rows = con.execute(
        "SELECT DISTINCT unnest(json_keys(Tags)) AS k FROM (SELECT DISTINCT Tags FROM costs WHERE Tags IS NOT NULL) "
        "ORDER BY k"  # distinct tag sets first: bills repeat a few, and JSON parsing per row is slow
    ).fetchall()
    return [r[0] for r in rows]


def check_named_dimensions(
    con: duckdb.DuckDBPyConnection, params: BaseModel, fields: tuple[str, ...], source: Source | None = None
) -> None:
    """A dimension or tag key the caller named in one of `fields` (a `team_tag`, a `feature_tag`) must be one the
    store has: UnknownDimension naming it and what is accepted. Left at its default, a missing one is the
    operation's to note (a store without a `team` tag still gets its GPU or savings answer)."""
    for field in fields:
        if field in params.model_fields_set and getattr(params, field, None):
            dimension_sql(str(getattr(params, field)), con, source)


def measure_sql(measure: str) -> tuple[str, str | None]:
    """(column, implied token type filter) for a measure name."""
    key = measure.strip().lower()
    if key in MEASURES:
        return MEASURES[key][0], None
    if key in TOKEN_MEASURES:
        return "x_Tokens", TOKEN_MEASURES[key]
    raise UnknownDimension(
        f"unknown measure {measure!r}; accepted: {', '.join([*MEASURES, *TOKEN_MEASURES])}",
        argument="measure",
        value=measure,
    )


# The expressions dimension_sql builds (beyond plain columns) -> the columns each reads. Planning a query asks
# which columns an expression reads; for the expressions this module wrote itself the answer is known, so no SQL
# parser is loaded for them (a CLI command then starts without sqlglot).
_EXPRESSION_READS: dict[str, tuple[str, ...]] = {}
_QUOTED_COLUMN = re.compile(r'"((?:[^"]|"")+)"')


def _expression(sql: str, *reads: str) -> str:
    if len(_EXPRESSION_READS) > 10_000:  # one entry per tag key asked about: bounded in a long-lived server
        _EXPRESSION_READS.clear()
    _EXPRESSION_READS[sql] = reads
    return sql


def expression_reads(sql: str) -> tuple[tuple[str, ...], bool] | None:
    """(columns read, whether `sql` is just a column) for a dimension expression this module generated (a
    quoted column, a time grain, a tag lookup); None for any other SQL."""
    column = _QUOTED_COLUMN.fullmatch(sql)
    if column:
        return (column.group(1).replace('""', '"'),), True
    reads = _EXPRESSION_READS.get(sql)
    return (reads, False) if reads is not None else None


def dimension_sql(name: str, con: duckdb.DuckDBPyConnection, source: Source | None = None) -> str:
    """SQL expression for a dimension name over the query source."""
    key = name.strip()
    low = key.lower()
    if low in BUILTIN_DIMENSIONS:
        return ident(BUILTIN_DIMENSIONS[low][0])
    if low == "day":
        return _expression(day_sql("ChargePeriodStart"), "ChargePeriodStart")
    if low == "week":
        return _expression(f"CAST({week('ChargePeriodStart')} AS DATE)", "ChargePeriodStart")
    if low == "month":
        return _expression(f"strftime({month('ChargePeriodStart')}, '%Y-%m')", "ChargePeriodStart")
    if low in CALENDAR_DIMENSIONS:
        return calendar_sql(low)
    src = source or query_source(con)
    if low.startswith("tag:"):
        return _expression(json_text("Tags", key[4:]), "Tags")
    if low in src.virtual_tags:
        return src.virtual_tags[low]
    keys = tag_keys(con)
    for k in keys:
        if k.lower() == low:
            return _expression(json_text("Tags", k), "Tags")
    import difflib

    names = list(
        dict.fromkeys(
            n.lower()
            for n in [*BUILTIN_DIMENSIONS, *TIME_GRAINS, *CALENDAR_DIMENSIONS, *src.virtual_tags, *keys]
        )
    )
    close = difflib.get_close_matches(low, names, n=3, cutoff=0.6)
    # the closest names first, then where the whole list is: 40 names after them bury the answer
    tags = [*sorted(src.virtual_tags), *keys]
    hint = (
        f"closest: {', '.join(close)}"
        if close
        else f"no close name (tag keys here: {', '.join(tags[:8]) or 'none'})"
    )
    raise UnknownDimension(
        f"unknown dimension {name!r}; {hint}; all {len(names)} dimensions: list_dimensions "
        "(CLI: spendscope dimensions), or tag:<key> for any provider tag",
        argument="dimension",
        value=name,
    )


def calendar_sql(name: str) -> str:
    """SQL for a calendar dimension (`weekday`, `day_type`) over the cost rows. `isodow` (1 = Monday) transpiles
    to ClickHouse's `toDayOfWeek`, which counts the same way; names are spelled here, not by the engine
    (DuckDB's `dayname` has no ClickHouse equivalent)."""
    start, end = ident("ChargePeriodStart"), ident("ChargePeriodEnd")
    spans = f"{end} > {plus_days_utc(start)}"  # longer than a day: not attributable to one weekday
    if name == "weekday":
        names = " ".join(f"WHEN {i} THEN {literal(d)}" for i, d in enumerate(WEEKDAYS, 1))
        label = f"CASE isodow({start}) {names} END"
    else:
        label = f"CASE WHEN isodow({start}) IN (6, 7) THEN 'weekend' ELSE 'weekday' END"
    return _expression(
        f"(CASE WHEN {spans} THEN {literal(MULTI_DAY)} ELSE {label} END)",
        "ChargePeriodStart",
        "ChargePeriodEnd",
    )


def is_calendar(name: str) -> bool:
    """Whether `name` is a calendar dimension (weekday, day_type)."""
    return name.strip().lower() in CALENDAR_DIMENSIONS


_ABBREVIATIONS = {d[:3].lower(): d for d in WEEKDAYS} | {
    "tues": "Tuesday",
    "thur": "Thursday",
    "thurs": "Thursday",
}


def calendar_value(name: str, value: str) -> str | None:
    """The canonical value of a calendar dimension a user's spelling names (`sat`, `Saturdays` -> `Saturday`;
    `weekends` -> `weekend`), or None when it names none."""
    text = value.strip().lower().rstrip(".")
    if text in ("(multi-day)", "multi-day", "multiday"):
        return MULTI_DAY
    if name.strip().lower() == "weekday":
        for d in WEEKDAYS:
            if text in (d.lower(), d.lower() + "s"):
                return d
        return _ABBREVIATIONS.get(text)
    for t in DAY_TYPES:
        if text in (t, t + "s"):
            return t
    return None


def calendar_values(name: str) -> tuple[str, ...]:
    """Every value a calendar dimension takes, in calendar order (Monday first; the multi-day bucket last)."""
    return (*(WEEKDAYS if name.strip().lower() == "weekday" else DAY_TYPES), MULTI_DAY)


def calendar_order(name: str, value: str | None) -> int:
    """Where a calendar dimension's value sorts: Monday (or weekday) first, the multi-day bucket and unknowns last."""
    values = calendar_values(name)
    return values.index(value) if value in values else len(values)
