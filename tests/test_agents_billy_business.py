"""Billy answers margin, revenue, revenue share and cost-per-business-unit questions from the business metrics
(the `profitability` and `cost_per_business_unit` operations), names the metric that is missing when the store
lacks it, and keeps declining ("the store does not hold margin") when the store holds no business metrics."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest
from analytics_facts import add_costs
from spendscope.agents.billy import ask
from spendscope.data.import_metrics import import_metrics
from spendscope.data.settings import Settings
from spendscope.data.store import Store
from spendscope.tools.invoke import invoke

AS_OF = dt.date(2026, 11, 5)
OCTOBER = ("2026-10-01", "2026-11-01")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(state_dir=tmp_path / "state", db=Path("/nonexistent"))


def _sql(store: Store, sql: str, *params: object) -> float:
    con = duckdb.connect(str(store.path), read_only=True)
    try:
        return float(con.execute(sql, list(params)).fetchone()[0] or 0)
    finally:
        con.close()


def _revenue(store: Store, where: str = "TRUE", *params: object) -> float:
    """October's revenue in USD: EUR rows at their month's rate (hand-written, not the operation's SQL)."""
    return _sql(
        store,
        "SELECT sum(CASE WHEN m.currency = 'USD' THEN m.value ELSE m.value * r.rate END) FROM business_metrics m "
        "LEFT JOIN currency_rates r ON r.currency = m.currency AND r.period_start <= m.period_start "
        "AND m.period_start < r.period_end WHERE m.metric = 'revenue' AND m.period_start >= ? "
        f"AND m.period_end <= ? AND {where}",
        *OCTOBER,
        *params,
    )


def test_billy_names_the_customer_that_costs_more_than_it_pays(demo_store: Store, settings: Settings) -> None:
    answer = ask(
        demo_store, "which customers cost more than they pay in October 2026?", as_of=AS_OF, settings=settings
    )
    prof = invoke(demo_store, "profitability", {"period": "2026-10"})
    first = prof.rows[0]
    assert first.at_risk and first.cost_exceeds_subscription
    assert answer.value == first.key and [t.name for t in answer.tools] == ["profitability"]
    paid = _revenue(demo_store, "m.customer = ?", first.key)
    assert f"${paid:,.2f}" in answer.answer and f"${first.ai_cost:,.2f}" in answer.answer
    assert "1 customer at risk" in answer.answer


def test_billy_gives_a_features_margin_against_its_revenue(demo_store: Store, settings: Settings) -> None:
    answer = ask(
        demo_store,
        "what was the margin on feature contract-review in October 2026?",
        as_of=AS_OF,
        settings=settings,
    )
    row = next(
        r
        for r in invoke(demo_store, "profitability", {"period": "2026-10", "by": "feature"}).rows
        if r.key == "contract-review"
    )
    revenue = _revenue(demo_store, "m.feature = 'contract-review'")
    assert row.revenue == pytest.approx(revenue)
    assert answer.value == pytest.approx(row.margin_pct)
    assert f"${revenue:,.2f}" in answer.answer and "margin" in answer.answer


def test_a_plans_revenue_share_is_of_all_revenue(demo_store: Store, settings: Settings) -> None:
    answer = ask(
        demo_store,
        "what is the revenue share of the enterprise plan last month?",
        as_of=AS_OF,
        settings=settings,
    )
    share = 100 * _revenue(demo_store, "m.plan = 'enterprise'") / _revenue(demo_store)
    assert answer.value == pytest.approx(share, abs=0.01)


def test_a_value_that_is_a_team_and_a_plan_is_read_as_the_word_beside_it(
    demo_store: Store, settings: Settings
) -> None:
    # 'growth' is a team on the bill and a plan in the business metrics: "the growth plan" is the plan
    answer = ask(
        demo_store, "whats our gross margin on the growth plan last month", as_of=AS_OF, settings=settings
    )
    assert answer.table is not None and answer.table.columns[0] == "plan"
    assert answer.table.rows[0][0] == "growth"
    assert answer.table.rows[0][1] == pytest.approx(_revenue(demo_store, "m.plan = 'growth'"))
    assert "team" not in answer.answer


def test_a_misspelt_customer_gets_no_margin_and_the_nearest_name(
    demo_store: Store, settings: Settings
) -> None:
    answer = ask(
        demo_store, "what is the margin on customer initek last month", as_of=AS_OF, settings=settings
    )
    assert answer.value is None and not answer.table.rows
    assert "'initek' is not in the data" in answer.answer and "initech" in answer.answer
    assert "does not hold margin" not in answer.answer  # the store holds revenue: the name is what is missing


def test_ai_cost_as_a_share_of_a_customers_revenue(demo_store: Store, settings: Settings) -> None:
    first = invoke(demo_store, "profitability", {"period": "2026-10"}).rows[0]
    answer = ask(
        demo_store,
        f"what share of revenue does AI cost take for {first.key} in October 2026?",
        as_of=AS_OF,
        settings=settings,
    )
    paid = _revenue(demo_store, "m.customer = ?", first.key)
    assert answer.value == pytest.approx(100 * first.ai_cost / paid, abs=0.01)


@pytest.mark.parametrize(
    "question",
    ["what did a ticket resolved cost in October 2026?", "cost per ticket in October 2026"],
)
def test_cost_per_ticket_is_the_support_bots_bill_over_the_tickets(
    demo_store: Store, settings: Settings, question: str
) -> None:
    cost = _sql(
        demo_store,
        "SELECT sum(EffectiveCost) FROM costs WHERE Tags->>'feature' = 'support-bot' AND Tags->>'team' = 'support' "
        "AND ChargePeriodStart >= CAST(? AS TIMESTAMPTZ) AND ChargePeriodStart < CAST(? AS TIMESTAMPTZ)",
        *OCTOBER,
    )
    tickets = _sql(
        demo_store,
        "SELECT sum(value) FROM business_metrics WHERE metric = 'tickets_resolved' AND period_start >= ? "
        "AND period_start < ?",
        *OCTOBER,
    )
    answer = ask(demo_store, question, as_of=AS_OF, settings=settings)
    assert answer.value == pytest.approx(cost / tickets, rel=1e-6)
    assert "per ticket" in answer.answer and [t.name for t in answer.tools] == ["cost_per_business_unit"]


def test_cost_per_thousand_documents(demo_store: Store, settings: Settings) -> None:
    answer = ask(
        demo_store, "cost per 1k documents processed in October 2026", as_of=AS_OF, settings=settings
    )
    r = invoke(
        demo_store,
        "cost_per_business_unit",
        {"metric": "documents_processed", "period": "2026-10", "per": 1000},
    )
    assert answer.value == pytest.approx(r.total.cost_per_unit) and "per 1,000 documents" in answer.answer


def test_a_metric_the_store_lacks_is_named_with_the_ones_it_holds(
    demo_store: Store, settings: Settings
) -> None:
    answer = ask(demo_store, "what is our churn in October 2026?", as_of=AS_OF, settings=settings)
    assert answer.value is None and "churn" in answer.answer and "tickets_resolved" in answer.answer


def test_without_revenue_a_margin_question_names_the_revenue_metric(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    add_costs(store, [{"day": "2026-10-01", "EffectiveCost": 10, "Tags": '{"feature":"support-bot"}'}])
    csv = tmp_path / "m.csv"
    csv.write_text(
        "date,metric,value,unit,feature\n2026-10-01,tickets_resolved,5,tickets,support-bot\n", "utf-8"
    )
    import_metrics(store, csv)
    answer = ask(store, "what was our gross margin in October 2026?", as_of=AS_OF, settings=settings)
    assert answer.value is None and "no revenue business metric" in answer.answer
    assert "spendscope import metrics" in answer.answer
    per_ticket = ask(store, "cost per ticket in October 2026", as_of=AS_OF, settings=settings)
    assert per_ticket.value == pytest.approx(2.0)  # $10 over 5 tickets


def test_a_store_without_business_metrics_still_declines_margin(store: Store, settings: Settings) -> None:
    add_costs(store, [{"day": "2026-10-01", "EffectiveCost": 10}])
    answer = ask(store, "what was our gross margin in October 2026?", as_of=AS_OF, settings=settings)
    assert answer.value is None and "does not hold margin" in answer.answer


def _revenue_months(store: Store) -> tuple[dt.date, dt.date]:
    con = duckdb.connect(str(store.path), read_only=True)
    try:
        first, last = con.execute(
            "SELECT min(period_start), max(period_end) FROM business_metrics WHERE metric = 'revenue'"
        ).fetchone()
    finally:
        con.close()
    return first, last  # last is exclusive


@pytest.mark.parametrize(
    "question",
    [
        "whats our gross margin in {month}",
        "what was revenue in {month}?",
        "margin for the ai features in {month} pls",
        "how profitable were customers in {month}",
    ],
)
def test_a_month_with_costs_but_no_revenue_gets_no_margin_figure(
    demo_store: Store, settings: Settings, question: str
) -> None:
    """The month before revenue starts holds AI cost (the demo's costs start earlier): revenue $0 and a margin of
    minus the whole bill would be a confident wrong figure."""
    first, last = _revenue_months(demo_store)
    month = (first - dt.timedelta(days=1)).replace(day=1)
    assert (
        _sql(
            demo_store,
            "SELECT count(*) FROM costs WHERE ChargePeriodStart >= ? AND ChargePeriodStart < ?",
            month,
            first,
        )
        > 0
    )
    answer = ask(demo_store, question.format(month=month.strftime("%B %Y")), as_of=AS_OF, settings=settings)
    assert answer.value is None
    assert "no revenue is recorded" in answer.answer and "margin -" not in answer.answer
    assert "revenue $0.00" not in answer.answer
    assert f"runs from {first} to {last - dt.timedelta(days=1)}" in answer.answer


def test_a_feature_that_records_no_revenue_gets_no_margin_figure(
    demo_store: Store, settings: Settings
) -> None:
    con = duckdb.connect(str(demo_store.path), read_only=True)
    try:
        feature = con.execute(
            "SELECT DISTINCT feature FROM usage_events WHERE feature IS NOT NULL AND feature NOT IN "
            "(SELECT feature FROM business_metrics WHERE metric = 'revenue' AND feature IS NOT NULL) "
            "ORDER BY 1 LIMIT 1"
        ).fetchone()[0]
    finally:
        con.close()
    answer = ask(
        demo_store, f"what was the margin on {feature} in October 2026", as_of=AS_OF, settings=settings
    )
    assert answer.value is None and "can't give a margin" in answer.answer
    assert "revenue $0.00" not in answer.answer and "margin -" not in answer.answer
