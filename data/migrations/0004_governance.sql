-- 0004: governance. Budgets and the alerts they fired; detected spend anomalies, the feedback people gave on
-- them (which the detector keeps using), and the detector's own bookkeeping. See docs/governance.md.

CREATE TABLE IF NOT EXISTS budgets (
    budget_id VARCHAR PRIMARY KEY,              -- slug of the name
    name VARCHAR NOT NULL,
    amount DECIMAL(38,10) NOT NULL,             -- per period, in the billing currency
    measure VARCHAR NOT NULL DEFAULT 'cost',    -- cost (EffectiveCost) or billed_cost, list_cost, ...
    period VARCHAR NOT NULL,                    -- monthly | quarterly | annual | custom
    start_date DATE,                            -- custom: first day; recurring: first day of the first period
    end_date DATE,                              -- custom: last day (inclusive); NULL for recurring budgets
    filters JSON NOT NULL,                      -- the scope: [{"dimension": "team", "op": "eq", "values": ["search"]}]
    scope VARCHAR NOT NULL,                     -- the scope as text, e.g. "team = search"
    thresholds JSON NOT NULL,                   -- percent of the amount that raise an actual-spend alert
    forecast_alert BOOLEAN NOT NULL DEFAULT true,  -- also alert when the forecast goes over the amount
    owner VARCHAR,                              -- who answers for it (person, team or channel)
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- Alerts already raised, one per budget, period, kind and threshold, so a scheduled check notifies once.
CREATE TABLE IF NOT EXISTS budget_alerts (
    budget_id VARCHAR NOT NULL,
    period_start DATE NOT NULL,
    kind VARCHAR NOT NULL,                      -- actual | forecast
    threshold_pct DOUBLE NOT NULL,
    fired_at TIMESTAMPTZ NOT NULL,
    spent DECIMAL(38,10),
    projected DECIMAL(38,10),
    PRIMARY KEY (budget_id, period_start, kind, threshold_pct)
);

CREATE TABLE IF NOT EXISTS anomalies (
    anomaly_id VARCHAR PRIMARY KEY,             -- stable: the same incident gets the same id on every run
    dimension VARCHAR NOT NULL,                 -- provider, service, model, team, feature, customer, ...
    value VARCHAR NOT NULL,                     -- '(none)' for spend without a value
    source VARCHAR NOT NULL,                    -- costs | usage_events
    measure VARCHAR NOT NULL,                   -- cost (EffectiveCost), billed_cost, ... or estimated_cost
    direction VARCHAR NOT NULL,                 -- spike | drop
    start_day DATE NOT NULL,
    end_day DATE NOT NULL,                      -- last unusual day (inclusive)
    peak_day DATE NOT NULL,
    peak_impact DECIMAL(38,10) NOT NULL,        -- actual - expected on the peak day
    days INTEGER NOT NULL,                      -- unusual days between start_day and end_day
    actual DECIMAL(38,10) NOT NULL,             -- spend on the unusual days
    expected DECIMAL(38,10) NOT NULL,           -- what the baseline expected on those days
    impact DECIMAL(38,10) NOT NULL,             -- actual - expected (negative for a drop)
    relative_pct DOUBLE,                        -- impact / expected * 100 (NULL when nothing was expected)
    score DOUBLE NOT NULL,                      -- peak robust z-score (residual / robust scale)
    severity VARCHAR NOT NULL,                  -- low | medium | high | critical
    root_cause JSON,                            -- the dimension values that explain the change
    explanation VARCHAR,                        -- one sentence
    group_id VARCHAR,                           -- shared by anomalies that are one event seen in several series
    status VARCHAR NOT NULL DEFAULT 'open',     -- open | acknowledged | expected | resolved
    status_reason VARCHAR,
    suppressed_by VARCHAR,                      -- feedback_id of the label whose pattern this matched
    first_detected_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    run_id VARCHAR                              -- last detection run that saw it
);

-- Every status change and label, newest last. Labels `expected` and `noise` carry a pattern the detector
-- keeps applying: later anomalies of the same series, direction and at most the same size are suppressed.
CREATE TABLE IF NOT EXISTS anomaly_feedback (
    feedback_id VARCHAR PRIMARY KEY,
    anomaly_id VARCHAR NOT NULL,
    action VARCHAR NOT NULL,                    -- acknowledge | resolve | reopen | expected | noise | confirmed
    status VARCHAR NOT NULL,                    -- the anomaly's status after this feedback
    reason VARCHAR,
    actor VARCHAR,
    created_at TIMESTAMPTZ NOT NULL,
    dimension VARCHAR,                          -- the pattern (expected / noise labels only)
    value VARCHAR,
    direction VARCHAR,
    pattern VARCHAR,                            -- once | similar | weekly | monthly
    anchor_day DATE,
    max_relative_pct DOUBLE,                    -- suppress only changes up to this size (percent)
    max_impact DECIMAL(38,10),                  -- ... and up to this many dollars a day
    valid_until DATE,                           -- NULL: no end
    active BOOLEAN NOT NULL DEFAULT true        -- false once the anomaly is reopened
);

CREATE TABLE IF NOT EXISTS _anomaly_runs (
    run_id VARCHAR PRIMARY KEY,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    data_through DATE,
    window_start DATE,
    series_scanned INTEGER,
    found INTEGER,
    new INTEGER,
    params JSON
);

-- Which anomalies a consumer (the triage router, a notifier) has already been handed, at which severity.
CREATE TABLE IF NOT EXISTS _anomaly_deliveries (
    consumer VARCHAR NOT NULL,
    anomaly_id VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    delivered_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (consumer, anomaly_id)
);
