"""Writing staged cost rows into the store, inside the import's transaction: the rows of each file go from their
staged relation straight into `costs` in one INSERT (a typed view over the file is read, checked and written in
one pass; nothing is materialised on the way), each row's identity (x_RowHash) computed in that INSERT when the
file numbers its rows; after the import's first commit their AI columns are derived once per distinct combination
of descriptive fields (data/import_finish.py: an UPDATE of rows the transaction itself wrote would make the commit
write them all again).

A staged relation has `costs`' column names. Its other columns: `x_Bad` (true on a row with a value that does
not parse: the INSERT then stops and the importer names the row), `x_SourceRow` (when the importer numbers rows
itself; otherwise rows are numbered in the order they arrive, which a pure projection of the file keeps),
`x_RowPosition` (a unique position, where x_SourceRow is shared: GCP credits), and
any column `costs` does not have: spendscope's catalogued extension columns (EXTENSION_COLUMNS) are added to
`costs` on first use, every other one goes into the JSON column `x_Extra` under its own name, so a file never
widens the schema.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field

import duckdb
from spendscope.data.derive import derive_key_sql, derived_columns, register_derivations
from spendscope.data.focus import AI_COLUMNS, FOCUS_13_COLUMNS, FOCUS_COLUMNS
from spendscope.data.sql import ident, literal

BAD_VALUE = "spendscope:bad-value"
ROW_BITS = 36  # x_RowHash = import_seq * 2^36 + the row's position in the import

# spendscope's own x_ columns that importers fill: real columns of `costs`, added the first time one is written.
EXTENSION_COLUMNS: dict[str, str] = {
    "x_ServiceCode": "VARCHAR",
    "x_Operation": "VARCHAR",
    "x_LineItemType": "VARCHAR",
    "x_LineItemId": "VARCHAR",
    "x_IamPrincipal": "VARCHAR",
    "x_ResourceGroupName": "VARCHAR",
    "x_SkuMeterCategory": "VARCHAR",
    "x_SkuMeterSubcategory": "VARCHAR",
    "x_SkuMeterId": "VARCHAR",
    "x_PricingBlockSize": "VARCHAR",
    "x_CostCenter": "VARCHAR",
    "x_ProjectNumber": "VARCHAR",
    "x_ServiceId": "VARCHAR",
    "x_CostType": "VARCHAR",
    "x_CreditType": "VARCHAR",
    "x_ChargeSubcategory": "VARCHAR",
    "x_ExportTime": "TIMESTAMPTZ",
}
PROVENANCE = ("x_Source", "x_ImportId", "x_SourceFile", "x_SourceRow", "x_RowHash")
# what a row's source said (FOCUS of any version and the extension columns): what two rows must share to be the same
# row of an export (fingerprints of appended rows); never provenance or the derived AI columns
SOURCE_COLUMNS = frozenset(FOCUS_COLUMNS) | frozenset(FOCUS_13_COLUMNS) | frozenset(EXTENSION_COLUMNS)
_INTERNAL = {"x_Bad", "x_Extra", "x_RowPosition"}


@dataclass
class StagedFile:
    """One file of a delivery, staged as a relation in the staging connection."""

    source: str  # x_SourceFile: the file's absolute path (or a sync's label)
    relation: str
    warnings: list[str] = field(default_factory=list)
    # raises ImportRejected naming the first bad value (called outside the transaction, after the INSERT stopped)
    locate_bad: Callable[[], None] | None = None
    # explains an error DuckDB raised while reading the file (None: not a reading error)
    explain: Callable[[duckdb.Error], Exception | None] | None = None
    # warnings computed over the inserted rows; gets the name of a relation holding this file's rows of the import
    after: Callable[[duckdb.DuckDBPyConnection, str], list[str]] | None = None
    # a slower, more liberal staging of the same file, tried when this one meets a value it cannot convert
    fallback: Callable[[], StagedFile] | None = None
    # SQL over the staged row (alias `s`) for its 0-based position in the file, unique and dense (0 .. rows - 1):
    # x_RowHash is then computed in the INSERT itself (no UPDATE of the import's rows afterwards, which would make
    # the commit rewrite every row: ~1 s per million rows). None: rows are numbered by arrival (`number_rows`).
    position: str | None = None
    # runs around the INSERT (e.g. feeding the file to DuckDB through pipes); entered once per execution
    around_insert: Callable[[], AbstractContextManager[object]] | None = None
    # after the INSERT, given a relation holding the rows it wrote: False when they cannot be trusted (the
    # importer's `fallback` is tried instead)
    verify: Callable[[duckdb.DuckDBPyConnection, str], bool] | None = None

    @property
    def label(self) -> str:
        return self.source


class BadValue(Exception):
    """A staged row had x_Bad: the transaction is rolled back and the importer locates the value."""

    def __init__(self, staged: StagedFile) -> None:
        super().__init__(staged.label)
        self.staged = staged


class Untrusted(Exception):
    """A staged file's `verify` rejected the rows its INSERT wrote (rolled back; the importer's fallback runs)."""

    def __init__(self, staged: StagedFile) -> None:
        super().__init__(staged.label)
        self.staged = staged


class ReadFailed(Exception):
    """DuckDB failed while reading a file during the INSERT (rolled back; explained outside the transaction)."""

    def __init__(self, staged: StagedFile, error: duckdb.Error) -> None:
        super().__init__(str(error))
        self.staged = staged
        self.error = error


def store_columns(con: duckdb.DuckDBPyConnection, db: str) -> dict[str, str]:
    return {r[0]: r[1] for r in con.execute(f"DESCRIBE {db}.costs").fetchall()}


def insert_file(
    con: duckdb.DuckDBPyConnection,
    db: str,
    staged: StagedFile,
    *,
    kind: str,
    import_id: str,
    first_hash: int | None = None,
) -> tuple[list[str], int]:
    """INSERT the rows of `staged` into `{db}.costs` (inside the caller's transaction). Returns the source
    columns written (for fingerprints) and the number of rows. `first_hash`: x_RowHash of the file's row at
    position 0 when the file numbers its rows (`staged.position`). Raises BadValue, ReadFailed or Untrusted."""
    have = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {staged.relation}").fetchall()]
    target = store_columns(con, db)
    for name in have:
        if name in EXTENSION_COLUMNS and name not in target:
            con.execute(
                f"ALTER TABLE {db}.costs ADD COLUMN IF NOT EXISTS {ident(name)} {EXTENSION_COLUMNS[name]}"
            )
            target[name] = EXTENSION_COLUMNS[name]
    direct = [c for c in have if c in target and c not in _INTERNAL and c not in PROVENANCE]
    extra = [c for c in have if c not in target and c not in _INTERNAL and c not in PROVENANCE]
    cols, exprs = [], []
    for c in direct:
        cols.append(c)
        exprs.append(f"s.{ident(c)}")
    if extra or "x_Extra" in have:
        pairs = ", ".join(f"{literal(c)}, s.{ident(c)}" for c in extra)
        extra_json = f"json_object({pairs})" if extra else "NULL"
        if "x_Extra" in have:
            extra_json = (
                f"coalesce(json_merge_patch(s.x_Extra, {extra_json}), s.x_Extra)" if extra else "s.x_Extra"
            )
        cols.append("x_Extra")
        exprs.append(f"CAST({extra_json} AS JSON)")
    if "x_SourceRow" in have:
        cols.append("x_SourceRow")
        exprs.append("s.x_SourceRow")
    if staged.position is not None and first_hash is not None:
        cols.append("x_RowHash")
        exprs.append(f"CAST({first_hash} AS UBIGINT) + CAST({staged.position} AS UBIGINT)")
    cols += ["x_Source", "x_ImportId", "x_SourceFile"]
    exprs += [literal(kind), literal(import_id), literal(staged.label)]
    if "x_Bad" in have:  # the first written value raises when the row is bad: the transaction stops there
        exprs[0] = f"CASE WHEN s.x_Bad THEN error({literal(BAD_VALUE)}) ELSE {exprs[0]} END"
    # rows the importer did not number are numbered by arrival: keep the file's order (a pure projection of the
    # file keeps it). Numbered rows need no order, and an unordered INSERT writes (compresses) on every core: an
    # ordered one from a source that cannot keep order (a join) runs on one thread.
    con.execute(f"SET preserve_insertion_order = {'false' if 'x_SourceRow' in have else 'true'}")
    try:
        with (staged.around_insert or nullcontext)():
            rows = con.execute(
                f"INSERT INTO {db}.costs ({', '.join(ident(c) for c in cols)}) "
                f"SELECT {', '.join(exprs)} FROM {staged.relation} AS s"
            ).fetchall()[0][0]
    except duckdb.Error as exc:
        if BAD_VALUE in str(exc):
            raise BadValue(staged) from None
        raise ReadFailed(staged, exc) from None
    mine = f"(SELECT * FROM {db}.costs WHERE x_ImportId = {literal(import_id)} AND x_SourceFile = {literal(staged.label)})"
    if staged.verify is not None and not staged.verify(con, mine):
        raise Untrusted(staged)
    return [c for c in direct if c in SOURCE_COLUMNS] + (["x_Extra"] if "x_Extra" in cols else []), rows


def number_rows(con: duckdb.DuckDBPyConnection, db: str, *, import_id: str, seq: int) -> None:
    """x_SourceRow (where the importer left it empty) = position in its file; x_RowHash = a row identity that
    compresses to almost nothing (seq * 2^36 + position in the import). For sources that do not number their rows
    (`StagedFile.position`): an UPDATE of the transaction's own rows makes DuckDB's commit write them all again
    (~1 s per million rows), which the file importers avoid."""
    con.execute(
        f"""UPDATE {db}.costs AS c SET
                x_SourceRow = coalesce(c.x_SourceRow, c.rowid - m.file_first + 1),
                x_RowHash = CAST(? AS UBIGINT) * CAST({1 << ROW_BITS} AS UBIGINT) + CAST(c.rowid - m.first AS UBIGINT)
            FROM (SELECT x_SourceFile AS f, min(rowid) AS file_first, min(min(rowid)) OVER () AS first
                  FROM {db}.costs WHERE x_ImportId = ? GROUP BY x_SourceFile) AS m
            WHERE c.x_ImportId = ? AND c.x_SourceFile = m.f""",
        [seq, import_id, import_id],
    )


# each AI column and the derived field that can set it (data/derive.py's derived_columns)
_ANSWERS = {
    "x_Model": "x_Model",
    "x_TokenType": "x_TokenType",
    "x_Tokens": "coalesce(cq_tokens, pq_tokens)",
    "x_Requests": "cq_requests",
    "x_GpuCount": "x_GpuCount",
    "x_InstanceType": "x_InstanceType",
    "x_GpuHours": "cq_hours",
}
assert set(_ANSWERS) == set(AI_COLUMNS)


def derive_ai_columns(con: duckdb.DuckDBPyConnection, db: str, *, import_id: str) -> None:
    """Fill the AI columns the importer left empty, once per distinct combination of descriptive fields."""
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW import_rows AS SELECT * FROM {db}.costs WHERE x_ImportId = {literal(import_id)}"
    )
    derived = register_derivations(con, "import_rows")
    sets = derived_columns("c", "d", "r")
    useful = (
        "d.x_Model IS NOT NULL OR d.x_TokenType IS NOT NULL OR d.cq_tokens IS NOT NULL OR d.pq_tokens IS NOT NULL "
        "OR d.cq_requests IS NOT NULL OR d.cq_hours IS NOT NULL OR d.x_GpuCount IS NOT NULL "
        "OR d.x_InstanceType IS NOT NULL"
    )
    # only the columns some combination has an answer for (an UPDATE's cost, and its commit's, grows with the
    # columns it sets: a token bill sets model, token type and tokens, not the GPU fields)
    answered = con.execute(
        f"SELECT {', '.join(f'count({e})' for e in _ANSWERS.values())} FROM {derived}"
    ).fetchall()[0]
    wanted = [c for c, n in zip(_ANSWERS, answered, strict=True) if n]
    if not wanted:
        con.execute(f"DROP TABLE {derived}")
        con.execute(f"DROP TABLE {derived}_resources")
        return
    assignments = ", ".join(f"{c} = {sets[c].replace('r.x_Model', 'NULL')}" for c in wanted)
    con.execute(
        f"""UPDATE {db}.costs AS c SET {assignments} FROM {derived} AS d
            WHERE c.x_ImportId = ? AND d.x_DeriveKey = {derive_key_sql("c")} AND ({useful})""",
        [import_id],
    )
    if con.execute(f"SELECT count(*) FROM {derived}_resources").fetchall()[0][0]:
        con.execute(
            f"""UPDATE {db}.costs AS c SET x_Model = r.x_Model FROM {derived}_resources AS r
                WHERE c.x_ImportId = ? AND c.x_Model IS NULL AND r.x_DeriveKey = {derive_key_sql("c")}
                  AND r.ResourceId = c.ResourceId""",
            [import_id],
        )
    con.execute(f"DROP TABLE {derived}")
    con.execute(f"DROP TABLE {derived}_resources")
    commitment_purchase_models(con, db, import_id=import_id)


def commitment_purchase_models(con: duckdb.DuckDBPyConnection, db: str, *, import_id: str) -> None:
    """A commitment's purchase row names the model its commitment serves, never one read from its free text: the
    one model the commitment's other rows name (its used and unused hours), else none. A purchase described only
    by the commitment's name ('pt-claude-haiku-catalog') would otherwise read as a model of that name."""
    con.execute(
        f"""UPDATE {db}.costs AS c SET x_Model = (
                SELECT CASE WHEN count(DISTINCT u.x_Model) = 1 THEN min(u.x_Model) END FROM {db}.costs AS u
                WHERE u.CommitmentDiscountId = c.CommitmentDiscountId AND u.ChargeCategory <> 'Purchase'
                  AND u.x_Model IS NOT NULL)
            WHERE c.x_ImportId = ? AND c.ChargeCategory = 'Purchase' AND c.CommitmentDiscountId IS NOT NULL
              AND c.x_Model IS NOT NULL""",
        [import_id],
    )


def unmapped_token_warning(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    n, cost = con.execute(
        f"""SELECT count(*), coalesce(sum(EffectiveCost), 0) FROM {relation}
            WHERE x_Tokens IS NOT NULL AND x_Model IS NULL"""
    ).fetchall()[0]
    if not n:
        return []
    return [
        f"{n} token line items (effective cost {cost:.2f}) name no recognisable model; they are kept with "
        "x_Model NULL"
    ]


def empty_cost_warning(
    con: duckdb.DuckDBPyConnection, rows: str, source_column: str | None = None
) -> list[str]:
    """[warning] when rows of `rows` have no BilledCost or EffectiveCost: they are kept (NULL, never a made-up 0)
    but are in no cost total, which the user must be told. `source_column`: the file's cost column, named with the
    first such row (a provider export; FOCUS files name BilledCost itself). CUR and Azure stored such lines without
    a word (probe 28); GCP refuses them (its `cost` is mandatory)."""
    n, first = con.execute(
        f"SELECT count(*), min(x_SourceRow) FROM {rows} WHERE BilledCost IS NULL OR EffectiveCost IS NULL"
    ).fetchall()[0]
    if not n:
        return []
    message = f"{n} rows have an empty BilledCost or EffectiveCost (kept as NULL)"
    if source_column:
        message += f": {source_column} is empty (first at row {first}), so they are in no cost total"
    return [message]
