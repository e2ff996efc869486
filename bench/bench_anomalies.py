"""Benchmark the anomaly detector: precision and recall on the demo's labelled anomalies, and the time of a scan
of N series x D days against a plain DuckDB group-by over the same data, in the same run.

    .venv/bin/python bench/bench_anomalies.py [--series 5000] [--days 180] [--skip-scale] [--skip-demo]
        [--scan-rows] [--sum-always] [--batch-root-causes]

`--scan-rows` also times the scale scan with every statement reading the rows, as before session 6
(tools.governance.scan_rows.SUM_FIRST off), against the scan that sums the window once. `--sum-always` also times
it with the window summed even when the rows do not repeat and no rules apply, as session 6 did (SUM_ALWAYS on).
`--batch-root-causes` also times the full detect with one model call per root cause, as before session 7
(tools.governance.root_cause.BATCH_MODEL off), and prints the time spent in the root causes' model either way.

Scoring (docs/governance.md): a label counts as found when a detected anomaly overlaps its days (one day of
slack either side) on the label's own series, or on a series whose root cause puts at least half of the change
on the label's series (a team spike driven by the labelled feature). A detection is a true positive when it
found a label that way, or shares its event group with one that did; precision is counted per anomaly and per
event (an event = a group of anomalies that are one change seen in several series).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from spendscope.data.store import Store  # noqa: E402
from spendscope.tools.governance import root_cause as governance_root_cause  # noqa: E402
from spendscope.tools.governance import scan_rows as governance_scan_rows  # noqa: E402
from spendscope.tools.governance.anomalies import Anomaly, DetectInput, detect_anomalies  # noqa: E402


def _hits(a: Anomaly, label: tuple) -> bool:
    day, end_day, dimension, value = label[:4]
    if a.start_day > end_day + dt.timedelta(days=1) or a.end_day < day - dt.timedelta(days=1):
        return False
    if (a.dimension, a.value.lower()) == (dimension.lower(), value.lower()):
        return True
    return any(
        (rc.dimension, rc.value.lower()) == (dimension.lower(), value.lower())
        and rc.share_pct is not None
        and rc.share_pct >= 50
        for rc in a.root_cause or []
    )


def score(anomalies: list[Anomaly], labels: list[tuple]) -> dict[str, float]:
    found = {i for i, lab in enumerate(labels) if any(_hits(a, lab) for a in anomalies)}
    direct = {a.anomaly_id for a in anomalies if any(_hits(a, lab) for lab in labels)}
    good_groups = {a.group_id for a in anomalies if a.anomaly_id in direct and a.group_id}
    tp = [a for a in anomalies if a.anomaly_id in direct or (a.group_id and a.group_id in good_groups)]
    events = {a.group_id or a.anomaly_id for a in anomalies}
    good_events = {a.group_id or a.anomaly_id for a in tp}
    return {
        "labels": len(labels),
        "found": len(found),
        "recall": len(found) / len(labels) if labels else 0.0,
        "anomalies": len(anomalies),
        "true_positives": len(tp),
        "precision": len(tp) / len(anomalies) if anomalies else 0.0,
        "events": len(events),
        "true_events": len(good_events),
        "event_precision": len(good_events) / len(events) if events else 0.0,
    }


def bench_demo(folder: Path, days: int, seed: int, end: str, params: dict) -> None:
    from spendscope.data.demo import build_demo

    store = Store(folder / "demo.duckdb", lock_timeout=30)
    info = build_demo(store, end=end, days=days, seed=seed)
    t0 = time.perf_counter()
    result = detect_anomalies(store, DetectInput(days=info.days, **params))
    took = time.perf_counter() - t0
    with store.reader() as con:
        labels = con.execute(
            "SELECT day, end_day, dimension, value, kind FROM anomaly_labels ORDER BY day"
        ).fetchall()
    s = score(result.anomalies, labels)
    print(
        f"demo: {info.days} days to {info.end}, seed {seed}: {result.series_scanned} series, detection {took:.2f} s"
    )
    print(f"  recall    {s['found']}/{s['labels']} labels = {s['recall']:.2f}")
    print(
        f"  precision {s['true_positives']}/{s['anomalies']} anomalies = {s['precision']:.2f}; "
        f"{s['true_events']}/{s['events']} events = {s['event_precision']:.2f}"
    )
    for lab in labels:
        hit = [a for a in result.anomalies if _hits(a, lab)]
        print(
            f"  label {lab[4]:<18} {lab[2]}={lab[3]} {lab[0]}..{lab[1]}: "
            + (f"found by {len(hit)} anomal{'y' if len(hit) == 1 else 'ies'}" if hit else "MISSED")
        )
    for a in result.anomalies:
        if not any(_hits(a, lab) for lab in labels) and not (
            a.group_id
            and any(_hits(b, lab) for b in result.anomalies if b.group_id == a.group_id for lab in labels)
        ):
            print(
                f"  false positive: {a.dimension}={a.value} {a.start_day}..{a.end_day} "
                f"{a.impact:+,.2f} ({a.relative_pct}%) z {a.score:+.1f} {a.severity}"
            )


def generate(store: Store, series: int, days: int) -> int:
    """series x days rows of daily spend (weekly seasonality, trend, noise, 1% of series with a spike), one row per
    customer and day, written straight into `costs` (the importer is benchmarked elsewhere)."""
    store.ensure_schema()
    start = dt.date(2026, 1, 1)
    with store.writer() as con:
        con.execute("SELECT setseed(0.42)")
        con.execute(
            f"""
            INSERT INTO costs (ChargePeriodStart, ChargePeriodEnd, BilledCost, EffectiveCost, ListCost,
                               ProviderName, ServiceName, x_Model, ChargeCategory, BillingCurrency, Tags, x_Source)
            SELECT ts, ts + INTERVAL 1 DAY, c, c, c,
                   ['OpenAI', 'Anthropic', 'AWS', 'Google Cloud', 'Microsoft'][1 + s % 5],
                   ['OpenAI API', 'Claude API', 'Amazon Bedrock', 'Vertex AI', 'Azure OpenAI'][1 + s % 5],
                   'model-' || (s % 20), 'Usage', 'USD',
                   json_object('team', 'team-' || (s % 20), 'feature', 'feature-' || (s % 50),
                               'customer', 'cust-' || lpad(CAST(s AS VARCHAR), 5, '0')),
                   'bench'
            FROM (
                SELECT s, d, CAST(DATE '{start}' + CAST(d AS INTEGER) AS TIMESTAMPTZ) AS ts,
                       CAST((5 + (s * 7919) % 400)
                            * (1 + 0.002 * d)
                            * (CASE WHEN dayofweek(DATE '{start}' + CAST(d AS INTEGER)) IN (0, 6) THEN 0.7 ELSE 1 END)
                            * exp(0.08 * sqrt(-2 * ln(random() + 1e-12)) * cos(2 * pi() * random()))
                            * (CASE WHEN s % 100 = 7 AND d = {days} - 10 - s % 20 THEN 4 ELSE 1 END)
                            AS DECIMAL(38,10)) AS c
                FROM range({series}) a(s), range({days}) b(d)
            )
            """
        )
        return con.execute("SELECT count(*) FROM costs").fetchall()[0][0]


def _switched(module: object, flag: str, value: bool, store: Store, p: DetectInput) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process) of a detect with `module.flag` set to `value` (restored
    afterwards). On a loaded machine the CPU seconds are the steadier figure."""
    before = getattr(module, flag)
    setattr(module, flag, value)
    try:
        t0, c0 = time.perf_counter(), time.process_time()
        detect_anomalies(store, p)
        return time.perf_counter() - t0, time.process_time() - c0
    finally:
        setattr(module, flag, before)


def _t(took: tuple[float, float]) -> str:
    return f"{took[0]:.2f} s ({took[1]:.1f} CPU s)"


def _model_seconds() -> list[float]:
    """CPU seconds spent in the root causes' model (root_cause._model, a score_days call: numpy on one thread), one
    entry per call, from now on."""
    spent: list[float] = []
    real = governance_root_cause._model

    def timed(*args: object, **kwargs: object) -> object:
        t0 = time.process_time()
        try:
            return real(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            spent.append(time.process_time() - t0)

    governance_root_cause._model = timed  # type: ignore[assignment]
    return spent


def bench_scale(
    folder: Path,
    series: int,
    days: int,
    scan_rows: bool = False,
    sum_always: bool = False,
    batch_root_causes: bool = False,
) -> None:
    store = Store(folder / "scale.duckdb", lock_timeout=30)
    t0 = time.perf_counter()
    rows = generate(store, series, days)
    print(
        f"scale: {rows:,} rows ({series:,} customers x {days} days) generated in {time.perf_counter() - t0:.1f} s"
    )
    # the default materiality (1% of a typical day's total) is $10k+ here: ask for $25 per customer-day
    scan = DetectInput(days=days, dry_run=True, root_cause=False, min_impact=25)
    full = DetectInput(days=days, min_impact=25)
    with store.reader() as con:  # baseline: the same per-series daily sums as one plain group-by
        t0 = time.perf_counter()
        n = con.execute(
            "SELECT count(*) FROM (SELECT CAST(ChargePeriodStart AS DATE) AS day, ProviderName, ServiceName, x_Model, "
            "json_extract_string(Tags, '$.team') AS team, json_extract_string(Tags, '$.feature') AS feature, "
            "json_extract_string(Tags, '$.customer') AS customer, SUM(EffectiveCost) "
            "FROM costs GROUP BY GROUPING SETS ((day, ProviderName), (day, ServiceName), (day, x_Model), (day, team), "
            "(day, feature), (day, customer)))"
        ).fetchall()[0][0]
        base = time.perf_counter() - t0
    t0 = time.perf_counter()
    r = detect_anomalies(store, scan)
    t_scan = time.perf_counter() - t0
    # runs that work out root causes go before the stored detect: later runs reuse the stored root causes
    dry = full.model_copy(update={"dry_run": True})
    spent = _model_seconds()
    if batch_root_causes:  # the batched way first: any warm-up left counts against it
        batched = _switched(governance_root_cause, "BATCH_MODEL", True, store, dry)
        batched_model, batched_calls = sum(spent), len(spent)
        spent.clear()
        one_by_one = _switched(governance_root_cause, "BATCH_MODEL", False, store, dry)
        alone, calls = sum(spent), len(spent)
        spent.clear()
    if sum_always:
        forced = {
            name: _switched(governance_scan_rows, "SUM_ALWAYS", True, store, p)
            for name, p in (("scan", scan), ("full detect", dry))
        }
        again = _switched(governance_scan_rows, "SUM_ALWAYS", False, store, scan)  # warm, as the forced runs
        spent.clear()
    t0 = time.perf_counter()
    r2 = detect_anomalies(store, full)
    t_full = time.perf_counter() - t0
    model = sum(spent)
    injected = series // 100
    hit = {a.value for a in r.anomalies if a.dimension == "customer" and a.direction == "spike"}
    expected_hits = {f"cust-{s:05d}" for s in range(series) if s % 100 == 7}
    print(f"  plain DuckDB group-by of the same series ({n:,} series-days): {base:.2f} s")
    print(
        f"  anomaly scan ({r.series_scanned:,} series, no root cause, not stored): {t_scan:.2f} s "
        f"= {t_scan / base:.1f}x the group-by"
    )
    print(
        f"  full detect (root cause of the 50 largest, stored): {t_full:.2f} s = {t_full / base:.1f}x; "
        f"{len(r2.anomalies)} anomalies; root causes' model {model:.2f} CPU s"
    )
    if batch_root_causes:
        print(
            f"  full detect, not stored: root causes modelled together {_t(batched)}, model {batched_model:.2f} CPU "
            f"s in {batched_calls} calls; one by one (before) {_t(one_by_one)}, model {alone:.2f} CPU s in {calls} "
            f"calls: {alone / max(batched_model, 1e-9):.1f}x less model time; detect {one_by_one[1] / batched[1]:.2f}x "
            "less CPU"
        )
    if sum_always:
        print(
            f"  the window always summed (session 6): scan {_t(forced['scan'])}, full detect not stored "
            f"{_t(forced['full detect'])}; the scan again as now (summed when it pays): {_t(again)} = "
            f"{again[1] / forced['scan'][1]:.2f}x session 6's CPU"
        )
    if scan_rows:
        rows_way = {}
        for name, p in (("scan", scan), ("full detect", dry)):
            governance_scan_rows.SUM_FIRST = False
            try:
                t0 = time.perf_counter()
                detect_anomalies(store, p)
                rows_way[name] = time.perf_counter() - t0
            finally:
                governance_scan_rows.SUM_FIRST = True
        print(
            f"  the same reading the rows in every statement (before): scan {rows_way['scan']:.2f} s, "
            f"full detect {rows_way['full detect']:.2f} s"
        )
    print(
        f"  injected customer spikes found: {len(hit & expected_hits)}/{injected}; "
        f"other customer spikes flagged: {len(hit - expected_hits)}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--series", type=int, default=5000)
    ap.add_argument("--days", type=int, default=180)
    ap.add_argument("--demo-days", type=int, default=120)
    ap.add_argument("--demo-end", default="2026-10-31")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--skip-scale", action="store_true")
    ap.add_argument("--skip-demo", action="store_true")
    ap.add_argument("--scan-rows", action="store_true", help="also time the scan reading the rows (before)")
    ap.add_argument("--sum-always", action="store_true", help="also time the scan always summing (session 6)")
    ap.add_argument(
        "--batch-root-causes", action="store_true", help="also time root causes modelled one by one (before)"
    )
    ap.add_argument("--z", type=float, default=None)
    ap.add_argument("--min-impact", type=float, default=None)
    ap.add_argument("--min-relative", type=float, default=None)
    args = ap.parse_args()
    params = {
        k: v
        for k, v in {
            "z": args.z,
            "min_impact": args.min_impact,
            "min_relative_pct": args.min_relative,
        }.items()
        if v is not None
    }
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_demo:
            bench_demo(Path(tmp), args.demo_days, args.seed, args.demo_end, params)
        if not args.skip_scale:
            bench_scale(
                Path(tmp), args.series, args.days, args.scan_rows, args.sum_always, args.batch_root_causes
            )


if __name__ == "__main__":
    main()
