"""`import events` refuses counts no request can have (negative tokens or requests) naming the row,
field and value; reads epoch times in any of the four units SDKs log; and says when an event id repeats with
different values (keeping the earliest drops the others)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from spendscope.data.errors import ImportRejected
from spendscope.data.events import import_events_file
from spendscope.data.store import Store

EVENT = {"event_id": "e1", "ts": "2026-10-01T10:00:00Z", "provider": "openai", "model": "gpt-4o"}
EVENT |= {"input_tokens": 1000, "output_tokens": 200, "team": "search"}


def _write(tmp_path: Path, events: list[dict], name: str = "events.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    return path


def _stored(store: Store, column: str) -> list:
    with store.reader() as con:
        return [r[0] for r in con.execute(f"SELECT {column} FROM usage_events ORDER BY event_id").fetchall()]


@pytest.mark.parametrize(
    ("field", "value"),
    [("input_tokens", -5), ("output_tokens", -2.0), ("requests", -1), ("cached_input_tokens", "-3")],
)
def test_impossible_counts_are_refused_naming_row_field_and_value(
    store: Store, tmp_path: Path, field: str, value: object
) -> None:
    events = [EVENT, {**EVENT, "event_id": "e2", field: value}]
    with pytest.raises(ImportRejected) as info:
        import_events_file(store, _write(tmp_path, events))
    assert f"row 2, field {field}: '{value}' is not a count (zero or more)" in str(info.value)
    assert _stored(store, "event_id") == []


def test_a_count_written_as_a_float_is_a_count(store: Store, tmp_path: Path) -> None:
    import_events_file(store, _write(tmp_path, [{**EVENT, "input_tokens": 1000.0, "output_tokens": 0.0}]))
    assert _stored(store, "input_tokens") == [1000]


def test_an_unparseable_time_is_named_with_its_value(store: Store, tmp_path: Path) -> None:
    with pytest.raises(ImportRejected, match=r"row 1, field ts: 'next tuesday' is not a time"):
        import_events_file(store, _write(tmp_path, [{**EVENT, "ts": "next tuesday"}]))


@pytest.mark.parametrize("scale", [1, 1_000, 1_000_000, 1_000_000_000])
def test_epoch_times_in_seconds_to_nanoseconds(store: Store, tmp_path: Path, scale: int) -> None:
    seconds = int(dt.datetime(2026, 10, 1, 10, 0, 0, tzinfo=dt.UTC).timestamp())
    import_events_file(store, _write(tmp_path, [{**EVENT, "ts": seconds * scale}]))
    (ts,) = _stored(store, "ts")
    assert ts.astimezone(dt.UTC) == dt.datetime(2026, 10, 1, 10, 0, 0, tzinfo=dt.UTC)


def test_a_number_that_is_no_plausible_epoch_is_refused(store: Store, tmp_path: Path) -> None:
    with pytest.raises(ImportRejected, match=r"field ts: '12345' is not a time"):
        import_events_file(store, _write(tmp_path, [{**EVENT, "ts": 12345}]))


def test_an_id_repeated_with_other_values_is_reported(store: Store, tmp_path: Path) -> None:
    events = [EVENT, {**EVENT, "input_tokens": 5}, {**EVENT, "event_id": "e2"}]
    result = import_events_file(store, _write(tmp_path, events))
    assert result.rows_inserted == 2
    assert any(
        "1 event ids appear more than once with different values (e.g. 'e1')" in w for w in result.warnings
    )


def test_a_resent_batch_is_not_a_conflict(store: Store, tmp_path: Path) -> None:
    events = [EVENT, {**EVENT, "event_id": "e2"}, EVENT]
    result = import_events_file(store, _write(tmp_path, events))
    assert result.rows_inserted == 2
    assert not any("more than once" in w for w in result.warnings)


def _csv(tmp_path: Path, times: list[str]) -> Path:
    path = tmp_path / "events.csv"
    rows = [f"{t},openai,gpt-4o-mini,100,10" for t in times]
    path.write_text("ts,provider,model,input_tokens,output_tokens\n" + "\n".join(rows) + "\n")
    return path


def test_slash_times_are_read_in_the_order_the_file_shows(store: Store, tmp_path: Path) -> None:
    """A 13th anywhere makes the whole file day first: 01/10/2026 is then 1 October, not 10 January."""
    result = import_events_file(store, _csv(tmp_path, ["01/10/2026 09:30", "13/10/2026 14:00"]))
    days = sorted(t.astimezone(dt.UTC).date() for t in _stored(store, "ts"))
    assert days == [dt.date(2026, 10, 1), dt.date(2026, 10, 13)]
    assert any("read day first (D/M/YYYY)" in w for w in result.warnings), result.warnings


def test_slash_times_that_read_either_way_are_read_month_first_with_a_warning(
    store: Store, tmp_path: Path
) -> None:
    result = import_events_file(store, _csv(tmp_path, ["01/10/2026 09:30", "02/10/2026 14:00"]))
    days = sorted(t.astimezone(dt.UTC).date() for t in _stored(store, "ts"))
    assert days == [dt.date(2026, 1, 10), dt.date(2026, 2, 10)]
    assert any("read either way" in w and "month first" in w for w in result.warnings), result.warnings


def test_slash_times_in_both_orders_are_refused(store: Store, tmp_path: Path) -> None:
    with pytest.raises(ImportRejected, match="dates in two orders"):
        import_events_file(store, _csv(tmp_path, ["13/10/2026 09:30", "10/13/2026 14:00"]))
    assert _stored(store, "ts") == []


def test_a_field_mixing_iso_text_and_epoch_numbers_is_read_line_by_line(store: Store, tmp_path: Path) -> None:
    """Two emitters writing one file: a `ts` in ISO text and in epoch milliseconds (and a `team` as text and as a
    number) makes the reader type the field JSON; strings are read without their JSON quotes (probe 28)."""
    when = dt.datetime(2026, 10, 1, 10, 0, 0, tzinfo=dt.UTC)
    events = [EVENT, {**EVENT, "event_id": "e2", "ts": int(when.timestamp() * 1000), "team": 7}]
    import_events_file(store, _write(tmp_path, events))
    assert [t.astimezone(dt.UTC) for t in _stored(store, "ts")] == [when, when]
    assert _stored(store, "team") == ["search", "7"]


def test_a_bad_time_in_a_mixed_field_is_named_as_the_file_writes_it(store: Store, tmp_path: Path) -> None:
    events = [{**EVENT, "ts": 1790000000}, {**EVENT, "event_id": "e2", "ts": "next tuesday"}]
    with pytest.raises(ImportRejected, match=r"row 2, field ts: 'next tuesday' is not a time"):
        import_events_file(store, _write(tmp_path, events))


@pytest.mark.parametrize("text", ["", "\n\n  \n"])
def test_an_empty_events_file_is_named_as_empty(store: Store, tmp_path: Path, text: str) -> None:
    """It read 'Binder Error: json_read expected records, but got non-record JSON instead'."""
    path = tmp_path / "events.jsonl"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ImportRejected, match="the file is empty \\(no events\\); nothing was imported"):
        import_events_file(store, path)
