"""The alert buttons: Acknowledge, Expected (a dialog asks why), Reassign (a user picker) and Snooze (a
duration). Each one checks who pressed it (may_act: the alert's owners, the person it went to, admins), records
the feedback through tools.invoke (update_anomaly, reassign_anomaly, snooze_anomaly) as that Slack user, then
redraws the alert with chat.update. Refusals and failures reach the person who pressed, as an ephemeral message.

The feedback runs as an unscoped caller that may write: may_act has checked this one anomaly, and a row scope
could not express it (writes are refused to row-scoped callers).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from spendscope.agents.delivery import Alert
from spendscope.data.errors import PermissionDenied, SpendscopeError
from spendscope.slack_app import blocks, messaging
from spendscope.slack_app.access import Access, Scope
from spendscope.slack_app.delivery import SlackDelivery
from spendscope.tools.access import Caller
from spendscope.tools.invoke import invoke
from spendscope.tools.triage import post_ledger

log = logging.getLogger("spendscope.slack")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{6,}$")
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{6,}$")


@dataclass
class Pressed:
    """One press of an alert control: who, where, and which alert."""

    user: str
    channel: str
    ts: str
    anomaly_id: str
    key: str
    alert: Alert | None


def actor(user: str) -> str:
    return f"slack:{user}"


def feedback_caller(user: str) -> Caller:
    return Caller(actor(user), can_write=True)


class AlertActions:
    def __init__(self, delivery: SlackDelivery, access: Access) -> None:
        self.delivery = delivery
        self.store = delivery.store
        self.access = access

    # ------------------------------------------------------------------------------------------- lookups

    def pressed(self, body: dict[str, Any]) -> Pressed | None:
        """The alert a block action came from (its block id names it; the ledger holds the posted alert)."""
        action = (body.get("actions") or [{}])[0]
        ids = blocks.parse_block_id(str(action.get("block_id", "")))
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        ts = (body.get("container") or {}).get("message_ts") or (body.get("message") or {}).get("ts")
        user = (body.get("user") or {}).get("id")
        if ids is None or not channel or not ts or not user:
            return None
        return Pressed(user, channel, ts, ids[0], ids[1], self.alert_of(channel, ts, ids[1]))

    def alert_of(self, channel: str, ts: str, key: str) -> Alert | None:
        """The alert posted at (channel, ts), else the one its key names: a button can also sit on a snooze
        reminder, whose ledger row is a reminder message, not the alert."""
        here = post_ledger.find_message(self.store, channel, ts)
        post = (
            here
            if here is not None and here.kind == "alert"
            else post_ledger.get_post(self.store, f"alert:{key}")
        )
        if post is None or post.kind != "alert" or not post.payload:
            return None
        return Alert.model_validate(post.payload)

    def may_act(self, p: Pressed) -> str | None:
        """Why `p.user` may not act on the alert (None: they may): admins and anyone whose scope here covers
        the alert's owner or series may; so may the person it was sent or reassigned to."""
        decision = self.access.decide(p.user, p.channel)
        if decision.admin or (decision.scope is not None and decision.scope.everything):
            return None
        alert = p.alert
        if alert is not None:
            d = alert.destination
            state = self.delivery.state(alert)
            if p.user == d.slack_user or (state is not None and state.assignee == p.user):
                return None
            if decision.scope is not None and _covers(decision.scope, alert):
                return None
        owner = alert.destination.owner_value if alert is not None else None
        return (
            f"only {owner}'s people or a spendscope admin can act on this alert"
            if owner
            else "only a spendscope admin can act on this alert"
        )

    def may_receive(self, alert: Alert | None, assignee: str) -> str | None:
        """Why the alert may not be handed to `assignee` (None: it may). A reassignment sends the whole alert to
        the new person or channel, so their own access must cover it, as for anyone acting on it: an admin, a
        user or channel whose scope is everything or covers the alert's owner or series."""
        if self.access.spec is None:
            return None  # no access file: everyone sees all costs
        if _USER_ID.match(assignee):
            decision = self.access.decide(assignee, direct=True)  # the copy goes to their DM
        elif _CHANNEL_ID.match(assignee):
            decision = self.access.decide(None, assignee)
        else:
            return "pick a Slack user or channel from the access file to reassign to"
        if decision.admin or (decision.scope is not None and decision.scope.everything):
            return None
        if alert is not None and decision.scope is not None and _covers(decision.scope, alert):
            return None
        who = f"<@{assignee}>" if _USER_ID.match(assignee) else f"<#{assignee}>"
        owner = alert.destination.owner_value if alert is not None else None
        about = f" about {owner}" if owner else ""
        return (
            f"{who} may not see this alert{about}: the access file gives them nothing that covers it; ask a "
            "spendscope admin to add them, or reassign to someone who can see it"
        )

    # ------------------------------------------------------------------------------------------- actions

    def acknowledge(self, client: WebClient, body: dict[str, Any]) -> None:
        self._run(
            client,
            body,
            "acknowledge",
            lambda p: invoke(
                self.store,
                "update_anomaly",
                {"anomaly_id": p.anomaly_id, "action": "acknowledge", "actor": actor(p.user)},
                feedback_caller(p.user),
            ),
        )

    def reassign(self, client: WebClient, body: dict[str, Any]) -> None:
        action = (body.get("actions") or [{}])[0]
        assignee = (
            action.get("selected_user")
            or action.get("selected_conversation")
            or action.get("selected_channel")
        )
        if not assignee:
            return

        def run(p: Pressed) -> None:
            refused = self.may_receive(p.alert, assignee)
            if refused is not None:
                raise PermissionDenied(refused)
            invoke(
                self.store,
                "reassign_anomaly",
                {
                    "anomaly_id": p.anomaly_id,
                    "assignee": assignee,
                    "actor": actor(p.user),
                    "reason": "reassigned in Slack",
                },
                feedback_caller(p.user),
            )
            if p.alert is not None and assignee != p.user:
                self.delivery.hand_over(p.alert, assignee)

        self._run(client, body, "reassign", run)

    def snooze(self, client: WebClient, body: dict[str, Any]) -> None:
        action = (body.get("actions") or [{}])[0]
        hours = float(((action.get("selected_option") or {}).get("value")) or 24)
        self._run(
            client,
            body,
            "snooze",
            lambda p: invoke(
                self.store,
                "snooze_anomaly",
                {"anomaly_id": p.anomaly_id, "hours": hours, "actor": actor(p.user)},
                feedback_caller(p.user),
            ),
        )

    def open_expected(self, client: WebClient, body: dict[str, Any]) -> None:
        """Open the 'Expected' dialog (within the 3 s the trigger id lives)."""
        p = self.pressed(body)
        if p is None:
            return
        reason = self.may_act(p)
        if reason is not None:
            messaging.ephemeral(client, p.channel, p.user, f"Sorry: {reason}.")
            return
        alert = p.alert or _bare_alert(p)
        meta = {"a": p.anomaly_id, "k": p.key, "c": p.channel, "ts": p.ts}
        try:
            client.views_open(trigger_id=body["trigger_id"], view=blocks.expected_modal(alert, meta))
        except messaging.FAILURES as exc:
            messaging.ephemeral(client, p.channel, p.user, messaging.slack_error(exc, "views.open").message)

    def submit_expected(self, client: WebClient, body: dict[str, Any], view: dict[str, Any]) -> None:
        meta = json.loads(view.get("private_metadata") or "{}")
        values = (view.get("state") or {}).get("values") or {}
        reason = ((values.get("reason") or {}).get("reason") or {}).get("value") or None
        pattern = (((values.get("pattern") or {}).get("pattern") or {}).get("selected_option") or {}).get(
            "value"
        )
        user = (body.get("user") or {}).get("id")
        if not meta.get("a") or not user:
            return
        p = Pressed(
            user, meta["c"], meta["ts"], meta["a"], meta["k"], self.alert_of(meta["c"], meta["ts"], meta["k"])
        )
        self._apply(
            client,
            p,
            "mark as expected",
            lambda p: invoke(
                self.store,
                "update_anomaly",
                {
                    "anomaly_id": p.anomaly_id,
                    "action": "expected",
                    "reason": reason,
                    "pattern": pattern or "similar",
                    "actor": actor(p.user),
                },
                feedback_caller(p.user),
            ),
        )

    # ------------------------------------------------------------------------------------------- plumbing

    def _run(self, client: WebClient, body: dict[str, Any], what: str, work: Any) -> None:
        p = self.pressed(body)
        if p is None:
            log.warning("an alert action without its alert (block id or message missing)")
            return
        self._apply(client, p, what, work)

    def _apply(self, client: WebClient, p: Pressed, what: str, work: Any) -> None:
        try:
            reason = self.may_act(p)
            if reason is not None:
                raise PermissionDenied(reason)
            work(p)
            if p.alert is not None:
                self.delivery.refresh(p.alert, p.channel, p.ts)
        except SpendscopeError as exc:
            messaging.ephemeral(client, p.channel, p.user, f"Could not {what} {p.anomaly_id}: {exc.message}")
        except Exception:
            log.exception("alert action %s on %s failed", what, p.anomaly_id)
            messaging.ephemeral(
                client,
                p.channel,
                p.user,
                f"Could not {what} {p.anomaly_id}: something went wrong "
                "on my side; the app's log has the details",
            )


def _covers(scope: Scope, alert: Alert) -> bool:
    """Whether `scope` limits the alert's owner dimension or its series dimension to a value that includes it."""
    d = alert.destination
    checks = [(alert.dimension, alert.value)]
    if d.owner_key and d.owner_value:
        checks.insert(0, (d.owner_key, d.owner_value))
    return any(scope.limits(k) and scope.allows(k, v) for k, v in checks)


def _bare_alert(p: Pressed) -> Alert:
    """An alert to title the dialog with when the ledger does not hold the posted one."""
    import datetime as dt

    from spendscope.agents.delivery import Destination

    today = dt.date.today()
    return Alert(
        key=p.key,
        anomaly_id=p.anomaly_id,
        severity="medium",
        title=f"Anomaly {p.anomaly_id}",
        summary="",
        dimension="",
        value="",
        start_day=today,
        end_day=today,
        actual=0,
        expected=0,
        impact=0,
        destination=Destination(),
    )
