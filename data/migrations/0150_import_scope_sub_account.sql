-- 0150: the sub-account that stands in for the billing account of a scope whose rows name none (data/scopes.py
-- `scope_sub`: a FOCUS file without BillingAccountId, a CUR selection without bill_payer_account_id, a GCP query
-- without billing_account_id are scoped per sub-account since probe 27). `spendscope imports` showed such a scope
-- as "(no account)", whichever project or account it was. NULL where the scope names its billing account.
ALTER TABLE import_scopes ADD COLUMN IF NOT EXISTS SubAccountId VARCHAR;
