"""Agent commands: `pr-diff` (and the triage router)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from spendscope.options import DbOption, JsonOption, open_store, settings


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    @app.command("pr-diff")
    def pr_diff_cmd(
        base: Annotated[str, typer.Option("--base", help="Base ref of the pull request (branch, tag or sha).")],
        head: Annotated[str, typer.Option("--head", help="Head ref of the pull request.")],
        repo: Annotated[Path, typer.Option("--repo", help="Git repository (default: the current directory).")] = Path(
            "."
        ),
        days: Annotated[int, typer.Option(help="Days of telemetry used as the traffic baseline.")] = 30,
        loop_factor: Annotated[
            int, typer.Option("--loop-factor", help="Assumed iterations of a loop with no literal count.")
        ] = 10,
        output: Annotated[Path | None, typer.Option("--output", help="Also write the Markdown comment here.")] = None,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Did this PR change LLM spend? Estimates the monthly cost change of the call sites it changed."""
        from agents.llm import anthropic_client
        from agents.pr_diff import run_pr_diff
        from spendscope.render import print_json
        from tools.pr_diff import PrDiffInput

        s = settings(db)
        report = run_pr_diff(
            open_store(db),
            PrDiffInput(repo=str(repo), base=base, head=head, days=days, loop_factor=loop_factor),
            s,
            anthropic_client(s),
        )
        if output is not None:
            output.write_text(report.markdown, encoding="utf-8")
        if as_json:
            print_json(report)
        else:
            typer.echo(report.markdown)
