"""Independent expectations for the analytics tests: Python csv + Decimal over the public FOCUS file, and small
hand-made stores written row by row (no importer, no tool SQL involved)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from samples import public_export
from spendscope.data.store import Store

CENT = 0.005


@lru_cache(maxsize=1)
def public_rows() -> tuple[dict[str, str], ...]:
    with open(public_export(), encoding="utf-8", newline="") as fh:
        return tuple(csv.DictReader(fh))


def day(r: dict[str, str]) -> str:
    return r["ChargePeriodStart"][:10]


def month(r: dict[str, str]) -> str:
    return r["ChargePeriodStart"][:7]


def tag(r: dict[str, str], key: str) -> str | None:
    return json.loads(r["Tags"]).get(key) if r.get("Tags") else None


def model(r: dict[str, str]) -> str | None:
    return json.loads(r["SkuPriceDetails"]).get("x_ModelName") if r.get("SkuPriceDetails") else None


def total(pred: Callable[[dict[str, str]], bool], column: str = "EffectiveCost") -> Decimal:
    return sum((Decimal(r[column]) for r in public_rows() if pred(r) and r.get(column)), Decimal(0))


def group(
    pred: Callable[[dict[str, str]], bool],
    key: Callable[[dict[str, str]], Any],
    column: str = "EffectiveCost",
) -> dict[Any, Decimal]:
    out: dict[Any, Decimal] = {}
    for r in public_rows():
        if pred(r) and r.get(column):
            k = key(r)
            out[k] = out.get(k, Decimal(0)) + Decimal(r[column])
    return out


def near(value: float | None, expected: Decimal | float, tol: float = CENT) -> bool:
    return value is not None and abs(value - float(expected)) <= tol


# --- small hand-made stores ---------------------------------------------------------------------------------

COST_DEFAULTS: dict[str, Any] = {"ChargeCategory": "Usage", "BillingCurrency": "USD", "ServiceName": None}


def add_costs(store: Store, rows: list[dict[str, Any]]) -> None:
    """Write cost rows as given (a `day` key fills ChargePeriodStart/End for that whole UTC day)."""
    store.ensure_schema()
    with store.writer() as con:
        for r in rows:
            r = {**COST_DEFAULTS, **r}
            if "day" in r:
                d = dt.date.fromisoformat(r.pop("day"))
                hours = r.pop("hours", 24)
                start = dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC)
                r["ChargePeriodStart"] = start
                r["ChargePeriodEnd"] = start + dt.timedelta(hours=hours)
            if isinstance(r.get("Tags"), dict):
                r["Tags"] = json.dumps(r["Tags"])
            for money in ("BilledCost", "EffectiveCost", "ListCost"):
                if money in r and r[money] is not None:
                    r[money] = Decimal(str(r[money]))
            if "EffectiveCost" in r and "BilledCost" not in r:
                r["BilledCost"] = r["EffectiveCost"]
            cols = list(r)
            con.execute(
                f"INSERT INTO costs ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
                [r[c] for c in cols],
            )


def add_events(store: Store, tmp: Path, events: list[dict[str, Any]]) -> None:
    """Import usage events through the real events importer (estimated_cost given, so no pricing applies)."""
    from spendscope.data.events import import_events_file

    path = tmp / f"events_{len(list(tmp.glob('events_*.jsonl')))}.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for i, e in enumerate(events):
            fh.write(json.dumps({"event_id": e.get("event_id", f"ev{i}-{path.stem}"), **e}) + "\n")
    import_events_file(store, path)


def add_gpu_samples(
    store: Store, samples: list[tuple[str, int, dt.datetime, float]], *, by_host: bool = False
) -> None:
    """(instance id, GPU index, time, utilisation %) through the real GPU sample writer; with `by_host` the first
    field is the host name and the instance id is left empty."""
    import pandas as pd
    from spendscope.data.events import finish_gpu_import
    from spendscope.data.store import memory_connection

    frame = pd.DataFrame(
        [
            {
                "instance_id": None if by_host else i,
                "host": i if by_host else None,
                "gpu_index": g,
                "ts": t,
                "utilization_pct": u,
            }
            for i, g, t, u in samples
        ]
    )
    con = memory_connection()
    try:
        con.register("frame", frame)
        con.execute(
            "CREATE TABLE g AS SELECT CAST(instance_id AS VARCHAR) AS instance_id, "
            "CAST(host AS VARCHAR) AS host, CAST(gpu_index AS INTEGER) AS gpu_index, "
            "CAST(ts AS TIMESTAMPTZ) AS ts, CAST(utilization_pct AS DOUBLE) AS utilization_pct FROM frame"
        )
        finish_gpu_import(
            store, con, "g", kind="gpu", source_file="test", file_hash=f"h{len(samples)}{by_host}"
        )
    finally:
        con.close()
