"""A large plain FOCUS CSV file is read in parts on every core (data/csv_parts.py): every row must still carry its
own line of the file, and a cut that lands inside a record (a field spanning lines, a blank line) or a bad value
in a later part must fall back to the whole-file reading, never store a wrong row, and never leave a thread
behind. Parts are forced small here (the real threshold is 16 MB a part)."""

from __future__ import annotations

import csv
import threading
from pathlib import Path

import pytest
from focus_rows import HEADER, row
from spendscope.data import csv_parts
from spendscope.data.errors import ImportRejected
from spendscope.data.import_focus import import_focus
from spendscope.data.store import Store

ROWS = 3_000


@pytest.fixture
def parts_used(monkeypatch: pytest.MonkeyPatch) -> list[csv_parts.Parts]:
    """Four parts whatever the file's size and the machine's cores; records the plans made."""
    monkeypatch.setattr(csv_parts, "part_count", lambda _con, _size: 4)
    monkeypatch.setattr(csv_parts, "SNIFF_BYTES", 4096)
    monkeypatch.setattr(csv_parts, "ROW_GROUP", 128)  # cuts move to whole "row groups" of 128 rows
    made: list[csv_parts.Parts] = []
    plan = csv_parts.plan_parts

    def recording(*args: object) -> csv_parts.Parts | None:
        got = plan(*args)  # type: ignore[arg-type]
        if got is not None:
            made.append(got)
        return got

    monkeypatch.setattr("spendscope.data.import_focus.plan_parts", recording)
    return made


def _rows(n: int = ROWS) -> list[dict[str, str]]:
    """Row r (1-based) has ConsumedQuantity r, so each stored row names its own line."""
    out = []
    for r in range(1, n + 1):
        one = row(1 + r % 27, f"{r}.25", model=("gpt-4o-mini", "claude-sonnet-4-5")[r % 2], tokens=r)
        one["ConsumedQuantity"] = str(r)
        out.append(one)
    return out


def _write(path: Path, rows: list[dict[str, str]], *, blank_after: int | None = None) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=HEADER, lineterminator="\n")
        writer.writeheader()
        for i, one in enumerate(rows, 1):
            writer.writerow(one)
            if i == blank_after:
                fh.write("\n")
    return path


def _numbering(store: Store) -> tuple[int, int, int, int]:
    """(rows, rows whose x_SourceRow is not their line's number, distinct x_RowHash, rows without a model)"""
    with store.reader() as con:
        return con.execute(
            "SELECT count(*), count(*) FILTER (WHERE x_SourceRow IS DISTINCT FROM CAST(ConsumedQuantity AS BIGINT)), "
            "count(DISTINCT x_RowHash), count(*) FILTER (WHERE x_Model IS NULL) FROM costs"
        ).fetchall()[0]


def _no_feeder_left() -> bool:
    return not any(t.name != "MainThread" and "_feed" in repr(t) for t in threading.enumerate())


def test_every_row_read_in_parts_keeps_its_own_line_and_model(
    store: Store, tmp_path: Path, parts_used: list[csv_parts.Parts]
) -> None:
    result = import_focus(store, _write(tmp_path / "f.csv", _rows()))
    assert len(parts_used) == 1 and len(parts_used[0].pipes) == 4
    assert all(n % 128 == 0 for n in parts_used[0].rows_before)  # each cut after whole row groups
    assert result.rows_inserted == ROWS
    assert _numbering(store) == (ROWS, 0, ROWS, 0)
    with store.reader() as con:
        status = con.execute("SELECT status FROM imports").fetchall()
    assert status == [("ok",)]
    assert _no_feeder_left()


def test_a_field_spanning_lines_at_a_cut_falls_back_to_the_whole_file(
    store: Store, tmp_path: Path, parts_used: list[csv_parts.Parts]
) -> None:
    rows = _rows()
    middle = rows[ROWS // 2 - 1]
    middle["ChargeDescription"] = "many\nlines\n" * 4_000  # ~44 KB around the middle of the file
    path = _write(tmp_path / "f.csv", rows)
    size = path.stat().st_size
    text = path.read_bytes()
    assert text.find(b"many\nlines") < size // 2 < text.rfind(b"many\nlines")  # a cut lands inside the record
    result = import_focus(store, path)
    assert result.rows_inserted == ROWS
    assert _numbering(store) == (ROWS, 0, ROWS, 0)
    with store.reader() as con:
        kept = con.execute(
            "SELECT ChargeDescription FROM costs WHERE x_SourceRow = ?", [ROWS // 2]
        ).fetchall()
    assert kept == [(middle["ChargeDescription"],)]
    assert _no_feeder_left()


def test_a_blank_line_before_a_cut_falls_back_to_the_whole_file(
    store: Store, tmp_path: Path, parts_used: list[csv_parts.Parts]
) -> None:
    result = import_focus(store, _write(tmp_path / "f.csv", _rows(), blank_after=100))
    assert (
        len(parts_used) == 1
    )  # planned, then not trusted: the line count overstates the rows before the cuts
    assert result.rows_inserted == ROWS
    assert _numbering(store) == (ROWS, 0, ROWS, 0)


def test_a_bad_value_in_a_later_part_names_its_own_row(
    store: Store, tmp_path: Path, parts_used: list[csv_parts.Parts]
) -> None:
    rows = _rows()
    rows[2_499]["BilledCost"] = "1.0O"
    with pytest.raises(ImportRejected) as err:
        import_focus(store, _write(tmp_path / "f.csv", rows))
    assert "row 2500 (line 2501)" in str(err.value) and "BilledCost" in str(err.value)
    assert len(parts_used) == 1
    with store.reader() as con:
        assert con.execute("SELECT count(*) FROM costs").fetchall() == [(0,)]
    assert _no_feeder_left()


def test_small_and_gzip_files_are_read_whole(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gzip

    path = _write(tmp_path / "f.csv", _rows(200))
    packed = tmp_path / "g.csv.gz"
    packed.write_bytes(gzip.compress(path.read_bytes()))
    assert import_focus(store, path).rows_inserted == 200  # 16 MB a part at least: this file is read whole
    monkeypatch.setattr(csv_parts, "part_count", lambda _con, _size: 4)
    other = Store(tmp_path / "other.duckdb")
    assert import_focus(other, packed).rows_inserted == 200
    assert _numbering(other) == (200, 0, 200, 0)


def test_an_import_left_deriving_is_finished_by_the_next_import(store: Store, tmp_path: Path) -> None:
    import_focus(store, _write(tmp_path / "a.csv", _rows(50)))
    with store.writer() as con:  # what a process killed between the two commits leaves
        con.execute(
            "UPDATE costs SET x_Model = NULL, x_TokenType = NULL, x_Tokens = NULL; UPDATE imports SET status = 'deriving'"
        )
    rows = [row(5, "1.00", model="gpt-4.1", month="2026-11")]
    import_focus(store, _write(tmp_path / "b.csv", rows))
    with store.reader() as con:
        assert con.execute("SELECT DISTINCT status FROM imports").fetchall() == [("ok",)]
        assert con.execute("SELECT count(*) FROM costs WHERE x_Model IS NULL").fetchall() == [(0,)]


def test_a_file_with_its_own_row_column_is_still_numbered_by_line(
    store: Store, tmp_path: Path, parts_used: list[csv_parts.Parts]
) -> None:
    rows = [{**one, "x_SourceRow": "from the exporter"} for one in _rows()]
    path = tmp_path / "f.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=[*HEADER, "x_SourceRow"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    assert import_focus(store, path).rows_inserted == ROWS
    assert len(parts_used) == 1
    assert _numbering(store) == (ROWS, 0, ROWS, 0)
    with store.reader() as con:  # the file's own column is kept, under its name, in x_Extra
        kept = con.execute("SELECT DISTINCT x_Extra->>'x_SourceRow' FROM costs").fetchall()
    assert kept == [("from the exporter",)]


def test_a_temp_folder_without_named_pipes_reads_the_file_whole(
    store: Store, tmp_path: Path, parts_used: list[csv_parts.Parts], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_pipes(_path: object) -> None:
        raise OSError(95, "Operation not supported")

    monkeypatch.setattr(csv_parts.os, "mkfifo", no_pipes)
    assert import_focus(store, _write(tmp_path / "f.csv", _rows())).rows_inserted == ROWS
    assert parts_used == []
    assert _numbering(store) == (ROWS, 0, ROWS, 0)


@pytest.mark.parametrize("numpy_from", [0, 1 << 30])
@pytest.mark.parametrize("block", [7, 64, 1 << 24])
def test_line_ends_are_found_and_counted_across_blocks(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, block: int, numpy_from: int
) -> None:
    """The byte helpers that place the cuts agree with a plain scan, whatever the block size they read in, counted
    with numpy on threads or with bytes.count."""
    monkeypatch.setattr(csv_parts, "_COUNT_BLOCK", block)
    monkeypatch.setattr(csv_parts, "_NUMPY_FROM", numpy_from)
    data = b"".join(b"x" * (i % 13) + b"\n" for i in range(500)) + b"tail without a line end"
    path = tmp_path / "lines.csv"
    path.write_bytes(data)
    ends = [i for i, c in enumerate(data) if c == 10]
    spans = [(0, 100), (100, 1000), (1000, len(data))]
    expected = [data[a:b].count(b"\n") for a, b in spans]
    assert csv_parts._count_lines(path, spans) == expected
    assert [csv_parts._count_lines(path, [span])[0] for span in spans] == expected
    start = ends[10] + 1  # just after the 11th line end
    for n in (0, 1, 2, 100, 400):
        assert csv_parts._after_lines(path, start, n, len(data)) == (start if n == 0 else ends[10 + n] + 1)
    assert csv_parts._after_lines(path, start, 10_000, len(data)) is None
    for n in range(11):
        assert csv_parts._before_lines(path, start, n) == ends[10 - n] + 1
    assert csv_parts._before_lines(path, start, 11) is None
