"""Virtual-tag breakdowns sum the rows by the columns the rules read first and run the rules once per sum: the
figures are exactly those of the rules written by hand as one CASE over every row, for two dated rule versions,
with time grains, with filters on other dimensions and on the virtual tag itself."""

from __future__ import annotations

import datetime as dt

import pytest
from spendscope.data.store import Store
from spendscope.tools.allocation.versions import ApplyRulesInput, apply_rules
from spendscope.tools.costs.breakdown import CostQueryInput, Filter, cost_query, push_down, resolve_range
from spendscope.tools.costs.dimensions import query_source

V1 = """
tags:
  team:
    - copy: Tags.team
    - when: {SubAccountName: {prefix: sub-1}}
      value: search
    - when: {ProviderName: Anthropic}
      value: growth
"""
V2 = """
tags:
  team:
    - when: {ResourceName: {regex: "^claude-"}}
      value: research
    - copy: Tags.team
"""
TEAM_TAG = "nullif(trim(json_extract_string(Tags, '$.team')), '')"
BY_HAND = f"""
    CASE WHEN ChargePeriodStart >= TIMESTAMPTZ '2026-10-01 00:00:00+00' THEN
        CASE WHEN regexp_matches(nullif(trim(ResourceName), ''), '^claude-') THEN 'research'
             WHEN {TEAM_TAG} IS NOT NULL THEN {TEAM_TAG}
             ELSE 'unallocated' END
    ELSE
        CASE WHEN {TEAM_TAG} IS NOT NULL THEN {TEAM_TAG}
             WHEN starts_with(lower(SubAccountName), 'sub-1') THEN 'search'
             WHEN lower(ProviderName) = 'anthropic' THEN 'growth'
             ELSE 'unallocated' END
    END"""


@pytest.fixture(scope="module")
def tagged_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = Store(tmp_path_factory.mktemp("pushdown") / "store.duckdb", lock_timeout=10)
    store.ensure_schema()
    with store.writer() as con:
        con.execute(
            """INSERT INTO costs (ChargePeriodStart, ChargePeriodEnd, ProviderName, SubAccountName, ResourceName,
                   EffectiveCost, BilledCost, Tags)
               SELECT TIMESTAMPTZ '2026-08-01 12:00:00+00' + to_days(CAST(k % 92 AS INT)),
                      TIMESTAMPTZ '2026-08-02 12:00:00+00' + to_days(CAST(k % 92 AS INT)),
                      ['OpenAI', 'Anthropic', 'Google Cloud'][1 + k % 3], 'sub-' || (k % 23),
                      ['gpt-4.1', 'claude-sonnet-4-5', 'gemini-2.5-pro', 'claude-haiku-4-5'][1 + (k // 3) % 4],
                      CAST((i % 997) * 0.0137 + 0.0001 AS DECIMAL(38,10)), CAST(i % 13 AS DECIMAL(38,10)),
                      CASE WHEN k % 5 = 0 THEN NULL WHEN k % 5 = 1 THEN '{"team":" "}'
                           ELSE '{"team":"t' || (k % 7) || '","env":"prod"}' END
               FROM (SELECT i, i % 460 AS k FROM range(20000) t(i))"""  # a bill repeats its line items
        )
    apply_rules(store, ApplyRulesInput(document=V1, source_file="v1.yaml"))
    apply_rules(
        store, ApplyRulesInput(document=V2, source_file="v2.yaml", effective_from=dt.date(2026, 10, 1))
    )
    return store


def _by_hand(store: Store, group: str, where: str = "true") -> dict[tuple, float]:
    with store.reader() as con:
        rows = con.execute(
            f"""SELECT {group}, CAST(SUM(EffectiveCost) AS DOUBLE) FROM (SELECT *, {BY_HAND} AS team FROM costs)
                WHERE ChargePeriodStart >= TIMESTAMPTZ '2026-08-01 00:00:00+00'
                  AND ChargePeriodStart < TIMESTAMPTZ '2026-11-01 00:00:00+00' AND {where}
                GROUP BY ALL"""
        ).fetchall()
    return {tuple(str(v) for v in r[:-1]): r[-1] for r in rows}


def _ours(store: Store, group_by: list[str], filters: list[Filter] | None = None) -> dict[tuple, float]:
    result = cost_query(
        store,
        CostQueryInput(
            start=dt.date(2026, 8, 1), end=dt.date(2026, 10, 31), group_by=group_by, filters=filters or []
        ),
    )
    return {tuple(str(row.group[g]) for g in group_by): row.value for row in result.rows}


def test_rules_that_read_only_descriptive_columns_run_once_per_sum(tagged_store: Store) -> None:
    with tagged_store.reader() as con:
        source = query_source(con)
    assert source.over is not None
    assert source.reads == {"ChargePeriodStart", "ProviderName", "ResourceName", "SubAccountName", "Tags"}


def test_a_breakdown_by_the_tag_sums_the_rows_first_when_they_repeat(tagged_store: Store) -> None:
    with tagged_store.reader() as con:
        source = query_source(con)
        dims = [source.virtual_tags["team"]]
        period = resolve_range(CostQueryInput(period="2026-10"), con)
        assert push_down(con, source, dims, [], "EffectiveCost", period) is not None


def test_a_breakdown_by_the_virtual_tag_matches_the_rules_written_by_hand(tagged_store: Store) -> None:
    ours, hand = _ours(tagged_store, ["team"]), _by_hand(tagged_store, "team")
    assert set(ours) == set(hand) and {("research",), ("search",), ("growth",), ("t3",)} <= set(ours)
    assert ours == pytest.approx(hand, abs=1e-9)


def test_the_virtual_tag_by_month_and_provider_matches_by_hand(tagged_store: Store) -> None:
    ours = _ours(tagged_store, ["team", "month", "provider"])
    hand = _by_hand(tagged_store, "team, strftime(ChargePeriodStart, '%Y-%m'), ProviderName")
    assert ours == pytest.approx(hand, abs=1e-9)


def test_filters_on_other_dimensions_and_on_the_virtual_tag_match_by_hand(tagged_store: Store) -> None:
    ours = _ours(
        tagged_store, ["team"], [Filter(dimension="provider", op="in", values=["Anthropic", "OpenAI"])]
    )
    assert ours == pytest.approx(_by_hand(tagged_store, "team", "ProviderName IN ('Anthropic', 'OpenAI')"))
    ours = _ours(tagged_store, ["provider"], [Filter(dimension="team", op="eq", values=["search"])])
    assert ours == pytest.approx(_by_hand(tagged_store, "ProviderName", "team = 'search'"), abs=1e-9)


def test_rules_that_test_an_amount_run_on_the_rows(tmp_path) -> None:  # noqa: ANN001
    store = Store(tmp_path / "store.duckdb", lock_timeout=10)
    store.ensure_schema()
    apply_rules(
        store,
        ApplyRulesInput(document="tags:\n  size:\n    - when: {BilledCost: {gt: 5}}\n      value: big\n"),
    )
    with store.reader() as con:
        assert query_source(con).over is None
