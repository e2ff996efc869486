"""Billy on coding-assistant questions (seats, idle seats, per engineer, per accepted line, by engineer, the
assistants as one line of spend) and on pay-as-you-go versus commitment what-ifs, over many phrasings and two
companies: Quarry Robotics (tests/fixtures/billy/quarry.py: Copilot, Cursor, Claude Code, an Azure PTU with
telemetry) and the demo (Copilot and Cursor). Expected figures come from hand-written SQL over the store."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest
from billy_harness import between, check_case, round_store
from fixtures.billy.quarry import build as build_quarry
from fixtures.billy.quarry import load_assistants
from spendscope.agents.billy import ask
from spendscope.data.settings import Settings
from spendscope.data.store import Store

Q_AS_OF, D_AS_OF = "2026-09-18", "2026-11-01"
AUG, OCT = between("2026-08-01", "2026-09-01"), between("2026-10-01", "2026-11-01")


def per_user(period: str, source: str) -> str:
    return (
        "SELECT sum(EffectiveCost) / count(DISTINCT Tags->>'user') FROM costs "
        f"WHERE {period} AND x_Source = '{source}'"
    )


def seats(tool: str, as_of: str) -> str:
    return (
        f"SELECT count(*) FROM assistant_seats WHERE tool = '{tool}' "
        f"AND (ends_at IS NULL OR CAST(ends_at AS DATE) > DATE '{as_of}')"
    )


def top_user(period: str, source: str) -> str:
    return (
        f"SELECT Tags->>'user' AS u, sum(EffectiveCost) AS v FROM costs WHERE {period} AND x_Source = '{source}' "
        "AND Tags->>'user' IS NOT NULL GROUP BY 1 ORDER BY v DESC"
    )


def category(period: str) -> str:
    return (
        f"SELECT sum(EffectiveCost) FROM costs WHERE {period} "
        "AND x_Source IN ('github_copilot', 'cursor', 'claude_code')"
    )


def per_line(start: str, end: str, tool: str) -> str:
    return (
        f"SELECT (SELECT sum(EffectiveCost) FROM costs WHERE {between(start, end)} AND x_Source = '{tool}') / "
        f"(SELECT sum(accepted_lines) FROM assistant_activity WHERE tool = '{tool}' "
        f"AND day >= DATE '{start}' AND day < DATE '{end}')"
    )


QUARRY = [
    ("seats", "how many copilot seats do we have", "number", seats("github_copilot", Q_AS_OF), Q_AS_OF),
    ("seats", "number of cursor licenses?", "number", seats("cursor", Q_AS_OF), Q_AS_OF),
    ("seats", "how many claude code seats are assigned", "number", seats("claude_code", Q_AS_OF), Q_AS_OF),
    ("idle", "unused copilot licences", "names", "dev-qr|oda-qr|hal-qr", Q_AS_OF),
    ("idle", "which copilot seats are inactive", "names", "dev-qr|oda-qr|hal-qr", Q_AS_OF),
    ("idle", "who isn't using cursor", "names", "eun@quarry.dev", Q_AS_OF),
    ("per", "cursor cost per developer in august", "number", per_user(AUG, "cursor"), None),
    ("per", "avg copilot spend per user in aug", "number", per_user(AUG, "github_copilot"), None),
    ("per", "what does claude code cost us per head in august", "number", per_user(AUG, "claude_code"), None),
    (
        "line",
        "copilot cost per accepted line in august",
        "number",
        per_line("2026-08-01", "2026-09-01", "github_copilot"),
        None,
    ),
    ("by", "which engineer spent the most on cursor in august", "which", top_user(AUG, "cursor"), None),
    ("by", "top copilot users in august", "which", top_user(AUG, "github_copilot"), None),
    ("by", "who burned the most copilot in august", "which", top_user(AUG, "github_copilot"), None),
    ("cat", "total ai coding tools spend in august", "number", category(AUG), None),
    ("cat", "how much do the dev tools cost us in august", "number", category(AUG), None),
    ("none", "hours saved by copilot in august", "none", "", None),
    ("none", "tabnine seats", "none", "", Q_AS_OF),
]

DEMO = [
    ("seats", "how many copilot seats do we have", "number", seats("github_copilot", D_AS_OF), D_AS_OF),
    ("seats", "how many cursor seats", "number", seats("cursor", D_AS_OF), D_AS_OF),
    ("per", "copilot spend per engineer in october", "number", per_user(OCT, "github_copilot"), None),
    ("per", "cursor cost per dev in oct", "number", per_user(OCT, "cursor"), None),
    # the demo holds a MAU metric: a tool's "per user" is its engineers, never the company's AI cost per MAU
    ("per", "whats our copilot spend per user in oct", "number", per_user(OCT, "github_copilot"), None),
    ("per", "cursor cost per seat in october", "number", per_user(OCT, "cursor"), None),
    ("per", "copilot cost per licence in oct", "number", per_user(OCT, "github_copilot"), None),
    ("by", "cursor spend by engineer in october", "which", top_user(OCT, "cursor"), None),
    ("cat", "what did we spend on coding assistants in october", "number", category(OCT), None),
    ("none", "windsurf spend in october", "none", "", None),
    ("none", "what if the copilot seats were on a commitment instead of paygo in october", "none", "", None),
]

PAYG = (
    "SELECT (sum(input_tokens) * 2.50 + sum(output_tokens) * 10.00) / 1000000 FROM usage_events "
    "WHERE ts >= TIMESTAMPTZ '2026-08-01' AND ts < TIMESTAMPTZ '2026-09-01' AND feature = 'dispatch'"
)
WHATIF = [
    (
        "whatif",
        "would dispatch have been cheaper on pay as you go than the ptu in august",
        "number",
        PAYG,
        None,
    ),
    ("whatif", "dispatch ptu vs on demand in august: which is cheaper", "number", PAYG, None),
    ("whatif", "payg what-if for the dispatch-ptu deployment in august", "number", PAYG, None),
    ("none", "what would routing cost on a commitment instead of pay as you go in august", "none", "", None),
]


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(state_dir=tmp_path_factory.mktemp("state"), db=Path("/nonexistent"))


@pytest.fixture(scope="module")
def quarry(tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = tmp_path_factory.mktemp("quarry")
    s = round_store(folder, build_quarry(folder), "quarry")
    load_assistants(s)
    return s


@pytest.mark.parametrize("case", [pytest.param(c, id=f"{c[0]}-{i}") for i, c in enumerate(QUARRY + WHATIF)])
def test_a_coding_assistant_or_what_if_question_is_answered_from_its_operation(
    quarry: Store, settings: Settings, case: tuple
) -> None:
    check_case(quarry, settings, case)


@pytest.mark.parametrize("case", [pytest.param(c, id=f"{c[0]}-{i}") for i, c in enumerate(DEMO)])
def test_the_demo_company_gets_the_same_answers_from_its_own_data(
    demo_store: Store, settings: Settings, case: tuple
) -> None:
    check_case(demo_store, settings, case)


def test_idle_seats_come_from_list_assistant_seats_and_name_the_tool(
    quarry: Store, settings: Settings
) -> None:
    a = ask(quarry, "idle cursor seats?", as_of=dt.date(2026, 9, 18), settings=settings)
    assert [t.name for t in a.tools] == ["list_assistant_seats"]
    assert a.tools[0].input["tool"] == "cursor"
    assert a.value == 1 and a.table.rows[0][1] == "eun@quarry.dev"


def test_a_what_if_without_a_pay_as_you_go_reference_is_declined_naming_what_is_missing(
    tmp_path: Path, settings: Settings
) -> None:
    """The same company with no telemetry: the PTU's pay-as-you-go cost is unknown, so no figure."""
    from spendscope.data.import_focus import import_focus

    paths = build_quarry(tmp_path / "gen")
    s = Store(tmp_path / "q.duckdb", lock_timeout=10)
    import_focus(s, paths["focus"])
    a = ask(s, "what would dispatch have cost on paygo instead of the ptu in august", settings=settings)
    assert a.value is None and "$" not in a.answer
    assert "telemetry" in a.answer and "commitment_utilization" in [t.name for t in a.tools]


def test_the_what_if_figure_is_the_commitment_operations_pay_as_you_go(
    quarry: Store, settings: Settings
) -> None:
    a = ask(quarry, "is dispatch-ptu worth it vs paygo in august?", settings=settings)
    con = duckdb.connect(str(quarry.path), read_only=True)
    try:
        want = float(con.execute(PAYG).fetchone()[0])  # type: ignore[index]
    finally:
        con.close()
    assert a.value == pytest.approx(want, abs=0.01)
    assert [t.name for t in a.tools] == ["query_costs", "commitment_utilization"]
