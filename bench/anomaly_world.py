"""Labelled synthetic companies for bench/anomaly_benchmark.py: 180 days of FOCUS rows with a weekly pattern,
growth, public holidays, a month-start batch job, monthly fees (a seat subscription and an amortised PTU
reservation), credits, and injected events of known kind, series, days and size; plus the clean twin of each
company (same noise draws, no events).

Everything is drawn from one seed, so a company is reproducible; `TUNING` and `HELD_OUT` are disjoint sets of
companies (different seeds, currencies, holiday calendars and end dates): the detector is tuned on the first
only, and the benchmark reports both.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import holidays
import numpy as np

DAYS = 180
WARMUP = 60  # events start after this many days: the scored window is the last DAYS - WARMUP days
MODELS = {  # model -> (provider, service)
    "gpt-4o": ("OpenAI", "OpenAI API"),
    "gpt-4o-mini": ("OpenAI", "OpenAI API"),
    "gpt-4.1": ("OpenAI", "OpenAI API"),
    "claude-sonnet-4-5": ("Anthropic", "Claude API"),
    "claude-haiku-4-5": ("Anthropic", "Claude API"),
    "gemini-2.5-pro": ("Google Cloud", "Vertex AI"),
    "gemini-2.5-flash": ("Google Cloud", "Vertex AI"),
}
NEW_MODELS = {
    "gpt-5": ("OpenAI", "OpenAI API"),
    "claude-opus-4-5": ("Anthropic", "Claude API"),
    "gemini-3-pro": ("Google Cloud", "Vertex AI"),
}
FEATURES = [
    ("search", "rerank"),
    ("search", "query-rewrite"),
    ("support", "chat-assist"),
    ("support", "ticket-summary"),
    ("growth", "email-copy"),
    ("growth", "ad-variants"),
    ("platform", "code-review"),
    ("platform", "doc-index"),
    ("data", "classification"),
    ("data", "extraction"),
]
KINDS = (
    "spike",  # one day, +30% to +500%
    "multi_day_spike",  # 2-4 days, +60% to +300%
    "level_shift_up",  # from day d on, +40% to +150%, for 8-30 days or to the end
    "level_shift_down",  # -35% to -70%
    "ramp",  # linear growth to +60% .. +200% over 7-21 days, then holds
    "outage",  # 1-4 days at 0-15% of normal, then back
    "new_model",  # a model never used before starts on one feature and grows
    "hidden_spike",  # one feature up while another of its team and provider goes down: flat total
    "token_mix",  # output tokens of one feature x model up +80% .. +300% for 2-6 days
)


@dataclass
class Event:
    kind: str
    start: int  # day index
    end: int  # last day index (inclusive) of the change; for ramps the last day of the climb
    feature: str
    model: str
    team: str
    provider: str
    service: str
    magnitude: float  # relative change at the peak (0.5 = +50%)
    direction: str  # spike / drop
    causes: set[tuple[str, str]] = field(default_factory=set)  # the specific (dimension, value) to name first
    series: set[tuple[str, str]] = field(default_factory=set)  # series where the change shows
    impact: float = 0.0  # dollars of the change over its days
    partner: str | None = None  # hidden spike: the feature that went down by the same dollars
    opposite: set[tuple[str, str]] = field(default_factory=set)  # series that move the other way (a move)

    def label(self) -> str:
        return f"{self.kind} {self.feature}/{self.model} day {self.start}..{self.end} ({self.magnitude:+.0%})"


@dataclass
class Company:
    name: str
    seed: int
    currency: str
    country: str  # holiday calendar the company works to
    end: dt.date  # last day of data
    events: list[Event] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)
    clean_rows: list[dict] = field(default_factory=list)

    @property
    def start(self) -> dt.date:
        return self.end - dt.timedelta(days=DAYS - 1)

    def day(self, i: int) -> dt.date:
        return self.start + dt.timedelta(days=i)


TUNING = [
    Company("acme", 101, "USD", "US", dt.date(2026, 11, 30)),
    Company("globex", 202, "EUR", "DE", dt.date(2026, 6, 30)),
    Company("initech", 303, "GBP", "GB", dt.date(2027, 1, 31)),
]
HELD_OUT = [
    Company("umbrella", 404, "USD", "US", dt.date(2026, 3, 15)),
    Company("hooli", 505, "EUR", "DE", dt.date(2026, 12, 31)),
    Company("vehement", 606, "JPY", "JP", dt.date(2026, 9, 30)),
]


@dataclass
class _Line:
    feature: str
    team: str
    model: str
    level: float  # dollars a weekday at day 0
    weekend: float  # weekend factor
    growth: float  # per day, compounded
    sigma: float
    env: str | None
    output_share: float


def _workdays(c: Company) -> np.ndarray:
    """1 on working days, 0 on weekends and public holidays of the company's country."""
    cal = holidays.country_holidays(c.country, years=range(c.start.year, c.end.year + 1))
    return np.array(
        [0.0 if c.day(i).weekday() >= 5 or c.day(i) in cal else 1.0 for i in range(DAYS)], dtype=float
    )


def _first_workday_of_months(c: Company, work: np.ndarray) -> list[int]:
    out, seen = [], set()
    for i in range(DAYS):
        d = c.day(i)
        if (d.year, d.month) not in seen and work[i] == 1.0:
            seen.add((d.year, d.month))
            if d.day <= 7:
                out.append(i)
    return out


def build(c: Company) -> Company:
    """Fill `c.rows` (with events), `c.clean_rows` (the twin) and `c.events`."""
    rng = np.random.default_rng(c.seed)
    work = _workdays(c)
    lines: list[_Line] = []
    for team, feature in FEATURES:
        n_models = 1 if rng.random() < 0.6 else 2
        models = list(rng.choice(list(MODELS), size=n_models, replace=False))
        level = float(np.exp(rng.uniform(np.log(60), np.log(2500))))
        kind = rng.choice(["weekday", "mixed", "flat"], p=[0.45, 0.35, 0.2])
        weekend = {"weekday": rng.uniform(0.15, 0.35), "mixed": rng.uniform(0.5, 0.7), "flat": 0.95}[kind]
        growth = float(rng.uniform(-0.001, 0.006))
        sigma = float(rng.uniform(0.04, 0.10))
        env = "prod" if rng.random() < 0.6 else None
        for j, m in enumerate(models):
            share = 0.7 if (n_models == 2 and j == 0) else (0.3 if n_models == 2 else 1.0)
            lines.append(
                _Line(feature, team, m, level * share, weekend, growth, sigma, env, rng.uniform(0.3, 0.6))
            )
    company_factor = np.exp(rng.normal(0, 0.025, DAYS))
    # heavy-ish tails: Student t (6 degrees of freedom) scaled to each line's sigma
    noise = {
        (ln.feature, ln.model): np.exp(rng.standard_t(6, DAYS) * ln.sigma / np.sqrt(1.5)) for ln in lines
    }
    mix_noise = {(ln.feature, ln.model): rng.normal(0, 0.03, DAYS) for ln in lines}
    base = {}
    for ln in lines:
        season = np.where(work == 1.0, 1.0, ln.weekend)
        trend = (1 + ln.growth) ** np.arange(DAYS)
        base[(ln.feature, ln.model)] = ln.level * season * trend * company_factor
    # month-start batch job: the first working day of each month, on one feature
    job_line = lines[int(rng.integers(len(lines)))]
    job_days = _first_workday_of_months(c, work)
    job_size = float(rng.uniform(3, 6)) * job_line.level
    events = _events(c, rng, lines, base)
    c.events = events
    c.rows, c.clean_rows = [], []
    for with_events, out in ((True, c.rows), (False, c.clean_rows)):
        for ln in lines:
            key = (ln.feature, ln.model)
            cost = base[key] * noise[key]
            out_mult = np.ones(DAYS)
            if with_events:
                cost, out_mult = _apply(events, ln, cost, base[key])
            if ln is job_line:
                cost = cost.copy()
                for d in job_days:
                    cost[d] += job_size * noise[key][(d + 3) % DAYS]
            for i in range(DAYS):
                if cost[i] <= 0:
                    continue
                share_out = np.clip(ln.output_share * np.exp(mix_noise[key][i]), 0.05, 0.95)
                out_cost = cost[i] * share_out * out_mult[i]
                in_cost = cost[i] * (1 - share_out)
                for token_type, v in (("input", in_cost), ("output", out_cost)):
                    out.append(_usage_row(c, i, ln, ln.model, token_type, v))
        for ev in events if with_events else []:
            if ev.kind == "new_model":
                out.extend(_new_model_rows(c, ev, lines, rng_seed=c.seed + ev.start))
        out.extend(_charges(c, rng_seed=c.seed + 7))
    return c


def _usage_row(c: Company, i: int, ln: _Line, model: str, token_type: str, v: float) -> dict:
    provider, service = {**MODELS, **NEW_MODELS}[model]
    tags = {"team": ln.team, "feature": ln.feature}
    if ln.env:
        tags["env"] = ln.env
    return {
        "day": c.day(i),
        "cost": round(float(v), 6),
        "billed": round(float(v), 6),
        "provider": provider,
        "service": service,
        "model": model,
        "token_type": token_type,
        "category": "Usage",
        "frequency": "Usage-Based",
        "tags": json.dumps(tags),
        "resource": f"{ln.feature}-{model}",
    }


def _events(c: Company, rng: np.random.Generator, lines: list[_Line], base: dict) -> list[Event]:
    """Sixteen events per company (every kind at least once), each material: at least 2.5% of a typical day."""
    total_day = sum(float(np.median(b[WARMUP - 28 : WARMUP])) for b in base.values())
    kinds = list(KINDS) + list(rng.choice(KINDS, size=16 - len(KINDS)))
    kinds = [str(k) for k in rng.permutation(kinds)]
    slots = np.linspace(WARMUP + 3, DAYS - 6, len(kinds)).astype(int)
    events: list[Event] = []
    used_features: dict[str, list[tuple[int, int]]] = {}
    for kind, slot in zip(kinds, slots, strict=True):
        start = int(slot + rng.integers(-2, 3))
        mag = _magnitude(kind, rng)
        ok = [
            ln
            for ln in lines
            if float(np.median(base[(ln.feature, ln.model)][start - 28 : start])) * abs(mag)
            >= 0.025 * total_day
            and not any(a - 7 <= start <= b + 21 for a, b in used_features.get(ln.feature, []))
        ]
        ln = ok[int(rng.integers(len(ok)))] if ok else max(lines, key=lambda x: x.level)
        length = {
            "spike": 1,
            "multi_day_spike": int(rng.integers(2, 5)),
            "level_shift_up": int(rng.integers(8, 31)),
            "level_shift_down": int(rng.integers(8, 31)),
            "ramp": int(rng.integers(7, 22)),
            "outage": int(rng.integers(1, 5)),
            "new_model": int(rng.integers(9, 25)),
            "hidden_spike": int(rng.integers(1, 4)),
            "token_mix": int(rng.integers(2, 7)),
        }[kind]
        end = min(start + length - 1, DAYS - 1)
        provider, service = MODELS[ln.model]
        ev = Event(
            kind,
            start,
            end,
            ln.feature,
            ln.model,
            ln.team,
            provider,
            service,
            mag,
            "drop" if mag < 0 else "spike",
        )
        ev.causes = {("feature", ln.feature), ("model", ln.model)}
        ev.series = {
            ("feature", ln.feature),
            ("model", ln.model),
            ("team", ln.team),
            ("provider", provider),
            ("service", service),
        }
        if kind == "token_mix":
            ev.causes.add(("token_type", "output"))
        if kind == "new_model":
            new = str(rng.choice(list(NEW_MODELS)))
            ev.model = new
            ev.provider, ev.service = NEW_MODELS[new]
            ev.causes = {("model", new), ("feature", ln.feature)}  # "new: gpt-5 on feature X"
            ev.series = {
                ("model", new),
                ("feature", ln.feature),
                ("team", ln.team),
                ("provider", ev.provider),
                ("service", ev.service),
            }
            ev.magnitude = mag
        if kind == "hidden_spike":
            partner = next(
                (p for p in lines if p.team == ln.team and p.feature != ln.feature),
                None,
            )
            ev.series = {("feature", ln.feature)}
            if partner is not None:
                ev.series.add(("feature", partner.feature))
                ev.partner = partner.feature
        used_features.setdefault(ln.feature, []).append((start, end))
        events.append(ev)
    return events


def _magnitude(kind: str, rng: np.random.Generator) -> float:
    if kind == "spike":
        return float(np.exp(rng.uniform(np.log(0.3), np.log(5.0))))
    if kind == "multi_day_spike":
        return float(rng.uniform(0.6, 3.0))
    if kind == "level_shift_up":
        return float(rng.uniform(0.4, 1.5))
    if kind == "level_shift_down":
        return -float(rng.uniform(0.35, 0.7))
    if kind == "ramp":
        return float(rng.uniform(0.6, 2.0))
    if kind == "outage":
        return -float(rng.uniform(0.85, 1.0))
    if kind == "new_model":
        return float(rng.uniform(0.3, 1.0))  # the new model's spend at its peak, as a share of the feature's
    if kind == "hidden_spike":
        return float(rng.uniform(0.8, 3.0))
    return float(rng.uniform(0.8, 3.0))  # token_mix: output tokens up


def _apply(
    events: list[Event], ln: _Line, cost: np.ndarray, base: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The line's cost with the events that touch it, and a multiplier on its output tokens."""
    cost = cost.copy()
    out_mult = np.ones(DAYS)
    for ev in events:
        days = np.arange(ev.start, ev.end + 1)
        if ev.kind == "hidden_spike":
            if ev.feature == ln.feature and ev.model == ln.model:
                extra = base[days] * ev.magnitude
                cost[days] += extra
                ev.impact = float(extra.sum())
            continue
        if ev.kind == "new_model":
            continue  # rows of the new model are added separately
        if (ev.feature, ev.model) != (ln.feature, ln.model):
            continue
        if ev.kind in ("spike", "multi_day_spike", "level_shift_up", "level_shift_down", "outage"):
            before = cost[days].sum()
            cost[days] *= 1 + ev.magnitude
            ev.impact = float(cost[days].sum() - before)
        elif ev.kind == "ramp":
            climb = np.linspace(1 / len(days), 1.0, len(days)) * ev.magnitude
            before = cost[days].sum()
            cost[days] *= 1 + climb
            cost[ev.end + 1 :] *= 1 + ev.magnitude  # holds the new level: the end of the climb is no event
            ev.impact = float(cost[days].sum() - before)
        elif ev.kind == "token_mix":
            out_mult[days] = 1 + ev.magnitude
            ev.impact = float((base[days] * ln.output_share * ev.magnitude).sum())
    return cost, out_mult


def hidden_partner_adjust(c: Company) -> None:
    """Hidden spikes: take the spike's dollars off a partner feature of the same team, same day, so the team
    total stays flat (done on the rows, after they are built)."""
    for ev in c.events:
        if ev.kind != "hidden_spike":
            continue
        partners = [f for t, f in FEATURES if t == ev.team and f != ev.feature]
        if not partners:
            continue
        partner = partners[0]
        for i in range(ev.start, ev.end + 1):
            day = c.day(i)
            mine = sum(r["cost"] for r in c.rows if r["day"] == day and _feature(r) == ev.feature)
            clean = sum(r["cost"] for r in c.clean_rows if r["day"] == day and _feature(r) == ev.feature)
            extra = mine - clean
            theirs = [r for r in c.rows if r["day"] == day and _feature(r) == partner]
            total = sum(r["cost"] for r in theirs)
            if total <= 0:
                continue
            take = min(extra, 0.9 * total)
            for r in theirs:
                r["cost"] = round(r["cost"] * (1 - take / total), 6)
                r["billed"] = r["cost"]


def _feature(r: dict) -> str | None:
    return json.loads(r["tags"]).get("feature")


def _new_model_rows(c: Company, ev: Event, lines: list[_Line], rng_seed: int) -> list[dict]:
    """A new model on the event's feature: starts small on day `start`, grows linearly to `magnitude` x the
    feature's level by `end`, then stays."""
    rng = np.random.default_rng(rng_seed)
    ln = next(x for x in lines if x.feature == ev.feature)
    level = sum(x.level for x in lines if x.feature == ev.feature)
    rows = []
    work = _workdays(c)
    impact = 0.0
    for i in range(ev.start, DAYS):
        ramp = min(1.0, (i - ev.start + 1) / (ev.end - ev.start + 1))
        season = 1.0 if work[i] else ln.weekend
        v = level * ev.magnitude * ramp * season * (1 + ln.growth) ** i * float(np.exp(rng.normal(0, 0.08)))
        if i <= ev.end:
            impact += v
        for token_type, share in (("input", 0.55), ("output", 0.45)):
            rows.append(_usage_row(c, i, ln, ev.model, token_type, v * share))
    ev.impact = impact
    return rows


def _charges(c: Company, rng_seed: int) -> list[dict]:
    """Monthly fees and credits, the same in a company and its twin: a seat subscription billed on the 1st
    (EffectiveCost = BilledCost), a PTU reservation billed on the 1st and amortised daily (EffectiveCost on
    the daily Used rows), a monthly promotional credit on the 3rd and a one-off support credit."""
    rng = np.random.default_rng(rng_seed)
    rows = []
    seats = float(rng.uniform(2000, 9000))
    ptu = float(rng.uniform(6000, 20000))
    credit = float(rng.uniform(300, 1500))
    oneoff = int(rng.integers(WARMUP, DAYS - 5))
    base = {"provider": "OpenAI", "service": "ChatGPT Enterprise", "model": None, "token_type": None}
    for i in range(DAYS):
        d = c.day(i)
        month_days = ((d.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)).day
        if d.day == 1:
            fee = round(seats * (1 + 0.03 * rng.normal()), 2)
            rows.append(_charge(d, fee, fee, "Purchase", "Recurring", base, {"team": "it"}, "seats"))
            rows.append(
                _charge(
                    d,
                    0.0,
                    round(ptu, 2),
                    "Purchase",
                    "Recurring",
                    {
                        "provider": "Microsoft",
                        "service": "Azure OpenAI",
                        "model": "gpt-4o",
                        "token_type": None,
                    },
                    {"team": "platform"},
                    "ptu-eastus",
                    effective_is_zero=True,
                )
            )
        amort = round(ptu / month_days, 6)
        rows.append(
            _charge(
                d,
                amort,
                0.0,
                "Usage",
                "Usage-Based",
                {"provider": "Microsoft", "service": "Azure OpenAI", "model": "gpt-4o", "token_type": None},
                {"team": "platform", "feature": "doc-index"},
                "ptu-eastus",
            )
        )
        if d.day == 3:
            rows.append(_charge(d, -credit, -credit, "Credit", "One-Time", base, {"team": "it"}, "promo"))
        if i == oneoff:
            v = -round(float(rng.uniform(500, 3000)), 2)
            rows.append(
                _charge(
                    d,
                    v,
                    v,
                    "Credit",
                    "One-Time",
                    {"provider": "Anthropic", "service": "Claude API", "model": None, "token_type": None},
                    {},
                    "support-credit",
                )
            )
    return rows


def _charge(
    d: dt.date,
    effective: float,
    billed: float,
    category: str,
    frequency: str,
    what: dict,
    tags: dict,
    resource: str,
    effective_is_zero: bool = False,
) -> dict:
    return {
        "day": d,
        "cost": 0.0 if effective_is_zero else effective,
        "billed": billed,
        "provider": what["provider"],
        "service": what["service"],
        "model": what["model"],
        "token_type": what["token_type"],
        "category": category,
        "frequency": frequency,
        "tags": json.dumps(tags),
        "resource": resource,
    }


def companies(which: str = "all") -> list[Company]:
    if which == "blind21":  # not part of "all": designed blind in round 21 (bench/anomaly_world_blind.py)
        from anomaly_world_blind import blind_companies

        return blind_companies()
    if which == "blind22":  # not part of "all": designed blind in round 22 (bench/anomaly_world_blind22.py)
        from anomaly_world_blind22 import blind22_companies

        return blind22_companies()
    if which == "blind23":  # not part of "all": designed blind in round 23 (bench/anomaly_world_blind23.py)
        from anomaly_world_blind23 import blind23_companies

        return blind23_companies()
    if which == "blind25":  # not part of "all": designed blind in round 25 (bench/anomaly_world_blind25.py)
        from anomaly_world_blind25 import blind25_companies

        return blind25_companies()
    if which == "blind26":  # not part of "all": designed blind in round 26 (bench/anomaly_world_blind26.py)
        from anomaly_world_blind26 import blind26_companies

        return blind26_companies()
    if which == "blind27":  # not part of "all": designed blind in round 27 (bench/anomaly_world_blind27.py)
        from anomaly_world_blind27 import blind27_companies

        return blind27_companies()
    if which == "blind28":  # not part of "all": designed blind in round 28 (bench/anomaly_world_blind28.py)
        from anomaly_world_blind28 import blind28_companies

        return blind28_companies()
    chosen = {"tuning": TUNING, "held_out": HELD_OUT, "all": TUNING + HELD_OUT}[which]
    out = []
    for proto in chosen:
        c = Company(proto.name, proto.seed, proto.currency, proto.country, proto.end)
        build(c)
        hidden_partner_adjust(c)
        out.append(c)
    return out
