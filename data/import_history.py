"""The import history behind `spendscope imports`: each import, what it added, what it replaced (rows and cost
before and after, per scope) and whether a later import superseded it."""

from __future__ import annotations

import json
from decimal import Decimal

from pydantic import BaseModel, Field
from spendscope.data.scopes import scope_label
from spendscope.data.store import Store


class ScopeHistory(BaseModel):
    label: str = Field(description="provider, billing account and billing period")
    action: str
    rows: int
    effective_cost: Decimal
    rows_before: int
    effective_cost_before: Decimal
    delta_rows: int
    delta_cost: Decimal
    replaced_imports: list[str]
    superseded_by: str | None = None
    note: str | None = None


class ImportHistory(BaseModel):
    import_id: str
    kind: str
    source_file: str | None
    finished_at: str | None
    mode: str | None
    status: str
    rows_read: int
    rows_inserted: int
    rows_replaced: int
    effective_cost: Decimal | None
    rows_now: int = Field(description="rows of this import still in the store")
    state: str = Field(
        description="live, partly superseded, superseded, kept out (an older export than the stored one), or the "
        "recorded status"
    )
    superseded_by: str | None = None
    scopes: list[ScopeHistory] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)


def list_imports(store: Store, *, limit: int = 50) -> list[ImportHistory]:
    with store.reader() as con:
        rows = con.execute(
            """SELECT import_id, kind, source_file, CAST(finished_at AS VARCHAR), mode, status, rows_read,
                      rows_inserted, coalesce(rows_replaced, 0), effective_cost, superseded_by, warnings
               FROM imports ORDER BY finished_at DESC, import_seq DESC NULLS LAST LIMIT ?""",
            [limit],
        ).fetchall()
        ids = [r[0] for r in rows]
        live = dict(
            con.execute(
                "SELECT x_ImportId, count(*) FROM costs WHERE x_ImportId IN (SELECT unnest(CAST(? AS VARCHAR[]))) "
                "GROUP BY 1",
                [ids],
            ).fetchall()
        )
        scopes: dict[str, list[ScopeHistory]] = {}
        for s in con.execute(
            """SELECT import_id, ProviderName, BillingAccountId, SubAccountId, strftime(BillingPeriodStart, '%Y-%m'),
                      action, rows,
                      coalesce(effective_cost, 0), coalesce(rows_before, 0), coalesce(effective_cost_before, 0),
                      replaced_imports, superseded_by, note
               FROM import_scopes WHERE import_id IN (SELECT unnest(CAST(? AS VARCHAR[])))
               ORDER BY import_id, BillingPeriodStart, BillingAccountId""",
            [ids],
        ).fetchall():
            (iid, provider, account, sub, month, action, n, cost, n0, cost0, replaced, by, note) = s
            scopes.setdefault(iid, []).append(
                ScopeHistory(
                    label=scope_label(provider, account, sub, month),
                    action=action,
                    rows=n,
                    effective_cost=cost,
                    rows_before=n0,
                    effective_cost_before=cost0,
                    delta_rows=n - n0,
                    delta_cost=cost - cost0,
                    replaced_imports=json.loads(replaced) if replaced else [],
                    superseded_by=by,
                    note=note,
                )
            )
    out = []
    for iid, kind, source, finished, mode, status, read, inserted, replaced, cost, by, warnings in rows:
        own = scopes.get(iid, [])
        now = live.get(iid, 0)
        if status != "ok" or not own:
            state = status if status != "ok" else "live"
        elif by or (now == 0 and inserted):
            state = "superseded"
        elif not inserted and all(s.action == "kept" for s in own):
            state = "kept out: older than the stored export"
        elif any(s.superseded_by for s in own) or now < inserted:
            state = "partly superseded"
        else:
            state = "live"
        out.append(
            ImportHistory(
                import_id=iid,
                kind=kind,
                source_file=source,
                finished_at=finished,
                mode=mode,
                status=status,
                rows_read=read or 0,
                rows_inserted=inserted or 0,
                rows_replaced=replaced,
                effective_cost=cost if cost is not None else None,
                rows_now=now if own else (inserted or 0),
                state=state,
                superseded_by=by,
                scopes=own,
                warnings=json.loads(warnings) if warnings else [],
            )
        )
    return out


__all__ = ["ImportHistory", "ScopeHistory", "list_imports", "Decimal"]
