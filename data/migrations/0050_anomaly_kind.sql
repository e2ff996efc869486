-- 0050: the kind of an anomaly: unusual (days off the expected pattern), new (a series that appeared and spends)
-- or recurring_charge (a monthly fee, purchase or one-time charge that changed against the month before).
ALTER TABLE anomalies ADD COLUMN IF NOT EXISTS kind VARCHAR DEFAULT 'unusual';
