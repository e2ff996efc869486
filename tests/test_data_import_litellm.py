"""`spendscope import litellm`: LiteLLM spend logs -> usage_events.
The fixtures tests/fixtures/telemetry/litellm_spend_logs.{csv,json} were built by us from the documented
fields of LiteLLM's `LiteLLM_SpendLogs` table (schema.prisma) and its SpendLogsMetadata keys: no public
export file exists. Their messages/response columns hold marker text that must never be imported."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from spendscope.data.errors import ImportRejected
from spendscope.data.import_litellm import import_litellm
from spendscope.data.store import Store
from typer.testing import CliRunner

FIXTURES = Path(__file__).parent / "fixtures" / "telemetry"
CSV = FIXTURES / "litellm_spend_logs.csv"
JSON = FIXTURES / "litellm_spend_logs.json"


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


@pytest.mark.parametrize("path", [CSV, JSON], ids=["csv", "json"])
def test_spend_logs_become_events_with_litellm_spend_and_caller_attribution(store: Store, path: Path) -> None:
    result = import_litellm(store, path)
    assert result.rows_inserted == 6
    ev = _events(store)
    gpt = ev["litellm:chatcmpl-9f1a2b3c"]
    assert (gpt["provider"], gpt["model"], gpt["operation"], gpt["status"]) == (
        "openai",
        "gpt-4o-mini",
        "acompletion",
        "ok",
    )
    assert _tokens(gpt) == (2000, 1800, 0, 300, 0)  # prompt 3800 includes 1800 cached
    assert gpt["estimated_cost"] == Decimal("0.00129") and gpt["priced"] is True
    assert (gpt["customer"], gpt["feature"], gpt["team"], gpt["env"], gpt["commit_sha"]) == (
        "acme",
        "query-rewrite",
        "search",
        "prod",
        "4be1d2a",
    )
    assert gpt["latency_ms"] == 2388
    tags = json.loads(gpt["tags"])
    assert tags["key_alias"] == "search-prod" and tags["model_group"] == "gpt-4o-mini"
    claude = ev["litellm:msg_01XFDUDYJgAACzvnptvVoYEL"]
    assert (claude["provider"], claude["model"]) == ("anthropic", "claude-sonnet-4-5")
    assert _tokens(claude) == (600, 6000, 1200, 145, 0)
    assert (claude["customer"], claude["feature"], claude["team"], claude["env"]) == (
        "globex",
        "ticket-summary",
        "support",
        "prod",
    )
    bedrock = ev["litellm:bedrock-3c1d"]
    assert (bedrock["provider"], bedrock["model"], bedrock["team"]) == (
        "aws.bedrock",
        "claude-3-5-haiku",
        "team-c",
    )
    assert ev["litellm:chatcmpl-fail-1"]["status"] == "error"


def test_total_spend_equals_the_files_spend_to_the_cent(store: Store) -> None:
    import_litellm(store, CSV)
    with open(CSV, encoding="utf-8", newline="") as fh:
        expected = sum(Decimal(r["spend"]) for r in csv.DictReader(fh) if r["model"] != "my-private-finetune")
    with store.reader() as con:
        got = con.execute(
            "SELECT sum(estimated_cost) FROM usage_events WHERE model <> 'my-private-finetune'"
        ).fetchall()
    assert got[0][0] == expected


def test_a_zero_spend_for_an_unknown_model_is_reported_unpriced_never_zero(store: Store) -> None:
    result = import_litellm(store, CSV)
    ft = _events(store)["litellm:ft-001"]
    assert ft["estimated_cost"] is None and ft["priced"] is False
    assert any("unpriced" in w and "my-private-finetune" in w for w in result.warnings)


def test_prompt_and_completion_text_are_never_imported(store: Store) -> None:
    import_litellm(store, CSV)
    with store.reader() as con:
        dump = json.dumps([list(map(str, r)) for r in con.execute("SELECT * FROM usage_events").fetchall()])
    assert "SECRET" not in dump


def test_reimport_adds_nothing_and_the_json_export_of_the_same_logs_adds_nothing(store: Store) -> None:
    import_litellm(store, CSV)
    assert import_litellm(store, CSV).status == "duplicate"
    again = import_litellm(store, JSON)
    assert (again.rows_inserted, again.rows_skipped) == (0, 6)
    assert len(_events(store)) == 6


def test_a_bad_token_count_rejects_the_file_naming_row_and_field(store: Store, tmp_path: Path) -> None:
    with open(CSV, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    rows[3][rows[0].index("prompt_tokens")] = "2k"
    bad = tmp_path / "bad.csv"
    with open(bad, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    with pytest.raises(ImportRejected) as err:
        import_litellm(store, bad)
    assert (err.value.details["row"], err.value.details["column"]) == (3, "prompt_tokens")
    assert "row 3, field prompt_tokens: '2k' is not an integer" in err.value.message
    assert _events(store) == {}


def test_a_file_without_the_required_fields_is_rejected(store: Store, tmp_path: Path) -> None:
    other = tmp_path / "other.csv"
    other.write_text("id,cost\n1,2\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as err:
        import_litellm(store, other)
    assert "request_id" in err.value.message and err.value.code == "import_rejected"


def test_cli_import_litellm(tmp_path: Path) -> None:
    from spendscope.cli import app

    out = CliRunner().invoke(app, ["import", "litellm", str(CSV), "--db", str(tmp_path / "c.duckdb")])
    assert out.exit_code == 0, out.output
    assert "6 rows imported" in out.output
