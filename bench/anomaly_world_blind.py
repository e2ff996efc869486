"""Blind round 21 (`--set blind21`): labelled companies designed without looking at the detection rules, shaped
the way real bills differ from the `tuning` and `held_out` companies of bench/anomaly_world.py.

Each company is written out by hand (its lines, weekly pattern, holidays, charges and events), drawn from its own
seed, 180 days long like the others, with its clean twin (the same noise draws and charges, no events):

- sprout: a USD startup at about $200 a day growing 0.8% a day, noisy small series, one provider mostly;
- titan: a USD enterprise at about $40k a day, weekday-only batch features, a PTU reservation with a monthly
  true-up and a quarterly support plan;
- pixelplay: a GBP consumer app, weekend-heavy, busier on public holidays (Christmas in the scored window);
- hanbit: a KRW company at about 25 million won a day, weekday-heavy, with Chuseok (three days) and two
  substitute holidays in the scored window.

Events use the world's kinds (KINDS), scored by the same rules; the new generators are labelled as the kind a
reader would file them under:
- a retry storm on one feature (input tokens resent for 2-3 days): `multi_day_spike`, causes the feature, its
  model and the input tokens;
- a price change of one model (every feature on it, permanent from its first day): `level_shift_up` or
  `level_shift_down` on the model; the event's days are its first week, the new price holds after;
- a feature moving from one provider's model to another's at about the same price (flat in total, the team and
  the feature): `hidden_spike` whose series are the new model, provider and service (up) and the old ones
  (down, `Event.opposite`); causes the feature or either model;
- a new model launched on a feature: `new_model` as in the world.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import holidays
import numpy as np
from anomaly_world import DAYS, MODELS, NEW_MODELS, WARMUP, Company, Event

BLIND_MODELS = {
    **MODELS,
    **NEW_MODELS,
    "amazon-nova-pro": ("AWS", "Amazon Bedrock"),
    "mistral-large": ("Mistral AI", "Mistral API"),
}
WEEKDAY = (1.0, 1.0, 1.0, 1.0, 1.0, 0.25, 0.2)  # Monday .. Sunday
WEEKDAY_ONLY = (1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0)  # a batch that does not run at weekends
FLAT = (1.0, 1.0, 1.0, 1.0, 1.0, 0.97, 0.95)
WEEKEND_HEAVY = (0.8, 0.75, 0.8, 0.9, 1.15, 1.7, 1.6)
MIXED = (1.0, 1.0, 1.0, 1.0, 0.95, 0.6, 0.55)


@dataclass
class Line:
    feature: str
    team: str
    model: str
    level: float  # spend on a day of factor 1.0 at day 0, in the company's currency
    week: tuple[float, ...]  # Monday .. Sunday factors
    holiday: float | None  # factor on a public holiday (None: as a Sunday)
    growth: float  # per day, compounded
    sigma: float
    output_share: float
    env: str | None = "prod"


@dataclass
class Plan:
    """One designed event. `scope="model"`: every line on `model` (a price change)."""

    kind: str
    day: int
    feature: str
    model: str
    magnitude: float
    length: int = 1
    hold: bool = False  # the change stays after its days (price change)
    scope: str = "line"  # line | model
    retry: bool = False  # retry storm: the change is on input tokens
    to_model: str | None = None  # new model / the model a feature moves to
    partner: str | None = None  # hidden spike: the feature of the same team that goes down
    price_ratio: float = 1.0  # migration: the new model's price against the old one's


@dataclass
class Spec:
    name: str
    seed: int
    currency: str
    country: str
    end: dt.date
    lines: list[Line]
    plans: list[Plan]
    seats: float = 0.0  # seat subscription billed on the 1st (Purchase)
    ptu: float = 0.0  # monthly reservation: billed on the 1st, amortised daily on doc rows
    ptu_trueup: float = 0.0  # overage billed on the 1st as Usage
    quarterly: float = 0.0  # support plan billed on the 1st of Jan, Apr, Jul, Oct (Purchase)
    credit: float = 0.0  # promotional credit on the 5th
    month_batch: tuple[str, str, float] | None = None  # (feature, model, x level) on the first workday
    month_batch_days: int = 1
    company_sigma: float = 0.025


# ------------------------------------------------------------------------------------------------ the companies

SPECS = [
    Spec(
        "sprout",
        2101,
        "USD",
        "US",
        dt.date(2026, 12, 31),
        lines=[
            Line("chat", "product", "gpt-4o-mini", 70, MIXED, None, 0.008, 0.12, 0.45),
            Line("summarise", "product", "claude-haiku-4-5", 35, WEEKDAY, None, 0.008, 0.15, 0.3),
            Line("search", "product", "gemini-2.5-flash", 18, MIXED, None, 0.006, 0.2, 0.25, None),
            Line("agent", "eng", "gpt-4.1", 45, WEEKDAY, None, 0.009, 0.18, 0.5),
            Line("evals", "eng", "gpt-4o", 7, WEEKDAY_ONLY, None, 0.004, 0.35, 0.4, None),
            Line("onboarding", "product", "gpt-4o-mini", 12, FLAT, None, 0.007, 0.25, 0.5),
        ],
        plans=[
            Plan("spike", 72, "chat", "gpt-4o-mini", 2.5),
            Plan("multi_day_spike", 92, "agent", "gpt-4.1", 4.0, length=3, retry=True),
            Plan("level_shift_down", 112, "", "gpt-4o-mini", -0.5, length=7, hold=True, scope="model"),
            Plan("new_model", 128, "agent", "gpt-4.1", 0.8, length=12, to_model="gpt-5"),
            Plan("outage", 148, "summarise", "claude-haiku-4-5", -0.95, length=2),
            Plan("token_mix", 160, "chat", "gpt-4o-mini", 2.5, length=4),
            Plan("hidden_spike", 171, "onboarding", "gpt-4o-mini", 1.5, length=2, partner="chat"),
        ],
        seats=25.0 * 12,
        credit=50.0,
        month_batch=("evals", "gpt-4o", 6.0),
    ),
    Spec(
        "titan",
        2102,
        "USD",
        "US",
        dt.date(2026, 11, 20),
        lines=[
            Line("chat-assist", "support", "gpt-4o", 6500, FLAT, None, 0.002, 0.05, 0.4),
            Line("ticket-triage", "support", "gpt-4o-mini", 1800, WEEKDAY, None, 0.001, 0.06, 0.3),
            Line("rerank", "search", "gemini-2.5-flash", 4200, MIXED, None, 0.002, 0.05, 0.2),
            Line("query-rewrite", "search", "gemini-2.5-flash", 2500, MIXED, None, 0.002, 0.06, 0.35),
            Line("code-review", "platform", "claude-sonnet-4-5", 5200, WEEKDAY, 0.2, 0.003, 0.07, 0.45),
            Line("doc-index", "platform", "gpt-4.1", 3600, FLAT, None, 0.0, 0.05, 0.15),
            Line("classification", "data", "gpt-4o-mini", 4800, WEEKDAY_ONLY, 0.0, 0.001, 0.05, 0.2),
            Line("extraction", "data", "gemini-2.5-pro", 3900, WEEKDAY_ONLY, 0.0, 0.001, 0.06, 0.35),
            Line("ad-variants", "growth", "claude-haiku-4-5", 1400, MIXED, None, 0.004, 0.08, 0.55),
            Line("email-copy", "growth", "gpt-4o", 900, WEEKDAY, None, 0.002, 0.09, 0.6),
            Line("legal-review", "legal", "claude-sonnet-4-5", 1500, WEEKDAY, None, 0.002, 0.08, 0.4),
        ],
        plans=[
            Plan(
                "hidden_spike",
                70,
                "chat-assist",
                "gpt-4o",
                0.85,
                length=4,
                hold=True,
                to_model="claude-sonnet-4-5",
                price_ratio=1.05,
            ),
            Plan("level_shift_up", 86, "doc-index", "gpt-4.1", 0.6, length=20),
            Plan("ramp", 101, "code-review", "claude-sonnet-4-5", 1.2, length=14),
            Plan("hidden_spike", 121, "rerank", "gemini-2.5-flash", 1.5, length=2, partner="query-rewrite"),
            Plan("token_mix", 139, "extraction", "gemini-2.5-pro", 3.0, length=3),
            Plan("spike", 153, "ad-variants", "claude-haiku-4-5", 3.0),
            Plan("level_shift_down", 163, "classification", "gpt-4o-mini", -0.5, length=12),
            Plan("multi_day_spike", 175, "legal-review", "claude-sonnet-4-5", 2.5, length=2, retry=True),
        ],
        seats=60.0 * 400,
        ptu=180_000.0,
        ptu_trueup=22_000.0,
        quarterly=90_000.0,
        credit=5_000.0,
        month_batch=("extraction", "gemini-2.5-pro", 3.0),
        month_batch_days=2,
    ),
    Spec(
        "pixelplay",
        2103,
        "GBP",
        "GB",
        dt.date(2027, 1, 10),
        lines=[
            Line(
                "companion-chat", "consumer", "claude-haiku-4-5", 1100, WEEKEND_HEAVY, 1.9, 0.004, 0.07, 0.55
            ),
            Line("image-captions", "consumer", "gemini-2.5-flash", 420, WEEKEND_HEAVY, 1.6, 0.003, 0.09, 0.3),
            Line("moderation", "trust", "gpt-4o-mini", 380, WEEKEND_HEAVY, 1.7, 0.003, 0.06, 0.1),
            Line("recommendations", "consumer", "gemini-2.5-pro", 650, WEEKEND_HEAVY, 1.5, 0.002, 0.08, 0.3),
            Line("support-bot", "ops", "gpt-4o", 300, MIXED, 0.4, 0.001, 0.1, 0.5),
            Line("store-copy", "ops", "gpt-4o", 90, WEEKDAY, None, 0.0, 0.2, 0.6, None),
        ],
        plans=[
            Plan("multi_day_spike", 78, "companion-chat", "claude-haiku-4-5", 1.2, length=3),
            Plan("level_shift_down", 94, "moderation", "gpt-4o-mini", -0.45, length=12),
            Plan("level_shift_up", 110, "", "gemini-2.5-pro", 0.4, length=7, hold=True, scope="model"),
            Plan("new_model", 124, "support-bot", "gpt-4o", 0.7, length=10, to_model="claude-opus-4-5"),
            Plan("ramp", 138, "image-captions", "gemini-2.5-flash", 0.8, length=21),
            Plan("token_mix", 158, "companion-chat", "claude-haiku-4-5", 2.0, length=5),
            Plan("spike", 172, "moderation", "gpt-4o-mini", 2.0),
        ],
        seats=18.0 * 40,
        credit=150.0,
    ),
    Spec(
        "hanbit",
        2104,
        "KRW",
        "KR",
        dt.date(2026, 10, 31),
        lines=[
            Line("contract-review", "legal", "claude-sonnet-4-5", 5_200_000, WEEKDAY, 0.1, 0.002, 0.06, 0.35),
            Line("translation", "legal", "gpt-4.1", 3_100_000, WEEKDAY, 0.1, 0.001, 0.07, 0.5),
            Line("callbot", "cs", "gpt-4o", 6_800_000, MIXED, 0.5, 0.002, 0.05, 0.45),
            Line("ocr-extract", "ops", "gemini-2.5-flash", 2_400_000, WEEKDAY_ONLY, 0.0, 0.0, 0.08, 0.2),
            Line("search-rag", "product", "mistral-large", 3_900_000, MIXED, None, 0.003, 0.06, 0.3),
            Line("code-assist", "eng", "claude-sonnet-4-5", 2_700_000, WEEKDAY, 0.05, 0.004, 0.08, 0.4),
            Line("meeting-notes", "eng", "amazon-nova-pro", 900_000, WEEKDAY, 0.05, 0.002, 0.12, 0.45),
        ],
        plans=[
            Plan("level_shift_up", 66, "contract-review", "claude-sonnet-4-5", 0.8, length=25),
            Plan(
                "hidden_spike",
                100,
                "callbot",
                "gpt-4o",
                0.7,
                length=3,
                hold=True,
                to_model="amazon-nova-pro",
                price_ratio=0.9,
            ),
            Plan("outage", 112, "translation", "gpt-4.1", -0.9, length=3),
            Plan("spike", 122, "ocr-extract", "gemini-2.5-flash", 0.8),
            Plan("token_mix", 150, "translation", "gpt-4.1", 2.2, length=4),
            Plan("multi_day_spike", 160, "search-rag", "mistral-large", 2.5, length=2, retry=True),
            Plan(
                "hidden_spike",
                133,
                "code-assist",
                "claude-sonnet-4-5",
                1.2,
                length=2,
                partner="meeting-notes",
            ),
            Plan("ramp", 168, "code-assist", "claude-sonnet-4-5", 0.7, length=8),
        ],
        seats=15_000.0 * 300,
        quarterly=40_000_000.0,
        credit=300_000.0,
        month_batch=("ocr-extract", "gemini-2.5-flash", 2.5),
    ),
]


# ------------------------------------------------------------------------------------------------ generation


def _calendar(c: Company) -> tuple[np.ndarray, np.ndarray]:
    """Weekday index (0 = Monday) of each day and 1 where it is a public holiday of the company's country."""
    cal = holidays.country_holidays(c.country, years=range(c.start.year, c.end.year + 1))
    wd = np.array([c.day(i).weekday() for i in range(DAYS)])
    hol = np.array([1.0 if c.day(i) in cal else 0.0 for i in range(DAYS)])
    return wd, hol


def _season(ln: Line, wd: np.ndarray, hol: np.ndarray) -> np.ndarray:
    week = np.array(ln.week)[wd]
    on_holiday = ln.holiday if ln.holiday is not None else ln.week[6]
    return np.where(hol == 1.0, on_holiday, week)


def build_blind(spec: Spec) -> Company:
    c = Company(spec.name, spec.seed, spec.currency, spec.country, spec.end)
    rng = np.random.default_rng(spec.seed)
    wd, hol = _calendar(c)
    company_factor = np.exp(rng.normal(0, spec.company_sigma, DAYS))
    lines = {(ln.feature, ln.model): ln for ln in spec.lines}
    clean: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
    base: dict[tuple[str, str], np.ndarray] = {}
    for ln in spec.lines:
        key = (ln.feature, ln.model)
        base[key] = ln.level * _season(ln, wd, hol) * (1 + ln.growth) ** np.arange(DAYS) * company_factor
        noise = np.exp(rng.standard_t(6, DAYS) * ln.sigma / np.sqrt(1.5))
        share = np.clip(ln.output_share * np.exp(rng.normal(0, 0.03, DAYS)), 0.05, 0.95)
        cost = base[key] * noise
        clean[key] = (cost * (1 - share), cost * share)
    if spec.month_batch:
        feature, model, size = spec.month_batch
        key = (feature, model)
        ln = lines[key]
        seen: set[tuple[int, int]] = set()
        for i in range(DAYS):
            d = c.day(i)
            if (d.year, d.month) in seen or wd[i] >= 5 or hol[i] == 1.0 or d.day > 7:
                continue
            seen.add((d.year, d.month))
            for k in range(spec.month_batch_days):
                if i + k < DAYS:
                    v = size * ln.level * float(np.exp(rng.normal(0, 0.1)))
                    clean[key][0][i + k] += v * 0.7
                    clean[key][1][i + k] += v * 0.3
    noisy = {k: (a.copy(), b.copy()) for k, (a, b) in clean.items()}
    events = [_apply(c, p, spec, lines, base, noisy, rng) for p in spec.plans]
    events.sort(key=lambda e: e.start)
    c.events = events
    charges = _charges(c, spec, wd, hol)
    c.rows = _rows(c, noisy, lines) + charges
    c.clean_rows = _rows(c, clean, lines) + charges
    return c


def _apply(
    c: Company,
    p: Plan,
    spec: Spec,
    lines: dict[tuple[str, str], Line],
    base: dict[tuple[str, str], np.ndarray],
    arrays: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]],
    rng: np.random.Generator,
) -> Event:
    """Change `arrays` (input and output cost per feature x model) by the planned event; return its label."""
    start, end = p.day, min(p.day + p.length - 1, DAYS - 1)
    days = np.arange(start, end + 1)
    before = {k: float((a + b)[days].sum()) for k, (a, b) in arrays.items()}
    if p.scope == "model":
        keys = [k for k in arrays if k[1] == p.model]
        ln = lines[keys[0]]
    else:
        keys = [(p.feature, p.model)]
        ln = lines[keys[0]]
    provider, service = BLIND_MODELS[p.model]
    ev = Event(
        p.kind,
        start,
        end,
        p.feature or ln.feature,
        p.model,
        ln.team,
        provider,
        service,
        p.magnitude,
        "drop" if p.magnitude < 0 else "spike",
    )
    ev.causes = {("feature", ln.feature), ("model", p.model)}
    ev.series = {
        ("feature", ln.feature),
        ("model", p.model),
        ("team", ln.team),
        ("provider", provider),
        ("service", service),
    }
    if p.kind in ("spike", "multi_day_spike", "level_shift_up", "level_shift_down", "outage"):
        for key in keys:
            inp, out = arrays[key]
            span = slice(start, DAYS) if p.hold else slice(start, end + 1)
            inp[span] *= 1 + p.magnitude
            out[span] *= 1 + (0.15 * p.magnitude if p.retry else p.magnitude)
        if p.retry:
            ev.causes.add(("token_type", "input"))
        if p.scope == "model":
            feats = {k[0] for k in keys}
            teams = {lines[k].team for k in keys}
            ev.causes = {("model", p.model)} | ({("feature", f) for f in feats} if len(feats) == 1 else set())
            ev.series = {("model", p.model), ("provider", provider), ("service", service)}
            ev.series |= {("feature", f) for f in feats} | {("team", t) for t in teams}
            ev.feature = ",".join(sorted(feats))
    elif p.kind == "ramp":
        inp, out = arrays[keys[0]]
        climb = np.linspace(1 / len(days), 1.0, len(days)) * p.magnitude
        for arr in (inp, out):
            arr[days] *= 1 + climb
            arr[end + 1 :] *= 1 + p.magnitude  # holds: the end of the climb is no event
    elif p.kind == "token_mix":
        arrays[keys[0]][1][days] *= 1 + p.magnitude
        ev.causes.add(("token_type", "output"))
    elif p.kind == "new_model":
        new = str(p.to_model)
        ev.model = new
        ev.provider, ev.service = BLIND_MODELS[new]
        ev.causes = {("model", new), ("feature", ln.feature)}
        ev.series = {
            ("model", new),
            ("feature", ln.feature),
            ("team", ln.team),
            ("provider", ev.provider),
            ("service", ev.service),
        }
        level = base[keys[0]]
        ramp = np.clip((np.arange(DAYS) - start + 1) / p.length, 0, 1)
        v = level * p.magnitude * ramp * np.exp(rng.normal(0, 0.08, DAYS))
        arrays[(ln.feature, new)] = (v * 0.55, v * 0.45)
        lines[(ln.feature, new)] = Line(ln.feature, ln.team, new, 0, ln.week, ln.holiday, 0, 0, 0.45, ln.env)
    elif p.kind == "hidden_spike" and p.partner:
        inp, out = arrays[keys[0]]
        extra = (inp[days] + out[days]) * p.magnitude
        inp[days] *= 1 + p.magnitude
        out[days] *= 1 + p.magnitude
        theirs = [k for k in arrays if k[0] == p.partner]
        total = sum(arrays[k][0][days] + arrays[k][1][days] for k in theirs)
        take = np.minimum(extra, 0.9 * total)
        for k in theirs:
            for arr in arrays[k]:
                arr[days] *= 1 - take / total
        ev.series = {("feature", ln.feature), ("feature", p.partner)}
        ev.partner = p.partner
    elif p.kind == "hidden_spike":  # a feature moves to another provider's model: flat in total
        new = str(p.to_model)
        inp, out = arrays[keys[0]]
        moved = np.clip((np.arange(DAYS) - start + 1) / p.length, 0, 1) * p.magnitude
        wobble = np.exp(rng.normal(0, 0.04, DAYS))
        dest = (inp * moved * p.price_ratio * wobble, out * moved * p.price_ratio * wobble)
        inp *= 1 - moved
        out *= 1 - moved
        if (ln.feature, new) in arrays:
            arrays[(ln.feature, new)][0][:] += dest[0]
            arrays[(ln.feature, new)][1][:] += dest[1]
        else:
            arrays[(ln.feature, new)] = dest
            lines[(ln.feature, new)] = Line(
                ln.feature, ln.team, new, 0, ln.week, ln.holiday, 0, 0, ln.output_share, ln.env
            )
        p_new, s_new = BLIND_MODELS[new]
        ev.model = new
        ev.provider, ev.service = p_new, s_new
        ev.series = {("model", new), ("provider", p_new), ("service", s_new)}
        ev.opposite = {("model", p.model), ("provider", provider), ("service", service)}
        ev.causes = {("feature", ln.feature), ("model", new), ("model", p.model)}
        ev.partner = None
    # impact: the change over the event's days on the lines that went the event's way (a move: the new model)
    moved = {k: float((a + b)[days].sum()) - before.get(k, 0.0) for k, (a, b) in arrays.items()}
    ev.impact = sum(v for v in moved.values() if (v > 0) == (p.magnitude > 0))
    return ev


def _rows(
    c: Company, arrays: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]], lines: dict
) -> list[dict]:
    rows = []
    for key, (inp, out) in arrays.items():
        ln = lines[key]
        provider, service = BLIND_MODELS[key[1]]
        tags = {"team": ln.team, "feature": ln.feature}
        if ln.env:
            tags["env"] = ln.env
        for i in range(DAYS):
            for token_type, v in (("input", inp[i]), ("output", out[i])):
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
                        "token_type": token_type,
                        "category": "Usage",
                        "frequency": "Usage-Based",
                        "tags": json.dumps(tags),
                        "resource": f"{ln.feature}-{key[1]}",
                    }
                )
    return rows


def _charges(c: Company, spec: Spec, wd: np.ndarray, hol: np.ndarray) -> list[dict]:
    """Fees and credits, the same in the company and its twin."""
    rng = np.random.default_rng(spec.seed + 7)
    rows = []

    def row(d, effective, billed, provider, service, model, category, frequency, tags, resource) -> dict:  # noqa: ANN001
        return {
            "day": d,
            "cost": round(effective, 6),
            "billed": round(billed, 6),
            "provider": provider,
            "service": service,
            "model": model,
            "token_type": None,
            "category": category,
            "frequency": frequency,
            "tags": json.dumps(tags),
            "resource": resource,
        }

    for i in range(DAYS):
        d = c.day(i)
        month_days = ((d.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)).day
        if d.day == 1 and spec.seats:
            fee = round(spec.seats * (1 + 0.02 * rng.normal()), 2)
            rows.append(
                row(d, fee, fee, "OpenAI", "ChatGPT Enterprise", None, "Purchase", "Recurring", {}, "seats")
            )
        if d.day == 1 and spec.quarterly and d.month in (1, 4, 7, 10):
            q = spec.quarterly
            rows.append(
                row(d, q, q, "Anthropic", "Claude API", None, "Purchase", "Recurring", {}, "support-plan")
            )
        if spec.ptu:
            if d.day == 1:
                rows.append(
                    row(
                        d,
                        0.0,
                        spec.ptu,
                        "Microsoft",
                        "Azure OpenAI",
                        "gpt-4o",
                        "Purchase",
                        "Recurring",
                        {"team": "platform"},
                        "ptu",
                    )
                )
                if spec.ptu_trueup:
                    v = spec.ptu_trueup * float(np.exp(rng.normal(0, 0.2)))
                    rows.append(
                        row(
                            d,
                            v,
                            v,
                            "Microsoft",
                            "Azure OpenAI",
                            "gpt-4o",
                            "Usage",
                            "Usage-Based",
                            {"team": "platform", "feature": "doc-index"},
                            "ptu-overage",
                        )
                    )
            a = spec.ptu / month_days
            rows.append(
                row(
                    d,
                    a,
                    0.0,
                    "Microsoft",
                    "Azure OpenAI",
                    "gpt-4o",
                    "Usage",
                    "Usage-Based",
                    {"team": "platform", "feature": "doc-index"},
                    "ptu",
                )
            )
        if d.day == 5 and spec.credit:
            rows.append(
                row(
                    d,
                    -spec.credit,
                    -spec.credit,
                    "OpenAI",
                    "OpenAI API",
                    None,
                    "Credit",
                    "One-Time",
                    {},
                    "promo",
                )
            )
    return rows


def blind_companies() -> list[Company]:
    out = []
    for spec in SPECS:
        c = build_blind(spec)
        assert all(e.start >= WARMUP for e in c.events), spec.name
        out.append(c)
    return out
