"""Reading one plain CSV file on every core while knowing each row's line.

DuckDB parses a CSV file on every core, but then only an order-preserving INSERT can number the rows by arrival,
and into the 80-column `costs` that INSERT merges its small batches on one thread: 1.7x the time of an INSERT that
keeps no order at 1M rows, 2.3x at 10M (docs/performance.md, "Issue 21, session 12"). So the file is cut at K-1 line
ends into K parts; each part streams to DuckDB through a named pipe (`os.sendfile`: the bytes never pass through
Python) and is read on one thread `WITH ORDINALITY`; the K parts are read at once (UNION ALL) and the INSERT keeps
no order. A row's data-row number is its ordinal in its part plus the data rows before the part, which are the line
ends before the cut, counted beforehand (`_count_lines`).

A cut is a line end. One inside a quoted value (a field spanning lines) would cut a record in two and make the line
count overstate the rows before the cut; DuckDB's strict reader rejects both halves (an unterminated quote at the
end of one part, a stray quote at the start of the next) and the rows written must be numbered exactly 1..n
(`numbered_exactly`): either failure sends the file to the ordinary reader (`StagedFile.fallback`), so a cut can
cost time, never a wrong row. Files with a field spanning lines in their first megabyte, gzip files, files with a
column named `ordinality` (or NUMBER) and files under `MIN_PART_BYTES` per part are read the ordinary way.
"""

from __future__ import annotations

import csv
import errno
import io
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

MIN_PART_BYTES = 16 << 20  # smaller parts gain nothing over one ordered read
SNIFF_BYTES = 1 << 20
_COUNT_BLOCK = 1 << 24
_NUMPY_FROM = 256 << 20  # bytes of line ends to count from which numpy pays for its import
_NEWLINE = 10
ROW_GROUP = 122_880  # DuckDB's rows per row group
NUMBER = "spendscope_part_row"  # the column Parts.relation numbers the rows in


@dataclass
class Parts:
    """Where a file is cut and how many data rows precede each part."""

    path: Path
    starts: list[int]  # byte offset of each part (the first is 0)
    ends: list[int]
    rows_before: list[int]  # data rows before each part (the header line is not a data row)
    pipes: list[Path]

    def relation(self, reader: Callable[[str, bool], str]) -> str:
        """The parts as one relation with column NUMBER (the data row). `reader(path, header)` is the read_csv
        call of one part (the first part holds the header line)."""
        selects = [
            f"SELECT * EXCLUDE (ordinality), ordinality + {before} AS {NUMBER} "
            f"FROM {reader(str(pipe), i == 0)} WITH ORDINALITY"
            for i, (pipe, before) in enumerate(zip(self.pipes, self.rows_before, strict=True))
        ]
        return "(" + " UNION ALL ".join(selects) + ")"

    @contextmanager
    def feeding(self) -> Iterator[None]:
        """Stream each part into its pipe while the statement reading them runs (once per execution)."""
        feeders = [
            threading.Thread(target=_feed, args=(self.path, pipe, start, end), daemon=True)
            for pipe, start, end in zip(self.pipes, self.starts, self.ends, strict=True)
        ]
        for feeder in feeders:
            feeder.start()
        try:
            yield
        finally:
            _release(self.pipes, feeders)


def plan_parts(path: Path, con: duckdb.DuckDBPyConnection, columns: list[str]) -> Parts | None:
    """Cut `path` into as many parts as `con` has threads, or None when the file is read the ordinary way."""
    if not hasattr(os, "mkfifo") or any(c.lower() in ("ordinality", NUMBER) for c in columns):
        return None
    size = path.stat().st_size
    k = part_count(con, size)
    if k < 2:
        return None
    with open(path, "rb") as fh:
        if _spans_lines(fh.read(SNIFF_BYTES)):
            return None
        starts = [0]
        for i in range(1, k):
            cut = _line_end_after(fh, size * i // k)
            if cut is None or cut <= starts[-1] or cut >= size:
                return None
            starts.append(cut)
    ends = starts[1:] + [size]
    lines = _count_lines(path, list(zip(starts[:-1], ends[:-1], strict=True)))
    rows_before = [0]
    for n in lines:
        rows_before.append(rows_before[-1] + n - (1 if len(rows_before) == 1 else 0))
    starts, rows_before = _align(path, starts, rows_before, size)
    k = len(starts)
    if k < 2:
        return None
    ends = starts[1:] + [size]
    try:
        folder = Path(tempfile.mkdtemp(prefix="parts-", dir=_temp_folder(con)))
        pipes = [folder / f"part{i}.csv" for i in range(k)]
        for pipe in pipes:
            os.mkfifo(pipe)
    except OSError:  # a temp folder on a file system without named pipes: read the file whole
        return None
    return Parts(path, starts, ends, rows_before, pipes)


def part_count(con: duckdb.DuckDBPyConnection, size: int) -> int:
    """One part per DuckDB thread, none smaller than MIN_PART_BYTES."""
    threads = int(con.execute("SELECT current_setting('threads')").fetchall()[0][0])
    return min(threads, size // MIN_PART_BYTES)


def numbered_exactly(con: duckdb.DuckDBPyConnection, rows: str) -> bool:
    """The rows written number 1..n without a gap (a cut inside a record would leave one)."""
    n, low, high = con.execute(f"SELECT count(*), min(x_SourceRow), max(x_SourceRow) FROM {rows}").fetchall()[
        0
    ]
    return n == 0 or (low == 1 and high == n)


def _temp_folder(con: duckdb.DuckDBPyConnection) -> str:
    folder = con.execute("SELECT current_setting('temp_directory')").fetchall()[0][0]
    if folder and os.path.isdir(folder):
        return folder
    return tempfile.gettempdir()


def _spans_lines(sample: bytes) -> bool:
    """A quoted field in the sample holds a line end (the sample's last, possibly cut, record aside)."""
    text = sample.decode("utf-8", errors="replace")
    cut = text.rfind("\n")
    if cut <= 0:
        return False
    try:
        return any("\n" in f or "\r" in f for row in csv.reader(io.StringIO(text[:cut])) for f in row)
    except csv.Error:
        return True


def _line_end_after(fh: io.BufferedReader, offset: int) -> int | None:
    """The offset just after the first line end at or after `offset` (None: none within a megabyte)."""
    fh.seek(offset)
    window = fh.read(1 << 20)
    at = window.find(b"\n")
    return None if at < 0 else offset + at + 1


def _align(path: Path, starts: list[int], rows_before: list[int], size: int) -> tuple[list[int], list[int]]:
    """Move each cut to the nearest whole row group (a multiple of ROW_GROUP rows before it). Each part is inserted by one
    thread, whose last row group is partial; DuckDB's next checkpoint merges adjacent partial row groups, rewriting
    every column of their rows (0.9 s for 54,000 rows of `costs`): with whole row groups before every cut only the
    last part ends partial. A cut that cannot move (the file ends first) is dropped."""
    moved: list[tuple[int, int] | None] = [(0, 0)] + [None] * (len(starts) - 1)

    def move(i: int) -> None:
        target = max(ROW_GROUP, round(rows_before[i] / ROW_GROUP) * ROW_GROUP)
        if target >= rows_before[i]:
            at = _after_lines(path, starts[i], target - rows_before[i], size)
        else:
            at = _before_lines(path, starts[i], rows_before[i] - target)
        if at is not None:
            moved[i] = (at, target)

    workers = [threading.Thread(target=move, args=(i,)) for i in range(1, len(starts))]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    kept = [m for m in moved if m is not None]
    out = [kept[0]]
    for at, before in kept[1:]:
        if at > out[-1][0] and at < size:
            out.append((at, before))
    return [a for a, _ in out], [b for _, b in out]


def _after_lines(path: Path, start: int, n: int, size: int) -> int | None:
    """The offset just after the n-th line end from `start` (start itself when n is 0; None past the end)."""
    if n == 0:
        return start
    with open(path, "rb", buffering=0) as fh:
        fh.seek(start)
        offset = start
        while offset < size:
            block = fh.read(min(size - offset, _COUNT_BLOCK))
            if not block:
                return None
            found = block.count(b"\n")
            if found >= n:
                return offset + _nth_line_end(block, n) + 1
            n -= found
            offset += len(block)
    return None


def _before_lines(path: Path, start: int, n: int) -> int | None:
    """The offset just after the line end n lines before `start` (which is just after a line end)."""
    need = n + 1  # the line end at start - 1 is the first one met
    end = start
    with open(path, "rb", buffering=0) as fh:
        while end > 0:
            begin = max(0, end - _COUNT_BLOCK)
            fh.seek(begin)
            block = fh.read(end - begin)
            found = block.count(b"\n")
            # the need-th line end from the block's end is the (found - need + 1)-th from its start
            if found >= need:
                return begin + _nth_line_end(block, found - need + 1) + 1
            need -= found
            end = begin
    return None


def _nth_line_end(block: bytes, n: int) -> int:
    """The index of the n-th (1-based) line end in `block`, which has at least n."""
    at = -1
    for _ in range(n):
        at = block.index(b"\n", at + 1)
    return at


def _count_lines(path: Path, spans: list[tuple[int, int]]) -> list[int]:
    """Line ends in each (start, end) byte span. Up to `_NUMPY_FROM` bytes in all, with `bytes.count` (~1.4 GB/s);
    beyond, with numpy (~2.5 GB/s, and on one thread per span: it releases the GIL), whose import (~0.1 s) a
    smaller file would not repay (measured: docs/performance.md, "Issue 21, session 13")."""
    if sum(end - start for start, end in spans) < _NUMPY_FROM:
        counts = []
        with open(path, "rb", buffering=0) as fh:
            for start, end in spans:
                fh.seek(start)
                total = 0
                while start < end:
                    block = fh.read(min(end - start, _COUNT_BLOCK))
                    if not block:
                        break
                    total += block.count(b"\n")
                    start += len(block)
                counts.append(total)
        return counts
    import numpy as np  # only for large files (above)

    counts = [0] * len(spans)

    def count(i: int) -> None:
        start, end = spans[i]
        buf = bytearray(_COUNT_BLOCK)
        view, arr = memoryview(buf), np.frombuffer(buf, np.uint8)
        with open(path, "rb", buffering=0) as fh:
            fh.seek(start)
            left = end - start
            while left > 0:
                got = fh.readinto(view[: min(left, _COUNT_BLOCK)])
                if not got:
                    break
                counts[i] += int(np.count_nonzero(arr[:got] == _NEWLINE))
                left -= got

    workers = [threading.Thread(target=count, args=(i,)) for i in range(len(spans))]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return counts


def _feed(path: Path, pipe: Path, start: int, end: int) -> None:
    """Write bytes start..end of `path` into `pipe` (blocks until DuckDB opens it; ends when DuckDB closes it)."""
    try:
        out = os.open(pipe, os.O_WRONLY)
    except OSError:
        return
    try:
        with open(path, "rb", buffering=0) as src:
            offset, zero_copy = start, True
            while offset < end:
                sent = 0
                if zero_copy:
                    try:
                        sent = os.sendfile(out, src.fileno(), offset, min(end - offset, _COUNT_BLOCK))
                    except OSError as exc:
                        if exc.errno == errno.EPIPE:  # the reader stopped (an error in this or another part)
                            return
                        zero_copy = False  # this system's sendfile cannot write to a pipe
                if not zero_copy:
                    sent = _copy(src, out, offset, end)
                if not sent:
                    return
                offset += sent
    except BrokenPipeError:
        return
    finally:
        os.close(out)


def _copy(src: io.RawIOBase, out: int, offset: int, end: int) -> int:
    """Where sendfile cannot write to a pipe: copy through a buffer."""
    src.seek(offset)
    data = src.read(min(end - offset, 1 << 20)) or b""
    view = memoryview(data)
    while view:
        view = view[os.write(out, view) :]
    return len(data)


def _release(pipes: list[Path], feeders: list[threading.Thread]) -> None:
    """Unblock feeders whose part DuckDB never opened (the statement failed first), then wait for them."""
    for _ in range(50):
        alive = [(p, f) for p, f in zip(pipes, feeders, strict=True) if f.is_alive()]
        if not alive:
            return
        for pipe, feeder in alive:
            try:
                fd = os.open(pipe, os.O_RDONLY | os.O_NONBLOCK)
            except OSError:
                continue
            feeder.join(0.05)
            os.close(fd)
        for _pipe, feeder in alive:
            feeder.join(0.1)
