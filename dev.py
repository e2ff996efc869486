#!/usr/bin/env python3
"""Bootstrap and run spendscope from a fresh clone with nothing but Python 3.11+.

    python3 dev.py demo [ARGS...]   create .venv if needed, install spendscope, run `spendscope demo ARGS`
    python3 dev.py test [ARGS...]   the same install (with test tools), then run the test suite
    python3 dev.py run ARGS...      run any spendscope command inside the project's virtualenv

The virtualenv lives in .venv; it is (re)installed when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".spendscope-installed"


def ensure_env(compile_modules: bool = True) -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"spendscope needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not PY.exists():
        print("creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text(encoding="utf-8").strip() == wanted:
        return
    print("installing spendscope and its dependencies into .venv ...", flush=True)
    quiet = [] if os.environ.get("SPENDSCOPE_VERBOSE_INSTALL") else ["-q"]
    subprocess.run([str(PY), "-m", "pip", "install", *quiet, "--upgrade", "pip"], check=True)
    # pip byte-compiles every module it installs, one after another: ~45 s of a ~2-minute install. The test suite
    # writes the compiled modules it imports itself (see main), so an install for it leaves them to the suite.
    lazy = [] if compile_modules else ["--no-compile"]
    subprocess.run([str(PY), "-m", "pip", "install", *quiet, *lazy, "-e", f"{ROOT}[dev]"], check=True)
    STAMP.write_text(wanted, encoding="utf-8")


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("demo", "test", "run"):
        print(__doc__)
        return 2
    cmd, rest = argv[0], argv[1:]
    ensure_env(compile_modules=cmd != "test")
    if cmd == "demo":
        return subprocess.call([str(BIN / "spendscope"), "demo", *rest])
    if cmd == "run":
        return subprocess.call([str(BIN / "spendscope"), *rest])
    # The suite starts many Python processes (pytest's workers, CLI and server subprocesses): let them cache
    # compiled modules (__pycache__, ignored by git) even where the environment says not to write bytecode.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return subprocess.call([str(PY), "-m", "pytest", *rest], cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
