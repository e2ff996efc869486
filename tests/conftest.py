"""Shared test fixtures: real DuckDB files in tmp_path, never a mocked database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from spendscope.data.store import Store

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """An empty store file, created and migrated."""
    s = Store(tmp_path / "store.duckdb", lock_timeout=10)
    s.ensure_schema()
    return s


DEMO_END, DEMO_DAYS, DEMO_SEED = "2026-10-31", 100, 7


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The demo dataset (100 days to 2026-10-31, seed 7; last full month 2026-10), built once per session
    through the real importers. Shared: use it read-only (a write fails: while the session holds a read-only
    connection to it, which makes every other read-only open of the file in this process join that database
    instead of loading the file again, ~40 ms each)."""
    import duckdb
    from spendscope.data.demo import build_demo

    s = Store(tmp_path_factory.mktemp("demo") / "demo.duckdb", lock_timeout=10)
    build_demo(s, end=DEMO_END, days=DEMO_DAYS, seed=DEMO_SEED)
    kept = duckdb.connect(str(s.path), read_only=True)
    yield s
    kept.close()


@pytest.fixture(scope="session")
def _focus_public_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from samples import public_export
    from spendscope.data.import_focus import import_focus

    source = public_export()  # skips the tests that need it when ../shared is not beside the clone
    path = tmp_path_factory.mktemp("focus_public") / "focus.duckdb"
    s = Store(path, lock_timeout=10)
    s.ensure_schema()
    import_focus(s, source)
    return path


@pytest.fixture
def focus_public_store(_focus_public_master: Path, tmp_path: Path) -> Store:
    """../shared/eval/focus_public.csv imported into a store of this test's own (copied from one import)."""
    import shutil

    target = tmp_path / "focus_public.duckdb"
    shutil.copy(_focus_public_master, target)
    return Store(target, lock_timeout=10)
