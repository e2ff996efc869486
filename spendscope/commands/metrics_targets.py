"""Unit economics commands on targets and alerts: `metrics anomalies`, `metrics alerts`, `metrics floor set | list
| remove`, `metrics budget set | status | list | remove` (the `metrics` group of spendscope/commands/metrics.py)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from spendscope.commands.metrics import (
    METRICS,
    AsOf,
    CostFilters,
    Filters,
    Owner,
    _filters,
    _group,
    _notes,
    _run,
    _show,
    cell,
    show_rows,
)
from spendscope.options import DbOption, JsonOption
from spendscope.tools.money_text import money


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    metrics = METRICS

    @metrics.command("anomalies")
    def anomalies_cmd(
        metric: Annotated[str, typer.Argument(help="a metric with daily values, e.g. tickets_resolved")],
        per: Annotated[int, typer.Option("--per")] = 1,
        by: Annotated[
            str | None, typer.Option("--by", "-b", help="one bill dimension to scan per value")
        ] = None,
        days: Annotated[int, typer.Option("--days", help="Report anomalies touching the last N days.")] = 14,
        filters: Filters = None,
        cost_filters: CostFilters = None,
        as_of: AsOf = None,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Unusual days of a metric's cost per unit ("cost per ticket rose 40% this week")."""

        r = _run(
            db,
            "detect_unit_anomalies",
            {
                "metric": metric,
                "per": per,
                "group_by": by,
                "days": days,
                "as_of": as_of,
                "filters": _filters(filters),
                "cost_filters": _filters(cost_filters),
            },
        )
        if _show(r, None, as_json):
            return
        show_rows(
            f"Unit-cost anomalies of {r.metric} since {r.window_start} (data through {r.data_through})",
            [
                ("id", "text"),
                ("severity", "text"),
                ("group", "text"),
                ("days", "text"),
                ("usual per unit", "unit"),
                ("per unit", "unit"),
                ("change", "pct"),
                ("impact", "money"),
            ],
            [
                [
                    a.anomaly_id,
                    a.severity,
                    _group(a.group),
                    f"{a.start_day} to {a.end_day}",
                    a.expected_cost_per_unit,
                    a.cost_per_unit,
                    a.relative_pct,
                    a.impact,
                ]
                for a in r.anomalies
            ],
        )
        _notes([a.explanation for a in r.anomalies])
        _notes(
            [
                f"last 7 days {cell(w.last_7_days, 'unit')} per unit vs {cell(w.weeks_before, 'unit')} the 4 weeks "
                f"before ({w.change_pct:+.1f}%)" + (f" for {_group(w.group)}" if w.group else "")
                for w in r.week_on_week
                if w.last_7_days is not None and w.weeks_before is not None and w.change_pct is not None
            ]
        )

    @metrics.command("alerts")
    def alerts_cmd(as_of: AsOf = None, db: DbOption = None, as_json: JsonOption = False) -> None:
        """The unit-economics alerts and where they would go (margin floors, unit budgets, unit-cost anomalies).
        `spendscope triage` (and `spendscope slack triage`) delivers them with the anomalies, each once."""

        r = _run(db, "business_alerts", {"as_of": as_of})
        if _show(r, None, as_json):
            return
        show_rows(
            f"Unit-economics alerts (data through {r.data_through})",
            [("id", "text"), ("kind", "text"), ("severity", "text"), ("title", "text"), ("to", "text")],
            [
                [
                    a.alert_id,
                    a.kind,
                    a.severity,
                    a.title,
                    a.owner.slack_channel or a.owner.slack_user or a.owner.email or "unowned",
                ]
                for a in r.alerts
            ],
        )
        _notes(
            [
                "checked: " + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in r.checked.items()),
                *r.notes,
            ]
        )

    _register_targets(metrics)


NewValues = Annotated[
    bool,
    typer.Option(
        "--allow-new-values",
        help="Accept filter values the store has not seen (a customer before its first rows)",
    ),
]


def _register_targets(metrics: typer.Typer) -> None:
    floor = typer.Typer(
        help="Margin floors: the lowest margin a customer, feature, plan or team may run at.",
        no_args_is_help=True,
    )
    budget = typer.Typer(
        help="Unit-cost budgets: the most a unit of a metric may cost per week or month.",
        no_args_is_help=True,
    )
    metrics.add_typer(floor, name="floor")
    metrics.add_typer(budget, name="budget")

    @floor.command("set")
    def floor_set(
        name: Annotated[str, typer.Argument(help="e.g. 'customer margin'")],
        floor_pct: Annotated[
            float, typer.Option("--floor", help="Lowest margin, percent of revenue, e.g. 60.")
        ],
        by: Annotated[str, typer.Option("--by", help="customer, feature, plan or team")] = "customer",
        filters: Filters = None,
        revenue_metric: Annotated[str, typer.Option("--revenue-metric")] = "revenue",
        subscription_metric: Annotated[
            str, typer.Option("--subscription-metric", help="'none' to skip")
        ] = "subscription",
        owner: Owner = None,
        allow_new_values: NewValues = False,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Set a margin floor (customers below it, or costing more than their subscription, are alerted)."""
        from spendscope.render import console

        r = _run(
            db,
            "set_margin_floor",
            {
                "name": name,
                "by": by,
                "floor_pct": floor_pct,
                "filters": _filters(filters),
                "revenue_metric": revenue_metric,
                "subscription_metric": None if subscription_metric.lower() == "none" else subscription_metric,
                "owner": owner,
                "allow_unknown_values": allow_new_values,
            },
        )
        if not _show(r, None, as_json):
            f = r.margin_floor
            console.print(
                f"margin floor {f.name} {'created' if r.created else 'updated'}: {f.by}s below {f.floor_pct:g}%"
                + (f", owner {f.owner}" if f.owner else ""),
                markup=False,
                highlight=False,
            )

    @budget.command("set")
    def budget_set(
        name: Annotated[str, typer.Argument(help="e.g. 'cost per ticket'")],
        metric: Annotated[str, typer.Option("--metric", help="e.g. tickets_resolved")],
        amount: Annotated[str, typer.Option("--amount", help="The most `per` units may cost, e.g. 0.45")],
        per: Annotated[int, typer.Option("--per")] = 1,
        grain: Annotated[str, typer.Option("--grain", help="week or month")] = "week",
        filters: Filters = None,
        cost_filters: CostFilters = None,
        owner: Owner = None,
        allow_new_values: NewValues = False,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Set a unit-cost budget (over it, and unusual days of its cost per unit, are alerted)."""
        from spendscope.render import console

        r = _run(
            db,
            "set_unit_budget",
            {
                "name": name,
                "metric": metric,
                "amount": amount,
                "per": per,
                "grain": grain,
                "filters": _filters(filters),
                "cost_filters": _filters(cost_filters),
                "owner": owner,
                "allow_unknown_values": allow_new_values,
            },
        )
        if not _show(r, None, as_json):
            b = r.unit_budget
            console.print(
                f"unit budget {b.name} {'created' if r.created else 'updated'}: {b.metric} at most {money(b.amount, digits=4)} "
                f"per {b.per:,} per {b.grain}" + (f", owner {b.owner}" if b.owner else ""),
                markup=False,
                highlight=False,
            )

    @budget.command("status")
    def budget_status(
        name: Annotated[str | None, typer.Argument(help="one unit budget (default all)")] = None,
        as_of: AsOf = None,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Each unit budget's cost per unit in its latest weeks or months."""
        r = _run(db, "unit_budget_status", {"name": name, "as_of": as_of})
        if _show(r, None, as_json):
            return
        for s in r.budgets:
            b = s.budget
            show_rows(
                f"{b.name}: {b.metric} at most {money(b.amount, digits=4)} per {b.per:,} per {b.grain}: {s.status}",
                [
                    ("period", "text"),
                    ("cost", "money"),
                    ("units", "num"),
                    ("cost per unit", "unit"),
                    ("of budget", "pct"),
                    ("over", "text"),
                ],
                [
                    [
                        p.period + ("" if p.complete else " (to date)"),
                        p.cost,
                        p.units,
                        p.cost_per_unit,
                        p.used_pct,
                        "over" if p.over else "",
                    ]
                    for p in s.points
                ],
            )

    _target_commands(floor, "margin_floor")
    _target_commands(budget, "unit_budget")


def _target_commands(group: typer.Typer, kind: str) -> None:
    @group.command("remove")
    def remove(name: Annotated[str, typer.Argument()], db: DbOption = None) -> None:
        """Remove one by name."""
        from spendscope.render import console

        r = _run(db, "remove_business_target", {"name": name, "kind": kind})
        console.print(f"{r.kind.replace('_', ' ')} {r.name} removed", markup=False, highlight=False)

    @group.command("list")
    def list_targets(db: DbOption = None, as_json: JsonOption = False) -> None:
        """List them."""
        r = _run(db, "list_business_targets", {})
        if _show(r.margin_floors if kind == "margin_floor" else r.unit_budgets, None, as_json):
            return
        if kind == "margin_floor":
            show_rows(
                "Margin floors",
                [
                    ("name", "text"),
                    ("by", "text"),
                    ("floor", "pct"),
                    ("scope", "text"),
                    ("revenue metric", "text"),
                    ("subscription metric", "text"),
                    ("owner", "text"),
                ],
                [
                    [
                        f.name,
                        f.by,
                        f.floor_pct,
                        _scope(f.filters),
                        f.revenue_metric,
                        f.subscription_metric,
                        f.owner,
                    ]
                    for f in r.margin_floors
                ],
            )
        else:
            show_rows(
                "Unit budgets",
                [
                    ("name", "text"),
                    ("metric", "text"),
                    ("amount", "unit"),
                    ("per", "num"),
                    ("grain", "text"),
                    ("scope", "text"),
                    ("owner", "text"),
                ],
                [
                    [
                        b.name,
                        b.metric,
                        b.amount,
                        b.per,
                        b.grain,
                        _scope([*b.filters, *b.cost_filters]),
                        b.owner,
                    ]
                    for b in r.unit_budgets
                ],
            )


def _scope(filters: list[Any]) -> str:
    return ", ".join(f"{f.dimension} {f.op} {','.join(f.values)}" for f in filters) or "all"
