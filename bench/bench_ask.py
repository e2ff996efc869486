"""Billy's speed: `spendscope ask` wall time including process start, and ask() latency in a warm process.

usage: python bench/bench_ask.py [--csv FOCUS_CSV] [--runs N]

Imports the CSV (default: ../shared/eval/focus_public.csv) into a temporary store, then
  - cold: runs `spendscope ask QUESTION --db DB --json` N times per question (a new process each time),
  - warm: calls agents.billy.ask() in this process for every question, 10 rounds after one warm-up,
  - imports: which heavy modules a planned question loads (anthropic, langgraph, statsmodels, pandas).
Targets (issue 7): cold < 1.5 s, warm < 100 ms per planned question.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUESTIONS = [
    ("What was our total spend in October 2026?", None),
    ("How much did we spend on Anthropic last month?", "2026-11-05"),
    ("Which team spent the most in October 2026?", None),
    ("By what percentage did total spend change from September 2026 to October 2026?", None),
    ("On which day was our Anthropic spend highest?", None),
    ("What share of our Bedrock spend in October 2026 went to Claude models, in percent?", None),
]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--csv", default=str(ROOT.parent / "shared" / "eval" / "focus_public.csv"))
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    from spendscope.agents.billy import ask
    from spendscope.data.import_focus import import_focus
    from spendscope.data.settings import Settings
    from spendscope.data.store import Store

    work = Path(tempfile.mkdtemp(prefix="bench-ask-"))
    try:
        store = Store(work / "bench.duckdb")
        import_focus(store, Path(a.csv))
        env = {**os.environ, "SPENDSCOPE_STATE_DIR": str(work / "state")}
        env.pop("ANTHROPIC_API_KEY", None)
        exe = str(Path(sys.executable).with_name("spendscope"))
        cold: list[float] = []
        for q, as_of in QUESTIONS:
            args = [exe, "ask", q, "--db", str(store.path), "--json"] + (["--as-of", as_of] if as_of else [])
            for _ in range(a.runs):
                t0 = time.perf_counter()
                subprocess.run(args, env=env, capture_output=True, check=True)
                cold.append(time.perf_counter() - t0)
        settings = Settings(state_dir=work / "state")
        for q, as_of in QUESTIONS:  # warm-up: imports and the catalog cache
            ask(store, q, as_of=dt.date.fromisoformat(as_of) if as_of else None, settings=settings)
        warm: list[float] = []
        for _ in range(10):
            for q, as_of in QUESTIONS:
                t0 = time.perf_counter()
                ask(store, q, as_of=dt.date.fromisoformat(as_of) if as_of else None, settings=settings)
                warm.append(time.perf_counter() - t0)
        probe = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys, time; t=time.perf_counter(); import spendscope.cli; "
                "from agents.billy import ask; from data.settings import Settings; from data.store import Store; "
                f"ask(Store({str(store.path)!r}), {QUESTIONS[0][0]!r}, settings=Settings(state_dir={str(work / 'state')!r})); "
                "print(round(time.perf_counter()-t, 3), [m for m in ('anthropic', 'langgraph', 'statsmodels', 'pandas') "
                "if m in sys.modules])",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        cold.sort()
        warm.sort()
        print(
            f"cold `spendscope ask` (process start included), {len(cold)} runs: median {statistics.median(cold):.3f} s, "
            f"p90 {cold[int(len(cold) * 0.9) - 1]:.3f} s, max {cold[-1]:.3f} s"
        )
        print(
            f"warm ask(), {len(warm)} calls: median {1000 * statistics.median(warm):.1f} ms, "
            f"p90 {1000 * warm[int(len(warm) * 0.9) - 1]:.1f} ms, max {1000 * warm[-1]:.1f} ms"
        )
        print(f"in-process import + first answer: {probe.stdout.strip()} (seconds, heavy modules loaded)")
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
