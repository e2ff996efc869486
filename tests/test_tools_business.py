"""Unit economics against hand-computed SQL: on a small hand-made store whose split is worked out by hand (revenue in
USD and EUR, a bill of one model split among two customers' events), and on the demo (cost per ticket, revenue per
plan, the unprofitable customer, the cache regression as a unit-cost anomaly). Row scopes and errors by code."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest
from analytics_facts import add_costs, add_events
from spendscope.data.errors import MissingMetric, MissingRate, PermissionDenied, UnknownValue
from spendscope.data.import_metrics import import_metrics
from spendscope.data.import_rates import import_rates
from spendscope.data.store import Store
from spendscope.tools.access import Caller
from spendscope.tools.allocation.owners import SetOwnerInput, set_owner
from spendscope.tools.charts import chart_for
from spendscope.tools.invoke import invoke

SUPPORT = '{"feature":"support-bot","team":"support"}'
SONNET = {
    "ProviderName": "Anthropic",
    "ServiceName": "Claude API",
    "x_Model": "claude-sonnet-4-5",
    "Tags": SUPPORT,
}
METRICS = """period,metric,value,unit,currency,customer,feature,team,plan
2026-09,revenue,100,,USD,a,,,starter
2026-10,revenue,100,,USD,a,,,starter
2026-10,revenue,50,,EUR,b,,,growth
2026-10,revenue,20,,USD,b,support-bot,support,growth
2026-10,subscription,100,,USD,a,,,starter
2026-10,subscription,10,,EUR,b,,,growth
2026-09-01,tickets_resolved,8,tickets,,,support-bot,support,
2026-10-01,tickets_resolved,10,tickets,,,support-bot,support,
2026-10-02,tickets_resolved,20,tickets,,,support-bot,support,
"""
RATES = "currency,to_currency,month,rate\nEUR,USD,2026-09,1.0\nEUR,USD,2026-10,1.1\n"


def event(day: str, customer: str, est: float) -> dict:
    return {
        "ts": f"{day}T10:00:00Z",
        "provider": "anthropic",
        "model": "claude-sonnet-4-5-20250929",
        "customer": customer,
        "feature": "support-bot",
        "team": "support",
        "estimated_cost": est,
        "requests": 1,
        "input_tokens": 100,
    }


@pytest.fixture
def small(store: Store, tmp_path: Path) -> Store:
    add_costs(
        store,
        [
            {"day": "2026-09-01", **SONNET, "EffectiveCost": 4},
            {"day": "2026-10-01", **SONNET, "EffectiveCost": 10},
            {"day": "2026-10-02", **SONNET, "EffectiveCost": 6},
            {
                "day": "2026-10-01",
                "ProviderName": "OpenAI",
                "x_Model": "gpt-4o-mini",
                "EffectiveCost": 4,
                "Tags": '{"feature":"search","team":"search"}',
            },
        ],
    )
    add_events(
        store,
        tmp_path,
        [
            event("2026-09-01", "a", 1),
            event("2026-10-01", "a", 1),
            event("2026-10-01", "b", 3),
            event("2026-10-02", "b", 2),
        ],
    )
    (tmp_path / "r.csv").write_text(RATES, encoding="utf-8")
    (tmp_path / "m.csv").write_text(METRICS, encoding="utf-8")
    import_rates(store, tmp_path / "r.csv")
    import_metrics(store, tmp_path / "m.csv")
    return store


def sql(store: Store, query: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(store.path), read_only=True)
    try:
        return con.execute(query, params or []).fetchall()
    finally:
        con.close()


REVENUE_SQL = """
    SELECT {key}, sum(CASE WHEN m.currency = 'USD' THEN m.value ELSE m.value * r.rate END)
    FROM business_metrics m LEFT JOIN currency_rates r
      ON r.currency = m.currency AND r.period_start <= m.period_start AND m.period_start < r.period_end
    WHERE m.metric = ? AND m.period_start >= ? AND m.period_end <= ? GROUP BY 1"""
ATTRIBUTED_SQL = """
    WITH bill AS (SELECT CAST(ChargePeriodStart AS DATE) AS d, sum(EffectiveCost) AS c FROM costs
                  WHERE x_Model = 'claude-sonnet-4-5' AND ChargePeriodStart >= ? AND ChargePeriodStart < ? GROUP BY 1),
         ev AS (SELECT CAST(ts AS DATE) AS d, customer, sum(estimated_cost) AS e FROM usage_events GROUP BY ALL),
         share AS (SELECT d, customer, e / sum(e) OVER (PARTITION BY d) AS s FROM ev)
    SELECT share.customer, sum(bill.c * share.s) FROM share JOIN bill USING (d) GROUP BY 1"""


def revenue(store: Store, key: str, metric: str, start: str, end: str) -> dict:
    return {k: float(v) for k, v in sql(store, REVENUE_SQL.format(key=key), [metric, start, end])}


def test_customer_profitability_matches_hand_computed_sql(small: Store) -> None:
    r = invoke(small, "profitability", {"period": "2026-10", "trend_months": 2})
    rows = {x.key: x for x in r.rows}
    rev = revenue(small, "customer", "revenue", "2026-10-01", "2026-11-01")
    sub = revenue(small, "customer", "subscription", "2026-10-01", "2026-11-01")
    cost = {k: float(v) for k, v in sql(small, ATTRIBUTED_SQL, ["2026-10-01", "2026-11-01"])}
    assert rev == {"a": 100, "b": pytest.approx(75)} and cost == {
        "a": pytest.approx(2.5),
        "b": pytest.approx(13.5),
    }
    for c in ("a", "b"):
        x = rows[c]
        assert x.revenue == pytest.approx(rev[c]) and x.ai_cost == pytest.approx(cost[c])
        assert x.subscription == pytest.approx(sub[c])
        assert x.margin == pytest.approx(rev[c] - cost[c])
        assert x.margin_pct == pytest.approx((rev[c] - cost[c]) / rev[c] * 100)
        assert x.ai_cost_pct_of_revenue == pytest.approx(cost[c] / rev[c] * 100)
        assert x.revenue_share_pct == pytest.approx(rev[c] / sum(rev.values()) * 100)
    assert (rows["a"].plan, rows["b"].plan) == ("starter", "growth")
    assert [p.month for p in rows["a"].trend] == ["2026-09", "2026-10"]
    assert rows["a"].trend[0].ai_cost_pct_of_revenue == pytest.approx(4.0)  # September: 4 of 100
    assert r.revenue == pytest.approx(175) and r.ai_cost == pytest.approx(16)
    assert r.unattributed_cost == pytest.approx(4)  # the OpenAI line has no telemetry
    assert chart_for(r) is not None


def test_customers_over_their_subscription_or_below_a_floor_come_first(small: Store) -> None:
    r = invoke(small, "profitability", {"period": "2026-10"})
    assert [x.key for x in r.rows] == ["b", "a"]  # b: AI cost 13.5 > subscription 11 (10 EUR at 1.1)
    b = r.rows[0]
    assert b.cost_exceeds_subscription and b.at_risk and not b.below_floor and r.at_risk == 1
    floored = invoke(small, "profitability", {"period": "2026-10", "margin_floor_pct": 90})
    assert {x.key: x.below_floor for x in floored.rows} == {"b": True, "a": False}  # b 82%, a 97.5%
    invoke(
        small,
        "set_margin_floor",
        {
            "name": "Starter margin",
            "floor_pct": 99,
            "filters": [{"dimension": "plan", "values": ["starter"]}],
        },
    )
    stored = {
        x.key: (x.floor_pct, x.below_floor)
        for x in invoke(small, "profitability", {"period": "2026-10"}).rows
    }
    assert stored == {"a": (99, True), "b": (None, False)}  # the floor covers starter customers only


def test_plan_and_feature_profitability_sum_what_each_holds(small: Store) -> None:
    plans = {x.key: x for x in invoke(small, "profitability", {"period": "2026-10", "by": "plan"}).rows}
    assert plans["starter"].ai_cost == pytest.approx(2.5) and plans["growth"].ai_cost == pytest.approx(13.5)
    assert plans["growth"].revenue == pytest.approx(75)
    feats = {x.key: x for x in invoke(small, "profitability", {"period": "2026-10", "by": "feature"}).rows}
    assert feats["support-bot"].revenue == pytest.approx(20) and feats[
        "support-bot"
    ].ai_cost == pytest.approx(16)
    assert (
        feats[None].revenue == pytest.approx(155) and feats[None].ai_cost == 0
    )  # revenue recorded per customer
    only_growth = invoke(
        small,
        "profitability",
        {"period": "2026-10", "filters": [{"dimension": "plan", "values": ["growth"]}]},
    )
    assert [x.key for x in only_growth.rows] == ["b"]


def test_cost_per_ticket_is_the_matched_cost_over_the_units(small: Store) -> None:
    r = invoke(
        small, "cost_per_business_unit", {"metric": "tickets resolved", "period": "2026-10", "grain": "day"}
    )
    assert r.match_on == ["feature", "team"] and r.basis == "bill"
    assert [(t.period, t.cost, t.units, t.cost_per_unit) for t in r.totals] == [
        ("2026-10-01", 10, 10, pytest.approx(1.0)),
        ("2026-10-02", 6, 20, pytest.approx(0.3)),
    ]
    assert r.total.cost_per_unit == pytest.approx(16 / 30) and r.cost_outside_metric == pytest.approx(4)
    per_k = invoke(
        small,
        "cost_per_business_unit",
        {"metric": "tickets_resolved", "period": "2026-10", "per": 1000, "match_on": []},
    )
    assert per_k.total.cost_per_unit == pytest.approx(20 / 30 * 1000)  # all AI cost, per 1k tickets
    by_customer = invoke(
        small,
        "cost_per_business_unit",
        {"metric": "revenue", "period": "2026-10", "group_by": ["customer"], "grain": "total"},
    )
    assert by_customer.basis == "telemetry"
    assert {x.group["customer"]: x.cost_per_unit for x in by_customer.rows} == {
        "a": pytest.approx(2.5 / 100),
        "b": pytest.approx(13.5 / 75),
    }  # AI cost per dollar of revenue


def test_metric_values_convert_money_and_group_by_what_the_metric_carries(small: Store) -> None:
    r = invoke(
        small, "query_business_metrics", {"metric": "revenue", "period": "2026-10", "group_by": ["plan"]}
    )
    assert {x.group["plan"]: x.value for x in r.rows} == {"starter": 100, "growth": pytest.approx(75)}
    assert r.unit == "USD" and r.total == pytest.approx(175)
    catalog = invoke(small, "list_business_metrics", {})
    assert [m.metric for m in catalog.metrics] == ["revenue", "subscription", "tickets_resolved"]
    assert {v.dimension: v.values for v in catalog.values}["plan"] == ["growth", "starter"]


def test_a_missing_rate_is_an_error_naming_the_currency_and_the_period(small: Store, tmp_path: Path) -> None:
    with small.writer() as con:
        con.execute("DELETE FROM currency_rates WHERE period_start = DATE '2026-10-01'")
    with pytest.raises(MissingRate) as err:
        invoke(small, "profitability", {"period": "2026-10"})
    assert err.value.code == "missing_rate"
    assert (err.value.details["currency"], err.value.details["period"]) == ("EUR", "2026-10")


def test_a_missing_metric_is_named_with_the_metrics_there_are(small: Store) -> None:
    with pytest.raises(MissingMetric) as err:
        invoke(small, "cost_per_business_unit", {"metric": "tickets_closed", "period": "2026-10"})
    assert err.value.code == "missing_metric" and err.value.details["metric"] == "tickets_closed"
    assert "tickets_resolved" in err.value.message
    with pytest.raises(MissingMetric):
        invoke(small, "profitability", {"period": "2026-10", "revenue_metric": "arr"})


def test_a_misspelt_plan_or_customer_is_an_error_naming_the_closest_business_value(small: Store) -> None:
    plan = {"dimension": "plan", "values": ["grwoth"]}
    for name, args in (
        ("profitability", {"period": "2026-10", "by": "plan", "filters": [plan]}),
        ("query_business_metrics", {"metric": "revenue", "period": "2026-10", "filters": [plan]}),
        ("list_business_targets", {"filters": [plan]}),
        ("set_margin_floor", {"name": "growth floor", "floor_pct": 50, "filters": [plan]}),
    ):
        with pytest.raises(UnknownValue) as err:
            invoke(small, name, args)
        assert err.value.code == "unknown_value", name
        assert err.value.message == "no plan 'grwoth'; closest: growth", name
    with pytest.raises(UnknownValue) as err:
        invoke(
            small,
            "profitability",
            {"period": "2026-10", "filters": [{"dimension": "customer", "values": ["c"]}]},
        )
    assert "no customer 'c'" in err.value.message


def test_business_values_resolve_from_either_side_in_any_case(small: Store) -> None:
    upper = invoke(
        small,
        "profitability",
        {"period": "2026-10", "filters": [{"dimension": "plan", "values": ["GROWTH"]}]},
    )
    assert [x.key for x in upper.rows] == ["b"] and upper.rows[0].revenue == pytest.approx(75)
    # a feature the bill holds but no metric row does stands (the cost side knows it)
    search = invoke(
        small,
        "cost_per_business_unit",
        {
            "metric": "tickets_resolved",
            "period": "2026-10",
            "cost_filters": [],
            "filters": [{"dimension": "feature", "values": ["search"]}],
        },
    )
    assert search.metric == "tickets_resolved"
    # a floor for a customer that has no rows yet is saved when the caller says so
    saved = invoke(
        small,
        "set_margin_floor",
        {
            "name": "new customer",
            "floor_pct": 40,
            "filters": [{"dimension": "customer", "values": ["zeta"]}],
            "allow_unknown_values": True,
        },
    )
    assert saved.created and saved.margin_floor.filters[0].values == ["zeta"]


def test_a_row_scoped_caller_is_refused_business_figures_and_targets(small: Store) -> None:
    search = Caller("search", can_write=True, row_scope={"team": ("search",)})
    for name, args in (
        ("list_business_metrics", {}),
        ("profitability", {"period": "2026-10"}),
        ("cost_per_business_unit", {"metric": "tickets_resolved", "period": "2026-10"}),
        ("set_margin_floor", {"name": "x", "floor_pct": 50}),
    ):
        with pytest.raises(PermissionDenied) as err:
            invoke(small, name, args, search)
        assert err.value.code == PermissionDenied.code, name


# --------------------------------------------------------------------------------------------------- the demo


def demo_sql(store: Store, query: str, params: list | None = None) -> list[tuple]:
    return sql(store, query, params)


def test_demo_cost_per_ticket_matches_the_bill_and_the_tickets(demo_store: Store) -> None:
    r = invoke(demo_store, "cost_per_business_unit", {"metric": "tickets_resolved", "period": "2026-10"})
    ((cost,),) = demo_sql(
        demo_store,
        "SELECT sum(EffectiveCost) FROM costs WHERE Tags->>'feature' = 'support-bot' AND Tags->>'team' = 'support' "
        "AND ChargePeriodStart >= TIMESTAMPTZ '2026-10-01' AND ChargePeriodStart < TIMESTAMPTZ '2026-11-01'",
    )
    ((tickets,),) = demo_sql(
        demo_store,
        "SELECT sum(value) FROM business_metrics WHERE metric = 'tickets_resolved' AND period_start >= DATE '2026-10-01' "
        "AND period_start < DATE '2026-11-01'",
    )
    assert r.total.cost == pytest.approx(float(cost), abs=0.01) and r.total.units == float(tickets)
    assert r.total.cost_per_unit == pytest.approx(float(cost / tickets), rel=1e-6)
    by_provider = invoke(
        demo_store,
        "cost_per_business_unit",
        {"metric": "tickets_resolved", "period": "2026-10", "group_by": ["provider"]},
    )
    assert sum(x.cost_per_unit for x in by_provider.rows) == pytest.approx(r.total.cost_per_unit, rel=1e-6)


def test_demo_revenue_per_plan_converts_the_eur_customer(demo_store: Store) -> None:
    expected = revenue(demo_store, "plan", "revenue", "2026-10-01", "2026-11-01")
    got = invoke(
        demo_store, "query_business_metrics", {"metric": "revenue", "period": "2026-10", "group_by": ["plan"]}
    )
    assert {x.group["plan"]: x.value for x in got.rows} == pytest.approx(expected)
    assert demo_sql(
        demo_store, "SELECT count(DISTINCT customer) FROM business_metrics WHERE currency = 'EUR'"
    ) == [(1,)]


def test_the_demos_unprofitable_customer_is_listed_first_with_its_story(demo_store: Store) -> None:
    r = invoke(demo_store, "profitability", {"period": "2026-10"})
    first = r.rows[0]
    assert first.at_risk and first.cost_exceeds_subscription and first.below_floor and r.at_risk == 1
    assert (
        first.floor_pct == 60
        and first.floor_name == "customer-margin"
        and first.trend_direction == "worsening"
    )
    rev = revenue(demo_store, "customer", "revenue", "2026-10-01", "2026-11-01")[first.key]
    attributed = invoke(demo_store, "attribute_costs_to_customers", {"period": "2026-10", "measure": "cost"})
    cost = {row.values["customer"]: float(row.cost) for row in attributed.rows}
    assert first.revenue == pytest.approx(rev) and first.ai_cost == pytest.approx(cost[first.key], abs=0.01)
    assert first.ai_cost > first.revenue  # it costs more than it pays
    assert sum(x.ai_cost for x in r.rows) == pytest.approx(float(attributed.attributed), abs=0.05)


def test_the_demos_cache_regression_is_a_unit_cost_anomaly(demo_store: Store) -> None:
    ((day, end),) = demo_sql(
        demo_store, "SELECT day, end_day FROM anomaly_labels WHERE kind = 'cache_regression'"
    )
    r = invoke(demo_store, "detect_unit_anomalies", {"metric": "tickets_resolved", "days": 30})
    spikes = [a for a in r.anomalies if a.direction == "spike"]
    assert [(a.start_day, a.end_day) for a in spikes] == [(day, end)]
    assert spikes[0].relative_pct > 40 and "cost per ticket rose" in spikes[0].explanation


def test_unit_budget_status_and_alerts_on_the_demo(demo_store: Store, tmp_path: Path) -> None:
    store = Store(tmp_path / "demo.duckdb", lock_timeout=10)
    shutil.copy(demo_store.path, store.path)
    status = invoke(store, "unit_budget_status", {"as_of": dt.date(2026, 11, 1)}).budgets[0]
    assert (
        status.budget.name == "cost-per-ticket"
        and status.status == "over"
        and status.latest.period == "2026-W43"
    )
    ((cost, tickets),) = demo_sql(
        store,
        "SELECT (SELECT sum(EffectiveCost) FROM costs WHERE Tags->>'feature' = 'support-bot' AND Tags->>'team' = "
        "'support' AND ChargePeriodStart >= TIMESTAMPTZ '2026-10-19' AND ChargePeriodStart < TIMESTAMPTZ '2026-10-26'), "
        "(SELECT sum(value) FROM business_metrics WHERE metric = 'tickets_resolved' AND period_start BETWEEN "
        "DATE '2026-10-19' AND DATE '2026-10-25')",
    )
    assert status.latest.cost_per_unit == pytest.approx(float(cost / tickets), rel=1e-6)
    alerts = invoke(store, "business_alerts", {"as_of": dt.date(2026, 11, 1)}).alerts
    assert sorted(a.kind for a in alerts) == ["margin_floor", "unit_anomaly", "unit_budget"]
    margin = next(a for a in alerts if a.kind == "margin_floor")
    first = invoke(store, "profitability", {"period": "2026-10"}).rows[0]
    assert (margin.value, margin.severity, margin.owner.slack_channel) == (first.key, "high", "#revenue-ops")
    set_owner(store, SetOwnerInput(key="customer", value=first.key, slack_channel="#acct-team"))
    again = invoke(store, "business_alerts", {"as_of": dt.date(2026, 11, 1)}).alerts
    routed = next(a for a in again if a.kind == "margin_floor")
    assert (
        routed.owner.slack_channel == "#acct-team" and routed.alert_id == margin.alert_id
    )  # same id: sent once
