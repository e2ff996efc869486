"""Shared test fixtures: real DuckDB files in tmp_path, never a mocked database."""

from __future__ import annotations

from pathlib import Path

import pytest

from data.store import Store

FIXTURES = Path(__file__).parent / "fixtures"
SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """An empty store file, created and migrated."""
    s = Store(tmp_path / "store.duckdb", lock_timeout=10)
    s.ensure_schema()
    return s
