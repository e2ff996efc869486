"""Who sees what in Slack (the access file), and the store side of the app: the posting ledger and the
routing feedback (reassign, snooze) in tools/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fake_slack_api import slack_master_fixture, slack_store_fixture  # noqa: F401 - pytest fixtures
from spendscope.data.errors import InvalidArgument, NotFound
from spendscope.data.store import Store
from spendscope.slack_app.access import Access, outside_scope
from spendscope.tools.governance.alert_actions import (
    ReassignInput,
    SnoozeInput,
    anomaly_state,
    due_snoozes,
    mark_reminded,
    reassign_anomaly,
    snooze_anomaly,
    snoozed,
)
from spendscope.tools.governance.anomalies import ListAnomaliesInput, list_anomalies
from spendscope.tools.registry import operations
from spendscope.tools.triage import post_ledger

ACCESS = """
admins: [U0ADMIN001]
finance_channel: C0FINANCE1
users:
  U0CFO00001: all
  U0ALICE001: {team: search}
  U0BOB00001: {team: [search, Ads]}
channels:
  C0SEARCH01: {team: search}
  C0ADS00001: {team: ads}
  C0FINANCE1: all
"""


def _load(tmp_path: Path, text: str) -> Access:
    path = tmp_path / "access.yaml"
    path.write_text(text, encoding="utf-8")
    return Access.load(path)


def test_a_person_sees_what_both_they_and_the_channel_may_see(tmp_path: Path) -> None:
    access = _load(tmp_path, ACCESS)
    alice_dm = access.decide("U0ALICE001", "D0ALICE001", direct=True)
    assert alice_dm.scope.filters()[0].model_dump() == {"dimension": "team", "op": "in", "values": ["search"]}
    assert access.decide("U0CFO00001", "C0SEARCH01").scope.text() == "team search"  # the channel reads it too
    assert access.decide("U0CFO00001", "D0CFO00001", direct=True).scope.everything
    assert access.decide("U0BOB00001", "C0ADS00001").scope.text() == "team Ads"
    refused = access.decide("U0ALICE001", "C0ADS00001")
    assert not refused.allowed and "this channel shows team ads" in refused.reason
    assert (
        access.decide("U0NEW00001", "C0SEARCH01").scope.text() == "team search"
    )  # a member of the team channel
    stranger = access.decide("U0NEW00001", "D0NEW00001", direct=True)
    assert not stranger.allowed and "<@U0ADMIN001>" in stranger.reason
    admin = access.decide("U0ADMIN001", "D0ADMIN001", direct=True)
    assert admin.admin and admin.scope.everything and access.finance_channel == "C0FINANCE1"
    assert Access.open().decide("U0ANYONE01", "C0ANY00001").scope.everything


def test_a_question_naming_rows_outside_the_scope_is_detected_at_any_depth(tmp_path: Path) -> None:
    scope = _load(tmp_path, ACCESS).decide("U0ALICE001", None, direct=True).scope
    own = {"filters": [{"dimension": "team", "op": "in", "values": ["search"]}]}
    other = {"numerator": {"filters": [{"dimension": "Team", "op": "eq", "values": ["support"]}]}}
    excluded = {
        "filters": [
            {"dimension": "team", "op": "not", "values": ["support"]},
            {"dimension": "provider", "op": "eq", "values": ["OpenAI"]},
        ]
    }
    assert outside_scope([own], scope) == [] and outside_scope([excluded], scope) == []
    assert outside_scope([own, other], scope) == [("team", ["support"])]


@pytest.mark.parametrize(
    "text, where",
    [
        ("users: [oops", "line"),
        ("users:\n  U0ALICE001: {team: []}\n", "users: U0ALICE001: 'team' needs one or more"),
        ("users:\n  U0ALICE001: {team: '(none)'}\n", "untagged"),
        ("default: maybe\n", "default"),
        ("people: {}\n", "people"),
    ],
)
def test_a_bad_access_file_is_refused_naming_the_place(tmp_path: Path, text: str, where: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        _load(tmp_path, text)
    assert err.value.code == "invalid_argument" and where in err.value.message
    with pytest.raises(InvalidArgument):
        Access.load(tmp_path / "missing.yaml")


def test_the_posting_ledger_hands_a_key_out_once_and_again_only_after_a_failure(store: Store) -> None:
    first = post_ledger.claim_post(store, "alert:k1", "alert", {"anomaly_id": "an-1"})
    assert first is not None and first.status == "claimed"
    assert post_ledger.claim_post(store, "alert:k1", "alert") is None  # in progress elsewhere
    post_ledger.mark_failed(store, "alert:k1", "boom")
    assert post_ledger.retryable_posts(store, "alert")[0].key == "alert:k1"
    assert post_ledger.claim_post(store, "alert:k1", "alert") is not None
    post_ledger.mark_posted(store, "alert:k1", "C1", "1.2")
    assert post_ledger.claim_post(store, "alert:k1", "alert") is None
    assert post_ledger.find_message(store, "C1", "1.2").payload == {"anomaly_id": "an-1"}
    assert [p.key for p in post_ledger.posts_about(store, "alert", "anomaly_id", "an-1")] == ["alert:k1"]
    stale = post_ledger.claim_post(store, "event:E1", "event")
    assert stale is not None and post_ledger.claim_post(
        store, "event:E1", "event", stale_after=dt.timedelta(0)
    )
    assert post_ledger.forget(store, "event", dt.timedelta(0)) == 1


def test_reassign_and_snooze_are_recorded_with_the_anomaly_and_validated(slack_store: Store) -> None:
    aid = list_anomalies(slack_store, ListAnomaliesInput(limit=1)).anomalies[0].anomaly_id
    state = reassign_anomaly(
        slack_store, ReassignInput(anomaly_id=aid, assignee="U0BOB00001", actor="slack:U0A")
    )
    assert (state.assignee, state.assigned_by, state.status) == ("U0BOB00001", "slack:U0A", "open")
    with pytest.raises(InvalidArgument) as err:
        reassign_anomaly(slack_store, ReassignInput(anomaly_id=aid, assignee="bob"))
    assert err.value.code == "invalid_argument"
    with pytest.raises(NotFound):
        snooze_anomaly(slack_store, SnoozeInput(anomaly_id="an-nope", hours=1))
    with pytest.raises(ValueError):
        SnoozeInput(anomaly_id=aid)
    state = snooze_anomaly(slack_store, SnoozeInput(anomaly_id=aid, hours=2, actor="slack:U0B"))
    assert state.snoozed_by == "slack:U0B" and aid in snoozed(slack_store, [aid])
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=3)
    assert aid not in snoozed(slack_store, [aid], later) and due_snoozes(slack_store) == []
    (due,) = due_snoozes(slack_store, later)
    mark_reminded(slack_store, due.action_id)
    assert due_snoozes(slack_store, later) == [] and len(anomaly_state(slack_store, aid).actions) == 2


def test_reassign_and_snooze_are_write_operations_in_the_registry() -> None:
    ops = {op.name: op for op in operations()}
    assert ops["reassign_anomaly"].writes and ops["snooze_anomaly"].writes
