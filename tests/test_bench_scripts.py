"""Every benchmark under bench/ answers `--help` (its arguments all optional: each runs from a clean clone with no
arguments, on generated data; docs/performance.md). Run in-process: argparse exits before any work."""

from __future__ import annotations

import contextlib
import io
import runpy
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
SCRIPTS = sorted(p.name for p in BENCH.glob("*.py") if "__main__" in p.read_text(encoding="utf-8"))


def test_the_benchmarks_are_found() -> None:
    assert {"bench_import_focus.py", "bench_costs.py", "bench_mcp.py"} <= set(SCRIPTS)


@pytest.mark.parametrize("script", SCRIPTS)
def test_a_benchmark_answers_help_and_needs_no_argument(script: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", [script, "--help"])
    monkeypatch.syspath_prepend(str(BENCH))
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as done:
        runpy.run_path(str(BENCH / script), run_name="__main__")
    assert done.value.code in (0, None), out.getvalue()
    usage = out.getvalue().splitlines()[0]
    assert usage.startswith("usage:")
    # no required positional argument: every one of them is shown optional ([name])
    words = usage.split()[2:]
    assert all(w.startswith("[") or w.startswith("-") or w.endswith("]") or w.isupper() for w in words), usage
