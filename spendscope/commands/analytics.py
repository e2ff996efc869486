"""Analytics commands: `costs`, `dimensions`, `drivers`, `unit-costs`, `reconcile`, `gpu`, `commitments`,
`savings`. Each is one registry operation (spendscope.opcommands builds its options from the input model);
this module holds only how each result reads as a table. No FinOps logic here."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from spendscope.opcommands import Command, Extra, Opt, register_specs
from spendscope.options import DbOption, JsonOption, open_store
from spendscope.render import Col, Kind, cell, label, say, table

PERIOD = Opt(("--period", "-p"))
FILTER = Opt(
    ("--filter", "-f"),
    help="Repeatable: team=search, provider=OpenAI,Anthropic (any of), model!=gpt-4o (not), model^=claude "
    "(prefix), feature~=chat (contains)",
)
MEASURE = Opt(("--measure", "-m"))
TOP = Opt(("--top", "-n"))
BY = Opt(
    ("--by", "-b"),
    help="Group by a dimension (repeatable or comma-separated): provider, service, model, team, feature, "
    "region, day, week, month, ... (see `spendscope dimensions`)",
)


def _measure_kind(measure_column: str) -> Kind:
    from spendscope.tools.costs.dimensions import MONEY_COLUMNS

    return "money" if measure_column in MONEY_COLUMNS else "count"


# -------------------------------------------------------------------------------------------------- costs


def _costs_rows(r: Any) -> list[Any]:
    dims = r.group_by
    from spendscope.tools.costs.dimensions import calendar_order, is_calendar

    if any(is_calendar(d) for d in dims) and r.other is None:  # the days of the week read Monday first
        return sorted(
            r.rows,
            key=lambda x: tuple(
                (calendar_order(d, x.group.get(d)), "") if is_calendar(d) else (0, str(x.group.get(d)))
                for d in dims
            ),
        )
    if (
        any(d.lower() in ("day", "week", "month") for d in dims) and r.other is None
    ):  # a trend reads in time order
        return sorted(r.rows, key=lambda x: tuple(str(x.group.get(d)) for d in dims))
    return list(r.rows)


def costs_csv(r: Any) -> tuple[list[str], list[list[Any]]]:
    dims = r.group_by
    return [*dims, r.measure, "share_pct"], [
        [*(x.group.get(d) for d in dims), x.value, x.share_pct] for x in _costs_rows(r)
    ]


def show_costs(r: Any, _: dict[str, Any]) -> None:
    dims, kind = r.group_by, _measure_kind(r.measure_column)
    from spendscope.tools.costs.filter_label import scope_label

    scope = scope_label(r.filters) if r.filters else ""
    title = f"{r.measure} {r.period_label}" + (f" ({scope})" if scope else "")
    if not dims:
        say(f"{title}: {cell(r.total, kind)}", style="bold")
        say(*r.assumptions, style="dim")
        return
    pad = [""] * (len(dims) - 1)
    rows: list[list[Any]] = [
        [*(label(x.group.get(d)) for d in dims), x.value, x.share_pct] for x in _costs_rows(r)
    ]
    if r.other is not None:
        share = r.other / r.total * 100 if r.total else None
        rows.append([f"other ({r.other_groups} groups)", *pad, r.other, share])
    rows.append(["total", *pad, r.total, None])
    table(title, [*dims, Col(r.measure, kind), Col("share", "pct")], rows)
    say(*r.assumptions, style="dim")


# -------------------------------------------------------------------------------------------------- drivers


def _driver_rows(r: Any) -> list[tuple[str, Any]]:
    return [(d.dimension, x) for d in r.dimensions for x in [*d.drivers, *([d.other] if d.other else [])]]


def drivers_csv(r: Any) -> tuple[list[str], list[list[Any]]]:
    head = ["dimension", "value", "previous", "current", "change", "change_pct", "contribution_pct"]
    return head, [
        [dim, x.value, x.previous, x.current, x.change, x.change_pct, x.contribution_pct]
        for dim, x in _driver_rows(r)
    ]


def show_drivers(r: Any, _: dict[str, Any]) -> None:
    kind = _measure_kind(r.measure_column)
    say(r.summary, style="bold")
    say(
        f"{r.previous.label}: {cell(r.previous_total, kind)}   {r.current.label}: "
        f"{cell(r.current_total, kind)}   change: {cell(r.change, kind)} "
        f"{cell(r.change_pct, 'signed_pct')}"
    )
    for d in r.dimensions:
        table(
            f"by {d.dimension}",
            [
                d.dimension,
                Col(r.previous.label, kind),
                Col(r.current.label, kind),
                Col("change", kind),
                Col("change %", "signed_pct"),
                Col("of total change", "pct"),
                "",
            ],
            [
                [
                    label(x.value),
                    x.previous,
                    x.current,
                    x.change,
                    x.change_pct,
                    x.contribution_pct,
                    "" if x.status == "changed" else x.status,
                ]
                for x in [*d.drivers, *([d.other] if d.other else [])]
            ],
        )
    say(*r.assumptions, style="dim")


# -------------------------------------------------------------------------------------------------- unit costs

UNIT_FIELDS = [
    "cost",
    "estimated_cost",
    "requests",
    "inferences",
    "tokens",
    "cost_per_request",
    "cost_per_inference",
    "cost_per_1m_tokens",
    "share_pct",
]


def unit_costs_csv(r: Any) -> tuple[list[str], list[list[Any]]]:
    return [r.by, *UNIT_FIELDS], [[x.key, *(getattr(x, f) for f in UNIT_FIELDS)] for x in r.rows]


def show_unit_costs(r: Any, _: dict[str, Any]) -> None:
    table(
        f"Unit costs by {r.by}, {r.period_label} ({r.basis.replace('_', ' ')})",
        [
            r.by,
            Col("cost", "money"),
            Col("requests", "count"),
            Col("inferences", "count"),
            Col("tokens", "count"),
            Col("per request", "unit"),
            Col("per inference", "unit"),
            Col("per 1M tokens", "unit"),
            Col("share", "pct"),
        ],
        [
            [
                label(x.key),
                x.cost,
                x.requests,
                x.inferences,
                x.tokens,
                x.cost_per_request,
                x.cost_per_inference,
                x.cost_per_1m_tokens,
                x.share_pct,
            ]
            for x in [*r.rows, r.total]
        ],
    )
    say(*r.assumptions, style="dim")


# -------------------------------------------------------------------------------------------------- reconcile

RECONCILE_FIELDS = [
    "provider",
    "provider_name",
    "model",
    "estimated_cost",
    "catalog_cost",
    "reported_cost",
    "billed_cost",
    "drift",
    "drift_pct",
    "events",
    "requests",
    "status",
    "committed",
]


def reconcile_csv(r: Any) -> tuple[list[str], list[list[Any]]]:
    return ["date", *RECONCILE_FIELDS], [[x.date, *(getattr(x, f) for f in RECONCILE_FIELDS)] for x in r.rows]


def show_reconcile(r: Any, extras: dict[str, Any]) -> None:
    daily = bool(extras.get("daily"))
    lead = ["date"] if daily else []
    rows: list[list[Any]] = [
        ([str(x.date)] if daily else [])
        + [
            x.provider_name,
            label(x.model),
            x.estimated_cost,
            x.catalog_cost,
            x.reported_cost if x.reported_events else None,
            x.billed_cost,
            x.drift,
            x.drift_pct,
            x.events,
            x.status.replace("_", " ") + (" (committed)" if x.committed else ""),
        ]
        for x in (r.rows if daily else r.summary)
    ]
    rows.append(
        [""] * len(lead)
        + [
            "total (comparable)",
            "",
            r.estimated_total,
            r.catalog_total,
            r.reported_total or None,
            r.billed_total,
            r.drift,
            r.drift_pct,
            "",
            "",
        ]
    )
    est = "estimate" if r.estimate_currency == "USD" else "money"  # USD with no rate to the bill's
    table(
        f"Estimated vs billed ({r.measure}), {r.period_label}",
        [
            *lead,
            "provider",
            "model",
            Col("estimated", est),
            Col("catalog", est),
            Col("reported", est),
            Col("billed", "money"),
            Col("drift", "money"),
            Col("drift %", "signed_pct"),
            Col("events", "count"),
            "status",
        ],
        rows,
    )
    if r.uncovered:
        table(
            "AI spend with no telemetry at all",
            ["provider", Col("billed", "money")],
            [[u.provider_name, u.billed_cost] for u in r.uncovered],
        )
    say(*r.notes, style="dim")


# -------------------------------------------------------------------------------------------------- gpu

GPU_FIELDS = [
    "cost",
    "billed_hours",
    "gpu_hours",
    "monitored_hours",
    "unmonitored_hours",
    "avg_utilization_pct",
    "idle_gpu_hours",
    "idle_instance_hours",
    "idle_cost",
    "idle_cost_pct",
    "idle_unknown_reason",
]
GPU_USAGE = [
    Col("cost", "money"),
    Col("hours", "count"),
    Col("monitored h", "count"),
    Col("mean util", "pct"),
    Col("idle GPU-h", "count"),
    Col("idle cost", "money"),
    Col("idle share", "pct"),
]


def _gpu_usage(x: Any) -> list[Any]:
    return [
        x.cost,
        x.billed_hours,
        x.monitored_hours,
        x.avg_utilization_pct,
        "unknown" if x.idle_gpu_hours is None else x.idle_gpu_hours,
        "unknown" if x.idle_cost is None else x.idle_cost,
        x.idle_cost_pct,
    ]


def gpu_csv(r: Any) -> tuple[list[str], list[list[Any]]]:
    head = ["month", "instance_id", "instance_name", "instance_type", "gpus", "team", *GPU_FIELDS]
    return head, [
        [
            x.month,
            x.instance_id,
            x.instance_name,
            x.instance_type,
            x.gpus,
            x.team,
            *(getattr(x, f) for f in GPU_FIELDS),
        ]
        for x in r.instances
    ]


def show_gpu(r: Any, _: dict[str, Any]) -> None:
    table(
        f"GPU instances, {r.period_label} (idle < {r.idle_threshold_pct:g}% utilisation)",
        ["month", "instance", "type", Col("GPUs", "count"), "team", *GPU_USAGE],
        [
            [
                x.month,
                x.instance_name or x.instance_id,
                x.instance_type or "",
                x.gpus,
                label(x.team),
                *_gpu_usage(x),
            ]
            for x in r.instances
        ],
    )
    table(
        "by team",
        ["team", *GPU_USAGE],
        [[label(g.key), *_gpu_usage(g)] for g in r.by_team] + [["total", *_gpu_usage(r.total)]],
    )
    say(*r.assumptions, style="dim")


# -------------------------------------------------------------------------------------------------- commitments

COMMITMENT_FIELDS = [
    "commitment_cost",
    "used_cost",
    "unused_cost",
    "purchased_cost",
    "utilization_pct",
    "payg_cost_of_used",
    "payg_source",
    "break_even_utilization_pct",
    "net_saving",
    "verdict",
]


def commitments_csv(r: Any) -> tuple[list[str], list[list[Any]]]:
    return ["commitment_id", "commitment_name", "month", *COMMITMENT_FIELDS], [
        [x.commitment_id, x.commitment_name, x.month, *(getattr(x, f) for f in COMMITMENT_FIELDS)]
        for x in r.rows
    ]


def show_commitments(r: Any, _: dict[str, Any]) -> None:
    def figs(x: Any) -> list[Any]:
        return [
            x.commitment_cost,
            x.used_cost,
            x.unused_cost,
            x.utilization_pct,
            x.payg_cost_of_used,
            x.break_even_utilization_pct,
            x.net_saving,
        ]

    money = ("money", "money", "money", "pct", "money", "pct", "money")
    heads = ("cost", "used", "unused", "utilisation", "pay-as-you-go", "break-even", "net saving")
    table(
        f"Commitments, {r.period_label}",
        ["commitment", "month", *(Col(h, k) for h, k in zip(heads, money, strict=True)), "verdict"],  # type: ignore[arg-type]
        [[x.commitment_name or x.commitment_id, x.month, *figs(x), x.verdict] for x in r.rows]
        + [
            [f"{t.commitment_name or t.commitment_id} (all)", f"{t.months} months", *figs(t), t.verdict]
            for t in r.commitments
            if t.months > 1
        ],
    )
    say(f"unused commitment cost: {cell(r.total_unused_cost, 'money')}", *r.assumptions, style="dim")


# -------------------------------------------------------------------------------------------------- savings


def savings_csv(r: Any) -> tuple[list[str], list[list[Any]]]:
    head = ["kind", "title", "monthly_saving", "monthly_cost", "confidence", "action", "evidence"]
    return head, [
        [x.kind, x.title, x.monthly_saving, x.monthly_cost, x.confidence, x.action, " | ".join(x.evidence)]
        for x in r.recommendations
    ]


def show_savings(r: Any, _: dict[str, Any]) -> None:
    table(
        f"Savings, per month (from {r.period_label})",
        [
            Col("#", "count"),
            "kind",
            "recommendation",
            Col("saving/month", "money"),
            Col("spend/month", "money"),
            "confidence",
        ],
        [
            [
                i,
                x.kind.replace("_", " "),
                x.title,
                x.monthly_saving if x.monthly_saving is not None else "-",
                x.monthly_cost,
                x.confidence,
            ]
            for i, x in enumerate(r.recommendations, 1)
        ],
    )
    for i, x in enumerate(r.recommendations, 1):
        say(f"{i}. {x.title}: {x.action}", style="bold")
        say(*(f"   - {e}" for e in x.evidence))
    say(
        f"total: {cell(r.total_monthly_saving, 'money')} per month (upper bound)",
        *r.assumptions,
        style="dim",
    )


def _price_catalog(db: str | Path | None) -> dict[str, Any]:
    """The local price overrides (SPENDSCOPE_PRICES_FILE) for operations that price tokens."""
    from spendscope.data.prices import PriceCatalog
    from spendscope.options import settings

    return {"catalog": PriceCatalog.load(settings(db).prices_file)}


COMMANDS = [
    Command(
        "costs",
        "query_costs",
        "Cost (or tokens, requests, GPU hours) by any dimension, with filters and top-N.",
        show_costs,
        options={"period": PERIOD, "group_by": BY, "filters": FILTER, "measure": MEASURE, "top": TOP},
        rows=costs_csv,
    ),
    Command(
        "drivers",
        "explain_change",
        "What changed between two periods and who drove it.",
        show_drivers,
        options={
            "period": PERIOD,
            "compare_period": Opt(("--compare", "-c")),
            "dimensions": BY,
            "filters": FILTER,
            "measure": MEASURE,
            "top": TOP,
        },
        rows=drivers_csv,
    ),
    Command(
        "unit-costs",
        "unit_costs",
        "Cost per request, per inference, per 1M tokens, by model, customer, feature or team.",
        show_unit_costs,
        options={"period": PERIOD, "by": Opt(("--by", "-b"))},
        rows=unit_costs_csv,
    ),
    Command(
        "reconcile",
        "reconcile_estimates",
        "Telemetry-estimated vs billed cost per provider, model and day, with drift.",
        show_reconcile,
        options={"period": PERIOD},
        rows=reconcile_csv,
        extras=(Extra("daily", ("--daily",), "Show every provider/model/day row, not the summary."),),
    ),
    Command(
        "gpu",
        "gpu_utilization",
        "Idle GPU hours and idle cost per instance, team and month.",
        show_gpu,
        options={"period": PERIOD, "idle_threshold_pct": Opt(("--idle-threshold",)), "filters": FILTER},
        rows=gpu_csv,
    ),
    Command(
        "commitments",
        "commitment_utilization",
        "Commitment (PTU, provisioned throughput, reservation) utilisation, unused cost and break-even.",
        show_commitments,
        options={"period": PERIOD, "filters": FILTER},
        rows=commitments_csv,
    ),
    Command(
        "savings",
        "savings_recommendations",
        "Savings with their monthly amount and evidence: cheaper models, caching, batch, idle GPUs, ...",
        show_savings,
        options={
            "period": PERIOD,
            "kinds": Opt(("--kind", "-k")),
            "min_monthly_saving": Opt(("--min-saving",)),
            "idle_threshold_pct": Opt(("--idle-threshold",)),
            "top": TOP,
            "filters": FILTER,
        },
        rows=savings_csv,
        context=_price_catalog,
    ),
]


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    register_specs(app, COMMANDS)

    @app.command("dimensions")
    def dimensions_cmd(
        dimension: Annotated[
            str | None, typer.Argument(help="List this dimension's values (largest cost first).")
        ] = None,
        search: Annotated[
            str | None, typer.Option("--search", "-s", help="Fuzzy lookup, e.g. 'claude sonnet'.")
        ] = None,
        limit: Annotated[int, typer.Option(help="Values to show.")] = 50,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """The dimensions and measures to group and filter by; with DIMENSION, its values (fuzzy with --search)."""
        from spendscope.data.errors import InvalidArgument
        from spendscope.options import cli_caller
        from spendscope.render import print_json
        from spendscope.tools.invoke import invoke

        store = open_store(db, honours_scope=True)
        if dimension is None:
            if search:
                raise InvalidArgument(
                    "--search needs a dimension to look in, e.g. spendscope dimensions model --search 'claude sonnet'",
                    argument="search",
                )
            listing = invoke(store, "list_dimensions", {}, cli_caller())
            if as_json:
                print_json(listing)
                return
            table(
                "Dimensions",
                ["name", "kind", "description"],
                [[d.name, d.kind, d.description] for d in listing.dimensions],
            )
            table("Measures", ["name", "description"], [[m.name, m.description] for m in listing.measures])
            return
        args = {"dimension": dimension, "search": search, "limit": limit}
        values = invoke(
            store, "list_dimension_values", {k: v for k, v in args.items() if v is not None}, cli_caller()
        )
        if as_json:
            print_json(values)
            return
        cols = ["value", Col("cost (all data)", "money")] + ([Col("match", "number")] if search else [])
        rows = [
            [label(v.value), v.cost] + ([round(v.score or 0, 2)] if search else []) for v in values.values
        ]
        table(f"{values.dimension} values" + (f" matching {search!r}" if search else ""), cols, rows)
        if search and not values.values:
            say(f"no {dimension} value looks like {search!r}", style="dim")
