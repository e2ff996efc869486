"""PR cost diff with a bill and no telemetry (how most users start), the per-request price ratio of every model
or tier change, a headline that never hides what is unknown, and the diff from patch text (CLI and MCP HTTP).

The bill is written row by row (FOCUS rows with x_Model, x_TokenType, x_Tokens and a feature tag); expected
figures come from the providers' list prices per 1M tokens: Claude Haiku 4.5 $1/$5, Claude Opus 4.1 $15/$75,
o4-mini $1.10/$4.40 (flex $0.55/$2.20), GPT-4.1 mini $0.40/$1.60, GPT-4.1 $2/$8."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from analytics_facts import add_costs
from mcp_http_server import free_port
from spendscope.agents.pr_diff import template_summary
from spendscope.data.errors import InvalidArgument
from spendscope.data.store import Store
from spendscope.tools.invoke import invoke
from spendscope.tools.prdiff.pr_diff import PrDiffInput, pr_cost_diff
from spendscope_in_process import run_spendscope
from test_mcp_http import _client
from test_tools_pr_diff import _git

SUMMARY_BASE = """import anthropic

client = anthropic.Anthropic()


def summarize(ticket):
    instructions = load_instructions()
    return client.messages.create(
        model="claude-haiku-4-5",
        max_tokens=300,
        system=instructions,
        messages=[{"role": "user", "content": ticket}],
    )
"""
INSIGHTS_BASE = """from openai import OpenAI

client = OpenAI()


def insight(question):
    return client.chat.completions.create(model="o4-mini", messages=[{"role": "user", "content": question}])
"""
DRAFT_BASE = """from openai import OpenAI

client = OpenAI()


def draft(text):
    return client.responses.create(model="gpt-4.1-mini", input=text)
"""
MAPPING = """features:
  - {path: app/summary.py, feature: ticket-summary}
  - {path: app/insights.py, feature: insights}
  - {path: app/draft.py, feature: drafts}
"""
AS_OF = dt.date(2026, 11, 1)  # 30 days of bill: 2026-10-02 .. 2026-10-31


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / "app").mkdir(parents=True)
    (repo / ".spendscope").mkdir()
    _git(repo, "init", "-q", "-b", "main")
    (repo / ".spendscope" / "features.yaml").write_text(MAPPING, encoding="utf-8")
    for name, text in (("summary", SUMMARY_BASE), ("insights", INSIGHTS_BASE), ("draft", DRAFT_BASE)):
        (repo / "app" / f"{name}.py").write_text(text, encoding="utf-8")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "base")
    _git(repo, "tag", "base")
    (repo / "app" / "summary.py").write_text(
        SUMMARY_BASE.replace("claude-haiku-4-5", "claude-opus-4-1"), "utf-8"
    )
    (repo / "app" / "insights.py").write_text(
        INSIGHTS_BASE.replace('model="o4-mini",', 'model="o4-mini", service_tier="flex",'), "utf-8"
    )
    (repo / "app" / "draft.py").write_text(DRAFT_BASE.replace("gpt-4.1-mini", "gpt-4.1"), "utf-8")
    _git(repo, "commit", "-qam", "opus for summaries, flex for insights, gpt-4.1 for drafts")
    return repo


def _rows(provider: str, model: str, feature: str, per_day: dict[str, tuple[int, float]]) -> list[dict]:
    rows = []
    for day in range(2, 32):
        for token_type, (tokens, cost) in per_day.items():
            rows.append(
                {
                    "day": f"2026-10-{day:02d}",
                    "ProviderName": provider,
                    "x_Model": model,
                    "x_TokenType": token_type,
                    "x_Tokens": tokens,
                    "EffectiveCost": cost,
                    "BilledCost": cost,
                    "Tags": json.dumps({"feature": feature}),
                }
            )
    return rows


@pytest.fixture
def bill(store: Store) -> Store:
    """Only a bill: 30 days of Claude Haiku 4.5 for ticket-summary and o4-mini for insights; no telemetry."""
    add_costs(
        store,
        _rows(
            "Anthropic",
            "claude-haiku-4-5",
            "ticket-summary",
            {"input": (1_000_000, 1.0), "output": (100_000, 0.5)},
        )
        + _rows("OpenAI", "o4-mini", "insights", {"input": (2_000_000, 2.2), "output": (500_000, 2.2)}),
    )
    return store


def test_without_telemetry_the_estimate_comes_from_the_bill_and_says_so(repo: Path, bill: Store) -> None:
    result = pr_cost_diff(bill, PrDiffInput(repo=str(repo), base="base", head="main", as_of=AS_OF))
    by = {c.path: c for c in result.changes}
    summary = by["app/summary.py"]
    assert summary.changes == ["model"] and summary.feature == "ticket-summary"
    assert "bill" in summary.traffic_source and "ticket-summary" in summary.traffic_source
    assert summary.monthly_cost_before == pytest.approx(45.0)  # 30 days x ($1 input + $0.50 output)
    assert summary.monthly_cost_after == pytest.approx(45.0 * 15)  # Opus 4.1: 15x Haiku 4.5 on both kinds
    assert summary.price_ratio == pytest.approx(15.0)
    assert summary.price_change.startswith("15x per request: $1/$5 → $15/$75 per 1M input/output tokens")
    insights = by["app/insights.py"]
    assert insights.changes == ["tier"]
    assert insights.monthly_change == pytest.approx(-132.0 / 2)  # flex halves o4-mini's $132 a month
    assert insights.price_change.startswith("0.5x per request")


def test_a_change_with_no_traffic_still_gets_its_price_ratio_and_the_headline_says_what_is_unknown(
    repo: Path, bill: Store
) -> None:
    result = pr_cost_diff(bill, PrDiffInput(repo=str(repo), base="base", head="main", as_of=AS_OF))
    draft = next(c for c in result.changes if c.path == "app/draft.py")
    assert draft.monthly_change is None and "no traffic" in draft.unknown_reason
    assert draft.price_ratio == pytest.approx(5.0)
    assert draft.price_change.startswith("5x per request: $0.4/$1.6 → $2/$8")
    assert result.unestimated == 1 and result.monthly_change == pytest.approx(630.0 - 66.0)
    assert "for 2 of 3 changed call sites" in result.headline and "not estimated" in result.headline
    assert any("app/draft.py" in u and "5x per request" in u for u in result.unknown)
    summary = template_summary(result)
    assert "not change" not in summary
    assert "Unknown: app/draft.py" in summary and "5x per request" in summary


def test_nothing_estimable_never_reads_as_no_change(tmp_path: Path, repo: Path, store: Store) -> None:
    result = pr_cost_diff(store, PrDiffInput(repo=str(repo), base="base", head="main", as_of=AS_OF))
    assert result.unestimated == 3 and result.monthly_change is None  # unknown, not 0 (trust probes 23)
    assert result.headline.startswith("Monthly cost change unknown")
    assert "not change" not in template_summary(result) and "not change" not in result.markdown
    assert all(c.price_change for c in result.changes)


def test_failing_a_feature_the_models_bill_rows_are_the_traffic(repo: Path, bill: Store) -> None:
    (repo / ".spendscope" / "features.yaml").write_text("features: []\n", encoding="utf-8")
    _git(repo, "commit", "-qam", "no mapping")
    result = pr_cost_diff(bill, PrDiffInput(repo=str(repo), base="base", head="main", as_of=AS_OF))
    summary = next(c for c in result.changes if c.path == "app/summary.py")
    assert summary.feature is None and "every FOCUS row of claude-haiku-4-5" in summary.traffic_source
    assert summary.monthly_change == pytest.approx(45.0 * 14)


def test_a_prompt_change_with_bill_traffic_only_is_named_not_estimated(tmp_path: Path, bill: Store) -> None:
    patch = """--- a/app/summary.py
+++ b/app/summary.py
@@ -6,7 +6,7 @@ def summarize(ticket):
     instructions = load_instructions()
     return client.messages.create(
         model="claude-haiku-4-5",
-        max_tokens=300,
+        max_tokens=100,
         system=instructions,
         messages=[{"role": "user", "content": ticket}],
     )
"""
    result = invoke(
        bill,
        "estimate_pr_cost_diff_from_patch",
        {"patch": patch, "as_of": str(AS_OF), "feature_map": {"app/summary.py": "ticket-summary"}},
    )
    change = result.changes[0]
    assert change.changes == ["max_tokens"] and change.monthly_change is None
    assert "no request count" in change.unknown_reason


# --- the bill's currency ------------------------------------------------------------------------------------


def _in(rows: list[dict], currency: str) -> list[dict]:
    return [{**r, "BillingCurrency": currency} for r in rows]


HAIKU = {"input": (1_000_000, 1.0), "output": (100_000, 0.5)}
O4_MINI = {"input": (2_000_000, 2.2), "output": (500_000, 2.2)}


def test_bill_traffic_in_another_currency_is_written_in_that_currency_never_in_dollars(
    repo: Path, store: Store
) -> None:
    """A RON bill: the observed cost is RON, so the change scaled from it is RON (it was written '$')."""
    add_costs(
        store,
        _in(_rows("Anthropic", "claude-haiku-4-5", "ticket-summary", HAIKU), "RON")
        + _in(_rows("OpenAI", "o4-mini", "insights", O4_MINI), "RON"),
    )
    result = pr_cost_diff(store, PrDiffInput(repo=str(repo), base="base", head="main", as_of=AS_OF))
    summary = next(c for c in result.changes if c.path == "app/summary.py")
    assert summary.currency == "RON" and summary.monthly_cost_before == pytest.approx(45.0)
    assert result.currency == "RON" and result.monthly_change == pytest.approx(630.0 - 66.0)
    assert result.monthly_change_by_currency == {"RON": pytest.approx(564.0)}
    assert "+RON 564.00" in result.headline and "RON 45.00" in result.markdown
    assert "$45" not in result.markdown and "$564" not in result.markdown
    assert "RON 564.00" in template_summary(result) and "$564" not in template_summary(result)


def test_changes_priced_in_two_currencies_are_never_added(repo: Path, store: Store) -> None:
    """Haiku billed in RON, o4-mini in USD: two sums, no total (adding them would be a figure in no currency)."""
    add_costs(
        store,
        _in(_rows("Anthropic", "claude-haiku-4-5", "ticket-summary", HAIKU), "RON")
        + _rows("OpenAI", "o4-mini", "insights", O4_MINI),
    )
    result = pr_cost_diff(store, PrDiffInput(repo=str(repo), base="base", head="main", as_of=AS_OF))
    assert result.monthly_change is None and result.currency is None
    assert result.monthly_change_by_currency == {"RON": pytest.approx(630.0), "USD": pytest.approx(-66.0)}
    assert "+RON 630.00 and -$66.00 (not added" in result.headline
    summary = template_summary(result)
    assert "+RON 630.00 and -$66.00" in summary and "not added" in summary


def test_one_models_bill_rows_in_two_currencies_are_not_summed_into_one_cost(
    repo: Path, store: Store
) -> None:
    add_costs(
        store,
        _in(_rows("Anthropic", "claude-haiku-4-5", "ticket-summary", HAIKU), "RON")
        + _in(_rows("Anthropic", "claude-haiku-4-5", "ticket-summary", HAIKU), "EUR"),
    )
    result = pr_cost_diff(store, PrDiffInput(repo=str(repo), base="base", head="main", as_of=AS_OF))
    summary = next(c for c in result.changes if c.path == "app/summary.py")
    assert summary.monthly_change is None and "several currencies" in summary.unknown_reason
    assert summary.price_ratio == pytest.approx(15.0)  # the per-request ratio still stands


# --- the diff from patch text ------------------------------------------------------------------------------


def test_the_patch_gives_the_same_estimate_as_the_repository(repo: Path, bill: Store) -> None:
    patch = _git(repo, "diff", "base", "main") + "\n"
    from_repo = pr_cost_diff(bill, PrDiffInput(repo=str(repo), base="base", head="main", as_of=AS_OF))
    from_patch = invoke(
        bill,
        "estimate_pr_cost_diff_from_patch",
        {
            "patch": patch,
            "as_of": str(AS_OF),
            "feature_map": {
                "app/summary.py": "ticket-summary",
                "app/insights.py": "insights",
                "app/draft.py": "x",
            },
        },
    )
    key = lambda c: (c.path, tuple(c.changes), c.monthly_change, c.price_ratio)  # noqa: E731
    assert sorted(map(key, from_patch.changes), key=str) == sorted(map(key, from_repo.changes), key=str)
    assert from_patch.files_scanned == ["app/draft.py", "app/insights.py", "app/summary.py"]


def test_a_model_literal_changed_outside_the_hunks_context_is_still_caught(repo: Path, bill: Store) -> None:
    patch = _git(repo, "diff", "-U0", "base", "main", "--", "app/summary.py") + "\n"
    result = invoke(
        bill,
        "estimate_pr_cost_diff_from_patch",
        {"patch": patch, "as_of": str(AS_OF), "feature_map": {"app/*.py": "ticket-summary"}},
    )
    change = result.changes[0]
    assert change.changes == ["model"] and change.function == "summarize"
    assert change.monthly_change == pytest.approx(45.0 * 14)
    assert change.api == "unknown" and any("more diff context" in n for n in change.notes)


def test_text_that_is_not_a_patch_is_refused(store: Store) -> None:
    with pytest.raises(InvalidArgument) as info:
        invoke(store, "estimate_pr_cost_diff_from_patch", {"patch": "please estimate my PR"})
    assert info.value.code == "invalid_argument"


def test_pr_diff_patch_cli_reads_the_patch_from_stdin(repo: Path, bill: Store) -> None:
    patch = _git(repo, "diff", "base", "main") + "\n"
    out = run_spendscope(  # the entry point, in this process
        "pr-diff-patch", "-", "--as-of", str(AS_OF), "--db", str(bill.path), input=patch, cwd=None
    )
    assert out.returncode == 0, out.stderr
    assert "## spendscope: PR cost diff" in out.stdout and "5x per request" in out.stdout


TOKEN = "search-token-0123456789abcdef"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def http_server(bill: Store, tmp_path: Path) -> Iterator[str]:
    tokens = tmp_path / "tokens.yaml"
    tokens.write_text(
        f"{TOKEN}:\n  identity: search-team\n  scopes: [read]\n  row_scope: {{feature: ticket-summary}}\n",
        encoding="utf-8",
    )
    port = free_port()
    args = ["mcp", "--http", "--port", str(port), "--tokens", str(tokens), "--db", str(bill.path)]
    proc = subprocess.Popen([sys.executable, "-m", "spendscope", *args], stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        import socket

        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.anyio
async def test_a_remote_mcp_client_gets_the_diff_from_patch_text(repo: Path, http_server: str) -> None:
    patch = _git(repo, "diff", "base", "main", "--", "app/summary.py") + "\n"
    async with _client(http_server, TOKEN) as client:
        refused = await client.call_tool(
            "estimate_pr_cost_diff", {"repo": str(repo), "base": "base", "head": "main"}
        )
        assert refused.is_error  # reads the server's disk: local clients only
        result = await client.call_tool(
            "estimate_pr_cost_diff_from_patch",
            {"patch": patch, "as_of": str(AS_OF), "feature_map": {"app/summary.py": "ticket-summary"}},
        )
    assert not result.is_error, result.content
    change = result.structured_content["changes"][0]
    assert change["monthly_change"] == pytest.approx(
        45.0 * 14
    )  # the token's scope (its feature) holds the bill
    assert change["traffic_source"].startswith("bill")
