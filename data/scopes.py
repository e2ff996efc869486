"""Restated exports: what a delivery replaces. Runs inside the import's transaction, after its rows are inserted,
so a reader sees the store before the delivery or after it, never a mix (docs/importers.md, "Restated exports").

A *scope* is (source kind, BillingAccountId, BillingPeriodStart, ProviderName): one provider's billing account
for one billing period, as one export covers it. For every scope the delivery has rows in, its *window* is the
charge period those rows span. The mode decides what happens to the rows earlier imports of the same kind
stored for that scope:

* `replace-period`: all of them are removed (the delivery is the whole period).
* `append`: none are; rows identical to stored ones (all source columns equal, counted as a multiset) are
  skipped, so re-sent lines are not counted twice.
* `auto` (the default), over the stored rows in the window:
  - none: the delivery adds days (or parts) the store did not have: added;
  - the delivery carries an export watermark (GCP `export_time`) later than every stored row's: an incremental
    pull, appended;
  - it re-sends at least half of their line items (same charge period, account, resource, SKU, meter, charge
    category, commitment, ...; costs and invoice ids may differ): a version of the export for those days. When
    the imports whose rows it would replace also hold days after its window (a month-to-date export of days 1-3
    is stored and this one covers days 1-2), it is an older version: the store keeps the newer one and nothing
    of the delivery is imported for that scope ("kept"). Otherwise it is the newer version: replaced;
  - it re-sends none of them: another part of the same export, or other data for the same days: added;
  - it re-sends some of them, unchanged (overlapping windows of an export): appended, the re-sent rows skipped;
  - it re-sends some of them with other values: ambiguous; the import is refused with the choices
    (`--replace-period`, `--append`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

import duckdb
from spendscope.data.errors import ImportRejected
from spendscope.data.sql import ident, literal

Mode = Literal["auto", "replace-period", "append"]
MODES: tuple[str, ...] = ("auto", "replace-period", "append")

SCOPE_COLUMNS = ("BillingAccountId", "BillingPeriodStart", "ProviderName")
# What makes two rows the same line item in two versions of an export: never the amounts (a restatement revises
# them), the invoice id (set when the month closes) or the tags (applied after the fact).
LINE_KEY_COLUMNS = (
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "SubAccountId",
    "ResourceId",
    "SkuId",
    "SkuPriceId",
    "SkuMeter",
    "ChargeCategory",
    "ChargeClass",
    "ChargeFrequency",
    "ChargeDescription",
    "CommitmentDiscountId",
    "PricingCategory",
    "RegionId",
    "ServiceName",
)
REPLACE_SHARE = 0.5
WATERMARK = "x_ExportTime"
# The cost view (SkuPriceDetails key) of commitment rows whose treatment differs between an export's views:
# Azure's actual cost (purchases at full cost, covered usage 0) and amortised cost (purchases 0, covered and
# unused usage at their share). A scope holding commitment rows of both views counts each commitment twice.
COST_VIEW = "x_CostView"
# The sources that each hold a whole bill (x_Source): a provider's account and billing period held by two of
# them is the same bill twice (AWS delivers CUR 2.0 and FOCUS exports of one bill; Azure actual/amortised and
# FOCUS exports; a provider's FOCUS file beside its API sync).
BILL_SOURCES = ("focus", "aws_cur", "azure", "gcp", "openai_api", "anthropic_api")
# The billing profile a row is billed under, where the source names one (Azure cost exports: `billingProfileId`).
# For a Microsoft Customer Agreement the bill is the billing profile's: Microsoft's FOCUS export names the profile
# as BillingAccountId, the Azure cost export the billing account (with the profile beside it), so one bill arrives
# under two names. The one-bill rule (`_same_bill`) compares every name a row gives its bill.
PROFILE = "x_BillingProfileId"
# Above this many stored rows in a window, line items are compared on a consistent sample: the items whose
# (charge period, resource, meter) hash falls in one of 8 buckets, the same items on both sides.
SAMPLE_ABOVE = 50_000


@dataclass
class ScopeOutcome:
    """What one import did to one scope."""

    billing_account_id: str | None
    billing_period_start: object
    provider_name: str | None
    action: str  # added | replaced | appended | kept (an older export: the store holds a newer one)
    window_start: object
    window_end: object
    rows: int
    billed_cost: Decimal
    effective_cost: Decimal
    rows_before: int = 0
    billed_cost_before: Decimal = Decimal(0)
    effective_cost_before: Decimal = Decimal(0)
    replaced_imports: list[str] = field(default_factory=list)
    note: str | None = None
    sub_account: str | None = None  # the scope's sub-account where it names no billing account (`scope_sub`)

    def label(self) -> str:
        period = getattr(self.billing_period_start, "strftime", None)
        month = period("%Y-%m") if period else None
        return scope_label(self.provider_name, self.billing_account_id, self.sub_account, month)


def scope_label(provider: str | None, account: str | None, sub_account: str | None, month: str | None) -> str:
    """How a scope is named to a user: `OpenAI account acct-1 2026-10`; a scope naming no billing account by the
    sub-account that stands in for it (`OpenAI sub-account proj_a (no billing account) 2026-10`)."""
    if account:
        who = f"account {account}"
    elif sub_account:
        who = f"sub-account {sub_account} (no billing account)"
    else:
        who = "(no billing account)"
    return f"{provider or 'no provider'} {who} {month or '(no billing period)'}"


def scope_sub(alias: str) -> str:
    """The sub-account that stands in for the billing account of a row naming none: a file without a billing
    account column (a GCP query that left `billing_account_id` out, a CUR column selection without
    `bill_payer_account_id`, a FOCUS file without BillingAccountId) says nothing of whose bill it is, and without
    this every such file shared one scope: restating one project's or account's month replaced the others' rows
    (probe 27). NULL for rows that name their billing account."""
    return f"(CASE WHEN {alias}.BillingAccountId IS NULL THEN {alias}.SubAccountId END)"


def _match(a: str, b: str, *, sub: str | None = "x_ScopeSub") -> str:
    """Row `a` (of `costs`) is in scope `b`: the same SCOPE_COLUMNS and, where they name no billing account, the same
    sub-account (`b`'s column `sub`, or both rows' own when `sub` is "row"; None: not compared)."""
    same = [f"{a}.{ident(c)} IS NOT DISTINCT FROM {b}.{ident(c)}" for c in SCOPE_COLUMNS]
    if sub == "row":
        same.append(f"{scope_sub(a)} IS NOT DISTINCT FROM {scope_sub(b)}")
    elif sub:
        same.append(f"{scope_sub(a)} IS NOT DISTINCT FROM {b}.{ident(sub)}")
    return " AND ".join(same)


def _in_scope(c: str, s: str) -> str:
    """Row `c` (of `costs`) is in new scope `s` (`new_scopes`): `_match`, and not billed under a billing profile
    the delivery's rows of that scope do not name. A Microsoft Customer Agreement bills per billing profile, and
    its cost export is scoped to the billing account (every profile) or to one profile: restating profile P1's
    month from a profile-scoped export must not replace profile P2's rows of the account-scoped export imported
    before (probe 28: P2's rows were deleted without a word). Rows or deliveries naming no profile compare by
    account alone; an EA export names its enrollment as the profile of every row, so nothing changes for it."""
    return (
        f"{_match(c, s)} AND ({c}.{PROFILE} IS NULL OR {s}.unprofiled "
        f"OR list_contains({s}.profiles, {c}.{PROFILE}))"
    )


def _same_bill(c: str, s: str) -> str:
    """Stored row `c` belongs to the bill of new scope `s` (same provider and billing period) when it names the bill
    as the scope does (BillingAccountId, NULL included) under no other billing profile than the scope's rows give,
    or when it names the bill by a billing profile the scope names (its profile is one of the scope's accounts or
    profiles, `s.names`; its BillingAccountId is one of the scope's profiles, `s.profiles`). An MCA cost export's
    rows (billing account A, profile P) and Microsoft's FOCUS export of profile P (BillingAccountId P) are one bill
    in either order; the FOCUS export of another profile of A is not, and neither is a file naming A with another
    profile (a FOCUS file's own x_BillingProfileId). Rows or scopes naming no profile compare by account alone. An
    EA export names its enrollment as both: nothing changes."""
    return (
        f"{c}.ProviderName IS NOT DISTINCT FROM {s}.ProviderName "
        f"AND {c}.BillingPeriodStart IS NOT DISTINCT FROM {s}.BillingPeriodStart "
        f"AND (({c}.BillingAccountId IS NOT DISTINCT FROM {s}.BillingAccountId "
        f"AND {scope_sub(c)} IS NOT DISTINCT FROM {s}.x_ScopeSub "
        f"AND ({c}.{PROFILE} IS NULL OR {s}.unprofiled OR list_contains({s}.profiles, {c}.{PROFILE}))) "
        f"OR list_contains({s}.names, {c}.{PROFILE}) OR list_contains({s}.profiles, {c}.BillingAccountId))"
    )


def line_key(alias: str) -> str:
    return "hash(" + ", ".join(f"{alias}.{ident(c)}" for c in LINE_KEY_COLUMNS) + ")"


def fingerprint(alias: str, columns: list[str]) -> str:
    """Hash of a row's source values: every column but provenance and the derived AI columns."""
    return "hash(" + ", ".join(f"{alias}.{ident(c)}" for c in columns) + ")"


def _sampled(alias: str) -> str:
    return f"(hash({alias}.ChargePeriodStart, {alias}.ResourceId, {alias}.SkuMeter) % 8 = 0)"


def _in_window(c: str, s: str) -> str:
    return (
        f"({c}.ChargePeriodStart >= {s}.window_start AND ({c}.ChargePeriodStart < {s}.window_end "
        f"OR {c}.ChargePeriodStart = {s}.window_start))"
    )


def apply_scopes(
    con: duckdb.DuckDBPyConnection,
    db: str,
    *,
    kind: str,
    import_id: str,
    mode: Mode,
    source_columns: list[str],
) -> list[ScopeOutcome]:
    """Decide, per scope, what the rows just inserted as `import_id` do to earlier imports of `kind`, apply it
    (delete replaced rows, or the appended rows the store already holds) and return what happened."""
    has_watermark = WATERMARK in source_columns
    mark = f"max({WATERMARK})" if has_watermark else "NULL"
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE new_scopes AS
            SELECT row_number() OVER () AS sid, *
            FROM (SELECT {", ".join(ident(c) for c in SCOPE_COLUMNS)}, count(*) AS rows,
                         coalesce(sum(BilledCost), 0) AS billed, coalesce(sum(EffectiveCost), 0) AS effective,
                         min(ChargePeriodStart) AS window_start,
                         max(coalesce(ChargePeriodEnd, ChargePeriodStart)) AS window_end,
                         max(ChargePeriodStart) AS last_start,
                         {"min(" + WATERMARK + ")" if has_watermark else "NULL"} AS first_mark,
                         list(DISTINCT {_view("costs")}) FILTER (WHERE CommitmentDiscountId IS NOT NULL
                                                             AND {_view("costs")} IS NOT NULL) AS views,
                         list_distinct(list_concat(list(DISTINCT BillingAccountId),
                                                   list(DISTINCT {PROFILE}))) AS names,
                         coalesce(list(DISTINCT {PROFILE}) FILTER (WHERE {PROFILE} IS NOT NULL),
                                  []::VARCHAR[]) AS profiles,
                         bool_or({PROFILE} IS NULL) AS unprofiled,
                         {scope_sub("costs")} AS x_ScopeSub
                  FROM {db}.costs WHERE x_ImportId = ? GROUP BY ALL)""",
        [import_id],
    )
    whole = mode == "replace-period"
    if mode == "auto":
        _refuse_other_sources(con, db, kind, import_id)
    # --replace-period replaces the period whichever bill source holds it (switching a bill from one source to
    # another); otherwise only the rows of the same kind are compared
    sources = list(BILL_SOURCES) if whole and kind in BILL_SOURCES else [kind]
    # the delivery's own kind: its scopes as before (a whole-account export replaced by the next, whatever
    # profiles either holds); any bill source: the same bill under another name too
    on = (
        f"(({_match('c', 's')}) AND c.x_Source = {literal(kind)}) OR ({_same_bill('c', 's')})"
        if whole
        else _in_scope("c", "s")
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE prior AS
            SELECT c.rowid AS rid, s.sid, c.x_ImportId AS import_id, c.BilledCost, c.EffectiveCost,
                   {f"c.{WATERMARK}" if has_watermark else "NULL"} AS mark
            FROM {db}.costs AS c JOIN new_scopes AS s ON {on}
            WHERE list_contains(CAST(? AS VARCHAR[]), c.x_Source) AND c.x_ImportId <> ?
                  {"" if whole else "AND " + _in_window("c", "s")}""",
        [sources, import_id],
    )
    stats = {
        r[0]: r[1:]
        for r in con.execute(
            "SELECT sid, count(*), coalesce(sum(BilledCost), 0), coalesce(sum(EffectiveCost), 0), "
            f"list(DISTINCT import_id ORDER BY import_id), {mark.replace(WATERMARK, 'mark')} "
            "FROM prior GROUP BY sid"
        ).fetchall()
    }
    shared: dict[int, tuple[int, int]] = {}
    if mode == "auto" and stats:
        sampled = sum(v[0] for v in stats.values()) > SAMPLE_ABOVE
        shared = _shared_line_items(con, db, import_id, sampled)
        thin = [sid for sid, (_, total) in shared.items() if total < 200] + [
            s for s in stats if s not in shared
        ]
        if sampled and thin:  # too few items fell in the sample: compare those scopes in full
            shared |= {k: v for k, v in _shared_line_items(con, db, import_id, False).items() if k in thin}
    newer = _newer_imports(con, db, kind, import_id) if shared else {}
    outcomes: list[ScopeOutcome] = []
    kept_sids: list[int] = []
    replace_sids: list[int] = []
    dedupe_sids: list[int] = []
    ambiguous: list[str] = []
    for (
        sid,
        acct,
        period,
        provider,
        rows,
        billed,
        effective,
        ws,
        we,
        _last,
        first_mark,
        _views,
        _names,
        _profiles,
        _unprofiled,
        sub,
    ) in con.execute("SELECT * FROM new_scopes ORDER BY sid").fetchall():
        out = ScopeOutcome(acct, period, provider, "added", ws, we, rows, billed, effective, sub_account=sub)
        outcomes.append(out)
        if sid not in stats:
            continue
        n, b, e, imports, last_mark = stats[sid]
        out.replaced_imports = list(imports)
        if mode == "replace-period":
            action = "replaced"
        elif mode == "append":
            action = "appended"
        elif first_mark is not None and last_mark is not None and first_mark > last_mark:
            action, out.note = "appended", "incremental pull: every row is newer than the stored ones"
        else:
            hit, total = shared.get(sid, (0, 1))
            if hit >= REPLACE_SHARE * total and sid in newer:
                kept_sids.append(sid)
                out.action, (through, by) = "kept", newer[sid]
                out.note = (
                    f"an older export than {', '.join(by)}, which holds this scope through {_day(through)}: the "
                    "store keeps the newer export (to import this one anyway: --replace-period)"
                )
                continue
            if hit >= REPLACE_SHARE * total:
                action = "replaced"
            elif hit == 0:
                action, out.note = "appended", "re-sends none of the stored line items for these days"
            else:
                ambiguous.append(
                    f"{out.label()}: it re-sends {hit:,} of the {total:,} line items the store holds for "
                    f"{_day(ws)}..{_day(we)} (imports {', '.join(imports)})"
                )
                continue
        if action == "replaced":
            out.action, out.rows_before, out.billed_cost_before, out.effective_cost_before = action, n, b, e
            replace_sids.append(sid)
        else:
            out.action = "appended"
            dedupe_sids.append(sid)
            out.replaced_imports = []
    if ambiguous:
        raise ImportRejected(
            "the delivery neither restates nor extends what the store holds: "
            + "; ".join(ambiguous)
            + ". If it replaces those days, import it with --replace-period; if it adds to them (an incremental "
            "export), with --append; nothing was imported",
            ambiguous=ambiguous,
        )
    if kept_sids:
        con.execute(
            f"""DELETE FROM {db}.costs WHERE rowid IN (
                    SELECT c.rowid FROM {db}.costs AS c JOIN new_scopes AS s ON {_in_scope("c", "s")}
                    WHERE c.x_ImportId = ? AND s.sid IN (SELECT unnest(CAST(? AS BIGINT[]))))""",
            [import_id, kept_sids],
        )
        for out, sid in zip(outcomes, range(1, len(outcomes) + 1), strict=True):
            if sid in kept_sids:
                out.rows, out.billed_cost, out.effective_cost = 0, Decimal(0), Decimal(0)
                out.replaced_imports = []
    if replace_sids:
        con.execute(
            f"DELETE FROM {db}.costs WHERE rowid IN (SELECT rid FROM prior WHERE sid IN "
            f"(SELECT unnest(CAST(? AS BIGINT[]))))",
            [replace_sids],
        )
    _refuse_two_views(con, db, kind, import_id, kept_sids, outcomes)
    if dedupe_sids:
        skipped = _skip_stored_rows(con, db, import_id, dedupe_sids, source_columns)
        for out, sid in zip(outcomes, range(1, len(outcomes) + 1), strict=True):
            if sid in skipped:
                out.rows, out.billed_cost, out.effective_cost = (
                    out.rows - skipped[sid][0],
                    out.billed_cost - skipped[sid][1],
                    out.effective_cost - skipped[sid][2],
                )
                out.note = (out.note + "; " if out.note else "") + f"{skipped[sid][0]:,} rows already stored"
    return outcomes


def _refuse_other_sources(con: duckdb.DuckDBPyConnection, db: str, kind: str, import_id: str) -> None:
    """Refuse a delivery whose scope (account, billing period, provider) another bill source already holds for
    the same days: the same bill read twice (a CUR and a FOCUS export of one AWS account, say; an MCA cost export
    and Microsoft's FOCUS export of its billing profile, which name the bill differently: `_same_bill`). Where one side
    names no billing account (the provider API syncs' rows: the APIs name no organisation), the bill is
    recognised by the provider, project (SubAccountId) and day both name (data/sync_overlap.py, the other way).
    Rows of the delivery's own kind count too when they name the bill otherwise (Microsoft's FOCUS export names an
    MCA bill by its profile, another FOCUS file by the billing account with that profile in x_BillingProfileId):
    the scope rule compares a kind's rows by BillingAccountId only and would add the second beside the first."""
    if kind not in BILL_SOURCES:
        return
    others = [k for k in BILL_SOURCES if k != kind]
    found = con.execute(
        f"""SELECT s.sid, list(DISTINCT c.x_Source ORDER BY c.x_Source),
                   list(DISTINCT c.x_ImportId ORDER BY c.x_ImportId), count(*), coalesce(sum(c.EffectiveCost), 0),
                   list(DISTINCT [c.BillingAccountId, c.{PROFILE}] ORDER BY [c.BillingAccountId, c.{PROFILE}])
                       FILTER (WHERE c.BillingAccountId IS DISTINCT FROM s.BillingAccountId)
            FROM {db}.costs AS c JOIN new_scopes AS s ON {_same_bill("c", "s")}
            WHERE (list_contains(CAST(? AS VARCHAR[]), c.x_Source)
                   OR (c.x_Source = ? AND c.x_ImportId <> ? AND c.BillingAccountId IS DISTINCT FROM s.BillingAccountId))
                  AND {_in_window("c", "s")}
            GROUP BY s.sid
            UNION ALL
            SELECT s.sid, list(DISTINCT c.x_Source ORDER BY c.x_Source),
                   list(DISTINCT c.x_ImportId ORDER BY c.x_ImportId), count(*), coalesce(sum(c.EffectiveCost), 0),
                   NULL
            FROM {db}.costs AS c JOIN new_scopes AS s
                 ON c.ProviderName = s.ProviderName AND c.BillingPeriodStart IS NOT DISTINCT FROM s.BillingPeriodStart
                 AND (c.BillingAccountId IS NULL) <> (s.BillingAccountId IS NULL)
            WHERE list_contains(CAST(? AS VARCHAR[]), c.x_Source) AND {_in_window("c", "s")}
                  AND EXISTS (SELECT 1 FROM {db}.costs AS n WHERE n.x_ImportId = ?
                              AND n.BillingAccountId IS NOT DISTINCT FROM s.BillingAccountId
                              AND n.ProviderName = c.ProviderName AND n.SubAccountId = c.SubAccountId
                              AND date_trunc('day', n.ChargePeriodStart) = date_trunc('day', c.ChargePeriodStart))
            GROUP BY s.sid
            ORDER BY 1""",
        [others, kind, import_id, others, import_id],
    ).fetchall()
    if not found:
        return
    labels = {
        r[0]: (r[1], r[2], r[3])
        for r in con.execute(
            "SELECT sid, BillingAccountId, BillingPeriodStart, ProviderName FROM new_scopes"
        ).fetchall()
    }
    parts = []
    for sid, sources, imports, rows, effective, renamed in found:
        acct, period, provider = labels[sid]
        label = ScopeOutcome(acct, period, provider, "", None, None, 0, Decimal(0), Decimal(0)).label()
        parts.append(
            f"{label}: the store holds {rows:,} rows (effective cost {effective:,.2f}) of these days from "
            f"{', '.join(source_name(x) for x in sources)} (import {', '.join(imports)}{_other_names(renamed)})"
        )
    raise ImportRejected(
        "another export of the same bill is already imported, and importing both counts it twice: "
        + "; ".join(parts)
        + ". To use this file instead, import it with --replace-period (it replaces that source's rows of the "
        "period); to add it beside them on purpose, with --append; nothing was imported",
        sources=parts,
    )


def _other_names(renamed: list[list[str | None]] | None) -> str:
    """How the stored rows name the bill when it is not the new scope's BillingAccountId (an MCA bill: the cost
    export's billing account and profile, or the FOCUS export's profile)."""
    if not renamed:
        return ""
    names = [f"{a}" + (f" (billing profile {p})" if p and p != a else "") for a, p in renamed]
    return f", which names this bill {', '.join(names)}"


def source_name(source: str) -> str:
    command = {
        "aws_cur": "spendscope import aws-cur",
        "openai_api": "spendscope sync openai",
        "anthropic_api": "spendscope sync anthropic",
    }.get(source, f"spendscope import {source}")
    return f"`{command}`"


def _view(alias: str) -> str:
    return f"json_extract_string({alias}.SkuPriceDetails, '$.{COST_VIEW}')"


def _refuse_two_views(
    con: duckdb.DuckDBPyConnection,
    db: str,
    kind: str,
    import_id: str,
    kept_sids: list[int],
    outcomes: list[ScopeOutcome],
) -> None:
    """Refuse a delivery whose commitment rows are of one cost view when, after what it replaced, the store still
    holds commitment rows of the other view for the same scope (any day of the billing period): a reservation's
    purchase at full cost (actual) beside the usage that spreads the same purchase (amortised) counts it twice.
    Only scopes whose new commitment rows name a view are looked at (Azure's), so other imports pay nothing."""
    scoped = [
        r[0]
        for r in con.execute(
            "SELECT sid FROM new_scopes WHERE len(views) > 0 AND sid NOT IN (SELECT unnest(CAST(? AS BIGINT[])))",
            [kept_sids],
        ).fetchall()
    ]
    if not scoped:
        return
    clashes = con.execute(
        f"""SELECT s.sid, any_value(s.views), list(DISTINCT {_view("c")} ORDER BY {_view("c")}),
                   list(DISTINCT c.x_ImportId ORDER BY c.x_ImportId)
            FROM {db}.costs AS c JOIN new_scopes AS s ON {_in_scope("c", "s")}
            WHERE c.x_Source = ? AND c.x_ImportId <> ? AND c.CommitmentDiscountId IS NOT NULL
              AND s.sid IN (SELECT unnest(CAST(? AS BIGINT[])))
              AND {_view("c")} IS NOT NULL AND NOT list_contains(s.views, {_view("c")})
            GROUP BY s.sid ORDER BY s.sid""",
        [kind, import_id, scoped],
    ).fetchall()
    if not clashes:
        return
    parts = []
    for sid, new_views, old_views, imports in clashes:
        parts.append(
            f"{outcomes[sid - 1].label()}: the store holds the {'/'.join(_view_name(v) for v in old_views)} view "
            f"(import {', '.join(imports)}) and this file is the {'/'.join(_view_name(v) for v in new_views)} view"
        )
    raise ImportRejected(
        "a billing period would hold both cost views of one bill, and each commitment would be counted twice "
        "(its purchase in full and the usage it is spread over): "
        + "; ".join(parts)
        + ". Import the same view as before, or switch views with --replace-period (this file then replaces "
        "every row of the period); nothing was imported",
        views=[p for p in parts],
    )


def _view_name(view: str) -> str:
    return {"ActualCost": "actual-cost", "AmortizedCost": "amortised-cost"}.get(view, view)


def _newer_imports(
    con: duckdb.DuckDBPyConnection, db: str, kind: str, import_id: str
) -> dict[int, tuple[object, list[str]]]:
    """sid -> (last charge day, imports) for scopes where an import whose rows lie in the delivery's window also
    holds rows starting after the window: that import came from a later export than the delivery."""
    return {
        r[0]: (r[1], r[2])
        for r in con.execute(
            f"""SELECT s.sid, max(c.ChargePeriodStart), list(DISTINCT c.x_ImportId ORDER BY c.x_ImportId)
                FROM {db}.costs AS c JOIN new_scopes AS s ON {_in_scope("c", "s")}
                JOIN (SELECT DISTINCT sid, import_id FROM prior) AS p
                  ON p.sid = s.sid AND p.import_id = c.x_ImportId
                WHERE c.x_Source = ? AND c.x_ImportId <> ? AND c.ChargePeriodStart >= s.window_end
                  AND c.ChargePeriodStart > s.last_start
                GROUP BY s.sid""",
            [kind, import_id],
        ).fetchall()
    }


def _shared_line_items(
    con: duckdb.DuckDBPyConnection, db: str, import_id: str, sampled: bool
) -> dict[int, tuple[int, int]]:
    """sid -> (line items of the stored rows in the window that the delivery re-sends, all of them)."""
    only = f"AND {_sampled('c')}" if sampled else ""
    return {
        r[0]: (r[1], r[2])
        for r in con.execute(
            f"""WITH pk AS (SELECT DISTINCT p.sid, {line_key("c")} AS lk
                            FROM prior AS p JOIN {db}.costs AS c ON c.rowid = p.rid WHERE true {only}),
                nk AS (SELECT DISTINCT s.sid, {line_key("c")} AS lk
                       FROM {db}.costs AS c JOIN new_scopes AS s ON {_in_scope("c", "s")}
                       WHERE c.x_ImportId = ? AND s.sid IN (SELECT sid FROM pk) {only})
                SELECT pk.sid, count(nk.lk), count(*) FROM pk LEFT JOIN nk USING (sid, lk) GROUP BY pk.sid""",
            [import_id],
        ).fetchall()
    }


def _revised(con: duckdb.DuckDBPyConnection, db: str, import_id: str, sid: int, columns: list[str]) -> int:
    """New rows of scope `sid` for a line item the store holds whose values differ from every stored row of it."""
    fp = fingerprint("c", columns)
    return con.execute(
        f"""WITH old AS (SELECT {line_key("c")} AS lk, {fp} AS fp FROM prior AS p JOIN {db}.costs AS c
                         ON c.rowid = p.rid WHERE p.sid = ?)
            SELECT count(*) FROM {db}.costs AS c JOIN new_scopes AS s ON {_in_scope("c", "s")}
            WHERE c.x_ImportId = ? AND s.sid = ? AND {line_key("c")} IN (SELECT lk FROM old)
              AND {fp} NOT IN (SELECT fp FROM old)""",
        [sid, import_id, sid],
    ).fetchall()[0][0]


def _skip_stored_rows(
    con: duckdb.DuckDBPyConnection, db: str, import_id: str, sids: list[int], columns: list[str]
) -> dict[int, tuple[int, Decimal, Decimal]]:
    """Delete the new rows of scopes `sids` that the store already holds (the n-th copy of a row is dropped while
    the store has n copies of it). Returns sid -> (rows, billed, effective) dropped."""
    fp_new, fp_old = fingerprint("c", columns), fingerprint("c", columns)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE stored_fp AS
            SELECT p.sid, {fp_old} AS fp, count(*) AS copies
            FROM prior AS p JOIN {db}.costs AS c ON c.rowid = p.rid
            WHERE p.sid IN (SELECT unnest(CAST(? AS BIGINT[]))) GROUP BY ALL""",
        [sids],
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE repeated AS
            SELECT rid, sid, BilledCost, EffectiveCost FROM (
                SELECT c.rowid AS rid, s.sid, c.BilledCost, c.EffectiveCost, f.copies,
                       row_number() OVER (PARTITION BY s.sid, f.fp ORDER BY c.x_SourceFile, c.x_SourceRow) AS k
                FROM {db}.costs AS c JOIN new_scopes AS s ON {_in_scope("c", "s")}
                JOIN stored_fp AS f ON f.sid = s.sid AND f.fp = {fp_new}
                WHERE c.x_ImportId = ?)
            WHERE k <= copies""",
        [import_id],
    )
    out = {
        r[0]: (r[1], r[2], r[3])
        for r in con.execute(
            "SELECT sid, count(*), coalesce(sum(BilledCost), 0), coalesce(sum(EffectiveCost), 0) "
            "FROM repeated GROUP BY sid"
        ).fetchall()
    }
    if out:
        con.execute(f"DELETE FROM {db}.costs WHERE rowid IN (SELECT rid FROM repeated)")
    return out


def check_parts(con: duckdb.DuckDBPyConnection, db: str, import_id: str, files: list[str]) -> bool:
    """For a delivery of several files: True when they are parts of one export (no file re-sends another's line
    items in a scope), False when a later file is a newer version of an earlier one (it re-sends at least half of
    its line items). Anything in between is refused."""
    rows = con.execute(
        f"""WITH k AS (SELECT DISTINCT {", ".join(ident(c) for c in SCOPE_COLUMNS)}, SubAccountId, x_SourceFile AS f,
                              {line_key("c")} AS lk
                       FROM {db}.costs AS c WHERE x_ImportId = ?),
                 sizes AS (SELECT f, count(*) AS n FROM k GROUP BY f)
            SELECT a.f, b.f, count(*) AS shared, least(sa.n, sb.n) AS smaller
            FROM k AS a JOIN k AS b ON a.lk = b.lk AND a.f < b.f AND {_match("a", "b", sub="row")}
            JOIN sizes AS sa ON sa.f = a.f JOIN sizes AS sb ON sb.f = b.f
            GROUP BY ALL""",
        [import_id],
    ).fetchall()
    for a, b, hit, smaller in rows:
        if hit >= REPLACE_SHARE * smaller:
            return False
        ambiguous = f"{b} re-sends {hit:,} of the line items of {a} (of {smaller:,})"
        raise ImportRejected(
            f"{ambiguous}: they are neither parts of one export nor two versions of it; import them one at a "
            "time, each with the mode it needs (--replace-period or --append); nothing was imported",
            files=[a, b],
        )
    return True


def record_scopes(
    con: duckdb.DuckDBPyConnection, db: str, *, kind: str, import_id: str, outcomes: list[ScopeOutcome]
) -> list[str]:
    """Write `import_scopes` for this import and mark what it superseded. Returns the earlier imports that have
    no rows left in the store (marked superseded as a whole)."""
    for o in outcomes:
        con.execute(
            f"""INSERT INTO {db}.import_scopes (import_id, kind, BillingAccountId, SubAccountId, BillingPeriodStart,
                ProviderName, action, window_start, window_end, rows, billed_cost, effective_cost, rows_before,
                billed_cost_before, effective_cost_before, replaced_imports, superseded_by, note)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)""",
            [
                import_id,
                kind,
                o.billing_account_id,
                o.sub_account,
                o.billing_period_start,
                o.provider_name,
                o.action,
                o.window_start,
                o.window_end,
                o.rows,
                o.billed_cost,
                o.effective_cost,
                o.rows_before,
                o.billed_cost_before,
                o.effective_cost_before,
                json.dumps(o.replaced_imports),
                o.note,
            ],
        )
    touched = sorted({i for o in outcomes if o.action == "replaced" for i in o.replaced_imports})
    if not touched:
        return []
    # an earlier import's scope with no rows left is superseded by this import
    con.execute(
        f"""UPDATE {db}.import_scopes AS s SET superseded_by = ?
            WHERE s.import_id IN (SELECT unnest(CAST(? AS VARCHAR[]))) AND s.superseded_by IS NULL
              AND NOT EXISTS (SELECT 1 FROM {db}.costs AS c WHERE c.x_ImportId = s.import_id
                              AND {_match("c", "s", sub=None)})""",
        [import_id, touched],
    )
    gone = [
        r[0]
        for r in con.execute(
            f"""SELECT i FROM (SELECT unnest(CAST(? AS VARCHAR[])) AS i)
                WHERE NOT EXISTS (SELECT 1 FROM {db}.costs AS c WHERE c.x_ImportId = i)""",
            [touched],
        ).fetchall()
    ]
    if gone:
        con.execute(
            f"UPDATE {db}.imports SET superseded_by = ? WHERE import_id IN (SELECT unnest(CAST(? AS VARCHAR[])))",
            [import_id, gone],
        )
    return gone


def _day(ts: object) -> str:
    fmt = getattr(ts, "strftime", None)
    return fmt("%Y-%m-%d") if fmt else "?"
