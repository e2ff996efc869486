"""`spendscope reprice`: re-estimate stored telemetry after the price catalog or the price file changed.

Each event in scope gets the catalog's cost again (same SQL as at import: tier, geography, validity window,
long-context band); a cost its source reported is kept and still wins. The result is the change per provider and
model, computed before anything is written; `dry_run` writes nothing, otherwise one transaction updates the
events whose estimate changed and records the run in `reprice_runs`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import duckdb
from pydantic import BaseModel, Field
from spendscope.data.errors import UnknownValue
from spendscope.data.event_pricing import catalog_cost_sql, price_join_sql, register_price_table
from spendscope.data.naming import canonical_model, provider_name
from spendscope.data.prices import PriceCatalog
from spendscope.data.store import Store


class RepriceLine(BaseModel):
    provider: str
    model: str | None
    events: int
    changed: int = Field(description="events whose catalog estimate changes")
    estimated_before: float = Field(description="sum of estimated_cost now (reported costs included)")
    estimated_after: float
    change: float
    change_pct: float | None = None
    unpriced_after: int = Field(0, description="events the catalog cannot price")


class RepriceResult(BaseModel):
    run_id: str | None = Field(None, description="None for a dry run")
    dry_run: bool
    since: dt.date | None
    events: int
    changed: int
    estimated_before: float
    estimated_after: float
    change: float
    lines: list[RepriceLine] = Field(description="per provider and model, largest change first")
    notes: list[str] = Field(default_factory=list)


def _scope(
    con: duckdb.DuckDBPyConnection, since: dt.date | None, provider: str | None, model: str | None
) -> tuple[str, list[object]]:
    clauses, params = ["true"], []
    if since is not None:
        clauses.append("ts >= ?")
        params.append(dt.datetime(since.year, since.month, since.day, tzinfo=dt.UTC))
    if provider:
        known = [r[0] for r in con.execute("SELECT DISTINCT provider FROM usage_events").fetchall()]
        wanted = provider_name(provider)
        if wanted not in known:
            raise UnknownValue(
                f"no telemetry from provider {provider!r}; the store has {', '.join(sorted(known)) or 'none'}",
                argument="provider",
                value=provider,
            )
        clauses.append("provider = ?")
        params.append(wanted)
    if model:
        names = [
            r[0]
            for r in con.execute("SELECT DISTINCT model FROM usage_events WHERE model IS NOT NULL").fetchall()
        ]
        wanted_model = canonical_model(model)
        matching = [n for n in names if canonical_model(n) == wanted_model]
        if not matching:
            shown = sorted({canonical_model(n) or n for n in names})
            raise UnknownValue(
                f"no telemetry for model {model!r}; the store has {', '.join(shown[:30]) or 'none'}",
                argument="model",
                value=model,
            )
        clauses.append(f"model IN ({', '.join('?' for _ in matching)})")
        params += matching
    return " AND ".join(clauses), params


def _f(x: Decimal | None) -> float:
    return float(x or 0)


def reprice_events(
    store: Store,
    catalog: PriceCatalog,
    *,
    since: dt.date | None = None,
    provider: str | None = None,
    model: str | None = None,
    dry_run: bool = False,
    prices_file: str | None = None,
) -> RepriceResult:
    """Re-estimate the events in scope with `catalog`; write the changes unless `dry_run`."""
    started = dt.datetime.now(dt.UTC)
    opener = store.reader() if dry_run else store.writer()
    with opener as con:
        where, params = _scope(con, since, provider, model)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE reprice_scope AS SELECT * FROM usage_events WHERE {where}", params
        )
        notes = register_price_table(
            con, "SELECT provider, model, service_tier, inference_geo FROM reprice_scope", catalog
        )
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE repriced AS
                SELECT e.event_id, e.provider, e.model, e.estimated_cost AS old_estimated, e.reported_cost,
                       e.catalog_cost AS old_catalog, {catalog_cost_sql("e", "p")} AS new_catalog,
                       CASE WHEN p.model IS NOT NULL THEN p.lo >= 0 END AS long_context, p.source AS price_source
                FROM reprice_scope e LEFT JOIN event_prices p ON {price_join_sql("e", "p")}"""
        )
        lines_sql = """
            SELECT provider, model, count(*), count(*) FILTER (WHERE new_catalog IS DISTINCT FROM old_catalog),
                   sum(old_estimated), sum(coalesce(reported_cost, new_catalog)),
                   count(*) FILTER (WHERE reported_cost IS NULL AND new_catalog IS NULL)
            FROM repriced GROUP BY ALL"""
        lines = []
        for prov, mdl, n, changed, before, after, unpriced in con.execute(lines_sql).fetchall():
            change = _f(after) - _f(before)
            lines.append(
                RepriceLine(
                    provider=prov,
                    model=mdl,
                    events=n,
                    changed=changed,
                    estimated_before=_f(before),
                    estimated_after=_f(after),
                    change=change,
                    change_pct=change / _f(before) * 100 if before else None,
                    unpriced_after=unpriced,
                )
            )
        lines.sort(key=lambda x: (-abs(x.change), x.provider, x.model or ""))
        totals = con.execute(
            "SELECT coalesce(sum(old_estimated), 0), coalesce(sum(coalesce(reported_cost, new_catalog)), 0) "
            "FROM repriced"
        ).fetchall()[0]
        total_before, total_after = totals
        changed_total = sum(x.changed for x in lines)
        run_id = None
        if not dry_run:
            run_id = "rep_" + uuid.uuid4().hex[:12]
            con.execute(
                """UPDATE usage_events AS u SET catalog_cost = r.new_catalog,
                       estimated_cost = coalesce(u.reported_cost, r.new_catalog),
                       cost_source = CASE WHEN u.reported_cost IS NOT NULL THEN 'reported'
                                          WHEN r.new_catalog IS NOT NULL THEN 'catalog' END,
                       priced = coalesce(u.reported_cost, r.new_catalog) IS NOT NULL,
                       long_context = r.long_context, price_source = r.price_source
                   FROM repriced AS r
                   WHERE u.event_id = r.event_id AND (r.new_catalog IS DISTINCT FROM r.old_catalog
                         OR u.price_source IS DISTINCT FROM r.price_source
                         OR u.estimated_cost IS DISTINCT FROM coalesce(u.reported_cost, r.new_catalog))"""
            )
            con.execute(
                "INSERT INTO reprice_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    run_id,
                    started,
                    dt.datetime.now(dt.UTC),
                    since,
                    ", ".join(f"{k}={v}" for k, v in (("provider", provider), ("model", model)) if v) or None,
                    sum(x.events for x in lines),
                    changed_total,
                    total_before,
                    total_after,
                    prices_file,
                ],
            )
        con.execute("DROP TABLE IF EXISTS repriced")
        con.execute("DROP TABLE IF EXISTS reprice_scope")
        con.execute("DROP TABLE IF EXISTS event_prices")
    if not lines:
        notes.append("no telemetry in scope: nothing to re-estimate")
    notes.append(
        "a cost the telemetry source reported (LiteLLM spend, OTel gen_ai.usage.cost) is kept and still wins "
        "over the catalog; only catalog estimates change"
    )
    return RepriceResult(
        run_id=run_id,
        dry_run=dry_run,
        since=since,
        events=sum(x.events for x in lines),
        changed=changed_total,
        estimated_before=_f(total_before),
        estimated_after=_f(total_after),
        change=_f(total_after - total_before),
        lines=lines,
        notes=notes,
    )
