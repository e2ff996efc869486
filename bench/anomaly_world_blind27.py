"""Blind round 27 (`--set blind27`): four labelled companies designed before reading the detection rules, each
unlike the `tuning`, `held_out`, `blind21`, `blind22`, `blind23`, `blind25` and `blind26` companies, built with
round 22's to 26's generators (bench/anomaly_world_blind22.py .. _blind26.py) plus shapes of their own:

- anadolu (TRY, TR): a drone-vision lab whose spend is **mostly GPU hours** (three self-hosted models on one GPU
  cloud, Nebius, about 85% of the bill): the two training clusters are **idle at weekends** and on Turkish public
  holidays (12% of a weekday), the serving cluster runs every day under a reserved-capacity commitment;
- cordillera (CLP, CL): a payroll SaaS with a **month-end payroll batch** (the last two calendar days of every
  month at 6x the payroll line, whatever the weekday: normal, in both twins), one line split by employer
  (tag `customer`), gpt-4.1 shared by three teams and a small `env=staging` copy of its HR chat;
- galil (ILS, IL): a security SaaS on a **Sunday-to-Thursday week** (Friday 0.35x, Saturday 0.15x on the office
  lines) whose spend **drops on the public holidays** the `holidays` package gives for IL (Rosh Hashanah, Yom
  Kippur, Sukkot, Simchat Torah: 0.15x on the office lines, 0.8x on its 24/7 SOC lines), a small `env=dev` copy;
- savanna (KES, KE): a mobile-money company **growing 1% a day** on every line (x6 over the 180 days: growth is
  not an anomaly), one line split by merchant (tag `customer`), Anthropic models on three teams.

New in this round:
- a **price change by a provider** that hits every team at once (`level_shift_up`: Nebius +20% on its three GPU
  models, Anthropic +20% on two models, gpt-4.1 +25% on three teams' lines); its cause is the provider (or the
  model when it is one model), never a team or a feature;
- a **spike in one customer tag value that is 3% of the company's spend** (x6 for a day), labelled with the tag;
- a **broken pipeline**: one provider's export stops for two days (its rows at 3%: spend near zero), `outage`,
  cause the provider (or its one model);
- **duplicate billing**: one provider's usage lines of one day loaded twice (the same rows again), `spike`, cause
  the provider;
- on the new shapes: a GPU cluster left up over a weekend, the month-end batch failed and run twice, spikes on
  a holiday on a line that is quiet on holidays (Yom Kippur), a leak on a line growing 1% a day, a commitment on
  GPU capacity expiring; and every kind earlier rounds label (leak, key leak, migration, token mix, retry storm,
  outage, level shifts, price cut, tag-value loops).

"% of a day" is the event's change a day against the median clean day of days 32-59 (`python
bench/anomaly_world_blind27.py` prints every event).
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
    Labelled,
    Line,
    Plan,
    _charges,
    _commitment,
    _fees,
)
from anomaly_world_blind23 import _at, _calendar
from anomaly_world_blind26 import Line26, Spec26, _apply26, _key, _season, _splits, _yearly

MODELS22.update(
    {
        "llama-3.1-405b-ft": ("Nebius", "Nebius AI Cloud"),  # self-hosted: GPU hours, no tokens
        "qwen2.5-vl-72b": ("Nebius", "Nebius AI Cloud"),
        "llama-3.3-70b-nb": ("Nebius", "Nebius AI Cloud"),
        "o3": ("OpenAI", "OpenAI API"),
    }
)
GPU_WEEK = (1.0, 1.0, 1.0, 1.0, 1.0, 0.12, 0.12)  # training clusters scaled down at weekends
OFFICE_IL = (1.0, 1.0, 1.0, 1.0, 0.35, 0.15, 1.0)  # Monday .. Sunday: Sunday is a workday in Israel
SOC_IL = (1.0, 1.0, 1.0, 1.0, 0.85, 0.75, 1.0)
GROWTH = 0.01


@dataclass
class Plan27(Plan):
    provider: str | None = None  # duplicate | pipeline | provider_price: the provider


@dataclass
class Spec27(Spec26):
    month_end_days: tuple[tuple[str, str, float], ...] = ()  # (feature, model, x level) on the last 2 days


L = Line26
P = Plan27
A_END, C_END, G_END, S_END = (
    dt.date(2026, 8, 31),
    dt.date(2026, 12, 31),
    dt.date(2026, 10, 25),
    dt.date(2026, 7, 31),
)

SPECS = [
    Spec27(
        "anadolu",
        2701,
        "TRY",
        "TR",
        A_END,
        lines=[
            L("pretrain", "research", "llama-3.1-405b-ft", 500000, GPU_WEEK, 0.12, 0.0, 0.05, 0, gpu=True),
            L("vision-train", "vision", "qwen2.5-vl-72b", 250000, GPU_WEEK, 0.12, 0.0, 0.06, 0, gpu=True),
            L("inference", "product", "llama-3.3-70b-nb", 150000, MIXED, 0.7, 0.002, 0.05, 0, gpu=True),
            L("labeling-assist", "data", "gpt-4.1", 40000, WEEKDAY, 0.1, 0.001, 0.07, 0.35),
            L("code-assist", "eng", "claude-sonnet-4-5", 35000, WEEKDAY, 0.1, 0.001, 0.07, 0.45),
            L("report-writer", "research", "gemini-2.5-pro", 15000, WEEKDAY, 0.1, 0.0, 0.09, 0.55),
            L("support-bot", "product", "gpt-4o-mini", 12000, MIXED, 0.6, 0.002, 0.08, 0.35),
        ],
        plans=[
            P(
                "multi_day_spike", _at(A_END, 2026, 5, 9), "pretrain", "llama-3.1-405b-ft", 7.0, length=2
            ),  # the cluster left up over a weekend
            P("duplicate", _at(A_END, 2026, 5, 20), "", "", 0, provider="Nebius"),
            P("leak", _at(A_END, 2026, 5, 25), "labeling-assist", "gpt-4.1", 0.04, length=15),
            P("key_leak", _at(A_END, 2026, 6, 10), "", "claude-opus-4-5", 0, length=8, team="eng"),
            P("pipeline", _at(A_END, 2026, 6, 17), "", "", -0.97, length=2, provider="Nebius"),
            P("provider_price", _at(A_END, 2026, 6, 29), "", "", 0.2, length=10, provider="Nebius"),
            P(
                "spike", _at(A_END, 2026, 7, 15), "support-bot", "gpt-4o-mini", 2.0
            ),  # Democracy Day, a Wednesday
            P("token_mix", _at(A_END, 2026, 7, 22), "report-writer", "gemini-2.5-pro", 2.0, length=3),
            P("commitment", _at(A_END, 2026, 7, 29), "inference", "llama-3.3-70b-nb", 0.7, length=7),
            P(
                "migration",
                _at(A_END, 2026, 8, 5),
                "code-assist",
                "claude-sonnet-4-5",
                0.9,
                length=4,
                to_model="gpt-4.1",
            ),
            P("retry", _at(A_END, 2026, 8, 12), "support-bot", "gpt-4o-mini", 6.0),
            P("level_shift_down", _at(A_END, 2026, 8, 19), "vision-train", "qwen2.5-vl-72b", -0.5, length=10),
        ],
        seats=80.0 * 1500,
        credit=20000.0,
    ),
    Spec27(
        "cordillera",
        2702,
        "CLP",
        "CL",
        C_END,
        lines=[
            L("payroll-run", "payroll", "gpt-4.1", 600000, WEEKDAY, 0.1, 0.001, 0.08, 0.3),
            L("payslip-qa", "employee-app", "claude-haiku-4-5", 2500000, MIXED, 0.5, 0.001, 0.06, 0.4),
            L("contract-gen", "legal", "gpt-4.1", 1200000, WEEKDAY, 0.1, 0.001, 0.07, 0.55),
            L("hr-chat", "employee-app", "gpt-4.1", 1500000, MIXED, 0.4, 0.001, 0.06, 0.45),
            L("cv-screen", "recruiting", "gemini-2.5-flash", 900000, WEEKDAY, 0.1, 0.001, 0.07, 0.3),
            L("tax-rules", "compliance", "claude-sonnet-4-5", 700000, WEEKDAY, 0.1, 0.0, 0.08, 0.4),
            L("embeddings", "platform", "text-embedding-3-large", 250000, FLAT, None, 0.001, 0.05, 0.05),
            L("hr-chat", "employee-app", "gpt-4.1", 60000, WEEKDAY, 0.1, 0.001, 0.12, 0.45, "staging"),
        ],
        plans=[
            P("leak", _at(C_END, 2026, 9, 8), "cv-screen", "gemini-2.5-flash", 0.03, length=18),
            P(
                "spike", _at(C_END, 2026, 9, 15), "payslip-qa@vina-del-valle", "claude-haiku-4-5", 5.0
            ),  # one employer's app re-sending every payslip question
            P(
                "outage", _at(C_END, 2026, 9, 29), "payroll-run", "gpt-4.1", -0.95, length=2
            ),  # the month-end payroll batch failed
            P("model_price", _at(C_END, 2026, 10, 7), "", "gpt-4.1", 0.25, length=10),
            P("key_leak", _at(C_END, 2026, 10, 20), "", "gpt-5", 0, length=7, team="recruiting"),
            P("spike", _at(C_END, 2026, 10, 30), "payroll-run", "gpt-4.1", 0.9),  # the batch ran twice
            P("pipeline", _at(C_END, 2026, 11, 10), "", "", -0.97, length=2, provider="Anthropic"),
            P(
                "multi_day_spike", _at(C_END, 2026, 11, 18), "hr-chat@staging", "gpt-4.1", 9.0, length=3
            ),  # a load test left running in staging
            P("retry", _at(C_END, 2026, 11, 26), "contract-gen", "gpt-4.1", 6.0),
            P(
                "migration",
                _at(C_END, 2026, 12, 3),
                "tax-rules",
                "claude-sonnet-4-5",
                0.9,
                length=4,
                to_model="gemini-2.5-pro",
            ),
            P(
                "level_shift_up",
                _at(C_END, 2026, 12, 14),
                "embeddings",
                "text-embedding-3-large",
                0.8,
                length=14,
            ),
            P("token_mix", _at(C_END, 2026, 12, 22), "hr-chat", "gpt-4.1", 1.5, length=3),
        ],
        seats=2000.0 * 900,
        credit=500000.0,
        month_end_days=(("payroll-run", "gpt-4.1", 6.0),),
        tag_splits=(
            (
                "payslip-qa",
                "claude-haiku-4-5",
                "customer",
                (
                    ("holding-andes", 0.42),
                    ("retail-austral", 0.3),
                    ("clinica-norte", 0.18),
                    ("vina-del-valle", 0.1),
                ),
            ),
        ),
        tag_causes=(
            ("payslip-qa@vina-del-valle", "customer", "vina-del-valle"),
            ("hr-chat@staging", "env", "staging"),
        ),
    ),
    Spec27(
        "galil",
        2703,
        "ILS",
        "IL",
        G_END,
        lines=[
            L("alert-triage", "soc", "claude-sonnet-4-5", 60000, SOC_IL, 0.8, 0.001, 0.05, 0.35),
            L("threat-intel", "research", "gpt-4.1", 25000, OFFICE_IL, 0.15, 0.001, 0.07, 0.5),
            L("phishing-scan", "email-sec", "gpt-4o-mini", 30000, SOC_IL, 0.9, 0.001, 0.06, 0.25),
            L("code-audit", "appsec", "o3", 18000, OFFICE_IL, 0.15, 0.001, 0.08, 0.6),
            L("report-gen", "customer-success", "gemini-2.5-pro", 12000, OFFICE_IL, 0.15, 0.0, 0.09, 0.55),
            L("sales-assist", "sales", "claude-haiku-4-5", 8000, OFFICE_IL, 0.15, 0.0, 0.09, 0.4),
            L(
                "report-gen",
                "customer-success",
                "gemini-2.5-pro",
                400,
                OFFICE_IL,
                0.15,
                0.0,
                0.12,
                0.55,
                "dev",
            ),
        ],
        plans=[
            P("leak", _at(G_END, 2026, 7, 1), "phishing-scan", "gpt-4o-mini", 0.03, length=16),
            P("outage", _at(G_END, 2026, 7, 14), "report-gen", "gemini-2.5-pro", -0.9, length=2),
            P("duplicate", _at(G_END, 2026, 7, 26), "", "", 0, provider="Anthropic"),  # a Sunday, a workday
            P("key_leak", _at(G_END, 2026, 8, 5), "", "claude-opus-4-5", 0, length=8, team="appsec"),
            P("level_shift_down", _at(G_END, 2026, 8, 17), "threat-intel", "gpt-4.1", -0.5, length=14),
            P("pipeline", _at(G_END, 2026, 9, 3), "", "", -0.97, length=2, provider="OpenAI"),
            P(
                "spike", _at(G_END, 2026, 9, 13), "alert-triage", "claude-sonnet-4-5", 2.0
            ),  # Rosh Hashanah's second day: an attack wave
            P(
                "spike", _at(G_END, 2026, 9, 21), "threat-intel", "gpt-4.1", 5.0
            ),  # Yom Kippur: a crawl left running on a line that is quiet on holidays
            P(
                "migration",
                _at(G_END, 2026, 9, 28),
                "sales-assist",
                "claude-haiku-4-5",
                0.9,
                length=4,
                to_model="gpt-4o-mini",
            ),
            P(
                "multi_day_spike", _at(G_END, 2026, 10, 6), "report-gen@dev", "gemini-2.5-pro", 15.0, length=3
            ),  # a developer's eval loop
            P("token_mix", _at(G_END, 2026, 10, 13), "alert-triage", "claude-sonnet-4-5", 1.5, length=3),
            P("level_shift_up", _at(G_END, 2026, 10, 19), "phishing-scan", "gpt-4o-mini", 0.6, length=7),
        ],
        seats=150.0 * 250,
        credit=5000.0,
        tag_causes=(("report-gen@dev", "env", "dev"),),
        company_sigma=0.025,
    ),
    Spec27(
        "savanna",
        2704,
        "KES",
        "KE",
        S_END,
        lines=[
            L("merchant-assist", "merchants", "claude-haiku-4-5", 450000, MIXED, 0.7, GROWTH, 0.05, 0.4),
            L("fraud-explain", "risk", "claude-sonnet-4-5", 300000, FLAT, None, GROWTH, 0.05, 0.3),
            L("agent-chat", "support", "claude-haiku-4-5", 250000, MIXED, 0.8, GROWTH, 0.06, 0.45),
            L("loan-scoring", "credit", "gpt-4.1", 200000, FLAT, None, GROWTH, 0.06, 0.25),
            L("sms-copy", "growth", "gpt-4o-mini", 100000, WEEKDAY, 0.3, GROWTH, 0.08, 0.55),
            L("kyc-vision", "compliance", "gemini-2.5-pro", 150000, WEEKDAY, 0.2, GROWTH, 0.07, 0.2),
            L("data-sql", "data", "deepseek-v3", 50000, WEEKDAY, 0.1, GROWTH, 0.1, 0.4),
        ],
        plans=[
            P("spike", _at(S_END, 2026, 4, 6), "agent-chat", "claude-haiku-4-5", 1.5),  # Easter Monday
            P("leak", _at(S_END, 2026, 4, 14), "loan-scoring", "gpt-4.1", 0.03, length=14),
            P("spike", _at(S_END, 2026, 4, 28), "merchant-assist@kilimo-coop", "claude-haiku-4-5", 5.0),
            P("provider_price", _at(S_END, 2026, 5, 6), "", "", 0.2, length=10, provider="Anthropic"),
            P("key_leak", _at(S_END, 2026, 5, 19), "", "gpt-5", 0, length=7, team="data"),
            P("pipeline", _at(S_END, 2026, 6, 3), "", "", -0.97, length=2, provider="Google Cloud"),
            P("duplicate", _at(S_END, 2026, 6, 10), "", "", 0, provider="OpenAI"),
            P("price_cut", _at(S_END, 2026, 6, 17), "", "gpt-4o-mini", -0.45, length=7),
            P("token_mix", _at(S_END, 2026, 6, 24), "fraud-explain", "claude-sonnet-4-5", 1.5, length=3),
            P("retry", _at(S_END, 2026, 7, 2), "agent-chat", "claude-haiku-4-5", 7.0),
            P("level_shift_down", _at(S_END, 2026, 7, 8), "kyc-vision", "gemini-2.5-pro", -0.5, length=10),
            P(
                "migration",
                _at(S_END, 2026, 7, 15),
                "data-sql",
                "deepseek-v3",
                0.9,
                length=4,
                to_model="gpt-4.1-mini",
            ),
            P("multi_day_spike", _at(S_END, 2026, 7, 22), "sms-copy", "gpt-4o-mini", 3.0, length=3),
        ],
        seats=300.0 * 600,
        credit=100000.0,
        tag_splits=(
            (
                "merchant-assist",
                "claude-haiku-4-5",
                "customer",
                (("duka-mart", 0.5), ("jenga-pay", 0.25), ("safari-tickets", 0.15), ("kilimo-coop", 0.1)),
            ),
        ),
        tag_causes=(("merchant-assist@kilimo-coop", "customer", "kilimo-coop"),),
    ),
]


def _last_two_days(c: Company) -> list[int]:
    """The last two calendar days of each month inside the data."""
    return [i for i in range(DAYS) if (c.day(i) + dt.timedelta(days=2)).month != c.day(i).month]


def _provider_label(
    kind: str, p: Plan27, lines: dict, arrays: dict, start: int, end: int
) -> tuple[Labelled, list[tuple[str, str]]]:
    """An event on every line of one provider: its cause is the provider (and its model, when it has one)."""
    days = slice(start, end + 1)
    keys = [
        k for k in arrays if MODELS22[k[1]][0] == p.provider and (arrays[k][0] + arrays[k][1])[days].sum() > 0
    ]
    provider, service = MODELS22[keys[0][1]]
    models = sorted({k[1] for k in keys})
    feats = sorted({lines[k].feature for k in keys if lines[k].feature})
    teams = sorted({lines[k].team for k in keys})
    ev = Labelled(
        kind, start, end, ",".join(feats), ",".join(models), ",".join(teams), provider, service, 0, ""
    )
    ev.causes = {("provider", provider), ("service", service)} | (
        {("model", models[0])} if len(models) == 1 else set()
    )
    ev.series = {("provider", provider), ("service", service)} | {("model", m) for m in models}
    ev.series |= {("feature", f) for f in feats} | {("team", t) for t in teams}
    return ev, keys


def _apply27(
    c: Company, p: Plan27, lines: dict, base: dict, arrays: dict, rng: np.random.Generator, extra: dict
) -> Labelled:
    """Round 26's `_apply26`, plus a provider's (or a model's) price change, a provider's broken export and a
    provider's day billed twice (sized here, its rows copied in `build27`)."""
    if p.kind not in ("duplicate", "pipeline", "provider_price", "model_price"):
        return _apply26(c, p, lines, base, arrays, rng, extra)
    start, end = p.day, min(p.day + p.length - 1, DAYS - 1)
    days = np.arange(start, end + 1)
    if p.kind == "model_price":
        keys = [k for k in arrays if k[1] == p.model]
        provider, service = MODELS22[p.model]
        ev = Labelled(
            "level_shift_up" if p.magnitude > 0 else "level_shift_down",
            start,
            end,
            "",
            p.model,
            "",
            provider,
            service,
            0,
            "",
        )
        ev.causes = {("model", p.model)}
        ev.series = {("model", p.model), ("provider", provider), ("service", service)}
        known = {**lines, **extra}
        ev.series |= {("feature", known[k].feature) for k in keys} | {("team", known[k].team) for k in keys}
        ev.feature = ",".join(sorted({known[k].feature for k in keys}))
    else:
        kind = {"duplicate": "spike", "pipeline": "outage", "provider_price": "level_shift_up"}[p.kind]
        ev, keys = _provider_label(kind, p, {**lines, **extra}, arrays, start, end)
    before = sum(float((arrays[k][0] + arrays[k][1])[days].sum()) for k in keys)
    if p.kind == "duplicate":  # the rows are copied once built; the arrays stay as they are
        ev.impact = before
    else:
        for k in keys:
            for arr in arrays[k]:
                if p.kind == "pipeline":
                    arr[days] *= 1 + p.magnitude
                else:
                    arr[start:] *= 1 + p.magnitude
        ev.impact = sum(float((arrays[k][0] + arrays[k][1])[days].sum()) for k in keys) - before
    ev.magnitude = p.magnitude
    ev.direction = "drop" if p.magnitude < 0 else "spike"
    return ev


def _rows27(c: Company, arrays: dict, lines: dict) -> list[dict]:
    """Round 26's rows with GPU lines as one row a day without a token type."""
    import json

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
                        "resource": f"{key[0] or 'key-' + ln.team}-{key[1]}",
                    }
                )
    return rows


def build27(spec: Spec27) -> Company:
    """Round 26's build (bench/anomaly_world_blind26.py `build26`) with GPU lines (idle weekends: their week),
    month-end batches on the last two calendar days, commitments that expire, and the provider-wide events."""
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
            clean[key] = (cost, np.zeros(DAYS)) if ln.gpu else (cost * (1 - share), cost * share)
    for feature, model, size in spec.month_end_days:
        key, ln = (feature, model), lines[(feature, model)]
        for i in _last_two_days(c):
            v = size * ln.level * (1 + ln.growth) ** i * float(np.exp(rng.normal(0, 0.1)))
            clean[key][0][i] += v * (1 - ln.output_share)
            clean[key][1][i] += v * ln.output_share
    fees_clean: dict[tuple[str, str], np.ndarray] = {}
    fees_noisy: dict[tuple[str, str], np.ndarray] = {}
    noisy = {k: (a.copy(), b.copy()) for k, (a, b) in clean.items()}
    for p in spec.plans:
        if p.kind == "commitment":  # both twins: the commitment; the event's twin: it ends on `p.day`
            _commitment(p, clean, noisy, fees_clean, fees_noisy)
    keys_of_leaks: dict[tuple[str, str], Line] = {}
    events = [_apply27(c, p, lines, base, noisy, rng, keys_of_leaks) for p in spec.plans]
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


def blind27_companies() -> list[Company]:
    out = []
    for spec in SPECS:
        c = build27(spec)
        assert all(e.start >= WARMUP for e in c.events), spec.name
        out.append(c)
    return out


def describe() -> None:
    """Each event with its day, size and share of a usual day (the median clean day of days 32-59)."""
    for c in blind27_companies():
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
        description="Print blind round 27's companies and their labelled incidents (scored by "
        "anomaly_benchmark.py --set blind27)."
    ).parse_args()
    describe()
