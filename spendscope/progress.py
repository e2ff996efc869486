"""A rich progress bar for long imports, fed by the importers' (stage, fraction) callbacks."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def run_with_progress(
    label: str, work: Callable[[Callable[[str, float], None]], T], *, quiet: bool = False
) -> T:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from spendscope.render import err_console

    if quiet or not err_console.is_terminal:
        return work(lambda stage, fraction: None)

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[stage]}"),
        TimeElapsedColumn(),
        transient=True,
        console=err_console,
    ) as bar:
        task = bar.add_task(label, total=1.0, stage="")

        def update(stage: str, fraction: float) -> None:
            bar.update(task, completed=fraction, stage=stage)

        return work(update)
