"""Billy on wordings the lead found answered wrong on the demo company (session 23): a commitment "we are wasting"
is its unused part, not its whole cost; "prod cost vs staging" sets two values of one dimension against each other
(staging was read as the sub-accounts whose names hold the word); "the split between A and B" gives each one's
figure, not their sum. Expected figures are SQL over the demo's rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from billy_harness import between, check_case
from spendscope.data.settings import Settings
from spendscope.data.store import Store

OCT = between("2026-10-01", "2026-11-01")
AS_OF = "2026-11-05"


def cost(where: str) -> str:
    return f"SELECT sum(EffectiveCost) FROM costs WHERE {OCT} AND {where}"


UNUSED = cost("CommitmentDiscountStatus = 'Unused'")
OCT_1_TO_6 = f"SELECT sum(EffectiveCost) FROM costs WHERE {between('2026-10-01', '2026-10-07')}"
SEP_1_TO_6 = f"SELECT sum(EffectiveCost) FROM costs WHERE {between('2026-09-01', '2026-09-07')}"
SEP_PER_DAY = f"SELECT sum(EffectiveCost) / 30 FROM costs WHERE {between('2026-09-01', '2026-10-01')}"
TOP_MODEL_BUT_SONNET = (
    f"SELECT x_Model, sum(EffectiveCost) AS v FROM costs WHERE {OCT} AND x_Model IS NOT NULL "
    "AND x_Model <> 'claude-sonnet-4-5' GROUP BY 1 ORDER BY v DESC"
)
SHARE_OF_OCT = (
    "SELECT 100 * sum(EffectiveCost) FILTER (WHERE ProviderName = '{}') / sum(EffectiveCost) FROM costs WHERE "
    + OCT
)
BEDROCK_OF_AWS = (
    f"SELECT 100 * sum(EffectiveCost) FILTER (WHERE ServiceName = 'Amazon Bedrock') / sum(EffectiveCost) "
    f"FROM costs WHERE {OCT} AND ProviderName = 'AWS'"
)
ANTHROPIC_DRIVER = (  # the team whose Anthropic spend rose the most from September to October
    "SELECT Tags->>'team', sum(EffectiveCost) FILTER (WHERE ChargePeriodStart >= TIMESTAMPTZ '2026-10-01') "
    "- coalesce(sum(EffectiveCost) FILTER (WHERE ChargePeriodStart < TIMESTAMPTZ '2026-10-01'), 0) AS v "
    "FROM costs WHERE ChargePeriodStart >= TIMESTAMPTZ '2026-09-01' AND ChargePeriodStart < TIMESTAMPTZ "
    "'2026-11-01' AND ProviderName = 'Anthropic' AND Tags->>'team' IS NOT NULL GROUP BY 1 ORDER BY v DESC"
)
TEAM_BY_PCT = (
    "SELECT Tags->>'team', sum(EffectiveCost) FILTER (WHERE ChargePeriodStart >= TIMESTAMPTZ '2026-10-01') "
    "/ sum(EffectiveCost) FILTER (WHERE ChargePeriodStart < TIMESTAMPTZ '2026-10-01') AS v FROM costs "
    "WHERE ChargePeriodStart >= TIMESTAMPTZ '2026-09-01' AND ChargePeriodStart < TIMESTAMPTZ '2026-11-01' "
    "AND Tags->>'team' IN ('search', 'growth', 'legal') GROUP BY 1 ORDER BY v DESC"
)
GREW_MORE = (
    "SELECT Tags->>'team', sum(EffectiveCost) FILTER (WHERE ChargePeriodStart >= TIMESTAMPTZ '2026-10-01') "
    "- sum(EffectiveCost) FILTER (WHERE ChargePeriodStart < TIMESTAMPTZ '2026-10-01') AS v FROM costs "
    "WHERE ChargePeriodStart >= TIMESTAMPTZ '2026-09-01' AND ChargePeriodStart < TIMESTAMPTZ '2026-11-01' "
    "AND Tags->>'team' IN ('platform', 'data-science') GROUP BY 1 ORDER BY v DESC"
)
TOP_TEAM_BUT_SUPPORT = (
    f"SELECT Tags->>'team', sum(EffectiveCost) AS v FROM costs WHERE {OCT} AND Tags->>'team' IS NOT NULL "
    "AND Tags->>'team' <> 'support' GROUP BY 1 ORDER BY v DESC"
)
CASES = [
    ("waste", "how much are we wasting on the ptu in october", "number", UNUSED, AS_OF),
    ("waste", "how much ptu did we waste in oct", "number", UNUSED, AS_OF),
    ("vs", "what did prod cost vs staging in october", "number", cost("Tags->>'env' = 'staging'"), AS_OF),
    ("vs", "what did prod cost vs staging in october", "number", cost("Tags->>'env' = 'prod'"), AS_OF),
    ("split", "whats the split between support and search in oct", "number", cost("Tags->>'team' = 'search'"), AS_OF),
    ("split", "whats the split between support and search in oct", "number", cost("Tags->>'team' = 'support'"), AS_OF),
    ("split", "how was october spend split between openai and anthropic", "number", cost("ProviderName = 'OpenAI'"), AS_OF),
    # a ranking that leaves a value out ranks the others (it ranked only the value left out)
    ("excl", "top 3 models by spend in oct excluding claude-sonnet-4-5", "which", TOP_MODEL_BUT_SONNET, AS_OF),
    ("excl", "which team spent the most in october apart from support", "which", TOP_TEAM_BUT_SUPPORT, AS_OF),
    # which of two named values grew more: each one's change, not their sum's nor which spent more
    # one period's spend on GPU instances against the rest (it was read as the GPUs' change between periods)
    ("gpu", "what did platform spend on gpus vs apis in october", "number", cost("Tags->>'team' = 'platform' AND x_GpuCount > 0"), AS_OF),
    ("gpu", "what did platform spend on gpus vs apis in october", "number", cost("Tags->>'team' = 'platform' AND coalesce(x_GpuCount, 0) = 0"), AS_OF),
    # periods: a day of this month, a month to date against the same days of the one before, daily averages
    ("when", "spend since the first of the month", "number", OCT_1_TO_6, "2026-10-06"),
    ("when", "openai spend since the 1st", "number", f"{OCT_1_TO_6} AND ProviderName = 'OpenAI'", "2026-10-06"),
    ("when", "spend mtd vs same time last month", "number", SEP_1_TO_6, "2026-10-06"),
    ("when", "mtd vs last month", "number", SEP_1_TO_6, "2026-10-06"),
    ("when", "october's daily avg vs september's", "number", f"SELECT sum(EffectiveCost) / 31 FROM costs WHERE {OCT}", AS_OF),
    ("when", "avg daily spend sep vs oct", "number", SEP_PER_DAY, AS_OF),
    # shares: the whole said first; a whole the store does not hold (its bills are all AI spend)
    ("share", "of our aws spend in oct what % was bedrock", "number", BEDROCK_OF_AWS, AS_OF),
    ("share", "whats our ai spend as a % of total cloud in october", "none", "", AS_OF),
    # each named value's share of the whole (it gave their sum's)
    ("share", "what % of october spend was openai vs anthropic", "number", SHARE_OF_OCT.format("OpenAI"), AS_OF),
    ("share", "what % of october spend was openai vs anthropic", "number", SHARE_OF_OCT.format("Anthropic"), AS_OF),
    ("share", "what percent of our cloud bill is ai", "none", "", AS_OF),
    # "what's driving": the drivers, not only the change
    ("why", "whats driving the increase in anthropic spend in october", "which", ANTHROPIC_DRIVER, AS_OF),
    # a ranking of changes asked in percent is ranked by the change in percent
    # (search rose the most in money, growth in percent)
    ("pct", "of search, growth and legal, which had the biggest % increase in october", "which", TEAM_BY_PCT, AS_OF),
    ("pct", "which of search, growth and legal grew the most in percentage terms in oct", "which", TEAM_BY_PCT, AS_OF),
    ("pct", "which of search, growth and legal spent the most in october", "which", cost("true").replace("sum(EffectiveCost)", "Tags->>'team', sum(EffectiveCost) AS v") + " AND Tags->>'team' IN ('search', 'growth', 'legal') GROUP BY 1 ORDER BY v DESC", AS_OF),
    # an instance family in the plural ("the g5s"): its instance types (it was an unknown name)
    ("family", "how much did the g5s cost in oct", "number", cost("x_InstanceType LIKE 'g5.%'"), AS_OF),
    ("grew", "did platform or data science grow more in october", "which", GREW_MORE, AS_OF),
    ("grew", "which grew faster from sep to oct, platform or data-science", "which", GREW_MORE, AS_OF),
    ("grew", "platform vs data-science: who grew more from september to october", "which", GREW_MORE, AS_OF),
]  # fmt: skip


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(state_dir=tmp_path_factory.mktemp("state"), db=Path("/nonexistent"))


@pytest.mark.parametrize("case", [pytest.param(c, id=f"{c[0]}-{i}") for i, c in enumerate(CASES)])
def test_the_demo_company_is_answered_as_asked(demo_store: Store, settings: Settings, case: tuple) -> None:
    check_case(demo_store, settings, case)


@pytest.mark.parametrize(
    "question",
    ["whats the idle cost on the legacy embedder in october", "legacy embedder idle gpu cost oct"],
)
def test_idle_cost_of_named_rows_is_their_gpus_idle_time(
    demo_store: Store, settings: Settings, question: str
) -> None:
    """A feature whose rows are a GPU box: "idle" is the time its GPUs sat unused (gpu_utilization), not the
    commitments' unused part (which it never carries)."""
    import datetime as dt

    from spendscope.agents.billy import ask
    from spendscope.tools.costs.breakdown import Filter
    from spendscope.tools.optimize.gpu import GpuInput, gpu_utilization

    want = gpu_utilization(
        demo_store,
        GpuInput(
            start=dt.date(2026, 10, 1),
            end=dt.date(2026, 10, 31),
            filters=[Filter(dimension="feature", values=["legacy-embedder"])],
        ),
    ).total.idle_cost
    assert want and want > 1000
    answer = ask(demo_store, question, as_of=dt.date(2026, 11, 5), settings=settings)
    assert answer.value == pytest.approx(want, rel=0.01), answer.answer


@pytest.mark.parametrize(
    ("question", "n"), [("top 5 days by spend in oct", 5), ("the three most expensive weeks in october", 3)]
)
def test_the_top_n_days_or_weeks_are_each_listed(
    demo_store: Store, settings: Settings, question: str, n: int
) -> None:
    import datetime as dt

    from spendscope.agents.billy import ask

    grain = "week" if "week" in question else "day"
    with demo_store.reader() as con:
        top = con.execute(
            f"SELECT CAST(date_trunc('{grain}', ChargePeriodStart) AS DATE) AS d, sum(EffectiveCost) AS v "
            f"FROM costs WHERE {OCT} GROUP BY 1 ORDER BY v DESC LIMIT {n}"
        ).fetchall()
    answer = ask(demo_store, question, as_of=dt.date(2026, 11, 5), settings=settings)
    for d, _ in top:
        assert d.isoformat() in answer.answer, answer.answer


def _rise(dim: str, team: str) -> str:
    """The `dim` value whose spend on `team` rose the most from September to October."""
    return (
        f"SELECT {dim}, coalesce(sum(EffectiveCost) FILTER (WHERE ChargePeriodStart >= TIMESTAMPTZ '2026-10-01'), 0) "
        f"- coalesce(sum(EffectiveCost) FILTER (WHERE ChargePeriodStart < TIMESTAMPTZ '2026-10-01'), 0) AS v "
        f"FROM costs WHERE {between('2026-09-01', '2026-11-01')} AND Tags->>'team' = '{team}' AND {dim} IS NOT NULL "
        "GROUP BY 1 ORDER BY v DESC"
    )


def _team(team: str, start: str, end: str) -> str:
    return f"SELECT sum(EffectiveCost) FROM costs WHERE {between(start, end)} AND Tags->>'team' = '{team}'"


SEP_TO_OCT = (
    f"({_team('support', '2026-10-01', '2026-11-01')}) - ({_team('support', '2026-09-01', '2026-10-01')})"
)
THREADS = {
    # "why?" after two months' figures: what changed from the one before; then the drivers by what is named
    "why-after-figures": [
        ("how much did support spend in sep", "number", _team("support", "2026-09-01", "2026-10-01")),
        ("and oct?", "number", _team("support", "2026-10-01", "2026-11-01")),
        ("why?", "number", f"SELECT {SEP_TO_OCT}"),
        ("which model drove it", "which", _rise("x_Model", "support")),
        ("and which feature", "which", _rise("Tags->>'feature'", "support")),
    ],
    "drivers-after-a-change": [
        ("how did data science spend change from sep to oct", "number", f"SELECT ({_team('data-science', '2026-10-01', '2026-11-01')}) - ({_team('data-science', '2026-09-01', '2026-10-01')})"),
        ("which provider drove it", "which", _rise("ProviderName", "data-science")),
    ],
}  # fmt: skip


@pytest.mark.parametrize("name", list(THREADS))
def test_a_thread_asks_why_and_then_by_what(demo_store: Store, settings: Settings, name: str) -> None:
    from billy_harness import check_thread

    check_thread(demo_store, settings, f"lead23-{name}", THREADS[name], AS_OF)


@pytest.mark.parametrize(
    ("question", "rows"),
    [
        (
            "how much would we have saved moving support-bot to haiku in october",
            "Tags->>'feature' = 'support-bot'",
        ),
        # a name that matches several models moves them all ("all sonnet traffic"); it was read as a change
        (
            "if we moved all sonnet traffic to haiku in october how much would we have saved",
            "x_Model LIKE '%sonnet%'",
        ),
    ],
)
def test_a_move_to_a_model_billed_for_fewer_token_kinds_prices_the_rest_from_the_catalog(
    demo_store: Store, settings: Settings, question: str, rows: str
) -> None:
    """Haiku is billed for input and output only: the cache tokens moved onto it are priced at the catalog's list
    price scaled the way this bill prices haiku's input and output (the median of the two ratios); it was refused."""
    import datetime as dt

    from spendscope.agents.billy import ask
    from spendscope.tools.costs.prices import ShowPricesInput, show_model_prices

    def by_kind(where: str) -> dict[str, tuple[float, float]]:
        with demo_store.reader() as con:
            rows = con.execute(
                f"SELECT x_TokenType, sum(EffectiveCost), sum(x_Tokens) FROM costs WHERE {OCT} AND {where} "
                "AND x_TokenType IS NOT NULL GROUP BY 1"
            ).fetchall()
        return {k: (float(c), float(n)) for k, c, n in rows}

    moved, haiku = by_kind(rows), by_kind("x_Model = 'claude-haiku-4-5'")
    assert {"cache_write", "cached_input"} <= set(moved) - set(haiku)  # the case this test is for
    row = next(
        r
        for r in show_model_prices(demo_store, ShowPricesInput(model="claude-haiku-4-5")).rows
        if r.tier == "standard" and r.band == "all" and r.geo is None
    )
    ratios = sorted(c / n * 1e6 / getattr(row, k) for k, (c, n) in haiku.items())
    factor = ratios[len(ratios) // 2]
    price = {k: c / n for k, (c, n) in haiku.items()}
    price |= {k: getattr(row, k) * factor / 1e6 for k in moved if k not in price}
    saved = sum(c for c, _ in moved.values()) - sum(n * price[k] for k, (_, n) in moved.items())
    answer = ask(demo_store, question, as_of=dt.date(2026, 11, 5), settings=settings)
    assert answer.value == pytest.approx(saved, rel=0.001), answer.answer
    assert "list price" in answer.answer
