"""Benchmark: dashboard page response times on the demo store (target < 300 ms a page).

    .venv/bin/python bench/bench_web.py [--runs 7]

Builds the demo (120 days ending 2026-10-31, seed 7) in a temporary folder, then requests every page through the
real ASGI app (Starlette's test client: routing, sign-in by bearer token, operations through tools.invoke,
template rendering; no network) as a company-wide token and as a row-scoped one, with "today" 2026-10-25.
Each page is requested once to warm the process up, then RUNS times with the dashboard's result cache emptied
before each request (every operation runs: the figure the target is checked against) and RUNS times cached (a
second viewer of the same page while the store is unchanged). Medians, with the uncached one's ratio to the
target and to the baseline measured in the same run: the bare `query_costs` call for the month to date.
The month-end landing (a forecast, loaded after the overview by the page's script) is printed apart.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from spendscope.data.demo import build_demo  # noqa: E402
from spendscope.data.store import Store  # noqa: E402
from spendscope.tools.access import Caller  # noqa: E402
from spendscope.tools.invoke import invoke  # noqa: E402
from spendscope.web.app import build_app  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

TARGET_MS = 300.0
AS_OF = dt.date(2026, 10, 25)
PAGES = [
    "/",
    "/explorer",
    "/models",
    "/showback",
    "/anomalies",
    "/budgets",
    "/commitments",
    "/savings",
    "/unit-costs",
    "/health",
]
CALLERS = {
    "company-token-0123456789": Caller("finance", can_write=True, remote=True),
    "search-token-0123456789ab": Caller("search", row_scope={"team": ("search",)}, remote=True),
}


def timed(fn, runs: int, before=None) -> float:  # type: ignore[no-untyped-def]
    """Median of `runs` calls of `fn` in ms (`before` runs untimed before each call)."""
    times = []
    for _ in range(runs):
        if before:
            before()
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "demo.duckdb", lock_timeout=30)
        t = time.perf_counter()
        build_demo(store, end="2026-10-31", days=120, seed=7)
        invoke(store, "detect_anomalies", {"as_of": AS_OF, "days": 30})
        print(f"demo store built in {time.perf_counter() - t:.1f}s")
        app = build_app(store, authenticate=CALLERS.get, as_of=AS_OF, warm=False)
        client = TestClient(app, base_url="http://127.0.0.1")
        mtd = {"start": dt.date(2026, 10, 1), "end": AS_OF}
        invoke(store, "query_costs", mtd)
        base = timed(lambda: invoke(store, "query_costs", mtd), args.runs)
        clear = app.state.dashboard.results.clear
        print(f"baseline: query_costs month to date, direct: {base:.1f} ms\n")
        worst = 0.0
        for token, caller in CALLERS.items():
            headers = {"authorization": f"Bearer {token}", "accept": "text/html"}
            print(f"as {caller.identity} ({caller.scope_text() or 'all rows'}):")
            print(f"  {'page':<14}{'uncached ms':>12}{'x target':>10}{'x baseline':>12}{'cached ms':>11}")
            for path in PAGES:

                def get(path: str = path, headers: dict[str, str] = headers) -> None:
                    r = client.get(path, headers=headers)
                    assert r.status_code == 200, (path, r.status_code)

                get()  # warm the process (imports, first connection)
                med = timed(get, args.runs, before=clear)
                cached = timed(get, args.runs)
                worst = max(worst, med)
                print(f"  {path:<14}{med:>12.1f}{med / TARGET_MS:>10.2f}{med / base:>12.1f}{cached:>11.1f}")

            def landing(headers: dict[str, str] = headers) -> None:
                client.get("/landing", headers=headers)

            landing()
            slow, fast = timed(landing, args.runs, before=clear), timed(landing, args.runs)
            print(
                f"  {'/landing':<14}{slow:>12.1f}{'':>22}{fast:>11.1f}   (forecast, loaded after the page)\n"
            )
        verdict = "meets" if worst < TARGET_MS else "MISSES"
        print(f"slowest page, uncached median {worst:.1f} ms: {verdict} the {TARGET_MS:.0f} ms target")
        return 0 if worst < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
