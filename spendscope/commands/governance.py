"""Governance commands: `budgets`, `forecast`, `anomalies`. They translate flags into the typed inputs of
tools.governance.budgets, tools.governance.forecast and tools.governance.anomalies and render the results; no FinOps logic here."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any

import typer

from spendscope.options import ChartOption, DbOption, JsonOption, open_store

FilterOption = Annotated[
    list[str] | None,
    typer.Option(
        "--filter",
        "-f",
        help="Scope filter, repeatable: team=search, provider=OpenAI,Anthropic (in), "
        "model!=gpt-4o (not), model^=claude (prefix), feature~=chat (contains).",
    ),
]
AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", help="Treat this day (YYYY-MM-DD) as today: only earlier data counts."),
]
ReasonOption = Annotated[str | None, typer.Option(help="Why (kept with the feedback).")]
ByOption = Annotated[str | None, typer.Option("--by", help="Who gives the feedback.")]
IdArg = Annotated[str, typer.Argument(help="Anomaly id.")]
_FILTER = re.compile(r"^\s*([A-Za-z_][\w:.-]*)\s*(!=|\^=|~=|=)\s*(.*)$")
_OPS = {"=": "eq", "!=": "not", "^=": "prefix", "~=": "contains"}


def parse_filters(texts: list[str] | None) -> list[Any]:
    """`dim=value[,value...]`, `dim!=value`, `dim^=prefix`, `dim~=text` -> tools.costs.breakdown.Filter."""
    from spendscope.data.errors import InvalidArgument
    from spendscope.tools.costs.breakdown import Filter

    out = []
    for text in texts or []:
        m = _FILTER.match(text)
        if not m or not m.group(3).strip():
            raise InvalidArgument(
                f"--filter {text!r}: write DIMENSION=VALUE (also !=, ^= for prefix, ~= for "
                "contains; several values separated by commas)",
                argument="filter",
            )
        values = [v.strip() for v in m.group(3).split(",") if v.strip()]
        op = _OPS[m.group(2)]
        if len(values) > 1 and op in ("eq", "not"):
            op = "in" if op == "eq" else "not_in"
        out.append(Filter(dimension=m.group(1), op=op, values=values))
    return out


def _date(text: str | None, flag: str) -> dt.date | None:
    from spendscope.data.errors import InvalidPeriod

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidPeriod(
            f"{flag} {text!r} is not a date; use YYYY-MM-DD", argument=flag, value=text
        ) from None


def build(model: type, /, **kwargs: Any) -> Any:
    """Construct a tool input, turning validation errors into one readable InvalidArgument."""
    from pydantic import ValidationError

    from spendscope.data.errors import InvalidArgument

    try:
        return model(**{k: v for k, v in kwargs.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "--" + str(first["loc"][0]).replace("_", "-") if first.get("loc") else "argument"
        raise InvalidArgument(f"{where}: {first['msg']}", argument=where) from None


def _money(v: float | None) -> str:
    return "" if v is None else f"{'-' if v < 0 else ''}${abs(v):,.2f}"


def _pct(v: float | None, signed: bool = False) -> str:
    return "" if v is None else (f"{v:+.1f}%" if signed else f"{v:.1f}%")


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    budgets_app = typer.Typer(
        help="Budgets per scope and period: status, burn rate, projection and alerts.", no_args_is_help=True
    )
    anomalies_app = typer.Typer(
        help="Unusual daily spend per provider, service, model, team, feature and "
        "customer; root cause and feedback.",
        no_args_is_help=True,
    )
    app.add_typer(budgets_app, name="budgets")
    app.add_typer(anomalies_app, name="anomalies")

    # --------------------------------------------------------------------------------------- budgets

    @budgets_app.command("set")
    def budgets_set(
        name: Annotated[
            str, typer.Argument(help="Budget name, e.g. 'search team'. An existing one is updated.")
        ],
        amount: Annotated[float, typer.Option(help="Amount per period, in the billing currency.")],
        period: Annotated[str, typer.Option(help="monthly, quarterly, annual or custom.")] = "monthly",
        filters: FilterOption = None,
        measure: Annotated[
            str, typer.Option(help="cost (EffectiveCost), billed_cost or list_cost.")
        ] = "cost",
        start: Annotated[
            str | None,
            typer.Option(help="custom: first day; recurring: first day of the first period (fiscal anchor)."),
        ] = None,
        end: Annotated[str | None, typer.Option(help="custom: last day (inclusive).")] = None,
        thresholds: Annotated[
            str, typer.Option(help="Alert thresholds, percent of the amount.")
        ] = "50,80,100",
        forecast_alert: Annotated[
            bool,
            typer.Option("--forecast-alert/--no-forecast-alert", help="Alert when the forecast goes over."),
        ] = True,
        owner: Annotated[str | None, typer.Option(help="Who answers for it (person, team, channel).")] = None,
        allow_new_values: Annotated[
            bool, typer.Option("--allow-new-values", help="Accept filter values the store has not seen.")
        ] = False,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Create or update a budget for a scope."""
        from decimal import Decimal, InvalidOperation

        from spendscope.data.errors import InvalidArgument
        from spendscope.render import console, print_json
        from spendscope.tools.governance.budgets import BudgetInput, set_budget

        try:
            marks = [float(t) for t in thresholds.split(",") if t.strip()]
        except ValueError:
            raise InvalidArgument(
                f"--thresholds {thresholds!r}: give percentages like 50,80,100", argument="thresholds"
            ) from None
        try:
            money = Decimal(str(amount))
        except InvalidOperation:
            raise InvalidArgument(f"--amount {amount!r} is not a number", argument="amount") from None
        params = build(
            BudgetInput,
            name=name,
            amount=money,
            period=period.strip().lower(),
            filters=parse_filters(filters),
            measure=measure,
            start=_date(start, "--start"),
            end=_date(end, "--end"),
            thresholds=marks,
            forecast_alert=forecast_alert,
            owner=owner,
            allow_unknown_values=allow_new_values,
        )
        saved = set_budget(open_store(db), params)
        if as_json:
            print_json(saved)
            return
        b = saved.budget
        console.print(
            f"{'created' if saved.created else 'updated'} budget {b.name!r} ({b.budget_id}): "
            f"{_money(b.amount)} {b.period} for {b.scope}; alerts at "
            f"{', '.join(f'{t:g}%' for t in b.thresholds)}"
            + (" and when the forecast goes over" if b.forecast_alert else ""),
            markup=False,
            highlight=False,
        )

    @budgets_app.command("list")
    def budgets_list(db: DbOption = None, as_json: JsonOption = False) -> None:
        """List budgets."""
        from spendscope.render import print_json
        from spendscope.tools.governance.budgets import list_budgets

        result = list_budgets(open_store(db))
        if as_json:
            print_json(result)
            return
        rows = [
            (
                f"{b.name}\n{b.budget_id}",
                b.scope,
                b.period if b.period != "custom" else f"{b.start_date}..{b.end_date}",
                _money(b.amount),
                ", ".join(f"{t:g}%" for t in b.thresholds) + (" + forecast" if b.forecast_alert else ""),
                b.owner or "",
            )
            for b in result.budgets
        ]
        _table(["budget / id", "scope", "period", "amount", "alerts", "owner"], rows, "Budgets", right={3})

    @budgets_app.command("status")
    def budgets_status(
        name: Annotated[str | None, typer.Argument(help="One budget (name or id); default all.")] = None,
        as_of: AsOfOption = None,
        level: Annotated[float, typer.Option(help="Interval level of the projection, percent.")] = 90.0,
        db: DbOption = None,
        as_json: JsonOption = False,
        chart: ChartOption = None,
    ) -> None:
        """Spent, burn rate, projected period end and alerts for each budget."""
        from spendscope.charts import write_chart_for
        from spendscope.render import console, print_json
        from spendscope.tools.governance.budgets import BudgetStatusInput, budget_status

        result = budget_status(
            open_store(db), build(BudgetStatusInput, name=name, as_of=_date(as_of, "--as-of"), level=level)
        )
        if as_json:
            print_json(result)
        else:
            rows = [
                (
                    f"{s.budget.name}\n{s.budget.scope}",
                    s.period_label,
                    _money(s.budget.amount),
                    f"{_money(s.spent)}\n{_pct(s.used_pct)}",
                    f"{_money(s.projected)}\n{_pct(s.projected_pct)}",
                    "" if s.exceed_probability_pct is None else f"{s.exceed_probability_pct:.0f}%",
                    s.status.replace("_", " "),
                )
                for s in result.budgets
            ]
            _table(
                ["budget / scope", "period", "amount", "spent", "projected", "P(over)", "status"],
                rows,
                f"Budgets as of {result.as_of}",
                right={2, 3, 4, 5},
            )
            for s in result.budgets:
                for a in s.alerts:
                    if a.triggered:
                        console.print(
                            f"  alert ({a.kind} {a.threshold_pct:g}%): {a.message}",
                            markup=False,
                            highlight=False,
                            soft_wrap=True,
                        )
                for n in s.notes:
                    console.print(
                        f"  note ({s.budget.name}): {n}", markup=False, highlight=False, soft_wrap=True
                    )
        write_chart_for(result, chart)

    @budgets_app.command("remove")
    def budgets_remove(
        name: Annotated[str, typer.Argument(help="Budget name or id.")],
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Delete a budget."""
        from spendscope.render import console, print_json
        from spendscope.tools.governance.budgets import BudgetNameInput, remove_budget

        removed = remove_budget(open_store(db), BudgetNameInput(name=name))
        if as_json:
            print_json(removed)
        else:
            console.print(
                f"removed budget {removed.name!r} ({removed.budget_id})", markup=False, highlight=False
            )

    @budgets_app.command("check")
    def budgets_check(as_of: AsOfOption = None, db: DbOption = None, as_json: JsonOption = False) -> None:
        """Raise the alerts not raised before (for a scheduled job); each fires once per period."""
        from spendscope.render import console, print_json
        from spendscope.tools.governance.budgets import CheckBudgetsInput, check_budgets

        result = check_budgets(open_store(db), CheckBudgetsInput(as_of=_date(as_of, "--as-of")))
        if as_json:
            print_json(result)
            return
        if not result.new_alerts:
            console.print(f"no new budget alerts ({result.checked} budgets checked as of {result.as_of})")
        for a in result.new_alerts:
            console.print(
                f"{a.kind} {a.threshold_pct:g}%: {a.message}", markup=False, highlight=False, soft_wrap=True
            )

    # -------------------------------------------------------------------------------------- forecast

    @app.command("forecast")
    def forecast_cmd(
        filters: FilterOption = None,
        horizon: Annotated[int, typer.Option(help="Days to forecast.")] = 30,
        history: Annotated[int, typer.Option(help="Days of history to fit on.")] = 182,
        as_of: AsOfOption = None,
        level: Annotated[float, typer.Option(help="Prediction interval level, percent.")] = 90.0,
        method: Annotated[str, typer.Option(help="auto, ets, sarima or seasonal_naive.")] = "auto",
        backtest_days: Annotated[int | None, typer.Option(help="Backtest holdout days (default 28).")] = None,
        measure: Annotated[
            str, typer.Option(help="cost (EffectiveCost), billed_cost, list_cost, ...")
        ] = "cost",
        db: DbOption = None,
        as_json: JsonOption = False,
        chart: ChartOption = None,
    ) -> None:
        """Forecast daily spend for a scope, with prediction intervals and a backtest against seasonal naive."""
        from spendscope.charts import write_chart_for
        from spendscope.render import console, output, print_json
        from spendscope.tools.governance.forecast import ForecastInput, forecast

        params = build(
            ForecastInput,
            filters=parse_filters(filters),
            horizon=horizon,
            history_days=history,
            as_of=_date(as_of, "--as-of"),
            level=level,
            method=method.strip().lower(),
            backtest_days=backtest_days,
            measure=measure,
        )
        r = forecast(open_store(db), params)
        if as_json:
            print_json(r)
        else:
            say = lambda text: console.print(text, markup=False, highlight=False, soft_wrap=True)  # noqa: E731
            say(f"Forecast of {r.measure} for {r.scope}, {r.start} to {r.end} ({len(r.points)} days)")
            say(
                f"  total {_money(r.total)} ({r.level:g}% interval {_money(r.total_lower)} to "
                f"{_money(r.total_upper)}); last 30 days actual {_money(r.history_total_last_30d)}"
            )
            say(
                f"  model {r.model}, fitted on {r.history_start} to {r.history_end}"
                + (
                    f"; outlier days replaced: {', '.join(str(d) for d in r.outliers_replaced)}"
                    if r.outliers_replaced
                    else ""
                )
            )
            if r.backtest:
                b = r.backtest
                output(
                    ["backtest", "mape_pct", "mase", "total_error_pct"],
                    [
                        (b.model, b.model_mape_pct, b.model_mase, b.model_total_error_pct),
                        ("seasonal naive", b.naive_mape_pct, b.naive_mase, b.naive_total_error_pct),
                    ],
                    title=f"Backtest on {b.holdout_start} to {b.holdout_end} ({b.days} days); interval "
                    f"coverage {b.interval_coverage_pct:.0f}%; better: {b.better.replace('_', ' ')}",
                )
            if r.month_end:
                m = r.month_end
                say(
                    f"  {m.month} lands at {_money(m.landing)} ({m.level:g}% interval {_money(m.lower)} to "
                    f"{_money(m.upper)}): {_money(m.month_to_date)} to date + {_money(m.forecast_rest)} forecast"
                )
            for n in r.notes:
                say(f"  note: {n}")
            output(
                ["day", "forecast_cost", "lower_cost", "upper_cost"],
                [(p.day, p.value, p.lower, p.upper) for p in r.points],
                title="Daily forecast",
            )
        write_chart_for(r, chart)

    # ------------------------------------------------------------------------------------- anomalies

    @anomalies_app.command("detect")
    def anomalies_detect(
        days: Annotated[int, typer.Option(help="Report anomalies touching the last N days of data.")] = 14,
        dimensions: Annotated[
            list[str] | None,
            typer.Option(
                "--dimension",
                "-d",
                help="Series to scan, "
                "repeatable (default provider, service, model, team, feature, customer).",
            ),
        ] = None,
        filters: FilterOption = None,
        as_of: AsOfOption = None,
        min_impact: Annotated[
            float | None,
            typer.Option(
                help="Minimum dollar deviation of a day (default 1% of a typical day, at least $25)."
            ),
        ] = None,
        min_relative: Annotated[
            float | None, typer.Option(help="Minimum deviation of a day, percent (default 20).")
        ] = None,
        z: Annotated[float | None, typer.Option(help="Minimum robust z-score (default 4).")] = None,
        holidays: Annotated[
            str | None,
            typer.Option(
                help="Holiday calendar: US, US-CA, DE-BY, GB, ... or none (default: billing currency)."
            ),
        ] = None,
        direction: Annotated[str, typer.Option(help="both, spike or drop.")] = "both",
        measure: Annotated[str, typer.Option(help="cost (EffectiveCost), billed_cost, ...")] = "cost",
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Detect without storing.")] = False,
        root_cause: Annotated[
            bool, typer.Option("--root-cause/--no-root-cause", help="Work out root causes.")
        ] = True,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Scan daily spend for anomalies and store them (status open)."""
        from spendscope.render import console, print_json
        from spendscope.tools.governance.anomalies import DetectInput, detect_anomalies

        params = build(
            DetectInput,
            days=days,
            dimensions=dimensions or None,
            filters=parse_filters(filters),
            as_of=_date(as_of, "--as-of"),
            min_impact=min_impact,
            min_relative_pct=min_relative,
            z=z,
            direction=direction.strip().lower(),
            measure=measure,
            dry_run=dry_run,
            root_cause=root_cause,
            holidays=holidays,
        )
        r = detect_anomalies(open_store(db), params)
        if as_json:
            print_json(r)
            return
        _anomaly_table(r.anomalies, f"Anomalies {r.window_start} to {r.data_through}", show_new=True)
        console.print(
            f"{len(r.anomalies)} anomalies ({r.new} new, {r.suppressed} suppressed by feedback) in "
            f"{r.series_scanned} series of {', '.join(r.dimensions)}"
            + ("; not stored (dry run)" if dry_run else ""),
            markup=False,
            highlight=False,
        )
        for dim, why in r.skipped_dimensions.items():
            console.print(f"  skipped {dim}: {why}", markup=False, highlight=False)
        for note in r.notes:
            console.print(f"  note: {note}", markup=False, highlight=False, soft_wrap=True)

    @anomalies_app.command("list")
    def anomalies_list(
        status: Annotated[
            list[str] | None,
            typer.Option(
                "--status", help="open, acknowledged, expected, resolved (repeatable; default all)."
            ),
        ] = None,
        dimension: Annotated[str | None, typer.Option(help="Only this series dimension.")] = None,
        value: Annotated[str | None, typer.Option(help="Only this series value.")] = None,
        since: Annotated[str | None, typer.Option(help="Anomalies ending on or after this day.")] = None,
        severity: Annotated[
            str | None, typer.Option(help="At least this severe: low, medium, high, critical.")
        ] = None,
        limit: Annotated[int, typer.Option(help="Maximum anomalies shown.")] = 100,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """List stored anomalies, newest first."""
        from spendscope.render import console, print_json
        from spendscope.tools.governance.anomalies import ListAnomaliesInput, list_anomalies

        params = build(
            ListAnomaliesInput,
            status=[s.strip().lower() for s in status] if status else None,
            dimension=dimension,
            value=value,
            since=_date(since, "--since"),
            severity=severity.strip().lower() if severity else None,
            limit=limit,
        )
        r = list_anomalies(open_store(db), params)
        if as_json:
            print_json(r)
            return
        _anomaly_table(r.anomalies, "Anomalies")
        if r.total > len(r.anomalies):
            console.print(f"({len(r.anomalies)} of {r.total} shown; raise --limit for more)")

    @anomalies_app.command("show")
    def anomalies_show(
        anomaly_id: Annotated[str, typer.Argument(help="Anomaly id, e.g. an-3f2a9c1b.")],
        db: DbOption = None,
        as_json: JsonOption = False,
        chart: ChartOption = None,
    ) -> None:
        """One anomaly: expected vs actual, root cause, feedback history."""
        from spendscope.charts import write_chart_for
        from spendscope.render import console, output, print_json
        from spendscope.tools.governance.anomalies import AnomalyIdInput, get_anomaly

        d = get_anomaly(open_store(db), AnomalyIdInput(anomaly_id=anomaly_id))
        if as_json:
            print_json(d)
        else:
            a = d.anomaly
            say = lambda text: console.print(text, markup=False, highlight=False, soft_wrap=True)  # noqa: E731
            say(f"{a.anomaly_id}  {a.severity} {a.direction}  {a.dimension} = {a.value}  [{a.status}]")
            say(f"  {a.explanation}")
            say(
                f"  days {a.start_day} to {a.end_day} ({a.days} unusual), peak {a.peak_day} "
                f"({_money(a.peak_impact)}, z {a.score:+.1f}); source {a.source}, measure {a.measure}"
            )
            if a.group_id and a.group_id != a.anomaly_id:
                say(f"  same event as {a.group_id}")
            if a.status_reason:
                say(f"  status: {a.status_reason}")
            if a.root_cause:
                shown: dict[str, int] = {}
                rows = []
                for x in a.root_cause:  # the two largest movers of each dimension
                    shown[x.dimension] = shown.get(x.dimension, 0) + 1
                    if shown[x.dimension] <= 2:
                        rows.append(
                            (
                                x.dimension,
                                x.value,
                                x.source,
                                _money(x.actual),
                                _money(x.expected),
                                _money(x.impact),
                                _pct(x.share_pct),
                                _pct(x.usual_share_pct),
                            )
                        )
                output(
                    [
                        "dimension",
                        "value",
                        "source",
                        "actual",
                        "expected",
                        "impact",
                        "share of change",
                        "usual share",
                    ],
                    rows,
                    title="Root cause",
                )
            if d.feedback:
                output(
                    ["when", "action", "status", "reason", "by", "pattern", "until"],
                    [
                        (
                            f.created_at,
                            f.action,
                            f.status,
                            f.reason or "",
                            f.actor or "",
                            f.pattern or "",
                            f.valid_until,
                        )
                        for f in d.feedback
                    ],
                    title="Feedback",
                )
        write_chart_for(d, chart)

    def _feedback(
        anomaly_id: str,
        action: str,
        reason: str | None,
        by: str | None,
        db: Path | None,
        as_json: bool,
        pattern: str | None = None,
        until: str | None = None,
    ) -> None:
        from spendscope.render import console, print_json
        from spendscope.tools.governance.anomalies import UpdateAnomalyInput, update_anomaly

        params = build(
            UpdateAnomalyInput,
            anomaly_id=anomaly_id,
            action=action,
            reason=reason,
            actor=by,
            pattern=pattern.strip().lower() if pattern else None,
            until=_date(until, "--until"),
        )
        a = update_anomaly(open_store(db), params)
        if as_json:
            print_json(a)
        else:
            console.print(
                f"{a.anomaly_id} is now {a.status}: {a.status_reason}", markup=False, highlight=False
            )

    @anomalies_app.command("ack")
    def anomalies_ack(
        anomaly_id: IdArg,
        reason: ReasonOption = None,
        by: ByOption = None,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Acknowledge an anomaly (someone is on it)."""
        _feedback(anomaly_id, "acknowledge", reason, by, db, as_json)

    @anomalies_app.command("resolve")
    def anomalies_resolve(
        anomaly_id: IdArg,
        reason: ReasonOption = None,
        by: ByOption = None,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Resolve an anomaly (fixed, or no action needed)."""
        _feedback(anomaly_id, "resolve", reason, by, db, as_json)

    @anomalies_app.command("reopen")
    def anomalies_reopen(
        anomaly_id: IdArg,
        reason: ReasonOption = None,
        by: ByOption = None,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Reopen an anomaly; its labels stop suppressing later anomalies."""
        _feedback(anomaly_id, "reopen", reason, by, db, as_json)

    @anomalies_app.command("label")
    def anomalies_label(
        anomaly_id: IdArg,
        label: Annotated[
            str,
            typer.Argument(help="expected (known cause), noise (false alarm) or confirmed (a real problem)."),
        ],
        reason: ReasonOption = None,
        pattern: Annotated[
            str | None,
            typer.Option(
                help="expected/noise: what later anomalies to suppress: "
                "similar (default), once, weekly, monthly."
            ),
        ] = None,
        until: Annotated[
            str | None, typer.Option(help="expected/noise: suppress nothing after this day.")
        ] = None,
        by: ByOption = None,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Label an anomaly; expected and noise labels suppress the same pattern from now on."""
        from spendscope.data.errors import InvalidArgument

        label = label.strip().lower()
        if label not in ("expected", "noise", "confirmed"):
            raise InvalidArgument(f"label {label!r}: use expected, noise or confirmed", argument="label")
        _feedback(anomaly_id, label, reason, by, db, as_json, pattern, until)


def _table(columns: list[str], rows: list[tuple], title: str, right: set[int] | None = None) -> None:
    """A compact table of pre-formatted cells (two-line cells keep it inside 80 columns)."""
    from rich import box
    from rich.table import Table

    from spendscope.render import console

    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, header_style="bold")
    for i, c in enumerate(columns):
        if right and i in right:  # numbers: never cut
            width = max([len(line) for r in rows for line in str(r[i]).splitlines()] + [len(c)])
            table.add_column(c, justify="right", no_wrap=True, min_width=width)
        else:
            table.add_column(c, overflow="fold")
    for r in rows:
        table.add_row(*[str(v) for v in r])
    console.print(table)


def _anomaly_table(anomalies: list[Any], title: str, show_new: bool = False) -> None:
    """One line per anomaly, ids never cut (they are typed back into `show`, `ack`, `label`); `show` and --json
    have actual and expected and every other field."""
    from rich import box
    from rich.table import Table

    from spendscope.render import console

    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, header_style="bold")
    table.add_column("id", no_wrap=True, min_width=11)
    table.add_column("sev", no_wrap=True, min_width=4)
    table.add_column("series", overflow="fold", min_width=12)
    table.add_column("days", overflow="fold", min_width=5)
    for name in ("impact", "change"):
        table.add_column(name, justify="right", no_wrap=True, min_width=7)
    table.add_column("status", overflow="fold", min_width=6)
    for a in anomalies:
        when = f"{a.start_day:%m-%d}" + ("" if a.start_day == a.end_day else f"..{a.end_day:%m-%d}")
        status = a.status + ("*" if show_new and a.new else "")
        if a.group_id and a.group_id != a.anomaly_id:
            status += f" ~{a.group_id}"
        table.add_row(
            a.anomaly_id,
            a.severity[:4],
            f"{a.dimension}={a.value}",
            when,
            _money(a.impact),
            _pct(a.relative_pct, signed=True),
            status,
        )
    console.print(table)
    notes = ["* new in this run"] if show_new else []
    if any(a.group_id and a.group_id != a.anomaly_id for a in anomalies):
        notes.append("~id: the same event as that anomaly")
    if notes:
        console.print("  " + "; ".join(notes), markup=False, highlight=False)
