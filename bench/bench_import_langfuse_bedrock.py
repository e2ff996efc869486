"""Benchmark: `import bedrock-logs` on N generated invocation log records (gzipped JSON lines, as S3 delivers
them) and `import langfuse` on N generated generations (traces of one chain + GENERATIONs, one trace export per
line), each into a fresh store; plus a re-import of a copy of each file (every event already present).

    .venv/bin/python bench/bench_import_langfuse_bedrock.py [--records N]   (default 200,000)

Prints records/s and CPU seconds per import.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from import_bench_harness import cpu_seconds  # noqa: E402
from spendscope.data.import_bedrock_logs import import_bedrock_logs  # noqa: E402
from spendscope.data.import_langfuse import import_langfuse  # noqa: E402
from spendscope.data.prices import PriceCatalog  # noqa: E402
from spendscope.data.store import Store  # noqa: E402

BEDROCK_MODELS = [
    "us.anthropic.claude-3-5-sonnet-20241022-v2:0",
    "anthropic.claude-3-haiku-20240307-v1:0",
    "arn:aws:bedrock:eu-west-1::foundation-model/amazon.nova-micro-v1:0",
    "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
]
LANGFUSE_MODELS = ["gpt-4o", "gpt-4o-mini", "claude-sonnet-4-5-20250929", "o3-mini"]


def bedrock_file(path: Path, n: int) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for i in range(n):
            record = {
                "schemaType": "ModelInvocationLog",
                "schemaVersion": "1.0",
                "timestamp": f"2026-11-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00Z",
                "accountId": f"11112222{3333 + i % 4}",
                "identity": {"arn": f"arn:aws:sts::111122223333:assumed-role/app-{i % 7}/s"},
                "region": "us-east-1",
                "requestId": f"req-{i:09d}",
                "operation": "Converse",
                "modelId": BEDROCK_MODELS[i % len(BEDROCK_MODELS)],
                "input": {"inputTokenCount": 500 + i % 900, "cacheReadInputTokenCount": i % 3 * 1000},
                "output": {
                    "outputTokenCount": 50 + i % 300,
                    "outputBodyJson": {"metrics": {"latencyMs": 800}},
                },
                "requestMetadata": {"customer": f"c{i % 50}", "feature": f"f{i % 9}"},
            }
            fh.write(json.dumps(record) + "\n")


def langfuse_file(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for t in range(0, n, 4):  # a trace: one CHAIN (usage summing) above four generations
            gens = [
                {
                    "id": f"g-{t + k}",
                    "traceId": f"t-{t}",
                    "type": "GENERATION",
                    "parentObservationId": f"c-{t}",
                    "startTime": f"2026-11-{1 + t % 28:02d}T10:00:0{k}Z",
                    "endTime": f"2026-11-{1 + t % 28:02d}T10:00:0{k + 1}Z",
                    "model": LANGFUSE_MODELS[(t + k) % len(LANGFUSE_MODELS)],
                    "usageDetails": {"input": 400 + k, "output": 80, "input_cached_tokens": 100},
                    "costDetails": {"total": 0.0012} if k % 2 else {},
                }
                for k in range(min(4, n - t))
            ]
            chain = {
                "id": f"c-{t}",
                "traceId": f"t-{t}",
                "type": "CHAIN",
                "startTime": gens[0]["startTime"],
                "usageDetails": {"input": 1600, "output": 320},
            }
            trace = {
                "id": f"t-{t}",
                "name": "answer",
                "userId": f"u{t % 100}",
                "sessionId": f"s{t % 500}",
                "tags": ["feature:search"],
            }
            fh.write(json.dumps({"trace": trace, "observations": [chain, *gens]}) + "\n")


def run(label: str, importer: object, path: Path, folder: Path, n: int, catalog: PriceCatalog) -> None:
    store = Store(folder / f"{label}.duckdb")
    store.ensure_schema()
    for attempt in ("first", "again"):
        target = path if attempt == "first" else path.with_name("copy-" + path.name)
        if attempt == "again":
            # another file (a new digest), the same records
            if path.name.endswith(".gz"):
                target.write_bytes(gzip.compress(gzip.decompress(path.read_bytes()) + b"\n", mtime=1))
            else:
                shutil.copyfile(path, target)
                with open(target, "ab") as fh:
                    fh.write(b"\n")
        cpu0, t0 = cpu_seconds(), time.perf_counter()
        result = importer(store, target, catalog=catalog)  # type: ignore[operator]
        wall, cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
        print(
            f"{label} {attempt}: {result.rows_read:,} events read, {result.rows_inserted:,} added in {wall:.2f} s "
            f"({n / wall:,.0f} records/s, {cpu:.2f} CPU s)"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=200_000, help="records per file (default 200,000)")
    args = ap.parse_args()
    catalog = PriceCatalog()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bedrock, langfuse = folder / "invocations.json.gz", folder / "langfuse.jsonl"
        bedrock_file(bedrock, args.records)
        langfuse_file(langfuse, args.records)
        run("bedrock-logs", import_bedrock_logs, bedrock, folder, args.records, catalog)
        run("langfuse", import_langfuse, langfuse, folder, args.records, catalog)


if __name__ == "__main__":
    main()
