"""`spendscope import focus`: FOCUS 1.0 to 1.4 exports as CSV (plain or gzip) or Parquet.

Liberal in what it accepts (NULL spellings, BOM, ISO or M/D/YY dates, any header case, FOCUS 1.0 names,
doubled-quote JSON), strict about anything that would corrupt a number or a date: the first bad value rejects
the whole file with its row and column, and nothing is written.

Two readings of the file, the fast one first:
* typed: DuckDB converts numbers and dates while it parses the file (in parallel), and the rows go straight
  into the store. ISO 8601 dates and plain numbers, which is what exports write.
* liberal, when the typed reading meets a value it cannot convert (M/D/YY dates, an hour 24, a cost with
  spaces): every field is read as text and parsed with spendscope's own rules; the first value that still does
  not parse rejects the file, named by row and column.

Columns that are neither FOCUS (any version) nor one of spendscope's catalogued x_ columns are kept, under their own
names, in the JSON column `x_Extra` (at most `MAX_EXTRA_COLUMNS` of them): a file never adds columns to the store.
FOCUS 1.3/1.4 columns are stored under their own names (migration 0020); a file with only 1.3's
ServiceProviderName still gets ProviderName and PublisherName, so no row has an empty provider. A file of the 1.3
contract commitment dataset goes to its own table (data/import_contracts.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
from spendscope.data.cost_writer import EXTENSION_COLUMNS, StagedFile, empty_cost_warning
from spendscope.data.csv_files import CsvHeader, csv_error, is_gzip, read_header
from spendscope.data.csv_parts import NUMBER, Parts, numbered_exactly, plan_parts
from spendscope.data.date_order import DateOrder, slash_order
from spendscope.data.errors import ImportRejected
from spendscope.data.file_kinds import elsewhere
from spendscope.data.focus import (
    AI_COLUMNS,
    FOCUS_13_COLUMNS,
    FOCUS_COLUMNS,
    MANDATORY_COLUMNS,
    MONEY,
    REQUIRED_COLUMNS,
    canonical_name,
    column_kind,
)
from spendscope.data.focus_versions import provider_columns
from spendscope.data.importing import ImportResult, Progress, import_files, reject
from spendscope.data.scopes import PROFILE
from spendscope.data.sql import (
    ident,
    json_or_repair,
    literal,
    parse_decimal,
    parse_timestamp_iso_first,
    read_parquet,
    repair_json,
)
from spendscope.data.store import Store

KIND = "focus"
MAX_EXTRA_COLUMNS = 200
_TYPES = {"decimal": MONEY, "timestamp": "TIMESTAMPTZ"}
# columns of `costs` a FOCUS file may carry under their own names (a spendscope export read back has them all)
KNOWN = (
    set(FOCUS_COLUMNS)
    | set(FOCUS_13_COLUMNS)
    | set(EXTENSION_COLUMNS)
    | set(AI_COLUMNS)
    | {"x_Extra", PROFILE}
)
# store columns a FOCUS file names in another case than the store: Microsoft's FocusCost `x_BillingProfileId` (the
# MCA billing profile the bill is issued for) feeds the one-bill rule (data/scopes.py `_same_bill`)
_STORE_SPELLING = {PROFILE.lower(): PROFILE}
# JSON that may be a list (one entry per contract commitment applied): kept as given when valid
_JSON_AS_GIVEN = ("ContractApplied", "AllocatedMethodDetails")


def _clean_duckdb_error(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    text = re.sub(r"^[A-Za-z ]*Error:\s*", "", text)
    return text[:300]


def _is_parquet(path: Path) -> bool:
    if path.suffix.lower() in (".parquet", ".pq"):
        return True
    with open(path, "rb") as fh:
        return fh.read(4) == b"PAR1"


def map_headers(path: Path, headers: list[str]) -> dict[str, str]:
    """source header -> target column. FOCUS names win; a second spelling of the same FOCUS column (FOCUS 1.0
    `Provider` beside 1.2 `ProviderName`) is kept in x_Extra under its own name."""
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    # exact 1.2 names first so that e.g. both `Provider` and `ProviderName` keep ProviderName from the latter
    ordered = sorted(headers, key=lambda h: canonical_name(h) != h.strip().lstrip("\ufeff"))
    for h in ordered:
        target = canonical_name(h)
        target = _STORE_SPELLING.get(target.lower(), target)
        if target in taken or target not in KNOWN:
            target = "extra:" + h.strip().lstrip("\ufeff")
            if target in taken:
                raise reject(path, f"column {h!r} appears twice")
        mapping[h] = target
        taken.add(target)
    return mapping


class _Plan:
    """The file's columns, mapped and checked, and how to read it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.parquet = _is_parquet(path)
        self.csv: CsvHeader | None = None
        try:
            if self.parquet:
                described = duckdb.execute(f"DESCRIBE SELECT * FROM {read_parquet(str(path))}").fetchall()
                self.headers = [r[0] for r in described]
                self.parquet_types = {r[0]: r[1] for r in described}
            else:
                self.csv = read_header(path)
                self.headers = self.csv.columns
                _refuse_case_twins(path, self.csv.names)
        except duckdb.Error as exc:
            raise reject(path, f"cannot be read as Parquet: {_clean_duckdb_error(exc)}") from None
        self.mapping = map_headers(path, self.headers)
        present = set(self.mapping.values())
        missing = [c for c in REQUIRED_COLUMNS if c not in present]
        if missing:
            raise reject(
                path,
                f"missing required column(s) {', '.join(missing)}; a FOCUS export needs at least "
                f"{', '.join(REQUIRED_COLUMNS)} (FOCUS 1.0-1.4 names, any case)"
                + elsewhere(path, "focus", self.csv.names if self.csv else self.headers),
                missing=missing,
            )
        extras = [h for h, t in self.mapping.items() if t.startswith("extra:")]
        if len(extras) > MAX_EXTRA_COLUMNS:
            raise reject(
                path,
                f"has {len(extras):,} columns that are not FOCUS columns (e.g. {', '.join(extras[:3])}); spendscope "
                f"keeps at most {MAX_EXTRA_COLUMNS} such columns per file (in x_Extra): remove the ones you do not "
                "need and import again",
                columns=len(extras),
            )
        self.warnings = []
        if (
            "ServiceProviderName" in present
        ):  # FOCUS 1.3/1.4: the deprecated provider columns are filled from it
            present |= {"ProviderName", "PublisherName"}
        absent = [c for c in MANDATORY_COLUMNS if c not in present]
        if absent:
            self.warnings.append(f"FOCUS mandatory column(s) absent, imported as NULL: {', '.join(absent)}")

    def kind(self, header: str) -> str:
        target = self.mapping[header]
        if EXTENSION_COLUMNS.get(target) == "TIMESTAMPTZ":
            return "timestamp"
        return column_kind(target)

    def source(self, typed: bool) -> str:
        """The file as a relation: typed (numbers and dates converted by the reader) or every column as text."""
        if self.csv is not None:
            return self.csv.reader(self.types() if typed else {})
        cols = []
        for h in self.headers:
            col = ident(h)
            text = f"nullif(CAST({_as_text(col, self.parquet_types[h])} AS VARCHAR), '')"
            k = self.kind(h)
            if typed and k in _TYPES:
                raw = text if self.parquet_types[h] == "VARCHAR" else col
                cols.append(f"CAST({raw} AS {_TYPES[k]}) AS {col}")
            else:
                cols.append(f"{text} AS {col}")
        return f"(SELECT {', '.join(cols)} FROM {read_parquet(str(self.path))})"

    def types(self) -> dict[str, str]:
        """The SQL type of each number and date column (the typed reading)."""
        return {h: _TYPES[self.kind(h)] for h in self.headers if self.kind(h) in _TYPES}

    def selects(self, values: dict[str, str]) -> list[str]:
        """The staged view's columns: each mapped column (SQL from `values`), the provider columns of any FOCUS
        version, the FOCUS 1.0 commitment status and x_Extra."""
        by_target = {t: values[h] for h, t in self.mapping.items() if not t.startswith("extra:")}
        given_extra = by_target.pop("x_Extra", None)
        by_target |= provider_columns(by_target)
        out = [f"{expr} AS {ident(t)}" for t, expr in by_target.items()]
        present = set(self.mapping.values())
        if "x_ChargeSubcategory" in present and "CommitmentDiscountStatus" not in present:
            # FOCUS 1.0 says Used/Unused in ChargeSubcategory ('Used Commitment'); 1.1 moved it to its own column
            src = next(h for h, t in self.mapping.items() if t == "x_ChargeSubcategory")
            sub = f"lower(trim({ident(src)}))"
            out.append(
                f"CASE {sub} WHEN 'used commitment' THEN 'Used' WHEN 'unused commitment' THEN 'Unused' END "
                "AS CommitmentDiscountStatus"
            )
        extras = [h for h, t in self.mapping.items() if t.startswith("extra:")]
        extra_json = given_extra  # an x_Extra column (a spendscope export read back) is kept as it is
        if extras:
            pairs = ", ".join(
                f"{literal(h.strip().lstrip(chr(0xFEFF)))}, CAST({ident(h)} AS VARCHAR)" for h in extras
            )
            built = f"json_object({pairs})"
            extra_json = f"json_merge_patch({given_extra}, {built})" if given_extra else built
        if extra_json:
            out.append(f"CAST({extra_json} AS JSON) AS x_Extra")
        return out

    def value(self, header: str) -> str | None:
        """SQL for a column that is neither a number nor a date: JSON repaired, AI columns typed; None: as read."""
        col, target = ident(header), self.mapping[header]
        if (
            target in AI_COLUMNS
        ):  # spendscope's own AI columns (a spendscope export read back): typed as stored
            return f"TRY_CAST(trim({col}) AS {AI_COLUMNS[target]})"
        if target in _JSON_AS_GIVEN:
            return f"CAST(CASE WHEN json_valid({col}) THEN {col} ELSE {repair_json(col)} END AS JSON)"
        if self.kind(header) == "json" or target == "x_Extra":
            return json_or_repair(col)
        return None


def _as_text(col: str, parquet_type: str) -> str:
    """A Parquet column as the text a CSV export writes: nested values (MAP, STRUCT, LIST: AWS Data Exports write
    FOCUS `Tags` and the `x_CostCategories` / `x_Discounts` columns as MAPs) as JSON, not DuckDB's `{k=v}` rendering,
    which no JSON reading (Tags, SkuPriceDetails) recognises."""
    nested = parquet_type.startswith(("MAP(", "STRUCT(")) or parquet_type.endswith("]")
    return f"to_json({col})" if nested else col


def _refuse_case_twins(path: Path, names: list[str]) -> None:
    """Two header names that differ only in case and name one FOCUS column (`BilledCost`, `billedcost`)."""
    seen: dict[str, int] = {}
    for i, name in enumerate(names, 1):
        target = canonical_name(name)
        if target not in KNOWN:
            continue
        if target in seen and names[seen[target] - 1].lower() == name.lower():
            raise reject(
                path,
                f"the header names column {name!r} twice (columns {seen[target]} and {i}, in different case); "
                "spendscope cannot tell which one holds the value: remove or rename one of them",
                column=target,
                positions=[seen[target], i],
            )
        seen.setdefault(target, i)


def _year_ok(expr: str) -> str:
    # constant bounds (an integer comparison), not year(): that converts every value through the time zone
    return (
        f"({expr} IS NULL OR {expr} BETWEEN TIMESTAMPTZ '1970-01-01' AND TIMESTAMPTZ '2200-12-31 23:59:59')"
    )


def stage_focus_file(
    con: duckdb.DuckDBPyConnection, path: Path, progress: Progress | None = None
) -> StagedFile:
    """The typed reading of one FOCUS file: a large plain CSV file in parts on every core, numbered as read
    (view `staged_parts`, data/csv_parts.py), otherwise as view `staged`; the liberal reading is the fallback of
    both."""
    plan = _Plan(path)
    if plan.csv is not None:
        plan.csv.prepare(con)
    parts = _parts(con, plan)
    if parts is None:
        return _typed(con, plan)
    csv_header = plan.csv
    assert csv_header is not None  # parts are planned for CSV files only
    types = plan.types()
    values, bad = _typed_columns(plan)
    relation = parts.relation(lambda part, header: csv_header.reader(types, path=part, header=header))
    con.execute(
        f"CREATE OR REPLACE VIEW staged_parts AS SELECT {', '.join(plan.selects(values))}, {bad} AS x_Bad, "
        f"{NUMBER} AS x_SourceRow FROM {relation}"
    )
    return StagedFile(
        source=str(path.resolve()),
        relation="staged_parts",
        warnings=plan.warnings,
        # a part's line numbers are not the file's: a reading error is explained by the whole-file reading
        explain=lambda _exc: None,
        after=_null_costs,
        fallback=lambda: _typed(con, plan),
        position="s.x_SourceRow - 1",
        around_insert=parts.feeding,
        verify=numbered_exactly,
    )


def _parts(con: duckdb.DuckDBPyConnection, plan: _Plan) -> Parts | None:
    if plan.csv is None:
        return None
    read = plan.csv.read_path or plan.csv.path
    if is_gzip(read):
        return None
    return plan_parts(read, con, plan.headers)


def _typed_columns(plan: _Plan) -> tuple[dict[str, str], str]:
    """The SQL of each column of the typed reading and the condition that marks a row with a value that
    converted but cannot be right (a date before 1970: M/D/YY read as the year 10)."""
    values, sane = {}, []
    for h in plan.headers:
        col, k = ident(h), plan.kind(h)
        values[h] = plan.value(h) or col
        if k == "timestamp":  # a cast reads 10/1/26 as the year 10: such files take the liberal reading
            sane.append(_year_ok(col))
        if plan.mapping[h] == "ChargePeriodStart":
            sane.append(f"{col} IS NOT NULL")
    return values, (f"NOT ({' AND '.join(sane)})" if sane else "false")


def _typed(con: duckdb.DuckDBPyConnection, plan: _Plan) -> StagedFile:
    """The whole file read by one typed read_csv (or read_parquet) as view `staged`."""
    path = plan.path
    values, bad = _typed_columns(plan)
    con.execute(
        f"CREATE OR REPLACE VIEW staged AS SELECT {', '.join(plan.selects(values))}, {bad} AS x_Bad FROM {plan.source(True)}"
    )
    return StagedFile(
        source=str(path.resolve()),
        relation="staged",
        warnings=plan.warnings,
        explain=_explainer(plan),
        after=_null_costs,
        fallback=lambda: _liberal(con, plan),
    )


def _explainer(plan: _Plan):  # noqa: ANN202 - a closure over the plan
    def explain(exc: duckdb.Error) -> Exception | None:
        if plan.csv is not None:
            return csv_error(plan.csv, exc)
        if isinstance(exc, duckdb.ConversionException):
            return None  # the liberal reading names the value
        return reject(plan.path, f"cannot be read as Parquet: {_clean_duckdb_error(exc)}")

    return explain


def _null_costs(con: duckdb.DuckDBPyConnection, rows: str) -> list[str]:
    return empty_cost_warning(con, rows)


def _date_order(con: duckdb.DuckDBPyConnection, plan: _Plan, relation: str) -> DateOrder:
    """The order of the file's slash dates (data.date_order), the billing period as the tie-breaker; a reading
    the values alone do not show is added to the import's warnings."""
    dates = [ident(h) for h in plan.headers if plan.kind(h) == "timestamp"]
    if not dates:
        return DateOrder()
    col = {plan.mapping[h]: ident(h) for h in plan.headers}
    period = [col.get(n) for n in ("ChargePeriodStart", "BillingPeriodStart", "BillingPeriodEnd")]

    def consistent(day_first: bool) -> int:
        """Distinct charge periods lying inside a billing period that starts on the 1st of a month."""
        cols = [*period, col.get("ChargePeriodEnd") or period[0]]
        charge, start, end, last = (parse_timestamp_iso_first(c, day_first) for c in cols)  # type: ignore[arg-type]
        return con.execute(
            f"SELECT count(*) FROM (SELECT DISTINCT {', '.join(cols)} FROM {relation}) "  # type: ignore[arg-type]
            f"WHERE {start} <= {charge} AND {charge} <= {last} AND {last} <= {end} AND day({start}) = 1"
        ).fetchall()[0][0]

    values = f"SELECT unnest([{', '.join(dates)}]) AS v FROM {relation}"
    order = slash_order(con, plan.path, values, consistent if all(period) else None)
    if order.warning:
        plan.warnings.append(order.warning)
    return order


def _liberal(con: duckdb.DuckDBPyConnection, plan: _Plan) -> StagedFile:
    """Every field as text, numbers and dates parsed by spendscope's own rules (view `staged_liberal`)."""
    relation = plan.source(False)
    order = _date_order(con, plan, relation)
    checks: list[
        tuple[str, str, str, str]
    ] = []  # (source header, target, what a value must be, bad condition)
    values, parsed, flags = {}, [], []
    for h in plan.headers:
        col, k, target = ident(h), plan.kind(h), plan.mapping[h]
        if k in ("decimal", "timestamp"):
            parse = parse_decimal(col) if k == "decimal" else parse_timestamp_iso_first(col, order.day_first)
            alias = ident("_parsed_" + target)
            parsed.append(f"{parse} AS {alias}")
            values[h] = alias
            flags.append(f"({col} IS NOT NULL AND {alias} IS NULL)")
            expected = "a number" if k == "decimal" else f"a date (ISO 8601 or {order.spelled})"
            checks.append((h, target, expected, f"({col} IS NOT NULL AND {parse} IS NULL)"))
            if target == "ChargePeriodStart":
                checks.append((h, target, "a date (the column is mandatory)", f"({col} IS NULL)"))
                flags.append(f"({col} IS NULL)")
        else:
            values[h] = plan.value(h) or col
    flag = " OR ".join(flags) if flags else "false"
    inner = f"(SELECT *, {', '.join(parsed)} FROM {relation})" if parsed else relation
    con.execute(
        f"CREATE OR REPLACE VIEW staged_liberal AS SELECT {', '.join(plan.selects(values))}, {flag} AS x_Bad "
        f"FROM {inner}"
    )

    def locate() -> None:
        numbered = plan.csv.reader(numbered=True) if plan.csv is not None else relation
        which = " ".join(f"WHEN {c[3]} THEN {i}" for i, c in enumerate(checks))
        found = con.execute(
            f"SELECT ordinality, CASE {which} END FROM {numbered} WITH ORDINALITY "
            f"WHERE {' OR '.join(c[3] for c in checks)} ORDER BY ordinality LIMIT 1"
        ).fetchall()
        if not found:
            return
        row, idx = found[0]
        src, target, expected, _ = checks[idx]
        value = con.execute(
            f"SELECT {ident(src)} FROM {numbered} WITH ORDINALITY WHERE ordinality = ?", [row]
        ).fetchall()[0][0]
        shown = "empty" if value is None else repr(value[:60])
        col_name = target if target == src else f"{target} (header {src!r})"
        raise reject(
            plan.path,
            f"row {row} (line {row + 1}), column {col_name}: {shown} is not {expected}",
            row=row,
            column=target,
            value=value,
        )

    return StagedFile(
        source=str(plan.path.resolve()),
        relation="staged_liberal",
        warnings=plan.warnings,
        locate_bad=locate,
        explain=_explainer(plan),
        after=_null_costs,
    )


def import_focus(
    store: Store,
    path: Path | str,
    *,
    progress: Progress | None = None,
    mode: str = "auto",
    strict: bool = False,
) -> ImportResult:
    """Import one FOCUS export into the store as a delivery of its own (all or nothing; a newer export of the
    same account and billing period replaces the older one's rows; re-importing the same content adds nothing)."""
    path = Path(path)
    if not path.is_file():
        raise ImportRejected(f"{path}: no such file", file=str(path))
    (result,) = import_files(store, KIND, [path], mode=mode, strict=strict, progress=progress)  # type: ignore[arg-type]
    return result
