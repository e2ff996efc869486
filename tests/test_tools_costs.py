"""Cost query and discovery, checked against csv + Decimal sums over the public FOCUS file."""

from __future__ import annotations

from decimal import Decimal

import pytest
from analytics_facts import group, model, month, near, tag, total
from spendscope.data.errors import InvalidPeriod, UnknownDimension
from spendscope.data.store import Store
from spendscope.tools.charts import chart_for
from spendscope.tools.costs.breakdown import (
    CostQueryInput,
    DimensionValuesInput,
    Filter,
    cost_query,
    dimension_values,
    list_dimensions,
)


def test_october_total_is_the_known_figure_and_the_csv_sum(focus_public_store: Store) -> None:
    result = cost_query(focus_public_store, CostQueryInput(period="2026-10"))
    assert near(result.total, Decimal("136077.61"))
    assert near(result.total, total(lambda r: month(r) == "2026-10"))


def test_a_provider_filter_matches_case_insensitively(focus_public_store: Store) -> None:
    result = cost_query(
        focus_public_store,
        CostQueryInput(period="September 2026", filters=[Filter(dimension="provider", values=["anthropic"])]),
    )
    assert near(result.total, Decimal("17385.52"))


def test_breakdown_by_provider_matches_the_csv_and_shares_add_to_100(focus_public_store: Store) -> None:
    result = cost_query(focus_public_store, CostQueryInput(period="2026-10", group_by=["provider"]))
    expected = group(lambda r: month(r) == "2026-10", lambda r: r["ProviderName"])
    assert {r.group["provider"] for r in result.rows} == set(expected)
    for r in result.rows:
        assert near(r.value, expected[r.group["provider"]])
    assert abs(sum(r.share_pct or 0 for r in result.rows) - 100) < 1e-6
    assert [r.value for r in result.rows] == sorted((r.value for r in result.rows), reverse=True)


def test_top_n_sums_the_rest_as_other(focus_public_store: Store) -> None:
    result = cost_query(focus_public_store, CostQueryInput(period="2026-10", group_by=["model"], top=3))
    expected = group(lambda r: month(r) == "2026-10", model)
    assert len(result.rows) == 3
    assert result.other_groups == len(expected) - 3
    kept = sum(Decimal(str(r.value)) for r in result.rows)
    assert near(result.other, sum(expected.values()) - kept)


def test_not_and_prefix_filters(focus_public_store: Store) -> None:
    oct_ = lambda r: month(r) == "2026-10"  # noqa: E731
    not_aws = cost_query(
        focus_public_store,
        CostQueryInput(period="2026-10", filters=[Filter(dimension="provider", op="not", values=["AWS"])]),
    )
    assert near(not_aws.total, total(lambda r: oct_(r) and r["ProviderName"] != "AWS"))
    claude = cost_query(
        focus_public_store,
        CostQueryInput(period="2026-10", filters=[Filter(dimension="model", op="prefix", values=["claude"])]),
    )
    assert near(claude.total, total(lambda r: oct_(r) and (model(r) or "").startswith("claude")))


def test_tags_group_and_untagged_spend_shows_as_none(focus_public_store: Store) -> None:
    result = cost_query(focus_public_store, CostQueryInput(period="2026-10", group_by=["team"]))
    by_team = {r.group["team"]: r.value for r in result.rows}
    assert near(by_team["growth"], Decimal("7043.08"))
    assert near(by_team[None], Decimal("2237.24"))
    assert near(by_team["research"], total(lambda r: month(r) == "2026-10" and tag(r, "team") == "research"))


def test_token_measure_counts_one_token_kind(focus_public_store: Store) -> None:
    result = cost_query(
        focus_public_store,
        CostQueryInput(
            period="2026-09",
            measure="output_tokens",
            filters=[Filter(dimension="model", values=["claude-haiku-4-5"])],
        ),
    )
    assert result.total == 201218180
    assert result.total == float(
        total(
            lambda r: (
                month(r) == "2026-09" and model(r) == "claude-haiku-4-5" and r["SkuMeter"] == "Output Tokens"
            ),
            "ConsumedQuantity",
        )
    )


def test_daily_trend_and_breakdown_give_charts(focus_public_store: Store) -> None:
    trend = cost_query(focus_public_store, CostQueryInput(period="2026-10", group_by=["day", "provider"]))
    spec = chart_for(trend)
    assert spec is not None and spec["mark"]["type"] == "line"
    assert len(spec["data"]["values"]) == len(trend.rows)
    assert spec["encoding"]["color"]["field"] == "series"
    bars = chart_for(
        cost_query(focus_public_store, CostQueryInput(period="2026-10", group_by=["provider"], top=2))
    )
    assert bars is not None and bars["mark"]["type"] == "bar"
    assert bars["data"]["values"][-1]["category"].startswith("other")
    assert chart_for(cost_query(focus_public_store, CostQueryInput(period="2026-10"))) is None


def test_unknown_dimension_and_measure_are_refused_by_code(focus_public_store: Store) -> None:
    with pytest.raises(UnknownDimension) as info:
        cost_query(focus_public_store, CostQueryInput(period="2026-10", group_by=["colour"]))
    assert info.value.code == "unknown_dimension"
    with pytest.raises(UnknownDimension):
        cost_query(focus_public_store, CostQueryInput(period="2026-10", measure="happiness"))


def test_bad_and_empty_periods_are_refused_by_code(focus_public_store: Store) -> None:
    with pytest.raises(InvalidPeriod) as bad:
        cost_query(focus_public_store, CostQueryInput(period="2026-13"))
    assert bad.value.code == "invalid_period"
    with pytest.raises(InvalidPeriod) as empty:
        cost_query(focus_public_store, CostQueryInput(period="2025-01"))
    assert empty.value.code == "invalid_period"
    assert "2026-08-01 to 2026-10-31" in empty.value.message


def test_a_partly_covered_period_says_so(focus_public_store: Store) -> None:
    result = cost_query(focus_public_store, CostQueryInput(period="Q4 2026"))
    assert near(result.total, total(lambda r: month(r) == "2026-10"))
    assert any("partly covered" in a for a in result.assumptions)


def test_discovery_lists_tag_dimensions_and_finds_values_fuzzily(focus_public_store: Store) -> None:
    names = {d.name: d.kind for d in list_dimensions(focus_public_store).dimensions}
    assert names["provider"] == "builtin" and names["team"] in ("provider_tag", "virtual_tag")
    sonnet = dimension_values(
        focus_public_store, DimensionValuesInput(dimension="model", search="Claude Sonnet")
    )
    assert sonnet.values[0].value == "claude-sonnet-4-5"
    anthropic = dimension_values(
        focus_public_store, DimensionValuesInput(dimension="provider", search="anthropic")
    )
    assert anthropic.values[0].value == "Anthropic"
    assert near(anthropic.values[0].cost, total(lambda r: r["ProviderName"] == "Anthropic"))


def test_token_usage_counts_each_token_type_of_a_model(focus_public_store) -> None:
    import csv
    import json

    from spendscope.tools.costs.breakdown import Filter, TokenUsageInput, token_usage

    expected: dict[str, int] = {}
    from samples import public_export

    path = public_export()
    with open(path, encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            details = json.loads(r["SkuPriceDetails"]) if r["SkuPriceDetails"] else {}
            if details.get("x_ModelName") == "claude-haiku-4-5" and r["ChargePeriodStart"].startswith(
                "2026-09"
            ):
                kind = details["x_TokenType"]
                expected[kind] = expected.get(kind, 0) + int(float(r["ConsumedQuantity"]))
    result = token_usage(
        focus_public_store,
        TokenUsageInput(period="2026-09", filters=[Filter(dimension="model", values=["claude-haiku-4-5"])]),
    )
    assert {r.group["token_type"]: int(r.value) for r in result.rows} == expected
    assert expected["output"] == 201_218_180
