"""`spendscope import bedrock-logs`: Amazon Bedrock model invocation logs -> usage_events, through the CLI in process.

tests/fixtures/telemetry/bedrock_invocations.jsonl was written by us from AWS's model invocation logging schema
(schemaType ModelInvocationLog; input.inputTokenCount, input.cacheReadInputTokenCount,
input.cacheWriteInputTokenCount, output.outputTokenCount; identity.arn; requestMetadata): a US cross-Region profile
of Claude 3.5 Sonnet with cache reads and writes, a bare Claude 3 Haiku id, a foundation-model ARN of Nova Micro
called by an IAM user, an application inference profile ARN (which names no model), a throttled call and the ARN of
a US cross-Region inference profile of Claude Sonnet 4.5 (1.1x the global price) called by an IAM role."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from spendscope.data.errors import ImportRejected
from spendscope.data.store import Store
from typer.testing import CliRunner

from spendscope.cli import app

LOG = Path(__file__).parent / "fixtures" / "telemetry" / "bedrock_invocations.jsonl"
SONNET, HAIKU, NOVA, PROFILE, THROTTLED, SONNET_45 = (
    f"bedrock:6f1c2a9e-000{i}-4c1d-9e8f-{c * 12}" for i, c in enumerate("abcdef", 1)
)


def _import(store: Store, *files: Path) -> Any:
    """`spendscope import bedrock-logs FILE... --json` in this process; the results (or the error raised)."""
    out = CliRunner().invoke(
        app, ["import", "bedrock-logs", *map(str, files), "--db", str(store.path), "--json"]
    )
    if out.exception is not None and not isinstance(out.exception, SystemExit):
        raise out.exception
    assert out.exit_code == 0, out.output
    return json.loads(out.stdout)


def _events(store: Store) -> dict[str, dict[str, Any]]:
    with store.reader() as con:
        cur = con.execute("SELECT * FROM usage_events")
        cols = [d[0] for d in cur.description]
        return {r[0]: dict(zip(cols, r, strict=True)) for r in cur.fetchall()}


def _records() -> list[dict[str, Any]]:
    return [json.loads(line) for line in LOG.read_text(encoding="utf-8").splitlines()]


def test_invocation_logs_become_priced_events_with_account_caller_and_metadata(store: Store) -> None:
    [result] = _import(store, LOG)
    assert result["rows_inserted"] == 6
    ev = _events(store)
    sonnet = ev[SONNET]
    assert (sonnet["provider"], sonnet["model"], sonnet["operation"]) == (
        "aws.bedrock",
        "claude-3-5-sonnet",
        "Converse",
    )
    tokens = ("input_tokens", "cached_input_tokens", "cache_write_tokens", "output_tokens")
    assert tuple(sonnet[t] for t in tokens) == (1200, 3000, 500, 350)
    # $3 input, $0.30 cache reads, $3.75 cache writes, $15 output per million; no cost in the log: the catalog's
    assert sonnet["estimated_cost"] == Decimal("0.011625") and sonnet["cost_source"] == "catalog"
    assert sonnet["inference_geo"] == "us" and sonnet["latency_ms"] == 2310  # `us.` profile
    assert (sonnet["customer"], sonnet["feature"]) == ("acme", "ticket-summary")  # requestMetadata
    tags = json.loads(sonnet["tags"])
    assert (tags["sub_account"], tags["region"], tags["caller"]) == (
        "111122223333",
        "us-east-1",
        "support-bot-prod",
    )
    assert tags["request_metadata"]["ticket_queue"] == "billing"
    haiku = ev[HAIKU]
    assert (haiku["model"], haiku["inference_geo"], haiku["estimated_cost"]) == (
        "claude-3-haiku",
        "regional",
        Decimal("0.00035"),
    )
    nova = ev[NOVA]  # a foundation-model ARN; an IAM user's ARN names the user
    assert nova["model"] == "nova-micro" and nova["priced"] is True
    assert (
        json.loads(nova["tags"])["caller"] == "maria"
        and json.loads(nova["tags"])["sub_account"] == "444455556666"
    )
    # an application inference profile names no model: kept, unpriced and reported, never $0
    profile = ev[PROFILE]
    assert profile["estimated_cost"] is None and profile["priced"] is False
    assert any("application inference profile" in w for w in result["warnings"])
    assert any("unpriced models" in w and "application-inference-profile" in w for w in result["warnings"])
    assert (
        ev[THROTTLED]["status"] == "error"
        and json.loads(ev[THROTTLED]["tags"])["error_code"] == "ThrottlingException"
    )
    # an inference profile's ARN: the profile id after the last '/' names the model and the geography
    s45 = ev[SONNET_45]
    assert (s45["model"], s45["inference_geo"], s45["team"], s45["env"]) == (
        "claude-sonnet-4-5",
        "us",
        "support",
        "prod",
    )
    assert s45["estimated_cost"] == Decimal("0.0495")  # (10,000 x $3 + 1,000 x $15) / 1M x 1.1
    s45_tags = json.loads(s45["tags"])
    assert (s45_tags["caller"], s45_tags["inference_region"]) == ("batch-summariser", "us-west-2")


def test_gzipped_s3_delivery_and_a_json_array_read_the_same_records_once(
    store: Store, tmp_path: Path
) -> None:
    gz = tmp_path / "20261103T0915Z_abc.json.gz"  # S3 delivery: gzipped JSON lines
    gz.write_bytes(gzip.compress(LOG.read_bytes()))
    array = tmp_path / "insights.json"
    array.write_text(json.dumps(_records()), encoding="utf-8")
    [first] = _import(store, gz)
    [second] = _import(store, array)
    assert first["rows_inserted"] == 6 and second["rows_inserted"] == 0  # events keyed by requestId
    assert len(_events(store)) == 6


def test_a_cloudwatch_export_and_the_cli_log_events_output_are_read_too(store: Store, tmp_path: Path) -> None:
    records = _records()
    export = tmp_path / "000000.gz"  # CloudWatch Logs' export to S3: `<time> <message>` per line, gzipped
    lines = [f"{r['timestamp'].replace('Z', '.000Z')} {json.dumps(r)}" for r in records[:3]]
    export.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode("utf-8")))
    events = tmp_path / "filter-log-events.json"  # aws logs filter-log-events: each record a message string
    events.write_text(
        json.dumps(
            {
                "events": [
                    {
                        "logStreamName": "aws/bedrock/modelinvocations",
                        "timestamp": 1,
                        "message": json.dumps(r),
                    }
                    for r in records[2:]
                ],
                "searchedLogStreams": [],
            }
        ),
        encoding="utf-8",
    )
    [first] = _import(store, export)
    [second] = _import(store, events)
    assert (first["rows_inserted"], second["rows_inserted"]) == (3, 3)  # record 3 is in both: counted once
    assert set(_events(store)) == {SONNET, HAIKU, NOVA, PROFILE, THROTTLED, SONNET_45}


def test_a_service_tier_the_record_carries_is_kept(store: Store, tmp_path: Path) -> None:
    records = _records()[:2]
    records[0]["serviceTier"] = {"type": "flex"}  # as the runtime API takes it; absent: the standard tier
    path = tmp_path / "tiers.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    _import(store, path)
    ev = _events(store)
    assert (ev[SONNET]["service_tier"], ev[HAIKU]["service_tier"]) == (
        "flex",
        None,
    )  # None: priced as standard


def test_reimporting_the_same_file_adds_nothing(store: Store) -> None:
    _import(store, LOG)
    [again] = _import(store, LOG)
    assert again["status"] == "duplicate" and len(_events(store)) == 6


@pytest.mark.parametrize(
    ("change", "column"),
    [
        (lambda r: r["input"].update(inputTokenCount=-3), "input.inputTokenCount"),
        (lambda r: r["output"].update(outputTokenCount="12"), "output.outputTokenCount"),
        (lambda r: r["input"].update(cacheReadInputTokenCount=[1]), "input.cacheReadInputTokenCount"),
        (lambda r: r.pop("modelId"), "modelId"),
        (lambda r: r.pop("requestId"), "requestId"),
        (lambda r: r.update(timestamp="yesterday"), "timestamp"),
        (lambda r: r.update(schemaType="SomethingElse"), "schemaType"),
    ],
    ids=["negative", "text", "list", "no-model", "no-request-id", "bad-time", "other-schema"],
)
def test_a_bad_record_rejects_the_whole_file_naming_record_and_field(
    store: Store, tmp_path: Path, change: Any, column: str
) -> None:
    records = _records()
    change(records[3])
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as err:
        _import(store, path)
    assert err.value.code == "import_rejected"
    assert (err.value.details["row"], err.value.details["column"], err.value.details["file"]) == (
        4,
        column,
        str(path),
    )
    assert _events(store) == {}


def test_a_line_that_is_not_json_is_named(store: Store, tmp_path: Path) -> None:
    lines = LOG.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2][:40]  # cut short
    path = tmp_path / "cut.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as err:
        _import(store, path)
    assert err.value.code == "import_rejected" and err.value.details["row"] == 3
    assert _events(store) == {}
