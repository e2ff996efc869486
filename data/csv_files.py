"""Every cost importer reads CSV the same way: the delimiter is detected from the header line (comma, semicolon,
tab, pipe, or the `\\x01` that Hive and Athena text output use), and a file whose lines end in a mix of CRLF and LF
(files concatenated or edited on two systems; DuckDB's strict reader refuses them) is read through a copy with one
line ending, kept in the import's private spill folder and removed with it.

Only the first `SNIFF_BYTES` are inspected, so a file whose endings change further on is read as it is (and a line
that then does not parse is reported with its row, as for any malformed file).
"""

from __future__ import annotations

import gzip
import os
import tempfile
from pathlib import Path
from typing import IO

import duckdb
from spendscope.data.sql import read_csv_text

SNIFF_BYTES = 8 << 20
DELIMITERS = (",", ";", "\t", "|", "\x01")


def open_bytes(path: Path) -> IO[bytes]:
    """The file's bytes, decompressed when it is gzip."""
    with open(path, "rb") as fh:
        gz = fh.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gz else open(path, "rb")


def sniff(path: Path) -> tuple[str, bool]:
    """(delimiter, mixed line endings) from the start of the file."""
    with open_bytes(path) as fh:
        head = fh.read(SNIFF_BYTES)
    first = head.split(b"\n", 1)[0].decode("utf-8", errors="replace")
    counts = {d: first.count(d) for d in DELIMITERS}
    delim = max(DELIMITERS, key=lambda d: (counts[d], d == ","))
    if counts[delim] == 0:
        delim = ","
    crlf = head.count(b"\r\n")
    mixed = crlf > 0 and head.count(b"\n") > crlf
    return delim, mixed


def normalised_copy(path: Path, folder: str) -> Path:
    """A copy of `path` (plain or gzip) with every CRLF turned into LF, written into `folder`."""
    fd, name = tempfile.mkstemp(prefix="lines-", suffix=".csv", dir=folder)
    with os.fdopen(fd, "wb") as out, open_bytes(path) as src:
        pending_cr = False
        for chunk in iter(lambda: src.read(1 << 20), b""):
            if pending_cr:
                chunk = b"\r" + chunk
            pending_cr = chunk.endswith(b"\r")
            if pending_cr:
                chunk = chunk[:-1]
            out.write(chunk.replace(b"\r\n", b"\n"))
        if pending_cr:
            out.write(b"\r")
    return Path(name)


def csv_source(con: duckdb.DuckDBPyConnection, path: Path) -> str:
    """The table function that reads CSV `path` (plain or .gz) as text, whatever its delimiter and line endings.
    A normalised copy goes to the connection's temp directory (an import's private spill folder)."""
    delim, mixed = sniff(path)
    if mixed:
        folder = con.execute("SELECT current_setting('temp_directory')").fetchall()[0][0]
        if not folder or not os.path.isdir(folder):
            folder = tempfile.gettempdir()
        path = normalised_copy(path, folder)
    return read_csv_text(str(path), delim=delim)
