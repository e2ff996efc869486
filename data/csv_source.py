"""Reading a delimited export the same way in every importer: the header is read first (in Python, from the
file's first line), its dialect fixed from it, and DuckDB then reads the rows with those settings and no sniffing.

Why not let DuckDB sniff: a sniffer that meets a malformed row in its sample picks another dialect (often "one
column"), so a short row, an extra field or an unbalanced quote came back as "missing required column(s)"
although the header was complete. With the dialect fixed from the header, DuckDB reports the real problem with
its line, and `csv_error` turns that into a message that names the row, the field count found and expected,
and what to do.

Refused before any row is read: a header that names a column twice (`BilledCost` twice: which one is the cost?)
and a header wider than any real export (`MAX_COLUMNS`).
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from spendscope.data.errors import ImportRejected
from spendscope.data.sql import literal

# FOCUS null spellings; an empty field is NULL as well
NULL_SPELLINGS = ("NULL", "null", "Null", "")
# Legacy CUR with every tag as a column reaches a few hundred columns; ten thousand is an attack or an accident.
MAX_COLUMNS = 2000
_HEAD_BYTES = 1 << 20
_DELIMITERS = (",", ";", "\t", "|")


@dataclass
class CsvHeader:
    """What the first line of a delimited file says: column names in file order and the dialect."""

    path: Path
    names: list[str]
    delimiter: str = ","
    quote: str = '"'
    escape: str = '"'
    mixed_newlines: bool = False  # CRLF and bare LF in one file (some Azure exports)
    gzip: bool = False
    lower: dict[str, str] = field(default_factory=dict)

    def reader(self, types: dict[str, str] | None = None, *, numbered: bool = False) -> str:
        """A read_csv call reading every column as text, or as `types[name]` where given (DuckDB then converts
        while parsing, in parallel, and names line and column when a value does not convert)."""
        columns = ", ".join(f"{literal(n)}: {literal((types or {}).get(n, 'VARCHAR'))}" for n in self.names)
        nulls = ", ".join(literal(s) for s in NULL_SPELLINGS)
        # strict mode refuses a row with too many or too few fields; it also refuses mixed line endings, which
        # `check_mixed_rows` verifies in Python instead
        strict = "false" if self.mixed_newlines else "true"
        return (
            f"read_csv({literal(str(self.path))}, header = true, auto_detect = false, "
            f"delim = {literal(self.delimiter)}, quote = {literal(self.quote)}, escape = {literal(self.escape)}, "
            f"columns = {{{columns}}}, nullstr = [{nulls}], strict_mode = {strict}, null_padding = false, "
            f"max_line_size = 10000000{', parallel = false' if numbered else ''})"
        )


def _open_text(path: Path, is_gzip: bool) -> io.TextIOBase:
    raw = gzip.open(path, "rb") if is_gzip else open(path, "rb")  # noqa: SIM115 - wrapped and returned
    return io.TextIOWrapper(raw, encoding="utf-8-sig", errors="strict", newline="")


def is_gzip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def read_header(path: Path) -> CsvHeader:
    """The header of a delimited file (plain or gzip). Raises ImportRejected for an empty file, a header that is
    not UTF-8, a duplicated column name or more than `MAX_COLUMNS` columns."""
    gz = is_gzip(path)
    try:
        with gzip.open(path, "rb") if gz else open(path, "rb") as fh:
            raw = fh.read(_HEAD_BYTES)
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
    head = raw.decode("utf-8", errors="replace")
    if not first.strip():
        raise ImportRejected(
            f"{path}: the file is empty (no header line); nothing was imported", file=str(path)
        )
    delimiter = _delimiter(first)
    names = next(csv.reader([first], delimiter=delimiter, quotechar='"', doublequote=True))
    names = [n.strip() for n in names]
    _check_names(path, names)
    body = head[len(raw_first) :]
    escape = '"'
    if '\\"' in body and '""' not in body:
        escape = "\\"  # backslash-escaped quotes (some hand-written exports)
    mixed = "\r\n" in head and re.search(r"(?<!\r)\n", head) is not None
    header = CsvHeader(path, names, delimiter, '"', escape, mixed, gz)
    header.lower = {n.lower(): n for n in reversed(names)}
    return header


def _delimiter(first_line: str) -> str:
    """The candidate delimiter that splits the header line into the most fields (comma when none does)."""
    counts = {d: len(next(csv.reader([first_line], delimiter=d))) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: (counts[d], d == ","))
    return best if counts[best] > 1 else ","


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
        key = name.lower()
        if key in seen:
            raise ImportRejected(
                f"{path}: the header names column {name!r} twice (columns {seen[key]} and {i}); spendscope cannot "
                "tell which one holds the value: remove or rename one of them; nothing was imported",
                file=str(path),
                column=name,
                positions=[seen[key], i],
            )
        seen[key] = i
        if not name:
            raise ImportRejected(
                f"{path}: column {i} of the header has no name; name it or remove it; nothing was imported",
                file=str(path),
                positions=[i],
            )


def check_mixed_rows(header: CsvHeader) -> None:
    """For a file with mixed line endings (read without DuckDB's strict mode, which would drop an extra field):
    count every record's fields in Python and refuse the first record whose count differs from the header's."""
    with _open_text(header.path, header.gzip) as fh:
        reader = csv.reader(
            fh, delimiter=header.delimiter, quotechar=header.quote, doublequote=header.escape == '"'
        )
        try:
            next(reader)
            for n, record in enumerate(reader, 1):
                if record and len(record) != len(header.names):
                    raise _field_count_error(header, n, reader.line_num, len(record))
        except UnicodeDecodeError as exc:
            raise ImportRejected(
                f"{header.path}: a line is not UTF-8 text (byte {exc.object[exc.start : exc.start + 1]!r}); re-save "
                "the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`); nothing was imported",
                file=str(header.path),
            ) from None
        except csv.Error as exc:
            raise ImportRejected(
                f"{header.path}: line {reader.line_num} cannot be read: {exc}; nothing was imported",
                file=str(header.path),
                line=reader.line_num,
            ) from None


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
        expected, found = int(counts.group(1)), int(counts.group(2))
        return _field_count_error(header, row or 0, line, found if expected == len(header.names) else found)
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
