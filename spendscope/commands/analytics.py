"""Analytics commands: `costs`, `dimensions`, `drivers`, `unit-costs`, `reconcile`, `gpu`, `commitments`,
`savings`. They translate flags into the typed inputs of the tools/ operations and render the results (tables,
`--json`, `--csv`, `--chart PNG`); no FinOps logic here."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from spendscope.options import ChartOption, CsvOption, DbOption, JsonOption, open_store

PeriodOption = Annotated[
    str | None,
    typer.Option(
        "--period", "-p", help="2026-10, 'last month', 'last 30 days', Q3 2026, 2026-08-01..2026-10-31."
    ),
]
StartOption = Annotated[str | None, typer.Option("--start", help="First day (YYYY-MM-DD); with --end.")]
EndOption = Annotated[str | None, typer.Option("--end", help="Last day, inclusive (YYYY-MM-DD).")]
AsOfOption = Annotated[str | None, typer.Option("--as-of", help="'Today' for relative periods (YYYY-MM-DD).")]
FilterOption = Annotated[
    list[str] | None,
    typer.Option(
        "--filter",
        "-f",
        help="Repeatable: team=search, provider=OpenAI,Anthropic (any of), "
        "model!=gpt-4o (not), model^=claude (prefix), feature~=chat (contains).",
    ),
]
ByOption = Annotated[
    list[str] | None,
    typer.Option(
        "--by",
        "-b",
        help="Group by a dimension (repeatable or comma-separated): provider, service, model, "
        "team, feature, region, day, week, month, ... (see `spendscope dimensions`).",
    ),
]
MeasureOption = Annotated[
    str,
    typer.Option(
        "--measure",
        "-m",
        help="cost (EffectiveCost), billed_cost, list_cost, tokens, input_tokens, "
        "output_tokens, cached_input_tokens, requests, gpu_hours, ...",
    ),
]


# input fields whose flag is not simply --field-name
FLAGS = {
    "group_by": "--by",
    "dimensions": "--by",
    "filters": "--filter",
    "compare_period": "--compare",
    "idle_threshold_pct": "--idle-threshold",
    "min_monthly_saving": "--min-saving",
    "kinds": "--kind",
}


def _filters(texts: list[str] | None) -> list[Any]:
    from spendscope.commands.governance import parse_filters

    return parse_filters(texts)


def _build(input_model: type, /, **kwargs: Any) -> Any:
    """A tool input from flags (None: not given); a validation error becomes one readable InvalidArgument.
    (Positional-only, so inputs with a field called `model` can be built.)"""
    from pydantic import ValidationError

    from spendscope.data.errors import InvalidArgument

    try:
        return input_model(**{k: v for k, v in kwargs.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first.get("loc") else ""
        where = FLAGS.get(field, "--" + field.replace("_", "-")) if field else "argument"
        raise InvalidArgument(f"{where}: {first['msg']}", argument=where) from None


def _split(values: list[str] | None) -> list[str]:
    return [v.strip() for text in values or [] for v in text.split(",") if v.strip()]


def _money(v: float | None) -> str:
    if v is None:
        return ""
    return f"{'-' if v < 0 else ''}${abs(v):,.2f}"


def _unit(v: float | None) -> str:
    """A per-unit price: enough decimals to read a fraction of a cent."""
    if v is None:
        return ""
    digits = 2 if abs(v) >= 1 else 4 if abs(v) >= 0.01 else 6
    return f"{'-' if v < 0 else ''}${abs(v):,.{digits}f}"


def _pct(v: float | None, signed: bool = False) -> str:
    return "" if v is None else (f"{v:+.1f}%" if signed else f"{v:.1f}%")


def _num(v: float | int | None) -> str:
    return "" if v is None else f"{v:,.0f}"


def _table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> None:
    """A rich table of already formatted cells; columns in `right` are right-aligned (numbers)."""
    from rich.table import Table

    from spendscope.render import console

    table = Table(title=title, header_style="bold", min_width=min(len(title or ""), 160))
    widths = [max([len(str(r[i])) for r in rows] + [len(c)]) for i, c in enumerate(columns)]
    for i, c in enumerate(columns):
        table.add_column(c, justify="right" if i in right else "left", no_wrap=i in right)
    for r in rows:
        table.add_row(*r)
    # never cut a cell: render as wide as the table needs, even past a narrow terminal or a pipe's 80 columns
    narrow = console.width
    console.width = max(narrow, sum(widths) + 3 * len(columns) + 1, min(len(title or ""), 160))
    try:
        console.print(table)
    finally:
        console.width = narrow


def _say(lines: Sequence[str], style: str = "dim") -> None:
    from spendscope.render import console

    for line in lines:
        console.print(line, style=style, markup=False, highlight=False, soft_wrap=True)


def _emit(result: Any, chart: Path | None, as_json: bool) -> bool:
    """Write the chart when asked; print JSON when asked. True when the caller has nothing left to print."""
    from spendscope.charts import write_chart_for
    from spendscope.render import print_json

    write_chart_for(result, chart)
    if as_json:
        print_json(result)
        return True
    return False


def _none(v: str | None) -> str:
    return "(none)" if v is None else str(v)


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    @app.command("costs")
    def costs_cmd(
        period: PeriodOption = None,
        start: StartOption = None,
        end: EndOption = None,
        by: ByOption = None,
        filters: FilterOption = None,
        measure: MeasureOption = "cost",
        top: Annotated[
            int | None, typer.Option("--top", "-n", help="Keep the N largest groups; sum the rest.")
        ] = None,
        as_of: AsOfOption = None,
        db: DbOption = None,
        as_json: JsonOption = False,
        as_csv: CsvOption = False,
        chart: ChartOption = None,
    ) -> None:
        """Cost (or tokens, requests, GPU hours) for a period, grouped by any dimensions, with filters and top-N."""
        from spendscope.render import print_csv
        from spendscope.tools.costs.breakdown import CostQueryInput, cost_query

        params = _build(
            CostQueryInput,
            period=period,
            start=start,
            end=end,
            as_of=as_of,
            measure=measure,
            group_by=_split(by),
            filters=_filters(filters),
            top=top,
        )
        result = cost_query(open_store(db), params)
        if _emit(result, chart, as_json):
            return
        dims = result.group_by
        ordered = result.rows
        grains = [i for i, d in enumerate(dims) if d.lower() in ("day", "week", "month")]
        if grains and result.other is None:  # a trend reads in time order
            ordered = sorted(result.rows, key=lambda r: tuple(str(r.group.get(d)) for d in dims))
        if as_csv:
            print_csv(
                [*dims, result.measure, "share_pct"],
                [[*(r.group.get(d) for d in dims), r.value, r.share_pct] for r in ordered],
            )
            return
        money = result.measure_column in ("EffectiveCost", "BilledCost", "ListCost", "ContractedCost")
        show = _money if money else _num
        scope = "; ".join(f"{f.dimension} {f.op} {', '.join(f.values)}" for f in result.filters)
        title = f"{result.measure} {result.period_label}" + (f" ({scope})" if scope else "")
        if not dims:
            _say([f"{title}: {show(result.total)}"], style="bold")
            _say(result.assumptions)
            return
        rows = [[*(_none(r.group.get(d)) for d in dims), show(r.value), _pct(r.share_pct)] for r in ordered]
        if result.other is not None:
            rows.append(
                [
                    f"other ({result.other_groups} groups)",
                    *[""] * (len(dims) - 1),
                    show(result.other),
                    _pct(result.other / result.total * 100 if result.total else None),
                ]
            )
        rows.append(["total", *[""] * (len(dims) - 1), show(result.total), ""])
        n = len(dims)
        _table(title, [*dims, result.measure, "share"], rows, {n, n + 1})
        _say(result.assumptions)

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
        from spendscope.render import print_json
        from spendscope.tools.costs.breakdown import DimensionValuesInput, dimension_values, list_dimensions

        store = open_store(db)
        if dimension is None:
            if search:
                raise InvalidArgument(
                    "--search needs a dimension to look in, e.g. "
                    "spendscope dimensions model --search 'claude sonnet'",
                    argument="search",
                )
            listing = list_dimensions(store)
            if as_json:
                print_json(listing)
                return
            _table(
                "Dimensions",
                ["name", "kind", "description"],
                [[d.name, d.kind, d.description] for d in listing.dimensions],
                set(),
            )
            _table(
                "Measures",
                ["name", "description"],
                [[m.name, m.description] for m in listing.measures],
                set(),
            )
            return
        values = dimension_values(
            store, _build(DimensionValuesInput, dimension=dimension, search=search, limit=limit)
        )
        if as_json:
            print_json(values)
            return
        cols = ["value", "cost (all data)"] + (["match"] if search else [])
        rows = [
            [_none(v.value), _money(v.cost)] + ([f"{v.score:.2f}"] if search else []) for v in values.values
        ]
        _table(f"{values.dimension} values" + (f" matching {search!r}" if search else ""), cols, rows, {1, 2})
        if search and not values.values:
            _say([f"no {dimension} value looks like {search!r}"])

    @app.command("drivers")
    def drivers_cmd(
        period: PeriodOption = None,
        start: StartOption = None,
        end: EndOption = None,
        compare: Annotated[
            str | None,
            typer.Option("--compare", "-c", help="Period to compare with; default the one before."),
        ] = None,
        compare_start: Annotated[
            str | None, typer.Option("--compare-start", help="First day compared with.")
        ] = None,
        compare_end: Annotated[
            str | None, typer.Option("--compare-end", help="Last day compared with.")
        ] = None,
        by: ByOption = None,
        combine: Annotated[
            bool, typer.Option("--combine", help="Attribute to combinations (team x model).")
        ] = False,
        filters: FilterOption = None,
        measure: MeasureOption = "cost",
        top: Annotated[int, typer.Option("--top", "-n", help="Values per dimension.")] = 10,
        as_of: AsOfOption = None,
        db: DbOption = None,
        as_json: JsonOption = False,
        as_csv: CsvOption = False,
        chart: ChartOption = None,
    ) -> None:
        """What changed between two periods (default: the period vs the one before), and which provider, model,
        team or feature drove it, in dollars and percent of the change."""
        from spendscope.render import print_csv
        from spendscope.tools.costs.drivers import DriversInput, drivers

        params = _build(
            DriversInput,
            period=period,
            start=start,
            end=end,
            compare_period=compare,
            compare_start=compare_start,
            compare_end=compare_end,
            dimensions=_split(by),
            combine=combine,
            filters=_filters(filters),
            measure=measure,
            top=top,
            as_of=as_of,
        )
        result = drivers(open_store(db), params)
        if _emit(result, chart, as_json):
            return
        all_rows = [
            (d.dimension, x) for d in result.dimensions for x in [*d.drivers, *([d.other] if d.other else [])]
        ]
        if as_csv:
            print_csv(
                ["dimension", "value", "previous", "current", "change", "change_pct", "contribution_pct"],
                [
                    [dim, x.value, x.previous, x.current, x.change, x.change_pct, x.contribution_pct]
                    for dim, x in all_rows
                ],
            )
            return
        money = result.measure_column in ("EffectiveCost", "BilledCost", "ListCost", "ContractedCost")
        show = _money if money else _num
        _say([result.summary], style="bold")
        _say(
            [
                f"{result.previous.label}: {show(result.previous_total)}   {result.current.label}: "
                f"{show(result.current_total)}   change: {show(result.change)} {_pct(result.change_pct, True)}"
            ],
            style="",
        )
        for d in result.dimensions:
            rows = [
                [
                    _none(x.value),
                    show(x.previous),
                    show(x.current),
                    show(x.change),
                    _pct(x.change_pct, True),
                    _pct(x.contribution_pct),
                    "" if x.status == "changed" else x.status,
                ]
                for x in [*d.drivers, *([d.other] if d.other else [])]
            ]
            _table(
                f"by {d.dimension}",
                [
                    d.dimension,
                    result.previous.label,
                    result.current.label,
                    "change",
                    "change %",
                    "of total change",
                    "",
                ],
                rows,
                {1, 2, 3, 4, 5},
            )
        _say(result.assumptions)

    @app.command("unit-costs")
    def unit_costs_cmd(
        by: Annotated[
            str,
            typer.Option(
                "--by",
                "-b",
                help="model, provider, total (bill); customer, feature, "
                "team, operation, env (telemetry reconciled to the bill); tag:<key>.",
            ),
        ] = "model",
        period: PeriodOption = None,
        start: StartOption = None,
        end: EndOption = None,
        as_of: AsOfOption = None,
        db: DbOption = None,
        as_json: JsonOption = False,
        as_csv: CsvOption = False,
        chart: ChartOption = None,
    ) -> None:
        """Unit economics: cost per request, per inference and per 1M tokens, by model, provider, customer,
        feature or team."""
        from spendscope.render import print_csv
        from spendscope.tools.costs.unit_costs import UnitCostsInput, unit_costs

        result = unit_costs(
            open_store(db), _build(UnitCostsInput, by=by, period=period, start=start, end=end, as_of=as_of)
        )
        if _emit(result, chart, as_json):
            return
        fields = [
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
        if as_csv:
            print_csv([result.by, *fields], [[r.key, *(getattr(r, f) for f in fields)] for r in result.rows])
            return
        rows = [
            [
                _none(r.key),
                _money(r.cost),
                _num(r.requests),
                _num(r.inferences),
                _num(r.tokens),
                _unit(r.cost_per_request),
                _unit(r.cost_per_inference),
                _unit(r.cost_per_1m_tokens),
                _pct(r.share_pct),
            ]
            for r in [*result.rows, result.total]
        ]
        _table(
            f"Unit costs by {result.by}, {result.period_label} ({result.basis.replace('_', ' ')})",
            [
                result.by,
                "cost",
                "requests",
                "inferences",
                "tokens",
                "per request",
                "per inference",
                "per 1M tokens",
                "share",
            ],
            rows,
            set(range(1, 9)),
        )
        _say(result.assumptions)

    @app.command("reconcile")
    def reconcile_cmd(
        period: PeriodOption = None,
        start: StartOption = None,
        end: EndOption = None,
        provider: Annotated[
            str | None, typer.Option(help="Only this provider (Anthropic, OpenAI, bedrock, ...).")
        ] = None,
        model: Annotated[str | None, typer.Option(help="Only this model.")] = None,
        grain: Annotated[str, typer.Option(help="day or month.")] = "day",
        measure: Annotated[
            str, typer.Option(help="billed_cost (BilledCost) or cost (EffectiveCost).")
        ] = "billed_cost",
        daily: Annotated[
            bool, typer.Option("--daily", help="Show every provider/model/day row, not the summary.")
        ] = False,
        as_of: AsOfOption = None,
        db: DbOption = None,
        as_json: JsonOption = False,
        as_csv: CsvOption = False,
        chart: ChartOption = None,
    ) -> None:
        """Telemetry-estimated cost against billed cost per provider, model and day, with the drift in dollars
        and percent (positive: telemetry over-estimates)."""
        from spendscope.render import print_csv
        from spendscope.tools.costs.reconcile import ReconcileInput, reconcile

        result = reconcile(
            open_store(db),
            _build(
                ReconcileInput,
                period=period,
                start=start,
                end=end,
                as_of=as_of,
                provider=provider,
                model=model,
                grain=grain,
                measure=measure,
            ),
        )
        if _emit(result, chart, as_json):
            return
        fields = [
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
        if as_csv:
            print_csv(["date", *fields], [[r.date, *(getattr(r, f) for f in fields)] for r in result.rows])
            return
        rows = result.rows if daily else result.summary
        cells = [
            ([str(r.date)] if daily else [])
            + [
                r.provider_name,
                _none(r.model),
                _money(r.estimated_cost),
                _money(r.catalog_cost),
                _money(r.reported_cost) if r.reported_events else "",
                _money(r.billed_cost),
                _money(r.drift),
                _pct(r.drift_pct, True),
                _num(r.events),
                r.status.replace("_", " ") + (" (committed)" if r.committed else ""),
            ]
            for r in rows
        ]
        lead = 1 if daily else 0
        cells.append(
            [""] * lead
            + [
                "total (comparable)",
                "",
                _money(result.estimated_total),
                _money(result.catalog_total),
                _money(result.reported_total) if result.reported_total else "",
                _money(result.billed_total),
                _money(result.drift),
                _pct(result.drift_pct, True),
                "",
                "",
            ]
        )
        _table(
            f"Estimated vs billed ({result.measure}), {result.period_label}",
            (["date"] if daily else [])
            + [
                "provider",
                "model",
                "estimated",
                "catalog",
                "reported",
                "billed",
                "drift",
                "drift %",
                "events",
                "status",
            ],
            cells,
            {lead + 2, lead + 3, lead + 4, lead + 5, lead + 6, lead + 7, lead + 8},
        )
        if result.uncovered:
            _table(
                "AI spend with no telemetry at all",
                ["provider", "billed"],
                [[u.provider_name, _money(u.billed_cost)] for u in result.uncovered],
                {1},
            )
        _say(result.notes)

    @app.command("gpu")
    def gpu_cmd(
        period: PeriodOption = None,
        start: StartOption = None,
        end: EndOption = None,
        idle_threshold: Annotated[
            float, typer.Option("--idle-threshold", help="Idle below this mean GPU utilisation, percent.")
        ] = 10.0,
        team_tag: Annotated[str, typer.Option("--team-tag", help="Tag naming the owning team.")] = "team",
        as_of: AsOfOption = None,
        db: DbOption = None,
        as_json: JsonOption = False,
        as_csv: CsvOption = False,
        chart: ChartOption = None,
    ) -> None:
        """GPU utilisation: idle GPU-hours and idle cost per instance, team and month."""
        from spendscope.render import print_csv
        from spendscope.tools.optimize.gpu import GpuInput, gpu_utilization

        result = gpu_utilization(
            open_store(db),
            _build(
                GpuInput,
                period=period,
                start=start,
                end=end,
                as_of=as_of,
                idle_threshold_pct=idle_threshold,
                team_tag=team_tag,
            ),
        )
        if _emit(result, chart, as_json):
            return
        fields = [
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
        ]
        if as_csv:
            print_csv(
                ["month", "instance_id", "instance_name", "instance_type", "gpus", "team", *fields],
                [
                    [
                        x.month,
                        x.instance_id,
                        x.instance_name,
                        x.instance_type,
                        x.gpus,
                        x.team,
                        *(getattr(x, f) for f in fields),
                    ]
                    for x in result.instances
                ],
            )
            return

        def usage(x: Any) -> list[str]:
            return [
                _money(x.cost),
                _num(x.billed_hours),
                _num(x.monitored_hours),
                _pct(x.avg_utilization_pct),
                _num(x.idle_gpu_hours),
                _money(x.idle_cost),
                _pct(x.idle_cost_pct),
            ]

        head = ["cost", "hours", "monitored h", "mean util", "idle GPU-h", "idle cost", "idle share"]
        _table(
            f"GPU instances, {result.period_label} (idle < {result.idle_threshold_pct:g}% utilisation)",
            ["month", "instance", "type", "GPUs", "team", *head],
            [
                [
                    x.month,
                    x.instance_name or x.instance_id,
                    x.instance_type or "",
                    _num(x.gpus),
                    _none(x.team),
                    *usage(x),
                ]
                for x in result.instances
            ],
            set(range(3, 12)) - {4},
        )
        _table(
            "by team",
            ["team", *head],
            [[_none(g.key), *usage(g)] for g in result.by_team] + [["total", *usage(result.total)]],
            set(range(1, 8)),
        )
        _say(result.assumptions)

    @app.command("commitments")
    def commitments_cmd(
        period: PeriodOption = None,
        start: StartOption = None,
        end: EndOption = None,
        commitment: Annotated[str | None, typer.Option(help="Only this commitment (id or name).")] = None,
        as_of: AsOfOption = None,
        db: DbOption = None,
        as_json: JsonOption = False,
        as_csv: CsvOption = False,
        chart: ChartOption = None,
    ) -> None:
        """Commitments (PTU, provisioned throughput, reservations): utilisation and unused cost per month, and
        the break-even utilisation against pay-as-you-go."""
        from spendscope.render import print_csv
        from spendscope.tools.optimize.commitments import CommitmentsInput, commitments

        result = commitments(
            open_store(db),
            _build(CommitmentsInput, period=period, start=start, end=end, as_of=as_of, commitment=commitment),
        )
        if _emit(result, chart, as_json):
            return
        fields = [
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
        if as_csv:
            print_csv(
                ["commitment_id", "commitment_name", "month", *fields],
                [
                    [r.commitment_id, r.commitment_name, r.month, *(getattr(r, f) for f in fields)]
                    for r in result.rows
                ],
            )
            return

        def figs(x: Any) -> list[str]:
            return [
                _money(x.commitment_cost),
                _money(x.used_cost),
                _money(x.unused_cost),
                _pct(x.utilization_pct),
                _money(x.payg_cost_of_used),
                _pct(x.break_even_utilization_pct),
                _money(x.net_saving),
            ]

        head = ["cost", "used", "unused", "utilisation", "pay-as-you-go", "break-even", "net saving"]
        _table(
            f"Commitments, {result.period_label}",
            ["commitment", "month", *head, "verdict"],
            [[r.commitment_name or r.commitment_id, r.month, *figs(r), r.verdict] for r in result.rows]
            + [
                [f"{t.commitment_name or t.commitment_id} (all)", f"{t.months} months", *figs(t), t.verdict]
                for t in result.commitments
                if t.months > 1
            ],
            set(range(2, 9)),
        )
        _say([f"unused commitment cost: {_money(result.total_unused_cost)}", *result.assumptions])

    @app.command("savings")
    def savings_cmd(
        period: PeriodOption = None,
        start: StartOption = None,
        end: EndOption = None,
        kind: Annotated[
            list[str] | None,
            typer.Option(
                "--kind",
                "-k",
                help="Only these kinds (repeatable): "
                "cheaper_model, prompt_caching, batch, idle_gpu, commitment, untagged.",
            ),
        ] = None,
        min_saving: Annotated[
            float, typer.Option("--min-saving", help="Hide savings below this per month.")
        ] = 10.0,
        idle_threshold: Annotated[
            float, typer.Option("--idle-threshold", help="GPU idle threshold, percent.")
        ] = 10.0,
        top: Annotated[int, typer.Option("--top", "-n", help="Recommendations to show.")] = 20,
        as_of: AsOfOption = None,
        db: DbOption = None,
        as_json: JsonOption = False,
        as_csv: CsvOption = False,
        chart: ChartOption = None,
    ) -> None:
        """Savings recommendations with estimated monthly saving and evidence (default window: the last 30 days
        of data): cheaper models, prompt caching, batch, idle GPUs, under-used commitments, untagged spend."""
        from spendscope.data.prices import PriceCatalog
        from spendscope.options import settings
        from spendscope.render import print_csv
        from spendscope.tools.optimize.savings import SavingsInput, savings

        params = _build(
            SavingsInput,
            period=period,
            start=start,
            end=end,
            as_of=as_of,
            kinds=_split(kind),
            min_monthly_saving=min_saving,
            idle_threshold_pct=idle_threshold,
            top=top,
        )
        result = savings(open_store(db), params, PriceCatalog.load(settings(db).prices_file))
        if _emit(result, chart, as_json):
            return
        if as_csv:
            print_csv(
                ["kind", "title", "monthly_saving", "monthly_cost", "confidence", "action", "evidence"],
                [
                    [
                        r.kind,
                        r.title,
                        r.monthly_saving,
                        r.monthly_cost,
                        r.confidence,
                        r.action,
                        " | ".join(r.evidence),
                    ]
                    for r in result.recommendations
                ],
            )
            return
        _table(
            f"Savings, per month (from {result.period_label})",
            ["#", "kind", "recommendation", "saving/month", "spend/month", "confidence"],
            [
                [
                    str(i),
                    r.kind.replace("_", " "),
                    r.title,
                    _money(r.monthly_saving) or "-",
                    _money(r.monthly_cost),
                    r.confidence,
                ]
                for i, r in enumerate(result.recommendations, 1)
            ],
            {0, 3, 4},
        )
        for i, r in enumerate(result.recommendations, 1):
            _say([f"{i}. {r.title}: {r.action}"], style="bold")
            _say([f"   - {e}" for e in r.evidence], style="")
        _say([f"total: {_money(result.total_monthly_saving)} per month (upper bound)", *result.assumptions])
