"""The triage router's durable state in the store (migration 0007, docs/triage.md): the delivery ledger
(`_triage_log`: which anomaly went out in which alert, enriched -> delivered) and the runs (`_triage_runs`: which
run is working, so a run whose process died is resumed by the next one).

An alert's key is its lead anomaly id + severity. Every anomaly of the event gets a ledger row with the key, so
the same key is never delivered twice, an anomaly already delivered at that severity is not alerted again, and a
later anomaly of an event already delivered is folded into it (status `merged`).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from pydantic import BaseModel
from spendscope.data.store import Store
from spendscope.tools.governance.anomaly_detection import SEVERITIES

STALE_AFTER = dt.timedelta(minutes=15)  # a run on another host with no progress for this long is taken over
MAX_ATTEMPTS = 10  # failed deliveries of one alert before it is no longer retried


def _rank_sql(column: str) -> str:
    return (
        f"(CASE {column} "
        + " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(SEVERITIES))
        + " ELSE -1 END)"
    )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# ------------------------------------------------------------------------------------------------- runs


class TriageRun(BaseModel):
    run_id: str
    started_at: dt.datetime
    heartbeat_at: dt.datetime
    status: str
    host: str | None
    pid: int | None


def start_run(store: Store, run_id: str, params: dict[str, Any], host: str, pid: int) -> None:
    now = _now()
    with store.writer() as con:
        con.execute(
            "INSERT INTO _triage_runs (run_id, started_at, heartbeat_at, status, host, pid, params) "
            "VALUES (?, ?, ?, 'running', ?, ?, ?)",
            [run_id, now, now, host, pid, json.dumps(params)],
        )


def heartbeat(store: Store, run_id: str) -> None:
    with store.writer() as con:
        con.execute("UPDATE _triage_runs SET heartbeat_at = ? WHERE run_id = ?", [_now(), run_id])


def finish_run(store: Store, run_id: str, status: str, alerts: int, delivered: int) -> None:
    with store.writer() as con:
        con.execute(
            "UPDATE _triage_runs SET status = ?, finished_at = ?, alerts = ?, delivered = ? WHERE run_id = ?",
            [status, _now(), alerts, delivered, run_id],
        )


def unfinished_runs(store: Store) -> list[TriageRun]:
    """Runs that are working, died, or stopped on an error (their checkpoints are kept to resume from)."""
    with store.reader() as con:
        rows = con.execute(
            "SELECT run_id, started_at, heartbeat_at, status, host, pid FROM _triage_runs "
            "WHERE status IN ('running', 'failed') ORDER BY started_at"
        ).fetchall()
    names = list(TriageRun.model_fields)
    return [TriageRun(**dict(zip(names, r, strict=True))) for r in rows]


def is_stale(run: TriageRun, host: str, alive: bool | None, now: dt.datetime | None = None) -> bool:
    """A run nobody works on: it stopped on an error, its process on this host is gone, or it made no progress
    for a while."""
    if run.status == "failed" or (run.host == host and alive is False):
        return True
    return (now or _now()) - run.heartbeat_at > STALE_AFTER


def claim_run(store: Store, run: TriageRun, host: str, pid: int) -> bool:
    """Take over a stale run; False when another process took it first."""
    with store.writer() as con:
        rows = con.execute(
            "UPDATE _triage_runs SET status = 'running', host = ?, pid = ?, heartbeat_at = ? WHERE run_id = ? "
            "AND status = ? AND heartbeat_at = ? AND host IS NOT DISTINCT FROM ? AND pid IS NOT DISTINCT FROM ? "
            "RETURNING run_id",
            [host, pid, _now(), run.run_id, run.status, run.heartbeat_at, run.host, run.pid],
        ).fetchall()
    return bool(rows)


# ----------------------------------------------------------------------------------------------- ledger


class LedgerEntry(BaseModel):
    anomaly_id: str
    key: str
    lead_id: str
    severity: str
    status: str  # enriched | merged
    destination: str | None
    alert: dict[str, Any] | None = None  # on the lead's row only


def record(store: Store, run_id: str, entries: list[LedgerEntry]) -> None:
    """Write the alerts a run built (status enriched) and the anomalies it folded into earlier alerts (merged).
    Rows already delivered are left alone; a row of a crashed run is taken over by this one."""
    if not entries:
        return
    now = _now()
    with store.writer() as con:
        con.executemany(
            "INSERT INTO _triage_log (anomaly_id, key, lead_id, severity, status, destination, alert, run_id, "
            "enriched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (anomaly_id, key) DO UPDATE SET "
            "status = excluded.status, destination = excluded.destination, "
            "alert = coalesce(excluded.alert, _triage_log.alert), run_id = excluded.run_id, "
            "enriched_at = excluded.enriched_at WHERE _triage_log.status = 'enriched'",
            [
                [
                    e.anomaly_id,
                    e.key,
                    e.lead_id,
                    e.severity,
                    e.status,
                    e.destination,
                    json.dumps(e.alert) if e.alert is not None else None,
                    run_id,
                    now,
                ]
                for e in entries
            ],
        )


def delivered_severities(store: Store, anomaly_ids: list[str]) -> dict[str, str]:
    """The highest severity each anomaly went out at (delivered, or merged into a delivered alert)."""
    if not anomaly_ids:
        return {}
    with store.reader() as con:
        rows = con.execute(
            f"SELECT anomaly_id, arg_max(severity, {_rank_sql('severity')}) FROM _triage_log "
            f"WHERE status IN ('delivered', 'merged') AND anomaly_id IN ({', '.join('?' for _ in anomaly_ids)}) "
            "GROUP BY 1",
            anomaly_ids,
        ).fetchall()
    return dict(rows)


def delivered_key(store: Store, anomaly_ids: list[str], severity: str) -> str | None:
    """The key of an alert already delivered for any of these anomalies at `severity` or above."""
    if not anomaly_ids:
        return None
    with store.reader() as con:
        rows = con.execute(
            f"SELECT key FROM _triage_log WHERE status = 'delivered' AND {_rank_sql('severity')} >= ? "
            f"AND (anomaly_id IN ({', '.join('?' for _ in anomaly_ids)}) "
            f"OR lead_id IN ({', '.join('?' for _ in anomaly_ids)})) ORDER BY delivered_at DESC, key LIMIT 1",
            [SEVERITIES.index(severity), *anomaly_ids, *anomaly_ids],
        ).fetchall()
    return rows[0][0] if rows else None


def pending_alerts(store: Store, exclude_runs: list[str]) -> list[dict[str, Any]]:
    """Alerts built by runs that are over (finished, abandoned) but not delivered yet: failed or interrupted
    deliveries, to retry. Oldest first; alerts that failed MAX_ATTEMPTS times, or whose anomaly went out since at
    the same or a higher severity, are not retried."""
    marks = ", ".join("?" for _ in exclude_runs) or "NULL"
    with store.reader() as con:
        rows = con.execute(
            f"""SELECT l.alert FROM _triage_log l LEFT JOIN _triage_runs r USING (run_id)
                WHERE l.status = 'enriched' AND l.alert IS NOT NULL AND l.attempts < ?
                  AND coalesce(r.status, 'abandoned') IN ('finished', 'abandoned') AND l.run_id NOT IN ({marks})
                  AND NOT EXISTS (SELECT 1 FROM _triage_log d WHERE d.status = 'delivered' AND (d.key = l.key
                                  OR (d.lead_id = l.lead_id AND {_rank_sql("d.severity")} >= {_rank_sql("l.severity")})))
                ORDER BY l.enriched_at, l.key""",
            [MAX_ATTEMPTS, *exclude_runs],
        ).fetchall()
    return [json.loads(r[0]) for r in rows]


def is_delivered(store: Store, key: str) -> bool:
    with store.reader() as con:
        return bool(
            con.execute(
                "SELECT 1 FROM _triage_log WHERE key = ? AND status = 'delivered' LIMIT 1", [key]
            ).fetchall()
        )


def mark_sending(store: Store, key: str) -> None:
    """Record that a delivery of `key` starts now, before the delivery is called: if the process dies before the
    outcome is recorded, the next run knows the alert is in doubt (it may have gone out) and reconciles."""
    with store.writer() as con:
        con.execute(
            "UPDATE _triage_log SET sending_at = ? WHERE key = ? AND status = 'enriched'", [_now(), key]
        )


def sending_since(store: Store, key: str) -> dt.datetime | None:
    """When an attempt to deliver `key` began whose outcome was never recorded (None: no such attempt)."""
    with store.reader() as con:
        rows = con.execute(
            "SELECT max(sending_at) FROM _triage_log WHERE key = ? AND status = 'enriched'", [key]
        ).fetchall()
    return rows[0][0] if rows else None


def mark_delivered(store: Store, key: str, ref: str) -> None:
    with store.writer() as con:
        con.execute(
            "UPDATE _triage_log SET status = 'delivered', delivered_at = ?, delivery_ref = ?, last_error = NULL, "
            "sending_at = NULL WHERE key = ? AND status = 'enriched'",
            [_now(), ref, key],
        )


def mark_failed(store: Store, key: str, error: str) -> None:
    with store.writer() as con:
        con.execute(
            "UPDATE _triage_log SET attempts = attempts + 1, last_error = ?, sending_at = NULL "
            "WHERE key = ? AND status = 'enriched'",
            [error, key],
        )


# ------------------------------------------------------------------------------------ anomaly hand-outs


def handed_out(store: Store, consumer: str) -> dict[str, str]:
    """Anomaly id -> severity it was handed to `consumer` at (tools.governance.anomalies.detect_new_anomalies)."""
    with store.reader() as con:
        return dict(
            con.execute(
                "SELECT anomaly_id, severity FROM _anomaly_deliveries WHERE consumer = ?", [consumer]
            ).fetchall()
        )


def unlogged_handouts(store: Store, consumer: str) -> list[str]:
    """Anomalies handed to `consumer` that the ledger has no row for at that severity or above: a run died after
    taking them and before writing its ledger rows."""
    with store.reader() as con:
        rows = con.execute(
            f"""SELECT h.anomaly_id FROM _anomaly_deliveries h WHERE h.consumer = ?
                AND NOT EXISTS (SELECT 1 FROM _triage_log l WHERE l.anomaly_id = h.anomaly_id
                                AND {_rank_sql("l.severity")} >= {_rank_sql("h.severity")})
                ORDER BY h.delivered_at, h.anomaly_id""",
            [consumer],
        ).fetchall()
    return [r[0] for r in rows]
