"""`spendscope ARGS` run in this process through the real entry point (`spendscope.cli.main`, what
`python -m spendscope` and the `spendscope` script call), for tests that check its exit code, stdout and stderr.

A subprocess per call costs ~0.5-1 CPU s of interpreter and module start-up; this runs the same `main()` with its
own argv, streams and environment, and returns what `subprocess.run(..., capture_output=True, text=True)` would.
Tests about the process itself (the installed script, packaging, stdio MCP, locks between processes) keep a real
subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import traceback
from collections.abc import Mapping
from pathlib import Path

from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]


def run_spendscope(
    *args: str,
    env: Mapping[str, str] | None = None,
    drop_env: tuple[str, ...] = (),
    input: str | None = None,
    cwd: Path | None = ROOT,
) -> subprocess.CompletedProcess[str]:
    """`spendscope ARGS` as a subprocess would run it: `env` added to the environment, every variable that starts
    with one of `drop_env` removed, `input` on stdin, `cwd` the working folder. An exception the entry point lets
    escape is written to stderr as a traceback and exits 1, as the interpreter would."""
    from spendscope.cli import main

    changes: dict[str, str | None] = {k: None for k in os.environ if drop_env and k.startswith(drop_env)}
    changes.update(env or {})
    argv, before = sys.argv, Path.cwd()
    code: int = 0
    with CliRunner().isolation(input=input, env=changes) as (out, err, _):
        sys.argv = ["spendscope", *args]
        if cwd is not None:
            os.chdir(cwd)
        try:
            main()
        except SystemExit as exit_:
            if exit_.code is None:
                code = 0
            elif isinstance(exit_.code, int):
                code = exit_.code
            else:  # sys.exit("message"): the interpreter prints the message and exits 1
                sys.stderr.write(f"{exit_.code}\n")
                code = 1
        except BaseException:  # noqa: BLE001 - what the interpreter does with an uncaught exception
            sys.stderr.write(traceback.format_exc())
            code = 1
        finally:
            sys.argv = argv
            os.chdir(before)
            sys.stdout.flush()
            sys.stderr.flush()
        stdout, stderr = out.getvalue().decode(), err.getvalue().decode()
    return subprocess.CompletedProcess(["spendscope", *args], code, stdout, stderr)
