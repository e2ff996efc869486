"""Shared test fixtures: real DuckDB files in tmp_path, never a mocked database."""

from __future__ import annotations

from pathlib import Path

import pytest
from spendscope.data.settings import Settings
from spendscope.data.store import Store

FIXTURES = Path(__file__).parent / "fixtures"


def _convert_each_cli_app_once() -> None:
    """typer's CliRunner converts the Typer app into its click command on every invoke (70-140 ms for the
    spendscope app's ~100 commands, thousands of times in the suite). An app is complete once imported, so the
    tests convert each app once; each invoke still gets a fresh click context, as a new process would."""
    import typer.testing

    convert = typer.testing._get_command
    converted: dict[
        int, tuple[object, object]
    ] = {}  # id -> (the app, kept alive so the id stays its own; command)

    def once(app):  # type: ignore[no-untyped-def]
        if id(app) not in converted:
            converted[id(app)] = (app, convert(app))
        return converted[id(app)][1]

    typer.testing._get_command = once


_convert_each_cli_app_once()


@pytest.fixture(scope="session")
def _empty_store_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    s = Store(tmp_path_factory.mktemp("empty") / "store.duckdb", lock_timeout=10)
    s.ensure_schema()
    return s.path


@pytest.fixture
def store(_empty_store_master: Path, tmp_path: Path) -> Store:
    """An empty store file, created and migrated: a copy of one migrated once per test process (~1 ms where
    migrating a new file takes ~0.1 s; hundreds of tests start from an empty store)."""
    import shutil

    target = tmp_path / "store.duckdb"
    shutil.copyfile(_empty_store_master, target)
    return Store(target, lock_timeout=10)


DEMO_END, DEMO_DAYS, DEMO_SEED = "2026-10-31", 100, 7


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The demo dataset (100 days to 2026-10-31, seed 7; last full month 2026-10), built once per session
    through the real importers. Shared: use it read-only."""
    from spendscope.data.demo import build_demo

    s = Store(tmp_path_factory.mktemp("demo") / "demo.duckdb", lock_timeout=10)
    build_demo(s, end=DEMO_END, days=DEMO_DAYS, seed=DEMO_SEED)
    return s


def _rest_chdb() -> None:
    """Close every chdb connection of this process: chdb then shuts its engine down and the folder is at rest, so a
    copy of it is a whole store (the next request opens whichever folder it names)."""
    from spendscope.data.backends.engines import ChdbEngine

    for engine in list(ChdbEngine._open.values()):
        engine.close()


@pytest.fixture(scope="session")
def _chdb_demo_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """demo_store's build (100 days to 2026-10-31, seed 7) through the real importers into an embedded ClickHouse
    (chdb) folder, once per test process (~8 CPU s a build); tests get copies (backend_cases.copy_chdb_store)."""
    pytest.importorskip("chdb", reason="the clickhouse extra (chdb) is not installed")
    from spendscope.data.demo import build_demo

    folder = tmp_path_factory.mktemp("chdb_demo") / "demo-chdb"
    build_demo(Store(f"chdb:{folder}", lock_timeout=10), end=DEMO_END, days=DEMO_DAYS, seed=DEMO_SEED)
    _rest_chdb()
    return folder


@pytest.fixture
def chdb_demo_store(_chdb_demo_master: Path, tmp_path: Path) -> Store:
    """A copy of the chdb demo of this test's own."""
    from backend_cases import copy_chdb_store

    return copy_chdb_store(_chdb_demo_master, tmp_path / "demo-chdb")


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


@pytest.fixture(scope="session")
def _chdb_public_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """../shared/eval/focus_public.csv imported (`import focus`) into a chdb folder, once per test process."""
    pytest.importorskip("chdb", reason="the clickhouse extra (chdb) is not installed")
    from samples import public_export
    from spendscope.data.import_focus import import_focus

    source = public_export()
    folder = tmp_path_factory.mktemp("chdb_public") / "public-chdb"
    import_focus(Store(f"chdb:{folder}", lock_timeout=10), source)
    _rest_chdb()
    return folder


@pytest.fixture
def focus_public_store(_focus_public_master: Path, tmp_path: Path) -> Store:
    """../shared/eval/focus_public.csv imported into a store of this test's own (copied from one import)."""
    import shutil

    target = tmp_path / "focus_public.duckdb"
    shutil.copy(_focus_public_master, target)
    return Store(target, lock_timeout=10)


@pytest.fixture(scope="module")
def two_stores(demo_store: Store, _focus_public_master: Path) -> list[Store]:
    """The demo company and the public eval export, read-only: Billy's checks that must hold on two stores."""
    return [demo_store, Store(_focus_public_master, lock_timeout=10)]


@pytest.fixture(scope="module")
def billy_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings with a state folder of the module's own (Billy's threads and catalog cache)."""
    return Settings(state_dir=tmp_path_factory.mktemp("state"), db="/nonexistent")


# Files that run long for their size: the browser tests wait on Chromium, not on the CPU.
RUN_FIRST = ("test_web_browser.py",)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Longest files first. pytest-xdist hands whole files to its two workers in collection order (`--dist
    loadfile`), and collection order is alphabetical: the trust probes and the browser tests, among the longest,
    came last, and one worker ran them alone for the last minutes of CI (14:55 wall for 1,380 CPU s on 2 cores).
    A file's size stands for its length (its tests are mostly tables of cases); the sort is stable, so each file's
    tests keep their order."""
    sizes: dict[Path, float] = {}

    def weight(item: pytest.Item) -> float:
        path = Path(item.path)
        if path not in sizes:
            sizes[path] = float("inf") if path.name in RUN_FIRST else path.stat().st_size
        return -sizes[path]

    items.sort(key=weight)
