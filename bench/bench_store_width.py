"""What the store's width costs an import: the INSERT of a FOCUS import into `costs` against the same statement
writing a table of only the columns it fills, and that table with the empty columns added as typed NULLs.

    .venv/bin/python bench/bench_store_width.py [--rows 1000000] [--repeat 2]

Each run is a fresh child process: the bare load (`CREATE TABLE t AS SELECT * FROM read_csv(file)` into a database
file), then an `import focus` of the same generated file (bench_import_focus.generate) into a fresh store, stopped
at its INSERT, which is timed in one of three forms:
- `costs`: the import's own INSERT into the store's `costs` (every column of the table, empty ones as NULL);
- `filled`: the same SELECT (same projection, typing, checks and parts) as `CREATE TABLE` in the store file, so the
  table holds only the columns the import fills;
- `filled+nulls`: that table plus each column of `costs` the import leaves empty, as a typed NULL.
Prints wall and CPU seconds of each and their ratio to the bare load (docs/performance.md, "Issue 21, session 14").
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from bench_import_focus import generate  # noqa: E402
from import_bench_harness import bare_load, cpu_seconds  # noqa: E402

FORMS = ("costs", "filled", "filled+nulls")
PREFIX = "INSERT INTO store.costs ("


class _Stop(Exception):
    """Raised once the INSERT is timed: nothing after it matters here."""


class _Timed:
    """A staging connection that runs the import's INSERT into `costs` in the asked form, times it and stops."""

    def __init__(self, con: object, form: str, out: list[tuple[float, float]]) -> None:
        self._con, self._form, self._out = con, form, out

    def execute(self, sql: object, *args: object, **kwargs: object) -> object:
        text = str(sql)
        if not text.startswith(PREFIX):
            return self._con.execute(sql, *args, **kwargs)  # type: ignore[attr-defined]
        columns = [c.strip().strip('"') for c in text[len(PREFIX) : text.index(") SELECT ")].split(",")]
        select = text[text.index(") SELECT ") + 2 :]
        if self._form == "filled":
            text = "CREATE TABLE store.filled AS " + select
        elif self._form == "filled+nulls":
            types = self._con.execute(  # type: ignore[attr-defined]
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_catalog = 'store' AND table_name = 'costs'"
            ).fetchall()
            nulls = ", ".join(f'CAST(NULL AS {t}) AS "{c}"' for c, t in types if c not in columns)
            head, _, tail = select.partition(" FROM ")
            text = f"CREATE TABLE store.filled AS {head}, {nulls} FROM {tail}"
        t, cpu = time.perf_counter(), cpu_seconds()
        self._con.execute(text, *args, **kwargs)  # type: ignore[attr-defined]
        self._out.append((time.perf_counter() - t, cpu_seconds() - cpu))
        raise _Stop

    def __getattr__(self, name: str) -> object:
        return getattr(self._con, name)


def timed_insert(form: str, csv_path: Path, db: Path) -> tuple[float, float]:
    from spendscope.data import importing
    from spendscope.data.store import Store

    out: list[tuple[float, float]] = []
    plain = importing.staging_connection

    @contextlib.contextmanager
    def staging() -> Iterator[object]:
        with plain() as con:
            yield _Timed(con, form, out)

    importing.staging_connection = staging  # type: ignore[assignment]
    store = Store(db, lock_timeout=60)
    store.ensure_schema()
    with contextlib.suppress(_Stop):
        importing.import_delivery(store, "focus", [csv_path])
    return out[0]


def _child(fn: object, *args: object) -> tuple[float, float]:
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()  # type: ignore[arg-type]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="spendscope-width-") as tmp:
        work = Path(tmp)
        csv_path = work / "focus.csv"
        generate(csv_path, args.rows)
        print(f"generated {args.rows:,} FOCUS rows ({csv_path.stat().st_size / 1e6:,.0f} MB)")
        runs: dict[str, list[tuple[float, float]]] = {"bare": [], **{f: [] for f in FORMS}}
        for _ in range(args.repeat):
            for name in runs:
                db = work / f"{name.replace('+', '_')}.duckdb"
                for leftover in work.glob(db.name + "*"):
                    leftover.unlink()
                if name == "bare":
                    wall, cpu, _peak, _size = _child(bare_load, csv_path, db)
                else:
                    wall, cpu = _child(timed_insert, name, csv_path, db)
                runs[name].append((wall, cpu))
                print(f"  {name:13s} {wall:6.2f} s  CPU {cpu:6.2f} s")
        bare = statistics.median(w for w, _ in runs["bare"])
        bare_cpu = statistics.median(c for _, c in runs["bare"])
        print(f"medians, ratio to the bare load into a database file ({bare:.2f} s, CPU {bare_cpu:.2f} s):")
        for name in FORMS:
            wall = statistics.median(w for w, _ in runs[name])
            cpu = statistics.median(c for _, c in runs[name])
            print(
                f"  {name:13s} {wall:6.2f} s ({wall / bare:.2f}x)  CPU {cpu:6.2f} s ({cpu / bare_cpu:.2f}x)"
            )


if __name__ == "__main__":
    main()
