"""Trust probes 21: the CLI and the MCP tools probed from the outside (blind: written before reading tools/ or
spendscope/). Each probe states what a FinOps user should get (a clear error naming the bad value, a correct
figure, or an honest "no data" that says why) and checks it through the real command line (its entry point, in process) or
the real MCP client over stdio. Stores: the demo fixture (2026-07-24 to 2026-10-31) and, for budgets and
anomalies, a copy of it with one budget set and anomalies detected. Score and failures: docs/performance.md,
"Trust probes 21"."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest
from mcp import Client, StdioServerParameters
from spendscope.data.store import Store
from spendscope_in_process import run_spendscope

ROOT = Path(__file__).resolve().parents[1]
OUTSIDE = "2030-01"  # a month the demo store does not cover (it holds 2026-07-24 to 2026-10-31)
OTHER_TEAMS = ("support", "data-science", "platform", "legal", "growth")  # every demo team but search


class Out:
    """One CLI run: exit code, stdout, stderr and both together."""

    def __init__(self, code: int, stdout: str, stderr: str) -> None:
        self.code, self.stdout, self.stderr = code, stdout, stderr
        self.text = stdout + stderr

    def json(self) -> dict:
        assert self.code == 0, self.text
        return json.loads(self.stdout)


def cli(store: Store | Path, *args: str, view_as: tuple[str, ...] = ()) -> Out:
    """The real command line (what a user or a script sees: exit code, stdout, stderr), through its entry point
    `spendscope.cli.main` in this process (tests/spendscope_in_process.py; a subprocess each cost ~1 CPU s)."""
    path = store.path if isinstance(store, Store) else store
    pre = [a for v in view_as for a in ("--view-as", v)]
    proc = run_spendscope(*pre, *args, "--db", str(path), cwd=ROOT)
    return Out(proc.returncode, proc.stdout, proc.stderr)


def call(store: Store | Path, tool: str, arguments: dict, view_as: tuple[str, ...] = ()) -> Out:
    return cli(store, "tools", "call", tool, json.dumps(arguments), view_as=view_as)


def refused(out: Out, *names: str) -> None:
    """An error: non-zero exit, no traceback, and the message names each of `names` (the bad value, the
    suggestion)."""
    assert out.code != 0, out.text
    assert "Traceback" not in out.text, out.text
    for name in names:
        assert name.lower() in out.text.lower(), (name, out.text)


@pytest.fixture(scope="module")
def gov(demo_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo store with a budget for team=search, one for provider=OpenAI, and detected anomalies."""
    path = tmp_path_factory.mktemp("gov") / "gov.duckdb"
    shutil.copyfile(demo_store.path, path)
    assert cli(path, "budgets", "set", "search-monthly", "--amount", "20000", "-f", "team=search").code == 0
    assert (
        cli(path, "budgets", "set", "openai-monthly", "--amount", "50000", "-f", "provider=OpenAI").code == 0
    )
    assert cli(path, "anomalies", "detect", "--as-of", "2026-10-31").code == 0
    return path


# ---------------------------------------------------------------------------------------------------------------
# A. Unknown names: every filter, group-by and name-like argument. Expected: an error naming the value and the
# closest stored ones, never a figure.

UNKNOWN_FILTERS = [
    ("team=supprot", ["supprot", "support"]),
    ("model=gpt-5-mega", ["gpt-5-mega", "gpt-5"]),
    ("provider=Anthropik", ["Anthropik", "Anthropic"]),
    ("service=Bedrok", ["Bedrok", "Bedrock"]),
    ("feature=chatbott", ["chatbott", "feature"]),
    ("env=prodd", ["prodd", "prod"]),
    ("tag:team=serch", ["serch", "search"]),
    ("tag:teem=search", ["teem"]),
    ("customer=acme", ["customer"]),  # customer lives in telemetry, not on the bill
    ("team!=supprot", ["supprot", "support"]),
    ("team=support,supprot", ["supprot", "support"]),
    ("token_type=cache_wrte", ["cache_wrte", "cache_write"]),
    ("month=2026-13", ["2026-13"]),
    ("region=mars-1", ["mars-1"]),
]


@pytest.mark.parametrize(("flt", "names"), UNKNOWN_FILTERS, ids=[f for f, _ in UNKNOWN_FILTERS])
def test_a_costs_refuses_an_unknown_filter_value(demo_store: Store, flt: str, names: list[str]) -> None:
    refused(cli(demo_store, "costs", "-p", "2026-10", "-f", flt, "--json"), *names)


@pytest.mark.parametrize(
    "args",
    [
        ("costs", "-p", "2026-10", "--by", "teem"),
        ("drivers", "-p", "2026-10", "--by", "teem"),
        ("unit-costs", "-p", "2026-10", "--by", "teem"),
        ("assistants", "-p", "2026-10", "--by", "teem"),
        ("seats", "--by", "teem"),
        ("dimensions", "teem"),
    ],
    ids=lambda a: a[0],
)
def test_a_group_by_an_unknown_dimension_is_refused(demo_store: Store, args: tuple[str, ...]) -> None:
    refused(cli(demo_store, *args), "teem")


def test_a_an_unknown_dimension_names_the_closest(demo_store: Store) -> None:
    """Added while fixing (the first score only asked that 'teem' be named): the closest dimension comes first."""
    refused(cli(demo_store, "costs", "-p", "2026-10", "--by", "teem"), "teem", "closest: team")


@pytest.mark.parametrize(
    "args",
    [
        ("drivers", "-p", "2026-10", "-f", "team=supprot"),
        ("gpu", "-p", "2026-10", "-f", "team=supprot"),
        ("commitments", "-p", "2026-10", "-f", "team=supprot"),
        ("savings", "-p", "2026-10", "-f", "team=supprot"),
        ("forecast", "-f", "team=supprot"),
        ("seats", "-f", "team=supprot"),
        ("assistants", "-p", "2026-10", "-f", "team=supprot"),
    ],
    ids=lambda a: a[0],
)
def test_a_every_filtered_command_refuses_an_unknown_team(demo_store: Store, args: tuple[str, ...]) -> None:
    refused(cli(demo_store, *args, "--json"), "supprot", "support")


def test_a_unknown_measure_is_refused(demo_store: Store) -> None:
    refused(cli(demo_store, "costs", "-p", "2026-10", "-m", "dollars"), "dollars", "cost")
    refused(cli(demo_store, "forecast", "--measure", "dollars"), "dollars")


def test_a_reconcile_refuses_an_unknown_provider(demo_store: Store) -> None:
    refused(cli(demo_store, "reconcile", "-p", "2026-10", "--provider", "Anthropik", "--json"), "Anthropik")


def test_a_reconcile_refuses_an_unknown_model(demo_store: Store) -> None:
    refused(cli(demo_store, "reconcile", "-p", "2026-10", "--model", "gpt-9", "--json"), "gpt-9", "gpt-")


def test_a_gpu_refuses_an_unknown_team_tag(demo_store: Store) -> None:
    refused(cli(demo_store, "gpu", "-p", "2026-10", "--team-tag", "teem", "--json"), "teem", "team")


def test_a_savings_refuses_an_unknown_team_tag(demo_store: Store) -> None:
    refused(cli(demo_store, "savings", "-p", "2026-10", "--team-tag", "teem", "--json"), "teem", "team")


def test_a_savings_refuses_an_unknown_feature_tag(demo_store: Store) -> None:
    refused(
        cli(demo_store, "savings", "-p", "2026-10", "--feature-tag", "featur", "--json"), "featur", "feature"
    )


def test_a_commitments_refuses_an_unknown_commitment(demo_store: Store) -> None:
    refused(cli(demo_store, "commitments", "-p", "2026-10", "--commitment", "nosuch", "--json"), "nosuch")


@pytest.mark.parametrize("args", [("assistants", "-p", "2026-10"), ("seats",)], ids=lambda a: a[0])
def test_a_unknown_coding_assistant_is_refused(demo_store: Store, args: tuple[str, ...]) -> None:
    refused(cli(demo_store, *args, "--tool", "cursr", "--json"), "cursr", "cursor")


def test_a_unknown_budget_is_refused(gov: Path) -> None:
    refused(cli(gov, "budgets", "status", "nosuch", "--json"), "nosuch", "search-monthly")
    refused(cli(gov, "budgets", "remove", "nosuch", "--json"), "nosuch")


def test_a_budget_on_an_unknown_team_is_refused(gov: Path) -> None:
    refused(cli(gov, "budgets", "set", "typo", "--amount", "100", "-f", "team=supprot"), "supprot", "support")
    refused(cli(gov, "budgets", "status", "-f", "team=supprot", "--json"), "supprot")


def test_a_anomalies_list_refuses_an_unknown_dimension(gov: Path) -> None:
    refused(cli(gov, "anomalies", "list", "--dimension", "teem", "--json"), "teem", "team")


def test_a_anomalies_list_refuses_an_unknown_value(gov: Path) -> None:
    refused(cli(gov, "anomalies", "list", "--dimension", "team", "--value", "supprot", "--json"), "supprot")


def test_a_unknown_anomaly_is_refused(gov: Path) -> None:
    refused(cli(gov, "anomalies", "show", "nosuch", "--json"), "nosuch")


def test_a_unknown_operation_is_refused(demo_store: Store) -> None:
    refused(call(demo_store, "query_costs_", {}), "query_costs_", "query_costs")


def test_a_unknown_telemetry_customer_is_refused(demo_store: Store) -> None:
    out = call(
        demo_store,
        "top_usage",
        {"period": "2026-10", "by": ["customer"], "filters": [{"field": "customer", "values": ["acme"]}]},
    )
    refused(out, "acme", "acme-corp")


def test_a_unknown_model_in_the_catalog_is_refused(demo_store: Store) -> None:
    refused(call(demo_store, "show_model_prices", {"model": "gpt-9"}), "gpt-9")


def test_a_price_diff_refuses_an_unknown_model(demo_store: Store) -> None:
    out = call(
        demo_store,
        "diff_model_prices",
        {"from_date": "2026-09-01", "to_date": "2026-10-01", "model": "gpt-9"},
    )
    refused(out, "gpt-9")


def test_a_model_prices_refuse_an_unknown_provider(demo_store: Store) -> None:
    refused(call(demo_store, "show_model_prices", {"model": "gpt-4o", "provider": "Anthropik"}), "Anthropik")


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("list_dimension_values", {"dimension": "teem"}),
        ("get_allocation_coverage", {"period": "2026-10", "keys": ["teem"]}),
        ("get_shared_cost_allocation", {"period": "2026-10", "key": "teem"}),
        ("get_showback_report", {"month": "2026-10", "by": "teem"}),
        (
            "compare_costs",
            {"current": {"period": "2026-10"}, "base": {"period": "2026-09"}, "group_by": ["teem"]},
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_a_tools_refuse_an_unknown_dimension(demo_store: Store, tool: str, arguments: dict) -> None:
    refused(call(demo_store, tool, arguments), "teem")


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("average_cost", {"period": "2026-10", "filters": [{"dimension": "model", "values": ["gpt-9"]}]}),
        ("get_token_usage", {"period": "2026-10", "filters": [{"dimension": "model", "values": ["gpt-9"]}]}),
        (
            "compare_model_costs",
            {"period": "2026-10", "filters": [{"dimension": "model", "values": ["gpt-9"]}]},
        ),
        (
            "cost_ratio",
            {
                "period": "2026-10",
                "numerator": {"filters": [{"dimension": "team", "values": ["supprot"]}]},
                "denominator": {},
            },
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_a_tools_refuse_an_unknown_value(demo_store: Store, tool: str, arguments: dict) -> None:
    out = call(demo_store, tool, arguments)
    assert out.code != 0 and ("gpt-9" in out.text or "supprot" in out.text), out.text


def test_a_business_metric_typo_is_refused_with_the_closest(demo_store: Store) -> None:
    out = call(demo_store, "query_business_metrics", {"metric": "tickets_resolvd", "period": "2026-10"})
    refused(out, "tickets_resolvd", "tickets_resolved")


# ---------------------------------------------------------------------------------------------------------------
# B. Periods: outside the data, reversed, malformed, future. Expected: an error that names the period and the
# dates the store covers, never $0 for months the store has no bill for.

BAD_PERIODS = [
    (("-p", "2026-13"), ["2026-13"]),
    (("--start", "2026-10-31", "--end", "2026-10-01"), ["2026-10-01", "2026-10-31"]),
    (("--start", "2026-02-30"), ["--start", "2026-02-30"]),
    (("-p", "banana"), ["banana"]),
    (("-p", "Q5 2026"), ["Q5 2026"]),
    (("-p", "last 0 days", "--as-of", "2026-10-15"), ["last 0 days"]),
    (("-p", "last month", "--as-of", "2026-13-01"), ["--as-of", "2026-13-01"]),
    (("--end", "2026-10-10"), ["start"]),
    (("-p", "2020-01"), ["January 2020", "2026-07-24", "2026-10-31"]),
    (("-p", OUTSIDE), ["January 2030", "2026-10-31"]),
    (("-p", "last month", "--as-of", "2030-01-15"), ["December 2029", "2026-10-31"]),
]


@pytest.mark.parametrize(("args", "names"), BAD_PERIODS, ids=[" ".join(a) for a, _ in BAD_PERIODS])
def test_b_costs_refuses_a_bad_or_uncovered_period(
    demo_store: Store, args: tuple[str, ...], names: list[str]
) -> None:
    refused(cli(demo_store, "costs", *args, "--json"), *names)


@pytest.mark.parametrize(
    "command", ["drivers", "unit-costs", "reconcile", "gpu", "commitments", "savings", "assistants"]
)
def test_b_every_period_command_refuses_a_month_without_data(demo_store: Store, command: str) -> None:
    refused(cli(demo_store, command, "-p", OUTSIDE, "--json"), "January 2030", "2026-10-31")


def test_b_a_partly_covered_month_says_so(demo_store: Store) -> None:
    result = cli(demo_store, "costs", "-p", "2026-07", "--json").json()
    assert result["total"] > 0 and any("partly covered" in a for a in result["assumptions"])


def test_b_drivers_refuses_a_comparison_period_without_data(demo_store: Store) -> None:
    refused(
        cli(demo_store, "drivers", "-p", "2026-10", "-c", "2020-01", "--json"), "January 2020", "2026-07-24"
    )


def test_b_drivers_refuses_a_reversed_comparison_range(demo_store: Store) -> None:
    out = cli(
        demo_store, "drivers", "-p", "2026-10", "--compare-start", "2026-09-30", "--compare-end", "2026-09-01"
    )
    refused(out, "2026-09-01", "2026-09-30")


def test_b_compare_costs_refuses_a_base_without_data(demo_store: Store) -> None:
    out = call(demo_store, "compare_costs", {"current": {"period": "2026-10"}, "base": {"period": "2020-01"}})
    refused(out, "January 2020", "2026-07-24")


def test_b_explain_change_refuses_a_comparison_without_data(demo_store: Store) -> None:
    refused(
        call(demo_store, "explain_change", {"period": "2026-10", "compare_period": OUTSIDE}), "January 2030"
    )


def test_b_showback_refuses_a_month_without_data(demo_store: Store) -> None:
    refused(call(demo_store, "get_showback_report", {"month": OUTSIDE, "by": "team"}), "January 2030")


def test_b_report_showback_command_refuses_a_month_without_data(demo_store: Store) -> None:
    refused(
        cli(demo_store, "report", "showback", "--month", OUTSIDE, "--by", "team", "--json"), "January 2030"
    )


@pytest.mark.parametrize(
    "tool",
    [
        pytest.param("get_allocation_coverage"),
        pytest.param("get_shared_cost_allocation"),
        pytest.param("suggest_allocation_rules"),
        pytest.param("attribute_costs_to_customers"),
        pytest.param("top_usage"),
        pytest.param("list_new_commits"),
        "get_token_usage",
        "compare_model_costs",
        "average_cost",
        "profitability",
    ],
)
def test_b_tools_refuse_a_month_without_data(demo_store: Store, tool: str) -> None:
    refused(call(demo_store, tool, {"period": OUTSIDE}), "January 2030")


def test_b_forecast_from_a_future_day_says_where_it_starts(demo_store: Store) -> None:
    """Round 22 made this stricter: an as_of more than a month after the data is refused naming the coverage (a
    forecast of November 2026 "as of 2030" was answered with only a note); a few days after, the note stands."""
    refused(cli(demo_store, "forecast", "--as-of", "2030-01-01", "--json"), "2030-01-01", "2026-10-31")
    result = cli(demo_store, "forecast", "--as-of", "2026-11-10", "--json").json()
    assert result["start"] == "2026-11-01" and any("2026-11-10" in n for n in result["notes"])


def test_b_forecast_without_history_is_refused(demo_store: Store) -> None:
    refused(cli(demo_store, "forecast", "--as-of", "2020-01-01", "--json"), "2020-01-01")


def test_b_forecast_period_start_after_the_horizon_is_refused_or_explained(demo_store: Store) -> None:
    out = cli(demo_store, "forecast", "--period-start", "2030-01-01", "--json")
    assert out.code != 0 or any("2030-01-01" in n for n in out.json()["notes"]), out.text
    if out.code:
        refused(out, "2030-01-01")


def test_b_malformed_days_elsewhere_are_refused(gov: Path, demo_store: Store) -> None:
    refused(cli(gov, "anomalies", "list", "--since", "2026-13-01"), "--since", "2026-13-01")
    out = call(demo_store, "diff_model_prices", {"from_date": "2026-10-01", "to_date": "2026-09-01"})
    refused(out, "2026-09-01", "2026-10-01")


# ---------------------------------------------------------------------------------------------------------------
# C. Empty results: a legitimate $0 or "nothing" must be told apart from an unknown name, and say why.


def test_c_untagged_spend_is_a_figure(demo_store: Store) -> None:
    assert cli(demo_store, "costs", "-p", "2026-10", "-f", "team=(none)", "--json").json()["total"] > 0


def test_c_a_token_kind_by_definition_is_accepted(demo_store: Store) -> None:
    out = cli(demo_store, "costs", "-p", "2026-10", "-f", "token_type=cache_write", "-m", "tokens", "--json")
    assert out.json()["total"] > 0


def test_c_a_model_written_as_words_is_the_stored_id(demo_store: Store) -> None:
    words = cli(demo_store, "costs", "-p", "2026-10", "-f", "model=Claude Sonnet 4.5", "--json").json()
    canonical = cli(demo_store, "costs", "-p", "2026-10", "-f", "model=claude-sonnet-4-5", "--json").json()
    assert words["total"] == canonical["total"] > 0


def test_c_a_filter_on_the_grouped_dimension_keeps_only_that_value(demo_store: Store) -> None:
    result = cli(demo_store, "costs", "-p", "2026-10", "--by", "team", "-f", "team=legal", "--json").json()
    assert [r["group"]["team"] for r in result["rows"]] == ["legal"]


@pytest.mark.parametrize(
    "flt",
    [
        pytest.param("day=2026-09-01"),
        pytest.param("month=2026-09"),
    ],
)
def test_c_a_time_filter_outside_the_period_is_refused(demo_store: Store, flt: str) -> None:
    refused(cli(demo_store, "costs", "-p", "2026-10", "-f", flt, "--json"), flt.split("=")[1], "October 2026")


def test_c_fuzzy_search_finds_the_misspelt_value(demo_store: Store) -> None:
    out = cli(demo_store, "dimensions", "team", "--search", "supprot")
    assert out.code == 0 and "support" in out.stdout


def test_c_search_without_a_dimension_says_what_is_missing(demo_store: Store) -> None:
    refused(cli(demo_store, "dimensions", "--search", "claude sonet"), "dimension")


def test_c_no_anomalies_in_a_store_without_detection_is_an_honest_empty_list(demo_store: Store) -> None:
    listed = cli(demo_store, "anomalies", "list", "--json").json()
    assert listed["anomalies"] == [] and listed["total"] == 0
    assert "no anomaly scan is stored yet" in listed["note"]  # not "nothing unusual"
    assert "no anomaly scan is stored yet" in cli(demo_store, "anomalies", "list").stdout


def test_c_a_zero_denominator_is_no_ratio_not_infinity(demo_store: Store) -> None:
    out = call(
        demo_store,
        "cost_ratio",
        {
            "period": "2026-10",
            "numerator": {"filters": [{"dimension": "team", "values": ["search"]}]},
            "denominator": {"filters": [{"dimension": "team", "values": ["legal"]}], "measure": "requests"},
        },
    )
    result = out.json()
    assert result["denominator"] == 0 and result["ratio"] is None


def test_c_a_scoped_caller_without_commitments_is_told_why(demo_store: Store) -> None:
    result = cli(demo_store, "commitments", "-p", "2026-10", "--json", view_as=("team=search",)).json()
    assert result["total_unused_cost"] == 0 and any("team=search" in a for a in result["assumptions"])


def test_c_a_scoped_caller_without_assistant_spend_is_told_why(demo_store: Store) -> None:
    result = call(demo_store, "get_assistant_costs", {"period": "2026-10"}, view_as=("team=search",)).json()
    assert result["total_cost"] == 0
    assert any("team=search" in a for a in result["assumptions"]), result["assumptions"]
    assert not any("first" in a for a in result["assumptions"]), result["assumptions"]


def test_c_a_scoped_caller_without_seats_is_told_why(demo_store: Store) -> None:
    result = call(demo_store, "list_assistant_seats", {}, view_as=("team=search",)).json()
    assert result["seats"] == 0
    table = cli(demo_store, "seats", view_as=("team=search",)).stdout
    assert "no coding-assistant seat within team=search" in table and "$0.00 a month" not in table
    assert not any("no seat roster in the store" in a for a in result["assumptions"]), result["assumptions"]


# ---------------------------------------------------------------------------------------------------------------
# D. Conflicting or malformed flags.


def test_d_two_output_formats_are_refused(demo_store: Store) -> None:
    refused(cli(demo_store, "costs", "-p", "2026-10", "--json", "--csv"), "--json", "--csv")


def test_d_period_overridden_by_start_and_end_is_said(demo_store: Store) -> None:
    result = cli(
        demo_store, "costs", "-p", "2026-10", "--start", "2026-09-01", "--end", "2026-09-30", "--json"
    ).json()
    assert result["start"] == "2026-09-01"
    assert any("2026-10" in a for a in result["assumptions"]), result["assumptions"]


@pytest.mark.parametrize(
    "filters",
    [
        pytest.param(("team=support", "team=search")),
        pytest.param(("team=search", "team!=search")),
    ],
    ids=lambda f: " & ".join(f),
)
def test_d_filters_that_exclude_each_other_are_refused(demo_store: Store, filters: tuple[str, str]) -> None:
    out = cli(demo_store, "costs", "-p", "2026-10", "-f", filters[0], "-f", filters[1], "--json")
    refused(out, "team")


def test_d_comparing_a_period_with_itself_is_refused(demo_store: Store) -> None:
    refused(cli(demo_store, "drivers", "-p", "2026-10", "-c", "2026-10", "--json"), "October 2026")


def test_d_compare_period_overridden_by_compare_dates_is_said(demo_store: Store) -> None:
    out = cli(
        demo_store,
        "drivers",
        *("-p", "2026-10", "-c", "2026-09", "--compare-start", "2026-08-01", "--compare-end", "2026-08-31"),
        "--json",
    )
    assert out.code != 0 or any("2026-09" in a for a in out.json()["assumptions"]), out.text


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (("costs", "-p", "2026-10", "-f", "team="), ["team="]),
        (("costs", "-p", "2026-10", "-f", "team"), ["team"]),
        (("costs", "-p", "2026-10", "--top", "0"), ["--top"]),
        (("costs", "-p", "2026-10", "--top", "-3"), ["--top"]),
        (("savings", "-p", "2026-10", "-k", "nosuch"), ["--kind", "nosuch"]),
        (("gpu", "-p", "2026-10", "--idle-threshold", "120"), ["--idle-threshold", "100"]),
        (("forecast", "--horizon", "0"), ["--horizon"]),
        (("tools", "call", "query_costs", '{"period": "2026-10", "bogus": 1}'), ["bogus", "period"]),
        (("tools", "call", "query_costs", "not json"), ["JSON"]),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else "",
)
def test_d_malformed_options_are_refused_naming_the_option(
    demo_store: Store, args: tuple[str, ...], names: list[str]
) -> None:
    refused(cli(demo_store, *args), *names)


def test_d_a_negative_budget_is_refused(gov: Path) -> None:
    refused(cli(gov, "budgets", "set", "neg", "--amount", "-5", "-f", "team=search"), "--amount")


# ---------------------------------------------------------------------------------------------------------------
# E. Row-scoped callers (--view-as, the same entry point as a team's MCP token): figures cover their rows only,
# messages never name another team's values, writes are refused.

SEARCH = ("team=search",)


def test_e_a_scoped_total_is_the_team_total(demo_store: Store) -> None:
    scoped = cli(demo_store, "costs", "-p", "2026-10", "--json", view_as=SEARCH).json()["total"]
    filtered = cli(demo_store, "costs", "-p", "2026-10", "-f", "team=search", "--json").json()["total"]
    assert scoped == pytest.approx(filtered) and scoped > 0


def test_e_another_teams_name_is_refused_without_naming_other_teams(demo_store: Store) -> None:
    out = cli(demo_store, "costs", "-p", "2026-10", "-f", "team=legal", "--json", view_as=SEARCH)
    refused(out, "legal")
    assert not any(t in out.text for t in OTHER_TEAMS if t != "legal"), out.text


def test_e_a_scoped_typo_suggests_only_own_values(demo_store: Store) -> None:
    out = cli(demo_store, "costs", "-p", "2026-10", "-f", "team=supprot", "--json", view_as=SEARCH)
    refused(out, "supprot")
    assert not any(t in out.text for t in OTHER_TEAMS), out.text


@pytest.mark.parametrize(
    "args", [("costs", "-p", "2026-10", "--by", "team"), ("drivers", "-p", "2026-10", "--by", "team")]
)
def test_e_grouping_by_team_shows_only_the_callers_team(demo_store: Store, args: tuple[str, ...]) -> None:
    out = cli(demo_store, *args, "--json", view_as=SEARCH)
    assert out.code == 0 and '"search"' in out.stdout, out.text
    assert not any(f'"{t}"' in out.stdout for t in OTHER_TEAMS), out.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("unit-costs", "-p", "2026-10"),
        ("dimensions", "team"),
        ("report", "showback", "--month", "2026-10", "--by", "team"),
        ("tools", "call", "top_usage", '{"period": "2026-10", "by": ["team"]}'),
    ],
    ids=lambda a: a[0] if a[0] != "tools" else "top_usage",
)
def test_e_operations_that_cannot_be_limited_are_refused(demo_store: Store, args: tuple[str, ...]) -> None:
    refused(cli(demo_store, *args, view_as=SEARCH), "team=search")


def test_e_scoped_sql_sums_only_the_callers_rows(demo_store: Store) -> None:
    sql = "select round(sum(EffectiveCost), 2) as c from cost_lines"
    scoped = json.loads(cli(demo_store, "query", sql, "--json", view_as=SEARCH).stdout)[0]["c"]
    total = cli(
        demo_store, "costs", "--start", "2026-07-24", "--end", "2026-10-31", "-f", "team=search", "--json"
    )
    assert scoped == pytest.approx(total.json()["total"], abs=0.01)
    teams = json.loads(
        cli(demo_store, "query", "select distinct team from usage_events", "--json", view_as=SEARCH).stdout
    )
    assert teams == [{"team": "search"}]


def test_e_scoped_gpu_and_savings_name_no_other_team(demo_store: Store) -> None:
    for args in (("gpu", "-p", "2026-10"), ("savings", "-p", "2026-10")):
        out = cli(demo_store, *args, "--json", view_as=SEARCH)
        assert out.code == 0, out.text
        assert not any(f'"{t}"' in out.stdout for t in OTHER_TEAMS), (args, out.stdout[:500])


def test_e_scoped_budgets_show_only_budgets_within_the_scope(gov: Path) -> None:
    result = cli(gov, "budgets", "status", "--as-of", "2026-10-20", "--json", view_as=SEARCH).json()
    assert [b["budget"]["name"] for b in result["budgets"]] == ["search-monthly"]
    refused(cli(gov, "budgets", "status", "openai-monthly", "--json", view_as=SEARCH), "openai-monthly")


def test_e_scoped_anomalies_lie_within_the_scope(gov: Path) -> None:
    everyone = cli(gov, "anomalies", "list", "--json").json()
    scoped = cli(gov, "anomalies", "list", "--json", view_as=SEARCH).json()
    assert everyone["total"] > scoped["total"]
    assert all(a["dimension"] == "team" and a["value"] == "search" for a in scoped["anomalies"]), scoped


def test_e_writes_are_refused_to_a_scoped_caller(gov: Path) -> None:
    refused(
        cli(gov, "budgets", "set", "x", "--amount", "5", "-f", "team=search", view_as=SEARCH), "set_budget"
    )


def test_e_commands_outside_the_entry_point_refuse_view_as(gov: Path) -> None:
    refused(cli(gov, "import", "focus", str(gov), view_as=SEARCH), "--view-as")


def test_e_demo_refuses_view_as_and_writes_nothing(demo_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "copy.duckdb"
    shutil.copyfile(demo_store.path, path)
    before = cli(path, "costs", "--start", "2026-07-24", "--end", "2026-10-31", "--json").json()["total"]
    out = cli(path, "demo", "--days", "3", "--end", "2026-10-31", view_as=SEARCH)
    after = cli(path, "costs", "--start", "2026-07-24", "--end", "2026-10-31", "--json").json()["total"]
    refused(out, "--view-as")
    assert after == before


def test_e_a_scope_naming_an_unknown_value_is_refused(demo_store: Store) -> None:
    refused(
        cli(demo_store, "costs", "-p", "2026-10", "--json", view_as=("team=serch",)), "serch", "row scope"
    )


@pytest.mark.parametrize(
    "args", [("mcp",), ("web",), ("slack", "report", "weekly", "--dry-run")], ids=lambda a: a[0]
)
def test_e_servers_refuse_view_as_rather_than_serve_every_row(gov: Path, args: tuple[str, ...]) -> None:
    """Added while fixing (not in the first score): a server started with --view-as served every team's rows."""
    refused(cli(gov, *args, view_as=SEARCH), "--view-as")


def test_e_a_scope_naming_an_unknown_dimension_is_refused(demo_store: Store) -> None:
    refused(cli(demo_store, "costs", "-p", "2026-10", "--json", view_as=("teem=search",)), "teem")


# ---------------------------------------------------------------------------------------------------------------
# F. Output shapes and exit codes: the same JSON on success, a machine-readable error with --json, exit codes.


def test_f_json_success_has_the_documented_fields(demo_store: Store) -> None:
    result = cli(demo_store, "costs", "-p", "2026-10", "--json").json()
    assert {"measure", "start", "end", "period_label", "rows", "total", "assumptions"} <= result.keys()


def test_f_errors_exit_non_zero_with_one_line_on_stderr(demo_store: Store) -> None:
    out = cli(demo_store, "costs", "-p", "2026-10", "-f", "team=supprot", "--csv")
    assert out.code == 1 and out.stderr.startswith("error: ") and out.stderr.count("\n") <= 1, out.text


def test_f_json_errors_are_json_with_the_error_code(demo_store: Store) -> None:
    out = cli(demo_store, "costs", "-p", "2026-10", "-f", "team=supprot", "--json")
    assert out.code == 1
    error = json.loads(out.stdout)["error"]
    assert error["code"] == "unknown_value" and "supprot" in error["message"]


# MCP over stdio through the real client: one server process, every call recorded, then checked one by one.

MCP_CALLS: dict[str, tuple[str, dict]] = {
    "typo_team": (
        "query_costs",
        {"period": "2026-10", "filters": [{"dimension": "team", "values": ["supprot"]}]},
    ),
    "typo_group": ("query_costs", {"period": "2026-10", "group_by": ["teem"]}),
    "outside": ("query_costs", {"period": OUTSIDE}),
    "top_zero": ("query_costs", {"period": "2026-10", "top": 0}),
    "bogus": ("query_costs", {"period": "2026-10", "bogus": 1}),
    "reversed": ("query_costs", {"start": "2026-10-31", "end": "2026-10-01"}),
    "ok": ("query_costs", {"period": "2026-10"}),
    "sql": ("run_sql", {"sql": "select * from nosuch"}),
    "budget": ("budget_status", {"name": "nosuch"}),
    "forecast_typo": ("forecast_costs", {"filters": [{"dimension": "model", "values": ["gpt-9"]}]}),
    "compare_base": ("compare_costs", {"current": {"period": "2026-10"}, "base": {"period": "2020-01"}}),
    "explain_outside": ("explain_change", {"period": "2026-10", "compare_period": OUTSIDE}),
    "reconcile_model": ("reconcile_estimates", {"period": "2026-10", "model": "gpt-9"}),
    "showback_outside": ("get_showback_report", {"month": OUTSIDE, "by": "team"}),
    "anomalies_dim": ("list_anomalies", {"dimension": "teem"}),
    "gpu_tag": ("gpu_utilization", {"period": "2026-10", "team_tag": "teem"}),
    "savings_tag": ("savings_recommendations", {"period": "2026-10", "team_tag": "teem"}),
    "price_diff": (
        "diff_model_prices",
        {"from_date": "2026-09-01", "to_date": "2026-10-01", "model": "gpt-9"},
    ),
}


@pytest.fixture(scope="module")
def mcp_results(demo_store: Store) -> Iterator[dict[str, object]]:
    results: dict[str, object] = {}

    async def run() -> None:
        params = StdioServerParameters(
            command=sys.executable, args=["-m", "spendscope", "mcp", "--db", str(demo_store.path)]
        )
        async with Client(params) as client:
            for key, (tool, arguments) in MCP_CALLS.items():
                results[key] = await client.call_tool(tool, arguments)

    anyio.run(run)
    yield results


def mcp_error(results: dict[str, object], key: str, code: str, *names: str) -> None:
    r = results[key]
    text = r.content[0].text if r.content else ""  # type: ignore[attr-defined]
    assert r.is_error, (key, text[:300])  # type: ignore[attr-defined]
    assert r.meta["spendscope/error"]["code"] == code, r.meta  # type: ignore[attr-defined]
    assert "Traceback" not in text
    for name in names:
        assert name in text, (name, text)


@pytest.mark.parametrize(
    ("key", "code", "names"),
    [
        ("typo_team", "unknown_value", ["supprot", "support"]),
        ("typo_group", "unknown_dimension", ["teem"]),
        ("outside", "invalid_period", ["January 2030", "2026-10-31"]),
        ("top_zero", "invalid_argument", ["top"]),
        ("bogus", "invalid_argument", ["bogus"]),
        ("reversed", "invalid_period", ["2026-10-01"]),
        ("sql", "query_refused", ["nosuch"]),
        ("budget", "not_found", ["nosuch"]),
        ("forecast_typo", "unknown_value", ["gpt-9"]),
        pytest.param(
            "compare_base",
            "invalid_period",
            ["January 2020"],
        ),
        pytest.param(
            "explain_outside",
            "invalid_period",
            ["January 2030"],
        ),
        pytest.param(
            "reconcile_model",
            "unknown_value",
            ["gpt-9"],
        ),
        pytest.param(
            "showback_outside",
            "invalid_period",
            ["January 2030"],
        ),
        pytest.param("anomalies_dim", "unknown_dimension", ["teem"]),
        ("gpu_tag", "unknown_dimension", ["teem", "team"]),
        ("savings_tag", "unknown_dimension", ["teem", "team"]),
        pytest.param(
            "price_diff",
            "unknown_value",
            ["gpt-9"],
        ),
    ],
    ids=lambda v: v if isinstance(v, str) and "_" in v else "",
)
def test_f_mcp_errors_carry_a_code_and_name_the_value(
    mcp_results: dict[str, object], key: str, code: str, names: list[str]
) -> None:
    mcp_error(mcp_results, key, code, *names)


def test_f_mcp_and_cli_give_the_same_figure(mcp_results: dict[str, object], demo_store: Store) -> None:
    r = mcp_results["ok"]
    assert not r.is_error  # type: ignore[attr-defined]
    cli_total = cli(demo_store, "costs", "-p", "2026-10", "--json").json()["total"]
    assert r.structured_content["total"] == pytest.approx(cli_total)  # type: ignore[attr-defined]
