"""Trust probes 23: allocation, unit economics, commitments, GPUs, the PR cost diff, triage, imports, the price
catalog, reports and the ClickHouse (chdb) store, probed from the outside (blind: written from README.md, docs/ and
`--help` before reading tools/, data/ or agents/). Each probe states what a FinOps user should get (a clear error
naming the bad value and the closest good ones, a correct figure, or an honest "unknown" that says why) and checks
it through the one entry point every surface calls (`tools.invoke`), the real command line (in process, typer's runner) or the
MCP server (in-memory client). Expected figures come from plain SQL over the store's FOCUS columns, never from the
operation under test.

Stores: the demo fixture (2026-07-24 to 2026-10-31) read-only; copies of it with allocation rules (virtual tags,
two shared-cost pools), with a commitment that was not used in October, with a GPU that has no samples, with
restated and zero-valued business metrics, billed in EUR; and the same demo built into embedded ClickHouse (chdb).
Score and failures: docs/performance.md, "Trust probes 23"."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import math
import re
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
from spendscope.data.errors import SpendscopeError
from spendscope.data.store import Store
from spendscope.tools.access import LOCAL, Caller
from spendscope.tools.invoke import invoke
from typer.testing import CliRunner

from spendscope.cli import app

ROOT = Path(__file__).resolve().parents[1]
MONTH = "2026-10"
OCT = ("2026-10-01", "2026-11-01")
SEARCH = Caller("search-team", row_scope={"team": ("search",)})
PLATFORM = Caller("platform-team", row_scope={"team": ("platform",)})
PTU = "ptu-platform-gpt-4o"
RERANK_GPU = "i-0a7d3c9e1f2b4a6c8"  # team search's g5.2xlarge
GPUS = ("i-0a7d3c9e1f2b4a6c8", "i-0c4f5e6a7b8c9d0e1", "i-0e9b8a7c6d5f4e3a2")
BAD_PERIODS = ["2030-01", "2026-13", "2025-01"]  # future, malformed, before the data

RULES = """\
version: probes-23
tags:
  team:
    - copy: Tags.team
    - when: {ProviderName: Microsoft}
      value: platform
  vendor_group:
    - when: {ProviderName: Anthropic}
      value: anthropic-direct
    - when: {ServiceName: {contains: claude}}
      value: claude-anywhere
shared:
  - name: ptu
    when: {CommitmentDiscountName: ptu-platform-gpt-4o}
    to: team
    split: proportional
  - name: gpu-fixed
    when: {x_InstanceType: {prefix: g5}}
    to: team
    split: fixed
    percentages: {search: 60, support: 40}
"""


# --------------------------------------------------------------------------------------------------- helpers


def _filter(text: str | dict) -> dict:
    """`team=search` (the CLI's spelling) as the operation's filter object."""
    if isinstance(text, dict):
        return text
    dim, _, values = text.partition("=")
    return {"dimension": dim, "values": values.split(",")}


def run(store: Store, name: str, params: dict[str, Any], caller: Caller = LOCAL) -> dict[str, Any]:
    params = {
        k: [_filter(f) for f in v] if k in ("filters", "cost_filters") else v for k, v in params.items()
    }
    return invoke(store, name, params, caller).model_dump(mode="json")


def refusal(store: Store, name: str, params: dict[str, Any], caller: Caller = LOCAL) -> SpendscopeError:
    """The operation must refuse (a typed error), never answer."""
    try:
        result = run(store, name, params, caller)
    except SpendscopeError as exc:
        return exc
    raise AssertionError(f"{name}({params}) answered instead of refusing: {json.dumps(result)[:600]}")


def refused(store: Store, name: str, params: dict[str, Any], *names: str, caller: Caller = LOCAL) -> None:
    exc = refusal(store, name, params, caller)
    text = str(exc).lower()
    for n in names:
        assert n.lower() in text, (n, str(exc))


def sql(store: Store | Path, query: str, *params: Any) -> Any:
    """One value by plain SQL over the DuckDB file (read-only, independent of the operation under test)."""
    path = store.path if isinstance(store, Store) else store
    con = duckdb.connect(str(path), read_only=True)
    try:
        row = con.execute(query, list(params)).fetchone()
    finally:
        con.close()
    return None if row is None else (float(row[0]) if row[0] is not None else None)


class Out:
    def __init__(self, code: int, stdout: str, stderr: str) -> None:
        self.code, self.stdout, self.stderr = code, stdout, stderr
        self.text = stdout + stderr

    def json(self) -> Any:
        assert self.code == 0, self.text
        return json.loads(self.stdout)


def cli(store: Store | Path | str, *args: str, view_as: tuple[str, ...] = ()) -> Out:
    """The CLI in this process (typer's runner: a fresh click context per call, as a new process would have; a
    subprocess per call cost ~0.5 s of start-up each). An exception the CLI did not turn into an exit is written
    out as a traceback would be, so `cli_refused` still catches it."""
    path = store.path if isinstance(store, Store) else store
    pre = [a for v in view_as for a in ("--view-as", v)]
    result = CliRunner().invoke(app, [*pre, *args, "--db", str(path)])
    stderr, error = result.stderr, result.exception
    if isinstance(error, SpendscopeError):  # what the entry point prints as one line (spendscope.cli.main)
        stderr += f"\nerror: {error.message}"
    elif error is not None and not isinstance(error, SystemExit):
        stderr += f"\nTraceback (in process): {type(error).__name__}: {error}"
    return Out(result.exit_code, result.stdout, stderr)


def cli_refused(out: Out, *names: str) -> None:
    assert out.code != 0, out.text[-2000:]
    assert "Traceback" not in out.text, out.text[-2000:]
    for n in names:
        assert n.lower() in out.text.lower(), (n, out.text[-2000:])


def close(a: float | None, b: float | None, tol: float = 0.01) -> bool:
    return a is not None and b is not None and math.isclose(float(a), float(b), rel_tol=1e-6, abs_tol=tol)


def copy_store(src: Path, folder: Path, name: str) -> Store:
    target = folder / name
    shutil.copyfile(src, target)
    wal = Path(str(src) + ".wal")
    if wal.exists():
        shutil.copyfile(wal, Path(str(target) + ".wal"))
    return Store(target, lock_timeout=10)


def checkpoint(store: Store) -> None:
    con = duckdb.connect(str(store.path))
    con.execute("CHECKPOINT")
    con.close()


def oct_total(store: Store, where: str = "TRUE") -> float:
    return sql(
        store,
        f"SELECT coalesce(sum(EffectiveCost), 0) FROM costs WHERE ChargePeriodStart >= DATE '2026-10-01' "
        f"AND ChargePeriodStart < DATE '2026-11-01' AND ({where})",
    )


TEAM = "json_extract_string(Tags, '$.team')"
FEATURE = "json_extract_string(Tags, '$.feature')"


# --------------------------------------------------------------------------------------------------- stores


@pytest.fixture(scope="module")
def demo(demo_store: Store) -> Store:
    return demo_store


@pytest.fixture(scope="module")
def alloc(demo_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The demo with the rules above applied: a virtual team tag, two overlapping rules, two shared pools."""
    store = copy_store(demo_store.path, tmp_path_factory.mktemp("alloc23"), "alloc.duckdb")
    run(store, "apply_allocation_rules", {"document": RULES, "author": "probes"})
    checkpoint(store)
    return store


@pytest.fixture(scope="module")
def unused(demo_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The demo where the PTU commitment was not used at all in October (every amortised row Unused)."""
    store = copy_store(demo_store.path, tmp_path_factory.mktemp("unused23"), "unused.duckdb")
    with store.writer() as con:
        con.execute(
            "UPDATE costs SET CommitmentDiscountStatus = 'Unused' WHERE CommitmentDiscountStatus = 'Used' "
            "AND ChargePeriodStart >= DATE '2026-10-01'"
        )
    checkpoint(store)
    return store


@pytest.fixture(scope="module")
def blind_gpu(demo_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The demo where search's GPU instance sent no samples at all."""
    store = copy_store(demo_store.path, tmp_path_factory.mktemp("gpu23"), "gpu.duckdb")
    with store.writer() as con:
        con.execute("DELETE FROM gpu_samples WHERE instance_id = ?", [RERANK_GPU])
    checkpoint(store)
    return store


@pytest.fixture(scope="module")
def eur(demo_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = copy_store(demo_store.path, tmp_path_factory.mktemp("eur23"), "eur.duckdb")
    with store.writer() as con:
        con.execute("UPDATE costs SET BillingCurrency = 'EUR'")
        con.execute("DELETE FROM _value_summary")
        con.execute("DELETE FROM _value_summary_imports")
    checkpoint(store)
    return store


ZERO_TICKETS = "date,metric,value,unit,feature,team\n" + "".join(
    f"2026-10-{d:02d},escalations,0,tickets,support-bot,support\n" for d in range(1, 32)
)
SEPT_ONLY = "date,metric,value,unit,feature,team\n" + "".join(
    f"2026-09-{d:02d},refunds,{d},refunds,support-bot,support\n" for d in range(1, 31)
)
RESTATED = "month,metric,value,currency,customer,plan\n2026-10,revenue,1000,USD,acme-corp,growth\n"


@pytest.fixture(scope="module")
def metrics(demo_store: Store, tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, Path]:
    """The demo plus a metric that was zero all October, one recorded only in September, and a restatement of
    October revenue (source demo) to one customer's 1,000."""
    folder = tmp_path_factory.mktemp("metrics23")
    store = copy_store(demo_store.path, folder, "metrics.duckdb")
    for name, text in (("zero.csv", ZERO_TICKETS), ("sept.csv", SEPT_ONLY)):
        (folder / name).write_text(text, encoding="utf-8")
        out = cli(store, "import", "metrics", str(folder / name))
        assert out.code == 0, out.text
    (folder / "restated.csv").write_text(RESTATED, encoding="utf-8")
    out = cli(store, "import", "metrics", str(folder / "restated.csv"), "--source", "demo")
    assert out.code == 0, out.text
    return store, folder


# =================================================================================================== A. Allocation


def test_a_virtual_team_breakdown_adds_up_to_the_bill(alloc: Store) -> None:
    r = run(alloc, "query_costs", {"period": MONTH, "group_by": ["team"]})
    assert close(r["total"], oct_total(alloc))


def test_a_first_matching_rule_wins_where_two_rules_overlap(alloc: Store) -> None:
    r = run(alloc, "query_costs", {"period": MONTH, "group_by": ["vendor_group"]})
    got = {
        row["group"]["vendor_group"] if isinstance(row["group"], dict) else row["group"]: row["value"]
        for row in r["rows"]
    }
    assert close(got.get("anthropic-direct"), oct_total(alloc, "ProviderName = 'Anthropic'")), got


def test_a_the_second_of_two_overlapping_rules_gets_only_what_the_first_left(alloc: Store) -> None:
    r = run(alloc, "query_costs", {"period": MONTH, "group_by": ["vendor_group"]})
    got = {
        row["group"]["vendor_group"] if isinstance(row["group"], dict) else row["group"]: row["value"]
        for row in r["rows"]
    }
    want = oct_total(alloc, "ProviderName <> 'Anthropic' AND lower(ServiceName) LIKE '%claude%'")
    assert close(got.get("claude-anywhere", 0.0), want), got


def test_a_unallocated_is_what_no_rule_matched(alloc: Store) -> None:
    r = run(alloc, "query_costs", {"period": MONTH, "group_by": ["vendor_group"]})
    got = {
        row["group"]["vendor_group"] if isinstance(row["group"], dict) else row["group"]: row["value"]
        for row in r["rows"]
    }
    want = oct_total(
        alloc, "ProviderName <> 'Anthropic' AND lower(coalesce(ServiceName, '')) NOT LIKE '%claude%'"
    )
    assert close(got.get("unallocated"), want), got


def test_a_filter_on_a_virtual_tag_value_gives_that_value(alloc: Store) -> None:
    r = run(alloc, "query_costs", {"period": MONTH, "filters": ["team=platform"]})
    want = oct_total(alloc, f"{TEAM} = 'platform' OR ({TEAM} IS NULL AND ProviderName = 'Microsoft')")
    assert close(r["total"], want)


def test_a_showback_total_is_the_months_bill(alloc: Store) -> None:
    r = run(alloc, "get_showback_report", {"month": MONTH, "by": "team"})
    assert close(float(r["total"]), oct_total(alloc))


def test_a_showback_direct_plus_shared_is_total_for_every_value(alloc: Store) -> None:
    r = run(alloc, "get_showback_report", {"month": MONTH, "by": "team"})
    for row in r["rows"]:
        assert close(float(row["direct"]) + float(row["shared"]), float(row["total"])), row


def test_a_showback_shared_is_the_pools_rows(alloc: Store) -> None:
    r = run(alloc, "get_showback_report", {"month": MONTH, "by": "team"})
    pool_rows = oct_total(alloc, f"CommitmentDiscountName = '{PTU}' OR x_InstanceType LIKE 'g5%'")
    assert close(float(r["shared"]), pool_rows), (r["shared"], pool_rows)


def _pool(result: dict[str, Any], name: str) -> dict[str, Any]:
    pools = {p.get("name") or p.get("pool"): p for p in result["pools"]}
    assert name in pools, list(pools)
    return pools[name]


def _num(d: dict[str, Any], *keys: str) -> float:
    for k in keys:
        if k in d and d[k] is not None:
            return float(d[k])
    raise AssertionError((keys, d))


def test_a_shared_show_fixed_pool_amount_is_its_rows(alloc: Store) -> None:
    r = run(alloc, "get_shared_cost_allocation", {"period": MONTH, "key": "team"})
    pool = _pool(r, "gpu-fixed")
    assert close(_num(pool, "cost", "amount", "total"), oct_total(alloc, "x_InstanceType LIKE 'g5%'"))


def test_a_shared_show_proportional_pool_amount_is_the_commitment(alloc: Store) -> None:
    r = run(alloc, "get_shared_cost_allocation", {"period": MONTH, "key": "team"})
    pool = _pool(r, "ptu")
    assert close(_num(pool, "cost", "amount", "total"), oct_total(alloc, f"CommitmentDiscountName = '{PTU}'"))


def test_a_fixed_pool_gives_search_its_sixty_percent(alloc: Store) -> None:
    r = run(alloc, "get_shared_cost_allocation", {"period": MONTH, "key": "team"})
    pool = _pool(r, "gpu-fixed")
    got = {m["value"]: float(m["amount"]) for m in pool["members"]}
    assert close(got["search"], 0.6 * oct_total(alloc, "x_InstanceType LIKE 'g5%'")), got


def test_a_shared_allocation_conserves_the_total(alloc: Store) -> None:
    r = run(alloc, "get_shared_cost_allocation", {"period": MONTH, "key": "team"})
    assert r["conserved"] is True
    assert close(sum(float(v["total"]) for v in r["values"]), oct_total(alloc))


def test_a_coverage_unallocated_is_the_untagged_non_microsoft_spend(alloc: Store) -> None:
    r = run(alloc, "get_allocation_coverage", {"period": MONTH, "keys": ["team"]})
    row = next(x for x in r["rows"] if x["key"] == "team" and x["month"] == MONTH)
    want = oct_total(alloc, f"nullif(trim({TEAM}), '') IS NULL AND ProviderName <> 'Microsoft'")
    assert close(row["unallocated"], want), row


def test_a_coverage_share_is_allocated_over_total(alloc: Store) -> None:
    r = run(alloc, "get_allocation_coverage", {"period": MONTH, "keys": ["team"]})
    row = next(x for x in r["rows"] if x["key"] == "team" and x["month"] == MONTH)
    assert close(row["allocated_pct"], 100 * row["allocated"] / row["total"], tol=0.01)


@pytest.mark.parametrize(
    ("name", "params", "names"),
    [
        ("get_showback_report", {"month": MONTH, "by": "teem"}, ["teem", "team"]),
        ("get_shared_cost_allocation", {"period": MONTH, "key": "teem"}, ["teem", "team"]),
        ("get_allocation_coverage", {"period": MONTH, "keys": ["teem"]}, ["teem", "team"]),
        ("list_virtual_tags", {"key": "teem"}, ["teem", "team"]),
        ("query_costs", {"period": MONTH, "filters": ["team=serch"]}, ["serch", "search"]),
        (
            "query_costs",
            {"period": MONTH, "filters": ["vendor_group=anthropic-directt"]},
            ["anthropic-direct"],
        ),
        ("query_costs", {"period": MONTH, "group_by": ["vendor_grup"]}, ["vendor_group"]),
        ("attribute_costs_to_customers", {"period": MONTH, "by": ["custmer"]}, ["custmer", "customer"]),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_a_unknown_names_in_allocation_are_refused(
    alloc: Store, name: str, params: dict[str, Any], names: list[str]
) -> None:
    refused(alloc, name, params, *names)


@pytest.mark.parametrize("period", BAD_PERIODS)
@pytest.mark.parametrize(
    ("name", "field", "extra"),
    [
        ("get_showback_report", "month", {"by": "team"}),
        ("get_shared_cost_allocation", "period", {"key": "team"}),
        ("get_allocation_coverage", "period", {}),
        ("attribute_costs_to_customers", "period", {}),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_a_allocation_periods_without_data_are_refused(
    alloc: Store, name: str, field: str, extra: dict[str, Any], period: str
) -> None:
    refused(alloc, name, {field: period, **extra}, period)


def test_a_a_relative_month_after_the_data_is_refused(alloc: Store) -> None:
    refusal(alloc, "get_showback_report", {"month": "last month", "as_of": "2030-02-01", "by": "team"})


def test_a_coverage_with_end_before_start_is_refused(alloc: Store) -> None:
    refusal(alloc, "get_allocation_coverage", {"start": "2026-10-31", "end": "2026-10-01"})


BAD_RULES = {
    "fixed_under_100": ("split: fixed\n    percentages: {search: 60, support: 30}", ["100"]),
    "fixed_over_100": ("split: fixed\n    percentages: {search: 70, support: 40}", ["100"]),
    "fixed_unknown_value": ("split: fixed\n    percentages: {serch: 60, support: 40}", ["serch", "search"]),
    "members_unknown_value": ("split: even\n    members: [search, suport]", ["suport", "support"]),
}


@pytest.mark.parametrize("case", list(BAD_RULES))
def test_a_a_pool_that_does_not_allocate_exactly_its_members_is_refused(alloc: Store, case: str) -> None:
    body, names = BAD_RULES[case]
    doc = (
        "tags:\n  team:\n    - copy: Tags.team\nshared:\n  - name: p\n    when: {ProviderName: Microsoft}\n"
        f"    to: team\n    {body}\n"
    )
    before = sql(alloc, "SELECT count(*) FROM allocation_rule_versions")
    refused(alloc, "apply_allocation_rules", {"document": doc, "author": "probes"}, *names)
    assert sql(alloc, "SELECT count(*) FROM allocation_rule_versions") == before


@pytest.mark.parametrize(
    ("doc", "names"),
    [
        (
            "tags:\n  team:\n    - when: {SubAcountName: x}\n      value: a\n",
            ["SubAcountName", "SubAccountName"],
        ),
        (
            "tags:\n  team:\n    - copy: Tags.team\nshared:\n  - name: p\n    when: {ProviderName: Microsoft}\n"
            "    to: teem\n    split: even\n",
            ["teem"],
        ),
        ("tags:\n  team:\n    - when: {ResourceName: {regex: '(('}}\n      value: a\n", ["regex"]),
        ("tags:\n  provider:\n    - value: a\n", ["provider"]),
        ("tags:\n  team:\n    - value: unallocated\n", ["unallocated"]),
    ],
    ids=["unknown_field", "pool_to_unknown_key", "bad_regex", "builtin_key", "unallocated_value"],
)
def test_a_invalid_rules_are_refused_and_nothing_is_recorded(
    alloc: Store, doc: str, names: list[str]
) -> None:
    before = sql(alloc, "SELECT count(*) FROM allocation_rule_versions")
    refused(alloc, "apply_allocation_rules", {"document": doc, "author": "probes"}, *names)
    assert sql(alloc, "SELECT count(*) FROM allocation_rule_versions") == before


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("get_showback_report", {"month": MONTH, "by": "team"}),
        ("get_shared_cost_allocation", {"period": MONTH, "key": "team"}),
        ("get_allocation_coverage", {"period": MONTH}),
        ("list_virtual_tags", {}),
        ("attribute_costs_to_customers", {"period": MONTH}),
        ("suggest_allocation_rules", {}),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_a_a_scoped_caller_gets_no_company_wide_allocation(alloc: Store, name: str, params: dict) -> None:
    exc = refusal(alloc, name, params, SEARCH)
    assert exc.code == "permission_denied", exc.code


def test_a_a_scoped_caller_sees_only_its_virtual_team(alloc: Store) -> None:
    r = run(alloc, "query_costs", {"period": MONTH, "group_by": ["team"]}, SEARCH)
    groups = {row["group"]["team"] if isinstance(row["group"], dict) else row["group"] for row in r["rows"]}
    assert groups == {"search"}, groups
    assert close(r["total"], oct_total(alloc, f"{TEAM} = 'search'"))


def test_a_showback_markdown_total_matches_sql(alloc: Store) -> None:
    out = cli(alloc, "report", "showback", "--by", "team", "--month", MONTH, "--markdown")
    assert out.code == 0, out.text
    assert f"{oct_total(alloc):,.2f}" in out.stdout, out.stdout[-1500:]


def test_a_showback_csv_rows_add_up_to_the_bill(alloc: Store) -> None:
    out = cli(alloc, "report", "showback", "--by", "team", "--month", MONTH, "--csv")
    assert out.code == 0, out.text
    rows = [
        r for r in csv.DictReader(io.StringIO(out.stdout)) if (r.get("value") or r.get("team")) != "TOTAL"
    ]
    col = next(c for c in rows[0] if c.lower() in ("total", "total_cost"))
    assert close(sum(float(r[col]) for r in rows), oct_total(alloc))


def test_a_chargeback_statements_add_up_to_the_bill(alloc: Store, tmp_path: Path) -> None:
    out = cli(
        alloc, "report", "showback", "--by", "team", "--month", MONTH, "--chargeback", str(tmp_path), "--csv"
    )
    assert out.code == 0, out.text
    total = 0.0
    for f in tmp_path.glob("*.csv"):
        for r in csv.DictReader(io.StringIO(f.read_text(encoding="utf-8"))):
            v = r.get("value") or r.get("team") or ""
            if v.upper() != "TOTAL" and r.get("total"):
                total += float(r["total"])
    assert close(total, oct_total(alloc)), total


def test_a_attribution_reconciles_to_the_bill(demo: Store) -> None:
    r = run(demo, "attribute_costs_to_customers", {"period": MONTH, "by": ["customer"]})
    parts = float(r["attributed"]) + float(r["unmatched_cost"]) + float(r["no_model_cost"])
    assert close(parts, oct_total(demo))


def test_a_cli_showback_json_matches_the_operation(alloc: Store) -> None:
    out = cli(alloc, "report", "showback", "--by", "team", "--month", MONTH, "--json").json()
    assert close(float(out["total"]), float(run(alloc, "get_showback_report", {"month": MONTH})["total"]))


# ============================================================================================ B. Unit economics


def test_b_cost_per_ticket_units_are_the_months_tickets(demo: Store) -> None:
    r = run(demo, "cost_per_business_unit", {"metric": "tickets_resolved", "period": MONTH})
    want = sql(
        demo,
        "SELECT sum(value) FROM business_metrics WHERE metric = 'tickets_resolved' "
        "AND period_start >= DATE '2026-10-01' AND period_end <= DATE '2026-11-01'",
    )
    assert close(r["total"]["units"], want)


def test_b_cost_per_ticket_cost_is_the_support_bots_bill(demo: Store) -> None:
    r = run(demo, "cost_per_business_unit", {"metric": "tickets_resolved", "period": MONTH})
    assert close(r["total"]["cost"], oct_total(demo, f"{FEATURE} = 'support-bot'"))


def test_b_cost_per_ticket_is_cost_over_units(demo: Store) -> None:
    t = run(demo, "cost_per_business_unit", {"metric": "tickets_resolved", "period": MONTH})["total"]
    assert close(t["cost_per_unit"], t["cost"] / t["units"], tol=1e-5)


def test_b_matched_plus_outside_cost_is_the_bill(demo: Store) -> None:
    r = run(demo, "cost_per_business_unit", {"metric": "tickets_resolved", "period": MONTH})
    assert close(r["total"]["cost"] + r["cost_outside_metric"], oct_total(demo))


def test_b_cost_per_1k_documents_scales_by_per(demo: Store) -> None:
    t = run(demo, "cost_per_business_unit", {"metric": "documents_processed", "period": MONTH, "per": 1000})[
        "total"
    ]
    assert close(t["cost_per_unit"], t["cost"] / t["units"] * 1000, tol=1e-4)


def test_b_weekly_units_add_up_to_the_days(demo: Store) -> None:
    r = run(
        demo,
        "cost_per_business_unit",
        {"metric": "tickets_resolved", "start": "2026-10-05", "end": "2026-10-25", "grain": "week"},
    )
    want = sql(
        demo,
        "SELECT sum(value) FROM business_metrics WHERE metric = 'tickets_resolved' "
        "AND period_start >= DATE '2026-10-05' AND period_end <= DATE '2026-10-26'",
    )
    assert close(sum(row["units"] for row in r["totals"]), want)


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"metric": "tickets_resolvd"}, ["tickets_resolvd", "tickets_resolved"]),
        ({"metric": "revenu"}, ["revenu", "revenue"]),
        ({"metric": "tickets_resolved", "group_by": ["teem"]}, ["teem", "team"]),
        ({"metric": "tickets_resolved", "filters": ["feature=suport-bot"]}, ["suport-bot", "support-bot"]),
        ({"metric": "tickets_resolved", "cost_filters": ["provider=Anthropik"]}, ["Anthropik", "Anthropic"]),
        ({"metric": "tickets_resolved", "match_on": ["featur"]}, ["featur"]),
        ({"metric": "tickets_resolved", "grain": "fortnight"}, ["fortnight"]),
        ({"metric": "tickets_resolved", "per": 0}, ["per"]),
        ({"metric": "tickets_resolved", "per": -5}, ["per"]),
    ],
    ids=["metric", "metric2", "group_by", "filter", "cost_filter", "match_on", "grain", "per0", "per_neg"],
)
def test_b_cost_per_unit_refuses_unknown_names(demo: Store, params: dict[str, Any], names: list[str]) -> None:
    refused(demo, "cost_per_business_unit", {"period": MONTH, **params}, *names)


@pytest.mark.parametrize("period", BAD_PERIODS)
@pytest.mark.parametrize(
    ("name", "extra"),
    [
        ("cost_per_business_unit", {"metric": "tickets_resolved"}),
        ("profitability", {}),
        ("query_business_metrics", {"metric": "revenue"}),
        ("unit_costs", {}),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_b_unit_economics_periods_without_data_are_refused(
    demo: Store, name: str, extra: dict[str, Any], period: str
) -> None:
    refused(demo, name, {"period": period, **extra}, period)


def test_b_weeks_of_a_monthly_metric_are_refused(demo: Store) -> None:
    refusal(demo, "cost_per_business_unit", {"metric": "revenue", "period": MONTH, "grain": "week"})


def test_b_a_month_of_zero_units_has_no_cost_per_unit(metrics: tuple[Store, Path]) -> None:
    store, _ = metrics
    r = run(store, "cost_per_business_unit", {"metric": "escalations", "period": MONTH})
    cpu = r["total"]["cost_per_unit"]
    assert cpu is None, r["total"]


def test_b_a_month_of_zero_units_is_not_printed_as_zero_or_infinity(metrics: tuple[Store, Path]) -> None:
    store, _ = metrics
    out = cli(store, "metrics", "unit-cost", "escalations", "--period", MONTH)
    low = out.text.lower()
    assert "inf" not in low and "nan" not in low, out.text
    assert "$0.00 " not in out.text and "$0.0000" not in out.text, out.text


def test_b_a_metric_with_no_value_in_the_period_gives_no_cost_per_unit(metrics: tuple[Store, Path]) -> None:
    store, _ = metrics
    try:
        r = run(store, "cost_per_business_unit", {"metric": "refunds", "period": MONTH})
    except SpendscopeError:
        return
    assert r["total"]["cost_per_unit"] is None and not r["total"]["units"], r["total"]


def test_b_a_restatement_replaces_the_months_revenue(metrics: tuple[Store, Path]) -> None:
    store, _ = metrics
    r = run(store, "query_business_metrics", {"metric": "revenue", "period": MONTH})
    want = sql(
        store,
        "SELECT sum(value) FROM business_metrics WHERE metric = 'revenue' AND period_start = DATE '2026-10-01'",
    )
    assert want == 1000.0
    assert close(r["total"], want)


def test_b_a_restatement_leaves_other_months(metrics: tuple[Store, Path], demo: Store) -> None:
    store, _ = metrics
    r = run(store, "query_business_metrics", {"metric": "revenue", "period": "2026-09"})
    assert close(
        r["total"], run(demo, "query_business_metrics", {"metric": "revenue", "period": "2026-09"})["total"]
    )


def test_b_reimporting_a_restatement_changes_nothing(metrics: tuple[Store, Path]) -> None:
    store, folder = metrics
    before = sql(store, "SELECT count(*) FROM business_metrics")
    out = cli(store, "import", "metrics", str(folder / "restated.csv"), "--source", "demo")
    assert "Traceback" not in out.text, out.text
    assert sql(store, "SELECT count(*) FROM business_metrics") == before
    assert "unchanged" in out.text.lower() or "nothing changed" in out.text.lower(), out.text


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("month,revenue,mau\n2026-10,100,5\n", ["metric"]),
        ("month,metric,value,currency\n2026-10,revenue,abc,USD\n", ["abc", "row"]),
        ("month,metric,value,currency\n2026-14,revenue,10,USD\n", ["2026-14"]),
    ],
    ids=["wide", "bad_value", "bad_month"],
)
def test_b_a_bad_metrics_file_is_refused_and_nothing_written(
    metrics: tuple[Store, Path], text: str, names: list[str], tmp_path: Path
) -> None:
    store, _ = metrics
    f = tmp_path / "bad.csv"
    f.write_text(text, encoding="utf-8")
    before = sql(store, "SELECT count(*) FROM business_metrics")
    cli_refused(cli(store, "import", "metrics", str(f)), *names)
    assert sql(store, "SELECT count(*) FROM business_metrics") == before


def test_b_importing_a_missing_metrics_file_names_it(demo: Store, tmp_path: Path) -> None:
    cli_refused(cli(tmp_path / "x.duckdb", "import", "metrics", str(tmp_path / "nope.csv")), "nope.csv")


def _revenue_oct_sql(store: Store) -> float:
    return sql(
        store,
        "SELECT sum(m.value * CASE WHEN m.currency = 'USD' THEN 1 ELSE r.rate END) FROM business_metrics m "
        "LEFT JOIN currency_rates r ON r.currency = m.currency AND m.period_start >= r.period_start "
        "AND m.period_start < r.period_end WHERE m.metric = 'revenue' AND m.period_start = DATE '2026-10-01'",
    )


def test_b_profitability_revenue_is_the_months_converted_revenue(demo: Store) -> None:
    r = run(demo, "profitability", {"period": MONTH})
    assert close(r["revenue"], _revenue_oct_sql(demo))


def test_b_profitability_cost_and_unattributed_are_the_bill(demo: Store) -> None:
    r = run(demo, "profitability", {"period": MONTH})
    assert close(r["ai_cost"] + (r["unattributed_cost"] or 0), oct_total(demo))


def test_b_profitability_margin_is_revenue_minus_cost(demo: Store) -> None:
    r = run(demo, "profitability", {"period": MONTH})
    for row in r["rows"]:
        if row["revenue"] is not None:
            assert close(row["margin"], row["revenue"] - row["ai_cost"]), row


def test_b_profitability_a_customer_without_revenue_has_no_margin(demo: Store) -> None:
    r = run(demo, "profitability", {"period": MONTH, "by": "feature"})
    for row in r["rows"]:
        if row["revenue"] is None:
            assert row["margin"] is None and row["margin_pct"] is None, row


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"by": "teem"}, ["teem"]),
        ({"filters": ["customer=blue-son"]}, ["blue-son", "blue-sun"]),
        ({"filters": ["plan=grwoth"]}, ["grwoth", "growth"]),
        ({"revenue_metric": "revenu"}, ["revenu", "revenue"]),
        ({"subscription_metric": "subscripton"}, ["subscripton", "subscription"]),
        ({"cost_filters": ["provider=OpenAl"]}, ["OpenAl", "OpenAI"]),
    ],
    ids=["by", "customer", "plan", "revenue_metric", "subscription_metric", "cost_filter"],
)
def test_b_profitability_refuses_unknown_names(demo: Store, params: dict[str, Any], names: list[str]) -> None:
    refused(demo, "profitability", {"period": MONTH, **params}, *names)


def test_b_query_metric_revenue_is_the_months_rows(demo: Store) -> None:
    r = run(demo, "query_business_metrics", {"metric": "revenue", "period": MONTH})
    assert close(r["total"], _revenue_oct_sql(demo))


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"metric": "revnue"}, ["revnue", "revenue"]),
        ({"metric": "revenue", "group_by": ["custmer"]}, ["custmer", "customer"]),
        ({"metric": "revenue", "filters": ["customer=acme"]}, ["acme", "acme-corp"]),
    ],
    ids=["metric", "group_by", "filter"],
)
def test_b_query_metric_refuses_unknown_names(demo: Store, params: dict[str, Any], names: list[str]) -> None:
    refused(demo, "query_business_metrics", {"period": MONTH, **params}, *names)


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("cost_per_business_unit", {"metric": "tickets_resolved", "period": MONTH}),
        ("profitability", {"period": MONTH}),
        ("query_business_metrics", {"metric": "revenue", "period": MONTH}),
        ("list_business_metrics", {}),
        ("business_alerts", {}),
        ("unit_costs", {"period": MONTH}),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_b_a_scoped_caller_gets_no_company_revenue_or_unit_cost(demo: Store, name: str, params: dict) -> None:
    exc = refusal(demo, name, params, SEARCH)
    assert exc.code == "permission_denied", exc.code


def test_b_a_euro_bill_without_a_dollar_rate_refuses_profitability(eur: Store) -> None:
    exc = refusal(eur, "profitability", {"period": MONTH})
    assert exc.code == "missing_rate", (exc.code, str(exc))


def test_b_unit_costs_total_is_the_model_rows(demo: Store) -> None:
    r = run(demo, "unit_costs", {"period": MONTH, "by": "model"})
    assert close(r["total"]["cost"], oct_total(demo, "x_Model IS NOT NULL"))


def test_b_unit_costs_cost_per_request_is_at_most_cost_over_requests(demo: Store) -> None:
    # cost of the days whose requests are counted / requests (docs/analytics.md): never more than all cost
    t = run(demo, "unit_costs", {"period": MONTH, "by": "model"})["total"]
    assert 0 < t["cost_per_request"] * t["requests"] <= t["cost"] + 0.01, t


def test_b_unit_costs_by_customer_rows_add_up_to_the_ai_bill(demo: Store) -> None:
    r = run(demo, "unit_costs", {"period": MONTH, "by": "customer"})
    assert close(sum(row["cost"] for row in r["rows"]), r["billed_ai_cost"])


def test_b_unit_costs_by_unknown_is_refused(demo: Store) -> None:
    refused(demo, "unit_costs", {"period": MONTH, "by": "custmer"}, "custmer")


# ================================================================================================ C. Commitments


def _ptu(store: Store, where: str) -> float:
    return sql(
        store,
        "SELECT coalesce(sum(EffectiveCost), 0) FROM costs WHERE CommitmentDiscountName = ? "
        f"AND ChargePeriodStart >= DATE '2026-10-01' AND ChargePeriodStart < DATE '2026-11-01' AND ({where})",
        PTU,
    )


def _commit_row(r: dict[str, Any]) -> dict[str, Any]:
    rows = [x for x in r["rows"] if x["commitment_name"] == PTU and x["month"] == MONTH]
    assert len(rows) == 1, r["rows"]
    return rows[0]


def test_c_utilisation_is_used_over_used_plus_unused(demo: Store) -> None:
    row = _commit_row(run(demo, "commitment_utilization", {"period": MONTH}))
    used = _ptu(demo, "CommitmentDiscountStatus = 'Used'") / _ptu(
        demo, "CommitmentDiscountStatus IN ('Used', 'Unused')"
    )
    assert close(row["utilization_pct"], 100 * used, tol=0.01), row


def test_c_unused_cost_is_the_unused_rows(demo: Store) -> None:
    row = _commit_row(run(demo, "commitment_utilization", {"period": MONTH}))
    assert close(row["unused_cost"], _ptu(demo, "CommitmentDiscountStatus = 'Unused'"))


def test_c_used_cost_is_the_used_rows(demo: Store) -> None:
    row = _commit_row(run(demo, "commitment_utilization", {"period": MONTH}))
    assert close(row["used_cost"], _ptu(demo, "CommitmentDiscountStatus = 'Used'"))


def test_c_commitment_cost_is_used_plus_unused(demo: Store) -> None:
    row = _commit_row(run(demo, "commitment_utilization", {"period": MONTH}))
    assert close(row["commitment_cost"], _ptu(demo, "CommitmentDiscountStatus IN ('Used', 'Unused')"))


def test_c_whole_period_unused_is_every_months_unused(demo: Store) -> None:
    r = run(demo, "commitment_utilization", {"start": "2026-08-01", "end": "2026-10-31"})
    want = sql(
        demo,
        "SELECT sum(EffectiveCost) FROM costs WHERE CommitmentDiscountName = ? AND CommitmentDiscountStatus = "
        "'Unused' AND ChargePeriodStart >= DATE '2026-08-01' AND ChargePeriodStart < DATE '2026-11-01'",
        PTU,
    )
    assert close(r["commitments"][0]["unused_cost"], want)


def test_c_a_commitment_name_in_other_case_is_accepted(demo: Store) -> None:
    r = run(demo, "commitment_utilization", {"period": MONTH, "commitment": "PTU-Platform-GPT-4o"})
    assert [x["commitment_name"] for x in r["rows"]] == [PTU]


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"commitment": "ptu-platform-gpt4o"}, ["ptu-platform-gpt4o", PTU]),
        ({"commitment": "savings-plan-1"}, ["savings-plan-1"]),
        ({"filters": ["team=serch"]}, ["serch", "search"]),
        ({"filters": ["provider=Microsfot"]}, ["Microsfot", "Microsoft"]),
    ],
    ids=["misspelt", "unknown", "team", "provider"],
)
def test_c_unknown_names_are_refused(demo: Store, params: dict[str, Any], names: list[str]) -> None:
    refused(demo, "commitment_utilization", {"period": MONTH, **params}, *names)


@pytest.mark.parametrize("period", BAD_PERIODS)
def test_c_periods_without_data_are_refused(demo: Store, period: str) -> None:
    refused(demo, "commitment_utilization", {"period": period}, period)


def test_c_a_scoped_caller_sees_no_other_teams_commitment(demo: Store) -> None:
    try:
        r = run(demo, "commitment_utilization", {"period": MONTH}, SEARCH)
    except SpendscopeError as exc:
        assert exc.code in ("permission_denied", "invalid_period", "no_data"), exc.code
        return
    assert not r["rows"] and not r["commitments"], r


def test_c_the_owning_team_sees_its_commitment_whole(demo: Store) -> None:
    row = _commit_row(run(demo, "commitment_utilization", {"period": MONTH}, PLATFORM))
    assert close(row["unused_cost"], _ptu(demo, "CommitmentDiscountStatus = 'Unused'"))


def test_c_an_unused_commitment_is_zero_percent_used(unused: Store) -> None:
    row = _commit_row(run(unused, "commitment_utilization", {"period": MONTH}))
    assert row["utilization_pct"] == 0, row


def test_c_an_unused_commitment_is_unused_in_full(unused: Store) -> None:
    row = _commit_row(run(unused, "commitment_utilization", {"period": MONTH}))
    assert close(row["unused_cost"], _ptu(unused, "CommitmentDiscountStatus = 'Unused'"))
    assert close(row["unused_cost"], row["commitment_cost"]), row


def test_c_an_unused_commitment_claims_no_pay_as_you_go_saving(unused: Store) -> None:
    row = _commit_row(run(unused, "commitment_utilization", {"period": MONTH}))
    assert not row["payg_cost_of_used"], row
    assert row["break_even_utilization_pct"] is None and "above break-even" not in row["verdict"], row
    assert row["net_saving"] is None or row["net_saving"] <= -row["commitment_cost"] + 0.01, row


def test_c_the_savings_for_an_unused_commitment_are_at_most_its_cost(unused: Store) -> None:
    r = run(unused, "savings_recommendations", {"period": MONTH, "kinds": ["commitment"]})
    recs = r["recommendations"]
    assert recs, "an unused commitment is a saving"
    # a commitment's month is the calendar month (probe 24): at most October's fee, not scaled to 30.4375 days
    assert recs[0]["monthly_saving"] <= _ptu(unused, "TRUE") + 0.01, recs[0]


def test_c_a_scoped_caller_gets_no_commitment_saving(demo: Store) -> None:
    r = run(demo, "savings_recommendations", {"period": MONTH}, SEARCH)
    kinds = {x["kind"] for x in r["recommendations"]}
    assert "commitment" not in kinds, kinds


def test_c_table_and_json_agree(demo: Store) -> None:
    js = cli(demo, "commitments", "--period", MONTH, "--json").json()
    table = cli(demo, "commitments", "--period", MONTH)
    unused = _commit_row(js)["unused_cost"]
    assert f"{unused:,.2f}" in table.stdout, table.stdout


# ======================================================================================================= D. GPUs


def _gpu_cost(store: Store, where: str = "TRUE") -> float:
    return oct_total(store, f"x_GpuCount > 0 AND ({where})")


def _idle_gpu_hours(store: Store, instance: str, threshold: float = 10.0) -> float:
    return sql(
        store,
        "SELECT count(*) FROM (SELECT gpu_index, date_trunc('hour', ts) h, avg(utilization_pct) u FROM gpu_samples "
        "WHERE instance_id = ? AND ts >= TIMESTAMPTZ '2026-10-01 00:00:00+00' AND ts < TIMESTAMPTZ "
        "'2026-11-01 00:00:00+00' GROUP BY ALL) WHERE u < ?",
        instance,
        threshold,
    )


def _inst(r: dict[str, Any], instance: str) -> dict[str, Any]:
    rows = [x for x in r["instances"] if x["instance_id"] == instance and x["month"] == MONTH]
    assert len(rows) == 1, [x["instance_id"] for x in r["instances"]]
    return rows[0]


def test_d_gpu_cost_is_the_gpu_instance_rows(demo: Store) -> None:
    r = run(demo, "gpu_utilization", {"period": MONTH})
    assert close(sum(x["cost"] for x in r["instances"]), _gpu_cost(demo))


@pytest.mark.parametrize("instance", GPUS)
def test_d_an_instances_cost_is_its_rows(demo: Store, instance: str) -> None:
    assert close(
        _inst(run(demo, "gpu_utilization", {"period": MONTH}), instance)["cost"],
        _gpu_cost(demo, f"ResourceId = '{instance}'"),
    )


@pytest.mark.parametrize("instance", GPUS)
def test_d_idle_gpu_hours_are_the_sampled_hours_below_the_threshold(demo: Store, instance: str) -> None:
    row = _inst(run(demo, "gpu_utilization", {"period": MONTH}), instance)
    assert close(row["idle_gpu_hours"], _idle_gpu_hours(demo, instance), tol=0.5), row


def test_d_monitored_and_unmonitored_hours_are_the_billed_hours(demo: Store) -> None:
    for row in run(demo, "gpu_utilization", {"period": MONTH})["instances"]:
        assert close(row["monitored_hours"] + row["unmonitored_hours"], row["billed_hours"]), row


def test_d_idle_cost_never_exceeds_cost(demo: Store) -> None:
    for row in run(demo, "gpu_utilization", {"period": MONTH})["instances"]:
        assert row["idle_cost"] <= row["cost"] + 0.01, row


def test_d_a_zero_threshold_has_no_idle_hours(demo: Store) -> None:
    r = run(demo, "gpu_utilization", {"period": MONTH, "idle_threshold_pct": 0})
    assert all(x["idle_gpu_hours"] == 0 for x in r["instances"])


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"idle_threshold_pct": 120}, ["120"]),
        ({"idle_threshold_pct": -5}, ["-5"]),
        ({"team_tag": "teem"}, ["teem", "team"]),
        ({"filters": ["team=serch"]}, ["serch", "search"]),
        ({"filters": ["instance_type=p5.48xlarg"]}, ["p5.48xlarg"]),
    ],
    ids=["over_100", "negative", "team_tag", "team", "instance_type"],
)
def test_d_bad_arguments_are_refused(demo: Store, params: dict[str, Any], names: list[str]) -> None:
    refused(demo, "gpu_utilization", {"period": MONTH, **params}, *names)


@pytest.mark.parametrize("period", BAD_PERIODS)
def test_d_periods_without_data_are_refused(demo: Store, period: str) -> None:
    refused(demo, "gpu_utilization", {"period": period}, period)


def test_d_a_scoped_caller_sees_only_its_instance(demo: Store) -> None:
    r = run(demo, "gpu_utilization", {"period": MONTH}, SEARCH)
    assert {x["instance_id"] for x in r["instances"]} == {RERANK_GPU}


def test_d_a_scoped_callers_gpu_total_is_its_rows(demo: Store) -> None:
    r = run(demo, "gpu_utilization", {"period": MONTH}, SEARCH)
    assert close(sum(x["cost"] for x in r["instances"]), _gpu_cost(demo, f"{TEAM} = 'search'"))


def test_d_a_scoped_caller_gets_no_other_teams_idle_gpu_saving(demo: Store) -> None:
    r = run(demo, "savings_recommendations", {"period": MONTH, "kinds": ["idle_gpu"]}, SEARCH)
    for rec in r["recommendations"]:
        assert "legacy-embedder" not in json.dumps(rec) and "finetune" not in json.dumps(rec), rec


def test_d_a_gpu_without_samples_has_no_utilisation(blind_gpu: Store) -> None:
    row = _inst(run(blind_gpu, "gpu_utilization", {"period": MONTH}), RERANK_GPU)
    assert row["avg_utilization_pct"] is None, row


def test_d_a_gpu_without_samples_has_no_idle_share(blind_gpu: Store) -> None:
    row = _inst(run(blind_gpu, "gpu_utilization", {"period": MONTH}), RERANK_GPU)
    assert row["idle_cost_pct"] is None, row


def test_d_a_gpu_without_samples_is_unmonitored_for_all_its_hours(blind_gpu: Store) -> None:
    row = _inst(run(blind_gpu, "gpu_utilization", {"period": MONTH}), RERANK_GPU)
    assert row["monitored_hours"] == 0 and close(row["unmonitored_hours"], row["billed_hours"]), row


def test_d_a_team_whose_only_gpu_has_no_samples_has_no_utilisation(blind_gpu: Store) -> None:
    r = run(blind_gpu, "gpu_utilization", {"period": MONTH})
    team = next(t for t in r["by_team"] if t["key"] == "search")
    assert team["avg_utilization_pct"] is None, team


def test_d_a_gpu_without_samples_is_not_called_busy_in_the_table(blind_gpu: Store) -> None:
    out = cli(blind_gpu, "gpu", "--period", MONTH)
    line = next((ln for ln in out.stdout.splitlines() if "rerank" in ln or RERANK_GPU in ln), "")
    assert line and "0.0%" not in line, out.stdout


def test_d_table_and_json_agree_on_idle_cost(demo: Store) -> None:
    js = cli(demo, "gpu", "--period", MONTH, "--json").json()
    table = cli(demo, "gpu", "--period", MONTH)
    idle = _inst(js, "i-0c4f5e6a7b8c9d0e1")["idle_cost"]
    assert f"{idle:,.2f}" in table.stdout, table.stdout


def test_d_mcp_and_the_entry_point_agree(demo: Store) -> None:
    from mcp import Client
    from spendscope.mcp_server import build_server

    async def call() -> Any:
        async with Client(build_server(demo, allow_writes=False, charts=False)) as client:
            return await client.call_tool("gpu_utilization", {"period": MONTH})

    res = asyncio.run(call())
    assert not res.is_error
    assert close(
        res.structured_content["total"]["idle_cost"],
        run(demo, "gpu_utilization", {"period": MONTH})["total"]["idle_cost"],
    )


# ============================================================================================ E. PR cost diff


def _patch(path: str, func: str, old: str, new: str, feature: str) -> str:
    call = 'client.chat.completions.create(model="{m}", messages=[{{"role": "user", "content": q}}], metadata={{"feature": "{f}"}})'
    return (
        f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n@@ -1,4 +1,4 @@\n"
        f" from openai import OpenAI\n client = OpenAI()\n def {func}(q):\n"
        f"-    return {call.format(m=old, f=feature)}\n+    return {call.format(m=new, f=feature)}\n"
    )


UNKNOWN_MODEL_PATCH = _patch("app/search/rerank.py", "rerank", "gpt-4.1-mini", "gpt-9-ultra", "search-rerank")
KNOWN_PATCH = _patch("app/search/rerank.py", "rerank", "gpt-4.1-mini", "gpt-4.1", "search-rerank")
SUPPORT_PATCH = _patch("app/support/summary.py", "summary", "gpt-4.1-mini", "gpt-4.1", "support-bot")


def test_e_an_unknown_model_gives_no_monthly_change(demo: Store) -> None:
    r = run(demo, "estimate_pr_cost_diff_from_patch", {"patch": UNKNOWN_MODEL_PATCH})
    assert r["changes"][0]["monthly_change"] is None
    assert r["monthly_change"] is None, (r["monthly_change"], r["headline"])


def test_e_an_unknown_model_is_named_in_the_comment(demo: Store) -> None:
    r = run(demo, "estimate_pr_cost_diff_from_patch", {"patch": UNKNOWN_MODEL_PATCH})
    assert "gpt-9-ultra" in r["markdown"] and "unknown" in r["markdown"].lower()
    assert "$0.00" not in r["markdown"], r["markdown"]


def test_e_an_unknown_model_json_from_the_cli_has_no_zero_change(demo: Store, tmp_path: Path) -> None:
    f = tmp_path / "p.diff"
    f.write_text(UNKNOWN_MODEL_PATCH, encoding="utf-8")
    js = cli(demo, "pr-diff-patch", str(f), "--json").json()
    assert js["monthly_change"] is None, js["monthly_change"]


def test_e_a_dearer_model_raises_the_price(demo: Store) -> None:
    r = run(demo, "estimate_pr_cost_diff_from_patch", {"patch": KNOWN_PATCH})
    change = r["changes"][0]
    assert change["price_ratio"] and change["price_ratio"] > 1, change
    assert r["monthly_change"] and r["monthly_change"] > 0, r["monthly_change"]


def test_e_traffic_before_is_the_features_telemetry(demo: Store) -> None:
    r = run(demo, "estimate_pr_cost_diff_from_patch", {"patch": KNOWN_PATCH})
    want = sql(
        demo,
        "SELECT sum(estimated_cost) FROM usage_events WHERE feature = 'search-rerank' AND model LIKE 'gpt-4.1-mini%' "
        "AND ts >= (SELECT max(ts)::DATE - INTERVAL 29 DAY FROM usage_events)",
    )
    got = r["changes"][0]["monthly_cost_before"]
    assert got is not None and abs(got - want) / want < 0.05, (got, want)


def test_e_cli_json_and_the_operation_agree(demo: Store, tmp_path: Path) -> None:
    f = tmp_path / "p.diff"
    f.write_text(KNOWN_PATCH, encoding="utf-8")
    js = cli(demo, "pr-diff-patch", str(f), "--json").json()
    assert close(
        js["monthly_change"],
        run(demo, "estimate_pr_cost_diff_from_patch", {"patch": KNOWN_PATCH})["monthly_change"],
    )


def test_e_text_that_is_not_a_patch_is_refused(demo: Store) -> None:
    refusal(demo, "estimate_pr_cost_diff_from_patch", {"patch": "hello, this is not a diff"})


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"filters": ["team=serch"]}, ["serch", "search"]),
        ({"days": 0}, ["days"]),
        ({"days": -5}, ["days"]),
        ({"as_of": "2026-13-01"}, ["2026-13-01"]),
        ({"as_of": "2030-01-01"}, ["2030-01-01"]),
    ],
    ids=["filter", "days0", "days_neg", "as_of_bad", "as_of_future"],
)
def test_e_bad_arguments_are_refused(demo: Store, params: dict[str, Any], names: list[str]) -> None:
    refused(demo, "estimate_pr_cost_diff_from_patch", {"patch": KNOWN_PATCH, **params}, *names)


def test_e_a_scoped_caller_does_not_price_another_teams_traffic(demo: Store) -> None:
    full = run(demo, "estimate_pr_cost_diff_from_patch", {"patch": SUPPORT_PATCH})["changes"][0]
    try:
        scoped = run(demo, "estimate_pr_cost_diff_from_patch", {"patch": SUPPORT_PATCH}, SEARCH)["changes"][0]
    except SpendscopeError:
        return
    assert full["monthly_cost_before"], full
    assert scoped["monthly_cost_before"] != full["monthly_cost_before"], scoped


# ================================================================================================= F. Triage


@pytest.fixture(scope="module")
def triage_run(demo_store: Store, tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, dict, tuple]:
    store = copy_store(demo_store.path, tmp_path_factory.mktemp("tri23"), "tri.duckdb")
    before = (
        sql(store, "SELECT count(*) FROM anomalies"),
        sql(store, "SELECT count(*) FROM information_schema.tables WHERE table_name LIKE '%deliver%'"),
    )
    out = cli(store, "triage", "--dry-run", "--json", "--as-of", "2026-11-01")
    return store, out.json(), before


def _dim_sql(dimension: str) -> str:
    return {"feature": FEATURE, "team": TEAM, "model": "x_Model", "provider": "ProviderName"}.get(
        dimension, "NULL"
    )


def test_f_an_alerts_actual_is_the_bill_over_its_days(triage_run: tuple) -> None:
    store, res, _ = triage_run
    alerts = [a for a in res["alerts"] if a["dimension"] in ("feature", "team", "model", "provider")]
    assert alerts, res["alerts"]
    a = alerts[0]
    want = sql(
        store,
        f"SELECT sum(EffectiveCost) FROM costs WHERE {_dim_sql(a['dimension'])} = ? AND ChargePeriodStart >= ?::DATE "
        "AND ChargePeriodStart < ?::DATE + 1 AND ChargeCategory = 'Usage'",
        a["value"],
        a["start_day"],
        a["end_day"],
    )
    assert close(a["actual"], want, tol=1.0), (a, want)


def test_f_an_alerts_impact_is_actual_minus_expected(triage_run: tuple) -> None:
    _, res, _ = triage_run
    for a in res["alerts"]:
        if a.get("expected") is not None:
            assert close(a["impact"], a["actual"] - a["expected"], tol=0.02), a


def test_f_a_dry_run_stores_no_anomaly(triage_run: tuple) -> None:
    store, _, before = triage_run
    assert sql(store, "SELECT count(*) FROM anomalies") == before[0]


def test_f_a_dry_run_records_no_delivery(triage_run: tuple) -> None:
    store, _, _ = triage_run
    out = cli(store, "deliveries", "--json")
    assert out.code == 0, out.text
    js = json.loads(out.stdout)
    items = js.get("deliveries", js) if isinstance(js, dict) else js
    assert not items, items


def test_f_an_alerts_money_is_in_dollars_on_a_dollar_bill(triage_run: tuple) -> None:
    _, res, _ = triage_run
    assert "$" in res["alerts"][0]["summary"]


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (("--as-of", "2020-01-01"), ["2020-01-01"]),
        (("--as-of", "2026-13-01"), ["2026-13-01"]),
        (("--days", "0"), ["days"]),
        (("--days", "-3"), ["days"]),
    ],
    ids=["before_data", "malformed", "days0", "days_neg"],
)
def test_f_bad_triage_arguments_are_refused(demo: Store, args: tuple[str, ...], names: list[str]) -> None:
    cli_refused(cli(demo, "triage", "--dry-run", "--json", *args), *names)


def test_f_triage_on_a_euro_bill_writes_euros(eur: Store, tmp_path: Path) -> None:
    store = copy_store(eur.path, tmp_path, "e.duckdb")
    res = cli(store, "triage", "--dry-run", "--json", "--as-of", "2026-11-01").json()
    text = " ".join(a["title"] + a["summary"] for a in res["alerts"])
    assert res["alerts"] and "€" in text and "$" not in text.replace("USD", ""), text[:800]


def test_f_triage_table_and_json_agree_on_alerts(triage_run: tuple) -> None:
    store, res, _ = triage_run
    out = cli(store, "triage", "--dry-run", "--as-of", "2026-11-01")
    assert out.code == 0, out.text
    assert f"{len(res['alerts'])} alert(s)" in out.stdout, out.stdout[-500:]
    for a in res["alerts"]:
        assert a["title"] in out.stdout, a["title"]


# ==================================================================================== G. Imports and syncs


def test_g_an_empty_folder_says_there_was_nothing_to_import(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    out = cli(tmp_path / "s.duckdb", "import", "focus", str(folder))
    assert "Traceback" not in out.text and "no export files found" in out.text, out.text
    assert "imported" not in out.text.lower().replace("nothing to import", ""), out.text


def test_g_a_sync_without_a_key_says_which_key(tmp_path: Path) -> None:
    out = cli(tmp_path / "s.duckdb", "sync", "openai")
    cli_refused(out, "key")


def test_g_a_metrics_import_is_listed_with_its_rows(metrics: tuple[Store, Path]) -> None:
    store, _ = metrics
    out = cli(store, "imports", "--json")
    assert out.code == 0, out.text
    assert "metrics" in out.stdout


def test_g_an_unknown_gpu_log_format_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "gpu.csv"
    f.write_text("when,how busy\nyesterday,very\n", encoding="utf-8")
    cli_refused(cli(tmp_path / "s.duckdb", "import", "gpu", str(f)), "gpu.csv")


def test_g_sources_reports_the_gpu_feed_rows(demo: Store) -> None:
    out = cli(demo, "sources", "--json")
    assert out.code == 0, out.text
    want = int(sql(demo, "SELECT count(*) FROM gpu_samples"))
    assert f"{want}" in out.stdout.replace(",", ""), out.stdout[:1500]


# ========================================================================================= H. Prices, reprice


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"model": "gpt-4o-minii"}, ["gpt-4o-minii", "gpt-4o-mini"]),
        ({"model": "claude-sonet-4-5"}, ["claude-sonet-4-5", "claude-sonnet-4-5"]),
        ({"model": "gpt-4o", "on": "2026-13-01"}, ["2026-13-01"]),
        ({"model": "gpt-4o", "provider": "openaii"}, ["openaii", "openai"]),
        ({"model": "gpt-4o", "tier": "ultra"}, ["ultra"]),
    ],
    ids=["model", "model2", "on", "provider", "tier"],
)
def test_h_show_prices_refuses_unknown_names(demo: Store, params: dict[str, Any], names: list[str]) -> None:
    refused(demo, "show_model_prices", params, *names)


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"from_date": "2026-10-31", "to_date": "2026-01-01"}, ["2026"]),
        ({"from_date": "2026-1x-01", "to_date": "2026-10-01"}, ["2026-1x-01"]),
        ({"from_date": "2026-01-01", "to_date": "2026-10-01", "model": "gpt-4o-minii"}, ["gpt-4o-minii"]),
    ],
    ids=["reversed", "malformed", "model"],
)
def test_h_diff_prices_refuses_bad_arguments(demo: Store, params: dict[str, Any], names: list[str]) -> None:
    refused(demo, "diff_model_prices", params, *names)


@pytest.fixture(scope="module")
def repriced(demo_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Store:
    return copy_store(demo_store.path, tmp_path_factory.mktemp("reprice23"), "r.duckdb")


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"model": "gpt-4o-minii"}, ["gpt-4o-minii", "gpt-4o-mini"]),
        ({"provider": "openaii"}, ["openaii", "openai"]),
        ({"since": "2026-13-01"}, ["2026-13-01"]),
        ({"since": "2030-01-01"}, ["2030-01-01"]),
    ],
    ids=["model", "provider", "since_bad", "since_future"],
)
def test_h_reprice_refuses_names_and_days_it_would_change_nothing_for(
    repriced: Store, params: dict[str, Any], names: list[str]
) -> None:
    refused(repriced, "reprice_telemetry", {"dry_run": True, **params}, *names)


def test_h_a_reprice_dry_run_starts_from_the_stored_estimates(repriced: Store) -> None:
    r = run(repriced, "reprice_telemetry", {"dry_run": True})
    assert close(r["estimated_before"], sql(repriced, "SELECT sum(estimated_cost) FROM usage_events"))


def test_h_a_reprice_dry_run_writes_nothing(repriced: Store) -> None:
    before = sql(repriced, "SELECT sum(estimated_cost) FROM usage_events")
    runs = sql(repriced, "SELECT count(*) FROM reprice_runs")
    run(repriced, "reprice_telemetry", {"dry_run": True})
    assert sql(repriced, "SELECT sum(estimated_cost) FROM usage_events") == before
    assert sql(repriced, "SELECT count(*) FROM reprice_runs") == runs


def test_h_self_hosted_models_are_not_priced_at_zero(repriced: Store) -> None:
    r = run(repriced, "reprice_telemetry", {"dry_run": True})
    for line in r["lines"]:
        if "bge" in line["model"]:
            assert line["estimated_after"] != 0 or line.get("unpriced_after"), line


def test_h_a_scoped_caller_cannot_reprice(repriced: Store) -> None:
    exc = refusal(repriced, "reprice_telemetry", {"dry_run": True}, SEARCH)
    assert exc.code == "permission_denied", exc.code


@pytest.mark.parametrize(
    ("name", "params", "names"),
    [
        ("compare_model_costs", {"period": "2030-01"}, ["2030-01"]),
        ("compare_model_costs", {"period": MONTH, "filters": ["model=gpt-4o-minii"]}, ["gpt-4o-minii"]),
        ("reconcile_estimates", {"period": MONTH, "model": "gpt-4o-minii"}, ["gpt-4o-minii"]),
        ("reconcile_estimates", {"period": MONTH, "provider": "openaii"}, ["openaii"]),
        ("reconcile_estimates", {"period": "2030-01"}, ["2030-01"]),
    ],
    ids=["compare_period", "compare_model", "reconcile_model", "reconcile_provider", "reconcile_period"],
)
def test_h_price_reads_refuse_unknown_names(demo: Store, name: str, params: dict, names: list[str]) -> None:
    refused(demo, name, params, *names)


def test_h_cli_prices_show_unknown_model_is_an_error(demo: Store) -> None:
    cli_refused(cli(demo, "prices", "show", "gpt-4o-minii"), "gpt-4o-minii", "gpt-4o-mini")


# ================================================================================================== I. Reports


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (("report", "showback", "--by", "team", "--month", "2030-01"), ["2030-01"]),
        (("report", "showback", "--by", "teem", "--month", MONTH), ["teem", "team"]),
        (("report", "showback", "--by", "team", "--month", "2026-13"), ["2026-13"]),
        (("report", "attribution", "--month", "2030-01"), ["2030-01"]),
        (("report", "attribution", "--month", MONTH, "--by", "custmer"), ["custmer"]),
        (("shared", "show", "--month", "2030-01"), ["2030-01"]),
        (("tags", "coverage", "--period", "2030-01"), ["2030-01"]),
        (("tags", "coverage", "--period", MONTH, "--key", "teem"), ["teem"]),
        (
            ("metrics", "unit-cost", "tickets_resolvd", "--period", MONTH),
            ["tickets_resolvd", "tickets_resolved"],
        ),
        (("metrics", "profitability", "--period", "2030-01"), ["2030-01"]),
        (("commitments", "--period", MONTH, "--commitment", "ptu-gpt4o"), ["ptu-gpt4o"]),
        (("gpu", "--period", MONTH, "--team-tag", "teem"), ["teem"]),
        (("unit-costs", "--period", "2030-01"), ["2030-01"]),
    ],
    ids=lambda a: "_".join(a[:2]) if isinstance(a, tuple) else "",
)
def test_i_cli_reports_refuse_what_the_store_does_not_hold(
    alloc: Store, args: tuple, names: list[str]
) -> None:
    cli_refused(cli(alloc, *args), *names)


def test_i_html_report_of_a_month_without_data_writes_no_file(demo: Store, tmp_path: Path) -> None:
    target = tmp_path / "r.html"
    cli_refused(cli(demo, "report", "html", "--month", "2030-01", "--output", str(target)), "2030-01")
    assert not target.exists()


def test_i_html_report_holds_the_months_total(demo: Store, tmp_path: Path) -> None:
    target = tmp_path / "r.html"
    out = cli(demo, "report", "html", "--month", MONTH, "--output", str(target))
    assert out.code == 0, out.text
    assert f"{oct_total(demo):,.2f}" in target.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "args",
    [
        ("gpu", "--period", MONTH),
        ("commitments", "--period", MONTH),
        ("report", "showback", "--by", "team", "--month", MONTH, "--markdown"),
        ("shared", "show", "--month", MONTH),
        ("tags", "coverage", "--period", MONTH),
        ("unit-costs", "--period", MONTH),
        ("savings", "--period", MONTH),
        ("metrics", "unit-cost", "tickets_resolved", "--period", MONTH),
        ("report", "attribution", "--month", MONTH),
    ],
    ids=lambda a: "_".join(a[:2]),
)
def test_i_a_euro_bill_is_written_in_euros(eur: Store, args: tuple[str, ...]) -> None:
    out = cli(eur, *args)
    assert out.code == 0, out.text[-1500:]
    assert "€" in out.stdout or "EUR" in out.stdout, out.stdout[-1500:]
    # a price inside a provider's own charge description ("$55.04 per On Demand ... Hour") is the bill's text
    text = re.sub(r"\$[\d.,]+ per ", "", out.stdout.replace("USD", ""))
    assert "$" not in text, [ln for ln in text.splitlines() if "$" in ln][:5]


def test_i_the_commitment_verdict_on_a_euro_bill_is_in_euros(eur: Store) -> None:
    r = run(eur, "commitment_utilization", {"period": MONTH})
    text = json.dumps([row["verdict"] for row in r["rows"]])
    assert "$" not in text, text


def test_i_savings_evidence_on_a_euro_bill_is_in_euros(eur: Store) -> None:
    r = run(eur, "savings_recommendations", {"period": MONTH})
    text = json.dumps(
        [rec["evidence"] for rec in r["recommendations"]] + [rec["title"] for rec in r["recommendations"]]
    )
    assert "$" not in text.replace("USD", ""), [t for t in text.split('"') if "$" in t][:5]


# ======================================================================================== J. DuckDB vs ClickHouse


@pytest.fixture(scope="module")
def pair(
    demo_store: Store, _chdb_demo_master: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Store, Store]:
    """The demo on DuckDB and the same build in chdb (copies of conftest's once-per-session builds)."""
    from backend_cases import copy_chdb_store

    base = tmp_path_factory.mktemp("chdb23")
    duck = copy_store(demo_store.path, base, "duck.duckdb")
    click = copy_chdb_store(_chdb_demo_master, base / "click")
    for store in (duck, click):
        run(store, "apply_allocation_rules", {"document": RULES, "author": "probes"})
    return duck, click


PAIR_READS = [
    ("commitment_utilization", {"period": MONTH}),
    ("gpu_utilization", {"period": MONTH}),
    ("cost_per_business_unit", {"metric": "tickets_resolved", "period": MONTH, "grain": "week"}),
    ("cost_per_business_unit", {"metric": "documents_processed", "period": MONTH, "per": 1000}),
    ("profitability", {"period": MONTH}),
    ("unit_costs", {"period": MONTH, "by": "customer"}),
    ("attribute_costs_to_customers", {"period": MONTH}),
    ("get_showback_report", {"month": MONTH, "by": "team"}),
    ("get_shared_cost_allocation", {"period": MONTH, "key": "team"}),
    ("get_allocation_coverage", {"period": MONTH}),
    ("query_costs", {"period": MONTH, "group_by": ["vendor_group"]}),
    ("query_business_metrics", {"metric": "revenue", "period": MONTH, "group_by": ["plan"]}),
    ("savings_recommendations", {"period": MONTH}),
    ("compare_model_costs", {"period": MONTH}),
    ("reconcile_estimates", {"period": MONTH, "grain": "month"}),
    ("reprice_telemetry", {"dry_run": True}),
    ("estimate_pr_cost_diff_from_patch", {"patch": KNOWN_PATCH}),
]


def _normalised(store: Store, name: str, params: dict[str, Any]) -> Any:
    from backend_cases import run_case

    return run_case(store, name, params)


@pytest.mark.parametrize(
    ("name", "params"), PAIR_READS, ids=[f"{n}{i}" for i, (n, _) in enumerate(PAIR_READS)]
)
def test_j_duckdb_and_chdb_give_the_same_figures(pair: tuple[Store, Store], name: str, params: dict) -> None:
    from backend_cases import differences

    duck, click = (_normalised(s, name, params) for s in pair)
    assert "error" not in duck, duck
    diff = differences(duck, click)
    assert diff == [], diff[:20]


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("commitment_utilization", {"period": MONTH, "commitment": "ptu-platform-gpt4o"}),
        ("cost_per_business_unit", {"metric": "tickets_resolvd", "period": MONTH}),
        ("gpu_utilization", {"period": "2030-01"}),
        ("get_showback_report", {"month": MONTH, "by": "teem"}),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_j_chdb_refuses_what_duckdb_refuses(pair: tuple[Store, Store], name: str, params: dict) -> None:
    duck, click = (_normalised(s, name, params) for s in pair)
    assert "error" in duck and duck == click, (duck, click)


def test_j_chdb_holds_the_same_october_bill(pair: tuple[Store, Store]) -> None:
    duck, click = pair
    totals = []
    for store in pair:
        with store.reader() as con:
            totals.append(
                float(
                    con.execute(
                        "SELECT sum(EffectiveCost) FROM costs WHERE ChargePeriodStart >= DATE '2026-10-01' "
                        "AND ChargePeriodStart < DATE '2026-11-01'"
                    ).fetchall()[0][0]
                )
            )
    assert close(totals[0], totals[1]) and close(totals[0], oct_total(duck))


def test_j_chdb_scoped_gpu_matches_duckdb(pair: tuple[Store, Store]) -> None:
    from backend_cases import differences, normalise

    outs = [normalise(run(s, "gpu_utilization", {"period": MONTH}, SEARCH)) for s in pair]
    assert differences(outs[0], outs[1]) == []


def test_j_chdb_cli_commitments_json_matches_duckdb(pair: tuple[Store, Store]) -> None:
    duck, _ = pair
    js = cli(duck, "commitments", "--period", MONTH, "--json").json()
    click = run(pair[1], "commitment_utilization", {"period": MONTH})
    assert close(_commit_row(js)["unused_cost"], _commit_row(click)["unused_cost"])
