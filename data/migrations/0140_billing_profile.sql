-- 0140: the billing profile a cost row is billed under, where its source names one (`import azure`: the cost
-- export's billingProfileId / BillingProfileId). For a Microsoft Customer Agreement the bill is the profile's:
-- Microsoft's FOCUS export names the profile as BillingAccountId while the cost export names the billing account,
-- and the one-bill rule (data/scopes.py `_same_bill`) needs both names to see one bill in the two exports.
-- NULL in rows imported before (re-import an MCA export with --replace-period to give its rows the profile).
ALTER TABLE costs ADD COLUMN IF NOT EXISTS x_BillingProfileId VARCHAR;
