"""`spendscope sync anthropic`: the Anthropic Admin API cost report as FOCUS rows, with tokens from the
Messages usage report.

Cost report (`GET /v1/organizations/cost_report`, daily, grouped by workspace and description): each result
becomes one FOCUS row (ProviderName Anthropic, ServiceName "Claude API", SubAccountId = workspace). Its
`amount` is a decimal string in cents ("123.45" = $1.2345) and is converted exactly. Token results name the
model and the token type (`uncached_input_tokens`, `output_tokens`, `cache_read_input_tokens`,
`cache_creation.ephemeral_5m_input_tokens`, `cache_creation.ephemeral_1h_input_tokens`).
The usage report (`GET /v1/organizations/usage_report/messages`, grouped by workspace, model, service tier and
context window) has no plain `input_tokens`; its token kinds are the same five, so each cost row takes the
tokens of the usage group with the same day, workspace, model, token type, service tier and context window,
when exactly one cost row has that key (docs/sync.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import duckdb
import pandas as pd
from spendscope.data.api_client import ApiClient
from spendscope.data.naming import canonical_model
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
    rfc3339,
    stage_and_finish,
)

KIND = "anthropic_api"
PAGE_LIMIT = 31
API_VERSION = "2023-06-01"

# cost report / usage report token kinds -> spendscope token types
TOKEN_TYPES = {
    "uncached_input_tokens": "input",
    "output_tokens": "output",
    "cache_read_input_tokens": "cached_input",
    "cache_creation.ephemeral_5m_input_tokens": "cache_write",
    "cache_creation.ephemeral_1h_input_tokens": "cache_write",
}


def _params(window: SyncWindow, group_by: list[str]) -> list[tuple[str, str]]:
    params = [
        ("starting_at", rfc3339(window.start)),
        ("ending_at", rfc3339(window.end)),
        ("bucket_width", "1d"),
        ("limit", str(PAGE_LIMIT)),
    ]
    return params + [("group_by[]", g) for g in group_by]


def _token_type_sql(expr: str) -> str:
    cases = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in TOKEN_TYPES.items())
    return f"(CASE {expr} {cases} END)"


def stage_costs(con: duckdb.DuckDBPyConnection) -> None:
    """cost_pages -> `staged` with FOCUS columns (plus the match-key count k_n)."""
    con.execute(
        f"CREATE OR REPLACE TABLE cost_results AS {results_sql('cost_pages', 'starting_at', 'ending_at')}"
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE cost_items AS SELECT n, st, TRY_CAST(st AS TIMESTAMPTZ) AS starting_at,
            TRY_CAST(et AS TIMESTAMPTZ) AS ending_at,
            r->>'amount' AS amount_text,
            CAST(TRY_CAST(trim(r->>'amount') AS DECIMAL(38,12)) * CAST(0.01 AS DECIMAL(3,2)) AS DECIMAL(38,10))
                AS amount,
            upper(coalesce(r->>'currency', 'USD')) AS currency, r->>'description' AS description,
            r->>'cost_type' AS cost_type, r->>'context_window' AS context_window, r->>'model' AS model_raw,
            r->>'service_tier' AS service_tier, r->>'token_type' AS token_type, r->>'workspace_id' AS workspace_id,
            r->>'inference_geo' AS inference_geo
        FROM cost_results
        """
    )
    check_results(
        con,
        "cost_items",
        [
            ("starting_at", "an RFC 3339 time", "starting_at IS NULL OR ending_at IS NULL", "st"),
            ("amount", "a decimal string (cents)", "amount IS NULL", "amount_text"),
        ],
        "Anthropic cost report",
        KIND,
    )
    models = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT model_raw FROM cost_items WHERE model_raw IS NOT NULL"
        ).fetchall()
    ]
    con.register(
        "model_names",
        pd.DataFrame({"raw": models, "model": [canonical_model(m) for m in models]}, dtype="object"),
    )
    try:
        con.execute(
            f"""
            CREATE OR REPLACE TABLE staged AS
            SELECT
                c.n AS x_SourceRow,
                c.amount AS BilledCost, c.amount AS EffectiveCost, c.amount AS ListCost, c.amount AS ContractedCost,
                c.currency AS BillingCurrency, c.currency AS PricingCurrency,
                c.starting_at AS ChargePeriodStart, c.ending_at AS ChargePeriodEnd,
                date_trunc('month', c.starting_at) AS BillingPeriodStart,
                date_trunc('month', c.starting_at) + INTERVAL 1 MONTH AS BillingPeriodEnd,
                CASE WHEN c.amount < 0 THEN 'Credit' ELSE 'Usage' END AS ChargeCategory,
                'Usage-Based' AS ChargeFrequency,
                coalesce(c.description, concat_ws(' ', c.model_raw, c.token_type, c.cost_type), 'Claude API usage')
                    AS ChargeDescription,
                'Anthropic' AS ProviderName, 'Anthropic' AS PublisherName, 'Anthropic' AS InvoiceIssuerName,
                'Claude API' AS ServiceName, 'AI and Machine Learning' AS ServiceCategory,
                'Generative AI' AS ServiceSubcategory, 'Standard' AS PricingCategory,
                c.workspace_id AS SubAccountId,
                CASE WHEN c.workspace_id IS NULL THEN 'Default Workspace' END AS SubAccountName,
                'Workspace' AS SubAccountType,
                coalesce(c.description, c.token_type, c.cost_type) AS SkuMeter,
                CAST(json_merge_patch('{{}}', json_object('x_CostType', c.cost_type, 'x_TokenType', c.token_type,
                    'x_ServiceTier', c.service_tier, 'x_ContextWindow', c.context_window,
                    'x_InferenceGeo', c.inference_geo, 'x_ModelId', c.model_raw)) AS JSON) AS SkuPriceDetails,
                CAST(NULL AS JSON) AS Tags,
                m.model AS x_Model, {_token_type_sql("c.token_type")} AS x_TokenType,
                CAST(NULL AS BIGINT) AS x_Tokens, CAST(NULL AS DECIMAL(38,10)) AS ConsumedQuantity,
                CAST(NULL AS VARCHAR) AS ConsumedUnit, CAST(NULL AS DECIMAL(38,10)) AS PricingQuantity,
                CAST(NULL AS VARCHAR) AS PricingUnit,
                c.token_type AS k_token_type, c.service_tier AS k_service_tier, c.context_window AS k_context_window,
                count(*) OVER (PARTITION BY c.starting_at, c.workspace_id, m.model, c.token_type, c.service_tier,
                               c.context_window) AS k_n
            FROM cost_items AS c LEFT JOIN model_names AS m ON m.raw = c.model_raw
            """
        )
    finally:
        con.unregister("model_names")


def stage_usage(con: duckdb.DuckDBPyConnection) -> None:
    """usage_pages -> `usage_long`: tokens per day, workspace, model, token kind, service tier, context window."""
    con.execute(
        f"CREATE OR REPLACE TABLE usage_results AS {results_sql('usage_pages', 'starting_at', 'ending_at')}"
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE usage_items AS SELECT n, st, TRY_CAST(st AS TIMESTAMPTZ) AS starting_at,
            r->>'workspace_id' AS workspace_id, r->>'model' AS model_raw, r->>'service_tier' AS service_tier,
            r->>'context_window' AS context_window,
            r->>'uncached_input_tokens' AS uncached_text,
            TRY_CAST(r->>'uncached_input_tokens' AS BIGINT) AS uncached,
            TRY_CAST(r->>'cache_read_input_tokens' AS BIGINT) AS cache_read,
            TRY_CAST(r->'cache_creation'->>'ephemeral_5m_input_tokens' AS BIGINT) AS cw_5m,
            TRY_CAST(r->'cache_creation'->>'ephemeral_1h_input_tokens' AS BIGINT) AS cw_1h,
            r->>'output_tokens' AS output_text, TRY_CAST(r->>'output_tokens' AS BIGINT) AS output
        FROM usage_results
        """
    )
    check_results(
        con,
        "usage_items",
        [
            ("starting_at", "an RFC 3339 time", "starting_at IS NULL", "st"),
            (
                "uncached_input_tokens",
                "an integer",
                "uncached_text IS NOT NULL AND uncached IS NULL",
                "uncached_text",
            ),
            ("output_tokens", "an integer", "output_text IS NOT NULL AND output IS NULL", "output_text"),
        ],
        "Anthropic usage report",
        KIND,
    )
    models = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT model_raw FROM usage_items WHERE model_raw IS NOT NULL"
        ).fetchall()
    ]
    con.register(
        "model_names",
        pd.DataFrame({"raw": models, "model": [canonical_model(m) for m in models]}, dtype="object"),
    )
    try:
        con.execute(
            """
            CREATE OR REPLACE TABLE usage_long AS
            SELECT u.starting_at, u.workspace_id, m.model, u.service_tier, u.context_window, k.token_type,
                   sum(CASE k.token_type WHEN 'uncached_input_tokens' THEN u.uncached
                        WHEN 'cache_read_input_tokens' THEN u.cache_read
                        WHEN 'cache_creation.ephemeral_5m_input_tokens' THEN u.cw_5m
                        WHEN 'cache_creation.ephemeral_1h_input_tokens' THEN u.cw_1h
                        ELSE u.output END) AS tokens
            FROM usage_items AS u LEFT JOIN model_names AS m ON m.raw = u.model_raw
            CROSS JOIN (VALUES ('uncached_input_tokens'), ('output_tokens'), ('cache_read_input_tokens'),
                ('cache_creation.ephemeral_5m_input_tokens'), ('cache_creation.ephemeral_1h_input_tokens'))
                AS k(token_type)
            GROUP BY ALL
            HAVING sum(CASE k.token_type WHEN 'uncached_input_tokens' THEN u.uncached
                        WHEN 'cache_read_input_tokens' THEN u.cache_read
                        WHEN 'cache_creation.ephemeral_5m_input_tokens' THEN u.cw_5m
                        WHEN 'cache_creation.ephemeral_1h_input_tokens' THEN u.cw_1h
                        ELSE u.output END) > 0
            """
        )
    finally:
        con.unregister("model_names")


def attach_usage(con: duckdb.DuckDBPyConnection) -> tuple[int, list[str]]:
    """Give each token cost row the tokens of its usage group (unique keys only)."""
    key = """u.starting_at = s.ChargePeriodStart AND u.workspace_id IS NOT DISTINCT FROM s.SubAccountId
             AND u.model = s.x_Model AND u.token_type = s.k_token_type
             AND u.service_tier IS NOT DISTINCT FROM s.k_service_tier
             AND u.context_window IS NOT DISTINCT FROM s.k_context_window"""
    where = f"s.x_Tokens IS NULL AND s.k_n = 1 AND s.ChargeCategory = 'Usage' AND {key}"
    matched = con.execute(f"SELECT count(*) FROM staged s JOIN usage_long u ON {where}").fetchall()[0][0]
    con.execute(
        f"""UPDATE staged AS s SET x_Tokens = u.tokens, ConsumedQuantity = u.tokens, ConsumedUnit = 'Tokens',
                PricingQuantity = u.tokens, PricingUnit = 'Tokens'
            FROM usage_long AS u WHERE {where}"""
    )
    unmatched = con.execute(
        f"""SELECT count(*), coalesce(sum(u.tokens), 0) FROM usage_long u
            WHERE NOT EXISTS (SELECT 1 FROM staged s WHERE {key} AND s.k_n = 1)"""
    ).fetchall()[0]
    warnings = []
    if unmatched[0]:
        warnings.append(
            f"{unmatched[0]} usage groups ({unmatched[1]:,} tokens) match no single cost line by day, workspace, "
            "model, token type, service tier and context window; those cost lines keep no token count"
        )
    for c in ("k_n", "k_token_type", "k_service_tier", "k_context_window"):
        con.execute(f"ALTER TABLE staged DROP COLUMN {c}")
    return matched, warnings


def sync_anthropic(
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
    """Pull the Anthropic cost report (and the usage report for tokens) for the sync window and replace it."""
    window = plan_window(
        store,
        KIND,
        since=since,
        until=until,
        lookback_days=settings.sync_lookback_days if lookback_days is None else lookback_days,
        initial_days=settings.sync_initial_days,
        now=now,
    )
    key = admin_key(settings, "anthropic")
    kwargs = {"sleep": sleep} if sleep else {}
    client = ApiClient(
        settings.anthropic_api_url,
        {"x-api-key": key, "anthropic-version": API_VERSION},
        provider="Anthropic",
        key_name="ANTHROPIC_ADMIN_KEY",
        **kwargs,
    )
    try:
        cost_pages = list(
            client.pages("/v1/organizations/cost_report", _params(window, ["workspace_id", "description"]))
        )
        usage_pages = list(
            client.pages(
                "/v1/organizations/usage_report/messages",
                _params(window, ["workspace_id", "model", "service_tier", "context_window"]),
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
        label=f"{settings.anthropic_api_url.rstrip('/')}/v1/organizations/cost_report {window.label}",
        stage_costs=stage_costs,
        stage_usage=stage_usage,
        attach_usage=attach_usage,
        replace_other=replace_other,
    )
