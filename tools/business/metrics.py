"""The business metrics themselves: which there are (the vocabulary Billy and the other surfaces name them by) and
their values by period and dimension (operations `list_business_metrics`, `query_business_metrics`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import BaseModel, Field
from spendscope.data.currency import billing_currency
from spendscope.data.errors import InvalidArgument, InvalidPeriod
from spendscope.data.store import Store
from spendscope.tools.business import charts as _charts  # noqa: F401  (registers the result's chart)
from spendscope.tools.business.common import FILTERS_FIELD, check_grain, label, money, pct
from spendscope.tools.business.common import bucket_end as _bucket_end
from spendscope.tools.business.metric_data import (
    METRIC_COLUMNS,
    catalog,
    metric_values,
    require,
    rows_filter_sql,
    target_currency,
)
from spendscope.tools.costs.breakdown import Filter, TimeRange
from spendscope.tools.periods import Period
from spendscope.tools.registry import operation

MAX_VALUES = 200


class ListMetricsInput(BaseModel):
    # `filters` name business metric rows and cost alike: checked against both (tools/names.py)
    business_filters: ClassVar[tuple[str, ...]] = ("filters",)

    filters: list[Filter] = FILTERS_FIELD


class MetricEntry(BaseModel):
    metric: str = Field(description="the name to ask for, e.g. tickets_resolved")
    words: str = Field(description="the name as words, e.g. 'tickets resolved'")
    kind: Literal["money", "count"]
    unit: str | None = Field(description="what a count counts (tickets); None for money")
    currencies: list[str] = Field(description="money: the currencies its rows are in")
    aggregation: Literal["sum", "average"] = Field(description="sum: additive; average: a level such as MAU")
    grains: list[str] = Field(description="day, week and/or month")
    first_day: dt.date
    last_day: dt.date
    rows: int
    recorded_by: list[str] = Field(
        description="dimensions some rows carry: customer, feature, team, plan, tags"
    )
    always_by: list[str] = Field(description="dimensions every row carries (its cost is matched on them)")
    sources: list[str]


class DimensionValues(BaseModel):
    dimension: str
    values: list[str]


class MetricCatalog(BaseModel):
    metrics: list[MetricEntry]
    values: list[DimensionValues] = Field(
        description="values of the business dimensions the metrics carry (plans, customers, ...), for name lookup"
    )
    billing_currency: str | None
    rates: list[str] = Field(description="currency pairs with rates, and the months they cover")


@operation("list_business_metrics", input_model=ListMetricsInput, output_model=MetricCatalog)
def list_business_metrics(store: Store, params: ListMetricsInput) -> MetricCatalog:
    """The business metrics in the store (revenue, subscription, tickets_resolved, mau, ...): kind, unit or
    currency, grain, period covered, the dimensions they are recorded by, and the plan, customer, feature and
    team values they name."""
    with store.reader() as con:
        cat = catalog(con, params.filters)
        clauses, fparams = rows_filter_sql(params.filters)
        where = " AND ".join(clauses) or "true"
        values = []
        for col in METRIC_COLUMNS:
            found = con.execute(
                f"SELECT DISTINCT {col} FROM business_metrics m WHERE {col} IS NOT NULL AND {where} "
                f"ORDER BY 1 LIMIT {MAX_VALUES}",
                fparams,
            ).fetchall()
            if found:
                values.append(DimensionValues(dimension=col, values=[r[0] for r in found]))
        billing = billing_currency(con)
        rates = con.execute(
            "SELECT currency, to_currency, min(period_start), max(period_end) FROM currency_rates GROUP BY ALL "
            "ORDER BY ALL"
        ).fetchall()
    return MetricCatalog(
        metrics=[
            MetricEntry(
                metric=i.name,
                words=i.name.replace("_", " "),
                kind="money" if i.money else "count",
                unit=None if i.money else i.unit,
                currencies=i.currencies,
                aggregation=i.aggregation,  # type: ignore[arg-type]
                grains=i.grains,
                first_day=i.first,
                last_day=i.last_end - dt.timedelta(days=1),
                rows=i.rows,
                recorded_by=[*i.columns, *(f"tag:{k}" for k in i.tag_keys)],
                always_by=i.key_columns,
                sources=i.sources,
            )
            for i in cat.values()
        ],
        values=values,
        billing_currency=billing,
        rates=[f"{c}->{t} {lo:%Y-%m-%d} to {hi - dt.timedelta(days=1):%Y-%m-%d}" for c, t, lo, hi in rates],
    )


class MetricValuesInput(TimeRange):
    # `filters` name business metric rows and cost alike: checked against both (tools/names.py)
    business_filters: ClassVar[tuple[str, ...]] = ("filters",)

    metric: str = Field(description="business metric, e.g. revenue, tickets_resolved, mau")
    group_by: list[str] = Field(
        default_factory=list,
        description="customer, feature, team, plan or tag:<key> (dimensions the metric has)",
    )
    grain: str = Field("total", description="total, month, week or day")
    filters: list[Filter] = FILTERS_FIELD
    top: int | None = Field(None, ge=1, le=10_000, description="keep the N largest groups per period")


class MetricValueRow(BaseModel):
    period: str
    start: dt.date
    group: dict[str, str | None]
    value: float
    share_pct: float | None = Field(description="of the period's total")


class MetricValuesResult(BaseModel):
    metric: str
    kind: Literal["money", "count"]
    unit: str | None = Field(description="what it counts, or the currency money is given in")
    aggregation: str
    grain: str
    group_by: list[str]
    start: dt.date
    end: dt.date = Field(description="exclusive end")
    period_label: str
    rows: list[MetricValueRow]
    totals: list[MetricValueRow]
    total: float = Field(description="the whole period (a level: its average per period)")
    assumptions: list[str] = Field(default_factory=list)


def _period(p: MetricValuesInput, first: dt.date, last_end: dt.date) -> Period:
    """The period asked for; without one, the metric's own span."""
    if p.period or p.start or p.end:
        from spendscope.tools.costs.breakdown import resolve_range

        return resolve_range(p)
    return Period(start=first, end=last_end, label=f"{first} to {last_end - dt.timedelta(days=1)} (all data)")


@operation(
    "query_business_metrics", input_model=MetricValuesInput, output_model=MetricValuesResult, chart=True
)
def query_business_metrics(store: Store, params: MetricValuesInput) -> MetricValuesResult:
    """A business metric's values (revenue, tickets resolved, MAU, ...) for a period, by month/week/day and by
    customer, feature, team or plan; money in the billing currency (converted with the rate table)."""
    grain = check_grain(params.grain)
    group_by = [g.strip().lower() for g in params.group_by]
    with store.reader() as con:
        info = require(catalog(con), params.metric)
        not_recorded = [g for g in group_by if not info.carries(g)]
        if not_recorded:
            raise InvalidArgument(
                f"{info.name} is not recorded per {', '.join(not_recorded)}; it is per "
                f"{', '.join([*info.columns, *(f'tag:{k}' for k in info.tag_keys)]) or 'nothing (one total)'}",
                argument="group_by",
                value=not_recorded[0],
            )
        period = _period(params, info.first, info.last_end)
        if period.start >= info.last_end or period.end <= info.first:
            # a period the metric has no value in is not a total of 0 (revenue of a month not imported yet)
            raise InvalidPeriod(
                f"{info.name} has no values in {period.label} ({period.start} to "
                f"{period.end - dt.timedelta(days=1)}); it covers {info.first} to "
                f"{info.last_end - dt.timedelta(days=1)}",
                argument="period",
                value=period.label,
            )
        currency = target_currency(con, [info]) if info.money else None
        got = metric_values(con, info, period.start, period.end, grain, group_by, params.filters, currency)
    by_bucket: dict[dt.date, list[tuple[tuple, Decimal]]] = {}
    for b, key, v in got.rows:
        by_bucket.setdefault(b, []).append((key, v))
    rows: list[MetricValueRow] = []
    totals: list[MetricValueRow] = []
    sums: list[Decimal] = []
    for b, items in sorted(by_bucket.items()):
        lo = max(b, period.start)
        shown = label(lo, min(_bucket_end(b, grain, period.end), period.end))
        total = sum((v for _, v in items), Decimal(0))
        items.sort(key=lambda kv: (-kv[1], [x or "" for x in kv[0]]))
        for key, v in items[: params.top] if params.top else items:
            rows.append(
                MetricValueRow(
                    period=shown,
                    start=lo,
                    group=dict(zip(group_by, key, strict=True)),
                    value=money(v) or 0.0,
                    share_pct=pct(v, total),
                )
            )
        totals.append(
            MetricValueRow(period=shown, start=lo, group={}, value=money(total) or 0.0, share_pct=None)
        )
        sums.append(total)
    whole = sum(sums, Decimal(0))
    notes = list(got.notes)
    if info.aggregation == "average" and len(totals) > 1:
        whole /= len(totals)
        notes.append(
            f"{info.name} is a level: the whole period's figure is the average of its {grain} values"
        )
    if info.money:
        notes.append(f"money in {currency}, converted with the rate table where rows are in another currency")
    if not got.rows:
        notes.append(
            f"no {info.name} rows in {period.label}" + (" within the filters" if params.filters else "")
        )
    return MetricValuesResult(
        metric=info.name,
        kind="money" if info.money else "count",
        unit=currency if info.money else info.unit,
        aggregation=info.aggregation,
        grain=grain,
        group_by=group_by,
        start=period.start,
        end=period.end,
        period_label=period.label,
        rows=rows,
        totals=totals,
        total=money(whole) or 0.0,
        assumptions=notes,
    )
