"""The value summary: per import, every value of the named cost columns and of each provider tag key, with its
effective cost and row count (tables `_value_summary`, `_value_summary_imports`, migration 0011).

The value catalog (tools.costs.answers: Billy's vocabulary, the MCP `dimension_catalog`) is the sum of these
parts. Scanning every cost row for it took seconds at 10M rows, and every import used to invalidate it; now each
cost import refreshes, inside its own transaction, the parts of the imports whose rows changed (its own, and
those a restatement removed rows from), so the first question after an import reads the summary.

A part is trusted while its import still has the row count it had when it was summarised (rows of an import are
only ever removed after its transaction: a restatement or a sync deletes them; nothing updates them in place).
`summary_values` recomputes from the cost rows, in the reader, the parts of imports whose count differs or that
were never summarised (rows written by another path), so the answer is always that of a full scan.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
from spendscope.data.newest_day import refresh_newest_day
from spendscope.data.sql import literal

# The costs columns whose values the catalog lists (tools.costs.answers.CATALOG_DIMENSIONS maps to these; a test
# keeps the two in step).
SUMMARY_COLUMNS = (
    "ProviderName",
    "ServiceName",
    "x_Model",
    "SubAccountName",
    "InvoiceIssuerName",
    "PublisherName",
    "BillingAccountName",
    "ServiceCategory",
    "ServiceSubcategory",
    "RegionId",
    "x_TokenType",
    "ChargeCategory",
    "PricingCategory",
    "ResourceName",
    "ResourceType",
    "SkuMeter",
    "x_InstanceType",
    "CommitmentDiscountName",
    "CommitmentDiscountStatus",
    "BillingCurrency",
)
IMPORT_KEY = "coalesce(x_ImportId, '')"
NO_KEY = "-"  # keeps a bound list non-empty (an empty list has no type); never an import id (imp_...)


def _import_filter(keys: Sequence[str] | None) -> tuple[str, list[object]]:
    """WHERE clause selecting the rows of these imports ('' = rows without an import id); None: every row."""
    if keys is None:
        return "true", []
    clause = "list_contains(?, x_ImportId)"  # a plain column test, so the scan can skip row groups
    if "" in keys:
        clause = f"({clause} OR x_ImportId IS NULL)"
    return clause, [[NO_KEY, *(k for k in keys if k)]]


def parts_sql(db: str, where: str, key: str | None = None) -> str:
    """SQL of the summary rows (import_key, kind, name, value, cost, rows) of the cost rows matching `where`.
    Sums by the raw column values first and casts each distinct value once; tag keys are read from the distinct
    tag sets. A tag key present with an empty value keeps one row with value '' so the key is still listed.
    `key`: the rows are those of this one import (grouping by a constant is 2-3x faster than by the import)."""
    cols = ", ".join(f'"{c}" AS c{i}' for i, c in enumerate(SUMMARY_COLUMNS))
    name = " ".join(f"WHEN GROUPING(c{i}) = 0 THEN '{c}'" for i, c in enumerate(SUMMARY_COLUMNS))
    value = " ".join(
        f"WHEN GROUPING(c{i}) = 0 THEN CAST(c{i} AS VARCHAR)" for i in range(len(SUMMARY_COLUMNS))
    )
    by = "" if key is not None else "import_key, "
    sets = ", ".join(f"({by}c{i})" for i in range(len(SUMMARY_COLUMNS)))
    import_key = IMPORT_KEY if key is None else literal(key)
    return f"""
        WITH base AS (
            SELECT {cols}, Tags, EffectiveCost{", " + IMPORT_KEY + " AS import_key" if key is None else ""}
            FROM {db}costs WHERE {where}
        ),
        by_column AS (
            SELECT {by}CASE {name} END AS name, CASE {value} END AS value,
                   SUM(EffectiveCost) AS cost, count(*) AS rows
            FROM base GROUP BY GROUPING SETS ({sets})
        ),
        tag_sets AS (
            SELECT {by}Tags, SUM(EffectiveCost) AS cost, count(*) AS rows
            FROM base WHERE Tags IS NOT NULL GROUP BY {by}Tags
        ),
        tag_keys AS (SELECT {by}Tags, cost, rows, unnest(json_keys(Tags)) AS k FROM tag_sets),
        by_tag AS (
            SELECT {by}k AS name,
                   coalesce(CAST(json_extract_string(Tags, '$."' || replace(k, '"', '\\"') || '"') AS VARCHAR), '')
                       AS value,
                   cost, rows
            FROM tag_keys
        )
        SELECT {import_key if key is not None else "import_key"} AS import_key, 'column' AS kind, name, value,
               cost, rows
        FROM by_column WHERE value IS NOT NULL AND value <> ''
        UNION ALL
        SELECT {import_key if key is not None else "import_key"}, 'tag', name, value, SUM(cost), SUM(rows)
        FROM by_tag GROUP BY {by}name, value
    """


def stale_parts_sql(db: str, keys: Sequence[str]) -> tuple[str, list[object]]:
    """The summary rows of these imports, read from their rows: one grouping per import when they are few (the
    case after an import), else one grouping by import."""
    if len(keys) > 8:
        where, params = _import_filter(keys)
        return parts_sql(db, where), params
    sqls, params = [], []
    for k in keys:
        where, bound = _import_filter([k])
        sqls.append(f"SELECT * FROM ({parts_sql(db, where, k)})")
        params += bound
    return " UNION ALL ".join(sqls), params


def _changed(con: duckdb.DuckDBPyConnection, db: str) -> tuple[dict[str, int], list[str]]:
    """(imports whose parts must be computed: key -> live row count, summarised imports with no rows left)."""
    live: dict[str, int] = {}
    # grouped by the raw column (a NULL and an empty id are the same key): the coalesce per row cost a fifth more
    for key, n in con.execute(f"SELECT x_ImportId, count(*) FROM {db}costs GROUP BY 1").fetchall():
        live[key or ""] = live.get(key or "", 0) + n
    stored = dict(con.execute(f"SELECT import_key, rows FROM {db}_value_summary_imports").fetchall())
    stale = {k: n for k, n in live.items() if stored.get(k) != n}
    return stale, [k for k in stored if k not in live]


def refresh_summary(con: duckdb.DuckDBPyConnection, db: str, *, rewritten: Sequence[str] = ()) -> None:
    """Bring the summary in step with `db`.costs, inside the writer's transaction: drop the parts of imports whose
    row count changed or that are gone, and of `rewritten` (imports whose rows the writer updated in place), and
    summarise those again (one scan of their rows only). The newest day's judgement (data.newest_day) is made
    again whenever rows changed."""
    prefix = f"{db}."
    if rewritten:
        con.execute(
            f"DELETE FROM {prefix}_value_summary_imports WHERE list_contains(?, import_key)",
            [list(rewritten)],
        )
    stale, gone = _changed(con, prefix)
    dropped = [*stale, *gone]
    if not dropped:
        return
    refresh_newest_day(con, prefix)  # the rows changed: so may the newest day's completeness
    con.execute(f"DELETE FROM {prefix}_value_summary WHERE list_contains(?, import_key)", [dropped])
    con.execute(f"DELETE FROM {prefix}_value_summary_imports WHERE list_contains(?, import_key)", [dropped])
    if not stale:
        return
    parts, params = stale_parts_sql(prefix, list(stale))
    con.execute(
        f"INSERT INTO {prefix}_value_summary (import_key, kind, name, value, cost, rows) {parts}", params
    )
    con.executemany(
        f"INSERT INTO {prefix}_value_summary_imports (import_key, rows) VALUES (?, ?)", list(stale.items())
    )


def has_summary(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = 'main' AND table_name = '_value_summary_imports'"
        ).fetchall()[0][0]
    )


def summary_values(con: duckdb.DuckDBPyConnection, limit: int) -> list[tuple[str, str, str, object, int]]:
    """Every (kind, name, value, cost, distinct values of name) of the cost rows, the largest `limit` values per
    name by cost (then value); a tag key whose only values are empty comes as one row with value ''. The summary
    is used for the imports it holds unchanged; the others are summarised here from their rows."""
    stale, gone = _changed(con, "")
    parts, params = stale_parts_sql("", list(stale)) if stale else ("", [])
    live = f"SELECT kind, name, value, cost, rows FROM ({parts})" if stale else None
    stored = "SELECT kind, name, value, cost, rows FROM _value_summary WHERE NOT list_contains(?, import_key)"
    union = f"{stored} UNION ALL {live}" if live else stored
    return con.execute(
        f"""
        WITH merged AS (
            SELECT kind, name, value, SUM(cost) AS cost FROM ({union}) GROUP BY kind, name, value
        )
        SELECT kind, name, value, cost, count(*) FILTER (WHERE value <> '') OVER (PARTITION BY kind, name) AS n
        FROM merged
        QUALIFY value = '' OR row_number() OVER (
            PARTITION BY kind, name ORDER BY value = '', cost DESC NULLS LAST, value
        ) <= ?
        ORDER BY kind, name, cost DESC NULLS LAST, value
        """,
        [[NO_KEY, *stale, *gone], *params, limit],
    ).fetchall()
