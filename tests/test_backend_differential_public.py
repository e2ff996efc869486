"""The differential suite over the public export (../shared/eval/focus_public.csv, imported through
`import focus` into a DuckDB store and a chdb store): every read gives the same answer on both."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from backend_cases import build_pair, copy_chdb_store, differences, reads, run_case

pytest.importorskip("chdb", reason="the clickhouse extra (chdb) is not installed")

from spendscope.data.store import Store  # noqa: E402

MONTH, AS_OF = "2026-10", "2026-11-01"


@pytest.fixture(scope="module")
def pair(
    _focus_public_master: Path, _chdb_public_master: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Store, Store]:
    """The DuckDB side is a copy of the session's import of the export (conftest's `_focus_public_master`, the
    same `import focus`), the chdb side a copy of its import into chdb (`_chdb_public_master`, once per
    session); then the writes run on both."""
    base = tmp_path_factory.mktemp("differential-public")
    shutil.copy(_focus_public_master, base / "public.duckdb")
    duck = Store(base / "public.duckdb", lock_timeout=10)
    click = copy_chdb_store(_chdb_public_master, base / "public-chdb")
    build_pair(duck, click, lambda s: None, MONTH)
    return duck, click


@pytest.mark.parametrize(
    ("name", "params"), reads(MONTH, AS_OF), ids=lambda v: v if isinstance(v, str) else ""
)
def test_a_read_over_the_public_export_is_the_same_on_duckdb_and_clickhouse(
    pair: tuple[Store, Store], name: str, params: dict[str, Any]
) -> None:
    duck, click = (run_case(s, name, params) for s in pair)
    assert differences(duck, click) == []
