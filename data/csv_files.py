"""Every cost importer reads CSV the same way: the header is read first (in Python, from the file's first line),
the dialect is fixed from it, and DuckDB then reads the rows with those settings and no sniffing.

* The delimiter is the one that splits the header line into the most fields: comma, semicolon, tab, pipe, or the
  `\\x01` that Hive and Athena text output use.
* A file whose lines end in a mix of CRLF and LF (files concatenated or edited on two systems; the real Azure MCA
  sample) is read through a copy with one line ending, kept in the import's private spill folder and removed with
  it. DuckDB's strict reader refuses mixed endings, and its non-strict one silently drops a row's extra field.
  Only the first `SNIFF_BYTES` are inspected: a file whose endings change further on is read as it is, and the
  line that then does not parse is named.
* Why not let DuckDB sniff: a sniffer that meets a malformed row in its sample picks another dialect (often "one
  column"), so a short row, an extra field or an unbalanced quote came back as "missing required column(s)"
  although the header was complete. With the dialect fixed from the header, DuckDB reports the real problem with
  its line, and `csv_error` turns that into a message that names the row, the field count found and expected,
  and what to do.

Refused before any row is read: a header that names a column twice (`BilledCost` twice: which one is the cost?),
a column without a name, and a header wider than any real export (`MAX_COLUMNS`). Two names that differ only in
case (`resourceTags/user:Env` and `resourceTags/user:env`, which a legacy CUR can carry) are both kept; DuckDB
names are case-insensitive, so the later one is read as `<name>_1` (as DuckDB's own reader does).
"""

from __future__ import annotations

import csv
import gzip
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import duckdb
from spendscope.data.errors import ImportRejected
from spendscope.data.sql import literal

# FOCUS null spellings; an empty field is NULL as well
NULL_SPELLINGS = ("NULL", "null", "Null", "")
# Legacy CUR with every tag as a column reaches a few hundred columns; ten thousand is an attack or an accident.
MAX_COLUMNS = 2000
SNIFF_BYTES = 8 << 20
DELIMITERS = (",", ";", "\t", "|", "\x01")


def open_bytes(path: Path) -> IO[bytes]:
    """The file's bytes, decompressed when it is gzip."""
    return gzip.open(path, "rb") if is_gzip(path) else open(path, "rb")  # noqa: SIM115 - returned


def is_gzip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


@dataclass
class CsvHeader:
    """What the first line of a delimited file says: column names in file order and the dialect."""

    path: Path
    names: list[str]
    delimiter: str = ","
    quote: str = '"'
    escape: str = '"'
    mixed_newlines: bool = False  # CRLF and bare LF in one file (some Azure exports)
    lower: dict[str, str] = field(default_factory=dict)
    # the file DuckDB reads: `path`, or a copy with one line ending (`prepare`)
    read_path: Path | None = None
    # the name each column is read under (unique without regard to case)
    columns: list[str] = field(default_factory=list)

    def prepare(self, con: duckdb.DuckDBPyConnection) -> CsvHeader:
        """Make the file readable by DuckDB's strict reader: a file with mixed line endings is read through a copy
        with LF endings in the connection's temp directory (an import's private spill folder)."""
        if self.mixed_newlines and self.read_path is None:
            folder = con.execute("SELECT current_setting('temp_directory')").fetchall()[0][0]
            if not folder or not os.path.isdir(folder):
                folder = tempfile.gettempdir()
            self.read_path = normalised_copy(self.path, folder)
        return self

    def reader(
        self,
        types: dict[str, str] | None = None,
        *,
        numbered: bool = False,
        path: str | None = None,
        header: bool = True,
    ) -> str:
        """A read_csv call reading every column as text, or as `types[name]` where given (DuckDB then converts
        while parsing, in parallel, and names line and column when a value does not convert). `numbered`: read
        on one thread, so `WITH ORDINALITY` numbers the rows in file order. `path` and `header`: read a part of
        the file instead (data/csv_parts.py), with or without the header line."""
        types = types or {}
        columns = ", ".join(
            f"{literal(c)}: {literal(types.get(c, 'VARCHAR'))}" for c in self.columns or self.names
        )
        nulls = ", ".join(literal(s) for s in NULL_SPELLINGS)
        path = path or str(self.read_path or self.path)
        return (
            f"read_csv({literal(path)}, header = {'true' if header else 'false'}, auto_detect = false, "
            f"delim = {literal(self.delimiter)}, quote = {literal(self.quote)}, escape = {literal(self.escape)}, "
            f"columns = {{{columns}}}, nullstr = [{nulls}], strict_mode = true, null_padding = false, "
            f"max_line_size = 10000000{', parallel = false' if numbered else ''})"
        )


def read_header(path: Path) -> CsvHeader:
    """The header of a delimited file (plain or gzip). Raises ImportRejected for an empty file, a header that is
    not UTF-8, a duplicated or empty column name or more than `MAX_COLUMNS` columns."""
    try:
        with open_bytes(path) as fh:
            raw = fh.read(SNIFF_BYTES)
    except (OSError, EOFError) as exc:
        raise ImportRejected(
            f"{path}: cannot be read ({exc}); nothing was imported", file=str(path)
        ) from None
    raw_first = raw.split(b"\n", 1)[0]
    try:
        first = raw_first.decode("utf-8-sig").rstrip("\r")
    except UnicodeDecodeError as exc:
        raise ImportRejected(
            f"{path}: the header is not UTF-8 text (byte {raw_first[exc.start : exc.start + 1]!r} at offset "
            f"{exc.start}); re-save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`); nothing was imported",
            file=str(path),
        ) from None
    if not first.strip():
        raise ImportRejected(
            f"{path}: the file is empty (no header line); nothing was imported", file=str(path)
        )
    delimiter = _delimiter(first)
    names = [n.strip() for n in next(csv.reader([first], delimiter=delimiter, quotechar='"'))]
    _check_names(path, names)
    body = raw[len(raw_first) :]
    escape = '"'
    if b'\\"' in body and b'""' not in body:
        escape = "\\"  # backslash-escaped quotes (some hand-written exports)
    crlf = raw.count(b"\r\n")
    header = CsvHeader(path, names, delimiter, '"', escape, mixed_newlines=0 < crlf < raw.count(b"\n"))
    header.lower = {n.lower(): n for n in reversed(names)}
    header.columns = _reader_names(names)
    return header


def open_csv(con: duckdb.DuckDBPyConnection, path: Path) -> CsvHeader:
    """`read_header` and `CsvHeader.prepare`: the file's header, ready to be read in `con`."""
    return read_header(path).prepare(con)


def csv_source(con: duckdb.DuckDBPyConnection, path: Path) -> str:
    """The table function that reads CSV `path` (plain or .gz) with every column as text."""
    return open_csv(con, path).reader()


def _delimiter(first_line: str) -> str:
    """The candidate delimiter that splits the header line into the most fields (comma when none does)."""
    counts = {d: len(next(csv.reader([first_line], delimiter=d))) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: (counts[d], d == ","))
    return best if counts[best] > 1 else ","


def _reader_names(names: list[str]) -> list[str]:
    """Column names unique without regard to case: a later spelling of a name already seen gets `_1`, `_2`..."""
    seen: set[str] = set()
    out = []
    for name in names:
        candidate, n = name, 0
        while candidate.lower() in seen:
            n += 1
            candidate = f"{name}_{n}"
        seen.add(candidate.lower())
        out.append(candidate)
    return out


def _check_names(path: Path, names: list[str]) -> None:
    if len(names) > MAX_COLUMNS:
        raise ImportRejected(
            f"{path}: the header has {len(names):,} columns; no cost export has more than {MAX_COLUMNS:,}: check "
            "that this is the export you meant (or remove the unneeded columns); nothing was imported",
            file=str(path),
            columns=len(names),
        )
    seen: dict[str, int] = {}
    for i, name in enumerate(names, 1):
        if name in seen:
            raise ImportRejected(
                f"{path}: the header names column {name!r} twice (columns {seen[name]} and {i}); spendscope cannot "
                "tell which one holds the value: remove or rename one of them; nothing was imported",
                file=str(path),
                column=name,
                positions=[seen[name], i],
            )
        seen[name] = i
        if not name:
            raise ImportRejected(
                f"{path}: column {i} of the header has no name; name it or remove it; nothing was imported",
                file=str(path),
                positions=[i],
            )


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


def _field_count_error(header: CsvHeader, row: int, line: int, found: int) -> ImportRejected:
    expected = len(header.names)
    if found < expected:
        what = (
            f"has {found} fields where the header has {expected}: the row is short (a field or delimiter is missing, "
            "or the file was cut off while being written)"
        )
    else:
        what = (
            f"has {found} fields where the header has {expected}: a value contains an unquoted "
            f"{header.delimiter!r}, or the row has a field too many"
        )
    return ImportRejected(
        f"{header.path}: row {row} (line {line}) {what}; fix or remove that line (or export the file again) and "
        "import it again; nothing was imported",
        file=str(header.path),
        row=row,
        line=line,
        found=found,
        expected=expected,
    )


_LINE = re.compile(r"CSV Error on Line: (\d+)")
_COUNTS = re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)")
_CONVERT = re.compile(r'converting column "([^"]+)"\. Could not convert string "(.*?)" to')


def csv_error(header: CsvHeader, exc: duckdb.Error) -> ImportRejected | None:
    """The ImportRejected that explains a DuckDB CSV reading error in the user's terms, or None when `exc` is not
    a CSV reading error (for example a value that does not convert: the importer names those itself)."""
    text = str(exc)
    line_match = _LINE.search(text)
    line = int(line_match.group(1)) if line_match else None
    row = line - 1 if line else None
    where = f"row {row} (line {line})" if line else "a line"
    path = header.path
    counts = _COUNTS.search(text)
    if counts and line:
        return _field_count_error(header, row or 0, line, int(counts.group(2)))
    if "unterminated quote" in text:
        return ImportRejected(
            f'{path}: {where} opens a quoted value that is never closed (an unbalanced " or a file cut off while '
            "being written); everything after it would be read as one value: fix the quote (a quote inside a "
            'value is written "") and import again; nothing was imported',
            file=str(path),
            row=row,
            line=line,
        )
    if "Invalid unicode" in text or "not utf-8" in text.lower():
        return ImportRejected(
            f"{path}: {where} is not UTF-8 text; re-save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8 in.csv > "
            "out.csv`) and import again; nothing was imported",
            file=str(path),
            row=row,
            line=line,
        )
    if "state machine reached an invalid state" in text:
        return ImportRejected(
            f"{path}: the file is not a well-formed CSV with the header's dialect (delimiter "
            f"{header.delimiter!r}, quote {header.quote!r}); check that every line is a row of the same export; "
            "nothing was imported",
            file=str(path),
        )
    if line and "CSV Error" in text and not _CONVERT.search(text):
        return ImportRejected(
            f"{path}: {where} cannot be read as CSV; nothing was imported", file=str(path), row=row, line=line
        )
    return None
