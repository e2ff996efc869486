"""Billy's speed: `spendscope ask` wall time including process start, and ask() latency in a warm process.

usage: python bench/bench_ask.py [--runs N]   (no arguments needed; runs from a clean clone)

Data: the public eval export and its questions when ../shared/eval is there (the issue's "median over the public
set"), else generated data (Ostrander Freight, tests/fixtures/billy/ostrander.py) and planned questions about it.
  - cold: `spendscope ask QUESTION --db DB --json` in a new process per run; baseline in the same run: a process
    that only imports the CLI (`python -c "import spendscope.cli"`), so the ratio shows what answering adds;
  - warm: agents.billy.ask() in this process for every question, 5 rounds after one warm-up, with the store's
    DuckDB instance kept warm as the servers keep it (settings.keep_warm, data/warm.py); baseline: one
    `query_costs` through tools.invoke;
  - LLM: the number of planned answers that used an LLM (must be 0) and whether anthropic was imported.
Targets (issue 14): cold median < 1 s, warm median < 50 ms, 0 LLM calls.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT.parent / "shared" / "eval"
GENERATED = [
    ("how much did we spend on openai in july", None),
    ("which team spent the most in august", None),
    ("how much did spend change from july to august", None),
    ("what day in august did we spend the most", None),
    ("what share of august spend was dispatch", None),
    ("cost per 1M tokens for gpt-4.1-mini in august", None),
    ("how much are we spending on AWS this month", "2026-09-20"),
    ("staging env spend in august", None),
]


def _data(work: Path) -> tuple[Path, list[tuple[str, str | None]], str]:
    from spendscope.data.import_focus import import_focus
    from spendscope.data.store import Store

    store = Store(work / "bench.duckdb")
    if (EVAL / "focus_public.csv").exists() and (EVAL / "questions_public.jsonl").exists():
        import_focus(store, EVAL / "focus_public.csv")
        lines = (EVAL / "questions_public.jsonl").read_text(encoding="utf-8").splitlines()
        rows = [json.loads(x) for x in lines if x.strip()]
        qs = [(d["question"], d.get("as_of")) for d in rows]
        return store.path, qs, "the public eval set"
    sys.path.insert(0, str(ROOT / "tests"))
    from fixtures.billy.ostrander import build

    paths = build(work / "gen")
    import_focus(store, paths["focus"])
    return store.path, GENERATED, "generated data (Ostrander Freight)"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=1, help="cold runs per question")
    a = ap.parse_args()
    from spendscope.agents.billy import ask
    from spendscope.data.settings import Settings
    from spendscope.data.store import Store
    from spendscope.data.warm import keep
    from spendscope.tools.invoke import invoke

    work = Path(tempfile.mkdtemp(prefix="bench-ask-"))
    try:
        db, questions, what = _data(work)
        store = Store(db)
        env = {**os.environ, "SPENDSCOPE_STATE_DIR": str(work / "state")}
        # PYTHONDONTWRITEBYTECODE (some hosts set it) would make every process compile spendscope's source again;
        # an installed package runs from bytecode (pip compiles it at install), so the processes may cache it
        for k in ("ANTHROPIC_API_KEY", "SPENDSCOPE_ANTHROPIC_API_KEY", "PYTHONDONTWRITEBYTECODE"):
            env.pop(k, None)
        exe = str(Path(sys.executable).with_name("spendscope"))
        q0, as_of0 = questions[0]  # a first question, not timed: compiles what the questions import
        subprocess.run(
            [exe, "ask", q0, "--db", str(db), "--json"] + (["--as-of", as_of0] if as_of0 else []),
            env=env,
            capture_output=True,
            check=True,
        )
        base_cold: list[float] = []
        for _ in range(5):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", "import spendscope.cli"], env=env, check=True)
            base_cold.append(time.perf_counter() - t0)
        cold: list[float] = []
        llm_calls = 0
        for q, as_of in questions:
            args = [exe, "ask", q, "--db", str(db), "--json"] + (["--as-of", as_of] if as_of else [])
            for _ in range(a.runs):
                t0 = time.perf_counter()
                out = subprocess.run(args, env=env, capture_output=True, check=True, text=True)
                cold.append(time.perf_counter() - t0)
                llm_calls += bool(json.loads(out.stdout).get("llm"))
        settings = Settings(state_dir=work / "state", db=db)
        keep(
            settings.keep_warm
        )  # a warm process is a server's: it keeps the store's instance warm (data/warm.py)
        day = dt.date.fromisoformat
        for q, as_of in questions:  # warm-up: imports and the catalog cache
            ask(store, q, as_of=day(as_of) if as_of else None, settings=settings)
        warm: list[float] = []
        for _ in range(5):
            for q, as_of in questions:
                t0 = time.perf_counter()
                ask(store, q, as_of=day(as_of) if as_of else None, settings=settings)
                warm.append(time.perf_counter() - t0)
        base_warm: list[float] = []
        for _ in range(20):
            t0 = time.perf_counter()
            invoke(store, "query_costs", {"measure": "cost"})
            base_warm.append(time.perf_counter() - t0)
        cm, bc = statistics.median(cold), statistics.median(base_cold)
        wm, bw = statistics.median(warm), statistics.median(base_warm)
        print(f"data: {what}, {len(questions)} questions")
        print(
            f"cold `spendscope ask` (process start included): median {cm:.3f} s over {len(cold)} runs "
            f"(target < 1 s); baseline `import spendscope.cli` {bc:.3f} s; ratio {cm / bc:.2f}"
        )
        print(
            f"warm ask(): median {1000 * wm:.1f} ms over {len(warm)} calls (target < 50 ms); "
            f"baseline one query_costs {1000 * bw:.1f} ms; ratio {wm / bw:.2f}"
        )
        print(
            f"LLM calls for planned questions: {llm_calls}; anthropic imported: {'anthropic' in sys.modules}"
        )
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
