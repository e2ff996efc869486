"""Shared by the web tests: a writable copy of the demo store with anomalies detected, a tokens file, and the
hand-written SQL the figures are checked against."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
from spendscope.data.store import Store
from spendscope.tools.invoke import invoke

AS_OF = dt.date(2026, 10, 25)  # the demo store (conftest) covers 2026-07-24 to 2026-10-31
TOKENS = {
    "admin": "admin-token-0123456789abcdef",
    "reader": "reader-token-0123456789abcdef",
    "search": "search-token-0123456789abcdef",
}
TOKENS_YAML = f"""\
{TOKENS["admin"]}:
  identity: finance
  scopes: [read, write]
{TOKENS["reader"]}:
  identity: viewer
  scopes: [read]
{TOKENS["search"]}:
  identity: search-lead
  scopes: [read, write]
  row_scope: {{team: search}}
"""
OTHER_TEAMS = ("support", "data-science")  # demo teams a search-scoped page must never name


def writable_demo(demo: Store, folder: Path) -> Store:
    """A copy of the session's demo store with anomalies detected up to AS_OF (tests may write to it)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "demo.duckdb"
    shutil.copy(demo.path, target)
    store = Store(target, lock_timeout=10)
    invoke(store, "detect_anomalies", {"as_of": AS_OF, "days": 30})
    return store


def tokens_file(folder: Path) -> Path:
    path = folder / "tokens.yaml"
    path.write_text(TOKENS_YAML, encoding="utf-8")
    return path


def sql_cost(store: Store, start: str, end_exclusive: str, where: str = "true") -> float:
    """Effective cost of [start, end) straight from the FOCUS columns."""
    con = duckdb.connect(str(store.path), read_only=True)
    try:
        (value,) = con.execute(
            "SELECT coalesce(sum(EffectiveCost), 0) FROM costs WHERE ChargePeriodStart >= CAST(? AS TIMESTAMPTZ) "
            f"AND ChargePeriodStart < CAST(? AS TIMESTAMPTZ) AND ({where})",
            [start, end_exclusive],
        ).fetchall()[0]
    finally:
        con.close()
    return float(value)


def money(value: float) -> str:
    return f"${value:,.2f}"


SEARCH = "lower(Tags->>'team') = 'search'"
