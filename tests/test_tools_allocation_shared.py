"""Shared-cost pools (every split strategy, fallbacks, conservation to the last decimal under property tests)
and telemetry-based customer attribution."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from decimal import Decimal

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spendscope.data.errors import InvalidArgument
from spendscope.data.store import Store, apply_migrations, memory_connection
from spendscope.tools.allocation.attribution import AttributionInput, attribute_costs
from spendscope.tools.allocation.shared import (
    SharedCostsInput,
    daily_conservation,
    run_allocation,
    shared_costs,
)
from spendscope.tools.allocation.versions import store_rules
from test_tools_allocation import add_costs, add_events, apply

D1, D2 = dt.date(2026, 10, 1), dt.date(2026, 10, 2)
TEAM_RULES = "tags:\n  team:\n    - copy: Tags.team\n"


def _pool(split: str, extra: str = "") -> str:
    return (
        TEAM_RULES + "shared:\n  - name: endpoint\n    when: {SubAccountName: shared-endpoint}\n"
        f"    to: team\n    split: {split}\n{extra}"
    )


@pytest.fixture
def pooled(store: Store) -> Store:
    add_costs(
        store,
        [
            {"day": D1, "cost": 6, "tags": {"team": "search"}, "gpu_hours": 1, "tokens": 100},
            {"day": D2, "cost": 2, "tags": {"team": "search"}, "gpu_hours": 3, "tokens": 100},
            {"day": D1, "cost": 3, "tags": {"team": "support"}, "gpu_hours": 3, "tokens": 300},
            {"day": D1, "cost": 9, "sub_account": "shared-endpoint"},
            {"day": D2, "cost": 4, "sub_account": "shared-endpoint"},
        ],
    )
    return store


def _shares(store: Store) -> tuple[dict[str, float], dict[str, tuple[float, float]]]:
    result = shared_costs(store, SharedCostsInput(key="team", period="2026-10"))
    assert result.conserved and result.total_before == result.total_after == Decimal(24)
    (pool,) = result.pools
    return (
        {m.value: float(m.amount) for m in pool.members},
        {v.value: (float(v.direct), float(v.shared)) for v in result.values},
    )


def test_a_proportional_pool_follows_the_members_direct_cost_day_by_day(pooled: Store) -> None:
    apply(pooled, _pool("proportional"))
    members, values = _shares(pooled)
    assert members == {"search": 6 + 4, "support": 3}  # day 1: 6:3 of 9; day 2: only search has cost
    assert values == {"search": (8.0, 10.0), "support": (3.0, 3.0)}


def test_a_proportional_pool_can_follow_gpu_hours_or_tokens(pooled: Store) -> None:
    apply(pooled, _pool("proportional", "    basis: gpu_hours\n"))
    assert _shares(pooled)[0] == pytest.approx({"search": 9 / 4 + 4, "support": 27 / 4}, abs=1e-9)
    apply(pooled, _pool("proportional", "    basis: tokens\n"))
    assert _shares(pooled)[0] == pytest.approx({"search": 9 / 4 + 4, "support": 27 / 4}, abs=1e-9)


def test_an_even_pool_splits_among_every_allocated_value_or_the_listed_members(pooled: Store) -> None:
    apply(pooled, _pool("even"))
    assert _shares(pooled)[0] == pytest.approx({"search": 6.5, "support": 6.5}, abs=1e-9)
    apply(pooled, _pool("even", "    members: [search, support, ml]\n"))
    assert _shares(pooled)[0] == pytest.approx({"search": 13 / 3, "support": 13 / 3, "ml": 13 / 3}, abs=1e-9)


def test_a_fixed_pool_uses_the_percentages(pooled: Store) -> None:
    apply(pooled, _pool("fixed", "    percentages: {search: 25, support: 75}\n"))
    assert _shares(pooled)[0] == pytest.approx({"search": 3.25, "support": 9.75}, abs=1e-9)


def test_a_telemetry_pool_follows_a_metric_and_falls_back_to_an_even_split_on_days_without_it(
    pooled: Store,
) -> None:
    add_events(
        pooled,
        [
            {"day": D1, "team": "search", "est": "1", "input_tokens": 900},
            {"day": D1, "team": "support", "est": "3", "input_tokens": 100},
            {"day": D1, "team": "support", "est": "5", "provider": "anthropic", "model": "claude-haiku-4-5"},
        ],
    )
    apply(
        pooled,
        _pool(
            "telemetry",
            "    metric: estimated_cost\n    attribute: team\n    telemetry_when: {provider: openai}\n",
        ),
    )
    assert _shares(pooled)[0] == pytest.approx({"search": 9 / 4 + 2, "support": 27 / 4 + 2}, abs=1e-9)
    result = shared_costs(pooled, SharedCostsInput(key="team", period="2026-10"))
    assert (result.pools[0].fallback_days, result.pools[0].basis) == (1, "estimated_cost")
    apply(pooled, _pool("telemetry", "    metric: input_tokens\n"))
    assert _shares(pooled)[0] == pytest.approx(
        {"search": 9 * 900 / 1100 + 2, "support": 9 * 200 / 1100 + 2}, abs=1e-9
    )


def test_a_pool_without_any_member_stays_unallocated_and_is_reported(store: Store) -> None:
    add_costs(store, [{"day": D1, "cost": 5, "sub_account": "shared-endpoint"}, {"day": D1, "cost": 1}])
    apply(store, _pool("proportional"))
    result = shared_costs(store, SharedCostsInput(key="team", period="2026-10"))
    assert result.pools[0].unassigned_days == 1
    assert {v.value: (v.direct, v.shared) for v in result.values} == {"unallocated": (Decimal(1), Decimal(5))}
    assert result.conserved


def test_splits_are_exact_to_the_last_decimal_and_reallocated_cost_stays_separate(store: Store) -> None:
    add_costs(
        store,
        [
            {"day": D1, "cost": "1.0000000000", "sub_account": "shared-endpoint"},
            *[{"day": D1, "cost": 1, "tags": {"team": t}} for t in ("a", "b", "c")],
        ],
    )
    apply(store, _pool("even"))
    result = shared_costs(store, SharedCostsInput(key="team", period="2026-10"))
    parts = sorted(m.amount for m in result.pools[0].members)
    assert parts == [Decimal("0.3333333333"), Decimal("0.3333333333"), Decimal("0.3333333334")]
    assert sum(parts) == Decimal(1)
    assert {v.value: v.direct for v in result.values} == {"a": 1, "b": 1, "c": 1}


def test_a_fixed_split_needs_percentages_that_sum_to_100(store: Store) -> None:
    from spendscope.data.errors import InvalidRules

    with pytest.raises(InvalidRules) as err:
        apply(store, _pool("fixed", "    percentages: {a: 60, b: 60}\n"))
    assert err.value.details["line"] == 9


# ---------------------------------------------------------------------------------------------- conservation

_amount = st.decimals(
    min_value=Decimal("-500"), max_value=Decimal("5000"), places=10, allow_nan=False, allow_infinity=False
)
_row = st.tuples(
    st.integers(1, 4),
    st.sampled_from(["a", "b", "c", None]),
    _amount,
    st.sampled_from([None, "p1", "p2"]),
    st.integers(0, 10_000),
)
_event = st.tuples(
    st.integers(1, 4),
    st.sampled_from(["a", "b", "c", "d"]),
    st.decimals(min_value=Decimal(0), max_value=Decimal(50), places=4),
)
_split = st.sampled_from(
    [
        "split: even",
        "split: even\n    members: [a, z]",
        "split: fixed\n    percentages: {a: 33.3333, b: 33.3333, z: 33.3334}",
        "split: proportional",
        "split: proportional\n    basis: tokens",
        "split: proportional\n    members: [b, c]",
        "split: telemetry\n    attribute: team",
    ]
)


_CONNECTIONS: list = []


def _property_connection() -> duckdb.DuckDBPyConnection:
    """One migrated in-memory store shared by the property examples (emptied by each)."""
    if not _CONNECTIONS:
        con = memory_connection()
        apply_migrations(con)
        _CONNECTIONS.append(con)
    return _CONNECTIONS[0]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(_row, min_size=1, max_size=40),
    events=st.lists(_event, max_size=15),
    split1=_split,
    split2=_split,
)
def test_reallocation_conserves_every_days_total_exactly(
    rows: list, events: list, split1: str, split2: str
) -> None:
    con = _property_connection()
    for table in ("costs", "usage_events", "allocation_rule_versions"):
        con.execute(f"DELETE FROM {table}")
    con.executemany(
        "INSERT INTO costs (ChargePeriodStart, Tags, EffectiveCost, SubAccountName, x_Tokens, x_RowHash) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            [
                dt.datetime(2026, 10, d, tzinfo=dt.UTC),
                json.dumps({"team": t}) if t else None,
                amt,
                pool,
                tokens,
                i,
            ]
            for i, (d, t, amt, pool, tokens) in enumerate(rows)
        ],
    )
    if events:
        con.executemany(
            "INSERT INTO usage_events (event_id, ts, provider, team, estimated_cost) VALUES (?, ?, 'openai', ?, ?)",
            [
                [f"e{i}", dt.datetime(2026, 10, d, 9, tzinfo=dt.UTC), t, est]
                for i, (d, t, est) in enumerate(events)
            ],
        )
    doc = (
        TEAM_RULES + "shared:\n"
        f"  - name: one\n    when: {{SubAccountName: p1}}\n    to: team\n    {split1}\n"
        f"  - name: two\n    when: {{SubAccountName: p2}}\n    to: team\n    {split2}\n"
    )
    store_rules(con, doc, source="prop.yaml", author="t", effective_from=None, action="apply")
    a = run_allocation(con, "team", dt.date(2026, 10, 1), dt.date(2026, 11, 1), "EffectiveCost")
    assert daily_conservation(a) == []
    before: dict[dt.date, Decimal] = defaultdict(Decimal)
    pools: dict[tuple[str, dt.date], Decimal] = defaultdict(Decimal)
    for d, _t, amt, pool, _tok in rows:
        before[dt.date(2026, 10, d)] += amt
        if pool:
            pools[(pool, dt.date(2026, 10, d))] += amt
    after: dict[dt.date, Decimal] = defaultdict(Decimal)
    for day, amount in con.execute(f"SELECT day, amount FROM {a.table('direct')}").fetchall():
        after[day] += amount
    shared: dict[tuple[str, dt.date], Decimal] = defaultdict(Decimal)
    for pid, day, amount in con.execute(f"SELECT pool_id, day, amount FROM {a.table('shared')}").fetchall():
        after[day] += amount
        shared[(a.pools[pid].pool.name.replace("one", "p1").replace("two", "p2"), day)] += amount
    assert {k: v for k, v in after.items()} == {k: v for k, v in before.items()}
    assert {k: v for k, v in shared.items() if v} == {k: v for k, v in pools.items() if v}
    a.drop()


# ---------------------------------------------------------------------------------------------- attribution


@pytest.fixture
def billed(store: Store) -> Store:
    add_costs(
        store,
        [
            {"day": D1, "cost": 10, "provider": "OpenAI", "model": "gpt-4o"},
            {"day": D2, "cost": 6, "provider": "OpenAI", "model": "gpt-4o"},
            {
                "day": D1,
                "cost": 4,
                "provider": "AWS",
                "service": "Amazon Bedrock",
                "model": "claude-sonnet-4-5",
            },
            {"day": D1, "cost": 100, "provider": "AWS", "service": "Amazon EC2", "model": None},
        ],
    )
    add_events(
        store,
        [
            {"day": D1, "customer": "acme", "feature": "chat", "est": "1.5", "model": "gpt-4o-2024-08-06"},
            {"day": D1, "customer": "globex", "feature": "chat", "est": "0.5"},
            {
                "day": D1,
                "customer": "acme",
                "feature": "search",
                "provider": "bedrock",
                "model": "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                "est": None,
                "requests": 3,
            },
            {
                "day": D1,
                "customer": None,
                "feature": "search",
                "provider": "bedrock",
                "model": "claude-sonnet-4-5",
                "est": None,
                "requests": 1,
            },
            {"day": dt.date(2026, 10, 3), "customer": "acme", "est": "0.7"},
        ],
    )
    return store


def test_bills_are_attributed_to_customers_by_estimated_cost_and_reconcile_to_the_invoice(
    billed: Store,
) -> None:
    r = attribute_costs(billed, AttributionInput(period="2026-10"))
    assert {row.values["customer"]: row.cost for row in r.rows} == {
        "acme": Decimal("7.5") + Decimal(3),
        "globex": Decimal("2.5"),
        "(none)": Decimal(1),
    }
    assert (r.total, r.attributed, r.unmatched_cost, r.no_model_cost) == (120, 14, 6, 100)
    assert r.reconciles and r.telemetry_without_bill == Decimal("0.7")
    assert [(u.model, u.cost, u.days) for u in r.unmatched] == [(None, 100, 1), ("gpt-4o", 6, 1)]
    gpt = next(m for m in r.models if m.model == "gpt-4o")
    assert (gpt.billed, gpt.attributed, gpt.unmatched, gpt.ratio) == (16, 10, 6, 5.0)


def test_attribution_can_split_by_customer_and_feature_together(billed: Store) -> None:
    r = attribute_costs(billed, AttributionInput(period="2026-10", by=["customer", "feature"]))
    assert {(x.values["customer"], x.values["feature"]): x.cost for x in r.rows} == {
        ("acme", "chat"): Decimal("7.5"),
        ("globex", "chat"): Decimal("2.5"),
        ("acme", "search"): 3,
        ("(none)", "search"): 1,
    }
    with pytest.raises(InvalidArgument) as err:
        attribute_costs(billed, AttributionInput(by=["wallet"]))
    assert err.value.code == "invalid_argument"


def test_attribution_spreads_a_monthly_purchase_amortised_by_default(store: Store) -> None:
    """A $300 PTU purchase billed on the 1st and amortised at $100 a day over three days: by default each day's
    $100 goes to that day's customers (the invoice view puts all of it on the 1st's traffic)."""
    days = [dt.date(2026, 10, d) for d in (1, 2, 3)]
    add_costs(
        store,
        [{"day": days[0], "cost": 0, "billed": 300, "category": "Purchase", "model": "gpt-4o"}]
        + [{"day": d, "cost": 100, "billed": 0, "model": "gpt-4o"} for d in days],
    )
    add_events(
        store,
        [{"day": days[0], "customer": "acme"}, {"day": days[1], "customer": "globex"}]
        + [{"day": days[2], "customer": "globex"}],
    )
    amortised = attribute_costs(store, AttributionInput(period="2026-10"))
    assert {r.values["customer"]: r.cost for r in amortised.rows} == {"acme": 100, "globex": 200}
    invoice = attribute_costs(store, AttributionInput(period="2026-10", measure="billed_cost"))
    assert {r.values["customer"]: r.cost for r in invoice.rows if r.cost} == {"acme": 300}
