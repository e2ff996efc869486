"""Builders for the anomaly and forecast defect tests (issue 15): daily FOCUS rows with a weekday pattern,
holidays, charges (ChargeCategory / ChargeFrequency) and injected changes, written as a FOCUS CSV and imported
through the real importer. Expected values are computed here, independently of the code under test."""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from collections.abc import Callable
from pathlib import Path

from spendscope.data.import_focus import import_focus
from spendscope.data.store import Store

HEADER = [
    "BilledCost",
    "BillingCurrency",
    "ChargeCategory",
    "ChargeFrequency",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "EffectiveCost",
    "ListCost",
    "ProviderName",
    "ServiceName",
    "ResourceName",
    "ResourceId",
    "x_Model",
    "Tags",
]


def usage(
    day: dt.date,
    cost: float,
    *,
    feature: str,
    team: str = "search",
    model: str = "gpt-4o",
    provider: str = "OpenAI",
    currency: str = "USD",
) -> dict:
    return {
        "BilledCost": f"{cost:.6f}",
        "BillingCurrency": currency,
        "ChargeCategory": "Usage",
        "ChargeFrequency": "Usage-Based",
        "ChargePeriodStart": f"{day}T00:00:00Z",
        "ChargePeriodEnd": f"{day + dt.timedelta(days=1)}T00:00:00Z",
        "EffectiveCost": f"{cost:.6f}",
        "ListCost": f"{cost:.6f}",
        "ProviderName": provider,
        "ServiceName": f"{provider} API",
        "ResourceName": f"{feature}-{model}",
        "ResourceId": f"{feature}-{model}",
        "x_Model": model,
        "Tags": json.dumps({"team": team, "feature": feature}),
    }


def charge(
    day: dt.date,
    amount: float,
    *,
    category: str = "Purchase",
    frequency: str = "Recurring",
    service: str = "ChatGPT Enterprise",
    effective: float | None = None,
    currency: str = "USD",
) -> dict:
    eff = amount if effective is None else effective
    return {
        "BilledCost": f"{amount:.6f}",
        "BillingCurrency": currency,
        "ChargeCategory": category,
        "ChargeFrequency": frequency,
        "ChargePeriodStart": f"{day}T00:00:00Z",
        "ChargePeriodEnd": f"{day + dt.timedelta(days=1)}T00:00:00Z",
        "EffectiveCost": f"{eff:.6f}",
        "ListCost": f"{amount:.6f}",
        "ProviderName": "OpenAI",
        "ServiceName": service,
        "ResourceName": "seats",
        "ResourceId": "seats",
        "x_Model": "",
        "Tags": json.dumps({"team": "it"}),
    }


def workday_series(
    level: float, weekend: float = 0.15, noise: float = 0.04, seed: int = 1
) -> Callable[[int, dt.date], float]:
    """A weekday-heavy feature: `level` on Monday to Friday, `weekend` x level on Saturday and Sunday, with
    lognormal noise (deterministic for a seed)."""
    rng = random.Random(seed)
    draws: dict[int, float] = {}

    def cost(i: int, day: dt.date) -> float:
        if i not in draws:
            draws[i] = rng.lognormvariate(0, noise)
        return level * (weekend if day.weekday() >= 5 else 1.0) * draws[i]

    return cost


def store_from_rows(folder: Path, rows: list[dict], name: str = "store") -> Store:
    path = folder / f"{name}.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=HEADER)
        w.writeheader()
        w.writerows(rows)
    store = Store(folder / f"{name}.duckdb", lock_timeout=10)
    store.ensure_schema()
    import_focus(store, path)
    return store


def days(start: dt.date, n: int) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range(n)]
