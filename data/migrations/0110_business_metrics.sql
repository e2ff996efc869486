-- 0110: business metrics and unit economics (docs/unit-economics.md). Revenue, subscriptions, plans and business
-- volumes (tickets resolved, documents processed, MAU) to hold AI cost against; the explicit currency rates that
-- convert money metrics to the billing currency; margin floors and unit-cost budgets that raise alerts.

-- One value of one metric for one period, optionally for one customer, feature, team or plan.
CREATE TABLE IF NOT EXISTS business_metrics (
    metric VARCHAR NOT NULL,                    -- lower snake_case: revenue, subscription, tickets_resolved, mau
    period_start DATE NOT NULL,                 -- first day the value covers
    period_end DATE NOT NULL,                   -- exclusive end (a month row: the 1st of the next month)
    grain VARCHAR NOT NULL,                     -- day | week | month
    value DECIMAL(38,10) NOT NULL,              -- in `currency` for money metrics, else in `unit`
    unit VARCHAR,                               -- what a count counts (tickets, documents, users); NULL for money
    currency VARCHAR,                           -- ISO 4217 code of a money metric (NULL: not money)
    aggregation VARCHAR NOT NULL DEFAULT 'sum', -- sum (additive) | average (a level such as MAU or seats)
    customer VARCHAR,
    feature VARCHAR,
    team VARCHAR,
    plan VARCHAR,
    tags JSON,                                  -- any other columns of the file: {"region": "eu", ...}
    source VARCHAR NOT NULL,                    -- where the figures come from; a restatement replaces per
                                                -- (metric, source) the periods it covers
    x_ImportId VARCHAR NOT NULL,
    x_SourceFile VARCHAR,
    x_SourceRow BIGINT                          -- data row of the file (1 = first row after the header)
);

-- Conversion rates into the billing currency: 1 `currency` = `rate` `to_currency` over [period_start, period_end).
-- A money metric in another currency is converted with the rate whose period covers the metric's period;
-- without one it is an error naming the currency and the period, never a silent mix.
CREATE TABLE IF NOT EXISTS currency_rates (
    currency VARCHAR NOT NULL,
    to_currency VARCHAR NOT NULL,
    period_start DATE NOT NULL,
    period_end DATE NOT NULL,                   -- exclusive
    rate DECIMAL(38,18) NOT NULL,
    source VARCHAR,
    x_ImportId VARCHAR NOT NULL,
    x_SourceFile VARCHAR,
    x_SourceRow BIGINT,
    PRIMARY KEY (currency, to_currency, period_start)
);

-- Margin floors: the lowest margin (revenue - AI cost, percent of revenue) a customer, feature, plan or team may
-- run at; one below it, or whose AI cost exceeds its subscription, is listed first and alerted to its owner.
CREATE TABLE IF NOT EXISTS margin_floors (
    name VARCHAR PRIMARY KEY,                   -- slug of the name
    dimension VARCHAR NOT NULL,                 -- what it judges: customer | feature | plan | team
    floor_pct DOUBLE NOT NULL,
    filters JSON NOT NULL,                      -- which groups it covers, e.g. [{"dimension": "plan", ...}]
    revenue_metric VARCHAR NOT NULL,
    subscription_metric VARCHAR,
    owner VARCHAR,                              -- where its alerts go when the group has no owner of its own
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- Unit-cost budgets: the most a unit of a metric may cost (e.g. $0.50 per ticket resolved, $20 per 1k
-- documents) per week or month; over it, and unusual days of the series, are alerted to the owner.
CREATE TABLE IF NOT EXISTS unit_budgets (
    name VARCHAR PRIMARY KEY,
    metric VARCHAR NOT NULL,
    amount DECIMAL(38,10) NOT NULL,             -- in the billing currency, per `per` units
    per BIGINT NOT NULL DEFAULT 1,
    grain VARCHAR NOT NULL,                     -- week | month
    filters JSON NOT NULL,
    cost_filters JSON NOT NULL,
    match_on JSON,                              -- NULL: the metric's own keys (docs/unit-economics.md)
    owner VARCHAR,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
