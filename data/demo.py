"""The embedded demo: a realistic, deterministic AI spend dataset written through the real importers.

`build_demo` simulates a fictional company (data/demo_world.py) for `days` days ending `end` with the random
seed `seed` (data/demo_generate.py), writes the result as the files real sources would produce (a FOCUS 1.2 CSV
bill, telemetry as JSON lines, GPU samples as CSV) and loads them with the same importers real data uses
(`import_focus`, `import_events_file`, `finish_gpu_import`), then records the injected anomalies in
`anomaly_labels`. The same (seed, end, days) always produces the same rows; importing is idempotent, so running
it again against the same store adds nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel, Field
from spendscope.data.demo_assistants import build_assistants
from spendscope.data.demo_focus import write_focus_csv
from spendscope.data.demo_generate import MAX_DAYS, MIN_DAYS, DemoData, generate
from spendscope.data.demo_metrics import targets_sql, write_business_files
from spendscope.data.errors import InvalidArgument, InvalidPeriod
from spendscope.data.events import finish_gpu_import, import_events_file
from spendscope.data.import_focus import import_focus
from spendscope.data.import_metrics import import_metrics
from spendscope.data.import_rates import import_rates
from spendscope.data.importing import previous_import, sha256_file
from spendscope.data.prices import PriceCatalog
from spendscope.data.store import Store, memory_connection

WORK_PREFIX = "spendscope-demo-"
GPU_KIND = "gpu"
_GPU_HEADER = (
    "instance_id",
    "host",
    "gpu_index",
    "gpu_uuid",
    "gpu_name",
    "ts",
    "utilization_pct",
    "memory_used_mib",
    "memory_total_mib",
    "power_w",
)
_GPU_TYPES = (
    "VARCHAR",
    "VARCHAR",
    "INTEGER",
    "VARCHAR",
    "VARCHAR",
    "TIMESTAMPTZ",
    "DOUBLE",
    "DOUBLE",
    "DOUBLE",
    "DOUBLE",
)


class DemoAnomaly(BaseModel):
    """An injected anomaly, as recorded in anomaly_labels."""

    label_id: str
    day: dt.date
    end_day: dt.date = Field(description="last day, inclusive")
    dimension: str = Field(description="the series it shows in: feature, customer, service, ...")
    value: str
    kind: str
    impact: Decimal = Field(description="extra effective cost it caused, USD")
    description: str


class DemoInfo(BaseModel):
    """What `build_demo` built."""

    path: Path
    location: str = Field(
        "", description="the store as --db takes it (a path, or a ClickHouse URL without password)"
    )
    seed: int
    start: dt.date
    end: dt.date
    days: int
    rows: int = Field(description="FOCUS cost rows in the demo bill")
    assistant_rows: int = Field(description="cost rows of the coding-assistant line (seats, usage, tokens)")
    events: int = Field(description="usage events (each a small batch of requests)")
    gpu_samples: int
    anomalies: list[DemoAnomaly]
    last_full_month: str = Field(description="YYYY-MM: the last calendar month the data covers completely")
    unprofitable_customer: str = Field(description="the customer whose AI cost exceeds what it pays")
    eur_customer: str = Field(description="the customer billed in EUR (converted with the demo's rates)")
    rebuilt: bool = Field(description="the demo file was deleted and built from scratch")
    added: dict[str, int] = Field(description="rows added to the store per table (0 when already there)")
    seconds: float = Field(description="wall time of the build")


def parse_end(end: str | dt.date | None) -> dt.date:
    """The demo's last day: a date, YYYY-MM-DD text, or None for yesterday (UTC)."""
    if end is None:
        return dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    if isinstance(end, dt.datetime):
        return end.date()
    if isinstance(end, dt.date):
        return end
    try:
        return dt.date.fromisoformat(str(end).strip())
    except ValueError:
        raise InvalidPeriod(
            f"--end {end!r} is not a date; use YYYY-MM-DD", argument="end", value=str(end)
        ) from None


def last_full_month(start: dt.date, end: dt.date) -> str:
    """YYYY-MM of the latest calendar month inside [start, end]."""
    nxt = end + dt.timedelta(days=1)
    month_end = nxt.replace(day=1) if nxt.day != 1 else nxt  # exclusive end of the candidate month
    first = (month_end - dt.timedelta(days=1)).replace(day=1)
    if first < start:
        raise InvalidArgument(f"{start} to {end} holds no whole calendar month", argument="days")
    return f"{first:%Y-%m}"


def _is_demo_only(store: Store) -> bool:
    """True when every import recorded in the store came from a demo build (safe to delete and rebuild)."""
    with store.reader() as con:
        rows = con.execute("SELECT source_file FROM imports").fetchall()
    return all(WORK_PREFIX in (r[0] or "") for r in rows)


def reset_store(store: Store) -> bool:
    """Delete the store file (and its WAL) when it holds demo data only. Returns whether it was deleted."""
    if not store.exists:
        return True
    try:
        demo_only = _is_demo_only(store)
    except Exception:  # an unreadable or foreign file: never delete what we cannot recognise
        return False
    if not demo_only:
        return False
    if store.backend != "duckdb":  # a ClickHouse store: drop its tables (the schema is made again on open)
        store.drop_all()
        return True
    for p in (store.path, Path(f"{store.path}.wal")):
        p.unlink(missing_ok=True)
    return True


def write_files(data: DemoData, folder: Path) -> dict[str, Path]:
    """The demo's sources as files: FOCUS CSV, usage events JSON lines, GPU samples CSV."""
    tag = f"{data.start:%Y%m%d}-{data.end:%Y%m%d}"
    paths = {
        "focus": folder / f"demo-bill-{tag}.focus.csv",
        "events": folder / f"demo-events-{tag}.jsonl",
        "gpu": folder / f"demo-gpu-{tag}.csv",
    }
    write_focus_csv(paths["focus"], data.cost_rows)
    with open(paths["events"], "w", encoding="utf-8", newline="\n") as fh:
        for e in data.events:
            fh.write(json.dumps(e, separators=(",", ":")) + "\n")
    with open(paths["gpu"], "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(_GPU_HEADER)
        w.writerows(data.gpu_samples)
    return paths


def import_gpu_samples(store: Store, path: Path) -> int:
    """Stage the GPU sample CSV in memory and append it with the shared GPU writer. Returns rows added."""
    digest = sha256_file(path)
    if previous_import(store, GPU_KIND, digest):
        return 0
    con = memory_connection()
    try:
        columns = ", ".join(f"'{c}': '{t}'" for c, t in zip(_GPU_HEADER, _GPU_TYPES, strict=True))
        con.execute(
            f"CREATE TABLE gpu AS SELECT *, 'demo' AS source FROM read_csv(?, header = true, columns = {{{columns}}})",
            [str(path)],
        )
        result = finish_gpu_import(
            store, con, "gpu", kind=GPU_KIND, source_file=str(path.resolve()), file_hash=digest
        )
    finally:
        con.close()
    return result.rows_inserted


def write_labels(store: Store, data: DemoData) -> int:
    """Record the injected anomalies in anomaly_labels (once: labels are keyed by label_id)."""
    with store.writer() as con:
        before = con.execute("SELECT count(*) FROM anomaly_labels").fetchall()[0][0]
        for lab in data.labels:
            con.execute(
                """INSERT INTO anomaly_labels (label_id, day, end_day, dimension, value, kind, impact, description)
                   SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM anomaly_labels WHERE label_id = ?)""",
                [
                    lab.label_id,
                    lab.day,
                    lab.end_day,
                    lab.dimension,
                    lab.value,
                    lab.kind,
                    lab.impact,
                    lab.description,
                    lab.label_id,
                ],
            )
        after = con.execute("SELECT count(*) FROM anomaly_labels").fetchall()[0][0]
    return after - before


def build_demo(
    store: Store,
    *,
    end: str | dt.date | None = None,
    days: int = 120,
    seed: int = 7,
    fresh: bool = False,
    keep_files: Path | None = None,
) -> DemoInfo:
    """Build the demo dataset into `store`.

    `fresh`: delete the store file first when it holds nothing but demo data (the CLI asks for this only for
    the separate default demo file; a user's own store is never deleted). `keep_files`: write the generated
    source files into this folder and keep them (default: a temporary folder, removed afterwards).
    """
    started = time.perf_counter()
    last = parse_end(end)
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise InvalidArgument(
            f"--days {days} is out of range; the demo needs {MIN_DAYS} to {MAX_DAYS} days (two months give it "
            "a whole month to summarise)",
            argument="days",
            value=days,
        )
    start = last - dt.timedelta(days=days - 1)
    month = last_full_month(start, last)
    data = generate(start, last, seed)

    rebuilt = reset_store(store) if fresh else False
    store.ensure_schema()
    folder = Path(tempfile.mkdtemp(prefix=WORK_PREFIX)) if keep_files is None else Path(keep_files)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        paths = write_files(data, folder)
        bill = import_focus(store, paths["focus"])
        events = import_events_file(store, paths["events"], catalog=PriceCatalog())
        gpu_added = import_gpu_samples(store, paths["gpu"])
        labels_added = write_labels(store, data)
        assistant_rows, assistant_added = build_assistants(store, start, last, seed, folder)
        business = write_business_files(data, folder, seed)
        import_rates(store, business.files["rates"])
        metrics = import_metrics(store, business.files["metrics"], source="demo")
        with store.writer() as con:
            for sql, params in targets_sql():
                con.execute(sql, params)
    finally:
        if keep_files is None:
            shutil.rmtree(folder, ignore_errors=True)

    return DemoInfo(
        path=store.path,
        location=getattr(store, "location", None) or str(store.path),
        seed=seed,
        start=start,
        end=last,
        days=days,
        rows=len(data.cost_rows),
        assistant_rows=assistant_rows,
        events=len(data.events),
        gpu_samples=len(data.gpu_samples),
        anomalies=[
            DemoAnomaly(
                label_id=lab.label_id,
                day=lab.day,
                end_day=lab.end_day,
                dimension=lab.dimension,
                value=lab.value,
                kind=lab.kind,
                impact=lab.impact,
                description=lab.description,
            )
            for lab in data.labels
        ],
        last_full_month=month,
        unprofitable_customer=business.unprofitable,
        eur_customer=business.eur_customer,
        rebuilt=rebuilt,
        added={
            "costs": bill.rows_inserted,
            "usage_events": events.rows_inserted,
            "gpu_samples": gpu_added,
            "anomaly_labels": labels_added,
            "assistant_costs": assistant_added,
            "business_metrics": metrics.rows_inserted,
        },
        seconds=round(time.perf_counter() - started, 2),
    )
