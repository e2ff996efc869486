"""Suggested rules (deterministic heuristics, evidence, spend) and their review; the optional Claude refinement
through the real SDK against a local fake Messages API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from fake_messages_api import FakeMessagesAPI, tool_use_reply
from spendscope.data.errors import InvalidArgument, NotFound
from spendscope.data.store import Store
from spendscope.tools.allocation.suggest import (
    ReviewInput,
    SuggestInput,
    parse_ids,
    pending_suggestions,
    review_suggestions,
    save_suggestions,
    suggest_rules,
)
from spendscope.tools.allocation.versions import export_rules, rules_history
from test_tools_allocation import add_costs, apply, by


def _find(result, key: str, field: str, value: str):  # noqa: ANN001, ANN202
    return next(
        (s for s in result.suggestions if s.key == key and s.rule.get("when") == {field: value}), None
    )


def test_suggestions_on_the_public_focus_file_name_the_evidence_and_the_spend(
    focus_public_store: Store,
) -> None:
    result = suggest_rules(focus_public_store)
    team = _find(result, "team", "SubAccountName", "nw-vertex-dev")
    assert team is not None and team.rule["value"] == "growth" and team.heuristic == "sibling"
    assert "nw-vertex-prod" in team.evidence
    assert team.new_cost == team.matched_cost and round(team.new_cost, 2) == Decimal("3669.31")
    env = _find(result, "env", "SubAccountName", "nw-vertex-dev")
    assert env is not None and env.rule["value"] == "dev" and env.heuristic == "name_match"
    assert [s.id for s in result.suggestions] == list(range(1, len(result.suggestions) + 1))
    assert all(s.new_cost > 0 for s in result.suggestions)
    assert rules_history(focus_public_store).versions == []  # suggesting applies nothing


def test_a_name_containing_a_known_value_and_a_partly_tagged_account_are_proposed(store: Store) -> None:
    add_costs(
        store,
        [
            {"sub_account": "proj-search-prod", "cost": 5},
            {"sub_account": "billing-ui", "cost": 4, "tags": {"team": "payments"}},
            {"sub_account": "billing-ui", "cost": 2},
            {"sub_account": "search-index", "cost": 3, "tags": {"team": "search"}},
            {"sub_account": "mystery", "cost": 1},
        ],
    )
    result = suggest_rules(store, SuggestInput(keys=["team"]))
    named = _find(result, "team", "SubAccountName", "proj-search-prod")
    assert (named.rule["value"], named.heuristic, named.new_cost) == ("search", "name_match", 5)
    partly = _find(result, "team", "SubAccountName", "billing-ui")
    assert (partly.rule["value"], partly.heuristic, partly.new_cost, partly.matched_cost) == (
        "payments",
        "co_occurrence",
        2,
        6,
    )
    assert _find(result, "team", "SubAccountName", "mystery") is None


def test_partial_and_synonym_tags_are_proposed_as_copies(store: Store) -> None:
    add_costs(
        store,
        [
            {"cost": 4, "tags": {"team": "search"}},
            {"cost": 3, "tags": {"owner": "ads"}},
            {"cost": 1, "sub_account": "x"},
        ],
    )
    apply(store, "tags:\n  team:\n    - when: {SubAccountName: x}\n      value: platform\n")
    result = suggest_rules(store, SuggestInput(keys=["team"]))
    copies = {s.rule["copy"]: s.new_cost for s in result.suggestions if "copy" in s.rule}
    assert copies == {"Tags.team": 4, "Tags.owner": 3}


def test_without_known_values_a_team_is_proposed_from_the_account_name(store: Store) -> None:
    add_costs(
        store, [{"sub_account": "nw-search-prod", "cost": 2}, {"sub_account": "Default project", "cost": 1}]
    )
    result = suggest_rules(store, SuggestInput(keys=["team"]))
    assert [(s.rule, s.heuristic) for s in result.suggestions] == [
        ({"when": {"SubAccountName": "nw-search-prod"}, "value": "search"}, "name_stem")
    ]


def test_review_approves_edits_and_rejects_in_bulk_and_nothing_else_is_applied(store: Store) -> None:
    add_costs(
        store,
        [
            {"sub_account": "search-prod", "cost": 1, "tags": {"team": "search"}},
            {"sub_account": "search-dev", "cost": 2},
            {"sub_account": "ads-prod", "cost": 4, "tags": {"team": "ads"}},
            {"sub_account": "ads-dev", "cost": 8},
            {"sub_account": "ml-dev", "cost": 16, "tags": {"team": "ml"}},
            {"sub_account": "ml-prod", "cost": 32},
        ],
    )
    batch = suggest_rules(store, SuggestInput(keys=["team"]))
    save_suggestions(store, batch)
    assert [s.rule["when"]["SubAccountName"] for s in batch.suggestions] == [
        "ml-prod",
        "ads-dev",
        "search-dev",
    ]
    result = review_suggestions(
        store, ReviewInput(approve="1-2", reject="3", edits={2: "advertising"}, author="rev")
    )
    assert [s.id for s in result.approved] == [1, 2] and [s.id for s in result.rejected] == [3]
    assert result.rules is not None and result.rules.version == 1 and result.pending == 0
    assert by(store, "team") == {
        "ml": 48.0,
        "advertising": 8.0,
        "ads": 4.0,
        "unallocated": 2.0,
        "search": 1.0,
    }
    assert export_rules(store).startswith(
        "tags:\n  team:\n    - {copy: Tags.team}\n    - when: {SubAccountName: ml-prod}\n"
    )
    assert {s.id: s.status for s in pending_suggestions(store)} == {
        1: "approved",
        2: "approved",
        3: "rejected",
    }
    with pytest.raises(InvalidArgument) as err:
        review_suggestions(store, ReviewInput(approve="3"))
    assert err.value.code == "invalid_argument"
    with pytest.raises(NotFound):
        review_suggestions(store, ReviewInput(approve="9"))


def test_review_without_a_stored_batch_uses_the_same_deterministic_ids(store: Store) -> None:
    add_costs(
        store,
        [
            {"sub_account": "search-dev", "cost": 2},
            {"sub_account": "search-prod", "cost": 1, "tags": {"team": "search"}},
        ],
    )
    ids = [(s.id, s.key, s.rule) for s in suggest_rules(store).suggestions]
    result = review_suggestions(store, ReviewInput(reject=f"1-{len(ids)}"))
    assert [(s.id, s.key, s.rule) for s in result.rejected] == ids
    assert rules_history(store).versions == []


@pytest.mark.parametrize(("text", "ids"), [("1-3,5", [1, 2, 3, 5]), (" 2 , 2-3 ", [2, 3]), ("", [])])
def test_ids_and_ranges_are_read_like_1_5_and_8(text: str, ids: list[int]) -> None:
    assert parse_ids(text, "approve") == ids


@pytest.mark.parametrize("text", ["a", "3-1", "1--2"])
def test_malformed_ids_are_refused(text: str) -> None:
    with pytest.raises(InvalidArgument):
        parse_ids(text, "approve")


def test_claude_may_rename_suggested_values_through_the_real_sdk(store: Store) -> None:
    import anthropic
    from spendscope.agents.suggest_refine import refine_suggestions

    add_costs(store, [{"sub_account": "nw-search-prod", "cost": 2, "day": dt.date(2026, 10, 1)}])
    result = suggest_rules(store, SuggestInput(keys=["team"]))
    reply = tool_use_reply(
        "rename_values",
        {
            "renames": [
                {"id": 1, "value": "search-team", "reason": "house style"},
                {"id": 7, "value": "ghost"},
            ]
        },
    )
    with FakeMessagesAPI([reply]) as fake:
        client = anthropic.Anthropic(base_url=fake.url, api_key="test", max_retries=0)
        refined, notes = refine_suggestions(result, {"team": []}, model="claude-test", client=client)
    assert refined.suggestions[0].rule["value"] == "search-team"
    assert "refined by Claude" in refined.suggestions[0].evidence and notes == [
        "suggestion 1: 'search' -> 'search-team'"
    ]
    assert fake.requests[0]["tool_choice"] == {"type": "tool", "name": "rename_values"}
    with FakeMessagesAPI([]) as broken:
        client = anthropic.Anthropic(base_url=broken.url, api_key="test", max_retries=0)
        same, notes = refine_suggestions(result, {}, model="claude-test", client=client)
    assert same.suggestions[0].rule["value"] == "search-team" and notes[0].startswith(
        "Claude refinement skipped"
    )
