"""Telemetry facts for triage (tools/triage_facts.py): commits first seen in a scope and the usage ranking, checked
against sums taken straight from the events the test store was built from."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import triage_store as world
from spendscope.data.errors import InvalidPeriod
from spendscope.data.store import Store
from spendscope.tools.triage.facts import (
    NewCommitsInput,
    TopUsageInput,
    UsageFilter,
    list_new_commits,
    top_usage,
)

CHAT = [UsageFilter(field="feature", values=["chat"])]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """Read-only here: the spike and four normal days after it."""
    return world.build(tmp_path_factory.mktemp("facts") / "store.duckdb", tail=4)


def _chat(day_index: int, customer: str) -> float:
    j = list(world.CHAT_USD).index(customer)
    cost = round(world.CHAT_USD[customer] * world._wiggle(day_index, j), 2)
    s = day_index - world.BASE_DAYS
    return cost + (world.SPIKE[s] if customer == "acme" and 0 <= s < len(world.SPIKE) else 0.0)


def test_a_new_commit_is_listed_with_the_scopes_cost_per_request_before_and_after(store: Store) -> None:
    spike = world.spike_start()
    r = list_new_commits(store, NewCommitsInput(start=spike - dt.timedelta(days=3), end=spike, filters=CHAT))
    assert [c.commit for c in r.commits] == [world.NEW_SHA]
    c = r.commits[0]
    b = world.BASE_DAYS
    cost_before = sum(_chat(i, k) for i in range(b - 7, b) for k in world.CHAT_USD)
    cost_after = sum(_chat(i, k) for i in range(b, b + 3) for k in world.CHAT_USD)
    per_day = sum(world.REQUESTS.values())
    assert c.first_seen == dt.datetime(spike.year, spike.month, spike.day, 10, tzinfo=dt.UTC)
    assert (c.requests_before, c.requests_after) == (7 * per_day, 3 * per_day)
    assert (c.requests_per_day_before, c.requests_per_day_after) == (per_day, per_day)
    assert c.cost_before == pytest.approx(cost_before, abs=1e-6) and c.cost_after == pytest.approx(
        cost_after, abs=1e-6
    )
    expected = (
        (cost_after / (3 * per_day) - cost_before / (7 * per_day)) / (cost_before / (7 * per_day)) * 100
    )
    assert c.change_pct == pytest.approx(expected, abs=0.01)
    assert (c.code_paths, c.features) == (["app/chat.py"], ["chat"])


def test_commits_outside_the_period_or_the_scope_are_not_listed(store: Store) -> None:
    spike = world.spike_start()
    before = NewCommitsInput(
        start=spike - dt.timedelta(days=10), end=spike - dt.timedelta(days=1), filters=CHAT
    )
    assert list_new_commits(store, before).commits == []
    adgen = NewCommitsInput(start=spike, end=spike, filters=[UsageFilter(field="feature", values=["adgen"])])
    assert list_new_commits(store, adgen).commits == []
    everything = list_new_commits(store, NewCommitsInput(start=world.START, end=world.last_day(4)))
    assert [c.commit for c in everything.commits] == [world.OLD_SHA, world.NEW_SHA]


def test_top_usage_ranks_customers_against_the_same_weekdays_a_week_before(store: Store) -> None:
    spike = world.spike_start()
    r = top_usage(
        store, TopUsageInput(start=spike, end=spike + dt.timedelta(days=2), by=["customer"], filters=CHAT)
    )
    b = world.BASE_DAYS
    assert r.previous_start == spike - dt.timedelta(days=7)
    (ranking,) = r.rankings
    assert [v.value for v in ranking.values] == ["acme", "globex"]
    acme = ranking.values[0]
    now, before = (
        sum(_chat(i, "acme") for i in range(b, b + 3)),
        sum(_chat(i, "acme") for i in range(b - 7, b - 4)),
    )
    assert acme.cost == pytest.approx(now, abs=1e-6) and acme.previous_cost == pytest.approx(before, abs=1e-6)
    assert acme.requests == 3 * world.REQUESTS["acme"]
    total = now + sum(_chat(i, "globex") for i in range(b, b + 3))
    assert r.total_cost == pytest.approx(total, abs=1e-6) and acme.share_pct == pytest.approx(
        now / total * 100, abs=0.01
    )


def test_a_model_filter_matches_the_canonical_id_and_the_recorded_name(store: Store) -> None:
    period = {"start": world.START, "end": world.last_day(4)}
    totals = [
        top_usage(
            store, TopUsageInput(**period, by=["feature"], filters=[UsageFilter(field="model", values=[m])])
        )
        for m in ("gpt-4o", "GPT-4o-2024-11-20", "claude-sonnet-4-5")
    ]
    assert totals[0].total_cost == totals[1].total_cost > 0
    assert [v.value for v in totals[0].rankings[0].values] == ["chat"]
    assert [v.value for v in totals[2].rankings[0].values] == ["adgen"]


def test_without_telemetry_or_a_period_the_error_says_what_to_give(tmp_path: Path) -> None:
    empty = Store(tmp_path / "empty.duckdb")
    empty.ensure_schema()
    with pytest.raises(InvalidPeriod) as err:
        list_new_commits(empty, NewCommitsInput())
    assert err.value.code == "invalid_period"
    assert list_new_commits(empty, NewCommitsInput(period="2026-10")).commits == []
