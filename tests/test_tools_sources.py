"""`spendscope sources` / list_sources: what each source holds and whether its feed stopped."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from fake_provider_apis import FakeAnthropic, FakeOpenAI, FakeServer
from focus_rows import row, write
from spendscope.data.errors import SourceError
from spendscope.data.import_focus import import_focus
from spendscope.data.import_gpu import import_gpu
from spendscope.data.otel import import_otel_file
from spendscope.data.settings import Settings
from spendscope.data.store import Store
from spendscope.data.sync_anthropic import sync_anthropic
from spendscope.data.sync_openai import sync_openai
from spendscope.tools.costs.sources import SourcesInput, list_sources
from spendscope.tools.registry import get_operation
from typer.testing import CliRunner

FIXTURES = Path(__file__).parent / "fixtures"
AS_OF = dt.datetime(2026, 11, 28, 12, tzinfo=dt.UTC)


@pytest.fixture
def filled(store: Store, tmp_path: Path) -> Store:
    import_focus(
        store, write(tmp_path / "focus.csv", [row(d, "1.50", month="2026-11") for d in range(1, 21)])
    )
    openai_api = FakeOpenAI()
    for i in range(8):
        openai_api.costs.append(
            {
                "day": dt.date(2026, 11, 20) + dt.timedelta(days=i),
                "amount": 2.0,
                "line_item": "gpt-4o-mini, input",
                "project_id": "proj_a",
            }
        )
    anthropic_api = FakeAnthropic()
    with FakeServer(openai_api.route) as o, FakeServer(anthropic_api.route) as a:
        s = Settings(
            db=store.path,
            keys_file=tmp_path / "k.yaml",
            openai_api_url=o.url,
            anthropic_api_url=a.url,
            OPENAI_ADMIN_KEY="sk-admin-good",
            ANTHROPIC_ADMIN_KEY="expired",
        )
        sync_openai(store, s, since=dt.date(2026, 11, 20), until=dt.date(2026, 11, 27))
        with pytest.raises(SourceError):
            sync_anthropic(store, s, since=dt.date(2026, 11, 20), until=dt.date(2026, 11, 27))
    import_gpu(store, FIXTURES / "gpu" / "nvidia-smi_query-gpu_h.csv", instance="i-1")
    import_otel_file(store, FIXTURES / "telemetry" / "otlp_traces.jsonl")
    return store


def test_each_source_reports_rows_range_last_import_and_freshness(filled: Store) -> None:
    report = list_sources(filled, SourcesInput(as_of=AS_OF))
    by = {s.source: s for s in report.sources}
    assert set(by) == {"focus", "openai_api", "anthropic_api", "nvidia-smi", "otel"}
    focus = by["focus"]
    assert (focus.table, focus.feed, focus.rows, focus.cadence_days) == ("costs", "import", 20, 1.0)
    assert focus.first_data == dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    assert focus.last_data == dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    assert focus.hours_since_data == 8 * 24 + 12 and focus.last_import_at is not None
    assert (focus.status, focus.note) == ("stopped", "no new data for 8 days; it used to arrive daily")
    sync = by["openai_api"]
    assert (sync.feed, sync.rows, sync.status) == ("sync", 8, "ok")
    assert sync.last_sync_at is not None and sync.hours_since_import is not None
    assert by["anthropic_api"].status == "error" and by["anthropic_api"].rows == 0
    assert "rejected the admin key" in by["anthropic_api"].last_error
    gpu = by["nvidia-smi"]
    assert (gpu.table, gpu.feed, gpu.rows, gpu.status) == ("gpu_samples", "gpu", 92, "ok")
    otel = by["otel"]
    assert (otel.table, otel.feed, otel.rows, otel.status) == ("usage_events", "telemetry", 4, "stopped")
    assert sorted(report.stopped) == ["anthropic_api", "focus", "otel"]


def test_a_daily_feed_is_fresh_within_the_threshold_and_the_threshold_is_configurable(filled: Store) -> None:
    fresh = list_sources(filled, SourcesInput(as_of=dt.datetime(2026, 11, 22, tzinfo=dt.UTC)))
    assert {s.source: s.status for s in fresh.sources}["focus"] == "ok"  # 2 days old: not more than 2
    lenient = list_sources(filled, SourcesInput(as_of=AS_OF, stale_after_days=10))
    assert {s.source: s.status for s in lenient.sources}["focus"] == "ok"


def test_an_empty_store_has_no_sources(store: Store) -> None:
    assert list_sources(store, SourcesInput(as_of=AS_OF)).sources == []


def test_list_sources_is_a_registered_operation() -> None:
    op = get_operation("list_sources")
    assert op.input_model is SourcesInput and not op.writes


def test_cli_sources_prints_json_and_a_table(filled: Store) -> None:
    from spendscope.cli import app

    out = CliRunner().invoke(
        app, ["sources", "--db", str(filled.path), "--json", "--as-of", "2026-11-28T12:00:00Z"]
    )
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    assert {s["source"]: s["status"] for s in doc["sources"]}["focus"] == "stopped"
    table = CliRunner().invoke(
        app, ["sources", "--db", str(filled.path), "--as-of", "2026-11-28"], env={"COLUMNS": "200"}
    )
    assert table.exit_code == 0, table.output
    # the table's width depends on the terminal; its closing line names the stopped feeds whatever the width
    assert "stopped or failing:" in table.output and "focus" in table.output.splitlines()[-1]
    assert "openai_api" in {s["source"] for s in doc["sources"]}
    assert "stopped or failing: anthropic_api, focus, otel" in table.output


def test_cli_sources_of_an_empty_store_say_nothing_has_written_yet(store: Store) -> None:
    from spendscope.cli import app

    table = CliRunner().invoke(app, ["sources", "--db", str(store.path)], env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.output
    assert "nothing has written to this store yet" in table.output


def test_the_counts_per_source_are_the_rows_of_each_table(demo_store: Store) -> None:
    """Issue 21, session 17: the rows are counted per source, import and time first (a bill repeats its charge
    times); what the answer reports must still be every row, and every day with data."""
    result = list_sources(demo_store, SourcesInput(as_of=AS_OF))
    with demo_store.reader() as con:
        expected = {
            (table, source): (n, first, last, days)
            for table, col, source_col in (
                ("costs", "ChargePeriodStart", "x_Source"),
                ("usage_events", "ts", "source"),
                ("gpu_samples", "ts", "source"),
            )
            for source, n, first, last, days in con.execute(
                f"SELECT coalesce({source_col}, '(unknown)'), count(*), min({col}), max({col}), "
                f"count(DISTINCT CAST({col} AS DATE)) FROM {table} GROUP BY 1"
            ).fetchall()
        }
    got = {(s.table, s.source): s for s in result.sources if s.rows}
    assert set(got) == set(expected)
    repeated = 0
    for key, (n, first, last, days) in expected.items():
        info = got[key]
        assert (info.rows, info.first_data, info.last_data) == (n, first, last), key
        repeated += n > days  # several rows a day: counted once per time before they are added up
    assert repeated and result.sources
