"""The MCP server through the real MCP client, in memory: tools generated from the registry, answers equal to the
functions they wrap (and to sums computed independently from the export), errors, write gating, row scopes,
resources, prompts, and the golden file of tool schemas.

Regenerate the golden file on purpose (after adding or changing an operation):
    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_mcp_server.py -k golden
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import duckdb
import pytest
from mcp import Client
from samples import PUBLIC_EXPORT
from spendscope.data.store import Store
from spendscope.mcp_server import Caller, build_server, content
from spendscope.mcp_server.errors import META_KEY
from spendscope.tools.money_text import for_store, with_currency
from spendscope.tools.registry import operations

ROOT = Path(__file__).resolve().parents[1]
EXPORT = PUBLIC_EXPORT  # ../shared/eval/focus_public.csv; the tests using it skip without it
GOLDEN = Path(__file__).parent / "golden" / "mcp_tools.json"
SEARCH = Caller("search-team", can_write=True, row_scope={"team": ("search",)})
READ_ONLY = Caller("auditor", can_write=False)

# Arguments for operations whose input has required fields (the rest are called with a period, or nothing).
EXAMPLES: dict[str, dict[str, Any]] = {
    "list_dimension_values": {"dimension": "provider", "search": "anthropic"},
    "compare_costs": {
        "base": {"period": "2026-09"},
        "current": {"period": "2026-10"},
        "group_by": ["provider"],
    },
    "cost_ratio": {
        "period": "2026-10",
        "numerator": {"filters": [{"dimension": "team", "values": ["search"]}]},
        "denominator": {},
        "scale": 100,
    },
    "explain_change": {"period": "2026-10", "compare_period": "2026-09"},
    "forecast_costs": {"as_of": "2026-11-01", "horizon": 14, "method": "seasonal_naive", "backtest_days": 7},
    "get_showback_report": {"month": "2026-10"},
    "estimate_pr_cost_diff": {"repo": str(ROOT), "base": "HEAD", "head": "HEAD"},
    "show_model_prices": {"model": "claude-sonnet-4-5", "on": "2026-10-01"},
    "diff_model_prices": {"from_date": "2026-03-01", "to_date": "2026-04-01", "model": "claude-sonnet-4-6"},
    "estimate_pr_cost_diff_from_patch": {
        "patch": '--- a/app.py\n+++ b/app.py\n@@ -1 +1 @@\n-MODEL = "gpt-4o"\n+MODEL = "gpt-4o-mini"\n',
        "as_of": "2026-11-01",
    },
}
NEEDS_STATE = {"get_anomaly"}  # answers only once a write has stored something (covered by the write tests)
# Need business metrics, which the eval store lacks (their MCP tools: tests/test_tools_business.py, the demo
# through tests/test_backend_differential.py and the scope table).
NEEDS_STATE |= {"query_business_metrics", "cost_per_business_unit", "detect_unit_anomalies", "profitability"}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def eval_store(focus_public_store: Store) -> Store:
    """The public evaluation export (Aug-Oct 2026, five providers), this test's own copy (conftest)."""
    return focus_public_store


def _export_sum(where: str = "true", group: str | None = None) -> Any:
    """EffectiveCost summed straight from the CSV (independent of the store and the tools)."""
    con = duckdb.connect()
    sel = f"{group}, " if group else ""
    sql = (
        f"SELECT {sel}sum(CAST(EffectiveCost AS DECIMAL(38,10))) FROM read_csv('{EXPORT}', all_varchar=true) "
        f"WHERE {where} {'GROUP BY 1' if group else ''}"
    )
    rows = con.execute(sql).fetchall()
    return {r[0]: float(r[1]) for r in rows} if group else float(rows[0][0])


def _october() -> str:
    return "ChargePeriodStart >= '2026-10-01' AND ChargePeriodStart < '2026-11-01'"


def _error(result: Any) -> str:
    assert result.is_error, result.structured_content
    return result.meta[META_KEY]["code"]


def _tool_dump(tools: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "name": t.name,
            "title": t.title,
            "description": t.description,
            "input_schema": t.input_schema,
            "output_schema": t.output_schema,
            "annotations": t.annotations.model_dump(mode="json", exclude_none=True),
        }
        for t in sorted(tools, key=lambda t: t.name)
    ]


def _arguments(op_name: str, fields: dict[str, Any]) -> dict[str, Any]:
    if op_name in EXAMPLES:
        return dict(EXAMPLES[op_name])
    return {"period": "2026-10"} if "period" in fields else {}


@pytest.mark.anyio
async def test_tool_list_and_schemas_match_the_golden_file(eval_store: Store) -> None:
    async with Client(build_server(eval_store, allow_writes=True)) as client:
        dump = _tool_dump((await client.list_tools()).tools)
    text = json.dumps(dump, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(text, encoding="utf-8")
    assert GOLDEN.exists(), "no golden file yet: run with UPDATE_GOLDEN=1"
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert [t["name"] for t in dump] == [t["name"] for t in golden], (
        "tool list changed: UPDATE_GOLDEN=1 on purpose"
    )
    assert dump == golden, "tool schemas changed: regenerate with UPDATE_GOLDEN=1 on purpose"


@pytest.mark.anyio
async def test_every_registry_operation_is_a_tool_and_writes_only_with_allow_writes(
    eval_store: Store,
) -> None:
    ops = operations()
    async with Client(build_server(eval_store)) as client:
        read_only = {t.name for t in (await client.list_tools()).tools}
    async with Client(build_server(eval_store, allow_writes=True)) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    assert read_only == {op.name for op in ops if not op.writes} | {"run_sql"}
    assert set(tools) == {op.name for op in ops} | {"run_sql"}
    for op in ops:
        assert tools[op.name].annotations.read_only_hint is (not op.writes)
        assert tools[op.name].output_schema is not None, op.name
        assert ("chart" in tools[op.name].input_schema["properties"]) is op.chart


@pytest.mark.anyio
async def test_every_tool_parameter_has_a_description(eval_store: Store) -> None:
    async with Client(build_server(eval_store, allow_writes=True)) as client:
        tools = (await client.list_tools()).tools
    missing = []
    for t in tools:
        schemas = {
            t.name: t.input_schema,
            **{f"{t.name}.{k}": v for k, v in t.input_schema.get("$defs", {}).items()},
        }
        for where, schema in schemas.items():
            for prop, spec in schema.get("properties", {}).items():
                if not spec.get("description"):
                    missing.append(f"{where}.{prop}")
    assert missing == [], f"describe with Field(description=...) in the input models: {', '.join(missing)}"


@pytest.mark.anyio
@pytest.mark.parametrize(
    "op", [op for op in operations() if not op.writes and op.name not in NEEDS_STATE], ids=lambda op: op.name
)
async def test_every_read_tool_answers_like_the_operation_it_wraps(eval_store: Store, op: Any) -> None:
    if op.name == "estimate_pr_cost_diff" and not (ROOT / ".git").exists():
        pytest.skip("needs the project's git repository")
    arguments = _arguments(op.name, op.input_model.model_fields)
    with for_store(eval_store):  # the entry point names the bill's currency in a result with money
        direct = with_currency(op.func(eval_store, op.input_model.model_validate(arguments)))
    direct = direct.model_dump(mode="json")
    async with Client(build_server(eval_store, allow_writes=True)) as client:
        result = await client.call_tool(op.name, arguments)
    assert not result.is_error, result.content[0].text
    assert _same(result.structured_content, direct)
    text = result.content[0].text
    if len(json.dumps(direct, separators=(",", ":"))) <= content.TEXT_LIMIT:  # small: the text is the JSON
        assert _same(json.loads(text), direct)
    else:  # large: sent once, as structured content, beside a short summary
        assert len(text) <= content.TEXT_LIMIT and "structured content" in text


def _same(a: Any, b: Any) -> bool:
    """Equal, except that timestamps taken at call time (e.g. a result's own `as_of`) may differ by seconds."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if a != b and isinstance(a, str) and isinstance(b, str) and "T" in a and "T" in b:
        try:
            apart = abs(dt.datetime.fromisoformat(a) - dt.datetime.fromisoformat(b))
        except ValueError:
            return False
        return apart < dt.timedelta(seconds=60)
    return a == b


@pytest.mark.anyio
async def test_cost_breakdown_matches_sums_taken_straight_from_the_export(eval_store: Store) -> None:
    expected = _export_sum(_october(), group="ProviderName")
    async with Client(build_server(eval_store)) as client:
        result = await client.call_tool("query_costs", {"period": "2026-10", "group_by": ["provider"]})
    got = {row["group"]["provider"]: row["value"] for row in result.structured_content["rows"]}
    assert got == pytest.approx(expected, abs=1e-6)
    assert result.structured_content["total"] == pytest.approx(sum(expected.values()), abs=1e-6)


@pytest.mark.anyio
async def test_run_sql_returns_rows_within_its_cap(eval_store: Store) -> None:
    async with Client(build_server(eval_store)) as client:
        total = await client.call_tool("run_sql", {"sql": "SELECT sum(EffectiveCost) AS c FROM costs"})
        capped = await client.call_tool("run_sql", {"sql": "SELECT * FROM cost_lines", "limit": 7})
    assert total.structured_content["columns"] == ["c"]
    assert total.structured_content["rows"][0][0] == pytest.approx(_export_sum(), abs=1e-6)
    assert capped.structured_content["row_count"] == 7
    assert capped.structured_content["truncated"] is True


@pytest.mark.anyio
async def test_chart_argument_adds_a_png_beside_the_data(eval_store: Store) -> None:
    args = {"period": "2026-10", "group_by": ["provider"]}
    async with Client(build_server(eval_store)) as client:
        plain = await client.call_tool("query_costs", args)
        drawn = await client.call_tool("query_costs", {**args, "chart": True})
    assert [c.type for c in plain.content] == ["text"]
    assert [c.type for c in drawn.content] == ["text", "image"]
    assert drawn.content[1].mime_type == "image/png"
    assert base64.b64decode(drawn.content[1].data)[:8] == b"\x89PNG\r\n\x1a\n"
    assert drawn.structured_content == plain.structured_content


@pytest.mark.anyio
async def test_errors_are_mcp_errors_with_a_code_and_a_clear_message(
    eval_store: Store, tmp_path: Path
) -> None:
    async with Client(build_server(eval_store)) as client:
        period = await client.call_tool("query_costs", {"period": "the day after never"})
        args = await client.call_tool("query_costs", {"top": 0, "group_bye": ["provider"]})
        dim = await client.call_tool("query_costs", {"period": "2026-10", "group_by": ["colour"]})
        refused = await client.call_tool("run_sql", {"sql": "DELETE FROM costs"})
        failed = await client.call_tool("run_sql", {"sql": "SELECT no_such_column FROM costs"})
    async with Client(build_server(Store(tmp_path / "nothing-here.duckdb"))) as client:
        missing = await client.call_tool("query_costs", {})
    assert _error(period) == "invalid_period"
    assert _error(args) == "invalid_argument"
    assert "top:" in args.content[0].text and "group_bye: unknown argument; accepted:" in args.content[0].text
    assert _error(dim) == "unknown_dimension" and "list_dimensions" in dim.content[0].text
    assert _error(refused) == "query_refused"
    assert _error(failed) == "query_failed"
    assert _error(missing) == "store_missing"
    for r in (period, args, dim, refused, failed, missing):
        text = r.content[0].text
        assert "Traceback" not in text and "pydantic" not in text and "FROM costs" not in text


@pytest.mark.anyio
async def test_legacy_handshake_clients_get_the_same_tools_and_answers(eval_store: Store) -> None:
    server = build_server(eval_store)
    args = {"period": "2026-10", "group_by": ["provider"]}
    async with Client(server) as modern, Client(server, mode="legacy") as legacy:
        assert legacy.protocol_version != modern.protocol_version
        assert [t.name for t in (await legacy.list_tools()).tools] == [
            t.name for t in (await modern.list_tools()).tools
        ]
        old = await legacy.call_tool("query_costs", args)
        new = await modern.call_tool("query_costs", args)
    assert old.structured_content == new.structured_content


@pytest.mark.anyio
async def test_read_only_caller_sees_no_write_tools_and_cannot_call_them(eval_store: Store) -> None:
    writes = sorted(op.name for op in operations() if op.writes)
    assert writes, "the registry has write operations"
    async with Client(build_server(eval_store, allow_writes=True, local_caller=READ_ONLY)) as client:
        listed = {t.name for t in (await client.list_tools()).tools}
        result = await client.call_tool("rollback_allocation_rules", {"version": 0})
        history = await client.call_tool("list_allocation_rule_versions", {})
    assert listed.isdisjoint(writes)
    assert _error(result) == "permission_denied"
    assert history.structured_content["versions"] == []


@pytest.mark.anyio
async def test_write_tool_changes_the_store_and_records_the_caller(eval_store: Store) -> None:
    store = eval_store
    rules = "tags:\n  team:\n    - when: {SubAccountName: search-prod}\n      value: search\n    - copy: Tags.team\n"
    async with Client(
        build_server(store, allow_writes=True, local_caller=Caller("alice", can_write=True))
    ) as c:
        applied = await c.call_tool("apply_allocation_rules", {"document": rules})
        history = await c.call_tool("list_allocation_rule_versions", {})
        tags = await c.read_resource("spendscope://virtual-tags")
    assert applied.structured_content["status"] == "applied"
    assert history.structured_content["versions"][0]["author"] == "mcp:alice"
    assert [t["key"] for t in json.loads(tags.contents[0].text)["tags"]] == ["team"]


@pytest.mark.anyio
async def test_row_scoped_caller_sees_only_its_rows_in_every_tool_and_in_run_sql(eval_store: Store) -> None:
    search_oct = _export_sum(f"{_october()} AND json_extract_string(Tags, '$.team') = 'search'")
    async with Client(build_server(eval_store, allow_writes=True, local_caller=SEARCH)) as client:
        listed = {t.name for t in (await client.list_tools()).tools}
        by_team = await client.call_tool("query_costs", {"period": "2026-10", "group_by": ["team"]})
        spoof = await client.call_tool(
            "query_costs",
            {"period": "2026-10", "filters": [{"dimension": "team", "op": "not", "values": ["search"]}]},
        )
        sql = await client.call_tool(
            "run_sql",
            {
                "sql": "SELECT json_extract_string(Tags, '$.team') AS team, "
                "sum(EffectiveCost) AS c FROM costs "
                f"WHERE {_october()} OR 1 = 1 GROUP BY 1"
            },
        )
        joined = await client.call_tool(
            "run_sql", {"sql": "SELECT count(*) FROM cost_lines a JOIN costs b ON a.x_RowHash = b.x_RowHash"}
        )
        view = await client.call_tool("run_sql", {"sql": "SELECT sum(EffectiveCost) FROM daily_costs"})
        shadow = await client.call_tool(
            "run_sql", {"sql": "WITH costs AS (SELECT * FROM costs) SELECT count(*) FROM costs"}
        )
        cast = await client.call_tool(
            "run_sql",
            {"sql": "SELECT count(*) FROM costs WHERE CAST(json_extract_string(Tags, '$.team') AS INT) = 1"},
        )
        values = await client.call_tool("list_dimension_values", {"dimension": "team"})
        write = await client.call_tool("rollback_allocation_rules", {"version": 0})
    assert [r["group"] for r in by_team.structured_content["rows"]] == [{"team": "search"}]
    assert by_team.structured_content["total"] == pytest.approx(search_oct, abs=1e-6)
    # excluding its own rows leaves nothing it may see: an error naming the scope, not a company-looking 0
    assert _error(spoof) == "invalid_argument" and "team=search" in spoof.content[0].text
    assert sql.structured_content["row_scope"] == "team=search"
    assert [r[0] for r in sql.structured_content["rows"]] == ["search"]
    search_rows = (
        duckdb.connect()
        .execute(
            f"SELECT count(*) FROM read_csv('{EXPORT}', all_varchar=true) WHERE json_extract_string(Tags, '$.team') = "
            "'search'"
        )
        .fetchall()[0][0]
    )
    assert joined.structured_content["rows"] == [[search_rows]]
    assert _error(view) == "query_refused" and "queryable:" in view.content[0].text
    assert _error(shadow) == "query_refused"
    assert (
        _error(cast) == "query_failed" and "convert" not in cast.content[0].text
    )  # it could quote other teams
    assert _error(values) == "permission_denied"
    assert _error(write) == "permission_denied"
    assert "list_dimension_values" not in listed and "rollback_allocation_rules" not in listed
    assert {"query_costs", "list_dimensions", "run_sql"} <= listed


@pytest.mark.anyio
async def test_resources_state_the_conventions_and_the_queryable_schema(eval_store: Store) -> None:
    async with Client(build_server(eval_store)) as client:
        uris = {str(r.uri) for r in (await client.list_resources()).resources}
        conventions = (await client.read_resource("spendscope://conventions")).contents[0].text
        schema = (await client.read_resource("spendscope://schema")).contents[0].text
    assert {"spendscope://conventions", "spendscope://schema", "spendscope://virtual-tags"} <= uris
    assert "EffectiveCost" in conventions and "`team`" not in conventions.split("## Dimensions")[0]
    assert "- `provider`:" in conventions and "- `input_tokens`:" in conventions
    assert "CREATE TABLE IF NOT EXISTS costs" in schema and "CREATE OR REPLACE VIEW daily_costs" in schema
    assert "CREATE TABLE IF NOT EXISTS _anomaly_runs" not in schema and "schema_migrations (" not in schema


@pytest.mark.anyio
async def test_prompts_walk_through_a_review_and_an_investigation_with_tools_that_exist(
    eval_store: Store,
) -> None:
    optional = [name for name, _ in (*content.REVIEW_STEPS, *content.ANOMALY_STEPS)] + list(
        content.ANOMALY_WRITES
    )
    assert set(optional) <= {op.name for op in operations()} | {"run_sql"}, (
        "a prompt names a tool that is gone"
    )
    async with Client(build_server(eval_store)) as client:
        names = {p.name for p in (await client.list_prompts()).prompts}
        review = (
            (await client.get_prompt("monthly_cost_review", {"month": "October 2026"}))
            .messages[0]
            .content.text
        )
        anomaly = (
            (await client.get_prompt("investigate_anomaly", {"anomaly": "an-123"})).messages[0].content.text
        )
        tools = {t.name for t in (await client.list_tools()).tools}
    assert names == {"monthly_cost_review", "investigate_anomaly"}
    assert "October 2026" in review and "query_costs" in review and "an-123" in anomaly
    assert "explain_change" in review and "explain_change" in anomaly
    assert (
        "update_anomaly" not in tools and "update_anomaly" not in anomaly
    )  # no write tools without allow_writes
    assert {n for n in optional if n in review + anomaly} <= tools


@pytest.mark.anyio
async def test_remote_callers_cannot_make_the_server_read_its_own_files(eval_store: Store) -> None:
    remote = Caller("ci-bot", remote=True)
    async with Client(build_server(eval_store, local_caller=remote)) as client:
        listed = {t.name for t in (await client.list_tools()).tools}
        result = await client.call_tool(
            "estimate_pr_cost_diff", {"repo": "/", "base": "HEAD", "head": "HEAD"}
        )
    assert "estimate_pr_cost_diff" not in listed
    assert _error(result) == "permission_denied"


@pytest.mark.anyio
async def test_a_prompt_without_its_required_argument_is_invalid_params(eval_store: Store) -> None:
    from mcp.shared.exceptions import MCPError
    from mcp_types import INVALID_PARAMS

    async with Client(build_server(eval_store)) as client:
        with pytest.raises(MCPError) as missing:
            await client.get_prompt("investigate_anomaly", {})
        with pytest.raises(MCPError) as unknown:
            await client.get_prompt("no_such_prompt", {})
        with pytest.raises(MCPError) as extra:
            await client.get_prompt("monthly_cost_review", {"mnth": "October"})
    assert missing.value.code == unknown.value.code == extra.value.code == INVALID_PARAMS
    assert "anomaly" in missing.value.message


@pytest.mark.anyio
async def test_the_server_reports_the_installed_version(eval_store: Store) -> None:
    from importlib.metadata import version

    async with Client(build_server(eval_store)) as client:
        info = client.server_info
    assert info is not None and info.version == version("spendscope") != ""


@pytest.mark.anyio
async def test_unknown_keys_inside_a_filter_are_refused_not_dropped(eval_store: Store) -> None:
    bad = {"dimension": "provider", "values": ["OpenAI"], "bogus": 1}
    async with Client(build_server(eval_store)) as client:
        result = await client.call_tool("query_costs", {"period": "2026-10", "filters": [bad]})
        nested = await client.call_tool(
            "cost_ratio",
            {"period": "2026-10", "numerator": {"filters": [], "colour": "red"}, "denominator": {}},
        )
    assert _error(result) == "invalid_argument" and "filters[0].bogus" in result.content[0].text
    assert _error(nested) == "invalid_argument" and "numerator.colour" in nested.content[0].text


@pytest.mark.anyio
async def test_write_tools_say_whether_they_are_destructive_and_idempotent(eval_store: Store) -> None:
    async with Client(build_server(eval_store, allow_writes=True)) as client:
        tools = (await client.list_tools()).tools
    writes = [t for t in tools if not t.annotations.read_only_hint]
    assert {t.name for t in writes} == {op.name for op in operations() if op.writes}
    for t in writes:
        assert t.annotations.destructive_hint is not None and t.annotations.idempotent_hint is not None, (
            t.name
        )
    by_name = {t.name: t.annotations for t in writes}
    assert by_name["remove_budget"].destructive_hint and not by_name["update_anomaly"].destructive_hint
    for t in tools:  # docstrings arrive dedented
        assert "\n    " not in (t.description or ""), t.name


@pytest.mark.anyio
async def test_a_large_result_is_sent_once_as_structured_content_beside_a_short_text(
    eval_store: Store,
) -> None:
    async with Client(build_server(eval_store)) as client:
        result = await client.call_tool("run_sql", {"sql": "SELECT * FROM costs", "limit": 2000})
    assert not result.is_error
    assert result.structured_content["row_count"] == 2000
    (text,) = [c.text for c in result.content if c.type == "text"]
    assert len(text) <= content.TEXT_LIMIT and "row_count=2000" in text and "rows: 2000 items" in text


@pytest.mark.anyio
async def test_a_team_token_is_offered_budgets_anomalies_savings_gpus_and_commitments(
    eval_store: Store,
) -> None:
    async with Client(build_server(eval_store, allow_writes=True, local_caller=SEARCH)) as client:
        listed = {t.name for t in (await client.list_tools()).tools}
    wanted = {
        "budget_status",
        "list_budgets",
        "list_anomalies",
        "get_anomaly",
        "savings_recommendations",
        "gpu_utilization",
        "commitment_utilization",
        "query_costs",
        "run_sql",
    }
    assert wanted <= listed
    assert not {op.name for op in operations() if op.writes} & listed
