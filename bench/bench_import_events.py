"""Benchmark: importing N telemetry events (JSON lines, the spool / `import events` format) vs a bare DuckDB
read_json into a table of the same file, same run; plus the telemetry Recorder's background write path.

    .venv/bin/python bench/bench_import_events.py [EVENTS] [RECORDER_EVENTS]   (default 1,000,000 and 100,000)

Prints events/s for each and the ratio import/bare.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from import_bench_harness import cpu_seconds  # noqa: E402
from spendscope.data.events import import_events_file  # noqa: E402
from spendscope.data.store import Store  # noqa: E402
from spendscope.data.telemetry import Recorder  # noqa: E402

MODELS = [
    "gpt-4o-mini",
    "gpt-4.1",
    "claude-sonnet-4-6",
    "claude-haiku-4-5",
    "gemini-2.5-flash",
    "my-finetune",
]
PROVIDERS = ["openai", "openai", "anthropic", "anthropic", "gcp.gemini", "openai"]


def generate(path: Path, events: int) -> None:
    models = "[" + ", ".join(f"'{m}'" for m in MODELS) + "]"
    providers = "[" + ", ".join(f"'{p}'" for p in PROVIDERS) + "]"
    with duckdb.connect() as con:
        con.execute(
            f"""COPY (
            SELECT md5(CAST(i AS VARCHAR)) AS event_id,
                strftime(TIMESTAMP '2026-10-01' + to_seconds(CAST(i * 2.6 AS BIGINT)), '%Y-%m-%dT%H:%M:%SZ') AS ts,
                {providers}[1 + i % 6] AS provider, {models}[1 + i % 6] AS model, 'chat' AS operation,
                500 + i % 3000 AS input_tokens, 50 + i % 700 AS output_tokens, (i % 5) * 400 AS cached_input_tokens,
                CASE WHEN i % 17 = 0 THEN 1200 ELSE 0 END AS cache_write_tokens, 0 AS reasoning_tokens,
                200 + (i % 900) * 3.1 AS latency_ms, 'ok' AS status, 'cust-' || (i % 250) AS customer,
                'feature-' || (i % 23) AS feature, 'team-' || (i % 9) AS team, 'prod' AS env,
                substr(md5(CAST(i // 100000 AS VARCHAR)), 1, 7) AS commit_sha, 'app.handlers:answer' AS code_path,
                {{'service.name': 'api', 'route': '/v1/ask/' || (i % 40)}} AS tags, 'telemetry' AS source
            FROM range({events}) t(i)) TO '{path}' (FORMAT json)"""
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "events",
        type=int,
        nargs="?",
        default=1_000_000,
        help="events in the generated file (default %(default)s)",
    )
    parser.add_argument(
        "recorded",
        type=int,
        nargs="?",
        default=100_000,
        help="events sent through the recorder (default %(default)s)",
    )
    args = parser.parse_args()
    events = args.events
    recorded = args.recorded
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.jsonl"
        t = time.perf_counter()
        generate(path, events)
        print(
            f"generated {events:,} events ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f}s"
        )

        t, cpu = time.perf_counter(), cpu_seconds()
        with duckdb.connect(str(Path(tmp) / "bare.duckdb")) as con:
            con.execute("SET enable_progress_bar = false")
            con.execute(f"CREATE TABLE t AS SELECT * FROM read_json('{path}', format = 'newline_delimited')")
        bare, bare_cpu = time.perf_counter() - t, cpu_seconds() - cpu

        store = Store(Path(tmp) / "store.duckdb")
        store.ensure_schema()
        t, cpu = time.perf_counter(), cpu_seconds()
        result = import_events_file(store, path)
        ours, ours_cpu = time.perf_counter() - t, cpu_seconds() - cpu
        assert result.rows_inserted == events, result

        t = time.perf_counter()
        again = import_events_file(store, path)
        reimport = time.perf_counter() - t
        assert again.status == "duplicate"

        print(
            f"bare DuckDB read_json into a table: {bare:.2f}s CPU {bare_cpu:.2f}s ({events / bare:,.0f} events/s)"
        )
        print(
            f"spendscope import events:           {ours:.2f}s CPU {ours_cpu:.2f}s ({events / ours:,.0f} events/s)"
        )
        print(f"ratio import/bare:                  {ours / bare:.2f}x time, {ours_cpu / bare_cpu:.2f}x CPU")
        print(f"re-import of the same file:         {reimport:.2f}s (nothing added)")

        # the wrapper's path: Recorder.record() from the caller, background batches into the store
        rec_store = Store(Path(tmp) / "recorder.duckdb")
        rec_store.ensure_schema()
        rec = Recorder(
            rec_store, Path(tmp) / "spool", flush_interval=1.0, batch_size=5000, max_queue=recorded + 10
        )
        base = {
            "ts": "2026-11-20T10:00:00+00:00",
            "provider": "openai",
            "model": "gpt-4o-mini",
            "operation": "chat.completions.create",
            "input_tokens": 900,
            "output_tokens": 120,
            "cached_input_tokens": 300,
            "cache_write_tokens": 0,
            "reasoning_tokens": 0,
            "requests": 1,
            "latency_ms": 412.5,
            "estimated_cost": None,
            "priced": None,
            "status": "ok",
            "customer": "acme",
            "feature": "chat",
            "team": "search",
            "env": "prod",
            "commit_sha": "abc1234",
            "code_path": "app:answer",
            "tags": {"model_raw": "gpt-4o-mini-2024-07-18"},
            "source": "telemetry",
        }
        t = time.perf_counter()
        for _ in range(recorded):
            rec.record({**base, "event_id": uuid.uuid4().hex})
        enqueue = time.perf_counter() - t
        rec.flush(600)
        total = time.perf_counter() - t
        rec.close()
        print(f"Recorder.record() in the caller:    {enqueue / recorded * 1e6:.1f} us per event")
        print(
            f"Recorder to the store (background): {total:.2f}s for {recorded:,} events "
            f"({recorded / total:,.0f} events/s; {rec.stats.written:,} written, {rec.stats.spooled} spooled)"
        )


if __name__ == "__main__":
    main()
