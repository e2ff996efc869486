-- 0011: the value summary behind the value catalog (Billy's vocabulary, `dimension_catalog`): per import, every
-- value of the named cost columns and of each provider tag key, with its effective cost and row count. Written at
-- the end of each cost import's transaction for the imports whose rows changed (data/value_summary.py), so the
-- first question after an import reads a few thousand summary rows instead of scanning every cost row.
-- Internal (`_` names): never offered to run_sql.

CREATE TABLE IF NOT EXISTS _value_summary (
    import_key VARCHAR NOT NULL,        -- costs.x_ImportId ('' for rows written without one)
    kind VARCHAR NOT NULL,              -- column | tag
    name VARCHAR NOT NULL,              -- the costs column, or the key in Tags
    value VARCHAR NOT NULL,
    cost DECIMAL(38,10),                -- SUM(EffectiveCost) of the rows with this value; NULL when none had one
    rows BIGINT NOT NULL
);

-- the row count of each summarised import when it was summarised: a different count now means rows were removed
-- (a restatement replaced part of it) and its summary is recomputed
CREATE TABLE IF NOT EXISTS _value_summary_imports (
    import_key VARCHAR PRIMARY KEY,
    rows BIGINT NOT NULL
);
