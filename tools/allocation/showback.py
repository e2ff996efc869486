"""Showback and chargeback: per value of a tag key, a month's direct cost, the shared cost it received from
shared-cost pools, the total, the change from the month before and the top drivers. Renders as Markdown, CSV
and a Vega-Lite chart (PNG through vl_convert); chargeback writes one statement per owner."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from spendscope.data.errors import InvalidArgument, InvalidPeriod
from spendscope.data.store import Store
from spendscope.tools import money_text
from spendscope.tools.allocation.common import money_column
from spendscope.tools.allocation.owners import Owner, load_owners
from spendscope.tools.allocation.shared import daily_conservation, run_allocation
from spendscope.tools.costs.breakdown import check_coverage
from spendscope.tools.periods import Period, add_months, month_period, parse_period
from spendscope.tools.registry import operation

CENT = Decimal("0.01")


class ShowbackInput(BaseModel):
    by: str = Field("team", description="tag key (virtual or provider tag) or dimension to report by")
    month: str = Field(description="the month, e.g. 2026-10 or 'last month'")
    as_of: dt.date | None = Field(None, description="'today' for relative months")
    measure: str = Field(
        "cost", description="cost (EffectiveCost), billed_cost, list_cost or contracted_cost"
    )
    drivers: int = Field(3, ge=0, le=20, description="top drivers listed per value")


class Driver(BaseModel):
    label: str = Field(description="provider / model (or service), or 'shared: <pool>'")
    kind: str = Field(description="direct or shared")
    cost: Decimal
    previous: Decimal = Field(description="the same driver's cost the month before")


class ShowbackRow(BaseModel):
    value: str
    direct: Decimal
    shared: Decimal
    total: Decimal
    previous_total: Decimal
    change: Decimal
    change_pct: float | None
    share_pct: float | None = Field(description="share of the month's total")
    drivers: list[Driver]
    owner: Owner | None = None


class ShowbackResult(money_text.InBillCurrency):
    by: str
    month: str
    label: str
    start: dt.date
    end: dt.date = Field(description="exclusive end")
    measure: str
    rows: list[ShowbackRow]
    direct: Decimal
    shared: Decimal
    total: Decimal
    previous_total: Decimal
    pools: list[str] = Field(description="shared-cost pools redistributed to this key in the month")
    conserved: bool = Field(description="direct + shared equals all cost, for every day")


def _month(text: str, as_of: dt.date | None) -> tuple[dt.date, dt.date, str]:
    period = parse_period(text, as_of)
    if period.start.day != 1 or period.end != month_period(period.start.year, period.start.month).end:
        raise InvalidPeriod(f"showback covers one calendar month; {text!r} is {period.label}", value=text)
    return period.start, period.end, period.label


@operation("get_showback_report", input_model=ShowbackInput, output_model=ShowbackResult)
def showback(store: Store, params: ShowbackInput) -> ShowbackResult:
    """Showback for one month by a tag key: per value direct, shared (from shared-cost pools) and total cost,
    month-over-month change, top drivers and owner."""
    column = money_column(params.measure)
    start, end, label = _month(params.month, params.as_of)
    prev_start = add_months(start, -1)
    with store.reader() as con:
        check_coverage(con, Period(start=start, end=end, label=label), argument="month")
        a = run_allocation(
            con, params.by, prev_start, end, column, extra_columns=("ProviderName", "ServiceName", "x_Model")
        )
        try:
            cur = "day >= ?"
            totals = con.execute(
                f"""SELECT value,
                           coalesce(sum(amount) FILTER (WHERE kind = 'd' AND {cur}), 0) AS direct,
                           coalesce(sum(amount) FILTER (WHERE kind = 's' AND {cur}), 0) AS shared,
                           coalesce(sum(amount) FILTER (WHERE NOT ({cur})), 0) AS previous
                    FROM (SELECT 'd' AS kind, day, value, amount FROM {a.table("direct")} UNION ALL
                          SELECT 's', day, value, amount FROM {a.table("shared")})
                    GROUP BY value""",
                [start, start, start],
            ).fetchall()
            direct_drivers = con.execute(
                f"""SELECT value, ProviderName || ' / ' || coalesce(x_Model, ServiceName, 'other') AS label,
                           coalesce(sum(amount) FILTER (WHERE day >= ?), 0) AS c,
                           coalesce(sum(amount) FILTER (WHERE day < ?), 0) AS p
                    FROM {a.table("lines")} WHERE pool_id IS NULL GROUP BY value, label
                    QUALIFY row_number() OVER (PARTITION BY value ORDER BY abs(c) DESC, label) <= ?""",
                [start, start, max(params.drivers, 1)],
            ).fetchall()
            shared_drivers = con.execute(
                f"""SELECT value, pool_id, coalesce(sum(amount) FILTER (WHERE day >= ?), 0),
                           coalesce(sum(amount) FILTER (WHERE day < ?), 0)
                    FROM {a.table("shared")} GROUP BY ALL""",
                [start, start],
            ).fetchall()
            pools = con.execute(
                f"SELECT DISTINCT pool_id FROM {a.table('pool_days')} WHERE day >= ? ORDER BY 1", [start]
            ).fetchall()
            broken = [d for d in daily_conservation(a) if d[0] >= start]
            owners = {o.value.lower(): o for o in load_owners(con, params.by)}
        finally:
            a.drop()
    drivers: dict[str, list[Driver]] = {}
    for value, lbl, c, p in direct_drivers:
        drivers.setdefault(value, []).append(Driver(label=lbl, kind="direct", cost=c, previous=p))
    for value, pid, c, p in shared_drivers:
        drivers.setdefault(value, []).append(
            Driver(label=f"shared: {a.pools[pid].pool.name}", kind="shared", cost=c, previous=p)
        )
    month_total = sum((Decimal(d) + Decimal(s) for _, d, s, _p in totals), Decimal(0))
    rows = []
    for value, d, s, p in totals:
        total = d + s
        if total == 0 and p == 0:
            continue
        top = sorted(drivers.get(value, []), key=lambda x: (-abs(x.cost), x.label))[: params.drivers]
        rows.append(
            ShowbackRow(
                value=value,
                direct=d,
                shared=s,
                total=total,
                previous_total=p,
                change=total - p,
                change_pct=float((total - p) / abs(p) * 100) if p else None,
                share_pct=float(total / month_total * 100) if month_total else None,
                drivers=[x for x in top if x.cost or x.previous],
                owner=owners.get(value.lower()),
            )
        )
    rows.sort(key=lambda r: (-r.total, r.value))
    return ShowbackResult(
        by=params.by.lower(),
        month=start.strftime("%Y-%m"),
        label=label,
        start=start,
        end=end,
        measure=params.measure,
        rows=rows,
        direct=sum((r.direct for r in rows), Decimal(0)),
        shared=sum((r.shared for r in rows), Decimal(0)),
        total=sum((r.total for r in rows), Decimal(0)),
        previous_total=sum((r.previous_total for r in rows), Decimal(0)),
        pools=sorted({a.pools[p[0]].pool.name for p in pools}),
        conserved=not broken,
    )


# ---------------------------------------------------------------------------------------------- rendering


def _m(v: Decimal) -> str:
    return f"{v.quantize(CENT):,}"


def _pct(v: float | None) -> str:
    return "" if v is None else f"{v:+.1f}%"


def _drivers_text(r: ShowbackRow) -> str:
    return "; ".join(f"{d.label} {_m(d.cost)}" for d in r.drivers)


TABLE_COLUMNS = ["value", "direct", "shared", "total", "previous", "change", "change_pct", "drivers", "owner"]


def table_rows(result: ShowbackResult) -> list[list[Any]]:
    """Rows for a terminal table or CSV, amounts rounded to the cent, with a total row."""
    out: list[list[Any]] = [
        [
            r.value,
            r.direct.quantize(CENT),
            r.shared.quantize(CENT),
            r.total.quantize(CENT),
            r.previous_total.quantize(CENT),
            r.change.quantize(CENT),
            _pct(r.change_pct),
            _drivers_text(r),
            r.owner.contact if r.owner else "",
        ]
        for r in result.rows
    ]
    change = result.total - result.previous_total
    pct = float(change / abs(result.previous_total) * 100) if result.previous_total else None
    out.append(
        [
            "TOTAL",
            result.direct.quantize(CENT),
            result.shared.quantize(CENT),
            result.total.quantize(CENT),
            result.previous_total.quantize(CENT),
            change.quantize(CENT),
            _pct(pct),
            "",
            "",
        ]
    )
    return out


def to_csv(result: ShowbackResult, rows: list[ShowbackRow] | None = None) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(
        [
            "month",
            result.by,
            "direct",
            "shared",
            "total",
            "previous_total",
            "change",
            "change_pct",
            "top_drivers",
            "owner",
        ]
    )
    for r in rows if rows is not None else result.rows:
        w.writerow(
            [
                result.month,
                r.value,
                r.direct.quantize(CENT),
                r.shared.quantize(CENT),
                r.total.quantize(CENT),
                r.previous_total.quantize(CENT),
                r.change.quantize(CENT),
                "" if r.change_pct is None else f"{r.change_pct:.2f}",
                _drivers_text(r),
                r.owner.contact if r.owner else "",
            ]
        )
    return buf.getvalue()


def _currency_words() -> str:
    """The bill's currency by its code ("EUR"), so a statement mailed on names its unit; with mixed currencies,
    say so (the amounts add unlike units; docs/currency.md)."""
    from spendscope.tools.money_text import currency_code, currency_codes

    code = currency_code()
    if code:
        return code
    return f"the billing currencies, added without conversion ({', '.join(currency_codes())})"


def to_markdown(
    result: ShowbackResult, rows: list[ShowbackRow] | None = None, title: str | None = None
) -> str:
    chosen = rows if rows is not None else result.rows
    measure = (
        "effective cost" if result.measure in ("cost", "effective_cost") else result.measure.replace("_", " ")
    )
    lines = [
        f"# {title or f'Showback by {result.by}'}: {result.label}",
        "",
        f"Amounts are {measure} in {_currency_words()}. Shared = cost received from shared-cost pools"
        + (f" ({', '.join(result.pools)})" if result.pools else "")
        + ".",
        "",
        f"| {result.by} | direct | shared | total | previous month | change | top drivers |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in chosen:
        lines.append(
            f"| {r.value} | {_m(r.direct)} | {_m(r.shared)} | {_m(r.total)} | {_m(r.previous_total)} | "
            f"{_m(r.change)} {_pct(r.change_pct)} | {_drivers_text(r)} |"
        )
    d = sum((r.direct for r in chosen), Decimal(0))
    s = sum((r.shared for r in chosen), Decimal(0))
    p = sum((r.previous_total for r in chosen), Decimal(0))
    lines.append(f"| **total** | {_m(d)} | {_m(s)} | {_m(d + s)} | {_m(p)} | {_m(d + s - p)} | |")
    return "\n".join(lines) + "\n"


def chart_spec(result: ShowbackResult) -> dict[str, Any]:
    """A Vega-Lite stacked bar chart: direct and shared cost per value."""
    data = []
    for r in result.rows:
        data.append({"value": r.value, "part": "direct", "cost": float(r.direct)})
        data.append({"value": r.value, "part": "shared", "cost": float(r.shared)})
    order = [r.value for r in result.rows]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": f"Showback by {result.by}: {result.label}",
        "width": 520,
        "height": max(120, 26 * len(order)),
        "data": {"values": data},
        "mark": "bar",
        "encoding": {
            "y": {"field": "value", "type": "nominal", "sort": order, "title": result.by},
            "x": {
                "field": "cost",
                "type": "quantitative",
                "stack": "zero",
                "title": money_text.axis_title("cost"),
                "axis": {"format": money_text.axis_format(0)},
            },
            "color": {
                "field": "part",
                "type": "nominal",
                "scale": {"domain": ["direct", "shared"], "range": ["#4c78a8", "#f58518"]},
            },
            "tooltip": [
                {"field": "value"},
                {"field": "part"},
                {"field": "cost", "format": money_text.axis_format()},
            ],
        },
    }


def render_png(spec: dict[str, Any], scale: float = 2) -> bytes:
    import vl_convert

    return vl_convert.vegalite_to_png(vl_spec=spec, scale=scale)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "owner"


def write_chargeback(result: ShowbackResult, directory: Path, fmt: str = "markdown") -> list[Path]:
    """One statement per owner (all the values they own); values without an owner go to `unowned`."""
    if fmt not in ("markdown", "csv"):
        raise InvalidArgument(f"chargeback format {fmt!r}: use markdown or csv", argument="format")
    directory.mkdir(parents=True, exist_ok=True)
    groups: dict[str, list[ShowbackRow]] = {}
    for r in result.rows:
        groups.setdefault(r.owner.contact if r.owner else "", []).append(r)
    written = []
    for contact, rows in sorted(groups.items()):
        name = f"chargeback-{result.month}-{_slug(contact) if contact else 'unowned'}"
        if fmt == "csv":
            path = directory / f"{name}.csv"
            path.write_text(to_csv(result, rows), encoding="utf-8")
        else:
            path = directory / f"{name}.md"
            title = f"Chargeback for {contact}" if contact else "Chargeback: values without an owner"
            path.write_text(to_markdown(result, rows, title=title), encoding="utf-8")
        written.append(path)
    return written
