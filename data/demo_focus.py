"""FOCUS 1.2 rows of the demo bill, named the way each provider names things (so the importer's generic
derivation of model and token type is exercised): OpenAI by line-item description, Anthropic by a declared
model in SkuPriceDetails, Bedrock by a price description and an inference-profile ARN, Azure by its meter
names, Vertex by its SKU descriptions; EC2 GPU instances by InstanceType/GpuCount; the Azure PTU as a monthly
Purchase plus daily Used/Unused commitment rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from spendscope.data.demo_world import ACCOUNTS, Commitment, GpuInstance, Model, Provider
from spendscope.data.focus import FOCUS_COLUMNS

MILLION = Decimal(1_000_000)
_WORDS = {"input": "input", "output": "output", "cached_input": "cached input", "cache_write": "cache write"}
_METER = {
    "input": "Input Tokens",
    "output": "Output Tokens",
    "cached_input": "Cached Input Tokens",
    "cache_write": "Cache Write Tokens",
}
_ANTHROPIC_METER = {
    "input": "Input Tokens",
    "output": "Output Tokens",
    "cached_input": "Cache Read Input Tokens",
    "cache_write": "Cache Write Input Tokens (5m)",
}
_AZURE_METER = {"input": "Inp-glbl", "output": "Outp-glbl", "cached_input": "cchd-Inp-glbl"}
_VERTEX_METER = {"input": "Text Input", "output": "Text Output", "cached_input": "Cached Text Input"}


def num(value: Decimal) -> str:
    """A decimal as plain text without exponent or trailing zeros."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def ts(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _month(day: dt.date) -> tuple[dt.date, dt.date]:
    first = day.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return first, nxt


def _code(*parts: str, n: int = 12) -> str:
    return hashlib.sha1("/".join(parts).encode()).hexdigest()[:n].upper()


def _base(day: dt.date, p: Provider, account: str, end: dt.date | None = None) -> dict[str, str | None]:
    row: dict[str, str | None] = dict.fromkeys(FOCUS_COLUMNS)
    first, nxt = _month(day)
    row.update(
        BillingAccountId=p.billing_account_id,
        BillingAccountName=p.billing_account_name,
        BillingAccountType=p.billing_account_type,
        BillingCurrency="USD",
        BillingPeriodStart=ts(first),
        BillingPeriodEnd=ts(nxt),
        ChargePeriodStart=ts(day),
        ChargePeriodEnd=ts(end or day + dt.timedelta(days=1)),
        ChargeCategory="Usage",
        ChargeFrequency="Usage-Based",
        InvoiceId=f"{p.invoice_prefix}-{first:%Y%m}",
        InvoiceIssuerName=p.invoice_issuer,
        PricingCurrency="USD",
        ProviderName=p.provider_name,
        PublisherName=p.publisher,
        RegionId=p.region_id,
        RegionName=p.region_name,
        ServiceCategory=p.service_category,
        ServiceName=p.service,
        ServiceSubcategory=p.service_subcategory,
        SubAccountId=ACCOUNTS[(p.key, account)],
        SubAccountName=account,
        SubAccountType=p.sub_account_type,
    )
    return row


def _money(row: dict[str, str | None], cost: Decimal, unit_price: Decimal | None) -> None:
    text = num(cost)
    row.update(
        BilledCost=text,
        EffectiveCost=text,
        ListCost=text,
        ContractedCost=text,
        PricingCurrencyEffectiveCost=text,
    )
    if unit_price is not None:
        price = num(unit_price)
        row.update(
            ListUnitPrice=price,
            ContractedUnitPrice=price,
            PricingCurrencyListUnitPrice=price,
            PricingCurrencyContractedUnitPrice=price,
        )


def _price_text(per_million: Decimal) -> str:
    return (
        f"${per_million:.2f}"
        if per_million == per_million.quantize(Decimal("0.01"))
        else f"${num(per_million)}"
    )


def token_row(
    day: dt.date,
    p: Provider,
    account: str,
    m: Model,
    token_type: str,
    tokens: int,
    per_token: Decimal,
    tags: str | None,
    feature: str,
    variant: dict[str, str] | None = None,
) -> dict[str, str | None]:
    """One day of one model's tokens of one kind in one sub-account. `variant` says what sets the line's price
    apart ({"tier": "batch", "ttl": "1h", "context": "long"}): it is named in the meter and description, and
    declared in SkuPriceDetails (x_ServiceTier, x_CacheTtl, x_ContextWindow) as the Anthropic cost report does."""
    row = _base(day, p, account)
    per_million = per_token * MILLION
    cost = per_token * tokens
    _money(row, cost, per_million)
    row.update(
        ConsumedQuantity=str(tokens),
        ConsumedUnit="Tokens",
        PricingQuantity=num(Decimal(tokens) / MILLION),
        PricingUnit="1M Tokens",
        PricingCategory="Standard",
        SkuMeter=_METER[token_type],
        Tags=tags,
    )
    variant = variant or {}
    words = _WORDS[token_type]
    label = _variant_label(variant)
    if label:
        row["SkuMeter"] = f"{row['SkuMeter']} ({label})"
    if p.key == "openai":
        row.update(
            ChargeDescription=f"{m.api_id}, {words}" + (f" ({label})" if label else ""),
            SkuId=f"{m.api_id}-{token_type}" + (f"-{variant['tier']}" if "tier" in variant else ""),
            SkuPriceId=f"{m.api_id}-{token_type}-{variant.get('tier', 'default')}",
        )
    elif p.key == "anthropic":
        meter = _ANTHROPIC_METER[token_type]
        if variant.get("ttl") == "1h":
            meter = meter.replace("(5m)", "(1h)")
        if "tier" in variant:
            meter = f"{variant['tier'].title()} {meter}"
        row.update(
            ChargeDescription=f"{m.display} - {meter}",
            SkuMeter=meter,
            SkuId=f"{m.api_id}:{token_type}" + "".join(f":{v}" for v in variant.values()),
            SkuPriceDetails=json.dumps(
                {"x_ModelName": m.api_id, **_declared(variant)}, separators=(",", ":")
            ),
        )
    elif p.key == "bedrock":
        if m.api_id.startswith("us."):
            arn = f"arn:aws:bedrock:{p.region_id}:{ACCOUNTS[(p.key, account)]}:inference-profile/{m.api_id}"
            rtype = "Inference Profile"
        else:
            arn, rtype = f"arn:aws:bedrock:{p.region_id}::foundation-model/{m.api_id}", "Foundation Model"
        row.update(
            ChargeDescription=f"{_price_text(per_million)} per million {words} tokens for {m.display} in "
            f"{p.region_name}" + (f" ({label})" if label else ""),
            ResourceId=arn,
            ResourceType=rtype,
            SkuId=_code(m.api_id, token_type),
            SkuPriceId=_code(m.api_id, token_type, "od"),
        )
    elif p.key == "azure":
        meter = f"{m.display}-{_AZURE_METER[token_type]} Tokens"
        sub = ACCOUNTS[(p.key, account)]
        row.update(
            ChargeDescription=f"Azure OpenAI {m.display} {words} tokens (Global)",
            SkuMeter=meter,
            ResourceId=f"/subscriptions/{sub}/resourceGroups/rg-{feature}/providers/"
            f"Microsoft.CognitiveServices/accounts/aoai-{feature}/deployments/{feature}",
            ResourceName=feature,
            ResourceType="Deployment",
            SkuId=_code(meter, n=8),
            SkuPriceId=_code(meter, "price", n=8),
        )
    elif p.key == "vertex":
        meter = f"{m.display} {_VERTEX_METER[token_type]}" + (f" ({label})" if label else "")
        code = _code(m.api_id, token_type, *variant.values())
        project = ACCOUNTS[(p.key, account)]
        row.update(
            ChargeDescription=meter,
            SkuMeter=meter,
            SkuId=f"{code[:4]}-{code[4:8]}-{code[8:12]}",
            ResourceId=f"projects/{project}/locations/{p.region_id}/publishers/google/models/{m.api_id}",
            ResourceType="Model",
        )
    if variant and not row.get("SkuPriceDetails"):
        row["SkuPriceDetails"] = json.dumps(_declared(variant), separators=(",", ":"))
    return row


def _variant_label(variant: dict[str, str]) -> str:
    words = {"long": "long context, over 200K input tokens", "1h": "1h cache"}
    return ", ".join(words.get(v, v) for v in variant.values())


def _declared(variant: dict[str, str]) -> dict[str, str]:
    keys = {"tier": "x_ServiceTier", "ttl": "x_CacheTtl", "context": "x_ContextWindow"}
    values = {"long": "200k-1M"}
    return {keys[k]: values.get(v, v) for k, v in variant.items()}


def gpu_row(day: dt.date, p: Provider, g: GpuInstance, hours: Decimal) -> dict[str, str | None]:
    """One day of an EC2 GPU instance (On-Demand Linux)."""
    row = _base(day, p, "ml-prod")
    _money(row, g.hourly * hours, g.hourly)
    row.update(
        AvailabilityZone=f"{p.region_id}a",
        ChargeDescription=f"${g.hourly} per On Demand Linux {g.instance_type} Instance Hour",
        ConsumedQuantity=num(hours),
        ConsumedUnit="Hours",
        PricingQuantity=num(hours),
        PricingUnit="Hours",
        PricingCategory="Standard",
        ResourceId=g.instance_id,
        ResourceName=g.name,
        ResourceType="Virtual Machine",
        SkuId=_code("ec2", g.instance_type),
        SkuMeter="Instance Hours",
        SkuPriceId=_code("ec2", g.instance_type, "od"),
        SkuPriceDetails=json.dumps(
            {"InstanceType": g.instance_type, "GpuCount": g.gpus}, separators=(",", ":")
        ),
        Tags=json.dumps({"team": g.team, "feature": g.feature, "env": "prod"}, separators=(",", ":")),
    )
    return row


def _split(total: Decimal, parts: int) -> list[Decimal]:
    """`total` in `parts` shares of whole cents that add up exactly."""
    cents = int((total * 100).to_integral_value())
    return [Decimal(cents * (k + 1) // parts - cents * k // parts) / 100 for k in range(parts)]


def commitment_rows(
    days: Sequence[dt.date], used: Sequence[float], p: Provider, c: Commitment
) -> list[dict[str, str | None]]:
    """The PTU as FOCUS models a commitment: a Purchase per month (billed in advance, EffectiveCost 0; the
    first month prorated from the first day), amortised into a Used and an Unused row per day."""
    sub = ACCOUNTS[(p.key, c.account)]
    plan = f"/subscriptions/{sub}/providers/Microsoft.CognitiveServices/commitmentPlans/{c.name}"
    deployment = (
        f"/subscriptions/{sub}/resourceGroups/rg-{c.feature}/providers/Microsoft.CognitiveServices/"
        f"accounts/aoai-{c.feature}/deployments/{c.deployment}"
    )
    tags = json.dumps({"team": c.team, "feature": c.feature, "env": "prod"}, separators=(",", ":"))
    common = dict(
        CommitmentDiscountId=plan,
        CommitmentDiscountName=c.name,
        CommitmentDiscountCategory="Usage",
        CommitmentDiscountType="Provisioned Throughput",
        CommitmentDiscountUnit="Hours",
        SkuId="AOAI-PTU-GLOBAL",
        SkuMeter="Provisioned Managed Global Unit",
        Tags=tags,
    )
    months: dict[dt.date, list[int]] = {}
    for i, day in enumerate(days):
        months.setdefault(day.replace(day=1), []).append(i)
    rows = []
    monthly = c.monthly_per_unit * c.units
    unit_hours = Decimal(c.units * 24)
    for first, idx in months.items():
        _, nxt = _month(first)
        in_month = (nxt - first).days
        covered = (nxt - days[idx[0]]).days  # from the first day of data (or of the month) to the month's end
        fee = (monthly * covered / in_month).quantize(Decimal("0.01"))
        buy = _base(days[idx[0]], p, c.account, end=nxt)
        _money(buy, fee, (fee / c.units).quantize(Decimal("0.0001")))
        buy.update(
            common,
            EffectiveCost="0",
            PricingCurrencyEffectiveCost="0",
            ChargeCategory="Purchase",
            ChargeFrequency="Recurring",
            PricingCategory="Standard",
            PricingQuantity=str(c.units),
            PricingUnit="Units",
            ResourceId=plan,
            ResourceName=c.name,
            ResourceType="Commitment Plan",
            ChargeDescription=f"Azure OpenAI provisioned throughput reservation, {c.units} PTU, monthly",
            CommitmentDiscountQuantity=None,
            CommitmentDiscountUnit=None,
        )
        rows.append(buy)
        for i, amount in zip(idx, _split(fee, covered)[: len(idx)], strict=True):
            share = Decimal(str(round(used[i], 4)))
            used_cost = (amount * share).quantize(Decimal("0.000001"))
            qty = {"Used": unit_hours * share, "Unused": unit_hours - unit_hours * share}
            for status, cost in (("Used", used_cost), ("Unused", amount - used_cost)):
                row = _base(days[i], p, c.account)
                text = num(cost)
                row.update(
                    common,
                    BilledCost="0",
                    EffectiveCost=text,
                    PricingCurrencyEffectiveCost=text,
                    ListCost="0",
                    ContractedCost="0",
                    PricingCategory="Committed",
                    CommitmentDiscountStatus=status,
                    CommitmentDiscountQuantity=num(qty[status]),
                    PricingQuantity=num(qty[status]),
                    PricingUnit="Hours",
                    ResourceId=deployment,
                    ResourceName=c.deployment,
                    ResourceType="Deployment",
                    ChargeDescription=f"Azure OpenAI provisioned throughput ({status.lower()})",
                )
                if status == "Used":
                    row.update(ConsumedQuantity=num(qty[status]), ConsumedUnit="Hours")
                rows.append(row)
    return rows


def write_focus_csv(path: Path, rows: Sequence[dict[str, str | None]]) -> None:
    """FOCUS 1.2 columns in specification order; NULL as an empty field."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(list(FOCUS_COLUMNS))
        for r in rows:
            writer.writerow(["" if r[c] is None else r[c] for c in FOCUS_COLUMNS])
