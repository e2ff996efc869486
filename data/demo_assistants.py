"""The demo's coding-assistant line: Lumen Labs' engineers on GitHub Copilot (Business seats, a few Enterprise
ones, premium requests, daily usage metrics) and, in search, Cursor (Teams seats, usage events, daily
usage). Generated in the vendors' documented API shapes and loaded with the code the syncs use (their `stage`
and the shared window-replacing tail), so the demo exercises the real parsers.

What it holds on purpose: idle seats (two never used, three unused for weeks), three Copilot users whose premium
requests exceed the Business allowance by far (cheaper on Enterprise), Cursor users who default to Claude Opus in
Max Mode (a model-mix saving), and productivity (accepted lines, interactions) for unit costs. Deterministic for a
seed, and small: it builds in well under a second.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

from spendscope.data import sync_cursor, sync_github_copilot
from spendscope.data.assistants import TOOLS, AssistantResult, finish
from spendscope.data.importing import previous_import
from spendscope.data.settings import Settings
from spendscope.data.store import Store, memory_connection
from spendscope.data.syncing import SyncWindow, payload_hash

ORG = "lumen-labs"
DOMAIN = "lumenlabs.dev"
FIRST = (
    "ana",
    "ben",
    "chen",
    "dara",
    "eli",
    "fay",
    "gus",
    "hana",
    "ivo",
    "jun",
    "kai",
    "lea",
    "milo",
    "nia",
    "omar",
    "pia",
    "quin",
    "rosa",
    "sami",
    "tara",
    "uma",
    "vik",
    "wen",
    "xia",
    "yuri",
    "zoe",
)
TEAM_SIZES = (
    ("search", 8),
    ("support", 5),
    ("growth", 6),
    ("legal", 2),
    ("data-science", 6),
    ("platform", 9),
)
CURSOR_TEAMS = ("search",)
COPILOT_MODELS = (
    ("Claude Sonnet 4", 1, 0.55),
    ("GPT-5", 1, 0.25),
    ("Gemini 2.5 Pro", 1, 0.12),
    ("Claude Opus 4", 10, 0.08),
)
CURSOR_MODELS = (("claude-4-sonnet", 0.6), ("gpt-5", 0.25), ("claude-4-opus", 0.15))
PREMIUM_PRICE = 0.04
INCLUDED = {"business": 300, "enterprise": 1000}


def engineers() -> list[dict[str, str]]:
    """The demo's engineers: email, GitHub login and team (the users -> team map a rule file would hold)."""
    out, i = [], 0
    for team, size in TEAM_SIZES:
        for _ in range(size):
            first = FIRST[i % len(FIRST)]
            last = team.split("-")[0]
            out.append(
                {
                    "email": f"{first}.{last}{i // len(FIRST) or ''}@{DOMAIN}",
                    "login": f"{first}-{last}",
                    "team": team,
                }
            )
            i += 1
    return out


def _ms(day: dt.date, seconds: int) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp() * 1000) + seconds * 1000


def _copilot(rng: random.Random, people: list[dict[str, str]], days: list[dt.date]) -> dict[str, Any]:
    start, end = days[0], days[-1]
    seats, premium, metrics = [], [], []
    idle_never = {people[3]["login"], people[20]["login"]}
    idle_since = {
        people[9]["login"]: 25,
        people[14]["login"]: 10,
        people[30]["login"]: 40,
    }  # last active day index
    heavy = {people[1]["login"], people[16]["login"], people[22]["login"]}
    late = {people[12]["login"]: len(days) // 2}  # seat assigned half-way through
    for k, p in enumerate(people):
        login = p["login"]
        plan = "enterprise" if p["team"] == "platform" and k % 3 == 0 else "business"
        created = start - dt.timedelta(days=200) if login not in late else days[late[login]]
        active_days = (
            [] if login in idle_never else days[: idle_since[login] + 1] if login in idle_since else days
        )
        active_days = [d for d in active_days if d >= created and (d.weekday() < 5 or rng.random() < 0.1)]
        month_used: dict[tuple[int, int], float] = {}
        for d in active_days:
            base = 60 if login in heavy else 12
            units_today = 0.0
            for model, mult, share in COPILOT_MODELS:
                n = int(base * share * 0.6 * rng.uniform(0.3, 1.7))
                if not n:
                    continue
                units = float(n * mult)
                used = month_used.get((d.year, d.month), 0.0)
                included = max(0.0, min(units, INCLUDED[plan] - used))
                month_used[(d.year, d.month)] = used + units
                units_today += units
                premium.append(
                    {
                        "day": d,
                        "user": login,
                        "product": "Copilot",
                        "sku": "Copilot Premium Request",
                        "model": model,
                        "unitType": "requests",
                        "pricePerUnit": PREMIUM_PRICE,
                        "grossQuantity": units,
                        "grossAmount": round(units * PREMIUM_PRICE, 4),
                        "discountQuantity": included,
                        "discountAmount": round(included * PREMIUM_PRICE, 4),
                        "netQuantity": units - included,
                        "netAmount": round((units - included) * PREMIUM_PRICE, 4),
                    }
                )
            shown = rng.randint(20, 90)
            accepted = int(shown * rng.uniform(0.2, 0.4))
            metrics.append(
                {
                    "day": d.isoformat(),
                    "user_login": login,
                    "user_initiated_interaction_count": rng.randint(3, 30),
                    "code_generation_activity_count": shown,
                    "code_acceptance_activity_count": accepted,
                    "loc_suggested_to_add_sum": shown * 4,
                    "loc_added_sum": accepted * rng.randint(3, 7),
                    "loc_deleted_sum": rng.randint(0, 15),
                }
            )
        last = max(active_days) if active_days else None
        seats.append(
            {
                "created_at": f"{created.isoformat()}T09:00:00Z",
                "pending_cancellation_date": None,
                "last_activity_at": f"{last.isoformat()}T17:30:00Z" if last else None,
                "last_activity_editor": "vscode/1.105.0/copilot-chat/0.32.0" if last else None,
                "plan_type": plan,
                "assignee": {"login": login, "type": "User"},
            }
        )
    assert end >= start
    return {"seats": seats, "premium": premium, "metrics": metrics}


def _cursor(rng: random.Random, people: list[dict[str, str]], days: list[dt.date]) -> dict[str, Any]:
    members, events, daily = [], [], []
    users = [p for p in people if p["team"] in CURSOR_TEAMS]
    opus_lovers = {users[0]["email"], users[5]["email"]}
    for k, p in enumerate(users):
        email = p["email"]
        members.append(
            {
                "id": 1000 + k,
                "name": email.split("@")[0],
                "email": email,
                "role": "owner" if k == 0 else "member",
                "isRemoved": False,
            }
        )
        idle = k == len(users) - 1  # one Cursor seat nobody uses
        for d in days:
            active = not idle and (d.weekday() < 5 or rng.random() < 0.1)
            lines = rng.randint(150, 900) if active else 0
            daily.append(
                {
                    "date": _ms(d, 0),
                    "isActive": active,
                    "acceptedLinesAdded": lines,
                    "acceptedLinesDeleted": lines // 4,
                    "totalTabsShown": lines // 2,
                    "totalTabsAccepted": lines // 5,
                    "totalAccepts": rng.randint(5, 40) if active else 0,
                    "composerRequests": rng.randint(0, 20) if active else 0,
                    "chatRequests": rng.randint(0, 30) if active else 0,
                    "agentRequests": rng.randint(0, 25) if active else 0,
                    "cmdkUsages": rng.randint(0, 15) if active else 0,
                    "email": email,
                }
            )
            if not active:
                continue
            for j in range(rng.randint(1, 4)):
                r = rng.random()
                model = next(
                    m
                    for m, cut in (
                        ("claude-4-opus", 0.7 if email in opus_lovers else 0.12),
                        ("gpt-5", 0.85 if email in opus_lovers else 0.4),
                        ("claude-4-sonnet", 1.1),
                    )
                    if r < cut
                )
                opus = model == "claude-4-opus"
                inp, out = rng.randint(2_000, 40_000), rng.randint(300, 4_000)
                read, write = rng.randint(0, 60_000), rng.randint(0, 8_000)
                rates = (
                    (15, 75, 1.5, 18.75)
                    if opus
                    else (1.25, 10, 0.125, 1.56)
                    if model == "gpt-5"
                    else (3, 15, 0.3, 3.75)
                )
                cents = (inp * rates[0] + out * rates[1] + read * rates[2] + write * rates[3]) / 10_000
                usage_based = opus or rng.random() < 0.15
                events.append(
                    {
                        "timestamp": str(_ms(d, 3_600 * 9 + j * 1_800 + rng.randint(0, 900))),
                        "model": model,
                        "kind": "Usage-based" if usage_based else "Included in Business",
                        "maxMode": opus,
                        "requestsCosts": round(rng.uniform(1, 5) * (5 if opus else 1), 1),
                        "isTokenBasedCall": usage_based,
                        "tokenUsage": {
                            "inputTokens": inp,
                            "outputTokens": out,
                            "cacheWriteTokens": write,
                            "cacheReadTokens": read,
                            "totalCents": round(cents, 4),
                        },
                        "isFreeBugbot": False,
                        "userEmail": email,
                    }
                )
    return {"members": members, "events": events, "daily": daily}


def build_assistants(store: Store, start: dt.date, end: dt.date, seed: int, folder: Path) -> tuple[int, int]:
    """Generate and load the demo's coding-assistant line. Returns (its cost rows, cost rows added: 0 when the
    store already holds them)."""
    rng = random.Random(seed * 7919 + 20)
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    people = engineers()
    window = SyncWindow(
        dt.datetime(start.year, start.month, start.day, tzinfo=dt.UTC),
        dt.datetime(end.year, end.month, end.day, tzinfo=dt.UTC) + dt.timedelta(days=1),
        False,
    )
    settings = Settings(github_org=ORG)
    total = added = 0
    copilot, cursor = _copilot(rng, people, days), _cursor(rng, people, days)
    for key, data in (("github_copilot", copilot), ("cursor", cursor)):
        path = folder / f"demo-{key.replace('_', '-')}-{start:%Y%m%d}-{end:%Y%m%d}.json"
        path.write_text(json.dumps(data, default=str, separators=(",", ":")), encoding="utf-8")
        digest = payload_hash(window.label, data)
        earlier = previous_import(store, key, digest)
        if earlier:
            with store.reader() as con:
                total += con.execute(
                    "SELECT rows_read FROM imports WHERE import_id = ?", [earlier]
                ).fetchall()[0][0]
            continue
        con = memory_connection()
        try:
            if key == "cursor":
                sync_cursor.stage(
                    con,
                    settings,
                    members=data["members"],
                    events=data["events"],
                    daily=data["daily"],
                    spend={},
                )
                streams: tuple[str, ...] = ("usage", "seats", "activity", "roster")
            else:
                premium = [(i["day"], i["user"], i) for i in data["premium"]]
                sync_github_copilot.stage(
                    con, settings, ORG, seats=data["seats"], premium=premium, activity=data["metrics"]
                )
                streams = ("usage", "seats", "activity", "roster")
            result: AssistantResult = finish(
                store,
                con,
                TOOLS[key],
                window,
                streams=streams,
                label=str(path.resolve()),
                file_hash=digest,
                warnings=[],
                state_source=None,
                as_of=window.end,
            )
        finally:
            con.close()
        total += result.import_result.rows_read
        added += result.cost_rows
    return total, added
