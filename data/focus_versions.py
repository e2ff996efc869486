"""What differs between FOCUS versions once a file is read: 1.3 replaced ProviderName and PublisherName with
ServiceProviderName (and added HostProviderName); 1.4 dropped the old names. The store keeps one schema, so a file
with only the new names still gets ProviderName and PublisherName (never an empty provider), and a file with only
the old names still gets ServiceProviderName."""

from __future__ import annotations

import duckdb
from spendscope.data.sql import ident


def providers_from_13(con: duckdb.DuckDBPyConnection, table: str, present: set[str]) -> None:
    """Fill the provider columns of staged FOCUS rows in `table` from whichever version's columns the file had."""
    if not ({"ServiceProviderName", "HostProviderName"} & present):
        return  # a FOCUS 1.0-1.2 file: its rows stay exactly as read (and hash as before)
    have = {r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()}
    for name in ("ProviderName", "PublisherName", "ServiceProviderName", "HostProviderName"):
        if name not in have:
            con.execute(f"ALTER TABLE {table} ADD COLUMN {ident(name)} VARCHAR")
    con.execute(
        f"""UPDATE {table} SET
            ProviderName = coalesce(ProviderName, ServiceProviderName, HostProviderName),
            PublisherName = coalesce(PublisherName, ServiceProviderName, ProviderName, HostProviderName),
            ServiceProviderName = coalesce(ServiceProviderName, ProviderName)
            WHERE ProviderName IS NULL OR PublisherName IS NULL OR ServiceProviderName IS NULL"""
    )
