"""The first `spendscope ask` after an import into a big store (issue 21: < 1 s at 10M rows).

usage: python bench/bench_ask_after_import.py [--rows N] [--imports K]   (defaults 10,000,000 and 3; no arguments
needed, runs from a clean clone; run it under `flock /tmp/spendscope-heavy.lock`: it builds a 10M-row store)

1. N generated cost rows (bench_costs.generate: 5 providers, 12 models, 9 teams, 92 days) written straight into a
   fresh store, then one small FOCUS import (2,000 rows, bench_import_focus.generate) that summarises them once
   (the value summary: data/value_summary.py), timed.
2. K times: a restated export of the same month (2,000 + k rows, every cost revised: it replaces the previous one)
   through `spendscope import focus`, then `spendscope ask` in a new process: the first question after the write
   (Billy's cached vocabulary is stale, the value catalog is read again). Timed: the import, and the ask.
3. Baselines in the same run: the same question as hand-written SQL in a new process (python + duckdb + the query),
   and the value catalog read by scanning every cost row (the path every question took after an import before).
Target: the ask after an import < 1 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from bench_costs import generate as generate_rows  # noqa: E402
from bench_import_focus import generate as generate_focus  # noqa: E402
from spendscope.data.store import Store  # noqa: E402
from spendscope.tools.costs.answers import CatalogInput, run_catalog  # noqa: E402

BIN = Path(sys.executable).parent
QUESTION = "how much did we spend on anthropic in october 2026"
SQL = (
    "SELECT SUM(EffectiveCost) FROM costs WHERE ProviderName = 'Anthropic' "
    "AND ChargePeriodStart >= TIMESTAMPTZ '2026-10-01' AND ChargePeriodStart < TIMESTAMPTZ '2026-11-01'"
)


def _run(cmd: list[str], home: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        cmd, capture_output=True, text=True, check=False, env={"PATH": "/usr/bin:/bin", "HOME": str(home)}
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:3])} failed: {(done.stderr or done.stdout).strip()[-600:]}")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--imports", type=int, default=3)
    args = ap.parse_args()
    cli = str(BIN / "spendscope")
    with tempfile.TemporaryDirectory(prefix="spendscope-ask-after-import-") as tmp:
        work = Path(tmp)
        store = Store(work / "big.duckdb")
        store.ensure_schema()
        t = time.perf_counter()
        generate_rows(store, args.rows)
        print(f"{args.rows:,} cost rows generated in {time.perf_counter() - t:.1f} s")
        first = work / "first.csv"
        generate_focus(first, 2_000)
        took = _run([cli, "import", "focus", str(first), "--db", str(store.path)], work)
        print(f"first import (2,000 rows; summarises the {args.rows:,} generated rows once): {took:.2f} s")
        _run([cli, "ask", QUESTION, "--db", str(store.path)], work)  # Billy's state folder, the OS cache

        imports, asks, bases = [], [], []
        for k in range(1, args.imports + 1):
            csv = work / f"restated-{k}.csv"
            generate_focus(csv, 2_000 + k, costs="priced" if k % 2 else "round")
            imports.append(_run([cli, "import", "focus", str(csv), "--db", str(store.path)], work))
            asks.append(_run([cli, "ask", QUESTION, "--db", str(store.path)], work))
            code = f"import duckdb; print(duckdb.connect({str(store.path)!r}, read_only=True).execute({SQL!r}).fetchall())"
            bases.append(_run([sys.executable, "-c", code], work))
        with store.reader() as con:
            t = time.perf_counter()
            run_catalog(con, CatalogInput(), summary=True)
            summary = time.perf_counter() - t
            t = time.perf_counter()
            run_catalog(con, CatalogInput(), summary=False)
            scan = time.perf_counter() - t
        ask, base = statistics.median(asks), statistics.median(bases)
        print(
            f"restated import of ~2,000 rows into the {args.rows:,}-row store: median {statistics.median(imports):.2f} s"
        )
        print(
            f"first ask after each import: {', '.join(f'{a:.2f}' for a in asks)} s; median {ask:.2f} s "
            f"(target < 1 s)"
        )
        print(f"baseline, the question as SQL in a new process: median {base:.2f} s; ratio {ask / base:.2f}")
        print(
            f"value catalog in-process: from the summary {summary:.3f} s, by scanning every row {scan:.3f} s"
        )


if __name__ == "__main__":
    main()
