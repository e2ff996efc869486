"""`spendscope import langfuse`: Langfuse trace exports -> usage_events, through the CLI in process.

The real export (../shared/samples/real/langfuse_export_microsoft-agent-2025-10-14.json, from langfuse/langfuse's
seeder; MANIFEST.md: 4 observations, 2 GENERATIONs of gpt-4o, input 656, output 105 tokens, Langfuse cost
0.0026899999) is read from ../shared and skipped without it. The other fixtures were written by us from Langfuse's
observation schema (ObservationsView: usageDetails, costDetails, calculatedTotalCost, the legacy usage object):
tests/fixtures/telemetry/langfuse_trace_api.json is a trace as GET /api/public/traces/{id} returns it (observations
inline), langfuse_observations_page.json a page of GET /api/public/observations. Their input/output fields hold
marker text that must never be imported."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from samples import SAMPLES, shared_file
from spendscope.data.errors import ImportRejected
from spendscope.data.store import Store
from typer.testing import CliRunner

from spendscope.cli import app

FIXTURES = Path(__file__).parent / "fixtures" / "telemetry"
TRACE_API = FIXTURES / "langfuse_trace_api.json"
PAGE = FIXTURES / "langfuse_observations_page.json"
REAL = SAMPLES / "real" / "langfuse_export_microsoft-agent-2025-10-14.json"


def _import(store: Store, *files: Path) -> Any:
    """`spendscope import langfuse FILE... --json` in this process; the import results (or the error raised)."""
    out = CliRunner().invoke(app, ["import", "langfuse", *map(str, files), "--db", str(store.path), "--json"])
    if out.exception is not None and not isinstance(out.exception, SystemExit):
        raise out.exception
    assert out.exit_code == 0, out.output
    return json.loads(out.stdout)


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


def test_the_real_langfuse_export_gives_the_manifest_figures(store: Store) -> None:
    [result] = _import(store, shared_file(REAL))
    ev = _events(store)
    assert result["rows_inserted"] == 2 and len(ev) == 2  # the 2 GENERATIONs; not the AGENT, not the TOOL
    assert {e["model"] for e in ev.values()} == {"gpt-4o"} and {e["provider"] for e in ev.values()} == {
        "openai"
    }
    assert sum(e["input_tokens"] for e in ev.values()) == 656
    assert sum(e["output_tokens"] for e in ev.values()) == 105
    # Langfuse's cost is the reported cost (and the one used); the store keeps 10 decimals, so Langfuse's
    # 0.0019275 + 0.000762499999 is 0.0026899999(99): 0.0026899999 to the 10th decimal, rounded up by one unit
    reported = sum(e["reported_cost"] for e in ev.values())
    assert abs(reported - Decimal("0.0026899999")) <= Decimal("0.0000000001")
    assert all(
        e["cost_source"] == "reported" and e["estimated_cost"] == e["reported_cost"] for e in ev.values()
    )
    assert all(e["catalog_cost"] is not None for e in ev.values())  # the catalog's price beside it
    assert any("1 AGENT" in w for w in result["warnings"]) and any("1 TOOL" in w for w in result["warnings"])


def test_a_trace_with_its_observations_maps_usage_cost_and_attribution(store: Store) -> None:
    [result] = _import(store, TRACE_API)
    ev = _events(store)
    assert set(ev) == {"langfuse:obs-gen-claude", "langfuse:obs-gen-private"}
    claude = ev["langfuse:obs-gen-claude"]
    assert (claude["provider"], claude["model"], claude["status"]) == ("anthropic", "claude-sonnet-4-5", "ok")
    assert _tokens(claude) == (1200, 2000, 0, 400, 0)  # Langfuse's input already excludes the cache reads
    assert claude["reported_cost"] == Decimal("0.0102") and claude["latency_ms"] == 3500
    # trace user -> customer; key:value tags -> feature/team; environment -> env; metadata commit -> commit_sha
    assert (claude["customer"], claude["feature"], claude["team"], claude["env"], claude["commit_sha"]) == (
        "user-4411",
        "search",
        "core",
        "production",
        "a1b2c3d",
    )
    tags = json.loads(claude["tags"])
    assert (tags["trace_id"], tags["session_id"], tags["trace_name"], tags["release"]) == (
        "tr-7d1e0c2a",
        "sess-91",
        "answer-question",
        "v2.14.0",
    )
    assert "beta" in tags["langfuse_tags"]
    # Langfuse's 0 for a model it could not price is no cost: the event is unpriced and reported, never $0
    private = ev["langfuse:obs-gen-private"]
    assert (
        private["reported_cost"] is None and private["estimated_cost"] is None and private["priced"] is False
    )
    assert private["status"] == "error"
    assert any("acme-private-reranker" in w for w in result["warnings"])
    assert any("1 CHAIN" in w for w in result["warnings"])  # its usage sums the generations below it
    assert any("1 EVENT, 1 SPAN" in w for w in result["warnings"])
    assert "MARKER" not in json.dumps([list(map(str, e.values())) for e in ev.values()])


def test_an_observations_api_page_reads_openai_details_and_prices_what_langfuse_did_not(store: Store) -> None:
    _import(store, PAGE)
    ev = _events(store)
    mini = ev["langfuse:obs-oai-1"]
    assert (mini["model"], _tokens(mini)) == ("gpt-4o-mini", (1000, 3000, 0, 200, 0))
    assert mini["reported_cost"] == Decimal("0.000495") and (mini["customer"], mini["env"]) == (
        "acme",
        "staging",
    )
    o3 = ev["langfuse:obs-oai-2"]
    assert _tokens(o3) == (500, 0, 0, 300, 1200)
    # no Langfuse cost: the catalog's (o3-mini $1.10 / $4.40 per million, reasoning at the output price)
    assert o3["reported_cost"] is None and o3["cost_source"] == "catalog"
    assert o3["estimated_cost"] == Decimal("0.00715")
    emb = ev["langfuse:obs-emb-1"]  # an EMBEDDING with the legacy usage object
    assert (emb["operation"], emb["input_tokens"]) == ("embedding", 8000)


def test_every_shape_langfuse_produces_gives_the_same_events(store: Store, tmp_path: Path) -> None:
    trace = json.loads(TRACE_API.read_text(encoding="utf-8"))
    page = json.loads(PAGE.read_text(encoding="utf-8"))
    export = {
        "trace": {k: v for k, v in trace.items() if k != "observations"},
        "observations": trace["observations"],
    }
    shapes = {
        "traces.json": json.dumps([export, trace]),  # a list of trace exports / traces (the same trace twice)
        "observations.json": json.dumps(page["data"]),  # a list of observations
        "observations.jsonl": "\n".join(json.dumps(o) for o in page["data"]) + "\n",
        "pages.jsonl": json.dumps(page) + "\n",
    }
    expected = {"langfuse:obs-gen-claude", "langfuse:obs-gen-private"}
    for name, text in shapes.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        _import(store, path)
        expected |= (
            {f"langfuse:{o['id']}" for o in page["data"]}
            if "observations" in name or "pages" in name
            else set()
        )
        assert set(_events(store)) == expected, name
    gz = tmp_path / "trace.json.gz"
    gz.write_bytes(gzip.compress(json.dumps(export).encode("utf-8")))
    [again] = _import(store, gz)
    assert again["rows_inserted"] == 0  # the same observations from another file: counted once


def test_an_input_that_still_holds_its_cache_reads_is_told_by_the_total(store: Store, tmp_path: Path) -> None:
    observation = {
        "id": "o-incl",
        "type": "GENERATION",
        "startTime": "2026-11-05T12:00:00Z",
        "model": "gpt-4o-mini",
        # input 5,000 of which 4,000 cached; output 100 of which 40 reasoning: total is input + output
        "usageDetails": {
            "input": 5000,
            "input_cached_tokens": 4000,
            "output": 100,
            "output_reasoning_tokens": 40,
            "total": 5100,
        },
    }
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(observation) + "\n", encoding="utf-8")
    _import(store, path)
    assert _tokens(_events(store)["langfuse:o-incl"]) == (1000, 4000, 0, 60, 40)


def test_reimporting_the_same_file_adds_nothing(store: Store) -> None:
    [first] = _import(store, TRACE_API)
    [second] = _import(store, TRACE_API)
    assert first["rows_inserted"] == 2 and second["status"] == "duplicate"
    assert len(_events(store)) == 2


@pytest.mark.parametrize(
    ("document", "column"),
    [
        (
            {
                "data": [
                    {
                        "id": "o1",
                        "type": "GENERATION",
                        "startTime": "2026-11-05T12:00:00Z",
                        "usageDetails": {"input": -5, "output": 1},
                    }
                ]
            },
            "usageDetails.input",
        ),
        (
            {
                "data": [
                    {
                        "id": "o1",
                        "type": "GENERATION",
                        "startTime": "2026-11-05T12:00:00Z",
                        "usageDetails": {"input": "many", "output": 1},
                    }
                ]
            },
            "usageDetails.input",
        ),
        (
            {
                "data": [
                    {
                        "id": "o1",
                        "type": "GENERATION",
                        "startTime": "next tuesday",
                        "usageDetails": {"input": 5, "output": 1},
                    }
                ]
            },
            "startTime",
        ),
        (
            {
                "data": [
                    {
                        "id": "o1",
                        "type": "GENERATION",
                        "startTime": "2026-11-05T12:00:00Z",
                        "usageDetails": {"input": 5},
                        "costDetails": {"total": "lots"},
                    }
                ]
            },
            "costDetails.total",
        ),
    ],
    ids=["negative-count", "text-count", "bad-time", "bad-cost"],
)
def test_a_bad_observation_rejects_the_whole_file_naming_record_and_field(
    store: Store, tmp_path: Path, document: dict[str, Any], column: str
) -> None:
    page = json.loads(PAGE.read_text(encoding="utf-8"))
    page["data"] += document["data"]  # good observations first: all or nothing
    path = tmp_path / "page.json"
    path.write_text(json.dumps(page), encoding="utf-8")
    with pytest.raises(ImportRejected) as err:
        _import(store, path)
    assert err.value.code == "import_rejected"
    assert (
        err.value.details["column"] == column and err.value.details["record"] == "the document, data item 4"
    )
    assert err.value.details["file"] == str(path)
    assert _events(store) == {}


def test_files_that_are_not_langfuse_exports_are_refused_saying_what_was_found(
    store: Store, tmp_path: Path
) -> None:
    bad_line = tmp_path / "obs.jsonl"
    bad_line.write_text(
        '{"id": "o1", "type": "SPAN", "startTime": "2026-11-05T12:00:00Z"}\n{not json\n', "utf-8"
    )
    ids_only = tmp_path / "traces.json"
    ids_only.write_text(json.dumps({"data": [{"id": "t1", "observations": ["o1", "o2"]}]}), "utf-8")
    other = tmp_path / "other.json"
    other.write_text(json.dumps([{"ts": "2026-11-05", "provider": "openai"}]), "utf-8")
    for path, detail in ((bad_line, ("row", 2)), (ids_only, None), (other, None)):
        with pytest.raises(ImportRejected) as err:
            _import(store, path)
        assert err.value.code == "import_rejected" and err.value.details["file"] == str(path)
        if detail:
            assert err.value.details[detail[0]] == detail[1]
    assert _events(store) == {}
