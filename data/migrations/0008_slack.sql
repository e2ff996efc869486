-- 0008: the Slack app (docs/slack.md). Who an anomaly was handed to and for how long it is snoozed
-- (`anomaly_routing`, queryable), and the app's posting ledger (`_slack_posts`, internal).

-- Routing feedback on anomalies beside the status labels in anomaly_feedback: reassignments to another owner
-- and snoozes, newest last. The Slack alert buttons write it (tools/alert_actions.py); so can any client.
CREATE TABLE IF NOT EXISTS anomaly_routing (
    action_id VARCHAR PRIMARY KEY,              -- ra-<hex>
    anomaly_id VARCHAR NOT NULL,
    action VARCHAR NOT NULL,                    -- reassign | snooze
    assignee VARCHAR,                           -- reassign: Slack user id, channel id or #name, or email
    snoozed_until TIMESTAMPTZ,                  -- snooze: no reminder or new alert for it before this time
    reason VARCHAR,
    actor VARCHAR,                              -- who did it, e.g. slack:U0123ABCD
    created_at TIMESTAMPTZ NOT NULL,
    reminded_at TIMESTAMPTZ                     -- snooze: when the reminder went out after it ended
);

-- Every message the Slack app posts under an idempotency key, so a retried event, alert or report is posted
-- once: alert:<alert key>, event:<Slack event id>, report:<kind>:<period>:<scope>, budget:<id>:<period>:..., ...
-- A key is `claimed` before posting and `posted` after; a failed post is retried by the next run.
CREATE TABLE IF NOT EXISTS _slack_posts (
    key VARCHAR PRIMARY KEY,
    kind VARCHAR NOT NULL,                      -- alert | event | report | budget | reminder
    status VARCHAR NOT NULL,                    -- claimed | posted | failed | skipped
    channel VARCHAR,                            -- channel id the message went to (as Slack returned it)
    ts VARCHAR,                                 -- the message ts
    payload JSON,                               -- what was posted (an alert, a report), for retries and updates
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error VARCHAR,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
