"""Margin floors and unit-cost budgets: the targets unit economics are judged against (docs/unit-economics.md,
"Floors and unit budgets"). A margin floor is the lowest margin a customer, feature, plan or team may run at; a
unit budget is the most a unit of a metric may cost per week or month. Both raise alerts (tools.business.alerts)
routed like anomalies."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from typing import ClassVar, Literal

import duckdb
from pydantic import BaseModel, Field
from spendscope.data.errors import InvalidArgument, NotFound
from spendscope.data.store import Store
from spendscope.tools.allocation.owners import _CHANNEL, _EMAIL, _USER
from spendscope.tools.business.common import accepts
from spendscope.tools.business.metric_data import catalog, normalise, require
from spendscope.tools.costs.breakdown import Filter
from spendscope.tools.registry import operation

FloorBy = Literal["customer", "feature", "plan", "team"]
TargetKind = Literal["margin_floor", "unit_budget"]


def slug(name: str) -> str:
    out = re.sub(r"[^a-z0-9]+", "-", name.strip().lower()).strip("-")
    if not out:
        raise InvalidArgument("give a name (letters or digits)", argument="name", value=name)
    return out


def check_owner(owner: str | None) -> str | None:
    """A #channel or channel id, a Slack user id or @handle, or an email; None/'' for none."""
    if owner is None or not owner.strip():
        return None
    o = owner.strip()
    if not (_CHANNEL.match(o) or _USER.match(o) or _EMAIL.match(o)):
        raise InvalidArgument(
            f"owner {o!r}: use a #channel (or channel id C...), a Slack user (U... or @handle) or an email",
            argument="owner",
            value=o,
        )
    return o


def within(scope: list[Filter], filters: list[Filter]) -> bool:
    """Whether every row `scope` covers passes `filters`: each filter's dimension is pinned by an equality filter of
    `scope` to values the filter accepts (a floor for plan=enterprise lies within plan=enterprise)."""
    return all(
        any(
            s.dimension.strip().lower() == f.dimension.strip().lower()
            and s.op in ("eq", "in")
            and all(accepts(f, v) for v in s.values)
            for s in scope
        )
        for f in filters
    )


# ------------------------------------------------------------------------------------------- margin floors


class MarginFloorInput(BaseModel):
    # `filters` name business metric rows and cost alike: checked against both (tools/names.py)
    business_filters: ClassVar[tuple[str, ...]] = ("filters",)

    name: str = Field(min_length=1, max_length=80, description="e.g. 'customer margin'")
    by: FloorBy = Field("customer", description="what it judges: customer, feature, plan or team")
    floor_pct: float = Field(
        ge=-1000, le=100, description="lowest margin, percent of revenue (revenue - AI cost); e.g. 60"
    )
    filters: list[Filter] = Field(
        default_factory=list,
        description="which groups it covers, by the judged dimension or (for customers) plan, e.g. plan=enterprise",
    )
    revenue_metric: str = Field("revenue", description="the business metric holding revenue")
    subscription_metric: str | None = Field(
        "subscription", description="the metric holding what each pays on subscription (None: not checked)"
    )
    owner: str | None = Field(
        None, description="where alerts go when the group has no owner of its own (#channel, user, email)"
    )
    allow_unknown_values: bool = Field(
        False,
        description="accept filter values the store has not seen yet (a customer before their first rows)",
    )


class MarginFloor(BaseModel):
    name: str
    by: FloorBy
    floor_pct: float
    filters: list[Filter]
    revenue_metric: str
    subscription_metric: str | None
    owner: str | None
    created_at: dt.datetime
    updated_at: dt.datetime

    def covers(self, key: str | None, plan: str | None) -> bool:
        values = {self.by: key, "plan": plan}
        return all(accepts(f, values.get(f.dimension.strip().lower())) for f in self.filters)


class UnitBudgetInput(BaseModel):
    # `filters` name business metric rows and cost alike: checked against both (tools/names.py)
    business_filters: ClassVar[tuple[str, ...]] = ("filters",)

    name: str = Field(min_length=1, max_length=80, description="e.g. 'cost per ticket'")
    metric: str = Field(description="the business metric, e.g. tickets_resolved")
    amount: Decimal = Field(gt=0, description="the most `per` units may cost, in the billing currency")
    per: int = Field(1, ge=1, le=1_000_000_000, description="units the amount is for: 1, 1000, ...")
    grain: Literal["week", "month"] = Field("week", description="judged per ISO week or calendar month")
    filters: list[Filter] = Field(default_factory=list, description="limit metric and cost (both sides)")
    cost_filters: list[Filter] = Field(default_factory=list, description="limit the cost only")
    match_on: list[str] | None = Field(
        None, description="as cost_per_business_unit (default: the metric's keys)"
    )
    owner: str | None = Field(None, description="who answers for it (#channel, user, email)")
    allow_unknown_values: bool = Field(
        False,
        description="accept filter values the store has not seen yet (a customer before their first rows)",
    )


class UnitBudget(BaseModel):
    name: str
    metric: str
    amount: float
    per: int
    grain: Literal["week", "month"]
    filters: list[Filter]
    cost_filters: list[Filter]
    match_on: list[str] | None
    owner: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


class TargetSaved(BaseModel):
    kind: TargetKind
    name: str
    created: bool = Field(description="false when an existing one of that name was updated")
    margin_floor: MarginFloor | None = None
    unit_budget: UnitBudget | None = None


class ListTargetsInput(BaseModel):
    # `filters` name business metric rows and cost alike: checked against both (tools/names.py)
    business_filters: ClassVar[tuple[str, ...]] = ("filters",)

    filters: list[Filter] = Field(
        default_factory=list, description="only floors and budgets whose own scope lies within these filters"
    )


class TargetList(BaseModel):
    margin_floors: list[MarginFloor]
    unit_budgets: list[UnitBudget]


class RemoveTargetInput(BaseModel):
    name: str = Field(description="the floor's or budget's name")
    kind: TargetKind = Field(description="margin_floor or unit_budget")


class TargetRemoved(BaseModel):
    kind: TargetKind
    name: str
    removed: bool = True


def _filters(raw: object) -> list[Filter]:
    return [Filter.model_validate(f) for f in json.loads(raw) if isinstance(f, dict)] if raw else []  # type: ignore[arg-type]


def load_floors(con: duckdb.DuckDBPyConnection, by: str | None = None) -> list[MarginFloor]:
    where, params = ("WHERE dimension = ?", [by]) if by else ("", [])
    rows = con.execute(
        "SELECT name, dimension, floor_pct, filters, revenue_metric, subscription_metric, owner, created_at, "
        f"updated_at FROM margin_floors {where} ORDER BY name",
        params,
    ).fetchall()
    return [
        MarginFloor(
            name=r[0],
            by=r[1],
            floor_pct=r[2],
            filters=_filters(r[3]),
            revenue_metric=r[4],
            subscription_metric=r[5],
            owner=r[6],
            created_at=r[7],
            updated_at=r[8],
        )
        for r in rows
    ]


def load_unit_budgets(con: duckdb.DuckDBPyConnection, name: str | None = None) -> list[UnitBudget]:
    where, params = ("WHERE name = ?", [name]) if name else ("", [])
    rows = con.execute(
        "SELECT name, metric, amount, per, grain, filters, cost_filters, match_on, owner, created_at, updated_at "
        f"FROM unit_budgets {where} ORDER BY name",
        params,
    ).fetchall()
    return [
        UnitBudget(
            name=r[0],
            metric=r[1],
            amount=float(r[2]),
            per=r[3],
            grain=r[4],
            filters=_filters(r[5]),
            cost_filters=_filters(r[6]),
            match_on=json.loads(r[7]) if r[7] is not None else None,
            owner=r[8],
            created_at=r[9],
            updated_at=r[10],
        )
        for r in rows
    ]


def _dump(filters: list[Filter]) -> str:
    return json.dumps([f.model_dump() for f in filters])


@operation(
    "set_margin_floor",
    input_model=MarginFloorInput,
    output_model=TargetSaved,
    writes=True,
    destructive=True,
    idempotent=True,
)
def set_margin_floor(store: Store, params: MarginFloorInput) -> TargetSaved:
    """Set (or change) a margin floor: the lowest margin a customer, feature, plan or team may run at. Those below
    it, or whose AI cost exceeds their subscription, are listed first and alerted to their owner."""
    name = slug(params.name)
    allowed = {params.by, "plan"} if params.by == "customer" else {params.by}
    for f in params.filters:
        if f.dimension.strip().lower() not in allowed:
            raise InvalidArgument(
                f"a floor by {params.by} covers groups by {' or '.join(sorted(allowed))}, not {f.dimension}",
                argument="filters",
                value=f.dimension,
            )
    owner = check_owner(params.owner)
    now = dt.datetime.now(dt.UTC)
    with store.writer() as con:
        cat = catalog(con)
        revenue = require(cat, params.revenue_metric, "revenue_metric").name
        sub = normalise(params.subscription_metric) if params.subscription_metric else None
        old = con.execute("SELECT created_at FROM margin_floors WHERE name = ?", [name]).fetchall()
        con.execute("DELETE FROM margin_floors WHERE name = ?", [name])
        con.execute(
            "INSERT INTO margin_floors (name, dimension, floor_pct, filters, revenue_metric, subscription_metric, "
            "owner, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                name,
                params.by,
                params.floor_pct,
                _dump(params.filters),
                revenue,
                sub,
                owner,
                old[0][0] if old else now,
                now,
            ],
        )
        floor = load_floors(con)
    saved = next(f for f in floor if f.name == name)
    return TargetSaved(kind="margin_floor", name=name, created=not old, margin_floor=saved)


@operation(
    "set_unit_budget",
    input_model=UnitBudgetInput,
    output_model=TargetSaved,
    writes=True,
    destructive=True,
    idempotent=True,
)
def set_unit_budget(store: Store, params: UnitBudgetInput) -> TargetSaved:
    """Set (or change) a unit-cost budget: the most a unit of a business metric may cost per week or month (e.g.
    $0.50 per ticket resolved). Over it, and unusual days of the series, are alerted to its owner."""
    name = slug(params.name)
    owner = check_owner(params.owner)
    now = dt.datetime.now(dt.UTC)
    with store.writer() as con:
        metric = require(catalog(con), params.metric).name
        old = con.execute("SELECT created_at FROM unit_budgets WHERE name = ?", [name]).fetchall()
        con.execute("DELETE FROM unit_budgets WHERE name = ?", [name])
        con.execute(
            "INSERT INTO unit_budgets (name, metric, amount, per, grain, filters, cost_filters, match_on, owner, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                name,
                metric,
                params.amount,
                params.per,
                params.grain,
                _dump(params.filters),
                _dump(params.cost_filters),
                json.dumps(params.match_on) if params.match_on is not None else None,
                owner,
                old[0][0] if old else now,
                now,
            ],
        )
        budget = load_unit_budgets(con, name)[0]
    return TargetSaved(kind="unit_budget", name=name, created=not old, unit_budget=budget)


@operation("list_business_targets", input_model=ListTargetsInput, output_model=TargetList)
def list_business_targets(store: Store, params: ListTargetsInput) -> TargetList:
    """Margin floors and unit-cost budgets (with filters: those whose own scope lies within them)."""
    with store.reader() as con:
        floors = [f for f in load_floors(con) if within(f.filters, params.filters)]
        budgets = [b for b in load_unit_budgets(con) if within([*b.filters, *b.cost_filters], params.filters)]
    return TargetList(margin_floors=floors, unit_budgets=budgets)


@operation(
    "remove_business_target",
    input_model=RemoveTargetInput,
    output_model=TargetRemoved,
    writes=True,
    destructive=True,
    idempotent=True,
)
def remove_business_target(store: Store, params: RemoveTargetInput) -> TargetRemoved:
    """Remove a margin floor or a unit-cost budget."""
    table = "margin_floors" if params.kind == "margin_floor" else "unit_budgets"
    name = slug(params.name)
    with store.writer() as con:
        found = con.execute(f"SELECT name FROM {table} WHERE name = ?", [name]).fetchall()
        if not found:
            names = [r[0] for r in con.execute(f"SELECT name FROM {table} ORDER BY name").fetchall()]
            raise NotFound(
                f"no {params.kind.replace('_', ' ')} named {params.name!r}; "
                + (f"there are: {', '.join(names)}" if names else "there are none"),
                argument="name",
                value=params.name,
            )
        con.execute(f"DELETE FROM {table} WHERE name = ?", [name])
    return TargetRemoved(kind=params.kind, name=name)
