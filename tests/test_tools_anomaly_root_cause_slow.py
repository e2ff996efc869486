"""Detector blind round 22: what an anomaly names first when the change was slow (every narrower series' model
followed it) and when the change is untagged spend (a leaked key's calls carry no feature tag). Synthetic FOCUS
bills imported through the real importer; each test fails with its rule undone."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
from anomaly_cases import days, store_from_rows, usage
from spendscope.tools.costs.dimensions import query_source
from spendscope.tools.governance.anomalies import DetectInput, detect_anomalies
from spendscope.tools.governance.anomaly_detection import Anomaly
from spendscope.tools.governance.root_cause import named_cause, root_cause

START = dt.date(2026, 3, 2)  # a Monday
N = 120


def _line(level: float, seed: int, noise: float = 0.04) -> np.ndarray:
    return level * np.exp(np.random.default_rng(seed).normal(0, noise, N))


@pytest.mark.parametrize("seed", range(3))
def test_a_slow_climb_found_on_a_team_names_the_feature_that_climbed(tmp_path: Path, seed: int) -> None:
    """A team of three features; one climbs 3% a day for three weeks (x1.8), the others are flat, and the team is
    reported over the climb's last three days with a modest expected value. Each feature's own model followed
    the climb, so against those models the change spread over the features by their usual shares, every item was
    unchanged and the team named itself (round 21: pixelplay's ramp and price rise, hanbit's code-assist; round
    22: acme's email-copy). Against each feature's spend 3-6 weeks before, the one that climbed stands out."""
    climb = np.clip(np.arange(N) - 79, 0, 21)
    lines = {
        "captions": _line(900, seed) * 1.03**climb,
        "chat": _line(1200, seed + 10),
        "moderation": _line(700, seed + 20),
    }
    models = {"captions": "gemini-2.5-flash", "chat": "claude-haiku-4-5", "moderation": "gpt-4o-mini"}
    rows = [
        usage(d, float(y[i]), feature=f, team="consumer", model=models[f])
        for f, y in lines.items()
        for i, d in enumerate(days(START, N))
    ]
    store = store_from_rows(tmp_path, rows)
    idx = [98, 99, 100]
    actual = float(sum(y[idx].sum() for y in lines.values()))
    expected = actual - 0.15 * float(lines["captions"][idx].sum())
    a = Anomaly(
        anomaly_id="an-test",
        dimension="team",
        value="consumer",
        source="costs",
        measure="cost",
        direction="spike",
        start_day=START + dt.timedelta(days=idx[0]),
        end_day=START + dt.timedelta(days=idx[-1]),
        peak_day=START + dt.timedelta(days=idx[-1]),
        peak_impact=(actual - expected) / 3,
        days=3,
        actual=actual,
        expected=expected,
        impact=actual - expected,
        relative_pct=(actual / expected - 1) * 100,
        score=5.0,
        severity="medium",
        explanation="",
    )
    with store.reader() as con:
        a.root_cause = root_cause(con, a, [START + dt.timedelta(days=i) for i in idx], query_source(con))
    assert named_cause(a) == ("feature", "captions")


def test_calls_from_a_leaked_key_are_named_by_their_model_not_by_the_missing_feature(tmp_path: Path) -> None:
    """A key of team support leaks: calls to a model the company never used, tagged with the team but no feature,
    for six days. The team's alert named feature=(none) first (its share of the change equals the model's, and
    the feature is the more specific dimension); the model the unknown caller used says more."""
    rows = []
    chat = _line(1000, 1)
    for i, d in enumerate(days(START, N)):
        rows.append(usage(d, float(chat[i]), feature="chat", team="support"))
        if 100 <= i < 106:
            leak = usage(d, 700.0, feature="x", team="support", model="claude-opus-4-5", provider="Anthropic")
            leak["Tags"] = json.dumps({"team": "support"})
            rows.append(leak)
    store = store_from_rows(tmp_path, rows)
    r = detect_anomalies(store, DetectInput(days=30, dry_run=True, dimensions=["team"]))
    team = [a for a in r.anomalies if a.dimension == "team" and a.kind == "unusual"]
    assert team and named_cause(team[0]) == ("model", "claude-opus-4-5")


def test_a_commitment_that_expired_is_not_named_by_the_tag_its_fee_rows_lacked(tmp_path: Path) -> None:
    """Detector blind round 23 (tablica's GPU cluster): a line's base load ran on a commitment whose amortised fee
    rows carry no env tag; from day 100 every unit is on demand, on rows tagged env=prod (+39% on the line). The
    team's alert named env=prod (344% of the change, against (none) at -244%): that is how the rows are recorded,
    not what changed. The line itself is named."""
    rows = []
    use = _line(1000, 3)
    for i, d in enumerate(days(START, N)):
        on_demand = usage(d, float(use[i] - (700 if i < 100 else 0)), feature="tutor", team="learning")
        on_demand["Tags"] = json.dumps({"team": "learning", "feature": "tutor", "env": "prod"})
        rows.append(on_demand)
        if i < 100:
            rows.append(usage(d, 420.0, feature="tutor", team="learning"))
    store = store_from_rows(tmp_path, rows)
    r = detect_anomalies(store, DetectInput(days=30, dry_run=True, dimensions=["team"]))
    team = [a for a in r.anomalies if a.dimension == "team" and a.direction == "spike"]
    assert team and named_cause(team[0]) in {("feature", "tutor"), ("model", "gpt-4o")}
