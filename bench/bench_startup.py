"""CLI start-up: what a query command costs above its SQL, process start included.

usage: python bench/bench_startup.py [--runs N]   (no arguments needed; runs from a clean clone)

Data: the demo store (`spendscope demo --end 2026-11-30`, 120 days) in a temporary folder.
Timed, each in a new process, interleaved, median of N runs:
  - baseline: `python -c "import duckdb; <the same breakdown as hand-written SQL>"` (a process that opens the store
    read-only and runs the query: the least any CLI could do);
  - `spendscope costs`, `spendscope costs --by provider --by model`, `spendscope ask QUESTION`, `spendscope
    budgets status` (an operation module with numpy), `spendscope --help`.
Then, per command, the heavy modules its process imported (`python -X importtime`): numpy, sqlglot, statsmodels,
pandas, and how many spendscope.tools modules.
Target (issue 21): < 0.5 s of the command's own overhead above the baseline.
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
BIN = Path(sys.executable).parent
HEAVY = ("numpy", "sqlglot", "statsmodels", "pandas", "anthropic", "langgraph")

BASELINE_SQL = (
    "SELECT ProviderName, SUM(EffectiveCost) FROM costs WHERE ChargePeriodStart >= TIMESTAMPTZ '2026-08-03' "
    "AND ChargePeriodStart < TIMESTAMPTZ '2026-12-01' GROUP BY 1 ORDER BY 2 DESC"
)


def _commands(db: Path) -> dict[str, list[str]]:
    cli = [str(BIN / "spendscope")]
    return {
        "baseline: python + duckdb + the SQL": [
            sys.executable,
            "-c",
            f"import duckdb; con = duckdb.connect({str(db)!r}, read_only=True); "
            f"print(con.execute({BASELINE_SQL!r}).fetchall())",
        ],
        "spendscope costs": [*cli, "costs", "--db", str(db)],
        "spendscope costs --by provider --by model": [
            *cli,
            "costs",
            "--by",
            "provider",
            "--by",
            "model",
            "--db",
            str(db),
        ],
        "spendscope ask (planned)": [
            *cli,
            "ask",
            "how much did we spend on openai in october",
            "--db",
            str(db),
        ],
        "spendscope budgets status": [*cli, "budgets", "status", "--db", str(db)],
        "spendscope --help": [*cli, "--help"],
    }


def _wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:3])} failed: {done.stderr.strip()[-400:]}")
    return elapsed


def _imports(cmd: list[str]) -> str:
    """The heavy modules a command's process imports, and how many spendscope.tools modules."""
    if cmd[0] == sys.executable:
        return "-"
    args = [sys.executable, "-X", "importtime", "-m", "spendscope.cli", *cmd[1:]]
    err = subprocess.run(args, capture_output=True, text=True, check=False).stderr
    names = {line.rsplit("|", 1)[-1].strip() for line in err.splitlines() if line.startswith("import time:")}
    heavy = [h for h in HEAVY if h in names]
    tools = sum(1 for n in names if n.startswith("spendscope.tools."))
    return f"{', '.join(heavy) or 'none of ' + '/'.join(HEAVY[:3])}; {tools} tools modules"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="spendscope-startup-") as tmp:
        db = Path(tmp) / "demo.duckdb"
        subprocess.run(
            [str(BIN / "spendscope"), "demo", "--end", "2026-11-30", "--db", str(db)],
            capture_output=True,
            check=True,
        )
        commands = _commands(db)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for cmd in commands.values():  # warm the OS cache and Billy's value catalog
            _wall(cmd)
        for _ in range(args.runs):
            for name, cmd in commands.items():
                times[name].append(_wall(cmd))
        base = statistics.median(times["baseline: python + duckdb + the SQL"])
        print(f"median of {args.runs} runs, each in a new process (demo store, 120 days)")
        print(f"{'command':45} {'median s':>9} {'overhead s':>11}  imports")
        for name, cmd in commands.items():
            med = statistics.median(times[name])
            print(f"{name:45} {med:9.3f} {med - base:11.3f}  {_imports(cmd)}")
        print("target: overhead (median - baseline) < 0.5 s per query command")


if __name__ == "__main__":
    main()
