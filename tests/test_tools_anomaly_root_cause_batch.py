"""The root causes of a scan are modelled together (tools.governance.root_cause.modelled_expected): one model call
over every anomaly's split series, laid on one calendar, gives the expected values of one call per root cause
(to 1e-9), so the scan's root causes are unchanged, on DuckDB and on embedded ClickHouse."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from backend_cases import differences, normalise
from governance_series import START, weekly, write_focus
from spendscope.data.import_focus import import_focus
from spendscope.data.store import Store
from spendscope.tools.access import LOCAL
from spendscope.tools.governance import root_cause
from spendscope.tools.invoke import invoke

DAYS = 98
SERIES = {  # (provider, team tag, feature tag, model) -> daily cost
    ("OpenAI", "search", "rerank", "gpt-4o"): weekly(300, 0.003, 0.03, seed=31),
    ("OpenAI", "search", "query", "gpt-4o-mini"): weekly(200, 0.0, 0.03, seed=32),
    ("Anthropic", "ads", "copy", "claude-sonnet-4-5"): weekly(400, 0.0, 0.03, seed=33),
    ("Anthropic", "ops", "alerts", "claude-haiku-4-5"): weekly(60, 0.001, 0.03, seed=34),
    ("AWS", "ops", "batch", "llama3-70b"): weekly(150, 0.0, 0.05, seed=35),
}
EXTRA = {  # anomalies on different days, so their root causes' histories start and end apart
    (("OpenAI", "search", "rerank", "gpt-4o"), 80): 700.0,
    (("Anthropic", "ops", "alerts", "claude-haiku-4-5"), 86): 250.0,
    **{(("Anthropic", "ads", "copy", "claude-sonnet-4-5"), d): -180.0 for d in range(90, DAYS)},
    (("AWS", "ops", "batch", "llama3-70b"), 95): 500.0,
}
PARAMS = {
    "days": 21,
    "as_of": (START + dt.timedelta(days=DAYS)).isoformat(),
    "dimensions": ["provider", "model", "team", "feature"],
    "holidays": "US",
}


def matrices(seed: int) -> list[tuple[np.ndarray, dt.date]]:
    """Series of different lengths and first days (Mondays and not), with NaN before a series' first day, zero
    days, a negative series (credits), spikes and a level shift."""
    rng = np.random.default_rng(seed)
    out = []
    for k, (first, width, rows) in enumerate(
        ((dt.date(2026, 3, 2), 140, 7), (dt.date(2026, 3, 16), 133, 5), (dt.date(2026, 2, 25), 161, 12))
    ):
        days = np.arange(width)
        y = 100 * (1 + k) * (1 + 0.3 * (days % 7 < 5)) * np.exp(rng.normal(0, 0.08, (rows, width)))
        y[0, width - 3] *= 5  # a spike
        y[1, width - 20 :] *= 0.4  # a level shift down
        y[2, : 10 + 5 * k] = np.nan  # a series that starts later
        y[3, ::9] = 0.0
        y[-1] = -np.abs(y[-1]) / 10  # credits
        out.append((y, first))
    return out


@pytest.mark.parametrize("cells", [root_cause.BATCH_CELLS, 2_000])
def test_modelling_root_causes_together_gives_the_values_of_one_call_each(
    monkeypatch: pytest.MonkeyPatch, cells: int
) -> None:
    monkeypatch.setattr(root_cause, "BATCH_CELLS", cells)  # 2,000: every matrix its own call but the first
    given = matrices(5)
    batched = root_cause.modelled_expected(given, "US")
    monkeypatch.setattr(root_cause, "BATCH_MODEL", False)
    alone = root_cause.modelled_expected(given, "US")
    assert len(batched) == len(alone) == len(given)
    for (y, _), b, a in zip(given, batched, alone, strict=True):
        assert b.shape == a.shape == y.shape
        assert np.array_equal(np.isnan(b), np.isnan(a))
        np.testing.assert_allclose(b, a, rtol=0, atol=1e-9, equal_nan=True)
        assert (~np.isnan(a)).sum() > y.size // 2  # the model has a baseline for most days


@pytest.fixture(scope="module")
def bill(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("rc-batch")
    write_focus(base / "bill.csv", SERIES, DAYS, extra=EXTRA)
    return base


def scan(store: Store, monkeypatch: pytest.MonkeyPatch, batch: bool) -> tuple[Any, list[float], int]:
    """The scan's normalised output; the largest difference between the batched and the one-call-per-root-cause
    expected values of its root causes' series; the number of root causes modelled."""
    real = root_cause.modelled_expected
    gaps: list[float] = []
    modelled: list[int] = []

    def spy(given: list[tuple[np.ndarray, dt.date]], country: str) -> list[np.ndarray]:
        out = real(given, country)
        with monkeypatch.context() as mp:
            mp.setattr(root_cause, "BATCH_MODEL", not root_cause.BATCH_MODEL)
            other = real(given, country)
        for a, b in zip(out, other, strict=True):
            assert np.array_equal(np.isnan(a), np.isnan(b))
            gaps.append(float(np.nanmax(np.abs(a - b), initial=0.0)))
        modelled.append(len(given))
        return out

    monkeypatch.setattr(root_cause, "BATCH_MODEL", batch)
    monkeypatch.setattr(root_cause, "modelled_expected", spy)
    out = invoke(store, "scan_anomalies", PARAMS, LOCAL).model_dump(mode="json")
    monkeypatch.setattr(root_cause, "modelled_expected", real)
    return normalise(out), gaps, sum(modelled)


@pytest.mark.parametrize("backend", ["duckdb", "chdb"])
def test_a_scan_with_batched_root_causes_answers_as_one_model_call_per_root_cause(
    bill: Path, monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    if backend == "chdb":
        pytest.importorskip("chdb", reason="the clickhouse extra (chdb) is not installed")
    url = str(bill / "s.duckdb") if backend == "duckdb" else f"chdb:{bill / 's-chdb'}"
    store = Store(url, lock_timeout=10)
    import_focus(store, bill / "bill.csv")
    batched, gaps, modelled = scan(store, monkeypatch, True)
    alone, _, _ = scan(store, monkeypatch, False)
    assert modelled >= 4, modelled  # several root causes, on different days
    assert gaps and max(gaps) <= 1e-9, gaps
    assert batched == alone, differences(batched, alone)
    starts = {a["start_day"] for a in batched["anomalies"] if a["root_cause"]}
    assert len(starts) >= 3, starts
    drivers = {
        (a["dimension"], a["value"]): [
            (it["dimension"], it["value"]) for it in a["root_cause"] if not it["unchanged"]
        ]
        for a in batched["anomalies"]
    }
    assert ("feature", "rerank") in drivers[("team", "search")], drivers
