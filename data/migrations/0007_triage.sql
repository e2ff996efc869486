-- 0007: the anomaly triage router's bookkeeping (docs/triage.md). Internal tables (hidden from `spendscope query`).

-- The delivery ledger: one row per anomaly and alert. An alert (its `key`: lead anomaly id + severity) covers
-- every anomaly of one event; it is written `enriched` before it is sent and `delivered` after, so a re-run
-- never sends the same key twice and a crashed or failed delivery is retried from the stored alert.
CREATE TABLE IF NOT EXISTS _triage_log (
    anomaly_id VARCHAR NOT NULL,
    key VARCHAR NOT NULL,                       -- the alert's idempotency key, e.g. an-3f2a9c1b:high
    lead_id VARCHAR NOT NULL,                   -- the anomaly the alert is about (itself, or its event's lead)
    severity VARCHAR NOT NULL,                  -- the alert's severity: low | medium | high | critical
    status VARCHAR NOT NULL,                    -- enriched | delivered | merged (folded into an earlier alert)
    destination VARCHAR,                        -- #channel, @user, email, or 'unowned'
    alert JSON,                                 -- the alert as built, for retries
    run_id VARCHAR NOT NULL,                    -- the triage run that built it
    enriched_at TIMESTAMPTZ NOT NULL,
    delivered_at TIMESTAMPTZ,
    delivery_ref VARCHAR,                       -- what the delivery returned (message ts, URL, ...)
    attempts INTEGER NOT NULL DEFAULT 0,        -- failed delivery attempts
    last_error VARCHAR,
    PRIMARY KEY (anomaly_id, key)
);

-- Triage runs: a run that never finished (its process died) is resumed from its checkpoint by the next run.
CREATE TABLE IF NOT EXISTS _triage_runs (
    run_id VARCHAR PRIMARY KEY,                 -- also the LangGraph thread id in the checkpoint file
    started_at TIMESTAMPTZ NOT NULL,
    heartbeat_at TIMESTAMPTZ NOT NULL,          -- last progress; a run silent for long is taken over
    finished_at TIMESTAMPTZ,
    status VARCHAR NOT NULL,                    -- running | finished | abandoned
    host VARCHAR,                               -- the process working on it
    pid INTEGER,
    params JSON,
    alerts INTEGER,
    delivered INTEGER
);
