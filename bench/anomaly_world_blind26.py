"""Blind round 26 (`--set blind26`): four labelled companies designed before reading the detection rules, each
unlike the `tuning`, `held_out`, `blind21`, `blind22`, `blind23` and `blind25` companies, built with round 22's,
23's and 25's generators (bench/anomaly_world_blind22.py, _blind23.py, _blind25.py) plus shapes of their own:

- vltava (CZK, CZ): a freight-dispatch SaaS with a **strong weekly cycle** (Monday 1.35x, Saturday 0.15x,
  Sunday 0.07x on the dispatch lines) and a **price cut** of its main model in the middle of the scored window
  (labelled: a reader files it as a level shift down on the model);
- merlion (SGD, SG): a cross-border payments company in **two regions** (tag `region`): the payments and
  compliance lines **migrate** from us-east-1 to ap-southeast-1 over two weeks inside the scored window (in both
  twins), at a 10% residency premium, leaving 10% in us-east-1 as a warm standby;
- hygge (DKK, DK): clinical documentation for hospitals whose spend is **mostly a flat commitment** (a
  provisioned-throughput reservation on its notes model, about 80% of the bill, amortised fee rows without a
  token type) with small on-demand usage on top; one usage line is tagged by hospital (`tenant`); a July
  summer quiet on the office lines (both twins);
- siam (THB, TH): an online travel agency with a **yearly season** visible in its 180 days (booking, care,
  payment and marketing lines x exp(0.3 cos) around a peak on Jan 5: +60% from September to January, a fall
  after), a festive block (Dec 20 - Jan 3, 1.2x), a small `env=dev` copy of its trip planner.

New in this round:
- short slow leaks: a line +3% to +6% a day compounded for 12 to 21 days (`ramp`), on a strong weekly cycle, on a
  line in the middle of a region migration, on a tiny line over a flat commitment, on a line inside a seasonal
  rise and one inside the seasonal fall;
- four incidents whose cause is a **small tag value whose share jumped**: a staging load test (`env=staging`,
  5% of its feature), a batch looping in the standby region (`region=us-east-1`, 10% of its feature after the
  migration), one hospital's integration looping (`tenant=aalborg-uh`, 8% of its feature), a developer's eval
  loop (`env=dev`, 2% of its feature). Each is labelled with the tag alone as its cause;
- a weekend multi-day spike on a line whose weekend is a tenth of a weekday; incidents during a region
  migration; a retry storm, a key leak and a cross-provider migration in each company's own shape.

"% of a day" is the event's change a day against the median clean day of days 32-59 (`python
bench/anomaly_world_blind26.py` prints every event).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass

import numpy as np
from anomaly_world import DAYS, WARMUP, Company
from anomaly_world_blind22 import (
    FLAT,
    MIXED,
    MODELS22,
    WEEKDAY,
    Labelled,
    Line,
    Plan,
    _apply,
    _charges,
    _commitment,
    _fees,
    _season,
)
from anomaly_world_blind23 import Line23, _at, _calendar
from anomaly_world_blind25 import Spec25

MODELS22.update(
    {
        "gpt-4o-2024-11-20": ("Microsoft", "Azure OpenAI"),
        "gpt-4.1-2025-04-14": ("Microsoft", "Azure OpenAI"),
        "gpt-4o-mini-2024-07-18": ("Microsoft", "Azure OpenAI"),
        "o4-mini-2025-04-16": ("Microsoft", "Azure OpenAI"),
        "text-embedding-3-small": ("Microsoft", "Azure OpenAI"),
    }
)
STRONG = (1.35, 1.15, 1.1, 1.05, 0.95, 0.15, 0.07)  # a dispatch week: Monday's backlog, empty weekends
DRIVERS = (1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.15)
TRAVEL = (0.9, 0.9, 0.9, 0.95, 1.0, 1.25, 1.3)  # trips are planned at weekends
REMIT = (0.8, 0.75, 0.75, 0.8, 0.95, 1.4, 1.6)  # remittances home on the weekend


@dataclass
class Line26(Line23):
    tags: tuple[tuple[str, str], ...] = ()  # tags besides team, feature and env (region, tenant)
    seasonal: bool = False  # follows the company's yearly season
    split: bool = False  # one part of a line split by region or tag: keyed "feature@value"


@dataclass
class Spec26(Spec25):
    # (feature, model, from region, to region, first day, last day, share moved, price premium): both twins
    region_moves: tuple[tuple[str, str, str, str, dt.date, dt.date, float, float], ...] = ()
    # (feature, model, tag, [(value, share), ...]): the line's spend split by a tag, the same split every day
    tag_splits: tuple[tuple[str, str, str, tuple[tuple[str, float], ...]], ...] = ()
    yearly: tuple[float, dt.date] | None = None  # (amplitude of exp(a cos), peak day) on `seasonal` lines
    tag_causes: tuple[tuple[str, str, str], ...] = ()  # (line key's feature, tag, value): the event's cause


L = Line26
V_END, M_END, H_END, S_END = (
    dt.date(2026, 9, 30),
    dt.date(2026, 12, 18),
    dt.date(2026, 7, 31),
    dt.date(2027, 2, 26),
)
OFFICE_DK = ("radiology", "research", "admin", "platform")

SPECS = [
    Spec26(
        "vltava",
        2601,
        "CZK",
        "CZ",
        V_END,
        lines=[
            L("route-planner", "dispatch", "gpt-4.1", 90000, STRONG, 0.1, 0.001, 0.06, 0.3),
            L("doc-extract", "customs", "gpt-4.1", 40000, STRONG, 0.05, 0.001, 0.07, 0.2),
            L("driver-assist", "fleet", "claude-haiku-4-5", 25000, DRIVERS, 0.3, 0.001, 0.07, 0.45),
            L("invoice-match", "finance", "gemini-2.5-flash", 15000, WEEKDAY, 0.05, 0.001, 0.08, 0.3),
            L("tender-bids", "sales", "claude-sonnet-4-5", 20000, STRONG, 0.05, 0.001, 0.09, 0.55),
            L("customer-portal", "cx", "gpt-4o-mini", 12000, MIXED, 0.5, 0.001, 0.08, 0.4),
            L("route-planner", "dispatch", "gpt-4.1", 4500, WEEKDAY, 0.05, 0.001, 0.1, 0.3, "staging"),
        ],
        plans=[
            Plan(
                "spike", _at(V_END, 2026, 6, 9), "tender-bids", "claude-sonnet-4-5", 3.0
            ),  # a tender's deadline
            Plan("leak", _at(V_END, 2026, 6, 22), "doc-extract", "gpt-4.1", 0.04, length=16),
            Plan("outage", _at(V_END, 2026, 7, 1), "driver-assist", "claude-haiku-4-5", -0.9, length=2),
            Plan("price_cut", _at(V_END, 2026, 7, 14), "", "gpt-4.1", -0.4, length=7),
            Plan(
                "multi_day_spike", _at(V_END, 2026, 7, 27), "route-planner@staging", "gpt-4.1", 7.0, length=3
            ),  # a load test left running in staging
            Plan(
                "migration",
                _at(V_END, 2026, 8, 10),
                "invoice-match",
                "gemini-2.5-flash",
                0.9,
                length=5,
                to_model="gpt-4.1-mini",
            ),
            Plan("key_leak", _at(V_END, 2026, 8, 24), "", "claude-opus-4-5", 0, length=7, team="fleet"),
            Plan(
                "multi_day_spike", _at(V_END, 2026, 9, 5), "route-planner", "gpt-4.1", 5.0, length=2
            ),  # a re-optimisation looping over a weekend (Sat-Sun)
            Plan("token_mix", _at(V_END, 2026, 9, 15), "customer-portal", "gpt-4o-mini", 2.0, length=3),
            Plan(
                "level_shift_up", _at(V_END, 2026, 9, 21), "tender-bids", "claude-sonnet-4-5", 0.7, length=10
            ),
        ],
        seats=150.0 * 500,
        credit=8000.0,
        tag_causes=(("route-planner@staging", "env", "staging"),),
    ),
    Spec26(
        "merlion",
        2602,
        "SGD",
        "SG",
        M_END,
        lines=[
            L(
                "sanctions-screen",
                "compliance",
                "bedrock-claude-sonnet-4-5",
                14000,
                FLAT,
                None,
                0.001,
                0.05,
                0.25,
            ),
            L("kyc-docs", "compliance", "bedrock-claude-haiku-4-5", 6000, WEEKDAY, 0.1, 0.001, 0.07, 0.3),
            L("fx-quote-explain", "payments", "amazon-nova-pro", 5000, MIXED, 0.8, 0.001, 0.07, 0.45),
            L("payout-recon", "payments", "amazon-nova-lite", 3000, WEEKDAY, 0.1, 0.001, 0.08, 0.3),
            L("support-chat", "support", "gpt-4o-mini", 4500, MIXED, 0.9, 0.001, 0.07, 0.4, None),
            L("merchant-onboard", "sales", "claude-sonnet-4-5", 2500, WEEKDAY, 0.1, 0.001, 0.09, 0.5),
            L(
                "embeddings",
                "platform",
                "titan-embed-v2",
                1500,
                FLAT,
                None,
                0.001,
                0.05,
                0.05,
                tags=(("region", "us-east-1"),),
            ),
            L("remit-chat", "support", "claude-haiku-4-5", 3500, REMIT, 1.3, 0.002, 0.08, 0.45),
        ],
        plans=[
            Plan("leak", _at(M_END, 2026, 8, 31), "fx-quote-explain", "amazon-nova-pro", 0.05, length=12),
            Plan("outage", _at(M_END, 2026, 9, 15), "payout-recon", "amazon-nova-lite", -0.95, length=2),
            Plan("key_leak", _at(M_END, 2026, 9, 22), "", "gpt-5", 0, length=6, team="support"),
            Plan(
                "multi_day_spike",
                _at(M_END, 2026, 10, 20),
                "sanctions-screen@us-east-1",
                "bedrock-claude-sonnet-4-5",
                7.0,
                length=3,
            ),  # a re-screening batch pinned to the standby region, looping
            Plan(
                "migration",
                _at(M_END, 2026, 10, 27),
                "merchant-onboard",
                "claude-sonnet-4-5",
                0.9,
                length=4,
                to_model="bedrock-claude-sonnet-4-5",
            ),  # the same model, from Anthropic's API to Bedrock
            Plan(
                "spike", _at(M_END, 2026, 11, 9), "remit-chat", "claude-haiku-4-5", 1.5
            ),  # Deepavali (observed), a Monday
            Plan(
                "level_shift_down",
                _at(M_END, 2026, 11, 16),
                "kyc-docs",
                "bedrock-claude-haiku-4-5",
                -0.5,
                length=14,
            ),
            Plan(
                "token_mix",
                _at(M_END, 2026, 11, 30),
                "sanctions-screen",
                "bedrock-claude-sonnet-4-5",
                1.5,
                length=3,
            ),
            Plan("retry", _at(M_END, 2026, 12, 8), "support-chat", "gpt-4o-mini", 6.0),
        ],
        seats=60.0 * 45,
        credit=1000.0,
        region_moves=tuple(
            (f, m, "us-east-1", "ap-southeast-1", dt.date(2026, 8, 24), dt.date(2026, 9, 6), 0.9, 1.1)
            for f, m in (
                ("sanctions-screen", "bedrock-claude-sonnet-4-5"),
                ("kyc-docs", "bedrock-claude-haiku-4-5"),
                ("fx-quote-explain", "amazon-nova-pro"),
                ("payout-recon", "amazon-nova-lite"),
            )
        ),
        tag_causes=(("sanctions-screen@us-east-1", "region", "us-east-1"),),
    ),
    Spec26(
        "hygge",
        2603,
        "DKK",
        "DK",
        H_END,
        lines=[
            L("clinical-notes", "clinical", "gpt-4o-2024-11-20", 70000, MIXED, 0.6, 0.0005, 0.05, 0.3),
            L("discharge-letters", "clinical", "gpt-4.1-2025-04-14", 3500, WEEKDAY, 0.3, 0.001, 0.07, 0.45),
            L("radiology-reports", "radiology", "o4-mini-2025-04-16", 2500, WEEKDAY, 0.2, 0.001, 0.08, 0.4),
            L("patient-portal", "patients", "gpt-4o-mini-2024-07-18", 1800, MIXED, 0.8, 0.001, 0.08, 0.4),
            L("research-rag", "research", "claude-sonnet-4-5", 1500, WEEKDAY, 0.05, 0.001, 0.1, 0.5),
            L("embeddings", "platform", "text-embedding-3-small", 600, FLAT, None, 0.001, 0.05, 0.05),
            L("icd-coding", "admin", "gemini-2.5-flash", 1200, WEEKDAY, 0.05, 0.001, 0.08, 0.3),
        ],
        plans=[
            Plan(
                "outage", _at(H_END, 2026, 4, 7), "patient-portal", "gpt-4o-mini-2024-07-18", -0.95, length=2
            ),
            Plan("leak", _at(H_END, 2026, 4, 14), "radiology-reports", "o4-mini-2025-04-16", 0.06, length=12),
            Plan(
                "multi_day_spike",
                _at(H_END, 2026, 4, 28),
                "discharge-letters@aalborg-uh",
                "gpt-4.1-2025-04-14",
                11.0,
                length=2,
            ),  # one hospital's integration resending its letters
            Plan("key_leak", _at(H_END, 2026, 5, 12), "", "gpt-5", 0, length=8, team="research"),
            Plan(
                "migration",
                _at(H_END, 2026, 5, 26),
                "icd-coding",
                "gemini-2.5-flash",
                0.9,
                length=4,
                to_model="gpt-4o-mini-2024-07-18",
            ),
            Plan(
                "spike", _at(H_END, 2026, 6, 8), "research-rag", "claude-sonnet-4-5", 4.0
            ),  # a grant deadline
            Plan(
                "token_mix", _at(H_END, 2026, 6, 16), "radiology-reports", "o4-mini-2025-04-16", 2.0, length=3
            ),
            Plan(
                "level_shift_down",
                _at(H_END, 2026, 6, 29),
                "patient-portal",
                "gpt-4o-mini-2024-07-18",
                -0.55,
                length=20,
            ),
            Plan(
                "multi_day_spike",
                _at(H_END, 2026, 7, 13),
                "embeddings",
                "text-embedding-3-small",
                4.0,
                length=3,
            ),  # the knowledge base re-indexed three times
        ],
        seats=0.0,
        credit=0.0,
        standing_commitment=("clinical-notes", "gpt-4o-2024-11-20", 1.4),
        tag_splits=(
            (
                "discharge-letters",
                "gpt-4.1-2025-04-14",
                "tenant",
                (("rigshospitalet", 0.45), ("aarhus-uh", 0.3), ("odense-uh", 0.17), ("aalborg-uh", 0.08)),
            ),
        ),
        seasons=((dt.date(2026, 7, 6), H_END, 0.7, OFFICE_DK),),  # the summer quiet
        tag_causes=(("discharge-letters@aalborg-uh", "tenant", "aalborg-uh"),),
        company_sigma=0.02,
    ),
    Spec26(
        "siam",
        2604,
        "THB",
        "TH",
        S_END,
        lines=[
            L("trip-planner", "booking", "gpt-4.1", 120000, TRAVEL, 1.2, 0.0, 0.05, 0.4, seasonal=True),
            L("hotel-copy", "content", "claude-sonnet-4-5", 40000, WEEKDAY, 0.1, 0.001, 0.07, 0.6),
            L(
                "review-summaries",
                "content",
                "gemini-2.5-flash",
                25000,
                FLAT,
                None,
                0.0,
                0.06,
                0.3,
                seasonal=True,
            ),
            L("price-alerts", "marketing", "gpt-4o-mini", 30000, FLAT, None, 0.0, 0.06, 0.35, seasonal=True),
            L("care-chat", "care", "claude-haiku-4-5", 50000, FLAT, 1.1, 0.0, 0.05, 0.45, seasonal=True),
            L(
                "fraud-check",
                "payments",
                "amazon-nova-lite",
                15000,
                FLAT,
                None,
                0.0,
                0.05,
                0.2,
                seasonal=True,
            ),
            L("visa-docs", "care", "gpt-4o", 10000, WEEKDAY, 0.3, 0.0, 0.08, 0.35, seasonal=True),
            L("trip-planner", "booking", "gpt-4.1", 2400, WEEKDAY, 0.05, 0.0, 0.12, 0.4, "dev"),
        ],
        plans=[
            Plan("leak", _at(S_END, 2026, 11, 2), "price-alerts", "gpt-4o-mini", 0.03, length=21),
            Plan(
                "multi_day_spike", _at(S_END, 2026, 11, 16), "trip-planner@dev", "gpt-4.1", 19.0, length=3
            ),  # a developer's eval loop left running
            Plan("outage", _at(S_END, 2026, 11, 24), "visa-docs", "gpt-4o", -0.9, length=2),
            Plan(
                "spike", _at(S_END, 2026, 12, 10), "care-chat", "claude-haiku-4-5", 2.0
            ),  # Constitution Day, a Thursday: an airline strike
            Plan("key_leak", _at(S_END, 2026, 12, 14), "", "claude-opus-4-5", 0, length=8, team="content"),
            Plan(
                "level_shift_up", _at(S_END, 2026, 12, 28), "fraud-check", "amazon-nova-lite", 0.9, length=14
            ),
            Plan(
                "migration",
                _at(S_END, 2027, 1, 11),
                "review-summaries",
                "gemini-2.5-flash",
                0.9,
                length=4,
                to_model="gpt-4.1-mini",
            ),
            Plan("leak", _at(S_END, 2027, 1, 19), "care-chat", "claude-haiku-4-5", 0.04, length=14),
            Plan("token_mix", _at(S_END, 2027, 2, 8), "trip-planner", "gpt-4.1", 1.0, length=3),
        ],
        seats=400.0 * 300,
        credit=20000.0,
        yearly=(0.3, dt.date(2027, 1, 5)),
        seasons=(
            (dt.date(2026, 12, 20), dt.date(2027, 1, 3), 1.2, ("booking", "care", "marketing", "payments")),
        ),
        tag_causes=(("trip-planner@dev", "env", "dev"),),
    ),
]


def _key(ln: Line26) -> str:
    """A line's key feature: "feature" in prod, "feature@env" in another env, "feature@value" when split by a
    tag (region, tenant)."""
    extra = [v for _, v in getattr(ln, "tags", ())]
    if ln.env not in ("prod", None):
        return f"{ln.feature}@{ln.env}"
    if extra and ln.split:
        return f"{ln.feature}@{extra[-1]}"
    return ln.feature


def _yearly(c: Company, spec: Spec26) -> np.ndarray:
    if not spec.yearly:
        return np.ones(DAYS)
    amp, peak = spec.yearly
    t = np.array([(c.day(i) - peak).days for i in range(DAYS)])
    return np.exp(amp * np.cos(2 * np.pi * t / 365.25))


def _splits(c: Company, spec: Spec26, ln: Line26) -> list[tuple[Line26, np.ndarray]]:
    """The line's parts with their share of its spend each day: one part, or one per region (moving from one to
    the other in both twins, the moved part at a premium) or per tag value."""
    for f, m, src, dst, lo, hi, moved, premium in spec.region_moves:
        if (f, m) == (ln.feature, ln.model) and ln.env in ("prod", None):
            days = np.array([(c.day(i) - lo).days for i in range(DAYS)], dtype=float)
            s = np.clip((days + 1) / ((hi - lo).days + 1), 0, 1) * moved
            return [
                (_part(ln, "region", src), 1 - s),
                (_part(ln, "region", dst), s * premium),
            ]
    for f, m, tag, values in spec.tag_splits:
        if (f, m) == (ln.feature, ln.model) and ln.env in ("prod", None):
            return [(_part(ln, tag, v), np.full(DAYS, share)) for v, share in values]
    return [(ln, np.ones(DAYS))]


def _part(ln: Line26, tag: str, value: str) -> Line26:
    return dataclasses.replace(ln, tags=(*ln.tags, (tag, value)), split=True)


def _rows26(
    c: Company, arrays: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]], lines: dict
) -> list[dict]:
    """Round 22's rows (bench/anomaly_world_blind22.py `_rows`) with a line's extra tags."""
    rows = []
    for key, (inp, out) in arrays.items():
        ln = lines[key]
        provider, service = MODELS22[key[1]]
        tags = {"team": ln.team}
        if ln.feature:
            tags["feature"] = ln.feature
        if ln.env:
            tags["env"] = ln.env
        tags.update(dict(getattr(ln, "tags", ())))
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
                        "resource": f"{key[0] or 'key-' + ln.team}-{key[1]}",
                    }
                )
    return rows


def _apply26(
    c: Company, p: Plan, lines: dict, base: dict, arrays: dict, rng: np.random.Generator, extra: dict
) -> Labelled:
    """Round 22's `_apply` on every part of a line split by region or tag (one label, the parts' impacts
    summed); a plan naming "feature@value" hits that part alone."""
    parts = [k for k in lines if k[1] == p.model and k[0].split("@")[0] == p.feature and "@" in k[0]]
    if p.kind in ("price_cut", "key_leak", "migration") or (p.feature, p.model) in lines or not parts:
        return _apply(c, p, lines, base, arrays, rng, extra)
    parts = [k for k in parts if lines[k].env in ("prod", None)]
    first = _apply(c, dataclasses.replace(p, feature=parts[0][0]), lines, base, arrays, rng, extra)
    for k in parts[1:]:
        first.impact += _apply(
            c, dataclasses.replace(p, feature=k[0]), lines, base, arrays, rng, extra
        ).impact
    return first


def build26(spec: Spec26) -> Company:
    """Round 25's build (bench/anomaly_world_blind25.py `build25`) with lines split by region or tag, a yearly
    season and tag causes."""
    c = Company(spec.name, spec.seed, spec.currency, spec.country, spec.end)
    rng = np.random.default_rng(spec.seed)
    wd, hol = _calendar(c, spec)
    company_factor = np.exp(rng.normal(0, spec.company_sigma, DAYS))
    yearly = _yearly(c, spec)
    lines: dict[tuple[str, str], Line] = {}
    clean: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
    base: dict[tuple[str, str], np.ndarray] = {}
    for ln in spec.lines:
        level = (
            ln.level
            * _season(c, spec, ln, wd, hol)
            * (1 + ln.growth) ** np.arange(DAYS)
            * company_factor
            * (yearly if ln.seasonal else 1.0)
        )
        noise = np.exp(rng.standard_t(6, DAYS) * ln.sigma / np.sqrt(1.5))
        share = np.clip(ln.output_share * np.exp(rng.normal(0, 0.03, DAYS)), 0.05, 0.95)
        for part, weight in _splits(c, spec, ln):
            key = (_key(part), part.model)
            lines[key] = part
            base[key] = level * weight
            cost = base[key] * noise
            clean[key] = (cost * (1 - share), cost * share)
    fees_clean: dict[tuple[str, str], np.ndarray] = {}
    fees_noisy: dict[tuple[str, str], np.ndarray] = {}
    noisy = {k: (a.copy(), b.copy()) for k, (a, b) in clean.items()}
    if spec.standing_commitment:  # in both twins, never expires inside the data
        feature, model, covered = spec.standing_commitment
        _commitment(
            Plan("commitment", DAYS + 1, feature, model, covered), clean, noisy, fees_clean, fees_noisy
        )
    keys_of_leaks: dict[tuple[str, str], Line] = {}
    events = [_apply26(c, p, lines, base, noisy, rng, keys_of_leaks) for p in spec.plans]
    causes = {f: (tag, value) for f, tag, value in spec.tag_causes}
    for ev, p in zip(events, spec.plans, strict=True):
        if p.feature in causes:  # the cause is the tag: the feature and model carry the larger values' spend
            ev.causes = {causes[p.feature]}
    events.sort(key=lambda e: e.start)
    c.events = events
    charges = _charges(c, spec)
    all_lines = {**lines, **keys_of_leaks}
    c.rows = _rows26(c, noisy, all_lines) + _fees(c, fees_noisy, all_lines) + charges
    c.clean_rows = _rows26(c, clean, all_lines) + _fees(c, fees_clean, all_lines) + charges
    return c


def blind26_companies() -> list[Company]:
    out = []
    for spec in SPECS:
        c = build26(spec)
        assert all(e.start >= WARMUP for e in c.events), spec.name
        out.append(c)
    return out


def describe() -> None:
    """Each event with its day, size and share of a usual day (the median clean day of days 32-59)."""
    for c in blind26_companies():
        total = np.zeros(DAYS)
        for r in c.clean_rows:
            total[(r["day"] - c.start).days] += r["cost"]
        usual = float(np.median(total[32:60]))
        print(f"{c.name} ({c.currency}, {c.start}..{c.end}): usual day {usual:,.0f}")
        for ev in c.events:
            days = ev.end - ev.start + 1
            print(
                f"  {ev.start} {c.day(ev.start)} {c.day(ev.start):%a} {ev.label()} impact {ev.impact:+,.0f} "
                f"({ev.impact / days / usual:+.1%} of a day) causes {sorted(ev.causes)}"
            )


if __name__ == "__main__":
    import argparse

    argparse.ArgumentParser(
        description="Print blind round 26's companies and their labelled incidents (scored by "
        "anomaly_benchmark.py --set blind26)."
    ).parse_args()
    describe()
