"""Benchmark: `spendscope reprice` over N stored events (dry run, then a write after a price-file discount that
changes about a sixth of them), against importing the same events in the same run.

    .venv/bin/python bench/bench_reprice.py [EVENTS]   (default 1,000,000)

Prints seconds for each step and the ratio to the import.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_import_events import generate  # noqa: E402
from spendscope.data.events import import_events_file  # noqa: E402
from spendscope.data.prices import PriceCatalog  # noqa: E402
from spendscope.data.reprice import reprice_events  # noqa: E402
from spendscope.data.store import Store  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "events",
        type=int,
        nargs="?",
        default=1_000_000,
        help="events in the generated store (default %(default)s)",
    )
    args = parser.parse_args()
    events = args.events
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "events.jsonl"
        generate(path, events)
        store = Store(folder / "store.duckdb")
        store.ensure_schema()
        t0 = time.perf_counter()
        import_events_file(store, path)
        t_import = time.perf_counter() - t0

        t0 = time.perf_counter()
        dry = reprice_events(store, PriceCatalog(), dry_run=True)
        t_dry = time.perf_counter() - t0

        prices = folder / "prices.yaml"
        prices.write_text(
            "discounts:\n  - {model: claude-sonnet-4-6, percent: 30, from: 2026-10-01}\n", encoding="utf-8"
        )
        t0 = time.perf_counter()
        done = reprice_events(store, PriceCatalog.load(prices), since=dt.date(2026, 10, 1))
        t_write = time.perf_counter() - t0

        t0 = time.perf_counter()
        again = reprice_events(store, PriceCatalog.load(prices), dry_run=True)
        t_again = time.perf_counter() - t0

    print(f"events: {events:,}")
    print(f"import events (baseline)        {t_import:7.2f} s")
    print(
        f"reprice --dry-run (no change)   {t_dry:7.2f} s  ({t_dry / t_import:.2f}x import), changed {dry.changed:,}"
    )
    print(
        f"reprice after a discount        {t_write:7.2f} s  ({t_write / t_import:.2f}x import), changed {done.changed:,}"
    )
    print(
        f"reprice --dry-run again         {t_again:7.2f} s  ({t_again / t_import:.2f}x import), changed {again.changed:,}"
    )


if __name__ == "__main__":
    main()
