"""Importing a *delivery*: one or more files that together are one export, as one all-or-nothing import.

    import_delivery(store, "aws_cur", [part1, part2], mode="auto")

Each file is staged (a typed view over it, or the importer's staging table), then one transaction on the store
inserts every file's rows, numbers them, derives the AI columns, decides per scope what the delivery replaces
(data/scopes.py: restated exports replace what earlier imports stored), checks FOCUS's rules and records the
import. A reader sees the store before the delivery or after it. A file already imported is recognised by its
hash and adds nothing.

The older per-source tail `finish_cost_import` (API syncs) runs on the same writer.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from importlib import import_module
from pathlib import Path

import duckdb
from pydantic import BaseModel, Field
from spendscope.data.cost_writer import (
    ROW_BITS,
    BadValue,
    ReadFailed,
    StagedFile,
    Untrusted,
    derive_ai_columns,
    insert_file,
    number_rows,
    unmapped_token_warning,
)
from spendscope.data.errors import ImportRejected
from spendscope.data.file_identity import FileIdentity, delivery_digest, sha256_file
from spendscope.data.focus import AI_COLUMNS, FOCUS_COLUMNS, MONEY
from spendscope.data.import_finish import DERIVING, derive_later, finish_interrupted
from spendscope.data.scopes import MODES, Mode, apply_scopes, check_parts, record_scopes
from spendscope.data.sql import ident, literal, memory_limit_bytes, staging_settings
from spendscope.data.store import COSTS_AT_BEGIN, Store, activity, memory_connection
from spendscope.data.validation import check_rows
from spendscope.data.value_summary import refresh_summary

__all__ = ["sha256_file"]

Progress = Callable[[str, float], None]
Stage = Callable[[duckdb.DuckDBPyConnection, Path, "Progress | None"], StagedFile]

# Share of DuckDB's default memory limit (itself 80% of the machine's memory) a staging connection may hold
# before it spills to disk: a 10M-row bill then imports on a small machine without exhausting its memory.
STAGING_MEMORY_SHARE = 0.5
# ... and at most this much on any machine: DuckDB keeps written blocks and update chains cached up to its limit,
# so a generous limit only raises the peak (FOCUS 10M rows: 2.47 GB under the share, 1.57 GB under this cap, at the
# same CPU; docs/performance.md, "Issue 21, session 6"). Past it, work spills to the private temp folder.
STAGING_MEMORY_CAP = int(1.5 * (1 << 30))

# kind -> "module:function" staging one file of that kind (looked up lazily: importers load pandas and more)
STAGES = {
    "focus": "spendscope.data.import_focus:stage_focus_file",
    "aws_cur": "spendscope.data.import_aws:stage_cur_file",
    "azure": "spendscope.data.import_azure:stage_azure_file",
    "gcp": "spendscope.data.import_gcp:stage_gcp_file",
}

_KIND_TYPES = {"string": "VARCHAR", "decimal": MONEY, "timestamp": "TIMESTAMPTZ", "json": "JSON"}


class ScopeResult(BaseModel):
    """What an import did to one scope (provider, billing account, billing period)."""

    billing_account_id: str | None
    billing_period_start: str | None
    provider_name: str | None
    action: str = Field(
        description="added, replaced (earlier imports' rows for these days removed), appended, or kept (an older "
        "export than the store holds: nothing imported for this scope)"
    )
    rows: int
    effective_cost: str
    rows_before: int = 0
    effective_cost_before: str = "0"
    replaced_imports: list[str] = Field(default_factory=list)
    note: str | None = None


class ImportResult(BaseModel):
    """What one import did."""

    import_id: str
    kind: str
    source_file: str
    file_hash: str
    status: str = Field(description="ok, or duplicate when the same file was imported before")
    mode: str = "auto"
    files: list[str] = Field(default_factory=list)
    rows_read: int = 0
    rows_inserted: int = 0
    rows_skipped: int = Field(
        0, description="rows already in the store (re-sent lines of an appended export)"
    )
    rows_replaced: int = Field(0, description="rows of earlier imports of the same scope this import removed")
    effective_cost: str = Field(
        "0", description="sum of EffectiveCost over the rows added, as a decimal string"
    )
    billed_cost: str = "0"
    effective_cost_replaced: str = "0"
    superseded: list[str] = Field(
        default_factory=list, description="earlier imports whose every row this import replaced"
    )
    scopes: list[ScopeResult] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)


@contextmanager
def staging_connection() -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB connection for staging one import. Beyond `STAGING_MEMORY_SHARE` of DuckDB's default
    memory limit (at most `STAGING_MEMORY_CAP`) it spills to a private folder in the system temp directory, removed afterwards (DuckDB's own
    default would be `.tmp` in the working directory, which may be unwritable or on a small disk)."""
    con = memory_connection()
    spill = tempfile.mkdtemp(prefix="spendscope-import-")
    try:
        default = memory_limit_bytes(con)
        limit = (
            min(int(default * STAGING_MEMORY_SHARE), STAGING_MEMORY_CAP) if default else STAGING_MEMORY_CAP
        )
        for statement in staging_settings(spill, limit):
            con.execute(statement)
        yield con
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)


def previous_import(store: Store, kind: str, file_hash: str) -> str | None:
    """The id of an earlier successful import of identical content, if any."""
    if not store.exists:
        return None
    with store.reader() as con:
        rows = con.execute(
            "SELECT import_id FROM imports WHERE kind = ? AND file_hash = ? AND status = 'ok' LIMIT 1",
            [kind, file_hash],
        ).fetchall()
    return rows[0][0] if rows else None


def duplicate_result(
    store: Store,
    kind: str,
    path: Path | str,
    file_hash: str,
    earlier: str,
    recorded: tuple[int | None, str | None] | None = None,
) -> ImportResult:
    """What re-importing content already imported as `earlier` did: nothing. `recorded`: that import's
    (rows_read, superseded_by) when the caller has them from the ledger already."""
    if recorded is None:
        with store.reader() as con:
            recorded = con.execute(
                "SELECT rows_read, superseded_by FROM imports WHERE import_id = ?", [earlier]
            ).fetchall()[0]
    rows_read, superseded_by = recorded
    later = f" (its rows were since replaced by {superseded_by})" if superseded_by else ""
    return ImportResult(
        import_id=earlier,
        kind=kind,
        source_file=str(path),
        file_hash=file_hash,
        status="duplicate",
        rows_read=rows_read or 0,
        rows_skipped=rows_read or 0,
        warnings=[f"identical content was already imported as {earlier}{later}; nothing added"],
    )


# import_id, file_hash, files (JSON), rows_read, superseded_by
LedgerRow = tuple[str, str, str | None, int | None, str | None]


def import_ledger(store: Store, kind: str) -> list[LedgerRow]:
    """Every successful import of `kind`, oldest first, as `earlier_import` compares files with them. A folder walk
    reads it once for all its deliveries (one store connection, not two per file imported before)."""
    if not store.exists:
        return []
    with store.reader() as con:
        return con.execute(
            "SELECT import_id, file_hash, files, rows_read, superseded_by FROM imports "
            "WHERE kind = ? AND status = 'ok' ORDER BY finished_at",
            [kind],
        ).fetchall()


def earlier_import(
    store: Store, kind: str, files: list[FileIdentity], ledger: list[LedgerRow] | None = None
) -> str | None:
    """An earlier import of exactly these files' content: candidates by size and quick digest, decided by the full
    SHA-256 (computed here, before any parse, only when there is a candidate). `ledger`: import_ledger's rows,
    when the caller read them already."""
    row = earlier_row(import_ledger(store, kind) if ledger is None else ledger, files)
    return row[0] if row else None


def earlier_row(ledger: list[LedgerRow], files: list[FileIdentity]) -> LedgerRow | None:
    """The ledger row of an earlier import of exactly these files' content, if any."""
    mine = sorted((f.size, f.quick) for f in files)
    for row in ledger:
        file_hash, recorded = row[1], row[2]
        if recorded is None:  # an import recorded before file lists existed: compare the whole-file hash
            if len(files) == 1 and file_hash == files[0].sha256:
                return row
            continue
        theirs = json.loads(recorded)
        if sorted((r["size"], r["quick"]) for r in theirs) != mine:
            continue
        if sorted(r["sha256"] for r in theirs) == sorted(f.sha256 for f in files):
            return row
    return None


def _has_rows(store: Store, import_id: str) -> bool:
    with store.reader() as con:
        return bool(
            con.execute("SELECT count(*) FROM costs WHERE x_ImportId = ?", [import_id]).fetchall()[0][0]
        )


def _stage_for(kind: str) -> Stage:
    try:
        module, name = STAGES[kind].split(":")
    except KeyError:
        raise ImportRejected(f"unknown import kind {kind!r}; accepted: {', '.join(sorted(STAGES))}") from None
    return getattr(import_module(module), name)


class DeliveryHasVersions(Exception):
    """The files of a delivery are successive versions of one export, not its parts."""


def import_delivery(
    store: Store,
    kind: str,
    files: Sequence[Path | str],
    *,
    mode: Mode = "auto",
    strict: bool = False,
    progress: Progress | None = None,
    names: Sequence[str] | None = None,
) -> ImportResult:
    """Import `files` (one export of `kind`: focus, aws_cur, azure or gcp, possibly in several parts) as one
    all-or-nothing import with replace semantics by scope (data/scopes.py). Re-importing the same files adds
    nothing. Raises ImportRejected (nothing written) for a bad file, and when the files are successive versions
    of one export rather than its parts (import those one at a time, oldest first: `import_files` does).
    `names`: what to record as each file's source (a bucket object's URL for its local copy); default the path."""
    paths = [Path(f) for f in files]
    try:
        return _import(store, kind, paths, _names(paths, names), mode=mode, strict=strict, progress=progress)
    except DeliveryHasVersions:
        names = ", ".join(Path(f).name for f in files)
        raise ImportRejected(
            f"{names}: these files re-send each other's line items, so they are versions of one export, not its "
            "parts; import them one at a time, oldest first; nothing was imported",
            files=[str(f) for f in files],
        ) from None


def import_files(
    store: Store,
    kind: str,
    files: Sequence[Path | str],
    *,
    mode: Mode = "auto",
    strict: bool = False,
    progress: Progress | None = None,
    names: Sequence[str] | None = None,
    ledger: list[LedgerRow] | None = None,
) -> list[ImportResult]:
    """Import files given together (one command, or one delivery of an export folder): as one delivery when they
    are parts of one export, or one after the other, in the order given, when they are versions of it (a month of
    daily restated exports). A FOCUS 1.3 contract commitment file among them goes to its own table first.
    `ledger`: import_ledger(store, kind) when the caller read it already (a folder walk, once for every delivery)."""
    paths = [Path(f) for f in files]
    labels = _names(paths, names)
    results: list[ImportResult] = []
    if kind == "focus":
        from spendscope.data.import_contracts import import_contract_commitments, is_contract_commitment_file

        side = [i for i, p in enumerate(paths) if p.is_file() and is_contract_commitment_file(p)]
        results += [import_contract_commitments(store, paths[i], progress=progress) for i in side]
        paths = [p for i, p in enumerate(paths) if i not in side]
        labels = [n for i, n in enumerate(labels) if i not in side]
        if not paths:
            return results
    try:
        return results + [
            _import(store, kind, paths, labels, mode=mode, strict=strict, progress=progress, ledger=ledger)
        ]
    except DeliveryHasVersions:
        return results + [  # each version's import changes the ledger: read afresh for the next
            _import(store, kind, [p], [n], mode=mode, strict=strict, progress=progress)
            for p, n in zip(paths, labels, strict=True)
        ]


def _names(paths: list[Path], names: Sequence[str] | None) -> list[str]:
    if names is None:
        return [str(p.resolve()) for p in paths]
    if len(names) != len(paths):
        raise ValueError("one name per file")
    return list(names)


def _once_each(paths: list[Path], names: list[str]) -> tuple[list[Path], list[str], list[str]]:
    """The files of one command with a file given more than once kept once (its first place), and a warning
    for each: the same file twice is not two parts of an export (its rows would be counted twice)."""
    seen: dict[Path, int] = {}
    keep: list[int] = []
    for i, p in enumerate(paths):
        key = p.resolve()
        if key in seen:
            seen[key] += 1
        else:
            seen[key] = 1
            keep.append(i)
    repeated = [f"{p.name} was given {n} times; it is read once" for p, n in seen.items() if n > 1]
    return [paths[i] for i in keep], [names[i] for i in keep], repeated


def _import(
    store: Store,
    kind: str,
    paths: list[Path],
    names: list[str],
    *,
    mode: Mode,
    strict: bool,
    progress: Progress | None,
    ledger: list[LedgerRow] | None = None,
) -> ImportResult:
    if mode not in MODES:
        raise ImportRejected(f"unknown import mode {mode!r}; accepted: {', '.join(MODES)}")
    if not paths:
        raise ImportRejected("no files to import")
    for p in paths:
        if not p.is_file():
            raise ImportRejected(f"{p}: no such file", file=str(p))
    paths, names, repeated = _once_each(paths, names)
    stage = _stage_for(kind)
    ids = [FileIdentity.of(p, name) for p, name in zip(paths, names, strict=True)]
    row = earlier_row(import_ledger(store, kind) if ledger is None else ledger, ids)
    if row and mode == "replace-period" and not _has_rows(store, row[0]):
        row = None  # an explicit --replace-period brings back an export whose rows are no longer stored
    if row:
        shown = (
            names[0] if len(paths) == 1 else f"{len(paths)} files: " + ", ".join(Path(n).name for n in names)
        )
        return duplicate_result(store, kind, shown, ids[0].sha256, row[0], (row[3], row[4]))
    for f in ids:
        f.start_hashing()
    with staging_connection() as con:
        staged: list[StagedFile] = []
        for i, p in enumerate(paths):
            con.execute(f"CREATE SCHEMA IF NOT EXISTS f{i}")
            con.execute(f"USE memory.f{i}")
            if progress:
                progress(f"reading {p.name}", 0.05 + 0.2 * i / len(paths))
            one = stage(con, p, progress)
            one.source = names[i]
            one.relation = (
                f"f{i}.{one.relation}"
                if "." not in one.relation and "(" not in one.relation
                else one.relation
            )
            staged.append(one)
        con.execute("USE memory.main")
        if progress:
            progress("writing to the store", 0.5)
        what = (
            f"an import of {kind} "
            + ", ".join(p.name for p in paths[:3])
            + (" ..." if len(paths) > 3 else "")
        )
        for _attempt in range(3 * len(staged) + 1):  # each file: parts, whole, liberal
            try:
                with activity(what):
                    return write_delivery(
                        store, con, staged, kind=kind, mode=mode, strict=strict, files=ids, warnings=repeated
                    )
            except BadValue as exc:
                i = staged.index(exc.staged)
                if exc.staged.fallback is not None:
                    staged[i] = _in_schema(con, i, exc.staged.fallback, names[i])
                    continue
                _locate(exc.staged)
            except Untrusted as exc:
                if exc.staged.fallback is None:
                    raise ImportRejected(
                        f"{exc.staged.label}: could not be read reliably; nothing was imported",
                        file=exc.staged.label,
                    ) from None
                i = staged.index(exc.staged)
                staged[i] = _in_schema(con, i, exc.staged.fallback, names[i])
            except ReadFailed as exc:
                explained = exc.staged.explain(exc.error) if exc.staged.explain else None
                if explained is not None:
                    raise explained from None
                if exc.staged.fallback is not None:
                    i = staged.index(exc.staged)
                    staged[i] = _in_schema(con, i, exc.staged.fallback, names[i])
                    continue
                raise ImportRejected(
                    f"{exc.staged.label}: cannot be read: {_first_line(exc.error)}; nothing was imported",
                    file=exc.staged.label,
                ) from None
        raise ImportRejected(f"{paths[0]}: could not be imported; nothing was imported")  # not reached


def _in_schema(
    con: duckdb.DuckDBPyConnection, i: int, make: Callable[[], StagedFile], name: str
) -> StagedFile:
    con.execute(f"USE memory.f{i}")
    try:
        one = make()
    finally:
        con.execute("USE memory.main")
    one.relation = f"f{i}.{one.relation}"
    one.source = name
    return one


def _locate(staged: StagedFile) -> None:
    if staged.locate_bad is not None:
        staged.locate_bad()
    raise ImportRejected(
        f"{staged.label}: has a value that does not parse; nothing was imported", file=staged.label
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:300]


def write_delivery(
    store: Store,
    con: duckdb.DuckDBPyConnection,
    staged: list[StagedFile],
    *,
    kind: str,
    mode: Mode,
    strict: bool,
    files: list[FileIdentity] | None = None,
    file_hash: str | None = None,
    warnings: list[str] | None = None,
) -> ImportResult:
    """The one transaction of an import: insert every staged file, finish the rows, apply the scope rules,
    validate, record. Raises BadValue / ReadFailed (rolled back) for the caller to explain."""
    started = dt.datetime.now(dt.UTC)
    import_id = "imp_" + uuid.uuid4().hex[:12]
    warnings = list(warnings or []) + [w for s in staged for w in s.warnings]
    # DuckDB: the AI columns are derived after a first commit (`derive_later`), so that no UPDATE touches rows the
    # transaction itself wrote (which makes the commit write every row again: ~1 s per million rows)
    later = store.backend == "duckdb"
    with store.attached_writer(con) as db:
        if later:
            finish_interrupted(con, db)
        seq = con.execute(f"SELECT coalesce(max(import_seq), 0) + 1 FROM {db}.imports").fetchall()[0][0]
        source_columns: list[str] = []
        position = 0  # of the next file's first row in the import
        for one in staged:
            written, rows = insert_file(
                con, db, one, kind=kind, import_id=import_id, first_hash=(seq << ROW_BITS) + position
            )
            position += rows
            for c in written:
                if c not in source_columns:
                    source_columns.append(c)
        if (
            store.backend != "duckdb"
        ):  # ClickHouse: the stored rows of these months and source join the shadow
            from spendscope.data.backends.clickhouse_store import include_cost_partitions
            from spendscope.data.scopes import BILL_SOURCES

            others = (
                [k for k in BILL_SOURCES if k != kind] if kind in BILL_SOURCES and mode != "append" else []
            )
            include_cost_partitions(con, db, import_id, others=others)
        rows_read, empty = con.execute(
            f"SELECT count(*), count(*) = 0 FROM {db}.costs WHERE x_ImportId = ?", [import_id]
        ).fetchall()[0]
        if empty:
            warnings.append("the file has a header but no rows; nothing was added")
        if any(one.position is None for one in staged):
            number_rows(con, db, import_id=import_id, seq=seq)
        if not later:
            derive_ai_columns(con, db, import_id=import_id)
        if len(staged) > 1 and not check_parts(con, db, import_id, [s.label for s in staged]):
            raise DeliveryHasVersions()
        try:
            outcomes = apply_scopes(
                con, db, kind=kind, import_id=import_id, mode=mode, source_columns=source_columns
            )
        except ImportRejected as exc:  # a scope rule refused the delivery: say which file it is
            where = ", ".join(Path(s.label).name for s in staged)
            raise ImportRejected(f"{where}: {exc.message}", file=where, **exc.details) from None
        rows_relation = f"(SELECT * FROM {db}.costs WHERE x_ImportId = '{import_id}')"
        for one in staged:  # each file's warnings over its own rows
            if one.after:
                warnings += one.after(
                    con, f"(SELECT * FROM {rows_relation} WHERE x_SourceFile = {literal(one.label)})"
                )
        if not later:
            warnings += unmapped_token_warning(con, rows_relation)
        label = (
            staged[0].label
            if len(staged) == 1
            else f"{len(staged)} files: " + ", ".join(Path(s.label).name for s in staged)
        )
        warnings += check_rows(con, rows_relation, strict=strict, where=label)
        inserted, billed, effective = con.execute(
            f"SELECT count(*), coalesce(sum(BilledCost), 0), coalesce(sum(EffectiveCost), 0) FROM {rows_relation}"
        ).fetchall()[0]
        replaced = sum(o.rows_before for o in outcomes)
        replaced_cost = sum((o.effective_cost_before for o in outcomes), start=billed * 0)
        skipped = rows_read - inserted
        if store.backend == "duckdb":
            keep_row_groups(con, db, written=rows_read)
        digest = file_hash or (delivery_digest(files) if files else "")
        con.execute(
            f"""INSERT INTO {db}.imports (import_id, kind, source_file, file_hash, started_at, finished_at,
                rows_read, rows_inserted, rows_skipped, status, message, warnings, import_seq, mode, files,
                rows_replaced, billed_cost, effective_cost, superseded_by)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, NULL)""",
            [
                import_id,
                kind,
                label,
                digest,
                started,
                dt.datetime.now(dt.UTC),
                rows_read,
                inserted,
                skipped,
                DERIVING if later else "ok",
                json.dumps(warnings),
                seq,
                mode,
                json.dumps([f.record() for f in files]) if files else None,
                replaced,
                billed,
                effective,
            ],
        )
        gone = record_scopes(con, db, kind=kind, import_id=import_id, outcomes=outcomes)
        if later:
            warnings += derive_later(con, db, import_id=import_id, warnings=warnings)
        if store.backend == "duckdb":
            refresh_summary(con, db)  # the value catalog's parts of this import and of the ones it replaced
    for o in outcomes:
        if o.action == "replaced":
            warnings.append(
                f"replaced {o.rows_before:,} rows (effective cost {o.effective_cost_before:,.2f}) of "
                f"{', '.join(o.replaced_imports)} for {o.label()} with {o.rows:,} rows (effective cost "
                f"{o.effective_cost:,.2f}): a newer export of the same days"
            )
        elif o.action == "kept":
            warnings.append(f"not imported for {o.label()}: {o.note}")
    return ImportResult(
        import_id=import_id,
        kind=kind,
        source_file=label,
        file_hash=digest,
        status="ok",
        mode=mode,
        files=[s.label for s in staged],
        rows_read=rows_read,
        rows_inserted=inserted,
        rows_skipped=skipped,
        rows_replaced=replaced,
        effective_cost=str(effective),
        billed_cost=str(billed),
        effective_cost_replaced=str(replaced_cost),
        superseded=gone,
        scopes=[
            ScopeResult(
                billing_account_id=o.billing_account_id,
                billing_period_start=o.billing_period_start.isoformat() if o.billing_period_start else None,
                provider_name=o.provider_name,
                action=o.action,
                rows=o.rows,
                effective_cost=str(o.effective_cost),
                rows_before=o.rows_before,
                effective_cost_before=str(o.effective_cost_before),
                replaced_imports=o.replaced_imports,
                note=o.note,
            )
            for o in outcomes
        ],
        warnings=warnings,
    )


def keep_row_groups(con: duckdb.DuckDBPyConnection, db: str, *, written: int) -> None:
    """Let the checkpoints of this import (at its commits and when the store is detached) vacuum the store only when
    its transaction deleted rows of costs: its own importer (a restated export, rows already stored) or the writer
    around it (a sync replacing its window). `written`: the rows the import inserted. An INSERT on every core ends
    each thread's share of the rows with a partial row group, and a checkpoint's vacuum merges adjacent partial
    groups by rewriting every row group after the first of them: ~0.5 s per million rows for one partial group of
    17,000 rows in the middle of a provider import (docs/performance.md, "Issue 21, session 14"). A partial row group
    costs a query nothing measurable; deleted rows are what the vacuum is for, and then it runs. The setting belongs
    to the import's own in-memory DuckDB instance and is set on every attempt (a retry may delete what the first
    attempt did not)."""
    now = con.execute(f"SELECT count(*) FROM {db}.costs").fetchall()[0][0]
    at_begin = con.execute(f"SELECT getvariable('{COSTS_AT_BEGIN}')").fetchall()[0][0]
    deleted = at_begin is None or at_begin + written > now
    con.execute("RESET max_vacuum_tasks" if deleted else "SET max_vacuum_tasks = 0")


def missing_cost_columns(have: set[str]) -> dict[str, str]:
    """The FOCUS and AI columns (name -> SQL type) not in `have`: a staging view selects them as typed NULLs."""
    wanted = {name: _KIND_TYPES[kind] for name, kind in FOCUS_COLUMNS.items()} | dict(AI_COLUMNS)
    return {name: sql_type for name, sql_type in wanted.items() if name not in have}


def conform_cost_table(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """Add any FOCUS or AI column the staging table lacks (as NULL). Returns the extra (x_) columns it has."""
    have = {r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()}
    for name, sql_type in missing_cost_columns(have).items():
        con.execute(f"ALTER TABLE {table} ADD COLUMN {ident(name)} {sql_type}")
    reserved = set(FOCUS_COLUMNS) | set(AI_COLUMNS) | {"x_SourceRow", "x_Bad"}
    return [c for c in have if c not in reserved]


def finish_cost_import(
    store: Store,
    con: duckdb.DuckDBPyConnection,
    table: str,
    *,
    kind: str,
    source_file: str,
    file_hash: str,
    warnings: list[str] | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Write the rows of the in-memory table `table` (FOCUS column names) as one import of `kind`, appending (rows
    the store already holds for the same scope are skipped). For sources that are not files (API syncs, which
    delete the window they replace themselves)."""
    if progress:
        progress("writing to the store", 0.75)
    one = StagedFile(source=source_file, relation=table)
    try:
        result = write_delivery(
            store, con, [one], kind=kind, mode="append", strict=False, file_hash=file_hash, warnings=warnings
        )
    except BadValue:
        raise ImportRejected(
            f"{source_file}: has a value that does not parse; nothing was imported"
        ) from None
    except ReadFailed as exc:
        raise ImportRejected(f"{source_file}: cannot be read: {_first_line(exc.error)}") from None
    if progress:
        progress("done", 1.0)
    return result


def reject(path: Path | str, message: str, **details: object) -> ImportRejected:
    return ImportRejected(f"{path}: {message}; nothing was imported", file=str(path), **details)
