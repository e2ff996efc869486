"""The README stays true: its configuration table lists exactly the declared settings, and its Quickstart has
the two commands CI runs."""

from __future__ import annotations

import re
from pathlib import Path

from spendscope.data.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def _config_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^## Configuration\n(.*?)(?=^## )", text, re.S | re.M)
    assert match, "README.md needs a '## Configuration' section"
    return match.group(1)


def test_readme_configuration_table_lists_every_setting_and_nothing_else() -> None:
    section = _config_section()
    documented = set(re.findall(r"^\|\s*`(SPENDSCOPE_[A-Z0-9_]+)`", section, re.M))
    declared = {f"SPENDSCOPE_{name.upper()}" for name in Settings.model_fields}
    assert documented == declared


def test_quickstart_has_the_demo_and_test_commands_that_ci_runs() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = re.search(r"^## Quickstart\n(.*?)(?=^## )", text, re.S | re.M).group(1)
    assert "python3 dev.py demo" in quick
    assert "python3 dev.py test" in quick
    assert "python3 dev.py test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
