"""Benchmark: acks under a burst of /spend commands (Slack wants each within 3 seconds).

    .venv/bin/python bench/bench_slack_burst.py [--commands 96] [--days 60]

On the demo store (DAYS days) and a local fake Slack Web API, COMMANDS signed /spend requests are dispatched into
the real Bolt app at once, from as many threads, and each dispatch is timed until it returns its ack. Twice:
1. baseline: questions answered inside the listener (Bolt's 8 listener threads), as the app did before;
2. the app as it is: listeners only ack and hand the question to the bounded answer pool.
Prints, for each, the median and slowest ack and how many missed 3 s, and waits for the answers to be posted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fake_slack_api import FORM, SECRET, FakeSlack, make_settings, signed_request, slash_body  # noqa: E402
from spendscope.data.demo import build_demo  # noqa: E402
from spendscope.data.store import Store  # noqa: E402
from spendscope.slack_app.access import Access  # noqa: E402
from spendscope.slack_app.app import build_app  # noqa: E402
from spendscope.slack_app.workers import AnswerPool  # noqa: E402

ACK_LIMIT = 3.0
QUESTION = "How much did we spend last month by provider?"


class Inline(Executor):
    """Runs the work in the submitting thread: the answer happens inside the listener, as before the pool."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        f: Future[Any] = Future()
        try:
            f.set_result(fn(*args, **kwargs))
        except Exception as exc:  # noqa: BLE001 - reported through the future
            f.set_exception(exc)
        return f


def burst(
    store: Store, fake: FakeSlack, folder: Path, commands: int, inline: bool
) -> tuple[list[float], int]:
    settings = make_settings(store, fake, folder, state_dir=folder / ("inline" if inline else "pool"))
    pool = AnswerPool(Inline()) if inline else AnswerPool()
    listeners = ThreadPoolExecutor(max_workers=8, thread_name_prefix="bolt")
    app = build_app(store, settings, access=Access.open(), listener_executor=listeners, answers=pool)
    before = len(fake.of("chat.update")) + len(fake.responses)
    times: list[float] = [0.0] * commands
    start = threading.Barrier(commands)

    def one(i: int) -> None:
        body = slash_body(
            f"{QUESTION} ({i})",
            user=f"U0BURST{i:04d}",
            channel="C0BURST001",
            response_url=fake.response_url(),
        )
        request = signed_request(SECRET, body, FORM)
        start.wait()
        t = time.perf_counter()
        response = app.dispatch(request)
        times[i] = (
            time.perf_counter() - t if response is not None and response.status == 200 else float("inf")
        )

    threads = [threading.Thread(target=one, args=(i,)) for i in range(commands)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    deadline = time.monotonic() + 600
    while (
        len(fake.of("chat.update")) + len(fake.responses) - before < commands and time.monotonic() < deadline
    ):
        time.sleep(0.1)
    answered = len(fake.of("chat.update")) + len(fake.responses) - before
    listeners.shutdown(wait=True)
    return times, answered


def report(label: str, times: list[float], answered: int) -> float:
    finite = [t for t in times if t != float("inf")]
    late = sum(1 for t in times if t > ACK_LIMIT)
    slowest = max(times)
    print(
        f"  {label}: median ack {statistics.median(finite) * 1000 if finite else float('nan'):.0f} ms, slowest "
        f"{'never' if slowest == float('inf') else f'{slowest:.2f} s'}, {late} of {len(times)} over {ACK_LIMIT:g} s; "
        f"{answered} answered"
    )
    return statistics.median(finite) if finite else float("inf")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=96, help="concurrent /spend commands")
    parser.add_argument("--days", type=int, default=62, help="days of demo data")
    a = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = Store(folder / "demo.duckdb", lock_timeout=60)
        build_demo(store, end="2026-10-31", days=a.days, seed=7)
        fake = FakeSlack()
        try:
            print(f"{a.commands} concurrent /spend commands ('{QUESTION}'), demo store of {a.days} days:")
            base = report("baseline, answered in the listener", *burst(store, fake, folder, a.commands, True))
            now = report("ack, then the answer pool", *burst(store, fake, folder, a.commands, False))
            print(f"  median ack ratio to the baseline: {now / base:.3f}")
        finally:
            fake.close()


if __name__ == "__main__":
    main()
