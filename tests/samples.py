"""Third-party sample files live in ../shared beside the clone, never in the repository (tests/fixtures/focus/README.md).

Tests that need one ask for it here; when a clone has no ../shared beside it, the test is skipped and says why.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SAMPLES = SHARED / "samples"
PUBLIC_EXPORT = SHARED / "eval" / "focus_public.csv"


def shared_file(path: Path) -> Path:
    """`path` (under ../shared) when it exists; otherwise the calling test is skipped, naming what is missing."""
    if not path.is_file():
        pytest.skip(
            f"third-party sample {path} is not here (tests read them from ../shared beside the clone)"
        )
    return path


def public_export() -> Path:
    """The public evaluation export (FOCUS 1.2, 3,763 rows), read from ../shared/eval."""
    return shared_file(PUBLIC_EXPORT)
