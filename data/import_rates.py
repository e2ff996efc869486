"""`spendscope import rates FILE...`: the explicit currency rates that convert business money metrics into the
billing currency (`currency_rates`; docs/unit-economics.md, "Currencies").

A file has one row per rate: `currency` (the one converted from), a period (`month`, `date` or `week`), `rate` (how
many units of the target currency one unit buys), and optionally `to_currency` (default: the bill's currency).
Monthly average rates are the usual choice for monthly revenue. All or nothing; a rate for a period that overlaps
rates stored before for the same pair of currencies replaces them (a corrected rate); the same file twice changes
nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import duckdb
from pydantic import BaseModel, Field
from spendscope.data.business_files import (
    Bad,
    content_hash,
    load,
    period_expected,
    period_sql,
    record_import,
    reject_first,
)
from spendscope.data.currency import billing_currencies
from spendscope.data.errors import ImportRejected
from spendscope.data.import_common import ROW, unreadable
from spendscope.data.importing import Progress, reject, staging_connection
from spendscope.data.sql import ident, literal, parse_decimal
from spendscope.data.store import Store

KIND = "rates"
COLUMNS = {
    "currency": ("currency", "from_currency", "from", "base_currency", "source_currency"),
    "to": ("to_currency", "to", "quote_currency", "target_currency", "billing_currency"),
    "period": ("month", "date", "day", "week", "period", "period_start"),
    "rate": ("rate", "fx_rate", "exchange_rate"),
    "source": ("source",),
}
CODE = "[A-Z]{3}"
CONTENT = "currency, to_currency, period_start, period_end, rate"


class RatesImportResult(BaseModel):
    import_id: str | None = Field(description="None when nothing changed")
    kind: str = KIND
    source_file: str
    file_hash: str
    status: str = Field(description="ok, unchanged or empty")
    rows_read: int = 0
    rows_inserted: int = 0
    rows_replaced: int = 0
    pairs: list[str] = Field(
        default_factory=list, description="EUR->USD, ... with their first and last period"
    )
    warnings: list[str] = Field(default_factory=list)


def _stage_file(con: duckdb.DuckDBPyConnection, path: Path, billing: str | None, first: bool) -> int:
    src = load(con, path)
    cols = {k: src.has(*names) for k, names in COLUMNS.items()}
    missing = [k for k in ("currency", "period", "rate") if cols[k] is None]
    if missing:
        raise reject(
            path,
            f"has no {', '.join(missing)} column (it has {', '.join(src.columns[:12])}); a rates file has one row "
            "per rate: currency, month (or date, week), rate, and optionally to_currency",
            columns=src.columns,
        )
    if cols["to"] is None and billing is None:
        raise reject(
            path,
            "has no to_currency column and the store holds no costs to take the billing currency from; add a "
            "to_currency column",
        )
    start, end, _grain, bad_period = period_sql(src, cols["period"])  # type: ignore[arg-type]
    to = f"upper(trim({ident(cols['to'])}))" if cols["to"] else literal(billing or "")
    source = f"nullif(trim({ident(cols['source'])}), '')" if cols["source"] else literal(path.name)
    typed = f"""SELECT {ROW}, {ident(cols["currency"])} AS currency_text, upper(trim({ident(cols["currency"])})) AS currency,
                       {to} AS to_currency, {ident(cols["period"])} AS period_text, {start} AS period_start,
                       {end} AS period_end, {bad_period} AS bad_period, {ident(cols["rate"])} AS rate_text,
                       {parse_decimal(ident(cols["rate"]), "DECIMAL(38,18)")} AS rate, {source} AS source,
                       {literal(str(path.resolve()))} AS x_SourceFile
                FROM raw_numbered"""
    checks = [
        Bad(
            f"NOT regexp_full_match(currency, '{CODE}')", cols["currency"], "currency_text", "a currency code"
        ),  # type: ignore[arg-type]
        Bad("bad_period", cols["period"], "period_text", period_expected(cols["period"])),  # type: ignore[arg-type]
        Bad("rate IS NULL OR rate <= 0", cols["rate"], "rate_text", "a positive number"),  # type: ignore[arg-type]
    ]
    if cols["to"]:
        checks.append(
            Bad(f"NOT regexp_full_match(to_currency, '{CODE}')", cols["to"], "to_currency", "a currency code")
        )
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE typed AS {typed}")
        reject_first(con, src, "typed", checks)
        select = f"SELECT {CONTENT}, source, x_SourceFile, {ROW} AS x_SourceRow FROM typed"
        con.execute(f"{'CREATE TABLE staged AS' if first else 'INSERT INTO staged'} {select}")
        n = con.execute("SELECT count(*) FROM typed").fetchall()[0][0]
    except (duckdb.InvalidInputException, duckdb.IOException, duckdb.ConversionException) as exc:
        raise unreadable(path, exc, src.fmt) from None
    con.execute("DROP TABLE typed")
    return int(n)


def _overlap(con: duckdb.DuckDBPyConnection) -> str | None:
    rows = con.execute(
        """SELECT a.currency, a.to_currency, a.period_start, a.x_SourceRow, b.period_start, b.x_SourceRow
           FROM staged a JOIN staged b ON a.currency = b.currency AND a.to_currency = b.to_currency
                AND a.period_start < b.period_end AND b.period_start < a.period_end
                AND (a.period_start, a.x_SourceFile, a.x_SourceRow) < (b.period_start, b.x_SourceFile, b.x_SourceRow)
           ORDER BY a.x_SourceRow LIMIT 1"""
    ).fetchall()
    if not rows:
        return None
    c, t, s1, r1, s2, r2 = rows[0]
    return (
        f"two {c} to {t} rates overlap (row {r1} from {s1}, row {r2} from {s2}); give one rate per period so every "
        "amount has exactly one rate"
    )


def import_rates(
    store: Store, paths: Path | str | list[Path] | list[str], *, progress: Progress | None = None
) -> RatesImportResult:
    """Import currency rates (one or more files, all or nothing); rates overlapping stored ones replace them."""
    files = [Path(p) for p in (paths if isinstance(paths, list) else [paths])]
    for p in files:
        if not p.is_file():
            raise ImportRejected(f"{p}: no such file; nothing was imported", file=str(p))
    started = dt.datetime.now(dt.UTC)
    shown = "; ".join(str(p) for p in files)
    store.ensure_schema()
    with store.reader() as con:
        found = billing_currencies(con)
    billing = found[0] if found else None
    with staging_connection() as con:
        rows_read = sum(_stage_file(con, p, billing, first=i == 0) for i, p in enumerate(files))
        result = RatesImportResult(
            import_id=None,
            source_file=shown,
            file_hash=content_hash(files),
            status="empty",
            rows_read=rows_read,
        )
        if rows_read == 0:
            result.warnings.append("the files have a header but no data rows; nothing was imported")
            return result
        problem = _overlap(con)
        if problem:
            raise reject(shown, problem)
        same = con.execute("SELECT currency FROM staged WHERE currency = to_currency LIMIT 1").fetchall()
        if same:
            raise reject(
                shown, f"a rate from {same[0][0]} into itself; rates convert one currency into another"
            )
        if progress:
            progress("writing to the store", 0.7)
        import_id = "imp_" + uuid.uuid4().hex[:12]
        with store.attached_writer(con) as db:
            con.execute(
                f"""CREATE TEMP TABLE replaced AS SELECT s.* FROM {db}.currency_rates s WHERE EXISTS (
                        SELECT 1 FROM staged t WHERE t.currency = s.currency AND t.to_currency = s.to_currency
                        AND t.period_start < s.period_end AND s.period_start < t.period_end)"""
            )
            try:
                changed = con.execute(
                    f"SELECT count(*) FROM ((SELECT {CONTENT} FROM staged EXCEPT ALL SELECT {CONTENT} FROM replaced) "
                    f"UNION ALL (SELECT {CONTENT} FROM replaced EXCEPT ALL SELECT {CONTENT} FROM staged))"
                ).fetchall()[0][0]
                if not changed:
                    result.status = "unchanged"
                    result.warnings.append("the store already holds exactly these rates; nothing changed")
                    return result
                con.execute(
                    f"""DELETE FROM {db}.currency_rates s WHERE EXISTS (SELECT 1 FROM replaced r
                        WHERE r.currency = s.currency AND r.to_currency = s.to_currency
                        AND r.period_start = s.period_start)"""
                )
                con.execute(
                    f"""INSERT INTO {db}.currency_rates ({CONTENT}, source, x_ImportId, x_SourceFile, x_SourceRow)
                        SELECT {CONTENT}, source, {literal(import_id)}, x_SourceFile, x_SourceRow FROM staged"""
                )
                result.rows_replaced = con.execute("SELECT count(*) FROM replaced").fetchall()[0][0]
                result.rows_inserted = rows_read
                result.pairs = [
                    f"{c}->{t}: {lo:%Y-%m-%d} to {hi - dt.timedelta(days=1):%Y-%m-%d}"
                    for c, t, lo, hi in con.execute(
                        "SELECT currency, to_currency, min(period_start), max(period_end) FROM staged "
                        "GROUP BY ALL ORDER BY ALL"
                    ).fetchall()
                ]
                result.import_id, result.status = import_id, "ok"
                record_import(
                    con,
                    db,
                    import_id=import_id,
                    kind=KIND,
                    files=files,
                    file_hash=result.file_hash,
                    started=started,
                    rows_read=rows_read,
                    rows_inserted=rows_read,
                    message=f"{result.rows_replaced} earlier rates replaced"
                    if result.rows_replaced
                    else None,
                    warnings=result.warnings,
                )
            finally:
                con.execute("DROP TABLE IF EXISTS replaced")
    return result
