-- 0060: delivery attempts of the triage router (docs/security.md, docs/triage.md). An alert is marked `sending_at`
-- before the delivery is called and cleared when the outcome is recorded; a row still carrying it after its run
-- died is "in doubt": it may or may not have gone out, so the next run reconciles (Slack: looks the message up by
-- its metadata) before sending again, and a webhook is sent again only with the same Idempotency-Key.
ALTER TABLE _triage_log ADD COLUMN IF NOT EXISTS sending_at TIMESTAMPTZ;
