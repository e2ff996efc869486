"""How `spendscope import metrics` and `import rates` run: the files given together are one import (all or
nothing); a folder or bucket URL is walked like the cost importers' (data/deliveries.py) and each delivery found
is one import. One line per import, or `--json`."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

Importer = Callable[..., Any]


def run_business_imports(locations: list[str], db: Path | None, as_json: bool, importer: Importer) -> None:
    from spendscope.data.deliveries import find_deliveries
    from spendscope.data.object_store import Folder
    from spendscope.options import open_store
    from spendscope.render import console, print_json

    store = open_store(db)
    results: list[Any] = []
    loose: list[str] = []
    for location in locations:
        folder = Folder(location)
        if folder.is_dir():
            for delivery in find_deliveries(folder):
                if not as_json:
                    console.print(f"{folder.location}: {delivery.label}", markup=False, highlight=False)
                results.append(_run(store, folder, [f.path for f in delivery.files], importer, as_json))
        elif folder.scheme:
            results.append(_run(store, folder, [folder.root], importer, as_json))
        else:
            loose.append(location)
    if loose:
        results.append(_run(store, None, loose, importer, as_json))
    if as_json:
        print_json(results)


def _run(store: Any, folder: Any, paths: list[str], importer: Importer, as_json: bool) -> Any:
    from spendscope.progress import run_with_progress
    from spendscope.render import console

    with ExitStack() as stack:
        local = [stack.enter_context(folder.local_copy(p)) if folder is not None else Path(p) for p in paths]
        names = ", ".join(Path(p).name for p in paths)
        result = run_with_progress(
            f"importing {names}", lambda cb: importer(store, local, progress=cb), quiet=as_json
        )
    if folder is not None and folder.scheme:
        result = result.model_copy(update={"source_file": "; ".join(folder.url(p) for p in paths)})
    if not as_json:
        print_result(console, result)
    return result


def print_result(out: Any, r: Any) -> None:
    kw = {"soft_wrap": True, "markup": False, "highlight": False}
    if r.status == "ok":
        replaced = f", {r.rows_replaced:,} earlier rows replaced" if r.rows_replaced else ""
        out.print(
            f"{r.source_file}: {r.rows_inserted:,} rows imported{replaced} (import {r.import_id})", **kw
        )
        for m in getattr(r, "metrics", []):
            money = f" in {', '.join(m.currencies)}" if m.currencies else f" {m.unit}" if m.unit else ""
            out.print(f"  {m.metric}: {m.rows:,} rows, {m.first_period} to {m.last_period_end}{money}", **kw)
        for p in getattr(r, "pairs", []):
            out.print(f"  {p}", **kw)
        for x in getattr(r, "replaced", []):
            out.print(
                f"  restated {x.metric} ({x.source}): {x.rows_before:,} rows of {', '.join(x.imports)} replaced by "
                f"{x.rows_after:,}",
                **kw,
            )
    elif r.status == "unchanged":
        out.print(f"{r.source_file}: nothing changed: the store already holds exactly these values", **kw)
    else:
        out.print(f"{r.source_file}: has a header but no data rows; nothing imported", **kw)
    for w in r.warnings:
        if r.status == "ok" or "nothing" not in w:
            out.print(f"  warning: {w}", **kw)
