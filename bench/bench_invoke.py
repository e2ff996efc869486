"""Benchmark: what the one entry point (tools.invoke) adds to an operation call.

    .venv/bin/python bench/bench_invoke.py [--rows 10000000] [--calls 20]

On ROWS synthetic cost rows (bench_mcp's generator: 5 providers, 12 models, 9 teams as a JSON tag), the same
`query_costs` call (one month by provider, filtered to team t3 and provider OpenAI) is timed:
1. directly (`op.func(store, params)`), the baseline;
2. through `invoke` as the local user: validation, permission, each filter value checked against the store
   (the first call looks the values up; later ones find them remembered until the store file changes);
3. through `invoke` as a caller limited to team t3 (its scope applied as filters);
and the error path once: a misspelled team (`t33`), whose suggestions need the distinct values of the tag.
Prints medians, the overhead of 2 and 3 over 1, and their ratio to the baseline (target: overhead < 5% of the
query, the error under 2 s).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from bench_mcp import build_big_store  # noqa: E402
from spendscope.data.errors import UnknownValue  # noqa: E402
from spendscope.tools.access import LOCAL, Caller  # noqa: E402
from spendscope.tools.invoke import invoke  # noqa: E402
from spendscope.tools.registry import get_operation  # noqa: E402

ARGS = {
    "period": "2026-10",
    "group_by": ["provider"],
    "filters": [{"dimension": "team", "values": ["t3"]}, {"dimension": "provider", "values": ["OpenAI"]}],
}
SCOPED_ARGS = {**ARGS, "filters": ARGS["filters"][1:]}
TEAM = Caller("bench-team", row_scope={"team": ("t3",)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="synthetic cost rows")
    parser.add_argument("--calls", type=int, default=20, help="calls per measurement (interleaved)")
    a = parser.parse_args()
    op = get_operation("query_costs")
    params = op.input_model.model_validate(ARGS)
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        store = build_big_store(Path(tmp) / "big.duckdb", a.rows)
        print(f"(built {a.rows:,} rows in {time.perf_counter() - t:.1f} s)")
        expected = op.func(store, params).total
        t = time.perf_counter()
        invoke(store, op, ARGS, LOCAL)
        cold = (time.perf_counter() - t) * 1000
        direct, local, scoped = [], [], []
        for _ in range(a.calls):  # interleaved, so load from other processes hits all three alike
            t = time.perf_counter()
            op.func(store, params)
            direct.append(time.perf_counter() - t)
            t = time.perf_counter()
            got = invoke(store, op, ARGS, LOCAL)
            local.append(time.perf_counter() - t)
            t = time.perf_counter()
            mine = invoke(store, op, SCOPED_ARGS, TEAM)
            scoped.append(time.perf_counter() - t)
        assert got.total == mine.total == expected
        t = time.perf_counter()
        try:
            invoke(store, op, {**ARGS, "filters": [{"dimension": "team", "values": ["t33"]}]}, LOCAL)
            raise SystemExit("a misspelled team was answered")
        except UnknownValue as exc:
            error = time.perf_counter() - t
            message = exc.message
    d, lo, sc = (statistics.median(x) * 1000 for x in (direct, local, scoped))
    print(
        f"query_costs over {a.rows:,} rows, one month by provider, team and provider filters ({a.calls} calls):"
    )
    print(f"  direct {d:.1f} ms (baseline)")
    print(f"  invoke, first call (values looked up) {cold:.1f} ms: +{cold - d:.1f} ms, ratio {cold / d:.3f}")
    print(f"  invoke, local user   {lo:.1f} ms: +{lo - d:.1f} ms, ratio {lo / d:.3f} (target overhead < 5%)")
    print(f"  invoke, team caller  {sc:.1f} ms: +{sc - d:.1f} ms, ratio {sc / d:.3f}")
    print(f"  misspelled team: {error:.2f} s to '{message}' (ratio to 2 s target {error / 2:.2f})")


if __name__ == "__main__":
    main()
