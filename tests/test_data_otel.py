"""OTel GenAI spans: the OTLP/HTTP JSON receiver (real HTTP POSTs on 127.0.0.1) and the file import.
The fixture tests/fixtures/telemetry/otlp_traces.jsonl was built by us from the OpenTelemetry GenAI semantic
conventions (v1.41 attribute names, plus the deprecated gen_ai.system / prompt_tokens spellings): three
ExportTraceServiceRequest lines, the third a resend of the first."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from spendscope.data.errors import ImportRejected
from spendscope.data.otel import import_otel_file, make_server
from spendscope.data.store import Store

FIXTURE = Path(__file__).parent / "fixtures" / "telemetry" / "otlp_traces.jsonl"


def _events(store: Store) -> dict[str, dict[str, Any]]:
    with store.reader() as con:
        cur = con.execute("SELECT * FROM usage_events")
        cols = [d[0] for d in cur.description]
        return {r[0]: dict(zip(cols, r, strict=True)) for r in cur.fetchall()}


def _tokens(e: dict[str, Any]) -> tuple[int, ...]:
    return (
        e["input_tokens"],
        e["cached_input_tokens"],
        e["cache_write_tokens"],
        e["output_tokens"],
        e["reasoning_tokens"],
    )


@pytest.fixture
def receiver(store: Store) -> Iterator[str]:
    server = make_server(store, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _requests() -> list[str]:
    return FIXTURE.read_text(encoding="utf-8").splitlines()


def test_genai_spans_become_usage_events_keyed_by_trace_and_span(store: Store) -> None:
    result = import_otel_file(store, FIXTURE)
    assert result.rows_inserted == 4
    events = _events(store)
    chat = events["5b8efff798038103d269b633813fc60c" + "a000000000000002"]
    assert (chat["provider"], chat["model"], chat["operation"], chat["status"]) == (
        "openai",
        "gpt-4o-mini",
        "chat",
        "ok",
    )
    assert _tokens(chat) == (1000, 200, 0, 180, 0)  # input_tokens include the cache reads in OTel
    assert (chat["customer"], chat["feature"], chat["team"], chat["env"], chat["commit_sha"]) == (
        "acme",
        "triage",
        "support",
        "prod",
        "9f2c1e7",
    )
    assert chat["code_path"] == "bot.handlers:answer" and chat["latency_ms"] == 1500.0
    assert chat["priced"] is True and chat["estimated_cost"] > 0
    claude = events["5b8efff798038103d269b633813fc60c" + "a000000000000003"]
    assert (claude["provider"], claude["model"], _tokens(claude)) == (
        "anthropic",
        "claude-sonnet-4-6",
        (300, 4000, 1000, 120, 0),
    )
    legacy = events["0af7651916cd43dd8448eb211c80319c" + "b000000000000001"]
    assert (legacy["provider"], legacy["model"], legacy["status"], legacy["env"], legacy["customer"]) == (
        "openai",
        "gpt-4o",
        "error",
        "staging",
        "globex",
    )
    assert _tokens(legacy) == (900, 0, 0, 100, 0)


def test_agent_tool_and_plain_http_spans_are_skipped_and_reported(store: Store) -> None:
    result = import_otel_file(store, FIXTURE)
    assert any("spans carry no GenAI model-call usage" in w for w in result.warnings)
    assert not any(e["operation"] == "invoke_agent" for e in _events(store).values())


def test_message_content_attributes_are_never_stored(store: Store) -> None:
    import_otel_file(store, FIXTURE)
    with store.reader() as con:
        dump = json.dumps([list(map(str, r)) for r in con.execute("SELECT * FROM usage_events").fetchall()])
    assert "SECRET" not in dump


def test_reimporting_the_file_adds_nothing(store: Store, tmp_path: Path) -> None:
    import_otel_file(store, FIXTURE)
    assert import_otel_file(store, FIXTURE).status == "duplicate"
    copy = tmp_path / "again.jsonl"
    copy.write_text(_requests()[0] + "\n", encoding="utf-8")  # same spans, different file
    assert import_otel_file(store, copy).rows_inserted == 0
    assert len(_events(store)) == 4


def test_a_non_numeric_token_count_rejects_the_file_naming_request_span_and_attribute(
    store: Store, tmp_path: Path
) -> None:
    bad = (
        _requests()[1]
        .replace('"stringValue": "search"', '"stringValue": "search"')
        .replace('{"intValue": "64"}', '{"stringValue": "sixty-four"}')
    )
    path = tmp_path / "bad.jsonl"
    path.write_text(_requests()[0] + "\n" + bad + "\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as err:
        import_otel_file(store, path)
    assert err.value.code == "import_rejected"
    assert (err.value.details["row"], err.value.details["span"], err.value.details["column"]) == (
        2,
        2,
        "gen_ai.usage.input_tokens",
    )
    assert _events(store) == {}


def test_the_receiver_accepts_a_real_otlp_http_json_post_and_resends_do_not_double_count(
    store: Store, receiver: str
) -> None:
    first, second, resend = _requests()
    with httpx.Client(base_url=receiver) as http:
        headers = {"content-type": "application/json"}
        r1 = http.post("/v1/traces", content=first, headers=headers)
        r2 = http.post(
            "/v1/traces",
            content=gzip.compress(second.encode()),
            headers={**headers, "content-encoding": "gzip"},
        )
        r3 = http.post("/v1/traces", content=resend, headers=headers)
    assert (r1.status_code, r2.status_code, r3.status_code) == (200, 200, 200)
    assert r1.json() == {}
    assert len(_events(store)) == 4


def test_the_receiver_refuses_protobuf_and_malformed_bodies_with_otlp_status_codes(
    store: Store, receiver: str
) -> None:
    with httpx.Client(base_url=receiver) as http:
        proto = http.post(
            "/v1/traces", content=b"\x0a\x00", headers={"content-type": "application/x-protobuf"}
        )
        junk = http.post("/v1/traces", content=b"{not json", headers={"content-type": "application/json"})
        other = http.post("/v1/metrics", content=b"{}", headers={"content-type": "application/json"})
    assert proto.status_code == 415 and "http/json" in proto.json()["message"]
    assert junk.status_code == 400 and "not JSON" in junk.json()["message"]
    assert other.status_code == 404
    assert _events(store) == {}


def test_cli_otel_serves_on_the_given_host_and_port_and_import_otel_reads_files(tmp_path: Path) -> None:
    db = tmp_path / "cli.duckdb"
    proc = subprocess.Popen(
        [sys.executable, "-m", "spendscope", "otel", "--port", "0", "--host", "127.0.0.1", "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert "listening on http://127.0.0.1:" in line, line + proc.stderr.read()
        url = line.split("listening on ")[1].split()[0]
        r = httpx.post(url, content=_requests()[1], headers={"content-type": "application/json"}, timeout=30)
        assert r.status_code == 200
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
    assert len(_events(Store(db))) == 2
    out = subprocess.run(
        [sys.executable, "-m", "spendscope", "import", "otel", str(FIXTURE), "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "2 rows imported, 2 already present" in out.stdout
