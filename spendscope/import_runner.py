"""How `spendscope import focus|aws-cur|azure|gcp` runs: each argument is a file, a folder or a bucket URL
(s3://, gs://, az://, abfs://).

* Local files given together are one delivery (data/importing.py `import_files`: one all-or-nothing import, or,
  when they re-send each other's line items, versions of one export imported in the order given).
* A folder or bucket is walked for the provider's export layout (data/deliveries.py); each delivery it finds (the
  latest of each period, oldest period first) is handed to the same pipeline, one import per delivery, with the
  objects' URLs recorded as their sources.

A progress bar runs per delivery and a line is printed per import.
"""

from __future__ import annotations

from contextlib import ExitStack
from decimal import Decimal
from pathlib import Path
from typing import Any


def run_imports(
    locations: list[str],
    db: str | Path | None,
    as_json: bool,
    kind: str,
    *,
    mode: str = "auto",
    strict: bool = False,
) -> None:
    """Import every file, folder or bucket URL in `locations` as `kind` (focus, aws_cur, azure, gcp)."""
    from spendscope.data.object_store import Folder
    from spendscope.options import open_store
    from spendscope.render import console, print_json

    store = open_store(db)
    results: list[Any] = []
    loose: list[str] = []

    def flush() -> None:
        if loose:
            results.extend(_import_group(store, kind, None, list(loose), mode, strict, as_json))
            loose.clear()

    for location in locations:
        folder = Folder(location)
        if folder.is_dir():
            flush()
            results.extend(_import_folder(store, kind, folder, mode, strict, as_json))
        elif folder.scheme:  # one object in a bucket
            flush()
            results.extend(_import_group(store, kind, folder, [folder.root], mode, strict, as_json))
        else:
            loose.append(location)
    flush()
    if as_json:
        print_json(results)
    elif not results:
        console.print("nothing to import", soft_wrap=True)


def _import_folder(store: Any, kind: str, folder: Any, mode: str, strict: bool, as_json: bool) -> list[Any]:
    from spendscope.data.deliveries import find_deliveries
    from spendscope.render import console

    deliveries = find_deliveries(folder)
    if not deliveries and not as_json:
        console.print(
            f"{folder.location}: no export files found (CSV, .csv.gz, Parquet, JSON lines)", soft_wrap=True
        )
    results = []
    ledger = None  # the store's import ledger, read once and again only after an import changed it
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
        paths = [f.path for f in delivery.files]
        if ledger is None:
            from spendscope.data.importing import import_ledger

            ledger = import_ledger(store, kind)
        done = _import_group(store, kind, folder, paths, mode, strict, as_json, ledger)
        if any(r.status != "duplicate" for r in done):
            ledger = None
        results += done
    return results


def _import_group(
    store: Any,
    kind: str,
    folder: Any,
    paths: list[str],
    mode: str,
    strict: bool,
    as_json: bool,
    ledger: list[Any] | None = None,
) -> list[Any]:
    """One delivery: the files (local, or copied from the bucket for the import) through `import_files`."""
    from spendscope.data.importing import import_files
    from spendscope.progress import run_with_progress
    from spendscope.render import console

    remote = folder is not None and folder.scheme
    names = [folder.url(p) for p in paths] if remote else None
    label = (names or paths)[0].rsplit("/", 1)[-1] if len(paths) == 1 else f"{len(paths)} files"
    with ExitStack() as stack:
        local = [stack.enter_context(folder.local_copy(p)) if remote else Path(p) for p in paths]
        results = run_with_progress(
            f"importing {label}",
            lambda cb: import_files(
                store, kind, local, mode=mode, strict=strict, progress=cb, names=names, ledger=ledger
            ),  # type: ignore[arg-type]
            quiet=as_json,
        )
    if not as_json:
        for r in results:
            print_import(console, r)
    return results


def print_import(out: Any, r: Any) -> None:
    """One line per import. Costs are shown only for rows this import added: an import whose rows were all in the
    store already, or that has no data rows, says so instead of showing a total that was not imported. What a
    restated export replaced is said on its own line."""
    kw = {"soft_wrap": True, "markup": False, "highlight": False}
    if r.status == "duplicate":
        out.print(f"{r.source_file}: already imported ({r.import_id}); nothing added", **kw)
        for w in r.warnings[1:]:
            out.print(f"  warning: {w}", **kw)
        return
    costed = r.kind not in ("events", "gpu", "focus_contract_commitment")
    if r.rows_read == 0:
        out.print(
            f"{r.source_file}: has a header but no data rows; nothing imported (import {r.import_id})", **kw
        )
    elif r.rows_inserted == 0 and any(s.action == "kept" for s in getattr(r, "scopes", [])):
        out.print(
            f"{r.source_file}: nothing added: an older export than the one the store holds (import {r.import_id})",
            **kw,
        )
    elif r.rows_inserted == 0:
        out.print(
            f"{r.source_file}: nothing added: all {r.rows_read:,} rows were already in the store (import "
            f"{r.import_id})",
            **kw,
        )
    else:
        skipped = f", {r.rows_skipped:,} already present" if r.rows_skipped else ""
        replaced = getattr(r, "rows_replaced", 0)
        cost = ""
        if costed and replaced:  # a restated export: what the store holds for those days now, against before
            now, was = Decimal(r.effective_cost), Decimal(r.effective_cost_replaced)
            cost = f"; effective cost {now:,.2f}, was {was:,.2f} ({now - was:+,.2f})"
        elif costed:
            cost = f"; effective cost {float(r.effective_cost):,.2f}"
        instead = f", replacing {replaced:,} rows of earlier imports" if replaced else ""
        out.print(
            f"{r.source_file}: {r.rows_inserted:,} rows imported{skipped}{instead} (import {r.import_id}){cost}",
            **kw,
        )
    for w in r.warnings:
        if w.startswith("the file has a header but no rows"):
            continue  # said above
        out.print(f"  {'' if w.startswith('replaced ') else 'warning: '}{w}", **kw)
