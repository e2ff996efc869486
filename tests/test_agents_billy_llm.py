"""Billy's LLM path, through the real anthropic SDK and the real LangGraph graph, against a local fake Messages
API on 127.0.0.1 that returns scripted tool_use turns (a tool error, a follow-up in the same thread, a figure
that no tool produced)."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fixtures.billy.company import build
from spendscope.agents.billy import ask
from spendscope.agents.billy.llm import tool_specs, untraced_figures
from spendscope.data.import_focus import import_focus
from spendscope.data.settings import Settings
from spendscope.data.store import Store

KEY = "sk-test-billy"


class FakeMessages:
    """POST /v1/messages: checks the bearer key, records each request, replies with the next scripted turn."""

    def __init__(self) -> None:
        self.script: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self.auth: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                fake.auth.append(self.headers.get("authorization", ""))
                if (
                    self.headers.get("authorization") != f"Bearer {KEY}"
                    and self.headers.get("x-api-key") != KEY
                ):
                    self._send(
                        401,
                        {"type": "error", "error": {"type": "authentication_error", "message": "bad key"}},
                    )
                    return
                fake.requests.append(body)
                turn = fake.script.pop(0)
                n = len(fake.requests)
                self._send(
                    200,
                    {
                        "id": f"msg_{n:02d}",
                        "type": "message",
                        "role": "assistant",
                        "model": body["model"],
                        "content": turn["content"],
                        "stop_reason": turn.get("stop", "tool_use"),
                        "stop_sequence": None,
                        "usage": {"input_tokens": 100, "output_tokens": 20},
                    },
                )

            def _send(self, code: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(code)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def tool(self, name: str, args: dict[str, Any], tid: str, text: str = "") -> None:
        content = ([{"type": "text", "text": text}] if text else []) + [
            {"type": "tool_use", "id": tid, "name": name, "input": args}
        ]
        self.script.append({"content": content})


@pytest.fixture
def fake() -> Iterator[FakeMessages]:
    f = FakeMessages()
    f.thread.start()
    yield f
    f.server.shutdown()
    f.server.server_close()


@pytest.fixture(scope="module")
def globex(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, dict]:
    folder = tmp_path_factory.mktemp("globex-llm")
    path, facts = build(folder / "globex.csv")
    store = Store(folder / "globex.duckdb", lock_timeout=10)
    import_focus(store, path)
    return store, facts


def _settings(tmp_path: Path, url: str) -> Settings:
    return Settings(
        state_dir=tmp_path / "state",
        anthropic_api_key=KEY,
        anthropic_base_url=url,
        anthropic_model="claude-test-model",
    )


def _results(request: dict[str, Any]) -> list[dict[str, Any]]:
    last = request["messages"][-1]
    return [b for b in last["content"] if isinstance(b, dict) and b.get("type") == "tool_result"]


def test_tool_schemas_come_from_the_operations_input_models() -> None:
    specs = {s["name"]: s for s in tool_specs()}
    assert {
        "query_costs",
        "list_dimension_values",
        "compare_costs",
        "cost_ratio",
        "run_sql",
        "final_answer",
    } <= set(specs)
    q = specs["query_costs"]["input_schema"]
    assert q["type"] == "object" and "$defs" not in json.dumps(q)
    assert q["properties"]["filters"]["items"]["properties"]["dimension"]["type"] == "string"
    assert "group_by" in q["properties"] and "measure" in q["properties"]


def test_unplanned_question_runs_a_tool_loop_with_an_error_then_a_follow_up_in_the_same_thread(
    globex: tuple[Store, dict], fake: FakeMessages, tmp_path: Path
) -> None:
    store, facts = globex
    settings = _settings(tmp_path, fake.url)
    mistral_july = float(facts[("provider", "Mistral", "2026-07")])
    fake.tool(
        "query_costs",
        {"measure": "cost", "group_by": ["vendor_name"], "period": "2026-07"},
        "toolu_01",
        "Let me look that up.",
    )
    fake.tool("query_costs", {"measure": "cost", "group_by": ["provider"], "period": "2026-07"}, "toolu_02")
    fake.tool(
        "final_answer",
        {
            "answer": f"Mistral was the most expensive model vendor in July 2026 at ${mistral_july:,.2f}.",
            "value": round(mistral_july, 2),
        },
        "toolu_03",
    )
    question = "Should we reconcile Mistral against the other vendors for July 2026?"
    answer = ask(store, question, thread_id="slack-C1-1", settings=settings)

    assert answer.llm is True
    assert answer.value == pytest.approx(mistral_july, abs=0.01)
    system = fake.requests[0]["system"]
    assert "How the question was read" in system and "= provider Mistral" in system
    assert answer.answer.startswith("Mistral was the most expensive")
    assert [(t.name, t.error) for t in answer.tools] == [
        ("query_costs", "unknown_dimension"),
        ("query_costs", None),
    ]
    assert (
        answer.table.columns == ["provider", "cost"]
        and ["Mistral", pytest.approx(mistral_july)] in answer.table.rows
    )
    assert len(fake.requests) == 3 and fake.auth[0] == f"Bearer {KEY}"
    first = fake.requests[0]
    assert first["model"] == "claude-test-model" and "Today is" in first["system"]
    assert {t["name"] for t in first["tools"]} >= {"query_costs", "run_sql", "final_answer"}
    error = _results(fake.requests[1])[0]
    assert error["is_error"] is True and "unknown_dimension" in error["content"]
    ok = _results(fake.requests[2])[0]
    assert "is_error" not in ok and "Mistral" in ok["content"]

    # the follow-up: the graph state persisted in the thread, so Claude sees the whole conversation
    fake.tool(
        "cost_ratio",
        {
            "period": "2026-07",
            "numerator": {"filters": [{"dimension": "provider", "values": ["Mistral"]}]},
            "denominator": {},
            "scale": 100,
        },
        "toolu_04",
    )
    fake.script.append(
        {
            "content": [
                {"type": "text", "text": "That is the share; now the answer."},
                {
                    "type": "tool_use",
                    "id": "toolu_05",
                    "name": "final_answer",
                    "input": {"answer": "PLACEHOLDER"},
                },
            ]
        }
    )
    share = mistral_july / float(facts[("total", "2026-07")]) * 100
    fake.script[-1]["content"][1]["input"] = {
        "answer": f"Mistral made up {share:.2f}% of July 2026 spend.",
        "value": round(share, 2),
    }
    follow = ask(store, "and what share of the total was that?", thread_id="slack-C1-1", settings=settings)
    assert follow.llm is True and follow.value == pytest.approx(share, abs=0.01)
    assert [t.name for t in follow.tools] == ["cost_ratio"]
    convo = fake.requests[3]["messages"]
    assert convo[0]["content"] == question
    texts = json.dumps(convo)
    assert "toolu_01" in texts and "toolu_03" in texts and "what share of the total" in texts
    # the final_answer tool_use of the first turn got its tool_result before the new question
    assert convo[-1]["role"] == "user" and convo[-1]["content"][0]["tool_use_id"] == "toolu_03"


def test_a_figure_no_tool_produced_sends_claude_back_once(
    globex: tuple[Store, dict], fake: FakeMessages, tmp_path: Path
) -> None:
    store, facts = globex
    settings = _settings(tmp_path, fake.url)
    july = float(facts[("total", "2026-07")])
    fake.tool("query_costs", {"period": "2026-07"}, "toolu_11")
    fake.tool(
        "final_answer",
        {"answer": f"We spent ${july:,.2f} in July 2026, about $99,999.00 a year.", "value": july},
        "toolu_12",
    )
    fake.tool("final_answer", {"answer": f"We spent ${july:,.2f} in July 2026.", "value": july}, "toolu_13")
    answer = ask(store, "Please reconcile July 2026 for our CFO", settings=settings)
    assert answer.llm and answer.answer == f"We spent ${july:,.2f} in July 2026."
    retry = fake.requests[2]["messages"][-1]["content"]
    assert retry[0]["type"] == "tool_result" and "$99,999.00" in retry[-1]["text"]


def test_figures_are_checked_against_tool_results() -> None:
    results = [{"total": 6874.237533, "rows": [{"value": 0.5423}]}]
    assert untraced_figures("We spent $6,874.24 (54.23%) in 2026.", results, "q") == []
    assert untraced_figures("We spent $7,000.00 in July.", results, "q") == ["$7,000.00"]


def test_an_unreachable_llm_falls_back_to_an_honest_answer(
    globex: tuple[Store, dict], tmp_path: Path
) -> None:
    settings = _settings(tmp_path, "http://127.0.0.1:9")
    answer = ask(
        globex[0], "Should we reconcile July 2026 spend?", settings=settings, as_of=dt.date(2026, 8, 3)
    )
    assert answer.value is None and "could not be reached" in answer.answer


def test_a_name_the_store_does_not_hold_gets_no_figure_and_no_llm_call(
    globex: tuple[Store, dict], fake: FakeMessages, tmp_path: Path
) -> None:
    settings = _settings(tmp_path, fake.url)
    answer = ask(
        globex[0], "How much did Anthropic cost in July 2026?", settings=settings, as_of=dt.date(2026, 8, 3)
    )
    assert answer.value is None and not answer.llm and "'Anthropic' is not in the data" in answer.answer
    assert fake.requests == []


def test_a_planned_question_makes_no_llm_call_even_with_a_key(
    globex: tuple[Store, dict], fake: FakeMessages, tmp_path: Path
) -> None:
    store, facts = globex
    answer = ask(store, "How much did we spend in July 2026?", settings=_settings(tmp_path, fake.url))
    assert not answer.llm and fake.requests == []
    assert answer.value == pytest.approx(float(facts[("total", "2026-07")]), abs=0.01)
