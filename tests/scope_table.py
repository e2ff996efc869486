"""The table of every registry operation x {unscoped, scoped} caller x {CLI, MCP, Billy, Slack}
(tests/test_scope_table_scoped.py, tests/test_scope_table_unscoped.py): a scoped caller either gets only
in-scope figures or is refused; never a company-wide answer.

"In-scope figures" are checked against an independent oracle (tests/scope_oracle.py): the same operation, run
unscoped on a copy of the store from which every row outside the scope was deleted. The table is built from the
registry, so a new operation is in it the moment it is registered (and fails here until it has an example input
when it needs one).

Surfaces:
- CLI: `spendscope [--view-as team=search] tools call OPERATION ARGS --db ...` (the local user, or a read-only
  caller limited to team search);
- MCP: the real MCP client against the server, its caller a bearer token's (team search, with write scope, so a
  refusal of a write is about the row scope, not the permission);
- Billy: agents.billy.ask(..., caller=...) with a scripted Messages API that calls the operation as its tool;
- Slack: a signed /spend request from a user the access file limits to team search, answered by Billy with the
  same scripted tool call.
Billy and Slack show the tool result Billy fed back to the model; Billy never runs writes (they are not its tools).
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fake_messages_api import FakeMessagesAPI, tool_use_reply
from fake_slack_api import FORM, SECRET, FakeSlack, build, make_settings, signed_request, slash_body
from scope_oracle import trimmed_copy
from spendscope.data.errors import SpendscopeError
from spendscope.data.store import Store
from spendscope.tools.access import LOCAL, Caller
from spendscope.tools.invoke import invoke
from spendscope.tools.registry import Operation

ROOT = Path(__file__).resolve().parents[1]
SCOPE = {"team": ("search",)}
SCOPED = Caller("search-token", can_write=True, row_scope=SCOPE)
UNSCOPED = Caller("admin-token", can_write=True)
ANOMALY = "{anomaly}"  # replaced by a stored anomaly's id
RULES = "tags:\n  - key: cost_center\n    rules:\n      - value: cc-1\n        when: {provider: OpenAI}\n"
OUTSIDE_BUDGET = "all openai"  # a budget over every team: outside team search
PATCH = (
    "diff --git a/app.py b/app.py\nnew file mode 100644\n--- /dev/null\n+++ b/app.py\n@@ -0,0 +1,4 @@\n"
    "+from openai import OpenAI\n+client = OpenAI()\n+def answer(q):\n"
    '+    return client.chat.completions.create(model="gpt-4.1-mini", messages=[{"role": "user", "content": q}])\n'
)

# Example input of every operation that needs one (the rest run on their defaults). Small results: Billy feeds
# at most 24,000 characters of a result back to the model.
EXAMPLES: dict[str, dict[str, Any]] = {
    "apply_allocation_rules": {"document": RULES, "author": "test"},
    "attribute_costs_to_customers": {"period": "2026-10", "top": 3},
    "average_cost": {"period": "2026-10"},
    "budget_status": {"as_of": "2026-10-20"},
    "check_budgets": {"as_of": "2026-10-20"},
    "commitment_utilization": {"period": "2026-10"},
    "compare_costs": {
        "base": {"period": "2026-09"},
        "current": {"period": "2026-10"},
        "group_by": ["provider"],
        "top": 3,
    },
    "cost_ratio": {
        "period": "2026-10",
        "numerator": {"filters": [{"dimension": "provider", "values": ["OpenAI"]}]},
        "denominator": {},
    },
    "compare_model_costs": {"period": "2026-10"},
    "detect_anomalies": {"days": 7, "dry_run": True, "root_cause": False},
    "diff_model_prices": {"from_date": "2026-09-01", "to_date": "2026-10-15"},
    "dimension_catalog": {"limit_per_dimension": 3},
    "estimate_pr_cost_diff": {"repo": str(ROOT), "base": "HEAD", "head": "HEAD"},
    "estimate_pr_cost_diff_from_patch": {"patch": PATCH, "as_of": "2026-10-31"},
    "explain_change": {
        "period": "2026-10",
        "compare_period": "2026-09",
        "dimensions": ["provider"],
        "top": 3,
    },
    "forecast_costs": {"as_of": "2026-11-01", "horizon": 7, "method": "seasonal_naive", "backtest_days": 7},
    "get_allocation_coverage": {"period": "2026-10", "top": 2},
    "get_anomaly": {"anomaly_id": ANOMALY},
    "get_assistant_costs": {"period": "2026-10", "top": 5},
    "get_shared_cost_allocation": {"period": "2026-10"},
    "get_showback_report": {"month": "2026-10", "drivers": 1},
    "get_token_usage": {"period": "2026-10", "top": 5},
    "gpu_utilization": {"period": "2026-10"},
    "list_anomalies": {"limit": 3},
    "list_assistant_seats": {"as_of": "2026-11-01"},
    "list_dimension_values": {"dimension": "provider"},
    "list_new_commits": {"period": "2026-10", "limit": 3},
    "list_sources": {"as_of": "2026-11-01T00:00:00Z"},
    "query_costs": {"period": "2026-10", "group_by": ["provider"]},
    "reassign_anomaly": {"anomaly_id": ANOMALY, "assignee": "U0SOMEONE1"},
    "reconcile_estimates": {"period": "2026-10", "grain": "month"},
    "remove_budget": {"name": OUTSIDE_BUDGET},
    "remove_owner": {"key": "team", "value": "search"},
    "reprice_telemetry": {"since": "2026-10-01", "dry_run": True},
    "review_allocation_suggestions": {"approve": "1"},
    "rollback_allocation_rules": {"version": 0},
    "savings_recommendations": {"as_of": "2026-11-01", "top": 3},
    "scan_anomalies": {"days": 7, "root_cause": False},
    "set_budget": {"name": "new one", "amount": 10},
    "set_owner": {"key": "team", "value": "search", "slack_channel": "#search"},
    "show_model_prices": {"model": "claude-sonnet-4-5", "on": "2026-10-01"},
    "snooze_anomaly": {"anomaly_id": ANOMALY, "hours": 1},
    "suggest_allocation_rules": {"period": "2026-10", "limit": 3},
    "top_usage": {"period": "2026-10", "top": 3},
    "unit_costs": {"period": "2026-10"},
    "update_anomaly": {"anomaly_id": ANOMALY, "action": "acknowledge"},
    "query_business_metrics": {"period": "2026-10", "metric": "tickets_resolved"},
    "cost_per_business_unit": {"period": "2026-10", "metric": "tickets_resolved"},
    "profitability": {"period": "2026-10", "top": 3, "trend_months": 1},
    "detect_unit_anomalies": {"metric": "tickets_resolved", "as_of": "2026-11-01", "days": 7},
    "unit_budget_status": {"as_of": "2026-11-01"},
    "business_alerts": {"as_of": "2026-11-01"},
    "set_margin_floor": {"name": "search margin", "by": "team", "floor_pct": 10},
    "set_unit_budget": {"name": "search per ticket", "metric": "tickets_resolved", "amount": 1},
    "remove_business_target": {"name": "customer-margin", "kind": "margin_floor"},
}


@pytest.fixture(scope="module", name="master")
def master_fixture(demo_store: Store, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The demo store with budgets (one for team search, one over every team), an owner and stored anomalies."""
    path = tmp_path_factory.mktemp("scope") / "master.duckdb"
    shutil.copy(demo_store.path, path)
    store = Store(path, lock_timeout=10)
    invoke(
        store,
        "set_budget",
        {"name": "search", "amount": 5000, "filters": [{"dimension": "team", "values": ["search"]}]},
    )
    invoke(
        store,
        "set_budget",
        {
            "name": OUTSIDE_BUDGET,
            "amount": 9000,
            "filters": [{"dimension": "provider", "values": ["OpenAI"]}],
        },
    )
    invoke(
        store, "set_owner", {"key": "team", "value": "search", "slack_channel": "#search", "author": "test"}
    )
    found = invoke(store, "detect_anomalies", {"root_cause": False})
    return path, found.anomalies[0].anomaly_id


@pytest.fixture(scope="module", name="oracle")
def oracle_fixture(master: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The master store holding only team search's rows (and only the budget within it)."""
    store = trimmed_copy(Store(master[0]), SCOPED, tmp_path_factory.mktemp("oracle") / "search-only.duckdb")
    invoke(store, "remove_budget", {"name": OUTSIDE_BUDGET})
    return store


def _args(op: Operation, anomaly: str) -> dict[str, Any]:
    text = json.dumps(EXAMPLES.get(op.name, {})).replace(ANOMALY, anomaly)
    return json.loads(text)


# ------------------------------------------------------------------------------------------ the surfaces

Outcome = tuple[str, Any]  # ("answer", JSON result) or ("refused", error code)


def via_cli(store: Store, op: Operation, args: dict[str, Any], scoped: bool) -> Outcome:
    from typer.testing import CliRunner

    from spendscope.cli import app

    view = ["--view-as", "team=search"] if scoped else []
    result = CliRunner().invoke(
        app, [*view, "tools", "call", op.name, json.dumps(args), "--db", str(store.path)]
    )
    if isinstance(result.exception, SpendscopeError):
        return "refused", result.exception.code
    assert result.exit_code == 0, result.output[-2000:]
    return "answer", json.loads(result.stdout)


def via_mcp(store: Store, op: Operation, args: dict[str, Any], scoped: bool) -> Outcome:
    from mcp import Client
    from spendscope.mcp_server import build_server
    from spendscope.mcp_server.errors import META_KEY

    async def call() -> Any:
        server = build_server(
            store, allow_writes=True, local_caller=SCOPED if scoped else UNSCOPED, charts=False
        )
        async with Client(server) as client:
            return await client.call_tool(op.name, args)

    result = asyncio.run(call())
    if result.is_error:
        return "refused", result.meta[META_KEY]["code"]
    return "answer", result.structured_content


def script(llm: FakeMessagesAPI, op: Operation, args: dict[str, Any]) -> None:
    """The model's turns for one question: call the operation, then give a final answer with no figures."""
    final = tool_use_reply(
        "final_answer", {"answer": "Here is what the tool returned.", "value": None}, "toolu_02"
    )
    llm.script[:] = [tool_use_reply(op.name, args), final, final]
    llm.requests.clear()


def _fed_back(fake: FakeMessagesAPI) -> Outcome:
    """What Billy sent the model as the operation's result."""
    (block,) = [
        b
        for r in fake.requests[1:2]
        for b in r["messages"][-1]["content"]
        if isinstance(b, dict) and b.get("type") == "tool_result"
    ]
    assert "(truncated)" not in block["content"], "make the example's result smaller"
    data = json.loads(block["content"])
    if block.get("is_error"):
        return "refused", data.get("error") or data.get("code")
    return "answer", data


SEARCHER, ADMIN, CHANNEL = "U0SEARCH01", "U0ADMIN001", "C0COSTS001"
QUESTION = "zzqx, please run the scripted tool"  # nothing the planner reads: Billy hands it to the model


@dataclass
class Surfaces:
    """One store seen through every surface: the MCP server, Billy and the Slack app, all built once."""

    store: Store
    llm: FakeMessagesAPI
    slack: FakeSlack
    tmp: Path
    app: Any = None
    work: Any = None

    def __post_init__(self) -> None:
        from spendscope.slack_app.access import Access

        access = self.tmp / "access.yaml"
        access.write_text(f"users:\n  {SEARCHER}: {{team: search}}\n  {ADMIN}: all\n", encoding="utf-8")
        self.settings = make_settings(
            self.store,
            self.slack,
            self.tmp,
            anthropic_api_key="test-key",
            anthropic_base_url=self.llm.url,
            state_dir=self.tmp / "state",
        )
        self.app, self.work = build(self.store, self.settings, Access.load(access))

    def run(self, surface: str, op: Operation, args: dict[str, Any], scoped: bool) -> Outcome:
        if surface == "cli":
            return via_cli(self.store, op, args, scoped)
        if surface == "mcp":
            return via_mcp(self.store, op, args, scoped)
        script(self.llm, op, args)
        if surface == "billy":
            from spendscope.agents.billy import ask

            ask(self.store, QUESTION, settings=self.settings, caller=SCOPED if scoped else LOCAL)
        else:
            user = SEARCHER if scoped else ADMIN
            # a response URL per operation: two identical requests signed in the same second are a replay
            url = self.slack.response_url(f"{op.name}-{int(scoped)}")
            body = slash_body(QUESTION, user=user, channel=CHANNEL, response_url=url)
            assert self.app.dispatch(signed_request(SECRET, body, FORM)).status == 200
            self.work.drain()
        return _fed_back(self.llm)


@contextmanager
def surfaces(store: Store, tmp: Path) -> Iterator[Surfaces]:
    slack = FakeSlack()
    try:
        with FakeMessagesAPI() as llm:
            yield Surfaces(store, llm, slack, tmp)
    finally:
        slack.close()


SURFACES = ("cli", "mcp", "billy", "slack")


_RESULTS: dict[tuple[str, str, str], Any] = {}


def direct_result(store: Store, op: Operation, args: dict[str, Any]) -> Any:
    """A read operation run directly on `store` (the figures every surface is compared with), once per store,
    operation and input: the four surfaces of a row compare with the same result."""
    assert not op.writes, f"{op.name} writes: run it where it is checked"
    key = (str(store.path), op.name, json.dumps(args, sort_keys=True))
    if key not in _RESULTS:
        _RESULTS[key] = invoke(store, op, args)
    return _RESULTS[key]


def as_sent(surface: str, result: Any) -> Any:
    """A result as the surface sends it: the CLI prints decimals as numbers, the others as JSON text."""
    if surface == "cli":
        from spendscope.render import jsonable

        return jsonable(result)
    return result.model_dump(mode="json")


# Operations whose scoped run leaves out what the scope's filters cannot limit, saying so in its result: the oracle
# runs them with the same filters (on the trimmed store), so their figures compare like for like. The anomaly
# scan skips the telemetry series under a filter (skipped_dimensions names them). Stored anomalies are not rows
# the trimmed copy can cut (they are company-wide results): a scoped list holds those whose series lies within
# the scope, which is what the oracle's list with the scope as filters holds.
ORACLE_WITH_SCOPE_FILTERS = {"scan_anomalies", "list_anomalies"}


def oracle_args(op: Operation, args: dict[str, Any]) -> dict[str, Any]:
    """The oracle's arguments for `op`: the example's, plus the scope as filters where the scan needs them."""
    if op.name not in ORACLE_WITH_SCOPE_FILTERS:
        return args
    scope = [{"dimension": d, "values": list(v)} for d, v in SCOPE.items()]
    return {**args, "filters": [*args.get("filters", []), *scope]}


def args_for(op: Operation, anomaly: str) -> dict[str, Any]:
    required = [f for f, info in op.input_model.model_fields.items() if info.is_required()]
    assert not required or op.name in EXAMPLES, (
        f"give {op.name} an example input in EXAMPLES (it needs {required})"
    )
    return _args(op, anomaly)
