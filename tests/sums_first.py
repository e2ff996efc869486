"""What the tests of reads that sum the cost rows first (tools.costs.breakdown.summed_rows) share: a spy on the
helper, the row-by-row baseline, a copy of the demo store with rules."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from spendscope.data.store import Store
from spendscope.tools.allocation.versions import ApplyRulesInput, apply_rules


def spy_on_sums(monkeypatch: pytest.MonkeyPatch, module: ModuleType) -> list[bool]:
    """Record, per call of the module's `summed_rows`, whether it summed (True) or left the rows to read."""
    used: list[bool] = []
    real = module.summed_rows

    def spy(*args: Any, **kwargs: Any) -> str | None:
        out = real(*args, **kwargs)
        used.append(out is not None)
        return out

    monkeypatch.setattr(module, "summed_rows", spy)
    return used


def summed_and_rows(
    monkeypatch: pytest.MonkeyPatch, module: ModuleType, answer: Callable[[], Any]
) -> tuple[Any, Any, list[bool]]:
    """`answer()` with the sums first (and whether each call summed), then with every read on the rows."""
    used = spy_on_sums(monkeypatch, module)
    summed = answer()
    monkeypatch.setattr(module, "summed_rows", lambda *args, **kwargs: None)
    return summed, answer(), used


def demo_with_rules(demo_store: Store, tmp_path: Path, rules: str) -> Store:
    copy = tmp_path / "demo.duckdb"
    shutil.copy(demo_store.path, copy)
    store = Store(copy, lock_timeout=10)
    apply_rules(store, ApplyRulesInput(document=rules, author="test"))
    return store
