-- 0002: the documented views (docs/schema.md). Everything a user or a tool reads goes through these or the
-- base tables. Kept to portable SQL: CAST to DATE, CASE, SUM; JSON access is the only DuckDB-specific part.

CREATE OR REPLACE VIEW cost_lines AS
SELECT
    CAST(ChargePeriodStart AS DATE) AS ChargeDate,
    *
FROM costs;

CREATE OR REPLACE VIEW daily_costs AS
SELECT
    CAST(ChargePeriodStart AS DATE) AS ChargeDate,
    ProviderName,
    ServiceName,
    SubAccountName,
    ChargeCategory,
    x_Model,
    x_TokenType,
    SUM(BilledCost) AS BilledCost,
    SUM(EffectiveCost) AS EffectiveCost,
    SUM(ListCost) AS ListCost,
    SUM(x_Tokens) AS x_Tokens,
    COUNT(*) AS LineItems
FROM costs
GROUP BY ALL;

CREATE OR REPLACE VIEW token_usage AS
SELECT
    CAST(ChargePeriodStart AS DATE) AS ChargeDate,
    ProviderName,
    ServiceName,
    x_Model,
    x_TokenType,
    SUM(x_Tokens) AS x_Tokens,
    SUM(EffectiveCost) AS EffectiveCost
FROM costs
WHERE x_Tokens IS NOT NULL
GROUP BY ALL;

CREATE OR REPLACE VIEW commitment_usage AS
SELECT
    CAST(ChargePeriodStart AS DATE) AS ChargeDate,
    ProviderName,
    ServiceName,
    CommitmentDiscountId,
    CommitmentDiscountName,
    CommitmentDiscountType,
    CommitmentDiscountCategory,
    CommitmentDiscountStatus,
    ChargeCategory,
    SUM(BilledCost) AS BilledCost,
    SUM(EffectiveCost) AS EffectiveCost,
    SUM(CommitmentDiscountQuantity) AS CommitmentDiscountQuantity
FROM costs
WHERE CommitmentDiscountId IS NOT NULL
GROUP BY ALL;

CREATE OR REPLACE VIEW gpu_instance_costs AS
SELECT
    CAST(ChargePeriodStart AS DATE) AS ChargeDate,
    ProviderName,
    ResourceId,
    ResourceName,
    x_InstanceType,
    x_GpuCount,
    SUM(ConsumedQuantity) AS InstanceHours,
    SUM(x_GpuHours) AS x_GpuHours,
    SUM(EffectiveCost) AS EffectiveCost
FROM costs
WHERE x_GpuCount > 0
GROUP BY ALL;
