"""Billy's deterministic path: many phrasings per question type, over the public eval company and a second
synthetic company (Globex) with different names. Expected figures come from the eval's independently computed
answers and from Globex's generator (Python sums over the generated rows), never from the code under test."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures.billy.company import build
from samples import public_export
from spendscope.agents.billy import ask
from spendscope.agents.billy.planner import plan_question
from spendscope.agents.billy.resolve import load_index
from spendscope.agents.billy.when import scan_periods
from spendscope.data.import_focus import import_focus
from spendscope.data.settings import Settings
from spendscope.data.store import Store
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(state_dir=tmp_path_factory.mktemp("state"), db=Path("/nonexistent"))


@pytest.fixture(scope="module")
def eval_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = Store(tmp_path_factory.mktemp("eval") / "eval.duckdb", lock_timeout=10)
    import_focus(store, public_export())
    return store


@pytest.fixture(scope="module")
def globex(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, dict]:
    folder = tmp_path_factory.mktemp("globex")
    path, facts = build(folder / "globex.csv")
    store = Store(folder / "globex.duckdb", lock_timeout=10)
    import_focus(store, path)
    return store, facts


_NUM = re.compile(r"(-?\d[\d,]*(?:\.\d+)?|-?\.\d+)")


def matches(
    answer: object, expected: float | str, tol: float = 0.01, candidates: tuple[str, ...] = ()
) -> bool:
    """The eval's rule: a number among the sentence's first figures (or `value`); a name before the others."""
    text, value = answer.answer, answer.value  # type: ignore[attr-defined]
    if isinstance(expected, str):
        low = (text + " " + str(value or "")).lower()
        at = [m.start() for m in re.finditer(r"(?<![\w-])" + re.escape(expected.lower()) + r"(?![\w-])", low)]
        if not at:
            return False
        others = [
            m.start()
            for c in candidates
            if c != expected
            for m in re.finditer(r"(?<![\w-])" + re.escape(c.lower()) + r"(?![\w-])", low)
        ]
        return all(at[0] < o for o in others)
    nums = [float(x.replace(",", "")) for x in _NUM.findall(text)][:12]
    if isinstance(value, int | float):
        nums.append(float(value))
    exp = abs(float(expected))
    return any(abs(abs(n) - exp) <= max(exp * tol, 0.011) for n in nums)


def _day(s: str | None) -> dt.date | None:
    return dt.date.fromisoformat(s) if s else None


TEAMS = ("growth", "platform", "research", "search", "support")
FEATURES = (
    "ad-copy",
    "chat-assistant",
    "code-review-bot",
    "doc-processor",
    "email-writer",
    "embeddings-index",
    "eval-harness",
    "query-rewriter",
    "semantic-search",
    "ticket-summarizer",
    "ticket-triage",
)
MODELS = (
    "claude-haiku-4-5",
    "claude-opus-4-1",
    "claude-sonnet-4-5",
    "gemini-2.5-flash",
    "gemini-2.5-pro",
    "gpt-4.1",
    "gpt-4.1-mini",
    "gpt-4o",
    "gpt-4o-mini",
    "llama3-3-70b-instruct",
    "text-embedding-3-large",
)

EVAL_CASES = [
    # totals
    ("Total spend for October 2026?", None, 136077.61, ()),
    ("how much did we spend in oct 2026", None, 136077.61, ()),
    ("What were our total costs in 2026-08?", None, 138579.71, ()),
    ("Overall, what did the company spend during August 2026?", None, 138579.71, ()),
    # providers and services
    ("Anthropic spend in September 2026", None, 17385.52, ()),
    ("How much money went to anthropic in Sept 2026?", None, 17385.52, ()),
    ("What did OpenAI cost us in September 2026?", None, 11948.87, ()),
    ("How much did we pay for Vertex AI in October 2026?", None, 5081.62, ()),
    ("vertex spend oct 2026", None, 5081.62, ()),
    ("Amazon Bedrock costs for August 2026", None, 9836.24, ()),
    ("What did bedrock cost in Aug 2026?", None, 9836.24, ()),
    # relative periods
    ("What was our Anthropic spend last month?", "2026-11-05", 21199.78, ()),
    ("Anthropic costs in the previous month", "2026-11-05", 21199.78, ()),
    ("OpenAI spend over the past 7 days", "2026-10-29", 3195.10, ()),
    ("How much did OpenAI cost in the last seven days?", "2026-10-29", 3195.10, ()),
    ("What did we spend on OpenAI in the last week?", "2026-10-29", None, ()),
    # teams
    ("Which team had the highest spend in October 2026?", None, "research", TEAMS),
    ("Who spent the most in October 2026?", None, "research", TEAMS),
    ("Top team by cost in October 2026", None, "research", TEAMS),
    ("Biggest spending team in Oct 2026?", None, "research", TEAMS),
    ("What did the Growth team spend in October 2026?", None, 7043.08, ()),
    ("How much did team growth spend in October 2026?", None, 7043.08, ()),
    ("platform team costs, October 2026", None, 14726.13, ()),
    ("How much did growth spend on OpenAI in September 2026?", None, 2839.24, ()),
    ("OpenAI spend for the growth team in September 2026", None, 2839.24, ()),
    # features
    ("How much did the ad-copy feature cost in September 2026?", None, 2809.38, ()),
    ("ad copy feature spend Sept 2026", None, 2809.38, ()),
    ("What did ticket triage cost in September 2026?", None, 3420.71, ()),
    ("Which feature was the most expensive in October 2026?", None, "chat-assistant", FEATURES),
    ("Most expensive feature in October 2026", None, "chat-assistant", FEATURES),
    # tokens
    ("Output tokens used by Claude Haiku 4.5 in September 2026", None, 201218180, ()),
    ("What were claude-haiku-4-5's output tokens in September 2026?", None, 201218180, ()),
    (
        "How many input tokens did we use in August 2026 including cached tokens and cache writes?",
        None,
        54702797267,
        (),
    ),
    ("Total input tokens in August 2026 with cache reads and cache writes", None, 54702797267, ()),
    # models
    ("What did Claude Sonnet 4.5 cost in October 2026?", None, 23044.83, ()),
    ("claude sonnet spend october 2026 across all providers", None, 23044.83, ()),
    ("Which model cost the most in October 2026?", None, "claude-sonnet-4-5", MODELS),
    ("What was our most expensive model in October 2026?", None, "claude-sonnet-4-5", MODELS),
    # unit costs
    ("What did gpt-4o-mini cost per million tokens in September 2026?", None, 0.1826, ()),
    ("gpt-4o-mini cost per 1M tokens September 2026", None, 0.1826, ()),
    ("What was the unit cost per million tokens of GPT-4o mini in September 2026?", None, 0.1826, ()),
    # changes
    ("How much did total spend change between September 2026 and October 2026?", None, 5205.04, ()),
    ("What was the dollar change in spend from Sep 2026 to Oct 2026?", None, 5205.04, ()),
    ("How did October 2026 spend compare to September 2026?", None, 5205.04, ()),
    ("What was the percent change in total spend from September 2026 to October 2026?", None, 3.68, ()),
    ("Percentage change in spend, September 2026 vs October 2026", None, 3.68, ()),
    ("month over month change in total spend", "2026-11-05", 5205.04, ()),
    # peaks
    ("Which day had the highest Anthropic spend?", None, "2026-10-14", ()),
    ("When did Anthropic costs peak?", None, "2026-10-14", ()),
    ("What was the most expensive day for Anthropic?", None, "2026-10-14", ()),
    # commitments
    ("How much of our PTU commitment was unused in September 2026?", None, 4953.29, ()),
    ("Unused Azure OpenAI commitment in September 2026", None, 4953.29, ()),
    ("How much provisioned throughput did we waste in September 2026?", None, 4953.29, ()),
    ("What was the utilization of our provisioned throughput commitment in October 2026?", None, 54.73, ()),
    ("PTU utilisation October 2026", None, 54.73, ()),
    # billed
    ("How much did Microsoft invoice us in August 2026?", None, 18000.0, ()),
    ("What was our billed cost from Microsoft in August 2026?", None, 18000.0, ()),
    # untagged, GPU, env, share
    ("How much spend was untagged by team in October 2026?", None, 2237.24, ()),
    ("What spend had no team in October 2026?", None, 2237.24, ()),
    ("How much October 2026 spend was missing a team tag?", None, 2237.24, ()),
    ("Untagged spend in October 2026", None, 2237.24, ()),
    ("What did GPU instances cost in October 2026?", None, 66048.0, ()),
    ("How much did we spend on GPUs in October 2026?", None, 66048.0, ()),
    ("What did the staging environment cost in September 2026?", None, 4628.15, ()),
    ("staging spend Sept 2026", None, 4628.15, ()),
    ("What percent of Bedrock spend in October 2026 was Claude?", None, 89.21, ()),
    ("How much higher was spend in October 2026 than in September 2026?", None, 5205.04, ()),
    ("How much was the unused portion of our reservation in September 2026?", None, 4953.29, ()),
    ("How much did our Vertex AI usage cost in October 2026?", None, 5081.62, ()),
    ("What was our global spend in October 2026?", None, 136077.61, ()),
    ("How much did GPU compute cost us in October 2026?", None, 66048.0, ()),
    ("In September 2026, how much did Anthropic cost?", None, 17385.52, ()),
    ("What was our invoiced amount from Microsoft in August 2026?", None, 18000.0, ()),
    (
        "What fraction of our Amazon Bedrock costs went to Claude models in October 2026 (percent)?",
        None,
        89.21,
        (),
    ),
]


@pytest.mark.parametrize(
    ("question", "as_of", "expected", "candidates"), [c for c in EVAL_CASES if c[2] is not None]
)
def test_eval_company_phrasings_get_the_right_figure(
    eval_store: Store,
    settings: Settings,
    question: str,
    as_of: str | None,
    expected: object,
    candidates: tuple,
) -> None:
    answer = ask(eval_store, question, as_of=_day(as_of), settings=settings)
    assert not answer.llm
    assert matches(answer, expected, candidates=candidates), answer.answer


def _m(facts: dict, *key: object) -> float:
    return float(facts[key])


GLOBEX_CASES = [
    ("How much did we spend in July 2026?", lambda f: _m(f, "total", "2026-07")),
    ("What was our total spend in June 2026?", lambda f: _m(f, "total", "2026-06")),
    ("What did Mistral cost us in July 2026?", lambda f: _m(f, "provider", "Mistral", "2026-07")),
    ("mistral spend last month", lambda f: _m(f, "provider", "Mistral", "2026-07")),
    ("How much did the fraud team spend in July 2026?", lambda f: _m(f, "team", "fraud", "2026-07")),
    ("What did the payments squad spend in July 2026?", lambda f: _m(f, "team", "payments", "2026-07")),
    ("How much spend had no team tag in July 2026?", lambda f: _m(f, "team", None, "2026-07")),
    ("How much did we spend on GPU instances in July 2026?", lambda f: _m(f, "gpu", "2026-07")),
    ("How much did development cost in June 2026?", lambda f: _m(f, "environment", "development", "2026-06")),
    (
        "What did the dev environment cost in June 2026?",
        lambda f: _m(f, "environment", "development", "2026-06"),
    ),
    ("How much did production cost in July 2026?", lambda f: _m(f, "environment", "production", "2026-07")),
    ("How much did customer Initech cost in July 2026?", lambda f: _m(f, "customer", "initech", "2026-07")),
    ("How much did SageMaker cost in June 2026?", lambda f: _m(f, "gpu", "2026-06")),
    ("How much did Gemini cost in July 2026?", lambda f: _m(f, "model", "gemini-2.0-flash", "2026-07")),
    (
        "How many output tokens did o4-mini use in July 2026?",
        lambda f: f["tokens"][("o4-mini", "output", "2026-07")],
    ),
    ("o4 mini output token count for July 2026", lambda f: f["tokens"][("o4-mini", "output", "2026-07")]),
    (
        "What was the cost per million tokens for o4-mini in July 2026?",
        lambda f: _m(f, "model", "o4-mini", "2026-07") / f["tokens"][("o4-mini", "all", "2026-07")] * 1e6,
    ),
    (
        "By how much did spend change from June 2026 to July 2026?",
        lambda f: _m(f, "total", "2026-07") - _m(f, "total", "2026-06"),
    ),
    (
        "What share of OpenAI spend in July 2026 went to o4-mini, in percent?",
        lambda f: _m(f, "model", "o4-mini", "2026-07") / _m(f, "provider", "OpenAI", "2026-07") * 100,
    ),
    ("Which team spent the most in July 2026?", lambda f: "fraud"),
    (
        "Which provider cost the least in July 2026?",
        lambda f: min(
            ("OpenAI", "Google Cloud", "Mistral", "AWS"), key=lambda p: f[("provider", p, "2026-07")]
        ),
    ),
    (
        "On which day was Mistral spend highest?",
        lambda f: max(
            (k[1] for k in f["daily"] if k[0] == "Mistral"), key=lambda d: f["daily"][("Mistral", d)]
        ).isoformat(),
    ),
]


@pytest.mark.parametrize(("question", "expected"), GLOBEX_CASES)
def test_second_company_with_other_names_gets_the_right_figure(
    globex: tuple[Store, dict], settings: Settings, question: str, expected: object
) -> None:
    store, facts = globex
    answer = ask(store, question, as_of=dt.date(2026, 8, 3), settings=settings)
    want = expected(facts)  # type: ignore[operator]
    assert matches(answer, want if isinstance(want, str) else float(want), tol=0.005), answer.answer


@pytest.mark.parametrize(
    "question",
    [
        "How much did Anthropic cost in July 2026?",
        "How much did the Ledger team spend in July 2026?",
        "Reconcile the estimated and billed costs for July 2026",
        "What is the weather in Paris?",
    ],
)
def test_without_a_key_billy_says_what_it_cannot_answer_and_suggests_questions(
    globex: tuple[Store, dict], settings: Settings, question: str
) -> None:
    answer = ask(globex[0], question, as_of=dt.date(2026, 8, 3), settings=settings)
    assert answer.value is None and not answer.llm and answer.tools == []
    assert "I can answer questions like" in answer.answer


def test_answers_name_the_change_first_and_say_what_they_assumed(
    eval_store: Store, settings: Settings
) -> None:
    a = ask(
        eval_store,
        "By how many dollars did total spend change from September 2026 to October 2026?",
        settings=settings,
    )
    assert a.answer.startswith("Total spend fell by $5,205.04 (-3.68%) from September 2026 ($141,282.65)")
    assert "effective cost" in a.answer and a.value == pytest.approx(-5205.04)
    assert [t.name for t in a.tools] == ["compare_costs"]
    pct = ask(
        eval_store,
        "By what percentage did total spend change from September 2026 to October 2026?",
        settings=settings,
    )
    assert pct.answer.startswith("Total spend fell by 3.68%") and pct.value == pytest.approx(-3.68)


def test_a_which_question_names_the_winner_before_any_other_candidate(
    eval_store: Store, settings: Settings
) -> None:
    a = ask(eval_store, "Which team spent the most in October 2026?", settings=settings)
    assert a.answer.startswith("The research team spent the most") and a.value == "research"
    assert a.table.columns[0] == "team" and a.table.rows[0][0] == "research"
    assert a.chart is not None and a.chart["mark"]["type"] == "bar"


@pytest.mark.parametrize(
    ("question", "intent", "group_by"),
    [
        ("Break down October 2026 spend by provider", "breakdown", ["provider"]),
        ("Spend per model in October 2026", "breakdown", ["model"]),
        ("Show daily spend for OpenAI in October 2026", "breakdown", ["day"]),
        ("What are the top 3 models by cost in October 2026?", "top", ["model"]),
        ("Which provider was cheapest in September 2026?", "top", ["provider"]),
        ("Did we spend more on OpenAI or Anthropic in October 2026?", "top", ["provider"]),
        ("Why did spend go up in September 2026?", "drivers", []),
        ("What drove the change in Anthropic spend from August 2026 to September 2026?", "drivers", []),
        ("Which team's spend grew the most from September 2026 to October 2026?", "compare", ["team"]),
        ("How many models did we use in October 2026?", "count", ["model"]),
        ("What was our average daily spend in October 2026?", "average", []),
        ("What's our burn rate per day in October 2026?", "average", []),
        ("What was the cost per request for gpt-4o in October 2026?", "unit_cost", []),
        ("What share of October 2026 spend went to Anthropic?", "share", []),
        ("On which day was spend lowest in October 2026?", "peak", []),
    ],
)
def test_question_types_are_recognised(
    eval_store: Store, settings: Settings, question: str, intent: str, group_by: list[str]
) -> None:
    index, _ = load_index(eval_store, settings.state_dir)
    plan = plan_question(question, index, as_of=dt.date(2026, 11, 5))
    assert (plan.intent, plan.group_by) == (intent, group_by)
    assert plan.confidence >= 0.6
    answer = ask(eval_store, question, as_of=dt.date(2026, 11, 5), settings=settings)
    assert answer.tools and not any(t.error for t in answer.tools)


def test_names_resolve_with_case_spacing_and_partial_words(eval_store: Store, settings: Settings) -> None:
    index, _ = load_index(eval_store, settings.state_dir)
    cases = {
        "anthropic": ("provider", ["Anthropic"]),
        "Claude Sonnet": ("model", ["claude-sonnet-4-5"]),
        "bedrock": ("service", ["Amazon Bedrock"]),
        "GPT 4o": ("model", ["gpt-4o"]),
        "gpt4o-mini": ("model", ["gpt-4o-mini"]),
        "the growth team": ("team", ["growth"]),
        "staging": ("env", ["staging"]),
        "ticket triage": ("feature", ["ticket-triage"]),
        "Antropic": ("provider", ["Anthropic"]),
    }
    for phrase, (dim, values) in cases.items():
        plan = plan_question(f"How much did {phrase} cost in October 2026?", index)
        got = [(f.dimension, f.values) for f in plan.filters]
        assert (dim, values) in got, (phrase, got)
    microsoft = plan_question("How much did Microsoft bill us in August 2026?", index)
    assert microsoft.measure == "billed_cost"
    assert {f.dimension for f in microsoft.filters} <= {"provider", "invoice_issuer"}
    excluded = plan_question("How much did we spend excluding AWS in October 2026?", index)
    assert [(f.dimension, f.op, f.values) for f in excluded.filters] == [("provider", "not_in", ["AWS"])]


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("in September 2026", "2026-09-01", "2026-10-01"),
        ("last month", "2026-10-01", "2026-11-01"),
        ("the last 7 days", "2026-10-29", "2026-11-05"),
        ("past two weeks", "2026-10-22", "2026-11-05"),
        ("yesterday", "2026-11-04", "2026-11-05"),
        ("this month", "2026-11-01", "2026-11-06"),
        ("Q3", "2026-07-01", "2026-10-01"),
        ("the third quarter of 2025", "2025-07-01", "2025-10-01"),
        ("Oct 1-15", "2026-10-01", "2026-10-16"),
        ("between 2026-10-01 and 2026-10-15", "2026-10-01", "2026-10-16"),
        ("since October 20", "2026-10-20", "2026-11-06"),
        ("on 14 october", "2026-10-14", "2026-10-15"),
        ("in sept. 2026", "2026-09-01", "2026-10-01"),
        ("H1 2026", "2026-01-01", "2026-07-01"),
        ("in December", "2025-12-01", "2026-01-01"),
    ],
)
def test_period_grammar_relative_to_as_of(text: str, start: str, end: str) -> None:
    scan = scan_periods(f"What did we spend {text}?", dt.date(2026, 11, 5))
    assert len(scan.mentions) == 1
    p = scan.mentions[0].period
    assert (p.start.isoformat(), p.end.isoformat()) == (start, end)


def test_may_and_march_are_months_only_where_they_read_as_months() -> None:
    today = dt.date(2026, 11, 5)
    assert scan_periods("May I see spend by team?", today).mentions == []
    assert scan_periods("spend in May", today).mentions[0].period.start == dt.date(2026, 5, 1)


def test_follow_ups_carry_the_previous_plan_over(eval_store: Store, settings: Settings) -> None:
    t = "thread-follow"
    first = ask(
        eval_store, "How much did we spend on OpenAI in September 2026?", thread_id=t, settings=settings
    )
    assert matches(first, 11948.87)
    second = ask(eval_store, "and for Anthropic?", thread_id=t, settings=settings)
    assert matches(second, 17385.52), second.answer
    third = ask(eval_store, "what about October 2026?", thread_id=t, settings=settings)
    assert matches(third, 21199.78), third.answer
    fourth = ask(eval_store, "and the month before?", thread_id=t, settings=settings)
    assert matches(fourth, 17385.52), fourth.answer
    fifth = ask(eval_store, "which team spent the most?", thread_id=t, settings=settings)
    assert fifth.value in TEAMS and "September 2026" in fifth.answer
    other = ask(eval_store, "and for Anthropic?", thread_id="another-thread", settings=settings)
    assert not matches(other, 17385.52)  # no context in a fresh thread: all data


def test_scope_limits_every_query(eval_store: Store, settings: Settings) -> None:
    from spendscope.tools.costs.breakdown import Filter

    a = ask(
        eval_store,
        "What was our total spend in October 2026?",
        settings=settings,
        scope=[Filter(dimension="team", values=["growth"])],
    )
    assert matches(a, 7043.08), a.answer
    assert "Limited to your scope: team=growth" in a.answer


def test_ask_command_prints_exactly_the_json_contract(
    eval_store: Store, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from spendscope.cli import app

    monkeypatch.setenv("SPENDSCOPE_STATE_DIR", str(tmp_path))
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    chart = tmp_path / "chart.png"
    result = CliRunner().invoke(
        app,
        [
            "ask",
            "Which model did we spend the most on in October 2026?",
            "--db",
            str(eval_store.path),
            "--json",
            "--chart",
            str(chart),
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert list(payload) == ["answer", "value", "table", "chart", "tools", "llm"]
    assert payload["value"] == "claude-sonnet-4-5" and payload["llm"] is False
    assert set(payload["table"]) == {"columns", "rows"} and payload["chart"]["$schema"].endswith("v5.json")
    assert payload["tools"][0]["name"] == "query_costs"
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bad = CliRunner().invoke(
        app, ["ask", "total spend", "--db", str(eval_store.path), "--as-of", "yesterday"]
    )
    assert bad.exit_code != 0


def test_the_planned_path_imports_neither_anthropic_nor_langgraph_nor_statsmodels_nor_numpy(
    eval_store: Store, tmp_path: Path
) -> None:
    code = (
        "import sys, datetime as dt\n"
        "from pathlib import Path\n"
        "from spendscope.agents.billy import ask\nfrom spendscope.data.settings import Settings\nfrom spendscope.data.store import Store\n"
        f"a = ask(Store({str(eval_store.path)!r}), 'How much did we spend on Anthropic in September 2026?', "
        f"settings=Settings(state_dir=Path({str(tmp_path)!r})))\n"
        "assert a.value == 17385.52, a.answer\n"
        "heavy = [m for m in ('anthropic', 'langgraph', 'statsmodels', 'numpy') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert run.returncode == 0, run.stderr[-2000:]


def test_forecast_questions_use_the_forecast_operation(
    globex: tuple[Store, dict], settings: Settings
) -> None:
    from spendscope.agents.billy import delegate

    assert delegate.available("forecast")
    a = ask(
        globex[0], "Forecast our spend for the next 14 days", as_of=dt.date(2026, 8, 1), settings=settings
    )
    assert [t.name for t in a.tools] == ["forecast_costs"] and not a.llm
    assert isinstance(a.value, float) and a.value > 0 and a.answer.startswith(f"${a.value:,.2f}")


def test_a_total_and_its_breakdown_come_from_one_query_when_the_breakdown_splits_every_row(
    eval_store: Store, settings: Settings
) -> None:
    """A plain column's groups hold every row once, so their total is the figure (the eval's own answer); a tag's
    groups may not, so the figure is then asked for on its own."""
    a = ask(eval_store, "What was our total spend in October 2026?", settings=settings)
    assert a.value == pytest.approx(136077.61, abs=0.01)
    assert [(t.name, t.input.get("group_by")) for t in a.tools] == [("query_costs", ["provider"])]
    assert a.table.columns[0] == "provider" and len(a.table.rows) > 1
    by_team = ask(
        eval_store,
        "How much did we spend on claude-sonnet-4-5 on Anthropic in October 2026?",
        settings=settings,
    )
    assert [(t.name, t.input.get("group_by")) for t in by_team.tools] == [
        ("query_costs", None),
        ("query_costs", ["team"]),
    ]
    assert by_team.value == pytest.approx(12230.34, abs=0.01)  # Anthropic's claude-sonnet-4-5 line above
