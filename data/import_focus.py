"""`spendscope import focus`: FOCUS 1.0, 1.1 and 1.2 exports as CSV (plain or gzip) or Parquet.

Liberal in what it accepts (NULL spellings, BOM, ISO or M/D/YY dates, any header case, FOCUS 1.0 names, extra
provider columns kept with an `x_` prefix, doubled-quote JSON); strict about anything that would corrupt a
number or a date: the first bad value rejects the whole file with its row and column, and nothing is written.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
from spendscope.data.csv_files import csv_source
from spendscope.data.errors import ImportRejected
from spendscope.data.file_kinds import elsewhere
from spendscope.data.focus import AI_COLUMNS, MANDATORY_COLUMNS, REQUIRED_COLUMNS, canonical_name, column_kind
from spendscope.data.focus_versions import providers_from_13
from spendscope.data.import_contracts import import_contract_commitments, is_contract_commitment_file
from spendscope.data.importing import (
    ImportResult,
    Progress,
    duplicate_result,
    finish_cost_import,
    previous_import,
    reject,
    sha256_file,
    staging_connection,
)
from spendscope.data.sql import (
    ident,
    parse_decimal,
    parse_timestamp_iso_first,
    read_parquet,
    repair_json,
)
from spendscope.data.store import Store

KIND = "focus"


def _clean_duckdb_error(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    text = re.sub(r"^[A-Za-z ]*Error:\s*", "", text)
    return text[:300]


def _is_parquet(path: Path) -> bool:
    if path.suffix.lower() in (".parquet", ".pq"):
        return True
    with open(path, "rb") as fh:
        return fh.read(4) == b"PAR1"


def source_relation(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[str, list[str]]:
    """The file as a relation of text columns, in file order, and its header names."""
    parquet = _is_parquet(path)
    try:
        if parquet:
            cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {read_parquet(str(path))}").fetchall()]
            casts = ", ".join(f"CAST({ident(c)} AS VARCHAR) AS {ident(c)}" for c in cols)
            return f"(SELECT {casts} FROM {read_parquet(str(path))})", cols
        relation = csv_source(con, path)
        cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()]
        return relation, cols
    except duckdb.Error as exc:
        kind = "Parquet" if parquet else "CSV"
        raise reject(path, f"cannot be read as {kind}: {_clean_duckdb_error(exc)}") from None


def map_headers(path: Path, headers: list[str]) -> dict[str, str]:
    """source header -> target column. FOCUS names win; a second header mapping to the same name is kept
    as an extra column under its own x_ name."""
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    # exact 1.2 names first so that e.g. both `Provider` and `ProviderName` keep ProviderName from the latter
    ordered = sorted(headers, key=lambda h: canonical_name(h) != h.strip().lstrip("\ufeff"))
    for h in ordered:
        target = canonical_name(h)
        if target in taken:
            target = "x_" + re.sub(r"\W", "_", h.strip().lstrip("\ufeff")).strip("_")
            if target in taken:
                raise reject(path, f"column {h!r} appears twice")
        mapping[h] = target
        taken.add(target)
    return mapping


def stage_focus(con: duckdb.DuckDBPyConnection, path: Path, table: str = "staged") -> list[str]:
    """Read, type and check the file in one pass into `table` (rowid + 1 = data row). A value that was present
    but does not type (a non-numeric cost, an unparseable date) rejects the file with its row and column."""
    relation, headers = source_relation(con, path)
    mapping = map_headers(path, headers)
    present = set(mapping.values())
    missing = [c for c in REQUIRED_COLUMNS if c not in present]
    if missing:
        raise reject(
            path,
            f"missing required column(s) {', '.join(missing)}; a FOCUS export needs at least "
            f"{', '.join(REQUIRED_COLUMNS)} (FOCUS 1.0-1.4 names, any case)"
            + elsewhere(path, "focus", headers),
            missing=missing,
        )
    warnings = []
    if "ServiceProviderName" in present:  # FOCUS 1.3/1.4: the deprecated provider columns are filled from it
        present |= {"ProviderName", "PublisherName"}
    absent = [c for c in MANDATORY_COLUMNS if c not in present]
    if absent:
        warnings.append(f"FOCUS mandatory column(s) absent, imported as NULL: {', '.join(absent)}")

    checks: list[
        tuple[str, str, str, str]
    ] = []  # (source header, target, what a value must be, bad condition)
    selects = []
    parsed = []  # numbers and dates are parsed once, in an inner projection, for the value and for x_Bad
    flags = []  # x_Bad over the parsed values (`checks` say the same over the text, to name a bad value)
    for src, target in mapping.items():
        col = ident(src)
        kind = column_kind(target)
        if kind in ("decimal", "timestamp"):
            parse = parse_decimal(col) if kind == "decimal" else parse_timestamp_iso_first(col)
            expr = ident("_parsed_" + target)
            parsed.append(f"{parse} AS {expr}")
            flags.append(f"({col} IS NOT NULL AND {expr} IS NULL)")
            expected = "a number" if kind == "decimal" else "a date (ISO 8601 or M/D/YY)"
            checks.append((src, target, expected, f"({col} IS NOT NULL AND {parse} IS NULL)"))
            if target == "ChargePeriodStart":
                checks.append((src, target, "a date (the column is mandatory)", f"({col} IS NULL)"))
                flags.append(f"({col} IS NULL)")
        elif target in AI_COLUMNS:
            # spendscope's own AI columns (a spendscope export read back): typed as stored
            expr = f"TRY_CAST(trim({col}) AS {AI_COLUMNS[target]})"
        elif kind == "json" and target in ("ContractApplied", "AllocatedMethodDetails"):
            # FOCUS 1.3 JSON that may be a list (one entry per contract commitment applied), kept as given
            expr = f"CAST(CASE WHEN json_valid({col}) THEN {col} ELSE {repair_json(col)} END AS JSON)"
        elif kind == "json":
            expr = f"CAST({repair_json(col)} AS JSON)"
        else:
            expr = col
        selects.append(f"{expr} AS {ident(target)}")
    if "x_ChargeSubcategory" in present and "CommitmentDiscountStatus" not in present:
        # FOCUS 1.0 says Used/Unused in ChargeSubcategory ('Used Commitment'); 1.1 moved it to its own column
        sub = f"lower(trim({ident(next(h for h, t in mapping.items() if t == 'x_ChargeSubcategory'))}))"
        selects.append(
            f"CASE {sub} WHEN 'used commitment' THEN 'Used' WHEN 'unused commitment' THEN 'Unused' END "
            "AS CommitmentDiscountStatus"
        )
    flag = " OR ".join(flags) if flags else "false"
    inner = f"(SELECT *, {', '.join(parsed)} FROM {relation})" if parsed else relation
    con.execute(f"CREATE TABLE {table} AS SELECT {', '.join(selects)}, {flag} AS x_Bad FROM {inner}")

    bad = con.execute(f"SELECT min(rowid) FROM {table} WHERE x_Bad").fetchall()[0][0]
    if bad is not None:
        row = bad + 1
        which = " ".join(f"WHEN {c[3]} THEN {i}" for i, c in enumerate(checks))
        idx, *_ = con.execute(f"SELECT CASE {which} END FROM {relation} LIMIT 1 OFFSET ?", [bad]).fetchall()[
            0
        ]
        src, target, expected, _ = checks[idx]
        value = con.execute(f"SELECT {ident(src)} FROM {relation} LIMIT 1 OFFSET ?", [bad]).fetchall()[0][0]
        shown = "empty" if value is None else repr(value[:60])
        col_name = target if target == src else f"{target} (header {src!r})"
        raise reject(
            path,
            f"row {row} (line {row + 1}), column {col_name}: {shown} is not {expected}",
            row=row,
            column=target,
            value=value,
        )
    con.execute(f"ALTER TABLE {table} DROP COLUMN x_Bad")
    providers_from_13(con, table, present)
    nulls = con.execute(
        f"SELECT count(*) FROM {table} WHERE BilledCost IS NULL OR EffectiveCost IS NULL"
    ).fetchall()[0][0]
    if nulls:
        warnings.append(f"{nulls} rows have an empty BilledCost or EffectiveCost (kept as NULL)")
    return warnings


def import_focus(store: Store, path: Path | str, *, progress: Progress | None = None) -> ImportResult:
    """Import one FOCUS export into the store, all or nothing. Re-importing the same content adds nothing."""
    path = Path(path)
    if not path.is_file():
        raise ImportRejected(f"{path}: no such file", file=str(path))
    if is_contract_commitment_file(path):  # FOCUS 1.3's contract commitment dataset, shipped as its own file
        return import_contract_commitments(store, path, progress=progress)
    if progress:
        progress("hashing", 0.02)
    digest = sha256_file(path)
    earlier = previous_import(store, KIND, digest)
    if earlier:
        return duplicate_result(store, KIND, path, digest, earlier)
    with staging_connection() as con:
        if progress:
            progress("reading and validating", 0.1)
        warnings = stage_focus(con, path)
        return finish_cost_import(
            store,
            con,
            "staged",
            kind=KIND,
            source_file=str(path.resolve()),
            file_hash=digest,
            warnings=warnings,
            progress=progress,
        )
