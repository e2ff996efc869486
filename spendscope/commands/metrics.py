"""Unit economics commands: `import metrics`, `import rates`, and `metrics list | values | unit-cost |
profitability | anomalies | alerts | floor ... | budget ...`. They turn flags into the inputs of the
tools.business operations, run them through tools.invoke as the local user and render the results; no FinOps
logic here (docs/unit-economics.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from spendscope.options import ChartOption, CsvOption, DbOption, JsonOption, open_store

Period = Annotated[
    str | None,
    typer.Option(
        "--period", "-p", help="2026-10, 'last month', Q3 2026, 2026-08-01..2026-10-31 (default: all data)."
    ),
]
AsOf = Annotated[str | None, typer.Option("--as-of", help="'Today' for relative periods (YYYY-MM-DD).")]
Filters = Annotated[
    list[str] | None,
    typer.Option(
        "--filter",
        "-f",
        help="Limit both the metric and the cost (repeatable): customer=acme, plan=enterprise, feature!=x, ...",
    ),
]
CostFilters = Annotated[
    list[str] | None,
    typer.Option("--cost-filter", help="Limit the cost only (repeatable): provider=OpenAI, env=prod, ..."),
]
Owner = Annotated[
    str | None, typer.Option("--owner", help="Where alerts go: #channel, a Slack user, or email.")
]


def _filters(texts: list[str] | None) -> list[Any]:
    from spendscope.options import parse_filters

    return parse_filters(texts)


def _run(db: Path | None, operation: str, params: dict[str, Any]) -> Any:
    """Run a tools.business operation through tools.invoke as the local user (unset options left out)."""
    from spendscope.tools.invoke import invoke

    return invoke(open_store(db), operation, {k: v for k, v in params.items() if v is not None})


def _show(result: Any, chart: Path | None, as_json: bool) -> bool:
    """Write the chart and print JSON when asked. True when nothing is left to print."""
    from spendscope.charts import write_chart_for
    from spendscope.render import print_json

    write_chart_for(result, chart)
    if as_json:
        print_json(result)
        return True
    return False


def _notes(lines: list[str]) -> None:
    from spendscope.render import console

    for line in lines:
        console.print(line, style="dim", markup=False, highlight=False, soft_wrap=True)


def cell(value: Any, kind: str) -> str:
    """money ($1,234.56), unit ($0.3745: a per-unit price), pct (12.3%), num (1,234), text."""
    if value is None:
        return ""
    if kind in ("money", "unit"):  # in the billing currency (tools.money_text)
        from spendscope.tools.money_text import money

        return money(value, digits=2 if kind == "money" or abs(value) >= 10 else 4)
    if kind == "pct":
        return f"{value:,.1f}%"
    if kind == "num":
        return f"{value:,.0f}"
    return str(value)


def show_rows(
    title: str, columns: list[tuple[str, str]], rows: list[list[Any]], as_csv: bool = False
) -> None:
    """Rows as a table (each column formatted by its kind, numbers right-aligned) or as CSV (raw values)."""
    from rich.table import Table

    from spendscope.render import console, print_csv

    if as_csv:
        print_csv([c for c, _ in columns], rows)
        return
    table = Table(title=title, header_style="bold")
    for name, kind in columns:
        table.add_column(name, justify="left" if kind == "text" else "right")
    for r in rows:
        table.add_row(*[cell(v, kind) for v, (_, kind) in zip(r, columns, strict=True)])
    console.print(table, soft_wrap=True)


def _group(g: dict[str, str | None]) -> str:
    return ", ".join(f"{k}={'(none)' if v is None else v}" for k, v in g.items())


METRICS = typer.Typer(
    help="Business metrics and unit economics: cost per unit, profitability, margin floors, unit budgets, alerts.",
    no_args_is_help=True,
)


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    @import_app.command("metrics")
    def import_metrics_cmd(
        files: Annotated[
            list[str],
            typer.Argument(
                help="Metrics files (.csv, .csv.gz, .parquet, .jsonl), folders, or s3:// gs:// az:// URLs"
            ),
        ],
        source: Annotated[
            str | None,
            typer.Option(
                "--source",
                help="Where the figures come from (default: the file's source column, else 'default'); a "
                "restatement replaces the same metric, source and periods.",
            ),
        ] = None,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Import business metrics: one row per value (date or month, metric, value, unit or currency, customer,
        feature, team, plan, any tags). The files given together are one import, all or nothing; a restatement
        replaces the periods it covers; importing the same data again changes nothing."""
        from spendscope.business_import import run_business_imports
        from spendscope.data.import_metrics import import_metrics

        run_business_imports(
            files,
            db,
            as_json,
            lambda store, paths, progress: import_metrics(store, paths, source=source, progress=progress),
        )

    @import_app.command("rates")
    def import_rates_cmd(
        files: Annotated[
            list[str], typer.Argument(help="Rates files: currency, month (or date), rate[, to_currency]")
        ],
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Import currency rates into the billing currency (1 currency = rate to_currency for the period), used to
        convert revenue and other money metrics. A rate for a period already held replaces it."""
        from spendscope.business_import import run_business_imports
        from spendscope.data.import_rates import import_rates

        run_business_imports(files, db, as_json, import_rates)

    metrics = METRICS
    app.add_typer(metrics, name="metrics")

    @metrics.command("list")
    def list_cmd(filters: Filters = None, db: DbOption = None, as_json: JsonOption = False) -> None:
        """The business metrics in the store: kind, unit or currency, grain, span, dimensions."""
        r = _run(db, "list_business_metrics", {"filters": _filters(filters)})
        if as_json:
            _show(r, None, True)
            return
        text = ("metric", "kind", "unit", "aggregation", "grains", "first day", "last day")
        show_rows(
            f"Business metrics (billing currency {r.billing_currency or 'unknown'})",
            [*((c, "text") for c in text), ("rows", "num"), ("recorded by", "text")],
            [
                [
                    m.metric,
                    m.kind,
                    m.unit or ", ".join(m.currencies),
                    m.aggregation,
                    ", ".join(m.grains),
                    str(m.first_day),
                    str(m.last_day),
                    m.rows,
                    ", ".join(m.recorded_by),
                ]
                for m in r.metrics
            ],
        )
        _notes([f"rates: {', '.join(r.rates)}" if r.rates else "no currency rates imported"])

    @metrics.command("values")
    def values_cmd(
        metric: Annotated[str, typer.Argument(help="revenue, tickets_resolved, mau, ...")],
        period: Period = None,
        by: Annotated[
            list[str] | None, typer.Option("--by", "-b", help="customer, feature, team, plan, tag:<key>")
        ] = None,
        grain: Annotated[str, typer.Option("--grain", help="total, month, week or day")] = "total",
        filters: Filters = None,
        top: Annotated[
            int | None, typer.Option("--top", "-n", help="Keep the N largest groups per period.")
        ] = None,
        as_of: AsOf = None,
        db: DbOption = None,
        as_json: JsonOption = False,
        as_csv: CsvOption = False,
        chart: ChartOption = None,
    ) -> None:
        """A metric's values by period and dimension (money in the billing currency)."""

        r = _run(
            db,
            "query_business_metrics",
            {
                "metric": metric,
                "period": period,
                "as_of": as_of,
                "group_by": by or [],
                "grain": grain,
                "filters": _filters(filters),
                "top": top,
            },
        )
        if _show(r, chart, as_json):
            return
        kind = "money" if r.kind == "money" else "num"
        show_rows(
            f"{r.metric}, {r.period_label}" + (f" ({r.unit})" if r.unit else ""),
            [("period", "text"), *((g, "text") for g in r.group_by), ("value", kind), ("share_pct", "pct")],
            [[x.period, *x.group.values(), x.value, x.share_pct] for x in r.rows],
            as_csv,
        )
        if not as_csv:
            _notes([f"total: {cell(r.total, kind)} {r.unit or ''}".rstrip(), *r.assumptions])

    @metrics.command("unit-cost")
    def unit_cost_cmd(
        metric: Annotated[
            str, typer.Argument(help="tickets_resolved, documents_processed, mau, revenue, ...")
        ],
        period: Period = None,
        per: Annotated[
            int, typer.Option("--per", help="Units per figure: 1 (per ticket), 1000 (per 1k).")
        ] = 1,
        grain: Annotated[str, typer.Option("--grain", help="total, month, week or day")] = "month",
        by: Annotated[
            list[str] | None, typer.Option("--by", "-b", help="customer, feature, team, provider, model, ...")
        ] = None,
        match_on: Annotated[
            list[str] | None,
            typer.Option(
                "--match-on",
                help="Dimensions the cost is matched on (default: the metric's own); 'none' for all AI cost.",
            ),
        ] = None,
        filters: Filters = None,
        cost_filters: CostFilters = None,
        basis: Annotated[str, typer.Option("--basis", help="auto, bill or telemetry")] = "auto",
        as_of: AsOf = None,
        db: DbOption = None,
        as_json: JsonOption = False,
        as_csv: CsvOption = False,
        chart: ChartOption = None,
    ) -> None:
        """Cost per unit of a business metric (per ticket resolved, per 1k documents, per MAU) by period and
        dimension."""

        match = None if match_on is None else [m for m in match_on if m.lower() != "none"]
        r = _run(
            db,
            "cost_per_business_unit",
            {
                "metric": metric,
                "period": period,
                "as_of": as_of,
                "per": per,
                "grain": grain,
                "group_by": by or [],
                "match_on": match,
                "filters": _filters(filters),
                "cost_filters": _filters(cost_filters),
                "basis": basis,
            },
        )
        if _show(r, chart, as_json):
            return
        per_text = (
            f"cost per {r.per:,} {r.unit or 'units'}"
            if r.per != 1
            else f"cost per {(r.unit or 'unit').rstrip('s')}"
        )
        rows = [[x.period, *x.group.values(), x.cost, x.units, x.cost_per_unit, x.change_pct] for x in r.rows]
        if r.group_by:
            rows += [
                [t.period, *("(all)" for _ in r.group_by), t.cost, t.units, t.cost_per_unit, t.change_pct]
                for t in r.totals
            ]
        show_rows(
            f"{per_text.capitalize()} ({r.metric}), {r.period_label}",
            [
                ("period", "text"),
                *((g, "text") for g in r.group_by),
                ("cost", "money"),
                (r.unit or "units", "num"),
                (per_text, "unit"),
                ("change_pct", "pct"),
            ],
            rows,
            as_csv,
        )
        if not as_csv:
            t = r.total
            lines = [
                f"whole period: {per_text} {cell(t.cost_per_unit, 'unit')} (cost {cell(t.cost, 'money')}, "
                f"{cell(t.units, 'num')} {r.unit or 'units'})"
                if t.cost_per_unit is not None
                else "whole period: no units"
            ]
            if r.cost_outside_metric:
                lines.append(
                    f"cost of {', '.join(r.match_on)} values {r.metric} has no units for (left out): "
                    f"{cell(r.cost_outside_metric, 'money')}"
                )
            _notes([*lines, f"basis: {r.basis}", *r.assumptions])

    @metrics.command("profitability")
    def profitability_cmd(
        period: Period = None,
        by: Annotated[str, typer.Option("--by", "-b", help="customer, feature, plan or team")] = "customer",
        floor: Annotated[
            float | None,
            typer.Option("--floor", help="Flag margins below this percent (default: the stored floors)."),
        ] = None,
        revenue_metric: Annotated[str, typer.Option("--revenue-metric")] = "revenue",
        subscription_metric: Annotated[
            str, typer.Option("--subscription-metric", help="'none' to skip the check")
        ] = "subscription",
        trend_months: Annotated[int, typer.Option("--trend-months")] = 3,
        filters: Filters = None,
        cost_filters: CostFilters = None,
        top: Annotated[int | None, typer.Option("--top", "-n")] = None,
        as_of: AsOf = None,
        db: DbOption = None,
        as_json: JsonOption = False,
        as_csv: CsvOption = False,
        chart: ChartOption = None,
    ) -> None:
        """Revenue, AI cost, margin and AI cost as % of revenue per customer, feature, plan or team, with its
        trend; those costing more than their subscription or below a margin floor first."""

        r = _run(
            db,
            "profitability",
            {
                "period": period,
                "as_of": as_of,
                "by": by,
                "margin_floor_pct": floor,
                "revenue_metric": revenue_metric,
                "subscription_metric": None if subscription_metric.lower() == "none" else subscription_metric,
                "trend_months": trend_months,
                "filters": _filters(filters),
                "cost_filters": _filters(cost_filters),
                "top": top,
            },
        )
        if _show(r, chart, as_json):
            return
        customer = r.by == "customer"
        show_rows(
            f"Profitability by {r.by}, {r.period_label} ({r.currency or 'billing currency'})",
            [
                (r.by, "text"),
                *([("plan", "text")] if customer else []),
                ("revenue", "money"),
                ("subscription", "money"),
                ("AI cost", "money"),
                ("margin", "money"),
                ("margin %", "pct"),
                ("AI cost % of revenue", "pct"),
                ("revenue share", "pct"),
                ("trend", "text"),
                ("flag", "text"),
            ],
            [
                [
                    x.key if x.key is not None else "(none)",
                    *([x.plan] if customer else []),
                    x.revenue,
                    x.subscription,
                    x.ai_cost,
                    x.margin,
                    x.margin_pct,
                    x.ai_cost_pct_of_revenue,
                    x.revenue_share_pct,
                    x.trend_direction,
                    ", ".join(
                        text
                        for text, on in (
                            ("over subscription", x.cost_exceeds_subscription),
                            ("below floor", x.below_floor),
                            ("no revenue", x.no_revenue),
                        )
                        if on
                    ),
                ]
                for x in r.rows
            ],
            as_csv,
        )
        if not as_csv:
            margin = f"{r.margin_pct:.1f}%" if r.margin_pct is not None else "n/a"
            lines = [
                f"total: revenue {cell(r.revenue, 'money')}, AI cost {cell(r.ai_cost, 'money')}, margin {margin}; "
                f"{r.at_risk} at risk"
            ]
            lines += [f"{x.key}: {'; '.join(x.reasons)}" for x in r.rows if x.at_risk]
            if r.unattributed_cost:
                lines.append(
                    f"AI cost no telemetry event carries (not in any {r.by}): {cell(r.unattributed_cost, 'money')}"
                )
            _notes([*lines, *r.assumptions])
