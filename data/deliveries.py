"""Walk a provider's export folder (on disk or in a bucket) and find the *deliveries* in it: the set of files that
together are one export of one billing period, and only the latest delivery of each period.

Layouts recognised (docs/importers.md, "Export folders and buckets"):

* **AWS Data Exports** (CUR 2.0, FOCUS): `<prefix>/<export>/data/BILLING_PERIOD=YYYY-MM/*.csv.gz|*.parquet` with
  `<prefix>/<export>/metadata/BILLING_PERIOD=YYYY-MM/<export>-Manifest.json` listing the current files
  (`dataFiles`). Without a manifest the partition folder is the delivery (its newest run folder, when the export
  keeps earlier runs).
* **Legacy CUR**: `<prefix>/<report>/yyyymmdd-yyyymmdd/<assemblyId>/<report>-N.csv.gz`; the period folder's own
  `<report>-Manifest.json` names the current assembly (`assemblyId`, `reportKeys`). The overwrite layout
  (`year=YYYY/month=MM/`) is a Hive partition with its manifest beside the files.
* **Azure Cost Management exports**: run folders `<path>/<export>/<yyyyMMdd-yyyyMMdd>/<run>/part_*.csv|parquet`
  with a `manifest.json` (`exportConfig`, `runInfo`, `blobs`); the latest run (`runInfo.submittedTime`) of each
  export and month wins.
* **Hive-style partitions** (`billing_period=`, `invoice_month=`, `month=`, `year=/month=`, `date=` ...): one
  delivery per partition, its newest run folder when it has several.
* Anything else: every data file is a delivery of its own, in path order.

A manifest that lists a file the folder does not hold rejects the walk (the delivery is incomplete); files of
superseded deliveries are reported, never imported.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any

from spendscope.data.errors import ImportRejected
from spendscope.data.object_store import Folder, StoredFile

DATA_SUFFIXES = (
    ".csv",
    ".csv.gz",
    ".parquet",
    ".pq",
    ".json",
    ".jsonl",
    ".ndjson",
    ".jsonl.gz",
    ".json.gz",
    ".gz",
)
_PARTITION = re.compile(
    r"^(billing_period|billingperiod|invoice_month|invoice\.month|month|period|year|date|dt|day)=(.+)$", re.I
)
_DATE_RANGE = re.compile(r"^(\d{8})-(\d{8})$")
_RUN_TIME = re.compile(r"\d{12,14}|\d{4}-\d{2}-\d{2}T")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass
class Delivery:
    """One export of one period: its files (in order), what it is, and which files it supersedes."""

    period: str | None
    files: list[StoredFile]
    layout: str
    source: str  # the manifest or folder it was found by (relative to the walked root)
    superseded: list[StoredFile] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.period or 'no period'} ({self.layout}: {self.source})"


def is_data_file(f: StoredFile) -> bool:
    low = f.name.lower()
    if low.startswith((".", "_")) or low.endswith(("manifest.json",)):
        return False
    return low.endswith(DATA_SUFFIXES)


def find_deliveries(folder: Folder) -> list[Delivery]:
    """The latest delivery of each period under `folder`, sorted by period then source."""
    files = folder.files()
    data = [f for f in files if is_data_file(f)]
    manifests = [f for f in files if f.name.lower().endswith("manifest.json")]
    parsed = []
    for m in manifests:
        doc = _load(folder, m)
        if doc is not None:
            parsed.append((m, doc))

    deliveries: list[Delivery] = []
    claimed: set[str] = set()
    for build in (_data_exports, _legacy_cur, _azure_runs):
        for d in build(parsed, data, folder):
            deliveries.append(d)
            claimed.update(f.path for f in d.files)
            claimed.update(f.path for f in d.superseded)
    # data files a manifest does not list but that sit in its period's folder belong to earlier deliveries
    for d in deliveries:
        roots = {_partition_root(f.rel) or _parent(f.rel) for f in d.files}
        older = [
            f for f in data if f.path not in claimed and any(f.rel.startswith(r + "/") for r in roots if r)
        ]
        d.superseded = sorted([*d.superseded, *older], key=lambda f: f.rel)
        claimed.update(f.path for f in older)
    rest = [f for f in data if f.path not in claimed]
    deliveries += _partitions(rest)
    return sorted(deliveries, key=lambda d: (d.period or "", d.source))


# --- manifests -------------------------------------------------------------------------------------------------


def _load(folder: Folder, m: StoredFile) -> dict[str, Any] | None:
    try:
        doc = json.loads(folder.read_text(m.path))
    except (ValueError, UnicodeDecodeError):
        raise ImportRejected(
            f"{folder.url(m.path)}: the manifest is not valid JSON; nothing was imported",
            file=folder.url(m.path),
        ) from None
    return doc if isinstance(doc, dict) else None


def _resolve(
    entries: list[str], data: list[StoredFile], folder: Folder, manifest: StoredFile
) -> list[StoredFile]:
    """The folder's files a manifest lists. Entries may be full URLs (`s3://bucket/key`), bucket keys or container
    paths: each is matched to the listed file whose path ends with it (or that it ends with), so a folder copied
    from the bucket to disk resolves the same way."""
    out = []
    for entry in entries:
        key = re.sub(r"^[a-z0-9]+://[^/]+/", "", entry.strip()).lstrip("/")
        hit = [f for f in data if f.path.endswith("/" + key) or f.path == key or key.endswith("/" + f.rel)]
        if not hit:
            raise ImportRejected(
                f"{folder.url(manifest.path)}: lists {entry}, which is not in {folder.location}; the delivery is "
                "incomplete (still being written, or partly copied), so nothing was imported",
                file=folder.url(manifest.path),
                missing=entry,
            )
        out.append(max(hit, key=lambda f: len(f.rel)))
    return out


def _period_from_path(rel: str) -> str | None:
    for part in rel.split("/"):
        m = _PARTITION.match(part)
        if m and m.group(1).lower() in (
            "billing_period",
            "billingperiod",
            "invoice_month",
            "invoice.month",
            "period",
        ):
            return _month(m.group(2))
        m = _DATE_RANGE.match(part)
        if m:
            return _month(m.group(1))
    year = re.search(r"(?:^|/)year=(\d{4})/month=(\d{1,2})(?:/|$)", rel)
    if year:
        return f"{year.group(1)}-{int(year.group(2)):02d}"
    return None


def _month(text: str) -> str:
    digits = re.sub(r"\D", "", text)
    return f"{digits[:4]}-{digits[4:6]}" if len(digits) >= 6 else text


def _time(text: Any) -> dt.datetime:
    if not isinstance(text, str):
        return _EPOCH
    try:
        value = dt.datetime.fromisoformat(re.sub(r"(\.\d{6})\d+", r"\1", text.replace("Z", "+00:00")))
    except ValueError:
        return _EPOCH
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _parent(rel: str) -> str:
    return rel.rsplit("/", 1)[0] if "/" in rel else ""


def _latest(cands: list[tuple[StoredFile, dict[str, Any], list[StoredFile]]], when: Any) -> int:
    """Index of the newest candidate: by the manifest's own time, then its modification time, then its path."""
    return max(
        range(len(cands)), key=lambda i: (when(cands[i][1]), cands[i][0].modified or _EPOCH, cands[i][0].rel)
    )


def _data_exports(parsed: list, data: list[StoredFile], folder: Folder) -> list[Delivery]:
    by_period: dict[tuple[str, str], list] = {}
    for m, doc in parsed:
        if "dataFiles" not in doc and "exportArn" not in doc:
            continue
        files = _resolve([str(e) for e in doc.get("dataFiles") or []], data, folder, m)
        bp = doc.get("billingPeriod")
        period = (
            _month(bp.get("start", ""))
            if isinstance(bp, dict)
            else _month(bp)
            if isinstance(bp, str)
            else None
        ) or _period_from_path(m.rel)
        export = str(doc.get("exportArn") or doc.get("exportName") or _parent(_parent(m.rel)))
        by_period.setdefault((export, period or ""), []).append((m, doc, files))
    return _pick(
        by_period, "AWS Data Exports", data, lambda d: _time(d.get("executionTime") or d.get("exportTime"))
    )


def _legacy_cur(parsed: list, data: list[StoredFile], folder: Folder) -> list[Delivery]:
    by_period: dict[tuple[str, str], list] = {}
    for m, doc in parsed:
        if "assemblyId" not in doc or "reportKeys" not in doc:
            continue
        files = _resolve([str(k) for k in doc.get("reportKeys") or []], data, folder, m)
        bp = doc.get("billingPeriod") or {}
        period = _month(str(bp.get("start", ""))) if isinstance(bp, dict) and bp.get("start") else None
        period = period or _period_from_path(m.rel)
        report = str(doc.get("reportName") or "")
        # the period folder's manifest names the current assembly; those inside assembly folders are history
        top = bool(_DATE_RANGE.match(_parent(m.rel).rsplit("/", 1)[-1])) or "month=" in _parent(m.rel)
        by_period.setdefault((report, period or ""), []).append((m, doc | {"_top": top}, files))
    return _pick(by_period, "legacy CUR", data, lambda d: (d["_top"],))


def _azure_runs(parsed: list, data: list[StoredFile], folder: Folder) -> list[Delivery]:
    by_period: dict[tuple[str, str], list] = {}
    for m, doc in parsed:
        if "blobs" not in doc or not ("runInfo" in doc or "exportConfig" in doc):
            continue
        entries = [
            str(b.get("blobName"))
            for b in doc.get("blobs") or []
            if isinstance(b, dict) and b.get("blobName")
        ]
        files = _resolve(entries, data, folder, m)
        run = doc.get("runInfo") or {}
        period = _month(str(run.get("startDate", ""))) if run.get("startDate") else _period_from_path(m.rel)
        config = doc.get("exportConfig") or {}
        export = str(config.get("resourceId") or config.get("exportName") or "")
        dataset = str(config.get("type") or "")
        by_period.setdefault((f"{export}|{dataset}", period or ""), []).append((m, doc, files))
    return _pick(
        by_period, "Azure export", data, lambda d: _time((d.get("runInfo") or {}).get("submittedTime"))
    )


def _pick(groups: dict, layout: str, data: list[StoredFile], when: Any) -> list[Delivery]:
    """The newest delivery of each group; the files of the others (and files beside them in their run folders
    that no manifest lists) are superseded."""
    out = []
    for (_, period), cands in groups.items():
        best = _latest(cands, when)
        m, _doc, files = cands[best]
        keep = {f.path for f in files}
        older = {
            f.path: f for i, (_, _, fs) in enumerate(cands) if i != best for f in fs if f.path not in keep
        }
        out.append(
            Delivery(period or None, files, layout, m.rel, sorted(older.values(), key=lambda f: f.rel))
        )
    return out


# --- folders without a manifest ---------------------------------------------------------------------------------


def _partition_root(rel: str) -> str | None:
    """The folder path up to and including the last partition (or date-range) segment of `rel`, if any."""
    parts = rel.split("/")[:-1]
    last = None
    for i, part in enumerate(parts):
        if _PARTITION.match(part) or _DATE_RANGE.match(part):
            last = i
    return "/".join(parts[: last + 1]) if last is not None else None


def _partitions(files: list[StoredFile]) -> list[Delivery]:
    groups: dict[str, list[StoredFile]] = {}
    loose = []
    for f in files:
        root = _partition_root(f.rel)
        if root is None:
            loose.append(f)
        else:
            groups.setdefault(root, []).append(f)
    out = [Delivery(_period_from_path(f.rel), [f], "file", f.rel) for f in loose]
    for root, members in groups.items():
        runs: dict[str, list[StoredFile]] = {}
        for f in members:
            below = f.rel[len(root) :].lstrip("/")
            runs.setdefault(below.split("/", 1)[0] if "/" in below else "", []).append(f)
        if len(runs) == 1:
            (chosen,) = runs
        else:  # several run folders (an export that keeps earlier runs): the newest wins
            chosen = max(
                runs, key=lambda r: (max(f.modified or _EPOCH for f in runs[r]), bool(_RUN_TIME.search(r)), r)
            )
        superseded = [f for r, fs in runs.items() if r != chosen for f in fs]
        label = f"{root}/{chosen}" if chosen else root
        out.append(Delivery(_period_from_path(root + "/"), runs[chosen], "partition", label, superseded))
    return out
