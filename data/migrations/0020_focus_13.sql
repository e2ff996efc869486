-- 0020: FOCUS 1.3 / 1.4 columns of the cost and usage dataset, and the contract commitment dataset (FOCUS 1.3).
-- ProviderName and PublisherName stay (deprecated in 1.3, gone in 1.4): importers fill them from
-- ServiceProviderName when a file has only the new names, so no row has an empty provider.
ALTER TABLE costs ADD COLUMN IF NOT EXISTS ServiceProviderName VARCHAR;
ALTER TABLE costs ADD COLUMN IF NOT EXISTS HostProviderName VARCHAR;
ALTER TABLE costs ADD COLUMN IF NOT EXISTS InvoiceDetailId VARCHAR;
ALTER TABLE costs ADD COLUMN IF NOT EXISTS AllocatedMethodId VARCHAR;
ALTER TABLE costs ADD COLUMN IF NOT EXISTS AllocatedMethodDetails JSON;
ALTER TABLE costs ADD COLUMN IF NOT EXISTS AllocatedResourceId VARCHAR;
ALTER TABLE costs ADD COLUMN IF NOT EXISTS AllocatedResourceName VARCHAR;
ALTER TABLE costs ADD COLUMN IF NOT EXISTS AllocatedTags JSON;
ALTER TABLE costs ADD COLUMN IF NOT EXISTS ContractApplied JSON;

CREATE TABLE IF NOT EXISTS contract_commitments (
    ContractCommitmentId VARCHAR,
    ContractId VARCHAR,
    ContractCommitmentCategory VARCHAR,
    ContractCommitmentType VARCHAR,
    ContractCommitmentDescription VARCHAR,
    ContractCommitmentCost DECIMAL(38,10),
    ContractCommitmentQuantity DECIMAL(38,10),
    ContractCommitmentUnit VARCHAR,
    ContractCommitmentPeriodStart TIMESTAMPTZ,
    ContractCommitmentPeriodEnd TIMESTAMPTZ,
    ContractPeriodStart TIMESTAMPTZ,
    ContractPeriodEnd TIMESTAMPTZ,
    BillingCurrency VARCHAR,
    x_ImportId VARCHAR,
    x_SourceFile VARCHAR,
    x_SourceRow BIGINT
);
