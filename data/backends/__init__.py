"""Store backends: where the cost store lives, chosen by the store URL wherever `--db` is accepted.

- a path (`~/.spendscope/spendscope.duckdb`): DuckDB, the embedded default (data/store.py);
- `clickhouse://user:password@host:8123/database` and `clickhouses://...` (TLS): a ClickHouse server or cluster
  through clickhouse-connect;
- `chdb:PATH`: embedded ClickHouse (chdb) in a folder, for tests and single-node use.

Operations keep writing one SQL (DuckDB's dialect); on ClickHouse, data/dialect.py transpiles it. See
docs/clickhouse.md.
"""

from __future__ import annotations

from spendscope.data.backends.url import StoreURL, parse_store_url

__all__ = ["StoreURL", "parse_store_url"]
