"""Which importer a file belongs to when it is given to another one (data/file_kinds.py): CSV headers, JSON
records, and the provider API pages that only `spendscope sync` reads."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from spendscope.data.file_kinds import api_report_note, belongs_elsewhere, unread_note

OPENAI_COSTS = {
    "object": "page",
    "data": [
        {
            "object": "bucket",
            "start_time": 1730419200,
            "end_time": 1730505600,
            "results": [
                {"object": "organization.costs.result", "amount": {"value": 0.06, "currency": "usd"}}
            ],
        }
    ],
    "has_more": False,
}
OPENAI_USAGE = {
    "object": "page",
    "data": [
        {
            "object": "bucket",
            "start_time": 1730419200,
            "end_time": 1730505600,
            "results": [{"object": "organization.usage.completions.result", "input_tokens": 1000}],
        }
    ],
}
ANTHROPIC_COSTS = {
    "data": [
        {
            "starting_at": "2026-10-01T00:00:00Z",
            "ending_at": "2026-10-02T00:00:00Z",
            "results": [{"currency": "USD", "amount": "123.45", "description": "Claude Sonnet 4.5 Usage"}],
        }
    ],
    "has_more": False,
}


def _write(path: Path, doc: object, *, lines: bool = False, gz: bool = False) -> Path:
    text = "".join(json.dumps(d) + "\n" for d in doc) if lines else json.dumps(doc, indent=2)  # type: ignore[union-attr]
    data = text.encode("utf-8")
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def test_provider_api_pages_name_the_sync_command(tmp_path: Path) -> None:
    cases = [
        (OPENAI_COSTS, "OpenAI Costs API", "sync openai"),
        (OPENAI_USAGE, "OpenAI Usage API", "sync openai"),
        (ANTHROPIC_COSTS, "Anthropic Admin API cost report", "sync anthropic"),
    ]
    for i, (doc, what, command) in enumerate(cases):
        note = api_report_note(_write(tmp_path / f"p{i}.json", doc, gz=i == 1))
        assert note is not None and what in note and f"`spendscope {command}`" in note, note
        assert belongs_elsewhere(tmp_path / f"p{i}.json", "events") == note


def test_json_records_of_another_importer_name_its_command(tmp_path: Path) -> None:
    gcp = {
        "billing_account_id": "X",
        "service": {"description": "Vertex AI"},
        "cost": 1.5,
        "usage_start_time": "t",
    }
    path = _write(tmp_path / "gcp.jsonl", [gcp, gcp], lines=True)
    assert "`spendscope import gcp`" in (belongs_elsewhere(path, "azure") or "")
    assert belongs_elsewhere(path, "gcp") is None


def test_files_of_no_known_kind_get_no_note(tmp_path: Path) -> None:
    path = _write(tmp_path / "other.json", {"data": [{"x": 1}]})
    assert api_report_note(path) is None
    assert belongs_elsewhere(path, "events") is None
    (tmp_path / "text.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    assert belongs_elsewhere(tmp_path / "text.csv", "focus") is None


def test_bedrock_logs_and_langfuse_exports_given_to_another_importer_name_their_command(
    tmp_path: Path,
) -> None:
    bedrock = {
        "schemaType": "ModelInvocationLog",
        "timestamp": "2026-10-01T10:00:00Z",
        "modelId": "anthropic.claude-3-5-sonnet-20241022-v2:0",
        "input": {"inputTokenCount": 10},
        "output": {"outputTokenCount": 2},
    }
    note = belongs_elsewhere(_write(tmp_path / "logs.jsonl", [bedrock], lines=True), "events")
    assert (
        note is not None and "Amazon Bedrock model invocation log" in note and "import bedrock-logs" in note
    )
    langfuse = {"trace": {"id": "t"}, "observations": [{"type": "GENERATION"}]}
    note = belongs_elsewhere(_write(tmp_path / "export.json", langfuse), "otel")
    assert note is not None and "Langfuse trace export" in note and "import langfuse" in note
    assert belongs_elsewhere(tmp_path / "export.json", "langfuse") is None  # its own importer: nothing to say
    assert unread_note(["ts", "provider"]) is None
