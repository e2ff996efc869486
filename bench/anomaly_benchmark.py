"""Anomaly detection and forecasting measured on labelled synthetic companies (bench/anomaly_world.py), against
a baseline computed on the same data in the same run.

    .venv/bin/python bench/anomaly_benchmark.py [--set tuning|held_out|all|blind21|blind22|blind23|blind25|blind26|blind27|blind28] [--skip-forecast] [--skip-delay]
        [--skip-detection] [--verbose]

Detection, on each company (events) and its clean twin (same noise, no events), over the scored window (the
last 120 of 180 days):
- recall per event kind: an event is found when an anomaly on one of the series it moves (its feature, model,
  team, provider or service; for a hidden spike, the feature and its partner) overlaps its days (one day of
  slack; ramps and new models: up to 7 days after the climb), in its direction;
- alerts per month on the clean twins: alert groups (anomalies that overlap in time and direction count once,
  for both detectors) per 30.44 days;
- root cause first: for each found event, the matching anomaly with the largest impact names a cause first
  (its first informative root-cause item, else its own series); right when that is the event's feature or
  model (or, for a token-mix event, the token type);
- detection delay of a daily job: `detect --as-of` walked forward one day at a time from the event's first day;
  days until the first matching anomaly;
- baseline: 28-day same-weekday median (median of the same weekday 1..4 weeks before) with a robust z-score
  (1.4826 x MAD of the last 28 days' deviations), z >= 4, the same dollar and 20% floors; its root cause is
  the value of any other dimension with the largest dollar change.

Forecast, on each company's total and its five largest teams' spend from two origins (day 120 and day 150, 30 days ahead):
daily MAPE, 90% interval coverage of the days, and error of the 30-day total, for spendscope's forecast,
seasonal naive (last week repeated, intervals from week-on-week changes) and SARIMA(1,0,1)(0,1,1)7 (statsmodels).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from anomaly_world import DAYS, KINDS, WARMUP, Company, Event, companies  # noqa: E402
from spendscope.data.store import Store  # noqa: E402
from spendscope.tools.governance.anomalies import DetectInput, detect_anomalies  # noqa: E402

DIMENSIONS = ["provider", "service", "model", "team", "feature"]
DRILL = ["provider", "service", "model", "team", "feature", "token_type", "env", "charge_category"]
SCORED = DAYS - WARMUP


# ------------------------------------------------------------------------------------------------ stores


def write_store(path: Path, c: Company, rows: list[dict]) -> Store:
    store = Store(path, lock_timeout=30)
    store.ensure_schema()
    df = pd.DataFrame(rows)
    df["start"] = pd.to_datetime(df["day"]).dt.tz_localize("UTC")
    df["currency"] = c.currency
    with store.writer() as con:
        con.register("rows_df", df)
        con.execute(
            """
            INSERT INTO costs (ChargePeriodStart, ChargePeriodEnd, BilledCost, EffectiveCost, ListCost,
                               ProviderName, ServiceName, x_Model, x_TokenType, ChargeCategory, ChargeFrequency,
                               BillingCurrency, Tags, ResourceName, x_Source)
            SELECT start, start + INTERVAL 1 DAY, CAST(billed AS DECIMAL(38,10)), CAST(cost AS DECIMAL(38,10)),
                   CAST(billed AS DECIMAL(38,10)), provider, service, model, token_type, category, frequency,
                   currency, CAST(tags AS JSON), resource, 'bench'
            FROM rows_df
            """
        )
        con.unregister("rows_df")
    return store


# ---------------------------------------------------------------------------------------------- alerts


@dataclass
class Alert:
    dimension: str
    value: str
    direction: str
    start: dt.date
    end: dt.date
    impact: float
    cause: tuple[str, str]
    detail: str = ""


def _named_cause(a) -> tuple[str, str]:  # noqa: ANN001
    """What the anomaly names first (the detector's own rule when it has one, else its explanation's first
    driver, else its own series)."""
    try:
        from spendscope.tools.governance.root_cause import named_cause
    except ImportError:  # the detector before issue 15
        from spendscope.tools.governance.anomaly_detection import top_drivers

        drivers = top_drivers(a.root_cause or [], a.direction)
        if drivers:
            return (drivers[0].dimension, drivers[0].value.lower())
        return (a.dimension, a.value.lower())
    dim, value = named_cause(a)
    return (dim.removeprefix("tag:"), value.lower())  # a tag named like a built-in dimension: tag:region


def ours(store: Store, c: Company, root_cause: bool = True) -> tuple[list[Alert], float]:
    t0 = time.perf_counter()
    extra = {"root_cause_limit": 1000} if "root_cause_limit" in DetectInput.model_fields else {}
    r = detect_anomalies(
        store, DetectInput(days=SCORED, dry_run=True, dimensions=DIMENSIONS, root_cause=root_cause, **extra)
    )
    took = time.perf_counter() - t0
    alerts = [
        Alert(
            a.dimension,
            a.value.lower(),
            a.direction,
            a.start_day,
            a.end_day,
            a.impact,
            _named_cause(a),
            f"{a.dimension}={a.value} {getattr(a, 'kind', 'unusual')} {a.impact:+.0f}: "
            + "; ".join(
                f"{x.dimension}={x.value} {x.share_pct}%/{x.usual_share_pct}%{' u' if getattr(x, 'unchanged', False) else ''}"
                for x in (a.root_cause or [])[:4]
            ),
        )
        for a in r.anomalies
    ]
    return alerts, took


def _series(store: Store) -> tuple[dt.date, dict[tuple[str, str], np.ndarray], dict]:
    """Daily EffectiveCost per (dimension, value) and per (dimension, value, drill dimension, drill value)."""
    exprs = {
        "provider": "ProviderName",
        "service": "ServiceName",
        "model": "x_Model",
        "team": "json_extract_string(Tags, '$.team')",
        "feature": "json_extract_string(Tags, '$.feature')",
        "token_type": "x_TokenType",
        "env": "json_extract_string(Tags, '$.env')",
        "charge_category": "ChargeCategory",
    }
    with store.reader() as con:
        first = con.execute("SELECT min(CAST(ChargePeriodStart AS DATE)) FROM costs").fetchall()[0][0]
        cols = ", ".join(f"coalesce(CAST({e} AS VARCHAR), '(none)') AS {k}" for k, e in exprs.items())
        df = con.execute(
            f"SELECT CAST(ChargePeriodStart AS DATE) AS day, {cols}, CAST(EffectiveCost AS DOUBLE) AS v FROM costs"
        ).df()
    df["i"] = (pd.to_datetime(df["day"]) - pd.Timestamp(first)).dt.days
    series: dict[tuple[str, str], np.ndarray] = {}
    for dim in DIMENSIONS:
        for val, g in df.groupby(dim):
            y = np.zeros(DAYS)
            np.add.at(y, g["i"].to_numpy(), g["v"].to_numpy())
            series[(dim, str(val).lower())] = y
    return first, series, {"df": df}


def baseline(store: Store, z: float = 4.0) -> list[Alert]:
    first, series, extra = _series(store)
    df = extra["df"]
    total = np.zeros(DAYS)
    np.add.at(total, df["i"].to_numpy(), df["v"].to_numpy())
    typical = float(np.median(total[-28:]))
    min_impact = max(25.0, 0.01 * typical)
    alerts: list[Alert] = []
    for (dim, val), y in series.items():
        exp = np.full(DAYS, np.nan)
        for t in range(28, DAYS):
            exp[t] = np.median([y[t - 7 * k] for k in range(1, 5)])
        dev = y - exp
        flags = np.zeros(DAYS, bool)
        for t in range(56, DAYS):
            past = dev[t - 28 : t]
            mad = 1.4826 * np.median(np.abs(past - np.median(past)))
            scale = max(mad, 0.01 * abs(exp[t]) + 0.01)
            flags[t] = (
                abs(dev[t]) >= z * scale
                and abs(dev[t]) >= min_impact
                and abs(dev[t]) >= 0.2 * abs(exp[t])
                and t >= WARMUP
            )
        t = WARMUP
        while t < DAYS:
            if not flags[t]:
                t += 1
                continue
            u = t
            sign = dev[t] > 0
            while u + 1 < DAYS and (
                (flags[u + 1] and (dev[u + 1] > 0) == sign)
                or (u + 2 < DAYS and flags[u + 2] and (dev[u + 2] > 0) == sign)
            ):
                u += 1
            days = [d for d in range(t, u + 1) if flags[d]]
            impact = float(dev[days].sum())
            cause = _baseline_cause(df, dim, val, days, first)
            alerts.append(
                Alert(
                    dim,
                    val,
                    "spike" if sign else "drop",
                    first + dt.timedelta(days=t),
                    first + dt.timedelta(days=u),
                    impact,
                    cause,
                )
            )
            t = u + 1
    return alerts


def _baseline_cause(df: pd.DataFrame, dim: str, val: str, days: list[int], first: dt.date) -> tuple[str, str]:
    """The value of another dimension with the largest dollar change against its same-weekday median."""
    scope = df[df[dim].str.lower() == val]
    best, cause = -1.0, (dim, val)
    for other in DRILL:
        if other == dim:
            continue
        for v, g in scope.groupby(other):
            y = np.zeros(DAYS)
            np.add.at(y, g["i"].to_numpy(), g["v"].to_numpy())
            change = sum(y[d] - np.median([y[d - 7 * k] for k in range(1, 5)]) for d in days)
            if abs(change) > best:
                best, cause = abs(change), (other, str(v).lower())
    return cause


# --------------------------------------------------------------------------------------------- scoring


def _window(c: Company, ev: Event) -> tuple[dt.date, dt.date]:
    late = 7 if ev.kind in ("ramp", "new_model", "level_shift_up", "level_shift_down") else 1
    return c.day(ev.start) - dt.timedelta(days=1), c.day(ev.end) + dt.timedelta(days=late)


def matches(c: Company, ev: Event, a: Alert) -> bool:
    lo, hi = _window(c, ev)
    if a.start > hi or a.end < lo:
        return False
    key = (a.dimension, a.value)
    series = {(d, v.lower()) for d, v in ev.series}
    if key not in series and key not in {(d, v.lower()) for d, v in ev.opposite}:
        return False
    if ev.partner and key == ("feature", ev.partner.lower()):
        return True
    if key in {(d, v.lower()) for d, v in ev.opposite}:  # a move: the series it left goes the other way
        return a.direction != ev.direction
    return a.direction == ev.direction


def about(c: Company, ev: Event, hit: list[Alert]) -> Alert:
    """The matching alert that is most about this event: its direction, the best overlap of days (an alert that
    runs over several events is less about this one), then the largest impact."""
    lo, hi = c.day(ev.start), c.day(ev.end)

    def overlap(a: Alert) -> float:
        inter = (min(a.end, hi) - max(a.start, lo)).days + 1
        union = (max(a.end, hi) - min(a.start, lo)).days + 1
        return max(0, inter) / union

    same_way = [a for a in hit if a.direction == ev.direction] or hit
    return max(same_way, key=lambda a: (round(overlap(a), 1), abs(a.impact)))


def groups(alerts: list[Alert]) -> int:
    """Alerts that overlap in time and direction count once (for both detectors)."""
    spans = sorted((a.direction, a.start, a.end) for a in alerts)
    n, last = 0, {}
    for d, s, e in spans:
        if d in last and s <= last[d]:
            last[d] = max(last[d], e)
            continue
        n += 1
        last[d] = e
    return n


def score(c: Company, alerts: list[Alert]) -> dict:
    found, right, per_kind = 0, 0, {}
    for ev in c.events:
        hit = [a for a in alerts if matches(c, ev, a)]
        k = per_kind.setdefault(ev.kind, [0, 0])
        k[1] += 1
        if hit:
            found += 1
            k[0] += 1
            top = about(c, ev, hit)
            causes = {(d, v.lower()) for d, v in ev.causes}
            right += top.cause in causes
    unmatched = [a for a in alerts if not any(matches(c, ev, a) for ev in c.events)]
    return {
        "events": len(c.events),
        "found": found,
        "cause_right": right,
        "per_kind": per_kind,
        "unmatched": unmatched,
        "flat_alerts": sum(len(flat_alerts(c, ev, alerts)) for ev in c.events),
        "flat_events": sum(1 for ev in c.events if getattr(ev, "flat", None)),
    }


def flat_alerts(c: Company, ev: Event, alerts: list[Alert]) -> list[Alert]:
    """Alerts on a series an event leaves flat (a model migration: its feature, team and, within one provider,
    the provider's total) that overlap the event's window (blind22's labels; none elsewhere)."""
    flat = {(d, v.lower()) for d, v in getattr(ev, "flat", set())}
    lo, hi = _window(c, ev)
    return [a for a in alerts if (a.dimension, a.value) in flat and a.start <= hi and a.end >= lo]


def delay(store: Store, c: Company, ev: Event) -> int | None:
    """Days from the event's first day until a daily `detect --as-of` run reports it (None: not in 8 days)."""
    for k in range(0, 8):
        as_of = c.day(ev.start + k) + dt.timedelta(days=1)
        r = detect_anomalies(
            store,
            DetectInput(days=k + 2, as_of=as_of, dry_run=True, dimensions=DIMENSIONS, root_cause=False),
        )
        alerts = [
            Alert(a.dimension, a.value.lower(), a.direction, a.start_day, a.end_day, a.impact, ("", ""))
            for a in r.anomalies
        ]
        if any(matches(c, ev, a) for a in alerts):
            return k
    return None


# -------------------------------------------------------------------------------------------- forecast


def _sarima(y: np.ndarray, horizon: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = SARIMAX(y, order=(1, 0, 1), seasonal_order=(0, 1, 1, 7)).fit(disp=False)
        fc = fit.get_forecast(horizon)
        ci = np.asarray(fc.conf_int(alpha=0.1))
    return np.asarray(fc.predicted_mean), ci[:, 0], ci[:, 1]


def _naive(y: np.ndarray, horizon: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Last week repeated; 90% intervals from 1,000 paths of bootstrapped week-on-week changes."""
    last = y[-7:]
    mean = np.resize(last, horizon).astype(float)
    diffs = y[7:] - y[:-7]
    diffs = diffs - diffs.mean()
    rng = np.random.default_rng(0)
    paths = np.empty((1000, horizon))
    prev = np.tile(last, (1000, 1)).astype(float)
    for h in range(horizon):
        week = prev[:, h % 7] + rng.choice(diffs, size=1000)
        paths[:, h] = week
        prev[:, h % 7] = week
    lo, hi = np.quantile(np.maximum(paths, 0), [0.05, 0.95], axis=0)
    return mean, lo, hi


def forecast_scores(store: Store, c: Company) -> dict[str, list]:
    from spendscope.tools.costs.breakdown import Filter
    from spendscope.tools.governance.forecast import ForecastInput, forecast

    out: dict[str, list] = {"ours": [], "naive": [], "sarima": []}
    first, series, _ = _series(store)
    # each company's five largest teams, whatever it calls them (the blind worlds name their own teams)
    spend = {k[1]: float(v.sum()) for k, v in series.items() if k[0] == "team" and k[1] != "(none)"}
    teams = sorted(spend, key=lambda t: (-spend[t], t))[:5]
    scopes = [([], np.sum([series[k] for k in series if k[0] == "provider"], axis=0))]
    scopes += [
        ([Filter(dimension="team", values=[t])], series[("team", t)]) for t in teams if ("team", t) in series
    ]
    for origin in (120, 150):
        for filters, y in scopes:
            actual = y[origin : origin + 30]
            r = forecast(
                store,
                ForecastInput(filters=filters, horizon=30, as_of=first + dt.timedelta(days=origin), level=90),
            )
            mine = (
                np.array([p.value for p in r.points]),
                np.array([p.lower for p in r.points]),
                np.array([p.upper for p in r.points]),
            )
            for name, (m, lo, hi) in (
                ("ours", mine),
                ("naive", _naive(y[:origin], 30)),
                ("sarima", _sarima(y[:origin], 30)),
            ):
                nz = actual != 0
                out[name].append(
                    (
                        float(np.mean(np.abs(actual[nz] - m[nz]) / np.abs(actual[nz])) * 100),
                        float(np.mean((actual >= lo) & (actual <= hi)) * 100),
                        float(abs(m.sum() - actual.sum()) / abs(actual.sum()) * 100),
                    )
                )
    return out


# ------------------------------------------------------------------------------------------------ main


def run(
    which: str, skip_forecast: bool, skip_delay: bool, folder: Path, skip_detection: bool = False
) -> dict:
    t0 = time.perf_counter()
    comps = companies(which)
    print(f"\n== {which}: {', '.join(c.name for c in comps)} (generated in {time.perf_counter() - t0:.1f} s)")
    totals = {
        det: {
            "events": 0,
            "found": 0,
            "cause_right": 0,
            "per_kind": {},
            "clean_groups": 0,
            "clean_raw": 0,
            "flat_alerts": 0,
            "flat_events": 0,
        }
        for det in ("spendscope", "baseline")
    }
    delays: dict[str, list] = {"spendscope": [], "baseline": []}
    fc: dict[str, list] = {"ours": [], "naive": [], "sarima": []}
    months = 0.0
    took = 0.0
    for c in comps:
        s_ev = write_store(folder / f"{c.name}.duckdb", c, c.rows)
        if skip_detection:
            if not skip_forecast:
                for k, v in forecast_scores(s_ev, c).items():
                    fc[k].extend(v)
            continue
        s_cl = write_store(folder / f"{c.name}-clean.duckdb", c, c.clean_rows)
        mine, t = ours(s_ev, c)
        took += t
        mine_clean, t = ours(s_cl, c, root_cause=False)
        took += t
        base = baseline(s_ev)
        base_clean = baseline(s_cl)
        months += SCORED / 30.44
        for det, alerts, clean in (("spendscope", mine, mine_clean), ("baseline", base, base_clean)):
            s = score(c, alerts)
            T = totals[det]
            T["events"] += s["events"]
            T["found"] += s["found"]
            T["cause_right"] += s["cause_right"]
            T["flat_alerts"] += s["flat_alerts"]
            T["flat_events"] += s["flat_events"]
            for k, (f, n) in s["per_kind"].items():
                T["per_kind"].setdefault(k, [0, 0])
                T["per_kind"][k][0] += f
                T["per_kind"][k][1] += n
            T["clean_groups"] += groups(clean)
            T["clean_raw"] += len(clean)
            if det == "spendscope" and VERBOSE:
                for ev in c.events:
                    hit = [a for a in alerts if matches(c, ev, a)]
                    top = about(c, ev, hit) if hit else None
                    print(
                        f"  {c.name} {ev.label()}: "
                        + (
                            f"found; cause {top.cause} (want {sorted(ev.causes)}) [{top.detail}]"
                            if top
                            else "MISSED"
                        )
                        + "".join(
                            f" FLAT SERIES ALERT {a.dimension}={a.value} {a.direction} {a.start}..{a.end}"
                            for a in flat_alerts(c, ev, alerts)
                        )
                    )
                for a in clean:
                    print(
                        f"  {c.name} clean alert: {a.dimension}={a.value} {a.direction} {a.start}..{a.end} {a.impact:+.0f}"
                    )
        for ev in c.events:
            hit = [a for a in base if matches(c, ev, a)]
            if hit:
                delays["baseline"].append(max(0, (min(a.start for a in hit) - c.day(ev.start)).days))
            if not skip_delay and any(matches(c, ev, a) for a in mine):
                d = delay(s_ev, c, ev)
                if d is not None:
                    delays["spendscope"].append(d)
        if not skip_forecast:
            for k, v in forecast_scores(s_ev, c).items():
                fc[k].extend(v)
    if skip_detection:
        _print_forecast(which, fc)
    else:
        _print(which, totals, delays, fc, months, took)
    return {"totals": totals, "delays": delays, "forecast": fc, "months": months}


def _print(which: str, totals: dict, delays: dict, fc: dict, months: float, took: float) -> None:
    print(
        f"detection on {which} ({months:.1f} scored months per detector; spendscope scans took {took:.1f} s)"
    )
    print(f"  {'':<22}{'spendscope':>14}{'baseline':>14}")
    for kind in KINDS:
        cells = []
        for det in ("spendscope", "baseline"):
            f, n = totals[det]["per_kind"].get(kind, [0, 0])
            cells.append(f"{f}/{n}" if n else "-")
        print(f"  recall {kind:<15}{cells[0]:>14}{cells[1]:>14}")
    cells = [
        f"{totals[d]['found']}/{totals[d]['events']} = {totals[d]['found'] / max(1, totals[d]['events']):.0%}"
        for d in ("spendscope", "baseline")
    ]
    print(f"  {'recall (all events)':<22}{cells[0]:>14}{cells[1]:>14}")
    if totals["spendscope"]["flat_events"]:
        cells = [
            f"{totals[d]['flat_alerts']} on {totals[d]['flat_events']}" for d in ("spendscope", "baseline")
        ]
        print(f"  {'alerts on flat series':<22}{cells[0]:>14}{cells[1]:>14}")
    cells = [f"{totals[d]['clean_groups'] / months:.2f}" for d in ("spendscope", "baseline")]
    print(f"  {'clean alerts / month':<22}{cells[0]:>14}{cells[1]:>14}")
    cells = [f"{totals[d]['clean_raw'] / months:.2f}" for d in ("spendscope", "baseline")]
    print(f"  {'  (anomalies / month)':<22}{cells[0]:>14}{cells[1]:>14}")
    cells = [
        f"{totals[d]['cause_right']}/{totals[d]['found']} = {totals[d]['cause_right'] / max(1, totals[d]['found']):.0%}"
        for d in ("spendscope", "baseline")
    ]
    print(f"  {'root cause first':<22}{cells[0]:>14}{cells[1]:>14}")
    cells = [
        f"{np.median(delays[d]):.1f} / {np.mean(delays[d]):.1f}" if delays[d] else "-"
        for d in ("spendscope", "baseline")
    ]
    print(f"  {'delay days (med/mean)':<22}{cells[0]:>14}{cells[1]:>14}")
    _print_forecast(which, fc)


def _print_forecast(which: str, fc: dict) -> None:
    if fc["ours"]:
        print(
            f"forecast on {which} ({len(fc['ours'])} forecasts of 30 days: totals and teams, origins day 120 and 150)"
        )
        print(f"  {'':<22}{'MAPE %':>10}{'coverage %':>12}{'30d total err %':>17}")
        for name, label in (("ours", "spendscope"), ("naive", "seasonal naive"), ("sarima", "SARIMA")):
            arr = np.array(fc[name])
            print(f"  {label:<22}{arr[:, 0].mean():>10.1f}{arr[:, 1].mean():>12.1f}{arr[:, 2].mean():>17.1f}")


VERBOSE = False


def main() -> None:
    global VERBOSE
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--set",
        default="all",
        choices=[
            "tuning",
            "held_out",
            "all",
            "blind21",
            "blind22",
            "blind23",
            "blind25",
            "blind26",
            "blind27",
            "blind28",
        ],
    )
    ap.add_argument("--skip-forecast", action="store_true")
    ap.add_argument("--skip-delay", action="store_true")
    ap.add_argument("--skip-detection", action="store_true")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    VERBOSE = args.verbose
    sets = ["tuning", "held_out"] if args.set == "all" else [args.set]
    with tempfile.TemporaryDirectory() as tmp:
        for which in sets:
            sub = Path(tmp) / which
            sub.mkdir()
            run(which, args.skip_forecast, args.skip_delay, sub, args.skip_detection)


if __name__ == "__main__":
    main()
