"""PR cost diff on a fixture git repository: a model swap, a prompt that doubles, a call moved into a loop."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import pytest
from spendscope.data.errors import InvalidArgument
from spendscope.data.events import import_events_file
from spendscope.data.store import Store
from spendscope.tools.prdiff.pr_diff import PrDiffInput, pr_cost_diff

SYSTEM = "You are a careful search assistant. Rank the passages by relevance. " * 20  # 1,380 characters

CHAT_BASE = """import anthropic

client = anthropic.Anthropic()


def answer(question):
    return client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=1024,
        messages=[{"role": "user", "content": question}],
    )
"""
SEARCH_BASE = f"""from openai import OpenAI

client = OpenAI()
SYSTEM = {SYSTEM!r}


def rerank(query):
    return client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{{"role": "system", "content": SYSTEM}}, {{"role": "user", "content": query}}],
    )
"""
SUMMARY_BASE = """import anthropic

client = anthropic.Anthropic()


def summarize(ticket):
    return client.messages.create(model="claude-haiku-4-5", max_tokens=300,
                                  messages=[{"role": "user", "content": ticket}])
"""
SUMMARY_HEAD = """import anthropic

client = anthropic.Anthropic()


def summarize(ticket):
    out = []
    for part in range(4):
        out.append(client.messages.create(model="claude-haiku-4-5", max_tokens=300,
                                          messages=[{"role": "user", "content": ticket}]))
    return out
"""

# per request, from telemetry below
TOKENS = {"chat": (2000, 500), "search": (1000, 100), "summary": (3000, 200)}
PER_M = {  # USD per 1M tokens (input, output), the catalog's list prices
    "claude-sonnet-4-5": (3.0, 15.0),
    "claude-haiku-4-5": (1.0, 5.0),
    "gpt-4o-mini": (0.15, 0.60),
}


def _git(repo: Path, *args: str) -> str:
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@x",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@x",
        "HOME": str(repo),
        "PATH": "/usr/bin:/bin:/usr/local/bin",
    }
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env
    ).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / "app").mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "main")
    (repo / "app" / "chat.py").write_text(CHAT_BASE, encoding="utf-8")
    (repo / "app" / "search.py").write_text(SEARCH_BASE, encoding="utf-8")
    (repo / "app" / "summary.py").write_text(SUMMARY_BASE, encoding="utf-8")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "base")
    _git(repo, "tag", "base")
    (repo / "app" / "chat.py").write_text(
        CHAT_BASE.replace("claude-sonnet-4-5", "claude-haiku-4-5"), encoding="utf-8"
    )
    doubled = SEARCH_BASE.replace(f"SYSTEM = {SYSTEM!r}", f"SYSTEM = {SYSTEM * 2!r}")
    (repo / "app" / "search.py").write_text(doubled, encoding="utf-8")
    (repo / "app" / "summary.py").write_text(SUMMARY_HEAD, encoding="utf-8")
    _git(repo, "commit", "-qam", "swap model, double prompt, loop")
    return repo


@pytest.fixture
def traffic(tmp_path: Path) -> Store:
    """30 days x 10 requests a day per feature, each with fixed tokens, tagged with the call site's path."""
    events = []
    sites = {
        "chat": ("anthropic", "claude-sonnet-4-5", "app/chat.py"),
        "search": ("openai", "gpt-4o-mini", "app/search.py"),
        "summary": ("anthropic", "claude-haiku-4-5", "app/summary.py:summarize"),
    }
    for day in range(30):
        for i in range(10):
            for feature, (provider, model, path) in sites.items():
                inp, out = TOKENS[feature]
                ts = dt.datetime(2026, 10, 1, tzinfo=dt.UTC) + dt.timedelta(days=day, minutes=i)
                events.append(
                    {
                        "ts": ts.isoformat(),
                        "provider": provider,
                        "model": model,
                        "input_tokens": inp,
                        "output_tokens": out,
                        "feature": feature,
                        "code_path": path,
                    }
                )
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(json.dumps(e) for e in events), encoding="utf-8")
    store = Store(tmp_path / "t.duckdb")
    import_events_file(store, path)
    return store


def _cost(model: str, inp: float, out: float) -> float:
    pin, pout = PER_M[model]
    return (inp * pin + out * pout) / 1e6


def test_each_change_gets_its_expected_monthly_estimate(repo: Path, traffic: Store) -> None:
    result = pr_cost_diff(
        traffic, PrDiffInput(repo=str(repo), base="base", head="main", as_of=dt.date(2026, 10, 31))
    )
    by_file = {c.path: c for c in result.changes}
    assert set(by_file) == {"app/chat.py", "app/search.py", "app/summary.py"}
    monthly_requests = 300  # 10 a day for 30 days, window of 30 days

    chat = by_file["app/chat.py"]
    assert chat.changes == ["model"] and chat.feature == "chat"
    before = monthly_requests * _cost("claude-sonnet-4-5", 2000, 500)
    after = monthly_requests * _cost("claude-haiku-4-5", 2000, 500)
    assert chat.monthly_change == pytest.approx(after - before, rel=1e-6)

    search = by_file["app/search.py"]
    assert search.changes == ["prompt"] and search.feature == "search"
    extra_tokens = len(SYSTEM) / 4
    expected = monthly_requests * (
        _cost("gpt-4o-mini", 1000 + extra_tokens, 100) - _cost("gpt-4o-mini", 1000, 100)
    )
    assert search.monthly_change == pytest.approx(expected, rel=1e-6)

    summary = by_file["app/summary.py"]
    assert summary.changes == ["loop"] and summary.feature == "summary"
    base = monthly_requests * _cost("claude-haiku-4-5", 3000, 200)
    assert summary.monthly_change == pytest.approx(base * 3, rel=1e-6)  # 4 calls instead of 1

    assert result.monthly_change == pytest.approx(sum(c.monthly_change for c in result.changes), abs=0.01)
    assert "Estimated monthly cost change" in result.markdown
    assert "app/summary.py" in result.markdown


def test_a_loop_without_a_literal_count_uses_the_stated_loop_factor(repo: Path, traffic: Store) -> None:
    (repo / "app" / "summary.py").write_text(
        SUMMARY_HEAD.replace("range(4)", "ticket.parts"), encoding="utf-8"
    )
    _git(repo, "commit", "-qam", "loop over parts")
    result = pr_cost_diff(
        traffic,
        PrDiffInput(repo=str(repo), base="base", head="main", loop_factor=6, as_of=dt.date(2026, 10, 31)),
    )
    summary = next(c for c in result.changes if c.path == "app/summary.py")
    base = 300 * _cost("claude-haiku-4-5", 3000, 200)
    assert summary.monthly_change == pytest.approx(base * 5, rel=1e-6)
    assert any("assumed 6" in n for n in summary.notes)


def test_after_deploy_detects_a_real_change_in_cost_per_request(repo: Path, tmp_path: Path) -> None:
    head = _git(repo, "rev-parse", "HEAD")
    events = []
    for day in range(20):
        for i in range(20):
            after = day >= 10
            ts = dt.datetime(2026, 10, 1, tzinfo=dt.UTC) + dt.timedelta(days=day, minutes=i)
            events.append(
                {
                    "ts": ts.isoformat(),
                    "provider": "anthropic",
                    "model": "claude-haiku-4-5",
                    "input_tokens": 3000 + i,
                    "output_tokens": 200,
                    "feature": "summary",
                    "code_path": "app/summary.py",
                    "requests": 1,
                    "estimated_cost": 0.0104 * (4 if after else 1) + i * 1e-6,
                    "commit_sha": head[:9] if after else "0000000",
                }
            )
    path = tmp_path / "ev.jsonl"
    path.write_text("\n".join(json.dumps(e) for e in events), encoding="utf-8")
    store = Store(tmp_path / "after.duckdb")
    import_events_file(store, path)
    result = pr_cost_diff(
        store, PrDiffInput(repo=str(repo), base="base", head="main", days=10, as_of=dt.date(2026, 10, 11))
    )
    deploy = next(a for a in result.after_deploy if a.feature == "summary")
    assert deploy.significant
    assert deploy.cost_per_request_after / deploy.cost_per_request_before == pytest.approx(4, rel=0.01)
    assert deploy.ci_low > 0


def test_unknown_ref_is_a_clear_error(repo: Path, traffic: Store) -> None:
    with pytest.raises(InvalidArgument) as info:
        pr_cost_diff(traffic, PrDiffInput(repo=str(repo), base="nope", head="main"))
    assert info.value.code == "invalid_argument"
