"""Issue 21, session 6: the import's fast paths give the results of the slow ones.

A file is recognised as imported before by its content, never by size, time and edges alone; JSON text that is
already an object skips the repairs with the same result; typed JSON events are read without a round trip
through text and keep their instants and their row-level errors."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from focus_rows import row, total, write
from spendscope.data.errors import ImportRejected
from spendscope.data.events import import_events_file
from spendscope.data.file_identity import FileIdentity
from spendscope.data.import_focus import import_focus
from spendscope.data.sql import json_or_repair, repair_json
from spendscope.data.store import Store

SPELLINGS = [
    '{"a":1}',
    ' {"a":1} ',
    '{"a":1}  ',
    '""{""a"":""b""}""',
    '"a": "b", "c": "d"',
    '"{""a"":1}"',
    "x",
    "",
    None,
    "{x}",
    '{"a":{"b":[1,2]}}',
    "[1,2]",
    '{"a": "}"}',
    "{ }",
    "{}",
    '{"a":1}{"b":2}',
]


def _same_size_other_middle(path: Path, old: str, new: str) -> None:
    """Replace the one occurrence of `old` (in the middle of the file) with `new` of the same length, and give the
    file back its modification time: same size, same first and last 64 KiB, same mtime, other content."""
    assert len(old) == len(new)
    data, was, now = path.read_bytes(), old.encode(), new.encode()
    at = data.index(was)
    assert data.count(was) == 1 and 70_000 < at < len(data) - 70_000
    stat = path.stat()
    path.write_bytes(data[:at] + now + data[at + len(was) :])
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_json_text_that_is_already_an_object_gives_what_the_repairs_give_for_every_spelling() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE v (t VARCHAR)")
    con.executemany("INSERT INTO v VALUES (?)", [[s] for s in SPELLINGS])
    rows = con.execute(
        f"SELECT t, CAST(CAST({repair_json('t')} AS JSON) AS VARCHAR), CAST({json_or_repair('t')} AS VARCHAR) "
        "FROM v"
    ).fetchall()
    assert len(rows) == len(SPELLINGS)
    for text, repaired, fast in rows:
        assert fast == repaired, text


def test_a_focus_file_whose_middle_changed_with_the_same_size_edges_and_time_replaces_the_rows_once(
    store: Store, tmp_path: Path
) -> None:
    rows = [row(1 + i % 28, f"{i}.125") for i in range(3000)]
    path = write(tmp_path / "export.csv", rows)
    before = FileIdentity.of(path)
    assert import_focus(store, path).rows_inserted == 3000
    _same_size_other_middle(path, "\n1500.125,acct-1,", "\n9500.125,acct-1,")  # BilledCost of row 1501
    after = FileIdentity.of(path)
    assert (after.size, after.quick) == (before.size, before.quick)
    result = import_focus(store, path)
    assert result.status == "ok"
    assert result.rows_replaced == 3000
    with store.reader() as con:
        count, billed = con.execute("SELECT count(*), sum(BilledCost) FROM costs").fetchall()[0]
    assert count == 3000
    assert billed == total(rows, "BilledCost") + Decimal(8000)
    assert import_focus(store, path).status == "duplicate"  # and the changed file, once imported, is known


def _events(n: int) -> list[dict[str, object]]:
    return [
        {
            "event_id": f"ev-{i:06d}",
            "ts": f"2026-11-{1 + i % 28:02d}T10:00:00+02:00",
            "provider": "openai",
            "model": "gpt-4o-mini",
            "input_tokens": 1000 + i,
            "output_tokens": 10,
            "latency_ms": 12.5,
            "tags": {"route": f"/r/{i % 7}"},
        }
        for i in range(n)
    ]


def _write_events(path: Path, events: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    return path


def test_an_events_file_imported_again_adds_nothing_and_a_changed_middle_adds_only_the_new_event(
    store: Store, tmp_path: Path
) -> None:
    path = _write_events(tmp_path / "events.jsonl", _events(3000))
    first = import_events_file(store, path)
    assert (first.status, first.rows_inserted) == ("ok", 3000)
    again = import_events_file(store, path)
    assert (again.status, again.rows_inserted) == ("duplicate", 0)
    before = FileIdentity.of(path)
    _same_size_other_middle(path, '"ev-001500"', '"ev-901500"')
    after = FileIdentity.of(path)
    assert (after.size, after.quick) == (before.size, before.quick)
    changed = import_events_file(store, path)
    assert (changed.status, changed.rows_inserted, changed.rows_skipped) == ("ok", 1, 2999)
    with store.reader() as con:
        count, ids, recorded = con.execute(
            "SELECT (SELECT count(*) FROM usage_events), (SELECT count(DISTINCT event_id) FROM usage_events), "
            "(SELECT count(*) FROM imports WHERE kind = 'events' AND files IS NOT NULL)"
        ).fetchall()[0]
    assert (count, ids, recorded) == (3001, 3001, 2)


def test_typed_event_times_keep_their_instant_and_numbers_their_values(store: Store, tmp_path: Path) -> None:
    events = _events(3)
    events[1]["input_tokens"] = 12.7  # a float where a count is expected: rounded, as the text path does
    import_events_file(store, _write_events(tmp_path / "e.jsonl", events))
    with store.reader() as con:
        got = con.execute(
            "SELECT event_id, epoch(ts), input_tokens, latency_ms FROM usage_events ORDER BY event_id"
        ).fetchall()
    expected_ts = [duckdb.sql(f"SELECT epoch(TIMESTAMPTZ '{e['ts']}')").fetchall()[0][0] for e in events]
    assert [g[1] for g in got] == expected_ts
    assert [g[2] for g in got] == [1000, 13, 1002]
    assert {g[3] for g in got} == {12.5}


def test_a_typed_event_time_outside_the_plausible_years_is_refused_with_its_row(
    store: Store, tmp_path: Path
) -> None:
    events = _events(5)
    events[3]["ts"] = "1900-01-01T00:00:00Z"
    with pytest.raises(ImportRejected) as err:
        import_events_file(store, _write_events(tmp_path / "e.jsonl", events))
    assert err.value.code == "import_rejected"
    assert "row 4, field ts" in str(err.value)
    with store.reader() as con:
        assert con.execute("SELECT count(*) FROM usage_events").fetchall()[0][0] == 0
