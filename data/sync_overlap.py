"""A provider sync beside another source of the same bill (`spendscope sync openai|anthropic` after a FOCUS file
that holds the same OpenAI or Anthropic spend).

A sync replaces only its own rows of its window, so a FOCUS export of the same organisation imported before was
added to, never compared: both were counted. The API names no organisation (the sync's rows carry no billing
account), so the bill is recognised by what both sides name: the provider, the project or workspace
(SubAccountId) and the day. Days another bill source holds that way are left out of the sync, with a warning
naming the source, its import, rows and cost (a scheduled sync must not fail every run); `--replace-period`
switches those days to the API instead, deleting the other source's rows of them in the sync's transaction.
Rows of the other source that name no project are not matched (their project cannot be told): the warning says so
when they share the sync's days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import duckdb
from spendscope.data.scopes import BILL_SOURCES, source_name
from spendscope.data.store import Store

_COMMAND = {"openai_api": "spendscope sync openai", "anthropic_api": "spendscope sync anthropic"}
Key = tuple[str, str, dt.date]  # provider, project (SubAccountId), UTC day


def other_sources(kind: str) -> list[str]:
    return [k for k in BILL_SOURCES if k != kind]


@dataclass
class _Held:
    """What one import of another source holds of the sync's days."""

    source: str
    import_id: str
    provider: str
    rows: int = 0
    cost: Decimal = Decimal(0)
    days: set[dt.date] = field(default_factory=set)
    projects: set[str] = field(default_factory=set)


@dataclass
class Overlap:
    """The (provider, project, day) groups of a sync another bill source holds, and the notes to record."""

    matched: list[Key]
    notes: list[str]


def find_overlap(
    store: Store,
    con: duckdb.DuckDBPyConnection,
    staged: str,
    *,
    kind: str,
    start: dt.datetime,
    end: dt.datetime,
    replace: bool,
) -> Overlap:
    """Read, before the sync's write, which of the staged rows' (provider, project, day) groups another bill
    source holds; unless `replace`, leave those rows out of `staged` (the sync's own staging table)."""
    wanted = {
        (p, s, _day(t))
        for p, s, t in con.execute(
            f"SELECT DISTINCT ProviderName, SubAccountId, ChargePeriodStart FROM {staged}"
        ).fetchall()
    }
    providers = sorted({p for p, _, _ in wanted if p is not None})
    if not wanted or not providers or not store.exists:
        return Overlap([], [])
    with store.reader() as reader:
        stored = reader.execute(
            """SELECT x_Source, x_ImportId, ProviderName, SubAccountId, ChargePeriodStart, count(*),
                      coalesce(sum(EffectiveCost), 0)
               FROM costs
               WHERE x_Source IN (SELECT unnest(CAST(? AS VARCHAR[])))
                     AND ProviderName IN (SELECT unnest(CAST(? AS VARCHAR[])))
                     AND ChargePeriodStart >= ? AND ChargePeriodStart < ?
               GROUP BY x_Source, x_ImportId, ProviderName, SubAccountId, ChargePeriodStart""",
            [other_sources(kind), providers, start, end],
        ).fetchall()
    days_of = {(p, d) for p, _, d in wanted}
    matched: set[Key] = set()
    named: dict[tuple[str, str], _Held] = {}
    unnamed: dict[tuple[str, str], _Held] = {}
    for source, import_id, provider, sub, start_at, rows, cost in stored:
        day = _day(start_at)
        if sub is not None and (provider, sub, day) in wanted:
            matched.add((provider, sub, day))
            held = named.setdefault((source, import_id), _Held(source, import_id, provider))
            held.projects.add(sub)
        elif sub is None and (provider, day) in days_of:
            held = unnamed.setdefault((source, import_id), _Held(source, import_id, provider))
        else:
            continue
        held.rows += rows
        held.cost += Decimal(cost)
        held.days.add(day)
    notes = [_note(h, kind, replace) for h in named.values()]
    notes += [
        f"the store also holds {h.provider} spend of {_days(h.days)} from {source_name(h.source)} (import "
        f"{h.import_id}: {h.rows:,} rows, effective cost {h.cost:,.2f}) that names no project: if it is the same "
        "bill as the sync's, both are counted (the sync cannot tell; `spendscope sources` lists both)"
        for h in unnamed.values()
    ]
    keys = sorted(matched)
    if keys and not replace:
        left = _leave_out(con, staged, keys)
        notes.append(
            f"left out {left[0]:,} API results (effective cost {Decimal(left[1]):,.2f}) of those days"
        )
    return Overlap(keys, notes)


def replace_overlap(con: duckdb.DuckDBPyConnection, db: str, kind: str, keys: list[Key]) -> None:
    """Inside the sync's write transaction (`--replace-period`): delete the other sources' rows of the groups."""
    for provider, sub, day in keys:
        start = dt.datetime.combine(day, dt.time(), dt.UTC)
        con.execute(
            f"""DELETE FROM {db}.costs WHERE x_Source IN (SELECT unnest(CAST(? AS VARCHAR[])))
                AND ProviderName = ? AND SubAccountId = ? AND ChargePeriodStart >= ? AND ChargePeriodStart < ?""",
            [other_sources(kind), provider, sub, start, start + dt.timedelta(days=1)],
        )


def _leave_out(con: duckdb.DuckDBPyConnection, staged: str, keys: list[Key]) -> tuple[int, Any]:
    con.execute("CREATE OR REPLACE TEMP TABLE _held_keys (p VARCHAR, s VARCHAR, d DATE)")
    con.executemany("INSERT INTO _held_keys VALUES (?, ?, ?)", [list(k) for k in keys])
    match = f"""EXISTS (SELECT 1 FROM _held_keys AS k WHERE k.p = {staged}.ProviderName
                AND k.s = {staged}.SubAccountId
                AND k.d = CAST(timezone('UTC', {staged}.ChargePeriodStart) AS DATE))"""
    left = con.execute(
        f"SELECT count(*), coalesce(sum(EffectiveCost), 0) FROM {staged} WHERE {match}"
    ).fetchall()
    con.execute(f"DELETE FROM {staged} WHERE {match}")
    con.execute("DROP TABLE _held_keys")
    return left[0]


def _note(h: _Held, kind: str, replace: bool) -> str:
    projects = sorted(h.projects)
    shown = ", ".join(projects[:5]) + (f" and {len(projects) - 5} more" if len(projects) > 5 else "")
    what = (
        f"the store holds {h.provider} spend of {_days(h.days)} for "
        f"{'project' if len(projects) == 1 else 'projects'} {shown} from {source_name(h.source)} "
        f"(import {h.import_id}: {h.rows:,} rows, effective cost {h.cost:,.2f})"
    )
    if replace:
        return f"{what}: replaced by the sync's rows of those days (--replace-period)"
    return (
        f"{what}; both would count that bill twice, so the sync left out its own rows of those days and projects. "
        f"To use the API for them instead: `{_COMMAND.get(kind, kind)} --replace-period`"
    )


def _day(t: dt.datetime) -> dt.date:
    return (t.astimezone(dt.UTC) if t.tzinfo else t).date()


def _days(days: set[dt.date]) -> str:
    a, b = f"{min(days):%Y-%m-%d}", f"{max(days):%Y-%m-%d}"
    return a if a == b else f"{a}..{b}"
