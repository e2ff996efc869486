"""Benchmark the coding-assistant staging tail (the part of `spendscope sync cursor` after the HTTP calls) against a
FOCUS import of the same number of cost rows, in the same run.

Generates N Cursor usage events in the documented API shape (U users over D days, 4 models, half usage-based)
plus the daily usage records and the members, then times, each in a fresh child process (so each peak RSS is its
own):
  1. baseline: data.import_focus.import_focus of a FOCUS CSV holding as many rows as the sync writes
  2. sync tail: data.sync_cursor.stage + data.assistants.finish into a fresh store (parse, aggregate per day,
     user, model and kind, seat-days, write, replace the window)
and prints seconds, rows, peak RSS and the ratio.

    .venv/bin/python bench/bench_assistants.py --events 200000 --users 200 --days 30
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import multiprocessing
import random
import resource
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from spendscope.data.focus import FOCUS_COLUMNS

START = dt.date(2026, 10, 1)
MODELS = ("claude-4-sonnet", "claude-4-opus", "gpt-5", "gemini-2.5-pro")


def payload(events: int, users: int, days: int, seed: int = 1) -> dict[str, Any]:
    rng = random.Random(seed)
    emails = [f"dev{i}@example.com" for i in range(users)]
    base = int(dt.datetime(START.year, START.month, START.day, tzinfo=dt.UTC).timestamp() * 1000)
    out = []
    for _ in range(events):
        inp, outp = rng.randint(500, 40_000), rng.randint(100, 4_000)
        usage = rng.random() < 0.5
        out.append(
            {
                "timestamp": str(base + rng.randrange(days * 86_400_000)),
                "model": rng.choice(MODELS),
                "kind": "Usage-based" if usage else "Included in Business",
                "maxMode": rng.random() < 0.1,
                "requestsCosts": round(rng.uniform(0.5, 5), 1),
                "isTokenBasedCall": usage,
                "tokenUsage": {
                    "inputTokens": inp,
                    "outputTokens": outp,
                    "cacheWriteTokens": rng.randint(0, 5_000),
                    "cacheReadTokens": rng.randint(0, 30_000),
                    "totalCents": round((inp * 3 + outp * 15) / 10_000, 4),
                },
                "isFreeBugbot": False,
                "userEmail": rng.choice(emails),
            }
        )
    daily = [
        {
            "date": base + d * 86_400_000,
            "isActive": True,
            "email": e,
            "acceptedLinesAdded": rng.randint(0, 900),
        }
        for d in range(days)
        for e in emails
    ]
    members = [{"email": e, "role": "member", "isRemoved": False} for e in emails]
    return {"events": out, "daily": daily, "members": members}


def run_sync(folder: str, events: int, users: int, days: int) -> tuple[float, int, int]:
    from spendscope.data.assistants import TOOLS, finish
    from spendscope.data.settings import Settings
    from spendscope.data.store import Store, memory_connection
    from spendscope.data.sync_cursor import stage
    from spendscope.data.syncing import SyncWindow

    data = payload(events, users, days)
    store = Store(Path(folder) / "sync.duckdb")
    store.ensure_schema()
    start = time.perf_counter()
    con = memory_connection()
    stage(con, Settings(), members=data["members"], events=data["events"], daily=data["daily"], spend={})
    begin = dt.datetime(START.year, START.month, START.day, tzinfo=dt.UTC)
    window = SyncWindow(begin, begin + dt.timedelta(days=days), False)
    result = finish(
        store,
        con,
        TOOLS["cursor"],
        window,
        streams=("usage", "seats", "activity", "roster"),
        label="bench",
        file_hash="bench",
        warnings=[],
        state_source=None,
        as_of=window.end,
    )
    con.close()
    return (
        time.perf_counter() - start,
        result.cost_rows,
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    )


def run_focus(folder: str, rows: int) -> tuple[float, int, int]:
    from spendscope.data.import_focus import import_focus
    from spendscope.data.store import Store

    path = Path(folder) / "bill.csv"
    rng = random.Random(2)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(list(FOCUS_COLUMNS))
        for i in range(rows):
            day = START + dt.timedelta(days=i % 30)
            row = {c: "" for c in FOCUS_COLUMNS}
            row.update(
                BilledCost=f"{rng.random():.6f}",
                EffectiveCost=f"{rng.random():.6f}",
                BillingCurrency="USD",
                ChargePeriodStart=f"{day}T00:00:00Z",
                ChargePeriodEnd=f"{day + dt.timedelta(days=1)}T00:00:00Z",
                ProviderName="Cursor",
                ServiceName="Cursor",
                ChargeCategory="Usage",
                SkuMeter=rng.choice(MODELS),
                Tags=f'{{"user":"dev{i % 200}@example.com"}}',
            )
            w.writerow([row[c] for c in FOCUS_COLUMNS])
    store = Store(Path(folder) / "focus.duckdb")
    start = time.perf_counter()
    result = import_focus(store, path)
    return (
        time.perf_counter() - start,
        result.rows_inserted,
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()
    ctx = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory() as folder:
        with ProcessPoolExecutor(1, mp_context=ctx) as pool:
            sync_s, sync_rows, sync_rss = pool.submit(
                run_sync, folder, args.events, args.users, args.days
            ).result()
        with ProcessPoolExecutor(1, mp_context=ctx) as pool:
            focus_s, focus_rows, focus_rss = pool.submit(run_focus, folder, sync_rows).result()
    print(f"events {args.events:,}, users {args.users}, days {args.days}")
    print(f"baseline import_focus: {focus_rows:,} rows in {focus_s:.2f} s, peak RSS {focus_rss} MB")
    print(
        f"cursor sync tail:      {args.events:,} events -> {sync_rows:,} rows in {sync_s:.2f} s, peak RSS {sync_rss} MB"
    )
    print(f"ratio sync tail / baseline: {sync_s / focus_s:.2f}")


if __name__ == "__main__":
    main()
