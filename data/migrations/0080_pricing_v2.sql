-- 0080: pricing engine v2 (docs/telemetry.md). Telemetry records the service tier, inference geography, 1-hour
-- cache writes and the GPU instance that served a request; each event keeps the catalog's estimate and the cost
-- its source reported side by side, and estimated_cost is the one spendscope uses (reported wins).
ALTER TABLE usage_events ADD COLUMN IF NOT EXISTS service_tier VARCHAR;          -- standard, batch, flex, priority, scale, ...
ALTER TABLE usage_events ADD COLUMN IF NOT EXISTS inference_geo VARCHAR;         -- NULL: global/default routing
ALTER TABLE usage_events ADD COLUMN IF NOT EXISTS cache_write_1h_tokens BIGINT DEFAULT 0;  -- part of cache_write_tokens
ALTER TABLE usage_events ADD COLUMN IF NOT EXISTS instance_id VARCHAR;           -- self-hosted: the serving instance
ALTER TABLE usage_events ADD COLUMN IF NOT EXISTS reported_cost DECIMAL(38,10);  -- cost the source reported
ALTER TABLE usage_events ADD COLUMN IF NOT EXISTS catalog_cost DECIMAL(38,10);   -- the price catalog's estimate
ALTER TABLE usage_events ADD COLUMN IF NOT EXISTS cost_source VARCHAR;           -- reported | catalog | NULL (unpriced)
ALTER TABLE usage_events ADD COLUMN IF NOT EXISTS long_context BOOLEAN;          -- priced at a long-context band
ALTER TABLE usage_events ADD COLUMN IF NOT EXISTS price_source VARCHAR;          -- which price (catalog entry, override)

-- events stored before v2: LiteLLM's own spend was kept as the estimate (a reported cost); the rest were
-- catalog estimates at the base tier (`spendscope reprice` re-estimates them with tiers and dates)
UPDATE usage_events SET
    reported_cost = CASE WHEN source = 'litellm' THEN estimated_cost END,
    catalog_cost = CASE WHEN source = 'litellm' THEN NULL ELSE estimated_cost END,
    cost_source = CASE WHEN estimated_cost IS NULL THEN NULL WHEN source = 'litellm' THEN 'reported' ELSE 'catalog' END
WHERE cost_source IS NULL;

CREATE TABLE IF NOT EXISTS reprice_runs (
    run_id VARCHAR PRIMARY KEY,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    since DATE,
    scope VARCHAR,                 -- provider/model filters, as given
    events BIGINT,                 -- events considered
    changed BIGINT,                -- events whose catalog estimate changed
    estimated_before DECIMAL(38,10),
    estimated_after DECIMAL(38,10),
    prices_file VARCHAR
);
