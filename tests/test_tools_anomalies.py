"""Anomalies: a synthetic bill with weekly seasonality, trend and injected spikes of known size; the detector's
expected vs actual, impact, severity and root cause are checked against values computed here. Then storage,
idempotent re-runs, feedback that suppresses the same pattern, the scheduler hand-off and typed errors."""

from __future__ import annotations

import datetime as dt
import statistics
from decimal import Decimal
from pathlib import Path

import pytest
from governance_series import START, make_store, weekly, write_events
from spendscope.data.errors import InvalidArgument, InvalidPeriod, NotFound, UnknownDimension
from spendscope.data.store import Store
from spendscope.tools.charts import chart_for
from spendscope.tools.costs.breakdown import Filter
from spendscope.tools.governance.anomalies import (
    AnomalyIdInput,
    DetectInput,
    ListAnomaliesInput,
    UpdateAnomalyInput,
    detect_anomalies,
    detect_new_anomalies,
    get_anomaly,
    list_anomalies,
    update_anomaly,
)

RERANK = ("OpenAI", "search", "rerank", "gpt-4o")
QUERY = ("OpenAI", "search", "query", "gpt-4o-mini")
ADS = ("Anthropic", "ads", "copy", "claude-sonnet-4-5")
OPS = ("Anthropic", "ops", "alerts", "claude-haiku-4-5")
DAYS = 84
SPIKE_DAY = 77


def series() -> dict:
    return {
        RERANK: weekly(300, 0.003, 0.03, seed=11),
        QUERY: weekly(200, 0.0, 0.03, seed=12),
        ADS: weekly(400, 0.0, 0.03, seed=13),
        OPS: weekly(10, 0.0, 0.03, seed=14),
    }


def day(i: int) -> dt.date:
    return START + dt.timedelta(days=i)


@pytest.fixture(scope="module")
def spiked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, dict]:
    """+$600 on search/rerank/gpt-4o on day 77, and a $4 wobble (+40%) on the $10/day ops series on day 80."""
    return make_store(
        tmp_path_factory.mktemp("anomalies"),
        series(),
        DAYS,
        extra={(RERANK, SPIKE_DAY): 600.0, (OPS, 80): 4.0},
    )


def spend(written: dict, i: int, pick=lambda key: True) -> float:  # noqa: ANN001
    return float(sum(v for (key, d), v in written.items() if d == day(i) and pick(key)))


def test_injected_spike_is_found_with_its_size_severity_and_root_cause(spiked: tuple[Store, dict]) -> None:
    store, written = spiked
    r = detect_anomalies(store, DetectInput(days=14, dry_run=True))
    assert r.run_id is None and r.data_through == day(DAYS - 1) and r.window_start == day(DAYS - 14)
    assert {a.start_day for a in r.anomalies} == {day(SPIKE_DAY)}, [a.explanation for a in r.anomalies]
    by_series = {(a.dimension, a.value): a for a in r.anomalies}
    assert set(by_series) == {
        ("team", "search"),
        ("feature", "rerank"),
        ("model", "gpt-4o"),
        ("provider", "OpenAI"),
        ("service", "OpenAI API"),
    }
    team = by_series[("team", "search")]
    assert team.direction == "spike" and team.days == 1 and team.end_day == day(SPIKE_DAY)
    assert team.actual == pytest.approx(spend(written, SPIKE_DAY, lambda k: k[1] == "search"), abs=1e-6)
    assert team.impact == pytest.approx(600, rel=0.1)
    assert team.expected == pytest.approx(team.actual - team.impact, abs=1e-6)
    # severity: impact against the median total day of the last 28 days, one tier up for +100% or more
    typical = statistics.median(spend(written, i) for i in range(DAYS - 28, DAYS))
    share = team.impact / typical
    tier = 3 if share >= 0.2 else 2 if share >= 0.05 else 1 if share >= 0.01 else 0
    tier = min(tier + (1 if team.relative_pct >= 200 else 0), 3)
    assert team.severity == ("low", "medium", "high", "critical")[tier]
    feature = {(rc.dimension, rc.value): rc for rc in team.root_cause if rc.source == "costs"}
    assert feature[("feature", "rerank")].share_pct > 95 and feature[("model", "gpt-4o")].share_pct > 95
    assert feature[("feature", "rerank")].impact == pytest.approx(team.impact, rel=0.1)
    assert "driven by" in team.explanation and "rerank" in team.explanation
    # one event seen in five series
    assert len({a.group_id for a in r.anomalies}) == 1 and r.anomalies[0].group_id is not None


def test_a_small_wobble_is_not_an_incident(spiked: tuple[Store, dict]) -> None:
    store, _ = spiked
    r = detect_anomalies(store, DetectInput(days=14, dry_run=True, dimensions=["team"]))
    assert ("team", "ops") not in {(a.dimension, a.value) for a in r.anomalies}
    loose = detect_anomalies(
        store, DetectInput(days=14, dry_run=True, dimensions=["team"], min_impact=1, min_relative_pct=10, z=3)
    )
    assert ("team", "ops") in {(a.dimension, a.value) for a in loose.anomalies}


def test_direction_and_scope_filters(spiked: tuple[Store, dict]) -> None:
    store, _ = spiked
    assert detect_anomalies(store, DetectInput(days=14, dry_run=True, direction="drop")).anomalies == []
    scoped = detect_anomalies(
        store,
        DetectInput(
            days=14, dry_run=True, dimensions=["feature"], filters=[{"dimension": "team", "values": ["ads"]}]
        ),
    )
    assert scoped.anomalies == [] and scoped.series_scanned == 1


def test_detection_is_idempotent_and_keeps_feedback(tmp_path: Path) -> None:
    store, _ = make_store(tmp_path, series(), DAYS, extra={(RERANK, SPIKE_DAY): 600.0})
    unscanned = list_anomalies(store, ListAnomaliesInput())
    # an empty list before any scan must not read as "nothing unusual"
    assert unscanned.total == 0 and "no anomaly scan is stored yet" in (unscanned.note or "")
    first = detect_anomalies(store, DetectInput(days=14))
    assert first.run_id and first.new == len(first.anomalies) == 5
    team = next(a for a in first.anomalies if a.dimension == "team")
    update_anomaly(
        store, UpdateAnomalyInput(anomaly_id=team.anomaly_id, action="acknowledge", reason="on it")
    )
    again = detect_anomalies(store, DetectInput(days=14))
    assert again.new == 0
    assert {a.anomaly_id for a in again.anomalies} == {a.anomaly_id for a in first.anomalies}
    kept = get_anomaly(store, AnomalyIdInput(anomaly_id=team.anomaly_id))
    assert kept.anomaly.status == "acknowledged" and kept.anomaly.status_reason == "on it"
    assert kept.anomaly.first_detected_at == team.first_detected_at
    assert list_anomalies(store, ListAnomaliesInput()).total == 5
    assert list_anomalies(store, ListAnomaliesInput(status=["open"])).total == 4
    assert list_anomalies(store, ListAnomaliesInput(dimension="team", value="SEARCH")).total == 1
    assert list_anomalies(store, ListAnomaliesInput()).note is None
    none = list_anomalies(
        store,
        ListAnomaliesInput(status=["resolved"], filters=[Filter(dimension="team", op="in", values=["ads"])]),
    )
    assert none.total == 0
    assert none.note and "status resolved" in none.note and "team = ads" in none.note
    assert str(day(DAYS - 1)) in none.note  # the last scan's data end, so a stale scan shows


def test_the_scheduler_gets_each_anomaly_once(tmp_path: Path) -> None:
    store, _ = make_store(tmp_path, series(), DAYS, extra={(RERANK, SPIKE_DAY): 600.0})
    handed = detect_new_anomalies(store, DetectInput(days=14))
    assert len(handed) == 5 and all(a.new and a.status == "open" for a in handed)
    assert detect_new_anomalies(store, DetectInput(days=14)) == []
    assert detect_new_anomalies(store, DetectInput(days=14), consumer="slack-digest") != []
    with pytest.raises(InvalidArgument):
        detect_new_anomalies(store, DetectInput(dry_run=True))


def test_a_past_anomaly_does_not_become_the_normal(tmp_path: Path) -> None:
    # +80% for ten days, then back: one anomaly, and its end is not a drop
    extra = {(ADS, i): 0.8 * weekly(400, 0.0, 0.03, seed=13)(i, day(i)) for i in range(60, 70)}
    store, _ = make_store(tmp_path, series(), DAYS, extra=extra)
    r = detect_anomalies(store, DetectInput(days=30, dry_run=True, dimensions=["feature"]))
    assert [(a.value, a.direction, a.start_day, a.end_day) for a in r.anomalies] == [
        ("copy", "spike", day(60), day(69))
    ]
    assert r.anomalies[0].relative_pct == pytest.approx(80, abs=8)


def test_expected_label_suppresses_the_same_pattern_only(tmp_path: Path) -> None:
    extra = {(RERANK, 63): 500.0, (RERANK, 70): 2000.0, (RERANK, 77): 550.0}
    store, _ = make_store(tmp_path, series(), DAYS, extra=extra)
    first = detect_anomalies(store, DetectInput(days=10, dimensions=["feature", "team"], as_of=day(64)))
    labelled = next(a for a in first.anomalies if a.dimension == "feature")
    out = update_anomaly(
        store,
        UpdateAnomalyInput(
            anomaly_id=labelled.anomaly_id, action="expected", reason="weekly batch re-index", actor="ana"
        ),
    )
    assert out.status == "expected"
    later = detect_anomalies(store, DetectInput(days=20, dimensions=["feature", "team"]))
    found = {(a.dimension, a.start_day): a for a in later.anomalies}
    fb = get_anomaly(store, AnomalyIdInput(anomaly_id=labelled.anomaly_id)).feedback[0]
    assert fb.action == "expected" and fb.pattern == "similar" and fb.valid_until == day(63 + 30)
    same = found[("feature", day(77))]  # same series, direction and size: suppressed
    assert same.status == "expected" and same.suppressed_by == fb.feedback_id and later.suppressed == 1
    assert found[("feature", day(70))].status == "open"  # 4x the labelled size: news
    assert found[("team", day(77))].status == "open"  # another series
    # reopening withdraws the label: the pattern no longer applies to new anomalies
    update_anomaly(store, UpdateAnomalyInput(anomaly_id=labelled.anomaly_id, action="reopen"))
    detail = get_anomaly(store, AnomalyIdInput(anomaly_id=labelled.anomaly_id))
    assert detail.anomaly.status == "open" and not detail.feedback[0].active


def test_noise_label_resolves_and_confirmed_acknowledges(tmp_path: Path) -> None:
    store, _ = make_store(tmp_path, series(), DAYS, extra={(RERANK, SPIKE_DAY): 600.0})
    r = detect_anomalies(store, DetectInput(days=14, dimensions=["feature", "team"]))
    feature = next(a for a in r.anomalies if a.dimension == "feature")
    team = next(a for a in r.anomalies if a.dimension == "team")
    assert (
        update_anomaly(store, UpdateAnomalyInput(anomaly_id=feature.anomaly_id, action="noise")).status
        == "resolved"
    )
    assert update_anomaly(
        store, UpdateAnomalyInput(anomaly_id=team.anomaly_id, action="confirmed")
    ).status == ("acknowledged")
    assert (
        update_anomaly(store, UpdateAnomalyInput(anomaly_id=team.anomaly_id, action="resolve")).status
        == "resolved"
    )


def test_show_has_the_series_against_its_baseline_and_a_chart(
    spiked: tuple[Store, dict], tmp_path: Path
) -> None:
    store, written = spiked
    copy = Store(tmp_path / "copy.duckdb")
    copy.path.write_bytes(store.path.read_bytes())
    r = detect_anomalies(copy, DetectInput(days=14, dimensions=["feature"]))
    d = get_anomaly(copy, AnomalyIdInput(anomaly_id=r.anomalies[0].anomaly_id))
    spike = next(p for p in d.series if p.day == day(SPIKE_DAY))
    assert spike.unusual and spike.actual == pytest.approx(
        spend(written, SPIKE_DAY, lambda k: k[2] == "rerank")
    )
    assert spike.expected == pytest.approx(spike.actual - d.anomaly.impact, abs=1e-4)
    assert sum(p.unusual for p in d.series) == 1
    spec = chart_for(d)
    assert spec is not None and spec["layer"][1]["data"]["values"][0]["day"] == str(day(SPIKE_DAY))


def test_customer_series_come_from_telemetry(tmp_path: Path) -> None:
    store, _ = make_store(tmp_path, series(), DAYS)
    events = []
    for i in range(DAYS):
        for customer, usual in (("acme", 40.0), ("globex", 60.0)):
            cost = usual * weekly(1.0, 0.0, 0.03, seed=hash(customer) % 100)(i, day(i))
            cost += 300.0 if (customer, i) == ("acme", 80) else 0.0
            events.append(
                {
                    "event_id": f"{customer}-{i}",
                    "ts": f"{day(i)}T12:00:00Z",
                    "provider": "openai",
                    "model": "gpt-4o",
                    "feature": "rerank",
                    "team": "search",
                    "customer": customer,
                    "estimated_cost": str(Decimal(str(round(cost, 6)))),
                }
            )
    write_events(store, tmp_path / "events.jsonl", events)
    r = detect_anomalies(store, DetectInput(days=10, dry_run=True, dimensions=["customer"]))
    assert [(a.value, a.source, a.measure, a.start_day) for a in r.anomalies] == [
        ("acme", "usage_events", "estimated_cost", day(80))
    ]
    assert r.anomalies[0].impact == pytest.approx(300, rel=0.1)


def test_missing_dimensions_are_skipped_with_a_reason(spiked: tuple[Store, dict]) -> None:
    store, _ = spiked
    r = detect_anomalies(store, DetectInput(days=7, dry_run=True))
    assert "customer" in r.skipped_dimensions and "customer" not in r.dimensions


def test_errors_are_typed(spiked: tuple[Store, dict], store: Store) -> None:
    spiked_store, _ = spiked
    with pytest.raises(UnknownDimension) as err:
        detect_anomalies(spiked_store, DetectInput(dry_run=True, dimensions=["squad"]))
    assert err.value.code == "unknown_dimension"
    with pytest.raises(InvalidPeriod) as err2:
        detect_anomalies(store, DetectInput())
    assert err2.value.code == "invalid_period"
    with pytest.raises(InvalidPeriod):
        detect_anomalies(spiked_store, DetectInput(dry_run=True, as_of=START - dt.timedelta(days=3)))
    with pytest.raises(NotFound) as err3:
        get_anomaly(spiked_store, AnomalyIdInput(anomaly_id="an-00000000"))
    assert err3.value.code == "not_found"
    with pytest.raises(NotFound):
        update_anomaly(spiked_store, UpdateAnomalyInput(anomaly_id="an-00000000", action="resolve"))


def test_label_arguments_are_checked(tmp_path: Path) -> None:
    store, _ = make_store(tmp_path, series(), DAYS, extra={(RERANK, SPIKE_DAY): 600.0})
    a = detect_anomalies(store, DetectInput(days=14, dimensions=["feature"])).anomalies[0]
    with pytest.raises(InvalidArgument):
        update_anomaly(
            store, UpdateAnomalyInput(anomaly_id=a.anomaly_id, action="acknowledge", pattern="weekly")
        )
    with pytest.raises(InvalidArgument):
        update_anomaly(
            store, UpdateAnomalyInput(anomaly_id=a.anomaly_id, action="expected", until=day(SPIKE_DAY - 1))
        )
    assert get_anomaly(store, AnomalyIdInput(anomaly_id=a.anomaly_id)).anomaly.status == "open"


def test_the_demo_labelled_anomalies_are_found(demo_store: Store) -> None:
    """Every labelled anomaly of the demo shows up on its own series or as the main driver of one (the
    bench/bench_anomalies.py scoring); most detections are labelled events."""
    r = detect_anomalies(demo_store, DetectInput(days=100, dry_run=True))
    with demo_store.reader() as con:
        labels = con.execute("SELECT day, end_day, dimension, value FROM anomaly_labels").fetchall()
    assert len(labels) == 5

    def hits(a, label) -> bool:  # noqa: ANN001
        first, last, dimension, value = label
        if a.start_day > last + dt.timedelta(days=1) or a.end_day < first - dt.timedelta(days=1):
            return False
        key = (dimension.lower(), value.lower())
        return (a.dimension, a.value.lower()) == key or any(
            (rc.dimension, rc.value.lower()) == key and (rc.share_pct or 0) >= 50 for rc in a.root_cause or []
        )

    assert all(any(hits(a, lab) for a in r.anomalies) for lab in labels)
    direct = {a.anomaly_id for a in r.anomalies if any(hits(a, lab) for lab in labels)}
    groups = {a.group_id for a in r.anomalies if a.anomaly_id in direct and a.group_id}
    true_positives = [a for a in r.anomalies if a.anomaly_id in direct or a.group_id in groups]
    assert len(true_positives) / len(r.anomalies) >= 0.8
