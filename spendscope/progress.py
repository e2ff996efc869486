"""A rich progress bar for long imports, fed by the importers' (stage, fraction) callbacks."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def run_with_progress(label: str, work: Callable[[Callable[[str, float], None]], T], *, quiet: bool = False) -> T:
    if quiet:
        return work(lambda stage, fraction: None)
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[stage]}"), TimeElapsedColumn(),
        transient=True,
    ) as bar:  # fmt: skip
        task = bar.add_task(label, total=1.0, stage="")

        def update(stage: str, fraction: float) -> None:
            bar.update(task, completed=fraction, stage=stage)

        return work(update)
