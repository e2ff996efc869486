"""Blind round 23 (`--set blind23`): four labelled companies designed before reading the detection rules, each
unlike the `tuning`, `held_out`, `blind21` and `blind22` companies, built with round 22's generators
(bench/anomaly_world_blind22.py) plus three shapes of their own:

- kestrel (BRL, BR): an insurer whose spend is nine tenths one provider (AWS Bedrock: four models over six
  features, one small OpenAI line), a claims re-index batch that runs **only on Sundays**, and Carnival Monday
  and Tuesday (quiet office days the holiday library does not know);
- tablica (PLN, PL): an edtech on the school year: students' lines low on Fridays and Saturdays and busy on
  Sunday evenings, a self-hosted tutor model on a GPU cluster under a reserved-capacity commitment, the winter
  break (Dec 21 - Jan 3 at 40%) and the first group's winter holidays (Jan 18-31 at 75%), both in both twins;
- fjord (NOK, NO): a small media house with **many tiny lines** (22 lines of NOK 60-1,100 a day over 9 teams),
  six of them **sparse** (no spend on 40-65% of days), a Sunday-only archive re-index, a small GPU
  transcription cluster, Easter and the May holidays;
- cobalt (MXN, MX): a lender **shrinking fast** (every line -0.5% a day) after a price cut (-30% on every line
  from day 34, in both twins, before the scored window), mostly OpenAI.

New in this round:
- a sparse line (`presence`: the share of days with any spend; the same days in both twins; an event's own
  days are always present);
- a Sunday-only batch line (a week of zeros but Sunday): its run doubled (`spike`) or failed (`outage`);
- events at a month's end (a level shift starting on the last working day of a month), on public holidays
  (Tiradentes, Polish Independence Day, Norwegian Constitution Day, Mexican Independence Day), a GPU
  cluster left up over a holiday weekend (Christmas in Poland, Easter in Norway: `multi_day_spike`), a GPU
  commitment expiring, slow leaks of +2% to +3% a day compounded (`ramp`), on a growing and on a shrinking line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import holidays
import numpy as np
from anomaly_world import DAYS, WARMUP, Company
from anomaly_world_blind22 import (
    FLAT,
    MIXED,
    MODELS22,
    WEEKDAY,
    Line,
    Plan,
    Spec,
    _apply,
    _charges,
    _commitment,
    _fees,
    _month_end_days,  # noqa: F401  (kept for readers comparing the two generators)
    _rows,
    _season,
)

MODELS22.update(
    {
        "bedrock-claude-sonnet-4-5": ("AWS", "Amazon Bedrock"),
        "bedrock-claude-haiku-4-5": ("AWS", "Amazon Bedrock"),
        "bedrock-claude-opus-4-5": ("AWS", "Amazon Bedrock"),
        "titan-embed-v2": ("AWS", "Amazon Bedrock"),
        "gpt-4.1-mini": ("OpenAI", "OpenAI API"),
        "text-embedding-3-large": ("OpenAI", "OpenAI API"),
        "whisper-large-v3": ("Lambda", "GPU Cloud"),  # self-hosted: GPU hours, no tokens
        "mistral-small": ("Mistral AI", "Mistral API"),
    }
)
STUDENT = (1.0, 1.0, 1.0, 0.95, 0.7, 0.35, 0.85)  # Sunday evening homework
SUNDAY_ONLY = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0)
SHRINK = -0.005


@dataclass
class Line23(Line):
    presence: float = 1.0  # share of days with any spend (sparse lines)


def _at(end: dt.date, y: int, m: int, d: int) -> int:
    """The day index of a date in a company ending on `end`."""
    return DAYS - 1 - (end - dt.date(y, m, d)).days


K_END, T_END, F_END, C_END = (
    dt.date(2026, 5, 20),
    dt.date(2027, 1, 31),
    dt.date(2026, 6, 15),
    dt.date(2026, 10, 31),
)
L = Line23

_FJORD_TINY = [  # feature, team, model, NOK a day, week, presence
    ("live-blog", "newsroom", "gpt-4o-mini", 700, MIXED, 1.0),
    ("headline-ab", "newsroom", "gpt-4.1-mini", 420, MIXED, 1.0),
    ("fact-check", "newsroom", "claude-sonnet-4-5", 900, WEEKDAY, 1.0),
    ("translate", "newsroom", "mistral-small", 380, MIXED, 1.0),
    ("photo-alt", "newsroom", "gemini-2.5-flash", 150, MIXED, 1.0),
    ("ad-variants", "ads", "gpt-4o-mini", 520, WEEKDAY, 0.45),
    ("ad-moderation", "ads", "claude-haiku-4-5", 260, FLAT, 1.0),
    ("paywall-copy", "subscriptions", "gpt-4o", 300, WEEKDAY, 1.0),
    ("churn-mail", "subscriptions", "claude-haiku-4-5", 110, WEEKDAY, 0.5),
    ("reader-chat", "subscriptions", "gpt-4o-mini", 640, FLAT, 1.0),
    ("show-notes", "podcasts", "claude-haiku-4-5", 180, MIXED, 0.6),
    ("clip-picker", "podcasts", "gemini-2.5-pro", 240, WEEKDAY, 0.35),
    ("sql-helper", "data", "gpt-4.1", 200, WEEKDAY, 1.0),
    ("dashboards-nl", "data", "gemini-2.5-flash", 90, WEEKDAY, 0.55),
    ("code-review", "dev", "claude-sonnet-4-5", 820, WEEKDAY, 1.0),
    ("test-gen", "dev", "gpt-4.1-mini", 160, WEEKDAY, 1.0),
    ("incident-notes", "dev", "gpt-4o-mini", 60, MIXED, 0.4),
    ("contract-qa", "legal", "claude-sonnet-4-5", 340, WEEKDAY, 1.0),
    ("gdpr-requests", "legal", "gpt-4o", 120, WEEKDAY, 1.0),
    ("tip-triage", "newsroom", "mistral-small", 210, FLAT, 1.0),
]

SPECS = [
    Spec(
        "kestrel",
        2301,
        "BRL",
        "BR",
        K_END,
        lines=[
            L("claims-triage", "claims", "bedrock-claude-sonnet-4-5", 9000, WEEKDAY, None, 0.002, 0.06, 0.4),
            L("doc-summarise", "claims", "bedrock-claude-haiku-4-5", 4200, WEEKDAY, None, 0.002, 0.07, 0.5),
            L("customer-chat", "service", "bedrock-claude-haiku-4-5", 5200, MIXED, 0.6, 0.002, 0.06, 0.45),
            L("quote-gen", "sales", "amazon-nova-pro", 3000, WEEKDAY, None, 0.002, 0.08, 0.35),
            L("fraud-score", "risk", "amazon-nova-lite", 2600, FLAT, None, 0.001, 0.05, 0.2),
            L("claims-reindex", "claims", "titan-embed-v2", 16000, SUNDAY_ONLY, 0.0, 0.002, 0.08, 0.05, None),
            L("email-draft", "service", "gpt-4o-mini", 1500, WEEKDAY, None, 0.001, 0.1, 0.5, None),
        ],
        plans=[
            Plan(
                "leak",
                _at(K_END, 2026, 1, 27),
                "claims-triage",
                "bedrock-claude-sonnet-4-5",
                0.025,
                length=16,
            ),
            Plan("spike", _at(K_END, 2026, 2, 22), "claims-reindex", "titan-embed-v2", 1.0),  # ran twice
            Plan("outage", _at(K_END, 2026, 3, 3), "quote-gen", "amazon-nova-pro", -0.95, length=2),
            Plan(
                "token_mix",
                _at(K_END, 2026, 3, 10),
                "doc-summarise",
                "bedrock-claude-haiku-4-5",
                1.5,
                length=3,
            ),
            Plan(
                "key_leak", _at(K_END, 2026, 3, 24), "", "bedrock-claude-opus-4-5", 0, length=8, team="claims"
            ),
            Plan(
                "spike", _at(K_END, 2026, 4, 21), "customer-chat", "bedrock-claude-haiku-4-5", 1.5
            ),  # Tiradentes
            Plan(
                "level_shift_up", _at(K_END, 2026, 4, 30), "fraud-score", "amazon-nova-lite", 0.6, length=14
            ),
        ],
        seats=120.0 * 60,
        credit=3000.0,
        leave=(dt.date(2026, 2, 16), dt.date(2026, 2, 17)),  # Carnival
    ),
    Spec(
        "tablica",
        2302,
        "PLN",
        "PL",
        T_END,
        lines=[
            L("tutor-chat", "tutor", "llama-3.3-70b", 5200, STUDENT, 0.4, 0.002, 0.05, 0, gpu=True),
            L("essay-feedback", "learning", "claude-sonnet-4-5", 2400, STUDENT, 0.3, 0.002, 0.07, 0.55),
            L("homework-help", "learning", "gpt-4o", 1900, STUDENT, 0.3, 0.002, 0.07, 0.45),
            L("speech-eval", "learning", "gpt-4.1", 900, STUDENT, 0.3, 0.001, 0.09, 0.3),
            L("quiz-gen", "content", "gpt-4o-mini", 1100, WEEKDAY, None, 0.001, 0.08, 0.5),
            L("content-translate", "content", "mistral-large", 500, WEEKDAY, None, 0.0, 0.12, 0.5, None),
            L("teacher-tools", "teachers", "gemini-2.5-flash", 800, WEEKDAY, 0.2, 0.002, 0.08, 0.35),
            L("parent-app", "parents", "claude-haiku-4-5", 700, MIXED, 0.6, 0.001, 0.08, 0.4),
        ],
        plans=[
            Plan("commitment", _at(T_END, 2026, 10, 20), "tutor-chat", "llama-3.3-70b", 0.7, length=7),
            Plan(
                "spike", _at(T_END, 2026, 11, 11), "teacher-tools", "gemini-2.5-flash", 8.0
            ),  # Independence Day: bulk grading
            Plan("leak", _at(T_END, 2026, 11, 16), "essay-feedback", "claude-sonnet-4-5", 0.02, length=21),
            Plan(
                "migration",
                _at(T_END, 2026, 12, 8),
                "quiz-gen",
                "gpt-4o-mini",
                0.9,
                length=4,
                to_model="gpt-4.1-mini",
            ),
            Plan("multi_day_spike", _at(T_END, 2026, 12, 24), "tutor-chat", "llama-3.3-70b", 0.8, length=4),
            Plan("outage", _at(T_END, 2027, 1, 12), "parent-app", "claude-haiku-4-5", -0.95, length=3),
            Plan("token_mix", _at(T_END, 2027, 1, 20), "homework-help", "gpt-4o", 2.0, length=3),
        ],
        seats=60.0 * 90,
        credit=500.0,
        seasons=(
            (dt.date(2026, 12, 21), dt.date(2027, 1, 3), 0.4, ("tutor", "learning", "parents", "teachers")),
            (dt.date(2027, 1, 18), dt.date(2027, 1, 31), 0.75, ("tutor", "learning", "parents")),
        ),
    ),
    Spec(
        "fjord",
        2303,
        "NOK",
        "NO",
        F_END,
        lines=[
            L(f, t, m, lvl, wk, None, 0.001, 0.1, 0.4, presence=pr) for f, t, m, lvl, wk, pr in _FJORD_TINY
        ]
        + [
            L(
                "archive-reindex",
                "archive",
                "text-embedding-3-large",
                2600,
                SUNDAY_ONLY,
                0.0,
                0.0,
                0.08,
                0.05,
                None,
            ),
            L("transcribe", "podcasts", "whisper-large-v3", 1300, MIXED, 0.5, 0.001, 0.05, 0, gpu=True),
        ],
        plans=[
            Plan("spike", _at(F_END, 2026, 2, 24), "ad-variants", "gpt-4o-mini", 5.0),  # a sparse line
            Plan("token_mix", _at(F_END, 2026, 3, 3), "translate", "mistral-small", 2.0, length=4),
            Plan(
                "outage", _at(F_END, 2026, 3, 15), "archive-reindex", "text-embedding-3-large", -1.0
            ),  # Sunday
            Plan(
                "multi_day_spike", _at(F_END, 2026, 4, 2), "transcribe", "whisper-large-v3", 1.0, length=5
            ),  # Easter
            Plan("key_leak", _at(F_END, 2026, 4, 20), "", "gpt-5", 0, length=9, team="podcasts"),
            Plan(
                "spike", _at(F_END, 2026, 5, 17), "live-blog", "gpt-4o-mini", 2.0
            ),  # Constitution Day, a Sunday
            Plan("level_shift_up", _at(F_END, 2026, 5, 26), "paywall-copy", "gpt-4o", 1.5, length=14),
        ],
        seats=300.0 * 25,
        credit=0.0,
        leave=(dt.date(2025, 12, 29), dt.date(2025, 12, 30), dt.date(2025, 12, 31)),  # romjul
        company_sigma=0.04,
    ),
    Spec(
        "cobalt",
        2304,
        "MXN",
        "MX",
        C_END,
        lines=[
            L("support-bot", "cx", "gpt-4o", 52000, MIXED, 0.7, SHRINK, 0.06, 0.4),
            L("kyc-review", "risk", "gpt-4.1", 30000, FLAT, None, SHRINK, 0.06, 0.25),
            L("collections-voice", "collections", "gpt-4o-mini", 26000, WEEKDAY, None, SHRINK, 0.07, 0.45),
            L("ads-copy", "marketing", "gpt-4o-mini", 18000, MIXED, None, SHRINK, 0.08, 0.6),
            L("underwriting", "risk", "claude-sonnet-4-5", 22000, WEEKDAY, None, SHRINK, 0.07, 0.4),
            L("doc-ocr", "ops", "gemini-2.5-pro", 14000, FLAT, None, SHRINK, 0.07, 0.2),
            L("sales-assist", "sales", "gpt-4.1", 9000, WEEKDAY, None, SHRINK, 0.1, 0.4, None),
        ],
        plans=[
            Plan("leak", _at(C_END, 2026, 7, 14), "kyc-review", "gpt-4.1", 0.03, length=12),
            Plan("level_shift_down", _at(C_END, 2026, 7, 31), "ads-copy", "gpt-4o-mini", -0.5, length=20),
            Plan(
                "migration",
                _at(C_END, 2026, 8, 18),
                "support-bot",
                "gpt-4o",
                0.8,
                length=4,
                to_model="gemini-2.5-flash",
            ),
            Plan(
                "spike", _at(C_END, 2026, 9, 16), "collections-voice", "gpt-4o-mini", 6.0
            ),  # Independence Day: the dialer ran
            Plan("outage", _at(C_END, 2026, 9, 29), "underwriting", "claude-sonnet-4-5", -0.9, length=2),
            Plan("token_mix", _at(C_END, 2026, 10, 6), "sales-assist", "gpt-4.1", 1.5, length=3),
            Plan("level_shift_up", _at(C_END, 2026, 10, 15), "doc-ocr", "gemini-2.5-pro", 0.7, length=14),
        ],
        seats=900.0 * 150,
        credit=25000.0,
        seasons=(  # the price cut: every line -30% from day 34, in both twins
            (dt.date(2026, 6, 8), C_END, 0.7, ("cx", "risk", "collections", "marketing", "ops", "sales")),
        ),
    ),
]


def _calendar(c: Company, spec: Spec) -> tuple[np.ndarray, np.ndarray]:
    cal = holidays.country_holidays(c.country, years=range(c.start.year, c.end.year + 1))
    wd = np.array([c.day(i).weekday() for i in range(DAYS)])
    hol = np.array([1.0 if (c.day(i) in cal or c.day(i) in spec.leave) else 0.0 for i in range(DAYS)])
    return wd, hol


def build23(spec: Spec) -> Company:
    """Round 22's build (bench/anomaly_world_blind22.py `build22`) with sparse lines; no month-end batch,
    training runs or idle swings in this round."""
    c = Company(spec.name, spec.seed, spec.currency, spec.country, spec.end)
    rng = np.random.default_rng(spec.seed)
    gaps = np.random.default_rng(spec.seed + 23)  # the sparse lines' days, the same in both twins
    wd, hol = _calendar(c, spec)
    company_factor = np.exp(rng.normal(0, spec.company_sigma, DAYS))
    lines = {(ln.feature, ln.model): ln for ln in spec.lines}
    clean: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
    base: dict[tuple[str, str], np.ndarray] = {}
    for ln in spec.lines:
        key = (ln.feature, ln.model)
        present = gaps.random(DAYS) < getattr(ln, "presence", 1.0)
        for p in spec.plans:  # an event's own days are days with spend
            if (p.feature, p.model) == key:
                present[p.day : p.day + p.length] = True
        base[key] = (
            ln.level
            * _season(c, spec, ln, wd, hol)
            * (1 + ln.growth) ** np.arange(DAYS)
            * company_factor
            * present
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
    noisy = {k: (a.copy(), b.copy()) for k, (a, b) in clean.items()}
    fees_clean: dict[tuple[str, str], np.ndarray] = {}
    fees_noisy: dict[tuple[str, str], np.ndarray] = {}
    for p in spec.plans:
        if p.kind == "commitment":
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


def blind23_companies() -> list[Company]:
    out = []
    for spec in SPECS:
        c = build23(spec)
        assert all(e.start >= WARMUP for e in c.events), spec.name
        out.append(c)
    return out
