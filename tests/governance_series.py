"""Builders for the governance tests (budgets, forecast, anomalies): synthetic daily spend with a known weekly
pattern, trend and injected spikes, written as a FOCUS CSV and imported through the real importer. The tests
compare results with values computed here, independently of the code under test."""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from spendscope.data.events import import_events_file
from spendscope.data.import_focus import import_focus
from spendscope.data.store import Store

HEADER = [
    "BilledCost",
    "BillingCurrency",
    "ChargeCategory",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "EffectiveCost",
    "ListCost",
    "ProviderName",
    "ServiceName",
    "ResourceName",
    "SubAccountName",
    "Tags",
]
WEEKLY = (1.0, 1.05, 1.05, 1.0, 0.95, 0.55, 0.5)  # Monday .. Sunday
START = dt.date(2026, 7, 6)  # a Monday

Series = dict[
    tuple[str, str, str, str], Callable[[int, dt.date], float]
]  # (provider, team, feature, model) -> cost


def weekly(
    level: float, trend: float = 0.0, noise: float = 0.0, seed: int = 1
) -> Callable[[int, dt.date], float]:
    """level x weekday factor x (1 + trend x day) x lognormal noise, deterministic for a seed."""
    rng = random.Random(seed)
    draws: dict[int, float] = {}

    def cost(i: int, day: dt.date) -> float:
        if i not in draws:
            draws[i] = rng.lognormvariate(0, noise) if noise else 1.0
        return level * WEEKLY[day.weekday()] * (1 + trend * i) * draws[i]

    return cost


def money(x: float) -> str:
    return str(Decimal(str(round(x, 6))))


def write_focus(
    path: Path,
    series: Series,
    days: int,
    start: dt.date = START,
    extra: dict[tuple[tuple[str, str, str, str], int], float] | None = None,
    hours: tuple[int, ...] = (),
) -> dict:
    """One FOCUS row per series and day (or, with `hours`, one a day per hour given, the day's cost split among
    them); `extra[(key, day index)]` adds dollars on that day. Returns {(key, day): Decimal cost} as written, so
    tests can sum what the store should hold."""
    written: dict = {}
    extra = extra or {}
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=HEADER)
        w.writeheader()
        for i in range(days):
            day = start + dt.timedelta(days=i)
            for key, fn in series.items():
                provider, team, feature, model = key
                cost = Decimal(money(fn(i, day) + extra.get((key, i), 0.0)))
                written[(key, day)] = cost
                for begin, end, part in _rows_of_day(day, cost, hours):
                    w.writerow(
                        {
                            "BilledCost": str(part),
                            "BillingCurrency": "USD",
                            "ChargeCategory": "Usage",
                            "ChargePeriodStart": begin,
                            "ChargePeriodEnd": end,
                            "EffectiveCost": str(part),
                            "ListCost": str(part),
                            "ProviderName": provider,
                            "ServiceName": f"{provider} API",
                            "ResourceName": model,
                            "SubAccountName": f"{team}-prod",
                            "Tags": json.dumps({"team": team, "feature": feature}),
                        }
                    )
    return written


def _rows_of_day(day: dt.date, cost: Decimal, hours: tuple[int, ...]) -> list[tuple[str, str, Decimal]]:
    """(start, end, cost) of a day's rows: the whole day, or an hour per entry of `hours` sharing the cost."""
    if not hours:
        return [(f"{day}T00:00:00Z", f"{day + dt.timedelta(days=1)}T00:00:00Z", cost)]
    parts = [Decimal(money(float(cost) / len(hours))) for _ in hours[1:]]
    parts.insert(0, cost - sum(parts))
    return [
        (f"{day}T{h:02d}:00:00Z", f"{day}T{h:02d}:59:59Z", part) for h, part in zip(hours, parts, strict=True)
    ]


def make_store(
    folder: Path,
    series: Series,
    days: int,
    start: dt.date = START,
    extra: dict[tuple[tuple[str, str, str, str], int], float] | None = None,
    name: str = "store",
) -> tuple[Store, dict]:
    store = Store(folder / f"{name}.duckdb", lock_timeout=10)
    store.ensure_schema()
    written = write_focus(folder / f"{name}.csv", series, days, start, extra)
    import_focus(store, folder / f"{name}.csv")
    return store, written


def write_events(store: Store, path: Path, rows: list[dict]) -> None:
    """Usage events (telemetry) with their estimated cost given, as JSON lines, through the real importer."""
    with open(path, "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, default=str) + "\n")
    import_events_file(store, path)
