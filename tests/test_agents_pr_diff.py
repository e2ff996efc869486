"""The PR cost diff agent through the CLI: deterministic without a key, Claude's summary with one."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from fake_messages_api import FakeMessagesAPI
from spendscope_in_process import run_spendscope
from test_tools_pr_diff import SEARCH_BASE, SYSTEM, TOKENS, _cost, _git, repo, traffic  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]


def _run(args: list[str], env_extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`spendscope ARGS` through its entry point in this process, without the machine's Anthropic or spendscope
    settings but `env_extra` (tests/spendscope_in_process.py)."""
    return run_spendscope(*args, env=env_extra, drop_env=("ANTHROPIC_", "SPENDSCOPE_"), cwd=ROOT)


def test_pr_diff_cli_prints_markdown_without_a_key(repo: Path, traffic) -> None:  # noqa: F811
    out = _run(
        ["pr-diff", "--base", "base", "--head", "main", "--repo", str(repo), "--db", str(traffic.path)], {}
    )
    assert out.returncode == 0, out.stderr
    assert "## spendscope: PR cost diff" in out.stdout
    assert "app/chat.py" in out.stdout and "model" in out.stdout
    assert "should raise monthly AI spend" in out.stdout


def test_pr_diff_summary_comes_from_claude_when_a_key_is_set(repo: Path, traffic) -> None:  # noqa: F811
    with FakeMessagesAPI(["Claude says: this PR raises spend, mostly from the summary loop."]) as fake:
        out = _run(
            [
                "pr-diff",
                "--base",
                "base",
                "--head",
                "main",
                "--repo",
                str(repo),
                "--db",
                str(traffic.path),
                "--json",
            ],
            {"ANTHROPIC_API_KEY": "test-key", "ANTHROPIC_BASE_URL": fake.url},
        )
    assert out.returncode == 0, out.stderr
    payload = json.loads(out.stdout)
    assert payload["llm"] is True
    assert payload["summary"].startswith("Claude says")
    assert (
        fake.headers[0]["authorization"] == "Bearer test-key"
        or fake.headers[0].get("x-api-key") == "test-key"
    )
    facts = json.loads(fake.requests[0]["messages"][0]["content"])
    assert {c["path"] for c in facts["changes"]} == {"app/chat.py", "app/search.py", "app/summary.py"}
    assert "SYSTEM" not in fake.requests[0]["messages"][0]["content"]  # no prompt text leaves the machine
