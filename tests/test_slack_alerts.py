"""Routed anomalies in Slack: SlackDelivery posts each alert once with its buttons, and the buttons (real signed
block_actions and view_submission requests into the Bolt app) update the anomaly in the store and the message."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from fake_slack_api import (  # noqa: F401 - the *_fixture names are pytest fixtures
    FORM,
    SECRET,
    TEAM,
    FakeSlack,
    build,
    fake_fixture,
    interaction_body,
    make_settings,
    signed_request,
    slack_master_fixture,
    slack_store_fixture,
)
from spendscope.agents.delivery import Alert, Destination
from spendscope.data.errors import SourceError
from spendscope.data.store import Store
from spendscope.slack_app import reports
from spendscope.slack_app.access import Access
from spendscope.slack_app.blocks import block_id
from spendscope.slack_app.delivery import SlackDelivery
from spendscope.slack_app.messaging import make_client
from spendscope.tools.governance.alert_actions import anomaly_state
from spendscope.tools.governance.anomalies import ListAnomaliesInput, get_anomaly, list_anomalies
from spendscope.tools.triage import post_ledger

SUPPORT_CHANNEL = "C0SUPPORT1"
SUPPORTER, OUTSIDER, BOB = "U0SUPPORT1", "U0SEARCH01", "U0BOB00001"


def _alert(
    store: Store,
    *,
    channel: str | None = SUPPORT_CHANNEL,
    user: str | None = None,
    severity: str | None = None,
) -> Alert:
    a = list_anomalies(store, ListAnomaliesInput(dimension="team", value="support")).anomalies[0]
    sev = severity or a.severity
    return Alert(
        key=f"{a.anomaly_id}:{sev}",
        anomaly_id=a.anomaly_id,
        severity=sev,
        title=f"Spike in team=support: +${a.impact:,.0f}",
        summary=a.explanation or "Support spend rose.",
        dimension="team",
        value="support",
        start_day=a.start_day,
        end_day=a.end_day,
        actual=a.actual,
        expected=a.expected,
        impact=a.impact,
        drivers=["model claude-sonnet-4-5 carries most of it"],
        destination=Destination(
            slack_channel=channel, slack_user=user, owner_key="team", owner_value="support"
        ),
    )


def _delivery(store: Store, fake: FakeSlack, tmp_path: Path, fallback: str | None = None) -> SlackDelivery:
    return SlackDelivery(store, make_client(make_settings(store, fake, tmp_path)), fallback_channel=fallback)


def _press(alert: Alert, action: dict[str, Any], *, user: str, channel: str, ts: str) -> str:
    return interaction_body(
        {
            "type": "block_actions",
            "team": {"id": TEAM},
            "api_app_id": "A0APP0001",
            "trigger_id": "13345.42.trig",
            "user": {"id": user},
            "channel": {"id": channel},
            "response_url": "http://127.0.0.1:9/unused",
            "container": {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": False},
            "message": {"ts": ts, "type": "message"},
            "actions": [{"block_id": block_id(alert), "action_ts": "1700000000.1", **action}],
        }
    )


ACK = {"action_id": "alert_ack", "type": "button", "value": "x"}


def _access(tmp_path: Path) -> Access:
    path = tmp_path / "access.yaml"
    path.write_text(
        f"users:\n  {SUPPORTER}: {{team: support}}\n  {OUTSIDER}: {{team: search}}\n  {BOB}: all\n",
        encoding="utf-8",
    )
    return Access.load(path)


# --------------------------------------------------------------------------------------------- delivery


def test_an_alert_is_posted_once_to_the_owners_channel_with_its_buttons(
    slack_store: Store, fake: FakeSlack, tmp_path: Path
) -> None:
    alert = _alert(slack_store)
    ts = _delivery(slack_store, fake, tmp_path).deliver(alert)
    again = _delivery(slack_store, fake, tmp_path).deliver(alert)  # a router that retries after a crash
    (post,) = fake.of("chat.postMessage")
    assert (
        again == ts and post["channel"] == SUPPORT_CHANNEL and post["text"].startswith(f"[{alert.severity}]")
    )
    actions = next(b for b in post["blocks"] if b["type"] == "actions")
    assert [e["action_id"] for e in actions["elements"]] == [
        "alert_ack",
        "alert_expected",
        "alert_reassign",
        "alert_snooze",
    ]
    assert actions["block_id"] == f"alert|{alert.anomaly_id}|{alert.key}"
    assert "$" in json.dumps(post["blocks"]) and alert.drivers[0] in json.dumps(post["blocks"])


def test_an_alert_for_a_person_goes_to_their_dm_and_one_without_slack_to_finance(
    slack_store: Store, fake: FakeSlack, tmp_path: Path
) -> None:
    _delivery(slack_store, fake, tmp_path).deliver(_alert(slack_store, channel=None, user="U0PLATFRM1"))
    (opened,) = fake.of("conversations.open")
    assert opened["users"] == "U0PLATFRM1"
    assert fake.of("chat.postMessage")[0]["channel"] == "D0PLATFRM1"

    nowhere = _alert(slack_store, channel=None, severity="low")
    with pytest.raises(SourceError) as err:
        _delivery(slack_store, fake, tmp_path).deliver(nowhere)
    assert err.value.code == "source_error" and "no Slack destination" in err.value.message
    _delivery(slack_store, fake, tmp_path, fallback="C0FINANCE1").deliver(nowhere)
    assert fake.of("chat.postMessage")[-1]["channel"] == "C0FINANCE1"


def test_a_failed_post_is_recorded_and_retried_by_the_next_delivery(
    slack_store: Store, fake: FakeSlack, tmp_path: Path
) -> None:
    fake.fail["chat.postMessage"] = "not_in_channel"
    alert = _alert(slack_store)
    with pytest.raises(SourceError) as err:
        _delivery(slack_store, fake, tmp_path).deliver(alert)
    assert "not_in_channel" in err.value.message and "invite the app" in err.value.message
    assert post_ledger.get_post(slack_store, f"alert:{alert.key}").status == "failed"
    del fake.fail["chat.postMessage"]
    ts = _delivery(slack_store, fake, tmp_path).deliver(alert)
    assert len(fake.of("chat.postMessage")) == 2  # the failed attempt, then the retry
    done = post_ledger.get_post(slack_store, f"alert:{alert.key}")
    assert (done.status, done.ts, done.channel, done.attempts) == ("posted", ts, SUPPORT_CHANNEL, 1)


# --------------------------------------------------------------------------------------------- buttons


def test_acknowledge_updates_the_anomaly_and_redraws_the_message(
    slack_store: Store, fake: FakeSlack, tmp_path: Path
) -> None:
    alert = _alert(slack_store)
    ts = _delivery(slack_store, fake, tmp_path).deliver(alert)
    app, work = build(slack_store, make_settings(slack_store, fake, tmp_path), _access(tmp_path))
    resp = app.dispatch(
        signed_request(SECRET, _press(alert, ACK, user=SUPPORTER, channel=SUPPORT_CHANNEL, ts=ts), FORM)
    )
    work.drain()
    assert resp.status == 200
    detail = get_anomaly(slack_store, _id(alert))
    assert detail.anomaly.status == "acknowledged" and detail.feedback[-1].actor == f"slack:{SUPPORTER}"
    (update,) = fake.of("chat.update")
    assert (update["channel"], update["ts"]) == (SUPPORT_CHANNEL, ts)
    text = json.dumps(update["blocks"])
    assert (
        f":eyes: Acknowledged by <@{SUPPORTER}>" in text
        and "alert_ack" not in text
        and "alert_snooze" in text
    )


def test_expected_asks_why_in_a_dialog_and_the_reason_teaches_the_detector(
    slack_store: Store, fake: FakeSlack, tmp_path: Path
) -> None:
    alert = _alert(slack_store)
    ts = _delivery(slack_store, fake, tmp_path).deliver(alert)
    app, work = build(slack_store, make_settings(slack_store, fake, tmp_path), _access(tmp_path))
    app.dispatch(
        signed_request(
            SECRET,
            _press(
                alert,
                {"action_id": "alert_expected", "type": "button", "value": "x"},
                user=SUPPORTER,
                channel=SUPPORT_CHANNEL,
                ts=ts,
            ),
            FORM,
        )
    )
    work.drain()
    (opened,) = fake.of("views.open")
    view = opened["view"]
    assert opened["trigger_id"] == "13345.42.trig" and view["callback_id"] == "alert_expected_modal"
    submit = interaction_body(
        {
            "type": "view_submission",
            "team": {"id": TEAM},
            "api_app_id": "A0APP0001",
            "user": {"id": SUPPORTER},
            "view": {
                "id": "V0VIEW001",
                "type": "modal",
                "callback_id": "alert_expected_modal",
                "private_metadata": view["private_metadata"],
                "state": {
                    "values": {
                        "reason": {
                            "reason": {"type": "plain_text_input", "value": "support-bot v2 launch week"}
                        },
                        "pattern": {
                            "pattern": {"type": "static_select", "selected_option": {"value": "once"}}
                        },
                    }
                },
            },
        }
    )
    assert app.dispatch(signed_request(SECRET, submit, FORM)).status == 200
    work.drain()
    detail = get_anomaly(slack_store, _id(alert))
    assert detail.anomaly.status == "expected"
    last = detail.feedback[-1]
    assert (last.action, last.reason, last.pattern, last.actor) == (
        "expected",
        "support-bot v2 launch week",
        "once",
        f"slack:{SUPPORTER}",
    )
    text = json.dumps(fake.of("chat.update")[-1]["blocks"])
    assert "Marked expected by" in text and "support-bot v2 launch week" in text and '"actions"' not in text


def test_reassign_hands_the_alert_to_the_chosen_person_and_records_it(
    slack_store: Store, fake: FakeSlack, tmp_path: Path
) -> None:
    alert = _alert(slack_store)
    ts = _delivery(slack_store, fake, tmp_path).deliver(alert)
    app, work = build(slack_store, make_settings(slack_store, fake, tmp_path), _access(tmp_path))
    pick = {"action_id": "alert_reassign", "type": "users_select", "selected_user": BOB}
    app.dispatch(
        signed_request(SECRET, _press(alert, pick, user=SUPPORTER, channel=SUPPORT_CHANNEL, ts=ts), FORM)
    )
    work.drain()
    state = anomaly_state(slack_store, alert.anomaly_id)
    assert (state.assignee, state.assigned_by) == (BOB, f"slack:{SUPPORTER}")
    original, copy = fake.of("chat.postMessage")
    assert copy["channel"] == "D" + BOB[1:] and copy["text"] == original["text"]
    assert f"Reassigned to <@{BOB}> by <@{SUPPORTER}>" in json.dumps(fake.of("chat.update")[-1]["blocks"])


MEMBER, STRANGER, SUPPORT_ROOM = "U0MEMBER01", "U0STRANGE1", "C0SUPPROOM"


def _access_with_channels(tmp_path: Path) -> Access:
    path = tmp_path / "access.yaml"
    path.write_text(
        f"users:\n  {SUPPORTER}: {{team: support}}\n  {OUTSIDER}: {{team: search}}\n  {BOB}: all\n"
        f"channels:\n  {SUPPORT_CHANNEL}: {{team: support}}\n  {SUPPORT_ROOM}: {{team: support}}\n"
        "  C0SEARCH01: {team: search}\n",
        encoding="utf-8",
    )
    return Access.load(path)


@pytest.mark.parametrize("target", [STRANGER, OUTSIDER, "C0SEARCH01", "someone@example.com"])
def test_reassign_refuses_a_target_whose_access_does_not_cover_the_alert(
    slack_store: Store, fake: FakeSlack, tmp_path: Path, target: str
) -> None:
    alert = _alert(slack_store)
    ts = _delivery(slack_store, fake, tmp_path).deliver(alert)
    app, work = build(
        slack_store, make_settings(slack_store, fake, tmp_path), _access_with_channels(tmp_path)
    )
    kind = "selected_user" if target.startswith("U") else "selected_conversation"
    pick = {"action_id": "alert_reassign", "type": "users_select", kind: target}
    # MEMBER has no entry of their own: the support channel's scope lets them act here, not hand the alert out
    app.dispatch(
        signed_request(SECRET, _press(alert, pick, user=MEMBER, channel=SUPPORT_CHANNEL, ts=ts), FORM)
    )
    work.drain()
    (told,) = fake.of("chat.postEphemeral")
    assert told["user"] == MEMBER and told["text"].startswith("Could not reassign")
    assert len(fake.of("chat.postMessage")) == 1  # the original only: no copy went out
    assert anomaly_state(slack_store, alert.anomaly_id).assignee is None


def test_reassign_to_a_channel_that_covers_the_alert_hands_it_over(
    slack_store: Store, fake: FakeSlack, tmp_path: Path
) -> None:
    alert = _alert(slack_store)
    ts = _delivery(slack_store, fake, tmp_path).deliver(alert)
    app, work = build(
        slack_store, make_settings(slack_store, fake, tmp_path), _access_with_channels(tmp_path)
    )
    pick = {
        "action_id": "alert_reassign",
        "type": "conversations_select",
        "selected_conversation": SUPPORT_ROOM,
    }
    app.dispatch(
        signed_request(SECRET, _press(alert, pick, user=MEMBER, channel=SUPPORT_CHANNEL, ts=ts), FORM)
    )
    work.drain()
    assert fake.of("chat.postEphemeral") == []
    assert fake.of("chat.postMessage")[-1]["channel"] == SUPPORT_ROOM
    assert anomaly_state(slack_store, alert.anomaly_id).assignee == SUPPORT_ROOM


def test_snooze_holds_back_new_alerts_until_it_ends_then_reminds_once_in_the_thread(
    slack_store: Store, fake: FakeSlack, tmp_path: Path
) -> None:
    alert = _alert(slack_store)
    delivery = _delivery(slack_store, fake, tmp_path)
    ts = delivery.deliver(alert)
    app, work = build(slack_store, make_settings(slack_store, fake, tmp_path), _access(tmp_path))
    pick = {"action_id": "alert_snooze", "type": "static_select", "selected_option": {"value": "24"}}
    app.dispatch(
        signed_request(SECRET, _press(alert, pick, user=SUPPORTER, channel=SUPPORT_CHANNEL, ts=ts), FORM)
    )
    work.drain()
    state = anomaly_state(slack_store, alert.anomaly_id)
    assert state.snoozed_until is not None
    assert dt.timedelta(hours=23) < state.snoozed_until - dt.datetime.now(dt.UTC) <= dt.timedelta(hours=24)
    assert ":zzz: Snoozed until" in json.dumps(fake.of("chat.update")[-1]["blocks"])

    worse = alert.model_copy(update={"key": f"{alert.anomaly_id}:escalated", "severity": "critical"})
    assert delivery.deliver(worse) == "snoozed" and len(fake.of("chat.postMessage")) == 1

    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=25)
    sent = []
    for _ in range(2):
        _, messages, _ = reports.reminders(slack_store, later)
        reports.deliver(slack_store, delivery.client, messages)
        sent += messages
    reminder = fake.of("chat.postMessage")[-1]
    assert len(fake.of("chat.postMessage")) == 2
    assert (reminder["channel"], reminder["thread_ts"]) == (SUPPORT_CHANNEL, ts) and "snooze" in reminder[
        "text"
    ]

    # the reminder carries the alert's buttons: pressing one acts on the anomaly (it used to read the
    # reminder's ledger row as an alert and fail)
    (once,) = sent
    reminder_ts = post_ledger.get_post(slack_store, once.key).ts
    assert any(b["type"] == "actions" for b in reminder["blocks"])
    app.dispatch(
        signed_request(
            SECRET, _press(alert, ACK, user=SUPPORTER, channel=SUPPORT_CHANNEL, ts=reminder_ts), FORM
        )
    )
    work.drain()
    assert fake.of("chat.postEphemeral") == []
    feedback = get_anomaly(slack_store, _id(alert)).feedback
    assert [(f.action, f.actor) for f in feedback if f.action == "acknowledge"] == [
        ("acknowledge", f"slack:{SUPPORTER}")
    ]


def test_someone_outside_the_alerts_team_cannot_act_on_it(
    slack_store: Store, fake: FakeSlack, tmp_path: Path
) -> None:
    alert = _alert(slack_store)
    ts = _delivery(slack_store, fake, tmp_path).deliver(alert)
    app, work = build(slack_store, make_settings(slack_store, fake, tmp_path), _access(tmp_path))
    app.dispatch(
        signed_request(SECRET, _press(alert, ACK, user=OUTSIDER, channel=SUPPORT_CHANNEL, ts=ts), FORM)
    )
    work.drain()
    (told,) = fake.of("chat.postEphemeral")
    assert told["user"] == OUTSIDER and "only support's people or a spendscope admin" in told["text"]
    assert get_anomaly(slack_store, _id(alert)).anomaly.status == "open" and fake.of("chat.update") == []


def test_the_triage_router_delivers_through_slack_and_never_twice(
    slack_store: Store, fake: FakeSlack, tmp_path: Path
) -> None:
    from spendscope.agents.triage import run_triage

    settings = make_settings(slack_store, fake, tmp_path)
    first = run_triage(slack_store, settings, _delivery(slack_store, fake, tmp_path))
    posted = fake.of("chat.postMessage")
    assert first.delivered and not first.failed and len(posted) == len(first.delivered)
    assert all(re.fullmatch(r"\d+\.\d{6}", d.ref) for d in first.delivered)
    assert SUPPORT_CHANNEL in {p["channel"] for p in posted}
    # anomaly alerts carry the acknowledge/reassign buttons; unit-economics alerts (mf-, ub-, ua- ids) do not
    anomalies = sum(1 for d in first.delivered if d.anomaly_id.startswith("an-"))
    assert anomalies and sum(any(b["type"] == "actions" for b in p["blocks"]) for p in posted) == anomalies
    second = run_triage(slack_store, settings, _delivery(slack_store, fake, tmp_path))
    assert not second.delivered and len(fake.of("chat.postMessage")) == len(posted)


def _id(alert: Alert) -> Any:
    from spendscope.tools.governance.anomalies import AnomalyIdInput

    return AnomalyIdInput(anomaly_id=alert.anomaly_id)
