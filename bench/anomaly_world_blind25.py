"""Blind round 25 (`--set blind25`): four labelled companies designed before reading the detection rules, each
unlike the `tuning`, `held_out`, `blind21`, `blind22` and `blind23` companies, built with round 22's and 23's
generators (bench/anomaly_world_blind22.py, bench/anomaly_world_blind23.py) plus shapes of their own:

- zephyr (ZAR, ZA): an AI-native start-up whose spend **doubles every quarter** (every line +0.76% a day
  compounded), with a small **staging** copy of its agent runtime (tag env=staging, 6% of the feature);
- alpenbank (CHF, CH): a private bank with **month-end batch jobs** (a ledger reconciliation on the last two
  working days of each month at 6x its level, client statements on the last working day at 12x) and a
  provisioned-throughput commitment on its fraud watch;
- kereru (NZD, NZ): a Wellington agency on **many tiny providers** (14 lines on 13 providers, NZ$45-450 a day
  each: Groq, Together AI, Perplexity, xAI, Cohere, DeepSeek, Mistral, AI21, Voyage, ElevenLabs, Replicate,
  Anthropic, OpenAI), three sparse lines and a Monday-only weekly digest;
- norrhandel (SEK, SE): an online retailer with a **seasonal peak** (Black Friday week at 2.4x, Nov 20 - Dec 22
  at 1.5x, the sales after Christmas at 1.3x on the shop's lines, in both twins) and a **standing commitment**
  on its product search that covers the base load all year (the peak above it is on demand, in both twins).

New in this round:
- slow leaks of +2% to +4% a day compounded for 3 to 5 weeks (`ramp`), one on a line that doubles every quarter;
- spikes on weekday public holidays (Heritage Day, a Thursday; Ascension Day, a Thursday; Labour Day, a Monday;
  Epiphany, a Wednesday), on lines that are quiet, half-busy or busy on holidays;
- an incident whose cause is a tag value that is not the largest one: a load test left running in **staging**
  (env=staging, 6% of its feature against prod's 94%): its cause is `env=staging`, not the feature or model;
- a month-end batch that failed (`outage` on the last working day) and one that ran twice (`spike`);
- a migration between two small providers serving the same open model (Together AI -> Fireworks AI).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from anomaly_world import DAYS, WARMUP, Company
from anomaly_world_blind22 import (
    FLAT,
    MIXED,
    MODELS22,
    WEEKDAY,
    WEEKEND_HEAVY,
    Line,
    Plan,
    Spec,
    _apply,
    _charges,
    _commitment,
    _fees,
    _month_end_days,
    _rows,
    _season,
)
from anomaly_world_blind23 import Line23, _at, _calendar

MODELS22.update(
    {
        "llama-3.3-70b-groq": ("Groq", "GroqCloud"),
        "qwen3-32b-together": ("Together AI", "Together Inference"),
        "llama-3.3-70b-together": ("Together AI", "Together Inference"),
        "llama-3.3-70b-fireworks": ("Fireworks AI", "Fireworks Inference"),
        "sonar-pro": ("Perplexity", "Sonar API"),
        "grok-4": ("xAI", "xAI API"),
        "rerank-v3.5": ("Cohere", "Cohere API"),
        "jamba-large": ("AI21 Labs", "AI21 Studio"),
        "voyage-3": ("Voyage AI", "Voyage API"),
        "eleven-multilingual-v2": ("ElevenLabs", "ElevenLabs API"),
        "flux-1.1-pro": ("Replicate", "Replicate API"),
        "kimi-k2": ("Moonshot AI", "Moonshot API"),
    }
)
MONDAY_ONLY = (1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
DOUBLING = 2 ** (1 / 91.3) - 1  # x2 a quarter, every line


@dataclass
class Spec25(Spec):
    month_end_batches: tuple[
        tuple[str, str, float, int], ...
    ] = ()  # (feature, model, x level, last n workdays)
    standing_commitment: tuple[str, str, float] | None = (
        None  # (feature, model, covered x median day): both twins
    )
    env_causes: tuple[
        tuple[str, str], ...
    ] = ()  # (line key's feature, env): the event's cause is the env tag


L = Line23
Z_END, A_END, K_END, N_END = (
    dt.date(2026, 10, 31),
    dt.date(2026, 8, 14),
    dt.date(2026, 11, 20),
    dt.date(2027, 1, 31),
)

_KERERU = [  # feature, team, model, NZD a day, week, holiday, presence
    ("chat-fast", "product", "llama-3.3-70b-groq", 420, MIXED, None, 1.0),
    ("summarise", "product", "qwen3-32b-together", 300, MIXED, None, 1.0),
    ("bulk-extract", "data", "llama-3.3-70b-together", 260, WEEKDAY, None, 1.0),
    ("web-research", "research", "sonar-pro", 180, WEEKDAY, None, 1.0),
    ("social-replies", "marketing", "grok-4", 150, MIXED, 0.6, 1.0),
    ("rerank", "search", "rerank-v3.5", 90, FLAT, None, 1.0),
    ("code-agent", "eng", "deepseek-v3", 240, WEEKDAY, None, 1.0),
    ("copy-fr", "marketing", "mistral-small", 110, WEEKDAY, None, 0.5),
    ("long-docs", "legal", "jamba-large", 70, WEEKDAY, None, 0.4),
    ("embeddings", "search", "voyage-3", 60, FLAT, None, 1.0),
    ("voiceover", "media", "eleven-multilingual-v2", 200, WEEKDAY, None, 0.6),
    ("image-gen", "media", "flux-1.1-pro", 130, MIXED, 0.3, 1.0),
    ("assistant", "product", "claude-haiku-4-5", 350, MIXED, None, 1.0),
    ("weekly-digest", "marketing", "gpt-4o-mini", 450, MONDAY_ONLY, None, 1.0),
]
SHOP = ("shop", "payments", "cx")

SPECS = [
    Spec25(
        "zephyr",
        2501,
        "ZAR",
        "ZA",
        Z_END,
        lines=[
            L("agent-runtime", "platform", "claude-sonnet-4-5", 25000, MIXED, 0.7, DOUBLING, 0.06, 0.45),
            L("code-gen", "product", "gpt-4.1", 12000, WEEKDAY, 0.2, DOUBLING, 0.07, 0.5),
            L("doc-qa", "product", "gemini-2.5-flash", 6000, MIXED, None, DOUBLING, 0.07, 0.3),
            L("evals", "research", "gpt-4o", 4000, WEEKDAY, 0.1, DOUBLING, 0.1, 0.4, None),
            L("voice-agent", "product", "gpt-4o-mini", 8000, FLAT, None, DOUBLING, 0.06, 0.35),
            L("onboarding-bot", "growth", "claude-haiku-4-5", 3000, MIXED, None, DOUBLING, 0.08, 0.45),
            # the same feature and model in staging: a separate line keyed by "@staging", tagged env=staging
            L(
                "agent-runtime",
                "platform",
                "claude-sonnet-4-5",
                1600,
                WEEKDAY,
                0.1,
                DOUBLING,
                0.1,
                0.45,
                "staging",
            ),
        ],
        plans=[
            Plan("leak", _at(Z_END, 2026, 7, 13), "doc-qa", "gemini-2.5-flash", 0.025, length=28),
            Plan("key_leak", _at(Z_END, 2026, 8, 18), "", "claude-opus-4-5", 0, length=7, team="research"),
            Plan("outage", _at(Z_END, 2026, 9, 1), "onboarding-bot", "claude-haiku-4-5", -0.9, length=2),
            Plan(
                "multi_day_spike",
                _at(Z_END, 2026, 9, 8),
                "agent-runtime@staging",
                "claude-sonnet-4-5",
                7.0,
                length=4,
            ),  # a load test left running in staging
            Plan("spike", _at(Z_END, 2026, 9, 24), "code-gen", "gpt-4.1", 5.0),  # Heritage Day, a Thursday
            Plan("token_mix", _at(Z_END, 2026, 10, 6), "voice-agent", "gpt-4o-mini", 2.0, length=3),
            Plan("level_shift_down", _at(Z_END, 2026, 10, 12), "evals", "gpt-4o", -0.6, length=20),
        ],
        seats=400.0 * 40,
        credit=5000.0,
        env_causes=(("agent-runtime@staging", "staging"),),
    ),
    Spec25(
        "alpenbank",
        2502,
        "CHF",
        "CH",
        A_END,
        lines=[
            L("advisor-copilot", "wealth", "claude-sonnet-4-5", 3000, WEEKDAY, 0.1, 0.001, 0.07, 0.5),
            L("kyc-screen", "compliance", "gpt-4.1", 1800, WEEKDAY, 0.1, 0.001, 0.06, 0.3),
            L("ledger-recon", "finance", "gpt-4.1", 300, WEEKDAY, 0.0, 0.0, 0.1, 0.35),
            L("statement-gen", "ops", "claude-haiku-4-5", 200, WEEKDAY, 0.0, 0.0, 0.1, 0.6, None),
            L("client-chat", "service", "gpt-4o-mini", 1200, MIXED, 0.6, 0.002, 0.07, 0.4),
            L("research-notes", "wealth", "gemini-2.5-pro", 900, WEEKDAY, 0.1, 0.001, 0.08, 0.55),
            L("translate", "ops", "mistral-large", 500, WEEKDAY, 0.1, 0.0, 0.1, 0.5),
            L("fraud-watch", "compliance", "gpt-4o", 1400, FLAT, None, 0.001, 0.05, 0.25),
        ],
        plans=[
            Plan("commitment", _at(A_END, 2026, 5, 1), "fraud-watch", "gpt-4o", 0.8, length=7),
            Plan("spike", _at(A_END, 2026, 4, 30), "ledger-recon", "gpt-4.1", 1.0),  # the recon ran twice
            Plan("leak", _at(A_END, 2026, 5, 4), "kyc-screen", "gpt-4.1", 0.03, length=24),
            Plan(
                "spike", _at(A_END, 2026, 5, 14), "client-chat", "gpt-4o-mini", 2.0
            ),  # Ascension Day, a Thursday
            Plan(
                "outage", _at(A_END, 2026, 5, 29), "statement-gen", "claude-haiku-4-5", -1.0
            ),  # the run failed
            Plan(
                "migration",
                _at(A_END, 2026, 6, 9),
                "research-notes",
                "gemini-2.5-pro",
                0.85,
                length=5,
                to_model="claude-sonnet-4-5",
            ),
            Plan("level_shift_down", _at(A_END, 2026, 7, 1), "translate", "mistral-large", -0.55, length=14),
            Plan("token_mix", _at(A_END, 2026, 7, 21), "advisor-copilot", "claude-sonnet-4-5", 1.0, length=3),
        ],
        seats=45.0 * 60,
        credit=0.0,
        month_end_batches=(
            ("ledger-recon", "gpt-4.1", 6.0, 2),
            ("statement-gen", "claude-haiku-4-5", 12.0, 1),
        ),
        company_sigma=0.025,
    ),
    Spec25(
        "kereru",
        2503,
        "NZD",
        "NZ",
        K_END,
        lines=[
            L(f, t, m, lvl, wk, hol, 0.001, 0.1, 0.4, presence=pr) for f, t, m, lvl, wk, hol, pr in _KERERU
        ],
        plans=[
            Plan("outage", _at(K_END, 2026, 7, 28), "chat-fast", "llama-3.3-70b-groq", -0.95, length=2),
            Plan("leak", _at(K_END, 2026, 8, 10), "web-research", "sonar-pro", 0.04, length=21),
            Plan(
                "migration",
                _at(K_END, 2026, 9, 8),
                "bulk-extract",
                "llama-3.3-70b-together",
                0.9,
                length=4,
                to_model="llama-3.3-70b-fireworks",
            ),
            Plan(
                "spike", _at(K_END, 2026, 9, 22), "voiceover", "eleven-multilingual-v2", 3.0
            ),  # a sparse line
            Plan("level_shift_up", _at(K_END, 2026, 10, 1), "code-agent", "deepseek-v3", 0.8, length=14),
            Plan("price_cut", _at(K_END, 2026, 10, 14), "", "grok-4", -0.5, length=7),
            Plan("spike", _at(K_END, 2026, 10, 26), "image-gen", "flux-1.1-pro", 5.0),  # Labour Day, a Monday
            Plan("key_leak", _at(K_END, 2026, 11, 3), "", "kimi-k2", 0, length=8, team="eng"),
            Plan("token_mix", _at(K_END, 2026, 11, 11), "summarise", "qwen3-32b-together", 2.0, length=3),
        ],
        seats=0.0,
        credit=50.0,
        company_sigma=0.03,
    ),
    Spec25(
        "norrhandel",
        2504,
        "SEK",
        "SE",
        N_END,
        lines=[
            L("product-search", "shop", "gpt-4.1-mini", 60000, WEEKEND_HEAVY, 1.2, 0.001, 0.05, 0.3),
            L("shop-assistant", "shop", "claude-haiku-4-5", 45000, WEEKEND_HEAVY, 1.1, 0.001, 0.06, 0.45),
            L("returns-assist", "cx", "gpt-4o", 20000, MIXED, 0.3, 0.001, 0.07, 0.4),
            L("product-copy", "content", "claude-sonnet-4-5", 25000, WEEKDAY, 0.1, 0.001, 0.08, 0.6),
            L("image-tagging", "content", "gemini-2.5-flash", 12000, FLAT, None, 0.001, 0.06, 0.2),
            L("fraud-score", "payments", "amazon-nova-lite", 15000, FLAT, 1.0, 0.001, 0.05, 0.15),
            L("demand-forecast", "supply", "gpt-4.1", 8000, WEEKDAY, None, 0.0, 0.08, 0.35),
            L("customer-mail", "cx", "gpt-4o-mini", 9000, MIXED, None, 0.001, 0.08, 0.5, None),
        ],
        plans=[
            Plan(
                "multi_day_spike", _at(N_END, 2026, 10, 6), "image-tagging", "gemini-2.5-flash", 2.0, length=3
            ),
            Plan("leak", _at(N_END, 2026, 10, 13), "shop-assistant", "claude-haiku-4-5", 0.02, length=35),
            Plan("retry", _at(N_END, 2026, 11, 27), "fraud-score", "amazon-nova-lite", 6.0),  # Black Friday
            Plan("level_shift_down", _at(N_END, 2026, 12, 1), "demand-forecast", "gpt-4.1", -0.5, length=20),
            Plan("token_mix", _at(N_END, 2026, 12, 8), "product-copy", "claude-sonnet-4-5", 2.0, length=4),
            Plan("outage", _at(N_END, 2026, 12, 28), "customer-mail", "gpt-4o-mini", -0.9, length=3),
            Plan("spike", _at(N_END, 2027, 1, 6), "returns-assist", "gpt-4o", 4.0),  # Epiphany, a Wednesday
            Plan("key_leak", _at(N_END, 2027, 1, 14), "", "gpt-5", 0, length=8, team="content"),
        ],
        seats=800.0 * 90,
        credit=10000.0,
        leave=(dt.date(2026, 12, 24), dt.date(2026, 12, 31)),  # Christmas Eve, New Year's Eve
        seasons=(
            (dt.date(2026, 11, 20), dt.date(2026, 12, 22), 1.5, SHOP),  # the peak
            (dt.date(2026, 11, 23), dt.date(2026, 11, 30), 1.6, SHOP),  # Black Friday week (x2.4 in all)
            (dt.date(2026, 12, 27), dt.date(2027, 1, 10), 1.3, SHOP),  # the sales after Christmas
        ),
        standing_commitment=("product-search", "gpt-4.1-mini", 0.8),
    ),
]


def _line_map(spec: Spec25) -> dict[tuple[str, str], Line]:
    """Lines by (key feature, model); a line in an env other than prod is keyed "feature@env"."""
    out = {}
    for ln in spec.lines:
        name = ln.feature if ln.env in ("prod", None) else f"{ln.feature}@{ln.env}"
        out[(name, ln.model)] = ln
    return out


def build25(spec: Spec25) -> Company:
    """Round 23's build (bench/anomaly_world_blind23.py `build23`) with several month-end batches, a standing
    commitment in both twins and env-keyed lines."""
    c = Company(spec.name, spec.seed, spec.currency, spec.country, spec.end)
    rng = np.random.default_rng(spec.seed)
    gaps = np.random.default_rng(spec.seed + 25)  # the sparse lines' days, the same in both twins
    wd, hol = _calendar(c, spec)
    company_factor = np.exp(rng.normal(0, spec.company_sigma, DAYS))
    lines = _line_map(spec)
    clean: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
    base: dict[tuple[str, str], np.ndarray] = {}
    for key, ln in lines.items():
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
        clean[key] = (cost * (1 - share), cost * share)
    ends = _month_end_days(c, wd, hol)  # the last two working days of each month
    by_month: dict[tuple[int, int], int] = {}
    for i in ends:
        by_month[(c.day(i).year, c.day(i).month)] = max(i, by_month.get((c.day(i).year, c.day(i).month), i))
    last_of_month = sorted(by_month.values())
    for feature, model, size, n in spec.month_end_batches:
        key, ln = (feature, model), lines[(feature, model)]
        for i in ends if n == 2 else last_of_month:
            v = size * ln.level * (1 + ln.growth) ** i * float(np.exp(rng.normal(0, 0.1)))
            clean[key][0][i] += v * (1 - ln.output_share)
            clean[key][1][i] += v * ln.output_share
    fees_clean: dict[tuple[str, str], np.ndarray] = {}
    fees_noisy: dict[tuple[str, str], np.ndarray] = {}
    noisy = {k: (a.copy(), b.copy()) for k, (a, b) in clean.items()}
    if spec.standing_commitment:  # in both twins, never expires inside the data
        feature, model, covered = spec.standing_commitment
        _commitment(
            Plan("commitment", DAYS + 1, feature, model, covered), clean, noisy, fees_clean, fees_noisy
        )
    for p in spec.plans:
        if p.kind == "commitment":
            _commitment(p, clean, noisy, fees_clean, fees_noisy)
    keys_of_leaks: dict[tuple[str, str], Line] = {}
    events = [_apply(c, p, lines, base, noisy, rng, keys_of_leaks) for p in spec.plans]
    envs = dict(spec.env_causes)
    for ev, p in zip(events, spec.plans, strict=True):
        if p.kind == "commitment":
            key, span = (p.feature, p.model), slice(ev.start, ev.end + 1)
            ev.impact = float(
                (sum(noisy[key]) + fees_noisy[key])[span].sum()
                - (sum(clean[key]) + fees_clean[key])[span].sum()
            )
        if (
            p.feature in envs
        ):  # the cause is the env tag: the feature and model carry prod's much larger spend
            ev.causes = {("env", envs[p.feature])}
    events.sort(key=lambda e: e.start)
    c.events = events
    charges = _charges(c, spec)
    all_lines = {**lines, **keys_of_leaks}
    c.rows = _rows(c, noisy, all_lines) + _fees(c, fees_noisy, all_lines) + charges
    c.clean_rows = _rows(c, clean, all_lines) + _fees(c, fees_clean, all_lines) + charges
    return c


def blind25_companies() -> list[Company]:
    out = []
    for spec in SPECS:
        c = build25(spec)
        assert all(e.start >= WARMUP for e in c.events), spec.name
        out.append(c)
    return out


def describe() -> None:
    """Each event with its day, size and share of a usual day (the median clean day of days 32-59)."""
    for c in blind25_companies():
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
        description="Print blind round 25's companies and their labelled incidents (scored by "
        "anomaly_benchmark.py --set blind25)."
    ).parse_args()
    describe()
