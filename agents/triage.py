"""The anomaly triage router: a LangGraph graph that routes each new cost anomaly to the people who own it.

collect (new anomalies from tools.governance.anomalies.detect_new_anomalies, minus those already alerted at that severity;
plus alerts of earlier runs still to deliver) -> enrich (tools.triage.context.gather_facts per event: drivers,
budgets, commits, usage, trend, owner, severity) -> route (destination from the owner map or the default
channel; an event already alerted at that severity is merged into that alert) -> summarise (Claude when a key
is set, the template otherwise) -> business (margin-floor, unit-budget and unit-cost alerts: agents/business_alerts.py)
-> record (ledger rows `enriched`) -> deliver (through the Delivery; ledger rows `delivered`).

State is durable twice over: the graph is checkpointed after every node in a SQLite file per store under
Settings.state_dir (a run whose process died is resumed from its last node by the next run), and the delivery
ledger in the store (tools.triage.ledger) makes sure no alert key is delivered twice. See docs/triage.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypedDict

from pydantic import BaseModel, Field
from spendscope.agents import triage_text as text
from spendscope.agents.business_alerts import business_node
from spendscope.agents.delivery import Alert, Delivery, Destination, StdoutDelivery
from spendscope.data.errors import SpendscopeError
from spendscope.data.settings import Settings
from spendscope.data.store import Store
from spendscope.tools.governance.anomalies import (
    ListAnomaliesInput,
    detect_anomalies,
    detect_new_anomalies,
    list_anomalies,
)
from spendscope.tools.governance.anomaly_detection import SEVERITIES, Anomaly, DetectInput
from spendscope.tools.money_text import in_store_currency
from spendscope.tools.triage import ledger
from spendscope.tools.triage.context import TriageFacts, data_through, gather_facts, lead_of

CONSUMER = "triage"
_RANK = {s: i for i, s in enumerate(SEVERITIES)}


class DeliveredAlert(BaseModel):
    key: str
    anomaly_id: str
    severity: str
    destination: str
    ref: str = Field(description="what the delivery returned (stdout, webhook:200, a Slack message ts, ...)")


class FailedAlert(BaseModel):
    key: str
    anomaly_id: str
    code: str
    error: str


class TriageResult(BaseModel):
    run_id: str | None = Field(description="this run (None for a dry run)")
    resumed_runs: list[str] = Field(default_factory=list, description="interrupted runs finished first")
    dry_run: bool = False
    data_through: dt.date | None = None
    anomalies: int = Field(0, description="new anomalies the router took")
    alerts: list[Alert] = Field(default_factory=list, description="alerts built (a dry run: would be sent)")
    delivered: list[DeliveredAlert] = Field(default_factory=list)
    failed: list[FailedAlert] = Field(default_factory=list, description="retried by the next run")
    already_sent: list[str] = Field(default_factory=list, description="alert keys delivered before: not sent")
    merged: list[str] = Field(
        default_factory=list, description="anomaly ids folded into an alert sent before"
    )
    notes: list[str] = Field(default_factory=list)


class _State(TypedDict, total=False):
    run_id: str | None
    dry_run: bool
    detect: dict[str, Any]
    through: str | None
    anomalies: list[dict[str, Any]]
    pending: list[dict[str, Any]]
    facts: list[dict[str, Any]]
    drafts: list[dict[str, Any]]
    merged: list[dict[str, Any]]
    alerts: list[dict[str, Any]]
    outcome: dict[str, Any]
    notes: list[str]


def destination_label(d: Destination) -> str:
    """Every channel the alert goes to (Slack channel or user, email, Teams webhook), or `unowned`."""
    slack = d.slack_channel or d.slack_user
    teams = f"teams:{d.teams_webhook}" if d.teams_webhook else None
    return ", ".join(x for x in (slack, d.email, teams) if x) or "unowned"


def split_events(anomalies: list[Anomaly]) -> list[tuple[Anomaly, list[Anomaly]]]:
    """(lead, other members) per event: anomalies the detector grouped (group_id) whose days overlap the lead's;
    the rest of a group forms further events the same way. Largest event first."""
    groups: dict[str, list[Anomaly]] = {}
    for a in anomalies:
        groups.setdefault(a.group_id or a.anomaly_id, []).append(a)
    events: list[tuple[Anomaly, list[Anomaly]]] = []
    for members in groups.values():
        left = list(members)
        while left:
            lead = lead_of(left)
            same = [
                m
                for m in left
                if m is not lead
                and m.direction == lead.direction
                and m.start_day <= lead.end_day
                and lead.start_day <= m.end_day
            ]
            events.append((lead, same))
            left = [m for m in left if m is not lead and m not in same]
    events.sort(
        key=lambda e: (
            -_RANK[max((e[0], *e[1]), key=lambda m: _RANK[m.severity]).severity],
            -abs(e[0].impact),
            e[0].anomaly_id,
        )
    )
    return events


BEAT_EVERY = 60.0  # seconds between one run's heartbeats: well inside ledger.STALE_AFTER (15 minutes)


def build_graph(
    store: Store, settings: Settings, delivery: Delivery, client: Any | None, checkpointer: Any | None = None
) -> Any:
    from langgraph.graph import END, START, StateGraph

    beats: dict[str, float] = {}  # run id -> when this process last wrote its heartbeat (monotonic seconds)

    def beat(state: _State) -> None:
        """A run's heartbeat at a node, at most once a minute (each is a write transaction of its own). A run's
        first node beats nothing: starting or claiming it wrote the heartbeat just before."""
        run_id = state.get("run_id")
        if not run_id or state.get("dry_run"):
            return
        now = time.monotonic()
        if now - beats.setdefault(run_id, now) >= BEAT_EVERY:
            ledger.heartbeat(store, run_id)
            beats[run_id] = now

    def collect(state: _State) -> _State:
        beat(state)
        params = DetectInput.model_validate(state["detect"])
        notes: list[str] = []
        pending: list[dict[str, Any]] = []
        if state.get("dry_run"):
            found = detect_anomalies(store, params.model_copy(update={"dry_run": True})).anomalies
            given = ledger.handed_out(store, CONSUMER)
            taken = [
                a
                for a in found
                if a.status == "open"
                and (a.anomaly_id not in given or _RANK[a.severity] > _RANK[given[a.anomaly_id]])
            ]
        else:
            taken = detect_new_anomalies(store, params, CONSUMER)
            lost = [
                i for i in ledger.unlogged_handouts(store, CONSUMER) if i not in {a.anomaly_id for a in taken}
            ]
            if lost and not _others_running(store, state["run_id"]):  # type: ignore[arg-type]
                stored = list_anomalies(store, ListAnomaliesInput(status=["open"], limit=10_000)).anomalies
                recovered = [a for a in stored if a.anomaly_id in set(lost)]
                taken += recovered
                if recovered:
                    notes.append(f"took over {len(recovered)} anomalies an interrupted run had taken")
            pending = ledger.pending_alerts(store, exclude_runs=[state["run_id"]])  # type: ignore[list-item]
        sent = ledger.delivered_severities(store, [a.anomaly_id for a in taken])
        fresh = [
            a for a in taken if a.anomaly_id not in sent or _RANK[a.severity] > _RANK[sent[a.anomaly_id]]
        ]
        through = data_through(store, params.as_of)
        return {
            "anomalies": [a.model_dump(mode="json") for a in fresh],
            "pending": pending,
            "through": through.isoformat() if through else None,
            "notes": notes,
        }

    def enrich(state: _State) -> _State:
        beat(state)
        anomalies = [Anomaly.model_validate(a) for a in state.get("anomalies", [])]
        if not anomalies or not state.get("through"):
            return {"facts": []}
        through = dt.date.fromisoformat(state["through"])  # type: ignore[arg-type]
        facts = [gather_facts(store, lead, members, through) for lead, members in split_events(anomalies)]
        return {"facts": [f.model_dump(mode="json") for f in facts]}

    def route(state: _State) -> _State:
        drafts, merged = [], []
        for raw in state.get("facts", []):
            f = TriageFacts.model_validate(raw)
            a = f.anomaly
            ids = [a.anomaly_id, *(m.anomaly_id for m in f.members)]
            earlier = ledger.delivered_key(store, ids + [x for x in {a.group_id} if x], f.severity)
            if earlier is not None:
                merged.append(
                    {
                        "key": earlier,
                        "lead_id": earlier.split(":")[0],
                        "severity": f.severity,
                        "anomaly_ids": ids,
                    }
                )
                continue
            before = ledger.delivered_severities(store, [a.anomaly_id]).get(a.anomaly_id)
            if f.owner.owner is not None:
                o = f.owner.owner
                dest = Destination(
                    slack_channel=o.slack_channel,
                    slack_user=o.slack_user,
                    email=o.email,
                    teams_webhook=o.teams_webhook,
                    owner_key=o.key,
                    owner_value=o.value,
                )
            else:
                dest = Destination(slack_channel=settings.triage_default_channel, owner_value="unowned")
            lines = {
                "drivers": text.driver_lines(f),
                "budget_impact": text.budget_lines(f),
                "recent_changes": text.commit_lines(f),
                "top_usage": text.usage_lines(f),
                "related": text.related_lines(f),
            }
            alert = Alert(
                key=f"{a.anomaly_id}:{f.severity}",
                anomaly_id=a.anomaly_id,
                severity=f.severity,
                title=text.title(a),
                summary="",
                dimension=a.dimension,
                value=a.value,
                start_day=a.start_day,
                end_day=a.end_day,
                actual=round(a.actual, 2),
                expected=round(a.expected, 2),
                impact=round(a.impact, 2),
                destination=dest,
                trend=f.trend.state,
                severity_reason=f.severity_reason,
                owner_reason=f.owner.reason,
                related_ids=ids[1:],
                data_through=f.data_through,
                run_id=state.get("run_id"),
                escalated_from=before if before and _RANK[before] < _RANK[f.severity] else None,
                **lines,
            )
            drafts.append({"alert": alert.model_dump(mode="json"), "facts": raw, "member_ids": ids})
        return {"drafts": drafts, "merged": merged}

    def summarise(state: _State) -> _State:
        beat(state)
        alerts, notes = [], list(state.get("notes", []))
        for d in state.get("drafts", []):
            alert = Alert.model_validate(d["alert"])
            f = TriageFacts.model_validate(d["facts"])
            dest = destination_label(alert.destination)
            summary, llm = text.template_summary(f, dest), False
            if client is not None:
                lines = {
                    k: getattr(alert, k)
                    for k in ("drivers", "budget_impact", "recent_changes", "top_usage", "related")
                }
                said, why = text.claude_summary(
                    client, settings.anthropic_model, text.llm_facts(f, lines, dest)
                )
                if said is not None:
                    summary, llm = said, True
                else:
                    notes.append(f"{alert.key}: {why}")
            alerts.append(
                {
                    **alert.model_copy(update={"summary": summary, "llm": llm}).model_dump(mode="json"),
                    "_members": d["member_ids"],
                }
            )
        return {"alerts": alerts, "notes": notes}

    def record(state: _State) -> _State:
        if state.get("dry_run"):
            return {}
        entries: list[ledger.LedgerEntry] = []
        for raw in state.get("alerts", []):
            alert = {k: v for k, v in raw.items() if k != "_members"}
            dest = destination_label(Destination.model_validate(alert["destination"]))
            for i, aid in enumerate(raw["_members"]):
                entries.append(
                    ledger.LedgerEntry(
                        anomaly_id=aid,
                        key=alert["key"],
                        lead_id=alert["anomaly_id"],
                        severity=alert["severity"],
                        status="enriched",
                        destination=dest,
                        alert=alert if i == 0 else None,
                    )
                )
        for m in state.get("merged", []):
            for aid in m["anomaly_ids"]:
                entries.append(
                    ledger.LedgerEntry(
                        anomaly_id=aid,
                        key=m["key"],
                        lead_id=m["lead_id"],
                        severity=m["severity"],
                        status="merged",
                        destination=None,
                    )
                )
        ledger.record(store, state["run_id"], entries)  # type: ignore[arg-type]
        return {}

    def deliver(state: _State) -> _State:
        if state.get("dry_run"):
            return {"outcome": {"delivered": [], "failed": [], "already_sent": []}}
        beat(state)
        delivered: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        already: list[str] = []
        notes: list[str] = []
        seen: set[str] = set()
        for raw in [*state.get("pending", []), *state.get("alerts", [])]:
            alert = Alert.model_validate({k: v for k, v in raw.items() if k != "_members"})
            if alert.key in seen:
                continue
            seen.add(alert.key)
            if ledger.is_delivered(store, alert.key):
                already.append(alert.key)
                continue
            try:
                ref = _reconciled(store, delivery, alert, notes)
                if ref is None:
                    # recorded first: a crash from here on leaves the alert in doubt, to be reconciled
                    ledger.mark_sending(store, alert.key)
                    ref = delivery.deliver(alert)
            except Exception as exc:  # noqa: BLE001 - one alert that cannot go out must not hold back the others
                code = exc.code if isinstance(exc, SpendscopeError) else "delivery_failed"
                message = (
                    exc.message if isinstance(exc, SpendscopeError) else f"{type(exc).__name__}: {exc}"[:300]
                )
                ledger.mark_failed(store, alert.key, f"{code}: {message}")
                failed.append(
                    {"key": alert.key, "anomaly_id": alert.anomaly_id, "code": code, "error": message}
                )
                continue
            ledger.mark_delivered(store, alert.key, str(ref))
            delivered.append(
                {
                    "key": alert.key,
                    "anomaly_id": alert.anomaly_id,
                    "severity": alert.severity,
                    "destination": destination_label(alert.destination),
                    "ref": str(ref),
                }
            )
        return {
            "outcome": {"delivered": delivered, "failed": failed, "already_sent": already},
            "notes": [*state.get("notes", []), *notes],
        }

    graph = StateGraph(_State)
    for name, node in (
        ("collect", collect),
        ("enrich", enrich),
        ("route", route),
        ("summarise", summarise),
        ("business", business_node(store, settings)),
        ("record", record),
        ("deliver", deliver),
    ):
        graph.add_node(name, node)
    graph.add_edge(START, "collect")
    graph.add_edge("collect", "enrich")
    graph.add_edge("enrich", "route")
    graph.add_edge("route", "summarise")
    graph.add_edge("summarise", "business")  # unit-economics alerts (agents/business_alerts.py)
    graph.add_edge("business", "record")
    graph.add_edge("record", "deliver")
    graph.add_edge("deliver", END)
    return graph.compile(checkpointer=checkpointer)


def _reconciled(store: Store, delivery: Delivery, alert: Alert, notes: list[str]) -> str | None:
    """For an alert whose earlier delivery began and never recorded its outcome (the process died): what the
    delivery found already sent (None: send it). A delivery that can look its messages up (Slack, by message
    metadata) says whether it went out; one that cannot (a webhook) sends it again under the same key, the
    alert's Idempotency-Key, so the receiver can drop the repeat."""
    since = ledger.sending_since(store, alert.key)
    if since is None:
        return None
    reconcile = getattr(delivery, "reconcile", None)
    found = reconcile(alert, since) if callable(reconcile) else None
    if found is not None:
        notes.append(f"{alert.key}: an interrupted delivery had gone out ({found}); not sent again")
        return str(found)
    notes.append(
        f"{alert.key}: an interrupted delivery may have gone out; sent again with the same idempotency key"
    )
    return None


# ---------------------------------------------------------------------------------------------- running


def checkpoint_path(settings: Settings, store: Store) -> Path:
    """The checkpoint file of a store: one per store file, under Settings.state_dir/triage."""
    resolved = str(store.path.expanduser().resolve())
    digest = hashlib.sha1(resolved.encode("utf-8")).hexdigest()[:10]
    return settings.state_dir.expanduser() / "triage" / f"{store.path.stem}-{digest}.sqlite"


@contextmanager
def _checkpointer(path: Path) -> Iterator[Any]:
    from langgraph.checkpoint.sqlite import SqliteSaver

    path.parent.mkdir(parents=True, exist_ok=True)
    with SqliteSaver.from_conn_string(str(path)) as saver:
        yield saver


def _alive(pid: int | None) -> bool | None:
    if pid is None:
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _others_running(store: Store, run_id: str) -> bool:
    host = socket.gethostname()
    return any(
        r.run_id != run_id and not ledger.is_stale(r, host, _alive(r.pid) if r.host == host else None)
        for r in ledger.unfinished_runs(store)
    )


def _merge(result: TriageResult, state: dict[str, Any]) -> None:
    result.anomalies += len(state.get("anomalies", []))
    result.alerts += [
        Alert.model_validate({k: v for k, v in a.items() if k != "_members"}) for a in state.get("alerts", [])
    ]
    outcome = state.get("outcome", {})
    result.delivered += [DeliveredAlert.model_validate(d) for d in outcome.get("delivered", [])]
    result.failed += [FailedAlert.model_validate(d) for d in outcome.get("failed", [])]
    result.already_sent += outcome.get("already_sent", [])
    result.merged += [aid for m in state.get("merged", []) for aid in m["anomaly_ids"]]
    result.notes += state.get("notes", [])
    if state.get("through"):
        result.data_through = dt.date.fromisoformat(state["through"])


@in_store_currency
def run_triage(
    store: Store,
    settings: Settings,
    delivery: Delivery | None = None,
    *,
    dry_run: bool = False,
    client: Any | None = None,
    detect: DetectInput | None = None,
) -> TriageResult:
    """Route new anomalies to their owners through `delivery` (default: JSON lines on stdout). Finishes any run
    that was interrupted first. `client` is an anthropic client (default: one from settings when a key is set;
    None without). A dry run detects without storing and sends, records and checkpoints nothing."""
    from spendscope.agents.llm import anthropic_client

    delivery = delivery or StdoutDelivery()
    client = client if client is not None else anthropic_client(settings)
    params = (detect or DetectInput()).model_copy(update={"dry_run": False})
    initial: _State = {"dry_run": dry_run, "detect": params.model_dump(mode="json")}
    if dry_run:
        state = build_graph(store, settings, delivery, client).invoke({**initial, "run_id": None})
        result = TriageResult(run_id=None, dry_run=True)
        _merge(result, state)
        return result
    store.ensure_schema()
    host, pid = socket.gethostname(), os.getpid()
    with _checkpointer(checkpoint_path(settings, store)) as saver:
        graph = build_graph(store, settings, delivery, client, saver)
        result = TriageResult(run_id=None)
        for run in ledger.unfinished_runs(store):
            if not ledger.is_stale(run, host, _alive(run.pid) if run.host == host else None):
                continue
            if not ledger.claim_run(store, run, host, pid):
                continue
            config = {"configurable": {"thread_id": run.run_id}}
            snapshot = graph.get_state(config)
            if not snapshot.values:
                ledger.finish_run(store, run.run_id, "abandoned", 0, 0)
                result.notes.append(f"run {run.run_id} was interrupted before its first checkpoint")
                continue
            state = _invoke(store, graph, None, run.run_id) if snapshot.next else snapshot.values
            _finish(store, saver, run.run_id, state)
            result.resumed_runs.append(run.run_id)
            _merge(result, state)
        run_id = f"triage-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
        ledger.start_run(store, run_id, params.model_dump(mode="json"), host, pid)
        state = _invoke(store, graph, {**initial, "run_id": run_id}, run_id)
        _finish(store, saver, run_id, state)
        result.run_id = run_id
        _merge(result, state)
    return result


def _invoke(store: Store, graph: Any, state: _State | None, run_id: str) -> dict[str, Any]:
    """Run (state given) or resume (None) a run's graph, checkpointing after every node. A new run that stops on
    an error is marked failed (the next run resumes it from the node that failed); a resumed run that fails again
    is abandoned: its undelivered alerts are retried from the ledger and the anomalies it took but never recorded
    are taken again (tools.triage.ledger.unlogged_handouts). The error is re-raised."""
    try:
        return graph.invoke(state, {"configurable": {"thread_id": run_id}}, durability="sync")
    except BaseException:
        ledger.finish_run(store, run_id, "failed" if state is not None else "abandoned", 0, 0)
        raise


def _finish(store: Store, saver: Any, run_id: str, state: dict[str, Any]) -> None:
    outcome = state.get("outcome", {})
    ledger.finish_run(
        store, run_id, "finished", len(state.get("alerts", [])), len(outcome.get("delivered", []))
    )
    saver.delete_thread(run_id)
