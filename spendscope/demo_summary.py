"""What `spendscope demo` prints: where the demo went, what it holds, last month's spend by provider and by
team (query_costs, through tools.invoke), and commands to try next. Rendering only."""

from __future__ import annotations

import datetime as dt
import shlex
from collections.abc import Collection
from decimal import Decimal

from spendscope.data.demo import DemoInfo
from spendscope.data.store import Store
from spendscope.render import console, money, print_json, print_table
from spendscope.tools.costs.breakdown import CostQueryResult
from spendscope.tools.invoke import invoke


def _available_commands() -> set[str]:
    """Names of the top-level commands this CLI has (other areas add theirs independently)."""
    from spendscope.cli import app

    names = set()
    for info in app.registered_commands:
        name = info.name or (info.callback.__name__.replace("_", "-") if info.callback else None)
        if name:
            names.add(name)
    return names


def example_commands(info: DemoInfo, commands: Collection[str]) -> list[str]:
    """Three commands to try on the demo store, naming only commands that exist."""
    db = shlex.quote(info.location or str(info.path))
    month = info.last_full_month
    out = [
        f'spendscope query "select x_Model, round(sum(EffectiveCost), 2) as cost from cost_lines '
        f"where strftime(ChargeDate, '%Y-%m') = '{month}' group by 1 order by 2 desc\" --db {db}",
        'spendscope query "select instance_id, round(avg(utilization_pct), 1) as avg_util_pct, count(*) as samples '
        f'from gpu_samples group by 1 order by 2" --db {db}',
    ]
    if "ask" in commands:
        out.append(f'spendscope ask "which team spent the most in {_month_name(month)}?" --db {db}')
    else:
        out.append(
            f'spendscope query "select day, kind, value, impact from anomaly_labels order by day" --db {db}'
        )
    return out


def _month_name(month: str) -> str:
    return dt.date.fromisoformat(f"{month}-01").strftime("%B %Y")


def _rows(result: CostQueryResult, dimension: str, missing: str) -> list[tuple[str, Decimal, Decimal]]:
    rows = []
    for r in result.rows:
        name = r.group.get(dimension) or missing
        rows.append((name, Decimal(str(round(r.value, 2))), Decimal(str(round(r.share_pct or 0.0, 2)))))
    rows.append(("Total", Decimal(str(round(result.total, 2))), Decimal("100.00")))
    return rows


def print_demo_summary(
    store: Store,
    info: DemoInfo,
    *,
    explicit_db: bool,
    as_json: bool,
    commands: Collection[str] | None = None,
) -> None:
    """Print the demo summary (rich tables) or, with `as_json`, the DemoInfo and the two breakdowns."""
    by_provider = invoke(store, "query_costs", {"period": info.last_full_month, "group_by": ["provider"]})
    by_team = invoke(store, "query_costs", {"period": info.last_full_month, "group_by": ["team"]})
    try_next = example_commands(info, _available_commands() if commands is None else commands)
    if as_json:
        print_json(
            {
                "demo": {**info.model_dump(), "path": str(info.path)},
                "period": by_provider.period_label,
                "by_provider": by_provider,
                "by_team": by_team,
                "try_next": try_next,
            }
        )
        return

    added = sum(info.added.values())
    if explicit_db:
        where = f"Demo data written to {info.path} ({added:,} new rows; existing data untouched)."
    elif info.rebuilt:
        where = f"Demo store built from scratch at {info.path} (separate from your own store)."
    else:
        where = (
            f"Demo data added to {info.path} ({added:,} new rows); the file also holds other imports, "
            "so it was not rebuilt."
        )
    out = console
    out.print(where, markup=False, highlight=False, soft_wrap=True)
    out.print(
        f"{info.start} to {info.end} ({info.days} days, seed {info.seed}): {info.rows:,} FOCUS cost rows, "
        f"{info.events:,} usage events, {info.gpu_samples:,} GPU samples, {len(info.anomalies)} injected anomalies "
        f"(table anomaly_labels); built in {info.seconds:.1f} s.",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    out.print()
    label = by_provider.period_label
    print_table(
        ["provider", "cost", "share"],
        _rows(by_provider, "provider", "(none)"),
        title=f"Spend by provider, {label}",
    )
    print_table(
        ["team", "cost", "share"], _rows(by_team, "team", "(untagged)"), title=f"Spend by team, {label}"
    )
    out.print(
        f"Total spend (effective cost) in {label}: {money(by_provider.total)}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    out.print("\nTry next:", markup=False, highlight=False)
    for cmd in try_next:
        out.print(f"  {cmd}", markup=False, highlight=False, soft_wrap=True)
