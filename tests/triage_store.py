"""A small store for the triage tests, written row by row (tests/analytics_facts.py) and through the real events
importer: 70 days of three teams' spend and telemetry, then a spike in feature `chat` (team search, OpenAI
gpt-4o) carried by customer acme, after commit c0ffee1 doubled chat's prompt. The spike grows day by day and
either lasts to the last day of data (`tail=0`) or is followed by `tail` normal days.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from analytics_facts import add_costs, add_events
from spendscope.data.store import Store

START = dt.date(2026, 8, 1)
BASE_DAYS = 70
SPIKE = (60.0, 120.0, 180.0)  # extra chat spend on the spike days, all from acme
OLD_SHA = "base0000000000000000000000000000000000001"
NEW_SHA = "c0ffee1000000000000000000000000000000001"
REQUESTS = {"acme": 600, "globex": 400}
CHAT_USD = {"acme": 120.0, "globex": 80.0}  # chat's usual daily cost per customer


def _wiggle(i: int, k: int) -> float:
    """Deterministic noise within +-3%."""
    return 1 + (((i * 37 + k * 11) % 13) - 6) / 200


def spike_start(tail: int = 0) -> dt.date:
    return START + dt.timedelta(days=BASE_DAYS)


def last_day(tail: int = 0) -> dt.date:
    return START + dt.timedelta(days=BASE_DAYS + len(SPIKE) + tail - 1)


def build(path: Path, tail: int = 0) -> Store:
    """The store; `tail` normal days follow the spike."""
    store = Store(path, lock_timeout=10)
    store.ensure_schema()
    n = BASE_DAYS + len(SPIKE) + tail
    costs, events = [], []
    for i in range(n):
        day = START + dt.timedelta(days=i)
        s = i - BASE_DAYS
        extra = SPIKE[s] if 0 <= s < len(SPIKE) else 0.0
        chat = {c: round(CHAT_USD[c] * _wiggle(i, j), 2) for j, c in enumerate(CHAT_USD)}
        chat["acme"] += extra
        costs += [
            {
                "day": day.isoformat(),
                "ProviderName": "OpenAI",
                "ServiceName": "OpenAI API",
                "x_Model": "gpt-4o",
                "EffectiveCost": round(sum(chat.values()), 2),
                "Tags": {"team": "search", "feature": "chat"},
            },
            {
                "day": day.isoformat(),
                "ProviderName": "Anthropic",
                "ServiceName": "Claude API",
                "x_Model": "claude-sonnet-4-5",
                "EffectiveCost": round(150 * _wiggle(i, 5), 2),
                "Tags": {"team": "ads", "feature": "adgen"},
            },
            {
                "day": day.isoformat(),
                "ProviderName": "AWS",
                "ServiceName": "Amazon EC2",
                "EffectiveCost": round(5000 * _wiggle(i, 7), 2),
                "Tags": {"team": "infra", "feature": "serving"},
            },
        ]
        sha = NEW_SHA if 0 <= s < len(SPIKE) else OLD_SHA
        ts = f"{day.isoformat()}T10:00:00Z"
        for c in CHAT_USD:
            events.append(
                {
                    "event_id": f"chat-{c}-{i}",
                    "ts": ts,
                    "provider": "openai",
                    "model": "gpt-4o-2024-11-20",
                    "feature": "chat",
                    "team": "search",
                    "customer": c,
                    "requests": REQUESTS[c],
                    "estimated_cost": chat[c],
                    "commit_sha": sha,
                    "code_path": "app/chat.py",
                }
            )
        events.append(
            {
                "event_id": f"adgen-{i}",
                "ts": ts,
                "provider": "anthropic",
                "model": "claude-sonnet-4-5-20250929",
                "feature": "adgen",
                "team": "ads",
                "customer": "acme",
                "requests": 300,
                "estimated_cost": costs[1]["EffectiveCost"],
                "commit_sha": OLD_SHA,
                "code_path": "app/adgen.py",
            }
        )
    add_costs(store, costs)
    add_events(store, path.parent, events)
    return store
