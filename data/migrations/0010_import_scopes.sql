-- 0010: restated exports replace what earlier imports stored for the same scope (docs/importers.md, "Restated
-- exports"). `imports` records how each import went; `import_scopes` what it covered, what it replaced and the
-- delta; `costs.x_Extra` keeps a file's unknown columns (one JSON object per row) instead of widening the table.

ALTER TABLE imports ADD COLUMN IF NOT EXISTS import_seq BIGINT;       -- 1, 2, 3, ... (x_RowHash = seq * 2^36 + row)
ALTER TABLE imports ADD COLUMN IF NOT EXISTS mode VARCHAR;            -- auto | replace-period | append
ALTER TABLE imports ADD COLUMN IF NOT EXISTS files JSON;              -- [{path, size, quick, sha256}, ...]
ALTER TABLE imports ADD COLUMN IF NOT EXISTS rows_replaced BIGINT;    -- rows of earlier imports this one removed
ALTER TABLE imports ADD COLUMN IF NOT EXISTS billed_cost DECIMAL(38,10);
ALTER TABLE imports ADD COLUMN IF NOT EXISTS effective_cost DECIMAL(38,10);
ALTER TABLE imports ADD COLUMN IF NOT EXISTS superseded_by VARCHAR;   -- the import that removed its last rows

CREATE TABLE IF NOT EXISTS import_scopes (
    import_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    BillingAccountId VARCHAR,
    BillingPeriodStart TIMESTAMPTZ,
    ProviderName VARCHAR,
    action VARCHAR NOT NULL,            -- added | replaced | appended | kept (an older export, not imported)
    window_start TIMESTAMPTZ,           -- the charge period the import covered in this scope
    window_end TIMESTAMPTZ,
    rows BIGINT,                        -- rows the import added to this scope
    billed_cost DECIMAL(38,10),
    effective_cost DECIMAL(38,10),
    rows_before BIGINT,                 -- rows of earlier imports it removed (action replaced)
    billed_cost_before DECIMAL(38,10),
    effective_cost_before DECIMAL(38,10),
    replaced_imports JSON,              -- ids of the imports those rows came from
    superseded_by VARCHAR,              -- a later import that removed this import's rows of this scope
    note VARCHAR
);

ALTER TABLE costs ADD COLUMN IF NOT EXISTS x_Extra JSON;
