"""The shared tail of the coding-assistant sources (Claude Code, Cursor, GitHub Copilot), for their API syncs and
their CSV imports alike.

A source stages up to three tables in an in-memory connection, one row per what the vendor reports:

- `usage_in`: usage charges per day, user, model and kind (premium requests, usage-based requests, token
  overages), with their cost, list cost, quantity and tokens by kind;
- `seats_in`: the seat roster (user, plan, monthly price, assigned/ends, last activity);
- `activity_in`: productivity signals per day and user (sessions, accepted lines, commits, PRs, ...).

`stage_focus` turns usage and seats into FOCUS rows (`staged`): usage as ChargeCategory Usage, ChargeFrequency
Usage-Based with x_Model, the cost on one row per model and kind and the tokens on zero-cost rows per token type
(the vendors report cost per request, not per token type); seats as recurring charges the way FOCUS models a
prepaid subscription, one Purchase row per user and month (BilledCost, EffectiveCost 0, ChargeFrequency Recurring)
amortised into daily Usage rows (BilledCost 0, EffectiveCost = monthly price / days in the month). Every row carries
the user as the `user` tag (email or login, lower case), so allocation rules map users to teams.

`finish` writes it all in one transaction: the window's rows of the streams this source delivers are replaced
(cost rows by x_Source = the tool, ChargeFrequency and ChargePeriodStart, activity by source and day, the
roster whole), the import is
recorded, and for a sync `_sync_state` advances. Repeating a sync or re-importing a file never double counts; late
revisions inside the window replace the earlier numbers (docs/sync.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import duckdb
from pydantic import BaseModel, Field
from spendscope.data.importing import ImportResult, finish_cost_import
from spendscope.data.naming import canonical_model
from spendscope.data.settings import Settings
from spendscope.data.store import Store
from spendscope.data.syncing import SyncWindow, plan_window, record_failure, record_success, window_partitions
from spendscope.data.value_summary import refresh_summary

UTC = dt.UTC


@dataclass(frozen=True)
class Tool:
    key: str  # claude_code | cursor | github_copilot
    provider: str  # FOCUS ProviderName / PublisherName / InvoiceIssuerName
    service: str  # FOCUS ServiceName
    label: str

    @property
    def roster_source(self) -> str:
        return f"{self.key}_seats"

    @property
    def activity_source(self) -> str:
        return f"{self.key}_activity"


TOOLS = {
    "claude_code": Tool("claude_code", "Anthropic", "Claude Code", "Claude Code"),
    "cursor": Tool("cursor", "Cursor", "Cursor", "Cursor"),
    "github_copilot": Tool("github_copilot", "GitHub", "GitHub Copilot", "GitHub Copilot"),
}
STREAMS = ("usage", "seats", "activity", "roster")

USAGE_COLUMNS = {
    "day": "DATE",
    "user_id": "VARCHAR",
    "model_raw": "VARCHAR",
    "kind": "VARCHAR",  # what the charge is: premium requests, usage-based, included, token overage, ...
    "description": "VARCHAR",
    "cost": "DECIMAL(38,10)",
    "list_cost": "DECIMAL(38,10)",
    "unit_price": "DECIMAL(38,10)",
    "quantity": "DECIMAL(38,10)",
    "unit": "VARCHAR",
    "requests": "BIGINT",
    "input_tokens": "BIGINT",
    "output_tokens": "BIGINT",
    "cache_read_tokens": "BIGINT",
    "cache_write_tokens": "BIGINT",
    "account": "VARCHAR",  # organisation / team the charge belongs to
    "src_row": "BIGINT",
}
SEAT_COLUMNS = {
    "user_id": "VARCHAR",
    "plan": "VARCHAR",
    "monthly_price": "DECIMAL(38,10)",
    "assigned_at": "TIMESTAMPTZ",
    "ends_at": "TIMESTAMPTZ",
    "last_activity_at": "TIMESTAMPTZ",
    "last_activity_surface": "VARCHAR",
    "cycle_spend": "DECIMAL(38,10)",
    "account": "VARCHAR",
}
ACTIVITY_COLUMNS = {
    "day": "DATE",
    "user_id": "VARCHAR",
    "active": "BOOLEAN",
    "sessions": "BIGINT",
    "requests": "BIGINT",
    "accepted_lines": "BIGINT",
    "removed_lines": "BIGINT",
    "suggested_lines": "BIGINT",
    "suggestions_shown": "BIGINT",
    "suggestions_accepted": "BIGINT",
    "commits": "BIGINT",
    "pull_requests": "BIGINT",
    "estimated_cost": "DECIMAL(38,10)",
}
TOKEN_KINDS = (
    ("input_tokens", "input"),
    ("output_tokens", "output"),
    ("cache_read_tokens", "cached_input"),
    ("cache_write_tokens", "cache_write"),
)


class AssistantResult(BaseModel):
    """What one coding-assistant sync or import did."""

    tool: str
    source: str = Field(description="sync, or the imported file")
    window_start: dt.datetime
    window_end: dt.datetime
    incremental: bool = False
    requests: int = Field(0, description="HTTP requests made, retries included (syncs)")
    retries: int = 0
    cost_rows: int = 0
    replaced_rows: int = Field(
        0, description="rows of the same window and streams from earlier runs, now replaced"
    )
    usage_cost: str = Field("0", description="usage charges in the window, as a decimal string")
    seat_cost: str = Field(
        "0", description="seat fees in the window (effective, amortised), as a decimal string"
    )
    total_cost: str = Field("0", description="usage + seats, as a decimal string")
    seats: int = Field(0, description="seats in the roster (when the roster was read)")
    activity_rows: int = 0
    streams: list[str] = Field(default_factory=list, description="what this run delivered and replaced")
    import_result: ImportResult


def sync_window(
    store: Store,
    settings: Settings,
    kind: str,
    *,
    since: dt.date | None,
    until: dt.date | None,
    lookback_days: int | None,
    now: dt.datetime | None,
) -> SyncWindow:
    """The window a coding-assistant sync reads (the provider syncs' rules and settings)."""
    return plan_window(
        store,
        kind,
        since=since,
        until=until,
        lookback_days=settings.sync_lookback_days if lookback_days is None else lookback_days,
        initial_days=settings.sync_initial_days,
        now=now,
    )


@contextmanager
def recording_failure(store: Store, kind: str) -> Iterator[None]:
    """Record any error of the block in `_sync_state` (data untouched) and let it through."""
    try:
        yield
    except Exception as exc:
        record_failure(store, kind, exc)
        raise


def create_inputs(con: duckdb.DuckDBPyConnection) -> None:
    """The empty staging tables a source fills."""
    for name, cols in (
        ("usage_in", USAGE_COLUMNS),
        ("seats_in", SEAT_COLUMNS),
        ("activity_in", ACTIVITY_COLUMNS),
    ):
        con.execute(f"CREATE OR REPLACE TABLE {name} ({', '.join(f'{c} {t}' for c, t in cols.items())})")


def _model_names(con: duckdb.DuckDBPyConnection) -> None:
    raws = [
        r[0]
        for r in con.execute("SELECT DISTINCT model_raw FROM usage_in WHERE model_raw IS NOT NULL").fetchall()
    ]
    con.execute("CREATE OR REPLACE TABLE model_names (raw VARCHAR, model VARCHAR)")
    if raws:
        con.executemany("INSERT INTO model_names VALUES (?, ?)", [(r, canonical_model(r)) for r in raws])


def stage_focus(
    con: duckdb.DuckDBPyConnection, tool: Tool, window: SyncWindow, *, as_of: dt.datetime, seats: bool
) -> None:
    """`usage_in` (and, with `seats`, the seat-days of `seats_in` inside the window) -> `staged` FOCUS rows."""
    _model_names(con)
    # one charge row per day, user, model and kind; one token row per day, user, model and token type
    con.execute(
        """CREATE OR REPLACE TABLE usage_g AS SELECT day, user_id, model_raw, kind, account,
               any_value(description) AS description, sum(cost) AS cost, sum(list_cost) AS list_cost,
               max(unit_price) AS unit_price, sum(quantity) AS quantity, any_value(unit) AS unit,
               sum(requests) AS requests, min(src_row) AS src_row
           FROM usage_in GROUP BY day, user_id, model_raw, kind, account"""
    )
    con.execute(
        """CREATE OR REPLACE TABLE tokens_g AS SELECT day, user_id, model_raw, account, min(src_row) AS src_row,
               sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
               sum(cache_read_tokens) AS cache_read_tokens, sum(cache_write_tokens) AS cache_write_tokens
           FROM usage_in GROUP BY day, user_id, model_raw, account"""
    )
    common = f"""'{tool.provider}' AS ProviderName, '{tool.provider}' AS PublisherName,
        '{tool.provider}' AS InvoiceIssuerName, '{tool.service}' AS ServiceName,
        'Developer Tools' AS ServiceCategory, 'Generative AI' AS ServiceSubcategory, 'USD' AS BillingCurrency,
        'USD' AS PricingCurrency"""
    tags = f"CAST(json_object('user', user_id, 'assistant', '{tool.key}') AS JSON)"
    usage = f"""
        SELECT {common}, u.src_row AS x_SourceRow,
            CAST(u.day AS TIMESTAMPTZ) AS ChargePeriodStart, CAST(u.day + 1 AS TIMESTAMPTZ) AS ChargePeriodEnd,
            u.cost AS BilledCost, u.cost AS EffectiveCost, coalesce(u.list_cost, u.cost) AS ListCost,
            u.cost AS ContractedCost, u.unit_price AS ListUnitPrice,
            CASE WHEN u.cost < 0 THEN 'Credit' ELSE 'Usage' END AS ChargeCategory,
            'Usage-Based' AS ChargeFrequency, 'Standard' AS PricingCategory,
            coalesce(u.description, concat_ws(' ', '{tool.label}', u.kind, u.model_raw)) AS ChargeDescription,
            u.kind AS SkuMeter, u.quantity AS ConsumedQuantity, u.unit AS ConsumedUnit,
            u.quantity AS PricingQuantity, u.unit AS PricingUnit, u.account AS SubAccountName,
            u.account AS SubAccountId, CAST(json_object('x_Kind', u.kind, 'x_ModelId', u.model_raw) AS JSON)
                AS SkuPriceDetails,
            CAST(json_object('user', u.user_id, 'assistant', '{tool.key}') AS JSON) AS Tags,
            m.model AS x_Model, CAST(NULL AS VARCHAR) AS x_TokenType, CAST(NULL AS BIGINT) AS x_Tokens,
            u.requests AS x_Requests
        FROM usage_g AS u LEFT JOIN model_names AS m ON m.raw = u.model_raw
        WHERE u.cost IS NOT NULL OR u.quantity IS NOT NULL OR u.requests IS NOT NULL"""
    token_parts = " UNION ALL ".join(
        f"SELECT *, '{kind}' AS token_type, {col} AS tokens FROM tokens_g WHERE coalesce({col}, 0) <> 0"
        for col, kind in TOKEN_KINDS
    )
    tokens = f"""
        SELECT {common}, t.src_row AS x_SourceRow,
            CAST(t.day AS TIMESTAMPTZ) AS ChargePeriodStart, CAST(t.day + 1 AS TIMESTAMPTZ) AS ChargePeriodEnd,
            CAST(0 AS DECIMAL(38,10)) AS BilledCost, CAST(0 AS DECIMAL(38,10)) AS EffectiveCost,
            CAST(0 AS DECIMAL(38,10)) AS ListCost, CAST(0 AS DECIMAL(38,10)) AS ContractedCost,
            CAST(NULL AS DECIMAL(38,10)) AS ListUnitPrice, 'Usage' AS ChargeCategory,
            'Usage-Based' AS ChargeFrequency, 'Standard' AS PricingCategory,
            concat_ws(' ', '{tool.label}', t.model_raw, t.token_type, 'tokens') AS ChargeDescription,
            t.token_type || ' tokens' AS SkuMeter, CAST(t.tokens AS DECIMAL(38,10)) AS ConsumedQuantity,
            'Tokens' AS ConsumedUnit, CAST(t.tokens AS DECIMAL(38,10)) AS PricingQuantity, 'Tokens' AS PricingUnit,
            t.account AS SubAccountName, t.account AS SubAccountId,
            CAST(json_object('x_ModelId', t.model_raw, 'x_TokenType', t.token_type) AS JSON)
                AS SkuPriceDetails,
            CAST(json_object('user', t.user_id, 'assistant', '{tool.key}') AS JSON) AS Tags,
            m.model AS x_Model, t.token_type AS x_TokenType, t.tokens AS x_Tokens, CAST(NULL AS BIGINT) AS x_Requests
        FROM ({token_parts}) AS t LEFT JOIN model_names AS m ON m.raw = t.model_raw"""
    parts = [usage, tokens]
    if seats:
        parts += _seat_sql(tool, common, tags, window, as_of)
    # in a fixed order: rows the importer leaves unnumbered (seat-days) are numbered by their place in `staged`
    union = " UNION ALL BY NAME ".join(parts)
    con.execute(f"CREATE OR REPLACE TABLE staged AS SELECT * FROM ({union}) ORDER BY ALL")


def _seat_sql(tool: Tool, common: str, tags: str, window: SyncWindow, as_of: dt.datetime) -> list[str]:
    """Seat-days inside the window (and not after `as_of`), and one Purchase row per user and month."""
    last = min(window.end, as_of)
    start, stop = f"DATE '{window.start.date()}'", f"DATE '{(last - dt.timedelta(microseconds=1)).date()}'"
    days = f"""
        SELECT s.*, CAST(d.day AS DATE) AS day,
            CAST(date_trunc('month', d.day) AS DATE) AS month_start,
            CAST(date_diff('day', date_trunc('month', d.day), date_trunc('month', d.day) + INTERVAL 1 MONTH) AS INTEGER)
                AS month_days
        FROM seats_in AS s, range({start}, {stop} + 1, INTERVAL 1 DAY) AS d(day)
        WHERE s.monthly_price IS NOT NULL
          AND (s.assigned_at IS NULL OR CAST(d.day AS DATE) >= CAST(s.assigned_at AS DATE))
          AND (s.ends_at IS NULL OR CAST(d.day AS DATE) < CAST(s.ends_at AS DATE))"""
    desc = f"concat('{tool.label} ', coalesce(s.plan, 'seat'), ' seat')"
    seat_common = f"""{common}, CAST(NULL AS BIGINT) AS x_SourceRow, 'Recurring' AS ChargeFrequency,
        'Standard' AS PricingCategory, s.account AS SubAccountName, s.account AS SubAccountId,
        CAST(json_object('x_Plan', s.plan, 'x_MonthlyPrice', CAST(s.monthly_price AS VARCHAR)) AS JSON)
            AS SkuPriceDetails, {tags.replace("user_id", "s.user_id")} AS Tags, CAST(NULL AS VARCHAR) AS x_Model,
        CAST(NULL AS VARCHAR) AS x_TokenType, CAST(NULL AS BIGINT) AS x_Tokens, CAST(NULL AS BIGINT) AS x_Requests,
        coalesce(s.plan, 'seat') AS SkuMeter"""
    daily = f"""
        SELECT {seat_common},
            CAST(s.day AS TIMESTAMPTZ) AS ChargePeriodStart, CAST(s.day + 1 AS TIMESTAMPTZ) AS ChargePeriodEnd,
            CAST(0 AS DECIMAL(38,10)) AS BilledCost,
            CAST(s.monthly_price / s.month_days AS DECIMAL(38,10)) AS EffectiveCost,
            CAST(s.monthly_price / s.month_days AS DECIMAL(38,10)) AS ListCost,
            CAST(s.monthly_price / s.month_days AS DECIMAL(38,10)) AS ContractedCost,
            s.monthly_price AS ListUnitPrice, 'Usage' AS ChargeCategory,
            {desc} || ' (daily share)' AS ChargeDescription,
            CAST(1 AS DECIMAL(38,10)) AS ConsumedQuantity, 'Seat-Days' AS ConsumedUnit,
            CAST(1 AS DECIMAL(38,10)) AS PricingQuantity, 'Seat-Days' AS PricingUnit
        FROM ({days}) AS s"""
    purchase = f"""
        SELECT {seat_common},
            CAST(s.day AS TIMESTAMPTZ) AS ChargePeriodStart,
            CAST(least(s.month_start + INTERVAL 1 MONTH, coalesce(CAST(s.ends_at AS DATE), DATE '9999-12-31'))
                AS TIMESTAMPTZ) AS ChargePeriodEnd,
            CAST(s.monthly_price * date_diff('day', s.day, least(s.month_start + INTERVAL 1 MONTH,
                coalesce(CAST(s.ends_at AS DATE), DATE '9999-12-31'))) / s.month_days AS DECIMAL(38,10)) AS BilledCost,
            CAST(0 AS DECIMAL(38,10)) AS EffectiveCost,
            CAST(s.monthly_price * date_diff('day', s.day, least(s.month_start + INTERVAL 1 MONTH,
                coalesce(CAST(s.ends_at AS DATE), DATE '9999-12-31'))) / s.month_days AS DECIMAL(38,10)) AS ListCost,
            CAST(0 AS DECIMAL(38,10)) AS ContractedCost, s.monthly_price AS ListUnitPrice,
            'Purchase' AS ChargeCategory, {desc} || ', monthly' AS ChargeDescription,
            CAST(NULL AS DECIMAL(38,10)) AS ConsumedQuantity, CAST(NULL AS VARCHAR) AS ConsumedUnit,
            CAST(1 AS DECIMAL(38,10)) AS PricingQuantity, 'Seats' AS PricingUnit
        FROM (SELECT *, row_number() OVER (PARTITION BY user_id, plan, month_start ORDER BY day) AS k FROM ({days}))
            AS s
        WHERE s.k = 1"""
    return [daily, purchase]


class _ReplacingStore(Store):
    """The same store file, whose attached writer first deletes the window's rows of the delivered streams and,
    before committing, writes the activity and the roster and (for a sync) advances `_sync_state`."""

    def __init__(
        self,
        base: Store,
        tool: Tool,
        window: SyncWindow,
        streams: tuple[str, ...],
        file_hash: str,
        state_source: str | None,
        as_of: dt.datetime,
    ) -> None:
        super().__init__(base.path, lock_timeout=base.lock_timeout)
        self.base = base
        self.backend = base.backend
        self.as_of = as_of
        self.tool, self.window, self.streams = tool, window, streams
        self.file_hash, self.state_source = file_hash, state_source
        self.deleted = 0
        self.activity_rows = 0

    def _cost_filter(self) -> str | None:
        """The cost rows this run replaces: its tool's rows, of the streams it delivered (seats are recurring)."""
        usage, seats = "usage" in self.streams, "seats" in self.streams
        if not usage and not seats:
            return None
        where = "x_Source = ? AND ChargePeriodStart >= ? AND ChargePeriodStart < ?"
        if usage != seats:
            where += f" AND coalesce(ChargeFrequency, '') {'=' if seats else '<>'} 'Recurring'"
        return where

    @contextmanager
    def attached_writer(
        self, con: duckdb.DuckDBPyConnection, alias: str = "store", *, hints: Any = None
    ) -> Iterator[str]:
        if self.base.backend != "duckdb":  # ClickHouse: the window's months of this tool are replaced too
            hints = dict(hints or {})
            hints["costs"] = [*hints.get("costs", []), *window_partitions(self.window, self.tool.key)]
        with self.base.attached_writer(con, alias, hints=hints) as db:
            where = self._cost_filter()
            if where is not None:
                params = [self.tool.key, self.window.start, self.window.end]
                self.deleted = con.execute(
                    f"SELECT count(*) FROM {db}.costs WHERE {where}", params
                ).fetchall()[0][0]
                con.execute(f"DELETE FROM {db}.costs WHERE {where}", params)
            yield db
            import_id, rows = con.execute(
                f"SELECT import_id, rows_inserted FROM {db}.imports WHERE kind = ? AND file_hash = ? "
                "ORDER BY finished_at DESC LIMIT 1",
                [self.tool.key, self.file_hash],
            ).fetchall()[0]
            # vendors say which rows carry tokens and models: no guessing them from descriptions
            con.execute(
                f"""UPDATE {db}.costs SET x_TokenType = CASE WHEN x_Tokens IS NULL THEN NULL ELSE x_TokenType END,
                    x_Model = CASE WHEN ChargeFrequency = 'Recurring' THEN NULL ELSE x_Model END
                    WHERE x_ImportId = ?""",
                [import_id],
            )
            # the values of those rows changed: so does their part of the value catalog
            if self.base.backend == "duckdb":
                refresh_summary(con, db, rewritten=[import_id])
            if "activity" in self.streams:
                days = [self.window.start.date(), self.window.end.date()]
                con.execute(
                    f"DELETE FROM {db}.assistant_activity WHERE source = ? AND day >= ? AND day < ?",
                    [self.tool.activity_source, *days],
                )
                cols = ", ".join(ACTIVITY_COLUMNS)
                con.execute(
                    f"""INSERT INTO {db}.assistant_activity (tool, source, x_ImportId, {cols})
                        SELECT ?, ?, ?, {cols} FROM activity_in WHERE day >= ? AND day < ?""",
                    [self.tool.key, self.tool.activity_source, import_id, *days],
                )
                self.activity_rows = con.execute(
                    f"SELECT count(*) FROM {db}.assistant_activity WHERE x_ImportId = ?", [import_id]
                ).fetchall()[0][0]
            if "roster" in self.streams:
                con.execute(f"DELETE FROM {db}.assistant_seats WHERE source = ?", [self.tool.roster_source])
                cols = ", ".join(c for c in SEAT_COLUMNS if c != "account")
                con.execute(
                    f"""INSERT INTO {db}.assistant_seats (tool, source, x_ImportId, as_of, {cols})
                        SELECT ?, ?, ?, ?, {cols} FROM seats_in""",
                    [self.tool.key, self.tool.roster_source, import_id, self.as_of],
                )
            if self.state_source is not None:
                record_success(con, db, self.state_source, self.window, import_id, rows)


def finish(
    store: Store,
    con: duckdb.DuckDBPyConnection,
    tool: Tool,
    window: SyncWindow,
    *,
    streams: tuple[str, ...],
    label: str,
    file_hash: str,
    warnings: list[str],
    state_source: str | None,
    as_of: dt.datetime,
) -> AssistantResult:
    """Stage the FOCUS rows and replace the window's rows of `streams` in one transaction."""
    stage_focus(con, tool, window, as_of=as_of, seats="seats" in streams)
    con.execute(
        "DELETE FROM staged WHERE ChargePeriodStart < ? OR ChargePeriodStart >= ?", [window.start, window.end]
    )
    con.execute("ALTER TABLE staged ADD COLUMN BillingPeriodStart TIMESTAMPTZ")
    con.execute("ALTER TABLE staged ADD COLUMN BillingPeriodEnd TIMESTAMPTZ")
    con.execute(
        "UPDATE staged SET BillingPeriodStart = date_trunc('month', ChargePeriodStart), "
        "BillingPeriodEnd = date_trunc('month', ChargePeriodStart) + INTERVAL 1 MONTH"
    )
    usage_cost, seat_cost = con.execute(
        """SELECT coalesce(sum(EffectiveCost) FILTER (WHERE ChargeFrequency <> 'Recurring'), 0),
                   coalesce(sum(EffectiveCost) FILTER (WHERE ChargeFrequency = 'Recurring'), 0) FROM staged"""
    ).fetchall()[0]
    replacing = _ReplacingStore(store, tool, window, streams, file_hash, state_source, as_of)
    result = finish_cost_import(
        replacing, con, "staged", kind=tool.key, source_file=label, file_hash=file_hash, warnings=warnings
    )
    seats = con.execute("SELECT count(*) FROM seats_in").fetchall()[0][0] if "roster" in streams else 0
    return AssistantResult(
        tool=tool.key,
        source=label,
        window_start=window.start,
        window_end=window.end,
        incremental=window.incremental,
        cost_rows=result.rows_inserted,
        replaced_rows=replacing.deleted,
        usage_cost=str(usage_cost),
        seat_cost=str(seat_cost),
        total_cost=str(usage_cost + seat_cost),
        seats=seats,
        activity_rows=replacing.activity_rows,
        streams=list(streams),
        import_result=result,
    )
