"""Blind round 28 (`--set blind28`): four labelled companies designed before reading the detection rules, each
unlike the `tuning`, `held_out`, `blind21` .. `blind27` companies, built with round 22's to 27's generators
(bench/anomaly_world_blind22.py .. _blind27.py) plus shapes of their own:

- balaton (HUF, HU): an online retailer with a **Black-Friday-to-Christmas ramp that is normal** (in both twins:
  the shop lines climb from early November to 2.3x before Christmas, Black Friday 3.2x and Cyber Monday 2.4x,
  Christmas Day 0.5x, January back to about 1.05x), a small `env=staging` copy of its shop assistant;
- bayanihan (PHP, PH): a 24/7 contact-centre outsourcer whose agent copilot **moved on purpose from gpt-4.1 to
  gpt-4.1-mini** on Sep 1-2 (a known change at a fifth of the price: a level shift down in both twins, not an
  incident) and whose transcription line **moved region** (asia-southeast1 to asia-east1, same spend, Oct 5-6,
  both twins: not an anomaly);
- macondo (COP, CO): a research lab whose training cluster runs a **weekly training run every Tuesday** (5x the
  cluster's ordinary day, GPU hours, in both twins), with a serving cluster under a GPU commitment;
- mekong (VND, VN): a support SaaS with **many small customers** (its helpdesk line split over 24 customers by
  tag `customer`, the smallest about 1% of the company), quiet over **Tet** (the `holidays` package's seven
  Lunar New Year days: 0.2x on the office lines) and an embeddings line that **moved region** (Dec 14-15, same
  spend, both twins).

New in this round (each labelled with the kinds of bench/anomaly_world.py):
- a **price rise of 10-18% on one model or provider** (below a 20% relative floor: `level_shift_up`, cause the
  model, or the provider when it is two models): gpt-4.1 +14%, gemini-2.5-flash +17% and +18%, Nebius +12%;
- **short slow leaks** of 12-16 days (`ramp`, +3-5%/day compounded, then held);
- a **leak in output tokens only** (`ramp`, +4-6%/day on the output rows; causes the feature, the model or
  token_type=output);
- a **missed scheduled batch**: the Tuesday training run that does not happen (`outage`, cause the feature or
  model: the line at its ordinary day on a day it is usually 5x);
- a **runaway retry loop**: requests x10 for 6 hours of a day, seen on daily data as input x3.25 and output
  x1.34 on that day (`spike`, cause the feature, model or token_type=input);
- a **customer at 2% of the company's spend tripling** for ten days (`level_shift_up`, cause the tag);
- region moves and a planned move to a cheaper model in both twins (not anomalies: a detector that reports them
  adds clean-twin alert groups);
- every kind earlier rounds label: spikes (incl. a loop on a Tet day and a retry storm), an env load test,
  duplicate billing, a broken pipeline, a provider price cut, a commitment expiring, a leaked key, a migration, a
  token mix, level shifts, outages.

"% of a day" is the event's change a day against the median clean day of days 32-59 (`python
bench/anomaly_world_blind28.py` prints every event).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import numpy as np
from anomaly_world import DAYS, WARMUP, Company
from anomaly_world_blind22 import (
    FLAT,
    MIXED,
    WEEKDAY,
    WEEKEND_HEAVY,
    Labelled,
    Line,
    _charges,
    _commitment,
    _fees,
    _label,
)
from anomaly_world_blind23 import _at, _calendar
from anomaly_world_blind26 import Line26, _key, _season, _splits, _yearly
from anomaly_world_blind27 import Plan27, Spec27, _apply27, _rows27

ALWAYS = (1.0, 1.0, 1.0, 1.0, 1.0, 0.97, 0.97)  # a 24/7 contact centre
GROWTH = 0.001


@dataclass
class Spec28(Spec27):
    # retail season on the shop lines (teams ecommerce, merchandising, customer-care; prod): (date, factor) knots, linear between them, 1.0 outside
    retail: tuple[tuple[dt.date, float], ...] = ()
    # planned model moves, both twins: (feature, from model, to model, first day, days to move, price ratio)
    planned_moves: tuple[tuple[str, str, str, dt.date, int, float], ...] = ()
    # weekly batches, both twins: (feature, model, weekday 0=Monday, x the line's ordinary day)
    weekly_batches: tuple[tuple[str, str, int, float], ...] = ()


L = Line26
P = Plan27
B_END, Y_END, M_END, K_END = (
    dt.date(2027, 1, 20),
    dt.date(2026, 11, 15),
    dt.date(2026, 10, 10),
    dt.date(2027, 3, 15),
)
RETAIL = (
    (dt.date(2026, 11, 1), 1.0),
    (dt.date(2026, 11, 20), 1.4),
    (dt.date(2026, 11, 26), 1.6),
    (dt.date(2026, 11, 27), 3.2),  # Black Friday
    (dt.date(2026, 11, 28), 2.0),
    (dt.date(2026, 11, 29), 1.7),
    (dt.date(2026, 11, 30), 2.4),  # Cyber Monday
    (dt.date(2026, 12, 1), 1.7),
    (dt.date(2026, 12, 20), 2.3),
    (dt.date(2026, 12, 23), 2.2),
    (dt.date(2026, 12, 24), 1.3),
    (dt.date(2026, 12, 25), 0.5),
    (dt.date(2026, 12, 26), 0.9),
    (dt.date(2026, 12, 27), 1.5),  # returns and gift cards
    (dt.date(2027, 1, 6), 1.2),
    (dt.date(2027, 1, 20), 1.05),
)
CUSTOMERS = tuple(
    (f"c{i:02d}-{name}", share)
    for i, (name, share) in enumerate(
        [
            ("vinmart", 0.104),
            ("saigon-tech", 0.11),
            ("hanoi-logistics", 0.09),
            ("danang-resorts", 0.08),
            ("mekong-agri", 0.07),
            ("hue-health", 0.06),
            ("pho-saigon", 0.05),  # about 2% of the company
            ("lotus-edu", 0.04),
            ("bien-hoa-steel", 0.035),
            ("can-tho-fish", 0.035),
            ("sapa-travel", 0.03),
            ("halong-cruise", 0.03),
            ("nha-trang-dive", 0.028),
            ("dalat-coffee", 0.027),
            ("quy-nhon-solar", 0.025),
            ("vung-tau-oil", 0.025),
            ("hai-phong-port", 0.025),
            ("bac-ninh-elec", 0.022),
            ("long-an-rice", 0.022),
            ("ben-tre-coco", 0.02),
            ("phu-quoc-pearl", 0.02),
            ("tay-ninh-tea", 0.018),
            ("ca-mau-shrimp", 0.017),
            ("kon-tum-wood", 0.017),
        ]
    )
)

SPECS = [
    Spec28(
        "balaton",
        2801,
        "HUF",
        "HU",
        B_END,
        lines=[
            L("shop-assistant", "ecommerce", "claude-haiku-4-5", 700000, WEEKEND_HEAVY, 0.6, 0.0, 0.06, 0.45),
            L("product-copy", "merchandising", "gpt-4.1", 500000, MIXED, 0.3, 0.0, 0.07, 0.55),
            L("search-rerank", "ecommerce", "gemini-2.5-flash", 300000, FLAT, 0.8, 0.0, 0.05, 0.2),
            L("returns-triage", "customer-care", "gpt-4o-mini", 250000, MIXED, 0.4, 0.0, 0.07, 0.35),
            L("demand-forecast", "supply-chain", "claude-sonnet-4-5", 200000, WEEKDAY, 0.1, 0.0, 0.08, 0.4),
            L("review-moderation", "trust", "mistral-large", 100000, FLAT, 0.9, 0.0, 0.07, 0.3),
            L(
                "shop-assistant",
                "ecommerce",
                "claude-haiku-4-5",
                20000,
                WEEKDAY,
                0.1,
                0.0,
                0.12,
                0.45,
                "staging",
            ),
        ],
        plans=[
            P("pipeline", _at(B_END, 2026, 9, 29), "", "", -0.97, length=2, provider="Google Cloud"),
            P("model_price", _at(B_END, 2026, 10, 6), "", "gpt-4.1", 0.14, length=10),
            P("leak", _at(B_END, 2026, 10, 14), "returns-triage", "gpt-4o-mini", 0.04, length=13),
            P(
                "output_leak",
                _at(B_END, 2026, 10, 27),
                "demand-forecast",
                "claude-sonnet-4-5",
                0.06,
                length=14,
            ),
            P("key_leak", _at(B_END, 2026, 11, 10), "", "gpt-5", 0, length=7, team="trust"),
            P(
                "multi_day_spike",
                _at(B_END, 2026, 11, 17),
                "shop-assistant@staging",
                "claude-haiku-4-5",
                8.0,
                length=3,
            ),  # a load test for Black Friday left running
            P("token_mix", _at(B_END, 2026, 12, 2), "returns-triage", "gpt-4o-mini", 1.5, length=3),
            P("retry", _at(B_END, 2026, 12, 8), "shop-assistant", "claude-haiku-4-5", 2.25),  # 6 hours x10
            P("duplicate", _at(B_END, 2026, 12, 15), "", "", 0, provider="Anthropic"),  # in the high season
            P("outage", _at(B_END, 2026, 12, 29), "review-moderation", "mistral-large", -0.9, length=2),
            P(
                "level_shift_down",
                _at(B_END, 2027, 1, 5),
                "demand-forecast",
                "claude-sonnet-4-5",
                -0.5,
                length=10,
            ),
            P(
                "migration",
                _at(B_END, 2027, 1, 11),
                "product-copy",
                "gpt-4.1",
                0.9,
                length=4,
                to_model="claude-sonnet-4-5",
            ),
        ],
        seats=200.0 * 9000,
        credit=300000.0,
        retail=RETAIL,
        tag_causes=(("shop-assistant@staging", "env", "staging"),),
    ),
    Spec28(
        "bayanihan",
        2802,
        "PHP",
        "PH",
        Y_END,
        lines=[
            L("agent-copilot", "operations", "gpt-4.1", 90000, ALWAYS, 0.95, GROWTH, 0.05, 0.35),
            L("call-summary", "operations", "gpt-4o-mini", 40000, ALWAYS, 0.95, GROWTH, 0.05, 0.3),
            L("transcripts", "operations", "gemini-2.5-flash", 45000, ALWAYS, 0.95, GROWTH, 0.05, 0.15),
            L("qa-scoring", "quality", "claude-sonnet-4-5", 30000, WEEKDAY, 0.2, GROWTH, 0.07, 0.4),
            L("workforce-plan", "wfm", "gemini-2.5-pro", 10000, WEEKDAY, 0.1, 0.0, 0.09, 0.5),
            L("client-reports", "account-mgmt", "claude-haiku-4-5", 8000, WEEKDAY, 0.1, 0.0, 0.09, 0.55),
        ],
        plans=[
            P("leak", _at(Y_END, 2026, 7, 27), "call-summary", "gpt-4o-mini", 0.03, length=16),
            P("spike", _at(Y_END, 2026, 8, 4), "client-reports", "claude-haiku-4-5", 3.0),
            P("retry", _at(Y_END, 2026, 8, 25), "call-summary", "gpt-4o-mini", 2.25),  # 6 hours x10
            P("key_leak", _at(Y_END, 2026, 9, 8), "", "claude-opus-4-5", 0, length=7, team="quality"),
            P("model_price", _at(Y_END, 2026, 9, 15), "", "gemini-2.5-flash", 0.17, length=10),
            P("output_leak", _at(Y_END, 2026, 9, 28), "qa-scoring", "claude-sonnet-4-5", 0.05, length=15),
            P("pipeline", _at(Y_END, 2026, 10, 20), "", "", -0.97, length=2, provider="Anthropic"),
            P("price_cut", _at(Y_END, 2026, 10, 26), "", "gpt-4o-mini", -0.4, length=7),
            P(
                "migration",
                _at(Y_END, 2026, 11, 2),
                "workforce-plan",
                "gemini-2.5-pro",
                0.9,
                length=4,
                to_model="claude-sonnet-4-5",
            ),
            P(
                "level_shift_up",
                _at(Y_END, 2026, 11, 5),
                "client-reports",
                "claude-haiku-4-5",
                0.8,
                length=10,
            ),
        ],
        seats=500.0 * 1200,
        credit=50000.0,
        planned_moves=(("agent-copilot", "gpt-4.1", "gpt-4.1-mini", dt.date(2026, 9, 1), 2, 0.2),),
        region_moves=(
            (
                "transcripts",
                "gemini-2.5-flash",
                "asia-southeast1",
                "asia-east1",
                dt.date(2026, 10, 5),
                dt.date(2026, 10, 6),
                1.0,
                1.0,
            ),
        ),
        company_sigma=0.02,
    ),
    Spec28(
        "macondo",
        2803,
        "COP",
        "CO",
        M_END,
        lines=[
            L("train-weekly", "research", "llama-3.1-405b-ft", 600000, FLAT, 1.0, 0.0, 0.05, 0, gpu=True),
            L("serving", "product", "llama-3.3-70b-nb", 800000, MIXED, 0.7, 0.001, 0.05, 0, gpu=True),
            L("eval-harness", "research", "gpt-4.1", 500000, WEEKDAY, 0.1, 0.001, 0.08, 0.3),
            L("data-synth", "data", "deepseek-v3", 350000, FLAT, 1.0, 0.001, 0.06, 0.6),
            L("paper-assist", "writing", "claude-sonnet-4-5", 250000, WEEKDAY, 0.1, 0.0, 0.08, 0.5),
            L("lab-chat", "ops", "gpt-4o-mini", 120000, MIXED, 0.5, 0.0, 0.08, 0.4),
            L("eval-harness", "research", "gpt-4.1", 25000, WEEKDAY, 0.1, 0.0, 0.12, 0.3, "dev"),
        ],
        plans=[
            P("retry", _at(M_END, 2026, 6, 17), "eval-harness", "gpt-4.1", 2.25),  # 6 hours x10
            P("commitment", _at(M_END, 2026, 6, 24), "serving", "llama-3.3-70b-nb", 0.7, length=7),
            P("leak", _at(M_END, 2026, 7, 1), "data-synth", "deepseek-v3", 0.04, length=12),
            P("missed_batch", _at(M_END, 2026, 7, 14), "train-weekly", "llama-3.1-405b-ft", 0),  # a Tuesday
            P("output_leak", _at(M_END, 2026, 7, 20), "paper-assist", "claude-sonnet-4-5", 0.05, length=16),
            P(
                "multi_day_spike", _at(M_END, 2026, 8, 4), "eval-harness@dev", "gpt-4.1", 10.0, length=3
            ),  # a developer's sweep left running
            P("provider_price", _at(M_END, 2026, 8, 11), "", "", 0.12, length=10, provider="Nebius"),
            P("key_leak", _at(M_END, 2026, 8, 24), "", "o3", 0, length=6, team="data"),
            P("token_mix", _at(M_END, 2026, 9, 1), "lab-chat", "gpt-4o-mini", 2.0, length=3),
            P("duplicate", _at(M_END, 2026, 9, 9), "", "", 0, provider="OpenAI"),
            P(
                "multi_day_spike", _at(M_END, 2026, 9, 19), "train-weekly", "llama-3.1-405b-ft", 3.0, length=2
            ),  # a training cluster left up over a weekend
            P("missed_batch", _at(M_END, 2026, 9, 22), "train-weekly", "llama-3.1-405b-ft", 0),  # a Tuesday
            P(
                "migration",
                _at(M_END, 2026, 9, 28),
                "paper-assist",
                "claude-sonnet-4-5",
                0.9,
                length=4,
                to_model="gemini-2.5-pro",
            ),
            P("outage", _at(M_END, 2026, 10, 5), "lab-chat", "gpt-4o-mini", -0.95, length=2),
        ],
        seats=60.0 * 90000,
        credit=2000000.0,
        weekly_batches=(("train-weekly", "llama-3.1-405b-ft", 1, 5.0),),
        tag_causes=(("eval-harness@dev", "env", "dev"),),
    ),
    Spec28(
        "mekong",
        2804,
        "VND",
        "VN",
        K_END,
        lines=[
            L("helpdesk-ai", "product", "claude-haiku-4-5", 25e6, MIXED, 0.3, 0.002, 0.05, 0.45),
            L("invoice-ocr", "product", "gemini-2.5-flash", 12e6, WEEKDAY, 0.2, 0.002, 0.06, 0.2),
            L("chat-widget", "product", "gpt-4o-mini", 8e6, MIXED, 0.3, 0.002, 0.07, 0.4),
            L("dev-agent", "eng", "claude-sonnet-4-5", 7e6, WEEKDAY, 0.05, 0.001, 0.08, 0.45),
            L("analytics-sql", "data", "gpt-4.1", 6e6, WEEKDAY, 0.1, 0.001, 0.08, 0.3),
            L(
                "embeddings",
                "platform",
                "text-embedding-3-large",
                2e6,
                FLAT,
                None,
                0.002,
                0.05,
                0.05,
                tags=(("region", "ap-southeast-1"),),
            ),
        ],
        plans=[
            P("leak", _at(K_END, 2026, 11, 24), "chat-widget", "gpt-4o-mini", 0.05, length=12),
            P(
                "level_shift_up",
                _at(K_END, 2026, 12, 2),
                "helpdesk-ai@c06-pho-saigon",
                "claude-haiku-4-5",
                2.0,
                length=10,
            ),
            P("output_leak", _at(K_END, 2026, 12, 21), "analytics-sql", "gpt-4.1", 0.04, length=14),
            P("model_price", _at(K_END, 2027, 1, 6), "", "gemini-2.5-flash", 0.18, length=10),
            P("retry", _at(K_END, 2027, 1, 25), "invoice-ocr", "gemini-2.5-flash", 2.25),  # 6 hours x10
            P("key_leak", _at(K_END, 2027, 1, 27), "", "gpt-5", 0, length=7, team="eng"),
            P(
                "spike", _at(K_END, 2027, 2, 8), "chat-widget", "gpt-4o-mini", 2.0
            ),  # Tet's third day: a bot loop
            P("level_shift_down", _at(K_END, 2027, 2, 16), "dev-agent", "claude-sonnet-4-5", -0.5, length=10),
            P("pipeline", _at(K_END, 2027, 2, 24), "", "", -0.97, length=2, provider="Anthropic"),
            P("token_mix", _at(K_END, 2027, 3, 2), "invoice-ocr", "gemini-2.5-flash", 1.5, length=3),
            P(
                "migration",
                _at(K_END, 2027, 3, 8),
                "analytics-sql",
                "gpt-4.1",
                0.9,
                length=4,
                to_model="deepseek-v3",
            ),
        ],
        seats=120.0 * 600000,
        credit=20e6,
        tag_splits=(("helpdesk-ai", "claude-haiku-4-5", "customer", CUSTOMERS),),
        tag_causes=(("helpdesk-ai@c06-pho-saigon", "customer", "c06-pho-saigon"),),
        region_moves=(
            (
                "embeddings",
                "text-embedding-3-large",
                "ap-southeast-1",
                "ap-southeast-7",
                dt.date(2026, 12, 14),
                dt.date(2026, 12, 15),
                1.0,
                1.0,
            ),
        ),
    ),
]


def _retail(c: Company, spec: Spec28) -> np.ndarray:
    if not spec.retail:
        return np.ones(DAYS)
    x = [(d - c.start).days for d, _ in spec.retail]
    y = [f for _, f in spec.retail]
    return np.interp(np.arange(DAYS), x, y, left=1.0, right=y[-1])


def _apply28(
    c: Company, p: Plan27, lines: dict, base: dict, arrays: dict, rng: np.random.Generator, extra: dict
) -> Labelled:
    """Round 27's `_apply27`, plus a leak in output tokens only and a missed weekly batch (its run taken out of
    the event twin in `build28`: here its label)."""
    if p.kind not in ("output_leak", "missed_batch"):
        return _apply27(c, p, lines, base, arrays, rng, extra)
    ln = lines[(p.feature, p.model)]
    start, end = p.day, min(p.day + p.length - 1, DAYS - 1)
    if p.kind == "missed_batch":
        ev = _label(p, ln, start, end, "outage")
        ev.direction = "drop"
        return ev
    ev = _label(p, ln, start, end, "ramp")
    out = arrays[(p.feature, p.model)][1]
    days = np.arange(start, end + 1)
    before = float(out[days].sum())
    out *= (1 + p.magnitude) ** np.clip(np.arange(DAYS) - start + 1, 0, p.length)
    ev.causes.add(("token_type", "output"))
    ev.impact = float(out[days].sum()) - before
    ev.magnitude = p.magnitude
    ev.direction = "spike"
    return ev


def build28(spec: Spec28) -> Company:
    """Round 27's build (bench/anomaly_world_blind27.py `build27`) with a retail season, planned moves to a cheaper
    model and weekly batches (all in both twins), a missed batch and a leak in output tokens."""
    c = Company(spec.name, spec.seed, spec.currency, spec.country, spec.end)
    rng = np.random.default_rng(spec.seed)
    wd, hol = _calendar(c, spec)
    company_factor = np.exp(rng.normal(0, spec.company_sigma, DAYS))
    season = _yearly(c, spec) * _retail(c, spec)
    lines: dict[tuple[str, str], Line] = {}
    clean: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
    base: dict[tuple[str, str], np.ndarray] = {}
    for ln in spec.lines:
        retail = (
            spec.retail
            and ln.env in ("prod", None)
            and ln.team in ("ecommerce", "merchandising", "customer-care")
        )
        level = (
            ln.level
            * _season(c, spec, ln, wd, hol)
            * (1 + ln.growth) ** np.arange(DAYS)
            * company_factor
            * (season if retail else 1.0)
        )
        noise = np.exp(rng.standard_t(6, DAYS) * ln.sigma / np.sqrt(1.5))
        share = np.clip(ln.output_share * np.exp(rng.normal(0, 0.03, DAYS)), 0.05, 0.95)
        for part, weight in _splits(c, spec, ln):
            key = (_key(part), part.model)
            lines[key] = part
            base[key] = level * weight
            cost = base[key] * noise
            clean[key] = (cost, np.zeros(DAYS)) if ln.gpu else (cost * (1 - share), cost * share)
    for feature, old, new, first, span, ratio in spec.planned_moves:
        s = np.clip((np.array([(c.day(i) - first).days for i in range(DAYS)]) + 1) / span, 0, 1)
        inp, out = clean[(feature, old)]
        clean[(feature, new)] = (inp * s * ratio, out * s * ratio)
        lines[(feature, new)] = dataclasses.replace(lines[(feature, old)], model=new)
        clean[(feature, old)] = (inp * (1 - s), out * (1 - s))
    missed = {p.day for p in spec.plans if p.kind == "missed_batch"}
    runs: dict[int, float] = {}
    for feature, model, weekday, size in spec.weekly_batches:
        ln = lines[(feature, model)]
        for i in range(DAYS):
            if wd[i] == weekday:
                v = (size - 1) * ln.level * float(np.exp(rng.normal(0, 0.08)))
                clean[(feature, model)][0][i] += v
                runs[i] = v
    fees_clean: dict[tuple[str, str], np.ndarray] = {}
    fees_noisy: dict[tuple[str, str], np.ndarray] = {}
    noisy = {k: (a.copy(), b.copy()) for k, (a, b) in clean.items()}
    for feature, model, _, _ in spec.weekly_batches:  # the run that did not happen
        for i in missed:
            noisy[(feature, model)][0][i] -= runs[i]
    for p in spec.plans:
        if p.kind == "commitment":  # both twins: the commitment; the event's twin: it ends on `p.day`
            _commitment(p, clean, noisy, fees_clean, fees_noisy)
    keys_of_leaks: dict[tuple[str, str], Line] = {}
    events = [_apply28(c, p, lines, base, noisy, rng, keys_of_leaks) for p in spec.plans]
    causes = {f: (tag, value) for f, tag, value in spec.tag_causes}
    for ev, p in zip(events, spec.plans, strict=True):
        if p.feature in causes:  # the cause is the tag: the feature and model carry the larger values' spend
            ev.causes = {causes[p.feature]}
        if p.kind == "commitment":
            key, span = (p.feature, p.model), slice(ev.start, ev.end + 1)
            ev.impact = float(
                (sum(noisy[key]) + fees_noisy[key])[span].sum()
                - (sum(clean[key]) + fees_clean[key])[span].sum()
            )
        if p.kind == "missed_batch":
            ev.impact = -runs[p.day]
            ev.magnitude = -runs[p.day] / float(sum(clean[(p.feature, p.model)])[p.day])
    charges = _charges(c, spec)
    all_lines = {**lines, **keys_of_leaks}
    c.rows = _rows27(c, noisy, all_lines) + _fees(c, fees_noisy, all_lines) + charges
    c.clean_rows = _rows27(c, clean, all_lines) + _fees(c, fees_clean, all_lines) + charges
    for p in spec.plans:  # the same usage lines of one provider's day, loaded twice
        if p.kind == "duplicate":
            day = c.day(p.day)
            c.rows += [
                dict(r)
                for r in c.rows
                if r["day"] == day and r["provider"] == p.provider and r["category"] == "Usage"
            ]
    events.sort(key=lambda e: e.start)
    c.events = events
    return c


def blind28_companies() -> list[Company]:
    out = []
    for spec in SPECS:
        c = build28(spec)
        assert all(e.start >= WARMUP for e in c.events), spec.name
        out.append(c)
    return out


def describe() -> None:
    """Each event with its day, size and share of a usual day (the median clean day of days 32-59)."""
    for c in blind28_companies():
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
        description="Print blind round 28's companies and their labelled incidents (scored by "
        "anomaly_benchmark.py --set blind28)."
    ).parse_args()
    describe()
