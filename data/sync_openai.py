"""`spendscope sync openai`: the OpenAI Costs API as FOCUS rows, with tokens from the Usage API.

Costs (`GET /v1/organization/costs`, grouped by project, line item and API key, daily) are the bill: each
result becomes one FOCUS row (ProviderName OpenAI, ServiceName "OpenAI API", SubAccountId = project,
Tags.api_key_id). A line item such as `gpt-4o-mini-2024-07-18, input` names the model and the token type.
When the cost result carries no token quantity, the tokens come from the Usage API (completions and
embeddings, grouped by project, API key and model): matched by day, project, API key, model and token type,
and attached only when exactly one cost row has that key (docs/sync.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import duckdb
import pandas as pd
from spendscope.data.api_client import ApiClient
from spendscope.data.models import canonical_token_type, normalize_model, token_type_of
from spendscope.data.naming import canonical_model, canonicalize_models
from spendscope.data.settings import Settings
from spendscope.data.store import Store
from spendscope.data.syncing import (
    SyncResult,
    SyncWindow,
    admin_key,
    check_results,
    plan_window,
    record_failure,
    results_sql,
    stage_and_finish,
    unix,
)

KIND = "openai_api"
PAGE_LIMIT = 31  # daily buckets per page (the Usage API's maximum for 1d buckets)
USAGE_ENDPOINTS = ("completions", "embeddings")


def _params(window: SyncWindow, group_by: list[str]) -> list[tuple[str, str]]:
    params = [
        ("start_time", str(unix(window.start))),
        ("end_time", str(unix(window.end))),
        ("bucket_width", "1d"),
        ("limit", str(PAGE_LIMIT)),
    ]
    return params + [("group_by[]", g) for g in group_by]


def _line_item_parts(line_item: str | None) -> tuple[str | None, str | None]:
    """(canonical model, token type) named by a cost line item such as `gpt-4o-mini-2024-07-18, input`."""
    if not line_item:
        return None, None
    text = line_item.strip()
    head, sep, tail = text.rpartition(",")
    if sep:
        return canonical_model(head), canonical_token_type(tail.strip())
    return normalize_model(text), token_type_of(text) or canonical_token_type(text)


def stage_costs(con: duckdb.DuckDBPyConnection) -> None:
    """cost_pages -> `staged` with FOCUS columns (and the match key columns k_*)."""
    con.execute(
        f"CREATE OR REPLACE TABLE cost_results AS {results_sql('cost_pages', 'start_time', 'end_time')}"
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE cost_items AS SELECT n, st,
            TRY_CAST(st AS BIGINT) AS start_time, TRY_CAST(et AS BIGINT) AS end_time,
            r->'amount'->>'value' AS amount_text, TRY_CAST(r->'amount'->>'value' AS DECIMAL(38,10)) AS amount,
            upper(coalesce(r->'amount'->>'currency', 'usd')) AS currency,
            r->>'line_item' AS line_item, r->>'project_id' AS project_id, r->>'api_key_id' AS api_key_id,
            r->>'quantity' AS quantity_text, TRY_CAST(r->>'quantity' AS DECIMAL(38,10)) AS quantity,
            r->>'quantity_unit' AS quantity_unit
        FROM cost_results
        """
    )
    check_results(
        con,
        "cost_items",
        [
            ("start_time", "a unix time", "start_time IS NULL OR end_time IS NULL", "st"),
            ("amount.value", "a number", "amount IS NULL", "amount_text"),
            ("quantity", "a number", "quantity_text IS NOT NULL AND quantity IS NULL", "quantity_text"),
        ],
        "OpenAI costs",
        KIND,
    )
    items = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT line_item FROM cost_items WHERE line_item IS NOT NULL"
        ).fetchall()
    ]
    parts = pd.DataFrame(
        [(li, *_line_item_parts(li)) for li in items],
        columns=["line_item", "model", "token_type"],
        dtype="object",
    )
    con.register("line_items", parts)
    try:
        con.execute(
            """
            CREATE OR REPLACE TABLE staged AS
            SELECT
                c.n AS x_SourceRow,
                c.amount AS BilledCost, c.amount AS EffectiveCost, c.amount AS ListCost, c.amount AS ContractedCost,
                c.currency AS BillingCurrency, c.currency AS PricingCurrency,
                to_timestamp(c.start_time) AS ChargePeriodStart, to_timestamp(c.end_time) AS ChargePeriodEnd,
                date_trunc('month', to_timestamp(c.start_time)) AS BillingPeriodStart,
                date_trunc('month', to_timestamp(c.start_time)) + INTERVAL 1 MONTH AS BillingPeriodEnd,
                CASE WHEN c.amount < 0 THEN 'Credit' ELSE 'Usage' END AS ChargeCategory,
                'Usage-Based' AS ChargeFrequency,
                coalesce(c.line_item, 'OpenAI API usage') AS ChargeDescription,
                'OpenAI' AS ProviderName, 'OpenAI' AS PublisherName, 'OpenAI' AS InvoiceIssuerName,
                'OpenAI API' AS ServiceName, 'AI and Machine Learning' AS ServiceCategory,
                'Generative AI' AS ServiceSubcategory, 'Standard' AS PricingCategory,
                c.project_id AS SubAccountId, CASE WHEN c.project_id IS NOT NULL THEN 'Project' END AS SubAccountType,
                c.line_item AS SkuMeter,
                CASE WHEN c.amount >= 0 THEN CASE c.quantity_unit
                    WHEN '1000_tokens' THEN c.quantity * 1000 ELSE c.quantity END END AS ConsumedQuantity,
                CASE WHEN c.amount >= 0 AND c.quantity IS NOT NULL THEN CASE c.quantity_unit
                    WHEN 'tokens' THEN 'Tokens' WHEN '1000_tokens' THEN 'Tokens'
                    WHEN 'duration_seconds' THEN 'Seconds' WHEN 'duration_minutes' THEN 'Minutes'
                    WHEN 'duration_hours' THEN 'Hours' WHEN 'gibibyte_hours' THEN 'GiB-Hours'
                    WHEN 'images' THEN 'Images' WHEN 'characters' THEN 'Characters' ELSE c.quantity_unit END
                END AS ConsumedUnit,
                c.quantity AS PricingQuantity,
                CASE WHEN c.quantity IS NOT NULL THEN CASE c.quantity_unit
                    WHEN 'tokens' THEN 'Tokens' WHEN '1000_tokens' THEN '1000 Tokens'
                    WHEN 'duration_seconds' THEN 'Seconds' WHEN 'duration_minutes' THEN 'Minutes'
                    WHEN 'duration_hours' THEN 'Hours' WHEN 'gibibyte_hours' THEN 'GiB-Hours'
                    WHEN 'images' THEN 'Images' WHEN 'characters' THEN 'Characters' ELSE c.quantity_unit END
                END AS PricingUnit,
                CAST(CASE WHEN c.line_item IS NOT NULL THEN
                    json_merge_patch('{}', json_object('x_LineItem', c.line_item, 'x_TokenType', l.token_type))
                END AS JSON) AS SkuPriceDetails,
                CAST(CASE WHEN c.api_key_id IS NOT NULL THEN json_object('api_key_id', c.api_key_id) END AS JSON)
                    AS Tags,
                l.model AS x_Model, l.token_type AS x_TokenType,
                CASE WHEN c.quantity_unit = 'tokens' THEN CAST(round(c.quantity) AS BIGINT)
                     WHEN c.quantity_unit = '1000_tokens' THEN CAST(round(c.quantity * 1000) AS BIGINT) END AS x_Tokens,
                CAST(NULL AS BIGINT) AS x_Requests,
                count(*) OVER (PARTITION BY c.start_time, c.project_id, c.api_key_id, l.model, l.token_type) AS k_n
            FROM cost_items AS c LEFT JOIN line_items AS l ON l.line_item = c.line_item
            """
        )
    finally:
        con.unregister("line_items")


def stage_usage(con: duckdb.DuckDBPyConnection) -> None:
    """usage_pages -> `usage_long`: one row per day, project, API key, model and token type."""
    con.execute(
        f"CREATE OR REPLACE TABLE usage_results AS {results_sql('usage_pages', 'start_time', 'end_time')}"
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE usage_items AS SELECT n, st, TRY_CAST(st AS BIGINT) AS start_time,
            r->>'project_id' AS project_id, r->>'api_key_id' AS api_key_id, r->>'model' AS model,
            TRY_CAST(r->>'input_tokens' AS BIGINT) AS input_tokens,
            TRY_CAST(r->>'input_cached_tokens' AS BIGINT) AS cached,
            TRY_CAST(r->>'input_cache_write_tokens' AS BIGINT) AS cache_write,
            TRY_CAST(r->>'input_uncached_tokens' AS BIGINT) AS uncached,
            TRY_CAST(r->>'output_tokens' AS BIGINT) AS output_tokens,
            TRY_CAST(r->>'num_model_requests' AS BIGINT) AS requests,
            r->>'input_tokens' AS input_text, r->>'output_tokens' AS output_text
        FROM usage_results
        """
    )
    check_results(
        con,
        "usage_items",
        [
            ("start_time", "a unix time", "start_time IS NULL", "st"),
            ("input_tokens", "an integer", "input_text IS NOT NULL AND input_tokens IS NULL", "input_text"),
            (
                "output_tokens",
                "an integer",
                "output_text IS NOT NULL AND output_tokens IS NULL",
                "output_text",
            ),
        ],
        "OpenAI usage",
        KIND,
    )
    canonicalize_models(con, "usage_items")
    con.execute(
        """
        CREATE OR REPLACE TABLE usage_long AS
        SELECT start_time, project_id, api_key_id, model, token_type, sum(tokens) AS tokens,
               sum(requests) AS requests
        FROM (
            SELECT start_time, project_id, api_key_id, model, 'input' AS token_type,
                   coalesce(uncached, input_tokens - coalesce(cached, 0) - coalesce(cache_write, 0)) AS tokens,
                   requests FROM usage_items
            UNION ALL SELECT start_time, project_id, api_key_id, model, 'cached_input', cached, NULL FROM usage_items
            UNION ALL SELECT start_time, project_id, api_key_id, model, 'cache_write', cache_write, NULL
                FROM usage_items
            UNION ALL SELECT start_time, project_id, api_key_id, model, 'output', output_tokens, NULL FROM usage_items
        )
        WHERE (tokens IS NOT NULL AND tokens <> 0) OR (requests IS NOT NULL AND token_type = 'input')
        GROUP BY ALL
        """
    )


def attach_usage(con: duckdb.DuckDBPyConnection) -> tuple[int, list[str]]:
    """Fill tokens (and requests, on input rows) of cost rows that lack them from the usage report."""
    key = """u.start_time = epoch(s.ChargePeriodStart) AND u.project_id IS NOT DISTINCT FROM s.SubAccountId
             AND u.api_key_id IS NOT DISTINCT FROM s.Tags->>'api_key_id' AND u.model = s.x_Model
             AND u.token_type = s.x_TokenType"""
    where = f"s.x_Tokens IS NULL AND s.k_n = 1 AND s.ChargeCategory = 'Usage' AND {key}"
    matched = con.execute(f"SELECT count(*) FROM staged s JOIN usage_long u ON {where}").fetchall()[0][0]
    con.execute(
        f"""
        UPDATE staged AS s SET x_Tokens = u.tokens, ConsumedQuantity = u.tokens, ConsumedUnit = 'Tokens',
            x_Requests = CASE WHEN s.x_TokenType = 'input' THEN u.requests END
        FROM usage_long AS u WHERE {where}
        """
    )
    unmatched = con.execute(
        f"""SELECT count(*), coalesce(sum(u.tokens), 0) FROM usage_long u
            WHERE u.tokens > 0 AND NOT EXISTS (SELECT 1 FROM staged s WHERE {key} AND s.k_n = 1)"""
    ).fetchall()[0]
    warnings = []
    if unmatched[0]:
        warnings.append(
            f"{unmatched[0]} usage groups ({unmatched[1]:,} tokens) match no single cost line by day, project, "
            "API key, model and token type; those cost lines keep no token count"
        )
    con.execute("ALTER TABLE staged DROP COLUMN k_n")
    return matched, warnings


def sync_openai(
    store: Store,
    settings: Settings,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    lookback_days: int | None = None,
    now: dt.datetime | None = None,
    sleep: Callable[[float], None] | None = None,
    replace_other: bool = False,
) -> SyncResult:
    """Pull OpenAI costs (and usage for tokens) for the sync window and replace that window in the store."""
    window = plan_window(
        store,
        KIND,
        since=since,
        until=until,
        lookback_days=settings.sync_lookback_days if lookback_days is None else lookback_days,
        initial_days=settings.sync_initial_days,
        now=now,
    )
    key = admin_key(settings, "openai")
    kwargs = {"sleep": sleep} if sleep else {}
    client = ApiClient(
        settings.openai_api_url,
        {"Authorization": f"Bearer {key}"},
        provider="OpenAI",
        key_name="OPENAI_ADMIN_KEY",
        **kwargs,
    )
    try:
        cost_pages = list(
            client.pages("/v1/organization/costs", _params(window, ["project_id", "line_item", "api_key_id"]))
        )
        usage_pages = []
        for endpoint in USAGE_ENDPOINTS:
            usage_pages += list(
                client.pages(
                    f"/v1/organization/usage/{endpoint}",
                    _params(window, ["project_id", "api_key_id", "model"]),
                )
            )
    except Exception as exc:
        record_failure(store, KIND, exc)
        raise
    finally:
        client.close()
    return stage_and_finish(
        store,
        kind=KIND,
        window=window,
        client=client,
        cost_pages=cost_pages,
        usage_pages=usage_pages,
        label=f"{settings.openai_api_url.rstrip('/')}/v1/organization/costs {window.label}",
        stage_costs=stage_costs,
        stage_usage=stage_usage,
        attach_usage=attach_usage,
        replace_other=replace_other,
    )
