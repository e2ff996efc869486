"""The detector's model of a normal day, run forward over a matrix of daily series (rows: series, columns:
calendar days), vectorised over series (docs/analytics.md explains it for analysts).

Spend is modelled on log(spend + c), c = max($1, 5% of the series' median day), so patterns and deviations are
ratios. For each day t, from the days before t only:

- level L = median of the 7 days before t (seven consecutive days hold every weekday once, so the level does
  not depend on which weekday the history starts on), moved 4 days along the trend (median of the last three
  week-on-week changes of that median);
- weekday effect = median over the last 6 same calendar weekdays of (value - level that day);
- expected = L + weekday effect; a quiet day (public holiday, or a bridge day between a holiday and a weekend)
  is judged against the range of the series' week, widened by how its own earlier quiet days went (median of
  the last HOLIDAY_MEMORY, when it has seen two): a drop from the quietest of them, a rise from the busiest (an
  office tool runs below a Sunday on Chuseok, a consumer app above a Saturday at Christmas); a holiday on a
  weekend, once the series has that memory, from the busier weekend day or its holidays, never a working day;
  a public holiday on a working day the same way when the memory says its holidays run at a weekend's level or
  below (a bridge day, often worked, is still measured from the busiest day); and the day never shapes the pattern (in the first weeks, before there is a level to put in its place, it is left out);
- noise scale = 1.4826 x MAD of the one-step residuals of the last 56 ordinary days (unusual, masked and quiet
  days left out: with them in, a nine-day level shift doubled its own yardstick);
- a weekly test: the last 7 days' total against the forecast made 7 days earlier (level, trend and weekday
  effects frozen then), quiet days left out of both (they are judged on their own), scaled by the MAD of that
  ratio over past weeks; it catches ramps and level shifts that creep up by a few percent a day;
- a slow-leak test (`_slow_leak`): the week's level against the median level of 3-5 weeks before, moved by the
  series' own growth before that, for a rise that climbed three weeks running and held five days; it catches leaks
  of 2-4% a day that the trend (up to 1.5% a day) and the weekly test follow;
- a run test: three days running each at least RUN_Z robust scales above expected and past the floors, together as
  far off as one day past z (the sum of their z over the root of three), none of the first two unusual on its own:
  a loop in a small copy of a feature or a cluster left up for a few days, each day a third off;
- unusual days (|z| >= exclude_z, the weekly test, the run test or the slow-leak test) are replaced by their expected value in the history for
  up to `mask_days` days, so an event does not become the normal; when the series returns to the level it had
  before the event, that return is the end of the event, not an anomaly the other way; an event that outlasted
  its masking (its later days entered the history) then has its days rewritten in the history at the pre-event
  level, while a shorter one, masked all along, leaves the history as it is;
- a month-position check: a day that deviates like the same position of the previous months (same day of month,
  same n-th working day, or the same one of the last three working days) in at least two of the last three
  months, by a similar amount (near its earlier size, or that size grown as the series has since), is a recurring monthly pattern (a
  month-start batch job, a month-end close), explained rather than reported;
- a series that spends on some days and not others at random (no spend on a quarter of its last 28 days, on
  weekdays that spent on other weeks) is judged on its own days with spend: a spike when z robust scales above
  their median, never a drop (the log model, averaged over days with and without spend, read each active day as
  a spike and each empty one as a drop);
- a weekday off the same way four weeks running (and nothing else off that way between) is a wrong weekday
  effect, not three events: the day and the earlier ones masked against that effect enter the history as they
  were.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from spendscope.tools.governance.calendar import Calendar, same_position_days

SEASON = 7
WEEKS = 6
SCALE_DAYS = 56
MIN_RESIDUALS = 14
WEEKLY_DAY_Z = 1.5  # a day flagged by the weekly test must itself be this far off, the same way
MAX_TREND = 0.015  # log change per day: at most about +-1.5% a day is extrapolated
RECURRING_GROWTH = 1.5  # a month-position pattern explains a day within 1.5x of its earlier size
RECOVERY_DAYS = 28  # after an event, a return to the pre-event level within this many days is its end
HOLIDAY_MEMORY = 8  # earlier quiet days whose level a quiet day may be judged by
SPARSE_ZERO_DAYS = 7  # days without spend, of the last 28, that make a series with random gaps sparse
SPARSE_MIN_ACTIVE = 6  # days with spend, of the last 56, a sparse series' day is judged against
PATTERN_WEEKS = 3  # a weekday off the same way on this many weeks before (and now) is a wrong weekday effect
LEAK_BACK = (3, 4, 5)  # weeks back whose levels' median is the slow-leak test's baseline
LEAK_CLIMB_WEEKS = 3  # a leak climbed faster than the series' own growth in each of this many weeks
LEAK_HOLD_DAYS = 5  # and its week was above the baseline on each of this many days running
# the comparison's scale is at least what the daily noise alone makes of it: a week's median of 7 days strays
# about 1.25 / sqrt(7) of the daily scale, and the week less twice the baseline plus the older one about sqrt(3)
# times that (the MAD of 56 overlapping weekly comparisons alone can be far smaller)
LEAK_NOISE = 0.8
RUN_DAYS = 3  # a run of this many days above expected, each past RUN_Z, is judged together
RUN_Z = 2.5


@dataclass
class DayScores:
    expected: np.ndarray  # dollars (NaN: no baseline yet)
    dev: np.ndarray  # dollars, actual - expected (quiet days: against the nearer edge of their range)
    score: np.ndarray  # robust z of the day, log scale
    flags: np.ndarray  # unusual days to report
    explained: np.ndarray  # looked unusual, explained by the calendar (quiet day, monthly recurrence)
    recovered: np.ndarray  # the end of an earlier event (back to the pre-event level)


Gate = Callable[..., np.ndarray]  # (actual $, expected $, factor=1.0) -> passes factor x the dollar/% floors


def _median_rows(a: np.ndarray) -> np.ndarray:
    """NaN-ignoring median of each row (NaN for an all-NaN row), by sorting: NaN sorts last. Indexed directly
    rather than through np.clip and np.take_along_axis: the detector calls this thousands of times on a few rows,
    where those wrappers' overhead was most of its time."""
    rows, width = a.shape
    if not width:
        return np.full(rows, np.nan)
    ordered = np.sort(a, axis=1)
    n = width - np.isnan(a).sum(axis=1)
    at = np.arange(rows)
    out = (ordered[at, np.maximum((n - 1) // 2, 0)] + ordered[at, n // 2]) / 2
    return np.where(n > 0, out, np.nan)


def _mad_scale(r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    center = _median_rows(r)
    mad = _median_rows(np.abs(r - center[:, None]))
    return 1.4826 * mad, (~np.isnan(r)).sum(axis=1)


def score_days(
    y: np.ndarray,
    cal: Calendar,
    gate: Gate,
    *,
    z: float,
    direction: str = "both",
    exclude_z: float | None = None,
    weekly_z: float | None = None,
    mask_days: int = 21,
) -> DayScores:
    """Expected value, deviation, z-score and flags of every day of every series (see the module text)."""
    y = np.atleast_2d(np.asarray(y, dtype=float))
    n, t_len = y.shape
    exclude_z = z if exclude_z is None else exclude_z
    weekly_z = z if weekly_z is None else weekly_z
    with np.errstate(invalid="ignore", all="ignore"):
        filled = np.where(np.isnan(y), 0.0, y)
        nonneg = ~(filled.min(axis=1) < 0) if t_len else np.ones(n, bool)
        pos = np.where(y > 0, y, np.nan)
        med = np.nan_to_num(_median_rows(pos)) if t_len else np.zeros(n)
        offset = np.where(nonneg, np.maximum(1.0, 0.05 * med), 0.0)
        # a series with credits (offset 0) is modelled as it is: its log, computed alongside, is not used
        ly = np.where(nonneg[:, None], np.log(np.maximum(filled, 0.0) + offset[:, None]), filled)
    ly[np.isnan(y)] = np.nan
    # column-major: the loop below reads and writes one day (a column) of every series at a time; the arrays
    # made from ly follow its layout (the arithmetic, and so every figure, is the same bit for bit)
    ly, y = np.asfortranarray(ly), np.asfortranarray(y)

    def dollars(v: np.ndarray) -> np.ndarray:
        if v.ndim == 2:
            return np.where(nonneg[:, None], np.exp(v) - offset[:, None], v)
        return np.where(nonneg, np.exp(v) - offset, v)

    hist = np.full_like(ly, np.nan)
    med7 = np.full_like(ly, np.nan)
    level = np.full_like(ly, np.nan)
    trend = np.zeros_like(ly)
    resid = np.full_like(ly, np.nan)  # one-step residuals of ordinary days (the noise yardstick)
    expected = np.full_like(ly, np.nan)
    scale = np.full_like(ly, np.nan)
    flags = np.zeros(ly.shape, bool)
    explained = np.zeros(ly.shape, bool)
    recovered = np.zeros(ly.shape, bool)
    dev_log = np.full_like(ly, np.nan)
    effect0 = np.full_like(ly, np.nan)  # the weekday effect each day was expected with
    exp7 = np.full_like(ly, np.nan)  # 7-day total forecast made 7 days earlier (dollars), by window end
    r7 = np.full_like(ly, np.nan)  # log ratio of actual to that forecast, ordinary windows only
    wlev = np.full_like(ly, np.nan)  # the week's level: median of its ordinary days less weekday effects
    rlk = np.full_like(ly, np.nan)  # the week's level against the slow-leak baseline, ordinary days only
    above = np.zeros(
        ly.shape, bool
    )  # days whose week was above the slow-leak baseline (past its z and floors)
    run_start = np.full(n, -(10**6))
    became_normal = np.zeros(n, bool)  # the latest event outlasted its masking and entered the history
    last_sus = np.full(n, -(10**6))
    pre_level = np.full(n, np.nan)  # the level before the latest event
    pre_dir = np.zeros(n)
    pre_until = np.full(n, -(10**6))
    quiet = cal.quiet
    quiet_dev = np.full_like(ly, np.nan)  # quiet days: value - level (log)
    seen_quiet: list[int] = []
    sus_sign = np.zeros_like(ly)  # the direction of each day's daily-z suspicion (0: none), per series
    effects_ahead: list[np.ndarray] | None = None  # the weekday effects of days t-1 .. t+5, made at step t-1
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        for t in range(t_len):  # days (a few hundred), each step vectorised over all series
            if t >= SEASON:
                window = hist[:, t - SEASON : t]
                usable = (~np.isnan(window)).sum(axis=1) == SEASON
                week_mean = np.sum(np.where(np.isnan(window), 0.0, window), axis=1) / SEASON
                med7[:, t] = np.where(usable, week_mean, med7[:, t - 1])
            slopes = np.stack(
                [
                    (med7[:, t - SEASON * j] - med7[:, t - SEASON * (j + 1)]) / SEASON
                    if t - SEASON * (j + 1) >= 0
                    else np.full(n, np.nan)
                    for j in range(3)
                ],
                axis=1,
            )
            trend[:, t] = np.clip(np.nan_to_num(_median_rows(slopes)), -MAX_TREND, MAX_TREND)
            lv = med7[:, t] + 4.0 * trend[:, t]
            level[:, t] = np.where(nonneg, np.maximum(lv, np.log(offset)), lv)

            def weekday_effect(day: int, now: int) -> np.ndarray:
                past = [
                    hist[:, day - SEASON * k] - level[:, day - SEASON * k]
                    for k in range(1, WEEKS + 1)
                    if 0 <= day - SEASON * k < now
                ]
                return _median_rows(np.stack(past, axis=1)) if past else np.full(n, np.nan)

            # t, t+1, ..., t+6 (each weekday once). Day t+h's effect reads the same past days at step t as at
            # step t-1 (all before t-1 for h < 6), which no step changes unless a recovery rewrites the history
            # below: the previous step's effects are reused, and only day t+6's is new
            if effects_ahead is None:
                effects = [weekday_effect(t + h, t) for h in range(SEASON)]
            else:
                effects = effects_ahead[1:] + [weekday_effect(t + SEASON - 1, t)]
            effects_ahead = effects
            e = level[:, t] + effects[0]
            effect0[:, t] = effects[0]
            week_effects = np.stack(effects, axis=1)
            # the forecast of the next 7 days made now (for the weekly test of the window ending at t+6); its
            # quiet days are left out of the forecast and of the actual total alike (they are judged on their own)
            if t + SEASON - 1 < t_len:
                fc = np.stack([level[:, t] + trend[:, t] * h + effects[h] for h in range(SEASON)], axis=1)
                counted = ~quiet[t : t + SEASON]
                exp7[:, t + SEASON - 1] = np.sum((np.exp(fc) - offset[:, None])[:, counted], axis=1)
            r = resid[:, max(0, t - SCALE_DAYS) : t]
            sc, count = _mad_scale(r) if r.shape[1] else (np.full(n, np.nan), np.zeros(n, int))
            sc = np.maximum(np.nan_to_num(sc), 0.01)
            ok = (count >= MIN_RESIDUALS) & ~np.isnan(e) & ~np.isnan(ly[:, t])
            expected[:, t] = np.where(ok, e, np.nan)
            scale[:, t] = np.where(ok, sc, np.nan)
            x = ly[:, t]
            raw_d = x - e
            d = raw_d
            is_quiet = bool(quiet[t])
            if is_quiet:  # a holiday is measured from the edge of the week and of its earlier holidays
                past_q = quiet_dev[:, seen_quiet[-HOLIDAY_MEMORY:]]
                known = (~np.isnan(past_q)).sum(axis=1) >= 2
                learned = np.where(known, _median_rows(past_q), np.nan) if seen_quiet else np.full(n, np.nan)
                low = level[:, t] + np.fmin(np.fmin.reduce(week_effects, axis=1), learned)
                # a holiday on a weekend is a day off either way: once the series has a memory of its holidays, it
                # runs like either weekend day or like those, never like a working day (a rise is measured from the
                # busier of those); without one, from the busiest day of the week (a consumer app may be busier on
                # holidays than on any weekend day)
                top = np.fmax.reduce(week_effects, axis=1)
                days_off = [h for h in range(SEASON) if (int(cal.weekday[t]) + h) % SEASON in cal.weekend]
                weekend_top = np.fmax.reduce(week_effects[:, days_off], axis=1)
                if cal.weekday[t] in cal.weekend:
                    top = np.where(known, weekend_top, top)
                elif cal.holiday[
                    t
                ]:  # a public holiday on a working day (not a bridge day, often worked), for a
                    # series whose own holidays run at a weekend's level or below
                    top = np.where(known & (learned <= weekend_top), weekend_top, top)
                high = level[:, t] + np.fmax(top, learned)
                d = np.where(x < low, x - low, np.where(x > high, x - high, 0.0))
                d = np.where(np.isnan(low) | np.isnan(high), raw_d, d)
            dev_log[:, t] = np.where(ok, d, np.nan)
            zt = d / sc
            # weekly test over the 7 days ending at t
            wk = np.zeros(n, bool)
            if t >= SEASON - 1 and not np.all(np.isnan(exp7[:, t])):
                counted = ~quiet[t - SEASON + 1 : t + 1]
                week = y[:, t - SEASON + 1 : t + 1][:, counted]
                act7 = np.sum(np.where(np.isnan(week), 0.0, week), axis=1)
                k = counted.sum()
                ratio = np.log((np.maximum(act7, 0) + k * offset) / (np.maximum(exp7[:, t], 0) + k * offset))
                past7 = r7[:, max(0, t - SCALE_DAYS) : t - SEASON + 1]
                s7, c7 = _mad_scale(past7) if past7.shape[1] else (np.full(n, np.nan), np.zeros(n, int))
                s7 = np.maximum(np.nan_to_num(s7), 0.01)
                z7 = ratio / s7
                wk = (
                    ok
                    & (c7 >= MIN_RESIDUALS)
                    & nonneg
                    & (np.abs(z7) >= weekly_z)
                    & (np.sign(z7) == np.sign(d))
                )
                wk &= gate(act7, exp7[:, t])
                recent = flags[:, t - SEASON + 1 : t] | (
                    np.abs(np.nan_to_num(dev_log[:, t - SEASON + 1 : t])) >= exclude_z * sc[:, None]
                )
                wk &= ~recent.any(axis=1)  # a week holding unusual days is the daily test's business
                r7[:, t] = np.where(ok & ~recent.any(axis=1) & ~wk & ~np.isnan(ratio), ratio, np.nan)
            leak = _slow_leak(
                t,
                ly,
                effect0,
                quiet,
                (wlev, rlk, above),
                flags,
                ok & nonneg & (d > 0),
                (weekly_z, sc),
                gate,
                dollars,
            )
            # a short run: RUN_DAYS days running each RUN_Z or more above expected (and past the floors), together
            # as far off as one day past z (their z-scores' sum over the root of their number): a cluster left up
            # over a few days, a loop in a small copy of a feature, each day a third off where one day is missed
            if t >= RUN_DAYS - 1:
                zr = dev_log[:, t - RUN_DAYS + 1 : t + 1] / scale[:, t - RUN_DAYS + 1 : t + 1]
                before = flags[:, t - RUN_DAYS + 1 : t] | (
                    np.abs(np.nan_to_num(dev_log[:, t - RUN_DAYS + 1 : t])) >= exclude_z * sc[:, None]
                )
                run = (
                    ok
                    & ~before.any(axis=1)  # a run holding an unusual day is the daily test's business
                    & (np.nan_to_num(zr, nan=-np.inf).min(axis=1) >= RUN_Z)
                    & (np.nansum(zr, axis=1) / np.sqrt(RUN_DAYS) >= z)
                    & gate(dollars(x), dollars(x - d))
                )
                wk = wk | run
            wk = wk | leak
            daily = ok & (np.abs(zt) >= z) & gate(dollars(x), dollars(x - d))
            unusual = daily | wk
            if direction == "spike":
                unusual &= d > 0
            elif direction == "drop":
                unusual &= d < 0
            # the end of an event: a move back towards the level before it is not a new anomaly
            back = (  # a quiet day is judged against its own range, never as a return to an ordinary day's level
                (t <= pre_until)
                & (not is_quiet)
                & (np.sign(d) == -pre_dir)
                & ~np.isnan(pre_level)
                & (np.abs(x - (pre_level + effects[0])) < exclude_z * sc)
            )
            recovered[:, t] = unusual & back
            unusual &= ~back
            # the same weekday off the same way four weeks running, with nothing else off that way between: the
            # weekday's effect is what is wrong (set by days the calendar did not know, and kept so by masking
            # every day that contradicted it), not the days. The day enters the history as it is, and the
            # earlier ones masked against that effect are put back as they were
            sign = np.sign(d)
            weekly = np.zeros(n, bool)
            if t >= PATTERN_WEEKS * SEASON and not is_quiet:
                span = sus_sign[:, t - PATTERN_WEEKS * SEASON + 1 : t]
                between = np.delete(span, [SEASON * k - 1 for k in range(1, PATTERN_WEEKS)], axis=1)
                weekly = (
                    ok
                    & (np.abs(zt) >= exclude_z)
                    & ~back
                    & (sign != 0)
                    & ~(between == sign[:, None]).any(axis=1)
                )
                for k in range(1, PATTERN_WEEKS + 1):
                    weekly &= sus_sign[:, t - SEASON * k] == sign
                for r in np.nonzero(weekly & ~np.isnan(x))[0]:
                    effects_ahead = None  # the history they were read from changes
                    for k in range(1, WEEKS + 1):
                        i = t - SEASON * k
                        if i >= 0 and sus_sign[r, i] == sign[r] and not quiet[i]:
                            hist[r, i] = ly[r, i]
            explained[:, t] |= unusual & weekly
            unusual &= ~weekly
            if is_quiet:  # unusual against an ordinary day, not against a quiet one
                explained[:, t] = ok & ~unusual & (np.abs(raw_d / sc) >= z) & gate(dollars(x), dollars(e))
                quiet_dev[:, t] = np.where(ok, x - level[:, t], np.nan)
                seen_quiet.append(t)
            flags[:, t] = unusual
            suspect = ok & ((np.abs(zt) >= exclude_z) | wk) & ~back & ~weekly
            sus_sign[:, t] = np.where((suspect & (np.abs(zt) >= exclude_z)) | weekly, sign, 0.0)
            new_run = suspect & (t - last_sus > 2)
            pre_level = np.where(new_run, level[:, t], pre_level)
            pre_dir = np.where(new_run, np.sign(d), pre_dir)
            run_start = np.where(new_run, t, run_start)
            last_sus = np.where(suspect, t, last_sus)
            pre_until = np.where(suspect, t + RECOVERY_DAYS, pre_until)
            masked = (suspect & (t - run_start < mask_days)) | is_quiet
            became_normal = np.where(new_run, False, became_normal) | (suspect & (t - run_start >= mask_days))
            keep = ~np.isnan(x)
            # back at the pre-event level after the event had become the normal (it was still unusual after its
            # masking ran out, so its days entered the history): the event's days are rewritten in the history as
            # the pre-event level, so the baseline returns at once instead of drifting back. A short event was
            # masked all along: its history is already the normal one, and rewriting it weeks later would put the
            # level of the day it began (without the growth since) in place of the real days
            for r in np.nonzero(back & keep_all(x) & became_normal & (t - run_start >= mask_days))[0]:
                effects_ahead = None  # the history they were read from changes
                a = max(0, int(run_start[r]))
                hist[r, a:t] = np.where(np.isnan(hist[r, a:t]), np.nan, pre_level[r] + effect0[r, a:t])
            # a masked day enters the history at the level without its trend step: a masked run must not keep
            # extrapolating a trend into itself. A quiet day never enters it as it was, even before the noise scale
            # is known (a holiday in the first weeks would set its weekday's effect for six weeks): with no level
            # yet, it is left out
            plain = med7[:, t] + effects[0]
            unknown = np.nan if is_quiet else x
            hist[:, t] = np.where(
                keep & ~masked, x, np.where(keep, np.where(np.isnan(plain), unknown, plain), np.nan)
            )
            ordinary = ~np.isnan(e) & ~np.isnan(x) & ~suspect & ~is_quiet & ~back & ~weekly
            resid[:, t] = np.where(ordinary, raw_d, np.nan)
    _sparse_days(y, flags, dev_log, gate, z, direction)
    # monthly recurrence: the same position of earlier months moved the same way, by a similar amount of dollars:
    # near its earlier size, or near that size grown (or shrunk) as the series' usual day has since (a job of a
    # fixed size, or one that grows with the business: a close batch of a company growing 15% a month is 1.5x
    # its size of three months before)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        reference = filled - dollars(ly - _same_weekday_reference(ly))  # each day's excess over its weekdays
        normal = filled - reference  # each day's usual value (its weekdays around it)
        day_dev = filled - dollars(ly - dev_log)
        now = dollars(ly - dev_log)  # the day's expected value
    for r, t in zip(*np.nonzero(flags), strict=True):
        current = day_dev[r, t]
        seen = 0
        for days in same_position_days(cal, int(t)):
            if any(
                not np.isnan(reference[r, i])
                and np.sign(reference[r, i]) == np.sign(current)
                and abs(current) <= RECURRING_GROWTH * abs(reference[r, i]) * max(1.0, g)
                and abs(current) >= abs(reference[r, i]) * min(1.0, g) / RECURRING_GROWTH
                for i in days
                for g in (_growth(now[r, t], normal[r, i]),)
            ):
                seen += 1
        if seen >= 2:
            flags[r, t] = False
            explained[r, t] = True
    with np.errstate(over="ignore", invalid="ignore"):
        base = dollars(ly - dev_log)
        dev = np.where(np.isnan(dev_log), np.nan, y - base)
        score = dev_log / scale
    return DayScores(
        expected=np.where(np.isnan(dev_log), np.nan, base),
        dev=dev,
        score=score,
        flags=flags,
        explained=explained,
        recovered=recovered,
    )


def _slow_leak(
    t: int,
    ly: np.ndarray,
    effect0: np.ndarray,
    quiet: np.ndarray,
    state: tuple[np.ndarray, np.ndarray, np.ndarray],
    flags: np.ndarray,
    eligible: np.ndarray,
    zs: tuple[float, np.ndarray],
    gate: Gate,
    dollars: Callable[[np.ndarray], np.ndarray],
) -> np.ndarray:
    """The slow-leak test of day t (a climb of a few percent a day for weeks, which the trend follows and the
    weekly test, against a forecast that already carries most of the climb, does not see): the level of the week
    ending at t (the median of its ordinary days less their weekday effects) against a robust baseline 3-5 weeks
    back (the median of those three weeks' levels) moved forward by the series' own growth before it (that baseline
    against the same one four weeks earlier, within MAX_TREND a day: medians of three weeks, so a quiet week in
    either moves neither, where the median of single weeks' changes read a dip and its return as growth), scaled
    by how far that comparison usually strays (MAD over the last 56 days, at least what the daily noise alone makes
    of it: LEAK_NOISE). A rise only, and one that climbed: each of the last three weeks rose, by more than the
    series' own growth when it grows (a series that shrank and stopped shrinking does not climb; a return from a
    quiet week or two, or a step, climbs in one or two). The change a day must pass the floors, and all of it must
    have held for LEAK_HOLD_DAYS days running (a leak holds; a noisy week passes for a day). A flagged day is kept
    out of the history like any unusual day."""
    n = ly.shape[0]
    wlev, rlk, above = state
    z, sc = zs
    if t >= SEASON - 1:
        days = [i for i in range(t - SEASON + 1, t + 1) if not quiet[i]]
        if days:
            wlev[:, t] = _median_rows(ly[:, days] - effect0[:, days])
    first = t - SEASON * (LEAK_BACK[1] + LEAK_BACK[-1])
    if first < SEASON - 1:
        return np.zeros(n, bool)
    base = _median_rows(np.stack([wlev[:, t - SEASON * k] for k in LEAK_BACK], axis=1))
    lag = SEASON * LEAK_BACK[len(LEAK_BACK) // 2]
    older = _median_rows(np.stack([wlev[:, t - lag - SEASON * k] for k in LEAK_BACK], axis=1))
    growth = np.clip(np.nan_to_num((base - older) / lag), -MAX_TREND, MAX_TREND)
    projected = base + growth * lag
    off = wlev[:, t] - projected
    past = rlk[:, max(0, t - SCALE_DAYS) : t]
    s, count = _mad_scale(past) if past.shape[1] else (np.full(n, np.nan), np.zeros(n, int))
    s = np.maximum(np.nan_to_num(s), 0.01)
    climbed = np.ones(n, bool)
    for k in range(LEAK_CLIMB_WEEKS):
        climbed &= wlev[:, t - SEASON * k] - wlev[:, t - SEASON * (k + 1)] > np.maximum(growth, 0.0) * SEASON
    above[:, t] = (
        (count >= MIN_RESIDUALS)
        & (off >= z * np.maximum(s, LEAK_NOISE * sc))
        & climbed
        & gate(dollars(wlev[:, t]), dollars(projected))
    )
    leak = eligible & above[:, max(0, t - LEAK_HOLD_DAYS + 1) : t + 1].all(axis=1)
    rlk[:, t] = np.where(~flags[:, max(0, t - SEASON) : t].any(axis=1) & ~leak, off, np.nan)
    return leak


def _irregular(y: np.ndarray, t: int) -> bool:
    """A series with no spend on a quarter of its last 28 days, not on fixed weekdays (at least three weekdays
    had spend on some of those weeks and none on others): it runs on some days and not others, at random."""
    if t < 4 * SEASON:
        return False
    last = y[t - 4 * SEASON : t]
    zero = (last == 0) & ~np.isnan(last)
    if zero.sum() < SPARSE_ZERO_DAYS:
        return False
    per_weekday = zero.reshape(4, SEASON).sum(axis=0)  # zero days per weekday over the four weeks
    return int(((per_weekday > 0) & (per_weekday < 4)).sum()) >= 3


def _sparse_days(
    y: np.ndarray, flags: np.ndarray, dev_log: np.ndarray, gate: Gate, z: float, direction: str
) -> None:
    """The days of a series that spends on some days and not others at random (`_irregular`) are judged against
    the series' own days with spend instead: the log model's level and weekday effects, averaged over days with
    and without spend, read active days as spikes and empty ones as drops, and its noise scale, widened by the
    gaps, hid real spikes. A day is a spike when it is z robust scales above the median of the last 56 days with
    spend (and passes the floors); never a drop (a day with less or no spend is what the series does)."""
    scored, rises = ~np.isnan(dev_log), np.nan_to_num(dev_log) > 0  # (and above the log model's expectation)
    zeros = ((y == 0) & ~np.isnan(y)).sum(axis=1)
    for r in np.nonzero(zeros >= SPARSE_ZERO_DAYS)[0]:
        for t in range(4 * SEASON, y.shape[1]):
            if not scored[r, t] or not _irregular(y[r], t):
                continue
            past = y[r, max(0, t - SCALE_DAYS) : t]
            active = past[(past > 0) & ~np.isnan(past)]
            if len(active) < SPARSE_MIN_ACTIVE:
                continue
            logs = np.log(active)
            center = float(np.median(logs))
            spread = max(1.4826 * float(np.median(np.abs(logs - center))), 0.05)
            x = float(y[r, t])
            flags[r, t] = (
                direction != "drop"
                and x > 0
                and rises[r, t]
                and np.log(x) - center >= z * spread
                and bool(gate(np.array([x]), np.array([np.exp(center)]))[0])
            )


def _growth(now: float, then: float) -> float:
    """How much the series' usual day grew from an earlier day to now (1 when either is unknown), within 2x."""
    if not (np.isfinite(now) and np.isfinite(then)) or now <= 0 or then <= 0:
        return 1.0
    return float(np.clip(now / then, 0.5, 2.0))


def keep_all(x: np.ndarray) -> np.ndarray:
    return ~np.isnan(x)


def _same_weekday_reference(ly: np.ndarray) -> np.ndarray:
    """log value minus the median of the same weekday 1-3 weeks before and after (what is available): how
    unusual a past day was, judged from both sides."""
    n, t_len = ly.shape
    cols = []
    for k in (-21, -14, -7, 7, 14, 21):
        shifted = np.full_like(ly, np.nan)
        if k < 0:
            shifted[:, -k:] = ly[:, : t_len + k]
        else:
            shifted[:, : t_len - k] = ly[:, k:]
        cols.append(shifted)
    ref = np.stack(cols, axis=2)  # n x T x 6
    flat = ref.reshape(n * t_len, 6)
    med = _median_rows(flat).reshape(n, t_len)
    return ly - med
