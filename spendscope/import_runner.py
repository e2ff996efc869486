"""How `spendscope import focus|aws-cur|azure|gcp` runs: each argument is a file, a folder or a bucket URL
(s3://, gs://, az://, abfs://); folders and buckets are walked for the provider's export layout and the latest
delivery of each period is imported (data/deliveries.py), with a progress bar per file and a line per file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

Importer = Callable[..., Any]


def run_imports(locations: list[str], db: Path | None, as_json: bool, importer: Importer) -> None:
    """Import every file, folder or bucket URL in `locations` with `importer(store, path, progress=...)`."""
    from spendscope.data.object_store import Folder
    from spendscope.options import open_store
    from spendscope.render import console, print_json

    store = open_store(db)
    results: list[Any] = []
    for location in locations:
        folder = Folder(location)
        if folder.is_dir():
            results += _import_folder(store, folder, importer, as_json)
            continue
        if folder.scheme:  # one object in a bucket
            parent = Folder(location)
            results.append(_import_one(store, parent, parent.root, location, importer, as_json))
            continue
        results.append(_import_one(store, None, location, location, importer, as_json))
    if as_json:
        print_json(results)
    elif not results:
        console.print("nothing to import", soft_wrap=True)


def _import_folder(store: Any, folder: Any, importer: Importer, as_json: bool) -> list[Any]:
    from spendscope.data.deliveries import find_deliveries
    from spendscope.render import console

    deliveries = find_deliveries(folder)
    if not deliveries and not as_json:
        console.print(
            f"{folder.location}: no export files found (CSV, .csv.gz, Parquet, JSON lines)", soft_wrap=True
        )
    results = []
    for delivery in deliveries:
        if not as_json:
            skipped = (
                f"; {len(delivery.superseded)} superseded file(s) skipped" if delivery.superseded else ""
            )
            console.print(
                f"{folder.location}: {delivery.label}, {len(delivery.files)} file(s){skipped}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
        results += import_delivery(store, folder, delivery, importer, as_json)
    return results


def import_delivery(store: Any, folder: Any, delivery: Any, importer: Importer, as_json: bool) -> list[Any]:
    """Import the files of one delivery in order. (Each file is all-or-nothing; a delivery-wide transaction with
    replace semantics is the ingest pipeline's `import_delivery`, which this will call once it exists.)"""
    return [_import_one(store, folder, f.path, folder.url(f.path), importer, as_json) for f in delivery.files]


def _import_one(store: Any, folder: Any, path: str, shown: str, importer: Importer, as_json: bool) -> Any:
    from contextlib import nullcontext

    from spendscope.progress import run_with_progress
    from spendscope.render import console

    name = shown.rsplit("/", 1)[-1]
    with folder.local_copy(path) if folder is not None else nullcontext(Path(path)) as local:
        result = run_with_progress(
            f"importing {name}", lambda cb: importer(store, local, progress=cb), quiet=as_json
        )
    if folder is not None and folder.scheme:
        result = _name_source(store, result, shown)
    if not as_json:
        print_import(console, result)
    return result


def _name_source(store: Any, result: Any, url: str) -> Any:
    """Record the object's URL (not the temp copy it was read from) as the import's source."""
    if result.status == "ok":
        with store.writer() as con:
            con.execute("UPDATE imports SET source_file = ? WHERE import_id = ?", [url, result.import_id])
            con.execute("UPDATE costs SET x_SourceFile = ? WHERE x_ImportId = ?", [url, result.import_id])
    return result.model_copy(update={"source_file": url})


def print_import(out: Any, r: Any) -> None:
    """One line per file. Costs are shown only for rows this import added: a file whose rows were all in the store
    already, or that has no data rows, says so instead of showing a total that was not imported."""
    kw = {"soft_wrap": True, "markup": False, "highlight": False}
    if r.status == "duplicate":
        out.print(f"{r.source_file}: already imported ({r.import_id}); nothing added", **kw)
        return
    costed = r.kind not in ("events", "gpu")
    if r.rows_read == 0:
        out.print(
            f"{r.source_file}: has a header but no data rows; nothing imported (import {r.import_id})", **kw
        )
    elif r.rows_inserted == 0:
        out.print(
            f"{r.source_file}: nothing added: all {r.rows_read:,} rows were already in the store (import {r.import_id})",
            **kw,
        )
    else:
        cost = ""
        if costed and r.rows_skipped == 0:
            cost = f"; effective cost {float(r.effective_cost):,.2f}"
        elif costed:
            cost = f"; effective cost of the whole file {float(r.effective_cost):,.2f}, part of it already in the store"
        skipped = f", {r.rows_skipped:,} already present" if r.rows_skipped else ""
        out.print(
            f"{r.source_file}: {r.rows_inserted:,} rows imported{skipped} (import {r.import_id}){cost}", **kw
        )
    for w in r.warnings:
        out.print(f"  warning: {w}", **kw)
