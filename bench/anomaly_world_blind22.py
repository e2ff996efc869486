"""Blind round 22 (`--set blind22`): four labelled companies designed before reading the detection rules, each
unlike the `tuning`, `held_out` and `blind21` companies, with events of shapes the earlier sets did not have.

- lumen (AUD, AU): spend growing 15% a month on every line, and a strong month-end close batch (the last two
  working days of each month, one feature at 5x its level: +35-45% on the company's day);
- forge (CAD, CA): GPU-heavy, a self-hosted model on a GPU cluster billed by the hour (no tokens) with an idle
  floor at nights and weekends and idle-cost swings (the cluster left scaled up for a day or two, about weekly),
  training runs every other week, a few API models besides;
- garuda (IDR, ID): a super-app at about 640 million rupiah a day, weekend-heavy consumer lines, Ramadan (+15%
  on the consumer lines for the month of fasting, in both twins), Lunar New Year, Nyepi, Eid al-Fitr with
  collective leave the holiday library does not know (office lines quiet on those weekdays too), Eid al-Adha;
- mosaic (INR, IN): many small teams (12) and models (10, six providers), each line a few thousand rupees a
  day; the festive season (+30% on commerce lines from Dussehra to Diwali, 1.5x on Diwali) is in both twins.

Event generators new in this round, each labelled as the kind a reader would file it under and scored by the
benchmark's rules (bench/anomaly_benchmark.py):
- a slow leak: one line +3% a day compounded for 14 days (+51%), then holds: `ramp`;
- a model migration: a feature's spend moves from one model to another over a few days at the same price, the
  feature, team and (same provider) provider total flat: `hidden_spike` on the new model (up) and the old one
  (down, `Event.opposite`); the series that must stay flat are in `Event.flat` and alerts on them are counted;
- a key leaked to an unknown caller: rows of a model the company never used, on the key owner's team, with no
  feature tag, climbing for 3 days and cut off after 9: `new_model`, causes the model or the team;
- a token-price cut: every line on one model -40..-50% from a day on: `level_shift_down` on the model;
- a commitment expiring: a line whose base load ran on a commitment (a flat amortised fee 40% below list, rows
  without a token type) and the rest on demand; from a day on the fee rows stop and every unit is on demand at
  list price (+25-35% on the line, more on its quiet days): `level_shift_up`;
- a one-day retry storm in one team (input tokens x6-8, output +15% of that): `spike`, causes feature, model or
  input tokens;
- events on holidays (a spike on Eid al-Fitr's second day, an outage over Eid al-Adha, GPU nodes left up over
  Labour Day weekend, an offer spike on Diwali) and on the month-end batch (the close batch run twice).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import holidays
import numpy as np
from anomaly_world import DAYS, MODELS, NEW_MODELS, WARMUP, Company, Event

MODELS22 = {
    **MODELS,
    **NEW_MODELS,
    "amazon-nova-pro": ("AWS", "Amazon Bedrock"),
    "amazon-nova-lite": ("AWS", "Amazon Bedrock"),
    "mistral-large": ("Mistral AI", "Mistral API"),
    "command-r-plus": ("Cohere", "Cohere API"),
    "deepseek-v3": ("DeepSeek", "DeepSeek API"),
    "llama-3.3-70b": ("CoreWeave", "GPU Compute"),  # self-hosted: GPU hours, no tokens
    "llama-3.1-8b": ("CoreWeave", "GPU Compute"),
}
WEEKDAY = (1.0, 1.0, 1.0, 1.0, 1.0, 0.3, 0.25)  # Monday .. Sunday
FLAT = (1.0, 1.0, 1.0, 1.0, 1.0, 0.96, 0.95)
MIXED = (1.0, 1.0, 1.0, 1.0, 0.95, 0.65, 0.6)
WEEKEND_HEAVY = (0.85, 0.8, 0.85, 0.9, 1.1, 1.45, 1.4)


@dataclass
class Line:
    feature: str
    team: str
    model: str
    level: float  # spend on a factor-1.0 day at day 0, in the company's currency
    week: tuple[float, ...]
    holiday: float | None  # factor on a public holiday or collective leave day (None: as a Sunday)
    growth: float  # per day, compounded
    sigma: float
    output_share: float
    env: str | None = "prod"
    gpu: bool = False  # GPU hours: one row a day, no token type


@dataclass
class Plan:
    kind: str  # spike | multi_day_spike | level_shift_up | level_shift_down | outage | token_mix | leak |
    # migration | key_leak | price_cut | commitment | retry
    day: int
    feature: str
    model: str
    magnitude: float
    length: int = 1
    to_model: str | None = None
    team: str | None = None  # key leak: the team whose key leaked


@dataclass
class Spec:
    name: str
    seed: int
    currency: str
    country: str
    end: dt.date
    lines: list[Line]
    plans: list[Plan]
    seats: float = 0.0
    credit: float = 0.0
    month_end_batch: tuple[str, str, float] | None = None  # (feature, model, x level) on the last 2 workdays
    training: tuple[str, str, float] | None = None  # GPU training run: 2 days every 14, x level
    idle_swings: tuple[str, str] | None = None  # the GPU line whose cluster is sometimes left scaled up
    leave: tuple[dt.date, ...] = ()  # collective leave: quiet like a holiday, unknown to the library
    seasons: tuple[tuple[dt.date, dt.date, float, tuple[str, ...]], ...] = ()  # (from, to, factor, teams)
    company_sigma: float = 0.03


# ------------------------------------------------------------------------------------------------ the companies

SPECS = [
    Spec(
        "lumen",
        2201,
        "AUD",
        "AU",
        dt.date(2026, 11, 30),
        lines=[
            Line("month-close", "finance", "gpt-4.1", 260, WEEKDAY, None, 0.0046, 0.08, 0.35),
            Line("invoice-parse", "finance", "gpt-4o", 520, WEEKDAY, None, 0.0046, 0.06, 0.3),
            Line("report-gen", "analytics", "claude-sonnet-4-5", 380, WEEKDAY, None, 0.0046, 0.07, 0.5),
            Line("search", "analytics", "gemini-2.5-flash", 210, MIXED, None, 0.0046, 0.08, 0.25),
            Line("chat", "product", "claude-haiku-4-5", 340, MIXED, None, 0.0046, 0.07, 0.45),
            Line("webhook-agent", "integrations", "gpt-4o-mini", 150, FLAT, None, 0.0046, 0.09, 0.3),
            Line("summaries", "product", "claude-haiku-4-5", 120, WEEKDAY, None, 0.0046, 0.1, 0.4, None),
        ],
        plans=[
            Plan("leak", 68, "report-gen", "claude-sonnet-4-5", 0.03, length=14),
            Plan("migration", 85, "invoice-parse", "gpt-4o", 0.9, length=4, to_model="gpt-4.1"),
            Plan("retry", 103, "webhook-agent", "gpt-4o-mini", 6.0),
            Plan("price_cut", 124, "", "claude-haiku-4-5", -0.4, length=7),
            Plan("spike", 148, "month-close", "gpt-4.1", 1.0),  # the close batch ran twice on Oct 30
            Plan("level_shift_down", 163, "search", "gemini-2.5-flash", -0.45, length=10),
        ],
        seats=30.0 * 45,
        credit=200.0,
        month_end_batch=("month-close", "gpt-4.1", 5.0),
    ),
    Spec(
        "forge",
        2202,
        "CAD",
        "CA",
        dt.date(2026, 10, 15),
        lines=[
            Line(
                "assistant-inference",
                "ml-platform",
                "llama-3.3-70b",
                9000,
                MIXED,
                0.7,
                0.002,
                0.06,
                0,
                gpu=True,
            ),
            Line("fine-tune", "ml-research", "llama-3.1-8b", 1200, FLAT, None, 0.0, 0.1, 0, gpu=True),
            Line("code-assist", "eng", "claude-sonnet-4-5", 2600, WEEKDAY, None, 0.002, 0.07, 0.45),
            Line("support-chat", "support", "gpt-4o-mini", 1100, MIXED, None, 0.001, 0.07, 0.35),
            Line("doc-search", "support", "gemini-2.5-flash", 800, MIXED, None, 0.001, 0.08, 0.25),
            Line("eval-harness", "ml-research", "gpt-4.1", 600, WEEKDAY, None, 0.0, 0.15, 0.5, None),
        ],
        plans=[
            Plan("commitment", 70, "assistant-inference", "llama-3.3-70b", 0.7, length=7),
            Plan("key_leak", 88, "", "claude-opus-4-5", 1800, length=9, team="support"),
            Plan("price_cut", 104, "", "gemini-2.5-flash", -0.5, length=7),
            Plan(
                "migration", 120, "code-assist", "claude-sonnet-4-5", 0.8, length=5, to_model="llama-3.3-70b"
            ),
            Plan("multi_day_spike", 139, "assistant-inference", "llama-3.3-70b", 0.8, length=3),  # Labour Day
            Plan("outage", 160, "support-chat", "gpt-4o-mini", -0.9, length=2),
        ],
        seats=25.0 * 80,
        credit=1500.0,
        training=("fine-tune", "llama-3.1-8b", 6.0),
        idle_swings=("assistant-inference", "llama-3.3-70b"),
    ),
    Spec(
        "garuda",
        2203,
        "IDR",
        "ID",
        dt.date(2026, 6, 10),
        lines=[
            Line("order-assist", "consumer", "gpt-4o-mini", 120e6, WEEKEND_HEAVY, 0.7, 0.002, 0.06, 0.4),
            Line("merchant-chat", "merchant", "gemini-2.5-flash", 80e6, MIXED, 0.5, 0.002, 0.07, 0.35),
            Line("driver-support", "ops", "claude-haiku-4-5", 60e6, FLAT, 0.8, 0.002, 0.07, 0.45),
            Line("fraud-check", "risk", "gpt-4.1", 150e6, FLAT, None, 0.001, 0.05, 0.2),
            Line("menu-translate", "merchant", "gemini-2.5-pro", 40e6, WEEKDAY, 0.1, 0.001, 0.09, 0.55),
            Line("internal-copilot", "eng", "claude-sonnet-4-5", 70e6, WEEKDAY, 0.1, 0.003, 0.08, 0.4),
            Line("promo-copy", "growth", "gpt-4o", 30e6, WEEKDAY, 0.2, 0.002, 0.12, 0.6, None),
            Line("kyc-ocr", "risk", "gpt-4.1", 90e6, FLAT, None, 0.001, 0.06, 0.15),
        ],
        plans=[
            Plan("token_mix", 70, "fraud-check", "gpt-4.1", 2.0, length=4),
            Plan("spike", 99, "order-assist", "gpt-4o-mini", 1.2),  # Eid al-Fitr, second day
            Plan("leak", 112, "driver-support", "claude-haiku-4-5", 0.03, length=14),
            Plan("price_cut", 136, "", "gpt-4.1", -0.4, length=7),
            Plan("retry", 150, "internal-copilot", "claude-sonnet-4-5", 7.0),
            Plan("outage", 165, "merchant-chat", "gemini-2.5-flash", -0.9, length=2),  # Eid al-Adha
        ],
        seats=250_000.0 * 400,
        credit=15e6,
        leave=(dt.date(2026, 3, 18), dt.date(2026, 3, 20), dt.date(2026, 3, 23), dt.date(2026, 3, 24)),
        seasons=((dt.date(2026, 2, 18), dt.date(2026, 3, 19), 1.15, ("consumer", "ops")),),  # Ramadan
    ),
    Spec(
        "mosaic",
        2204,
        "INR",
        "IN",
        dt.date(2026, 12, 15),
        lines=[
            Line("refund-bot", "payments", "gpt-4o-mini", 18000, MIXED, None, 0.002, 0.09, 0.3),
            Line("kyc-check", "payments", "gpt-4o", 26000, FLAT, None, 0.001, 0.07, 0.25),
            Line("catalog-tagging", "catalog", "gpt-4o-mini", 22000, FLAT, None, 0.002, 0.08, 0.3),
            Line("festive-offers", "growth", "claude-haiku-4-5", 15000, MIXED, 1.5, 0.002, 0.1, 0.55),
            Line("seo-copy", "growth", "mistral-large", 9000, WEEKDAY, None, 0.001, 0.12, 0.6),
            Line("voice-ivr", "cx", "amazon-nova-pro", 30000, MIXED, 0.8, 0.002, 0.07, 0.4),
            Line("agent-assist", "cx", "claude-sonnet-4-5", 24000, WEEKDAY, None, 0.002, 0.08, 0.45),
            Line("hr-bot", "people", "amazon-nova-lite", 4000, WEEKDAY, None, 0.0, 0.12, 0.4, None),
            Line("contract-qa", "legal", "command-r-plus", 7000, WEEKDAY, None, 0.001, 0.12, 0.35),
            Line("code-review", "eng", "deepseek-v3", 12000, WEEKDAY, None, 0.003, 0.1, 0.45),
            Line("test-gen", "qa", "gpt-4.1", 8000, WEEKDAY, None, 0.002, 0.12, 0.5, None),
            Line("fraud-rules", "risk", "gemini-2.5-pro", 16000, FLAT, None, 0.001, 0.07, 0.2),
            Line("vendor-kb", "procurement", "mistral-large", 5000, WEEKDAY, None, 0.0, 0.12, 0.3),
            Line("search-rerank", "catalog", "gemini-2.5-flash", 14000, MIXED, None, 0.002, 0.08, 0.2),
            Line("store-chat", "growth", "gpt-4o-mini", 11000, MIXED, 1.4, 0.002, 0.09, 0.5),
            Line("analytics-sql", "data", "claude-sonnet-4-5", 10000, WEEKDAY, None, 0.002, 0.1, 0.35),
        ],
        plans=[
            Plan("retry", 73, "refund-bot", "gpt-4o-mini", 8.0),
            Plan("price_cut", 90, "", "mistral-large", -0.45, length=7),
            Plan("commitment", 106, "voice-ivr", "amazon-nova-pro", 0.8, length=7),
            Plan("key_leak", 120, "", "gpt-4.1-nano", 0, length=6, team="qa"),  # sized below
            Plan("spike", 142, "festive-offers", "claude-haiku-4-5", 2.0),  # Diwali
            Plan(
                "migration", 150, "catalog-tagging", "gpt-4o-mini", 0.9, length=3, to_model="gemini-2.5-flash"
            ),
            Plan("level_shift_up", 165, "hr-bot", "amazon-nova-lite", 1.0, length=10),
        ],
        seats=1500.0 * 200,
        credit=20000.0,
        seasons=(
            (dt.date(2026, 10, 20), dt.date(2026, 11, 8), 1.3, ("growth", "catalog", "payments")),
        ),  # the festive season, Dussehra to Diwali
    ),
]
MODELS22["gpt-4.1-nano"] = ("OpenAI", "OpenAI API")


# ------------------------------------------------------------------------------------------------ generation


@dataclass
class Labelled(Event):
    flat: set[tuple[str, str]] = field(default_factory=set)  # series that must stay flat over the event


def _calendar(c: Company, spec: Spec) -> tuple[np.ndarray, np.ndarray]:
    cal = holidays.country_holidays(c.country, years=range(c.start.year, c.end.year + 1))
    wd = np.array([c.day(i).weekday() for i in range(DAYS)])
    hol = np.array([1.0 if (c.day(i) in cal or c.day(i) in spec.leave) else 0.0 for i in range(DAYS)])
    return wd, hol


def _season(c: Company, spec: Spec, ln: Line, wd: np.ndarray, hol: np.ndarray) -> np.ndarray:
    week = np.array(ln.week)[wd]
    on_holiday = ln.holiday if ln.holiday is not None else ln.week[6]
    s = np.where(hol == 1.0, on_holiday, week)
    for lo, hi, factor, teams in spec.seasons:
        if ln.team in teams:
            s = s * np.array([factor if lo <= c.day(i) <= hi else 1.0 for i in range(DAYS)])
    return s


def _month_end_days(c: Company, wd: np.ndarray, hol: np.ndarray) -> list[int]:
    """The last two working days of each month."""
    out = []
    by_month: dict[tuple[int, int], list[int]] = {}
    for i in range(DAYS):
        if wd[i] < 5 and hol[i] == 0.0:
            by_month.setdefault((c.day(i).year, c.day(i).month), []).append(i)
    for (y, m), days in by_month.items():
        nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
        if (nxt - c.day(days[-1])).days <= 4:  # the month ends inside the data
            out.extend(days[-2:])
    return out


def build22(spec: Spec) -> Company:
    c = Company(spec.name, spec.seed, spec.currency, spec.country, spec.end)
    rng = np.random.default_rng(spec.seed)
    wd, hol = _calendar(c, spec)
    company_factor = np.exp(rng.normal(0, spec.company_sigma, DAYS))
    lines = {(ln.feature, ln.model): ln for ln in spec.lines}
    clean: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
    base: dict[tuple[str, str], np.ndarray] = {}
    for ln in spec.lines:
        key = (ln.feature, ln.model)
        base[key] = (
            ln.level * _season(c, spec, ln, wd, hol) * (1 + ln.growth) ** np.arange(DAYS) * company_factor
        )
        noise = np.exp(rng.standard_t(6, DAYS) * ln.sigma / np.sqrt(1.5))
        share = np.clip(ln.output_share * np.exp(rng.normal(0, 0.03, DAYS)), 0.05, 0.95)
        cost = base[key] * noise
        if ln.gpu:  # an idle floor: the cluster never scales below 55% of a weekday's nodes
            floor = 0.55 * ln.level * (1 + ln.growth) ** np.arange(DAYS)
            cost = np.maximum(cost, floor * np.exp(rng.normal(0, 0.02, DAYS)))
            clean[key] = (cost, np.zeros(DAYS))
        else:
            clean[key] = (cost * (1 - share), cost * share)
    if spec.idle_swings:  # the cluster left scaled up for 1-2 days, about once a week
        inp = clean[spec.idle_swings][0]
        level = lines[spec.idle_swings].level
        i = int(rng.integers(3, 9))
        while i < DAYS:
            for k in range(int(rng.integers(1, 3))):
                if i + k < DAYS:
                    inp[i + k] += level * float(rng.uniform(0.2, 0.4))
            i += int(rng.integers(5, 10))
    if spec.training:  # two days every 14
        feature, model, size = spec.training
        inp = clean[(feature, model)][0]
        for i in range(5, DAYS, 14):
            for k in range(2):
                if i + k < DAYS:
                    inp[i + k] += size * lines[(feature, model)].level * float(np.exp(rng.normal(0, 0.1)))
    if spec.month_end_batch:
        feature, model, size = spec.month_end_batch
        key = (feature, model)
        ln = lines[key]
        for i in _month_end_days(c, wd, hol):
            v = size * ln.level * (1 + ln.growth) ** i * float(np.exp(rng.normal(0, 0.1)))
            clean[key][0][i] += v * 0.65
            clean[key][1][i] += v * 0.35
    noisy = {k: (a.copy(), b.copy()) for k, (a, b) in clean.items()}
    fees_clean: dict[tuple[str, str], np.ndarray] = {}
    fees_noisy: dict[tuple[str, str], np.ndarray] = {}
    for p in spec.plans:
        if p.kind == "commitment":  # both twins: the commitment; the event's twin: it ends on `p.day`
            _commitment(p, clean, noisy, fees_clean, fees_noisy)
    keys_of_leaks: dict[tuple[str, str], Line] = {}
    events = [_apply(c, p, lines, base, noisy, rng, keys_of_leaks) for p in spec.plans]
    for ev, p in zip(events, spec.plans, strict=True):
        if p.kind == "commitment":
            key, span = (p.feature, p.model), slice(ev.start, ev.end + 1)
            ev.impact = float(
                (sum(noisy[key]) + fees_noisy[key])[span].sum()
                - (sum(clean[key]) + fees_clean[key])[span].sum()
            )
    events.sort(key=lambda e: e.start)
    c.events = events
    charges = _charges(c, spec)
    all_lines = {**lines, **keys_of_leaks}
    c.rows = _rows(c, noisy, all_lines) + _fees(c, fees_noisy, all_lines) + charges
    c.clean_rows = _rows(c, clean, all_lines) + _fees(c, fees_clean, all_lines) + charges
    return c


def _commitment(
    p: Plan,
    clean: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]],
    noisy: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]],
    fees_clean: dict[tuple[str, str], np.ndarray],
    fees_noisy: dict[tuple[str, str], np.ndarray],
) -> None:
    """A commitment covers `magnitude` x the line's median day of the first four weeks (at list price) for a
    flat daily fee 40% below list (amortised rows, no token type); usage above it is on-demand. On `p.day` it
    expires in the event's twin: on-demand at list price takes over every unit."""
    key = (p.feature, p.model)
    inp, out = clean[key]
    use = inp + out
    covered = p.magnitude * float(np.median(use[:28]))
    fee = np.full(DAYS, 0.6 * covered)
    over = np.maximum(use - covered, 0.0) / np.where(use > 0, use, 1.0)
    fees_clean[key] = fee
    clean[key] = (inp * over, out * over)
    ninp, nout = noisy[key]
    after = np.arange(DAYS) >= p.day
    fees_noisy[key] = np.where(after, 0.0, fee)
    noisy[key] = (np.where(after, ninp, ninp * over), np.where(after, nout, nout * over))


def _fees(c: Company, fees: dict[tuple[str, str], np.ndarray], lines: dict) -> list[dict]:
    rows = []
    for key, fee in fees.items():
        ln = lines[key]
        provider, service = MODELS22[key[1]]
        tags = {"team": ln.team, "feature": ln.feature}
        for i in range(DAYS):
            if fee[i] > 0:
                rows.append(
                    {
                        "day": c.day(i),
                        "cost": round(float(fee[i]), 6),
                        "billed": 0.0,
                        "provider": provider,
                        "service": service,
                        "model": key[1],
                        "token_type": None,
                        "category": "Usage",
                        "frequency": "Usage-Based",
                        "tags": json.dumps(tags),
                        "resource": f"commitment-{ln.feature}",
                    }
                )
    return rows


def _label(p: Plan, ln: Line, start: int, end: int, kind: str) -> Labelled:
    provider, service = MODELS22[p.model]
    ev = Labelled(kind, start, end, ln.feature, p.model, ln.team, provider, service, 0.0, "spike")
    ev.causes = {("feature", ln.feature), ("model", p.model)}
    ev.series = {
        ("feature", ln.feature),
        ("model", p.model),
        ("team", ln.team),
        ("provider", provider),
        ("service", service),
    }
    return ev


def _apply(
    c: Company,
    p: Plan,
    lines: dict[tuple[str, str], Line],
    base: dict[tuple[str, str], np.ndarray],
    arrays: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]],
    rng: np.random.Generator,
    extra_lines: dict[tuple[str, str], Line],
) -> Labelled:
    start, end = p.day, min(p.day + p.length - 1, DAYS - 1)
    days = np.arange(start, end + 1)
    before = {k: float((a + b)[days].sum()) for k, (a, b) in arrays.items()}
    up = True
    if p.kind == "price_cut":
        keys = [k for k in arrays if k[1] == p.model]
        ln = lines[keys[0]]
        ev = _label(p, ln, start, end, "level_shift_down")
        for key in keys:
            for arr in arrays[key]:
                arr[start:] *= 1 + p.magnitude
        feats = {k[0] for k in keys}
        ev.causes = {("model", p.model)} | ({("feature", f) for f in feats} if len(feats) == 1 else set())
        ev.series = {("model", p.model), ("provider", ev.provider), ("service", ev.service)}
        ev.series |= {("feature", f) for f in feats} | {("team", lines[k].team) for k in keys}
        ev.feature = ",".join(sorted(feats))
        up = False
    elif p.kind == "key_leak":
        owner = next(ln for ln in lines.values() if ln.team == p.team)
        total = sum(float(np.median((a + b)[start - 28 : start])) for a, b in arrays.values())
        size = p.magnitude or 0.12 * total
        leak = Line("", str(p.team), p.model, 0, FLAT, 1.0, 0, 0, 0.5, None)
        climb = np.clip((np.arange(DAYS) - start + 1) / 3, 0, 1) * (np.arange(DAYS) <= end)
        v = size * climb * np.exp(rng.normal(0, 0.15, DAYS))
        arrays[("", p.model)] = (v * 0.6, v * 0.4)
        extra_lines[("", p.model)] = leak
        provider, service = MODELS22[p.model]
        ev = Labelled("new_model", start, end, "(none)", p.model, owner.team, provider, service, 0.0, "spike")
        ev.causes = {("model", p.model), ("team", owner.team)}
        ev.series = {("model", p.model), ("team", owner.team), ("provider", provider), ("service", service)}
    elif p.kind == "migration":
        ln = lines[(p.feature, p.model)]
        ev = _label(p, ln, start, end, "hidden_spike")
        new = str(p.to_model)
        inp, out = arrays[(p.feature, p.model)]
        moved = np.clip((np.arange(DAYS) - start + 1) / p.length, 0, 1) * p.magnitude
        wobble = np.exp(rng.normal(0, 0.03, DAYS))
        p_new, s_new = MODELS22[new]
        p_old, s_old = MODELS22[p.model]
        # onto a self-hosted cluster: GPU hours on the cluster's own line (another feature and team)
        target = next((k for k in arrays if k[1] == new and k in lines and lines[k].gpu), None)
        if target:
            arrays[target][0][:] += (inp + out) * moved * wobble
        elif (p.feature, new) in arrays:
            arrays[(p.feature, new)][0][:] += inp * moved * wobble
            arrays[(p.feature, new)][1][:] += out * moved * wobble
        else:
            arrays[(p.feature, new)] = (inp * moved * wobble, out * moved * wobble)
            extra_lines[(p.feature, new)] = Line(
                ln.feature, ln.team, new, 0, ln.week, ln.holiday, 0, 0, ln.output_share, ln.env
            )
        inp *= 1 - moved
        out *= 1 - moved
        ev.model = new
        ev.provider, ev.service = p_new, s_new
        ev.series = {("model", new)}
        ev.opposite = {("model", p.model)}
        if p_new != p_old:
            ev.series |= {("provider", p_new), ("service", s_new)}
            ev.opposite |= {("provider", p_old), ("service", s_old)}
        else:
            ev.flat = {("provider", p_new), ("service", s_new)}
        if target:
            ev.series |= {("feature", target[0]), ("team", lines[target].team)}
            ev.opposite |= {("feature", ln.feature), ("team", ln.team)}
        else:
            ev.flat |= {("feature", ln.feature), ("team", ln.team)}
        ev.causes = {("feature", ln.feature), ("model", new), ("model", p.model)}
    else:
        ln = lines[(p.feature, p.model)]
        inp, out = arrays[(p.feature, p.model)]
        if p.kind in ("spike", "multi_day_spike", "level_shift_up", "level_shift_down", "outage"):
            ev = _label(p, ln, start, end, p.kind)
            inp[days] *= 1 + p.magnitude
            out[days] *= 1 + p.magnitude
            up = p.magnitude > 0
        elif p.kind == "retry":
            ev = _label(p, ln, start, end, "spike")
            inp[days] *= 1 + p.magnitude
            out[days] *= 1 + 0.15 * p.magnitude
            ev.causes.add(("token_type", "input"))
        elif p.kind == "token_mix":
            ev = _label(p, ln, start, end, "token_mix")
            out[days] *= 1 + p.magnitude
            ev.causes.add(("token_type", "output"))
        elif p.kind == "leak":  # +3% a day compounded, then holds
            ev = _label(p, ln, start, end, "ramp")
            k = np.clip(np.arange(DAYS) - start + 1, 0, p.length)
            for arr in (inp, out):
                arr *= (1 + p.magnitude) ** k
        elif p.kind == "commitment":  # applied to both twins by _commitment; here its label
            ev = _label(p, ln, start, end, "level_shift_up")
        else:
            raise ValueError(p.kind)
    ev.magnitude = p.magnitude
    ev.direction = "spike" if up else "drop"
    if p.kind == "outage" or (p.kind == "level_shift_down"):
        ev.direction = "drop"
    moved_by = {k: float((a + b)[days].sum()) - before.get(k, 0.0) for k, (a, b) in arrays.items()}
    ev.impact = sum(v for v in moved_by.values() if (v > 0) == (ev.direction == "spike"))
    return ev


def _rows(
    c: Company, arrays: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]], lines: dict
) -> list[dict]:
    rows = []
    for key, (inp, out) in arrays.items():
        ln = lines[key]
        provider, service = MODELS22[key[1]]
        tags = {"team": ln.team}
        if ln.feature:
            tags["feature"] = ln.feature
        if ln.env:
            tags["env"] = ln.env
        for i in range(DAYS):
            parts = (("gpu-hours", inp[i] + out[i]),) if ln.gpu else (("input", inp[i]), ("output", out[i]))
            for token_type, v in parts:
                if v <= 0:
                    continue
                rows.append(
                    {
                        "day": c.day(i),
                        "cost": round(float(v), 6),
                        "billed": round(float(v), 6),
                        "provider": provider,
                        "service": service,
                        "model": key[1],
                        "token_type": None if token_type == "gpu-hours" else token_type,
                        "category": "Usage",
                        "frequency": "Usage-Based",
                        "tags": json.dumps(tags),
                        "resource": f"{ln.feature or 'key-' + ln.team}-{key[1]}",
                    }
                )
    return rows


def _charges(c: Company, spec: Spec) -> list[dict]:
    """Seats on the 1st and a promotional credit on the 5th, the same in the company and its twin."""
    rng = np.random.default_rng(spec.seed + 7)
    rows = []
    for i in range(DAYS):
        d = c.day(i)
        if d.day == 1 and spec.seats:
            fee = round(spec.seats * (1 + 0.02 * rng.normal()), 2)
            rows.append(_charge(d, fee, "OpenAI", "ChatGPT Enterprise", "Purchase", "Recurring", "seats"))
        if d.day == 5 and spec.credit:
            rows.append(_charge(d, -spec.credit, "OpenAI", "OpenAI API", "Credit", "One-Time", "promo"))
    return rows


def _charge(
    d: dt.date, v: float, provider: str, service: str, category: str, frequency: str, res: str
) -> dict:
    return {
        "day": d,
        "cost": v,
        "billed": v,
        "provider": provider,
        "service": service,
        "model": None,
        "token_type": None,
        "category": category,
        "frequency": frequency,
        "tags": json.dumps({}),
        "resource": res,
    }


def blind22_companies() -> list[Company]:
    out = []
    for spec in SPECS:
        c = build22(spec)
        assert all(e.start >= WARMUP for e in c.events), spec.name
        out.append(c)
    return out
