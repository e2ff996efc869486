-- 0003: allocation (docs/allocation.md). Versioned rule sets (virtual tags and shared-cost pools), the owners of
-- tag values, and the queue of suggested rules waiting for review. Rules are evaluated in SQL at query time;
-- nothing here copies or rewrites cost rows.

-- Every change to the rules is a new row: who, when, what (summary), the YAML as applied and its parsed form.
-- The rules in force are those of the highest version; with effective_from set, charges before that date keep
-- the rules of parent_version (which may itself have an effective date, and so on).
CREATE TABLE IF NOT EXISTS allocation_rule_versions (
    version INTEGER NOT NULL,
    parent_version INTEGER,
    action VARCHAR NOT NULL,
    effective_from DATE,
    author VARCHAR NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL,
    source_file VARCHAR,
    file_version VARCHAR,
    content_hash VARCHAR NOT NULL,
    tag_keys VARCHAR[],
    rule_count INTEGER,
    pool_count INTEGER,
    summary VARCHAR,
    document VARCHAR NOT NULL,
    rules JSON NOT NULL
);

-- Who owns a tag value (team = search -> #search-costs): used to route alerts, reports and chargeback files.
CREATE TABLE IF NOT EXISTS allocation_owners (
    tag_key VARCHAR NOT NULL,
    tag_value VARCHAR NOT NULL,
    slack_channel VARCHAR,
    slack_user VARCHAR,
    email VARCHAR,
    updated_by VARCHAR,
    updated_at TIMESTAMPTZ
);

-- Proposals from `spendscope tags suggest`; `tags review` approves, edits or rejects them by id.
CREATE TABLE IF NOT EXISTS _allocation_suggestions (
    batch_id VARCHAR NOT NULL,
    id INTEGER NOT NULL,
    status VARCHAR NOT NULL,
    tag_key VARCHAR NOT NULL,
    rule JSON NOT NULL,
    evidence VARCHAR,
    matched_cost DECIMAL(38,10),
    new_cost DECIMAL(38,10),
    confidence DOUBLE,
    created_at TIMESTAMPTZ NOT NULL,
    decided_at TIMESTAMPTZ,
    decided_by VARCHAR,
    applied_version INTEGER
);
