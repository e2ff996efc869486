"""Packaging: the wheel installs one top-level package, `spendscope`, with every layer inside it."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("data", "tools", "agents", "mcp_server", "slack_app", "web")


def _package_dirs() -> dict[str, Path]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    found = {}
    for top in ("spendscope", *LAYERS):
        for init in sorted((ROOT / top).rglob("__init__.py")):
            parts = init.parent.relative_to(ROOT / top).parts
            name = ".".join(["spendscope", *([] if top == "spendscope" else [top]), *parts])
            found[name] = init.parent
    assert set(config["packages"]) == set(found), "pyproject's package list differs from the package folders"
    return found


def test_every_package_folder_is_listed_in_pyproject() -> None:
    assert "spendscope.data.migrations" in _package_dirs()


def test_the_wheel_installs_only_the_spendscope_package(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheels),
            str(ROOT),
        ],
        check=True,
        cwd=tmp_path,
    )
    (wheel,) = wheels.glob("spendscope-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names}
    assert {t for t in top if not t.endswith(".dist-info")} == {"spendscope"}
    assert not top & set(LAYERS)
    assert "spendscope/data/migrations/0001_core.sql" in names
    assert "spendscope/tools/registry.py" in names and "spendscope/commands/analytics.py" in names
    assert "spendscope/web/templates/base.html" in names and "spendscope/web/static/app.js" in names
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True,
    )
    assert {p.name for p in target.iterdir() if not p.name.endswith(".dist-info")} - {"bin"} == {"spendscope"}
