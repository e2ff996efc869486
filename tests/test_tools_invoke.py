"""tools.invoke, the one way in: strict validation, names resolved with suggestions, permission and row scope;
and the operations that gained `filters` (budgets, savings, GPUs, commitments) computed over the rows they name,
checked against the same operation on a copy of the store that holds only those rows."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from scope_oracle import same_figures, trimmed_copy
from spendscope.data.errors import InvalidArgument, PermissionDenied, UnknownValue
from spendscope.data.store import Store
from spendscope.tools.access import Caller
from spendscope.tools.costs.breakdown import Filter
from spendscope.tools.invoke import invoke
from spendscope.tools.registry import WRITE_HINTS, Operation, operations
from spendscope.tools.scoping import takes_filters, with_filters
from spendscope.tools.triage.facts import UsageFilter

SEARCH = Caller("search-team", row_scope={"team": ("search",)})
OCTOBER = {"period": "2026-10"}


@pytest.fixture
def demo(demo_store: Store, tmp_path: Path) -> Store:
    """This test's own copy of the demo store (tests here write budgets)."""
    shutil.copy(demo_store.path, tmp_path / "demo.duckdb")
    return Store(tmp_path / "demo.duckdb", lock_timeout=10)


def _team(value: str) -> dict:
    return {"dimension": "team", "values": [value]}


def test_a_misspelled_filter_value_is_an_error_naming_the_closest_value(demo_store: Store) -> None:
    with pytest.raises(UnknownValue) as err:
        invoke(demo_store, "query_costs", {**OCTOBER, "filters": [_team("supprot")]})
    assert err.value.code == "unknown_value"
    assert err.value.message == "no team 'supprot'; closest: support"
    assert err.value.details["suggestions"] == ["support"]


# Required arguments of the read operations that filter (the rest run on their defaults).
FILTERING_EXAMPLES = {
    "compare_costs": {"base": {"period": "2026-09"}, "current": {"period": "2026-10"}},
    "cost_ratio": {"period": "2026-10", "numerator": {}, "denominator": {}},
    "explain_change": {"period": "2026-10", "compare_period": "2026-09"},
    "get_anomaly": {"anomaly_id": "an-00000000"},  # the filter is checked before the anomaly is looked up
    "show_model_prices": {"model": "claude-sonnet-4-5"},
    "diff_model_prices": {"from_date": "2026-09-01", "to_date": "2026-10-15"},
    # the filters are checked before the repository or the patch is read
    "estimate_pr_cost_diff": {"repo": ".", "base": "HEAD", "head": "HEAD"},
    "estimate_pr_cost_diff_from_patch": {"patch": "diff --git a/app.py b/app.py"},
    # business filters are checked against business metric rows and cost alike, before the metric is read
    "cost_per_business_unit": {"metric": "tickets_resolved"},
    "detect_unit_anomalies": {"metric": "tickets_resolved"},
    "query_business_metrics": {"metric": "tickets_resolved"},
}
BAD_COST = Filter(dimension="team", values=["supprot"])
BAD_USAGE = UsageFilter(field="team", values=["supprot"])


def _usage_filters(op: Operation) -> bool:
    field = op.input_model.model_fields.get("filters")
    return field is not None and field.annotation == list[UsageFilter]


def _filtering() -> list[str]:
    return [
        op.name
        for op in operations()
        if not op.writes and (takes_filters(op.input_model) or _usage_filters(op))
    ]


def _misspelled(op: Operation) -> dict:
    """The operation's example input with a misspelled team in every filter list it has."""
    params = op.input_model.model_validate(FILTERING_EXAMPLES.get(op.name, {}))
    if _usage_filters(op):
        return params.model_copy(update={"filters": [BAD_USAGE]}).model_dump(mode="json")
    return with_filters(params, [BAD_COST]).model_dump(mode="json")


@pytest.mark.parametrize("name", _filtering())
def test_no_read_operation_that_filters_answers_an_unknown_value(demo_store: Store, name: str) -> None:
    op = next(o for o in operations() if o.name == name)
    with pytest.raises(UnknownValue) as err:
        invoke(demo_store, op, _misspelled(op))
    assert "closest: support" in err.value.message


def test_the_filtering_operations_include_the_ones_the_issue_names() -> None:
    assert {"query_costs", "forecast_costs", "savings_recommendations", "top_usage", "cost_ratio"} <= set(
        _filtering()
    )


def test_case_and_spacing_variants_resolve_to_the_stored_value(demo_store: Store) -> None:
    spelled = invoke(
        demo_store,
        "query_costs",
        {**OCTOBER, "filters": [{"dimension": "model", "values": ["Claude Sonnet 4.5"]}]},
    )
    stored = invoke(
        demo_store,
        "query_costs",
        {**OCTOBER, "filters": [{"dimension": "model", "values": ["claude-sonnet-4-5"]}]},
    )
    upper = invoke(demo_store, "query_costs", {**OCTOBER, "filters": [_team("SEARCH")]})
    lower = invoke(demo_store, "query_costs", {**OCTOBER, "filters": [_team("search")]})
    assert spelled.total == stored.total > 0 and spelled.filters[0].values == ["claude-sonnet-4-5"]
    assert upper.total == lower.total > 0


def test_rows_without_a_value_and_searches_are_not_names(demo_store: Store) -> None:
    untagged = invoke(demo_store, "query_costs", {**OCTOBER, "filters": [_team("(none)")]})
    prefix = invoke(
        demo_store,
        "query_costs",
        {**OCTOBER, "filters": [{"dimension": "team", "op": "prefix", "values": ["zz"]}]},
    )
    assert untagged.total > 0 and prefix.total == 0


def test_suggestions_never_name_values_outside_the_callers_scope(demo_store: Store) -> None:
    with pytest.raises(UnknownValue) as err:
        invoke(demo_store, "query_costs", {**OCTOBER, "filters": [_team("supprot")]}, SEARCH)
    assert "support" not in err.value.message and "team=search" in err.value.message


def test_a_budget_may_name_a_team_with_no_spend_yet_when_asked_to(demo: Store) -> None:
    args = {"name": "new team", "amount": 100, "filters": [_team("newteam")]}
    with pytest.raises(UnknownValue):
        invoke(demo, "set_budget", args)
    saved = invoke(demo, "set_budget", {**args, "allow_unknown_values": True})
    assert saved.budget.filters[0].values == ["newteam"]


def test_unknown_keys_are_refused_at_every_depth(demo_store: Store) -> None:
    with pytest.raises(InvalidArgument) as top:
        invoke(demo_store, "query_costs", {**OCTOBER, "group_bye": ["team"]})
    with pytest.raises(InvalidArgument) as nested:
        invoke(demo_store, "query_costs", {**OCTOBER, "filters": [{**_team("search"), "bogus": 1}]})
    assert "group_bye: unknown argument" in top.value.message
    assert "filters[0].bogus: unknown key; accepted: dimension, op, values" in nested.value.message


def test_every_write_operation_says_whether_it_is_destructive_and_idempotent() -> None:
    for op in operations():
        if op.writes:
            assert op.destructive is not None and op.idempotent is not None, op.name
    assert set(WRITE_HINTS) <= {op.name for op in operations()}, "a hint names an operation that is gone"


def test_descriptions_are_dedented() -> None:
    for op in operations():
        assert op.description and not any(line.startswith(" ") for line in op.description.splitlines()), (
            op.name
        )


def test_scoped_callers_may_not_write(demo: Store) -> None:
    with pytest.raises(PermissionDenied):
        invoke(
            demo,
            "check_budgets",
            {},
            Caller("search-writer", can_write=True, row_scope={"team": ("search",)}),
        )


# ------------------------------------------------------------------ operations that gained filters


@pytest.mark.parametrize(
    "name, args",
    [
        ("gpu_utilization", OCTOBER),
        ("commitment_utilization", OCTOBER),
        ("savings_recommendations", {"as_of": "2026-11-01"}),
        ("budget_status", {"as_of": "2026-10-20"}),
        ("list_budgets", {}),
    ],
)
def test_filtered_operations_hold_the_figures_of_a_store_with_only_those_rows(
    demo: Store, tmp_path: Path, name: str, args: dict
) -> None:
    search_budget = {"name": "search", "amount": 5000, "filters": [_team("search")]}
    invoke(demo, "set_budget", search_budget)
    oracle = trimmed_copy(demo, SEARCH, tmp_path / "search-only.duckdb")
    invoke(
        demo,
        "set_budget",
        {"name": "all openai", "amount": 9000, "filters": [{"dimension": "provider", "values": ["OpenAI"]}]},
    )
    scoped = invoke(demo, name, args, SEARCH).model_dump(mode="json")
    expected = invoke(oracle, name, args).model_dump(mode="json")
    assert same_figures(scoped, expected) == []
    whole = invoke(demo, name, args).model_dump(mode="json")
    if name in ("savings_recommendations", "gpu_utilization", "list_budgets", "budget_status"):
        assert same_figures(whole, expected) != [], "the scope made no difference: the test proves nothing"


def test_a_budget_outside_the_filters_is_hidden_and_one_inside_is_shown(demo: Store) -> None:
    invoke(
        demo,
        "set_budget",
        {
            "name": "search openai",
            "amount": 10,
            "filters": [_team("search"), {"dimension": "provider", "values": ["OpenAI"]}],
        },
    )
    invoke(
        demo,
        "set_budget",
        {
            "name": "search and ads",
            "amount": 10,
            "filters": [{"dimension": "team", "values": ["search", "growth"]}],
        },
    )
    invoke(demo, "set_budget", {"name": "everything", "amount": 10})
    shown = invoke(demo, "list_budgets", {}, SEARCH)
    assert [b.name for b in shown.budgets] == ["search openai"]
    with pytest.raises(Exception) as err:
        invoke(demo, "budget_status", {"name": "everything", "as_of": "2026-10-20"}, SEARCH)
    assert err.value.code == "not_found" and "everything" not in err.value.message.split(";")[1]


def test_commitments_without_rows_in_scope_answer_zero_instead_of_crashing(demo_store: Store) -> None:
    result = invoke(demo_store, "commitment_utilization", {**OCTOBER, "filters": [_team("search")]})
    assert result.rows == [] and result.total_unused_cost == 0
    assert any("team=search" in n for n in result.assumptions)


def test_an_unknown_commitment_is_an_error_with_suggestions(demo_store: Store) -> None:
    with pytest.raises(UnknownValue) as err:
        invoke(demo_store, "commitment_utilization", {**OCTOBER, "commitment": "ptu-platform-gpt4"})
    assert "closest: ptu-platform-gpt-4o" in err.value.message


def test_a_new_budget_does_not_alert_for_the_month_before_it_was_made(demo: Store) -> None:
    invoke(demo, "set_budget", {"name": "tiny", "amount": Decimal("1")})
    with demo.writer() as con:  # the budget was made on November 3, the data runs to October 31
        con.execute("UPDATE budgets SET created_at = ?", [dt.datetime(2026, 11, 3, 9, tzinfo=dt.UTC)])
    first = invoke(demo, "check_budgets", {"as_of": "2026-11-03"})
    assert [a for a in first.new_alerts if a.period_label == "October 2026"] == []


def test_a_value_remembered_as_present_is_checked_again_once_the_store_changes(demo: Store) -> None:
    args = {**OCTOBER, "filters": [_team("legal")]}
    assert invoke(demo, "query_costs", args).total > 0  # looked up, then remembered
    assert invoke(demo, "query_costs", args).total > 0
    with demo.writer() as con:  # the team's rows are gone
        con.execute("DELETE FROM costs WHERE json_extract_string(Tags, '$.team') = 'legal'")
    with pytest.raises(UnknownValue):
        invoke(demo, "query_costs", args)


def test_the_reads_of_one_operation_share_one_duckdb_instance(
    demo_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Names, the bill's currency and the query itself are read on one instance (each start costs ~25 ms); the
    file is not held once the operation has returned."""
    from spendscope.data import warm

    # a new file: nothing of it cached yet
    store = Store(shutil.copy(demo_store.path, tmp_path / "copy.duckdb"))
    anchors: list[int | None] = []
    reader = Store.reader

    def watched(self: Store):  # type: ignore[no-untyped-def]
        anchor = warm._slot(self.path).anchor
        anchors.append(None if anchor is None else id(anchor))
        return reader(self)

    monkeypatch.setattr(Store, "reader", watched)
    filters = [Filter(dimension="provider", op="eq", values=["anthropic"])]
    invoke(store, "query_costs", {"group_by": ["model"], "filters": filters})
    assert len(anchors) >= 2
    assert anchors[1:] == [anchors[1]] * (len(anchors) - 1) and anchors[1] is not None  # after the first read
    assert warm._slot(store.path).anchor is None
