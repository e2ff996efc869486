"""`spendscope export focus`: the store's cost rows as a FOCUS 1.2 or 1.3 dataset (CSV or Parquet) that another
FinOps tool can read: every column of the version in specification order, values in the spec's formats (UTC
`YYYY-MM-DDTHH:mm:ssZ` date/times, plain decimals, JSON objects, nulls as empty CSV fields), then spendscope's
`x_` columns (the AI columns first, then the providers' extension columns the rows carry). Provenance columns
(x_Source, x_ImportId, x_SourceFile, x_SourceRow, x_RowHash) are left out: they describe this store, not the bill.

FOCUS 1.3 adds ServiceProviderName (from ProviderName when an importer did not set it), HostProviderName (the
service provider when no host is known, as the spec recommends), InvoiceDetailId, the Allocated* columns and
ContractApplied; ProviderName and PublisherName stay, as 1.3 deprecates but still allows them."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from spendscope.data.errors import InvalidArgument
from spendscope.data.focus import AI_COLUMNS, FOCUS_13_COLUMNS, FOCUS_COLUMNS, PROVENANCE_COLUMNS
from spendscope.data.sql import ident, literal
from spendscope.data.store import Store
from spendscope.tools.costs.breakdown import Filter, TimeRange, filter_sql, period_bounds, resolve_range
from spendscope.tools.costs.dimensions import query_source
from spendscope.tools.costs.focus_conformance import Violation, check_file


class ExportFocusInput(TimeRange):
    output: Path = Field(description="file to write: .csv or .parquet")
    version: Literal["1.2", "1.3"] = "1.3"
    filters: list[Filter] = Field(default_factory=list)


class ExportFocusResult(BaseModel):
    output: str
    version: str
    rows: int
    billed_cost: str
    effective_cost: str
    period_label: str
    columns: int
    violations: list[Violation] = Field(description="conformance problems found in the written file")


def _columns(version: str, store_cols: set[str]) -> list[tuple[str, str]]:
    """(output column, SQL over the store row `c`) in specification order."""
    names = sorted(FOCUS_COLUMNS) if version == "1.2" else sorted({*FOCUS_COLUMNS, *FOCUS_13_COLUMNS})
    kinds = FOCUS_COLUMNS | FOCUS_13_COLUMNS
    out = []
    for name in names:
        expr = f"c.{ident(name)}" if name in store_cols else "NULL"
        if name == "ServiceProviderName":
            expr = f"coalesce({expr}, c.ProviderName)"
        elif name == "HostProviderName":
            expr = (
                f"coalesce({expr}, c.ServiceProviderName, c.ProviderName)"
                if expr != "NULL"
                else "c.ProviderName"
            )
        out.append((name, _typed(expr, kinds[name])))
    return out


def _typed(expr: str, kind: str) -> str:
    if kind == "timestamp":
        return f"CAST({expr} AS TIMESTAMPTZ)"
    if kind == "decimal":
        return f"CAST({expr} AS DECIMAL(38,10))"
    return f"CAST({expr} AS VARCHAR)"


def export_focus(store: Store, params: ExportFocusInput) -> ExportFocusResult:
    suffix = params.output.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise InvalidArgument(
            f"--output {params.output}: write .csv or .parquet", argument="output", value=str(params.output)
        )
    with store.reader() as con:
        period = resolve_range(params, con)
        source = query_source(con)
        clauses, fparams = filter_sql(params.filters, con, source)
        store_cols = [r[0] for r in con.execute("DESCRIBE costs").fetchall()]
        have = set(store_cols)
        cols = _columns(params.version, have)
        taken = {n for n, _ in cols}
        extras = [c for c in AI_COLUMNS if c in have] + sorted(
            c
            for c in store_cols
            if c.startswith("x_") and c not in AI_COLUMNS and c not in PROVENANCE_COLUMNS
        )
        cols += [(c, f"c.{ident(c)}") for c in extras if c not in taken]
        where = " AND ".join(["c.ChargePeriodStart >= ?", "c.ChargePeriodStart < ?", *clauses])
        body = ", ".join(f"{expr} AS {ident(name)}" for name, expr in cols)
        query = (
            f"SELECT {body} FROM {source.relation} AS c WHERE {where} "
            "ORDER BY c.ChargePeriodStart, c.x_ImportId, c.x_SourceRow"
        )
        args = [*period_bounds(period), *fparams]
        params.output.parent.mkdir(parents=True, exist_ok=True)
        target = literal(str(params.output))
        if suffix == ".parquet":
            con.execute(f"COPY ({query}) TO {target} (FORMAT parquet, COMPRESSION zstd)", args)
        else:
            # the spec's text formats: UTC date/times with Z, JSON as text, nulls as empty fields
            shown = ", ".join(
                f"strftime({ident(n)} AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS {ident(n)}"
                if (FOCUS_COLUMNS | FOCUS_13_COLUMNS).get(n) == "timestamp"
                else ident(n)
                for n, _ in cols
            )
            con.execute(f"COPY (SELECT {shown} FROM ({query})) TO {target} (FORMAT csv, HEADER true)", args)
        rows, billed, effective = con.execute(
            f"SELECT count(*), coalesce(sum(c.BilledCost), 0), coalesce(sum(c.EffectiveCost), 0) "
            f"FROM {source.relation} AS c WHERE {where}",
            args,
        ).fetchall()[0]
    report = check_file(params.output, params.version)
    return ExportFocusResult(
        output=str(params.output),
        version=params.version,
        rows=rows,
        billed_cost=str(billed),
        effective_cost=str(effective),
        period_label=period.label,
        columns=len(cols),
        violations=report.violations,
    )
