"""Every registry operation with the arguments the differential suite runs it with (tests/test_backend_*.py),
and the comparison that decides whether two backends gave the same answer (numbers to 1e-6).

The writes run first (rules, a budget, an owner, an anomaly scan), so the reads see allocation, budgets and
anomalies too; the anomaly actions run last on an anomaly both stores found.
"""

from __future__ import annotations

import math
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any


def copy_chdb_store(master: Path, target: Path) -> Any:
    """A chdb store folder (at rest: conftest's masters close their connections once built) copied to `target`,
    opened. The folder's links are relative (data/ and metadata/ into store/), so they are copied as links."""
    from spendscope.data.store import Store

    shutil.copytree(master, target, symlinks=True)
    return Store(f"chdb:{target}", lock_timeout=10)


ROOT = Path(__file__).resolve().parents[1]
RULES = (Path(__file__).parent / "fixtures" / "allocation" / "rules.yaml").read_text(encoding="utf-8")
TOLERANCE = 1e-6
PATCH = '--- a/app.py\n+++ b/app.py\n@@ -1 +1 @@\n-MODEL = "gpt-4o"\n+MODEL = "gpt-4o-mini"\n'

# Fields whose value is made at run time (ids of runs, clocks), not computed from the data.
VOLATILE = {
    "run_id",
    "generated_at",
    "applied_at",
    "created_at",
    "updated_at",
    "first_detected_at",
    "fired_at",
    "seconds",
    "elapsed_ms",
    "action_id",
    "decided_at",
    "last_success_at",
    "last_import_at",
    "hours_since_import",
    "snoozed_until",
    "batch_id",
    "feedback_id",
}


def writes(month: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        ("apply_allocation_rules", {"document": RULES, "author": "diff"}),
        (
            "apply_allocation_rules",
            {"document": RULES.replace("value: big", "value: large"), "author": "diff"},
        ),
        (
            "set_budget",
            {
                "name": "Search team",
                "amount": 20000,
                "filters": [{"dimension": "team", "values": ["search"]}],
            },
        ),
        ("set_budget", {"name": "All AI", "amount": 150000, "period": "monthly"}),
        ("set_owner", {"key": "team", "value": "search", "slack_channel": "#search-costs"}),
        ("detect_anomalies", {"days": 60}),
        ("check_budgets", {}),
        ("reprice_telemetry", {"since": "2026-09-01"}),
        ("set_margin_floor", {"name": "feature margin", "by": "feature", "floor_pct": 30}),
        (
            "set_unit_budget",
            {"name": "cost per 1k docs", "metric": "documents_processed", "amount": 5, "per": 1000},
        ),
    ]


def reads(month: str, as_of: str) -> list[tuple[str, dict[str, Any]]]:
    p = {"period": month}
    return [
        ("query_costs", {**p, "group_by": ["provider", "model"]}),
        ("query_costs", {**p, "group_by": ["team"], "measure": "billed_cost"}),
        ("query_costs", {"period": "last-90-days", "as_of": as_of, "group_by": ["day"], "measure": "tokens"}),
        (
            "query_costs",
            {
                **p,
                "group_by": ["service", "charge_category"],
                "filters": [{"dimension": "provider", "values": ["OpenAI", "Anthropic"]}],
            },
        ),
        ("query_costs", {**p, "group_by": ["product", "env"]}),
        ("query_costs", {**p, "group_by": ["month", "provider"], "measure": "requests"}),
        (
            "compare_costs",
            {"base": {"period": "last-month", "as_of": as_of}, "current": p, "group_by": ["provider"]},
        ),
        (
            "cost_ratio",
            {
                **p,
                "numerator": {"filters": [{"dimension": "provider", "values": ["OpenAI"]}]},
                "denominator": {},
            },
        ),
        ("average_cost", {**p, "grain": "day"}),
        ("dimension_catalog", {}),
        ("list_dimensions", {}),
        ("list_dimension_values", {"dimension": "model"}),
        ("list_dimension_values", {"dimension": "team", "search": "sea"}),
        ("explain_change", {**p, "dimensions": ["provider", "model", "team"]}),
        ("unit_costs", {**p, "by": "model"}),
        ("unit_costs", {**p, "by": "customer"}),
        ("get_token_usage", {**p, "group_by": ["model", "token_type"]}),
        ("top_usage", {**p, "by": ["feature"]}),
        ("reconcile_estimates", {**p}),
        ("gpu_utilization", {**p}),
        ("commitment_utilization", {**p}),
        ("savings_recommendations", {**p}),
        ("attribute_costs_to_customers", {**p}),
        ("get_allocation_coverage", {**p}),
        ("get_shared_cost_allocation", {**p, "key": "team"}),
        ("get_showback_report", {"month": month, "by": "team"}),
        ("suggest_allocation_rules", {**p}),
        ("list_virtual_tags", {}),
        ("list_allocation_rule_versions", {}),
        ("list_owners", {}),
        ("list_budgets", {}),
        ("budget_status", {"as_of": as_of}),
        ("forecast_costs", {"as_of": as_of, "horizon": 14}),
        ("list_anomalies", {}),
        ("list_sources", {"as_of": as_of}),
        ("list_new_commits", {**p}),
        ("estimate_pr_cost_diff", {"repo": str(ROOT), "base": "HEAD", "head": "HEAD", "as_of": as_of}),
        ("estimate_pr_cost_diff_from_patch", {"patch": PATCH, "as_of": as_of}),
        ("compare_model_costs", {**p}),
        ("show_model_prices", {"model": "claude-sonnet-4-5", "on": f"{month}-01"}),
        ("diff_model_prices", {"from_date": "2026-03-01", "to_date": "2026-04-01"}),
        ("get_assistant_costs", {**p}),
        ("get_assistant_costs", {**p, "group_by": "team", "tool": "cursor"}),
        ("list_assistant_seats", {"as_of": as_of, "group_by": "team", "only_idle": True}),
        ("list_assistant_seats", {"as_of": as_of}),
        ("reprice_telemetry", {"since": "2026-09-01", "dry_run": True}),
        ("scan_anomalies", {"days": 60, "as_of": as_of, "dimensions": ["provider", "model", "team"]}),
        ("list_deliveries", {}),
        ("list_deliveries", {"channel": "email", "status": "failed", "since": "2026-10-01"}),
        ("list_business_metrics", {}),
        ("query_business_metrics", {**p, "metric": "revenue", "group_by": ["plan"]}),
        ("query_business_metrics", {**p, "metric": "tickets_resolved", "grain": "week"}),
        ("cost_per_business_unit", {**p, "metric": "tickets_resolved"}),
        ("cost_per_business_unit", {**p, "metric": "documents_processed", "per": 1000, "grain": "week"}),
        ("cost_per_business_unit", {**p, "metric": "mau", "group_by": ["provider"]}),
        ("profitability", {**p}),
        ("profitability", {**p, "by": "plan", "margin_floor_pct": 20}),
        ("list_business_targets", {}),
        ("unit_budget_status", {"as_of": as_of}),
        ("detect_unit_anomalies", {"metric": "tickets_resolved", "as_of": as_of, "days": 30}),
        ("business_alerts", {"as_of": as_of}),
    ]


def anomaly_actions(anomaly_id: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        ("get_anomaly", {"anomaly_id": anomaly_id}),
        ("update_anomaly", {"anomaly_id": anomaly_id, "action": "acknowledge", "reason": "checking"}),
        ("reassign_anomaly", {"anomaly_id": anomaly_id, "assignee": "#platform"}),
        ("snooze_anomaly", {"anomaly_id": anomaly_id, "hours": 4}),
        ("get_anomaly", {"anomaly_id": anomaly_id}),
        ("remove_owner", {"key": "team", "value": "search"}),
        ("remove_budget", {"name": "All AI"}),
        ("remove_business_target", {"name": "feature margin", "kind": "margin_floor"}),
        ("list_business_targets", {}),
        ("rollback_allocation_rules", {"version": 1}),
        ("review_allocation_suggestions", {"reject": [1]}),
        ("list_virtual_tags", {}),
        ("query_costs", {"period": "2026-10", "group_by": ["product"]}),
    ]


def normalise(value: Any, key: str = "") -> Any:
    """A JSON-shaped output with run-time fields blanked."""
    if key in VOLATILE:
        return "<volatile>"
    if isinstance(value, dict):
        return {k: normalise(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v, key) for v in value]
    return value


def differences(a: Any, b: Any, path: str = "$") -> list[str]:
    """Where two outputs differ: numbers beyond 1e-6 (relative, or absolute near zero), anything else at all."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append(f"{path}.{k}: only in {'duckdb' if k in a else 'clickhouse'}")
            else:
                out += differences(a[k], b[k], f"{path}.{k}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items vs {len(b)}"]
        out = []
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            out += differences(x, y, f"{path}[{i}]")
        return out
    if _number(a) is not None and _number(b) is not None:
        x, y = _number(a), _number(b)
        if math.isclose(x, y, rel_tol=TOLERANCE, abs_tol=TOLERANCE):
            return []
        return [f"{path}: {a!r} vs {b!r}"]
    return [] if a == b else [f"{path}: {a!r} vs {b!r}"]


def _number(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float | Decimal):
        return float(v)
    if isinstance(v, str):
        try:
            return float(Decimal(v))
        except ArithmeticError:
            return None
        except ValueError:
            return None
    return None


def run_case(store: Any, name: str, params: dict[str, Any]) -> Any:
    """An operation's normalised output, or its error as (class, code) so two backends' refusals compare."""
    from spendscope.data.errors import SpendscopeError
    from spendscope.tools.access import LOCAL
    from spendscope.tools.invoke import invoke

    try:
        return normalise(invoke(store, name, params, LOCAL).model_dump(mode="json"))
    except SpendscopeError as exc:
        return {"error": type(exc).__name__, "code": exc.code}


def build_pair(duck: Any, click: Any, load: Any, month: str) -> None:
    """Load the same data into both stores and run the writes on each."""
    for store in (duck, click):
        load(store)
        for name, params in writes(month):
            run_case(store, name, params)
