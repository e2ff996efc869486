-- 0120: owners can take their reports and alerts in Microsoft Teams (docs/notifications.md). The column holds the
-- *name* of a webhook; its URL is a credential and lives in the environment or the keys file, never in the store.
ALTER TABLE allocation_owners ADD COLUMN IF NOT EXISTS teams_webhook VARCHAR;
