-- 0005: bookkeeping of the provider API syncs (internal: not queryable with `spendscope query`).
-- One row per sync source (the import kind: openai_api, anthropic_api). A sync re-reads the days from
-- synced_through minus the look-back window and replaces that window's rows in one transaction.
CREATE TABLE IF NOT EXISTS _sync_state (
    source VARCHAR PRIMARY KEY,
    synced_from TIMESTAMPTZ,          -- earliest data time any successful sync covered
    synced_through TIMESTAMPTZ,       -- end (exclusive) of the last successful window
    last_window_start TIMESTAMPTZ,    -- start of the last successful window
    last_success_at TIMESTAMPTZ,      -- when the last successful sync finished
    last_import_id VARCHAR,           -- imports.import_id of that sync
    last_rows BIGINT,                 -- cost rows the last successful sync wrote
    last_attempt_at TIMESTAMPTZ,      -- when the last sync (successful or not) ran
    last_status VARCHAR,              -- ok | error
    last_error VARCHAR                -- the one-line error of the last failed sync
);
