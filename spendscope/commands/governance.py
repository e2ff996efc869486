"""Governance commands: `budgets set|list|status|remove|check`, `forecast`, `anomalies
detect|list|show|ack|resolve|reopen|label`. Each is one registry operation (spendscope.opcommands builds its
options from the input model); this module holds only how each result reads. No FinOps logic here."""

from __future__ import annotations

from typing import Any

import typer

from spendscope.opcommands import Command, Opt, register_specs
from spendscope.render import Col, cell, say, table

FILTER = Opt(
    ("--filter", "-f"),
    help="Scope filter, repeatable: team=search, provider=OpenAI,Anthropic (in), model!=gpt-4o (not), "
    "model^=claude (prefix), feature~=chat (contains)",
)
ANOMALY_ID = Opt(argument="ANOMALY_ID", help="Anomaly id, e.g. an-3f2a9c1b")
BY_ACTOR = Opt(("--by",), help="Who gives the feedback")


# -------------------------------------------------------------------------------------------------- budgets


def _alerts(b: Any) -> str:
    return ", ".join(f"{t:g}%" for t in b.thresholds) + (" + forecast" if b.forecast_alert else "")


def show_saved(r: Any, _: dict[str, Any]) -> None:
    b = r.budget
    say(
        f"{'created' if r.created else 'updated'} budget {b.name!r} ({b.budget_id}): {cell(b.amount, 'money')} "
        f"{b.period} for {b.scope}; alerts at {', '.join(f'{t:g}%' for t in b.thresholds)}"
        + (" and when the forecast goes over" if b.forecast_alert else "")
    )


def show_budgets(r: Any, _: dict[str, Any]) -> None:
    table(
        "Budgets",
        ["budget / id", "scope", "period", Col("amount", "money"), "alerts", "owner"],
        [
            [
                f"{b.name}\n{b.budget_id}",
                b.scope,
                b.period if b.period != "custom" else f"{b.start_date}..{b.end_date}",
                b.amount,
                _alerts(b),
                b.owner or "",
            ]
            for b in r.budgets
        ],
    )
    if r.note:
        say(f"note: {r.note}")


def show_status(r: Any, _: dict[str, Any]) -> None:
    table(
        f"Budgets as of {r.as_of}",
        [
            "budget / scope",
            "period",
            Col("amount", "money"),
            Col("spent", "money"),
            Col("projected", "money"),
            Col("P(over)", "pct"),
            "status",
        ],
        [
            [
                f"{s.budget.name}\n{s.budget.scope}",
                s.period_label,
                s.budget.amount,
                f"{cell(s.spent, 'money')}\n{cell(s.used_pct, 'pct')}",
                f"{cell(s.projected, 'money')}\n{cell(s.projected_pct, 'pct')}",
                "" if s.exceed_probability_pct is None else f"{s.exceed_probability_pct:.0f}%",
                s.status.replace("_", " "),
            ]
            for s in r.budgets
        ],
    )
    for s in r.budgets:
        say(*(f"  alert ({a.kind} {a.threshold_pct:g}%): {a.message}" for a in s.alerts if a.triggered))
        say(*(f"  note ({s.budget.name}): {n}" for n in s.notes))
    if r.note:
        say(f"note: {r.note}")


def show_removed(r: Any, _: dict[str, Any]) -> None:
    say(f"removed budget {r.name!r} ({r.budget_id})")


def show_checked(r: Any, _: dict[str, Any]) -> None:
    if not r.new_alerts:
        say(f"no new budget alerts ({r.checked} budgets checked as of {r.as_of})")
    say(*(f"{a.kind} {a.threshold_pct:g}%: {a.message}" for a in r.new_alerts))


# -------------------------------------------------------------------------------------------------- forecast


def show_forecast(r: Any, _: dict[str, Any]) -> None:
    say(f"Forecast of {r.measure} for {r.scope}, {r.start} to {r.end} ({len(r.points)} days)")
    say(
        f"  total {cell(r.total, 'money')} ({r.level:g}% interval {cell(r.total_lower, 'money')} to "
        f"{cell(r.total_upper, 'money')}); last 30 days actual {cell(r.history_total_last_30d, 'money')}"
    )
    replaced = ", ".join(str(d) for d in r.outliers_replaced)
    say(
        f"  model {r.model}, fitted on {r.history_start} to {r.history_end}"
        + (f"; outlier days replaced: {replaced}" if replaced else "")
    )
    if r.backtest:
        b = r.backtest
        table(
            f"Backtest on {b.holdout_start} to {b.holdout_end} ({b.days} days); interval coverage "
            f"{b.interval_coverage_pct:.0f}%; better: {b.better.replace('_', ' ')}",
            ["backtest", Col("MAPE", "pct"), Col("MASE", "number"), Col("total error", "pct")],
            [
                [b.model, b.model_mape_pct, b.model_mase, b.model_total_error_pct],
                ["seasonal naive", b.naive_mape_pct, b.naive_mase, b.naive_total_error_pct],
            ],
        )
    if r.month_end:
        m = r.month_end
        say(
            f"  {m.month} lands at {cell(m.landing, 'money')} ({m.level:g}% interval {cell(m.lower, 'money')} to "
            f"{cell(m.upper, 'money')}): {cell(m.month_to_date, 'money')} to date + "
            f"{cell(m.forecast_rest, 'money')} forecast"
        )
    say(*(f"  note: {n}" for n in r.notes))
    table(
        "Daily forecast",
        ["day", Col("forecast", "money"), Col("lower", "money"), Col("upper", "money")],
        [[str(p.day), p.value, p.lower, p.upper] for p in r.points],
    )


# -------------------------------------------------------------------------------------------------- anomalies


def anomaly_table(anomalies: list[Any], title: str, show_new: bool = False) -> None:
    """One line per anomaly, ids never cut (they are typed back into `show`, `ack`, `label`)."""
    rows = []
    for a in anomalies:
        when = f"{a.start_day:%m-%d}" + ("" if a.start_day == a.end_day else f"..{a.end_day:%m-%d}")
        status = a.status + ("*" if show_new and a.new else "")
        if a.group_id and a.group_id != a.anomaly_id:
            status += f" ~{a.group_id}"
        rows.append(
            [a.anomaly_id, a.severity[:4], f"{a.dimension}={a.value}", when, a.impact, a.relative_pct, status]
        )
    table(
        title,
        ["id", "sev", "series", "days", Col("impact", "money"), Col("change", "signed_pct"), "status"],
        rows,
    )
    notes = ["* new in this run"] if show_new else []
    if any(a.group_id and a.group_id != a.anomaly_id for a in anomalies):
        notes.append("~id: the same event as that anomaly")
    if notes:
        say("  " + "; ".join(notes))


def show_detected(r: Any, _: dict[str, Any]) -> None:
    anomaly_table(r.anomalies, f"Anomalies {r.window_start} to {r.data_through}", show_new=True)
    say(
        f"{len(r.anomalies)} anomalies ({r.new} new, {r.suppressed} suppressed by feedback) in "
        f"{r.series_scanned} series of {', '.join(r.dimensions)}"
        + ("; not stored (dry run)" if r.run_id is None else "")
    )
    say(*(f"  skipped {dim}: {why}" for dim, why in r.skipped_dimensions.items()))
    say(*(f"  note: {n}" for n in r.notes))


def show_anomalies(r: Any, _: dict[str, Any]) -> None:
    anomaly_table(r.anomalies, "Anomalies")
    if r.note:
        say(f"note: {r.note}")
    if r.total > len(r.anomalies):
        say(f"({len(r.anomalies)} of {r.total} shown; raise --limit for more)")


def show_anomaly(d: Any, _: dict[str, Any]) -> None:
    a = d.anomaly
    say(
        f"{a.anomaly_id}  {a.severity} {a.direction}  {a.dimension} = {a.value}  [{a.status}]",
        f"  {a.explanation}",
    )
    say(
        f"  days {a.start_day} to {a.end_day} ({a.days} unusual), peak {a.peak_day} "
        f"({cell(a.peak_impact, 'money')}, z {a.score:+.1f}); source {a.source}, measure {a.measure}"
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
                    [
                        x.dimension,
                        x.value,
                        x.source,
                        x.actual,
                        x.expected,
                        x.impact,
                        x.share_pct,
                        x.usual_share_pct,
                    ]
                )
        money = [Col(n, "money") for n in ("actual", "expected", "impact")]
        shares = [Col("share of change", "pct"), Col("usual share", "pct")]
        table("Root cause", ["dimension", "value", "source", *money, *shares], rows)
    if d.feedback:
        table(
            "Feedback",
            ["when", "action", "status", "reason", "by", "pattern", "until"],
            [
                [
                    cell(f.created_at),
                    f.action,
                    f.status,
                    f.reason or "",
                    f.actor or "",
                    f.pattern or "",
                    cell(f.valid_until),
                ]
                for f in d.feedback
            ],
        )


def show_updated(a: Any, _: dict[str, Any]) -> None:
    say(f"{a.anomaly_id} is now {a.status}: {a.status_reason}")


LABELS = ("expected", "noise", "confirmed")


def _label_only(raw: dict[str, Any], _: dict[str, Any]) -> dict[str, Any]:
    from spendscope.data.errors import InvalidArgument

    if raw.get("action") not in LABELS:
        raise InvalidArgument(f"label {raw.get('action')!r}: use {', '.join(LABELS)}", argument="label")
    return raw


def _feedback(name: str, fixed_action: str | None, summary: str, **options: Opt) -> Command:
    """`anomalies ack|resolve|reopen|label`: update_anomaly with its action fixed (or, for label, given)."""
    fixed = {"action": fixed_action} if fixed_action else {}
    omit = () if fixed_action is None else ("pattern", "until")
    return Command(
        name,
        "update_anomaly",
        summary,
        show_updated,
        group="anomalies",
        options={"anomaly_id": ANOMALY_ID, "actor": BY_ACTOR, **options},
        fixed=fixed,
        omit=omit,
        prepare=None if fixed_action else _label_only,
        help=summary,
    )


COMMANDS = [
    Command(
        "set",
        "set_budget",
        "Create or update a budget for a scope.",
        show_saved,
        group="budgets",
        options={
            "name": Opt(argument="NAME", help="Budget name, e.g. 'search team'. An existing one is updated"),
            "filters": FILTER,
            "allow_unknown_values": Opt(
                ("--allow-new-values",), help="Accept filter values the store has not seen"
            ),
        },
    ),
    Command(
        "list", "list_budgets", "List budgets.", show_budgets, group="budgets", options={"filters": FILTER}
    ),
    Command(
        "status",
        "budget_status",
        "Spent, burn rate, projected period end and alerts for each budget.",
        show_status,
        group="budgets",
        options={
            "name": Opt(argument="NAME", help="One budget (name or id); default all"),
            "filters": FILTER,
        },
    ),
    Command(
        "remove",
        "remove_budget",
        "Delete a budget.",
        show_removed,
        group="budgets",
        options={"name": Opt(argument="NAME", help="Budget name or id")},
    ),
    Command(
        "check",
        "check_budgets",
        "Raise the alerts not raised before (for a scheduled job); each fires once per period.",
        show_checked,
        group="budgets",
    ),
    Command(
        "forecast",
        "forecast_costs",
        "Daily spend forecast with intervals and a backtest against seasonal naive.",
        show_forecast,
        options={"filters": FILTER, "history_days": Opt(("--history",))},
    ),
    Command(
        "detect",
        "detect_anomalies",
        "Scan daily spend for anomalies and store them (status open).",
        show_detected,
        group="anomalies",
        options={
            "dimensions": Opt(("--dimension", "-d")),
            "filters": FILTER,
            "min_relative_pct": Opt(("--min-relative",)),
        },
    ),
    Command(
        "list",
        "list_anomalies",
        "List stored anomalies, newest first.",
        show_anomalies,
        group="anomalies",
    ),
    Command(
        "show",
        "get_anomaly",
        "One anomaly: expected vs actual, root cause, feedback history.",
        show_anomaly,
        group="anomalies",
        options={"anomaly_id": ANOMALY_ID},
    ),
    _feedback("ack", "acknowledge", "Acknowledge an anomaly (someone is on it)."),
    _feedback("resolve", "resolve", "Resolve an anomaly (fixed, or no action needed)."),
    _feedback("reopen", "reopen", "Reopen an anomaly; its labels stop suppressing later anomalies."),
    _feedback(
        "label",
        None,
        "Label an anomaly; expected and noise labels suppress the same pattern from now on.",
        action=Opt(
            argument="LABEL", help="expected (known cause), noise (false alarm) or confirmed (a real problem)"
        ),
    ),
]


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    register_specs(app, COMMANDS)
