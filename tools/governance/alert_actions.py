"""Routing feedback on anomalies: reassign one to another owner, snooze it for a while, and read where an anomaly
stands (status, who acted, assignee, snooze) so an alert can be redrawn. Status labels (acknowledge, expected,
...) stay in tools.governance.anomalies.update_anomaly; this module adds the routing half in `anomaly_routing`
(migration 0008). The Slack alert buttons call these; so can any client.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

import duckdb
from pydantic import BaseModel, Field, model_validator
from spendscope.data.errors import InvalidArgument, NotFound
from spendscope.data.store import Store
from spendscope.tools.registry import operation

MAX_SNOOZE_HOURS = 24 * 30
_ASSIGNEE = re.compile(
    r"^([UW][A-Z0-9]{6,}|[CGD][A-Z0-9]{6,}|#[a-z0-9][a-z0-9_\-.]{0,79}|[^@\s]+@[^@\s]+\.[^@\s]+)$"
)


class ReassignInput(BaseModel):
    anomaly_id: str = Field(description="id as shown by detect or list, e.g. an-3f2a9c1b")
    assignee: str = Field(
        description="the new owner: Slack user id (U...), channel id (C...) or #name, or email"
    )
    reason: str | None = Field(None, description="why; kept with the feedback")
    actor: str | None = Field(None, description="who reassigned it")


class SnoozeInput(BaseModel):
    anomaly_id: str = Field(description="id as shown by detect or list, e.g. an-3f2a9c1b")
    hours: float | None = Field(None, gt=0, le=MAX_SNOOZE_HOURS, description="snooze for this many hours")
    until: dt.datetime | None = Field(
        None, description="or snooze until this time (UTC when no zone is given)"
    )
    reason: str | None = Field(None, description="why; kept with the feedback")
    actor: str | None = Field(None, description="who snoozed it")

    @model_validator(mode="after")
    def _one_of(self) -> SnoozeInput:
        if (self.hours is None) == (self.until is None):
            raise ValueError("give hours or until (one of them)")
        return self


class RoutingAction(BaseModel):
    action_id: str
    anomaly_id: str
    action: str = Field(description="reassign or snooze")
    assignee: str | None
    snoozed_until: dt.datetime | None
    reason: str | None
    actor: str | None
    created_at: dt.datetime
    reminded_at: dt.datetime | None


class AnomalyState(BaseModel):
    """Where an anomaly stands: its status and the last status feedback, its assignee and its snooze."""

    anomaly_id: str
    status: str = Field(description="open, acknowledged, expected or resolved")
    status_reason: str | None
    status_action: str | None = Field(
        None, description="the last status feedback: acknowledge, expected, ..."
    )
    status_actor: str | None = None
    assignee: str | None = None
    assigned_by: str | None = None
    snoozed_until: dt.datetime | None = Field(None, description="set while a snooze has not ended")
    snoozed_by: str | None = None
    actions: list[RoutingAction] = Field(
        default_factory=list, description="reassignments and snoozes, oldest first"
    )


_ROUTING = (
    "SELECT action_id, anomaly_id, action, assignee, snoozed_until, reason, actor, created_at, reminded_at "
    "FROM anomaly_routing"
)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _action(r: tuple) -> RoutingAction:
    return RoutingAction(**dict(zip(RoutingAction.model_fields, r, strict=True)))


def _require(con: duckdb.DuckDBPyConnection, anomaly_id: str) -> str:
    rows = con.execute(
        "SELECT anomaly_id FROM anomalies WHERE anomaly_id = ?", [anomaly_id.strip()]
    ).fetchall()
    if not rows:
        raise NotFound(
            f"no anomaly {anomaly_id!r}; list them with `spendscope anomalies list`",
            argument="anomaly_id",
            value=anomaly_id,
        )
    return rows[0][0]


def _state(con: duckdb.DuckDBPyConnection, anomaly_id: str, now: dt.datetime) -> AnomalyState:
    aid = _require(con, anomaly_id)
    status, reason = con.execute(
        "SELECT status, status_reason FROM anomalies WHERE anomaly_id = ?", [aid]
    ).fetchall()[0]
    last = con.execute(
        "SELECT action, actor FROM anomaly_feedback WHERE anomaly_id = ? ORDER BY created_at DESC LIMIT 1",
        [aid],
    ).fetchall()
    actions = [
        _action(r)
        for r in con.execute(
            f"{_ROUTING} WHERE anomaly_id = ? ORDER BY created_at, action_id", [aid]
        ).fetchall()
    ]
    state = AnomalyState(
        anomaly_id=aid,
        status=status,
        status_reason=reason,
        actions=actions,
        status_action=last[0][0] if last else None,
        status_actor=last[0][1] if last else None,
    )
    for a in actions:
        if a.action == "reassign":
            state.assignee, state.assigned_by = a.assignee, a.actor
        elif a.action == "snooze":
            active = a.snoozed_until is not None and a.snoozed_until > now
            state.snoozed_until, state.snoozed_by = (a.snoozed_until, a.actor) if active else (None, None)
    return state


def anomaly_state(store: Store, anomaly_id: str, now: dt.datetime | None = None) -> AnomalyState:
    """Status, last feedback, assignee and snooze of one anomaly."""
    with store.reader() as con:
        return _state(con, anomaly_id, now or _now())


def _insert(
    con: duckdb.DuckDBPyConnection,
    aid: str,
    action: str,
    assignee: str | None,
    until: dt.datetime | None,
    reason: str | None,
    actor: str | None,
    now: dt.datetime,
) -> None:
    con.execute(
        "INSERT INTO anomaly_routing (action_id, anomaly_id, action, assignee, snoozed_until, reason, actor, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        ["ra-" + uuid.uuid4().hex[:10], aid, action, assignee, until, reason, actor, now],
    )


@operation("reassign_anomaly", input_model=ReassignInput, output_model=AnomalyState, writes=True)
def reassign_anomaly(store: Store, params: ReassignInput) -> AnomalyState:
    """Hand an anomaly to another owner (a Slack user or channel, or an email); kept with its feedback."""
    assignee = params.assignee.strip()
    if not _ASSIGNEE.match(assignee):
        raise InvalidArgument(
            f"assignee {assignee!r}: use a Slack user id (U0123ABCD), a channel id (C0123ABCD) "
            "or #name, or an email address",
            argument="assignee",
            value=assignee,
        )
    now = _now()
    with store.writer() as con:
        aid = _require(con, params.anomaly_id)
        _insert(con, aid, "reassign", assignee, None, params.reason, params.actor, now)
        return _state(con, aid, now)


@operation("snooze_anomaly", input_model=SnoozeInput, output_model=AnomalyState, writes=True)
def snooze_anomaly(store: Store, params: SnoozeInput) -> AnomalyState:
    """Snooze an anomaly: no new alert about it until the snooze ends, then one reminder."""
    now = _now()
    if params.until is not None:
        until = params.until if params.until.tzinfo else params.until.replace(tzinfo=dt.UTC)
        if until <= now:
            raise InvalidArgument(f"until {until.isoformat()} is in the past", argument="until")
        if until - now > dt.timedelta(hours=MAX_SNOOZE_HOURS):
            raise InvalidArgument(f"snooze at most {MAX_SNOOZE_HOURS // 24} days", argument="until")
    else:
        until = now + dt.timedelta(hours=float(params.hours or 0))
    with store.writer() as con:
        aid = _require(con, params.anomaly_id)
        _insert(con, aid, "snooze", None, until, params.reason, params.actor, now)
        return _state(con, aid, now)


def snoozed(store: Store, anomaly_ids: list[str], now: dt.datetime | None = None) -> dict[str, dt.datetime]:
    """anomaly id -> end of its snooze, for those of `anomaly_ids` snoozed right now."""
    if not anomaly_ids:
        return {}
    now = now or _now()
    with store.reader() as con:
        rows = con.execute(
            "SELECT anomaly_id, arg_max(snoozed_until, created_at) FROM anomaly_routing "
            "WHERE action = 'snooze' AND list_contains(?, anomaly_id) GROUP BY anomaly_id",
            [anomaly_ids],
        ).fetchall()
    return {aid: until for aid, until in rows if until is not None and until > now}


def due_snoozes(store: Store, now: dt.datetime | None = None) -> list[RoutingAction]:
    """Snoozes that ended without a reminder, on anomalies still open or acknowledged (the latest snooze of
    each anomaly only), oldest first."""
    now = now or _now()
    with store.reader() as con:
        rows = con.execute(
            f"""{_ROUTING} r WHERE action = 'snooze' AND reminded_at IS NULL AND snoozed_until <= ?
                AND created_at = (SELECT max(created_at) FROM anomaly_routing x
                                  WHERE x.anomaly_id = r.anomaly_id AND x.action = 'snooze')
                AND EXISTS (SELECT 1 FROM anomalies a WHERE a.anomaly_id = r.anomaly_id
                            AND a.status IN ('open', 'acknowledged'))
                ORDER BY snoozed_until, action_id""",
            [now],
        ).fetchall()
    return [_action(r) for r in rows]


def mark_reminded(store: Store, action_id: str) -> None:
    """Record that the reminder of a snooze went out."""
    with store.writer() as con:
        con.execute("UPDATE anomaly_routing SET reminded_at = ? WHERE action_id = ?", [_now(), action_id])
